/* Fused optimizer updates against memory bandwidth.
 *
 * For each kernel set this CPU runs, times the fused Adam, AdamW and
 * SGD-with-momentum updates at 4K, 256K and 16M parameters, and next to each
 * a STREAM-style loop with the same access pattern (Adam: 4 arrays read, 3
 * written = 28 bytes per parameter; SGD momentum: 3 read, 2 written = 20 B),
 * measured in the same run. GB/s counts only the bytes that must move. Each
 * figure is the median of RUNS timings, and the ratio is the median of the kernel/stream
 * ratios of RUNS back-to-back pairs (robust to load on a shared machine); it says how close
 * the update comes to the memory system's limit (target: >= 0.9 at 16M).
 * A second table times an optimizer step's kernels without and with the
 * result check (see "The step's result check" in bench/README.md).
 *
 * Usage: bench_update [--quick] [--step]
 *   --quick  3 timings per figure instead of 9
 *   --step   only the second table */
#include "bench_util.h"
#include "kernels/split.h"
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RUNS 9

static int RUNS = MAX_RUNS;

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
        double t0 = bench_wall_now();
        for (int r = 0; r < reps; r++) run_once(k, what, n, a);
        if (bench_wall_now() - t0 > 0.02 || reps > (1 << 20)) return reps;
        reps *= 2;
    }
}

/* Median GB/s of the kernel and of its stream loop over RUNS timings each,
 * interleaved so both see the same load on a shared machine. */
static void measure(const dsc_kernels *k, int what, int stream, size_t n, const dsc_update_args *a,
                    double bytes_per_param, double *gb_kernel, double *gb_stream, double *ratio) {
    int reps[2] = {calibrate(k, what, n, a), calibrate(k, stream, n, a)};
    double gbs[2][MAX_RUNS], ratios[MAX_RUNS];
    for (int run = 0; run < RUNS; run++) {
        for (int j = 0; j < 2; j++) {
            double t0 = bench_wall_now();
            for (int r = 0; r < reps[j]; r++) run_once(k, j ? stream : what, n, a);
            gbs[j][run] = bytes_per_param * (double)n * reps[j] / (bench_wall_now() - t0) / 1e9;
        }
        ratios[run] = gbs[0][run] / gbs[1][run]; /* a pair measured back to back */
    }
    *gb_kernel = bench_median(gbs[0], RUNS);
    *gb_stream = bench_median(gbs[1], RUNS);
    *ratio = bench_median(ratios, RUNS);
}

enum { S_ADAM, S_SGD_MOMENTUM, S_SGD_PLAIN };

static volatile double sink;
static volatile int verdict;

/* How dsc_optimizer_step runs its kernels over one group on one thread:
 *   STEP_UNCHECKED  the norm pass (sumsq_fast), then the update: no check;
 *   STEP_SEPARATE   the norm pass, the result check (check_X: the update's
 *                   operations, nothing written), the update: three passes;
 *   STEP_FUSED      what the step does without norm clipping: each piece of
 *                   the norm's cut gets its sum of squares, then its check
 *                   while its gradients are in cache; the update then takes
 *                   the step's pieces last to first (lib/optim/optimizer.c). */
enum { STEP_UNCHECKED, STEP_SEPARATE, STEP_FUSED, STEP_WAYS };

static void check_range(const dsc_kernels *k, int what, size_t lo, size_t hi,
                        const dsc_update_args *a) {
    const size_t n = hi - lo;
    if (what == S_ADAM)
        verdict = k->check_adam(n, arr[0] + lo, arr[1] + lo, arr[2] + lo, arr[3] + lo, NULL, a);
    else verdict = k->check_sgd(n, arr[0] + lo, arr[1] + lo, arr[2] + lo, a);
}

static void update_range(const dsc_kernels *k, int what, size_t lo, size_t hi,
                         const dsc_update_args *a) {
    const size_t n = hi - lo;
    if (what == S_ADAM)
        k->update_adam(n, arr[0] + lo, arr[1] + lo, arr[2] + lo, arr[3] + lo, NULL, a);
    else k->update_sgd(n, arr[0] + lo, arr[1] + lo, arr[2] + lo, a);
}

static void step_once(const dsc_kernels *k, int what, int way, size_t n,
                      const dsc_update_args *a) {
    if (way != STEP_FUSED) {
        sink = k->sumsq_fast(n, arr[1]);
        if (way == STEP_SEPARATE) check_range(k, what, 0, n, a);
        update_range(k, what, 0, n, a);
        return;
    }
    const size_t pieces = dsc__split_sumsq_tasks(n);
    double sum = 0.0;
    for (size_t t = 0; t < pieces; t++) {
        size_t lo, hi;
        dsc__split_sumsq_range(n, pieces, t, &lo, &hi);
        sum += k->sumsq_fast(hi - lo, arr[1] + lo);
        check_range(k, what, lo, hi, a);
    }
    sink = sum;
    const size_t tasks = dsc__split_count(n, DSC__SPLIT_GRAIN, 16, DSC__SPLIT_MAX);
    for (size_t t = tasks; t-- > 0;) {
        size_t lo, hi;
        dsc__split_range(n, tasks, 16, t, &lo, &hi);
        update_range(k, what, lo, hi, a);
    }
}

/* Median microseconds per step of each way over RUNS timings, and the
 * medians of the RUNS ratios separate/unchecked and fused/unchecked of
 * back-to-back timings. */
static void measure_check(const dsc_kernels *k, int what, size_t n, const dsc_update_args *a,
                          double us[STEP_WAYS], double ratio[2]) {
    step_once(k, what, STEP_FUSED, n, a); /* warm up */
    int reps = 1;
    for (;;) {
        double t0 = bench_wall_now();
        for (int r = 0; r < reps; r++) step_once(k, what, STEP_UNCHECKED, n, a);
        if (bench_wall_now() - t0 > 0.02 || reps > (1 << 20)) break;
        reps *= 2;
    }
    double t[STEP_WAYS][MAX_RUNS], ratios[2][MAX_RUNS];
    for (int run = 0; run < RUNS; run++) {
        for (int way = 0; way < STEP_WAYS; way++) {
            double t0 = bench_wall_now();
            for (int r = 0; r < reps; r++) step_once(k, what, way, n, a);
            t[way][run] = (bench_wall_now() - t0) / reps * 1e6;
        }
        ratios[0][run] = t[STEP_SEPARATE][run] / t[STEP_UNCHECKED][run];
        ratios[1][run] = t[STEP_FUSED][run] / t[STEP_UNCHECKED][run];
    }
    for (int way = 0; way < STEP_WAYS; way++) us[way] = bench_median(t[way], RUNS);
    for (int j = 0; j < 2; j++) ratio[j] = bench_median(ratios[j], RUNS);
}

int main(int argc, char **argv) {
    int step_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) RUNS = 3;
        else if (!strcmp(argv[i], "--step")) step_only = 1;
        else {
            fprintf(stderr, "usage: %s [--quick] [--step]\n", argv[0]);
            return 2;
        }
    }
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
    if (!step_only)
        printf("%-7s %-13s %9s %10s %10s %6s\n", "isa", "update", "params", "GB/s", "stream",
               "ratio");
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT && !step_only; id++) {
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
    /* The step's result check (dsc_optimizer_step): the norm pass and the
     * update alone, with the check as a pass of its own, and fused into the
     * norm pass as the step runs it. */
    printf("%s%-7s %-13s %9s %12s %12s %12s %8s %6s\n", step_only ? "" : "\n", "isa", "step",
           "params", "unchecked", "separate", "fused", "sep/unch", "fu/unch");
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
                double us[STEP_WAYS], ratio[2];
                measure_check(k, what, n, &a, us, ratio);
                printf("%-7s %-13s %9zu %12.2f %12.2f %12.2f %8.2f %6.2f\n", k->isa, names[what],
                       n, us[STEP_UNCHECKED], us[STEP_SEPARATE], us[STEP_FUSED], ratio[0],
                       ratio[1]);
            }
            fflush(stdout);
        }
    }
    for (int j = 0; j < 4; j++) free(arr[j]);
    return 0;
}
