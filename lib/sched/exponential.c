/* ExponentialLR: lr_t = lr * gamma^t.
 * Chainable form (torch.optim.lr_scheduler.ExponentialLR.get_lr): lr*gamma
 * for t > 0. gamma > 1 grows the lr, as an lr range test wants. */
#include "sched_impl.h"

#include <math.h>

enum { GAMMA };
static const dsc__setting exponential_hp[] = {
    [GAMMA] = {DSC_SCHED_PARAM_GAMMA, "gamma", NAN, 0.0, INFINITY,
               DSC__SET_LO_OPEN | DSC__SET_REQUIRED | DSC__SCHED_ANYTIME},
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
