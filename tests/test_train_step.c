/* dsc_model_train_step against the seven calls it fuses (zero_grad,
 * forward, loss forward, loss backward, backward, optimizer step): bit for
 * bit the same parameters, gradients, optimizer state, step counts, norm and
 * loss, for every optimizer kind with and without clipping and weight
 * decay, every layer kind, several groups, a gradient hook, threads on and
 * off; refusals that change nothing; argument checks; no allocation. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXB 6

/* One model, loss and optimizer: one path's state. */
typedef struct rig {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    size_t in, out, n;
    int labels;
} rig;

enum { ARCH_MLP, ARCH_NORM, ARCH_RNN, ARCH_CONV2D, ARCH_CONV1D, ARCH_WIDE, ARCH_COUNT };

/* Every layer kind: dense (with and without bias), every activation,
 * dropout, flatten, batch norm 1d/2d, layer norm, LSTM, GRU, last step,
 * conv1d/2d, max and average pooling 1d/2d. */
static void build_model(int arch, dsc_model **out, size_t *in, size_t *width, int *labels,
                        dsc_loss_kind *lk) {
    dsc_model *m = NULL;
    switch (arch) {
    case ARCH_MLP:
        assert_ok(dsc_model_new(&m, 7));
        assert_ok(dsc_model_add_dense(m, 16, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
        assert_ok(dsc_model_add_dropout(m, 0.25, 7));
        assert_ok(dsc_model_add_dense(m, 12, 1));
        assert_ok(dsc_model_add_leaky_relu(m, 0.1));
        assert_ok(dsc_model_add_dense(m, 10, 0));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU));
        assert_ok(dsc_model_add_dense(m, 9, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_SIGMOID));
        assert_ok(dsc_model_add_dense(m, 8, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_IDENTITY));
        assert_ok(dsc_model_add_dense(m, 3, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_SOFTMAX));
        *lk = DSC_LOSS_MSE;
        break;
    case ARCH_NORM: {
        const size_t dims[3] = {2, 3, 3};
        assert_ok(dsc_model_new_shaped(&m, 3, dims));
        assert_ok(dsc_model_add_batchnorm2d(m, 2, 1e-5, 0.1));
        assert_ok(dsc_model_add_flatten(m));
        assert_ok(dsc_model_add_dense(m, 10, 1));
        assert_ok(dsc_model_add_batchnorm1d(m, 10, 1e-5, 0.1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
        assert_ok(dsc_model_add_dense(m, 4, 1));
        *lk = DSC_LOSS_CROSS_ENTROPY;
        break;
    }
    case ARCH_RNN: {
        const size_t dims[2] = {5, 3};
        assert_ok(dsc_model_new_shaped(&m, 2, dims));
        assert_ok(dsc_model_add_lstm(m, 3, 6));
        assert_ok(dsc_model_add_gru(m, 6, 5));
        assert_ok(dsc_model_add_last_step(m));
        assert_ok(dsc_model_add_layernorm(m, 5, 1e-5));
        assert_ok(dsc_model_add_dense(m, 2, 1));
        *lk = DSC_LOSS_BCE_WITH_LOGITS;
        break;
    }
    case ARCH_CONV2D: {
        const size_t dims[3] = {2, 7, 6}, k3[2] = {3, 3}, k2[2] = {2, 2}, one[2] = {1, 1};
        assert_ok(dsc_model_new_shaped(&m, 3, dims));
        assert_ok(dsc_model_add_conv2d(m, 2, 4, k3, NULL, one, NULL, 2, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
        assert_ok(dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 1));
        assert_ok(dsc_model_add_conv2d(m, 4, 3, k2, NULL, NULL, NULL, 1, 0));
        assert_ok(dsc_model_add_avgpool2d(m, k2, one, NULL, 0, 1));
        assert_ok(dsc_model_add_flatten(m));
        assert_ok(dsc_model_add_dense(m, 3, 1));
        *lk = DSC_LOSS_CROSS_ENTROPY;
        break;
    }
    case ARCH_CONV1D: {
        const size_t dims[2] = {3, 11};
        assert_ok(dsc_model_new_shaped(&m, 2, dims));
        assert_ok(dsc_model_add_conv1d(m, 3, 4, 3, 2, 1, 1, 1, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
        assert_ok(dsc_model_add_maxpool1d(m, 2, 1, 0, 1, 0));
        assert_ok(dsc_model_add_avgpool1d(m, 2, 1, 0, 1, 0));
        assert_ok(dsc_model_add_flatten(m));
        assert_ok(dsc_model_add_dense(m, 2, 1));
        *lk = DSC_LOSS_MSE;
        break;
    }
    default: /* large enough that GEMMs, the norm and the updates split over threads */
        assert_ok(dsc_model_new(&m, 300));
        assert_ok(dsc_model_add_dense(m, 400, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
        assert_ok(dsc_model_add_dense(m, 200, 1));
        assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
        assert_ok(dsc_model_add_dense(m, 10, 1));
        *lk = DSC_LOSS_HUBER;
        break;
    }
    assert_ok(dsc_model_build(m, MAXB));
    assert_ok(dsc_model_widths(m, in, width));
    *labels = *lk == DSC_LOSS_CROSS_ENTROPY;
    *out = m;
}

/* Settings per variant: 0 defaults; 1 norm clipping (tight, so it
 * clips); 2 value clipping and weight decay; 3 both clippings, maximize. */
static void configure(dsc_optimizer *opt, dsc_optimizer_kind kind, int variant) {
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, kind == DSC_OPTIMIZER_ADADELTA ? 0.5 : 0.01));
    if (kind == DSC_OPTIMIZER_SGD && variant > 0) {
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9));
        if (variant == 2) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_NESTEROV, 1));
    }
    if (kind == DSC_OPTIMIZER_ADAM && variant == 3)
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1));
    if (kind == DSC_OPTIMIZER_RMSPROP && variant >= 2) {
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CENTERED, 1));
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.5));
    }
    if (variant == 1 || variant == 3)
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 0.05));
    if (variant >= 2) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_VALUE, 0.02));
    if (variant == 2 && kind != DSC_OPTIMIZER_RPROP)
        assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 0.01));
    if (variant == 3) assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MAXIMIZE, 1));
}

/* groups 2: the parameters in two groups cut inside the first layer, the
 * second at half the learning rate. */
static void rig_new(rig *r, int arch, dsc_optimizer_kind kind, int variant, int groups) {
    dsc_loss_kind lk;
    build_model(arch, &r->m, &r->in, &r->out, &r->labels, &lk);
    assert_ok(dsc_model_param_count(r->m, &r->n));
    assert_ok(dsc_loss_new(&r->loss, lk));
    assert_ok(dsc_optimizer_new(&r->opt, kind));
    configure(r->opt, kind, variant);
    if (groups == 1) {
        assert_ok(dsc_optimizer_add_model(r->opt, r->m, NULL));
    } else {
        float *p, *g;
        assert_ok(dsc_model_params(r->m, &p));
        assert_ok(dsc_model_grads(r->m, &g));
        const size_t cut = 37;
        assert_ok(dsc_optimizer_add_params(r->opt, p, g, cut, NULL));
        assert_ok(dsc_optimizer_add_params(r->opt, p + cut, g + cut, r->n - cut, NULL));
        assert_ok(dsc_optimizer_group_set(r->opt, 1, DSC_OPTIMIZER_PARAM_LR, 0.005));
    }
}

static void rig_free(rig *r) {
    dsc_optimizer_free(r->opt);
    dsc_loss_free(r->loss);
    dsc_model_free(r->m);
}

/* Batch s of a deterministic stream. */
static size_t make_batch(const rig *r, unsigned s, float *x, float *t, int32_t *lab) {
    size_t b = 2 + s % (MAXB - 1);
    unsigned v = 12345u + 977u * s;
    for (size_t i = 0; i < b * r->in; i++) {
        v = v * 1103515245u + 12345u;
        x[i] = (float)((v >> 9) % 2001) / 1000.0f - 1.0f;
    }
    for (size_t i = 0; i < b * r->out; i++) {
        v = v * 1103515245u + 12345u;
        t[i] = (float)((v >> 9) % 1001) / 1000.0f;
    }
    for (size_t i = 0; i < b; i++) lab[i] = (int32_t)((s + 3 * i) % r->out);
    return b;
}

/* The seven calls. */
static dsc_status seven_calls(rig *r, const float *x, const float *t, const int32_t *lab, size_t b,
                              double *value) {
    static float dy[MAXB * 400];
    const float *y;
    assert_ok(dsc_model_zero_grad(r->m));
    assert_ok(dsc_model_forward(r->m, x, b, &y));
    if (r->labels) assert_ok(dsc_loss_forward_labels(r->loss, y, lab, b, r->out, value));
    else assert_ok(dsc_loss_forward(r->loss, y, t, b, r->out, value));
    assert_ok(dsc_loss_backward(r->loss, dy));
    assert_ok(dsc_model_backward(r->m, dy, b));
    return dsc_optimizer_step(r->opt);
}

static dsc_status fused(rig *r, const float *x, const float *t, const int32_t *lab, size_t b,
                        double *value) {
    return dsc_model_train_step(r->m, r->loss, r->opt, x, r->labels ? NULL : t,
                                r->labels ? lab : NULL, b, value);
}

/* Everything a step leaves, compared bit for bit. */
static void assert_same(const rig *a, const rig *b, const char *what) {
    float *pa, *pb, *ga, *gb;
    assert_ok(dsc_model_params(a->m, &pa));
    assert_ok(dsc_model_params(b->m, &pb));
    assert_ok(dsc_model_grads(a->m, &ga));
    assert_ok(dsc_model_grads(b->m, &gb));
    if (memcmp(pa, pb, a->n * sizeof(float)) != 0) fail_msg("%s: parameters differ", what);
    if (memcmp(ga, gb, a->n * sizeof(float)) != 0) fail_msg("%s: gradients differ", what);
    size_t ng, ns;
    assert_ok(dsc_optimizer_group_count(a->opt, &ng));
    assert_ok(dsc_optimizer_state_count(a->opt, &ns));
    static float sa[300000], sb[300000];
    for (size_t g = 0; g < ng; g++) {
        size_t n;
        uint64_t ca, cb;
        assert_ok(dsc_optimizer_group_size(a->opt, g, &n));
        assert_ok(dsc_optimizer_group_step_count(a->opt, g, &ca));
        assert_ok(dsc_optimizer_group_step_count(b->opt, g, &cb));
        if (ca != cb) fail_msg("%s: step counts differ", what);
        for (size_t s = 0; s < ns; s++) {
            int ua, ub;
            assert_ok(dsc_optimizer_state_in_use(a->opt, g, s, &ua));
            assert_ok(dsc_optimizer_state_in_use(b->opt, g, s, &ub));
            if (ua != ub) fail_msg("%s: state %zu in use differs", what, s);
            assert_ok(dsc_optimizer_state_get(a->opt, g, s, sa, n));
            assert_ok(dsc_optimizer_state_get(b->opt, g, s, sb, n));
            if (memcmp(sa, sb, n * sizeof(float)) != 0)
                fail_msg("%s: group %zu state %zu differs", what, g, s);
        }
        double mpa, mpb;
        if (dsc_optimizer_group_get(a->opt, g, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mpa) == DSC_OK) {
            assert_ok(dsc_optimizer_group_get(b->opt, g, DSC_OPTIMIZER_PARAM_MU_PRODUCT, &mpb));
            if (mpa != mpb) fail_msg("%s: mu_product differs", what);
        }
    }
    double na, nb;
    uint64_t ra, rb;
    assert_ok(dsc_optimizer_last_grad_norm(a->opt, &na));
    assert_ok(dsc_optimizer_last_grad_norm(b->opt, &nb));
    if (memcmp(&na, &nb, sizeof na) != 0) fail_msg("%s: norms differ: %.17g %.17g", what, na, nb);
    assert_ok(dsc_optimizer_refused_steps(a->opt, &ra));
    assert_ok(dsc_optimizer_refused_steps(b->opt, &rb));
    if (ra != rb) fail_msg("%s: refused counts differ", what);
}

static float xb[MAXB * 300], tb[MAXB * 400];
static int32_t lb[MAXB];

/* Steps of both paths side by side; every state compared after each. */
static void compare_paths(int arch, dsc_optimizer_kind kind, int variant, int groups, int steps) {
    rig a, b;
    rig_new(&a, arch, kind, variant, groups);
    rig_new(&b, arch, kind, variant, groups);
    char what[96];
    for (int s = 0; s < steps; s++) {
        snprintf(what, sizeof what, "arch %d kind %d variant %d groups %d step %d", arch,
                 (int)kind, variant, groups, s);
        size_t n = make_batch(&a, (unsigned)s, xb, tb, lb);
        double va = 0.0, vb = 0.0;
        dsc_status sa = seven_calls(&a, xb, tb, lb, n, &va);
        dsc_status sb = fused(&b, xb, tb, lb, n, &vb);
        if (sa != sb) fail_msg("%s: statuses %s and %s", what, dsc_status_name(sa),
                               dsc_status_name(sb));
        if (sa == DSC_OK && memcmp(&va, &vb, sizeof va) != 0) fail_msg("%s: losses differ", what);
        assert_same(&a, &b, what);
    }
    rig_free(&a);
    rig_free(&b);
}

static void test_every_optimizer_and_layer(void **state) {
    (void)state;
    for (int kind = DSC_OPTIMIZER_SGD; kind <= DSC_OPTIMIZER_RPROP; kind++)
        for (int variant = 0; variant < 4; variant++)
            for (int arch = ARCH_MLP; arch < ARCH_WIDE; arch++)
                compare_paths(arch, (dsc_optimizer_kind)kind, variant, 1, 4);
}

static void test_several_groups(void **state) {
    (void)state;
    for (int kind = DSC_OPTIMIZER_SGD; kind <= DSC_OPTIMIZER_RPROP; kind++)
        for (int variant = 0; variant < 4; variant += 1)
            compare_paths(ARCH_MLP, (dsc_optimizer_kind)kind, variant, 2, 3);
}

static void test_threads_on_and_off(void **state) {
    (void)state;
    static const dsc_optimizer_kind kinds[] = {DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_ADAM,
                                               DSC_OPTIMIZER_NADAM, DSC_OPTIMIZER_RPROP};
    for (int threads = 1; threads <= 2; threads++) {
        assert_ok(dsc_set_threads(threads));
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            for (int variant = 0; variant < 4; variant += 1)
                compare_paths(ARCH_WIDE, kinds[k], variant, 1, 2);
    }
    /* And the fused step's bits do not depend on the thread count. */
    rig a, b;
    rig_new(&a, ARCH_WIDE, DSC_OPTIMIZER_ADAM, 1, 1);
    rig_new(&b, ARCH_WIDE, DSC_OPTIMIZER_ADAM, 1, 1);
    for (unsigned s = 0; s < 3; s++) {
        size_t n = make_batch(&a, s, xb, tb, lb);
        double va, vb;
        assert_ok(dsc_set_threads(1));
        assert_ok(fused(&a, xb, tb, lb, n, &va));
        assert_ok(dsc_set_threads(2));
        assert_ok(fused(&b, xb, tb, lb, n, &vb));
        assert_same(&a, &b, "fused, 1 thread against 2");
    }
    assert_ok(dsc_set_threads(1));
    rig_free(&a);
    rig_free(&b);
}

/* A hook halving the gradients: the fused call runs dsc_optimizer_step. */
static dsc_status halve(dsc_optimizer *opt, size_t group, float *g, size_t n, void *user) {
    (void)opt;
    (void)group;
    (*(int *)user)++;
    for (size_t i = 0; i < n; i++) g[i] *= 0.5f;
    return DSC_OK;
}

static void test_gradient_hook(void **state) {
    (void)state;
    rig a, b;
    int ca = 0, cb = 0;
    rig_new(&a, ARCH_MLP, DSC_OPTIMIZER_ADAM, 1, 1);
    rig_new(&b, ARCH_MLP, DSC_OPTIMIZER_ADAM, 1, 1);
    assert_ok(dsc_optimizer_set_grad_hook(a.opt, halve, &ca));
    assert_ok(dsc_optimizer_set_grad_hook(b.opt, halve, &cb));
    for (unsigned s = 0; s < 3; s++) {
        size_t n = make_batch(&a, s, xb, tb, lb);
        double va, vb;
        assert_ok(seven_calls(&a, xb, tb, lb, n, &va));
        assert_ok(fused(&b, xb, tb, lb, n, &vb));
        assert_same(&a, &b, "hook");
    }
    assert_int_equal(ca, 3);
    assert_int_equal(cb, 3);
    rig_free(&a);
    rig_free(&b);
}

/* Snapshot of what a refused step must keep. */
typedef struct snap {
    float p[4096], s[3][4096];
    uint64_t steps;
} snap;

static void take(const rig *r, snap *z) {
    float *p;
    size_t ns;
    assert_true(r->n <= 4096);
    memset(z, 0, sizeof *z);
    assert_ok(dsc_model_params(r->m, &p));
    memcpy(z->p, p, r->n * sizeof(float));
    assert_ok(dsc_optimizer_state_count(r->opt, &ns));
    for (size_t s = 0; s < ns; s++) assert_ok(dsc_optimizer_state_get(r->opt, 0, s, z->s[s], r->n));
    assert_ok(dsc_optimizer_group_step_count(r->opt, 0, &z->steps));
}

static void assert_kept(const rig *r, const snap *z) {
    snap now;
    take(r, &now);
    assert_memory_equal(now.p, z->p, r->n * sizeof(float));
    assert_memory_equal(now.s, z->s, sizeof z->s);
    assert_true(now.steps == z->steps);
}

static void test_refused_step_changes_nothing(void **state) {
    (void)state;
    for (int variant = 0; variant < 2; variant++) { /* early checks, then checks after the norm */
        rig a, b;
        rig_new(&a, ARCH_MLP, DSC_OPTIMIZER_ADAM, variant, 1);
        rig_new(&b, ARCH_MLP, DSC_OPTIMIZER_ADAM, variant, 1);
        size_t n = make_batch(&a, 0, xb, tb, lb);
        double v;
        assert_ok(seven_calls(&a, xb, tb, lb, n, &v));
        assert_ok(fused(&b, xb, tb, lb, n, &v));
        /* The first layer's weights on input 0 at the largest float, input 0
         * zero: the forward is finite and so is the gradient, but the
         * largest weight decay overflows the decayed gradient there. */
        float w[16 * 7];
        for (int j = 0; j < 2; j++) {
            rig *r = j ? &b : &a;
            assert_ok(dsc_model_get_param(r->m, 0, "weight", w, 16 * 7));
            for (size_t o = 0; o < 16; o++) w[o * 7] = 3.4e38f;
            assert_ok(dsc_model_set_param(r->m, 0, "weight", w, 16 * 7));
            assert_ok(dsc_optimizer_set(r->opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 4294967296.0));
        }
        snap z;
        take(&b, &z);
        n = make_batch(&a, 1, xb, tb, lb);
        for (size_t i = 0; i < n; i++) xb[i * 7] = 0.0f;
        assert_status(seven_calls(&a, xb, tb, lb, n, &v), DSC_E_NONFINITE);
        v = 1.0;
        assert_status(fused(&b, xb, tb, lb, n, &v), DSC_E_NONFINITE);
        assert_true(v == 0.0);
        assert_kept(&b, &z);
        assert_same(&a, &b, "refused");
        uint64_t refused;
        assert_ok(dsc_optimizer_refused_steps(b.opt, &refused));
        assert_true(refused == 1);
        rig_free(&a);
        rig_free(&b);
    }
}

/* Huge targets: whatever the optimizer decides, both paths decide alike. */
static void test_huge_targets_alike(void **state) {
    (void)state;
    for (int kind = DSC_OPTIMIZER_SGD; kind <= DSC_OPTIMIZER_RPROP; kind++) {
        rig a, b;
        rig_new(&a, ARCH_MLP, (dsc_optimizer_kind)kind, 1, 1);
        rig_new(&b, ARCH_MLP, (dsc_optimizer_kind)kind, 1, 1);
        size_t n = make_batch(&a, 0, xb, tb, lb);
        for (size_t i = 0; i < n * 3; i++) tb[i] = i % 2 ? 3.4e38f : -3.4e38f;
        double va, vb;
        dsc_status sa = seven_calls(&a, xb, tb, lb, n, &va);
        assert_status(fused(&b, xb, tb, lb, n, &vb), sa);
        assert_same(&a, &b, "huge targets");
        rig_free(&a);
        rig_free(&b);
    }
}

static void test_nonfinite_output_refused_before_backward(void **state) {
    (void)state;
    rig r;
    rig_new(&r, ARCH_RNN, DSC_OPTIMIZER_SGD, 0, 1);
    size_t n = make_batch(&r, 0, xb, tb, lb);
    double v;
    assert_ok(fused(&r, xb, tb, lb, n, &v));
    float *g, before[4096];
    assert_ok(dsc_model_grads(r.m, &g));
    memcpy(before, g, r.n * sizeof(float));
    snap z;
    take(&r, &z);
    xb[0] = NAN;
    v = 1.0;
    assert_status(fused(&r, xb, tb, lb, n, &v), DSC_E_NONFINITE);
    assert_true(v == 0.0);
    assert_kept(&r, &z);
    assert_memory_equal(g, before, r.n * sizeof(float));
    uint64_t refused;
    assert_ok(dsc_optimizer_refused_steps(r.opt, &refused));
    assert_true(refused == 0);
    /* Non-finite targets: refused before anything runs. */
    xb[0] = 0.5f;
    tb[0] = NAN;
    assert_status(fused(&r, xb, tb, lb, n, &v), DSC_E_NONFINITE);
    assert_kept(&r, &z);
    rig_free(&r);
}

static void test_arguments_checked_first(void **state) {
    (void)state;
    rig r, c;
    rig_new(&r, ARCH_MLP, DSC_OPTIMIZER_SGD, 0, 1);
    rig_new(&c, ARCH_NORM, DSC_OPTIMIZER_SGD, 0, 1);
    size_t n = make_batch(&r, 0, xb, tb, lb);
    snap z;
    take(&r, &z);
    double v = 1.0;
    assert_status(dsc_model_train_step(NULL, r.loss, r.opt, xb, tb, NULL, n, &v), DSC_E_ARG);
    assert_true(v == 0.0);
    assert_status(dsc_model_train_step(r.m, NULL, r.opt, xb, tb, NULL, n, &v), DSC_E_ARG);
    assert_status(dsc_model_train_step(r.m, r.loss, NULL, xb, tb, NULL, n, &v), DSC_E_ARG);
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, NULL, tb, NULL, n, &v), DSC_E_ARG);
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, xb, NULL, NULL, n, &v), DSC_E_ARG);
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, xb, tb, lb, n, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, xb, tb, NULL, 0, &v), DSC_E_ARG);
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, xb, tb, NULL, MAXB + 1, &v), DSC_E_ARG);
    /* The optimizer of another model. */
    assert_status(dsc_model_train_step(r.m, r.loss, c.opt, xb, tb, NULL, n, &v), DSC_E_ARG);
    /* Labels: the other form, and out of range. */
    assert_status(dsc_model_train_step(c.m, c.loss, c.opt, xb, tb, NULL, n, &v), DSC_E_UNSUPPORTED);
    assert_status(dsc_model_train_step(c.m, c.loss, c.opt, xb, NULL, NULL, n, &v), DSC_E_ARG);
    lb[1] = 4;
    assert_status(dsc_model_train_step(c.m, c.loss, c.opt, xb, NULL, lb, n, &v), DSC_E_ARG);
    lb[1] = -1;
    assert_status(dsc_model_train_step(c.m, c.loss, c.opt, xb, NULL, lb, n, &v), DSC_E_ARG);
    lb[1] = 0;
    /* Batch norm refuses one sample in training. */
    assert_status(dsc_model_train_step(c.m, c.loss, c.opt, xb, NULL, lb, 1, &v), DSC_E_SHAPE);
    /* A group at the largest step count. */
    assert_ok(dsc_optimizer_group_set_step_count(r.opt, 0, 9007199254740992ull));
    assert_status(dsc_model_train_step(r.m, r.loss, r.opt, xb, tb, NULL, n, &v), DSC_E_STATE);
    assert_ok(dsc_optimizer_group_set_step_count(r.opt, 0, 0));
    assert_kept(&r, &z);
    /* Not built; an optimizer without groups. */
    dsc_model *m;
    dsc_optimizer *o;
    assert_ok(dsc_model_new(&m, 7));
    assert_ok(dsc_model_add_dense(m, 3, 1));
    assert_ok(dsc_optimizer_new(&o, DSC_OPTIMIZER_SGD));
    assert_status(dsc_model_train_step(m, r.loss, o, xb, tb, NULL, n, &v), DSC_E_STATE);
    assert_status(dsc_model_train_step(r.m, r.loss, o, xb, tb, NULL, n, &v), DSC_E_ARG);
    assert_kept(&r, &z);
    /* loss_value may be NULL. */
    assert_ok(dsc_model_train_step(r.m, r.loss, r.opt, xb, tb, NULL, n, NULL));
    dsc_optimizer_free(o);
    dsc_model_free(m);
    rig_free(&r);
    rig_free(&c);
}

static void test_steps_allocate_nothing(void **state) {
    (void)state;
    for (int arch = ARCH_MLP; arch < ARCH_WIDE; arch++) {
        rig r;
        rig_new(&r, arch, DSC_OPTIMIZER_ADAM, 1, 2);
        size_t n = make_batch(&r, 0, xb, tb, lb);
        double v;
        assert_ok(fused(&r, xb, tb, lb, n, &v));
        harness_alloc_install(0);
        for (unsigned s = 1; s < 20; s++) {
            n = make_batch(&r, s, xb, tb, lb);
            assert_ok(fused(&r, xb, tb, lb, n, &v));
        }
        assert_int_equal(harness_alloc_count(), 0);
        harness_alloc_uninstall();
        rig_free(&r);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_optimizer_and_layer),
        cmocka_unit_test(test_several_groups),
        cmocka_unit_test(test_threads_on_and_off),
        cmocka_unit_test(test_gradient_hook),
        cmocka_unit_test(test_refused_step_changes_nothing),
        cmocka_unit_test(test_huge_targets_alike),
        cmocka_unit_test(test_nonfinite_output_refused_before_backward),
        cmocka_unit_test(test_arguments_checked_first),
        cmocka_unit_test_teardown(test_steps_allocate_nothing, harness_alloc_teardown),
    };
    return cmocka_run_group_tests_name("train_step", tests, NULL, NULL);
}
