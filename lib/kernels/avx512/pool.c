/* avx512 kernels: max and average pooling (maxpool_fwd/bwd, avgpool_fwd/bwd),
 * 16 lanes. Semantics and PyTorch references: scalar/pool.c; the loops are
 * ../pool_tmpl.h over simd.h. */
#include "simd.h"
#include "../pool_tmpl.h"

void dsc__avx512_init_pool(dsc_kernels *k) {
    tmpl_init_pool(k);
}
