/* The batch-norm and layer-norm kernels of every ISA this CPU runs, against
 * the scalar reference: odd shapes (channels and runs around every vector
 * width, s = 1 and s > 1), misaligned starts, in-place calls and canaries
 * past every output. Elementwise kernels (bn_apply, bn_backward_dx,
 * ln_apply, ln_backward's dw and db) must be bit-identical to scalar
 * (kernels.h: no FMA, the same float operations); sums agree within a few
 * ulp of their scale (double or compensated accumulation). The scalar
 * reference itself is checked against values worked out by hand and against
 * a long double computation on data far from zero. */
#include "harness.h"
#include "kernels/kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 8
static const float canary_value = -88.0f;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static float frand(float lo, float hi) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((double)(rng_state >> 40) / 16777216.0);
}

/* A buffer of n floats at a misalignment of off floats, with canaries after. */
typedef struct buf {
    float *base, *p;
    size_t n;
} buf;

static buf buf_new(size_t n, size_t off) {
    buf b;
    b.base = malloc((n + off + CANARY) * sizeof(float));
    assert_non_null(b.base);
    b.p = b.base + off;
    b.n = n;
    for (size_t i = 0; i < n + off + CANARY; i++) b.base[i] = canary_value;
    return b;
}
static void buf_fill(buf *b, float lo, float hi) {
    for (size_t i = 0; i < b->n; i++) b->p[i] = frand(lo, hi);
}
static void buf_canaries(const buf *b) {
    for (size_t i = 0; i < CANARY; i++) assert_true(b->p[b->n + i] == canary_value);
}
static buf buf_copy(const buf *src, size_t off) {
    buf b = buf_new(src->n, off);
    memcpy(b.p, src->p, src->n * sizeof(float));
    return b;
}
static void assert_same(const float *got, const float *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            fail_msg("%s[%zu]: got %.9g, scalar %.9g", what, i, (double)got[i], (double)want[i]);
}
/* |got - want| <= tol * (largest |want|) */
static void assert_scaled(const float *got, const float *want, size_t n, double tol, const char *what) {
    double scale = 0.0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)want[i]));
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= tol * scale))
            fail_msg("%s[%zu]: got %.9g, scalar %.9g (scale %g)", what, i, (double)got[i],
                     (double)want[i], scale);
}

/* Every batch-norm kernel of isa on one [n][c][s] shape. */
static void check_bn(const dsc_kernels *ref, const dsc_kernels *isa, size_t n, size_t c, size_t s,
                     size_t off) {
    const size_t len = n * c * s;
    buf x = buf_new(len, off), dy = buf_new(len, (off + 1) % 4);
    buf_fill(&x, -3.0f, 5.0f);
    buf_fill(&dy, -1.0f, 1.0f);
    buf mean = buf_new(c, off), var = buf_new(c, 0), rmean = buf_new(c, 1), rvar = buf_new(c, 2);
    ref->bn_moments(n, c, s, x.p, rmean.p, rvar.p);
    isa->bn_moments(n, c, s, x.p, mean.p, var.p);
    assert_scaled(mean.p, rmean.p, c, 4e-7, "bn_moments mean");
    assert_scaled(var.p, rvar.p, c, 4e-7, "bn_moments var");
    buf_canaries(&mean);
    buf_canaries(&var);

    buf alpha = buf_new(c, 0), beta = buf_new(c, 1), k = buf_new(c, 2), gm = buf_new(c, 3);
    buf_fill(&alpha, 0.5f, 2.0f);
    buf_fill(&beta, -1.0f, 1.0f);
    buf_fill(&k, -0.5f, 0.5f);
    buf_fill(&gm, -0.2f, 0.2f);
    buf y = buf_new(len, (off + 2) % 4), ry = buf_new(len, 0);
    ref->bn_apply(n, c, s, x.p, rmean.p, alpha.p, beta.p, ry.p);
    isa->bn_apply(n, c, s, x.p, rmean.p, alpha.p, beta.p, y.p);
    assert_same(y.p, ry.p, len, "bn_apply");
    buf_canaries(&y);
    buf xi = buf_copy(&x, off); /* in place */
    isa->bn_apply(n, c, s, xi.p, rmean.p, alpha.p, beta.p, xi.p);
    assert_same(xi.p, ry.p, len, "bn_apply in place");
    buf_canaries(&xi);

    buf sdy = buf_new(c, 0), sdx = buf_new(c, 1), rsdy = buf_new(c, 2), rsdx = buf_new(c, 3);
    ref->bn_backward_sums(n, c, s, x.p, dy.p, rmean.p, rsdy.p, rsdx.p);
    isa->bn_backward_sums(n, c, s, x.p, dy.p, rmean.p, sdy.p, sdx.p);
    /* each sum against the sum of its terms' magnitudes (n*s of them, |dy| <= 1, |x - mean| <= 8) */
    for (size_t j = 0; j < c; j++) {
        const double bound = 4e-7 * (double)(n * s);
        if (!(fabs((double)sdy.p[j] - rsdy.p[j]) <= bound) ||
            !(fabs((double)sdx.p[j] - rsdx.p[j]) <= 8.0 * bound))
            fail_msg("bn_backward_sums[%zu] (n %zu c %zu s %zu): got %g %g, scalar %g %g", j, n, c,
                     s, (double)sdy.p[j], (double)sdx.p[j], (double)rsdy.p[j], (double)rsdx.p[j]);
    }
    buf_canaries(&sdy);
    buf_canaries(&sdx);

    buf dx = buf_new(len, (off + 3) % 4), rdx = buf_new(len, 0);
    ref->bn_backward_dx(n, c, s, x.p, dy.p, rmean.p, k.p, gm.p, alpha.p, rdx.p);
    isa->bn_backward_dx(n, c, s, x.p, dy.p, rmean.p, k.p, gm.p, alpha.p, dx.p);
    assert_same(dx.p, rdx.p, len, "bn_backward_dx");
    buf_canaries(&dx);
    buf di = buf_copy(&dy, off); /* in place over dy */
    isa->bn_backward_dx(n, c, s, x.p, di.p, rmean.p, k.p, gm.p, alpha.p, di.p);
    assert_same(di.p, rdx.p, len, "bn_backward_dx in place");

    buf all[] = {x, dy, mean, var, rmean, rvar, alpha, beta, k, gm, y, ry, xi, sdy, sdx, rsdy, rsdx, dx, rdx, di};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i].base);
}

static void check_ln(const dsc_kernels *ref, const dsc_kernels *isa, size_t rows, size_t d,
                     size_t off) {
    const size_t len = rows * d;
    buf x = buf_new(len, off), dy = buf_new(len, (off + 1) % 4);
    buf_fill(&x, -2.0f, 3.0f);
    buf_fill(&dy, -1.0f, 1.0f);
    buf mean = buf_new(rows, 0), var = buf_new(rows, 1), rstd = buf_new(rows, 2);
    ref->bn_moments(1, rows, d, x.p, mean.p, var.p);
    for (size_t r = 0; r < rows; r++) rstd.p[r] = (float)(1.0 / sqrt((double)var.p[r] + 1e-5));
    buf w = buf_new(d, 0), b = buf_new(d, 1);
    buf_fill(&w, 0.5f, 1.5f);
    buf_fill(&b, -0.5f, 0.5f);

    buf y = buf_new(len, (off + 2) % 4), ry = buf_new(len, 0);
    ref->ln_apply(rows, d, x.p, mean.p, rstd.p, w.p, b.p, ry.p);
    isa->ln_apply(rows, d, x.p, mean.p, rstd.p, w.p, b.p, y.p);
    assert_same(y.p, ry.p, len, "ln_apply");
    buf_canaries(&y);

    buf dx = buf_new(len, (off + 3) % 4), rdx = buf_new(len, 0);
    buf dw = buf_new(d, off), db = buf_new(d, 0), rdw = buf_new(d, 1), rdb = buf_new(d, 2);
    buf_fill(&dw, -0.1f, 0.1f); /* accumulates into what is there */
    buf_fill(&db, -0.1f, 0.1f);
    memcpy(rdw.p, dw.p, d * sizeof(float));
    memcpy(rdb.p, db.p, d * sizeof(float));
    ref->ln_backward(rows, d, x.p, dy.p, mean.p, rstd.p, w.p, rdx.p, rdw.p, rdb.p);
    isa->ln_backward(rows, d, x.p, dy.p, mean.p, rstd.p, w.p, dx.p, dw.p, db.p);
    assert_same(dw.p, rdw.p, d, "ln_backward dw");
    assert_same(db.p, rdb.p, d, "ln_backward db");
    for (size_t r = 0; r < rows; r++)
        assert_scaled(dx.p + r * d, rdx.p + r * d, d, 2e-6, "ln_backward dx");
    buf_canaries(&dx);
    buf_canaries(&dw);
    buf_canaries(&db);
    /* in place over dy, and dx NULL (dw, db only) */
    buf di = buf_copy(&dy, off), dw2 = buf_copy(&rdw, 0), db2 = buf_copy(&rdb, 0);
    isa->ln_backward(rows, d, x.p, di.p, mean.p, rstd.p, w.p, di.p, dw.p, db.p);
    assert_memory_equal(di.p, dx.p, len * sizeof(float));
    isa->ln_backward(rows, d, x.p, dy.p, mean.p, rstd.p, w.p, NULL, dw2.p, db2.p);
    assert_memory_equal(dw2.p, dw.p, d * sizeof(float));
    assert_memory_equal(db2.p, db.p, d * sizeof(float));

    buf all[] = {x, dy, mean, var, rstd, w, b, y, ry, dx, rdx, dw, db, rdw, rdb, di, dw2, db2};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i].base);
}

static void test_kernels_norm_every_isa_matches_scalar(void **state) {
    (void)state;
    const dsc_kernels *ref = dsc__kernels_for(DSC_ISA_SCALAR);
    assert_non_null(ref);
    static const size_t ns[] = {1, 2, 3, 8, 33};
    static const size_t cs[] = {1, 3, 4, 7, 15, 16, 17, 33};
    static const size_t ss[] = {1, 2, 5, 8, 9, 16, 17, 31, 49};
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *isa = dsc__kernels_for((dsc_isa_id)id);
        if (isa == NULL) continue;
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof cs / sizeof cs[0]; b++)
                for (size_t c = 0; c < sizeof ss / sizeof ss[0]; c++) {
                    check_bn(ref, isa, ns[a], cs[b], ss[c], (a + b + c) % 4);
                    check_ln(ref, isa, ns[a] * cs[b], ss[c], (a + c) % 4);
                }
        check_bn(ref, isa, 257, 19, 1, 1);   /* a long column: Kahan */
        check_bn(ref, isa, 7, 3, 28 * 28, 3); /* image-sized runs */
        check_ln(ref, isa, 5, 1031, 2);
    }
}

/* Hand-worked values: x = 1, 2, 3, 4 in one channel has mean 2.5 and biased
 * variance 1.25; as two channels of a [2][2] batch, means 2, 3, variances 1. */
static void test_kernels_norm_moments_by_hand(void **state) {
    (void)state;
    const float x[4] = {1, 2, 3, 4};
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        float m[2] = {0}, v[2] = {0};
        k->bn_moments(1, 1, 4, x, m, v);
        assert_true(m[0] == 2.5f && v[0] == 1.25f);
        k->bn_moments(2, 2, 1, x, m, v);
        assert_true(m[0] == 2.0f && m[1] == 3.0f && v[0] == 1.0f && v[1] == 1.0f);
        k->bn_moments(4, 1, 1, x, m, v);
        assert_true(m[0] == 2.5f && v[0] == 1.25f);
    }
}

/* Far from zero (mean 1000, spread 1) a one-pass E[x^2] - E[x]^2 in float
 * loses every digit; the centred passes keep the variance to 1e-5 of the
 * long double value, on every ISA and both loop shapes. */
static void test_kernels_norm_moments_far_from_zero(void **state) {
    (void)state;
    enum { N = 4001 };
    float *x = malloc(N * sizeof(float));
    assert_non_null(x);
    long double sum = 0;
    for (size_t i = 0; i < N; i++) {
        x[i] = 1000.0f + frand(-1.0f, 1.0f);
        sum += x[i];
    }
    const long double mu = sum / N;
    long double sq = 0;
    for (size_t i = 0; i < N; i++) sq += (x[i] - mu) * (x[i] - mu);
    const double want = (double)(sq / N);
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        float m, v;
        k->bn_moments(1, 1, N, x, &m, &v); /* one run */
        assert_true(fabs(m - (double)mu) <= 1e-4 && fabs(v - want) <= 1e-5 * want);
        k->bn_moments(N, 1, 1, x, &m, &v); /* one column */
        assert_true(fabs(m - (double)mu) <= 1e-4 && fabs(v - want) <= 1e-5 * want);
    }
    free(x);
}

/* n = 0 (or c = 0) touches no memory: NULL pointers are fine. */
static void test_kernels_norm_empty_touches_nothing(void **state) {
    (void)state;
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        k->bn_moments(3, 0, 5, NULL, NULL, NULL);
        k->bn_apply(0, 4, 5, NULL, NULL, NULL, NULL, NULL);
        k->bn_backward_sums(3, 0, 1, NULL, NULL, NULL, NULL, NULL);
        k->bn_backward_dx(0, 4, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        k->ln_apply(0, 7, NULL, NULL, NULL, NULL, NULL, NULL);
        k->ln_backward(0, 7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_norm_every_isa_matches_scalar),
        cmocka_unit_test(test_kernels_norm_moments_by_hand),
        cmocka_unit_test(test_kernels_norm_moments_far_from_zero),
        cmocka_unit_test(test_kernels_norm_empty_touches_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
