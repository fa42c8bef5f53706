/* AdamW: Adam with decoupled weight decay.
 *
 *   g = -g if maximize
 *   p = p * (1 - lr * wd)                      (before the Adam update)
 *   then Adam's update without the L2 term (adam.c).
 *
 * PyTorch: torch.optim.AdamW (1.13, _single_tensor_adamw). As there, the
 * decay multiplies p first and weight_decay defaults to 0.01. */
#include "optimizer_impl.h"

static const dsc__setting adamw_hp[] = {
    DSC__HP_ROW_LR(1e-3),
    DSC__HP_ROW_BETAS,
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(1e-2),
    DSC__HP_ROW_AMSGRAD,
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static int adamw_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    return dsc__adam_step(k, gr, clip, check, 1);
}

const dsc__opt_def dsc__opt_adamw = {
    DSC_OPTIMIZER_ADAMW, "AdamW", adamw_hp, sizeof adamw_hp / sizeof adamw_hp[0],
    dsc__adam_state, 3, NULL, adamw_step,
};
