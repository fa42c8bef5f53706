/* avx512 kernels: fused optimizer updates (update_*). Not implemented yet for this ISA: the entries keep
 * the table's previous (lower-ISA) values. */
#include "../kernels.h"

void dsc__avx512_init_update(dsc_kernels *k) {
    (void)k;
}
