/* Fuzz target: the safetensors loaders of lib/io (docs/checkpoint.md):
 * dsc_model_load, dsc_model_load_weights and dsc_checkpoint_load, through
 * their in-memory forms (the same code after the file is read).
 *
 * Input: the bytes of a file. Objects: a fixed model (3 -> dense 4, tanh,
 * dropout, dense 2), Adam with AMSGrad, SequentialLR(LinearLR, OneCycleLR),
 * and a trainer with a validation set, built afresh for every input (so an
 * input does the same thing whatever ran before it); the seed corpus in
 * tests/fuzz/corpus/checkpoint/ was written from these objects (build this
 * file with -DDSC_FUZZ_WRITE_SEEDS and run it with the corpus directory).
 *
 * Invariants: every call returns a known status, with a message on failure;
 * dsc_model_load gives a model exactly when it succeeds; a refused
 * dsc_model_load_weights leaves the parameters as they were; a refused
 * dsc_checkpoint_load leaves every object as it was (the checkpoint the
 * objects give before and after is the same, byte for byte); after an
 * accepted checkpoint, training on (a few epochs) returns a known status. */
#ifndef DESCENT_EXPERIMENTAL_API
#define DESCENT_EXPERIMENTAL_API
#endif
#include "descent.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Internal (lib/io/io_impl.h, lib/core): the targets link the static library. */
dsc_status dsc__model_load_mem(dsc_model **out, const unsigned char *buf, size_t size,
                               size_t max_batch);
dsc_status dsc__model_load_weights_mem(dsc_model *model, const unsigned char *buf, size_t size);
dsc_status dsc__checkpoint_load_mem(const unsigned char *buf, size_t size, dsc_model *model,
                                    dsc_optimizer *opt, dsc_lr_scheduler *sched,
                                    dsc_trainer *trainer);
dsc_status dsc__checkpoint_save_mem(unsigned char **out, size_t *size, const dsc_model *model,
                                    const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                    const dsc_trainer *trainer);
void dsc__free(void *ptr);
void dsc__error_clear(void);

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, " (last error: %s)\n", dsc_last_error());                      \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#define OK(call)                                                                           \
    do {                                                                                   \
        dsc_status ok_s_ = (call);                                                         \
        CHECK(ok_s_ == DSC_OK, "%s returned %s", #call, dsc_status_name(ok_s_));          \
    } while (0)

/* A known status, and a message with every failure; DSC_FUZZ_TRACE=1
 * prints each (to read what an input does). */
static void known(dsc_status s, const char *what) {
    static int trace = -1;
    if (trace < 0) trace = getenv("DSC_FUZZ_TRACE") != NULL && getenv("DSC_FUZZ_TRACE")[0] == '1';
    if (trace) fprintf(stderr, "  %s -> %s %s\n", what, dsc_status_name(s), s ? dsc_last_error() : "");
    CHECK((int)s >= (int)DSC_OK && (int)s <= (int)DSC_E_INTERNAL && s != DSC_E_INTERNAL,
          "%s returned status %d", what, (int)s);
    CHECK(s == DSC_OK || dsc_last_error()[0] != '\0', "%s returned %s without a message", what,
          dsc_status_name(s));
}

#define NS 8
static float xs[NS * 3], ys[NS * 2];

typedef struct objects {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;
    dsc_dataset *train, *val;
    dsc_trainer *t;
} objects;

static void make(objects *o) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < NS * 3; i++) xs[i] = (float)((i * 37 % 11) - 5) * 0.1f;
    for (int i = 0; i < NS * 2; i++) ys[i] = (float)((i * 13 % 7) - 3) * 0.2f;
    OK(dsc_model_new(&o->m, 3));
    OK(dsc_model_add_dense(o->m, 4, 1));
    OK(dsc_model_add_activation(o->m, DSC_ACTIVATION_TANH));
    OK(dsc_model_add_dropout(o->m, 0.5, 1));
    OK(dsc_model_add_dense(o->m, 2, 1));
    OK(dsc_model_build(o->m, 4));
    OK(dsc_loss_new(&o->loss, DSC_LOSS_MSE));
    OK(dsc_optimizer_new(&o->opt, DSC_OPTIMIZER_ADAM));
    OK(dsc_optimizer_set(o->opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1));
    OK(dsc_optimizer_set(o->opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    OK(dsc_optimizer_add_model(o->opt, o->m, NULL));
    dsc_lr_scheduler *warm = NULL, *cyc = NULL;
    OK(dsc_lr_scheduler_new(&o->sched, DSC_SCHED_SEQUENTIAL, o->opt));
    OK(dsc_lr_scheduler_new(&warm, DSC_SCHED_LINEAR, o->opt));
    OK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.5));
    OK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_TOTAL_ITERS, 3));
    OK(dsc_lr_scheduler_new(&cyc, DSC_SCHED_ONE_CYCLE, o->opt));
    OK(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_MAX_LR, 0.05));
    OK(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_TOTAL_STEPS, 100));
    OK(dsc_lr_scheduler_add_child(o->sched, &warm));
    OK(dsc_lr_scheduler_add_child(o->sched, &cyc));
    const int64_t at = 3;
    OK(dsc_lr_scheduler_set_milestones(o->sched, &at, 1));
    OK(dsc_dataset_new_targets(&o->train, xs, ys, 6, 3, 2, DSC_DATASET_BORROW));
    OK(dsc_dataset_new_targets(&o->val, xs + 6 * 3, ys + 6 * 2, 2, 3, 2, DSC_DATASET_BORROW));
    OK(dsc_trainer_new(&o->t, o->m, o->loss, o->opt, o->train));
    OK(dsc_trainer_set_validation(o->t, o->val));
    OK(dsc_trainer_set_scheduler(o->t, o->sched));
    OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_BATCH_SIZE, 4));
    OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_EPOCHS, 3));
    OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_SEED, 7));
    OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_PATIENCE, 2));
}

static void release(objects *o) {
    dsc_trainer_free(o->t);
    dsc_dataset_free(o->train);
    dsc_dataset_free(o->val);
    dsc_lr_scheduler_free(o->sched);
    dsc_optimizer_free(o->opt);
    dsc_loss_free(o->loss);
    dsc_model_free(o->m);
}

/* Everything the objects hold, as the checkpoint they give. */
static unsigned char *state_of(const objects *o, size_t *n) {
    unsigned char *b = NULL;
    OK(dsc__checkpoint_save_mem(&b, n, o->m, o->opt, o->sched, o->t));
    return b;
}

static void load_checkpoint(objects *o, const uint8_t *data, size_t size, int parts) {
    dsc_optimizer *opt = parts ? o->opt : NULL;
    dsc_lr_scheduler *sched = parts ? o->sched : NULL;
    dsc_trainer *t = parts ? o->t : NULL;
    size_t n0 = 0, n1 = 0;
    unsigned char *before = state_of(o, &n0);
    dsc__error_clear();
    dsc_status s = dsc__checkpoint_load_mem(data, size, o->m, opt, sched, t);
    known(s, "dsc_checkpoint_load");
    if (s != DSC_OK) {
        unsigned char *after = state_of(o, &n1);
        CHECK(n0 == n1 && memcmp(before, after, n0) == 0, "a refused checkpoint (%s) changed the objects",
              dsc_status_name(s));
        dsc__free(after);
    } else if (parts) {
        double epochs = 0;
        OK(dsc_trainer_get(o->t, DSC_TRAINER_PARAM_EPOCHS, &epochs));
        if (epochs <= 3) {
            dsc__error_clear();
            known(dsc_trainer_run(o->t), "dsc_trainer_run after a checkpoint");
        }
    }
    dsc__free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    objects o;
    make(&o);

    dsc_model *m = (dsc_model *)(uintptr_t)1;
    dsc__error_clear();
    dsc_status s = dsc__model_load_mem(&m, data, size, 4);
    known(s, "dsc_model_load");
    CHECK((s == DSC_OK) == (m != NULL), "dsc_model_load returned %s and model %p", dsc_status_name(s),
          (void *)m);
    dsc_model_free(m);

    float *p = NULL, before[64];
    size_t np = 0;
    OK(dsc_model_params(o.m, &p));
    OK(dsc_model_param_count(o.m, &np));
    CHECK(np <= 64, "%zu parameters", np);
    memcpy(before, p, np * sizeof(float));
    dsc__error_clear();
    s = dsc__model_load_weights_mem(o.m, data, size);
    known(s, "dsc_model_load_weights");
    if (s != DSC_OK)
        CHECK(memcmp(before, p, np * sizeof(float)) == 0, "a refused load_weights (%s) changed the model",
              dsc_status_name(s));

    load_checkpoint(&o, data, size, 0);
    load_checkpoint(&o, data, size, 1);
    release(&o);
    return 0;
}

#ifdef DSC_FUZZ_WRITE_SEEDS
/* Writes the seed corpus into the directory argv[1]. */
static const char *seed_dir;
static objects *seed_objects;

static void seed_path(char *buf, size_t n, const char *name) {
    snprintf(buf, n, "%s/%s", seed_dir, name);
}

static int stop_at_step(const dsc_progress *pr, void *user) {
    double step = 0;
    char path[512];
    (void)user;
    OK(dsc_progress_get(pr, DSC_PROGRESS_STEP, &step));
    if (step != 3) return 0;
    seed_path(path, sizeof path, "mid_run.safetensors");
    objects *o = seed_objects;
    OK(dsc_checkpoint_save(path, o->m, o->opt, o->sched, o->t));
    return 1;
}

static int stop_at_epoch(const dsc_progress *pr, void *user) {
    char path[512];
    (void)pr;
    (void)user;
    seed_path(path, sizeof path, "after_epoch.safetensors");
    objects *o = seed_objects;
    OK(dsc_checkpoint_save(path, o->m, o->opt, o->sched, o->t));
    return 1;
}

int main(int argc, char **argv) {
    char path[512];
    objects o;
    if (argc != 2) return 2;
    seed_dir = argv[1];
    seed_objects = &o;
    make(&o);
    OK(dsc_trainer_set_step_callback(o.t, stop_at_step, NULL));
    OK(dsc_trainer_run(o.t));
    release(&o);
    make(&o);
    OK(dsc_trainer_set_epoch_callback(o.t, stop_at_epoch, NULL));
    OK(dsc_trainer_run(o.t));
    release(&o);
    make(&o);
    OK(dsc_trainer_set(o.t, DSC_TRAINER_PARAM_EPOCHS, 1));
    OK(dsc_trainer_run(o.t));
    seed_path(path, sizeof path, "between_runs.safetensors");
    OK(dsc_checkpoint_save(path, o.m, o.opt, o.sched, o.t));
    seed_path(path, sizeof path, "model_only.safetensors");
    OK(dsc_checkpoint_save(path, o.m, NULL, NULL, NULL));
    seed_path(path, sizeof path, "model.safetensors");
    OK(dsc_model_save(o.m, path));
    release(&o);
    /* A PyTorch state_dict of the same layers, without metadata. */
    static const char header[] =
        "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
        "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
        "\"3.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]},"
        "\"3.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}";
    unsigned char bytes[8 + sizeof header - 1 + 104] = {0};
    size_t h = sizeof header - 1;
    for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(bytes + 8, header, h);
    for (int i = 0; i < 26; i++) {
        float v = 0.05f * (float)(i - 13);
        uint32_t u;
        memcpy(&u, &v, 4);
        for (int k = 0; k < 4; k++) bytes[8 + h + 4 * (size_t)i + (size_t)k] = (unsigned char)(u >> (8 * k));
    }
    seed_path(path, sizeof path, "torch.safetensors");
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, sizeof bytes, f) != sizeof bytes) return 1;
    fclose(f);
    return 0;
}
#endif
