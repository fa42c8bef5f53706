/* The gradient noise scale against a closed form, the loss window and the
 * advice against exact values, the trainer's measurements, and every
 * refusal of the dsc_noise_scale_* calls.
 *
 * Closed form: a linear model y = w.x (D inputs, no bias) with the MSE loss
 * on targets t = w*.x, inputs x ~ N(0, I). With delta = w - w*, a sample's
 * gradient is g = 2 (delta.x) x, so G = E g = 2 delta and, from the fourth
 * moments of a Gaussian, E|g|^2 = 4 (D + 2) |delta|^2: |G|^2 = 4 |delta|^2
 * and tr(Sigma) = E|g|^2 - |G|^2 = 4 (D + 1) |delta|^2, B_simple = D + 1.
 * Samples are drawn with replacement from a pool of POOL Gaussian inputs
 * (whose own moments are within about 1% of these). */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define D 32
#define POOL 65536
#define SAMPLES (1u << 18) /* per batch size: steps = SAMPLES / B, at least 2048 */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}
static double urand(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static double nrand(void) {
    double u = urand(), v = urand();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static float *pool_x, *pool_t;

static int setup_pool(void **state) {
    (void)state;
    pool_x = malloc((size_t)POOL * D * sizeof *pool_x);
    pool_t = calloc(POOL, sizeof *pool_t); /* w* = 0 */
    if (pool_x == NULL || pool_t == NULL) return -1;
    for (size_t i = 0; i < (size_t)POOL * D; i++) pool_x[i] = (float)nrand();
    return 0;
}

static int teardown_pool(void **state) {
    (void)state;
    free(pool_x);
    free(pool_t);
    return 0;
}

/* The linear model with w = delta, |delta|^2 = 1 (every weight 1/sqrt(D)). */
static dsc_model *linear_model(size_t max_batch) {
    dsc_model *m = NULL;
    float *w = NULL;
    assert_ok(dsc_model_new(&m, D));
    assert_ok(dsc_model_add_dense(m, 1, 0));
    assert_ok(dsc_model_build(m, max_batch));
    assert_ok(dsc_model_params(m, &w));
    for (size_t i = 0; i < D; i++) w[i] = (float)(1.0 / sqrt((double)D));
    return m;
}

static const double TRUE_G2 = 4.0, TRUE_TRACE = 4.0 * (D + 1), TRUE_BS = D + 1;

/* One pass of rows [lo, hi) of the batch: forward, MSE, dy scaled by the
 * pass's share of the batch, backward (gradients accumulate). */
static void pass(dsc_model *m, dsc_loss *loss, const float *x, const float *t, size_t lo,
                 size_t hi, size_t batch, float *dy) {
    const float *y = NULL;
    double v = 0.0;
    size_t n = hi - lo;
    assert_ok(dsc_model_forward(m, x + lo * D, n, &y));
    assert_ok(dsc_loss_forward(loss, y, t + lo, n, 1, &v));
    assert_ok(dsc_loss_backward(loss, dy));
    for (size_t i = 0; i < n; i++) dy[i] *= (float)((double)n / (double)batch);
    assert_ok(dsc_model_backward(m, dy, n));
}

static void assert_within(const char *what, size_t batch, double got, double want, double rel) {
    print_message("  batch %3zu %-10s %10.4f, truth %8.4f (%+.1f%%)\n", batch, what, got, want,
                  100.0 * (got / want - 1.0));
    if (!(fabs(got - want) <= rel * want))
        fail_msg("batch %zu: %s is %g, the truth %g (more than %.0f%% off)", batch, what, got,
                 want, 100.0 * rel);
}

/* The hand-written loop: every batch size from 8 to 256, the part half of
 * it, the plain mean (beta 1) of SAMPLES / B steps at fixed weights. */
static void test_noise_closed_form(void **state) {
    (void)state;
    static const size_t sizes[] = {8, 16, 32, 64, 128, 256};
    float x[256 * D], t[256], dy[256];
    dsc_loss *loss = NULL;
    dsc_model *m = linear_model(256);
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    print_message("kernel set %s, D = %d\n", dsc_isa(), D);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const size_t B = sizes[k], b = B / 2, steps = SAMPLES / B < 2048 ? 2048 : SAMPLES / B;
        dsc_noise_scale *ns = NULL;
        assert_ok(dsc_noise_scale_new(&ns));
        assert_ok(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_NOISE_BETA, 1.0));
        for (size_t s = 0; s < steps; s++) {
            for (size_t i = 0; i < B; i++) {
                size_t r = (size_t)(rnd() % POOL);
                memcpy(x + i * D, pool_x + r * D, D * sizeof(float));
                t[i] = pool_t[r];
            }
            assert_ok(dsc_model_zero_grad(m));
            pass(m, loss, x, t, 0, b, B, dy);
            assert_ok(dsc_noise_scale_add_part(ns, m, b, B));
            pass(m, loss, x, t, b, B, B, dy);
            assert_ok(dsc_noise_scale_add_whole(ns, m));
        }
        double g2 = 0, tr = 0, bs = 0, n = 0;
        assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_SQ_NORM, &g2));
        assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_VARIANCE, &tr));
        assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_NOISE_SCALE, &bs));
        assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_NOISE_STEPS, &n));
        assert_int_equal((size_t)n, steps);
        print_message("  batch %3zu: %zu steps averaged\n", B, steps);
        assert_within("|G|^2", B, g2, TRUE_G2, 0.10);
        assert_within("tr(Sigma)", B, tr, TRUE_TRACE, 0.10);
        assert_within("B_simple", B, bs, TRUE_BS, 0.10);
        assert_true(fabs(bs - tr / g2) <= 1e-12 * bs); /* the ratio of the averages */
        dsc_noise_scale_free(ns);
    }
    dsc_loss_free(loss);
    dsc_model_free(m);
}

/* The trainer measures the same thing: 4 epochs of batch 32 over the pool at
 * lr 0 (fixed weights), every step averaged; its progress keys are its
 * estimator's values; the gradient and the step are those of an unsplit batch. */
static void test_noise_trainer(void **state) {
    (void)state;
    dsc_model *m = linear_model(32);
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    dsc_dataset *ds = NULL;
    dsc_trainer *t = NULL;
    const dsc_progress *p = NULL;
    const dsc_noise_scale *ns = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.0));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    assert_ok(dsc_dataset_new_targets(&ds, pool_x, pool_t, POOL, D, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&t, m, loss, opt, ds));
    assert_ok(dsc_trainer_progress(t, &p));
    double v = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_SCALE, &v));
    assert_true(isnan(v)); /* off by default: nothing measured */
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, 32));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, 4));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, 1));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_BETA, 1));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL, 1));
    assert_ok(dsc_trainer_run(t));
    assert_ok(dsc_trainer_noise_scale(t, &ns));
    static const dsc_progress_key keys[] = {
        DSC_PROGRESS_NOISE_SCALE, DSC_PROGRESS_GRAD_SQ_NORM, DSC_PROGRESS_GRAD_VARIANCE,
        DSC_PROGRESS_NOISE_STEPS, DSC_PROGRESS_OSCILLATION, DSC_PROGRESS_LOSS_DROP_PER_EPOCH};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double a = 0, b = 0;
        assert_ok(dsc_progress_get(p, keys[i], &a));
        assert_ok(dsc_noise_scale_value(ns, keys[i], &b));
        assert_true(a == b || (isnan(a) && isnan(b)));
    }
    double g2 = 0, tr = 0, bs = 0, n = 0, osc = 0, drop = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_GRAD_SQ_NORM, &g2));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_GRAD_VARIANCE, &tr));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_SCALE, &bs));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_STEPS, &n));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_OSCILLATION, &osc));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_LOSS_DROP_PER_EPOCH, &drop));
    assert_true(n == 4.0 * POOL / 32);
    print_message("  trainer, %g steps averaged\n", n);
    assert_within("|G|^2", 32, g2, TRUE_G2, 0.10);
    assert_within("tr(Sigma)", 32, tr, TRUE_TRACE, 0.10);
    assert_within("B_simple", 32, bs, TRUE_BS, 0.10);
    /* At lr 0 the loss has no trend: the batch loss of 32 samples of
     * (delta.x)^2 ~ chi^2_1 spreads by sqrt(2/32) = 0.25 around 1. */
    assert_within("oscillation", 32, osc, sqrt(2.0 / 32.0), 0.35);
    assert_true(fabs(drop) < 2.0);
    /* No range test: a batch size but no lr. */
    double sb = 0, sl = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_SUGGESTED_BATCH, &sb));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_SUGGESTED_LR, &sl));
    assert_true(sb == nearbyint(bs));
    assert_true(isnan(sl));
    /* After a range test, its suggestion moved to the suggested batch. */
    double sug = 0;
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.0));
    assert_ok(dsc_trainer_lr_range_test(t, 1e-4, 1e-1, 20, NULL, NULL, NULL, &sug));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_SUGGESTED_LR, &sl));
    assert_true(fabs(sl - sug * (1 + bs / 32) / (1 + bs / sb)) <= 1e-12 * sl);
    /* The range test measured nothing. */
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_STEPS, &v));
    assert_true(v == n);
    /* Setting MEASURE_NOISE to 1 again starts afresh. */
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, 1));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_STEPS, &v));
    assert_true(v == 0.0);
    dsc_trainer_free(t);
    dsc_dataset_free(ds);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(m);
}

/* Measuring does not change training: the same run with and without it
 * gives the same parameters (the split only reorders float sums, so within
 * float rounding). */
static void test_noise_trainer_same_training(void **state) {
    (void)state;
    float w[2][D];
    for (int on = 0; on < 2; on++) {
        dsc_model *m = linear_model(64);
        dsc_loss *loss = NULL;
        dsc_optimizer *opt = NULL;
        dsc_dataset *ds = NULL;
        dsc_trainer *t = NULL;
        float *params = NULL;
        assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
        assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
        assert_ok(dsc_optimizer_add_model(opt, m, NULL));
        assert_ok(dsc_dataset_new_targets(&ds, pool_x, pool_t, 1024, D, 1, DSC_DATASET_BORROW));
        assert_ok(dsc_trainer_new(&t, m, loss, opt, ds));
        assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, 50));
        assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, on));
        assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_PART, 0.3));
        assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL, 1));
        assert_ok(dsc_trainer_run(t));
        double steps = 0;
        const dsc_progress *p = NULL;
        assert_ok(dsc_trainer_progress(t, &p));
        assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_STEPS, &steps));
        assert_true(steps == (on ? 21.0 : 0.0)); /* 20 batches of 50 and one of 24 */
        assert_ok(dsc_model_params(m, &params));
        memcpy(w[on], params, sizeof w[on]);
        dsc_trainer_free(t);
        dsc_dataset_free(ds);
        dsc_optimizer_free(opt);
        dsc_loss_free(loss);
        dsc_model_free(m);
    }
    assert_floats_near(w[1], w[0], D, 1e-5, 1e-6);
}

/* The loss window: a line with residuals +a, -a, -a, +a (orthogonal to the
 * line), after two rows that the window of 4 has dropped. */
static void test_noise_loss_window(void **state) {
    (void)state;
    dsc_noise_scale *ns = NULL;
    double v = 0;
    assert_ok(dsc_noise_scale_new(&ns));
    assert_ok(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 4));
    assert_ok(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, &v));
    assert_true(v == 4.0);
    assert_ok(dsc_noise_scale_add_loss(ns, 100.0, -2.0, -10.0));
    assert_ok(dsc_noise_scale_add_loss(ns, -50.0, -1.0, -9.0));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_OSCILLATION, &v));
    assert_true(isnan(v)); /* fewer than 3 rows */
    const double a = 0.25, r[4] = {a, -a, -a, a};
    for (int i = 0; i < 4; i++)
        assert_ok(dsc_noise_scale_add_loss(ns, 10.0 - 2.0 * i + r[i], i, 0.5 * i));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_OSCILLATION, &v));
    assert_true(fabs(v - a) < 1e-12);
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_LOSS_DROP_PER_EPOCH, &v));
    assert_true(fabs(v - 2.0) < 1e-12);
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_LOSS_DROP_PER_SECOND, &v));
    assert_true(fabs(v - 4.0) < 1e-12); /* a drop of 6 over 1.5 s */
    /* The same window again keeps the losses; another one starts empty. */
    assert_ok(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 4));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_OSCILLATION, &v));
    assert_true(fabs(v - a) < 1e-12);
    assert_ok(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 5));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_OSCILLATION, &v));
    assert_true(isnan(v));
    assert_ok(dsc_noise_scale_reset(ns));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_OSCILLATION, &v));
    assert_true(isnan(v));
    dsc_noise_scale_free(ns);
}

/* Exact pairs: |G_b|^2 = 1 + 100/b gives |G|^2 = 1, tr(Sigma) = 100. */
static void test_noise_norms_and_advice(void **state) {
    (void)state;
    dsc_noise_scale *ns = NULL;
    size_t batch = 7;
    double lr = 7, v = 0;
    char why[512];
    assert_ok(dsc_noise_scale_new(&ns));
    assert_status(dsc_noise_scale_advise(ns, 0.01, 10, 1000, &batch, &lr, why, sizeof why),
                  DSC_E_STATE);
    assert_true(batch == 0 && lr == 0.0 && why[0] == 0);
    assert_ok(dsc_noise_scale_add_norms(ns, 1.0 + 100.0 / 10, 10, 1.0 + 100.0 / 50, 50));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_SQ_NORM, &v));
    assert_true(fabs(v - 1.0) < 1e-12);
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_VARIANCE, &v));
    assert_true(fabs(v - 100.0) < 1e-10);
    assert_ok(dsc_noise_scale_advise(ns, 0.01, 10, 1000, &batch, &lr, why, sizeof why));
    assert_int_equal(batch, 100);
    assert_true(fabs(lr - 0.01 * 11.0 / 2.0) < 1e-15);
    assert_non_null(strstr(why, "batch 100"));
    assert_non_null(strstr(why, "averaged over 1 steps"));
    assert_ok(dsc_noise_scale_advise(ns, 0.01, 10, 50, &batch, &lr, NULL, 0));
    assert_int_equal(batch, 50);
    assert_true(fabs(lr - 0.01 * 11.0 / 3.0) < 1e-15);
    /* A second pair with |G|^2 = 3 (b 1, B 2: 3 + 100 and 3 + 50): the
     * mean of the two (beta 0.99: 1/n while 1/n > 0.01). */
    assert_ok(dsc_noise_scale_add_norms(ns, 103.0, 1, 53.0, 2));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_SQ_NORM, &v));
    assert_true(fabs(v - 2.0) < 1e-12);
    /* beta 0: only the last pair counts. */
    assert_ok(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_NOISE_BETA, 0.0));
    assert_ok(dsc_noise_scale_add_norms(ns, 5.0 + 100.0 / 4, 4, 5.0 + 100.0 / 8, 8));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_SQ_NORM, &v));
    assert_true(fabs(v - 5.0) < 1e-12);
    /* |G|^2 not positive: an infinite noise scale, no advice. */
    assert_ok(dsc_noise_scale_add_norms(ns, 10.0, 1, 5.0, 2));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_NOISE_SCALE, &v));
    assert_true(isinf(v) && v > 0);
    assert_status(dsc_noise_scale_advise(ns, 0.01, 10, 50, &batch, &lr, NULL, 0), DSC_E_STATE);
    /* A truncated explanation is still terminated. */
    assert_ok(dsc_noise_scale_reset(ns));
    assert_ok(dsc_noise_scale_add_norms(ns, 11.0, 10, 3.0, 50));
    assert_ok(dsc_noise_scale_advise(ns, 0.01, 10, 1000, &batch, &lr, why, 8));
    assert_int_equal(strlen(why), 7);
    dsc_noise_scale_free(ns);
}

static void test_noise_refusals(void **state) {
    (void)state;
    dsc_noise_scale *ns = (dsc_noise_scale *)(uintptr_t)1;
    const dsc_noise_scale *cns = NULL;
    double v = 7;
    size_t batch = 7;
    char why[16];
    assert_status(dsc_noise_scale_new(NULL), DSC_E_ARG);
    assert_ok(dsc_noise_scale_new(&ns));
    /* settings */
    assert_status(dsc_noise_scale_set(NULL, DSC_TRAINER_PARAM_NOISE_BETA, 0.5), DSC_E_ARG);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_NOISE_BETA, 1.5), DSC_E_ARG);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_NOISE_BETA, NAN), DSC_E_ARG);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 10.5), DSC_E_ARG);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_BATCH_SIZE, 4), DSC_E_UNSUPPORTED);
    assert_status(dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_MEASURE_NOISE, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_NOISE_PART, &v), DSC_E_UNSUPPORTED);
    assert_true(v == 0.0);
    assert_status(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_NOISE_BETA, NULL), DSC_E_ARG);
    assert_status(dsc_noise_scale_get(NULL, DSC_TRAINER_PARAM_NOISE_BETA, &v), DSC_E_ARG);
    assert_ok(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_NOISE_BETA, &v));
    assert_true(v == 0.99); /* unchanged by the refused calls */
    assert_ok(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, &v));
    assert_true(v == 50.0);
    assert_status(dsc_noise_scale_reset(NULL), DSC_E_ARG);
    /* norms */
    assert_status(dsc_noise_scale_add_norms(NULL, 1, 1, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_norms(ns, 1, 0, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_norms(ns, 1, 2, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_norms(ns, -1, 1, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_norms(ns, 1, 1, INFINITY, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_norms(ns, NAN, 1, 1, 2), DSC_E_ARG);
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_NOISE_STEPS, &v));
    assert_true(v == 0.0);
    /* the model calls */
    dsc_model *m = linear_model(4), *unbuilt = NULL, *other = NULL;
    float *g = NULL;
    assert_ok(dsc_model_new(&unbuilt, D));
    assert_ok(dsc_model_add_dense(unbuilt, 1, 0));
    assert_ok(dsc_model_new(&other, 3));
    assert_ok(dsc_model_add_dense(other, 1, 0));
    assert_ok(dsc_model_build(other, 4));
    assert_status(dsc_noise_scale_add_part(NULL, m, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_part(ns, NULL, 1, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_part(ns, m, 0, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_part(ns, m, 2, 2), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_part(ns, unbuilt, 1, 2), DSC_E_STATE);
    assert_status(dsc_noise_scale_add_whole(ns, m), DSC_E_STATE); /* no part */
    assert_status(dsc_noise_scale_add_whole(NULL, m), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_whole(ns, NULL), DSC_E_ARG);
    assert_ok(dsc_model_grads(m, &g));
    g[3] = NAN;
    assert_status(dsc_noise_scale_add_part(ns, m, 1, 2), DSC_E_NONFINITE);
    assert_status(dsc_noise_scale_add_whole(ns, m), DSC_E_STATE); /* still none */
    g[3] = 1.0f; /* |g|^2 = 1: the part's mean gradient has |.|^2 = 4 */
    assert_ok(dsc_noise_scale_add_part(ns, m, 1, 2));
    assert_status(dsc_noise_scale_add_whole(ns, other), DSC_E_ARG);
    g[3] = INFINITY;
    assert_status(dsc_noise_scale_add_whole(ns, m), DSC_E_NONFINITE);
    g[3] = 1.5f; /* whole: 2.25; |G|^2 = 2*2.25 - 4 = 0.5, tr = (4 - 2.25)/(1 - 1/2) = 3.5 */
    assert_ok(dsc_noise_scale_add_whole(ns, m));
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_SQ_NORM, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_noise_scale_value(ns, DSC_PROGRESS_GRAD_VARIANCE, &v));
    assert_true(v == 3.5);
    assert_status(dsc_noise_scale_add_whole(ns, m), DSC_E_STATE); /* the pair is used */
    /* losses and values */
    assert_status(dsc_noise_scale_add_loss(NULL, 1, 0, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_loss(ns, NAN, 0, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_loss(ns, 1, INFINITY, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_add_loss(ns, 1, 0, NAN), DSC_E_ARG);
    assert_status(dsc_noise_scale_value(ns, DSC_PROGRESS_LOSS, &v), DSC_E_UNSUPPORTED);
    assert_true(v == 0.0);
    assert_status(dsc_noise_scale_value(ns, DSC_PROGRESS_SUGGESTED_BATCH, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_noise_scale_value(ns, (dsc_progress_key)99, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_noise_scale_value(NULL, DSC_PROGRESS_NOISE_SCALE, &v), DSC_E_ARG);
    assert_status(dsc_noise_scale_value(ns, DSC_PROGRESS_NOISE_SCALE, NULL), DSC_E_ARG);
    /* advice */
    double lr = 7;
    assert_status(dsc_noise_scale_advise(NULL, 0.1, 1, 1, &batch, &lr, NULL, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.1, 1, 1, NULL, &lr, NULL, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.1, 1, 1, &batch, NULL, NULL, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.1, 1, 1, &batch, &lr, NULL, 4), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.0, 1, 1, &batch, &lr, why, sizeof why), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, INFINITY, 1, 1, &batch, &lr, NULL, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.1, 0, 1, &batch, &lr, NULL, 0), DSC_E_ARG);
    assert_status(dsc_noise_scale_advise(ns, 0.1, 1, 0, &batch, &lr, NULL, 0), DSC_E_ARG);
    assert_true(batch == 0 && lr == 0.0);
    /* the trainer's estimator */
    assert_status(dsc_trainer_noise_scale(NULL, &cns), DSC_E_ARG);
    dsc_noise_scale_free(ns);
    dsc_noise_scale_free(NULL);
    dsc_model_free(m);
    dsc_model_free(unbuilt);
    dsc_model_free(other);
}

/* The trainer's new keys: ranges, defaults, the estimator's keys forwarded. */
static void test_noise_trainer_keys(void **state) {
    (void)state;
    double lo = 0, hi = 0, v = 0;
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_MEASURE_NOISE, &lo, &hi));
    assert_true(lo == 0 && hi == 1);
    assert_ok(dsc_trainer_param_default(DSC_TRAINER_PARAM_MEASURE_NOISE, &v));
    assert_true(v == 0);
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_NOISE_PART, &lo, &hi));
    assert_true(lo > 0 && lo < 1e-300 && hi < 1 && hi > 0.999999);
    assert_ok(dsc_trainer_param_default(DSC_TRAINER_PARAM_NOISE_PART, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_NOISE_BETA, &lo, &hi));
    assert_true(lo == 0 && hi == 1);
    assert_ok(dsc_trainer_param_default(DSC_TRAINER_PARAM_NOISE_BETA, &v));
    assert_true(v == 0.99);
    assert_ok(dsc_trainer_param_bounds(DSC_TRAINER_PARAM_LOSS_WINDOW, &lo, &hi));
    assert_true(lo == 3 && hi == 1048576.0);
    assert_ok(dsc_trainer_param_default(DSC_TRAINER_PARAM_LOSS_WINDOW, &v));
    assert_true(v == 50);
    assert_ok(dsc_trainer_param_default(DSC_TRAINER_PARAM_NOISE_INTERVAL, &v));
    assert_true(v == 8);
    assert_status(dsc_trainer_param_default((dsc_trainer_param)35, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_trainer_param_bounds((dsc_trainer_param)29, &lo, &hi), DSC_E_UNSUPPORTED);

    dsc_model *m = linear_model(8);
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    dsc_dataset *ds = NULL;
    dsc_trainer *t = NULL;
    const dsc_noise_scale *ns = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    assert_ok(dsc_dataset_new_targets(&ds, pool_x, pool_t, 64, D, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&t, m, loss, opt, ds));
    assert_status(dsc_trainer_noise_scale(t, NULL), DSC_E_ARG);
    assert_ok(dsc_trainer_noise_scale(t, &ns));
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, 2), DSC_E_ARG);
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_PART, 1), DSC_E_ARG);
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_PART, 0), DSC_E_ARG);
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL, 0), DSC_E_ARG);
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_BETA, -0.1), DSC_E_ARG);
    assert_status(dsc_trainer_set(t, DSC_TRAINER_PARAM_LOSS_WINDOW, 1048577), DSC_E_ARG);
    assert_ok(dsc_trainer_get(t, DSC_TRAINER_PARAM_NOISE_PART, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_PART, 0.25));
    assert_ok(dsc_trainer_get(t, DSC_TRAINER_PARAM_NOISE_PART, &v));
    assert_true(v == 0.25);
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_LOSS_WINDOW, 7));
    assert_ok(dsc_trainer_get(t, DSC_TRAINER_PARAM_LOSS_WINDOW, &v));
    assert_true(v == 7);
    assert_ok(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, &v));
    assert_true(v == 7);
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_BETA, 0.5));
    assert_ok(dsc_noise_scale_get(ns, DSC_TRAINER_PARAM_NOISE_BETA, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_trainer_get(t, DSC_TRAINER_PARAM_MEASURE_NOISE, &v));
    assert_true(v == 0);
    dsc_trainer_free(t);
    dsc_dataset_free(ds);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(m);
}

/* Measuring allocates nothing per step. */
static void test_noise_no_allocation(void **state) {
    (void)state;
    dsc_model *m = linear_model(16);
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    dsc_dataset *ds = NULL;
    dsc_trainer *t = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    assert_ok(dsc_dataset_new_targets(&ds, pool_x, pool_t, 256, D, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&t, m, loss, opt, ds));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, 1));
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, 40)); /* chunks of 16 */
    assert_ok(dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, 3));
    harness_alloc_install(0);
    assert_ok(dsc_trainer_run(t));
    long n = harness_alloc_count();
    harness_alloc_uninstall();
    assert_int_equal(n, 0);
    const dsc_progress *p = NULL;
    double v = 0;
    assert_ok(dsc_trainer_progress(t, &p));
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_NOISE_STEPS, &v));
    assert_true(v == 3.0); /* 21 steps, every 8th measured: steps 0, 8, 16 */
    dsc_trainer_free(t);
    dsc_dataset_free(ds);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noise_closed_form),
        cmocka_unit_test(test_noise_trainer),
        cmocka_unit_test(test_noise_trainer_same_training),
        cmocka_unit_test(test_noise_loss_window),
        cmocka_unit_test(test_noise_norms_and_advice),
        cmocka_unit_test(test_noise_refusals),
        cmocka_unit_test(test_noise_trainer_keys),
        cmocka_unit_test_teardown(test_noise_no_allocation, harness_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, setup_pool, teardown_pool);
}
