/* The trainer's struct and the pieces shared by trainer.c, lr_finder.c and
 * search.c: one batch of training, the epoch order, and a snapshot of an
 * optimizer's state taken and restored through the public optimizer API.
 * Never installed. */
#ifndef DSC_TRAIN_TRAINER_IMPL_H
#define DSC_TRAIN_TRAINER_IMPL_H

#include "../core/common.h"
#include "../core/rng.h"
#include "noise_impl.h"

struct dsc_progress {
    uint64_t epoch;            /* 1-based epoch under way / just finished; 0 before */
    uint64_t step;             /* batches processed since creation, refused included */
    uint64_t batch;            /* batch within the epoch, 1-based */
    uint64_t batches_per_epoch;
    double lr;                 /* group 0's lr at the last step */
    double loss;               /* last batch's loss */
    double loss_sum;           /* sum of loss*samples over the epoch's accepted batches */
    double loss_count;         /* samples of the epoch's accepted batches */
    double val_loss, val_acc;  /* last evaluation; NaN when none */
    uint64_t refused, refused_row;
    double t0;                 /* monotonic seconds when the current run started */
    double elapsed;            /* frozen at the end of a run */
    int running;               /* 1 while dsc_trainer_run is under way */
    double best_val;           /* early stopping: best validation loss of the run (NaN: none) */
    uint64_t best_epoch;
    uint64_t wait;             /* epochs in a row without improvement */
    int stop_reason;           /* a dsc_stop_reason */
    const struct dsc_trainer *owner; /* the trainer whose progress this is (its noise estimator) */
};

struct dsc_trainer {
    dsc_model *model;          /* borrowed */
    dsc_loss *loss;            /* borrowed */
    dsc_optimizer *opt;        /* borrowed */
    const dsc_dataset *train;  /* borrowed */
    const dsc_dataset *val;    /* borrowed; may be NULL */
    dsc_lr_scheduler *sched;   /* borrowed; may be NULL */
    int labels;                /* 1: labelled sets and cross-entropy */
    size_t features, outputs, count, max_batch, nparams;
    /* Settings (dsc_trainer_param). */
    size_t batch_size, epochs, patience, max_nonfinite;
    uint64_t seed;
    int shuffle, drop_last, stepping, restore_best;
    double min_delta, finder_beta, finder_diverge;
    int measure;               /* DSC_TRAINER_PARAM_MEASURE_NOISE */
    double noise_part;         /* DSC_TRAINER_PARAM_NOISE_PART */
    size_t noise_interval;     /* DSC_TRAINER_PARAM_NOISE_INTERVAL */
    dsc_noise_scale *noise;    /* owned; its settings are the trainer's noise keys */
    double rt_lr;              /* the last range test's suggested lr (0: none) ... */
    size_t rt_batch;           /* ... and its batch size */
    dsc_trainer_callback step_cb, epoch_cb;
    void *step_user, *epoch_user;
    int busy;                  /* inside run/range test/search: mutators refuse (callbacks) */
    dsc_rng rng;               /* shuffling */
    /* Buffers allocated by dsc_trainer_new: nothing allocates afterwards. */
    size_t *order;             /* count sample indices */
    float *x;                  /* max_batch x features */
    float *tgt;                /* max_batch x outputs (targets); NULL when labelled */
    int32_t *lab;              /* max_batch labels; NULL for targets */
    float *dy;                 /* max_batch x outputs */
    float *best;               /* nparams: best weights (early stopping), scratch for the range test */
    dsc_progress prog;
    /* Where a run stands, for checkpoints (lib/io/checkpoint.c). */
    uint64_t run_first;        /* prog.epoch when the current run started */
    int at;                    /* DSC__AT_*: which callback of the run is running */
    int resume;                /* DSC__AT_*: a loaded checkpoint's run, continued by the next run */
    size_t resume_batch;       /* the batch size of that run */
};

/* A place in dsc_trainer_run: none, just after a batch's step callback, just
 * after an epoch's callback. */
enum { DSC__AT_NONE = 0, DSC__AT_BATCH = 1, DSC__AT_EPOCH = 2 };

/* The trainer's settings table (checkpoints save every key in it). */
const struct dsc__setting *dsc__trainer_settings(size_t *n);

/* Monotonic seconds. */
double dsc__now(void);

/* Samples per batch with the current settings (batch size 0 or above the
 * data set: the whole set) and batches per epoch. */
size_t dsc__trainer_batch(const dsc_trainer *t);
size_t dsc__trainer_batches(const dsc_trainer *t);

/* Fills t->order for a new epoch: identity, shuffled if the setting says so. */
void dsc__trainer_new_order(dsc_trainer *t);

/* One optimizer step over rows[0..n): zero grad, forward/loss/backward in
 * chunks of max_batch (dy weighted by chunk/n), step. *loss receives the
 * mean loss (NaN/inf if not finite). DSC_OK: step taken; DSC_E_NONFINITE:
 * the batch was refused (loss or gradient), nothing changed; other: failure.
 * measure (n >= 2): the first chunk is the noise-scale part, and the
 * squared gradient norms after it and after the whole batch go into
 * t->noise when the step is taken. */
dsc_status dsc__trainer_train_batch(dsc_trainer *t, const size_t *rows, size_t n, int measure,
                                    double *loss);

/* Loss fits the data set; model widths fit it. fn names the caller. */
dsc_status dsc__check_fit(dsc_model *model, const dsc_loss *loss, const dsc_dataset *ds,
                          const char *fn);

/* An optimizer's state, saved and restored through the public API. */
typedef struct dsc__opt_snapshot {
    size_t ngroups, nstate;
    size_t *sizes;             /* ngroups group sizes */
    float *buf;                /* every group's every state buffer */
    int *in_use;               /* ngroups x nstate */
    uint64_t *steps;           /* ngroups step counts */
    double *lr;                /* ngroups lrs */
    size_t nkeys;              /* the kind's per-group state keys (NAdam's mu_product) */
    dsc_optimizer_param *keys; /* nkeys */
    double *values;            /* ngroups x nkeys */
} dsc__opt_snapshot;

dsc_status dsc__opt_snapshot_take(dsc__opt_snapshot *s, dsc_optimizer *opt, const char *fn);
/* Restores what take saved (allocates nothing: buffers in use exist). */
dsc_status dsc__opt_snapshot_restore(const dsc__opt_snapshot *s, dsc_optimizer *opt);
void dsc__opt_snapshot_free(dsc__opt_snapshot *s);

/* DSC_OK if opt's groups hold exactly the model's parameters (and their
 * gradients); else status with a message naming fn and saying what differs. */
dsc_status dsc__check_holds_model(dsc_optimizer *opt, dsc_model *model, dsc_status status,
                                  const char *fn);

/* Sets every group's lr. */
dsc_status dsc__set_all_lr(dsc_optimizer *opt, double lr);

#endif
