/* Flatten, torch.nn.Flatten(): any per-sample shape becomes the flat shape of
 * its element count. A sample's values are already stored in C order, so
 * forward and backward copy (or, in place, do nothing). */
#include "layer_impl.h"

#include <string.h>

static dsc_status flatten_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                                dsc__shape *out) {
    (void)l;
    (void)fn;
    (void)index;
    out->ndim = 1;
    out->d[0] = dsc__shape_numel(in);
    return DSC_OK;
}

static void flatten_forward(dsc__layer *l, const dsc__pass *p) {
    if (p->y != p->x) memcpy(p->y, p->x, p->batch * l->out * sizeof(float));
}

static void flatten_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx != NULL && dx != dy) memcpy(dx, dy, p->batch * l->out * sizeof(float));
}

static const char *const flatten_keys[] = {NULL};

static void flatten_config_get(const dsc__layer *l, double *values) {
    (void)l;
    (void)values;
}

static dsc_status flatten_config_add(const char *fn, dsc_model *model, const double *values) {
    (void)fn;
    (void)values;
    return dsc_model_add_flatten(model);
}

const dsc__layer_vtable dsc__flatten_vt = {
    .kind = DSC_LAYER_FLATTEN,
    .name = "flatten",
    .shape = flatten_shape,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .dx_in_place = 1,
    .config_keys = flatten_keys,
    .config_get = flatten_config_get,
    .config_add = flatten_config_add,
};

DSC_API dsc_status dsc_model_add_flatten(dsc_model *model) {
    static const char fn[] = "dsc_model_add_flatten";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    dsc__layer l = {0};
    l.vt = &dsc__flatten_vt;
    return dsc__model_append(fn, model, &l);
}
