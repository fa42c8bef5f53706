/* What measuring the gradient noise scale costs (DSC_TRAINER_PARAM_MEASURE_NOISE):
 * epochs of the Fashion-MNIST MLP 784-256-128-10 (ReLU, cross-entropy, SGD
 * momentum 0.9, lr 0.05) through dsc_trainer_run, with measuring off and on,
 * at batch 32, 64 and 256. Each round trains one epoch each way back to back
 * (thread CPU time, so other processes on the machine do not count); the
 * figure is the median over the rounds of the on/off ratio, which is what
 * stays meaningful on a loaded machine. The data: the first 10,000 training
 * images of Fashion-MNIST when installed (tools/install-deps.sh demo), else
 * of random data of its shape (bench_util.h's bench_fashion).
 *
 * Usage: bench_noise [--quick] */
#include "bench_util.h"

#define CHECK BENCH_CHECK

/* The first n images of Fashion-MNIST's training set, or of random data of
 * its shape (bench_fashion). */
static dsc_dataset *load(size_t n, const char **source) {
    dsc_dataset *all = bench_fashion("/usr/share/datasets/fashion-mnist", source), *ds = NULL;
    size_t *rows = malloc(n * sizeof *rows);
    if (rows == NULL) exit(1);
    for (size_t i = 0; i < n; i++) rows[i] = i;
    CHECK(dsc_dataset_subset(&ds, all, rows, n));
    free(rows);
    dsc_dataset_free(all);
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
        static const size_t widths[] = {256, 128, 10};
        dsc_model *m = bench_mlp(784, widths, 3, DSC_ACTIVATION_RELU, batch);
        CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 1));
        dsc_loss *loss = NULL;
        dsc_trainer *t = NULL;
        CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
        dsc_optimizer *opt = bench_sgd(m, 0.05, 0.9);
        CHECK(dsc_trainer_new(&t, m, loss, opt, ds));
        CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, (double)batch));
        /* [way][round]: off, on every step, on at the default interval */
        double tm[3][7], ratio[2][7];
        for (int r = -1; r < rounds; r++) { /* round -1 warms up */
            for (int way = 0; way < 3; way++) {
                CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, way > 0));
                CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL,
                                      way == 1 ? 1.0 : def_interval));
                double t0 = bench_cpu_now();
                CHECK(dsc_trainer_run(t));
                if (r >= 0) tm[way][r] = bench_cpu_now() - t0;
            }
            if (r < 0) continue;
            ratio[0][r] = tm[1][r] / tm[0][r];
            ratio[1][r] = tm[2][r] / tm[0][r];
        }
        printf("| %zu | %.3f | %.3f | %.3f | %+.1f%% | %+.1f%% |\n", batch,
               bench_median(tm[0], rounds), bench_median(tm[1], rounds),
               bench_median(tm[2], rounds), 100.0 * (bench_median(ratio[0], rounds) - 1.0),
               100.0 * (bench_median(ratio[1], rounds) - 1.0));
        dsc_trainer_free(t);
        dsc_optimizer_free(opt);
        dsc_loss_free(loss);
        dsc_model_free(m);
    }
    dsc_dataset_free(ds);
    return 0;
}
