/* StepLR: lr_t = lr * gamma^floor(t/step_size).
 * Chainable form (torch.optim.lr_scheduler.StepLR.get_lr): lr*gamma when
 * t > 0 and t % step_size == 0, else lr unchanged. */
#include "sched_impl.h"

enum { STEP_SIZE, GAMMA };
static const dsc__setting step_hp[] = {
    [STEP_SIZE] = {DSC_SCHED_PARAM_STEP_SIZE, "step_size", NAN, 1, DSC__TWO_53, DSC__SET_INT | DSC__SET_REQUIRED},
    [GAMMA] = {DSC_SCHED_PARAM_GAMMA, "gamma", 0.1, 0.0, INFINITY, DSC__SET_LO_OPEN | DSC__SCHED_ANYTIME},
};

static dsc_status step_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)base, (void)mom;
    int64_t t = s->v.t, size = (int64_t)dsc__sched_p(s, STEP_SIZE);
    *lr = (t == 0 || t % size != 0) ? cur : cur * dsc__sched_p(s, GAMMA);
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_step_vt = {
    .kind = DSC_SCHED_STEP, .name = "StepLR", .hp = step_hp, .nhp = 2, .lr = step_lr,
};
