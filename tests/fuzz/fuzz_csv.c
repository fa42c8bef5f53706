/* Fuzz target: the CSV loader (dsc_dataset_load_csv), through its
 * load-from-memory path (the parser the file loader uses).
 *
 * Input: byte 0 chooses classes (0 for a float target, else 1..31); byte 1
 * the target: bit 7 set picks a name from a short list (index: the low
 * bits), clear takes the low bits as target_index; the rest is the file.
 *
 * Invariants: a known status with a message on failure and *out NULL; on
 * success a data set of at least one row, every input finite, every label
 * in [0, classes), every target finite. The replay build also writes the
 * bytes to a temporary file and requires dsc_dataset_load_csv to give the
 * same status and data set. */
#include "fuzz.h"
#include "train/dataset_impl.h"

static const char *const names[] = {"y", "label", "target", "x", "a b", "\"y\"", "", "price"};

#ifdef DSC_FUZZ_REPLAY
#include <unistd.h>

static int same_dataset(const dsc_dataset *a, const dsc_dataset *b, int labelled) {
    size_t ca, cb, fa, fb;
    const float *xa, *xb;
    FZ_OK(dsc_dataset_count(a, &ca));
    FZ_OK(dsc_dataset_count(b, &cb));
    FZ_OK(dsc_dataset_features(a, &fa));
    FZ_OK(dsc_dataset_features(b, &fb));
    FZ_OK(dsc_dataset_inputs(a, &xa));
    FZ_OK(dsc_dataset_inputs(b, &xb));
    if (ca != cb || fa != fb || !fz_same(xa, xb, ca * fa * sizeof *xa)) return 0;
    if (labelled) {
        const int32_t *ya, *yb;
        FZ_OK(dsc_dataset_labels(a, &ya));
        FZ_OK(dsc_dataset_labels(b, &yb));
        return fz_same(ya, yb, ca * sizeof *ya);
    }
    const float *ta, *tb;
    FZ_OK(dsc_dataset_targets(a, &ta));
    FZ_OK(dsc_dataset_targets(b, &tb));
    return fz_same(ta, tb, ca * sizeof *ta);
}

static void check_file_path(dsc_status st, const dsc_dataset *ds, const uint8_t *csv, size_t n,
                            const char *name, size_t index, size_t classes) {
    char path[] = "/tmp/dsc-fuzz-csv-XXXXXX";
    const int fd = mkstemp(path);
    FZ_CHECK(fd >= 0, "mkstemp");
    FZ_CHECK(n == 0 || write(fd, csv, n) == (ssize_t)n, "write");
    close(fd);
    dsc_dataset *fds = NULL;
    const dsc_status fst = dsc_dataset_load_csv(&fds, path, name, index, classes);
    unlink(path);
    FZ_CHECK(fst == st, "the file loader returned %s, the memory loader %s", dsc_status_name(fst),
             dsc_status_name(st));
    if (st == DSC_OK) FZ_CHECK(same_dataset(ds, fds, classes > 0), "the loaders read different data sets");
    dsc_dataset_free(fds);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size};
    const uint8_t c = fz_u8(&f), t = fz_u8(&f);
    const size_t classes = c < 0x80 ? 0 : (size_t)(c & 31) + 1;
    const char *name = (t & 0x80) ? names[t % (sizeof names / sizeof names[0])] : NULL;
    const size_t index = t & 0x7f;
    static const char empty[1] = {0};
    const char *csv = f.n > 0 ? (const char *)f.p : empty;

    dsc__error_clear();
    dsc_dataset *ds = (dsc_dataset *)(uintptr_t)1; /* must be overwritten */
    const dsc_status st = dsc__dataset_load_csv_mem(&ds, "<fuzz>", csv, f.n, name, index, classes);
    FZ_STATUS(st, "dsc__dataset_load_csv_mem");
    if (st != DSC_OK) {
        FZ_CHECK(ds == NULL, "out not NULL after a failure");
        FZ_CHECK(strstr(dsc_last_error(), "dsc_dataset_load_csv") != NULL, "message without the function");
    } else {
        size_t count = 0, features = 0, cls = 0;
        const float *x = NULL;
        FZ_OK(dsc_dataset_count(ds, &count));
        FZ_OK(dsc_dataset_features(ds, &features));
        FZ_OK(dsc_dataset_classes(ds, &cls));
        FZ_OK(dsc_dataset_inputs(ds, &x));
        FZ_CHECK(count >= 1 && features >= 1 && cls == classes, "sizes %zu %zu %zu", count, features, cls);
        FZ_CHECK(fz_all_finite(x, count * features), "an input is not finite");
        if (classes > 0) {
            const int32_t *y = NULL;
            FZ_OK(dsc_dataset_labels(ds, &y));
            for (size_t i = 0; i < count; i++)
                FZ_CHECK(y[i] >= 0 && (size_t)y[i] < classes, "label %zu is %d", i, (int)y[i]);
        } else {
            const float *y = NULL;
            FZ_OK(dsc_dataset_targets(ds, &y));
            FZ_CHECK(fz_all_finite(y, count), "a target is not finite");
        }
    }
#ifdef DSC_FUZZ_REPLAY
    check_file_path(st, ds, f.p, f.n, name, index, classes);
#endif
    dsc_dataset_free(ds);
    return 0;
}
