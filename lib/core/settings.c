/* The one checker of keyed settings (see settings.h). */
#include "settings.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

const dsc__setting *dsc__setting_find(const dsc__setting *rows, size_t n, int key) {
    for (size_t i = 0; i < n; i++)
        if (rows[i].key == key) return &rows[i];
    return NULL;
}

dsc_status dsc__setting_lookup(const dsc__setting *rows, size_t n, int key, const char *fn,
                               const char *object, const dsc__setting **row) {
    *row = dsc__setting_find(rows, n, key);
    DSC_RETURN_IF(*row == NULL, DSC_E_UNSUPPORTED, "%s: %s has no setting with key %d", fn, object,
                  key);
    return DSC_OK;
}

/* A bound as the reader wrote it: powers of two from 2^16 up (2^20, 2^31,
 * 2^53...) by exponent, which %g would round; others with %g. */
static void bound_text(char *buf, size_t size, double v) {
    int e = 0;
    if (v >= 65536.0 && isfinite(v) && frexp(v, &e) == 0.5)
        snprintf(buf, size, "2^%d", e - 1);
    else
        snprintf(buf, size, "%g", v);
}

dsc_status dsc__setting_check(const dsc__setting *row, double v, const char *fn) {
    unsigned f = row->flags;
    if (f & DSC__SET_BOOL) {
        DSC_RETURN_IF(v != 0.0 && v != 1.0, DSC_E_ARG, "%s: %s is %g; it must be 0 or 1", fn,
                      row->name, v);
        return DSC_OK;
    }
    int lo_open = (f & DSC__SET_LO_OPEN) != 0, hi_open = (f & DSC__SET_HI_OPEN) != 0;
    int bounded = !isinf(row->hi);
    int ok = isfinite(v) && (lo_open ? v > row->lo : v >= row->lo) &&
             (!bounded || (hi_open ? v < row->hi : v <= row->hi)) &&
             (!(f & DSC__SET_INT) || v == floor(v));
    if (ok) return DSC_OK;
    char lo[32], hi[32];
    bound_text(lo, sizeof lo, row->lo);
    bound_text(hi, sizeof hi, row->hi);
    const char *what = (f & DSC__SET_INT) ? "an integer" : "a finite number";
    if (!bounded)
        return dsc__error(DSC_E_ARG, "%s: %s is %g; it must be %s %s %s", fn, row->name, v, what,
                          lo_open ? ">" : ">=", lo);
    return dsc__error(DSC_E_ARG, "%s: %s is %g; it must be %s in %c%s, %s%c", fn, row->name, v,
                      what, lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
}

void dsc__setting_bounds(const dsc__setting *row, double *lo, double *hi) {
    if (row->flags & DSC__SET_BOOL) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    *lo = (row->flags & DSC__SET_LO_OPEN) ? nextafter(row->lo, HUGE_VAL) : row->lo;
    *hi = isinf(row->hi) ? DBL_MAX
          : (row->flags & DSC__SET_HI_OPEN) ? nextafter(row->hi, -HUGE_VAL)
                                             : row->hi;
}

dsc_status dsc__setting_query_bounds(const dsc__setting *rows, size_t n, int key, const char *fn,
                                     const char *object, double *lo, double *hi) {
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn, lo ? "hi" : "lo");
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(rows, n, key, fn, object, &row));
    dsc__setting_bounds(row, lo, hi);
    return DSC_OK;
}

dsc_status dsc__setting_query_default(const dsc__setting *rows, size_t n, int key,
                                      const char *fn, const char *object, double *out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(rows, n, key, fn, object, &row));
    *out = (row->flags & DSC__SET_REQUIRED) ? NAN : row->def;
    return DSC_OK;
}
