/* The fused training step (dsc_model_train_step) against the seven calls it
 * replaces, and the optimizer step over host parameters against memory
 * bandwidth, on one thread, in one run:
 *   W1  784-256-128-10 ReLU MLP, batch 64, cross-entropy, SGD momentum 0.9:
 *       samples/s of both paths;
 *   W2  16-64-64-4 tanh MLP, batch 1, MSE, plain SGD: ns per step of both;
 *   W3  dsc_optimizer_step of Adam over 16M host parameters (norm, result
 *       check, update) against a streaming loop with Adam's access pattern
 *       (bench/stream.h at the width of the kernel set the step runs: reads
 *       p g m v, writes p m v: 28 B/param), GB/s counted as 28 B/param for
 *       both.
 * Each figure is the median of ROUNDS timings; implementations alternate
 * within a round, and each ratio is the median of the per-round ratios
 * (robust to load on a shared machine); "speedup" is the seven calls' time
 * over the fused step's. Synthetic data: the cost of a step does not depend
 * on the values.
 *
 * Usage: bench_fused [w3] [--quick]   (w3: only W3; --quick: a short run)
 *
 * Measured on the 2-core AMD EPYC VM (AVX-512, load average 2-3 from other
 * jobs), two runs: W1 0.998x and 1.009x (about 80k samples/s both ways; an
 * earlier run under heavier load gave 0.84x and 1.04x), W2 1.034x and 1.010x
 * (2,160-2,260 ns/step), W3 0.46 and 0.56 of the stream loop (0.48 before
 * the norm and the check shared a pass). W1 and W2 gain little because
 * their gradients fit L2 (940 KB and 22 KB): the passes the fused step
 * saves were already cache hits. W3 cannot reach 0.9 with the guard: every
 * input of the update must be read before its first write (a refused step
 * changes nothing), and p, g, m, v (256 MB) do not fit in any cache, so
 * the step reads them twice: 16 B/param for the norm and check, 28 for the
 * update, 44 against the loop's 28, at best 0.64. */
#include "bench_util.h"
#include "stream.h"

#define ROUNDS 9

#define CHECK BENCH_CHECK

typedef struct net {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    size_t in, out, batch, nb; /* nb batches of data */
    float *x, *t, *dy;
    int32_t *lab;
} net;

static void net_new(net *n, const size_t *widths, size_t nw, dsc_activation act, size_t batch,
                    int labels, double momentum, double lr) {
    n->m = bench_mlp(widths[0], widths + 1, nw - 1, act, batch);
    CHECK(dsc_loss_new(&n->loss, labels ? DSC_LOSS_CROSS_ENTROPY : DSC_LOSS_MSE));
    n->opt = bench_sgd(n->m, lr, momentum);
    n->in = widths[0];
    n->out = widths[nw - 1];
    n->batch = batch;
    n->nb = 64;
    n->x = malloc(n->nb * batch * n->in * sizeof(float));
    n->t = malloc(n->nb * batch * n->out * sizeof(float));
    n->dy = malloc(batch * n->out * sizeof(float));
    n->lab = malloc(n->nb * batch * sizeof(int32_t));
    unsigned v = 1;
    for (size_t i = 0; i < n->nb * batch * n->in; i++) {
        v = v * 1103515245u + 12345u;
        n->x[i] = (float)((v >> 9) % 1000) / 1000.0f;
    }
    for (size_t i = 0; i < n->nb * batch * n->out; i++) n->t[i] = (float)(i % 7) / 7.0f;
    for (size_t i = 0; i < n->nb * batch; i++) n->lab[i] = (int32_t)(i % n->out);
}

static void net_free(net *n) {
    dsc_optimizer_free(n->opt);
    dsc_loss_free(n->loss);
    dsc_model_free(n->m);
    free(n->x);
    free(n->t);
    free(n->dy);
    free(n->lab);
}

/* steps training steps through one path; returns seconds. */
static double run(net *n, int fused, int steps) {
    const int labels = n->out > 4;
    double t0 = bench_wall_now(), v;
    for (int s = 0; s < steps; s++) {
        size_t b = (size_t)s % n->nb;
        const float *x = n->x + b * n->batch * n->in, *t = n->t + b * n->batch * n->out;
        const int32_t *lab = n->lab + b * n->batch;
        if (fused) {
            CHECK(dsc_model_train_step(n->m, n->loss, n->opt, x, labels ? NULL : t,
                                       labels ? lab : NULL, n->batch, &v));
        } else {
            const float *y;
            CHECK(dsc_model_zero_grad(n->m));
            CHECK(dsc_model_forward(n->m, x, n->batch, &y));
            if (labels) CHECK(dsc_loss_forward_labels(n->loss, y, lab, n->batch, n->out, &v));
            else CHECK(dsc_loss_forward(n->loss, y, t, n->batch, n->out, &v));
            CHECK(dsc_loss_backward(n->loss, n->dy));
            CHECK(dsc_model_backward(n->m, n->dy, n->batch));
            CHECK(dsc_optimizer_step(n->opt));
        }
    }
    return bench_wall_now() - t0;
}

/* Median seconds per step of each path and the median per-round ratio
 * (seven calls / fused: above 1, the fused step is faster). */
static void compare(net *n, int steps, double *seven, double *fused, double *ratio) {
    double a[ROUNDS], b[ROUNDS], r[ROUNDS];
    run(n, 0, steps / 4 + 1);
    run(n, 1, steps / 4 + 1);
    for (int i = 0; i < ROUNDS; i++) {
        int first = i % 2; /* alternate which path goes first */
        double t0 = run(n, first, steps), t1 = run(n, !first, steps);
        a[i] = (first ? t1 : t0) / steps;
        b[i] = (first ? t0 : t1) / steps;
        r[i] = a[i] / b[i];
    }
    *seven = bench_median(a, ROUNDS);
    *fused = bench_median(b, ROUNDS);
    *ratio = bench_median(r, ROUNDS);
}

/* W3 over n parameters (a multiple of 16). */
static void w3(size_t n) {
    float *p = aligned_alloc(64, n * 4), *g = aligned_alloc(64, n * 4);
    float *sm = aligned_alloc(64, n * 4), *sv = aligned_alloc(64, n * 4);
    for (size_t i = 0; i < n; i++) {
        p[i] = 1e-3f * (float)(i % 97);
        g[i] = 1e-3f * (float)(i % 89) - 0.04f;
        sm[i] = 0.0f;
        sv[i] = 0.01f;
    }
    dsc_optimizer *opt;
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1e-9));
    CHECK(dsc_optimizer_add_params(opt, p, g, n, NULL));
    CHECK(dsc_optimizer_step(opt));
    const dsc_isa_id isa = dsc__kernels()->id; /* the stream loop at the step's width */
    stream_adam(isa, n, p, g, sm, sv);
    double a[ROUNDS], b[ROUNDS], r[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = bench_wall_now();
        CHECK(dsc_optimizer_step(opt));
        double t1 = bench_wall_now();
        stream_adam(isa, n, p, g, sm, sv);
        double t2 = bench_wall_now();
        a[i] = 28.0 * (double)n / (t1 - t0) / 1e9;
        b[i] = 28.0 * (double)n / (t2 - t1) / 1e9;
        r[i] = a[i] / b[i];
    }
    double ga = bench_median(a, ROUNDS), gb = bench_median(b, ROUNDS);
    double ratio = bench_median(r, ROUNDS);
    printf("W3  Adam step, %zuM host params: %.1f GB/s (28 B/param), stream loop %.1f GB/s, "
           "ratio %.2f (target >= 0.90: %s)\n", n >> 20, ga, gb, ratio,
           ratio >= 0.9 ? "met" : "missed");
    dsc_optimizer_free(opt);
    free(p);
    free(g);
    free(sm);
    free(sv);
}

int main(int argc, char **argv) {
    int only_w3 = 0, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "w3")) only_w3 = 1;
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else {
            fprintf(stderr, "usage: %s [w3] [--quick]\n", argv[0]);
            return 2;
        }
    }
    const int scale = quick ? 10 : 1; /* --quick: a tenth of the steps, W3 over 4M */
    printf("kernel set: %s, 1 thread; medians of %d rounds, paths alternating\n", dsc_isa(),
           ROUNDS);
    if (!only_w3) {
        net w1;
        static const size_t w1w[] = {784, 256, 128, 10};
        net_new(&w1, w1w, 4, DSC_ACTIVATION_RELU, 64, 1, 0.9, 0.01);
        double s7, sf, r;
        compare(&w1, 200 / scale, &s7, &sf, &r);
        printf("W1  784-256-128-10 b64 SGD momentum: seven calls %.0f samples/s, fused %.0f "
               "samples/s, speedup %.3fx\n", 64 / s7, 64 / sf, r);
        net_free(&w1);
        net w2;
        static const size_t w2w[] = {16, 64, 64, 4};
        net_new(&w2, w2w, 4, DSC_ACTIVATION_TANH, 1, 0, 0.0, 0.01);
        compare(&w2, 20000 / scale, &s7, &sf, &r);
        printf("W2  16-64-64-4 tanh b1 plain SGD: seven calls %.0f ns/step, fused %.0f ns/step, "
               "speedup %.3fx\n", s7 * 1e9, sf * 1e9, r);
        net_free(&w2);
    }
    w3((size_t)1 << (quick ? 22 : 24));
    return 0;
}
