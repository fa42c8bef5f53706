/* neon kernels: activations and softmax (act_forward, act_backward, softmax,
 * softmax_xent), 4 lanes. The formulas and PyTorch references are scalar/act.c's;
 * the loops are ../act_tmpl.h over simd.h, the approximations ../vmath.h. */
#include "simd.h"
#include "../act_tmpl.h"

void dsc__neon_init_act(dsc_kernels *k) {
    tmpl_init_act(k);
}
