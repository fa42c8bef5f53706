/* JSON helpers of lib/io (json.h). */
#include "json.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void attach(cJSON *parent, const char *key, cJSON *item, int *ok) {
    if (item == NULL) {
        *ok = 0;
        return;
    }
    cJSON_bool done = key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item);
    if (!done) {
        cJSON_Delete(item);
        *ok = 0;
    }
}

cJSON *dsc__jw_obj(cJSON *parent, const char *key, int *ok) {
    if (!*ok) return NULL;
    cJSON *o = cJSON_CreateObject();
    attach(parent, key, o, ok);
    return *ok ? o : NULL;
}

cJSON *dsc__jw_arr(cJSON *parent, const char *key, int *ok) {
    if (!*ok) return NULL;
    cJSON *a = cJSON_CreateArray();
    attach(parent, key, a, ok);
    return *ok ? a : NULL;
}

/* The shortest of "%.15g", "%.16g", "%.17g" that reads back to the same
 * double (17 digits always do; fewer keep 0.9 as "0.9"); the locale's
 * decimal point (a host may have called setlocale) is put back to '.'. */
static void format_double(char *buf, size_t size, double v) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &v, sizeof v) == 0) break;
    }
    const char *dp = localeconv()->decimal_point;
    if (dp == NULL || dp[0] == '\0' || strcmp(dp, ".") == 0) return;
    char *at = strstr(buf, dp);
    if (at == NULL) return;
    size_t len = strlen(dp);
    *at = '.';
    memmove(at + 1, at + len, strlen(at + len) + 1);
}

void dsc__jw_num(cJSON *parent, const char *key, double v, int *ok) {
    if (!*ok) return;
    if (isnan(v)) {
        attach(parent, key, cJSON_CreateString("NaN"), ok);
    } else if (isinf(v)) {
        attach(parent, key, cJSON_CreateString(v > 0 ? "Infinity" : "-Infinity"), ok);
    } else {
        char buf[40];
        format_double(buf, sizeof buf, v);
        attach(parent, key, cJSON_CreateRaw(buf), ok);
    }
}

void dsc__jw_count(cJSON *parent, const char *key, uint64_t v, int *ok) {
    if (!*ok) return;
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    attach(parent, key, cJSON_CreateRaw(buf), ok);
}

void dsc__jw_u64(cJSON *parent, const char *key, uint64_t v, int *ok) {
    if (!*ok) return;
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    attach(parent, key, cJSON_CreateString(buf), ok);
}

void dsc__jw_str(cJSON *parent, const char *key, const char *v, int *ok) {
    if (!*ok) return;
    attach(parent, key, cJSON_CreateString(v), ok);
}

void dsc__jw_bool(cJSON *parent, const char *key, int v, int *ok) {
    if (!*ok) return;
    attach(parent, key, cJSON_CreateBool(v != 0), ok);
}

char *dsc__jw_finish(cJSON *root, int ok) {
    char *text = ok && root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) return NULL;
    size_t n = strlen(text);
    char *copy = dsc__alloc(n + 1);
    if (copy != NULL) memcpy(copy, text, n + 1);
    cJSON_free(text);
    return copy;
}

/* ---- reading -------------------------------------------------------------- */

#define BAD(c, ...) bad(c, __VA_ARGS__)

static dsc_status bad(const dsc__jr *c, const char *fmt, ...) DSC_PRINTF(2, 3);
static dsc_status bad(const dsc__jr *c, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dsc__error(DSC_E_FORMAT, "%s: %s: %s: %s", c->fn, c->what, c->where, msg);
}

dsc_status dsc__jr_parse(const dsc__jr *c, const char *text, cJSON **out) {
    *out = cJSON_Parse(text);
    if (*out == NULL) return BAD(c, "not valid JSON");
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return BAD(c, "not a JSON object");
    }
    return DSC_OK;
}

static dsc_status member(const dsc__jr *c, const cJSON *obj, const char *key, const cJSON **out) {
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out == NULL) return BAD(c, "\"%s\" is missing", key);
    return DSC_OK;
}

dsc_status dsc__jr_obj(const dsc__jr *c, const cJSON *obj, const char *key, const cJSON **out) {
    DSC_TRY(member(c, obj, key, out));
    if (!cJSON_IsObject(*out)) return BAD(c, "\"%s\" is not a JSON object", key);
    return DSC_OK;
}

dsc_status dsc__jr_arr(const dsc__jr *c, const cJSON *obj, const char *key, const cJSON **out) {
    DSC_TRY(member(c, obj, key, out));
    if (!cJSON_IsArray(*out)) return BAD(c, "\"%s\" is not a JSON array", key);
    return DSC_OK;
}

static int read_num(const cJSON *v, double *out) {
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    if (!cJSON_IsString(v)) return 0;
    if (strcmp(v->valuestring, "NaN") == 0) *out = NAN;
    else if (strcmp(v->valuestring, "Infinity") == 0) *out = INFINITY;
    else if (strcmp(v->valuestring, "-Infinity") == 0) *out = -INFINITY;
    else return 0;
    return 1;
}

dsc_status dsc__jr_num(const dsc__jr *c, const cJSON *obj, const char *key, double *out) {
    const cJSON *v;
    DSC_TRY(member(c, obj, key, &v));
    if (!read_num(v, out))
        return BAD(c, "\"%s\" is not a number (or \"NaN\", \"Infinity\", \"-Infinity\")", key);
    return DSC_OK;
}

dsc_status dsc__jr_elem_num(const dsc__jr *c, const cJSON *v, size_t index, double *out) {
    if (!read_num(v, out)) return BAD(c, "element %zu is not a number", index);
    return DSC_OK;
}

dsc_status dsc__jr_int(const dsc__jr *c, const cJSON *obj, const char *key, double lo, double hi,
                       double *out) {
    const cJSON *v;
    DSC_TRY(member(c, obj, key, &v));
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(x >= lo && x <= hi) || x != floor(x))
        return BAD(c, "\"%s\" is not an integer in [%.17g, %.17g]", key, lo, hi);
    *out = x;
    return DSC_OK;
}

dsc_status dsc__jr_count(const dsc__jr *c, const cJSON *obj, const char *key, uint64_t *out) {
    double x = 0;
    DSC_TRY(dsc__jr_int(c, obj, key, 0.0, 9007199254740992.0, &x));
    *out = (uint64_t)x;
    return DSC_OK;
}

dsc_status dsc__jr_u64(const dsc__jr *c, const cJSON *obj, const char *key, uint64_t *out) {
    const cJSON *v;
    DSC_TRY(member(c, obj, key, &v));
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    uint64_t x = 0;
    int good = s != NULL && s[0] != '\0' && strlen(s) <= 20;
    for (const char *p = s; good && *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10) good = 0;
        else x = x * 10 + d;
    }
    if (!good) return BAD(c, "\"%s\" is not a string of decimal digits below 2^64", key);
    *out = x;
    return DSC_OK;
}

dsc_status dsc__jr_str(const dsc__jr *c, const cJSON *obj, const char *key, const char **out) {
    const cJSON *v;
    DSC_TRY(member(c, obj, key, &v));
    if (!cJSON_IsString(v)) return BAD(c, "\"%s\" is not a string", key);
    *out = v->valuestring;
    return DSC_OK;
}

dsc_status dsc__jr_bool(const dsc__jr *c, const cJSON *obj, const char *key, int *out) {
    const cJSON *v;
    DSC_TRY(member(c, obj, key, &v));
    if (!cJSON_IsBool(v)) return BAD(c, "\"%s\" is not true or false", key);
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return DSC_OK;
}

dsc_status dsc__jr_only(const dsc__jr *c, const cJSON *obj, const char *const *keys, size_t n) {
    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        size_t i = 0;
        while (i < n && strcmp(m->string, keys[i]) != 0) i++;
        if (i == n) return BAD(c, "unexpected member \"%s\"", m->string);
        for (const cJSON *o = obj->child; o != m; o = o->next)
            if (strcmp(o->string, m->string) == 0) return BAD(c, "\"%s\" appears twice", m->string);
    }
    return DSC_OK;
}
