/* neon kernels: fused optimizer updates (update_*), 4 floats per vector.
 * The arithmetic is ../update_tmpl.h's. vmaxq/vminq propagate NaN, so max
 * and min are built from a compare and a select to keep x86's
 * a > b ? a : b semantics; no FMA (fmla), so every result is bit-identical
 * to the scalar reference (see kernels.h). */
#include <arm_neon.h>

#define DSC_VW 4
#define VT float32x4_t
#define V_ld(p) vld1q_f32(p)
#define V_st(p, x) vst1q_f32((p), (x))
#define V_set(c) vdupq_n_f32(c)
#define V_add vaddq_f32
#define V_sub vsubq_f32
#define V_mul vmulq_f32
#define V_div vdivq_f32
#define V_sqrt vsqrtq_f32
#define V_max(a, b) dsc_neon_max((a), (b))
#define V_min(a, b) dsc_neon_min((a), (b))
#define V_abs vabsq_f32
#define V_gt vcgtq_f32
#define V_lt vcltq_f32
#define V_sel vbslq_f32

static inline float32x4_t dsc_neon_max(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcgtq_f32(a, b), a, b);
}

static inline float32x4_t dsc_neon_min(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcltq_f32(a, b), a, b);
}

#include "../update_tmpl.h"

void dsc__neon_init_update(dsc_kernels *k) {
    upd_fill(k);
}
