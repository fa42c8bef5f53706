/* Fills the kernel table entries the sse2 set implements; see kernels.h. */
#include "../kernels.h"

void dsc__kernels_init_sse2(dsc_kernels *k) {
    (void)k;
}
