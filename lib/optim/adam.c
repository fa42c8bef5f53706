/* Adam, with AMSGrad, L2 weight decay and maximize.
 *
 *   g = -g if maximize;  g = g + wd * p
 *   m = b1 * m + (1 - b1) * g;   v = b2 * v + (1 - b2) * g^2
 *   amsgrad: vmax = max(vmax, v), w = vmax;  else w = v
 *   p = p - lr / (1 - b1^t) * m / (sqrt(w) / sqrt(1 - b2^t) + eps)
 *
 * PyTorch: torch.optim.Adam (1.13, _single_tensor_adam). As there, eps is
 * added after the bias-corrected square root; amsgrad keeps the max of the
 * raw (uncorrected) v; maximize negates g before weight decay. The
 * shared step also serves AdamW (adamw.c). */
#include "optimizer_impl.h"

#include <math.h>

static const dsc__setting adam_hp[] = {
    DSC__HP_ROW_LR(1e-3),
    DSC__HP_ROW_BETAS,
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(0.0),
    DSC__HP_ROW_AMSGRAD,
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static int uses_amsgrad(const double *hp) {
    return hp[DSC__HP_AMSGRAD] != 0.0;
}

const dsc__state_def dsc__adam_state[3] = {
    {"exp_avg", NULL, NULL, 0},
    {"exp_avg_sq", NULL, NULL, DSC__STATE_NONNEG},
    {"max_exp_avg_sq", uses_amsgrad, NULL, DSC__STATE_NONNEG},
};

int dsc__adam_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check,
                   int decoupled) {
    const double *hp = gr->hp;
    double t = (double)gr->step + 1.0;
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta1 = (float)hp[DSC__HP_BETA1];
    a.one_m_beta1 = (float)(1.0 - hp[DSC__HP_BETA1]);
    a.beta2 = (float)hp[DSC__HP_BETA2];
    a.one_m_beta2 = (float)(1.0 - hp[DSC__HP_BETA2]);
    a.eps = (float)hp[DSC__HP_EPS];
    a.amsgrad = hp[DSC__HP_AMSGRAD] != 0.0;
    a.decoupled = decoupled;
    a.c1 = (float)(1.0 - hp[DSC__HP_LR] * hp[DSC__HP_WEIGHT_DECAY]);
    a.c0 = (float)(hp[DSC__HP_LR] / (1.0 - pow(hp[DSC__HP_BETA1], t)));
    a.c2 = (float)(1.0 / sqrt(1.0 - pow(hp[DSC__HP_BETA2], t)));
    if (check)
        return k->check_adam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], gr->state[2], &a);
    k->update_adam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], gr->state[2], &a);
    return 1;
}

static int adam_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    return dsc__adam_step(k, gr, clip, check, 0);
}

const dsc__opt_def dsc__opt_adam = {
    DSC_OPTIMIZER_ADAM, "Adam", adam_hp, sizeof adam_hp / sizeof adam_hp[0],
    dsc__adam_state, 3, NULL, adam_step,
};
