/* ReduceLROnPlateau, torch.optim.lr_scheduler.ReduceLROnPlateau.step(metric):
 *   better = metric < best*(1 - thr) (min, rel) | metric < best - thr (min, abs)
 *          | metric > best*(1 + thr) (max, rel) | metric > best + thr (max, abs);
 *   better: best = metric, bad = 0; else bad += 1;
 *   in cooldown (counter > 0): counter -= 1, bad = 0;
 *   bad > patience: lr = max(lr*factor, min_lr) unless old - new <= eps;
 *                   counter = cooldown, bad = 0.
 * best starts at +inf (min) or -inf (max), so the first metric always
 * improves. The lr is never changed at start. */
#include "sched_impl.h"

enum { MODE, FACTOR, PATIENCE, THRESHOLD, THRESHOLD_MODE, COOLDOWN, MIN_LR, EPS };
static const dsc__sched_hp plateau_hp[] = {
    [MODE] = {DSC_SCHED_PARAM_PLATEAU_MODE, "mode", DSC_PLATEAU_MIN, 0, 1, DSC__HP_INT},
    [FACTOR] = {DSC_SCHED_PARAM_FACTOR, "factor", 0.1, 0.0, 1.0, DSC__HP_HI_OPEN | DSC__HP_ANYTIME},
    [PATIENCE] = {DSC_SCHED_PARAM_PATIENCE, "patience", 10, 0, DSC__SCHED_INT_MAX, DSC__HP_INT | DSC__HP_ANYTIME},
    [THRESHOLD] = {DSC_SCHED_PARAM_THRESHOLD, "threshold", 1e-4, 0.0, HUGE_VAL, DSC__HP_HI_OPEN | DSC__HP_ANYTIME},
    [THRESHOLD_MODE] = {DSC_SCHED_PARAM_THRESHOLD_MODE, "threshold_mode", DSC_THRESHOLD_REL, 0, 1, DSC__HP_INT},
    [COOLDOWN] = {DSC_SCHED_PARAM_COOLDOWN, "cooldown", 0, 0, DSC__SCHED_INT_MAX, DSC__HP_INT | DSC__HP_ANYTIME},
    [MIN_LR] = {DSC_SCHED_PARAM_MIN_LR, "min_lr", 0.0, 0.0, HUGE_VAL, DSC__HP_HI_OPEN | DSC__HP_ANYTIME},
    [EPS] = {DSC_SCHED_PARAM_EPS, "eps", 1e-8, 0.0, HUGE_VAL, DSC__HP_HI_OPEN | DSC__HP_ANYTIME},
};

static void plateau_reset(dsc_lr_scheduler *s) {
    s->v.best = dsc__sched_p(s, MODE) == DSC_PLATEAU_MIN ? HUGE_VAL : -HUGE_VAL;
    s->v.bad = 0;
    s->v.cooldown = 0;
}

static int is_better(const dsc_lr_scheduler *s, double a, double best) {
    double thr = dsc__sched_p(s, THRESHOLD);
    int rel = dsc__sched_p(s, THRESHOLD_MODE) == DSC_THRESHOLD_REL;
    if (dsc__sched_p(s, MODE) == DSC_PLATEAU_MIN) return rel ? a < best * (1.0 - thr) : a < best - thr;
    return rel ? a > best * (thr + 1.0) : a > best + thr;
}

void dsc__sched_plateau_update(dsc_lr_scheduler *s, double metric, double *lr) {
    s->v.t += 1;
    if (is_better(s, metric, s->v.best)) {
        s->v.best = metric;
        s->v.bad = 0;
    } else {
        s->v.bad += 1;
    }
    if (s->v.cooldown > 0) {
        s->v.cooldown -= 1;
        s->v.bad = 0;
    }
    if ((double)s->v.bad > dsc__sched_p(s, PATIENCE)) {
        for (size_t g = 0; g < s->ngroups; g++) {
            double old = lr[g];
            double nw = fmax(old * dsc__sched_p(s, FACTOR), dsc__sched_pg(s, g, MIN_LR));
            if (old - nw > dsc__sched_p(s, EPS)) lr[g] = nw;
        }
        s->v.cooldown = (int64_t)dsc__sched_p(s, COOLDOWN);
        s->v.bad = 0;
    }
}

static dsc_status plateau_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)s, (void)g, (void)base, (void)mom;
    *lr = cur;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_plateau_vt = {
    .kind = DSC_SCHED_PLATEAU, .name = "ReduceLROnPlateau", .hp = plateau_hp, .nhp = 8,
    .flags = DSC__SV_METRIC, .reset = plateau_reset, .lr = plateau_lr,
};
