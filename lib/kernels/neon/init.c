/* Fills the kernel table entries the neon set implements, one family at a
 * time; each family lives in its own file of this directory (see kernels.h). */
#include "../kernels.h"

void dsc__kernels_init_neon(dsc_kernels *k) {
    dsc__neon_init_gemm(k);
    dsc__neon_init_act(k);
    dsc__neon_init_reduce(k);
    dsc__neon_init_update(k);
    dsc__neon_init_rnn(k);
    dsc__neon_init_norm(k);
    dsc__neon_init_pool(k);
}
