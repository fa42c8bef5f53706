/* What examples/fashion_mnist.c and examples/fashion_cnn.c share, in one
 * place: a CHECK that names the program, Fashion-MNIST's four gzipped IDX
 * files loaded (or where they should be and how to install them), and the
 * table of one row per epoch that the trainer's callbacks print.
 * Header-only so each example stays one program to copy; define
 * FASHION_PROGRAM (the program's name, for messages) before including it. */
#ifndef DESCENT_EXAMPLES_FASHION_H
#define DESCENT_EXAMPLES_FASHION_H

#include <descent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef FASHION_PROGRAM
#error "define FASHION_PROGRAM before including fashion.h"
#endif

#define CHECK(expr)                                                                    \
    do {                                                                               \
        dsc_status s_ = (expr);                                                        \
        if (s_ != DSC_OK) {                                                            \
            fprintf(stderr, "%s: %s: %s\n", FASHION_PROGRAM, #expr, dsc_last_error());  \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* Where tools/install-deps.sh demo (Debian's dataset-fashion-mnist) puts it. */
#define FASHION_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

static inline double fashion_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The first n rows of *ds, in place of it. */
static inline void fashion_keep_first(dsc_dataset **ds, size_t n) {
    size_t *rows = malloc(n * sizeof *rows);
    if (rows == NULL) exit(1);
    for (size_t i = 0; i < n; i++) rows[i] = i;
    dsc_dataset *sub = NULL;
    CHECK(dsc_dataset_subset(&sub, *ds, rows, n));
    free(rows);
    dsc_dataset_free(*ds);
    *ds = sub;
}

/* The training and test (t10k) sets from dir, pixels scaled to [0, 1],
 * cut to their first train_rows and test_rows (0: all of them). Returns 0,
 * or 2 (the examples' exit status for it) after saying on stderr that the
 * files are not in dir and how to install them. */
static inline int fashion_load(const char *dir, size_t train_rows, size_t test_rows,
                               dsc_dataset **train, dsc_dataset **test) {
    char ti[1024], tl[1024], vi[1024], vl[1024];
    snprintf(ti, sizeof ti, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(tl, sizeof tl, "%s/train-labels-idx1-ubyte.gz", dir);
    snprintf(vi, sizeof vi, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(vl, sizeof vl, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if (access(ti, R_OK) != 0 || access(tl, R_OK) != 0 || access(vi, R_OK) != 0 ||
        access(vl, R_OK) != 0) {
        fprintf(stderr, "%s: the Fashion-MNIST files are not in %s\n"
                "  (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-...);\n"
                "  install the Debian package with `tools/install-deps.sh demo` "
                "(dataset-fashion-mnist) or pass --data DIR\n", FASHION_PROGRAM, dir);
        return 2;
    }
    CHECK(dsc_dataset_load_idx(train, ti, tl, 10));
    CHECK(dsc_dataset_load_idx(test, vi, vl, 10));
    if (train_rows > 0) fashion_keep_first(train, train_rows);
    if (test_rows > 0) fashion_keep_first(test, test_rows);
    CHECK(dsc_dataset_scale(*train, 255.0f));
    CHECK(dsc_dataset_scale(*test, 255.0f));
    return 0;
}

/* ---- the table: one row per epoch, from the trainer's callbacks ---------- */

typedef struct fashion_table {
    size_t n;           /* training samples */
    int bar;            /* draw a progress bar on stderr */
    double epoch_start; /* fashion_now() when the epoch's first batch started */
    double train_time;  /* seconds of training (validation excluded), this epoch */
    double total_time;  /* all epochs */
    double lr;          /* lr of the epoch's first batch */
} fashion_table;

static inline double fashion_get(const dsc_progress *p, dsc_progress_key key) {
    double v = NAN;
    CHECK(dsc_progress_get(p, key, &v));
    return v;
}

static inline void fashion_table_header(fashion_table *st) {
    printf("epoch |     lr    | train loss | test loss | test acc | epoch s | samples/s\n");
    printf("------+-----------+------------+-----------+----------+---------+----------\n");
    st->epoch_start = fashion_now();
}

/* The step callback: the epoch's lr and training time, the progress bar. */
static inline int fashion_on_step(const dsc_progress *p, void *user) {
    fashion_table *st = user;
    double batch = fashion_get(p, DSC_PROGRESS_BATCH);
    double per_epoch = fashion_get(p, DSC_PROGRESS_BATCHES_PER_EPOCH);
    if (batch == 1) st->lr = fashion_get(p, DSC_PROGRESS_LR);
    if (batch == per_epoch) st->train_time = fashion_now() - st->epoch_start;
    if (st->bar && ((long)batch % 64 == 0 || batch == per_epoch)) {
        int width = 30, filled = (int)(width * batch / per_epoch);
        double el = fashion_now() - st->epoch_start, done = batch / per_epoch * (double)st->n;
        fprintf(stderr, "\r  [%.*s%*s] %3d%%  loss %.4f  %.0f samples/s ", filled,
                "##############################", width - filled, "",
                (int)(100 * batch / per_epoch), fashion_get(p, DSC_PROGRESS_EPOCH_LOSS),
                el > 0 ? done / el : 0.0);
    }
    return 0;
}

/* The epoch callback (after the epoch's validation): one row of the table. */
static inline int fashion_on_epoch(const dsc_progress *p, void *user) {
    fashion_table *st = user;
    if (st->bar) fprintf(stderr, "\r%80s\r", "");
    st->total_time += st->train_time;
    printf("%5d | %9.6f | %10.4f | %9.4f | %7.2f%% | %7.2f | %9.0f\n",
           (int)fashion_get(p, DSC_PROGRESS_EPOCH), st->lr,
           fashion_get(p, DSC_PROGRESS_EPOCH_LOSS), fashion_get(p, DSC_PROGRESS_VAL_LOSS),
           100.0 * fashion_get(p, DSC_PROGRESS_VAL_ACCURACY), st->train_time,
           (double)st->n / st->train_time);
    fflush(stdout);
    st->epoch_start = fashion_now();
    return 0;
}

#endif
