/* NAdam (Adam with Nesterov momentum and momentum decay psi).
 *
 *   g     = -g if maximize;  g = g + wd * p
 *   mu_t  = b1 * (1 - 0.5 * 0.96^(t * psi));  mu_t1 = b1 * (1 - 0.5 * 0.96^((t + 1) * psi))
 *   Pi_t  = Pi_{t-1} * mu_t                                 (Pi_0 = 1, state mu_product)
 *   m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g^2
 *   d = sqrt(v / (1 - b2^t)) + eps
 *   p = p - lr * (1 - mu_t) / (1 - Pi_t) * g / d
 *         - lr * mu_t1 / (1 - Pi_t * mu_t1) * m / d
 *
 * PyTorch: torch.optim.NAdam, the >= 2.0 formula (pytorch#92699): torch
 * 1.13's single-tensor path multiplied mu_product by mu a second time for
 * the next-step term (about 1e-4 apart after a few steps); the fixed form,
 * Pi_t * mu_t1, is used here. mu_product is per-group state (DSC_OPTIMIZER_PARAM_MU_PRODUCT) so a checkpoint
 * keeps it even when beta1 or psi change during training. */
#include "optimizer_impl.h"

#include <math.h>

static const dsc__setting nadam_hp[] = {
    DSC__HP_ROW_LR(2e-3),
    DSC__HP_ROW_BETAS,
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(0.0),
    {DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, "momentum_decay", 4e-3, 0.0, DSC__HP_MAX, 0},
    /* [0, 1]: with the default betas the product falls below the smallest
     * normal double after 976 steps and reaches 0 soon after, a state a
     * checkpoint must be able to restore. */
    {DSC_OPTIMIZER_PARAM_MU_PRODUCT, "mu_product", 1.0, 0.0, 1.0, DSC__OPT_STATE},
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static const dsc__state_def nadam_state[] = {
    {"exp_avg", NULL, NULL, 0},
    {"exp_avg_sq", NULL, NULL, DSC__STATE_NONNEG},
};

static int nadam_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    double *hp = gr->hp;
    double t = (double)gr->step + 1.0, b1 = hp[DSC__HP_BETA1], psi = hp[DSC__HP_MOMENTUM_DECAY];
    double lr = hp[DSC__HP_LR];
    double mu = b1 * (1.0 - 0.5 * pow(0.96, t * psi));
    double mu_next = b1 * (1.0 - 0.5 * pow(0.96, (t + 1.0) * psi));
    double prod = hp[DSC__HP_MU_PRODUCT] * mu;
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta1 = (float)b1;
    a.one_m_beta1 = (float)(1.0 - b1);
    a.beta2 = (float)hp[DSC__HP_BETA2];
    a.one_m_beta2 = (float)(1.0 - hp[DSC__HP_BETA2]);
    a.eps = (float)hp[DSC__HP_EPS];
    a.c0 = (float)(lr * (1.0 - mu) / (1.0 - prod));
    a.c1 = (float)(lr * mu_next / (1.0 - prod * mu_next));
    a.c2 = (float)(1.0 / (1.0 - pow(hp[DSC__HP_BETA2], t)));
    if (check) return k->check_nadam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    k->update_nadam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    hp[DSC__HP_MU_PRODUCT] = prod;
    return 1;
}

const dsc__opt_def dsc__opt_nadam = {
    DSC_OPTIMIZER_NADAM, "NAdam", nadam_hp, sizeof nadam_hp / sizeof nadam_hp[0],
    nadam_state, sizeof nadam_state / sizeof nadam_state[0], NULL, nadam_step,
};
