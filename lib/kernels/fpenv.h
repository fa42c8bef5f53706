/* The floating-point environment the kernels run in: flush-to-zero (FTZ)
 * and denormals-are-zero (DAZ). Subnormal floats are 10-100x slower on most
 * x86 cores (microcode assists) and appear in late training (decaying
 * moments, tiny gradients); flushing them costs nothing a float32 trainer
 * can measure. Every public compute entry point brackets its kernel calls:
 *
 *     dsc_fpenv fe;
 *     dsc__fpenv_enter(&fe);
 *     ... kernels ...
 *     dsc__fpenv_leave(&fe);
 *
 * and leaves the caller's control register exactly as it found it (rounding
 * mode, exception masks, sticky flags, FTZ/DAZ). Header-only: two register
 * accesses each, inlined at the call site. Not async-signal-safe to nest
 * with a handler that changes the mode; nesting enter/leave pairs is fine. */
#ifndef DSC_KERNELS_FPENV_H
#define DSC_KERNELS_FPENV_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

/* The caller's control register, saved by enter for leave. */
typedef struct dsc_fpenv {
    uint64_t ctl; /* MXCSR on x86, FPCR on AArch64, unused elsewhere */
} dsc_fpenv;

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
#define DSC_FPENV_FLUSH 0x8040u /* MXCSR bit 15 FTZ, bit 6 DAZ */

static inline void dsc__fpenv_enter(dsc_fpenv *saved) {
    const unsigned csr = _mm_getcsr();
    saved->ctl = csr;
    /* ldmxcsr is cheap but not free: skip it when the caller already flushes. */
    if ((csr & DSC_FPENV_FLUSH) != DSC_FPENV_FLUSH) _mm_setcsr(csr | DSC_FPENV_FLUSH);
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    /* Restores everything, the sticky exception flags raised inside included:
     * the library's internal arithmetic is not the caller's business. */
    _mm_setcsr((unsigned)saved->ctl);
}

#elif defined(__aarch64__)
#define DSC_FPENV_FLUSH ((uint64_t)1 << 24) /* FPCR.FZ: flush inputs and outputs */

static inline uint64_t dsc__fpenv_read_fpcr(void) {
    uint64_t v;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(v));
    return v;
}

static inline void dsc__fpenv_write_fpcr(uint64_t v) {
    __asm__ __volatile__("msr fpcr, %0" : : "r"(v) : "memory");
}

static inline void dsc__fpenv_enter(dsc_fpenv *saved) {
    const uint64_t fpcr = dsc__fpenv_read_fpcr();
    saved->ctl = fpcr;
    if (!(fpcr & DSC_FPENV_FLUSH)) dsc__fpenv_write_fpcr(fpcr | DSC_FPENV_FLUSH);
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    /* FPSR (the sticky flags) is a separate register on AArch64: untouched. */
    if (dsc__fpenv_read_fpcr() != saved->ctl) dsc__fpenv_write_fpcr(saved->ctl);
}

#else
#define DSC_FPENV_FLUSH 0u
/* Other architectures: subnormals are computed exactly; nothing to switch. */
static inline void dsc__fpenv_enter(dsc_fpenv *saved) {
    saved->ctl = 0;
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    (void)saved;
}
#endif

#endif
