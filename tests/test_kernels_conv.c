/* Convolution as GEMM (lib/nn/conv_gemm.c) on every kernel set this CPU
 * runs, against direct double-precision loops over the definition
 * (torch.nn.Conv1d/Conv2d: cross-correlation, zero padding, stride,
 * dilation, groups, optional bias): output, weight, bias and input
 * gradients, for random odd geometries (1-d and 2-d, batches of 1-3). The
 * tolerance of each value is 2e-5 times the sum of the magnitudes of its
 * terms (float sums of at most a few hundred products). */
#include "harness.h"
#include "kernels/kernels.h"
#include "nn/conv_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x853c49e6748fea9bull;
static uint32_t rnd(uint32_t n) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}
static float frand(void) { return (float)rnd(2001) / 1000.0f - 1.0f; }

static float *buf(size_t n) {
    float *p = calloc(n + 1, sizeof *p);
    assert_non_null(p);
    return p;
}

static void random_geom(dsc__conv_geom *g) {
    for (;;) {
        memset(g, 0, sizeof *g);
        const int one_d = rnd(3) == 0;
        g->groups = 1 + rnd(3);
        g->in_c = g->groups * (1 + rnd(3));
        g->out_c = g->groups * (1 + rnd(3));
        g->kh = one_d ? 1 : 1 + rnd(3);
        g->kw = 1 + rnd(4);
        g->sh = one_d ? 1 : 1 + rnd(3);
        g->sw = 1 + rnd(3);
        g->dh = one_d ? 1 : 1 + rnd(2);
        g->dw = 1 + rnd(3);
        g->ph = one_d ? 0 : rnd(3);
        g->pw = rnd(3);
        g->ih = one_d ? 1 : 1 + rnd(11);
        g->iw = 1 + rnd(17);
        const size_t eh = g->dh * (g->kh - 1) + 1, ew = g->dw * (g->kw - 1) + 1;
        if (g->ih + 2 * g->ph < eh || g->iw + 2 * g->pw < ew) continue;
        g->oh = (g->ih + 2 * g->ph - eh) / g->sh + 1;
        g->ow = (g->iw + 2 * g->pw - ew) / g->sw + 1;
        return;
    }
}

/* Input coordinate of a tap, -1 outside (zero padding). */
static long long at(size_t o, size_t t, size_t s, size_t p, size_t d, size_t n) {
    const long long v = (long long)(o * s + t * d) - (long long)p;
    return v >= 0 && v < (long long)n ? v : -1;
}

static void check_near(double got, double want, double mag) {
    if (fabs(got - want) > 2e-5 * mag + 1e-7) fail_msg("got %.9g, want %.9g (terms %.3g)", got, want, mag);
}

static void check_one(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch, int bias) {
    const size_t cg = g->in_c / g->groups, og = g->out_c / g->groups;
    const size_t nx = batch * g->in_c * g->ih * g->iw, ny = batch * g->out_c * g->oh * g->ow;
    const size_t nw = g->out_c * cg * g->kh * g->kw;
    float *x = buf(nx), *w = buf(nw), *b = buf(g->out_c), *y = buf(ny), *dy = buf(ny), *dx = buf(nx),
          *dw = buf(nw), *db = buf(g->out_c), *scratch = buf(dsc__conv_scratch_floats(g, batch)),
          *ws = buf(k->gemm_ws_floats + 16);
    double *rdx = calloc(nx, sizeof *rdx), *mdx = calloc(nx, sizeof *mdx), *rdw = calloc(nw, sizeof *rdw),
           *mdw = calloc(nw, sizeof *mdw);
    assert_non_null(rdx), assert_non_null(mdx), assert_non_null(rdw), assert_non_null(mdw);
    for (size_t i = 0; i < nx; i++) x[i] = frand();
    for (size_t i = 0; i < nw; i++) w[i] = frand();
    for (size_t i = 0; i < g->out_c; i++) b[i] = frand(), db[i] = 0.5f;
    for (size_t i = 0; i < ny; i++) dy[i] = frand();
    for (size_t i = 0; i < nw; i++) dw[i] = 0.25f; /* gradients accumulate */
    float *wsa = (float *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
    dsc__conv_forward(k, g, batch, x, w, bias ? b : NULL, y, scratch, k->gemm_ws_floats ? wsa : NULL);
    dsc__conv_backward(k, g, batch, w, dy, dw, bias ? db : NULL, dx, scratch,
                       k->gemm_ws_floats ? wsa : NULL);
    double db_ref[64] = {0}, db_mag[64] = {0};
    for (size_t s = 0; s < batch; s++)
        for (size_t o = 0; o < g->out_c; o++)
            for (size_t r = 0; r < g->oh; r++)
                for (size_t c = 0; c < g->ow; c++) {
                    const size_t yi = ((s * g->out_c + o) * g->oh + r) * g->ow + c;
                    double acc = bias ? b[o] : 0.0, mag = fabs(acc);
                    const double gy = dy[yi];
                    db_ref[o] += gy, db_mag[o] += fabs(gy);
                    for (size_t ci = 0; ci < cg; ci++)
                        for (size_t i = 0; i < g->kh; i++)
                            for (size_t j = 0; j < g->kw; j++) {
                                const long long ir = at(r, i, g->sh, g->ph, g->dh, g->ih);
                                const long long ic = at(c, j, g->sw, g->pw, g->dw, g->iw);
                                if (ir < 0 || ic < 0) continue;
                                const size_t ch = (o / og) * cg + ci;
                                const size_t xi = ((s * g->in_c + ch) * g->ih + (size_t)ir) * g->iw + (size_t)ic;
                                const size_t wi = ((o * cg + ci) * g->kh + i) * g->kw + j;
                                acc += (double)w[wi] * x[xi], mag += fabs((double)w[wi] * x[xi]);
                                rdx[xi] += gy * w[wi], mdx[xi] += fabs(gy * w[wi]);
                                rdw[wi] += gy * x[xi], mdw[wi] += fabs(gy * x[xi]);
                            }
                    check_near(y[yi], acc, mag);
                }
    for (size_t i = 0; i < nx; i++) check_near(dx[i], rdx[i], mdx[i]);
    for (size_t i = 0; i < nw; i++) check_near(dw[i], 0.25 + rdw[i], 0.25 + mdw[i]);
    for (size_t o = 0; o < g->out_c; o++)
        if (bias) check_near(db[o], 0.5 + db_ref[o], 0.5 + db_mag[o]);
        else assert_true(db[o] == 0.5f);
    /* The patches survive a backward pass: a second one gives the same dx. */
    float *dx2 = buf(nx);
    dsc__conv_backward(k, g, batch, w, dy, dw, NULL, dx2, scratch, k->gemm_ws_floats ? wsa : NULL);
    assert_memory_equal(dx2, dx, nx * sizeof *dx);
    free(dx2);
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db), free(scratch), free(ws);
    free(rdx), free(mdx), free(rdw), free(mdw);
}

static void test_conv_every_isa_matches_definition(void **state) {
    (void)state;
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (int t = 0; t < 300; t++) {
            dsc__conv_geom g;
            random_geom(&g);
            check_one(k, &g, 1 + rnd(3), t % 4 != 0);
        }
        /* Larger, so the GEMMs take their packed paths. */
        dsc__conv_geom big = {12, 40, 2, 13, 11, 13, 11, 3, 3, 1, 1, 1, 1, 1, 1};
        check_one(k, &big, 9, 1);
    }
}

/* Trap 16 of the reference format: with stride 2 and dilation 2, inputs
 * between the taps are never read, so their gradient is exactly 0. */
static void test_conv_unread_inputs_get_zero_gradient(void **state) {
    (void)state;
    const dsc__conv_geom g = {1, 1, 1, 1, 9, 1, 3, 1, 3, 1, 2, 0, 0, 1, 2};
    float x[9], w[3] = {1, 2, 3}, y[3], dy[3] = {1, 1, 1}, dx[9], dw[3] = {0}, scratch[64];
    for (int i = 0; i < 9; i++) x[i] = (float)i;
    assert_true(dsc__conv_scratch_floats(&g, 1) <= 64);
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        float *ws = k->gemm_ws_floats ? aligned_alloc(64, (k->gemm_ws_floats * 4 + 63) / 64 * 64) : NULL;
        dsc__conv_forward(k, &g, 1, x, w, NULL, y, scratch, ws);
        /* taps 0, 2, 4 / 2, 4, 6 / 4, 6, 8 */
        assert_true(y[0] == 0 + 4 + 12 && y[1] == 2 + 8 + 18 && y[2] == 4 + 12 + 24);
        dsc__conv_backward(k, &g, 1, w, dy, dw, NULL, dx, scratch, ws);
        const float want[9] = {1, 0, 3, 0, 6, 0, 5, 0, 3};
        assert_memory_equal(dx, want, sizeof want);
        free(ws);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_every_isa_matches_definition),
        cmocka_unit_test(test_conv_unread_inputs_get_zero_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
