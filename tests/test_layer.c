/* Layers, created by calls on a model: each add call and its validation
 * (a refused call, a built model included, adds nothing), inspection by
 * index, activation values against libm, softmax rows, dropout masks
 * (seeded, scaled, train-only). */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Layer count, widths, kind and parameter count of a model, in one call. */
static void expect_layers(const dsc_model *m, size_t count, size_t out_width, size_t params) {
    size_t n = 0, in = 0, out = 0;
    assert_ok(dsc_model_layer_count(m, &n));
    assert_int_equal(n, count);
    assert_ok(dsc_model_widths(m, &in, &out));
    assert_int_equal(out, out_width);
    assert_ok(dsc_model_param_count(m, &n));
    assert_int_equal(n, params);
}

static void test_layer_add_dense(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_status(dsc_model_add_dense(NULL, 5, 1), DSC_E_ARG);
    assert_status(dsc_model_add_dense(m, 0, 1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_model_add_dense: out_features is 0"));
    assert_status(dsc_model_add_dense(m, 5, 2), DSC_E_ARG);
    assert_status(dsc_model_add_dense(m, 5, -1), DSC_E_ARG);
    assert_status(dsc_model_add_dense(m, SIZE_MAX / 2, 1), DSC_E_ARG); /* 3 x SIZE_MAX/2 overflows */
    assert_non_null(strstr(dsc_last_error(), "overflow"));
    expect_layers(m, 0, 3, 0); /* refused calls add nothing */
    assert_ok(dsc_model_add_dense(m, 5, 1));
    expect_layers(m, 1, 5, 20);
    assert_ok(dsc_model_add_dense(m, 2, 0)); /* in = 5, the model's width so far */
    expect_layers(m, 2, 2, 30);
    dsc_layer_kind kind = DSC_LAYER_DROPOUT;
    size_t in = 0, out = 0, n = 0;
    assert_ok(dsc_model_layer_info(m, 0, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_DENSE);
    assert_int_equal(in, 3);
    assert_int_equal(out, 5);
    assert_ok(dsc_model_layer_param_count(m, 0, &n));
    assert_int_equal(n, 20);
    assert_ok(dsc_model_layer_info(m, 1, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_DENSE);
    assert_int_equal(in, 5);
    assert_int_equal(out, 2);
    assert_ok(dsc_model_layer_param_count(m, 1, &n));
    assert_int_equal(n, 10); /* no bias */
    dsc_model_free(m);
}

static void test_layer_add_activation_and_dropout(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 4));
    assert_status(dsc_model_add_activation(NULL, DSC_ACTIVATION_RELU), DSC_E_ARG);
    assert_status(dsc_model_add_activation(m, (dsc_activation)8), DSC_E_UNSUPPORTED);
    assert_non_null(strstr(dsc_last_error(), "dsc_model_add_activation: act 8 is not a dsc_activation (0..7)"));
    assert_status(dsc_model_add_activation(m, (dsc_activation)-1), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_add_leaky_relu(NULL, 0.1), DSC_E_ARG);
    assert_status(dsc_model_add_leaky_relu(m, NAN), DSC_E_ARG);
    assert_status(dsc_model_add_leaky_relu(m, INFINITY), DSC_E_ARG);
    assert_status(dsc_model_add_leaky_relu(m, -1e39), DSC_E_ARG); /* not a finite float */
    assert_status(dsc_model_add_dropout(NULL, 0.5, 1), DSC_E_ARG);
    assert_status(dsc_model_add_dropout(m, -0.1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_dropout(m, 1.5, 1), DSC_E_ARG);
    assert_status(dsc_model_add_dropout(m, NAN, 1), DSC_E_ARG);
    expect_layers(m, 0, 4, 0);
    for (int a = DSC_ACTIVATION_IDENTITY; a <= DSC_ACTIVATION_GELU_TANH; a++)
        assert_ok(dsc_model_add_activation(m, (dsc_activation)a));
    assert_ok(dsc_model_add_leaky_relu(m, -0.5));
    assert_ok(dsc_model_add_dropout(m, 0.0, 1));
    assert_ok(dsc_model_add_dropout(m, 1.0, 1));
    expect_layers(m, 11, 4, 0); /* the width is kept */
    for (size_t i = 0; i < 11; i++) {
        dsc_layer_kind kind = DSC_LAYER_DENSE;
        size_t in = 0, out = 0, n = 9;
        assert_ok(dsc_model_layer_info(m, i, &kind, &in, &out));
        assert_int_equal(kind, i < 9 ? DSC_LAYER_ACTIVATION : DSC_LAYER_DROPOUT);
        assert_int_equal(in, 4);
        assert_int_equal(out, 4);
        assert_ok(dsc_model_layer_param_count(m, i, &n));
        assert_int_equal(n, 0);
    }
    dsc_model_free(m);
}

/* Inspection by index: every output optional, out of range refused with the
 * outputs zeroed, NULL pointers refused. */
static void test_layer_inspect_by_index(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 2));
    dsc_layer_kind kind = DSC_LAYER_DENSE;
    size_t in = 9, out = 9, n = 9;
    assert_status(dsc_model_layer_info(m, 0, &kind, &in, &out), DSC_E_ARG); /* no layers yet */
    assert_non_null(strstr(dsc_last_error(), "the model has 0 layers"));
    assert_int_equal(kind, 0);
    assert_int_equal(in, 0);
    assert_int_equal(out, 0);
    assert_status(dsc_model_layer_param_count(m, 0, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_ok(dsc_model_add_dense(m, 3, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_layer_info(m, 1, NULL, NULL, NULL));
    assert_ok(dsc_model_layer_info(m, 1, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_ACTIVATION);
    assert_ok(dsc_model_layer_info(m, 0, NULL, &in, NULL));
    assert_int_equal(in, 2);
    assert_ok(dsc_model_layer_info(m, 0, NULL, NULL, &out));
    assert_int_equal(out, 3);
    in = out = n = 9;
    assert_status(dsc_model_layer_info(m, 2, &kind, &in, &out), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_model_layer_info: index is 2; the model has 2 layers"));
    assert_int_equal(in, 0);
    assert_status(dsc_model_layer_info(m, SIZE_MAX, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_model_layer_info(NULL, 0, &kind, &in, &out), DSC_E_ARG);
    assert_status(dsc_model_layer_param_count(m, 2, &n), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_model_layer_param_count: index is 2"));
    assert_int_equal(n, 0);
    assert_status(dsc_model_layer_param_count(m, 0, NULL), DSC_E_ARG);
    n = 9;
    assert_status(dsc_model_layer_param_count(NULL, 0, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_ok(dsc_model_layer_param_count(m, 0, &n));
    assert_int_equal(n, 9);
    assert_ok(dsc_model_build(m, 1)); /* inspection works the same once built */
    assert_ok(dsc_model_layer_info(m, 0, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_DENSE);
    assert_int_equal(in, 2);
    assert_int_equal(out, 3);
    dsc_model_free(m);
}

/* Every add on a built model is refused with DSC_E_STATE and changes nothing. */
static void test_layer_add_to_built_model_refused(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 2));
    assert_ok(dsc_model_add_dense(m, 3, 1));
    assert_ok(dsc_model_build(m, 2));
    float *p = NULL, before[9];
    assert_ok(dsc_model_params(m, &p));
    memcpy(before, p, sizeof before);
    assert_status(dsc_model_add_dense(m, 4, 1), DSC_E_STATE);
    assert_non_null(strstr(dsc_last_error(), "dsc_model_add_dense: the model is already built"));
    assert_status(dsc_model_add_activation(m, DSC_ACTIVATION_RELU), DSC_E_STATE);
    assert_status(dsc_model_add_leaky_relu(m, 0.2), DSC_E_STATE);
    assert_status(dsc_model_add_dropout(m, 0.5, 1), DSC_E_STATE);
    expect_layers(m, 1, 3, 9);
    float *p2 = NULL;
    assert_ok(dsc_model_params(m, &p2));
    assert_ptr_equal(p, p2);
    assert_memory_equal(p, before, sizeof before);
    const float x[2] = {1, 2};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    dsc_model_free(m);
}

/* Many layers (the slot array grows several times) keep their order and widths. */
static void test_layer_many_layers(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 1));
    for (size_t i = 0; i < 40; i++) {
        assert_ok(dsc_model_add_dense(m, i + 2, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    }
    for (size_t i = 0; i < 40; i++) {
        size_t in = 0, out = 0;
        assert_ok(dsc_model_layer_info(m, 2 * i, NULL, &in, &out));
        assert_int_equal(in, i + 1);
        assert_int_equal(out, i + 2);
    }
    assert_ok(dsc_model_build(m, 2));
    const float x[2] = {1, -1};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 2, &y));
    dsc_model_free(m);
}

/* Runs a model of width n with one layer on x: a leaky ReLU of the given
 * slope if slope >= 0, else the activation act. */
static void run_one(dsc_activation act, double slope, const float *x, size_t batch, size_t n,
                    float *y) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, n));
    if (slope >= 0) assert_ok(dsc_model_add_leaky_relu(m, slope));
    else assert_ok(dsc_model_add_activation(m, act));
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
    case DSC_ACTIVATION_GELU_TANH:
        return 0.5 * x * (1 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
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
                                          DSC_ACTIVATION_TANH, DSC_ACTIVATION_GELU,
                                          DSC_ACTIVATION_GELU_TANH};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        run_one(acts[a], -1, x, 1, N, y);
        for (int i = 0; i < N; i++) want[i] = (float)ref_act(acts[a], x[i], 0.01);
        assert_floats_near(y, want, N, 2e-6, 2e-7);
    }
    run_one(DSC_ACTIVATION_LEAKY_RELU, 0.2, x, 1, N, y);
    for (int i = 0; i < N; i++) want[i] = (float)ref_act(DSC_ACTIVATION_LEAKY_RELU, x[i], 0.2);
    assert_floats_near(y, want, N, 1e-6, 0);
}

static void test_layer_softmax_rows(void **state) {
    (void)state;
    float x[2 * 4] = {1, 2, 3, 4, 1000, 1000, -1000, 0}, y[8];
    run_one(DSC_ACTIVATION_SOFTMAX, -1, x, 2, 4, y);
    double z = exp(1) + exp(2) + exp(3) + exp(4);
    const float want[8] = {(float)(exp(1) / z), (float)(exp(2) / z), (float)(exp(3) / z),
                           (float)(exp(4) / z), 0.5f, 0.5f, 0.0f, 0.0f};
    assert_floats_near(y, want, 8, 1e-6, 1e-7);
}

static void dropout_run(double p, uint64_t seed, int training, const float *x, size_t n, float *y) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, n));
    assert_ok(dsc_model_add_dropout(m, p, seed));
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
    assert_ok(dsc_model_new(&m, 1));
    assert_ok(dsc_model_add_dense(m, 64, 0));
    assert_ok(dsc_model_add_dropout(m, 0.5, 5));
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
        cmocka_unit_test(test_layer_add_dense),
        cmocka_unit_test(test_layer_add_activation_and_dropout),
        cmocka_unit_test(test_layer_inspect_by_index),
        cmocka_unit_test(test_layer_add_to_built_model_refused),
        cmocka_unit_test(test_layer_many_layers),
        cmocka_unit_test(test_layer_activation_values),
        cmocka_unit_test(test_layer_softmax_rows),
        cmocka_unit_test(test_layer_dropout_seeded_and_scaled),
        cmocka_unit_test(test_layer_dropout_backward_uses_mask),
    };
    return cmocka_run_group_tests_name("layer", tests, NULL, NULL);
}
