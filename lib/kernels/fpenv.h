/* The floating-point environment the kernels run in: flush-to-zero (FTZ)
 * and denormals-are-zero (DAZ) by default, round to nearest, every exception
 * masked. Subnormal floats are 10-100x slower on most x86 cores (microcode
 * assists) and appear in late training (decaying moments, tiny gradients);
 * flushing them costs nothing a float32 trainer can measure, but it makes a
 * result that PyTorch (IEEE gradual underflow) gives as a subnormal come out
 * as 0. The host chooses with dsc_set_flush_denormals() or the environment
 * variable DESCENT_FLUSH_DENORMALS=0 (read once, at first use; an explicit
 * call wins): 1 flushes, 0 computes subnormals exactly (FTZ/DAZ cleared,
 * whatever the caller's own mode). Round-to-nearest and masked exceptions
 * are forced either way, which makes results independent of the caller's
 * mode: the vector exp's range reduction assumes nearest, and branch-free
 * kernels compute overflowing or NaN lanes they later discard, which must
 * not trap in a host that enabled SIGFPE. Every public compute entry point
 * brackets its kernel calls:
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

#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

/* The process-wide setting: 1 flush subnormals (the default), 0 keep them,
 * -1 while DESCENT_FLUSH_DENORMALS has not been read yet (fpenv.c). Read with
 * a relaxed load on every enter: a call that starts after the setting changed
 * sees the new value, a call already running keeps its mode. */
extern atomic_int dsc__fpenv_flush_setting;

/* Reads DESCENT_FLUSH_DENORMALS into the setting unless dsc_set_flush_denormals
 * came first; returns the setting. Out of line: runs once per process. */
int dsc__fpenv_flush_init(void);

static inline int dsc__fpenv_flush(void) {
    const int v = atomic_load_explicit(&dsc__fpenv_flush_setting, memory_order_relaxed);
    return v >= 0 ? v : dsc__fpenv_flush_init();
}

/* The caller's control register, saved by enter for leave. */
typedef struct dsc_fpenv {
    uint64_t ctl; /* MXCSR on x86, FPCR on AArch64, unused elsewhere */
} dsc_fpenv;

#if defined(__x86_64__) || (defined(__i386__) && defined(__SSE__))
#define DSC_FPENV_FLUSH 0x8040u /* MXCSR bit 15 FTZ, bit 6 DAZ */
#define DSC_FPENV_MASKS 0x1f80u /* MXCSR bits 7-12: every exception masked */
#define DSC_FPENV_ROUND 0x6000u /* MXCSR bits 13-14 rounding control; 0 = nearest */

/* The kernels' mode derived from the caller's register and the setting. */
static inline unsigned dsc__fpenv_kernel_mode(unsigned csr, int flush) {
    const unsigned base = (csr | DSC_FPENV_MASKS) & ~(DSC_FPENV_ROUND | DSC_FPENV_FLUSH);
    return flush ? base | DSC_FPENV_FLUSH : base;
}

static inline void dsc__fpenv_enter(dsc_fpenv *saved) {
    const unsigned csr = _mm_getcsr();
    const unsigned want = dsc__fpenv_kernel_mode(csr, dsc__fpenv_flush());
    saved->ctl = csr;
    /* ldmxcsr is cheap but not free: skip it when the caller's mode is ours. */
    if (want != csr) _mm_setcsr(want);
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    /* Restores everything, the sticky exception flags raised inside included:
     * the library's internal arithmetic is not the caller's business. */
    _mm_setcsr((unsigned)saved->ctl);
}

/* The raw control register: a pool thread adopts its caller's kernel mode
 * (lib/kernels/threads.c) and puts its own back afterwards. */
static inline uint64_t dsc__fpenv_get(void) {
    return _mm_getcsr();
}

static inline void dsc__fpenv_set(uint64_t ctl) {
    _mm_setcsr((unsigned)ctl);
}

#elif defined(__aarch64__)
#define DSC_FPENV_FLUSH ((uint64_t)1 << 24) /* FPCR.FZ: flush inputs and outputs */
#define DSC_FPENV_ROUND ((uint64_t)3 << 22) /* FPCR.RMode; 0 = nearest */
#define DSC_FPENV_TRAPS ((uint64_t)0x9f00) /* FPCR.{IOE,DZE,OFE,UFE,IXE,IDE} trap enables */

static inline uint64_t dsc__fpenv_kernel_mode(uint64_t fpcr, int flush) {
    const uint64_t base = fpcr & ~(DSC_FPENV_ROUND | DSC_FPENV_TRAPS | DSC_FPENV_FLUSH);
    return flush ? base | DSC_FPENV_FLUSH : base;
}

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
    const uint64_t want = dsc__fpenv_kernel_mode(fpcr, dsc__fpenv_flush());
    saved->ctl = fpcr;
    if (want != fpcr) dsc__fpenv_write_fpcr(want);
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    /* FPSR (the sticky flags) is a separate register on AArch64: untouched. */
    if (dsc__fpenv_read_fpcr() != saved->ctl) dsc__fpenv_write_fpcr(saved->ctl);
}

static inline uint64_t dsc__fpenv_get(void) {
    return dsc__fpenv_read_fpcr();
}

static inline void dsc__fpenv_set(uint64_t ctl) {
    if (dsc__fpenv_read_fpcr() != ctl) dsc__fpenv_write_fpcr(ctl);
}

#else
#define DSC_FPENV_FLUSH 0u
#define DSC_FPENV_ROUND 0u
/* Other architectures: subnormals are computed exactly whatever the setting;
 * nothing to switch. */
static inline void dsc__fpenv_enter(dsc_fpenv *saved) {
    saved->ctl = 0;
}

static inline void dsc__fpenv_leave(const dsc_fpenv *saved) {
    (void)saved;
}

static inline uint64_t dsc__fpenv_get(void) {
    return 0;
}

static inline void dsc__fpenv_set(uint64_t ctl) {
    (void)ctl;
}
#endif

#endif
