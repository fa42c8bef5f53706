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
 * Usage: bench_gemm [--quick] [--isa NAME] [--shapes TEXT] [--no-openblas]
 *   --quick: fewer, shorter repetitions; --isa: only that kernel set;
 *   --shapes: only shapes whose label contains TEXT (e.g. "b32", "1024");
 *   --no-openblas: descent only (while tuning). */
#include "gemm_measure.h"

#include <string.h>
#include <unistd.h>

static const char *filter; /* --shapes */

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

/* Child: "core NAME", then per shape "index openblas_gflops descent_gflops
 * ratio best_ratio", the two measured alternately in this process; ratio is
 * the median of the per-repetition ratios descent / OpenBLAS, best_ratio the
 * ratio of the fastest slices (least sensitive to other processes: their
 * load only ever adds time). */
static int openblas_child(void) {
    openblas_set_num_threads(1);
    printf("core %s\n", openblas_get_corename());
    const dsc_kernels *impls[2] = {NULL, best_set()};
    for (int i = 0; i < nshapes; i++) {
        double g[2], top[2], ratio = 0.0;
        measure(impls, 2, &shapes[i], g, top, &ratio);
        printf("%d %.3f %.3f %.4f %.4f\n", i, g[0], g[1], ratio, top[1] / top[0]);
        fflush(stdout);
    }
    return 0;
}

#define NCORES 3
static const char *const coretypes[NCORES] = {"", "SkylakeX", "Cooperlake"};

/* blas[c][i]: OpenBLAS core c on shape i; paired[c][i]: median ratio of the
 * best descent set, measured alongside it, to it. */
static int run_children(double blas[NCORES][MAX_SHAPES], double paired[NCORES][MAX_SHAPES],
                        double topr[NCORES][MAX_SHAPES], char names[NCORES][64], int quick) {
    for (int c = 0; c < NCORES; c++) {
        char self[200], cmd[256];
        ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
        if (len <= 0) return -1;
        self[len] = '\0';
        snprintf(cmd, sizeof cmd, "'%s' --openblas%s%s%s%s", self, quick ? " --quick" : "",
                 filter != NULL ? " --shapes '" : "", filter != NULL ? filter : "",
                 filter != NULL ? "'" : "");
        if (coretypes[c][0]) setenv("OPENBLAS_CORETYPE", coretypes[c], 1);
        else unsetenv("OPENBLAS_CORETYPE");
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        FILE *f = popen(cmd, "r");
        if (f == NULL) return -1;
        char line[256];
        snprintf(names[c], 64, "?");
        while (fgets(line, sizeof line, f) != NULL) {
            int idx;
            double g, d, q, b;
            if (strncmp(line, "core ", 5) == 0) {
                line[strcspn(line, "\n")] = '\0';
                snprintf(names[c], 64, "%.40s%s", line + 5, coretypes[c][0] ? "" : " (default)");
            } else if (sscanf(line, "%d %lf %lf %lf %lf", &idx, &g, &d, &q, &b) == 5 && idx >= 0 &&
                       idx < nshapes) {
                blas[c][idx] = g;
                paired[c][idx] = q;
                topr[c][idx] = b;
            }
        }
        if (pclose(f) != 0) return -1;
    }
    unsetenv("OPENBLAS_CORETYPE");
    return 0;
}

/* Totals over the layers of one batch and form: flops and seconds per column. */
#define NCOLS (DSC_ISA_COUNT + 3 * NCORES) /* sets, OpenBLAS, median ratios, best ratios */
typedef struct total {
    double flops, secs[NCOLS];
} total;

static void total_add(total *t, double flops, const double *g) {
    t->flops += flops;
    for (int c = 0; c < NCOLS; c++) t->secs[c] += g[c] > 0 ? flops / (g[c] * 1e9) : 1e30;
}

static double total_rate(const total *t, int c) {
    return t->secs[c] < 1e29 ? t->flops / t->secs[c] * 1e-9 : 0.0;
}

/* One table row from column rates: sets' GFLOP/s, OpenBLAS cores, the ratios
 * (median, best) of the best set to the better of SkylakeX / Cooperlake
 * (each measured in the same process as its OpenBLAS number), avx2/avx512. */
static void print_row(const char *label, const char *form, const char *dims,
                      const dsc_kernels *const *sets, int nsets, const double *g) {
    printf("| %s | %s | %s |", label, form, dims);
    for (int j = 0; j < nsets; j++) {
        if (g[sets[j]->id] > 0) printf(" %.1f |", g[sets[j]->id]);
        else printf(" - |");
    }
    const double *blas = g + DSC_ISA_COUNT, *paired = blas + NCORES, *topr = paired + NCORES;
    int bc = blas[1] >= blas[2] ? 1 : 2;
    printf(" %.1f | %.1f | %.1f |", blas[0], blas[1], blas[2]);
    if (blas[bc] > 0) printf(" **%.2f** | %.2f | %.2f |", paired[bc], topr[bc], paired[2]);
    else printf(" - | - | - |");
    if (g[DSC_ISA_AVX2] > 0 && g[DSC_ISA_AVX512] > 0)
        printf(" %.2f |", g[DSC_ISA_AVX2] / g[DSC_ISA_AVX512]);
    else printf(" - |");
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    int child = 0, quick = 0, no_blas = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--openblas") == 0) child = 1;
        else if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else if (strcmp(argv[i], "--no-openblas") == 0) no_blas = 1;
        else if (strcmp(argv[i], "--isa") == 0 && i + 1 < argc) only = argv[++i];
        else if (strcmp(argv[i], "--shapes") == 0 && i + 1 < argc) filter = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--isa NAME] [--shapes TEXT] [--no-openblas]\n",
                    argv[0]);
            return 2;
        }
    }
    if (quick) {
        reps = 5;
        min_seconds = 0.01;
    }
    build_shapes();
    if (filter != NULL) { /* keep the shapes whose label contains TEXT */
        int kept = 0;
        for (int i = 0; i < nshapes; i++)
            if (strstr(shapes[i].label, filter) != NULL) shapes[kept++] = shapes[i];
        nshapes = kept;
    }
    if (child) return openblas_child();

    static double blas[NCORES][MAX_SHAPES], paired[NCORES][MAX_SHAPES], topr[NCORES][MAX_SHAPES];
    char names[NCORES][64] = {"-", "-", "-"};
    if (!no_blas && run_children(blas, paired, topr, names, quick) != 0) {
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
    printf("\nratio = %s / better of OpenBLAS SkylakeX, Cooperlake, measured alternately in one "
           "process: median of the per-repetition ratios, and (best) of the fastest "
           "slices; vs CPL: median ratio to Cooperlake alone; a2/a5 = avx2 / avx512\n\n",
           best_set()->isa);
    printf("| shape | form | m x n x k |");
    for (int i = 0; i < nsets; i++) printf(" %s |", sets[i]->isa);
    printf(" OB default | OB SkylakeX | OB Cooperlake | ratio | (best) | vs CPL | a2/a5 |\n"
           "|---|---|---|");
    for (int i = 0; i < nsets + 7; i++) printf("---|");
    printf("\n");
    total totals[F_COUNT];
    for (int i = 0; i < nshapes; i++) {
        const shape *s = &shapes[i];
        double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
        double g[NCOLS] = {0};
        const dsc_kernels *run_sets[4];
        int nrun = 0;
        for (int j = 0; j < nsets && nrun < 4; j++)
            /* scalar and sse2 on 1024^3 would take most of the run. */
            if (!(flops > 2e8 && sets[j]->id < DSC_ISA_AVX2)) run_sets[nrun++] = sets[j];
        double rg[4];
        measure(run_sets, nrun, s, rg, NULL, NULL);
        for (int j = 0; j < nrun; j++) g[run_sets[j]->id] = rg[j];
        for (int c = 0; c < NCORES; c++) {
            g[DSC_ISA_COUNT + c] = blas[c][i];
            g[DSC_ISA_COUNT + NCORES + c] = paired[c][i];
            g[DSC_ISA_COUNT + 2 * NCORES + c] = topr[c][i];
        }
        char dims[64];
        snprintf(dims, sizeof dims, "%zux%zux%zu", s->m, s->n, s->k);
        print_row(s->label, form_names[s->form], dims, sets, nsets, g);
        /* Whole-MLP rows after the last layer of each batch. */
        if (filter == NULL && strchr(s->label, '-') != NULL) {
            if (strstr(s->label, " 784-") != NULL && s->form == F_NT)
                memset(totals, 0, sizeof totals);
            double ge[NCOLS]; /* paired ratios as equivalent descent rates */
            memcpy(ge, g, sizeof ge);
            for (int c = 0; c < NCORES; c++)
                for (int r = 1; r <= 2; r++)
                    ge[DSC_ISA_COUNT + r * NCORES + c] =
                        g[DSC_ISA_COUNT + c] * g[DSC_ISA_COUNT + r * NCORES + c];
            total_add(&totals[s->form], flops, ge);
            if (strstr(s->label, "-10") != NULL && s->form == F_TN) {
                char label[32];
                snprintf(label, sizeof label, "%.*s MLP", (int)strcspn(s->label, " "), s->label);
                for (int f = 0; f < F_COUNT; f++) {
                    double tg[NCOLS];
                    for (int c = 0; c < NCOLS; c++) tg[c] = total_rate(&totals[f], c);
                    for (int c = 0; c < NCORES; c++)
                        for (int r = 1; r <= 2; r++) {
                            double ob = tg[DSC_ISA_COUNT + c];
                            double *q = &tg[DSC_ISA_COUNT + r * NCORES + c];
                            *q = ob > 0 ? *q / ob : 0;
                        }
                    print_row(label, form_names[f], "all 3 layers", sets, nsets, tg);
                }
            }
        }
    }
    return 0;
}
