/* Inverse-time ("time-based") decay, Keras InverseTimeDecay:
 *   lr_t = lr / (1 + decay_rate * p),  p = t/decay_steps, or
 *   p = floor(t/decay_steps) with staircase.
 * PyTorch has no such class; it is applied in the chainable manner of the
 * others, lr_t = lr_{t-1} * (1 + r p(t-1)) / (1 + r p(t)), so it composes. */
#include "sched_impl.h"

#include <math.h>

enum { DECAY_RATE, DECAY_STEPS, STAIRCASE };
static const dsc__setting inverse_hp[] = {
    [DECAY_RATE] = {DSC_SCHED_PARAM_DECAY_RATE, "decay_rate", NAN, 0.0, INFINITY, DSC__SET_REQUIRED},
    [DECAY_STEPS] = {DSC_SCHED_PARAM_DECAY_STEPS, "decay_steps", NAN, 0.0, INFINITY,
                     DSC__SET_LO_OPEN | DSC__SET_REQUIRED},
    [STAIRCASE] = {DSC_SCHED_PARAM_STAIRCASE, "staircase", 0, 0, 1, DSC__SET_BOOL},
};

static double progress(const dsc_lr_scheduler *s, int64_t t) {
    double p = (double)t / dsc__sched_p(s, DECAY_STEPS);
    return dsc__sched_p(s, STAIRCASE) != 0.0 ? floor(p) : p;
}

static dsc_status inverse_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)base, (void)mom;
    int64_t t = s->v.t;
    double r = dsc__sched_p(s, DECAY_RATE);
    *lr = t == 0 ? cur : cur * (1.0 + r * progress(s, t - 1)) / (1.0 + r * progress(s, t));
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_inverse_time_vt = {
    .kind = DSC_SCHED_INVERSE_TIME, .name = "inverse_time", .hp = inverse_hp, .nhp = 3, .lr = inverse_lr,
};
