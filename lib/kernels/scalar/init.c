/* Fills the kernel table entries the scalar set implements, one family at a
 * time; each family lives in its own file of this directory (see kernels.h). */
#include "../kernels.h"

void dsc__kernels_init_scalar(dsc_kernels *k) {
    dsc__scalar_init_gemm(k);
    dsc__scalar_init_act(k);
    dsc__scalar_init_reduce(k);
    dsc__scalar_init_update(k);
    dsc__scalar_init_rnn(k);
    dsc__scalar_init_norm(k);
    dsc__scalar_init_pool(k);
}
