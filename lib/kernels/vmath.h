/* Vector transcendentals over an ISA's simd.h layer (include that first):
 * exp, tanh and erfc for the activation and softmax kernels. Each is range
 * reduction plus a polynomial; the errors below are measured against libm in
 * double by tests/test_kernels.c (test_kernels_approx_error) over a dense
 * sweep with the extremes, and asserted there.
 *
 *   v_exp:  e^x = 2^n * p(r), n = round(x / ln2), r = x - n ln2 (Cody-Waite
 *           two-constant ln2), p a degree-6 near-minimax polynomial on
 *           |r| <= ln2/2 (relative error 1.7e-8 with float coefficients).
 *           2^n is applied in two halves so that subnormal results and
 *           overflow to +inf are both exact. x is clamped to [-104, 89]:
 *           beyond those e^x is 0 or +inf in float anyway. NaN -> NaN.
 *   v_exp2f, v_exp_sub: the same with an argument given as two floats.
 *   v_tanh: |x| < 0.625: x + x^3 q(x^2), q of degree 5 (near-minimax);
 *           otherwise sign(x) * (1 - 2 / (e^(2|x|) + 1)).
 *   v_sigmoid: 1 / (1 + e^-|x|), times e^-|x| for x < 0.
 *   v_erfc_x: erfc(|x|/sqrt2) (+inf gives 0): z = |x|/sqrt2,
 *           t = 1 / (1 + z/2), erfc(z) = t * exp(-z^2 + P(t)), P the degree-9
 *           polynomial of Numerical Recipes' erfcc (fractional error below
 *           1.2e-7 in exact arithmetic). z^2 = x^2/2 is carried as two floats
 *           into the exp (v_exp2f): rounding it would cost 2 z^2 eps, 100 ulp
 *           at x = -12. Used for Phi(x) = erfc(-x/sqrt2)/2 and GELU.
 *
 * Measured maximum errors of the kernels built on these (test_kernels over
 * 180k points in [-20, 20], +-1e-40..1e38 and the extremes; same on SSE2,
 * AVX2, AVX-512 and NEON up to FMA rounding):
 *   sigmoid 2.3 ulp, tanh 1.2 ulp, gelu 6.3 ulp (for |y| >= 1e-30),
 *   gelu' 2.0e-7 absolute, softmax 3.2e-7 relative; the tanh-approximated GELU
 *   (act_tmpl.h) 146 ulp at x = -9 (y = -1e-28: u rounded in float), its
 *   derivative 1.9e-7 absolute.
 * Only static inline functions (kernels.h's ISA rules). */
#ifndef DSC_KERNELS_VMATH_H
#define DSC_KERNELS_VMATH_H

/* p(r) * 2^n for the reduced argument r (|r| <= ln2/2) and n in [-150, 128]:
 * 2^n is applied as 2^n1 * 2^n2, both halves normal floats, so subnormal
 * results and overflow to +inf come out right. */
static inline vf v_exp_finish(vi n, vf r) {
    vf p = vf_set1(1.384365372e-03f);
    p = vf_fma(p, r, vf_set1(8.374155499e-03f));
    p = vf_fma(p, r, vf_set1(4.166800156e-02f));
    p = vf_fma(p, r, vf_set1(1.666643173e-01f));
    p = vf_fma(p, r, vf_set1(4.999999404e-01f));
    p = vf_fma(p, r, vf_set1(1.0000000321651507f));
    p = vf_fma(p, r, vf_set1(1.0f));
    const vi n1 = vi_srai(n, 1);
    const vi n2 = vi_sub(n, n1);
    const vf s1 = vi_as_f(vi_slli(vi_add(n1, vi_set1(127)), 23));
    const vf s2 = vi_as_f(vi_slli(vi_add(n2, vi_set1(127)), 23));
    return vf_mul(vf_mul(p, s1), s2);
}

static inline vf v_exp(vf x) {
    x = vf_max_nan(vf_set1(-104.0f), vf_min_nan(vf_set1(89.0f), x));
    const vi n = vf_round_i(vf_mul(x, vf_set1(1.44269504088896341f)));
    const vf nf = vi_to_f(n);
    /* ln2_hi has 16 significant bits: n * ln2_hi is exact for |n| <= 256. */
    vf r = vf_fma(nf, vf_set1(-0.693145751953125f), x);
    r = vf_fma(nf, vf_set1(-1.428606765330187045e-06f), r);
    return v_exp_finish(n, r);
}

/* e^(hi + lo) for a two-float argument (|lo| up to a few units): the
 * rounding of hi + lo to one float would cost |hi| eps of relative error. */
static inline vf v_exp2f(vf hi, vf lo) {
    hi = vf_max_nan(vf_set1(-104.0f), vf_min_nan(vf_set1(89.0f), hi));
    const vi n = vf_round_i(vf_mul(vf_add(hi, lo), vf_set1(1.44269504088896341f)));
    const vf nf = vi_to_f(n);
    vf r = vf_fma(nf, vf_set1(-0.693145751953125f), hi); /* exact for |hi| >= 1 (Sterbenz) */
    r = vf_add(r, lo);
    r = vf_fma(nf, vf_set1(-1.428606765330187045e-06f), r);
    return v_exp_finish(n, r);
}

/* e^(a - b), the subtraction's rounding error carried into the exp
 * (Knuth's TwoSum): softmax's x - max, two floats up to 88 apart, would
 * otherwise cost up to 4e-6 of relative error. Where a - b is below -104,
 * -inf or NaN the correction is dropped (e^ is 0 or NaN there anyway). */
static inline vf v_exp_sub(vf a, vf b) {
    const vf s = vf_sub(a, b);
    const vf bb = vf_sub(s, a);
    const vf err = vf_sub(vf_sub(a, vf_sub(s, bb)), vf_add(b, bb));
    return v_exp2f(s, vf_select(vf_gt(s, vf_set1(-104.0f)), err, vf_zero()));
}

/* e^(-x^2/2), with x^2 split exactly into hi + lo. */
static inline vf v_exp_neg_half_sq(vf x, vf extra) {
    x = vf_min_nan(vf_set1(20.0f), vf_abs(x)); /* e^-200 is 0 already; inf*inf - inf would be NaN */
    const vf hi = vf_mul(x, x);
    const vf lo = vf_sq_lo(x, hi);
    const vf h = vf_set1(-0.5f);
    return v_exp2f(vf_mul(h, hi), vf_fma(h, lo, extra));
}

static inline vf v_tanh(vf x) {
    const vf one = vf_set1(1.0f);
    const vf a = vf_abs(x);
    const vf u = vf_mul(x, x);
    vf q = vf_set1(2.142961603e-03f);
    q = vf_fma(q, u, vf_set1(-8.177397773e-03f));
    q = vf_fma(q, u, vf_set1(2.170070261e-02f));
    q = vf_fma(q, u, vf_set1(-5.394676328e-02f));
    q = vf_fma(q, u, vf_set1(1.333320588e-01f));
    q = vf_fma(q, u, vf_set1(-3.333333135e-01f));
    const vf small = vf_fma(vf_mul(x, u), q, x);
    const vf e = v_exp(vf_add(a, a));
    const vf big = vf_copysign(vf_sub(one, vf_div(vf_set1(2.0f), vf_add(e, one))), x);
    return vf_select(vf_lt(a, vf_set1(0.625f)), small, big);
}

/* e = e^-|x| never overflows; x < 0 takes e / (1 + e), which keeps
 * relative accuracy down to the subnormals (1 / (1 + e^-x) would give 0). */
static inline vf v_sigmoid(vf x) {
    const vf one = vf_set1(1.0f);
    const vf e = v_exp(vf_neg(vf_abs(x)));
    const vf d = vf_div(one, vf_add(one, e));
    return vf_select(vf_lt(x, vf_zero()), vf_mul(e, d), d);
}

/* erfc(|x|/sqrt2), with -z^2 = -x^2/2 kept exact in two floats. */
static inline vf v_erfc_x(vf x) {
    const vf z = vf_mul(vf_abs(x), vf_set1(0.70710678118654752f));
    const vf t = vf_div(vf_set1(1.0f), vf_fma(z, vf_set1(0.5f), vf_set1(1.0f)));
    vf p = vf_set1(0.17087277f);
    p = vf_fma(p, t, vf_set1(-0.82215223f));
    p = vf_fma(p, t, vf_set1(1.48851587f));
    p = vf_fma(p, t, vf_set1(-1.13520398f));
    p = vf_fma(p, t, vf_set1(0.27886807f));
    p = vf_fma(p, t, vf_set1(-0.18628806f));
    p = vf_fma(p, t, vf_set1(0.09678418f));
    p = vf_fma(p, t, vf_set1(0.37409196f));
    p = vf_fma(p, t, vf_set1(1.00002368f));
    p = vf_fma(p, t, vf_set1(-1.26551223f));
    return vf_mul(t, v_exp_neg_half_sq(x, p));
}

/* Phi(x) = P(X <= x) for a standard normal X. */
static inline vf v_phi_cdf(vf x) {
    const vf half = vf_set1(0.5f);
    const vf h = vf_mul(half, v_erfc_x(x));
    return vf_select(vf_lt(x, vf_zero()), h, vf_sub(vf_set1(1.0f), h));
}

#endif
