/* Convolution as GEMM over column patches ("im2col"), one sample at a time:
 * column p of a sample's patch matrix holds the in_c*kh*kw inputs output
 * position p reads (zero where the window hangs over the padding), its rows
 * in the weight's column order (channel, kernel row, kernel column). A
 * group g is the row block [g*Kg, (g+1)*Kg) of it and the row block
 * [g*og, (g+1)*og) of the weight and of the output, so per sample and group:
 *   Y  = W Patches (+ b per row)        gemm_nn, the output in PyTorch's
 *                                       channel-major layout directly
 *   dW += dY Patches^T                  gemm_nt into a small buffer, added
 *   db += row sums of dY
 *   dPatches = W^T dY                   gemm_tn (onto zeros), then added
 *                                       back onto dx
 * A row of the patch matrix is one kernel tap over every output position:
 * with stride 1 each output row's part of it is a contiguous run of an
 * input row (a plain copy), so building it costs little next to the
 * products. The forward pass keeps the patches of the whole batch in the
 * layer's scratch for the backward pass, which changes nothing there (a
 * second backward pass gives the same). Cross-correlation, as PyTorch: no
 * kernel flip. */
#include "conv_impl.h"

#include <string.h>

static size_t positions(const dsc__conv_geom *g) { return g->oh * g->ow; }
static size_t patch_len(const dsc__conv_geom *g) { return g->in_c * g->kh * g->kw; }

size_t dsc__conv_scratch_floats(const dsc__conv_geom *g, size_t batch) {
    /* every sample's patches, one sample's patch gradient, one weight gradient */
    return (batch + 1) * patch_len(g) * positions(g) + g->out_c * (patch_len(g) / g->groups);
}

/* Input coordinate of tap t of output o, or -1 outside the input. */
static long long tap(size_t o, size_t t, size_t s, size_t p, size_t d, size_t n) {
    const long long v = (long long)(o * s + t * d) - (long long)p;
    return v >= 0 && v < (long long)n ? v : -1;
}

/* The output columns [*lo, *hi) whose kernel column j falls inside the
 * input, which they read at c*sw + *off. */
static void col_range(const dsc__conv_geom *g, size_t j, size_t *lo, size_t *hi, long long *off) {
    const long long o = (long long)(j * g->dw) - (long long)g->pw, s = (long long)g->sw;
    long long l = o >= 0 ? 0 : (-o + s - 1) / s;
    long long h = o >= (long long)g->iw ? 0 : ((long long)g->iw - 1 - o) / s + 1;
    if (h > (long long)g->ow) h = (long long)g->ow;
    if (l > h) l = h;
    *lo = (size_t)l, *hi = (size_t)h, *off = o;
}

/* One sample's patch matrix [in_c*kh*kw x oh*ow]. */
static void im2col(const dsc__conv_geom *g, const float *x, float *col) {
    const size_t plane = g->ih * g->iw, np = positions(g);
    for (size_t j = 0; j < g->kw; j++) {
        size_t lo, hi;
        long long off;
        col_range(g, j, &lo, &hi, &off);
        for (size_t ch = 0; ch < g->in_c; ch++)
            for (size_t i = 0; i < g->kh; i++) {
                float *dst = col + ((ch * g->kh + i) * g->kw + j) * np;
                for (size_t r = 0; r < g->oh; r++, dst += g->ow) {
                    const long long ir = tap(r, i, g->sh, g->ph, g->dh, g->ih);
                    size_t c = 0;
                    if (ir >= 0) {
                        const float *src = x + ch * plane + (size_t)ir * g->iw;
                        for (; c < lo; c++) dst[c] = 0.0f;
                        if (g->sw == 1) {
                            memcpy(dst + lo, src + (long long)lo + off, (hi - lo) * sizeof *dst);
                            c = hi;
                        }
                        for (; c < hi; c++) dst[c] = src[(long long)(c * g->sw) + off];
                    }
                    for (; c < g->ow; c++) dst[c] = 0.0f;
                }
            }
    }
}

/* dx = 0, then every entry of one sample's patch gradient added back onto
 * the input it came from. */
static void col2im(const dsc__conv_geom *g, const float *col, float *dx) {
    const size_t plane = g->ih * g->iw, np = positions(g);
    memset(dx, 0, g->in_c * plane * sizeof *dx);
    for (size_t ch = 0; ch < g->in_c; ch++)
        for (size_t i = 0; i < g->kh; i++)
            for (size_t j = 0; j < g->kw; j++) {
                size_t lo, hi;
                long long off;
                col_range(g, j, &lo, &hi, &off);
                const float *src = col + ((ch * g->kh + i) * g->kw + j) * np;
                for (size_t r = 0; r < g->oh; r++, src += g->ow) {
                    const long long ir = tap(r, i, g->sh, g->ph, g->dh, g->ih);
                    if (ir < 0) continue;
                    float *d = dx + ch * plane + (size_t)ir * g->iw;
                    for (size_t c = lo; c < hi; c++) d[(long long)(c * g->sw) + off] += src[c];
                }
            }
}

void dsc__conv_forward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch, const float *x,
                       const float *w, const float *b, float *y, float *scratch, float *ws) {
    const size_t np = positions(g), kl = patch_len(g), kg = kl / g->groups,
                 og = g->out_c / g->groups, xn = g->in_c * g->ih * g->iw;
    for (size_t s = 0; s < batch; s++) {
        float *col = scratch + s * kl * np, *ys = y + s * g->out_c * np;
        im2col(g, x + s * xn, col);
        for (size_t q = 0; q < g->groups; q++)
            k->gemm_nn(og, np, kg, w + q * og * kg, kg, col + q * kg * np, np, ys + q * og * np, np, ws);
        if (b == NULL) continue;
        for (size_t o = 0; o < g->out_c; o++) /* after the sum, as gemm_nt adds its bias */
            for (size_t p = 0; p < np; p++) ys[o * np + p] += b[o];
    }
}

void dsc__conv_backward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch,
                        const float *w, const float *dy, float *dw, float *db, float *dx,
                        float *scratch, float *ws) {
    const size_t np = positions(g), kl = patch_len(g), kg = kl / g->groups,
                 og = g->out_c / g->groups, xn = g->in_c * g->ih * g->iw;
    float *dcol = scratch + batch * kl * np, *gw = dcol + kl * np;
    for (size_t s = 0; s < batch; s++) {
        const float *col = scratch + s * kl * np, *dys = dy + s * g->out_c * np;
        for (size_t q = 0; q < g->groups; q++)
            k->gemm_nt(og, kg, np, dys + q * og * np, np, col + q * kg * np, np, NULL,
                       gw + q * og * kg, kg, ws);
        for (size_t e = 0; e < g->out_c * kg; e++) dw[e] += gw[e];
        if (db != NULL)
            for (size_t o = 0; o < g->out_c; o++) {
                float sum = 0.0f;
                for (size_t p = 0; p < np; p++) sum += dys[o * np + p];
                db[o] += sum;
            }
        if (dx == NULL) continue;
        memset(dcol, 0, kl * np * sizeof *dcol);
        for (size_t q = 0; q < g->groups; q++)
            k->gemm_tn(kg, np, og, w + q * og * kg, kg, dys + q * og * np, np, dcol + q * kg * np, np, ws);
        col2im(g, dcol, dx + s * xn);
    }
}
