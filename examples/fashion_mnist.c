/* Fashion-MNIST with an MLP 784-256-128-10 (ReLU): mini-batch SGD with
 * momentum and a cosine learning-rate decay, trained by dsc_trainer (the
 * t10k images as its validation set). Prints, from the trainer's epoch
 * callback, the learning rate, training loss, test loss and accuracy, the
 * training time of the epoch and samples per second; its step callback
 * draws a progress bar on stderr when it is a terminal.
 *
 * Usage: fashion_mnist [--data DIR] [--epochs N] [--batch B] [--lr LR]
 *                      [--momentum M] [--seed S] [--target ACC]
 * Defaults: /usr/share/datasets/fashion-mnist (tools/install-deps.sh demo),
 * 10 epochs, batch 64, lr 0.05, momentum 0.9, cosine decay to 0 over the
 * epochs (stepped per iteration). Exits 2 if the data set is absent, 1 if
 * the final test accuracy is below --target (default 0.88; 0 disables). */
#include <descent.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FASHION_PROGRAM "fashion_mnist"
#include "fashion.h" /* CHECK, fashion_load, the per-epoch table */

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--data DIR] [--epochs N] [--batch B] [--lr LR] [--momentum M] "
            "[--seed S] [--target ACC]\n", argv0);
    return 2;
}

int main(int argc, char **argv) {
    const char *dir = FASHION_DEFAULT_DIR;
    int epochs = 10;
    size_t batch = 64;
    double lr = 0.05, momentum = 0.9, target = 0.88;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) return usage(argv[0]);
        if (!strcmp(argv[i], "--data")) dir = v;
        else if (!strcmp(argv[i], "--epochs")) epochs = atoi(v);
        else if (!strcmp(argv[i], "--batch")) batch = (size_t)strtoul(v, NULL, 10);
        else if (!strcmp(argv[i], "--lr")) lr = atof(v);
        else if (!strcmp(argv[i], "--momentum")) momentum = atof(v);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--target")) target = atof(v);
        else return usage(argv[0]);
        i++;
    }
    if (epochs < 1 || batch < 1) return usage(argv[0]);

    /* Data: the four IDX files, gzipped, pixels scaled to [0, 1]. */
    dsc_dataset *train = NULL, *test = NULL;
    if (fashion_load(dir, 0, 0, &train, &test) != 0) return 2;
    size_t n = 0, nt = 0;
    CHECK(dsc_dataset_count(train, &n));
    CHECK(dsc_dataset_count(test, &nt));
    size_t steps_per_epoch = (n + batch - 1) / batch;

    /* Model, loss, optimizer, schedule. */
    static const size_t widths[] = {784, 256, 128, 10};
    dsc_model *m = NULL;
    CHECK(dsc_model_new(&m, widths[0]));
    for (int i = 1; i < 4; i++) {
        CHECK(dsc_model_add_dense(m, widths[i], 1));
        if (i < 3) CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    }
    CHECK(dsc_model_build(m, batch));
    CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, seed));
    size_t np;
    CHECK(dsc_model_param_count(m, &np));
    dsc_optimizer *opt = NULL;
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, lr));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, momentum));
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
    fashion_table st = {n, isatty(2), 0.0, 0.0, 0.0, lr};
    CHECK(dsc_trainer_set_step_callback(tr, fashion_on_step, &st));
    CHECK(dsc_trainer_set_epoch_callback(tr, fashion_on_epoch, &st));

    printf("Fashion-MNIST: %zu training, %zu test images; MLP 784-256-128-10 ReLU, %zu parameters\n"
           "SGD lr %g momentum %g, cosine decay over %d epochs, batch %zu, kernel set %s\n\n",
           n, nt, np, lr, momentum, epochs, batch, dsc_isa());
    fashion_table_header(&st);
    CHECK(dsc_trainer_run(tr));
    double acc, test_loss;
    const dsc_progress *pr;
    CHECK(dsc_trainer_progress(tr, &pr));
    acc = fashion_get(pr, DSC_PROGRESS_VAL_ACCURACY);
    test_loss = fashion_get(pr, DSC_PROGRESS_VAL_LOSS);
    printf("\nfinal test accuracy %.2f%% (loss %.4f) after %d epochs, %.1f s of training "
           "(%.0f samples/s)\n", 100.0 * acc, test_loss, epochs, st.total_time,
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
