/* Dense layer, torch.nn.Linear: y = x W^T + b, with W [out, in] row-major.
 * Backward: dW += dy^T x, db += sum over the batch of dy, dx = dy W.
 * Every product goes through the kernel table (gemm_nt, gemm_tn, gemm_nn,
 * bias_grad). Parameters: `weight` [out, in] then `bias` [out]. */
#include "init_impl.h"

static dsc_status dense_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                              dsc__shape *out) {
    if (in->ndim != 1)
        return dsc__shape_refuse(fn, index, l, in, "a flat input (N; add a flatten layer before "
                                 "it)");
    out->ndim = 1;
    out->d[0] = l->out; /* out_features, set by dsc_model_add_dense */
    return DSC_OK;
}

static size_t dense_tensors(const dsc__layer *l, dsc__tensor_desc *t) {
    t[0] = (dsc__tensor_desc){.name = "weight", .ndim = 2, .dims = {l->out, l->in}};
    if (!l->u.dense.has_bias) return 1;
    t[1] = (dsc__tensor_desc){.name = "bias", .ndim = 1, .dims = {l->out}};
    return 2;
}

static void dense_init(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    dsc__init_weight(l->param, l->in * l->out, l->in, l->out, weight_init, r);
    if (l->u.dense.has_bias) dsc__init_bias(l->param + l->in * l->out, l->out, l->in, bias_init, r);
}

static void dense_forward(dsc__layer *l, const dsc__pass *p) {
    const float *w = l->param, *b = l->u.dense.has_bias ? l->param + l->in * l->out : NULL;
    l->k->gemm_nt(p->batch, l->out, l->in, p->x, l->in, w, l->in, b, p->y, l->out, p->ws);
}

static void dense_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    float *dw = l->grad, *db = l->grad + l->in * l->out;
    l->k->gemm_tn(l->out, l->in, p->batch, dy, l->out, p->x, l->in, dw, l->in, p->ws);
    if (l->u.dense.has_bias) l->k->bias_grad(p->batch, l->out, dy, l->out, db);
    if (dx != NULL)
        l->k->gemm_nn(p->batch, l->in, l->out, dy, l->out, l->param, l->in, dx, l->in, p->ws);
}

static const dsc__layer_vtable dense_vt = {
    .kind = DSC_LAYER_DENSE,
    .name = "dense",
    .shape = dense_shape,
    .tensors = dense_tensors,
    .init = dense_init,
    .forward = dense_forward,
    .backward = dense_backward,
};

DSC_API dsc_status dsc_model_add_dense(dsc_model *model, size_t out_features, int bias) {
    static const char fn[] = "dsc_model_add_dense";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(out_features == 0, DSC_E_ARG, "%s: out_features is 0; it must be at least 1", fn);
    DSC_RETURN_IF(bias != 0 && bias != 1, DSC_E_ARG, "%s: bias is %d; it must be 0 or 1", fn, bias);
    dsc__layer l = {0};
    l.vt = &dense_vt;
    l.out = out_features;
    l.u.dense.has_bias = bias;
    return dsc__model_append(fn, model, &l);
}
