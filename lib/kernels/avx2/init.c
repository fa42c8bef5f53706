/* Fills the kernel table entries the avx2 set implements, one family at a
 * time; each family lives in its own file of this directory (see kernels.h). */
#include "../kernels.h"

void dsc__kernels_init_avx2(dsc_kernels *k) {
    dsc__avx2_init_gemm(k);
    dsc__avx2_init_act(k);
    dsc__avx2_init_reduce(k);
    dsc__avx2_init_update(k);
    dsc__avx2_init_rnn(k);
    dsc__avx2_init_norm(k);
    dsc__avx2_init_pool(k);
}
