/* Private to lib/sched: the scheduler object, the per-kind vtable each kind
 * file fills in, and the helpers the engine shares with the kinds.
 *
 * Files: scheduler.c is the engine (construction, settings, milestones,
 * children, start and step); state.c the saved state format; kinds.c the
 * registry of kinds; one file per kind. The engine knows no kind: what
 * differs between kinds is in the vtable (settings rows, formulas, hooks
 * for defaults that depend on other settings, metric stepping, container
 * start and step, the kind's own state variables). A kind calls back only
 * into the helpers declared here. Never installed. */
#ifndef DSC_SCHED_IMPL_H
#define DSC_SCHED_IMPL_H

#include "../core/common.h"
#include "../core/settings.h"

#include <math.h>
#include <stdint.h>

/* Rows of the largest settings table (OneCycleLR has 12). */
#define DSC__SCHED_MAX_HP 16
/* Per-group values of one kind, at most (CyclicLR has 4). */
#define DSC__SCHED_GROUP_SLOTS 4
/* State variables of one kind, at most (ReduceLROnPlateau has 3). */
#define DSC__SCHED_MAX_VARS 4

/* Own flags of a dsc__setting row (the checker ignores them). A row whose
 * def is NaN without DSC__SET_REQUIRED is optional with no fixed default:
 * its value when not set comes from the kind (vt->unset). */
enum {
    DSC__SCHED_ANYTIME = DSC__SET_OWN << 0,  /* may change after start */
    DSC__SCHED_PER_GROUP = DSC__SET_OWN << 1 /* PyTorch also takes one value per group */
};

/* Flags of a kind. */
enum {
    DSC__SV_MILESTONES = 1u << 0,        /* takes dsc_lr_scheduler_set_milestones */
    DSC__SV_STRICT_MILESTONES = 1u << 1, /* milestones >= 1 and strictly increasing */
    DSC__SV_LAMBDA = 1u << 2,            /* takes dsc_lr_scheduler_set_lambda (required) */
    DSC__SV_CONTAINER = 1u << 3,         /* takes children */
    DSC__SV_METRIC = 1u << 4,            /* steps with a metric only */
    DSC__SV_KEEP_LR = 1u << 5            /* a SequentialLR restart keeps the current lr (no closed form) */
};

/* The mutable state of a schedule besides the lrs: copied when a transaction
 * begins and restored if it is refused, saved by dsc_lr_scheduler_state_save. */
typedef struct dsc__sched_vars {
    int64_t t;                        /* PyTorch's last_epoch: -1 before start */
    double k[DSC__SCHED_MAX_VARS];    /* the kind's own variables, described by vt->vars */
} dsc__sched_vars;

/* One variable of a kind's state: v.k[i] is described by vt->vars[i]. */
typedef struct dsc__sched_var {
    dsc_sched_state_key key; /* how dsc_lr_scheduler_state_get reads it */
    int count;               /* 1: an integer count >= 0; 0: any number but NaN (+-inf too) */
} dsc__sched_var;

typedef struct dsc__sched_vt dsc__sched_vt;

struct dsc_lr_scheduler {
    const dsc__sched_vt *vt;
    dsc_optimizer *opt;           /* borrowed */
    size_t ngroups;               /* fixed at _new */
    double hp[DSC__SCHED_MAX_HP]; /* values, in the order of vt->hp */
    uint32_t hp_set;              /* bit i: row i was set explicitly */
    int started;
    dsc_optimizer_param mom_key;  /* the optimizer key momentum cycling moves; 0: none */
    dsc__sched_vars v, saved;     /* state, and its copy taken when a transaction begins */
    /* Per-group arrays, one block of (12 + DSC__SCHED_GROUP_SLOTS)*ngroups doubles. */
    double *base;                 /* PyTorch's initial_lr */
    double *cur;                  /* lr after the last step (input of the recursive forms) */
    double *written;              /* the optimizer's lr read back after our last write */
    double *next;                 /* scratch: the lr being computed */
    double *mom;                  /* momentum after the last step */
    double *mom_next;             /* scratch: the momentum being computed */
    double *grp;                  /* [ngroups][DSC__SCHED_GROUP_SLOTS] own values; NaN: none */
    /* The undo of a transaction (dsc__sched_begin): copies of what start, a
     * step or a state load may change, in this scheduler and (top level) in
     * the optimizer's groups before the transaction first wrote them. */
    double *u_base, *u_cur, *u_mom, *u_written;
    int u_started;
    dsc_optimizer_param u_mom_key;
    double *u_opt_lr, *u_opt_mom; /* the optimizer's lr and u_opt_key value of groups < u_opt_groups */
    size_t u_opt_groups;
    dsc_optimizer_param u_opt_key;
    int64_t *milestones;          /* owned copy */
    size_t nmilestones;
    dsc_lr_lambda_fn fn;          /* LambdaLR / MultiplicativeLR */
    void *user;
    dsc_lr_scheduler **children;  /* owned */
    size_t nchildren, capchildren;
};

/* A kind: its settings, its formula and its hooks. Every hook may be NULL.
 * The formula computes one group's lr at the scheduler's current time
 * s->v.t from the lr before the step (cur) and the group's base lr, as
 * PyTorch's get_lr() does; *mom receives the momentum when the kind cycles
 * it. Formulas and hooks may refuse (a user factor out of range, a step past
 * the end) with a message; the engine then restores s->v. */
struct dsc__sched_vt {
    dsc_lr_scheduler_kind kind;
    const char *name;            /* PyTorch class name */
    const dsc__setting *hp;      /* settings, keys of dsc_sched_param */
    size_t nhp;
    unsigned flags;              /* DSC__SV_* */
    const dsc__sched_var *vars;  /* the kind's state variables (v.k) */
    size_t nvars;
    /* Relations between the kind's state variables that a saved state
     * must satisfy (each is already an integer >= 0 or not NaN, as its
     * dsc__sched_var says): NULL if they hold, else why not. NULL hook:
     * no relation. */
    const char *(*check_vars)(const double *k);
    /* Cross-key checks at start (fn names the public function). */
    dsc_status (*check)(const dsc_lr_scheduler *s, const char *fn);
    /* The value dsc_lr_scheduler_get reports for row i, not set, whose def
     * is NaN (required, or derived from other settings); NULL: not set. */
    dsc_status (*unset)(const dsc_lr_scheduler *s, int i, const char *fn, double *out);
    /* The base lr of group g given the group's lr at start; NULL: unchanged. */
    double (*base_lr)(const dsc_lr_scheduler *s, size_t g, double group_lr);
    /* Whether momentum cycling is on (NULL: never), and the momentum of
     * group g PyTorch's constructor sets before the first step. */
    int (*cycles_momentum)(const dsc_lr_scheduler *s);
    double (*start_momentum)(const dsc_lr_scheduler *s, size_t g);
    /* Reset the kind's variables for t = 0. */
    void (*reset)(dsc_lr_scheduler *s);
    /* Advance the kind's variables from t-1 to t (t already incremented). */
    void (*advance)(dsc_lr_scheduler *s);
    /* The formula; NULL: the lr stays as it is. */
    dsc_status (*lr)(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom);
    /* t = 0 into s->next / s->mom_next, with s->v.t = 0 already; NULL:
     * dsc__sched_eval_init(s, s->base, s->base, s->next, s->mom_next). */
    dsc_status (*start)(dsc_lr_scheduler *s);
    /* One step into s->next / s->mom_next, which hold the lr and momentum
     * before it; metric is the one of dsc_lr_scheduler_step_metric (NaN
     * from dsc_lr_scheduler_step, which a DSC__SV_METRIC kind never sees).
     * NULL: dsc__sched_eval_step(s, s->cur, s->base, s->next, s->mom_next). */
    dsc_status (*step)(dsc_lr_scheduler *s, double metric);
};

/* The kind of a dsc_lr_scheduler_kind value, or NULL (kinds.c). */
const dsc__sched_vt *dsc__sched_kind(int kind);
/* The names of the kinds with a DSC__SV_* flag, "A, B and C", into buf (for messages). */
const char *dsc__sched_kinds_with(unsigned flag, char *buf, size_t size);

/* The value of row i (its def when not set: NaN for no fixed default). */
static inline double dsc__sched_p(const dsc_lr_scheduler *s, int i) {
    return s->hp[i];
}
static inline int dsc__sched_is_set(const dsc_lr_scheduler *s, int i) {
    return (s->hp_set >> i) & 1u;
}
/* Group g's own value of per-group row i, or NaN when it has none. */
double dsc__sched_group_own(const dsc_lr_scheduler *s, size_t g, int i);
/* Row i's value for group g: the group's own value if set, else row i's. */
double dsc__sched_pg(const dsc_lr_scheduler *s, size_t g, int i);
/* DSC_E_STATE "fn: <kind> <name> is not set" for row i, with an optional note. */
dsc_status dsc__sched_not_set(const dsc_lr_scheduler *s, int i, const char *fn, const char *note);

/* A leaf scheduler at t = 0 (its PyTorch initial step, or a SequentialLR
 * restart) and one step later: out[g] from in[g] (they may alias), mom[g]
 * updated when the kind cycles momentum; the leaf's own next and mom_next
 * get the results too. For containers stepping their children. */
dsc_status dsc__sched_eval_init(dsc_lr_scheduler *c, const double *in, const double *base, double *out,
                                double *mom);
dsc_status dsc__sched_eval_step(dsc_lr_scheduler *c, const double *in, const double *base, double *out,
                                double *mom);

/* The engine's steps that state.c shares: the checks and reads of start
 * (changing nothing visible; *mkey receives the momentum key), the started
 * flag of s and its children, next and mom_next set from cur and mom (the
 * lr and momentum a step starts from), and the commit that writes s->next
 * (and s->mom_next) into the optimizer and records them as current.
 *
 * Start, step and state load are transactions on a top-level scheduler:
 * dsc__sched_begin copies everything they may change (the state of s and its
 * children; the optimizer's values are recorded by the commit before its
 * first write), and on any failure dsc__sched_abort puts all of it back,
 * the optimizer's lr and momentum included, so a refused call changes
 * nothing. A commit that fails leaves the undo to the abort. */
dsc_status dsc__sched_prepare_start(dsc_lr_scheduler *s, const char *fn, dsc_optimizer_param *mkey);
void dsc__sched_mark_started(dsc_lr_scheduler *s, int on);
void dsc__sched_prepare_next(dsc_lr_scheduler *s);
dsc_status dsc__sched_commit(dsc_lr_scheduler *s, const char *fn);
void dsc__sched_begin(dsc_lr_scheduler *s);
void dsc__sched_abort(dsc_lr_scheduler *s);

/* Checkpoints (lib/io/checkpoint.c): the checks of dsc_lr_scheduler_state_load
 * on a saved state, changing nothing visible (DSC_E_FORMAT for a state that
 * does not fit s), and the load itself without the write into the
 * optimizer, which the checkpoint restores on its own (written = cur, as
 * after a step). */
dsc_status dsc__sched_state_check(dsc_lr_scheduler *s, const double *buf, size_t n, const char *fn);
void dsc__sched_state_apply(dsc_lr_scheduler *s, const double *buf);

#endif
