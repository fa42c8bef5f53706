/* sse2 kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad. The
 * driver (blocking, packing, edges, small products, entry points) is
 * ../gemm_tmpl.h over simd.h, with 16 xmm registers and no FMA (multiply,
 * then add): 8-wide B panels (4 wide for a narrow last one), 4-row A panels,
 * a 4 x 8 micro-kernel (8 accumulators) with 2-row and 4-column instances.
 * SSE2 has no masked stores: edge tiles go through a small buffer, tails are
 * scalar. Here: the packing of row-major panels (4 x 4 transposes). */
#include "simd.h"

#define MR 4
#define NR 8
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define SMALL 3
#define GEMM_MR_SHORT 2
#define GEMM_MASKED_TAILS 0
#define GEMM_LOAD_B(p) _mm_load_ps(p)

#include "../gemm_tmpl.h"

/* Groups of 4 full rows by 4 x 4 transposes. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            __m128 x0 = _mm_loadu_ps(s + p), x1 = _mm_loadu_ps(s + ld + p);
            __m128 x2 = _mm_loadu_ps(s + 2 * ld + p), x3 = _mm_loadu_ps(s + 3 * ld + p);
            _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
            _mm_storeu_ps(dst + p * w + r0, x0);
            _mm_storeu_ps(dst + (p + 1) * w + r0, x1);
            _mm_storeu_ps(dst + (p + 2) * w + r0, x2);
            _mm_storeu_ps(dst + (p + 3) * w + r0, x3);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 4; i++) dst[p * w + r0 + i] = s[i * ld + p];
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = r0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
}

void dsc__sse2_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
