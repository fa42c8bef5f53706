/* The pooling kernels (maxpool_fwd/bwd, avgpool_fwd/bwd) of every ISA this
 * CPU runs, against the scalar reference, bit for bit: random geometries
 * (kernel 1-4, stride 1-3, dilation 1-3, padding up to half the kernel,
 * floor and ceil output sizes, planes of 1-19 columns so every vector tail
 * occurs), inputs with ties, -inf and NaN, canaries past every output. The
 * scalar reference itself is checked against a direct transcription of the
 * definitions (windows over an explicitly padded plane) and a few values
 * worked out by hand. */
#include "harness.h"
#include "kernels/kernels.h"
#include "kernels/pool_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 8
static const float canary_value = -88.0f;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint32_t rnd(uint32_t n) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

/* PyTorch's output size (pooling_output_shape): floor or ceil, and with ceil
 * the last window must start inside the input or its left padding. */
static size_t out_size(size_t n, size_t k, size_t s, size_t p, size_t d, int ceil_mode) {
    const size_t span = n + 2 * p - d * (k - 1) - 1;
    size_t o = (span + (ceil_mode ? s - 1 : 0)) / s + 1;
    if (ceil_mode && (o - 1) * s >= n + p) o--;
    return o;
}

static int taps_inside(size_t o, size_t n, size_t k, size_t s, size_t p, size_t d) {
    for (size_t r = 0; r < o; r++) {
        int any = 0;
        for (size_t i = 0; i < k; i++) {
            const long long t = (long long)(r * s + i * d) - (long long)p;
            any |= t >= 0 && t < (long long)n;
        }
        if (!any) return 0;
    }
    return 1;
}

static void random_geom(dsc_pool_geom *g, int avg) {
    for (;;) {
        memset(g, 0, sizeof *g);
        g->planes = 1 + rnd(3);
        const int one_d = rnd(4) == 0;
        g->kh = one_d ? 1 : 1 + rnd(4);
        g->kw = 1 + rnd(4);
        g->sh = one_d ? 1 : 1 + rnd(3);
        g->sw = 1 + rnd(3);
        g->dh = avg || one_d ? 1 : 1 + rnd(3);
        g->dw = avg ? 1 : 1 + rnd(3);
        g->ph = rnd((uint32_t)(g->kh / 2 + 1));
        g->pw = rnd((uint32_t)(g->kw / 2 + 1));
        g->ih = one_d ? 1 : 1 + rnd(13);
        g->iw = 1 + rnd(19);
        g->count_include_pad = (int)rnd(2);
        const int ceil_mode = (int)rnd(2);
        if (g->ih + 2 * g->ph < g->dh * (g->kh - 1) + 1) continue;
        if (g->iw + 2 * g->pw < g->dw * (g->kw - 1) + 1) continue;
        g->oh = out_size(g->ih, g->kh, g->sh, g->ph, g->dh, ceil_mode);
        g->ow = out_size(g->iw, g->kw, g->sw, g->pw, g->dw, ceil_mode);
        /* Every max window must hold an input cell (the layers refuse the rest). */
        if (!avg && (!taps_inside(g->oh, g->ih, g->kh, g->sh, g->ph, g->dh) ||
                     !taps_inside(g->ow, g->iw, g->kw, g->sw, g->pw, g->dw)))
            continue;
        return;
    }
}

/* Values on a coarse grid (ties), some -inf and NaN when `specials`. */
static void fill(float *x, size_t n, int specials) {
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)((int)rnd(15) - 7) * 0.25f;
        if (specials && rnd(23) == 0) x[i] = -INFINITY;
        if (specials && rnd(41) == 0) x[i] = NAN;
    }
}

static float *with_canary(size_t n) {
    float *p = malloc((n + CANARY) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n + CANARY; i++) p[i] = canary_value;
    return p;
}

static void assert_canary(const float *p, size_t n) {
    for (size_t i = n; i < n + CANARY; i++) assert_true(p[i] == canary_value);
}

static void assert_same_bits(const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))) || signbit(a[i]) != signbit(b[i]))
            fail_msg("element %zu: %.9g vs %.9g", i, (double)a[i], (double)b[i]);
}

/* The definitions over an explicitly padded plane (value `pad` outside). */
static float at(const dsc_pool_geom *g, const float *xp, long long r, long long c, float pad,
                int *inside) {
    *inside = r >= 0 && c >= 0 && r < (long long)g->ih && c < (long long)g->iw;
    return *inside ? xp[r * (long long)g->iw + c] : pad;
}

static void direct_max(const dsc_pool_geom *g, const float *x, float *y, int32_t *idx) {
    for (size_t q = 0; q < g->planes; q++)
        for (size_t r = 0; r < g->oh; r++)
            for (size_t c = 0; c < g->ow; c++) {
                float m = -INFINITY;
                long long best = -1;
                for (size_t i = 0; i < g->kh; i++)
                    for (size_t j = 0; j < g->kw; j++) {
                        const long long rr = (long long)(r * g->sh + i * g->dh) - (long long)g->ph;
                        const long long cc = (long long)(c * g->sw + j * g->dw) - (long long)g->pw;
                        int inside;
                        const float v = at(g, x + q * g->ih * g->iw, rr, cc, -INFINITY, &inside);
                        if (inside && best < 0) best = rr * (long long)g->iw + cc; /* first valid tap */
                        if (inside && (v > m || isnan(v))) {
                            m = v;
                            best = rr * (long long)g->iw + cc;
                        }
                    }
                y[(q * g->oh + r) * g->ow + c] = m;
                idx[(q * g->oh + r) * g->ow + c] = (int32_t)best;
            }
}

static void direct_avg(const dsc_pool_geom *g, const float *x, float *y) {
    for (size_t q = 0; q < g->planes; q++)
        for (size_t r = 0; r < g->oh; r++)
            for (size_t c = 0; c < g->ow; c++) {
                float s = 0.0f;
                size_t inside_n = 0, padded_n = 0;
                for (size_t i = 0; i < g->kh; i++)
                    for (size_t j = 0; j < g->kw; j++) {
                        const long long rr = (long long)(r * g->sh + i) - (long long)g->ph;
                        const long long cc = (long long)(c * g->sw + j) - (long long)g->pw;
                        int inside;
                        const float v = at(g, x + q * g->ih * g->iw, rr, cc, 0.0f, &inside);
                        if (inside) s += v, inside_n++;
                        if (rr < (long long)(g->ih + g->ph) && cc < (long long)(g->iw + g->pw)) padded_n++;
                    }
                const size_t div = g->count_include_pad ? padded_n : inside_n;
                y[(q * g->oh + r) * g->ow + c] = inside_n == 0 ? 0.0f : s / (float)div;
            }
}

static void check_max(const dsc_kernels *ref, const dsc_kernels *k, const dsc_pool_geom *g, int specials) {
    const size_t nin = g->planes * g->ih * g->iw, nout = g->planes * g->oh * g->ow;
    float *x = with_canary(nin), *y0 = with_canary(nout), *y1 = with_canary(nout),
          *ws = with_canary(dsc__pool_ws_floats(g)), *dy = with_canary(nout), *dx0 = with_canary(nin),
          *dx1 = with_canary(nin);
    int32_t *i0 = malloc((nout + 1) * sizeof *i0), *i1 = malloc((nout + 1) * sizeof *i1);
    assert_non_null(i0);
    assert_non_null(i1);
    fill(x, nin, specials);
    fill(dy, nout, 0);
    if (k == ref) {
        direct_max(g, x, y0, i0);
        ref->maxpool_fwd(g, x, y1, i1, ws);
        assert_same_bits(y1, y0, nout);
        assert_memory_equal(i1, i0, nout * sizeof *i0);
    } else {
        ref->maxpool_fwd(g, x, y0, i0, ws);
        k->maxpool_fwd(g, x, y1, i1, ws);
        assert_same_bits(y1, y0, nout);
        assert_memory_equal(i1, i0, nout * sizeof *i0);
    }
    assert_canary(y1, nout);
    assert_canary(ws, dsc__pool_ws_floats(g));
    ref->maxpool_bwd(g, dy, i0, dx0);
    k->maxpool_bwd(g, dy, i1, dx1);
    assert_same_bits(dx1, dx0, nin);
    assert_canary(dx1, nin);
    free(x), free(y0), free(y1), free(ws), free(dy), free(dx0), free(dx1), free(i0), free(i1);
}

static void check_avg(const dsc_kernels *ref, const dsc_kernels *k, const dsc_pool_geom *g) {
    const size_t nin = g->planes * g->ih * g->iw, nout = g->planes * g->oh * g->ow;
    float *x = with_canary(nin), *y0 = with_canary(nout), *y1 = with_canary(nout),
          *ws = with_canary(dsc__pool_ws_floats(g)), *dy = with_canary(nout), *dx0 = with_canary(nin),
          *dx1 = with_canary(nin);
    fill(x, nin, 0);
    for (size_t i = 0; i < nin; i++) x[i] *= 1.0f + (float)i * 1e-3f; /* rounding in the sums */
    fill(dy, nout, 0);
    if (k == ref) direct_avg(g, x, y0);
    else ref->avgpool_fwd(g, x, y0, ws);
    k->avgpool_fwd(g, x, y1, ws);
    assert_same_bits(y1, y0, nout);
    assert_canary(y1, nout);
    assert_canary(ws, dsc__pool_ws_floats(g));
    ref->avgpool_bwd(g, dy, dx0);
    k->avgpool_bwd(g, dy, dx1);
    assert_same_bits(dx1, dx0, nin);
    assert_canary(dx1, nin);
    free(x), free(y0), free(y1), free(ws), free(dy), free(dx0), free(dx1);
}

static void test_pool_every_isa_matches_scalar(void **state) {
    (void)state;
    const dsc_kernels *ref = dsc__kernels_for(DSC_ISA_SCALAR);
    assert_non_null(ref);
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (int t = 0; t < 1500; t++) {
            dsc_pool_geom g;
            random_geom(&g, 0);
            check_max(ref, k, &g, t % 3 == 0);
            random_geom(&g, 1);
            check_avg(ref, k, &g);
        }
    }
}

/* Hand-worked values: a 3 x 4 plane. */
static void test_pool_known_values(void **state) {
    (void)state;
    static const float x[12] = {1, 5, 2, 0, 3, 5, 4, 1, -1, 2, 7, 6};
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        float y[8], ws[64], dx[12];
        int32_t idx[8];
        /* max 2x2 stride 2, ceil_mode: 2 x 2 outputs, the second row reads
         * only row 2; 5 at 1 and 5 at 5 tie: the first (1) wins. */
        dsc_pool_geom g = {1, 3, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0};
        assert_true(dsc__pool_ws_floats(&g) <= 64);
        k->maxpool_fwd(&g, x, y, idx, ws);
        const float ym[4] = {5, 4, 2, 7};
        const int32_t im[4] = {1, 6, 9, 10};
        assert_memory_equal(y, ym, sizeof ym);
        assert_memory_equal(idx, im, sizeof im);
        const float dy[4] = {1, 2, 3, 4};
        k->maxpool_bwd(&g, dy, idx, dx);
        const float dxm[12] = {0, 1, 0, 0, 0, 0, 2, 0, 0, 3, 4, 0};
        assert_memory_equal(dx, dxm, sizeof dxm);
        /* avg 3x3 stride 2 padding 1, 2 x 2 outputs (sums 14, 17, 9, 25);
         * with padding counted every divisor is 9, without it 4, 6, 4, 6
         * cells (the right column of windows reads columns 1-3). */
        dsc_pool_geom a = {1, 3, 4, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1};
        k->avgpool_fwd(&a, x, y, ws);
        const float ya[4] = {14.0f / 9, 17.0f / 9, 9.0f / 9, 25.0f / 9};
        assert_memory_equal(y, ya, sizeof ya);
        a.count_include_pad = 0;
        k->avgpool_fwd(&a, x, y, ws);
        const float yb[4] = {14.0f / 4, 17.0f / 6, 9.0f / 4, 25.0f / 6};
        assert_memory_equal(y, yb, sizeof yb);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_every_isa_matches_scalar),
        cmocka_unit_test(test_pool_known_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
