/* Adagrad with learning-rate decay, initial accumulator value, weight decay.
 *
 *   g   = -g if maximize;  g = g + wd * p
 *   clr = lr / (1 + (t - 1) * lr_decay)
 *   s   = s + g^2                      (s starts at initial_accumulator_value)
 *   p   = p - clr * g / (sqrt(s) + eps)
 *
 * PyTorch: torch.optim.Adagrad (1.13, _single_tensor_adagrad). As there, t
 * counts from 1, so the first step uses lr itself; eps is added after the
 * square root. */
#include "optimizer_impl.h"

static const dsc__setting adagrad_hp[] = {
    DSC__HP_ROW_LR(1e-2),
    {DSC_OPTIMIZER_PARAM_LR_DECAY, "lr_decay", 0.0, 0.0, DSC__HP_MAX, 0},
    DSC__HP_ROW_WD(0.0),
    {DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, "initial_accumulator_value", 0.0, 0.0, DSC__HP_MAX,
     DSC__OPT_FROZEN | DSC__OPT_REFILLS},
    DSC__HP_ROW_EPS(1e-10),
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static float initial_sum(const double *hp) {
    return (float)hp[DSC__HP_INITIAL_ACCUMULATOR_VALUE];
}

static const dsc__state_def adagrad_state[] = {
    {"sum", NULL, initial_sum, DSC__STATE_NONNEG},
};

static int adagrad_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.eps = (float)gr->hp[DSC__HP_EPS];
    /* t - 1 = the steps taken before this one */
    a.c0 = (float)(gr->hp[DSC__HP_LR] / (1.0 + (double)gr->step * gr->hp[DSC__HP_LR_DECAY]));
    if (check) return k->check_adagrad(gr->n, gr->p, gr->g, gr->state[0], &a);
    k->update_adagrad(gr->n, gr->p, gr->g, gr->state[0], &a);
    return 1;
}

const dsc__opt_def dsc__opt_adagrad = {
    DSC_OPTIMIZER_ADAGRAD, "Adagrad", adagrad_hp, sizeof adagrad_hp / sizeof adagrad_hp[0],
    adagrad_state, sizeof adagrad_state / sizeof adagrad_state[0], NULL, adagrad_step,
};
