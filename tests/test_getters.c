/* One rule for every getter (docs/conventions.md, Errors): it returns a
 * status and writes its result through an out-parameter, which it sets to a
 * neutral value (0 or NULL) when it fails, so a caller that ignores the status
 * reads 0, never a stale or uninitialised value. Each getter is called with a
 * NULL handle, a NULL out-pointer and, where it takes one, an index out of
 * range; the value-returning success paths are tested with their objects. */
#include "harness.h"

#include <stdint.h>
#include <string.h>

/* Poison, call, expect the status and a zeroed out-value. */
#define EXPECT_NEUTRAL(type, call_with_out, want)                                 \
    do {                                                                          \
        type out;                                                                 \
        memset(&out, 0xa5, sizeof out);                                           \
        assert_status(call_with_out, want);                                       \
        type zero_;                                                               \
        memset(&zero_, 0, sizeof zero_);                                          \
        if (memcmp(&out, &zero_, sizeof out) != 0)                                \
            fail_msg("%s failed but left its out-value unset", #call_with_out);   \
    } while (0)

static void test_tensor_getters(void **state) {
    (void)state;
    size_t shape[2] = {2, 3};
    dsc_tensor *t = NULL;
    assert_ok(dsc_tensor_new(&t, shape, 2));
    EXPECT_NEUTRAL(float *, dsc_tensor_data(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_tensor_ndim(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_tensor_dim(NULL, 0, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_tensor_dim(t, 2, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_tensor_size(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(int, dsc_tensor_is_borrowed(NULL, &out), DSC_E_ARG);
    assert_status(dsc_tensor_data(t, NULL), DSC_E_ARG);
    assert_status(dsc_tensor_size(t, NULL), DSC_E_ARG);
    dsc_tensor_free(t);
}

static void test_dataset_getters(void **state) {
    (void)state;
    static const float x[4] = {1, 2, 3, 4}, y[2] = {0.5f, 1.5f};
    dsc_dataset *ds = NULL;
    assert_ok(dsc_dataset_new_targets(&ds, x, y, 2, 2, 1, DSC_DATASET_COPY));
    EXPECT_NEUTRAL(size_t, dsc_dataset_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_dataset_features(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_dataset_outputs(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_dataset_classes(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(int, dsc_dataset_has_labels(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(int, dsc_dataset_is_borrowed(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(const float *, dsc_dataset_inputs(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(const float *, dsc_dataset_targets(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(const int32_t *, dsc_dataset_labels(ds, &out), DSC_E_UNSUPPORTED);
    assert_status(dsc_dataset_count(ds, NULL), DSC_E_ARG);
    dsc_dataset_free(ds);
}

static void test_model_getters(void **state) {
    (void)state;
    EXPECT_NEUTRAL(size_t, dsc_model_layer_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_model_max_batch(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(int, dsc_model_is_training(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_model_param_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_model_widths(NULL, &out, NULL), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_model_widths(NULL, NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(float *, dsc_model_params(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(float *, dsc_model_grads(NULL, &out), DSC_E_ARG);
}

static void test_loss_getters(void **state) {
    (void)state;
    EXPECT_NEUTRAL(dsc_loss_kind, dsc_loss_kind_of(NULL, &out), DSC_E_ARG);
}

static void test_optimizer_getters(void **state) {
    (void)state;
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    EXPECT_NEUTRAL(dsc_optimizer_kind, dsc_optimizer_kind_of(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_optimizer_group_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_optimizer_group_size(opt, 0, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(double, dsc_optimizer_last_grad_norm(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(uint64_t, dsc_optimizer_refused_steps(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(uint64_t, dsc_optimizer_group_step_count(opt, 3, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_optimizer_state_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(const char *, dsc_optimizer_state_name(opt, 99, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(int, dsc_optimizer_state_in_use(opt, 0, 0, &out), DSC_E_ARG);
    assert_status(dsc_optimizer_group_count(opt, NULL), DSC_E_ARG);
    dsc_optimizer_free(opt);
}

static void test_trainer_and_search_getters(void **state) {
    (void)state;
    EXPECT_NEUTRAL(const dsc_progress *, dsc_trainer_progress(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(double, dsc_progress_get(NULL, DSC_PROGRESS_EPOCH, &out), DSC_E_ARG);
    dsc_search *s = NULL;
    assert_ok(dsc_search_new(&s, DSC_SEARCH_GRID));
    EXPECT_NEUTRAL(size_t, dsc_search_trial_count(NULL, &out), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_search_best(s, &out), DSC_E_STATE); /* no search has run */
    EXPECT_NEUTRAL(double, dsc_search_trial(s, 0, &out, NULL, NULL, NULL), DSC_E_ARG);
    EXPECT_NEUTRAL(size_t, dsc_search_trial(s, 0, NULL, &out, NULL, NULL), DSC_E_ARG);
    EXPECT_NEUTRAL(double, dsc_search_trial(NULL, 0, NULL, NULL, NULL, &out), DSC_E_ARG);
    dsc_search_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_getters),
        cmocka_unit_test(test_dataset_getters),
        cmocka_unit_test(test_model_getters),
        cmocka_unit_test(test_loss_getters),
        cmocka_unit_test(test_optimizer_getters),
        cmocka_unit_test(test_trainer_and_search_getters),
    };
    return cmocka_run_group_tests_name("getters", tests, NULL, NULL);
}
