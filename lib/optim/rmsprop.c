/* RMSprop, plain or centered, with momentum and weight decay.
 *
 *   g  = -g if maximize;  g = g + wd * p
 *   v  = alpha * v + (1 - alpha) * g^2
 *   centered: ga = alpha * ga + (1 - alpha) * g;  d = sqrt(v - ga^2) + eps
 *   else:     d = sqrt(v) + eps
 *   momentum > 0: b = momentum * b + g / d;  p = p - lr * b
 *   else:         p = p - lr * g / d
 *
 * PyTorch: torch.optim.RMSprop (1.13, _single_tensor_rmsprop). As there,
 * eps is added after the square root of the centered variance, and the
 * momentum buffer accumulates g / d (not g). */
#include "optimizer_impl.h"

static const dsc__setting rmsprop_hp[] = {
    DSC__HP_ROW_LR(1e-2),
    {DSC_OPTIMIZER_PARAM_ALPHA, "alpha", 0.99, 0.0, 1.0, 0},
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(0.0),
    {DSC_OPTIMIZER_PARAM_MOMENTUM, "momentum", 0.0, 0.0, DSC__HP_MAX, 0},
    {DSC_OPTIMIZER_PARAM_CENTERED, "centered", 0.0, 0.0, 1.0, DSC__SET_BOOL | DSC__OPT_FROZEN},
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static int uses_centered(const double *hp) {
    return hp[DSC__HP_CENTERED] != 0.0;
}

static int uses_momentum(const double *hp) {
    return hp[DSC__HP_MOMENTUM] > 0.0;
}

static const dsc__state_def rmsprop_state[] = {
    {"square_avg", NULL, NULL, DSC__STATE_NONNEG},
    {"grad_avg", uses_centered, NULL, 0},
    {"momentum_buffer", uses_momentum, NULL, 0},
};

static int rmsprop_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta2 = (float)gr->hp[DSC__HP_ALPHA];
    a.one_m_beta2 = (float)(1.0 - gr->hp[DSC__HP_ALPHA]);
    a.eps = (float)gr->hp[DSC__HP_EPS];
    a.momentum = (float)gr->hp[DSC__HP_MOMENTUM];
    a.centered = gr->hp[DSC__HP_CENTERED] != 0.0;
    if (check)
        return k->check_rmsprop(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], gr->state[2], &a);
    k->update_rmsprop(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], gr->state[2], &a);
    return 1;
}

const dsc__opt_def dsc__opt_rmsprop = {
    DSC_OPTIMIZER_RMSPROP, "RMSprop", rmsprop_hp, sizeof rmsprop_hp / sizeof rmsprop_hp[0],
    rmsprop_state, sizeof rmsprop_state / sizeof rmsprop_state[0], NULL, rmsprop_step,
};
