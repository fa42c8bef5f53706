/* Activations and softmax written once over an ISA's simd.h layer; each
 * <isa>/act.c includes its simd.h, then this file, and calls
 * tmpl_init_act() from its family init. Formulas and PyTorch references are
 * in scalar/act.c (the reference these match within the tolerances of
 * tests/test_kernels.c); the transcendental approximations and their errors
 * are in vmath.h.
 *
 * Shape of every loop: whole vectors, then one partial vector for the last
 * n % DSC_VL elements (vf_load_part / vf_store_part touch nothing past the
 * end). The result of an element never depends on its position or on the
 * pointer's alignment, so repeated calls are bit-identical. */
#ifndef DSC_KERNELS_ACT_TMPL_H
#define DSC_KERNELS_ACT_TMPL_H

#include "kernels.h"
#include "vmath.h"

#include <math.h>

/* y = OP(x, alpha) elementwise. */
#define DSC_TMPL_FWD(name, OP)                                                 \
    static void name(size_t n, const float *x, float *y, float alpha) {       \
        const vf va = vf_set1(alpha);                                          \
        size_t i = 0;                                                          \
        for (; i + DSC_VL <= n; i += DSC_VL) vf_store(y + i, OP(vf_load(x + i), va)); \
        if (i < n) vf_store_part(y + i, OP(vf_load_part(x + i, n - i), va), n - i); \
    }

/* dx = OP(s, dy, alpha), s = x or y (whichever the derivative needs). */
#define DSC_TMPL_BWD(name, OP, S)                                              \
    static void name(size_t n, const float *x, const float *y, const float *dy, float *dx, \
                     float alpha) {                                            \
        const float *s = S;                                                    \
        (void)x, (void)y;                                                      \
        const vf va = vf_set1(alpha);                                          \
        size_t i = 0;                                                          \
        for (; i + DSC_VL <= n; i += DSC_VL)                                   \
            vf_store(dx + i, OP(vf_load(s + i), vf_load(dy + i), va));         \
        if (i < n)                                                             \
            vf_store_part(dx + i, OP(vf_load_part(s + i, n - i), vf_load_part(dy + i, n - i), va), \
                          n - i);                                              \
    }

static inline vf op_identity_f(vf x, vf a) { (void)a; return x; }
static inline vf op_identity_b(vf s, vf dy, vf a) { (void)s, (void)a; return dy; }
/* x <= 0 -> 0; NaN fails the comparison and passes through. */
static inline vf op_relu_f(vf x, vf a) { (void)a; return vf_select(vf_le(x, vf_zero()), vf_zero(), x); }
static inline vf op_relu_b(vf x, vf dy, vf a) { (void)a; return vf_select(vf_le(x, vf_zero()), vf_zero(), dy); }
static inline vf op_leaky_f(vf x, vf a) { return vf_select(vf_gt(x, vf_zero()), x, vf_mul(x, a)); }
static inline vf op_leaky_b(vf x, vf dy, vf a) { return vf_select(vf_gt(x, vf_zero()), dy, vf_mul(dy, a)); }
static inline vf op_sigmoid_f(vf x, vf a) { (void)a; return v_sigmoid(x); }
/* dy * (1 - y) * y, in PyTorch's order */
static inline vf op_sigmoid_b(vf y, vf dy, vf a) {
    (void)a;
    return vf_mul(vf_mul(dy, vf_sub(vf_set1(1.0f), y)), y);
}
static inline vf op_tanh_f(vf x, vf a) { (void)a; return v_tanh(x); }
static inline vf op_tanh_b(vf y, vf dy, vf a) {
    (void)a;
    return vf_mul(dy, vf_sub(vf_set1(1.0f), vf_mul(y, y)));
}
static inline vf op_gelu_f(vf x, vf a) { (void)a; return vf_mul(x, v_phi_cdf(x)); }
/* dy * (Phi(x) + x * phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi) */
static inline vf op_gelu_b(vf x, vf dy, vf a) {
    (void)a;
    const vf pdf = vf_mul(v_exp_neg_half_sq(x, vf_zero()), vf_set1(0.39894228040143267794f));
    return vf_mul(dy, vf_fma(x, pdf, v_phi_cdf(x)));
}

/* The tanh approximation (approximate='tanh'), u = sqrt(2/pi) (x + 0.044715 x^3):
 * 0.5 x (1 + tanh u) = x s, and PyTorch's derivative
 * 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
 * = s + x s (1 - s) 2 sqrt(2/pi) (1 + 0.134145 x^2), with s = sigmoid(2u) and
 * 1 - s = sigmoid(-2u) both from e = e^-|2u| (1 + tanh u cancels for x < 0). */
static inline vf gelu_tanh_2u(vf x) {
    const vf x3 = vf_mul(vf_mul(x, x), x);
    return vf_mul(vf_fma(x3, vf_set1(0.044715f), x), vf_set1(1.5957691216057308f));
}
static inline vf op_gelu_tanh_f(vf x, vf a) {
    (void)a;
    const vf t = gelu_tanh_2u(x);
    const vf e = v_exp(vf_neg(vf_abs(t)));
    const vf d = vf_div(vf_set1(1.0f), vf_add(vf_set1(1.0f), e));
    return vf_mul(x, vf_select(vf_lt(t, vf_zero()), vf_mul(e, d), d));
}
static inline vf op_gelu_tanh_b(vf x, vf dy, vf a) {
    (void)a;
    const vf t = gelu_tanh_2u(x);
    const vf e = v_exp(vf_neg(vf_abs(t)));
    const vf d = vf_div(vf_set1(1.0f), vf_add(vf_set1(1.0f), e));
    const vf ed = vf_mul(e, d);
    const vm neg = vf_lt(t, vf_zero());
    const vf s = vf_select(neg, ed, d);
    /* x^2 capped (beyond |x| = 20, s (1 - s) is 0, and inf * 0 would be NaN);
     * x times s (1 - s) first, so that FLT_MAX * 0 is 0 too */
    const vf xc = vf_min_nan(vf_set1(20.0f), vf_abs(x));
    const vf poly = vf_fma(vf_mul(xc, xc), vf_set1(0.214064448f), vf_set1(1.595769122f));
    const vf slope = vf_mul(vf_mul(x, vf_mul(d, ed)), poly);
    return vf_mul(dy, vf_add(s, slope));
}

DSC_TMPL_FWD(identity_fwd, op_identity_f)
DSC_TMPL_BWD(identity_bwd, op_identity_b, dy)
DSC_TMPL_FWD(relu_fwd, op_relu_f)
DSC_TMPL_BWD(relu_bwd, op_relu_b, x)
DSC_TMPL_FWD(leaky_fwd, op_leaky_f)
DSC_TMPL_BWD(leaky_bwd, op_leaky_b, x)
DSC_TMPL_FWD(sigmoid_fwd, op_sigmoid_f)
DSC_TMPL_BWD(sigmoid_bwd, op_sigmoid_b, y)
DSC_TMPL_FWD(tanh_fwd, op_tanh_f)
DSC_TMPL_BWD(tanh_bwd, op_tanh_b, y)
DSC_TMPL_FWD(gelu_fwd, op_gelu_f)
DSC_TMPL_BWD(gelu_bwd, op_gelu_b, x)
DSC_TMPL_FWD(gelu_tanh_fwd, op_gelu_tanh_f)
DSC_TMPL_BWD(gelu_tanh_bwd, op_gelu_tanh_b, x)

/* Largest element of a row (NaN-propagation is irrelevant: a NaN anywhere
 * makes the exp sum, and so the whole row, NaN either way). */
static inline float row_max(size_t n, const float *x) {
    size_t i = 0;
    float mx = x[0];
    if (n >= DSC_VL) {
        vf m = vf_load(x);
        for (i = DSC_VL; i + DSC_VL <= n; i += DSC_VL) m = vf_max(m, vf_load(x + i));
        mx = vf_hmax(m);
    }
    for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    return mx;
}

/* e = exp(x - mx) into e (when not NULL; may equal x); returns sum of e. */
static inline float row_exp_sum(size_t n, const float *x, float mx, float *e) {
    const vf vmx = vf_set1(mx);
    vf acc = vf_zero();
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) {
        const vf v = v_exp_sub(vf_load(x + i), vmx);
        if (e != NULL) vf_store(e + i, v);
        acc = vf_add(acc, v);
    }
    if (i < n) {
        const vf v = v_exp_sub(vf_load_part(x + i, n - i), vmx);
        if (e != NULL) vf_store_part(e + i, v, n - i);
        acc = vf_add(acc, vf_select(vm_first(n - i), v, vf_zero()));
    }
    return vf_hsum(acc);
}

static inline void row_scale(size_t n, float *y, float s) {
    const vf vs = vf_set1(s);
    size_t i = 0;
    for (; i + DSC_VL <= n; i += DSC_VL) vf_store(y + i, vf_mul(vf_load(y + i), vs));
    if (i < n) vf_store_part(y + i, vf_mul(vf_load_part(y + i, n - i), vs), n - i);
}

static void softmax(size_t m, size_t n, const float *x, size_t ldx, float *y, size_t ldy) {
    if (n == 0) return;
    for (size_t r = 0; r < m; r++) {
        const float *xr = x + r * ldx;
        float *yr = y + r * ldy;
        const float s = row_exp_sum(n, xr, row_max(n, xr), yr);
        row_scale(n, yr, 1.0f / s);
    }
}

static double softmax_xent(size_t m, size_t n, const float *z, size_t ldz, const int32_t *labels,
                           float gscale, float *dz, size_t lddz) {
    if (n == 0) return 0.0;
    double loss = 0.0;
    for (size_t r = 0; r < m; r++) {
        const float *zr = z + r * ldz;
        float *dr = dz != NULL ? dz + r * lddz : NULL;
        const size_t lab = (size_t)labels[r];
        const float zl = zr[lab]; /* read before dz (which may alias z) is written */
        const float mx = row_max(n, zr);
        const float s = row_exp_sum(n, zr, mx, dr);
        loss += (double)mx + log((double)s) - (double)zl;
        if (dr == NULL) continue;
        const float inv = 1.0f / s;
        const float el = dr[lab];
        row_scale(n, dr, gscale * inv);
        dr[lab] = gscale * (el * inv - 1.0f);
    }
    return loss;
}

static inline void tmpl_init_act(dsc_kernels *k) {
    k->act_forward[DSC_ACT_IDENTITY] = identity_fwd;
    k->act_forward[DSC_ACT_RELU] = relu_fwd;
    k->act_forward[DSC_ACT_LEAKY_RELU] = leaky_fwd;
    k->act_forward[DSC_ACT_SIGMOID] = sigmoid_fwd;
    k->act_forward[DSC_ACT_TANH] = tanh_fwd;
    k->act_forward[DSC_ACT_GELU] = gelu_fwd;
    k->act_forward[DSC_ACT_GELU_TANH] = gelu_tanh_fwd;
    k->act_backward[DSC_ACT_IDENTITY] = identity_bwd;
    k->act_backward[DSC_ACT_RELU] = relu_bwd;
    k->act_backward[DSC_ACT_LEAKY_RELU] = leaky_bwd;
    k->act_backward[DSC_ACT_SIGMOID] = sigmoid_bwd;
    k->act_backward[DSC_ACT_TANH] = tanh_bwd;
    k->act_backward[DSC_ACT_GELU] = gelu_bwd;
    k->act_backward[DSC_ACT_GELU_TANH] = gelu_tanh_bwd;
    k->softmax = softmax;
    k->softmax_xent = softmax_xent;
}

#endif
