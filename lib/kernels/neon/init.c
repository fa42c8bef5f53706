/* Fills the kernel table entries the neon set implements; see kernels.h. */
#include "../kernels.h"

void dsc__kernels_init_neon(dsc_kernels *k) {
    (void)k;
}
