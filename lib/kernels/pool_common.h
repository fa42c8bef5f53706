/* Pooling pieces every ISA shares (static inline, kernels.h's ISA rules):
 * the workspace size, the window bounds of PyTorch's CPU kernels
 * (aten/src/ATen/native/cpu/{MaxPool,AvgPool}Kernel.cpp) and the two
 * backward passes, which are scatters in output order with nothing to
 * vectorise. scalar/pool.c and pool_tmpl.h include it. */
#ifndef DSC_KERNELS_POOL_COMMON_H
#define DSC_KERNELS_POOL_COMMON_H

#include "kernels.h"

#include <string.h>

/* Floats of workspace maxpool_fwd and avgpool_fwd need: one input row padded
 * to every column a window of the output row reads, split into sw phases of
 * pool_row_len(g) (so each tap is a contiguous run), and one row of divisors. */
static inline size_t pool_row_len(const dsc_pool_geom *g) {
    return g->ow + ((g->kw - 1) * g->dw) / g->sw;
}
static inline size_t dsc__pool_ws_floats(const dsc_pool_geom *g) {
    return g->sw * pool_row_len(g) + g->ow;
}

/* Window bounds along one dimension of the average: [lo, hi) clipped to the
 * input, and the size clipped to the padded input (PyTorch's pool_size). */
static inline void pool_avg_span(size_t o, size_t s, size_t p, size_t k, size_t n, size_t *lo,
                                 size_t *hi, size_t *padded) {
    const long long a = (long long)(o * s) - (long long)p;
    long long b = a + (long long)k;
    if (b > (long long)(n + p)) b = (long long)(n + p);
    *padded = (size_t)(b - a);
    *lo = a < 0 ? 0 : (size_t)a;
    *hi = b > (long long)n ? n : (size_t)b;
    if (*hi < *lo) *hi = *lo;
}

/* The divisor of output (r, c) and its clipped window; 0 when the window
 * holds no input cell (the output is then 0). */
static inline float pool_avg_divisor(const dsc_pool_geom *g, size_t r, size_t c, size_t *r0,
                                     size_t *r1, size_t *c0, size_t *c1) {
    size_t ph, pw;
    pool_avg_span(r, g->sh, g->ph, g->kh, g->ih, r0, r1, &ph);
    pool_avg_span(c, g->sw, g->pw, g->kw, g->iw, c0, c1, &pw);
    if (*r0 >= *r1 || *c0 >= *c1) return 0.0f;
    return (float)(g->count_include_pad ? ph * pw : (*r1 - *r0) * (*c1 - *c0));
}

/* First valid tap of a max window along one dimension: o*s - p advanced by d
 * while negative (PyTorch's `while (ih0 < 0) ih0 += dilationH`). */
static inline size_t pool_max_first(size_t o, size_t s, size_t p, size_t d) {
    long long a = (long long)(o * s) - (long long)p;
    while (a < 0) a += (long long)d;
    return (size_t)a;
}

static inline void pool_maxpool_bwd(const dsc_pool_geom *g, const float *dy, const int32_t *idx,
                                    float *dx) {
    const size_t in = g->ih * g->iw, on = g->oh * g->ow;
    if (g->planes == 0 || in == 0) return;
    memset(dx, 0, g->planes * in * sizeof *dx);
    for (size_t q = 0; q < g->planes; q++) {
        float *d = dx + q * in;
        const float *gy = dy + q * on;
        const int32_t *ix = idx + q * on;
        for (size_t o = 0; o < on; o++) d[ix[o]] += gy[o];
    }
}

static inline void pool_avgpool_bwd(const dsc_pool_geom *g, const float *dy, float *dx) {
    const size_t in = g->ih * g->iw;
    if (g->planes == 0 || in == 0) return;
    memset(dx, 0, g->planes * in * sizeof *dx);
    for (size_t q = 0; q < g->planes; q++) {
        float *d = dx + q * in;
        const float *gy = dy + q * g->oh * g->ow;
        for (size_t r = 0; r < g->oh; r++)
            for (size_t c = 0; c < g->ow; c++) {
                size_t r0, r1, c0, c1;
                const float div = pool_avg_divisor(g, r, c, &r0, &r1, &c0, &c1);
                if (div == 0.0f) continue;
                const float delta = gy[r * g->ow + c] / div;
                for (size_t i = r0; i < r1; i++)
                    for (size_t j = c0; j < c1; j++) d[i * g->iw + j] += delta;
            }
    }
}

#endif
