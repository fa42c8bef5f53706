/* The sequential model: life cycle, out-of-order calls, shapes, parameter
 * access and layout, initialization, train/eval, gradient accumulation and
 * the zero-allocation guarantee after build. */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* dense(in->hid) tanh dense(hid->out), built for max_batch. */
static dsc_model *mlp(size_t in, size_t hid, size_t out, size_t max_batch) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, in));
    assert_ok(dsc_model_add_dense(m, hid, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(m, out, 1));
    if (max_batch) assert_ok(dsc_model_build(m, max_batch));
    return m;
}

static void fill(float *x, size_t n, uint64_t seed) {
    uint64_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
    }
}

static void test_model_new_validation(void **state) {
    (void)state;
    dsc_model *m = (dsc_model *)(uintptr_t)1;
    assert_status(dsc_model_new(&m, 0), DSC_E_ARG);
    assert_null(m);
    assert_status(dsc_model_new(NULL, 3), DSC_E_ARG);
    dsc_model_free(NULL);
}

/* A refused add changes nothing: the layer count, the widths and the
 * parameter count stay, and the model can still be built and used. */
static void test_model_refused_add_changes_nothing(void **state) {
    (void)state;
    dsc_model *m = NULL;
    size_t n = 0, in = 0, out = 0;
    assert_ok(dsc_model_new(&m, 4));
    assert_ok(dsc_model_add_dense(m, 3, 1));
    assert_status(dsc_model_add_dense(m, 0, 1), DSC_E_ARG);
    assert_status(dsc_model_add_activation(m, (dsc_activation)99), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_add_leaky_relu(m, NAN), DSC_E_ARG);
    assert_status(dsc_model_add_dropout(m, 2.0, 1), DSC_E_ARG);
    assert_ok(dsc_model_layer_count(m, &n));
    assert_int_equal(n, 1);
    assert_ok(dsc_model_widths(m, &in, &out));
    assert_int_equal(in, 4);
    assert_int_equal(out, 3);
    assert_ok(dsc_model_param_count(m, &n));
    assert_int_equal(n, 15);
    assert_ok(dsc_model_build(m, 1));
    const float x[4] = {1, 2, 3, 4};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    dsc_model_free(m);
}

static void test_model_activation_takes_width(void **state) {
    (void)state;
    dsc_model *m = mlp(5, 7, 2, 0);
    dsc_layer_kind kind;
    size_t in = 0, out = 0, count = 0;
    assert_ok(dsc_model_layer_info(m, 1, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_ACTIVATION);
    assert_int_equal(in, 7);
    assert_int_equal(out, 7);
    assert_ok(dsc_model_layer_info(m, 2, &kind, &in, &out));
    assert_int_equal(kind, DSC_LAYER_DENSE);
    assert_int_equal(in, 7);
    assert_int_equal(out, 2);
    assert_status(dsc_model_layer_info(m, 3, &kind, &in, &out), DSC_E_ARG);
    assert_int_equal(out, 0);
    assert_ok(dsc_model_param_count(m, &count));
    assert_int_equal(count, 5 * 7 + 7 + 7 * 2 + 2);
    dsc_model_free(m);
}

static void test_model_calls_out_of_order(void **state) {
    (void)state;
    dsc_model *m = NULL;
    float x[4] = {0}, dy[4] = {0}, *p = NULL;
    const float *y = (const float *)(uintptr_t)1;
    assert_ok(dsc_model_new(&m, 2));
    assert_status(dsc_model_build(m, 4), DSC_E_STATE); /* no layers */
    m = (dsc_model_free(m), mlp(2, 3, 2, 0));
    assert_status(dsc_model_forward(m, x, 1, &y), DSC_E_STATE);
    assert_null(y);
    assert_status(dsc_model_backward(m, dy, 1), DSC_E_STATE);
    assert_status(dsc_model_zero_grad(m), DSC_E_STATE);
    assert_status(dsc_model_params(m, &p), DSC_E_STATE);
    assert_status(dsc_model_grads(m, &p), DSC_E_STATE);
    assert_status(dsc_model_predict(m, x, 1, dy), DSC_E_STATE);
    assert_status(dsc_model_init(m, DSC_INIT_ZEROS, DSC_INIT_ZEROS, 1), DSC_E_STATE);
    float w[6];
    assert_status(dsc_model_get_weight(m, 0, w, 6), DSC_E_STATE);
    assert_ok(dsc_model_build(m, 2));
    assert_status(dsc_model_build(m, 2), DSC_E_STATE);
    assert_status(dsc_model_add_activation(m, DSC_ACTIVATION_RELU), DSC_E_STATE);
    /* backward before any forward changes no gradient */
    float *g = NULL;
    assert_ok(dsc_model_grads(m, &g));
    assert_status(dsc_model_backward(m, dy, 1), DSC_E_STATE);
    for (size_t i = 0; i < 2 * 3 + 3 + 3 * 2 + 2; i++) assert_true(g[i] == 0.0f);
    dsc_model_free(m);
}

static void test_model_batch_limits(void **state) {
    (void)state;
    dsc_model *m = mlp(3, 4, 2, 8);
    float x[3 * 9], dy[2 * 9];
    const float *y = NULL;
    fill(x, 27, 1);
    assert_status(dsc_model_forward(m, x, 9, &y), DSC_E_SHAPE);
    assert_non_null(strstr(dsc_last_error(), "at most 8"));
    assert_status(dsc_model_forward(m, x, 0, &y), DSC_E_ARG);
    assert_status(dsc_model_forward(m, NULL, 1, &y), DSC_E_ARG);
    assert_status(dsc_model_forward(m, x, 1, NULL), DSC_E_ARG);
    /* a smaller batch gives the same rows as the full one */
    float full[16];
    assert_ok(dsc_model_forward(m, x, 8, &y));
    memcpy(full, y, sizeof full);
    assert_ok(dsc_model_forward(m, x, 3, &y));
    assert_floats_near(y, full, 6, 1e-6, 1e-7);
    memset(dy, 0, sizeof dy);
    assert_status(dsc_model_backward(m, dy, 4), DSC_E_SHAPE);
    assert_ok(dsc_model_backward(m, dy, 3));
    size_t mb = 0;
    assert_ok(dsc_model_max_batch(m, &mb));
    assert_int_equal(mb, 8);
    dsc_model_free(m);
}

static void test_model_predict_chunks_and_keeps_mode(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 5, 1));
    assert_ok(dsc_model_add_dropout(m, 0.5, 7));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 4));
    float x[3 * 11], y[2 * 11], want[2 * 11];
    fill(x, 33, 3);
    assert_ok(dsc_model_predict(m, x, 11, y)); /* 4 + 4 + 3 */
    int training = 0;
    assert_ok(dsc_model_is_training(m, &training));
    assert_int_equal(training, 1);
    assert_ok(dsc_model_set_training(m, 0));
    for (size_t s = 0; s < 11; s += 4) {
        const float *o = NULL;
        size_t b = 11 - s < 4 ? 11 - s : 4;
        assert_ok(dsc_model_forward(m, x + 3 * s, b, &o));
        memcpy(want + 2 * s, o, b * 2 * sizeof(float));
    }
    assert_floats_near(y, want, 22, 0, 0);
    float dy[8] = {0};
    assert_ok(dsc_model_predict(m, x, 1, y));
    assert_status(dsc_model_backward(m, dy, 1), DSC_E_STATE); /* predict replaced the activations */
    assert_status(dsc_model_set_training(m, 2), DSC_E_ARG);
    assert_ok(dsc_model_is_training(m, &training));
    assert_int_equal(training, 0);
    dsc_model_free(m);
}

/* Issue 12: predict into memory overlapping its input was documented as
 * forbidden and accepted (the first chunk's outputs overwrote inputs of
 * later chunks). Any shared byte is refused now, and nothing is written. */
static void test_model_predict_refuses_overlap(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 2));
    float buf[64];
    fill(buf, 64, 5);
    float copy[64];
    memcpy(copy, buf, sizeof buf);
    /* y == x, y inside x, y ending on x's first element, x inside y */
    const size_t starts[][2] = {{0, 0}, {0, 4}, {10, 0}, {5, 0}};
    const size_t n = 5; /* x: 15 floats, y: 10 */
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        assert_status(dsc_model_predict(m, buf + starts[i][0], n, buf + starts[i][1] + (i == 2 ? 1 : 0)),
                      DSC_E_ARG);
        assert_string_equal(dsc_last_error(),
                            "dsc_model_predict: y overlaps x; the outputs need an array of their own");
        assert_memory_equal(buf, copy, sizeof buf);
    }
    /* adjacent arrays share no byte: accepted, in both orders */
    assert_ok(dsc_model_predict(m, buf, n, buf + 15));
    assert_ok(dsc_model_predict(m, buf + 10, n, buf));
    assert_status(dsc_model_predict(m, buf, SIZE_MAX / 2, buf + 15), DSC_E_ARG); /* n x width overflows */
    dsc_model_free(m);
}

static void test_model_dense_forward_matches_definition(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 2));
    const float w[6] = {1, 2, 3, -1, 0.5f, 0}, b[2] = {0.25f, -2};
    const float x[6] = {1, 0, -1, 2, 4, 8};
    assert_ok(dsc_model_set_weight(m, 0, w, 6));
    assert_ok(dsc_model_set_bias(m, 0, b, 2));
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 2, &y));
    const float want[4] = {1 - 3 + 0.25f, -1 - 2, 2 + 8 + 24 + 0.25f, -2 + 2 - 2};
    assert_floats_near(y, want, 4, 0, 1e-6);
    /* dW = dy^T x, db = sum dy */
    const float dy[4] = {1, 0, 0, 2};
    assert_ok(dsc_model_backward(m, dy, 2));
    float gw[6], gb[2];
    assert_ok(dsc_model_get_weight_grad(m, 0, gw, 6));
    assert_ok(dsc_model_get_bias_grad(m, 0, gb, 2));
    const float wgw[6] = {1, 0, -1, 4, 8, 16}, wgb[2] = {1, 2};
    assert_floats_near(gw, wgw, 6, 0, 1e-6);
    assert_floats_near(gb, wgb, 2, 0, 1e-6);
    dsc_model_free(m);
}

static void test_model_no_bias_layer(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 2));
    assert_ok(dsc_model_add_dense(m, 2, 0));
    assert_ok(dsc_model_build(m, 1));
    size_t n = 0;
    assert_ok(dsc_model_param_count(m, &n));
    assert_int_equal(n, 4);
    float b[2] = {1, 1};
    assert_status(dsc_model_set_bias(m, 0, b, 2), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_get_bias(m, 0, b, 2), DSC_E_UNSUPPORTED);
    const float w[4] = {1, 2, 3, 4}, x[2] = {1, 1};
    assert_ok(dsc_model_set_weight(m, 0, w, 4));
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    assert_true(y[0] == 3.0f && y[1] == 7.0f);
    dsc_model_free(m);
}

static void test_model_param_layout_is_flat_and_aligned(void **state) {
    (void)state;
    dsc_model *m = mlp(3, 4, 2, 2);
    float *p = NULL, *g = NULL;
    assert_ok(dsc_model_params(m, &p));
    assert_ok(dsc_model_grads(m, &g));
    assert_int_equal((uintptr_t)p % 64, 0);
    assert_int_equal((uintptr_t)g % 64, 0);
    float w0[12], b0[4], w2[8], b2[2];
    assert_ok(dsc_model_get_weight(m, 0, w0, 12));
    assert_ok(dsc_model_get_bias(m, 0, b0, 4));
    assert_ok(dsc_model_get_weight(m, 2, w2, 8));
    assert_ok(dsc_model_get_bias(m, 2, b2, 2));
    assert_memory_equal(p, w0, sizeof w0);
    assert_memory_equal(p + 12, b0, sizeof b0);
    assert_memory_equal(p + 16, w2, sizeof w2);
    assert_memory_equal(p + 24, b2, sizeof b2);
    p[13] = 42.0f; /* writes through the flat buffer change the model */
    assert_ok(dsc_model_get_bias(m, 0, b0, 4));
    assert_true(b0[1] == 42.0f);
    dsc_model_free(m);
}

static void test_model_set_get_validation_changes_nothing(void **state) {
    (void)state;
    dsc_model *m = mlp(3, 4, 2, 2);
    float w[12], before[12];
    assert_ok(dsc_model_get_weight(m, 0, before, 12));
    for (int i = 0; i < 12; i++) w[i] = (float)i;
    w[5] = NAN;
    assert_status(dsc_model_set_weight(m, 0, w, 12), DSC_E_ARG);
    w[5] = INFINITY;
    assert_status(dsc_model_set_weight(m, 0, w, 12), DSC_E_ARG);
    w[5] = 5;
    assert_status(dsc_model_set_weight(m, 0, w, 11), DSC_E_SHAPE);
    assert_status(dsc_model_set_weight(m, 1, w, 12), DSC_E_ARG); /* tanh has no weight */
    assert_non_null(strstr(dsc_last_error(), "layer 1"));
    assert_status(dsc_model_set_weight(m, 3, w, 12), DSC_E_ARG);
    assert_status(dsc_model_set_weight(m, 0, NULL, 12), DSC_E_ARG);
    assert_status(dsc_model_set_weight(NULL, 0, w, 12), DSC_E_ARG);
    float now[12];
    assert_ok(dsc_model_get_weight(m, 0, now, 12));
    assert_memory_equal(now, before, sizeof now);
    assert_ok(dsc_model_set_weight(m, 0, w, 12));
    assert_ok(dsc_model_get_weight(m, 0, now, 12));
    assert_memory_equal(now, w, sizeof now);
    dsc_model_free(m);
}

static void test_model_gradients_accumulate_until_zeroed(void **state) {
    (void)state;
    dsc_model *m = mlp(3, 4, 2, 5);
    float x[15], dy[10];
    fill(x, 15, 5);
    fill(dy, 10, 6);
    const float *y = NULL;
    float *g = NULL;
    size_t n = 0;
    assert_ok(dsc_model_param_count(m, &n));
    assert_ok(dsc_model_grads(m, &g));
    assert_ok(dsc_model_forward(m, x, 5, &y));
    assert_ok(dsc_model_backward(m, dy, 5));
    float once[64];
    memcpy(once, g, n * sizeof(float));
    assert_ok(dsc_model_forward(m, x, 5, &y));
    assert_ok(dsc_model_backward(m, dy, 5));
    for (size_t i = 0; i < n; i++) assert_true(fabsf(g[i] - 2.0f * once[i]) <= 1e-6f * (1 + fabsf(once[i])));
    assert_ok(dsc_model_zero_grad(m));
    for (size_t i = 0; i < n; i++) assert_true(g[i] == 0.0f);
    dsc_model_free(m);
}

static void test_model_init_reproducible_and_bounded(void **state) {
    (void)state;
    dsc_model *a = mlp(50, 40, 30, 1), *b = mlp(50, 40, 30, 1);
    size_t n = 0;
    float *pa = NULL, *pb = NULL;
    assert_ok(dsc_model_param_count(a, &n));
    assert_ok(dsc_model_params(a, &pa));
    assert_ok(dsc_model_params(b, &pb));
    assert_memory_equal(pa, pb, n * sizeof(float)); /* build: default init, seed 0 */
    static const dsc_init kinds[] = {DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_XAVIER_UNIFORM,
                                     DSC_INIT_XAVIER_NORMAL, DSC_INIT_KAIMING_UNIFORM,
                                     DSC_INIT_KAIMING_NORMAL, DSC_INIT_ZEROS};
    for (size_t k = 0; k < 6; k++) {
        assert_ok(dsc_model_init(a, kinds[k], DSC_INIT_PYTORCH_DEFAULT, 11));
        assert_ok(dsc_model_init(b, kinds[k], DSC_INIT_PYTORCH_DEFAULT, 11));
        assert_memory_equal(pa, pb, n * sizeof(float));
        float w[50 * 40];
        assert_ok(dsc_model_get_weight(a, 0, w, 2000));
        double bound = 0, sum2 = 0, maxabs = 0;
        switch (kinds[k]) {
        case DSC_INIT_PYTORCH_DEFAULT: bound = 1 / sqrt(50.0); break;
        case DSC_INIT_XAVIER_UNIFORM: bound = sqrt(6.0 / 90); break;
        case DSC_INIT_KAIMING_UNIFORM: bound = sqrt(6.0 / 50); break;
        default: break;
        }
        for (int i = 0; i < 2000; i++) {
            sum2 += (double)w[i] * w[i];
            if (fabs(w[i]) > maxabs) maxabs = fabs(w[i]);
        }
        double var = sum2 / 2000;
        if (bound > 0) {
            assert_true(maxabs <= bound);
            assert_true(maxabs > 0.95 * bound);
            assert_true(fabs(var - bound * bound / 3) < 0.1 * bound * bound / 3);
        } else if (kinds[k] == DSC_INIT_XAVIER_NORMAL) {
            assert_true(fabs(var - 2.0 / 90) < 0.1 * 2.0 / 90);
        } else if (kinds[k] == DSC_INIT_KAIMING_NORMAL) {
            assert_true(fabs(var - 2.0 / 50) < 0.1 * 2.0 / 50);
        } else {
            assert_true(maxabs == 0);
        }
        float bias[40];
        assert_ok(dsc_model_get_bias(a, 0, bias, 40));
        for (int i = 0; i < 40; i++) assert_true(fabsf(bias[i]) <= 1 / sqrtf(50.0f));
    }
    assert_ok(dsc_model_init(b, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_ZEROS, 12));
    float bias[30];
    assert_ok(dsc_model_get_bias(b, 2, bias, 30));
    for (int i = 0; i < 30; i++) assert_true(bias[i] == 0.0f);
    assert_ok(dsc_model_init(a, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_ZEROS, 13));
    assert_true(memcmp(pa, pb, n * sizeof(float)) != 0); /* another seed */
    /* refused inits change nothing */
    memcpy(pa, pb, n * sizeof(float));
    assert_status(dsc_model_init(a, (dsc_init)0, DSC_INIT_ZEROS, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_init(a, (dsc_init)7, DSC_INIT_ZEROS, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_init(a, DSC_INIT_ZEROS, DSC_INIT_XAVIER_UNIFORM, 1), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_init(NULL, DSC_INIT_ZEROS, DSC_INIT_ZEROS, 1), DSC_E_ARG);
    assert_memory_equal(pa, pb, n * sizeof(float));
    dsc_model_free(a);
    dsc_model_free(b);
}

static void test_model_train_eval_dropout(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 64));
    assert_ok(dsc_model_add_dropout(m, 0.5, 3));
    assert_ok(dsc_model_build(m, 2));
    float x[128];
    for (int i = 0; i < 128; i++) x[i] = 1.0f + (float)i;
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 2, &y));
    int zeros = 0;
    for (int i = 0; i < 128; i++) {
        assert_true(y[i] == 0.0f || y[i] == 2.0f * x[i]);
        zeros += y[i] == 0.0f;
    }
    assert_true(zeros > 32 && zeros < 96);
    assert_ok(dsc_model_set_training(m, 0));
    assert_ok(dsc_model_forward(m, x, 2, &y));
    assert_memory_equal(y, x, sizeof x);
    dsc_model_free(m);
}

/* After build, 200 full training steps allocate nothing. */
static void test_model_steps_allocate_nothing(void **state) {
    (void)state;
    dsc_model *m = NULL;
    dsc_loss *loss = NULL;
    assert_ok(dsc_model_new(&m, 9));
    assert_ok(dsc_model_add_dense(m, 17, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU));
    assert_ok(dsc_model_add_dropout(m, 0.2, 1));
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_SOFTMAX));
    assert_ok(dsc_model_build(m, 16));
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    float x[16 * 9], t[16 * 4], dy[16 * 4], out[16 * 4];
    fill(x, sizeof x / sizeof x[0], 9);
    fill(t, sizeof t / sizeof t[0], 10);
    harness_alloc_install(0);
    for (int step = 0; step < 200; step++) {
        size_t b = 1 + (size_t)step % 16;
        const float *y = NULL;
        double v;
        assert_ok(dsc_model_zero_grad(m));
        assert_ok(dsc_model_forward(m, x, b, &y));
        assert_ok(dsc_loss_forward(loss, y, t, b, 4, &v));
        assert_ok(dsc_loss_backward(loss, dy));
        assert_ok(dsc_model_backward(m, dy, b));
        if (step % 50 == 0) assert_ok(dsc_model_predict(m, x, 16, out));
    }
    assert_int_equal(harness_alloc_count(), 0);
    dsc_loss_free(loss);
    dsc_model_free(m);
}

static void test_model_build_failure_leaves_model_buildable(void **state) {
    (void)state;
    dsc_model *m = mlp(3, 4, 2, 0);
    int built = 0;
    for (long k = 1; k < 20 && !built; k++) {
        harness_alloc_install(k);
        dsc_status s = dsc_model_build(m, 4);
        long live = harness_alloc_live();
        harness_alloc_uninstall();
        if (s == DSC_OK) {
            built = 1;
        } else {
            assert_int_equal(s, DSC_E_NOMEM);
            assert_int_equal(live, 0); /* nothing kept from the failed build */
            size_t mb = 1;
            assert_ok(dsc_model_max_batch(m, &mb));
            assert_int_equal(mb, 0);
        }
    }
    assert_true(built);
    float x[3] = {1, 2, 3};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    dsc_model_free(m);
}

static void test_model_optimizer_add_model(void **state) {
    (void)state;
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.5));
    dsc_model *m = mlp(3, 4, 2, 0);
    size_t group = 99, count = 0, n = 0;
    assert_status(dsc_optimizer_add_model(opt, m, &group), DSC_E_STATE); /* not built */
    assert_status(dsc_optimizer_add_model(NULL, m, &group), DSC_E_ARG);
    assert_status(dsc_optimizer_add_model(opt, NULL, &group), DSC_E_ARG);
    assert_ok(dsc_optimizer_group_count(opt, &count));
    assert_int_equal(count, 0);
    assert_int_equal(group, 99);
    assert_ok(dsc_model_build(m, 4));
    assert_ok(dsc_optimizer_add_model(opt, m, &group));
    assert_int_equal(group, 0);
    assert_ok(dsc_model_param_count(m, &n));
    assert_ok(dsc_optimizer_group_size(opt, 0, &count));
    assert_int_equal(count, n);
    /* one step: p -= lr * g over the flat buffers */
    float *p = NULL, *g = NULL, before[64];
    assert_ok(dsc_model_params(m, &p));
    assert_ok(dsc_model_grads(m, &g));
    memcpy(before, p, n * sizeof(float));
    for (size_t i = 0; i < n; i++) g[i] = (float)i;
    assert_ok(dsc_optimizer_step(opt));
    for (size_t i = 0; i < n; i++) assert_true(p[i] == before[i] - 0.5f * (float)i);
    /* a model without parameters cannot be a group */
    dsc_model *act = NULL;
    assert_ok(dsc_model_new(&act, 3));
    assert_ok(dsc_model_add_activation(act, DSC_ACTIVATION_RELU));
    assert_ok(dsc_model_build(act, 1));
    assert_status(dsc_optimizer_add_model(opt, act, NULL), DSC_E_ARG);
    assert_ok(dsc_optimizer_group_count(opt, &count));
    assert_int_equal(count, 1);
    dsc_model_free(act);
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

/* A whole training loop (zero_grad, forward, loss, backward, Adam step)
 * allocates nothing after build and add_model, and the loss falls. */
static void test_model_training_loop_allocates_nothing(void **state) {
    (void)state;
    dsc_model *m = mlp(4, 8, 3, 6);
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.05));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    float x[24], dy[18];
    const int32_t labels[6] = {0, 1, 2, 2, 1, 0};
    fill(x, 24, 17);
    double first = 0, last = 0;
    harness_alloc_install(0);
    for (int step = 0; step < 100; step++) {
        const float *y = NULL;
        assert_ok(dsc_model_zero_grad(m));
        assert_ok(dsc_model_forward(m, x, 6, &y));
        assert_ok(dsc_loss_forward_labels(loss, y, labels, 6, 3, &last));
        if (step == 0) first = last;
        assert_ok(dsc_loss_backward(loss, dy));
        assert_ok(dsc_model_backward(m, dy, 6));
        assert_ok(dsc_optimizer_step(opt));
    }
    assert_int_equal(harness_alloc_count(), 0);
    assert_true(last < 0.1 * first);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(m);
}

/* The read-only getters refuse NULL handles and outputs, bad layer indices,
 * layers without parameters and wrong lengths, and write nothing then. */
static void test_model_getters_failure_paths(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 2, 0));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    size_t n = 7;
    int flag = 7;
    assert_status(dsc_model_layer_count(NULL, &n), DSC_E_ARG);
    assert_status(dsc_model_layer_count(m, NULL), DSC_E_ARG);
    assert_status(dsc_model_widths(NULL, &n, &n), DSC_E_ARG);
    assert_status(dsc_model_max_batch(NULL, &n), DSC_E_ARG);
    assert_status(dsc_model_max_batch(m, NULL), DSC_E_ARG);
    assert_status(dsc_model_is_training(NULL, &flag), DSC_E_ARG);
    assert_status(dsc_model_is_training(m, NULL), DSC_E_ARG);
    assert_status(dsc_model_param_count(NULL, &n), DSC_E_ARG);
    assert_status(dsc_model_param_count(m, NULL), DSC_E_ARG);
    assert_int_equal(n, 0); /* a failed getter leaves its out-value at 0 */
    assert_int_equal(flag, 0);
    float g[6];
    for (int i = 0; i < 6; i++) g[i] = -9.0f;
    /* Not built yet: the gradients do not exist. */
    assert_status(dsc_model_get_weight_grad(m, 0, g, 6), DSC_E_STATE);
    assert_ok(dsc_model_build(m, 4));
    assert_status(dsc_model_get_weight_grad(NULL, 0, g, 6), DSC_E_ARG);
    assert_status(dsc_model_get_weight_grad(m, 0, NULL, 6), DSC_E_ARG);
    assert_status(dsc_model_get_weight_grad(m, 2, g, 6), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "the model has 2 layers"));
    assert_status(dsc_model_get_weight_grad(m, 1, g, 6), DSC_E_ARG); /* relu has no parameters */
    assert_status(dsc_model_get_weight_grad(m, 0, g, 5), DSC_E_SHAPE);
    assert_status(dsc_model_get_bias_grad(m, 0, g, 2), DSC_E_UNSUPPORTED); /* built without bias */
    assert_status(dsc_model_get_bias_grad(NULL, 0, g, 2), DSC_E_ARG);
    for (int i = 0; i < 6; i++) assert_true(g[i] == -9.0f);
    assert_ok(dsc_model_get_weight_grad(m, 0, g, 6));
    for (int i = 0; i < 6; i++) assert_true(g[i] == 0.0f); /* zeroed at build */
    dsc_model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_new_validation),
        cmocka_unit_test(test_model_refused_add_changes_nothing),
        cmocka_unit_test(test_model_getters_failure_paths),
        cmocka_unit_test(test_model_activation_takes_width),
        cmocka_unit_test(test_model_calls_out_of_order),
        cmocka_unit_test(test_model_batch_limits),
        cmocka_unit_test(test_model_predict_chunks_and_keeps_mode),
        cmocka_unit_test(test_model_predict_refuses_overlap),
        cmocka_unit_test(test_model_dense_forward_matches_definition),
        cmocka_unit_test(test_model_no_bias_layer),
        cmocka_unit_test(test_model_param_layout_is_flat_and_aligned),
        cmocka_unit_test(test_model_set_get_validation_changes_nothing),
        cmocka_unit_test(test_model_gradients_accumulate_until_zeroed),
        cmocka_unit_test(test_model_init_reproducible_and_bounded),
        cmocka_unit_test(test_model_train_eval_dropout),
        cmocka_unit_test_teardown(test_model_steps_allocate_nothing, harness_alloc_teardown),
        cmocka_unit_test_teardown(test_model_build_failure_leaves_model_buildable, harness_alloc_teardown),
        cmocka_unit_test(test_model_optimizer_add_model),
        cmocka_unit_test_teardown(test_model_training_loop_allocates_nothing, harness_alloc_teardown),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
