/* Dropout, torch.nn.Dropout(p): in training mode y = x * m / (1-p) with
 * m ~ Bernoulli(1-p) per element; in evaluation mode y = x. The mask comes
 * from the layer's own xoshiro generator (lib/core/rng.h), so a seed gives
 * the same masks everywhere (not PyTorch's). The mask multiply is a plain
 * loop: the kernel table has no elementwise product. */
#include "layer_impl.h"

#include <string.h>

static size_t drop_scratch(const dsc__layer *l, size_t max_batch) {
    return max_batch * l->out;
}

static void drop_forward(dsc__layer *l, const dsc__pass *p) {
    size_t n = p->batch * l->out;
    l->u.dropout.mask = p->scratch;
    l->u.dropout.masked = p->training && l->u.dropout.p > 0.0;
    if (!l->u.dropout.masked) {
        if (p->y != p->x) memcpy(p->y, p->x, n * sizeof(float));
        return;
    }
    /* Keep an element when u >= p, u uniform in [0, 1) with 24 bits. */
    float pf = (float)l->u.dropout.p;
    for (size_t i = 0; i < n; i++) {
        float m = dsc__rng_float(&l->u.dropout.rng) >= pf ? l->u.dropout.keep_scale : 0.0f;
        l->u.dropout.mask[i] = m;
        p->y[i] = p->x[i] * m;
    }
}

static void drop_backward(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx) {
    if (dx == NULL) return;
    size_t n = p->batch * l->out;
    if (!l->u.dropout.masked) {
        if (dx != dy) memcpy(dx, dy, n * sizeof(float));
        return;
    }
    for (size_t i = 0; i < n; i++) dx[i] = dy[i] * l->u.dropout.mask[i];
}

static const dsc__layer_vtable drop_vt = {
    .kind = DSC_LAYER_DROPOUT,
    .name = "dropout",
    .shape = dsc__shape_keep,
    .scratch_floats = drop_scratch,
    .forward = drop_forward,
    .backward = drop_backward,
    .dx_in_place = 1,
};

DSC_API dsc_status dsc_model_add_dropout(dsc_model *model, double p, uint64_t seed) {
    static const char fn[] = "dsc_model_add_dropout";
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(!(p >= 0.0 && p <= 1.0), DSC_E_ARG, "%s: p is %g; it must be in [0, 1]", fn, p);
    dsc__layer l = {0};
    l.vt = &drop_vt;
    l.u.dropout.p = p;
    l.u.dropout.keep_scale = p < 1.0 ? (float)(1.0 / (1.0 - p)) : 0.0f;
    l.u.dropout.seed = seed;
    dsc__rng_seed(&l.u.dropout.rng, seed);
    return dsc__model_append(fn, model, &l);
}
