/* OneCycleLR (Smith & Topin 2018), torch.optim.lr_scheduler.OneCycleLR:
 *   initial = max_lr/div_factor, final = initial/final_div_factor, N = total_steps.
 *   Two phases:   [0, p N - 1]: initial -> max_lr, then [.., N - 1]: max_lr -> final.
 *   Three phases: [0, p N - 1]: initial -> max_lr, [.., 2 p N - 2]: max_lr -> initial,
 *                 then [.., N - 1]: initial -> final.
 * Phase ends are floats, not rounded (as PyTorch). Within a phase
 * pct = (t - start)/(end - start) and the value anneals by
 *   cos:    end + (start - end)(1 + cos(pi pct))/2,   linear: start + (end - start) pct.
 * The momentum anneals max -> base -> max (three phases: max -> base -> max -> max).
 * Stepping is allowed up to t = N (PyTorch raises beyond). */
#include "sched_impl.h"

enum { MAX_LR, TOTAL_STEPS, EPOCHS, STEPS_PER_EPOCH, PCT_START, ANNEAL, DIV, FINAL_DIV, THREE_PHASE,
       CYCLE_MOMENTUM, BASE_MOMENTUM, MAX_MOMENTUM };
static const dsc__setting onecycle_hp[] = {
    [MAX_LR] = {DSC_SCHED_PARAM_MAX_LR, "max_lr", NAN, 0.0, DSC__TWO_32, DSC__SET_REQUIRED | DSC__SCHED_PER_GROUP},
    /* total_steps, or epochs and steps_per_epoch: no fixed defaults. */
    [TOTAL_STEPS] = {DSC_SCHED_PARAM_TOTAL_STEPS, "total_steps", NAN, 1, DSC__TWO_53, DSC__SET_INT},
    [EPOCHS] = {DSC_SCHED_PARAM_EPOCHS, "epochs", NAN, 1, DSC__TWO_31, DSC__SET_INT},
    [STEPS_PER_EPOCH] = {DSC_SCHED_PARAM_STEPS_PER_EPOCH, "steps_per_epoch", NAN, 1, DSC__TWO_31, DSC__SET_INT},
    [PCT_START] = {DSC_SCHED_PARAM_PCT_START, "pct_start", 0.3, 0.0, 1.0, 0},
    [ANNEAL] = {DSC_SCHED_PARAM_ANNEAL_STRATEGY, "anneal_strategy", DSC_ANNEAL_COS, 0, 1, DSC__SET_INT},
    [DIV] = {DSC_SCHED_PARAM_DIV_FACTOR, "div_factor", 25.0, 0.0, INFINITY, DSC__SET_LO_OPEN},
    [FINAL_DIV] = {DSC_SCHED_PARAM_FINAL_DIV_FACTOR, "final_div_factor", 1e4, 0.0, INFINITY, DSC__SET_LO_OPEN},
    [THREE_PHASE] = {DSC_SCHED_PARAM_THREE_PHASE, "three_phase", 0, 0, 1, DSC__SET_BOOL},
    [CYCLE_MOMENTUM] = {DSC_SCHED_PARAM_CYCLE_MOMENTUM, "cycle_momentum", 1, 0, 1, DSC__SET_BOOL},
    [BASE_MOMENTUM] = {DSC_SCHED_PARAM_BASE_MOMENTUM, "base_momentum", 0.85, 0.0, 1.0,
                       DSC__SET_HI_OPEN | DSC__SCHED_PER_GROUP},
    [MAX_MOMENTUM] = {DSC_SCHED_PARAM_MAX_MOMENTUM, "max_momentum", 0.95, 0.0, 1.0,
                      DSC__SET_HI_OPEN | DSC__SCHED_PER_GROUP},
};

/* total_steps, or epochs*steps_per_epoch; 0 when neither is set. */
static double total_steps(const dsc_lr_scheduler *s) {
    if (dsc__sched_is_set(s, TOTAL_STEPS)) return dsc__sched_p(s, TOTAL_STEPS);
    if (dsc__sched_is_set(s, EPOCHS) && dsc__sched_is_set(s, STEPS_PER_EPOCH))
        return dsc__sched_p(s, EPOCHS) * dsc__sched_p(s, STEPS_PER_EPOCH);
    return 0.0;
}

static dsc_status onecycle_unset(const dsc_lr_scheduler *s, int i, const char *fn, double *out) {
    if (i == TOTAL_STEPS && total_steps(s) != 0.0) {
        *out = total_steps(s);
        return DSC_OK;
    }
    return dsc__sched_not_set(s, i, fn, i == TOTAL_STEPS ? "set it, or epochs and steps_per_epoch" : NULL);
}

/* Phase ends (floats) and their count. */
static size_t phases(const dsc_lr_scheduler *s, double end[3]) {
    double n = total_steps(s), p = dsc__sched_p(s, PCT_START);
    if (dsc__sched_p(s, THREE_PHASE) != 0.0) {
        end[0] = p * n - 1.0;
        end[1] = 2.0 * p * n - 2.0;
        end[2] = n - 1.0;
        return 3;
    }
    end[0] = p * n - 1.0;
    end[1] = n - 1.0;
    return 2;
}

static dsc_status onecycle_check(const dsc_lr_scheduler *s, const char *fn) {
    DSC_RETURN_IF(total_steps(s) == 0.0, DSC_E_STATE,
                  "%s: OneCycleLR needs total_steps, or epochs and steps_per_epoch", fn);
    double end[3];
    size_t k = phases(s, end);
    double start = 0.0;
    for (size_t i = 0; i < k; i++) {
        /* PyTorch divides by the phase length; an empty phase is a ZeroDivisionError there. */
        DSC_RETURN_IF(end[i] == start, DSC_E_ARG,
                      "%s: OneCycleLR phase %zu is empty (pct_start %g, total_steps %.0f); "
                      "pct_start*total_steps must not be 1 and pct_start must be below 1",
                      fn, i, dsc__sched_p(s, PCT_START), total_steps(s));
        start = end[i];
    }
    return DSC_OK;
}

static double onecycle_base(const dsc_lr_scheduler *s, size_t g, double group_lr) {
    (void)group_lr;
    return dsc__sched_pg(s, g, MAX_LR) / dsc__sched_p(s, DIV);
}

static int onecycle_momentum(const dsc_lr_scheduler *s) {
    return dsc__sched_p(s, CYCLE_MOMENTUM) != 0.0;
}

static double onecycle_start_momentum(const dsc_lr_scheduler *s, size_t g) {
    return dsc__sched_pg(s, g, MAX_MOMENTUM);
}

static double anneal(const dsc_lr_scheduler *s, double from, double to, double pct) {
    if (dsc__sched_p(s, ANNEAL) == DSC_ANNEAL_LINEAR) return (to - from) * pct + from;
    return to + (from - to) / 2.0 * (cos(3.141592653589793 * pct) + 1.0);
}

static dsc_status onecycle_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)cur, (void)base;
    double n = total_steps(s);
    double t = (double)s->v.t;
    DSC_RETURN_IF(t > n, DSC_E_STATE,
                  "dsc_lr_scheduler_step: OneCycleLR stepped %.0f times; total_steps is %.0f", t, n);
    double initial = onecycle_base(s, g, 0.0), peak = dsc__sched_pg(s, g, MAX_LR);
    double final = initial / dsc__sched_p(s, FINAL_DIV);
    double bm = dsc__sched_pg(s, g, BASE_MOMENTUM), mm = dsc__sched_pg(s, g, MAX_MOMENTUM);
    double end[3];
    size_t k = phases(s, end);
    /* Start and end values of each phase, lr then momentum. */
    const double lr2[2][2] = {{initial, peak}, {peak, final}};
    const double m2[2][2] = {{mm, bm}, {bm, mm}};
    const double lr3[3][2] = {{initial, peak}, {peak, initial}, {initial, final}};
    const double m3[3][2] = {{mm, bm}, {bm, mm}, {mm, mm}};
    double start = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (t <= end[i] || i == k - 1) {
            double pct = (t - start) / (end[i] - start);
            const double *l = k == 3 ? lr3[i] : lr2[i];
            const double *m = k == 3 ? m3[i] : m2[i];
            *lr = anneal(s, l[0], l[1], pct);
            if (onecycle_momentum(s)) *mom = anneal(s, m[0], m[1], pct);
            break;
        }
        start = end[i];
    }
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_one_cycle_vt = {
    .kind = DSC_SCHED_ONE_CYCLE, .name = "OneCycleLR", .hp = onecycle_hp,
    .nhp = sizeof onecycle_hp / sizeof onecycle_hp[0], .check = onecycle_check, .unset = onecycle_unset,
    .base_lr = onecycle_base, .cycles_momentum = onecycle_momentum,
    .start_momentum = onecycle_start_momentum, .lr = onecycle_lr,
};
