/* scalar kernels: reductions, the reference.
 *   sumsq = sum x_i^2: accumulated in double, left to right
 *     (torch.linalg.vector_norm(x)^2 up to rounding; PyTorch sums float32
 *     in float32 with pairwise blocks, descent in double)
 *   all_finite = no x_i is NaN or +-inf (torch.isfinite(x).all()) */
#include "../kernels.h"

#include <math.h>

static double sumsq(size_t n, const float *x) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i]; /* exact square in double */
    return s;
}

static int all_finite(size_t n, const float *x) {
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= isfinite(x[i]) != 0;
    return ok;
}

void dsc__scalar_init_reduce(dsc_kernels *k) {
    k->sumsq = sumsq;
    k->sumsq_fast = sumsq; /* already within sumsq_fast's bound */
    k->all_finite = all_finite;
}
