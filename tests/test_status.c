/* Status names and messages, and the thread-local last error. */
#include "harness.h"
#include "core/common.h"

#include <pthread.h>
#include <string.h>

static const struct { dsc_status s; const char *name; } all[] = {
    {DSC_OK, "DSC_OK"},           {DSC_E_ARG, "DSC_E_ARG"},
    {DSC_E_NOMEM, "DSC_E_NOMEM"}, {DSC_E_SHAPE, "DSC_E_SHAPE"},
    {DSC_E_STATE, "DSC_E_STATE"}, {DSC_E_UNSUPPORTED, "DSC_E_UNSUPPORTED"},
    {DSC_E_NONFINITE, "DSC_E_NONFINITE"}, {DSC_E_FORMAT, "DSC_E_FORMAT"},
    {DSC_E_IO, "DSC_E_IO"},       {DSC_E_INTERNAL, "DSC_E_INTERNAL"},
};

/* The status values themselves are pinned at compile time in tests/test_abi.c. */

static void test_status_every_value_has_name_and_message(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        assert_string_equal(dsc_status_name(all[i].s), all[i].name);
        const char *msg = dsc_status_message(all[i].s);
        assert_non_null(msg);
        assert_true(strlen(msg) > 3);
        assert_string_not_equal(msg, "unknown status");
    }
}

static void test_status_unknown_value(void **state) {
    (void)state;
    assert_string_equal(dsc_status_name((dsc_status)10), "DSC_E_UNKNOWN");
    assert_string_equal(dsc_status_name((dsc_status)-1), "DSC_E_UNKNOWN");
    assert_string_equal(dsc_status_message((dsc_status)12345), "unknown status");
}

static void test_status_last_error_set_by_failure(void **state) {
    (void)state;
    dsc_tensor *t = NULL;
    assert_status(dsc_tensor_new(&t, NULL, 1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "dsc_tensor_new"));
    assert_non_null(strstr(dsc_last_error(), "shape"));
}

static void test_status_long_message_truncated(void **state) {
    (void)state;
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(dsc__error(DSC_E_ARG, "%s", big), DSC_E_ARG);
    assert_true(strlen(dsc_last_error()) < sizeof big - 1);
    assert_true(strlen(dsc_last_error()) > 100);
}

static void *other_thread(void *arg) {
    (void)arg;
    /* A new thread starts with an empty message, whatever the main thread did. */
    static char seen[64];
    strncpy(seen, dsc_last_error(), sizeof seen - 1);
    dsc__error(DSC_E_IO, "from the other thread");
    return seen;
}

static void test_status_last_error_is_thread_local(void **state) {
    (void)state;
    dsc__error(DSC_E_ARG, "from the main thread");
    pthread_t th;
    void *ret = NULL;
    assert_int_equal(pthread_create(&th, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(th, &ret), 0);
    assert_string_equal((const char *)ret, "");
    assert_string_equal(dsc_last_error(), "from the main thread");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_every_value_has_name_and_message),
        cmocka_unit_test(test_status_unknown_value),
        cmocka_unit_test(test_status_last_error_set_by_failure),
        cmocka_unit_test(test_status_long_message_truncated),
        cmocka_unit_test(test_status_last_error_is_thread_local),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
