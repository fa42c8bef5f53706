/* Convolution layers, torch.nn.Conv1d and Conv2d (zero padding, stride,
 * dilation, groups, optional bias): cross-correlation of a C x L or
 * C x H x W sample with a weight of PyTorch's layout, out x in/groups x k
 * (x k). A 1-d convolution is the 2-d one over a height of 1. The arithmetic
 * is conv_gemm.c's (a dense layer over patch rows); the patches of a forward
 * pass wait in the layer's scratch for its backward pass.
 * Parameters: `weight`, then `bias` [out] when there is one. Initialization:
 * PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both, fan_in =
 * in/groups times the kernel's elements. */
#include "conv_impl.h"
#include "init_impl.h"
#include "window_impl.h"

#include <stdio.h>

static int is_1d(const dsc__layer *l) { return l->vt->kind == DSC_LAYER_CONV1D; }

static size_t weight_numel(const dsc__conv_geom *g) {
    return g->out_c * (g->in_c / g->groups) * g->kh * g->kw;
}

static dsc_status conv_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                             dsc__shape *out) {
    dsc__conv_geom *g = &l->u.conv.g;
    const int one = is_1d(l);
    const size_t nd = one ? 2 : 3;
    if (in->ndim != nd || in->d[0] != g->in_c)
        return dsc__shape_refuse(fn, index, l, in, one ? "a C x L input with C = %zu"
                                                       : "a C x H x W input with C = %zu", g->in_c);
    g->ih = one ? 1 : in->d[1];
    g->iw = in->d[nd - 1];
    g->oh = dsc__window_out(g->ih, g->kh, g->sh, g->ph, g->dh, 0);
    g->ow = dsc__window_out(g->iw, g->kw, g->sw, g->pw, g->dw, 0);
    const size_t span_h = g->dh * (g->kh - 1) + 1, span_w = g->dw * (g->kw - 1) + 1;
    if (g->ow == 0 && one)
        return dsc__shape_refuse(fn, index, l, in, "L + 2 * padding >= dilation * (kernel_size - 1) "
                                 "+ 1 = %zu", span_w);
    if (g->oh == 0 || g->ow == 0)
        return dsc__shape_refuse(fn, index, l, in, "H + 2 * padding[0] >= %zu and W + 2 * "
                                 "padding[1] >= %zu (dilation * (kernel_size - 1) + 1)", span_h, span_w);
    out->ndim = nd;
    out->d[0] = g->out_c;
    if (!one) out->d[1] = g->oh;
    out->d[nd - 1] = g->ow;
    return DSC_OK;
}

static size_t conv_tensors(const dsc__layer *l, dsc__tensor_desc *t) {
    const dsc__conv_geom *g = &l->u.conv.g;
    if (is_1d(l))
        t[0] = (dsc__tensor_desc){.name = "weight", .ndim = 3,
                                  .dims = {g->out_c, g->in_c / g->groups, g->kw}};
    else
        t[0] = (dsc__tensor_desc){.name = "weight", .ndim = 4,
                                  .dims = {g->out_c, g->in_c / g->groups, g->kh, g->kw}};
    if (!l->u.conv.has_bias) return 1;
    t[1] = (dsc__tensor_desc){.name = "bias", .ndim = 1, .dims = {g->out_c}};
    return 2;
}

static void conv_init(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    const dsc__conv_geom *g = &l->u.conv.g;
    const size_t taps = g->kh * g->kw, n = weight_numel(g);
    const size_t fan_in = g->in_c / g->groups * taps; /* torch's fans of the weight tensor */
    dsc__init_weight(l->param, n, fan_in, g->out_c * taps, weight_init, r);
    if (l->u.conv.has_bias) dsc__init_bias(l->param + n, g->out_c, fan_in, bias_init, r);
}

static size_t conv_scratch(const dsc__layer *l, size_t max_batch) {
    return dsc__conv_scratch_floats(&l->u.conv.g, max_batch);
}

static void conv_forward(dsc__layer *l, const dsc__pass *p) {
    const dsc__conv_geom *g = &l->u.conv.g;
    const float *b = l->u.conv.has_bias ? l->param + weight_numel(g) : NULL;
    dsc__conv_forward(l->k, g, p->batch, p->x, l->param, b, p->y, p->scratch, p->ws);
}

static void conv_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    const dsc__conv_geom *g = &l->u.conv.g;
    float *db = l->u.conv.has_bias ? l->grad + weight_numel(g) : NULL;
    dsc__conv_backward(l->k, g, p->batch, l->param, dy, l->grad, db, dx, p->scratch, p->ws);
}

/* Model files: the arguments of dsc_model_add_conv1d / _conv2d. */
static const char *const conv1d_keys[] = {"in_channels", "out_channels", "kernel_size", "stride",
                                          "padding", "dilation", "groups", "bias", NULL};
static const char *const conv2d_keys[] = {"in_channels", "out_channels", "kernel_h", "kernel_w",
                                          "stride_h", "stride_w", "padding_h", "padding_w",
                                          "dilation_h", "dilation_w", "groups", "bias", NULL};

static void conv_config_get(const dsc__layer *l, double *v) {
    const dsc__conv_geom *g = &l->u.conv.g;
    size_t i = 0;
    v[i++] = (double)g->in_c;
    v[i++] = (double)g->out_c;
    if (!is_1d(l)) v[i++] = (double)g->kh;
    v[i++] = (double)g->kw;
    if (!is_1d(l)) v[i++] = (double)g->sh;
    v[i++] = (double)g->sw;
    if (!is_1d(l)) v[i++] = (double)g->ph;
    v[i++] = (double)g->pw;
    if (!is_1d(l)) v[i++] = (double)g->dh;
    v[i++] = (double)g->dw;
    v[i++] = (double)g->groups;
    v[i] = l->u.conv.has_bias;
}

static dsc_status conv1d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    return dsc_model_add_conv1d(model, dsc__window_arg(v[0]), dsc__window_arg(v[1]),
                                dsc__window_arg(v[2]), dsc__window_arg(v[3]), dsc__window_arg(v[4]),
                                dsc__window_arg(v[5]), dsc__window_arg(v[6]), dsc__window_flag(v[7]));
}

static dsc_status conv2d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    const size_t k[2] = {dsc__window_arg(v[2]), dsc__window_arg(v[3])},
                 s[2] = {dsc__window_arg(v[4]), dsc__window_arg(v[5])},
                 p[2] = {dsc__window_arg(v[6]), dsc__window_arg(v[7])},
                 d[2] = {dsc__window_arg(v[8]), dsc__window_arg(v[9])};
    return dsc_model_add_conv2d(model, dsc__window_arg(v[0]), dsc__window_arg(v[1]), k, s, p, d,
                                dsc__window_arg(v[10]), dsc__window_flag(v[11]));
}

const dsc__layer_vtable dsc__conv1d_vt = {
    .kind = DSC_LAYER_CONV1D,
    .name = "conv1d",
    .shape = conv_shape,
    .tensors = conv_tensors,
    .init = conv_init,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
    .config_keys = conv1d_keys,
    .config_get = conv_config_get,
    .config_add = conv1d_config_add,
};

const dsc__layer_vtable dsc__conv2d_vt = {
    .kind = DSC_LAYER_CONV2D,
    .name = "conv2d",
    .shape = conv_shape,
    .tensors = conv_tensors,
    .init = conv_init,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
    .config_keys = conv2d_keys,
    .config_get = conv_config_get,
    .config_add = conv2d_config_add,
};

/* Both builders: 1-d passes height entries {1, 1, 0, 1}; names[] says how
 * the caller calls each size ("kernel_size" or "kernel_size[1]"). */
static dsc_status conv_add(const char *fn, int one, dsc_model *model, size_t in_c, size_t out_c,
                           const size_t *k, const size_t *s, const size_t *p, const size_t *d,
                           size_t groups, int bias) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(in_c < 1 || in_c > DSC__WINDOW_MAX, DSC_E_ARG,
                  "%s: in_channels is %zu; it must be 1..%zu", fn, in_c, DSC__WINDOW_MAX);
    DSC_RETURN_IF(out_c < 1 || out_c > DSC__WINDOW_MAX, DSC_E_ARG,
                  "%s: out_channels is %zu; it must be 1..%zu", fn, out_c, DSC__WINDOW_MAX);
    DSC_RETURN_IF(groups < 1 || groups > DSC__WINDOW_MAX, DSC_E_ARG,
                  "%s: groups is %zu; it must be 1..%zu", fn, groups, DSC__WINDOW_MAX);
    DSC_RETURN_IF(in_c % groups != 0 || out_c % groups != 0, DSC_E_ARG,
                  "%s: groups is %zu; it must divide in_channels (%zu) and out_channels (%zu)", fn,
                  groups, in_c, out_c);
    DSC_TRY(dsc__window_check(fn, one, "kernel_size", k, 1));
    DSC_TRY(dsc__window_check(fn, one, "stride", s, 1));
    DSC_TRY(dsc__window_check(fn, one, "padding", p, 0));
    DSC_TRY(dsc__window_check(fn, one, "dilation", d, 1));
    DSC_RETURN_IF(bias != 0 && bias != 1, DSC_E_ARG, "%s: bias is %d; it must be 0 or 1", fn, bias);
    DSC_RETURN_IF(weight_numel(&(dsc__conv_geom){.in_c = in_c, .out_c = out_c, .groups = groups,
                                                 .kh = k[0], .kw = k[1]}) > DSC__WINDOW_MAX * 64,
                  DSC_E_ARG, "%s: the weight would have more than %zu elements", fn,
                  DSC__WINDOW_MAX * 64);
    dsc__layer l = {0};
    l.vt = one ? &dsc__conv1d_vt : &dsc__conv2d_vt;
    l.u.conv.g = (dsc__conv_geom){.in_c = in_c, .out_c = out_c, .groups = groups,
                                  .kh = k[0], .kw = k[1], .sh = s[0], .sw = s[1],
                                  .ph = p[0], .pw = p[1], .dh = d[0], .dw = d[1]};
    l.u.conv.has_bias = bias;
    return dsc__model_append(fn, model, &l);
}

DSC_API dsc_status dsc_model_add_conv1d(dsc_model *model, size_t in_channels, size_t out_channels,
                                        size_t kernel_size, size_t stride, size_t padding,
                                        size_t dilation, size_t groups, int bias) {
    const size_t k[2] = {1, kernel_size}, s[2] = {1, stride}, p[2] = {0, padding},
                 d[2] = {1, dilation};
    return conv_add("dsc_model_add_conv1d", 1, model, in_channels, out_channels, k, s, p, d,
                    groups, bias);
}

DSC_API dsc_status dsc_model_add_conv2d(dsc_model *model, size_t in_channels, size_t out_channels,
                                        const size_t *kernel_size, const size_t *stride,
                                        const size_t *padding, const size_t *dilation,
                                        size_t groups, int bias) {
    static const char fn[] = "dsc_model_add_conv2d";
    static const size_t ones[2] = {1, 1}, zeros[2] = {0, 0}; /* PyTorch's defaults */
    DSC_RETURN_IF(kernel_size == NULL, DSC_E_ARG, "%s: kernel_size is NULL", fn);
    return conv_add(fn, 0, model, in_channels, out_channels, kernel_size, stride ? stride : ones,
                    padding ? padding : zeros, dilation ? dilation : ones, groups, bias);
}
