/* Failing the k-th allocation: every _new returns DSC_E_NOMEM, leaves *out
 * NULL and leaks nothing; with enough allocations it succeeds. Later issues
 * add their constructors to the table below. */
#include "harness.h"

#include <stdint.h>

typedef dsc_status (*make_fn)(void **out);
typedef void (*free_fn)(void *obj);

static float host[12];

static dsc_status make_tensor(void **out) {
    size_t shape[2] = {3, 4};
    return dsc_tensor_new((dsc_tensor **)out, shape, 2);
}

static dsc_status make_wrap(void **out) {
    size_t shape[2] = {3, 4};
    return dsc_tensor_wrap((dsc_tensor **)out, host, shape, 2);
}

static void free_tensor(void *t) {
    dsc_tensor_free(t);
}

static const struct {
    const char *name;
    make_fn make;
    free_fn release;
} ctors[] = {
    {"dsc_tensor_new", make_tensor, free_tensor},
    {"dsc_tensor_wrap", make_wrap, free_tensor},
};

static void test_alloc_fail_every_constructor(void **state) {
    (void)state;
    for (size_t c = 0; c < sizeof ctors / sizeof ctors[0]; c++) {
        int succeeded = 0;
        for (long k = 1; k < 1000 && !succeeded; k++) {
            void *obj = (void *)(uintptr_t)1;
            harness_alloc_install(k);
            dsc_status s = ctors[c].make(&obj);
            if (s == DSC_OK) {
                succeeded = 1;
                assert_non_null(obj);
                ctors[c].release(obj);
            } else {
                if (s != DSC_E_NOMEM)
                    fail_msg("%s with allocation %ld failing returned %s", ctors[c].name, k,
                             dsc_status_name(s));
                assert_null(obj);
            }
            if (harness_alloc_live() != 0)
                fail_msg("%s leaked %ld blocks when allocation %ld failed", ctors[c].name,
                         harness_alloc_live(), k);
            harness_alloc_uninstall();
        }
        assert_true(succeeded);
    }
}

static void test_alloc_hook_sees_every_allocation(void **state) {
    (void)state;
    harness_alloc_install(0);
    dsc_tensor *t = NULL;
    size_t shape[1] = {5};
    assert_ok(dsc_tensor_new(&t, shape, 1));
    assert_int_equal(harness_alloc_count(), 2); /* handle + data */
    assert_int_equal(harness_alloc_live(), 2);
    dsc_tensor_free(t);
    assert_int_equal(harness_alloc_live(), 0);
    harness_alloc_uninstall();
}

static void *dummy_alloc(size_t n, void *u) {
    (void)n;
    (void)u;
    return NULL;
}

static void dummy_free(void *p, void *u) {
    (void)p;
    (void)u;
}

static void test_alloc_set_allocator_validation(void **state) {
    (void)state;
    assert_status(dsc_set_allocator(dummy_alloc, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_set_allocator(NULL, dummy_free, NULL), DSC_E_ARG);
    assert_ok(dsc_set_allocator(NULL, NULL, NULL));
    /* The refused calls left malloc in place: allocation still works. */
    dsc_tensor *t = NULL;
    size_t shape[1] = {5};
    assert_ok(dsc_tensor_new(&t, shape, 1));
    dsc_tensor_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_fail_every_constructor),
        cmocka_unit_test(test_alloc_hook_sees_every_allocation),
        cmocka_unit_test(test_alloc_set_allocator_validation),
    };
    return cmocka_run_group_tests_name("alloc_fail", tests, NULL, NULL);
}
