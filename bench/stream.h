/* STREAM-style loops with an optimizer update's memory traffic: the memory
 * ceiling the update kernels are measured against (bench_update.c per kernel
 * set, bench_train.c's W3 target). Header-only, like bench_util.h. */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include "kernels/kernels.h"

/* STREAM-style loops with the update's traffic, written with GCC vector
 * extensions at the width of the kernel set under test (target attributes,
 * called only when the CPU runs that set), so the reference is as wide as
 * the kernel it is compared with. Adam's: reads p g m v, writes p m v.
 * SGD momentum's: reads p g b, writes p b. The arrays are 64-byte aligned. */
#define STREAM_FNS(SUF, ATTR, W)                                                         \
    ATTR static inline void stream_adam_##SUF(size_t n, float *restrict p, const float *restrict g, \
                                       float *restrict m, float *restrict v) {           \
        typedef float vf __attribute__((vector_size((W) * 4)));                          \
        size_t i = 0;                                                                    \
        for (; i + (W) <= n; i += (W)) {                                                 \
            vf gi = *(const vf *)(g + i);                                                \
            vf mi = *(vf *)(m + i) * 0.9f + gi;                                          \
            vf vi = *(vf *)(v + i) * 0.999f + gi;                                        \
            *(vf *)(m + i) = mi;                                                         \
            *(vf *)(v + i) = vi;                                                         \
            *(vf *)(p + i) = *(vf *)(p + i) - (mi + vi) * 1e-9f;                          \
        }                                                                                \
        for (; i < n; i++) p[i] -= 1e-9f * (m[i] = 0.9f * m[i] + g[i]);                  \
    }                                                                                    \
    ATTR static inline void stream_sgd_##SUF(size_t n, float *restrict p, const float *restrict g, \
                                      float *restrict b) {                               \
        typedef float vf __attribute__((vector_size((W) * 4)));                          \
        size_t i = 0;                                                                    \
        for (; i + (W) <= n; i += (W)) {                                                 \
            vf bi = *(vf *)(b + i) * 0.9f + *(const vf *)(g + i);                        \
            *(vf *)(b + i) = bi;                                                         \
            *(vf *)(p + i) = *(vf *)(p + i) - bi * 1e-9f;                                 \
        }                                                                                \
        for (; i < n; i++) p[i] -= 1e-9f * (b[i] = 0.9f * b[i] + g[i]);                  \
    }

STREAM_FNS(scalar, __attribute__((optimize("no-tree-vectorize"))), 1)
#if defined(__x86_64__)
STREAM_FNS(sse2, __attribute__((target("sse2"))), 4)
STREAM_FNS(avx2, __attribute__((target("avx2"))), 8)
STREAM_FNS(avx512, __attribute__((target("avx512f"))), 16)
#elif defined(__aarch64__)
STREAM_FNS(neon, , 4)
#endif

static inline void stream_adam(dsc_isa_id id, size_t n, float *p, const float *g, float *m, float *v) {
    switch (id) {
#if defined(__x86_64__)
    case DSC_ISA_SSE2: stream_adam_sse2(n, p, g, m, v); break;
    case DSC_ISA_AVX2: stream_adam_avx2(n, p, g, m, v); break;
    case DSC_ISA_AVX512: stream_adam_avx512(n, p, g, m, v); break;
#elif defined(__aarch64__)
    case DSC_ISA_NEON: stream_adam_neon(n, p, g, m, v); break;
#endif
    default: stream_adam_scalar(n, p, g, m, v); break;
    }
}

static inline void stream_sgd(dsc_isa_id id, size_t n, float *p, const float *g, float *b) {
    switch (id) {
#if defined(__x86_64__)
    case DSC_ISA_SSE2: stream_sgd_sse2(n, p, g, b); break;
    case DSC_ISA_AVX2: stream_sgd_avx2(n, p, g, b); break;
    case DSC_ISA_AVX512: stream_sgd_avx512(n, p, g, b); break;
#elif defined(__aarch64__)
    case DSC_ISA_NEON: stream_sgd_neon(n, p, g, b); break;
#endif
    default: stream_sgd_scalar(n, p, g, b); break;
    }
}

#endif
