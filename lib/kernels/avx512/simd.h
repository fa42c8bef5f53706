/* The AVX-512 (F, DQ, BW, VL) vector layer: 16 float lanes. Same names and
 * meanings as sse2/simd.h (read its header comment); masks are k-registers,
 * partial vectors are masked loads and stores (nothing past the end is
 * touched, and masked-off lanes cannot fault). vf_fma is fused. Only static
 * inline functions (kernels.h's ISA rules). */
#ifndef DSC_KERNELS_AVX512_SIMD_H
#define DSC_KERNELS_AVX512_SIMD_H

#include <immintrin.h>
#include <stddef.h>

#define DSC_VL 16
typedef __m512 vf;
typedef __m512i vi;
typedef __m512d vd;
typedef __mmask16 vm;

static inline vm vm_first(size_t r) { return (vm)((1u << r) - 1u); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_load_part(const float *p, size_t r) { return _mm512_maskz_loadu_ps(vm_first(r), p); }
static inline void vf_store_part(float *p, vf v, size_t r) { _mm512_mask_storeu_ps(p, vm_first(r), v); }
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vf_sq_lo(vf x, vf hi) { return _mm512_fmsub_ps(x, x, hi); }
/* vmaxps/vminps return the second operand when either is NaN, as SSE. */
static inline vf vf_max_nan(vf lo, vf x) { return _mm512_max_ps(lo, x); }
static inline vf vf_min_nan(vf hi, vf x) { return _mm512_min_ps(hi, x); }
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vf_sqrt(vf x) { return _mm512_sqrt_ps(x); }
static inline vf vf_abs(vf x) { return _mm512_abs_ps(x); }
static inline vf vf_neg(vf x) { return _mm512_xor_ps(_mm512_set1_ps(-0.0f), x); }
static inline vf vf_copysign(vf mag, vf sgn) {
    const vf s = _mm512_set1_ps(-0.0f);
    return _mm512_or_ps(_mm512_andnot_ps(s, mag), _mm512_and_ps(s, sgn));
}

static inline vm vf_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vm vf_le(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
static inline vm vf_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vm vf_notfinite(vf a) {
    const vi e = _mm512_set1_epi32(0x7f800000);
    return _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_castps_si512(a), e), e);
}
static inline vf vf_select(vm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline vm vm_none(void) { return 0; }
static inline vm vm_or(vm a, vm b) { return (vm)(a | b); }
static inline int vm_any(vm m) { return m != 0; }

static inline vi vf_round_i(vf x) { return _mm512_cvtps_epi32(x); }
static inline vf vi_to_f(vi x) { return _mm512_cvtepi32_ps(x); }
static inline vi vi_set1(int x) { return _mm512_set1_epi32(x); }
static inline vi vi_add(vi a, vi b) { return _mm512_add_epi32(a, b); }
static inline vi vi_sub(vi a, vi b) { return _mm512_sub_epi32(a, b); }
#define vi_srai(a, s) _mm512_srai_epi32((a), (s))
#define vi_slli(a, s) _mm512_slli_epi32((a), (s))
static inline vf vi_as_f(vi x) { return _mm512_castsi512_ps(x); }
static inline vi vf_as_i(vf x) { return _mm512_castps_si512(x); }

/* Fixed-order tree reductions (the compiler's _mm512_reduce_* order is not
 * promised). */
static inline float vf_hsum(vf v) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
static inline float vf_hmax(vf v) {
    const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

static inline vd vd_zero(void) { return _mm512_setzero_pd(); }
static inline vd vd_add(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd vf_lo_d(vf x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
static inline vd vf_hi_d(vf x) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1)); }
static inline double vd_hsum(vd v) {
    const __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#endif
