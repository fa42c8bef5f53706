/* The one checker of keyed settings. Every object with enum-keyed setters
 * (optimizer, scheduler, trainer, search, loss) describes each key with a
 * dsc__setting row and validates, bounds and defaults through these
 * functions, so a range is written once and reads the same everywhere.
 * Never installed. */
#ifndef DSC_CORE_SETTINGS_H
#define DSC_CORE_SETTINGS_H

#include "common.h"

#include <stddef.h>

/* Largest integers a double holds exactly, and the usual count bound. */
#define DSC__TWO_53 9007199254740992.0
#define DSC__TWO_32 4294967296.0
#define DSC__TWO_31 2147483648.0

/* Flags of a row. Bits from DSC__SET_OWN up are the object's own (when a
 * key may change, whether it is per group...); the checker ignores them. */
enum {
    DSC__SET_LO_OPEN = 1u << 0,  /* lo itself is refused */
    DSC__SET_HI_OPEN = 1u << 1,  /* hi itself is refused */
    DSC__SET_INT = 1u << 2,      /* integral values only */
    DSC__SET_BOOL = 1u << 3,     /* 0 or 1 (lo and hi are ignored) */
    DSC__SET_REQUIRED = 1u << 4, /* no default: def is NaN and the object needs a value */
    DSC__SET_OWN = 1u << 8
};

/* One key. hi = INFINITY means no upper bound (every value must still be
 * finite). def is NaN for a required key. */
typedef struct dsc__setting {
    int key;
    const char *name; /* the PyTorch (or Keras) argument name, for messages */
    double def;
    double lo, hi;
    unsigned flags;
} dsc__setting;

/* The row of key in rows[0..n), or NULL. */
const dsc__setting *dsc__setting_find(const dsc__setting *rows, size_t n, int key);

/* The row of key, or DSC_E_UNSUPPORTED with "fn: <object> has no setting <key>". */
dsc_status dsc__setting_lookup(const dsc__setting *rows, size_t n, int key, const char *fn,
                               const char *object, const dsc__setting **row);

/* DSC_OK if value is acceptable for row; otherwise DSC_E_ARG with the
 * message "fn: <name> is <value>; it must be <range in words>". */
dsc_status dsc__setting_check(const dsc__setting *row, double value, const char *fn);

/* The public bounds query: open ends as the nearest double inside the
 * range, no upper bound as DBL_MAX; booleans as 0 and 1. */
void dsc__setting_bounds(const dsc__setting *row, double *lo, double *hi);

/* Shared argument checks and table lookup of every `_param_bounds` and
 * `_param_default` query (lo/hi or out NULL -> DSC_E_ARG). */
dsc_status dsc__setting_query_bounds(const dsc__setting *rows, size_t n, int key, const char *fn,
                                     const char *object, double *lo, double *hi);
dsc_status dsc__setting_query_default(const dsc__setting *rows, size_t n, int key,
                                      const char *fn, const char *object, double *out);

#endif
