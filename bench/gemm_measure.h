/* Timing GEMM shapes: descent's gemm_nt / gemm_nn / gemm_tn of a kernel set
 * against single-threaded OpenBLAS cblas_sgemm, interleaved in slices within
 * every repetition so a burst of load from other processes hits both alike
 * (bench_gemm.c for every shape and OpenBLAS core type, bench_train.c for
 * the narrow-layer target). Header-only, like bench_util.h. */
#ifndef BENCH_GEMM_MEASURE_H
#define BENCH_GEMM_MEASURE_H

#include "kernels/kernels.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Not in every cblas.h. */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

static int reps = 15; /* timed repetitions per shape (<= 32) */
static double min_seconds = 0.01; /* per repetition */

enum { F_NT, F_NN, F_TN, F_COUNT };
static const char *const form_names[F_COUNT] = {"nt", "nn", "tn"};

typedef struct shape {
    const char *label;
    int form;
    size_t m, n, k;
} shape;

static double gemm_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *buf(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (n + 16) * sizeof(float)) != 0) {
        fprintf(stderr, "bench_gemm: out of memory\n");
        exit(1);
    }
    float *f = p;
    for (size_t i = 0; i < n + 16; i++) f[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return f;
}

typedef struct operands {
    float *a, *b, *c, *bias, *ws;
} operands;

static operands operands_for(const shape *s, size_t ws_floats) {
    operands o;
    o.a = buf(s->m * s->k);
    o.b = buf(s->n * s->k);
    o.c = buf(s->m * s->n);
    o.bias = buf(s->n);
    o.ws = ws_floats ? buf(ws_floats) : NULL;
    return o;
}

static void operands_free(operands *o) {
    free(o->a);
    free(o->b);
    free(o->c);
    free(o->bias);
    free(o->ws);
}

/* Leading dimensions are the widths; the stored shapes follow each form. */
static void run_descent(const dsc_kernels *kt, const shape *s, operands *o) {
    switch (s->form) {
    case F_NT:
        kt->gemm_nt(s->m, s->n, s->k, o->a, s->k, o->b, s->k, NULL, o->c, s->n, o->ws);
        break;
    case F_NN: kt->gemm_nn(s->m, s->n, s->k, o->a, s->k, o->b, s->n, o->c, s->n, o->ws); break;
    default: kt->gemm_tn(s->m, s->n, s->k, o->a, s->m, o->b, s->n, o->c, s->n, o->ws); break;
    }
}

static void run_openblas(const shape *s, operands *o) {
    int m = (int)s->m, n = (int)s->n, k = (int)s->k;
    switch (s->form) {
    case F_NT:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, o->a, k, o->b, k, 0.0f,
                    o->c, n);
        break;
    case F_NN:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, o->a, k, o->b, n,
                    0.0f, o->c, n);
        break;
    default:
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, o->a, m, o->b, n, 1.0f,
                    o->c, n);
        break;
    }
}

static int gemm_cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void run(const dsc_kernels *kt, const shape *s, operands *o, long iters) {
    for (long i = 0; i < iters; i++) {
        if (kt != NULL) run_descent(kt, s, o);
        else run_openblas(s, o);
    }
}

/* Median GFLOP/s of one shape under each of count implementations (NULL:
 * OpenBLAS), their work interleaved within every repetition, so a burst of
 * load from other processes hits all of them alike; also the rate of the
 * fastest slice (best) and the median of the per-repetition ratios of
 * implementation 1 to implementation 0 (ratio). */
static void measure(const dsc_kernels *const *impls, int count, const shape *s, double *out,
                    double *best, double *ratio) {
    double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    operands o[4];
    long iters[4];
    double rates[4][32];
    for (int c = 0; c < count; c++) {
        o[c] = operands_for(s, impls[c] != NULL ? impls[c]->gemm_ws_floats : 0);
        iters[c] = 1;
        for (;;) { /* calibrate (also warms the caches) */
            double t0 = gemm_now();
            run(impls[c], s, &o[c], iters[c]);
            double t = gemm_now() - t0;
            if (t >= min_seconds) break;
            iters[c] = t <= 0 ? iters[c] * 10
                              : (long)((double)iters[c] * min_seconds * 1.3 / t) + 1;
        }
    }
    /* Each repetition interleaves the implementations in SLICES short turns,
     * so load from other processes during it is shared out evenly. */
    enum { SLICES = 8 };
    double top[4] = {0}; /* fastest slice: the least disturbed by other processes */
    for (int r = 0; r < reps; r++) {
        double secs[4] = {0};
        long done[4] = {0};
        for (int sl = 0; sl < SLICES; sl++)
            for (int c = 0; c < count; c++) {
                long it = (iters[c] + SLICES - 1) / SLICES;
                double t0 = gemm_now();
                run(impls[c], s, &o[c], it);
                double t = gemm_now() - t0;
                secs[c] += t;
                done[c] += it;
                if (flops * (double)it / t * 1e-9 > top[c]) top[c] = flops * (double)it / t * 1e-9;
            }
        for (int c = 0; c < count; c++) rates[c][r] = flops * (double)done[c] / secs[c] * 1e-9;
    }
    if (ratio != NULL && count >= 2) { /* median of per-repetition ratios impl 1 / impl 0 */
        double q[32];
        for (int r = 0; r < reps; r++) q[r] = rates[1][r] / rates[0][r];
        qsort(q, (size_t)reps, sizeof q[0], gemm_cmp_double);
        *ratio = q[reps / 2];
    }
    for (int c = 0; c < count; c++) {
        qsort(rates[c], (size_t)reps, sizeof rates[c][0], gemm_cmp_double);
        out[c] = rates[c][reps / 2];
        if (best != NULL) best[c] = top[c];
        operands_free(&o[c]);
    }
}

/* The best kernel set of this CPU (the one the ratio is about). */
static const dsc_kernels *best_set(void) {
    for (int id = DSC_ISA_COUNT - 1; id >= 0; id--)
        if (dsc__kernels_for((dsc_isa_id)id) != NULL) return dsc__kernels_for((dsc_isa_id)id);
    return dsc__kernels_for(DSC_ISA_SCALAR);
}

#endif
