/* LinearLR: lr_t = lr * (s + (e - s) * min(t, T)/T), s = start_factor,
 * e = end_factor, T = total_iters; a warm-up (s < e) or a decay (s > e).
 * Chainable form (torch.optim.lr_scheduler.LinearLR.get_lr): t = 0: lr*s;
 * 0 < t <= T: lr * (1 + (e - s) / (T*s + (t-1)*(e - s))); else unchanged. */
#include "sched_impl.h"

enum { START_FACTOR, END_FACTOR, TOTAL_ITERS };
static const dsc__setting linear_hp[] = {
    [START_FACTOR] = {DSC_SCHED_PARAM_START_FACTOR, "start_factor", 1.0 / 3.0, 0.0, 1.0, DSC__SET_LO_OPEN},
    [END_FACTOR] = {DSC_SCHED_PARAM_END_FACTOR, "end_factor", 1.0, 0.0, 1.0, 0},
    [TOTAL_ITERS] = {DSC_SCHED_PARAM_TOTAL_ITERS, "total_iters", 5, 1, DSC__TWO_53, DSC__SET_INT},
};

static dsc_status linear_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)base, (void)mom;
    int64_t t = s->v.t;
    double sf = dsc__sched_p(s, START_FACTOR), ef = dsc__sched_p(s, END_FACTOR);
    double T = dsc__sched_p(s, TOTAL_ITERS);
    if (t == 0) *lr = cur * sf;
    else if ((double)t > T) *lr = cur;
    else *lr = cur * (1.0 + (ef - sf) / (T * sf + (double)(t - 1) * (ef - sf)));
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_linear_vt = {
    .kind = DSC_SCHED_LINEAR, .name = "LinearLR", .hp = linear_hp, .nhp = 3, .lr = linear_lr,
};
