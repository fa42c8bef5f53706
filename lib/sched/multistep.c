/* MultiStepLR: lr_t = lr * gamma^(number of milestones <= t), a repeated
 * milestone counting once per repeat. Chainable form
 * (torch.optim.lr_scheduler.MultiStepLR.get_lr, a Counter of milestones):
 * lr*gamma^count(t) when t is a milestone, else lr unchanged. */
#include "sched_impl.h"

#include <math.h>

enum { GAMMA };
static const dsc__setting multistep_hp[] = {
    [GAMMA] = {DSC_SCHED_PARAM_GAMMA, "gamma", 0.1, 0.0, INFINITY, DSC__SET_LO_OPEN | DSC__SCHED_ANYTIME},
};

/* How many milestones equal t (they are sorted): two binary searches. */
static size_t count_at(const int64_t *m, size_t n, int64_t t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid] < t) lo = mid + 1; else hi = mid;
    }
    size_t first = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid] <= t) lo = mid + 1; else hi = mid;
    }
    return lo - first;
}

static dsc_status multistep_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                               double *mom) {
    (void)g, (void)base, (void)mom;
    size_t k = count_at(s->milestones, s->nmilestones, s->v.t);
    *lr = k == 0 ? cur : cur * pow(dsc__sched_p(s, GAMMA), (double)k);
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_multi_step_vt = {
    .kind = DSC_SCHED_MULTI_STEP, .name = "MultiStepLR", .hp = multistep_hp, .nhp = 1,
    .flags = DSC__SV_MILESTONES, .lr = multistep_lr,
};
