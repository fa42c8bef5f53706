/* Learning-rate schedulers: every kind's failure paths, composition edge
 * cases, per-group base lrs, momentum cycling on SGD and Adam, state save and
 * load, refused steps that change nothing, and no allocation per step. The
 * PyTorch sequences themselves are checked by descent-conform. */
#include "harness.h"
#include "sched/sched_impl.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define NG_MAX 4
static float params[NG_MAX][3], grads[NG_MAX][3];

/* An optimizer of `kind` with `ng` groups whose lrs are lr0, lr0/10, ... */
static dsc_optimizer *make_opt(dsc_optimizer_kind kind, size_t ng, double lr0) {
    dsc_optimizer *o = NULL;
    assert_ok(dsc_optimizer_new(&o, kind));
    for (size_t g = 0; g < ng; g++) {
        assert_ok(dsc_optimizer_add_params(o, params[g], grads[g], 3, NULL));
        assert_ok(dsc_optimizer_group_set(o, g, DSC_OPTIMIZER_PARAM_LR, lr0 / pow(10.0, (double)g)));
    }
    return o;
}

static double group_lr(const dsc_optimizer *o, size_t g) {
    double v = -1;
    assert_ok(dsc_optimizer_group_get(o, g, DSC_OPTIMIZER_PARAM_LR, &v));
    return v;
}

static dsc_lr_scheduler *make(dsc_lr_scheduler_kind kind, dsc_optimizer *o) {
    dsc_lr_scheduler *s = NULL;
    assert_ok(dsc_lr_scheduler_new(&s, kind, o));
    return s;
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) <= 1e-12 + 1e-9 * fabs(b))
#define assert_msg(sub) \
    do { if (strstr(dsc_last_error(), sub) == NULL) fail_msg("message '%s' lacks '%s'", dsc_last_error(), sub); } while (0)

/* ------------------------------------------------------------------ */

static void test_sched_new_validation(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1), *empty = NULL;
    dsc_lr_scheduler *s = (dsc_lr_scheduler *)(uintptr_t)1;
    assert_status(dsc_lr_scheduler_new(NULL, DSC_SCHED_STEP, o), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_new(&s, (dsc_lr_scheduler_kind)0, o), DSC_E_UNSUPPORTED);
    assert_null(s);
    s = (dsc_lr_scheduler *)(uintptr_t)1;
    assert_status(dsc_lr_scheduler_new(&s, (dsc_lr_scheduler_kind)99, o), DSC_E_UNSUPPORTED);
    assert_null(s);
    assert_msg("dsc_lr_scheduler_new: kind 99 is not a dsc_lr_scheduler_kind");
    assert_status(dsc_lr_scheduler_new(&s, DSC_SCHED_STEP, NULL), DSC_E_ARG);
    assert_ok(dsc_optimizer_new(&empty, DSC_OPTIMIZER_SGD));
    assert_status(dsc_lr_scheduler_new(&s, DSC_SCHED_STEP, empty), DSC_E_STATE);
    assert_null(s);
    assert_msg("no parameter group");
    dsc_lr_scheduler_free(NULL);
    dsc_optimizer_free(empty);
    dsc_optimizer_free(o);
}

/* The tables of every kind fit the engine's fixed sizes and agree with
 * themselves, so a new kind file is checked here without further tests. */
static void test_sched_kind_tables(void **state) {
    (void)state;
    assert_null(dsc__sched_kind(0));
    assert_null(dsc__sched_kind(DSC_SCHED_INVERSE_TIME + 1));
    for (int k = DSC_SCHED_CONSTANT; k <= DSC_SCHED_INVERSE_TIME; k++) {
        const dsc__sched_vt *vt = dsc__sched_kind(k);
        assert_non_null(vt);
        assert_int_equal(vt->kind, k);
        assert_true(vt->nhp <= DSC__SCHED_MAX_HP && vt->nvars <= DSC__SCHED_MAX_VARS);
        assert_true((vt->nhp == 0) == (vt->hp == NULL) && (vt->nvars == 0) == (vt->vars == NULL));
        size_t per_group = 0;
        for (size_t i = 0; i < vt->nhp; i++) {
            const dsc__setting *row = &vt->hp[i];
            per_group += (row->flags & DSC__SCHED_PER_GROUP) != 0;
            if (row->flags & DSC__SET_REQUIRED) assert_true(isnan(row->def));
            else if (!isnan(row->def)) assert_ok(dsc__setting_check(row, row->def, vt->name));
            for (size_t j = 0; j < i; j++) assert_int_not_equal(vt->hp[j].key, row->key);
        }
        assert_true(per_group <= DSC__SCHED_GROUP_SLOTS);
        /* A formula, or hooks that replace it; containers are the ones that start and step children. */
        assert_true(vt->lr != NULL || vt->step != NULL || (vt->flags & DSC__SV_CONTAINER));
        assert_true(!(vt->flags & DSC__SV_CONTAINER) || (vt->start != NULL && vt->step != NULL));
        assert_true(!(vt->flags & DSC__SV_STRICT_MILESTONES) || (vt->flags & DSC__SV_MILESTONES));
        assert_true((vt->cycles_momentum == NULL) == (vt->start_momentum == NULL));
    }
}

/* Bad values per kind: each refused with DSC_E_ARG, the message giving the
 * range, the stored value unchanged. */
static const struct {
    dsc_lr_scheduler_kind kind;
    dsc_sched_param key;
    double bad;
    const char *range;
} bad_values[] = {
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_STEP_SIZE, 0, "an integer in [1, "},
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_STEP_SIZE, 2.5, "an integer"},
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, 0, "> 0"},
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, -0.5, "> 0"},
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, NAN, "> 0"},
    {DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, INFINITY, "a finite number > 0"},
    {DSC_SCHED_MULTI_STEP, DSC_SCHED_PARAM_GAMMA, 0, "> 0"},
    {DSC_SCHED_EXPONENTIAL, DSC_SCHED_PARAM_GAMMA, -1, "> 0"},
    {DSC_SCHED_CONSTANT_LR, DSC_SCHED_PARAM_FACTOR, 0, "(0, 1]"},
    {DSC_SCHED_CONSTANT_LR, DSC_SCHED_PARAM_FACTOR, 1.5, "(0, 1]"},
    {DSC_SCHED_CONSTANT_LR, DSC_SCHED_PARAM_TOTAL_ITERS, 0, "[1, "},
    {DSC_SCHED_LINEAR, DSC_SCHED_PARAM_START_FACTOR, 0, "(0, 1]"},
    {DSC_SCHED_LINEAR, DSC_SCHED_PARAM_START_FACTOR, 1.01, "(0, 1]"},
    {DSC_SCHED_LINEAR, DSC_SCHED_PARAM_END_FACTOR, -0.1, "[0, 1]"},
    {DSC_SCHED_LINEAR, DSC_SCHED_PARAM_END_FACTOR, 1.1, "[0, 1]"},
    {DSC_SCHED_LINEAR, DSC_SCHED_PARAM_TOTAL_ITERS, 0, "[1, "},
    {DSC_SCHED_POLYNOMIAL, DSC_SCHED_PARAM_POWER, -1, ">= 0"},
    {DSC_SCHED_POLYNOMIAL, DSC_SCHED_PARAM_TOTAL_ITERS, -3, "[1, "},
    {DSC_SCHED_COSINE, DSC_SCHED_PARAM_T_MAX, 0, "[1, "},
    {DSC_SCHED_COSINE, DSC_SCHED_PARAM_ETA_MIN, -0.001, "in [0, 2^32]"},
    {DSC_SCHED_COSINE, DSC_SCHED_PARAM_ETA_MIN, 1e10, "in [0, 2^32]"}, /* the optimizer's largest lr */
    {DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_T_0, 0, "[1, "},
    {DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_T_MULT, 0, "an integer in [1, 2^20]"},
    {DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_T_MULT, 1.5, "an integer"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_STEP_SIZE_UP, 0, "(0, "},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_STEP_SIZE_DOWN, -1, "[0, "},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_MODE, 3, "[0, 2]"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_GAMMA, 0, "> 0"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_MAX_LR, -1, "in [0, 2^32]"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_MAX_LR, DBL_MAX, "in [0, 2^32]"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_MAX_LR, 1e300, "in [0, 2^32]"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_BASE_LR, 5e9, "in [0, 2^32]"},
    {DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_ETA_MIN, 5e9, "in [0, 2^32]"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_BASE_MOMENTUM, 1.0, "[0, 1)"},
    {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_CYCLE_MOMENTUM, 2, "0 or 1"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_TOTAL_STEPS, 0, "[1, "},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_PCT_START, 1.5, "[0, 1]"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_DIV_FACTOR, 0, "> 0"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_FINAL_DIV_FACTOR, -2, "> 0"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_ANNEAL_STRATEGY, 2, "[0, 1]"},
    {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_MAX_MOMENTUM, -0.1, "[0, 1)"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_FACTOR, 1.0, "[0, 1)"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_PATIENCE, -1, "[0, "},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_PLATEAU_MODE, 2, "[0, 1]"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_THRESHOLD_MODE, -1, "[0, 1]"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_MIN_LR, -1e-3, "in [0, 2^32]"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_MIN_LR, 5e9, "in [0, 2^32]"},
    {DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_EPS, NAN, ">= 0"},
    {DSC_SCHED_INVERSE_TIME, DSC_SCHED_PARAM_DECAY_STEPS, 0, "> 0"},
    {DSC_SCHED_INVERSE_TIME, DSC_SCHED_PARAM_DECAY_RATE, -0.5, ">= 0"},
    {DSC_SCHED_INVERSE_TIME, DSC_SCHED_PARAM_STAIRCASE, 0.5, "0 or 1"},
};

static void test_sched_set_refuses_bad_values(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        dsc_lr_scheduler *s = make(bad_values[i].kind, o);
        double before = -7, after = -7;
        dsc_status had = dsc_lr_scheduler_get(s, bad_values[i].key, &before);
        dsc_status st = dsc_lr_scheduler_set(s, bad_values[i].key, bad_values[i].bad);
        if (st != DSC_E_ARG) fail_msg("case %zu: set returned %s", i, dsc_status_name(st));
        assert_msg(bad_values[i].range);
        assert_msg("dsc_lr_scheduler_set: ");
        assert_int_equal(dsc_lr_scheduler_get(s, bad_values[i].key, &after), had);
        if (had == DSC_OK) assert_true(before == after);
        dsc_lr_scheduler_free(s);
    }
    dsc_optimizer_free(o);
}

static void test_sched_set_unknown_key_and_get(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_STEP, o);
    double v = 5;
    assert_status(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 10), DSC_E_UNSUPPORTED);
    assert_msg("dsc_lr_scheduler_set: StepLR has no setting with key 200");
    assert_status(dsc_lr_scheduler_set(s, (dsc_sched_param)9999, 10), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_T_MAX, &v), DSC_E_UNSUPPORTED);
    assert_true(v == 0); /* the neutral value on failure */
    assert_status(dsc_lr_scheduler_set(NULL, DSC_SCHED_PARAM_GAMMA, 0.5), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_GAMMA, NULL), DSC_E_ARG);
    v = 5;
    assert_status(dsc_lr_scheduler_get(NULL, DSC_SCHED_PARAM_GAMMA, &v), DSC_E_ARG);
    assert_true(v == 0);
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_GAMMA, &v));
    assert_true(v == 0.1); /* PyTorch's default */
    assert_status(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 0), DSC_E_ARG);
    assert_string_equal(dsc_last_error(),
                        "dsc_lr_scheduler_set: StepLR: step_size is 0; it must be an integer in [1, 2^53]");
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_STEP_SIZE, &v), DSC_E_STATE); /* required, unset */
    assert_msg("StepLR step_size is not set");
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 3));
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_STEP_SIZE, &v));
    assert_true(v == 3);
    dsc_lr_scheduler_free(s);
    /* Defaults that follow other keys. */
    s = make(DSC_SCHED_CYCLIC, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, 7));
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_STEP_SIZE_DOWN, &v));
    assert_true(v == 7);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_DOWN, 3));
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_STEP_SIZE_DOWN, &v));
    assert_true(v == 3);
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_BASE_LR, &v), DSC_E_STATE);
    assert_msg("each group's lr at start is its base_lr");
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_MAX_LR, &v), DSC_E_STATE); /* required */
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_BASE_LR, 0.01));
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_BASE_LR, &v));
    assert_true(v == 0.01);
    dsc_lr_scheduler_free(s);
    s = make(DSC_SCHED_ONE_CYCLE, o);
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_TOTAL_STEPS, &v), DSC_E_STATE);
    assert_msg("epochs and steps_per_epoch");
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_EPOCHS, &v), DSC_E_STATE);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_EPOCHS, 4));
    assert_status(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_TOTAL_STEPS, &v), DSC_E_STATE); /* half given */
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEPS_PER_EPOCH, 25));
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_TOTAL_STEPS, &v));
    assert_true(v == 100);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 30)); /* wins over the product */
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_TOTAL_STEPS, &v));
    assert_true(v == 30);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

static void test_sched_param_bounds(void **state) {
    (void)state;
    double lo, hi;
    assert_ok(dsc_lr_scheduler_param_bounds(DSC_SCHED_CONSTANT_LR, DSC_SCHED_PARAM_FACTOR, &lo, &hi));
    assert_true(lo > 0 && lo < 1e-300 && hi == 1.0);
    assert_ok(dsc_lr_scheduler_param_bounds(DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_FACTOR, &lo, &hi));
    assert_true(lo == 0 && hi < 1.0 && hi > 0.999999);
    assert_ok(dsc_lr_scheduler_param_bounds(DSC_SCHED_EXPONENTIAL, DSC_SCHED_PARAM_GAMMA, &lo, &hi));
    assert_true(hi > 1e308);
    assert_ok(dsc_lr_scheduler_param_bounds(DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_CYCLE_MOMENTUM, &lo, &hi));
    assert_true(lo == 0 && hi == 1);
    assert_ok(dsc_lr_scheduler_param_bounds(DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_T_MULT, &lo, &hi));
    assert_true(lo == 1 && hi == 1048576);
    assert_status(dsc_lr_scheduler_param_bounds(DSC_SCHED_STEP, DSC_SCHED_PARAM_T_0, &lo, &hi), DSC_E_UNSUPPORTED);
    assert_true(lo == 0 && hi == 0);
    assert_msg("dsc_lr_scheduler_param_bounds: StepLR has no setting with key 202");
    assert_status(dsc_lr_scheduler_param_bounds((dsc_lr_scheduler_kind)99, DSC_SCHED_PARAM_GAMMA, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_msg("dsc_lr_scheduler_param_bounds: kind 99 is not a dsc_lr_scheduler_kind");
    assert_status(dsc_lr_scheduler_param_bounds((dsc_lr_scheduler_kind)0, DSC_SCHED_PARAM_GAMMA, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_param_bounds(DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, NULL, &hi), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_param_bounds(DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, &lo, NULL), DSC_E_ARG);
    /* Every key a kind uses has bounds and a default that a new scheduler agrees with. */
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    for (int k = DSC_SCHED_CONSTANT; k <= DSC_SCHED_INVERSE_TIME; k++) {
        dsc_lr_scheduler *s = make((dsc_lr_scheduler_kind)k, o);
        for (int key = 100; key < 600; key++) {
            double def, got;
            dsc_status st = dsc_lr_scheduler_param_default((dsc_lr_scheduler_kind)k, (dsc_sched_param)key, &def);
            dsc_status sg = dsc_lr_scheduler_get(s, (dsc_sched_param)key, &got);
            if (st == DSC_E_UNSUPPORTED) {
                assert_int_equal(sg, DSC_E_UNSUPPORTED);
                assert_status(dsc_lr_scheduler_param_bounds((dsc_lr_scheduler_kind)k, (dsc_sched_param)key, &lo, &hi),
                              DSC_E_UNSUPPORTED);
                continue;
            }
            assert_int_equal(st, DSC_OK);
            assert_ok(dsc_lr_scheduler_param_bounds((dsc_lr_scheduler_kind)k, (dsc_sched_param)key, &lo, &hi));
            assert_true(lo <= hi);
            if (isnan(def)) {
                /* No fixed default: not set, or derived (step_size_down follows step_size_up). */
                if (sg == DSC_OK) assert_true(k == DSC_SCHED_CYCLIC && key == DSC_SCHED_PARAM_STEP_SIZE_DOWN);
                else assert_int_equal(sg, DSC_E_STATE);
            } else {
                assert_int_equal(sg, DSC_OK);
                assert_true(got == def);
                assert_true(def >= lo && def <= hi);
                assert_ok(dsc_lr_scheduler_set(s, (dsc_sched_param)key, def)); /* the default is accepted */
            }
        }
        dsc_lr_scheduler_free(s);
    }
    dsc_optimizer_free(o);
}

static void test_sched_param_default(void **state) {
    (void)state;
    double v = 5;
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, &v));
    assert_true(v == 0.1);
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_CONSTANT_LR, DSC_SCHED_PARAM_FACTOR, &v));
    assert_true(v == 1.0 / 3.0);
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_PLATEAU, DSC_SCHED_PARAM_FACTOR, &v));
    assert_true(v == 0.1);
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_MAX_MOMENTUM, &v));
    assert_true(v == 0.95);
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_MAX_MOMENTUM, &v));
    assert_true(v == 0.9);
    assert_ok(dsc_lr_scheduler_param_default(DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_STEP_SIZE_UP, &v));
    assert_true(v == 2000);
    /* NaN: required keys, and defaults that depend on other settings or the groups. */
    const struct {
        dsc_lr_scheduler_kind kind;
        dsc_sched_param key;
    } nan_keys[] = {
        {DSC_SCHED_STEP, DSC_SCHED_PARAM_STEP_SIZE},        {DSC_SCHED_EXPONENTIAL, DSC_SCHED_PARAM_GAMMA},
        {DSC_SCHED_COSINE, DSC_SCHED_PARAM_T_MAX},          {DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_PARAM_T_0},
        {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_MAX_LR},         {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_BASE_LR},
        {DSC_SCHED_CYCLIC, DSC_SCHED_PARAM_STEP_SIZE_DOWN}, {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_MAX_LR},
        {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_TOTAL_STEPS}, {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_EPOCHS},
        {DSC_SCHED_ONE_CYCLE, DSC_SCHED_PARAM_STEPS_PER_EPOCH}, {DSC_SCHED_INVERSE_TIME, DSC_SCHED_PARAM_DECAY_RATE},
        {DSC_SCHED_INVERSE_TIME, DSC_SCHED_PARAM_DECAY_STEPS},
    };
    for (size_t i = 0; i < sizeof nan_keys / sizeof nan_keys[0]; i++) {
        v = 5;
        assert_ok(dsc_lr_scheduler_param_default(nan_keys[i].kind, nan_keys[i].key, &v));
        if (!isnan(v)) fail_msg("row %zu: default %g, want NaN", i, v);
    }
    /* Failures: the neutral value, and the status of an unknown kind or key. */
    v = 5;
    assert_status(dsc_lr_scheduler_param_default(DSC_SCHED_STEP, DSC_SCHED_PARAM_T_MAX, &v), DSC_E_UNSUPPORTED);
    assert_true(v == 0);
    assert_msg("dsc_lr_scheduler_param_default: StepLR has no setting with key 200");
    v = 5;
    assert_status(dsc_lr_scheduler_param_default((dsc_lr_scheduler_kind)42, DSC_SCHED_PARAM_GAMMA, &v),
                  DSC_E_UNSUPPORTED);
    assert_true(v == 0);
    assert_msg("dsc_lr_scheduler_param_default: kind 42 is not a dsc_lr_scheduler_kind");
    assert_status(dsc_lr_scheduler_param_default(DSC_SCHED_CHAINED, DSC_SCHED_PARAM_GAMMA, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_param_default(DSC_SCHED_STEP, DSC_SCHED_PARAM_GAMMA, NULL), DSC_E_ARG);
}

/* Start refuses a configuration that is not complete, and changes nothing. */
static void test_sched_start_needs_required(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    const dsc_lr_scheduler_kind needs[] = {DSC_SCHED_STEP, DSC_SCHED_EXPONENTIAL, DSC_SCHED_COSINE,
                                           DSC_SCHED_COSINE_WARM_RESTARTS, DSC_SCHED_CYCLIC, DSC_SCHED_ONE_CYCLE,
                                           DSC_SCHED_LAMBDA, DSC_SCHED_MULTIPLICATIVE, DSC_SCHED_SEQUENTIAL,
                                           DSC_SCHED_CHAINED, DSC_SCHED_INVERSE_TIME};
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
        dsc_lr_scheduler *s = make(needs[i], o);
        assert_status(dsc_lr_scheduler_start(s), DSC_E_STATE);
        assert_status(dsc_lr_scheduler_step(s), DSC_E_STATE); /* the implicit start fails the same way */
        double started = -1, lr;
        assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STARTED, &started));
        assert_true(started == 0);
        assert_status(dsc_lr_scheduler_lr(s, 0, &lr), DSC_E_STATE);
        assert_true(group_lr(o, 0) == 0.1);
        dsc_lr_scheduler_free(s);
    }
    /* OneCycleLR with an empty first phase (pct_start * total_steps = 1). */
    dsc_lr_scheduler *s = make(DSC_SCHED_ONE_CYCLE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 10));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PCT_START, 0.1));
    assert_status(dsc_lr_scheduler_start(s), DSC_E_ARG);
    assert_msg("empty");
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PCT_START, 0.3));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_status(dsc_lr_scheduler_start(s), DSC_E_STATE); /* twice */
    dsc_lr_scheduler_free(s);
    assert_status(dsc_lr_scheduler_start(NULL), DSC_E_ARG);
    dsc_optimizer_free(o);
}

static void test_sched_set_after_start(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_COSINE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 10));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_status(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 20), DSC_E_STATE);
    double v;
    assert_ok(dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_T_MAX, &v));
    assert_true(v == 10);
    dsc_lr_scheduler_free(s);
    /* Plateau keys and StepLR's gamma may change any time. */
    s = make(DSC_SCHED_PLATEAU, o);
    assert_ok(dsc_lr_scheduler_start(s));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 3));
    assert_status(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PLATEAU_MODE, DSC_PLATEAU_MAX), DSC_E_STATE);
    dsc_lr_scheduler_free(s);
    s = make(DSC_SCHED_STEP, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 1));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 0.05);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

static void test_sched_milestones(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    dsc_lr_scheduler *s = make(DSC_SCHED_MULTI_STEP, o);
    const int64_t good[] = {2, 4, 4}, bad[] = {5, 3}, neg[] = {-1};
    assert_ok(dsc_lr_scheduler_set_milestones(s, good, 3));
    assert_status(dsc_lr_scheduler_set_milestones(s, bad, 2), DSC_E_ARG);
    assert_msg("milestone 1 (3) comes after 5");
    assert_status(dsc_lr_scheduler_set_milestones(s, neg, 1), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_set_milestones(s, NULL, 2), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_set_milestones(NULL, good, 1), DSC_E_ARG);
    /* The refused calls kept {2, 4, 4}: gamma at 2, gamma^2 at 4. */
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_start(s));
    const double want[] = {1, 1, 0.5, 0.5, 0.125, 0.125};
    assert_near(group_lr(o, 0), want[0]);
    for (int t = 1; t < 6; t++) {
        assert_ok(dsc_lr_scheduler_step(s));
        assert_near(group_lr(o, 0), want[t]);
    }
    assert_status(dsc_lr_scheduler_set_milestones(s, good, 1), DSC_E_STATE);
    dsc_lr_scheduler_free(s);
    /* SequentialLR: strictly increasing, >= 1. */
    s = make(DSC_SCHED_SEQUENTIAL, o);
    assert_status(dsc_lr_scheduler_set_milestones(s, good, 3), DSC_E_ARG);
    const int64_t zero[] = {0};
    assert_status(dsc_lr_scheduler_set_milestones(s, zero, 1), DSC_E_ARG);
    assert_ok(dsc_lr_scheduler_set_milestones(s, good, 2));
    assert_ok(dsc_lr_scheduler_set_milestones(s, NULL, 0));
    dsc_lr_scheduler_free(s);
    /* Other kinds have none. */
    s = make(DSC_SCHED_STEP, o);
    assert_status(dsc_lr_scheduler_set_milestones(s, good, 1), DSC_E_UNSUPPORTED);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

static void test_sched_plateau_needs_metric(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_PLATEAU, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 0));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_FACTOR, 0.5));
    assert_status(dsc_lr_scheduler_step(s), DSC_E_STATE);
    assert_msg("dsc_lr_scheduler_step_metric");
    double t;
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STEP, &t));
    assert_true(t == -1);
    assert_ok(dsc_lr_scheduler_step_metric(s, 1.0)); /* first metric improves */
    assert_near(group_lr(o, 0), 0.1);
    assert_ok(dsc_lr_scheduler_step_metric(s, 2.0)); /* bad epoch 1 > patience 0 */
    assert_near(group_lr(o, 0), 0.05);
    assert_ok(dsc_lr_scheduler_step_metric(s, NAN)); /* NaN is a bad epoch, as in PyTorch */
    assert_near(group_lr(o, 0), 0.025);
    double best, bad, cd;
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_BEST, &best));
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_NUM_BAD_EPOCHS, &bad));
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_COOLDOWN_COUNTER, &cd));
    assert_true(best == 1.0 && bad == 0 && cd == 0);
    cd = 5;
    assert_status(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_T_CUR, &cd), DSC_E_UNSUPPORTED);
    assert_true(cd == 0);
    assert_msg("dsc_lr_scheduler_state_get: ReduceLROnPlateau keeps no state with key 20");
    assert_status(dsc_lr_scheduler_state_get(s, (dsc_sched_state_key)99, &cd), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_state_get(s, (dsc_sched_state_key)0, &cd), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_state_get(NULL, DSC_SCHED_STATE_STEP, &cd), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STEP, NULL), DSC_E_ARG);
    dsc_lr_scheduler_free(s);
    /* Other kinds ignore the metric. */
    s = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_step_metric(s, 123.0));
    assert_near(group_lr(o, 0), 0.0125);
    assert_status(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_BEST, &best), DSC_E_UNSUPPORTED);
    dsc_lr_scheduler_free(s);
    assert_status(dsc_lr_scheduler_step_metric(NULL, 1.0), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_step(NULL), DSC_E_ARG);
    dsc_optimizer_free(o);
}

static void test_sched_wrong_optimizer_for_momentum(void **state) {
    (void)state;
    const dsc_optimizer_kind none[] = {DSC_OPTIMIZER_ADAGRAD, DSC_OPTIMIZER_ADADELTA};
    for (size_t i = 0; i < 2; i++) {
        dsc_optimizer *o = make_opt(none[i], 1, 0.1);
        dsc_lr_scheduler *s = make(DSC_SCHED_CYCLIC, o);
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1.0));
        assert_status(dsc_lr_scheduler_start(s), DSC_E_UNSUPPORTED);
        assert_msg("neither momentum nor beta1");
        assert_true(group_lr(o, 0) == 0.1);
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, 0));
        assert_ok(dsc_lr_scheduler_start(s));
        assert_true(group_lr(o, 0) == 0.1); /* base_lr unset: the group's lr */
        dsc_lr_scheduler_free(s);
        s = make(DSC_SCHED_ONE_CYCLE, o);
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1.0));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 10));
        assert_status(dsc_lr_scheduler_start(s), DSC_E_UNSUPPORTED);
        dsc_lr_scheduler_free(s);
        dsc_optimizer_free(o);
    }
}

/* Each group decays from its own base lr. */
static void test_sched_per_group_base_lr(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_ADAM, 3, 0.1); /* 0.1, 0.01, 0.001 */
    dsc_lr_scheduler *s = make(DSC_SCHED_COSINE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 8));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_ETA_MIN, 0.0005));
    assert_ok(dsc_lr_scheduler_start(s));
    for (int t = 0; t <= 20; t++) {
        for (size_t g = 0; g < 3; g++) {
            double base = 0.1 / pow(10.0, (double)g), lr;
            double want = 0.0005 + (base - 0.0005) * (1 + cos(3.141592653589793 * t / 8)) / 2;
            assert_ok(dsc_lr_scheduler_lr(s, g, &lr));
            assert_true(fabs(lr - want) < 1e-12);
            assert_true(fabs(group_lr(o, g) - want) < 1e-9);
        }
        assert_ok(dsc_lr_scheduler_step(s));
    }
    double lr;
    assert_status(dsc_lr_scheduler_lr(s, 3, &lr), DSC_E_ARG);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

/* PyTorch's per-group lists: CyclicLR and OneCycleLR max_lr/momenta, plateau min_lr. */
static void test_sched_per_group_values(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_CYCLIC, o);
    double v;
    assert_status(dsc_lr_scheduler_group_set(s, 0, DSC_SCHED_PARAM_STEP_SIZE_UP, 3), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_group_set(s, 0, DSC_SCHED_PARAM_MIN_LR, 3), DSC_E_UNSUPPORTED);
    assert_status(dsc_lr_scheduler_group_set(s, 2, DSC_SCHED_PARAM_MAX_LR, 1), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_group_set(s, 0, DSC_SCHED_PARAM_MAX_LR, -1), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_group_set(NULL, 0, DSC_SCHED_PARAM_MAX_LR, 1), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_group_get(s, 0, DSC_SCHED_PARAM_MAX_LR, &v), DSC_E_STATE);
    assert_ok(dsc_lr_scheduler_group_set(s, 0, DSC_SCHED_PARAM_MAX_LR, 1.0));
    assert_status(dsc_lr_scheduler_start(s), DSC_E_STATE); /* group 1 has no max_lr */
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_MAX_LR, 0.5));
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_BASE_LR, 0.02));
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_MAX_MOMENTUM, 0.99));
    assert_ok(dsc_lr_scheduler_group_get(s, 1, DSC_SCHED_PARAM_MAX_LR, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, 2));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_status(dsc_lr_scheduler_group_set(s, 0, DSC_SCHED_PARAM_MAX_LR, 2.0), DSC_E_STATE);
    double m0, m1;
    assert_ok(dsc_optimizer_group_get(o, 0, DSC_OPTIMIZER_PARAM_MOMENTUM, &m0));
    assert_ok(dsc_optimizer_group_get(o, 1, DSC_OPTIMIZER_PARAM_MOMENTUM, &m1));
    assert_near(group_lr(o, 0), 0.1); /* group 0: base_lr is its lr at start */
    assert_near(group_lr(o, 1), 0.02);
    assert_near(m0, 0.9);
    assert_near(m1, 0.99);
    assert_ok(dsc_lr_scheduler_step(s));
    assert_ok(dsc_lr_scheduler_step(s)); /* the peak */
    assert_near(group_lr(o, 0), 1.0);
    assert_near(group_lr(o, 1), 0.5);
    assert_ok(dsc_optimizer_group_get(o, 1, DSC_OPTIMIZER_PARAM_MOMENTUM, &m1));
    assert_near(m1, 0.8);
    dsc_lr_scheduler_free(s);
    /* OneCycleLR: each group starts at its own max_lr/div_factor. */
    s = make(DSC_SCHED_ONE_CYCLE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1.0));
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_MAX_LR, 0.25));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 10));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_near(group_lr(o, 0), 0.04);
    assert_near(group_lr(o, 1), 0.01);
    dsc_lr_scheduler_free(s);
    /* ReduceLROnPlateau: one floor per group. */
    assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 0.1));
    assert_ok(dsc_optimizer_group_set(o, 1, DSC_OPTIMIZER_PARAM_LR, 0.1));
    s = make(DSC_SCHED_PLATEAU, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 0));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MIN_LR, 0.05));
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_MIN_LR, 0.03));
    for (int t = 0; t < 4; t++) assert_ok(dsc_lr_scheduler_step_metric(s, 1.0));
    assert_near(group_lr(o, 0), 0.05);
    assert_near(group_lr(o, 1), 0.03);
    assert_ok(dsc_lr_scheduler_group_set(s, 1, DSC_SCHED_PARAM_MIN_LR, 0.0)); /* any time */
    assert_ok(dsc_lr_scheduler_step_metric(s, 1.0));
    assert_near(group_lr(o, 1), 0.003);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

static void test_sched_groups_added_later(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.9));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_ok(dsc_optimizer_add_params(o, params[1], grads[1], 3, NULL));
    assert_status(dsc_lr_scheduler_step(s), DSC_E_STATE);
    assert_msg("1 parameter groups");
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

/* CyclicLR and OneCycleLR move SGD's momentum and Adam's beta1 opposite to the lr. */
static void check_cyclic_momentum(dsc_optimizer_kind kind, dsc_optimizer_param mkey) {
    dsc_optimizer *o = make_opt(kind, 2, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_CYCLIC, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_BASE_LR, 0.01));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.1));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, 4));
    assert_ok(dsc_lr_scheduler_start(s));
    for (int t = 0; t <= 16; t++) {
        double x = fabs(fmod(t, 8.0) - 4.0) / 4.0; /* 1 at base_lr, 0 at max_lr */
        for (size_t g = 0; g < 2; g++) {
            double m;
            assert_ok(dsc_optimizer_group_get(o, g, mkey, &m));
            assert_true(fabs(group_lr(o, g) - (0.1 - 0.09 * x)) < 1e-9);
            assert_true(fabs(m - (0.8 + 0.1 * x)) < 1e-9);
        }
        assert_ok(dsc_lr_scheduler_step(s));
    }
    dsc_lr_scheduler_free(s);
    s = make(DSC_SCHED_ONE_CYCLE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.5));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 20));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_ANNEAL_STRATEGY, DSC_ANNEAL_LINEAR));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PCT_START, 0.25)); /* peak at step 4 */
    assert_ok(dsc_lr_scheduler_start(s));
    double m;
    assert_ok(dsc_optimizer_group_get(o, 1, mkey, &m));
    assert_near(group_lr(o, 1), 0.02);
    assert_near(m, 0.95);
    for (int t = 0; t < 4; t++) assert_ok(dsc_lr_scheduler_step(s));
    assert_ok(dsc_optimizer_group_get(o, 0, mkey, &m));
    assert_near(group_lr(o, 0), 0.5);
    assert_near(m, 0.85);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

static void test_sched_momentum_cycling_sgd(void **state) {
    (void)state;
    check_cyclic_momentum(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_MOMENTUM);
    check_cyclic_momentum(DSC_OPTIMIZER_RMSPROP, DSC_OPTIMIZER_PARAM_MOMENTUM);
}

static void test_sched_momentum_cycling_adam_beta1(void **state) {
    (void)state;
    check_cyclic_momentum(DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_PARAM_BETA1);
    check_cyclic_momentum(DSC_OPTIMIZER_ADAMW, DSC_OPTIMIZER_PARAM_BETA1);
    check_cyclic_momentum(DSC_OPTIMIZER_NADAM, DSC_OPTIMIZER_PARAM_BETA1);
}

static void test_sched_onecycle_past_end_refused(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.1);
    dsc_lr_scheduler *s = make(DSC_SCHED_ONE_CYCLE, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.5));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 5));
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, 0));
    for (int t = 0; t < 5; t++) assert_ok(dsc_lr_scheduler_step(s)); /* t = total_steps is allowed */
    double lr = group_lr(o, 0), t;
    assert_status(dsc_lr_scheduler_step(s), DSC_E_STATE);
    assert_msg("total_steps is 5");
    assert_true(group_lr(o, 0) == lr);
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STEP, &t));
    assert_true(t == 5);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

/* User functions: per group, and a bad factor refuses the step. */
static double lambda_fn(int64_t t, size_t g, void *user) {
    const double *bad_at = user;
    if ((double)t == *bad_at) return g == 1 ? -1.0 : 1.0;
    return 1.0 / (1.0 + (double)t * (double)(g + 1));
}

static double halve(int64_t t, size_t g, void *user) {
    (void)t, (void)g, (void)user;
    return 0.5;
}

static void test_sched_lambda_and_multiplicative(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 1.0);
    double bad_at = 3;
    dsc_lr_scheduler *s = make(DSC_SCHED_LAMBDA, o);
    assert_status(dsc_lr_scheduler_set_lambda(s, NULL, NULL), DSC_E_ARG);
    assert_ok(dsc_lr_scheduler_set_lambda(s, lambda_fn, &bad_at));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_status(dsc_lr_scheduler_set_lambda(s, halve, NULL), DSC_E_STATE);
    assert_ok(dsc_lr_scheduler_step(s));
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 1.0 / 3.0);
    assert_near(group_lr(o, 1), 0.1 / 5.0);
    assert_status(dsc_lr_scheduler_step(s), DSC_E_ARG); /* group 1 gets -1 at t = 3 */
    assert_msg("returned -1");
    double t;
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STEP, &t));
    assert_true(t == 2);
    assert_near(group_lr(o, 0), 1.0 / 3.0); /* group 0 untouched too */
    bad_at = -5;
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 1.0 / 4.0);
    dsc_lr_scheduler_free(s);
    s = make(DSC_SCHED_MULTIPLICATIVE, o);
    assert_ok(dsc_lr_scheduler_set_lambda(s, halve, NULL));
    assert_ok(dsc_lr_scheduler_start(s));
    assert_near(group_lr(o, 0), 0.25); /* t = 0 keeps the lr */
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 0.125);
    dsc_lr_scheduler_free(s);
    s = make(DSC_SCHED_STEP, o);
    assert_status(dsc_lr_scheduler_set_lambda(s, halve, NULL), DSC_E_UNSUPPORTED);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

/* Recursive schedules continue from an lr the host set, as in PyTorch. */
static void test_sched_host_lr_change_is_followed(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    dsc_lr_scheduler *s = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 0.5);
    assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 3.0));
    assert_ok(dsc_lr_scheduler_step(s));
    assert_near(group_lr(o, 0), 1.5);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);
}

/* ------------------------------------------------------------------ */
/*  Composition                                                        */
/* ------------------------------------------------------------------ */

/* Every refusal of add_child frees the child and sets the caller's pointer
 * to NULL (ASan and valgrind check that nothing leaks or is freed twice). */
static void expect_child_refused(dsc_lr_scheduler *container, dsc_lr_scheduler *child, dsc_status want,
                                 const char *msg) {
    dsc_lr_scheduler *c = child;
    assert_status(dsc_lr_scheduler_add_child(container, &c), want);
    assert_null(c);
    assert_msg(msg);
}

static void test_sched_add_child_validation(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0), *o2 = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    dsc_lr_scheduler *seq = make(DSC_SCHED_SEQUENTIAL, o), *chain = make(DSC_SCHED_CHAINED, o);
    dsc_lr_scheduler *leaf = make(DSC_SCHED_STEP, o);
    expect_child_refused(leaf, make(DSC_SCHED_PLATEAU, o), DSC_E_UNSUPPORTED, "StepLR takes no children");
    dsc_lr_scheduler_free(leaf); /* the container of a refused call stays the caller's */
    expect_child_refused(NULL, make(DSC_SCHED_STEP, o), DSC_E_ARG, "container is NULL");
    expect_child_refused(seq, make(DSC_SCHED_PLATEAU, o), DSC_E_UNSUPPORTED, "ReduceLROnPlateau cannot be a child");
    expect_child_refused(seq, make(DSC_SCHED_CHAINED, o), DSC_E_UNSUPPORTED, "containers do not nest");
    expect_child_refused(seq, make(DSC_SCHED_STEP, o2), DSC_E_ARG, "another optimizer");
    dsc_lr_scheduler *started = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_lr_scheduler_set(started, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_start(started));
    expect_child_refused(seq, started, DSC_E_STATE, "the child has already started");
    assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 1.0));
    /* NULL pointers: nothing to free. */
    dsc_lr_scheduler *none = NULL;
    assert_status(dsc_lr_scheduler_add_child(seq, NULL), DSC_E_ARG);
    assert_status(dsc_lr_scheduler_add_child(seq, &none), DSC_E_ARG);
    assert_null(none);
    /* The container as its own child: it is the child, so it is freed. */
    dsc_lr_scheduler *self = make(DSC_SCHED_CHAINED, o);
    assert_status(dsc_lr_scheduler_add_child(self, &self), DSC_E_ARG);
    assert_null(self);
    assert_msg("own child");
    size_t n = 9;
    assert_status(dsc_lr_scheduler_child_count(NULL, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_status(dsc_lr_scheduler_child_count(seq, NULL), DSC_E_ARG);
    assert_ok(dsc_lr_scheduler_child_count(seq, &n));
    assert_int_equal(n, 0); /* the refused children were not added */
    dsc_lr_scheduler *step = make(DSC_SCHED_STEP, o), *keep = NULL;
    assert_ok(dsc_lr_scheduler_set(step, DSC_SCHED_PARAM_STEP_SIZE, 2));
    keep = step;
    assert_ok(dsc_lr_scheduler_add_child(seq, &step)); /* seq owns it now */
    assert_null(step);
    assert_ok(dsc_lr_scheduler_child_count(seq, &n));
    assert_int_equal(n, 1);
    const dsc_lr_scheduler *got = NULL;
    assert_ok(dsc_lr_scheduler_child(seq, 0, &got));
    assert_ptr_equal(got, keep);
    double v;
    assert_ok(dsc_lr_scheduler_get(got, DSC_SCHED_PARAM_STEP_SIZE, &v)); /* readable through the const pointer */
    assert_true(v == 2);
    assert_status(dsc_lr_scheduler_child(seq, 1, &got), DSC_E_ARG);
    assert_null(got);
    got = keep;
    assert_status(dsc_lr_scheduler_child(NULL, 0, &got), DSC_E_ARG);
    assert_null(got);
    assert_status(dsc_lr_scheduler_child(seq, 0, NULL), DSC_E_ARG);
    assert_ok(dsc_lr_scheduler_start(seq));
    expect_child_refused(seq, make(DSC_SCHED_STEP, o), DSC_E_STATE, "the container has already started");
    assert_ok(dsc_lr_scheduler_child(seq, 0, &got));
    double started_flag = 0;
    assert_ok(dsc_lr_scheduler_state_get(got, DSC_SCHED_STATE_STARTED, &started_flag));
    assert_true(started_flag == 1); /* children start with their container */
    dsc_lr_scheduler_free(seq); /* frees its child */
    dsc_lr_scheduler_free(chain);
    dsc_optimizer_free(o);
    dsc_optimizer_free(o2);
}

/* The sequence of the header's example, then the frees in either order:
 * add_child left the caller no pointer to the children (issue 13's
 * use-after-free of dsc_lr_scheduler_free(seq); dsc_lr_scheduler_free(warm)). */
static void test_sched_free_in_any_order(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    for (int order = 0; order < 2; order++) {
        dsc_lr_scheduler *seq = make(DSC_SCHED_SEQUENTIAL, o), *warm = make(DSC_SCHED_LINEAR, o);
        dsc_lr_scheduler *cos = make(DSC_SCHED_COSINE, o);
        assert_ok(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.01));
        assert_ok(dsc_lr_scheduler_set(cos, DSC_SCHED_PARAM_T_MAX, 10));
        assert_ok(dsc_lr_scheduler_add_child(seq, &warm));
        assert_ok(dsc_lr_scheduler_add_child(seq, &cos));
        assert_true(warm == NULL && cos == NULL);
        const int64_t at[] = {5};
        assert_ok(dsc_lr_scheduler_set_milestones(seq, at, 1));
        assert_ok(dsc_lr_scheduler_start(seq));
        assert_near(group_lr(o, 0), 0.01);
        if (order == 0) {
            dsc_lr_scheduler_free(seq);
            dsc_lr_scheduler_free(warm);
            dsc_lr_scheduler_free(cos);
        } else {
            dsc_lr_scheduler_free(warm);
            dsc_lr_scheduler_free(cos);
            dsc_lr_scheduler_free(seq);
        }
        assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 1.0));
    }
    dsc_optimizer_free(o);
}

/* A container grows its child list past the first block; every child is freed with it. */
static void test_sched_many_children(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 1.0);
    dsc_lr_scheduler *chain = make(DSC_SCHED_CHAINED, o);
    for (int i = 0; i < 11; i++) {
        dsc_lr_scheduler *c = make(DSC_SCHED_EXPONENTIAL, o);
        assert_ok(dsc_lr_scheduler_set(c, DSC_SCHED_PARAM_GAMMA, 0.9));
        assert_ok(dsc_lr_scheduler_add_child(chain, &c));
        assert_null(c);
    }
    size_t n = 0;
    assert_ok(dsc_lr_scheduler_child_count(chain, &n));
    assert_int_equal(n, 11);
    assert_ok(dsc_lr_scheduler_step(chain));
    assert_near(group_lr(o, 0), pow(0.9, 11));
    assert_near(group_lr(o, 1), 0.1 * pow(0.9, 11));
    dsc_lr_scheduler_free(chain);
    dsc_optimizer_free(o);
}

/* Out of memory while growing the child list: the child is freed, the
 * container keeps the children it had (none) and refuses to start. */
static dsc_lr_scheduler *oom_child(dsc_optimizer *o) {
    dsc_lr_scheduler *c = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_lr_scheduler_set(c, DSC_SCHED_PARAM_GAMMA, 0.5));
    return c;
}

static void test_sched_add_child_out_of_memory(void **state) {
    (void)state;
    /* How many allocations building the objects takes; the next is add_child's. */
    harness_alloc_install(0);
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    dsc_lr_scheduler *chain = make(DSC_SCHED_CHAINED, o), *c = oom_child(o);
    long before = harness_alloc_count();
    dsc_lr_scheduler_free(c);
    dsc_lr_scheduler_free(chain);
    dsc_optimizer_free(o);
    harness_alloc_uninstall();

    harness_alloc_install(before + 1);
    o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    chain = make(DSC_SCHED_CHAINED, o);
    c = oom_child(o);
    assert_status(dsc_lr_scheduler_add_child(chain, &c), DSC_E_NOMEM);
    assert_null(c); /* freed */
    assert_msg("out of memory for 4 children");
    size_t n = 9;
    assert_ok(dsc_lr_scheduler_child_count(chain, &n));
    assert_int_equal(n, 0);
    assert_status(dsc_lr_scheduler_start(chain), DSC_E_STATE); /* no children */
    c = oom_child(o); /* the allocator works again */
    assert_ok(dsc_lr_scheduler_add_child(chain, &c));
    assert_ok(dsc_lr_scheduler_start(chain));
    dsc_lr_scheduler_free(chain);
    dsc_optimizer_free(o);
    assert_int_equal(harness_alloc_live(), 0);
}

/* SequentialLR with three children: ConstantLR, ExponentialLR, MultiplicativeLR.
 * ExponentialLR restarts from the base lr at its milestone; MultiplicativeLR
 * (no closed form in PyTorch) keeps the lr it finds. */
static void test_sched_sequential_three_children(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 1.0);
    dsc_lr_scheduler *seq = make(DSC_SCHED_SEQUENTIAL, o);
    dsc_lr_scheduler *c0 = make(DSC_SCHED_CONSTANT_LR, o), *c1 = make(DSC_SCHED_EXPONENTIAL, o);
    dsc_lr_scheduler *c2 = make(DSC_SCHED_MULTIPLICATIVE, o);
    assert_ok(dsc_lr_scheduler_set(c0, DSC_SCHED_PARAM_FACTOR, 0.5));
    assert_ok(dsc_lr_scheduler_set(c0, DSC_SCHED_PARAM_TOTAL_ITERS, 10)); /* never reached: m = 3 < total_iters */
    assert_ok(dsc_lr_scheduler_set(c1, DSC_SCHED_PARAM_GAMMA, 0.9));
    assert_ok(dsc_lr_scheduler_set_lambda(c2, halve, NULL));
    assert_ok(dsc_lr_scheduler_add_child(seq, &c0));
    assert_ok(dsc_lr_scheduler_add_child(seq, &c1));
    assert_ok(dsc_lr_scheduler_add_child(seq, &c2));
    const int64_t m[] = {3, 6};
    assert_ok(dsc_lr_scheduler_set_milestones(seq, m, 1));
    assert_status(dsc_lr_scheduler_start(seq), DSC_E_STATE); /* 3 children need 2 milestones */
    assert_ok(dsc_lr_scheduler_set_milestones(seq, m, 2));
    assert_ok(dsc_lr_scheduler_start(seq));
    const double want[] = {0.5, 0.5, 0.5, 1.0, 0.9, 0.81, 0.81, 0.405, 0.2025};
    assert_null(c1); /* seq owns its children: read them through dsc_lr_scheduler_child */
    const dsc_lr_scheduler *exp_child = NULL;
    assert_ok(dsc_lr_scheduler_child(seq, 1, &exp_child));
    double t1;
    assert_ok(dsc_lr_scheduler_state_get(exp_child, DSC_SCHED_STATE_STEP, &t1));
    assert_true(t1 == -1); /* not used yet */
    for (int t = 0; t < 9; t++) {
        if (t > 0) assert_ok(dsc_lr_scheduler_step(seq));
        assert_near(group_lr(o, 0), want[t]);
    }
    assert_ok(dsc_lr_scheduler_state_get(exp_child, DSC_SCHED_STATE_STEP, &t1));
    assert_true(t1 == 2);
    double lr;
    assert_ok(dsc_lr_scheduler_lr(exp_child, 0, &lr));
    assert_near(lr, 0.81);
    dsc_lr_scheduler_free(seq);
    dsc_optimizer_free(o);
}

/* ChainedScheduler: the factors multiply, t = 0 included (ConstantLR's factor). */
static void test_sched_chained_product(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 1.0);
    dsc_lr_scheduler *chain = make(DSC_SCHED_CHAINED, o);
    dsc_lr_scheduler *c0 = make(DSC_SCHED_CONSTANT_LR, o), *c1 = make(DSC_SCHED_STEP, o);
    dsc_lr_scheduler *c2 = make(DSC_SCHED_INVERSE_TIME, o);
    assert_ok(dsc_lr_scheduler_set(c0, DSC_SCHED_PARAM_FACTOR, 0.25));
    assert_ok(dsc_lr_scheduler_set(c0, DSC_SCHED_PARAM_TOTAL_ITERS, 4));
    assert_ok(dsc_lr_scheduler_set(c1, DSC_SCHED_PARAM_STEP_SIZE, 3));
    assert_ok(dsc_lr_scheduler_set(c1, DSC_SCHED_PARAM_GAMMA, 0.5));
    assert_ok(dsc_lr_scheduler_set(c2, DSC_SCHED_PARAM_DECAY_RATE, 1.0));
    assert_ok(dsc_lr_scheduler_set(c2, DSC_SCHED_PARAM_DECAY_STEPS, 2.0));
    assert_ok(dsc_lr_scheduler_add_child(chain, &c0));
    assert_ok(dsc_lr_scheduler_add_child(chain, &c1));
    assert_ok(dsc_lr_scheduler_add_child(chain, &c2));
    assert_ok(dsc_lr_scheduler_start(chain));
    for (int t = 0; t <= 12; t++) {
        if (t > 0) assert_ok(dsc_lr_scheduler_step(chain));
        double f = (t < 4 ? 0.25 : 1.0) * pow(0.5, floor(t / 3.0)) / (1.0 + t / 2.0);
        assert_near(group_lr(o, 0), f);
        assert_near(group_lr(o, 1), 0.1 * f);
    }
    dsc_lr_scheduler_free(chain);
    dsc_optimizer_free(o);
}

/* ------------------------------------------------------------------ */
/*  State                                                              */
/* ------------------------------------------------------------------ */

/* Builds a SequentialLR(LinearLR, CosineAnnealingWarmRestarts) or a plateau. */
static dsc_lr_scheduler *make_stateful(dsc_optimizer *o, int plateau) {
    if (plateau) {
        dsc_lr_scheduler *s = make(DSC_SCHED_PLATEAU, o);
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 1));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_COOLDOWN, 2));
        return s;
    }
    dsc_lr_scheduler *seq = make(DSC_SCHED_SEQUENTIAL, o);
    dsc_lr_scheduler *c0 = make(DSC_SCHED_LINEAR, o), *c1 = make(DSC_SCHED_COSINE_WARM_RESTARTS, o);
    assert_ok(dsc_lr_scheduler_set(c1, DSC_SCHED_PARAM_T_0, 3));
    assert_ok(dsc_lr_scheduler_set(c1, DSC_SCHED_PARAM_T_MULT, 2));
    assert_ok(dsc_lr_scheduler_add_child(seq, &c0));
    assert_ok(dsc_lr_scheduler_add_child(seq, &c1));
    const int64_t m[] = {4};
    assert_ok(dsc_lr_scheduler_set_milestones(seq, m, 1));
    return seq;
}

static dsc_status advance(dsc_lr_scheduler *s, int plateau, int t) {
    static const double metrics[] = {5, 4, 4.5, 4.4, 4.3, 3, 3.1, 3.2, 3.3, 3.4, 2, 2.5};
    return plateau ? dsc_lr_scheduler_step_metric(s, metrics[t % 12]) : dsc_lr_scheduler_step(s);
}

static void test_sched_state_round_trip(void **state) {
    (void)state;
    for (int plateau = 0; plateau < 2; plateau++) {
        dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 0.3), *o2 = make_opt(DSC_OPTIMIZER_SGD, 2, 0.3);
        dsc_lr_scheduler *a = make_stateful(o, plateau), *b = make_stateful(o2, plateau);
        assert_ok(dsc_lr_scheduler_start(a));
        for (int t = 0; t < 9; t++) assert_ok(advance(a, plateau, t));
        size_t n = 0;
        assert_status(dsc_lr_scheduler_state_size(NULL, &n), DSC_E_ARG);
        assert_status(dsc_lr_scheduler_state_size(a, NULL), DSC_E_ARG);
        assert_int_equal(n, 0);
        assert_ok(dsc_lr_scheduler_state_size(a, &n));
        double buf[128];
        assert_true(n <= 128);
        assert_status(dsc_lr_scheduler_state_save(a, buf, n - 1), DSC_E_SHAPE);
        assert_ok(dsc_lr_scheduler_state_save(a, buf, n));
        /* Corrupt copies are refused and change nothing. */
        double bad[128];
        memcpy(bad, buf, n * sizeof(double));
        bad[0] = 1;
        assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
        memcpy(bad, buf, n * sizeof(double));
        bad[7] = 2.5; /* step count not integral */
        assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
        /* The layout of lib/sched/state.c: an 8-double header, the kind's
         * variables, 3 per group; children follow their container. */
        assert_int_equal(n, plateau ? 8 + 3 + 6 : (8 + 6) + (8 + 6) + (8 + 2 + 6));
        const struct {
            size_t at;
            double v;
        } corrupt_plateau[] = {{8, NAN}, {9, 1.5}, {10, -1}, {11, -0.5}, {1, 1}}, /* best, bad, cooldown, base, format 1 */
          corrupt_seq[] = {{36, -1}, {37, 0.5}, {40, INFINITY}, {16, 1}, {5, 2}}; /* T_cur, T_i, lr, child's kind, started */
        for (size_t i = 0; i < 5; i++) {
            memcpy(bad, buf, n * sizeof(double));
            if (plateau) bad[corrupt_plateau[i].at] = corrupt_plateau[i].v;
            else bad[corrupt_seq[i].at] = corrupt_seq[i].v;
            if (dsc_lr_scheduler_state_load(b, bad, n) != DSC_E_FORMAT) fail_msg("corruption %zu was loaded", i);
        }
        assert_status(dsc_lr_scheduler_state_load(b, buf, n + 1), DSC_E_SHAPE);
        double started = -1;
        assert_ok(dsc_lr_scheduler_state_get(b, DSC_SCHED_STATE_STARTED, &started));
        assert_true(started == 0);
        assert_true(group_lr(o2, 0) == 0.3);
        assert_ok(dsc_lr_scheduler_state_load(b, buf, n));
        for (size_t g = 0; g < 2; g++) assert_true(group_lr(o2, g) == group_lr(o, g));
        for (int t = 9; t < 30; t++) {
            assert_ok(advance(a, plateau, t));
            assert_ok(advance(b, plateau, t));
            for (size_t g = 0; g < 2; g++) assert_true(group_lr(o2, g) == group_lr(o, g));
        }
        const dsc_sched_state_key keys[] = {DSC_SCHED_STATE_STEP, DSC_SCHED_STATE_BEST, DSC_SCHED_STATE_NUM_BAD_EPOCHS, DSC_SCHED_STATE_COOLDOWN_COUNTER};
        for (size_t k = 0; k < (plateau ? 4u : 1u); k++) {
            double va, vb;
            assert_ok(dsc_lr_scheduler_state_get(a, keys[k], &va));
            assert_ok(dsc_lr_scheduler_state_get(b, keys[k], &vb));
            assert_true(va == vb);
        }
        if (!plateau) {
            const dsc_lr_scheduler *ca, *cb;
            assert_ok(dsc_lr_scheduler_child(a, 1, &ca));
            assert_ok(dsc_lr_scheduler_child(b, 1, &cb));
            double ta, tb, ia, ib;
            assert_ok(dsc_lr_scheduler_state_get(ca, DSC_SCHED_STATE_T_CUR, &ta));
            assert_ok(dsc_lr_scheduler_state_get(cb, DSC_SCHED_STATE_T_CUR, &tb));
            assert_ok(dsc_lr_scheduler_state_get(ca, DSC_SCHED_STATE_T_I, &ia));
            assert_ok(dsc_lr_scheduler_state_get(cb, DSC_SCHED_STATE_T_I, &ib));
            assert_true(ta == tb && ia == ib && ia == 24); /* 26 child steps: cycles 3, 6, 12, 24 */
        }
        /* Another kind's state is refused. */
        dsc_lr_scheduler *c = make(DSC_SCHED_STEP, o2);
        size_t nc;
        assert_ok(dsc_lr_scheduler_state_size(c, &nc));
        if (nc == n) assert_status(dsc_lr_scheduler_state_load(c, buf, n), DSC_E_FORMAT);
        dsc_lr_scheduler_free(c);
        dsc_lr_scheduler_free(a);
        dsc_lr_scheduler_free(b);
        dsc_optimizer_free(o);
        dsc_optimizer_free(o2);
    }
}

/* Found by tests/fuzz/fuzz_sched_state.c: a start, step or state load that
 * fails after changing something put only part of it back. Each is now a
 * transaction: the saved state, the started flag and the optimizer's lr and
 * momentum are as before the refused call. */
static double bad_after_start(int64_t epoch, size_t group, void *user) {
    (void)group;
    (void)user;
    return epoch == 0 ? 0.5 : 1e300; /* t = 1: lr * 1e300 * 1e300 is inf */
}

static double bad_at_start(int64_t epoch, size_t group, void *user) {
    (void)epoch;
    (void)group;
    (void)user;
    return INFINITY;
}

static void assert_same_state(const dsc_lr_scheduler *s, const double *want, size_t n) {
    double got[64];
    assert_true(n <= 64);
    assert_ok(dsc_lr_scheduler_state_save(s, got, n));
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(double)) != 0) fail_msg("state[%zu]: %.17g, was %.17g", i, got[i], want[i]);
}

static void test_sched_refused_calls_are_transactions(void **state) {
    (void)state;
    double before[64];
    size_t n = 0;
    /* A refused first step (its implicit start succeeds, the step does not)
     * leaves the scheduler unstarted and the lr as it was. */
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 1e9);
    dsc_lr_scheduler *s = make(DSC_SCHED_MULTIPLICATIVE, o);
    assert_ok(dsc_lr_scheduler_set_lambda(s, bad_after_start, NULL));
    assert_ok(dsc_lr_scheduler_state_size(s, &n));
    assert_ok(dsc_lr_scheduler_state_save(s, before, n));
    assert_status(dsc_lr_scheduler_step(s), DSC_E_ARG);
    assert_msg("computed lr inf");
    assert_same_state(s, before, n);
    assert_true(group_lr(o, 0) == 1e9 && group_lr(o, 1) == 1e8);
    double started = -1;
    assert_ok(dsc_lr_scheduler_state_get(s, DSC_SCHED_STATE_STARTED, &started));
    assert_true(started == 0);
    /* An explicit start then takes its first step as usual. */
    assert_ok(dsc_lr_scheduler_start(s));
    assert_true(group_lr(o, 0) == 1e9);
    assert_status(dsc_lr_scheduler_step(s), DSC_E_ARG);
    dsc_lr_scheduler_free(s);

    /* A refused start keeps no base or current lr of its own. */
    s = make(DSC_SCHED_LAMBDA, o);
    assert_ok(dsc_lr_scheduler_set_lambda(s, bad_at_start, NULL));
    assert_ok(dsc_lr_scheduler_state_save(s, before, n));
    assert_status(dsc_lr_scheduler_start(s), DSC_E_ARG);
    assert_same_state(s, before, n);
    assert_true(group_lr(o, 0) == 1e9);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(o);

    /* A state whose momentum the optimizer refuses (beta1 of 6) is refused
     * whole: before, the lrs and the started flag were loaded anyway. */
    o = make_opt(DSC_OPTIMIZER_ADAM, 2, 0.01);
    dsc_optimizer *o2 = make_opt(DSC_OPTIMIZER_ADAM, 2, 0.01);
    dsc_lr_scheduler *a = make(DSC_SCHED_ONE_CYCLE, o), *b = make(DSC_SCHED_ONE_CYCLE, o2);
    for (int i = 0; i < 2; i++) {
        dsc_lr_scheduler *x = i ? b : a;
        assert_ok(dsc_lr_scheduler_set(x, DSC_SCHED_PARAM_MAX_LR, 0.1));
        assert_ok(dsc_lr_scheduler_set(x, DSC_SCHED_PARAM_TOTAL_STEPS, 10));
    }
    for (int t = 0; t < 3; t++) assert_ok(dsc_lr_scheduler_step(a));
    double saved[64];
    assert_ok(dsc_lr_scheduler_state_size(a, &n));
    assert_ok(dsc_lr_scheduler_state_save(a, saved, n));
    assert_ok(dsc_lr_scheduler_state_save(b, before, n));
    saved[8 + 2 * 2 + 1] = 6; /* mom[1]: beta1 of group 1 */
    double beta1 = -1;
    /* Refused as an impossible state before anything is loaded. */
    assert_status(dsc_lr_scheduler_state_load(b, saved, n), DSC_E_FORMAT);
    assert_msg("a momentum is outside the optimizer's range");
    assert_same_state(b, before, n);
    assert_true(group_lr(o2, 0) == 0.01 && group_lr(o2, 1) == 0.001);
    assert_ok(dsc_optimizer_group_get(o2, 0, DSC_OPTIMIZER_PARAM_BETA1, &beta1));
    assert_true(beta1 == 0.9);
    saved[8 + 2 * 2 + 1] = 0.9;
    assert_ok(dsc_lr_scheduler_state_load(b, saved, n));
    assert_true(group_lr(o2, 0) == group_lr(o, 0) && group_lr(o2, 1) == group_lr(o, 1));
    dsc_lr_scheduler_free(a);
    dsc_lr_scheduler_free(b);
    dsc_optimizer_free(o);
    dsc_optimizer_free(o2);
}

/* ------------------------------------------------------------------ */
/*  No allocation per step                                             */
/* ------------------------------------------------------------------ */

static dsc_lr_scheduler *configured(dsc_lr_scheduler_kind kind, dsc_optimizer *o) {
    dsc_lr_scheduler *s = make(kind, o);
    const int64_t m[] = {3, 3, 9};
    switch (kind) {
    case DSC_SCHED_STEP: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 4)); break;
    case DSC_SCHED_MULTI_STEP: assert_ok(dsc_lr_scheduler_set_milestones(s, m, 3)); break;
    case DSC_SCHED_EXPONENTIAL: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.97)); break;
    case DSC_SCHED_COSINE: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 20)); break;
    case DSC_SCHED_COSINE_WARM_RESTARTS: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_0, 7)); break;
    case DSC_SCHED_CYCLIC:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, 5));
        break;
    case DSC_SCHED_ONE_CYCLE:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 200));
        break;
    case DSC_SCHED_LAMBDA:
    case DSC_SCHED_MULTIPLICATIVE: assert_ok(dsc_lr_scheduler_set_lambda(s, halve, NULL)); break;
    case DSC_SCHED_INVERSE_TIME:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_RATE, 0.5));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_STEPS, 10));
        break;
    case DSC_SCHED_SEQUENTIAL:
    case DSC_SCHED_CHAINED: {
        dsc_lr_scheduler *c0 = configured(DSC_SCHED_LINEAR, o), *c1 = configured(DSC_SCHED_CYCLIC, o);
        assert_ok(dsc_lr_scheduler_add_child(s, &c0));
        assert_ok(dsc_lr_scheduler_add_child(s, &c1));
        if (kind == DSC_SCHED_SEQUENTIAL) assert_ok(dsc_lr_scheduler_set_milestones(s, m + 2, 1));
        break;
    }
    default: break;
    }
    return s;
}

static void test_sched_step_allocates_nothing(void **state) {
    (void)state;
    harness_alloc_install(0);
    for (int k = DSC_SCHED_CONSTANT; k <= DSC_SCHED_INVERSE_TIME; k++) {
        dsc_optimizer *o = make_opt(k % 2 ? DSC_OPTIMIZER_SGD : DSC_OPTIMIZER_ADAM, 3, 0.1);
        dsc_lr_scheduler *s = configured((dsc_lr_scheduler_kind)k, o);
        assert_ok(dsc_lr_scheduler_start(s));
        long before = harness_alloc_count();
        for (int t = 0; t < 150; t++) {
            if (k == DSC_SCHED_PLATEAU) assert_ok(dsc_lr_scheduler_step_metric(s, (t % 7) * 0.1));
            else assert_ok(dsc_lr_scheduler_step(s));
            double lr;
            assert_ok(dsc_lr_scheduler_lr(s, 2, &lr));
        }
        if (harness_alloc_count() != before)
            fail_msg("kind %d allocated %ld times in 150 steps", k, harness_alloc_count() - before);
        dsc_lr_scheduler_free(s);
        dsc_optimizer_free(o);
    }
    assert_int_equal(harness_alloc_live(), 0);
}

/* ------------------------------------------------------------------ */
/*  Recursive (PyTorch) forms against closed forms                     */
/* ------------------------------------------------------------------ */

/* One schedule's closed form at step t from base lr b; NaN: not covered. */
typedef double (*closed_fn)(int t, double b, const double *p);

static double cf_step(int t, double b, const double *p) { return b * pow(p[1], floor(t / p[0])); }
static double cf_exp(int t, double b, const double *p) { return b * pow(p[0], t); }
static double cf_const(int t, double b, const double *p) { return t < p[1] ? b * p[0] : b; }
static double cf_linear(int t, double b, const double *p) {
    return b * (p[0] + (p[1] - p[0]) * fmin(t, p[2]) / p[2]);
}
static double cf_poly(int t, double b, const double *p) { return b * pow(1.0 - fmin(t, p[0]) / p[0], p[1]); }
static double cf_cos(int t, double b, const double *p) {
    return p[1] + (b - p[1]) * (1 + cos(3.141592653589793 * t / p[0])) / 2;
}
static double cf_inverse(int t, double b, const double *p) {
    double q = t / p[1];
    return b / (1 + p[0] * (p[2] != 0 ? floor(q) : q));
}
static double cf_warm(int t, double b, const double *p) {
    double ti = p[0], tc = t;
    while (tc >= ti) {
        tc -= ti;
        ti *= p[1];
    }
    return p[2] + (b - p[2]) * (1 + cos(3.141592653589793 * tc / ti)) / 2;
}

static const struct {
    dsc_lr_scheduler_kind kind;
    dsc_sched_param keys[3];
    double p[3];
    closed_fn f;
} closed[] = {
    {DSC_SCHED_STEP, {DSC_SCHED_PARAM_STEP_SIZE, DSC_SCHED_PARAM_GAMMA}, {1, 0.9}, cf_step},
    {DSC_SCHED_STEP, {DSC_SCHED_PARAM_STEP_SIZE, DSC_SCHED_PARAM_GAMMA}, {13, 1.7}, cf_step},
    {DSC_SCHED_EXPONENTIAL, {DSC_SCHED_PARAM_GAMMA}, {0.991}, cf_exp},
    {DSC_SCHED_EXPONENTIAL, {DSC_SCHED_PARAM_GAMMA}, {1.02}, cf_exp},
    {DSC_SCHED_CONSTANT_LR, {DSC_SCHED_PARAM_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {0.2, 1}, cf_const},
    {DSC_SCHED_CONSTANT_LR, {DSC_SCHED_PARAM_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {1.0, 7}, cf_const},
    {DSC_SCHED_CONSTANT_LR, {DSC_SCHED_PARAM_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {0.37, 150}, cf_const},
    {DSC_SCHED_LINEAR, {DSC_SCHED_PARAM_START_FACTOR, DSC_SCHED_PARAM_END_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {0.01, 1, 1}, cf_linear},
    {DSC_SCHED_LINEAR, {DSC_SCHED_PARAM_START_FACTOR, DSC_SCHED_PARAM_END_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {1, 0, 37}, cf_linear},
    {DSC_SCHED_LINEAR, {DSC_SCHED_PARAM_START_FACTOR, DSC_SCHED_PARAM_END_FACTOR, DSC_SCHED_PARAM_TOTAL_ITERS}, {0.3, 0.7, 100}, cf_linear},
    {DSC_SCHED_POLYNOMIAL, {DSC_SCHED_PARAM_TOTAL_ITERS, DSC_SCHED_PARAM_POWER}, {1, 1}, cf_poly},
    {DSC_SCHED_POLYNOMIAL, {DSC_SCHED_PARAM_TOTAL_ITERS, DSC_SCHED_PARAM_POWER}, {90, 0.3}, cf_poly},
    {DSC_SCHED_POLYNOMIAL, {DSC_SCHED_PARAM_TOTAL_ITERS, DSC_SCHED_PARAM_POWER}, {45, 3}, cf_poly},
    {DSC_SCHED_POLYNOMIAL, {DSC_SCHED_PARAM_TOTAL_ITERS, DSC_SCHED_PARAM_POWER}, {20, 0}, cf_poly},
    {DSC_SCHED_COSINE, {DSC_SCHED_PARAM_T_MAX, DSC_SCHED_PARAM_ETA_MIN}, {1, 0}, cf_cos},
    {DSC_SCHED_COSINE, {DSC_SCHED_PARAM_T_MAX, DSC_SCHED_PARAM_ETA_MIN}, {7, 0.01}, cf_cos},
    {DSC_SCHED_COSINE, {DSC_SCHED_PARAM_T_MAX, DSC_SCHED_PARAM_ETA_MIN}, {50, 0.2}, cf_cos}, /* eta_min above the lr */
    {DSC_SCHED_COSINE_WARM_RESTARTS, {DSC_SCHED_PARAM_T_0, DSC_SCHED_PARAM_T_MULT, DSC_SCHED_PARAM_ETA_MIN}, {1, 1, 0}, cf_warm},
    {DSC_SCHED_COSINE_WARM_RESTARTS, {DSC_SCHED_PARAM_T_0, DSC_SCHED_PARAM_T_MULT, DSC_SCHED_PARAM_ETA_MIN}, {4, 3, 0.001}, cf_warm},
    {DSC_SCHED_COSINE_WARM_RESTARTS, {DSC_SCHED_PARAM_T_0, DSC_SCHED_PARAM_T_MULT, DSC_SCHED_PARAM_ETA_MIN}, {11, 1, 0.05}, cf_warm},
    {DSC_SCHED_INVERSE_TIME, {DSC_SCHED_PARAM_DECAY_RATE, DSC_SCHED_PARAM_DECAY_STEPS, DSC_SCHED_PARAM_STAIRCASE}, {0.5, 10, 0}, cf_inverse},
    {DSC_SCHED_INVERSE_TIME, {DSC_SCHED_PARAM_DECAY_RATE, DSC_SCHED_PARAM_DECAY_STEPS, DSC_SCHED_PARAM_STAIRCASE}, {2, 0.5, 1}, cf_inverse},
    {DSC_SCHED_INVERSE_TIME, {DSC_SCHED_PARAM_DECAY_RATE, DSC_SCHED_PARAM_DECAY_STEPS, DSC_SCHED_PARAM_STAIRCASE}, {0, 3, 0}, cf_inverse},
};

static void test_sched_recursive_forms_match_closed_forms(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++) {
        dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 2, 0.1);
        dsc_lr_scheduler *s = make(closed[i].kind, o);
        for (int k = 0; k < 3 && closed[i].keys[k] != 0; k++)
            assert_ok(dsc_lr_scheduler_set(s, closed[i].keys[k], closed[i].p[k]));
        assert_ok(dsc_lr_scheduler_start(s));
        for (int t = 0; t <= 300; t++) {
            if (t > 0) assert_ok(dsc_lr_scheduler_step(s));
            for (size_t g = 0; g < 2; g++) {
                double want = closed[i].f(t, 0.1 / pow(10.0, (double)g), closed[i].p), got = group_lr(o, g);
                if (!(fabs(got - want) <= 1e-10 * fabs(want) + 1e-15))
                    fail_msg("row %zu, step %d, group %zu: %.17g, closed form %.17g", i, t, g, got, want);
            }
        }
        dsc_lr_scheduler_free(s);
        dsc_optimizer_free(o);
    }
}

/* Issue 12: a loaded state is written into the optimizer and stepped on,
 * so it must hold values a scheduler can have. Each impossible one is
 * DSC_E_FORMAT with nothing changed; the step count stops at 2^53. */
static void test_sched_state_load_refuses_impossible(void **state) {
    (void)state;
    dsc_optimizer *o = make_opt(DSC_OPTIMIZER_SGD, 1, 0.5);
    dsc_lr_scheduler *a = make(DSC_SCHED_STEP, o), *b = make(DSC_SCHED_STEP, o);
    assert_ok(dsc_lr_scheduler_set(a, DSC_SCHED_PARAM_STEP_SIZE, 2));
    assert_ok(dsc_lr_scheduler_set(b, DSC_SCHED_PARAM_STEP_SIZE, 2));
    for (int i = 0; i < 3; i++) assert_ok(dsc_lr_scheduler_step(a));
    double buf[16], bad[16];
    size_t n = 0;
    assert_ok(dsc_lr_scheduler_state_size(a, &n));
    assert_int_equal(n, 11); /* 8 header, base, cur, mom */
    assert_ok(dsc_lr_scheduler_state_save(a, buf, n));
    const double lr_before = group_lr(o, 0);
    const struct {
        size_t at;
        double v;
        const char *why;
    } cases[] = {
        {7, -1, "a started scheduler has the step count -1"},
        {5, 0, "an unstarted scheduler has a step count other than -1"},
        {9, 1e10, "an lr is above the optimizer's largest, 2^32"},
        {8, 5e9, "an lr is above the optimizer's largest, 2^32"},
        {7, 9007199254740994.0, "the step count is not an integer >= -1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, buf, n * sizeof *buf);
        bad[cases[i].at] = cases[i].v;
        assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
        assert_msg(cases[i].why);
        double started = -1;
        assert_ok(dsc_lr_scheduler_state_get(b, DSC_SCHED_STATE_STARTED, &started));
        assert_true(started == 0);
        assert_true(group_lr(o, 0) == lr_before);
    }
    /* an unstarted state is -1 throughout */
    double fresh[16];
    assert_ok(dsc_lr_scheduler_state_save(b, fresh, n));
    assert_true(fresh[7] == -1);
    assert_ok(dsc_lr_scheduler_state_load(b, fresh, n));
    /* the step count's limit: 2^53 loads, a step from it is refused */
    memcpy(bad, buf, n * sizeof *buf);
    bad[7] = 9007199254740992.0;
    assert_ok(dsc_lr_scheduler_state_load(b, bad, n));
    const double lr_loaded = group_lr(o, 0);
    assert_status(dsc_lr_scheduler_step(b), DSC_E_STATE);
    assert_msg("StepLR has taken 2^53 steps");
    assert_true(group_lr(o, 0) == lr_loaded);
    double t = 0;
    assert_ok(dsc_lr_scheduler_state_get(b, DSC_SCHED_STATE_STEP, &t));
    assert_true(t == 9007199254740992.0);
    dsc_lr_scheduler_free(a);
    dsc_lr_scheduler_free(b);

    /* a schedule that grows past the optimizer's largest lr: that step is
     * refused by the optimizer, and the scheduler stays where it was */
    dsc_lr_scheduler *e = make(DSC_SCHED_EXPONENTIAL, o);
    assert_ok(dsc_optimizer_group_set(o, 0, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_lr_scheduler_set(e, DSC_SCHED_PARAM_GAMMA, 1e6));
    assert_ok(dsc_lr_scheduler_step(e)); /* 1e6 */
    assert_true(group_lr(o, 0) == 1e6);
    assert_status(dsc_lr_scheduler_step(e), DSC_E_ARG); /* 1e12 > 2^32 */
    assert_msg("ExponentialLR computed lr 1e+12 for group 0");
    assert_true(group_lr(o, 0) == 1e6);
    assert_ok(dsc_lr_scheduler_state_get(e, DSC_SCHED_STATE_STEP, &t));
    assert_true(t == 1);
    dsc_lr_scheduler_free(e);

    /* CosineAnnealingWarmRestarts: T_i >= 1 and T_cur < T_i */
    a = make(DSC_SCHED_COSINE_WARM_RESTARTS, o);
    b = make(DSC_SCHED_COSINE_WARM_RESTARTS, o);
    assert_ok(dsc_lr_scheduler_set(a, DSC_SCHED_PARAM_T_0, 3));
    assert_ok(dsc_lr_scheduler_set(b, DSC_SCHED_PARAM_T_0, 3));
    for (int i = 0; i < 4; i++) assert_ok(dsc_lr_scheduler_step(a));
    assert_ok(dsc_lr_scheduler_state_size(a, &n));
    assert_int_equal(n, 13); /* 8 header, T_cur, T_i, base, cur, mom */
    assert_ok(dsc_lr_scheduler_state_save(a, buf, n));
    assert_true(buf[8] == 1 && buf[9] == 3);
    memcpy(bad, buf, n * sizeof *buf);
    bad[9] = 0; /* T_i: cos(pi T_cur / 0) */
    assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
    assert_msg("the cycle length T_i is below 1");
    bad[9] = 3;
    bad[8] = 3;
    assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
    assert_msg("T_cur is not below the cycle length T_i");
    assert_ok(dsc_lr_scheduler_state_load(b, buf, n));
    dsc_lr_scheduler_free(a);
    dsc_lr_scheduler_free(b);
    dsc_optimizer_free(o);

    /* momentum cycling over Adam: beta1 must stay below 1 */
    o = make_opt(DSC_OPTIMIZER_ADAM, 1, 0.01);
    a = make(DSC_SCHED_CYCLIC, o);
    b = make(DSC_SCHED_CYCLIC, o);
    assert_ok(dsc_lr_scheduler_set(a, DSC_SCHED_PARAM_MAX_LR, 0.1));
    assert_ok(dsc_lr_scheduler_set(b, DSC_SCHED_PARAM_MAX_LR, 0.1));
    assert_ok(dsc_lr_scheduler_step(a));
    assert_ok(dsc_lr_scheduler_state_size(a, &n));
    assert_ok(dsc_lr_scheduler_state_save(a, buf, n));
    assert_true(buf[6] == DSC_OPTIMIZER_PARAM_BETA1);
    memcpy(bad, buf, n * sizeof *buf);
    bad[n - 1] = 1.0; /* the group's beta1 */
    assert_status(dsc_lr_scheduler_state_load(b, bad, n), DSC_E_FORMAT);
    assert_msg("a momentum is outside the optimizer's range for it");
    assert_ok(dsc_lr_scheduler_state_load(b, buf, n));
    dsc_lr_scheduler_free(a);
    dsc_lr_scheduler_free(b);
    dsc_optimizer_free(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sched_new_validation),
        cmocka_unit_test(test_sched_kind_tables),
        cmocka_unit_test(test_sched_set_refuses_bad_values),
        cmocka_unit_test(test_sched_set_unknown_key_and_get),
        cmocka_unit_test(test_sched_param_bounds),
        cmocka_unit_test(test_sched_param_default),
        cmocka_unit_test(test_sched_start_needs_required),
        cmocka_unit_test(test_sched_set_after_start),
        cmocka_unit_test(test_sched_milestones),
        cmocka_unit_test(test_sched_plateau_needs_metric),
        cmocka_unit_test(test_sched_wrong_optimizer_for_momentum),
        cmocka_unit_test(test_sched_per_group_base_lr),
        cmocka_unit_test(test_sched_per_group_values),
        cmocka_unit_test(test_sched_groups_added_later),
        cmocka_unit_test(test_sched_momentum_cycling_sgd),
        cmocka_unit_test(test_sched_momentum_cycling_adam_beta1),
        cmocka_unit_test(test_sched_onecycle_past_end_refused),
        cmocka_unit_test(test_sched_lambda_and_multiplicative),
        cmocka_unit_test(test_sched_host_lr_change_is_followed),
        cmocka_unit_test(test_sched_add_child_validation),
        cmocka_unit_test(test_sched_free_in_any_order),
        cmocka_unit_test(test_sched_many_children),
        cmocka_unit_test_teardown(test_sched_add_child_out_of_memory, harness_alloc_teardown),
        cmocka_unit_test(test_sched_sequential_three_children),
        cmocka_unit_test(test_sched_chained_product),
        cmocka_unit_test(test_sched_state_round_trip),
        cmocka_unit_test(test_sched_state_load_refuses_impossible),
        cmocka_unit_test(test_sched_refused_calls_are_transactions),
        cmocka_unit_test_teardown(test_sched_step_allocates_nothing, harness_alloc_teardown),
        cmocka_unit_test(test_sched_recursive_forms_match_closed_forms),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
