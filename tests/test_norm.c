/* Batch norm and layer norm layers through the public API: outputs,
 * gradients and running statistics against a double-precision reference
 * written here from PyTorch's formulas (independent of the kernels' centred
 * backward), train/eval modes, momentum None, the shape and argument
 * refusals, buffers (named access, never seen by the optimizer, model files
 * with a PyTorch int64 num_batches_tracked), zero allocations per step and
 * allocation failures. */
#include "harness.h"
#include "nn/model_impl.h" /* input_grad: the model's gradient of its input, for tests */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rs = 0x853c49e6748fea9bull;
static float frand(void) { /* [-1, 1) */
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(rs >> 40) / 8388608.0 - 1.0);
}

/* Batch norm over x [n][c][s] in double: y, and when dy is given the
 * gradients (training: the textbook form through xhat). */
typedef struct bn_ref {
    double y[512], dx[512], dw[8], db[8], mean[8], var[8];
} bn_ref;

static void bn_reference(size_t n, size_t c, size_t s, const float *x, const float *w,
                         const float *b, const float *rm, const float *rv, double eps, int training,
                         const float *dy, bn_ref *r) {
    const double N = (double)(n * s);
    for (size_t j = 0; j < c; j++) {
        double mean = rm[j], var = rv[j];
        if (training) {
            mean = var = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t t = 0; t < s; t++) mean += x[(i * c + j) * s + t];
            mean /= N;
            for (size_t i = 0; i < n; i++)
                for (size_t t = 0; t < s; t++) {
                    double d = x[(i * c + j) * s + t] - mean;
                    var += d * d;
                }
            var /= N;
        }
        r->mean[j] = mean;
        r->var[j] = var;
        const double rstd = 1.0 / sqrt(var + eps);
        double sg = 0, sgx = 0;
        r->dw[j] = r->db[j] = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < s; t++) {
                const size_t o = (i * c + j) * s + t;
                const double xh = (x[o] - mean) * rstd;
                r->y[o] = xh * w[j] + b[j];
                if (dy == NULL) continue;
                r->dw[j] += dy[o] * xh;
                r->db[j] += dy[o];
                sg += dy[o] * w[j];
                sgx += dy[o] * w[j] * xh;
            }
        if (dy == NULL) continue;
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < s; t++) {
                const size_t o = (i * c + j) * s + t;
                const double xh = (x[o] - mean) * rstd;
                r->dx[o] = training ? rstd / N * (N * dy[o] * w[j] - sg - xh * sgx)
                                    : dy[o] * w[j] * rstd;
            }
    }
}

static void assert_near_d(const float *got, const double *want, size_t n, double tol, const char *what) {
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * (1.0 + fabs(want[i]))))
            fail_msg("%s[%zu]: got %.9g, reference %.9g", what, i, (double)got[i], want[i]);
}

/* A model of one batch-norm layer over shape dims, built for batch n, with
 * random weight, bias and running statistics. */
static dsc_model *bn_model(size_t ndim, const size_t *dims, size_t n, double eps, double momentum,
                           float *w, float *b, float *rm, float *rv) {
    dsc_model *m = NULL;
    const size_t c = dims[0];
    assert_ok(dsc_model_new_shaped(&m, ndim, dims));
    if (ndim == 3) assert_ok(dsc_model_add_batchnorm2d(m, c, eps, momentum));
    else assert_ok(dsc_model_add_batchnorm1d(m, c, eps, momentum));
    assert_ok(dsc_model_build(m, n));
    for (size_t j = 0; j < c; j++) {
        w[j] = 1.0f + 0.5f * frand();
        b[j] = frand();
        rm[j] = 0.3f * frand();
        rv[j] = 1.0f + 0.5f * frand();
    }
    assert_ok(dsc_model_set_param(m, 0, "weight", w, c));
    assert_ok(dsc_model_set_param(m, 0, "bias", b, c));
    assert_ok(dsc_model_set_buffer(m, 0, "running_mean", rm, c));
    assert_ok(dsc_model_set_buffer(m, 0, "running_var", rv, c));
    return m;
}

/* Forward and backward in both modes, and the running statistics after two
 * training forwards, for 1d (flat and C x L) and 2d on every shape. */
static void check_bn_shape(size_t ndim, const size_t *dims, size_t n, double momentum) {
    const size_t c = dims[0], s = ndim == 1 ? 1 : ndim == 2 ? dims[1] : dims[1] * dims[2];
    const size_t len = n * c * s;
    const double eps = 1e-3;
    float w[8], b[8], rm[8], rv[8], x[512], dy[512], got[512];
    assert_true(c <= 8 && len <= 512);
    dsc_model *m = bn_model(ndim, dims, n, eps, momentum, w, b, rm, rv);
    for (size_t i = 0; i < len; i++) {
        x[i] = 2.0f * frand() + 0.5f;
        dy[i] = frand();
    }
    bn_ref r;
    for (int training = 0; training <= 1; training++) {
        float rm0[8], rv0[8], nbt0 = 0;
        assert_ok(dsc_model_get_buffer(m, 0, "running_mean", rm0, c));
        assert_ok(dsc_model_get_buffer(m, 0, "running_var", rv0, c));
        assert_ok(dsc_model_get_buffer(m, 0, "num_batches_tracked", &nbt0, 1));
        bn_reference(n, c, s, x, w, b, rm0, rv0, eps, training, dy, &r);
        assert_ok(dsc_model_set_training(m, training));
        assert_ok(dsc_model_zero_grad(m));
        const float *y = NULL;
        assert_ok(dsc_model_forward(m, x, n, &y));
        assert_near_d(y, r.y, len, 2e-5, "batch norm output");
        m->input_grad = 1;
        assert_ok(dsc_model_backward(m, dy, n));
        assert_near_d(m->dx, r.dx, len, 2e-5, "batch norm dx");
        assert_ok(dsc_model_get_param_grad(m, 0, "weight", got, c));
        assert_near_d(got, r.dw, c, 2e-5, "dweight");
        assert_ok(dsc_model_get_param_grad(m, 0, "bias", got, c));
        assert_near_d(got, r.db, c, 2e-5, "dbias");
        /* the running statistics moved once per training forward, never in eval */
        float rm1[8], rv1[8], nbt1 = 0;
        assert_ok(dsc_model_get_buffer(m, 0, "running_mean", rm1, c));
        assert_ok(dsc_model_get_buffer(m, 0, "running_var", rv1, c));
        assert_ok(dsc_model_get_buffer(m, 0, "num_batches_tracked", &nbt1, 1));
        assert_true(nbt1 == nbt0 + (float)training);
        const double mom = isnan(momentum) ? 1.0 / nbt1 : momentum;
        double wm[8], wv[8];
        for (size_t j = 0; j < c; j++) {
            const double N = (double)(n * s);
            wm[j] = training ? (1 - mom) * rm0[j] + mom * r.mean[j] : rm0[j];
            wv[j] = training ? (1 - mom) * rv0[j] + mom * r.var[j] * N / (N - 1) : rv0[j];
        }
        assert_near_d(rm1, wm, c, 1e-6, "running_mean");
        assert_near_d(rv1, wv, c, 1e-6, "running_var");
    }
    dsc_model_free(m);
}

static void test_norm_batchnorm_semantics(void **state) {
    (void)state;
    const size_t flat[] = {5}, cl[] = {3, 7}, chw[] = {4, 3, 5}, one[] = {1};
    check_bn_shape(1, flat, 6, 0.1);
    check_bn_shape(1, flat, 2, 0.0);
    check_bn_shape(1, one, 9, 1.0);
    check_bn_shape(2, cl, 3, 0.25);
    check_bn_shape(3, chw, 2, 0.1);
    check_bn_shape(3, chw, 3, NAN); /* momentum None: the cumulative average */
}

/* Layer norm over the last dimension: rows of d, against double. */
static void test_norm_layernorm_semantics(void **state) {
    (void)state;
    const size_t dims[] = {3, 6}; /* T x F: 3 rows of 6 per sample */
    const size_t n = 4, d = 6, rows = n * 3, len = rows * d;
    const double eps = 1e-5;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new_shaped(&m, 2, dims));
    assert_ok(dsc_model_add_layernorm(m, d, eps));
    assert_ok(dsc_model_build(m, n));
    float w[6], b[6], x[72], dy[72], got[72];
    for (size_t i = 0; i < d; i++) {
        w[i] = 1.0f + 0.5f * frand();
        b[i] = frand();
    }
    for (size_t i = 0; i < len; i++) {
        x[i] = 3.0f * frand() - 1.0f;
        dy[i] = frand();
    }
    assert_ok(dsc_model_set_param(m, 0, "weight", w, d));
    assert_ok(dsc_model_set_param(m, 0, "bias", b, d));
    double y[72], dx[72], dw[6] = {0}, db[6] = {0};
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * d;
        double mean = 0, var = 0;
        for (size_t i = 0; i < d; i++) mean += xr[i];
        mean /= (double)d;
        for (size_t i = 0; i < d; i++) var += (xr[i] - mean) * (xr[i] - mean);
        var /= (double)d;
        const double rstd = 1 / sqrt(var + eps);
        for (size_t i = 0; i < d; i++) {
            y[r * d + i] = (xr[i] - mean) * rstd * w[i] + b[i];
            dw[i] += dy[r * d + i] * (xr[i] - mean) * rstd;
            db[i] += dy[r * d + i];
        }
        double sg = 0, sgx = 0; /* dx = rstd/d * (d*g - sum g - xh * sum g*xh), g = dy*w */
        for (size_t i = 0; i < d; i++) {
            const double g = dy[r * d + i] * w[i];
            sg += g;
            sgx += g * (xr[i] - mean) * rstd;
        }
        for (size_t i = 0; i < d; i++) {
            const double xh = (xr[i] - mean) * rstd;
            dx[r * d + i] = rstd / (double)d * ((double)d * dy[r * d + i] * w[i] - sg - xh * sgx);
        }
    }
    for (int training = 1; training >= 0; training--) { /* the same in both modes */
        assert_ok(dsc_model_set_training(m, training));
        assert_ok(dsc_model_zero_grad(m));
        const float *out = NULL;
        assert_ok(dsc_model_forward(m, x, n, &out));
        assert_near_d(out, y, len, 2e-5, "layer norm output");
        m->input_grad = 1;
        assert_ok(dsc_model_backward(m, dy, n));
        assert_near_d(m->dx, dx, len, 2e-5, "layer norm dx");
        assert_ok(dsc_model_get_param_grad(m, 0, "weight", got, d));
        assert_near_d(got, dw, d, 2e-5, "layer norm dweight");
        assert_ok(dsc_model_get_param_grad(m, 0, "bias", got, d));
        assert_near_d(got, db, d, 2e-5, "layer norm dbias");
    }
    size_t count = 0;
    assert_ok(dsc_model_layer_tensor_count(m, 0, &count));
    assert_int_equal(count, 2); /* weight, bias; no buffers */
    dsc_model_free(m);
}

/* Shapes and arguments refused at the call, the model unchanged. */
static void test_norm_refusals(void **state) {
    (void)state;
    dsc_model *m = NULL;
    const size_t chw[] = {4, 5, 6};
    assert_ok(dsc_model_new_shaped(&m, 3, chw));
    assert_status(dsc_model_add_batchnorm2d(m, 3, 1e-5, 0.1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "layer 0 (batchnorm2d) needs a C x H x W input with C = 3, got 4 x 5 x 6"));
    assert_status(dsc_model_add_batchnorm1d(m, 4, 1e-5, 0.1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "batchnorm1d"));
    assert_status(dsc_model_add_layernorm(m, 5, 1e-5), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "last dimension is 5, got 4 x 5 x 6"));
    assert_status(dsc_model_add_batchnorm2d(m, 4, -1e-5, 0.1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "eps"));
    assert_status(dsc_model_add_batchnorm2d(m, 4, INFINITY, 0.1), DSC_E_ARG);
    assert_status(dsc_model_add_batchnorm2d(m, 4, 1e-5, 1.5), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "momentum is 1.5; it must be in [0, 1]"));
    assert_status(dsc_model_add_batchnorm2d(m, 4, 1e-5, -0.1), DSC_E_ARG);
    assert_status(dsc_model_add_batchnorm2d(m, 0, 1e-5, 0.1), DSC_E_ARG);
    assert_status(dsc_model_add_layernorm(m, 0, 1e-5), DSC_E_ARG);
    assert_status(dsc_model_add_layernorm(m, 6, NAN), DSC_E_ARG);
    assert_status(dsc_model_add_batchnorm1d(NULL, 4, 1e-5, 0.1), DSC_E_ARG);
    assert_status(dsc_model_add_batchnorm2d(NULL, 4, 1e-5, 0.1), DSC_E_ARG);
    assert_status(dsc_model_add_layernorm(NULL, 4, 1e-5), DSC_E_ARG);
    size_t layers = 9;
    assert_ok(dsc_model_layer_count(m, &layers));
    assert_int_equal(layers, 0);
    /* accepted ones; bn2d keeps the shape, layer norm over W */
    assert_ok(dsc_model_add_batchnorm2d(m, 4, 1e-5, 0.1));
    assert_ok(dsc_model_add_layernorm(m, 6, 0.0));
    dsc_layer_kind kind = 0;
    assert_ok(dsc_model_layer_info(m, 0, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_BATCHNORM2D);
    assert_ok(dsc_model_layer_info(m, 1, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_LAYERNORM);
    assert_ok(dsc_model_add_flatten(m));
    assert_status(dsc_model_add_batchnorm2d(m, 120, 1e-5, 0.1), DSC_E_ARG);
    assert_ok(dsc_model_add_batchnorm1d(m, 120, 1e-5, 0.1));
    assert_ok(dsc_model_layer_info(m, 3, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_BATCHNORM1D);
    assert_ok(dsc_model_build(m, 2));
    assert_status(dsc_model_add_layernorm(m, 120, 1e-5), DSC_E_STATE);
    /* one value per channel cannot train (PyTorch refuses it too); eval can */
    float x[240] = {0};
    const float *y = NULL;
    assert_status(dsc_model_forward(m, x, 1, &y), DSC_E_SHAPE);
    assert_non_null(strstr(dsc_last_error(), "layer 3 (batchnorm1d) in training mode needs more than 1 value per channel"));
    assert_null(y);
    float nbt = -1;
    assert_ok(dsc_model_get_buffer(m, 0, "num_batches_tracked", &nbt, 1));
    assert_true(nbt == 0.0f); /* nothing ran, not even layer 0 */
    assert_ok(dsc_model_forward(m, x, 2, &y));
    assert_ok(dsc_model_set_training(m, 0));
    assert_ok(dsc_model_forward(m, x, 1, &y));
    dsc_model_free(m);
}

/* The optimizer sees only weight and bias; buffers are named, shaped and
 * settable; init resets them; set refuses non-finite values. */
static void test_norm_buffers(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_batchnorm1d(m, 3, 1e-5, 0.1));
    assert_ok(dsc_model_build(m, 4));
    size_t n = 0, count = 0, ndim = 9, dims[DSC_TENSOR_MAX_DIMS];
    assert_ok(dsc_model_param_count(m, &n));
    assert_int_equal(n, 6);
    assert_ok(dsc_model_layer_tensor_count(m, 0, &count));
    assert_int_equal(count, 5);
    static const char *const names[] = {"weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"};
    for (size_t i = 0; i < 5; i++) {
        const char *name = NULL;
        int is_buffer = -1;
        assert_ok(dsc_model_layer_tensor_info(m, 0, i, &name, NULL, &is_buffer, &ndim, dims));
        assert_string_equal(name, names[i]);
        assert_int_equal(is_buffer, i >= 2);
        assert_int_equal(ndim, i == 4 ? 0 : 1);
    }
    float v[3], p[6];
    assert_ok(dsc_model_get_buffer(m, 0, "running_var", v, 3));
    assert_true(v[0] == 1.0f && v[2] == 1.0f);
    assert_ok(dsc_model_get_param(m, 0, "weight", p, 3));
    assert_true(p[0] == 1.0f && p[1] == 1.0f);
    const float bad[3] = {1.0f, NAN, 2.0f};
    assert_status(dsc_model_set_buffer(m, 0, "running_var", bad, 3), DSC_E_ARG);
    assert_status(dsc_model_set_param(m, 0, "running_var", v, 3), DSC_E_ARG);
    assert_status(dsc_model_get_buffer(m, 0, "running_var", v, 2), DSC_E_SHAPE);
    const float set[3] = {0.5f, 2.0f, 3.0f};
    assert_ok(dsc_model_set_buffer(m, 0, "running_var", set, 3));
    assert_ok(dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 7));
    assert_ok(dsc_model_get_buffer(m, 0, "running_var", v, 3));
    assert_true(v[0] == 1.0f && v[1] == 1.0f); /* reset, as reset_running_stats */
    dsc_model_free(m);
}

/* Model files keep every tensor; a PyTorch-style file whose
 * num_batches_tracked is int64 loads. */
static void test_norm_model_file(void **state) {
    (void)state;
    const size_t chw[] = {2, 3, 3};
    dsc_model *m = NULL, *back = NULL;
    assert_ok(dsc_model_new_shaped(&m, 3, chw));
    assert_ok(dsc_model_add_batchnorm2d(m, 2, 1e-3, NAN));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_layernorm(m, 18, 1e-4));
    assert_ok(dsc_model_build(m, 4));
    float x[72];
    for (size_t i = 0; i < 72; i++) x[i] = frand();
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 4, &y));
    assert_ok(dsc_model_forward(m, x, 3, &y));
    char path[] = "/tmp/dsc_test_norm_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_ok(dsc_model_save(m, path));
    assert_ok(dsc_model_load(&back, path, 4));
    float a[2], b2[2];
    assert_ok(dsc_model_get_buffer(m, 0, "running_var", a, 2));
    assert_ok(dsc_model_get_buffer(back, 0, "running_var", b2, 2));
    assert_memory_equal(a, b2, sizeof a);
    assert_ok(dsc_model_get_buffer(back, 0, "num_batches_tracked", a, 1));
    assert_true(a[0] == 2.0f);
    assert_ok(dsc_model_set_training(m, 0));
    assert_ok(dsc_model_set_training(back, 0));
    float y1[72], y2[72];
    assert_ok(dsc_model_predict(m, x, 4, y1));
    assert_ok(dsc_model_predict(back, x, 4, y2));
    assert_memory_equal(y1, y2, sizeof y1);
    dsc_model_free(back);
    dsc_model_free(m);
    close(fd);
    unlink(path);
}

/* After build, training steps allocate nothing. */
static void test_norm_no_allocation_per_step(void **state) {
    (void)state;
    const size_t chw[] = {3, 4, 4};
    dsc_model *m = NULL;
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_model_new_shaped(&m, 3, chw));
    assert_ok(dsc_model_add_batchnorm2d(m, 3, 1e-5, 0.1));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_batchnorm1d(m, 48, 1e-5, 0.1));
    assert_ok(dsc_model_add_layernorm(m, 48, 1e-5));
    assert_ok(dsc_model_build(m, 5));
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    float x[240], dy[240];
    for (size_t i = 0; i < 240; i++) {
        x[i] = frand();
        dy[i] = frand();
    }
    harness_alloc_install(0);
    for (int step = 0; step < 3; step++) {
        const float *y = NULL;
        assert_ok(dsc_model_zero_grad(m));
        assert_ok(dsc_model_forward(m, x, 5, &y));
        assert_ok(dsc_model_backward(m, dy, 5));
        assert_ok(dsc_optimizer_step(opt));
    }
    assert_int_equal(harness_alloc_count(), 0);
    harness_alloc_uninstall();
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

/* Failing each allocation of adding and building in turn leaks nothing. */
static void test_norm_alloc_failures(void **state) {
    (void)state;
    const size_t cl[] = {2, 5};
    for (long k = 1;; k++) {
        harness_alloc_install(k);
        dsc_model *m = NULL;
        dsc_status s = dsc_model_new_shaped(&m, 2, cl);
        if (s == DSC_OK) s = dsc_model_add_batchnorm1d(m, 2, 1e-5, 0.1);
        if (s == DSC_OK) s = dsc_model_add_layernorm(m, 5, 1e-5);
        if (s == DSC_OK) s = dsc_model_build(m, 3);
        dsc_model_free(m);
        long live = harness_alloc_live();
        harness_alloc_uninstall();
        assert_int_equal(live, 0);
        if (s == DSC_OK) break;
        assert_int_equal(s, DSC_E_NOMEM);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_batchnorm_semantics),
        cmocka_unit_test(test_norm_layernorm_semantics),
        cmocka_unit_test(test_norm_refusals),
        cmocka_unit_test(test_norm_buffers),
        cmocka_unit_test(test_norm_model_file),
        cmocka_unit_test_teardown(test_norm_no_allocation_per_step, harness_alloc_teardown),
        cmocka_unit_test_teardown(test_norm_alloc_failures, harness_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
