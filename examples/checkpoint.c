/* Stop a training run and resume it in another process, bit for bit.
 *
 *   data:      y = sin(2 x0) + x1 x2 - 0.5 x3 + noise, 256 samples (+ 64 to validate)
 *   model:     dense(4 -> 32), relu, dropout(0.1), dense(32 -> 1)
 *   optimizer: NAdam; schedule SequentialLR(LinearLR warm-up, OneCycleLR),
 *              stepped every batch; shuffled mini-batches of 16; early
 *              stopping on the validation loss
 *
 *   checkpoint --stop-after N [--file F]   train, save a checkpoint in F after
 *                                          step N (from the step callback), stop
 *   checkpoint --resume [--file F]         build the same objects, load F, train
 *                                          to the end; then train the same run
 *                                          without stopping and compare the final
 *                                          parameters bit for bit
 *   checkpoint                             both in one process (half-way)
 *
 * The checkpoint (a safetensors file, docs/checkpoint.md) holds the model,
 * NAdam's moments, step counts and mu product, the scheduler's state, the
 * trainer's position in the epoch, its shuffle generator and early-stopping
 * best, and the dropout generator: nothing else is needed to continue. */
#define DESCENT_EXPERIMENTAL_API
#include <descent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        dsc_status s_ = (call);                                                  \
        if (s_ != DSC_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,               \
                    dsc_status_name(s_), dsc_last_error());                      \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define N 256
#define NVAL 64
#define FEATURES 4
#define BATCH 16
#define EPOCHS 8

static float xs[(N + NVAL) * FEATURES], ys[N + NVAL];

static void make_data(void) {
    uint64_t state = 2024;
    for (size_t i = 0; i < (N + NVAL) * FEATURES; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        xs[i] = (float)((double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    for (size_t i = 0; i < N + NVAL; i++) {
        const float *x = xs + i * FEATURES;
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        double noise = ((double)(state >> 11) / 9007199254740992.0 - 0.5) * 0.05;
        ys[i] = (float)(sin(2.0 * x[0]) + x[1] * x[2] - 0.5 * x[3] + noise);
    }
}

/* Everything one run needs, built the same way by every process. */
typedef struct run {
    dsc_model *model;
    dsc_loss *loss;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;
    dsc_dataset *train, *val;
    dsc_trainer *trainer;
    long stop_after;    /* save and stop after this step; 0: never */
    const char *file;
    int saved;
} run;

static void run_free(run *r) {
    dsc_trainer_free(r->trainer);
    dsc_dataset_free(r->train);
    dsc_dataset_free(r->val);
    dsc_lr_scheduler_free(r->sched);
    dsc_optimizer_free(r->opt);
    dsc_loss_free(r->loss);
    dsc_model_free(r->model);
    memset(r, 0, sizeof *r);
}

static int run_make(run *r) {
    memset(r, 0, sizeof *r);
    CHECK(dsc_model_new(&r->model, FEATURES));
    CHECK(dsc_model_add_dense(r->model, 32, 1));
    CHECK(dsc_model_add_activation(r->model, DSC_ACTIVATION_RELU));
    CHECK(dsc_model_add_dropout(r->model, 0.1, 7));
    CHECK(dsc_model_add_dense(r->model, 1, 1));
    CHECK(dsc_model_build(r->model, BATCH));
    CHECK(dsc_model_init(r->model, DSC_INIT_KAIMING_UNIFORM, DSC_INIT_ZEROS, 11));
    CHECK(dsc_loss_new(&r->loss, DSC_LOSS_MSE));
    CHECK(dsc_optimizer_new(&r->opt, DSC_OPTIMIZER_NADAM));
    CHECK(dsc_optimizer_set(r->opt, DSC_OPTIMIZER_PARAM_LR, 0.003));
    CHECK(dsc_optimizer_add_model(r->opt, r->model, NULL));
    /* Warm up for 16 steps, then one cycle over the rest of the run. */
    dsc_lr_scheduler *warm = NULL, *cycle = NULL;
    const int64_t warmup = 16;
    CHECK(dsc_lr_scheduler_new(&r->sched, DSC_SCHED_SEQUENTIAL, r->opt));
    CHECK(dsc_lr_scheduler_new(&warm, DSC_SCHED_LINEAR, r->opt));
    CHECK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.1));
    CHECK(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_TOTAL_ITERS, (double)warmup));
    CHECK(dsc_lr_scheduler_add_child(r->sched, &warm));
    CHECK(dsc_lr_scheduler_new(&cycle, DSC_SCHED_ONE_CYCLE, r->opt));
    CHECK(dsc_lr_scheduler_set(cycle, DSC_SCHED_PARAM_MAX_LR, 0.01));
    CHECK(dsc_lr_scheduler_set(cycle, DSC_SCHED_PARAM_TOTAL_STEPS, EPOCHS * N / BATCH));
    CHECK(dsc_lr_scheduler_add_child(r->sched, &cycle));
    CHECK(dsc_lr_scheduler_set_milestones(r->sched, &warmup, 1));
    CHECK(dsc_dataset_new_targets(&r->train, xs, ys, N, FEATURES, 1, DSC_DATASET_BORROW));
    CHECK(dsc_dataset_new_targets(&r->val, xs + N * FEATURES, ys + N, NVAL, FEATURES, 1,
                                  DSC_DATASET_BORROW));
    CHECK(dsc_trainer_new(&r->trainer, r->model, r->loss, r->opt, r->train));
    CHECK(dsc_trainer_set_validation(r->trainer, r->val));
    CHECK(dsc_trainer_set_scheduler(r->trainer, r->sched));
    CHECK(dsc_trainer_set(r->trainer, DSC_TRAINER_PARAM_BATCH_SIZE, BATCH));
    CHECK(dsc_trainer_set(r->trainer, DSC_TRAINER_PARAM_EPOCHS, EPOCHS));
    CHECK(dsc_trainer_set(r->trainer, DSC_TRAINER_PARAM_SEED, 3));
    CHECK(dsc_trainer_set(r->trainer, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    CHECK(dsc_trainer_set(r->trainer, DSC_TRAINER_PARAM_PATIENCE, 3));
    return 0;
}

/* The step callback: after step stop_after, save the checkpoint and stop. */
static int on_step(const dsc_progress *p, void *user) {
    run *r = user;
    double step = 0;
    if (dsc_progress_get(p, DSC_PROGRESS_STEP, &step) != DSC_OK || (long)step != r->stop_after)
        return 0;
    dsc_status s = dsc_checkpoint_save(r->file, r->model, r->opt, r->sched, r->trainer);
    if (s != DSC_OK) {
        fprintf(stderr, "checkpoint: %s\n", dsc_last_error());
        return 1;
    }
    r->saved = 1;
    return 1;
}

static double progress(const dsc_trainer *t, dsc_progress_key key) {
    const dsc_progress *p = NULL;
    double v = NAN;
    if (dsc_trainer_progress(t, &p) == DSC_OK) (void)dsc_progress_get(p, key, &v);
    return v;
}

/* Trains until step stop_after, saves there and stops. */
static int stop_after(long steps, const char *file) {
    run r;
    if (run_make(&r) != 0) return 1;
    r.stop_after = steps;
    r.file = file;
    CHECK(dsc_trainer_set_step_callback(r.trainer, on_step, &r));
    CHECK(dsc_trainer_run(r.trainer));
    if (!r.saved) {
        fprintf(stderr, "checkpoint: the run ended (step %.0f) before step %ld\n",
                progress(r.trainer, DSC_PROGRESS_STEP), steps);
        run_free(&r);
        return 1;
    }
    printf("stopped after step %ld (epoch %.0f, lr %.6g); checkpoint in %s\n", steps,
           progress(r.trainer, DSC_PROGRESS_EPOCH), progress(r.trainer, DSC_PROGRESS_LR), file);
    run_free(&r);
    return 0;
}

/* Resumes from file, then runs uninterrupted and compares. */
static int resume(const char *file) {
    run r, u;
    if (run_make(&r) != 0) return 1;
    CHECK(dsc_checkpoint_load(file, r.model, r.opt, r.sched, r.trainer));
    printf("resumed from %s at step %.0f (epoch %.0f)\n", file,
           progress(r.trainer, DSC_PROGRESS_STEP), progress(r.trainer, DSC_PROGRESS_EPOCH));
    CHECK(dsc_trainer_run(r.trainer));
    if (run_make(&u) != 0) return 1;
    CHECK(dsc_trainer_run(u.trainer));
    float *a = NULL, *b = NULL;
    size_t n = 0;
    CHECK(dsc_model_params(r.model, &a));
    CHECK(dsc_model_params(u.model, &b));
    CHECK(dsc_model_param_count(r.model, &n));
    int same = memcmp(a, b, n * sizeof(float)) == 0 &&
               progress(r.trainer, DSC_PROGRESS_STEP) == progress(u.trainer, DSC_PROGRESS_STEP);
    printf("resumed run: %.0f steps, validation loss %.6f; uninterrupted run: %.0f steps, %.6f\n",
           progress(r.trainer, DSC_PROGRESS_STEP), progress(r.trainer, DSC_PROGRESS_VAL_LOSS),
           progress(u.trainer, DSC_PROGRESS_STEP), progress(u.trainer, DSC_PROGRESS_VAL_LOSS));
    printf("final parameters equal those of an uninterrupted run (bitwise, %zu floats): %s\n", n,
           same ? "yes" : "NO");
    run_free(&r);
    run_free(&u);
    return same ? 0 : 1;
}

int main(int argc, char **argv) {
    long steps = 0;
    int resuming = 0;
    const char *file = "descent-checkpoint.safetensors";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stop-after") == 0 && i + 1 < argc) {
            steps = strtol(argv[++i], NULL, 10);
            if (steps < 1) {
                fprintf(stderr, "checkpoint: --stop-after needs a step count >= 1\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--resume") == 0) {
            resuming = 1;
        } else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--stop-after N | --resume] [--file F]\n", argv[0]);
            return 2;
        }
    }
    make_data();
    if (steps > 0) return stop_after(steps, file);
    if (resuming) return resume(file);
    /* Both halves in one process. */
    if (stop_after(EPOCHS * N / BATCH / 2, file) != 0) return 1;
    int rc = resume(file);
    remove(file);
    return rc;
}
