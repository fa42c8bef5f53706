/* Composition. Children are leaves (containers do not nest, and a kind
 * stepping with a metric cannot be a child); the engine checks, starts,
 * saves and frees them with their container.
 *   SequentialLR (torch.optim.lr_scheduler.SequentialLR): child i runs from
 *     milestone i-1; at milestone m it restarts at its own t = 0 from the
 *     base lr (a kind without closed form, DSC__SV_KEEP_LR, from the current
 *     lr) and then sees t - m. t = 0 is child 0's t = 0; later children
 *     stay at t = -1 until their milestone.
 *   ChainedScheduler: every child steps, in order, on the lr the previous
 *     one left, so the factors multiply; t = 0 applies every child's t = 0. */
#include "sched_impl.h"

#include <string.h>

static dsc_status sequential_check(const dsc_lr_scheduler *s, const char *fn) {
    DSC_RETURN_IF(s->nchildren == 0, DSC_E_STATE, "%s: SequentialLR has no children; add them with "
                  "dsc_lr_scheduler_add_child", fn);
    DSC_RETURN_IF(s->nmilestones != s->nchildren - 1, DSC_E_STATE,
                  "%s: SequentialLR has %zu children and %zu milestones; it needs %zu milestones", fn,
                  s->nchildren, s->nmilestones, s->nchildren - 1);
    return DSC_OK;
}

static dsc_status sequential_start(dsc_lr_scheduler *s) {
    for (size_t i = 1; i < s->nchildren; i++) s->children[i]->v.t = -1;
    return dsc__sched_eval_init(s->children[0], s->base, s->base, s->next, s->mom_next);
}

/* Index of the child active at time t: number of milestones <= t. */
static size_t active_child(const dsc_lr_scheduler *s, int64_t t) {
    size_t lo = 0, hi = s->nmilestones;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->milestones[mid] <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static dsc_status sequential_step(dsc_lr_scheduler *s, double metric) {
    (void)metric;
    s->v.t += 1;
    size_t idx = active_child(s, s->v.t);
    dsc_lr_scheduler *c = s->children[idx];
    if (idx > 0 && s->milestones[idx - 1] == s->v.t)
        return dsc__sched_eval_init(c, (c->vt->flags & DSC__SV_KEEP_LR) ? s->cur : s->base, s->base, s->next,
                                    s->mom_next);
    return dsc__sched_eval_step(c, s->cur, s->base, s->next, s->mom_next);
}

static dsc_status chained_check(const dsc_lr_scheduler *s, const char *fn) {
    DSC_RETURN_IF(s->nchildren == 0, DSC_E_STATE, "%s: ChainedScheduler has no children; add them with "
                  "dsc_lr_scheduler_add_child", fn);
    return DSC_OK;
}

static dsc_status chained_start(dsc_lr_scheduler *s) {
    memcpy(s->next, s->base, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++)
        DSC_TRY(dsc__sched_eval_init(s->children[i], s->next, s->base, s->next, s->mom_next));
    return DSC_OK;
}

static dsc_status chained_step(dsc_lr_scheduler *s, double metric) {
    (void)metric;
    s->v.t += 1;
    for (size_t i = 0; i < s->nchildren; i++)
        DSC_TRY(dsc__sched_eval_step(s->children[i], s->next, s->base, s->next, s->mom_next));
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_sequential_vt = {
    .kind = DSC_SCHED_SEQUENTIAL, .name = "SequentialLR",
    .flags = DSC__SV_CONTAINER | DSC__SV_MILESTONES | DSC__SV_STRICT_MILESTONES,
    .check = sequential_check, .start = sequential_start, .step = sequential_step,
};

const dsc__sched_vt dsc__sched_chained_vt = {
    .kind = DSC_SCHED_CHAINED, .name = "ChainedScheduler", .flags = DSC__SV_CONTAINER,
    .check = chained_check, .start = chained_start, .step = chained_step,
};
