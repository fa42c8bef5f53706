/* Recurrent layers, torch.nn.LSTM and torch.nn.GRU with num_layers=1,
 * bias=True, batch_first=True, unidirectional, zero initial state; the
 * output is the whole sequence h_1..h_T (T x hidden per sample).
 *
 * Parameters, PyTorch's layout and state_dict names (G = 4 for LSTM with gate
 * blocks i f g o, G = 3 for GRU with r z n): weight_ih_l0 [G*H, F],
 * weight_hh_l0 [G*H, H], bias_ih_l0 [G*H], bias_hh_l0 [G*H].
 *
 * Forward, for a batch of B sequences [B, T, F]:
 *   1. gx = X W_ih^T + b_ih for every time step at once: one GEMM over the
 *      B*T rows (the input is batch-first, so rows are (sample, step)).
 *   2. per step t: gh = h_{t-1} W_hh^T + b_hh, one GEMM for all gates (at
 *      t = 0, h = 0 and gh is b_hh itself), then the fused cell kernel
 *      (kernels.h lstm_fwd / gru_fwd), which writes h_t into the output and
 *      the step's record (activated gates, cell state) into scratch.
 * Backward through time, t = T-1 down to 0: the cell's backward kernel turns
 * dh_t = dy_t + (recurrent part from step t+1) into the gates'
 * pre-activation gradients, stored for every step in the place gx held;
 * per step, dW_hh += dG_t^T h_{t-1} and the recurrent part for step t-1,
 * dG_t W_hh; then dW_ih += dG^T X, db_ih (and db_hh for LSTM, whose two
 * biases get the same gradient) and dX = dG W_ih as one GEMM each over all
 * steps. GRU's W_hn term is scaled by r, so its recurrent gradient differs
 * from the input one in the n block: the kernel writes both.
 *
 * Scratch for max_batch B, sized at build (no allocation per step):
 *   gx   B*T*G*H  input projections, then their gradients
 *   rec  T*B*R    the records, time-major (R = 6H LSTM, 4H GRU)
 *   gh   B*G*H    the step's recurrent GEMM, then GRU's recurrent gradient
 *   st   B*H      dc (LSTM) or h_prev's direct gradient (GRU) in backward
 *   dhr  B*H      dG_{t+1} W_hh */
#include "init_impl.h"
#include "model_impl.h"

#include <math.h>
#include <string.h>

static int is_lstm(const dsc__layer *l) { return l->vt->kind == DSC_LAYER_LSTM; }
static size_t gates(const dsc__layer *l) { return is_lstm(l) ? 4 : 3; }
static size_t rec_width(const dsc__layer *l) { return (is_lstm(l) ? 6 : 4) * l->u.rnn.hidden; }

/* Where each tensor starts in the layer's parameter slice (tensors' order). */
typedef struct rnn_params {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} rnn_params;

static rnn_params slices(const dsc__layer *l, float *base) {
    const size_t GH = gates(l) * l->u.rnn.hidden;
    rnn_params p;
    p.w_ih = base;
    p.w_hh = p.w_ih + GH * l->u.rnn.input;
    p.b_ih = p.w_hh + GH * l->u.rnn.hidden;
    p.b_hh = p.b_ih + GH;
    return p;
}

/* Scratch segments (see the top of the file). */
typedef struct rnn_scratch {
    float *gx, *rec, *gh, *st, *dhr;
} rnn_scratch;

/* Laid out for the pass's batch (at most max_batch): forward and backward
 * see the same batch, so they agree on the layout. */
static rnn_scratch scratch_of(const dsc__layer *l, float *s, size_t batch) {
    const size_t T = l->u.rnn.steps, H = l->u.rnn.hidden, GH = gates(l) * H;
    rnn_scratch r;
    r.gx = s;
    r.rec = r.gx + batch * T * GH;
    r.gh = r.rec + batch * T * rec_width(l);
    r.st = r.gh + batch * GH;
    r.dhr = r.st + batch * H;
    return r;
}

static dsc_status rnn_shape(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                            dsc__shape *out) {
    if (in->ndim != 2 || in->d[1] != l->u.rnn.input)
        return dsc__shape_refuse(fn, index, l, in, "a T x F input (time x features) with F = %zu",
                                 l->u.rnn.input);
    l->u.rnn.steps = in->d[0];
    out->ndim = 2;
    out->d[0] = in->d[0];
    out->d[1] = l->u.rnn.hidden;
    return DSC_OK;
}

static size_t rnn_tensors(const dsc__layer *l, dsc__tensor_desc *out) {
    const size_t GH = gates(l) * l->u.rnn.hidden;
    static const char *const names[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    static const char *const state_names[4] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                               "bias_hh_l0"};
    for (size_t i = 0; i < 4; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].name = names[i];
        out[i].state_name = state_names[i];
        out[i].ndim = i < 2 ? 2 : 1;
        out[i].dims[0] = GH;
        out[i].dims[1] = i == 0 ? l->u.rnn.input : l->u.rnn.hidden;
    }
    return 4;
}

/* PyTorch's default (reset_parameters): every tensor U(-1/sqrt(H), 1/sqrt(H)).
 * Other weight inits use each matrix's own fans (fan_in = its columns,
 * fan_out = G*H, as torch.nn.init computes them); bias zeros or the default. */
static void rnn_init(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    const size_t H = l->u.rnn.hidden, F = l->u.rnn.input, GH = gates(l) * H;
    const int dflt = weight_init == DSC_INIT_PYTORCH_DEFAULT;
    rnn_params p = slices(l, l->param);
    dsc__init_weight(p.w_ih, GH * F, dflt ? H : F, GH, weight_init, r);
    dsc__init_weight(p.w_hh, GH * H, H, GH, weight_init, r);
    dsc__init_bias(p.b_ih, GH, H, bias_init, r);
    dsc__init_bias(p.b_hh, GH, H, bias_init, r);
}

/* SIZE_MAX when a product overflows (the build then refuses). */
static size_t rnn_scratch_floats(const dsc__layer *l, size_t max_batch) {
    const size_t T = l->u.rnn.steps, H = l->u.rnn.hidden, GH = gates(l) * H;
    size_t a, b, c, d;
    if (!dsc__mul_ok(max_batch, T, &a) || !dsc__mul_ok(a, GH, &b) ||
        !dsc__mul_ok(a, rec_width(l), &c) || !dsc__mul_ok(max_batch, GH + 2 * H, &d) ||
        b > SIZE_MAX - c || b + c > SIZE_MAX - d)
        return SIZE_MAX;
    return b + c + d;
}

static void rnn_forward(dsc__layer *l, const dsc__pass *ps) {
    const dsc_kernels *k = l->k;
    const size_t B = ps->batch, T = l->u.rnn.steps, F = l->u.rnn.input, H = l->u.rnn.hidden;
    const size_t GH = gates(l) * H, R = rec_width(l);
    const rnn_params p = slices(l, l->param);
    const rnn_scratch s = scratch_of(l, ps->scratch, B);
    k->gemm_nt(B * T, GH, F, ps->x, F, p.w_ih, F, p.b_ih, s.gx, GH, ps->ws);
    for (size_t t = 0; t < T; t++) {
        const float *gh = p.b_hh;
        size_t ldgh = 0;
        if (t > 0) {
            k->gemm_nt(B, GH, H, ps->y + (t - 1) * H, T * H, p.w_hh, H, p.b_hh, s.gh, GH, ps->ws);
            gh = s.gh, ldgh = GH;
        }
        float *rec = s.rec + t * B * R;
        if (is_lstm(l))
            k->lstm_fwd(B, H, s.gx + t * GH, T * GH, gh, ldgh, t > 0 ? rec - B * R : NULL, rec,
                        ps->y + t * H, T * H);
        else
            k->gru_fwd(B, H, s.gx + t * GH, T * GH, gh, ldgh, t > 0 ? ps->y + (t - 1) * H : NULL,
                       T * H, rec, ps->y + t * H, T * H);
    }
}

static void rnn_backward(dsc__layer *l, const dsc__pass *ps, const float *dy, float *dx) {
    const dsc_kernels *k = l->k;
    const size_t B = ps->batch, T = l->u.rnn.steps, F = l->u.rnn.input, H = l->u.rnn.hidden;
    const size_t GH = gates(l) * H, R = rec_width(l);
    const rnn_params p = slices(l, l->param), g = slices(l, l->grad);
    const rnn_scratch s = scratch_of(l, ps->scratch, B);
    float *dG = s.gx; /* the input projections are no longer needed */
    memset(s.st, 0, B * H * sizeof *s.st);
    for (size_t t = T; t-- > 0;) {
        const float *rec = s.rec + t * B * R;
        const float *dhr = t + 1 < T ? s.dhr : NULL;
        const float *hprev = t > 0 ? ps->y + (t - 1) * H : NULL;
        const float *dgh; /* the gradient of gh = W_hh h_prev + b_hh, and its row stride */
        size_t lddgh;
        if (is_lstm(l)) {
            k->lstm_bwd(B, H, rec, t > 0 ? rec - B * R : NULL, dy + t * H, T * H, dhr, s.st,
                        dG + t * GH, T * GH);
            dgh = dG + t * GH, lddgh = T * GH;
        } else {
            k->gru_bwd(B, H, rec, hprev, T * H, dy + t * H, T * H, dhr, s.st, dG + t * GH, T * GH,
                       s.gh);
            dgh = s.gh, lddgh = GH;
            k->bias_grad(B, GH, dgh, lddgh, g.b_hh);
        }
        if (t == 0) break; /* h_0 = 0: no W_hh gradient, nothing before it */
        k->gemm_tn(GH, H, B, dgh, lddgh, hprev, T * H, g.w_hh, H, ps->ws);
        k->gemm_nn(B, H, GH, dgh, lddgh, p.w_hh, H, s.dhr, H, ps->ws);
    }
    k->gemm_tn(GH, F, B * T, dG, GH, ps->x, F, g.w_ih, F, ps->ws);
    k->bias_grad(B * T, GH, dG, GH, g.b_ih);
    if (is_lstm(l)) k->bias_grad(B * T, GH, dG, GH, g.b_hh);
    if (dx != NULL) k->gemm_nn(B * T, F, GH, dG, GH, p.w_ih, F, dx, F, ps->ws);
}

static const char *const rnn_config_keys[] = {"input_size", "hidden_size", NULL};

static void rnn_config_get(const dsc__layer *l, double *values) {
    values[0] = (double)l->u.rnn.input;
    values[1] = (double)l->u.rnn.hidden;
}

static dsc_status add_rnn(const char *fn, dsc_model *model, const dsc__layer_vtable *vt,
                          size_t input_size, size_t hidden_size) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(input_size == 0, DSC_E_ARG, "%s: input_size is 0; it must be at least 1", fn);
    DSC_RETURN_IF(hidden_size == 0, DSC_E_ARG, "%s: hidden_size is 0; it must be at least 1", fn);
    /* 6 * hidden (the widest record) and its products with T must not overflow */
    DSC_RETURN_IF(hidden_size > SIZE_MAX / sizeof(float) / 64, DSC_E_ARG,
                  "%s: hidden_size is %zu; it must be at most %zu", fn, hidden_size,
                  SIZE_MAX / sizeof(float) / 64);
    dsc__layer l = {0};
    l.vt = vt;
    l.u.rnn.input = input_size;
    l.u.rnn.hidden = hidden_size;
    return dsc__model_append(fn, model, &l);
}

/* A model file's numbers: whole, 1..SIZE_MAX (then add_rnn's checks). */
static dsc_status config_sizes(const char *fn, const double *values, size_t *in, size_t *hidden) {
    for (int i = 0; i < 2; i++)
        DSC_RETURN_IF(!(values[i] >= 1.0 && values[i] <= 4294967295.0) ||
                          values[i] != floor(values[i]),
                      DSC_E_ARG, "%s: %s is %g; it must be a whole number from 1 to 4294967295",
                      fn, rnn_config_keys[i], values[i]);
    *in = (size_t)values[0];
    *hidden = (size_t)values[1];
    return DSC_OK;
}

static dsc_status lstm_config_add(const char *fn, dsc_model *model, const double *values);
static dsc_status gru_config_add(const char *fn, dsc_model *model, const double *values);

const dsc__layer_vtable dsc__lstm_vt = {
    .kind = DSC_LAYER_LSTM, .name = "lstm", .shape = rnn_shape, .tensors = rnn_tensors,
    .init = rnn_init, .scratch_floats = rnn_scratch_floats, .forward = rnn_forward,
    .backward = rnn_backward, .dx_in_place = 0, .config_keys = rnn_config_keys,
    .config_get = rnn_config_get, .config_add = lstm_config_add,
};

const dsc__layer_vtable dsc__gru_vt = {
    .kind = DSC_LAYER_GRU, .name = "gru", .shape = rnn_shape, .tensors = rnn_tensors,
    .init = rnn_init, .scratch_floats = rnn_scratch_floats, .forward = rnn_forward,
    .backward = rnn_backward, .dx_in_place = 0, .config_keys = rnn_config_keys,
    .config_get = rnn_config_get, .config_add = gru_config_add,
};

static dsc_status lstm_config_add(const char *fn, dsc_model *model, const double *values) {
    size_t in = 0, hidden = 0;
    DSC_TRY(config_sizes(fn, values, &in, &hidden));
    return add_rnn(fn, model, &dsc__lstm_vt, in, hidden);
}

static dsc_status gru_config_add(const char *fn, dsc_model *model, const double *values) {
    size_t in = 0, hidden = 0;
    DSC_TRY(config_sizes(fn, values, &in, &hidden));
    return add_rnn(fn, model, &dsc__gru_vt, in, hidden);
}

DSC_API dsc_status dsc_model_add_lstm(dsc_model *model, size_t input_size, size_t hidden_size) {
    return add_rnn("dsc_model_add_lstm", model, &dsc__lstm_vt, input_size, hidden_size);
}

DSC_API dsc_status dsc_model_add_gru(dsc_model *model, size_t input_size, size_t hidden_size) {
    return add_rnn("dsc_model_add_gru", model, &dsc__gru_vt, input_size, hidden_size);
}
