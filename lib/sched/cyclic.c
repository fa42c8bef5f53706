/* CyclicLR (Smith 2017), torch.optim.lr_scheduler.CyclicLR.get_lr:
 *   total = up + down, ratio = up/total,
 *   cycle = floor(1 + t/total), x = 1 + t/total - cycle,
 *   s = x/ratio if x <= ratio else (x - 1)/(ratio - 1),
 *   lr = base_lr + (max_lr - base_lr) * s * scale,
 *   momentum = max_momentum - (max_momentum - base_momentum) * s * scale,
 * scale = 1 (triangular), 1/2^(cycle-1) (triangular2), gamma^t (exp_range,
 * t the total iteration count, not the position in the cycle). The
 * momentum moves opposite to the lr and is max_momentum at base_lr. */
#include "sched_impl.h"

enum { BASE_LR, MAX_LR, UP, DOWN, MODE, GAMMA, CYCLE_MOMENTUM, BASE_MOMENTUM, MAX_MOMENTUM };
static const dsc__setting cyclic_hp[] = {
    /* No fixed default: each group's lr at start. */
    [BASE_LR] = {DSC_SCHED_PARAM_BASE_LR, "base_lr", NAN, 0.0, DSC__TWO_32, DSC__SCHED_PER_GROUP},
    [MAX_LR] = {DSC_SCHED_PARAM_MAX_LR, "max_lr", NAN, 0.0, DSC__TWO_32, DSC__SET_REQUIRED | DSC__SCHED_PER_GROUP},
    /* PyTorch takes float(step_size_*): fractional sizes are accepted too. */
    [UP] = {DSC_SCHED_PARAM_STEP_SIZE_UP, "step_size_up", 2000, 0, DSC__TWO_53, DSC__SET_LO_OPEN},
    /* No fixed default: step_size_up (PyTorch's None). */
    [DOWN] = {DSC_SCHED_PARAM_STEP_SIZE_DOWN, "step_size_down", NAN, 0, DSC__TWO_53, 0},
    [MODE] = {DSC_SCHED_PARAM_MODE, "mode", DSC_CYCLIC_TRIANGULAR, 0, 2, DSC__SET_INT},
    [GAMMA] = {DSC_SCHED_PARAM_GAMMA, "gamma", 1.0, 0.0, INFINITY, DSC__SET_LO_OPEN},
    [CYCLE_MOMENTUM] = {DSC_SCHED_PARAM_CYCLE_MOMENTUM, "cycle_momentum", 1, 0, 1, DSC__SET_BOOL},
    [BASE_MOMENTUM] = {DSC_SCHED_PARAM_BASE_MOMENTUM, "base_momentum", 0.8, 0.0, 1.0,
                       DSC__SET_HI_OPEN | DSC__SCHED_PER_GROUP},
    [MAX_MOMENTUM] = {DSC_SCHED_PARAM_MAX_MOMENTUM, "max_momentum", 0.9, 0.0, 1.0,
                      DSC__SET_HI_OPEN | DSC__SCHED_PER_GROUP},
};

static double down_size(const dsc_lr_scheduler *s) {
    return dsc__sched_is_set(s, DOWN) ? dsc__sched_p(s, DOWN) : dsc__sched_p(s, UP);
}

static dsc_status cyclic_unset(const dsc_lr_scheduler *s, int i, const char *fn, double *out) {
    if (i == DOWN) {
        *out = down_size(s);
        return DSC_OK;
    }
    return dsc__sched_not_set(s, i, fn, i == BASE_LR ? "each group's lr at start is its base_lr" : NULL);
}

/* base_lr: the group's own, else the common one, else the group's lr at start. */
static double cyclic_base(const dsc_lr_scheduler *s, size_t g, double group_lr) {
    double v = dsc__sched_pg(s, g, BASE_LR);
    return isnan(v) ? group_lr : v;
}

static int cyclic_momentum(const dsc_lr_scheduler *s) {
    return dsc__sched_p(s, CYCLE_MOMENTUM) != 0.0;
}

static double cyclic_start_momentum(const dsc_lr_scheduler *s, size_t g) {
    return dsc__sched_pg(s, g, MAX_MOMENTUM);
}

static dsc_status cyclic_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)cur;
    double t = (double)s->v.t;
    double total = dsc__sched_p(s, UP) + down_size(s);
    double ratio = dsc__sched_p(s, UP) / total;
    double cycle = floor(1.0 + t / total);
    double x = 1.0 + t / total - cycle;
    double sf = x <= ratio ? x / ratio : (x - 1.0) / (ratio - 1.0);
    double scale;
    switch ((int)dsc__sched_p(s, MODE)) {
    case DSC_CYCLIC_TRIANGULAR2: scale = 1.0 / pow(2.0, cycle - 1.0); break;
    case DSC_CYCLIC_EXP_RANGE: scale = pow(dsc__sched_p(s, GAMMA), t); break;
    default: scale = 1.0; break;
    }
    double lo = cyclic_base(s, g, base), hi = dsc__sched_pg(s, g, MAX_LR);
    *lr = lo + (hi - lo) * sf * scale;
    if (cyclic_momentum(s)) {
        double bm = dsc__sched_pg(s, g, BASE_MOMENTUM), mm = dsc__sched_pg(s, g, MAX_MOMENTUM);
        *mom = mm - (mm - bm) * sf * scale;
    }
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_cyclic_vt = {
    .kind = DSC_SCHED_CYCLIC, .name = "CyclicLR", .hp = cyclic_hp, .nhp = sizeof cyclic_hp / sizeof cyclic_hp[0],
    .unset = cyclic_unset, .base_lr = cyclic_base, .cycles_momentum = cyclic_momentum,
    .start_momentum = cyclic_start_momentum, .lr = cyclic_lr,
};
