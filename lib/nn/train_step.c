/* The fused training step, dsc_model_train_step: forward, loss, backward and
 * the optimizer step in one call, with the bits of the seven calls
 * (zero_grad, forward, loss forward, loss backward, backward, optimizer step)
 * and fewer passes over parameters and gradients:
 *   - the backward writes the gradients instead of adding to zeros (kinds
 *     without a write mode have their slice zeroed just before their
 *     backward, while it is about to be in cache anyway): no zeroing pass;
 *   - the optimizer's norm (= non-finite check) sums each of its fixed
 *     pieces as soon as the backward has made it final, and, without norm
 *     clipping, the result check of each layer's update runs right after
 *     that layer's backward, on gradients and weights still in cache;
 *   - the updates run layer by layer from the first layer, whose gradients
 *     the backward produced last.
 * No parameter is written before every check has passed (the first layer's
 * gradient is known only at the end of the backward), so a refused step
 * leaves parameters, optimizer state and step counts as they were. With
 * norm clipping the scale needs the whole norm: the checks then run after
 * the backward, as whole passes. With a gradient hook the step is the
 * backward, then dsc_optimizer_step (hook, norm, checks, update). */
#include "model_impl.h"
#include "loss_impl.h"
#include "../kernels/fpenv.h"
#include "../optim/optimizer_impl.h"

#include <math.h>
#include <string.h>

/* After each layer's backward: its parameter gradients are final. */
static void produced(void *ctx, const dsc__layer *l) {
    if (l->nparams) dsc__optimizer_fused_produced(ctx, l->param_off, l->param_off + l->nparams);
}

/* Everything a step reads, checked before anything changes. */
static dsc_status validate(const char *fn, dsc_model *m, const dsc_loss *loss, dsc_optimizer *opt,
                           const float *x, const float *target, const int32_t *labels,
                           size_t batch) {
    DSC_RETURN_IF(m == NULL || loss == NULL || opt == NULL || x == NULL, DSC_E_ARG,
                  "%s: %s is NULL", fn,
                  m == NULL ? "model" : loss == NULL ? "loss" : opt == NULL ? "opt" : "x");
    const int uses_labels = loss->vt->uses_labels;
    DSC_RETURN_IF(uses_labels && target != NULL, DSC_E_UNSUPPORTED,
                  "%s: the %s loss takes class labels; pass labels and a NULL target", fn,
                  loss->vt->name);
    DSC_RETURN_IF(!uses_labels && labels != NULL, DSC_E_UNSUPPORTED,
                  "%s: the %s loss takes float targets; pass target and NULL labels", fn,
                  loss->vt->name);
    DSC_RETURN_IF(uses_labels ? labels == NULL : target == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  uses_labels ? "labels" : "target");
    DSC_RETURN_IF(!m->built, DSC_E_STATE, "%s: the model is not built; call dsc_model_build first",
                  fn);
    DSC_RETURN_IF(batch == 0 || batch > m->max_batch, DSC_E_ARG,
                  "%s: batch is %zu; it must be in 1..%zu (the model's maximum batch)", fn, batch,
                  m->max_batch);
    for (size_t i = 0; i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        if (l->vt->check_batch != NULL) DSC_TRY(l->vt->check_batch(l, fn, i, batch, m->training));
    }
    const size_t width = m->out_width;
    if (uses_labels) {
        for (size_t i = 0; i < batch; i++)
            DSC_RETURN_IF(labels[i] < 0 || (size_t)labels[i] >= width, DSC_E_ARG,
                          "%s: label %zu is %ld; it must be in 0..%zu", fn, i, (long)labels[i],
                          width - 1);
    } else {
        DSC_RETURN_IF(!m->k->all_finite(batch * width, target), DSC_E_NONFINITE,
                      "%s: the targets hold NaN or an infinity; nothing was changed", fn);
    }
    return DSC_OK;
}

dsc_status dsc__model_train_step(const char *fn, dsc_model *m, dsc_loss *loss, dsc_optimizer *opt,
                                 const float *x, const float *target, const int32_t *labels,
                                 size_t batch, double *value) {
    *value = NAN;
    DSC_TRY(validate(fn, m, loss, opt, x, target, labels, batch));
    dsc__fused f;
    DSC_TRY(dsc__optimizer_fused_begin(opt, m->params, m->grads, m->nparams, &f, fn));
    const size_t width = m->out_width;
    memcpy(m->act[0], x, batch * m->in_width * sizeof(float));
    dsc_fpenv fe;
    dsc__fpenv_enter(&fe);
    dsc__model_run_forward(m, m->act[0], batch, m->training);
    m->fwd_batch = batch;
    const float *y = m->act[m->nlayers];
    /* validate() checked the targets or labels: only the output is left to check */
    dsc_status s = dsc__loss_record(fn, loss, y, loss->vt->uses_labels ? NULL : target,
                                    loss->vt->uses_labels ? labels : NULL, batch, width, value);
    if (s == DSC_OK && !isfinite(*value))
        s = dsc__error(DSC_E_NONFINITE, "%s: the loss is %g; step refused before the backward, "
                       "parameters, gradients and optimizer unchanged", fn, *value);
    if (s == DSC_OK) s = dsc_loss_backward(loss, m->gbuf[0]);
    if (s != DSC_OK) {
        dsc__fpenv_leave(&fe);
        return s;
    }
    const int hook = dsc__optimizer_has_hook(opt);
    dsc__model_run_backward(m, m->gbuf[0], batch, 1, hook ? NULL : produced, &f);
    if (hook) {
        dsc__fpenv_leave(&fe);
        return dsc_optimizer_step(opt);
    }
    s = dsc__optimizer_fused_decide(&f, fn);
    for (size_t i = 0; i < m->nlayers && s == DSC_OK; i++) {
        const dsc__layer *l = &m->layers[i];
        if (l->nparams) dsc__optimizer_fused_update(&f, l->param_off, l->param_off + l->nparams);
    }
    dsc__fpenv_leave(&fe);
    return s;
}

DSC_API dsc_status dsc_model_train_step(dsc_model *model, dsc_loss *loss, dsc_optimizer *opt,
                                        const float *x, const float *target,
                                        const int32_t *labels, size_t batch, double *loss_value) {
    double v;
    dsc_status s = dsc__model_train_step("dsc_model_train_step", model, loss, opt, x, target,
                                         labels, batch, &v);
    if (loss_value != NULL) *loss_value = s == DSC_OK ? v : 0.0;
    return s;
}
