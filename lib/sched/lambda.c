/* User schedules with a C callback f(t, group, user):
 *   LambdaLR:         lr_t = base_lr * f(t)      (torch.optim.lr_scheduler.LambdaLR)
 *   MultiplicativeLR: lr_t = lr_{t-1} * f(t), t >= 1; lr_0 = lr
 *                     (torch.optim.lr_scheduler.MultiplicativeLR).
 * A factor that is negative or not finite refuses the step. */
#include "sched_impl.h"

static dsc_status call(dsc_lr_scheduler *s, size_t g, double *f) {
    *f = s->fn(s->v.t, g, s->user);
    DSC_RETURN_IF(!isfinite(*f) || *f < 0.0, DSC_E_ARG,
                  "dsc_lr_scheduler_step: %s function returned %g for step %lld, group %zu; "
                  "a factor must be finite and >= 0", s->vt->name, *f, (long long)s->v.t, g);
    return DSC_OK;
}

static dsc_status lambda_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)cur, (void)mom;
    double f;
    DSC_TRY(call(s, g, &f));
    *lr = base * f;
    return DSC_OK;
}

static dsc_status multiplicative_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                                    double *mom) {
    (void)base, (void)mom;
    if (s->v.t == 0) {
        *lr = cur;
        return DSC_OK;
    }
    double f;
    DSC_TRY(call(s, g, &f));
    *lr = cur * f;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_lambda_vt = {
    .kind = DSC_SCHED_LAMBDA, .name = "LambdaLR", .flags = DSC__SV_LAMBDA, .lr = lambda_lr,
};

/* No closed form in PyTorch: a SequentialLR restart keeps the current lr. */
const dsc__sched_vt dsc__sched_multiplicative_vt = {
    .kind = DSC_SCHED_MULTIPLICATIVE, .name = "MultiplicativeLR", .flags = DSC__SV_LAMBDA | DSC__SV_KEEP_LR,
    .lr = multiplicative_lr,
};
