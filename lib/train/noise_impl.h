/* The noise-scale estimator's struct and what the trainer uses of it.
 * Never installed. */
#ifndef DSC_TRAIN_NOISE_IMPL_H
#define DSC_TRAIN_NOISE_IMPL_H

#include "../core/common.h"
#include "../core/settings.h"

struct dsc_noise_scale {
    /* Settings (DSC_TRAINER_PARAM_NOISE_BETA, _LOSS_WINDOW). */
    double beta;
    size_t window;
    /* Gradient noise: running averages of the unbiased estimates. */
    uint64_t steps;            /* pairs averaged */
    double grad_sq, trace;     /* |G|^2 and tr(Sigma) */
    /* A part read by dsc_noise_scale_add_part, waiting for its whole. */
    int pending;
    double part_sq;            /* |G_part|^2, the part's mean gradient */
    size_t part, batch, nparams;
    /* The loss window: a ring of window rows (loss, epoch, seconds). */
    double *ring;
    size_t filled, next;
};

/* The estimator's settings table (beta, window), which the trainer's
 * settings fall through to. */
const dsc__setting *dsc__noise_settings(size_t *n);

/* Samples of the part of a batch of n >= 2: round(share x n) in [1, n-1]. */
size_t dsc__noise_part(size_t n, double share);

/* Squared L2 norm of n gradients with the model's kernel set, inside the
 * floating-point guard. */
double dsc__noise_sq(const dsc_model *model, const float *g, size_t n);

/* The unchecked update of dsc_noise_scale_add_norms and _add_loss. */
void dsc__noise_add_pair(dsc_noise_scale *ns, double sq_small, size_t b_small, double sq_big,
                         size_t b_big);
void dsc__noise_add_loss(dsc_noise_scale *ns, double loss, double epoch, double seconds);

/* A measurement by progress key (keys 20-26); NaN for other keys. */
double dsc__noise_value(const dsc_noise_scale *ns, dsc_progress_key key);

/* The advice without argument checks: DSC_E_STATE (message naming fn) while
 * the noise scale is not positive and finite. */
dsc_status dsc__noise_advise(const dsc_noise_scale *ns, double lr, size_t lr_batch,
                             size_t max_batch, size_t *batch, double *lr_out, char *why,
                             size_t why_size, const char *fn);

#endif
