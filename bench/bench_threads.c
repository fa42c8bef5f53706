/* Threads: the same work with 1 and with 2 threads (dsc_set_threads), in
 * one run, alternating in rounds so load from other processes hits both
 * alike; every figure is the median of --runs rounds, every ratio the
 * median of the rounds' ratios. Wall-clock time (CLOCK_MONOTONIC): with
 * threads, CPU time would count both cores.
 *
 * (a) One shuffled epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU),
 *     batch 64, SGD momentum 0.9, lr 0.05, cross-entropy (random data of
 *     the same shape if the data set is not installed): samples/s.
 * (b) Adam steps over 16M parameters (one group): steps/s.
 * (c) One training step of a 16-64-64-4 tanh MLP, MSE, plain SGD, batch 1:
 *     ns/step with threads off and with 2 threads (small work stays on the
 *     calling thread; this must not get slower).
 * PyTorch (bench/torch_threads.py, /usr/bin/python3) runs (a) and (b) with
 * torch.set_num_threads(1) and (2) afterwards, as a baseline.
 *
 * Usage: bench_threads [--quick] [--runs N] [--no-torch] [--data DIR] [--script PATH] */
#define DESCENT_EXPERIMENTAL_API
#include "descent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 15

static int runs = 5;
static int quick = 0;

#define CHECK(expr)                                                                      \
    do {                                                                                 \
        dsc_status s_ = (expr);                                                          \
        if (s_ != DSC_OK) {                                                              \
            fprintf(stderr, "bench_threads: %s failed: %s\n", #expr, dsc_last_error());  \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}
static float urand(void) { return (float)(rnd() >> 40) / 16777216.0f * 2.0f - 1.0f; }

static dsc_model *mlp(size_t in, const size_t *widths, size_t n, dsc_activation act, size_t batch) {
    dsc_model *m = NULL;
    CHECK(dsc_model_new(&m, in));
    for (size_t i = 0; i < n; i++) {
        CHECK(dsc_model_add_dense(m, widths[i], 1));
        if (i + 1 < n) CHECK(dsc_model_add_activation(m, act));
    }
    CHECK(dsc_model_build(m, batch));
    return m;
}

static dsc_optimizer *sgd(dsc_model *m, double lr, double momentum) {
    dsc_optimizer *o = NULL;
    CHECK(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_LR, lr));
    if (momentum > 0.0) CHECK(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_MOMENTUM, momentum));
    CHECK(dsc_optimizer_add_model(o, m, NULL));
    return o;
}

/* ---- (a) one epoch of the MLP ------------------------------------------- */

typedef struct bench_a {
    const dsc_dataset *ds;
    size_t n, *perm;
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    float *xb;
} bench_a;

static double bench_a_run(bench_a *a) {
    const size_t B = 64, n = a->n;
    float dy[64 * 10];
    int32_t yb[64];
    double value = 0.0, t0 = now();
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rnd() % (i + 1)), t = a->perm[i];
        a->perm[i] = a->perm[j];
        a->perm[j] = t;
    }
    for (size_t i = 0; i < n; i += B) {
        size_t b = n - i < B ? n - i : B;
        const float *y;
        CHECK(dsc_dataset_gather(a->ds, a->perm + i, b, a->xb, NULL, yb));
        CHECK(dsc_model_forward(a->m, a->xb, b, &y));
        CHECK(dsc_loss_forward_labels(a->loss, y, yb, b, 10, &value));
        CHECK(dsc_loss_backward(a->loss, dy));
        CHECK(dsc_model_backward(a->m, dy, b));
        CHECK(dsc_optimizer_step(a->o));
        CHECK(dsc_model_zero_grad(a->m));
    }
    return (double)n / (now() - t0);
}

/* ---- (b) Adam over 16M parameters --------------------------------------- */

#define ADAM_N ((size_t)16 << 20)

static double bench_b_run(dsc_optimizer *o, int steps) {
    double t0 = now();
    for (int s = 0; s < steps; s++) CHECK(dsc_optimizer_step(o));
    return steps / (now() - t0);
}

/* ---- (c) batch-1 latency -------------------------------------------------- */

#define NS 256
static float cx[NS][16], ct[NS][4];

static double bench_c_run(dsc_model *m, dsc_optimizer *o, dsc_loss *loss, int steps) {
    float dy[4];
    double value, t0 = now();
    for (int s = 0; s < steps; s++) {
        const float *y;
        CHECK(dsc_model_forward(m, cx[s & (NS - 1)], 1, &y));
        CHECK(dsc_loss_forward(loss, y, ct[s & (NS - 1)], 1, 4, &value));
        CHECK(dsc_loss_backward(loss, dy));
        CHECK(dsc_model_backward(m, dy, 1));
        CHECK(dsc_optimizer_step(o));
        CHECK(dsc_model_zero_grad(m));
    }
    return (now() - t0) * 1e9 / steps;
}

static void cpu_name(char *out, size_t cap) {
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

int main(int argc, char **argv) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    const char *script = "bench/torch_threads.py";
    int torch = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--data DIR] [--script PATH]\n",
                    argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_threads: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    printf("descent %s, kernel set %s, %s, %d rounds\n", dsc_version(), dsc_isa(), cpu, runs);

    /* (a) data: Fashion-MNIST if installed, else random data of its shape. */
    char img[1024], lab[1024];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", data);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", data);
    dsc_dataset *ds = NULL;
    const char *source = "Fashion-MNIST";
    if (dsc_dataset_load_idx(&ds, img, lab, 10) == DSC_OK) {
        CHECK(dsc_dataset_scale(ds, 255.0f));
    } else {
        source = "random data (Fashion-MNIST not installed)";
        size_t n = 60000;
        float *x = malloc(n * 784 * sizeof *x);
        int32_t *y = malloc(n * sizeof *y);
        if (!x || !y) return 1;
        for (size_t i = 0; i < n * 784; i++) x[i] = 0.5f + 0.5f * urand();
        for (size_t i = 0; i < n; i++) y[i] = (int32_t)(rnd() % 10);
        CHECK(dsc_dataset_new_labels(&ds, x, y, n, 784, 10, DSC_DATASET_COPY));
        free(x);
        free(y);
    }
    static const size_t wa[] = {256, 128, 10};
    bench_a a = {0};
    a.ds = ds;
    CHECK(dsc_dataset_count(ds, &a.n));
    if (quick && a.n > 6000) a.n = 6000;
    a.m = mlp(784, wa, 3, DSC_ACTIVATION_RELU, 64);
    a.o = sgd(a.m, 0.05, 0.9);
    CHECK(dsc_loss_new(&a.loss, DSC_LOSS_CROSS_ENTROPY));
    a.perm = malloc(a.n * sizeof *a.perm);
    a.xb = malloc(64 * 784 * sizeof *a.xb);
    if (!a.perm || !a.xb) return 1;
    for (size_t i = 0; i < a.n; i++) a.perm[i] = i;

    /* (b) */
    float *p = malloc(ADAM_N * sizeof *p), *g = malloc(ADAM_N * sizeof *g);
    if (!p || !g) return 1;
    for (size_t i = 0; i < ADAM_N; i++) {
        p[i] = urand();
        g[i] = 0.01f * urand();
    }
    dsc_optimizer *adam = NULL;
    CHECK(dsc_optimizer_new(&adam, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_add_params(adam, p, g, ADAM_N, NULL));
    const int adam_steps = quick ? 3 : 10;

    /* (c) */
    static const size_t wc[] = {64, 64, 4};
    dsc_model *mc = mlp(16, wc, 3, DSC_ACTIVATION_TANH, 1);
    dsc_optimizer *oc = sgd(mc, 0.01, 0.0);
    dsc_loss *lc = NULL;
    CHECK(dsc_loss_new(&lc, DSC_LOSS_MSE));
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < 16; j++) cx[i][j] = urand();
        for (int j = 0; j < 4; j++) ct[i][j] = urand();
    }
    const int c_steps = quick ? 20000 : 200000;

    /* Warm-up: page in every buffer, start the optimizer state. */
    CHECK(dsc_set_threads(2));
    (void)bench_b_run(adam, 1);
    (void)bench_c_run(mc, oc, lc, c_steps / 10);
    CHECK(dsc_set_threads(1));

    double a1[MAX_RUNS], a2[MAX_RUNS], ar[MAX_RUNS], b1[MAX_RUNS], b2[MAX_RUNS], br[MAX_RUNS];
    double c1[MAX_RUNS], c2[MAX_RUNS], cr[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        CHECK(dsc_set_threads(1));
        a1[r] = bench_a_run(&a);
        b1[r] = bench_b_run(adam, adam_steps);
        c1[r] = bench_c_run(mc, oc, lc, c_steps);
        CHECK(dsc_set_threads(2));
        a2[r] = bench_a_run(&a);
        b2[r] = bench_b_run(adam, adam_steps);
        c2[r] = bench_c_run(mc, oc, lc, c_steps);
        ar[r] = a2[r] / a1[r];
        br[r] = b2[r] / b1[r];
        cr[r] = c2[r] / c1[r];
        fprintf(stderr, "round %d: mlp %.0f / %.0f samples/s, adam %.2f / %.2f steps/s, "
                "batch-1 %.0f / %.0f ns\n", r + 1, a1[r], a2[r], b1[r], b2[r], c1[r], c2[r]);
    }
    CHECK(dsc_set_threads(1));
    printf("(a) MLP epoch, %s, %zu samples: 1 thread %.0f samples/s, 2 threads %.0f samples/s, "
           "ratio %.2fx\n", source, a.n, median(a1, runs), median(a2, runs), median(ar, runs));
    printf("(b) Adam, 16M parameters: 1 thread %.2f steps/s, 2 threads %.2f steps/s, ratio %.2fx\n",
           median(b1, runs), median(b2, runs), median(br, runs));
    printf("(c) batch-1 step, 16-64-64-4 tanh, SGD: threads off %.0f ns, 2 threads %.0f ns, "
           "ratio %.3f (time; <= 1 is no slower)\n", median(c1, runs), median(c2, runs),
           median(cr, runs));
    fflush(stdout);

    dsc_optimizer_free(adam);
    free(p);
    free(g);
    dsc_optimizer_free(oc);
    dsc_model_free(mc);
    dsc_loss_free(lc);
    dsc_optimizer_free(a.o);
    dsc_model_free(a.m);
    dsc_loss_free(a.loss);
    free(a.perm);
    free(a.xb);
    dsc_dataset_free(ds);

    if (torch) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s --runs %d --data %s%s", script, runs, data,
                 quick ? " --quick" : "");
        fflush(stdout);
        int rc = system(cmd);
        if (rc != 0) fprintf(stderr, "bench_threads: %s failed (PyTorch missing?)\n", script);
    }
    return 0;
}
