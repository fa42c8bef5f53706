/* neon kernels (AArch64 Advanced SIMD): GEMM (gemm_nt, gemm_nn, gemm_tn) and
 * bias_grad. The driver (blocking, packing, edges, small products, entry
 * points) is ../gemm_tmpl.h over simd.h, with 32 q registers and vfmaq_f32:
 * 8-wide B panels (4 wide for a narrow last one), 8-row A panels, an 8 x 8
 * micro-kernel (16 accumulators) with 4-row and 4-column instances. No
 * masked stores: edge tiles go through a small buffer, tails are scalar.
 * Horizontal sums use vaddvq_f32 (a fixed pairwise order). Here: the
 * packing of row-major panels (4 x 4 transposes). */
#include "simd.h"

#define MR 8
#define NR 8
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define SMALL 3
#define GEMM_MR_SHORT 4
#define GEMM_MASKED_TAILS 0

#include "../gemm_tmpl.h"

/* Groups of 4 full rows by 4 x 4 transposes
 * (trn1/trn2 on 32-bit, then on 64-bit lanes). */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            float32x4_t x0 = vld1q_f32(s + p), x1 = vld1q_f32(s + ld + p);
            float32x4_t x2 = vld1q_f32(s + 2 * ld + p), x3 = vld1q_f32(s + 3 * ld + p);
            float32x4_t t0 = vtrn1q_f32(x0, x1), t1 = vtrn2q_f32(x0, x1);
            float32x4_t t2 = vtrn1q_f32(x2, x3), t3 = vtrn2q_f32(x2, x3);
            float32x4_t o0 = vreinterpretq_f32_f64(
                vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
            float32x4_t o1 = vreinterpretq_f32_f64(
                vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
            float32x4_t o2 = vreinterpretq_f32_f64(
                vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
            float32x4_t o3 = vreinterpretq_f32_f64(
                vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
            vst1q_f32(dst + p * w + r0, o0);
            vst1q_f32(dst + (p + 1) * w + r0, o1);
            vst1q_f32(dst + (p + 2) * w + r0, o2);
            vst1q_f32(dst + (p + 3) * w + r0, o3);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 4; i++) dst[p * w + r0 + i] = s[i * ld + p];
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = r0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
}

void dsc__neon_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
