/* Private to lib/sched: the scheduler object, the per-kind vtable and the
 * hyperparameter table each kind file registers. Never installed. */
#ifndef DSC_SCHED_IMPL_H
#define DSC_SCHED_IMPL_H

#include "../core/common.h"

#include <math.h>
#include <stdint.h>

/* Largest integer a double holds exactly: the upper bound of integer keys. */
#define DSC__SCHED_INT_MAX 9007199254740992.0
/* Rows of the largest hyperparameter table (OneCycleLR). */
#define DSC__SCHED_MAX_HP 16

/* Flags of a hyperparameter row. */
enum {
    DSC__HP_INT = 1u << 0,      /* integral values only */
    DSC__HP_LO_OPEN = 1u << 1,  /* lo itself is refused */
    DSC__HP_HI_OPEN = 1u << 2,  /* hi itself is refused */
    DSC__HP_REQUIRED = 1u << 3, /* no default: start fails until set */
    DSC__HP_ANYTIME = 1u << 4   /* may change after start */
};

/* One row of a kind's hyperparameter table. */
typedef struct dsc__sched_hp {
    dsc_sched_param key;
    const char *name; /* PyTorch argument name, for messages */
    double def;       /* default (unused when DSC__HP_REQUIRED) */
    double lo, hi;    /* valid range, closed unless flagged open */
    unsigned flags;
} dsc__sched_hp;

/* Flags of a kind. */
enum {
    DSC__SV_MILESTONES = 1u << 0, /* takes dsc_lr_scheduler_set_milestones */
    DSC__SV_LAMBDA = 1u << 1,     /* takes dsc_lr_scheduler_set_lambda (required) */
    DSC__SV_CONTAINER = 1u << 2,  /* takes children */
    DSC__SV_METRIC = 1u << 3,     /* steps with a metric only (plateau) */
    DSC__SV_KEEP_LR = 1u << 4     /* a SequentialLR restart keeps the current lr (no closed form) */
};

/* The mutable state of a schedule: everything a step changes besides the
 * lrs. Copied before a step and restored if the step is refused. */
typedef struct dsc__sched_vars {
    int64_t t;        /* PyTorch's last_epoch: -1 before start */
    int64_t t_cur;    /* warm restarts: steps since the last restart */
    int64_t t_i;      /* warm restarts: current cycle length */
    double best;      /* plateau: best metric */
    int64_t bad;      /* plateau: num_bad_epochs */
    int64_t cooldown; /* plateau: cooldown_counter */
} dsc__sched_vars;

typedef struct dsc__sched_vt dsc__sched_vt;

struct dsc_lr_scheduler {
    const dsc__sched_vt *vt;
    dsc_optimizer *opt;         /* borrowed */
    dsc_lr_scheduler *parent;   /* container that owns this child, or NULL */
    size_t ngroups;             /* fixed at _new */
    double hp[DSC__SCHED_MAX_HP]; /* values, in the order of vt->hp */
    uint32_t hp_set;            /* bit i: row i was set explicitly */
    int started;
    dsc_optimizer_param mom_key;         /* DSC_OPTIMIZER_PARAM_MOMENTUM or DSC_OPTIMIZER_PARAM_BETA1 when cycling; 0 otherwise */
    dsc__sched_vars v, saved;   /* state, and its copy taken at the start of a step */
    /* Per-group arrays, one block of 6*ngroups doubles. */
    double *base;               /* PyTorch's initial_lr */
    double *cur;                /* lr after the last step (input of the recursive forms) */
    double *written;            /* the optimizer's lr read back after our last write */
    double *next;               /* scratch: the lr being computed */
    double *mom;                /* momentum after the last step */
    double *mom_next;           /* scratch: the momentum being computed */
    double *grp;                /* [ngroups][DSC__GRP_SLOTS] per-group values; NaN: use hp */
    int64_t *milestones;        /* owned copy */
    size_t nmilestones;
    dsc_lr_lambda_fn fn;        /* LambdaLR / MultiplicativeLR */
    void *user;
    dsc_lr_scheduler **children; /* owned */
    size_t nchildren, capchildren;
};

/* A kind: its table and its formulas. The formulas compute one group's lr at
 * the scheduler's current time s->v.t from the lr before the step (cur) and
 * the group's base lr, as PyTorch's get_lr() does; *mom receives the momentum
 * when the kind cycles it. They may refuse (a user factor out of range, a
 * step past the end) with a message; the caller then restores s->v. */
struct dsc__sched_vt {
    dsc_lr_scheduler_kind kind;
    const char *name;           /* PyTorch class name */
    const dsc__sched_hp *hp;
    size_t nhp;
    unsigned flags;
    /* Cross-key checks at start (fn names the public function); may be NULL. */
    dsc_status (*check)(const dsc_lr_scheduler *s, const char *fn);
    /* The base lr of group g given the group's lr at start; NULL: unchanged. */
    double (*base_lr)(const dsc_lr_scheduler *s, size_t g, double group_lr);
    /* Reset kind state for t = 0; may be NULL. */
    void (*reset)(dsc_lr_scheduler *s);
    /* Advance kind state from t-1 to t (t already incremented); may be NULL. */
    void (*advance)(dsc_lr_scheduler *s);
    /* Whether momentum cycling is on (NULL: never). */
    int (*cycles_momentum)(const dsc_lr_scheduler *s);
    dsc_status (*lr)(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom);
};

/* Keys PyTorch also takes as one value per group (a list), and their slot
 * in dsc_lr_scheduler.grp. -1: a key with one value for every group. */
#define DSC__GRP_SLOTS 4
int dsc__sched_group_slot(dsc_sched_param key);
/* Row i's value for group g: the group's own value if set, else row i's. */
double dsc__sched_pg(const dsc_lr_scheduler *s, size_t g, int i);

/* Row index of key in s's table, or -1. */
int dsc__sched_hp_index(const dsc__sched_vt *vt, dsc_sched_param key);
/* The value of row i (its default when not set). */
static inline double dsc__sched_p(const dsc_lr_scheduler *s, int i) {
    return s->hp[i];
}
static inline int dsc__sched_is_set(const dsc_lr_scheduler *s, int i) {
    return (s->hp_set >> i) & 1u;
}


/* OneCycleLR's step count: total_steps or epochs*steps_per_epoch (0: unset). */
double dsc__sched_one_cycle_total(const dsc_lr_scheduler *s);
/* ReduceLROnPlateau: one step with a metric, reducing lr[] in place. */
void dsc__sched_plateau_update(dsc_lr_scheduler *s, double metric, double *lr);

extern const dsc__sched_vt dsc__sched_constant_vt;
extern const dsc__sched_vt dsc__sched_constant_lr_vt;
extern const dsc__sched_vt dsc__sched_step_vt;
extern const dsc__sched_vt dsc__sched_multi_step_vt;
extern const dsc__sched_vt dsc__sched_exponential_vt;
extern const dsc__sched_vt dsc__sched_polynomial_vt;
extern const dsc__sched_vt dsc__sched_linear_vt;
extern const dsc__sched_vt dsc__sched_cosine_vt;
extern const dsc__sched_vt dsc__sched_warm_restarts_vt;
extern const dsc__sched_vt dsc__sched_cyclic_vt;
extern const dsc__sched_vt dsc__sched_one_cycle_vt;
extern const dsc__sched_vt dsc__sched_plateau_vt;
extern const dsc__sched_vt dsc__sched_lambda_vt;
extern const dsc__sched_vt dsc__sched_multiplicative_vt;
extern const dsc__sched_vt dsc__sched_sequential_vt;
extern const dsc__sched_vt dsc__sched_chained_vt;
extern const dsc__sched_vt dsc__sched_inverse_time_vt;

#endif
