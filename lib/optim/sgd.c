/* SGD with momentum, dampening, Nesterov momentum, weight decay, maximize.
 *
 *   g  = -g if maximize;  g = g + wd * p
 *   b1 = g;  b_t = mu * b_{t-1} + (1 - dampening) * g     (if mu != 0)
 *   g  = g + mu * b_t  (Nesterov)   or   g = b_t
 *   p  = p - lr * g
 *
 * PyTorch: torch.optim.SGD (1.13, _single_tensor_sgd). As there, the buffer
 * starts as the gradient itself, undampened, the first time momentum is
 * non-zero (PyTorch's momentum_buffer is None until then); Nesterov needs
 * momentum > 0 and dampening 0, refused otherwise as PyTorch's constructor
 * does. */
#include "optimizer_impl.h"

static const dsc__setting sgd_hp[] = {
    DSC__HP_ROW_LR(1e-3),
    {DSC_OPTIMIZER_PARAM_MOMENTUM, "momentum", 0.0, 0.0, DSC__HP_MAX, 0},
    {DSC_OPTIMIZER_PARAM_DAMPENING, "dampening", 0.0, 0.0, 1.0, 0},
    DSC__HP_ROW_WD(0.0),
    {DSC_OPTIMIZER_PARAM_NESTEROV, "nesterov", 0.0, 0.0, 1.0, DSC__SET_BOOL | DSC__OPT_FROZEN},
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static int uses_momentum(const double *hp) {
    return hp[DSC__HP_MOMENTUM] != 0.0;
}

static const dsc__state_def sgd_state[] = {
    {"momentum_buffer", uses_momentum, NULL, DSC__STATE_LAZY},
};

static dsc_status sgd_check(const double *hp, const char *fn) {
    DSC_RETURN_IF(hp[DSC__HP_NESTEROV] != 0.0 &&
                      (hp[DSC__HP_MOMENTUM] <= 0.0 || hp[DSC__HP_DAMPENING] != 0.0),
                  DSC_E_ARG,
                  "%s: Nesterov momentum requires momentum > 0 and dampening 0 (momentum %g, "
                  "dampening %g)", fn, hp[DSC__HP_MOMENTUM], hp[DSC__HP_DAMPENING]);
    return DSC_OK;
}

static int sgd_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.momentum = (float)gr->hp[DSC__HP_MOMENTUM];
    a.one_m_dampening = (float)(1.0 - gr->hp[DSC__HP_DAMPENING]);
    a.nesterov = gr->hp[DSC__HP_NESTEROV] != 0.0;
    a.first_step = !(gr->started & 1u);
    if (check) return k->check_sgd(gr->n, gr->p, gr->g, gr->state[0], &a);
    k->update_sgd(gr->n, gr->p, gr->g, gr->state[0], &a);
    if (a.momentum != 0.0f) gr->started |= 1u; /* momentum_buffer holds a value */
    return 1;
}

const dsc__opt_def dsc__opt_sgd = {
    DSC_OPTIMIZER_SGD, "SGD", sgd_hp, sizeof sgd_hp / sizeof sgd_hp[0],
    sgd_state, sizeof sgd_state / sizeof sgd_state[0], sgd_check, sgd_step,
};
