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
static const dsc__setting plateau_hp[] = {
    [MODE] = {DSC_SCHED_PARAM_PLATEAU_MODE, "mode", DSC_PLATEAU_MIN, 0, 1, DSC__SET_INT},
    [FACTOR] = {DSC_SCHED_PARAM_FACTOR, "factor", 0.1, 0.0, 1.0, DSC__SET_HI_OPEN | DSC__SCHED_ANYTIME},
    [PATIENCE] = {DSC_SCHED_PARAM_PATIENCE, "patience", 10, 0, DSC__TWO_53, DSC__SET_INT | DSC__SCHED_ANYTIME},
    [THRESHOLD] = {DSC_SCHED_PARAM_THRESHOLD, "threshold", 1e-4, 0.0, INFINITY, DSC__SCHED_ANYTIME},
    [THRESHOLD_MODE] = {DSC_SCHED_PARAM_THRESHOLD_MODE, "threshold_mode", DSC_THRESHOLD_REL, 0, 1, DSC__SET_INT},
    [COOLDOWN] = {DSC_SCHED_PARAM_COOLDOWN, "cooldown", 0, 0, DSC__TWO_53, DSC__SET_INT | DSC__SCHED_ANYTIME},
    [MIN_LR] = {DSC_SCHED_PARAM_MIN_LR, "min_lr", 0.0, 0.0, DSC__TWO_32, DSC__SCHED_ANYTIME | DSC__SCHED_PER_GROUP},
    [EPS] = {DSC_SCHED_PARAM_EPS, "eps", 1e-8, 0.0, INFINITY, DSC__SCHED_ANYTIME},
};

/* State variables: PyTorch's best, num_bad_epochs and cooldown_counter. */
enum { BEST, BAD, COOLDOWN_LEFT };
static const dsc__sched_var plateau_vars[] = {
    [BEST] = {DSC_SCHED_STATE_BEST, 0},
    [BAD] = {DSC_SCHED_STATE_NUM_BAD_EPOCHS, 1},
    [COOLDOWN_LEFT] = {DSC_SCHED_STATE_COOLDOWN_COUNTER, 1},
};

static void plateau_reset(dsc_lr_scheduler *s) {
    s->v.k[BEST] = dsc__sched_p(s, MODE) == DSC_PLATEAU_MIN ? HUGE_VAL : -HUGE_VAL;
    s->v.k[BAD] = 0;
    s->v.k[COOLDOWN_LEFT] = 0;
}

static int is_better(const dsc_lr_scheduler *s, double a, double best) {
    double thr = dsc__sched_p(s, THRESHOLD);
    int rel = dsc__sched_p(s, THRESHOLD_MODE) == DSC_THRESHOLD_REL;
    if (dsc__sched_p(s, MODE) == DSC_PLATEAU_MIN) return rel ? a < best * (1.0 - thr) : a < best - thr;
    return rel ? a > best * (thr + 1.0) : a > best + thr;
}

/* One epoch with its metric: s->next holds the lr before it and is reduced in place. */
static dsc_status plateau_step(dsc_lr_scheduler *s, double metric) {
    double *k = s->v.k;
    s->v.t += 1;
    if (is_better(s, metric, k[BEST])) {
        k[BEST] = metric;
        k[BAD] = 0;
    } else {
        k[BAD] += 1;
    }
    if (k[COOLDOWN_LEFT] > 0) {
        k[COOLDOWN_LEFT] -= 1;
        k[BAD] = 0;
    }
    if (k[BAD] > dsc__sched_p(s, PATIENCE)) {
        for (size_t g = 0; g < s->ngroups; g++) {
            double old = s->next[g];
            double nw = fmax(old * dsc__sched_p(s, FACTOR), dsc__sched_pg(s, g, MIN_LR));
            if (old - nw > dsc__sched_p(s, EPS)) s->next[g] = nw;
        }
        k[COOLDOWN_LEFT] = dsc__sched_p(s, COOLDOWN);
        k[BAD] = 0;
    }
    return DSC_OK;
}

/* No formula: the lr is never changed at start. */
const dsc__sched_vt dsc__sched_plateau_vt = {
    .kind = DSC_SCHED_PLATEAU, .name = "ReduceLROnPlateau", .hp = plateau_hp,
    .nhp = sizeof plateau_hp / sizeof plateau_hp[0], .flags = DSC__SV_METRIC, .vars = plateau_vars,
    .nvars = sizeof plateau_vars / sizeof plateau_vars[0], .reset = plateau_reset, .step = plateau_step,
};
