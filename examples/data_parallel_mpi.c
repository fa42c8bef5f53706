/* Data-parallel training over MPI ranks through the optimizer's
 * gradient-reduce hook (docs/scaling.md).
 *
 *   mpicc -O2 data_parallel_mpi.c -ldescent -o data_parallel_mpi
 *   mpirun -np 2 ./data_parallel_mpi [--data DIR] [--samples N] [--epochs E]
 *
 * Every rank builds the same model (the same default initialization) and
 * walks the same shuffled order of the data set; each global batch of 64 is
 * cut into one shard per rank. A rank computes the gradients of its shard
 * (the mean loss over the shard), and the hook, which
 * dsc_optimizer_step() runs before the norm, clipping and the non-finite
 * check, weights them by the shard's share of the batch and sums them
 * across ranks with MPI_Allreduce: every rank then holds the gradient of
 * the mean loss over the whole batch and takes the same step. descent
 * itself never links MPI; this file is the whole integration.
 *
 * After every epoch the ranks compare their parameters bit for bit (rank
 * 0's are broadcast), and rank 0, which also trains one model on whole
 * batches in the same order, reports the largest difference from it (equal
 * within float rounding: the sums are ordered differently). Each rank's
 * throughput is printed. Exit status 0 only if the ranks agreed after every
 * epoch and the single-process model is within tolerance.
 * Data: Fashion-MNIST when installed (tools/install-deps.sh demo), else a
 * synthetic set of the same shape. */
#include <descent.h>
#include <mpi.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64
#define IN 784
#define CLASSES 10

static int rank, nranks;

#define CHECK(expr)                                                                        \
    do {                                                                                   \
        dsc_status s_ = (expr);                                                            \
        if (s_ != DSC_OK) {                                                                \
            fprintf(stderr, "rank %d: %s failed: %s\n", rank, #expr, dsc_last_error());    \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
        }                                                                                  \
    } while (0)

/* The hook: this rank's share of the batch times its shard-mean gradient,
 * summed over the ranks, is the gradient of the batch mean. */
typedef struct reduce_ctx {
    float share; /* shard rows / batch rows, set before each step */
} reduce_ctx;

static dsc_status allreduce_hook(dsc_optimizer *opt, size_t group, float *grads, size_t n,
                                 void *user) {
    (void)opt;
    (void)group;
    const reduce_ctx *c = user;
    for (size_t i = 0; i < n; i++) grads[i] *= c->share;
    /* MPI counts are int: reduce in pieces. */
    for (size_t off = 0; off < n;) {
        size_t len = n - off < (size_t)1 << 30 ? n - off : (size_t)1 << 30;
        if (MPI_Allreduce(MPI_IN_PLACE, grads + off, (int)len, MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD) != MPI_SUCCESS)
            return DSC_E_IO;
        off += len;
    }
    return DSC_OK;
}

typedef struct trainee {
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
} trainee;

static void trainee_new(trainee *t, size_t max_batch) {
    CHECK(dsc_model_new(&t->m, IN));
    CHECK(dsc_model_add_dense(t->m, 128, 1));
    CHECK(dsc_model_add_activation(t->m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_dense(t->m, CLASSES, 1));
    CHECK(dsc_model_build(t->m, max_batch)); /* default init, seed 0: equal on every rank */
    CHECK(dsc_optimizer_new(&t->o, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(t->o, DSC_OPTIMIZER_PARAM_LR, 0.05));
    CHECK(dsc_optimizer_set(t->o, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    CHECK(dsc_optimizer_set(t->o, DSC_OPTIMIZER_PARAM_CLIP_NORM, 5.0));
    CHECK(dsc_optimizer_add_model(t->o, t->m, NULL));
    CHECK(dsc_loss_new(&t->loss, DSC_LOSS_CROSS_ENTROPY));
}

static void trainee_free(trainee *t) {
    dsc_loss_free(t->loss);
    dsc_optimizer_free(t->o);
    dsc_model_free(t->m);
}

/* One step on rows x (b of them); returns the mean loss. */
static double step(trainee *t, const float *x, const int32_t *y, size_t b) {
    const float *out;
    float dy[BATCH * CLASSES];
    double loss = 0.0;
    CHECK(dsc_model_forward(t->m, x, b, &out));
    CHECK(dsc_loss_forward_labels(t->loss, out, y, b, CLASSES, &loss));
    CHECK(dsc_loss_backward(t->loss, dy));
    CHECK(dsc_model_zero_grad(t->m));
    CHECK(dsc_model_backward(t->m, dy, b));
    CHECK(dsc_optimizer_step(t->o));
    return loss;
}

static uint64_t rng = 88172645463325252u;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static dsc_dataset *load(const char *dir, const char **source) {
    char img[1024], lab[1024];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", dir);
    dsc_dataset *ds = NULL;
    if (dsc_dataset_load_idx(&ds, img, lab, CLASSES) == DSC_OK) {
        CHECK(dsc_dataset_scale(ds, 255.0f));
        *source = "Fashion-MNIST";
        return ds;
    }
    /* Synthetic: the label is the brightest of ten stripes, plus noise. */
    *source = "synthetic (Fashion-MNIST not installed)";
    const size_t n = 6000;
    float *x = malloc(n * IN * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    if (x == NULL || y == NULL) MPI_Abort(MPI_COMM_WORLD, 1);
    uint64_t r = 12345;
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % CLASSES);
        for (size_t j = 0; j < IN; j++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            float noise = (float)(r >> 40) / 16777216.0f;
            x[i * IN + j] = 0.5f * noise + ((size_t)y[i] == j * CLASSES / IN ? 0.6f : 0.0f);
        }
    }
    CHECK(dsc_dataset_new_labels(&ds, x, y, n, IN, CLASSES, DSC_DATASET_COPY));
    free(x);
    free(y);
    return ds;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    const char *dir = "/usr/share/datasets/fashion-mnist";
    size_t samples = 6000;
    int epochs = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else {
            if (rank == 0)
                fprintf(stderr, "usage: mpirun -np N %s [--data DIR] [--samples N] [--epochs E]\n",
                        argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (nranks > BATCH) {
        if (rank == 0) fprintf(stderr, "at most %d ranks (one row of the batch each)\n", BATCH);
        MPI_Finalize();
        return 2;
    }
    const char *source = NULL;
    dsc_dataset *ds = load(dir, &source);
    size_t n = 0;
    CHECK(dsc_dataset_count(ds, &n));
    if (samples > 0 && samples < n) n = samples;

    trainee t;
    trainee_new(&t, BATCH / (size_t)nranks + 1);
    reduce_ctx rc = {1.0f};
    CHECK(dsc_optimizer_set_grad_hook(t.o, allreduce_hook, &rc));
    trainee whole = {0};
    if (rank == 0) trainee_new(&whole, BATCH);

    size_t *perm = malloc(n * sizeof *perm);
    float *xb = malloc(BATCH * IN * sizeof *xb);
    int32_t yb[BATCH];
    size_t count = 0;
    CHECK(dsc_model_param_count(t.m, &count));
    float *theirs = malloc(count * sizeof *theirs);
    if (perm == NULL || xb == NULL || theirs == NULL) MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t i = 0; i < n; i++) perm[i] = i;
    if (rank == 0)
        printf("data-parallel training on %d ranks: %s, %zu samples, batch %d, %d epochs\n", nranks,
               source, n, BATCH, epochs);

    int ok = 1;
    for (int e = 1; e <= epochs; e++) {
        for (size_t i = n - 1; i > 0; i--) { /* the same order on every rank */
            size_t j = (size_t)(next_random() % (i + 1)), s = perm[i];
            perm[i] = perm[j];
            perm[j] = s;
        }
        double loss_sum = 0.0, busy = 0.0;
        size_t batches = 0, rows = 0;
        for (size_t i = 0; i < n; i += BATCH) {
            size_t b = n - i < BATCH ? n - i : BATCH;
            /* This rank's shard of the batch: rows [lo, hi). */
            size_t lo = b * (size_t)rank / (size_t)nranks, hi = b * (size_t)(rank + 1) / (size_t)nranks;
            double t0 = MPI_Wtime();
            if (hi > lo) {
                CHECK(dsc_dataset_gather(ds, perm + i + lo, hi - lo, xb, NULL, yb));
                rc.share = (float)(hi - lo) / (float)b;
                loss_sum += step(&t, xb, yb, hi - lo) * (double)(hi - lo) / (double)b;
            } else {
                /* An empty shard still takes part in the reduction. */
                CHECK(dsc_model_zero_grad(t.m));
                CHECK(dsc_optimizer_step(t.o));
            }
            busy += MPI_Wtime() - t0;
            rows += hi - lo;
            if (rank == 0) {
                CHECK(dsc_dataset_gather(ds, perm + i, b, xb, NULL, yb));
                (void)step(&whole, xb, yb, b);
            }
            batches++;
        }
        double loss = 0.0;
        MPI_Allreduce(&loss_sum, &loss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

        /* Bit-identity: every rank against rank 0's parameters. */
        float *mine = NULL;
        CHECK(dsc_model_params(t.m, &mine));
        memcpy(theirs, mine, count * sizeof *theirs);
        MPI_Bcast(theirs, (int)count, MPI_FLOAT, 0, MPI_COMM_WORLD);
        int differ = memcmp(theirs, mine, count * sizeof *mine) != 0, any = 0;
        MPI_Allreduce(&differ, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);

        double rate = (double)rows / busy, rates[BATCH];
        MPI_Gather(&rate, 1, MPI_DOUBLE, rates, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            float *ref = NULL;
            CHECK(dsc_model_params(whole.m, &ref));
            double worst = 0.0;
            for (size_t k = 0; k < count; k++) {
                double d = fabs((double)mine[k] - ref[k]) / (1e-3 + fabs((double)ref[k]));
                if (d > worst) worst = d;
            }
            printf("epoch %d: mean loss %.4f; ranks' parameters %s; largest relative difference "
                   "from one process on whole batches %.2e\n", e, loss / (double)batches,
                   any ? "DIFFER" : "bit-identical", worst);
            for (int r = 0; r < nranks; r++)
                printf("  rank %d: %.0f samples/s (its shard)\n", r, rates[r]);
            /* The reference tolerance of the conformance cases, over a
             * few hundred steps of rounding that differs in the last bit. */
            if (worst > 1e-3) ok = 0;
        }
        if (any) ok = 0;
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%s\n", ok ? "ok" : "FAILED");
    free(theirs);
    free(perm);
    free(xb);
    if (rank == 0) trainee_free(&whole);
    trainee_free(&t);
    dsc_dataset_free(ds);
    MPI_Finalize();
    return ok ? 0 : 1;
}
