/* avx2 kernels: activations and softmax (act_forward, act_backward, softmax,
 * softmax_xent), 8 lanes. The formulas and PyTorch references are scalar/act.c's;
 * the loops are ../act_tmpl.h over simd.h, the approximations ../vmath.h. */
#include "simd.h"
#include "../act_tmpl.h"

void dsc__avx2_init_act(dsc_kernels *k) {
    tmpl_init_act(k);
}
