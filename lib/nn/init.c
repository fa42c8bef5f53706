/* Parameter initialization, seeded (lib/core/rng.h, in
 * double, rounded once to float) so a seed gives the same parameters on
 * every machine. Bounds follow torch.nn.init (dense: fan_in = in, fan_out = out;
 * a convolution: fan_in = in/groups * kernel elements, fan_out = out/groups * kernel elements):
 *   PyTorch Linear default: kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(in), 1/sqrt(in)),
 *                           bias U(-1/sqrt(in), 1/sqrt(in))
 *   xavier_uniform_:  U(-a, a), a = sqrt(6/(in+out))   xavier_normal_: N(0, 2/(in+out))
 *   kaiming_uniform_: U(-a, a), a = sqrt(2)*sqrt(3/in)  kaiming_normal_: N(0, 2/in)
 *   (kaiming with PyTorch's defaults a=0, mode fan_in, nonlinearity leaky_relu -> gain sqrt(2)) */
#include "init_impl.h"

#include <math.h>
#include <string.h>

int dsc__init_valid(dsc_init init, int for_bias) {
    if (for_bias) return init == DSC_INIT_PYTORCH_DEFAULT || init == DSC_INIT_ZEROS;
    return (int)init >= (int)DSC_INIT_PYTORCH_DEFAULT && (int)init <= (int)DSC_INIT_ZEROS;
}

static void fill_uniform(float *p, size_t n, double bound, dsc_rng *r) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(bound * (2.0 * dsc__rng_double(r) - 1.0));
}

static void fill_normal(float *p, size_t n, double std, dsc_rng *r) {
    for (size_t i = 0; i < n; i++) p[i] = (float)(std * dsc__rng_normal(r));
}

void dsc__init_weight(float *w, size_t n, size_t fan_in, size_t fan_out, dsc_init init,
                      dsc_rng *r) {
    double in = (double)fan_in, out = (double)fan_out;
    switch (init) {
    case DSC_INIT_PYTORCH_DEFAULT: fill_uniform(w, n, 1.0 / sqrt(in), r); break;
    case DSC_INIT_XAVIER_UNIFORM: fill_uniform(w, n, sqrt(6.0 / (in + out)), r); break;
    case DSC_INIT_XAVIER_NORMAL: fill_normal(w, n, sqrt(2.0 / (in + out)), r); break;
    case DSC_INIT_KAIMING_UNIFORM: fill_uniform(w, n, sqrt(6.0 / in), r); break;
    case DSC_INIT_KAIMING_NORMAL: fill_normal(w, n, sqrt(2.0 / in), r); break;
    default: memset(w, 0, n * sizeof(float)); break;
    }
}

void dsc__init_bias(float *b, size_t n, size_t fan_in, dsc_init init, dsc_rng *r) {
    if (init == DSC_INIT_PYTORCH_DEFAULT) fill_uniform(b, n, 1.0 / sqrt((double)fan_in), r);
    else memset(b, 0, n * sizeof(float));
}
