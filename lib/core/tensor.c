/* The tensor handle: a row-major float32 array that owns 64-byte aligned
 * memory or borrows the host's (dsc_tensor_wrap never copies). */
#include "common.h"
#include "rng.h"
#include "tensor_impl.h"

#include <math.h>
#include <string.h>

static dsc_status check_shape(const char *fn, const size_t *shape, size_t ndim, size_t *count) {
    DSC_RETURN_IF(shape == NULL, DSC_E_ARG, "%s: shape is NULL", fn);
    DSC_RETURN_IF(ndim == 0 || ndim > DSC_TENSOR_MAX_DIMS, DSC_E_ARG,
                  "%s: ndim is %zu; it must be 1..%d", fn, ndim, DSC_TENSOR_MAX_DIMS);
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++) {
        DSC_RETURN_IF(shape[i] == 0, DSC_E_ARG,
                      "%s: shape[%zu] is 0; every dimension must be at least 1", fn, i);
        DSC_RETURN_IF(!dsc__mul_ok(n, shape[i], &n) || n > SIZE_MAX / sizeof(float), DSC_E_ARG,
                      "%s: shape overflows (the element count does not fit in size_t bytes)", fn);
    }
    *count = n;
    return DSC_OK;
}

static dsc_status make(const char *fn, dsc_tensor **out, float *data, const size_t *shape, size_t ndim) {
    size_t count = 0;
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_TRY(check_shape(fn, shape, ndim, &count));
    dsc_tensor *t = dsc__calloc(1, sizeof *t);
    DSC_RETURN_IF(t == NULL, DSC_E_NOMEM, "%s: out of memory for the tensor handle", fn);
    if (data == NULL) {
        t->data = dsc__calloc(count, sizeof(float));
        if (t->data == NULL) {
            dsc__free(t);
            return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu floats", fn, count);
        }
        t->owned = 1;
    } else {
        t->data = data;
        t->owned = 0;
    }
    t->ndim = ndim;
    t->size = count;
    memcpy(t->shape, shape, ndim * sizeof(size_t));
    *out = t;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_new(dsc_tensor **out, const size_t *shape, size_t ndim) {
    return make("dsc_tensor_new", out, NULL, shape, ndim);
}

DSC_API dsc_status dsc_tensor_wrap(dsc_tensor **out, float *data, const size_t *shape, size_t ndim) {
    if (out != NULL) *out = NULL;
    DSC_RETURN_IF(out != NULL && data == NULL, DSC_E_ARG, "dsc_tensor_wrap: data is NULL");
    return make("dsc_tensor_wrap", out, data, shape, ndim);
}

DSC_API void dsc_tensor_free(dsc_tensor *t) {
    if (t == NULL) return;
    if (t->owned) dsc__free(t->data);
    dsc__free(t);
}

/* Every getter: *out is set (to 0 or NULL on failure) whenever out is not NULL. */
#define CHECK_GETTER(fn, t, out, fallback)                                                   \
    do {                                                                                     \
        DSC_RETURN_IF((out) == NULL, DSC_E_ARG, fn ": out is NULL");                        \
        *(out) = (fallback);                                                                 \
        DSC_RETURN_IF((t) == NULL, DSC_E_ARG, fn ": tensor is NULL");                       \
    } while (0)

DSC_API dsc_status dsc_tensor_data(dsc_tensor *t, float **out) {
    CHECK_GETTER("dsc_tensor_data", t, out, NULL);
    *out = t->data;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_ndim(const dsc_tensor *t, size_t *out) {
    CHECK_GETTER("dsc_tensor_ndim", t, out, 0);
    *out = t->ndim;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_dim(const dsc_tensor *t, size_t axis, size_t *out) {
    CHECK_GETTER("dsc_tensor_dim", t, out, 0);
    DSC_RETURN_IF(axis >= t->ndim, DSC_E_ARG,
                  "dsc_tensor_dim: axis %zu is out of range; the tensor has %zu dimensions (0..%zu)",
                  axis, t->ndim, t->ndim - 1);
    *out = t->shape[axis];
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_size(const dsc_tensor *t, size_t *out) {
    CHECK_GETTER("dsc_tensor_size", t, out, 0);
    *out = t->size;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_is_borrowed(const dsc_tensor *t, int *out) {
    CHECK_GETTER("dsc_tensor_is_borrowed", t, out, 0);
    *out = !t->owned;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_fill(dsc_tensor *t, float value) {
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "dsc_tensor_fill: tensor is NULL");
    for (size_t i = 0; i < t->size; i++) t->data[i] = value;
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_copy(dsc_tensor *dst, const dsc_tensor *src) {
    DSC_RETURN_IF(dst == NULL || src == NULL, DSC_E_ARG, "dsc_tensor_copy: %s is NULL",
                  dst == NULL ? "dst" : "src");
    DSC_RETURN_IF(dst->ndim != src->ndim, DSC_E_SHAPE,
                  "dsc_tensor_copy: dst has %zu dimensions, src has %zu", dst->ndim, src->ndim);
    for (size_t i = 0; i < dst->ndim; i++)
        DSC_RETURN_IF(dst->shape[i] != src->shape[i], DSC_E_SHAPE,
                      "dsc_tensor_copy: dimension %zu is %zu in dst and %zu in src", i,
                      dst->shape[i], src->shape[i]);
    if (dst->data != src->data) memmove(dst->data, src->data, src->size * sizeof(float));
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_fill_uniform(dsc_tensor *t, float lo, float hi, uint64_t seed) {
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "dsc_tensor_fill_uniform: tensor is NULL");
    DSC_RETURN_IF(!isfinite(lo) || !isfinite(hi) || !(lo < hi), DSC_E_ARG,
                  "dsc_tensor_fill_uniform: bounds [%g, %g) are invalid; both must be finite and lo < hi",
                  (double)lo, (double)hi);
    dsc_rng r;
    dsc__rng_seed(&r, seed);
    const double span = (double)hi - (double)lo;
    for (size_t i = 0; i < t->size; i++) {
        float v = (float)((double)lo + span * dsc__rng_double(&r));
        /* Rounding to float can land on hi; keep the interval half-open. */
        t->data[i] = v < hi ? v : lo;
    }
    return DSC_OK;
}

DSC_API dsc_status dsc_tensor_fill_normal(dsc_tensor *t, float mean, float std, uint64_t seed) {
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "dsc_tensor_fill_normal: tensor is NULL");
    DSC_RETURN_IF(!isfinite(mean) || !isfinite(std) || std < 0, DSC_E_ARG,
                  "dsc_tensor_fill_normal: mean %g, std %g are invalid; both must be finite and std >= 0",
                  (double)mean, (double)std);
    dsc_rng r;
    dsc__rng_seed(&r, seed);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = (float)((double)mean + (double)std * dsc__rng_normal(&r));
    return DSC_OK;
}
