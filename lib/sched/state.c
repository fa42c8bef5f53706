/* The saved run-time state of a scheduler (dsc_lr_scheduler_state_size,
 * _save, _load). Hyperparameters are configuration and are not saved.
 *
 * Layout, format 2, in doubles. One block per scheduler:
 *   [0] magic 1685283693 ("dsch" as a number)
 *   [1] format (2)
 *   [2] kind (a dsc_lr_scheduler_kind)
 *   [3] group count
 *   [4] child count
 *   [5] started (0 or 1; a child's equals its container's)
 *   [6] momentum key (0, DSC_OPTIMIZER_PARAM_MOMENTUM or DSC_OPTIMIZER_PARAM_BETA1)
 *   [7] t (PyTorch's last_epoch, an integer >= -1)
 *   [8 .. 8+V) the kind's V state variables, in the order of its vt->vars
 *       (CosineAnnealingWarmRestarts: T_cur, T_i; ReduceLROnPlateau: best,
 *       num_bad_epochs, cooldown_counter; other kinds none); counts are
 *       integers >= 0, best may be +-inf
 *   then base[groups], cur[groups], mom[groups] (finite, >= 0)
 * followed by each child's block in the order the children were added.
 * Format 1 (0.1.x) had six fixed variables for every kind; it is not read. */
#include "sched_impl.h"

#include <string.h>

#define STATE_MAGIC 1685283693.0
#define STATE_FORMAT 2.0
#define STATE_HEADER 8

static size_t state_size(const dsc_lr_scheduler *s) {
    size_t n = STATE_HEADER + s->vt->nvars + 3 * s->ngroups;
    for (size_t i = 0; i < s->nchildren; i++) n += state_size(s->children[i]);
    return n;
}

dsc_status dsc_lr_scheduler_state_size(const dsc_lr_scheduler *s, size_t *out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_lr_scheduler_state_size: out is NULL");
    *out = 0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "dsc_lr_scheduler_state_size: s is NULL");
    *out = state_size(s);
    return DSC_OK;
}

static double *save_block(const dsc_lr_scheduler *s, double *p) {
    const double head[STATE_HEADER] = {STATE_MAGIC,          STATE_FORMAT,      (double)s->vt->kind,
                                       (double)s->ngroups,   (double)s->nchildren, (double)s->started,
                                       (double)s->mom_key,   (double)s->v.t};
    memcpy(p, head, sizeof head);
    p += STATE_HEADER;
    memcpy(p, s->v.k, s->vt->nvars * sizeof(double));
    p += s->vt->nvars;
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

/* An integer in [lo, 2^53]. */
static int is_int(double x, double lo) {
    return isfinite(x) && x == floor(x) && x >= lo && x <= DSC__TWO_53;
}

/* Whether x is a value the optimizer accepts for key (an lr: [0, 2^32]). */
static int in_optimizer_range(const dsc_lr_scheduler *s, dsc_optimizer_param key, double x) {
    dsc_optimizer_kind kind;
    double lo = 0.0, hi = 0.0;
    if (dsc_optimizer_kind_of(s->opt, &kind) != DSC_OK) return 0;
    if (dsc_optimizer_param_bounds(kind, key, &lo, &hi) != DSC_OK) return 0;
    return x >= lo && x <= hi;
}

/* Checks one block (and its children) against s; returns the next block or NULL with *why.
 * top: the block of the scheduler being loaded (not a child). */
static const double *check_block(const dsc_lr_scheduler *s, const double *p, int top_started, int top,
                                 const char **why) {
    if (p[0] != STATE_MAGIC || p[1] != STATE_FORMAT) { *why = "not a scheduler state (magic or format)"; return NULL; }
    if (p[2] != (double)s->vt->kind) { *why = "saved by another kind of scheduler"; return NULL; }
    if (p[3] != (double)s->ngroups) { *why = "saved with another group count"; return NULL; }
    if (p[4] != (double)s->nchildren) { *why = "saved with another number of children"; return NULL; }
    if (p[5] != (double)top_started) { *why = "a child's started flag disagrees with its container's"; return NULL; }
    if (!(p[6] == 0.0 || p[6] == DSC_OPTIMIZER_PARAM_MOMENTUM || p[6] == DSC_OPTIMIZER_PARAM_BETA1)) {
        *why = "bad momentum key";
        return NULL;
    }
    if (!is_int(p[7], -1.0)) { *why = "the step count is not an integer >= -1"; return NULL; }
    /* -1 is "not started": every block of an unstarted state; of a started
     * one, only a SequentialLR child that has not run yet. */
    if (!top_started && p[7] != -1.0) { *why = "an unstarted scheduler has a step count other than -1"; return NULL; }
    if (top_started && top && p[7] < 0.0) { *why = "a started scheduler has the step count -1"; return NULL; }
    const double mkey = p[6], t = p[7];
    p += STATE_HEADER;
    for (size_t i = 0; i < s->vt->nvars; i++) {
        if (s->vt->vars[i].count ? !is_int(p[i], 0.0) : isnan(p[i])) {
            *why = s->vt->vars[i].count ? "a counter is not an integer >= 0" : "a state variable is NaN";
            return NULL;
        }
    }
    if (t >= 0.0 && s->vt->check_vars != NULL && (*why = s->vt->check_vars(p)) != NULL) return NULL;
    p += s->vt->nvars;
    for (size_t g = 0; g < 3 * s->ngroups; g++)
        if (!isfinite(p[g]) || p[g] < 0.0) { *why = "an lr or momentum is negative or not finite"; return NULL; }
    /* What a started state writes into the optimizer must be values it
     * accepts: lrs up to 2^32, beta1 below 1. */
    for (size_t g = 0; top_started && g < 2 * s->ngroups; g++)
        if (!in_optimizer_range(s, DSC_OPTIMIZER_PARAM_LR, p[g])) { *why = "an lr is above the optimizer's largest, 2^32"; return NULL; }
    for (size_t g = 0; top_started && mkey != 0.0 && g < s->ngroups; g++)
        if (!in_optimizer_range(s, (dsc_optimizer_param)(int)mkey, p[2 * s->ngroups + g])) {
            *why = "a momentum is outside the optimizer's range for it";
            return NULL;
        }
    p += 3 * s->ngroups;
    for (size_t i = 0; i < s->nchildren && p != NULL; i++) p = check_block(s->children[i], p, top_started, 0, why);
    return p;
}

static const double *load_block(dsc_lr_scheduler *s, const double *p) {
    s->mom_key = (dsc_optimizer_param)(int)p[6];
    s->v.t = (int64_t)p[7];
    p += STATE_HEADER;
    memcpy(s->v.k, p, s->vt->nvars * sizeof(double));
    p += s->vt->nvars;
    size_t ng = s->ngroups;
    memcpy(s->base, p, ng * sizeof(double));
    memcpy(s->cur, p + ng, ng * sizeof(double));
    memcpy(s->mom, p + 2 * ng, ng * sizeof(double));
    p += 3 * ng;
    for (size_t i = 0; i < s->nchildren; i++) p = load_block(s->children[i], p);
    return p;
}

dsc_status dsc__sched_state_check(dsc_lr_scheduler *s, const double *buf, size_t n, const char *fn) {
    size_t want = state_size(s);
    DSC_RETURN_IF(n != want, DSC_E_FORMAT, "%s: the saved scheduler state has %zu values; this "
                  "%s's has %zu (another kind, group count or set of children)", fn, n,
                  s->vt->name, want);
    DSC_RETURN_IF(buf[5] != 0.0 && buf[5] != 1.0, DSC_E_FORMAT, "%s: the scheduler's started flag is bad", fn);
    int started = buf[5] == 1.0;
    const char *why = NULL;
    DSC_RETURN_IF(check_block(s, buf, started, 1, &why) == NULL, DSC_E_FORMAT, "%s: scheduler state: %s", fn, why);
    if (started) {
        dsc_optimizer_param mkey = 0;
        DSC_TRY(dsc__sched_prepare_start(s, fn, &mkey));
        DSC_RETURN_IF((double)mkey != buf[6], DSC_E_FORMAT,
                      "%s: the saved scheduler %s momentum; this one %s", fn, buf[6] != 0.0 ? "cycled" : "did not cycle",
                      mkey != 0 ? "does" : "does not");
    }
    return DSC_OK;
}

static void written_is_cur(dsc_lr_scheduler *s) {
    memcpy(s->written, s->cur, s->ngroups * sizeof(double));
    for (size_t i = 0; i < s->nchildren; i++) written_is_cur(s->children[i]);
}

void dsc__sched_state_apply(dsc_lr_scheduler *s, const double *buf) {
    load_block(s, buf);
    dsc__sched_mark_started(s, buf[5] == 1.0);
    written_is_cur(s);
}

dsc_status dsc_lr_scheduler_state_load(dsc_lr_scheduler *s, const double *buf, size_t n) {
    static const char *fn = "dsc_lr_scheduler_state_load";
    DSC_RETURN_IF(s == NULL || buf == NULL, DSC_E_ARG, "%s: %s is NULL", fn, s ? "buf" : "s");
    size_t want = state_size(s);
    DSC_RETURN_IF(n != want, DSC_E_SHAPE, "%s: n is %zu; this scheduler's state is %zu doubles", fn, n, want);
    DSC_RETURN_IF(buf[5] != 0.0 && buf[5] != 1.0, DSC_E_FORMAT, "%s: bad started flag", fn);
    int started = buf[5] == 1.0;
    const char *why = NULL;
    DSC_RETURN_IF(check_block(s, buf, started, 1, &why) == NULL, DSC_E_FORMAT, "%s: %s", fn, why);
    dsc_optimizer_param mkey = 0;
    if (started) {
        DSC_TRY(dsc__sched_prepare_start(s, fn, &mkey));
        DSC_RETURN_IF((double)mkey != buf[6], DSC_E_FORMAT,
                      "%s: the saved scheduler %s momentum; this one %s", fn, buf[6] != 0.0 ? "cycled" : "did not cycle",
                      mkey != 0 ? "does" : "does not");
    }
    /* A transaction: if the optimizer refuses the saved lr or momentum,
     * the scheduler and the optimizer are put back as they were. */
    dsc__sched_begin(s);
    load_block(s, buf);
    dsc__sched_mark_started(s, started);
    if (!started) return DSC_OK;
    /* Put the saved lr and momentum back into the optimizer. */
    dsc__sched_prepare_next(s);
    const dsc_status st = dsc__sched_commit(s, fn);
    if (st != DSC_OK) dsc__sched_abort(s);
    return st;
}
