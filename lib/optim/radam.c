/* RAdam: Adam with a rectified adaptive learning rate.
 *
 *   g = -g if maximize;  g = g + wd * p
 *   m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g^2
 *   rho_inf = 2 / (1 - b2) - 1;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
 *   rho_t > 5: r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
 *              p = p - lr * r * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 *   else:      p = p - lr / (1 - b1^t) * m
 *
 * PyTorch: torch.optim.RAdam (1.13, _single_tensor_radam). As there, while
 * rho_t <= 5 the step is the bias-corrected momentum alone, with no
 * denominator. */
#include "optimizer_impl.h"

#include <math.h>

static const dsc__setting radam_hp[] = {
    DSC__HP_ROW_LR(1e-3),
    DSC__HP_ROW_BETAS,
    DSC__HP_ROW_EPS(1e-8),
    DSC__HP_ROW_WD(0.0),
    DSC__HP_ROW_MAXIMIZE,
    DSC__HP_ROW_CLIP,
};

static const dsc__state_def radam_state[] = {
    {"exp_avg", NULL, NULL, 0},
    {"exp_avg_sq", NULL, NULL, DSC__STATE_NONNEG},
};

static int radam_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check) {
    const double *hp = gr->hp;
    double t = (double)gr->step + 1.0, b1 = hp[DSC__HP_BETA1], b2 = hp[DSC__HP_BETA2];
    double lr = hp[DSC__HP_LR];
    double bc1 = 1.0 - pow(b1, t), b2t = pow(b2, t), bc2 = 1.0 - b2t;
    double rho_inf = 2.0 / (1.0 - b2) - 1.0;
    double rho_t = rho_inf - 2.0 * t * b2t / bc2;
    dsc_update_args a;
    dsc__update_args_common(&a, gr, clip);
    a.beta1 = (float)b1;
    a.one_m_beta1 = (float)(1.0 - b1);
    a.beta2 = (float)b2;
    a.one_m_beta2 = (float)(1.0 - b2);
    a.eps = (float)hp[DSC__HP_EPS];
    a.rectify = rho_t > 5.0;
    if (a.rectify) {
        double r = sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                        ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
        a.c0 = (float)(lr * r * sqrt(bc2) / bc1);
    } else {
        a.c0 = (float)(lr / bc1);
    }
    if (check) return k->check_radam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    k->update_radam(gr->n, gr->p, gr->g, gr->state[0], gr->state[1], &a);
    return 1;
}

const dsc__opt_def dsc__opt_radam = {
    DSC_OPTIMIZER_RADAM, "RAdam", radam_hp, sizeof radam_hp / sizeof radam_hp[0],
    radam_state, sizeof radam_state / sizeof radam_state[0], NULL, radam_step,
};
