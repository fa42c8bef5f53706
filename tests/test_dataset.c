/* The data set handle: every constructor's success and failure paths, the
 * IDX loader on good files (raw, gzip, multi-member gzip) and on each kind
 * of corruption, the CSV loader, the seeded split, scaling and
 * standardization on small exact inputs, and the batch gather. The loaders'
 * load-from-memory paths (internal, for the fuzzers) give what the files
 * give. Every file is
 * written by the test into a temporary directory, except the Fashion-MNIST
 * check, which runs when the Debian package dataset-fashion-mnist is installed. */
#include "harness.h"
#include "train/dataset_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- getters: the value, or the test fails ----------------------------- */

#define DS_GETTER(type, name)                                                   \
    static type ds_##name(const dsc_dataset *ds) {                              \
        type v;                                                                 \
        memset(&v, 0xa5, sizeof v);                                             \
        assert_ok(dsc_dataset_##name(ds, &v));                                  \
        return v;                                                               \
    }
DS_GETTER(size_t, count)
DS_GETTER(size_t, features)
DS_GETTER(size_t, outputs)
DS_GETTER(size_t, classes)
DS_GETTER(int, has_labels)
DS_GETTER(int, is_borrowed)
DS_GETTER(const float *, inputs)
DS_GETTER(const float *, targets)
DS_GETTER(const int32_t *, labels)

/* A labelled set has no float targets, a regression set no labels. */
static void assert_no_targets(const dsc_dataset *ds) {
    const float *p = (const float *)(uintptr_t)1;
    assert_status(dsc_dataset_targets(ds, &p), DSC_E_UNSUPPORTED);
    assert_null(p);
    assert_non_null(strstr(dsc_last_error(), "dsc_dataset_targets: the data set has class labels"));
}

static void assert_no_labels(const dsc_dataset *ds) {
    const int32_t *p = (const int32_t *)(uintptr_t)1;
    assert_status(dsc_dataset_labels(ds, &p), DSC_E_UNSUPPORTED);
    assert_null(p);
    assert_non_null(strstr(dsc_last_error(), "dsc_dataset_labels: the data set has float targets"));
}

/* ---- temporary files ------------------------------------------------------ */

static char tmpdir[256];
static char paths[64][320];
static int npaths;

static int group_setup(void **state) {
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/descent-dataset-XXXXXX", base != NULL && base[0] ? base : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int group_teardown(void **state) {
    (void)state;
    for (int i = 0; i < npaths; i++) unlink(paths[i]);
    rmdir(tmpdir);
    return 0;
}

/* Writes bytes to tmpdir/name (replacing it) and returns the path. */
static const char *write_file(const char *name, const void *data, size_t n) {
    char path[320];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    int known = 0;
    for (int i = 0; i < npaths; i++) known |= strcmp(paths[i], path) == 0;
    if (!known) {
        assert_true(npaths < 64);
        strcpy(paths[npaths++], path);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    for (int i = 0; i < npaths; i++)
        if (strcmp(paths[i], path) == 0) return paths[i];
    return NULL;
}

static const char *write_text(const char *name, const char *text) {
    return write_file(name, text, strlen(text));
}

/* One gzip member of data, into out (capacity cap); returns its length. */
static size_t gzip_bytes(const unsigned char *data, size_t n, unsigned char *out, size_t cap) {
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

/* ---- IDX builders ----------------------------------------------------------- */

static size_t put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

/* 3 images of 2x3 pixels and their labels, as used by most IDX tests. */
#define NIMG 3
#define ROWS 2
#define COLS 3
static const unsigned char pixels[NIMG * ROWS * COLS] = {0,  1,   2,   3,  4,  5,  255, 128, 64,
                                                         32, 16,  8,   7,  6,  5,  4,   3,   200};
static const unsigned char labelv[NIMG] = {9, 0, 3};

static size_t idx_images(unsigned char *buf, uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                         const unsigned char *px, size_t npx) {
    size_t k = put_be32(buf, magic);
    k += put_be32(buf + k, n);
    k += put_be32(buf + k, rows);
    k += put_be32(buf + k, cols);
    memcpy(buf + k, px, npx);
    return k + npx;
}

static size_t idx_labels(unsigned char *buf, uint32_t magic, uint32_t n, const unsigned char *lab,
                         size_t nlab) {
    size_t k = put_be32(buf, magic);
    k += put_be32(buf + k, n);
    memcpy(buf + k, lab, nlab);
    return k + nlab;
}

static size_t good_images(unsigned char *buf) {
    return idx_images(buf, 0x803, NIMG, ROWS, COLS, pixels, sizeof pixels);
}

static size_t good_labels(unsigned char *buf) {
    return idx_labels(buf, 0x801, NIMG, labelv, sizeof labelv);
}

static void check_good_idx(const dsc_dataset *ds) {
    assert_int_equal(ds_count(ds), NIMG);
    assert_int_equal(ds_features(ds), ROWS * COLS);
    assert_int_equal(ds_classes(ds), 10);
    assert_int_equal(ds_outputs(ds), 10);
    assert_int_equal(ds_has_labels(ds), 1);
    const float *x = ds_inputs(ds);
    for (size_t i = 0; i < sizeof pixels; i++) assert_true(x[i] == (float)pixels[i]);
    const int32_t *y = ds_labels(ds);
    for (size_t i = 0; i < NIMG; i++) assert_int_equal(y[i], labelv[i]);
    assert_no_targets(ds);
}

/* Loads and expects a status whose message contains every given fragment. */
static void expect_idx(const char *img, const char *lab, size_t classes, dsc_status want,
                       const char *frag1, const char *frag2) {
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1;
    dsc__error_clear();
    dsc_status s = dsc_dataset_load_idx(&ds, img, lab, classes);
    if (s != want)
        fail_msg("load_idx(%s, %s) returned %s, expected %s (%s)", img, lab, dsc_status_name(s),
                 dsc_status_name(want), dsc_last_error());
    if (want == DSC_OK) {
        assert_non_null(ds);
        dsc_dataset_free(ds);
        return;
    }
    assert_null(ds);
    assert_true(dsc_last_error()[0] != '\0');
    if (frag1 != NULL && strstr(dsc_last_error(), frag1) == NULL)
        fail_msg("message '%s' lacks '%s'", dsc_last_error(), frag1);
    if (frag2 != NULL && strstr(dsc_last_error(), frag2) == NULL)
        fail_msg("message '%s' lacks '%s'", dsc_last_error(), frag2);
}

/* ---- host arrays ----------------------------------------------------------- */

static const float X[4 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const float T[4 * 2] = {0.5f, -1, 1.5f, -2, 2.5f, -3, 3.5f, -4};
static const int32_t L[4] = {2, 0, 1, 2};

static void test_dataset_new_targets_copy(void **state) {
    (void)state;
    float x[12], t[8];
    memcpy(x, X, sizeof x);
    memcpy(t, T, sizeof t);
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, x, t, 4, 3, 2, DSC_DATASET_COPY));
    assert_int_equal(ds_count(ds), 4);
    assert_int_equal(ds_features(ds), 3);
    assert_int_equal(ds_outputs(ds), 2);
    assert_int_equal(ds_classes(ds), 0);
    assert_int_equal(ds_has_labels(ds), 0);
    assert_int_equal(ds_is_borrowed(ds), 0);
    assert_no_labels(ds);
    const float *gx = ds_inputs(ds), *gt = ds_targets(ds);
    assert_true(gx != x && gt != t);
    assert_int_equal((uintptr_t)gx % 64, 0);
    x[0] = 100; /* the copy does not follow the host */
    t[7] = 100;
    assert_memory_equal(gx, X, sizeof X);
    assert_memory_equal(gt, T, sizeof T);
    dsc_dataset_free(ds);
}

static void test_dataset_new_targets_borrow(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, DSC_DATASET_BORROW));
    assert_ptr_equal(ds_inputs(ds), X);
    assert_ptr_equal(ds_targets(ds), T);
    assert_int_equal(ds_is_borrowed(ds), 1);
    dsc_dataset_free(ds);
}

static void test_dataset_new_labels_both_modes(void **state) {
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        dsc_dataset *ds = NULL;
        assert_ok(dsc_dataset_new_labels(&ds, X, L, 4, 3, 3, (dsc_dataset_mode)mode));
        assert_int_equal(ds_count(ds), 4);
        assert_int_equal(ds_features(ds), 3);
        assert_int_equal(ds_classes(ds), 3);
        assert_int_equal(ds_outputs(ds), 3);
        assert_int_equal(ds_has_labels(ds), 1);
        assert_int_equal(ds_is_borrowed(ds), mode == DSC_DATASET_BORROW);
        assert_no_targets(ds);
        assert_memory_equal(ds_labels(ds), L, sizeof L);
        assert_memory_equal(ds_inputs(ds), X, sizeof X);
        if (mode == DSC_DATASET_BORROW) assert_ptr_equal(ds_labels(ds), L);
        dsc_dataset_free(ds);
    }
    dsc_dataset_free(NULL);
}

#define EXPECT_FAIL(call, want, frag)                                                        \
    do {                                                                                     \
        ds = (dsc_dataset *)(uintptr_t)1;                                                    \
        assert_status(call, want);                                                           \
        assert_null(ds);                                                                     \
        if (strstr(dsc_last_error(), frag) == NULL)                                          \
            fail_msg("%s: message '%s' lacks '%s'", #call, dsc_last_error(), frag);          \
    } while (0)

static void test_dataset_new_targets_failures(void **state) {
    (void)state;
    dsc_dataset *ds;
    const dsc_dataset_mode C = DSC_DATASET_COPY;
    assert_status(dsc_dataset_new_targets(NULL, X, T, 4, 3, 2, C), DSC_E_ARG);
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, NULL, T, 4, 3, 2, C), DSC_E_ARG, "inputs is NULL");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, NULL, 4, 3, 2, C), DSC_E_ARG, "targets is NULL");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 0, 3, 2, C), DSC_E_ARG, "count is 0");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 4, 0, 2, C), DSC_E_ARG, "features is 0");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 4, 3, 0, C), DSC_E_ARG, "outputs is 0");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, SIZE_MAX / 2, 3, 2, C), DSC_E_ARG, "overflow");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 4, 3, SIZE_MAX / 4, C), DSC_E_ARG, "overflow");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, (dsc_dataset_mode)7), DSC_E_UNSUPPORTED,
                "dsc_dataset_new_targets: mode 7 is not a dsc_dataset_mode");
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, (dsc_dataset_mode)2), DSC_E_UNSUPPORTED,
                "mode 2");
    float x[12], t[8];
    memcpy(x, X, sizeof x);
    memcpy(t, T, sizeof t);
    x[5] = NAN;
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, x, t, 4, 3, 2, C), DSC_E_ARG, "inputs[5]");
    x[5] = 6;
    t[6] = -INFINITY;
    EXPECT_FAIL(dsc_dataset_new_targets(&ds, x, t, 4, 3, 2, DSC_DATASET_BORROW), DSC_E_ARG, "targets[6]");
}

static void test_dataset_new_labels_failures(void **state) {
    (void)state;
    dsc_dataset *ds;
    const dsc_dataset_mode C = DSC_DATASET_COPY;
    assert_status(dsc_dataset_new_labels(NULL, X, L, 4, 3, 3, C), DSC_E_ARG);
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, NULL, L, 4, 3, 3, C), DSC_E_ARG, "inputs is NULL");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, NULL, 4, 3, 3, C), DSC_E_ARG, "labels is NULL");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 0, 3, 3, C), DSC_E_ARG, "count is 0");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 4, 0, 3, C), DSC_E_ARG, "features is 0");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 4, 3, 0, C), DSC_E_ARG, "classes is 0");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 4, 3, (size_t)INT32_MAX + 1, C), DSC_E_ARG, "classes is");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 4, SIZE_MAX / 3, 3, C), DSC_E_ARG, "overflow");
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, L, 4, 3, 3, (dsc_dataset_mode)-1), DSC_E_UNSUPPORTED,
                "dsc_dataset_new_labels: mode -1 is not a dsc_dataset_mode");
    int32_t l[4] = {2, 0, 1, 2};
    l[3] = 3;
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, l, 4, 3, 3, C), DSC_E_ARG, "labels[3] is 3");
    l[3] = -1;
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, X, l, 4, 3, 3, DSC_DATASET_BORROW), DSC_E_ARG,
                "labels[3] is -1");
    float x[12];
    memcpy(x, X, sizeof x);
    x[11] = INFINITY;
    EXPECT_FAIL(dsc_dataset_new_labels(&ds, x, L, 4, 3, 3, C), DSC_E_ARG, "inputs[11]");
}

/* Every getter refuses a NULL handle or out-pointer with DSC_E_ARG, naming
 * itself, and sets *out to 0 or NULL when it fails. */
#define GETTER_FAILS(name, type, good)                                               \
    do {                                                                             \
        type v_;                                                                     \
        memset(&v_, 0xa5, sizeof v_);                                                \
        assert_status(dsc_dataset_##name(NULL, &v_), DSC_E_ARG);                     \
        assert_true(v_ == 0);                                                        \
        assert_non_null(strstr(dsc_last_error(), "dsc_dataset_" #name ": data set is NULL")); \
        assert_status(dsc_dataset_##name(good, NULL), DSC_E_ARG);                    \
        assert_non_null(strstr(dsc_last_error(), "dsc_dataset_" #name ": out is NULL")); \
    } while (0)

static void test_dataset_getters_fail_cleanly(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, DSC_DATASET_COPY));
    GETTER_FAILS(count, size_t, ds);
    GETTER_FAILS(features, size_t, ds);
    GETTER_FAILS(outputs, size_t, ds);
    GETTER_FAILS(classes, size_t, ds);
    GETTER_FAILS(has_labels, int, ds);
    GETTER_FAILS(is_borrowed, int, ds);
    GETTER_FAILS(inputs, const float *, ds);
    GETTER_FAILS(targets, const float *, ds);
    GETTER_FAILS(labels, const int32_t *, ds);
    assert_no_labels(ds);
    dsc_dataset_free(ds);
}

/* ---- gather, subset, split ------------------------------------------------ */

static void test_dataset_gather_targets(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, DSC_DATASET_BORROW));
    size_t rows[3] = {3, 0, 3};
    float x[9], t[6];
    assert_ok(dsc_dataset_gather(ds, rows, 3, x, t, NULL));
    const float wx[9] = {10, 11, 12, 1, 2, 3, 10, 11, 12}, wt[6] = {3.5f, -4, 0.5f, -1, 3.5f, -4};
    assert_memory_equal(x, wx, sizeof wx);
    assert_memory_equal(t, wt, sizeof wt);
    /* Any buffer may be skipped; count 0 is a no-op. */
    float x2[3];
    assert_ok(dsc_dataset_gather(ds, rows + 1, 1, x2, NULL, NULL));
    assert_true(x2[0] == 1 && x2[2] == 3);
    assert_ok(dsc_dataset_gather(ds, NULL, 0, NULL, NULL, NULL));
    /* Refused calls write nothing. */
    int32_t lab[3];
    assert_status(dsc_dataset_gather(ds, rows, 3, x, t, lab), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "labels"));
    for (int i = 0; i < 9; i++) x[i] = -7;
    size_t bad[3] = {1, 4, 0};
    assert_status(dsc_dataset_gather(ds, bad, 3, x, t, NULL), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "rows[1] is 4"));
    for (int i = 0; i < 9; i++) assert_true(x[i] == -7);
    assert_status(dsc_dataset_gather(ds, NULL, 2, x, t, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_gather(NULL, rows, 3, x, t, NULL), DSC_E_ARG);
    dsc_dataset_free(ds);
}

static void test_dataset_gather_labels_and_one_hot(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_labels(&ds, X, L, 4, 3, 3, DSC_DATASET_COPY));
    size_t rows[2] = {2, 0};
    float x[6], onehot[6];
    int32_t lab[2];
    assert_ok(dsc_dataset_gather(ds, rows, 2, x, onehot, lab));
    const float wx[6] = {7, 8, 9, 1, 2, 3}, wh[6] = {0, 1, 0, 0, 0, 1};
    assert_memory_equal(x, wx, sizeof wx);
    assert_memory_equal(onehot, wh, sizeof wh);
    assert_int_equal(lab[0], 1);
    assert_int_equal(lab[1], 2);
    dsc_dataset_free(ds);
}

/* The gather makes no allocation: it is what every mini-batch uses. */
static void test_dataset_gather_allocates_nothing(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_labels(&ds, X, L, 4, 3, 3, DSC_DATASET_COPY));
    size_t rows[4] = {3, 2, 1, 0};
    float x[12], t[12];
    int32_t lab[4];
    harness_alloc_install(0);
    assert_ok(dsc_dataset_gather(ds, rows, 4, x, t, lab));
    assert_int_equal(harness_alloc_count(), 0);
    dsc_dataset_free(ds);
}

static void test_dataset_subset(void **state) {
    (void)state;
    dsc_dataset *ds = NULL, *sub = NULL;
    assert_ok(dsc_dataset_new_labels(&ds, X, L, 4, 3, 3, DSC_DATASET_BORROW));
    size_t rows[3] = {1, 1, 3};
    assert_ok(dsc_dataset_subset(&sub, ds, rows, 3));
    dsc_dataset_free(ds); /* the subset is independent */
    assert_int_equal(ds_count(sub), 3);
    assert_int_equal(ds_classes(sub), 3);
    assert_int_equal(ds_is_borrowed(sub), 0);
    const float wx[9] = {4, 5, 6, 4, 5, 6, 10, 11, 12};
    const int32_t wl[3] = {0, 0, 2};
    assert_memory_equal(ds_inputs(sub), wx, sizeof wx);
    assert_memory_equal(ds_labels(sub), wl, sizeof wl);
    dsc_dataset_free(sub);

    assert_ok(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, DSC_DATASET_COPY));
    dsc_dataset *bad = (dsc_dataset *)(uintptr_t)1;
    size_t oob[2] = {0, 4};
    assert_status(dsc_dataset_subset(&bad, ds, oob, 2), DSC_E_ARG);
    assert_null(bad);
    assert_status(dsc_dataset_subset(&bad, ds, rows, 0), DSC_E_ARG);
    assert_status(dsc_dataset_subset(&bad, ds, NULL, 2), DSC_E_ARG);
    assert_status(dsc_dataset_subset(&bad, NULL, rows, 2), DSC_E_ARG);
    assert_status(dsc_dataset_subset(NULL, ds, rows, 2), DSC_E_ARG);
    size_t one = 2;
    assert_ok(dsc_dataset_subset(&sub, ds, &one, 1));
    assert_true(ds_targets(sub)[0] == 2.5f && ds_targets(sub)[1] == -3);
    dsc_dataset_free(sub);
    dsc_dataset_free(ds);
}

/* n rows whose single feature is the row number, label row % 5. */
static dsc_dataset *numbered(size_t n) {
    float *x = malloc(n * sizeof *x);
    int32_t *l = malloc(n * sizeof *l);
    assert_true(x != NULL && l != NULL);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)i;
        l[i] = (int32_t)(i % 5);
    }
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_labels(&ds, x, l, n, 1, 5, DSC_DATASET_COPY));
    free(x);
    free(l);
    return ds;
}

static void split_rows(const dsc_dataset *ds, double frac, uint64_t seed, float *order, size_t *nval) {
    dsc_dataset *tr = NULL, *va = NULL;
    assert_ok(dsc_dataset_split(&tr, &va, ds, frac, seed));
    const size_t nv = ds_count(va), nt = ds_count(tr);
    assert_int_equal(nv + nt, ds_count(ds));
    memcpy(order, ds_inputs(va), nv * sizeof(float));
    memcpy(order + nv, ds_inputs(tr), nt * sizeof(float));
    /* Labels travel with their rows. */
    for (size_t i = 0; i < nv; i++)
        assert_int_equal(ds_labels(va)[i], (int32_t)ds_inputs(va)[i] % 5);
    for (size_t i = 0; i < nt; i++)
        assert_int_equal(ds_labels(tr)[i], (int32_t)ds_inputs(tr)[i] % 5);
    *nval = nv;
    dsc_dataset_free(tr);
    dsc_dataset_free(va);
}

static void test_dataset_split_sizes_and_partition(void **state) {
    (void)state;
    dsc_dataset *ds = numbered(10);
    float order[10];
    size_t nv = 0;
    split_rows(ds, 0.3, 1, order, &nv);
    assert_int_equal(nv, 3);
    int seen[10] = {0};
    for (int i = 0; i < 10; i++) seen[(int)order[i]]++;
    for (int i = 0; i < 10; i++) assert_int_equal(seen[i], 1); /* a partition: every row once */
    split_rows(ds, 0.01, 1, order, &nv);
    assert_int_equal(nv, 1); /* rounded to nearest, at least one row */
    split_rows(ds, 0.94, 1, order, &nv);
    assert_int_equal(nv, 9);
    split_rows(ds, 0.25, 1, order, &nv);
    assert_int_equal(nv, 3); /* 2.5 rounds up */
    dsc_dataset_free(ds);
}

static void test_dataset_split_deterministic(void **state) {
    (void)state;
    dsc_dataset *ds = numbered(100);
    float a[100], b[100], c[100];
    size_t na, nb, nc;
    split_rows(ds, 0.2, 42, a, &na);
    split_rows(ds, 0.2, 42, b, &nb);
    split_rows(ds, 0.2, 43, c, &nc);
    assert_int_equal(na, 20);
    assert_memory_equal(a, b, sizeof a);          /* same seed, same split and order */
    assert_memory_not_equal(a, c, 20 * sizeof(float)); /* another seed, another validation set */
    int shuffled = 0;
    for (int i = 0; i < 100; i++) shuffled |= a[i] != (float)i;
    assert_true(shuffled);
    dsc_dataset_free(ds);
}

static void test_dataset_split_parts_outlive_source(void **state) {
    (void)state;
    dsc_dataset *ds = NULL, *tr = NULL, *va = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, X, T, 4, 3, 2, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_split(&tr, &va, ds, 0.5, 7));
    dsc_dataset_free(ds);
    assert_int_equal(ds_count(tr), 2);
    assert_int_equal(ds_count(va), 2);
    assert_int_equal(ds_outputs(tr), 2);
    assert_int_equal(ds_is_borrowed(tr), 0);
    /* Each row keeps its targets: row r has inputs 3r+1.. and targets r+0.5, -(r+1). */
    const dsc_dataset *parts[2] = {tr, va};
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < 2; i++) {
            const float r = (ds_inputs(parts[p])[3 * i] - 1) / 3;
            assert_true(ds_targets(parts[p])[2 * i] == r + 0.5f);
            assert_true(ds_targets(parts[p])[2 * i + 1] == -(r + 1));
        }
    dsc_dataset_free(tr);
    dsc_dataset_free(va);
}

static void test_dataset_split_failures(void **state) {
    (void)state;
    dsc_dataset *ds = numbered(4), *one = numbered(1);
    dsc_dataset *tr = (dsc_dataset *)(uintptr_t)1, *va = (dsc_dataset *)(uintptr_t)1;
    const double bad[] = {0.0, 1.0, -0.5, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_status(dsc_dataset_split(&tr, &va, ds, bad[i], 1), DSC_E_ARG);
        assert_non_null(strstr(dsc_last_error(), "val_fraction"));
        assert_null(tr);
        assert_null(va);
    }
    assert_status(dsc_dataset_split(&tr, &va, ds, 0.9, 1), DSC_E_ARG); /* 3.6 -> 4 of 4 rows */
    assert_non_null(strstr(dsc_last_error(), "no training rows"));
    assert_status(dsc_dataset_split(&tr, &va, one, 0.5, 1), DSC_E_ARG);
    assert_status(dsc_dataset_split(&tr, &tr, ds, 0.5, 1), DSC_E_ARG);
    assert_status(dsc_dataset_split(NULL, &va, ds, 0.5, 1), DSC_E_ARG);
    assert_status(dsc_dataset_split(&tr, NULL, ds, 0.5, 1), DSC_E_ARG);
    assert_status(dsc_dataset_split(&tr, &va, NULL, 0.5, 1), DSC_E_ARG);
    assert_null(tr);
    dsc_dataset_free(ds);
    dsc_dataset_free(one);
}

/* ---- scaling and standardization ------------------------------------------ */

static void test_dataset_scale_exact(void **state) {
    (void)state;
    const float px[4] = {0, 51, 200, 255};
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, px, px, 2, 2, 2, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_scale(ds, 255.0f));
    /* The host's array is never written: the inputs became an owned copy. */
    assert_int_equal(ds_is_borrowed(ds), 0);
    assert_true(px[1] == 51 && px[3] == 255);
    const float *x = ds_inputs(ds);
    assert_true(x != px);
    assert_true(x[0] == 0.0f && x[1] == 0.2f && x[3] == 1.0f);
    assert_true(x[2] == (float)(200.0 / 255.0));
    assert_ptr_equal(ds_targets(ds), px); /* targets are not inputs: untouched */
    /* Refused divisors change nothing. */
    const float bad[] = {0.0f, -1.0f, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        assert_status(dsc_dataset_scale(ds, bad[i]), DSC_E_ARG);
        assert_non_null(strstr(dsc_last_error(), "divisor"));
    }
    assert_true(x[1] == 0.2f);
    assert_status(dsc_dataset_scale(NULL, 2.0f), DSC_E_ARG);
    dsc_dataset_free(ds);
}

/* Feature 0: 2 4 4 4 5 5 7 9 (mean 5, population std 2); feature 1 constant 3;
 * feature 2: -1 .. 6. */
static const float S[8 * 3] = {2, 3, -1, 4, 3, 0, 4, 3, 1, 4, 3, 2, 5, 3, 3, 5, 3, 4, 7, 3, 5, 9, 3, 6};

static void test_dataset_minmax_exact(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    const int32_t lab[8] = {0};
    assert_ok(dsc_dataset_new_labels(&ds, S, lab, 8, 3, 1, DSC_DATASET_COPY));
    float mn[3], mx[3];
    assert_ok(dsc_dataset_feature_minmax(ds, mn, mx));
    const float wmn[3] = {2, 3, -1}, wmx[3] = {9, 3, 6};
    assert_memory_equal(mn, wmn, sizeof mn);
    assert_memory_equal(mx, wmx, sizeof mx);
    assert_ok(dsc_dataset_normalize_minmax(ds, NULL, NULL));
    const float *x = ds_inputs(ds);
    for (int i = 0; i < 8; i++) {
        assert_true(x[3 * i] == (float)((S[3 * i] - 2.0) / 7.0));
        assert_true(x[3 * i + 1] == 0.0f); /* constant feature */
        assert_true(x[3 * i + 2] == (float)((S[3 * i + 2] + 1.0) / 7.0));
    }
    assert_true(x[0] == 0.0f && x[21] == 1.0f && x[2] == 0.0f && x[23] == 1.0f);
    /* The training set's statistics applied to another set. */
    const float other[3] = {16, 3, 2.5f};
    dsc_dataset *o = NULL;
    assert_ok(dsc_dataset_new_labels(&o, other, lab, 1, 3, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_normalize_minmax(o, mn, mx));
    const float *y = ds_inputs(o);
    assert_true(y[0] == 2.0f && y[1] == 0.0f && y[2] == 0.5f);
    assert_true(other[0] == 16); /* borrowed input untouched */
    dsc_dataset_free(o);
    dsc_dataset_free(ds);
}

static void test_dataset_minmax_failures_change_nothing(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    const int32_t lab[8] = {0};
    assert_ok(dsc_dataset_new_labels(&ds, S, lab, 8, 3, 1, DSC_DATASET_BORROW));
    float mn[3] = {0, 0, 0}, mx[3] = {1, 1, 1};
    assert_status(dsc_dataset_normalize_minmax(ds, mn, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_normalize_minmax(ds, NULL, mx), DSC_E_ARG);
    mx[2] = -1;
    assert_status(dsc_dataset_normalize_minmax(ds, mn, mx), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "feature 2"));
    mx[2] = NAN;
    assert_status(dsc_dataset_normalize_minmax(ds, mn, mx), DSC_E_ARG);
    mx[2] = 1;
    mn[1] = -INFINITY;
    assert_status(dsc_dataset_normalize_minmax(ds, mn, mx), DSC_E_ARG);
    assert_status(dsc_dataset_normalize_minmax(NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_feature_minmax(ds, NULL, mx), DSC_E_ARG);
    assert_status(dsc_dataset_feature_minmax(ds, mn, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_feature_minmax(NULL, mn, mx), DSC_E_ARG);
    assert_ptr_equal(ds_inputs(ds), S);
    assert_int_equal(ds_is_borrowed(ds), 1);
    dsc_dataset_free(ds);
}

static void test_dataset_standardize_exact(void **state) {
    (void)state;
    dsc_dataset *ds = NULL, *twin = NULL;
    float t8[8] = {0};
    assert_ok(dsc_dataset_new_targets(&ds, S, t8, 8, 3, 1, DSC_DATASET_COPY));
    assert_ok(dsc_dataset_new_targets(&twin, S, t8, 8, 3, 1, DSC_DATASET_BORROW));
    float mean[3], sd[3];
    assert_ok(dsc_dataset_feature_meanstd(ds, mean, sd));
    assert_true(mean[0] == 5.0f && sd[0] == 2.0f);
    assert_true(mean[1] == 3.0f && sd[1] == 0.0f);
    assert_true(mean[2] == 2.5f);
    assert_true(sd[2] == (float)sqrt(5.25)); /* population std of -1..6 */
    assert_ok(dsc_dataset_standardize(ds, NULL, NULL));
    const float *x = ds_inputs(ds);
    const float w0[8] = {-1.5f, -0.5f, -0.5f, -0.5f, 0, 0, 1, 2};
    for (int i = 0; i < 8; i++) {
        assert_true(x[3 * i] == w0[i]);
        assert_true(x[3 * i + 1] == 0.0f); /* std 0: centred only */
    }
    /* Own statistics equal passing feature_meanstd's result. */
    assert_ok(dsc_dataset_standardize(twin, mean, sd));
    assert_memory_equal(ds_inputs(twin), x, sizeof S);
    /* Re-measured: mean 0, std 1 on the non-constant features. */
    float m2[3], s2[3];
    assert_ok(dsc_dataset_feature_meanstd(ds, m2, s2));
    assert_true(fabsf(m2[0]) < 1e-7f && fabsf(m2[2]) < 1e-7f);
    assert_true(fabsf(s2[0] - 1) < 1e-6f && fabsf(s2[2] - 1) < 1e-6f);
    /* Training statistics applied to a validation row. */
    const float v[3] = {1, 4, 2.5f};
    dsc_dataset *val = NULL;
    assert_ok(dsc_dataset_new_targets(&val, v, t8, 1, 3, 1, DSC_DATASET_COPY));
    assert_ok(dsc_dataset_standardize(val, mean, sd));
    const float *y = ds_inputs(val);
    assert_true(y[0] == -2.0f && y[1] == 1.0f && y[2] == 0.0f);
    dsc_dataset_free(val);
    dsc_dataset_free(twin);
    dsc_dataset_free(ds);
}

static void test_dataset_standardize_failures_change_nothing(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    float t8[8] = {0};
    assert_ok(dsc_dataset_new_targets(&ds, S, t8, 8, 3, 1, DSC_DATASET_COPY));
    const float *before = ds_inputs(ds);
    float mean[3] = {0, 0, 0}, sd[3] = {1, 1, 1};
    assert_status(dsc_dataset_standardize(ds, mean, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_standardize(ds, NULL, sd), DSC_E_ARG);
    sd[1] = -1;
    assert_status(dsc_dataset_standardize(ds, mean, sd), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "std[1]"));
    sd[1] = INFINITY;
    assert_status(dsc_dataset_standardize(ds, mean, sd), DSC_E_ARG);
    sd[1] = 1;
    mean[0] = NAN;
    assert_status(dsc_dataset_standardize(ds, mean, sd), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "mean[0]"));
    assert_status(dsc_dataset_standardize(NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_feature_meanstd(ds, NULL, sd), DSC_E_ARG);
    assert_status(dsc_dataset_feature_meanstd(ds, mean, NULL), DSC_E_ARG);
    assert_status(dsc_dataset_feature_meanstd(NULL, mean, sd), DSC_E_ARG);
    assert_ptr_equal(ds_inputs(ds), before);
    assert_memory_equal(before, S, sizeof S);
    dsc_dataset_free(ds);
}

/* Copy-on-write of borrowed inputs can fail; the data set is then unchanged. */
static void test_dataset_transform_nomem_changes_nothing(void **state) {
    (void)state;
    dsc_dataset *ds = NULL;
    const int32_t lab[8] = {0};
    assert_ok(dsc_dataset_new_labels(&ds, S, lab, 8, 3, 1, DSC_DATASET_BORROW));
    harness_alloc_install(1);
    assert_status(dsc_dataset_scale(ds, 2.0f), DSC_E_NOMEM);
    harness_alloc_install(1);
    assert_status(dsc_dataset_normalize_minmax(ds, NULL, NULL), DSC_E_NOMEM);
    harness_alloc_install(1);
    assert_status(dsc_dataset_standardize(ds, NULL, NULL), DSC_E_NOMEM);
    assert_ptr_equal(ds_inputs(ds), S);
    assert_int_equal(ds_is_borrowed(ds), 1);
    dsc_dataset_free(ds);
}

/* Column blocks: more features than one statistics block (64). */
static void test_dataset_stats_wide(void **state) {
    (void)state;
    enum { N = 5, F = 150 };
    float x[N * F];
    const int32_t lab[N] = {0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < F; j++) x[i * F + j] = (float)(j + 10 * i);
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_labels(&ds, x, lab, N, F, 1, DSC_DATASET_COPY));
    float mn[F], mx[F], mean[F], sd[F];
    assert_ok(dsc_dataset_feature_minmax(ds, mn, mx));
    assert_ok(dsc_dataset_feature_meanstd(ds, mean, sd));
    for (int j = 0; j < F; j++) {
        assert_true(mn[j] == (float)j && mx[j] == (float)(j + 40));
        assert_true(mean[j] == (float)(j + 20));
        assert_true(sd[j] == (float)sqrt(200.0)); /* population std of 0,10,..,40 */
    }
    assert_ok(dsc_dataset_normalize_minmax(ds, NULL, NULL));
    const float *y = ds_inputs(ds);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < F; j++) assert_true(y[i * F + j] == (float)(i / 4.0));
    dsc_dataset_free(ds);
}

/* ---- IDX ------------------------------------------------------------------ */

static void test_dataset_idx_raw(void **state) {
    (void)state;
    unsigned char b[64];
    const char *img = write_file("img.idx", b, good_images(b));
    const char *lab = write_file("lab.idx", b, good_labels(b));
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_load_idx(&ds, img, lab, 10));
    check_good_idx(ds);
    assert_int_equal(ds_is_borrowed(ds), 0);
    assert_ok(dsc_dataset_scale(ds, 255.0f));
    assert_true(ds_inputs(ds)[6] == 1.0f);
    dsc_dataset_free(ds);
    /* Ten classes is the least these labels (up to 9) allow. */
    expect_idx(img, lab, 9, DSC_E_FORMAT, "label 0 is 9", "9 classes");
}

static void test_dataset_idx_gzip(void **state) {
    (void)state;
    unsigned char raw[64], gz[256], gz2[256];
    size_t n = good_images(raw);
    const char *img = write_file("img.gz", gz, gzip_bytes(raw, n, gz, sizeof gz));
    size_t m = good_labels(raw);
    const char *lab = write_file("lab.gz", gz, gzip_bytes(raw, m, gz, sizeof gz));
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_load_idx(&ds, img, lab, 10));
    check_good_idx(ds);
    dsc_dataset_free(ds);
    /* One file compressed, the other not. */
    const char *rawlab = write_file("lab.idx", raw, m);
    assert_ok(dsc_dataset_load_idx(&ds, img, rawlab, 10));
    check_good_idx(ds);
    dsc_dataset_free(ds);
    /* Two concatenated gzip members (RFC 1952) read as one stream. */
    n = good_images(raw);
    size_t k1 = gzip_bytes(raw, 10, gz2, sizeof gz2);
    size_t k2 = gzip_bytes(raw + 10, n - 10, gz2 + k1, sizeof gz2 - k1);
    const char *img2 = write_file("img2.gz", gz2, k1 + k2);
    assert_ok(dsc_dataset_load_idx(&ds, img2, lab, 10));
    check_good_idx(ds);
    dsc_dataset_free(ds);
}

static void test_dataset_idx_corrupt_raw(void **state) {
    (void)state;
    unsigned char b[128];
    const char *lab = write_file("lab.idx", b, good_labels(b));
    size_t n = good_images(b);
    const char *img = write_file("img.idx", b, n);

    const char *p = write_file("bad.idx", b, n - 1);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.idx", "truncated");
    b[n] = 0;
    p = write_file("bad.idx", b, n + 1);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.idx", "trailing");
    p = write_file("bad.idx", b, 0);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.idx", "truncated");
    p = write_file("bad.idx", b, 10);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.idx", "truncated header");
    /* Wrong magic; a labels file given as images (and the reverse). */
    n = idx_images(b, 0x804, NIMG, ROWS, COLS, pixels, sizeof pixels);
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "wrong magic 0x00000804", "0x00000803");
    n = idx_images(b, 0x0b03, NIMG, ROWS, COLS, pixels, sizeof pixels); /* type byte: not ubyte */
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "wrong magic", NULL);
    expect_idx(lab, lab, 10, DSC_E_FORMAT, "wrong magic 0x00000801", "labels file");
    expect_idx(img, img, 10, DSC_E_FORMAT, "wrong magic 0x00000803", "images file");
    /* Zero and overflowing dimensions; a huge count in a small file. */
    n = idx_images(b, 0x803, NIMG, 0, COLS, pixels, 0);
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "dimension 1 is 0", NULL);
    n = idx_images(b, 0x803, 0xffffffffu, 0xffffffffu, 0xffffffffu, pixels, sizeof pixels);
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "overflow", NULL);
    n = idx_images(b, 0x803, 60000, 28, 28, pixels, sizeof pixels);
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "truncated", "47040000");
    /* Counts that disagree with each other. */
    n = idx_images(b, 0x803, NIMG - 1, ROWS, COLS, pixels, (NIMG - 1) * ROWS * COLS);
    p = write_file("bad.idx", b, n);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "has 2 images", "has 3 labels");
    /* Labels: truncated, trailing bytes, out of range, zero count. */
    n = good_labels(b);
    p = write_file("badlab.idx", b, n - 1);
    expect_idx(img, p, 10, DSC_E_FORMAT, "badlab.idx", "truncated");
    b[n] = 1;
    p = write_file("badlab.idx", b, n + 1);
    expect_idx(img, p, 10, DSC_E_FORMAT, "badlab.idx", "trailing");
    const unsigned char big[NIMG] = {1, 10, 2};
    n = idx_labels(b, 0x801, NIMG, big, NIMG);
    p = write_file("badlab.idx", b, n);
    expect_idx(img, p, 10, DSC_E_FORMAT, "label 1 is 10", "badlab.idx");
    n = idx_labels(b, 0x801, 0, big, 0);
    p = write_file("badlab.idx", b, n);
    expect_idx(img, p, 10, DSC_E_FORMAT, "dimension 0 is 0", NULL);
}

static void test_dataset_idx_corrupt_gzip(void **state) {
    (void)state;
    unsigned char raw[128], gz[512];
    const char *lab = write_file("lab.idx", raw, good_labels(raw));
    size_t n = good_images(raw);
    size_t k = gzip_bytes(raw, n, gz, sizeof gz);

    /* Compressed stream cut short, at several places. */
    const size_t cuts[] = {2, 10, k / 2, k - 4, k - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = write_file("bad.gz", gz, cuts[i]);
        expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.gz", NULL);
    }
    const char *p = write_file("bad.gz", gz, k / 2);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "ends early", NULL);
    /* A damaged CRC-32 in the trailer. */
    unsigned char bad[512];
    memcpy(bad, gz, k);
    bad[k - 6] ^= 0x55;
    p = write_file("bad.gz", bad, k);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "damaged gzip data", NULL);
    /* Garbage after the gzip stream. */
    memcpy(bad, gz, k);
    memcpy(bad + k, "junk", 4);
    p = write_file("bad.gz", bad, k + 4);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "garbage after the end of the gzip data", NULL);
    memcpy(bad + k, "\x1f", 1);
    p = write_file("bad.gz", bad, k + 1);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "garbage", NULL);
    /* Well-formed gzip whose content is truncated or has trailing bytes. */
    p = write_file("bad.gz", bad, gzip_bytes(raw, n - 1, bad, sizeof bad));
    expect_idx(p, lab, 10, DSC_E_FORMAT, "truncated", "bad.gz");
    raw[n] = 7;
    p = write_file("bad.gz", bad, gzip_bytes(raw, n + 1, bad, sizeof bad));
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bytes follow", NULL);
    /* A second member adding bytes past the announced data. */
    k = gzip_bytes(raw, n, bad, sizeof bad);
    k += gzip_bytes(raw, 3, bad + k, sizeof bad - k);
    p = write_file("bad.gz", bad, k);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bytes follow", NULL);
    /* A header announcing more than the file could inflate to. */
    n = idx_images(raw, 0x803, 60000, 28, 28, pixels, sizeof pixels);
    p = write_file("bad.gz", bad, gzip_bytes(raw, n, bad, sizeof bad));
    expect_idx(p, lab, 10, DSC_E_FORMAT, "more than a gzip file", NULL);
    /* Gzip magic followed by nonsense. */
    memcpy(bad, "\x1f\x8b\x08\x00nonsense-nonsense-nonsense", 30);
    p = write_file("bad.gz", bad, 30);
    expect_idx(p, lab, 10, DSC_E_FORMAT, "bad.gz", NULL);
    /* Labels: gzip with a label out of range. */
    const unsigned char big[NIMG] = {1, 2, 200};
    n = idx_labels(raw, 0x801, NIMG, big, NIMG);
    const char *img = write_file("img.idx", raw + 64, good_images(raw + 64));
    p = write_file("badlab.gz", bad, gzip_bytes(raw, n, bad, sizeof bad));
    expect_idx(img, p, 10, DSC_E_FORMAT, "label 2 is 200", NULL);
}

static void test_dataset_idx_io_and_args(void **state) {
    (void)state;
    unsigned char b[64];
    const char *img = write_file("img.idx", b, good_images(b));
    const char *lab = write_file("lab.idx", b, good_labels(b));
    char missing[320];
    snprintf(missing, sizeof missing, "%s/no-such-file", tmpdir);
    expect_idx(missing, lab, 10, DSC_E_IO, "no-such-file", "cannot open");
    expect_idx(img, missing, 10, DSC_E_IO, "no-such-file", NULL);
    expect_idx(tmpdir, lab, 10, DSC_E_IO, "not a regular file", NULL);
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1;
    assert_status(dsc_dataset_load_idx(&ds, NULL, lab, 10), DSC_E_ARG);
    assert_null(ds);
    assert_status(dsc_dataset_load_idx(&ds, img, NULL, 10), DSC_E_ARG);
    assert_status(dsc_dataset_load_idx(&ds, img, lab, 0), DSC_E_ARG);
    assert_status(dsc_dataset_load_idx(&ds, img, lab, 257), DSC_E_ARG);
    assert_status(dsc_dataset_load_idx(NULL, img, lab, 10), DSC_E_ARG);
    assert_ok(dsc_dataset_load_idx(&ds, img, lab, 256));
    dsc_dataset_free(ds);
}

static void test_dataset_idx_fashion_mnist(void **state) {
    (void)state;
    const char *img = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    const char *lab = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    if (access(img, R_OK) != 0 || access(lab, R_OK) != 0) {
        print_message("skipped: Fashion-MNIST not installed (tools/install-deps.sh demo)\n");
        skip();
    }
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_load_idx(&ds, img, lab, 10));
    assert_int_equal(ds_count(ds), 10000);
    assert_int_equal(ds_features(ds), 784);
    assert_int_equal(ds_classes(ds), 10);
    /* The test set is balanced: 1000 images per class. */
    size_t per[10] = {0};
    for (size_t i = 0; i < 10000; i++) per[ds_labels(ds)[i]]++;
    for (int c = 0; c < 10; c++) assert_int_equal(per[c], 1000);
    float mn[784], mx[784];
    assert_ok(dsc_dataset_feature_minmax(ds, mn, mx));
    float lo = 255, hi = 0;
    for (int j = 0; j < 784; j++) {
        lo = mn[j] < lo ? mn[j] : lo;
        hi = mx[j] > hi ? mx[j] : hi;
    }
    assert_true(lo == 0.0f && hi == 255.0f);
    dsc_dataset_free(ds);
}

/* Deterministic mutations of good files (a byte changed, the file cut, a
 * byte appended): every load either succeeds with a consistent data set or
 * fails with DSC_E_FORMAT, never anything else (run under ASan and valgrind
 * by make check-asan and make check-valgrind). */
static uint32_t mut_state = 12345;
static uint32_t mut_next(void) {
    mut_state = mut_state * 1664525u + 1013904223u;
    return mut_state >> 8;
}

static void load_mutant(const char *name, const unsigned char *good, size_t n, int csv, const char *other) {
    unsigned char buf[512];
    for (int trial = 0; trial < 150; trial++) {
        size_t len = n;
        memcpy(buf, good, n);
        switch (trial % 3) {
        case 0: buf[mut_next() % n] = (unsigned char)mut_next(); break;
        case 1: len = mut_next() % n; break;
        default: buf[n] = (unsigned char)mut_next(); len = n + 1; break;
        }
        const char *p = write_file(name, buf, len);
        dsc_dataset *ds = NULL;
        dsc__error_clear();
        dsc_status s = csv ? dsc_dataset_load_csv(&ds, p, NULL, 1, 0) : dsc_dataset_load_idx(&ds, p, other, 256);
        if (s == DSC_OK) {
            assert_true(ds_count(ds) >= 1 && ds_features(ds) >= 1);
            dsc_dataset_free(ds);
        } else if (s != DSC_E_FORMAT) {
            fail_msg("mutant %d of %s gave %s: %s", trial, name, dsc_status_name(s), dsc_last_error());
        } else {
            assert_null(ds);
            assert_true(dsc_last_error()[0] != '\0');
        }
    }
}

static void test_dataset_mutated_files_never_crash(void **state) {
    (void)state;
    unsigned char raw[64], gz[256], lab[64];
    size_t n = good_images(raw);
    const char *labp = write_file("lab.idx", lab, good_labels(lab));
    load_mutant("mut.idx", raw, n, 0, labp);
    load_mutant("mut.gz", gz, gzip_bytes(raw, n, gz, sizeof gz), 0, labp);
    const char *text = "a,b,c\n1,2,3\n4.5,-6,7e1\n";
    load_mutant("mut.csv", (const unsigned char *)text, strlen(text), 1, NULL);
}

/* ---- CSV ------------------------------------------------------------------ */

static void expect_csv(const char *text, const char *target, size_t index, size_t classes, dsc_status want,
                       const char *frag1, const char *frag2) {
    const char *p = write_text("bad.csv", text);
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1;
    dsc__error_clear();
    dsc_status s = dsc_dataset_load_csv(&ds, p, target, index, classes);
    if (s != want)
        fail_msg("load_csv of \"%s\" returned %s, expected %s (%s)", text, dsc_status_name(s),
                 dsc_status_name(want), dsc_last_error());
    assert_null(ds);
    assert_true(dsc_last_error()[0] != '\0');
    if (frag1 != NULL && strstr(dsc_last_error(), frag1) == NULL)
        fail_msg("message '%s' lacks '%s'", dsc_last_error(), frag1);
    if (frag2 != NULL && strstr(dsc_last_error(), frag2) == NULL)
        fail_msg("message '%s' lacks '%s'", dsc_last_error(), frag2);
}

static void test_dataset_csv_labels_by_name(void **state) {
    (void)state;
    /* BOM, quoted names, spaces, CRLF, blank lines, target in the middle. */
    const char *p = write_text("iris.csv", "\xEF\xBB\xBF\"sepal\", species ,petal\r\n"
                                           "5.1, 0, 1.4\r\n"
                                           "\r\n"
                                           "7.0,2,-4.7e1\r\n"
                                           "6.3,1,6\n"
                                           "  \n");
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_load_csv(&ds, p, "species", 0, 3));
    assert_int_equal(ds_count(ds), 3);
    assert_int_equal(ds_features(ds), 2);
    assert_int_equal(ds_classes(ds), 3);
    assert_int_equal(ds_has_labels(ds), 1);
    const float wx[6] = {5.1f, 1.4f, 7.0f, -47.0f, 6.3f, 6.0f};
    const int32_t wl[3] = {0, 2, 1};
    assert_memory_equal(ds_inputs(ds), wx, sizeof wx);
    assert_memory_equal(ds_labels(ds), wl, sizeof wl);
    dsc_dataset_free(ds);
}

static void test_dataset_csv_float_target_by_index(void **state) {
    (void)state;
    const char *p = write_text("reg.csv", "x1,x2,y\n1,2,0.5\n3,4,-1.25\n1e-3,\"5\",1e3"); /* no final newline */
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_load_csv(&ds, p, NULL, 2, 0));
    assert_int_equal(ds_count(ds), 3);
    assert_int_equal(ds_features(ds), 2);
    assert_int_equal(ds_outputs(ds), 1);
    assert_int_equal(ds_has_labels(ds), 0);
    const float wx[6] = {1, 2, 3, 4, 1e-3f, 5}, wt[3] = {0.5f, -1.25f, 1000};
    assert_memory_equal(ds_inputs(ds), wx, sizeof wx);
    assert_memory_equal(ds_targets(ds), wt, sizeof wt);
    dsc_dataset_free(ds);
    /* The first column as target; a label "2.0" is an integer. */
    p = write_text("reg.csv", "c,a\n2.0,7\n0,8\n");
    assert_ok(dsc_dataset_load_csv(&ds, p, NULL, 0, 3));
    assert_int_equal(ds_labels(ds)[0], 2);
    assert_true(ds_inputs(ds)[1] == 8);
    dsc_dataset_free(ds);
}

static void test_dataset_csv_malformed(void **state) {
    (void)state;
    expect_csv("a,b,c\n1,2,3\n4,5\n", "c", 0, 0, DSC_E_FORMAT, "line 3 has 2 fields", "header has 3");
    expect_csv("a,b,c\n1,2,3\n4,5,6,7\n", "c", 0, 0, DSC_E_FORMAT, "line 3 has 4 fields", NULL);
    expect_csv("a,b,c\n1,2,3\n\n4,abc,6\n", "c", 0, 0, DSC_E_FORMAT, "line 4, column 1", "'abc' is not a number");
    expect_csv("a,b,c\n1,,3\n", "c", 0, 0, DSC_E_FORMAT, "line 2, column 1: empty field", NULL);
    expect_csv("a,b,c\n1,2 3,3\n", "c", 0, 0, DSC_E_FORMAT, "'2 3' is not a number", NULL);
    expect_csv("a,b,c\n1,nan,3\n", "c", 0, 0, DSC_E_FORMAT, "not a finite", NULL);
    expect_csv("a,b,c\n1,1e39,3\n", "c", 0, 0, DSC_E_FORMAT, "not a finite", NULL);
    expect_csv("a,b,c\n1,2,1.5\n", "c", 0, 3, DSC_E_FORMAT, "line 2, column 2: label 1.5", NULL);
    expect_csv("a,b,c\n1,2,3\n", "c", 0, 3, DSC_E_FORMAT, "label 3 is not an integer in [0, 3)", NULL);
    expect_csv("a,b,c\n1,2,-1\n", "c", 0, 3, DSC_E_FORMAT, "label -1", NULL);
    expect_csv("", "c", 0, 0, DSC_E_FORMAT, "no header line", NULL);
    expect_csv("\na,b\n1,2\n", "b", 0, 0, DSC_E_FORMAT, "no header line", NULL);
    expect_csv("a,b,c\n", "c", 0, 0, DSC_E_FORMAT, "no data rows", NULL);
    expect_csv("a,b,c\n\n\n", "c", 0, 0, DSC_E_FORMAT, "no data rows", NULL);
    expect_csv("a\n1\n", NULL, 0, 0, DSC_E_FORMAT, "at least 2", NULL);
    expect_csv("a,b,a\n1,2,3\n", "a", 0, 0, DSC_E_FORMAT, "columns 0 and 2 are both named 'a'", NULL);
    char big[300] = "a,b\n1,";
    memset(big + 6, '1', 200);
    strcpy(big + 206, "\n");
    expect_csv(big, "a", 0, 0, DSC_E_FORMAT, "200-character field", NULL);
}

static void test_dataset_csv_args_and_io(void **state) {
    (void)state;
    expect_csv("a,b\n1,2\n", "z", 0, 0, DSC_E_ARG, "no column named 'z'", NULL);
    expect_csv("a,b\n1,2\n", NULL, 2, 0, DSC_E_ARG, "target_index is 2", NULL);
    const char *p = write_text("ok.csv", "a,b\n1,2\n");
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1;
    assert_status(dsc_dataset_load_csv(&ds, NULL, "a", 0, 0), DSC_E_ARG);
    assert_null(ds);
    assert_status(dsc_dataset_load_csv(NULL, p, "a", 0, 0), DSC_E_ARG);
    assert_status(dsc_dataset_load_csv(&ds, p, "a", 0, (size_t)INT32_MAX + 1), DSC_E_ARG);
    char missing[320];
    snprintf(missing, sizeof missing, "%s/absent.csv", tmpdir);
    assert_status(dsc_dataset_load_csv(&ds, missing, "a", 0, 0), DSC_E_IO);
    assert_non_null(strstr(dsc_last_error(), "absent.csv"));
    assert_status(dsc_dataset_load_csv(&ds, tmpdir, "a", 0, 0), DSC_E_IO);
    assert_null(ds);
    assert_ok(dsc_dataset_load_csv(&ds, p, "a", 0, 0));
    assert_true(ds_targets(ds)[0] == 1 && ds_inputs(ds)[0] == 2);
    dsc_dataset_free(ds);
}

/* The loaders' memory paths (tests/fuzz): the same data sets and statuses
 * as the files, messages naming the parts in memory. */
static void test_dataset_load_from_memory(void **state) {
    (void)state;
    unsigned char img[256], lab[64], gz[512];
    const size_t ni = good_images(img), nl = good_labels(lab);
    dsc_dataset *ds = NULL;
    assert_ok(dsc__dataset_load_idx_mem(&ds, img, ni, lab, nl, 10));
    check_good_idx(ds);
    dsc_dataset_free(ds);
    const size_t ngz = gzip_bytes(img, ni, gz, sizeof gz);
    assert_ok(dsc__dataset_load_idx_mem(&ds, gz, ngz, lab, nl, 10));
    check_good_idx(ds);
    dsc_dataset_free(ds);
    ds = (dsc_dataset *)(uintptr_t)1;
    assert_status(dsc__dataset_load_idx_mem(&ds, img, ni - 1, lab, nl, 10), DSC_E_FORMAT);
    assert_null(ds);
    assert_non_null(strstr(dsc_last_error(), "dsc_dataset_load_idx: <images in memory>: truncated"));
    assert_status(dsc__dataset_load_idx_mem(&ds, gz, ngz - 3, lab, nl, 10), DSC_E_FORMAT);
    assert_status(dsc__dataset_load_idx_mem(&ds, img, ni, img, ni, 10), DSC_E_FORMAT);
    assert_non_null(strstr(dsc_last_error(), "<labels in memory>: wrong magic"));
    assert_status(dsc__dataset_load_idx_mem(&ds, img, 0, lab, nl, 10), DSC_E_FORMAT);
    assert_status(dsc__dataset_load_idx_mem(&ds, NULL, 0, lab, nl, 10), DSC_E_ARG);
    assert_status(dsc__dataset_load_idx_mem(&ds, img, ni, NULL, 0, 10), DSC_E_ARG);
    assert_status(dsc__dataset_load_idx_mem(&ds, img, ni, lab, nl, 0), DSC_E_ARG);
    assert_status(dsc__dataset_load_idx_mem(NULL, img, ni, lab, nl, 10), DSC_E_ARG);

    static const char csv[] = "a,b,label\n1,2,0\n3,4,2\n";
    assert_ok(dsc__dataset_load_csv_mem(&ds, "mem.csv", csv, sizeof csv - 1, "label", 0, 3));
    assert_int_equal(ds_count(ds), 2);
    assert_int_equal(ds_features(ds), 2);
    assert_int_equal(ds_labels(ds)[1], 2);
    assert_true(ds_inputs(ds)[2] == 3.0f);
    dsc_dataset_free(ds);
    /* No terminating NUL is needed: the last field ends at the size. */
    assert_ok(dsc__dataset_load_csv_mem(&ds, "mem.csv", csv, sizeof csv - 2, NULL, 2, 3));
    assert_int_equal(ds_count(ds), 2);
    dsc_dataset_free(ds);
    ds = (dsc_dataset *)(uintptr_t)1;
    assert_status(dsc__dataset_load_csv_mem(&ds, "mem.csv", csv, 0, NULL, 0, 0), DSC_E_FORMAT);
    assert_null(ds);
    assert_non_null(strstr(dsc_last_error(), "dsc_dataset_load_csv: mem.csv: line 1"));
    assert_status(dsc__dataset_load_csv_mem(&ds, "mem.csv", csv, sizeof csv - 1, "nope", 0, 3), DSC_E_ARG);
    assert_status(dsc__dataset_load_csv_mem(&ds, "mem.csv", NULL, 3, NULL, 0, 0), DSC_E_ARG);
    assert_status(dsc__dataset_load_csv_mem(&ds, NULL, csv, 3, NULL, 0, 0), DSC_E_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_new_targets_copy),
        cmocka_unit_test(test_dataset_new_targets_borrow),
        cmocka_unit_test(test_dataset_new_labels_both_modes),
        cmocka_unit_test(test_dataset_new_targets_failures),
        cmocka_unit_test(test_dataset_new_labels_failures),
        cmocka_unit_test(test_dataset_getters_fail_cleanly),
        cmocka_unit_test(test_dataset_gather_targets),
        cmocka_unit_test(test_dataset_gather_labels_and_one_hot),
        cmocka_unit_test_teardown(test_dataset_gather_allocates_nothing, harness_alloc_teardown),
        cmocka_unit_test(test_dataset_subset),
        cmocka_unit_test(test_dataset_split_sizes_and_partition),
        cmocka_unit_test(test_dataset_split_deterministic),
        cmocka_unit_test(test_dataset_split_parts_outlive_source),
        cmocka_unit_test(test_dataset_split_failures),
        cmocka_unit_test(test_dataset_scale_exact),
        cmocka_unit_test(test_dataset_minmax_exact),
        cmocka_unit_test(test_dataset_minmax_failures_change_nothing),
        cmocka_unit_test(test_dataset_standardize_exact),
        cmocka_unit_test(test_dataset_standardize_failures_change_nothing),
        cmocka_unit_test_teardown(test_dataset_transform_nomem_changes_nothing, harness_alloc_teardown),
        cmocka_unit_test(test_dataset_stats_wide),
        cmocka_unit_test(test_dataset_idx_raw),
        cmocka_unit_test(test_dataset_idx_gzip),
        cmocka_unit_test(test_dataset_idx_corrupt_raw),
        cmocka_unit_test(test_dataset_idx_corrupt_gzip),
        cmocka_unit_test(test_dataset_idx_io_and_args),
        cmocka_unit_test(test_dataset_idx_fashion_mnist),
        cmocka_unit_test(test_dataset_mutated_files_never_crash),
        cmocka_unit_test(test_dataset_csv_labels_by_name),
        cmocka_unit_test(test_dataset_csv_float_target_by_index),
        cmocka_unit_test(test_dataset_csv_malformed),
        cmocka_unit_test(test_dataset_csv_args_and_io),
        cmocka_unit_test(test_dataset_load_from_memory),
    };
    return cmocka_run_group_tests_name("dataset", tests, group_setup, group_teardown);
}
