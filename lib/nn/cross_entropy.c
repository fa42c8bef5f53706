/* Cross-entropy on integer labels with the softmax fused in,
 * torch.nn.CrossEntropyLoss(reduction='mean'):
 *   L = (1/B) sum_i [logsumexp(z_i) - z_i[label_i]],
 *   dL/dz_i = (softmax(z_i) - onehot(label_i)) / B.
 * Both come from the kernel table's softmax_xent (stable log-sum-exp in
 * double), so large logits neither overflow nor lose the loss. */
#include "loss_impl.h"
#include "../kernels/split.h"

static double ce_forward(const dsc_loss *l) {
    return dsc__split_softmax_xent(l->k, l->batch, l->width, l->y, l->width, l->labels, 0.0f, NULL,
                                   0) / (double)l->batch;
}

static void ce_backward(const dsc_loss *l, float *dy) {
    (void)dsc__split_softmax_xent(l->k, l->batch, l->width, l->y, l->width, l->labels,
                                  (float)(1.0 / (double)l->batch), dy, l->width);
}

const dsc__loss_vtable dsc__loss_cross_entropy = {
    DSC_LOSS_CROSS_ENTROPY, "cross_entropy", 1, NULL, 0, ce_forward, ce_backward,
};
