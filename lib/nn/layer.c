/* Layers inspected by index: the public accessors shared by every kind (kind,
 * widths, shapes, named tensors), the shape helpers the kinds' shape hooks
 * use, and the list of kinds model files look names up in. Each kind
 * (dense.c, activation.c, dropout.c, flatten.c, ...) supplies a vtable and its
 * dsc_model_add_* call; model.c appends the layer to the model. */
#include "model_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the kinds model files know by name (lib/io/model_io.c) -------------- */

/* Every kind with a generic model-file encoding (config_keys): one line per
 * kind here. Dense, activation and dropout have their own, older encoding. */
extern const dsc__layer_vtable dsc__flatten_vt;
extern const dsc__layer_vtable dsc__conv1d_vt, dsc__conv2d_vt;
extern const dsc__layer_vtable dsc__maxpool1d_vt, dsc__maxpool2d_vt, dsc__avgpool1d_vt,
    dsc__avgpool2d_vt;
extern const dsc__layer_vtable dsc__batchnorm1d_vt, dsc__batchnorm2d_vt, dsc__layernorm_vt;
extern const dsc__layer_vtable dsc__lstm_vt, dsc__gru_vt, dsc__last_step_vt;

const dsc__layer_vtable *const dsc__layer_kinds[] = {
    &dsc__flatten_vt,
    &dsc__conv1d_vt, &dsc__conv2d_vt,
    &dsc__maxpool1d_vt, &dsc__maxpool2d_vt, &dsc__avgpool1d_vt, &dsc__avgpool2d_vt,
    &dsc__batchnorm1d_vt, &dsc__batchnorm2d_vt, &dsc__layernorm_vt,
    &dsc__lstm_vt, &dsc__gru_vt, &dsc__last_step_vt,
    NULL,
};

const dsc__layer_vtable *dsc__layer_kind_named(const char *name) {
    for (size_t i = 0; dsc__layer_kinds[i] != NULL; i++)
        if (strcmp(dsc__layer_kinds[i]->name, name) == 0) return dsc__layer_kinds[i];
    return NULL;
}

/* ---- shapes ---------------------------------------------------------------- */

size_t dsc__shape_numel(const dsc__shape *s) {
    size_t n = 1;
    for (size_t d = 0; d < s->ndim; d++)
        if (!dsc__mul_ok(n, s->d[d], &n)) return 0;
    return n;
}

const char *dsc__shape_words(const dsc__shape *s, char *buf, size_t size) {
    size_t at = 0;
    buf[0] = '\0';
    for (size_t d = 0; d < s->ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? " x %zu" : "%zu", s->d[d]);
    return buf;
}

dsc_status dsc__shape_refuse(const char *fn, size_t index, const dsc__layer *l,
                             const dsc__shape *got, const char *need, ...) {
    char what[160], have[64];
    va_list ap;
    va_start(ap, need);
    vsnprintf(what, sizeof what, need, ap);
    va_end(ap);
    return dsc__error(DSC_E_ARG, "%s: layer %zu (%s) needs %s, got %s", fn, index, l->vt->name,
                      what, dsc__shape_words(got, have, sizeof have));
}

dsc_status dsc__shape_keep(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                           dsc__shape *out) {
    (void)l;
    (void)fn;
    (void)index;
    *out = *in;
    return DSC_OK;
}

/* ---- named tensors ---------------------------------------------------------- */

size_t dsc__tensor_numel(const dsc__tensor_desc *t) {
    size_t n = 1;
    for (size_t d = 0; d < t->ndim; d++) n *= t->dims[d];
    return n;
}

const char *dsc__tensor_state_name(const dsc__tensor_desc *t) {
    return t->state_name != NULL ? t->state_name : t->name;
}

size_t dsc__layer_tensors(const dsc__layer *l, dsc__tensor_desc *out) {
    size_t n = l->vt->tensors != NULL ? l->vt->tensors(l, out) : 0;
    size_t at[2] = {0, 0}; /* parameters, buffers */
    for (size_t i = 0; i < n; i++) {
        out[i].offset = at[out[i].is_buffer != 0];
        at[out[i].is_buffer != 0] += dsc__tensor_numel(&out[i]);
    }
    return n;
}

/* The layer at index, or DSC_E_ARG naming fn and the argument (arg). */
static dsc_status find_arg(const char *fn, const char *arg, const dsc_model *model, size_t index,
                           const dsc__layer **out) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(index >= model->nlayers, DSC_E_ARG,
                  "%s: %s is %zu; the model has %zu layers, numbered from 0", fn, arg, index,
                  model->nlayers);
    *out = &model->layers[index];
    return DSC_OK;
}

static dsc_status find(const char *fn, const dsc_model *model, size_t index, const dsc__layer **out) {
    return find_arg(fn, "index", model, index, out);
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
    *out = l->nparams;
    return DSC_OK;
}

/* Writes a shape to the optional public outputs. */
static void put_shape(const dsc__shape *s, size_t *ndim, size_t *dims) {
    if (ndim != NULL) *ndim = s->ndim;
    if (dims != NULL)
        for (size_t d = 0; d < DSC_MODEL_MAX_DIMS; d++) dims[d] = d < s->ndim ? s->d[d] : 0;
}

static const dsc__shape no_shape = {0, {0, 0, 0}};

DSC_API dsc_status dsc_model_layer_shape(const dsc_model *model, size_t layer, size_t *in_ndim,
                                         size_t *in_dims, size_t *out_ndim, size_t *out_dims) {
    put_shape(&no_shape, in_ndim, in_dims);
    put_shape(&no_shape, out_ndim, out_dims);
    const dsc__layer *l = NULL;
    DSC_TRY(find_arg("dsc_model_layer_shape", "layer", model, layer, &l));
    put_shape(&l->in_shape, in_ndim, in_dims);
    put_shape(&l->out_shape, out_ndim, out_dims);
    return DSC_OK;
}

static dsc_status model_shape(const char *fn, const dsc_model *model, int output, size_t *ndim,
                              size_t *dims) {
    put_shape(&no_shape, ndim, dims);
    DSC_RETURN_IF(model == NULL || ndim == NULL || dims == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  model == NULL ? "model" : ndim == NULL ? "ndim" : "dims");
    put_shape(output ? &model->out_shape : &model->in_shape, ndim, dims);
    return DSC_OK;
}

DSC_API dsc_status dsc_model_input_shape(const dsc_model *model, size_t *ndim, size_t *dims) {
    return model_shape("dsc_model_input_shape", model, 0, ndim, dims);
}

DSC_API dsc_status dsc_model_output_shape(const dsc_model *model, size_t *ndim, size_t *dims) {
    return model_shape("dsc_model_output_shape", model, 1, ndim, dims);
}

DSC_API dsc_status dsc_model_layer_tensor_count(const dsc_model *model, size_t layer, size_t *out) {
    static const char fn[] = "dsc_model_layer_tensor_count";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0;
    const dsc__layer *l = NULL;
    DSC_TRY(find_arg(fn, "layer", model, layer, &l));
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    *out = dsc__layer_tensors(l, t);
    return DSC_OK;
}

DSC_API dsc_status dsc_model_layer_tensor_info(const dsc_model *model, size_t layer, size_t index,
                                               const char **name, const char **state_name,
                                               int *is_buffer, size_t *ndim, size_t *dims) {
    static const char fn[] = "dsc_model_layer_tensor_info";
    if (name != NULL) *name = NULL;
    if (state_name != NULL) *state_name = NULL;
    if (is_buffer != NULL) *is_buffer = 0;
    if (ndim != NULL) *ndim = 0;
    if (dims != NULL)
        for (size_t d = 0; d < DSC_TENSOR_MAX_DIMS; d++) dims[d] = 0;
    const dsc__layer *l = NULL;
    DSC_TRY(find_arg(fn, "layer", model, layer, &l));
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    size_t n = dsc__layer_tensors(l, t);
    DSC_RETURN_IF(index >= n, DSC_E_ARG, "%s: index is %zu; layer %zu (%s) has %zu named "
                  "tensors, numbered from 0", fn, index, layer, l->vt->name, n);
    const dsc__tensor_desc *d = &t[index];
    if (name != NULL) *name = d->name;
    if (state_name != NULL) *state_name = dsc__tensor_state_name(d);
    if (is_buffer != NULL) *is_buffer = d->is_buffer;
    if (ndim != NULL) *ndim = d->ndim;
    if (dims != NULL)
        for (size_t i = 0; i < d->ndim; i++) dims[i] = d->dims[i];
    return DSC_OK;
}

/* What a named-tensor call reads or writes. */
enum { PARAM, GRAD, BUFFER };

/* The layer's tensor called name of the group want (PARAM and GRAD: a
 * parameter; BUFFER: a buffer), checked against n; DSC_E_ARG naming what the
 * layer has otherwise. */
static dsc_status find_tensor(const char *fn, const dsc_model *m, size_t layer, const char *name,
                              int want, const void *array, size_t n, float **data) {
    const dsc__layer *l = NULL;
    DSC_TRY(find_arg(fn, "layer", m, layer, &l));
    DSC_RETURN_IF(name == NULL || array == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  name == NULL ? "name" : "the array");
    const int buffer = want == BUFFER;
    const char *group = buffer ? "buffer" : "parameter";
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    size_t count = dsc__layer_tensors(l, t);
    const dsc__tensor_desc *d = NULL;
    char names[160] = "";
    size_t at = 0, listed = 0;
    for (size_t i = 0; i < count; i++) {
        if ((t[i].is_buffer != 0) != buffer) continue;
        if (strcmp(t[i].name, name) == 0) d = &t[i];
        if (at < sizeof names)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s\"%s\"", listed++ ? ", " : "",
                                   t[i].name);
    }
    if (d == NULL) {
        if (listed == 0)
            return dsc__error(DSC_E_ARG, "%s: layer %zu (%s) has no %ss; \"%s\" is not one", fn,
                              layer, l->vt->name, group, name);
        return dsc__error(DSC_E_ARG, "%s: layer %zu (%s) has no %s \"%s\"; its %ss are %s", fn,
                          layer, l->vt->name, group, name, group, names);
    }
    size_t numel = dsc__tensor_numel(d);
    DSC_RETURN_IF(n != numel, DSC_E_SHAPE, "%s: n is %zu; %s \"%s\" of layer %zu (%s) has %zu "
                  "values", fn, n, group, name, layer, l->vt->name, numel);
    DSC_RETURN_IF(!m->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first",
                  fn);
    float *base = want == PARAM ? l->param : want == GRAD ? l->grad : l->buffer;
    *data = base + d->offset;
    return DSC_OK;
}

dsc_status dsc__model_tensor_get(const char *fn, const dsc_model *m, size_t layer, const char *name,
                                 int grad, int buffer, float *dst, size_t n) {
    float *src = NULL;
    DSC_TRY(find_tensor(fn, m, layer, name, buffer ? BUFFER : grad ? GRAD : PARAM, dst, n, &src));
    if (n) memcpy(dst, src, n * sizeof(float));
    return DSC_OK;
}

dsc_status dsc__model_tensor_set(const char *fn, dsc_model *m, size_t layer, const char *name,
                                 int buffer, const float *src, size_t n) {
    float *dst = NULL;
    DSC_TRY(find_tensor(fn, m, layer, name, buffer ? BUFFER : PARAM, src, n, &dst));
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(!isfinite(src[i]), DSC_E_ARG, "%s: value %zu is %g; values must be finite",
                      fn, i, (double)src[i]);
    if (n) memcpy(dst, src, n * sizeof(float));
    return DSC_OK;
}

DSC_API dsc_status dsc_model_get_param(const dsc_model *model, size_t layer, const char *name,
                                       float *dst, size_t n) {
    return dsc__model_tensor_get("dsc_model_get_param", model, layer, name, 0, 0, dst, n);
}

DSC_API dsc_status dsc_model_get_param_grad(const dsc_model *model, size_t layer, const char *name,
                                            float *dst, size_t n) {
    return dsc__model_tensor_get("dsc_model_get_param_grad", model, layer, name, 1, 0, dst, n);
}

DSC_API dsc_status dsc_model_set_param(dsc_model *model, size_t layer, const char *name,
                                       const float *src, size_t n) {
    return dsc__model_tensor_set("dsc_model_set_param", model, layer, name, 0, src, n);
}

DSC_API dsc_status dsc_model_get_buffer(const dsc_model *model, size_t layer, const char *name,
                                        float *dst, size_t n) {
    return dsc__model_tensor_get("dsc_model_get_buffer", model, layer, name, 0, 1, dst, n);
}

DSC_API dsc_status dsc_model_set_buffer(dsc_model *model, size_t layer, const char *name,
                                        const float *src, size_t n) {
    return dsc__model_tensor_set("dsc_model_set_buffer", model, layer, name, 1, src, n);
}
