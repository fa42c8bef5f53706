/* The scheduler object: construction, the hyperparameter table lookup and
 * validation, milestones, children, and the step engine shared by every
 * kind. A step computes every group's new lr into scratch arrays, checks
 * them, and only then writes them into the optimizer, so a refused step
 * changes nothing. PyTorch reference: torch/optim/lr_scheduler.py (1.13). */
#include "sched_impl.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

static const dsc__sched_vt *const kinds[] = {
    NULL,
    &dsc__sched_constant_vt,
    &dsc__sched_constant_lr_vt,
    &dsc__sched_step_vt,
    &dsc__sched_multi_step_vt,
    &dsc__sched_exponential_vt,
    &dsc__sched_polynomial_vt,
    &dsc__sched_linear_vt,
    &dsc__sched_cosine_vt,
    &dsc__sched_warm_restarts_vt,
    &dsc__sched_cyclic_vt,
    &dsc__sched_one_cycle_vt,
    &dsc__sched_plateau_vt,
    &dsc__sched_lambda_vt,
    &dsc__sched_multiplicative_vt,
    &dsc__sched_sequential_vt,
    &dsc__sched_chained_vt,
    &dsc__sched_inverse_time_vt,
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Milestone counts above this are refused (a typo, not a schedule). */
#define MAX_MILESTONES ((size_t)1 << 20)

static const dsc__sched_vt *vt_of(dsc_lr_scheduler_kind kind) {
    if ((int)kind < 1 || (size_t)kind >= NKINDS) return NULL;
    return kinds[kind];
}

int dsc__sched_hp_index(const dsc__sched_vt *vt, dsc_sched_param key) {
    for (size_t i = 0; i < vt->nhp; i++)
        if (vt->hp[i].key == key) return (int)i;
    return -1;
}

int dsc__sched_group_slot(dsc_sched_param key) {
    switch (key) {
    case DSC_SCHED_PARAM_BASE_LR:
    case DSC_SCHED_PARAM_MIN_LR: return 0; /* never in the same kind */
    case DSC_SCHED_PARAM_MAX_LR: return 1;
    case DSC_SCHED_PARAM_BASE_MOMENTUM: return 2;
    case DSC_SCHED_PARAM_MAX_MOMENTUM: return 3;
    default: return -1;
    }
}

double dsc__sched_pg(const dsc_lr_scheduler *s, size_t g, int i) {
    int slot = dsc__sched_group_slot(s->vt->hp[i].key);
    if (slot >= 0 && !isnan(s->grp[g * DSC__GRP_SLOTS + (size_t)slot])) return s->grp[g * DSC__GRP_SLOTS + (size_t)slot];
    return s->hp[i];
}

/* A required key counts as set when it is, or when every group has its own value. */
static int key_given(const dsc_lr_scheduler *s, int i) {
    if (dsc__sched_is_set(s, i)) return 1;
    int slot = dsc__sched_group_slot(s->vt->hp[i].key);
    if (slot < 0) return 0;
    for (size_t g = 0; g < s->ngroups; g++)
        if (isnan(s->grp[g * DSC__GRP_SLOTS + (size_t)slot])) return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/*  Construction                                                       */
/* ------------------------------------------------------------------ */

dsc_status dsc_lr_scheduler_new(dsc_lr_scheduler **out, dsc_lr_scheduler_kind kind, dsc_optimizer *opt) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_lr_scheduler_new: out is NULL");
    *out = NULL;
    const dsc__sched_vt *vt = vt_of(kind);
    DSC_RETURN_IF(vt == NULL, DSC_E_ARG,
                  "dsc_lr_scheduler_new: kind is %d; it must be a dsc_lr_scheduler_kind (1..%d)", (int)kind,
                  (int)NKINDS - 1);
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "dsc_lr_scheduler_new: opt is NULL");
    size_t ng = 0;
    DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    DSC_RETURN_IF(ng == 0, DSC_E_STATE,
                  "dsc_lr_scheduler_new: the optimizer has no parameter group; add its parameters first");
    dsc_lr_scheduler *s = dsc__calloc(1, sizeof *s);
    double *arrays = dsc__calloc(ng, (6 + DSC__GRP_SLOTS) * sizeof(double));
    if (s == NULL || arrays == NULL) {
        dsc__free(s);
        dsc__free(arrays);
        return dsc__error(DSC_E_NOMEM, "dsc_lr_scheduler_new: out of memory for %zu groups", ng);
    }
    s->vt = vt;
    s->opt = opt;
    s->ngroups = ng;
    for (size_t i = 0; i < vt->nhp; i++) s->hp[i] = vt->hp[i].def;
    s->v.t = -1;
    s->base = arrays;
    s->cur = arrays + ng;
    s->written = arrays + 2 * ng;
    s->next = arrays + 3 * ng;
    s->mom = arrays + 4 * ng;
    s->mom_next = arrays + 5 * ng;
    s->grp = arrays + 6 * ng;
    for (size_t i = 0; i < ng * DSC__GRP_SLOTS; i++) s->grp[i] = NAN;
    *out = s;
    return DSC_OK;
}

static void sched_free(dsc_lr_scheduler *s) {
    for (size_t i = 0; i < s->nchildren; i++) sched_free(s->children[i]);
    dsc__free(s->children);
    dsc__free(s->milestones);
    dsc__free(s->base);
    dsc__free(s);
}

void dsc_lr_scheduler_free(dsc_lr_scheduler *s) {
    /* A child belongs to its container, which frees it: ignoring the call
     * turns a double free into nothing. */
    if (s == NULL || s->parent != NULL) return;
    sched_free(s);
}

/* ------------------------------------------------------------------ */
/*  Hyperparameters                                                    */
/* ------------------------------------------------------------------ */

static void format_range(const dsc__sched_hp *row, char *buf, size_t n) {
    char hi[32];
    if (isinf(row->hi)) snprintf(hi, sizeof hi, "inf");
    else snprintf(hi, sizeof hi, "%.17g", row->hi);
    snprintf(buf, n, "%s%s%.17g, %s%s", row->flags & DSC__HP_INT ? "an integer in " : "",
             row->flags & DSC__HP_LO_OPEN ? "(" : "[", row->lo, hi,
             (row->flags & DSC__HP_HI_OPEN) || isinf(row->hi) ? ")" : "]");
}

/* Validates value for row; fn names the public function for the message. */
static dsc_status check_value(const dsc__sched_vt *vt, const dsc__sched_hp *row, double value, const char *fn) {
    int ok = isfinite(value) && value >= row->lo && value <= row->hi;
    if (ok && (row->flags & DSC__HP_LO_OPEN) && value == row->lo) ok = 0;
    if (ok && (row->flags & DSC__HP_HI_OPEN) && value == row->hi) ok = 0;
    if (ok && (row->flags & DSC__HP_INT) && value != floor(value)) ok = 0;
    if (!ok) {
        char range[96];
        format_range(row, range, sizeof range);
        return dsc__error(DSC_E_ARG, "%s: %s %s is %.17g; it must be %s", fn, vt->name, row->name, value, range);
    }
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_set(dsc_lr_scheduler *s, dsc_sched_param key, double value) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_set: s is NULL");
    int i = dsc__sched_hp_index(s->vt, key);
    DSC_RETURN_IF(i < 0, DSC_E_UNSUPPORTED, "dsc_lr_scheduler_set: %s has no key %d", s->vt->name, (int)key);
    const dsc__sched_hp *row = &s->vt->hp[i];
    DSC_TRY(check_value(s->vt, row, value, "dsc_lr_scheduler_set"));
    int running = s->started || (s->parent != NULL && s->parent->started);
    DSC_RETURN_IF(running && !(row->flags & DSC__HP_ANYTIME), DSC_E_STATE,
                  "dsc_lr_scheduler_set: %s %s cannot change after the scheduler started", s->vt->name,
                  row->name);
    s->hp[i] = value;
    s->hp_set |= 1u << i;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_get(const dsc_lr_scheduler *s, dsc_sched_param key, double *out) {
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "dsc_lr_scheduler_get: %s is NULL", s ? "out" : "s");
    int i = dsc__sched_hp_index(s->vt, key);
    DSC_RETURN_IF(i < 0, DSC_E_UNSUPPORTED, "dsc_lr_scheduler_get: %s has no key %d", s->vt->name, (int)key);
    if (!dsc__sched_is_set(s, i)) {
        /* Keys whose default depends on others. */
        if (key == DSC_SCHED_PARAM_STEP_SIZE_DOWN) {
            *out = s->hp[dsc__sched_hp_index(s->vt, DSC_SCHED_PARAM_STEP_SIZE_UP)];
            return DSC_OK;
        }
        if (key == DSC_SCHED_PARAM_TOTAL_STEPS) {
            double n = dsc__sched_one_cycle_total(s);
            DSC_RETURN_IF(n == 0.0, DSC_E_STATE, "dsc_lr_scheduler_get: OneCycleLR total_steps is not set");
            *out = n;
            return DSC_OK;
        }
        DSC_RETURN_IF((s->vt->hp[i].flags & DSC__HP_REQUIRED) || key == DSC_SCHED_PARAM_BASE_LR || key == DSC_SCHED_PARAM_EPOCHS ||
                          key == DSC_SCHED_PARAM_STEPS_PER_EPOCH,
                      DSC_E_STATE, "dsc_lr_scheduler_get: %s %s is not set%s", s->vt->name, s->vt->hp[i].name,
                      key == DSC_SCHED_PARAM_BASE_LR ? "; each group's lr at start is its base_lr" : "");
    }
    *out = s->hp[i];
    return DSC_OK;
}

/* Shared checks of the per-group accessors; *row receives the table row. */
static dsc_status group_key(const dsc_lr_scheduler *s, size_t group, dsc_sched_param key, const char *fn, int *row) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    *row = dsc__sched_hp_index(s->vt, key);
    DSC_RETURN_IF(*row < 0, DSC_E_UNSUPPORTED, "%s: %s has no key %d", fn, s->vt->name, (int)key);
    DSC_RETURN_IF(dsc__sched_group_slot(key) < 0, DSC_E_UNSUPPORTED,
                  "%s: %s %s takes one value for every group; per-group values exist for base_lr, max_lr, "
                  "base_momentum, max_momentum and min_lr", fn, s->vt->name, s->vt->hp[*row].name);
    DSC_RETURN_IF(group >= s->ngroups, DSC_E_ARG, "%s: group is %zu; it must be < %zu", fn, group, s->ngroups);
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_group_set(dsc_lr_scheduler *s, size_t group, dsc_sched_param key, double value) {
    static const char *fn = "dsc_lr_scheduler_group_set";
    int i;
    DSC_TRY(group_key(s, group, key, fn, &i));
    const dsc__sched_hp *row = &s->vt->hp[i];
    DSC_TRY(check_value(s->vt, row, value, fn));
    int running = s->started || (s->parent != NULL && s->parent->started);
    DSC_RETURN_IF(running && !(row->flags & DSC__HP_ANYTIME), DSC_E_STATE,
                  "%s: %s %s cannot change after the scheduler started", fn, s->vt->name, row->name);
    s->grp[group * DSC__GRP_SLOTS + (size_t)dsc__sched_group_slot(key)] = value;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_group_get(const dsc_lr_scheduler *s, size_t group, dsc_sched_param key, double *out) {
    static const char *fn = "dsc_lr_scheduler_group_get";
    int i;
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    DSC_TRY(group_key(s, group, key, fn, &i));
    double own = s->grp[group * DSC__GRP_SLOTS + (size_t)dsc__sched_group_slot(key)];
    if (isnan(own)) return dsc_lr_scheduler_get(s, key, out);
    *out = own;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_param_bounds(dsc_lr_scheduler_kind kind, dsc_sched_param key, double *lo, double *hi) {
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "dsc_lr_scheduler_param_bounds: %s is NULL",
                  lo ? "hi" : "lo");
    const dsc__sched_vt *vt = vt_of(kind);
    DSC_RETURN_IF(vt == NULL, DSC_E_ARG,
                  "dsc_lr_scheduler_param_bounds: kind is %d; it must be a dsc_lr_scheduler_kind (1..%d)",
                  (int)kind, (int)NKINDS - 1);
    int i = dsc__sched_hp_index(vt, key);
    DSC_RETURN_IF(i < 0, DSC_E_UNSUPPORTED, "dsc_lr_scheduler_param_bounds: %s has no key %d", vt->name, (int)key);
    /* As dsc_optimizer_param_bounds: open ends as the nearest double inside, no bound as DBL_MAX. */
    const dsc__sched_hp *row = &vt->hp[i];
    *lo = (row->flags & DSC__HP_LO_OPEN) ? nextafter(row->lo, HUGE_VAL) : row->lo;
    *hi = isinf(row->hi) ? DBL_MAX : (row->flags & DSC__HP_HI_OPEN) ? nextafter(row->hi, -HUGE_VAL) : row->hi;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_set_milestones(dsc_lr_scheduler *s, const int64_t *m, size_t n) {
    static const char *fn = "dsc_lr_scheduler_set_milestones";
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_MILESTONES), DSC_E_UNSUPPORTED,
                  "%s: %s has no milestones (MultiStepLR and SequentialLR have)", fn, s->vt->name);
    DSC_RETURN_IF(s->started || (s->parent != NULL && s->parent->started), DSC_E_STATE,
                  "%s: milestones cannot change after the scheduler started", fn);
    DSC_RETURN_IF(n > 0 && m == NULL, DSC_E_ARG, "%s: m is NULL with n = %zu", fn, n);
    DSC_RETURN_IF(n > MAX_MILESTONES, DSC_E_ARG, "%s: n is %zu; at most %zu milestones", fn, n, MAX_MILESTONES);
    int seq = s->vt->kind == DSC_SCHED_SEQUENTIAL;
    for (size_t i = 0; i < n; i++) {
        DSC_RETURN_IF(m[i] < (seq ? 1 : 0), DSC_E_ARG, "%s: milestone %zu is %lld; %s milestones must be >= %d",
                      fn, i, (long long)m[i], s->vt->name, seq ? 1 : 0);
        DSC_RETURN_IF(i > 0 && (seq ? m[i] <= m[i - 1] : m[i] < m[i - 1]), DSC_E_ARG,
                      "%s: milestone %zu (%lld) comes after %lld; %s milestones must be %s", fn, i,
                      (long long)m[i], (long long)m[i - 1], s->vt->name,
                      seq ? "strictly increasing" : "in non-decreasing order (repeats allowed)");
    }
    int64_t *copy = NULL;
    if (n > 0) {
        copy = dsc__alloc(n * sizeof *copy);
        DSC_RETURN_IF(copy == NULL, DSC_E_NOMEM, "%s: out of memory for %zu milestones", fn, n);
        memcpy(copy, m, n * sizeof *copy);
    }
    dsc__free(s->milestones);
    s->milestones = copy;
    s->nmilestones = n;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_set_lambda(dsc_lr_scheduler *s, dsc_lr_lambda_fn fn, void *user) {
    DSC_RETURN_IF(s == NULL || fn == NULL, DSC_E_ARG, "dsc_lr_scheduler_set_lambda: %s is NULL", s ? "fn" : "s");
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_LAMBDA), DSC_E_UNSUPPORTED,
                  "dsc_lr_scheduler_set_lambda: %s takes no function (LambdaLR and MultiplicativeLR do)",
                  s->vt->name);
    DSC_RETURN_IF(s->started || (s->parent != NULL && s->parent->started), DSC_E_STATE,
                  "dsc_lr_scheduler_set_lambda: the function cannot change after the scheduler started");
    s->fn = fn;
    s->user = user;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_add_child(dsc_lr_scheduler *s, dsc_lr_scheduler *child) {
    static const char *fn = "dsc_lr_scheduler_add_child";
    DSC_RETURN_IF(s == NULL || child == NULL, DSC_E_ARG, "%s: %s is NULL", fn, s ? "child" : "s");
    DSC_RETURN_IF(child == s, DSC_E_ARG, "%s: a scheduler cannot be its own child", fn);
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_CONTAINER), DSC_E_UNSUPPORTED,
                  "%s: %s takes no children (SequentialLR and ChainedScheduler do)", fn, s->vt->name);
    DSC_RETURN_IF(child->vt->flags & DSC__SV_CONTAINER, DSC_E_UNSUPPORTED,
                  "%s: a %s cannot be a child; containers do not nest", fn, child->vt->name);
    DSC_RETURN_IF(child->vt->flags & DSC__SV_METRIC, DSC_E_UNSUPPORTED,
                  "%s: ReduceLROnPlateau cannot be a child (it steps with a metric)", fn);
    DSC_RETURN_IF(child->opt != s->opt, DSC_E_ARG, "%s: the child drives another optimizer", fn);
    DSC_RETURN_IF(s->started || child->started, DSC_E_STATE, "%s: the %s has already started", fn,
                  s->started ? "container" : "child");
    DSC_RETURN_IF(child->parent != NULL, DSC_E_STATE, "%s: the child already belongs to a container", fn);
    if (s->nchildren == s->capchildren) {
        size_t cap = s->capchildren ? 2 * s->capchildren : 4;
        dsc_lr_scheduler **grown = dsc__alloc(cap * sizeof *grown);
        DSC_RETURN_IF(grown == NULL, DSC_E_NOMEM, "%s: out of memory for %zu children", fn, cap);
        if (s->nchildren) memcpy(grown, s->children, s->nchildren * sizeof *grown);
        dsc__free(s->children);
        s->children = grown;
        s->capchildren = cap;
    }
    s->children[s->nchildren++] = child;
    child->parent = s;
    return DSC_OK;
}

/* ------------------------------------------------------------------ */
/*  The step engine                                                    */
/* ------------------------------------------------------------------ */

/* Configuration checks of start, for s and its children; changes nothing. */
static dsc_status check_config(const dsc_lr_scheduler *s, const char *fn) {
    for (size_t i = 0; i < s->vt->nhp; i++)
        DSC_RETURN_IF((s->vt->hp[i].flags & DSC__HP_REQUIRED) && !key_given(s, (int)i), DSC_E_STATE,
                      "%s: %s needs %s; set it with dsc_lr_scheduler_set", fn, s->vt->name, s->vt->hp[i].name);
    DSC_RETURN_IF((s->vt->flags & DSC__SV_LAMBDA) && s->fn == NULL, DSC_E_STATE,
                  "%s: %s needs a function; set it with dsc_lr_scheduler_set_lambda", fn, s->vt->name);
    if (s->vt->check) DSC_TRY(s->vt->check(s, fn));
    for (size_t i = 0; i < s->nchildren; i++) DSC_TRY(check_config(s->children[i], fn));
    return DSC_OK;
}

static int needs_momentum(const dsc_lr_scheduler *s) {
    if (s->vt->cycles_momentum && s->vt->cycles_momentum(s)) return 1;
    for (size_t i = 0; i < s->nchildren; i++)
        if (needs_momentum(s->children[i])) return 1;
    return 0;
}

/* The group key momentum cycling moves: beta1 for the Adam family, momentum
 * for SGD and RMSprop (PyTorch's use_beta1 = 'betas' in defaults). */
static dsc_status momentum_key(const dsc_lr_scheduler *s, const char *fn, dsc_optimizer_param *key) {
    double lo, hi;
    dsc_optimizer_kind kind;
    DSC_TRY(dsc_optimizer_kind_of(s->opt, &kind));
    if (kind != DSC_OPTIMIZER_SGD && kind != DSC_OPTIMIZER_RMSPROP &&
        dsc_optimizer_param_bounds(kind, DSC_OPTIMIZER_PARAM_BETA1, &lo, &hi) == DSC_OK) {
        *key = DSC_OPTIMIZER_PARAM_BETA1;
        return DSC_OK;
    }
    DSC_RETURN_IF(dsc_optimizer_param_bounds(kind, DSC_OPTIMIZER_PARAM_MOMENTUM, &lo, &hi) != DSC_OK, DSC_E_UNSUPPORTED,
                  "%s: %s cycles momentum but the optimizer has neither momentum nor beta1; "
                  "set cycle_momentum to 0 or use SGD, RMSprop or an Adam-family optimizer", fn, s->vt->name);
    *key = DSC_OPTIMIZER_PARAM_MOMENTUM;
    return DSC_OK;
}

/* PyTorch's CyclicLR and OneCycleLR constructors set the group momentum to
 * max_momentum before the first step; children do it in the order they were
 * added. Doing it at start also makes the optimizer allocate any momentum
 * buffer there, not in a step. */
static void preset_momentum(const dsc_lr_scheduler *s, double *mom) {
    if (s->vt->cycles_momentum && s->vt->cycles_momentum(s)) {
        int i = dsc__sched_hp_index(s->vt, DSC_SCHED_PARAM_MAX_MOMENTUM);
        for (size_t g = 0; g < s->ngroups; g++) mom[g] = dsc__sched_pg(s, g, i);
    }
    for (size_t i = 0; i < s->nchildren; i++) preset_momentum(s->children[i], mom);
}

static void save_vars(dsc_lr_scheduler *s) {
    s->saved = s->v;
    memcpy(s->next, s->cur, s->ngroups * sizeof(double));
    memcpy(s->mom_next, s->mom, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++) save_vars(s->children[i]);
}

static void restore_vars(dsc_lr_scheduler *s) {
    s->v = s->saved;
    for (size_t i = 0; i < s->nchildren; i++) restore_vars(s->children[i]);
}

/* One leaf at its current time: out[g] from in[g]; in and out may alias.
 * The leaf's own record (next) gets the result too. */
static dsc_status leaf_eval(dsc_lr_scheduler *c, const double *in, const double *base, double *out, double *mom) {
    for (size_t g = 0; g < c->ngroups; g++) {
        double lr = in[g], m = mom[g];
        DSC_TRY(c->vt->lr(c, g, in[g], base[g], &lr, &m));
        out[g] = lr;
        mom[g] = m;
        c->next[g] = lr;
        c->mom_next[g] = m;
    }
    return DSC_OK;
}

/* A leaf's t = 0 (its PyTorch initial step, or a SequentialLR restart). */
static dsc_status leaf_init(dsc_lr_scheduler *c, const double *in, const double *base, double *out, double *mom) {
    c->v.t = 0;
    if (c->vt->reset) c->vt->reset(c);
    return leaf_eval(c, in, base, out, mom);
}

static dsc_status leaf_step(dsc_lr_scheduler *c, const double *in, const double *base, double *out, double *mom) {
    c->v.t += 1;
    if (c->vt->advance) c->vt->advance(c);
    return leaf_eval(c, in, base, out, mom);
}

static void share_base(dsc_lr_scheduler *s) {
    for (size_t i = 0; i < s->nchildren; i++)
        memcpy(s->children[i]->base, s->base, s->ngroups * sizeof(double));
}

/* t = 0 into s->next / s->mom_next. */
static dsc_status eval_start(dsc_lr_scheduler *s) {
    s->v.t = 0;
    switch (s->vt->kind) {
    case DSC_SCHED_CHAINED:
        memcpy(s->next, s->base, s->ngroups * sizeof(double));
        for (size_t i = 0; i < s->nchildren; i++)
            DSC_TRY(leaf_init(s->children[i], s->next, s->base, s->next, s->mom_next));
        return DSC_OK;
    case DSC_SCHED_SEQUENTIAL:
        for (size_t i = 1; i < s->nchildren; i++) s->children[i]->v.t = -1;
        return leaf_init(s->children[0], s->base, s->base, s->next, s->mom_next);
    case DSC_SCHED_PLATEAU:
        if (s->vt->reset) s->vt->reset(s);
        return DSC_OK; /* the lr stays as it is */
    default:
        return leaf_init(s, s->base, s->base, s->next, s->mom_next);
    }
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

/* One step into s->next / s->mom_next. */
static dsc_status eval_step(dsc_lr_scheduler *s) {
    switch (s->vt->kind) {
    case DSC_SCHED_CHAINED:
        s->v.t += 1;
        for (size_t i = 0; i < s->nchildren; i++)
            DSC_TRY(leaf_step(s->children[i], s->next, s->base, s->next, s->mom_next));
        return DSC_OK;
    case DSC_SCHED_SEQUENTIAL: {
        s->v.t += 1;
        size_t idx = active_child(s, s->v.t);
        dsc_lr_scheduler *c = s->children[idx];
        if (idx > 0 && s->milestones[idx - 1] == s->v.t)
            return leaf_init(c, (c->vt->flags & DSC__SV_KEEP_LR) ? s->cur : s->base, s->base, s->next, s->mom_next);
        return leaf_step(c, s->cur, s->base, s->next, s->mom_next);
    }
    default:
        return leaf_step(s, s->cur, s->base, s->next, s->mom_next);
    }
}

static void commit_records(dsc_lr_scheduler *s) {
    memcpy(s->cur, s->next, s->ngroups * sizeof(double));
    memcpy(s->mom, s->mom_next, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++) commit_records(s->children[i]);
}

/* Checks the computed values, writes them into the optimizer and makes them
 * current. On a refusal restores the state taken by save_vars. */
static dsc_status commit(dsc_lr_scheduler *s, const char *fn) {
    for (size_t g = 0; g < s->ngroups; g++) {
        if (!(isfinite(s->next[g]) && s->next[g] >= 0.0)) {
            restore_vars(s);
            return dsc__error(DSC_E_ARG, "%s: %s computed lr %g for group %zu; an lr must be finite and >= 0",
                              fn, s->vt->name, s->next[g], g);
        }
    }
    for (size_t g = 0; g < s->ngroups; g++) {
        dsc_status st = dsc_optimizer_group_set(s->opt, g, DSC_OPTIMIZER_PARAM_LR, s->next[g]);
        if (st == DSC_OK && s->mom_key != 0) st = dsc_optimizer_group_set(s->opt, g, s->mom_key, s->mom_next[g]);
        if (st == DSC_OK) st = dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &s->written[g]);
        if (st != DSC_OK) {
            /* Only the optimizer's own limits get here (momentum turned on
             * needs a buffer: DSC_E_NOMEM). Put back what was written; the
             * old values were accepted before and need no allocation. */
            const char *keep = dsc_last_error();
            char msg[256];
            snprintf(msg, sizeof msg, "%s", keep);
            for (size_t h = 0; h <= g; h++) {
                (void)dsc_optimizer_group_set(s->opt, h, DSC_OPTIMIZER_PARAM_LR, s->cur[h]);
                if (s->mom_key != 0) (void)dsc_optimizer_group_set(s->opt, h, s->mom_key, s->mom[h]);
                (void)dsc_optimizer_group_get(s->opt, h, DSC_OPTIMIZER_PARAM_LR, &s->written[h]);
            }
            restore_vars(s);
            return dsc__error(st, "%s: %s", fn, msg);
        }
    }
    commit_records(s);
    return DSC_OK;
}

static dsc_status check_groups(const dsc_lr_scheduler *s, const char *fn) {
    size_t ng = 0;
    DSC_TRY(dsc_optimizer_group_count(s->opt, &ng));
    DSC_RETURN_IF(ng != s->ngroups, DSC_E_STATE,
                  "%s: the scheduler was made for %zu parameter groups; the optimizer now has %zu", fn,
                  s->ngroups, ng);
    return DSC_OK;
}

static void mark_started(dsc_lr_scheduler *s, int on) {
    s->started = on;
    for (size_t i = 0; i < s->nchildren; i++) mark_started(s->children[i], on);
}

/* Validates the configuration and reads what start needs, without changing
 * anything visible: base lrs and momentum go to the scratch fields. */
static dsc_status prepare_start(dsc_lr_scheduler *s, const char *fn, dsc_optimizer_param *mkey) {
    DSC_RETURN_IF(s->parent != NULL, DSC_E_STATE, "%s: this scheduler is a child; use its container", fn);
    DSC_TRY(check_config(s, fn));
    DSC_TRY(check_groups(s, fn));
    *mkey = 0;
    if (needs_momentum(s)) DSC_TRY(momentum_key(s, fn, mkey));
    for (size_t g = 0; g < s->ngroups; g++) {
        double lr = 0.0, m = 0.0;
        DSC_TRY(dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &lr));
        if (*mkey != 0) DSC_TRY(dsc_optimizer_group_get(s->opt, g, *mkey, &m));
        s->next[g] = lr;
        s->mom_next[g] = m;
    }
    return DSC_OK;
}

static dsc_status start(dsc_lr_scheduler *s, const char *fn) {
    dsc_optimizer_param mkey;
    DSC_TRY(prepare_start(s, fn, &mkey));
    /* Nothing visible has changed yet; from here a failure restores. */
    for (size_t g = 0; g < s->ngroups; g++) {
        s->cur[g] = s->next[g];
        s->mom[g] = s->mom_next[g];
        s->base[g] = s->vt->base_lr ? s->vt->base_lr(s, g, s->next[g]) : s->next[g];
    }
    s->mom_key = mkey;
    share_base(s);
    save_vars(s);
    if (mkey != 0) preset_momentum(s, s->mom_next);
    dsc_status st = eval_start(s);
    if (st != DSC_OK) {
        restore_vars(s);
        return st;
    }
    DSC_TRY(commit(s, fn));
    mark_started(s, 1);
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_start(dsc_lr_scheduler *s) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_start: s is NULL");
    DSC_RETURN_IF(s->started, DSC_E_STATE, "dsc_lr_scheduler_start: the scheduler has already started");
    return start(s, "dsc_lr_scheduler_start");
}

/* The host may have set a group's lr since our last write (PyTorch's
 * recursive forms then continue from the host's value). */
static void sync_from_optimizer(dsc_lr_scheduler *s) {
    for (size_t g = 0; g < s->ngroups; g++) {
        double lr;
        if (dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &lr) == DSC_OK && lr != s->written[g]) s->cur[g] = lr;
    }
}

static dsc_status step_common(dsc_lr_scheduler *s, int has_metric, double metric, const char *fn) {
    DSC_RETURN_IF(s->parent != NULL, DSC_E_STATE, "%s: this scheduler is a child; step its container", fn);
    int plateau = (s->vt->flags & DSC__SV_METRIC) != 0;
    DSC_RETURN_IF(plateau && !has_metric, DSC_E_STATE,
                  "%s: ReduceLROnPlateau steps with a metric; call dsc_lr_scheduler_step_metric", fn);
    if (!s->started) DSC_TRY(start(s, fn));
    DSC_TRY(check_groups(s, fn));
    sync_from_optimizer(s);
    save_vars(s);
    if (plateau) {
        dsc__sched_plateau_update(s, metric, s->next);
    } else {
        dsc_status st = eval_step(s);
        if (st != DSC_OK) {
            restore_vars(s);
            return st;
        }
    }
    return commit(s, fn);
}

dsc_status dsc_lr_scheduler_step(dsc_lr_scheduler *s) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_step: s is NULL");
    return step_common(s, 0, 0.0, "dsc_lr_scheduler_step");
}

dsc_status dsc_lr_scheduler_step_metric(dsc_lr_scheduler *s, double metric) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_step_metric: s is NULL");
    return step_common(s, 1, metric, "dsc_lr_scheduler_step_metric");
}

/* ------------------------------------------------------------------ */
/*  Inspection and state                                               */
/* ------------------------------------------------------------------ */

dsc_status dsc_lr_scheduler_lr(const dsc_lr_scheduler *s, size_t group, double *lr) {
    DSC_RETURN_IF(s == NULL || lr == NULL, DSC_E_ARG, "dsc_lr_scheduler_lr: %s is NULL", s ? "lr" : "s");
    DSC_RETURN_IF(group >= s->ngroups, DSC_E_ARG, "dsc_lr_scheduler_lr: group is %zu; it must be < %zu", group,
                  s->ngroups);
    DSC_RETURN_IF(!s->started, DSC_E_STATE,
                  "dsc_lr_scheduler_lr: the scheduler has not started (dsc_lr_scheduler_start)");
    *lr = s->cur[group];
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_state_get(const dsc_lr_scheduler *s, dsc_sched_state_key key, double *out) {
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "dsc_lr_scheduler_state_get: %s is NULL", s ? "out" : "s");
    int plateau = s->vt->kind == DSC_SCHED_PLATEAU, warm = s->vt->kind == DSC_SCHED_COSINE_WARM_RESTARTS;
    switch (key) {
    case DSC_SCHED_STATE_STEP: *out = (double)s->v.t; return DSC_OK;
    case DSC_SCHED_STATE_STARTED: *out = s->started; return DSC_OK;
    case DSC_SCHED_STATE_BEST:
    case DSC_SCHED_STATE_NUM_BAD_EPOCHS:
    case DSC_SCHED_STATE_COOLDOWN_COUNTER:
        DSC_RETURN_IF(!plateau, DSC_E_UNSUPPORTED, "dsc_lr_scheduler_state_get: %s keeps no plateau state",
                      s->vt->name);
        *out = key == DSC_SCHED_STATE_BEST ? s->v.best : key == DSC_SCHED_STATE_NUM_BAD_EPOCHS ? (double)s->v.bad : (double)s->v.cooldown;
        return DSC_OK;
    case DSC_SCHED_STATE_T_CUR:
    case DSC_SCHED_STATE_T_I:
        DSC_RETURN_IF(!warm, DSC_E_UNSUPPORTED, "dsc_lr_scheduler_state_get: %s keeps no restart cycle",
                      s->vt->name);
        *out = (double)(key == DSC_SCHED_STATE_T_CUR ? s->v.t_cur : s->v.t_i);
        return DSC_OK;
    }
    return dsc__error(DSC_E_ARG, "dsc_lr_scheduler_state_get: key %d is not a dsc_sched_state_key", (int)key);
}

dsc_status dsc_lr_scheduler_child_count(const dsc_lr_scheduler *s, size_t *out) {
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "dsc_lr_scheduler_child_count: %s is NULL",
                  s ? "out" : "s");
    *out = s->nchildren;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_child(const dsc_lr_scheduler *s, size_t index, dsc_lr_scheduler **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_lr_scheduler_child: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_child: s is NULL");
    DSC_RETURN_IF(index >= s->nchildren, DSC_E_ARG, "dsc_lr_scheduler_child: index is %zu; %s has %zu children",
                  index, s->vt->name, s->nchildren);
    *out = s->children[index];
    return DSC_OK;
}

/* Saved state layout, in doubles (format 1):
 *   [magic, format, kind, groups, children, started, mom_key,
 *    t, t_cur, t_i, best, bad, cooldown, base[groups], cur[groups], mom[groups]]
 * followed by each child's block in the same layout. best may be +-inf. */
#define STATE_MAGIC 1685283693.0 /* "dsch" as a number */
#define STATE_FORMAT 1.0
#define STATE_HEADER 13

static size_t state_size(const dsc_lr_scheduler *s) {
    size_t n = STATE_HEADER + 3 * s->ngroups;
    for (size_t i = 0; i < s->nchildren; i++) n += state_size(s->children[i]);
    return n;
}

dsc_status dsc_lr_scheduler_state_size(const dsc_lr_scheduler *s, size_t *out) {
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "dsc_lr_scheduler_state_size: %s is NULL", s ? "out" : "s");
    *out = state_size(s);
    return DSC_OK;
}

static double *save_block(const dsc_lr_scheduler *s, double *p) {
    const double head[STATE_HEADER] = {STATE_MAGIC, STATE_FORMAT, (double)s->vt->kind, (double)s->ngroups,
                                       (double)s->nchildren, (double)s->started, (double)s->mom_key,
                                       (double)s->v.t, (double)s->v.t_cur, (double)s->v.t_i, s->v.best,
                                       (double)s->v.bad, (double)s->v.cooldown};
    memcpy(p, head, sizeof head);
    p += STATE_HEADER;
    size_t ng = s->ngroups;
    memcpy(p, s->base, ng * sizeof(double));
    memcpy(p + ng, s->cur, ng * sizeof(double));
    memcpy(p + 2 * ng, s->mom, ng * sizeof(double));
    p += 3 * ng;
    for (size_t i = 0; i < s->nchildren; i++) p = save_block(s->children[i], p);
    return p;
}

dsc_status dsc_lr_scheduler_state_save(const dsc_lr_scheduler *s, double *buf, size_t n) {
    DSC_RETURN_IF(s == NULL || buf == NULL, DSC_E_ARG, "dsc_lr_scheduler_state_save: %s is NULL", s ? "buf" : "s");
    size_t want = state_size(s);
    DSC_RETURN_IF(n != want, DSC_E_SHAPE, "dsc_lr_scheduler_state_save: n is %zu; this scheduler's state is %zu doubles",
                  n, want);
    save_block(s, buf);
    return DSC_OK;
}

static int is_count(double x) {
    return isfinite(x) && x == floor(x) && x >= -1.0 && x <= DSC__SCHED_INT_MAX;
}

/* Checks one block (and its children) against s; returns the next block or NULL. */
static const double *check_block(const dsc_lr_scheduler *s, const double *p, int top_started, const char **why) {
    if (p[0] != STATE_MAGIC || p[1] != STATE_FORMAT) { *why = "not a scheduler state (magic or format)"; return NULL; }
    if (p[2] != (double)s->vt->kind) { *why = "saved by another kind of scheduler"; return NULL; }
    if (p[3] != (double)s->ngroups) { *why = "saved with another group count"; return NULL; }
    if (p[4] != (double)s->nchildren) { *why = "saved with another number of children"; return NULL; }
    if (p[5] != (double)top_started) { *why = "a child's started flag disagrees with its container's"; return NULL; }
    if (!(p[6] == 0.0 || p[6] == DSC_OPTIMIZER_PARAM_MOMENTUM || p[6] == DSC_OPTIMIZER_PARAM_BETA1)) { *why = "bad momentum key"; return NULL; }
    for (int i = 7; i < STATE_HEADER; i++) {
        if (i == 10) {
            if (isnan(p[i])) { *why = "best is NaN"; return NULL; }
        } else if (!is_count(p[i])) {
            *why = "a step count or counter is not an integer >= -1";
            return NULL;
        }
    }
    const double *v = p + STATE_HEADER;
    for (size_t g = 0; g < 3 * s->ngroups; g++)
        if (!isfinite(v[g]) || v[g] < 0.0) { *why = "an lr or momentum is negative or not finite"; return NULL; }
    p = v + 3 * s->ngroups;
    for (size_t i = 0; i < s->nchildren && p != NULL; i++) p = check_block(s->children[i], p, top_started, why);
    return p;
}

static const double *load_block(dsc_lr_scheduler *s, const double *p) {
    s->mom_key = (dsc_optimizer_param)(int)p[6];
    s->v.t = (int64_t)p[7];
    s->v.t_cur = (int64_t)p[8];
    s->v.t_i = (int64_t)p[9];
    s->v.best = p[10];
    s->v.bad = (int64_t)p[11];
    s->v.cooldown = (int64_t)p[12];
    p += STATE_HEADER;
    size_t ng = s->ngroups;
    memcpy(s->base, p, ng * sizeof(double));
    memcpy(s->cur, p + ng, ng * sizeof(double));
    memcpy(s->mom, p + 2 * ng, ng * sizeof(double));
    p += 3 * ng;
    for (size_t i = 0; i < s->nchildren; i++) p = load_block(s->children[i], p);
    return p;
}

dsc_status dsc_lr_scheduler_state_load(dsc_lr_scheduler *s, const double *buf, size_t n) {
    static const char *fn = "dsc_lr_scheduler_state_load";
    DSC_RETURN_IF(s == NULL || buf == NULL, DSC_E_ARG, "%s: %s is NULL", fn, s ? "buf" : "s");
    DSC_RETURN_IF(s->parent != NULL, DSC_E_STATE, "%s: this scheduler is a child; load its container", fn);
    size_t want = state_size(s);
    DSC_RETURN_IF(n != want, DSC_E_SHAPE, "%s: n is %zu; this scheduler's state is %zu doubles", fn, n, want);
    DSC_RETURN_IF(buf[5] != 0.0 && buf[5] != 1.0, DSC_E_FORMAT, "%s: bad started flag", fn);
    const char *why = NULL;
    DSC_RETURN_IF(check_block(s, buf, buf[5] == 1.0, &why) == NULL, DSC_E_FORMAT, "%s: %s", fn, why);
    int started = buf[5] == 1.0;
    dsc_optimizer_param mkey = 0;
    if (started) {
        DSC_TRY(prepare_start(s, fn, &mkey));
        DSC_RETURN_IF((double)mkey != buf[6], DSC_E_FORMAT,
                      "%s: the saved scheduler %s momentum; this one %s", fn, buf[6] != 0.0 ? "cycled" : "did not cycle",
                      mkey != 0 ? "does" : "does not");
    }
    load_block(s, buf);
    mark_started(s, started);
    if (!started) return DSC_OK;
    /* Put the saved lr and momentum back into the optimizer. */
    save_vars(s);
    return commit(s, fn);
}
