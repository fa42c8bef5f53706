/* CosineAnnealingWarmRestarts (SGDR): lr_t = eta_min + (base - eta_min)
 * (1 + cos(pi T_cur/T_i))/2, where T_cur counts steps since the last restart
 * and T_i is the current cycle length: T_0, then T_0*T_mult, T_0*T_mult^2...
 * (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.step without epoch). */
#include "sched_impl.h"

#include <math.h>

enum { T_0, T_MULT, ETA_MIN };
static const dsc__sched_hp warm_hp[] = {
    [T_0] = {DSC_SCHED_PARAM_T_0, "T_0", 0, 1, DSC__SCHED_INT_MAX, DSC__HP_INT | DSC__HP_REQUIRED},
    [T_MULT] = {DSC_SCHED_PARAM_T_MULT, "T_mult", 1, 1, 1048576, DSC__HP_INT},
    [ETA_MIN] = {DSC_SCHED_PARAM_ETA_MIN, "eta_min", 0.0, 0.0, HUGE_VAL, DSC__HP_HI_OPEN},
};

static void warm_reset(dsc_lr_scheduler *s) {
    s->v.t_cur = 0;
    s->v.t_i = (int64_t)dsc__sched_p(s, T_0);
}

static void warm_advance(dsc_lr_scheduler *s) {
    s->v.t_cur += 1;
    if (s->v.t_cur >= s->v.t_i) {
        s->v.t_cur -= s->v.t_i;
        int64_t mult = (int64_t)dsc__sched_p(s, T_MULT);
        /* Saturate instead of overflowing: a cycle of 2^53 steps never ends anyway. */
        if ((double)s->v.t_i * (double)mult > DSC__SCHED_INT_MAX) s->v.t_i = (int64_t)DSC__SCHED_INT_MAX;
        else s->v.t_i *= mult;
    }
}

static dsc_status warm_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)cur, (void)mom;
    const double pi = 3.141592653589793;
    double eta = dsc__sched_p(s, ETA_MIN);
    *lr = eta + (base - eta) * (1.0 + cos(pi * (double)s->v.t_cur / (double)s->v.t_i)) / 2.0;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_warm_restarts_vt = {
    .kind = DSC_SCHED_COSINE_WARM_RESTARTS, .name = "CosineAnnealingWarmRestarts", .hp = warm_hp,
    .nhp = 3, .reset = warm_reset, .advance = warm_advance, .lr = warm_lr,
};
