/* avx2 kernels (AVX2 + FMA3): GEMM (gemm_nt, gemm_nn, gemm_tn) and
 * bias_grad. The driver (blocking, packing, edges, small products, entry
 * points) is ../gemm_tmpl.h over simd.h, with 16 ymm registers: 16-wide B
 * panels (8 wide for a narrow last one), 6-row A panels, a 6 x 16
 * micro-kernel (12 ymm accumulators, A broadcast, two ymm of B per k step)
 * with 2-row and 8-column instances; edge tiles and tails with
 * maskload / maskstore. A is read in place for k < 32 too (see
 * avx512/gemm.c). Here: the packing of row-major panels (8 x 8 transposes). */
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

#include "../gemm_tmpl.h"

static inline void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* 8-wide groups go through 8 x 8 transposes
 * (missing rows as zeros), 6-row A panels element by element. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    if (w % 8 != 0) { /* the 6-row A panels */
        for (size_t p = 0; p < kc; p++)
            for (size_t i = 0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
        return;
    }
    for (size_t r0 = 0; r0 < w; r0 += 8) {
        /* A group of 8 panel rows, of which the first live exist (zeros after). */
        size_t live = rows > r0 ? min_sz(8, rows - r0) : 0;
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 8 <= kc; p += 8) {
            __m256 r[8];
            for (size_t i = 0; i < 8; i++)
                r[i] = i < live ? _mm256_loadu_ps(s + i * ld + p) : _mm256_setzero_ps();
            transpose8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (p + (size_t)i) * w + r0, r[i]);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 8; i++) dst[p * w + r0 + i] = i < live ? s[i * ld + p] : 0.0f;
    }
}

void dsc__avx2_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
