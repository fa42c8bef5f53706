/* neon kernels: batch norm and layer norm (bn_moments, bn_apply,
 * bn_backward_sums, bn_backward_dx, ln_apply, ln_backward), 4 lanes. The
 * formulas and PyTorch references are scalar/norm.c's; the loops are
 * ../norm_tmpl.h over simd.h. */
#include "simd.h"
#include "../norm_tmpl.h"

void dsc__neon_init_norm(dsc_kernels *k) {
    tmpl_init_norm(k);
}
