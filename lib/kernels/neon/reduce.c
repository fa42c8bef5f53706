/* neon kernels: reductions and elementwise (sum, sumsq, maxabs, all_finite, scale, clamp). Not implemented yet for this ISA: the entries keep
 * the table's previous (lower-ISA) values. */
#include "../kernels.h"

void dsc__neon_init_reduce(dsc_kernels *k) {
    (void)k;
}
