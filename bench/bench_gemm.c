/* GEMM throughput: descent's gemm_nt / gemm_nn / gemm_tn for every kernel set
 * this CPU runs, against single-threaded OpenBLAS cblas_sgemm measured in the
 * same run, on the shapes of an MLP 784-256-128-10 (batch 1, 32, 64, 256) and
 * on 1024^3.
 *
 * Debian's OpenBLAS picks its kernels once, when it loads, from
 * OPENBLAS_CORETYPE (else CPUID, which on some CPUs falls back to Prescott),
 * so the baselines run in child processes of this program (argument
 * --openblas), one per core type: default, SkylakeX, Cooperlake. Each number
 * is the median of REPS timed repetitions, each long enough (>= MIN_SECONDS)
 * for the clock; the ratio column is descent (best set) / best OpenBLAS core.
 *
 * Usage: bench_gemm [--quick] [--isa NAME] [--no-openblas]
 *   --quick: fewer, shorter repetitions; --isa: only that kernel set;
 *   --no-openblas: descent only (while tuning). */
#include "kernels/kernels.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Not in every cblas.h. */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

static int reps = 7;
static double min_seconds = 0.02;

enum { F_NT, F_NN, F_TN, F_COUNT };
static const char *const form_names[F_COUNT] = {"nt", "nn", "tn"};

typedef struct shape {
    const char *label;
    int form;
    size_t m, n, k;
} shape;

#define MAX_SHAPES 64
static shape shapes[MAX_SHAPES];
static int nshapes;

/* Layer (in -> out) at batch b: Y = X W^T (nt: b x out x in),
 * dX = dY W (nn: b x in x out), dW += dY^T X (tn: out x in x b). */
static void add_layer(const char *label, size_t b, size_t in, size_t out) {
    shapes[nshapes++] = (shape){label, F_NT, b, out, in};
    shapes[nshapes++] = (shape){label, F_NN, b, in, out};
    shapes[nshapes++] = (shape){label, F_TN, out, in, b};
}

static void build_shapes(void) {
    static const size_t batches[] = {1, 32, 64, 256};
    static char labels[4][3][32];
    for (int bi = 0; bi < 4; bi++) {
        static const size_t dims[4] = {784, 256, 128, 10};
        for (int l = 0; l < 3; l++) {
            snprintf(labels[bi][l], sizeof labels[bi][l], "b%zu %zu-%zu", batches[bi], dims[l],
                     dims[l + 1]);
            add_layer(labels[bi][l], batches[bi], dims[l], dims[l + 1]);
        }
    }
    shapes[nshapes++] = (shape){"1024^3", F_NT, 1024, 1024, 1024};
    shapes[nshapes++] = (shape){"1024^3", F_NN, 1024, 1024, 1024};
    shapes[nshapes++] = (shape){"1024^3", F_TN, 1024, 1024, 1024};
}

static double now(void) {
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
    case F_NT: kt->gemm_nt(s->m, s->n, s->k, o->a, s->k, o->b, s->k, NULL, o->c, s->n, o->ws); break;
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

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median GFLOP/s of one shape under one implementation (kt NULL: OpenBLAS). */
static double measure(const dsc_kernels *kt, const shape *s) {
    operands o = operands_for(s, kt != NULL ? kt->gemm_ws_floats : 0);
    double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    long iters = 1;
    for (;;) { /* calibrate (also warms the caches) */
        double t0 = now();
        for (long i = 0; i < iters; i++) kt != NULL ? run_descent(kt, s, &o) : run_openblas(s, &o);
        double t = now() - t0;
        if (t >= min_seconds) break;
        iters = t <= 0 ? iters * 10 : (long)((double)iters * min_seconds * 1.3 / t) + 1;
    }
    double rates[32];
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (long i = 0; i < iters; i++) kt != NULL ? run_descent(kt, s, &o) : run_openblas(s, &o);
        rates[r] = flops * (double)iters / (now() - t0) * 1e-9;
    }
    qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
    operands_free(&o);
    return rates[reps / 2];
}

/* Child: one line per shape, "index gflops", after the core name. */
static int openblas_child(void) {
    openblas_set_num_threads(1);
    printf("core %s\n", openblas_get_corename());
    for (int i = 0; i < nshapes; i++) printf("%d %.3f\n", i, measure(NULL, &shapes[i]));
    return 0;
}

#define NCORES 3
static const char *const coretypes[NCORES] = {"", "SkylakeX", "Cooperlake"};

static int run_children(double blas[NCORES][MAX_SHAPES], char names[NCORES][64], int quick) {
    for (int c = 0; c < NCORES; c++) {
        char self[200], cmd[256];
        ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
        if (len <= 0) return -1;
        self[len] = '\0';
        snprintf(cmd, sizeof cmd, "'%s' --openblas%s", self, quick ? " --quick" : "");
        if (coretypes[c][0]) setenv("OPENBLAS_CORETYPE", coretypes[c], 1);
        else unsetenv("OPENBLAS_CORETYPE");
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        FILE *f = popen(cmd, "r");
        if (f == NULL) return -1;
        char line[256];
        snprintf(names[c], 64, "?");
        while (fgets(line, sizeof line, f) != NULL) {
            int idx;
            double g;
            if (strncmp(line, "core ", 5) == 0) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(names[c], 64, "%.40s%s", line + 5, coretypes[c][0] ? "" : " (default)");
            } else if (sscanf(line, "%d %lf", &idx, &g) == 2 && idx >= 0 && idx < nshapes) {
                blas[c][idx] = g;
            }
        }
        if (pclose(f) != 0) return -1;
    }
    unsetenv("OPENBLAS_CORETYPE");
    return 0;
}

int main(int argc, char **argv) {
    int child = 0, quick = 0, no_blas = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--openblas") == 0) child = 1;
        else if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else if (strcmp(argv[i], "--no-openblas") == 0) no_blas = 1;
        else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) only = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--isa NAME] [--no-openblas]\n", argv[0]);
            return 2;
        }
    }
    if (quick) {
        reps = 5;
        min_seconds = 0.01;
    }
    build_shapes();
    if (child) return openblas_child();

    static double blas[NCORES][MAX_SHAPES];
    char names[NCORES][64] = {"-", "-", "-"};
    if (!no_blas && run_children(blas, names, quick) != 0) {
        fprintf(stderr, "bench_gemm: OpenBLAS child process failed\n");
        return 1;
    }

    const dsc_kernels *sets[DSC_ISA_COUNT];
    int nsets = 0;
    for (int id = 0; id < DSC_ISA_COUNT; id++)
        if (dsc__kernels_for((dsc_isa_id)id) != NULL &&
            (only == NULL || strcmp(only, dsc__isa_name((dsc_isa_id)id)) == 0))
            sets[nsets++] = dsc__kernels_for((dsc_isa_id)id);
    if (nsets == 0) {
        fprintf(stderr, "bench_gemm: kernel set '%s' not available\n", only);
        return 2;
    }

    printf("GEMM, GFLOP/s, single thread, median of %d; OpenBLAS cores:", reps);
    for (int c = 0; c < NCORES; c++) printf(" [%s]", names[c]);
    printf("\nratio = %s / best OpenBLAS core (SkylakeX, Cooperlake); a2/a5 = avx2 / avx512\n\n",
           sets[nsets - 1]->isa);
    printf("| shape | form | m x n x k |");
    for (int i = 0; i < nsets; i++) printf(" %s |", sets[i]->isa);
    printf(" OB default | OB SkylakeX | OB Cooperlake | ratio | a2/a5 |\n|---|---|---|");
    for (int i = 0; i < nsets + 5; i++) printf("---|");
    printf("\n");
    for (int i = 0; i < nshapes; i++) {
        const shape *s = &shapes[i];
        double big = (double)s->m * (double)s->n * (double)s->k;
        double g[DSC_ISA_COUNT] = {0};
        printf("| %s | %s | %zux%zux%zu |", s->label, form_names[s->form], s->m, s->n, s->k);
        for (int j = 0; j < nsets; j++) {
            /* scalar and sse2 on 1024^3 would take most of the run. */
            if (big > 1e8 && sets[j]->id < DSC_ISA_AVX2) {
                printf(" - |");
                continue;
            }
            g[sets[j]->id] = measure(sets[j], s);
            printf(" %.1f |", g[sets[j]->id]);
        }
        double best = blas[1][i] > blas[2][i] ? blas[1][i] : blas[2][i];
        printf(" %.1f | %.1f | %.1f | %.2f |", blas[0][i], blas[1][i], blas[2][i],
               best > 0 ? g[sets[nsets - 1]->id] / best : 0.0);
        const dsc_kernels *a2 = dsc__kernels_for(DSC_ISA_AVX2), *a5 = dsc__kernels_for(DSC_ISA_AVX512);
        if (a2 != NULL && a5 != NULL && g[a2->id] > 0 && g[a5->id] > 0)
            printf(" %.2f |", g[a2->id] / g[a5->id]);
        else printf(" - |");
        printf("\n");
        fflush(stdout);
    }
    return 0;
}
