/* Runner for kind network cases, through the public API only: build the
 * model from `input_shape` and the `layer` lines (tests/conform/layers.c),
 * load every named parameter (and the buffers the case gives), then T
 * full-batch steps of zero_grad, forward, loss, backward, optimizer step,
 * checking outputs and gradients at step 0, the loss at every step, the
 * parameters and buffers at the end, and the eval-mode outputs. */
#define DESCENT_EXPERIMENTAL_API
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

/* The loss line's types: `loss <type> key=value...`. */
static const struct {
    const char *type;
    dsc_loss_kind kind;
    const char *key;           /* its one key, or NULL */
    dsc_loss_param param;
} losses[] = {
    {"mse", DSC_LOSS_MSE, NULL, (dsc_loss_param)0},
    {"cross_entropy", DSC_LOSS_CROSS_ENTROPY, NULL, (dsc_loss_param)0},
    {"l1", DSC_LOSS_L1, NULL, (dsc_loss_param)0},
    {"bce_with_logits", DSC_LOSS_BCE_WITH_LOGITS, NULL, (dsc_loss_param)0},
    {"huber", DSC_LOSS_HUBER, "delta", DSC_LOSS_PARAM_DELTA},
};

typedef struct net {
    dsc_model *model;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;   /* StepLR when the case has sched_type, else NULL */
    dsc_loss *loss;
    size_t in, out, samples;
    size_t maxn;               /* the largest tensor or row, for buf and tmp */
    int shaped;                /* the case has input_shape (and so expect_eval_output) */
    int ce;                    /* labels (cross_entropy) rather than targets */
    float *x, *target, *dy, *buf;
    int32_t *labels;
    double *tmp;
} net;

/* `input_shape d1 [d2 [d3]]`, or the flat width of the first dense layer. */
static int make_model(ref_case *c, ref_result *r, net *n, ref_line **layers, size_t nl) {
    ref_line *sl = NULL;
    for (size_t i = 0; i < c->nlines; i++)
        if (strcmp(c->lines[i].keyword, "input_shape") == 0) sl = ref_single(c, r, "input_shape");
    if (sl != NULL) {
        size_t dims[DSC_MODEL_MAX_DIMS];
        if (sl->ntok < 1 || sl->ntok > DSC_MODEL_MAX_DIMS)
            return ref_fail(r, "input_shape needs 1..%d sizes", DSC_MODEL_MAX_DIMS);
        for (size_t d = 0; d < sl->ntok; d++) {
            char *end = NULL;
            long v = strtol(sl->tok[d], &end, 10);
            if (*end != '\0' || v < 1) return ref_fail(r, "input_shape: '%s' is not a size", sl->tok[d]);
            dims[d] = (size_t)v;
        }
        n->shaped = 1;
        return api(r, dsc_model_new_shaped(&n->model, sl->ntok, dims), "dsc_model_new_shaped");
    }
    if (r->failed) return -1;
    size_t width = 0;
    for (size_t i = 0; i < nl; i++) /* the input width is the first dense layer's */
        if (strcmp(layers[i]->tok[0], "dense") == 0 && layers[i]->ntok == 3) {
            width = strtoul(layers[i]->tok[1], NULL, 10);
            break;
        }
    if (width == 0) return ref_fail(r, "no input_shape, and no dense layer gives the input width");
    return api(r, dsc_model_new(&n->model, width), "dsc_model_new");
}

/* Calls fn(n, layer, tensor index, name, is_buffer, numel) for every named
 * tensor of the model; stops at the first failure. */
typedef int (*tensor_fn)(ref_case *c, ref_result *r, net *n, size_t layer, const char *name,
                         int is_buffer, size_t numel);

static int each_tensor(ref_case *c, ref_result *r, net *n, tensor_fn fn) {
    size_t L = 0;
    if (api(r, dsc_model_layer_count(n->model, &L), "dsc_model_layer_count")) return -1;
    for (size_t i = 0; i < L; i++) {
        size_t nt = 0;
        if (api(r, dsc_model_layer_tensor_count(n->model, i, &nt), "dsc_model_layer_tensor_count"))
            return -1;
        for (size_t t = 0; t < nt; t++) {
            const char *name = NULL;
            int is_buffer = 0;
            size_t ndim = 0, dims[DSC_TENSOR_MAX_DIMS], numel = 1;
            if (api(r, dsc_model_layer_tensor_info(n->model, i, t, &name, NULL, &is_buffer, &ndim,
                                                   dims), "dsc_model_layer_tensor_info"))
                return -1;
            for (size_t d = 0; d < ndim; d++) numel *= dims[d];
            if (fn(c, r, n, i, name, is_buffer, numel)) return -1;
        }
    }
    return 0;
}

static int grow(ref_result *r, net *n, size_t need) {
    if (need <= n->maxn) return 0;
    float *b = realloc(n->buf, need * sizeof(float));
    if (b != NULL) n->buf = b;
    double *t = realloc(n->tmp, need * sizeof(double));
    if (t != NULL) n->tmp = t;
    if (b == NULL || t == NULL) return ref_fail(r, "out of memory");
    n->maxn = need;
    return 0;
}

/* `<name> i` sets each parameter (required) and buffer (when present: their
 * values before step 0). */
static int load_tensor(ref_case *c, ref_result *r, net *n, size_t layer, const char *name,
                       int is_buffer, size_t numel) {
    if (is_buffer && !ref_has_vector(c, name, (long)layer)) return 0;
    if (grow(r, n, numel) || read_floats(c, r, name, (long)layer, n->buf, numel, n->tmp)) return -1;
    dsc_status s = is_buffer ? dsc_model_set_buffer(n->model, layer, name, n->buf, numel)
                             : dsc_model_set_param(n->model, layer, name, n->buf, numel);
    return api(r, s, is_buffer ? "dsc_model_set_buffer" : "dsc_model_set_param");
}

static int build(ref_case *c, ref_result *r, net *n) {
    ref_line *layers[MAX_LAYERS];
    size_t nl = ref_lines(c, "layer", layers, MAX_LAYERS);
    if (nl == 0 || nl > MAX_LAYERS) return ref_fail(r, "%zu layer lines (1..%d supported)", nl, MAX_LAYERS);
    if (make_model(c, r, n, layers, nl)) return -1;
    for (size_t i = 0; i < nl; i++) {
        conform_layer b = {c, r, layers[i], i, n->model};
        if (conform_add_layer(&b)) return -1;
    }
    if (api(r, dsc_model_widths(n->model, &n->in, &n->out), "dsc_model_widths")) return -1;
    ref_line *sl = ref_single(c, r, "samples");
    if (sl == NULL || sl->ntok != 1) return ref_fail(r, "bad 'samples' line");
    n->samples = strtoul(sl->tok[0], NULL, 10);
    if (n->samples == 0) return ref_fail(r, "samples is 0");
    if (api(r, dsc_model_build(n->model, n->samples), "dsc_model_build")) return -1;
    if (grow(r, n, (n->in > n->out ? n->in : n->out) + 16)) return -1;
    return each_tensor(c, r, n, load_tensor);
}

static int load_data(ref_case *c, ref_result *r, net *n) {
    ref_line *ll = ref_single(c, r, "loss");
    if (ll == NULL || ll->ntok < 1) return ref_fail(r, "bad 'loss' line");
    size_t k = 0, nloss = sizeof losses / sizeof losses[0];
    while (k < nloss && strcmp(ll->tok[0], losses[k].type) != 0) k++;
    if (k == nloss) return ref_fail(r, "unknown loss '%s'", ll->tok[0]);
    const char *keys[2] = {losses[k].key, NULL}, *values[1] = {NULL};
    if (conform_kv(r, "loss", ll->tok + 1, ll->ntok - 1, keys, values)) return -1;
    n->ce = losses[k].kind == DSC_LOSS_CROSS_ENTROPY;
    if (api(r, dsc_loss_new(&n->loss, losses[k].kind), "dsc_loss_new")) return -1;
    if (losses[k].key != NULL) {
        double v;
        if (conform_kv_double(r, "loss", losses[k].key, values[0], &v) ||
            api(r, dsc_loss_set(n->loss, losses[k].param, v), "dsc_loss_set"))
            return -1;
    }
    size_t S = n->samples;
    n->x = malloc(S * n->in * sizeof(float));
    n->dy = malloc(S * n->out * sizeof(float));
    n->target = malloc(S * n->out * sizeof(float));
    n->labels = malloc(S * sizeof(int32_t));
    if (!n->x || !n->dy || !n->target || !n->labels) return ref_fail(r, "out of memory");
    for (size_t s = 0; s < S; s++) {
        if (read_floats(c, r, "input", (long)s, n->x + s * n->in, n->in, n->tmp)) return -1;
        if (n->ce) {
            double v;
            long got = ref_vector(c, r, "label", (long)s, &v, 1);
            if (got != 1) return ref_fail(r, "'label %zu' must hold one class index", s);
            if (v != (double)(int32_t)v) return ref_fail(r, "'label %zu' is not an integer", s);
            n->labels[s] = (int32_t)v;
        } else if (read_floats(c, r, "target", (long)s, n->target + s * n->out, n->out, n->tmp)) {
            return -1;
        }
    }
    if (ref_vector_count(c, r, "input", 0) != (long)S)
        return ref_fail(r, "there are not exactly %zu 'input' lines", S);
    return 0;
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

/* expect_grad_<name> i (step 0) or expect_<name> i (after the last step)
 * for every parameter; expect_<name> i for a buffer when the case has it. */
static int check_grad(ref_case *c, ref_result *r, net *n, size_t layer, const char *name,
                      int is_buffer, size_t numel) {
    if (is_buffer) return 0;
    char key[96];
    snprintf(key, sizeof key, "expect_grad_%s", name);
    if (grow(r, n, numel) ||
        api(r, dsc_model_get_param_grad(n->model, layer, name, n->buf, numel), "dsc_model_get_param_grad"))
        return -1;
    return ref_check_f(c, r, key, (long)layer, n->buf, numel, REF_RTOL, REF_ATOL);
}

static int check_final(ref_case *c, ref_result *r, net *n, size_t layer, const char *name,
                       int is_buffer, size_t numel) {
    char key[96];
    snprintf(key, sizeof key, "expect_%s", name);
    if (is_buffer && !ref_has_vector(c, key, (long)layer)) return 0;
    if (grow(r, n, numel)) return -1;
    dsc_status s = is_buffer ? dsc_model_get_buffer(n->model, layer, name, n->buf, numel)
                             : dsc_model_get_param(n->model, layer, name, n->buf, numel);
    if (api(r, s, is_buffer ? "dsc_model_get_buffer" : "dsc_model_get_param")) return -1;
    return ref_check_f(c, r, key, (long)layer, n->buf, numel, REF_RTOL, REF_ATOL);
}

/* expect_eval_output s: every sample through the trained model in eval mode. */
static int check_eval(ref_case *c, ref_result *r, net *n) {
    if (!ref_has_vector(c, "expect_eval_output", 0)) {
        if (n->shaped) return ref_fail(r, "'expect_eval_output 0' is missing");
        return 0;
    }
    const float *y = NULL;
    if (api(r, dsc_model_set_training(n->model, 0), "dsc_model_set_training") ||
        api(r, dsc_model_forward(n->model, n->x, n->samples, &y), "dsc_model_forward"))
        return -1;
    if (ref_vector_count(c, r, "expect_eval_output", 0) != (long)n->samples)
        return ref_fail(r, "there are not exactly %zu 'expect_eval_output' lines", n->samples);
    for (size_t i = 0; i < n->samples; i++)
        if (ref_check_f(c, r, "expect_eval_output", (long)i, y + i * n->out, n->out, REF_RTOL,
                        REF_ATOL))
            return -1;
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
        if (t == 0 && each_tensor(c, r, n, check_grad)) return -1;
        if (api(r, dsc_optimizer_step(n->opt), "dsc_optimizer_step")) return -1;
        if (n->sched != NULL && api(r, dsc_lr_scheduler_step(n->sched), "dsc_lr_scheduler_step"))
            return -1;
    }
    if (each_tensor(c, r, n, check_final)) return -1;
    return check_eval(c, r, n);
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
