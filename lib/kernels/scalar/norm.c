/* scalar kernels: batch norm and layer norm, the reference. Formulas
 * (torch.nn.functional.batch_norm / layer_norm, float64 semantics):
 *   batch norm, channel j over its N = n*s values:
 *     mean = sum x / N, var = sum (x - mean)^2 / N (biased: normalising);
 *     forward y = (x - mean) * alpha + beta with alpha = w / sqrt(var + eps),
 *     beta = b (lib/nn/batchnorm.c derives them);
 *     backward (training) dx = (dy - sum dy / N - (x - mean) * k) * w * rstd,
 *     k = sum(dy * (x - mean)) * rstd^2 / N (PyTorch's
 *     batch_norm_cpu_backward_template, centred rather than folded);
 *   layer norm, row r over its d values: xh = (x - mean) * rstd,
 *     y = xh * w + b; dx = rstd * (dy*w - mean(dy*w) - xh * mean(dy*w*xh)).
 * Sums are accumulated in double, left to right; every elementwise result
 * uses the float operations kernels.h writes, in that order, which the SIMD
 * sets repeat bit for bit. */
#include "../kernels.h"

static void bn_moments(size_t n, size_t c, size_t s, const float *x, float *mean, float *var) {
    const double cnt = (double)(n * s);
    for (size_t j = 0; j < c; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            const float *r = x + (i * c + j) * s;
            for (size_t t = 0; t < s; t++) sum += r[t];
        }
        const float m = (float)(sum / cnt);
        double sq = 0.0;
        for (size_t i = 0; i < n; i++) {
            const float *r = x + (i * c + j) * s;
            for (size_t t = 0; t < s; t++) {
                const double d = (double)r[t] - m;
                sq += d * d;
            }
        }
        mean[j] = m;
        var[j] = (float)(sq / cnt);
    }
}

static void bn_apply(size_t n, size_t c, size_t s, const float *x, const float *mean,
                     const float *alpha, const float *beta, float *y) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++) {
            const size_t o = (i * c + j) * s;
            for (size_t t = 0; t < s; t++) y[o + t] = (x[o + t] - mean[j]) * alpha[j] + beta[j];
        }
}

static void bn_backward_sums(size_t n, size_t c, size_t s, const float *x, const float *dy,
                             const float *mean, float *sdy, float *sdxm) {
    for (size_t j = 0; j < c; j++) {
        double a = 0.0, p = 0.0;
        for (size_t i = 0; i < n; i++) {
            const size_t o = (i * c + j) * s;
            for (size_t t = 0; t < s; t++) {
                a += dy[o + t];
                p += (double)dy[o + t] * ((double)x[o + t] - mean[j]);
            }
        }
        sdy[j] = (float)a;
        sdxm[j] = (float)p;
    }
}

static void bn_backward_dx(size_t n, size_t c, size_t s, const float *x, const float *dy,
                           const float *mean, const float *k, const float *gmean, const float *g,
                           float *dx) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++) {
            const size_t o = (i * c + j) * s;
            for (size_t t = 0; t < s; t++)
                dx[o + t] = ((dy[o + t] - gmean[j]) - (x[o + t] - mean[j]) * k[j]) * g[j];
        }
}

static void ln_apply(size_t rows, size_t d, const float *x, const float *mean, const float *rstd,
                     const float *w, const float *b, float *y) {
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++)
            y[r * d + i] = ((x[r * d + i] - mean[r]) * rstd[r]) * w[i] + b[i];
}

static void ln_backward(size_t rows, size_t d, const float *x, const float *dy, const float *mean,
                        const float *rstd, const float *w, float *dx, float *dw, float *db) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * d, *gr = dy + r * d;
        double a = 0.0, p = 0.0;
        for (size_t i = 0; i < d; i++) {
            const float gw = gr[i] * w[i];
            const float xh = (xr[i] - mean[r]) * rstd[r];
            a += gw;
            p += (double)gw * xh;
            dw[i] += gr[i] * xh;
            db[i] += gr[i];
        }
        if (dx == NULL) continue;
        const float ma = (float)(a / (double)d), mp = (float)(p / (double)d);
        for (size_t i = 0; i < d; i++) {
            const float gw = gr[i] * w[i];
            const float xh = (xr[i] - mean[r]) * rstd[r];
            dx[r * d + i] = ((gw - ma) - xh * mp) * rstd[r];
        }
    }
}

void dsc__scalar_init_norm(dsc_kernels *k) {
    k->bn_moments = bn_moments;
    k->bn_apply = bn_apply;
    k->bn_backward_sums = bn_backward_sums;
    k->bn_backward_dx = bn_backward_dx;
    k->ln_apply = ln_apply;
    k->ln_backward = ln_backward;
}
