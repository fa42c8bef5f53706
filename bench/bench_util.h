/* What the benchmark programs share: clocks, medians, a fixed random
 * stream, the Fashion-MNIST data (or random data of its shape), the MLPs
 * built through the public API, the CPU's name, and the machine's FMA
 * ceiling. Header-only (static functions): each bench/bench_*.c is one
 * program, and `make bench` builds it from that one file. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#ifndef DESCENT_EXPERIMENTAL_API
#define DESCENT_EXPERIMENTAL_API /* dsc_model_train_step */
#endif
#include "descent.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_CHECK(expr)                                                                \
    do {                                                                                 \
        dsc_status s_ = (expr);                                                          \
        if (s_ != DSC_OK) {                                                              \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,          \
                    dsc_last_error());                                                   \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

/* This thread's CPU time: time spent descheduled on a shared machine does
 * not count (the PyTorch children use time.thread_time, the same clock). */
static inline double bench_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall-clock time (what a user waits for; with threads, the only fair one). */
static inline double bench_wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v in place); 0 when n <= 0. */
static inline double bench_median(double *v, int n) {
    if (n <= 0) return 0.0;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t bench_rng_state = 0x9E3779B97F4A7C15u;
static inline uint64_t bench_rnd(void) { /* xorshift64* */
    bench_rng_state ^= bench_rng_state >> 12;
    bench_rng_state ^= bench_rng_state << 25;
    bench_rng_state ^= bench_rng_state >> 27;
    return bench_rng_state * 2685821657736338717u;
}
static inline float bench_urand(void) { /* uniform in [-1, 1) */
    return (float)(bench_rnd() >> 40) / 16777216.0f * 2.0f - 1.0f;
}

/* Fashion-MNIST's training set from dir (scaled to [0, 1]) if installed,
 * else 60,000 random samples of its shape; *source says which. */
static inline dsc_dataset *bench_fashion(const char *dir, const char **source) {
    char img[1024], lab[1024];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", dir);
    dsc_dataset *ds = NULL;
    if (dsc_dataset_load_idx(&ds, img, lab, 10) == DSC_OK) {
        BENCH_CHECK(dsc_dataset_scale(ds, 255.0f));
        *source = "Fashion-MNIST";
        return ds;
    }
    *source = "random data (Fashion-MNIST not installed)";
    size_t n = 60000;
    float *x = malloc(n * 784 * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    if (!x || !y) exit(1);
    for (size_t i = 0; i < n * 784; i++) x[i] = 0.5f + 0.5f * bench_urand();
    for (size_t i = 0; i < n; i++) y[i] = (int32_t)(bench_rnd() % 10);
    BENCH_CHECK(dsc_dataset_new_labels(&ds, x, y, n, 784, 10, DSC_DATASET_COPY));
    free(x);
    free(y);
    return ds;
}

/* An MLP in -> widths[0] -> ... -> widths[n - 1], act between the layers. */
static inline dsc_model *bench_mlp(size_t in, const size_t *widths, size_t n, dsc_activation act,
                                   size_t batch) {
    dsc_model *m = NULL;
    BENCH_CHECK(dsc_model_new(&m, in));
    for (size_t i = 0; i < n; i++) {
        BENCH_CHECK(dsc_model_add_dense(m, widths[i], 1));
        if (i + 1 < n) BENCH_CHECK(dsc_model_add_activation(m, act));
    }
    BENCH_CHECK(dsc_model_build(m, batch));
    return m;
}

/* SGD over m's parameters; momentum 0 is plain SGD. */
static inline dsc_optimizer *bench_sgd(dsc_model *m, double lr, double momentum) {
    dsc_optimizer *o = NULL;
    BENCH_CHECK(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    BENCH_CHECK(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_LR, lr));
    if (momentum > 0.0) BENCH_CHECK(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_MOMENTUM, momentum));
    BENCH_CHECK(dsc_optimizer_add_model(o, m, NULL));
    return o;
}

/* One training step as a host runs it by default (and the trainer and the
 * Python binding do): the fused dsc_model_train_step, forward, loss,
 * backward and optimizer step in one call (labels != NULL picks class
 * labels). bench_fused.c compares it with the seven-call path. */
static inline void bench_train_step(dsc_model *m, dsc_loss *loss, dsc_optimizer *o,
                                    const float *x, const float *target, const int32_t *labels,
                                    size_t batch, double *value) {
    BENCH_CHECK(dsc_model_train_step(m, loss, o, x, target, labels, batch, value));
}

/* W1: one shuffled epoch of an MLP 784-...-10 on a data set, batch 64,
 * gathered by dsc_dataset_gather as a host would. */
typedef struct bench_epoch {
    const dsc_dataset *ds;
    size_t n, batch, *perm;
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    float *xb;
    int32_t *yb;
    double last_loss;
} bench_epoch;

static inline void bench_epoch_init(bench_epoch *e, const dsc_dataset *ds, size_t n,
                                    const size_t *widths, size_t layers, size_t batch) {
    memset(e, 0, sizeof *e);
    e->ds = ds;
    e->n = n;
    e->batch = batch;
    e->m = bench_mlp(784, widths, layers, DSC_ACTIVATION_RELU, batch);
    e->o = bench_sgd(e->m, 0.05, 0.9);
    BENCH_CHECK(dsc_loss_new(&e->loss, DSC_LOSS_CROSS_ENTROPY));
    e->perm = malloc(n * sizeof *e->perm);
    e->xb = malloc(batch * 784 * sizeof *e->xb);
    e->yb = malloc(batch * sizeof *e->yb);
    if (!e->perm || !e->xb || !e->yb) exit(1);
    for (size_t i = 0; i < n; i++) e->perm[i] = i;
}

/* One epoch; its wall-clock and this thread's CPU seconds. */
static inline void bench_epoch_run(bench_epoch *e, double *wall, double *cpu) {
    const size_t B = e->batch, n = e->n;
    double value = 0.0, w0 = bench_wall_now(), c0 = bench_cpu_now();
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, as torch.randperm each epoch */
        size_t j = (size_t)(bench_rnd() % (i + 1)), t = e->perm[i];
        e->perm[i] = e->perm[j];
        e->perm[j] = t;
    }
    for (size_t i = 0; i < n; i += B) {
        size_t b = n - i < B ? n - i : B;
        BENCH_CHECK(dsc_dataset_gather(e->ds, e->perm + i, b, e->xb, NULL, e->yb));
        bench_train_step(e->m, e->loss, e->o, e->xb, NULL, e->yb, b, &value);
    }
    if (cpu != NULL) *cpu = bench_cpu_now() - c0;
    if (wall != NULL) *wall = bench_wall_now() - w0;
    e->last_loss = value;
}

static inline void bench_epoch_free(bench_epoch *e) {
    free(e->perm);
    free(e->xb);
    free(e->yb);
    dsc_loss_free(e->loss);
    dsc_optimizer_free(e->o);
    dsc_model_free(e->m);
}

/* /proc/cpuinfo's model name, or "unknown CPU". */
static inline void bench_cpu_name(char *out, size_t cap) {
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c != NULL) {
                c += 2;
                c[strcspn(c, "\n")] = '\0';
                snprintf(out, cap, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

/* The 1-minute load average, or -1. */
static inline double bench_loadavg(void) {
    double l = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f == NULL) return l;
    if (fscanf(f, "%lf", &l) != 1) l = -1.0;
    fclose(f);
    return l;
}

/* ---- the FMA ceiling ------------------------------------------------------ */

/* GFLOP/s of one thread running nothing but independent FMAs of the widest
 * vectors this CPU has: 12 chains, enough to cover the FMA latency on the
 * cores we know (4 cycles, 2 pipes); the machine's arithmetic ceiling, as
 * the stream loop is its memory one. GCC vector extensions under target
 * attributes; asm barriers keep the accumulators in registers. */
#define BENCH_FMA_LOOP(SUF, ATTR, W, CONSTRAINT)                                        \
    ATTR static double bench_fma_##SUF(long iters) {                                   \
        typedef float vf __attribute__((vector_size((W) * 4)));                        \
        vf x = {0}, y = {0}, a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0},   \
           a6 = {0}, a7 = {0}, a8 = {0}, a9 = {0}, a10 = {0}, a11 = {0};                  \
        x += 0.999f;                                                                     \
        y += 1e-3f;                                                                      \
        double t0 = bench_cpu_now();                                                     \
        for (long i = 0; i < iters; i++) {                                               \
            a0 = a0 * x + y, a1 = a1 * x + y, a2 = a2 * x + y, a3 = a3 * x + y;          \
            a4 = a4 * x + y, a5 = a5 * x + y, a6 = a6 * x + y, a7 = a7 * x + y;          \
            a8 = a8 * x + y, a9 = a9 * x + y, a10 = a10 * x + y, a11 = a11 * x + y;      \
            __asm__("" : "+" CONSTRAINT(a0), "+" CONSTRAINT(a1), "+" CONSTRAINT(a2),     \
                    "+" CONSTRAINT(a3), "+" CONSTRAINT(a4), "+" CONSTRAINT(a5));         \
            __asm__("" : "+" CONSTRAINT(a6), "+" CONSTRAINT(a7), "+" CONSTRAINT(a8),     \
                    "+" CONSTRAINT(a9), "+" CONSTRAINT(a10), "+" CONSTRAINT(a11));       \
        }                                                                                \
        double t = bench_cpu_now() - t0;                                                 \
        vf s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;              \
        if (s[0] == 12345.0f) puts("");                                                 \
        return 12.0 * 2.0 * (W) * (double)iters / t * 1e-9;                              \
    }
#if defined(__x86_64__)
BENCH_FMA_LOOP(avx512, __attribute__((target("avx512f,fma"))), 16, "v")
BENCH_FMA_LOOP(avx2, __attribute__((target("avx2,fma"))), 8, "x")
BENCH_FMA_LOOP(plain, , 4, "x") /* SSE2: no FMA, a multiply and an add */
#elif defined(__aarch64__)
BENCH_FMA_LOOP(plain, , 4, "w")
#else
BENCH_FMA_LOOP(plain, , 1, "g")
#endif

/* The FMA ceiling in GFLOP/s: the best of 5 runs of about 20 ms (other
 * processes only ever lower it: on a VM whose 2 vCPUs may be SMT siblings, a
 * busy sibling takes FMA slots even from thread CPU time), and the vector
 * kind it used. */
static inline double bench_fma_ceiling(const char **kind) {
    static double (*fn)(long);
    static long iters;
    static const char *name;
    if (fn == NULL) { /* first call: pick the loop, calibrate to ~20 ms */
        fn = bench_fma_plain;
        name = "scalar";
#if defined(__x86_64__)
        name = "sse2 (xmm, multiply + add)";
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) fn = bench_fma_avx512, name = "avx512 (zmm)";
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            fn = bench_fma_avx2, name = "avx2 (ymm)";
#elif defined(__aarch64__)
        name = "neon";
#endif
        for (iters = 1000; iters < (1L << 30); iters *= 2) {
            double t0 = bench_cpu_now();
            (void)fn(iters);
            if (bench_cpu_now() - t0 > 0.02) break;
        }
    }
    if (kind != NULL) *kind = name;
    double best = 0.0;
    for (int r = 0; r < 5; r++) {
        double g = fn(iters);
        if (g > best) best = g;
    }
    return best;
}

#endif
