/* The thread pool and the host's parallel-for (dsc_set_threads,
 * dsc_set_parallel_for): training a model large enough that every split of
 * lib/kernels/split.h cuts its work into several tasks gives parameters
 * bit-identical to the same training without threads, with 2, 3 or 4 pool
 * threads, with a host pool written here, and with a host that runs every
 * task on its own thread in reverse order; two threads training at once
 * share the pool with the same results; steps allocate nothing with threads
 * on; the settings refuse bad arguments, survive failed allocations and
 * leak nothing. tests/check_threads_env.sh runs this file again with
 * DESCENT_THREADS set. Also run under ThreadSanitizer (make check-tsan). */
#include "harness.h"
#include "kernels/split.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 200-512-128-10: the first layer's GEMMs split 8 ways, its ReLU over
 * 256 x 512 elements 2 ways, the optimizer's 170K parameters 2 ways. */
#define IN 200
#define H1 512
#define H2 128
#define OUT 10
#define BATCH 256
#define STEPS 4

static float xs[BATCH * IN];
static int32_t labels[BATCH];

static void make_data(void) {
    uint32_t r = 12345u;
    for (size_t i = 0; i < BATCH * IN; i++) {
        r = r * 1664525u + 1013904223u;
        xs[i] = (float)(r >> 8) / 16777216.0f - 0.5f;
    }
    for (size_t i = 0; i < BATCH; i++) labels[i] = (int32_t)((i * 7 + (size_t)(xs[i * IN] > 0)) % OUT);
}

typedef struct net {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    float dy[BATCH * OUT];
} net;

static void net_new(net *n) {
    assert_ok(dsc_model_new(&n->m, IN));
    assert_ok(dsc_model_add_dense(n->m, H1, 1));
    assert_ok(dsc_model_add_activation(n->m, DSC_ACTIVATION_RELU));
    assert_ok(dsc_model_add_dense(n->m, H2, 1));
    assert_ok(dsc_model_add_activation(n->m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dense(n->m, OUT, 1));
    assert_ok(dsc_model_build(n->m, BATCH));
    assert_ok(dsc_loss_new(&n->loss, DSC_LOSS_CROSS_ENTROPY));
    assert_ok(dsc_optimizer_new(&n->opt, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_model(n->opt, n->m, NULL));
    assert_ok(dsc_optimizer_set(n->opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    /* Norm clipping: the exact (split) sum of squares scales every update. */
    assert_ok(dsc_optimizer_set(n->opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 0.5));
}

static void net_free(net *n) {
    dsc_optimizer_free(n->opt);
    dsc_loss_free(n->loss);
    dsc_model_free(n->m);
}

static int net_step(net *n, double *loss) {
    const float *y = NULL;
    if (dsc_model_forward(n->m, xs, BATCH, &y) != DSC_OK) return 0;
    if (dsc_loss_forward_labels(n->loss, y, labels, BATCH, OUT, loss) != DSC_OK) return 0;
    if (dsc_loss_backward(n->loss, n->dy) != DSC_OK) return 0;
    if (dsc_optimizer_zero_grad(n->opt) != DSC_OK) return 0;
    if (dsc_model_backward(n->m, n->dy, BATCH) != DSC_OK) return 0;
    return dsc_optimizer_step(n->opt) == DSC_OK;
}

/* Trains a fresh net STEPS steps; its parameters and losses into the
 * caller's buffers (params: malloc'ed, count in *np). */
static void train(float **params, size_t *np, double *losses) {
    net n;
    net_new(&n);
    for (int s = 0; s < STEPS; s++) assert_true(net_step(&n, &losses[s]));
    float *p = NULL;
    assert_ok(dsc_model_params(n.m, &p));
    assert_ok(dsc_model_param_count(n.m, np));
    *params = malloc(*np * sizeof(float));
    assert_non_null(*params);
    memcpy(*params, p, *np * sizeof(float));
    net_free(&n);
}

static float *ref_params;
static size_t ref_n;
static double ref_losses[STEPS];

static int setup_reference(void **state) {
    (void)state;
    make_data();
    if (dsc_set_threads(1) != DSC_OK) return -1;
    train(&ref_params, &ref_n, ref_losses);
    return 0;
}

static int teardown_reference(void **state) {
    (void)state;
    free(ref_params);
    return dsc_set_threads(1) == DSC_OK ? 0 : -1;
}

static void assert_matches_reference(void) {
    float *p = NULL;
    size_t n = 0;
    double losses[STEPS];
    train(&p, &n, losses);
    assert_int_equal(n, ref_n);
    for (int s = 0; s < STEPS; s++)
        if (memcmp(&losses[s], &ref_losses[s], sizeof(double)) != 0)
            fail_msg("loss of step %d is %.17g, without threads %.17g", s, losses[s], ref_losses[s]);
    for (size_t i = 0; i < n; i++)
        if (memcmp(&p[i], &ref_params[i], sizeof(float)) != 0)
            fail_msg("parameter %zu is %.9g, without threads %.9g (threads: %d)", i,
                     (double)p[i], (double)ref_params[i], dsc_threads());
    free(p);
}

/* The reference itself must have moved, or equality would prove nothing. */
static void test_reference_trained(void **state) {
    (void)state;
    assert_true(ref_losses[STEPS - 1] < ref_losses[0]);
}

static void test_pool_bit_identical(void **state) {
    (void)state;
    for (int t = 2; t <= 4; t++) {
        assert_ok(dsc_set_threads(t));
        assert_int_equal(dsc_threads(), t);
        assert_matches_reference();
    }
    assert_ok(dsc_set_threads(0)); /* one per core */
    assert_true(dsc_threads() >= 1);
    assert_matches_reference();
    assert_ok(dsc_set_threads(1));
    assert_int_equal(dsc_threads(), 1);
    assert_matches_reference();
}

/* ---- a host job system, as a game engine would have one ---------------- */

#define HOST_WORKERS 3

typedef struct host_pool {
    pthread_t threads[HOST_WORKERS];
    pthread_mutex_t m;
    pthread_cond_t wake, done;
    dsc_task_fn task;
    void *arg;
    size_t ntasks, next, finished;
    unsigned long gen;
    int quit;
    atomic_long calls;
} host_pool;

static void *host_worker(void *p_) {
    host_pool *p = p_;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->m);
    for (;;) {
        while (p->gen == seen && !p->quit) pthread_cond_wait(&p->wake, &p->m);
        if (p->quit) break;
        seen = p->gen;
        while (p->next < p->ntasks) {
            size_t i = p->next++;
            pthread_mutex_unlock(&p->m);
            p->task(p->arg, i);
            pthread_mutex_lock(&p->m);
            if (++p->finished == p->ntasks) pthread_cond_broadcast(&p->done);
        }
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* dsc_parallel_for_fn: the caller waits; the host's threads run the tasks. */
static void host_parallel_for(void *host, size_t ntasks, dsc_task_fn task, void *arg) {
    host_pool *p = host;
    atomic_fetch_add(&p->calls, 1);
    pthread_mutex_lock(&p->m);
    p->task = task;
    p->arg = arg;
    p->ntasks = ntasks;
    p->next = 0;
    p->finished = 0;
    p->gen++;
    pthread_cond_broadcast(&p->wake);
    while (p->finished < ntasks) pthread_cond_wait(&p->done, &p->m);
    pthread_mutex_unlock(&p->m);
}

static void host_start(host_pool *p) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 0; i < HOST_WORKERS; i++)
        assert_int_equal(pthread_create(&p->threads[i], NULL, host_worker, p), 0);
}

static void host_stop(host_pool *p) {
    pthread_mutex_lock(&p->m);
    p->quit = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->m);
    for (int i = 0; i < HOST_WORKERS; i++) pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->m);
}

static void test_host_pool_bit_identical(void **state) {
    (void)state;
    host_pool p;
    host_start(&p);
    assert_ok(dsc_set_parallel_for(host_parallel_for, &p, HOST_WORKERS));
    assert_int_equal(dsc_threads(), HOST_WORKERS);
    assert_matches_reference();
    assert_true(atomic_load(&p.calls) > 0);
    /* A pool started afterwards replaces the callback, which is not called again. */
    assert_ok(dsc_set_threads(2));
    long calls = atomic_load(&p.calls);
    assert_matches_reference();
    assert_int_equal(atomic_load(&p.calls), calls);
    assert_ok(dsc_set_threads(1));
    host_stop(&p);
}

/* A host that runs every task itself, last index first. */
static atomic_long serial_calls;

static void serial_parallel_for(void *host, size_t ntasks, dsc_task_fn task, void *arg) {
    assert_ptr_equal(host, &serial_calls);
    atomic_fetch_add(&serial_calls, 1);
    for (size_t i = ntasks; i-- > 0;) task(arg, i);
}

static void test_host_serial_bit_identical(void **state) {
    (void)state;
    atomic_store(&serial_calls, 0);
    assert_ok(dsc_set_parallel_for(serial_parallel_for, &serial_calls, 4));
    assert_matches_reference();
    assert_true(atomic_load(&serial_calls) > 0);
    /* Width 1: descent runs everything itself and never calls the host. */
    assert_ok(dsc_set_parallel_for(serial_parallel_for, &serial_calls, 1));
    assert_int_equal(dsc_threads(), 1);
    atomic_store(&serial_calls, 0);
    assert_matches_reference();
    assert_int_equal(atomic_load(&serial_calls), 0);
    assert_ok(dsc_set_parallel_for(NULL, NULL, 0));
    assert_int_equal(dsc_threads(), 1);
}

/* ---- two threads training at once share one pool ------------------------ */

typedef struct concurrent {
    float *params;
    size_t n;
    double losses[STEPS];
    int ok;
} concurrent;

static void *train_thread(void *c_) {
    concurrent *c = c_;
    net n;
    net_new(&n);
    c->ok = 1;
    for (int s = 0; s < STEPS; s++) c->ok &= net_step(&n, &c->losses[s]);
    float *p = NULL;
    c->ok &= dsc_model_params(n.m, &p) == DSC_OK && dsc_model_param_count(n.m, &c->n) == DSC_OK;
    c->params = malloc(c->n * sizeof(float));
    if (c->params != NULL && p != NULL) memcpy(c->params, p, c->n * sizeof(float));
    net_free(&n);
    return NULL;
}

static void test_concurrent_trainings(void **state) {
    (void)state;
    assert_ok(dsc_set_threads(2));
    concurrent c[2] = {{0}, {0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, train_thread, &c[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        assert_true(c[i].ok);
        assert_non_null(c[i].params);
        assert_int_equal(c[i].n, ref_n);
        assert_memory_equal(c[i].params, ref_params, ref_n * sizeof(float));
        assert_memory_equal(c[i].losses, ref_losses, sizeof ref_losses);
        free(c[i].params);
    }
    assert_ok(dsc_set_threads(1));
}

/* ---- allocation: at start only, never per step, no leak ---------------- */

static void test_no_allocation_per_step(void **state) {
    (void)state;
    harness_alloc_install(0);
    assert_ok(dsc_set_threads(2));
    net n;
    net_new(&n);
    double loss;
    assert_true(net_step(&n, &loss)); /* the optimizer's state buffers start lazily */
    long before = harness_alloc_count();
    for (int s = 0; s < 3; s++) assert_true(net_step(&n, &loss));
    assert_int_equal(harness_alloc_count(), before);
    net_free(&n);
    assert_ok(dsc_set_threads(1));
    assert_int_equal(harness_alloc_live(), 0);
    harness_alloc_uninstall();
}

static void test_alloc_failures(void **state) {
    (void)state;
    /* Fail each allocation of starting a pool in turn: DSC_E_NOMEM, the
     * previous choice (no threads) stays, nothing leaks. */
    for (long k = 1;; k++) {
        harness_alloc_install(k);
        dsc__error_clear();
        dsc_status s = dsc_set_threads(3);
        if (s == DSC_OK) {
            assert_int_equal(dsc_threads(), 3);
            assert_ok(dsc_set_threads(1));
            assert_int_equal(harness_alloc_live(), 0);
            harness_alloc_uninstall();
            assert_true(k > 1);
            break;
        }
        assert_int_equal(s, DSC_E_NOMEM);
        assert_non_null(strstr(dsc_last_error(), "dsc_set_threads"));
        assert_int_equal(dsc_threads(), 1);
        assert_int_equal(harness_alloc_live(), 0);
        harness_alloc_uninstall();
    }
    for (long k = 1;; k++) {
        harness_alloc_install(k);
        dsc__error_clear();
        dsc_status s = dsc_set_parallel_for(serial_parallel_for, &serial_calls, 2);
        if (s == DSC_OK) {
            assert_int_equal(dsc_threads(), 2);
            assert_ok(dsc_set_parallel_for(NULL, NULL, 0));
            assert_int_equal(harness_alloc_live(), 0);
            harness_alloc_uninstall();
            assert_true(k > 1);
            break;
        }
        assert_int_equal(s, DSC_E_NOMEM);
        assert_int_equal(dsc_threads(), 1);
        assert_int_equal(harness_alloc_live(), 0);
        harness_alloc_uninstall();
    }
}

/* ---- arguments ----------------------------------------------------------- */

static void test_bad_arguments(void **state) {
    (void)state;
    assert_ok(dsc_set_threads(2));
    assert_status(dsc_set_threads(-1), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "up to 256"));
    assert_status(dsc_set_threads(257), DSC_E_ARG);
    assert_status(dsc_set_parallel_for(NULL, NULL, 2), DSC_E_ARG);
    assert_status(dsc_set_parallel_for(serial_parallel_for, NULL, 0), DSC_E_ARG);
    assert_non_null(strstr(dsc_last_error(), "from 1 to 256"));
    assert_status(dsc_set_parallel_for(serial_parallel_for, NULL, 257), DSC_E_ARG);
    assert_status(dsc_set_parallel_for(serial_parallel_for, NULL, -3), DSC_E_ARG);
    /* Refused calls changed nothing. */
    assert_int_equal(dsc_threads(), 2);
    assert_ok(dsc_set_threads(256));
    assert_int_equal(dsc_threads(), 256);
    assert_ok(dsc_set_threads(1));
}

/* ---- refusals and the loss split ---------------------------------------- */

/* A NaN gradient in the second half of a split group: the step is refused
 * with threads as without, nothing changed. */
static void test_nonfinite_refused_with_threads(void **state) {
    (void)state;
    enum { N = 300000 };
    float *p = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
    assert_non_null(p);
    assert_non_null(g);
    for (size_t i = 0; i < N; i++) {
        p[i] = (float)i * 1e-6f;
        g[i] = 1.0f;
    }
    g[N - 5] = NAN;
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_params(opt, p, g, N, NULL));
    assert_ok(dsc_set_threads(2));
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
    for (size_t i = 0; i < N; i++) assert_true(p[i] == (float)i * 1e-6f);
    /* The result check: an update that overflows only at one element. */
    g[N - 5] = 1.0f;
    p[N - 7] = 3.0e38f;
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY, 4.0));
    assert_status(dsc_optimizer_step(opt), DSC_E_NONFINITE);
    char want[32];
    snprintf(want, sizeof want, "element %d", N - 7);
    assert_non_null(strstr(dsc_last_error(), want));
    assert_true(p[0] == 0.0f);
    assert_ok(dsc_set_threads(1));
    dsc_optimizer_free(opt);
    free(p);
    free(g);
}

/* Cross-entropy over 4096 x 64 logits: split 4 ways by rows; loss and
 * gradient as without threads. */
static void test_cross_entropy_split(void **state) {
    (void)state;
    enum { M = 4096, C = 64 };
    float *z = malloc(M * C * sizeof(float)), *d1 = malloc(M * C * sizeof(float)),
          *d2 = malloc(M * C * sizeof(float));
    int32_t *lab = malloc(M * sizeof(int32_t));
    assert_non_null(z);
    assert_non_null(d1);
    assert_non_null(d2);
    assert_non_null(lab);
    for (size_t i = 0; i < (size_t)M * C; i++) z[i] = (float)((i * 37) % 101) / 25.0f - 2.0f;
    for (size_t i = 0; i < M; i++) lab[i] = (int32_t)(i % C);
    dsc_loss *loss = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_CROSS_ENTROPY));
    double v1 = 0.0, v2 = 0.0;
    assert_ok(dsc_loss_forward_labels(loss, z, lab, M, C, &v1));
    assert_ok(dsc_loss_backward(loss, d1));
    assert_ok(dsc_set_threads(2));
    assert_ok(dsc_loss_forward_labels(loss, z, lab, M, C, &v2));
    assert_ok(dsc_loss_backward(loss, d2));
    assert_ok(dsc_set_threads(1));
    assert_memory_equal(&v1, &v2, sizeof v1);
    assert_memory_equal(d1, d2, (size_t)M * C * sizeof(float));
    assert_true(v1 > 3.0 && v1 < 6.0);
    dsc_loss_free(loss);
    free(z);
    free(d1);
    free(d2);
    free(lab);
}

/* ---- the splits against one unsplit kernel call ------------------------- */

static void fill(float *x, size_t n, uint32_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
}

/* The ranges of a split cover [0, n) in order, without gap or overlap, in
 * pieces that are multiples of align but the last, differing by <= align. */
static void test_split_ranges(void **state) {
    (void)state;
    const size_t ns[] = {1, 15, 16, 17, 784, 1000, 65536, 300001};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t tasks = 1; tasks <= 9; tasks++) {
            size_t n = ns[a], prev = 0, lo, hi, mn = (size_t)-1, mx = 0;
            for (size_t t = 0; t < tasks; t++) {
                dsc__split_range(n, tasks, 16, t, &lo, &hi);
                assert_int_equal(lo, prev);
                assert_true(hi >= lo);
                if (hi < n) assert_int_equal(hi % 16, 0);
                if (hi < n && hi > lo) {
                    mn = hi - lo < mn ? hi - lo : mn;
                    mx = hi - lo > mx ? hi - lo : mx;
                }
                prev = hi;
            }
            assert_int_equal(prev, n);
            if (mx > 0) assert_true(mx - mn <= 16);
        }
    assert_int_equal(dsc__split_count(1000, DSC__SPLIT_GRAIN, 16, DSC__SPLIT_MAX), 1);
    assert_int_equal(dsc__split_count(3 * DSC__SPLIT_GRAIN, DSC__SPLIT_GRAIN, 16, DSC__SPLIT_MAX), 2);
    assert_int_equal(dsc__split_count((size_t)1 << 30, DSC__SPLIT_GRAIN, 16, DSC__SPLIT_MAX),
                     DSC__SPLIT_MAX);
}

/* Each GEMM form split along n (n >= m) and along m, with and without
 * threads, against the unsplit kernel of every kernel set: the same
 * products summed in the same order per block, equal within the kernels'
 * own tolerance (blocks may take another path of the kernel). */
static void test_split_gemm_matches_kernel(void **state) {
    (void)state;
    const size_t shapes[][3] = {{64, 300, 700}, {300, 40, 700}, {1, 4000, 300}};
    const char *isas[] = {"scalar", "sse2", "avx2", "avx512", "neon"};
    for (size_t is = 0; is < 5; is++) {
        if (!dsc_isa_available(isas[is])) continue;
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)(is == 4 ? DSC_ISA_NEON : is));
        assert_non_null(k);
        float *ws = k->gemm_ws_floats ? aligned_alloc(64, (k->gemm_ws_floats * 4 + 63) / 64 * 64) : NULL;
        for (size_t sh = 0; sh < 3; sh++) {
            size_t m = shapes[sh][0], n = shapes[sh][1], kk = shapes[sh][2];
            size_t big = (m > n ? m : n) * kk;
            float *a = malloc(big * 4), *b = malloc(big * 4), *bias = malloc(n * 4);
            float *c1 = malloc(m * n * 4), *c2 = malloc(m * n * 4);
            assert_non_null(a);
            assert_non_null(b);
            assert_non_null(bias);
            assert_non_null(c1);
            assert_non_null(c2);
            fill(a, big, 1u);
            fill(b, big, 2u);
            fill(bias, n, 3u);
            for (int threads = 1; threads <= 2; threads++) {
                assert_ok(dsc_set_threads(threads));
                k->gemm_nt(m, n, kk, a, kk, b, kk, bias, c1, n, ws);
                dsc__split_gemm_nt(k, m, n, kk, a, kk, b, kk, bias, c2, n, ws);
                assert_floats_near(c2, c1, m * n, 1e-5, 1e-5);
                k->gemm_nn(m, n, kk, a, kk, b, n, c1, n, ws);
                dsc__split_gemm_nn(k, m, n, kk, a, kk, b, n, c2, n, ws);
                assert_floats_near(c2, c1, m * n, 1e-5, 1e-5);
                fill(c1, m * n, 4u);
                memcpy(c2, c1, m * n * 4);
                k->gemm_tn(m, n, kk, a, m, b, n, c1, n, ws);
                dsc__split_gemm_tn(k, m, n, kk, a, m, b, n, c2, n, ws);
                assert_floats_near(c2, c1, m * n, 1e-5, 1e-5);
            }
            free(a);
            free(b);
            free(bias);
            free(c1);
            free(c2);
        }
        free(ws);
    }
    assert_ok(dsc_set_threads(1));
}

/* Elementwise splits give the unsplit call's bits; the reductions its
 * value within rounding. */
static void test_split_elementwise_and_reductions(void **state) {
    (void)state;
    enum { N = 300001 };
    const dsc_kernels *k = dsc__kernels();
    float *x = malloc(N * 4), *y1 = malloc(N * 4), *y2 = malloc(N * 4), *dy = malloc(N * 4);
    float *d2 = malloc(N * 4);
    assert_non_null(d2);
    assert_non_null(x);
    assert_non_null(y1);
    assert_non_null(y2);
    assert_non_null(dy);
    fill(x, N, 5u);
    fill(dy, N, 6u);
    assert_ok(dsc_set_threads(2));
    for (int act = 0; act < DSC_ACT_COUNT; act++) {
        k->act_forward[act](N, x, y1, 0.01f);
        dsc__split_act_forward(k, (dsc_act_id)act, N, x, y2, 0.01f);
        assert_memory_equal(y1, y2, N * 4);
        k->act_backward[act](N, x, y1, dy, y2, 0.01f);
        dsc__split_act_backward(k, (dsc_act_id)act, N, x, y1, dy, d2, 0.01f);
        assert_memory_equal(y2, d2, N * 4);
    }
    double s1 = k->sumsq(N, x), s2 = dsc__split_sumsq(k, N, x, 1);
    assert_true(fabs(s1 - s2) <= 1e-12 * s1);
    s1 = k->sumsq_fast(N, x);
    s2 = dsc__split_sumsq(k, N, x, 0);
    assert_true(fabs(s1 - s2) <= 1e-5 * s1);
    x[N - 2] = INFINITY;
    assert_true(isinf(dsc__split_sumsq(k, N, x, 0)) != 0);
    assert_ok(dsc_set_threads(1));
    free(x);
    free(y1);
    free(y2);
    free(dy);
    free(d2);
}

/* DESCENT_THREADS: read once, before any setter (tests/check_threads_env.sh
 * runs this binary with it set). Must be the first test. */
static void test_environment(void **state) {
    (void)state;
    const char *env = getenv("DESCENT_THREADS");
    int want = 1;
    if (env != NULL && strcmp(env, "2") == 0) want = 2;
    assert_int_equal(dsc_threads(), want);
}

int main(void) {
    const struct CMUnitTest env[] = {
        cmocka_unit_test(test_environment),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_trained),
        cmocka_unit_test(test_pool_bit_identical),
        cmocka_unit_test(test_host_pool_bit_identical),
        cmocka_unit_test(test_host_serial_bit_identical),
        cmocka_unit_test(test_concurrent_trainings),
        cmocka_unit_test_teardown(test_no_allocation_per_step, harness_alloc_teardown),
        cmocka_unit_test_teardown(test_alloc_failures, harness_alloc_teardown),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_nonfinite_refused_with_threads),
        cmocka_unit_test(test_cross_entropy_split),
        cmocka_unit_test(test_split_ranges),
        cmocka_unit_test(test_split_gemm_matches_kernel),
        cmocka_unit_test(test_split_elementwise_and_reductions),
    };
    int failed = cmocka_run_group_tests_name("environment", env, NULL, NULL);
    return failed + cmocka_run_group_tests(tests, setup_reference, teardown_reference);
}
