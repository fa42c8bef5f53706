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
 * baseline. PyTorch's children take one command per run on stdin, so the
 * runs interleave in rounds (descent, FANN, PyTorch x2, then again) and
 * load from other processes hits every implementation alike. Times are
 * thread CPU time (descheduled time does not count); every figure is the
 * median of --runs rounds (default 5) after a warm-up.
 *
 * Usage: bench_train [--quick] [--runs N] [--no-torch] [--only a|b] [--data DIR] [--script PATH]
 *   --quick: 1/10 of the epoch and fewer steps (smoke test, numbers noisy);
 *   --only: descent's half of one benchmark, nothing else (for perf record). */
#include "descent.h"

#include <fann.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 15

static int runs = 5;
static int quick = 0;

/* This thread's CPU time: on a shared machine, time spent descheduled does
 * not count (PyTorch's side uses time.thread_time, the same clock). */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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
    CHECK(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_MOMENTUM, momentum));
    CHECK(dsc_optimizer_add_model(o, m, NULL));
    return o;
}

/* ---- (a) one epoch of the Fashion-MNIST MLP ------------------------------ */

typedef struct bench_a {
    const dsc_dataset *ds;
    size_t n;
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    size_t *perm;
    float *xb;
    double last_loss;
} bench_a;

static void bench_a_init(bench_a *a, const dsc_dataset *ds, size_t n) {
    static const size_t widths[] = {256, 128, 10};
    a->ds = ds;
    a->n = n;
    a->m = mlp(784, widths, 3, DSC_ACTIVATION_RELU, 64);
    a->o = sgd(a->m, 0.05, 0.9);
    a->loss = NULL;
    CHECK(dsc_loss_new(&a->loss, DSC_LOSS_CROSS_ENTROPY));
    a->perm = malloc(n * sizeof *a->perm);
    a->xb = malloc(64 * 784 * sizeof *a->xb);
    if (!a->perm || !a->xb) exit(1);
    for (size_t i = 0; i < n; i++) a->perm[i] = i;
    a->last_loss = 0.0;
}

/* One shuffled epoch; samples per second of CPU time. */
static double bench_a_run(bench_a *a) {
    const size_t B = 64, n = a->n;
    float dy[64 * 10];
    int32_t yb[64];
    double value = 0.0, t0 = cpu_now();
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, as torch.randperm each epoch */
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
    a->last_loss = value;
    return (double)n / (cpu_now() - t0);
}

static void bench_a_free(bench_a *a) {
    free(a->perm);
    free(a->xb);
    dsc_loss_free(a->loss);
    dsc_optimizer_free(a->o);
    dsc_model_free(a->m);
}

/* ---- (b) per-step latency, 16-64-64-4 tanh, MSE, batch 1 ----------------- */

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
    b->m = mlp(16, widths, 3, DSC_ACTIVATION_TANH, 1);
    b->o = sgd(b->m, 0.01, 0.0);
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
    float dy[4];
    double value, t0 = cpu_now();
    for (long s = 0; s < steps; s++) {
        const float *y;
        CHECK(dsc_model_forward(b->m, bx[s & (NS - 1)], 1, &y));
        CHECK(dsc_loss_forward(b->loss, y, bt[s & (NS - 1)], 1, 4, &value));
        CHECK(dsc_loss_backward(b->loss, dy));
        CHECK(dsc_model_backward(b->m, dy, 1));
        CHECK(dsc_optimizer_step(b->o));
        CHECK(dsc_model_zero_grad(b->m));
    }
    return (cpu_now() - t0) * 1e9 / (double)steps;
}

static double bench_b_fann(bench_b *b, long steps) {
    double t0 = cpu_now();
    for (long s = 0; s < steps; s++) fann_train(b->ann, bx[s & (NS - 1)], bt[s & (NS - 1)]);
    return (cpu_now() - t0) * 1e9 / (double)steps;
}

static void bench_b_free(bench_b *b) {
    fann_destroy(b->ann);
    dsc_loss_free(b->loss);
    dsc_optimizer_free(b->o);
    dsc_model_free(b->m);
}

/* ---- PyTorch in a child process, driven line by line ---------------------- */

typedef struct torch_result {
    int ok;
    char core[64];
    double a, b; /* medians: samples/s, ns/step */
} torch_result;

typedef struct torch_child {
    int ok;
    pid_t pid;
    FILE *to, *from;
    char core[64];
} torch_child;

static void torch_start(torch_child *t, const char *script, const char *data,
                        const char *coretype) {
    int in[2], out[2];
    memset(t, 0, sizeof *t);
    snprintf(t->core, sizeof t->core, "?");
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_t pid = fork();
    if (pid < 0) return;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        /* Set before Python starts: OpenBLAS reads them when torch loads it. */
        if (coretype) setenv("OPENBLAS_CORETYPE", coretype, 1);
        else unsetenv("OPENBLAS_CORETYPE");
        setenv("OMP_NUM_THREADS", "1", 1);
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        execl("/usr/bin/python3", "python3", script, "--serve", "--data", data,
              quick ? "--quick" : (char *)NULL, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    t->pid = pid;
    t->to = fdopen(in[1], "w");
    t->from = fdopen(out[0], "r");
    char line[256];
    if (t->to && t->from && fgets(line, sizeof line, t->from) && !strncmp(line, "torch ", 6)) {
        char *c = strstr(line, "blas_core ");
        if (c) snprintf(t->core, sizeof t->core, "%.*s", (int)strcspn(c + 10, "\n"), c + 10);
        t->ok = 1;
    }
}

/* Sends one command ('a' or 'b') and returns the figure, or 0 on failure. */
static double torch_run(torch_child *t, char cmd) {
    char line[256];
    if (!t->ok) return 0.0;
    fprintf(t->to, "%c\n", cmd);
    fflush(t->to);
    if (!fgets(line, sizeof line, t->from) || line[0] != cmd) {
        t->ok = 0;
        return 0.0;
    }
    return strtod(line + 2, NULL);
}

static void torch_stop(torch_child *t) {
    if (t->to) {
        if (t->ok) fprintf(t->to, "q\n");
        fclose(t->to);
    }
    if (t->from) fclose(t->from);
    if (t->pid > 0) waitpid(t->pid, NULL, 0);
}

int main(int argc, char **argv) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    const char *script = "bench/torch_train.py";
    int torch = 1;
    char only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i][0];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--only a|b] [--data DIR] "
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
    size_t n = 0;
    CHECK(dsc_dataset_count(ds, &n));
    if (quick && n > 6000) n = 6000;
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < 16; j++) bx[i][j] = urand();
        for (int j = 0; j < 4; j++) bt[i][j] = urand();
    }
    long steps_d = quick ? 20000 : 200000, steps_f = quick ? 2000 : 20000;
    bench_a A;
    bench_b Bb;
    bench_a_init(&A, ds, n);
    bench_b_init(&Bb);
    if (only == 'a' || only == 'b') {
        for (int r = 0; r < runs; r++)
            printf("descent (%c): %.0f\n", only,
                   only == 'a' ? bench_a_run(&A) : bench_b_descent(&Bb, steps_d));
        return 0;
    }
    torch_child tc[2];
    memset(tc, 0, sizeof tc);
    signal(SIGPIPE, SIG_IGN); /* a child that died must not take this process with it */
    if (torch) {
        torch_start(&tc[0], script, data, NULL);
        torch_start(&tc[1], script, data, "Cooperlake");
        for (int i = 0; i < 2; i++)
            if (!tc[i].ok)
                fprintf(stderr, "bench_train: PyTorch %s did not start (is python3-torch "
                        "installed? tools/install-deps.sh bench)\n",
                        i ? "(Cooperlake)" : "(as installed)");
    }

    printf("bench_train: descent %s, kernel set %s; %s, %zu samples; median of %d interleaved "
           "rounds, thread CPU time\n", dsc_version(), dsc_isa(), source, n, runs);
    fflush(stdout);
    /* Rounds: each implementation once per round, so load on a shared
     * machine hits all of them alike. Warm-up round first, not counted. */
    double va[3][MAX_RUNS], vb[4][MAX_RUNS];
    (void)bench_b_descent(&Bb, steps_d / 10);
    (void)bench_b_fann(&Bb, steps_f / 10);
    for (int r = 0; r < runs; r++) {
        va[0][r] = bench_a_run(&A);
        vb[0][r] = bench_b_descent(&Bb, steps_d);
        vb[1][r] = bench_b_fann(&Bb, steps_f);
        for (int i = 0; i < 2; i++) {
            va[1 + i][r] = torch_run(&tc[i], 'a');
            vb[2 + i][r] = torch_run(&tc[i], 'b');
        }
    }
    double loss_a = A.last_loss;
    for (int i = 0; i < 2; i++) torch_stop(&tc[i]);
    bench_a_free(&A);
    bench_b_free(&Bb);
    dsc_dataset_free(ds);
    double da = median(va[0], runs), db = median(vb[0], runs), fb = median(vb[1], runs);
    torch_result tr[2];
    for (int i = 0; i < 2; i++) {
        tr[i].ok = tc[i].ok;
        snprintf(tr[i].core, sizeof tr[i].core, "%s", tc[i].core);
        tr[i].a = median(va[1 + i], runs);
        tr[i].b = median(vb[2 + i], runs);
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
                   i ? "OPENBLAS_CORETYPE=Cooperlake" : "as installed", tr[i].core, tr[i].a,
                   da / tr[i].a);
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
    printf("  (b) descent %.0f ns/step = %.1fx FANN (%.0f ns); target >= 20x: %s\n", db,
           fb / db, fb, fb / db >= 20.0 ? "met" : "MISSED");
    if (tb > 0.0)
        printf("  (b) descent = %.0fx PyTorch's faster configuration (%.0f ns); "
               "target >= 500x: %s\n",
               tb / db, tb, tb / db >= 500.0 ? "met" : "MISSED");
    return 0;
}
