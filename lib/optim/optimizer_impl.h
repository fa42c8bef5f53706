/* Internals of the optimizer shared by optimizer.c (handle, groups, the
 * hyperparameter table walker, the step order) and the variant files (one
 * per torch.optim class: its table of hyperparameters and state buffers and
 * its per-step scalars). A kind says everything the engine must know about
 * it in these tables (defaults, ranges, when a key may change, which buffers
 * start lazily or from a setting, which keys are state), so the engine never
 * names a kind; adding one touches its own file and the kind list in
 * optimizer.c. lib/train reads dsc__optimizer_state_keys. Never installed. */
#ifndef DSC_OPTIM_OPTIMIZER_IMPL_H
#define DSC_OPTIM_OPTIMIZER_IMPL_H

#include "../core/common.h"
#include "../core/settings.h"
#include "../kernels/kernels.h"

#include <math.h>
#include <stdint.h>

/* Slots of every hyperparameter any kind has; a group stores all of them and
 * its kind's table says which are in use. */
typedef enum dsc__hp_slot {
    DSC__HP_LR, DSC__HP_WEIGHT_DECAY, DSC__HP_MAXIMIZE, DSC__HP_EPS,
    DSC__HP_CLIP_NORM, DSC__HP_CLIP_VALUE,
    DSC__HP_MOMENTUM, DSC__HP_DAMPENING, DSC__HP_NESTEROV,
    DSC__HP_BETA1, DSC__HP_BETA2, DSC__HP_AMSGRAD, DSC__HP_MOMENTUM_DECAY, DSC__HP_MU_PRODUCT,
    DSC__HP_ALPHA, DSC__HP_CENTERED, DSC__HP_LR_DECAY, DSC__HP_INITIAL_ACCUMULATOR_VALUE,
    DSC__HP_RHO,
    DSC__HP_ETAMINUS, DSC__HP_ETAPLUS, DSC__HP_STEP_SIZE_MIN, DSC__HP_STEP_SIZE_MAX,
    DSC__HP_SLOTS
} dsc__hp_slot;

/* Object-specific flags of a hyperparameter row (a dsc__setting: key,
 * PyTorch name, default, range, flags; checked by lib/core/settings.c). */
enum {
    DSC__OPT_FROZEN = DSC__SET_OWN << 0,  /* only before the first step */
    DSC__OPT_GLOBAL = DSC__SET_OWN << 1,  /* optimizer-wide, not per group (clipping) */
    DSC__OPT_STATE = DSC__SET_OWN << 2,   /* per-group state a step changes (NAdam's
                                             mu_product): dsc_optimizer_set refuses it, a
                                             reset puts the default back, the trainer's
                                             snapshots save it */
    DSC__OPT_REFILLS = DSC__SET_OWN << 3  /* a state buffer's start value depends on it
                                             (Adagrad's initial_accumulator_value):
                                             setting it refills the buffers */
};

/* Flags of a state buffer. */
enum {
    /* Holds a value only once a step has written it (PyTorch's None until
     * then: SGD's momentum_buffer): not in use before that; the kind's step
     * marks it started in dsc__group.started, dsc_optimizer_state_set too. */
    DSC__STATE_LAZY = 1u << 0,
    /* Never negative (a sum or an average of squares, an infinity norm):
     * dsc_optimizer_state_set refuses a negative value. */
    DSC__STATE_NONNEG = 1u << 1
};

/* The largest step count (2^53: every count is exact as the double the
 * bias corrections use). A step from it is refused, a larger count cannot
 * be set, so a count never wraps. */
#define DSC__STEP_MAX 9007199254740992ull

/* Upper bound of every hyperparameter that has no natural one (lr,
 * weight_decay, eps, momentum, clipping, lr_decay, momentum_decay,
 * initial_accumulator_value, Rprop's etaplus and step sizes): 2^32. Every scalar a step derives from them in
 * double is then a finite float (the largest, Adam's lr / (1 - beta1^t), is
 * at most lr * 2^53 = 2^85; AdamW's 1 - lr*weight_decay at most 2^64), so a
 * step can only overflow through the data, which the step checks. */
#define DSC__HP_MAX DSC__TWO_32

/* One state buffer of a kind: PyTorch's state name, whether the settings hp
 * use it (NULL: always), the value it starts from (NULL: 0), its flags. */
typedef struct dsc__state_def {
    const char *name;
    int (*used)(const double *hp);
    float (*init)(const double *hp);
    unsigned flags;
} dsc__state_def;

#define DSC__MAX_STATE 3

typedef struct dsc__group {
    float *p;                        /* borrowed parameters */
    float *g;                        /* borrowed gradients (written only by zero_grad/hook) */
    size_t n;
    double hp[DSC__HP_SLOTS];        /* this group's hyperparameters */
    float *state[DSC__MAX_STATE];    /* owned, 64-byte aligned; NULL while unused */
    uint64_t step;                   /* steps taken (PyTorch's state['step']) */
    unsigned started;                /* bit s: lazy state buffer s holds a value */
} dsc__group;

/* Clipping decided by the step, common to every group. */
typedef struct dsc__clip {
    float gscale, gclip;
} dsc__clip;

/* A torch.optim class: its tables and its update. */
typedef struct dsc__opt_def {
    dsc_optimizer_kind kind;
    const char *name;                /* "Adam" */
    const dsc__setting *hp;          /* its hyperparameters, with their defaults */
    size_t nhp;
    const dsc__state_def *state;
    size_t nstate;
    /* Cross-key rules (SGD's Nesterov) on candidate values; NULL if none.
     * fn names the public function for the message. */
    dsc_status (*check)(const double *hp, const char *fn);
    /* Step number gr->step + 1 of group gr: derive the scalars in double,
     * then one kernel call. check = 1: the kernel's check only, which
     * changes nothing and returns whether every value the update would
     * write is finite. check = 0: the update itself, returning 1; it also
     * sets the bit of each DSC__STATE_LAZY buffer it has written in
     * gr->started and updates the kind's DSC__OPT_STATE keys (the engine
     * then increments gr->step). */
    int (*step)(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check);
} dsc__opt_def;

extern const dsc__opt_def dsc__opt_sgd, dsc__opt_adagrad, dsc__opt_rmsprop, dsc__opt_adam,
    dsc__opt_adamw, dsc__opt_adadelta, dsc__opt_adamax, dsc__opt_nadam, dsc__opt_radam,
    dsc__opt_rprop;

/* Adam's state table and step, shared with AdamW (adam.c). */
extern const dsc__state_def dsc__adam_state[3];
int dsc__adam_step(const dsc_kernels *k, dsc__group *gr, const dsc__clip *clip, int check,
                   int decoupled);

/* Adds a group over flat parameter and gradient buffers (validated: n >= 1,
 * no overlap between them or with any array of another group; both
 * non-NULL, checked by the caller), with the optimizer's
 * current defaults and its state buffers. What dsc_optimizer_add_params and
 * dsc_optimizer_add_model (a model's flat buffers) share; fn names the
 * public function in messages. Adds nothing on failure. */
dsc_status dsc__optimizer_add_buffers(dsc_optimizer *opt, float *params, float *grads, size_t n,
                                      size_t *group, const char *fn);

/* Whether the optimizer's groups hold exactly the n parameters at params
 * with their gradients at grads (one group, or several covering them, each
 * group's gradients at its parameters' offset); if not, writes a sentence
 * saying what differs to why (size cap). What the trainer requires of its
 * optimizer and model. */
int dsc__optimizer_holds_exactly(const dsc_optimizer *opt, const float *params,
                                 const float *grads, size_t n, char *why, size_t cap);

/* ---- the fused training step (lib/nn/train_step.c) ----------------------
 * dsc_optimizer_step's order, in phases a model can interleave with its
 * backward: _begin checks the step may run (no hook running, the groups hold
 * exactly the model's n parameters at params with their gradients at grads,
 * step counts below the maximum) and starts the norm; _produced, called
 * after the backward made the gradients at model offsets [lo, hi) final
 * (with every offset above hi final already, so calls go down the model),
 * sums the norm's pieces now complete and, without norm clipping, runs the
 * result check on [lo, hi); _decide finishes the norm, refuses a non-finite
 * one, sets the clipping and runs the checks still to do (DSC_E_NONFINITE:
 * refused, counted, nothing written); _update, called on ranges in
 * increasing order that cover the parameters, updates them and completes
 * each group's step as its last range passes. Every result is bit for bit
 * dsc_optimizer_step's. A gradient hook is not run: with one set
 * (dsc__optimizer_has_hook), the caller uses dsc_optimizer_step. */
typedef struct dsc__fused {
    dsc_optimizer *opt;
    const float *grads;   /* model offsets count from here */
    int exact;            /* norm clipping: the exact norm, checks after it */
    int failed;           /* an early result check failed */
    dsc__clip clip;
} dsc__fused;

int dsc__optimizer_has_hook(const dsc_optimizer *opt);
dsc_status dsc__optimizer_fused_begin(dsc_optimizer *opt, const float *params, const float *grads,
                                      size_t n, dsc__fused *f, const char *fn);
void dsc__optimizer_fused_produced(dsc__fused *f, size_t lo, size_t hi);
dsc_status dsc__optimizer_fused_decide(dsc__fused *f, const char *fn);
void dsc__optimizer_fused_update(dsc__fused *f, size_t lo, size_t hi);

/* Fills the fields every kernel reads first (clip, sign, lr, weight decay). */
void dsc__update_args_common(dsc_update_args *a, const dsc__group *gr, const dsc__clip *clip);

/* The keys of opt's kind flagged DSC__OPT_STATE, in table order: writes at
 * most cap of them to keys (which may be NULL when cap is 0) and returns how
 * many there are. What a snapshot of an optimizer (lib/train) saves besides
 * buffers, step counts and lrs. */
size_t dsc__optimizer_state_keys(const dsc_optimizer *opt, dsc_optimizer_param *keys, size_t cap);

/* ---- checkpoints (lib/io/checkpoint.c) ---------------------------------- */

/* The kind's PyTorch class name ("NAdam") and its table of hyperparameters. */
const char *dsc__optimizer_name(const dsc_optimizer *opt);
size_t dsc__optimizer_rows(const dsc_optimizer *opt, const dsc__setting **rows);

/* Group g's state buffer s when it is in use (dsc_optimizer_state_in_use),
 * else NULL; g and s in range. */
const float *dsc__optimizer_state_buf(const dsc_optimizer *opt, size_t g, size_t s);

/* An optimizer's whole state as a checkpoint holds it. Values are per row
 * of the kind's table, in table order (rows flagged DSC__OPT_GLOBAL are read
 * from defaults only). */
typedef struct dsc__opt_image_group {
    size_t n;                           /* the group's parameter count */
    const double *values;               /* one per row */
    uint64_t step;
    const float *state[DSC__MAX_STATE]; /* buffers in use (n floats); NULL: not in use */
    float *fresh[DSC__MAX_STATE];       /* set by _prepare: buffers the group lacks */
} dsc__opt_image_group;

typedef struct dsc__opt_image {
    const double *defaults;             /* one per row: the optimizer-wide values */
    size_t ngroups;
    dsc__opt_image_group *groups;
    uint64_t refused;
    double last_norm;
} dsc__opt_image;

/* Checks img against opt (group count and sizes, every value in its range,
 * the kind's cross-key rules, every buffer the values need present unless
 * it starts lazily) and allocates the buffers opt lacks; changes nothing in
 * opt. DSC_E_FORMAT naming the group and key (fn prefixes the message),
 * DSC_E_NOMEM. On failure nothing is left allocated. */
dsc_status dsc__optimizer_restore_prepare(dsc_optimizer *opt, dsc__opt_image *img, const char *fn);
/* Puts a prepared img into opt; cannot fail. */
void dsc__optimizer_restore_commit(dsc_optimizer *opt, dsc__opt_image *img);
/* Frees what _prepare allocated, when the restore is abandoned. */
void dsc__optimizer_restore_abort(dsc__opt_image *img);

/* Table rows shared by every kind. */
#define DSC__HP_ROW_LR(d) {DSC_OPTIMIZER_PARAM_LR, "lr", (d), 0.0, DSC__HP_MAX, 0}
#define DSC__HP_ROW_WD(d) {DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, "weight_decay", (d), 0.0, DSC__HP_MAX, 0}
#define DSC__HP_ROW_MAXIMIZE \
    {DSC_OPTIMIZER_PARAM_MAXIMIZE, "maximize", 0.0, 0.0, 1.0, DSC__SET_BOOL}
#define DSC__HP_ROW_EPS(d) {DSC_OPTIMIZER_PARAM_EPS, "eps", (d), 0.0, DSC__HP_MAX, 0}
#define DSC__HP_ROW_CLIP                                                               \
    {DSC_OPTIMIZER_PARAM_CLIP_NORM, "clip_norm", 0.0, 0.0, DSC__HP_MAX, DSC__OPT_GLOBAL},   \
    {DSC_OPTIMIZER_PARAM_CLIP_VALUE, "clip_value", 0.0, 0.0, DSC__HP_MAX, DSC__OPT_GLOBAL}
#define DSC__HP_ROW_BETAS                                                              \
    {DSC_OPTIMIZER_PARAM_BETA1, "beta1", 0.9, 0.0, 1.0, DSC__SET_HI_OPEN},               \
    {DSC_OPTIMIZER_PARAM_BETA2, "beta2", 0.999, 0.0, 1.0, DSC__SET_HI_OPEN}
#define DSC__HP_ROW_AMSGRAD                                                            \
    {DSC_OPTIMIZER_PARAM_AMSGRAD, "amsgrad", 0.0, 0.0, 1.0, DSC__SET_BOOL | DSC__OPT_FROZEN}

#endif
