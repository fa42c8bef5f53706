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

static dsc_status make_dense(void **out) {
    return dsc_layer_dense_new((dsc_layer **)out, 3, 4, 1);
}

static dsc_status make_activation(void **out) {
    return dsc_layer_activation_new((dsc_layer **)out, DSC_ACTIVATION_TANH);
}

static dsc_status make_leaky(void **out) {
    return dsc_layer_leaky_relu_new((dsc_layer **)out, 0.2);
}

static dsc_status make_dropout(void **out) {
    return dsc_layer_dropout_new((dsc_layer **)out, 0.5, 1);
}

static void free_layer(void *l) {
    dsc_layer_free(l);
}

static dsc_status make_model(void **out) {
    return dsc_model_new((dsc_model **)out, 3);
}

/* The whole construction of a model: new, add (which grows its layer list
 * past 8 slots), build. Any failure releases everything and leaves NULL. */
static dsc_status make_built_model(void **out) {
    dsc_model *m = NULL;
    *out = NULL;
    dsc_status s = dsc_model_new(&m, 3);
    for (int i = 0; s == DSC_OK && i < 10; i++) {
        dsc_layer *l = NULL;
        s = i % 2 == 0 ? dsc_layer_dense_new(&l, 3, 3, 1) : dsc_layer_dropout_new(&l, 0.5, 1);
        if (s == DSC_OK) s = dsc_model_add(m, l);
        if (s != DSC_OK) dsc_layer_free(l);
    }
    if (s == DSC_OK) s = dsc_model_build(m, 4);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

static void free_model(void *m) {
    dsc_model_free(m);
}

static dsc_status make_loss(void **out) {
    return dsc_loss_new((dsc_loss **)out, DSC_LOSS_CROSS_ENTROPY);
}

static void free_loss(void *l) {
    dsc_loss_free(l);
}

static const struct {
    const char *name;
    make_fn make;
    free_fn release;
} ctors[] = {
    {"dsc_tensor_new", make_tensor, free_tensor},
    {"dsc_tensor_wrap", make_wrap, free_tensor},
    {"dsc_layer_dense_new", make_dense, free_layer},
    {"dsc_layer_activation_new", make_activation, free_layer},
    {"dsc_layer_leaky_relu_new", make_leaky, free_layer},
    {"dsc_layer_dropout_new", make_dropout, free_layer},
    {"dsc_model_new", make_model, free_model},
    {"dsc_model_add + dsc_model_build", make_built_model, free_model},
    {"dsc_loss_new", make_loss, free_loss},
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
