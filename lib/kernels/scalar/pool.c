/* scalar kernels: max and average pooling, the reference, transcribed from
 * PyTorch's CPU kernels (aten/src/ATen/native/cpu/MaxPoolKernel.cpp
 * cpu_max_pool, AvgPoolKernel.cpp cpu_avg_pool; torch.nn.MaxPool2d/AvgPool2d
 * and their 1-d forms, which PyTorch runs as 2-d with a height of 1):
 *   max:  over the window's valid taps, row by row, take val when
 *         val > max || isnan(val), starting from -inf and the first valid
 *         tap's index; padding is never read (-inf padding).
 *   avg:  sum (from 0, row by row) of the cells inside the input, divided by
 *         the window clipped to the padded input (count_include_pad) or to
 *         the input; 0 for a window without input cells.
 * The backward passes are pool_common.h's, shared by every ISA. */
#include "../pool_common.h"

#include <math.h>

static void maxpool_fwd(const dsc_pool_geom *g, const float *x, float *y, int32_t *idx, float *ws) {
    (void)ws;
    const size_t in = g->ih * g->iw, on = g->oh * g->ow;
    for (size_t q = 0; q < g->planes; q++) {
        const float *xp = x + q * in;
        for (size_t r = 0; r < g->oh; r++)
            for (size_t c = 0; c < g->ow; c++) {
                const size_t r0 = pool_max_first(r, g->sh, g->ph, g->dh);
                const size_t c0 = pool_max_first(c, g->sw, g->pw, g->dw);
                const size_t r1e = r * g->sh + (g->kh - 1) * g->dh + 1 - g->ph;
                const size_t c1e = c * g->sw + (g->kw - 1) * g->dw + 1 - g->pw;
                const size_t r1 = r1e < g->ih ? r1e : g->ih, c1 = c1e < g->iw ? c1e : g->iw;
                size_t best = r0 * g->iw + c0;
                float m = -INFINITY;
                for (size_t i = r0; i < r1; i += g->dh)
                    for (size_t j = c0; j < c1; j += g->dw) {
                        const float v = xp[i * g->iw + j];
                        if (v > m || isnan(v)) {
                            m = v;
                            best = i * g->iw + j;
                        }
                    }
                y[q * on + r * g->ow + c] = m;
                idx[q * on + r * g->ow + c] = (int32_t)best;
            }
    }
}

static void avgpool_fwd(const dsc_pool_geom *g, const float *x, float *y, float *ws) {
    (void)ws;
    const size_t in = g->ih * g->iw, on = g->oh * g->ow;
    for (size_t q = 0; q < g->planes; q++) {
        const float *xp = x + q * in;
        for (size_t r = 0; r < g->oh; r++)
            for (size_t c = 0; c < g->ow; c++) {
                size_t r0, r1, c0, c1;
                const float div = pool_avg_divisor(g, r, c, &r0, &r1, &c0, &c1);
                float s = 0.0f;
                for (size_t i = r0; i < r1; i++)
                    for (size_t j = c0; j < c1; j++) s += xp[i * g->iw + j];
                y[q * on + r * g->ow + c] = div == 0.0f ? 0.0f : s / div;
            }
    }
}

void dsc__scalar_init_pool(dsc_kernels *k) {
    k->maxpool_fwd = maxpool_fwd;
    k->maxpool_bwd = pool_maxpool_bwd;
    k->avgpool_fwd = avgpool_fwd;
    k->avgpool_bwd = pool_avgpool_bwd;
}
