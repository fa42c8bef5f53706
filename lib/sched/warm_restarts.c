/* CosineAnnealingWarmRestarts (SGDR): lr_t = eta_min + (base - eta_min)
 * (1 + cos(pi T_cur/T_i))/2, where T_cur counts steps since the last restart
 * and T_i is the current cycle length: T_0, then T_0*T_mult, T_0*T_mult^2...
 * (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.step without epoch). */
#include "sched_impl.h"

#include <math.h>

enum { T_0, T_MULT, ETA_MIN };
static const dsc__setting warm_hp[] = {
    [T_0] = {DSC_SCHED_PARAM_T_0, "T_0", NAN, 1, DSC__TWO_53, DSC__SET_INT | DSC__SET_REQUIRED},
    [T_MULT] = {DSC_SCHED_PARAM_T_MULT, "T_mult", 1, 1, 1048576, DSC__SET_INT},
    [ETA_MIN] = {DSC_SCHED_PARAM_ETA_MIN, "eta_min", 0.0, 0.0, DSC__TWO_32, 0}, /* an lr */
};

/* State variables: PyTorch's T_cur and T_i, integers below 2^53. */
enum { T_CUR, T_I };
static const dsc__sched_var warm_vars[] = {
    [T_CUR] = {DSC_SCHED_STATE_T_CUR, 1},
    [T_I] = {DSC_SCHED_STATE_T_I, 1},
};

static void warm_reset(dsc_lr_scheduler *s) {
    s->v.k[T_CUR] = 0;
    s->v.k[T_I] = dsc__sched_p(s, T_0);
}

static void warm_advance(dsc_lr_scheduler *s) {
    double *k = s->v.k;
    k[T_CUR] += 1;
    if (k[T_CUR] >= k[T_I]) {
        k[T_CUR] -= k[T_I];
        /* Saturate: a cycle of 2^53 steps never ends anyway. */
        k[T_I] = fmin(k[T_I] * dsc__sched_p(s, T_MULT), DSC__TWO_53);
    }
}

/* What warm_reset and warm_advance keep: a cycle of at least one step,
 * and fewer steps into it than its length. */
static const char *warm_check_vars(const double *k) {
    if (k[T_I] < 1.0) return "the cycle length T_i is below 1";
    if (k[T_CUR] >= k[T_I]) return "T_cur is not below the cycle length T_i";
    return NULL;
}

static dsc_status warm_lr(dsc_lr_scheduler *s, size_t g, double cur, double base, double *lr, double *mom) {
    (void)g, (void)cur, (void)mom;
    const double pi = 3.141592653589793;
    double eta = dsc__sched_p(s, ETA_MIN);
    *lr = eta + (base - eta) * (1.0 + cos(pi * s->v.k[T_CUR] / s->v.k[T_I])) / 2.0;
    return DSC_OK;
}

const dsc__sched_vt dsc__sched_warm_restarts_vt = {
    .kind = DSC_SCHED_COSINE_WARM_RESTARTS, .name = "CosineAnnealingWarmRestarts", .hp = warm_hp,
    .nhp = sizeof warm_hp / sizeof warm_hp[0], .vars = warm_vars, .nvars = sizeof warm_vars / sizeof warm_vars[0],
    .check_vars = warm_check_vars, .reset = warm_reset, .advance = warm_advance, .lr = warm_lr,
};
