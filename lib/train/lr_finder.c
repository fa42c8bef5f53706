/* Learning-rate range test (L. Smith, "Cyclical Learning Rates for Training
 * Neural Networks", 2017; the form of fastai's lr_find):
 *   lr_i = lr_min * (lr_max/lr_min)^(i/(steps-1)),  i = 0..steps-1
 *   avg_i = beta*avg_{i-1} + (1-beta)*loss_i,  smoothed_i = avg_i / (1 - beta^(i+1))
 * stopping once smoothed_i > diverge * min_j smoothed_j or a loss is not
 * finite. Suggestion: argmin smoothed lr / 10. The model's parameters, the
 * optimizer's state and lrs, and the trainer's generator and progress are
 * saved first and restored at the end. */
#include "trainer_impl.h"
#include "../optim/optimizer_impl.h"

#include <math.h>
#include <string.h>

dsc_status dsc_trainer_lr_range_test(dsc_trainer *t, double lr_min, double lr_max, size_t steps,
                                     double *lrs, double *losses, size_t *recorded,
                                     double *suggested) {
    static const char fn[] = "dsc_trainer_lr_range_test";
    DSC_RETURN_IF(t == NULL, DSC_E_ARG, "%s: t must not be NULL", fn);
    DSC_RETURN_IF(!(lr_min > 0) || !(lr_min < DSC__HP_MAX), DSC_E_ARG,
                  "%s: lr_min is %g; it must be in (0, 2^32), the optimizer's lrs", fn, lr_min);
    DSC_RETURN_IF(!(lr_max > lr_min) || !(lr_max <= DSC__HP_MAX), DSC_E_ARG,
                  "%s: lr_max is %g; it must be > lr_min (%g) and at most 2^32, the optimizer's "
                  "largest lr", fn, lr_max, lr_min);
    DSC_RETURN_IF(steps < 2 || steps > ((size_t)1 << 31), DSC_E_ARG,
                  "%s: steps is %zu; it must be in [2, 2^31]", fn, steps);
    DSC_RETURN_IF(t->busy, DSC_E_STATE, "%s: the trainer is running (called from a callback?)",
                  fn);
    DSC_TRY(dsc__check_holds_model(t->opt, t->model, DSC_E_STATE, fn));
    float *params = NULL;
    int training = 1;
    DSC_TRY(dsc_model_params(t->model, &params));
    DSC_TRY(dsc_model_is_training(t->model, &training));
    dsc__opt_snapshot snap;
    DSC_TRY(dsc__opt_snapshot_take(&snap, t->opt, fn));
    /* t->best is free outside a run: it holds the parameters to restore. */
    memcpy(t->best, params, t->nparams * sizeof(float));
    dsc_rng rng = t->rng;
    dsc_progress prog = t->prog;
    t->resume = DSC__AT_NONE; /* the test's steps replace a checkpoint's pending run */
    t->busy = 1;

    dsc_status s = dsc_model_set_training(t->model, 1);
    size_t b = dsc__trainer_batch(t), pos = t->count, n_rec = 0, best_i = 0;
    double beta = t->finder_beta, avg = 0.0, best = INFINITY, ratio = log(lr_max / lr_min);
    for (size_t i = 0; i < steps && s == DSC_OK; i++) {
        double lr = lr_min * exp(ratio * (double)i / (double)(steps - 1)), loss = NAN;
        if (i == steps - 1) lr = lr_max;
        if (pos + b > t->count) { /* the next epoch's order; a partial tail is skipped */
            dsc__trainer_new_order(t);
            pos = 0;
        }
        s = dsc__set_all_lr(t->opt, lr);
        if (s != DSC_OK) break;
        s = dsc__trainer_train_batch(t, t->order + pos, b, 0, &loss);
        pos += b;
        double sm = loss;
        if (s == DSC_OK) {
            avg = beta * avg + (1.0 - beta) * loss;
            sm = avg / (1.0 - pow(beta, (double)(i + 1)));
        } else if (s == DSC_E_NONFINITE) {
            sm = isnan(loss) ? NAN : INFINITY;
        }
        if (s != DSC_OK && s != DSC_E_NONFINITE) break;
        if (lrs != NULL) lrs[n_rec] = lr;
        if (losses != NULL) losses[n_rec] = sm;
        n_rec++;
        if (s == DSC_E_NONFINITE) {
            s = DSC_OK;
            break;
        }
        if (sm < best) {
            best = sm;
            best_i = i;
        }
        if (sm > t->finder_diverge * best) break;
    }
    if (s == DSC_OK && !isfinite(best))
        s = dsc__error(DSC_E_NONFINITE, "%s: no step gave a finite loss (lr_min %g)", fn, lr_min);

    /* Restore everything, whatever happened. */
    memcpy(params, t->best, t->nparams * sizeof(float));
    dsc_status r = dsc__opt_snapshot_restore(&snap, t->opt);
    if (r == DSC_OK) r = dsc_model_zero_grad(t->model);
    if (r == DSC_OK) r = dsc_model_set_training(t->model, training);
    dsc__opt_snapshot_free(&snap);
    t->rng = rng;
    t->prog = prog;
    t->busy = 0;
    if (s != DSC_OK) return s;
    DSC_TRY(r);
    if (recorded != NULL) *recorded = n_rec;
    double lr_best = lr_min * exp(ratio * (double)best_i / (double)(steps - 1));
    if (suggested != NULL) *suggested = lr_best / 10.0;
    /* Remembered for the trainer's advice (DSC_PROGRESS_SUGGESTED_LR). */
    t->rt_lr = lr_best / 10.0;
    t->rt_batch = b;
    return DSC_OK;
}
