/* The optimizer handle: parameter groups over borrowed arrays, the
 * data-driven hyperparameter table walker (values checked by
 * lib/core/settings.c; bounds, defaults, when a key may change, what it
 * turns on), state buffers, and the one place that fixes the order of a step:
 * gradient hook -> global norm and non-finite check -> clipping -> result
 * check -> update.
 * The variant files (sgd.c, adam.c, ...) hold each torch.optim class's
 * tables and per-step scalars. */
#include "optimizer_impl.h"
#include "../kernels/fpenv.h"
#include "../kernels/split.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct dsc_optimizer {
    const dsc__opt_def *def;         /* the kind's tables and update */
    const dsc_kernels *k;            /* kernel table cached at creation */
    double hp[DSC__HP_SLOTS];        /* defaults for new groups; clip keys live only here */
    dsc__group *groups;              /* owned array of ngroups (capacity cap) */
    size_t ngroups, cap;
    uint64_t refused;                /* steps refused for a non-finite gradient or result */
    double last_norm;                /* pre-clip global L2 norm of the last step */
    dsc_grad_hook_fn hook;           /* gradient-reduce hook, or NULL */
    void *hook_user;
    int in_hook;                     /* 1 while the hook runs: mutators refuse */
    /* The fused training step's norm (dsc__optimizer_fused_*): per group,
     * DSC__SPLIT_MAX partial sums and the count of those not yet summed;
     * cap groups' worth, allocated with the group list. */
    double *norm_part;
    size_t *norm_pending;
};

/* The functions that change an optimizer refuse to run from its own hook:
 * the step is under way (a step from the hook would recurse forever). */
#define CHECK_NOT_IN_HOOK(fn, opt)                                                          \
    DSC_RETURN_IF((opt)->in_hook, DSC_E_STATE,                                              \
                  "%s: called from the optimizer's gradient hook, which may only read the " \
                  "optimizer", fn)

static const dsc__opt_def *const kinds[] = {
    NULL, &dsc__opt_sgd, &dsc__opt_adagrad, &dsc__opt_rmsprop, &dsc__opt_adam, &dsc__opt_adamw,
    &dsc__opt_adadelta, &dsc__opt_adamax, &dsc__opt_nadam, &dsc__opt_radam, &dsc__opt_rprop,
};

static const dsc__opt_def *kind_def(dsc_optimizer_kind kind) {
    if ((unsigned)kind >= sizeof kinds / sizeof kinds[0]) return NULL;
    return kinds[kind];
}

/* Key numbers to slots. The PyTorch names are in the kinds' rows. */
static const struct {
    dsc_optimizer_param key;
    dsc__hp_slot slot;
} key_slots[] = {
    {DSC_OPTIMIZER_PARAM_LR, DSC__HP_LR},
    {DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC__HP_WEIGHT_DECAY},
    {DSC_OPTIMIZER_PARAM_MAXIMIZE, DSC__HP_MAXIMIZE},
    {DSC_OPTIMIZER_PARAM_EPS, DSC__HP_EPS},
    {DSC_OPTIMIZER_PARAM_CLIP_NORM, DSC__HP_CLIP_NORM},
    {DSC_OPTIMIZER_PARAM_CLIP_VALUE, DSC__HP_CLIP_VALUE},
    {DSC_OPTIMIZER_PARAM_MOMENTUM, DSC__HP_MOMENTUM},
    {DSC_OPTIMIZER_PARAM_DAMPENING, DSC__HP_DAMPENING},
    {DSC_OPTIMIZER_PARAM_NESTEROV, DSC__HP_NESTEROV},
    {DSC_OPTIMIZER_PARAM_BETA1, DSC__HP_BETA1},
    {DSC_OPTIMIZER_PARAM_BETA2, DSC__HP_BETA2},
    {DSC_OPTIMIZER_PARAM_AMSGRAD, DSC__HP_AMSGRAD},
    {DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC__HP_MOMENTUM_DECAY},
    {DSC_OPTIMIZER_PARAM_MU_PRODUCT, DSC__HP_MU_PRODUCT},
    {DSC_OPTIMIZER_PARAM_ALPHA, DSC__HP_ALPHA},
    {DSC_OPTIMIZER_PARAM_CENTERED, DSC__HP_CENTERED},
    {DSC_OPTIMIZER_PARAM_LR_DECAY, DSC__HP_LR_DECAY},
    {DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE, DSC__HP_INITIAL_ACCUMULATOR_VALUE},
    {DSC_OPTIMIZER_PARAM_RHO, DSC__HP_RHO},
    {DSC_OPTIMIZER_PARAM_ETAMINUS, DSC__HP_ETAMINUS},
    {DSC_OPTIMIZER_PARAM_ETAPLUS, DSC__HP_ETAPLUS},
    {DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN, DSC__HP_STEP_SIZE_MIN},
    {DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX, DSC__HP_STEP_SIZE_MAX},
};

/* The slot of a key some row has (every row's key is in key_slots[]: the
 * optimizer tests walk every kind's table). */
static int slot_of(int key) {
    for (size_t i = 0; i < sizeof key_slots / sizeof key_slots[0]; i++)
        if ((int)key_slots[i].key == key) return (int)key_slots[i].slot;
    return -1;
}

const char *dsc_optimizer_param_name(dsc_optimizer_param key) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (kinds[k] == NULL) continue;
        const dsc__setting *row = dsc__setting_find(kinds[k]->hp, kinds[k]->nhp, (int)key);
        if (row != NULL) return row->name;
    }
    return "unknown";
}

/* The kind's tables, or DSC_E_UNSUPPORTED naming fn and the value. */
static dsc_status lookup_kind(dsc_optimizer_kind kind, const char *fn, const dsc__opt_def **def) {
    *def = kind_def(kind);
    DSC_RETURN_IF(*def == NULL, DSC_E_UNSUPPORTED, "%s: kind %d is not a dsc_optimizer_kind", fn,
                  (int)kind);
    return DSC_OK;
}

/* The row of key for this kind, or DSC_E_UNSUPPORTED naming the key. */
static dsc_status lookup(const dsc__opt_def *def, dsc_optimizer_param key, const char *fn,
                         const dsc__setting **row) {
    *row = dsc__setting_find(def->hp, def->nhp, (int)key);
    DSC_RETURN_IF(*row == NULL, DSC_E_UNSUPPORTED, "%s: %s has no hyperparameter %s (key %d)", fn,
                  def->name, dsc_optimizer_param_name(key), (int)key);
    return DSC_OK;
}

dsc_status dsc_optimizer_param_bounds(dsc_optimizer_kind kind, dsc_optimizer_param key, double *lo,
                                       double *hi) {
    const char *fn = "dsc_optimizer_param_bounds";
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn, lo ? "hi" : "lo");
    const dsc__opt_def *def;
    const dsc__setting *row;
    DSC_TRY(lookup_kind(kind, fn, &def));
    DSC_TRY(lookup(def, key, fn, &row));
    dsc__setting_bounds(row, lo, hi);
    return DSC_OK;
}

dsc_status dsc_optimizer_param_default(dsc_optimizer_kind kind, dsc_optimizer_param key,
                                        double *out) {
    const char *fn = "dsc_optimizer_param_default";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    const dsc__opt_def *def;
    const dsc__setting *row;
    DSC_TRY(lookup_kind(kind, fn, &def));
    DSC_TRY(lookup(def, key, fn, &row));
    *out = (row->flags & DSC__SET_REQUIRED) ? NAN : row->def;
    return DSC_OK;
}

/* Allocates the state buffers hp turns on that gr lacks. Buffers already
 * there are kept; on failure the ones allocated here stay (unused, zeroed,
 * invisible), so a refused call changes nothing observable. */
static dsc_status ensure_state(const dsc__opt_def *def, dsc__group *gr, const double *hp,
                               const char *fn) {
    for (size_t s = 0; s < def->nstate; s++) {
        if (gr->state[s] != NULL) continue;
        if (def->state[s].used != NULL && !def->state[s].used(hp)) continue;
        float *b = dsc__calloc(gr->n, sizeof(float));
        DSC_RETURN_IF(b == NULL, DSC_E_NOMEM, "%s: out of memory for %s's %s buffer (%zu floats)",
                      fn, def->name, def->state[s].name, gr->n);
        if (def->state[s].init != NULL) {
            float v = def->state[s].init(hp);
            for (size_t i = 0; i < gr->n; i++) b[i] = v;
        }
        gr->state[s] = b;
    }
    return DSC_OK;
}

static void refill_init(const dsc__opt_def *def, dsc__group *gr) {
    for (size_t s = 0; s < def->nstate; s++) {
        if (gr->state[s] == NULL || def->state[s].init == NULL) continue;
        float v = def->state[s].init(gr->hp);
        for (size_t i = 0; i < gr->n; i++) gr->state[s][i] = v;
    }
}

dsc_status dsc_optimizer_new(dsc_optimizer **out, dsc_optimizer_kind kind) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_optimizer_new: out must not be NULL");
    *out = NULL;
    const dsc__opt_def *def;
    DSC_TRY(lookup_kind(kind, "dsc_optimizer_new", &def));
    dsc_optimizer *opt = dsc__calloc(1, sizeof *opt);
    DSC_RETURN_IF(opt == NULL, DSC_E_NOMEM, "dsc_optimizer_new: out of memory");
    opt->def = def;
    opt->k = dsc__kernels();
    for (size_t i = 0; i < def->nhp; i++) opt->hp[slot_of(def->hp[i].key)] = def->hp[i].def;
    *out = opt;
    return DSC_OK;
}

void dsc_optimizer_free(dsc_optimizer *opt) {
    if (opt == NULL) return;
    for (size_t i = 0; i < opt->ngroups; i++)
        for (size_t s = 0; s < DSC__MAX_STATE; s++) dsc__free(opt->groups[i].state[s]);
    dsc__free(opt->groups);
    dsc__free(opt->norm_part);
    dsc__free(opt->norm_pending);
    dsc__free(opt);
}

dsc_status dsc_optimizer_kind_of(const dsc_optimizer *opt, dsc_optimizer_kind *out) {
    if (out != NULL) *out = (dsc_optimizer_kind)0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG,
                  "dsc_optimizer_kind_of: opt and out must not be NULL");
    *out = opt->def->kind;
    return DSC_OK;
}

/* Whether [a, a+na) and [b, b+nb) (in floats) share memory. */
static int overlap2(const float *a, size_t na, const float *b, size_t nb) {
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + (uintptr_t)nb * sizeof(float) && y < x + (uintptr_t)na * sizeof(float);
}

static int overlap(const float *a, const float *b, size_t n) {
    return overlap2(a, n, b, n);
}

dsc_status dsc__optimizer_add_buffers(dsc_optimizer *opt, float *params, float *grads, size_t n,
                                      size_t *group, const char *fn) {
    DSC_RETURN_IF(n == 0, DSC_E_ARG, "%s: n is 0; it must be at least 1", fn);
    DSC_RETURN_IF(n > SIZE_MAX / 4 / sizeof(float), DSC_E_ARG, "%s: n is %zu; it is too large", fn,
                  n);
    CHECK_NOT_IN_HOOK(fn, opt);
    DSC_RETURN_IF(overlap(params, grads, n), DSC_E_ARG,
                  "%s: params and grads overlap; they must be separate arrays", fn);
    /* A parameter in two groups would be updated twice per step (PyTorch
     * refuses it too); a gradient array shared with another group would be
     * counted twice in the norm, and one group's update would write the
     * other's gradients. So no array of the new group may share memory with
     * an array of another group. */
    for (size_t i = 0; i < opt->ngroups; i++) {
        const dsc__group *o = &opt->groups[i];
        const int pp = overlap2(params, n, o->p, o->n), pg = overlap2(params, n, o->g, o->n);
        const int gp = overlap2(grads, n, o->p, o->n), gg = overlap2(grads, n, o->g, o->n);
        DSC_RETURN_IF(pp || pg || gp || gg, DSC_E_ARG,
                      "%s: the new group's %s overlap the %s of group %zu; each parameter and "
                      "gradient may belong to one group only (add a model or an array once)",
                      fn, pp || pg ? "parameters" : "gradients", pp || gp ? "parameters" : "gradients",
                      i);
    }
    dsc__group gr;
    memset(&gr, 0, sizeof gr);
    gr.p = params;
    gr.g = grads;
    gr.n = n;
    memcpy(gr.hp, opt->hp, sizeof gr.hp);
    dsc_status s = ensure_state(opt->def, &gr, gr.hp, fn);
    if (s == DSC_OK && opt->ngroups == opt->cap) {
        size_t cap = opt->cap ? opt->cap * 2 : 4;
        dsc__group *ng = dsc__calloc(cap, sizeof *ng);
        double *np = dsc__calloc(cap * DSC__SPLIT_MAX, sizeof *np);
        size_t *npend = dsc__calloc(cap, sizeof *npend);
        if (ng == NULL || np == NULL || npend == NULL) {
            dsc__free(ng);
            dsc__free(np);
            dsc__free(npend);
            s = dsc__error(DSC_E_NOMEM, "%s: out of memory for the group list", fn);
        } else {
            if (opt->ngroups) memcpy(ng, opt->groups, opt->ngroups * sizeof *ng);
            dsc__free(opt->groups);
            dsc__free(opt->norm_part);
            dsc__free(opt->norm_pending);
            opt->groups = ng;
            opt->norm_part = np;
            opt->norm_pending = npend;
            opt->cap = cap;
        }
    }
    if (s != DSC_OK) {
        for (size_t i = 0; i < DSC__MAX_STATE; i++) dsc__free(gr.state[i]);
        return s;
    }
    opt->groups[opt->ngroups] = gr;
    if (group != NULL) *group = opt->ngroups;
    opt->ngroups++;
    return DSC_OK;
}

dsc_status dsc_optimizer_add_params(dsc_optimizer *opt, float *params, float *grads,
                                    size_t n, size_t *group) {
    const char *fn = "dsc_optimizer_add_params";
    DSC_RETURN_IF(opt == NULL || params == NULL || grads == NULL, DSC_E_ARG,
                  "%s: opt, params and grads must not be NULL", fn);
    return dsc__optimizer_add_buffers(opt, params, grads, n, group, fn);
}

dsc_status dsc_optimizer_group_count(const dsc_optimizer *opt, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG,
                  "dsc_optimizer_group_count: opt and out must not be NULL");
    *out = opt->ngroups;
    return DSC_OK;
}

#define CHECK_GROUP(fn, opt, group)                                                          \
    DSC_RETURN_IF((group) >= (opt)->ngroups, DSC_E_ARG,                                      \
                  "%s: group is %zu; it must be below the group count %zu", fn, (size_t)(group), \
                  (opt)->ngroups)

dsc_status dsc_optimizer_group_size(const dsc_optimizer *opt, size_t group, size_t *out) {
    if (out != NULL) *out = 0;
    const char *fn = "dsc_optimizer_group_size";
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    CHECK_GROUP(fn, opt, group);
    *out = opt->groups[group].n;
    return DSC_OK;
}

/* Validates value for key on the groups [first, last) (and the defaults
 * when defaults is set), allocates what it turns on, then commits. */
static dsc_status set_value(dsc_optimizer *opt, size_t first, size_t last, int defaults,
                            const dsc__setting *row, double value, const char *fn) {
    const dsc__opt_def *def = opt->def;
    DSC_TRY(dsc__setting_check(row, value, fn));
    int slot = slot_of(row->key);
    if (row->flags & DSC__OPT_FROZEN) {
        for (size_t i = first; i < last; i++)
            DSC_RETURN_IF(opt->groups[i].step > 0, DSC_E_STATE,
                          "%s: %s may change only before the first step (group %zu has taken %llu)",
                          fn, row->name, i, (unsigned long long)opt->groups[i].step);
    }
    double cand[DSC__HP_SLOTS];
    if (def->check != NULL) {
        if (defaults) {
            memcpy(cand, opt->hp, sizeof cand);
            cand[slot] = value;
            DSC_TRY(def->check(cand, fn));
        }
        for (size_t i = first; i < last; i++) {
            memcpy(cand, opt->groups[i].hp, sizeof cand);
            cand[slot] = value;
            DSC_TRY(def->check(cand, fn));
        }
    }
    for (size_t i = first; i < last; i++) {
        memcpy(cand, opt->groups[i].hp, sizeof cand);
        cand[slot] = value;
        DSC_TRY(ensure_state(def, &opt->groups[i], cand, fn));
    }
    if (defaults) opt->hp[slot] = value;
    for (size_t i = first; i < last; i++) {
        opt->groups[i].hp[slot] = value;
        if (row->flags & DSC__OPT_REFILLS) refill_init(def, &opt->groups[i]);
    }
    return DSC_OK;
}

dsc_status dsc_optimizer_set(dsc_optimizer *opt, dsc_optimizer_param key, double value) {
    const char *fn = "dsc_optimizer_set";
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt must not be NULL", fn);
    CHECK_NOT_IN_HOOK(fn, opt);
    const dsc__setting *row;
    DSC_TRY(lookup(opt->def, key, fn, &row));
    DSC_RETURN_IF(row->flags & DSC__OPT_STATE, DSC_E_UNSUPPORTED,
                  "%s: %s is per-group state; use dsc_optimizer_group_set", fn, row->name);
    if (row->flags & DSC__OPT_GLOBAL) {
        DSC_TRY(dsc__setting_check(row, value, fn));
        opt->hp[slot_of(row->key)] = value;
        return DSC_OK;
    }
    return set_value(opt, 0, opt->ngroups, 1, row, value, fn);
}

dsc_status dsc_optimizer_get(const dsc_optimizer *opt, dsc_optimizer_param key, double *out) {
    const char *fn = "dsc_optimizer_get";
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    const dsc__setting *row;
    DSC_TRY(lookup(opt->def, key, fn, &row));
    *out = opt->hp[slot_of(row->key)];
    return DSC_OK;
}

dsc_status dsc_optimizer_group_set(dsc_optimizer *opt, size_t group, dsc_optimizer_param key, double value) {
    const char *fn = "dsc_optimizer_group_set";
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt must not be NULL", fn);
    CHECK_NOT_IN_HOOK(fn, opt);
    CHECK_GROUP(fn, opt, group);
    const dsc__setting *row;
    DSC_TRY(lookup(opt->def, key, fn, &row));
    DSC_RETURN_IF(row->flags & DSC__OPT_GLOBAL, DSC_E_UNSUPPORTED,
                  "%s: %s applies to all groups at once; use dsc_optimizer_set", fn, row->name);
    return set_value(opt, group, group + 1, 0, row, value, fn);
}

dsc_status dsc_optimizer_group_get(const dsc_optimizer *opt, size_t group, dsc_optimizer_param key,
                                   double *out) {
    const char *fn = "dsc_optimizer_group_get";
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    CHECK_GROUP(fn, opt, group);
    const dsc__setting *row;
    DSC_TRY(lookup(opt->def, key, fn, &row));
    int slot = slot_of(row->key);
    *out = (row->flags & DSC__OPT_GLOBAL) ? opt->hp[slot] : opt->groups[group].hp[slot];
    return DSC_OK;
}

dsc_status dsc_optimizer_set_grad_hook(dsc_optimizer *opt, dsc_grad_hook_fn fn, void *user) {
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "dsc_optimizer_set_grad_hook: opt must not be NULL");
    CHECK_NOT_IN_HOOK("dsc_optimizer_set_grad_hook", opt);
    opt->hook = fn;
    opt->hook_user = fn != NULL ? user : NULL;
    return DSC_OK;
}

void dsc__update_args_common(dsc_update_args *a, const dsc__group *gr, const dsc__clip *clip) {
    memset(a, 0, sizeof *a);
    a->gscale = clip->gscale;
    a->gclip = clip->gclip;
    a->gsign = gr->hp[DSC__HP_MAXIMIZE] != 0.0 ? -1.0f : 1.0f;
    a->lr = (float)gr->hp[DSC__HP_LR];
    a->weight_decay = (float)gr->hp[DSC__HP_WEIGHT_DECAY];
}

/* Elements [lo, hi) of group gr as a group of their own (state buffers
 * offset alike): what a task of a split step, and the search for a
 * non-finite element, hand to the kind's step. */
static dsc__group group_slice(const dsc__group *gr, size_t lo, size_t hi) {
    dsc__group part = *gr;
    part.p = gr->p + lo;
    part.g = gr->g + lo;
    part.n = hi - lo;
    for (size_t s = 0; s < DSC__MAX_STATE; s++)
        if (gr->state[s] != NULL) part.state[s] = gr->state[s] + lo;
    return part;
}

/* A kind's step (check or update) over one group, split over its elements
 * for the threads: every kind's update and check are elementwise, so the
 * slices give the bits of one call. Each slice starts from the same
 * hyperparameters and lazy-buffer bits and changes them alike; task 0's
 * are kept. */
typedef struct step_job {
    const dsc_optimizer *opt;
    const dsc__group *gr;
    const dsc__clip *clip;
    int check;
    size_t tasks;
    int ok[DSC__SPLIT_MAX];
    dsc__group first;
} step_job;

#define STEP_ALIGN 16

static void step_task(void *ctx, size_t t, float *ws) {
    (void)ws;
    step_job *j = ctx;
    size_t lo, hi;
    /* The update takes the pieces last to first: after a pass that went
     * first to last (the norm and check), the last pieces may still be in
     * the last-level cache. Elementwise: the order changes no bit. */
    size_t piece = j->check ? t : j->tasks - 1 - t;
    dsc__split_range(j->gr->n, j->tasks, STEP_ALIGN, piece, &lo, &hi);
    dsc__group part = group_slice(j->gr, lo, hi);
    j->ok[t] = j->opt->def->step(j->opt->k, &part, j->clip, j->check);
    if (t == 0) j->first = part;
}

/* Steps 2 and 4 in one pass when the clip is known before the norm (no norm
 * clipping): each piece of dsc__split_sumsq's cut of a group gets its sum of
 * squares, then its result check while its gradients are in cache. The sums
 * are dsc__split_sumsq's, piece for piece; the verdicts the check's. */
typedef struct norm_check_job {
    const dsc_optimizer *opt;
    const dsc__group *gr;
    const dsc__clip *clip;
    size_t tasks;
    double *part;
    int ok[DSC__SPLIT_MAX];
} norm_check_job;

static void norm_check_task(void *ctx, size_t t, float *ws) {
    (void)ws;
    norm_check_job *j = ctx;
    size_t lo, hi;
    dsc__split_sumsq_range(j->gr->n, j->tasks, t, &lo, &hi);
    j->part[t] = j->opt->k->sumsq_fast(hi - lo, j->gr->g + lo);
    dsc__group piece = group_slice(j->gr, lo, hi);
    j->ok[t] = j->opt->def->step(j->opt->k, &piece, j->clip, 1);
}

/* The norm's sum of squares of every group and whether every check passed. */
static double norm_and_check(dsc_optimizer *opt, const dsc__clip *clip, int *ok) {
    double total = 0.0;
    *ok = 1;
    for (size_t i = 0; i < opt->ngroups; i++) {
        norm_check_job j = {opt, &opt->groups[i], clip, dsc__split_sumsq_tasks(opt->groups[i].n),
                            opt->norm_part + i * DSC__SPLIT_MAX, {0}};
        if (j.tasks == 1) norm_check_task(&j, 0, NULL);
        else dsc__parallel_run(j.tasks, norm_check_task, &j, NULL);
        total += dsc__split_sumsq_combine(j.part, j.tasks);
        for (size_t t = 0; t < j.tasks; t++) *ok &= j.ok[t] != 0;
    }
    return total;
}

static int group_step(const dsc_optimizer *opt, dsc__group *gr, const dsc__clip *clip, int check) {
    size_t tasks = dsc__split_count(gr->n, DSC__SPLIT_GRAIN, STEP_ALIGN, DSC__SPLIT_MAX);
    if (tasks == 1) return opt->def->step(opt->k, gr, clip, check);
    step_job j;
    j.opt = opt;
    j.gr = gr;
    j.clip = clip;
    j.check = check;
    j.tasks = tasks;
    dsc__parallel_run(tasks, step_task, &j, NULL);
    int ok = 1;
    for (size_t t = 0; t < tasks; t++) ok &= j.ok[t] != 0;
    if (!check) {
        memcpy(gr->hp, j.first.hp, sizeof gr->hp);
        gr->started = j.first.started;
    }
    return ok;
}

/* The first element of group gr whose update would write a NaN or an
 * infinity (the check kernel on halves: the verdict of a range is the
 * verdict of its elements, computed element by element), for the message.
 * Only on the refusal path. */
static size_t first_nonfinite(const dsc_optimizer *opt, const dsc__group *gr,
                              const dsc__clip *clip) {
    size_t lo = 0, hi = gr->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        dsc__group part = group_slice(gr, lo, mid);
        if (opt->def->step(opt->k, &part, clip, 1)) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Counts a refused step; the counter stops at UINT64_MAX instead of
 * wrapping. */
static void count_refused(dsc_optimizer *opt) {
    if (opt->refused < UINT64_MAX) opt->refused++;
}

/* What a step checks before it starts: groups to update, step counts that
 * can grow. */
static dsc_status step_allowed(const dsc_optimizer *opt, const char *fn) {
    DSC_RETURN_IF(opt->ngroups == 0, DSC_E_STATE,
                  "%s: the optimizer has no parameter group; add one first", fn);
    for (size_t i = 0; i < opt->ngroups; i++)
        DSC_RETURN_IF(opt->groups[i].step >= DSC__STEP_MAX, DSC_E_STATE,
                      "%s: group %zu has taken 2^53 steps, the most a step count holds; "
                      "reset the state (dsc_optimizer_reset_state) or set a smaller count", fn, i);
    return DSC_OK;
}

/* Step 2's refusal: the sum of squares total is not finite. */
static dsc_status refuse_gradient(dsc_optimizer *opt, const char *fn) {
    count_refused(opt);
    for (size_t i = 0; i < opt->ngroups; i++) {
        const dsc__group *gr = &opt->groups[i];
        for (size_t j = 0; j < gr->n; j++)
            DSC_RETURN_IF(!isfinite(gr->g[j]), DSC_E_NONFINITE,
                          "%s: group %zu gradient[%zu] is %g; step refused, parameters and "
                          "state unchanged", fn, i, j, (double)gr->g[j]);
    }
    return dsc__error(DSC_E_NONFINITE, "%s: the gradient norm is not finite; step refused", fn);
}

/* Step 3: the clipping of the norm just recorded and of the value limit. */
static dsc__clip clip_of(const dsc_optimizer *opt) {
    double max_norm = opt->hp[DSC__HP_CLIP_NORM], max_value = opt->hp[DSC__HP_CLIP_VALUE];
    dsc__clip clip = {1.0f, INFINITY};
    if (max_norm > 0.0) {
        double s = max_norm / (opt->last_norm + 1e-6); /* torch clip_grad_norm_ */
        if (s < 1.0) clip.gscale = (float)s;
    }
    if (max_value > 0.0) clip.gclip = (float)max_value;
    return clip;
}

/* Step 4: the result check of every group, in group order; on the first
 * that fails, the refusal naming its first bad element. */
static dsc_status check_all(dsc_optimizer *opt, const dsc__clip *clip, const char *fn) {
    for (size_t i = 0; i < opt->ngroups; i++) {
        const dsc__group *gr = &opt->groups[i];
        if (group_step(opt, &opt->groups[i], clip, 1)) continue;
        size_t j = first_nonfinite(opt, gr, clip);
        count_refused(opt);
        return dsc__error(DSC_E_NONFINITE,
                          "%s: the update of group %zu would write NaN or an infinity at element "
                          "%zu (parameter %g, gradient %g, lr %g); step refused, parameters and "
                          "state unchanged", fn, i, j, (double)gr->p[j], (double)gr->g[j],
                          gr->hp[DSC__HP_LR]);
    }
    return DSC_OK;
}

/* The order of a step lives here and only here (the fused training step
 * below keeps it, doing steps 2 and 4 while the gradient is produced). */
dsc_status dsc_optimizer_step(dsc_optimizer *opt) {
    const char *fn = "dsc_optimizer_step";
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt must not be NULL", fn);
    CHECK_NOT_IN_HOOK(fn, opt);
    DSC_TRY(step_allowed(opt, fn));
    /* 1. Gradient reduce (data-parallel ranks agree on the gradients). */
    if (opt->hook != NULL) {
        opt->in_hook = 1;
        for (size_t i = 0; i < opt->ngroups; i++) {
            dsc__group *gr = &opt->groups[i];
            dsc_status s = opt->hook(opt, i, gr->g, gr->n, opt->hook_user);
            if (s != DSC_OK) opt->in_hook = 0;
            DSC_RETURN_IF(s != DSC_OK, s, "%s: the gradient hook failed on group %zu with %s; "
                          "nothing was updated", fn, i, dsc_status_name(s));
        }
        opt->in_hook = 0;
    }
    /* The kernels run flushing subnormals, rounding to nearest, exceptions
     * masked (fpenv.h); the host's hook above ran in the host's own mode. */
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    /* 2. Global norm = non-finite check, before anything is written. */
    const int clip_norm = opt->hp[DSC__HP_CLIP_NORM] > 0.0;
    double total = 0.0;
    int checked = 0, ok = 1;
    if (clip_norm) {
        for (size_t i = 0; i < opt->ngroups; i++)
            total += dsc__split_sumsq(opt->k, opt->groups[i].n, opt->groups[i].g, 1);
    } else { /* the clip does not depend on the norm: step 4 rides along */
        dsc__clip known = clip_of(opt);
        total = norm_and_check(opt, &known, &ok);
        checked = 1;
    }
    opt->last_norm = sqrt(total);
    dsc_status s = DSC_OK;
    if (!isfinite(total)) s = refuse_gradient(opt, fn);
    /* 3. Clipping, folded into the update's read of g (see dsc_update_args). */
    dsc__clip clip = clip_of(opt);
    /* 4. The result check: every group's update computed without being
     * written; one NaN or infinity it would write refuses the step, as a
     * non-finite gradient does (after a failed check above, check_all finds
     * the group and element to name). */
    if (s == DSC_OK && (!checked || !ok)) s = check_all(opt, &clip, fn);
    /* 5. Update every group: one fused kernel pass each. */
    for (size_t i = 0; i < opt->ngroups && s == DSC_OK; i++) {
        dsc__group *gr = &opt->groups[i];
        (void)group_step(opt, gr, &clip, 0);
        gr->step++;
    }
    dsc__fpenv_leave(&fe);
    return s;
}

/* ---- the fused training step's phases (lib/nn/train_step.c) ------------ */

int dsc__optimizer_has_hook(const dsc_optimizer *opt) {
    return opt->hook != NULL;
}

dsc_status dsc__optimizer_fused_begin(dsc_optimizer *opt, const float *params, const float *grads,
                                      size_t n, dsc__fused *f, const char *fn) {
    CHECK_NOT_IN_HOOK(fn, opt);
    char why[160];
    DSC_RETURN_IF(!dsc__optimizer_holds_exactly(opt, params, grads, n, why, sizeof why),
                  DSC_E_ARG, "%s: the optimizer must hold exactly the model's parameters "
                  "(dsc_optimizer_add_model), but %s", fn, why);
    DSC_TRY(step_allowed(opt, fn));
    f->opt = opt;
    f->grads = grads;
    f->exact = opt->hp[DSC__HP_CLIP_NORM] > 0.0;
    f->clip.gscale = 1.0f;
    f->clip.gclip = opt->hp[DSC__HP_CLIP_VALUE] > 0.0 ? (float)opt->hp[DSC__HP_CLIP_VALUE]
                                                      : INFINITY;
    f->failed = 0;
    for (size_t i = 0; i < opt->ngroups; i++)
        opt->norm_pending[i] = dsc__split_sumsq_tasks(opt->groups[i].n);
    return DSC_OK;
}

/* Group gr's elements inside the model offsets [lo, hi) as a group of its
 * own (part); 0 if there are none. */
static int group_part(const dsc__fused *f, const dsc__group *gr, size_t lo, size_t hi,
                      dsc__group *part) {
    size_t off = (size_t)(gr->g - f->grads), a = off > lo ? off : lo;
    size_t b = off + gr->n < hi ? off + gr->n : hi;
    if (a >= b) return 0;
    *part = group_slice(gr, a - off, b - off);
    return 1;
}

void dsc__optimizer_fused_produced(dsc__fused *f, size_t lo, size_t hi) {
    dsc_optimizer *opt = f->opt;
    for (size_t i = 0; i < opt->ngroups; i++) {
        const dsc__group *gr = &opt->groups[i];
        /* 2. The norm's pieces whose gradients are all final (at or above lo),
         * each summed once, as dsc__split_sumsq cuts the group. */
        const size_t off = (size_t)(gr->g - f->grads), tasks = dsc__split_sumsq_tasks(gr->n);
        size_t t = opt->norm_pending[i];
        while (t > 0) {
            size_t clo, chi;
            dsc__split_sumsq_range(gr->n, tasks, t - 1, &clo, &chi);
            if (off + clo < lo) break;
            t--;
        }
        if (t < opt->norm_pending[i])
            dsc__split_sumsq_parts(opt->k, gr->n, gr->g, f->exact, t, opt->norm_pending[i],
                                   opt->norm_part + i * DSC__SPLIT_MAX);
        opt->norm_pending[i] = t;
        /* 4. Without norm clipping the clip is known: the result check of
         * the new gradients, while they are in cache. */
        dsc__group part;
        if (!f->exact && !f->failed && group_part(f, gr, lo, hi, &part))
            f->failed = !group_step(opt, &part, &f->clip, 1);
    }
}

dsc_status dsc__optimizer_fused_decide(dsc__fused *f, const char *fn) {
    dsc_optimizer *opt = f->opt;
    double total = 0.0;
    for (size_t i = 0; i < opt->ngroups; i++)
        total += dsc__split_sumsq_combine(opt->norm_part + i * DSC__SPLIT_MAX,
                                          dsc__split_sumsq_tasks(opt->groups[i].n));
    opt->last_norm = sqrt(total);
    if (!isfinite(total)) return refuse_gradient(opt, fn);
    f->clip = clip_of(opt);
    /* With norm clipping the checks run now; after a failed early check the
     * same loop finds the group and element to name. */
    if (f->exact || f->failed) return check_all(opt, &f->clip, fn);
    return DSC_OK;
}

void dsc__optimizer_fused_update(dsc__fused *f, size_t lo, size_t hi) {
    dsc_optimizer *opt = f->opt;
    for (size_t i = 0; i < opt->ngroups; i++) {
        dsc__group *gr = &opt->groups[i];
        dsc__group part;
        if (!group_part(f, gr, lo, hi, &part)) continue;
        (void)group_step(opt, &part, &f->clip, 0);
        /* Ranges come in increasing order: the group's last piece commits
         * what its step changes besides buffers (each piece started from
         * the group's values and changed them alike). */
        if (part.p + part.n == gr->p + gr->n) {
            memcpy(gr->hp, part.hp, sizeof gr->hp);
            gr->started = part.started;
            gr->step++;
        }
    }
}

dsc_status dsc_optimizer_zero_grad(dsc_optimizer *opt) {
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "dsc_optimizer_zero_grad: opt must not be NULL");
    CHECK_NOT_IN_HOOK("dsc_optimizer_zero_grad", opt);
    for (size_t i = 0; i < opt->ngroups; i++)
        memset(opt->groups[i].g, 0, opt->groups[i].n * sizeof(float));
    return DSC_OK;
}

dsc_status dsc_optimizer_last_grad_norm(const dsc_optimizer *opt, double *out) {
    if (out != NULL) *out = 0.0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG,
                  "dsc_optimizer_last_grad_norm: opt and out must not be NULL");
    *out = opt->last_norm;
    return DSC_OK;
}

dsc_status dsc_optimizer_refused_steps(const dsc_optimizer *opt, uint64_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG,
                  "dsc_optimizer_refused_steps: opt and out must not be NULL");
    *out = opt->refused;
    return DSC_OK;
}

dsc_status dsc_optimizer_group_step_count(const dsc_optimizer *opt, size_t group, uint64_t *out) {
    if (out != NULL) *out = 0;
    const char *fn = "dsc_optimizer_group_step_count";
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    CHECK_GROUP(fn, opt, group);
    *out = opt->groups[group].step;
    return DSC_OK;
}

dsc_status dsc_optimizer_group_set_step_count(dsc_optimizer *opt, size_t group, uint64_t steps) {
    const char *fn = "dsc_optimizer_group_set_step_count";
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt must not be NULL", fn);
    CHECK_NOT_IN_HOOK(fn, opt);
    CHECK_GROUP(fn, opt, group);
    DSC_RETURN_IF(steps > DSC__STEP_MAX, DSC_E_ARG,
                  "%s: steps is %llu; it must be in [0, 2^53]", fn, (unsigned long long)steps);
    opt->groups[group].step = steps;
    return DSC_OK;
}

dsc_status dsc_optimizer_state_count(const dsc_optimizer *opt, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG,
                  "dsc_optimizer_state_count: opt and out must not be NULL");
    *out = opt->def->nstate;
    return DSC_OK;
}

dsc_status dsc_optimizer_state_name(const dsc_optimizer *opt, size_t index, const char **out) {
    if (out != NULL) *out = NULL;
    const char *fn = "dsc_optimizer_state_name";
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    DSC_RETURN_IF(index >= opt->def->nstate, DSC_E_ARG,
                  "%s: index is %zu; %s has %zu state buffers", fn, index, opt->def->name,
                  opt->def->nstate);
    *out = opt->def->state[index].name;
    return DSC_OK;
}

/* Common checks of state_get/state_set. */
static dsc_status state_args(const dsc_optimizer *opt, size_t group, size_t index, const void *buf,
                             size_t n, const char *fn) {
    DSC_RETURN_IF(opt == NULL || buf == NULL, DSC_E_ARG, "%s: opt and the buffer must not be NULL",
                  fn);
    CHECK_GROUP(fn, opt, group);
    DSC_RETURN_IF(index >= opt->def->nstate, DSC_E_ARG,
                  "%s: index is %zu; %s has %zu state buffers", fn, index, opt->def->name,
                  opt->def->nstate);
    DSC_RETURN_IF(n != opt->groups[group].n, DSC_E_SHAPE,
                  "%s: n is %zu; group %zu has %zu parameters", fn, n, group, opt->groups[group].n);
    return DSC_OK;
}

dsc_status dsc_optimizer_state_get(const dsc_optimizer *opt, size_t group, size_t index,
                                   float *dst, size_t n) {
    DSC_TRY(state_args(opt, group, index, dst, n, "dsc_optimizer_state_get"));
    const float *b = opt->groups[group].state[index];
    if (b != NULL) memcpy(dst, b, n * sizeof(float));
    else memset(dst, 0, n * sizeof(float));
    return DSC_OK;
}

dsc_status dsc_optimizer_state_in_use(const dsc_optimizer *opt, size_t group, size_t index,
                                      int *out) {
    const char *fn = "dsc_optimizer_state_in_use";
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(opt == NULL || out == NULL, DSC_E_ARG, "%s: opt and out must not be NULL", fn);
    CHECK_GROUP(fn, opt, group);
    DSC_RETURN_IF(index >= opt->def->nstate, DSC_E_ARG,
                  "%s: index is %zu; %s has %zu state buffers", fn, index, opt->def->name,
                  opt->def->nstate);
    const dsc__group *gr = &opt->groups[group];
    *out = gr->state[index] != NULL &&
           (!(opt->def->state[index].flags & DSC__STATE_LAZY) || (gr->started >> index & 1u));
    return DSC_OK;
}

dsc_status dsc_optimizer_state_set(dsc_optimizer *opt, size_t group, size_t index,
                                   const float *src, size_t n) {
    const char *fn = "dsc_optimizer_state_set";
    DSC_TRY(state_args(opt, group, index, src, n, fn));
    CHECK_NOT_IN_HOOK(fn, opt);
    /* A value a step could never have produced would make every later step
     * NaN or infinite (v < 0 under a square root) or be refused forever. */
    const int nonneg = (opt->def->state[index].flags & DSC__STATE_NONNEG) != 0;
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(!isfinite(src[i]) || (nonneg && src[i] < 0.0f), DSC_E_ARG,
                      "%s: %s's %s[%zu] is %g; it must be finite%s", fn, opt->def->name,
                      opt->def->state[index].name, i, (double)src[i], nonneg ? " and >= 0" : "");
    dsc__group *gr = &opt->groups[group];
    if (gr->state[index] == NULL) { /* restoring a buffer the current settings leave off */
        gr->state[index] = dsc__alloc(n * sizeof(float));
        DSC_RETURN_IF(gr->state[index] == NULL, DSC_E_NOMEM,
                      "%s: out of memory for %s's %s buffer (%zu floats)", fn, opt->def->name,
                      opt->def->state[index].name, n);
    }
    memmove(gr->state[index], src, n * sizeof(float));
    gr->started |= 1u << index; /* a lazy buffer continues from the restored value */
    return DSC_OK;
}

/* A new optimizer's state with the same groups: buffers refilled with their
 * start values, lazy buffers not started, state keys (DSC__OPT_STATE) back to
 * their defaults, step counts 0. */
dsc_status dsc_optimizer_reset_state(dsc_optimizer *opt) {
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "dsc_optimizer_reset_state: opt must not be NULL");
    CHECK_NOT_IN_HOOK("dsc_optimizer_reset_state", opt);
    const dsc__opt_def *def = opt->def;
    for (size_t i = 0; i < opt->ngroups; i++) {
        dsc__group *gr = &opt->groups[i];
        for (size_t s = 0; s < def->nstate; s++)
            if (gr->state[s] != NULL) memset(gr->state[s], 0, gr->n * sizeof(float));
        refill_init(def, gr);
        for (size_t r = 0; r < def->nhp; r++)
            if (def->hp[r].flags & DSC__OPT_STATE) gr->hp[slot_of(def->hp[r].key)] = def->hp[r].def;
        gr->step = 0;
        gr->started = 0;
    }
    return DSC_OK;
}

size_t dsc__optimizer_state_keys(const dsc_optimizer *opt, dsc_optimizer_param *keys, size_t cap) {
    size_t n = 0;
    for (size_t r = 0; r < opt->def->nhp; r++) {
        if (!(opt->def->hp[r].flags & DSC__OPT_STATE)) continue;
        if (n < cap) keys[n] = (dsc_optimizer_param)opt->def->hp[r].key;
        n++;
    }
    return n;
}

int dsc__optimizer_holds_exactly(const dsc_optimizer *opt, const float *params,
                                 const float *grads, size_t n, char *why, size_t cap) {
    /* Groups never share memory (dsc__optimizer_add_buffers), so groups
     * that each lie inside params, with their gradients at the same offset
     * in grads, and add up to n elements cover params exactly. */
    const uintptr_t base = (uintptr_t)params, end = base + (uintptr_t)n * sizeof(float);
    size_t total = 0;
    for (size_t i = 0; i < opt->ngroups; i++) {
        const dsc__group *gr = &opt->groups[i];
        const uintptr_t p = (uintptr_t)gr->p;
        if (p < base || p >= end || gr->n > (end - p) / sizeof(float)) {
            snprintf(why, cap, "group %zu (%zu parameters) is not part of the model's parameters",
                     i, gr->n);
            return 0;
        }
        if (gr->g != grads + (gr->p - params)) {
            snprintf(why, cap, "group %zu holds the model's parameters with other gradients than "
                     "the model's", i);
            return 0;
        }
        total += gr->n;
    }
    if (total != n) {
        snprintf(why, cap, "its groups hold %zu of the model's %zu parameters", total, n);
        return 0;
    }
    return 1;
}

/* ---- checkpoints ------------------------------------------------------------ */

const char *dsc__optimizer_name(const dsc_optimizer *opt) {
    return opt->def->name;
}

const float *dsc__optimizer_state_buf(const dsc_optimizer *opt, size_t g, size_t s) {
    const dsc__group *gr = &opt->groups[g];
    int lazy = (opt->def->state[s].flags & DSC__STATE_LAZY) != 0;
    return gr->state[s] != NULL && (!lazy || (gr->started >> s & 1u)) ? gr->state[s] : NULL;
}

size_t dsc__optimizer_rows(const dsc_optimizer *opt, const dsc__setting **rows) {
    *rows = opt->def->hp;
    return opt->def->nhp;
}

/* The message of the last failure, as DSC_E_FORMAT (a checkpoint's value). */
static dsc_status as_format(void) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", dsc_last_error());
    return dsc__error(DSC_E_FORMAT, "%s", msg);
}

/* The slots of img's values for group g (g = ngroups: the defaults). */
static void image_hp(const dsc__opt_def *def, const dsc__opt_image *img, size_t g, double *hp) {
    for (size_t r = 0; r < def->nhp; r++) {
        int global = (def->hp[r].flags & DSC__OPT_GLOBAL) != 0;
        hp[slot_of(def->hp[r].key)] =
            g == img->ngroups || global ? img->defaults[r] : img->groups[g].values[r];
    }
}

void dsc__optimizer_restore_abort(dsc__opt_image *img) {
    for (size_t g = 0; g < img->ngroups; g++)
        for (size_t s = 0; s < DSC__MAX_STATE; s++) {
            dsc__free(img->groups[g].fresh[s]);
            img->groups[g].fresh[s] = NULL;
        }
}

dsc_status dsc__optimizer_restore_prepare(dsc_optimizer *opt, dsc__opt_image *img, const char *fn) {
    const dsc__opt_def *def = opt->def;
    DSC_RETURN_IF(img->ngroups != opt->ngroups, DSC_E_FORMAT,
                  "%s: the checkpoint's %s has %zu parameter groups; this one has %zu", fn,
                  def->name, img->ngroups, opt->ngroups);
    char where[256];
    double hp[DSC__HP_SLOTS];
    for (size_t g = 0; g <= img->ngroups; g++) {
        int defaults = g == img->ngroups;
        if (defaults) snprintf(where, sizeof where, "%s: optimizer defaults", fn);
        else snprintf(where, sizeof where, "%s: optimizer group %zu", fn, g);
        DSC_RETURN_IF(!defaults && img->groups[g].n != opt->groups[g].n, DSC_E_FORMAT,
                      "%s has %zu parameters in the checkpoint; this optimizer's has %zu", where,
                      img->groups[g].n, opt->groups[g].n);
        for (size_t r = 0; r < def->nhp; r++) {
            if (!defaults && (def->hp[r].flags & DSC__OPT_GLOBAL)) continue;
            double v = defaults ? img->defaults[r] : img->groups[g].values[r];
            if (dsc__setting_check(&def->hp[r], v, where) != DSC_OK) return as_format();
        }
        image_hp(def, img, g, hp);
        if (def->check != NULL && def->check(hp, where) != DSC_OK) return as_format();
        if (defaults) break;
        const dsc__opt_image_group *ig = &img->groups[g];
        for (size_t s = 0; s < def->nstate; s++) {
            int used = def->state[s].used == NULL || def->state[s].used(hp);
            DSC_RETURN_IF(ig->state[s] == NULL && used && !(def->state[s].flags & DSC__STATE_LAZY),
                          DSC_E_FORMAT, "%s: %s's %s buffer is missing; its settings use it",
                          where, def->name, def->state[s].name);
        }
        for (size_t s = def->nstate; s < DSC__MAX_STATE; s++)
            DSC_RETURN_IF(ig->state[s] != NULL, DSC_E_INTERNAL, "%s: state %zu beyond %s's %zu",
                          where, s, def->name, def->nstate);
    }
    for (size_t g = 0; g < img->ngroups; g++) {
        dsc__opt_image_group *ig = &img->groups[g];
        image_hp(def, img, g, hp);
        for (size_t s = 0; s < def->nstate; s++) {
            int used = def->state[s].used == NULL || def->state[s].used(hp);
            if (opt->groups[g].state[s] != NULL || (ig->state[s] == NULL && !used)) continue;
            ig->fresh[s] = dsc__alloc(ig->n * sizeof(float));
            if (ig->fresh[s] == NULL) {
                dsc__optimizer_restore_abort(img);
                return dsc__error(DSC_E_NOMEM, "%s: out of memory for %s's %s buffer (%zu floats)",
                                  fn, def->name, def->state[s].name, ig->n);
            }
        }
    }
    return DSC_OK;
}

void dsc__optimizer_restore_commit(dsc_optimizer *opt, dsc__opt_image *img) {
    const dsc__opt_def *def = opt->def;
    image_hp(def, img, img->ngroups, opt->hp);
    for (size_t g = 0; g < img->ngroups; g++) {
        dsc__group *gr = &opt->groups[g];
        dsc__opt_image_group *ig = &img->groups[g];
        image_hp(def, img, g, gr->hp);
        gr->step = ig->step;
        gr->started = 0;
        for (size_t s = 0; s < def->nstate; s++) {
            int used = def->state[s].used == NULL || def->state[s].used(gr->hp);
            if (gr->state[s] == NULL) gr->state[s] = ig->fresh[s];
            ig->fresh[s] = NULL;
            if (ig->state[s] != NULL) {
                memcpy(gr->state[s], ig->state[s], gr->n * sizeof(float));
                if (def->state[s].flags & DSC__STATE_LAZY) gr->started |= 1u << s;
            } else if (used) { /* a lazy buffer not started yet: as a new optimizer's */
                float v = def->state[s].init != NULL ? def->state[s].init(gr->hp) : 0.0f;
                for (size_t i = 0; i < gr->n; i++) gr->state[s][i] = v;
            } else {
                dsc__free(gr->state[s]);
                gr->state[s] = NULL;
            }
        }
    }
    opt->refused = img->refused;
    opt->last_norm = img->last_norm;
}
