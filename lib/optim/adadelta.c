/* Adadelta with weight decay.
 *
 *   g = -g if maximize;  g = g + wd * p
 *   v = rho * v + (1 - rho) * g^2
 *   d = sqrt(u + eps) / sqrt(v + eps) * g
 *   u = rho * u + (1 - rho) * d^2
 *   p = p - lr * d
 *
 * PyTorch: torch.optim.Adadelta (1.13, _single_tensor_adadelta). As there,
 * lr (default 1.0) scales d; eps sits inside both square roots; u is
 * updated after d is computed from its old value. */
#include "optimizer_impl.h"

static const dsc__setting adadelta_hp[] = {
    DSC__HP_ROW_LR(1.0),
    {DSC_OPTIMIZER_PARAM_RHO, "rho", 0.9, 0.0, 1.0, 0},
    DSC__HP_ROW_EPS(1e-6),
    DSC__HP_ROW_WD(0.0),
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static const dsc__state_def adadelta_state[] = {
    {"square_avg", NULL, NULL, DSC__STATE_NONNEG},
    {"acc_delta", NULL, NULL, DSC__STATE_NONNEG},
};

static int adadelta_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta1 = (float)gr->hp[DSC__HP_RHO];
    a.one_m_beta1 = (float)(1.0 - gr->hp[DSC__HP_RHO]);
    a.eps = (float)gr->hp[DSC__HP_EPS];
    if (check) return k->check_adadelta(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    k->update_adadelta(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    return 1;
}

const dsc__opt_def dsc__opt_adadelta = {
    DSC_OPTIMIZER_ADADELTA, "Adadelta", adadelta_hp, sizeof adadelta_hp / sizeof adadelta_hp[0],
    adadelta_state, sizeof adadelta_state / sizeof adadelta_state[0], NULL, adadelta_step,
};
