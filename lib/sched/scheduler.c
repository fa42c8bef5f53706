/* The scheduler engine: construction, settings, milestones, children, and
 * the start and step shared by every kind. It knows no kind by name: what
 * differs is in each kind's vtable (sched_impl.h). A step computes every
 * group's new lr into scratch arrays, checks them, and only then writes them
 * into the optimizer, so a refused step changes nothing. The saved state
 * format is in state.c. PyTorch reference: torch/optim/lr_scheduler.py (1.13). */
#include "sched_impl.h"

#include <stdio.h>
#include <string.h>

/* Milestone counts above this are refused (a typo, not a schedule). */
#define MAX_MILESTONES ((size_t)1 << 20)

/* The kind of a public call, or DSC_E_UNSUPPORTED naming fn and the value. */
static dsc_status kind_of(dsc_lr_scheduler_kind kind, const char *fn, const dsc__sched_vt **vt) {
    *vt = dsc__sched_kind((int)kind);
    DSC_RETURN_IF(*vt == NULL, DSC_E_UNSUPPORTED, "%s: kind %d is not a dsc_lr_scheduler_kind", fn,
                  (int)kind);
    return DSC_OK;
}

/* The slot of per-group row i in a group's block: its rank among the
 * kind's per-group rows; -1 for a row with one value for every group. */
static int group_slot(const dsc__sched_vt *vt, int i) {
    if (!(vt->hp[i].flags & DSC__SCHED_PER_GROUP)) return -1;
    int slot = 0;
    for (int j = 0; j < i; j++)
        if (vt->hp[j].flags & DSC__SCHED_PER_GROUP) slot++;
    return slot;
}

double dsc__sched_group_own(const dsc_lr_scheduler *s, size_t g, int i) {
    int slot = group_slot(s->vt, i);
    return slot < 0 ? NAN : s->grp[g * DSC__SCHED_GROUP_SLOTS + (size_t)slot];
}

double dsc__sched_pg(const dsc_lr_scheduler *s, size_t g, int i) {
    double own = dsc__sched_group_own(s, g, i);
    return isnan(own) ? s->hp[i] : own;
}

dsc_status dsc__sched_not_set(const dsc_lr_scheduler *s, int i, const char *fn, const char *note) {
    return dsc__error(DSC_E_STATE, "%s: %s %s is not set%s%s", fn, s->vt->name, s->vt->hp[i].name,
                      note ? "; " : "", note ? note : "");
}

/* A required key counts as given when it is set, or when every group has its own value. */
static int key_given(const dsc_lr_scheduler *s, int i) {
    if (dsc__sched_is_set(s, i)) return 1;
    if (group_slot(s->vt, i) < 0) return 0;
    for (size_t g = 0; g < s->ngroups; g++)
        if (isnan(dsc__sched_group_own(s, g, i))) return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/*  Construction                                                       */
/* ------------------------------------------------------------------ */

dsc_status dsc_lr_scheduler_new(dsc_lr_scheduler **out, dsc_lr_scheduler_kind kind, dsc_optimizer *opt) {
    static const char *fn = "dsc_lr_scheduler_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    const dsc__sched_vt *vt;
    DSC_TRY(kind_of(kind, fn, &vt));
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt is NULL", fn);
    size_t ng = 0;
    DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    DSC_RETURN_IF(ng == 0, DSC_E_STATE, "%s: the optimizer has no parameter group; add its parameters first",
                  fn);
    dsc_lr_scheduler *s = dsc__calloc(1, sizeof *s);
    double *arrays = dsc__calloc(ng, (12 + DSC__SCHED_GROUP_SLOTS) * sizeof(double));
    if (s == NULL || arrays == NULL) {
        dsc__free(s);
        dsc__free(arrays);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu groups", fn, ng);
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
    s->u_base = arrays + 6 * ng;
    s->u_cur = arrays + 7 * ng;
    s->u_mom = arrays + 8 * ng;
    s->u_written = arrays + 9 * ng;
    s->u_opt_lr = arrays + 10 * ng;
    s->u_opt_mom = arrays + 11 * ng;
    s->grp = arrays + 12 * ng;
    for (size_t i = 0; i < ng * DSC__SCHED_GROUP_SLOTS; i++) s->grp[i] = NAN;
    *out = s;
    return DSC_OK;
}

void dsc_lr_scheduler_free(dsc_lr_scheduler *s) {
    if (s == NULL) return;
    for (size_t i = 0; i < s->nchildren; i++) dsc_lr_scheduler_free(s->children[i]);
    dsc__free(s->children);
    dsc__free(s->milestones);
    dsc__free(s->base);
    dsc__free(s);
}

/* ------------------------------------------------------------------ */
/*  Settings                                                           */
/* ------------------------------------------------------------------ */

/* The row of key in s's kind, or DSC_E_UNSUPPORTED naming fn, the kind and the key. */
static dsc_status find_row(const dsc__sched_vt *vt, dsc_sched_param key, const char *fn, int *i) {
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(vt->hp, vt->nhp, (int)key, fn, vt->name, &row));
    *i = (int)(row - vt->hp);
    return DSC_OK;
}

/* Range and start checks of a new value for row i; fn names the public function. */
static dsc_status check_new_value(const dsc_lr_scheduler *s, int i, double value, const char *fn) {
    const dsc__setting *row = &s->vt->hp[i];
    char where[96];
    snprintf(where, sizeof where, "%s: %s", fn, s->vt->name);
    DSC_TRY(dsc__setting_check(row, value, where));
    DSC_RETURN_IF(s->started && !(row->flags & DSC__SCHED_ANYTIME), DSC_E_STATE,
                  "%s: %s %s cannot change after the scheduler started", fn, s->vt->name, row->name);
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_set(dsc_lr_scheduler *s, dsc_sched_param key, double value) {
    static const char *fn = "dsc_lr_scheduler_set";
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    int i;
    DSC_TRY(find_row(s->vt, key, fn, &i));
    DSC_TRY(check_new_value(s, i, value, fn));
    s->hp[i] = value;
    s->hp_set |= 1u << i;
    return DSC_OK;
}

static dsc_status get_row(const dsc_lr_scheduler *s, int i, const char *fn, double *out) {
    if (!dsc__sched_is_set(s, i) && isnan(s->vt->hp[i].def)) {
        /* Required, or a default that depends on other settings. */
        if (s->vt->unset) return s->vt->unset(s, i, fn, out);
        return dsc__sched_not_set(s, i, fn, NULL);
    }
    *out = s->hp[i];
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_get(const dsc_lr_scheduler *s, dsc_sched_param key, double *out) {
    static const char *fn = "dsc_lr_scheduler_get";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0.0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    int i;
    DSC_TRY(find_row(s->vt, key, fn, &i));
    double v = 0.0;
    DSC_TRY(get_row(s, i, fn, &v));
    *out = v;
    return DSC_OK;
}

/* Shared checks of the per-group accessors; *i receives the row. */
static dsc_status group_key(const dsc_lr_scheduler *s, size_t group, dsc_sched_param key, const char *fn, int *i) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    DSC_TRY(find_row(s->vt, key, fn, i));
    if (group_slot(s->vt, *i) < 0) {
        char keys[128] = "";
        size_t used = 0;
        for (size_t j = 0; j < s->vt->nhp && used < sizeof keys; j++)
            if (s->vt->hp[j].flags & DSC__SCHED_PER_GROUP)
                used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", used ? ", " : "",
                                         s->vt->hp[j].name);
        return dsc__error(DSC_E_UNSUPPORTED, "%s: %s %s takes one value for every group (per-group keys: %s)", fn,
                          s->vt->name, s->vt->hp[*i].name, used ? keys : "none");
    }
    DSC_RETURN_IF(group >= s->ngroups, DSC_E_ARG, "%s: group is %zu; it must be < %zu", fn, group, s->ngroups);
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_group_set(dsc_lr_scheduler *s, size_t group, dsc_sched_param key, double value) {
    static const char *fn = "dsc_lr_scheduler_group_set";
    int i;
    DSC_TRY(group_key(s, group, key, fn, &i));
    DSC_TRY(check_new_value(s, i, value, fn));
    s->grp[group * DSC__SCHED_GROUP_SLOTS + (size_t)group_slot(s->vt, i)] = value;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_group_get(const dsc_lr_scheduler *s, size_t group, dsc_sched_param key, double *out) {
    static const char *fn = "dsc_lr_scheduler_group_get";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0.0;
    int i;
    DSC_TRY(group_key(s, group, key, fn, &i));
    double v = dsc__sched_group_own(s, group, i);
    if (isnan(v)) DSC_TRY(get_row(s, i, fn, &v));
    *out = v;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_param_bounds(dsc_lr_scheduler_kind kind, dsc_sched_param key, double *lo, double *hi) {
    static const char *fn = "dsc_lr_scheduler_param_bounds";
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn, lo ? "hi" : "lo");
    *lo = *hi = 0.0;
    const dsc__sched_vt *vt;
    DSC_TRY(kind_of(kind, fn, &vt));
    return dsc__setting_query_bounds(vt->hp, vt->nhp, (int)key, fn, vt->name, lo, hi);
}

dsc_status dsc_lr_scheduler_param_default(dsc_lr_scheduler_kind kind, dsc_sched_param key, double *out) {
    static const char *fn = "dsc_lr_scheduler_param_default";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0.0;
    const dsc__sched_vt *vt;
    DSC_TRY(kind_of(kind, fn, &vt));
    return dsc__setting_query_default(vt->hp, vt->nhp, (int)key, fn, vt->name, out);
}

dsc_status dsc_lr_scheduler_set_milestones(dsc_lr_scheduler *s, const int64_t *m, size_t n) {
    static const char *fn = "dsc_lr_scheduler_set_milestones";
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    char kinds[160];
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_MILESTONES), DSC_E_UNSUPPORTED, "%s: %s has no milestones (%s have)", fn,
                  s->vt->name, dsc__sched_kinds_with(DSC__SV_MILESTONES, kinds, sizeof kinds));
    DSC_RETURN_IF(s->started, DSC_E_STATE, "%s: milestones cannot change after the scheduler started", fn);
    DSC_RETURN_IF(n > 0 && m == NULL, DSC_E_ARG, "%s: m is NULL with n = %zu", fn, n);
    DSC_RETURN_IF(n > MAX_MILESTONES, DSC_E_ARG, "%s: n is %zu; at most %zu milestones", fn, n, MAX_MILESTONES);
    int strict = (s->vt->flags & DSC__SV_STRICT_MILESTONES) != 0;
    for (size_t i = 0; i < n; i++) {
        DSC_RETURN_IF(m[i] < (strict ? 1 : 0), DSC_E_ARG, "%s: milestone %zu is %lld; %s milestones must be >= %d",
                      fn, i, (long long)m[i], s->vt->name, strict ? 1 : 0);
        DSC_RETURN_IF(i > 0 && (strict ? m[i] <= m[i - 1] : m[i] < m[i - 1]), DSC_E_ARG,
                      "%s: milestone %zu (%lld) comes after %lld; %s milestones must be %s", fn, i,
                      (long long)m[i], (long long)m[i - 1], s->vt->name,
                      strict ? "strictly increasing" : "in non-decreasing order (repeats allowed)");
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
    char kinds[160];
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_LAMBDA), DSC_E_UNSUPPORTED,
                  "dsc_lr_scheduler_set_lambda: %s takes no function (%s do)", s->vt->name,
                  dsc__sched_kinds_with(DSC__SV_LAMBDA, kinds, sizeof kinds));
    DSC_RETURN_IF(s->started, DSC_E_STATE,
                  "dsc_lr_scheduler_set_lambda: the function cannot change after the scheduler started");
    s->fn = fn;
    s->user = user;
    return DSC_OK;
}

/* The checks of add_child; changes nothing. */
static dsc_status check_child(const dsc_lr_scheduler *s, const dsc_lr_scheduler *child, const char *fn) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: container is NULL", fn);
    char kinds[160];
    DSC_RETURN_IF(!(s->vt->flags & DSC__SV_CONTAINER), DSC_E_UNSUPPORTED, "%s: %s takes no children (%s do)", fn,
                  s->vt->name, dsc__sched_kinds_with(DSC__SV_CONTAINER, kinds, sizeof kinds));
    DSC_RETURN_IF(child->vt->flags & DSC__SV_CONTAINER, DSC_E_UNSUPPORTED,
                  "%s: a %s cannot be a child; containers do not nest", fn, child->vt->name);
    DSC_RETURN_IF(child->vt->flags & DSC__SV_METRIC, DSC_E_UNSUPPORTED,
                  "%s: %s cannot be a child (it steps with a metric)", fn, child->vt->name);
    DSC_RETURN_IF(child->opt != s->opt, DSC_E_ARG, "%s: the child drives another optimizer", fn);
    DSC_RETURN_IF(s->started || child->started, DSC_E_STATE, "%s: the %s has already started", fn,
                  s->started ? "container" : "child");
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_add_child(dsc_lr_scheduler *container, dsc_lr_scheduler **child) {
    static const char *fn = "dsc_lr_scheduler_add_child";
    DSC_RETURN_IF(child == NULL, DSC_E_ARG, "%s: child is NULL", fn);
    dsc_lr_scheduler *c = *child;
    *child = NULL; /* consumed whatever the outcome */
    DSC_RETURN_IF(c == NULL, DSC_E_ARG, "%s: *child is NULL", fn);
    if (c == container) {
        dsc_lr_scheduler_free(c);
        return dsc__error(DSC_E_ARG, "%s: a scheduler cannot be its own child (it was freed)", fn);
    }
    dsc_status st = check_child(container, c, fn);
    if (st == DSC_OK && container->nchildren == container->capchildren) {
        size_t cap = container->capchildren ? 2 * container->capchildren : 4;
        dsc_lr_scheduler **grown = dsc__alloc(cap * sizeof *grown);
        if (grown == NULL) {
            st = dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu children", fn, cap);
        } else {
            if (container->nchildren) memcpy(grown, container->children, container->nchildren * sizeof *grown);
            dsc__free(container->children);
            container->children = grown;
            container->capchildren = cap;
        }
    }
    if (st != DSC_OK) {
        dsc_lr_scheduler_free(c);
        return st;
    }
    container->children[container->nchildren++] = c;
    return DSC_OK;
}

/* ------------------------------------------------------------------ */
/*  The step engine                                                    */
/* ------------------------------------------------------------------ */

/* Configuration checks of start, for s and its children; changes nothing. */
static dsc_status check_config(const dsc_lr_scheduler *s, const char *fn) {
    for (size_t i = 0; i < s->vt->nhp; i++)
        DSC_RETURN_IF((s->vt->hp[i].flags & DSC__SET_REQUIRED) && !key_given(s, (int)i), DSC_E_STATE,
                      "%s: %s needs %s; set it with dsc_lr_scheduler_set", fn, s->vt->name, s->vt->hp[i].name);
    DSC_RETURN_IF((s->vt->flags & DSC__SV_LAMBDA) && s->fn == NULL, DSC_E_STATE,
                  "%s: %s needs a function; set it with dsc_lr_scheduler_set_lambda", fn, s->vt->name);
    if (s->vt->check) DSC_TRY(s->vt->check(s, fn));
    for (size_t i = 0; i < s->nchildren; i++) DSC_TRY(check_config(s->children[i], fn));
    return DSC_OK;
}

static int cycles_momentum(const dsc_lr_scheduler *s) {
    return s->vt->cycles_momentum != NULL && s->vt->cycles_momentum(s);
}

static int needs_momentum(const dsc_lr_scheduler *s) {
    if (cycles_momentum(s)) return 1;
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

/* PyTorch's constructors of the kinds cycling momentum set the group
 * momentum before the first step; children do it in the order they were added.
 * Doing it at start also makes the optimizer allocate any momentum buffer
 * there, not in a step. */
static void preset_momentum(const dsc_lr_scheduler *s, double *mom) {
    if (cycles_momentum(s) && s->vt->start_momentum)
        for (size_t g = 0; g < s->ngroups; g++) mom[g] = s->vt->start_momentum(s, g);
    for (size_t i = 0; i < s->nchildren; i++) preset_momentum(s->children[i], mom);
}

void dsc__sched_prepare_next(dsc_lr_scheduler *s) {
    memcpy(s->next, s->cur, s->ngroups * sizeof(double));
    memcpy(s->mom_next, s->mom, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++) dsc__sched_prepare_next(s->children[i]);
}

static void take_undo(dsc_lr_scheduler *s) {
    const size_t bytes = s->ngroups * sizeof(double);
    s->saved = s->v;
    s->u_started = s->started;
    s->u_mom_key = s->mom_key;
    memcpy(s->u_base, s->base, bytes);
    memcpy(s->u_cur, s->cur, bytes);
    memcpy(s->u_mom, s->mom, bytes);
    memcpy(s->u_written, s->written, bytes);
    for (size_t i = 0; i < s->nchildren; i++) take_undo(s->children[i]);
}

static void apply_undo(dsc_lr_scheduler *s) {
    const size_t bytes = s->ngroups * sizeof(double);
    s->v = s->saved;
    s->started = s->u_started;
    s->mom_key = s->u_mom_key;
    memcpy(s->base, s->u_base, bytes);
    memcpy(s->cur, s->u_cur, bytes);
    memcpy(s->mom, s->u_mom, bytes);
    memcpy(s->written, s->u_written, bytes);
    for (size_t i = 0; i < s->nchildren; i++) apply_undo(s->children[i]);
}

void dsc__sched_begin(dsc_lr_scheduler *s) {
    take_undo(s);
    s->u_opt_groups = 0;
    s->u_opt_key = 0;
}

void dsc__sched_abort(dsc_lr_scheduler *s) {
    /* The values were accepted by the optimizer before: putting them back
     * cannot fail (no range or allocation is involved), and does not touch
     * the thread's error message. */
    for (size_t g = 0; g < s->u_opt_groups; g++) {
        (void)dsc_optimizer_group_set(s->opt, g, DSC_OPTIMIZER_PARAM_LR, s->u_opt_lr[g]);
        if (s->u_opt_key != 0) (void)dsc_optimizer_group_set(s->opt, g, s->u_opt_key, s->u_opt_mom[g]);
    }
    s->u_opt_groups = 0;
    apply_undo(s);
}

/* One leaf at its current time: out[g] from in[g]; in and out may alias. */
static dsc_status leaf_eval(dsc_lr_scheduler *c, const double *in, const double *base, double *out, double *mom) {
    for (size_t g = 0; g < c->ngroups; g++) {
        double lr = in[g], m = mom[g];
        if (c->vt->lr) DSC_TRY(c->vt->lr(c, g, in[g], base[g], &lr, &m));
        out[g] = lr;
        mom[g] = m;
        c->next[g] = lr;
        c->mom_next[g] = m;
    }
    return DSC_OK;
}

dsc_status dsc__sched_eval_init(dsc_lr_scheduler *c, const double *in, const double *base, double *out,
                                double *mom) {
    c->v.t = 0;
    if (c->vt->reset) c->vt->reset(c);
    return leaf_eval(c, in, base, out, mom);
}

dsc_status dsc__sched_eval_step(dsc_lr_scheduler *c, const double *in, const double *base, double *out,
                                double *mom) {
    c->v.t += 1;
    if (c->vt->advance) c->vt->advance(c);
    return leaf_eval(c, in, base, out, mom);
}

static void share_base(dsc_lr_scheduler *s) {
    for (size_t i = 0; i < s->nchildren; i++)
        memcpy(s->children[i]->base, s->base, s->ngroups * sizeof(double));
}

static void commit_records(dsc_lr_scheduler *s) {
    memcpy(s->cur, s->next, s->ngroups * sizeof(double));
    memcpy(s->mom, s->mom_next, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++) commit_records(s->children[i]);
}

/* The optimizer's values of group g before the transaction writes them.
 * Every commit of one transaction writes the same momentum key (the one
 * start chose), so recording each group once is enough. */
static dsc_status record_optimizer(dsc_lr_scheduler *s, size_t g) {
    if (g < s->u_opt_groups) return DSC_OK;
    DSC_TRY(dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &s->u_opt_lr[g]));
    if (s->mom_key != 0) DSC_TRY(dsc_optimizer_group_get(s->opt, g, s->mom_key, &s->u_opt_mom[g]));
    s->u_opt_key = s->mom_key;
    s->u_opt_groups = g + 1;
    return DSC_OK;
}

/* value within the optimizer's range for key (its bounds), or DSC_E_ARG. */
static dsc_status check_range(const dsc_lr_scheduler *s, dsc_optimizer_kind kind, dsc_optimizer_param key,
                              const char *what, double value, size_t g, const char *fn) {
    double lo = 0.0, hi = 0.0;
    DSC_TRY(dsc_optimizer_param_bounds(kind, key, &lo, &hi));
    DSC_RETURN_IF(!(value >= lo && value <= hi), DSC_E_ARG,
                  "%s: %s computed %s %g for group %zu; the optimizer takes %s in [%g, %g]", fn, s->vt->name, what,
                  value, g, dsc_optimizer_param_name(key), lo, hi);
    return DSC_OK;
}

dsc_status dsc__sched_commit(dsc_lr_scheduler *s, const char *fn) {
    for (size_t g = 0; g < s->ngroups; g++) {
        if (!(isfinite(s->next[g]) && s->next[g] >= 0.0))
            return dsc__error(DSC_E_ARG, "%s: %s computed lr %g for group %zu; an lr must be finite and >= 0",
                              fn, s->vt->name, s->next[g], g);
    }
    /* Every value within the optimizer's ranges before the first write, so
     * that a refusal leaves the optimizer untouched (a write that turns
     * momentum on may allocate its buffer, which an abort cannot take back). */
    dsc_optimizer_kind kind;
    DSC_TRY(dsc_optimizer_kind_of(s->opt, &kind));
    for (size_t g = 0; g < s->ngroups; g++) {
        DSC_TRY(check_range(s, kind, DSC_OPTIMIZER_PARAM_LR, "lr", s->next[g], g, fn));
        if (s->mom_key != 0) DSC_TRY(check_range(s, kind, s->mom_key, "momentum", s->mom_next[g], g, fn));
    }
    for (size_t g = 0; g < s->ngroups; g++) {
        dsc_status st = record_optimizer(s, g);
        if (st == DSC_OK) st = dsc_optimizer_group_set(s->opt, g, DSC_OPTIMIZER_PARAM_LR, s->next[g]);
        if (st == DSC_OK && s->mom_key != 0) st = dsc_optimizer_group_set(s->opt, g, s->mom_key, s->mom_next[g]);
        if (st == DSC_OK) st = dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &s->written[g]);
        if (st != DSC_OK) {
            /* Only the optimizer's own limits get here (a value out of its
             * range, momentum turned on needing a buffer: DSC_E_NOMEM). The
             * caller's abort puts back what was written. */
            char msg[256];
            snprintf(msg, sizeof msg, "%s", dsc_last_error());
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

void dsc__sched_mark_started(dsc_lr_scheduler *s, int on) {
    s->started = on;
    for (size_t i = 0; i < s->nchildren; i++) dsc__sched_mark_started(s->children[i], on);
}

dsc_status dsc__sched_prepare_start(dsc_lr_scheduler *s, const char *fn, dsc_optimizer_param *mkey) {
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

/* Start, up to the values to commit (s->next, s->mom_next), inside a
 * transaction the caller began (and aborts on failure). */
static dsc_status start_compute(dsc_lr_scheduler *s, const char *fn) {
    dsc_optimizer_param mkey;
    DSC_TRY(dsc__sched_prepare_start(s, fn, &mkey));
    for (size_t g = 0; g < s->ngroups; g++) {
        s->cur[g] = s->next[g];
        s->mom[g] = s->mom_next[g];
        s->base[g] = s->vt->base_lr ? s->vt->base_lr(s, g, s->next[g]) : s->next[g];
    }
    s->mom_key = mkey;
    share_base(s);
    dsc__sched_prepare_next(s);
    if (mkey != 0) preset_momentum(s, s->mom_next);
    s->v.t = 0;
    return s->vt->start ? s->vt->start(s) : dsc__sched_eval_init(s, s->base, s->base, s->next, s->mom_next);
}

dsc_status dsc_lr_scheduler_start(dsc_lr_scheduler *s) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_start: s is NULL");
    DSC_RETURN_IF(s->started, DSC_E_STATE, "dsc_lr_scheduler_start: the scheduler has already started");
    const char *fn = "dsc_lr_scheduler_start";
    dsc__sched_begin(s);
    dsc_status st = start_compute(s, fn);
    if (st == DSC_OK) st = dsc__sched_commit(s, fn);
    if (st != DSC_OK) {
        dsc__sched_abort(s);
        return st;
    }
    dsc__sched_mark_started(s, 1);
    return DSC_OK;
}

/* The host may have set a group's lr since our last write (PyTorch's
 * recursive forms then continue from the host's value). */
static void sync_from_optimizer(dsc_lr_scheduler *s) {
    for (size_t g = 0; g < s->ngroups; g++) {
        double lr;
        if (dsc_optimizer_group_get(s->opt, g, DSC_OPTIMIZER_PARAM_LR, &lr) == DSC_OK && lr != s->written[g]) s->cur[g] = lr;
    }
}

/* The implicit start (if any) and the step, inside the caller's
 * transaction. The start's t = 0 values are recorded but not written into
 * the optimizer: the step's values replace them at once, and one write at
 * the end is one the transaction can take back whole. */
static dsc_status step_txn(dsc_lr_scheduler *s, double metric, const char *fn) {
    if (!s->started) {
        DSC_TRY(start_compute(s, fn));
        commit_records(s);
        dsc__sched_mark_started(s, 1);
        /* No sync: the groups still hold their lrs from before the start. */
    } else {
        DSC_TRY(check_groups(s, fn));
        sync_from_optimizer(s);
    }
    /* The step count never passes 2^53, the largest a saved state holds
     * (and the last integer a double counts exactly). */
    DSC_RETURN_IF(s->v.t >= (int64_t)DSC__TWO_53, DSC_E_STATE,
                  "%s: %s has taken 2^53 steps, the most its step count holds", fn, s->vt->name);
    dsc__sched_prepare_next(s);
    DSC_TRY(s->vt->step ? s->vt->step(s, metric) : dsc__sched_eval_step(s, s->cur, s->base, s->next, s->mom_next));
    return dsc__sched_commit(s, fn);
}

/* A refused step (or the start before it) changes nothing: not the
 * scheduler, not the optimizer, not the started flag. */
static dsc_status step_common(dsc_lr_scheduler *s, int has_metric, double metric, const char *fn) {
    DSC_RETURN_IF((s->vt->flags & DSC__SV_METRIC) && !has_metric, DSC_E_STATE,
                  "%s: %s steps with a metric; call dsc_lr_scheduler_step_metric", fn, s->vt->name);
    dsc__sched_begin(s);
    const dsc_status st = step_txn(s, metric, fn);
    if (st != DSC_OK) dsc__sched_abort(s);
    return st;
}

dsc_status dsc_lr_scheduler_step(dsc_lr_scheduler *s) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_step: s is NULL");
    return step_common(s, 0, NAN, "dsc_lr_scheduler_step");
}

dsc_status dsc_lr_scheduler_step_metric(dsc_lr_scheduler *s, double metric) {
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_step_metric: s is NULL");
    return step_common(s, 1, metric, "dsc_lr_scheduler_step_metric");
}

/* ------------------------------------------------------------------ */
/*  Inspection                                                         */
/* ------------------------------------------------------------------ */

dsc_status dsc_lr_scheduler_lr(const dsc_lr_scheduler *s, size_t group, double *lr) {
    static const char *fn = "dsc_lr_scheduler_lr";
    DSC_RETURN_IF(lr == NULL, DSC_E_ARG, "%s: lr is NULL", fn);
    *lr = 0.0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    DSC_RETURN_IF(group >= s->ngroups, DSC_E_ARG, "%s: group is %zu; it must be < %zu", fn, group, s->ngroups);
    DSC_RETURN_IF(!s->started, DSC_E_STATE, "%s: the scheduler has not started (dsc_lr_scheduler_start)", fn);
    *lr = s->cur[group];
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_state_get(const dsc_lr_scheduler *s, dsc_sched_state_key key, double *out) {
    static const char *fn = "dsc_lr_scheduler_state_get";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = 0.0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s is NULL", fn);
    if (key == DSC_SCHED_STATE_STEP) {
        *out = (double)s->v.t;
        return DSC_OK;
    }
    if (key == DSC_SCHED_STATE_STARTED) {
        *out = s->started;
        return DSC_OK;
    }
    for (size_t i = 0; i < s->vt->nvars; i++)
        if (s->vt->vars[i].key == key) {
            *out = s->v.k[i];
            return DSC_OK;
        }
    return dsc__error(DSC_E_UNSUPPORTED, "%s: %s keeps no state with key %d", fn, s->vt->name, (int)key);
}

dsc_status dsc_lr_scheduler_child_count(const dsc_lr_scheduler *s, size_t *out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_lr_scheduler_child_count: out is NULL");
    *out = 0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_child_count: s is NULL");
    *out = s->nchildren;
    return DSC_OK;
}

dsc_status dsc_lr_scheduler_child(const dsc_lr_scheduler *s, size_t index, const dsc_lr_scheduler **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_lr_scheduler_child: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_child: s is NULL");
    DSC_RETURN_IF(index >= s->nchildren, DSC_E_ARG, "dsc_lr_scheduler_child: index is %zu; %s has %zu children",
                  index, s->vt->name, s->nchildren);
    *out = s->children[index];
    return DSC_OK;
}
