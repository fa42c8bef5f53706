/* Adamax: Adam with the infinity norm.
 *
 *   g = -g if maximize;  g = g + wd * p
 *   m = b1 * m + (1 - b1) * g
 *   u = max(b2 * u, |g| + eps)
 *   p = p - lr / (1 - b1^t) * m / u
 *
 * PyTorch: torch.optim.Adamax (1.13, _single_tensor_adamax). As there, eps
 * is inside the max, not added to u afterwards. */
#include "optimizer_impl.h"

#include <math.h>

static const dsc__setting adamax_hp[] = {
    DSC__HP_ROW_LR(2e-3),
    DSC__HP_ROW_BETAS,
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(0.0),
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static const dsc__state_def adamax_state[] = {
    {"exp_avg", NULL, NULL, 0},
    {"exp_inf", NULL, NULL, DSC__STATE_NONNEG},
};

static int adamax_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    const double *hp = gr->hp;
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta1 = (float)hp[DSC__HP_BETA1];
    a.one_m_beta1 = (float)(1.0 - hp[DSC__HP_BETA1]);
    a.beta2 = (float)hp[DSC__HP_BETA2];
    a.eps = (float)hp[DSC__HP_EPS];
    a.c0 = (float)(hp[DSC__HP_LR] / (1.0 - pow(hp[DSC__HP_BETA1], (double)gr->step + 1.0)));
    if (check) return k->check_adamax(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    k->update_adamax(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    return 1;
}

const dsc__opt_def dsc__opt_adamax = {
    DSC_OPTIMIZER_ADAMAX, "Adamax", adamax_hp, sizeof adamax_hp / sizeof adamax_hp[0],
    adamax_state, sizeof adamax_state / sizeof adamax_state[0], NULL, adamax_step,
};
