/* Shaped models and named tensors: dsc_model_new_shaped, the shape getters,
 * the shape checks of each layer when it is added (with the message naming
 * the layer and what it needs), flatten, and every parameter and buffer by
 * name (dsc_model_layer_tensor_*, dsc_model_get/set_param, _get_param_grad,
 * _get/set_buffer), success and refusal, a refused call changing nothing. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_msg(sub)                                                                   \
    do {                                                                                  \
        if (strstr(dsc_last_error(), sub) == NULL)                                        \
            fail_msg("message '%s' lacks '%s'", dsc_last_error(), sub);                   \
    } while (0)

static void test_new_shaped(void **state) {
    (void)state;
    const size_t chw[3] = {3, 5, 4};
    dsc_model *m = NULL;
    size_t ndim = 9, dims[DSC_MODEL_MAX_DIMS] = {9, 9, 9}, in = 0, out = 0;
    assert_ok(dsc_model_new_shaped(&m, 3, chw));
    assert_ok(dsc_model_input_shape(m, &ndim, dims));
    assert_int_equal(ndim, 3);
    assert_int_equal(dims[0], 3);
    assert_int_equal(dims[1], 5);
    assert_int_equal(dims[2], 4);
    assert_ok(dsc_model_output_shape(m, &ndim, dims));
    assert_int_equal(ndim, 3);
    assert_int_equal(dims[2], 4);
    assert_ok(dsc_model_widths(m, &in, &out));
    assert_int_equal(in, 60);
    assert_int_equal(out, 60);
    dsc_model_free(m);

    /* dsc_model_new is the flat shape {width}. */
    assert_ok(dsc_model_new(&m, 7));
    assert_ok(dsc_model_input_shape(m, &ndim, dims));
    assert_int_equal(ndim, 1);
    assert_int_equal(dims[0], 7);
    assert_int_equal(dims[1], 0);
    assert_int_equal(dims[2], 0);
    dsc_model_free(m);

    /* Refusals leave *out NULL. */
    const size_t zero[2] = {3, 0}, huge[3] = {SIZE_MAX / 2, 4, 4};
    m = (dsc_model *)&m;
    assert_status(dsc_model_new_shaped(&m, 0, chw), DSC_E_ARG);
    assert_null(m);
    assert_msg("ndim is 0; it must be 1..3");
    assert_status(dsc_model_new_shaped(&m, 4, chw), DSC_E_ARG);
    assert_status(dsc_model_new_shaped(&m, 2, zero), DSC_E_ARG);
    assert_msg("dims[1] is 0");
    assert_status(dsc_model_new_shaped(&m, 3, huge), DSC_E_ARG);
    assert_msg("overflows");
    assert_status(dsc_model_new_shaped(&m, 3, NULL), DSC_E_ARG);
    assert_status(dsc_model_new_shaped(NULL, 3, chw), DSC_E_ARG);
    assert_null(m);

    /* Getter refusals zero their outputs. */
    assert_status(dsc_model_input_shape(NULL, &ndim, dims), DSC_E_ARG);
    assert_int_equal(ndim, 0);
    assert_int_equal(dims[0], 0);
    ndim = 9, dims[0] = 9;
    assert_status(dsc_model_output_shape(NULL, &ndim, dims), DSC_E_ARG);
    assert_int_equal(ndim, 0);
    assert_int_equal(dims[0], 0);
    assert_ok(dsc_model_new(&m, 7));
    assert_status(dsc_model_input_shape(m, NULL, dims), DSC_E_ARG);
    assert_msg("dsc_model_input_shape");
    assert_status(dsc_model_input_shape(m, &ndim, NULL), DSC_E_ARG);
    assert_status(dsc_model_output_shape(m, NULL, dims), DSC_E_ARG);
    assert_msg("dsc_model_output_shape");
    assert_status(dsc_model_output_shape(m, &ndim, NULL), DSC_E_ARG);
    assert_int_equal(ndim, 0);
    dsc_model_free(m);
}

/* Each layer checks the shape it gets; a refusal names the function, the
 * layer's index and kind, what it needs and what it got, and adds nothing. */
static void test_shape_checks(void **state) {
    (void)state;
    const size_t chw[3] = {4, 13, 11};
    dsc_model *m = NULL;
    size_t n = 9, ndim = 0, dims[DSC_MODEL_MAX_DIMS];
    assert_ok(dsc_model_new_shaped(&m, 3, chw));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU)); /* keeps the shape */
    assert_ok(dsc_model_add_dropout(m, 0.25, 3));
    assert_status(dsc_model_add_dense(m, 5, 1), DSC_E_ARG);
    assert_msg("dsc_model_add_dense: layer 2 (dense) needs a flat input");
    assert_msg("got 4 x 13 x 11");
    assert_status(dsc_model_add_activation(m, DSC_ACTIVATION_SOFTMAX), DSC_E_ARG);
    assert_msg("layer 2 (softmax) needs a flat input (N), got 4 x 13 x 11");
    assert_ok(dsc_model_layer_count(m, &n));
    assert_int_equal(n, 2);
    assert_ok(dsc_model_output_shape(m, &ndim, dims));
    assert_int_equal(ndim, 3);

    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 5, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_SOFTMAX));
    size_t in_ndim = 0, in_dims[DSC_MODEL_MAX_DIMS], out_ndim = 0, out_dims[DSC_MODEL_MAX_DIMS];
    assert_ok(dsc_model_layer_shape(m, 2, &in_ndim, in_dims, &out_ndim, out_dims));
    assert_int_equal(in_ndim, 3);
    assert_int_equal(in_dims[1], 13);
    assert_int_equal(out_ndim, 1);
    assert_int_equal(out_dims[0], 4 * 13 * 11);
    assert_int_equal(out_dims[1], 0);
    assert_ok(dsc_model_layer_shape(m, 3, NULL, NULL, &out_ndim, out_dims));
    assert_int_equal(out_dims[0], 5);
    dsc_layer_kind kind = (dsc_layer_kind)0;
    size_t fin = 0, fout = 0;
    assert_ok(dsc_model_layer_info(m, 2, &kind, &fin, &fout));
    assert_int_equal(kind, DSC_LAYER_FLATTEN);
    assert_int_equal(fin, 572);
    assert_int_equal(fout, 572);
    assert_status(dsc_model_layer_shape(m, 5, &in_ndim, in_dims, NULL, NULL), DSC_E_ARG);
    assert_msg("layer is 5; the model has 5 layers");
    assert_int_equal(in_ndim, 0);
    assert_int_equal(in_dims[0], 0);
    assert_status(dsc_model_layer_shape(NULL, 0, &in_ndim, in_dims, NULL, NULL), DSC_E_ARG);
    assert_msg("dsc_model_layer_shape");
    assert_status(dsc_model_add_flatten(NULL), DSC_E_ARG);
    assert_ok(dsc_model_build(m, 2));
    assert_status(dsc_model_add_flatten(m), DSC_E_STATE);
    dsc_model_free(m);
}

/* Flatten moves nothing: dense after it sees the C-order values, and the
 * input gradient comes back through it unchanged. */
static void test_flatten_pass(void **state) {
    (void)state;
    const size_t cl[2] = {2, 3};
    dsc_model *m = NULL;
    assert_ok(dsc_model_new_shaped(&m, 2, cl));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 1, 0));
    assert_ok(dsc_model_build(m, 2));
    const float w[6] = {1, 2, 3, 4, 5, 6};
    assert_ok(dsc_model_set_param(m, 1, "weight", w, 6));
    const float x[12] = {1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 2, &y));
    assert_float_equal(y[0], 7.0f, 0);
    assert_float_equal(y[1], 6.0f, 0);
    const float dy[2] = {1, 2};
    assert_ok(dsc_model_zero_grad(m));
    assert_ok(dsc_model_backward(m, dy, 2));
    float g[6];
    assert_ok(dsc_model_get_param_grad(m, 1, "weight", g, 6));
    const float want[6] = {1, 2, 0, 2, 0, 1}; /* dy^T x */
    assert_memory_equal(g, want, sizeof want);
    dsc_model_free(m);
}

static void test_tensor_info(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(m, 2, 0));
    size_t n = 9;
    assert_ok(dsc_model_layer_tensor_count(m, 0, &n));
    assert_int_equal(n, 2);
    assert_ok(dsc_model_layer_tensor_count(m, 1, &n));
    assert_int_equal(n, 0);
    assert_ok(dsc_model_layer_tensor_count(m, 2, &n));
    assert_int_equal(n, 1);
    assert_status(dsc_model_layer_tensor_count(m, 3, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_status(dsc_model_layer_tensor_count(m, 0, NULL), DSC_E_ARG);

    const char *name = NULL, *state_name = NULL;
    int is_buffer = 7;
    size_t ndim = 0, dims[DSC_TENSOR_MAX_DIMS];
    assert_ok(dsc_model_layer_tensor_info(m, 0, 0, &name, &state_name, &is_buffer, &ndim, dims));
    assert_string_equal(name, "weight");
    assert_string_equal(state_name, "weight");
    assert_int_equal(is_buffer, 0);
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[0], 4);
    assert_int_equal(dims[1], 3);
    assert_int_equal(dims[2], 0);
    assert_ok(dsc_model_layer_tensor_info(m, 0, 1, &name, NULL, NULL, &ndim, dims));
    assert_string_equal(name, "bias");
    assert_int_equal(ndim, 1);
    assert_int_equal(dims[0], 4);
    assert_status(dsc_model_layer_tensor_info(m, 2, 1, &name, &state_name, &is_buffer, &ndim, dims),
                  DSC_E_ARG);
    assert_msg("index is 1; layer 2 (dense) has 1 named tensors");
    assert_null(name);
    assert_null(state_name);
    assert_int_equal(ndim, 0);
    assert_int_equal(dims[0], 0);
    assert_status(dsc_model_layer_tensor_info(NULL, 0, 0, &name, NULL, NULL, NULL, NULL), DSC_E_ARG);
    dsc_model_free(m);
}

static void test_named_access(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, 1}, got[6];
    assert_status(dsc_model_set_param(m, 0, "weight", w, 6), DSC_E_STATE);
    assert_ok(dsc_model_build(m, 2));
    assert_ok(dsc_model_set_param(m, 0, "weight", w, 6));
    assert_ok(dsc_model_set_param(m, 0, "bias", b, 2));
    assert_ok(dsc_model_get_param(m, 0, "weight", got, 6));
    assert_memory_equal(got, w, sizeof w);
    assert_ok(dsc_model_get_weight(m, 0, got, 6)); /* the legacy getter: the same tensor */
    assert_memory_equal(got, w, sizeof w);
    assert_ok(dsc_model_get_bias(m, 0, got, 2));
    assert_memory_equal(got, b, sizeof b);
    float *flat = NULL; /* PyTorch's parameters() order in the flat buffer */
    assert_ok(dsc_model_params(m, &flat));
    assert_memory_equal(flat, w, sizeof w);
    assert_memory_equal(flat + 6, b, sizeof b);

    /* Refusals, the model unchanged. */
    assert_status(dsc_model_get_param(m, 0, "wieght", got, 6), DSC_E_ARG);
    assert_msg("dsc_model_get_param: layer 0 (dense) has no parameter \"wieght\"; its parameters "
               "are \"weight\", \"bias\"");
    assert_status(dsc_model_get_param(m, 1, "weight", got, 6), DSC_E_ARG);
    assert_msg("layer 1 (activation) has no parameters");
    assert_status(dsc_model_get_buffer(m, 0, "running_mean", got, 2), DSC_E_ARG);
    assert_msg("dsc_model_get_buffer: layer 0 (dense) has no buffers");
    assert_status(dsc_model_get_buffer(m, 0, "weight", got, 6), DSC_E_ARG);
    assert_status(dsc_model_get_param(m, 0, "bias", got, 3), DSC_E_SHAPE);
    assert_msg("n is 3; parameter \"bias\" of layer 0 (dense) has 2 values");
    assert_status(dsc_model_get_param(m, 2, "bias", got, 2), DSC_E_ARG);
    assert_msg("layer is 2; the model has 2 layers");
    assert_status(dsc_model_get_param(m, 0, NULL, got, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param(m, 0, "bias", NULL, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param(NULL, 0, "bias", got, 2), DSC_E_ARG);
    float bad[2] = {1, NAN};
    assert_status(dsc_model_set_param(m, 0, "bias", bad, 2), DSC_E_ARG);
    assert_msg("value 1 is nan; values must be finite");
    assert_status(dsc_model_set_buffer(m, 0, "bias", b, 2), DSC_E_ARG);
    assert_ok(dsc_model_get_param(m, 0, "bias", got, 2));
    assert_memory_equal(got, b, sizeof b);

    /* Gradients by name. */
    const float x[3] = {1, 1, 1}, dy[2] = {1, 1};
    const float *y = NULL;
    assert_ok(dsc_model_zero_grad(m));
    assert_ok(dsc_model_forward(m, x, 1, &y));
    assert_ok(dsc_model_backward(m, dy, 1));
    assert_ok(dsc_model_get_param_grad(m, 0, "bias", got, 2));
    assert_float_equal(got[0], 1.0f, 0); /* relu'(5) */
    assert_float_equal(got[1], 1.0f, 0);
    assert_status(dsc_model_get_param_grad(m, 0, "running_var", got, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param_grad(NULL, 0, "bias", got, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param_grad(m, 0, NULL, got, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param_grad(m, 0, "bias", NULL, 2), DSC_E_ARG);
    assert_status(dsc_model_get_param_grad(m, 0, "bias", got, 3), DSC_E_SHAPE);
    assert_status(dsc_model_get_param_grad(m, 9, "bias", got, 2), DSC_E_ARG);
    dsc_model_free(m);
}

/* A shaped model with flatten goes through a model file and comes back with
 * its shape, layers and parameters. */
static void test_shaped_file(void **state) {
    (void)state;
    char dir[] = "/tmp/dsc_shape_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    const size_t cl[2] = {2, 3};
    dsc_model *m = NULL, *back = NULL;
    assert_ok(dsc_model_new_shaped(&m, 2, cl));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 2));
    assert_ok(dsc_model_init(m, DSC_INIT_XAVIER_NORMAL, DSC_INIT_PYTORCH_DEFAULT, 5));
    assert_ok(dsc_model_save(m, path));
    assert_ok(dsc_model_load(&back, path, 3));
    size_t ndim = 0, dims[DSC_MODEL_MAX_DIMS], n = 0;
    assert_ok(dsc_model_input_shape(back, &ndim, dims));
    assert_int_equal(ndim, 2);
    assert_int_equal(dims[0], 2);
    assert_int_equal(dims[1], 3);
    assert_ok(dsc_model_layer_count(back, &n));
    assert_int_equal(n, 3);
    dsc_layer_kind kind = (dsc_layer_kind)0;
    assert_ok(dsc_model_layer_info(back, 1, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_FLATTEN);
    float a[12], b[12];
    assert_ok(dsc_model_get_param(m, 2, "weight", a, 12));
    assert_ok(dsc_model_get_param(back, 2, "weight", b, 12));
    assert_memory_equal(a, b, sizeof a);
    /* The same layers over another shape: the file's description differs. */
    dsc_model *other = NULL;
    const size_t lc[2] = {3, 2};
    assert_ok(dsc_model_new_shaped(&other, 2, lc));
    assert_ok(dsc_model_add_activation(other, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_flatten(other));
    assert_ok(dsc_model_add_dense(other, 2, 1));
    assert_ok(dsc_model_build(other, 2));
    assert_ok(dsc_model_load_weights(other, path)); /* tensors alone match */
    assert_ok(dsc_checkpoint_save(path, m, NULL, NULL, NULL));
    assert_status(dsc_checkpoint_load(path, other, NULL, NULL, NULL), DSC_E_FORMAT);
    assert_msg("taking 2 x 3 inputs; this model has 3 layers taking 3 x 2");
    assert_ok(dsc_checkpoint_load(path, back, NULL, NULL, NULL));
    dsc_model_free(other);
    dsc_model_free(back);
    dsc_model_free(m);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_shaped),
        cmocka_unit_test(test_shape_checks),
        cmocka_unit_test(test_flatten_pass),
        cmocka_unit_test(test_tensor_info),
        cmocka_unit_test(test_named_access),
        cmocka_unit_test(test_shaped_file),
    };
    return cmocka_run_group_tests_name("shape", tests, NULL, NULL);
}
