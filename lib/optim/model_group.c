/* dsc_optimizer_add_model: a built model's flat parameter and gradient
 * buffers (lib/nn/model_impl.h) become one parameter group, so a step is one
 * fused pass over the whole network. The group itself is made by the
 * optimizer's own add-buffers path (optimizer.c), which allocates its state
 * buffers. */
#include "optimizer_impl.h"
#include "../nn/model_impl.h"

DSC_API dsc_status dsc_optimizer_add_model(dsc_optimizer *opt, dsc_model *model, size_t *group) {
    static const char fn[] = "dsc_optimizer_add_model";
    DSC_RETURN_IF(opt == NULL, DSC_E_ARG, "%s: opt is NULL", fn);
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    float *p = NULL, *g = NULL;
    size_t n = 0;
    DSC_TRY(dsc__model_buffers(fn, model, &p, &g, &n));
    DSC_RETURN_IF(n == 0, DSC_E_ARG, "%s: the model has no parameters (no dense layer)", fn);
    return dsc__optimizer_add_buffers(opt, p, g, n, group, fn); /* messages name this function */
}
