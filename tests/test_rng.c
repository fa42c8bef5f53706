/* The seeded RNG: pinned outputs (a seed must give these numbers on every
 * machine, compiler and kernel set), ranges, distribution and shuffle. */
#include "harness.h"
#include "core/rng.h"

#include <math.h>
#include <string.h>

static void test_rng_pinned_sequence(void **state) {
    (void)state;
    static const uint64_t want[4] = {0xb3f2af6d0fc710c5ull, 0x853b559647364ceaull,
                                     0x92f89756082a4514ull, 0x642e1c7bc266a3a7ull};
    dsc_rng r;
    dsc__rng_seed(&r, 1);
    for (int i = 0; i < 4; i++) assert_true(dsc__rng_u64(&r) == want[i]);
    dsc__rng_seed(&r, 12345);
    assert_true(dsc__rng_normal(&r) == 0x1.87d441d454dbfp-2);
    assert_true(dsc__rng_normal(&r) == -0x1.2947ddbdf918cp-1);
    assert_true(dsc__rng_normal(&r) == 0x1.c5bf541d85808p-6);
    dsc__rng_seed(&r, 3);
    assert_true(dsc__rng_float(&r) == 0x1.619b56p-1f);
    assert_true(dsc__rng_double(&r) == 0x1.47fa3bd4bc30cp-1);
}

static void test_rng_same_seed_same_stream(void **state) {
    (void)state;
    dsc_rng a, b;
    dsc__rng_seed(&a, 99);
    dsc__rng_seed(&b, 99);
    for (int i = 0; i < 1000; i++) assert_true(dsc__rng_u64(&a) == dsc__rng_u64(&b));
    dsc__rng_seed(&b, 100);
    int differ = 0;
    for (int i = 0; i < 10; i++) differ += dsc__rng_u64(&a) != dsc__rng_u64(&b);
    assert_true(differ >= 9);
}

static void test_rng_uniform_ranges(void **state) {
    (void)state;
    dsc_rng r;
    dsc__rng_seed(&r, 5);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        float f = dsc__rng_float(&r);
        double d = dsc__rng_double(&r);
        assert_true(f >= 0.0f && f < 1.0f);
        assert_true(d >= 0.0 && d < 1.0);
        sum += d;
    }
    assert_true(fabs(sum / 100000 - 0.5) < 0.01);
}

static void test_rng_below_is_unbiased(void **state) {
    (void)state;
    dsc_rng r;
    dsc__rng_seed(&r, 11);
    long counts[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = dsc__rng_below(&r, 7);
        assert_true(v < 7);
        counts[v]++;
    }
    for (int i = 0; i < 7; i++) assert_true(counts[i] > 9500 && counts[i] < 10500);
    assert_true(dsc__rng_below(&r, 1) == 0);
}

static void test_rng_normal_moments(void **state) {
    (void)state;
    dsc_rng r;
    dsc__rng_seed(&r, 2024);
    double m = 0, m2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double x = dsc__rng_normal(&r);
        m += x;
        m2 += x * x;
    }
    m /= n;
    m2 /= n;
    assert_true(fabs(m) < 0.01);
    assert_true(fabs(m2 - 1.0) < 0.015);
}

static void test_rng_shuffle_is_deterministic_permutation(void **state) {
    (void)state;
    dsc_rng r;
    size_t idx[10];
    for (size_t i = 0; i < 10; i++) idx[i] = i;
    dsc__rng_seed(&r, 7);
    dsc__rng_shuffle(&r, idx, 10);
    static const size_t want[10] = {8, 3, 9, 0, 7, 2, 1, 6, 5, 4};
    assert_memory_equal(idx, want, sizeof want);
    size_t big[1000];
    int seen[1000] = {0};
    for (size_t i = 0; i < 1000; i++) big[i] = i;
    dsc__rng_shuffle(&r, big, 1000);
    for (size_t i = 0; i < 1000; i++) seen[big[i]]++;
    for (size_t i = 0; i < 1000; i++) assert_int_equal(seen[i], 1);
    dsc__rng_shuffle(&r, big, 0); /* empty and single are no-ops */
    dsc__rng_shuffle(&r, big, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_pinned_sequence),
        cmocka_unit_test(test_rng_same_seed_same_stream),
        cmocka_unit_test(test_rng_uniform_ranges),
        cmocka_unit_test(test_rng_below_is_unbiased),
        cmocka_unit_test(test_rng_normal_moments),
        cmocka_unit_test(test_rng_shuffle_is_deterministic_permutation),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
