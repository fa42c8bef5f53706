/* Batch-norm and layer-norm kernels written once over an ISA's simd.h layer;
 * <isa>/norm.c includes its simd.h, then this file. Formulas and PyTorch
 * references are in scalar/norm.c, the contracts in kernels.h.
 *
 * Two loop shapes. With s = 1 (flat features) a channel's values are a
 * column of the [n][c] batch: a vector holds DSC_VL channels and walks down
 * the rows, each lane summing its own column with Kahan compensation (no
 * horizontal step, so the sums do not depend on where a channel sits in a
 * vector). With s > 1 (and for layer-norm rows) a channel's values are
 * contiguous runs: whole vectors, then one partial vector, each widened to
 * double and summed in double. Elementwise steps use no FMA, so they match
 * scalar bit for bit. */
#ifndef DSC_KERNELS_NORM_TMPL_H
#define DSC_KERNELS_NORM_TMPL_H

#include "kernels.h"

/* s += x with the lost low part carried in c (Kahan): error about 2 ulp of
 * sum |x| whatever the count. */
static inline void kahan_add(vf *s, vf *c, vf x) {
    const vf y = vf_sub(x, *c);
    const vf t = vf_add(*s, y);
    *c = vf_sub(vf_sub(t, *s), y);
    *s = t;
}

/* Load r <= DSC_VL lanes (zeros beyond). */
static inline vf load_n(const float *p, size_t r) {
    return r == DSC_VL ? vf_load(p) : vf_load_part(p, r);
}
static inline void store_n(float *p, vf v, size_t r) {
    if (r == DSC_VL) vf_store(p, v);
    else vf_store_part(p, v, r);
}

/* Sums over one run of m floats, in double. */
static inline double run_sum(size_t m, const float *x) {
    vd a0 = vd_zero(), a1 = vd_zero();
    for (size_t i = 0; i < m; i += DSC_VL) {
        const vf v = load_n(x + i, m - i < DSC_VL ? m - i : DSC_VL); /* zeros add nothing */
        a0 = vd_add(a0, vf_lo_d(v));
        a1 = vd_add(a1, vf_hi_d(v));
    }
    return vd_hsum(vd_add(a0, a1));
}

/* sum (x - mu)^2 over a run: the float difference, squared in double. */
static inline double run_sqdev(size_t m, const float *x, float mu) {
    const vf vmu = vf_set1(mu);
    vd a0 = vd_zero(), a1 = vd_zero();
    for (size_t i = 0; i < m; i += DSC_VL) {
        const size_t r = m - i < DSC_VL ? m - i : DSC_VL;
        vf d = vf_sub(load_n(x + i, r), vmu);
        if (r < DSC_VL) d = vf_select(vm_first(r), d, vf_zero()); /* lanes past the end */
        const vd d0 = vf_lo_d(d), d1 = vf_hi_d(d);
        a0 = vd_add(a0, vd_mul(d0, d0));
        a1 = vd_add(a1, vd_mul(d1, d1));
    }
    return vd_hsum(vd_add(a0, a1));
}

/* sum g and sum g * (x - mu) over a run, the products exact in double. */
static inline void run_gsums(size_t m, const float *x, const float *g, float mu, double *sg,
                             double *sgx) {
    const vf vmu = vf_set1(mu);
    vd a0 = vd_zero(), a1 = vd_zero(), p0 = vd_zero(), p1 = vd_zero();
    for (size_t i = 0; i < m; i += DSC_VL) {
        const size_t r = m - i < DSC_VL ? m - i : DSC_VL;
        const vf gv = load_n(g + i, r); /* zero past the end: the products vanish */
        const vf d = vf_sub(load_n(x + i, r), vmu);
        const vd g0 = vf_lo_d(gv), g1 = vf_hi_d(gv);
        a0 = vd_add(a0, g0);
        a1 = vd_add(a1, g1);
        p0 = vd_add(p0, vd_mul(g0, vf_lo_d(d)));
        p1 = vd_add(p1, vd_mul(g1, vf_hi_d(d)));
    }
    *sg = vd_hsum(vd_add(a0, a1));
    *sgx = vd_hsum(vd_add(p0, p1));
}

static void bn_moments(size_t n, size_t c, size_t s, const float *x, float *mean, float *var) {
    const double cnt = (double)(n * s);
    if (s == 1) {
        const vf vcnt = vf_set1((float)cnt);
        for (size_t j = 0; j < c; j += DSC_VL) {
            const size_t r = c - j < DSC_VL ? c - j : DSC_VL;
            vf sum = vf_zero(), comp = vf_zero();
            for (size_t i = 0; i < n; i++) kahan_add(&sum, &comp, load_n(x + i * c + j, r));
            const vf m = vf_div(sum, vcnt);
            vf sq = vf_zero();
            comp = vf_zero();
            for (size_t i = 0; i < n; i++) {
                const vf d = vf_sub(load_n(x + i * c + j, r), m);
                kahan_add(&sq, &comp, vf_mul(d, d));
            }
            store_n(mean + j, m, r);
            store_n(var + j, vf_div(sq, vcnt), r);
        }
        return;
    }
    for (size_t j = 0; j < c; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) sum += run_sum(s, x + (i * c + j) * s);
        const float m = (float)(sum / cnt);
        double sq = 0.0;
        for (size_t i = 0; i < n; i++) sq += run_sqdev(s, x + (i * c + j) * s, m);
        mean[j] = m;
        var[j] = (float)(sq / cnt);
    }
}

/* y = (x - mu) * a + b over a run, per-run scalars broadcast. */
static inline void run_affine(size_t m, const float *x, vf mu, vf a, vf b, float *y) {
    for (size_t i = 0; i < m; i += DSC_VL) {
        const size_t r = m - i < DSC_VL ? m - i : DSC_VL;
        store_n(y + i, vf_add(vf_mul(vf_sub(load_n(x + i, r), mu), a), b), r);
    }
}

static void bn_apply(size_t n, size_t c, size_t s, const float *x, const float *mean,
                     const float *alpha, const float *beta, float *y) {
    for (size_t i = 0; i < n; i++) {
        if (s == 1) {
            for (size_t j = 0; j < c; j += DSC_VL) {
                const size_t r = c - j < DSC_VL ? c - j : DSC_VL;
                const vf v = vf_sub(load_n(x + i * c + j, r), load_n(mean + j, r));
                store_n(y + i * c + j,
                        vf_add(vf_mul(v, load_n(alpha + j, r)), load_n(beta + j, r)), r);
            }
            continue;
        }
        for (size_t j = 0; j < c; j++) {
            const size_t o = (i * c + j) * s;
            run_affine(s, x + o, vf_set1(mean[j]), vf_set1(alpha[j]), vf_set1(beta[j]), y + o);
        }
    }
}

static void bn_backward_sums(size_t n, size_t c, size_t s, const float *x, const float *dy,
                             const float *mean, float *sdy, float *sdxm) {
    if (s == 1) {
        for (size_t j = 0; j < c; j += DSC_VL) {
            const size_t r = c - j < DSC_VL ? c - j : DSC_VL;
            const vf m = load_n(mean + j, r);
            vf a = vf_zero(), ac = vf_zero(), p = vf_zero(), pc = vf_zero();
            for (size_t i = 0; i < n; i++) {
                const vf g = load_n(dy + i * c + j, r);
                kahan_add(&a, &ac, g);
                kahan_add(&p, &pc, vf_mul(g, vf_sub(load_n(x + i * c + j, r), m)));
            }
            store_n(sdy + j, a, r);
            store_n(sdxm + j, p, r);
        }
        return;
    }
    for (size_t j = 0; j < c; j++) {
        double a = 0.0, p = 0.0;
        for (size_t i = 0; i < n; i++) {
            const size_t o = (i * c + j) * s;
            double ra, rp;
            run_gsums(s, x + o, dy + o, mean[j], &ra, &rp);
            a += ra;
            p += rp;
        }
        sdy[j] = (float)a;
        sdxm[j] = (float)p;
    }
}

/* ((g - gm) - (x - mu) * k) * f, the backward's elementwise step. */
static inline vf dx_step(vf x, vf g, vf mu, vf k, vf gm, vf f) {
    return vf_mul(vf_sub(vf_sub(g, gm), vf_mul(vf_sub(x, mu), k)), f);
}

static void bn_backward_dx(size_t n, size_t c, size_t s, const float *x, const float *dy,
                           const float *mean, const float *k, const float *gmean, const float *g,
                           float *dx) {
    for (size_t i = 0; i < n; i++) {
        if (s == 1) {
            for (size_t j = 0; j < c; j += DSC_VL) {
                const size_t r = c - j < DSC_VL ? c - j : DSC_VL, o = i * c + j;
                store_n(dx + o,
                        dx_step(load_n(x + o, r), load_n(dy + o, r), load_n(mean + j, r),
                                load_n(k + j, r), load_n(gmean + j, r), load_n(g + j, r)),
                        r);
            }
            continue;
        }
        for (size_t j = 0; j < c; j++) {
            const size_t o = (i * c + j) * s;
            const vf mu = vf_set1(mean[j]), kk = vf_set1(k[j]), gm = vf_set1(gmean[j]),
                     f = vf_set1(g[j]);
            for (size_t t = 0; t < s; t += DSC_VL) {
                const size_t r = s - t < DSC_VL ? s - t : DSC_VL;
                store_n(dx + o + t, dx_step(load_n(x + o + t, r), load_n(dy + o + t, r), mu, kk, gm, f),
                        r);
            }
        }
    }
}

static void ln_apply(size_t rows, size_t d, const float *x, const float *mean, const float *rstd,
                     const float *w, const float *b, float *y) {
    for (size_t row = 0; row < rows; row++) {
        const vf mu = vf_set1(mean[row]), rs = vf_set1(rstd[row]);
        const float *xr = x + row * d;
        float *yr = y + row * d;
        for (size_t i = 0; i < d; i += DSC_VL) {
            const size_t r = d - i < DSC_VL ? d - i : DSC_VL;
            const vf xh = vf_mul(vf_sub(load_n(xr + i, r), mu), rs);
            store_n(yr + i, vf_add(vf_mul(xh, load_n(w + i, r)), load_n(b + i, r)), r);
        }
    }
}

static void ln_backward(size_t rows, size_t d, const float *x, const float *dy, const float *mean,
                        const float *rstd, const float *w, float *dx, float *dw, float *db) {
    for (size_t row = 0; row < rows; row++) {
        const vf mu = vf_set1(mean[row]), rs = vf_set1(rstd[row]);
        const float *xr = x + row * d, *gr = dy + row * d;
        vd a0 = vd_zero(), a1 = vd_zero(), p0 = vd_zero(), p1 = vd_zero();
        for (size_t i = 0; i < d; i += DSC_VL) {
            const size_t r = d - i < DSC_VL ? d - i : DSC_VL;
            const vf g = load_n(gr + i, r); /* zero past the end: gw and its products vanish */
            const vf gw = vf_mul(g, load_n(w + i, r));
            const vf xh = vf_mul(vf_sub(load_n(xr + i, r), mu), rs);
            const vd gw0 = vf_lo_d(gw), gw1 = vf_hi_d(gw);
            a0 = vd_add(a0, gw0);
            a1 = vd_add(a1, gw1);
            p0 = vd_add(p0, vd_mul(gw0, vf_lo_d(xh)));
            p1 = vd_add(p1, vd_mul(gw1, vf_hi_d(xh)));
            store_n(dw + i, vf_add(load_n(dw + i, r), vf_mul(g, xh)), r);
            store_n(db + i, vf_add(load_n(db + i, r), g), r);
        }
        if (dx == NULL) continue;
        const vf ma = vf_set1((float)(vd_hsum(vd_add(a0, a1)) / (double)d));
        const vf mp = vf_set1((float)(vd_hsum(vd_add(p0, p1)) / (double)d));
        float *dr = dx + row * d;
        for (size_t i = 0; i < d; i += DSC_VL) {
            const size_t r = d - i < DSC_VL ? d - i : DSC_VL;
            const vf gw = vf_mul(load_n(gr + i, r), load_n(w + i, r));
            const vf xh = vf_mul(vf_sub(load_n(xr + i, r), mu), rs);
            store_n(dr + i, vf_mul(vf_sub(vf_sub(gw, ma), vf_mul(xh, mp)), rs), r);
        }
    }
}

static inline void tmpl_init_norm(dsc_kernels *k) {
    k->bn_moments = bn_moments;
    k->bn_apply = bn_apply;
    k->bn_backward_sums = bn_backward_sums;
    k->bn_backward_dx = bn_backward_dx;
    k->ln_apply = ln_apply;
    k->ln_backward = ln_backward;
}

#endif
