/* The optimizer handle: hyperparameter validation and bounds, parameter
 * groups over host arrays, the step's order (hook, non-finite guard,
 * clipping, update), state access for checkpoints, and the promise that a
 * step allocates nothing. The update formulas themselves are checked against
 * PyTorch by descent-conform (tests/check_conform.sh). */
#include "harness.h"
#include "optim/optimizer_impl.h"

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static const dsc_optimizer_kind all_kinds[] = {
    DSC_OPTIMIZER_SGD,      DSC_OPTIMIZER_ADAGRAD, DSC_OPTIMIZER_RMSPROP, DSC_OPTIMIZER_ADAM,  DSC_OPTIMIZER_ADAMW,
    DSC_OPTIMIZER_ADADELTA, DSC_OPTIMIZER_ADAMAX,  DSC_OPTIMIZER_NADAM,   DSC_OPTIMIZER_RADAM, DSC_OPTIMIZER_RPROP,
};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

static dsc_optimizer *make(dsc_optimizer_kind kind) {
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, kind));
    assert_non_null(opt);
    return opt;
}

/* Settings that put every state buffer of a kind to use. */
static void use_all_state(dsc_optimizer *opt, dsc_optimizer_kind kind) {
    if (kind == DSC_OPTIMIZER_SGD) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    if (kind == DSC_OPTIMIZER_ADAM) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1));
    if (kind == DSC_OPTIMIZER_RMSPROP) {
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CENTERED, 1));
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.5));
    }
}

/* Whether the kind has the key (Rprop has no weight_decay). */
static int has_key(dsc_optimizer_kind kind, dsc_optimizer_param key) {
    double lo, hi;
    return dsc_optimizer_param_bounds(kind, key, &lo, &hi) == DSC_OK;
}

static void assert_msg_has(const char *needle) {
    if (strstr(dsc_last_error(), needle) == NULL)
        fail_msg("last error '%s' does not mention '%s'", dsc_last_error(), needle);
}

static void test_optim_new_rejects_bad_arguments(void **state) {
    (void)state;
    dsc_optimizer *opt = (dsc_optimizer *)(uintptr_t)1;
    assert_status(dsc_optimizer_new(&opt, (dsc_optimizer_kind)0), DSC_E_UNSUPPORTED);
    assert_null(opt);
    opt = (dsc_optimizer *)(uintptr_t)1;
    assert_status(dsc_optimizer_new(&opt, (dsc_optimizer_kind)11), DSC_E_UNSUPPORTED);
    assert_msg_has("dsc_optimizer_new: kind 11 is not a dsc_optimizer_kind");
    assert_null(opt);
    opt = (dsc_optimizer *)(uintptr_t)1;
    assert_status(dsc_optimizer_new(&opt, (dsc_optimizer_kind)-1), DSC_E_UNSUPPORTED);
    assert_null(opt);
    assert_status(dsc_optimizer_new(NULL, DSC_OPTIMIZER_SGD), DSC_E_ARG);
    dsc_optimizer_free(NULL); /* accepted */
    for (size_t i = 0; i < NKINDS; i++) {
        opt = make(all_kinds[i]);
        dsc_optimizer_kind k;
        assert_ok(dsc_optimizer_kind_of(opt, &k));
        assert_int_equal(k, all_kinds[i]);
        dsc_optimizer_free(opt);
    }
}

static void expect_get(dsc_optimizer *opt, dsc_optimizer_param key, double want) {
    double v = -1;
    assert_ok(dsc_optimizer_get(opt, key, &v));
    if (v != want) fail_msg("%s is %g, want %g", dsc_optimizer_param_name(key), v, want);
}

static void test_optim_defaults_are_pytorch(void **state) {
    (void)state;
    static const double lr[] = {1e-3, 1e-2, 1e-2, 1e-3, 1e-3, 1.0, 2e-3, 2e-3, 1e-3, 1e-2};
    for (size_t i = 0; i < NKINDS; i++) {
        dsc_optimizer *opt = make(all_kinds[i]);
        expect_get(opt, DSC_OPTIMIZER_PARAM_LR, lr[i]);
        if (all_kinds[i] != DSC_OPTIMIZER_RPROP)
            expect_get(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, all_kinds[i] == DSC_OPTIMIZER_ADAMW ? 0.01 : 0.0);
        expect_get(opt, DSC_OPTIMIZER_PARAM_MAXIMIZE, 0.0);
        expect_get(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 0.0);
        expect_get(opt, DSC_OPTIMIZER_PARAM_CLIP_VALUE, 0.0);
        dsc_optimizer_free(opt);
    }
    dsc_optimizer *a = make(DSC_OPTIMIZER_ADAM);
    expect_get(a, DSC_OPTIMIZER_PARAM_BETA1, 0.9);
    expect_get(a, DSC_OPTIMIZER_PARAM_BETA2, 0.999);
    expect_get(a, DSC_OPTIMIZER_PARAM_EPS, 1e-8);
    expect_get(a, DSC_OPTIMIZER_PARAM_AMSGRAD, 0.0);
    dsc_optimizer_free(a);
    a = make(DSC_OPTIMIZER_RMSPROP);
    expect_get(a, DSC_OPTIMIZER_PARAM_ALPHA, 0.99);
    expect_get(a, DSC_OPTIMIZER_PARAM_EPS, 1e-8);
    dsc_optimizer_free(a);
    a = make(DSC_OPTIMIZER_ADAGRAD);
    expect_get(a, DSC_OPTIMIZER_PARAM_EPS, 1e-10);
    expect_get(a, DSC_OPTIMIZER_PARAM_LR_DECAY, 0.0);
    dsc_optimizer_free(a);
    a = make(DSC_OPTIMIZER_ADADELTA);
    expect_get(a, DSC_OPTIMIZER_PARAM_RHO, 0.9);
    expect_get(a, DSC_OPTIMIZER_PARAM_EPS, 1e-6);
    dsc_optimizer_free(a);
    a = make(DSC_OPTIMIZER_NADAM);
    expect_get(a, DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, 0.004);
    dsc_optimizer_free(a);
    a = make(DSC_OPTIMIZER_RPROP); /* etas=(0.5, 1.2), step_sizes=(1e-06, 50) */
    expect_get(a, DSC_OPTIMIZER_PARAM_ETAMINUS, 0.5);
    expect_get(a, DSC_OPTIMIZER_PARAM_ETAPLUS, 1.2);
    expect_get(a, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, 1e-6);
    expect_get(a, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, 50.0);
    dsc_optimizer_free(a);
}

static void test_optim_set_rejects_bad_values_with_range(void **state) {
    (void)state;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, -1.0), DSC_E_ARG);
    assert_msg_has("dsc_optimizer_set: lr is -1; it must be a finite number in [0, 2^32]");
    /* above 2^32 an update could not stay a finite float (issue 12: DBL_MAX) */
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, DBL_MAX), DSC_E_ARG);
    assert_msg_has("dsc_optimizer_set: lr is 1.79769e+308; it must be a finite number in [0, 2^32]");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, nextafter(4294967296.0, INFINITY)),
                  DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, NAN), DSC_E_ARG);
    assert_msg_has("finite");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, INFINITY), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_BETA1, 1.0), DSC_E_ARG);
    assert_msg_has("beta1 is 1; it must be a finite number in [0, 1)");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_BETA2, -0.5), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_EPS, -1e-8), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, -0.1), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 0.5), DSC_E_ARG);
    assert_msg_has("0 or 1");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MAXIMIZE, 2.0), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, -1.0), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_VALUE, NAN), DSC_E_ARG);
    /* nothing changed */
    expect_get(opt, DSC_OPTIMIZER_PARAM_LR, 1e-3);
    expect_get(opt, DSC_OPTIMIZER_PARAM_BETA1, 0.9);
    expect_get(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 0.0);
    expect_get(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 0.0);
    /* values at the edges of the range are accepted */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_BETA1, 0.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_BETA2, nextafter(1.0, 0.0)));
    assert_status(dsc_optimizer_set(NULL, DSC_OPTIMIZER_PARAM_LR, 0.1), DSC_E_ARG);
    dsc_optimizer_free(opt);

    opt = make(DSC_OPTIMIZER_RMSPROP);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_ALPHA, 1.5), DSC_E_ARG);
    assert_msg_has("alpha is 1.5; it must be a finite number in [0, 1]");
    dsc_optimizer_free(opt);
    opt = make(DSC_OPTIMIZER_SGD);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, -0.9), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 1.5), DSC_E_ARG);
    dsc_optimizer_free(opt);
}

static void test_optim_unsupported_keys(void **state) {
    (void)state;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    double v = 7.0;
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_BETA1, 0.9), DSC_E_UNSUPPORTED);
    assert_msg_has("SGD has no hyperparameter beta1");
    assert_status(dsc_optimizer_get(opt, DSC_OPTIMIZER_PARAM_EPS, &v), DSC_E_UNSUPPORTED);
    assert_true(v == 7.0);
    assert_status(dsc_optimizer_set(opt, (dsc_optimizer_param)9999, 1.0), DSC_E_UNSUPPORTED);
    dsc_optimizer_free(opt);
    opt = make(DSC_OPTIMIZER_ADAM);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9), DSC_E_UNSUPPORTED);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_RHO, 0.9), DSC_E_UNSUPPORTED);
    dsc_optimizer_free(opt);
    opt = make(DSC_OPTIMIZER_NADAM);
    /* mu_product is per-group state: only group_set may write it */
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MU_PRODUCT, 0.5), DSC_E_UNSUPPORTED);
    dsc_optimizer_free(opt);
}

static void test_optim_nesterov_rules(void **state) {
    (void)state;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 1.0), DSC_E_ARG);
    assert_msg_has("Nesterov momentum requires momentum > 0 and dampening 0");
    expect_get(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 0.0);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.1));
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 1.0), DSC_E_ARG);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 1.0));
    /* the combination must stay valid */
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.0), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.5), DSC_E_ARG);
    expect_get(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9);
    expect_get(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.0);
    float p[2] = {1, 2}, g[2] = {0.5f, 0.25f};
    assert_ok(dsc_optimizer_add_params(opt, p, g, 2, NULL));
    assert_status(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.0), DSC_E_ARG);
    assert_ok(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.5));
    dsc_optimizer_free(opt);
}

static void test_optim_frozen_keys_after_first_step(void **state) {
    (void)state;
    float p[3] = {1, 2, 3}, g[3] = {0.1f, 0.2f, 0.3f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 0.0));
    assert_ok(dsc_optimizer_step(opt));
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1.0), DSC_E_STATE);
    assert_msg_has("before the first step");
    assert_status(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_AMSGRAD, 1.0), DSC_E_STATE);
    /* lr may change any time */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5));
    assert_ok(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_BETA1, 0.8));
    /* a group added later has not stepped yet */
    float p2[1] = {0}, g2[1] = {0};
    size_t gi;
    assert_ok(dsc_optimizer_add_params(opt, p2, g2, 1, &gi));
    assert_int_equal(gi, 1);
    assert_ok(dsc_optimizer_group_set(opt, 1, DSC_OPTIMIZER_PARAM_AMSGRAD, 1.0));
    dsc_optimizer_free(opt);

    opt = make(DSC_OPTIMIZER_RMSPROP);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_ok(dsc_optimizer_step(opt));
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CENTERED, 1.0), DSC_E_STATE);
    dsc_optimizer_free(opt);
    opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_ok(dsc_optimizer_step(opt));
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 1.0), DSC_E_STATE);
    dsc_optimizer_free(opt);
}

static void test_optim_bounds_and_names(void **state) {
    (void)state;
    double lo = -7, hi = -7;
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_PARAM_BETA1, &lo, &hi));
    assert_true(lo == 0.0 && hi < 1.0 && hi == nextafter(1.0, 0.0));
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_LR, &lo, &hi));
    assert_true(lo == 0.0 && hi == 4294967296.0);
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_RMSPROP, DSC_OPTIMIZER_PARAM_CENTERED, &lo, &hi));
    assert_true(lo == 0.0 && hi == 1.0);
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_NADAM, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &lo, &hi));
    assert_true(lo == 0.0 && hi == 1.0); /* 0: what the product reaches after ~1000 steps */
    lo = hi = -7;
    assert_status(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_BETA1, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_true(lo == -7 && hi == -7);
    assert_status(dsc_optimizer_param_bounds((dsc_optimizer_kind)42, DSC_OPTIMIZER_PARAM_LR, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_msg_has("dsc_optimizer_param_bounds: kind 42 is not a dsc_optimizer_kind");
    assert_true(lo == -7 && hi == -7);
    assert_status(dsc_optimizer_param_bounds((dsc_optimizer_kind)0, DSC_OPTIMIZER_PARAM_LR, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, (dsc_optimizer_param)9999, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_msg_has("SGD has no hyperparameter unknown (key 9999)");
    assert_status(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_LR, NULL, &hi), DSC_E_ARG);
    assert_status(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_LR, &lo, NULL), DSC_E_ARG);
    assert_true(lo == -7 && hi == -7);
    /* every kind: its defaults lie inside its bounds */
    static const dsc_optimizer_param keys[] = {
        DSC_OPTIMIZER_PARAM_LR, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC_OPTIMIZER_PARAM_MAXIMIZE, DSC_OPTIMIZER_PARAM_EPS, DSC_OPTIMIZER_PARAM_CLIP_NORM,
        DSC_OPTIMIZER_PARAM_CLIP_VALUE, DSC_OPTIMIZER_PARAM_MOMENTUM, DSC_OPTIMIZER_PARAM_DAMPENING, DSC_OPTIMIZER_PARAM_NESTEROV, DSC_OPTIMIZER_PARAM_BETA1,
        DSC_OPTIMIZER_PARAM_BETA2, DSC_OPTIMIZER_PARAM_AMSGRAD, DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC_OPTIMIZER_PARAM_ALPHA, DSC_OPTIMIZER_PARAM_CENTERED,
        DSC_OPTIMIZER_PARAM_LR_DECAY, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, DSC_OPTIMIZER_PARAM_RHO,
        DSC_OPTIMIZER_PARAM_ETAMINUS, DSC_OPTIMIZER_PARAM_ETAPLUS, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN,
        DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX,
    };
    for (size_t i = 0; i < NKINDS; i++) {
        dsc_optimizer *opt = make(all_kinds[i]);
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) {
            double v;
            dsc_status s = dsc_optimizer_param_bounds(all_kinds[i], keys[j], &lo, &hi);
            dsc_status s2 = dsc_optimizer_get(opt, keys[j], &v);
            assert_int_equal(s, s2);
            if (s == DSC_OK) {
                assert_true(lo <= v && v <= hi);
                assert_ok(dsc_optimizer_set(opt, keys[j], v)); /* default is valid */
                assert_ok(dsc_optimizer_set(opt, keys[j], lo));
                assert_ok(dsc_optimizer_set(opt, keys[j], v));
            }
        }
        dsc_optimizer_free(opt);
    }
    assert_string_equal(dsc_optimizer_param_name(DSC_OPTIMIZER_PARAM_LR), "lr");
    assert_string_equal(dsc_optimizer_param_name(DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE),
                        "initial_accumulator_value");
    assert_string_equal(dsc_optimizer_param_name((dsc_optimizer_param)1), "unknown");
}

static const dsc_optimizer_param every_key[] = {
    DSC_OPTIMIZER_PARAM_LR, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC_OPTIMIZER_PARAM_MAXIMIZE,
    DSC_OPTIMIZER_PARAM_EPS, DSC_OPTIMIZER_PARAM_CLIP_NORM, DSC_OPTIMIZER_PARAM_CLIP_VALUE,
    DSC_OPTIMIZER_PARAM_MOMENTUM, DSC_OPTIMIZER_PARAM_DAMPENING, DSC_OPTIMIZER_PARAM_NESTEROV,
    DSC_OPTIMIZER_PARAM_BETA1, DSC_OPTIMIZER_PARAM_BETA2, DSC_OPTIMIZER_PARAM_AMSGRAD,
    DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC_OPTIMIZER_PARAM_MU_PRODUCT, DSC_OPTIMIZER_PARAM_ALPHA,
    DSC_OPTIMIZER_PARAM_CENTERED, DSC_OPTIMIZER_PARAM_LR_DECAY,
    DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, DSC_OPTIMIZER_PARAM_RHO,
    DSC_OPTIMIZER_PARAM_ETAMINUS, DSC_OPTIMIZER_PARAM_ETAPLUS, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN,
    DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX,
};
#define NKEYS (sizeof every_key / sizeof every_key[0])

/* The default query answers what a new optimizer holds, kind by kind. */
static void test_optim_param_default(void **state) {
    (void)state;
    for (size_t i = 0; i < NKINDS; i++) {
        dsc_optimizer *opt = make(all_kinds[i]);
        float p[1] = {0}, g[1] = {0};
        assert_ok(dsc_optimizer_add_params(opt, p, g, 1, NULL));
        for (size_t j = 0; j < NKEYS; j++) {
            double def = -7, held = -8, lo, hi;
            dsc_status s = dsc_optimizer_param_default(all_kinds[i], every_key[j], &def);
            dsc_status s2 = dsc_optimizer_group_get(opt, 0, every_key[j], &held);
            assert_int_equal(s, s2);
            assert_int_equal(s, dsc_optimizer_param_bounds(all_kinds[i], every_key[j], &lo, &hi));
            if (s != DSC_OK) {
                assert_int_equal(s, DSC_E_UNSUPPORTED);
                assert_true(def == -7); /* left as it was */
                continue;
            }
            if (def != held)
                fail_msg("kind %d %s: default %g, a new optimizer holds %g", (int)all_kinds[i],
                         dsc_optimizer_param_name(every_key[j]), def, held);
            assert_true(lo <= def && def <= hi);
        }
        dsc_optimizer_free(opt);
    }
    /* defaults that depend on the kind */
    static const double lr[] = {1e-3, 1e-2, 1e-2, 1e-3, 1e-3, 1.0, 2e-3, 2e-3, 1e-3, 1e-2};
    double v = 0;
    for (size_t i = 0; i < NKINDS; i++) {
        assert_ok(dsc_optimizer_param_default(all_kinds[i], DSC_OPTIMIZER_PARAM_LR, &v));
        assert_true(v == lr[i]);
        if (all_kinds[i] == DSC_OPTIMIZER_RPROP) { /* torch.optim.Rprop has no weight_decay */
            assert_status(dsc_optimizer_param_default(all_kinds[i], DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, &v),
                          DSC_E_UNSUPPORTED);
            assert_msg_has("Rprop has no hyperparameter weight_decay");
            continue;
        }
        assert_ok(dsc_optimizer_param_default(all_kinds[i], DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, &v));
        assert_true(v == (all_kinds[i] == DSC_OPTIMIZER_ADAMW ? 0.01 : 0.0));
    }
    assert_ok(dsc_optimizer_param_default(DSC_OPTIMIZER_ADAGRAD, DSC_OPTIMIZER_PARAM_EPS, &v));
    assert_true(v == 1e-10);
    assert_ok(dsc_optimizer_param_default(DSC_OPTIMIZER_ADADELTA, DSC_OPTIMIZER_PARAM_EPS, &v));
    assert_true(v == 1e-6);
    assert_ok(dsc_optimizer_param_default(DSC_OPTIMIZER_RADAM, DSC_OPTIMIZER_PARAM_EPS, &v));
    assert_true(v == 1e-8);
    assert_ok(dsc_optimizer_param_default(DSC_OPTIMIZER_NADAM, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &v));
    assert_true(v == 1.0);
    /* failures */
    v = -7;
    assert_status(dsc_optimizer_param_default(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_LR, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_param_default((dsc_optimizer_kind)0, DSC_OPTIMIZER_PARAM_LR, &v),
                  DSC_E_UNSUPPORTED);
    assert_msg_has("dsc_optimizer_param_default: kind 0 is not a dsc_optimizer_kind");
    assert_status(dsc_optimizer_param_default((dsc_optimizer_kind)11, DSC_OPTIMIZER_PARAM_LR, &v),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_optimizer_param_default(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_EPS, &v),
                  DSC_E_UNSUPPORTED);
    assert_msg_has("SGD has no hyperparameter eps");
    assert_status(dsc_optimizer_param_default(DSC_OPTIMIZER_ADAM, (dsc_optimizer_param)1, &v),
                  DSC_E_UNSUPPORTED);
    assert_true(v == -7);
}

/* The kinds' tables (optimizer_impl.h): one name per key across kinds, every
 * key known to the engine, flags that make sense together. */
static void test_optim_kind_tables(void **state) {
    (void)state;
    static const dsc__opt_def *const defs[] = {
        &dsc__opt_sgd,      &dsc__opt_adagrad, &dsc__opt_rmsprop, &dsc__opt_adam,  &dsc__opt_adamw,
        &dsc__opt_adadelta, &dsc__opt_adamax,  &dsc__opt_nadam,   &dsc__opt_radam, &dsc__opt_rprop,
    };
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        const dsc__opt_def *d = defs[i];
        assert_int_equal(d->kind, all_kinds[i]);
        assert_true(d->nstate <= DSC__MAX_STATE);
        for (size_t r = 0; r < d->nhp; r++) {
            const dsc__setting *row = &d->hp[r];
            int known = 0;
            for (size_t j = 0; j < NKEYS; j++) known |= (int)every_key[j] == row->key;
            if (!known) fail_msg("%s: key %d is not in the test's key list", d->name, row->key);
            if (strcmp(row->name, dsc_optimizer_param_name((dsc_optimizer_param)row->key)) != 0)
                fail_msg("%s names key %d '%s', another kind '%s'", d->name, row->key, row->name,
                         dsc_optimizer_param_name((dsc_optimizer_param)row->key));
            assert_null(dsc__setting_find(d->hp, r, row->key)); /* no key twice */
            assert_ok(dsc__setting_check(row, row->def, "test"));
            if (row->flags & DSC__OPT_REFILLS) assert_true(row->flags & DSC__OPT_FROZEN);
            assert_false((row->flags & DSC__OPT_GLOBAL) && (row->flags & DSC__OPT_STATE));
        }
    }
}

/* The state keys a snapshot saves besides buffers: NAdam's mu_product only. */
static void test_optim_state_keys(void **state) {
    (void)state;
    for (size_t i = 0; i < NKINDS; i++) {
        dsc_optimizer *opt = make(all_kinds[i]);
        dsc_optimizer_param keys[2] = {(dsc_optimizer_param)0, (dsc_optimizer_param)0};
        size_t n = dsc__optimizer_state_keys(opt, keys, 2);
        if (all_kinds[i] == DSC_OPTIMIZER_NADAM) {
            assert_int_equal(n, 1);
            assert_int_equal(keys[0], DSC_OPTIMIZER_PARAM_MU_PRODUCT);
            keys[0] = (dsc_optimizer_param)0;
            assert_int_equal(dsc__optimizer_state_keys(opt, keys, 0), 1); /* counts only */
            assert_int_equal(keys[0], 0);
        } else {
            assert_int_equal(n, 0);
            assert_int_equal(keys[0], 0);
        }
        dsc_optimizer_free(opt);
    }
}

/* reset_state: a new optimizer's state with the same groups and settings,
 * through the kinds' hooks (lazy buffers, start values, state keys). */
static void test_optim_reset_state(void **state) {
    (void)state;
    for (size_t k = 0; k < NKINDS; k++) {
        float pa[5], ga[5], pb[5], gb[5];
        for (int i = 0; i < 5; i++) pa[i] = pb[i] = 0.25f * (float)i - 0.5f;
        dsc_optimizer *a = make(all_kinds[k]), *b = make(all_kinds[k]);
        dsc_optimizer *both[2] = {a, b};
        for (int o = 0; o < 2; o++) {
            use_all_state(both[o], all_kinds[k]);
            if (all_kinds[k] == DSC_OPTIMIZER_ADAGRAD)
                assert_ok(dsc_optimizer_set(both[o], DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, 0.5));
        }
        assert_ok(dsc_optimizer_add_params(a, pa, ga, 5, NULL));
        assert_ok(dsc_optimizer_add_params(b, pb, gb, 5, NULL));
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 5; i++) ga[i] = cosf((float)(t * 5 + i));
            assert_ok(dsc_optimizer_step(a));
        }
        assert_ok(dsc_optimizer_reset_state(a));
        uint64_t steps = 9;
        assert_ok(dsc_optimizer_group_step_count(a, 0, &steps));
        assert_int_equal(steps, 0);
        size_t ns = 0;
        assert_ok(dsc_optimizer_state_count(a, &ns));
        for (size_t s = 0; s < ns; s++) {
            int ua = -1, ub = -2;
            float sa[5], sb[5];
            assert_ok(dsc_optimizer_state_in_use(a, 0, s, &ua));
            assert_ok(dsc_optimizer_state_in_use(b, 0, s, &ub));
            assert_int_equal(ua, ub);
            assert_ok(dsc_optimizer_state_get(a, 0, s, sa, 5));
            assert_ok(dsc_optimizer_state_get(b, 0, s, sb, 5));
            assert_memory_equal(sa, sb, sizeof sa);
        }
        if (all_kinds[k] == DSC_OPTIMIZER_NADAM) {
            double mu = 0;
            assert_ok(dsc_optimizer_group_get(a, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mu));
            assert_true(mu == 1.0);
        }
        /* from the same parameters, a reset optimizer steps as a new one */
        memcpy(pa, pb, sizeof pa);
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 5; i++) ga[i] = gb[i] = sinf((float)(t * 5 + i));
            assert_ok(dsc_optimizer_step(a));
            assert_ok(dsc_optimizer_step(b));
        }
        if (memcmp(pa, pb, sizeof pa) != 0)
            fail_msg("kind %d: a reset optimizer differs from a new one", (int)all_kinds[k]);
        dsc_optimizer_free(a);
        dsc_optimizer_free(b);
    }
    assert_status(dsc_optimizer_reset_state(NULL), DSC_E_ARG);
}

static void test_optim_null_and_bad_group(void **state) {
    (void)state;
    float p[2] = {0}, g[2] = {0};
    double v;
    size_t n;
    uint64_t u;
    const char *name;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_status(dsc_optimizer_add_params(NULL, p, g, 2, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_add_params(opt, NULL, g, 2, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_add_params(opt, p, NULL, 2, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_add_params(opt, p, g, 0, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_add_params(opt, p, p + 1, 2, NULL), DSC_E_ARG); /* overlap */
    assert_msg_has("overlap");
    assert_ok(dsc_optimizer_group_count(opt, &n));
    assert_int_equal(n, 0);
    assert_status(dsc_optimizer_step(opt), DSC_E_STATE); /* no group */
    assert_status(dsc_optimizer_step(NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_zero_grad(NULL), DSC_E_ARG);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 2, NULL));
    assert_status(dsc_optimizer_group_count(opt, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_group_count(NULL, &n), DSC_E_ARG);
    assert_status(dsc_optimizer_group_size(opt, 1, &n), DSC_E_ARG);
    assert_msg_has("group is 1; it must be below the group count 1");
    assert_ok(dsc_optimizer_group_size(opt, 0, &n));
    assert_int_equal(n, 2);
    assert_status(dsc_optimizer_group_set(opt, 1, DSC_OPTIMIZER_PARAM_LR, 0.1), DSC_E_ARG);
    assert_status(dsc_optimizer_group_get(opt, 5, DSC_OPTIMIZER_PARAM_LR, &v), DSC_E_ARG);
    assert_status(dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_LR, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_get(opt, DSC_OPTIMIZER_PARAM_LR, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_get(NULL, DSC_OPTIMIZER_PARAM_LR, &v), DSC_E_ARG);
    assert_status(dsc_optimizer_group_set(NULL, 0, DSC_OPTIMIZER_PARAM_LR, 0.1), DSC_E_ARG);
    assert_status(dsc_optimizer_group_step_count(opt, 1, &u), DSC_E_ARG);
    assert_status(dsc_optimizer_group_step_count(opt, 0, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_group_set_step_count(opt, 1, 3), DSC_E_ARG);
    assert_status(dsc_optimizer_group_set_step_count(NULL, 0, 3), DSC_E_ARG);
    assert_status(dsc_optimizer_state_count(opt, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_state_name(opt, 1, &name), DSC_E_ARG);
    assert_status(dsc_optimizer_state_name(opt, 0, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_state_get(opt, 1, 0, p, 2), DSC_E_ARG);
    assert_status(dsc_optimizer_state_get(opt, 0, 1, p, 2), DSC_E_ARG);
    assert_status(dsc_optimizer_state_get(opt, 0, 0, NULL, 2), DSC_E_ARG);
    assert_status(dsc_optimizer_state_set(NULL, 0, 0, p, 2), DSC_E_ARG);
    assert_status(dsc_optimizer_last_grad_norm(opt, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_refused_steps(NULL, &u), DSC_E_ARG);
    assert_status(dsc_optimizer_set_grad_hook(NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_kind_of(NULL, NULL), DSC_E_ARG);
    dsc_optimizer_free(opt);
}

static int all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* Snapshot of everything a refused step must leave alone. */
typedef struct snap {
    float p[16], g[16], st[3][16];
    uint64_t step;
    double mu;
} snap;

static void take(dsc_optimizer *opt, const float *p, const float *g, size_t n, snap *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->p, p, n * sizeof *p);
    memcpy(s->g, g, n * sizeof *g);
    size_t ns;
    assert_ok(dsc_optimizer_state_count(opt, &ns));
    for (size_t i = 0; i < ns; i++) assert_ok(dsc_optimizer_state_get(opt, 0, i, s->st[i], n));
    assert_ok(dsc_optimizer_group_step_count(opt, 0, &s->step));
    dsc_optimizer_kind k;
    assert_ok(dsc_optimizer_kind_of(opt, &k));
    if (k == DSC_OPTIMIZER_NADAM) assert_ok(dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &s->mu));
}

static void test_optim_refused_step_leaves_everything(void **state) {
    (void)state;
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < NKINDS; k++) {
        for (int clip = 0; clip < 2; clip++) {
            float p[8], g[8];
            for (int i = 0; i < 8; i++) {
                p[i] = 0.1f * (float)i - 0.3f;
                g[i] = 0.05f * (float)(i * i) - 0.7f;
            }
            dsc_optimizer *opt = make(all_kinds[k]);
            use_all_state(opt, all_kinds[k]);
            if (clip) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 0.5));
            assert_ok(dsc_optimizer_add_params(opt, p, g, 8, NULL));
            assert_ok(dsc_optimizer_step(opt));
            assert_ok(dsc_optimizer_step(opt));
            for (int b = 0; b < 3; b++) {
                g[(b * 3) % 8] = bad[b];
                snap before, after;
                take(opt, p, g, 8, &before);
                assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
                assert_msg_has("step refused");
                take(opt, p, g, 8, &after);
                if (memcmp(&before, &after, sizeof before) != 0)
                    fail_msg("kind %d: a refused step changed something", (int)all_kinds[k]);
                uint64_t refused;
                assert_ok(dsc_optimizer_refused_steps(opt, &refused));
                assert_int_equal(refused, (uint64_t)b + 1);
                double norm;
                assert_ok(dsc_optimizer_last_grad_norm(opt, &norm));
                assert_true(!isfinite(norm));
                g[(b * 3) % 8] = 0.25f;
            }
            /* and the optimizer goes on once gradients are finite again */
            assert_ok(dsc_optimizer_step(opt));
            uint64_t steps;
            assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
            assert_int_equal(steps, 3);
            dsc_optimizer_free(opt);
        }
    }
}

static void test_optim_sgd_on_host_array_exact(void **state) {
    (void)state;
    /* minimise sum (x_i - c_i)^2 with plain SGD: one step is exact, many converge */
    float x[3] = {0.0f, 1.0f, -2.0f}, g[3];
    const float c[3] = {1.5f, -0.5f, 3.0f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.125));
    assert_ok(dsc_optimizer_add_params(opt, x, g, 3, NULL));
    for (int i = 0; i < 3; i++) g[i] = 2.0f * (x[i] - c[i]);
    assert_ok(dsc_optimizer_step(opt));
    assert_true(x[0] == 0.375f && x[1] == 0.625f && x[2] == -0.75f);
    for (int it = 0; it < 200; it++) {
        for (int i = 0; i < 3; i++) g[i] = 2.0f * (x[i] - c[i]);
        assert_ok(dsc_optimizer_step(opt));
    }
    assert_floats_near(x, c, 3, 0, 1e-6);
    assert_ok(dsc_optimizer_zero_grad(opt));
    assert_true(g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.0f);
    /* maximize climbs instead */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MAXIMIZE, 1));
    g[0] = 1.0f;
    x[0] = 1.5f;
    assert_ok(dsc_optimizer_step(opt));
    assert_true(x[0] == 1.625f);
    dsc_optimizer_free(opt);
}

static void test_optim_adam_tunes_host_array(void **state) {
    (void)state;
    float x[2] = {3.0f, -4.0f}, g[2];
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.05));
    assert_ok(dsc_optimizer_add_params(opt, x, g, 2, NULL));
    for (int it = 0; it < 2000; it++) {
        g[0] = 2.0f * (x[0] - 1.0f);
        g[1] = 20.0f * (x[1] + 2.0f);
        assert_ok(dsc_optimizer_step(opt));
    }
    const float want[2] = {1.0f, -2.0f};
    assert_floats_near(x, want, 2, 0, 1e-3);
    dsc_optimizer_free(opt);
}

static void test_optim_groups_have_own_hyperparameters(void **state) {
    (void)state;
    float w[2] = {1.0f, 1.0f}, gw[2] = {0.5f, 0.5f};
    float b[1] = {1.0f}, gb[1] = {0.5f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.5));
    size_t gi = 99;
    assert_ok(dsc_optimizer_add_params(opt, w, gw, 2, &gi));
    assert_int_equal(gi, 0);
    assert_ok(dsc_optimizer_add_params(opt, b, gb, 1, &gi));
    assert_int_equal(gi, 1);
    /* no weight decay on biases, and their own lr */
    assert_ok(dsc_optimizer_group_set(opt, 1, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.0));
    assert_ok(dsc_optimizer_group_set(opt, 1, DSC_OPTIMIZER_PARAM_LR, 0.25));
    double v;
    assert_ok(dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_LR, &v));
    assert_true(v == 0.5);
    assert_ok(dsc_optimizer_group_get(opt, 1, DSC_OPTIMIZER_PARAM_LR, &v));
    assert_true(v == 0.25);
    assert_ok(dsc_optimizer_get(opt, DSC_OPTIMIZER_PARAM_LR, &v)); /* the default is untouched */
    assert_true(v == 0.5);
    assert_ok(dsc_optimizer_step(opt));
    /* w: g = 0.5 + 0.5*1 = 1, w = 1 - 0.5 = 0.5; b: g = 0.5, b = 1 - 0.125 */
    assert_true(w[0] == 0.5f && w[1] == 0.5f);
    assert_true(b[0] == 0.875f);
    /* dsc_optimizer_set reaches every group */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.0));
    assert_ok(dsc_optimizer_step(opt));
    assert_true(w[0] == 0.5f && b[0] == 0.875f);
    size_t n;
    assert_ok(dsc_optimizer_group_count(opt, &n));
    assert_int_equal(n, 2);
    dsc_optimizer_free(opt);
}

static void test_optim_clip_norm_across_groups(void **state) {
    (void)state;
    float p1[1] = {0}, g1[1] = {3.0f}, p2[1] = {0}, g2[1] = {4.0f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 1.0));
    assert_ok(dsc_optimizer_add_params(opt, p1, g1, 1, NULL));
    assert_ok(dsc_optimizer_add_params(opt, p2, g2, 1, NULL));
    assert_status(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_CLIP_NORM, 2.0), DSC_E_UNSUPPORTED);
    double v;
    assert_ok(dsc_optimizer_group_get(opt, 1, DSC_OPTIMIZER_PARAM_CLIP_NORM, &v));
    assert_true(v == 1.0);
    assert_ok(dsc_optimizer_step(opt));
    double norm;
    assert_ok(dsc_optimizer_last_grad_norm(opt, &norm));
    assert_true(norm == 5.0);
    float s = (float)(1.0 / (5.0 + 1e-6));
    assert_true(p1[0] == -(3.0f * s) && p2[0] == -(4.0f * s));
    assert_true(g1[0] == 3.0f && g2[0] == 4.0f); /* gradients are never written */
    /* a norm just under max_norm is still scaled: torch divides by norm + 1e-6 */
    p1[0] = p2[0] = 0;
    g1[0] = 0.6f;
    g2[0] = 0.8f;
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p2[0] < 0 && p2[0] > -0.8f);
    /* a small gradient is left alone */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 10.0));
    p1[0] = 0;
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p1[0] == -0.6f);
    dsc_optimizer_free(opt);
}

static void test_optim_clip_value(void **state) {
    (void)state;
    float p[4] = {0, 0, 0, 0}, g[4] = {-3.0f, -0.25f, 0.5f, 7.0f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_VALUE, 0.5));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    assert_ok(dsc_optimizer_step(opt));
    const float want[4] = {0.5f, 0.25f, -0.5f, -0.5f};
    assert_floats_near(p, want, 4, 0, 0);
    double norm;
    assert_ok(dsc_optimizer_last_grad_norm(opt, &norm));
    assert_true(fabs(norm - sqrt(9.0 + 0.0625 + 0.25 + 49.0)) < 1e-12);
    assert_true(g[3] == 7.0f);
    dsc_optimizer_free(opt);
}

static void test_optim_step_allocates_nothing(void **state) {
    (void)state;
    float p[37], g[37], p2[5], g2[5];
    for (int i = 0; i < 37; i++) { p[i] = 0.01f * (float)i; g[i] = 0.02f * (float)(i % 7) - 0.05f; }
    for (int i = 0; i < 5; i++) { p2[i] = 1.0f; g2[i] = 0.5f; }
    for (size_t k = 0; k < NKINDS; k++) {
        harness_alloc_install(0);
        dsc_optimizer *opt = make(all_kinds[k]);
        use_all_state(opt, all_kinds[k]);
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 1.0));
        assert_ok(dsc_optimizer_add_params(opt, p, g, 37, NULL));
        assert_ok(dsc_optimizer_add_params(opt, p2, g2, 5, NULL));
        long before = harness_alloc_count();
        for (int it = 0; it < 50; it++) {
            assert_ok(dsc_optimizer_step(opt));
            assert_ok(dsc_optimizer_group_set(opt, 0, DSC_OPTIMIZER_PARAM_LR, 1e-3 * (it + 1)));
        }
        g[3] = NAN;
        assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
        g[3] = 0.1f;
        assert_ok(dsc_optimizer_zero_grad(opt));
        assert_int_equal(harness_alloc_count(), before);
        dsc_optimizer_free(opt);
        assert_int_equal(harness_alloc_live(), 0);
    }
}

static void test_optim_state_roundtrip_resumes_bitwise(void **state) {
    (void)state;
    for (size_t k = 0; k < NKINDS; k++) {
        float pa[9], ga[9], pb[9], gb[9], buf[9];
        for (int i = 0; i < 9; i++) pa[i] = 0.3f * (float)i - 1.0f;
        dsc_optimizer *a = make(all_kinds[k]), *b = make(all_kinds[k]);
        dsc_optimizer *both[2] = {a, b};
        for (int o = 0; o < 2; o++) use_all_state(both[o], all_kinds[k]);
        assert_ok(dsc_optimizer_add_params(a, pa, ga, 9, NULL));
        for (int t = 0; t < 5; t++) {
            for (int i = 0; i < 9; i++) ga[i] = sinf((float)(t * 9 + i));
            assert_ok(dsc_optimizer_step(a));
        }
        /* b resumes from a's checkpoint */
        memcpy(pb, pa, sizeof pb);
        assert_ok(dsc_optimizer_add_params(b, pb, gb, 9, NULL));
        size_t ns;
        assert_ok(dsc_optimizer_state_count(a, &ns));
        for (size_t s = 0; s < ns; s++) {
            const char *name;
            assert_ok(dsc_optimizer_state_name(a, s, &name));
            assert_true(name[0] != '\0');
            assert_ok(dsc_optimizer_state_get(a, 0, s, buf, 9));
            int in_use = -1;
            assert_ok(dsc_optimizer_state_in_use(a, 0, s, &in_use));
            if (!in_use) { /* unused buffer: reads as zeros, and is not restored */
                for (int i = 0; i < 9; i++) assert_true(buf[i] == 0.0f);
                continue;
            }
            assert_ok(dsc_optimizer_state_set(b, 0, s, buf, 9));
            assert_status(dsc_optimizer_state_get(a, 0, s, buf, 8), DSC_E_SHAPE);
        }
        uint64_t steps;
        assert_ok(dsc_optimizer_group_step_count(a, 0, &steps));
        assert_int_equal(steps, 5);
        assert_ok(dsc_optimizer_group_set_step_count(b, 0, steps));
        if (all_kinds[k] == DSC_OPTIMIZER_NADAM) {
            double mu;
            assert_ok(dsc_optimizer_group_get(a, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mu));
            assert_true(mu < 1.0);
            assert_ok(dsc_optimizer_group_set(b, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, mu));
        }
        for (int t = 5; t < 10; t++) {
            for (int i = 0; i < 9; i++) ga[i] = gb[i] = sinf((float)(t * 9 + i));
            assert_ok(dsc_optimizer_step(a));
            assert_ok(dsc_optimizer_step(b));
        }
        if (memcmp(pa, pb, sizeof pa) != 0)
            fail_msg("kind %d: resumed run differs", (int)all_kinds[k]);
        dsc_optimizer_free(a);
        dsc_optimizer_free(b);
    }
}

static void test_optim_state_unused_buffer(void **state) {
    (void)state;
    float p[4] = {0}, g[4] = {1, 1, 1, 1}, buf[4] = {9, 9, 9, 9};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    const char *name;
    assert_ok(dsc_optimizer_state_name(opt, 2, &name));
    assert_string_equal(name, "max_exp_avg_sq");
    int in_use = -1;
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 2, &in_use));
    assert_int_equal(in_use, 0);
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 1, &in_use));
    assert_int_equal(in_use, 1);
    assert_status(dsc_optimizer_state_in_use(opt, 0, 3, &in_use), DSC_E_ARG);
    assert_status(dsc_optimizer_state_in_use(opt, 1, 0, &in_use), DSC_E_ARG);
    assert_ok(dsc_optimizer_state_get(opt, 0, 2, buf, 4));
    assert_true(buf[0] == 0.0f && buf[3] == 0.0f);
    /* turning amsgrad on allocates it, before any step */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 2, &in_use));
    assert_int_equal(in_use, 1);
    dsc_optimizer_free(opt);
    /* restoring a buffer the settings leave off allocates it */
    opt = make(DSC_OPTIMIZER_RMSPROP);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 2, &in_use));
    assert_int_equal(in_use, 0);
    buf[1] = 5.0f;
    assert_ok(dsc_optimizer_state_set(opt, 0, 2, buf, 4));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 2, &in_use));
    assert_int_equal(in_use, 1);
    float back[4];
    assert_ok(dsc_optimizer_state_get(opt, 0, 2, back, 4));
    assert_true(back[1] == 5.0f);
    dsc_optimizer_free(opt);
    /* SGD's buffer is in use only once momentum has acted (PyTorch's None) */
    opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 0, &in_use));
    assert_int_equal(in_use, 0);
    assert_ok(dsc_optimizer_step(opt));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 0, &in_use));
    assert_int_equal(in_use, 1);
    dsc_optimizer_free(opt);
}

static void test_optim_sgd_momentum_switched_on_later(void **state) {
    (void)state;
    float p[2] = {0, 0}, g[2] = {1.0f, -2.0f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 2, NULL));
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p[0] == -1.0f && p[1] == 2.0f);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.5));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_DAMPENING, 0.5));
    /* buffer starts as the gradient itself, undampened (as torch.optim.SGD) */
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p[0] == -2.0f && p[1] == 4.0f);
    /* then b = 0.5*b + 0.5*g = 1 */
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p[0] == -3.0f && p[1] == 6.0f);
    dsc_optimizer_free(opt);
}

static void test_optim_adagrad_initial_accumulator(void **state) {
    (void)state;
    float p[3] = {0}, g[3] = {1, 2, 3}, s[3];
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAGRAD);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, 0.5));
    assert_ok(dsc_optimizer_state_get(opt, 0, 0, s, 3));
    assert_true(s[0] == 0.5f && s[2] == 0.5f);
    assert_ok(dsc_optimizer_step(opt));
    assert_ok(dsc_optimizer_state_get(opt, 0, 0, s, 3));
    assert_true(s[0] == 1.5f && s[2] == 9.5f);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, 0.1), DSC_E_STATE);
    dsc_optimizer_free(opt);
}

static int hook_calls;
static dsc_status hook_double(dsc_optimizer *opt, size_t group, float *grads, size_t n,
                              void *user) {
    (void)opt;
    assert_int_equal(*(int *)user, 42);
    assert_int_equal(group, (size_t)hook_calls);
    for (size_t i = 0; i < n; i++) grads[i] *= 2.0f;
    hook_calls++;
    return DSC_OK;
}

static dsc_status hook_fail(dsc_optimizer *opt, size_t group, float *grads, size_t n, void *user) {
    (void)opt; (void)group; (void)grads; (void)n; (void)user;
    return DSC_E_IO;
}

static void test_optim_grad_hook_runs_first(void **state) {
    (void)state;
    float p[2] = {0, 0}, g[2] = {1.0f, INFINITY}, q[1] = {0}, h[1] = {0.25f};
    int user = 42;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 2, NULL));
    assert_ok(dsc_optimizer_add_params(opt, q, h, 1, NULL));
    assert_ok(dsc_optimizer_set_grad_hook(opt, hook_double, &user));
    hook_calls = 0;
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE); /* hook ran, then the check */
    assert_int_equal(hook_calls, 2);
    assert_true(p[0] == 0.0f && q[0] == 0.0f);
    g[0] = 1.0f;
    g[1] = 0.5f;
    h[0] = 0.25f;
    hook_calls = 0;
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p[0] == -2.0f && p[1] == -1.0f && q[0] == -0.5f);
    assert_ok(dsc_optimizer_set_grad_hook(opt, hook_fail, NULL));
    assert_status(dsc_optimizer_step(opt), DSC_E_IO);
    assert_msg_has("hook");
    assert_true(p[0] == -2.0f);
    uint64_t steps;
    assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
    assert_int_equal(steps, 1);
    assert_ok(dsc_optimizer_set_grad_hook(opt, NULL, NULL));
    assert_ok(dsc_optimizer_step(opt));
    dsc_optimizer_free(opt);
}

static void test_optim_every_isa_gives_same_trajectory(void **state) {
    (void)state;
    /* The handle caches the kernel table; every ISA must match scalar bit for bit. */
    static const char *const isas[] = {"scalar", "sse2", "avx2", "avx512", "neon"};
    for (size_t k = 0; k < NKINDS; k++) {
        float ref[67];
        int have_ref = 0;
        for (size_t s = 0; s < sizeof isas / sizeof isas[0]; s++) {
            if (!dsc_isa_available(isas[s])) continue;
            assert_ok(dsc_set_isa(isas[s]));
            float p[67], g[67];
            for (int i = 0; i < 67; i++) p[i] = cosf((float)i);
            dsc_optimizer *opt = make(all_kinds[k]);
            if (has_key(all_kinds[k], DSC_OPTIMIZER_PARAM_WEIGHT_DECAY))
                assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.01));
            assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 2.0));
            assert_ok(dsc_optimizer_add_params(opt, p, g, 67, NULL));
            for (int t = 0; t < 7; t++) {
                for (int i = 0; i < 67; i++) g[i] = sinf((float)(t * 67 + i));
                assert_ok(dsc_optimizer_step(opt));
            }
            dsc_optimizer_free(opt);
            if (!have_ref) { memcpy(ref, p, sizeof ref); have_ref = 1; }
            else if (memcmp(ref, p, sizeof ref) != 0)
                fail_msg("kind %d: %s differs from scalar", (int)all_kinds[k], isas[s]);
        }
    }
    assert_ok(dsc_set_isa(NULL));
}

/* Random (key, value) sequences into every setter, interleaved with steps
 * (zstd's fuzz-the-setters idea, deterministic here): a refused call leaves
 * the value as it was, an accepted one is read back exactly, and the
 * optimizer never crashes or steps on a bad configuration. */
static void test_optim_random_hparam_sequences(void **state) {
    (void)state;
    static const dsc_optimizer_param keys[] = {
        DSC_OPTIMIZER_PARAM_LR, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC_OPTIMIZER_PARAM_MAXIMIZE, DSC_OPTIMIZER_PARAM_EPS, DSC_OPTIMIZER_PARAM_CLIP_NORM,
        DSC_OPTIMIZER_PARAM_CLIP_VALUE, DSC_OPTIMIZER_PARAM_MOMENTUM, DSC_OPTIMIZER_PARAM_DAMPENING, DSC_OPTIMIZER_PARAM_NESTEROV, DSC_OPTIMIZER_PARAM_BETA1,
        DSC_OPTIMIZER_PARAM_BETA2, DSC_OPTIMIZER_PARAM_AMSGRAD, DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC_OPTIMIZER_PARAM_MU_PRODUCT, DSC_OPTIMIZER_PARAM_ALPHA,
        DSC_OPTIMIZER_PARAM_CENTERED, DSC_OPTIMIZER_PARAM_LR_DECAY, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, DSC_OPTIMIZER_PARAM_RHO,
        DSC_OPTIMIZER_PARAM_ETAMINUS, DSC_OPTIMIZER_PARAM_ETAPLUS, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX,
        (dsc_optimizer_param)0, (dsc_optimizer_param)104, (dsc_optimizer_param)-1,
    };
    static const double values[] = {0.0, 1.0, -1.0, 0.5, 0.9, 0.999, 1e-8, 2.0, 1e300, -1e-300,
                                    NAN, INFINITY, -INFINITY, 0.999999, 1e-3, 0.1};
    uint64_t x = 12345;
    for (size_t k = 0; k < NKINDS; k++) {
        float p[13], g[13];
        for (int i = 0; i < 13; i++) { p[i] = 0.1f * (float)i; g[i] = 0.01f * (float)(13 - i); }
        dsc_optimizer *opt = make(all_kinds[k]);
        assert_ok(dsc_optimizer_add_params(opt, p, g, 13, NULL));
        for (int it = 0; it < 400; it++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            dsc_optimizer_param key = keys[(x >> 33) % (sizeof keys / sizeof keys[0])];
            double v = values[(x >> 45) % (sizeof values / sizeof values[0])];
            int per_group = (x >> 20) & 1;
            double before = 0, after = 0;
            dsc_status gs = per_group ? dsc_optimizer_group_get(opt, 0, key, &before)
                                      : dsc_optimizer_get(opt, key, &before);
            dsc_status s = per_group ? dsc_optimizer_group_set(opt, 0, key, v)
                                     : dsc_optimizer_set(opt, key, v);
            if (gs != DSC_OK) {
                assert_int_equal(s, gs); /* unsupported either way */
                continue;
            }
            if (per_group) assert_ok(dsc_optimizer_group_get(opt, 0, key, &after));
            else assert_ok(dsc_optimizer_get(opt, key, &after));
            if (s == DSC_OK) assert_true(after == v);
            else {
                assert_true(s == DSC_E_ARG || s == DSC_E_STATE || s == DSC_E_UNSUPPORTED);
                assert_true(after == before || (isnan(after) && isnan(before)));
            }
            if ((x >> 60) == 0) {
                float p_before[13];
                memcpy(p_before, p, sizeof p);
                s = dsc_optimizer_step(opt);
                assert_true(s == DSC_OK || s == DSC_E_NONFINITE);
                /* DSC_OK means finite parameters; a refusal changes none */
                if (s == DSC_OK) assert_true(all_finite(p, 13));
                else assert_memory_equal(p, p_before, sizeof p);
            }
        }
        dsc_optimizer_free(opt);
    }
}

/* Everything of one group a refused step must leave alone, in_use included. */
typedef struct gsnap {
    float p[16], g[16], st[3][16];
    int in_use[3];
    uint64_t step;
    double mu;
} gsnap;

static void take_group(dsc_optimizer *opt, size_t group, const float *p, const float *g, size_t n,
                       gsnap *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->p, p, n * sizeof *p);
    memcpy(s->g, g, n * sizeof *g);
    size_t ns;
    assert_ok(dsc_optimizer_state_count(opt, &ns));
    for (size_t i = 0; i < ns; i++) {
        assert_ok(dsc_optimizer_state_get(opt, group, i, s->st[i], n));
        assert_ok(dsc_optimizer_state_in_use(opt, group, i, &s->in_use[i]));
    }
    assert_ok(dsc_optimizer_group_step_count(opt, group, &s->step));
    dsc_optimizer_kind k;
    assert_ok(dsc_optimizer_kind_of(opt, &k));
    if (k == DSC_OPTIMIZER_NADAM)
        assert_ok(dsc_optimizer_group_get(opt, group, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &s->mu));
}

/* Issue 12: a step whose update would write an infinity (here 3e38 + 3e38
 * through the weight decay, or its square) was taken and returned DSC_OK.
 * Now it is refused like a non-finite gradient, in every kind: both groups'
 * parameters, state, in-use flags, step counts and mu_product bit for bit
 * as they were, the refused-step counter up, the message naming the group
 * and element. The gradients themselves are finite. */
static void test_optim_refuses_nonfinite_result(void **state) {
    (void)state;
    for (size_t k = 0; k < NKINDS; k++) {
        /* Rprop's update cannot overflow: p moves by a step size of at most
         * 2^32, which rounds away next to FLT_MAX (its guard is the gradient
         * check, tested with every kind). */
        if (all_kinds[k] == DSC_OPTIMIZER_RPROP) continue;
        float p0[8], g0[8], p1[8], g1[8];
        for (int i = 0; i < 8; i++) {
            p0[i] = p1[i] = 0.1f * (float)i - 0.3f;
            g0[i] = g1[i] = 0.05f * (float)(i * i) - 0.7f;
        }
        dsc_optimizer *opt = make(all_kinds[k]);
        use_all_state(opt, all_kinds[k]);
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 1.0));
        assert_ok(dsc_optimizer_add_params(opt, p0, g0, 8, NULL));
        assert_ok(dsc_optimizer_add_params(opt, p1, g1, 8, NULL));
        assert_ok(dsc_optimizer_step(opt));
        assert_ok(dsc_optimizer_step(opt));
        p1[5] = 3e38f;
        g1[5] = 3e38f;
        gsnap b0, b1, a0, a1;
        take_group(opt, 0, p0, g0, 8, &b0);
        take_group(opt, 1, p1, g1, 8, &b1);
        assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
        assert_msg_has("dsc_optimizer_step: the update of group 1 would write NaN or an infinity at "
                       "element 5 (parameter 3e+38, gradient 3e+38");
        assert_msg_has("step refused, parameters and state unchanged");
        take_group(opt, 0, p0, g0, 8, &a0);
        take_group(opt, 1, p1, g1, 8, &a1);
        if (memcmp(&b0, &a0, sizeof b0) != 0 || memcmp(&b1, &a1, sizeof b1) != 0)
            fail_msg("kind %d: a refused step changed something", (int)all_kinds[k]);
        uint64_t refused = 0;
        assert_ok(dsc_optimizer_refused_steps(opt, &refused));
        assert_int_equal(refused, 1);
        /* the norm of the gradients was finite and is reported */
        double norm = 0;
        assert_ok(dsc_optimizer_last_grad_norm(opt, &norm));
        assert_true(isfinite(norm) && norm > 1e38);
        /* back to sane values, the optimizer goes on from where it was */
        p1[5] = 0.5f;
        g1[5] = 0.5f;
        assert_ok(dsc_optimizer_step(opt));
        assert_true(all_finite(p0, 8) && all_finite(p1, 8));
        uint64_t steps = 0;
        assert_ok(dsc_optimizer_group_step_count(opt, 1, &steps));
        assert_int_equal(steps, 3);
        dsc_optimizer_free(opt);
    }
}

/* eps = 0 is in range (PyTorch accepts it); with a zero gradient the
 * kinds that divide by a root of the second moment compute 0/0 on the first
 * step. That NaN used to reach the parameters behind DSC_OK. */
static void test_optim_zero_eps_zero_gradient_refused(void **state) {
    (void)state;
    static const dsc_optimizer_kind kinds[] = {DSC_OPTIMIZER_ADAGRAD, DSC_OPTIMIZER_RMSPROP,
                                               DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_ADAMW,
                                               DSC_OPTIMIZER_ADADELTA, DSC_OPTIMIZER_ADAMAX,
                                               DSC_OPTIMIZER_NADAM};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        float p[5] = {1, 2, 3, 4, 5}, g[5] = {0.5f, 0.25f, 0.0f, 1.0f, -1.0f};
        const float p0[5] = {1, 2, 3, 4, 5};
        dsc_optimizer *opt = make(kinds[k]);
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_EPS, 0.0));
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.0));
        assert_ok(dsc_optimizer_add_params(opt, p, g, 5, NULL));
        assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
        assert_msg_has("group 0 would write NaN or an infinity at element 2");
        assert_memory_equal(p, p0, sizeof p);
        uint64_t steps = 9;
        assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
        assert_int_equal(steps, 0);
        g[2] = 0.125f; /* every gradient nonzero: the same step is fine */
        assert_ok(dsc_optimizer_step(opt));
        assert_true(all_finite(p, 5));
        dsc_optimizer_free(opt);
    }
}

/* The largest lr is accepted; an update it makes overflow is refused. */
static void test_optim_largest_lr_overflow_refused(void **state) {
    (void)state;
    float p[3] = {1, 2, 3}, g[3] = {1e30f, 1.0f, -1.0f};
    const float p0[3] = {1, 2, 3};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    double lo = 0, hi = 0;
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_PARAM_LR, &lo, &hi));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, hi));
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, nextafter(hi, INFINITY)), DSC_E_ARG);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
    assert_msg_has("element 0 (parameter 1, gradient 1e+30, lr 4.29497e+09)");
    assert_memory_equal(p, p0, sizeof p);
    g[0] = 1e-9f;
    assert_ok(dsc_optimizer_step(opt));
    assert_true(all_finite(p, 3) && p[1] < -1e9f);
    dsc_optimizer_free(opt);
    /* every key without a natural bound stops at 2^32 */
    static const dsc_optimizer_param capped[] = {
        DSC_OPTIMIZER_PARAM_LR, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC_OPTIMIZER_PARAM_EPS,
        DSC_OPTIMIZER_PARAM_CLIP_NORM, DSC_OPTIMIZER_PARAM_CLIP_VALUE, DSC_OPTIMIZER_PARAM_MOMENTUM,
        DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC_OPTIMIZER_PARAM_LR_DECAY,
        DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE,
    };
    for (size_t k = 0; k < NKINDS; k++) {
        dsc_optimizer *o = make(all_kinds[k]);
        for (size_t i = 0; i < sizeof capped / sizeof capped[0]; i++) {
            if (dsc_optimizer_param_bounds(all_kinds[k], capped[i], &lo, &hi) != DSC_OK) continue;
            assert_true(hi == 4294967296.0);
            assert_status(dsc_optimizer_set(o, capped[i], DBL_MAX), DSC_E_ARG);
            assert_msg_has("it must be a finite number in [0, 2^32]");
        }
        dsc_optimizer_free(o);
    }
}

/* Issue 12: NaN written into a state buffer made every later step NaN. Now
 * a state buffer takes only finite values, and no negative one where a step
 * keeps it >= 0; a refused call changes neither the buffer nor its in-use
 * flag. */
static void test_optim_state_set_refuses_impossible_values(void **state) {
    (void)state;
    for (size_t k = 0; k < NKINDS; k++) {
        float p[4] = {1, 2, 3, 4}, g[4] = {0.5f, -0.5f, 0.25f, 1};
        dsc_optimizer *opt = make(all_kinds[k]);
        assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
        size_t ns = 0;
        assert_ok(dsc_optimizer_state_count(opt, &ns));
        for (size_t i = 0; i < ns; i++) {
            float before[4], after[4];
            int used_before = 0, used_after = 0;
            const char *name = NULL;
            assert_ok(dsc_optimizer_state_name(opt, i, &name));
            assert_ok(dsc_optimizer_state_get(opt, 0, i, before, 4));
            assert_ok(dsc_optimizer_state_in_use(opt, 0, i, &used_before));
            const float bad[3] = {NAN, INFINITY, -INFINITY};
            for (int b = 0; b < 3; b++) {
                float v[4] = {0.5f, 0.5f, 0.5f, 0.5f};
                v[2] = bad[b];
                assert_status(dsc_optimizer_state_set(opt, 0, i, v, 4), DSC_E_ARG);
                assert_msg_has("[2] is");
                assert_msg_has("; it must be finite");
            }
            /* negative: refused exactly in the buffers a step keeps >= 0 */
            const int nonneg = strcmp(name, "exp_avg_sq") == 0 || strcmp(name, "max_exp_avg_sq") == 0 ||
                               strcmp(name, "sum") == 0 || strcmp(name, "square_avg") == 0 ||
                               strcmp(name, "acc_delta") == 0 || strcmp(name, "exp_inf") == 0 ||
                               strcmp(name, "step_size") == 0;
            float neg[4] = {0.5f, -0.25f, 0.5f, 0.5f};
            assert_status(dsc_optimizer_state_set(opt, 0, i, neg, 4), nonneg ? DSC_E_ARG : DSC_OK);
            if (nonneg) {
                assert_msg_has("[1] is -0.25; it must be finite and >= 0");
                assert_ok(dsc_optimizer_state_get(opt, 0, i, after, 4));
                assert_ok(dsc_optimizer_state_in_use(opt, 0, i, &used_after));
                assert_memory_equal(before, after, sizeof before);
                assert_int_equal(used_before, used_after);
            }
        }
        /* whatever was accepted, the next step is finite */
        assert_ok(dsc_optimizer_step(opt));
        assert_true(all_finite(p, 4));
        dsc_optimizer_free(opt);
    }
}

/* Issue 12: a step count of UINT64_MAX wrapped to 0 at the next step (Adam's
 * bias correction then divides by 0). Counts stop at 2^53: a larger one
 * cannot be set, and a step from 2^53 is refused with nothing changed. */
static void test_optim_step_count_cannot_wrap(void **state) {
    (void)state;
    const uint64_t max = (uint64_t)1 << 53;
    for (size_t k = 0; k < NKINDS; k++) {
        float p[3] = {1, 2, 3}, g[3] = {0.5f, -0.5f, 0.25f};
        dsc_optimizer *opt = make(all_kinds[k]);
        use_all_state(opt, all_kinds[k]);
        assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
        uint64_t steps = 0;
        assert_status(dsc_optimizer_group_set_step_count(opt, 0, UINT64_MAX), DSC_E_ARG);
        assert_msg_has("steps is 18446744073709551615; it must be in [0, 2^53]");
        assert_status(dsc_optimizer_group_set_step_count(opt, 0, max + 1), DSC_E_ARG);
        assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
        assert_int_equal(steps, 0);
        assert_ok(dsc_optimizer_group_set_step_count(opt, 0, max - 1));
        assert_ok(dsc_optimizer_step(opt)); /* the last step a count allows */
        assert_true(all_finite(p, 3));
        assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
        assert_true(steps == max);
        snap before, after;
        take(opt, p, g, 3, &before);
        assert_status(dsc_optimizer_step(opt), DSC_E_STATE);
        assert_msg_has("group 0 has taken 2^53 steps");
        take(opt, p, g, 3, &after);
        assert_memory_equal(&before, &after, sizeof before);
        uint64_t refused = 9;
        assert_ok(dsc_optimizer_refused_steps(opt, &refused));
        assert_int_equal(refused, 0);
        assert_ok(dsc_optimizer_reset_state(opt));
        assert_ok(dsc_optimizer_step(opt));
        dsc_optimizer_free(opt);
    }
}

/* NAdam's mu_product reaches 0 (about 1000 steps with the default betas);
 * a checkpoint of that state must restore, so 0 is in range. */
static void test_optim_nadam_mu_product_zero_restores(void **state) {
    (void)state;
    float p[2] = {1, -1}, g[2] = {1e-3f, -1e-3f};
    dsc_optimizer *a = make(DSC_OPTIMIZER_NADAM), *b = make(DSC_OPTIMIZER_NADAM);
    assert_ok(dsc_optimizer_add_params(a, p, g, 2, NULL));
    double mu = 1;
    /* Where it reaches 0 depends on whether subnormals are flushed (valgrind
     * does not emulate the flush-to-zero mode), so step until it does. */
    for (int i = 0; i < 1100 || (i < 20000 && mu != 0.0 && mu >= 1e-300); i++) {
        assert_ok(dsc_optimizer_step(a));
        assert_ok(dsc_optimizer_group_get(a, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mu));
    }
    assert_true(mu < 1e-300);
    mu = 0.0; /* the state a checkpoint then holds natively */
    float q[2] = {0, 0}, h[2] = {0, 0};
    assert_ok(dsc_optimizer_add_params(b, q, h, 2, NULL));
    assert_ok(dsc_optimizer_group_set(b, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, mu));
    assert_status(dsc_optimizer_group_set(b, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, -0.25), DSC_E_ARG);
    assert_msg_has("mu_product is -0.25; it must be a finite number in [0, 1]");
    assert_status(dsc_optimizer_group_set(b, 0, DSC_OPTIMIZER_PARAM_MU_PRODUCT, NAN), DSC_E_ARG);
    assert_ok(dsc_optimizer_step(a));
    assert_true(all_finite(p, 2));
    dsc_optimizer_free(a);
    dsc_optimizer_free(b);
}

/* Issue 12: the same parameters in two groups were updated twice per step.
 * Every way of doing it is refused, naming the group already holding them,
 * and adds nothing. */
static void test_optim_parameters_in_one_group_only(void **state) {
    (void)state;
    float p[10] = {0}, g[10] = {0}, q[4] = {0}, h[4] = {0};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_SGD);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 5, NULL));          /* group 0: p[0..5) */
    assert_status(dsc_optimizer_add_params(opt, p, g, 5, NULL), DSC_E_ARG);
    assert_msg_has("dsc_optimizer_add_params: the new group's parameters overlap the parameters of "
                   "group 0; each parameter and gradient may belong to one group only");
    assert_status(dsc_optimizer_add_params(opt, p + 4, g + 4, 3, NULL), DSC_E_ARG);
    assert_status(dsc_optimizer_add_params(opt, p + 2, q, 1, NULL), DSC_E_ARG);  /* params inside */
    assert_status(dsc_optimizer_add_params(opt, q, g + 3, 4, NULL), DSC_E_ARG);  /* grads shared */
    assert_msg_has("the new group's gradients overlap the gradients of group 0");
    assert_status(dsc_optimizer_add_params(opt, g + 1, q, 2, NULL), DSC_E_ARG);  /* params = grads */
    assert_msg_has("the new group's parameters overlap the gradients of group 0");
    assert_status(dsc_optimizer_add_params(opt, q, p, 4, NULL), DSC_E_ARG);      /* grads = params */
    assert_msg_has("the new group's gradients overlap the parameters of group 0");
    size_t n = 0, gi = 9;
    assert_ok(dsc_optimizer_group_count(opt, &n));
    assert_int_equal(n, 1);
    assert_ok(dsc_optimizer_add_params(opt, p + 5, g + 5, 5, &gi)); /* the other half */
    assert_int_equal(gi, 1);
    assert_ok(dsc_optimizer_add_params(opt, q, h, 4, &gi));
    assert_int_equal(gi, 2);
    assert_status(dsc_optimizer_add_params(opt, q + 3, h, 1, NULL), DSC_E_ARG);
    assert_msg_has("group 2");
    dsc_optimizer_free(opt);

    /* models: twice, or a model and a host group over its buffers */
    dsc_model *m = NULL;
    float *mp = NULL, *mg = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 1));
    assert_ok(dsc_model_params(m, &mp));
    assert_ok(dsc_model_grads(m, &mg));
    opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    assert_status(dsc_optimizer_add_model(opt, m, NULL), DSC_E_ARG);
    assert_msg_has("dsc_optimizer_add_model: the new group's parameters overlap the parameters of "
                   "group 0");
    assert_status(dsc_optimizer_add_params(opt, mp + 6, mg + 6, 2, NULL), DSC_E_ARG);
    assert_ok(dsc_optimizer_group_count(opt, &n));
    assert_int_equal(n, 1);
    dsc_optimizer_free(opt);
    opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_params(opt, mp + 6, mg + 6, 2, NULL)); /* the bias */
    assert_status(dsc_optimizer_add_model(opt, m, NULL), DSC_E_ARG);
    assert_ok(dsc_optimizer_add_params(opt, mp, mg, 6, NULL));         /* the weights */
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

/* The hook may read its optimizer; every call that changes it is refused
 * (a step from the hook recursed without end), and the optimizer is usable
 * again once the step returns, whether the hook succeeded or failed. */
typedef struct hook_probe {
    dsc_status step, set, group_set, zero, add, state_set, steps_set, reset, set_hook;
    dsc_status get, count;
    dsc_status ret;
} hook_probe;

static dsc_status probing_hook(dsc_optimizer *opt, size_t group, float *grads, size_t n, void *user) {
    hook_probe *h = user;
    (void)grads;
    float q[1] = {0}, r[1] = {0}, buf[4] = {0};
    double v = 0;
    size_t c = 0;
    h->step = dsc_optimizer_step(opt);
    h->set = dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5);
    h->group_set = dsc_optimizer_group_set(opt, group, DSC_OPTIMIZER_PARAM_LR, 0.5);
    h->zero = dsc_optimizer_zero_grad(opt);
    h->add = dsc_optimizer_add_params(opt, q, r, 1, NULL);
    h->state_set = dsc_optimizer_state_set(opt, group, 0, buf, n);
    h->steps_set = dsc_optimizer_group_set_step_count(opt, group, 7);
    h->reset = dsc_optimizer_reset_state(opt);
    h->set_hook = dsc_optimizer_set_grad_hook(opt, NULL, NULL);
    h->get = dsc_optimizer_group_get(opt, group, DSC_OPTIMIZER_PARAM_LR, &v);
    h->count = dsc_optimizer_group_count(opt, &c);
    return h->ret;
}

static void test_optim_hook_may_only_read(void **state) {
    (void)state;
    float p[4] = {1, 2, 3, 4}, g[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    hook_probe h;
    memset(&h, 0, sizeof h);
    h.ret = DSC_OK;
    assert_ok(dsc_optimizer_set_grad_hook(opt, probing_hook, &h));
    assert_ok(dsc_optimizer_step(opt));
    const dsc_status refused[] = {h.step, h.set, h.group_set, h.zero, h.add,
                                  h.state_set, h.steps_set, h.reset, h.set_hook};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (refused[i] != DSC_E_STATE) fail_msg("call %zu from the hook returned %s", i, dsc_status_name(refused[i]));
    assert_int_equal(h.get, DSC_OK);
    assert_int_equal(h.count, DSC_OK);
    double lr = 0;
    size_t n = 0;
    uint64_t steps = 0;
    assert_ok(dsc_optimizer_get(opt, DSC_OPTIMIZER_PARAM_LR, &lr));
    assert_true(lr == 1e-3); /* nothing the hook tried happened */
    assert_ok(dsc_optimizer_group_count(opt, &n));
    assert_int_equal(n, 1);
    assert_ok(dsc_optimizer_group_step_count(opt, 0, &steps));
    assert_int_equal(steps, 1);
    assert_true(g[0] == 0.5f);
    /* after the step (and after a failing hook) the optimizer takes changes again */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    h.ret = DSC_E_IO;
    assert_status(dsc_optimizer_step(opt), DSC_E_IO);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.02));
    assert_ok(dsc_optimizer_set_grad_hook(opt, NULL, NULL));
    assert_ok(dsc_optimizer_step(opt));
    dsc_optimizer_free(opt);
}

/* The step runs its kernels in the library's floating-point mode and hands
 * the caller's mode back on every path, the refused one included. */
static void expect_rprop_state(const dsc_optimizer *opt, const float *prev, const float *step) {
    float got[4];
    assert_ok(dsc_optimizer_state_get(opt, 0, 0, got, 4));
    assert_memory_equal(got, prev, sizeof got);
    assert_ok(dsc_optimizer_state_get(opt, 0, 1, got, 4));
    assert_memory_equal(got, step, sizeof got);
}

/* Rprop on a host array, exact (every value a short binary fraction), as
 * torch.optim.Rprop 1.13 gives it for the same calls (checked in float64):
 * an lr above step_size_max clamped from the first step, a sign change that
 * shrinks the step, keeps the parameter and zeroes prev (so the next step
 * keeps its step size), zero gradients, both bounds, maximize. */
static void test_optim_rprop_exact(void **state) {
    (void)state;
    float p[4] = {0, 0, 0, 0}, g[4];
    dsc_optimizer *opt = make(DSC_OPTIMIZER_RPROP);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 2.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_ETAPLUS, 2.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, 0.125));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, 1.5));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    static const float grads[5][4] = {
        {1, -1, 0, 1}, {1, 1, 1, -2}, {-1, 1, 0, 1}, {1, -1, 1, 1}, {1, -1, 0, -1}};
    static const float want_p[5][4] = {{-1.5f, 1.5f, 0, -1.5f},  {-3, 1.5f, -1.5f, -1.5f},
                                       {-3, 0.75f, -1.5f, -2.25f}, {-3.75f, 0.75f, -3, -3.75f},
                                       {-3.75f, 0.25f, -3, -5.25f}};
    static const float want_prev[5][4] = {
        {1, -1, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}, {1, 0, 1, 1}, {0, 1, -0.0f, 1}};
    static const float want_step[5][4] = {{1.5f, 1.5f, 1.5f, 1.5f}, {1.5f, 0.75f, 1.5f, 0.75f},
                                          {0.75f, 0.75f, 1.5f, 0.75f}, {0.75f, 0.5f, 1.5f, 1.5f},
                                          {0.5f, 0.5f, 1.5f, 1.5f}};
    for (int t = 0; t < 5; t++) {
        if (t == 3) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, 0.5));
        if (t == 4) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MAXIMIZE, 1.0));
        memcpy(g, grads[t], sizeof g);
        assert_ok(dsc_optimizer_step(opt));
        if (memcmp(p, want_p[t], sizeof p) != 0)
            fail_msg("step %d: p = %g %g %g %g", t, (double)p[0], (double)p[1], (double)p[2],
                     (double)p[3]);
        expect_rprop_state(opt, want_prev[t], want_step[t]);
    }
    dsc_optimizer_free(opt);
}

/* PyTorch creates Rprop's state at the first step, with step sizes = the
 * lr of that step: neither buffer is in use before it, an lr set before it
 * seeds the step sizes, one set after it changes nothing, a reset starts
 * over from the lr, and restored step sizes are used as they are. */
static void test_optim_rprop_state_starts_at_first_step(void **state) {
    (void)state;
    float p[4] = {0, 0, 0, 0}, g[4] = {1, -1, 1, -1};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_RPROP);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 4, NULL));
    const char *name = NULL;
    assert_ok(dsc_optimizer_state_name(opt, 0, &name));
    assert_string_equal(name, "prev");
    assert_ok(dsc_optimizer_state_name(opt, 1, &name));
    assert_string_equal(name, "step_size");
    static const float zeros[4] = {0, 0, 0, 0};
    for (size_t s = 0; s < 2; s++) {
        int used = 1;
        assert_ok(dsc_optimizer_state_in_use(opt, 0, s, &used));
        assert_int_equal(used, 0);
    }
    expect_rprop_state(opt, zeros, zeros);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.25));
    assert_ok(dsc_optimizer_step(opt));
    static const float seeded[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    expect_rprop_state(opt, g, seeded);
    for (size_t s = 0; s < 2; s++) {
        int used = 0;
        assert_ok(dsc_optimizer_state_in_use(opt, 0, s, &used));
        assert_int_equal(used, 1);
    }
    /* a later lr (a scheduler's) is not read: 0.25 * 1.2 */
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 8.0));
    assert_ok(dsc_optimizer_step(opt));
    static const float grown[4] = {0.3f, 0.3f, 0.3f, 0.3f};
    expect_rprop_state(opt, g, grown);
    /* a reset: the next step starts from the lr again, prev from 0 */
    assert_ok(dsc_optimizer_reset_state(opt));
    int used = 1;
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 1, &used));
    assert_int_equal(used, 0);
    expect_rprop_state(opt, zeros, zeros);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5));
    assert_ok(dsc_optimizer_step(opt));
    static const float half[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    expect_rprop_state(opt, g, half);
    /* restored step sizes are used as they are (not the lr), even before a
     * first step; prev alone continues from its value */
    assert_ok(dsc_optimizer_reset_state(opt));
    static const float restored[4] = {0.125f, 1, 2, 4};
    assert_ok(dsc_optimizer_state_set(opt, 0, 1, restored, 4));
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 1, &used));
    assert_int_equal(used, 1);
    assert_ok(dsc_optimizer_state_in_use(opt, 0, 0, &used));
    assert_int_equal(used, 0);
    const float before[4] = {p[0], p[1], p[2], p[3]};
    assert_ok(dsc_optimizer_step(opt));
    for (int i = 0; i < 4; i++) assert_true(p[i] == before[i] - (g[i] > 0 ? 1.0f : -1.0f) * restored[i]);
    expect_rprop_state(opt, g, restored);
    dsc_optimizer_free(opt);
}

/* torch's checks: 0 < etaminus < 1 < etaplus; the step-size bounds are not
 * compared with each other (the clamp then gives step_size_max). */
static void test_optim_rprop_validation(void **state) {
    (void)state;
    dsc_optimizer *opt = make(DSC_OPTIMIZER_RPROP);
    static const double bad_minus[] = {0.0, 1.0, -0.5, 1.5, NAN};
    for (size_t i = 0; i < sizeof bad_minus / sizeof bad_minus[0]; i++)
        assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_ETAMINUS, bad_minus[i]), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_ETAMINUS, 1.0), DSC_E_ARG);
    assert_msg_has("dsc_optimizer_set: etaminus is 1; it must be");
    assert_msg_has("(0, 1)");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_ETAPLUS, 1.0), DSC_E_ARG);
    assert_msg_has("etaplus is 1; it must be");
    assert_msg_has("(1, 2^32]");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, -1e-6), DSC_E_ARG);
    assert_msg_has("step_size_min is -1e-06");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, INFINITY), DSC_E_ARG);
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.0), DSC_E_UNSUPPORTED);
    assert_msg_has("Rprop has no hyperparameter weight_decay");
    assert_status(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_EPS, 1e-8), DSC_E_UNSUPPORTED);
    expect_get(opt, DSC_OPTIMIZER_PARAM_ETAMINUS, 0.5);
    expect_get(opt, DSC_OPTIMIZER_PARAM_ETAPLUS, 1.2);
    double lo = 0, hi = 0;
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_RPROP, DSC_OPTIMIZER_PARAM_ETAMINUS, &lo, &hi));
    assert_true(lo == nextafter(0.0, 1.0) && hi == nextafter(1.0, 0.0));
    assert_ok(dsc_optimizer_param_bounds(DSC_OPTIMIZER_RPROP, DSC_OPTIMIZER_PARAM_ETAPLUS, &lo, &hi));
    assert_true(lo == nextafter(1.0, 2.0) && hi == 4294967296.0);
    assert_string_equal(dsc_optimizer_param_name(DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX), "step_size_max");
    /* the Adam family's keys are not Rprop's, nor Rprop's theirs */
    assert_status(dsc_optimizer_param_bounds(DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_PARAM_ETAPLUS, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    /* step_size_min above step_size_max: accepted, every step size becomes the max */
    float p[2] = {0, 0}, g[2] = {1, -1};
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, 4.0));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, 2.0));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 2, NULL));
    assert_ok(dsc_optimizer_step(opt));
    assert_true(p[0] == -2.0f && p[1] == 2.0f);
    dsc_optimizer_free(opt);
}

/* Clipping acts on the gradient Rprop sees: prev holds the clipped value. */
static void test_optim_rprop_clipping(void **state) {
    (void)state;
    float p[3] = {0, 0, 0}, g[3] = {3, -0.125f, 0.5f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_RPROP);
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_VALUE, 0.25));
    assert_ok(dsc_optimizer_add_params(opt, p, g, 3, NULL));
    assert_ok(dsc_optimizer_step(opt));
    float prev[3];
    assert_ok(dsc_optimizer_state_get(opt, 0, 0, prev, 3));
    assert_true(prev[0] == 0.25f && prev[1] == -0.125f && prev[2] == 0.25f);
    /* a non-finite gradient is refused before anything changes */
    g[1] = NAN;
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
    float prev2[3];
    assert_ok(dsc_optimizer_state_get(opt, 0, 0, prev2, 3));
    assert_memory_equal(prev, prev2, sizeof prev);
    dsc_optimizer_free(opt);
}

static void test_optim_step_restores_rounding_mode(void **state) {
    (void)state;
    const int round = fegetround();
    assert_int_equal(fesetround(FE_UPWARD), 0);
    float p[5] = {1, 2, 3, 4, 5}, g[5] = {0.5f, 1e-39f, -0.25f, 3.0f, 0.0f};
    dsc_optimizer *opt = make(DSC_OPTIMIZER_ADAM);
    assert_ok(dsc_optimizer_add_params(opt, p, g, 5, NULL));
    assert_ok(dsc_optimizer_step(opt));
    assert_int_equal(fegetround(), FE_UPWARD);
    g[2] = NAN;
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
    assert_int_equal(fegetround(), FE_UPWARD);
    dsc_optimizer_free(opt);
    fesetround(round);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optim_new_rejects_bad_arguments),
        cmocka_unit_test(test_optim_defaults_are_pytorch),
        cmocka_unit_test(test_optim_set_rejects_bad_values_with_range),
        cmocka_unit_test(test_optim_unsupported_keys),
        cmocka_unit_test(test_optim_nesterov_rules),
        cmocka_unit_test(test_optim_frozen_keys_after_first_step),
        cmocka_unit_test(test_optim_bounds_and_names),
        cmocka_unit_test(test_optim_param_default),
        cmocka_unit_test(test_optim_kind_tables),
        cmocka_unit_test(test_optim_state_keys),
        cmocka_unit_test(test_optim_reset_state),
        cmocka_unit_test(test_optim_null_and_bad_group),
        cmocka_unit_test(test_optim_refused_step_leaves_everything),
        cmocka_unit_test(test_optim_sgd_on_host_array_exact),
        cmocka_unit_test(test_optim_adam_tunes_host_array),
        cmocka_unit_test(test_optim_groups_have_own_hyperparameters),
        cmocka_unit_test(test_optim_clip_norm_across_groups),
        cmocka_unit_test(test_optim_clip_value),
        cmocka_unit_test_teardown(test_optim_step_allocates_nothing, harness_alloc_teardown),
        cmocka_unit_test(test_optim_state_roundtrip_resumes_bitwise),
        cmocka_unit_test(test_optim_state_unused_buffer),
        cmocka_unit_test(test_optim_sgd_momentum_switched_on_later),
        cmocka_unit_test(test_optim_adagrad_initial_accumulator),
        cmocka_unit_test(test_optim_grad_hook_runs_first),
        cmocka_unit_test(test_optim_every_isa_gives_same_trajectory),
        cmocka_unit_test(test_optim_random_hparam_sequences),
        cmocka_unit_test(test_optim_step_restores_rounding_mode),
        cmocka_unit_test(test_optim_refuses_nonfinite_result),
        cmocka_unit_test(test_optim_zero_eps_zero_gradient_refused),
        cmocka_unit_test(test_optim_largest_lr_overflow_refused),
        cmocka_unit_test(test_optim_state_set_refuses_impossible_values),
        cmocka_unit_test(test_optim_step_count_cannot_wrap),
        cmocka_unit_test(test_optim_nadam_mu_product_zero_restores),
        cmocka_unit_test(test_optim_parameters_in_one_group_only),
        cmocka_unit_test(test_optim_hook_may_only_read),
        cmocka_unit_test(test_optim_rprop_exact),
        cmocka_unit_test(test_optim_rprop_state_starts_at_first_step),
        cmocka_unit_test(test_optim_rprop_validation),
        cmocka_unit_test(test_optim_rprop_clipping),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, NULL);
}
