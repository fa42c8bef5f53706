/* Layer handle: allocation, the public accessors shared by every kind, and
 * release. Each kind (dense.c, activation.c, dropout.c) supplies a vtable. */
#include "layer_impl.h"

dsc_status dsc__layer_alloc(const char *fn, const dsc__layer_vtable *vt, dsc_layer **out) {
    dsc_layer *l = dsc__calloc(1, sizeof *l);
    DSC_RETURN_IF(l == NULL, DSC_E_NOMEM, "%s: out of memory for the layer", fn);
    l->vt = vt;
    l->k = dsc__kernels();
    *out = l;
    return DSC_OK;
}

size_t dsc__layer_param_count(const dsc_layer *l) {
    if (l->vt->kind != DSC_LAYER_DENSE) return 0;
    return l->out * l->in + (l->has_bias ? l->out : 0); /* overflow checked at creation */
}

DSC_API void dsc_layer_free(dsc_layer *layer) {
    if (layer == NULL) return;
    if (layer->owned) {
        dsc__error(DSC_E_STATE, "dsc_layer_free: the layer belongs to a model; "
                                "dsc_model_free releases it");
        return;
    }
    dsc__free(layer);
}

DSC_API dsc_status dsc_layer_info(const dsc_layer *layer, dsc_layer_kind *kind,
                                  size_t *in_features, size_t *out_features) {
    DSC_RETURN_IF(layer == NULL, DSC_E_ARG, "dsc_layer_info: layer is NULL");
    if (kind != NULL) *kind = layer->vt->kind;
    if (in_features != NULL) *in_features = layer->in;
    if (out_features != NULL) *out_features = layer->out;
    return DSC_OK;
}

DSC_API dsc_status dsc_layer_param_count(const dsc_layer *layer, size_t *out) {
    DSC_RETURN_IF(layer == NULL, DSC_E_ARG, "dsc_layer_param_count: layer is NULL");
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_layer_param_count: out is NULL");
    *out = dsc__layer_param_count(layer);
    return DSC_OK;
}
