/* neon kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad. Not implemented yet for this ISA: the entries keep
 * the table's previous (lower-ISA) values. */
#include "../kernels.h"

void dsc__neon_init_gemm(dsc_kernels *k) {
    (void)k;
}
