/* Layer normalisation over the last dimension, torch.nn.LayerNorm(d) with
 * elementwise affine: each row of d values (one per sample for a flat input,
 * one per position of the leading dimensions otherwise: T rows of F for
 * T x F) is normalised with its own mean and biased variance,
 *   y = (x - mean) / sqrt(var + eps) * weight + bias,
 * the same in training and evaluation. Backward, with xh the normalised row:
 *   dweight += sum over rows of dy * xh, dbias += sum dy,
 *   dx = rstd * (dy*w - mean(dy*w) - xh * mean(dy*w * xh)).
 * Parameters weight [d] (1 at init) and bias [d] (0). */
#include "model_impl.h"

#include <math.h>

static dsc_status ln_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                           dsc__shape *out) {
    const size_t d = l->u.norm.features;
    if (in->d[in->ndim - 1] != d)
        return dsc__shape_refuse(fn, index, l, in, "an input whose last dimension is %zu", d);
    l->u.norm.spatial = dsc__shape_numel(in) / d; /* rows per sample */
    *out = *in;
    return DSC_OK;
}

static size_t ln_tensors(const dsc__layer *l, dsc__tensor_desc *t) {
    const size_t d = l->u.norm.features;
    t[0] = (dsc__tensor_desc){.name = "weight", .ndim = 1, .dims = {d}};
    t[1] = (dsc__tensor_desc){.name = "bias", .ndim = 1, .dims = {d}};
    return 2;
}

/* PyTorch's reset_parameters, whatever the init asked. */
static void ln_init(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    (void)weight_init, (void)bias_init, (void)r;
    const size_t d = l->u.norm.features;
    for (size_t i = 0; i < d; i++) {
        l->param[i] = 1.0f;
        l->param[d + i] = 0.0f;
    }
}

/* mean and rstd of every row of the largest batch */
static size_t ln_scratch(const dsc__layer *l, size_t max_batch) {
    return 2 * max_batch * l->u.norm.spatial;
}

static void ln_forward(dsc__layer *l, const dsc__pass *p) {
    const size_t d = l->u.norm.features, rows = p->batch * l->u.norm.spatial;
    float *mean = p->scratch, *rstd = p->scratch + rows;
    l->k->bn_moments(1, rows, d, p->x, mean, rstd);
    for (size_t r = 0; r < rows; r++) rstd[r] = (float)(1.0 / sqrt((double)rstd[r] + l->u.norm.eps));
    l->k->ln_apply(rows, d, p->x, mean, rstd, l->param, l->param + d, p->y);
}

static void ln_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    const size_t d = l->u.norm.features, rows = p->batch * l->u.norm.spatial;
    const float *mean = p->scratch, *rstd = p->scratch + rows;
    l->k->ln_backward(rows, d, p->x, dy, mean, rstd, l->param, dx, l->grad, l->grad + d);
}

static const char *const ln_keys[] = {"normalized_shape", "eps", NULL};

static void ln_config_get(const dsc__layer *l, double *v) {
    v[0] = (double)l->u.norm.features;
    v[1] = l->u.norm.eps;
}

static dsc_status ln_add(const char *fn, dsc_model *model, size_t normalized_shape, double eps);

static dsc_status ln_config_add(const char *fn, dsc_model *model, const double *v) {
    DSC_RETURN_IF(!(v[0] >= 1 && v[0] <= 0x1p53 && v[0] == floor(v[0])), DSC_E_ARG,
                  "%s: normalized_shape is %g; it must be a whole number >= 1", fn, v[0]);
    return ln_add(fn, model, (size_t)v[0], v[1]);
}

const dsc__layer_vtable dsc__layernorm_vt = {
    .kind = DSC_LAYER_LAYERNORM, .name = "layernorm", .shape = ln_shape,
    .tensors = ln_tensors, .init = ln_init, .scratch_floats = ln_scratch,
    .forward = ln_forward, .backward = ln_backward, .dx_in_place = 1,
    .config_keys = ln_keys, .config_get = ln_config_get, .config_add = ln_config_add,
};

static dsc_status ln_add(const char *fn, dsc_model *model, size_t normalized_shape, double eps) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(normalized_shape == 0, DSC_E_ARG,
                  "%s: normalized_shape is 0; it must be at least 1", fn);
    DSC_RETURN_IF(!(eps >= 0.0 && isfinite(eps)), DSC_E_ARG,
                  "%s: eps is %g; it must be finite and >= 0 (PyTorch's default: 1e-5)", fn, eps);
    dsc__layer l = {0};
    l.vt = &dsc__layernorm_vt;
    l.u.norm.features = normalized_shape;
    l.u.norm.eps = eps;
    return dsc__model_append(fn, model, &l);
}

DSC_API dsc_status dsc_model_add_layernorm(dsc_model *model, size_t normalized_shape, double eps) {
    return ln_add("dsc_model_add_layernorm", model, normalized_shape, eps);
}
