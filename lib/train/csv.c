/* CSV files with a header line: every column numeric, one of them the target
 * (a float, or an integer class label), the others the input features in
 * file order. The whole file is read into memory; a first pass counts the
 * rows, a second parses them into the data set's arrays, so nothing grows.
 * dsc__dataset_load_csv_mem parses bytes already in memory the same way. */
#include "../core/common.h"
#include "dataset_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const FN = "dsc_dataset_load_csv";

/* Longest field text handled as a number; longer fields are refused. */
#define FIELD_MAX 127

typedef struct line {
    const char *p;       /* first byte */
    size_t len;          /* bytes up to the '\n', without a trailing '\r' */
    size_t number;       /* 1-based line number in the file */
} line;

typedef struct cursor {
    const char *p, *end; /* unread part of the file */
    size_t number;       /* lines consumed so far */
} cursor;

static int next_line(cursor *c, line *l) {
    if (c->p >= c->end) return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl != NULL ? nl : c->end;
    l->p = c->p;
    l->len = (size_t)(stop - c->p);
    if (l->len > 0 && l->p[l->len - 1] == '\r') l->len--;
    l->number = ++c->number;
    c->p = nl != NULL ? nl + 1 : c->end;
    return 1;
}

static int is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static int is_blank(const line *l) {
    for (size_t i = 0; i < l->len; i++)
        if (!is_space(l->p[i])) return 0;
    return 1;
}

/* The next comma-separated field of [*p, end), trimmed and unquoted; advances
 * *p past the comma. */
static void next_field(const char **p, const char *end, const char **f, size_t *flen) {
    const char *s = *p, *comma = memchr(s, ',', (size_t)(end - s));
    const char *e = comma != NULL ? comma : end;
    *p = comma != NULL ? comma + 1 : end;
    while (s < e && is_space(*s)) s++;
    while (e > s && is_space(e[-1])) e--;
    if (e - s >= 2 && *s == '"' && e[-1] == '"') {
        s++;
        e--;
    }
    *f = s;
    *flen = (size_t)(e - s);
}

static size_t count_fields(const line *l) {
    size_t n = 1;
    for (size_t i = 0; i < l->len; i++) n += l->p[i] == ',';
    return n;
}

static dsc_status read_file(const char *path, char **data, size_t *size) {
    FILE *f = fopen(path, "rb");
    DSC_RETURN_IF(f == NULL, DSC_E_IO, "%s: %s: cannot open: %s", FN, path, strerror(errno));
    struct stat st;
    dsc_status s = DSC_OK;
    char *buf = NULL;
    if (fstat(fileno(f), &st) != 0) {
        s = dsc__error(DSC_E_IO, "%s: %s: cannot stat: %s", FN, path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        s = dsc__error(DSC_E_IO, "%s: %s: not a regular file", FN, path);
    } else if ((uint64_t)st.st_size >= SIZE_MAX) {
        s = dsc__error(DSC_E_NOMEM, "%s: %s: %lld bytes do not fit in memory", FN, path,
                       (long long)st.st_size);
    } else {
        const size_t n = (size_t)st.st_size;
        buf = dsc__alloc(n + 1);
        if (buf == NULL) {
            s = dsc__error(DSC_E_NOMEM, "%s: %s: out of memory for the file's %zu bytes", FN, path, n);
        } else if (fread(buf, 1, n, f) != n || ferror(f)) {
            s = ferror(f) ? dsc__error(DSC_E_IO, "%s: %s: read failed: %s", FN, path, strerror(errno))
                          : dsc__error(DSC_E_IO, "%s: %s: the file shrank while being read", FN, path);
        } else {
            buf[n] = '\0';
            *size = n;
        }
    }
    fclose(f);
    if (s != DSC_OK) {
        dsc__free(buf);
        return s;
    }
    *data = buf;
    return DSC_OK;
}

/* Header: column count and the target column. */
static dsc_status parse_header(const char *path, const line *h, const char *target_name,
                               size_t target_index, size_t *columns, size_t *target) {
    const size_t n = count_fields(h);
    DSC_RETURN_IF(n < 2, DSC_E_FORMAT,
                  "%s: %s: line 1: the header names 1 column; a data set needs at least 2 (inputs and a target)",
                  FN, path);
    if (target_name == NULL) {
        DSC_RETURN_IF(target_index >= n, DSC_E_ARG,
                      "%s: %s: target_index is %zu but the header names %zu columns (0..%zu)", FN, path,
                      target_index, n, n - 1);
        *target = target_index;
    } else {
        const size_t want = strlen(target_name);
        size_t found = n;
        const char *p = h->p, *end = h->p + h->len;
        for (size_t i = 0; i < n; i++) {
            const char *f;
            size_t flen;
            next_field(&p, end, &f, &flen);
            if (flen == want && memcmp(f, target_name, want) == 0) {
                DSC_RETURN_IF(found != n, DSC_E_FORMAT,
                              "%s: %s: line 1: columns %zu and %zu are both named '%s'", FN, path, found, i,
                              target_name);
                found = i;
            }
        }
        DSC_RETURN_IF(found == n, DSC_E_ARG, "%s: %s: the header has no column named '%s'", FN, path,
                      target_name);
        *target = found;
    }
    *columns = n;
    return DSC_OK;
}

static dsc_status parse_number(const char *path, const line *l, size_t col, const char *f, size_t flen,
                               double *out) {
    char buf[FIELD_MAX + 1];
    DSC_RETURN_IF(flen == 0, DSC_E_FORMAT, "%s: %s: line %zu, column %zu: empty field; a number is needed",
                  FN, path, l->number, col);
    DSC_RETURN_IF(flen > FIELD_MAX, DSC_E_FORMAT,
                  "%s: %s: line %zu, column %zu: a %zu-character field is not a number", FN, path, l->number,
                  col, flen);
    memcpy(buf, f, flen);
    buf[flen] = '\0';
    char *stop;
    const double v = strtod(buf, &stop);
    DSC_RETURN_IF(stop != buf + flen, DSC_E_FORMAT, "%s: %s: line %zu, column %zu: '%s' is not a number",
                  FN, path, l->number, col, buf);
    DSC_RETURN_IF(!isfinite((float)v), DSC_E_FORMAT,
                  "%s: %s: line %zu, column %zu: '%s' is not a finite float", FN, path, l->number, col, buf);
    *out = v;
    return DSC_OK;
}

static dsc_status parse_rows(const char *path, cursor *c, dsc_dataset *ds, size_t columns, size_t target) {
    line l;
    size_t row = 0;
    while (next_line(c, &l)) {
        if (is_blank(&l)) continue;
        const size_t n = count_fields(&l);
        DSC_RETURN_IF(n != columns, DSC_E_FORMAT, "%s: %s: line %zu has %zu fields; the header has %zu", FN,
                      path, l.number, n, columns);
        const char *p = l.p, *end = l.p + l.len;
        float *x = ds->inputs + row * ds->features;
        for (size_t col = 0; col < columns; col++) {
            const char *f;
            size_t flen;
            double v = 0.0;
            next_field(&p, end, &f, &flen);
            DSC_TRY(parse_number(path, &l, col, f, flen, &v));
            if (col != target) {
                *x++ = (float)v;
            } else if (ds->classes == 0) {
                ds->targets[row] = (float)v;
            } else {
                DSC_RETURN_IF(v != floor(v) || v < 0 || v >= (double)ds->classes, DSC_E_FORMAT,
                              "%s: %s: line %zu, column %zu: label %g is not an integer in [0, %zu)", FN,
                              path, l.number, col, v, ds->classes);
                ds->labels[row] = (int32_t)v;
            }
        }
        row++;
    }
    return DSC_OK;
}

static dsc_status load(dsc_dataset **out, const char *path, const char *data, size_t size,
                       const char *target_name, size_t target_index, size_t classes) {
    cursor c = {data, data + size, 0};
    /* A UTF-8 byte-order mark, as spreadsheet programs write. */
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) c.p += 3;
    line h;
    DSC_RETURN_IF(!next_line(&c, &h) || is_blank(&h), DSC_E_FORMAT,
                  "%s: %s: line 1: no header line (the file is empty or starts with a blank line)", FN, path);
    size_t columns = 0, target = 0;
    DSC_TRY(parse_header(path, &h, target_name, target_index, &columns, &target));

    cursor first = c;
    size_t rows = 0;
    line l;
    while (next_line(&c, &l)) rows += !is_blank(&l);
    DSC_RETURN_IF(rows == 0, DSC_E_FORMAT, "%s: %s: no data rows after the header", FN, path);

    dsc_dataset *ds = NULL;
    DSC_TRY(dsc__dataset_alloc(FN, &ds, rows, columns - 1, 1, classes));
    const dsc_status s = parse_rows(path, &first, ds, columns, target);
    if (s != DSC_OK) {
        dsc_dataset_free(ds);
        return s;
    }
    *out = ds;
    return DSC_OK;
}

static dsc_status check_args(dsc_dataset **out, const char *path, size_t classes) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", FN);
    *out = NULL;
    DSC_RETURN_IF(path == NULL, DSC_E_ARG, "%s: path is NULL", FN);
    DSC_RETURN_IF(classes > INT32_MAX, DSC_E_ARG,
                  "%s: classes is %zu; it must be 0 (float target) or 1..%d (labels)", FN, classes,
                  INT32_MAX);
    return DSC_OK;
}

dsc_status dsc__dataset_load_csv_mem(dsc_dataset **out, const char *name, const char *data, size_t size,
                                     const char *target_name, size_t target_index, size_t classes) {
    DSC_TRY(check_args(out, name, classes));
    DSC_RETURN_IF(data == NULL, DSC_E_ARG, "%s: data is NULL", FN);
    return load(out, name, data, size, target_name, target_index, classes);
}

DSC_API dsc_status dsc_dataset_load_csv(dsc_dataset **out, const char *path, const char *target_name,
                                        size_t target_index, size_t classes) {
    DSC_TRY(check_args(out, path, classes));
    char *data = NULL;
    size_t size = 0;
    DSC_TRY(read_file(path, &data, &size));
    const dsc_status s = load(out, path, data, size, target_name, target_index, classes);
    dsc__free(data);
    return s;
}
