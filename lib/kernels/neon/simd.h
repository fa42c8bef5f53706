/* The AArch64 Advanced SIMD (NEON) vector layer: 4 float lanes. Same names
 * and meanings as sse2/simd.h (read its header comment); vf_fma is fused.
 * NEON's max/min return NaN when either operand is NaN, which is all the
 * *_nan helpers need. Only static inline functions (kernels.h's ISA rules). */
#ifndef DSC_KERNELS_NEON_SIMD_H
#define DSC_KERNELS_NEON_SIMD_H

#include <arm_neon.h>
#include <stddef.h>
#include <string.h>

#define DSC_VL 4
typedef float32x4_t vf;
typedef int32x4_t vi;
typedef float64x2_t vd;
typedef uint32x4_t vm;

/* Lanes 0..r-1 set (r <= DSC_VL). */
static inline vm vm_first(size_t r) {
    const uint32_t iota[4] = {0, 1, 2, 3};
    return vcltq_u32(vld1q_u32(iota), vdupq_n_u32((uint32_t)r));
}
static inline vf vf_load(const float *p) { return vld1q_f32(p); }
static inline void vf_store(float *p, vf v) { vst1q_f32(p, v); }
/* Through a stack buffer: no byte past p + r is touched. */
static inline vf vf_load_part(const float *p, size_t r) {
    float b[DSC_VL] = {0};
    memcpy(b, p, r * sizeof *p);
    return vld1q_f32(b);
}
static inline void vf_store_part(float *p, vf v, size_t r) {
    float b[DSC_VL];
    vst1q_f32(b, v);
    memcpy(p, b, r * sizeof *p);
}
static inline vf vf_set1(float x) { return vdupq_n_f32(x); }
static inline vf vf_zero(void) { return vdupq_n_f32(0.0f); }
static inline vf vf_add(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vf_sub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vf_mul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vf_div(vf a, vf b) { return vdivq_f32(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
static inline vf vf_sq_lo(vf x, vf hi) { return vfmaq_f32(vnegq_f32(hi), x, x); }
static inline vf vf_max_nan(vf lo, vf x) { return vmaxq_f32(lo, x); }
static inline vf vf_min_nan(vf hi, vf x) { return vminq_f32(hi, x); }
static inline vf vf_max(vf a, vf b) { return vmaxq_f32(a, b); }
static inline vf vf_min(vf a, vf b) { return vminq_f32(a, b); }
static inline vf vf_sqrt(vf x) { return vsqrtq_f32(x); }
static inline vf vf_abs(vf x) { return vabsq_f32(x); }
static inline vf vf_neg(vf x) { return vnegq_f32(x); }
static inline vf vf_copysign(vf mag, vf sgn) {
    return vbslq_f32(vdupq_n_u32(0x80000000u), sgn, vabsq_f32(mag));
}

static inline vm vf_lt(vf a, vf b) { return vcltq_f32(a, b); }
static inline vm vf_le(vf a, vf b) { return vcleq_f32(a, b); }
static inline vm vf_gt(vf a, vf b) { return vcgtq_f32(a, b); }
static inline vm vf_notfinite(vf a) {
    const uint32x4_t e = vdupq_n_u32(0x7f800000u);
    return vceqq_u32(vandq_u32(vreinterpretq_u32_f32(a), e), e);
}
static inline vf vf_select(vm m, vf a, vf b) { return vbslq_f32(m, a, b); }
static inline vm vm_none(void) { return vdupq_n_u32(0); }
static inline vm vm_or(vm a, vm b) { return vorrq_u32(a, b); }
static inline int vm_any(vm m) { return vmaxvq_u32(m) != 0; }

static inline vi vf_round_i(vf x) { return vcvtnq_s32_f32(x); }
static inline vf vi_to_f(vi x) { return vcvtq_f32_s32(x); }
static inline vi vi_set1(int x) { return vdupq_n_s32(x); }
static inline vi vi_add(vi a, vi b) { return vaddq_s32(a, b); }
static inline vi vi_sub(vi a, vi b) { return vsubq_s32(a, b); }
#define vi_srai(a, s) vshrq_n_s32((a), (s))
#define vi_slli(a, s) vshlq_n_s32((a), (s))
static inline vf vi_as_f(vi x) { return vreinterpretq_f32_s32(x); }
static inline vi vf_as_i(vf x) { return vreinterpretq_s32_f32(x); }

/* faddp/fmaxp reductions: a fixed pairwise order. */
static inline float vf_hsum(vf v) { return vaddvq_f32(v); }
static inline float vf_hmax(vf v) { return vmaxvq_f32(v); }

static inline vd vd_zero(void) { return vdupq_n_f64(0.0); }
static inline vd vd_add(vd a, vd b) { return vaddq_f64(a, b); }
static inline vd vd_mul(vd a, vd b) { return vmulq_f64(a, b); }
static inline vd vf_lo_d(vf x) { return vcvt_f64_f32(vget_low_f32(x)); }
static inline vd vf_hi_d(vf x) { return vcvt_high_f64_f32(x); }
static inline double vd_hsum(vd v) { return vaddvq_f64(v); }

#endif
