/* Losses: values and gradients against the PyTorch formulas computed here in
 * double, stability for large logits, parameters, accuracy, and every
 * refusal leaving the loss as it was. */
#include "harness.h"
#include "nn/loss_impl.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static const float Y[6] = {0.5f, -1.0f, 2.0f, 0.0f, 3.5f, -0.25f};
static const float T[6] = {1.0f, -1.0f, 0.0f, 0.5f, 1.0f, 0.25f};

/* param >= 0: Huber's delta or smooth L1's beta, the key of that kind. */
static void check(dsc_loss_kind kind, double param, double want, const float *want_dy) {
    dsc_loss *l = NULL;
    double v = 0;
    float dy[6];
    assert_ok(dsc_loss_new(&l, kind));
    if (param >= 0)
        assert_ok(dsc_loss_set(l, kind == DSC_LOSS_HUBER ? DSC_LOSS_PARAM_DELTA : DSC_LOSS_PARAM_BETA,
                               param));
    assert_ok(dsc_loss_forward(l, Y, T, 2, 3, &v));
    assert_true(fabs(v - want) <= 1e-12 + 1e-7 * fabs(want));
    assert_ok(dsc_loss_backward(l, dy));
    assert_floats_near(dy, want_dy, 6, 1e-6, 1e-8);
    dsc_loss_free(l);
}

static void test_loss_mse(void **state) {
    (void)state;
    double s = 0;
    float g[6];
    for (int i = 0; i < 6; i++) {
        double d = (double)Y[i] - T[i];
        s += d * d;
        g[i] = (float)(2 * d / 6);
    }
    check(DSC_LOSS_MSE, -1, s / 6, g);
}

static void test_loss_l1(void **state) {
    (void)state;
    double s = 0;
    float g[6];
    for (int i = 0; i < 6; i++) {
        double d = (double)Y[i] - T[i];
        s += fabs(d);
        g[i] = (float)((d > 0) - (d < 0)) / 6.0f; /* sign(0) = 0: element 1 */
    }
    assert_true(g[1] == 0.0f);
    check(DSC_LOSS_L1, -1, s / 6, g);
}

static void test_loss_huber_and_smooth_l1(void **state) {
    (void)state;
    const double deltas[3] = {1.0, 0.6, 2.5};
    for (int k = 0; k < 3; k++) {
        double dl = deltas[k], s = 0, s2 = 0;
        float g[6], g2[6];
        for (int i = 0; i < 6; i++) {
            double d = (double)Y[i] - T[i], a = fabs(d);
            s += a < dl ? 0.5 * d * d : dl * (a - 0.5 * dl);
            g[i] = (float)((a < dl ? d : dl * ((d > 0) - (d < 0))) / 6);
            s2 += a < dl ? 0.5 * d * d / dl : a - 0.5 * dl;
            g2[i] = (float)((a < dl ? d / dl : (double)((d > 0) - (d < 0))) / 6);
        }
        check(DSC_LOSS_HUBER, dl, s / 6, g);
        check(DSC_LOSS_SMOOTH_L1, dl, s2 / 6, g2);
    }
    /* smooth L1 with beta = 0 is L1 */
    double s = 0;
    float g[6];
    for (int i = 0; i < 6; i++) {
        double d = (double)Y[i] - T[i];
        s += fabs(d);
        g[i] = (float)((d > 0) - (d < 0)) / 6.0f;
    }
    check(DSC_LOSS_SMOOTH_L1, 0.0, s / 6, g);
}

static void test_loss_bce_with_logits(void **state) {
    (void)state;
    double s = 0;
    float g[6];
    for (int i = 0; i < 6; i++) {
        double z = Y[i], t = T[i], p = 1 / (1 + exp(-z));
        s += -(t * log(p) + (1 - t) * log(1 - p));
        g[i] = (float)((p - t) / 6);
    }
    check(DSC_LOSS_BCE_WITH_LOGITS, -1, s / 6, g);
    /* stable for large logits: no inf, no NaN */
    dsc_loss *l = NULL;
    const float z[2] = {200.0f, -200.0f}, t[2] = {0.0f, 0.0f};
    float dy[2];
    double v;
    assert_ok(dsc_loss_new(&l, DSC_LOSS_BCE_WITH_LOGITS));
    assert_ok(dsc_loss_forward(l, z, t, 2, 1, &v));
    assert_true(fabs(v - 100.0) < 1e-9);
    assert_ok(dsc_loss_backward(l, dy));
    assert_true(fabsf(dy[0] - 0.5f) < 1e-7f && fabsf(dy[1]) < 1e-30f);
    dsc_loss_free(l);
}

static void test_loss_cross_entropy(void **state) {
    (void)state;
    const int32_t labels[2] = {2, 0};
    double s = 0;
    float g[6];
    for (int i = 0; i < 2; i++) {
        const float *r = Y + 3 * i;
        double z = exp(r[0]) + exp(r[1]) + exp(r[2]);
        s += log(z) - r[labels[i]];
        for (int j = 0; j < 3; j++) g[3 * i + j] = (float)((exp(r[j]) / z - (j == labels[i])) / 2);
    }
    dsc_loss *l = NULL;
    double v;
    float dy[6];
    assert_ok(dsc_loss_new(&l, DSC_LOSS_CROSS_ENTROPY));
    assert_ok(dsc_loss_forward_labels(l, Y, labels, 2, 3, &v));
    assert_true(fabs(v - s / 2) < 1e-7);
    assert_ok(dsc_loss_backward(l, dy));
    assert_floats_near(dy, g, 6, 1e-6, 1e-8);
    /* large logits: log-sum-exp keeps it finite and exact */
    const float big[3] = {1000.0f, 0.0f, -1000.0f};
    const int32_t lab[1] = {1};
    assert_ok(dsc_loss_forward_labels(l, big, lab, 1, 3, &v));
    assert_true(fabs(v - 1000.0) < 1e-9);
    assert_ok(dsc_loss_backward(l, dy));
    assert_true(fabsf(dy[0] - 1.0f) < 1e-7f && fabsf(dy[1] + 1.0f) < 1e-7f && dy[2] == 0.0f);
    dsc_loss_free(l);
}

static void test_loss_validation_changes_nothing(void **state) {
    (void)state;
    dsc_loss *l = (dsc_loss *)(uintptr_t)1, *ce = NULL;
    assert_status(dsc_loss_new(&l, (dsc_loss_kind)0), DSC_E_UNSUPPORTED);
    assert_null(l);
    l = (dsc_loss *)(uintptr_t)1;
    assert_status(dsc_loss_new(&l, (dsc_loss_kind)7), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_loss_new: kind 7 is not a dsc_loss_kind");
    assert_null(l);
    assert_status(dsc_loss_new(NULL, DSC_LOSS_MSE), DSC_E_ARG);
    assert_ok(dsc_loss_new(&l, DSC_LOSS_MSE));
    assert_ok(dsc_loss_new(&ce, DSC_LOSS_CROSS_ENTROPY));
    float dy[6];
    double v = -1;
    assert_status(dsc_loss_backward(l, dy), DSC_E_STATE); /* before any forward */
    assert_status(dsc_loss_forward(l, Y, T, 0, 3, &v), DSC_E_ARG);
    assert_status(dsc_loss_forward(l, Y, T, 2, 0, &v), DSC_E_ARG);
    assert_status(dsc_loss_forward(l, NULL, T, 2, 3, &v), DSC_E_ARG);
    assert_status(dsc_loss_forward(l, Y, NULL, 2, 3, &v), DSC_E_ARG);
    assert_status(dsc_loss_forward(l, Y, T, 2, 3, NULL), DSC_E_ARG);
    float bad[6];
    memcpy(bad, Y, sizeof bad);
    bad[4] = NAN;
    assert_status(dsc_loss_forward(l, bad, T, 2, 3, &v), DSC_E_NONFINITE);
    assert_status(dsc_loss_forward(l, T, bad, 2, 3, &v), DSC_E_NONFINITE);
    bad[4] = INFINITY;
    assert_status(dsc_loss_forward(l, bad, T, 2, 3, &v), DSC_E_NONFINITE);
    assert_true(v == -1);
    assert_status(dsc_loss_backward(l, dy), DSC_E_STATE); /* the refusals remembered nothing */
    const int32_t labels[2] = {0, 3};
    assert_status(dsc_loss_forward_labels(l, Y, labels, 2, 3, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_forward(ce, Y, T, 2, 3, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_forward_labels(ce, Y, labels, 2, 3, &v), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "label 1 is 3"));
    const int32_t neg[2] = {-1, 0};
    assert_status(dsc_loss_forward_labels(ce, Y, neg, 2, 3, &v), DSC_E_ARG);
    const int32_t ok[2] = {0, 2};
    assert_status(dsc_loss_forward_labels(ce, bad, ok, 2, 3, &v), DSC_E_NONFINITE);
    assert_status(dsc_loss_backward(ce, dy), DSC_E_STATE);
    /* a good forward, then a refused one: backward still gives the good one */
    assert_ok(dsc_loss_forward(l, Y, T, 2, 3, &v));
    assert_status(dsc_loss_forward(l, bad, T, 2, 3, &v), DSC_E_NONFINITE);
    float dy1[6];
    assert_ok(dsc_loss_backward(l, dy1));
    assert_true(fabsf(dy1[0] - (2.0f * (0.5f - 1.0f) / 6.0f)) < 1e-7f);
    assert_status(dsc_loss_backward(l, NULL), DSC_E_ARG);
    assert_status(dsc_loss_backward(NULL, dy), DSC_E_ARG);
    dsc_loss_free(l);
    dsc_loss_free(ce);
    dsc_loss_free(NULL);
}

/* Issue 12: dy overlapping the forward's inputs was documented as forbidden
 * and accepted (a second backward then read its own output). Refused now,
 * with nothing written; separate arrays still work, and again. */
static void test_loss_backward_refuses_dy_over_inputs(void **state) {
    (void)state;
    float buf[32];
    for (int i = 0; i < 32; i++) buf[i] = 0.125f * (float)i;
    float copy[32];
    memcpy(copy, buf, sizeof buf);
    dsc_loss *l = NULL, *ce = NULL;
    double v = 0;
    assert_ok(dsc_loss_new(&l, DSC_LOSS_MSE));
    assert_ok(dsc_loss_forward(l, buf, buf + 8, 2, 3, &v)); /* y = buf[0..6), target = buf[8..14) */
    assert_status(dsc_loss_backward(l, buf), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "dsc_loss_backward: dy overlaps the model output y given "
                                          "to the forward; dy needs an array of its own");
    assert_status(dsc_loss_backward(l, buf + 5), DSC_E_ARG);
    assert_status(dsc_loss_backward(l, buf + 13), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "dsc_loss_backward: dy overlaps the targets given to the "
                                          "forward; dy needs an array of its own");
    assert_status(dsc_loss_backward(l, buf + 3), DSC_E_ARG);
    assert_memory_equal(buf, copy, sizeof buf);
    float dy1[6], dy2[6];
    assert_ok(dsc_loss_backward(l, buf + 14)); /* right after the targets: no shared byte */
    assert_ok(dsc_loss_backward(l, dy1));
    assert_ok(dsc_loss_backward(l, dy2));
    assert_memory_equal(dy1, dy2, sizeof dy1);
    assert_memory_equal(dy1, buf + 14, sizeof dy1);
    /* labels */
    int32_t lab[8] = {0, 1, 2, 0, 1, 2, 0, 1};
    assert_ok(dsc_loss_new(&ce, DSC_LOSS_CROSS_ENTROPY));
    assert_ok(dsc_loss_forward_labels(ce, copy, lab, 2, 3, &v));
    assert_status(dsc_loss_backward(ce, (float *)(void *)lab), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "dsc_loss_backward: dy overlaps the labels given to the "
                                          "forward; dy needs an array of its own");
    assert_status(dsc_loss_backward(ce, copy + 2), DSC_E_ARG);
    assert_ok(dsc_loss_backward(ce, dy1));
    dsc_loss_free(l);
    dsc_loss_free(ce);
}

static void test_loss_params(void **state) {
    (void)state;
    dsc_loss *mse = NULL, *hub = NULL, *sl1 = NULL;
    double v = 0;
    assert_ok(dsc_loss_new(&mse, DSC_LOSS_MSE));
    assert_ok(dsc_loss_new(&hub, DSC_LOSS_HUBER));
    assert_ok(dsc_loss_new(&sl1, DSC_LOSS_SMOOTH_L1));
    assert_status(dsc_loss_set(mse, DSC_LOSS_PARAM_DELTA, 1.0), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_get(mse, DSC_LOSS_PARAM_DELTA, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_set(mse, DSC_LOSS_PARAM_BETA, 1.0), DSC_E_UNSUPPORTED);
    /* Huber: delta only, > 0 */
    assert_ok(dsc_loss_get(hub, DSC_LOSS_PARAM_DELTA, &v));
    assert_true(v == 1.0);
    assert_status(dsc_loss_set(hub, DSC_LOSS_PARAM_DELTA, 0.0), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "dsc_loss_set: delta is 0; it must be a finite number > 0");
    assert_status(dsc_loss_set(hub, DSC_LOSS_PARAM_DELTA, -1.0), DSC_E_ARG);
    assert_status(dsc_loss_set(hub, DSC_LOSS_PARAM_DELTA, NAN), DSC_E_ARG);
    assert_status(dsc_loss_set(hub, DSC_LOSS_PARAM_DELTA, INFINITY), DSC_E_ARG);
    assert_status(dsc_loss_set(hub, (dsc_loss_param)99, 1.0), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_set(hub, DSC_LOSS_PARAM_BETA, 0.5), DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_loss_set: the huber loss has no setting with key 2");
    assert_status(dsc_loss_get(hub, DSC_LOSS_PARAM_BETA, &v), DSC_E_UNSUPPORTED);
    assert_ok(dsc_loss_get(hub, DSC_LOSS_PARAM_DELTA, &v));
    assert_true(v == 1.0);
    assert_ok(dsc_loss_set(hub, DSC_LOSS_PARAM_DELTA, 1e300)); /* any finite value above 0 */
    assert_ok(dsc_loss_get(hub, DSC_LOSS_PARAM_DELTA, &v));
    assert_true(v == 1e300);
    /* smooth L1: beta only, >= 0 */
    assert_ok(dsc_loss_get(sl1, DSC_LOSS_PARAM_BETA, &v));
    assert_true(v == 1.0);
    assert_ok(dsc_loss_set(sl1, DSC_LOSS_PARAM_BETA, 0.0)); /* beta = 0 allowed: L1 */
    assert_status(dsc_loss_set(sl1, DSC_LOSS_PARAM_BETA, -0.5), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "dsc_loss_set: beta is -0.5; it must be a finite number >= 0");
    assert_status(dsc_loss_set(sl1, DSC_LOSS_PARAM_DELTA, 0.5), DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_get(sl1, DSC_LOSS_PARAM_DELTA, &v), DSC_E_UNSUPPORTED);
    assert_ok(dsc_loss_get(sl1, DSC_LOSS_PARAM_BETA, &v));
    assert_true(v == 0.0);
    assert_status(dsc_loss_set(NULL, DSC_LOSS_PARAM_DELTA, 1.0), DSC_E_ARG);
    assert_status(dsc_loss_get(hub, DSC_LOSS_PARAM_DELTA, NULL), DSC_E_ARG);
    assert_status(dsc_loss_get(NULL, DSC_LOSS_PARAM_DELTA, &v), DSC_E_ARG);
    dsc_loss_free(mse);
    dsc_loss_free(hub);
    dsc_loss_free(sl1);
}

static void test_loss_param_bounds_and_defaults(void **state) {
    (void)state;
    double lo = -7, hi = -7, def = -7;
    assert_ok(dsc_loss_param_bounds(DSC_LOSS_HUBER, DSC_LOSS_PARAM_DELTA, &lo, &hi));
    assert_true(lo == nextafter(0.0, 1.0) && hi == DBL_MAX);
    assert_ok(dsc_loss_param_default(DSC_LOSS_HUBER, DSC_LOSS_PARAM_DELTA, &def));
    assert_true(def == 1.0);
    assert_ok(dsc_loss_param_bounds(DSC_LOSS_SMOOTH_L1, DSC_LOSS_PARAM_BETA, &lo, &hi));
    assert_true(lo == 0.0 && hi == DBL_MAX);
    assert_ok(dsc_loss_param_default(DSC_LOSS_SMOOTH_L1, DSC_LOSS_PARAM_BETA, &def));
    assert_true(def == 1.0);
    /* every kind, both keys: the queries agree with a new loss */
    const dsc_loss_param keys[2] = {DSC_LOSS_PARAM_DELTA, DSC_LOSS_PARAM_BETA};
    for (int k = DSC_LOSS_MSE; k <= DSC_LOSS_SMOOTH_L1; k++) {
        dsc_loss *l = NULL;
        assert_ok(dsc_loss_new(&l, (dsc_loss_kind)k));
        for (int j = 0; j < 2; j++) {
            double held = -8;
            lo = hi = def = -7;
            dsc_status s = dsc_loss_get(l, keys[j], &held);
            assert_int_equal(dsc_loss_param_bounds((dsc_loss_kind)k, keys[j], &lo, &hi), s);
            assert_int_equal(dsc_loss_param_default((dsc_loss_kind)k, keys[j], &def), s);
            if (s == DSC_OK) {
                assert_true(def == held && lo <= def && def <= hi);
                assert_ok(dsc_loss_set(l, keys[j], lo));
                assert_ok(dsc_loss_set(l, keys[j], hi));
            } else {
                assert_int_equal(s, DSC_E_UNSUPPORTED);
                assert_true(lo == -7 && hi == -7 && def == -7);
            }
        }
        dsc_loss_free(l);
    }
    /* failures */
    assert_status(dsc_loss_param_bounds(DSC_LOSS_MSE, DSC_LOSS_PARAM_DELTA, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_param_bounds((dsc_loss_kind)0, DSC_LOSS_PARAM_DELTA, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(), "dsc_loss_param_bounds: kind 0 is not a dsc_loss_kind");
    assert_status(dsc_loss_param_bounds(DSC_LOSS_HUBER, (dsc_loss_param)9, &lo, &hi),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_param_bounds(DSC_LOSS_HUBER, DSC_LOSS_PARAM_DELTA, NULL, &hi), DSC_E_ARG);
    assert_status(dsc_loss_param_bounds(DSC_LOSS_HUBER, DSC_LOSS_PARAM_DELTA, &lo, NULL), DSC_E_ARG);
    assert_status(dsc_loss_param_default(DSC_LOSS_HUBER, DSC_LOSS_PARAM_DELTA, NULL), DSC_E_ARG);
    assert_status(dsc_loss_param_default((dsc_loss_kind)7, DSC_LOSS_PARAM_DELTA, &def),
                  DSC_E_UNSUPPORTED);
    assert_status(dsc_loss_param_default(DSC_LOSS_SMOOTH_L1, DSC_LOSS_PARAM_DELTA, &def),
                  DSC_E_UNSUPPORTED);
    assert_string_equal(dsc_last_error(),
                        "dsc_loss_param_default: the smooth_l1 loss has no setting with key 1");
}

/* Parameters are stored by key (loss_impl.h): every kind's keys fit. */
static void test_loss_kind_tables(void **state) {
    (void)state;
    const dsc__loss_vtable *const vts[] = {&dsc__loss_mse,   &dsc__loss_cross_entropy,
                                           &dsc__loss_bce_logits, &dsc__loss_huber,
                                           &dsc__loss_l1,    &dsc__loss_smooth_l1};
    for (size_t i = 0; i < sizeof vts / sizeof vts[0]; i++) {
        assert_int_equal(vts[i]->kind, (dsc_loss_kind)(i + 1));
        for (size_t r = 0; r < vts[i]->nparams; r++) {
            assert_true(vts[i]->params[r].key > 0 &&
                        vts[i]->params[r].key < DSC__LOSS_PARAM_SLOTS);
            assert_ok(dsc__setting_check(&vts[i]->params[r], vts[i]->params[r].def, "test"));
        }
    }
}

static void test_loss_accuracy(void **state) {
    (void)state;
    const float y[9] = {0.1f, 0.7f, 0.2f, 5, 5, 1, -1, -2, -0.5f};
    const int32_t lab[3] = {1, 1, 2};
    double a = -1;
    assert_ok(dsc_accuracy(y, lab, 3, 3, &a));
    assert_true(fabs(a - 2.0 / 3.0) < 1e-15); /* ties go to the first maximum */
    const float z[4] = {0.3f, -0.1f, 0.0f, 2};
    const int32_t b[4] = {1, 0, 1, 1};
    assert_ok(dsc_accuracy(z, b, 4, 1, &a));
    assert_true(a == 0.75);
    const int32_t bad[3] = {1, 3, 0};
    a = -1;
    assert_status(dsc_accuracy(y, bad, 3, 3, &a), DSC_E_ARG);
    assert_status(dsc_accuracy(y, lab, 0, 3, &a), DSC_E_ARG);
    assert_status(dsc_accuracy(NULL, lab, 3, 3, &a), DSC_E_ARG);
    assert_true(a == -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_mse),
        cmocka_unit_test(test_loss_l1),
        cmocka_unit_test(test_loss_huber_and_smooth_l1),
        cmocka_unit_test(test_loss_bce_with_logits),
        cmocka_unit_test(test_loss_cross_entropy),
        cmocka_unit_test(test_loss_validation_changes_nothing),
        cmocka_unit_test(test_loss_params),
        cmocka_unit_test(test_loss_param_bounds_and_defaults),
        cmocka_unit_test(test_loss_kind_tables),
        cmocka_unit_test(test_loss_accuracy),
        cmocka_unit_test(test_loss_backward_refuses_dy_over_inputs),
    };
    return cmocka_run_group_tests_name("loss", tests, NULL, NULL);
}
