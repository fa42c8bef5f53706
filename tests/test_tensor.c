/* The tensor handle: success paths and every failure path. */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The getters, for tests that only want the value. */
static float *data_of(dsc_tensor *t) {
    float *d = NULL;
    assert_ok(dsc_tensor_data(t, &d));
    return d;
}

static size_t dim_of(const dsc_tensor *t, size_t axis) {
    size_t v = 0;
    assert_ok(dsc_tensor_dim(t, axis, &v));
    return v;
}

static size_t ndim_of(const dsc_tensor *t) {
    size_t v = 0;
    assert_ok(dsc_tensor_ndim(t, &v));
    return v;
}

static size_t size_of(const dsc_tensor *t) {
    size_t v = 0;
    assert_ok(dsc_tensor_size(t, &v));
    return v;
}

static int borrowed(const dsc_tensor *t) {
    int v = -1;
    assert_ok(dsc_tensor_is_borrowed(t, &v));
    return v;
}

static void test_tensor_new_zero_filled_and_aligned(void **state) {
    (void)state;
    size_t shape[3] = {2, 3, 5};
    dsc_tensor *t = NULL;
    assert_ok(dsc_tensor_new(&t, shape, 3));
    assert_non_null(t);
    assert_int_equal(ndim_of(t), 3);
    assert_int_equal(dim_of(t, 0), 2);
    assert_int_equal(dim_of(t, 1), 3);
    assert_int_equal(dim_of(t, 2), 5);
    assert_int_equal(size_of(t), 30);
    assert_int_equal(borrowed(t), 0);
    float *d = data_of(t);
    assert_int_equal((uintptr_t)d % 64, 0);
    for (int i = 0; i < 30; i++) assert_true(d[i] == 0.0f);
    dsc_tensor_free(t);
}

static void test_tensor_wrap_borrows_without_copy(void **state) {
    (void)state;
    float host[6] = {1, 2, 3, 4, 5, 6};
    size_t shape[2] = {2, 3};
    dsc_tensor *t = NULL;
    assert_ok(dsc_tensor_wrap(&t, host + 0, shape, 2));
    assert_ptr_equal(data_of(t), host);
    assert_int_equal(borrowed(t), 1);
    assert_ok(dsc_tensor_fill(t, 7.0f));
    for (int i = 0; i < 6; i++) assert_true(host[i] == 7.0f);
    dsc_tensor_free(t);
    assert_true(host[5] == 7.0f); /* freeing a wrap leaves the host's memory alone */
}

static void test_tensor_wrap_accepts_misaligned(void **state) {
    (void)state;
    float host[8] = {0};
    size_t shape[1] = {7};
    dsc_tensor *t = NULL;
    assert_ok(dsc_tensor_wrap(&t, host + 1, shape, 1));
    assert_ok(dsc_tensor_fill(t, 1.5f));
    assert_true(host[0] == 0.0f && host[1] == 1.5f && host[7] == 1.5f);
    dsc_tensor_free(t);
}

static void test_tensor_bad_shapes(void **state) {
    (void)state;
    dsc_tensor *t = (dsc_tensor *)(uintptr_t)1; /* must be reset to NULL on failure */
    size_t zero[2] = {3, 0};
    assert_status(dsc_tensor_new(&t, zero, 2), DSC_E_ARG);
    assert_null(t);
    assert_non_null(strstr(dsc_last_error(), "shape[1] is 0"));
    size_t ok[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_status(dsc_tensor_new(&t, ok, 0), DSC_E_ARG);
    assert_status(dsc_tensor_new(&t, ok, DSC_TENSOR_MAX_DIMS + 1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "ndim"));
    assert_ok(dsc_tensor_new(&t, ok, DSC_TENSOR_MAX_DIMS));
    dsc_tensor_free(t);
    size_t huge[2] = {SIZE_MAX / 2, 3};
    assert_status(dsc_tensor_new(&t, huge, 2), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "overflow"));
    size_t justover[1] = {SIZE_MAX / sizeof(float) + 1};
    assert_status(dsc_tensor_new(&t, justover, 1), DSC_E_ARG);
    assert_status(dsc_tensor_new(&t, NULL, 1), DSC_E_ARG);
    assert_status(dsc_tensor_new(NULL, ok, 1), DSC_E_ARG);
    assert_null(t);
}

static void test_tensor_wrap_failures(void **state) {
    (void)state;
    float host[4];
    size_t shape[1] = {4}, zero[1] = {0};
    dsc_tensor *t = (dsc_tensor *)(uintptr_t)1;
    assert_status(dsc_tensor_wrap(&t, NULL, shape, 1), DSC_E_ARG);
    assert_null(t);
    assert_non_null(strstr(dsc_last_error(), "data is NULL"));
    assert_status(dsc_tensor_wrap(&t, host, zero, 1), DSC_E_ARG);
    assert_status(dsc_tensor_wrap(NULL, host, shape, 1), DSC_E_ARG);
}

/* Every getter refuses a NULL handle or out-pointer with DSC_E_ARG and sets
 * *out to its neutral value (0 or NULL) on failure. */
static void test_tensor_getters_fail_cleanly(void **state) {
    (void)state;
    size_t shape[2] = {2, 2};
    dsc_tensor *t = NULL;
    assert_ok(dsc_tensor_new(&t, shape, 2));
    float *d = (float *)(uintptr_t)1;
    size_t n = 99;
    int b = 99;
    assert_status(dsc_tensor_data(NULL, &d), DSC_E_ARG);
    assert_null(d);
    assert_non_null(strstr(dsc_last_error(), "dsc_tensor_data: tensor is NULL"));
    assert_status(dsc_tensor_data(t, NULL), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_tensor_data: out is NULL"));
    assert_status(dsc_tensor_ndim(NULL, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_status(dsc_tensor_ndim(t, NULL), DSC_E_ARG);
    n = 99;
    assert_status(dsc_tensor_size(NULL, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_status(dsc_tensor_size(t, NULL), DSC_E_ARG);
    n = 99;
    assert_status(dsc_tensor_dim(NULL, 0, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_status(dsc_tensor_dim(t, 0, NULL), DSC_E_ARG);
    n = 99;
    assert_status(dsc_tensor_dim(t, 2, &n), DSC_E_ARG);
    assert_int_equal(n, 0);
    assert_non_null(strstr(dsc_last_error(), "axis 2 is out of range"));
    assert_non_null(strstr(dsc_last_error(), "0..1"));
    assert_status(dsc_tensor_dim(t, SIZE_MAX, &n), DSC_E_ARG);
    assert_status(dsc_tensor_is_borrowed(NULL, &b), DSC_E_ARG);
    assert_int_equal(b, 0);
    assert_status(dsc_tensor_is_borrowed(t, NULL), DSC_E_ARG);
    assert_status(dsc_tensor_fill(NULL, 1.0f), DSC_E_ARG);
    dsc_tensor_free(NULL);
    /* The handle is unchanged by the refused calls. */
    assert_int_equal(ndim_of(t), 2);
    assert_int_equal(dim_of(t, 1), 2);
    assert_int_equal(size_of(t), 4);
    dsc_tensor_free(t);
}

static void test_tensor_copy(void **state) {
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0};
    size_t s23[2] = {2, 3}, s32[2] = {3, 2}, s6[1] = {6};
    dsc_tensor *ta, *tb, *tc, *td;
    assert_ok(dsc_tensor_wrap(&ta, a, s23, 2));
    assert_ok(dsc_tensor_wrap(&tb, b, s23, 2));
    assert_ok(dsc_tensor_new(&tc, s32, 2));
    assert_ok(dsc_tensor_new(&td, s6, 1));
    assert_ok(dsc_tensor_copy(tb, ta));
    assert_memory_equal(a, b, sizeof a);
    assert_ok(dsc_tensor_copy(ta, ta));
    /* Same size, different shape: refused, destination untouched. */
    assert_status(dsc_tensor_copy(tc, ta), DSC_E_SHAPE);
    assert_non_null(strstr(dsc_last_error(), "dimension 0"));
    assert_status(dsc_tensor_copy(td, ta), DSC_E_SHAPE);
    for (int i = 0; i < 6; i++) assert_true(data_of(tc)[i] == 0.0f);
    assert_status(dsc_tensor_copy(NULL, ta), DSC_E_ARG);
    assert_status(dsc_tensor_copy(ta, NULL), DSC_E_ARG);
    dsc_tensor_free(ta);
    dsc_tensor_free(tb);
    dsc_tensor_free(tc);
    dsc_tensor_free(td);
}

static void test_tensor_fill_random(void **state) {
    (void)state;
    size_t shape[1] = {10000};
    dsc_tensor *u, *u2, *n;
    assert_ok(dsc_tensor_new(&u, shape, 1));
    assert_ok(dsc_tensor_new(&u2, shape, 1));
    assert_ok(dsc_tensor_new(&n, shape, 1));
    assert_ok(dsc_tensor_fill_uniform(u, -2.0f, 3.0f, 42));
    assert_ok(dsc_tensor_fill_uniform(u2, -2.0f, 3.0f, 42));
    assert_memory_equal(data_of(u), data_of(u2), 10000 * sizeof(float));
    double mean = 0;
    for (int i = 0; i < 10000; i++) {
        float v = data_of(u)[i];
        assert_true(v >= -2.0f && v < 3.0f);
        mean += v;
    }
    assert_true(fabs(mean / 10000 - 0.5) < 0.05);
    assert_ok(dsc_tensor_fill_uniform(u2, -2.0f, 3.0f, 43));
    assert_memory_not_equal(data_of(u), data_of(u2), 10000 * sizeof(float));
    assert_ok(dsc_tensor_fill_normal(n, 1.0f, 2.0f, 7));
    double m = 0, v = 0;
    for (int i = 0; i < 10000; i++) m += data_of(n)[i];
    m /= 10000;
    for (int i = 0; i < 10000; i++) v += (data_of(n)[i] - m) * (data_of(n)[i] - m);
    v /= 9999;
    assert_true(fabs(m - 1.0) < 0.06);
    assert_true(fabs(sqrt(v) - 2.0) < 0.06);
    /* Refused parameters write nothing. */
    float before = data_of(n)[0];
    assert_status(dsc_tensor_fill_uniform(n, 1.0f, 1.0f, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_uniform(n, NAN, 1.0f, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_uniform(n, 0.0f, INFINITY, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_normal(n, 0.0f, -1.0f, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_normal(n, NAN, 1.0f, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_normal(NULL, 0.0f, 1.0f, 1), DSC_E_ARG);
    assert_status(dsc_tensor_fill_uniform(NULL, 0.0f, 1.0f, 1), DSC_E_ARG);
    assert_true(data_of(n)[0] == before);
    dsc_tensor_free(u);
    dsc_tensor_free(u2);
    dsc_tensor_free(n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_new_zero_filled_and_aligned),
        cmocka_unit_test(test_tensor_wrap_borrows_without_copy),
        cmocka_unit_test(test_tensor_wrap_accepts_misaligned),
        cmocka_unit_test(test_tensor_bad_shapes),
        cmocka_unit_test(test_tensor_wrap_failures),
        cmocka_unit_test(test_tensor_getters_fail_cleanly),
        cmocka_unit_test(test_tensor_copy),
        cmocka_unit_test(test_tensor_fill_random),
    };
    return cmocka_run_group_tests_name("tensor", tests, NULL, NULL);
}
