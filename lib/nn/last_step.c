/* The last time step of a sequence, x[:, -1, :] in PyTorch: T x H -> H, the
 * usual head of a sequence classifier after an LSTM or GRU. Backward routes
 * the gradient to the last step; the other steps get 0. */
#include "layer_impl.h"

#include <string.h>

static dsc_status last_step_shape(dsc__layer *l, const char *fn, size_t index,
                                  const dsc__shape *in, dsc__shape *out) {
    if (in->ndim != 2) return dsc__shape_refuse(fn, index, l, in, "a T x H input (time x features)");
    out->ndim = 1;
    out->d[0] = in->d[1];
    return DSC_OK;
}

static void last_step_forward(dsc__layer *l, const dsc__pass *p) {
    const size_t T = l->in_shape.d[0], H = l->in_shape.d[1];
    for (size_t b = 0; b < p->batch; b++)
        memcpy(p->y + b * H, p->x + (b * T + T - 1) * H, H * sizeof *p->y);
}

static void last_step_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx == NULL) return;
    const size_t T = l->in_shape.d[0], H = l->in_shape.d[1];
    for (size_t b = 0; b < p->batch; b++) {
        memset(dx + b * T * H, 0, (T - 1) * H * sizeof *dx);
        memcpy(dx + (b * T + T - 1) * H, dy + b * H, H * sizeof *dx);
    }
}

static const char *const last_step_config_keys[] = {NULL};

static void last_step_config_get(const dsc__layer *l, double *values) {
    (void)l, (void)values;
}

static dsc_status last_step_config_add(const char *fn, dsc_model *model, const double *values);

const dsc__layer_vtable dsc__last_step_vt = {
    .kind = DSC_LAYER_LAST_STEP, .name = "last_step", .shape = last_step_shape,
    .forward = last_step_forward, .backward = last_step_backward, .dx_in_place = 0,
    .config_keys = last_step_config_keys, .config_get = last_step_config_get,
    .config_add = last_step_config_add,
};

static dsc_status add_last_step(const char *fn, dsc_model *model) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    dsc__layer l = {0};
    l.vt = &dsc__last_step_vt;
    return dsc__model_append(fn, model, &l);
}

static dsc_status last_step_config_add(const char *fn, dsc_model *model, const double *values) {
    (void)values;
    return add_last_step(fn, model);
}

DSC_API dsc_status dsc_model_add_last_step(dsc_model *model) {
    return add_last_step("dsc_model_add_last_step", model);
}
