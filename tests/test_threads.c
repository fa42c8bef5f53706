/* Threads: several threads train at once, each with its own model,
 * optimizer, scheduler and either a trainer or a hand-written loop (the
 * "one handle, one thread" rule of descent.h). Each thread's final
 * parameters must equal, bit for bit, those of the same job run alone on
 * the main thread first. Every thread also asks for the kernel set
 * (dsc_isa) and provokes errors of its own, whose messages must stay its
 * own (dsc_last_error is thread-local), while the main thread sets the
 * process-wide flush-to-zero mode (to the value it already has, so results
 * do not depend on timing) and reads it. Run under ThreadSanitizer by
 * `make check-tsan`. */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define THREADS 6
#define ROWS 48
#define IN 5
#define OUT 3
#define MAX_PARAMS 256

typedef struct job {
    int id;                      /* 0..THREADS-1: chooses the optimizer, scheduler and loop */
    const char *isa;             /* dsc_isa() as this thread saw it */
    float params[MAX_PARAMS];
    size_t nparams;
    int failures;                /* checks that failed in the thread (read by the main thread) */
    char failure[256];
} job;

static atomic_int running;      /* jobs still training, for the main thread's loop */
static pthread_barrier_t go;    /* the jobs and the main thread start training together */
static int use_barrier;

static void fail_job(job *j, const char *what) {
    if (j->failures++ == 0) snprintf(j->failure, sizeof j->failure, "job %d: %s (last error: %s)", j->id, what,
                                     dsc_last_error());
}

#define CHECK(j, cond)                          \
    do {                                        \
        if (!(cond)) fail_job((j), #cond);      \
    } while (0)

/* A data set of its own per job, from a small generator seeded by the id. */
static void make_data(int id, float *x, int32_t *labels, float *t) {
    uint32_t r = 2463534242u + (uint32_t)id * 7919u;
    for (size_t i = 0; i < ROWS * IN; i++) {
        r ^= r << 13;
        r ^= r >> 17;
        r ^= r << 5;
        x[i] = (float)(r % 2001u) / 1000.0f - 1.0f;
    }
    for (size_t i = 0; i < ROWS; i++) {
        const float s = x[i * IN] + 0.5f * x[i * IN + 1] - x[i * IN + 2];
        labels[i] = s < -0.3f ? 0 : s < 0.3f ? 1 : 2;
        for (size_t o = 0; o < OUT; o++) t[i * OUT + o] = s * (float)(o + 1) * 0.25f;
    }
}

/* This thread's own error message must be the one it last provoked. */
static void provoke_error(job *j, dsc_optimizer *opt, size_t tag) {
    double lr = 0.0;
    CHECK(j, dsc_optimizer_group_get(opt, 1000 + tag, DSC_OPTIMIZER_PARAM_LR, &lr) == DSC_E_ARG);
    char want[64];
    snprintf(want, sizeof want, "group is %zu;", 1000 + tag);
    CHECK(j, strstr(dsc_last_error(), want) != NULL);
}

static dsc_lr_scheduler *make_sched(job *j, dsc_optimizer *opt) {
    dsc_lr_scheduler *s = NULL;
    switch (j->id % 3) {
    case 0:
        CHECK(j, dsc_lr_scheduler_new(&s, DSC_SCHED_STEP, opt) == DSC_OK);
        CHECK(j, dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 3) == DSC_OK);
        break;
    case 1:
        CHECK(j, dsc_lr_scheduler_new(&s, DSC_SCHED_COSINE, opt) == DSC_OK);
        CHECK(j, dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 10) == DSC_OK);
        break;
    default:
        CHECK(j, dsc_lr_scheduler_new(&s, DSC_SCHED_ONE_CYCLE, opt) == DSC_OK);
        CHECK(j, dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.05) == DSC_OK);
        CHECK(j, dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 4000) == DSC_OK);
        CHECK(j, dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_CYCLE_MOMENTUM, j->id % 6 != 5) == DSC_OK); /* Adagrad */
        break;
    }
    return s;
}

/* One job: even ids train with a trainer (cross-entropy on labels), odd ids
 * with a loop of their own (MSE on targets). */
static void *run_job(void *arg) {
    job *j = arg;
    static const dsc_optimizer_kind kinds[] = {DSC_OPTIMIZER_ADAM, DSC_OPTIMIZER_SGD, DSC_OPTIMIZER_RMSPROP,
                                               DSC_OPTIMIZER_ADAMW, DSC_OPTIMIZER_NADAM, DSC_OPTIMIZER_ADAGRAD};
    float x[ROWS * IN], t[ROWS * OUT], dy[8 * OUT];
    int32_t labels[ROWS];
    make_data(j->id, x, labels, t);
    j->isa = dsc_isa();

    dsc_model *m = NULL;
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    dsc_dataset *ds = NULL;
    dsc_trainer *tr = NULL;
    const int trainer = j->id % 2 == 0;
    CHECK(j, dsc_model_new(&m, IN) == DSC_OK);
    CHECK(j, dsc_model_add_dense(m, 16, 1) == DSC_OK);
    CHECK(j, dsc_model_add_activation(m, j->id % 4 < 2 ? DSC_ACTIVATION_TANH : DSC_ACTIVATION_GELU) == DSC_OK);
    CHECK(j, dsc_model_add_dense(m, OUT, 1) == DSC_OK);
    CHECK(j, dsc_model_build(m, 8) == DSC_OK);
    CHECK(j, dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 100u + (uint64_t)j->id) == DSC_OK);
    CHECK(j, dsc_loss_new(&loss, trainer ? DSC_LOSS_CROSS_ENTROPY : DSC_LOSS_MSE) == DSC_OK);
    CHECK(j, dsc_optimizer_new(&opt, kinds[j->id % 6]) == DSC_OK);
    CHECK(j, dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01) == DSC_OK);
    if (kinds[j->id % 6] == DSC_OPTIMIZER_SGD) CHECK(j, dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9) == DSC_OK);
    CHECK(j, dsc_optimizer_add_model(opt, m, NULL) == DSC_OK);
    dsc_lr_scheduler *sched = make_sched(j, opt);
    if (use_barrier) pthread_barrier_wait(&go);
    if (j->failures > 0) goto done;

    if (trainer) {
        CHECK(j, dsc_dataset_new_labels(&ds, x, labels, ROWS, IN, OUT, DSC_DATASET_BORROW) == DSC_OK);
        CHECK(j, dsc_trainer_new(&tr, m, loss, opt, ds) == DSC_OK);
        if (j->failures > 0) goto done;
        CHECK(j, dsc_trainer_set(tr, DSC_TRAINER_PARAM_BATCH_SIZE, 8) == DSC_OK);
        CHECK(j, dsc_trainer_set(tr, DSC_TRAINER_PARAM_EPOCHS, 20) == DSC_OK);
        CHECK(j, dsc_trainer_set(tr, DSC_TRAINER_PARAM_SEED, (double)j->id) == DSC_OK);
        CHECK(j, dsc_trainer_set(tr, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION) == DSC_OK);
        CHECK(j, dsc_trainer_set_scheduler(tr, sched) == DSC_OK);
        for (int round = 0; round < 4 && j->failures == 0; round++) {
            CHECK(j, dsc_trainer_run(tr) == DSC_OK);
            CHECK(j, strcmp(dsc_isa(), j->isa) == 0);
            provoke_error(j, opt, (size_t)(j->id * 10 + round));
            CHECK(j, dsc_flush_denormals() == 1);
        }
    } else {
        for (int epoch = 0; epoch < 80 && j->failures == 0; epoch++) {
            for (size_t b = 0; b < ROWS; b += 8) {
                const float *y = NULL;
                double value = 0.0;
                CHECK(j, dsc_model_zero_grad(m) == DSC_OK);
                CHECK(j, dsc_model_forward(m, x + b * IN, 8, &y) == DSC_OK);
                if (y == NULL) break;
                CHECK(j, dsc_loss_forward(loss, y, t + b * OUT, 8, OUT, &value) == DSC_OK);
                CHECK(j, dsc_loss_backward(loss, dy) == DSC_OK);
                CHECK(j, dsc_model_backward(m, dy, 8) == DSC_OK);
                CHECK(j, dsc_optimizer_step(opt) == DSC_OK);
                CHECK(j, dsc_lr_scheduler_step(sched) == DSC_OK);
            }
            provoke_error(j, opt, (size_t)(j->id * 100 + epoch));
            CHECK(j, strcmp(dsc_isa(), j->isa) == 0);
            CHECK(j, dsc_flush_denormals() == 1);
        }
    }
    float *p = NULL;
    CHECK(j, dsc_model_param_count(m, &j->nparams) == DSC_OK);
    CHECK(j, j->nparams <= MAX_PARAMS);
    CHECK(j, dsc_model_params(m, &p) == DSC_OK);
    if (p != NULL && j->nparams <= MAX_PARAMS) memcpy(j->params, p, j->nparams * sizeof *p);
done:
    dsc_trainer_free(tr);
    dsc_dataset_free(ds);
    dsc_lr_scheduler_free(sched);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(m);
    atomic_fetch_sub(&running, 1);
    return NULL;
}

static void test_threads_train_at_once(void **state) {
    (void)state;
    static job alone[THREADS], together[THREADS];
    /* Every job alone on this thread first: the reference. */
    use_barrier = 0;
    for (int i = 0; i < THREADS; i++) {
        alone[i].id = i;
        atomic_store(&running, 1);
        run_job(&alone[i]);
        if (alone[i].failures) fail_msg("%s", alone[i].failure);
        assert_true(alone[i].nparams > 0);
    }
    /* Then all at once, while this thread sets the flush-to-zero mode (to
     * its value: results must not depend on when a call reads it), reads
     * it, and keeps its own error message. */
    assert_ok(dsc_set_flush_denormals(1));
    assert_status(dsc_set_flush_denormals(7), DSC_E_ARG);
    char mine[512];
    snprintf(mine, sizeof mine, "%s", dsc_last_error());
    assert_non_null(strstr(mine, "on is 7"));
    pthread_t th[THREADS];
    atomic_store(&running, THREADS);
    use_barrier = 1;
    assert_int_equal(pthread_barrier_init(&go, NULL, THREADS + 1), 0);
    for (int i = 0; i < THREADS; i++) {
        together[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, run_job, &together[i]), 0);
    }
    pthread_barrier_wait(&go);
    long spins = 0;
    while (atomic_load(&running) > 0) {
        /* Not assert_ok: it empties this thread's message first. */
        assert_int_equal(dsc_set_flush_denormals(1), DSC_OK);
        assert_int_equal(dsc_flush_denormals(), 1);
        assert_non_null(dsc_isa());
        spins++;
    }
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&go);
    assert_string_equal(dsc_last_error(), mine);
    (void)spins; /* under valgrind's serialised threads the workers may finish first */
    for (int i = 0; i < THREADS; i++) {
        if (together[i].failures) fail_msg("%s", together[i].failure);
        assert_string_equal(together[i].isa, dsc_isa());
        assert_int_equal(together[i].nparams, alone[i].nparams);
        if (memcmp(together[i].params, alone[i].params, alone[i].nparams * sizeof(float)) != 0)
            fail_msg("job %d: the parameters trained in a thread differ from those trained alone", i);
    }
}

/* Errors from many threads at once: each reads back its own message. Run
 * first, so that the threads also race to the library's first use (the
 * kernel set is chosen once, by whichever thread comes first). */
static void *errors(void *arg) {
    job *j = arg;
    j->isa = dsc_isa();
    dsc_optimizer *opt = NULL;
    float p[2] = {0, 0}, g[2] = {0, 0};
    CHECK(j, dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD) == DSC_OK);
    CHECK(j, dsc_optimizer_add_params(opt, p, g, 2, NULL) == DSC_OK);
    for (size_t k = 0; k < 2000 && j->failures == 0; k++) {
        provoke_error(j, opt, (size_t)j->id * 100000 + k);
        if (k % 97 == 0) CHECK(j, strcmp(dsc_isa(), j->isa) == 0);
    }
    dsc_optimizer_free(opt);
    return NULL;
}

static void test_threads_error_messages_are_per_thread(void **state) {
    (void)state;
    static job jobs[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, errors, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        if (jobs[i].failures) fail_msg("%s", jobs[i].failure);
        assert_string_equal(jobs[i].isa, dsc_isa());
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_error_messages_are_per_thread),
        cmocka_unit_test(test_threads_train_at_once),
    };
    return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
