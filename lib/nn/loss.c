/* Loss handle: validation, the remembered batch, parameters and accuracy.
 * Each kind (mse.c, cross_entropy.c, bce_logits.c, huber.c, l1.c) supplies
 * the formula in a vtable. */
#include "loss_impl.h"
#include "../kernels/fpenv.h"

#include <stdio.h>

static const dsc__loss_vtable *vtable_of(dsc_loss_kind kind) {
    switch (kind) {
    case DSC_LOSS_MSE: return &dsc__loss_mse;
    case DSC_LOSS_CROSS_ENTROPY: return &dsc__loss_cross_entropy;
    case DSC_LOSS_BCE_WITH_LOGITS: return &dsc__loss_bce_logits;
    case DSC_LOSS_HUBER: return &dsc__loss_huber;
    case DSC_LOSS_L1: return &dsc__loss_l1;
    case DSC_LOSS_SMOOTH_L1: return &dsc__loss_smooth_l1;
    default: return NULL;
    }
}

/* The kind's vtable, or DSC_E_UNSUPPORTED naming fn and the value. */
static dsc_status lookup_kind(dsc_loss_kind kind, const char *fn, const dsc__loss_vtable **vt) {
    *vt = vtable_of(kind);
    DSC_RETURN_IF(*vt == NULL, DSC_E_UNSUPPORTED, "%s: kind %d is not a dsc_loss_kind", fn,
                  (int)kind);
    return DSC_OK;
}

/* "the huber loss", for messages. */
static const char *object_of(const dsc__loss_vtable *vt, char *buf, size_t size) {
    snprintf(buf, size, "the %s loss", vt->name);
    return buf;
}

/* The row of key for this kind, or DSC_E_UNSUPPORTED. */
static dsc_status lookup(const dsc__loss_vtable *vt, dsc_loss_param key, const char *fn,
                         const dsc__setting **row) {
    char object[48];
    return dsc__setting_lookup(vt->params, vt->nparams, (int)key, fn,
                               object_of(vt, object, sizeof object), row);
}

DSC_API dsc_status dsc_loss_new(dsc_loss **out, dsc_loss_kind kind) {
    static const char fn[] = "dsc_loss_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    const dsc__loss_vtable *vt;
    DSC_TRY(lookup_kind(kind, fn, &vt));
    dsc_loss *l = dsc__calloc(1, sizeof *l);
    DSC_RETURN_IF(l == NULL, DSC_E_NOMEM, "%s: out of memory for the loss", fn);
    l->vt = vt;
    l->k = dsc__kernels();
    for (size_t i = 0; i < vt->nparams; i++) l->param[vt->params[i].key] = vt->params[i].def;
    *out = l;
    return DSC_OK;
}

DSC_API void dsc_loss_free(dsc_loss *loss) {
    dsc__free(loss);
}

DSC_API dsc_status dsc_loss_set(dsc_loss *loss, dsc_loss_param key, double value) {
    static const char fn[] = "dsc_loss_set";
    DSC_RETURN_IF(loss == NULL, DSC_E_ARG, "%s: loss is NULL", fn);
    const dsc__setting *row;
    DSC_TRY(lookup(loss->vt, key, fn, &row));
    DSC_TRY(dsc__setting_check(row, value, fn));
    loss->param[row->key] = value;
    return DSC_OK;
}

DSC_API dsc_status dsc_loss_get(const dsc_loss *loss, dsc_loss_param key, double *out) {
    static const char fn[] = "dsc_loss_get";
    DSC_RETURN_IF(loss == NULL || out == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  loss == NULL ? "loss" : "out");
    const dsc__setting *row;
    DSC_TRY(lookup(loss->vt, key, fn, &row));
    *out = loss->param[row->key];
    return DSC_OK;
}

DSC_API dsc_status dsc_loss_param_bounds(dsc_loss_kind kind, dsc_loss_param key, double *lo,
                                         double *hi) {
    static const char fn[] = "dsc_loss_param_bounds";
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn, lo ? "hi" : "lo");
    const dsc__loss_vtable *vt;
    char object[48];
    DSC_TRY(lookup_kind(kind, fn, &vt));
    return dsc__setting_query_bounds(vt->params, vt->nparams, (int)key, fn,
                                     object_of(vt, object, sizeof object), lo, hi);
}

DSC_API dsc_status dsc_loss_param_default(dsc_loss_kind kind, dsc_loss_param key, double *out) {
    static const char fn[] = "dsc_loss_param_default";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    const dsc__loss_vtable *vt;
    char object[48];
    DSC_TRY(lookup_kind(kind, fn, &vt));
    return dsc__setting_query_default(vt->params, vt->nparams, (int)key, fn,
                                      object_of(vt, object, sizeof object), out);
}

static double run_forward(const dsc_loss *loss) {
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    double v = loss->vt->forward(loss);
    dsc__fpenv_leave(&fe);
    return v;
}

static dsc_status check_common(const char *fn, const dsc_loss *loss, const float *y,
                               const void *t, size_t batch, size_t width, const double *value) {
    DSC_RETURN_IF(loss == NULL, DSC_E_ARG, "%s: loss is NULL", fn);
    DSC_RETURN_IF(y == NULL, DSC_E_ARG, "%s: y is NULL", fn);
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: the targets are NULL", fn);
    DSC_RETURN_IF(value == NULL, DSC_E_ARG, "%s: value is NULL", fn);
    DSC_RETURN_IF(batch == 0 || width == 0, DSC_E_ARG,
                  "%s: batch is %zu and width %zu; both must be at least 1", fn, batch, width);
    size_t n;
    DSC_RETURN_IF(!dsc__mul_ok(batch, width, &n) || n > SIZE_MAX / sizeof(float), DSC_E_ARG,
                  "%s: batch x width overflows", fn);
    return DSC_OK;
}

dsc_status dsc__loss_record(const char *fn, dsc_loss *loss, const float *y, const float *target,
                            const int32_t *labels, size_t batch, size_t width, double *value) {
    DSC_RETURN_IF(!loss->k->all_finite(batch * width, y), DSC_E_NONFINITE,
                  "%s: the model output holds NaN or an infinity", fn);
    loss->y = y;
    loss->target = target;
    loss->labels = labels;
    loss->batch = batch;
    loss->width = width;
    loss->have_forward = 1;
    *value = run_forward(loss);
    return DSC_OK;
}

DSC_API dsc_status dsc_loss_forward(dsc_loss *loss, const float *y, const float *target,
                                    size_t batch, size_t width, double *value) {
    static const char fn[] = "dsc_loss_forward";
    DSC_RETURN_IF(loss != NULL && loss->vt->uses_labels, DSC_E_UNSUPPORTED,
                  "%s: the %s loss takes class labels; use dsc_loss_forward_labels", fn,
                  loss->vt->name);
    DSC_TRY(check_common(fn, loss, y, target, batch, width, value));
    DSC_RETURN_IF(!loss->k->all_finite(batch * width, target), DSC_E_NONFINITE,
                  "%s: the targets hold NaN or an infinity", fn);
    return dsc__loss_record(fn, loss, y, target, NULL, batch, width, value);
}

DSC_API dsc_status dsc_loss_forward_labels(dsc_loss *loss, const float *y, const int32_t *labels,
                                           size_t batch, size_t width, double *value) {
    static const char fn[] = "dsc_loss_forward_labels";
    DSC_RETURN_IF(loss != NULL && !loss->vt->uses_labels, DSC_E_UNSUPPORTED,
                  "%s: the %s loss takes float targets; use dsc_loss_forward", fn, loss->vt->name);
    DSC_TRY(check_common(fn, loss, y, labels, batch, width, value));
    for (size_t i = 0; i < batch; i++)
        DSC_RETURN_IF(labels[i] < 0 || (size_t)labels[i] >= width, DSC_E_ARG,
                      "%s: label %zu is %ld; it must be in 0..%zu", fn, i, (long)labels[i], width - 1);
    return dsc__loss_record(fn, loss, y, NULL, labels, batch, width, value);
}

/* Whether the byte ranges [a, a+na) and [b, b+nb) share a byte. */
static int overlaps(const void *a, size_t na, const void *b, size_t nb) {
    const uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + nb && y < x + na;
}

DSC_API dsc_status dsc_loss_backward(dsc_loss *loss, float *dy) {
    static const char fn[] = "dsc_loss_backward";
    DSC_RETURN_IF(loss == NULL, DSC_E_ARG, "%s: loss is NULL", fn);
    DSC_RETURN_IF(dy == NULL, DSC_E_ARG, "%s: dy is NULL", fn);
    DSC_RETURN_IF(!loss->have_forward, DSC_E_STATE,
                  "%s: no forward to differentiate; call dsc_loss_forward first", fn);
    /* The forward's inputs are read while dy is written (and must read the
     * same on a second call); the sizes were checked by the forward. */
    const size_t n = loss->batch * loss->width;
    DSC_RETURN_IF(overlaps(dy, n * sizeof(float), loss->y, n * sizeof(float)), DSC_E_ARG,
                  "%s: dy overlaps the model output y given to the forward; dy needs an array of "
                  "its own", fn);
    DSC_RETURN_IF(loss->target != NULL &&
                      overlaps(dy, n * sizeof(float), loss->target, n * sizeof(float)),
                  DSC_E_ARG, "%s: dy overlaps the targets given to the forward; dy needs an "
                  "array of its own", fn);
    DSC_RETURN_IF(loss->labels != NULL &&
                      overlaps(dy, n * sizeof(float), loss->labels, loss->batch * sizeof(int32_t)),
                  DSC_E_ARG, "%s: dy overlaps the labels given to the forward; dy needs an "
                  "array of its own", fn);
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    loss->vt->backward(loss, dy);
    dsc__fpenv_leave(&fe);
    return DSC_OK;
}

DSC_API dsc_status dsc_accuracy(const float *y, const int32_t *labels, size_t batch, size_t width,
                                double *out) {
    static const char fn[] = "dsc_accuracy";
    DSC_RETURN_IF(y == NULL || labels == NULL || out == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  y == NULL ? "y" : labels == NULL ? "labels" : "out");
    DSC_RETURN_IF(batch == 0 || width == 0, DSC_E_ARG,
                  "%s: batch is %zu and width %zu; both must be at least 1", fn, batch, width);
    size_t classes = width == 1 ? 2 : width;
    for (size_t i = 0; i < batch; i++)
        DSC_RETURN_IF(labels[i] < 0 || (size_t)labels[i] >= classes, DSC_E_ARG,
                      "%s: label %zu is %ld; it must be in 0..%zu", fn, i, (long)labels[i], classes - 1);
    size_t hits = 0;
    for (size_t i = 0; i < batch; i++) {
        const float *r = y + i * width;
        size_t best = 0;
        if (width == 1) {
            best = r[0] > 0.0f;
        } else {
            for (size_t j = 1; j < width; j++)
                if (r[j] > r[best]) best = j;
        }
        hits += best == (size_t)labels[i];
    }
    *out = (double)hits / (double)batch;
    return DSC_OK;
}

DSC_API dsc_status dsc_loss_kind_of(const dsc_loss *loss, dsc_loss_kind *out) {
    if (out != NULL) *out = (dsc_loss_kind)0;
    DSC_RETURN_IF(loss == NULL || out == NULL, DSC_E_ARG, "dsc_loss_kind_of: %s is NULL",
                  loss == NULL ? "loss" : "out");
    *out = loss->vt->kind;
    return DSC_OK;
}
