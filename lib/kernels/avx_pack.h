/* Row-major panels for the AVX ISAs (avx2/gemm.c, avx512/gemm.c): 8 x 8
 * transposes of ymm. Only static inline functions (kernels.h's ISA rules);
 * the including file is compiled with at least -mavx. */
#ifndef DSC_KERNELS_AVX_PACK_H
#define DSC_KERNELS_AVX_PACK_H

#include <immintrin.h>
#include <stddef.h>

/* o[j] = column j of the 8 x 8 block r[0..7] (rows). */
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

/* One panel from a matrix whose panel index runs along rows (element (r, p)
 * at src[r * ld + p]): dst[p * w + r] for r < w, p < kc; rows >= rows are 0.
 * w is a multiple of 8. */
static inline void pack_rows8(size_t kc, size_t rows, size_t w, const float *src, size_t ld,
                              float *dst) {
    for (size_t r0 = 0; r0 < w; r0 += 8) {
        /* A group of 8 panel rows, of which the first live exist (zeros after). */
        size_t live = rows > r0 ? (rows - r0 < 8 ? rows - r0 : 8) : 0;
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

#endif
