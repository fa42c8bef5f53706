/* Convolution as GEMM over patch rows ("im2row"): row s*P + p of the patch
 * matrix holds the in_c*kh*kw inputs output position p of sample s reads
 * (zero where the window hangs over the padding), in the weight's column
 * order (channel, kernel row, kernel column). A group g is the column block
 * [g*Kg, (g+1)*Kg) of it and the row block [g*og, (g+1)*og) of the weight,
 * so with the outputs in position-major order (one row of out_c per
 * position) a convolution is exactly a dense layer over the patch rows:
 *   Yt = Patches W^T + b           gemm_nt (bias included)
 *   dW += dYt^T Patches            gemm_tn
 *   db += column sums of dYt       bias_grad
 *   dPatches = dYt W               gemm_nn, then scattered back onto dx
 * per group, over all the samples of a batch at once (m = batch*oh*ow: one
 * large product instead of one per sample), except the input gradient, made
 * one sample at a time so its patches need one sample's room and the
 * forward's patches stay intact (a second backward pass gives the same). The only other work is moving
 * data: the patches, and transposing Yt to and from PyTorch's channel-major
 * layout. Cross-correlation, as PyTorch: no kernel flip. */
#include "conv_impl.h"

#include <string.h>

static size_t positions(const dsc__conv_geom *g) { return g->oh * g->ow; }
static size_t patch_len(const dsc__conv_geom *g) { return g->in_c * g->kh * g->kw; }

size_t dsc__conv_scratch_floats(const dsc__conv_geom *g, size_t batch) {
    return (batch + 1) * positions(g) * patch_len(g) + batch * positions(g) * g->out_c;
}

/* Input coordinate of tap t of output o, or -1 outside the input. */
static long long tap(size_t o, size_t t, size_t s, size_t p, size_t d, size_t n) {
    const long long v = (long long)(o * s + t * d) - (long long)p;
    return v >= 0 && v < (long long)n ? v : -1;
}

/* The taps [*lo, *hi) of output column c that fall inside the input; its
 * tap 0 reads column *first (which may be negative). */
static void tap_range(const dsc__conv_geom *g, size_t c, size_t *lo, size_t *hi, long long *first) {
    const long long f = (long long)(c * g->sw) - (long long)g->pw, d = (long long)g->dw;
    long long l = f >= 0 ? 0 : (-f + d - 1) / d;
    long long h = f >= (long long)g->iw ? 0 : ((long long)g->iw - 1 - f) / d + 1;
    if (h > (long long)g->kw) h = (long long)g->kw;
    if (l > h) l = h;
    *lo = (size_t)l, *hi = (size_t)h, *first = f;
}

/* The patch rows of output row r of one sample: for each kernel row and
 * channel, kw values per output column (rows K apart, so the rows of one
 * output row stay in L1 while the input rows are read in order). */
static void im2row(const dsc__conv_geom *g, size_t batch, const float *x, float *rows) {
    const size_t plane = g->ih * g->iw, kl = patch_len(g);
    for (size_t s = 0; s < batch; s++)
        for (size_t r = 0; r < g->oh; r++) {
            float *out = rows + (s * g->oh + r) * g->ow * kl;
            for (size_t i = 0; i < g->kh; i++) {
                const long long ir = tap(r, i, g->sh, g->ph, g->dh, g->ih);
                for (size_t ch = 0; ch < g->in_c; ch++) {
                    float *dst = out + (ch * g->kh + i) * g->kw;
                    if (ir < 0) {
                        for (size_t c = 0; c < g->ow; c++, dst += kl)
                            for (size_t j = 0; j < g->kw; j++) dst[j] = 0.0f;
                        continue;
                    }
                    const float *src = x + (s * g->in_c + ch) * plane + (size_t)ir * g->iw;
                    for (size_t c = 0; c < g->ow; c++, dst += kl) {
                        size_t lo, hi;
                        long long f;
                        tap_range(g, c, &lo, &hi, &f);
                        size_t j = 0;
                        for (; j < lo; j++) dst[j] = 0.0f;
                        for (; j < hi; j++) dst[j] = src[f + (long long)(j * g->dw)];
                        for (; j < g->kw; j++) dst[j] = 0.0f;
                    }
                }
            }
        }
}

/* dx = 0, then every patch entry of one sample added back onto the input it
 * came from (im2row's order). */
static void row2im(const dsc__conv_geom *g, const float *rows, float *dx) {
    const size_t plane = g->ih * g->iw, kl = patch_len(g);
    memset(dx, 0, g->in_c * plane * sizeof *dx);
    for (size_t r = 0; r < g->oh; r++) {
        const float *in = rows + r * g->ow * kl;
        for (size_t i = 0; i < g->kh; i++) {
            const long long ir = tap(r, i, g->sh, g->ph, g->dh, g->ih);
            if (ir < 0) continue;
            for (size_t ch = 0; ch < g->in_c; ch++) {
                const float *src = in + (ch * g->kh + i) * g->kw;
                float *d = dx + ch * plane + (size_t)ir * g->iw;
                for (size_t c = 0; c < g->ow; c++, src += kl) {
                    size_t lo, hi;
                    long long f;
                    tap_range(g, c, &lo, &hi, &f);
                    for (size_t j = lo; j < hi; j++) d[f + (long long)(j * g->dw)] += src[j];
                }
            }
        }
    }
}

/* Per sample: [P x out_c] (position-major) <-> [out_c x P] (PyTorch's), in
 * blocks of TB positions so the strided side stays in L1. */
#define TB 16

static void to_channel_major(const dsc__conv_geom *g, size_t batch, const float *yt, float *y) {
    const size_t np = positions(g), oc = g->out_c;
    for (size_t s = 0; s < batch; s++)
        for (size_t p0 = 0; p0 < np; p0 += TB) {
            const size_t pn = np - p0 < TB ? np - p0 : TB;
            const float *src = yt + (s * np + p0) * oc;
            for (size_t o = 0; o < oc; o++) {
                float *dst = y + (s * oc + o) * np + p0;
                for (size_t p = 0; p < pn; p++) dst[p] = src[p * oc + o];
            }
        }
}

static void to_position_major(const dsc__conv_geom *g, size_t batch, const float *y, float *yt) {
    const size_t np = positions(g), oc = g->out_c;
    for (size_t s = 0; s < batch; s++)
        for (size_t p0 = 0; p0 < np; p0 += TB) {
            const size_t pn = np - p0 < TB ? np - p0 : TB;
            float *dst = yt + (s * np + p0) * oc;
            for (size_t o = 0; o < oc; o++) {
                const float *src = y + (s * oc + o) * np + p0;
                for (size_t p = 0; p < pn; p++) dst[p * oc + o] = src[p];
            }
        }
}

void dsc__conv_forward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch, const float *x,
                       const float *w, const float *b, float *y, float *scratch, float *ws) {
    const size_t m = batch * positions(g), kl = patch_len(g), kg = kl / g->groups,
                 og = g->out_c / g->groups;
    float *rows = scratch, *yt = scratch + m * kl;
    im2row(g, batch, x, rows);
    for (size_t q = 0; q < g->groups; q++)
        k->gemm_nt(m, og, kg, rows + q * kg, kl, w + q * og * kg, kg, b != NULL ? b + q * og : NULL,
                   yt + q * og, g->out_c, ws);
    to_channel_major(g, batch, yt, y);
}

void dsc__conv_backward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch,
                        const float *w, const float *dy, float *dw, float *db, float *dx,
                        float *scratch, float *ws) {
    const size_t m = batch * positions(g), kl = patch_len(g), kg = kl / g->groups,
                 og = g->out_c / g->groups;
    const size_t np = positions(g), xn = g->in_c * g->ih * g->iw;
    float *rows = scratch, *dyt = scratch + m * kl, *drows = dyt + m * g->out_c;
    to_position_major(g, batch, dy, dyt);
    for (size_t q = 0; q < g->groups; q++)
        k->gemm_tn(og, kg, m, dyt + q * og, g->out_c, rows + q * kg, kl, dw + q * og * kg, kg, ws);
    if (db != NULL) k->bias_grad(m, g->out_c, dyt, g->out_c, db);
    if (dx == NULL) return;
    for (size_t s = 0; s < batch; s++) {
        const float *dys = dyt + s * np * g->out_c;
        for (size_t q = 0; q < g->groups; q++)
            k->gemm_nn(np, kg, og, dys + q * og, g->out_c, w + q * og * kg, kg, drows + q * kg, kl, ws);
        row2im(g, drows, dx + s * xn);
    }
}
