/* The trainer: convergence (XOR, linear regression), batching semantics
 * (each sample once per epoch, full batch, partial last batch, chunked
 * accumulation), shuffle determinism, callbacks, early stopping, scheduler
 * stepping, non-finite batches, evaluation, failure paths, and no
 * allocation during training. Also dsc_loss_kind_of and
 * dsc_optimizer_reset_state, added for the trainer. */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

/* dense(in->out) only, built for max_batch, weights w (in floats, out = 1) and bias b. */
static dsc_model *linear(size_t in, size_t max_batch, const float *w, float b) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, in));
    assert_ok(dsc_model_add_dense(m, 1, 1));
    assert_ok(dsc_model_build(m, max_batch));
    if (w != NULL) assert_ok(dsc_model_set_weight(m, 0, w, in));
    assert_ok(dsc_model_set_bias(m, 0, &b, 1));
    return m;
}

/* dense(in->hid) tanh dense(hid->out). */
static dsc_model *mlp(size_t in, size_t hid, size_t out, size_t max_batch, uint64_t seed) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, in));
    assert_ok(dsc_model_add_dense(m, hid, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(m, out, 1));
    assert_ok(dsc_model_build(m, max_batch));
    assert_ok(dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, seed));
    return m;
}

static dsc_optimizer *optimizer_for(dsc_model *m, dsc_optimizer_kind kind, double lr) {
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, kind));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, lr));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    return opt;
}

/* Everything a test needs, freed by done(). */
typedef struct rig {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    dsc_dataset *train, *val;
    dsc_trainer *t;
} rig;

static void done(rig *r) {
    dsc_trainer_free(r->t);
    dsc_dataset_free(r->train);
    dsc_dataset_free(r->val);
    dsc_optimizer_free(r->opt);
    dsc_loss_free(r->loss);
    dsc_model_free(r->m);
    memset(r, 0, sizeof *r);
}

static double prog(const dsc_trainer *t, dsc_progress_key key) {
    const dsc_progress *p = NULL;
    double v = -12345;
    assert_ok(dsc_trainer_progress(t, &p));
    assert_ok(dsc_progress_get(p, key, &v));
    return v;
}

/* "Index" data: sample i has input i and target 0; the model y = 1*x + 0
 * trained with lr 0 never changes, and a batch's MSE is the mean of i^2
 * over its samples: with batch 1 the loss names the sample. */
#define IDX_N 10
static float idx_x[IDX_N], idx_t[IDX_N];

static void index_rig(rig *r, size_t max_batch) {
    for (size_t i = 0; i < IDX_N; i++) {
        idx_x[i] = (float)i;
        idx_t[i] = 0.0f;
    }
    const float w = 1.0f;
    r->m = linear(1, max_batch, &w, 0.0f);
    assert_ok(dsc_loss_new(&r->loss, DSC_LOSS_MSE));
    r->opt = optimizer_for(r->m, DSC_OPTIMIZER_SGD, 0.0);
    assert_ok(dsc_dataset_new_targets(&r->train, idx_x, idx_t, IDX_N, 1, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r->t, r->m, r->loss, r->opt, r->train));
}

typedef struct record {
    double loss[256];
    double lr[256];
    double epoch[256];
    size_t n;
    double step;             /* the last step number seen */
    size_t stop_at;          /* step callback returns 1 at this step (0: never) */
} record;

static int record_step(const dsc_progress *p, void *user) {
    record *rec = user;
    double step = 0, batch = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_LOSS, &rec->loss[rec->n]));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_LR, &rec->lr[rec->n]));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_EPOCH, &rec->epoch[rec->n]));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_STEP, &step));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_BATCH, &batch));
    if (rec->n > 0) assert_true(step == rec->step + 1); /* consecutive */
    assert_true(batch >= 1);
    rec->step = step;
    rec->n++;
    return rec->stop_at != 0 && rec->n == rec->stop_at;
}

/* Linear regression data: y = 2 x0 - 3 x1 + 0.5 on a grid of 64 points. */
#define LR_N 64
static float lr_x[LR_N * 2], lr_y[LR_N];

static void regression_data(void) {
    for (size_t i = 0; i < LR_N; i++) {
        float a = (float)(i % 8) / 4.0f - 1.0f, b = (float)(i / 8) / 4.0f - 1.0f;
        lr_x[2 * i] = a;
        lr_x[2 * i + 1] = b;
        lr_y[i] = 2.0f * a - 3.0f * b + 0.5f;
    }
}

/* ---- convergence -------------------------------------------------------- */

static void test_trainer_xor_converges(void **state) {
    (void)state;
    static const float x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    static const int32_t lab[4] = {0, 1, 1, 0};
    rig r = {0};
    r.m = mlp(2, 8, 2, 4, 3);
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_CROSS_ENTROPY));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_ADAM, 0.05);
    assert_ok(dsc_dataset_new_labels(&r.train, x, lab, 4, 2, 2, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 0));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 300));
    assert_ok(dsc_trainer_set_validation(r.t, r.train));
    assert_ok(dsc_trainer_run(r.t));
    assert_true(prog(r.t, DSC_PROGRESS_VAL_ACCURACY) == 1.0);
    assert_true(prog(r.t, DSC_PROGRESS_VAL_LOSS) < 0.05);
    double loss = 1, acc = 0;
    assert_ok(dsc_model_evaluate(r.m, r.loss, r.train, &loss, &acc));
    assert_true(loss < 0.05);
    assert_true(acc == 1.0);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH) == 300);
    assert_true(prog(r.t, DSC_PROGRESS_STEP) == 300); /* full batch: one step per epoch */
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_EPOCHS);
    done(&r);
}

static void test_trainer_linear_regression_known_solution(void **state) {
    (void)state;
    regression_data();
    rig r = {0};
    r.m = linear(2, 8, NULL, 0.0f);
    assert_ok(dsc_model_init(r.m, DSC_INIT_ZEROS, DSC_INIT_ZEROS, 0));
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_dataset_new_targets(&r.train, lr_x, lr_y, LR_N, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 8));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 150));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_SEED, 7));
    assert_ok(dsc_trainer_run(r.t));
    float w[2], b;
    const float want_w[2] = {2.0f, -3.0f}, want_b = 0.5f;
    assert_ok(dsc_model_get_weight(r.m, 0, w, 2));
    assert_ok(dsc_model_get_bias(r.m, 0, &b, 1));
    assert_floats_near(w, want_w, 2, 0, 1e-4);
    assert_floats_near(&b, &want_b, 1, 0, 1e-4);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH_LOSS) < 1e-8);
    done(&r);
}

/* ---- batching ------------------------------------------------------------ */

static void test_trainer_batch1_visits_each_sample_once_per_epoch(void **state) {
    (void)state;
    rig r = {0};
    record rec = {0};
    index_rig(&r, 1);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 1));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 3));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 3 * IDX_N);
    int differs = 0;
    for (size_t e = 0; e < 3; e++) {
        int seen[IDX_N] = {0};
        for (size_t k = 0; k < IDX_N; k++) {
            double i = sqrt(rec.loss[e * IDX_N + k]);
            assert_true(i == floor(i) && i < IDX_N);
            seen[(size_t)i]++;
            assert_true(rec.epoch[e * IDX_N + k] == (double)(e + 1));
            if (e > 0 && rec.loss[e * IDX_N + k] != rec.loss[k]) differs = 1;
        }
        for (size_t i = 0; i < IDX_N; i++) assert_int_equal(seen[i], 1);
    }
    assert_true(differs); /* a new order each epoch */
    assert_true(prog(r.t, DSC_PROGRESS_BATCHES_PER_EPOCH) == IDX_N);
    done(&r);
}

static void test_trainer_full_batch_is_one_step_per_epoch(void **state) {
    (void)state;
    rig r = {0};
    record rec = {0};
    index_rig(&r, 3); /* smaller than the data set: chunks of 3, 3, 3, 1 */
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 0));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 4));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 4);
    for (size_t k = 0; k < 4; k++) assert_true(fabs(rec.loss[k] - 28.5) < 1e-9); /* mean i^2, 0..9 */
    assert_true(prog(r.t, DSC_PROGRESS_BATCHES_PER_EPOCH) == 1);
    done(&r);
}

static void test_trainer_last_partial_batch_used_or_dropped(void **state) {
    (void)state;
    rig r = {0};
    record rec = {0};
    index_rig(&r, 4);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 4));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_SHUFFLE, 0));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 3); /* 4 + 4 + 2 */
    assert_true(fabs(rec.loss[0] - 3.5) < 1e-9);
    assert_true(fabs(rec.loss[1] - 31.5) < 1e-9);
    assert_true(fabs(rec.loss[2] - 72.5) < 1e-9);
    assert_true(fabs(prog(r.t, DSC_PROGRESS_EPOCH_LOSS) - 28.5) < 1e-9); /* weighted by samples */
    rec.n = 0;
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_DROP_LAST, 1));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 2);
    assert_true(prog(r.t, DSC_PROGRESS_BATCHES_PER_EPOCH) == 2);
    assert_true(fabs(prog(r.t, DSC_PROGRESS_EPOCH_LOSS) - 17.5) < 1e-9);
    /* A batch larger than the data set is one (partial) batch, kept even with drop_last. */
    rec.n = 0;
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 50));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 1);
    assert_true(fabs(rec.loss[0] - 28.5) < 1e-9);
    done(&r);
}

/* Accumulating over chunks of the model's maximum batch gives the step of one pass. */
static void test_trainer_chunked_batch_equals_single_pass(void **state) {
    (void)state;
    regression_data();
    float w_small[2 * 16 + 16 + 16 + 1], w_big[sizeof w_small / sizeof(float)];
    const size_t max_batches[2] = {5, 64};
    float *outs[2] = {w_small, w_big};
    for (int k = 0; k < 2; k++) {
        rig r = {0};
        r.m = mlp(2, 16, 1, max_batches[k], 11);
        assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
        r.opt = optimizer_for(r.m, DSC_OPTIMIZER_SGD, 0.05);
        assert_ok(dsc_dataset_new_targets(&r.train, lr_x, lr_y, LR_N, 2, 1, DSC_DATASET_BORROW));
        assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
        assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 32)); /* 32 = 6 chunks of 5 + 2 */
        assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 3));
        assert_ok(dsc_trainer_run(r.t));
        float *p = NULL;
        size_t n = 0;
        assert_ok(dsc_model_params(r.m, &p));
        assert_ok(dsc_model_param_count(r.m, &n));
        assert_int_equal(n, sizeof w_small / sizeof(float));
        memcpy(outs[k], p, n * sizeof(float));
        done(&r);
    }
    assert_floats_near(w_small, w_big, sizeof w_small / sizeof(float), 1e-5, 1e-6);
}

/* ---- shuffling ------------------------------------------------------------ */

static void run_seeded(uint64_t seed, record *rec, float *params, size_t n) {
    regression_data();
    rig r = {0};
    r.m = mlp(2, 6, 1, 4, 5);
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_SGD, 0.05);
    assert_ok(dsc_dataset_new_targets(&r.train, lr_x, lr_y, LR_N, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 1));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 3));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_SEED, (double)seed));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, rec));
    assert_ok(dsc_trainer_run(r.t));
    float *p = NULL;
    assert_ok(dsc_model_params(r.m, &p));
    memcpy(params, p, n * sizeof(float));
    done(&r);
}

static void test_trainer_shuffle_is_deterministic_per_seed(void **state) {
    (void)state;
    static record a, b, c;
    float pa[6 * 3 + 7], pb[6 * 3 + 7], pc[6 * 3 + 7];
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    run_seeded(42, &a, pa, 25);
    run_seeded(42, &b, pb, 25);
    run_seeded(43, &c, pc, 25);
    assert_int_equal(a.n, 3 * LR_N);
    assert_memory_equal(a.loss, b.loss, a.n * sizeof(double));
    assert_memory_equal(pa, pb, sizeof pa);
    assert_true(memcmp(a.loss, c.loss, a.n * sizeof(double)) != 0);
    assert_true(memcmp(pa, pc, sizeof pa) != 0);
}

/* ---- callbacks ---------------------------------------------------------- */

static int stop_at_epoch_2(const dsc_progress *p, void *user) {
    double e = 0;
    (*(int *)user)++;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_EPOCH, &e));
    return e == 2;
}

static void test_trainer_callbacks_stop_training(void **state) {
    (void)state;
    rig r = {0};
    record rec = {0};
    index_rig(&r, 2);
    rec.stop_at = 5;
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 2));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 10));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(rec.n, 5);
    assert_true(prog(r.t, DSC_PROGRESS_STEP) == 5);
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_CALLBACK);
    assert_true(prog(r.t, DSC_PROGRESS_ELAPSED) >= 0);
    /* The epoch callback stops at the end of the second epoch of the next run. */
    int calls = 0;
    assert_ok(dsc_trainer_set_step_callback(r.t, NULL, NULL));
    assert_ok(dsc_trainer_set_epoch_callback(r.t, stop_at_epoch_2, &calls));
    assert_ok(dsc_trainer_run(r.t)); /* epoch 1 was interrupted: this run starts at epoch 2 */
    assert_int_equal(calls, 1);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH) == 2);
    assert_true(prog(r.t, DSC_PROGRESS_STEP) == 10);
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_CALLBACK);
    done(&r);
}

/* A callback may not change the trainer. */
static int meddle(const dsc_progress *p, void *user) {
    (void)p;
    dsc_trainer *t = user;
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, 3), DSC_E_STATE);
    assert_status(dsc_trainer_run(t), DSC_E_STATE);
    assert_status(dsc_trainer_set_validation(t, NULL), DSC_E_STATE);
    assert_status(dsc_trainer_set_scheduler(t, NULL), DSC_E_STATE);
    assert_status(dsc_trainer_set_step_callback(t, NULL, NULL), DSC_E_STATE);
    assert_status(dsc_trainer_set_epoch_callback(t, NULL, NULL), DSC_E_STATE);
    assert_status(dsc_trainer_lr_range_test(t, 1e-3, 1, 5, NULL, NULL, NULL, NULL), DSC_E_STATE);
    return 0;
}

static void test_trainer_callbacks_cannot_reenter(void **state) {
    (void)state;
    rig r = {0};
    index_rig(&r, 4);
    assert_ok(dsc_trainer_set_step_callback(r.t, meddle, r.t));
    assert_ok(dsc_trainer_set_epoch_callback(r.t, meddle, r.t));
    assert_ok(dsc_trainer_run(r.t));
    double e = 0;
    assert_ok(dsc_trainer_get(r.t, DSC_TRAINER_PARAM_EPOCHS, &e));
    assert_true(e == 1);
    done(&r);
}

/* ---- early stopping ---------------------------------------------------- */

/* Training targets y = x, validation targets y = -x: the model y = w x
 * starting at w = 0 moves towards 1, so the validation loss rises from the
 * first epoch on. */
typedef struct wrec {
    dsc_model *m;
    float w[64];
    size_t n;
} wrec;

static int record_weight(const dsc_progress *p, void *user) {
    (void)p;
    wrec *r = user;
    assert_ok(dsc_model_get_weight(r->m, 0, &r->w[r->n], 1));
    r->n++;
    return 0;
}

static void early_rig(rig *r, float *x, float *ty, float *vy) {
    for (int i = 0; i < 8; i++) {
        x[i] = (float)(i - 4) / 4.0f;
        ty[i] = x[i];
        vy[i] = -x[i];
    }
    const float w = 0.0f;
    r->m = linear(1, 8, &w, 0.0f);
    assert_ok(dsc_loss_new(&r->loss, DSC_LOSS_MSE));
    r->opt = optimizer_for(r->m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_dataset_new_targets(&r->train, x, ty, 8, 1, 1, DSC_DATASET_COPY));
    assert_ok(dsc_dataset_new_targets(&r->val, x, vy, 8, 1, 1, DSC_DATASET_COPY));
    assert_ok(dsc_trainer_new(&r->t, r->m, r->loss, r->opt, r->train));
    assert_ok(dsc_trainer_set_validation(r->t, r->val));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_BATCH_SIZE, 2));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_EPOCHS, 20));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_PATIENCE, 3));
}

static void test_trainer_early_stopping_restores_best_weights(void **state) {
    (void)state;
    float x[8], ty[8], vy[8];
    rig r = {0};
    wrec w = {0};
    early_rig(&r, x, ty, vy);
    w.m = r.m;
    assert_ok(dsc_trainer_set_epoch_callback(r.t, record_weight, &w));
    assert_ok(dsc_trainer_run(r.t));
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_EARLY);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH) == 4); /* best at 1, then 3 epochs without improvement */
    assert_true(prog(r.t, DSC_PROGRESS_BEST_EPOCH) == 1);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCHS_WITHOUT_IMPROVEMENT) == 3);
    assert_int_equal(w.n, 4);
    assert_true(w.w[3] > w.w[0]); /* it kept learning the training targets */
    float now;
    assert_ok(dsc_model_get_weight(r.m, 0, &now, 1));
    assert_true(now == w.w[0]);
    double v = 0;
    assert_ok(dsc_model_evaluate(r.m, r.loss, r.val, &v, NULL));
    assert_true(fabs(v - prog(r.t, DSC_PROGRESS_BEST_VAL_LOSS)) < 1e-12);
    done(&r);

    /* restore_best 0 keeps the last weights. */
    memset(&w, 0, sizeof w);
    early_rig(&r, x, ty, vy);
    w.m = r.m;
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_RESTORE_BEST, 0));
    assert_ok(dsc_trainer_set_epoch_callback(r.t, record_weight, &w));
    assert_ok(dsc_trainer_run(r.t));
    assert_ok(dsc_model_get_weight(r.m, 0, &now, 1));
    assert_true(now == w.w[3]);
    /* min_delta: nothing improves by 100, so the first epoch is the best and it stops at 4. */
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_MIN_DELTA, 100));
    assert_ok(dsc_trainer_run(r.t));
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH) == 8);
    done(&r);

    /* Early stopping needs a validation set. */
    index_rig(&r, 2);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_PATIENCE, 2));
    assert_status(dsc_trainer_run(r.t), DSC_E_STATE);
    assert_true(prog(r.t, DSC_PROGRESS_STEP) == 0);
    done(&r);
}

/* ---- schedulers --------------------------------------------------------- */

static void sched_rig(rig *r, dsc_lr_scheduler **s, dsc_lr_scheduler_kind kind, int stepping) {
    index_rig(r, 2);
    assert_ok(dsc_optimizer_set(r->opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_lr_scheduler_new(s, kind, r->opt));
    assert_ok(dsc_trainer_set_scheduler(r->t, *s));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_SCHED_STEPPING, stepping));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_BATCH_SIZE, 5)); /* 2 batches per epoch */
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_EPOCHS, 3));
}

static void test_trainer_scheduler_per_epoch_and_per_iteration(void **state) {
    (void)state;
    static const float zero = 0.0f;
    for (int mode = 0; mode < 2; mode++) {
        rig r = {0};
        record rec = {0};
        dsc_lr_scheduler *s = NULL;
        sched_rig(&r, &s, DSC_SCHED_EXPONENTIAL,
                  mode == 0 ? DSC_STEP_PER_EPOCH : DSC_STEP_PER_ITERATION);
        assert_ok(dsc_model_set_weight(r.m, 0, &zero, 1)); /* y = 0 = target: zero gradient */
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5));
        assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
        assert_ok(dsc_trainer_run(r.t));
        assert_int_equal(rec.n, 6);
        double lr = 0;
        assert_ok(dsc_optimizer_group_get(r.opt, 0, DSC_OPTIMIZER_PARAM_LR, &lr));
        if (mode == 0) {
            const double want[6] = {1, 1, 0.5, 0.5, 0.25, 0.25};
            for (int i = 0; i < 6; i++) assert_true(rec.lr[i] == want[i]);
            assert_true(lr == 0.125);
        } else {
            for (int i = 0; i < 6; i++) assert_true(rec.lr[i] == ldexp(1.0, -i));
            assert_true(lr == ldexp(1.0, -6));
        }
        dsc_trainer_free(r.t);
        r.t = NULL;
        dsc_lr_scheduler_free(s);
        done(&r);
    }
}

/* The trainer starts a scheduler the host did not: LinearLR's start factor
 * applies to the first epoch, as after PyTorch's constructor. */
static void test_trainer_scheduler_started_before_first_epoch(void **state) {
    (void)state;
    static const float zero = 0.0f;
    rig r = {0};
    record rec = {0};
    dsc_lr_scheduler *s = NULL;
    sched_rig(&r, &s, DSC_SCHED_LINEAR, DSC_STEP_PER_EPOCH);
    assert_ok(dsc_model_set_weight(r.m, 0, &zero, 1));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_START_FACTOR, 0.5));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_ITERS, 2));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_run(r.t));
    const double want[6] = {0.5, 0.5, 0.75, 0.75, 1, 1};
    for (int i = 0; i < 6; i++) assert_true(fabs(rec.lr[i] - want[i]) < 1e-15);
    dsc_trainer_free(r.t);
    r.t = NULL;
    dsc_lr_scheduler_free(s);
    done(&r);
}

static void test_trainer_scheduler_on_metric(void **state) {
    (void)state;
    static const float zero = 0.0f;
    rig r = {0};
    dsc_lr_scheduler *s = NULL;
    sched_rig(&r, &s, DSC_SCHED_PLATEAU, DSC_STEP_ON_METRIC);
    assert_ok(dsc_model_set_weight(r.m, 0, &zero, 1));
    /* Validation loss 0 every epoch: the first epoch improves, each later one does not. */
    assert_ok(dsc_trainer_set_validation(r.t, r.train));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 0));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_FACTOR, 0.5));
    assert_ok(dsc_trainer_run(r.t));
    double lr = 0;
    assert_ok(dsc_optimizer_group_get(r.opt, 0, DSC_OPTIMIZER_PARAM_LR, &lr));
    assert_true(lr == 0.25);
    assert_true(prog(r.t, DSC_PROGRESS_VAL_LOSS) == 0.0);
    /* Plateau stepped per epoch: the scheduler refuses and the run reports it. */
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_EPOCH));
    assert_status(dsc_trainer_run(r.t), DSC_E_STATE);
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_ERROR);
    dsc_trainer_free(r.t);
    r.t = NULL;
    dsc_lr_scheduler_free(s);
    done(&r);
}

/* ---- non-finite batches -------------------------------------------------- */

static void test_trainer_nonfinite_batches_counted_and_stop(void **state) {
    (void)state;
    /* x = 1e20: the loss (double) is finite, the weight gradient overflows float. */
    float x[4] = {1e20f, 1e20f, 1e20f, 1e20f}, y[4] = {0, 0, 0, 0};
    rig r = {0};
    const float w = 1.0f;
    r.m = linear(1, 4, &w, 0.0f);
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_dataset_new_targets(&r.train, x, y, 4, 1, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 1));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 5));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_MAX_NONFINITE, 3));
    assert_status(dsc_trainer_run(r.t), DSC_E_NONFINITE);
    assert_true(prog(r.t, DSC_PROGRESS_REFUSED) == 3);
    assert_true(prog(r.t, DSC_PROGRESS_REFUSED_IN_A_ROW) == 3);
    assert_true(prog(r.t, DSC_PROGRESS_STEP) == 3);
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_NONFINITE);
    assert_true(isnan(prog(r.t, DSC_PROGRESS_EPOCH_LOSS)));
    float now;
    assert_ok(dsc_model_get_weight(r.m, 0, &now, 1));
    assert_true(now == 1.0f);
    uint64_t refused = 0;
    assert_ok(dsc_optimizer_refused_steps(r.opt, &refused));
    assert_int_equal(refused, 3);
    done(&r);
}

static void test_trainer_nonfinite_batches_skipped_and_training_goes_on(void **state) {
    (void)state;
    /* One poisoned sample among good ones, batch 1: it is refused every epoch. */
    float x[5] = {0.5f, -0.5f, 1e20f, 1.0f, -1.0f}, y[5] = {1.0f, -1.0f, 0.0f, 2.0f, -2.0f};
    rig r = {0};
    const float w = 0.0f;
    r.m = linear(1, 1, &w, 0.0f);
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_dataset_new_targets(&r.train, x, y, 5, 1, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 1));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 40));
    assert_ok(dsc_trainer_run(r.t));
    assert_true(prog(r.t, DSC_PROGRESS_REFUSED) == 40);
    assert_true(prog(r.t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_EPOCHS);
    float now;
    assert_ok(dsc_model_get_weight(r.m, 0, &now, 1));
    assert_true(fabsf(now - 2.0f) < 1e-3f);
    done(&r);
}

/* ---- evaluation --------------------------------------------------------- */

static void test_trainer_evaluate_values(void **state) {
    (void)state;
    const float x[5] = {1, 2, 3, 4, 5}, y[5] = {0, 0, 0, 0, 0};
    const float w = 2.0f;
    dsc_model *m = linear(1, 2, &w, 0.0f); /* chunks of 2, 2, 1 */
    dsc_loss *mse = NULL, *ce = NULL;
    dsc_dataset *ds = NULL, *lab = NULL;
    assert_ok(dsc_loss_new(&mse, DSC_LOSS_MSE));
    assert_ok(dsc_loss_new(&ce, DSC_LOSS_CROSS_ENTROPY));
    assert_ok(dsc_dataset_new_targets(&ds, x, y, 5, 1, 1, DSC_DATASET_BORROW));
    double v = 0, a = 0;
    assert_ok(dsc_model_evaluate(m, mse, ds, &v, &a));
    assert_true(fabs(v - 4.0 * 55.0 / 5.0) < 1e-9);
    assert_true(isnan(a));
    assert_ok(dsc_model_evaluate(m, mse, ds, NULL, NULL));
    int training = 0;
    assert_ok(dsc_model_is_training(m, &training));
    assert_int_equal(training, 1); /* mode restored */
    /* Labels: two logits per sample, x W^T with W = [[1], [-1]]: class 0 for x > 0. */
    dsc_model *m2 = NULL;
    assert_ok(dsc_model_new(&m2, 1));
    assert_ok(dsc_model_add_dense(m2, 2, 0));
    assert_ok(dsc_model_build(m2, 3));
    const float w2[2] = {1, -1};
    assert_ok(dsc_model_set_weight(m2, 0, w2, 2));
    const float lx[4] = {1, 2, -1, -2};
    const int32_t ll[4] = {0, 0, 0, 1}; /* 3 of 4 right */
    assert_ok(dsc_dataset_new_labels(&lab, lx, ll, 4, 1, 2, DSC_DATASET_BORROW));
    assert_ok(dsc_model_evaluate(m2, ce, lab, &v, &a));
    assert_true(a == 0.75);
    double want = 0;
    for (int i = 0; i < 4; i++) {
        double z0 = lx[i], z1 = -lx[i], mx = fmax(z0, z1);
        double lse = mx + log(exp(z0 - mx) + exp(z1 - mx));
        want += lse - (ll[i] == 0 ? z0 : z1);
    }
    assert_true(fabs(v - want / 4) < 1e-6);
    /* Failure paths. */
    assert_status(dsc_model_evaluate(NULL, mse, ds, &v, &a), DSC_E_ARG);
    assert_status(dsc_model_evaluate(m, NULL, ds, &v, &a), DSC_E_ARG);
    assert_status(dsc_model_evaluate(m, mse, NULL, &v, &a), DSC_E_ARG);
    assert_status(dsc_model_evaluate(m, ce, ds, &v, &a), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_evaluate(m2, mse, lab, &v, &a), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_evaluate(m2, mse, ds, &v, &a), DSC_E_SHAPE);
    dsc_model *unbuilt = NULL;
    assert_ok(dsc_model_new(&unbuilt, 1));
    assert_ok(dsc_model_add_dense(unbuilt, 1, 1));
    assert_status(dsc_model_evaluate(unbuilt, mse, ds, &v, &a), DSC_E_STATE);
    dsc_model_free(unbuilt);
    dsc_dataset_free(lab);
    dsc_dataset_free(ds);
    dsc_loss_free(ce);
    dsc_loss_free(mse);
    dsc_model_free(m2);
    dsc_model_free(m);
}

/* ---- failure paths -------------------------------------------------------- */

static void test_trainer_new_failure_paths(void **state) {
    (void)state;
    const float x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {1, 2, 3};
    const int32_t lab[3] = {0, 1, 0};
    dsc_model *m = linear(2, 4, NULL, 0.0f), *m3 = linear(3, 4, NULL, 0.0f), *unbuilt = NULL;
    dsc_model *m22 = NULL;
    assert_ok(dsc_model_new(&m22, 2));
    assert_ok(dsc_model_add_dense(m22, 2, 1));
    assert_ok(dsc_model_build(m22, 4));
    assert_ok(dsc_model_new(&unbuilt, 2));
    assert_ok(dsc_model_add_dense(unbuilt, 1, 1));
    dsc_loss *mse = NULL, *ce = NULL;
    assert_ok(dsc_loss_new(&mse, DSC_LOSS_MSE));
    assert_ok(dsc_loss_new(&ce, DSC_LOSS_CROSS_ENTROPY));
    dsc_optimizer *opt = optimizer_for(m, DSC_OPTIMIZER_SGD, 0.1), *empty = NULL;
    assert_ok(dsc_optimizer_new(&empty, DSC_OPTIMIZER_SGD));
    dsc_dataset *ds = NULL, *dl = NULL, *ds2 = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, x, y, 3, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_new_labels(&dl, x, lab, 3, 2, 2, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_new_targets(&ds2, x, x, 3, 2, 2, DSC_DATASET_BORROW));
    dsc_trainer *t = (dsc_trainer *)(uintptr_t)1;
    assert_status(dsc_trainer_new(NULL, m, mse, opt, ds), DSC_E_ARG);
    assert_status(dsc_trainer_new(&t, NULL, mse, opt, ds), DSC_E_ARG);
    assert_null(t);
    assert_status(dsc_trainer_new(&t, m, NULL, opt, ds), DSC_E_ARG);
    assert_status(dsc_trainer_new(&t, m, mse, NULL, ds), DSC_E_ARG);
    assert_status(dsc_trainer_new(&t, m, mse, opt, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_new(&t, unbuilt, mse, opt, ds), DSC_E_STATE);
    assert_status(dsc_trainer_new(&t, m, mse, empty, ds), DSC_E_STATE);
    assert_status(dsc_trainer_new(&t, m3, mse, opt, ds), DSC_E_SHAPE);   /* inputs */
    assert_status(dsc_trainer_new(&t, m, mse, opt, ds2), DSC_E_SHAPE);   /* outputs */
    assert_status(dsc_trainer_new(&t, m22, mse, opt, dl), DSC_E_UNSUPPORTED); /* labels with MSE */
    assert_status(dsc_trainer_new(&t, m, ce, opt, dl), DSC_E_SHAPE); /* 1 output, 2 classes */
    assert_status(dsc_trainer_new(&t, m, ce, opt, ds), DSC_E_UNSUPPORTED);  /* CE with targets */
    assert_null(t);
    dsc_trainer_free(NULL);

    /* Settings: every bad value refused, nothing changed. */
    assert_ok(dsc_trainer_new(&t, m, mse, opt, ds));
    const struct { dsc_trainer_param key; double bad; } bad[] = {
        {DSC_TRAINER_PARAM_BATCH_SIZE, -1}, {DSC_TRAINER_PARAM_BATCH_SIZE, 1.5}, {DSC_TRAINER_PARAM_BATCH_SIZE, NAN},
        {DSC_TRAINER_PARAM_BATCH_SIZE, 4294967296.0}, {DSC_TRAINER_PARAM_EPOCHS, 0}, {DSC_TRAINER_PARAM_EPOCHS, INFINITY},
        {DSC_TRAINER_PARAM_SEED, -1}, {DSC_TRAINER_PARAM_SEED, 0.5}, {DSC_TRAINER_PARAM_SHUFFLE, 2}, {DSC_TRAINER_PARAM_DROP_LAST, -1},
        {DSC_TRAINER_PARAM_SCHED_STEPPING, 3}, {DSC_TRAINER_PARAM_PATIENCE, -2}, {DSC_TRAINER_PARAM_MIN_DELTA, -0.1},
        {DSC_TRAINER_PARAM_MIN_DELTA, INFINITY}, {DSC_TRAINER_PARAM_RESTORE_BEST, 0.5}, {DSC_TRAINER_PARAM_MAX_NONFINITE, -1},
        {DSC_TRAINER_PARAM_FINDER_BETA, 1.0}, {DSC_TRAINER_PARAM_FINDER_BETA, -0.1}, {DSC_TRAINER_PARAM_FINDER_DIVERGE, 1.0},
        {DSC_TRAINER_PARAM_FINDER_DIVERGE, NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double before = -1, after = -2;
        assert_ok(dsc_trainer_get(t, bad[i].key, &before));
        assert_status(dsc_trainer_set(t, bad[i].key, bad[i].bad), DSC_E_ARG);
        assert_ok(dsc_trainer_get(t, bad[i].key, &after));
        assert_true(before == after);
    }
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, 1.5), DSC_E_ARG);
    assert_string_equal(dsc_last_error(),
                        "dsc_trainer_set: batch_size is 1.5; it must be an integer in [0, 2^31]");
    double v = 0;
    assert_status(dsc_trainer_set(t, (dsc_trainer_param)999, 1), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_trainer_set: the trainer has no setting with key 999");
    assert_status(dsc_trainer_set(t, (dsc_trainer_param)0, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_trainer_set(NULL, DSC_TRAINER_PARAM_EPOCHS, 1), DSC_E_ARG);
    assert_status(dsc_trainer_get(NULL, DSC_TRAINER_PARAM_EPOCHS, &v), DSC_E_ARG);
    assert_status(dsc_trainer_get(t, DSC_TRAINER_PARAM_EPOCHS, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_get(t, (dsc_trainer_param)999, &v), DSC_E_UNSUPPORTED);
    /* Defaults. */
    const struct { dsc_trainer_param key; double want; } defaults[] = {
        {DSC_TRAINER_PARAM_BATCH_SIZE, 32}, {DSC_TRAINER_PARAM_EPOCHS, 1}, {DSC_TRAINER_PARAM_SEED, 0}, {DSC_TRAINER_PARAM_SHUFFLE, 1},
        {DSC_TRAINER_PARAM_DROP_LAST, 0}, {DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_EPOCH}, {DSC_TRAINER_PARAM_PATIENCE, 0},
        {DSC_TRAINER_PARAM_MIN_DELTA, 0}, {DSC_TRAINER_PARAM_RESTORE_BEST, 1}, {DSC_TRAINER_PARAM_MAX_NONFINITE, 10},
        {DSC_TRAINER_PARAM_FINDER_BETA, 0.98}, {DSC_TRAINER_PARAM_FINDER_DIVERGE, 4},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        double def = -1, lo = -1, hi = -1;
        assert_ok(dsc_trainer_get(t, defaults[i].key, &v));
        assert_true(v == defaults[i].want);
        assert_ok(dsc_trainer_param_default(defaults[i].key, &def));
        assert_true(def == defaults[i].want);
        assert_ok(dsc_trainer_param_bounds(defaults[i].key, &lo, &hi));
        assert_true(lo <= def && def <= hi);
        /* both ends are accepted; just outside them is not */
        assert_ok(dsc_trainer_set(t, defaults[i].key, lo));
        assert_ok(dsc_trainer_set(t, defaults[i].key, hi));
        assert_status(dsc_trainer_set(t, defaults[i].key, nextafter(lo, -INFINITY)), DSC_E_ARG);
        if (hi < DBL_MAX)
            assert_status(dsc_trainer_set(t, defaults[i].key, nextafter(hi, INFINITY)), DSC_E_ARG);
        assert_ok(dsc_trainer_set(t, defaults[i].key, def));
    }
    double lo = -1, hi = -1;
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_FINDER_BETA, &lo, &hi));
    assert_true(lo == 0 && hi == nextafter(1.0, 0.0));
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_FINDER_DIVERGE, &lo, &hi));
    assert_true(lo == nextafter(1.0, 2.0) && hi == DBL_MAX);
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_SHUFFLE, &lo, &hi));
    assert_true(lo == 0 && hi == 1);
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_SEED, &lo, &hi));
    assert_true(lo == 0 && hi == 9007199254740992.0);
    lo = hi = v = -1;
    assert_status(dsc_trainer_param_bounds((dsc_trainer_param)999, &lo, &hi), DSC_E_UNSUPPORTED);
    assert_status(dsc_trainer_param_default((dsc_trainer_param)7, &v), DSC_E_UNSUPPORTED);
    assert_true(lo == -1 && hi == -1 && v == -1);
    assert_status(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_EPOCHS, NULL, &hi), DSC_E_ARG);
    assert_status(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_EPOCHS, &lo, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_param_default(DSC_TRAINER_PARAM_EPOCHS, NULL), DSC_E_ARG);
    /* Validation sets of the wrong kind or width. */
    assert_status(dsc_trainer_set_validation(NULL, ds), DSC_E_ARG);
    assert_status(dsc_trainer_set_validation(t, dl), DSC_E_UNSUPPORTED);
    assert_status(dsc_trainer_set_validation(t, ds2), DSC_E_SHAPE);
    assert_ok(dsc_trainer_set_validation(t, ds));
    assert_ok(dsc_trainer_set_validation(t, NULL));
    assert_status(dsc_trainer_set_scheduler(NULL, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_set_step_callback(NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_set_epoch_callback(NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_run(NULL), DSC_E_ARG);
    /* Progress. */
    const dsc_progress *p = (const dsc_progress *)(uintptr_t)1;
    assert_status(dsc_trainer_progress(NULL, &p), DSC_E_ARG);
    assert_null(p);
    assert_status(dsc_trainer_progress(t, NULL), DSC_E_ARG);
    assert_ok(dsc_trainer_progress(t, &p));
    assert_status(dsc_progress_get(NULL, DSC_PROGRESS_EPOCH, &v), DSC_E_ARG);
    assert_status(dsc_progress_get(p, DSC_PROGRESS_EPOCH, NULL), DSC_E_ARG);
    assert_status(dsc_progress_get(p, (dsc_progress_key)999, &v), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_progress_get: key 999 is not a dsc_progress_key");
    /* Before training. */
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_EPOCH, &v));
    assert_true(v == 0);
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_VAL_LOSS, &v));
    assert_true(isnan(v));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_STOP_REASON, &v));
    assert_true(v == DSC_STOP_NONE);
    dsc_trainer_free(t);

    dsc_dataset_free(ds);
    dsc_dataset_free(dl);
    dsc_dataset_free(ds2);
    dsc_optimizer_free(opt);
    dsc_optimizer_free(empty);
    dsc_loss_free(mse);
    dsc_loss_free(ce);
    dsc_model_free(m);
    dsc_model_free(m3);
    dsc_model_free(m22);
    dsc_model_free(unbuilt);
}

/* ---- no allocation during training -------------------------------------- */

static int nothing(const dsc_progress *p, void *user) {
    (void)user;
    double v;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_ELAPSED, &v));
    return 0;
}

static void test_trainer_run_allocates_nothing(void **state) {
    (void)state;
    regression_data();
    rig r = {0};
    dsc_lr_scheduler *s = NULL;
    r.m = mlp(2, 8, 1, 8, 1);
    assert_ok(dsc_loss_new(&r.loss, DSC_LOSS_MSE));
    r.opt = optimizer_for(r.m, DSC_OPTIMIZER_ADAM, 0.01);
    assert_ok(dsc_dataset_new_targets(&r.train, lr_x, lr_y, LR_N, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_new_targets(&r.val, lr_x, lr_y, 16, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_lr_scheduler_new(&s, DSC_SCHED_COSINE, r.opt));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 100));
    assert_ok(dsc_trainer_new(&r.t, r.m, r.loss, r.opt, r.train));
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    assert_ok(dsc_trainer_set_scheduler(r.t, s));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_PATIENCE, 50));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 12)); /* above max batch: chunks */
    assert_ok(dsc_trainer_set_step_callback(r.t, nothing, NULL));
    assert_ok(dsc_trainer_set_epoch_callback(r.t, nothing, NULL));
    assert_ok(dsc_trainer_run(r.t)); /* the first run: the scheduler starts */
    harness_alloc_install(0);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 3));
    assert_ok(dsc_trainer_run(r.t));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 0));
    assert_ok(dsc_trainer_run(r.t));
    assert_int_equal(harness_alloc_count(), 0);
    assert_true(prog(r.t, DSC_PROGRESS_EPOCH) == 7);
    dsc_trainer_free(r.t);
    r.t = NULL;
    dsc_lr_scheduler_free(s);
    done(&r);
}

/* ---- functions added for the trainer ------------------------------------ */

static void test_trainer_loss_kind_of(void **state) {
    (void)state;
    for (int k = DSC_LOSS_MSE; k <= DSC_LOSS_SMOOTH_L1; k++) {
        dsc_loss *l = NULL;
        dsc_loss_kind got = 0;
        assert_ok(dsc_loss_new(&l, (dsc_loss_kind)k));
        assert_ok(dsc_loss_kind_of(l, &got));
        assert_int_equal(got, k);
        assert_status(dsc_loss_kind_of(l, NULL), DSC_E_ARG);
        dsc_loss_free(l);
    }
    dsc_loss_kind got = 0;
    assert_status(dsc_loss_kind_of(NULL, &got), DSC_E_ARG);
}

/* After reset_state the next step equals a new optimizer's first step. */
static void test_trainer_optimizer_reset_state(void **state) {
    (void)state;
    const dsc_optimizer_kind kinds[3] = {DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_ADAGRAD, DSC_OPTIMIZER_NADAM};
    for (int k = 0; k < 3; k++) {
        float p1[3] = {1, 2, 3}, g[3] = {0.5f, -1, 2}, p2[3] = {1, 2, 3};
        dsc_optimizer *a = NULL, *b = NULL;
        assert_ok(dsc_optimizer_new(&a, kinds[k]));
        assert_ok(dsc_optimizer_new(&b, kinds[k]));
        for (int j = 0; j < 2; j++) {
            dsc_optimizer *o = j ? b : a;
            assert_ok(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_LR, 0.1));
            if (kinds[k] == DSC_OPTIMIZER_SGD) {
                assert_ok(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
                assert_ok(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_DAMPENING, 0.5));
            }
            if (kinds[k] == DSC_OPTIMIZER_ADAGRAD)
                assert_ok(dsc_optimizer_set(o, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, 0.25));
            assert_ok(dsc_optimizer_add_params(o, j ? p2 : p1, g, 3, NULL));
        }
        for (int i = 0; i < 3; i++) assert_ok(dsc_optimizer_step(a));
        assert_ok(dsc_optimizer_reset_state(a));
        uint64_t steps = 9;
        assert_ok(dsc_optimizer_group_step_count(a, 0, &steps));
        assert_int_equal(steps, 0);
        if (kinds[k] == DSC_OPTIMIZER_SGD) {
            int in_use = 1;
            assert_ok(dsc_optimizer_state_in_use(a, 0, 0, &in_use));
            assert_int_equal(in_use, 0);
        }
        if (kinds[k] == DSC_OPTIMIZER_NADAM) {
            double mu = 0;
            assert_ok(dsc_optimizer_group_get(a, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mu));
            assert_true(mu == 1.0);
        }
        /* Same parameters, then one step each: identical. */
        memcpy(p1, p2, sizeof p1);
        assert_ok(dsc_optimizer_step(a));
        assert_ok(dsc_optimizer_step(b));
        assert_memory_equal(p1, p2, sizeof p1);
        dsc_optimizer_free(a);
        dsc_optimizer_free(b);
    }
    assert_status(dsc_optimizer_reset_state(NULL), DSC_E_ARG);
}

/* Fails unless the last error contains needle. */
static void assert_string_contains(const char *needle) {
    if (strstr(dsc_last_error(), needle) == NULL)
        fail_msg("last error '%s' does not contain '%s'", dsc_last_error(), needle);
}

/* ---- the optimizer holds exactly the model's parameters ------------------ */

/* Issue 12: a trainer whose optimizer held other arrays trained nothing and
 * said nothing. dsc_trainer_new now refuses every optimizer that does not
 * hold exactly the model's parameters, with a message saying what differs;
 * the model's buffers split over several groups are fine. */
static void test_trainer_optimizer_must_hold_the_model(void **state) {
    (void)state;
    const float x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {1, 2, 3};
    dsc_model *m = mlp(2, 3, 1, 4, 1), *other = linear(2, 4, NULL, 0.0f);
    dsc_loss *mse = NULL;
    dsc_dataset *ds = NULL;
    assert_ok(dsc_loss_new(&mse, DSC_LOSS_MSE));
    assert_ok(dsc_dataset_new_targets(&ds, x, y, 3, 2, 1, DSC_DATASET_BORROW));
    float *p = NULL, *g = NULL, *op = NULL, *og = NULL;
    size_t n = 0, on = 0;
    assert_ok(dsc_model_params(m, &p));
    assert_ok(dsc_model_grads(m, &g));
    assert_ok(dsc_model_param_count(m, &n));
    assert_ok(dsc_model_params(other, &op));
    assert_ok(dsc_model_grads(other, &og));
    assert_ok(dsc_model_param_count(other, &on));
    float host[4] = {0}, hg[4] = {0}, gcopy[64] = {0};
    assert_true(n <= 64);
    dsc_trainer *t = (dsc_trainer *)(uintptr_t)1;
    dsc_optimizer *o = NULL;

    /* another model's parameters: the case of the issue */
    o = optimizer_for(other, DSC_OPTIMIZER_SGD, 0.1);
    assert_status(dsc_trainer_new(&t, m, mse, o, ds), DSC_E_ARG);
    assert_null(t);
    assert_string_equal(dsc_last_error(),
                        "dsc_trainer_new: the optimizer does not hold exactly the model's parameters "
                        "(group 0 (3 parameters) is not part of the model's parameters), so training "
                        "would leave some of them untrained or step others; give the trainer an "
                        "optimizer whose groups are the model's (dsc_optimizer_add_model once, and "
                        "nothing else)");
    dsc_optimizer_free(o);
    /* the model and a host array besides */
    o = optimizer_for(m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_optimizer_add_params(o, host, hg, 4, NULL));
    assert_status(dsc_trainer_new(&t, m, mse, o, ds), DSC_E_ARG);
    assert_string_contains("group 1 (4 parameters) is not part of the model's parameters");
    dsc_optimizer_free(o);
    /* part of the model */
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_add_params(o, p, g, n - 1, NULL));
    assert_status(dsc_trainer_new(&t, m, mse, o, ds), DSC_E_ARG);
    assert_string_contains("its groups hold 12 of the model's 13 parameters");
    dsc_optimizer_free(o);
    /* the model's parameters with other gradients */
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_add_params(o, p, gcopy, n, NULL));
    assert_status(dsc_trainer_new(&t, m, mse, o, ds), DSC_E_ARG);
    assert_string_contains("group 0 holds the model's parameters with other gradients");
    dsc_optimizer_free(o);
    /* gradients of the right buffer at the wrong offset */
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_add_params(o, p, g + n - 4, 4, NULL));
    assert_ok(dsc_optimizer_add_params(o, p + 4, g, n - 4, NULL));
    assert_status(dsc_trainer_new(&t, m, mse, o, ds), DSC_E_ARG);
    dsc_optimizer_free(o);
    /* exactly the model: one group, or the buffers split over groups */
    o = optimizer_for(m, DSC_OPTIMIZER_SGD, 0.1);
    assert_ok(dsc_trainer_new(&t, m, mse, o, ds));
    assert_ok(dsc_trainer_run(t));
    dsc_trainer_free(t);
    dsc_optimizer_free(o);
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_params(o, p + 9, g + 9, n - 9, NULL)); /* the last layer */
    assert_ok(dsc_optimizer_add_params(o, p, g, 9, NULL));             /* the first */
    assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 0.5));
    assert_ok(dsc_trainer_new(&t, m, mse, o, ds));
    assert_ok(dsc_trainer_run(t));
    /* a group added after dsc_trainer_new stops the next run before a step */
    float before[64];
    memcpy(before, p, n * sizeof *p);
    assert_ok(dsc_optimizer_add_params(o, host, hg, 4, NULL));
    assert_status(dsc_trainer_run(t), DSC_E_STATE);
    assert_string_contains("dsc_trainer_run: the optimizer does not hold exactly the model's parameters");
    assert_memory_equal(p, before, n * sizeof *p);
    assert_true(prog(t, DSC_PROGRESS_STOP_REASON) == DSC_STOP_ERROR);
    double sug = 0;
    assert_status(dsc_trainer_lr_range_test(t, 1e-3, 1, 4, NULL, NULL, NULL, &sug), DSC_E_STATE);
    dsc_trainer_free(t);
    dsc_optimizer_free(o);
    dsc_dataset_free(ds);
    dsc_loss_free(mse);
    dsc_model_free(m);
    dsc_model_free(other);
}

/* A callback may change the optimizer (its lr applies from the next batch);
 * adding a group from a callback stops the run at the next batch. */
typedef struct changer {
    dsc_optimizer *opt;
    float host[2], hg[2];
    int calls, add_at;
} changer;

static int change_optimizer(const dsc_progress *p, void *user) {
    (void)p;
    changer *c = user;
    c->calls++;
    assert_ok(dsc_optimizer_set(c->opt, DSC_OPTIMIZER_PARAM_LR, 0.001 * c->calls));
    if (c->calls == c->add_at) assert_ok(dsc_optimizer_add_params(c->opt, c->host, c->hg, 2, NULL));
    return 0;
}

static void test_trainer_callback_changes_optimizer(void **state) {
    (void)state;
    rig r = {0};
    index_rig(&r, 1);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 1));
    changer c = {r.opt, {0, 0}, {0, 0}, 0, 4};
    record rec = {0};
    assert_ok(dsc_trainer_set_epoch_callback(r.t, change_optimizer, &c));
    assert_ok(dsc_trainer_set_step_callback(r.t, record_step, &rec));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 5));
    assert_status(dsc_trainer_run(r.t), DSC_E_STATE);
    assert_int_equal(c.calls, 4);                 /* four epochs ended */
    assert_int_equal(rec.n, 4 * IDX_N);           /* the fifth took no batch */
    assert_true(rec.lr[IDX_N] == 0.001);          /* epoch 2 used the lr set after epoch 1 */
    assert_true(rec.lr[3 * IDX_N] == 0.003);
    done(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trainer_xor_converges),
        cmocka_unit_test(test_trainer_linear_regression_known_solution),
        cmocka_unit_test(test_trainer_batch1_visits_each_sample_once_per_epoch),
        cmocka_unit_test(test_trainer_full_batch_is_one_step_per_epoch),
        cmocka_unit_test(test_trainer_last_partial_batch_used_or_dropped),
        cmocka_unit_test(test_trainer_chunked_batch_equals_single_pass),
        cmocka_unit_test(test_trainer_shuffle_is_deterministic_per_seed),
        cmocka_unit_test(test_trainer_callbacks_stop_training),
        cmocka_unit_test(test_trainer_callbacks_cannot_reenter),
        cmocka_unit_test(test_trainer_early_stopping_restores_best_weights),
        cmocka_unit_test(test_trainer_scheduler_per_epoch_and_per_iteration),
        cmocka_unit_test(test_trainer_scheduler_started_before_first_epoch),
        cmocka_unit_test(test_trainer_scheduler_on_metric),
        cmocka_unit_test(test_trainer_nonfinite_batches_counted_and_stop),
        cmocka_unit_test(test_trainer_nonfinite_batches_skipped_and_training_goes_on),
        cmocka_unit_test(test_trainer_evaluate_values),
        cmocka_unit_test(test_trainer_new_failure_paths),
        cmocka_unit_test_teardown(test_trainer_run_allocates_nothing, harness_alloc_teardown),
        cmocka_unit_test(test_trainer_loss_kind_of),
        cmocka_unit_test(test_trainer_optimizer_reset_state),
        cmocka_unit_test(test_trainer_optimizer_must_hold_the_model),
        cmocka_unit_test(test_trainer_callback_changes_optimizer),
    };
    return cmocka_run_group_tests_name("trainer", tests, NULL, NULL);
}
