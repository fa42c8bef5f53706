/* Reductions and elementwise kernels written once over an ISA's simd.h
 * layer; <isa>/reduce.c includes its simd.h, then this file. Formulas and
 * PyTorch references are in scalar/reduce.c.
 *
 * sum and sumsq widen each float to double (exact; squares of floats are
 * exact in double too) into four double accumulators, in an order fixed by
 * n alone: deterministic, independent of alignment. The partial last vector
 * reads zeros past the end, which add nothing. */
#ifndef DSC_KERNELS_REDUCE_TMPL_H
#define DSC_KERNELS_REDUCE_TMPL_H

#include "kernels.h"

#include <math.h>

static double sum(size_t n, const float *x) {
    vd a0 = vd_zero(), a1 = vd_zero(), a2 = vd_zero(), a3 = vd_zero();
    size_t i = 0;
    for (; i + 2 * DSC_VL <= n; i += 2 * DSC_VL) {
        const vf u = vf_load(x + i), v = vf_load(x + i + DSC_VL);
        a0 = vd_add(a0, vf_lo_d(u));
        a1 = vd_add(a1, vf_hi_d(u));
        a2 = vd_add(a2, vf_lo_d(v));
        a3 = vd_add(a3, vf_hi_d(v));
    }
    for (; i < n; i += DSC_VL) {
        const vf u = n - i >= DSC_VL ? vf_load(x + i) : vf_load_part(x + i, n - i);
        a0 = vd_add(a0, vf_lo_d(u));
        a1 = vd_add(a1, vf_hi_d(u));
    }
    return vd_hsum(vd_add(vd_add(a0, a2), vd_add(a1, a3)));
}

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

/* NaN lanes are tracked apart: max instructions differ per ISA on NaN. */
static float maxabs(size_t n, const float *x) {
    vf m = vf_zero();
    vm nan = vm_none();
    size_t i = 0;
    for (; i < n; i += DSC_VL) {
        const vf a = vf_abs(n - i >= DSC_VL ? vf_load(x + i) : vf_load_part(x + i, n - i));
        nan = vm_or(nan, vf_isnan(a));
        m = vf_max(m, a);
    }
    if (vm_any(nan)) return NAN;
    return vf_hmax(m);
}

static int all_finite(size_t n, const float *x) {
    vm bad = vm_none();
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) bad = vm_or(bad, vf_notfinite(vf_load(x + i)));
    if (i < n) bad = vm_or(bad, vf_notfinite(vf_load_part(x + i, n - i)));
    return !vm_any(bad);
}

static void scale(size_t n, float *x, float s) {
    const vf vs = vf_set1(s);
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) vf_store(x + i, vf_mul(vf_load(x + i), vs));
    if (i < n) vf_store_part(x + i, vf_mul(vf_load_part(x + i, n - i), vs), n - i);
}

/* max(lo, x) then min(hi, .): a NaN x passes through; lo > hi gives hi. */
static inline vf op_clamp(vf x, vf lo, vf hi) { return vf_min_nan(hi, vf_max_nan(lo, x)); }

static void clamp(size_t n, float *x, float lo, float hi) {
    const vf vlo = vf_set1(lo), vhi = vf_set1(hi);
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) vf_store(x + i, op_clamp(vf_load(x + i), vlo, vhi));
    if (i < n) vf_store_part(x + i, op_clamp(vf_load_part(x + i, n - i), vlo, vhi), n - i);
}

static inline void tmpl_init_reduce(dsc_kernels *k) {
    k->sum = sum;
    k->sumsq = sumsq;
    k->maxabs = maxabs;
    k->all_finite = all_finite;
    k->scale = scale;
    k->clamp = clamp;
}

#endif
