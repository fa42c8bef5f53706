/* Placeholder: the trainer API, implemented in the next commit. */
#include "../core/common.h"

dsc_status dsc_trainer_new(dsc_trainer **out, dsc_model *model, dsc_loss *loss, dsc_optimizer *opt, const dsc_dataset *train) {
    (void)out;
    (void)model;
    (void)loss;
    (void)opt;
    (void)train;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_new: not implemented yet");
}

void dsc_trainer_free(dsc_trainer *t) {
    (void)t;
}

dsc_status dsc_trainer_set_validation(dsc_trainer *t, const dsc_dataset *val) {
    (void)t;
    (void)val;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_set_validation: not implemented yet");
}

dsc_status dsc_trainer_set_scheduler(dsc_trainer *t, dsc_lr_scheduler *sched) {
    (void)t;
    (void)sched;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_set_scheduler: not implemented yet");
}

dsc_status dsc_trainer_set(dsc_trainer *t, dsc_trainer_param key, double value) {
    (void)t;
    (void)key;
    (void)value;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_set: not implemented yet");
}

dsc_status dsc_trainer_get(const dsc_trainer *t, dsc_trainer_param key, double *out) {
    (void)t;
    (void)key;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_get: not implemented yet");
}

dsc_status dsc_trainer_set_step_callback(dsc_trainer *t, dsc_trainer_callback fn, void *user) {
    (void)t;
    (void)fn;
    (void)user;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_set_step_callback: not implemented yet");
}

dsc_status dsc_trainer_set_epoch_callback(dsc_trainer *t, dsc_trainer_callback fn, void *user) {
    (void)t;
    (void)fn;
    (void)user;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_set_epoch_callback: not implemented yet");
}

dsc_status dsc_trainer_run(dsc_trainer *t) {
    (void)t;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_run: not implemented yet");
}

dsc_status dsc_trainer_progress(const dsc_trainer *t, const dsc_progress **out) {
    (void)t;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_progress: not implemented yet");
}

dsc_status dsc_progress_get(const dsc_progress *p, dsc_progress_key key, double *out) {
    (void)p;
    (void)key;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_progress_get: not implemented yet");
}

dsc_status dsc_model_evaluate(dsc_model *model, dsc_loss *loss, const dsc_dataset *ds, double *value, double *accuracy) {
    (void)model;
    (void)loss;
    (void)ds;
    (void)value;
    (void)accuracy;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_model_evaluate: not implemented yet");
}

dsc_status dsc_trainer_lr_range_test(dsc_trainer *t, double lr_min, double lr_max, size_t steps, double *lrs, double *losses, size_t *recorded, double *suggested) {
    (void)t;
    (void)lr_min;
    (void)lr_max;
    (void)steps;
    (void)lrs;
    (void)losses;
    (void)recorded;
    (void)suggested;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_lr_range_test: not implemented yet");
}

dsc_status dsc_search_new(dsc_search **out, dsc_search_kind kind) {
    (void)out;
    (void)kind;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_new: not implemented yet");
}

void dsc_search_free(dsc_search *s) {
    (void)s;
}

dsc_status dsc_search_set(dsc_search *s, dsc_search_param key, double value) {
    (void)s;
    (void)key;
    (void)value;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_set: not implemented yet");
}

dsc_status dsc_search_get(const dsc_search *s, dsc_search_param key, double *out) {
    (void)s;
    (void)key;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_get: not implemented yet");
}

dsc_status dsc_search_set_lrs(dsc_search *s, const double *lrs, size_t n) {
    (void)s;
    (void)lrs;
    (void)n;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_set_lrs: not implemented yet");
}

dsc_status dsc_search_set_batch_sizes(dsc_search *s, const size_t *sizes, size_t n) {
    (void)s;
    (void)sizes;
    (void)n;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_set_batch_sizes: not implemented yet");
}

dsc_status dsc_search_set_schedules(dsc_search *s, const dsc_lr_scheduler_kind *kinds, size_t n) {
    (void)s;
    (void)kinds;
    (void)n;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_set_schedules: not implemented yet");
}

dsc_status dsc_trainer_search(dsc_trainer *t, dsc_search *s) {
    (void)t;
    (void)s;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_trainer_search: not implemented yet");
}

dsc_status dsc_search_trial_count(const dsc_search *s, size_t *out) {
    (void)s;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_trial_count: not implemented yet");
}

dsc_status dsc_search_trial(const dsc_search *s, size_t index, double *lr, size_t *batch_size, dsc_lr_scheduler_kind *schedule, double *val_loss) {
    (void)s;
    (void)index;
    (void)lr;
    (void)batch_size;
    (void)schedule;
    (void)val_loss;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_trial: not implemented yet");
}

dsc_status dsc_search_best(const dsc_search *s, size_t *out) {
    (void)s;
    (void)out;
    return dsc__error(DSC_E_UNSUPPORTED, "dsc_search_best: not implemented yet");
}
