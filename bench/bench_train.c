/* Issue 15's targets, measured side by side in one run, each as a ratio to a
 * baseline measured in the same run (the CPU changes from one machine to the
 * next; ratios travel, absolute figures do not):
 *
 * W1  one epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU), batch 64,
 *     SGD momentum 0.9, lr 0.05, cross-entropy, shuffled, one thread:
 *     samples/s by thread CPU time and by wall time, against PyTorch with
 *     OpenBLAS as installed and with OPENBLAS_CORETYPE=Cooperlake (the faster
 *     is the baseline; target >= 2x), and against the FMA ceiling at 1.007
 *     MFLOP/sample (target >= 0.70).
 * W2  one training step of a 16-64-64-4 tanh MLP, MSE, batch 1, plain SGD:
 *     ns/step against FANN 2.2's fann_train (target >= 20x) and PyTorch.
 * W3  Adam over 16M parameters (dsc_optimizer_step, one group): GB/s at 28
 *     bytes/param against a streaming loop with Adam's 4-read/3-write pattern
 *     (target >= 0.90).
 * GEMM the narrow layer 128 -> 10 at batch 32..256 (forward nt, input
 *     gradient nn, weight gradient tn), descent's best kernel set against
 *     single-threaded OpenBLAS (the core type it loaded): the layer's three
 *     products together, and each (target >= 1.0 for the layer).
 * FMA the machine's arithmetic ceiling: a short loop of independent FMAs.
 *
 * Every round runs each implementation once (descent, FANN, both PyTorch
 * children, the stream loop), so load from other processes on a shared
 * machine hits them alike; figures are medians over --runs rounds (default
 * 5) after a warm-up. Then (unless --no-scaling) two series: epoch time as
 * the hidden width doubles (784-w-w/2-10, w = 64..2048) against its FLOPs,
 * and Adam's step time as N grows (4K..64M) against its bytes.
 *
 * W1 and W2 time bench_util.h's bench_train_step: the fused
 * dsc_model_train_step, as the trainer and the Python binding run a step
 * (bench_fused.c compares it with the seven-call path).
 *
 * Usage: bench_train [--quick] [--runs N] [--no-torch] [--no-scaling]
 *                    [--only a|b|s] [--data DIR] [--script PATH]
 *   --quick: 1/10 of the epoch, fewer steps (smoke test, numbers noisy);
 *   --only: descent's W1 (a) or W2 (b) alone, or the scaling series (s)
 *   (for perf record). */
#include "bench_util.h"
#include "gemm_measure.h"
#include "stream.h"
#include "torch_child.h"

#include <fann.h>
#include <math.h>

#define MAX_RUNS 15
#define CHECK BENCH_CHECK
#define W1_MFLOP 1.007 /* per sample: 2 x MACs forward, 2 x dW, 2 x dX but the first layer's */

static int runs = 5;
static int quick = 0;

/* ---- W2: per-step latency, 16-64-64-4 tanh, MSE, batch 1 ------------------ */

#define NS 256 /* samples cycled through */
static float bx[NS][16], bt[NS][4];

typedef struct bench_b {
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    struct fann *ann;
} bench_b;

static void bench_b_init(bench_b *b) {
    static const size_t widths[] = {64, 64, 4};
    b->m = bench_mlp(16, widths, 3, DSC_ACTIVATION_TANH, 1);
    b->o = bench_sgd(b->m, 0.01, 0.0);
    b->loss = NULL;
    CHECK(dsc_loss_new(&b->loss, DSC_LOSS_MSE));
    b->ann = fann_create_standard(4, 16, 64, 64, 4);
    if (b->ann == NULL) {
        fprintf(stderr, "bench_train: fann_create_standard failed\n");
        exit(1);
    }
    fann_set_activation_function_hidden(b->ann, FANN_SIGMOID_SYMMETRIC); /* tanh */
    fann_set_activation_steepness_hidden(b->ann, 1.0f);                 /* tanh(x), not tanh(x/2) */
    fann_set_activation_function_output(b->ann, FANN_LINEAR);
    fann_set_learning_rate(b->ann, 0.01f);
    fann_set_learning_momentum(b->ann, 0.0f);
    fann_randomize_weights(b->ann, -0.1f, 0.1f);
}

/* steps single-sample steps of descent; ns per step of CPU time. */
static double bench_b_descent(bench_b *b, long steps) {
    double value, t0 = bench_cpu_now();
    for (long s = 0; s < steps; s++)
        bench_train_step(b->m, b->loss, b->o, bx[s & (NS - 1)], bt[s & (NS - 1)], NULL, 1, &value);
    return (bench_cpu_now() - t0) * 1e9 / (double)steps;
}

static double bench_b_fann(bench_b *b, long steps) {
    double t0 = bench_cpu_now();
    for (long s = 0; s < steps; s++) fann_train(b->ann, bx[s & (NS - 1)], bt[s & (NS - 1)]);
    return (bench_cpu_now() - t0) * 1e9 / (double)steps;
}

static void bench_b_free(bench_b *b) {
    fann_destroy(b->ann);
    dsc_loss_free(b->loss);
    dsc_optimizer_free(b->o);
    dsc_model_free(b->m);
}

/* ---- W3: Adam over N parameters against the stream loop -------------------- */

typedef struct bench_adam {
    size_t n;
    float *p, *g, *m2, *v2; /* p, g: the optimizer's; m2, v2: the stream loop's state */
    dsc_optimizer *o;
    dsc_isa_id isa;
} bench_adam;

static float *bench_alloc(size_t n, float value) {
    float *f = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (f == NULL) exit(1);
    for (size_t i = 0; i < n; i++) f[i] = value;
    return f;
}

static void bench_adam_init(bench_adam *a, size_t n) {
    a->n = n;
    a->p = bench_alloc(n, 0.5f);
    a->g = bench_alloc(n, 1e-3f);
    a->m2 = bench_alloc(n, 0.0f);
    a->v2 = bench_alloc(n, 0.0f);
    a->o = NULL;
    CHECK(dsc_optimizer_new(&a->o, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_set(a->o, DSC_OPTIMIZER_PARAM_LR, 1e-9)); /* no drift over many steps */
    CHECK(dsc_optimizer_add_params(a->o, a->p, a->g, n, NULL));
    CHECK(dsc_optimizer_step(a->o)); /* allocates and pages in the state */
    a->isa = best_set()->id;
}

/* Seconds per call of one (dsc_optimizer_step) or the other (stream loop),
 * repeated to about 20 ms. */
static double bench_adam_time(bench_adam *a, int stream) {
    int calls = a->n >= ((size_t)1 << 22) ? 2 : (int)(((size_t)1 << 24) / a->n);
    double t0 = bench_cpu_now();
    for (int r = 0; r < calls; r++) {
        if (stream) stream_adam(a->isa, a->n, a->p, a->g, a->m2, a->v2);
        else CHECK(dsc_optimizer_step(a->o));
    }
    return (bench_cpu_now() - t0) / calls;
}

static void bench_adam_free(bench_adam *a) {
    dsc_optimizer_free(a->o);
    free(a->p);
    free(a->g);
    free(a->m2);
    free(a->v2);
}

/* ---- GEMM: the narrow layer 128 -> 10 ------------------------------------- */

#define GEMM_BATCHES 4
static const size_t gemm_batches[GEMM_BATCHES] = {32, 64, 128, 256};

typedef struct gemm_row {
    double descent[F_COUNT], blas[F_COUNT], ratio[F_COUNT], layer; /* GFLOP/s, ratios */
} gemm_row;

static void bench_gemm_narrow(gemm_row *rows) {
    const dsc_kernels *impls[2] = {NULL, best_set()};
    openblas_set_num_threads(1);
    reps = quick ? 5 : 9;
    for (int bi = 0; bi < GEMM_BATCHES; bi++) {
        const size_t b = gemm_batches[bi];
        const shape sh[F_COUNT] = {{"", F_NT, b, 10, 128}, {"", F_NN, b, 128, 10},
                                   {"", F_TN, 10, 128, b}};
        double t_d = 0.0, t_b = 0.0;
        for (int f = 0; f < F_COUNT; f++) {
            double g[2];
            measure(impls, 2, &sh[f], g, NULL, &rows[bi].ratio[f]);
            rows[bi].blas[f] = g[0];
            rows[bi].descent[f] = g[1];
            const double flops = 2.0 * (double)(b * 10 * 128);
            t_d += flops / g[1];
            t_b += flops / g[0];
        }
        rows[bi].layer = t_b / t_d;
    }
}

/* ---- scaling series ------------------------------------------------------- */

/* FLOPs per sample of an MLP 784-w-w/2-10 trained as W1 is. */
static double mlp_flops(size_t w) {
    const double first = 784.0 * (double)w, rest = (double)w * (double)(w / 2) + 10.0 * (double)(w / 2);
    return 4.0 * (first + rest) + 2.0 * rest;
}

/* The first point of a series of rates from which every later one stays
 * below 85% of the best before it (a lasting drop, not one loaded moment),
 * or -1. */
static int series_bend(const double *rate, int count) {
    for (int i = 1; i < count; i++) {
        double best = 0.0;
        for (int j = 0; j < i; j++) best = fmax(best, rate[j]);
        int lasting = 1;
        for (int j = i; j < count; j++) lasting &= rate[j] < 0.85 * best;
        if (lasting) return i;
    }
    return -1;
}

static void scaling_series(const dsc_dataset *ds) {
    size_t n = quick ? 1280 : 6400;
    printf("\nScaling 1: one epoch of %zu samples of an MLP 784-w-w/2-10 (W1's at w = 256), batch 64, "
           "SGD momentum, 1 thread; thread CPU time, median of 3\n", n);
    printf("| w | MFLOP/sample | us/sample | GFLOP/s | time x / FLOPs x (vs w/2) |\n"
           "|---:|---:|---:|---:|---:|\n");
    double prev_t = 0.0, prev_f = 0.0, rates[8];
    int points = 0;
    for (size_t w = 64; w <= 2048; w *= 2) {
        const size_t widths[3] = {w, w / 2, 10};
        size_t nw = w >= 1024 ? n / 4 : n; /* the widest: fewer samples, same clock resolution */
        bench_epoch e;
        bench_epoch_init(&e, ds, nw, widths, 3, 64);
        double t[3];
        bench_epoch_run(&e, NULL, NULL); /* warm-up */
        for (int r = 0; r < 3; r++) {
            bench_epoch_run(&e, NULL, &t[r]);
            t[r] /= (double)nw;
        }
        bench_epoch_free(&e);
        const double us = bench_median(t, 3) * 1e6, f = mlp_flops(w);
        const double gf = f / us * 1e-3;
        rates[points++] = gf;
        printf("| %zu | %.3f | %.2f | %.1f |", w, f * 1e-6, us, gf);
        if (prev_t > 0.0) printf(" %.2f |\n", (us / prev_t) / (f / prev_f));
        else printf(" - |\n");
        prev_t = us;
        prev_f = f;
        fflush(stdout);
    }
    const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE), l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    const int b1 = series_bend(rates, points);
    const size_t bend = b1 < 0 ? 0 : (size_t)64 << b1;
    if (bend != 0)
        printf("Bends at w = %zu: from there GFLOP/s stays below 85%% of the best before; the first "
               "layer's weights (784 x w floats = %.2f MB) against the %.2f MB L2 cache\n", bend,
               784.0 * (double)bend * 4e-6, (double)l2 * 1e-6);
    else
        printf("No lasting bend: GFLOP/s never stays below 85%% of the best before (time tracks "
               "the FLOPs)\n");
    printf("\nScaling 2: one Adam step (dsc_optimizer_step, one group) over N parameters, 1 thread, "
           "against the stream loop (4 reads, 3 writes); GB/s at 28 B/param, median of 5\n");
    printf("| N | us/step | GB/s | stream GB/s | ratio | time x / bytes x (vs N/4) |\n"
           "|---:|---:|---:|---:|---:|---:|\n");
    prev_t = 0.0;
    points = 0;
    const size_t nmax = quick ? ((size_t)1 << 24) : ((size_t)1 << 26);
    for (size_t N = 4096; N <= nmax; N *= 4) {
        bench_adam a;
        bench_adam_init(&a, N);
        double td[5], ts[5], q[5];
        for (int r = 0; r < 5; r++) {
            td[r] = bench_adam_time(&a, 0);
            ts[r] = bench_adam_time(&a, 1);
            q[r] = ts[r] / td[r];
        }
        bench_adam_free(&a);
        const double us = bench_median(td, 5) * 1e6, st = bench_median(ts, 5) * 1e6;
        const double bytes = 28.0 * (double)N, gb = bytes / us * 1e-3;
        rates[points++] = gb;
        printf("| %zu%s | %.2f | %.1f | %.1f | %.2f |", N >= (1u << 20) ? N >> 20 : N >> 10,
               N >= (1u << 20) ? "M" : "K", us, gb, bytes / st * 1e-3,
               bench_median(q, 5));
        if (prev_t > 0.0) printf(" %.2f |\n", us / prev_t / 4.0);
        else printf(" - |\n");
        prev_t = us;
        fflush(stdout);
    }
    const int b2 = series_bend(rates, points);
    const size_t bend2 = b2 < 0 ? 0 : (size_t)4096 << (2 * b2);
    if (bend2 != 0)
        printf("Bends at N = %zu: %.0f MB of parameters, gradients and state (caches as the "
               "system reports them: L2 %.2f MB, L3 %.0f MB); below, the step runs from the caches "
               "at a rate set by its arithmetic and passes, from there at memory bandwidth\n",
               bend2, 16.0 * (double)bend2 * 1e-6, (double)l2 * 1e-6, (double)l3 * 1e-6);
    else
        printf("No lasting bend: GB/s never stays below 85%% of the best before (time tracks the "
               "bytes)\n");
}

/* ---- the run ------------------------------------------------------------- */

static const char *verdict(int met) { return met ? "met" : "**missed**"; }

int main(int argc, char **argv) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    const char *script = "bench/torch_train.py";
    int torch = 1, scaling = 1;
    char only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--no-scaling")) scaling = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i][0];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--no-scaling] "
                    "[--only a|b|s] [--data DIR] [--script PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_train: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }

    const char *source;
    dsc_dataset *ds = bench_fashion(data, &source);
    size_t n = 0;
    CHECK(dsc_dataset_count(ds, &n));
    if (quick && n > 6000) n = 6000;
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < 16; j++) bx[i][j] = bench_urand();
        for (int j = 0; j < 4; j++) bt[i][j] = bench_urand();
    }
    long steps_d = quick ? 20000 : 200000, steps_f = quick ? 2000 : 20000;
    static const size_t w1[] = {256, 128, 10};
    bench_epoch A;
    bench_b Bb;
    bench_epoch_init(&A, ds, n, w1, 3, 64);
    bench_b_init(&Bb);
    if (only == 'a' || only == 'b' || only == 's') {
        if (only == 's') scaling_series(ds);
        for (int r = 0; r < runs && only != 's'; r++) {
            double t;
            if (only == 'a') bench_epoch_run(&A, NULL, &t);
            printf("descent (%c): %.0f\n", only,
                   only == 'a' ? (double)n / t : bench_b_descent(&Bb, steps_d));
        }
        bench_epoch_free(&A);
        bench_b_free(&Bb);
        dsc_dataset_free(ds);
        return 0;
    }
    torch_child tc[2];
    memset(tc, 0, sizeof tc);
    if (torch) {
        const char *targs[] = {script, "--serve", "--data", data, quick ? "--quick" : NULL, NULL};
        torch_child_start(&tc[0], targs, NULL);
        torch_child_start(&tc[1], targs, "Cooperlake");
        for (int i = 0; i < 2; i++)
            if (!tc[i].ok)
                fprintf(stderr, "bench_train: PyTorch %s did not start (is python3-torch "
                        "installed? tools/install-deps.sh bench)\n",
                        i ? "(Cooperlake)" : "(as installed)");
    }
    bench_adam W3;
    bench_adam_init(&W3, (size_t)16 << 20);

    char cpu[256];
    bench_cpu_name(cpu, sizeof cpu);
    const double load0 = bench_loadavg();
    const char *fma_kind;
    double fma = bench_fma_ceiling(&fma_kind);
    printf("bench_train: descent %s, kernel set %s; %s, %ld online processors, load average %.2f; "
           "%s, %zu samples; median of %d interleaved rounds\n", dsc_version(), dsc_isa(), cpu,
           sysconf(_SC_NPROCESSORS_ONLN), load0, source, n, runs);
    printf("FMA ceiling (one thread, %s, measured in every round): %.1f GFLOP/s before the "
           "rounds\n", fma_kind, fma);
    fflush(stdout);

    /* Rounds: each implementation once per round. Warm-up first, not counted. */
    double da_cpu[MAX_RUNS], da_wall[MAX_RUNS], ta_cpu[2][MAX_RUNS], ta_wall[2][MAX_RUNS];
    double fm[MAX_RUNS], w1f[MAX_RUNS], db[MAX_RUNS], fb[MAX_RUNS], tb[2][MAX_RUNS], w3d[MAX_RUNS], w3s[MAX_RUNS], w3q[MAX_RUNS];
    (void)bench_b_descent(&Bb, steps_d / 10);
    (void)bench_b_fann(&Bb, steps_f / 10);
    (void)bench_adam_time(&W3, 1);
    for (int r = 0; r < runs; r++) {
        double wall, c;
        bench_epoch_run(&A, &wall, &c);
        da_cpu[r] = (double)n / c;
        da_wall[r] = (double)n / wall;
        fm[r] = bench_fma_ceiling(NULL); /* next to W1: the ratio of the same moment */
        w1f[r] = da_cpu[r] * W1_MFLOP * 1e-3 / fm[r];
        db[r] = bench_b_descent(&Bb, steps_d);
        fb[r] = bench_b_fann(&Bb, steps_f);
        w3d[r] = bench_adam_time(&W3, 0);
        w3s[r] = bench_adam_time(&W3, 1);
        w3q[r] = w3s[r] / w3d[r];
        for (int i = 0; i < 2; i++) {
            double v[2] = {0.0, 0.0};
            torch_child_ask(&tc[i], "a", v, 2);
            ta_cpu[i][r] = v[0];
            ta_wall[i][r] = v[1];
            tb[i][r] = torch_child_value(&tc[i], "b");
        }
        fprintf(stderr, "round %d: W1 %.0f samples/s, FMA %.1f GFLOP/s, W2 %.0f ns, W3 %.2f ms\n",
                r + 1, da_cpu[r], fm[r], db[r], w3d[r] * 1e3);
    }
    double loss_a = A.last_loss;
    for (int i = 0; i < 2; i++) torch_child_stop(&tc[i]);
    gemm_row gr[GEMM_BATCHES];
    bench_gemm_narrow(gr);

    const double a_cpu = bench_median(da_cpu, runs), a_wall = bench_median(da_wall, runs);
    const double b_d = bench_median(db, runs), b_f = bench_median(fb, runs);
    const double bytes3 = 28.0 * (double)W3.n;
    const double w3_d = bytes3 / bench_median(w3d, runs) * 1e-9;
    const double w3_s = bytes3 / bench_median(w3s, runs) * 1e-9, w3_ratio = bench_median(w3q, runs);
    double t_cpu[2], t_wall[2], t_b[2];
    for (int i = 0; i < 2; i++) {
        t_cpu[i] = bench_median(ta_cpu[i], runs);
        t_wall[i] = bench_median(ta_wall[i], runs);
        t_b[i] = bench_median(tb[i], runs);
    }

    printf("\nW1: Fashion-MNIST MLP 784-256-128-10 ReLU, batch 64, SGD momentum 0.9, lr 0.05, one "
           "epoch, one thread (last batch loss %.3f)\n", loss_a);
    printf("| implementation | samples/s (CPU time) | samples/s (wall) | GFLOP/s (CPU) | "
           "descent / it (CPU) | (wall) |\n|---|---:|---:|---:|---:|---:|\n");
    printf("| descent (%s) | %.0f | %.0f | %.1f | - | - |\n", dsc_isa(), a_cpu, a_wall,
           a_cpu * W1_MFLOP * 1e-3);
    for (int i = 0; i < 2; i++)
        if (tc[i].ok)
            printf("| PyTorch %s, OpenBLAS %s (core %s) | %.0f | %.0f | %.1f | %.2f | %.2f |\n",
                   tc[i].version, i ? "OPENBLAS_CORETYPE=Cooperlake" : "as installed", tc[i].core,
                   t_cpu[i], t_wall[i], t_cpu[i] * W1_MFLOP * 1e-3, a_cpu / t_cpu[i],
                   a_wall / t_wall[i]);
    printf("\nW2: 16-64-64-4 tanh MLP, MSE, one sample per step (forward, backward, plain SGD)\n");
    printf("| implementation | ns/step (CPU time) | it / descent |\n|---|---:|---:|\n");
    printf("| descent (%s) | %.0f | - |\n", dsc_isa(), b_d);
    printf("| FANN 2.2 fann_train | %.0f | %.1f |\n", b_f, b_f / b_d);
    for (int i = 0; i < 2; i++)
        if (tc[i].ok)
            printf("| PyTorch %s, OpenBLAS %s | %.0f | %.0f |\n", tc[i].version,
                   i ? "OPENBLAS_CORETYPE=Cooperlake" : "as installed", t_b[i], t_b[i] / b_d);
    printf("\nW3: Adam over 16M parameters, one thread, GB/s at 28 B/param (CPU time)\n");
    printf("| dsc_optimizer_step | stream loop (%s width) | ratio |\n|---:|---:|---:|\n",
           best_set()->isa);
    printf("| %.1f | %.1f | %.2f |\n", w3_d, w3_s, w3_ratio);
    printf("\nGEMM: the layer 128 -> 10, descent (%s) against OpenBLAS (core %s, one thread), "
           "GFLOP/s; ratio: median of per-repetition ratios\n", best_set()->isa,
           openblas_get_corename());
    printf("| batch | nt descent | nt OpenBLAS | nt ratio | nn descent | nn OpenBLAS | nn ratio | "
           "tn descent | tn OpenBLAS | tn ratio | layer ratio |\n"
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    double layer_min = 1e9, form_min = 1e9;
    for (int bi = 0; bi < GEMM_BATCHES; bi++) {
        printf("| %zu |", gemm_batches[bi]);
        for (int f = 0; f < F_COUNT; f++) {
            printf(" %.1f | %.1f | %.2f |", gr[bi].descent[f], gr[bi].blas[f], gr[bi].ratio[f]);
            form_min = fmin(form_min, gr[bi].ratio[f]);
        }
        printf(" %.2f |\n", gr[bi].layer);
        layer_min = fmin(layer_min, gr[bi].layer);
    }

    const double ta = fmax(t_cpu[0], t_cpu[1]), tw = fmax(t_wall[0], t_wall[1]);
    fma = bench_median(fm, runs);
    const double w1_fma = bench_median(w1f, runs);
    printf("\nTargets (load average %.2f before, %.2f after)\n", load0, bench_loadavg());
    printf("| target | measured | baseline | ratio | goal | verdict |\n|---|---:|---:|---:|---:|---|\n");
    if (ta > 0.0) {
        printf("| W1 vs PyTorch (CPU time) | %.0f samples/s | %.0f | %.2fx | >= 2.0x | %s |\n",
               a_cpu, ta, a_cpu / ta, verdict(a_cpu >= 2.0 * ta));
        printf("| W1 vs PyTorch (wall time) | %.0f samples/s | %.0f | %.2fx | >= 2.0x | %s |\n",
               a_wall, tw, a_wall / tw, verdict(a_wall >= 2.0 * tw));
    } else {
        printf("| W1 vs PyTorch | %.0f samples/s | not measured | - | >= 2.0x | - |\n", a_cpu);
    }
    printf("| W1 vs FMA ceiling | %.1f GFLOP/s | %.1f | %.2f | >= 0.70 | %s |\n",
           a_cpu * W1_MFLOP * 1e-3, fma, w1_fma, verdict(w1_fma >= 0.70));
    printf("| W2 vs FANN | %.0f ns/step | %.0f | %.1fx | >= 20x | %s |\n", b_d, b_f, b_f / b_d,
           verdict(b_f / b_d >= 20.0));
    printf("| W3 vs stream loop | %.1f GB/s | %.1f | %.2f | >= 0.90 | %s |\n", w3_d, w3_s,
           w3_ratio, verdict(w3_ratio >= 0.90));
    printf("| GEMM 128 -> 10, worst batch (layer) | | | %.2fx | >= 1.0x | %s |\n", layer_min,
           verdict(layer_min >= 1.0));
    printf("| GEMM 128 -> 10, worst single product | | | %.2fx | (>= 1.0x) | %s |\n", form_min,
           verdict(form_min >= 1.0));
    fflush(stdout);

    bench_adam_free(&W3);
    if (scaling) scaling_series(ds);
    bench_epoch_free(&A);
    bench_b_free(&Bb);
    dsc_dataset_free(ds);
    return 0;
}
