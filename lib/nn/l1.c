/* Mean absolute error, torch.nn.L1Loss(reduction='mean'):
 *   L = (1/N) sum |y - t|, dL/dy = sign(y - t) / N with sign(0) = 0 (torch.sign). */
#include "loss_impl.h"

#include <math.h>

static double l1_forward(const dsc_loss *l) {
    size_t n = l->batch * l->width;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += fabs((double)l->y[i] - l->target[i]);
    return s / (double)n;
}

static void l1_backward(const dsc_loss *l, float *dy) {
    size_t n = l->batch * l->width;
    float g = (float)(1.0 / (double)n);
    for (size_t i = 0; i < n; i++) {
        float d = l->y[i] - l->target[i];
        dy[i] = d > 0.0f ? g : d < 0.0f ? -g : 0.0f;
    }
}

const dsc__loss_vtable dsc__loss_l1 = {
    DSC_LOSS_L1, "l1", 0, NULL, 0, l1_forward, l1_backward,
};
