/* Shared by the fuzz targets (tests/fuzz/fuzz_*.c): the libFuzzer entry
 * point, a reader that turns the fuzz bytes into choices and values, and the
 * invariant check.
 *
 * Each target is built two ways: with clang -fsanitize=fuzzer,address,undefined
 * for `make fuzz`, and with the project's compiler and flags, linked with
 * tests/fuzz/replay.c (DSC_FUZZ_REPLAY defined), for `make check`, which
 * replays every file of the target's corpus. A broken invariant calls abort()
 * so that libFuzzer records the input as a crash and the replay fails. */
#ifndef DSC_TESTS_FUZZ_H
#define DSC_TESTS_FUZZ_H

#ifndef DESCENT_EXPERIMENTAL_API
#define DESCENT_EXPERIMENTAL_API
#endif
#include "descent.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void dsc__error_clear(void); /* lib/core/error.c (the targets link the static library) */

/* A broken invariant: the message, then abort(). */
#define FZ_CHECK(cond, ...)                                                           \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                             \
            fprintf(stderr, " (last error: %s)\n", dsc_last_error());                 \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* A call that must succeed on valid setup: a failure is a finding too. */
#define FZ_OK(call)                                                                   \
    do {                                                                              \
        dsc_status fz_s_ = (call);                                                    \
        FZ_CHECK(fz_s_ == DSC_OK, "%s returned %s", #call, dsc_status_name(fz_s_));  \
    } while (0)

/* DSC_FUZZ_TRACE=1 prints every checked call and its status (to read what
 * an input does when triaging it). */
static inline void fz_trace(const char *what, dsc_status st) {
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("DSC_FUZZ_TRACE");
        on = e != NULL && e[0] == '1';
    }
    if (on) fprintf(stderr, "  %s -> %s%s%s\n", what, dsc_status_name(st), st != DSC_OK ? ": " : "",
                    st != DSC_OK ? dsc_last_error() : "");
}

/* A status must be a known one and a failure must leave a message. Call
 * dsc__error_clear() before the call. */
#define FZ_STATUS(st, what)                                                           \
    do {                                                                              \
        fz_trace((what), (st));                                                       \
        FZ_CHECK((int)(st) >= 0 && (int)(st) <= DSC_E_INTERNAL && (st) != DSC_E_INTERNAL, \
                 "%s returned %d", (what), (int)(st));                               \
        FZ_CHECK((st) == DSC_OK || dsc_last_error()[0] != '\0', "%s returned %s without a message", \
                 (what), dsc_status_name(st));                                        \
    } while (0)

/* The fuzz bytes, consumed from the front; past the end every read gives 0. */
typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz;

static inline int fz_more(const fz *f) {
    return f->n > 0;
}

static inline uint8_t fz_u8(fz *f) {
    if (f->n == 0) return 0;
    f->n--;
    return *f->p++;
}

static inline uint32_t fz_u32(fz *f) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)fz_u8(f) << (8 * i);
    return v;
}

static inline uint64_t fz_u64(fz *f) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)fz_u8(f) << (8 * i);
    return v;
}

/* 0..n-1 (n >= 1). */
static inline size_t fz_pick(fz *f, size_t n) {
    return n <= 256 ? fz_u8(f) % n : fz_u32(f) % n;
}

/* Values that sit on edges: bounds, non-finite values, subnormals, integers
 * near 2^53 and 2^63. */
static const double fz_edge_doubles[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 0.1, 0.9, 0.99, 0.999, 1e-8, 1e-3, 10.0, 100.0, 1e6,
    1e30, 1e300, -1e300, DBL_MAX, -DBL_MAX, INFINITY, -INFINITY, NAN, DBL_MIN, 4.9e-324,
    (double)FLT_MAX, 3.5e38, 9007199254740992.0, 9007199254740994.0, 9.2233720368547758e18,
    1.8446744073709552e19, 0.9999999999999999, 1e-300, -0.5, 1e-45, 1.17e-38, 2147483648.0,
    1048576.0, 1048577.0, 0.3333333333333333, 25.0, 1e4, 1685283693.0, 2.0000000001, -1e-320,
};

/* A double: an edge value, a small integer, or any 64-bit pattern. */
static inline double fz_double(fz *f) {
    const uint8_t b = fz_u8(f);
    if (b < 0x60) return fz_edge_doubles[b % (sizeof fz_edge_doubles / sizeof fz_edge_doubles[0])];
    if (b < 0xa0) return (double)(b - 0x60) - 8.0; /* -8..55 */
    const uint64_t bits = fz_u64(f);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A float, the same way. */
static inline float fz_float(fz *f) {
    const uint8_t b = fz_u8(f);
    if (b < 0x40) return (float)fz_edge_doubles[b % (sizeof fz_edge_doubles / sizeof fz_edge_doubles[0])];
    if (b < 0xc0) return ((float)b - 128.0f) / 16.0f; /* -4..3.94 */
    const uint32_t bits = fz_u32(f);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* A float that is finite: data for the calls that require it. */
static inline float fz_finite_float(fz *f) {
    const float v = fz_float(f);
    return isfinite(v) ? v : 0.5f;
}

/* A size: mostly small, sometimes an edge. */
static inline size_t fz_size(fz *f, size_t small) {
    const uint8_t b = fz_u8(f);
    if (b < 0xf0) return b % (small + 1);
    static const size_t edges[] = {0, 1, 2, 255, 256, 65536, (size_t)1 << 31, (size_t)1 << 32,
                                   SIZE_MAX / 8, SIZE_MAX / 4 + 1, SIZE_MAX - 1, SIZE_MAX};
    return edges[(b - 0xf0) % (sizeof edges / sizeof edges[0])];
}

/* Whether two byte ranges are equal (bitwise: NaN payloads and -0 count). */
static inline int fz_same(const void *a, const void *b, size_t n) {
    return n == 0 || memcmp(a, b, n) == 0;
}

/* The rules of issue 12's defects 3 to 5, on by default (DSC_FUZZ_STRICT=0
 * turns them off): a call that returns DSC_OK leaves parameters and
 * optimizer state finite; the same parameters cannot be registered with an
 * optimizer twice; dsc_model_predict refuses an output that overlaps its
 * input. */
static inline int fz_strict(void) {
    static int cached = -1;
    if (cached < 0) {
        const char *e = getenv("DSC_FUZZ_STRICT");
        cached = !(e != NULL && e[0] == '0');
    }
    return cached;
}

static inline int fz_all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

#endif
