/* Constant schedules.
 *   constant:   lr_t = lr (no PyTorch class; the plain "no schedule").
 *   ConstantLR: lr_t = lr*factor for t < total_iters, lr afterwards.
 *               Chainable form (torch.optim.lr_scheduler.ConstantLR.get_lr):
 *               t = 0: lr*factor; t = total_iters: lr*(1/factor); else lr. */
#include "sched_impl.h"

static dsc_status constant_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                              double *mom) {
    (void)s, (void)g, (void)base, (void)mom;
    *lr = cur;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_constant_vt = {
    .kind = DSC_SCHED_CONSTANT, .name = "constant", .hp = NULL, .nhp = 0, .lr = constant_lr,
};

enum { FACTOR, TOTAL_ITERS };
static const dsc__setting constant_lr_hp[] = {
    [FACTOR] = {DSC_SCHED_PARAM_FACTOR, "factor", 1.0 / 3.0, 0.0, 1.0, DSC__SET_LO_OPEN},
    [TOTAL_ITERS] = {DSC_SCHED_PARAM_TOTAL_ITERS, "total_iters", 5, 1, DSC__TWO_53, DSC__SET_INT},
};

static dsc_status constantlr_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                                double *mom) {
    (void)g, (void)base, (void)mom;
    double factor = dsc__sched_p(s, FACTOR);
    int64_t t = s->v.t, total = (int64_t)dsc__sched_p(s, TOTAL_ITERS);
    if (t == 0) *lr = cur * factor;
    else if (t != total) *lr = cur;
    else *lr = cur * (1.0 / factor); /* PyTorch multiplies by the reciprocal */
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_constant_lr_vt = {
    .kind = DSC_SCHED_CONSTANT_LR, .name = "ConstantLR", .hp = constant_lr_hp, .nhp = 2,
    .lr = constantlr_lr,
};
