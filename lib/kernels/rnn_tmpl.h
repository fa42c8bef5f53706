/* The recurrent cells (lstm_fwd, lstm_bwd, gru_fwd, gru_bwd) written once
 * over an ISA's simd.h layer; each <isa>/rnn.c includes its simd.h, then
 * this file, and calls tmpl_init_rnn() from its family init. Contracts in
 * kernels.h, formulas and PyTorch references in scalar/rnn.c.
 *
 * Each row is walked in whole vectors, then one partial vector for the last
 * h % DSC_VL elements (the body is written once, over a lane count). The
 * forward kernels use vmath.h's sigmoid and tanh (a few ulp from scalar's
 * libm); the backward kernels do scalar's operations in scalar's order
 * without FMA, so they are bit-identical to it. */
#ifndef DSC_KERNELS_RNN_TMPL_H
#define DSC_KERNELS_RNN_TMPL_H

#include "kernels.h"
#include "vmath.h"

/* n lanes from p: whole vector when n == DSC_VL, nothing past p + n else. */
static inline vf rnn_ld(const float *p, size_t n) {
    return n == DSC_VL ? vf_load(p) : vf_load_part(p, n);
}
static inline void rnn_st(float *p, vf v, size_t n) {
    if (n == DSC_VL) vf_store(p, v);
    else vf_store_part(p, v, n);
}
/* An optional operand (NULL reads zeros). */
static inline vf rnn_ld0(const float *p, size_t n) {
    return p != NULL ? rnn_ld(p, n) : vf_zero();
}

static inline void lstm_fwd_lanes(size_t h, size_t n, const float *ax, const float *ah,
                                  const float *cp, float *q, float *y) {
    const vf i = v_sigmoid(vf_add(rnn_ld(ah, n), rnn_ld(ax, n)));
    const vf f = v_sigmoid(vf_add(rnn_ld(ah + h, n), rnn_ld(ax + h, n)));
    const vf g = v_tanh(vf_add(rnn_ld(ah + 2 * h, n), rnn_ld(ax + 2 * h, n)));
    const vf o = v_sigmoid(vf_add(rnn_ld(ah + 3 * h, n), rnn_ld(ax + 3 * h, n)));
    const vf ig = vf_mul(i, g);
    const vf c = cp != NULL ? vf_add(vf_mul(f, rnn_ld(cp, n)), ig) : ig;
    const vf tc = v_tanh(c);
    rnn_st(q, i, n), rnn_st(q + h, f, n), rnn_st(q + 2 * h, g, n), rnn_st(q + 3 * h, o, n);
    rnn_st(q + 4 * h, c, n), rnn_st(q + 5 * h, tc, n);
    rnn_st(y, vf_mul(o, tc), n);
}

static void lstm_fwd(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                     size_t ldgh, const float *rec_prev, float *rec, float *y, size_t ldy) {
    for (size_t r = 0; r < m; r++) {
        const float *ax = gx + r * ldgx, *ah = gh + r * ldgh;
        const float *cp = rec_prev != NULL ? rec_prev + r * 6 * h + 4 * h : NULL;
        float *q = rec + r * 6 * h, *yr = y + r * ldy;
        for (size_t j = 0; j < h; j += DSC_VL) {
            const size_t n = h - j < DSC_VL ? h - j : DSC_VL;
            lstm_fwd_lanes(h, n, ax + j, ah + j, cp != NULL ? cp + j : NULL, q + j, yr + j);
        }
    }
}

static inline void gru_fwd_lanes(size_t h, size_t n, const float *ax, const float *ah,
                                 const float *hp, float *q, float *y) {
    const vf rg = v_sigmoid(vf_add(rnn_ld(ah, n), rnn_ld(ax, n)));
    const vf z = v_sigmoid(vf_add(rnn_ld(ah + h, n), rnn_ld(ax + h, n)));
    const vf hn = rnn_ld(ah + 2 * h, n);
    const vf nn = v_tanh(vf_add(rnn_ld(ax + 2 * h, n), vf_mul(rg, hn)));
    const vf p = rnn_ld0(hp, n);
    rnn_st(q, rg, n), rnn_st(q + h, z, n), rnn_st(q + 2 * h, nn, n), rnn_st(q + 3 * h, hn, n);
    rnn_st(y, vf_add(vf_mul(vf_sub(p, nn), z), nn), n);
}

static void gru_fwd(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                    size_t ldgh, const float *hprev, size_t ldhp, float *rec, float *y,
                    size_t ldy) {
    for (size_t r = 0; r < m; r++) {
        const float *ax = gx + r * ldgx, *ah = gh + r * ldgh;
        const float *hp = hprev != NULL ? hprev + r * ldhp : NULL;
        float *q = rec + r * 4 * h, *yr = y + r * ldy;
        for (size_t j = 0; j < h; j += DSC_VL) {
            const size_t n = h - j < DSC_VL ? h - j : DSC_VL;
            gru_fwd_lanes(h, n, ax + j, ah + j, hp != NULL ? hp + j : NULL, q + j, yr + j);
        }
    }
}

static inline void lstm_bwd_lanes(size_t h, size_t n, const float *q, const float *cp,
                                  const float *dy, const float *dhr, float *dc, float *d) {
    const vf one = vf_set1(1.0f);
    const vf i = rnn_ld(q, n), f = rnn_ld(q + h, n), g = rnn_ld(q + 2 * h, n);
    const vf o = rnn_ld(q + 3 * h, n), tc = rnn_ld(q + 5 * h, n);
    const vf c0 = rnn_ld0(cp, n);
    const vf dh = vf_add(rnn_ld(dy, n), rnn_ld0(dhr, n));
    const vf dcj = vf_add(rnn_ld(dc, n), vf_mul(vf_mul(dh, o), vf_sub(one, vf_mul(tc, tc))));
    rnn_st(d, vf_mul(vf_mul(vf_mul(dcj, g), vf_sub(one, i)), i), n);
    rnn_st(d + h, vf_mul(vf_mul(vf_mul(dcj, c0), vf_sub(one, f)), f), n);
    rnn_st(d + 2 * h, vf_mul(vf_mul(dcj, i), vf_sub(one, vf_mul(g, g))), n);
    rnn_st(d + 3 * h, vf_mul(vf_mul(vf_mul(dh, tc), vf_sub(one, o)), o), n);
    rnn_st(dc, vf_mul(dcj, f), n);
}

static void lstm_bwd(size_t m, size_t h, const float *rec, const float *rec_prev,
                     const float *dy, size_t ldy, const float *dhr, float *dc, float *dg,
                     size_t lddg) {
    for (size_t r = 0; r < m; r++) {
        const float *q = rec + r * 6 * h, *dyr = dy + r * ldy;
        const float *cp = rec_prev != NULL ? rec_prev + r * 6 * h + 4 * h : NULL;
        const float *dhrr = dhr != NULL ? dhr + r * h : NULL;
        float *dcr = dc + r * h, *d = dg + r * lddg;
        for (size_t j = 0; j < h; j += DSC_VL) {
            const size_t n = h - j < DSC_VL ? h - j : DSC_VL;
            lstm_bwd_lanes(h, n, q + j, cp != NULL ? cp + j : NULL, dyr + j,
                           dhrr != NULL ? dhrr + j : NULL, dcr + j, d + j);
        }
    }
}

static inline void gru_bwd_lanes(size_t h, size_t n, const float *q, const float *hp,
                                 const float *dy, const float *dhr, float *dhz, float *dx,
                                 float *dhh) {
    const vf one = vf_set1(1.0f);
    const vf rg = rnn_ld(q, n), z = rnn_ld(q + h, n), nn = rnn_ld(q + 2 * h, n);
    const vf hn = rnn_ld(q + 3 * h, n);
    const vf p = rnn_ld0(hp, n);
    const vf dh = vf_add(vf_add(rnn_ld(dy, n), rnn_ld0(dhr, n)), rnn_ld(dhz, n));
    const vf dn = vf_mul(vf_mul(dh, vf_sub(one, z)), vf_sub(one, vf_mul(nn, nn)));
    const vf dr = vf_mul(vf_mul(vf_mul(dn, hn), vf_sub(one, rg)), rg);
    const vf dz = vf_mul(vf_mul(vf_mul(dh, vf_sub(p, nn)), vf_sub(one, z)), z);
    rnn_st(dx, dr, n), rnn_st(dx + h, dz, n), rnn_st(dx + 2 * h, dn, n);
    rnn_st(dhh, dr, n), rnn_st(dhh + h, dz, n), rnn_st(dhh + 2 * h, vf_mul(dn, rg), n);
    rnn_st(dhz, vf_mul(dh, z), n);
}

static void gru_bwd(size_t m, size_t h, const float *rec, const float *hprev, size_t ldhp,
                    const float *dy, size_t ldy, const float *dhr, float *dhz, float *dgx,
                    size_t lddgx, float *dgh) {
    for (size_t r = 0; r < m; r++) {
        const float *q = rec + r * 4 * h, *dyr = dy + r * ldy;
        const float *hp = hprev != NULL ? hprev + r * ldhp : NULL;
        const float *dhrr = dhr != NULL ? dhr + r * h : NULL;
        float *dzr = dhz + r * h, *dx = dgx + r * lddgx, *dhh = dgh + r * 3 * h;
        for (size_t j = 0; j < h; j += DSC_VL) {
            const size_t n = h - j < DSC_VL ? h - j : DSC_VL;
            gru_bwd_lanes(h, n, q + j, hp != NULL ? hp + j : NULL, dyr + j,
                          dhrr != NULL ? dhrr + j : NULL, dzr + j, dx + j, dhh + j);
        }
    }
}

static inline void tmpl_init_rnn(dsc_kernels *k) {
    k->lstm_fwd = lstm_fwd;
    k->gru_fwd = gru_fwd;
    k->lstm_bwd = lstm_bwd;
    k->gru_bwd = gru_bwd;
}

#endif
