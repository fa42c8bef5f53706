/* Kernel dispatch: names, availability, forcing a set, and the fallback for
 * an unsupported DESCENT_ISA request (tests/run.sh runs this binary again
 * with DESCENT_ISA set to a set the CPU lacks). */
#include "harness.h"
#include "kernels/kernels.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

static int known(const char *s) {
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return 1;
    return 0;
}

static void test_isa_current_is_known_and_available(void **state) {
    (void)state;
    assert_true(known(dsc_isa()));
    assert_true(dsc_isa_available(dsc_isa()));
    assert_true(dsc_isa_available("scalar"));
    assert_false(dsc_isa_available("mmx"));
    assert_false(dsc_isa_available(NULL));
#if defined(__x86_64__)
    assert_false(dsc_isa_available("neon"));
    assert_true(dsc_isa_available("sse2"));
#elif defined(__aarch64__)
    assert_true(dsc_isa_available("neon"));
    assert_false(dsc_isa_available("avx2"));
#endif
}

static void test_isa_env_request_or_fallback(void **state) {
    (void)state;
    const char *env = getenv("DESCENT_ISA");
    if (env == NULL || env[0] == '\0') {
        assert_string_equal(dsc_isa_note(), "");
        return;
    }
    if (dsc_isa_available(env)) {
        assert_string_equal(dsc_isa(), env);
        assert_string_equal(dsc_isa_note(), "");
    } else {
        /* Fallback to the best supported set, with the reason recorded. */
        assert_string_not_equal(dsc_isa(), env);
        assert_non_null(strstr(dsc_isa_note(), env));
        assert_non_null(strstr(dsc_isa_note(), dsc_isa()));
    }
}

static void test_isa_set_each_available(void **state) {
    (void)state;
    for (int i = 0; i < 5; i++) {
        if (dsc_isa_available(names[i])) {
            assert_ok(dsc_set_isa(names[i]));
            assert_string_equal(dsc_isa(), names[i]);
            const dsc_kernels *k = dsc__kernels();
            assert_string_equal(k->isa, names[i]);
            assert_ptr_equal(k, dsc__kernels_for((dsc_isa_id)i));
        } else {
            const char *before = dsc_isa();
            assert_status(dsc_set_isa(names[i]), DSC_E_UNSUPPORTED);
            assert_string_equal(dsc_isa(), before);
            assert_null(dsc__kernels_for((dsc_isa_id)i));
        }
    }
    assert_ok(dsc_set_isa("auto"));
    const char *best = dsc_isa();
    assert_ok(dsc_set_isa("scalar"));
    assert_ok(dsc_set_isa(NULL));
    assert_string_equal(dsc_isa(), best);
}

static void test_isa_set_bad_name(void **state) {
    (void)state;
    const char *before = dsc_isa();
    assert_status(dsc_set_isa("avx1024"), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "avx1024"));
    assert_string_equal(dsc_isa(), before);
}

static void test_isa_cpu_detection_consistent(void **state) {
    (void)state;
    dsc_isa_id best = dsc__cpu_best_isa();
    assert_true(dsc_isa_available(dsc__isa_name(best)));
    assert_string_equal(dsc__isa_name(DSC_ISA_COUNT), "unknown");
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    /* The compiler's own detection must agree with ours. */
    assert_int_equal(best >= DSC_ISA_AVX2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    assert_int_equal(best >= DSC_ISA_AVX512,
                     __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                         __builtin_cpu_supports("avx512cd"));
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_current_is_known_and_available),
        cmocka_unit_test(test_isa_env_request_or_fallback),
        cmocka_unit_test(test_isa_set_each_available),
        cmocka_unit_test(test_isa_set_bad_name),
        cmocka_unit_test(test_isa_cpu_detection_consistent),
    };
    return cmocka_run_group_tests_name("isa", tests, NULL, NULL);
}
