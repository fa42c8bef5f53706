/* Batch normalisation, torch.nn.BatchNorm1d and BatchNorm2d (affine, with
 * running statistics). Channel j of a [batch][C][s] input (s = 1 for flat
 * features, L for C x L, H*W for C x H x W) is normalised over its N =
 * batch*s values:
 *   training: y = (x - mean) / sqrt(var + eps) * weight + bias, with the
 *     batch mean and the biased batch variance; then, once per training
 *     forward, num_batches_tracked += 1 and
 *     running_mean = (1 - m) * running_mean + m * mean,
 *     running_var  = (1 - m) * running_var + m * var * N / (N - 1)
 *     (the unbiased variance; PyTorch's momentum weighs the new value, and
 *     momentum None, NaN here, is the cumulative average m = 1/num_batches_tracked);
 *   evaluation: the same with running_mean and running_var.
 * Backward (training): with xh = (x - mean) * rstd,
 *   dweight = sum dy * xh, dbias = sum dy,
 *   dx = (dy - sum dy / N - (x - mean) * sum(dy * (x - mean)) * rstd^2 / N) * weight * rstd;
 * in evaluation mode the statistics are constants: dx = dy * weight * rstd.
 * Parameters weight [C] (1 at init) and bias [C] (0); buffers running_mean
 * [C] (0), running_var [C] (1) and num_batches_tracked (a scalar, 0; a float
 * here, exact up to 2^24 batches). PyTorch refuses training with N = 1
 * ("Expected more than 1 value per channel"), and so does the batch hook. */
#include "model_impl.h"

#include <math.h>

/* Per-channel scratch arrays, each C floats. */
enum { S_MEAN, S_RSTD, S_A, S_B, S_C, S_D, S_COUNT };

static size_t bn_channels(const dsc__layer *l) { return l->u.norm.features; }

static dsc_status bn_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                           dsc__shape *out) {
    const size_t c = l->u.norm.features;
    if (l->vt->kind == DSC_LAYER_BATCHNORM2D) {
        if (in->ndim != 3 || in->d[0] != c)
            return dsc__shape_refuse(fn, index, l, in, "a C x H x W input with C = %zu", c);
        l->u.norm.spatial = in->d[1] * in->d[2];
    } else {
        if (in->ndim > 2 || in->d[0] != c)
            return dsc__shape_refuse(fn, index, l, in, "a C or C x L input with C = %zu", c);
        l->u.norm.spatial = in->ndim == 2 ? in->d[1] : 1;
    }
    *out = *in;
    return DSC_OK;
}

static size_t bn_tensors(const dsc__layer *l, dsc__tensor_desc *t) {
    const size_t c = bn_channels(l);
    t[0] = (dsc__tensor_desc){.name = "weight", .ndim = 1, .dims = {c}};
    t[1] = (dsc__tensor_desc){.name = "bias", .ndim = 1, .dims = {c}};
    t[2] = (dsc__tensor_desc){.name = "running_mean", .is_buffer = 1, .ndim = 1, .dims = {c}};
    t[3] = (dsc__tensor_desc){.name = "running_var", .is_buffer = 1, .ndim = 1, .dims = {c}};
    t[4] = (dsc__tensor_desc){.name = "num_batches_tracked", .is_buffer = 1, .ndim = 0,
                              .is_count = 1};
    return 5;
}

/* PyTorch's reset_parameters and reset_running_stats, whatever the init asked
 * (torch.nn.init leaves norm layers alone too). */
static void bn_init(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    (void)weight_init, (void)bias_init, (void)r;
    const size_t c = bn_channels(l);
    float *w = l->param, *b = l->param + c;
    float *rm = l->buffer, *rv = l->buffer + c, *nbt = l->buffer + 2 * c;
    for (size_t j = 0; j < c; j++) {
        w[j] = 1.0f;
        b[j] = 0.0f;
        rm[j] = 0.0f;
        rv[j] = 1.0f;
    }
    *nbt = 0.0f;
}

static size_t bn_scratch(const dsc__layer *l, size_t max_batch) {
    (void)max_batch;
    return S_COUNT * bn_channels(l);
}

static void bn_forward(dsc__layer *l, const dsc__pass *p) {
    const size_t c = bn_channels(l), s = l->u.norm.spatial;
    const float *w = l->param, *b = l->param + c;
    float *rm = l->buffer, *rv = l->buffer + c, *nbt = l->buffer + 2 * c;
    float *mean = p->scratch + S_MEAN * c, *rstd = p->scratch + S_RSTD * c;
    float *alpha = p->scratch + S_A * c, *var = p->scratch + S_B * c;
    const double eps = l->u.norm.eps;
    l->u.norm.batch_stats = p->training;
    if (p->training) {
        const double count = (double)(p->batch * s);
        l->k->bn_moments(p->batch, c, s, p->x, mean, var);
        *nbt += 1.0f;
        const double m = isnan(l->u.norm.momentum) ? 1.0 / (double)*nbt : l->u.norm.momentum;
        for (size_t j = 0; j < c; j++) {
            rstd[j] = (float)(1.0 / sqrt((double)var[j] + eps));
            rm[j] = (float)((1.0 - m) * rm[j] + m * mean[j]);
            rv[j] = (float)((1.0 - m) * rv[j] + m * ((double)var[j] * count / (count - 1.0)));
        }
    } else {
        for (size_t j = 0; j < c; j++) {
            mean[j] = rm[j];
            rstd[j] = (float)(1.0 / sqrt((double)rv[j] + eps));
        }
    }
    for (size_t j = 0; j < c; j++) alpha[j] = (float)((double)w[j] * rstd[j]);
    l->k->bn_apply(p->batch, c, s, p->x, mean, alpha, b, p->y);
}

static void bn_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    const size_t c = bn_channels(l), s = l->u.norm.spatial;
    const float *w = l->param;
    float *dw = l->grad, *db = l->grad + c;
    const float *mean = p->scratch + S_MEAN * c, *rstd = p->scratch + S_RSTD * c;
    float *sdy = p->scratch + S_A * c, *sdxm = p->scratch + S_B * c;
    float *k = p->scratch + S_C * c, *gm = p->scratch + S_D * c;
    l->k->bn_backward_sums(p->batch, c, s, p->x, dy, mean, sdy, sdxm);
    const int add = !p->grad_write;
    for (size_t j = 0; j < c; j++) {
        dw[j] = (add ? dw[j] : 0.0f) + (float)((double)sdxm[j] * rstd[j]);
        db[j] = (add ? db[j] : 0.0f) + sdy[j];
    }
    if (dx == NULL) return;
    const double count = (double)(p->batch * s);
    const int batch_stats = l->u.norm.batch_stats;
    /* sdy and sdxm are read before their slots take the dx coefficients */
    for (size_t j = 0; j < c; j++) {
        const double r = rstd[j];
        k[j] = batch_stats ? (float)((double)sdxm[j] * r * r / count) : 0.0f;
        gm[j] = batch_stats ? (float)((double)sdy[j] / count) : 0.0f;
        sdy[j] = (float)((double)w[j] * r); /* now g */
    }
    l->k->bn_backward_dx(p->batch, c, s, p->x, dy, mean, k, gm, sdy, dx);
}

/* Training normalises with N - 1 in a denominator: one value per channel is
 * refused, as PyTorch does. */
static dsc_status bn_check_batch(const dsc__layer *l, const char *fn, size_t index, size_t batch,
                                 int training) {
    DSC_RETURN_IF(training && batch * l->u.norm.spatial < 2, DSC_E_SHAPE,
                  "%s: layer %zu (%s) in training mode needs more than 1 value per channel; "
                  "the batch has %zu sample(s) of %zu value(s) per channel (use a larger batch "
                  "or evaluation mode)", fn, index, l->vt->name, batch, l->u.norm.spatial);
    return DSC_OK;
}

static const char *const bn_keys[] = {"num_features", "eps", "momentum", NULL};

static void bn_config_get(const dsc__layer *l, double *v) {
    v[0] = (double)l->u.norm.features;
    v[1] = l->u.norm.eps;
    v[2] = l->u.norm.momentum;
}

static dsc_status bn_add(const char *fn, dsc_model *model, size_t num_features, double eps,
                         double momentum, const dsc__layer_vtable *vt);

extern const dsc__layer_vtable dsc__batchnorm1d_vt, dsc__batchnorm2d_vt;

static dsc_status bn1d_config_add(const char *fn, dsc_model *model, const double *v) {
    DSC_RETURN_IF(!(v[0] >= 1 && v[0] <= 0x1p53 && v[0] == floor(v[0])), DSC_E_ARG,
                  "%s: num_features is %g; it must be a whole number >= 1", fn, v[0]);
    return bn_add(fn, model, (size_t)v[0], v[1], v[2], &dsc__batchnorm1d_vt);
}

static dsc_status bn2d_config_add(const char *fn, dsc_model *model, const double *v) {
    DSC_RETURN_IF(!(v[0] >= 1 && v[0] <= 0x1p53 && v[0] == floor(v[0])), DSC_E_ARG,
                  "%s: num_features is %g; it must be a whole number >= 1", fn, v[0]);
    return bn_add(fn, model, (size_t)v[0], v[1], v[2], &dsc__batchnorm2d_vt);
}

const dsc__layer_vtable dsc__batchnorm1d_vt = {
    .kind = DSC_LAYER_BATCHNORM1D, .name = "batchnorm1d", .shape = bn_shape,
    .tensors = bn_tensors, .init = bn_init, .scratch_floats = bn_scratch,
    .forward = bn_forward, .backward = bn_backward, .dx_in_place = 1, .grad_write = 1,
    .config_keys = bn_keys, .config_get = bn_config_get, .config_add = bn1d_config_add,
    .check_batch = bn_check_batch,
};

const dsc__layer_vtable dsc__batchnorm2d_vt = {
    .kind = DSC_LAYER_BATCHNORM2D, .name = "batchnorm2d", .shape = bn_shape,
    .tensors = bn_tensors, .init = bn_init, .scratch_floats = bn_scratch,
    .forward = bn_forward, .backward = bn_backward, .dx_in_place = 1, .grad_write = 1,
    .config_keys = bn_keys, .config_get = bn_config_get, .config_add = bn2d_config_add,
    .check_batch = bn_check_batch,
};

static dsc_status bn_add(const char *fn, dsc_model *model, size_t num_features, double eps,
                         double momentum, const dsc__layer_vtable *vt) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(num_features == 0, DSC_E_ARG, "%s: num_features is 0; it must be at least 1", fn);
    DSC_RETURN_IF(!(eps >= 0.0 && isfinite(eps)), DSC_E_ARG,
                  "%s: eps is %g; it must be finite and >= 0 (PyTorch's default: 1e-5)", fn, eps);
    DSC_RETURN_IF(!isnan(momentum) && !(momentum >= 0.0 && momentum <= 1.0), DSC_E_ARG,
                  "%s: momentum is %g; it must be in [0, 1], or NaN for the cumulative average "
                  "(PyTorch's default: 0.1)", fn, momentum);
    dsc__layer l = {0};
    l.vt = vt;
    l.u.norm.features = num_features;
    l.u.norm.eps = eps;
    l.u.norm.momentum = momentum;
    return dsc__model_append(fn, model, &l);
}

DSC_API dsc_status dsc_model_add_batchnorm1d(dsc_model *model, size_t num_features, double eps,
                                             double momentum) {
    return bn_add("dsc_model_add_batchnorm1d", model, num_features, eps, momentum,
                  &dsc__batchnorm1d_vt);
}

DSC_API dsc_status dsc_model_add_batchnorm2d(dsc_model *model, size_t num_features, double eps,
                                             double momentum) {
    return bn_add("dsc_model_add_batchnorm2d", model, num_features, eps, momentum,
                  &dsc__batchnorm2d_vt);
}
