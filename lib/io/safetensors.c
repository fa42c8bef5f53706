/* safetensors reader and writer (safetensors.h). The reader follows the
 * reference implementation's rules (huggingface/safetensors): the header is
 * UTF-8 JSON, an object whose entries are tensors and one optional
 * "__metadata__" object of strings; every tensor has exactly dtype, shape
 * and data_offsets; the tensors' byte ranges tile the data area exactly,
 * with no gap, overlap or trailing byte. Each violation gets its own
 * DSC_E_FORMAT message naming the tensor. */
#include "safetensors.h"
#include "io.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
} dtypes[DSC__ST_NDTYPES] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
    {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
};

const char *dsc__st_dtype_name(dsc__st_dtype d) {
    return (unsigned)d < DSC__ST_NDTYPES ? dtypes[d].name : "?";
}

static uint64_t le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

void dsc__st_read_f32(const dsc__st_tensor *t, float *dst) {
    for (size_t i = 0; i < t->count; i++) {
        uint32_t u = le32(t->data + 4 * i);
        memcpy(&dst[i], &u, sizeof u);
    }
}

void dsc__st_read_f64(const dsc__st_tensor *t, double *dst) {
    for (size_t i = 0; i < t->count; i++) {
        uint64_t u = le64(t->data + 8 * i);
        memcpy(&dst[i], &u, sizeof u);
    }
}

void dsc__st_read_i64(const dsc__st_tensor *t, int64_t *dst) {
    for (size_t i = 0; i < t->count; i++) {
        uint64_t u = le64(t->data + 8 * i);
        memcpy(&dst[i], &u, sizeof u);
    }
}

/* ---- reading -------------------------------------------------------------- */

/* Whether p[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). */
static int utf8_ok(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned min;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
        else return 0;
        if (n - i < len) return 0;
        unsigned cp = c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

/* A JSON number that is an integer in [0, 2^53]. */
static int json_index(const cJSON *j, size_t *out) {
    if (!cJSON_IsNumber(j)) return 0;
    double v = j->valuedouble;
    if (!(v >= 0.0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v) return 0;
    if ((uint64_t)v > SIZE_MAX) return 0;
    *out = (size_t)v;
    return 1;
}

typedef struct parse_ctx {
    const char *fn, *what;
    const unsigned char *data; /* first byte after the header */
    size_t data_size;
} parse_ctx;

/* Offsets kept beside each tensor while checking the tiling. */
typedef struct span {
    size_t begin, end;
    const char *name;
} span;

static int by_name(const void *a, const void *b) {
    return strcmp(((const dsc__st_tensor *)a)->name, ((const dsc__st_tensor *)b)->name);
}

static int by_offset(const void *a, const void *b) {
    const span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static int by_string(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define BAD(...) return dsc__error(DSC_E_FORMAT, __VA_ARGS__)

static dsc_status parse_entry(const parse_ctx *c, const cJSON *e, dsc__st_tensor *t, span *sp) {
    const char *fn = c->fn, *what = c->what, *name = e->string;
    if (!cJSON_IsObject(e))
        BAD("%s: %s: tensor \"%s\" is not a JSON object (dtype, shape, data_offsets)", fn, what, name);
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const cJSON *f = e->child; f != NULL; f = f->next) {
        const cJSON **slot = strcmp(f->string, "dtype") == 0 ? &dtype
                           : strcmp(f->string, "shape") == 0 ? &shape
                           : strcmp(f->string, "data_offsets") == 0 ? &offsets : NULL;
        if (slot == NULL)
            BAD("%s: %s: tensor \"%s\" has an unexpected field \"%s\" (a tensor has only dtype, "
                "shape and data_offsets)", fn, what, name, f->string);
        if (*slot != NULL) BAD("%s: %s: tensor \"%s\" has \"%s\" twice", fn, what, name, f->string);
        *slot = f;
    }
    if (dtype == NULL || shape == NULL || offsets == NULL)
        BAD("%s: %s: tensor \"%s\" has no \"%s\"", fn, what, name,
            dtype == NULL ? "dtype" : shape == NULL ? "shape" : "data_offsets");
    if (!cJSON_IsString(dtype))
        BAD("%s: %s: tensor \"%s\": dtype is not a string", fn, what, name);
    int d = -1;
    for (int i = 0; i < DSC__ST_NDTYPES; i++)
        if (strcmp(dtype->valuestring, dtypes[i].name) == 0) d = i;
    if (d < 0)
        BAD("%s: %s: tensor \"%s\" has dtype \"%s\", which is not a safetensors dtype (BOOL, "
            "U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)", fn,
            what, name, dtype->valuestring);
    t->name = name;
    t->dtype = (dsc__st_dtype)d;
    if (!cJSON_IsArray(shape))
        BAD("%s: %s: tensor \"%s\": shape is not an array", fn, what, name);
    int nd = cJSON_GetArraySize(shape);
    if (nd > DSC__ST_MAX_DIMS)
        BAD("%s: %s: tensor \"%s\" has %d dimensions; descent reads at most %d", fn, what, name,
            nd, DSC__ST_MAX_DIMS);
    t->ndim = (size_t)nd;
    size_t count = 1, i = 0;
    int overflow = 0;
    for (const cJSON *x = shape->child; x != NULL; x = x->next, i++) {
        if (!json_index(x, &t->shape[i]))
            BAD("%s: %s: tensor \"%s\": shape[%zu] is not an integer in [0, 2^53]", fn, what,
                name, i);
        if (!dsc__mul_ok(count, t->shape[i], &count)) overflow = 1;
    }
    size_t bytes = 0;
    if (overflow || !dsc__mul_ok(count, dtypes[d].size, &bytes))
        BAD("%s: %s: tensor \"%s\": the product of its shape overflows", fn, what, name);
    t->count = count;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2)
        BAD("%s: %s: tensor \"%s\": data_offsets is not an array [begin, end]", fn, what, name);
    size_t begin = 0, end = 0;
    if (!json_index(offsets->child, &begin) || !json_index(offsets->child->next, &end))
        BAD("%s: %s: tensor \"%s\": data_offsets are not integers in [0, 2^53]", fn, what, name);
    if (begin > end)
        BAD("%s: %s: tensor \"%s\": data_offsets [%zu, %zu] end before they begin", fn, what,
            name, begin, end);
    if (end > c->data_size)
        BAD("%s: %s: tensor \"%s\": data_offsets [%zu, %zu] go beyond the data (%zu bytes): "
            "the file is truncated or the offsets are wrong", fn, what, name, begin, end,
            c->data_size);
    if (end - begin != bytes)
        BAD("%s: %s: tensor \"%s\": data_offsets [%zu, %zu] hold %zu bytes; %zu %s values need %zu",
            fn, what, name, begin, end, end - begin, count, dtypes[d].name, bytes);
    t->data = c->data + begin;
    sp->begin = begin;
    sp->end = end;
    sp->name = name;
    return DSC_OK;
}

/* Checks everything after the JSON parse; f->root is set. */
static dsc_status check_header(dsc__st_file *f, const parse_ctx *c) {
    const char *fn = c->fn, *what = c->what;
    if (!cJSON_IsObject(f->root)) BAD("%s: %s: the header is not a JSON object", fn, what);
    size_t n = 0;
    for (const cJSON *e = f->root->child; e != NULL; e = e->next) {
        if (strcmp(e->string, "__metadata__") != 0) {
            n++;
            continue;
        }
        if (f->meta != NULL) BAD("%s: %s: the header has \"__metadata__\" twice", fn, what);
        if (!cJSON_IsObject(e)) BAD("%s: %s: \"__metadata__\" is not a JSON object", fn, what);
        size_t m = 0;
        for (const cJSON *k = e->child; k != NULL; k = k->next, m++)
            if (!cJSON_IsString(k))
                BAD("%s: %s: metadata entry \"%s\" is not a string (metadata holds strings only)",
                    fn, what, k->string);
        f->meta = e;
        if (m > 1) {
            const char **keys = dsc__calloc(m, sizeof *keys);
            if (keys == NULL)
                return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu metadata keys", fn, m);
            size_t i = 0;
            for (const cJSON *k = e->child; k != NULL; k = k->next) keys[i++] = k->string;
            qsort(keys, m, sizeof *keys, by_string);
            const char *dup = NULL;
            for (i = 1; i < m && dup == NULL; i++)
                if (strcmp(keys[i - 1], keys[i]) == 0) dup = keys[i];
            dsc__free(keys);
            if (dup != NULL) BAD("%s: %s: metadata key \"%s\" appears twice", fn, what, dup);
        }
    }
    if (n == 0) {
        if (c->data_size != 0)
            BAD("%s: %s: %zu bytes of data follow a header that has no tensor", fn, what,
                c->data_size);
        return DSC_OK;
    }
    f->tensors = dsc__calloc(n, sizeof *f->tensors);
    span *spans = dsc__calloc(n, sizeof *spans);
    if (f->tensors == NULL || spans == NULL) {
        dsc__free(spans);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu tensor descriptions", fn, n);
    }
    dsc_status s = DSC_OK;
    size_t i = 0;
    for (const cJSON *e = f->root->child; e != NULL && s == DSC_OK; e = e->next) {
        if (e == f->meta) continue;
        s = parse_entry(c, e, &f->tensors[i], &spans[i]);
        i++;
    }
    if (s == DSC_OK) {
        f->ntensors = n;
        qsort(f->tensors, n, sizeof *f->tensors, by_name);
        for (i = 1; i < n && s == DSC_OK; i++)
            if (strcmp(f->tensors[i - 1].name, f->tensors[i].name) == 0)
                s = dsc__error(DSC_E_FORMAT, "%s: %s: tensor \"%s\" appears twice", fn, what,
                               f->tensors[i].name);
    }
    if (s == DSC_OK) {
        qsort(spans, n, sizeof *spans, by_offset);
        size_t at = 0;
        for (i = 0; i < n && s == DSC_OK; i++) {
            if (spans[i].begin < at)
                s = dsc__error(DSC_E_FORMAT, "%s: %s: tensors \"%s\" and \"%s\" overlap (bytes %zu "
                               "to %zu of the data)", fn, what, spans[i - 1].name, spans[i].name,
                               spans[i].begin, at);
            else if (spans[i].begin > at)
                s = dsc__error(DSC_E_FORMAT, "%s: %s: bytes %zu to %zu of the data belong to no "
                               "tensor (a gap before \"%s\")", fn, what, at, spans[i].begin,
                               spans[i].name);
            at = spans[i].end;
        }
        if (s == DSC_OK && at != c->data_size)
            s = dsc__error(DSC_E_FORMAT, "%s: %s: %zu bytes follow the last tensor's data",
                           fn, what, c->data_size - at);
    }
    dsc__free(spans);
    return s;
}

dsc_status dsc__st_parse(dsc__st_file *f, const unsigned char *bytes, size_t size, const char *fn,
                         const char *what) {
    memset(f, 0, sizeof *f);
    if (size < 8)
        BAD("%s: %s is %zu bytes; a safetensors file begins with an 8-byte header length", fn,
            what, size);
    uint64_t hlen = le64(bytes);
    if (hlen > DSC__ST_MAX_HEADER)
        BAD("%s: %s: the header length %llu is above the limit of %u bytes (not a safetensors "
            "file?)", fn, what, (unsigned long long)hlen, DSC__ST_MAX_HEADER);
    if (hlen > size - 8)
        BAD("%s: %s: the header length %llu goes beyond the end of the file (%zu bytes after "
            "the length)", fn, what, (unsigned long long)hlen, size - 8);
    const char *h = (const char *)(bytes + 8);
    size_t n = (size_t)hlen;
    if (n < 2 || h[0] != '{') BAD("%s: %s: the header does not start with '{'", fn, what);
    if (!utf8_ok(bytes + 8, n)) BAD("%s: %s: the header is not valid UTF-8", fn, what);
    const char *end = NULL;
    f->root = cJSON_ParseWithLengthOpts(h, n, &end, 0);
    if (f->root == NULL) {
        size_t at = end != NULL && end >= h && end <= h + n ? (size_t)(end - h) : 0;
        BAD("%s: %s: the header is not valid JSON (near byte %zu of %zu)", fn, what, at, n);
    }
    for (const char *p = end; p < h + n; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            dsc__st_free(f);
            BAD("%s: %s: the header has bytes after its JSON object", fn, what);
        }
    }
    parse_ctx c = {fn, what, bytes + 8 + n, size - 8 - n};
    dsc_status s = check_header(f, &c);
    if (s != DSC_OK) dsc__st_free(f);
    return s;
}

void dsc__st_free(dsc__st_file *f) {
    dsc__free(f->tensors);
    cJSON_Delete(f->root);
    memset(f, 0, sizeof *f);
}

const dsc__st_tensor *dsc__st_find(const dsc__st_file *f, const char *name) {
    if (f->ntensors == 0) return NULL;
    dsc__st_tensor key;
    memset(&key, 0, sizeof key);
    key.name = name;
    return bsearch(&key, f->tensors, f->ntensors, sizeof key, by_name);
}

const char *dsc__st_meta(const dsc__st_file *f, const char *key) {
    if (f->meta == NULL) return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->meta, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- writing -------------------------------------------------------------- */

static size_t item_count(const dsc__st_item *it) {
    size_t n = 1;
    for (size_t d = 0; d < it->ndim; d++) n *= it->shape[d];
    return n;
}

/* cJSON prints numbers with 15 significant digits when they compare equal
 * within an epsilon, which loses bits; integers are printed here instead. */
static cJSON *raw_uint(uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return cJSON_CreateRaw(buf);
}

static int add(cJSON *parent, const char *key, cJSON *item) {
    if (item == NULL) return 0;
    cJSON_bool ok = key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item);
    if (!ok) cJSON_Delete(item);
    return ok != 0;
}

/* The header, padded with spaces so the data starts 8-byte aligned. */
static char *make_header(const dsc__st_item *items, size_t nitems, const dsc__st_kv *meta,
                         size_t nmeta, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    if (ok && nmeta > 0) {
        cJSON *m = cJSON_CreateObject();
        ok = add(root, "__metadata__", m);
        for (size_t i = 0; ok && i < nmeta; i++) ok = add(m, meta[i].key, cJSON_CreateString(meta[i].value));
    }
    size_t offset = 0;
    for (size_t i = 0; ok && i < nitems; i++) {
        const dsc__st_item *it = &items[i];
        size_t bytes = item_count(it) * dtypes[it->dtype].size;
        cJSON *e = cJSON_CreateObject(), *shape = NULL, *offs = NULL;
        ok = add(root, it->name, e) && add(e, "dtype", cJSON_CreateString(dtypes[it->dtype].name)) &&
             add(e, "shape", shape = cJSON_CreateArray());
        for (size_t d = 0; ok && d < it->ndim; d++) ok = add(shape, NULL, raw_uint(it->shape[d]));
        ok = ok && add(e, "data_offsets", offs = cJSON_CreateArray()) &&
             add(offs, NULL, raw_uint(offset)) && add(offs, NULL, raw_uint(offset + bytes));
        offset += bytes;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) return NULL;
    size_t n = strlen(text), padded = n + (8 - (8 + n) % 8) % 8;
    char *h = dsc__alloc(padded);
    if (h != NULL) {
        memcpy(h, text, n);
        memset(h + n, ' ', padded - n);
        *len = padded;
    }
    cJSON_free(text);
    return h;
}

/* Where the bytes go: a crash-safe file or a growing buffer. */
typedef struct sink {
    dsc__io_out *file;          /* NULL: memory */
    unsigned char *mem;
    size_t len, cap;
    const char *fn;
} sink;

static dsc_status put(sink *k, const void *buf, size_t n) {
    if (k->file != NULL) return dsc__io_write(k->file, buf, n);
    if (n > k->cap - k->len) {
        size_t cap = k->cap ? k->cap : 4096;
        while (cap - k->len < n) {
            DSC_RETURN_IF(cap > SIZE_MAX / 2, DSC_E_NOMEM, "%s: the file is too large", k->fn);
            cap *= 2;
        }
        unsigned char *grown = dsc__alloc(cap);
        DSC_RETURN_IF(grown == NULL, DSC_E_NOMEM, "%s: out of memory for %zu bytes", k->fn, cap);
        if (k->len) memcpy(grown, k->mem, k->len);
        dsc__free(k->mem);
        k->mem = grown;
        k->cap = cap;
    }
    memcpy(k->mem + k->len, buf, n);
    k->len += n;
    return DSC_OK;
}

/* Encodes and writes one tensor's data little-endian, a chunk at a time. */
static dsc_status put_data(sink *k, const dsc__st_item *it) {
    unsigned char chunk[8192];
    size_t n = item_count(it), size = dtypes[it->dtype].size, per = sizeof chunk / size;
    const unsigned char *src = it->data;
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t j = 0; j < m; j++) {
            const unsigned char *v = src + (i + j) * size;
            if (size == 4) {
                uint32_t u;
                memcpy(&u, v, 4);
                put32(chunk + j * 4, u);
            } else {
                uint64_t u;
                memcpy(&u, v, 8);
                put64(chunk + j * 8, u);
            }
        }
        DSC_TRY(put(k, chunk, m * size));
    }
    return DSC_OK;
}

/* The length, the header and the data into k. */
static dsc_status emit(sink *k, const char *header, size_t hlen, const dsc__st_item *items,
                       size_t nitems) {
    unsigned char len[8];
    put64(len, hlen);
    DSC_TRY(put(k, len, sizeof len));
    DSC_TRY(put(k, header, hlen));
    for (size_t i = 0; i < nitems; i++) DSC_TRY(put_data(k, &items[i]));
    return DSC_OK;
}

dsc_status dsc__st_write(const char *path, const dsc__st_item *items, size_t nitems,
                         const dsc__st_kv *meta, size_t nmeta, const char *fn) {
    size_t hlen = 0;
    char *header = make_header(items, nitems, meta, nmeta, &hlen);
    DSC_RETURN_IF(header == NULL, DSC_E_NOMEM, "%s: out of memory for the header of '%s'", fn, path);
    dsc__io_out o;
    dsc_status s = dsc__io_begin(&o, path, fn);
    if (s != DSC_OK) {
        dsc__free(header);
        return s;
    }
    sink k = {&o, NULL, 0, 0, fn};
    s = emit(&k, header, hlen, items, nitems);
    dsc__free(header);
    if (s == DSC_OK) s = dsc__io_commit(&o);
    return s; /* a failed write or commit has aborted o */
}

dsc_status dsc__st_write_mem(unsigned char **out, size_t *size, const dsc__st_item *items,
                             size_t nitems, const dsc__st_kv *meta, size_t nmeta, const char *fn) {
    *out = NULL;
    *size = 0;
    size_t hlen = 0;
    char *header = make_header(items, nitems, meta, nmeta, &hlen);
    DSC_RETURN_IF(header == NULL, DSC_E_NOMEM, "%s: out of memory for the header", fn);
    sink k = {NULL, NULL, 0, 0, fn};
    dsc_status s = emit(&k, header, hlen, items, nitems);
    dsc__free(header);
    if (s != DSC_OK) {
        dsc__free(k.mem);
        return s;
    }
    *out = k.mem;
    *size = k.len;
    return DSC_OK;
}
