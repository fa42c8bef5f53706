/* Fuzz target: the IDX loader (dsc_dataset_load_idx), raw and gzip, through
 * its load-from-memory path (the same reader the file loader uses).
 *
 * Input: byte 0 flags (bit 0: the target gzips the images bytes itself,
 * bit 1: the labels bytes, so that mutations of the IDX content also reach
 * the parser through zlib with a valid CRC); byte 1: classes - 1; bytes 2-3:
 * the length of the images part (little-endian, cut to what is left); then
 * the images bytes, then the labels bytes. Content that already starts with
 * 1f 8b is gzip as it stands.
 *
 * Invariants: a known status with a message on failure, *out NULL on
 * failure; on success a data set whose sizes and values are those the raw
 * bytes say. The replay build (make check) also writes both parts to
 * temporary files and requires dsc_dataset_load_idx to give the same
 * status and the same data set. */
#include "fuzz.h"
#include "train/dataset_impl.h"

#include <zlib.h>

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* gzip of src into a new block (malloc), or NULL. */
static uint8_t *gzip(const uint8_t *src, size_t n, size_t *out_n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    const size_t cap = deflateBound(&z, (uLong)n);
    uint8_t *dst = malloc(cap > 0 ? cap : 1);
    if (dst == NULL) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)src; /* zlib's API is not const */
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    const int r = deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        free(dst);
        return NULL;
    }
    return dst;
}

static int is_gz(const uint8_t *p, size_t n) {
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* The data set matches the raw (not gzip) IDX bytes it was read from. */
static void check_against_raw(const dsc_dataset *ds, const uint8_t *img, size_t ni, const uint8_t *lab,
                              size_t nl, size_t classes) {
    size_t count = 0, features = 0, cls = 0;
    const float *x = NULL;
    const int32_t *y = NULL;
    FZ_OK(dsc_dataset_count(ds, &count));
    FZ_OK(dsc_dataset_features(ds, &features));
    FZ_OK(dsc_dataset_classes(ds, &cls));
    FZ_OK(dsc_dataset_inputs(ds, &x));
    FZ_OK(dsc_dataset_labels(ds, &y));
    FZ_CHECK(cls == classes, "classes %zu, asked %zu", cls, classes);
    FZ_CHECK(count >= 1 && features >= 1, "count %zu features %zu", count, features);
    for (size_t i = 0; i < count; i++) FZ_CHECK(y[i] >= 0 && (size_t)y[i] < classes, "label %zu", i);
    if (is_gz(img, ni) || is_gz(lab, nl)) return;
    FZ_CHECK(ni == 16 + count * features, "images: %zu bytes for %zu x %zu", ni, count, features);
    FZ_CHECK(nl == 8 + count, "labels: %zu bytes for %zu", nl, count);
    FZ_CHECK(be32(img + 4) == count && (size_t)be32(img + 8) * be32(img + 12) == features, "header");
    for (size_t i = 0; i < count * features; i++) FZ_CHECK(x[i] == (float)img[16 + i], "pixel %zu", i);
    for (size_t i = 0; i < count; i++) FZ_CHECK(y[i] == lab[8 + i], "label %zu", i);
}

#ifdef DSC_FUZZ_REPLAY
#include <unistd.h>

static void write_temp(char *path, const uint8_t *data, size_t n) {
    const int fd = mkstemp(path);
    FZ_CHECK(fd >= 0, "mkstemp %s", path);
    FZ_CHECK(n == 0 || write(fd, data, n) == (ssize_t)n, "write %s", path);
    close(fd);
}

static int same_dataset(const dsc_dataset *a, const dsc_dataset *b) {
    size_t ca, cb, fa, fb;
    const float *xa, *xb;
    const int32_t *ya, *yb;
    FZ_OK(dsc_dataset_count(a, &ca));
    FZ_OK(dsc_dataset_count(b, &cb));
    FZ_OK(dsc_dataset_features(a, &fa));
    FZ_OK(dsc_dataset_features(b, &fb));
    FZ_OK(dsc_dataset_inputs(a, &xa));
    FZ_OK(dsc_dataset_inputs(b, &xb));
    FZ_OK(dsc_dataset_labels(a, &ya));
    FZ_OK(dsc_dataset_labels(b, &yb));
    return ca == cb && fa == fb && fz_same(xa, xb, ca * fa * sizeof *xa) && fz_same(ya, yb, ca * sizeof *ya);
}

/* The file loader gives what the memory loader gave. */
static void check_file_path(dsc_status st, const dsc_dataset *ds, const uint8_t *img, size_t ni,
                            const uint8_t *lab, size_t nl, size_t classes) {
    char pi[] = "/tmp/dsc-fuzz-idx-images-XXXXXX", pl[] = "/tmp/dsc-fuzz-idx-labels-XXXXXX";
    write_temp(pi, img, ni);
    write_temp(pl, lab, nl);
    dsc_dataset *fds = NULL;
    const dsc_status fst = dsc_dataset_load_idx(&fds, pi, pl, classes);
    unlink(pi);
    unlink(pl);
    FZ_CHECK(fst == st, "the file loader returned %s, the memory loader %s", dsc_status_name(fst),
             dsc_status_name(st));
    if (st == DSC_OK) FZ_CHECK(same_dataset(ds, fds), "the loaders read different data sets");
    dsc_dataset_free(fds);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size};
    const uint8_t flags = fz_u8(&f);
    const size_t classes = (size_t)fz_u8(&f) + 1;
    size_t ni = fz_u8(&f);
    ni |= (size_t)fz_u8(&f) << 8;
    if (ni > f.n) ni = f.n;
    const uint8_t *img = f.p, *lab = f.p + ni;
    const size_t nl = f.n - ni;

    /* What the loader reads: the bytes as given, or their gzip. */
    uint8_t *gimg = NULL, *glab = NULL;
    const uint8_t *in_img = img, *in_lab = lab;
    size_t in_ni = ni, in_nl = nl;
    if (flags & 1) {
        gimg = gzip(img, ni, &in_ni);
        if (gimg == NULL) return 0;
        in_img = gimg;
    }
    if (flags & 2) {
        glab = gzip(lab, nl, &in_nl);
        if (glab == NULL) {
            free(gimg);
            return 0;
        }
        in_lab = glab;
    }
    /* The loader refuses NULL; an empty part is a valid (empty) pointer. */
    static const uint8_t empty[1] = {0};
    if (in_ni == 0) in_img = empty;
    if (in_nl == 0) in_lab = empty;

    dsc__error_clear();
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1; /* must be overwritten */
    const dsc_status st = dsc__dataset_load_idx_mem(&ds, in_img, in_ni, in_lab, in_nl, classes);
    FZ_STATUS(st, "dsc__dataset_load_idx_mem");
    if (st != DSC_OK) {
        FZ_CHECK(ds == NULL, "out not NULL after a failure");
        FZ_CHECK(strstr(dsc_last_error(), "dsc_dataset_load_idx") != NULL, "message without the function");
    } else {
        FZ_CHECK(ds != NULL, "no data set");
        check_against_raw(ds, img, ni, lab, nl, classes);
    }
#ifdef DSC_FUZZ_REPLAY
    check_file_path(st, ds, in_img, in_ni, in_lab, in_nl, classes);
#endif
    dsc_dataset_free(ds);
    free(gimg);
    free(glab);
    return 0;
}
