/* Parameter initialization of dense layers, seeded (lib/core/rng.h, in
 * double, rounded once to float) so a seed gives the same parameters on
 * every machine. Bounds follow torch.nn.init with fan_in = in, fan_out = out:
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

void dsc__init_dense(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r) {
    double in = (double)l->in, out = (double)l->out;
    size_t nw = l->in * l->out;
    switch (weight_init) {
    case DSC_INIT_PYTORCH_DEFAULT: fill_uniform(l->w, nw, 1.0 / sqrt(in), r); break;
    case DSC_INIT_XAVIER_UNIFORM: fill_uniform(l->w, nw, sqrt(6.0 / (in + out)), r); break;
    case DSC_INIT_XAVIER_NORMAL: fill_normal(l->w, nw, sqrt(2.0 / (in + out)), r); break;
    case DSC_INIT_KAIMING_UNIFORM: fill_uniform(l->w, nw, sqrt(6.0 / in), r); break;
    case DSC_INIT_KAIMING_NORMAL: fill_normal(l->w, nw, sqrt(2.0 / in), r); break;
    default: memset(l->w, 0, nw * sizeof(float)); break;
    }
    if (!l->has_bias) return;
    if (bias_init == DSC_INIT_PYTORCH_DEFAULT) fill_uniform(l->b, l->out, 1.0 / sqrt(in), r);
    else memset(l->b, 0, l->out * sizeof(float));
}
