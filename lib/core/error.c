/* The thread-local "what went wrong" message behind dsc_last_error(). */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>

#if defined(_MSC_VER)
#  define DSC_THREAD_LOCAL __declspec(thread)
#else
#  define DSC_THREAD_LOCAL _Thread_local
#endif

/* Long enough for a message naming a function, a parameter and two numbers;
 * longer messages are truncated, never overflowed. */
static DSC_THREAD_LOCAL char last_error[512];

dsc_status dsc__error(dsc_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void dsc__error_clear(void) {
    last_error[0] = '\0';
}

DSC_API const char *dsc_last_error(void) {
    return last_error;
}
