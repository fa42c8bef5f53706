/* Max and average pooling written once over an ISA's simd.h layer; each
 * <isa>/pool.c includes its simd.h, then this file, and calls
 * tmpl_init_pool() from its family init. Semantics and PyTorch references:
 * scalar/pool.c, whose results these match bit for bit.
 *
 * Vectors run along an output row. For each input row a window row reads,
 * the row is copied once into the workspace with its padding (-inf for max,
 * 0 for average) and split into sw phases (phase r holds padded columns
 * u * sw + r), so tap j of outputs c, c + 1, ... is one contiguous run. Each
 * lane then sees the taps in the scalar order (row by row): the padding
 * cells the scalar loop skips change nothing (-inf is never > the maximum
 * and not NaN; adding +0 to a sum that starts at +0 is exact). */
#ifndef DSC_KERNELS_POOL_TMPL_H
#define DSC_KERNELS_POOL_TMPL_H

#include "pool_common.h"

#include <math.h>

/* Input row `row` of plane xp split into the phases of ws, `pad` outside
 * the input; returns the phases' start. A row every tap of which falls
 * inside the input with stride 1 is its own single phase: no copy. */
static const float *pool_fill_row(const dsc_pool_geom *g, const float *xp, size_t row, float pad,
                                  float *ws) {
    const size_t len = pool_row_len(g);
    const float *src = xp + row * g->iw;
    if (g->sw == 1 && g->pw == 0 && len <= g->iw) return src;
    for (size_t r = 0; r < g->sw; r++) {
        float *d = ws + r * len;
        /* padded column u * sw + r is input column u * sw + r - pw: inside for u in [lo, hi) */
        size_t lo = 0, hi;
        while (lo < len && lo * g->sw + r < g->pw) lo++;
        hi = lo;
        if (lo < len && lo * g->sw + r - g->pw < g->iw)
            hi = lo + (g->iw - 1 - (lo * g->sw + r - g->pw)) / g->sw + 1;
        if (hi > len) hi = len;
        size_t u = 0;
        for (; u < lo; u++) d[u] = pad;
        for (; u < hi; u++) d[u] = src[u * g->sw + r - g->pw];
        for (; u < len; u++) d[u] = pad;
    }
    return ws;
}

/* Lane l: l * step, as int32 lanes. */
static vi pool_lane_offsets(size_t step) {
    int32_t v[DSC_VL];
    float f[DSC_VL];
    for (int l = 0; l < DSC_VL; l++) v[l] = (int32_t)((size_t)l * step);
    memcpy(f, v, sizeof f);
    return vf_as_i(vf_load(f));
}

static void maxpool_fwd(const dsc_pool_geom *g, const float *x, float *y, int32_t *idx, float *ws) {
    const size_t in = g->ih * g->iw, on = g->oh * g->ow, len = pool_row_len(g);
    const vi lanes = pool_lane_offsets(g->sw);
    for (size_t q = 0; q < g->planes; q++) {
        const float *xp = x + q * in;
        for (size_t r = 0; r < g->oh; r++) {
            float *yr = y + q * on + r * g->ow;
            float *ir = (float *)(void *)(idx + q * on + r * g->ow); /* int32 lanes, moved as bits */
            const size_t r0 = pool_max_first(r, g->sh, g->ph, g->dh);
            for (size_t c = 0; c < g->ow; c++) { /* memcpy: idx is only ever read as floats here */
                const int32_t first = (int32_t)(r0 * g->iw + pool_max_first(c, g->sw, g->pw, g->dw));
                yr[c] = -INFINITY;
                memcpy(ir + c, &first, sizeof first);
            }
            for (size_t i = 0; i < g->kh; i++) {
                const long long row = (long long)(r * g->sh + i * g->dh) - (long long)g->ph;
                if (row < 0 || row >= (long long)g->ih) continue;
                const float *ph = pool_fill_row(g, xp, (size_t)row, -INFINITY, ws);
                for (size_t j = 0; j < g->kw; j++) {
                    const size_t off = j * g->dw;
                    const float *src = ph + (off % g->sw) * len + off / g->sw;
                    const long long first = row * (long long)g->iw + (long long)off - (long long)g->pw;
                    for (size_t c = 0; c < g->ow; c += DSC_VL) {
                        const size_t nl = g->ow - c < DSC_VL ? g->ow - c : DSC_VL;
                        const vf v = nl == DSC_VL ? vf_load(src + c) : vf_load_part(src + c, nl);
                        const vf m = nl == DSC_VL ? vf_load(yr + c) : vf_load_part(yr + c, nl);
                        const vf ix = nl == DSC_VL ? vf_load(ir + c) : vf_load_part(ir + c, nl);
                        const vf cand = vi_as_f(
                            vi_add(lanes, vi_set1((int)(first + (long long)(c * g->sw)))));
                        const vm gt = vf_gt(v, m), ord = vf_le(v, v); /* ord: v is not NaN */
                        const vf m1 = vf_select(ord, vf_select(gt, v, m), v);
                        const vf i1 = vf_select(ord, vf_select(gt, cand, ix), cand);
                        if (nl == DSC_VL) {
                            vf_store(yr + c, m1);
                            vf_store(ir + c, i1);
                        } else {
                            vf_store_part(yr + c, m1, nl);
                            vf_store_part(ir + c, i1, nl);
                        }
                    }
                }
            }
        }
    }
}

static void avgpool_fwd(const dsc_pool_geom *g, const float *x, float *y, float *ws) {
    const size_t in = g->ih * g->iw, on = g->oh * g->ow, len = pool_row_len(g);
    float *div = ws + g->sw * len;
    for (size_t q = 0; q < g->planes; q++) {
        const float *xp = x + q * in;
        for (size_t r = 0; r < g->oh; r++) {
            float *yr = y + q * on + r * g->ow;
            for (size_t c = 0; c < g->ow; c++) {
                size_t r0, r1, c0, c1;
                div[c] = pool_avg_divisor(g, r, c, &r0, &r1, &c0, &c1);
                yr[c] = 0.0f;
            }
            for (size_t i = 0; i < g->kh; i++) {
                const long long row = (long long)(r * g->sh + i) - (long long)g->ph;
                if (row < 0 || row >= (long long)g->ih) continue;
                const float *ph = pool_fill_row(g, xp, (size_t)row, 0.0f, ws);
                for (size_t j = 0; j < g->kw; j++) {
                    const float *src = ph + (j % g->sw) * len + j / g->sw;
                    size_t c = 0;
                    for (; c + DSC_VL <= g->ow; c += DSC_VL)
                        vf_store(yr + c, vf_add(vf_load(yr + c), vf_load(src + c)));
                    if (c < g->ow) {
                        const size_t nl = g->ow - c;
                        vf_store_part(yr + c, vf_add(vf_load_part(yr + c, nl), vf_load_part(src + c, nl)), nl);
                    }
                }
            }
            for (size_t c = 0; c < g->ow; c += DSC_VL) {
                const size_t nl = g->ow - c < DSC_VL ? g->ow - c : DSC_VL;
                const vf d = vf_load_part(div + c, nl);
                const vf v = vf_select(vf_gt(d, vf_zero()), vf_div(vf_load_part(yr + c, nl), d), vf_zero());
                vf_store_part(yr + c, v, nl);
            }
        }
    }
}

static inline void tmpl_init_pool(dsc_kernels *k) {
    k->maxpool_fwd = maxpool_fwd;
    k->maxpool_bwd = pool_maxpool_bwd;
    k->avgpool_fwd = avgpool_fwd;
    k->avgpool_bwd = pool_avgpool_bwd;
}

#endif
