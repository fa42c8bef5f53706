/* Training side by side: descent against PyTorch (and FANN), in one run.
 *
 * (a) One epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU), batch 64,
 *     SGD momentum 0.9, lr 0.05, cross-entropy, shuffled, one thread:
 *     samples per second (1.0 MFLOP per sample forward + backward).
 * (b) One training step of a 16-64-64-4 tanh MLP with MSE on one sample
 *     (forward, loss, backward, SGD update, zero_grad): ns per step.
 *
 * descent runs through its public API exactly as a host would. FANN
 * (fann_train: one incremental step, same net with a linear output layer)
 * runs in this process. PyTorch (bench/torch_train.py, /usr/bin/python3,
 * one thread) runs in child processes, once as installed and once with
 * OPENBLAS_CORETYPE=Cooperlake (Debian's OpenBLAS picks its kernels when it
 * loads and may fall back to SSE3 ones); the faster configuration is the
 * baseline. Every figure is the median of RUNS runs.
 *
 * Usage: bench_train [--quick] [--runs N] [--no-torch] [--data DIR] [--script PATH]
 *   --quick: 1/10 of the epoch and fewer steps (smoke test, numbers noisy). */
#include "descent.h"

#include <fann.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 15

static int runs = 5;
static int quick = 0;

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
    if (n <= 0) return 0.0;
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define CHECK(expr)                                                                      \
    do {                                                                                 \
        dsc_status s_ = (expr);                                                          \
        if (s_ != DSC_OK) {                                                              \
            fprintf(stderr, "bench_train: %s failed: %s\n", #expr, dsc_last_error());    \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

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
    dsc_layer *l = NULL;
    CHECK(dsc_model_new(&m, in));
    for (size_t i = 0; i < n; i++) {
        CHECK(dsc_layer_dense_new(&l, i ? widths[i - 1] : in, widths[i], 1));
        CHECK(dsc_model_add(m, l));
        if (i + 1 < n) {
            CHECK(dsc_layer_activation_new(&l, act));
            CHECK(dsc_model_add(m, l));
        }
    }
    CHECK(dsc_model_build(m, batch));
    return m;
}

static dsc_optimizer *sgd(dsc_model *m, double lr, double momentum) {
    dsc_optimizer *o = NULL;
    float *p, *g;
    size_t n;
    CHECK(dsc_optimizer_new(&o, DSC_OPT_SGD));
    CHECK(dsc_optimizer_set(o, DSC_HP_LR, lr));
    CHECK(dsc_optimizer_set(o, DSC_HP_MOMENTUM, momentum));
    CHECK(dsc_model_params(m, &p));
    CHECK(dsc_model_grads(m, &g));
    CHECK(dsc_model_param_count(m, &n));
    CHECK(dsc_optimizer_add_params(o, p, g, n, NULL));
    return o;
}

/* ---- (a) one epoch of the Fashion-MNIST MLP ------------------------------ */

static double bench_a(const dsc_dataset *ds, size_t n, double *last_loss) {
    static const size_t widths[] = {256, 128, 10};
    const size_t B = 64, F = 784;
    dsc_model *m = mlp(F, widths, 3, DSC_ACTIVATION_RELU, B);
    dsc_optimizer *o = sgd(m, 0.05, 0.9);
    dsc_loss *loss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    size_t *perm = malloc(n * sizeof *perm);
    float *xb = malloc(B * F * sizeof *xb), dy[64 * 10];
    int32_t yb[64];
    if (!perm || !xb) exit(1);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    double rate[MAX_RUNS], value = 0.0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, as torch.randperm each epoch */
            size_t j = (size_t)(rnd() % (i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (size_t i = 0; i < n; i += B) {
            size_t b = n - i < B ? n - i : B;
            const float *y;
            CHECK(dsc_dataset_gather(ds, perm + i, b, xb, NULL, yb));
            CHECK(dsc_model_forward(m, xb, b, &y));
            CHECK(dsc_loss_forward_labels(loss, y, yb, b, 10, &value));
            CHECK(dsc_loss_backward(loss, dy));
            CHECK(dsc_model_backward(m, dy, b));
            CHECK(dsc_optimizer_step(o));
            CHECK(dsc_model_zero_grad(m));
        }
        rate[r] = (double)n / (now() - t0);
    }
    *last_loss = value;
    free(perm);
    free(xb);
    dsc_loss_free(loss);
    dsc_optimizer_free(o);
    dsc_model_free(m);
    return median(rate, runs);
}

/* ---- (b) per-step latency, 16-64-64-4 tanh, MSE, batch 1 ----------------- */

#define NS 256 /* samples cycled through */
static float bx[NS][16], bt[NS][4];

static double bench_b_descent(long steps) {
    static const size_t widths[] = {64, 64, 4};
    dsc_model *m = mlp(16, widths, 3, DSC_ACTIVATION_TANH, 1);
    dsc_optimizer *o = sgd(m, 0.01, 0.0);
    dsc_loss *loss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_MSE));
    float dy[4];
    double ns[MAX_RUNS], value;
    for (int r = -1; r < runs; r++) { /* run -1 warms up */
        double t0 = now();
        for (long s = 0; s < steps; s++) {
            const float *y;
            CHECK(dsc_model_forward(m, bx[s & (NS - 1)], 1, &y));
            CHECK(dsc_loss_forward(loss, y, bt[s & (NS - 1)], 1, 4, &value));
            CHECK(dsc_loss_backward(loss, dy));
            CHECK(dsc_model_backward(m, dy, 1));
            CHECK(dsc_optimizer_step(o));
            CHECK(dsc_model_zero_grad(m));
        }
        if (r >= 0) ns[r] = (now() - t0) * 1e9 / (double)steps;
    }
    dsc_loss_free(loss);
    dsc_optimizer_free(o);
    dsc_model_free(m);
    return median(ns, runs);
}

static double bench_b_fann(long steps) {
    struct fann *ann = fann_create_standard(4, 16, 64, 64, 4);
    if (ann == NULL) {
        fprintf(stderr, "bench_train: fann_create_standard failed\n");
        exit(1);
    }
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC); /* tanh */
    fann_set_activation_steepness_hidden(ann, 1.0f);                 /* tanh(x), not tanh(x/2) */
    fann_set_activation_function_output(ann, FANN_LINEAR);
    fann_set_learning_rate(ann, 0.01f);
    fann_set_learning_momentum(ann, 0.0f);
    fann_randomize_weights(ann, -0.1f, 0.1f);
    double ns[MAX_RUNS];
    for (int r = -1; r < runs; r++) {
        double t0 = now();
        for (long s = 0; s < steps; s++) fann_train(ann, bx[s & (NS - 1)], bt[s & (NS - 1)]);
        if (r >= 0) ns[r] = (now() - t0) * 1e9 / (double)steps;
    }
    fann_destroy(ann);
    return median(ns, runs);
}

/* ---- PyTorch in a child process ------------------------------------------ */

typedef struct torch_result {
    int ok;
    char core[64];
    double a, b;   /* medians: samples/s, ns/step */
} torch_result;

static int parse_list(const char *s, double *v) {
    int n = 0;
    char *end;
    while (n < MAX_RUNS) {
        double x = strtod(s, &end);
        if (end == s) break;
        v[n++] = x;
        s = end;
    }
    return n;
}

static torch_result run_torch(const char *script, const char *data, const char *coretype) {
    torch_result t = {0, "?", 0.0, 0.0};
    char cmd[2048], line[1024];
    snprintf(cmd, sizeof cmd, "%s%s OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 '%s' "
             "--runs %d --data '%s'%s",
             coretype ? "env OPENBLAS_CORETYPE=" : "env", coretype ? coretype : "", script, runs,
             data, quick ? " --quick" : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL) return t;
    double v[MAX_RUNS];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        char *c = strstr(line, "blas_core ");
        if (strncmp(line, "torch ", 6) == 0 && c) {
            snprintf(t.core, sizeof t.core, "%s", c + 10);
            t.core[strcspn(t.core, "\n")] = 0;
        } else if (strncmp(line, "a ", 2) == 0) {
            int n = parse_list(line + 2, v);
            t.a = median(v, n);
            got |= n > 0;
        } else if (strncmp(line, "b ", 2) == 0) {
            int n = parse_list(line + 2, v);
            t.b = median(v, n);
            got |= (n > 0) << 1;
        }
    }
    t.ok = pclose(p) == 0 && got == 3;
    return t;
}

int main(int argc, char **argv) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    const char *script = "bench/torch_train.py";
    int torch = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--data DIR] "
                    "[--script PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_train: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }

    /* Data for (a): Fashion-MNIST if installed, else random data of its shape. */
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
    size_t n = dsc_dataset_count(ds);
    if (quick && n > 6000) n = 6000;
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < 16; j++) bx[i][j] = urand();
        for (int j = 0; j < 4; j++) bt[i][j] = urand();
    }
    long steps_d = quick ? 20000 : 200000, steps_f = quick ? 2000 : 20000;

    printf("bench_train: descent %s, kernel set %s; %s, %zu samples; median of %d runs\n",
           dsc_version(), dsc_isa(), source, n, runs);
    fflush(stdout);
    double loss_a;
    double da = bench_a(ds, n, &loss_a);
    double db = bench_b_descent(steps_d);
    double fb = bench_b_fann(steps_f);
    dsc_dataset_free(ds);

    torch_result tr[2] = {{0, "?", 0, 0}, {0, "?", 0, 0}};
    if (torch) {
        tr[0] = run_torch(script, data, NULL);
        tr[1] = run_torch(script, data, "Cooperlake");
        for (int i = 0; i < 2; i++)
            if (!tr[i].ok)
                fprintf(stderr, "bench_train: the PyTorch run %s failed (is python3-torch "
                        "installed? tools/install-deps.sh bench)\n", i ? "(Cooperlake)" : "(as installed)");
    }
    /* Baseline: the faster configuration of each benchmark. */
    double ta = fmax(tr[0].ok ? tr[0].a : 0.0, tr[1].ok ? tr[1].a : 0.0);
    double tb = 0.0;
    for (int i = 0; i < 2; i++)
        if (tr[i].ok && (tb == 0.0 || tr[i].b < tb)) tb = tr[i].b;

    printf("\n(a) Fashion-MNIST MLP 784-256-128-10 ReLU, batch 64, SGD momentum 0.9, lr 0.05, "
           "one epoch, one thread (last batch loss %.3f)\n", loss_a);
    printf("| implementation | samples/s | ratio descent / it |\n|---|---:|---:|\n");
    printf("| descent (%s) | %.0f | - |\n", dsc_isa(), da);
    for (int i = 0; i < 2; i++)
        if (tr[i].ok)
            printf("| PyTorch, OpenBLAS %s (core %s) | %.0f | %.2f |\n",
                   i ? "OPENBLAS_CORETYPE=Cooperlake" : "as installed", tr[i].core, tr[i].a, da / tr[i].a);
    printf("\n(b) 16-64-64-4 tanh MLP, MSE, one sample per step (forward, backward, SGD update)\n");
    printf("| implementation | ns/step | ratio it / descent |\n|---|---:|---:|\n");
    printf("| descent (%s) | %.0f | - |\n", dsc_isa(), db);
    printf("| FANN fann_train | %.0f | %.1f |\n", fb, fb / db);
    for (int i = 0; i < 2; i++)
        if (tr[i].ok)
            printf("| PyTorch, OpenBLAS %s | %.0f | %.0f |\n",
                   i ? "OPENBLAS_CORETYPE=Cooperlake" : "as installed", tr[i].b, tr[i].b / db);

    printf("\nsummary:\n");
    if (ta > 0.0)
        printf("  (a) descent %.0f samples/s = %.2fx PyTorch's faster configuration (%.0f); "
               "target >= 2x: %s\n", da, da / ta, ta, da >= 2.0 * ta ? "met" : "MISSED");
    else
        printf("  (a) descent %.0f samples/s; PyTorch not measured\n", da);
    printf("  (b) descent %.0f ns/step = %.1fx FANN (%.0f ns); target >= 20x: %s\n", db, fb / db, fb,
           fb / db >= 20.0 ? "met" : "MISSED");
    if (tb > 0.0)
        printf("  (b) descent = %.0fx PyTorch's faster configuration (%.0f ns); target >= 500x: %s\n",
               tb / db, tb, tb / db >= 500.0 ? "met" : "MISSED");
    return 0;
}
