/* A small CNN epoch, descent against PyTorch on the CPU, in one run.
 *
 * The network (bench/torch_cnn.py builds the same): 1x28x28 -> conv 3x3
 * (16, padding 1) -> ReLU -> max pool 2x2 -> conv 3x3 (32, padding 1) ->
 * ReLU -> max pool 2x2 -> flatten -> dense 1568->10; batch 64, SGD momentum
 * 0.9, lr 0.05, cross-entropy, the batches in order, over --samples random
 * images (default 12800; Fashion-MNIST's content would not change the
 * time). descent runs through its public API as a host would (forward,
 * loss, backward, optimizer step, zero_grad); PyTorch runs in a child
 * process with one thread (bench/torch_child.h) that takes one command per
 * timed epoch, so the epochs interleave (descent, PyTorch, descent...) and
 * load from other processes hits both alike. Times are thread CPU time
 * (time descheduled on a shared machine does not count); each figure is the
 * median of --runs epochs (default 3) after a warm-up epoch. Prints
 * samples/s of each and their ratio (descent / PyTorch).
 *
 * Usage: bench_cnn [--quick] [--runs N] [--samples N] [--no-torch] [--script PATH] */
#include "bench_util.h"
#include "torch_child.h"

#define MAX_RUNS 15
#define BATCH 64

#define CHECK BENCH_CHECK

typedef struct cnn {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    float *x, *dy;
    int32_t *labels;
    size_t n;
} cnn;

static void cnn_new(cnn *c, size_t n) {
    const size_t image[3] = {1, 28, 28}, k3[2] = {3, 3}, pad1[2] = {1, 1}, k2[2] = {2, 2};
    CHECK(dsc_model_new_shaped(&c->m, 3, image));
    CHECK(dsc_model_add_conv2d(c->m, 1, 16, k3, NULL, pad1, NULL, 1, 1));
    CHECK(dsc_model_add_activation(c->m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_maxpool2d(c->m, k2, NULL, NULL, NULL, 0));
    CHECK(dsc_model_add_conv2d(c->m, 16, 32, k3, NULL, pad1, NULL, 1, 1));
    CHECK(dsc_model_add_activation(c->m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_maxpool2d(c->m, k2, NULL, NULL, NULL, 0));
    CHECK(dsc_model_add_flatten(c->m));
    CHECK(dsc_model_add_dense(c->m, 10, 1));
    CHECK(dsc_model_build(c->m, BATCH));
    CHECK(dsc_model_init(c->m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 1));
    CHECK(dsc_loss_new(&c->loss, DSC_LOSS_CROSS_ENTROPY));
    CHECK(dsc_optimizer_new(&c->opt, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(c->opt, DSC_OPTIMIZER_PARAM_LR, 0.05));
    CHECK(dsc_optimizer_set(c->opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    CHECK(dsc_optimizer_add_model(c->opt, c->m, NULL));
    c->n = n;
    c->x = malloc(n * 784 * sizeof *c->x);
    c->dy = malloc(BATCH * 10 * sizeof *c->dy);
    c->labels = malloc(n * sizeof *c->labels);
    if (c->x == NULL || c->dy == NULL || c->labels == NULL) exit(1);
    for (size_t i = 0; i < n * 784; i++) c->x[i] = 0.5f + 0.5f * bench_urand();
    for (size_t i = 0; i < n; i++) c->labels[i] = (int32_t)(i * 7 % 10);
}

static double cnn_epoch(cnn *c) {
    const double t = bench_cpu_now();
    for (size_t i = 0; i + BATCH <= c->n; i += BATCH) {
        const float *y = NULL;
        double l = 0;
        CHECK(dsc_model_forward(c->m, c->x + i * 784, BATCH, &y));
        CHECK(dsc_loss_forward_labels(c->loss, y, c->labels + i, BATCH, 10, &l));
        CHECK(dsc_loss_backward(c->loss, c->dy));
        CHECK(dsc_model_backward(c->m, c->dy, BATCH));
        CHECK(dsc_optimizer_step(c->opt));
        CHECK(dsc_model_zero_grad(c->m));
    }
    return (double)(c->n / BATCH * BATCH) / (bench_cpu_now() - t);
}

static void cnn_free(cnn *c) {
    dsc_optimizer_free(c->opt);
    dsc_loss_free(c->loss);
    dsc_model_free(c->m);
    free(c->x), free(c->dy), free(c->labels);
}

int main(int argc, char **argv) {
    int runs = 3, torch = 1;
    size_t samples = 12800;
    const char *script = "bench/torch_cnn.py";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) samples = 1280, runs = 1;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--samples N] [--no-torch] "
                    "[--script PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || samples < BATCH) {
        fprintf(stderr, "bench_cnn: --runs must be 1..%d and --samples at least %d\n", MAX_RUNS, BATCH);
        return 2;
    }
    torch_child tc;
    memset(&tc, 0, sizeof tc);
    if (torch) {
        char n[24];
        snprintf(n, sizeof n, "%zu", samples);
        const char *args[] = {script, n, NULL};
        torch_child_start(&tc, args, NULL);
        if (!tc.ok)
            fprintf(stderr, "bench_cnn: PyTorch did not start (is python3-torch installed? "
                            "tools/install-deps.sh bench); descent only\n");
    }
    cnn c;
    cnn_new(&c, samples);
    (void)cnn_epoch(&c); /* warm-up (the child warmed up before its version line) */
    double ours[MAX_RUNS], theirs[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        ours[r] = cnn_epoch(&c);
        theirs[r] = torch_child_value(&tc, "e");
    }
    torch_child_stop(&tc);
    cnn_free(&c);
    const double d = bench_median(ours, runs);
    printf("CNN conv16-pool-conv32-pool-dense10, batch %d, %zu samples, kernel set %s\n", BATCH,
           samples, dsc_isa());
    printf("  descent  %9.0f samples/s (median of %d epochs, thread CPU time)\n", d, runs);
    if (!torch) return 0;
    if (!tc.ok) {
        printf("  PyTorch  not measured (%s failed; is python3-torch installed?)\n", script);
        return 0;
    }
    const double t = bench_median(theirs, runs);
    printf("  PyTorch  %9.0f samples/s (torch %s, 1 thread)\n", t, tc.version);
    printf("  ratio    %9.2fx (descent / PyTorch)\n", d / t);
    return 0;
}
