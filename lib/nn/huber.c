/* Huber and smooth L1 losses, d = y - t, mean over all N elements:
 *   torch.nn.HuberLoss(delta):     0.5 d^2 if |d| < delta, else delta (|d| - 0.5 delta);
 *                                  dL/dy = clamp(d, -delta, delta) / N
 *   torch.nn.SmoothL1Loss(beta):   0.5 d^2 / beta if |d| < beta, else |d| - 0.5 beta;
 *                                  dL/dy = clamp(d / beta, -1, 1) / N (sign(d) when beta = 0)
 * Huber = beta * SmoothL1 with beta = delta. */
#include "loss_impl.h"

#include <math.h>

static double huber_forward(const dsc_loss *l) {
    size_t n = l->batch * l->width;
    double s = 0.0, delta = l->param[DSC_LOSS_PARAM_DELTA];
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)l->y[i] - l->target[i]);
        s += a < delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }
    return s / (double)n;
}

static void huber_backward(const dsc_loss *l, float *dy) {
    size_t n = l->batch * l->width;
    double g = 1.0 / (double)n, delta = l->param[DSC_LOSS_PARAM_DELTA];
    for (size_t i = 0; i < n; i++) {
        double d = (double)l->y[i] - l->target[i];
        d = d > delta ? delta : d < -delta ? -delta : d;
        dy[i] = (float)(g * d);
    }
}

static double smooth_forward(const dsc_loss *l) {
    size_t n = l->batch * l->width;
    double s = 0.0, beta = l->param[DSC_LOSS_PARAM_BETA];
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)l->y[i] - l->target[i]);
        s += a < beta ? 0.5 * a * a / beta : a - 0.5 * beta;
    }
    return s / (double)n;
}

static void smooth_backward(const dsc_loss *l, float *dy) {
    size_t n = l->batch * l->width;
    double g = 1.0 / (double)n, beta = l->param[DSC_LOSS_PARAM_BETA];
    for (size_t i = 0; i < n; i++) {
        double d = (double)l->y[i] - l->target[i], a = fabs(d);
        double s = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0;
        dy[i] = (float)(g * (a < beta ? d / beta : s));
    }
}

/* HuberLoss(delta=1.0), delta > 0; SmoothL1Loss(beta=1.0), beta >= 0 (0: L1). */
static const dsc__setting huber_params[] = {
    {DSC_LOSS_PARAM_DELTA, "delta", 1.0, 0.0, INFINITY, DSC__SET_LO_OPEN},
};
static const dsc__setting smooth_params[] = {
    {DSC_LOSS_PARAM_BETA, "beta", 1.0, 0.0, INFINITY, 0},
};

const dsc__loss_vtable dsc__loss_huber = {
    DSC_LOSS_HUBER, "huber", 0, huber_params, 1, huber_forward, huber_backward,
};

const dsc__loss_vtable dsc__loss_smooth_l1 = {
    DSC_LOSS_SMOOTH_L1, "smooth_l1", 0, smooth_params, 1, smooth_forward, smooth_backward,
};
