/* Mean squared error, torch.nn.MSELoss(reduction='mean'):
 *   L = (1/N) sum (y - t)^2 over all N = batch*width elements,
 *   dL/dy = (2/N) (y - t).
 * Elementwise and cheap next to the network; accumulated in double. */
#include "loss_impl.h"

static double mse_forward(const dsc_loss *l) {
    size_t n = l->batch * l->width;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)l->y[i] - l->target[i];
        s += d * d;
    }
    return s / (double)n;
}

static void mse_backward(const dsc_loss *l, float *dy) {
    size_t n = l->batch * l->width;
    double g = 2.0 / (double)n;
    for (size_t i = 0; i < n; i++) dy[i] = (float)(g * ((double)l->y[i] - l->target[i]));
}

const dsc__loss_vtable dsc__loss_mse = {
    DSC_LOSS_MSE, "mse", 0, NULL, 0, mse_forward, mse_backward,
};
