/* sse2 kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad. The
 * driver (blocking, packing, edges, small products, entry points) is
 * ../gemm_tmpl.h over simd.h, with 16 xmm registers and no FMA (multiply,
 * then add): 8-wide B panels (4 wide for a narrow last one), 4-row A panels,
 * a 4 x 8 micro-kernel (8 accumulators) with 2-row and 4-column instances.
 * SSE2 has no masked stores: edge tiles go through a small buffer, tails are
 * scalar. Here: the 4 x 4 transpose of the row-panel packing. */
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
#define GEMM_TRANSPOSE4 transpose4

static inline void transpose4(const float *s, size_t ld, float *d, size_t w) {
    __m128 x0 = _mm_loadu_ps(s), x1 = _mm_loadu_ps(s + ld);
    __m128 x2 = _mm_loadu_ps(s + 2 * ld), x3 = _mm_loadu_ps(s + 3 * ld);
    _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
    _mm_storeu_ps(d, x0);
    _mm_storeu_ps(d + w, x1);
    _mm_storeu_ps(d + 2 * w, x2);
    _mm_storeu_ps(d + 3 * w, x3);
}

#include "../gemm_tmpl.h"

void dsc__sse2_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
