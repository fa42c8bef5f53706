/* Shared test helpers: float comparison with a stated tolerance and a
 * counting allocator that can fail the k-th allocation (libcbor's harness). */
#ifndef DSC_TESTS_HARNESS_H
#define DSC_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The tests cover the experimental tier too (docs/abi.md). */
#ifndef DESCENT_EXPERIMENTAL_API
#define DESCENT_EXPERIMENTAL_API
#endif
#include "descent.h"

void dsc__error_clear(void); /* lib/core/error.c (the tests link the static library) */

/* The whole of a file of the source tree (path relative to its root), NUL
 * terminated; the caller frees it. Fails the test if it cannot be read. */
char *harness_slurp(const char *rel);

/* Fails the test if |got-want| > rtol*|want| + atol for some element. */
void assert_floats_near(const float *got, const float *want, size_t n, double rtol, double atol);

/* The counting allocator: installs itself with dsc_set_allocator. fail_at = k
 * makes the k-th allocation from now (1-based) fail; 0 never fails. Installing
 * again restarts the counts. A test that installs it is registered with
 * cmocka_unit_test_teardown(test, harness_alloc_teardown), which puts malloc
 * back however the test ended: a failed assertion cannot leave the counting
 * allocator (and a pending failure) to the tests that follow. */
void harness_alloc_install(long fail_at);
void harness_alloc_uninstall(void);
int harness_alloc_teardown(void **state);
long harness_alloc_count(void);     /* allocations since install */
long harness_alloc_live(void);      /* blocks not yet freed */

/* Asserts that a call returned the given status and, when that is a
 * failure, set a message: the message is emptied first (dsc__error_clear),
 * so one left by an earlier call does not count. */
#define assert_status(call, want)                                                      \
    do {                                                                               \
        dsc__error_clear();                                                            \
        dsc_status s_ = (call);                                                        \
        if (s_ != (want))                                                              \
            fail_msg("%s returned %s, expected %s (last error: %s)", #call,            \
                     dsc_status_name(s_), dsc_status_name(want), dsc_last_error());    \
        if ((want) != DSC_OK && dsc_last_error()[0] == '\0')                           \
            fail_msg("%s returned %s but set no message", #call, dsc_status_name(s_)); \
    } while (0)

#define assert_ok(call) assert_status(call, DSC_OK)

#endif
