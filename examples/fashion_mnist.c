/* Fashion-MNIST with an MLP 784-256-128-10 (ReLU): mini-batch SGD with
 * momentum and a cosine learning-rate decay, written against the model,
 * loss, optimizer, scheduler and dataset API (the loop a trainer runs).
 * Prints, per epoch, the learning rate, training loss, test loss and
 * accuracy on the 10,000 t10k images, the time of the epoch and samples
 * per second; a progress bar on stderr when it is a terminal.
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
#include <time.h>
#include <unistd.h>

#define CHECK(expr)                                                                    \
    do {                                                                               \
        dsc_status s_ = (expr);                                                        \
        if (s_ != DSC_OK) {                                                            \
            fprintf(stderr, "fashion_mnist: %s: %s\n", #expr, dsc_last_error());       \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Loss and accuracy of the model on a whole data set, in evaluation mode. */
static void evaluate(dsc_model *m, const dsc_dataset *ds, float *out, double *loss_out,
                     double *acc_out) {
    size_t n = dsc_dataset_count(ds);
    dsc_loss *loss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    CHECK(dsc_model_set_training(m, 0));
    CHECK(dsc_model_predict(m, dsc_dataset_inputs(ds), n, out));
    CHECK(dsc_model_set_training(m, 1));
    CHECK(dsc_loss_forward_labels(loss, out, dsc_dataset_labels(ds), n, 10, loss_out));
    CHECK(dsc_accuracy(out, dsc_dataset_labels(ds), n, 10, acc_out));
    dsc_loss_free(loss);
}

static void progress(size_t done, size_t total, double loss, double t0) {
    int width = 30, filled = (int)((double)width * (double)done / (double)total);
    double el = now() - t0;
    fprintf(stderr, "\r  [%.*s%*s] %3d%%  loss %.4f  %.0f samples/s ", filled,
            "##############################", width - filled, "", (int)(100.0 * done / total),
            loss, el > 0 ? (double)done / el : 0.0);
}

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--data DIR] [--epochs N] [--batch B] [--lr LR] [--momentum M] "
            "[--seed S] [--target ACC]\n", argv0);
    return 2;
}

int main(int argc, char **argv) {
    const char *dir = "/usr/share/datasets/fashion-mnist";
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
    char ti[1024], tl[1024], vi[1024], vl[1024];
    snprintf(ti, sizeof ti, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(tl, sizeof tl, "%s/train-labels-idx1-ubyte.gz", dir);
    snprintf(vi, sizeof vi, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(vl, sizeof vl, "%s/t10k-labels-idx1-ubyte.gz", dir);
    dsc_dataset *train = NULL, *test = NULL;
    if (access(ti, R_OK) != 0 || access(tl, R_OK) != 0 || access(vi, R_OK) != 0 ||
        access(vl, R_OK) != 0) {
        fprintf(stderr, "fashion_mnist: the Fashion-MNIST files are not in %s\n"
                "  (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-...);\n"
                "  install the Debian package with `tools/install-deps.sh demo` "
                "(dataset-fashion-mnist) or pass --data DIR\n", dir);
        return 2;
    }
    CHECK(dsc_dataset_load_idx(&train, ti, tl, 10));
    CHECK(dsc_dataset_load_idx(&test, vi, vl, 10));
    CHECK(dsc_dataset_scale(train, 255.0f));
    CHECK(dsc_dataset_scale(test, 255.0f));
    size_t n = dsc_dataset_count(train), nt = dsc_dataset_count(test);
    size_t steps_per_epoch = (n + batch - 1) / batch;

    /* Model, loss, optimizer, schedule. */
    static const size_t widths[] = {784, 256, 128, 10};
    dsc_model *m = NULL;
    dsc_layer *l = NULL;
    CHECK(dsc_model_new(&m, widths[0]));
    for (int i = 1; i < 4; i++) {
        CHECK(dsc_layer_dense_new(&l, widths[i - 1], widths[i], 1));
        CHECK(dsc_model_add(m, l));
        if (i < 3) {
            CHECK(dsc_layer_activation_new(&l, DSC_ACTIVATION_RELU));
            CHECK(dsc_model_add(m, l));
        }
    }
    CHECK(dsc_model_build(m, batch));
    CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, seed));
    size_t np;
    CHECK(dsc_model_param_count(m, &np));
    dsc_optimizer *opt = NULL;
    CHECK(dsc_optimizer_new(&opt, DSC_OPT_SGD));
    CHECK(dsc_optimizer_set(opt, DSC_HP_LR, lr));
    CHECK(dsc_optimizer_set(opt, DSC_HP_MOMENTUM, momentum));
    CHECK(dsc_optimizer_add_model(opt, m, NULL));
    dsc_lr_scheduler *sched = NULL;
    CHECK(dsc_lr_scheduler_new(&sched, DSC_SCHED_COSINE, opt));
    CHECK(dsc_lr_scheduler_set(sched, DSC_SP_T_MAX, (double)(steps_per_epoch * (size_t)epochs)));
    CHECK(dsc_lr_scheduler_start(sched));
    dsc_loss *loss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));

    size_t *perm = malloc(n * sizeof *perm);
    float *xb = malloc(batch * 784 * sizeof *xb), *dy = malloc(batch * 10 * sizeof *dy);
    int32_t *yb = malloc(batch * sizeof *yb);
    float *out = malloc(nt * 10 * sizeof *out);
    if (!perm || !xb || !dy || !yb || !out) {
        fprintf(stderr, "fashion_mnist: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) perm[i] = i;
    uint64_t rs = seed * 0x9E3779B97F4A7C15ull + 1;
    int bar = isatty(2);

    printf("Fashion-MNIST: %zu training, %zu test images; MLP 784-256-128-10 ReLU, %zu parameters\n"
           "SGD lr %g momentum %g, cosine decay over %d epochs, batch %zu, kernel set %s\n\n",
           n, nt, np, lr, momentum, epochs, batch, dsc_isa());
    printf("epoch |     lr    | train loss | test loss | test acc | epoch s | samples/s\n");
    printf("------+-----------+------------+-----------+----------+---------+----------\n");
    double acc = 0.0, total_time = 0.0;
    for (int e = 1; e <= epochs; e++) {
        double lr_now;
        CHECK(dsc_optimizer_group_get(opt, 0, DSC_HP_LR, &lr_now));
        for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates with xorshift64* */
            rs ^= rs >> 12, rs ^= rs << 25, rs ^= rs >> 27;
            size_t j = (size_t)((rs * 2685821657736338717ull) % (i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double t0 = now(), sum = 0.0;
        for (size_t s = 0; s < steps_per_epoch; s++) {
            size_t b = s * batch + batch <= n ? batch : n - s * batch;
            const float *y;
            double v;
            CHECK(dsc_dataset_gather(train, perm + s * batch, b, xb, NULL, yb));
            CHECK(dsc_model_forward(m, xb, b, &y));
            CHECK(dsc_loss_forward_labels(loss, y, yb, b, 10, &v));
            CHECK(dsc_loss_backward(loss, dy));
            CHECK(dsc_model_backward(m, dy, b));
            CHECK(dsc_optimizer_step(opt));
            CHECK(dsc_model_zero_grad(m));
            CHECK(dsc_lr_scheduler_step(sched));
            sum += v * (double)b;
            if (bar && (s % 64 == 0 || s + 1 == steps_per_epoch))
                progress(s * batch + b, n, sum / (double)(s * batch + b), t0);
        }
        double dt = now() - t0, test_loss;
        total_time += dt;
        if (bar) fprintf(stderr, "\r%80s\r", "");
        evaluate(m, test, out, &test_loss, &acc);
        printf("%5d | %9.6f | %10.4f | %9.4f | %7.2f%% | %7.2f | %9.0f\n", e, lr_now,
               sum / (double)n, test_loss, 100.0 * acc, dt, (double)n / dt);
        fflush(stdout);
    }
    printf("\nfinal test accuracy %.2f%% after %d epochs, %.1f s of training (%.0f samples/s)\n",
           100.0 * acc, epochs, total_time, (double)n * epochs / total_time);
    int rc = 0;
    if (target > 0.0) {
        printf("target %.0f%%: %s\n", 100.0 * target, acc >= target ? "reached" : "NOT reached");
        rc = acc >= target ? 0 : 1;
    }
    free(perm);
    free(xb);
    free(dy);
    free(yb);
    free(out);
    dsc_loss_free(loss);
    dsc_lr_scheduler_free(sched);
    dsc_optimizer_free(opt);
    dsc_model_free(m);
    dsc_dataset_free(train);
    dsc_dataset_free(test);
    return rc;
}
