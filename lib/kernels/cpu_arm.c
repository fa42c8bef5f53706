/* AArch64 detection: Advanced SIMD (NEON) is part of the base architecture. */
#include "kernels.h"

#if defined(__aarch64__)
dsc_isa_id dsc__cpu_best_isa(void) {
    return DSC_ISA_NEON;
}
#elif !defined(__x86_64__) && !defined(__i386__)
dsc_isa_id dsc__cpu_best_isa(void) {
    return DSC_ISA_SCALAR;
}
#endif
