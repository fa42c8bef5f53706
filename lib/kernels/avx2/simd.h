/* The AVX2+FMA vector layer: 8 float lanes. Same names and meanings as
 * sse2/simd.h (read its header comment); vf_fma is a true fused multiply-add
 * here. Only static inline functions (kernels.h's ISA rules). */
#ifndef DSC_KERNELS_AVX2_SIMD_H
#define DSC_KERNELS_AVX2_SIMD_H

#include <immintrin.h>
#include <stddef.h>

#define DSC_VL 8
typedef __m256 vf;
typedef __m256i vi;
typedef __m256d vd;
typedef __m256 vm;

/* Lanes 0..r-1 set (r <= DSC_VL). */
static inline vm vm_first(size_t r) {
    return _mm256_castsi256_ps(
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
/* vmaskmov: masked-off lanes are neither read nor written and cannot fault. */
static inline vf vf_load_part(const float *p, size_t r) {
    return _mm256_maskload_ps(p, _mm256_castps_si256(vm_first(r)));
}
static inline void vf_store_part(float *p, vf v, size_t r) {
    _mm256_maskstore_ps(p, _mm256_castps_si256(vm_first(r)), v);
}
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_sq_lo(vf x, vf hi) { return _mm256_fmsub_ps(x, x, hi); }
static inline vf vf_max_nan(vf lo, vf x) { return _mm256_max_ps(lo, x); }
static inline vf vf_min_nan(vf hi, vf x) { return _mm256_min_ps(hi, x); }
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vf_sqrt(vf x) { return _mm256_sqrt_ps(x); }
static inline vf vf_abs(vf x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
static inline vf vf_neg(vf x) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), x); }
static inline vf vf_copysign(vf mag, vf sgn) {
    const vf s = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sgn));
}

static inline vm vf_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vm vf_le(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline vm vf_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vm vf_notfinite(vf a) {
    const vi e = _mm256_set1_epi32(0x7f800000);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(a), e), e));
}
static inline vf vf_select(vm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
static inline vm vm_none(void) { return _mm256_setzero_ps(); }
static inline vm vm_or(vm a, vm b) { return _mm256_or_ps(a, b); }
static inline int vm_any(vm m) { return _mm256_movemask_ps(m) != 0; }

static inline vi vf_round_i(vf x) { return _mm256_cvtps_epi32(x); }
static inline vf vi_to_f(vi x) { return _mm256_cvtepi32_ps(x); }
static inline vi vi_set1(int x) { return _mm256_set1_epi32(x); }
static inline vi vi_add(vi a, vi b) { return _mm256_add_epi32(a, b); }
static inline vi vi_sub(vi a, vi b) { return _mm256_sub_epi32(a, b); }
#define vi_srai(a, s) _mm256_srai_epi32((a), (s))
#define vi_slli(a, s) _mm256_slli_epi32((a), (s))
static inline vf vi_as_f(vi x) { return _mm256_castsi256_ps(x); }
static inline vi vf_as_i(vf x) { return _mm256_castps_si256(x); }

static inline float vf_hsum(vf v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}
static inline float vf_hmax(vf v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

static inline vd vd_zero(void) { return _mm256_setzero_pd(); }
static inline vd vd_add(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd vf_lo_d(vf x) { return _mm256_cvtps_pd(_mm256_castps256_ps128(x)); }
static inline vd vf_hi_d(vf x) { return _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)); }
static inline double vd_hsum(vd v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#endif
