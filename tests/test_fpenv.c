/* The kernels' floating-point environment (lib/kernels/fpenv.h): inside
 * enter/leave subnormals flush to zero by default, or are computed exactly
 * after dsc_set_flush_denormals(0) or DESCENT_FLUSH_DENORMALS=0; after leave
 * the caller's control register is exactly what it was, whatever mode the
 * caller had chosen; and public calls leave the caller's mode alone. The SGD
 * tests go through the kernel set DESCENT_ISA selects (tests/run.sh runs this
 * file once per set). */
#define _GNU_SOURCE /* feenableexcept */
#include "harness.h"
#include "kernels/fpenv.h"

#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The raw control register and the bits of it that are control, not
 * sticky status (x86 keeps the exception flags in MXCSR bits 0-5). */
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
static uint64_t read_ctl(void) { return _mm_getcsr(); }
#define CTL_MASK (~(uint64_t)0x3f)
#define HAVE_FLUSH 1
#elif defined(__aarch64__)
static uint64_t read_ctl(void) { return dsc__fpenv_read_fpcr(); }
#define CTL_MASK (~(uint64_t)0)
#define HAVE_FLUSH 1
#else
static uint64_t read_ctl(void) { return 0; }
#define CTL_MASK (~(uint64_t)0)
#define HAVE_FLUSH 0
#endif

/* valgrind keeps MXCSR's FTZ/DAZ and flags to itself (it computes with
 * gradual underflow whatever the program asks): the behaviour tests skip
 * themselves where the mode does not even read back. */
static int flush_mode_emulated(void) {
    /* Probed with raw register writes, not with the functions under test. */
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
    const unsigned c = _mm_getcsr();
    _mm_setcsr(c | DSC_FPENV_FLUSH);
    const unsigned d = _mm_getcsr();
    _mm_setcsr(c);
    return (d & DSC_FPENV_FLUSH) == DSC_FPENV_FLUSH;
#elif defined(__aarch64__)
    const uint64_t c = dsc__fpenv_read_fpcr();
    dsc__fpenv_write_fpcr(c | DSC_FPENV_FLUSH);
    const uint64_t d = dsc__fpenv_read_fpcr();
    dsc__fpenv_write_fpcr(c);
    return (d & DSC_FPENV_FLUSH) == DSC_FPENV_FLUSH;
#else
    return 0;
#endif
}

#define SKIP_UNLESS_EMULATED()                                                   \
    do {                                                                         \
        if (!flush_mode_emulated()) {                                            \
            print_message("FTZ/DAZ not honoured here (valgrind?): skipped\n");   \
            skip();                                                              \
        }                                                                        \
    } while (0)

/* Out of line with volatile operands, so the compiler can neither fold the
 * product nor move it across the mode switch. */
static __attribute__((noinline)) float mul(float a, float b) {
    volatile float va = a, vb = b;
    volatile float r = va * vb;
    return r;
}

static __attribute__((noinline)) float sub(float a, float b) {
    volatile float va = a, vb = b;
    volatile float r = va - vb;
    return r;
}

static __attribute__((noinline)) float divide(float a, float b) {
    volatile float va = a, vb = b;
    volatile float r = va / vb;
    return r;
}

/* Whatever rounding mode and traps the caller set, the kernels get round to
 * nearest with every exception masked. */
static void test_fpenv_known_mode_inside(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    const int round = fegetround();
    assert_int_equal(fesetround(FE_DOWNWARD), 0);
    const float down = divide(1.0f, 3.0f);
#if defined(__x86_64__)
    assert_true(feenableexcept(FE_INVALID | FE_OVERFLOW) != -1);
#endif
    const uint64_t before = read_ctl();
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    const uint64_t inside = read_ctl();
    const float nearest = divide(1.0f, 3.0f);
    const float nan = mul(INFINITY, 0.0f);   /* invalid: must not trap */
    const float inf = mul(FLT_MAX, FLT_MAX); /* overflow: must not trap */
    dsc__fpenv_leave(&fe);
    const uint64_t after = read_ctl();
#if defined(__x86_64__)
    fedisableexcept(FE_ALL_EXCEPT);
#endif
    fesetround(round);
    feclearexcept(FE_ALL_EXCEPT);
    assert_true(after == before);
    assert_true((inside & DSC_FPENV_ROUND) == 0);
#if defined(__x86_64__)
    assert_true((inside & DSC_FPENV_MASKS) == DSC_FPENV_MASKS);
#elif defined(__aarch64__)
    assert_true((inside & DSC_FPENV_TRAPS) == 0);
#endif
    assert_true(nearest == 0.333333343f && down < nearest);
    assert_true(isnan(nan) && inf == INFINITY);
}

static void test_fpenv_flushes_inside_only(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    const float tiny = FLT_MIN / 4.0f; /* subnormal */
    assert_true(tiny > 0.0f);
    assert_true(mul(FLT_MIN, 0.25f) > 0.0f); /* default mode: gradual underflow */
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    const uint64_t inside = read_ctl();
    const float out = mul(FLT_MIN, 0.25f); /* FTZ: subnormal result -> 0 */
    const float in = mul(tiny, 2.0f);      /* DAZ (x86) / FZ (arm): subnormal input -> 0 */
    dsc__fpenv_leave(&fe);
#if HAVE_FLUSH
    assert_true((inside & DSC_FPENV_FLUSH) == DSC_FPENV_FLUSH);
    assert_true(out == 0.0f);
    assert_true(in == 0.0f);
#else
    (void)inside, (void)out, (void)in;
#endif
    assert_true(mul(FLT_MIN, 0.25f) > 0.0f);
    assert_true(mul(tiny, 2.0f) == FLT_MIN / 2.0f);
}

/* A caller with its own mode (round toward zero, a raised flag) gets
 * exactly that back. */
static void test_fpenv_restores_caller_exact_state(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    const int round = fegetround();
    assert_int_equal(fesetround(FE_TOWARDZERO), 0);
    feclearexcept(FE_ALL_EXCEPT);
    feraiseexcept(FE_INEXACT);
    const uint64_t before = read_ctl();
    fenv_t env_before;
    fegetenv(&env_before);
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    (void)mul(FLT_MIN, 0.25f);
    (void)mul(1.0f, 3.0f); /* raises inexact/underflow inside */
    dsc__fpenv_leave(&fe);
    assert_true(read_ctl() == before); /* on x86 the MXCSR flags come back too */
    assert_int_equal(fegetround(), FE_TOWARDZERO);
    assert_true(fetestexcept(FE_INEXACT) != 0);
    fesetenv(&env_before);
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(round);
}

static void test_fpenv_nested_and_already_flushing(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    const uint64_t start = read_ctl();
    dsc_fpenv outer, inner;
    dsc__fpenv_enter(&outer);
    const uint64_t flushing = read_ctl();
    dsc__fpenv_enter(&inner); /* caller already flushes: nothing to change */
    assert_true(read_ctl() == flushing);
    dsc__fpenv_leave(&inner);
    assert_true((read_ctl() & CTL_MASK) == (flushing & CTL_MASK));
#if HAVE_FLUSH
    assert_true(mul(FLT_MIN, 0.25f) == 0.0f);
#endif
    dsc__fpenv_leave(&outer);
    assert_true(read_ctl() == start);
    assert_true(mul(FLT_MIN, 0.25f) > 0.0f);
}

/* Every public call available in this build leaves the caller's control bits
 * alone, including when the caller runs a non-default rounding mode. */
static void public_calls_leave_mode(void) {
    const int round = fegetround();
    assert_int_equal(fesetround(FE_UPWARD), 0);
    const uint64_t before = read_ctl() & CTL_MASK;
    size_t shape[2] = {7, 9};
    dsc_tensor *a = NULL, *b = NULL;
    assert_ok(dsc_tensor_new(&a, shape, 2));
    assert_ok(dsc_tensor_new(&b, shape, 2));
    assert_ok(dsc_tensor_fill_normal(a, 0.0f, 1.0f, 42));
    assert_ok(dsc_tensor_fill_uniform(b, -1.0f, 1.0f, 7));
    assert_ok(dsc_tensor_copy(b, a));
    assert_ok(dsc_tensor_fill(a, 1e-39f));
    assert_ok(dsc_set_isa(dsc_isa()));
    /* Optimizer steps, with subnormal and huge values in the state; then a
     * gradient whose square overflows, which most kinds refuse (the result
     * check's way out must restore the mode too). */
    float p[37], g[37];
    for (int i = 0; i < 37; i++) p[i] = 1e-39f * (float)i, g[i] = (i % 2 ? 1e-38f : 3e18f);
    for (int kind = DSC_OPTIMIZER_SGD; kind <= DSC_OPTIMIZER_RPROP; kind++) {
        dsc_optimizer *opt = NULL;
        assert_ok(dsc_optimizer_new(&opt, (dsc_optimizer_kind)kind));
        assert_ok(dsc_optimizer_add_params(opt, p, g, 37, NULL));
        assert_ok(dsc_optimizer_step(opt));
        assert_ok(dsc_optimizer_step(opt));
        assert_true((read_ctl() & CTL_MASK) == before);
        g[4] = 3e30f;
        const dsc_status st = dsc_optimizer_step(opt);
        assert_true(st == DSC_OK || st == DSC_E_NONFINITE);
        g[4] = 3e18f;
        dsc_optimizer_free(opt);
        assert_true((read_ctl() & CTL_MASK) == before);
    }
    dsc_tensor_free(a);
    dsc_tensor_free(b);
    assert_true((read_ctl() & CTL_MASK) == before);
    assert_int_equal(fegetround(), FE_UPWARD);
    fesetround(round);
}

static void test_fpenv_public_calls_leave_mode(void **state) {
    (void)state;
    public_calls_leave_mode(); /* flushing (the default) */
    assert_ok(dsc_set_flush_denormals(0));
    public_calls_leave_mode(); /* keeping subnormals */
    assert_ok(dsc_set_flush_denormals(1));
}

/* ---- the flush setting: dsc_set_flush_denormals, DESCENT_FLUSH_DENORMALS --- */

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* 37 elements: a vector body and a tail on every kernel set. Even elements
 * have a subnormal exact result from normal inputs (2e-38 - 1 * 1.9e-38, exact
 * by Sterbenz's lemma); odd ones a subnormal parameter and a zero gradient. */
#define N_SGD 37
static const float P_NORMAL = 2e-38f, G_NORMAL = 1.9e-38f, P_SUB = 1e-40f;

static void sgd_inputs(float *p, float *g) {
    for (int i = 0; i < N_SGD; i++) {
        p[i] = i % 2 ? P_SUB : P_NORMAL;
        g[i] = i % 2 ? 0.0f : G_NORMAL;
    }
}

/* One SGD step, lr 1, no momentum or decay: p - g for every element. The
 * caller's control register must come back bit for bit (flags included). */
static void sgd_step(float *p, float *g) {
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 1.0));
    assert_ok(dsc_optimizer_add_params(opt, p, g, N_SGD, NULL));
    const uint64_t before = read_ctl();
    assert_ok(dsc_optimizer_step(opt));
    const uint64_t after = read_ctl();
    dsc_optimizer_free(opt);
    assert_true(after == before);
}

/* Compared through the bit patterns: a caller running DAZ itself would see
 * every subnormal equal to 0. */
static void assert_sgd_kept(const float *p) {
    const float exact = sub(P_NORMAL, G_NORMAL); /* this thread computes IEEE subnormals */
    assert_int_equal(fpclassify(exact), FP_SUBNORMAL);
    for (int i = 0; i < N_SGD; i++) {
        const uint32_t want = bits(i % 2 ? P_SUB : exact);
        if (bits(p[i]) != want)
            fail_msg("kernel set %s, p[%d] is %a (0x%08x); the exact result is %a (0x%08x)",
                     dsc_isa(), i, (double)p[i], (unsigned)bits(p[i]), i % 2 ? (double)P_SUB : (double)exact,
                     (unsigned)want);
    }
}

static void assert_sgd_flushed(const float *p) {
    for (int i = 0; i < N_SGD; i++)
        if (bits(p[i]) != 0)
            fail_msg("kernel set %s, p[%d] is %a; flushing should give +0", dsc_isa(), i, (double)p[i]);
}

static void test_flush_setting_and_failure(void **state) {
    (void)state;
    assert_int_equal(dsc_flush_denormals(), 1); /* the default (main unsets the variable) */
    assert_status(dsc_set_flush_denormals(2), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_set_flush_denormals: on is 2"));
    assert_status(dsc_set_flush_denormals(-1), DSC_E_ARG);
    assert_status(dsc_set_flush_denormals(INT_MIN), DSC_E_ARG);
    assert_int_equal(dsc_flush_denormals(), 1); /* refused calls change nothing */
    assert_ok(dsc_set_flush_denormals(0));
    assert_int_equal(dsc_flush_denormals(), 0);
    assert_status(dsc_set_flush_denormals(7), DSC_E_ARG);
    assert_int_equal(dsc_flush_denormals(), 0);
    assert_ok(dsc_set_flush_denormals(1));
    assert_int_equal(dsc_flush_denormals(), 1);
}

/* The default flushes: the SGD step that PyTorch leaves at a subnormal gives 0. */
static void test_sgd_flushes_subnormals_by_default(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    assert_int_equal(dsc_flush_denormals(), 1);
    float p[N_SGD], g[N_SGD];
    sgd_inputs(p, g);
    sgd_step(p, g);
#if HAVE_FLUSH
    assert_sgd_flushed(p);
#else
    assert_sgd_kept(p);
#endif
}

/* With flushing off the step gives the exact subnormal, as PyTorch does,
 * also when the caller's own thread flushes (its mode comes back). */
static void test_sgd_keeps_subnormals_when_asked(void **state) {
    (void)state;
    float p[N_SGD], g[N_SGD];
    assert_ok(dsc_set_flush_denormals(0));
    sgd_inputs(p, g);
    sgd_step(p, g);
    assert_sgd_kept(p);
    if (flush_mode_emulated()) {
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
        const unsigned c = _mm_getcsr();
        _mm_setcsr(c | DSC_FPENV_FLUSH);
        sgd_inputs(p, g);
        sgd_step(p, g); /* asserts the caller's FTZ|DAZ register comes back */
        assert_true((_mm_getcsr() & DSC_FPENV_FLUSH) == DSC_FPENV_FLUSH);
        _mm_setcsr(c);
#elif defined(__aarch64__)
        const uint64_t c = dsc__fpenv_read_fpcr();
        dsc__fpenv_write_fpcr(c | DSC_FPENV_FLUSH);
        sgd_inputs(p, g);
        sgd_step(p, g);
        assert_true((dsc__fpenv_read_fpcr() & DSC_FPENV_FLUSH) == DSC_FPENV_FLUSH);
        dsc__fpenv_write_fpcr(c);
#endif
        assert_sgd_kept(p);
    }
    /* And back: flushing again. */
    assert_ok(dsc_set_flush_denormals(1));
    if (flush_mode_emulated() && HAVE_FLUSH) {
        sgd_inputs(p, g);
        sgd_step(p, g);
        assert_sgd_flushed(p);
    }
}

/* The raw guard with flushing off: FTZ/DAZ cleared inside even when the
 * caller set them, round to nearest still forced, the register restored. */
static void test_fpenv_keep_mode_inside(void **state) {
    (void)state;
    SKIP_UNLESS_EMULATED();
    assert_ok(dsc_set_flush_denormals(0));
    const int round = fegetround();
    assert_int_equal(fesetround(FE_UPWARD), 0);
    dsc_fpenv inner;
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
    const unsigned c = _mm_getcsr();
    _mm_setcsr(c | DSC_FPENV_FLUSH);
#elif defined(__aarch64__)
    const uint64_t c = dsc__fpenv_read_fpcr();
    dsc__fpenv_write_fpcr(c | DSC_FPENV_FLUSH);
#endif
    const uint64_t before = read_ctl();
    dsc__fpenv_enter(&inner);
    const uint64_t inside = read_ctl();
    const float out = mul(FLT_MIN, 0.25f);
    const float third = divide(1.0f, 3.0f);
    dsc__fpenv_leave(&inner);
    const uint64_t after = read_ctl();
#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
    _mm_setcsr(c);
#elif defined(__aarch64__)
    dsc__fpenv_write_fpcr(c);
#endif
    fesetround(round);
    assert_ok(dsc_set_flush_denormals(1));
    assert_true(after == before);
    assert_true((inside & DSC_FPENV_FLUSH) == 0);
    assert_true((inside & DSC_FPENV_ROUND) == 0);
    assert_true(out == FLT_MIN / 4.0f && out > 0.0f);
    assert_true(third == 0.333333343f);
}

/* DESCENT_FLUSH_DENORMALS is read once, at first use, unless the host chose
 * first. The test puts the setting back to "not read yet" to try each value. */
static int flush_from_env(const char *value) {
    atomic_store(&dsc__fpenv_flush_setting, -1);
    if (value == NULL) unsetenv("DESCENT_FLUSH_DENORMALS");
    else setenv("DESCENT_FLUSH_DENORMALS", value, 1);
    return dsc_flush_denormals();
}

static void test_flush_from_environment(void **state) {
    (void)state;
    assert_int_equal(flush_from_env("0"), 0);
    setenv("DESCENT_FLUSH_DENORMALS", "1", 1);
    assert_int_equal(dsc_flush_denormals(), 0); /* read once: later changes are ignored */
    assert_int_equal(flush_from_env("1"), 1);
    assert_int_equal(flush_from_env(NULL), 1);
    assert_int_equal(flush_from_env(""), 1);
    assert_int_equal(flush_from_env("off"), 1); /* only "0" turns flushing off */
    assert_int_equal(flush_from_env("00"), 1);
    /* An explicit call before first use wins over the variable. */
    atomic_store(&dsc__fpenv_flush_setting, -1);
    setenv("DESCENT_FLUSH_DENORMALS", "0", 1);
    assert_ok(dsc_set_flush_denormals(1));
    assert_int_equal(dsc_flush_denormals(), 1);
    /* The first compute call reads it too: an SGD step is the first use here. */
    atomic_store(&dsc__fpenv_flush_setting, -1);
    float p[N_SGD], g[N_SGD];
    sgd_inputs(p, g);
    sgd_step(p, g);
    assert_int_equal(atomic_load(&dsc__fpenv_flush_setting), 0);
    assert_sgd_kept(p);
    unsetenv("DESCENT_FLUSH_DENORMALS");
    assert_ok(dsc_set_flush_denormals(1));
}

int main(void) {
    /* The tests expect the default setting; test_flush_from_environment sets
     * the variable itself. */
    unsetenv("DESCENT_FLUSH_DENORMALS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fpenv_flushes_inside_only),
        cmocka_unit_test(test_fpenv_restores_caller_exact_state),
        cmocka_unit_test(test_fpenv_known_mode_inside),
        cmocka_unit_test(test_fpenv_nested_and_already_flushing),
        cmocka_unit_test(test_fpenv_public_calls_leave_mode),
        cmocka_unit_test(test_flush_setting_and_failure),
        cmocka_unit_test(test_sgd_flushes_subnormals_by_default),
        cmocka_unit_test(test_sgd_keeps_subnormals_when_asked),
        cmocka_unit_test(test_fpenv_keep_mode_inside),
        cmocka_unit_test(test_flush_from_environment),
    };
    return cmocka_run_group_tests_name("fpenv", tests, NULL, NULL);
}
