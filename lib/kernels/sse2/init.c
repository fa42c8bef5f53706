/* Fills the kernel table entries the sse2 set implements, one family at a
 * time; each family lives in its own file of this directory (see kernels.h). */
#include "../kernels.h"

void dsc__kernels_init_sse2(dsc_kernels *k) {
    dsc__sse2_init_gemm(k);
    dsc__sse2_init_act(k);
    dsc__sse2_init_reduce(k);
    dsc__sse2_init_update(k);
    dsc__sse2_init_rnn(k);
    dsc__sse2_init_norm(k);
    dsc__sse2_init_pool(k);
}
