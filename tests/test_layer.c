/* Layers on their own and inside a one-layer model: creation and its
 * validation, info and parameter counts, activation values against libm,
 * softmax rows, dropout masks (seeded, scaled, train-only). */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static void test_layer_dense_new_validation(void **state) {
    (void)state;
    dsc_layer *l = (dsc_layer *)(uintptr_t)1;
    assert_status(dsc_layer_dense_new(&l, 0, 3, 1), DSC_E_ARG);
    assert_null(l);
    assert_status(dsc_layer_dense_new(&l, 3, 0, 1), DSC_E_ARG);
    assert_status(dsc_layer_dense_new(&l, 3, 3, 2), DSC_E_ARG);
    assert_status(dsc_layer_dense_new(&l, SIZE_MAX / 2, 4, 1), DSC_E_ARG);
    assert_status(dsc_layer_dense_new(NULL, 3, 3, 1), DSC_E_ARG);
    assert_ok(dsc_layer_dense_new(&l, 3, 5, 1));
    dsc_layer_kind kind;
    size_t in = 0, out = 0, n = 0;
    assert_ok(dsc_layer_info(l, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_DENSE);
    assert_int_equal(in, 3);
    assert_int_equal(out, 5);
    assert_ok(dsc_layer_param_count(l, &n));
    assert_int_equal(n, 20);
    assert_ok(dsc_layer_info(l, NULL, NULL, NULL));
    assert_status(dsc_layer_info(NULL, &kind, &in, &out), DSC_E_ARG);
    assert_status(dsc_layer_param_count(l, NULL), DSC_E_ARG);
    dsc_layer_free(l);
    assert_ok(dsc_layer_dense_new(&l, 3, 5, 0));
    assert_ok(dsc_layer_param_count(l, &n));
    assert_int_equal(n, 15);
    dsc_layer_free(l);
    dsc_layer_free(NULL);
}

static void test_layer_activation_new_validation(void **state) {
    (void)state;
    dsc_layer *l = (dsc_layer *)(uintptr_t)1;
    assert_status(dsc_layer_activation_new(&l, (dsc_activation)7), DSC_E_ARG);
    assert_null(l);
    assert_status(dsc_layer_activation_new(&l, (dsc_activation)-1), DSC_E_ARG);
    assert_status(dsc_layer_leaky_relu_new(&l, NAN), DSC_E_ARG);
    assert_status(dsc_layer_leaky_relu_new(&l, INFINITY), DSC_E_ARG);
    assert_status(dsc_layer_dropout_new(&l, -0.1, 1), DSC_E_ARG);
    assert_status(dsc_layer_dropout_new(&l, 1.5, 1), DSC_E_ARG);
    assert_status(dsc_layer_dropout_new(&l, NAN, 1), DSC_E_ARG);
    assert_null(l);
    assert_ok(dsc_layer_dropout_new(&l, 0.3, 1));
    dsc_layer_kind kind;
    size_t in = 9, n = 9;
    assert_ok(dsc_layer_info(l, &kind, &in, NULL));
    assert_int_equal(kind, DSC_LAYER_DROPOUT);
    assert_int_equal(in, 0); /* width comes from the model */
    assert_ok(dsc_layer_param_count(l, &n));
    assert_int_equal(n, 0);
    dsc_layer_free(l);
}

/* Runs one activation layer of width n on x, in evaluation or training mode. */
static void run_one(dsc_layer *l, const float *x, size_t batch, size_t n, float *y) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, n));
    assert_ok(dsc_model_add(m, l));
    assert_ok(dsc_model_build(m, batch));
    const float *o = NULL;
    assert_ok(dsc_model_forward(m, x, batch, &o));
    memcpy(y, o, batch * n * sizeof(float));
    dsc_model_free(m);
}

static double ref_act(dsc_activation a, double x, double slope) {
    switch (a) {
    case DSC_ACTIVATION_RELU: return x > 0 ? x : 0;
    case DSC_ACTIVATION_LEAKY_RELU: return x >= 0 ? x : slope * x;
    case DSC_ACTIVATION_SIGMOID: return 1 / (1 + exp(-x));
    case DSC_ACTIVATION_TANH: return tanh(x);
    case DSC_ACTIVATION_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    default: return x;
    }
}

static void test_layer_activation_values(void **state) {
    (void)state;
    enum { N = 37 };
    float x[N], y[N], want[N];
    for (int i = 0; i < N; i++) x[i] = -9.0f + 0.5f * (float)i;
    x[18] = 0.0f;
    static const dsc_activation acts[] = {DSC_ACTIVATION_IDENTITY, DSC_ACTIVATION_RELU,
                                          DSC_ACTIVATION_LEAKY_RELU, DSC_ACTIVATION_SIGMOID,
                                          DSC_ACTIVATION_TANH, DSC_ACTIVATION_GELU};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        dsc_layer *l = NULL;
        assert_ok(dsc_layer_activation_new(&l, acts[a]));
        run_one(l, x, 1, N, y);
        for (int i = 0; i < N; i++) want[i] = (float)ref_act(acts[a], x[i], 0.01);
        assert_floats_near(y, want, N, 2e-6, 2e-7);
    }
    dsc_layer *l = NULL;
    assert_ok(dsc_layer_leaky_relu_new(&l, 0.2));
    run_one(l, x, 1, N, y);
    for (int i = 0; i < N; i++) want[i] = (float)ref_act(DSC_ACTIVATION_LEAKY_RELU, x[i], 0.2);
    assert_floats_near(y, want, N, 1e-6, 0);
}

static void test_layer_softmax_rows(void **state) {
    (void)state;
    float x[2 * 4] = {1, 2, 3, 4, 1000, 1000, -1000, 0}, y[8];
    dsc_layer *l = NULL;
    assert_ok(dsc_layer_activation_new(&l, DSC_ACTIVATION_SOFTMAX));
    run_one(l, x, 2, 4, y);
    double z = exp(1) + exp(2) + exp(3) + exp(4);
    const float want[8] = {(float)(exp(1) / z), (float)(exp(2) / z), (float)(exp(3) / z),
                           (float)(exp(4) / z), 0.5f, 0.5f, 0.0f, 0.0f};
    assert_floats_near(y, want, 8, 1e-6, 1e-7);
}

static void dropout_run(double p, uint64_t seed, int training, const float *x, size_t n, float *y) {
    dsc_layer *l = NULL;
    dsc_model *m = NULL;
    assert_ok(dsc_layer_dropout_new(&l, p, seed));
    assert_ok(dsc_model_new(&m, n));
    assert_ok(dsc_model_add(m, l));
    assert_ok(dsc_model_build(m, 1));
    assert_ok(dsc_model_set_training(m, training));
    const float *o = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &o));
    memcpy(y, o, n * sizeof(float));
    dsc_model_free(m);
}

static void test_layer_dropout_seeded_and_scaled(void **state) {
    (void)state;
    enum { N = 4000 };
    static float x[N], a[N], b[N], c[N];
    for (int i = 0; i < N; i++) x[i] = 1.0f + (float)(i % 7);
    dropout_run(0.25, 42, 1, x, N, a);
    dropout_run(0.25, 42, 1, x, N, b);
    dropout_run(0.25, 43, 1, x, N, c);
    assert_memory_equal(a, b, sizeof a); /* same seed, same mask */
    assert_true(memcmp(a, c, sizeof a) != 0);
    int dropped = 0;
    for (int i = 0; i < N; i++) {
        if (a[i] == 0.0f) dropped++;
        else assert_true(fabsf(a[i] - x[i] / 0.75f) <= 1e-6f * a[i]);
    }
    assert_true(dropped > 0.2 * N && dropped < 0.3 * N);
    dropout_run(0.25, 42, 0, x, N, a); /* evaluation: identity */
    assert_memory_equal(a, x, sizeof a);
    dropout_run(0.0, 42, 1, x, N, a);  /* p = 0: identity */
    assert_memory_equal(a, x, sizeof a);
    dropout_run(1.0, 42, 1, x, N, a);  /* p = 1: all zero */
    for (int i = 0; i < N; i++) assert_true(a[i] == 0.0f);
}

/* Backward through dropout uses the forward's mask: dx = dy * mask / (1-p). */
static void test_layer_dropout_backward_uses_mask(void **state) {
    (void)state;
    dsc_model *m = NULL;
    dsc_layer *l = NULL;
    assert_ok(dsc_model_new(&m, 1));
    assert_ok(dsc_layer_dense_new(&l, 1, 64, 0));
    assert_ok(dsc_model_add(m, l));
    assert_ok(dsc_layer_dropout_new(&l, 0.5, 5));
    assert_ok(dsc_model_add(m, l));
    assert_ok(dsc_model_build(m, 1));
    float w[64], dy[64], gw[64];
    for (int i = 0; i < 64; i++) {
        w[i] = 1.0f;
        dy[i] = (float)(i + 1);
    }
    assert_ok(dsc_model_set_weight(m, 0, w, 64));
    const float x[1] = {3.0f};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    float mask[64];
    for (int i = 0; i < 64; i++) mask[i] = y[i] / 3.0f; /* 0 or 2 */
    assert_ok(dsc_model_backward(m, dy, 1));
    assert_ok(dsc_model_get_weight_grad(m, 0, gw, 64));
    for (int i = 0; i < 64; i++) assert_true(fabsf(gw[i] - dy[i] * mask[i] * 3.0f) <= 1e-5f * (1 + gw[i]));
    dsc_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_dense_new_validation),
        cmocka_unit_test(test_layer_activation_new_validation),
        cmocka_unit_test(test_layer_activation_values),
        cmocka_unit_test(test_layer_softmax_rows),
        cmocka_unit_test(test_layer_dropout_seeded_and_scaled),
        cmocka_unit_test(test_layer_dropout_backward_uses_mask),
    };
    return cmocka_run_group_tests_name("layer", tests, NULL, NULL);
}
