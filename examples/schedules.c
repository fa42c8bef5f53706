/* Every learning-rate schedule descent has, over the same 100 steps from
 * lr 0.1: writes an SVG chart (small multiples, one colour per schedule)
 * and the same numbers as CSV. No plotting library: the SVG is written here.
 *
 *   schedules [chart.svg] [table.csv]      (defaults: schedules.svg, schedules.csv)
 *
 * Each schedule drives its own one-group SGD optimizer; the value plotted at
 * step t is the lr the optimizer holds after t calls of dsc_lr_scheduler_step
 * (t = 0: right after dsc_lr_scheduler_start), as PyTorch's schedulers do. */
#include <descent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        dsc_status s_ = (call);                                                  \
        if (s_ != DSC_OK) {                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, dsc_last_error());          \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define STEPS 100
#define LR0 0.1
#define MAX_SCHED 24

typedef struct {
    const char *title;
    double lr[STEPS];
} series;

static series all[MAX_SCHED];
static int nseries;
static float param[MAX_SCHED], grad[MAX_SCHED];

/* LambdaLR: linear warm-up over 10 steps, then inverse square root (as in transformers). */
static double warmup_rsqrt(int64_t t, size_t group, void *user) {
    (void)group, (void)user;
    double s = (double)t + 1.0;
    return s < 10.0 ? s / 10.0 : sqrt(10.0 / s);
}

/* MultiplicativeLR: 2% less each step. */
static double times_098(int64_t t, size_t group, void *user) {
    (void)t, (void)group, (void)user;
    return 0.98;
}

/* A validation loss that improves, then plateaus: ReduceLROnPlateau's input. */
static double fake_loss(int t) {
    return fmax(0.3, 1.0 - 0.02 * t) + 0.005 * sin(1.7 * t);
}

/* One key/value pair. */
typedef struct {
    dsc_sched_param key;
    double value;
} kv;

/* New scheduler of kind with settings; NULL-terminated by key 0. */
static int make(dsc_lr_scheduler **s, dsc_lr_scheduler_kind kind, dsc_optimizer *opt, const kv *set) {
    CHECK(dsc_lr_scheduler_new(s, kind, opt));
    for (; set != NULL && set->key != 0; set++) CHECK(dsc_lr_scheduler_set(*s, set->key, set->value));
    return 0;
}

/* Runs one schedule over STEPS steps and records its lr. */
static int record(const char *title, dsc_optimizer *opt, dsc_lr_scheduler *s, int plateau) {
    series *out = &all[nseries++];
    out->title = title;
    CHECK(dsc_lr_scheduler_start(s));
    for (int t = 0; t < STEPS; t++) {
        if (t > 0) {
            if (plateau) CHECK(dsc_lr_scheduler_step_metric(s, fake_loss(t)));
            else CHECK(dsc_lr_scheduler_step(s));
        }
        CHECK(dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_LR, &out->lr[t]));
    }
    return 0;
}

static int new_opt(dsc_optimizer **opt) {
    CHECK(dsc_optimizer_new(opt, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(*opt, DSC_OPTIMIZER_PARAM_LR, LR0));
    CHECK(dsc_optimizer_add_params(*opt, &param[nseries], &grad[nseries], 1, NULL));
    return 0;
}

/* A simple schedule: kind plus settings. */
static int simple(const char *title, dsc_lr_scheduler_kind kind, const kv *set, const int64_t *ms, size_t nms,
                  dsc_lr_lambda_fn fn) {
    dsc_optimizer *opt = NULL;
    dsc_lr_scheduler *s = NULL;
    if (new_opt(&opt) != 0 || make(&s, kind, opt, set) != 0) return 1;
    if (ms != NULL) CHECK(dsc_lr_scheduler_set_milestones(s, ms, nms));
    if (fn != NULL) CHECK(dsc_lr_scheduler_set_lambda(s, fn, NULL));
    int rc = record(title, opt, s, kind == DSC_SCHED_PLATEAU);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(opt);
    return rc;
}

/* A container of two children. */
static int composite(const char *title, dsc_lr_scheduler_kind kind, dsc_lr_scheduler_kind k0, const kv *s0,
                     dsc_lr_scheduler_kind k1, const kv *s1, int64_t milestone) {
    dsc_optimizer *opt = NULL;
    dsc_lr_scheduler *s = NULL, *c0 = NULL, *c1 = NULL;
    if (new_opt(&opt) != 0 || make(&s, kind, opt, NULL) != 0 || make(&c0, k0, opt, s0) != 0 ||
        make(&c1, k1, opt, s1) != 0)
        return 1;
    CHECK(dsc_lr_scheduler_add_child(s, &c0)); /* s owns the children from here */
    CHECK(dsc_lr_scheduler_add_child(s, &c1));
    if (kind == DSC_SCHED_SEQUENTIAL) CHECK(dsc_lr_scheduler_set_milestones(s, &milestone, 1));
    int rc = record(title, opt, s, 0);
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(opt);
    return rc;
}

static int build_all(void) {
    const kv no_momentum = {DSC_SCHED_PARAM_CYCLE_MOMENTUM, 0};
    int64_t ms[] = {30, 60, 60, 80};
    int rc = 0;
    rc |= simple("constant", DSC_SCHED_CONSTANT, NULL, NULL, 0, NULL);
    rc |= simple("ConstantLR factor 0.5, 20 steps", DSC_SCHED_CONSTANT_LR,
                 (const kv[]){{DSC_SCHED_PARAM_FACTOR, 0.5}, {DSC_SCHED_PARAM_TOTAL_ITERS, 20}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("StepLR 20, gamma 0.5", DSC_SCHED_STEP,
                 (const kv[]){{DSC_SCHED_PARAM_STEP_SIZE, 20}, {DSC_SCHED_PARAM_GAMMA, 0.5}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("MultiStepLR 30,60,60,80, gamma 0.5", DSC_SCHED_MULTI_STEP,
                 (const kv[]){{DSC_SCHED_PARAM_GAMMA, 0.5}, {0, 0}}, ms, 4, NULL);
    rc |= simple("ExponentialLR gamma 0.97", DSC_SCHED_EXPONENTIAL, (const kv[]){{DSC_SCHED_PARAM_GAMMA, 0.97}, {0, 0}},
                 NULL, 0, NULL);
    rc |= simple("PolynomialLR 80 steps, power 2", DSC_SCHED_POLYNOMIAL,
                 (const kv[]){{DSC_SCHED_PARAM_TOTAL_ITERS, 80}, {DSC_SCHED_PARAM_POWER, 2}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("LinearLR warm-up 0.1 -> 1, 20 steps", DSC_SCHED_LINEAR,
                 (const kv[]){{DSC_SCHED_PARAM_START_FACTOR, 0.1}, {DSC_SCHED_PARAM_END_FACTOR, 1}, {DSC_SCHED_PARAM_TOTAL_ITERS, 20}, {0, 0}},
                 NULL, 0, NULL);
    rc |= simple("time-based (inverse time) 0.5/10", DSC_SCHED_INVERSE_TIME,
                 (const kv[]){{DSC_SCHED_PARAM_DECAY_RATE, 0.5}, {DSC_SCHED_PARAM_DECAY_STEPS, 10}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("inverse time, staircase", DSC_SCHED_INVERSE_TIME,
                 (const kv[]){{DSC_SCHED_PARAM_DECAY_RATE, 0.5}, {DSC_SCHED_PARAM_DECAY_STEPS, 10}, {DSC_SCHED_PARAM_STAIRCASE, 1}, {0, 0}},
                 NULL, 0, NULL);
    rc |= simple("CosineAnnealingLR T_max 40 (periodic)", DSC_SCHED_COSINE,
                 (const kv[]){{DSC_SCHED_PARAM_T_MAX, 40}, {DSC_SCHED_PARAM_ETA_MIN, 0.005}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("CosineAnnealingWarmRestarts 10, x2", DSC_SCHED_COSINE_WARM_RESTARTS,
                 (const kv[]){{DSC_SCHED_PARAM_T_0, 10}, {DSC_SCHED_PARAM_T_MULT, 2}, {DSC_SCHED_PARAM_ETA_MIN, 0.005}, {0, 0}}, NULL, 0, NULL);
    rc |= simple("CyclicLR triangular", DSC_SCHED_CYCLIC,
                 (const kv[]){{DSC_SCHED_PARAM_BASE_LR, 0.01}, {DSC_SCHED_PARAM_MAX_LR, 0.1}, {DSC_SCHED_PARAM_STEP_SIZE_UP, 10}, no_momentum,
                              {0, 0}}, NULL, 0, NULL);
    rc |= simple("CyclicLR triangular2", DSC_SCHED_CYCLIC,
                 (const kv[]){{DSC_SCHED_PARAM_BASE_LR, 0.01}, {DSC_SCHED_PARAM_MAX_LR, 0.1}, {DSC_SCHED_PARAM_STEP_SIZE_UP, 10},
                              {DSC_SCHED_PARAM_MODE, DSC_CYCLIC_TRIANGULAR2}, no_momentum, {0, 0}}, NULL, 0, NULL);
    rc |= simple("CyclicLR exp_range 0.98, up 15 down 5", DSC_SCHED_CYCLIC,
                 (const kv[]){{DSC_SCHED_PARAM_BASE_LR, 0.01}, {DSC_SCHED_PARAM_MAX_LR, 0.1}, {DSC_SCHED_PARAM_STEP_SIZE_UP, 15},
                              {DSC_SCHED_PARAM_STEP_SIZE_DOWN, 5}, {DSC_SCHED_PARAM_MODE, DSC_CYCLIC_EXP_RANGE}, {DSC_SCHED_PARAM_GAMMA, 0.98},
                              no_momentum, {0, 0}}, NULL, 0, NULL);
    rc |= simple("OneCycleLR cos", DSC_SCHED_ONE_CYCLE,
                 (const kv[]){{DSC_SCHED_PARAM_MAX_LR, 0.1}, {DSC_SCHED_PARAM_TOTAL_STEPS, STEPS}, no_momentum, {0, 0}}, NULL, 0, NULL);
    rc |= simple("OneCycleLR linear, three phases", DSC_SCHED_ONE_CYCLE,
                 (const kv[]){{DSC_SCHED_PARAM_MAX_LR, 0.1}, {DSC_SCHED_PARAM_TOTAL_STEPS, STEPS}, {DSC_SCHED_PARAM_THREE_PHASE, 1},
                              {DSC_SCHED_PARAM_ANNEAL_STRATEGY, DSC_ANNEAL_LINEAR}, no_momentum, {0, 0}}, NULL, 0, NULL);
    rc |= simple("ReduceLROnPlateau patience 5 (loss plateaus)", DSC_SCHED_PLATEAU,
                 (const kv[]){{DSC_SCHED_PARAM_FACTOR, 0.5}, {DSC_SCHED_PARAM_PATIENCE, 5}, {DSC_SCHED_PARAM_THRESHOLD, 0.01}, {0, 0}},
                 NULL, 0, NULL);
    rc |= simple("LambdaLR warm-up + 1/sqrt(t)", DSC_SCHED_LAMBDA, NULL, NULL, 0, warmup_rsqrt);
    rc |= simple("MultiplicativeLR x0.98", DSC_SCHED_MULTIPLICATIVE, NULL, NULL, 0, times_098);
    rc |= composite("SequentialLR: LinearLR 10, then cosine", DSC_SCHED_SEQUENTIAL, DSC_SCHED_LINEAR,
                    (const kv[]){{DSC_SCHED_PARAM_START_FACTOR, 0.05}, {DSC_SCHED_PARAM_TOTAL_ITERS, 10}, {0, 0}}, DSC_SCHED_COSINE,
                    (const kv[]){{DSC_SCHED_PARAM_T_MAX, 90}, {0, 0}}, 10);
    rc |= composite("ChainedScheduler: ConstantLR x ExponentialLR", DSC_SCHED_CHAINED, DSC_SCHED_CONSTANT_LR,
                    (const kv[]){{DSC_SCHED_PARAM_FACTOR, 0.3}, {DSC_SCHED_PARAM_TOTAL_ITERS, 15}, {0, 0}}, DSC_SCHED_EXPONENTIAL,
                    (const kv[]){{DSC_SCHED_PARAM_GAMMA, 0.98}, {0, 0}}, 0);
    return rc;
}

/* Evenly spaced hues, as #rrggbb. */
static void colour(int i, int n, char out[8]) {
    double h = 6.0 * i / n, c = 0.62, x = c * (1 - fabs(fmod(h, 2.0) - 1)), m = 0.18;
    double r = 0, g = 0, b = 0;
    switch ((int)h) {
    case 0: r = c, g = x; break;
    case 1: r = x, g = c; break;
    case 2: g = c, b = x; break;
    case 3: g = x, b = c; break;
    case 4: r = x, b = c; break;
    default: r = c, b = x; break;
    }
    snprintf(out, 8, "#%02x%02x%02x", (int)((r + m) * 255), (int)((g + m) * 255), (int)((b + m) * 255));
}

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else fputc(*s, f);
    }
}

/* Small multiples on a shared scale: 3 columns, one panel per schedule. */
static int write_svg(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    const int cols = 3, pw = 300, ph = 150, ml = 46, mt = 28, mb = 26, mr = 14, top = 44;
    const int rows = (nseries + cols - 1) / cols;
    const int cw = ml + pw + mr, ch = mt + ph + mb;
    const int W = cols * cw + 10, H = top + rows * ch + 10;
    const double ymax = 0.11;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"Helvetica, Arial, sans-serif\">\n", W, H, W, H);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    fprintf(f, "<text x=\"%d\" y=\"26\" font-size=\"18\" text-anchor=\"middle\" fill=\"#222\">descent "
               "learning-rate schedules: lr over %d steps from lr = %g (PyTorch semantics)</text>\n",
            W / 2, STEPS, LR0);
    for (int i = 0; i < nseries; i++) {
        char col[8];
        colour(i, nseries, col);
        int ox = (i % cols) * cw + ml, oy = top + (i / cols) * ch + mt;
        fprintf(f, "<g>\n<text x=\"%d\" y=\"%d\" font-size=\"12.5\" fill=\"%s\" font-weight=\"bold\">", ox,
                oy - 8, col);
        xml_text(f, all[i].title);
        fprintf(f, "</text>\n");
        /* Grid, axes and ticks. */
        for (int k = 0; k <= 4; k++) {
            double v = 0.025 * k;
            double y = oy + ph - v / ymax * ph;
            fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", ox, y, ox + pw, y);
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">%.3f</text>\n",
                    ox - 4, y + 3.5, v);
        }
        for (int k = 0; k <= STEPS; k += 20) {
            double x = ox + (double)k / (STEPS - 1) * pw;
            if (k == STEPS) x = ox + pw;
            fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\"/>\n", x, oy + ph, x,
                    oy + ph + 4);
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">%d</text>\n",
                    x, oy + ph + 15, k);
        }
        fprintf(f, "<polyline points=\"%d,%d %d,%d %d,%d\" fill=\"none\" stroke=\"#555\"/>\n", ox, oy, ox,
                oy + ph, ox + pw, oy + ph);
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"", col);
        for (int t = 0; t < STEPS; t++)
            fprintf(f, "%s%.1f,%.1f", t ? " " : "", ox + (double)t / (STEPS - 1) * pw,
                    oy + ph - fmin(all[i].lr[t], ymax) / ymax * ph);
        fprintf(f, "\"/>\n</g>\n");
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#777\">x: step t; y: lr. "
               "Generated by examples/schedules.c</text>\n</svg>\n", W - 12, H - 4);
    return fclose(f) == 0 ? 0 : 1;
}

static int write_csv(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fprintf(f, "step");
    for (int i = 0; i < nseries; i++) fprintf(f, ",\"%s\"", all[i].title);
    fprintf(f, "\n");
    for (int t = 0; t < STEPS; t++) {
        fprintf(f, "%d", t);
        for (int i = 0; i < nseries; i++) fprintf(f, ",%.9g", all[i].lr[t]);
        fprintf(f, "\n");
    }
    return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    const char *svg = argc > 1 ? argv[1] : "schedules.svg";
    const char *csv = argc > 2 ? argv[2] : "schedules.csv";
    if (build_all() != 0) return 1;
    if (write_svg(svg) != 0 || write_csv(csv) != 0) return 1;
    printf("%d schedules x %d steps: %s, %s\n", nseries, STEPS, svg, csv);
    return 0;
}
