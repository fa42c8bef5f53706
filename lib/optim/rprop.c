/* Rprop: resilient backpropagation, per-element step sizes driven by the
 * sign of the gradient only.
 *
 *   g = -g if maximize;  q = g * prev
 *   step = clamp(step * (etaplus if q > 0, etaminus if q < 0, else 1),
 *                step_size_min, step_size_max)
 *   g = 0 if q < 0;  p = p - sign(g) * step;  prev = g
 *
 * prev starts at 0 and step at the lr of the first step.
 * PyTorch: torch.optim.Rprop (1.13, _single_tensor_rprop). lr only seeds the
 * step sizes: later changes of lr (a scheduler's) change nothing. torch has
 * no weight_decay here; it checks 0 < etaminus < 1 < etaplus and leaves the
 * step-size bounds unchecked (step_size_min > step_size_max clamps every
 * step size to step_size_max). */
#include "optimizer_impl.h"

static const dsc__setting rprop_hp[] = {
    DSC__HP_ROW_LR(0.01),
    {DSC_OPTIMIZER_PARAM_ETAMINUS, "etaminus", 0.5, 0.0, 1.0, DSC__SET_LO_OPEN | DSC__SET_HI_OPEN},
    {DSC_OPTIMIZER_PARAM_ETAPLUS, "etaplus", 1.2, 1.0, DSC__HP_MAX, DSC__SET_LO_OPEN},
    {DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, "step_size_min", 1e-6, 0.0, DSC__HP_MAX, 0},
    {DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, "step_size_max", 50.0, 0.0, DSC__HP_MAX, 0},
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

/* Both buffers exist in PyTorch only from the first step on (its lazy state
 * initialisation): prev is read as the zeros it holds until then, and the
 * step sizes start from the lr of that step (first_step). */
static const dsc__state_def rprop_state[] = {
    {"prev", NULL, NULL, DSC__STATE_LAZY},
    {"step_size", NULL, NULL, DSC__STATE_LAZY | DSC__STATE_NONNEG},
};

static int rprop_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    const double *hp = gr->hp;
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.etaminus = (float)hp[DSC__HP_ETAMINUS];
    a.etaplus = (float)hp[DSC__HP_ETAPLUS];
    a.step_min = (float)hp[DSC__HP_STEP_SIZE_MIN];
    a.step_max = (float)hp[DSC__HP_STEP_SIZE_MAX];
    a.first_step = !(gr->started >> 1 & 1u);
    if (check) return k->check_rprop(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    k->update_rprop(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    gr->started |= 3u;
    return 1;
}

const dsc__opt_def dsc__opt_rprop = {
    DSC_OPTIMIZER_RPROP, "Rprop", rprop_hp, sizeof rprop_hp / sizeof rprop_hp[0],
    rprop_state, sizeof rprop_state / sizeof rprop_state[0], NULL, rprop_step,
};
