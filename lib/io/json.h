/* JSON helpers of lib/io over cJSON: building the JSON documents stored in
 * metadata strings (numbers printed so they read back bit for bit), and
 * reading them with one clear DSC_E_FORMAT message per mistake. Encodings
 * (docs/checkpoint.md): a double is a JSON number printed with 17
 * significant digits, or one of the strings "NaN", "Infinity", "-Infinity";
 * a count is a JSON integer in [0, 2^53]; a 64-bit seed is a string of
 * decimal digits. Never installed. */
#ifndef DSC_IO_JSON_H
#define DSC_IO_JSON_H

#include "../core/common.h"

#include <cJSON.h>
#include <stdint.h>

/* ---- writing: every call is a no-op once *ok is 0, and clears it on failure. */

/* A child of parent: under key in an object, appended to an array when key is NULL. */
cJSON *dsc__jw_obj(cJSON *parent, const char *key, int *ok);
cJSON *dsc__jw_arr(cJSON *parent, const char *key, int *ok);
void dsc__jw_num(cJSON *parent, const char *key, double v, int *ok);
void dsc__jw_count(cJSON *parent, const char *key, uint64_t v, int *ok);
void dsc__jw_u64(cJSON *parent, const char *key, uint64_t v, int *ok);
void dsc__jw_str(cJSON *parent, const char *key, const char *v, int *ok);
void dsc__jw_bool(cJSON *parent, const char *key, int v, int *ok);
/* root printed without spaces, in memory from dsc__alloc (NULL if !*ok or
 * out of memory); root is deleted either way. */
char *dsc__jw_finish(cJSON *root, int ok);

/* ---- reading ----------------------------------------------------------- */

/* Where a reader is: the public function, the file, and the place in it,
 * for messages "fn: file: where: ...". */
typedef struct dsc__jr {
    const char *fn, *what;
    char where[160];
} dsc__jr;

/* Parses a metadata string holding a JSON object. */
dsc_status dsc__jr_parse(const dsc__jr *c, const char *text, cJSON **out);
/* The member key of obj (NULL and DSC_E_FORMAT if missing or not of its type). */
dsc_status dsc__jr_obj(const dsc__jr *c, const cJSON *obj, const char *key, const cJSON **out);
dsc_status dsc__jr_arr(const dsc__jr *c, const cJSON *obj, const char *key, const cJSON **out);
dsc_status dsc__jr_num(const dsc__jr *c, const cJSON *obj, const char *key, double *out);
/* An integer in [lo, hi] (hi at most 2^53). */
dsc_status dsc__jr_int(const dsc__jr *c, const cJSON *obj, const char *key, double lo, double hi,
                       double *out);
dsc_status dsc__jr_count(const dsc__jr *c, const cJSON *obj, const char *key, uint64_t *out);
dsc_status dsc__jr_u64(const dsc__jr *c, const cJSON *obj, const char *key, uint64_t *out);
dsc_status dsc__jr_str(const dsc__jr *c, const cJSON *obj, const char *key, const char **out);
dsc_status dsc__jr_bool(const dsc__jr *c, const cJSON *obj, const char *key, int *out);
/* Refuses a member of obj whose name is not among keys[0..n). */
dsc_status dsc__jr_only(const dsc__jr *c, const cJSON *obj, const char *const *keys, size_t n);
/* An element of an array as a double / count (the index names it). */
dsc_status dsc__jr_elem_num(const dsc__jr *c, const cJSON *v, size_t index, double *out);

#endif
