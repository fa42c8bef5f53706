/* What the learning rate, the batch size, the schedule and the optimizer do,
 * measured: the demo `make demo` runs.
 *
 * On Fashion-MNIST when it is installed (tools/install-deps.sh demo), on a
 * subset (10,000 training / 2,000 validation images by default), otherwise
 * on a built-in synthetic set (10 Gaussian classes in 64 dimensions), with
 * a small MLP (inputs-64-10, ReLU, cross-entropy), each run trained by
 * dsc_trainer (batch size 1, N, or 0 for the whole set; its step callback
 * records the curves). Four experiments, each stating a textbook claim and
 * whether it held on this run:
 *
 *  (a) stochastic (batch 1) vs mini-batch (32) vs full-batch gradient
 *      descent at one constant lr: the noise of the training loss (mean
 *      standard deviation over sliding windows of 50 steps, each window's
 *      linear trend removed) and the progress (drop of the training loss)
 *      per epoch and per CPU second;
 *  (b) a constant lr against decayed ones (inverse-time, step, exponential,
 *      cosine, cyclical): how far the training loss oscillates around the
 *      level it settles to in the last epochs (RMS of the residuals from a
 *      line through the last quarter of the run, at least one epoch), and
 *      the final validation loss;
 *  (c) too small, good and too large a constant lr: classified from the
 *      curve as slow/stuck, converging or oscillating/diverging;
 *  (d) momentum (lr 0.01, momentum 0.9: an effective step twice plain SGD's),
 *      RMSProp and Adam against plain SGD (lr 0.05): final validation loss
 *      and the epochs each needs to reach plain SGD's final training loss.
 *
 * "Training loss" in the measures is the loss on a fixed 2,000-sample slice
 * of the training set, evaluated 8 times per epoch (what the parameters
 * have reached, without the sampling noise of a batch); the noise in (a) is
 * that of the per-step batch loss the optimizer sees. Times are process CPU
 * time, so other programs on the machine do not distort them.
 *
 * Writes one CSV per run (step, epoch, seconds, lr, batch loss, training
 * loss, validation loss), summary.csv and one SVG plot per experiment into
 * the output directory, and prints a summary table.
 *
 * Usage: lr_experiments [--out DIR] [--data DIR] [--synthetic] [--fast] [--full]
 *                       [--epochs-scale K]
 *   --out DIR      output directory (default build/demo)
 *   --synthetic    use the synthetic set even if Fashion-MNIST is installed
 *   --fast         1,000 training samples, fewer epochs (a smoke test, < 30 s)
 *   --full         all 58,000 training images and 3x the epochs (minutes)
 *   --epochs-scale multiply every experiment's epochs by K (1..20)
 *   --help         these flags
 * Exit status: 0 when it ran (whatever the claims), 1 on an error. */
#include <descent.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK(expr)                                                                    \
    do {                                                                               \
        dsc_status s_ = (expr);                                                        \
        if (s_ != DSC_OK) {                                                            \
            fprintf(stderr, "lr_experiments: %s: %s\n", #expr, dsc_last_error());      \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

#define EVALS_PER_EPOCH 8
#define NOISE_WINDOW 50
#define HIDDEN 64
#define CLASSES 10

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *xrealloc(void *old, size_t n) {
    void *p = realloc(old, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "lr_experiments: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xmalloc(size_t n) { return xrealloc(NULL, n); }

/* ---- data ----------------------------------------------------------------- */

static dsc_dataset *g_train, *g_val;
static size_t g_feat, g_ntrain, g_nval, g_neval;
static const float *g_train_x, *g_val_x;   /* borrowed from g_train, g_val */
static const int32_t *g_train_y, *g_val_y;
static const char *g_out = "build/demo";
static float *g_evalbuf; /* predictions of the largest evaluated set */

static uint64_t g_rng = 0x243F6A8885A308D3u;
static uint64_t rnd(void) { /* xorshift64* */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 2685821657736338717u;
}
static double urand(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static double nrand(void) { /* Box-Muller */
    double u = urand(), v = urand();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* 10 classes, 64 features: centres N(0, 1), samples centre + N(0, 5^2),
 * so the classes overlap (the loss stays well above zero), all scaled by
 * 1/6 to inputs of about unit spread, like scaled pixels. */
static dsc_dataset *synthetic(size_t n) {
    const size_t f = 64;
    float *centre = xmalloc(CLASSES * f * sizeof *centre), *x = xmalloc(n * f * sizeof *x);
    int32_t *y = xmalloc(n * sizeof *y);
    for (size_t i = 0; i < CLASSES * f; i++) centre[i] = (float)nrand();
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(rnd() % CLASSES);
        for (size_t j = 0; j < f; j++)
            x[i * f + j] = (float)((centre[(size_t)y[i] * f + j] + 5.0 * nrand()) / 6.0);
    }
    dsc_dataset *ds = NULL;
    CHECK(dsc_dataset_new_labels(&ds, x, y, n, f, CLASSES, DSC_DATASET_COPY));
    free(centre);
    free(x);
    free(y);
    return ds;
}

/* Loads the data: a shuffled split, then the first ntrain training rows. */
static const char *load_data(const char *dir, int force_synthetic, size_t ntrain, size_t nval) {
    char img[1024], lab[1024];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", dir);
    dsc_dataset *all = NULL, *tr = NULL;
    const char *source = "Fashion-MNIST";
    if (force_synthetic || dsc_dataset_load_idx(&all, img, lab, CLASSES) != DSC_OK) {
        source = force_synthetic
                     ? "synthetic (--synthetic)"
                     : "synthetic (Fashion-MNIST not installed: tools/install-deps.sh demo)";
        all = synthetic(ntrain + nval);
    } else {
        CHECK(dsc_dataset_scale(all, 255.0f));
    }
    size_t count = 0;
    CHECK(dsc_dataset_count(all, &count));
    if (ntrain + nval > count) ntrain = count - nval;
    CHECK(dsc_dataset_split(&tr, &g_val, all, (double)nval / (double)count, 42));
    size_t *rows = xmalloc(ntrain * sizeof *rows);
    for (size_t i = 0; i < ntrain; i++) rows[i] = i;
    CHECK(dsc_dataset_subset(&g_train, tr, rows, ntrain));
    free(rows);
    dsc_dataset_free(tr);
    dsc_dataset_free(all);
    CHECK(dsc_dataset_features(g_train, &g_feat));
    CHECK(dsc_dataset_count(g_train, &g_ntrain));
    CHECK(dsc_dataset_count(g_val, &g_nval));
    CHECK(dsc_dataset_inputs(g_train, &g_train_x));
    CHECK(dsc_dataset_labels(g_train, &g_train_y));
    CHECK(dsc_dataset_inputs(g_val, &g_val_x));
    CHECK(dsc_dataset_labels(g_val, &g_val_y));
    g_neval = g_ntrain < 2000 ? g_ntrain : 2000;
    size_t big = g_neval > g_nval ? g_neval : g_nval;
    g_evalbuf = xmalloc(big * CLASSES * sizeof *g_evalbuf);
    return source;
}

/* ---- one training run ------------------------------------------------------ */

typedef enum sched_id { SC_CONSTANT, SC_INVTIME, SC_STEP, SC_EXP, SC_COSINE, SC_CYCLIC } sched_id;

typedef struct cfg {
    const char *name;  /* file name stem */
    const char *label; /* legend */
    size_t batch;      /* 0: the whole training set per step */
    dsc_optimizer_kind opt;
    double lr, momentum;
    sched_id sched;
    int epochs;
} cfg;

typedef struct curve {
    float *x, *y; /* x: epochs (fractional) */
    size_t n, cap;
} curve;

static void curve_add(curve *c, double x, double y) {
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->x = xrealloc(c->x, c->cap * sizeof *c->x);
        c->y = xrealloc(c->y, c->cap * sizeof *c->y);
    }
    c->x[c->n] = (float)x;
    c->y[c->n++] = (float)y;
}

typedef struct result {
    curve batch_loss, train_loss; /* per step; EVALS_PER_EPOCH per epoch */
    double init, final, val_loss, val_acc, seconds;
    double peak; /* largest batch loss and training loss seen (inf if not finite) */
    size_t steps;
    int diverged;
    double noise, oscil;
    /* measure != 0 (the trainer's DSC_TRAINER_PARAM_MEASURE_NOISE): the
     * gradient noise scale after every step and its final estimates, and
     * the per-sample losses of the training slice at the final weights */
    int measure;
    curve noise_scale;
    double b_simple, grad_sq, grad_var, lib_oscil, lib_drop, noise_steps;
    double *sample_loss;
} result;

static dsc_model *make_model(size_t max_batch) {
    dsc_model *m = NULL;
    CHECK(dsc_model_new(&m, g_feat));
    CHECK(dsc_model_add_dense(m, HIDDEN, 1));
    CHECK(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_dense(m, CLASSES, 1));
    CHECK(dsc_model_build(m, max_batch));
    CHECK(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 7));
    return m;
}

/* Mean cross-entropy (and accuracy) of the model on n rows; +inf if the
 * outputs are not finite. */
static double evaluate(dsc_model *m, dsc_loss *loss, const float *x, const int32_t *y, size_t n,
                       double *acc) {
    double v = INFINITY;
    CHECK(dsc_model_set_training(m, 0));
    CHECK(dsc_model_predict(m, x, n, g_evalbuf));
    CHECK(dsc_model_set_training(m, 1));
    if (dsc_loss_forward_labels(loss, g_evalbuf, y, n, CLASSES, &v) != DSC_OK) v = INFINITY;
    if (acc) {
        *acc = 0.0;
        if (isfinite(v)) CHECK(dsc_accuracy(g_evalbuf, y, n, CLASSES, acc));
    }
    return v;
}

static dsc_lr_scheduler *make_sched(sched_id id, dsc_optimizer *opt, double lr, size_t spe,
                                    int epochs) {
    dsc_lr_scheduler *s = NULL;
    double total = (double)(spe * (size_t)epochs);
    switch (id) {
    case SC_CONSTANT: return NULL;
    case SC_INVTIME: /* lr / (1 + t/epoch): lr/(1+epochs) at the end */
        CHECK(dsc_lr_scheduler_new(&s, DSC_SCHED_INVERSE_TIME, opt));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_RATE, 1.0));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_STEPS, (double)spe));
        break;
    case SC_STEP: /* x0.3 three times over the run */
        CHECK(dsc_lr_scheduler_new(&s, DSC_SCHED_STEP, opt));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, fmax(1.0, floor(total / 4.0))));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.3));
        break;
    case SC_EXP: /* lr * 0.01^(t/total): two decades over the run */
        CHECK(dsc_lr_scheduler_new(&s, DSC_SCHED_EXPONENTIAL, opt));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, pow(0.01, 1.0 / total)));
        break;
    case SC_COSINE:
        CHECK(dsc_lr_scheduler_new(&s, DSC_SCHED_COSINE, opt));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, total));
        break;
    case SC_CYCLIC: /* triangular2 from lr/20 up to lr, the amplitude halved each
                     * cycle (a decaying cyclical rate); whole cycles of about
                     * 3 epochs, so the run ends at the bottom of one */
        CHECK(dsc_lr_scheduler_new(&s, DSC_SCHED_CYCLIC, opt));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MODE, (double)DSC_CYCLIC_TRIANGULAR2));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_BASE_LR, lr / 20.0));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, lr));
        double cycles = fmax(1.0, floor(epochs / 3.0));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP,
                                   fmax(1.0, floor(total / (2.0 * cycles)))));
        CHECK(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, 0.0));
        break;
    }
    CHECK(dsc_lr_scheduler_start(s));
    return s;
}

/* Mean over sliding windows (hop w/2) of the standard deviation of the
 * residuals from each window's least-squares line. */
static double noise_of(const curve *c, size_t w) {
    if (c->n < 3) return 0.0;
    if (w > c->n) w = c->n;
    double acc = 0.0;
    size_t windows = 0, hop = w / 2 ? w / 2 : 1;
    for (size_t s = 0; s + w <= c->n; s += hop) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (size_t i = 0; i < w; i++) {
            double x = (double)i, y = c->y[s + i];
            sx += x, sy += y, sxx += x * x, sxy += x * y;
        }
        const double nw = (double)w;
        double b = (nw * sxy - sx * sy) / (nw * sxx - sx * sx), a = (sy - b * sx) / nw, ss = 0;
        for (size_t i = 0; i < w; i++) {
            double r = c->y[s + i] - (a + b * (double)i);
            ss += r * r;
        }
        acc += sqrt(ss / (double)w);
        windows++;
    }
    return acc / (double)windows;
}

/* How far the training loss oscillates in the last `span` epochs: the RMS
 * of its residuals around the least-squares line through those points (the
 * level it is settling to, with the slow trend removed). */
static double oscillation(const curve *c, double end, double span) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0, ss = 0;
    size_t n = 0, first = c->n;
    for (size_t i = 0; i < c->n; i++)
        if (c->x[i] > end - span + 1e-9) {
            if (first == c->n) first = i;
            double x = c->x[i], y = c->y[i];
            sx += x, sy += y, sxx += x * x, sxy += x * y, n++;
        }
    if (n < 3) return 0.0;
    double den = (double)n * sxx - sx * sx;
    double b = den != 0 ? ((double)n * sxy - sx * sy) / den : 0, a = (sy - b * sx) / (double)n;
    for (size_t i = first; i < c->n; i++) {
        double r = c->y[i] - (a + b * c->x[i]);
        ss += r * r;
    }
    return sqrt(ss / (double)n);
}

/* What the trainer's step callback needs. */
typedef struct cb_state {
    const cfg *c;
    result *r;
    FILE *csv;
    dsc_model *m;
    dsc_loss *eloss;
    double secs;   /* CPU seconds of training so far (evaluations excluded) */
    double t_mark; /* cpu_now() when training last resumed */
} cb_state;

static double pget(const dsc_progress *p, dsc_progress_key key) {
    double v = NAN;
    CHECK(dsc_progress_get(p, key, &v));
    return v;
}

/* After every batch: record its loss and lr, evaluate the training slice
 * EVALS_PER_EPOCH times per epoch (every batch if fewer) and the validation
 * set at the end of each epoch, write the CSV row; stop on divergence. */
static int on_step(const dsc_progress *p, void *user) {
    cb_state *st = user;
    result *r = st->r;
    st->secs += cpu_now() - st->t_mark;
    double b = pget(p, DSC_PROGRESS_BATCH), bpe = pget(p, DSC_PROGRESS_BATCHES_PER_EPOCH);
    double v = pget(p, DSC_PROGRESS_LOSS), x = pget(p, DSC_PROGRESS_EPOCH) - 1.0 + b / bpe;
    size_t s = (size_t)b - 1, spe = (size_t)bpe;
    r->steps = (size_t)pget(p, DSC_PROGRESS_STEP);
    curve_add(&r->batch_loss, x, v);
    if (r->measure && isfinite(pget(p, DSC_PROGRESS_NOISE_SCALE)))
        curve_add(&r->noise_scale, x, pget(p, DSC_PROGRESS_NOISE_SCALE));
    if (!(v <= r->peak)) r->peak = v;
    fprintf(st->csv, "%zu,%.5f,%.5f,%g,%.6f,", r->steps, x, st->secs, pget(p, DSC_PROGRESS_LR), v);
    if (!isfinite(v)) r->diverged = 1;
    if (!r->diverged &&
        ((s + 1) * EVALS_PER_EPOCH / spe != s * EVALS_PER_EPOCH / spe || s + 1 == spe)) {
        double tl = evaluate(st->m, st->eloss, g_train_x, g_train_y, g_neval, NULL);
        curve_add(&r->train_loss, x, tl);
        if (!(tl <= r->peak)) r->peak = tl;
        fprintf(st->csv, "%.6f,", tl);
        if (!isfinite(tl)) r->diverged = 1;
    } else {
        fprintf(st->csv, ",");
    }
    if (s + 1 == spe && !r->diverged)
        fprintf(st->csv, "%.6f\n", evaluate(st->m, st->eloss, g_val_x, g_val_y, g_nval, NULL));
    else
        fprintf(st->csv, "\n");
    st->t_mark = cpu_now();
    return r->diverged; /* non-zero stops the trainer */
}

/* One run, trained by dsc_trainer: batch size 1, N or 0 (the whole set). */
static void run(const cfg *c, result *r, int measure) {
    memset(r, 0, sizeof *r);
    r->measure = measure;
    const size_t n = g_ntrain, B = c->batch ? c->batch : n;
    const size_t spe = (n + B - 1) / B;
    dsc_model *m = make_model(B);
    dsc_optimizer *opt = NULL;
    CHECK(dsc_optimizer_new(&opt, c->opt));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, c->lr));
    if (c->momentum > 0.0) CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, c->momentum));
    CHECK(dsc_optimizer_add_model(opt, m, NULL));
    dsc_lr_scheduler *sched = make_sched(c->sched, opt, c->lr, spe, c->epochs);
    dsc_loss *loss = NULL, *eloss = NULL;
    CHECK(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    CHECK(dsc_loss_new(&eloss, DSC_LOSS_CROSS_ENTROPY));
    dsc_trainer *t = NULL;
    CHECK(dsc_trainer_new(&t, m, loss, opt, g_train));
    CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, (double)c->batch));
    CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, c->epochs));
    CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_SEED, 1)); /* every run sees the same shuffles */
    CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_MAX_NONFINITE, 1));
    if (measure) { /* every step, for a smooth curve (the default is every 8th) */
        CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_MEASURE_NOISE, 1));
        CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_NOISE_INTERVAL, 1));
    }
    if (sched) {
        CHECK(dsc_trainer_set_scheduler(t, sched));
        CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    }

    char path[1200];
    snprintf(path, sizeof path, "%s/%s.csv", g_out, c->name);
    FILE *csv = fopen(path, "w");
    if (csv == NULL) {
        fprintf(stderr, "lr_experiments: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fprintf(csv, "step,epoch,seconds,lr,batch_loss,train_loss,val_loss\n");
    const float *X = g_train_x, *VX = g_val_x;
    const int32_t *Y = g_train_y, *VY = g_val_y;
    size_t nv = g_nval;
    r->init = evaluate(m, eloss, X, Y, g_neval, NULL);
    curve_add(&r->train_loss, 0.0, r->init);
    fprintf(csv, "0,0,0,%g,,%.6f,%.6f\n", c->lr, r->init, evaluate(m, eloss, VX, VY, nv, NULL));

    cb_state st = {c, r, csv, m, eloss, 0.0, 0.0};
    CHECK(dsc_trainer_set_step_callback(t, on_step, &st));
    st.t_mark = cpu_now();
    dsc_status s = dsc_trainer_run(t);
    if (s == DSC_E_NONFINITE) r->diverged = 1; /* a refused (non-finite) batch */
    else CHECK(s);
    fclose(csv);
    r->seconds = st.secs;
    r->final = r->train_loss.y[r->train_loss.n - 1];
    r->val_loss = evaluate(m, eloss, VX, VY, nv, &r->val_acc);
    if (!isfinite(r->final) || !isfinite(r->val_loss)) r->diverged = 1;
    r->noise = noise_of(&r->batch_loss, NOISE_WINDOW);
    /* the last quarter of the run, at least one epoch */
    r->oscil = oscillation(&r->train_loss, c->epochs, fmax(1.0, c->epochs / 4.0));
    if (measure) {
        const dsc_progress *p = NULL;
        CHECK(dsc_trainer_progress(t, &p));
        r->b_simple = pget(p, DSC_PROGRESS_NOISE_SCALE);
        r->grad_sq = pget(p, DSC_PROGRESS_GRAD_SQ_NORM);
        r->grad_var = pget(p, DSC_PROGRESS_GRAD_VARIANCE);
        r->noise_steps = pget(p, DSC_PROGRESS_NOISE_STEPS);
        r->lib_oscil = pget(p, DSC_PROGRESS_OSCILLATION);
        r->lib_drop = pget(p, DSC_PROGRESS_LOSS_DROP_PER_EPOCH);
        /* per-sample losses of the training slice at the final weights */
        r->sample_loss = xmalloc(g_neval * sizeof *r->sample_loss);
        CHECK(dsc_model_set_training(m, 0));
        CHECK(dsc_model_predict(m, g_train_x, g_neval, g_evalbuf));
        for (size_t i = 0; i < g_neval; i++)
            CHECK(dsc_loss_forward_labels(eloss, g_evalbuf + i * CLASSES, g_train_y + i, 1,
                                          CLASSES, &r->sample_loss[i]));
    }
    dsc_trainer_free(t);
    dsc_loss_free(loss);
    dsc_loss_free(eloss);
    dsc_lr_scheduler_free(sched);
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

static void result_free(result *r) {
    free(r->batch_loss.x);
    free(r->batch_loss.y);
    free(r->train_loss.x);
    free(r->train_loss.y);
    free(r->noise_scale.x);
    free(r->noise_scale.y);
    free(r->sample_loss);
}

/* ---- SVG ------------------------------------------------------------------- */

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                     "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

/* One plot: every run's training loss (thick) and, if raw, its per-step
 * batch loss (thin, faint; past 1,500 steps the means of equal blocks).
 * Values above the top are drawn at the top; zoom puts the top at 1.6x the
 * largest final loss, so the end of the runs is what fills the plot. */
static void plot(const char *file, const char *title, const cfg *cs, const result *rs, int nrun,
                 int raw, int zoom) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", g_out, file);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "lr_experiments: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    const double W = 760, H = 420, L = 60, R = 190, T = 40, Bm = 50;
    double xmax = 0, ymax = 0;
    for (int i = 0; i < nrun; i++) {
        if (cs[i].epochs > xmax) xmax = cs[i].epochs;
        if (isfinite(rs[i].init) && rs[i].init > ymax) ymax = rs[i].init;
    }
    if (zoom) { /* the end matters: the top at 1.6x the largest final loss */
        double top = 0;
        for (int i = 0; i < nrun; i++)
            if (isfinite(rs[i].final) && rs[i].final > top) top = rs[i].final;
        if (top > 0 && 1.6 * top < ymax) ymax = 1.6 * top;
    }
    ymax = ymax > 0 ? ceil(ymax * 1.15 * 4.0) / 4.0 : 1.0;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
            "fill=\"white\"/>\n<text x=\"%.0f\" y=\"22\" font-size=\"14\">%s</text>\n",
            W, H, L, title);
    double pw = W - L - R, ph = H - T - Bm;
#define PX(x) (L + (x) / xmax * pw)
#define PY(y) (T + ph - (fmin((y), ymax) / ymax) * ph)
    for (int k = 0; k <= 5; k++) { /* grid and ticks */
        double yv = ymax * k / 5.0, xv = xmax * k / 5.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                L, PY(yv), L + pw, PY(yv));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", L - 6,
                PY(yv) + 4, yv);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n", PX(xv),
                T + ph + 16, xv);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"black\"/>\n", L, T, pw, ph);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", L + pw / 2,
            H - 12);
    fprintf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">"
            "training loss (cross-entropy)</text>\n", T + ph / 2);
    for (int i = 0; i < nrun; i++) {
        const char *col = colors[i % 8];
        if (raw && rs[i].batch_loss.n > 1) {
            const curve *c = &rs[i].batch_loss;
            size_t every = c->n / 1500 + 1;
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-opacity=\"0.25\" "
                    "stroke-width=\"0.7\" points=\"", col);
            for (size_t j = 0; j < c->n; j += every) { /* the mean of each block of `every` */
                double sum = 0.0;
                size_t k = 0;
                for (; k < every && j + k < c->n; k++) sum += c->y[j + k];
                if (isfinite(sum))
                    fprintf(f, "%.1f,%.1f ", PX(c->x[j + k - 1]), PY(sum / (double)k));
            }
            fprintf(f, "\"/>\n");
        }
        const curve *c = &rs[i].train_loss;
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (size_t j = 0; j < c->n; j++)
            fprintf(f, "%.1f,%.1f ", PX(c->x[j]), isfinite(c->y[j]) ? PY(c->y[j]) : PY(ymax));
        fprintf(f, "\"/>\n");
        double ly = T + 14 + 18 * i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                L + pw + 10, ly, L + pw + 30, ly, col, L + pw + 36, ly + 4, cs[i].label);
    }
    if (raw)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\">faint: batch loss</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\">(block means past</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\">1,500 points)</text>\n",
                L + pw + 10, T + 14 + 18 * nrun + 6, L + pw + 10, T + 14 + 18 * nrun + 22,
                L + pw + 10, T + 14 + 18 * nrun + 38);
#undef PX
#undef PY
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* The variance of the mean loss of batches of b samples drawn without
 * replacement from the n per-sample losses l, over `draws` batches. */
static double batch_loss_var(const double *l, size_t n, size_t b, int draws) {
    size_t *idx = xmalloc(n * sizeof *idx);
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) idx[i] = i;
    for (int d = 0; d < draws; d++) {
        double mean = 0.0;
        for (size_t i = 0; i < b; i++) { /* partial Fisher-Yates */
            size_t j = i + (size_t)(rnd() % (n - i)), tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
            mean += l[idx[i]];
        }
        mean /= (double)b;
        s += mean;
        ss += mean * mean;
    }
    free(idx);
    double m = s / draws, v = ss / draws - m * m;
    return v > 0 ? v : 0.0;
}

/* The noise scale over training: B_simple after every step of a run, with
 * the run's batch size as a dashed line. */
static void plot_noise_scale(const char *file, const cfg *c, const result *r) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", g_out, file);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "lr_experiments: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    const double W = 760, H = 420, L = 60, R = 190, T = 40, Bm = 50;
    const curve *cv = &r->noise_scale;
    double xmax = c->epochs, ymax = (double)c->batch;
    for (size_t j = cv->n / 10; j < cv->n; j++) /* the first steps average little */
        if (isfinite(cv->y[j]) && cv->y[j] > ymax) ymax = cv->y[j];
    ymax = ceil(ymax * 1.15 / 50.0) * 50.0;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
            "fill=\"white\"/>\n<text x=\"%.0f\" y=\"22\" font-size=\"14\">Gradient noise scale "
            "B_simple = tr(Sigma)/|G|^2 over training (%s, lr %g)</text>\n", W, H, L, c->label, c->lr);
    double pw = W - L - R, ph = H - T - Bm;
#define PX(x) (L + (x) / xmax * pw)
#define PY(y) (T + ph - (fmax(0.0, fmin((y), ymax)) / ymax) * ph)
    for (int k = 0; k <= 5; k++) {
        double yv = ymax * k / 5.0, xv = xmax * k / 5.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                L, PY(yv), L + pw, PY(yv));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", L - 6,
                PY(yv) + 4, yv);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n", PX(xv),
                T + ph + 16, xv);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"black\"/>\n", L, T, pw, ph);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", L + pw / 2,
            H - 12);
    fprintf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">"
            "B_simple (samples)</text>\n", T + ph / 2);
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colors[0]);
    for (size_t j = 0; j < cv->n; j++)
        if (isfinite(cv->y[j])) fprintf(f, "%.1f,%.1f ", PX(cv->x[j]), PY(cv->y[j]));
    fprintf(f, "\"/>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-dasharray=\"6 4\"/>\n", L, PY((double)c->batch), L + pw, PY((double)c->batch),
            colors[1]);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">B_simple</text>\n"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\">batch size %zu</text>\n",
            L + pw + 10, T + 14, L + pw + 30, T + 14, colors[0], L + pw + 36, T + 18,
            L + pw + 10, T + 32, L + pw + 30, T + 32, colors[1], L + pw + 36, T + 36, c->batch);
#undef PX
#undef PY
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* ---- claims and the summary --------------------------------------------- */

static int n_claims, n_held;
static FILE *g_summary;

static void claim(const char *exp, const char *text, const char *measured, int held) {
    n_claims++;
    n_held += held;
    printf("  claim: %-62s %-40s %s\n", text, measured, held ? "held" : "NOT HELD");
    fprintf(g_summary, "%s,claim,\"%s\",\"%s\",%s\n", exp, text, measured,
            held ? "held" : "not held");
}

static void row_header(void) {
    printf("  %-22s %8s %9s %9s %9s %8s %8s %7s %7s\n", "run", "noise", "prog/ep", "prog/s",
           "oscill", "train", "val", "acc", "cpu s");
}

static void row(const char *exp, const cfg *c, const result *r) {
    double prog = r->init - r->final;
    printf("  %-22s %8.4f %9.4f %9.3f %9.4f %8.4f %8.4f %6.1f%% %7.2f%s\n", c->label, r->noise,
           prog / c->epochs, r->seconds > 0 ? prog / r->seconds : 0.0, r->oscil, r->final,
           r->val_loss, 100.0 * r->val_acc, r->seconds, r->diverged ? "  diverged" : "");
    fprintf(g_summary, "%s,run,\"%s\",%g,%g,%g,%g,%g,%g,%g,%g,%d\n", exp, c->label, r->noise,
            prog / c->epochs, r->seconds > 0 ? prog / r->seconds : 0.0, r->oscil, r->final,
            r->val_loss, r->val_acc, r->seconds, r->diverged);
}

static void run_all(const char *exp, cfg *cs, result *rs, int n, int measure_batch) {
    /* The "running" line is for a person watching a terminal; in a log it
     * would interleave with the table. */
    const int tty = isatty(fileno(stderr));
    for (int i = 0; i < n; i++) {
        if (tty) fprintf(stderr, "  running %s ...\r", cs[i].label);
        run(&cs[i], &rs[i], cs[i].batch == (size_t)measure_batch && measure_batch > 0);
        if (tty) fprintf(stderr, "%40s\r", "");
        row(exp, &cs[i], &rs[i]);
        fflush(stdout);
    }
}

/* Epoch (fractional) at which the training loss first reaches target; -1 if never. */
static double epochs_to(const result *r, double target) {
    for (size_t i = 0; i < r->train_loss.n; i++)
        if (r->train_loss.y[i] <= target) return r->train_loss.x[i];
    return -1.0;
}

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--out DIR] [--data DIR] [--synthetic] [--fast] [--full] "
            "[--epochs-scale K]\n", argv0);
    return 2;
}

static int help(void) {
    printf("lr_experiments: what batch size, schedule, learning rate and optimizer do, measured\n"
           "  --out DIR          output directory for CSV and SVG (default build/demo)\n"
           "  --data DIR         Fashion-MNIST directory\n"
           "                     (default /usr/share/datasets/fashion-mnist)\n"
           "  --synthetic        use the built-in synthetic set even if Fashion-MNIST is there\n"
           "  --fast             1,000 training samples, 2 epochs per experiment (smoke test)\n"
           "  --full             all 58,000 training images and 3x the epochs\n"
           "  --epochs-scale K   multiply every experiment's epochs by K (1..20)\n");
    return 0;
}

static int scaled(int e, int k) { return e * k; }

int main(int argc, char **argv) {
    const char *data = "/usr/share/datasets/fashion-mnist";
    int fast = 0, full = 0, synth = 0, k = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return help();
        if (!strcmp(argv[i], "--fast")) fast = 1;
        else if (!strcmp(argv[i], "--full")) full = 1;
        else if (!strcmp(argv[i], "--synthetic")) synth = 1;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) g_out = argv[++i];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--epochs-scale") && i + 1 < argc) k = atoi(argv[++i]);
        else return usage(argv[0]);
    }
    if (k < 1 || k > 20 || (fast && full) || g_out[0] == 0) return usage(argv[0]);
    if (full) k *= 3;
    /* mkdir -p of the output directory */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", g_out);
    for (char *p = dir + 1;; p++) {
        char ch = *p;
        if (ch == '/' || ch == 0) {
            *p = 0;
            if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "lr_experiments: cannot create %s: %s\n", dir, strerror(errno));
                return 1;
            }
            *p = ch;
        }
        if (ch == 0) break;
    }
    size_t ntrain = fast ? 1000 : full ? 58000 : 10000, nval = fast ? 500 : 2000;
    double t_start = cpu_now();
    const char *source = load_data(data, synth, ntrain, nval);
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.csv", g_out);
    g_summary = fopen(path, "w");
    if (g_summary == NULL) {
        fprintf(stderr, "lr_experiments: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(g_summary, "experiment,kind,what,noise|measured,progress_per_epoch|held,"
            "progress_per_s,oscillation,train_loss,val_loss,val_acc,cpu_s,diverged\n");
    printf("descent %s, kernel set %s: learning-rate experiments\n", dsc_version(), dsc_isa());
    printf("data: %s; %zu training / %zu validation samples, %zu features; MLP %zu-%d-%d ReLU\n",
           source, g_ntrain, g_nval, g_feat, g_feat, HIDDEN, CLASSES);
    printf("columns: noise = batch-loss std over %d-step windows (trend removed); prog = drop of "
           "the training loss per epoch / per CPU second;\n         oscill = RMS of the training "
           "loss around its trend over the last quarter of the run; train/val = final losses\n",
           NOISE_WINDOW);
    char m[128];

    /* (a) ---------------------------------------------------------------- */
    double lr_a = 0.05;
    int ea = scaled(fast ? 2 : 5, k);
    cfg ca[3] = {
        {"a_batch1", "batch 1 (stochastic)", 1, DSC_OPTIMIZER_SGD, lr_a, 0, SC_CONSTANT, ea},
        {"a_batch32", "batch 32 (mini-batch)", 32, DSC_OPTIMIZER_SGD, lr_a, 0, SC_CONSTANT, ea},
        {"a_full", "full batch", 0, DSC_OPTIMIZER_SGD, lr_a, 0, SC_CONSTANT, ea},
    };
    result ra[3];
    printf("\n(a) stochastic vs mini-batch vs full-batch: SGD, constant lr %g, %d epochs\n", lr_a,
           ea);
    row_header();
    run_all("a", ca, ra, 3, 32);
    snprintf(m, sizeof m, "%.3f > %.3f > %.4f", ra[0].noise, ra[1].noise, ra[2].noise);
    claim("a", "loss noise: stochastic > mini-batch > full batch", m,
          ra[0].noise > ra[1].noise && ra[1].noise > ra[2].noise);
    double pe[3], ps[3];
    for (int i = 0; i < 3; i++) {
        pe[i] = (ra[i].init - ra[i].final) / ea;
        ps[i] = ra[i].seconds > 0 ? (ra[i].init - ra[i].final) / ra[i].seconds : 0;
    }
    snprintf(m, sizeof m, "%.3f, %.3f vs %.4f", pe[0], pe[1], pe[2]);
    claim("a", "progress per epoch: full batch the least", m, pe[2] < pe[0] && pe[2] < pe[1]);
    snprintf(m, sizeof m, "%.3f vs %.3f, %.3f", ps[1], ps[0], ps[2]);
    claim("a", "progress per second: mini-batch the most", m, ps[1] > ps[0] && ps[1] > ps[2]);
    plot("a_batch_size.svg", "(a) batch size at a constant lr: training loss per epoch", ca, ra, 3,
         1, 0);
    {   /* The gradient noise scale the library measured in the batch-32 run,
         * and the batch-loss noise it implies: at fixed weights a batch's
         * mean loss has variance s^2/B (N-B)/(N-1) (s^2 the per-sample
         * variance, drawn without replacement from N). */
        const result *r = &ra[1];
        printf("  noise scale (library, batch-32 run, %.0f steps): B_simple = tr(Sigma)/|G|^2 = "
               "%.4g/%.4g = %.0f samples at the end;\n    batch 32 < B_simple: the steps are "
               "noise-dominated, a larger batch would cut the steps almost in proportion; "
               "the full batch (%zu) is %.0fx B_simple, so most of its samples are wasted "
               "per step\n", r->noise_steps, r->grad_var, r->grad_sq, r->b_simple, g_ntrain,
               (double)g_ntrain / r->b_simple);
        printf("  library's loss measures (batch-32 run, last 50 steps): oscillation %.4f, "
               "loss drop %.4f per epoch\n", r->lib_oscil, r->lib_drop);
        const size_t n = g_neval, sizes[3] = {1, 32, g_neval};
        double mean = 0, s2 = 0, v[3];
        for (size_t i = 0; i < n; i++) mean += r->sample_loss[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) s2 += (r->sample_loss[i] - mean) * (r->sample_loss[i] - mean);
        s2 /= (double)(n - 1);
        printf("  batch-loss noise at the final weights (%zu training samples, per-sample variance "
               "%.4f, 2000 batches each):\n", n, s2);
        int ok = 1;
        for (int i = 0; i < 3; i++) {
            v[i] = batch_loss_var(r->sample_loss, n, sizes[i], i == 2 ? 3 : 2000);
            double pred = s2 / (double)sizes[i] * (double)(n - sizes[i]) / (double)(n - 1);
            printf("    batch %-5zu variance %.3g, predicted s^2/B (N-B)/(N-1) = %.3g\n",
                   sizes[i], v[i], pred);
            if (i < 2) ok &= fabs(v[i] / pred - 1.0) < 0.2;
            else ok &= v[i] <= 1e-9 * s2;
        }
        snprintf(m, sizeof m, "var1/var32 = %.1f (1/B: %.1f), full: %.2g", v[0] / v[1],
                 32.0 * (double)(n - 1) / (double)(n - 32), v[2]);
        claim("a", "batch-loss variance ~ 1/B (fixed weights)", m, ok);
        printf("  (in the runs above, noise^2 of batch 1 / batch 32 = %.0f: besides sampling, batch "
               "1's loss moves with its noisier weights)\n",
               (ra[0].noise / ra[1].noise) * (ra[0].noise / ra[1].noise));
        plot_noise_scale("noise_scale.svg", &ca[1], r);
    }

    /* (b) ---------------------------------------------------------------- */
    double lr_b = 0.3;
    int eb = scaled(fast ? 2 : 15, k);
    cfg cb[6] = {
        {"b_constant", "constant", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_CONSTANT, eb},
        {"b_inverse_time", "inverse time", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_INVTIME, eb},
        {"b_step", "step (x0.3 each 1/4)", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_STEP, eb},
        {"b_exponential", "exponential", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_EXP, eb},
        {"b_cosine", "cosine", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_COSINE, eb},
        {"b_cyclic", "cyclical (triangular2)", 32, DSC_OPTIMIZER_SGD, lr_b, 0, SC_CYCLIC, eb},
    };
    result rb[6];
    printf("\n(b) constant vs decayed lr: SGD batch 32, lr %g, %d epochs\n", lr_b, eb);
    row_header();
    run_all("b", cb, rb, 6, 0);
    for (int i = 1; i < 6; i++) {
        char t[96];
        snprintf(t, sizeof t, "%s: oscillates less than constant", cb[i].label);
        snprintf(m, sizeof m, "%.4f vs %.4f", rb[i].oscil, rb[0].oscil);
        claim("b", t, m, !rb[i].diverged && rb[i].oscil < rb[0].oscil);
        snprintf(t, sizeof t, "%s: lower final val loss than constant", cb[i].label);
        snprintf(m, sizeof m, "%.4f vs %.4f", rb[i].val_loss, rb[0].val_loss);
        claim("b", t, m, !rb[i].diverged && rb[i].val_loss < rb[0].val_loss);
    }
    plot("b_schedules.svg", "(b) constant vs decayed learning rate", cb, rb, 6, 0, 1);

    /* (c) ---------------------------------------------------------------- */
    int ec = scaled(fast ? 2 : 4, k);
    cfg cc[3] = {
        {"c_lr_small", "lr 0.0005 (too small)", 32, DSC_OPTIMIZER_SGD, 0.0005, 0, SC_CONSTANT, ec},
        {"c_lr_good", "lr 0.05 (good)", 32, DSC_OPTIMIZER_SGD, 0.05, 0, SC_CONSTANT, ec},
        {"c_lr_large", "lr 3 (too large)", 32, DSC_OPTIMIZER_SGD, 3.0, 0, SC_CONSTANT, ec},
    };
    result rc[3];
    printf("\n(c) too small, good and too large a constant lr: SGD batch 32, %d epochs\n", ec);
    row_header();
    run_all("c", cc, rc, 3, 0);
    double best = 0;
    for (int i = 0; i < 3; i++)
        if (!rc[i].diverged && rc[i].init - rc[i].final > best) best = rc[i].init - rc[i].final;
    static const char *const expect[3] = {"slow/stuck", "converging", "oscillating/diverging"};
    for (int i = 0; i < 3; i++) {
        /* oscillating/diverging: non-finite, ends above the start, a batch
         * loss over twice the starting loss at any time (a blow-up, even if
         * the model then settles, e.g. with dead units), or a training loss
         * still moving by more than 10% of its level at the end;
         * slow/stuck: under 30% of the best run's drop; else converging. */
        const result *r = &rc[i];
        const char *got;
        double prog = r->init - r->final;
        if (r->diverged || r->final > r->init || !(r->peak <= 2.0 * r->init) ||
            r->oscil > 0.1 * r->final)
            got = "oscillating/diverging";
        else if (prog < 0.3 * best) got = "slow/stuck";
        else got = "converging";
        char t[96];
        snprintf(t, sizeof t, "%s is %s", cc[i].label, expect[i]);
        snprintf(m, sizeof m, "%s (start %.3g, peak %.3g, end %.3g)", got, r->init, r->peak,
                 r->final);
        claim("c", t, m, !strcmp(got, expect[i]));
    }
    plot("c_lr_size.svg", "(c) too small, good and too large a learning rate", cc, rc, 3, 0, 0);

    /* (d) ---------------------------------------------------------------- */
    int ed = scaled(fast ? 2 : 8, k);
    cfg cd[4] = {
        {"d_sgd", "SGD lr 0.05", 32, DSC_OPTIMIZER_SGD, 0.05, 0, SC_CONSTANT, ed},
        {"d_momentum", "SGD lr 0.01 mom. 0.9", 32, DSC_OPTIMIZER_SGD, 0.01, 0.9, SC_CONSTANT, ed},
        {"d_rmsprop", "RMSProp lr 0.001", 32, DSC_OPTIMIZER_RMSPROP, 0.001, 0, SC_CONSTANT, ed},
        {"d_adam", "Adam lr 0.001", 32, DSC_OPTIMIZER_ADAM, 0.001, 0, SC_CONSTANT, ed},
    };
    result rd[4];
    printf("\n(d) momentum, RMSProp and Adam against plain SGD: batch 32, %d epochs\n", ed);
    row_header();
    run_all("d", cd, rd, 4, 0);
    for (int i = 1; i < 4; i++) {
        char t[96];
        double at = epochs_to(&rd[i], rd[0].final);
        snprintf(t, sizeof t, "%s: lower val loss than plain SGD", cd[i].label);
        snprintf(m, sizeof m, "%.4f vs %.4f", rd[i].val_loss, rd[0].val_loss);
        claim("d", t, m, !rd[i].diverged && rd[i].val_loss < rd[0].val_loss);
        snprintf(t, sizeof t, "%s: reaches SGD's final loss sooner", cd[i].label);
        if (at >= 0) snprintf(m, sizeof m, "epoch %.2f vs %d", at, ed);
        else snprintf(m, sizeof m, "never (SGD: %.4f)", rd[0].final);
        claim("d", t, m, at >= 0 && at < ed - 1e-9);
    }
    plot("d_optimizers.svg", "(d) momentum, RMSProp and Adam against plain SGD", cd, rd, 4, 0, 1);

    printf("\n%d of %d claims held. CPU time %.1f s. Wrote one CSV per run, summary.csv and "
           "a_batch_size.svg, noise_scale.svg, b_schedules.svg, c_lr_size.svg, d_optimizers.svg in %s/\n",
           n_held, n_claims, cpu_now() - t_start, g_out);
    fclose(g_summary);
    for (int i = 0; i < 3; i++) result_free(&ra[i]), result_free(&rc[i]);
    for (int i = 0; i < 6; i++) result_free(&rb[i]);
    for (int i = 0; i < 4; i++) result_free(&rd[i]);
    dsc_dataset_free(g_train);
    dsc_dataset_free(g_val);
    free(g_evalbuf);
    return 0;
}
