/* Finite-difference gradient checks (ggml's test-backend-ops idea): for every
 * layer kind, activation and loss, the analytic gradient of backward agrees
 * with central differences (L(p+h) - L(p-h)) / 2h, the loss taken in double,
 * for every parameter and every input element of small random cases. The
 * input gradient comes from the model's internal input_grad switch. Layer
 * kinds are checked through rows[] (one small model each, any input shape);
 * activations and losses through their own loops. Runs on every kernel set
 * (tests/run.sh). */
#include "harness.h"
#include "nn/loss_impl.h"
#include "nn/model_impl.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define H 3e-3
#define RTOL 2e-2
#define ATOL 5e-4

typedef struct gc {
    dsc_model *m;
    dsc_loss *loss;
    size_t batch, in, out;
    float *x, *t, *dy;
    int32_t labels[16];
} gc;

static uint64_t rs = 88172645463325252ull;
static double urand(void) { /* [-1, 1) */
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) / (double)(1ull << 52) - 1.0;
}

static double loss_at(gc *g) {
    const float *y = NULL;
    double v = 0;
    assert_ok(dsc_model_forward(g->m, g->x, g->batch, &y));
    if (g->loss->vt->uses_labels) assert_ok(dsc_loss_forward_labels(g->loss, y, g->labels, g->batch, g->out, &v));
    else assert_ok(dsc_loss_forward(g->loss, y, g->t, g->batch, g->out, &v));
    return v;
}

static void analytic(gc *g) {
    assert_ok(dsc_model_zero_grad(g->m));
    (void)loss_at(g);
    assert_ok(dsc_loss_backward(g->loss, g->dy));
    assert_ok(dsc_model_backward(g->m, g->dy, g->batch));
}

static void compare(const char *what, size_t i, double num, double ana) {
    double tol = RTOL * fmax(fabs(num), fabs(ana)) + ATOL;
    if (!(fabs(num - ana) <= tol))
        fail_msg("%s %zu: finite difference %.7g, backward %.7g", what, i, num, ana);
}

/* Checks every parameter and input gradient of g's built model and loss. */
static void check_all(gc *g) {
    g->m->input_grad = 1;
    analytic(g);
    float *p = NULL, *grad = NULL;
    size_t n = 0;
    assert_ok(dsc_model_params(g->m, &p));
    assert_ok(dsc_model_grads(g->m, &grad));
    assert_ok(dsc_model_param_count(g->m, &n));
    float *ana = test_malloc((n + 1) * sizeof(float)), *dx = test_malloc(g->batch * g->in * sizeof(float));
    memcpy(ana, grad, n * sizeof(float));
    memcpy(dx, g->m->dx, g->batch * g->in * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float keep = p[i];
        p[i] = keep + (float)H;
        double up = loss_at(g);
        p[i] = keep - (float)H;
        double down = loss_at(g);
        p[i] = keep;
        compare("parameter", i, (up - down) / (2 * H), ana[i]);
    }
    for (size_t i = 0; i < g->batch * g->in; i++) {
        float keep = g->x[i];
        g->x[i] = keep + (float)H;
        double up = loss_at(g);
        g->x[i] = keep - (float)H;
        double down = loss_at(g);
        g->x[i] = keep;
        compare("input", i, (up - down) / (2 * H), dx[i]);
    }
    test_free(ana);
    test_free(dx);
}

/* A model over samples of the given shape and a loss, not yet built. */
static void setup_shaped(gc *g, size_t batch, size_t ndim, const size_t *dims, dsc_loss_kind kind) {
    memset(g, 0, sizeof *g);
    g->batch = batch;
    assert_true(batch <= sizeof g->labels / sizeof g->labels[0]);
    assert_ok(dsc_loss_new(&g->loss, kind));
    assert_ok(dsc_model_new_shaped(&g->m, ndim, dims));
}

static void setup(gc *g, size_t batch, size_t in, dsc_loss_kind kind) {
    setup_shaped(g, batch, 1, &in, kind);
}

/* Appends dense(in -> out); in must be the model's width so far. */
static void dense(gc *g, size_t in, size_t out, int bias) {
    size_t have = 0;
    assert_ok(dsc_model_widths(g->m, NULL, &have));
    assert_int_equal(have, in);
    assert_ok(dsc_model_add_dense(g->m, out, bias));
}

/* Builds the model, draws inputs and targets for its widths, and
 * initializes it from seed (training selects the mode). */
static void build(gc *g, uint64_t seed, int training) {
    assert_ok(dsc_model_widths(g->m, &g->in, &g->out));
    assert_ok(dsc_model_build(g->m, g->batch));
    assert_ok(dsc_model_init(g->m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, seed));
    assert_ok(dsc_model_set_training(g->m, training));
    g->x = test_malloc(g->batch * g->in * sizeof(float));
    g->t = test_malloc(g->batch * g->out * sizeof(float));
    g->dy = test_malloc(g->batch * g->out * sizeof(float));
    /* Inputs: a shuffle of +-(0.05 + j*step), at least 0.05 from 0 (no
     * central difference straddles the kink of a (leaky) ReLU applied to the
     * input) and more than 2H apart (none moves the maximum of a max pool
     * applied to the input). */
    size_t nx = g->batch * g->in, half = (nx + 1) / 2;
    double step = 0.95 / (double)half;
    assert_true(step > 2.2 * H);
    for (size_t i = 0; i < nx; i++) {
        double v = 0.05 + (double)(i / 2) * step;
        g->x[i] = (float)(i % 2 ? -v : v);
    }
    for (size_t i = nx; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)((urand() + 1.0) * 0.5 * (double)i);
        if (j >= i) j = i - 1;
        float t = g->x[i - 1];
        g->x[i - 1] = g->x[j];
        g->x[j] = t;
    }
    int bce = g->loss->vt->kind == DSC_LOSS_BCE_WITH_LOGITS;
    for (size_t i = 0; i < g->batch * g->out; i++)
        g->t[i] = bce ? (float)(0.5 + 0.5 * urand()) : (float)urand();
    for (size_t i = 0; i < g->batch; i++) g->labels[i] = (int32_t)(rs % g->out);
}

static void release(gc *g) {
    dsc_model_free(g->m);
    dsc_loss_free(g->loss);
    test_free(g->x);
    test_free(g->t);
    test_free(g->dy);
}

static void finish(gc *g, uint64_t seed) {
    build(g, seed, 1);
    check_all(g);
    release(g);
}

/* ---- the table: one row per small model --------------------------------- */

/* The layers of a row, appended to a model of the row's input shape. */
typedef void (*gc_layers)(dsc_model *m);

typedef struct gc_row {
    const char *name;
    size_t batch, ndim, dims[DSC_MODEL_MAX_DIMS]; /* input: batch x shape */
    dsc_loss_kind loss;
    int training;       /* the mode the check runs in */
    gc_layers layers;
} gc_row;

static void l_dense(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 3, 1));
}

static void l_dense_stack(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 3, 0));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_flatten_dense(dsc_model *m) {
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(m, 4, 1));
}

/* Shaped elementwise layers keep the shape; flatten then dense. */
static void l_shaped_act(dsc_model *m) {
    assert_ok(dsc_model_add_leaky_relu(m, 0.2));
    assert_ok(dsc_model_add_dropout(m, 0.0, 3));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 3, 0));
}

static void l_dropout_eval(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_dropout(m, 0.5, 1));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_dropout_p0(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_dropout(m, 0.0, 1));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

/* Recurrent layers: the gradient flows back through every step (the whole
 * sequence, flattened, or only the last step, reaches the loss); hidden
 * sizes with vector tails. */
static void l_lstm_flatten(dsc_model *m) {
    assert_ok(dsc_model_add_lstm(m, 3, 5));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_gru_last(dsc_model *m) {
    assert_ok(dsc_model_add_gru(m, 3, 9));
    assert_ok(dsc_model_add_last_step(m));
    assert_ok(dsc_model_add_dense(m, 3, 1));
}

static void l_gru_lstm_last(dsc_model *m) {
    assert_ok(dsc_model_add_gru(m, 2, 4));
    assert_ok(dsc_model_add_lstm(m, 4, 17));
    assert_ok(dsc_model_add_last_step(m));
}

/* Batch norm in training mode couples the samples: every input's gradient
 * goes through the batch mean and variance. */
static void l_bn1d(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_batchnorm1d(m, 4, 1e-5, 0.1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_bn1d_cl(dsc_model *m) {
    assert_ok(dsc_model_add_batchnorm1d(m, 2, 1e-3, NAN));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_bn2d(dsc_model *m) {
    assert_ok(dsc_model_add_batchnorm2d(m, 2, 1e-5, 0.3));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 3, 1));
}

static void l_layernorm(dsc_model *m) {
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_layernorm(m, 4, 1e-5));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_conv_gelu_tanh(dsc_model *m) {
    assert_ok(dsc_model_add_conv1d(m, 2, 3, 3, 1, 1, 1, 1, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU_TANH));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

static void l_layernorm_tf(dsc_model *m) {
    assert_ok(dsc_model_add_layernorm(m, 4, 1e-5));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
}

/* conv1d with stride, padding, dilation and groups, avgpool1d (padding not
 * counted, ceil), flatten, dense. */
static void l_conv1d_avgpool(dsc_model *m) {
    assert_ok(dsc_model_add_conv1d(m, 4, 6, 3, 2, 2, 2, 2, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_avgpool1d(m, 2, 2, 1, 1, 0));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 3, 1));
}

/* maxpool2d (padding, dilation, ceil) on the input, conv2d (groups,
 * dilation, unequal strides, no bias), conv2d, avgpool2d counting the
 * padding, flatten, dense. The max pools read the input itself: after a
 * layer with parameters, a perturbed parameter could move a window's
 * maximum to another cell (a kink the central difference straddles). */
static void l_conv2d_pools(dsc_model *m) {
    const size_t k3[2] = {3, 2}, s21[2] = {2, 1}, p11[2] = {1, 1}, d21[2] = {2, 1}, k2[2] = {2, 2},
                 one[2] = {1, 1};
    assert_ok(dsc_model_add_maxpool2d(m, k2, one, one, (size_t[2]){1, 2}, 1));
    assert_ok(dsc_model_add_conv2d(m, 2, 4, k3, s21, p11, d21, 2, 0));
    assert_ok(dsc_model_add_conv2d(m, 4, 3, k2, NULL, p11, NULL, 1, 1));
    assert_ok(dsc_model_add_avgpool2d(m, (size_t[2]){3, 3}, (size_t[2]){2, 2}, one, 0, 1));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 3, 1));
}

/* maxpool1d straight on the input (its input gradient), then conv1d. */
static void l_maxpool1d_conv1d(dsc_model *m) {
    assert_ok(dsc_model_add_maxpool1d(m, 3, 2, 1, 1, 0));
    assert_ok(dsc_model_add_conv1d(m, 2, 3, 2, 1, 0, 1, 1, 1));
    assert_ok(dsc_model_add_flatten(m));
    assert_ok(dsc_model_add_dense(m, 2, 0));
}

/* Every model whose gradients are checked; new layer kinds add rows here. */
static const gc_row rows[] = {
    {"dense", 3, 1, {4}, DSC_LOSS_MSE, 1, l_dense},
    {"dense without bias, then dense", 2, 1, {5}, DSC_LOSS_MSE, 1, l_dense_stack},
    {"flatten (C x H x W), tanh, dense", 2, 3, {2, 3, 2}, DSC_LOSS_CROSS_ENTROPY, 1, l_flatten_dense},
    {"leaky relu, dropout p=0 on C x L, flatten, dense", 2, 2, {3, 4}, DSC_LOSS_MSE, 1, l_shaped_act},
    {"dropout in eval mode", 2, 1, {3}, DSC_LOSS_MSE, 0, l_dropout_eval},
    {"dropout p=0 in training mode", 2, 1, {3}, DSC_LOSS_MSE, 1, l_dropout_p0},
    {"lstm (T x F), flatten, dense", 2, 2, {4, 3}, DSC_LOSS_MSE, 1, l_lstm_flatten},
    {"gru, last step, dense", 3, 2, {5, 3}, DSC_LOSS_CROSS_ENTROPY, 1, l_gru_last},
    {"gru, lstm (stacked), last step", 2, 2, {3, 2}, DSC_LOSS_MSE, 1, l_gru_lstm_last},
    {"dense, batchnorm1d (training), tanh, dense", 4, 1, {5}, DSC_LOSS_MSE, 1, l_bn1d},
    {"dense, batchnorm1d in eval mode", 3, 1, {5}, DSC_LOSS_MSE, 0, l_bn1d},
    {"batchnorm1d on C x L (training), flatten, dense", 3, 2, {2, 3}, DSC_LOSS_MSE, 1, l_bn1d_cl},
    {"batchnorm2d (training), tanh, flatten, dense", 2, 3, {2, 3, 2}, DSC_LOSS_CROSS_ENTROPY, 1, l_bn2d},
    {"batchnorm2d in eval mode", 2, 3, {2, 2, 2}, DSC_LOSS_MSE, 0, l_bn2d},
    {"dense, layernorm, gelu, dense", 3, 1, {5}, DSC_LOSS_HUBER, 1, l_layernorm},
    {"conv1d, gelu (tanh approximation), flatten, dense", 3, 2, {2, 6}, DSC_LOSS_MSE, 1,
     l_conv_gelu_tanh},
    {"layernorm on T x F, flatten, dense", 2, 2, {3, 4}, DSC_LOSS_MSE, 1, l_layernorm_tf},
    {"conv1d (stride, padding, dilation, groups), tanh, avgpool1d, flatten, dense", 2, 2, {4, 11},
     DSC_LOSS_MSE, 1, l_conv1d_avgpool},
    {"maxpool2d (ceil), conv2d (groups, dilation), conv2d, avgpool2d, flatten, dense", 2, 3,
     {2, 9, 7}, DSC_LOSS_CROSS_ENTROPY, 1, l_conv2d_pools},
    {"maxpool1d, conv1d, flatten, dense", 3, 2, {2, 9}, DSC_LOSS_MSE, 1, l_maxpool1d_conv1d},
};

static void test_gradcheck_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const gc_row *row = &rows[i];
        print_message("gradcheck: %s\n", row->name);
        gc g;
        /* Each row's data and weights follow from its name alone, so adding
         * or reordering rows moves no other row onto a kink. */
        uint64_t h = 14695981039346656037ull; /* FNV-1a */
        for (const char *c = row->name; *c != '\0'; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
        rs = h | 1;
        setup_shaped(&g, row->batch, row->ndim, row->dims, row->loss);
        row->layers(g.m);
        build(&g, h >> 32, row->training);
        check_all(&g);
        release(&g);
    }
}

static void test_gradcheck_activations(void **state) {
    (void)state;
    rs = 88172645463325252ull; /* its own data, whatever rows the table gains */
    static const dsc_activation acts[] = {DSC_ACTIVATION_IDENTITY, DSC_ACTIVATION_RELU,
                                          DSC_ACTIVATION_LEAKY_RELU, DSC_ACTIVATION_SIGMOID,
                                          DSC_ACTIVATION_TANH, DSC_ACTIVATION_GELU,
                                          DSC_ACTIVATION_SOFTMAX, DSC_ACTIVATION_GELU_TANH};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        gc g;
        /* the activation alone: input gradient */
        setup(&g, 3, 5, DSC_LOSS_MSE);
        if (acts[a] == DSC_ACTIVATION_LEAKY_RELU) assert_ok(dsc_model_add_leaky_relu(g.m, 0.1));
        else assert_ok(dsc_model_add_activation(g.m, acts[a]));
        finish(&g, 3);
        /* between two dense layers: parameter gradients through it */
        setup(&g, 3, 4, DSC_LOSS_MSE);
        dense(&g, 4, 6, 1);
        assert_ok(dsc_model_add_activation(g.m, acts[a]));
        dense(&g, 6, 3, 1);
        finish(&g, 4 + a);
    }
}

static void test_gradcheck_losses(void **state) {
    (void)state;
    rs = 88172645463325252ull; /* its own data, whatever rows the table gains */
    static const dsc_loss_kind kinds[] = {DSC_LOSS_MSE, DSC_LOSS_CROSS_ENTROPY,
                                          DSC_LOSS_BCE_WITH_LOGITS, DSC_LOSS_HUBER, DSC_LOSS_L1,
                                          DSC_LOSS_SMOOTH_L1};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gc g;
        setup(&g, 4, 3, kinds[k]);
        if (kinds[k] == DSC_LOSS_HUBER) assert_ok(dsc_loss_set(g.loss, DSC_LOSS_PARAM_DELTA, 0.4));
        if (kinds[k] == DSC_LOSS_SMOOTH_L1) assert_ok(dsc_loss_set(g.loss, DSC_LOSS_PARAM_BETA, 0.6));
        dense(&g, 3, 5, 1);
        assert_ok(dsc_model_add_activation(g.m, DSC_ACTIVATION_TANH));
        dense(&g, 5, 4, 1);
        finish(&g, 20 + k);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_table),
        cmocka_unit_test(test_gradcheck_activations),
        cmocka_unit_test(test_gradcheck_losses),
    };
    return cmocka_run_group_tests_name("gradcheck", tests, NULL, NULL);
}
