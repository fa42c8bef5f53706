/* Reduction kernels written once over an ISA's simd.h layer; <isa>/reduce.c
 * includes its simd.h, then this file. Formulas and PyTorch references are
 * in scalar/reduce.c.
 *
 * sumsq widens each float to double (exact: squares of floats are exact in
 * double too) into four double accumulators; sumsq_fast squares in float
 * over short blocks and widens the block sums (see its comment). Both run
 * in an order fixed by n alone: deterministic, independent of alignment.
 * The partial last vector reads zeros past the end, which add nothing. */
#ifndef DSC_KERNELS_REDUCE_TMPL_H
#define DSC_KERNELS_REDUCE_TMPL_H

#include "kernels.h"

#include <float.h>
#include <math.h>

/* Every square widened to double (exact) into four accumulators. */
static double sumsq(size_t n, const float *x) {
    vd a0 = vd_zero(), a1 = vd_zero(), a2 = vd_zero(), a3 = vd_zero();
    size_t i = 0;
    for (; i + 2 * DSC_VL <= n; i += 2 * DSC_VL) {
        const vf u = vf_load(x + i), v = vf_load(x + i + DSC_VL);
        const vd u0 = vf_lo_d(u), u1 = vf_hi_d(u), v0 = vf_lo_d(v), v1 = vf_hi_d(v);
        a0 = vd_add(a0, vd_mul(u0, u0));
        a1 = vd_add(a1, vd_mul(u1, u1));
        a2 = vd_add(a2, vd_mul(v0, v0));
        a3 = vd_add(a3, vd_mul(v1, v1));
    }
    for (; i < n; i += DSC_VL) {
        const vf u = n - i >= DSC_VL ? vf_load(x + i) : vf_load_part(x + i, n - i);
        const vd u0 = vf_lo_d(u), u1 = vf_hi_d(u);
        a0 = vd_add(a0, vd_mul(u0, u0));
        a1 = vd_add(a1, vd_mul(u1, u1));
    }
    return vd_hsum(vd_add(vd_add(a0, a2), vd_add(a1, a3)));
}

/* Widening every float to double is bound by the conversions (about 4
 * floats per cycle on x86). Instead each lane sums at most 16 squares in
 * float (4 independent accumulators of 4 FMAs per block of 16 vectors, or
 * the tail's vectors in one), and only each block's sum is widened: relative
 * error below 16 * 2^-24 (kernels.h). A float square or block sum can
 * overflow (|x| > 2^63) or flush to zero, so a result outside
 * [2^-60, DBL_MAX], NaN included, is recomputed by sumsq: NaN and infinity
 * still come out non-finite, and huge finite gradients give finite norms. */
static double sumsq_fast(size_t n, const float *x) {
    vd d0 = vd_zero(), d1 = vd_zero();
    size_t i = 0;
    for (; i + 16 * DSC_VL <= n; i += 16 * DSC_VL) {
        vf s0 = vf_zero(), s1 = vf_zero(), s2 = vf_zero(), s3 = vf_zero();
        for (size_t j = i; j < i + 16 * DSC_VL; j += 4 * DSC_VL) {
            const vf u0 = vf_load(x + j), u1 = vf_load(x + j + DSC_VL),
                     u2 = vf_load(x + j + 2 * DSC_VL), u3 = vf_load(x + j + 3 * DSC_VL);
            s0 = vf_fma(u0, u0, s0);
            s1 = vf_fma(u1, u1, s1);
            s2 = vf_fma(u2, u2, s2);
            s3 = vf_fma(u3, u3, s3);
        }
        const vf s = vf_add(vf_add(s0, s1), vf_add(s2, s3));
        d0 = vd_add(d0, vf_lo_d(s));
        d1 = vd_add(d1, vf_hi_d(s));
    }
    if (i < n) {
        vf s = vf_zero();
        for (; i < n; i += DSC_VL) {
            const vf u = n - i >= DSC_VL ? vf_load(x + i) : vf_load_part(x + i, n - i);
            s = vf_fma(u, u, s);
        }
        d0 = vd_add(d0, vf_lo_d(s));
        d1 = vd_add(d1, vf_hi_d(s));
    }
    const double r = vd_hsum(vd_add(d0, d1));
    if (r >= 0x1p-60 && r <= DBL_MAX) return r;
    return sumsq(n, x);
}

static int all_finite(size_t n, const float *x) {
    vm bad = vm_none();
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) bad = vm_or(bad, vf_notfinite(vf_load(x + i)));
    if (i < n) bad = vm_or(bad, vf_notfinite(vf_load_part(x + i, n - i)));
    return !vm_any(bad);
}

static inline void tmpl_init_reduce(dsc_kernels *k) {
    k->sumsq = sumsq;
    k->sumsq_fast = sumsq_fast;
    k->all_finite = all_finite;
}

#endif
