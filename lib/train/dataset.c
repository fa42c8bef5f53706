/* The data set handle: inputs with float targets or class labels, made from
 * host arrays (borrowed or copied) or by the loaders (idx.c, csv.c); subsets,
 * the seeded split, batch gathering and per-feature scaling.
 *
 * Statistics are accumulated in double over blocks of columns, so a pass reads
 * each cache line of the inputs once and needs no scratch allocation. */
#include "../core/common.h"
#include "../core/rng.h"
#include "dataset_impl.h"

#include <math.h>
#include <string.h>

/* Columns handled together by the statistics passes: 64 doubles per
 * accumulator on the stack, four cache lines of each input row. */
#define COL_BLOCK 64

static dsc_status check_sizes(const char *fn, size_t count, size_t features, size_t width,
                              const char *width_name) {
    size_t bytes;
    DSC_RETURN_IF(count == 0, DSC_E_ARG, "%s: count is 0; it must be at least 1", fn);
    DSC_RETURN_IF(features == 0, DSC_E_ARG, "%s: features is 0; it must be at least 1", fn);
    DSC_RETURN_IF(width == 0, DSC_E_ARG, "%s: %s is 0; it must be at least 1", fn, width_name);
    DSC_RETURN_IF(!dsc__mul_ok(count, features, &bytes) || !dsc__mul_ok(bytes, sizeof(float), &bytes),
                  DSC_E_ARG, "%s: %zu x %zu inputs overflow size_t bytes", fn, count, features);
    return DSC_OK;
}

dsc_status dsc__dataset_alloc(const char *fn, dsc_dataset **out, size_t count, size_t features,
                              size_t outputs, size_t classes) {
    size_t n_in, n_y;
    *out = NULL;
    DSC_RETURN_IF(!dsc__mul_ok(count, features, &n_in) || n_in > SIZE_MAX / sizeof(float),
                  DSC_E_ARG, "%s: %zu x %zu inputs overflow size_t bytes", fn, count, features);
    n_y = count;
    DSC_RETURN_IF(classes == 0 && (!dsc__mul_ok(count, outputs, &n_y) || n_y > SIZE_MAX / sizeof(float)),
                  DSC_E_ARG, "%s: %zu x %zu targets overflow size_t bytes", fn, count, outputs);
    dsc_dataset *ds = dsc__calloc(1, sizeof *ds);
    DSC_RETURN_IF(ds == NULL, DSC_E_NOMEM, "%s: out of memory for the data set handle", fn);
    ds->count = count;
    ds->features = features;
    ds->outputs = classes ? 0 : outputs;
    ds->classes = classes;
    ds->inputs = dsc__alloc(n_in * sizeof(float));
    if (classes)
        ds->labels = dsc__alloc(n_y * sizeof(int32_t));
    else
        ds->targets = dsc__alloc(n_y * sizeof(float));
    ds->owns_inputs = 1;
    ds->owns_y = 1;
    if (ds->inputs == NULL || (ds->labels == NULL && ds->targets == NULL)) {
        dsc_dataset_free(ds);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu samples of %zu features", fn, count,
                          features);
    }
    *out = ds;
    return DSC_OK;
}

static dsc_status check_finite(const char *fn, const char *what, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(!isfinite(v[i]), DSC_E_ARG, "%s: %s[%zu] is %g; every value must be finite", fn,
                      what, i, (double)v[i]);
    return DSC_OK;
}

/* Shared by both array constructors; exactly one of targets/labels is given. */
static dsc_status from_arrays(const char *fn, dsc_dataset **out, const float *inputs,
                              const float *targets, const int32_t *labels, int labelled, size_t count,
                              size_t features, size_t width, dsc_dataset_mode mode) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(inputs == NULL, DSC_E_ARG, "%s: inputs is NULL", fn);
    DSC_RETURN_IF(labelled ? labels == NULL : targets == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  labelled ? "labels" : "targets");
    DSC_TRY(check_sizes(fn, count, features, width, labelled ? "classes" : "outputs"));
    DSC_RETURN_IF(labelled && width > INT32_MAX, DSC_E_ARG, "%s: classes is %zu; it must be 1..%d", fn,
                  width, INT32_MAX);
    size_t n_y = count;
    DSC_RETURN_IF(!labelled && (!dsc__mul_ok(count, width, &n_y) || n_y > SIZE_MAX / sizeof(float)),
                  DSC_E_ARG, "%s: %zu x %zu targets overflow size_t bytes", fn, count, width);
    DSC_RETURN_IF(mode != DSC_DATASET_BORROW && mode != DSC_DATASET_COPY, DSC_E_UNSUPPORTED,
                  "%s: mode %d is not a dsc_dataset_mode; use DSC_DATASET_COPY (0) or "
                  "DSC_DATASET_BORROW (1)", fn, (int)mode);
    DSC_TRY(check_finite(fn, "inputs", inputs, count * features));
    if (labelled) {
        for (size_t i = 0; i < count; i++)
            DSC_RETURN_IF(labels[i] < 0 || (size_t)labels[i] >= width, DSC_E_ARG,
                          "%s: labels[%zu] is %d; it must be in [0, %zu)", fn, i, (int)labels[i], width);
    } else {
        DSC_TRY(check_finite(fn, "targets", targets, n_y));
    }

    if (mode == DSC_DATASET_COPY) {
        dsc_dataset *ds = NULL;
        DSC_TRY(dsc__dataset_alloc(fn, &ds, count, features, labelled ? 0 : width, labelled ? width : 0));
        memcpy(ds->inputs, inputs, count * features * sizeof(float));
        if (labelled)
            memcpy(ds->labels, labels, count * sizeof(int32_t));
        else
            memcpy(ds->targets, targets, n_y * sizeof(float));
        *out = ds;
        return DSC_OK;
    }
    dsc_dataset *ds = dsc__calloc(1, sizeof *ds);
    DSC_RETURN_IF(ds == NULL, DSC_E_NOMEM, "%s: out of memory for the data set handle", fn);
    ds->count = count;
    ds->features = features;
    ds->outputs = labelled ? 0 : width;
    ds->classes = labelled ? width : 0;
    /* Borrowed arrays are never written: transforms copy first (own_inputs). */
    ds->inputs = (float *)(uintptr_t)inputs;
    ds->targets = (float *)(uintptr_t)targets;
    ds->labels = (int32_t *)(uintptr_t)labels;
    *out = ds;
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_new_targets(dsc_dataset **out, const float *inputs,
                                           const float *targets, size_t count, size_t features,
                                           size_t outputs, dsc_dataset_mode mode) {
    return from_arrays("dsc_dataset_new_targets", out, inputs, targets, NULL, 0, count, features,
                       outputs, mode);
}

DSC_API dsc_status dsc_dataset_new_labels(dsc_dataset **out, const float *inputs,
                                          const int32_t *labels, size_t count, size_t features,
                                          size_t classes, dsc_dataset_mode mode) {
    return from_arrays("dsc_dataset_new_labels", out, inputs, NULL, labels, 1, count, features,
                       classes, mode);
}

DSC_API void dsc_dataset_free(dsc_dataset *ds) {
    if (ds == NULL) return;
    if (ds->owns_inputs) dsc__free(ds->inputs);
    if (ds->owns_y) {
        dsc__free(ds->targets);
        dsc__free(ds->labels);
    }
    dsc__free(ds);
}

/* ---- accessors ---------------------------------------------------------- */

/* *out is set (to 0 or NULL on failure) whenever out is not NULL. */
#define GETTER(type, name, expr)                                                   \
    DSC_API dsc_status dsc_dataset_##name(const dsc_dataset *ds, type *out) {      \
        DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_dataset_" #name ": out is NULL"); \
        *out = 0;                                                                  \
        DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "dsc_dataset_" #name ": data set is NULL"); \
        *out = (expr);                                                             \
        return DSC_OK;                                                             \
    }

GETTER(size_t, count, ds->count)
GETTER(size_t, features, ds->features)
GETTER(size_t, outputs, ds->classes ? ds->classes : ds->outputs)
GETTER(size_t, classes, ds->classes)
GETTER(int, has_labels, ds->classes != 0)
GETTER(int, is_borrowed, !ds->owns_inputs)
GETTER(const float *, inputs, ds->inputs)

DSC_API dsc_status dsc_dataset_targets(const dsc_dataset *ds, const float **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_dataset_targets: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "dsc_dataset_targets: data set is NULL");
    DSC_RETURN_IF(ds->classes != 0, DSC_E_UNSUPPORTED,
                  "dsc_dataset_targets: the data set has class labels, not float targets "
                  "(use dsc_dataset_labels)");
    *out = ds->targets;
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_labels(const dsc_dataset *ds, const int32_t **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_dataset_labels: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "dsc_dataset_labels: data set is NULL");
    DSC_RETURN_IF(ds->classes == 0, DSC_E_UNSUPPORTED,
                  "dsc_dataset_labels: the data set has float targets, not class labels "
                  "(use dsc_dataset_targets)");
    *out = ds->labels;
    return DSC_OK;
}

/* ---- rows: gather, subset, split ----------------------------------------- */

static dsc_status check_rows(const char *fn, const dsc_dataset *ds, const size_t *rows, size_t count) {
    DSC_RETURN_IF(rows == NULL && count != 0, DSC_E_ARG, "%s: rows is NULL and count is %zu", fn, count);
    for (size_t k = 0; k < count; k++)
        DSC_RETURN_IF(rows[k] >= ds->count, DSC_E_ARG, "%s: rows[%zu] is %zu; it must be below %zu", fn,
                      k, rows[k], ds->count);
    return DSC_OK;
}

/* Copies checked rows; any destination may be NULL. */
static void gather_rows(const dsc_dataset *ds, const size_t *rows, size_t count, float *inputs,
                        float *targets, int32_t *labels) {
    const size_t f = ds->features;
    for (size_t k = 0; k < count; k++) {
        const size_t r = rows[k];
        if (inputs != NULL) memcpy(inputs + k * f, ds->inputs + r * f, f * sizeof(float));
        if (ds->classes) {
            if (labels != NULL) labels[k] = ds->labels[r];
            if (targets != NULL) {
                float *t = targets + k * ds->classes;
                for (size_t c = 0; c < ds->classes; c++) t[c] = 0.0f;
                t[ds->labels[r]] = 1.0f;
            }
        } else if (targets != NULL) {
            memcpy(targets + k * ds->outputs, ds->targets + r * ds->outputs, ds->outputs * sizeof(float));
        }
    }
}

DSC_API dsc_status dsc_dataset_gather(const dsc_dataset *ds, const size_t *rows, size_t count,
                                      float *inputs, float *targets, int32_t *labels) {
    const char *fn = "dsc_dataset_gather";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(labels != NULL && ds->classes == 0, DSC_E_ARG,
                  "%s: labels given but the data set has float targets, not labels", fn);
    DSC_TRY(check_rows(fn, ds, rows, count));
    gather_rows(ds, rows, count, inputs, targets, labels);
    return DSC_OK;
}

static dsc_status subset(const char *fn, dsc_dataset **out, const dsc_dataset *ds, const size_t *rows,
                         size_t count) {
    dsc_dataset *s = NULL;
    DSC_TRY(dsc__dataset_alloc(fn, &s, count, ds->features, ds->outputs, ds->classes));
    gather_rows(ds, rows, count, s->inputs, s->targets, s->labels);
    *out = s;
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_subset(dsc_dataset **out, const dsc_dataset *ds, const size_t *rows,
                                      size_t count) {
    const char *fn = "dsc_dataset_subset";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(count == 0, DSC_E_ARG, "%s: count is 0; it must be at least 1", fn);
    DSC_RETURN_IF(rows == NULL, DSC_E_ARG, "%s: rows is NULL", fn);
    DSC_TRY(check_rows(fn, ds, rows, count));
    return subset(fn, out, ds, rows, count);
}

DSC_API dsc_status dsc_dataset_split(dsc_dataset **train, dsc_dataset **val, const dsc_dataset *ds,
                                     double val_fraction, uint64_t seed) {
    const char *fn = "dsc_dataset_split";
    if (train != NULL) *train = NULL;
    if (val != NULL) *val = NULL;
    DSC_RETURN_IF(train == NULL, DSC_E_ARG, "%s: train is NULL", fn);
    DSC_RETURN_IF(val == NULL, DSC_E_ARG, "%s: val is NULL", fn);
    DSC_RETURN_IF((void *)train == (void *)val, DSC_E_ARG, "%s: train and val are the same pointer", fn);
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(!(val_fraction > 0.0 && val_fraction < 1.0), DSC_E_ARG,
                  "%s: val_fraction is %g; it must be in (0, 1)", fn, val_fraction);
    /* Rounded to nearest, at least one row; the training part must keep one too. */
    double want = floor(val_fraction * (double)ds->count + 0.5);
    size_t n_val = want < 1.0 ? 1 : (want >= (double)ds->count ? ds->count : (size_t)want);
    DSC_RETURN_IF(n_val >= ds->count, DSC_E_ARG,
                  "%s: val_fraction %g of %zu rows leaves no training rows", fn, val_fraction, ds->count);

    size_t *perm = dsc__calloc(ds->count, sizeof(size_t)); /* NULL on overflow too */
    DSC_RETURN_IF(perm == NULL, DSC_E_NOMEM, "%s: out of memory for a permutation of %zu rows", fn,
                  ds->count);
    for (size_t i = 0; i < ds->count; i++) perm[i] = i;
    dsc_rng rng;
    dsc__rng_seed(&rng, seed);
    dsc__rng_shuffle(&rng, perm, ds->count);

    dsc_dataset *v = NULL, *t = NULL;
    dsc_status s = subset(fn, &v, ds, perm, n_val);
    if (s == DSC_OK) s = subset(fn, &t, ds, perm + n_val, ds->count - n_val);
    dsc__free(perm);
    if (s != DSC_OK) {
        dsc_dataset_free(v);
        return s;
    }
    *train = t;
    *val = v;
    return DSC_OK;
}

/* ---- statistics and transforms ------------------------------------------- */

/* Replaces borrowed inputs with an owned copy, so transforms never write the
 * host's array. On failure nothing has changed. */
static dsc_status own_inputs(const char *fn, dsc_dataset *ds) {
    if (ds->owns_inputs) return DSC_OK;
    const size_t n = ds->count * ds->features;
    float *copy = dsc__alloc(n * sizeof(float));
    DSC_RETURN_IF(copy == NULL, DSC_E_NOMEM, "%s: out of memory copying the borrowed inputs (%zu floats)",
                  fn, n);
    memcpy(copy, ds->inputs, n * sizeof(float));
    ds->inputs = copy;
    ds->owns_inputs = 1;
    return DSC_OK;
}

/* Min and max of columns [j0, j0+w) into lo/hi (doubles, exact for floats). */
static void block_minmax(const dsc_dataset *ds, size_t j0, size_t w, double *lo, double *hi) {
    for (size_t j = 0; j < w; j++) lo[j] = hi[j] = ds->inputs[j0 + j];
    for (size_t i = 1; i < ds->count; i++) {
        const float *x = ds->inputs + i * ds->features + j0;
        for (size_t j = 0; j < w; j++) {
            if (x[j] < lo[j]) lo[j] = x[j];
            if (x[j] > hi[j]) hi[j] = x[j];
        }
    }
}

/* Two-pass mean and population standard deviation of columns [j0, j0+w),
 * rounded to float as the public statistics are. */
static void block_meanstd(const dsc_dataset *ds, size_t j0, size_t w, float *mean, float *std) {
    double sum[COL_BLOCK] = {0}, dev[COL_BLOCK] = {0}, mu[COL_BLOCK];
    for (size_t i = 0; i < ds->count; i++) {
        const float *x = ds->inputs + i * ds->features + j0;
        for (size_t j = 0; j < w; j++) sum[j] += x[j];
    }
    for (size_t j = 0; j < w; j++) mu[j] = sum[j] / (double)ds->count;
    for (size_t i = 0; i < ds->count; i++) {
        const float *x = ds->inputs + i * ds->features + j0;
        for (size_t j = 0; j < w; j++) {
            const double d = x[j] - mu[j];
            dev[j] += d * d;
        }
    }
    for (size_t j = 0; j < w; j++) {
        mean[j] = (float)mu[j];
        std[j] = (float)sqrt(dev[j] / (double)ds->count);
    }
}

/* x' = (x - shift[j]) / div[j] in double, one rounding, over columns [j0, j0+w). */
static void block_affine(dsc_dataset *ds, size_t j0, size_t w, const double *shift, const double *div) {
    for (size_t i = 0; i < ds->count; i++) {
        float *x = ds->inputs + i * ds->features + j0;
        for (size_t j = 0; j < w; j++) x[j] = (float)(((double)x[j] - shift[j]) / div[j]);
    }
}

DSC_API dsc_status dsc_dataset_feature_minmax(const dsc_dataset *ds, float *min, float *max) {
    const char *fn = "dsc_dataset_feature_minmax";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(min == NULL || max == NULL, DSC_E_ARG, "%s: %s is NULL", fn, min == NULL ? "min" : "max");
    double lo[COL_BLOCK], hi[COL_BLOCK];
    for (size_t j0 = 0; j0 < ds->features; j0 += COL_BLOCK) {
        const size_t w = ds->features - j0 < COL_BLOCK ? ds->features - j0 : COL_BLOCK;
        block_minmax(ds, j0, w, lo, hi);
        for (size_t j = 0; j < w; j++) {
            min[j0 + j] = (float)lo[j];
            max[j0 + j] = (float)hi[j];
        }
    }
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_feature_meanstd(const dsc_dataset *ds, float *mean, float *std) {
    const char *fn = "dsc_dataset_feature_meanstd";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(mean == NULL || std == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  mean == NULL ? "mean" : "std");
    for (size_t j0 = 0; j0 < ds->features; j0 += COL_BLOCK) {
        const size_t w = ds->features - j0 < COL_BLOCK ? ds->features - j0 : COL_BLOCK;
        block_meanstd(ds, j0, w, mean + j0, std + j0);
    }
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_scale(dsc_dataset *ds, float divisor) {
    const char *fn = "dsc_dataset_scale";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF(!(isfinite(divisor) && divisor > 0.0f), DSC_E_ARG,
                  "%s: divisor is %g; it must be finite and greater than 0", fn, (double)divisor);
    DSC_TRY(own_inputs(fn, ds));
    const size_t n = ds->count * ds->features;
    const double d = divisor;
    /* Division in double then one rounding: 200/255 is the float nearest the quotient. */
    for (size_t i = 0; i < n; i++) ds->inputs[i] = (float)((double)ds->inputs[i] / d);
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_normalize_minmax(dsc_dataset *ds, const float *min, const float *max) {
    const char *fn = "dsc_dataset_normalize_minmax";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF((min == NULL) != (max == NULL), DSC_E_ARG,
                  "%s: give both min and max, or NULL for both to use the data set's own", fn);
    if (min != NULL) {
        for (size_t j = 0; j < ds->features; j++)
            DSC_RETURN_IF(!isfinite(min[j]) || !isfinite(max[j]) || max[j] < min[j], DSC_E_ARG,
                          "%s: feature %zu has min %g and max %g; both must be finite with min <= max", fn,
                          j, (double)min[j], (double)max[j]);
    }
    DSC_TRY(own_inputs(fn, ds));
    double lo[COL_BLOCK], hi[COL_BLOCK], span[COL_BLOCK];
    for (size_t j0 = 0; j0 < ds->features; j0 += COL_BLOCK) {
        const size_t w = ds->features - j0 < COL_BLOCK ? ds->features - j0 : COL_BLOCK;
        if (min == NULL) {
            block_minmax(ds, j0, w, lo, hi);
        } else {
            for (size_t j = 0; j < w; j++) {
                lo[j] = min[j0 + j];
                hi[j] = max[j0 + j];
            }
        }
        /* A constant feature maps to 0: (x - min) / 1 is 0 for x == min. With
         * another set's statistics x may differ from min; it then keeps its offset. */
        for (size_t j = 0; j < w; j++) span[j] = hi[j] > lo[j] ? hi[j] - lo[j] : 1.0;
        block_affine(ds, j0, w, lo, span);
    }
    return DSC_OK;
}

DSC_API dsc_status dsc_dataset_standardize(dsc_dataset *ds, const float *mean, const float *std) {
    const char *fn = "dsc_dataset_standardize";
    DSC_RETURN_IF(ds == NULL, DSC_E_ARG, "%s: data set is NULL", fn);
    DSC_RETURN_IF((mean == NULL) != (std == NULL), DSC_E_ARG,
                  "%s: give both mean and std, or NULL for both to use the data set's own", fn);
    if (mean != NULL) {
        for (size_t j = 0; j < ds->features; j++) {
            DSC_RETURN_IF(!isfinite(mean[j]), DSC_E_ARG, "%s: mean[%zu] is %g; it must be finite", fn, j,
                          (double)mean[j]);
            DSC_RETURN_IF(!(isfinite(std[j]) && std[j] >= 0.0f), DSC_E_ARG,
                          "%s: std[%zu] is %g; it must be finite and at least 0", fn, j, (double)std[j]);
        }
    }
    DSC_TRY(own_inputs(fn, ds));
    float m[COL_BLOCK], s[COL_BLOCK];
    double mu[COL_BLOCK], sd[COL_BLOCK];
    for (size_t j0 = 0; j0 < ds->features; j0 += COL_BLOCK) {
        const size_t w = ds->features - j0 < COL_BLOCK ? ds->features - j0 : COL_BLOCK;
        if (mean == NULL) {
            block_meanstd(ds, j0, w, m, s);
        } else {
            memcpy(m, mean + j0, w * sizeof(float));
            memcpy(s, std + j0, w * sizeof(float));
        }
        /* The float statistics are used either way, so standardizing with the
         * set's own statistics equals passing what feature_meanstd returns. */
        for (size_t j = 0; j < w; j++) {
            mu[j] = m[j];
            sd[j] = s[j] > 0.0f ? s[j] : 1.0;
        }
        block_affine(ds, j0, w, mu, sd);
    }
    return DSC_OK;
}
