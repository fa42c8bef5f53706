/* The activation, softmax and reduction kernels of every kernel set this
 * machine runs, checked as dav1d's checkasm does: against the scalar
 * reference (and the scalar reference against double-precision math), over
 * sizes 0..67 plus large and odd ones, at misaligned addresses, with canary
 * floats before and after every output, in place where the contract allows,
 * bit-identical on a repeat call, and with NaN/Inf inputs.
 *
 * Tolerances, per kernel, against scalar (rtol * |want| + atol):
 *   identity, relu, leaky_relu (fwd, bwd), sigmoid and tanh bwd,
 *   all_finite                                         exact
 *   sigmoid, tanh fwd                                  rtol 1e-6
 *   gelu, gelu_tanh fwd, bwd                           rtol 2e-6, atol 1e-7
 *   softmax                                            rtol 2e-6, atol 1e-9
 *   softmax_xent dz (p - 1 cancels at the label)       rtol 2e-6, atol 2e-7 |gscale|
 *   softmax_xent loss                                  2e-6 per row + 1e-6 relative
 *   sumsq (double)                                     1e-12 * sum x_i^2
 *   sumsq_fast (float blocks, kernels.h)               2^-19 * sum x_i^2
 * and the approximations against libm in double (test_kernels_approx_error,
 * which prints the measured maxima): see APPROX_BOUNDS below. */
#include "harness.h"
#include "kernels/kernels.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD 16                  /* canary floats on each side of an output */
#define CANARY 0x88888888u      /* dav1d's byte, as a float bit pattern */

static const size_t big_sizes[] = {127, 128, 129, 1000, 4099};
#define NSIZES (68 + sizeof big_sizes / sizeof big_sizes[0])

static size_t size_at(size_t k) {
    return k < 68 ? k : big_sizes[k - 68];
}

static uint64_t rng_state;
static uint64_t next_u64(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float uniform(float lo, float hi) {
    return lo + (hi - lo) * (float)((double)(next_u64() >> 40) * (1.0 / 16777216.0));
}

/* A buffer of n floats at a float offset 0..15 from a 64-byte boundary,
 * with PAD canary floats on both sides. */
typedef struct {
    float *base;
    float *p;
    size_t n;
} buf;

static buf buf_new(size_t n, size_t off) {
    buf b;
    void *mem = NULL;
    assert_int_equal(posix_memalign(&mem, 64, (n + off + 2 * PAD) * sizeof(float)), 0);
    b.base = mem;
    b.p = b.base + PAD + off;
    b.n = n;
    const uint32_t c = CANARY;
    for (size_t i = 0; i < n + off + 2 * PAD; i++) memcpy(b.base + i, &c, 4);
    return b;
}

static void buf_check(const buf *b, size_t off, const char *what) {
    for (size_t i = 0; i < off + PAD; i++) {
        uint32_t u;
        memcpy(&u, b->base + i, 4);
        if (u != CANARY) fail_msg("%s: canary before the output overwritten (n=%zu)", what, b->n);
    }
    for (size_t i = 0; i < PAD; i++) {
        uint32_t u;
        memcpy(&u, b->p + b->n + i, 4);
        if (u != CANARY) fail_msg("%s: wrote %zu past the end (n=%zu)", what, i, b->n);
    }
}

static void buf_free(buf *b) {
    free(b->base);
    b->base = b->p = NULL;
}

static int same(float a, float b) {
    return a == b || (isnan(a) && isnan(b));
}

static void near(const float *got, const float *want, size_t n, double rtol, double atol,
                 const char *isa, const char *what) {
    for (size_t i = 0; i < n; i++) {
        const double g = got[i], w = want[i];
        if (same(got[i], want[i])) continue;
        if (rtol == 0.0 && atol == 0.0)
            fail_msg("%s %s n=%zu [%zu]: got %.9g, want exactly %.9g", isa, what, n, i, g, w);
        if (!(fabs(g - w) <= rtol * fabs(w) + atol))
            fail_msg("%s %s n=%zu [%zu]: got %.9g, want %.9g (rtol %g atol %g)", isa, what, n, i,
                     g, w, rtol, atol);
    }
}

static void bits_equal(const float *a, const float *b, size_t n, const char *isa, const char *what) {
    if (n > 0 && memcmp(a, b, n * sizeof *a) != 0)
        fail_msg("%s %s n=%zu: not bit-identical", isa, what, n);
}

static const dsc_kernels *ref(void) {
    const dsc_kernels *k = dsc__kernels_for(DSC_ISA_SCALAR);
    assert_non_null(k);
    return k;
}

static const char *const act_names[DSC_ACT_COUNT] = {"identity", "relu",  "leaky_relu",
                                                     "sigmoid",  "tanh", "gelu", "gelu_tanh"};
/* Forward and backward tolerances against scalar, per activation. */
static const double act_tol[DSC_ACT_COUNT][4] = {
    /* fwd rtol, atol, bwd rtol, atol */
    {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {1e-6, 1e-37, 0, 0}, {1e-6, 1e-37, 0, 0},
    {2e-6, 1e-7, 2e-6, 1e-7}, {2e-6, 1e-7, 2e-6, 1e-7},
};

/* Every activation of every kernel set against scalar: all sizes, two
 * offsets each, canaries, in place, repeat. */
static void test_kernels_act_vs_scalar(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t si = 0; si < NSIZES; si++) {
            const size_t n = size_at(si);
            for (int a = 0; a < DSC_ACT_COUNT; a++) {
                const size_t off = (n + (size_t)a) % 16, off2 = (n * 7 + 3) % 16;
                rng_state = n * 131 + (uint64_t)a;
                buf x = buf_new(n, off), dy = buf_new(n, off2), want = buf_new(n, 0),
                    y = buf_new(n, off2), y2 = buf_new(n, off), dx = buf_new(n, off),
                    dwant = buf_new(n, 0), inpl = buf_new(n, off2);
                for (size_t i = 0; i < n; i++) {
                    x.p[i] = uniform(-8.0f, 8.0f);
                    dy.p[i] = uniform(-1.0f, 1.0f);
                }
                if (n > 3) x.p[n / 2] = 0.0f; /* relu'(0) = 0 */
                const float alpha = 0.01f * (float)(a + 1);
                char what[64];
                snprintf(what, sizeof what, "%s fwd", act_names[a]);
                s->act_forward[a](n, x.p, want.p, alpha);
                k->act_forward[a](n, x.p, y.p, alpha);
                buf_check(&y, off2, what);
                near(y.p, want.p, n, act_tol[a][0], act_tol[a][1], k->isa, what);
                k->act_forward[a](n, x.p, y2.p, alpha);
                bits_equal(y.p, y2.p, n, k->isa, "repeat fwd");
                if (n > 0) memcpy(inpl.p, x.p, n * sizeof(float));
                k->act_forward[a](n, inpl.p, inpl.p, alpha);
                buf_check(&inpl, off2, what);
                bits_equal(inpl.p, y.p, n, k->isa, "in-place fwd");

                /* Backward from the reference's forward output, so only the
                 * derivative is compared. */
                snprintf(what, sizeof what, "%s bwd", act_names[a]);
                s->act_backward[a](n, x.p, want.p, dy.p, dwant.p, alpha);
                k->act_backward[a](n, x.p, want.p, dy.p, dx.p, alpha);
                buf_check(&dx, off, what);
                near(dx.p, dwant.p, n, act_tol[a][2], act_tol[a][3], k->isa, what);
                k->act_backward[a](n, x.p, want.p, dy.p, y2.p, alpha);
                bits_equal(dx.p, y2.p, n, k->isa, "repeat bwd");
                if (n > 0) memcpy(inpl.p, dy.p, n * sizeof(float));
                k->act_backward[a](n, x.p, want.p, inpl.p, inpl.p, alpha);
                buf_check(&inpl, off2, what);
                bits_equal(inpl.p, dx.p, n, k->isa, "in-place bwd");
                buf_free(&x), buf_free(&dy), buf_free(&want), buf_free(&y), buf_free(&y2);
                buf_free(&dx), buf_free(&dwant), buf_free(&inpl);
            }
        }
    }
}

/* Special inputs through every activation: the kernels agree with scalar on
 * NaN, infinities, signed zeros, subnormals and huge values. */
static void test_kernels_act_special_inputs(void **state) {
    (void)state;
    const float sp[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-40f, FLT_MIN,
                        -FLT_MIN, FLT_MAX, -FLT_MAX, 88.0f, -88.0f, 88.72f, -88.72f, 89.0f, -89.0f,
                        103.9f, -103.9f, 1e10f, -1e10f, 0.625f, -0.625f, 9.0f, -9.0f, 13.5f, -13.5f};
    const size_t n = sizeof sp / sizeof sp[0];
    const dsc_kernels *s = ref();
    float want[sizeof sp / sizeof sp[0]], got[sizeof sp / sizeof sp[0]];
    float dy[sizeof sp / sizeof sp[0]], dw[sizeof sp / sizeof sp[0]];
    for (size_t i = 0; i < n; i++) dy[i] = 1.0f;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (int a = 0; a < DSC_ACT_COUNT; a++) {
            s->act_forward[a](n, sp, want, 0.1f);
            k->act_forward[a](n, sp, got, 0.1f);
            near(got, want, n, act_tol[a][0] + 1e-6 * (a >= DSC_ACT_SIGMOID), 1e-37, k->isa,
                 act_names[a]);
            s->act_backward[a](n, sp, want, dy, dw, 0.1f);
            k->act_backward[a](n, sp, want, dy, got, 0.1f);
            near(got, dw, n, act_tol[a][2], act_tol[a][3] + 1e-37, k->isa, act_names[a]);
        }
        /* relu passes NaN; relu'(0) = 0; the saturating ones reach their limits. */
        k->act_forward[DSC_ACT_RELU](n, sp, got, 0.0f);
        assert_true(isnan(got[0]) && got[2] == INFINITY && got[3] == 0.0f && got[5] == 0.0f);
        k->act_forward[DSC_ACT_SIGMOID](n, sp, got, 0.0f);
        assert_true(isnan(got[0]) && got[2] == 1.0f && got[3] == 0.0f && got[4] == 0.5f);
        k->act_forward[DSC_ACT_TANH](n, sp, got, 0.0f);
        assert_true(isnan(got[0]) && got[2] == 1.0f && got[3] == -1.0f && got[4] == 0.0f);
        k->act_forward[DSC_ACT_GELU](n, sp, got, 0.0f);
        assert_true(isnan(got[0]) && got[2] == INFINITY && got[4] == 0.0f && got[10] == FLT_MAX);
        k->act_forward[DSC_ACT_GELU_TANH](n, sp, got, 0.0f);
        assert_true(isnan(got[0]) && got[2] == INFINITY && got[4] == 0.0f && got[10] == FLT_MAX &&
                    got[11] == 0.0f && got[20] == 1e10f);
    }
}

/* Softmax rows with a leading dimension larger than the row: the gap
 * between rows keeps its canaries too. */
static void test_kernels_softmax_vs_scalar(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    const size_t m = 3;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t si = 1; si < NSIZES; si++) {
            const size_t n = size_at(si), ld = n + 3, tot = (m - 1) * ld + n;
            const size_t off = n % 16;
            rng_state = 7 * n + 1;
            buf x = buf_new(tot, off), y = buf_new(tot, 0), want = buf_new(tot, 0),
                y2 = buf_new(tot, 0), z = buf_new(tot, off);
            for (size_t i = 0; i < tot; i++) x.p[i] = uniform(-10.0f, 10.0f);
            for (size_t r = 0; r < m; r++) /* the gaps keep their canaries */
                for (size_t j = n; j < ld && r + 1 < m; j++) memcpy(x.p + r * ld + j, &(uint32_t){CANARY}, 4);
            s->softmax(m, n, x.p, ld, want.p, ld);
            k->softmax(m, n, x.p, ld, y.p, ld);
            k->softmax(m, n, x.p, ld, y2.p, ld);
            buf_check(&y, 0, "softmax");
            for (size_t r = 0; r < m; r++) {
                near(y.p + r * ld, want.p + r * ld, n, 2e-6, 1e-9, k->isa, "softmax");
                for (size_t j = n; j < ld && r + 1 < m; j++) {
                    uint32_t u;
                    memcpy(&u, y.p + r * ld + j, 4);
                    if (u != CANARY) fail_msg("%s softmax wrote between rows (n=%zu)", k->isa, n);
                }
            }
            bits_equal(y.p, y2.p, tot, k->isa, "repeat softmax");
            memcpy(z.p, x.p, tot * sizeof(float));
            k->softmax(m, n, z.p, ld, z.p, ld);
            bits_equal(z.p, y.p, tot, k->isa, "in-place softmax");
            buf_check(&z, off, "softmax in place");
            buf_free(&x), buf_free(&y), buf_free(&want), buf_free(&y2), buf_free(&z);
        }
        float one = 3.0f, o = 0.0f;
        k->softmax(1, 1, &one, 1, &o, 1);
        assert_true(o == 1.0f);
        k->softmax(0, 5, NULL, 5, NULL, 5); /* m = 0 touches nothing */
        k->softmax(4, 0, NULL, 0, NULL, 0);
    }
}

static void test_kernels_softmax_xent_vs_scalar(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    const size_t m = 4;
    int32_t labels[4];
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t si = 1; si < NSIZES; si++) {
            const size_t n = size_at(si), ld = n + 1, tot = (m - 1) * ld + n;
            rng_state = 11 * n + 5;
            buf z = buf_new(tot, n % 16), dz = buf_new(tot, 3), want = buf_new(tot, 0),
                dz2 = buf_new(tot, 0), inpl = buf_new(tot, 1);
            for (size_t i = 0; i < tot; i++) z.p[i] = uniform(-12.0f, 12.0f);
            for (size_t r = 0; r < m; r++) labels[r] = (int32_t)((r * 7 + n) % n);
            const float gscale = 0.25f;
            const double lw = s->softmax_xent(m, n, z.p, ld, labels, gscale, want.p, ld);
            const double lg = k->softmax_xent(m, n, z.p, ld, labels, gscale, dz.p, ld);
            const double ln = k->softmax_xent(m, n, z.p, ld, labels, gscale, NULL, 0);
            const double tol = 2e-6 * (double)m + 1e-6 * fabs(lw);
            if (!(fabs(lg - lw) <= tol)) fail_msg("%s xent loss n=%zu: %.12g vs %.12g", k->isa, n, lg, lw);
            assert_true(lg == ln); /* the loss does not depend on dz being asked for */
            buf_check(&dz, 3, "softmax_xent");
            for (size_t r = 0; r < m; r++)
                near(dz.p + r * ld, want.p + r * ld, n, 2e-6, 2e-7 * gscale, k->isa, "xent dz");
            assert_true(k->softmax_xent(m, n, z.p, ld, labels, gscale, dz2.p, ld) == lg);
            for (size_t r = 0; r < m; r++)
                bits_equal(dz.p + r * ld, dz2.p + r * ld, n, k->isa, "repeat xent");
            memcpy(inpl.p, z.p, tot * sizeof(float));
            assert_true(k->softmax_xent(m, n, inpl.p, ld, labels, gscale, inpl.p, ld) == lg);
            for (size_t r = 0; r < m; r++)
                bits_equal(inpl.p + r * ld, dz.p + r * ld, n, k->isa, "in-place xent");
            buf_check(&inpl, 1, "softmax_xent in place");
            buf_free(&z), buf_free(&dz), buf_free(&want), buf_free(&dz2), buf_free(&inpl);
        }
        assert_true(k->softmax_xent(0, 3, NULL, 3, NULL, 1.0f, NULL, 3) == 0.0);
    }
}

static void test_kernels_reduce_vs_scalar(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t si = 0; si < NSIZES; si++) {
            const size_t n = size_at(si), off = (n * 5 + 1) % 16;
            rng_state = 3 * n + 9;
            buf x = buf_new(n, off);
            double sqsum = 0.0;
            for (size_t i = 0; i < n; i++) {
                x.p[i] = uniform(-3.0f, 3.0f) * (i % 5 == 0 ? 1000.0f : 1.0f);
                sqsum += (double)x.p[i] * x.p[i];
            }
            const double sq = k->sumsq(n, x.p);
            if (!(fabs(sq - s->sumsq(n, x.p)) <= 1e-12 * sqsum)) fail_msg("%s sumsq n=%zu", k->isa, n);
            const double sf = k->sumsq_fast(n, x.p);
            if (!(fabs(sf - s->sumsq(n, x.p)) <= 0x1p-19 * sqsum))
                fail_msg("%s sumsq_fast n=%zu", k->isa, n);
            assert_true(k->sumsq(n, x.p) == sq); /* repeat */
            assert_true(k->sumsq_fast(n, x.p) == sf);
            assert_int_equal(k->all_finite(n, x.p), 1);
            buf_check(&x, off, "reductions are read-only");
            buf_free(&x);
        }
        assert_int_equal(k->all_finite(0, NULL), 1);
        assert_true(k->sumsq(0, NULL) == 0.0);
        assert_true(k->sumsq_fast(0, NULL) == 0.0);
    }
}

/* One NaN or infinity at every position of every size up to 67. */
static void test_kernels_nonfinite_every_position(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    float x[68 + 16];
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t n = 1; n <= 67; n++) {
            float *p = x + n % 13;
            for (size_t i = 0; i < n; i++) p[i] = (float)i - 30.0f;
            p[n] = NAN; /* just past the end: must be ignored */
            assert_int_equal(k->all_finite(n, p), 1);
            for (size_t pos = 0; pos < n; pos++) {
                for (int b = 0; b < 3; b++) {
                    const float keep = p[pos];
                    p[pos] = bad[b];
                    if (k->all_finite(n, p) != 0) fail_msg("%s all_finite n=%zu pos=%zu", k->isa, n, pos);
                    if (isfinite(k->sumsq(n, p)) || isfinite(k->sumsq_fast(n, p)))
                        fail_msg("%s sumsq n=%zu pos=%zu is finite", k->isa, n, pos);
                    p[pos] = keep;
                }
            }
            p[n / 2] = FLT_MAX; /* large but finite: its square overflows a float */
            assert_int_equal(k->all_finite(n, p), 1);
            double want = s->sumsq(n, p);
            assert_true(isfinite(want) && fabs(k->sumsq_fast(n, p) - want) <= 1e-12 * want);
            for (size_t i = 0; i < n; i++) p[i] = 1e-25f * ((float)i + 1.0f); /* float squares: 0 */
            want = s->sumsq(n, p);
            assert_true(want > 0.0 && fabs(k->sumsq_fast(n, p) - want) <= 1e-12 * want);
            for (size_t i = 0; i < n; i++) p[i] = (float)i - 30.0f;
            p[n / 2] = -1e-40f; /* subnormal */
            assert_int_equal(k->all_finite(n, p), 1);
        }
    }
}

/* ---- Accuracy against double-precision math ------------------------------- */

/* The scalar reference itself against the formulas in double (long double
 * for the sums): exact where the float operation is exact, else within a
 * few rounding errors. */
static void test_kernels_scalar_vs_double(void **state) {
    (void)state;
    const dsc_kernels *s = ref();
    enum { N = 4099 };
    static float x[N], y[N], dy[N], dx[N];
    rng_state = 2024;
    for (size_t i = 0; i < N; i++) {
        x[i] = uniform(-30.0f, 30.0f) * (i % 7 == 0 ? 1e-3f : 1.0f);
        dy[i] = uniform(-2.0f, 2.0f);
    }
    x[0] = 0.0f;
    const float alpha = 0.2f;
    s->act_forward[DSC_ACT_IDENTITY](N, x, y, alpha);
    assert_memory_equal(y, x, sizeof x);
    s->act_forward[DSC_ACT_RELU](N, x, y, alpha);
    for (size_t i = 0; i < N; i++) assert_true(y[i] == (x[i] > 0.0f ? x[i] : 0.0f));
    s->act_backward[DSC_ACT_RELU](N, x, y, dy, dx, alpha);
    for (size_t i = 0; i < N; i++) assert_true(dx[i] == (x[i] > 0.0f ? dy[i] : 0.0f));
    assert_true(dx[0] == 0.0f); /* relu'(0) = 0 */
    s->act_forward[DSC_ACT_LEAKY_RELU](N, x, y, alpha);
    for (size_t i = 0; i < N; i++) assert_true(y[i] == (float)(x[i] > 0.0f ? x[i] : (double)x[i] * alpha));
    s->act_backward[DSC_ACT_LEAKY_RELU](N, x, y, dy, dx, alpha);
    for (size_t i = 0; i < N; i++) assert_true(dx[i] == (float)(x[i] > 0.0f ? dy[i] : (double)dy[i] * alpha));
    /* sigmoid' and tanh' from y, against the double derivative of the
     * double function at the same x: the rounding of y, amplified. */
    s->act_forward[DSC_ACT_SIGMOID](N, x, y, alpha);
    s->act_backward[DSC_ACT_SIGMOID](N, x, y, dy, dx, alpha);
    for (size_t i = 0; i < N; i++) {
        const double sg = 1.0 / (1.0 + exp(-(double)x[i])), want = dy[i] * sg * (1.0 - sg);
        if (!(fabs(dx[i] - want) <= 1e-6 * fabs(dy[i]) * (sg * (1 - sg)) + 2e-7 * fabs(dy[i]) * sg))
            fail_msg("scalar sigmoid'(%g) = %g, want %g", x[i], dx[i], want);
    }
    s->act_forward[DSC_ACT_TANH](N, x, y, alpha);
    s->act_backward[DSC_ACT_TANH](N, x, y, dy, dx, alpha);
    for (size_t i = 0; i < N; i++) {
        const double t = tanh((double)x[i]), want = dy[i] * (1.0 - t * t);
        if (!(fabs(dx[i] - want) <= 1e-6 * fabs(want) + 3e-7 * fabs(dy[i])))
            fail_msg("scalar tanh'(%g) = %g, want %g", x[i], dx[i], want);
    }
    /* Sum of squares: the double accumulation against long double. */
    long double lq = 0.0L;
    for (size_t i = 0; i < N; i++) lq += (long double)x[i] * x[i];
    assert_true(fabsl(s->sumsq(N, x) - lq) <= 1e-13L * lq);
    /* Cross-entropy: log-sum-exp in long double, rows of 10 classes. */
    int32_t labels[N / 10];
    for (size_t r = 0; r < N / 10; r++) labels[r] = (int32_t)(r % 10);
    long double lw = 0.0L;
    for (size_t r = 0; r < N / 10; r++) {
        long double se = 0.0L;
        for (size_t j = 0; j < 10; j++) se += expl((long double)x[r * 10 + j]);
        lw += logl(se) - x[r * 10 + (size_t)labels[r]];
    }
    const double lg = s->softmax_xent(N / 10, 10, x, 10, labels, 1.0f, NULL, 0);
    if (!(fabsl(lg - lw) <= 1e-12L * fabsl(lw))) fail_msg("scalar xent %.17g vs %.17Lg", lg, lw);
}



static double ulp_of(double r) {
    r = fabs(r);
    if (r < FLT_MIN) return ldexp(1.0, -149);
    return ldexp(1.0, ilogb(r) - 23);
}

static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double ref_tanh(double x) { return tanh(x); }
static double ref_gelu(double x) { return x * 0.5 * erfc(-x / sqrt(2.0)); }
static double ref_gelu_d(double x) {
    return 0.5 * erfc(-x / sqrt(2.0)) + x * exp(-0.5 * x * x) * 0.39894228040143267794;
}

/* PyTorch's tanh-approximated GELU and its derivative (GeluBackward), in
 * double. The forward writes 0.5 (1 + tanh u) as 1 / (1 + e^-2u), the same
 * function: 1 + tanh u cancels to 0 in double below x = -6 (checked against
 * the literal form where it does not, in test_kernels_gelu_tanh_formula). */
static double gelu_tanh_u(double x) { return 0.79788456080286535588 * (x + 0.044715 * x * x * x); }
static double ref_gelu_tanh(double x) { return x / (1.0 + exp(-2.0 * gelu_tanh_u(x))); }
static double ref_gelu_tanh_d(double x) {
    const double t = tanh(gelu_tanh_u(x));
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.79788456080286535588 * (1.0 + 3.0 * 0.044715 * x * x);
}

/* The reference above against PyTorch's literal forward
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) where that is accurate in
 * double, and a few values torch.nn.GELU(approximate='tanh') prints in
 * float64 (x = -3, -1, -0.5, 0.5, 1, 3). */
static void test_kernels_gelu_tanh_formula(void **state) {
    (void)state;
    for (double x = -3.0; x <= 8.0; x += 1.0 / 64) {
        const double lit = 0.5 * x * (1.0 + tanh(gelu_tanh_u(x)));
        assert_true(fabs(ref_gelu_tanh(x) - lit) <= 1e-12 * fmax(fabs(lit), 1e-3));
    }
    static const double xs[6] = {-3.0, -1.0, -0.5, 0.5, 1.0, 3.0};
    static const double torch64[6] = {-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606,
                                       0.34571400982514394, 0.8411919906082768, 2.996362607918227};
    for (int i = 0; i < 6; i++) assert_true(fabs(ref_gelu_tanh(xs[i]) - torch64[i]) <= 1e-15);
}

/* Max error of each kernel against libm in double, in ulp (GELU's derivative
 * in absolute terms: it crosses zero at x = -0.75). Bounds asserted for
 * every ISA; scalar's are libm's. */
typedef struct {
    const char *name;
    double (*f)(double);
    int act;
    int bwd;
    double bound; /* ulp, or absolute for bwd */
    double floor; /* ulp of max(|want|, floor): results below it are judged absolutely */
} approx_case;

static const approx_case APPROX_BOUNDS[] = {
    /* measured (x86-64 and qemu-aarch64): scalar 1.95, SIMD 2.18 (FMA) - 2.31 (SSE2) */
    {"sigmoid", ref_sigmoid, DSC_ACT_SIGMOID, 0, 3.0, 0.0},
    /* scalar (libm tanhf) 1.81, SIMD 1.21 */
    {"tanh", ref_tanh, DSC_ACT_TANH, 0, 2.5, 0.0},
    /* scalar (double) 0.5, SIMD 6.34 (erfcc's 1.2e-7 plus float evaluation);
     * x < -13: Phi(x) is itself subnormal before the product with x */
    {"gelu", ref_gelu, DSC_ACT_GELU, 0, 8.0, 1e-30},
    /* scalar 6e-8, SIMD 1.8e-7 (FMA) - 2.0e-7 (SSE2), near x = 0 */
    {"gelu'", ref_gelu_d, DSC_ACT_GELU, 1, 3e-7, 0.0},
    /* scalar (double) 0.5, SIMD 129 (FMA) - 146 (SSE2) at x = -9 (y = -1e-28): u is
     * rounded in float, and e^2u's relative error is |2u| times u's (about 2 ulp).
     * PyTorch's float32 0.5 x (1 + tanh u) cancels to 0 there. */
    {"gelu_t", ref_gelu_tanh, DSC_ACT_GELU_TANH, 0, 160.0, 1e-30},
    /* scalar 6e-8, SIMD 1.8e-7 (FMA) - 1.94e-7 (SSE2) */
    {"gelu_t'", ref_gelu_tanh_d, DSC_ACT_GELU_TANH, 1, 3e-7, 0.0},
};

static size_t sweep_points(float *x, size_t cap) {
    size_t n = 0;
    for (int i = 0; i <= 80000 && n < cap; i++) x[n++] = -20.0f + 40.0f * (float)i / 80000.0f;
    for (double e = -40.0; e <= 38.0 && n + 2 <= cap; e += 0.01) {
        x[n++] = (float)pow(10.0, e);
        x[n++] = -(float)pow(10.0, e);
    }
    const float ext[] = {0.0f, -0.0f, 1e-40f, -1e-40f, FLT_MIN, -FLT_MIN, 88.0f, -88.0f, 88.7f,
                         -88.7f, 89.0f, -89.0f, 100.0f, -100.0f, 103.9f, -103.9f, 104.0f, -104.0f,
                         1e10f, -1e10f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0] && n < cap; i++) x[n++] = ext[i];
    return n;
}

static void test_kernels_approx_error(void **state) {
    (void)state;
    enum { CAP = 100000 };
    float *x = malloc(CAP * sizeof *x), *y = malloc(CAP * sizeof *y), *dy = malloc(CAP * sizeof *dy);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(dy);
    const size_t n = sweep_points(x, CAP);
    for (size_t i = 0; i < n; i++) dy[i] = 1.0f;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t c = 0; c < sizeof APPROX_BOUNDS / sizeof APPROX_BOUNDS[0]; c++) {
            const approx_case *ac = &APPROX_BOUNDS[c];
            if (ac->bwd) k->act_backward[ac->act](n, x, NULL, dy, y, 0.0f);
            else k->act_forward[ac->act](n, x, y, 0.0f);
            double worst = 0.0;
            float at = 0.0f;
            for (size_t i = 0; i < n; i++) {
                const double r = ac->f(x[i]);
                if (isnan(r) || fabs(r) > FLT_MAX) {
                    if (!same(y[i], (float)r))
                        fail_msg("%s %s(%g) = %g, want %g", k->isa, ac->name, x[i], y[i], r);
                    continue;
                }
                const double e = ac->bwd ? fabs(y[i] - r) : fabs(y[i] - r) / ulp_of(fmax(fabs(r), ac->floor));
                if (!(e <= worst)) worst = e, at = x[i];
            }
            print_message("%-7s %-6s max error %.3g %s at x = %.9g\n", k->isa, ac->name, worst,
                          ac->bwd ? "(absolute)" : "ulp", at);
            if (!(worst <= ac->bound))
                fail_msg("%s %s: max error %g above the stated %g", k->isa, ac->name, worst, ac->bound);
        }
        /* Softmax: relative error per element against double, over rows
         * spanning [-87, 87] (the exp inside it over its whole range). */
        double worst = 0.0;
        float row[64], out[64];
        rng_state = 99;
        for (int r = 0; r < 2000; r++) {
            const float span = r < 1000 ? 20.0f : 87.0f;
            for (int j = 0; j < 64; j++) row[j] = uniform(-span, span);
            k->softmax(1, 64, row, 64, out, 64);
            double mx = row[0], s = 0.0;
            for (int j = 1; j < 64; j++) mx = row[j] > mx ? row[j] : mx;
            for (int j = 0; j < 64; j++) s += exp(row[j] - mx);
            for (int j = 0; j < 64; j++) {
                const double want = exp(row[j] - mx) / s;
                if (want < FLT_MIN) continue; /* subnormal results: absolute 2^-149 scale */
                const double e = fabs(out[j] - want) / want;
                worst = e > worst ? e : worst;
            }
        }
        /* measured: scalar 6e-8, SIMD 2.6e-7 - 3.2e-7 */
        print_message("%-7s softmax max relative error %.3g\n", k->isa, worst);
        if (!(worst <= 6e-7)) fail_msg("%s softmax relative error %g above 6e-7", k->isa, worst);
    }
    free(x), free(y), free(dy);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_act_vs_scalar),
        cmocka_unit_test(test_kernels_act_special_inputs),
        cmocka_unit_test(test_kernels_softmax_vs_scalar),
        cmocka_unit_test(test_kernels_softmax_xent_vs_scalar),
        cmocka_unit_test(test_kernels_reduce_vs_scalar),
        cmocka_unit_test(test_kernels_nonfinite_every_position),
        cmocka_unit_test(test_kernels_scalar_vs_double),
        cmocka_unit_test(test_kernels_approx_error),
        cmocka_unit_test(test_kernels_gelu_tanh_formula),
    };
    return cmocka_run_group_tests_name("kernels", tests, NULL, NULL);
}
