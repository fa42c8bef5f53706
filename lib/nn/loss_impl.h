/* The loss struct and its per-kind vtable, private to lib/nn. */
#ifndef DSC_NN_LOSS_IMPL_H
#define DSC_NN_LOSS_IMPL_H

#include "../core/common.h"
#include "../core/settings.h"
#include "../kernels/kernels.h"

/* A loss's parameters are stored by key (dsc_loss_param): keys are below this. */
#define DSC__LOSS_PARAM_SLOTS 3

typedef struct dsc__loss_vtable {
    dsc_loss_kind kind;
    const char *name;
    int uses_labels;         /* 1: forward_labels; 0: float targets */
    const dsc__setting *params; /* the keys this kind uses, with default and range; NULL: none */
    size_t nparams;
    /* Mean loss of the remembered batch (inputs already validated). */
    double (*forward)(const dsc_loss *l);
    void (*backward)(const dsc_loss *l, float *dy);
} dsc__loss_vtable;

struct dsc_loss {
    const dsc__loss_vtable *vt;
    const dsc_kernels *k;    /* cached at creation */
    double param[DSC__LOSS_PARAM_SLOTS]; /* by key: Huber's delta, smooth L1's beta */
    /* The last successful forward (borrowed). */
    const float *y;
    const float *target;
    const int32_t *labels;
    size_t batch, width;
    int have_forward;
};

extern const dsc__loss_vtable dsc__loss_mse;
extern const dsc__loss_vtable dsc__loss_cross_entropy;
extern const dsc__loss_vtable dsc__loss_bce_logits;
extern const dsc__loss_vtable dsc__loss_huber;
extern const dsc__loss_vtable dsc__loss_smooth_l1;
extern const dsc__loss_vtable dsc__loss_l1;

/* The forward once the arguments are checked (the public forwards check them;
 * the fused training step checks targets and labels before anything runs):
 * refuses a non-finite model output (DSC_E_NONFINITE, message naming fn),
 * else records y, target or labels for the backward and writes the mean loss. */
dsc_status dsc__loss_record(const char *fn, dsc_loss *loss, const float *y, const float *target,
                            const int32_t *labels, size_t batch, size_t width, double *value);

#endif
