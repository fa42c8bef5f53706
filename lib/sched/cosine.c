/* CosineAnnealingLR: lr_t = eta_min + (lr - eta_min)(1 + cos(pi t/T_max))/2,
 * not clamped after T_max: periodic with period 2*T_max, as PyTorch's.
 * Computed with PyTorch's recursive form
 * (torch.optim.lr_scheduler.CosineAnnealingLR.get_lr) so that it chains:
 *   t = 0: lr;
 *   (t - 1 - T_max) % (2 T_max) == 0: lr + (base - eta_min)(1 - cos(pi/T_max))/2;
 *   else: eta_min + (lr - eta_min)(1 + cos(pi t/T_max))/(1 + cos(pi (t-1)/T_max)).
 * In double it agrees with the closed form to ~1e-14. */
#include "sched_impl.h"

#include <math.h>

enum { T_MAX, ETA_MIN };
static const dsc__setting cosine_hp[] = {
    [T_MAX] = {DSC_SCHED_PARAM_T_MAX, "T_max", NAN, 1, DSC__TWO_53, DSC__SET_INT | DSC__SET_REQUIRED},
    [ETA_MIN] = {DSC_SCHED_PARAM_ETA_MIN, "eta_min", 0.0, 0.0, DSC__TWO_32, 0}, /* an lr */
};

static dsc_status cosine_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)mom;
    const double pi = 3.141592653589793;
    int64_t t = s->v.t, T = (int64_t)dsc__sched_p(s, T_MAX);
    double eta = dsc__sched_p(s, ETA_MIN), Td = (double)T;
    if (t == 0) *lr = cur;
    else if ((t - 1 - T) % (2 * T) == 0) *lr = cur + (base - eta) * (1.0 - cos(pi / Td)) / 2.0;
    else
        *lr = (1.0 + cos(pi * (double)t / Td)) / (1.0 + cos(pi * (double)(t - 1) / Td)) * (cur - eta) + eta;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_cosine_vt = {
    .kind = DSC_SCHED_COSINE, .name = "CosineAnnealingLR", .hp = cosine_hp, .nhp = 2, .lr = cosine_lr,
};
