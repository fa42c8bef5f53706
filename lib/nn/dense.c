/* Dense layer, torch.nn.Linear: y = x W^T + b, with W [out, in] row-major.
 * Backward: dW += dy^T x, db += sum over the batch of dy, dx = dy W.
 * Every product goes through the kernel table (gemm_nt, gemm_tn, gemm_nn,
 * bias_grad), the large ones split over blocks of their output
 * (lib/kernels/split.h) for the threads. */
#include "layer_impl.h"
#include "../kernels/split.h"

static size_t dense_scratch(const dsc__layer *l, size_t max_batch) {
    (void)l;
    (void)max_batch;
    return 0;
}

static void dense_forward(dsc__layer *l, const dsc__pass *p) {
    dsc__split_gemm_nt(l->k, p->batch, l->out, l->in, p->x, l->in, l->w, l->in,
                       l->has_bias ? l->b : NULL, p->y, l->out, p->ws);
}

static void dense_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    dsc__split_gemm_tn(l->k, l->out, l->in, p->batch, dy, l->out, p->x, l->in, l->dw, l->in, p->ws);
    if (l->has_bias) l->k->bias_grad(p->batch, l->out, dy, l->out, l->db);
    if (dx != NULL)
        dsc__split_gemm_nn(l->k, p->batch, l->in, l->out, dy, l->out, l->w, l->in, dx, l->in, p->ws);
}

static const dsc__layer_vtable dense_vt = {
    DSC_LAYER_DENSE, "dense", dense_scratch, dense_forward, dense_backward, 0,
};

DSC_API dsc_status dsc_model_add_dense(dsc_model *model, size_t out_features, int bias) {
    static const char fn[] = "dsc_model_add_dense";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(out_features == 0, DSC_E_ARG, "%s: out_features is 0; it must be at least 1", fn);
    DSC_RETURN_IF(bias != 0 && bias != 1, DSC_E_ARG, "%s: bias is %d; it must be 0 or 1", fn, bias);
    dsc__layer l = {0};
    l.vt = &dense_vt;
    l.out = out_features;
    l.has_bias = bias;
    return dsc__model_append(fn, model, &l);
}
