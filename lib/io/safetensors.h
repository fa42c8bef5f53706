/* The safetensors format (docs/checkpoint.md): an 8-byte little-endian
 * header length N, N bytes of JSON (an object: one entry per tensor,
 * {"dtype", "shape", "data_offsets"}, and an optional "__metadata__" object
 * of strings), then the tensors' bytes, little-endian and contiguous, with
 * offsets relative to the first byte after the header. The reader trusts
 * nothing in the file; the writer goes through io.h's crash-safe writer.
 * JSON is parsed and printed by cJSON (docs/checkpoint.md says why).
 * Never installed. */
#ifndef DSC_IO_SAFETENSORS_H
#define DSC_IO_SAFETENSORS_H

#include "../core/common.h"

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Dimensions of a tensor, at most. */
#define DSC__ST_MAX_DIMS 8
/* Header bytes, at most (the reference implementation's limit). */
#define DSC__ST_MAX_HEADER 100000000u

/* The dtypes of the format; element sizes in dsc__st_dtype_size. */
typedef enum dsc__st_dtype {
    DSC__ST_BOOL, DSC__ST_U8, DSC__ST_I8, DSC__ST_F8_E5M2, DSC__ST_F8_E4M3, DSC__ST_I16,
    DSC__ST_U16, DSC__ST_F16, DSC__ST_BF16, DSC__ST_I32, DSC__ST_U32, DSC__ST_F32,
    DSC__ST_F64, DSC__ST_I64, DSC__ST_U64,
    DSC__ST_NDTYPES
} dsc__st_dtype;

const char *dsc__st_dtype_name(dsc__st_dtype d);

/* One tensor of a parsed file. */
typedef struct dsc__st_tensor {
    const char *name;           /* into the parsed header */
    dsc__st_dtype dtype;
    size_t ndim;
    size_t shape[DSC__ST_MAX_DIMS];
    size_t count;               /* elements: the product of shape (1 for []) */
    const unsigned char *data;  /* little-endian, count * element size bytes */
} dsc__st_tensor;

/* A parsed file: every tensor checked (dtype known, shape product without
 * overflow, offsets in range, matching the size, tiling the data exactly, no
 * name twice) and the metadata (strings only). */
typedef struct dsc__st_file {
    dsc__st_tensor *tensors;    /* sorted by name */
    size_t ntensors;
    struct cJSON *root;         /* the header */
    const struct cJSON *meta;   /* "__metadata__", or NULL */
} dsc__st_file;

/* Parses size bytes (which must outlive the result: tensors point into
 * them). fn and what ("'path'" or "the buffer") name the call and the
 * source in messages. DSC_E_FORMAT with a message naming the tensor for a
 * malformed file; DSC_E_NOMEM. On failure *f is empty. */
dsc_status dsc__st_parse(dsc__st_file *f, const unsigned char *bytes, size_t size, const char *fn,
                         const char *what);
void dsc__st_free(dsc__st_file *f);

/* The tensor called name, or NULL. */
const dsc__st_tensor *dsc__st_find(const dsc__st_file *f, const char *name);
/* The metadata string under key, or NULL. */
const char *dsc__st_meta(const dsc__st_file *f, const char *key);

/* Decoding little-endian data into host values (t->count of them). */
void dsc__st_read_f32(const dsc__st_tensor *t, float *dst);
void dsc__st_read_f64(const dsc__st_tensor *t, double *dst);
void dsc__st_read_i64(const dsc__st_tensor *t, int64_t *dst);

/* One tensor to write: host values of dtype F32, F64 or I64. */
typedef struct dsc__st_item {
    const char *name;
    dsc__st_dtype dtype;
    size_t ndim;
    size_t shape[DSC__ST_MAX_DIMS];
    const void *data;
} dsc__st_item;

/* One metadata entry. */
typedef struct dsc__st_kv {
    const char *key, *value;
} dsc__st_kv;

/* Writes a file crash-safely (io.h): the previous file at path survives any
 * failure. DSC_E_IO, DSC_E_NOMEM. */
dsc_status dsc__st_write(const char *path, const dsc__st_item *items, size_t nitems,
                         const dsc__st_kv *meta, size_t nmeta, const char *fn);

/* The same bytes into memory (*out from dsc__alloc, freed by the caller). */
dsc_status dsc__st_write_mem(unsigned char **out, size_t *size, const dsc__st_item *items,
                             size_t nitems, const dsc__st_kv *meta, size_t nmeta, const char *fn);

#endif
