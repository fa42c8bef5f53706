/* The recurrent layers (LSTM, GRU) and last_step: shape checks, validation
 * that changes nothing, named tensors, PyTorch's default init, the forward
 * pass against the cells written out in double (PyTorch's formulas), the
 * parameter gradients of backpropagation through time against central
 * differences of that double model, on every kernel set; and no allocation
 * per step after build. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 0x853C49E6748FEA9Bull;
static double urand(double lo, double hi) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * ((double)(rng >> 11) / 9007199254740992.0);
}

/* ---- a recurrent layer in double, PyTorch's formulas (trap 20) ---------- */

typedef struct ref_rnn {
    int lstm;
    size_t T, F, H, G;
    double *w_ih, *w_hh, *b_ih, *b_hh; /* [G*H, F], [G*H, H], [G*H], [G*H] */
} ref_rnn;

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* y [T, H] for one sample x [T, F]; h0 = c0 = 0. */
static void ref_forward(const ref_rnn *r, const double *x, double *y) {
    const size_t H = r->H, GH = r->G * H;
    double h[64] = {0}, c[64] = {0}, gi[256], gh[256];
    for (size_t t = 0; t < r->T; t++) {
        for (size_t k = 0; k < GH; k++) {
            gi[k] = r->b_ih[k], gh[k] = r->b_hh[k];
            for (size_t j = 0; j < r->F; j++) gi[k] += r->w_ih[k * r->F + j] * x[t * r->F + j];
            for (size_t j = 0; j < H; j++) gh[k] += r->w_hh[k * H + j] * h[j];
        }
        for (size_t j = 0; j < H; j++) {
            if (r->lstm) {
                const double i = sigm(gi[j] + gh[j]), f = sigm(gi[H + j] + gh[H + j]);
                const double g = tanh(gi[2 * H + j] + gh[2 * H + j]);
                const double o = sigm(gi[3 * H + j] + gh[3 * H + j]);
                c[j] = f * c[j] + i * g;
                h[j] = o * tanh(c[j]);
            } else {
                const double rr = sigm(gi[j] + gh[j]), z = sigm(gi[H + j] + gh[H + j]);
                const double n = tanh(gi[2 * H + j] + rr * gh[2 * H + j]);
                h[j] = (1.0 - z) * n + z * h[j];
            }
            y[t * H + j] = h[j];
        }
    }
}

/* sum over samples of w . y */
static double ref_loss(const ref_rnn *r, const double *x, size_t batch, const double *w) {
    double y[8 * 64], L = 0.0;
    for (size_t b = 0; b < batch; b++) {
        ref_forward(r, x + b * r->T * r->F, y);
        for (size_t i = 0; i < r->T * r->H; i++) L += w[b * r->T * r->H + i] * y[i];
    }
    return L;
}

static const char *const tnames[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};

static double *ref_tensor(ref_rnn *r, int i) {
    return i == 0 ? r->w_ih : i == 1 ? r->w_hh : i == 2 ? r->b_ih : r->b_hh;
}
static size_t ref_numel(const ref_rnn *r, int i) {
    const size_t GH = r->G * r->H;
    return i == 0 ? GH * r->F : i == 1 ? GH * r->H : GH;
}

/* A model [T, F] -> lstm/gru(H) with the reference's parameters; draw: new
 * random ones first (rounded to float, the reference then holding the
 * rounded values). */
static dsc_model *model_for(ref_rnn *r, size_t max_batch, int draw) {
    dsc_model *m = NULL;
    const size_t dims[2] = {r->T, r->F};
    assert_ok(dsc_model_new_shaped(&m, 2, dims));
    if (r->lstm) assert_ok(dsc_model_add_lstm(m, r->F, r->H));
    else assert_ok(dsc_model_add_gru(m, r->F, r->H));
    assert_ok(dsc_model_build(m, max_batch));
    const double bound = 1.0 / sqrt((double)r->H);
    for (int i = 0; i < 4; i++) {
        const size_t n = ref_numel(r, i);
        float *v = malloc(n * sizeof *v);
        assert_non_null(v);
        assert_ok(dsc_model_get_param(m, 0, tnames[i], v, n));
        /* PyTorch's default init: U(-1/sqrt(H), 1/sqrt(H)) for all four */
        for (size_t k = 0; k < n; k++) assert_true(fabsf(v[k]) <= bound);
        double *d = ref_tensor(r, i);
        for (size_t k = 0; k < n; k++) {
            if (draw) d[k] = (float)urand(-0.6, 0.6);
            v[k] = (float)d[k];
        }
        assert_ok(dsc_model_set_param(m, 0, tnames[i], v, n));
        free(v);
    }
    return m;
}

static void ref_new(ref_rnn *r, int lstm, size_t T, size_t F, size_t H) {
    r->lstm = lstm, r->T = T, r->F = F, r->H = H, r->G = lstm ? 4 : 3;
    const size_t GH = r->G * H;
    r->w_ih = calloc(GH * F, sizeof(double));
    r->w_hh = calloc(GH * H, sizeof(double));
    r->b_ih = calloc(GH, sizeof(double));
    r->b_hh = calloc(GH, sizeof(double));
    assert_true(r->w_ih && r->w_hh && r->b_ih && r->b_hh);
}
static void ref_free(ref_rnn *r) {
    free(r->w_ih), free(r->w_hh), free(r->b_ih), free(r->b_hh);
}

static const char *const isas[] = {"scalar", "sse2", "avx2", "avx512", "neon"};

/* Forward and parameter gradients on every kernel set. */
static void check_layer(int lstm, size_t T, size_t F, size_t H) {
    enum { BATCH = 3 };
    ref_rnn r;
    ref_new(&r, lstm, T, F, H);
    const size_t nx = BATCH * T * F, ny = BATCH * T * H;
    double *x = malloc(nx * sizeof *x), *w = malloc(ny * sizeof *w), *yd = malloc(ny * sizeof *yd);
    float *xf = malloc(nx * sizeof *xf), *wf = malloc(ny * sizeof *wf);
    assert_true(x && w && yd && xf && wf);
    for (size_t i = 0; i < nx; i++) xf[i] = (float)urand(-1.5, 1.5), x[i] = xf[i];
    for (size_t i = 0; i < ny; i++) wf[i] = (float)urand(-1, 1), w[i] = wf[i];
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        if (!dsc_isa_available(isas[k])) continue;
        assert_ok(dsc_set_isa(isas[k]));
        dsc_model *m = model_for(&r, 4, k == 0); /* max_batch above the batch used */
        if (k == 0)
            for (size_t b = 0; b < BATCH; b++) ref_forward(&r, x + b * T * F, yd + b * T * H);
        const float *y = NULL;
        assert_ok(dsc_model_forward(m, xf, BATCH, &y));
        for (size_t i = 0; i < ny; i++)
            if (!(fabs(y[i] - yd[i]) <= 2e-6 + 2e-6 * fabs(yd[i])))
                fail_msg("%s %s T=%zu H=%zu y[%zu] = %.9g, want %.9g", isas[k],
                         lstm ? "lstm" : "gru", T, H, i, y[i], yd[i]);
        assert_ok(dsc_model_backward(m, wf, BATCH));
        for (int t = 0; t < 4; t++) {
            const size_t n = ref_numel(&r, t);
            float *g = malloc(n * sizeof *g);
            assert_non_null(g);
            assert_ok(dsc_model_get_param_grad(m, 0, tnames[t], g, n));
            double *p = ref_tensor(&r, t);
            for (size_t e = 0; e < n; e++) {
                const double keep = p[e], h = 1e-6;
                p[e] = keep + h;
                const double lp = ref_loss(&r, x, BATCH, w);
                p[e] = keep - h;
                const double lm = ref_loss(&r, x, BATCH, w);
                p[e] = keep;
                const double want = (lp - lm) / (2 * h);
                if (!(fabs(g[e] - want) <= 1e-4 * fabs(want) + 2e-5))
                    fail_msg("%s %s T=%zu H=%zu d%s[%zu] = %.9g, central difference %.9g",
                             isas[k], lstm ? "lstm" : "gru", T, H, tnames[t], e, g[e], want);
            }
            free(g);
        }
        dsc_model_free(m);
    }
    assert_ok(dsc_set_isa("auto"));
    free(x), free(w), free(yd), free(xf), free(wf);
    ref_free(&r);
}

static void test_rnn_lstm_matches_reference(void **state) {
    (void)state;
    check_layer(1, 4, 3, 5);
    check_layer(1, 3, 5, 17); /* vector tails on every set */
    check_layer(1, 1, 2, 8);  /* one step: no recurrence */
}

static void test_rnn_gru_matches_reference(void **state) {
    (void)state;
    check_layer(0, 4, 3, 5);
    check_layer(0, 3, 5, 17);
    check_layer(0, 1, 2, 8);
}

/* ---- last_step ----------------------------------------------------------- */

static void test_rnn_last_step(void **state) {
    (void)state;
    dsc_model *m = NULL;
    const size_t dims[2] = {3, 2};
    assert_ok(dsc_model_new_shaped(&m, 2, dims));
    assert_ok(dsc_model_add_last_step(m));
    assert_ok(dsc_model_add_dense(m, 1, 0));
    size_t nd = 0, d[DSC_MODEL_MAX_DIMS];
    assert_ok(dsc_model_layer_shape(m, 0, NULL, NULL, &nd, d));
    assert_int_equal(nd, 1);
    assert_int_equal(d[0], 2);
    assert_ok(dsc_model_build(m, 2));
    const float w[2] = {2.0f, -1.0f};
    assert_ok(dsc_model_set_param(m, 1, "weight", w, 2));
    const float x[12] = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
    const float *y = NULL;
    assert_ok(dsc_model_forward(m, x, 2, &y));
    assert_true(y[0] == 2.0f * 5 - 6 && y[1] == 2.0f * -5 + 6);
    const float dy[2] = {1.0f, 0.5f};
    assert_ok(dsc_model_backward(m, dy, 2));
    float g[2];
    assert_ok(dsc_model_get_param_grad(m, 1, "weight", g, 2));
    assert_true(g[0] == 5.0f - 2.5f && g[1] == 6.0f - 3.0f); /* only the last step reaches it */
    dsc_model_free(m);
}

/* ---- shapes, validation, named tensors ------------------------------------ */

static void test_rnn_shape_checks(void **state) {
    (void)state;
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 12));
    assert_status(dsc_model_add_lstm(m, 12, 4), DSC_E_ARG); /* flat input */
    assert_non_null(strstr(dsc_last_error(), "T x F"));
    assert_status(dsc_model_add_last_step(m), DSC_E_ARG);
    size_t n = 9;
    assert_ok(dsc_model_layer_count(m, &n));
    assert_int_equal(n, 0);
    dsc_model_free(m);

    const size_t dims[2] = {6, 3};
    assert_ok(dsc_model_new_shaped(&m, 2, dims));
    assert_status(dsc_model_add_gru(m, 4, 5), DSC_E_ARG); /* F = 3, not 4 */
    assert_non_null(strstr(dsc_last_error(), "layer 0 (gru)"));
    assert_non_null(strstr(dsc_last_error(), "6 x 3"));
    assert_status(dsc_model_add_lstm(NULL, 3, 5), DSC_E_ARG);
    assert_status(dsc_model_add_lstm(m, 0, 5), DSC_E_ARG);
    assert_status(dsc_model_add_lstm(m, 3, 0), DSC_E_ARG);
    assert_status(dsc_model_add_gru(m, 3, (size_t)1 << 62), DSC_E_ARG);
    assert_status(dsc_model_add_last_step(NULL), DSC_E_ARG);
    assert_ok(dsc_model_layer_count(m, &n));
    assert_int_equal(n, 0);
    assert_ok(dsc_model_add_lstm(m, 3, 5));
    assert_status(dsc_model_add_dense(m, 2, 1), DSC_E_ARG); /* 6 x 5 is not flat */
    assert_ok(dsc_model_add_gru(m, 5, 7));                  /* stacked */
    size_t nd = 0, d[DSC_MODEL_MAX_DIMS];
    assert_ok(dsc_model_output_shape(m, &nd, d));
    assert_int_equal(nd, 2);
    assert_int_equal(d[0], 6);
    assert_int_equal(d[1], 7);
    assert_ok(dsc_model_add_last_step(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    dsc_layer_kind kind;
    assert_ok(dsc_model_layer_info(m, 0, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_LSTM);
    assert_ok(dsc_model_layer_info(m, 1, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_GRU);
    assert_ok(dsc_model_layer_info(m, 2, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_LAST_STEP);
    /* named tensors, PyTorch's names and layouts */
    assert_ok(dsc_model_layer_tensor_count(m, 1, &n));
    assert_int_equal(n, 4);
    static const size_t want[4][2] = {{21, 5}, {21, 7}, {21, 0}, {21, 0}};
    for (size_t i = 0; i < 4; i++) {
        const char *name = NULL, *state_name = NULL;
        int is_buffer = 1;
        size_t td[DSC_TENSOR_MAX_DIMS];
        assert_ok(dsc_model_layer_tensor_info(m, 1, i, &name, &state_name, &is_buffer, &nd, td));
        assert_string_equal(name, tnames[i]);
        assert_int_equal(strncmp(state_name, tnames[i], strlen(tnames[i])), 0);
        assert_string_equal(state_name + strlen(tnames[i]), "_l0");
        assert_int_equal(is_buffer, 0);
        assert_int_equal(nd, i < 2 ? 2 : 1);
        assert_int_equal(td[0], want[i][0]);
        if (i < 2) assert_int_equal(td[1], want[i][1]);
    }
    assert_ok(dsc_model_layer_tensor_count(m, 2, &n));
    assert_int_equal(n, 0);
    size_t np = 0;
    assert_ok(dsc_model_layer_param_count(m, 0, &np));
    assert_int_equal(np, 20 * 3 + 20 * 5 + 40);
    assert_ok(dsc_model_build(m, 3));
    assert_status(dsc_model_add_lstm(m, 2, 2), DSC_E_STATE);
    assert_status(dsc_model_add_last_step(m), DSC_E_STATE);
    float wrong[5];
    assert_status(dsc_model_get_param(m, 0, "weight_ih", wrong, 5), DSC_E_SHAPE);
    assert_status(dsc_model_get_param(m, 0, "weight", wrong, 5), DSC_E_ARG);
    dsc_model_free(m);
}

/* Same seed, same parameters; every tensor within 1/sqrt(H). */
static void test_rnn_init(void **state) {
    (void)state;
    const size_t dims[2] = {2, 3};
    dsc_model *a = NULL, *b = NULL;
    assert_ok(dsc_model_new_shaped(&a, 2, dims));
    assert_ok(dsc_model_add_gru(a, 3, 9));
    assert_ok(dsc_model_build(a, 1));
    assert_ok(dsc_model_new_shaped(&b, 2, dims));
    assert_ok(dsc_model_add_gru(b, 3, 9));
    assert_ok(dsc_model_build(b, 1));
    assert_ok(dsc_model_init(a, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_ZEROS, 7));
    assert_ok(dsc_model_init(b, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_ZEROS, 7));
    float pa[27 * 9], pb[27 * 9];
    assert_ok(dsc_model_get_param(a, 0, "weight_hh", pa, 27 * 9));
    assert_ok(dsc_model_get_param(b, 0, "weight_hh", pb, 27 * 9));
    assert_memory_equal(pa, pb, sizeof pa);
    double mx = 0.0;
    for (size_t i = 0; i < 27 * 9; i++) mx = fmax(mx, fabs(pa[i]));
    assert_true(mx <= 1.0 / 3.0 && mx > 0.25); /* U(-1/3, 1/3) reaches near its bound */
    assert_ok(dsc_model_get_param(a, 0, "bias_hh", pa, 27));
    for (size_t i = 0; i < 27; i++) assert_true(pa[i] == 0.0f);
    dsc_model_free(a);
    dsc_model_free(b);
}

/* After build, training steps at any batch up to max_batch allocate nothing. */
static void test_rnn_steps_allocate_nothing(void **state) {
    (void)state;
    for (int lstm = 0; lstm < 2; lstm++) {
        dsc_model *m = NULL;
        dsc_loss *loss = NULL;
        const size_t dims[2] = {5, 3};
        assert_ok(dsc_model_new_shaped(&m, 2, dims));
        assert_ok(lstm ? dsc_model_add_lstm(m, 3, 6) : dsc_model_add_gru(m, 3, 6));
        assert_ok(dsc_model_add_last_step(m));
        assert_ok(dsc_model_add_dense(m, 2, 1));
        assert_ok(dsc_model_build(m, 8));
        assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
        float x[8 * 15], t[8 * 2], dy[8 * 2], out[8 * 2];
        for (size_t i = 0; i < 8 * 15; i++) x[i] = (float)urand(-1, 1);
        for (size_t i = 0; i < 8 * 2; i++) t[i] = (float)urand(-1, 1);
        harness_alloc_install(0);
        for (int step = 0; step < 40; step++) {
            const size_t b = 1 + (size_t)step % 8;
            const float *y = NULL;
            double v;
            assert_ok(dsc_model_zero_grad(m));
            assert_ok(dsc_model_forward(m, x, b, &y));
            assert_ok(dsc_loss_forward(loss, y, t, b, 2, &v));
            assert_ok(dsc_loss_backward(loss, dy));
            assert_ok(dsc_model_backward(m, dy, b));
            if (step % 10 == 0) assert_ok(dsc_model_predict(m, x, 8, out));
        }
        assert_int_equal(harness_alloc_count(), 0);
        harness_alloc_uninstall();
        dsc_loss_free(loss);
        dsc_model_free(m);
    }
}


/* Model files and checkpoints carry the layers and their tensors under
 * PyTorch's state_dict names; a loaded model computes the same outputs. */
static void test_rnn_save_load(void **state) {
    (void)state;
    char path[] = "/tmp/descent_test_rnn_XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    dsc_model *m = NULL, *back = NULL;
    const size_t dims[2] = {4, 3};
    assert_ok(dsc_model_new_shaped(&m, 2, dims));
    assert_ok(dsc_model_add_gru(m, 3, 5));
    assert_ok(dsc_model_add_lstm(m, 5, 6));
    assert_ok(dsc_model_add_last_step(m));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 2));
    assert_ok(dsc_model_init(m, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 11));
    float x[2 * 12], y0[4], y1[4];
    for (size_t i = 0; i < 24; i++) x[i] = (float)urand(-1, 1);
    assert_ok(dsc_model_predict(m, x, 2, y0));
    assert_ok(dsc_model_save(m, path));
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    text = calloc(1, 1 << 16);
    assert_non_null(text);
    const size_t got = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    assert_true(got > 8);
    for (size_t i = 0; i < got; i++) if (text[i] == 0) text[i] = ' ';
    static const char *const keys[] = {"0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0",
                                       "0.bias_hh_l0", "1.weight_ih_l0", "1.bias_hh_l0",
                                       "3.weight", "3.bias"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strstr(text, keys[i]) == NULL) fail_msg("%s not in the model file", keys[i]);
    free(text);
    assert_ok(dsc_model_load(&back, path, 2));
    size_t n = 0;
    assert_ok(dsc_model_layer_count(back, &n));
    assert_int_equal(n, 4);
    dsc_layer_kind kind;
    assert_ok(dsc_model_layer_info(back, 1, &kind, NULL, NULL));
    assert_int_equal(kind, DSC_LAYER_LSTM);
    assert_ok(dsc_model_predict(back, x, 2, y1));
    assert_memory_equal(y0, y1, sizeof y0);
    dsc_model_free(back);
    /* a checkpoint into a second model of the same layers */
    assert_ok(dsc_checkpoint_save(path, m, NULL, NULL, NULL));
    assert_ok(dsc_model_new_shaped(&back, 2, dims));
    assert_ok(dsc_model_add_gru(back, 3, 5));
    assert_ok(dsc_model_add_lstm(back, 5, 6));
    assert_ok(dsc_model_add_last_step(back));
    assert_ok(dsc_model_add_dense(back, 2, 1));
    assert_ok(dsc_model_build(back, 2));
    assert_ok(dsc_checkpoint_load(path, back, NULL, NULL, NULL));
    assert_ok(dsc_model_predict(back, x, 2, y1));
    assert_memory_equal(y0, y1, sizeof y0);
    dsc_model_free(back);
    dsc_model_free(m);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn_lstm_matches_reference),
        cmocka_unit_test(test_rnn_gru_matches_reference),
        cmocka_unit_test(test_rnn_last_step),
        cmocka_unit_test(test_rnn_shape_checks),
        cmocka_unit_test(test_rnn_init),
        cmocka_unit_test(test_rnn_save_load),
        cmocka_unit_test_teardown(test_rnn_steps_allocate_nothing, harness_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
