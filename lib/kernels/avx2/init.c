/* Fills the kernel table entries the avx2 set implements; see kernels.h. */
#include "../kernels.h"

void dsc__kernels_init_avx2(dsc_kernels *k) {
    (void)k;
}
