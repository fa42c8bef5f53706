/* Composition (the stepping itself lives in scheduler.c):
 *   SequentialLR (torch.optim.lr_scheduler.SequentialLR): child i runs from
 *     milestone i-1; at milestone m it restarts at its own t = 0 from the
 *     base lr and then sees t - m; the previous child's lr is dropped, so
 *     the lr can jump there. t = 0 is child 0's t = 0.
 *   ChainedScheduler: every child steps, in order, on the lr the previous
 *     one left, so the factors multiply; t = 0 applies every child's t = 0
 *     (PyTorch 1.13's documented example is one step off). */
#include "sched_impl.h"

static dsc_status sequential_check(const dsc_lr_scheduler *s, const char *fn) {
    DSC_RETURN_IF(s->nchildren == 0, DSC_E_STATE, "%s: SequentialLR has no children; add them with "
                  "dsc_lr_scheduler_add_child", fn);
    DSC_RETURN_IF(s->nmilestones != s->nchildren - 1, DSC_E_STATE,
                  "%s: SequentialLR has %zu children and %zu milestones; it needs %zu milestones", fn,
                  s->nchildren, s->nmilestones, s->nchildren - 1);
    return DSC_OK;
}

static dsc_status chained_check(const dsc_lr_scheduler *s, const char *fn) {
    DSC_RETURN_IF(s->nchildren == 0, DSC_E_STATE, "%s: ChainedScheduler has no children; add them with "
                  "dsc_lr_scheduler_add_child", fn);
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_sequential_vt = {
    .kind = DSC_SCHED_SEQUENTIAL, .name = "SequentialLR", .flags = DSC__SV_CONTAINER | DSC__SV_MILESTONES,
    .check = sequential_check,
};

const dsc__sched_vt dsc__sched_chained_vt = {
    .kind = DSC_SCHED_CHAINED, .name = "ChainedScheduler", .flags = DSC__SV_CONTAINER, .check = chained_check,
};
