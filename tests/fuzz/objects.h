/* Builders the fuzz targets share: an optimizer over small host arrays and a
 * scheduler of any kind (containers included) configured from fuzz bytes,
 * and snapshots of their whole observable state, to check that a refused
 * call changed nothing. Deterministic: the same bytes build the same objects. */
#ifndef DSC_TESTS_FUZZ_OBJECTS_H
#define DSC_TESTS_FUZZ_OBJECTS_H

#include "fuzz.h"

#define FZ_MAX_GROUPS 3  /* host groups fz_make_optimizer adds, at most */
#define FZ_MAX_N 8       /* floats in each */
#define FZ_SNAP_GROUPS 5 /* groups a snapshot holds (a model's, host ones) */
#define FZ_SNAP_N 128    /* floats per group a snapshot holds */
#define FZ_MAX_STATE 3   /* state buffers per group, at most (RMSprop, Adam) */

static const dsc_optimizer_param fz_opt_keys[] = {
    DSC_OPTIMIZER_PARAM_LR,           DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, DSC_OPTIMIZER_PARAM_MAXIMIZE,
    DSC_OPTIMIZER_PARAM_EPS,          DSC_OPTIMIZER_PARAM_CLIP_NORM,    DSC_OPTIMIZER_PARAM_CLIP_VALUE,
    DSC_OPTIMIZER_PARAM_MOMENTUM,     DSC_OPTIMIZER_PARAM_DAMPENING,    DSC_OPTIMIZER_PARAM_NESTEROV,
    DSC_OPTIMIZER_PARAM_BETA1,        DSC_OPTIMIZER_PARAM_BETA2,        DSC_OPTIMIZER_PARAM_AMSGRAD,
    DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY, DSC_OPTIMIZER_PARAM_MU_PRODUCT, DSC_OPTIMIZER_PARAM_ALPHA,
    DSC_OPTIMIZER_PARAM_CENTERED,     DSC_OPTIMIZER_PARAM_LR_DECAY,
    DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE,                    DSC_OPTIMIZER_PARAM_RHO,
    (dsc_optimizer_param)0,           (dsc_optimizer_param)99,         (dsc_optimizer_param)305,
    DSC_OPTIMIZER_PARAM_ETAMINUS,     DSC_OPTIMIZER_PARAM_ETAPLUS,      DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN,
    DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX,
};
#define FZ_N_OPT_KEYS (sizeof fz_opt_keys / sizeof fz_opt_keys[0])

static const dsc_sched_param fz_sched_keys[] = {
    DSC_SCHED_PARAM_GAMMA,          DSC_SCHED_PARAM_STEP_SIZE,       DSC_SCHED_PARAM_FACTOR,
    DSC_SCHED_PARAM_TOTAL_ITERS,    DSC_SCHED_PARAM_START_FACTOR,    DSC_SCHED_PARAM_END_FACTOR,
    DSC_SCHED_PARAM_POWER,          DSC_SCHED_PARAM_T_MAX,           DSC_SCHED_PARAM_ETA_MIN,
    DSC_SCHED_PARAM_T_0,            DSC_SCHED_PARAM_T_MULT,          DSC_SCHED_PARAM_BASE_LR,
    DSC_SCHED_PARAM_MAX_LR,         DSC_SCHED_PARAM_STEP_SIZE_UP,    DSC_SCHED_PARAM_STEP_SIZE_DOWN,
    DSC_SCHED_PARAM_MODE,           DSC_SCHED_PARAM_CYCLE_MOMENTUM,  DSC_SCHED_PARAM_BASE_MOMENTUM,
    DSC_SCHED_PARAM_MAX_MOMENTUM,   DSC_SCHED_PARAM_TOTAL_STEPS,     DSC_SCHED_PARAM_PCT_START,
    DSC_SCHED_PARAM_ANNEAL_STRATEGY, DSC_SCHED_PARAM_DIV_FACTOR,     DSC_SCHED_PARAM_FINAL_DIV_FACTOR,
    DSC_SCHED_PARAM_THREE_PHASE,    DSC_SCHED_PARAM_EPOCHS,          DSC_SCHED_PARAM_STEPS_PER_EPOCH,
    DSC_SCHED_PARAM_PLATEAU_MODE,   DSC_SCHED_PARAM_PATIENCE,        DSC_SCHED_PARAM_THRESHOLD,
    DSC_SCHED_PARAM_THRESHOLD_MODE, DSC_SCHED_PARAM_COOLDOWN,        DSC_SCHED_PARAM_MIN_LR,
    DSC_SCHED_PARAM_EPS,            DSC_SCHED_PARAM_DECAY_RATE,      DSC_SCHED_PARAM_DECAY_STEPS,
    DSC_SCHED_PARAM_STAIRCASE,      (dsc_sched_param)0,              (dsc_sched_param)107,
};
#define FZ_N_SCHED_KEYS (sizeof fz_sched_keys / sizeof fz_sched_keys[0])

/* The host's arrays of an optimizer's groups. */
typedef struct fz_arrays {
    float p[FZ_MAX_GROUPS][FZ_MAX_N];
    float g[FZ_MAX_GROUPS][FZ_MAX_N];
    size_t n[FZ_MAX_GROUPS];
    size_t groups;
} fz_arrays;

/* Momentum for the kinds that have it (so that momentum cycling can start)
 * and up to two hyperparameters from the bytes; refusals are checked to be
 * statuses with messages. */
static inline void fz_optimizer_settings(fz *f, dsc_optimizer *opt) {
    dsc_optimizer_kind kind;
    FZ_OK(dsc_optimizer_kind_of(opt, &kind));
    if (kind == DSC_OPTIMIZER_SGD || kind == DSC_OPTIMIZER_RMSPROP)
        if (fz_u8(f) & 1) FZ_OK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
    const size_t sets = fz_pick(f, 3);
    for (size_t i = 0; i < sets; i++) {
        const dsc_optimizer_param key = fz_opt_keys[fz_pick(f, FZ_N_OPT_KEYS)];
        const double v = fz_double(f);
        dsc__error_clear();
        const dsc_status st = dsc_optimizer_set(opt, key, v);
        FZ_STATUS(st, "dsc_optimizer_set");
    }
}

/* An optimizer of a kind from the bytes over 1..3 groups of 1..8 floats,
 * then fz_optimizer_settings. */
static inline dsc_optimizer *fz_make_optimizer(fz *f, fz_arrays *a) {
    dsc_optimizer *opt = NULL;
    const dsc_optimizer_kind kind = (dsc_optimizer_kind)(1 + fz_pick(f, 10));
    FZ_OK(dsc_optimizer_new(&opt, kind));
    memset(a, 0, sizeof *a);
    a->groups = 1 + fz_pick(f, FZ_MAX_GROUPS);
    for (size_t g = 0; g < a->groups; g++) {
        a->n[g] = 1 + fz_pick(f, FZ_MAX_N);
        for (size_t i = 0; i < a->n[g]; i++) {
            a->p[g][i] = 0.25f * (float)(i + 1) - 0.5f * (float)g;
            a->g[g][i] = 0.125f * (float)(3 - (int)i);
        }
        FZ_OK(dsc_optimizer_add_params(opt, a->p[g], a->g[g], a->n[g], NULL));
    }
    fz_optimizer_settings(f, opt);
    return opt;
}

/* LambdaLR and MultiplicativeLR: a factor from the step, or (when *mode is
 * nonzero) a bad one now and then. */
static inline double fz_lambda(int64_t epoch, size_t group, void *user) {
    const int mode = user != NULL ? *(const int *)user : 0;
    if (mode == 1 && epoch == 3) return NAN;
    if (mode == 2 && epoch >= 2) return -1.0;
    if (mode == 3) return 1e300;
    return 1.0 / (1.0 + 0.25 * (double)epoch + 0.125 * (double)group);
}
static int fz_lambda_modes[4] = {0, 1, 2, 3};

/* A scheduler over opt: a kind from the bytes (a container gets 1..3 leaf
 * children), its required settings valid, then up to two settings from the
 * bytes. depth > 0 builds a child: no container, no ReduceLROnPlateau.
 * Returns NULL only when creation failed (a finding). */
static inline dsc_lr_scheduler *fz_make_sched(fz *f, dsc_optimizer *opt, int depth) {
    dsc_lr_scheduler_kind kind = (dsc_lr_scheduler_kind)(1 + fz_pick(f, 17));
    if (depth > 0 && (kind == DSC_SCHED_SEQUENTIAL || kind == DSC_SCHED_CHAINED || kind == DSC_SCHED_PLATEAU))
        kind = DSC_SCHED_STEP;
    dsc_lr_scheduler *s = NULL;
    FZ_OK(dsc_lr_scheduler_new(&s, kind, opt));
    switch (kind) {
    case DSC_SCHED_STEP:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, (double)(1 + fz_pick(f, 4))));
        break;
    case DSC_SCHED_MULTI_STEP: {
        const int64_t m[3] = {1, 2 + (int64_t)fz_pick(f, 3), 4};
        FZ_OK(dsc_lr_scheduler_set_milestones(s, m, 1 + fz_pick(f, 3)));
        break;
    }
    case DSC_SCHED_EXPONENTIAL:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.5 + 0.1 * (double)fz_pick(f, 5)));
        break;
    case DSC_SCHED_COSINE:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, (double)(1 + fz_pick(f, 8))));
        break;
    case DSC_SCHED_COSINE_WARM_RESTARTS:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_0, (double)(1 + fz_pick(f, 4))));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MULT, (double)(1 + fz_pick(f, 3))));
        break;
    case DSC_SCHED_CYCLIC:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.5));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, (double)(1 + fz_pick(f, 4))));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MODE, (double)fz_pick(f, 3)));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, (double)fz_pick(f, 2)));
        break;
    case DSC_SCHED_ONE_CYCLE:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.5));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, (double)(4 + fz_pick(f, 12))));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, (double)fz_pick(f, 2)));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_THREE_PHASE, (double)fz_pick(f, 2)));
        break;
    case DSC_SCHED_LAMBDA:
    case DSC_SCHED_MULTIPLICATIVE:
        FZ_OK(dsc_lr_scheduler_set_lambda(s, fz_lambda, &fz_lambda_modes[fz_pick(f, 4)]));
        break;
    case DSC_SCHED_INVERSE_TIME:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_RATE, 0.5));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_STEPS, (double)(1 + fz_pick(f, 3))));
        break;
    case DSC_SCHED_PLATEAU:
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, (double)fz_pick(f, 3)));
        FZ_OK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_COOLDOWN, (double)fz_pick(f, 2)));
        break;
    case DSC_SCHED_SEQUENTIAL:
    case DSC_SCHED_CHAINED: {
        const size_t n = 1 + fz_pick(f, 3);
        for (size_t i = 0; i < n; i++) {
            dsc_lr_scheduler *c = fz_make_sched(f, opt, depth + 1);
            FZ_OK(dsc_lr_scheduler_add_child(s, &c));
            FZ_CHECK(c == NULL, "add_child left the pointer");
        }
        if (kind == DSC_SCHED_SEQUENTIAL) {
            int64_t m[2];
            int64_t at = 0;
            for (size_t i = 0; i + 1 < n; i++) m[i] = at += 1 + (int64_t)fz_pick(f, 3);
            FZ_OK(dsc_lr_scheduler_set_milestones(s, m, n - 1));
        }
        break;
    }
    default:
        break;
    }
    const size_t sets = fz_pick(f, 3);
    for (size_t i = 0; i < sets; i++) {
        const dsc_sched_param key = fz_sched_keys[fz_pick(f, FZ_N_SCHED_KEYS)];
        const double v = fz_double(f);
        dsc__error_clear();
        const dsc_status st = (fz_u8(f) & 1) ? dsc_lr_scheduler_group_set(s, fz_pick(f, 4), key, v)
                                             : dsc_lr_scheduler_set(s, key, v);
        FZ_STATUS(st, "dsc_lr_scheduler_set");
    }
    return s;
}

/* Everything a caller can observe of an optimizer (the refused-step counter
 * and the last gradient norm apart: a refused step changes them, as
 * documented), and of its host arrays. */
typedef struct fz_opt_snap {
    size_t groups, n[FZ_SNAP_GROUPS], nstate;
    double hp[FZ_SNAP_GROUPS + 1][FZ_N_OPT_KEYS];
    dsc_status hp_st[FZ_SNAP_GROUPS + 1][FZ_N_OPT_KEYS];
    uint64_t steps[FZ_SNAP_GROUPS];
    int in_use[FZ_SNAP_GROUPS][FZ_MAX_STATE];
    float state[FZ_SNAP_GROUPS][FZ_MAX_STATE][FZ_SNAP_N];
    fz_arrays arrays;
} fz_opt_snap;

/* Whether key k of fz_opt_keys is one kind uses (asked once per kind: a
 * refused get formats a message, which would dominate the snapshots). */
static inline int fz_opt_key_used(dsc_optimizer_kind kind, size_t k) {
    static signed char used[16][FZ_N_OPT_KEYS];
    static int known[16];
    const size_t i = (size_t)kind < 16 ? (size_t)kind : 0;
    if (!known[i]) {
        for (size_t j = 0; j < FZ_N_OPT_KEYS; j++) {
            double lo, hi;
            used[i][j] = dsc_optimizer_param_bounds(kind, fz_opt_keys[j], &lo, &hi) == DSC_OK;
        }
        known[i] = 1;
    }
    return used[i][k];
}

static inline void fz_opt_snapshot(const dsc_optimizer *opt, const fz_arrays *a, fz_opt_snap *s) {
    memset(s, 0, sizeof *s);
    dsc_optimizer_kind kind;
    FZ_OK(dsc_optimizer_kind_of(opt, &kind));
    FZ_OK(dsc_optimizer_group_count(opt, &s->groups));
    FZ_CHECK(s->groups <= FZ_SNAP_GROUPS, "%zu groups", s->groups);
    FZ_OK(dsc_optimizer_state_count(opt, &s->nstate));
    FZ_CHECK(s->nstate <= FZ_MAX_STATE, "%zu state buffers", s->nstate);
    for (size_t k = 0; k < FZ_N_OPT_KEYS; k++) {
        if (!fz_opt_key_used(kind, k)) continue;
        s->hp_st[0][k] = dsc_optimizer_get(opt, fz_opt_keys[k], &s->hp[0][k]);
        for (size_t g = 0; g < s->groups; g++)
            s->hp_st[g + 1][k] = dsc_optimizer_group_get(opt, g, fz_opt_keys[k], &s->hp[g + 1][k]);
    }
    for (size_t g = 0; g < s->groups; g++) {
        FZ_OK(dsc_optimizer_group_size(opt, g, &s->n[g]));
        FZ_CHECK(s->n[g] <= FZ_SNAP_N, "group of %zu", s->n[g]);
        FZ_OK(dsc_optimizer_group_step_count(opt, g, &s->steps[g]));
        for (size_t i = 0; i < s->nstate; i++) {
            FZ_OK(dsc_optimizer_state_in_use(opt, g, i, &s->in_use[g][i]));
            FZ_OK(dsc_optimizer_state_get(opt, g, i, s->state[g][i], s->n[g]));
        }
    }
    if (a != NULL) s->arrays = *a;
}

static inline int fz_opt_same(const fz_opt_snap *a, const fz_opt_snap *b) {
    if (memcmp(a, b, sizeof *a) == 0) return 1;
    for (size_t g = 0; g <= a->groups && g <= FZ_SNAP_GROUPS; g++)
        for (size_t k = 0; k < FZ_N_OPT_KEYS; k++)
            if (a->hp_st[g][k] != b->hp_st[g][k] || !fz_same(&a->hp[g][k], &b->hp[g][k], sizeof(double)))
                fprintf(stderr, "optimizer %s%zu key %d: %.17g then %.17g\n", g == 0 ? "default" : "group ",
                        g == 0 ? (size_t)0 : g - 1, (int)fz_opt_keys[k], a->hp[g][k], b->hp[g][k]);
    if (memcmp(a->steps, b->steps, sizeof a->steps) != 0) fprintf(stderr, "optimizer step counts differ\n");
    if (memcmp(a->in_use, b->in_use, sizeof a->in_use) != 0) fprintf(stderr, "optimizer in-use flags differ\n");
    if (memcmp(a->state, b->state, sizeof a->state) != 0) fprintf(stderr, "optimizer state buffers differ\n");
    if (memcmp(&a->arrays, &b->arrays, sizeof a->arrays) != 0) fprintf(stderr, "host arrays differ\n");
    return 0;
}

/* A scheduler's saved state (every started flag, step, lr and momentum of
 * it and its children) and the keys it reads. */
#define FZ_MAX_SCHED_STATE 256
typedef struct fz_sched_snap {
    size_t n;
    double state[FZ_MAX_SCHED_STATE];
    double hp[FZ_N_SCHED_KEYS];
    dsc_status hp_st[FZ_N_SCHED_KEYS];
} fz_sched_snap;

/* The same for scheduler kinds. */
static inline int fz_sched_key_used(int kind, size_t k) {
    static signed char used[32][FZ_N_SCHED_KEYS];
    static int known[32];
    const size_t i = kind > 0 && kind < 32 ? (size_t)kind : 0;
    if (!known[i]) {
        for (size_t j = 0; j < FZ_N_SCHED_KEYS; j++) {
            double lo, hi;
            used[i][j] = dsc_lr_scheduler_param_bounds((dsc_lr_scheduler_kind)kind, fz_sched_keys[j], &lo, &hi) == DSC_OK;
        }
        known[i] = 1;
    }
    return used[i][k];
}

static inline void fz_sched_snapshot(const dsc_lr_scheduler *s, fz_sched_snap *out) {
    memset(out, 0, sizeof *out);
    FZ_OK(dsc_lr_scheduler_state_size(s, &out->n));
    FZ_CHECK(out->n <= FZ_MAX_SCHED_STATE, "state of %zu doubles", out->n);
    FZ_OK(dsc_lr_scheduler_state_save(s, out->state, out->n));
    const int kind = (int)out->state[2]; /* lib/sched/state.c: [2] is the kind */
    for (size_t k = 0; k < FZ_N_SCHED_KEYS; k++)
        if (fz_sched_key_used(kind, k)) out->hp_st[k] = dsc_lr_scheduler_get(s, fz_sched_keys[k], &out->hp[k]);
}

/* Equal; if not, says where on stderr (for triage). */
static inline int fz_sched_same(const fz_sched_snap *a, const fz_sched_snap *b) {
    if (memcmp(a, b, sizeof *a) == 0) return 1;
    for (size_t i = 0; i < a->n && i < FZ_MAX_SCHED_STATE; i++)
        if (!fz_same(&a->state[i], &b->state[i], sizeof(double)))
            fprintf(stderr, "scheduler state[%zu]: %.17g then %.17g\n", i, a->state[i], b->state[i]);
    for (size_t k = 0; k < FZ_N_SCHED_KEYS; k++)
        if (a->hp_st[k] != b->hp_st[k] || !fz_same(&a->hp[k], &b->hp[k], sizeof(double)))
            fprintf(stderr, "scheduler key %d: %.17g (%s) then %.17g (%s)\n", (int)fz_sched_keys[k], a->hp[k],
                    dsc_status_name(a->hp_st[k]), b->hp[k], dsc_status_name(b->hp_st[k]));
    return 0;
}

#endif
