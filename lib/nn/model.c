/* Sequential model: layers in order, built once for a maximum batch into
 * three allocations (parameters, gradients, and one arena holding every
 * activation, the gradient ping-pong buffers, per-layer scratch and the GEMM
 * workspace), so forward, backward and zero_grad allocate nothing.
 *
 * Buffers: act[0] is a copy of the input (backward of the first dense layer
 * needs it), act[i+1] the output of layer i. Backward walks the layers in
 * reverse with two ping-pong gradient buffers; elementwise layers write their
 * input gradient in place. The first layer's input gradient is not computed
 * (nobody needs it) unless a test asks for it (input_grad). */
#include "model_impl.h"
#include "init_impl.h"
#include "../kernels/fpenv.h"

#include <math.h>
#include <string.h>

/* Floats per arena segment are rounded up to 16, so every segment starts
 * 64-byte aligned. */
#define SEG_ALIGN 16

static dsc_status model_new(const char *fn, dsc_model **out, const dsc__shape *shape) {
    dsc_model *m = dsc__calloc(1, sizeof *m);
    DSC_RETURN_IF(m == NULL, DSC_E_NOMEM, "%s: out of memory for the model", fn);
    m->k = dsc__kernels();
    m->in_shape = m->out_shape = *shape;
    m->in_width = m->out_width = dsc__shape_numel(shape);
    m->training = 1;
    *out = m;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_new(dsc_model **out, size_t input_width) {
    static const char fn[] = "dsc_model_new";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(input_width == 0, DSC_E_ARG, "%s: input_width is 0; it must be at least 1", fn);
    dsc__shape shape = {1, {input_width, 0, 0}};
    return model_new(fn, out, &shape);
}

DSC_API dsc_status dsc_model_new_shaped(dsc_model **out, size_t ndim, const size_t *dims) {
    static const char fn[] = "dsc_model_new_shaped";
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(dims == NULL, DSC_E_ARG, "%s: dims is NULL", fn);
    DSC_RETURN_IF(ndim < 1 || ndim > DSC_MODEL_MAX_DIMS, DSC_E_ARG,
                  "%s: ndim is %zu; it must be 1..%d", fn, ndim, DSC_MODEL_MAX_DIMS);
    dsc__shape shape = {ndim, {0, 0, 0}};
    for (size_t d = 0; d < ndim; d++) {
        DSC_RETURN_IF(dims[d] == 0, DSC_E_ARG, "%s: dims[%zu] is 0; every size must be at least 1",
                      fn, d);
        shape.d[d] = dims[d];
    }
    size_t n = dsc__shape_numel(&shape);
    DSC_RETURN_IF(n == 0 || n > SIZE_MAX / sizeof(float), DSC_E_ARG,
                  "%s: the sizes' product overflows size_t", fn);
    return model_new(fn, out, &shape);
}

static void unbuild(dsc_model *m) {
    dsc__free(m->params);
    dsc__free(m->grads);
    dsc__free(m->buffers);
    dsc__free(m->arena);
    dsc__free(m->act);
    m->params = m->grads = m->buffers = m->arena = NULL;
    m->act = m->scratch = NULL;
    m->built = 0;
    m->max_batch = 0;
    m->fwd_batch = 0;
}

DSC_API void dsc_model_free(dsc_model *model) {
    if (model == NULL) return;
    unbuild(model);
    dsc__free(model->layers);
    dsc__free(model);
}

/* total += n, 0 on overflow (a float count that must fit in bytes). */
static int count_add(size_t *total, size_t n) {
    if (n > SIZE_MAX / sizeof(float) - *total) return 0;
    *total += n;
    return 1;
}

dsc_status dsc__model_append(const char *fn, dsc_model *model, const dsc__layer *layer) {
    DSC_RETURN_IF(model->built, DSC_E_STATE, "%s: the model is already built; add layers before "
                  "dsc_model_build", fn);
    dsc__layer l = *layer;
    l.k = model->k;
    l.in_shape = model->out_shape;
    l.in = model->out_width;
    dsc__shape out = {0, {0, 0, 0}};
    DSC_TRY(l.vt->shape(&l, fn, model->nlayers, &l.in_shape, &out));
    l.out_shape = out;
    l.out = dsc__shape_numel(&out);
    DSC_RETURN_IF(l.out == 0 || l.out > SIZE_MAX / sizeof(float), DSC_E_ARG,
                  "%s: layer %zu (%s): its output size overflows size_t", fn, model->nlayers,
                  l.vt->name);
    /* The tensors' sizes, each checked (the kind computed their dims). */
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    size_t nt = l.vt->tensors != NULL ? l.vt->tensors(&l, t) : 0;
    size_t np = 0, nb = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t n = 1;
        int ok = 1;
        for (size_t d = 0; d < t[i].ndim; d++) ok &= dsc__mul_ok(n, t[i].dims[d], &n);
        ok = ok && count_add(t[i].is_buffer ? &nb : &np, n);
        DSC_RETURN_IF(!ok, DSC_E_ARG, "%s: layer %zu (%s): the size of %s overflows size_t", fn,
                      model->nlayers, l.vt->name, t[i].name);
    }
    size_t total_p = model->nparams, total_b = model->nbuffers;
    DSC_RETURN_IF(!count_add(&total_p, np) || !count_add(&total_b, nb), DSC_E_ARG,
                  "%s: the model's parameter count overflows size_t", fn);
    if (model->nlayers == model->cap) {
        size_t cap = model->cap ? model->cap * 2 : 8;
        dsc__layer *grown = dsc__calloc(cap, sizeof *grown);
        DSC_RETURN_IF(grown == NULL, DSC_E_NOMEM, "%s: out of memory for %zu layer slots", fn, cap);
        if (model->nlayers) memcpy(grown, model->layers, model->nlayers * sizeof *grown);
        dsc__free(model->layers);
        model->layers = grown;
        model->cap = cap;
    }
    l.nparams = np;
    l.nbuffers = nb;
    l.param_off = model->nparams;
    l.buffer_off = model->nbuffers;
    model->layers[model->nlayers++] = l;
    model->out_shape = out;
    model->out_width = l.out;
    model->nparams = total_p;
    model->nbuffers = total_b;
    return DSC_OK;
}

/* total += round_up(n); 0 on overflow. */
static int seg_add(size_t *total, size_t n) {
    size_t r = (n + SEG_ALIGN - 1) / SEG_ALIGN * SEG_ALIGN;
    if (n > SIZE_MAX - SEG_ALIGN || *total > SIZE_MAX / sizeof(float) - r) return 0;
    *total += r;
    return 1;
}

static float *seg_take(float **cursor, size_t n) {
    float *p = *cursor;
    *cursor += (n + SEG_ALIGN - 1) / SEG_ALIGN * SEG_ALIGN;
    return p;
}

/* One generator, seeded once, drawn from layer by layer in order. */
static void init_layers(dsc_model *m, dsc_init weight_init, dsc_init bias_init, uint64_t seed) {
    dsc_rng r;
    dsc__rng_seed(&r, seed);
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].vt->init != NULL)
            m->layers[i].vt->init(&m->layers[i], weight_init, bias_init, &r);
}

DSC_API dsc_status dsc_model_build(dsc_model *model, size_t max_batch) {
    static const char fn[] = "dsc_model_build";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(max_batch == 0, DSC_E_ARG, "%s: max_batch is 0; it must be at least 1", fn);
    DSC_RETURN_IF(model->built, DSC_E_STATE, "%s: the model is already built", fn);
    DSC_RETURN_IF(model->nlayers == 0, DSC_E_STATE, "%s: the model has no layers; add some first", fn);
    const size_t L = model->nlayers;

    /* Sizes first, with overflow checks, before allocating anything. */
    size_t widest = model->in_width, total = 0, n = 0;
    int ok = 1;
    ok &= dsc__mul_ok(max_batch, model->in_width, &n) && seg_add(&total, n);
    for (size_t i = 0; i < L && ok; i++) {
        const dsc__layer *l = &model->layers[i];
        if (l->out > widest) widest = l->out;
        ok &= dsc__mul_ok(max_batch, l->out, &n) && seg_add(&total, n);
        ok &= seg_add(&total, l->vt->scratch_floats ? l->vt->scratch_floats(l, max_batch) : 0);
    }
    ok &= dsc__mul_ok(max_batch, widest, &n) && seg_add(&total, n) && seg_add(&total, n);
    ok &= seg_add(&total, model->k->gemm_ws_floats);
    DSC_RETURN_IF(!ok, DSC_E_ARG, "%s: buffers for max_batch %zu overflow size_t", fn, max_batch);

    model->params = dsc__calloc(model->nparams ? model->nparams : 1, sizeof(float));
    model->grads = dsc__calloc(model->nparams ? model->nparams : 1, sizeof(float));
    model->buffers = dsc__calloc(model->nbuffers ? model->nbuffers : 1, sizeof(float));
    model->arena = dsc__calloc(total ? total : 1, sizeof(float));
    model->act = dsc__calloc(2 * L + 1, sizeof(float *));
    if (!model->params || !model->grads || !model->buffers || !model->arena || !model->act) {
        unbuild(model);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu parameters, %zu buffer floats "
                          "and %zu floats of activations and workspace", fn, model->nparams,
                          model->nbuffers, total);
    }
    model->scratch = model->act + L + 1;
    float *cur = model->arena;
    model->act[0] = seg_take(&cur, max_batch * model->in_width);
    for (size_t i = 0; i < L; i++) {
        dsc__layer *l = &model->layers[i];
        model->act[i + 1] = seg_take(&cur, max_batch * l->out);
        size_t s = l->vt->scratch_floats ? l->vt->scratch_floats(l, max_batch) : 0;
        model->scratch[i] = s ? seg_take(&cur, s) : NULL;
        l->param = model->params + l->param_off;
        l->grad = model->grads + l->param_off;
        l->buffer = model->buffers + l->buffer_off;
    }
    model->gbuf[0] = seg_take(&cur, max_batch * widest);
    model->gbuf[1] = seg_take(&cur, max_batch * widest);
    model->ws = model->k->gemm_ws_floats ? seg_take(&cur, model->k->gemm_ws_floats) : NULL;
    model->max_batch = max_batch;
    model->built = 1;
    init_layers(model, DSC_INIT_PYTORCH_DEFAULT, DSC_INIT_PYTORCH_DEFAULT, 0);
    return DSC_OK;
}

DSC_API dsc_status dsc_model_layer_count(const dsc_model *model, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(model == NULL || out == NULL, DSC_E_ARG, "dsc_model_layer_count: %s is NULL",
                  model == NULL ? "model" : "out");
    *out = model->nlayers;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_widths(const dsc_model *model, size_t *input_width,
                                    size_t *output_width) {
    if (input_width != NULL) *input_width = 0;
    if (output_width != NULL) *output_width = 0;
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "dsc_model_widths: model is NULL");
    if (input_width != NULL) *input_width = model->in_width;
    if (output_width != NULL) *output_width = model->out_width;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_max_batch(const dsc_model *model, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(model == NULL || out == NULL, DSC_E_ARG, "dsc_model_max_batch: %s is NULL",
                  model == NULL ? "model" : "out");
    *out = model->max_batch;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_set_training(dsc_model *model, int training) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "dsc_model_set_training: model is NULL");
    DSC_RETURN_IF(training != 0 && training != 1, DSC_E_ARG,
                  "dsc_model_set_training: training is %d; it must be 0 or 1", training);
    model->training = training;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_is_training(const dsc_model *model, int *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(model == NULL || out == NULL, DSC_E_ARG, "dsc_model_is_training: %s is NULL",
                  model == NULL ? "model" : "out");
    *out = model->training;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_init(dsc_model *model, dsc_init weight_init, dsc_init bias_init,
                                  uint64_t seed) {
    static const char fn[] = "dsc_model_init";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(!dsc__init_valid(weight_init, 0), DSC_E_UNSUPPORTED,
                  "%s: weight_init %d is not a dsc_init (1..6)", fn, (int)weight_init);
    DSC_RETURN_IF(!dsc__init_valid(bias_init, 1), DSC_E_UNSUPPORTED,
                  "%s: bias_init is %d; it must be DSC_INIT_PYTORCH_DEFAULT or DSC_INIT_ZEROS",
                  fn, (int)bias_init);
    DSC_RETURN_IF(!model->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first", fn);
    init_layers(model, weight_init, bias_init, seed);
    return DSC_OK;
}

/* Runs every layer on batch rows of x (already validated). */
void dsc__model_run_forward(dsc_model *m, const float *x, size_t batch, int training) {
    for (size_t i = 0; i < m->nlayers; i++) {
        dsc__pass p = {batch, i == 0 ? x : m->act[i], m->act[i + 1], m->ws, m->scratch[i], training,
                       0};
        m->layers[i].vt->forward(&m->layers[i], &p);
    }
}

DSC_API dsc_status dsc_model_forward(dsc_model *model, const float *x, size_t batch,
                                     const float **y) {
    static const char fn[] = "dsc_model_forward";
    DSC_RETURN_IF(y == NULL, DSC_E_ARG, "%s: y is NULL", fn);
    *y = NULL;
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(x == NULL, DSC_E_ARG, "%s: x is NULL", fn);
    DSC_RETURN_IF(batch == 0, DSC_E_ARG, "%s: batch is 0; it must be at least 1", fn);
    DSC_RETURN_IF(!model->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first", fn);
    DSC_RETURN_IF(batch > model->max_batch, DSC_E_SHAPE,
                  "%s: batch is %zu but the model was built for at most %zu (dsc_model_predict "
                  "takes any number of samples)", fn, batch, model->max_batch);
    for (size_t i = 0; i < model->nlayers; i++) {
        const dsc__layer *l = &model->layers[i];
        if (l->vt->check_batch != NULL) DSC_TRY(l->vt->check_batch(l, fn, i, batch, model->training));
    }
    memcpy(model->act[0], x, batch * model->in_width * sizeof(float));
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    dsc__model_run_forward(model, model->act[0], batch, model->training);
    dsc__fpenv_leave(&fe);
    model->fwd_batch = batch;
    *y = model->act[model->nlayers];
    return DSC_OK;
}

DSC_API dsc_status dsc_model_predict(dsc_model *model, const float *x, size_t n, float *y) {
    static const char fn[] = "dsc_model_predict";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(x == NULL || y == NULL, DSC_E_ARG, "%s: %s is NULL", fn, x == NULL ? "x" : "y");
    DSC_RETURN_IF(n == 0, DSC_E_ARG, "%s: n is 0; it must be at least 1", fn);
    DSC_RETURN_IF(!model->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first", fn);
    size_t in = model->in_width, out = model->out_width, nx = 0, ny = 0;
    DSC_RETURN_IF(!dsc__mul_ok(n, in, &nx) || !dsc__mul_ok(n, out, &ny) ||
                      nx > SIZE_MAX / sizeof(float) || ny > SIZE_MAX / sizeof(float),
                  DSC_E_ARG, "%s: n is %zu; n x the widths overflows", fn, n);
    /* y is written chunk by chunk while later chunks of x are still to be
     * read: a shared byte would change the input. */
    const uintptr_t xa = (uintptr_t)x, ya = (uintptr_t)y;
    DSC_RETURN_IF(xa < ya + ny * sizeof(float) && ya < xa + nx * sizeof(float), DSC_E_ARG,
                  "%s: y overlaps x; the outputs need an array of their own", fn);
    model->fwd_batch = 0;
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    for (size_t done = 0; done < n;) {
        size_t b = n - done < model->max_batch ? n - done : model->max_batch;
        dsc__model_run_forward(model, x + done * in, b, 0);
        memcpy(y + done * out, model->act[model->nlayers], b * out * sizeof(float));
        done += b;
    }
    dsc__fpenv_leave(&fe);
    return DSC_OK;
}

DSC_API dsc_status dsc_model_backward(dsc_model *model, const float *dy, size_t batch) {
    static const char fn[] = "dsc_model_backward";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(dy == NULL, DSC_E_ARG, "%s: dy is NULL", fn);
    DSC_RETURN_IF(model->fwd_batch == 0, DSC_E_STATE,
                  "%s: no forward pass to go back through; call dsc_model_forward first", fn);
    DSC_RETURN_IF(batch != model->fwd_batch, DSC_E_SHAPE,
                  "%s: batch is %zu but the last forward had %zu samples", fn, batch, model->fwd_batch);
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    dsc__model_run_backward(model, dy, batch, 0, NULL, NULL);
    dsc__fpenv_leave(&fe);
    return DSC_OK;
}

void dsc__model_run_backward(dsc_model *model, const float *dy, size_t batch, int grad_write,
                             void (*after)(void *ctx, const dsc__layer *l), void *ctx) {
    const float *cur = dy;
    float *own = NULL; /* cur once it is one of our buffers (not the caller's dy) */
    for (size_t i = model->nlayers; i-- > 0;) {
        dsc__layer *l = &model->layers[i];
        float *dx = NULL;
        if (i > 0 || model->input_grad) {
            if (l->vt->dx_in_place && own != NULL) dx = own;
            else dx = cur == model->gbuf[0] ? model->gbuf[1] : model->gbuf[0];
        }
        dsc__pass p = {batch, model->act[i], model->act[i + 1], model->ws, model->scratch[i],
                       model->training, grad_write && l->vt->grad_write};
        if (grad_write && !l->vt->grad_write && l->nparams)
            memset(l->grad, 0, l->nparams * sizeof(float));
        l->vt->backward(l, &p, cur, dx);
        if (after != NULL) after(ctx, l);
        cur = own = dx;
    }
    model->dx = cur;
}

DSC_API dsc_status dsc_model_zero_grad(dsc_model *model) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "dsc_model_zero_grad: model is NULL");
    DSC_RETURN_IF(!model->built, DSC_E_STATE,
                  "dsc_model_zero_grad: the model is not built; call dsc_model_build first");
    if (model->nparams) memset(model->grads, 0, model->nparams * sizeof(float));
    return DSC_OK;
}

DSC_API dsc_status dsc_model_param_count(const dsc_model *model, size_t *out) {
    if (out != NULL) *out = 0;
    DSC_RETURN_IF(model == NULL || out == NULL, DSC_E_ARG, "dsc_model_param_count: %s is NULL",
                  model == NULL ? "model" : "out");
    *out = model->nparams;
    return DSC_OK;
}

dsc_status dsc__model_buffers(const char *fn, dsc_model *m, float **params, float **grads,
                              size_t *n) {
    DSC_RETURN_IF(!m->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first", fn);
    if (params) *params = m->params;
    if (grads) *grads = m->grads;
    if (n) *n = m->nparams;
    return DSC_OK;
}

DSC_API dsc_status dsc_model_params(dsc_model *model, float **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_model_params: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "dsc_model_params: model is NULL");
    return dsc__model_buffers("dsc_model_params", model, out, NULL, NULL);
}

DSC_API dsc_status dsc_model_grads(dsc_model *model, float **out) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "dsc_model_grads: out is NULL");
    *out = NULL;
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "dsc_model_grads: model is NULL");
    return dsc__model_buffers("dsc_model_grads", model, NULL, out, NULL);
}

/* The legacy getters and setters of dense layers: their own checks and
 * messages for a layer that is not dense or has no bias, then the named
 * access of layer.c. */
static dsc_status check_dense(const char *fn, const dsc_model *m, size_t index, int bias,
                              const void *buf) {
    DSC_RETURN_IF(m == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(buf == NULL, DSC_E_ARG, "%s: the array is NULL", fn);
    DSC_RETURN_IF(index >= m->nlayers, DSC_E_ARG, "%s: layer is %zu; the model has %zu layers",
                  fn, index, m->nlayers);
    const dsc__layer *l = &m->layers[index];
    DSC_RETURN_IF(l->vt->kind != DSC_LAYER_DENSE, DSC_E_ARG,
                  "%s: layer %zu is a %s layer; it must be dense (dsc_model_get_param reads "
                  "any layer's tensors by name)", fn, index, l->vt->name);
    DSC_RETURN_IF(bias && !l->u.dense.has_bias, DSC_E_UNSUPPORTED,
                  "%s: layer %zu (dense) has no bias", fn, index);
    return DSC_OK;
}

static dsc_status get_values(const char *fn, const dsc_model *m, size_t index, int bias, int grad,
                             float *dst, size_t n) {
    DSC_TRY(check_dense(fn, m, index, bias, dst));
    return dsc__model_tensor_get(fn, m, index, bias ? "bias" : "weight", grad, 0, dst, n);
}

static dsc_status set_values(const char *fn, dsc_model *m, size_t index, int bias,
                             const float *src, size_t n) {
    DSC_TRY(check_dense(fn, m, index, bias, src));
    return dsc__model_tensor_set(fn, m, index, bias ? "bias" : "weight", 0, src, n);
}
DSC_API dsc_status dsc_model_get_weight(const dsc_model *model, size_t layer, float *dst, size_t n) {
    return get_values("dsc_model_get_weight", model, layer, 0, 0, dst, n);
}

DSC_API dsc_status dsc_model_get_bias(const dsc_model *model, size_t layer, float *dst, size_t n) {
    return get_values("dsc_model_get_bias", model, layer, 1, 0, dst, n);
}

DSC_API dsc_status dsc_model_get_weight_grad(const dsc_model *model, size_t layer, float *dst,
                                             size_t n) {
    return get_values("dsc_model_get_weight_grad", model, layer, 0, 1, dst, n);
}

DSC_API dsc_status dsc_model_get_bias_grad(const dsc_model *model, size_t layer, float *dst,
                                           size_t n) {
    return get_values("dsc_model_get_bias_grad", model, layer, 1, 1, dst, n);
}

DSC_API dsc_status dsc_model_set_weight(dsc_model *model, size_t layer, const float *src, size_t n) {
    return set_values("dsc_model_set_weight", model, layer, 0, src, n);
}

DSC_API dsc_status dsc_model_set_bias(dsc_model *model, size_t layer, const float *src, size_t n) {
    return set_values("dsc_model_set_bias", model, layer, 1, src, n);
}
