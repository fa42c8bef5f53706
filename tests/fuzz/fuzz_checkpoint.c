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
#include "fuzz.h"

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

/* A known status, and a message with every failure. */
static void known(dsc_status s, const char *what) {
    FZ_STATUS(s, what);
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
    FZ_OK(dsc_model_new(&o->m, 3));
    FZ_OK(dsc_model_add_dense(o->m, 4, 1));
    FZ_OK(dsc_model_add_activation(o->m, DSC_ACTIVATION_TANH));
    FZ_OK(dsc_model_add_dropout(o->m, 0.5, 1));
    FZ_OK(dsc_model_add_dense(o->m, 2, 1));
    FZ_OK(dsc_model_build(o->m, 4));
    FZ_OK(dsc_loss_new(&o->loss, DSC_LOSS_MSE));
    FZ_OK(dsc_optimizer_new(&o->opt, DSC_OPTIMIZER_ADAM));
    FZ_OK(dsc_optimizer_set(o->opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1));
    FZ_OK(dsc_optimizer_set(o->opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    FZ_OK(dsc_optimizer_add_model(o->opt, o->m, NULL));
    dsc_lr_scheduler *warm = NULL, *cyc = NULL;
    FZ_OK(dsc_lr_scheduler_new(&o->sched, DSC_SCHED_SEQUENTIAL, o->opt));
    FZ_OK(dsc_lr_scheduler_new(&warm, DSC_SCHED_LINEAR, o->opt));
    FZ_OK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.5));
    FZ_OK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_TOTAL_ITERS, 3));
    FZ_OK(dsc_lr_scheduler_new(&cyc, DSC_SCHED_ONE_CYCLE, o->opt));
    FZ_OK(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_MAX_LR, 0.05));
    FZ_OK(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_TOTAL_STEPS, 100));
    FZ_OK(dsc_lr_scheduler_add_child(o->sched, &warm));
    FZ_OK(dsc_lr_scheduler_add_child(o->sched, &cyc));
    const int64_t at = 3;
    FZ_OK(dsc_lr_scheduler_set_milestones(o->sched, &at, 1));
    FZ_OK(dsc_dataset_new_targets(&o->train, xs, ys, 6, 3, 2, DSC_DATASET_BORROW));
    FZ_OK(dsc_dataset_new_targets(&o->val, xs + 6 * 3, ys + 6 * 2, 2, 3, 2, DSC_DATASET_BORROW));
    FZ_OK(dsc_trainer_new(&o->t, o->m, o->loss, o->opt, o->train));
    FZ_OK(dsc_trainer_set_validation(o->t, o->val));
    FZ_OK(dsc_trainer_set_scheduler(o->t, o->sched));
    FZ_OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_BATCH_SIZE, 4));
    FZ_OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_EPOCHS, 3));
    FZ_OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_SEED, 7));
    FZ_OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    FZ_OK(dsc_trainer_set(o->t, DSC_TRAINER_PARAM_PATIENCE, 2));
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
    FZ_OK(dsc__checkpoint_save_mem(&b, n, o->m, o->opt, o->sched, o->t));
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
        FZ_CHECK(n0 == n1 && memcmp(before, after, n0) == 0, "a refused checkpoint (%s) changed the objects",
              dsc_status_name(s));
        dsc__free(after);
    } else if (parts) {
        double epochs = 0;
        FZ_OK(dsc_trainer_get(o->t, DSC_TRAINER_PARAM_EPOCHS, &epochs));
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
    FZ_CHECK((s == DSC_OK) == (m != NULL), "dsc_model_load returned %s and model %p", dsc_status_name(s),
          (void *)m);
    dsc_model_free(m);

    float *p = NULL, before[64];
    size_t np = 0;
    FZ_OK(dsc_model_params(o.m, &p));
    FZ_OK(dsc_model_param_count(o.m, &np));
    FZ_CHECK(np <= 64, "%zu parameters", np);
    memcpy(before, p, np * sizeof(float));
    dsc__error_clear();
    s = dsc__model_load_weights_mem(o.m, data, size);
    known(s, "dsc_model_load_weights");
    if (s != DSC_OK)
        FZ_CHECK(memcmp(before, p, np * sizeof(float)) == 0, "a refused load_weights (%s) changed the model",
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
    FZ_OK(dsc_progress_get(pr, DSC_PROGRESS_STEP, &step));
    if (step != 3) return 0;
    seed_path(path, sizeof path, "mid_run.safetensors");
    objects *o = seed_objects;
    FZ_OK(dsc_checkpoint_save(path, o->m, o->opt, o->sched, o->t));
    return 1;
}

static int stop_at_epoch(const dsc_progress *pr, void *user) {
    char path[512];
    (void)pr;
    (void)user;
    seed_path(path, sizeof path, "after_epoch.safetensors");
    objects *o = seed_objects;
    FZ_OK(dsc_checkpoint_save(path, o->m, o->opt, o->sched, o->t));
    return 1;
}

int main(int argc, char **argv) {
    char path[512];
    objects o;
    if (argc != 2) return 2;
    seed_dir = argv[1];
    seed_objects = &o;
    make(&o);
    FZ_OK(dsc_trainer_set_step_callback(o.t, stop_at_step, NULL));
    FZ_OK(dsc_trainer_run(o.t));
    release(&o);
    make(&o);
    FZ_OK(dsc_trainer_set_epoch_callback(o.t, stop_at_epoch, NULL));
    FZ_OK(dsc_trainer_run(o.t));
    release(&o);
    make(&o);
    FZ_OK(dsc_trainer_set(o.t, DSC_TRAINER_PARAM_EPOCHS, 1));
    FZ_OK(dsc_trainer_run(o.t));
    seed_path(path, sizeof path, "between_runs.safetensors");
    FZ_OK(dsc_checkpoint_save(path, o.m, o.opt, o.sched, o.t));
    seed_path(path, sizeof path, "model_only.safetensors");
    FZ_OK(dsc_checkpoint_save(path, o.m, NULL, NULL, NULL));
    seed_path(path, sizeof path, "model.safetensors");
    FZ_OK(dsc_model_save(o.m, path));
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
