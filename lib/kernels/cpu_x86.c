/* x86 CPU detection: CPUID for the instruction sets, XGETBV for the OS's
 * promise to save the wider registers (without it AVX faults even when
 * CPUID advertises it). */
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

dsc_isa_id dsc__cpu_best_isa(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return DSC_ISA_SCALAR;
    if (!(d & (1u << 26))) return DSC_ISA_SCALAR;            /* SSE2 */
    const unsigned ecx1 = c;
    const int osxsave = (ecx1 >> 27) & 1, avx = (ecx1 >> 28) & 1, fma = (ecx1 >> 12) & 1;
    if (!osxsave || !avx || !fma) return DSC_ISA_SSE2;
    const uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return DSC_ISA_SSE2;             /* XMM and YMM state */
    if (__get_cpuid_max(0, NULL) < 7) return DSC_ISA_SSE2;
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & (1u << 5))) return DSC_ISA_SSE2;                /* AVX2 */
    const unsigned need512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((b & need512) != need512) return DSC_ISA_AVX2;        /* F, DQ, CD, BW, VL */
    if ((xcr0 & 0xE6) != 0xE6) return DSC_ISA_AVX2;           /* opmask, ZMM hi256, hi16 ZMM */
    return DSC_ISA_AVX512;
}
#endif
