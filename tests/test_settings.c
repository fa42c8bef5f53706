/* The one settings checker (lib/core/settings.c): ranges, open ends,
 * integers, booleans, required keys, messages and the bounds queries. */
#include "harness.h"
#include "core/settings.h"

#include <float.h>
#include <math.h>
#include <string.h>

enum { K_RATE = 1, K_STEPS = 2, K_FLAG = 3, K_BETA = 4, K_NEED = 5, K_MULT = 6 };

static const dsc__setting rows[] = {
    {K_RATE, "rate", 0.1, 0.0, INFINITY, 0},
    {K_STEPS, "steps", 5, 1, DSC__TWO_53, DSC__SET_INT},
    {K_FLAG, "flag", 0, 0, 1, DSC__SET_BOOL},
    {K_BETA, "beta", 0.9, 0.0, 1.0, DSC__SET_HI_OPEN},
    {K_NEED, "need", NAN, 0.0, INFINITY, DSC__SET_LO_OPEN | DSC__SET_REQUIRED},
    {K_MULT, "mult", 1, 1, 1048576, DSC__SET_INT},
};
#define NROWS (sizeof rows / sizeof rows[0])

static const dsc__setting *row(int key) {
    const dsc__setting *r = dsc__setting_find(rows, NROWS, key);
    assert_non_null(r);
    return r;
}

static void test_settings_check_accepts_the_range(void **state) {
    (void)state;
    assert_ok(dsc__setting_check(row(K_RATE), 0.0, "f"));
    assert_ok(dsc__setting_check(row(K_RATE), 1e300, "f"));
    assert_ok(dsc__setting_check(row(K_STEPS), 1, "f"));
    assert_ok(dsc__setting_check(row(K_STEPS), DSC__TWO_53, "f"));
    assert_ok(dsc__setting_check(row(K_FLAG), 1, "f"));
    assert_ok(dsc__setting_check(row(K_BETA), nextafter(1.0, 0.0), "f"));
    assert_ok(dsc__setting_check(row(K_NEED), DBL_MIN, "f"));
}

static void test_settings_check_refuses_with_the_range(void **state) {
    (void)state;
    assert_status(dsc__setting_check(row(K_RATE), -1e-300, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: rate is -1e-300; it must be a finite number >= 0");
    assert_status(dsc__setting_check(row(K_RATE), INFINITY, "f"), DSC_E_ARG);
    assert_status(dsc__setting_check(row(K_RATE), NAN, "f"), DSC_E_ARG);
    assert_status(dsc__setting_check(row(K_STEPS), 2.5, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: steps is 2.5; it must be an integer in [1, 2^53]");
    assert_status(dsc__setting_check(row(K_STEPS), DSC__TWO_53 * 2, "f"), DSC_E_ARG);
    assert_status(dsc__setting_check(row(K_STEPS), 0, "f"), DSC_E_ARG);
    assert_status(dsc__setting_check(row(K_FLAG), 0.5, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: flag is 0.5; it must be 0 or 1");
    assert_status(dsc__setting_check(row(K_FLAG), NAN, "f"), DSC_E_ARG);
    assert_status(dsc__setting_check(row(K_BETA), 1.0, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: beta is 1; it must be a finite number in [0, 1)");
    assert_status(dsc__setting_check(row(K_NEED), 0.0, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: need is 0; it must be a finite number > 0");
    assert_status(dsc__setting_check(row(K_MULT), 0, "f"), DSC_E_ARG); /* integral bounds in full */
    assert_string_equal(dsc_last_error(), "f: mult is 0; it must be an integer in [1, 2^20]");
}

static void test_settings_lookup_unknown_key(void **state) {
    (void)state;
    const dsc__setting *r = rows;
    assert_null(dsc__setting_find(rows, NROWS, 77));
    assert_status(dsc__setting_lookup(rows, NROWS, 77, "f", "Thing", &r), DSC_E_UNSUPPORTED);
    assert_null(r);
    assert_string_equal(dsc_last_error(), "f: Thing has no setting with key 77");
    assert_ok(dsc__setting_lookup(rows, NROWS, K_BETA, "f", "Thing", &r));
    assert_ptr_equal(r, &rows[3]);
}

static void test_settings_bounds_and_defaults(void **state) {
    (void)state;
    double lo, hi, def;
    assert_ok(dsc__setting_query_bounds(rows, NROWS, K_RATE, "f", "Thing", &lo, &hi));
    assert_true(lo == 0.0 && hi == DBL_MAX);
    assert_ok(dsc__setting_query_bounds(rows, NROWS, K_BETA, "f", "Thing", &lo, &hi));
    assert_true(lo == 0.0 && hi == nextafter(1.0, 0.0));
    assert_ok(dsc__setting_query_bounds(rows, NROWS, K_NEED, "f", "Thing", &lo, &hi));
    assert_true(lo == nextafter(0.0, 1.0) && hi == DBL_MAX);
    assert_ok(dsc__setting_query_bounds(rows, NROWS, K_FLAG, "f", "Thing", &lo, &hi));
    assert_true(lo == 0.0 && hi == 1.0);
    assert_ok(dsc__setting_query_default(rows, NROWS, K_STEPS, "f", "Thing", &def));
    assert_true(def == 5.0);
    assert_ok(dsc__setting_query_default(rows, NROWS, K_NEED, "f", "Thing", &def));
    assert_true(isnan(def));
    assert_status(dsc__setting_query_bounds(rows, NROWS, K_RATE, "f", "Thing", NULL, &hi),
                  DSC_E_ARG);
    assert_status(dsc__setting_query_default(rows, NROWS, K_RATE, "f", "Thing", NULL), DSC_E_ARG);
    assert_status(dsc__setting_query_default(rows, NROWS, 0, "f", "Thing", &def),
                  DSC_E_UNSUPPORTED);
}

/* Bounds in messages: powers of two from 2^16 by exponent (%g would print
 * 2^20 as 1.04858e+06), other values with %g. */
static void test_settings_message_bounds(void **state) {
    (void)state;
    const dsc__setting big[] = {
        {1, "trials", 10, 1, 1048576.0, DSC__SET_INT},
        {2, "count", 10, 0, 65536.0, DSC__SET_INT},
        {3, "size", 10, 0, 1e6, 0},
        {4, "small", 1, 0, 32768.0, DSC__SET_INT},
    };
    assert_status(dsc__setting_check(&big[0], 2e6, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: trials is 2e+06; it must be an integer in [1, 2^20]");
    assert_status(dsc__setting_check(&big[1], -1, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: count is -1; it must be an integer in [0, 2^16]");
    assert_status(dsc__setting_check(&big[2], -1, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: size is -1; it must be a finite number in [0, 1e+06]");
    assert_status(dsc__setting_check(&big[3], -1, "f"), DSC_E_ARG);
    assert_string_equal(dsc_last_error(), "f: small is -1; it must be an integer in [0, 32768]");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_check_accepts_the_range),
        cmocka_unit_test(test_settings_check_refuses_with_the_range),
        cmocka_unit_test(test_settings_lookup_unknown_key),
        cmocka_unit_test(test_settings_bounds_and_defaults),
        cmocka_unit_test(test_settings_message_bounds),
    };
    return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
