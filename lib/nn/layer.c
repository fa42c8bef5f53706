/* Layers inspected by index: the public accessors shared by every kind. Each
 * kind (dense.c, activation.c, dropout.c) supplies a vtable and its
 * dsc_model_add_* call; model.c appends the layer to the model. */
#include "model_impl.h"

size_t dsc__layer_param_count(const dsc__layer *l) {
    if (l->vt->kind != DSC_LAYER_DENSE) return 0;
    return l->out * l->in + (l->has_bias ? l->out : 0); /* overflow checked when appended */
}

/* The layer at index, or DSC_E_ARG naming fn. */
static dsc_status find(const char *fn, const dsc_model *model, size_t index, const dsc__layer **out) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(index >= model->nlayers, DSC_E_ARG,
                  "%s: index is %zu; the model has %zu layers, numbered from 0", fn, index,
                  model->nlayers);
    *out = &model->layers[index];
    return DSC_OK;
}

DSC_API dsc_status dsc_model_layer_info(const dsc_model *model, size_t index, dsc_layer_kind *kind,
                                        size_t *in_features, size_t *out_features) {
    if (kind != NULL) *kind = (dsc_layer_kind)0;
    if (in_features != NULL) *in_features = 0;
    if (out_features != NULL) *out_features = 0;
    const dsc__layer *l = NULL;
    DSC_TRY(find("dsc_model_layer_info", model, index, &l));
    if (kind != NULL) *kind = l->vt->kind;
    if (in_features != NULL) *in_features = l->in;
    if (out_features != NULL) *out_features = l->out;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_layer_param_count(const dsc_model *model, size_t index, size_t *out) {
    static const char fn[] = "dsc_model_layer_param_count";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0;
    const dsc__layer *l = NULL;
    DSC_TRY(find(fn, model, index, &l));
    *out = dsc__layer_param_count(l);
    return DSC_OK;
}
