/* Grid and random search over the learning rate, the batch size and a
 * schedule, each trial trained from the same initial parameters and a fresh
 * optimizer state, scored on the validation loss after a fixed number of
 * epochs. Random search draws lr log-uniformly (Bergstra & Bengio, 2012). */
#include "trainer_impl.h"
#include "../core/settings.h"
#include "../optim/optimizer_impl.h"

#include <math.h>
#include <string.h>

#define MAX_CANDIDATES ((size_t)1 << 20)

struct dsc_search {
    dsc_search_kind kind;
    const struct search_kind *sk;   /* its settings */
    size_t epochs, trials;
    uint64_t seed;
    double lr_min, lr_max;
    double *lrs;                    /* candidates; owned */
    size_t n_lrs;
    size_t *batches;
    size_t n_batches;
    dsc_lr_scheduler_kind *scheds;
    size_t n_scheds;
    /* Results of the last search. */
    size_t n_results;
    double *r_lr, *r_score;
    size_t *r_batch;
    dsc_lr_scheduler_kind *r_sched;
};

/* The settings each kind uses (lib/core/settings.h): a grid runs every
 * combination of its candidates, so only the epochs per trial apply to it;
 * the count, seed and lr range are the random search's. */
#define ROW_EPOCHS {DSC_SEARCH_PARAM_EPOCHS, "epochs", 1, 1, DSC__TWO_31, DSC__SET_INT}
static const dsc__setting grid_settings[] = {
    ROW_EPOCHS,
};
static const dsc__setting random_settings[] = {
    ROW_EPOCHS,
    {DSC_SEARCH_PARAM_TRIALS, "trials", 10, 1, (double)MAX_CANDIDATES, DSC__SET_INT},
    {DSC_SEARCH_PARAM_SEED, "seed", 0, 0, DSC__TWO_53, DSC__SET_INT},
    {DSC_SEARCH_PARAM_LR_MIN, "lr_min", 1e-4, 0, DSC__HP_MAX, DSC__SET_LO_OPEN},
    {DSC_SEARCH_PARAM_LR_MAX, "lr_max", 1, 0, DSC__HP_MAX, DSC__SET_LO_OPEN},
};

typedef struct search_kind {
    dsc_search_kind kind;
    const char *object; /* for messages */
    const dsc__setting *rows;
    size_t nrows;
} search_kind;

static const search_kind search_kinds[] = {
    {DSC_SEARCH_GRID, "a grid search", grid_settings,
     sizeof grid_settings / sizeof grid_settings[0]},
    {DSC_SEARCH_RANDOM, "a random search", random_settings,
     sizeof random_settings / sizeof random_settings[0]},
};

/* The entry of kind, or DSC_E_UNSUPPORTED naming fn and the value. */
static dsc_status lookup_kind(dsc_search_kind kind, const char *fn, const search_kind **out) {
    for (size_t i = 0; i < sizeof search_kinds / sizeof search_kinds[0]; i++) {
        if (search_kinds[i].kind != kind) continue;
        *out = &search_kinds[i];
        return DSC_OK;
    }
    return dsc__error(DSC_E_UNSUPPORTED, "%s: kind %d is not a dsc_search_kind", fn, (int)kind);
}

/* Stores a checked value (integral where the row says so). */
static void store(dsc_search *s, dsc_search_param key, double value) {
    switch (key) {
    case DSC_SEARCH_PARAM_EPOCHS: s->epochs = (size_t)value; break;
    case DSC_SEARCH_PARAM_TRIALS: s->trials = (size_t)value; break;
    case DSC_SEARCH_PARAM_SEED: s->seed = (uint64_t)value; break;
    case DSC_SEARCH_PARAM_LR_MIN: s->lr_min = value; break;
    case DSC_SEARCH_PARAM_LR_MAX: s->lr_max = value; break;
    }
}

static double load(const dsc_search *s, dsc_search_param key) {
    switch (key) {
    case DSC_SEARCH_PARAM_EPOCHS: return (double)s->epochs;
    case DSC_SEARCH_PARAM_TRIALS: return (double)s->trials;
    case DSC_SEARCH_PARAM_SEED: return (double)s->seed;
    case DSC_SEARCH_PARAM_LR_MIN: return s->lr_min;
    case DSC_SEARCH_PARAM_LR_MAX: return s->lr_max;
    }
    return NAN; /* not reached: the key was looked up in the kind's settings */
}

dsc_status dsc_search_new(dsc_search **out, dsc_search_kind kind) {
    static const char fn[] = "dsc_search_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out must not be NULL", fn);
    *out = NULL;
    const search_kind *sk = NULL;
    DSC_TRY(lookup_kind(kind, fn, &sk));
    dsc_search *s = dsc__calloc(1, sizeof *s);
    DSC_RETURN_IF(s == NULL, DSC_E_NOMEM, "%s: out of memory", fn);
    s->kind = kind;
    s->sk = sk;
    for (size_t i = 0; i < sk->nrows; i++)
        store(s, (dsc_search_param)sk->rows[i].key, sk->rows[i].def);
    *out = s;
    return DSC_OK;
}

static void free_results(dsc_search *s) {
    dsc__free(s->r_lr);
    dsc__free(s->r_score);
    dsc__free(s->r_batch);
    dsc__free(s->r_sched);
    s->r_lr = s->r_score = NULL;
    s->r_batch = NULL;
    s->r_sched = NULL;
    s->n_results = 0;
}

void dsc_search_free(dsc_search *s) {
    if (s == NULL) return;
    free_results(s);
    dsc__free(s->lrs);
    dsc__free(s->batches);
    dsc__free(s->scheds);
    dsc__free(s);
}

dsc_status dsc_search_set(dsc_search *s, dsc_search_param key, double value) {
    static const char fn[] = "dsc_search_set";
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s must not be NULL", fn);
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(s->sk->rows, s->sk->nrows, (int)key, fn, s->sk->object, &row));
    DSC_TRY(dsc__setting_check(row, value, fn));
    store(s, key, value);
    return DSC_OK;
}

dsc_status dsc_search_get(const dsc_search *s, dsc_search_param key, double *out) {
    static const char fn[] = "dsc_search_get";
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  s == NULL ? "s" : "out");
    const dsc__setting *row;
    DSC_TRY(dsc__setting_lookup(s->sk->rows, s->sk->nrows, (int)key, fn, s->sk->object, &row));
    *out = load(s, key);
    return DSC_OK;
}

dsc_status dsc_search_param_bounds(dsc_search_kind kind, dsc_search_param key, double *lo,
                                   double *hi) {
    static const char fn[] = "dsc_search_param_bounds";
    DSC_RETURN_IF(lo == NULL || hi == NULL, DSC_E_ARG, "%s: %s is NULL", fn, lo ? "hi" : "lo");
    const search_kind *sk = NULL;
    DSC_TRY(lookup_kind(kind, fn, &sk));
    return dsc__setting_query_bounds(sk->rows, sk->nrows, (int)key, fn, sk->object, lo, hi);
}

dsc_status dsc_search_param_default(dsc_search_kind kind, dsc_search_param key, double *out) {
    static const char fn[] = "dsc_search_param_default";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    const search_kind *sk = NULL;
    DSC_TRY(lookup_kind(kind, fn, &sk));
    return dsc__setting_query_default(sk->rows, sk->nrows, (int)key, fn, sk->object, out);
}

/* A copy of n elements of size sz; the caller frees its old list and keeps
 * this one (typed pointers are swapped by the caller, not through void **). */
static dsc_status copy_list(void **out, const void *src, size_t n, size_t sz, const char *fn) {
    *out = dsc__alloc(n * sz);
    DSC_RETURN_IF(*out == NULL, DSC_E_NOMEM, "%s: out of memory for %zu candidates", fn, n);
    memcpy(*out, src, n * sz);
    return DSC_OK;
}

#define CHECK_LIST(fn, s, p, n)                                                          \
    DSC_RETURN_IF((s) == NULL || (p) == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,   \
                  (s) == NULL ? "s" : "the candidate array");                            \
    DSC_RETURN_IF((n) < 1 || (n) > MAX_CANDIDATES, DSC_E_ARG,                             \
                  "%s: n is %zu; it must be in [1, 2^20]", fn, (size_t)(n))

dsc_status dsc_search_set_lrs(dsc_search *s, const double *lrs, size_t n) {
    static const char fn[] = "dsc_search_set_lrs";
    CHECK_LIST(fn, s, lrs, n);
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(!(lrs[i] > 0) || !(lrs[i] <= DSC__HP_MAX), DSC_E_ARG,
                      "%s: lrs[%zu] is %g; every lr must be in (0, 2^32], the optimizer's lrs",
                      fn, i, lrs[i]);
    void *copy = NULL;
    DSC_TRY(copy_list(&copy, lrs, n, sizeof *lrs, fn));
    dsc__free(s->lrs);
    s->lrs = copy;
    s->n_lrs = n;
    return DSC_OK;
}

dsc_status dsc_search_set_batch_sizes(dsc_search *s, const size_t *sizes, size_t n) {
    static const char fn[] = "dsc_search_set_batch_sizes";
    CHECK_LIST(fn, s, sizes, n);
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(sizes[i] > ((size_t)1 << 31), DSC_E_ARG,
                      "%s: sizes[%zu] is %zu; it must be at most 2^31 (0: full batch)", fn, i,
                      sizes[i]);
    void *copy = NULL;
    DSC_TRY(copy_list(&copy, sizes, n, sizeof *sizes, fn));
    dsc__free(s->batches);
    s->batches = copy;
    s->n_batches = n;
    return DSC_OK;
}

static int sched_supported(dsc_lr_scheduler_kind k) {
    return k == DSC_SCHED_CONSTANT || k == DSC_SCHED_STEP || k == DSC_SCHED_EXPONENTIAL ||
           k == DSC_SCHED_COSINE || k == DSC_SCHED_INVERSE_TIME;
}

dsc_status dsc_search_set_schedules(dsc_search *s, const dsc_lr_scheduler_kind *kinds, size_t n) {
    static const char fn[] = "dsc_search_set_schedules";
    CHECK_LIST(fn, s, kinds, n);
    for (size_t i = 0; i < n; i++)
        DSC_RETURN_IF(!sched_supported(kinds[i]), DSC_E_UNSUPPORTED,
                      "%s: kinds[%zu] is %d; a search supports DSC_SCHED_CONSTANT, _STEP, "
                      "_EXPONENTIAL, _COSINE and _INVERSE_TIME", fn, i, (int)kinds[i]);
    void *copy = NULL;
    DSC_TRY(copy_list(&copy, kinds, n, sizeof *kinds, fn));
    dsc__free(s->scheds);
    s->scheds = copy;
    s->n_scheds = n;
    return DSC_OK;
}

dsc_status dsc_search_trial_count(const dsc_search *s, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG,
                  "dsc_search_trial_count: %s must not be NULL", s == NULL ? "s" : "out");
    *out = s->n_results;
    return DSC_OK;
}

dsc_status dsc_search_trial(const dsc_search *s, size_t index, double *lr, size_t *batch_size,
                            dsc_lr_scheduler_kind *schedule, double *val_loss) {
    static const char fn[] = "dsc_search_trial";
    if (lr != NULL) *lr = 0.0;
    if (batch_size != NULL) *batch_size = 0;
    if (schedule != NULL) *schedule = (dsc_lr_scheduler_kind)0;
    if (val_loss != NULL) *val_loss = 0.0;
    DSC_RETURN_IF(s == NULL, DSC_E_ARG, "%s: s must not be NULL", fn);
    DSC_RETURN_IF(index >= s->n_results, DSC_E_ARG,
                  "%s: index is %zu; the last search had %zu trials", fn, index, s->n_results);
    if (lr != NULL) *lr = s->r_lr[index];
    if (batch_size != NULL) *batch_size = s->r_batch[index];
    if (schedule != NULL) *schedule = s->r_sched[index];
    if (val_loss != NULL) *val_loss = s->r_score[index];
    return DSC_OK;
}

dsc_status dsc_search_best(const dsc_search *s, size_t *out) {
    static const char fn[] = "dsc_search_best";
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(s == NULL || out == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  s == NULL ? "s" : "out");
    size_t best = s->n_results;
    for (size_t i = 0; i < s->n_results; i++)
        if (isfinite(s->r_score[i]) && (best == s->n_results || s->r_score[i] < s->r_score[best]))
            best = i;
    DSC_RETURN_IF(best == s->n_results, DSC_E_STATE, "%s: %s", fn,
                  s->n_results == 0 ? "no search has run" : "every trial diverged");
    *out = best;
    return DSC_OK;
}

/* A trial's schedule over E epochs, stepped per epoch. */
static dsc_status make_sched(dsc_lr_scheduler **out, dsc_lr_scheduler_kind kind,
                             dsc_optimizer *opt, size_t epochs) {
    *out = NULL;
    if (kind == DSC_SCHED_CONSTANT) return DSC_OK;
    dsc_lr_scheduler *sc = NULL;
    DSC_TRY(dsc_lr_scheduler_new(&sc, kind, opt));
    dsc_status st = DSC_OK;
    double e = (double)epochs;
    switch (kind) {
    case DSC_SCHED_STEP:
        st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_STEP_SIZE, fmax(1.0, floor(e / 3.0)));
        if (st == DSC_OK) st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_GAMMA, 0.1);
        break;
    case DSC_SCHED_EXPONENTIAL: st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_GAMMA, pow(0.01, 1.0 / e)); break;
    case DSC_SCHED_COSINE: st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_T_MAX, e); break;
    case DSC_SCHED_INVERSE_TIME:
        st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_DECAY_RATE, 1.0);
        if (st == DSC_OK) st = dsc_lr_scheduler_set(sc, DSC_SCHED_PARAM_DECAY_STEPS, 1.0);
        break;
    default: break;
    }
    if (st == DSC_OK) st = dsc_lr_scheduler_start(sc);
    if (st != DSC_OK) {
        dsc_lr_scheduler_free(sc);
        return st;
    }
    *out = sc;
    return DSC_OK;
}

/* Runs every trial; the caller restores the trainer afterwards. */
static dsc_status run_trials(dsc_trainer *t, dsc_search *s, const float *init, float *params,
                             size_t n) {
    dsc_rng draw;
    dsc__rng_seed(&draw, s->seed);
    size_t nb = s->n_batches ? s->n_batches : 1, ns = s->n_scheds ? s->n_scheds : 1;
    size_t default_batch = t->batch_size;
    dsc_progress prog0 = t->prog;
    for (size_t i = 0; i < n; i++) {
        double lr;
        size_t ib, is;
        if (s->kind == DSC_SEARCH_GRID) {
            lr = s->lrs[i / (nb * ns)];
            ib = (i / ns) % nb;
            is = i % ns;
        } else {
            double u = dsc__rng_double(&draw);
            lr = exp(log(s->lr_min) + u * (log(s->lr_max) - log(s->lr_min)));
            ib = (size_t)dsc__rng_below(&draw, nb);
            is = (size_t)dsc__rng_below(&draw, ns);
        }
        s->r_lr[i] = lr;
        s->r_batch[i] = s->n_batches ? s->batches[ib] : default_batch;
        s->r_sched[i] = s->n_scheds ? s->scheds[is] : DSC_SCHED_CONSTANT;

        memcpy(params, init, t->nparams * sizeof(float));
        DSC_TRY(dsc_optimizer_reset_state(t->opt));
        DSC_TRY(dsc_model_zero_grad(t->model));
        DSC_TRY(dsc__set_all_lr(t->opt, lr));
        t->batch_size = s->r_batch[i];
        t->epochs = s->epochs;
        t->stepping = DSC_STEP_PER_EPOCH;
        dsc__rng_seed(&t->rng, t->seed);
        t->prog = prog0;
        dsc_lr_scheduler *sc = NULL;
        DSC_TRY(make_sched(&sc, s->r_sched[i], t->opt, s->epochs));
        t->sched = sc;
        t->busy = 0;
        dsc_status st = dsc_trainer_run(t);
        t->busy = 1;
        t->sched = NULL;
        dsc_lr_scheduler_free(sc);
        double v = INFINITY;
        if (st == DSC_OK) st = dsc_model_evaluate(t->model, t->loss, t->val, &v, NULL);
        if (st == DSC_E_NONFINITE || (st == DSC_OK && !isfinite(v))) {
            v = INFINITY;
            st = DSC_OK;
        }
        if (st != DSC_OK) return st;
        s->r_score[i] = v;
    }
    return DSC_OK;
}

dsc_status dsc_trainer_search(dsc_trainer *t, dsc_search *s) {
    static const char fn[] = "dsc_trainer_search";
    DSC_RETURN_IF(t == NULL || s == NULL, DSC_E_ARG, "%s: %s must not be NULL", fn,
                  t == NULL ? "t" : "s");
    DSC_RETURN_IF(t->busy, DSC_E_STATE, "%s: the trainer is running (called from a callback?)",
                  fn);
    DSC_RETURN_IF(t->val == NULL, DSC_E_STATE,
                  "%s: trials are scored on the validation loss; call dsc_trainer_set_validation",
                  fn);
    DSC_RETURN_IF(s->kind == DSC_SEARCH_GRID && s->n_lrs == 0, DSC_E_STATE,
                  "%s: a grid search needs candidate lrs; call dsc_search_set_lrs", fn);
    DSC_RETURN_IF(s->kind == DSC_SEARCH_RANDOM && s->lr_max < s->lr_min, DSC_E_ARG,
                  "%s: lr_max (%g) is below lr_min (%g)", fn, s->lr_max, s->lr_min);
    DSC_RETURN_IF(t->patience > 0 && t->val == NULL, DSC_E_STATE,
                  "%s: early stopping needs a validation set", fn);
    size_t nb = s->n_batches ? s->n_batches : 1, ns = s->n_scheds ? s->n_scheds : 1;
    size_t n = s->trials;
    if (s->kind == DSC_SEARCH_GRID) {
        DSC_RETURN_IF(!dsc__mul_ok(s->n_lrs, nb, &n) || !dsc__mul_ok(n, ns, &n) ||
                          n > ((size_t)1 << 24), DSC_E_ARG,
                      "%s: the grid has more than 2^24 combinations", fn);
    }
    float *params = NULL;
    int training = 1;
    DSC_TRY(dsc_model_params(t->model, &params));
    DSC_TRY(dsc_model_is_training(t->model, &training));

    /* Everything the trials change, saved first. */
    double *r_lr = dsc__calloc(n, sizeof *r_lr), *r_score = dsc__calloc(n, sizeof *r_score);
    size_t *r_batch = dsc__calloc(n, sizeof *r_batch);
    dsc_lr_scheduler_kind *r_sched = dsc__calloc(n, sizeof *r_sched);
    float *init = dsc__calloc(t->nparams ? t->nparams : 1, sizeof(float));
    dsc__opt_snapshot snap;
    dsc_status st = DSC_E_NOMEM;
    if (r_lr != NULL && r_score != NULL && r_batch != NULL && r_sched != NULL && init != NULL)
        st = dsc__opt_snapshot_take(&snap, t->opt, fn);
    else
        dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu trials", fn, n);
    if (st != DSC_OK) {
        dsc__free(r_lr);
        dsc__free(r_score);
        dsc__free(r_batch);
        dsc__free(r_sched);
        dsc__free(init);
        return st;
    }
    free_results(s);
    s->r_lr = r_lr;
    s->r_score = r_score;
    s->r_batch = r_batch;
    s->r_sched = r_sched;
    s->n_results = n;
    memcpy(init, params, t->nparams * sizeof(float));
    size_t batch_size = t->batch_size, epochs = t->epochs;
    int stepping = t->stepping;
    dsc_lr_scheduler *sched = t->sched;
    dsc_rng rng = t->rng;
    dsc_progress prog = t->prog;

    t->resume = DSC__AT_NONE; /* the trials' runs replace a checkpoint's pending run */
    t->busy = 1;
    st = run_trials(t, s, init, params, n);
    t->busy = 0;

    memcpy(params, init, t->nparams * sizeof(float));
    dsc_status r = dsc__opt_snapshot_restore(&snap, t->opt);
    if (r == DSC_OK) r = dsc_model_zero_grad(t->model);
    if (r == DSC_OK) r = dsc_model_set_training(t->model, training);
    dsc__opt_snapshot_free(&snap);
    dsc__free(init);
    t->batch_size = batch_size;
    t->epochs = epochs;
    t->stepping = stepping;
    t->sched = sched;
    t->rng = rng;
    t->prog = prog;
    if (st != DSC_OK) {
        free_results(s);
        return st;
    }
    return r;
}
