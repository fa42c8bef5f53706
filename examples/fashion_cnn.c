/* Fashion-MNIST with a small convolutional network (experimental API):
 *   1x28x28 -> conv 3x3 (16, padding 1) -> ReLU -> max pool 2x2
 *           -> conv 3x3 (32, padding 1) -> ReLU -> max pool 2x2
 *           -> flatten (32x7x7) -> dense 128 -> ReLU -> dense 10
 * trained by dsc_trainer with Adam (lr 1e-3) and a cosine decay, the t10k
 * images as its validation set. Prints one row per epoch: learning rate,
 * training loss, test loss and accuracy, epoch time and samples per second.
 * The full run (8 epochs, over 90% test accuracy) is documented in
 * README.md; `--quick` trains one epoch on the first 12000 training images
 * with lr 0.003 and tests on the first 2000 test images (make check runs
 * it: about 81%).
 *
 * Usage: fashion_cnn [--data DIR] [--epochs N] [--batch B] [--lr LR]
 *                    [--seed S] [--target ACC] [--quick]
 * Defaults: /usr/share/datasets/fashion-mnist (tools/install-deps.sh demo),
 * 8 epochs, batch 64, lr 0.001, target 0.90 (0.75 with --quick; 0
 * disables). Exits 2 if the data set is absent, 1 if the final test
 * accuracy is below the target. */
#define DESCENT_EXPERIMENTAL_API
#include <descent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FASHION_PROGRAM "fashion_cnn"
#include "fashion.h" /* CHECK, fashion_load, the per-epoch table */

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--data DIR] [--epochs N] [--batch B] [--lr LR] [--seed S] "
            "[--target ACC] [--quick]\n", argv0);
    return 2;
}

int main(int argc, char **argv) {
    const char *dir = FASHION_DEFAULT_DIR;
    int epochs = 8, quick = 0;
    size_t batch = 64;
    double lr = -1.0, target = -1.0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) return usage(argv[0]);
        if (!strcmp(argv[i], "--data")) dir = v;
        else if (!strcmp(argv[i], "--epochs")) epochs = atoi(v);
        else if (!strcmp(argv[i], "--batch")) batch = (size_t)strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--lr")) lr = atof(v);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--target")) target = atof(v);
        else return usage(argv[0]);
        i++;
    }
    if (quick) epochs = 1;
    if (lr < 0.0) lr = quick ? 3e-3 : 1e-3;
    if (target < 0.0) target = quick ? 0.75 : 0.90;
    if (epochs < 1 || batch < 1) return usage(argv[0]);

    /* Data: the four IDX files, gzipped, pixels scaled to [0, 1]. */
    dsc_dataset *train = NULL, *test = NULL;
    if (fashion_load(dir, quick ? 12000 : 0, quick ? 2000 : 0, &train, &test) != 0) return 2;
    size_t n = 0, nt = 0;
    CHECK(dsc_dataset_count(train, &n));
    CHECK(dsc_dataset_count(test, &nt));
    size_t steps_per_epoch = (n + batch - 1) / batch;

    /* The network: each sample is 1 x 28 x 28, the 784 pixels in row order. */
    const size_t image[3] = {1, 28, 28}, k3[2] = {3, 3}, pad1[2] = {1, 1}, k2[2] = {2, 2};
    dsc_model *m = NULL;
    CHECK(dsc_model_new_shaped(&m, 3, image));
    CHECK(dsc_model_add_conv2d(m, 1, 16, k3, NULL, pad1, NULL, 1, 1));
    CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 0));
    CHECK(dsc_model_add_conv2d(m, 16, 32, k3, NULL, pad1, NULL, 1, 1));
    CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 0));
    CHECK(dsc_model_add_flatten(m));
    CHECK(dsc_model_add_dense(m, 128, 1));
    CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_dense(m, 10, 1));
    CHECK(dsc_model_build(m, batch));
    CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, seed));
    size_t np;
    CHECK(dsc_model_param_count(m, &np));
    dsc_optimizer *opt = NULL;
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, lr));
    CHECK(dsc_optimizer_add_model(opt, m, NULL));
    dsc_lr_scheduler *sched = NULL;
    CHECK(dsc_lr_scheduler_new(&sched, DSC_SCHED_COSINE, opt));
    CHECK(dsc_lr_scheduler_set(sched, DSC_SCHED_PARAM_T_MAX, (double)(steps_per_epoch * (size_t)epochs)));
    dsc_loss *loss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    dsc_trainer *tr = NULL;
    CHECK(dsc_trainer_new(&tr, m, loss, opt, train));
    CHECK(dsc_trainer_set_validation(tr, test));
    CHECK(dsc_trainer_set_scheduler(tr, sched));
    CHECK(dsc_trainer_set(tr, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    CHECK(dsc_trainer_set(tr, DSC_TRAINER_PARAM_BATCH_SIZE, (double)batch));
    CHECK(dsc_trainer_set(tr, DSC_TRAINER_PARAM_EPOCHS, epochs));
    CHECK(dsc_trainer_set(tr, DSC_TRAINER_PARAM_SEED, (double)(seed & ((1ull << 53) - 1))));
    fashion_table st = {n, 0, 0.0, 0.0, 0.0, lr};
    CHECK(dsc_trainer_set_step_callback(tr, fashion_on_step, &st));
    CHECK(dsc_trainer_set_epoch_callback(tr, fashion_on_epoch, &st));

    printf("Fashion-MNIST: %zu training, %zu test images; CNN conv16-pool-conv32-pool-dense128-dense10, "
           "%zu parameters\nAdam lr %g, cosine decay over %d epoch%s, batch %zu, kernel set %s\n\n",
           n, nt, np, lr, epochs, epochs == 1 ? "" : "s", batch, dsc_isa());
    fashion_table_header(&st);
    CHECK(dsc_trainer_run(tr));
    const dsc_progress *pr;
    CHECK(dsc_trainer_progress(tr, &pr));
    const double acc = fashion_get(pr, DSC_PROGRESS_VAL_ACCURACY);
    printf("\nfinal test accuracy %.2f%% after %d epoch%s, %.1f s of training (%.0f samples/s)\n",
           100.0 * acc, epochs, epochs == 1 ? "" : "s", st.total_time,
           (double)n * epochs / st.total_time);
    int rc = 0;
    if (target > 0.0) {
        printf("target %.0f%%: %s\n", 100.0 * target, acc >= target ? "reached" : "NOT reached");
        rc = acc >= target ? 0 : 1;
    }
    dsc_trainer_free(tr);
    dsc_loss_free(loss);
    dsc_lr_scheduler_free(sched);
    dsc_optimizer_free(opt);
    dsc_model_free(m);
    dsc_dataset_free(train);
    dsc_dataset_free(test);
    return rc;
}
