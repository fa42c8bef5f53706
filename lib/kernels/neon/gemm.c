/* neon kernels (AArch64 Advanced SIMD): GEMM (gemm_nt, gemm_nn, gemm_tn) and
 * bias_grad. The driver (blocking, packing, edges, small products, entry
 * points) is ../gemm_tmpl.h over simd.h, with 32 q registers and vfmaq_f32:
 * 8-wide B panels (4 wide for a narrow last one), 8-row A panels, an 8 x 8
 * micro-kernel (16 accumulators) with 4-row and 4-column instances. No
 * masked stores: edge tiles go through a small buffer, tails are scalar.
 * Horizontal sums use vaddvq_f32 (a fixed pairwise order). Here: the 4 x 4
 * transpose of the row-panel packing. */
#include "simd.h"

#define MR 8
#define NR 8
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define SMALL 3
#define GEMM_MR_SHORT 4
#define GEMM_MASKED_TAILS 0
#define GEMM_TRANSPOSE4 transpose4

/* trn1/trn2 on 32-bit, then on 64-bit lanes. */
static inline void transpose4(const float *s, size_t ld, float *d, size_t w) {
    float32x4_t x0 = vld1q_f32(s), x1 = vld1q_f32(s + ld);
    float32x4_t x2 = vld1q_f32(s + 2 * ld), x3 = vld1q_f32(s + 3 * ld);
    float32x4_t t0 = vtrn1q_f32(x0, x1), t1 = vtrn2q_f32(x0, x1);
    float32x4_t t2 = vtrn1q_f32(x2, x3), t3 = vtrn2q_f32(x2, x3);
    vst1q_f32(d, vreinterpretq_f32_f64(
                     vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
    vst1q_f32(d + w, vreinterpretq_f32_f64(
                         vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
    vst1q_f32(d + 2 * w, vreinterpretq_f32_f64(
                             vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2))));
    vst1q_f32(d + 3 * w, vreinterpretq_f32_f64(
                             vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3))));
}

#include "../gemm_tmpl.h"

void dsc__neon_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
