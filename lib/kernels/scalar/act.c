/* scalar kernels: activations and softmax, the reference every ISA is
 * checked against. Formulas (PyTorch's, torch.nn.functional and
 * aten/src/ATen/native/cpu/{Activation,UnaryOps}Kernel.cpp):
 *   relu(x) = x <= 0 ? 0 : x (NaN propagates); relu'(x) = x <= 0 ? 0 : 1
 *     (threshold_backward: relu'(0) = 0)
 *   leaky_relu(x) = x > 0 ? x : alpha*x;   derivative x > 0 ? 1 : alpha
 *   sigmoid(x) = 1 / (1 + e^-x);           backward dy * (1 - y) * y
 *   tanh(x);                               backward dy * (1 - y*y)
 *   gelu(x) = x * Phi(x), Phi(x) = erfc(-x/sqrt2)/2 (the exact form,
 *     approximate='none'); backward dy * (Phi(x) + x * phi(x)),
 *     phi(x) = e^(-x^2/2) / sqrt(2 pi)
 *   gelu_tanh(x) = 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3)
 *     (approximate='tanh'); backward dy * (0.5 (1 + tanh u)
 *     + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)), PyTorch's
 *     GeluBackward; evaluated as x s and s + 2 x s (1 - s) sqrt(2/pi) (...),
 *     s = sigmoid(2u) = (1 + tanh u)/2, which does not cancel for x < 0
 *   softmax(x)_j = e^(x_j - max) / sum_k e^(x_k - max)
 *   softmax_xent: sum over rows of logsumexp(z) - z[label] (F.cross_entropy
 *     with reduction='sum'), gradient gscale * (softmax(z) - onehot).
 * Phi uses erfc rather than PyTorch's 1 + erf(x/sqrt2): the same function,
 * without the cancellation that loses all digits of Phi(x) below x = -5.
 * GELU is computed in double, then rounded once. */
#include "../kernels.h"

#include <math.h>

#define SQRT1_2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

static void identity_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) y[i] = x[i];
}

static void identity_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                         float alpha) {
    (void)x, (void)y, (void)alpha;
    for (size_t i = 0; i < n; i++) dx[i] = dy[i];
}

static void relu_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
}

static void relu_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                     float alpha) {
    (void)y, (void)alpha;
    for (size_t i = 0; i < n; i++) dx[i] = x[i] <= 0.0f ? 0.0f : dy[i];
}

static void leaky_fwd(size_t n, const float *x, float *y, float alpha) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : x[i] * alpha;
}

static void leaky_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                      float alpha) {
    (void)y;
    for (size_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * alpha;
}

static void sigmoid_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) {
        /* e^-|x| never overflows; the negative branch keeps relative accuracy. */
        const float v = x[i];
        if (v >= 0.0f) {
            y[i] = 1.0f / (1.0f + expf(-v));
        } else {
            const float e = expf(v);
            y[i] = e / (1.0f + e);
        }
    }
}

static void sigmoid_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                        float alpha) {
    (void)x, (void)alpha;
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i]) * y[i];
}

static void tanh_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

static void tanh_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                     float alpha) {
    (void)x, (void)alpha;
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* In double: in float, rounding x/sqrt2 alone costs 2 (x^2/2) eps of
 * relative error in Phi (150 ulp at x = -12). */
static void gelu_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        y[i] = (float)(v * (0.5 * erfc(v * -SQRT1_2)));
    }
}

static void gelu_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                     float alpha) {
    (void)y, (void)alpha;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        const double cdf = 0.5 * erfc(v * -SQRT1_2);
        const double pdf = exp(-0.5 * v * v) * INV_SQRT_2PI;
        dx[i] = (float)((double)dy[i] * (cdf + v * pdf));
    }
}

#define SQRT_2_PI 0.79788456080286535588 /* sqrt(2/pi) */
#define GELU_KAPPA 0.044715

/* s = sigmoid(2u) and 1 - s, each without cancellation. */
static void gelu_tanh_s(double v, double *s, double *sm) {
    const double t = 2.0 * SQRT_2_PI * (v + GELU_KAPPA * v * v * v);
    const double e = exp(-fabs(t)), d = 1.0 / (1.0 + e);
    *s = t < 0.0 ? e * d : d;
    *sm = t < 0.0 ? d : e * d;
}

static void gelu_tanh_fwd(size_t n, const float *x, float *y, float alpha) {
    (void)alpha;
    for (size_t i = 0; i < n; i++) {
        double s, sm;
        gelu_tanh_s(x[i], &s, &sm);
        y[i] = (float)((double)x[i] * s);
    }
}

static void gelu_tanh_bwd(size_t n, const float *x, const float *y, const float *dy, float *dx,
                          float alpha) {
    (void)y, (void)alpha;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        double s, sm;
        gelu_tanh_s(v, &s, &sm);
        const double slope = 2.0 * v * (s * sm) * SQRT_2_PI * (1.0 + 3.0 * GELU_KAPPA * v * v);
        dx[i] = (float)((double)dy[i] * (s + slope));
    }
}

/* Rows in double: the reference is as exact as float inputs allow. */
static void softmax(size_t m, size_t n, const float *x, size_t ldx, float *y, size_t ldy) {
    if (n == 0) return;
    for (size_t i = 0; i < m; i++) {
        const float *xr = x + i * ldx;
        float *yr = y + i * ldy;
        float mx = xr[0];
        for (size_t j = 1; j < n; j++) mx = xr[j] > mx ? xr[j] : mx;
        double s = 0.0;
        for (size_t j = 0; j < n; j++) s += exp((double)xr[j] - mx);
        const double inv = 1.0 / s;
        for (size_t j = 0; j < n; j++) yr[j] = (float)(exp((double)xr[j] - mx) * inv);
    }
}

static double softmax_xent(size_t m, size_t n, const float *z, size_t ldz, const int32_t *labels,
                           float gscale, float *dz, size_t lddz) {
    if (n == 0) return 0.0;
    double loss = 0.0;
    for (size_t i = 0; i < m; i++) {
        const float *zr = z + i * ldz;
        float mx = zr[0];
        for (size_t j = 1; j < n; j++) mx = zr[j] > mx ? zr[j] : mx;
        double s = 0.0;
        for (size_t j = 0; j < n; j++) s += exp((double)zr[j] - mx);
        const size_t lab = (size_t)labels[i];
        /* The loss reads z before dz (which may alias z) is written. */
        loss += (double)mx + log(s) - (double)zr[lab];
        if (dz == NULL) continue;
        float *dr = dz + i * lddz;
        const double inv = 1.0 / s;
        for (size_t j = 0; j < n; j++) {
            const double p = exp((double)zr[j] - mx) * inv;
            dr[j] = (float)((double)gscale * (p - (j == lab ? 1.0 : 0.0)));
        }
    }
    return loss;
}

void dsc__scalar_init_act(dsc_kernels *k) {
    k->act_forward[DSC_ACT_IDENTITY] = identity_fwd;
    k->act_forward[DSC_ACT_RELU] = relu_fwd;
    k->act_forward[DSC_ACT_LEAKY_RELU] = leaky_fwd;
    k->act_forward[DSC_ACT_SIGMOID] = sigmoid_fwd;
    k->act_forward[DSC_ACT_TANH] = tanh_fwd;
    k->act_forward[DSC_ACT_GELU] = gelu_fwd;
    k->act_forward[DSC_ACT_GELU_TANH] = gelu_tanh_fwd;
    k->act_backward[DSC_ACT_IDENTITY] = identity_bwd;
    k->act_backward[DSC_ACT_RELU] = relu_bwd;
    k->act_backward[DSC_ACT_LEAKY_RELU] = leaky_bwd;
    k->act_backward[DSC_ACT_SIGMOID] = sigmoid_bwd;
    k->act_backward[DSC_ACT_TANH] = tanh_bwd;
    k->act_backward[DSC_ACT_GELU] = gelu_bwd;
    k->act_backward[DSC_ACT_GELU_TANH] = gelu_tanh_bwd;
    k->softmax = softmax;
    k->softmax_xent = softmax_xent;
}
