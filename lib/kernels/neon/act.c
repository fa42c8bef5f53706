/* neon kernels: activations and softmax (act_forward, act_backward, softmax, softmax_xent). Not implemented yet for this ISA: the entries keep
 * the table's previous (lower-ISA) values. */
#include "../kernels.h"

void dsc__neon_init_act(dsc_kernels *k) {
    (void)k;
}
