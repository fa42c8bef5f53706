/* PolynomialLR: lr_t = lr * (1 - min(t, T)/T)^power, T = total_iters.
 * Chainable form (torch.optim.lr_scheduler.PolynomialLR.get_lr): for
 * 0 < t <= T, lr * ((1 - t/T) / (1 - (t-1)/T))^power; else unchanged. */
#include "sched_impl.h"

#include <math.h>

enum { TOTAL_ITERS, POWER };
static const dsc__setting polynomial_hp[] = {
    [TOTAL_ITERS] = {DSC_SCHED_PARAM_TOTAL_ITERS, "total_iters", 5, 1, DSC__TWO_53, DSC__SET_INT},
    [POWER] = {DSC_SCHED_PARAM_POWER, "power", 1.0, 0.0, INFINITY, 0},
};

static dsc_status polynomial_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr,
                                double *mom) {
    (void)g, (void)base, (void)mom;
    int64_t t = s->v.t;
    double T = dsc__sched_p(s, TOTAL_ITERS);
    if (t == 0 || (double)t > T) {
        *lr = cur;
        return DSC_OK;
    }
    double f = (1.0 - (double)t / T) / (1.0 - (double)(t - 1) / T);
    *lr = cur * pow(f, dsc__sched_p(s, POWER));
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_polynomial_vt = {
    .kind = DSC_SCHED_POLYNOMIAL, .name = "PolynomialLR", .hp = polynomial_hp, .nhp = 2,
    .lr = polynomial_lr,
};
