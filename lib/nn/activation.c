/* Activation layers: elementwise f(x) through the kernel table's
 * act_forward/act_backward (identity, ReLU, leaky ReLU, sigmoid, tanh, exact
 * and tanh-approximated GELU, as torch.nn), and a row softmax for inference outputs
 * (torch.nn.Softmax(dim=1)): y = exp(x - max) / sum exp(x - max), whose
 * backward is dx = y * (dy - sum_j dy_j y_j). */
#include "layer_impl.h"
#include "../kernels/split.h"

/* Public activation -> kernel id (same numbers for the elementwise ones). */
static dsc_act_id kernel_id(dsc_activation a) {
    switch (a) {
    case DSC_ACTIVATION_RELU: return DSC_ACT_RELU;
    case DSC_ACTIVATION_LEAKY_RELU: return DSC_ACT_LEAKY_RELU;
    case DSC_ACTIVATION_SIGMOID: return DSC_ACT_SIGMOID;
    case DSC_ACTIVATION_TANH: return DSC_ACT_TANH;
    case DSC_ACTIVATION_GELU: return DSC_ACT_GELU;
    case DSC_ACTIVATION_GELU_TANH: return DSC_ACT_GELU_TANH;
    default: return DSC_ACT_IDENTITY;
    }
}

static void act_forward(dsc__layer *l, const dsc__pass *p) {
    dsc__split_act_forward(l->k, kernel_id(l->u.act.act), p->batch * l->out, p->x, p->y,
                           l->u.act.alpha);
}

static void act_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx == NULL) return;
    dsc__split_act_backward(l->k, kernel_id(l->u.act.act), p->batch * l->out, p->x, p->y, dy, dx,
                            l->u.act.alpha);
}

static void softmax_forward(dsc__layer *l, const dsc__pass *p) {
    l->k->softmax(p->batch, l->out, p->x, l->in, p->y, l->out);
}

/* The kernel table has no softmax backward: it is a short row loop,
 * accumulated in double, used only when a softmax output is trained through. */
static void softmax_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx == NULL) return;
    size_t n = l->out;
    for (size_t i = 0; i < p->batch; i++) {
        const float *yr = p->y + i * n, *dyr = dy + i * n;
        float *dxr = dx + i * n;
        double dot = 0.0;
        for (size_t j = 0; j < n; j++) dot += (double)dyr[j] * yr[j];
        for (size_t j = 0; j < n; j++) dxr[j] = (float)(yr[j] * (dyr[j] - dot));
    }
}

/* The row softmax normalises each sample's whole row: it takes flat inputs
 * only (PyTorch's Softmax(dim=1) of a C x L input would normalise over C). */
static dsc_status softmax_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                                dsc__shape *out) {
    if (in->ndim != 1) return dsc__shape_refuse(fn, index, l, in, "a flat input (N)");
    *out = *in;
    return DSC_OK;
}

static const dsc__layer_vtable act_vt = {
    .kind = DSC_LAYER_ACTIVATION,
    .name = "activation",
    .shape = dsc__shape_keep,
    .forward = act_forward,
    .backward = act_backward,
    .dx_in_place = 1,
};
static const dsc__layer_vtable softmax_vt = {
    .kind = DSC_LAYER_ACTIVATION,
    .name = "softmax",
    .shape = softmax_shape,
    .forward = softmax_forward,
    .backward = softmax_backward,
    .dx_in_place = 1,
};

static dsc_status add(const char *fn, dsc_model *model, dsc_activation act, float alpha) {
    dsc__layer l = {0};
    l.vt = act == DSC_ACTIVATION_SOFTMAX ? &softmax_vt : &act_vt;
    l.u.act.act = act;
    l.u.act.alpha = alpha;
    return dsc__model_append(fn, model, &l);
}

DSC_API dsc_status dsc_model_add_activation(dsc_model *model, dsc_activation act) {
    static const char fn[] = "dsc_model_add_activation";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF((int)act < (int)DSC_ACTIVATION_IDENTITY || (int)act > (int)DSC_ACTIVATION_GELU_TANH,
                  DSC_E_UNSUPPORTED, "%s: act %d is not a dsc_activation (0..7)", fn, (int)act);
    return add(fn, model, act, 0.01f); /* torch.nn.LeakyReLU's default slope */
}

DSC_API dsc_status dsc_model_add_leaky_relu(dsc_model *model, double negative_slope) {
    static const char fn[] = "dsc_model_add_leaky_relu";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(!(negative_slope >= -3.4e38 && negative_slope <= 3.4e38), DSC_E_ARG,
                  "%s: negative_slope is %g; it must be a finite float (|slope| <= 3.4e38)", fn,
                  negative_slope);
    return add(fn, model, DSC_ACTIVATION_LEAKY_RELU, (float)negative_slope);
}
