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
 * PyTorch (bench/torch_threads.py, /usr/bin/python3, a child process driven
 * through bench/torch_child.h) runs (a) and (b) with torch.set_num_threads(1)
 * and (2) in the same rounds, as a baseline.
 *
 * Usage: bench_threads [--quick] [--runs N] [--no-torch] [--data DIR] [--script PATH] */
#define DESCENT_EXPERIMENTAL_API
#include "descent.h"

#include "bench_util.h"
#include "torch_child.h"

#define MAX_RUNS 15
#define CHECK BENCH_CHECK

static int runs = 5;
static int quick = 0;

/* ---- (a) one epoch of the MLP: bench_util.h's bench_epoch ---------------- */

static double bench_a_run(bench_epoch *a) {
    double wall;
    bench_epoch_run(a, &wall, NULL);
    return (double)a->n / wall;
}

/* ---- (b) Adam over 16M parameters --------------------------------------- */

#define ADAM_N ((size_t)16 << 20)

static double bench_b_run(dsc_optimizer *o, int steps) {
    double t0 = bench_wall_now();
    for (int s = 0; s < steps; s++) CHECK(dsc_optimizer_step(o));
    return steps / (bench_wall_now() - t0);
}

/* ---- (c) batch-1 latency -------------------------------------------------- */

#define NS 256
static float cx[NS][16], ct[NS][4];

static double bench_c_run(dsc_model *m, dsc_optimizer *o, dsc_loss *loss, int steps) {
    double value, t0 = bench_wall_now();
    for (int s = 0; s < steps; s++)
        bench_train_step(m, loss, o, cx[s & (NS - 1)], ct[s & (NS - 1)], NULL, 1, &value);
    return (bench_wall_now() - t0) * 1e9 / steps;
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
    bench_cpu_name(cpu, sizeof cpu);
    printf("descent %s, kernel set %s, %s, %d rounds\n", dsc_version(), dsc_isa(), cpu, runs);

    /* (a) data: Fashion-MNIST if installed, else random data of its shape. */
    const char *source;
    dsc_dataset *ds = bench_fashion(data, &source);
    static const size_t wa[] = {256, 128, 10};
    size_t n = 0;
    CHECK(dsc_dataset_count(ds, &n));
    if (quick && n > 6000) n = 6000;
    bench_epoch a;
    bench_epoch_init(&a, ds, n, wa, 3, 64);

    /* (b) */
    float *p = malloc(ADAM_N * sizeof *p), *g = malloc(ADAM_N * sizeof *g);
    if (!p || !g) return 1;
    for (size_t i = 0; i < ADAM_N; i++) {
        p[i] = bench_urand();
        g[i] = 0.01f * bench_urand();
    }
    dsc_optimizer *adam = NULL;
    CHECK(dsc_optimizer_new(&adam, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_add_params(adam, p, g, ADAM_N, NULL));
    const int adam_steps = quick ? 3 : 10;

    /* (c) */
    static const size_t wc[] = {64, 64, 4};
    dsc_model *mc = bench_mlp(16, wc, 3, DSC_ACTIVATION_TANH, 1);
    dsc_optimizer *oc = bench_sgd(mc, 0.01, 0.0);
    dsc_loss *lc = NULL;
    CHECK(dsc_loss_new(&lc, DSC_LOSS_MSE));
    for (int i = 0; i < NS; i++) {
        for (int j = 0; j < 16; j++) cx[i][j] = bench_urand();
        for (int j = 0; j < 4; j++) ct[i][j] = bench_urand();
    }
    const int c_steps = quick ? 20000 : 200000;

    torch_child tc;
    memset(&tc, 0, sizeof tc);
    if (torch) {
        const char *targs[] = {script, "--data", data, quick ? "--quick" : NULL, NULL};
        torch_child_start(&tc, targs, NULL);
        if (!tc.ok)
            fprintf(stderr, "bench_threads: PyTorch did not start (is python3-torch installed? "
                            "tools/install-deps.sh bench); descent only\n");
    }

    /* Warm-up: page in every buffer, start the optimizer state. */
    CHECK(dsc_set_threads(2));
    (void)bench_b_run(adam, 1);
    (void)bench_c_run(mc, oc, lc, c_steps / 10);
    CHECK(dsc_set_threads(1));

    double a1[MAX_RUNS], a2[MAX_RUNS], ar[MAX_RUNS], b1[MAX_RUNS], b2[MAX_RUNS], br[MAX_RUNS];
    double c1[MAX_RUNS], c2[MAX_RUNS], cr[MAX_RUNS];
    double ta1[MAX_RUNS], ta2[MAX_RUNS], tar[MAX_RUNS], tb1[MAX_RUNS], tb2[MAX_RUNS], tbr[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        CHECK(dsc_set_threads(1));
        a1[r] = bench_a_run(&a);
        b1[r] = bench_b_run(adam, adam_steps);
        c1[r] = bench_c_run(mc, oc, lc, c_steps);
        CHECK(dsc_set_threads(2));
        a2[r] = bench_a_run(&a);
        b2[r] = bench_b_run(adam, adam_steps);
        c2[r] = bench_c_run(mc, oc, lc, c_steps);
        ta1[r] = torch_child_value(&tc, "a 1");
        tb1[r] = torch_child_value(&tc, "b 1");
        ta2[r] = torch_child_value(&tc, "a 2");
        tb2[r] = torch_child_value(&tc, "b 2");
        tar[r] = ta1[r] > 0 ? ta2[r] / ta1[r] : 0.0;
        tbr[r] = tb1[r] > 0 ? tb2[r] / tb1[r] : 0.0;
        ar[r] = a2[r] / a1[r];
        br[r] = b2[r] / b1[r];
        cr[r] = c2[r] / c1[r];
        fprintf(stderr, "round %d: mlp %.0f / %.0f samples/s, adam %.2f / %.2f steps/s, "
                "batch-1 %.0f / %.0f ns\n", r + 1, a1[r], a2[r], b1[r], b2[r], c1[r], c2[r]);
    }
    CHECK(dsc_set_threads(1));
    printf("(a) MLP epoch, %s, %zu samples: 1 thread %.0f samples/s, 2 threads %.0f samples/s, "
           "ratio %.2fx\n", source, n, bench_median(a1, runs), bench_median(a2, runs), bench_median(ar, runs));
    printf("(b) Adam, 16M parameters: 1 thread %.2f steps/s, 2 threads %.2f steps/s, ratio %.2fx\n",
           bench_median(b1, runs), bench_median(b2, runs), bench_median(br, runs));
    printf("(c) batch-1 step, 16-64-64-4 tanh, SGD: threads off %.0f ns, 2 threads %.0f ns, "
           "ratio %.3f (time; <= 1 is no slower)\n", bench_median(c1, runs), bench_median(c2, runs),
           bench_median(cr, runs));
    torch_child_stop(&tc);
    if (tc.ok) {
        printf("PyTorch %s:\n", tc.version);
        printf("(a) MLP epoch: 1 thread %.0f samples/s, 2 threads %.0f samples/s, ratio %.2fx\n",
               bench_median(ta1, runs), bench_median(ta2, runs), bench_median(tar, runs));
        printf("(b) Adam, 16M parameters: 1 thread %.2f steps/s, 2 threads %.2f steps/s, "
               "ratio %.2fx\n", bench_median(tb1, runs), bench_median(tb2, runs),
               bench_median(tbr, runs));
    }
    fflush(stdout);

    dsc_optimizer_free(adam);
    free(p);
    free(g);
    dsc_optimizer_free(oc);
    dsc_model_free(mc);
    dsc_loss_free(lc);
    bench_epoch_free(&a);
    dsc_dataset_free(ds);
    return 0;
}
