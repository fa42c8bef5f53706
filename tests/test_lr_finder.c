/* Finding a learning rate: the range test (exponential sweep, smoothing,
 * divergence stop, suggestion in a sane band, state restored exactly) and
 * grid and random search (trial order, same initial weights, seeded draws,
 * state restored), with their failure paths. */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* y = 2 x0 - 3 x1 + 0.5 on a grid of 64 points, and a validation copy. */
#define N 64
static float xs[N * 2], ys[N];

typedef struct rig {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    dsc_dataset *train, *val;
    dsc_trainer *t;
    size_t np;
} rig;

static void setup(rig *r, dsc_optimizer_kind kind, size_t hidden) {
    for (size_t i = 0; i < N; i++) {
        float a = (float)(i % 8) / 4.0f - 1.0f, b = (float)(i / 8) / 4.0f - 1.0f;
        xs[2 * i] = a;
        xs[2 * i + 1] = b;
        ys[i] = 2.0f * a - 3.0f * b + 0.5f;
    }
    memset(r, 0, sizeof *r);
    assert_ok(dsc_model_new(&r->m, 2));
    if (hidden) {
        assert_ok(dsc_model_add_dense(r->m, hidden, 1));
        assert_ok(dsc_model_add_activation(r->m, DSC_ACTIVATION_TANH));
    }
    assert_ok(dsc_model_add_dense(r->m, 1, 1));
    assert_ok(dsc_model_build(r->m, 16));
    assert_ok(dsc_model_init(r->m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 9));
    assert_ok(dsc_loss_new(&r->loss, DSC_LOSS_MSE));
    float *p = NULL, *g = NULL;
    assert_ok(dsc_optimizer_new(&r->opt, kind));
    assert_ok(dsc_optimizer_set(r->opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    assert_ok(dsc_model_params(r->m, &p));
    assert_ok(dsc_model_grads(r->m, &g));
    assert_ok(dsc_model_param_count(r->m, &r->np));
    assert_ok(dsc_optimizer_add_params(r->opt, p, g, r->np, NULL));
    assert_ok(dsc_dataset_new_targets(&r->train, xs, ys, N, 2, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_new_targets(&r->val, xs, ys, N, 2, 1, DSC_DATASET_COPY));
    assert_ok(dsc_trainer_new(&r->t, r->m, r->loss, r->opt, r->train));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_BATCH_SIZE, 8));
}

static void done(rig *r) {
    dsc_trainer_free(r->t);
    dsc_dataset_free(r->train);
    dsc_dataset_free(r->val);
    dsc_optimizer_free(r->opt);
    dsc_loss_free(r->loss);
    dsc_model_free(r->m);
}

/* Everything the range test and search promise to restore. */
typedef struct snapshot {
    float params[64];
    float state[3][64];
    int in_use[3];
    uint64_t steps;
    double lr;
    double mu;                  /* NAdam's mu_product (state the kind keeps per group) */
    double prog[4];
} snapshot;

static void snap(const rig *r, snapshot *s) {
    float *p = NULL;
    size_t ns = 0;
    assert_true(r->np <= 64);
    memset(s, 0, sizeof *s);
    assert_ok(dsc_model_params(r->m, &p));
    memcpy(s->params, p, r->np * sizeof(float));
    assert_ok(dsc_optimizer_state_count(r->opt, &ns));
    for (size_t i = 0; i < ns; i++) {
        assert_ok(dsc_optimizer_state_in_use(r->opt, 0, i, &s->in_use[i]));
        assert_ok(dsc_optimizer_state_get(r->opt, 0, i, s->state[i], r->np));
    }
    assert_ok(dsc_optimizer_group_step_count(r->opt, 0, &s->steps));
    assert_ok(dsc_optimizer_group_get(r->opt, 0, DSC_OPTIMIZER_PARAM_LR, &s->lr));
    dsc_optimizer_kind kind;
    assert_ok(dsc_optimizer_kind_of(r->opt, &kind));
    if (kind == DSC_OPTIMIZER_NADAM)
        assert_ok(dsc_optimizer_group_get(r->opt, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &s->mu));
    const dsc_progress *pr = NULL;
    assert_ok(dsc_trainer_progress(r->t, &pr));
    const dsc_progress_key keys[4] = {DSC_PROGRESS_EPOCH, DSC_PROGRESS_STEP, DSC_PROGRESS_LOSS, DSC_PROGRESS_REFUSED};
    for (int i = 0; i < 4; i++) assert_ok(dsc_progress_get(pr, keys[i], &s->prog[i]));
}

static void assert_same(const snapshot *a, const snapshot *b) {
    assert_memory_equal(a->params, b->params, sizeof a->params);
    assert_memory_equal(a->state, b->state, sizeof a->state);
    assert_memory_equal(a->in_use, b->in_use, sizeof a->in_use);
    assert_true(a->steps == b->steps);
    assert_true(a->lr == b->lr);
    assert_true(a->mu == b->mu);
    for (int i = 0; i < 4; i++)
        assert_true(a->prog[i] == b->prog[i] || (isnan(a->prog[i]) && isnan(b->prog[i])));
}

/* ---- range test --------------------------------------------------------- */

static void test_lr_finder_sweep_suggests_sane_rate(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    double lrs[100], losses[100], suggested = 0;
    size_t rec = 0;
    assert_ok(dsc_trainer_lr_range_test(r.t, 1e-5, 100.0, 100, lrs, losses, &rec, &suggested));
    /* The lr grows by the same factor every step, from lr_min. */
    assert_true(rec >= 50 && rec < 100); /* lr 100 diverges long before the end */
    assert_true(fabs(lrs[0] - 1e-5) < 1e-18);
    double ratio = pow(1e7, 1.0 / 99.0);
    for (size_t i = 1; i < rec; i++) assert_true(fabs(lrs[i] / lrs[i - 1] - ratio) < 1e-9);
    /* It stopped because the smoothed loss passed 4x the best. */
    double best = INFINITY;
    for (size_t i = 0; i + 1 < rec; i++) best = fmin(best, losses[i]);
    assert_true(!(losses[rec - 1] <= 4 * best));
    /* SGD on this problem is stable up to lr = 1/lambda_max(E[x x^T]) ~ 1.4:
     * the suggestion (argmin / 10) lies well inside. */
    assert_true(suggested > 1e-3 && suggested < 1.0);
    /* The first smoothed loss is the first loss (bias correction). */
    assert_true(isfinite(losses[0]) && losses[0] > 0);
    done(&r);
}

static void test_lr_finder_smoothing_matches_formula(void **state) {
    (void)state;
    /* With lr_min tiny the loss barely moves: the smoothed value after bias
     * correction stays at the raw loss, for any beta. */
    rig r;
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, 0)); /* full batch: the same loss */
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_FINDER_BETA, 0.5));
    double lrs[5], losses[5], v = 0;
    size_t rec = 0;
    assert_ok(dsc_model_evaluate(r.m, r.loss, r.train, &v, NULL));
    assert_ok(dsc_trainer_lr_range_test(r.t, 1e-12, 2e-12, 5, lrs, losses, &rec, NULL));
    assert_int_equal(rec, 5);
    for (int i = 0; i < 5; i++) assert_true(fabs(losses[i] - v) < 1e-6 * v);
    assert_true(lrs[4] == 2e-12);
    done(&r);
}

static void test_lr_finder_restores_model_and_optimizer(void **state) {
    (void)state;
    /* Rprop: both buffers start lazily, the step sizes from the lr of the first step */
    const dsc_optimizer_kind kinds[4] = {DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_NADAM,
                                         DSC_OPTIMIZER_RPROP};
    for (int k = 0; k < 4; k++) {
        rig r;
        setup(&r, kinds[k], 4);
        if (kinds[k] == DSC_OPTIMIZER_SGD) {
            assert_ok(dsc_optimizer_set(r.opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
            assert_ok(dsc_optimizer_set(r.opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.3));
        }
        snapshot before, after;
        /* Fresh optimizer (SGD: momentum buffer not in use yet). */
        snap(&r, &before);
        assert_ok(dsc_trainer_lr_range_test(r.t, 1e-4, 10, 30, NULL, NULL, NULL, NULL));
        snap(&r, &after);
        assert_same(&before, &after);
        /* After some training, with state in use. */
        assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 2));
        assert_ok(dsc_trainer_run(r.t));
        snap(&r, &before);
        assert_ok(dsc_trainer_lr_range_test(r.t, 1e-4, 10, 30, NULL, NULL, NULL, NULL));
        snap(&r, &after);
        assert_same(&before, &after);
        /* Training goes on exactly as if the test had not run: compare with a twin. */
        rig twin;
        setup(&twin, kinds[k], 4);
        if (kinds[k] == DSC_OPTIMIZER_SGD) {
            assert_ok(dsc_optimizer_set(twin.opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
            assert_ok(dsc_optimizer_set(twin.opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.3));
        }
        assert_ok(dsc_trainer_set(twin.t, DSC_TRAINER_PARAM_EPOCHS, 2));
        assert_ok(dsc_trainer_run(twin.t));
        assert_ok(dsc_trainer_run(twin.t));
        assert_ok(dsc_trainer_run(r.t));
        snapshot a, b;
        snap(&r, &a);
        snap(&twin, &b);
        assert_memory_equal(a.params, b.params, sizeof a.params);
        done(&twin);
        done(&r);
    }
}

static void test_lr_finder_failure_paths(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_ADAM, 0);
    snapshot before, after;
    snap(&r, &before);
    double lrs[4], losses[4], sug = -1;
    size_t rec = 99;
    assert_status(dsc_trainer_lr_range_test(NULL, 1e-3, 1, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, 0, 1, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, -1, 1, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, NAN, 1, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, 1, 1, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, 1, 0.5, 4, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, 1e-3, INFINITY, 4, lrs, losses, &rec, &sug),
                  DSC_E_ARG);
    assert_status(dsc_trainer_lr_range_test(r.t, 1e-3, 1, 1, lrs, losses, &rec, &sug), DSC_E_ARG);
    assert_int_equal(rec, 99);
    assert_true(sug == -1);
    snap(&r, &after);
    assert_same(&before, &after);
    done(&r);

    /* Not one finite loss: DSC_E_NONFINITE, state restored. */
    float x[2] = {1e20f, 1e20f}, y[2] = {0, 0};
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    dsc_dataset *bad = NULL;
    dsc_model *m1 = NULL;
    dsc_trainer *t = NULL;
    assert_ok(dsc_model_new(&m1, 1));
    assert_ok(dsc_model_add_dense(m1, 1, 1));
    assert_ok(dsc_model_build(m1, 2));
    dsc_optimizer *o = NULL;
    float *p = NULL, *g = NULL;
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_model_params(m1, &p));
    assert_ok(dsc_model_grads(m1, &g));
    assert_ok(dsc_optimizer_add_params(o, p, g, 2, NULL));
    assert_ok(dsc_dataset_new_targets(&bad, x, y, 2, 1, 1, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&t, m1, r.loss, o, bad));
    float p0[2] = {p[0], p[1]};
    rec = 0;
    assert_status(dsc_trainer_lr_range_test(t, 1e-3, 1, 4, lrs, losses, &rec, &sug), DSC_E_NONFINITE);
    assert_memory_equal(p, p0, sizeof p0);
    dsc_trainer_free(t);
    dsc_dataset_free(bad);
    dsc_optimizer_free(o);
    dsc_model_free(m1);
    done(&r);
}

/* ---- search --------------------------------------------------------------- */

static void test_search_grid_finds_good_lr_and_restores(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    dsc_search *s = NULL;
    assert_ok(dsc_search_new(&s, DSC_SEARCH_GRID));
    const double lrs[4] = {1e-4, 0.1, 0.1, 50.0};
    assert_ok(dsc_search_set_lrs(s, lrs, 4));
    assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_EPOCHS, 5));
    snapshot before, after;
    snap(&r, &before);
    assert_ok(dsc_trainer_search(r.t, s));
    snap(&r, &after);
    assert_same(&before, &after);
    double bs = 0;
    assert_ok(dsc_trainer_get(r.t, DSC_TRAINER_PARAM_BATCH_SIZE, &bs));
    assert_true(bs == 8);
    size_t n = 0, best = 99, b = 0;
    assert_ok(dsc_search_trial_count(s, &n));
    assert_int_equal(n, 4);
    double lr[4], v[4];
    dsc_lr_scheduler_kind k;
    for (size_t i = 0; i < 4; i++) {
        assert_ok(dsc_search_trial(s, i, &lr[i], &b, &k, &v[i]));
        assert_true(lr[i] == lrs[i]);
        assert_int_equal(b, 8);
        assert_int_equal(k, DSC_SCHED_CONSTANT);
    }
    assert_true(v[1] == v[2]); /* same lr, same initial weights, same seed: same score */
    assert_true(v[1] < v[0]);
    assert_true(isinf(v[3]) || v[3] > v[1]); /* 50 diverges */
    assert_ok(dsc_search_best(s, &best));
    assert_int_equal(best, 1);
    assert_true(v[1] < 0.05 * v[0]); /* far below the initial loss (v[0] barely moved) */
    /* Training after the search continues as if it had not run. */
    assert_ok(dsc_search_trial(s, 3, NULL, NULL, NULL, NULL));
    assert_status(dsc_search_trial(s, 4, NULL, NULL, NULL, NULL), DSC_E_ARG);
    dsc_search_free(s);
    done(&r);
}

static void test_search_grid_over_batch_and_schedule(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    dsc_search *s = NULL;
    assert_ok(dsc_search_new(&s, DSC_SEARCH_GRID));
    const double lrs[2] = {0.01, 0.1};
    const size_t sizes[3] = {1, 16, 0};
    const dsc_lr_scheduler_kind kinds[5] = {DSC_SCHED_CONSTANT, DSC_SCHED_STEP,
                                            DSC_SCHED_EXPONENTIAL, DSC_SCHED_COSINE,
                                            DSC_SCHED_INVERSE_TIME};
    assert_ok(dsc_search_set_lrs(s, lrs, 2));
    assert_ok(dsc_search_set_batch_sizes(s, sizes, 3));
    assert_ok(dsc_search_set_schedules(s, kinds, 5));
    assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_EPOCHS, 3));
    assert_ok(dsc_trainer_search(r.t, s));
    size_t n = 0;
    assert_ok(dsc_search_trial_count(s, &n));
    assert_int_equal(n, 30);
    for (size_t i = 0; i < n; i++) {
        double lr, v;
        size_t b;
        dsc_lr_scheduler_kind k;
        assert_ok(dsc_search_trial(s, i, &lr, &b, &k, &v));
        assert_true(lr == lrs[i / 15]);
        assert_int_equal(b, sizes[(i / 5) % 3]);
        assert_int_equal(k, kinds[i % 5]);
        assert_true(isfinite(v));
    }
    /* Full batch with lr 0.01 for 3 epochs barely moves; batch 1 with lr 0.1 gets close. */
    double v_slow, v_fast;
    assert_ok(dsc_search_trial(s, 10, NULL, NULL, NULL, &v_slow));
    assert_ok(dsc_search_trial(s, 15, NULL, NULL, NULL, &v_fast));
    assert_true(v_fast < v_slow);
    /* The trainer's own scheduler is untouched by the search. */
    dsc_search_free(s);
    done(&r);
}

static void test_search_random_is_seeded(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_ADAM, 0);
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    dsc_search *a = NULL, *b = NULL;
    assert_ok(dsc_search_new(&a, DSC_SEARCH_RANDOM));
    assert_ok(dsc_search_new(&b, DSC_SEARCH_RANDOM));
    const size_t sizes[2] = {4, 32};
    for (int j = 0; j < 2; j++) {
        dsc_search *s = j ? b : a;
        assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_TRIALS, 6));
        assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_SEED, 5));
        assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_LR_MIN, 1e-3));
        assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_LR_MAX, 1e-1));
        assert_ok(dsc_search_set_batch_sizes(s, sizes, 2));
    }
    assert_ok(dsc_trainer_search(r.t, a));
    assert_ok(dsc_trainer_search(r.t, b));
    int distinct = 0;
    for (size_t i = 0; i < 6; i++) {
        double la, lb, va, vb;
        size_t ba, bb;
        assert_ok(dsc_search_trial(a, i, &la, &ba, NULL, &va));
        assert_ok(dsc_search_trial(b, i, &lb, &bb, NULL, &vb));
        assert_true(la == lb && ba == bb && va == vb);
        assert_true(la >= 1e-3 && la <= 1e-1);
        assert_true(ba == 4 || ba == 32);
        if (i > 0) {
            double l0;
            assert_ok(dsc_search_trial(a, 0, &l0, NULL, NULL, NULL));
            distinct |= la != l0;
        }
    }
    assert_true(distinct);
    /* Another seed, other draws. */
    assert_ok(dsc_search_set(b, DSC_SEARCH_PARAM_SEED, 6));
    assert_ok(dsc_trainer_search(r.t, b));
    double la, lb;
    assert_ok(dsc_search_trial(a, 0, &la, NULL, NULL, NULL));
    assert_ok(dsc_search_trial(b, 0, &lb, NULL, NULL, NULL));
    assert_true(la != lb);
    size_t best = 0;
    assert_ok(dsc_search_best(a, &best));
    dsc_search_free(a);
    dsc_search_free(b);
    done(&r);
}

/* A search that trains with NAdam gives back its mu_product (a state key the
 * snapshot learns from the optimizer's kind table, not from its name). */
static void test_search_restores_nadam_state(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_NADAM, 4);
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    assert_ok(dsc_trainer_run(r.t));
    snapshot before, after;
    snap(&r, &before);
    assert_true(before.mu < 1.0);
    dsc_search *s = NULL;
    assert_ok(dsc_search_new(&s, DSC_SEARCH_RANDOM));
    assert_ok(dsc_search_set(s, DSC_SEARCH_PARAM_TRIALS, 2));
    assert_ok(dsc_trainer_search(r.t, s));
    snap(&r, &after);
    assert_same(&before, &after);
    dsc_search_free(s);
    done(&r);
}

static void test_search_settings(void **state) {
    (void)state;
    dsc_search *g = NULL, *rs = NULL;
    assert_ok(dsc_search_new(&g, DSC_SEARCH_GRID));
    assert_ok(dsc_search_new(&rs, DSC_SEARCH_RANDOM));
    /* Bad values on a random search: refused with the range, nothing changed. */
    const struct { dsc_search_param key; double bad; } bad[] = {
        {DSC_SEARCH_PARAM_EPOCHS, 0}, {DSC_SEARCH_PARAM_EPOCHS, 1.5}, {DSC_SEARCH_PARAM_EPOCHS, NAN},
        {DSC_SEARCH_PARAM_TRIALS, 0}, {DSC_SEARCH_PARAM_TRIALS, 2e6}, {DSC_SEARCH_PARAM_SEED, -1},
        {DSC_SEARCH_PARAM_SEED, 0.25}, {DSC_SEARCH_PARAM_LR_MIN, 0}, {DSC_SEARCH_PARAM_LR_MIN, INFINITY},
        {DSC_SEARCH_PARAM_LR_MAX, -1}, {DSC_SEARCH_PARAM_LR_MAX, NAN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double before = 0, after = 1;
        assert_ok(dsc_search_get(rs, bad[i].key, &before));
        assert_status(dsc_search_set(rs, bad[i].key, bad[i].bad), DSC_E_ARG);
        assert_ok(dsc_search_get(rs, bad[i].key, &after));
        assert_true(before == after);
    }
    assert_status(dsc_search_set(rs, DSC_SEARCH_PARAM_TRIALS, 2e6), DSC_E_ARG);
    assert_string_equal(dsc_last_error(),
                        "dsc_search_set: trials is 2e+06; it must be an integer in [1, 2^20]");
    assert_status(dsc_search_set(g, DSC_SEARCH_PARAM_EPOCHS, 0), DSC_E_ARG);
    /* Defaults, and the default query agrees with a new search. */
    const dsc_search_param keys[5] = {DSC_SEARCH_PARAM_EPOCHS, DSC_SEARCH_PARAM_TRIALS,
                                      DSC_SEARCH_PARAM_SEED, DSC_SEARCH_PARAM_LR_MIN,
                                      DSC_SEARCH_PARAM_LR_MAX};
    const double want[5] = {1, 10, 0, 1e-4, 1};
    for (size_t i = 0; i < 5; i++) {
        double v = -1, def = -2, lo = -3, hi = -3;
        assert_ok(dsc_search_get(rs, keys[i], &v));
        assert_true(v == want[i]);
        assert_ok(dsc_search_param_default(DSC_SEARCH_RANDOM, keys[i], &def));
        assert_true(def == want[i]);
        assert_ok(dsc_search_param_bounds(DSC_SEARCH_RANDOM, keys[i], &lo, &hi));
        assert_true(lo <= def && def <= hi);
        assert_ok(dsc_search_set(rs, keys[i], lo)); /* both ends are accepted */
        assert_ok(dsc_search_set(rs, keys[i], hi));
        /* A grid uses only the epochs: the random search's keys are unsupported there. */
        dsc_status want_s = keys[i] == DSC_SEARCH_PARAM_EPOCHS ? DSC_OK : DSC_E_UNSUPPORTED;
        double gv = -5, glo = -5, ghi = -5, gdef = -5;
        assert_status(dsc_search_get(g, keys[i], &gv), want_s);
        assert_status(dsc_search_set(g, keys[i], want[i]), want_s);
        assert_status(dsc_search_param_bounds(DSC_SEARCH_GRID, keys[i], &glo, &ghi), want_s);
        assert_status(dsc_search_param_default(DSC_SEARCH_GRID, keys[i], &gdef), want_s);
        if (want_s == DSC_OK) {
            assert_true(gdef == def && glo == lo && ghi == hi);
        } else {
            assert_true(gv == -5 && glo == -5 && ghi == -5 && gdef == -5);
        }
    }
    double lo = 0, hi = 0, v = 0;
    assert_ok(dsc_search_param_bounds(DSC_SEARCH_RANDOM, DSC_SEARCH_PARAM_LR_MIN, &lo, &hi));
    assert_true(lo == nextafter(0.0, 1.0) && hi == 4294967296.0); /* the optimizer's lr bound */
    assert_ok(dsc_search_param_bounds(DSC_SEARCH_RANDOM, DSC_SEARCH_PARAM_LR_MAX, &lo, &hi));
    assert_true(lo == nextafter(0.0, 1.0) && hi == 4294967296.0);
    assert_status(dsc_search_set(g, DSC_SEARCH_PARAM_LR_MAX, 1e10), DSC_E_UNSUPPORTED); /* grid */
    assert_ok(dsc_search_param_bounds(DSC_SEARCH_RANDOM, DSC_SEARCH_PARAM_TRIALS, &lo, &hi));
    assert_true(lo == 1 && hi == 1048576.0);
    assert_status(dsc_search_set(g, DSC_SEARCH_PARAM_TRIALS, 5), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_search_set: a grid search has no setting with key 2");
    /* Unknown keys and kinds; NULL pointers. */
    assert_status(dsc_search_set(rs, (dsc_search_param)99, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_search_get(rs, (dsc_search_param)99, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_search_get(g, (dsc_search_param)0, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_search_param_bounds((dsc_search_kind)3, DSC_SEARCH_PARAM_EPOCHS, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_search_param_bounds: kind 3 is not a dsc_search_kind");
    assert_status(dsc_search_param_default((dsc_search_kind)0, DSC_SEARCH_PARAM_EPOCHS, &v),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_search_param_bounds(DSC_SEARCH_GRID, DSC_SEARCH_PARAM_EPOCHS, NULL, &hi),
                  DSC_E_ARG);
    assert_status(dsc_search_param_bounds(DSC_SEARCH_GRID, DSC_SEARCH_PARAM_EPOCHS, &lo, NULL),
                  DSC_E_ARG);
    assert_status(dsc_search_param_default(DSC_SEARCH_GRID, DSC_SEARCH_PARAM_EPOCHS, NULL), DSC_E_ARG);
    assert_status(dsc_search_set(NULL, DSC_SEARCH_PARAM_EPOCHS, 1), DSC_E_ARG);
    assert_status(dsc_search_get(NULL, DSC_SEARCH_PARAM_EPOCHS, &v), DSC_E_ARG);
    assert_status(dsc_search_get(g, DSC_SEARCH_PARAM_EPOCHS, NULL), DSC_E_ARG);
    dsc_search_free(g);
    dsc_search_free(rs);
}

static void test_search_failure_paths(void **state) {
    (void)state;
    rig r;
    setup(&r, DSC_OPTIMIZER_SGD, 0);
    dsc_search *s = (dsc_search *)(uintptr_t)1;
    assert_status(dsc_search_new(NULL, DSC_SEARCH_GRID), DSC_E_ARG);
    assert_status(dsc_search_new(&s, (dsc_search_kind)7), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_search_new: kind 7 is not a dsc_search_kind");
    assert_null(s);
    assert_ok(dsc_search_new(&s, DSC_SEARCH_GRID));
    dsc_search_free(NULL);
    /* Candidates. */
    const double lrs[2] = {0.1, -1}, nan_lr[1] = {NAN};
    const size_t sizes[1] = {(size_t)1 << 32};
    const dsc_lr_scheduler_kind kinds[2] = {DSC_SCHED_COSINE, DSC_SCHED_ONE_CYCLE};
    assert_status(dsc_search_set_lrs(NULL, lrs, 1), DSC_E_ARG);
    assert_status(dsc_search_set_lrs(s, NULL, 1), DSC_E_ARG);
    assert_status(dsc_search_set_lrs(s, lrs, 0), DSC_E_ARG);
    assert_status(dsc_search_set_lrs(s, lrs, 2), DSC_E_ARG);
    assert_status(dsc_search_set_lrs(s, nan_lr, 1), DSC_E_ARG);
    assert_status(dsc_search_set_batch_sizes(s, sizes, 1), DSC_E_ARG);
    assert_status(dsc_search_set_batch_sizes(s, NULL, 1), DSC_E_ARG);
    assert_status(dsc_search_set_schedules(s, kinds, 2), DSC_E_UNSUPPORTED);
    assert_status(dsc_search_set_schedules(s, kinds, 0), DSC_E_ARG);
    /* Running: no validation set, then a grid without lrs. */
    size_t n = 9, best = 9;
    assert_status(dsc_trainer_search(NULL, s), DSC_E_ARG);
    assert_status(dsc_trainer_search(r.t, NULL), DSC_E_ARG);
    assert_status(dsc_trainer_search(r.t, s), DSC_E_STATE);
    assert_ok(dsc_trainer_set_validation(r.t, r.val));
    assert_status(dsc_trainer_search(r.t, s), DSC_E_STATE);
    assert_ok(dsc_search_trial_count(s, &n));
    assert_int_equal(n, 0);
    assert_status(dsc_search_best(s, &best), DSC_E_STATE);
    assert_status(dsc_search_best(NULL, &best), DSC_E_ARG);
    assert_status(dsc_search_trial_count(NULL, &n), DSC_E_ARG);
    assert_status(dsc_search_trial(NULL, 0, NULL, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_search_trial(s, 0, NULL, NULL, NULL, NULL), DSC_E_ARG);
    /* Random search with lr_max < lr_min. */
    dsc_search *rs = NULL;
    assert_ok(dsc_search_new(&rs, DSC_SEARCH_RANDOM));
    assert_ok(dsc_search_set(rs, DSC_SEARCH_PARAM_LR_MIN, 0.5));
    assert_ok(dsc_search_set(rs, DSC_SEARCH_PARAM_LR_MAX, 0.1));
    assert_status(dsc_trainer_search(r.t, rs), DSC_E_ARG);
    /* Every trial diverged: no best. The largest lr drives the parameters
     * out of the float range within a few steps; the optimizer refuses
     * those steps, and here one refused batch ends a trial. */
    const double huge[1] = {4294967296.0};
    assert_ok(dsc_search_set_lrs(s, huge, 1));
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_MAX_NONFINITE, 1));
    assert_ok(dsc_trainer_search(r.t, s));
    double score = 0;
    assert_ok(dsc_search_trial(s, 0, NULL, NULL, NULL, &score));
    assert_true(isinf(score));
    assert_status(dsc_search_best(s, &best), DSC_E_STATE);
    dsc_search_free(rs);
    dsc_search_free(s);
    done(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lr_finder_sweep_suggests_sane_rate),
        cmocka_unit_test(test_lr_finder_smoothing_matches_formula),
        cmocka_unit_test(test_lr_finder_restores_model_and_optimizer),
        cmocka_unit_test(test_lr_finder_failure_paths),
        cmocka_unit_test(test_search_grid_finds_good_lr_and_restores),
        cmocka_unit_test(test_search_restores_nadam_state),
        cmocka_unit_test(test_search_settings),
        cmocka_unit_test(test_search_grid_over_batch_and_schedule),
        cmocka_unit_test(test_search_random_is_seeded),
        cmocka_unit_test(test_search_failure_paths),
    };
    return cmocka_run_group_tests_name("lr_finder", tests, NULL, NULL);
}
