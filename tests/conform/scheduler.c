/* Runner for kind scheduler cases, through the public API only: an SGD
 * optimizer over a one-element host array with `param lr`, a scheduler
 * built from the case's params (composites from sched<i>_* params), then
 * `steps` calls of dsc_lr_scheduler_step (ReduceLROnPlateau:
 * dsc_lr_scheduler_step_metric with `metric t`). After each call the
 * group's lr (and, with cycle_momentum, its momentum) as the optimizer
 * holds it is compared with `lr t` / `momentum t`. */
#include "ref.h"

#include <descent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    dsc_lr_scheduler_kind kind;
} kinds[] = {
    {"StepLR", DSC_SCHED_STEP},
    {"MultiStepLR", DSC_SCHED_MULTI_STEP},
    {"ExponentialLR", DSC_SCHED_EXPONENTIAL},
    {"CosineAnnealingLR", DSC_SCHED_COSINE},
    {"CosineAnnealingWarmRestarts", DSC_SCHED_COSINE_WARM_RESTARTS},
    {"CyclicLR", DSC_SCHED_CYCLIC},
    {"OneCycleLR", DSC_SCHED_ONE_CYCLE},
    {"LinearLR", DSC_SCHED_LINEAR},
    {"ConstantLR", DSC_SCHED_CONSTANT_LR},
    {"PolynomialLR", DSC_SCHED_POLYNOMIAL},
    {"ReduceLROnPlateau", DSC_SCHED_PLATEAU},
    {"SequentialLR", DSC_SCHED_SEQUENTIAL},
    {"ChainedScheduler", DSC_SCHED_CHAINED},
    {"inverse_time", DSC_SCHED_INVERSE_TIME},
};

/* String values of the enumerated params; NULL-terminated, index = value. */
static const char *const cyclic_modes[] = {"triangular", "triangular2", "exp_range", NULL};
static const char *const anneal[] = {"cos", "linear", NULL};
static const char *const plateau_modes[] = {"min", "max", NULL};
static const char *const threshold_modes[] = {"rel", "abs", NULL};

/* PyTorch argument -> key, for the kinds that take it (0: every kind). */
static const struct {
    dsc_lr_scheduler_kind kind;
    const char *param;
    dsc_sched_param key;
    const char *const *names; /* string-valued param, or NULL for a number */
} params[] = {
    {0, "gamma", DSC_SCHED_PARAM_GAMMA, NULL},
    {0, "step_size", DSC_SCHED_PARAM_STEP_SIZE, NULL},
    {0, "factor", DSC_SCHED_PARAM_FACTOR, NULL},
    {0, "total_iters", DSC_SCHED_PARAM_TOTAL_ITERS, NULL},
    {0, "start_factor", DSC_SCHED_PARAM_START_FACTOR, NULL},
    {0, "end_factor", DSC_SCHED_PARAM_END_FACTOR, NULL},
    {0, "power", DSC_SCHED_PARAM_POWER, NULL},
    {0, "T_max", DSC_SCHED_PARAM_T_MAX, NULL},
    {0, "eta_min", DSC_SCHED_PARAM_ETA_MIN, NULL},
    {0, "T_0", DSC_SCHED_PARAM_T_0, NULL},
    {0, "T_mult", DSC_SCHED_PARAM_T_MULT, NULL},
    {0, "base_lr", DSC_SCHED_PARAM_BASE_LR, NULL},
    {0, "max_lr", DSC_SCHED_PARAM_MAX_LR, NULL},
    {0, "step_size_up", DSC_SCHED_PARAM_STEP_SIZE_UP, NULL},
    {0, "step_size_down", DSC_SCHED_PARAM_STEP_SIZE_DOWN, NULL},
    {DSC_SCHED_CYCLIC, "mode", DSC_SCHED_PARAM_MODE, cyclic_modes},
    {0, "cycle_momentum", DSC_SCHED_PARAM_CYCLE_MOMENTUM, NULL},
    {0, "base_momentum", DSC_SCHED_PARAM_BASE_MOMENTUM, NULL},
    {0, "max_momentum", DSC_SCHED_PARAM_MAX_MOMENTUM, NULL},
    {0, "total_steps", DSC_SCHED_PARAM_TOTAL_STEPS, NULL},
    {0, "epochs", DSC_SCHED_PARAM_EPOCHS, NULL},
    {0, "steps_per_epoch", DSC_SCHED_PARAM_STEPS_PER_EPOCH, NULL},
    {0, "pct_start", DSC_SCHED_PARAM_PCT_START, NULL},
    {0, "anneal_strategy", DSC_SCHED_PARAM_ANNEAL_STRATEGY, anneal},
    {0, "div_factor", DSC_SCHED_PARAM_DIV_FACTOR, NULL},
    {0, "final_div_factor", DSC_SCHED_PARAM_FINAL_DIV_FACTOR, NULL},
    {0, "three_phase", DSC_SCHED_PARAM_THREE_PHASE, NULL},
    {DSC_SCHED_PLATEAU, "mode", DSC_SCHED_PARAM_PLATEAU_MODE, plateau_modes},
    {0, "patience", DSC_SCHED_PARAM_PATIENCE, NULL},
    {0, "threshold", DSC_SCHED_PARAM_THRESHOLD, NULL},
    {0, "threshold_mode", DSC_SCHED_PARAM_THRESHOLD_MODE, threshold_modes},
    {0, "cooldown", DSC_SCHED_PARAM_COOLDOWN, NULL},
    {0, "min_lr", DSC_SCHED_PARAM_MIN_LR, NULL},
    {0, "eps", DSC_SCHED_PARAM_EPS, NULL},
    {0, "decay_rate", DSC_SCHED_PARAM_DECAY_RATE, NULL},
    {0, "decay_steps", DSC_SCHED_PARAM_DECAY_STEPS, NULL},
    {0, "staircase", DSC_SCHED_PARAM_STAIRCASE, NULL},
};

#define MAX_LIST 1024

static int kind_of(const char *name, dsc_lr_scheduler_kind *out) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    return -1;
}

/* Every param "<prefix><name>" this kind understands becomes a setter call.
 * A param of another kind stays unread, so the case fails as unknown. */
static int configure(ref_case *c, ref_result *r, dsc_lr_scheduler *s, dsc_lr_scheduler_kind kind,
                     const char *prefix) {
    char key[128];
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        if (params[i].kind != 0 && params[i].kind != kind) continue;
        snprintf(key, sizeof key, "%s%s", prefix, params[i].param);
        if (!ref_has_param(c, key)) continue;
        /* Only keys of this kind: dsc_lr_scheduler_get tells (a required key not set is DSC_E_STATE). */
        double probe;
        if (dsc_lr_scheduler_get(s, params[i].key, &probe) == DSC_E_UNSUPPORTED) continue;
        double v;
        if (params[i].names != NULL) {
            const char *str = ref_param_str(c, r, key);
            if (str == NULL) return -1;
            long idx = -1;
            for (long k = 0; params[i].names[k] != NULL; k++)
                if (strcmp(str, params[i].names[k]) == 0) idx = k;
            if (idx < 0) return ref_fail(r, "param %s: unknown value '%s'", key, str);
            v = (double)idx;
        } else if (ref_param_double(c, r, key, &v) != 0) {
            return -1;
        }
        if (dsc_lr_scheduler_set(s, params[i].key, v) != DSC_OK)
            return ref_fail(r, "param %s %g: %s", key, v, dsc_last_error());
    }
    if (kind == DSC_SCHED_CYCLIC) {
        /* PyTorch's scale_mode is implied by the built-in modes: check it agrees. */
        snprintf(key, sizeof key, "%sscale_mode", prefix);
        if (ref_has_param(c, key)) {
            const char *str = ref_param_str(c, r, key);
            double mode;
            if (str == NULL || dsc_lr_scheduler_get(s, DSC_SCHED_PARAM_MODE, &mode) != DSC_OK) return -1;
            const char *implied = mode == DSC_CYCLIC_EXP_RANGE ? "iterations" : "cycle";
            if (strcmp(str, implied) != 0)
                return ref_fail(r, "param %s %s: mode %s scales per %s", key, str, cyclic_modes[(int)mode], implied);
        }
    }
    snprintf(key, sizeof key, "%smilestones", prefix);
    if (ref_has_param(c, key) && (kind == DSC_SCHED_MULTI_STEP || kind == DSC_SCHED_SEQUENTIAL)) {
        long list[MAX_LIST];
        int64_t m[MAX_LIST];
        size_t n = 0;
        if (ref_param_list(c, r, key, list, MAX_LIST, &n) != 0) return -1;
        for (size_t i = 0; i < n; i++) m[i] = list[i];
        if (dsc_lr_scheduler_set_milestones(s, m, n) != DSC_OK)
            return ref_fail(r, "param %s: %s", key, dsc_last_error());
    }
    return 0;
}

static int build(ref_case *c, ref_result *r, dsc_optimizer *opt, dsc_lr_scheduler **out) {
    dsc_lr_scheduler_kind kind;
    if (kind_of(c->name, &kind) != 0) return ref_fail(r, "unknown scheduler '%s'", c->name);
    if (dsc_lr_scheduler_new(out, kind, opt) != DSC_OK) return ref_fail(r, "new: %s", dsc_last_error());
    if (configure(c, r, *out, kind, "") != 0) return -1;
    if (kind != DSC_SCHED_SEQUENTIAL && kind != DSC_SCHED_CHAINED) return 0;
    for (int i = 0;; i++) {
        char key[64];
        snprintf(key, sizeof key, "sched%d_type", i);
        if (!ref_has_param(c, key)) {
            if (i == 0) return ref_fail(r, "%s without sched0_type", c->name);
            return 0;
        }
        const char *type = ref_param_str(c, r, key);
        dsc_lr_scheduler_kind ck;
        if (type == NULL) return -1;
        if (kind_of(type, &ck) != 0) return ref_fail(r, "param %s: unknown scheduler '%s'", key, type);
        dsc_lr_scheduler *child = NULL;
        if (dsc_lr_scheduler_new(&child, ck, opt) != DSC_OK) return ref_fail(r, "new %s: %s", type, dsc_last_error());
        char prefix[32];
        snprintf(prefix, sizeof prefix, "sched%d_", i);
        if (configure(c, r, child, ck, prefix) != 0) {
            dsc_lr_scheduler_free(child);
            return -1;
        }
        /* The container takes the child whatever the outcome. */
        if (dsc_lr_scheduler_add_child(*out, &child) != DSC_OK)
            return ref_fail(r, "add_child %s: %s", type, dsc_last_error());
    }
}

/* Compares the optimizer's group 0 lr (and momentum) with line t. */
static int check_t(ref_case *c, ref_result *r, dsc_optimizer *opt, long t, int with_momentum) {
    double lr, m;
    if (dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_LR, &lr) != DSC_OK)
        return ref_fail(r, "group_get lr: %s", dsc_last_error());
    if (ref_check(c, r, "lr", t, &lr, 1, REF_SCHED_RTOL, REF_SCHED_ATOL) != 0) return -1;
    if (!with_momentum) return 0;
    if (dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_MOMENTUM, &m) != DSC_OK)
        return ref_fail(r, "group_get momentum: %s", dsc_last_error());
    return ref_check(c, r, "momentum", t, &m, 1, REF_SCHED_RTOL, REF_SCHED_ATOL);
}

static int run(ref_case *c, ref_result *r, dsc_optimizer *opt) {
    dsc_lr_scheduler *s = NULL;
    int rc = build(c, r, opt, &s);
    if (rc != 0) {
        dsc_lr_scheduler_free(s);
        return -1;
    }
    long steps = -1;
    ref_line *l = ref_single(c, r, "steps");
    if (l == NULL || l->ntok != 1 || (steps = strtol(l->tok[0], NULL, 10)) < 0) {
        dsc_lr_scheduler_free(s);
        return ref_fail(r, "'steps' needs one count");
    }
    long nlr = ref_vector_count(c, r, "lr", 0);
    int with_m = ref_has_vector(c, "momentum", 0);
    int plateau = strcmp(c->name, "ReduceLROnPlateau") == 0;
    if (nlr != steps + 1) rc = ref_fail(r, "%ld lr lines for %ld steps", nlr, steps);
    else if (with_m && ref_vector_count(c, r, "momentum", 0) != nlr) rc = -1;
    else if (plateau && ref_vector_count(c, r, "metric", 1) != steps) rc = -1;
    else if (dsc_lr_scheduler_start(s) != DSC_OK) rc = ref_fail(r, "start: %s", dsc_last_error());
    else rc = check_t(c, r, opt, 0, with_m);
    for (long t = 1; rc == 0 && t <= steps; t++) {
        dsc_status st;
        if (plateau) {
            double metric;
            if (ref_vector(c, r, "metric", t, &metric, 1) != 1) {
                rc = ref_fail(r, "metric %ld needs one value", t);
                break;
            }
            st = dsc_lr_scheduler_step_metric(s, metric);
        } else {
            st = dsc_lr_scheduler_step(s);
        }
        if (st != DSC_OK) rc = ref_fail(r, "step %ld: %s", t, dsc_last_error());
        else rc = check_t(c, r, opt, t, with_m);
    }
    dsc_lr_scheduler_free(s);
    return rc;
}

int conform_scheduler(ref_case *c, ref_result *r) {
    static float p[1], g[1];
    dsc_optimizer *opt = NULL;
    if (dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD) != DSC_OK) return ref_fail(r, "optimizer: %s", dsc_last_error());
    int rc = 0;
    if (ref_has_param(c, "lr")) {
        double lr;
        if (ref_param_double(c, r, "lr", &lr) != 0) rc = -1;
        else if (dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, lr) != DSC_OK) rc = ref_fail(r, "lr %g: %s", lr, dsc_last_error());
    }
    if (rc == 0 && dsc_optimizer_add_params(opt, p, g, 1, NULL) != DSC_OK)
        rc = ref_fail(r, "add_params: %s", dsc_last_error());
    if (rc == 0) rc = run(c, r, opt);
    dsc_optimizer_free(opt);
    return rc;
}
