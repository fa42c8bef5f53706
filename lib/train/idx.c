/* IDX files (LeCun's MNIST format, also used by Fashion-MNIST), raw or
 * gzip-compressed. Layout: a 4-byte magic {0, 0, type, ndim} with type 0x08
 * (unsigned byte), ndim big-endian uint32 dimensions, then the bytes in
 * row-major order. Images are 0x00000803 (count, rows, columns), labels
 * 0x00000801 (count).
 *
 * Nothing here trusts a length before checking it: the header's sizes are
 * checked for overflow, against the file size (raw) or against what a gzip
 * file of that size can possibly hold (deflate expands at most 1032:1), before
 * anything is allocated; reads ask for exactly the announced bytes and then
 * require the end of the data. Decompression is zlib's inflate, with its
 * allocations routed through descent's allocator hook.
 *
 * The same reader takes its bytes from a file (dsc_dataset_load_idx) or from
 * memory (dsc__dataset_load_idx_mem, for the fuzzer and the tests): only
 * src_fread and src_rewind know which. */
#include "../core/common.h"
#include "dataset_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IN_CHUNK 65536     /* compressed bytes read at a time */
#define OUT_CHUNK 4096     /* pixels converted to float at a time (stack) */
#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u
/* Deflate's best case: 258-byte matches coded in about 2 bits give 1032:1
 * (zlib FAQ). A gzip file cannot expand beyond this. */
#define DEFLATE_MAX_RATIO 1032u

static const char *const FN = "dsc_dataset_load_idx";

/* One input file: a byte stream that is the file itself or its inflated
 * gzip content. The file is f, or (f NULL) the size bytes at mem. */
typedef struct src {
    const char *path;       /* the name messages give */
    FILE *f;
    const unsigned char *mem;
    size_t pos;             /* next byte of mem */
    uint64_t size;          /* bytes in the file */
    int gz;                 /* 1: gzip, decompressed through z */
    int z_ready;            /* inflateInit2 succeeded (inflateEnd needed) */
    int z_end;              /* the current gzip member has ended */
    int eof;                /* the file has no more bytes to read */
    z_stream z;
    unsigned char *in;      /* IN_CHUNK bytes of compressed input */
} src;

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
    (void)opaque;
    size_t bytes;
    if (!dsc__mul_ok(items, size, &bytes)) return Z_NULL;
    return dsc__alloc(bytes);
}

static void z_free(voidpf opaque, voidpf ptr) {
    (void)opaque;
    dsc__free(ptr);
}

static void src_close(src *s) {
    if (s->z_ready) inflateEnd(&s->z);
    if (s->f != NULL) fclose(s->f);
    dsc__free(s->in);
    s->z_ready = 0;
    s->f = NULL;
    s->in = NULL;
}

/* fread on the file or the memory; a short count is the end or an error
 * (src_ferror tells which). */
static size_t src_fread(src *s, void *dst, size_t n) {
    if (s->f != NULL) return fread(dst, 1, n, s->f);
    const size_t left = (size_t)s->size - s->pos, got = n < left ? n : left;
    if (got > 0) memcpy(dst, s->mem + s->pos, got);
    s->pos += got;
    return got;
}

static int src_ferror(const src *s) {
    return s->f != NULL && ferror(s->f);
}

static void src_rewind(src *s) {
    if (s->f != NULL) rewind(s->f);
    s->pos = 0;
}

static dsc_status io_error(const src *s, const char *what) {
    return dsc__error(DSC_E_IO, "%s: %s: %s: %s", FN, s->path, what, strerror(errno));
}

/* Keeps unread input, appends as much of the file as fits. */
static dsc_status src_refill(src *s) {
    if (s->eof) return DSC_OK;
    if (s->z.avail_in > 0 && s->z.next_in != s->in) memmove(s->in, s->z.next_in, s->z.avail_in);
    const size_t want = IN_CHUNK - s->z.avail_in;
    const size_t got = src_fread(s, s->in + s->z.avail_in, want);
    if (got < want) {
        if (src_ferror(s)) return io_error(s, "read failed");
        s->eof = 1;
    }
    s->z.next_in = s->in;
    s->z.avail_in += (uInt)got;
    return DSC_OK;
}

/* Tells raw from gzip content by the first two bytes, and sets up zlib for gzip. */
static dsc_status src_start(src *s) {
    const char *path = s->path;
    unsigned char magic[2];
    const size_t n = src_fread(s, magic, 2);
    if (n < 2 && src_ferror(s)) return io_error(s, "read failed");
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        s->gz = 1;
        s->in = dsc__alloc(IN_CHUNK);
        DSC_RETURN_IF(s->in == NULL, DSC_E_NOMEM, "%s: %s: out of memory for the gzip input buffer", FN,
                      path);
        s->z.zalloc = z_alloc;
        s->z.zfree = z_free;
        s->z.next_in = s->in;
        s->z.avail_in = 0;
        /* 15 + 16: the largest window, gzip wrapper only. */
        const int r = inflateInit2(&s->z, 15 + 16);
        DSC_RETURN_IF(r == Z_MEM_ERROR, DSC_E_NOMEM, "%s: %s: out of memory for zlib", FN, path);
        DSC_RETURN_IF(r != Z_OK, DSC_E_INTERNAL, "%s: %s: inflateInit2 failed (%d)", FN, path, r);
        s->z_ready = 1;
    }
    src_rewind(s);
    return DSC_OK;
}

static dsc_status src_open(src *s, const char *path) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->f = fopen(path, "rb");
    if (s->f == NULL) return io_error(s, "cannot open");
    struct stat st;
    if (fstat(fileno(s->f), &st) != 0) return io_error(s, "cannot stat");
    if (!S_ISREG(st.st_mode))
        return dsc__error(DSC_E_IO, "%s: %s: not a regular file", FN, path);
    s->size = (uint64_t)st.st_size;
    return src_start(s);
}

static dsc_status src_open_mem(src *s, const char *name, const void *data, size_t size) {
    memset(s, 0, sizeof *s);
    s->path = name;
    s->mem = data;
    s->size = size;
    return src_start(s);
}

/* Reads up to n bytes of content; *got < n only at the end of the content. */
static dsc_status src_read(src *s, unsigned char *dst, size_t n, size_t *got_out) {
    size_t got = 0;
    *got_out = 0;
    if (!s->gz) {
        got = src_fread(s, dst, n);
        if (got < n && src_ferror(s)) return io_error(s, "read failed");
        *got_out = got;
        return DSC_OK;
    }
    while (got < n) {
        if (s->z_end) {
            /* A member ended. Another may follow (gzip files may be
             * concatenated, RFC 1952); anything else is garbage. */
            if (s->z.avail_in < 2) DSC_TRY(src_refill(s));
            if (s->z.avail_in == 0) break;
            DSC_RETURN_IF(s->z.avail_in < 2 || s->z.next_in[0] != 0x1f || s->z.next_in[1] != 0x8b,
                          DSC_E_FORMAT, "%s: %s: %u bytes of garbage after the end of the gzip data", FN,
                          s->path, s->z.avail_in);
            inflateReset(&s->z);
            s->z_end = 0;
        }
        if (s->z.avail_in == 0) DSC_TRY(src_refill(s));
        const size_t want = n - got < UINT_MAX ? n - got : UINT_MAX;
        s->z.next_out = dst + got;
        s->z.avail_out = (uInt)want;
        const int r = inflate(&s->z, Z_NO_FLUSH);
        got += want - s->z.avail_out;
        switch (r) {
        case Z_OK:
            break;
        case Z_STREAM_END:
            s->z_end = 1;
            break;
        case Z_BUF_ERROR:
            /* No progress: only possible when the input is used up. */
            DSC_RETURN_IF(s->z.avail_in == 0 && s->eof, DSC_E_FORMAT,
                          "%s: %s: the gzip data ends early (the file is truncated)", FN, s->path);
            break;
        case Z_MEM_ERROR:
            return dsc__error(DSC_E_NOMEM, "%s: %s: out of memory in zlib", FN, s->path);
        default:
            return dsc__error(DSC_E_FORMAT, "%s: %s: damaged gzip data (zlib: %s)", FN, s->path,
                              s->z.msg != NULL ? s->z.msg : "unknown error");
        }
    }
    *got_out = got;
    return DSC_OK;
}

/* The content must end here: one more byte is trailing garbage. For gzip this
 * also reads the last member's trailer, so its CRC is checked. */
static dsc_status src_expect_end(src *s, const char *what, size_t announced) {
    unsigned char extra;
    size_t got;
    DSC_TRY(src_read(s, &extra, 1, &got));
    DSC_RETURN_IF(got != 0, DSC_E_FORMAT, "%s: %s: bytes follow the %zu bytes of %s the header announces",
                  FN, s->path, announced, what);
    return DSC_OK;
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads and checks the header; *payload is the byte count it announces. */
static dsc_status read_header(src *s, uint32_t want_magic, uint32_t *dims, size_t *payload) {
    const size_t ndim = want_magic & 0xff, header = 4 + 4 * ndim;
    const char *kind = want_magic == IDX_IMAGES ? "idx3-ubyte images" : "idx1-ubyte labels";
    unsigned char h[16];
    size_t got;
    DSC_TRY(src_read(s, h, 4, &got));
    DSC_RETURN_IF(got < 4, DSC_E_FORMAT,
                  "%s: %s: truncated: %zu bytes, too short for an IDX header (an %s file starts with 0x%08x)",
                  FN, s->path, got, kind, (unsigned)want_magic);
    const uint32_t magic = be32(h);
    if (magic != want_magic) {
        const char *hint = magic == IDX_IMAGES   ? " (this is an images file)"
                           : magic == IDX_LABELS ? " (this is a labels file)"
                                                 : "";
        return dsc__error(DSC_E_FORMAT, "%s: %s: wrong magic 0x%08x; an %s file starts with 0x%08x%s", FN,
                          s->path, (unsigned)magic, kind, (unsigned)want_magic, hint);
    }
    DSC_TRY(src_read(s, h + 4, header - 4, &got));
    DSC_RETURN_IF(got < header - 4, DSC_E_FORMAT, "%s: %s: truncated header: %zu of %zu bytes", FN,
                  s->path, 4 + got, header);
    size_t bytes = 1;
    for (size_t d = 0; d < ndim; d++) {
        dims[d] = be32(h + 4 + 4 * d);
        DSC_RETURN_IF(dims[d] == 0, DSC_E_FORMAT, "%s: %s: dimension %zu is 0 in the header", FN, s->path,
                      d);
        /* The floats made from the bytes must fit too. */
        DSC_RETURN_IF(!dsc__mul_ok(bytes, dims[d], &bytes) || bytes > SIZE_MAX / sizeof(float),
                      DSC_E_FORMAT, "%s: %s: the header's dimensions overflow (too large to hold)", FN,
                      s->path);
    }
    if (!s->gz) {
        const uint64_t want = (uint64_t)header + bytes;
        DSC_RETURN_IF(s->size != want, DSC_E_FORMAT,
                      "%s: %s: %s: the file has %llu bytes but its header announces %zu data bytes (%llu in all)",
                      FN, s->path, s->size < want ? "truncated" : "trailing bytes",
                      (unsigned long long)s->size, bytes, (unsigned long long)want);
    } else {
        DSC_RETURN_IF(bytes / DEFLATE_MAX_RATIO > s->size, DSC_E_FORMAT,
                      "%s: %s: the header announces %zu data bytes, more than a gzip file of %llu bytes can "
                      "hold (truncated or corrupt)",
                      FN, s->path, bytes, (unsigned long long)s->size);
    }
    *payload = bytes;
    return DSC_OK;
}

static dsc_status read_pixels(src *s, float *dst, size_t n) {
    unsigned char buf[OUT_CHUNK];
    size_t done = 0;
    while (done < n) {
        const size_t want = n - done < OUT_CHUNK ? n - done : OUT_CHUNK;
        size_t got;
        DSC_TRY(src_read(s, buf, want, &got));
        for (size_t i = 0; i < got; i++) dst[done + i] = (float)buf[i];
        done += got;
        DSC_RETURN_IF(got < want, DSC_E_FORMAT,
                      "%s: %s: truncated: the header announces %zu bytes of pixels but only %zu follow", FN,
                      s->path, n, done);
    }
    return src_expect_end(s, "pixels", n);
}

static dsc_status read_labels(src *s, int32_t *dst, size_t n, size_t classes) {
    unsigned char buf[OUT_CHUNK];
    size_t done = 0;
    while (done < n) {
        const size_t want = n - done < OUT_CHUNK ? n - done : OUT_CHUNK;
        size_t got;
        DSC_TRY(src_read(s, buf, want, &got));
        for (size_t i = 0; i < got; i++) {
            DSC_RETURN_IF(buf[i] >= classes, DSC_E_FORMAT,
                          "%s: %s: label %zu is %u; with %zu classes it must be below %zu", FN, s->path,
                          done + i, (unsigned)buf[i], classes, classes);
            dst[done + i] = buf[i];
        }
        done += got;
        DSC_RETURN_IF(got < want, DSC_E_FORMAT,
                      "%s: %s: truncated: the header announces %zu labels but only %zu follow", FN, s->path,
                      n, done);
    }
    return src_expect_end(s, "labels", n);
}

/* The images (then the labels) are read by open_img (open_lab) into img (lab). */
typedef struct idx_input {
    const char *name;
    const void *data;    /* NULL: name is a path to open */
    size_t size;
} idx_input;

static dsc_status open_input(src *s, const idx_input *in) {
    return in->data == NULL ? src_open(s, in->name) : src_open_mem(s, in->name, in->data, in->size);
}

static dsc_status load(dsc_dataset **out, src *img, src *lab, const idx_input *images,
                       const idx_input *labels, size_t classes) {
    uint32_t idim[3] = {0, 0, 0}, ldim[1] = {0};
    size_t ibytes = 0, lbytes = 0;
    DSC_TRY(open_input(img, images));
    DSC_TRY(read_header(img, IDX_IMAGES, idim, &ibytes));
    DSC_TRY(open_input(lab, labels));
    DSC_TRY(read_header(lab, IDX_LABELS, ldim, &lbytes));
    DSC_RETURN_IF(idim[0] != ldim[0], DSC_E_FORMAT, "%s: %s has %u images but %s has %u labels", FN,
                  images->name, (unsigned)idim[0], labels->name, (unsigned)ldim[0]);
    dsc_dataset *ds = NULL;
    DSC_TRY(dsc__dataset_alloc(FN, &ds, idim[0], (size_t)idim[1] * idim[2], 0, classes));
    dsc_status st = read_pixels(img, ds->inputs, ibytes);
    if (st == DSC_OK) st = read_labels(lab, ds->labels, lbytes, classes);
    if (st != DSC_OK) {
        dsc_dataset_free(ds);
        return st;
    }
    *out = ds;
    return DSC_OK;
}

static dsc_status load_inputs(dsc_dataset **out, const idx_input *images, const idx_input *labels,
                               size_t classes) {
    DSC_RETURN_IF(classes == 0 || classes > 256, DSC_E_ARG,
                  "%s: classes is %zu; it must be 1..256 (labels are bytes)", FN, classes);
    src img, lab;
    memset(&img, 0, sizeof img);
    memset(&lab, 0, sizeof lab);
    const dsc_status st = load(out, &img, &lab, images, labels, classes);
    src_close(&img);
    src_close(&lab);
    return st;
}

DSC_API dsc_status dsc_dataset_load_idx(dsc_dataset **out, const char *images, const char *labels,
                                        size_t classes) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", FN);
    *out = NULL;
    DSC_RETURN_IF(images == NULL, DSC_E_ARG, "%s: images is NULL", FN);
    DSC_RETURN_IF(labels == NULL, DSC_E_ARG, "%s: labels is NULL", FN);
    const idx_input img = {images, NULL, 0}, lab = {labels, NULL, 0};
    return load_inputs(out, &img, &lab, classes);
}

dsc_status dsc__dataset_load_idx_mem(dsc_dataset **out, const void *images, size_t images_size,
                                     const void *labels, size_t labels_size, size_t classes) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", FN);
    *out = NULL;
    DSC_RETURN_IF(images == NULL, DSC_E_ARG, "%s: images is NULL", FN);
    DSC_RETURN_IF(labels == NULL, DSC_E_ARG, "%s: labels is NULL", FN);
    const idx_input img = {"<images in memory>", images, images_size},
                    lab = {"<labels in memory>", labels, labels_size};
    return load_inputs(out, &img, &lab, classes);
}
