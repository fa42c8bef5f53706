/* The registry of kinds: dsc_lr_scheduler_kind value -> its vtable. A new
 * kind is its own file plus one line here. */
#include "sched_impl.h"

#include <stdio.h>

extern const dsc__sched_vt dsc__sched_constant_vt;
extern const dsc__sched_vt dsc__sched_constant_lr_vt;
extern const dsc__sched_vt dsc__sched_step_vt;
extern const dsc__sched_vt dsc__sched_multi_step_vt;
extern const dsc__sched_vt dsc__sched_exponential_vt;
extern const dsc__sched_vt dsc__sched_polynomial_vt;
extern const dsc__sched_vt dsc__sched_linear_vt;
extern const dsc__sched_vt dsc__sched_cosine_vt;
extern const dsc__sched_vt dsc__sched_warm_restarts_vt;
extern const dsc__sched_vt dsc__sched_cyclic_vt;
extern const dsc__sched_vt dsc__sched_one_cycle_vt;
extern const dsc__sched_vt dsc__sched_plateau_vt;
extern const dsc__sched_vt dsc__sched_lambda_vt;
extern const dsc__sched_vt dsc__sched_multiplicative_vt;
extern const dsc__sched_vt dsc__sched_sequential_vt;
extern const dsc__sched_vt dsc__sched_chained_vt;
extern const dsc__sched_vt dsc__sched_inverse_time_vt;

static const dsc__sched_vt *const kinds[] = {
    &dsc__sched_constant_vt,
    &dsc__sched_constant_lr_vt,
    &dsc__sched_step_vt,
    &dsc__sched_multi_step_vt,
    &dsc__sched_exponential_vt,
    &dsc__sched_polynomial_vt,
    &dsc__sched_linear_vt,
    &dsc__sched_cosine_vt,
    &dsc__sched_warm_restarts_vt,
    &dsc__sched_cyclic_vt,
    &dsc__sched_one_cycle_vt,
    &dsc__sched_plateau_vt,
    &dsc__sched_lambda_vt,
    &dsc__sched_multiplicative_vt,
    &dsc__sched_sequential_vt,
    &dsc__sched_chained_vt,
    &dsc__sched_inverse_time_vt,
};

const dsc__sched_vt *dsc__sched_kind(int kind) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if ((int)kinds[i]->kind == kind) return kinds[i];
    return NULL;
}

const char *dsc__sched_kinds_with(unsigned flag, char *buf, size_t size) {
    size_t n = 0, count = 0, total = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) total += (kinds[i]->flags & flag) != 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && n < size; i++) {
        if (!(kinds[i]->flags & flag)) continue;
        count++;
        const char *sep = count == 1 ? "" : count == total ? " and " : ", ";
        int w = snprintf(buf + n, size - n, "%s%s", sep, kinds[i]->name);
        if (w < 0) break;
        n += (size_t)w;
    }
    return buf;
}
