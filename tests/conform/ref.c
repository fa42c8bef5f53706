/* The `descent-ref 1` reader: the lexical rules of ref.h, checked strictly so
 * a malformed file fails loudly instead of passing by accident. */
#include "ref.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ref_fail(ref_result *r, const char *fmt, ...) {
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof r->msg, fmt, ap);
        va_end(ap);
        r->failed = 1;
    }
    return -1;
}

static int parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return -1;
    *out = v;
    return 0;
}

static void free_line(ref_line *l) {
    free(l->keyword);
    for (size_t i = 0; i < l->ntok; i++) free(l->tok[i]);
    free(l->tok);
}

void ref_free(ref_case *c) {
    for (size_t i = 0; i < c->nlines; i++) free_line(&c->lines[i]);
    free(c->lines);
    free(c->path);
    free(c->kind);
    free(c->name);
    free(c->variant);
    memset(c, 0, sizeof *c);
}

static int split(char *line, ref_line *out) {
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (char *t = strtok(line, " \t\r\n"); t != NULL; t = strtok(NULL, " \t\r\n")) {
        char *dup = strdup(t);
        if (dup == NULL) return -1;
        if (out->keyword == NULL) {
            out->keyword = dup;
            continue;
        }
        if (out->ntok == cap) {
            cap = cap ? cap * 2 : 16;
            char **nt = realloc(out->tok, cap * sizeof *nt);
            if (nt == NULL) { free(dup); return -1; }
            out->tok = nt;
        }
        out->tok[out->ntok++] = dup;
    }
    return 0;
}

#define LOAD_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int ref_load(const char *path, ref_case *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    c->path = strdup(path);
    char *buf = NULL;
    size_t bufcap = 0, cap = 0;
    long lineno = 0;
    int header = 0; /* lines of the header seen: descent-ref, kind, name, variant */
    while (getline(&buf, &bufcap, f) != -1) {
        lineno++;
        char *p = buf;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        ref_line l;
        if (split(buf, &l) != 0) LOAD_FAIL("out of memory");
        if (l.keyword == NULL) { free_line(&l); continue; }
        static const char *const head[4] = {"descent-ref", "kind", "name", "variant"};
        if (header < 4) {
            if (strcmp(l.keyword, head[header]) != 0 || l.ntok != 1) {
                free_line(&l);
                LOAD_FAIL("line %ld: expected '%s <value>' here", lineno, head[header]);
            }
            if (header == 0 && strcmp(l.tok[0], "1") != 0) {
                free_line(&l);
                LOAD_FAIL("line %ld: unsupported format version (want descent-ref 1)", lineno);
            }
            if (header == 1) c->kind = strdup(l.tok[0]);
            if (header == 2) c->name = strdup(l.tok[0]);
            if (header == 3) c->variant = strdup(l.tok[0]);
            header++;
            free_line(&l);
            continue;
        }
        for (int h = 0; h < 4; h++)
            if (strcmp(l.keyword, head[h]) == 0) {
                free_line(&l);
                LOAD_FAIL("line %ld: '%s' appears twice", lineno, head[h]);
            }
        if (strcmp(l.keyword, "param") == 0) {
            if (l.ntok != 2) { free_line(&l); LOAD_FAIL("line %ld: param needs a key and a value", lineno); }
            for (size_t i = 0; i < c->nlines; i++)
                if (strcmp(c->lines[i].keyword, "param") == 0 && strcmp(c->lines[i].tok[0], l.tok[0]) == 0) {
                    free_line(&l);
                    LOAD_FAIL("line %ld: param %s appears twice", lineno, c->lines[i].tok[0]);
                }
        }
        if (c->nlines == cap) {
            cap = cap ? cap * 2 : 64;
            ref_line *nl = realloc(c->lines, cap * sizeof *nl);
            if (nl == NULL) { free_line(&l); LOAD_FAIL("out of memory"); }
            c->lines = nl;
        }
        c->lines[c->nlines++] = l;
    }
    if (header < 4) LOAD_FAIL("missing header lines (descent-ref 1, kind, name, variant)");
    /* Indexed vector lines: each (keyword, index) at most once. */
    for (size_t i = 0; i < c->nlines; i++) {
        ref_line *a = &c->lines[i];
        if (strcmp(a->keyword, "param") == 0 || strcmp(a->keyword, "layer") == 0 || a->ntok < 2) continue;
        long ia;
        if (parse_long(a->tok[0], &ia) != 0) continue;
        for (size_t j = i + 1; j < c->nlines; j++) {
            ref_line *b = &c->lines[j];
            long ib;
            if (strcmp(a->keyword, b->keyword) == 0 && b->ntok >= 1 && parse_long(b->tok[0], &ib) == 0 && ia == ib)
                LOAD_FAIL("'%s %ld' appears twice", a->keyword, ia);
        }
    }
    snprintf(c->id, sizeof c->id, "%s-%s-%s", c->kind, c->name, c->variant);
    free(buf);
    fclose(f);
    return 0;
fail:
    free(buf);
    fclose(f);
    ref_free(c);
    return -1;
}

static ref_line *find_param(ref_case *c, const char *key) {
    for (size_t i = 0; i < c->nlines; i++)
        if (strcmp(c->lines[i].keyword, "param") == 0 && strcmp(c->lines[i].tok[0], key) == 0)
            return &c->lines[i];
    return NULL;
}

int ref_has_param(ref_case *c, const char *key) {
    return find_param(c, key) != NULL;
}

const char *ref_param_str(ref_case *c, ref_result *r, const char *key) {
    ref_line *l = find_param(c, key);
    if (l == NULL) {
        ref_fail(r, "param %s is missing", key);
        return NULL;
    }
    l->used = 1;
    return l->tok[1];
}

int ref_param_double(ref_case *c, ref_result *r, const char *key, double *out) {
    const char *s = ref_param_str(c, r, key);
    if (s == NULL) return -1;
    if (parse_double(s, out) != 0) return ref_fail(r, "param %s: '%s' is not a finite number", key, s);
    return 0;
}

int ref_param_long(ref_case *c, ref_result *r, const char *key, long *out) {
    const char *s = ref_param_str(c, r, key);
    if (s == NULL) return -1;
    if (parse_long(s, out) != 0) return ref_fail(r, "param %s: '%s' is not an integer", key, s);
    return 0;
}

int ref_param_list(ref_case *c, ref_result *r, const char *key, long *out, size_t cap, size_t *n) {
    const char *s = ref_param_str(c, r, key);
    if (s == NULL) return -1;
    *n = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (*n == cap) return ref_fail(r, "param %s: more than %zu entries", key, cap);
        if (parse_long(t, &out[*n]) != 0) return ref_fail(r, "param %s: '%s' is not an integer", key, t);
        (*n)++;
    }
    return 0;
}

int ref_check_params_used(ref_case *c, ref_result *r) {
    for (size_t i = 0; i < c->nlines; i++)
        if (strcmp(c->lines[i].keyword, "param") == 0 && !c->lines[i].used)
            return ref_fail(r, "param %s is not understood", c->lines[i].tok[0]);
    return 0;
}

ref_line *ref_single(ref_case *c, ref_result *r, const char *keyword) {
    ref_line *found = NULL;
    for (size_t i = 0; i < c->nlines; i++)
        if (strcmp(c->lines[i].keyword, keyword) == 0) {
            if (found != NULL) {
                ref_fail(r, "'%s' appears twice", keyword);
                return NULL;
            }
            found = &c->lines[i];
        }
    if (found == NULL) ref_fail(r, "'%s' is missing", keyword);
    return found;
}

size_t ref_lines(ref_case *c, const char *keyword, ref_line **out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < c->nlines; i++)
        if (strcmp(c->lines[i].keyword, keyword) == 0) {
            if (n < cap) out[n] = &c->lines[i];
            n++;
        }
    return n;
}

static ref_line *find_vector(ref_case *c, const char *keyword, long index) {
    for (size_t i = 0; i < c->nlines; i++) {
        ref_line *l = &c->lines[i];
        long idx;
        if (strcmp(l->keyword, keyword) == 0 && l->ntok >= 1 && parse_long(l->tok[0], &idx) == 0 && idx == index)
            return l;
    }
    return NULL;
}

int ref_has_vector(ref_case *c, const char *keyword, long index) {
    return find_vector(c, keyword, index) != NULL;
}

long ref_vector(ref_case *c, ref_result *r, const char *keyword, long index, double *out, size_t cap) {
    ref_line *l = find_vector(c, keyword, index);
    if (l == NULL) return ref_fail(r, "'%s %ld' is missing", keyword, index);
    if (l->ntok - 1 > cap) return ref_fail(r, "'%s %ld' has %zu values, expected at most %zu", keyword, index, l->ntok - 1, cap);
    for (size_t i = 1; i < l->ntok; i++)
        if (parse_double(l->tok[i], &out[i - 1]) != 0)
            return ref_fail(r, "'%s %ld': value %zu ('%s') is not a finite number", keyword, index, i - 1, l->tok[i]);
    return (long)(l->ntok - 1);
}

long ref_vector_count(ref_case *c, ref_result *r, const char *keyword, long first) {
    long n = 0, lo = 0, hi = -1;
    for (size_t i = 0; i < c->nlines; i++) {
        ref_line *l = &c->lines[i];
        long idx;
        if (strcmp(l->keyword, keyword) != 0) continue;
        if (l->ntok < 1 || parse_long(l->tok[0], &idx) != 0) return ref_fail(r, "'%s' line without an index", keyword);
        if (n == 0 || idx < lo) lo = idx;
        if (n == 0 || idx > hi) hi = idx;
        n++;
    }
    if (n > 0 && (lo != first || hi - lo + 1 != n))
        return ref_fail(r, "'%s' indices are not contiguous from %ld", keyword, first);
    return n;
}

static double keyword_scale(ref_case *c, const char *keyword) {
    double s = 0;
    for (size_t i = 0; i < c->nlines; i++) {
        ref_line *l = &c->lines[i];
        if (strcmp(l->keyword, keyword) != 0) continue;
        for (size_t j = 1; j < l->ntok; j++) {
            double v;
            if (parse_double(l->tok[j], &v) == 0 && fabs(v) > s) s = fabs(v);
        }
    }
    return s;
}

int ref_check(ref_case *c, ref_result *r, const char *keyword, long t, const double *got, size_t n,
              double rtol, double atol) {
    double want[4096];
    double *w = n <= 4096 ? want : malloc(n * sizeof *w);
    if (w == NULL) return ref_fail(r, "out of memory");
    int rc = 0;
    long m = ref_vector(c, r, keyword, t, w, n);
    if (m < 0) rc = -1;
    else if ((size_t)m != n) rc = ref_fail(r, "'%s %ld' has %ld values, the library gave %zu", keyword, t, m, n);
    else {
        double scale = keyword_scale(c, keyword);
        for (size_t i = 0; i < n; i++)
            if (!(fabs(got[i] - w[i]) <= rtol * fabs(w[i]) + atol * scale)) {
                rc = ref_fail(r, "%s t %ld index %zu got %.9g ref %.9g", keyword, t, i, got[i], w[i]);
                break;
            }
    }
    if (w != want) free(w);
    return rc;
}

int ref_check_f(ref_case *c, ref_result *r, const char *keyword, long t, const float *got, size_t n,
                double rtol, double atol) {
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d == NULL) return ref_fail(r, "out of memory");
    for (size_t i = 0; i < n; i++) d[i] = got[i];
    int rc = ref_check(c, r, keyword, t, d, n, rtol, atol);
    free(d);
    return rc;
}
