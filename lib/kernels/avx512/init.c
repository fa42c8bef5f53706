/* Fills the kernel table entries the avx512 set implements, one family at a
 * time; each family lives in its own file of this directory (see kernels.h). */
#include "../kernels.h"

void dsc__kernels_init_avx512(dsc_kernels *k) {
    dsc__avx512_init_gemm(k);
    dsc__avx512_init_act(k);
    dsc__avx512_init_reduce(k);
    dsc__avx512_init_update(k);
    dsc__avx512_init_rnn(k);
    dsc__avx512_init_norm(k);
    dsc__avx512_init_pool(k);
}
