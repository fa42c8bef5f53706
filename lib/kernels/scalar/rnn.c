/* scalar kernels: the recurrent cells (lstm_fwd, lstm_bwd, gru_fwd,
 * gru_bwd), the reference every ISA is checked against. Formulas are
 * PyTorch's CPU cells (aten/src/ATen/native/RNN.cpp, LSTMCell and GRUCell):
 *   LSTM: gates = gh + gx; i, f, o = sigmoid, g = tanh;
 *         c = f*c_prev + i*g; h = o*tanh(c)
 *   GRU:  r = sigmoid(gh_r + gx_r), z = sigmoid(gh_z + gx_z),
 *         n = tanh(gx_n + r*gh_n); h = (h_prev - n)*z + n
 * and their derivatives (kernels.h). The backward kernels use no
 * transcendental and no FMA: the template in ../rnn_tmpl.h performs the same
 * operations in the same order, so every ISA's backward is bit-identical to
 * this one. */
#include "../kernels.h"

#include <math.h>

/* As scalar/act.c's sigmoid: e^-|x| never overflows. */
static float sigm(float v) {
    if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
    const float e = expf(v);
    return e / (1.0f + e);
}

static void lstm_fwd(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                     size_t ldgh, const float *rec_prev, float *rec, float *y, size_t ldy) {
    for (size_t r = 0; r < m; r++) {
        const float *ax = gx + r * ldgx, *ah = gh + r * ldgh;
        const float *cp = rec_prev != NULL ? rec_prev + r * 6 * h + 4 * h : NULL;
        float *q = rec + r * 6 * h, *yr = y + r * ldy;
        for (size_t j = 0; j < h; j++) {
            const float i = sigm(ah[j] + ax[j]);
            const float f = sigm(ah[h + j] + ax[h + j]);
            const float g = tanhf(ah[2 * h + j] + ax[2 * h + j]);
            const float o = sigm(ah[3 * h + j] + ax[3 * h + j]);
            const float c = cp != NULL ? f * cp[j] + i * g : i * g;
            const float tc = tanhf(c);
            q[j] = i, q[h + j] = f, q[2 * h + j] = g, q[3 * h + j] = o;
            q[4 * h + j] = c, q[5 * h + j] = tc;
            yr[j] = o * tc;
        }
    }
}

static void gru_fwd(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                    size_t ldgh, const float *hprev, size_t ldhp, float *rec, float *y,
                    size_t ldy) {
    for (size_t r = 0; r < m; r++) {
        const float *ax = gx + r * ldgx, *ah = gh + r * ldgh;
        const float *hp = hprev != NULL ? hprev + r * ldhp : NULL;
        float *q = rec + r * 4 * h, *yr = y + r * ldy;
        for (size_t j = 0; j < h; j++) {
            const float rg = sigm(ah[j] + ax[j]);
            const float z = sigm(ah[h + j] + ax[h + j]);
            const float hn = ah[2 * h + j];
            const float n = tanhf(ax[2 * h + j] + rg * hn);
            const float p = hp != NULL ? hp[j] : 0.0f;
            q[j] = rg, q[h + j] = z, q[2 * h + j] = n, q[3 * h + j] = hn;
            yr[j] = (p - n) * z + n;
        }
    }
}

static void lstm_bwd(size_t m, size_t h, const float *rec, const float *rec_prev,
                     const float *dy, size_t ldy, const float *dhr, float *dc, float *dg,
                     size_t lddg) {
    for (size_t r = 0; r < m; r++) {
        const float *q = rec + r * 6 * h, *dyr = dy + r * ldy;
        const float *cp = rec_prev != NULL ? rec_prev + r * 6 * h + 4 * h : NULL;
        const float *dhrr = dhr != NULL ? dhr + r * h : NULL;
        float *dcr = dc + r * h, *d = dg + r * lddg;
        for (size_t j = 0; j < h; j++) {
            const float i = q[j], f = q[h + j], g = q[2 * h + j], o = q[3 * h + j];
            const float tc = q[5 * h + j];
            const float c0 = cp != NULL ? cp[j] : 0.0f;
            const float dh = dyr[j] + (dhrr != NULL ? dhrr[j] : 0.0f);
            const float dcj = dcr[j] + (dh * o) * (1.0f - tc * tc);
            d[j] = ((dcj * g) * (1.0f - i)) * i;
            d[h + j] = ((dcj * c0) * (1.0f - f)) * f;
            d[2 * h + j] = (dcj * i) * (1.0f - g * g);
            d[3 * h + j] = ((dh * tc) * (1.0f - o)) * o;
            dcr[j] = dcj * f;
        }
    }
}

static void gru_bwd(size_t m, size_t h, const float *rec, const float *hprev, size_t ldhp,
                    const float *dy, size_t ldy, const float *dhr, float *dhz, float *dgx,
                    size_t lddgx, float *dgh) {
    for (size_t r = 0; r < m; r++) {
        const float *q = rec + r * 4 * h, *dyr = dy + r * ldy;
        const float *hp = hprev != NULL ? hprev + r * ldhp : NULL;
        const float *dhrr = dhr != NULL ? dhr + r * h : NULL;
        float *dzr = dhz + r * h, *dx = dgx + r * lddgx, *dhh = dgh + r * 3 * h;
        for (size_t j = 0; j < h; j++) {
            const float rg = q[j], z = q[h + j], n = q[2 * h + j], hn = q[3 * h + j];
            const float p = hp != NULL ? hp[j] : 0.0f;
            const float dh = (dyr[j] + (dhrr != NULL ? dhrr[j] : 0.0f)) + dzr[j];
            const float dn = (dh * (1.0f - z)) * (1.0f - n * n);
            const float dr = ((dn * hn) * (1.0f - rg)) * rg;
            const float dz = ((dh * (p - n)) * (1.0f - z)) * z;
            dx[j] = dr, dx[h + j] = dz, dx[2 * h + j] = dn;
            dhh[j] = dr, dhh[h + j] = dz, dhh[2 * h + j] = dn * rg;
            dzr[j] = dh * z;
        }
    }
}

void dsc__scalar_init_rnn(dsc_kernels *k) {
    k->lstm_fwd = lstm_fwd;
    k->gru_fwd = gru_fwd;
    k->lstm_bwd = lstm_bwd;
    k->gru_bwd = gru_bwd;
}
