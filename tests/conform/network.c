/* Runner for kind network cases, through the public API only: build the
 * model from the `layer` lines, load the weights, then T full-batch steps of
 * zero_grad, forward, loss, backward, optimizer step, checking outputs and
 * gradients at step 0, the loss at every step and the parameters at the end. */
#include "ref.h"

#include <descent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 64

/* torch.optim class name -> kind. */
static int optimizer_kind(const char *name, dsc_optimizer_kind *out) {
    static const struct { const char *name; dsc_optimizer_kind kind; } t[] = {
        {"SGD", DSC_OPTIMIZER_SGD}, {"Adagrad", DSC_OPTIMIZER_ADAGRAD}, {"RMSprop", DSC_OPTIMIZER_RMSPROP},
        {"Adam", DSC_OPTIMIZER_ADAM}, {"AdamW", DSC_OPTIMIZER_ADAMW}, {"Adadelta", DSC_OPTIMIZER_ADADELTA},
        {"Adamax", DSC_OPTIMIZER_ADAMAX}, {"NAdam", DSC_OPTIMIZER_NADAM}, {"RAdam", DSC_OPTIMIZER_RADAM},
        {"Rprop", DSC_OPTIMIZER_RPROP},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].name) == 0) {
            *out = t[i].kind;
            return 0;
        }
    return -1;
}

/* PyTorch argument name -> hyperparameter key. */
static int hparam_key(const char *name, dsc_optimizer_param *out) {
    static const struct { const char *name; dsc_optimizer_param key; } t[] = {
        {"lr", DSC_OPTIMIZER_PARAM_LR}, {"weight_decay", DSC_OPTIMIZER_PARAM_WEIGHT_DECAY}, {"maximize", DSC_OPTIMIZER_PARAM_MAXIMIZE},
        {"eps", DSC_OPTIMIZER_PARAM_EPS}, {"clip_norm", DSC_OPTIMIZER_PARAM_CLIP_NORM}, {"clip_value", DSC_OPTIMIZER_PARAM_CLIP_VALUE},
        {"momentum", DSC_OPTIMIZER_PARAM_MOMENTUM}, {"dampening", DSC_OPTIMIZER_PARAM_DAMPENING},
        {"nesterov", DSC_OPTIMIZER_PARAM_NESTEROV}, {"beta1", DSC_OPTIMIZER_PARAM_BETA1}, {"beta2", DSC_OPTIMIZER_PARAM_BETA2},
        {"amsgrad", DSC_OPTIMIZER_PARAM_AMSGRAD}, {"momentum_decay", DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY},
        {"alpha", DSC_OPTIMIZER_PARAM_ALPHA}, {"centered", DSC_OPTIMIZER_PARAM_CENTERED}, {"lr_decay", DSC_OPTIMIZER_PARAM_LR_DECAY},
        {"initial_accumulator_value", DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE}, {"rho", DSC_OPTIMIZER_PARAM_RHO},
        {"etaminus", DSC_OPTIMIZER_PARAM_ETAMINUS}, {"etaplus", DSC_OPTIMIZER_PARAM_ETAPLUS},
        {"step_size_min", DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN}, {"step_size_max", DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].name) == 0) {
            *out = t[i].key;
            return 0;
        }
    return -1;
}

static int api(ref_result *r, dsc_status s, const char *what) {
    if (s == DSC_OK) return 0;
    return ref_fail(r, "%s: %s (%s)", what, dsc_status_name(s), dsc_last_error());
}

/* Reads `keyword index` into a float array of exactly n values. */
static int read_floats(ref_case *c, ref_result *r, const char *keyword, long index, float *out,
                       size_t n, double *tmp) {
    long got = ref_vector(c, r, keyword, index, tmp, n);
    if (got < 0) return -1;
    if ((size_t)got != n)
        return ref_fail(r, "'%s %ld' has %ld values, expected %zu", keyword, index, got, n);
    for (size_t i = 0; i < n; i++) out[i] = (float)tmp[i];
    return 0;
}

typedef struct dense_info {
    long index;        /* layer index (nn.Sequential numbering) */
    size_t in, out;
    int bias;
} dense_info;

typedef struct net {
    dsc_model *model;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;   /* StepLR when the case has sched_type, else NULL */
    dsc_loss *loss;
    dense_info dense[MAX_LAYERS];
    size_t ndense;
    size_t in, out, samples;
    int ce;                /* cross_entropy (labels) or mse (targets) */
    float *x, *target, *dy, *buf;
    int32_t *labels;
    double *tmp;
    size_t tmpcap;
} net;

static int build(ref_case *c, ref_result *r, net *n) {
    ref_line *layers[MAX_LAYERS];
    size_t nl = ref_lines(c, "layer", layers, MAX_LAYERS);
    if (nl == 0 || nl > MAX_LAYERS) return ref_fail(r, "%zu layer lines (1..%d supported)", nl, MAX_LAYERS);
    size_t width = 0;
    for (size_t i = 0; i < nl; i++) /* the input width is the first dense layer's */
        if (strcmp(layers[i]->tok[0], "dense") == 0 && layers[i]->ntok == 3) {
            width = strtoul(layers[i]->tok[1], NULL, 10);
            break;
        }
    if (width == 0) return ref_fail(r, "no dense layer gives the input width");
    n->in = width;
    if (api(r, dsc_model_new(&n->model, width), "dsc_model_new")) return -1;
    size_t maxw = width;
    for (size_t i = 0; i < nl; i++) {
        ref_line *l = layers[i];
        const char *kind = l->ntok ? l->tok[0] : "";
        dsc_status s;
        const char *fn = "dsc_model_add_activation";
        if (strcmp(kind, "dense") == 0) {
            if (l->ntok != 3) return ref_fail(r, "layer %zu: dense needs <in> <out>", i);
            dense_info *d = &n->dense[n->ndense++];
            d->index = (long)i;
            d->in = strtoul(l->tok[1], NULL, 10);
            d->out = strtoul(l->tok[2], NULL, 10);
            d->bias = ref_has_vector(c, "bias", (long)i);
            if (d->out > maxw) maxw = d->out;
            if (d->in > maxw) maxw = d->in;
            size_t have = 0;
            if (api(r, dsc_model_widths(n->model, NULL, &have), "dsc_model_widths")) return -1;
            if (have != d->in)
                return ref_fail(r, "layer %zu: dense expects %zu inputs, but the model gives %zu there",
                                i, d->in, have);
            s = dsc_model_add_dense(n->model, d->out, d->bias);
            fn = "dsc_model_add_dense";
        } else if (l->ntok == 1 && strcmp(kind, "relu") == 0) {
            s = dsc_model_add_activation(n->model, DSC_ACTIVATION_RELU);
        } else if (l->ntok == 1 && strcmp(kind, "tanh") == 0) {
            s = dsc_model_add_activation(n->model, DSC_ACTIVATION_TANH);
        } else if (l->ntok == 1 && strcmp(kind, "sigmoid") == 0) {
            s = dsc_model_add_activation(n->model, DSC_ACTIVATION_SIGMOID);
        } else {
            return ref_fail(r, "layer %zu: unknown layer '%s'", i, kind);
        }
        if (api(r, s, fn)) return -1;
    }
    if (api(r, dsc_model_widths(n->model, NULL, &n->out), "dsc_model_widths")) return -1;
    n->tmpcap = maxw * maxw + 16;
    ref_line *sl = ref_single(c, r, "samples");
    if (sl == NULL || sl->ntok != 1) return ref_fail(r, "bad 'samples' line");
    n->samples = strtoul(sl->tok[0], NULL, 10);
    if (n->samples == 0) return ref_fail(r, "samples is 0");
    if (api(r, dsc_model_build(n->model, n->samples), "dsc_model_build")) return -1;
    n->tmp = malloc(n->tmpcap * sizeof(double));
    n->buf = malloc(n->tmpcap * sizeof(float));
    if (n->tmp == NULL || n->buf == NULL) return ref_fail(r, "out of memory");
    for (size_t d = 0; d < n->ndense; d++) {
        dense_info *di = &n->dense[d];
        if (read_floats(c, r, "weight", di->index, n->buf, di->in * di->out, n->tmp)) return -1;
        if (api(r, dsc_model_set_weight(n->model, (size_t)di->index, n->buf, di->in * di->out),
                "dsc_model_set_weight")) return -1;
        if (!di->bias) continue;
        if (read_floats(c, r, "bias", di->index, n->buf, di->out, n->tmp)) return -1;
        if (api(r, dsc_model_set_bias(n->model, (size_t)di->index, n->buf, di->out),
                "dsc_model_set_bias")) return -1;
    }
    return 0;
}

static int load_data(ref_case *c, ref_result *r, net *n) {
    ref_line *ll = ref_single(c, r, "loss");
    if (ll == NULL || ll->ntok != 1) return ref_fail(r, "bad 'loss' line");
    if (strcmp(ll->tok[0], "cross_entropy") == 0) n->ce = 1;
    else if (strcmp(ll->tok[0], "mse") != 0) return ref_fail(r, "unknown loss '%s'", ll->tok[0]);
    if (api(r, dsc_loss_new(&n->loss, n->ce ? DSC_LOSS_CROSS_ENTROPY : DSC_LOSS_MSE), "dsc_loss_new"))
        return -1;
    size_t S = n->samples;
    n->x = malloc(S * n->in * sizeof(float));
    n->dy = malloc(S * n->out * sizeof(float));
    n->target = malloc(S * n->out * sizeof(float));
    n->labels = malloc(S * sizeof(int32_t));
    if (!n->x || !n->dy || !n->target || !n->labels) return ref_fail(r, "out of memory");
    double *tmp = malloc((n->in > n->out ? n->in : n->out) * sizeof(double) + sizeof(double));
    if (tmp == NULL) return ref_fail(r, "out of memory");
    int rc = 0;
    for (size_t s = 0; s < S && rc == 0; s++) {
        rc = read_floats(c, r, "input", (long)s, n->x + s * n->in, n->in, tmp);
        if (rc) break;
        if (n->ce) {
            double v;
            long got = ref_vector(c, r, "label", (long)s, &v, 1);
            if (got != 1) rc = ref_fail(r, "'label %zu' must hold one class index", s);
            else if (v != (double)(int32_t)v) rc = ref_fail(r, "'label %zu' is not an integer", s);
            else n->labels[s] = (int32_t)v;
        } else {
            rc = read_floats(c, r, "target", (long)s, n->target + s * n->out, n->out, tmp);
        }
    }
    free(tmp);
    if (rc == 0 && ref_vector_count(c, r, "input", 0) != (long)S)
        rc = ref_fail(r, "there are not exactly %zu 'input' lines", S);
    return rc;
}

static int make_optimizer(ref_case *c, ref_result *r, net *n) {
    ref_line *ol = ref_single(c, r, "optimizer");
    if (ol == NULL || ol->ntok != 1) return ref_fail(r, "bad 'optimizer' line");
    dsc_optimizer_kind kind;
    if (optimizer_kind(ol->tok[0], &kind)) return ref_fail(r, "unknown optimizer '%s'", ol->tok[0]);
    if (api(r, dsc_optimizer_new(&n->opt, kind), "dsc_optimizer_new")) return -1;
    for (size_t i = 0; i < c->nlines; i++) {
        ref_line *l = &c->lines[i];
        if (strcmp(l->keyword, "param") != 0) continue;
        if (strncmp(l->tok[0], "sched_", 6) == 0) continue; /* read by make_sched */
        dsc_optimizer_param key;
        if (hparam_key(l->tok[0], &key)) return ref_fail(r, "param %s is not understood", l->tok[0]);
        double v;
        if (ref_param_double(c, r, l->tok[0], &v)) return -1;
        char what[96];
        snprintf(what, sizeof what, "dsc_optimizer_set(%s, %g)", l->tok[0], v);
        if (api(r, dsc_optimizer_set(n->opt, key, v), what)) return -1;
    }
    return api(r, dsc_optimizer_add_model(n->opt, n->model, NULL), "dsc_optimizer_add_model");
}

/* `sched_type StepLR` with `sched_step_size` and `sched_gamma`, as in kind
 * optimizer: a scheduler on the optimizer, stepped after each optimizer step. */
static int make_sched(ref_case *c, ref_result *r, net *n) {
    if (!ref_has_param(c, "sched_type")) return 0;
    const char *type = ref_param_str(c, r, "sched_type");
    if (type == NULL) return -1;
    if (strcmp(type, "StepLR") != 0) return ref_fail(r, "sched_type %s is not supported", type);
    double step_size, gamma;
    if (ref_param_double(c, r, "sched_step_size", &step_size) ||
        ref_param_double(c, r, "sched_gamma", &gamma))
        return -1;
    if (api(r, dsc_lr_scheduler_new(&n->sched, DSC_SCHED_STEP, n->opt), "dsc_lr_scheduler_new") ||
        api(r, dsc_lr_scheduler_set(n->sched, DSC_SCHED_PARAM_STEP_SIZE, step_size), "StepLR step_size") ||
        api(r, dsc_lr_scheduler_set(n->sched, DSC_SCHED_PARAM_GAMMA, gamma), "StepLR gamma") ||
        api(r, dsc_lr_scheduler_start(n->sched), "dsc_lr_scheduler_start"))
        return -1;
    return 0;
}

static int check_params(ref_case *c, ref_result *r, net *n, int grads, const char *wkey,
                        const char *bkey) {
    for (size_t d = 0; d < n->ndense; d++) {
        dense_info *di = &n->dense[d];
        size_t nw = di->in * di->out;
        dsc_status s = grads ? dsc_model_get_weight_grad(n->model, (size_t)di->index, n->buf, nw)
                             : dsc_model_get_weight(n->model, (size_t)di->index, n->buf, nw);
        if (api(r, s, "dsc_model_get_weight")) return -1;
        if (ref_check_f(c, r, wkey, di->index, n->buf, nw, REF_RTOL, REF_ATOL)) return -1;
        if (!di->bias) continue;
        s = grads ? dsc_model_get_bias_grad(n->model, (size_t)di->index, n->buf, di->out)
                  : dsc_model_get_bias(n->model, (size_t)di->index, n->buf, di->out);
        if (api(r, s, "dsc_model_get_bias")) return -1;
        if (ref_check_f(c, r, bkey, di->index, n->buf, di->out, REF_RTOL, REF_ATOL)) return -1;
    }
    return 0;
}

static int train(ref_case *c, ref_result *r, net *n) {
    ref_line *tl = ref_single(c, r, "steps");
    if (tl == NULL || tl->ntok != 1) return ref_fail(r, "bad 'steps' line");
    long T = strtol(tl->tok[0], NULL, 10);
    if (T < 1) return ref_fail(r, "steps is %ld", T);
    if (ref_vector_count(c, r, "expect_loss", 0) != T)
        return ref_fail(r, "there are not exactly %ld 'expect_loss' lines", T);
    size_t S = n->samples;
    for (long t = 0; t < T; t++) {
        const float *y = NULL;
        double loss;
        if (api(r, dsc_model_zero_grad(n->model), "dsc_model_zero_grad")) return -1;
        if (api(r, dsc_model_forward(n->model, n->x, S, &y), "dsc_model_forward")) return -1;
        dsc_status s = n->ce ? dsc_loss_forward_labels(n->loss, y, n->labels, S, n->out, &loss)
                             : dsc_loss_forward(n->loss, y, n->target, S, n->out, &loss);
        if (api(r, s, "dsc_loss_forward")) return -1;
        if (ref_check(c, r, "expect_loss", t, &loss, 1, REF_RTOL, REF_ATOL)) return -1;
        if (t == 0)
            for (size_t i = 0; i < S; i++)
                if (ref_check_f(c, r, "expect_output", (long)i, y + i * n->out, n->out, REF_RTOL,
                                REF_ATOL)) return -1;
        if (api(r, dsc_loss_backward(n->loss, n->dy), "dsc_loss_backward")) return -1;
        if (api(r, dsc_model_backward(n->model, n->dy, S), "dsc_model_backward")) return -1;
        if (t == 0 && check_params(c, r, n, 1, "expect_grad_weight", "expect_grad_bias")) return -1;
        if (api(r, dsc_optimizer_step(n->opt), "dsc_optimizer_step")) return -1;
        if (n->sched != NULL && api(r, dsc_lr_scheduler_step(n->sched), "dsc_lr_scheduler_step"))
            return -1;
    }
    return check_params(c, r, n, 0, "expect_weight", "expect_bias");
}

int conform_network(ref_case *c, ref_result *r) {
    net n;
    memset(&n, 0, sizeof n);
    int rc = build(c, r, &n);
    if (rc == 0) rc = load_data(c, r, &n);
    if (rc == 0) rc = make_optimizer(c, r, &n);
    if (rc == 0) rc = make_sched(c, r, &n);
    if (rc == 0) rc = train(c, r, &n);
    dsc_lr_scheduler_free(n.sched);
    dsc_optimizer_free(n.opt);
    dsc_loss_free(n.loss);
    dsc_model_free(n.model);
    free(n.x);
    free(n.target);
    free(n.dy);
    free(n.labels);
    free(n.tmp);
    free(n.buf);
    return rc;
}
