/* The training loop: batches of a shuffled order, forward/loss/backward in
 * chunks of the model's maximum batch, one optimizer step per batch, the
 * scheduler, validation, early stopping, callbacks; and dsc_model_evaluate.
 *
 * Everything goes through the public model, loss, optimizer, scheduler and
 * data set functions. All buffers are allocated by dsc_trainer_new(), so a
 * run allocates nothing. Gradient accumulation over chunks: each chunk's
 * dLoss/dy (the gradient of the chunk's mean) is scaled by chunk/batch, so
 * the summed gradient is the gradient of the batch mean, exactly what one
 * pass over the whole batch would give (up to float summation order).
 * A batch that fits the model's maximum batch and measures no noise scale
 * runs as one dsc_model_train_step (the fused step, the same bits); the
 * others (accumulation over chunks, the noise scale's two passes, which
 * read the gradient between them) as the separate calls. A gradient hook
 * runs in either (the fused step then calls dsc_optimizer_step). */
#include "trainer_impl.h"
#include "../core/settings.h"
#include "../optim/optimizer_impl.h"
#include "../nn/model_impl.h"

#include <math.h>
#include <string.h>
#include <time.h>

double dsc__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

dsc_status dsc__check_fit(dsc_model *model, const dsc_loss *loss, const dsc_dataset *ds,
                          const char *fn) {
    size_t in = 0, out = 0, mb = 0, features = 0, outputs = 0;
    int labels = 0;
    dsc_loss_kind kind;
    DSC_TRY(dsc_model_widths(model, &in, &out));
    DSC_TRY(dsc_model_max_batch(model, &mb));
    DSC_TRY(dsc_loss_kind_of(loss, &kind));
    DSC_TRY(dsc_dataset_features(ds, &features));
    DSC_TRY(dsc_dataset_outputs(ds, &outputs));
    DSC_TRY(dsc_dataset_has_labels(ds, &labels));
    DSC_RETURN_IF(mb == 0, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first",
                  fn);
    DSC_RETURN_IF(in != features, DSC_E_SHAPE,
                  "%s: the model takes %zu inputs; the data set has %zu features", fn, in,
                  features);
    DSC_RETURN_IF(out != outputs, DSC_E_SHAPE,
                  "%s: the model has %zu outputs; the data set needs %zu (%s)", fn, out,
                  outputs, labels ? "classes" : "targets");
    DSC_RETURN_IF(labels && kind != DSC_LOSS_CROSS_ENTROPY, DSC_E_UNSUPPORTED,
                  "%s: the data set has class labels; they train with DSC_LOSS_CROSS_ENTROPY, "
                  "not loss kind %d", fn, (int)kind);
    DSC_RETURN_IF(!labels && kind == DSC_LOSS_CROSS_ENTROPY, DSC_E_UNSUPPORTED,
                  "%s: DSC_LOSS_CROSS_ENTROPY needs class labels; the data set has float targets",
                  fn);
    return DSC_OK;
}

dsc_status dsc__check_holds_model(dsc_optimizer *opt, dsc_model *model, dsc_status status,
                                  const char *fn) {
    float *p = NULL, *g = NULL;
    size_t n = 0;
    char why[160];
    DSC_TRY(dsc_model_params(model, &p));
    DSC_TRY(dsc_model_grads(model, &g));
    DSC_TRY(dsc_model_param_count(model, &n));
    DSC_RETURN_IF(!dsc__optimizer_holds_exactly(opt, p, g, n, why, sizeof why), status,
                  "%s: the optimizer does not hold exactly the model's parameters (%s), so "
                  "training would %s; give the trainer an optimizer whose groups are the "
                  "model's (dsc_optimizer_add_model once, and nothing else)", fn, why,
                  n == 0 ? "change nothing" : "leave some of them untrained or step others");
    return DSC_OK;
}

dsc_status dsc__set_all_lr(dsc_optimizer *opt, double lr) {
    size_t ng = 0;
    DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    for (size_t g = 0; g < ng; g++) DSC_TRY(dsc_optimizer_group_set(opt, g, DSC_OPTIMIZER_PARAM_LR, lr));
    return DSC_OK;
}

/* ---- optimizer snapshot ------------------------------------------------ */

void dsc__opt_snapshot_free(dsc__opt_snapshot *s) {
    dsc__free(s->sizes);
    dsc__free(s->buf);
    dsc__free(s->in_use);
    dsc__free(s->steps);
    dsc__free(s->lr);
    dsc__free(s->keys);
    dsc__free(s->values);
    memset(s, 0, sizeof *s);
}

dsc_status dsc__opt_snapshot_take(dsc__opt_snapshot *s, dsc_optimizer *opt, const char *fn) {
    memset(s, 0, sizeof *s);
    DSC_TRY(dsc_optimizer_group_count(opt, &s->ngroups));
    DSC_TRY(dsc_optimizer_state_count(opt, &s->nstate));
    size_t ng = s->ngroups, ns = s->nstate, nk = dsc__optimizer_state_keys(opt, NULL, 0), total = 0;
    s->nkeys = nk;
    s->sizes = dsc__calloc(ng, sizeof *s->sizes);
    s->in_use = dsc__calloc(ng * (ns ? ns : 1), sizeof *s->in_use);
    s->steps = dsc__calloc(ng, sizeof *s->steps);
    s->lr = dsc__calloc(ng, sizeof *s->lr);
    s->keys = dsc__calloc(nk ? nk : 1, sizeof *s->keys);
    s->values = dsc__calloc(ng * (nk ? nk : 1), sizeof *s->values);
    if (s->sizes == NULL || s->in_use == NULL || s->steps == NULL || s->lr == NULL ||
        s->keys == NULL || s->values == NULL)
        goto nomem;
    dsc__optimizer_state_keys(opt, s->keys, nk);
    for (size_t g = 0; g < ng; g++) {
        DSC_TRY(dsc_optimizer_group_size(opt, g, &s->sizes[g]));
        total += s->sizes[g];
    }
    if (ns > 0) {
        s->buf = dsc__calloc(total * ns, sizeof(float));
        if (s->buf == NULL) goto nomem;
    }
    float *p = s->buf;
    for (size_t g = 0; g < ng; g++) {
        for (size_t i = 0; i < ns; i++, p += s->sizes[g]) {
            DSC_TRY(dsc_optimizer_state_in_use(opt, g, i, &s->in_use[g * ns + i]));
            if (s->in_use[g * ns + i]) DSC_TRY(dsc_optimizer_state_get(opt, g, i, p, s->sizes[g]));
        }
        DSC_TRY(dsc_optimizer_group_step_count(opt, g, &s->steps[g]));
        DSC_TRY(dsc_optimizer_group_get(opt, g, DSC_OPTIMIZER_PARAM_LR, &s->lr[g]));
        for (size_t k = 0; k < nk; k++)
            DSC_TRY(dsc_optimizer_group_get(opt, g, s->keys[k], &s->values[g * nk + k]));
    }
    return DSC_OK;
nomem:
    dsc__opt_snapshot_free(s);
    return dsc__error(DSC_E_NOMEM, "%s: out of memory for a copy of the optimizer's state", fn);
}

dsc_status dsc__opt_snapshot_restore(const dsc__opt_snapshot *s, dsc_optimizer *opt) {
    DSC_TRY(dsc_optimizer_reset_state(opt));
    const float *p = s->buf;
    size_t ns = s->nstate;
    for (size_t g = 0; g < s->ngroups; g++) {
        for (size_t i = 0; i < ns; i++, p += s->sizes[g])
            if (s->in_use[g * ns + i]) DSC_TRY(dsc_optimizer_state_set(opt, g, i, p, s->sizes[g]));
        DSC_TRY(dsc_optimizer_group_set_step_count(opt, g, s->steps[g]));
        DSC_TRY(dsc_optimizer_group_set(opt, g, DSC_OPTIMIZER_PARAM_LR, s->lr[g]));
        for (size_t k = 0; k < s->nkeys; k++)
            DSC_TRY(dsc_optimizer_group_set(opt, g, s->keys[k], s->values[g * s->nkeys + k]));
    }
    return DSC_OK;
}

/* ---- settings --------------------------------------------------------------- */

/* Every setting: name, default, range (lib/core/settings.h). */
static const dsc__setting settings[] = {
    {DSC_TRAINER_PARAM_BATCH_SIZE, "batch_size", 32, 0, DSC__TWO_31, DSC__SET_INT},
    {DSC_TRAINER_PARAM_EPOCHS, "epochs", 1, 1, DSC__TWO_31, DSC__SET_INT},
    {DSC_TRAINER_PARAM_SEED, "seed", 0, 0, DSC__TWO_53, DSC__SET_INT},
    {DSC_TRAINER_PARAM_SHUFFLE, "shuffle", 1, 0, 1, DSC__SET_BOOL},
    {DSC_TRAINER_PARAM_DROP_LAST, "drop_last", 0, 0, 1, DSC__SET_BOOL},
    {DSC_TRAINER_PARAM_SCHED_STEPPING, "sched_stepping", DSC_STEP_PER_EPOCH, 0, 2, DSC__SET_INT},
    {DSC_TRAINER_PARAM_PATIENCE, "patience", 0, 0, DSC__TWO_31, DSC__SET_INT},
    {DSC_TRAINER_PARAM_MIN_DELTA, "min_delta", 0, 0, INFINITY, 0},
    {DSC_TRAINER_PARAM_RESTORE_BEST, "restore_best", 1, 0, 1, DSC__SET_BOOL},
    {DSC_TRAINER_PARAM_MAX_NONFINITE, "max_nonfinite", 10, 0, DSC__TWO_31, DSC__SET_INT},
    {DSC_TRAINER_PARAM_FINDER_BETA, "finder_beta", 0.98, 0, 1, DSC__SET_HI_OPEN},
    {DSC_TRAINER_PARAM_FINDER_DIVERGE, "finder_diverge", 4, 1, INFINITY, DSC__SET_LO_OPEN},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])
#define OBJECT "the trainer"

/* The measurement settings: not part of a run's state, so checkpoints
 * (which save settings[]) leave them out; the estimator's own (beta, loss
 * window) come from lib/train/noise.c. */
static const dsc__setting measure_settings[] = {
    {DSC_TRAINER_PARAM_MEASURE_NOISE, "measure_noise", 0, 0, 1, DSC__SET_BOOL},
    {DSC_TRAINER_PARAM_NOISE_PART, "noise_part", 0.5, 0, 1, DSC__SET_LO_OPEN | DSC__SET_HI_OPEN},
    {DSC_TRAINER_PARAM_NOISE_INTERVAL, "noise_interval", 8, 1, DSC__TWO_31, DSC__SET_INT},
};
#define NMEASURE (sizeof measure_settings / sizeof measure_settings[0])

const dsc__setting *dsc__trainer_settings(size_t *n) {
    *n = NSETTINGS;
    return settings;
}

/* The row of key in the trainer's tables, or DSC_E_UNSUPPORTED. */
static dsc_status lookup(int key, const char *fn, const dsc__setting **row) {
    size_t nn = 0;
    const dsc__setting *noise = dsc__noise_settings(&nn);
    *row = dsc__setting_find(settings, NSETTINGS, key);
    if (*row == NULL) *row = dsc__setting_find(measure_settings, NMEASURE, key);
    if (*row == NULL) *row = dsc__setting_find(noise, nn, key);
    DSC_RETURN_IF(*row == NULL, DSC_E_UNSUPPORTED, "%s: %s has no setting with key %d", fn,
                  OBJECT, key);
    return DSC_OK;
}

/* Stores a checked value (integral where the row says so). */
static void store(dsc_trainer *t, dsc_trainer_param key, double value) {
    switch (key) {
    case DSC_TRAINER_PARAM_BATCH_SIZE: t->batch_size = (size_t)value; break;
    case DSC_TRAINER_PARAM_EPOCHS: t->epochs = (size_t)value; break;
    case DSC_TRAINER_PARAM_SEED:
        t->seed = (uint64_t)value;
        dsc__rng_seed(&t->rng, t->seed);
        break;
    case DSC_TRAINER_PARAM_SHUFFLE: t->shuffle = (int)value; break;
    case DSC_TRAINER_PARAM_DROP_LAST: t->drop_last = (int)value; break;
    case DSC_TRAINER_PARAM_SCHED_STEPPING: t->stepping = (int)value; break;
    case DSC_TRAINER_PARAM_PATIENCE: t->patience = (size_t)value; break;
    case DSC_TRAINER_PARAM_MIN_DELTA: t->min_delta = value; break;
    case DSC_TRAINER_PARAM_RESTORE_BEST: t->restore_best = (int)value; break;
    case DSC_TRAINER_PARAM_MAX_NONFINITE: t->max_nonfinite = (size_t)value; break;
    case DSC_TRAINER_PARAM_FINDER_BETA: t->finder_beta = value; break;
    case DSC_TRAINER_PARAM_FINDER_DIVERGE: t->finder_diverge = value; break;
    case DSC_TRAINER_PARAM_MEASURE_NOISE:
        t->measure = (int)value;
        if (t->measure) (void)dsc_noise_scale_reset(t->noise);
        break;
    case DSC_TRAINER_PARAM_NOISE_PART: t->noise_part = value; break;
    case DSC_TRAINER_PARAM_NOISE_INTERVAL: t->noise_interval = (size_t)value; break;
    case DSC_TRAINER_PARAM_NOISE_BETA:
    case DSC_TRAINER_PARAM_LOSS_WINDOW: break; /* the estimator's: see dsc_trainer_set */
    }
}

static double load(const dsc_trainer *t, dsc_trainer_param key) {
    switch (key) {
    case DSC_TRAINER_PARAM_BATCH_SIZE: return (double)t->batch_size;
    case DSC_TRAINER_PARAM_EPOCHS: return (double)t->epochs;
    case DSC_TRAINER_PARAM_SEED: return (double)t->seed;
    case DSC_TRAINER_PARAM_SHUFFLE: return t->shuffle;
    case DSC_TRAINER_PARAM_DROP_LAST: return t->drop_last;
    case DSC_TRAINER_PARAM_SCHED_STEPPING: return t->stepping;
    case DSC_TRAINER_PARAM_PATIENCE: return (double)t->patience;
    case DSC_TRAINER_PARAM_MIN_DELTA: return t->min_delta;
    case DSC_TRAINER_PARAM_RESTORE_BEST: return t->restore_best;
    case DSC_TRAINER_PARAM_MAX_NONFINITE: return (double)t->max_nonfinite;
    case DSC_TRAINER_PARAM_FINDER_BETA: return t->finder_beta;
    case DSC_TRAINER_PARAM_FINDER_DIVERGE: return t->finder_diverge;
    case DSC_TRAINER_PARAM_MEASURE_NOISE: return t->measure;
    case DSC_TRAINER_PARAM_NOISE_PART: return t->noise_part;
    case DSC_TRAINER_PARAM_NOISE_INTERVAL: return (double)t->noise_interval;
    case DSC_TRAINER_PARAM_NOISE_BETA:
    case DSC_TRAINER_PARAM_LOSS_WINDOW: {
        double v = NAN;
        (void)dsc_noise_scale_get(t->noise, key, &v);
        return v;
    }
    }
    return NAN; /* not reached: the key was looked up in settings[] */
}

/* ---- construction and settings ------------------------------------------ */

dsc_status dsc_trainer_new(dsc_trainer **out, dsc_model *model, dsc_loss *loss,
                           dsc_optimizer *opt, const dsc_dataset *train) {
    static const char fn[] = "dsc_trainer_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out must not be NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(model == NULL || loss == NULL || opt == NULL || train == NULL, DSC_E_ARG,
                  "%s: %s must not be NULL", fn,
                  model == NULL ? "model" : loss == NULL ? "loss" : opt == NULL ? "opt" : "train");
    DSC_TRY(dsc__check_fit(model, loss, train, fn));
    size_t ng = 0, np = 0, mb = 0;
    DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    DSC_RETURN_IF(ng == 0, DSC_E_STATE,
                  "%s: the optimizer has no parameter group; add the model's parameters with "
                  "dsc_optimizer_add_model first", fn);
    DSC_TRY(dsc__check_holds_model(opt, model, DSC_E_ARG, fn));
    DSC_TRY(dsc_model_param_count(model, &np));
    DSC_TRY(dsc_model_max_batch(model, &mb));

    dsc_trainer *t = dsc__calloc(1, sizeof *t);
    DSC_RETURN_IF(t == NULL, DSC_E_NOMEM, "%s: out of memory for the trainer", fn);
    t->model = model;
    t->loss = loss;
    t->opt = opt;
    t->train = train;
    /* train was checked by dsc__check_fit: these getters cannot fail. */
    (void)dsc_dataset_has_labels(train, &t->labels);
    (void)dsc_dataset_features(train, &t->features);
    (void)dsc_dataset_outputs(train, &t->outputs);
    (void)dsc_dataset_count(train, &t->count);
    t->max_batch = mb;
    t->nparams = np;
    size_t nx = 0, ny = 0;
    int ok = dsc__mul_ok(mb, t->features, &nx) && dsc__mul_ok(mb, t->outputs, &ny);
    if (ok) {
        t->order = dsc__calloc(t->count, sizeof *t->order);
        t->x = dsc__calloc(nx, sizeof(float));
        t->dy = dsc__calloc(ny, sizeof(float));
        if (t->labels) t->lab = dsc__calloc(mb, sizeof(int32_t));
        else t->tgt = dsc__calloc(ny, sizeof(float));
        t->best = dsc__calloc(np ? np : 1, sizeof(float));
        if (dsc_noise_scale_new(&t->noise) != DSC_OK) t->noise = NULL;
    }
    if (!ok || t->order == NULL || t->x == NULL || t->dy == NULL || t->best == NULL ||
        t->noise == NULL ||
        (t->labels ? t->lab == NULL : t->tgt == NULL)) {
        const size_t features = t->features;
        dsc_trainer_free(t);
        return dsc__error(ok ? DSC_E_NOMEM : DSC_E_ARG,
                          "%s: %s for the batch buffers (%zu samples of %zu inputs)", fn,
                          ok ? "out of memory" : "sizes overflow", mb, features);
    }
    for (size_t i = 0; i < NSETTINGS; i++)
        store(t, (dsc_trainer_param)settings[i].key, settings[i].def);
    for (size_t i = 0; i < NMEASURE; i++)
        store(t, (dsc_trainer_param)measure_settings[i].key, measure_settings[i].def);
    t->prog.loss = t->prog.val_loss = t->prog.val_acc = t->prog.best_val = NAN;
    t->prog.lr = NAN;
    t->prog.owner = t;
    *out = t;
    return DSC_OK;
}

void dsc_trainer_free(dsc_trainer *t) {
    if (t == NULL) return;
    dsc__free(t->order);
    dsc__free(t->x);
    dsc__free(t->tgt);
    dsc__free(t->lab);
    dsc__free(t->dy);
    dsc__free(t->best);
    dsc_noise_scale_free(t->noise);
    dsc__free(t);
}

#define CHECK_IDLE(t, fn)                                                                   \
    DSC_RETURN_IF((t)->busy, DSC_E_STATE,                                                   \
                  "%s: the trainer is running (called from a callback?); wait until it returns", \
                  fn)

dsc_status dsc_trainer_set_validation(dsc_trainer *t, const dsc_dataset *val) {
    static const char fn[] = "dsc_trainer_set_validation";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    CHECK_IDLE(t, fn);
    if (val != NULL) {
        int val_labels = 0;
        DSC_TRY(dsc_dataset_has_labels(val, &val_labels));
        DSC_RETURN_IF(val_labels != t->labels, DSC_E_UNSUPPORTED,
                      "%s: the validation set has %s but the training set has %s", fn,
                      t->labels ? "float targets" : "class labels",
                      t->labels ? "class labels" : "float targets");
        DSC_TRY(dsc__check_fit(t->model, t->loss, val, fn));
    }
    t->val = val;
    return DSC_OK;
}

dsc_status dsc_trainer_set_scheduler(dsc_trainer *t, dsc_lr_scheduler *sched) {
    static const char fn[] = "dsc_trainer_set_scheduler";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    CHECK_IDLE(t, fn);
    t->sched = sched;
    return DSC_OK;
}

dsc_status dsc_trainer_set(dsc_trainer *t, dsc_trainer_param key, double value) {
    static const char fn[] = "dsc_trainer_set";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    const dsc__setting *row;
    DSC_TRY(lookup((int)key, fn, &row));
    DSC_TRY(dsc__setting_check(row, value, fn));
    CHECK_IDLE(t, fn);
    if (key == DSC_TRAINER_PARAM_NOISE_BETA || key == DSC_TRAINER_PARAM_LOSS_WINDOW)
        return dsc_noise_scale_set(t->noise, key, value); /* a new window may fail: NOMEM */
    store(t, key, value);
    return DSC_OK;
}

dsc_status dsc_trainer_get(const dsc_trainer *t, dsc_trainer_param key, double *out) {
    static const char fn[] = "dsc_trainer_get";
    DSC_RETURN_IF(t == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  t == NULL ? "t" : "out");
    const dsc__setting *row;
    DSC_TRY(lookup((int)key, fn, &row));
    *out = load(t, key);
    return DSC_OK;
}

dsc_status dsc_trainer_param_bounds(dsc_trainer_param key, double *lo, double *hi) {
    static const char fn[] = "dsc_trainer_param_bounds";
    const dsc__setting *row;
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  lo == NULL ? "lo" : "hi");
    DSC_TRY(lookup((int)key, fn, &row));
    dsc__setting_bounds(row, lo, hi);
    return DSC_OK;
}

dsc_status dsc_trainer_param_default(dsc_trainer_param key, double *out) {
    static const char fn[] = "dsc_trainer_param_default";
    const dsc__setting *row;
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    DSC_TRY(lookup((int)key, fn, &row));
    *out = row->def;
    return DSC_OK;
}

dsc_status dsc_trainer_set_step_callback(dsc_trainer *t, dsc_trainer_callback fn_, void *user) {
    static const char fn[] = "dsc_trainer_set_step_callback";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    CHECK_IDLE(t, fn);
    t->step_cb = fn_;
    t->step_user = user;
    return DSC_OK;
}

dsc_status dsc_trainer_set_epoch_callback(dsc_trainer *t, dsc_trainer_callback fn_, void *user) {
    static const char fn[] = "dsc_trainer_set_epoch_callback";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    CHECK_IDLE(t, fn);
    t->epoch_cb = fn_;
    t->epoch_user = user;
    return DSC_OK;
}

/* ---- progress ------------------------------------------------------------ */

dsc_status dsc_trainer_progress(const dsc_trainer *t, const dsc_progress **out) {
    static const char fn[] = "dsc_trainer_progress";
    if (out != NULL) *out = NULL;
    DSC_RETURN_IF(t == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  t == NULL ? "t" : "out");
    *out = &t->prog;
    return DSC_OK;
}

/* DSC_PROGRESS_SUGGESTED_BATCH or _LR: the advice for the training set,
 * NaN when there is none (without setting an error: the read succeeds). */
static double suggestion(const dsc_trainer *t, dsc_progress_key key) {
    double b_noise = dsc__noise_value(t->noise, DSC_PROGRESS_NOISE_SCALE), lr = NAN;
    size_t batch = 0;
    if (!(b_noise > 0.0 && b_noise < INFINITY)) return NAN;
    if (key == DSC_PROGRESS_SUGGESTED_LR && t->rt_lr <= 0.0) return NAN;
    (void)dsc__noise_advise(t->noise, t->rt_lr > 0.0 ? t->rt_lr : 1.0,
                            t->rt_batch > 0 ? t->rt_batch : 1, t->count, &batch, &lr, NULL, 0,
                            "dsc_progress_get");
    return key == DSC_PROGRESS_SUGGESTED_BATCH ? (double)batch : lr;
}

dsc_status dsc_trainer_noise_scale(const dsc_trainer *t, const dsc_noise_scale **out) {
    static const char fn[] = "dsc_trainer_noise_scale";
    if (out != NULL) *out = NULL;
    DSC_RETURN_IF(t == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  t == NULL ? "t" : "out");
    *out = t->noise;
    return DSC_OK;
}

dsc_status dsc_progress_get(const dsc_progress *p, dsc_progress_key key, double *out) {
    static const char fn[] = "dsc_progress_get";
    if (out != NULL) *out = 0.0;
    DSC_RETURN_IF(p == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  p == NULL ? "p" : "out");
    switch (key) {
    case DSC_PROGRESS_EPOCH: *out = (double)p->epoch; return DSC_OK;
    case DSC_PROGRESS_STEP: *out = (double)p->step; return DSC_OK;
    case DSC_PROGRESS_BATCH: *out = (double)p->batch; return DSC_OK;
    case DSC_PROGRESS_BATCHES_PER_EPOCH: *out = (double)p->batches_per_epoch; return DSC_OK;
    case DSC_PROGRESS_LR: *out = p->lr; return DSC_OK;
    case DSC_PROGRESS_LOSS: *out = p->loss; return DSC_OK;
    case DSC_PROGRESS_EPOCH_LOSS:
        *out = p->loss_count > 0 ? p->loss_sum / p->loss_count : NAN;
        return DSC_OK;
    case DSC_PROGRESS_VAL_LOSS: *out = p->val_loss; return DSC_OK;
    case DSC_PROGRESS_VAL_ACCURACY: *out = p->val_acc; return DSC_OK;
    case DSC_PROGRESS_REFUSED: *out = (double)p->refused; return DSC_OK;
    case DSC_PROGRESS_REFUSED_IN_A_ROW: *out = (double)p->refused_row; return DSC_OK;
    case DSC_PROGRESS_ELAPSED: *out = p->running ? dsc__now() - p->t0 : p->elapsed; return DSC_OK;
    case DSC_PROGRESS_BEST_VAL_LOSS: *out = p->best_val; return DSC_OK;
    case DSC_PROGRESS_BEST_EPOCH: *out = (double)p->best_epoch; return DSC_OK;
    case DSC_PROGRESS_EPOCHS_WITHOUT_IMPROVEMENT: *out = (double)p->wait; return DSC_OK;
    case DSC_PROGRESS_STOP_REASON: *out = p->stop_reason; return DSC_OK;
    case DSC_PROGRESS_NOISE_SCALE:
    case DSC_PROGRESS_GRAD_SQ_NORM:
    case DSC_PROGRESS_GRAD_VARIANCE:
    case DSC_PROGRESS_NOISE_STEPS:
    case DSC_PROGRESS_OSCILLATION:
    case DSC_PROGRESS_LOSS_DROP_PER_EPOCH:
    case DSC_PROGRESS_LOSS_DROP_PER_SECOND:
        *out = dsc__noise_value(p->owner->noise, key);
        return DSC_OK;
    case DSC_PROGRESS_SUGGESTED_BATCH:
    case DSC_PROGRESS_SUGGESTED_LR:
        *out = suggestion(p->owner, key);
        return DSC_OK;
    }
    return dsc__error(DSC_E_UNSUPPORTED, "%s: key %d is not a dsc_progress_key", fn, (int)key);
}

/* ---- one batch ------------------------------------------------------------ */

size_t dsc__trainer_batch(const dsc_trainer *t) {
    return (t->batch_size == 0 || t->batch_size > t->count) ? t->count : t->batch_size;
}

size_t dsc__trainer_batches(const dsc_trainer *t) {
    size_t b = dsc__trainer_batch(t);
    size_t n = t->drop_last ? t->count / b : (t->count + b - 1) / b;
    return n == 0 ? 1 : n;
}

void dsc__trainer_new_order(dsc_trainer *t) {
    for (size_t i = 0; i < t->count; i++) t->order[i] = i;
    if (t->shuffle) dsc__rng_shuffle(&t->rng, t->order, t->count);
}

dsc_status dsc__trainer_train_batch(dsc_trainer *t, const size_t *rows, size_t n, int measure,
                                    double *loss) {
    double sum = 0.0, part_sq = 0.0;
    float *grads = NULL;
    const size_t part = measure && n >= 2 ? dsc__noise_part(n, t->noise_part) : 0;
    *loss = NAN;
    if (part == 0 && n <= t->max_batch) {
        /* One chunk, no gradient read in between: the fused step, which
         * gives the bits of the calls below with fewer passes. */
        double v;
        DSC_TRY(dsc_dataset_gather(t->train, rows, n, t->x, t->tgt, t->lab));
        dsc_status s = dsc__model_train_step("dsc_trainer_run", t->model, t->loss, t->opt, t->x,
                                             t->labels ? NULL : t->tgt,
                                             t->labels ? t->lab : NULL, n, &v);
        /* sum / n as below, so the loss reported does not depend on the path */
        if (s == DSC_OK || s == DSC_E_NONFINITE) *loss = isnan(v) ? v : v * (double)n / (double)n;
        /* A batch refused before its backward leaves gradients as a fresh
         * zero_grad would, as below. */
        if (s == DSC_E_NONFINITE && !isfinite(v)) DSC_TRY(dsc_model_zero_grad(t->model));
        return s;
    }
    DSC_TRY(dsc_model_zero_grad(t->model));
    if (part > 0) DSC_TRY(dsc_model_grads(t->model, &grads));
    for (size_t done = 0; done < n;) {
        size_t c = n - done < t->max_batch ? n - done : t->max_batch;
        if (done < part && c > part - done) c = part - done; /* the part ends a chunk */
        const float *y = NULL;
        double v = 0.0;
        DSC_TRY(dsc_dataset_gather(t->train, rows + done, c, t->x, t->tgt, t->lab));
        DSC_TRY(dsc_model_forward(t->model, t->x, c, &y));
        dsc_status s = t->labels
            ? dsc_loss_forward_labels(t->loss, y, t->lab, c, t->outputs, &v)
            : dsc_loss_forward(t->loss, y, t->tgt, c, t->outputs, &v);
        if (s == DSC_OK && !isfinite(v)) {
            *loss = v;
            s = DSC_E_NONFINITE;
        }
        if (s != DSC_OK) {
            /* A refused batch leaves gradients as a fresh zero_grad would. */
            if (s == DSC_E_NONFINITE) DSC_TRY(dsc_model_zero_grad(t->model));
            return s;
        }
        DSC_TRY(dsc_loss_backward(t->loss, t->dy));
        if (c != n) {
            float w = (float)((double)c / (double)n);
            for (size_t i = 0; i < c * t->outputs; i++) t->dy[i] *= w;
        }
        DSC_TRY(dsc_model_backward(t->model, t->dy, c));
        sum += v * (double)c;
        done += c;
        if (done == part) part_sq = dsc__noise_sq(t->model, grads, t->nparams);
    }
    *loss = sum / (double)n;
    /* The gradient now is the batch mean; after the part it was part/n
     * times the part's mean. The step never writes gradients. */
    double whole_sq = part > 0 ? dsc__noise_sq(t->model, grads, t->nparams) : 0.0;
    DSC_TRY(dsc_optimizer_step(t->opt));
    if (part > 0 && isfinite(part_sq) && isfinite(whole_sq)) {
        double scale = (double)n / (double)part;
        dsc__noise_add_pair(t->noise, part_sq * scale * scale, part, whole_sq, n);
    }
    return DSC_OK;
}

/* ---- evaluation ---------------------------------------------------------- */

dsc_status dsc_model_evaluate(dsc_model *model, dsc_loss *loss, const dsc_dataset *ds,
                              double *value, double *accuracy) {
    static const char fn[] = "dsc_model_evaluate";
    DSC_RETURN_IF(model == NULL || loss == NULL || ds == NULL, DSC_E_ARG,
                  "%s: %s must not be NULL", fn,
                  model == NULL ? "model" : loss == NULL ? "loss" : "ds");
    DSC_TRY(dsc__check_fit(model, loss, ds, fn));
    size_t mb = 0, n = 0, f = 0, w = 0;
    int training = 0, labels = 0;
    const float *x = NULL, *tg = NULL;
    const int32_t *lab = NULL;
    DSC_TRY(dsc_dataset_count(ds, &n));
    DSC_TRY(dsc_dataset_features(ds, &f));
    DSC_TRY(dsc_dataset_outputs(ds, &w));
    DSC_TRY(dsc_dataset_has_labels(ds, &labels));
    DSC_TRY(dsc_dataset_inputs(ds, &x));
    if (labels) DSC_TRY(dsc_dataset_labels(ds, &lab));
    else DSC_TRY(dsc_dataset_targets(ds, &tg));
    DSC_TRY(dsc_model_max_batch(model, &mb));
    DSC_TRY(dsc_model_is_training(model, &training));
    DSC_TRY(dsc_model_set_training(model, 0));
    double sum = 0.0, correct = 0.0;
    dsc_status s = DSC_OK;
    for (size_t i = 0; i < n && s == DSC_OK;) {
        size_t c = n - i < mb ? n - i : mb;
        const float *y = NULL;
        double v = 0.0, a = 0.0;
        s = dsc_model_forward(model, x + i * f, c, &y);
        if (s == DSC_OK)
            s = labels ? dsc_loss_forward_labels(loss, y, lab + i, c, w, &v)
                       : dsc_loss_forward(loss, y, tg + i * w, c, w, &v);
        if (s == DSC_OK && labels) s = dsc_accuracy(y, lab + i, c, w, &a);
        sum += v * (double)c;
        correct += nearbyint(a * (double)c);
        i += c;
    }
    dsc_status s2 = dsc_model_set_training(model, training);
    if (s != DSC_OK) return s;
    DSC_TRY(s2);
    if (value != NULL) *value = sum / (double)n;
    if (accuracy != NULL) *accuracy = labels ? correct / (double)n : NAN;
    return DSC_OK;
}

/* ---- the loop ------------------------------------------------------------- */

/* Calls a callback; while it runs, t->at says where the run stands (a
 * checkpoint saved from the callback records it). */
static int call(dsc_trainer *t, dsc_trainer_callback cb, void *user, int at) {
    if (cb == NULL) return 0;
    t->at = at;
    int stop = cb(&t->prog, user) != 0;
    t->at = DSC__AT_NONE;
    return stop;
}

static dsc_status too_many_refused(dsc_trainer *t, const char *fn) {
    dsc_progress *p = &t->prog;
    p->stop_reason = DSC_STOP_NONFINITE;
    return dsc__error(DSC_E_NONFINITE,
                      "%s: %llu batches in a row were refused for a non-finite loss, "
                      "gradient or update (epoch %llu, step %llu); training stopped", fn,
                      (unsigned long long)p->refused_row,
                      (unsigned long long)p->epoch, (unsigned long long)p->step);
}

/* The epochs of a run; resume (DSC__AT_*) continues a checkpoint's run
 * just after the callback it was saved from. */
static dsc_status run_epochs(dsc_trainer *t, float *params, int resume) {
    static const char fn[] = "dsc_trainer_run";
    dsc_progress *p = &t->prog;
    size_t b = dsc__trainer_batch(t), nb = dsc__trainer_batches(t);
    p->batches_per_epoch = nb;
    if (resume == DSC__AT_EPOCH && t->patience > 0 && p->wait >= t->patience) {
        p->stop_reason = DSC_STOP_EARLY;
        return DSC_OK;
    }
    while (resume == DSC__AT_BATCH || p->epoch - t->run_first < t->epochs) {
        size_t k = 0;
        if (resume == DSC__AT_BATCH) {
            k = (size_t)p->batch;
            if (t->max_nonfinite > 0 && p->refused_row >= t->max_nonfinite)
                return too_many_refused(t, fn);
        } else {
            p->epoch++;
            p->batch = 0;
            p->loss_sum = p->loss_count = 0.0;
            dsc__trainer_new_order(t);
        }
        resume = DSC__AT_NONE;
        for (; k < nb; k++) {
            size_t first = k * b, n = t->count - first < b ? t->count - first : b;
            double lr = NAN, loss = NAN;
            /* A group added since dsc_trainer_new (by a callback, say) is
             * caught before it is stepped; the check walks the groups only. */
            DSC_TRY(dsc__check_holds_model(t->opt, t->model, DSC_E_STATE, fn));
            DSC_TRY(dsc_optimizer_group_get(t->opt, 0, DSC_OPTIMIZER_PARAM_LR, &lr));
            dsc_status s = dsc__trainer_train_batch(
                t, t->order + first, n, t->measure && p->step % t->noise_interval == 0, &loss);
            p->step++;
            p->batch++;
            p->lr = lr;
            p->loss = loss;
            if (s == DSC_OK) {
                p->refused_row = 0;
                p->loss_sum += loss * (double)n;
                p->loss_count += (double)n;
                if (t->measure)
                    dsc__noise_add_loss(t->noise, loss,
                                        (double)(p->epoch - 1) + (double)p->batch / (double)nb,
                                        dsc__now());
                if (t->sched != NULL && t->stepping == DSC_STEP_PER_ITERATION)
                    DSC_TRY(dsc_lr_scheduler_step(t->sched));
            } else if (s == DSC_E_NONFINITE) {
                p->refused++;
                p->refused_row++;
            } else {
                return s;
            }
            if (call(t, t->step_cb, t->step_user, DSC__AT_BATCH)) {
                p->stop_reason = DSC_STOP_CALLBACK;
                return DSC_OK;
            }
            if (t->max_nonfinite > 0 && p->refused_row >= t->max_nonfinite)
                return too_many_refused(t, fn);
        }
        /* End of the epoch: validation, scheduler, early stopping, callback. */
        double metric = p->loss_count > 0 ? p->loss_sum / p->loss_count : NAN;
        if (t->val != NULL) {
            double v = NAN, a = NAN;
            dsc_status s = dsc_model_evaluate(t->model, t->loss, t->val, &v, &a);
            if (s == DSC_E_NONFINITE) v = a = NAN;
            else if (s != DSC_OK) return s;
            p->val_loss = v;
            p->val_acc = t->labels ? a : NAN;
            metric = v;
        }
        if (t->sched != NULL && t->stepping == DSC_STEP_PER_EPOCH)
            DSC_TRY(dsc_lr_scheduler_step(t->sched));
        if (t->sched != NULL && t->stepping == DSC_STEP_ON_METRIC)
            DSC_TRY(dsc_lr_scheduler_step_metric(t->sched, metric));
        int stop_early = 0;
        if (t->patience > 0) {
            double v = p->val_loss;
            if (isfinite(v) && (p->best_epoch == 0 || v < p->best_val - t->min_delta)) {
                p->best_val = v;
                p->best_epoch = p->epoch;
                p->wait = 0;
                memcpy(t->best, params, t->nparams * sizeof(float));
            } else {
                p->wait++;
                stop_early = p->wait >= t->patience;
            }
        }
        if (call(t, t->epoch_cb, t->epoch_user, DSC__AT_EPOCH)) {
            p->stop_reason = DSC_STOP_CALLBACK;
            return DSC_OK;
        }
        if (stop_early) {
            p->stop_reason = DSC_STOP_EARLY;
            return DSC_OK;
        }
    }
    p->stop_reason = DSC_STOP_EPOCHS;
    return DSC_OK;
}

dsc_status dsc_trainer_run(dsc_trainer *t) {
    static const char fn[] = "dsc_trainer_run";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    CHECK_IDLE(t, fn);
    DSC_RETURN_IF(t->patience > 0 && t->val == NULL, DSC_E_STATE,
                  "%s: early stopping (DSC_TRAINER_PARAM_PATIENCE %zu) needs a validation set; "
                  "call dsc_trainer_set_validation", fn, t->patience);
    size_t ng = 0, mb = 0;
    DSC_TRY(dsc_optimizer_group_count(t->opt, &ng));
    DSC_TRY(dsc_model_max_batch(t->model, &mb));
    DSC_RETURN_IF(ng == 0 || mb != t->max_batch, DSC_E_STATE,
                  "%s: the optimizer or the model changed since dsc_trainer_new", fn);
    float *params = NULL;
    DSC_TRY(dsc_model_params(t->model, &params));
    if (t->sched != NULL) { /* as PyTorch's constructor: the t = 0 lr applies to epoch 1 */
        double started = 1;
        DSC_TRY(dsc_lr_scheduler_state_get(t->sched, DSC_SCHED_STATE_STARTED, &started));
        if (started == 0) DSC_TRY(dsc_lr_scheduler_start(t->sched));
    }
    int resume = t->resume;
    DSC_RETURN_IF(resume != DSC__AT_NONE && (dsc__trainer_batch(t) != t->resume_batch ||
                                            dsc__trainer_batches(t) != t->prog.batches_per_epoch),
                  DSC_E_STATE, "%s: the run to resume (from a checkpoint) had batches of %zu "
                  "samples, %llu per epoch; the trainer's settings now give %zu, %zu: set them "
                  "back", fn, t->resume_batch, (unsigned long long)t->prog.batches_per_epoch,
                  dsc__trainer_batch(t), dsc__trainer_batches(t));
    DSC_TRY(dsc_model_set_training(t->model, 1));
    dsc_progress *p = &t->prog;
    p->stop_reason = DSC_STOP_NONE;
    if (resume == DSC__AT_NONE) {
        p->best_val = NAN;
        p->best_epoch = 0;
        p->wait = 0;
        t->run_first = p->epoch;
    }
    t->resume = DSC__AT_NONE;
    p->t0 = dsc__now();
    p->running = 1;
    t->busy = 1;
    dsc_status s = run_epochs(t, params, resume);
    t->busy = 0;
    if (s != DSC_OK && p->stop_reason == DSC_STOP_NONE) p->stop_reason = DSC_STOP_ERROR;
    if (t->patience > 0 && t->restore_best && p->best_epoch > 0)
        memcpy(params, t->best, t->nparams * sizeof(float));
    p->elapsed = dsc__now() - p->t0;
    p->running = 0;
    return s;
}
