/* Finite-difference gradient checks (ggml's test-backend-ops idea): for every
 * layer kind, activation and loss, the analytic gradient of backward agrees
 * with central differences (L(p+h) - L(p-h)) / 2h, the loss taken in double,
 * for every parameter and every input element of small random cases. The
 * input gradient comes from the model's internal input_grad switch. */
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
    float x[64], t[64], dy[64];
    int32_t labels[8];
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

/* Checks every parameter and input gradient of g's model and loss. */
static void check_all(gc *g) {
    g->m->input_grad = 1;
    analytic(g);
    float *p = NULL, *grad = NULL;
    size_t n = 0;
    assert_ok(dsc_model_params(g->m, &p));
    assert_ok(dsc_model_grads(g->m, &grad));
    assert_ok(dsc_model_param_count(g->m, &n));
    float ana[64 * 8], dx[64];
    assert_true(n <= sizeof ana / sizeof ana[0]);
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
}

static void setup(gc *g, size_t batch, size_t in, size_t out, dsc_loss_kind kind) {
    memset(g, 0, sizeof *g);
    g->batch = batch;
    g->in = in;
    g->out = out;
    for (size_t i = 0; i < batch * in; i++) g->x[i] = (float)urand();
    for (size_t i = 0; i < batch * out; i++)
        g->t[i] = kind == DSC_LOSS_BCE_WITH_LOGITS ? (float)(0.5 + 0.5 * urand()) : (float)urand();
    for (size_t i = 0; i < batch; i++) g->labels[i] = (int32_t)(rs % out);
    assert_ok(dsc_loss_new(&g->loss, kind));
    assert_ok(dsc_model_new(&g->m, in));
}

/* Appends dense(in -> out); in must be the model's width so far. */
static void dense(gc *g, size_t in, size_t out, int bias) {
    size_t have = 0;
    assert_ok(dsc_model_widths(g->m, NULL, &have));
    assert_int_equal(have, in);
    assert_ok(dsc_model_add_dense(g->m, out, bias));
}

static void finish(gc *g, uint64_t seed) {
    assert_ok(dsc_model_build(g->m, g->batch));
    assert_ok(dsc_model_init(g->m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, seed));
    check_all(g);
    dsc_model_free(g->m);
    dsc_loss_free(g->loss);
}

static void test_gradcheck_dense(void **state) {
    (void)state;
    gc g;
    setup(&g, 3, 4, 3, DSC_LOSS_MSE);
    dense(&g, 4, 3, 1);
    finish(&g, 1);
    setup(&g, 2, 5, 2, DSC_LOSS_MSE);
    dense(&g, 5, 3, 0);
    dense(&g, 3, 2, 1);
    finish(&g, 2);
}

static void test_gradcheck_activations(void **state) {
    (void)state;
    static const dsc_activation acts[] = {DSC_ACTIVATION_IDENTITY, DSC_ACTIVATION_RELU,
                                          DSC_ACTIVATION_LEAKY_RELU, DSC_ACTIVATION_SIGMOID,
                                          DSC_ACTIVATION_TANH, DSC_ACTIVATION_GELU,
                                          DSC_ACTIVATION_SOFTMAX};
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        gc g;
        /* the activation alone: input gradient */
        setup(&g, 3, 5, 5, DSC_LOSS_MSE);
        if (acts[a] == DSC_ACTIVATION_LEAKY_RELU) assert_ok(dsc_model_add_leaky_relu(g.m, 0.1));
        else assert_ok(dsc_model_add_activation(g.m, acts[a]));
        finish(&g, 3);
        /* between two dense layers: parameter gradients through it */
        setup(&g, 3, 4, 3, DSC_LOSS_MSE);
        dense(&g, 4, 6, 1);
        assert_ok(dsc_model_add_activation(g.m, acts[a]));
        dense(&g, 6, 3, 1);
        finish(&g, 4 + a);
    }
}

/* Dropout is deterministic in evaluation mode (identity) and with p = 0; in
 * training mode its mask changes every forward (test_layer checks that
 * backward reuses the forward's mask exactly). */
static void test_gradcheck_dropout(void **state) {
    (void)state;
    gc g;
    setup(&g, 2, 3, 2, DSC_LOSS_MSE);
    dense(&g, 3, 4, 1);
    assert_ok(dsc_model_add_dropout(g.m, 0.5, 1));
    dense(&g, 4, 2, 1);
    assert_ok(dsc_model_build(g.m, 2));
    assert_ok(dsc_model_set_training(g.m, 0));
    check_all(&g);
    dsc_model_free(g.m);
    dsc_loss_free(g.loss);
    setup(&g, 2, 3, 2, DSC_LOSS_MSE);
    dense(&g, 3, 4, 1);
    assert_ok(dsc_model_add_dropout(g.m, 0.0, 1));
    dense(&g, 4, 2, 1);
    finish(&g, 9);
}

static void test_gradcheck_losses(void **state) {
    (void)state;
    static const dsc_loss_kind kinds[] = {DSC_LOSS_MSE, DSC_LOSS_CROSS_ENTROPY,
                                          DSC_LOSS_BCE_WITH_LOGITS, DSC_LOSS_HUBER, DSC_LOSS_L1,
                                          DSC_LOSS_SMOOTH_L1};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gc g;
        setup(&g, 4, 3, 4, kinds[k]);
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
        cmocka_unit_test(test_gradcheck_dense),
        cmocka_unit_test(test_gradcheck_activations),
        cmocka_unit_test(test_gradcheck_dropout),
        cmocka_unit_test(test_gradcheck_losses),
    };
    return cmocka_run_group_tests_name("gradcheck", tests, NULL, NULL);
}
