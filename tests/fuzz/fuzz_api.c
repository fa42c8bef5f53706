/* Fuzz target: sequences of API calls. A model, a loss, an optimizer over
 * the model (and now and then a host group), maybe a scheduler, a data set
 * and a trainer are built from the first bytes; the rest is a list of
 * calls (setters, steps, forward and backward passes, getters, training
 * runs) with arguments from the bytes, valid or not.
 *
 * Invariants, for every call: it returns a known status, with a message on
 * failure; a refused call changes nothing a caller can observe (the model's
 * parameters, gradients and mode, every optimizer hyperparameter, state
 * buffer and step count, the scheduler's saved state and settings, the loss
 * and trainer settings, the host's arrays); a getter changes nothing even
 * when it succeeds; a callback's calls that would change the trainer are
 * refused. Documented exceptions: a refused optimizer step counts itself and
 * records the norm (not compared), a gradient hook may write the gradients
 * before a step is refused, and dsc_trainer_run may fail after some training
 * (not compared). With DSC_FUZZ_STRICT=1 (fuzz.h) also: a call returning
 * DSC_OK leaves finite parameters finite, registering parameters an
 * optimizer already holds is refused, and so is a predict whose output
 * overlaps its input. */
#include "objects.h"

#define MAX_IN 4
#define MAX_LAYERS 4
#define MAX_ROWS 8
#define MAX_PARAMS FZ_SNAP_N

static const dsc_trainer_param trainer_keys[] = {
    DSC_TRAINER_PARAM_BATCH_SIZE, DSC_TRAINER_PARAM_EPOCHS,        DSC_TRAINER_PARAM_SEED,
    DSC_TRAINER_PARAM_SHUFFLE,    DSC_TRAINER_PARAM_DROP_LAST,     DSC_TRAINER_PARAM_SCHED_STEPPING,
    DSC_TRAINER_PARAM_PATIENCE,   DSC_TRAINER_PARAM_MIN_DELTA,     DSC_TRAINER_PARAM_RESTORE_BEST,
    DSC_TRAINER_PARAM_MAX_NONFINITE, DSC_TRAINER_PARAM_FINDER_BETA, DSC_TRAINER_PARAM_FINDER_DIVERGE,
    (dsc_trainer_param)0,         (dsc_trainer_param)7,
};
#define N_TRAINER_KEYS (sizeof trainer_keys / sizeof trainer_keys[0])

static const dsc_loss_param loss_keys[] = {DSC_LOSS_PARAM_DELTA, DSC_LOSS_PARAM_BETA, (dsc_loss_param)0,
                                           (dsc_loss_param)3};
#define N_LOSS_KEYS (sizeof loss_keys / sizeof loss_keys[0])

/* The optimizer's gradient hook: mode 1 refuses the step, 2 halves the
 * gradients, 3 puts a NaN in the first. */
static int hook_mode;
static dsc_status hook(dsc_optimizer *opt, size_t group, float *grads, size_t n, void *user) {
    (void)opt;
    (void)group;
    (void)user;
    if (hook_mode == 1) return DSC_E_ARG; /* a failing reduce (an MPI error, say) */
    for (size_t i = 0; i < n && hook_mode == 2; i++) grads[i] *= 0.5f;
    if (hook_mode == 3 && n > 0) grads[0] = NAN;
    return DSC_OK;
}

/* The trainer's callbacks try to change the trainer (refused with
 * DSC_E_STATE) and stop training when callback_stop says so. */
static int callback_stop, callback_refusals;
static int callback(const dsc_progress *p, void *user) {
    dsc_trainer *t = user;
    double v = 0.0;
    FZ_OK(dsc_progress_get(p, DSC_PROGRESS_STEP, &v));
    if (dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, 2) != DSC_E_STATE) callback_refusals = -1000;
    else callback_refusals++;
    return callback_stop > 0 && v >= callback_stop;
}

typedef struct world {
    dsc_model *model;
    dsc_loss *loss;
    dsc_loss_kind loss_kind;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;
    dsc_dataset *ds;
    dsc_trainer *trainer;
    size_t in, out, max_batch, nparams, layers;
    fz_arrays host;              /* groups added from the host, after the model's */
    float x[MAX_ROWS * MAX_IN];  /* the data set's inputs (borrowed by it) */
    float t[MAX_ROWS * 8];       /* its targets */
    int32_t labels[MAX_ROWS];
    size_t rows;
    float dy[MAX_ROWS * 8];      /* loss gradients of the manual loop */
    float pred[MAX_ROWS * 8];
} world;

typedef struct snap {
    size_t nparams;
    float params[MAX_PARAMS], grads[MAX_PARAMS];
    int training;
    fz_opt_snap opt;
    int has_sched;
    fz_sched_snap sched;
    double loss_hp[N_LOSS_KEYS];
    dsc_status loss_st[N_LOSS_KEYS];
    double trainer_hp[N_TRAINER_KEYS];
    dsc_status trainer_st[N_TRAINER_KEYS];
    float x[MAX_ROWS * MAX_IN], t[MAX_ROWS * 8];
    int32_t labels[MAX_ROWS];
} snap;

static void take(const world *w, snap *s) {
    memset(s, 0, sizeof *s);
    FZ_OK(dsc_model_param_count(w->model, &s->nparams));
    FZ_CHECK(s->nparams <= MAX_PARAMS, "%zu parameters", s->nparams);
    float *p = NULL, *g = NULL;
    FZ_OK(dsc_model_params(w->model, &p));
    FZ_OK(dsc_model_grads(w->model, &g));
    memcpy(s->params, p, s->nparams * sizeof *p);
    memcpy(s->grads, g, s->nparams * sizeof *g);
    FZ_OK(dsc_model_is_training(w->model, &s->training));
    fz_opt_snapshot(w->opt, &w->host, &s->opt);
    s->has_sched = w->sched != NULL;
    if (w->sched != NULL) fz_sched_snapshot(w->sched, &s->sched);
    /* Only the keys that exist: a refused get formats a message, which
     * would cost more than the rest of the snapshot. */
    const size_t loss_key = w->loss_kind == DSC_LOSS_HUBER ? 0 : w->loss_kind == DSC_LOSS_SMOOTH_L1 ? 1 : N_LOSS_KEYS;
    if (loss_key < N_LOSS_KEYS)
        s->loss_st[loss_key] = dsc_loss_get(w->loss, loss_keys[loss_key], &s->loss_hp[loss_key]);
    if (w->trainer != NULL)
        for (size_t k = 0; k < N_TRAINER_KEYS - 2; k++) /* the last two are not keys */
            s->trainer_st[k] = dsc_trainer_get(w->trainer, trainer_keys[k], &s->trainer_hp[k]);
    memcpy(s->x, w->x, sizeof s->x);
    memcpy(s->t, w->t, sizeof s->t);
    memcpy(s->labels, w->labels, sizeof s->labels);
}

static int finite_params(const snap *s) {
    return fz_all_finite(s->params, s->nparams);
}

/* The model: 1..4 inputs, 1..4 layers (dense, activation, leaky ReLU,
 * dropout), built for 1..4 rows. Refused additions are checked statuses. */
static void build_model(fz *f, world *w) {
    w->in = 1 + fz_pick(f, MAX_IN);
    FZ_OK(dsc_model_new(&w->model, w->in));
    const size_t layers = 1 + fz_pick(f, MAX_LAYERS);
    for (size_t i = 0; i < layers; i++) {
        const uint8_t b = fz_u8(f);
        dsc_status st;
        dsc__error_clear();
        switch (b % 5) {
        case 0:
        case 1: {
            const size_t out = 1 + fz_pick(f, 4);
            st = dsc_model_add_dense(w->model, out, (int)fz_pick(f, 2));
            break;
        }
        case 2:
            st = dsc_model_add_activation(w->model, (dsc_activation)fz_pick(f, 8));
            break;
        case 3:
            st = dsc_model_add_leaky_relu(w->model, fz_double(f));
            break;
        default: {
            const double p = fz_double(f);
            st = dsc_model_add_dropout(w->model, p, fz_u8(f));
            break;
        }
        }
        FZ_STATUS(st, "dsc_model_add_*");
    }
    /* A dense layer last, so there are parameters. */
    FZ_OK(dsc_model_add_dense(w->model, 1 + fz_pick(f, 3), 1));
    w->max_batch = 1 + fz_pick(f, 4);
    FZ_OK(dsc_model_build(w->model, w->max_batch));
    FZ_OK(dsc_model_widths(w->model, NULL, &w->out));
    FZ_OK(dsc_model_param_count(w->model, &w->nparams));
    FZ_OK(dsc_model_layer_count(w->model, &w->layers));
}

static void build_data(fz *f, world *w) {
    w->rows = 1 + fz_pick(f, MAX_ROWS);
    for (size_t i = 0; i < w->rows * w->in; i++) w->x[i] = fz_finite_float(f);
    for (size_t i = 0; i < w->rows * w->out; i++) w->t[i] = fz_finite_float(f);
    for (size_t i = 0; i < w->rows; i++) w->labels[i] = (int32_t)fz_pick(f, w->out);
    if (w->loss_kind == DSC_LOSS_CROSS_ENTROPY)
        FZ_OK(dsc_dataset_new_labels(&w->ds, w->x, w->labels, w->rows, w->in, w->out, DSC_DATASET_BORROW));
    else
        FZ_OK(dsc_dataset_new_targets(&w->ds, w->x, w->t, w->rows, w->in, w->out, DSC_DATASET_BORROW));
}

static void build(fz *f, world *w) {
    memset(w, 0, sizeof *w);
    build_model(f, w);
    w->loss_kind = (dsc_loss_kind)(1 + fz_pick(f, 6));
    FZ_OK(dsc_loss_new(&w->loss, w->loss_kind));
    build_data(f, w);
    const dsc_optimizer_kind kind = (dsc_optimizer_kind)(1 + fz_pick(f, 10));
    FZ_OK(dsc_optimizer_new(&w->opt, kind));
    FZ_OK(dsc_optimizer_add_model(w->opt, w->model, NULL));
    if (fz_u8(f) & 1) {
        w->host.groups = 1;
        w->host.n[0] = 1 + fz_pick(f, FZ_MAX_N);
        for (size_t i = 0; i < w->host.n[0]; i++) w->host.p[0][i] = 0.5f * (float)i;
        FZ_OK(dsc_optimizer_add_params(w->opt, w->host.p[0], w->host.g[0], w->host.n[0], NULL));
    }
    fz_optimizer_settings(f, w->opt);
    if (fz_u8(f) & 1) w->sched = fz_make_sched(f, w->opt, 0);
    dsc__error_clear();
    const dsc_status st = dsc_trainer_new(&w->trainer, w->model, w->loss, w->opt, w->ds);
    FZ_STATUS(st, "dsc_trainer_new");
    FZ_CHECK(st == DSC_OK || w->trainer == NULL, "a failed dsc_trainer_new left a trainer");
    hook_mode = 0;
    callback_stop = 0;
    callback_refusals = 0;
}

static void release(world *w) {
    dsc_trainer_free(w->trainer);
    dsc_lr_scheduler_free(w->sched);
    dsc_optimizer_free(w->opt);
    dsc_dataset_free(w->ds);
    dsc_loss_free(w->loss);
    dsc_model_free(w->model);
}

/* A forward, loss, backward: each call checked on its own by the caller. */
static dsc_status manual_pass(fz *f, world *w, const char **what) {
    const size_t batch = fz_pick(f, w->max_batch + 2); /* 0 and too many now and then */
    const size_t rows = batch < w->rows ? batch : w->rows;
    const size_t back_rows = fz_u8(f) < 0xf0 ? rows : rows + 1; /* read now: same bytes whatever fails */
    const float *y = NULL;
    *what = "dsc_model_forward";
    dsc_status st = dsc_model_forward(w->model, w->x, rows, &y);
    if (st != DSC_OK) return st;
    double value = 0.0;
    *what = "dsc_loss_forward";
    if (w->loss_kind == DSC_LOSS_CROSS_ENTROPY) {
        *what = "dsc_loss_forward_labels";
        st = dsc_loss_forward_labels(w->loss, y, w->labels, rows, w->out, &value);
    } else {
        st = dsc_loss_forward(w->loss, y, w->t, rows, w->out, &value);
    }
    if (st != DSC_OK) return st;
    *what = "dsc_loss_backward";
    st = dsc_loss_backward(w->loss, w->dy);
    if (st != DSC_OK) return st;
    *what = "dsc_model_backward";
    return dsc_model_backward(w->model, w->dy, back_rows);
}

/* Every getter with arguments from the bytes: statuses only, nothing changes. */
static void getters(fz *f, world *w) {
    double d = 0.0, lo = 0.0, hi = 0.0;
    size_t z = 0;
    uint64_t u = 0;
    int i = 0;
    float buf[MAX_PARAMS];
    const size_t layer = fz_pick(f, w->layers + 1);
    const size_t n = fz_size(f, 24);
    const size_t group = fz_pick(f, 4);
    dsc_layer_kind kind;
    const dsc_progress *prog = NULL;
    const char *name = NULL;
    dsc_status st[24];
    size_t k = 0;
    st[k++] = dsc_model_layer_info(w->model, layer, &kind, &z, &z);
    st[k++] = dsc_model_layer_param_count(w->model, layer, &z);
    st[k++] = dsc_model_get_weight(w->model, layer, buf, n < MAX_PARAMS ? n : MAX_PARAMS);
    st[k++] = dsc_model_get_bias(w->model, layer, buf, n < MAX_PARAMS ? n : MAX_PARAMS);
    st[k++] = dsc_model_get_weight_grad(w->model, layer, buf, n < MAX_PARAMS ? n : MAX_PARAMS);
    st[k++] = dsc_model_get_bias_grad(w->model, layer, buf, n < MAX_PARAMS ? n : MAX_PARAMS);
    st[k++] = dsc_optimizer_group_get(w->opt, group, fz_opt_keys[fz_pick(f, FZ_N_OPT_KEYS)], &d);
    st[k++] = dsc_optimizer_group_step_count(w->opt, group, &u);
    st[k++] = dsc_optimizer_state_get(w->opt, group, fz_pick(f, 4), buf, n < MAX_PARAMS ? n : MAX_PARAMS);
    st[k++] = dsc_optimizer_state_in_use(w->opt, group, fz_pick(f, 4), &i);
    st[k++] = dsc_optimizer_state_name(w->opt, fz_pick(f, 4), &name);
    st[k++] = dsc_optimizer_last_grad_norm(w->opt, &d);
    const int okind = (int)fz_pick(f, 12), lkind = (int)fz_pick(f, 8), skind = (int)fz_pick(f, 19);
    const dsc_optimizer_param okey = fz_opt_keys[fz_pick(f, FZ_N_OPT_KEYS)];
    const dsc_loss_param lkey = loss_keys[fz_pick(f, N_LOSS_KEYS)];
    const dsc_sched_param skey = fz_sched_keys[fz_pick(f, FZ_N_SCHED_KEYS)];
    st[k++] = dsc_optimizer_param_bounds((dsc_optimizer_kind)okind, okey, &lo, &hi);
    st[k++] = dsc_loss_param_bounds((dsc_loss_kind)lkind, lkey, &lo, &hi);
    st[k++] = dsc_trainer_param_bounds(trainer_keys[fz_pick(f, N_TRAINER_KEYS)], &lo, &hi);
    st[k++] = dsc_lr_scheduler_param_default((dsc_lr_scheduler_kind)skind, skey, &d);
    if (w->sched != NULL) {
        st[k++] = dsc_lr_scheduler_lr(w->sched, group, &d);
        st[k++] = dsc_lr_scheduler_state_get(w->sched, (dsc_sched_state_key)fz_pick(f, 24), &d);
        st[k++] = dsc_lr_scheduler_group_get(w->sched, group, fz_sched_keys[fz_pick(f, FZ_N_SCHED_KEYS)], &d);
    }
    if (w->trainer != NULL) {
        st[k++] = dsc_trainer_progress(w->trainer, &prog);
        if (prog != NULL) st[k++] = dsc_progress_get(prog, (dsc_progress_key)fz_pick(f, 18), &d);
    }
    for (size_t j = 0; j < k; j++) FZ_CHECK((int)st[j] >= 0 && st[j] < DSC_E_INTERNAL, "getter %zu: %d", j, (int)st[j]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size};
    static world w;
    static snap before, after;
    build(&f, &w);

    for (int count = 0; count < 40 && fz_more(&f); count++) {
        const uint8_t op = fz_u8(&f);
        /* Arguments common to many calls, read first: C leaves the order
         * of evaluation of a call's arguments open, and the replay build
         * must read the bytes as the clang build does. */
        const size_t group = fz_pick(&f, 3);
        const double value = fz_double(&f);
        const dsc_optimizer_param okey = fz_opt_keys[fz_pick(&f, FZ_N_OPT_KEYS)];
        const dsc_sched_param skey = fz_sched_keys[fz_pick(&f, FZ_N_SCHED_KEYS)];
        take(&w, &before);
        dsc_status st = DSC_OK;
        const char *what = "";
        int compare = 1;   /* a refusal must change nothing */
        int getter = 0;    /* nothing may change at all */
        int pass = 0;      /* a manual pass: parameters never change */
        dsc__error_clear();
        switch (op % 24) {
        case 0:
            what = "dsc_optimizer_set";
            st = dsc_optimizer_set(w.opt, okey, value);
            break;
        case 1:
            what = "dsc_optimizer_group_set";
            st = dsc_optimizer_group_set(w.opt, group, okey, value);
            break;
        case 2:
            what = "dsc_optimizer_step";
            st = dsc_optimizer_step(w.opt);
            break;
        case 3:
            what = "dsc_optimizer_zero_grad";
            st = dsc_optimizer_zero_grad(w.opt);
            break;
        case 4: {
            float src[MAX_PARAMS];
            for (size_t i = 0; i < MAX_PARAMS; i++) src[i] = i < 16 ? fz_float(&f) : 0.25f;
            const size_t index = fz_pick(&f, 4);
            const uint8_t b = fz_u8(&f);
            size_t n = 0;
            if (dsc_optimizer_group_size(w.opt, group, &n) != DSC_OK || (b & 0xc0) == 0xc0) n = fz_size(&f, 16);
            dsc__error_clear();
            what = "dsc_optimizer_state_set";
            st = dsc_optimizer_state_set(w.opt, group, index, src, n < MAX_PARAMS ? n : MAX_PARAMS);
            break;
        }
        case 5: {
            const uint8_t b = fz_u8(&f);
            const uint64_t steps = b < 0x80 ? b : b < 0xc0 ? UINT64_MAX - (b & 3) : fz_u64(&f);
            what = "dsc_optimizer_group_set_step_count";
            st = dsc_optimizer_group_set_step_count(w.opt, group, steps);
            break;
        }
        case 6:
            what = "dsc_optimizer_reset_state";
            st = dsc_optimizer_reset_state(w.opt);
            break;
        case 7:
            if (w.sched == NULL) continue;
            what = "dsc_lr_scheduler_set";
            if (fz_u8(&f) & 1)
                st = dsc_lr_scheduler_set(w.sched, skey, value);
            else
                st = dsc_lr_scheduler_group_set(w.sched, group, skey, value);
            break;
        case 8:
            if (w.sched == NULL) continue;
            what = "dsc_lr_scheduler_step";
            st = (fz_u8(&f) & 1) ? dsc_lr_scheduler_step_metric(w.sched, value) : dsc_lr_scheduler_step(w.sched);
            break;
        case 9:
            if (w.sched == NULL) continue;
            what = "dsc_lr_scheduler_start";
            st = dsc_lr_scheduler_start(w.sched);
            break;
        case 10: {
            if (w.sched == NULL) continue;
            double buf[FZ_MAX_SCHED_STATE];
            size_t n = before.sched.n;
            memcpy(buf, before.sched.state, n * sizeof *buf);
            for (size_t i = fz_pick(&f, 3); i > 0; i--) {
                const size_t at = fz_pick(&f, n);
                buf[at] = fz_double(&f);
            }
            what = "dsc_lr_scheduler_state_load";
            st = dsc_lr_scheduler_state_load(w.sched, buf, n);
            break;
        }
        case 11: {
            float src[MAX_PARAMS];
            for (size_t i = 0; i < MAX_PARAMS; i++) src[i] = i < 16 ? fz_float(&f) : -0.5f;
            const size_t layer = fz_pick(&f, w.layers + 1);
            size_t in = 0, out = 0;
            (void)dsc_model_layer_info(w.model, layer, NULL, &in, &out);
            const uint8_t b = fz_u8(&f);
            size_t n = (b & 1) ? out : in * out;
            if ((b & 0xc0) == 0xc0) n = fz_size(&f, 16);
            if (n > MAX_PARAMS) n = MAX_PARAMS;
            dsc__error_clear();
            what = (b & 1) ? "dsc_model_set_bias" : "dsc_model_set_weight";
            st = (b & 1) ? dsc_model_set_bias(w.model, layer, src, n) : dsc_model_set_weight(w.model, layer, src, n);
            break;
        }
        case 12:
        case 13:
            st = manual_pass(&f, &w, &what);
            /* forward and loss forward succeed before a later part may
             * refuse: the pass as a whole is not undone, but the
             * parameters never change in a pass. */
            compare = 0;
            pass = 1;
            break;
        case 14: {
            what = "dsc_model_init";
            const int wi = (int)fz_pick(&f, 8), bi = (int)fz_pick(&f, 8);
            st = dsc_model_init(w.model, (dsc_init)wi, (dsc_init)bi, fz_u8(&f));
            break;
        }
        case 15:
            what = "dsc_model_set_training";
            st = dsc_model_set_training(w.model, (int)fz_pick(&f, 3));
            break;
        case 16: {
            const size_t n = fz_pick(&f, w.rows + 1);
            const int overlap = (fz_u8(&f) & 0xc0) == 0xc0 && fz_strict();
            what = "dsc_model_predict";
            if (overlap) {
                /* Documented as forbidden; refused under the issue 12 rules. */
                st = dsc_model_predict(w.model, w.x, n > 0 ? n : 1, w.x + (w.in > 1 ? 1 : 0));
                FZ_CHECK(st != DSC_OK, "dsc_model_predict accepted an output overlapping its input");
            } else {
                st = dsc_model_predict(w.model, w.x, n, w.pred);
            }
            break;
        }
        case 17:
            what = "dsc_loss_set";
            st = dsc_loss_set(w.loss, loss_keys[fz_pick(&f, N_LOSS_KEYS)], value);
            break;
        case 18:
            if (w.trainer == NULL) continue;
            what = "dsc_trainer_set";
            st = dsc_trainer_set(w.trainer, trainer_keys[fz_pick(&f, N_TRAINER_KEYS)], value);
            break;
        case 19: {
            if (w.trainer == NULL) continue;
            double epochs = 0.0;
            FZ_OK(dsc_trainer_get(w.trainer, DSC_TRAINER_PARAM_EPOCHS, &epochs));
            if (epochs > 3) continue; /* keep each input fast */
            what = "dsc_trainer_run";
            st = dsc_trainer_run(w.trainer);
            compare = 0; /* it may fail after training some batches, as documented */
            break;
        }
        case 20:
            if (w.trainer == NULL) continue;
            what = "dsc_trainer_set_scheduler/validation";
            if (fz_u8(&f) & 1)
                st = dsc_trainer_set_scheduler(w.trainer, (fz_u8(&f) & 1) ? w.sched : NULL);
            else
                st = dsc_trainer_set_validation(w.trainer, (fz_u8(&f) & 1) ? w.ds : NULL);
            break;
        case 21: {
            const uint8_t b = fz_u8(&f);
            switch (b % 4) {
            case 0:
                what = "dsc_set_flush_denormals";
                st = dsc_set_flush_denormals((int)(b / 4 % 3));
                break;
            case 1:
                what = "dsc_optimizer_set_grad_hook";
                hook_mode = b / 4 % 4;
                st = dsc_optimizer_set_grad_hook(w.opt, hook_mode ? hook : NULL, NULL);
                break;
            case 2:
                if (w.trainer == NULL) continue;
                what = "dsc_trainer_set_*_callback";
                callback_stop = b / 8 % 8;
                st = (b & 4) ? dsc_trainer_set_step_callback(w.trainer, callback, w.trainer)
                             : dsc_trainer_set_epoch_callback(w.trainer, callback, w.trainer);
                break;
            default: {
                /* Registration: the model again, or host arrays overlapping a group's. */
                size_t groups = 0;
                FZ_OK(dsc_optimizer_group_count(w.opt, &groups));
                if (groups >= FZ_SNAP_GROUPS - 1) continue;
                const int again = (b & 4) != 0;
                if (again) {
                    what = "dsc_optimizer_add_model";
                    st = dsc_optimizer_add_model(w.opt, w.model, NULL);
                } else {
                    float *p = NULL, *g = NULL;
                    FZ_OK(dsc_model_params(w.model, &p));
                    FZ_OK(dsc_model_grads(w.model, &g));
                    const size_t at = fz_pick(&f, w.nparams), n = 1 + fz_pick(&f, w.nparams - at);
                    what = "dsc_optimizer_add_params";
                    st = dsc_optimizer_add_params(w.opt, p + at, g + at, n, NULL);
                }
                if (fz_strict()) FZ_CHECK(st != DSC_OK, "%s registered parameters the optimizer holds", what);
                break;
            }
            }
            break;
        }
        case 22:
            getters(&f, &w);
            what = "getters";
            getter = 1;
            break;
        default: {
            /* Host gradients (model and host group) from the bytes, NaN included. */
            float *g = NULL;
            FZ_OK(dsc_model_grads(w.model, &g));
            const size_t at = fz_pick(&f, w.nparams);
            g[at] = fz_float(&f); /* at is read first: a separate statement */
            if (w.host.groups > 0) {
                const size_t i = fz_pick(&f, w.host.n[0]);
                w.host.g[0][i] = fz_float(&f);
            }
            continue;
        }
        }
        FZ_STATUS(st, what);
        FZ_CHECK(callback_refusals >= 0, "a callback changed the trainer");
        take(&w, &after);
        if (hook_mode >= 2 && op % 24 == 2) { /* the hook wrote the gradients, as it may */
            memcpy(after.grads, before.grads, sizeof after.grads);
            memcpy(after.opt.arrays.g, before.opt.arrays.g, sizeof after.opt.arrays.g);
        }
        if (pass) {
            FZ_CHECK(fz_same(before.params, after.params, sizeof before.params), "%s changed parameters", what);
        }
        if (getter) {
            FZ_CHECK(memcmp(&before, &after, sizeof before) == 0, "a getter changed something");
        } else if (st != DSC_OK && compare) {
            FZ_CHECK(fz_same(before.params, after.params, sizeof before.params), "a refused %s (%s) changed the parameters",
                     what, dsc_status_name(st));
            FZ_CHECK(fz_same(before.grads, after.grads, sizeof before.grads), "a refused %s (%s) changed the gradients",
                     what, dsc_status_name(st));
            FZ_CHECK(before.training == after.training, "a refused %s changed the mode", what);
            FZ_CHECK(fz_opt_same(&before.opt, &after.opt), "a refused %s (%s) changed the optimizer", what,
                     dsc_status_name(st));
            FZ_CHECK(!before.has_sched || fz_sched_same(&before.sched, &after.sched),
                     "a refused %s (%s) changed the scheduler", what, dsc_status_name(st));
            FZ_CHECK(memcmp(before.loss_hp, after.loss_hp, sizeof before.loss_hp) == 0 &&
                         memcmp(before.trainer_hp, after.trainer_hp, sizeof before.trainer_hp) == 0,
                     "a refused %s changed a setting", what);
        } else if (st == DSC_OK && fz_strict() && finite_params(&before)) {
            FZ_CHECK(finite_params(&after), "%s returned DSC_OK and left a parameter not finite", what);
        }
    }
    release(&w);
    FZ_OK(dsc_set_flush_denormals(1)); /* process-wide: the next input starts from the default */
    return 0;
}
