/* The convolution and pooling layers through the public API: the builders'
 * validation (every refusal leaves the model unchanged), the shape checks
 * and their messages, the named tensors, forward and backward against
 * direct loops over PyTorch's definitions, and model files. The arithmetic
 * itself is checked per kernel set by test_kernels_conv.c and
 * test_kernels_pool.c, and against PyTorch by the conformance cases. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t layers(const dsc_model *m) {
    size_t n = 0;
    assert_ok(dsc_model_layer_count(m, &n));
    return n;
}

static dsc_model *shaped(size_t ndim, size_t d0, size_t d1, size_t d2) {
    const size_t dims[3] = {d0, d1, d2};
    dsc_model *m = NULL;
    assert_ok(dsc_model_new_shaped(&m, ndim, dims));
    return m;
}

static void assert_out_shape(const dsc_model *m, size_t ndim, size_t d0, size_t d1, size_t d2) {
    size_t n = 0, d[DSC_MODEL_MAX_DIMS] = {0};
    assert_ok(dsc_model_output_shape(m, &n, d));
    assert_int_equal(n, ndim);
    assert_int_equal(d[0], d0);
    if (ndim > 1) assert_int_equal(d[1], d1);
    if (ndim > 2) assert_int_equal(d[2], d2);
}

static void assert_error_has(const char *what) {
    if (strstr(dsc_last_error(), what) == NULL)
        fail_msg("\"%s\" not in the message \"%s\"", what, dsc_last_error());
}

static void test_builders_refuse_bad_arguments(void **state) {
    (void)state;
    dsc_model *m = shaped(3, 4, 9, 9), *m1 = shaped(2, 3, 14, 0);
    const size_t k3[2] = {3, 3}, k0[2] = {3, 0}, one[2] = {1, 1}, zero[2] = {0, 0}, p2[2] = {2, 1};
    assert_status(dsc_model_add_conv2d(NULL, 4, 6, k3, one, zero, one, 1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 0, 6, k3, one, zero, one, 1, 1), DSC_E_ARG);
    assert_error_has("in_channels is 0; it must be 1..");
    assert_status(dsc_model_add_conv2d(m, 4, 0, k3, one, zero, one, 1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 4, 6, k3, one, zero, one, 0, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 4, 6, k3, one, zero, one, 4, 1), DSC_E_ARG);
    assert_error_has("groups is 4; it must divide in_channels (4) and out_channels (6)");
    assert_status(dsc_model_add_conv2d(m, 4, 6, NULL, one, zero, one, 1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 4, 6, k0, one, zero, one, 1, 1), DSC_E_ARG);
    assert_error_has("kernel_size[1] is 0; it must be 1..");
    assert_status(dsc_model_add_conv2d(m, 4, 6, k3, zero, zero, one, 1, 1), DSC_E_ARG);
    assert_error_has("stride[0] is 0");
    assert_status(dsc_model_add_conv2d(m, 4, 6, k3, one, zero, zero, 1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 4, 6, k3, one, zero, one, 1, 2), DSC_E_ARG);
    assert_status(dsc_model_add_conv1d(m1, 3, 4, 3, 0, 0, 1, 1, 1), DSC_E_ARG);
    assert_error_has("dsc_model_add_conv1d: stride is 0");
    assert_status(dsc_model_add_conv1d(m1, 3, 4, (size_t)1 << 25, 1, 0, 1, 1, 1), DSC_E_ARG);
    assert_status(dsc_model_add_maxpool2d(m, NULL, NULL, NULL, NULL, 0), DSC_E_ARG);
    assert_status(dsc_model_add_maxpool2d(m, k3, NULL, p2, NULL, 0), DSC_E_ARG);
    assert_error_has("padding[0] is 2; it must be 0..1");
    assert_status(dsc_model_add_maxpool2d(m, k3, NULL, NULL, NULL, 2), DSC_E_ARG);
    assert_status(dsc_model_add_maxpool1d(NULL, 2, 2, 0, 1, 0), DSC_E_ARG);
    assert_status(dsc_model_add_maxpool1d(m1, 2, 2, 0, 0, 0), DSC_E_ARG);
    assert_status(dsc_model_add_avgpool1d(m1, 2, 2, 0, 0, 3), DSC_E_ARG);
    assert_error_has("count_include_pad is 3");
    assert_status(dsc_model_add_avgpool1d(NULL, 2, 2, 0, 0, 1), DSC_E_ARG);
    assert_status(dsc_model_add_avgpool1d(m1, 0, 2, 0, 0, 1), DSC_E_ARG);
    assert_status(dsc_model_add_avgpool2d(m, k0, NULL, NULL, 0, 1), DSC_E_ARG);
    assert_status(dsc_model_add_avgpool2d(m, NULL, NULL, NULL, 0, 1), DSC_E_ARG);
    assert_int_equal(layers(m), 0);
    assert_int_equal(layers(m1), 0);
    /* A built model takes no layer. */
    assert_ok(dsc_model_add_conv2d(m, 4, 2, k3, NULL, NULL, NULL, 1, 1));
    assert_ok(dsc_model_build(m, 2));
    assert_status(dsc_model_add_maxpool2d(m, k3, NULL, NULL, NULL, 0), DSC_E_STATE);
    assert_status(dsc_model_add_conv2d(m, 2, 2, k3, NULL, NULL, NULL, 1, 1), DSC_E_STATE);
    assert_int_equal(layers(m), 1);
    dsc_model_free(m);
    dsc_model_free(m1);
}

static void test_shapes_and_their_refusals(void **state) {
    (void)state;
    const size_t k3[2] = {3, 3}, k23[2] = {2, 3}, s2[2] = {2, 2}, s12[2] = {1, 2}, p2[2] = {2, 2},
                 p01[2] = {0, 1}, d2[2] = {2, 2}, k2[2] = {2, 2}, p1[2] = {1, 1};
    /* network-conv-conv2d_dilation_groups_mse: 4 x 9 x 9 -> 6 x 5 x 5 -> 4 x 4 x 3 */
    dsc_model *m = shaped(3, 4, 9, 9);
    assert_status(dsc_model_add_conv2d(m, 8, 6, k3, s2, p2, d2, 2, 1), DSC_E_ARG);
    assert_error_has("dsc_model_add_conv2d: layer 0 (conv2d) needs a C x H x W input with C = 8, "
                     "got 4 x 9 x 9");
    assert_ok(dsc_model_add_conv2d(m, 4, 6, k3, s2, p2, d2, 2, 1));
    assert_out_shape(m, 3, 6, 5, 5);
    assert_ok(dsc_model_add_conv2d(m, 6, 4, k23, s12, p01, NULL, 2, 1));
    assert_out_shape(m, 3, 4, 4, 3);
    assert_status(dsc_model_add_conv1d(m, 4, 4, 3, 1, 0, 1, 1, 1), DSC_E_ARG);
    assert_error_has("layer 2 (conv1d) needs a C x L input");
    assert_status(dsc_model_add_dense(m, 3, 1), DSC_E_ARG);
    assert_status(dsc_model_add_conv2d(m, 4, 4, (size_t[2]){5, 3}, NULL, NULL, NULL, 1, 1), DSC_E_ARG);
    assert_error_has("H + 2 * padding[0] >= 5");
    assert_int_equal(layers(m), 2);
    dsc_model_free(m);
    /* Floor sizing drops trailing rows (13 x 11 -> 6 x 5), ceil keeps them. */
    m = shaped(3, 5, 13, 11);
    assert_ok(dsc_model_add_maxpool2d(m, k2, k2, NULL, NULL, 0));
    assert_out_shape(m, 3, 5, 6, 5);
    dsc_model_free(m);
    m = shaped(3, 5, 13, 11);
    assert_ok(dsc_model_add_avgpool2d(m, k2, NULL, NULL, 1, 1));
    assert_out_shape(m, 3, 5, 7, 6);
    assert_ok(dsc_model_add_avgpool2d(m, k3, s2, p1, 0, 1));
    assert_out_shape(m, 3, 5, 4, 3);
    assert_status(dsc_model_add_maxpool1d(m, 2, 0, 0, 1, 0), DSC_E_ARG);
    assert_error_has("layer 2 (maxpool1d) needs a C x L input, got 5 x 4 x 3");
    dsc_model_free(m);
    /* network-conv-conv1d_relu_ce: 3 x 14 -> 4 x 14 -> 4 x 7 -> 6 x 3 -> 6 x 2 */
    m = shaped(2, 3, 14, 0);
    assert_ok(dsc_model_add_conv1d(m, 3, 4, 3, 1, 1, 1, 1, 1));
    assert_ok(dsc_model_add_maxpool1d(m, 3, 2, 1, 1, 0));
    assert_out_shape(m, 2, 4, 7, 0);
    assert_ok(dsc_model_add_conv1d(m, 4, 6, 3, 1, 0, 2, 1, 1));
    assert_out_shape(m, 2, 6, 3, 0);
    assert_ok(dsc_model_add_avgpool1d(m, 3, 2, 1, 0, 1));
    assert_out_shape(m, 2, 6, 2, 0);
    assert_status(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 0), DSC_E_ARG);
    assert_error_has("needs a C x H x W input");
    dsc_model_free(m);
    /* A dilated max window that holds no input cell is refused (length 2,
     * kernel 2, dilation 3, padding 1: taps at -1 and 2). */
    m = shaped(2, 1, 2, 0);
    assert_status(dsc_model_add_maxpool1d(m, 2, 1, 1, 3, 0), DSC_E_ARG);
    assert_error_has("every dilated window holds an input cell");
    assert_int_equal(layers(m), 0);
    dsc_model_free(m);
}

static void test_named_tensors(void **state) {
    (void)state;
    const size_t k23[2] = {2, 3};
    dsc_model *m = shaped(3, 4, 6, 7);
    assert_ok(dsc_model_add_conv2d(m, 4, 6, k23, NULL, NULL, NULL, 2, 1));
    assert_ok(dsc_model_add_maxpool2d(m, (size_t[2]){2, 2}, NULL, NULL, NULL, 1));
    assert_ok(dsc_model_add_flatten(m));
    dsc_model *m1 = shaped(2, 3, 10, 0);
    assert_ok(dsc_model_add_conv1d(m1, 3, 5, 4, 1, 0, 1, 1, 0));
    assert_ok(dsc_model_add_avgpool1d(m1, 2, 0, 0, 0, 1));
    size_t n = 9, ndim = 0, dims[DSC_TENSOR_MAX_DIMS];
    const char *name = NULL;
    int buf = -1;
    assert_ok(dsc_model_layer_tensor_count(m, 0, &n));
    assert_int_equal(n, 2);
    assert_ok(dsc_model_layer_tensor_info(m, 0, 0, &name, NULL, &buf, &ndim, dims));
    assert_string_equal(name, "weight");
    assert_int_equal(buf, 0);
    assert_int_equal(ndim, 4);
    assert_int_equal(dims[0], 6), assert_int_equal(dims[1], 2), assert_int_equal(dims[2], 2),
        assert_int_equal(dims[3], 3);
    assert_ok(dsc_model_layer_tensor_info(m, 0, 1, &name, NULL, &buf, &ndim, dims));
    assert_string_equal(name, "bias");
    assert_int_equal(ndim, 1);
    assert_int_equal(dims[0], 6);
    assert_ok(dsc_model_layer_tensor_count(m, 1, &n));
    assert_int_equal(n, 0);
    assert_ok(dsc_model_layer_tensor_count(m1, 0, &n));
    assert_int_equal(n, 1); /* no bias */
    assert_ok(dsc_model_layer_tensor_info(m1, 0, 0, &name, NULL, &buf, &ndim, dims));
    assert_int_equal(ndim, 3);
    assert_int_equal(dims[0], 5), assert_int_equal(dims[1], 3), assert_int_equal(dims[2], 4);
    assert_ok(dsc_model_layer_tensor_count(m1, 1, &n));
    assert_int_equal(n, 0);
    size_t np = 0;
    assert_ok(dsc_model_build(m, 3));
    assert_ok(dsc_model_param_count(m, &np));
    assert_int_equal(np, 6 * 2 * 2 * 3 + 6);
    float b[6];
    assert_status(dsc_model_get_param(m, 0, "bias", b, 5), DSC_E_SHAPE);
    assert_status(dsc_model_get_param(m, 1, "weight", b, 6), DSC_E_ARG);
    dsc_model_free(m);
    dsc_model_free(m1);
}

/* Deterministic values in [-1, 1]. */
static void fill(float *x, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 2654435761u + seed * 40503u) % 2001) / 1000.0f - 1.0f;
}

/* One conv2d layer (groups, stride, padding, dilation, bias) against direct
 * double loops: output, weight and bias gradients, input gradient through a
 * (the input gradient is test_kernels_conv.c's). */
static void test_conv2d_forward_backward_direct(void **state) {
    (void)state;
    enum { B = 2, C = 4, H = 7, W = 8, O = 6, G = 2, KH = 3, KW = 2 };
    const size_t k[2] = {KH, KW}, s[2] = {2, 1}, p[2] = {1, 2}, d[2] = {1, 2};
    dsc_model *m = shaped(3, C, H, W);
    assert_ok(dsc_model_add_conv2d(m, C, O, k, s, p, d, G, 1));
    assert_ok(dsc_model_build(m, B));
    const size_t OH = (H + 2 - 3) / 2 + 1, OW = (W + 4 - 3) / 1 + 1;
    assert_out_shape(m, 3, O, OH, OW);
    float x[B * C * H * W], w[O * (C / G) * KH * KW], bias[O];
    fill(x, sizeof x / sizeof x[0], 1);
    fill(w, sizeof w / sizeof w[0], 2);
    fill(bias, O, 3);
    assert_ok(dsc_model_set_param(m, 0, "weight", w, sizeof w / sizeof w[0]));
    assert_ok(dsc_model_set_param(m, 0, "bias", bias, O));
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, B, &y));
    float *dy = malloc(B * O * OH * OW * sizeof *dy);
    assert_non_null(dy);
    fill(dy, B * O * OH * OW, 4);
    assert_ok(dsc_model_zero_grad(m));
    assert_ok(dsc_model_backward(m, dy, B));
    double gw[sizeof w / sizeof w[0]] = {0}, gb[O] = {0};
    for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < O; o++)
            for (size_t r = 0; r < OH; r++)
                for (size_t c = 0; c < OW; c++) {
                    const size_t yi = ((b * O + o) * OH + r) * OW + c;
                    double acc = bias[o];
                    gb[o] += dy[yi];
                    for (size_t ci = 0; ci < C / G; ci++)
                        for (size_t i = 0; i < KH; i++)
                            for (size_t j = 0; j < KW; j++) {
                                const long ir = (long)(r * 2 + i) - 1, ic = (long)(c + j * 2) - 2;
                                if (ir < 0 || ic < 0 || ir >= H || ic >= W) continue;
                                const size_t ch = o / (O / G) * (C / G) + ci;
                                const size_t xi = ((b * C + ch) * H + (size_t)ir) * W + (size_t)ic;
                                const size_t wi = ((o * (C / G) + ci) * KH + i) * KW + j;
                                acc += (double)w[wi] * x[xi];
                                gw[wi] += (double)dy[yi] * x[xi];
                            }
                    assert_true(fabs(y[yi] - acc) < 1e-5);
                }
    float g[sizeof w / sizeof w[0]];
    assert_ok(dsc_model_get_param_grad(m, 0, "weight", g, sizeof g / sizeof g[0]));
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) assert_true(fabs(g[i] - gw[i]) < 1e-4);
    assert_ok(dsc_model_get_param_grad(m, 0, "bias", g, O));
    for (size_t i = 0; i < O; i++) assert_true(fabs(g[i] - gb[i]) < 1e-4);
    /* A second backward after the same forward adds the same gradients. */
    assert_ok(dsc_model_backward(m, dy, B));
    assert_ok(dsc_model_get_param_grad(m, 0, "bias", g, O));
    for (size_t i = 0; i < O; i++) assert_true(fabs(g[i] - 2 * gb[i]) < 2e-4);
    free(dy);
    dsc_model_free(m);
}

/* Pooling through a model: max (ceil_mode, padding, dilation) and average
 * (count_include_pad either way) on hand-checked 1-d values. */
static void test_pool_values(void **state) {
    (void)state;
    /* one channel, length 7: windows of 3 taps 2 apart, stride 2, padding 1, ceil:
     * output length ceil((7 + 2 - 5) / 2) + 1 = 3; windows {-1,1,3} {1,3,5} {3,5,7}. */
    const float x[7] = {4, 1, 9, 2, 2, 7, 3};
    dsc_model *m = shaped(2, 1, 7, 0);
    assert_ok(dsc_model_add_maxpool1d(m, 3, 2, 1, 2, 1));
    assert_out_shape(m, 2, 1, 3, 0);
    assert_ok(dsc_model_build(m, 1));
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 1, &y));
    assert_true(y[0] == 2 && y[1] == 7 && y[2] == 7);
    dsc_model_free(m);
    /* average, kernel 3, stride 2, padding 1, length 7 -> 4 outputs;
     * windows {-1..1} {1..3} {3..5} {5..7}: sums 5, 12, 11, 10. */
    for (int cip = 0; cip < 2; cip++) {
        m = shaped(2, 1, 7, 0);
        assert_ok(dsc_model_add_avgpool1d(m, 3, 2, 1, 0, cip));
        assert_ok(dsc_model_build(m, 1));
        assert_ok(dsc_model_forward(m, x, 1, &y));
        const float want_in[4] = {5.0f / 3, 12.0f / 3, 11.0f / 3, 10.0f / 3};
        const float want_ex[4] = {5.0f / 2, 12.0f / 3, 11.0f / 3, 10.0f / 2};
        assert_memory_equal(y, cip ? want_in : want_ex, sizeof want_in);
        dsc_model_free(m);
    }
}

/* Model files keep every kind with its configuration and parameters. */
static void test_model_file_round_trip(void **state) {
    (void)state;
    char path[] = "/tmp/descent-conv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const size_t k3[2] = {3, 3}, k2[2] = {2, 2}, s2[2] = {2, 1}, p1[2] = {1, 0}, d2[2] = {2, 1};
    for (int two = 0; two < 2; two++) {
        dsc_model *m = two ? shaped(3, 4, 11, 9) : shaped(2, 3, 17, 0), *back = NULL;
        if (two) {
            assert_ok(dsc_model_add_conv2d(m, 4, 6, k3, s2, p1, d2, 2, 1));
            assert_ok(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 1));
            assert_ok(dsc_model_add_avgpool2d(m, k2, (size_t[2]){1, 1}, (size_t[2]){1, 0}, 1, 0));
        } else {
            assert_ok(dsc_model_add_conv1d(m, 3, 4, 3, 2, 1, 2, 1, 0));
            assert_ok(dsc_model_add_maxpool1d(m, 3, 1, 1, 2, 1));
            assert_ok(dsc_model_add_avgpool1d(m, 2, 0, 1, 1, 0));
        }
        assert_ok(dsc_model_add_flatten(m));
        assert_ok(dsc_model_add_dense(m, 3, 1));
        assert_ok(dsc_model_build(m, 2));
        assert_ok(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 5));
        assert_ok(dsc_model_save(m, path));
        assert_ok(dsc_model_load(&back, path, 2));
        size_t n = layers(m);
        assert_int_equal(layers(back), n);
        for (size_t i = 0; i < n; i++) {
            dsc_layer_kind ka, kb;
            size_t ia, oa, ib, ob;
            assert_ok(dsc_model_layer_info(m, i, &ka, &ia, &oa));
            assert_ok(dsc_model_layer_info(back, i, &kb, &ib, &ob));
            assert_int_equal(ka, kb), assert_int_equal(ia, ib), assert_int_equal(oa, ob);
        }
        size_t in = 0, out = 0;
        assert_ok(dsc_model_widths(m, &in, &out));
        float *x = malloc(2 * in * sizeof *x), *ya = malloc(2 * out * sizeof *ya),
              *yb = malloc(2 * out * sizeof *yb);
        assert_non_null(x), assert_non_null(ya), assert_non_null(yb);
        fill(x, 2 * in, 9);
        assert_ok(dsc_model_predict(m, x, 2, ya));
        assert_ok(dsc_model_predict(back, x, 2, yb));
        assert_memory_equal(ya, yb, 2 * out * sizeof *ya);
        free(x), free(ya), free(yb);
        dsc_model_free(m);
        dsc_model_free(back);
    }
    unlink(path);
}

/* A conv + pool model with its optimizer (Adam: per-parameter state) resumes
 * from a checkpoint bit for bit. */
static dsc_model *cnn(void) {
    const size_t k3[2] = {3, 3}, p1[2] = {1, 1}, k2[2] = {2, 2};
    dsc_model *m = shaped(3, 2, 8, 7);
    assert_ok(dsc_model_add_conv2d(m, 2, 4, k3, NULL, p1, NULL, 2, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    assert_ok(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 1));
    assert_ok(dsc_model_add_conv2d(m, 4, 3, k2, NULL, NULL, NULL, 1, 0));
    assert_ok(dsc_model_add_avgpool2d(m, k2, (size_t[2]){1, 1}, NULL, 0, 1));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 3, 1));
    assert_ok(dsc_model_build(m, 4));
    assert_ok(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 11));
    return m;
}

static void train_steps(dsc_model *m, dsc_optimizer *opt, dsc_loss *loss, int steps) {
    float x[4 * 2 * 8 * 7], dy[4 * 3];
    int32_t labels[4] = {0, 2, 1, 2};
    for (int t = 0; t < steps; t++) {
        fill(x, sizeof x / sizeof x[0], (unsigned)t + 20);
        const float *y = NULL;
        double l = 0;
        assert_ok(dsc_model_zero_grad(m));
        assert_ok(dsc_model_forward(m, x, 4, &y));
        assert_ok(dsc_loss_forward_labels(loss, y, labels, 4, 3, &l));
        assert_ok(dsc_loss_backward(loss, dy));
        assert_ok(dsc_model_backward(m, dy, 4));
        assert_ok(dsc_optimizer_step(opt));
    }
}

static void test_checkpoint_resume_bitwise(void **state) {
    (void)state;
    char path[] = "/tmp/descent-cnn-ckpt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    dsc_loss *loss = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    dsc_model *a = cnn(), *b = cnn();
    dsc_optimizer *oa = NULL, *ob = NULL;
    assert_ok(dsc_optimizer_new(&oa, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_model(oa, a, NULL));
    assert_ok(dsc_optimizer_new(&ob, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_model(ob, b, NULL));
    train_steps(a, oa, loss, 3);
    assert_ok(dsc_checkpoint_save(path, a, oa, NULL, NULL));
    train_steps(a, oa, loss, 3);
    assert_ok(dsc_checkpoint_load(path, b, ob, NULL, NULL));
    train_steps(b, ob, loss, 3);
    size_t n = 0;
    assert_ok(dsc_model_param_count(a, &n));
    float *pa = NULL, *pb = NULL;
    assert_ok(dsc_model_params(a, &pa));
    assert_ok(dsc_model_params(b, &pb));
    assert_memory_equal(pa, pb, n * sizeof *pa);
    dsc_optimizer_free(oa), dsc_optimizer_free(ob);
    dsc_model_free(a), dsc_model_free(b);
    dsc_loss_free(loss);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builders_refuse_bad_arguments),
        cmocka_unit_test(test_shapes_and_their_refusals),
        cmocka_unit_test(test_named_tensors),
        cmocka_unit_test(test_conv2d_forward_backward_direct),
        cmocka_unit_test(test_pool_values),
        cmocka_unit_test(test_model_file_round_trip),
        cmocka_unit_test(test_checkpoint_resume_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
