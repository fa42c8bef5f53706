/* avx2 kernels (AVX2 + FMA3): GEMM (gemm_nt, gemm_nn, gemm_tn) and
 * bias_grad. The driver (blocking, packing, edges, small products, entry
 * points) is ../gemm_tmpl.h over simd.h, with 16 ymm registers: 16-wide B
 * panels (8 wide for a narrow last one), 6-row A panels, a 6 x 16
 * micro-kernel (12 ymm accumulators, A broadcast, two ymm of B per k step)
 * with 2-row and 8-column instances; edge tiles and tails with
 * maskload / maskstore. A is read in place for k < 32 too (see
 * avx512/gemm.c). Here: the packing of row-major panels (8 x 8 transposes). */
#include "../avx_pack.h"
#include "simd.h"

#define MR 6
#define NR 16
#define KC 256
#define MC 120 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define SMALL 3
#define GEMM_MR_SHORT 2
#define GEMM_MASKED_TAILS 1
#define GEMM_LOAD_B(p) _mm256_load_ps(p)
#define GEMM_PACK_A_MIN_K 32
/* tn with 4 to 12 rows (a narrow layer's weight gradient): in chunks of up
 * to 6 rows (12 ymm accumulators), A and B in place, where the 6-row packed
 * tiles would leave a short edge tile (m = 10: 6 + 4). */
#define GEMM_TN_ROWS_MAX 6
#define GEMM_TN_NARROW(m, n, k) ((m) >= 4 && (m) <= 12)
/* nn with k <= 16 (a narrow layer's input gradient): the same few-rows blocks
 * over all m rows, in chunks. */
#define GEMM_NN_SHORT_K(m, n, k) ((k) <= 16)
#define GEMM_NN_ROWS_MAX 6

/* nt with n <= 16 (the output layer): dot products along k, row by row (the
 * template's nt_dot), where 16-column tiles would leave most lanes idle. */
#define GEMM_NT_NARROW(m, n, k) ((n) <= 16 && (k) >= 32)

#include "../gemm_tmpl.h"

static void nt_narrow(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                      size_t ldb, const float *bias, float *c, size_t ldc) {
    nt_dot(m, n, k, a, lda, b, ldb, bias, c, ldc);
}

/* 8-wide groups go through 8 x 8 transposes (missing rows as zeros),
 * 6-row A panels element by element. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    if (w % 8 != 0) { /* the 6-row A panels */
        for (size_t p = 0; p < kc; p++)
            for (size_t i = 0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
        return;
    }
    pack_rows8(kc, rows, w, src, ld, dst);
}

void dsc__avx2_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
