/* avx2 kernels: the recurrent cells (lstm_fwd, lstm_bwd, gru_fwd, gru_bwd),
 * 8 lanes. The formulas and PyTorch references are scalar/rnn.c's; the
 * loops are ../rnn_tmpl.h over simd.h, the approximations ../vmath.h. */
#include "simd.h"
#include "../rnn_tmpl.h"

void dsc__avx2_init_rnn(dsc_kernels *k) {
    tmpl_init_rnn(k);
}
