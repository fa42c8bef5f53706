/* avx2 kernels: reductions (sumsq, sumsq_fast, all_finite), 8 lanes.
 * Formulas and PyTorch references: scalar/reduce.c; the loops are
 * ../reduce_tmpl.h over simd.h. */
#include "simd.h"
#include "../reduce_tmpl.h"

void dsc__avx2_init_reduce(dsc_kernels *k) {
    tmpl_init_reduce(k);
}
