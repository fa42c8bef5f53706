/* The SSE2 vector layer: 4 float lanes. The same names exist in every ISA's
 * simd.h (avx2/, avx512/, neon/), so the generic kernels (../act_tmpl.h,
 * ../reduce_tmpl.h, ../gemm_tmpl.h) are written once. Only static inline functions here (kernels.h's ISA rules).
 *   vf: float lanes, vi: int32 lanes, vd: double lanes (half as many; vf_lo_d
 *   and vf_hi_d widen the two halves), vm: a lane mask from a comparison.
 * Comparisons are ordered (false when a lane is NaN). vf_fma(a, b, c) is
 * a*b+c, rounded twice here (no FMA in SSE2), once where the ISA has FMA. */
#ifndef DSC_KERNELS_SSE2_SIMD_H
#define DSC_KERNELS_SSE2_SIMD_H

#include <emmintrin.h>
#include <stddef.h>
#include <string.h>

#define DSC_VL 4
typedef __m128 vf;
typedef __m128i vi;
typedef __m128d vd;
typedef __m128 vm;

static inline vf vf_load(const float *p) { return _mm_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm_storeu_ps(p, v); }
/* The first r < DSC_VL lanes; the others read as 0 and are never written.
 * Through a stack buffer: no byte past p + r is touched. */
static inline vf vf_load_part(const float *p, size_t r) {
    float b[DSC_VL] = {0};
    memcpy(b, p, r * sizeof *p);
    return _mm_loadu_ps(b);
}
static inline void vf_store_part(float *p, vf v, size_t r) {
    float b[DSC_VL];
    _mm_storeu_ps(b, v);
    memcpy(p, b, r * sizeof *p);
}
static inline vf vf_set1(float x) { return _mm_set1_ps(x); }
static inline vf vf_zero(void) { return _mm_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
/* max/min that return x when x is NaN (maxps returns its second operand). */
/* The rounding error of hi = x*x: x*x = hi + lo exactly (Dekker's product
 * with x split into two 12-bit halves; FMA ISAs use fma(x, x, -hi)). */
static inline vf vf_sq_lo(vf x, vf hi) {
    const vf xh = _mm_and_ps(x, _mm_castsi128_ps(_mm_set1_epi32((int)0xfffff000u)));
    const vf xl = _mm_sub_ps(x, xh);
    vf lo = _mm_sub_ps(_mm_mul_ps(xh, xh), hi);
    lo = _mm_add_ps(lo, _mm_mul_ps(_mm_add_ps(xh, xh), xl));
    return _mm_add_ps(lo, _mm_mul_ps(xl, xl));
}
static inline vf vf_max_nan(vf lo, vf x) { return _mm_max_ps(lo, x); }
static inline vf vf_min_nan(vf hi, vf x) { return _mm_min_ps(hi, x); }
static inline vf vf_max(vf a, vf b) { return _mm_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm_min_ps(a, b); }
static inline vf vf_sqrt(vf x) { return _mm_sqrt_ps(x); }
static inline vf vf_abs(vf x) { return _mm_andnot_ps(_mm_set1_ps(-0.0f), x); }
static inline vf vf_neg(vf x) { return _mm_xor_ps(_mm_set1_ps(-0.0f), x); }
/* |mag| with the sign of sgn */
static inline vf vf_copysign(vf mag, vf sgn) {
    const vf s = _mm_set1_ps(-0.0f);
    return _mm_or_ps(_mm_andnot_ps(s, mag), _mm_and_ps(s, sgn));
}

static inline vm vf_lt(vf a, vf b) { return _mm_cmplt_ps(a, b); }
static inline vm vf_le(vf a, vf b) { return _mm_cmple_ps(a, b); }
static inline vm vf_gt(vf a, vf b) { return _mm_cmpgt_ps(a, b); }
static inline vm vf_notfinite(vf a) {
    const vi e = _mm_set1_epi32(0x7f800000);
    return _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(_mm_castps_si128(a), e), e));
}
static inline vf vf_select(vm m, vf a, vf b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
/* Lanes 0..r-1 set (r <= DSC_VL). */
static inline vm vm_first(size_t r) {
    return _mm_castsi128_ps(_mm_cmplt_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32((int)r)));
}
static inline vm vm_none(void) { return _mm_setzero_ps(); }
static inline vm vm_or(vm a, vm b) { return _mm_or_ps(a, b); }
static inline int vm_any(vm m) { return _mm_movemask_ps(m) != 0; }

/* Round to nearest (the default mode) to int32, and back. */
static inline vi vf_round_i(vf x) { return _mm_cvtps_epi32(x); }
static inline vf vi_to_f(vi x) { return _mm_cvtepi32_ps(x); }
static inline vi vi_set1(int x) { return _mm_set1_epi32(x); }
static inline vi vi_add(vi a, vi b) { return _mm_add_epi32(a, b); }
static inline vi vi_sub(vi a, vi b) { return _mm_sub_epi32(a, b); }
#define vi_srai(a, s) _mm_srai_epi32((a), (s))
#define vi_slli(a, s) _mm_slli_epi32((a), (s))
static inline vf vi_as_f(vi x) { return _mm_castsi128_ps(x); }
static inline vi vf_as_i(vf x) { return _mm_castps_si128(x); }

/* Horizontal reductions, in a fixed lane order. */
static inline float vf_hsum(vf v) {
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
    return _mm_cvtss_f32(v);
}
static inline float vf_hmax(vf v) {
    v = _mm_max_ps(v, _mm_movehl_ps(v, v));
    v = _mm_max_ss(v, _mm_shuffle_ps(v, v, 1));
    return _mm_cvtss_f32(v);
}

static inline vd vd_zero(void) { return _mm_setzero_pd(); }
static inline vd vd_add(vd a, vd b) { return _mm_add_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm_mul_pd(a, b); }
static inline vd vf_lo_d(vf x) { return _mm_cvtps_pd(x); }
static inline vd vf_hi_d(vf x) { return _mm_cvtps_pd(_mm_movehl_ps(x, x)); }
static inline double vd_hsum(vd v) { return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v))); }

#endif
