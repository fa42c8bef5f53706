/* Binary cross-entropy on logits, torch.nn.BCEWithLogitsLoss(reduction='mean'):
 *   l = max(z, 0) - z t + log1p(exp(-|z|))   (stable for any z)
 *   L = mean l over all N elements, dL/dz = (sigmoid(z) - t) / N. */
#include "loss_impl.h"

#include <math.h>

static double bce_forward(const dsc_loss *l) {
    size_t n = l->batch * l->width;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double z = l->y[i], t = l->target[i];
        s += (z > 0.0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
    }
    return s / (double)n;
}

static void bce_backward(const dsc_loss *l, float *dy) {
    size_t n = l->batch * l->width;
    double g = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        double z = l->y[i];
        /* sigmoid written to avoid exp overflow on either side */
        double s = z >= 0.0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
        dy[i] = (float)(g * (s - l->target[i]));
    }
}

const dsc__loss_vtable dsc__loss_bce_logits = {
    DSC_LOSS_BCE_WITH_LOGITS, "bce_with_logits", 0, NULL, 0, bce_forward, bce_backward,
};
