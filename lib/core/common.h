/* Internal helpers shared by every file of the library: error reporting,
 * allocation and the validate-before-change macros. Never installed. */
#ifndef DSC_CORE_COMMON_H
#define DSC_CORE_COMMON_H

/* The library implements the experimental tier too (docs/abi.md). */
#ifndef DESCENT_EXPERIMENTAL_API
#define DESCENT_EXPERIMENTAL_API
#endif
#include "descent.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#  define DSC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define DSC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define DSC_PRINTF(f, a)
#  define DSC_UNLIKELY(x) (x)
#endif

/* Records "fmt..." as this thread's last error and returns status. */
dsc_status dsc__error(dsc_status status, const char *fmt, ...) DSC_PRINTF(2, 3);
/* Empties this thread's last error (dsc_last_error() gives ""). The library
 * never calls it (a message stays until the next failure); the tests do,
 * before each call whose failure must leave a message. */
void dsc__error_clear(void);

/* Validate-then-act: on cond, set the message and return the status. Every
 * public function checks all its inputs with this before changing any state. */
#define DSC_RETURN_IF(cond, status, ...)                  \
    do {                                                  \
        if (DSC_UNLIKELY(cond)) return dsc__error((status), __VA_ARGS__); \
    } while (0)

/* Forward a failure from a call that already set the message. */
#define DSC_TRY(expr)                                     \
    do {                                                  \
        dsc_status dsc__s = (expr);                       \
        if (dsc__s != DSC_OK) return dsc__s;              \
    } while (0)

/* 64-byte aligned allocation through the host's allocator hook. Returns NULL
 * on failure or overflow without setting a message; callers report
 * DSC_E_NOMEM with their own context. dsc__free accepts NULL. */
#define DSC_ALIGN 64
void *dsc__alloc(size_t size);
void *dsc__calloc(size_t count, size_t size);
void dsc__free(void *ptr);

/* a*b into *out; 0 on overflow. */
static inline int dsc__mul_ok(size_t a, size_t b, size_t *out) {
    if (b != 0 && a > SIZE_MAX / b) return 0;
    *out = a * b;
    return 1;
}

#endif
