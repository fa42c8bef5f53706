/* scalar kernels: reductions and elementwise, the reference.
 *   sum = sum x_i, sumsq = sum x_i^2: accumulated in double, left to right
 *     (torch.sum / torch.linalg.vector_norm(x)^2 up to rounding; PyTorch sums
 *     float32 in float32 with pairwise blocks, descent in double)
 *   maxabs = max |x_i| (0 for n = 0, NaN if any x_i is NaN: torch.amax(abs))
 *   all_finite = no x_i is NaN or +-inf (torch.isfinite(x).all())
 *   scale: x *= s;  clamp: x = min(max(x, lo), hi) (torch.clamp: NaN stays
 *     NaN; lo > hi gives hi everywhere). */
#include "../kernels.h"

#include <math.h>

static double sum(size_t n, const float *x) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

static double sumsq(size_t n, const float *x) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i]; /* exact square in double */
    return s;
}

static float maxabs(size_t n, const float *x) {
    float m = 0.0f;
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        m = a > m ? a : m;
        nan |= a != a;
    }
    return nan ? NAN : m;
}

static int all_finite(size_t n, const float *x) {
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= isfinite(x[i]) != 0;
    return ok;
}

static void scale(size_t n, float *x, float s) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

static void clamp(size_t n, float *x, float lo, float hi) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        v = v < lo ? lo : v; /* comparisons are false for NaN: it passes through */
        v = v > hi ? hi : v;
        x[i] = v;
    }
}

void dsc__scalar_init_reduce(dsc_kernels *k) {
    k->sum = sum;
    k->sumsq = sumsq;
    k->sumsq_fast = sumsq; /* already within sumsq_fast's bound */
    k->maxabs = maxabs;
    k->all_finite = all_finite;
    k->scale = scale;
    k->clamp = clamp;
}
