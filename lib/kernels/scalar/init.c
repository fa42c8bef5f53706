/* Fills the kernel table entries the scalar set implements; see kernels.h. */
#include "../kernels.h"

void dsc__kernels_init_scalar(dsc_kernels *k) {
    (void)k;
}
