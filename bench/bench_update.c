/* Fused optimizer updates against memory bandwidth.
 *
 * For each kernel set this CPU runs, times the fused Adam, AdamW and
 * SGD-with-momentum updates at 4K, 256K and 16M parameters, and next to each
 * a STREAM-style loop with the same access pattern (Adam: 4 arrays read, 3
 * written = 28 bytes per parameter; SGD momentum: 3 read, 2 written = 20 B),
 * measured in the same run. GB/s counts only the bytes that must move. Each
 * figure is the median of RUNS timings, and the ratio is the median of the kernel/stream
 * ratios of RUNS back-to-back pairs (robust to load on a shared machine); it says how close
 * the update comes to the memory system's limit (target: >= 0.9 at 16M). */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 9

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *arr[5];

enum { B_ADAM, B_ADAMW, B_SGD, B_STREAM_ADAM, B_STREAM_SGD };

static void run_once(const dsc_kernels *k, int what, size_t n, const dsc_update_args *a) {
    switch (what) {
    case B_ADAM:
    case B_ADAMW: k->update_adam(n, arr[0], arr[1], arr[2], arr[3], NULL, a); break;
    case B_SGD: k->update_sgd(n, arr[0], arr[1], arr[2], a); break;
    case B_STREAM_ADAM: stream_adam(k->id, n, arr[0], arr[1], arr[2], arr[3]); break;
    default: stream_sgd(k->id, n, arr[0], arr[1], arr[2]); break;
    }
}

/* Repetitions so one timing of what lasts >= ~20 ms. */
static int calibrate(const dsc_kernels *k, int what, size_t n, const dsc_update_args *a) {
    run_once(k, what, n, a); /* warm up, fault pages in */
    int reps = 1;
    for (;;) {
        double t0 = now();
        for (int r = 0; r < reps; r++) run_once(k, what, n, a);
        if (now() - t0 > 0.02 || reps > (1 << 20)) return reps;
        reps *= 2;
    }
}

/* Median GB/s of the kernel and of its stream loop over RUNS timings each,
 * interleaved so both see the same load on a shared machine. */
static void measure(const dsc_kernels *k, int what, int stream, size_t n, const dsc_update_args *a,
                    double bytes_per_param, double *gb_kernel, double *gb_stream, double *ratio) {
    int reps[2] = {calibrate(k, what, n, a), calibrate(k, stream, n, a)};
    double gbs[2][RUNS], ratios[RUNS];
    for (int run = 0; run < RUNS; run++) {
        for (int j = 0; j < 2; j++) {
            double t0 = now();
            for (int r = 0; r < reps[j]; r++) run_once(k, j ? stream : what, n, a);
            gbs[j][run] = bytes_per_param * (double)n * reps[j] / (now() - t0) / 1e9;
        }
        ratios[run] = gbs[0][run] / gbs[1][run]; /* a pair measured back to back */
    }
    qsort(gbs[0], RUNS, sizeof gbs[0][0], cmp);
    qsort(gbs[1], RUNS, sizeof gbs[1][0], cmp);
    qsort(ratios, RUNS, sizeof ratios[0], cmp);
    *gb_kernel = gbs[0][RUNS / 2];
    *gb_stream = gbs[1][RUNS / 2];
    *ratio = ratios[RUNS / 2];
}

enum { S_ADAM, S_SGD_MOMENTUM, S_SGD_PLAIN };

static volatile double sink;
static volatile int verdict;

/* One optimizer step's kernels: the norm (and non-finite) pass over g, the
 * result check if asked, the update. */
static void step_once(const dsc_kernels *k, int what, int checked, size_t n,
                      const dsc_update_args *a) {
    sink = k->sumsq_fast(n, arr[1]);
    if (what == S_ADAM) {
        if (checked) verdict = k->check_adam(n, arr[0], arr[1], arr[2], arr[3], NULL, a);
        k->update_adam(n, arr[0], arr[1], arr[2], arr[3], NULL, a);
    } else {
        if (checked) verdict = k->check_sgd(n, arr[0], arr[1], arr[2], a);
        k->update_sgd(n, arr[0], arr[1], arr[2], a);
    }
}

/* Median microseconds per step without and with the check over RUNS
 * timings each, and the median of the RUNS ratios of back-to-back pairs. */
static void measure_check(const dsc_kernels *k, int what, size_t n, const dsc_update_args *a,
                          double *us, double *us_checked, double *ratio) {
    step_once(k, what, 1, n, a); /* warm up */
    int reps = 1;
    for (;;) {
        double t0 = now();
        for (int r = 0; r < reps; r++) step_once(k, what, 0, n, a);
        if (now() - t0 > 0.02 || reps > (1 << 20)) break;
        reps *= 2;
    }
    double t[2][RUNS], ratios[RUNS];
    for (int run = 0; run < RUNS; run++) {
        for (int c = 0; c < 2; c++) {
            double t0 = now();
            for (int r = 0; r < reps; r++) step_once(k, what, c, n, a);
            t[c][run] = (now() - t0) / reps * 1e6;
        }
        ratios[run] = t[1][run] / t[0][run];
    }
    qsort(t[0], RUNS, sizeof t[0][0], cmp);
    qsort(t[1], RUNS, sizeof t[1][0], cmp);
    qsort(ratios, RUNS, sizeof ratios[0], cmp);
    *us = t[0][RUNS / 2];
    *us_checked = t[1][RUNS / 2];
    *ratio = ratios[RUNS / 2];
}

int main(void) {
    static const size_t sizes[] = {4096, 262144, 16777216};
    const size_t maxn = 16777216;
    for (int j = 0; j < 4; j++) {
        arr[j] = aligned_alloc(64, maxn * sizeof(float));
        if (arr[j] == NULL) return 1;
        for (size_t i = 0; i < maxn; i++) arr[j][i] = j == 3 ? 0.01f : 1e-3f * (float)(i % 97);
    }
    dsc_update_args a;
    memset(&a, 0, sizeof a);
    a.gscale = 1.0f;
    a.gclip = __builtin_inff();
    a.gsign = 1.0f;
    a.lr = 1e-9f; /* keep the parameters from drifting over millions of calls */
    a.beta1 = 0.9f;
    a.one_m_beta1 = 0.1f;
    a.beta2 = 0.999f;
    a.one_m_beta2 = 0.001f;
    a.eps = 1e-8f;
    a.c0 = 1e-9f;
    a.c1 = 1.0f;
    a.c2 = 0.5f;
    a.momentum = 0.9f;
    a.one_m_dampening = 1.0f;
    printf("%-7s %-13s %9s %10s %10s %6s\n", "isa", "update", "params", "GB/s", "stream", "ratio");
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            static const char *const names[] = {"adam", "adamw", "sgd_momentum"};
            for (int what = B_ADAM; what <= B_SGD; what++) {
                a.decoupled = what == B_ADAMW;
                a.weight_decay = what == B_ADAMW ? 0.01f : 0.0f;
                a.first_step = 0;
                double bpp = what == B_SGD ? 20.0 : 28.0;
                double gb, ref, ratio;
                measure(k, what, what == B_SGD ? B_STREAM_SGD : B_STREAM_ADAM, n, &a, bpp, &gb,
                        &ref, &ratio);
                printf("%-7s %-13s %9zu %10.2f %10.2f %6.2f\n", k->isa, names[what], n, gb, ref,
                       ratio);
            }
            fflush(stdout);
        }
    }
    /* The step's result check (dsc_optimizer_step): the norm pass, then
     * check_X, then update_X, against the norm pass and update_X alone. */
    printf("\n%-7s %-13s %9s %12s %12s %6s\n", "isa", "step", "params", "us/step", "checked",
           "ratio");
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            static const char *const names[] = {"adam", "sgd_momentum", "sgd_plain"};
            for (int what = S_ADAM; what <= S_SGD_PLAIN; what++) {
                a.decoupled = 0;
                a.weight_decay = 0.0f;
                a.first_step = 0;
                a.momentum = what == S_SGD_PLAIN ? 0.0f : 0.9f;
                double us, us_checked, ratio;
                measure_check(k, what, n, &a, &us, &us_checked, &ratio);
                printf("%-7s %-13s %9zu %12.2f %12.2f %6.2f\n", k->isa, names[what], n, us,
                       us_checked, ratio);
            }
            fflush(stdout);
        }
    }
    for (int j = 0; j < 4; j++) free(arr[j]);
    return 0;
}
