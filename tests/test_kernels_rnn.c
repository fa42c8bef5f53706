/* The recurrent cell kernels (lstm_fwd, lstm_bwd, gru_fwd, gru_bwd) of every
 * kernel set this machine runs, against scalar (checkasm style): hidden
 * sizes 1..19 and odd larger ones (vector tails), 1 and 3 rows, row strides
 * wider than a row, the broadcast ldgh = 0 row and the NULL (zero) previous
 * state, canaries after every output.
 *
 * Tolerances against scalar:
 *   forward (vmath.h's sigmoid and tanh)     rtol 4e-6, atol 4e-7
 *   backward (no transcendental, no FMA)     exact (bit-identical)
 * and scalar itself against the cell in double: forward within 2e-6, and
 * backward against central differences of the double forward (1e-3
 * relative: float gradients, double differences). */
#include "harness.h"
#include "kernels/kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PAD 8
static const float canary = -88.0f;

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static float uniform(float lo, float hi) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((double)(rng_state >> 40) / 16777216.0);
}

static const size_t hsizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 16, 17, 19, 31, 33, 64, 65};
#define NH (sizeof hsizes / sizeof hsizes[0])

/* n floats followed by PAD canaries. */
static float *alloc_out(size_t n) {
    float *p = malloc((n + PAD) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n + PAD; i++) p[i] = canary;
    return p;
}
static float *alloc_rand(size_t n, float lo, float hi) {
    float *p = alloc_out(n);
    for (size_t i = 0; i < n; i++) p[i] = uniform(lo, hi);
    return p;
}
static void check_canary(const float *p, size_t n, const char *isa, const char *what) {
    for (size_t i = 0; i < PAD; i++)
        if (memcmp(&p[n + i], &canary, sizeof canary) != 0)
            fail_msg("%s %s: wrote %zu past the end", isa, what, i);
}
static void near(const float *got, const float *want, size_t n, double rtol, double atol,
                 const char *isa, const char *what, size_t h) {
    for (size_t i = 0; i < n; i++) {
        const double g = got[i], w = want[i];
        if (rtol == 0.0 && atol == 0.0 ? memcmp(&got[i], &want[i], sizeof got[i]) != 0
                                       : !(fabs(g - w) <= rtol * fabs(w) + atol))
            fail_msg("%s %s h=%zu [%zu]: got %.9g, want %.9g", isa, what, h, i, g, w);
    }
}

/* Strided operands of one step: m rows, row stride wider than the row
 * where the contract allows it. */
typedef struct {
    size_t m, h, G, rec_w;
    size_t ldgx, ldgh, ldy;
    float *gx, *gh, *prev, *hprev, *dy, *dhr, *dstate;
} step;

static void step_new(step *s, size_t m, size_t h, int lstm, int broadcast) {
    s->m = m, s->h = h, s->G = lstm ? 4 : 3, s->rec_w = (lstm ? 6 : 4) * h;
    s->ldgx = s->G * h + 3, s->ldgh = broadcast ? 0 : s->G * h, s->ldy = 2 * h + 1;
    s->gx = alloc_rand(m * s->ldgx, -3.0f, 3.0f);
    s->gh = alloc_rand(m * s->G * h, -3.0f, 3.0f);
    /* a previous record: plausible gates in (0,1), c in (-2, 2) */
    s->prev = alloc_rand(m * s->rec_w, 0.01f, 0.99f);
    if (lstm)
        for (size_t r = 0; r < m; r++)
            for (size_t j = 0; j < h; j++) s->prev[r * s->rec_w + 4 * h + j] = uniform(-2, 2);
    s->hprev = alloc_rand(m * s->ldy, -1.0f, 1.0f);
    s->dy = alloc_rand(m * s->ldy, -1.0f, 1.0f);
    s->dhr = alloc_rand(m * h, -1.0f, 1.0f);
    s->dstate = alloc_rand(m * h, -1.0f, 1.0f);
}
static void step_free(step *s) {
    free(s->gx), free(s->gh), free(s->prev), free(s->hprev), free(s->dy), free(s->dhr);
    free(s->dstate);
}

/* One forward with NULL or given previous state, into fresh outputs. */
static void run_fwd(const dsc_kernels *k, const step *s, int lstm, int first, float *rec,
                    float *y) {
    if (lstm)
        k->lstm_fwd(s->m, s->h, s->gx, s->ldgx, s->gh, s->ldgh, first ? NULL : s->prev, rec, y,
                    s->ldy);
    else
        k->gru_fwd(s->m, s->h, s->gx, s->ldgx, s->gh, s->ldgh, first ? NULL : s->hprev, s->ldy,
                   rec, y, s->ldy);
}

static void run_bwd(const dsc_kernels *k, const step *s, int lstm, int first, int last,
                    const float *rec, float *state, float *dgx, float *dgh) {
    memcpy(state, s->dstate, s->m * s->h * sizeof *state);
    if (lstm)
        k->lstm_bwd(s->m, s->h, rec, first ? NULL : s->prev, s->dy, s->ldy, last ? NULL : s->dhr,
                    state, dgx, s->ldgx);
    else
        k->gru_bwd(s->m, s->h, rec, first ? NULL : s->hprev, s->ldy, s->dy, s->ldy,
                   last ? NULL : s->dhr, state, dgx, s->ldgx, dgh);
}

static void cell_vs_scalar(int lstm) {
    const dsc_kernels *ref = dsc__kernels_for(DSC_ISA_SCALAR);
    assert_non_null(ref);
    for (int id = 1; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        for (size_t hi = 0; hi < NH; hi++)
            for (size_t m = 1; m <= 3; m += 2)
                for (int v = 0; v < 4; v++) { /* bit 0: first step; bit 1: broadcast gh */
                    const size_t h = hsizes[hi];
                    const int first = v & 1;
                    step s;
                    step_new(&s, m, h, lstm, (v & 2) != 0);
                    const size_t nrec = m * s.rec_w, ny = m * s.ldy, ng = m * s.ldgx;
                    float *rec0 = alloc_out(nrec), *rec1 = alloc_out(nrec);
                    float *y0 = alloc_out(ny), *y1 = alloc_out(ny);
                    run_fwd(ref, &s, lstm, first, rec0, y0);
                    run_fwd(k, &s, lstm, first, rec1, y1);
                    check_canary(rec1, nrec, k->isa, "rec");
                    check_canary(y1, ny, k->isa, "y");
                    near(rec1, rec0, nrec, 4e-6, 4e-7, k->isa, lstm ? "lstm_fwd rec" : "gru_fwd rec", h);
                    near(y1, y0, ny, 4e-6, 4e-7, k->isa, lstm ? "lstm_fwd y" : "gru_fwd y", h);
                    /* backward from the scalar record, both with and without dhr */
                    for (int last = 0; last < 2; last++) {
                        float *st0 = alloc_out(m * h), *st1 = alloc_out(m * h);
                        float *dgx0 = alloc_out(ng), *dgx1 = alloc_out(ng);
                        float *dgh0 = alloc_out(m * 3 * h), *dgh1 = alloc_out(m * 3 * h);
                        run_bwd(ref, &s, lstm, first, last, rec0, st0, dgx0, dgh0);
                        run_bwd(k, &s, lstm, first, last, rec0, st1, dgx1, dgh1);
                        check_canary(st1, m * h, k->isa, "state");
                        check_canary(dgx1, ng, k->isa, "dg");
                        check_canary(dgh1, m * 3 * h, k->isa, "dgh");
                        near(st1, st0, m * h, 0, 0, k->isa, lstm ? "lstm_bwd dc" : "gru_bwd dhz", h);
                        near(dgx1, dgx0, ng, 0, 0, k->isa, lstm ? "lstm_bwd dg" : "gru_bwd dgx", h);
                        if (!lstm) near(dgh1, dgh0, m * 3 * h, 0, 0, k->isa, "gru_bwd dgh", h);
                        free(st0), free(st1), free(dgx0), free(dgx1), free(dgh0), free(dgh1);
                    }
                    free(rec0), free(rec1), free(y0), free(y1);
                    step_free(&s);
                }
    }
}

static void test_kernels_lstm_vs_scalar(void **state) {
    (void)state;
    cell_vs_scalar(1);
}

static void test_kernels_gru_vs_scalar(void **state) {
    (void)state;
    cell_vs_scalar(0);
}

/* ---- scalar against the cell in double ---------------------------------- */

static double sigm_d(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One sample's cell in double: a = gh + gx (G*h), state = c_prev (LSTM) or
 * h_prev (GRU); writes y and, for LSTM, c. */
static void cell_d(int lstm, size_t h, const double *gx, const double *gh, const double *prev,
                   double *y, double *c) {
    for (size_t j = 0; j < h; j++) {
        if (lstm) {
            const double i = sigm_d(gh[j] + gx[j]), f = sigm_d(gh[h + j] + gx[h + j]);
            const double g = tanh(gh[2 * h + j] + gx[2 * h + j]);
            const double o = sigm_d(gh[3 * h + j] + gx[3 * h + j]);
            c[j] = f * prev[j] + i * g;
            y[j] = o * tanh(c[j]);
        } else {
            const double r = sigm_d(gh[j] + gx[j]), z = sigm_d(gh[h + j] + gx[h + j]);
            const double n = tanh(gx[2 * h + j] + r * gh[2 * h + j]);
            y[j] = (1.0 - z) * n + z * prev[j];
        }
    }
}

/* L = sum(w_y * y) + sum(w_c * c): its derivative by central differences
 * with respect to element e of which (0 gx, 1 gh, 2 prev). */
static double fd(int lstm, size_t h, double *gx, double *gh, double *prev, const double *wy,
                 const double *wc, int which, size_t e) {
    double *v = which == 0 ? gx : which == 1 ? gh : prev;
    const double eps = 1e-6, keep = v[e];
    double y[80], c[80], L[2];
    for (int s = 0; s < 2; s++) {
        v[e] = keep + (s ? -eps : eps);
        cell_d(lstm, h, gx, gh, prev, y, c);
        L[s] = 0.0;
        for (size_t j = 0; j < h; j++) L[s] += wy[j] * y[j] + (lstm ? wc[j] * c[j] : 0.0);
    }
    v[e] = keep;
    return (L[0] - L[1]) / (2 * eps);
}

static void cell_vs_double(int lstm) {
    const dsc_kernels *k = dsc__kernels_for(DSC_ISA_SCALAR);
    const size_t G = lstm ? 4 : 3;
    for (size_t h = 1; h <= 33; h += 4) {
        step s;
        step_new(&s, 1, h, lstm, 0);
        float *rec = alloc_out(s.rec_w), *y = alloc_out(s.ldy);
        run_fwd(k, &s, lstm, 0, rec, y);
        double gx[4 * 33], gh[4 * 33], prev[33], yd[33], cd[33], wy[33], wc[33];
        for (size_t e = 0; e < G * h; e++) gx[e] = s.gx[e], gh[e] = s.gh[e];
        for (size_t j = 0; j < h; j++) prev[j] = lstm ? s.prev[4 * h + j] : s.hprev[j];
        cell_d(lstm, h, gx, gh, prev, yd, cd);
        for (size_t j = 0; j < h; j++) {
            assert_true(fabs(y[j] - yd[j]) <= 2e-6);
            if (lstm) assert_true(fabs(rec[4 * h + j] - cd[j]) <= 2e-6);
        }
        /* backward: dh = dy + dhr (+ dhz for GRU), dc in = dstate (LSTM) */
        float *st = alloc_out(h), *dgx = alloc_out(s.ldgx), *dgh = alloc_out(3 * h);
        run_bwd(k, &s, lstm, 0, 0, rec, st, dgx, dgh);
        for (size_t j = 0; j < h; j++) {
            wy[j] = (double)s.dy[j] + s.dhr[j] + (lstm ? 0.0 : s.dstate[j]);
            wc[j] = lstm ? s.dstate[j] : 0.0;
        }
        for (size_t e = 0; e < G * h; e++) {
            const double want = fd(lstm, h, gx, gh, prev, wy, wc, 0, e);
            if (!(fabs(dgx[e] - want) <= 1e-3 * fabs(want) + 1e-6))
                fail_msg("%s dgx h=%zu [%zu]: %.9g, central difference %.9g", lstm ? "lstm" : "gru",
                         h, e, dgx[e], want);
            if (!lstm) {
                const double wh = fd(lstm, h, gx, gh, prev, wy, wc, 1, e);
                if (!(fabs(dgh[e] - wh) <= 1e-3 * fabs(wh) + 1e-6))
                    fail_msg("gru dgh h=%zu [%zu]: %.9g, central difference %.9g", h, e, dgh[e], wh);
            }
        }
        for (size_t j = 0; j < h; j++) { /* dc_prev (LSTM), h_prev's direct part (GRU) */
            const double want = fd(lstm, h, gx, gh, prev, wy, wc, 2, j);
            if (!(fabs(st[j] - want) <= 1e-3 * fabs(want) + 1e-6))
                fail_msg("%s state h=%zu [%zu]: %.9g, central difference %.9g",
                         lstm ? "lstm" : "gru", h, j, st[j], want);
        }
        free(rec), free(y), free(st), free(dgx), free(dgh);
        step_free(&s);
    }
}

static void test_kernels_lstm_scalar_vs_double(void **state) {
    (void)state;
    cell_vs_double(1);
}

static void test_kernels_gru_scalar_vs_double(void **state) {
    (void)state;
    cell_vs_double(0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_lstm_vs_scalar),
        cmocka_unit_test(test_kernels_gru_vs_scalar),
        cmocka_unit_test(test_kernels_lstm_scalar_vs_double),
        cmocka_unit_test(test_kernels_gru_scalar_vs_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
