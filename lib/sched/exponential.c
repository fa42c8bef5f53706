/* ExponentialLR: lr_t = lr * gamma^t.
 * Chainable form (torch.optim.lr_scheduler.ExponentialLR.get_lr): lr*gamma
 * for t > 0. gamma > 1 grows the lr, as an lr range test wants. */
#include "sched_impl.h"

#include <math.h>

enum { GAMMA };
static const dsc__sched_hp exponential_hp[] = {
    [GAMMA] = {DSC_SCHED_PARAM_GAMMA, "gamma", 0, 0.0, HUGE_VAL,
               DSC__HP_LO_OPEN | DSC__HP_HI_OPEN | DSC__HP_REQUIRED | DSC__HP_ANYTIME},
};

static dsc_status exponential_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                                 double *mom) {
    (void)g, (void)base, (void)mom;
    *lr = s->v.t == 0 ? cur : cur * dsc__sched_p(s, GAMMA);
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_exponential_vt = {
    .kind = DSC_SCHED_EXPONENTIAL, .name = "ExponentialLR", .hp = exponential_hp, .nhp = 1,
    .lr = exponential_lr,
};
