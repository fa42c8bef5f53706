/* What measuring the gradient noise scale costs (DSC_TRAINER_PARAM_MEASURE_NOISE):
 * epochs of the Fashion-MNIST MLP 784-256-128-10 (ReLU, cross-entropy, SGD
 * momentum 0.9, lr 0.05) through dsc_trainer_run, with measuring off and on,
 * at batch 32, 64 and 256. Each round trains one epoch each way back to back
 * (thread CPU time, so other processes on the machine do not count); the
 * figure is the median over the rounds of the on/off ratio, which is what
 * stays meaningful on a loaded machine. The data: the first 10,000 training
 * images of Fashion-MNIST when installed (tools/install-deps.sh demo), else
 * 10,000 random images of the same size.
 *
 * Usage: bench_noise [--quick] */
#include <descent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(expr)                                                                  \
    do {                                                                             \
        dsc_status s_ = (expr);                                                      \
        if (s_ != DSC_OK) {                                                          \
            fprintf(stderr, "bench_noise: %s: %s\n", #expr, dsc_last_error());       \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static double thread_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static dsc_dataset *load(size_t n, const char **source) {
    dsc_dataset *all = NULL, *ds = NULL;
    const char *dir = "/usr/share/datasets/fashion-mnist";
    char img[256], lab[256];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", dir);
    if (dsc_dataset_load_idx(&all, img, lab, 10) == DSC_OK) {
        size_t *rows = malloc(n * sizeof *rows);
        for (size_t i = 0; i < n; i++) rows[i] = i;
        CHECK(dsc_dataset_scale(all, 255.0f));
        CHECK(dsc_dataset_subset(&ds, all, rows, n));
        free(rows);
        dsc_dataset_free(all);
        *source = "Fashion-MNIST";
        return ds;
    }
    float *x = malloc(n * 784 * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t s = 88172645463325252u;
    for (size_t i = 0; i < n * 784; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = (float)(s >> 40) / 16777216.0f;
    }
    for (size_t i = 0; i < n; i++) y[i] = (int32_t)(i % 10);
    CHECK(dsc_dataset_new_labels(&ds, x, y, n, 784, 10, DSC_DATASET_COPY));
    free(x);
    free(y);
    *source = "random images (Fashion-MNIST not installed)";
    return ds;
}

int main(int argc, char **argv) {
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    const int rounds = quick ? 3 : 7;
    const char *source = NULL;
    dsc_dataset *ds = load(quick ? 2000 : 10000, &source);
    size_t count = 0;
    CHECK(dsc_dataset_count(ds, &count));
    printf("bench_noise: kernel set %s, %s, %zu images, MLP 784-256-128-10, SGD momentum; "
           "one epoch per measurement, %d rounds, thread CPU time\n",
           dsc_isa(), source, count, rounds);
    double def_interval = 0;
    CHECK(dsc_trainer_param_default(DSC_TRAINER_PARAM_NOISE_INTERVAL, &def_interval));
    printf("| batch | epoch s (off) | on, every step | on, every %g steps (default) | overhead, every step | overhead, default |\n"
           "| ---: | ---: | ---: | ---: | ---: | ---: |\n", def_interval);
    static const size_t batches[] = {32, 64, 256};
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
        const size_t batch = batches[bi];
        dsc_model *m = NULL;
        dsc_loss *loss = NULL;
        dsc_optimizer *opt = NULL;
        dsc_trainer *t = NULL;
        CHECK(dsc_model_new(&m, 784));
        CHECK(dsc_model_add_dense(m, 256, 1));
        CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
        CHECK(dsc_model_add_dense(m, 128, 1));
        CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
        CHECK(dsc_model_add_dense(m, 10, 1));
        CHECK(dsc_model_build(m, batch));
        CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 1));
        CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
        CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
        CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.05));
        CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
        CHECK(dsc_optimizer_add_model(opt, m, NULL));
        CHECK(dsc_trainer_new(&t, m, loss, opt, ds));
        CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, (double)batch));
        /* [way][round]: off, on every step, on at the default interval */
        double tm[3][7], ratio[2][7];
        for (int r = -1; r < rounds; r++) { /* round -1 warms up */
            for (int way = 0; way < 3; way++) {
                CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, way > 0));
                CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL,
                                      way == 1 ? 1.0 : def_interval));
                double t0 = thread_now();
                CHECK(dsc_trainer_run(t));
                if (r >= 0) tm[way][r] = thread_now() - t0;
            }
            if (r < 0) continue;
            ratio[0][r] = tm[1][r] / tm[0][r];
            ratio[1][r] = tm[2][r] / tm[0][r];
        }
        for (int way = 0; way < 3; way++) qsort(tm[way], (size_t)rounds, sizeof(double), cmp);
        for (int k = 0; k < 2; k++) qsort(ratio[k], (size_t)rounds, sizeof(double), cmp);
        printf("| %zu | %.3f | %.3f | %.3f | %+.1f%% | %+.1f%% |\n", batch, tm[0][rounds / 2],
               tm[1][rounds / 2], tm[2][rounds / 2], 100.0 * (ratio[0][rounds / 2] - 1.0),
               100.0 * (ratio[1][rounds / 2] - 1.0));
        dsc_trainer_free(t);
        dsc_optimizer_free(opt);
        dsc_loss_free(loss);
        dsc_model_free(m);
    }
    dsc_dataset_free(ds);
    return 0;
}
