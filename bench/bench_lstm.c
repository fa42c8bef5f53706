/* An LSTM sequence classifier, training side by side: descent against
 * PyTorch, in one run.
 *
 * LSTM(F=16, H=64) over T=32 steps, the last step, a dense 64 -> 10 head;
 * cross-entropy, SGD (lr 0.01), batch 32. One training step = forward,
 * loss, backward (through all 32 steps), optimizer step, zero_grad. The
 * data are fixed random sequences. descent runs through its public API as a
 * host would, on the best kernel set (or the one DESCENT_ISA names);
 * PyTorch (bench/torch_lstm.py, /usr/bin/python3, one thread, the same
 * shapes) runs in a child process that takes one command per timed round
 * on stdin, so the rounds interleave (descent, PyTorch, descent...) and load
 * from other processes hits both alike. Times are thread CPU time; each
 * figure is the median of --runs rounds (default 7) after a warm-up.
 *
 * Usage: bench_lstm [--quick] [--runs N] [--no-torch] [--script PATH] */
#define DESCENT_EXPERIMENTAL_API
#include "descent.h"

#include "bench_util.h"
#include "torch_child.h"

enum { T = 32, F = 16, H = 64, C = 10, B = 32, MAX_RUNS = 31 };

#define CHECK BENCH_CHECK

typedef struct lstm_bench {
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    float x[B * T * F];
    int32_t labels[B];
} lstm_bench;

static void bench_init(lstm_bench *b) {
    const size_t shape[2] = {T, F};
    CHECK(dsc_model_new_shaped(&b->m, 2, shape));
    CHECK(dsc_model_add_lstm(b->m, F, H));
    CHECK(dsc_model_add_last_step(b->m));
    CHECK(dsc_model_add_dense(b->m, C, 1));
    CHECK(dsc_model_build(b->m, B));
    CHECK(dsc_optimizer_new(&b->o, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(b->o, DSC_OPTIMIZER_PARAM_LR, 0.01));
    CHECK(dsc_optimizer_add_model(b->o, b->m, NULL));
    CHECK(dsc_loss_new(&b->loss, DSC_LOSS_CROSS_ENTROPY));
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < B * T * F; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        b->x[i] = (float)(s >> 40) / 16777216.0f * 2.0f - 1.0f;
    }
    for (int i = 0; i < B; i++) b->labels[i] = i % C;
}

/* steps training steps; samples per second of CPU time. */
static double bench_round(lstm_bench *b, long steps) {
    float dy[B * C];
    double value, t0 = bench_cpu_now();
    for (long s = 0; s < steps; s++) {
        const float *y;
        CHECK(dsc_model_forward(b->m, b->x, B, &y));
        CHECK(dsc_loss_forward_labels(b->loss, y, b->labels, B, C, &value));
        CHECK(dsc_loss_backward(b->loss, dy));
        CHECK(dsc_model_backward(b->m, dy, B));
        CHECK(dsc_optimizer_step(b->o));
        CHECK(dsc_model_zero_grad(b->m));
    }
    return (double)(steps * B) / (bench_cpu_now() - t0);
}

static void bench_free(lstm_bench *b) {
    dsc_loss_free(b->loss);
    dsc_optimizer_free(b->o);
    dsc_model_free(b->m);
}

int main(int argc, char **argv) {
    const char *script = "bench/torch_lstm.py";
    int runs = 7, torch = 1;
    long steps = 40;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) steps = 4, runs = 3;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--script PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_lstm: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }
    static lstm_bench b;
    bench_init(&b);
    torch_child tc;
    memset(&tc, 0, sizeof tc);
    if (torch) {
        char args[6][24];
        const long v[6] = {T, F, H, C, B, steps};
        for (int i = 0; i < 6; i++) snprintf(args[i], sizeof args[i], "%ld", v[i]);
        const char *targs[] = {script, args[0], args[1], args[2], args[3], args[4], args[5], NULL};
        torch_child_start(&tc, targs, NULL);
        if (!tc.ok)
            fprintf(stderr, "bench_lstm: PyTorch did not start (is python3-torch installed? "
                            "tools/install-deps.sh bench); descent only\n");
    }
    bench_round(&b, 3); /* warm-up */
    double vd[MAX_RUNS], vt[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        vd[r] = bench_round(&b, steps);
        vt[r] = torch_child_value(&tc, "r");
    }
    torch_child_stop(&tc);
    const double d = bench_median(vd, runs);
    printf("LSTM classifier T=%d F=%d H=%d -> last step -> dense %d, batch %d, SGD, "
           "cross-entropy; one thread, median of %d rounds of %ld steps\n",
           T, F, H, C, B, runs, steps);
    printf("  descent (%s)  %10.0f samples/s\n", dsc_isa(), d);
    if (tc.ok) {
        const double t = bench_median(vt, runs);
        printf("  PyTorch %-9s %10.0f samples/s\n", tc.version, t);
        printf("  ratio descent/PyTorch %.2f\n", d / t);
    }
    bench_free(&b);
    return 0;
}
