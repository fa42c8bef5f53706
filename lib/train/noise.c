/* The gradient noise scale (McCandlish, Kaplan, Amodei et al., "An Empirical
 * Model of Large-Batch Training", 2018, appendix A.1), and the loss's
 * oscillation and progress over a window of steps.
 *
 * From the squared norms of mean gradients over b < B samples at the same
 * weights, E|G_b|^2 = |G|^2 + tr(Sigma)/b, so
 *   |G|^2     ~ (B |G_B|^2 - b |G_b|^2) / (B - b)
 *   tr(Sigma) ~ (|G_b|^2 - |G_B|^2) / (1/b - 1/B)
 * are unbiased. Each is averaged over steps with weight max(1 - beta, 1/n)
 * at the n-th (the plain mean until the moving average takes over, so no
 * bias correction is needed), and B_simple = tr(Sigma) / |G|^2 is the ratio
 * of the averages: the ratio of single-step estimates is biased and often
 * negative, the ratio of averages converges.
 *
 * The loss window keeps the last `window` (loss, epoch, seconds) rows; its
 * least-squares line against the epoch gives the oscillation (RMS of the
 * residuals) and the drop per epoch (minus the slope), computed when read. */
#include "noise_impl.h"
#include "../kernels/fpenv.h"
#include "../nn/model_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const dsc__setting settings[] = {
    {DSC_TRAINER_PARAM_NOISE_BETA, "noise_beta", 0.99, 0, 1, 0},
    {DSC_TRAINER_PARAM_LOSS_WINDOW, "loss_window", 50, 3, 1048576.0, DSC__SET_INT},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])
#define OBJECT "the noise-scale estimator"

const dsc__setting *dsc__noise_settings(size_t *n) {
    *n = NSETTINGS;
    return settings;
}

size_t dsc__noise_part(size_t n, double share) {
    double b = nearbyint(share * (double)n);
    if (b < 1.0) return 1;
    if (b > (double)(n - 1)) return n - 1;
    return (size_t)b;
}

double dsc__noise_sq(const dsc_model *model, const float *g, size_t n) {
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    double sq = n > 0 ? model->k->sumsq_fast(n, g) : 0.0;
    dsc__fpenv_leave(&fe);
    return sq;
}

/* ---- life cycle and settings ---------------------------------------------- */

dsc_status dsc_noise_scale_new(dsc_noise_scale **out) {
    static const char fn[] = "dsc_noise_scale_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out must not be NULL", fn);
    *out = NULL;
    dsc_noise_scale *ns = dsc__calloc(1, sizeof *ns);
    DSC_RETURN_IF(ns == NULL, DSC_E_NOMEM, "%s: out of memory for the estimator", fn);
    ns->beta = settings[0].def;
    ns->window = (size_t)settings[1].def;
    ns->ring = dsc__calloc(3 * ns->window, sizeof(double));
    if (ns->ring == NULL) {
        dsc__free(ns);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for the loss window", fn);
    }
    (void)dsc_noise_scale_reset(ns);
    *out = ns;
    return DSC_OK;
}

void dsc_noise_scale_free(dsc_noise_scale *ns) {
    if (ns == NULL) return;
    dsc__free(ns->ring);
    dsc__free(ns);
}

dsc_status dsc_noise_scale_reset(dsc_noise_scale *ns) {
    DSC_RETURN_IF(ns == NULL, DSC_E_ARG, "dsc_noise_scale_reset: ns must not be NULL");
    ns->steps = 0;
    ns->grad_sq = ns->trace = 0.0;
    ns->pending = 0;
    ns->filled = ns->next = 0;
    return DSC_OK;
}

dsc_status dsc_noise_scale_set(dsc_noise_scale *ns, dsc_trainer_param key, double value) {
    static const char fn[] = "dsc_noise_scale_set";
    DSC_RETURN_IF(ns == NULL, DSC_E_ARG, "%s: ns must not be NULL", fn);
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(settings, NSETTINGS, (int)key, fn, OBJECT, &row));
    DSC_TRY(dsc__setting_check(row, value, fn));
    if (key == DSC_TRAINER_PARAM_NOISE_BETA) {
        ns->beta = value;
        return DSC_OK;
    }
    size_t w = (size_t)value;
    if (w == ns->window) return DSC_OK; /* the same window keeps its losses */
    double *ring = dsc__calloc(3 * w, sizeof(double));
    DSC_RETURN_IF(ring == NULL, DSC_E_NOMEM, "%s: out of memory for a loss window of %zu", fn, w);
    dsc__free(ns->ring);
    ns->ring = ring;
    ns->window = w;
    ns->filled = ns->next = 0;
    return DSC_OK;
}

dsc_status dsc_noise_scale_get(const dsc_noise_scale *ns, dsc_trainer_param key, double *out) {
    static const char fn[] = "dsc_noise_scale_get";
    if (out != NULL) *out = 0.0;
    DSC_RETURN_IF(ns == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  ns == NULL ? "ns" : "out");
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(settings, NSETTINGS, (int)key, fn, OBJECT, &row));
    *out = key == DSC_TRAINER_PARAM_NOISE_BETA ? ns->beta : (double)ns->window;
    return DSC_OK;
}

/* ---- measurements ------------------------------------------------------------ */

void dsc__noise_add_pair(dsc_noise_scale *ns, double sq_small, size_t b_small, double sq_big,
                         size_t b_big) {
    const double bs = (double)b_small, bb = (double)b_big;
    const double g2 = (bb * sq_big - bs * sq_small) / (bb - bs);
    const double tr = (sq_small - sq_big) / (1.0 / bs - 1.0 / bb);
    ns->steps++;
    const double w = fmax(1.0 - ns->beta, 1.0 / (double)ns->steps);
    ns->grad_sq += w * (g2 - ns->grad_sq);
    ns->trace += w * (tr - ns->trace);
}

dsc_status dsc_noise_scale_add_norms(dsc_noise_scale *ns, double sq_small, size_t b_small,
                                     double sq_big, size_t b_big) {
    static const char fn[] = "dsc_noise_scale_add_norms";
    DSC_RETURN_IF(ns == NULL, DSC_E_ARG, "%s: ns must not be NULL", fn);
    DSC_RETURN_IF(b_small < 1 || b_big <= b_small, DSC_E_ARG,
                  "%s: the batch sizes are %zu and %zu; they must be 1 <= b_small < b_big", fn,
                  b_small, b_big);
    DSC_RETURN_IF(!(sq_small >= 0.0 && sq_small < INFINITY), DSC_E_ARG,
                  "%s: sq_small is %g; it must be finite and >= 0", fn, sq_small);
    DSC_RETURN_IF(!(sq_big >= 0.0 && sq_big < INFINITY), DSC_E_ARG,
                  "%s: sq_big is %g; it must be finite and >= 0", fn, sq_big);
    dsc__noise_add_pair(ns, sq_small, b_small, sq_big, b_big);
    return DSC_OK;
}

dsc_status dsc_noise_scale_add_part(dsc_noise_scale *ns, const dsc_model *model, size_t part,
                                    size_t batch) {
    static const char fn[] = "dsc_noise_scale_add_part";
    DSC_RETURN_IF(ns == NULL || model == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  ns == NULL ? "ns" : "model");
    DSC_RETURN_IF(part < 1 || batch <= part, DSC_E_ARG,
                  "%s: part is %zu and batch %zu; they must be 1 <= part < batch", fn, part, batch);
    DSC_RETURN_IF(!model->built, DSC_E_STATE,
                  "%s: the model is not built; call dsc_model_build first", fn);
    const double scale = (double)batch / (double)part;
    const double sq = dsc__noise_sq(model, model->grads, model->nparams) * scale * scale;
    DSC_RETURN_IF(!isfinite(sq), DSC_E_NONFINITE,
                  "%s: the gradient's squared norm is %g, not finite", fn, sq);
    ns->pending = 1;
    ns->part_sq = sq;
    ns->part = part;
    ns->batch = batch;
    ns->nparams = model->nparams;
    return DSC_OK;
}

dsc_status dsc_noise_scale_add_whole(dsc_noise_scale *ns, const dsc_model *model) {
    static const char fn[] = "dsc_noise_scale_add_whole";
    DSC_RETURN_IF(ns == NULL || model == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  ns == NULL ? "ns" : "model");
    DSC_RETURN_IF(!ns->pending, DSC_E_STATE,
                  "%s: no part to complete; call dsc_noise_scale_add_part after the part's "
                  "backward pass first", fn);
    DSC_RETURN_IF(!model->built || model->nparams != ns->nparams, DSC_E_ARG,
                  "%s: the model has %zu parameters%s; the part was read from a model of %zu",
                  fn, model->nparams, model->built ? "" : " (not built)", ns->nparams);
    const double sq = dsc__noise_sq(model, model->grads, model->nparams);
    DSC_RETURN_IF(!isfinite(sq), DSC_E_NONFINITE,
                  "%s: the gradient's squared norm is %g, not finite", fn, sq);
    dsc__noise_add_pair(ns, ns->part_sq, ns->part, sq, ns->batch);
    ns->pending = 0;
    return DSC_OK;
}

void dsc__noise_add_loss(dsc_noise_scale *ns, double loss, double epoch, double seconds) {
    double *row = ns->ring + 3 * ns->next;
    row[0] = loss;
    row[1] = epoch;
    row[2] = seconds;
    ns->next = (ns->next + 1) % ns->window;
    if (ns->filled < ns->window) ns->filled++;
}

dsc_status dsc_noise_scale_add_loss(dsc_noise_scale *ns, double loss, double epoch,
                                    double seconds) {
    static const char fn[] = "dsc_noise_scale_add_loss";
    DSC_RETURN_IF(ns == NULL, DSC_E_ARG, "%s: ns must not be NULL", fn);
    DSC_RETURN_IF(!isfinite(loss) || !isfinite(epoch) || !isfinite(seconds), DSC_E_ARG,
                  "%s: loss %g, epoch %g and seconds %g must all be finite", fn, loss, epoch,
                  seconds);
    dsc__noise_add_loss(ns, loss, epoch, seconds);
    return DSC_OK;
}

/* ---- reading ------------------------------------------------------------------ */

/* The least-squares line of the window: slope (NaN if every epoch is the
 * same), RMS of the residuals, and the span of epochs and seconds from the
 * oldest row to the newest. 0 with fewer than 3 rows. */
static int window_fit(const dsc_noise_scale *ns, double *slope, double *rms, double *dx,
                      double *dt) {
    const size_t n = ns->filled;
    if (n < 3) return 0;
    const size_t oldest = n < ns->window ? 0 : ns->next, newest = (ns->next + ns->window - 1) % ns->window;
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; i++) mx += ns->ring[3 * i + 1], my += ns->ring[3 * i];
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double x = ns->ring[3 * i + 1] - mx, y = ns->ring[3 * i] - my;
        sxx += x * x;
        sxy += x * y;
    }
    const double b = sxx > 0.0 ? sxy / sxx : 0.0;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double r = ns->ring[3 * i] - my - b * (ns->ring[3 * i + 1] - mx);
        ss += r * r;
    }
    *slope = sxx > 0.0 ? b : NAN;
    *rms = sqrt(ss / (double)n);
    *dx = ns->ring[3 * newest + 1] - ns->ring[3 * oldest + 1];
    *dt = ns->ring[3 * newest + 2] - ns->ring[3 * oldest + 2];
    return 1;
}

double dsc__noise_value(const dsc_noise_scale *ns, dsc_progress_key key) {
    const int have = ns->steps > 0;
    double slope = NAN, rms = NAN, dx = NAN, dt = NAN;
    switch (key) {
    case DSC_PROGRESS_NOISE_SCALE:
        if (!have) return NAN;
        return ns->grad_sq > 0.0 ? ns->trace / ns->grad_sq : INFINITY;
    case DSC_PROGRESS_GRAD_SQ_NORM: return have ? ns->grad_sq : NAN;
    case DSC_PROGRESS_GRAD_VARIANCE: return have ? ns->trace : NAN;
    case DSC_PROGRESS_NOISE_STEPS: return (double)ns->steps;
    case DSC_PROGRESS_OSCILLATION:
        return window_fit(ns, &slope, &rms, &dx, &dt) ? rms : NAN;
    case DSC_PROGRESS_LOSS_DROP_PER_EPOCH:
        return window_fit(ns, &slope, &rms, &dx, &dt) ? -slope : NAN;
    case DSC_PROGRESS_LOSS_DROP_PER_SECOND:
        if (!window_fit(ns, &slope, &rms, &dx, &dt) || !(dt > 0.0)) return NAN;
        return -slope * dx / dt;
    default: return NAN;
    }
}

dsc_status dsc_noise_scale_value(const dsc_noise_scale *ns, dsc_progress_key key, double *out) {
    static const char fn[] = "dsc_noise_scale_value";
    if (out != NULL) *out = 0.0;
    DSC_RETURN_IF(ns == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  ns == NULL ? "ns" : "out");
    DSC_RETURN_IF(key < DSC_PROGRESS_NOISE_SCALE || key > DSC_PROGRESS_LOSS_DROP_PER_SECOND,
                  DSC_E_UNSUPPORTED,
                  "%s: key %d is not a measurement of the estimator (DSC_PROGRESS_NOISE_SCALE "
                  "to DSC_PROGRESS_LOSS_DROP_PER_SECOND; suggestions come from "
                  "dsc_noise_scale_advise)", fn, (int)key);
    *out = dsc__noise_value(ns, key);
    return DSC_OK;
}

/* ---- advice -------------------------------------------------------------------- */

dsc_status dsc__noise_advise(const dsc_noise_scale *ns, double lr, size_t lr_batch,
                             size_t max_batch, size_t *batch, double *lr_out, char *why,
                             size_t why_size, const char *fn) {
    const double b_noise = dsc__noise_value(ns, DSC_PROGRESS_NOISE_SCALE);
    DSC_RETURN_IF(!(b_noise > 0.0 && b_noise < INFINITY), DSC_E_STATE,
                  "%s: the noise scale is %g after %llu steps; it must be positive and finite "
                  "(measure more steps)", fn, b_noise, (unsigned long long)ns->steps);
    const double r = nearbyint(b_noise);
    const size_t b = r < 1.0 ? 1 : r >= (double)max_batch ? max_batch : (size_t)r;
    const double l = lr * (1.0 + b_noise / (double)lr_batch) / (1.0 + b_noise / (double)b);
    *batch = b;
    *lr_out = l;
    if (why != NULL && why_size > 0)
        snprintf(why, why_size,
                 "batch %zu: the gradient noise scale B_simple = tr(Sigma)/|G|^2 = %.4g/%.4g = "
                 "%.4g, averaged over %llu steps (beta %g)%s; lr %.4g: the range test's lr %.4g "
                 "at batch %zu times (1 + B_simple/%zu)/(1 + B_simple/%zu), the optimal SGD "
                 "step eps_max/(1 + B_noise/B) of McCandlish et al. 2018",
                 b, ns->trace, ns->grad_sq, b_noise, (unsigned long long)ns->steps, ns->beta,
                 r > (double)max_batch ? ", capped at the largest batch" : "", l, lr, lr_batch,
                 lr_batch, b);
    return DSC_OK;
}

dsc_status dsc_noise_scale_advise(const dsc_noise_scale *ns, double lr, size_t lr_batch,
                                  size_t max_batch, size_t *batch, double *lr_out, char *why,
                                  size_t why_size) {
    static const char fn[] = "dsc_noise_scale_advise";
    if (batch != NULL) *batch = 0;
    if (lr_out != NULL) *lr_out = 0.0;
    if (why != NULL && why_size > 0) why[0] = 0;
    DSC_RETURN_IF(ns == NULL || batch == NULL || lr_out == NULL, DSC_E_ARG,
                  "%s: %s must not be NULL", fn,
                  ns == NULL ? "ns" : batch == NULL ? "batch" : "lr_out");
    DSC_RETURN_IF(why == NULL && why_size != 0, DSC_E_ARG,
                  "%s: why is NULL but why_size is %zu; give 0", fn, why_size);
    DSC_RETURN_IF(!(lr > 0.0 && lr < INFINITY), DSC_E_ARG,
                  "%s: lr is %g; it must be finite and > 0", fn, lr);
    DSC_RETURN_IF(lr_batch < 1 || max_batch < 1, DSC_E_ARG,
                  "%s: lr_batch is %zu and max_batch %zu; both must be >= 1", fn, lr_batch,
                  max_batch);
    return dsc__noise_advise(ns, lr, lr_batch, max_batch, batch, lr_out, why, why_size, fn);
}
