/* Pooling layers, torch.nn.MaxPool1d/2d and AvgPool1d/2d, per channel of a
 * C x L or C x H x W sample (1-d is 2-d over a height of 1), with PyTorch's
 * semantics: max pooling pads with -inf and sends the gradient to the first
 * maximum of its window (strict >, as PyTorch on CPU); average pooling pads
 * with zeros that count in the divisor when count_include_pad; ceil_mode
 * rounds the output size up (the last window still starting inside the
 * input or its left padding). The arithmetic is the kernel table's
 * (maxpool_fwd/bwd, avgpool_fwd/bwd); max pooling keeps the index of each
 * maximum in its scratch between the forward and the backward pass. */
#include "../kernels/pool_common.h"
#include "layer_impl.h"
#include "window_impl.h"

static int is_1d(const dsc__layer *l) {
    return l->vt->kind == DSC_LAYER_MAXPOOL1D || l->vt->kind == DSC_LAYER_AVGPOOL1D;
}
static int is_max(const dsc__layer *l) {
    return l->vt->kind == DSC_LAYER_MAXPOOL1D || l->vt->kind == DSC_LAYER_MAXPOOL2D;
}

static dsc_status pool_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                             dsc__shape *out) {
    dsc_pool_geom *g = &l->u.pool.g;
    const int one = is_1d(l), cm = l->u.pool.ceil_mode;
    const size_t nd = one ? 2 : 3;
    if (in->ndim != nd)
        return dsc__shape_refuse(fn, index, l, in, one ? "a C x L input" : "a C x H x W input");
    g->ih = one ? 1 : in->d[1];
    g->iw = in->d[nd - 1];
    g->oh = dsc__window_out(g->ih, g->kh, g->sh, g->ph, g->dh, cm);
    g->ow = dsc__window_out(g->iw, g->kw, g->sw, g->pw, g->dw, cm);
    const size_t span_h = g->dh * (g->kh - 1) + 1, span_w = g->dw * (g->kw - 1) + 1;
    if (g->ow == 0 && one)
        return dsc__shape_refuse(fn, index, l, in, "L + 2 * padding >= %zu (the window's span)",
                                 span_w);
    if (g->oh == 0 || g->ow == 0)
        return dsc__shape_refuse(fn, index, l, in, "H + 2 * padding[0] >= %zu and W + 2 * "
                                 "padding[1] >= %zu (the window's span)", span_h, span_w);
    if (g->ih * g->iw > (size_t)INT32_MAX)
        return dsc__shape_refuse(fn, index, l, in, "planes of at most %d elements", INT32_MAX);
    if (is_max(l) && (!dsc__window_taps_inside(g->oh, g->ih, g->kh, g->sh, g->ph, g->dh) ||
                      !dsc__window_taps_inside(g->ow, g->iw, g->kw, g->sw, g->pw, g->dw)))
        return dsc__shape_refuse(fn, index, l, in, "sizes where every dilated window holds an "
                                 "input cell");
    out->ndim = nd;
    out->d[0] = in->d[0];
    if (!one) out->d[1] = g->oh;
    out->d[nd - 1] = g->ow;
    return DSC_OK;
}

/* Scratch: the kernels' workspace, then (max) one int32 index per output. */
static size_t pool_scratch(const dsc__layer *l, size_t max_batch) {
    return dsc__pool_ws_floats(&l->u.pool.g) + (is_max(l) ? max_batch * l->out : 0);
}

static dsc_pool_geom pass_geom(const dsc__layer *l, size_t batch) {
    dsc_pool_geom g = l->u.pool.g;
    g.planes = batch * l->in_shape.d[0];
    return g;
}

static int32_t *indices(const dsc__layer *l, const dsc__pass *p) {
    return (int32_t *)(void *)(p->scratch + dsc__pool_ws_floats(&l->u.pool.g));
}

static void pool_forward(dsc__layer *l, const dsc__pass *p) {
    const dsc_pool_geom g = pass_geom(l, p->batch);
    if (is_max(l)) l->k->maxpool_fwd(&g, p->x, p->y, indices(l, p), p->scratch);
    else l->k->avgpool_fwd(&g, p->x, p->y, p->scratch);
}

static void pool_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx == NULL) return;
    const dsc_pool_geom g = pass_geom(l, p->batch);
    if (is_max(l)) l->k->maxpool_bwd(&g, dy, indices(l, p), dx);
    else l->k->avgpool_bwd(&g, dy, dx);
}

/* Model files: the arguments of the builders, stride resolved. */
static const char *const maxpool1d_keys[] = {"kernel_size", "stride", "padding", "dilation",
                                             "ceil_mode", NULL};
static const char *const maxpool2d_keys[] = {"kernel_h", "kernel_w", "stride_h", "stride_w",
                                             "padding_h", "padding_w", "dilation_h",
                                             "dilation_w", "ceil_mode", NULL};
static const char *const avgpool1d_keys[] = {"kernel_size", "stride", "padding", "ceil_mode",
                                             "count_include_pad", NULL};
static const char *const avgpool2d_keys[] = {"kernel_h", "kernel_w", "stride_h", "stride_w",
                                             "padding_h", "padding_w", "ceil_mode",
                                             "count_include_pad", NULL};

static void pool_config_get(const dsc__layer *l, double *v) {
    const dsc_pool_geom *g = &l->u.pool.g;
    const int one = is_1d(l);
    size_t i = 0;
    if (!one) v[i++] = (double)g->kh;
    v[i++] = (double)g->kw;
    if (!one) v[i++] = (double)g->sh;
    v[i++] = (double)g->sw;
    if (!one) v[i++] = (double)g->ph;
    v[i++] = (double)g->pw;
    if (is_max(l)) {
        if (!one) v[i++] = (double)g->dh;
        v[i++] = (double)g->dw;
    }
    v[i++] = l->u.pool.ceil_mode;
    if (!is_max(l)) v[i] = g->count_include_pad;
}

#define A(i) dsc__window_arg(v[i])
#define F(i) dsc__window_flag(v[i])
static dsc_status maxpool1d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    return dsc_model_add_maxpool1d(model, A(0), A(1), A(2), A(3), F(4));
}
static dsc_status maxpool2d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    const size_t k[2] = {A(0), A(1)}, s[2] = {A(2), A(3)}, p[2] = {A(4), A(5)}, d[2] = {A(6), A(7)};
    return dsc_model_add_maxpool2d(model, k, s, p, d, F(8));
}
static dsc_status avgpool1d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    return dsc_model_add_avgpool1d(model, A(0), A(1), A(2), F(3), F(4));
}
static dsc_status avgpool2d_config_add(const char *fn, dsc_model *model, const double *v) {
    (void)fn;
    const size_t k[2] = {A(0), A(1)}, s[2] = {A(2), A(3)}, p[2] = {A(4), A(5)};
    return dsc_model_add_avgpool2d(model, k, s, p, F(6), F(7));
}
#undef A
#undef F

#define POOL_VT(id, kind_, name_)                                                              \
    const dsc__layer_vtable dsc__##id##_vt = {                                                 \
        .kind = kind_,                                                                         \
        .name = name_,                                                                         \
        .shape = pool_shape,                                                                   \
        .scratch_floats = pool_scratch,                                                        \
        .forward = pool_forward,                                                               \
        .backward = pool_backward,                                                             \
        .config_keys = id##_keys,                                                              \
        .config_get = pool_config_get,                                                         \
        .config_add = id##_config_add,                                                         \
    };
POOL_VT(maxpool1d, DSC_LAYER_MAXPOOL1D, "maxpool1d")
POOL_VT(maxpool2d, DSC_LAYER_MAXPOOL2D, "maxpool2d")
POOL_VT(avgpool1d, DSC_LAYER_AVGPOOL1D, "avgpool1d")
POOL_VT(avgpool2d, DSC_LAYER_AVGPOOL2D, "avgpool2d")
#undef POOL_VT

/* Every builder: 1-d passes height entries {1, 1, 0, 1}; a stride of 0
 * means the kernel size (PyTorch's stride=None). */
static dsc_status pool_add(const char *fn, const dsc__layer_vtable *vt, dsc_model *model,
                           const size_t *k, const size_t *s_in, const size_t *p, const size_t *d,
                           int ceil_mode, int count_include_pad) {
    const int one = vt == &dsc__maxpool1d_vt || vt == &dsc__avgpool1d_vt;
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_TRY(dsc__window_check(fn, one, "kernel_size", k, 1));
    const size_t s[2] = {s_in[0] == 0 ? k[0] : s_in[0], s_in[1] == 0 ? k[1] : s_in[1]};
    DSC_TRY(dsc__window_check(fn, one, "stride", s, 1));
    DSC_TRY(dsc__window_check(fn, one, "dilation", d, 1));
    for (int i = one ? 1 : 0; i < 2; i++)
        DSC_RETURN_IF(p[i] > k[i] / 2, DSC_E_ARG, "%s: padding%s is %zu; it must be 0..%zu (at "
                      "most half the kernel size, as PyTorch)", fn, one ? "" : i ? "[1]" : "[0]",
                      p[i], k[i] / 2);
    DSC_RETURN_IF(ceil_mode != 0 && ceil_mode != 1, DSC_E_ARG,
                  "%s: ceil_mode is %d; it must be 0 or 1", fn, ceil_mode);
    DSC_RETURN_IF(count_include_pad != 0 && count_include_pad != 1, DSC_E_ARG,
                  "%s: count_include_pad is %d; it must be 0 or 1", fn, count_include_pad);
    dsc__layer l = {0};
    l.vt = vt;
    l.u.pool.g = (dsc_pool_geom){.kh = k[0], .kw = k[1], .sh = s[0], .sw = s[1], .ph = p[0],
                                 .pw = p[1], .dh = d[0], .dw = d[1],
                                 .count_include_pad = count_include_pad};
    l.u.pool.ceil_mode = ceil_mode;
    return dsc__model_append(fn, model, &l);
}

static const size_t one_h[2] = {1, 1}, no_pad[2] = {0, 0};

DSC_API dsc_status dsc_model_add_maxpool1d(dsc_model *model, size_t kernel_size, size_t stride,
                                           size_t padding, size_t dilation, int ceil_mode) {
    const size_t k[2] = {1, kernel_size}, s[2] = {1, stride}, p[2] = {0, padding},
                 d[2] = {1, dilation};
    return pool_add("dsc_model_add_maxpool1d", &dsc__maxpool1d_vt, model, k, s, p, d, ceil_mode, 0);
}

DSC_API dsc_status dsc_model_add_maxpool2d(dsc_model *model, const size_t *kernel_size,
                                           const size_t *stride, const size_t *padding,
                                           const size_t *dilation, int ceil_mode) {
    static const char fn[] = "dsc_model_add_maxpool2d";
    DSC_RETURN_IF(kernel_size == NULL, DSC_E_ARG, "%s: kernel_size is NULL", fn);
    return pool_add(fn, &dsc__maxpool2d_vt, model, kernel_size, stride ? stride : no_pad,
                    padding ? padding : no_pad, dilation ? dilation : one_h, ceil_mode, 0);
}

DSC_API dsc_status dsc_model_add_avgpool1d(dsc_model *model, size_t kernel_size, size_t stride,
                                           size_t padding, int ceil_mode, int count_include_pad) {
    const size_t k[2] = {1, kernel_size}, s[2] = {1, stride}, p[2] = {0, padding};
    return pool_add("dsc_model_add_avgpool1d", &dsc__avgpool1d_vt, model, k, s, p, one_h,
                    ceil_mode, count_include_pad);
}

DSC_API dsc_status dsc_model_add_avgpool2d(dsc_model *model, const size_t *kernel_size,
                                           const size_t *stride, const size_t *padding,
                                           int ceil_mode, int count_include_pad) {
    static const char fn[] = "dsc_model_add_avgpool2d";
    DSC_RETURN_IF(kernel_size == NULL, DSC_E_ARG, "%s: kernel_size is NULL", fn);
    return pool_add(fn, &dsc__avgpool2d_vt, model, kernel_size, stride ? stride : no_pad,
                    padding ? padding : no_pad, one_h, ceil_mode, count_include_pad);
}
