/* Runner for kind optimizer cases, through the public API only: one group
 * over a host array, every `param` turned into a dsc_optimizer_set() call,
 * T steps of (gradient, clip, update), each compared with `expect t`. */
#include "ref.h"

#include <descent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    dsc_optimizer_kind kind;
} kinds[] = {
    {"SGD", DSC_OPTIMIZER_SGD},         {"Adagrad", DSC_OPTIMIZER_ADAGRAD}, {"RMSprop", DSC_OPTIMIZER_RMSPROP},
    {"Adam", DSC_OPTIMIZER_ADAM},       {"AdamW", DSC_OPTIMIZER_ADAMW},     {"Adadelta", DSC_OPTIMIZER_ADADELTA},
    {"Adamax", DSC_OPTIMIZER_ADAMAX},   {"NAdam", DSC_OPTIMIZER_NADAM},     {"RAdam", DSC_OPTIMIZER_RADAM},
    {"Rprop", DSC_OPTIMIZER_RPROP},
};

/* The order matters where the library checks combinations: momentum and
 * dampening before nesterov. */
static const struct {
    const char *param;
    dsc_optimizer_param key;
} params[] = {
    {"lr", DSC_OPTIMIZER_PARAM_LR},
    {"momentum", DSC_OPTIMIZER_PARAM_MOMENTUM},
    {"dampening", DSC_OPTIMIZER_PARAM_DAMPENING},
    {"nesterov", DSC_OPTIMIZER_PARAM_NESTEROV},
    {"weight_decay", DSC_OPTIMIZER_PARAM_WEIGHT_DECAY},
    {"maximize", DSC_OPTIMIZER_PARAM_MAXIMIZE},
    {"eps", DSC_OPTIMIZER_PARAM_EPS},
    {"beta1", DSC_OPTIMIZER_PARAM_BETA1},
    {"beta2", DSC_OPTIMIZER_PARAM_BETA2},
    {"amsgrad", DSC_OPTIMIZER_PARAM_AMSGRAD},
    {"momentum_decay", DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY},
    {"alpha", DSC_OPTIMIZER_PARAM_ALPHA},
    {"centered", DSC_OPTIMIZER_PARAM_CENTERED},
    {"lr_decay", DSC_OPTIMIZER_PARAM_LR_DECAY},
    {"initial_accumulator_value", DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE},
    {"rho", DSC_OPTIMIZER_PARAM_RHO},
    {"etaminus", DSC_OPTIMIZER_PARAM_ETAMINUS},
    {"etaplus", DSC_OPTIMIZER_PARAM_ETAPLUS},
    {"step_size_min", DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN},
    {"step_size_max", DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX},
    {"clip_norm", DSC_OPTIMIZER_PARAM_CLIP_NORM},
    {"clip_value", DSC_OPTIMIZER_PARAM_CLIP_VALUE},
};

/* Constructor flags of torch.optim that select an implementation path with
 * the same arithmetic; understood, and only 0 (or any foreach) accepted. */
static int read_impl_flags(ref_case *c, ref_result *r) {
    static const char *const flags[] = {"foreach", "capturable", "differentiable", "fused"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (!ref_has_param(c, flags[i])) continue;
        double v;
        if (ref_param_double(c, r, flags[i], &v) != 0) return -1;
        if (i > 0 && v != 0.0) return ref_fail(r, "param %s %g is not supported", flags[i], v);
    }
    return 0;
}

static int parse_count(ref_case *c, ref_result *r, const char *kw, long *out) {
    ref_line *l = ref_single(c, r, kw);
    if (l == NULL) return -1;
    char *end;
    if (l->ntok != 1) return ref_fail(r, "'%s' needs one value", kw);
    *out = strtol(l->tok[0], &end, 10);
    if (*end != '\0' || *out < 0) return ref_fail(r, "'%s %s' is not a count", kw, l->tok[0]);
    return 0;
}

/* `sched_type StepLR` with `sched_step_size` and `sched_gamma`: a scheduler on
 * the optimizer (built after its group exists), stepped after each optimizer
 * step (a step is: gradient, clipping, update, then scheduler.step()).
 * *out stays NULL without sched_type. */
static int make_sched(ref_case *c, ref_result *r, dsc_optimizer *opt, dsc_lr_scheduler **out) {
    *out = NULL;
    if (!ref_has_param(c, "sched_type")) return 0;
    const char *type = ref_param_str(c, r, "sched_type");
    if (type == NULL) return -1;
    if (strcmp(type, "StepLR") != 0) return ref_fail(r, "sched_type %s is not supported", type);
    double step_size, gamma;
    if (ref_param_double(c, r, "sched_step_size", &step_size) != 0 ||
        ref_param_double(c, r, "sched_gamma", &gamma) != 0)
        return -1;
    if (dsc_lr_scheduler_new(out, DSC_SCHED_STEP, opt) != DSC_OK ||
        dsc_lr_scheduler_set(*out, DSC_SCHED_PARAM_STEP_SIZE, step_size) != DSC_OK ||
        dsc_lr_scheduler_set(*out, DSC_SCHED_PARAM_GAMMA, gamma) != DSC_OK ||
        dsc_lr_scheduler_start(*out) != DSC_OK) {
        ref_fail(r, "StepLR: %s", dsc_last_error());
        dsc_lr_scheduler_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static int run(ref_case *c, ref_result *r, dsc_optimizer *opt, float *p, float *g, double *buf,
               long n, long steps) {
    if (read_impl_flags(c, r) != 0) return -1;
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        if (!ref_has_param(c, params[i].param)) continue;
        double v;
        if (ref_param_double(c, r, params[i].param, &v) != 0) return -1;
        if (dsc_optimizer_set(opt, params[i].key, v) != DSC_OK)
            return ref_fail(r, "param %s %g: %s", params[i].param, v, dsc_last_error());
    }
    ref_line *init = ref_single(c, r, "init");
    if (init == NULL) return -1;
    if ((long)init->ntok != n)
        return ref_fail(r, "init has %zu values, size is %ld", init->ntok, n);
    for (long i = 0; i < n; i++) {
        char *end;
        double v = strtod(init->tok[i], &end);
        if (end == init->tok[i] || *end != '\0' || !isfinite(v))
            return ref_fail(r, "init value %ld '%s' is not a number", i, init->tok[i]);
        p[i] = (float)v;
    }
    if (dsc_optimizer_add_params(opt, p, g, (size_t)n, NULL) != DSC_OK)
        return ref_fail(r, "add_params: %s", dsc_last_error());
    if (ref_vector_count(c, r, "grad", 0) != steps || ref_vector_count(c, r, "expect", 0) != steps)
        return ref_fail(r, "grad and expect need %ld lines each", steps);
    dsc_lr_scheduler *sched = NULL;
    if (make_sched(c, r, opt, &sched) != 0) return -1;
    int with_lr = sched != NULL || ref_has_vector(c, "lr", 0);
    if (with_lr && ref_vector_count(c, r, "lr", 0) != steps) {
        dsc_lr_scheduler_free(sched);
        return ref_fail(r, "lr needs %ld lines", steps);
    }
    int rc = 0;
    for (long t = 0; t < steps; t++) {
        if (ref_vector(c, r, "grad", t, buf, (size_t)n) != n) {
            rc = ref_fail(r, "grad %ld needs %ld values", t, n);
            break;
        }
        for (long i = 0; i < n; i++) g[i] = (float)buf[i];
        if (with_lr) {
            double lr;
            if (dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_LR, &lr) != DSC_OK ||
                ref_check(c, r, "lr", t, &lr, 1, REF_RTOL, REF_ATOL) != 0) {
                rc = ref_fail(r, "lr %ld: %s", t, dsc_last_error());
                break;
            }
        }
        if (dsc_optimizer_step(opt) != DSC_OK) {
            rc = ref_fail(r, "step %ld: %s", t, dsc_last_error());
            break;
        }
        if (ref_check_f(c, r, "expect", t, p, (size_t)n, REF_RTOL, REF_ATOL) != 0) {
            rc = -1;
            break;
        }
        if (sched != NULL && dsc_lr_scheduler_step(sched) != DSC_OK) {
            rc = ref_fail(r, "scheduler step %ld: %s", t, dsc_last_error());
            break;
        }
    }
    dsc_lr_scheduler_free(sched);
    return rc;
}

int conform_optimizer(ref_case *c, ref_result *r) {
    dsc_optimizer_kind kind = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(c->name, kinds[i].name) == 0) kind = kinds[i].kind;
    if (kind == 0) return ref_fail(r, "unknown optimizer '%s'", c->name);
    long n, steps;
    if (parse_count(c, r, "size", &n) != 0 || parse_count(c, r, "steps", &steps) != 0) return -1;
    if (n < 1) return ref_fail(r, "size must be at least 1");
    dsc_optimizer *opt = NULL;
    if (dsc_optimizer_new(&opt, kind) != DSC_OK) return ref_fail(r, "new: %s", dsc_last_error());
    float *p = malloc((size_t)n * sizeof *p), *g = calloc((size_t)n, sizeof *g);
    double *buf = malloc((size_t)n * sizeof *buf);
    int rc = (p && g && buf) ? run(c, r, opt, p, g, buf, n, steps) : ref_fail(r, "out of memory");
    free(p);
    free(g);
    free(buf);
    dsc_optimizer_free(opt);
    return rc;
}
