/* Who runs the tasks of a parallel run (threads.h): the calling thread
 * alone (the default, no thread started), a built-in pool of n - 1 worker
 * threads plus the caller (dsc_set_threads, DESCENT_THREADS), or the host's
 * own job system through its parallel-for callback (dsc_set_parallel_for).
 *
 * A run hands the executor "lanes" (pool: one per thread; host: the width
 * it declared), and each lane claims tasks from an atomic counter until none
 * is left. Tasks are fixed by the caller, so the claiming order changes
 * which thread computes a task, never what it computes. Each lane owns one
 * GEMM workspace, allocated with the pool (or when the host's callback is
 * installed): nothing is allocated per run.
 *
 * One run uses the lanes at a time (run_lock, taken with trylock): a second
 * caller, from another thread or from inside a task, runs its tasks itself
 * instead of waiting, so nested and concurrent calls cannot deadlock and
 * results stay the same. The settings are changed under the same lock, so
 * changing them waits for the run under way. */
#include "threads.h"
#include "fpenv.h"
#include "kernels.h"
#include "../core/common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#  define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#  define CPU_RELAX() __asm__ __volatile__("yield")
#else
#  define CPU_RELAX() ((void)0)
#endif

/* Spins before sleeping, in CPU_RELAX rounds (tens of microseconds): a
 * training step makes several runs back to back, and waking a sleeping
 * thread costs more than that. Short, so a worker that has nothing to do
 * leaves its core to the caller on a loaded machine. */
#define SPIN_ROUNDS 4000

/* A run given to the host's parallel-for: lives on the caller's stack. */
typedef struct run {
    dsc__task_fn fn;
    void *ctx;
    size_t ntasks;
    atomic_size_t next;    /* next task to claim */
    uint64_t fpctl;        /* the caller's (kernel-mode) control register */
    float *ws;             /* lane i's workspace: ws + i * ws_stride */
    size_t ws_stride;
} run;

/* The pool's current run lives in the pool. A task is claimed by one
 * fetch_add on claim, whose high half is the run's number and low half the
 * next task; size holds the run's number and task count. A claim is valid
 * when size still names its run and its task is in range: the run cannot
 * finish before that task is done, so fn, ctx and fpctl are then stable.
 * The caller waits for its tasks to be done, never for a worker to notice
 * the run: a worker the system has descheduled holds nobody up unless it
 * has claimed a task. */
#define LOW32 0xffffffffu

typedef struct pool {
    float *ws;                      /* one workspace per lane (threads + the caller) */
    size_t ws_stride;
    pthread_t threads[DSC__MAX_LANES];
    size_t created;                 /* threads created */
    size_t started;                 /* threads that have taken their lane number */
    pthread_mutex_t m;
    pthread_cond_t wake, finished;
    atomic_uint_fast64_t claim;     /* run << 32 | next task */
    atomic_uint_fast64_t size;      /* run << 32 | task count */
    atomic_size_t done;             /* tasks of the current run done */
    atomic_int quit;
    uint64_t run_no;                /* the caller's count of runs (under run_lock) */
    dsc__task_fn fn;
    void *ctx;
    uint64_t fpctl;
} pool;

typedef struct host {
    dsc_parallel_for_fn fn;
    void *user;
    size_t lanes;
    float *ws;
    size_t ws_stride;
} host;

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pool *the_pool;              /* at most one of the_pool and the_host */
static host *the_host;
static atomic_size_t lanes_now = 1; /* lanes of the executor; 1: the caller alone */
static int chosen;                  /* a setter ran: DESCENT_THREADS is ignored */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* ---- running tasks ------------------------------------------------------ */

/* The host's lane i: tasks from the run's counter until none is left. */
static void lane(run *r, size_t i) {
    const uint64_t own = dsc__fpenv_get();
    dsc__fpenv_set(r->fpctl);
    float *ws = r->ws != NULL ? r->ws + i * r->ws_stride : NULL;
    for (;;) {
        size_t t = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (t >= r->ntasks) break;
        r->fn(r->ctx, t, ws);
    }
    dsc__fpenv_set(own);
}

/* Claims and runs pool tasks until a claim is not valid; returns the run
 * number of the last claim. */
static uint64_t pool_work(pool *p, float *ws) {
    const uint64_t own = dsc__fpenv_get();
    uint64_t cur = own;
    for (;;) {
        const uint64_t c = atomic_fetch_add_explicit(&p->claim, 1, memory_order_acq_rel);
        const uint64_t sz = atomic_load_explicit(&p->size, memory_order_acquire);
        const size_t t = (size_t)(c & LOW32), n = (size_t)(sz & LOW32);
        if ((sz >> 32) != (c >> 32) || t >= n) {
            if (cur != own) dsc__fpenv_set(own);
            return c >> 32;
        }
        if (cur != p->fpctl) dsc__fpenv_set(cur = p->fpctl);
        p->fn(p->ctx, t, ws);
        if (atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel) + 1 == n) {
            pthread_mutex_lock(&p->m);
            pthread_cond_signal(&p->finished);
            pthread_mutex_unlock(&p->m);
        }
    }
}

static void *worker(void *arg) {
    pool *p = arg;
    pthread_mutex_lock(&p->m);
    const size_t id = ++p->started; /* lanes 1 .. lanes-1; the caller is lane 0 */
    pthread_mutex_unlock(&p->m);
    float *ws = p->ws != NULL ? p->ws + id * p->ws_stride : NULL;
    uint64_t seen = 0;              /* run 0 is never posted */
    for (;;) {
        uint64_t g = seen;
        for (int s = 0; s < SPIN_ROUNDS && g == seen; s++) {
            g = atomic_load_explicit(&p->claim, memory_order_acquire) >> 32;
            if (g == seen) CPU_RELAX();
        }
        if (g == seen) {
            pthread_mutex_lock(&p->m);
            while ((atomic_load_explicit(&p->claim, memory_order_acquire) >> 32) == seen &&
                   !atomic_load_explicit(&p->quit, memory_order_acquire))
                pthread_cond_wait(&p->wake, &p->m);
            pthread_mutex_unlock(&p->m);
        }
        if (atomic_load_explicit(&p->quit, memory_order_acquire)) return NULL;
        seen = pool_work(p, ws);
    }
}

static void pool_run(pool *p, dsc__task_fn fn, void *ctx, size_t ntasks, uint64_t fpctl) {
    const uint64_t g = ++p->run_no & LOW32;
    p->fn = fn;
    p->ctx = ctx;
    p->fpctl = fpctl;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->size, g << 32 | ntasks, memory_order_release);
    atomic_store_explicit(&p->claim, g << 32, memory_order_release);
    /* Taking the mutex orders the store before any sleeper's check. */
    pthread_mutex_lock(&p->m);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->m);
    (void)pool_work(p, p->ws);
    for (int s = 0; s < SPIN_ROUNDS; s++) {
        if (atomic_load_explicit(&p->done, memory_order_acquire) == ntasks) return;
        CPU_RELAX();
    }
    pthread_mutex_lock(&p->m);
    while (atomic_load_explicit(&p->done, memory_order_acquire) != ntasks)
        pthread_cond_wait(&p->finished, &p->m);
    pthread_mutex_unlock(&p->m);
}

static void host_task(void *arg, size_t i) {
    run *r = arg;
    lane(r, i);
}

static void host_run(host *h, run *r) {
    r->ws = h->ws;
    r->ws_stride = h->ws_stride;
    h->fn(h->user, h->lanes, host_task, r);
}

/* ---- starting and stopping ---------------------------------------------- */

/* Floats of one lane's workspace: the largest any kernel table needs (a
 * handle keeps the table it was created with, dsc_set_isa notwithstanding). */
static size_t ws_floats(void) {
    size_t w = 0;
    for (int i = 0; i < DSC_ISA_COUNT; i++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)i);
        if (k != NULL && k->gemm_ws_floats > w) w = k->gemm_ws_floats;
    }
    /* Keep each lane's block 64-byte aligned. */
    return (w + 15) / 16 * 16;
}

static float *alloc_ws(size_t lanes, size_t stride) {
    size_t n;
    if (stride == 0) return NULL;
    if (!dsc__mul_ok(lanes, stride, &n) || !dsc__mul_ok(n, sizeof(float), &n)) return NULL;
    return dsc__alloc(n);
}

static void pool_stop(pool *p) {
    if (p == NULL) return;
    pthread_mutex_lock(&p->m);
    atomic_store_explicit(&p->quit, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->m);
    for (size_t i = 0; i < p->created; i++) pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->finished);
    pthread_mutex_destroy(&p->m);
    dsc__free(p->ws);
    dsc__free(p);
}

/* A pool of lanes - 1 threads, or NULL (with the message set) if memory or
 * a thread cannot be had; then nothing is left running or allocated. */
static pool *pool_start(size_t lanes, const char *fn, dsc_status *st) {
    pool *p = dsc__calloc(1, sizeof *p);
    size_t stride = ws_floats();
    float *ws = alloc_ws(lanes, stride);
    if (p == NULL || (stride != 0 && ws == NULL)) {
        dsc__free(p);
        dsc__free(ws);
        *st = dsc__error(DSC_E_NOMEM, "%s: out of memory for a pool of %zu threads", fn, lanes);
        return NULL;
    }
    p->ws = ws;
    p->ws_stride = stride;
    pthread_mutex_init(&p->m, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->finished, NULL);
    /* Workers take no signals: the host's handlers run on the host's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = 0;
    for (; p->created < lanes - 1; p->created++) {
        err = pthread_create(&p->threads[p->created], NULL, worker, p);
        if (err != 0) break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        const size_t made = p->created;
        pool_stop(p);
        *st = dsc__error(DSC_E_NOMEM, "%s: could not start thread %zu of %zu (%s)", fn, made + 1,
                         lanes - 1, strerror(err));
        return NULL;
    }
    return p;
}

/* Installs an executor (both NULL: the calling thread alone) and frees the
 * previous one. Called with run_lock held. */
static void install(pool *p, host *h, size_t lanes) {
    pool *old_pool = the_pool;
    host *old_host = the_host;
    the_pool = p;
    the_host = h;
    atomic_store_explicit(&lanes_now, lanes, memory_order_relaxed);
    pool_stop(old_pool);
    if (old_host != NULL) {
        dsc__free(old_host->ws);
        dsc__free(old_host);
    }
}

static size_t cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DSC__MAX_LANES ? DSC__MAX_LANES : (size_t)n;
}

/* Threads n (0: one per core) with run_lock held. */
static dsc_status set_threads_locked(int n, const char *fn) {
    size_t lanes = n == 0 ? cores() : (size_t)n;
    pool *p = NULL;
    if (lanes > 1) {
        dsc_status st = DSC_OK;
        p = pool_start(lanes, fn, &st);
        if (p == NULL) return st;
    }
    install(p, NULL, lanes);
    return DSC_OK;
}

/* DESCENT_THREADS, once, unless a setter came first: a decimal count from 0
 * to DSC__MAX_LANES; anything else, or a pool that cannot start, leaves
 * threads off. */
static void read_env(void) {
    pthread_mutex_lock(&run_lock);
    const char *env = getenv("DESCENT_THREADS");
    if (!chosen && env != NULL && env[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long n = strtol(env, &end, 10);
        if (errno == 0 && *end == '\0' && n >= 0 && n <= DSC__MAX_LANES)
            (void)set_threads_locked((int)n, "DESCENT_THREADS");
    }
    pthread_mutex_unlock(&run_lock);
}

/* ---- the entry points --------------------------------------------------- */

void dsc__parallel_run(size_t ntasks, dsc__task_fn fn, void *ctx, float *caller_ws) {
    pthread_once(&env_once, read_env);
    if (ntasks > 1 && atomic_load_explicit(&lanes_now, memory_order_relaxed) > 1 &&
        pthread_mutex_trylock(&run_lock) == 0) {
        if (the_pool != NULL) {
            pool_run(the_pool, fn, ctx, ntasks, dsc__fpenv_get());
            pthread_mutex_unlock(&run_lock);
            return;
        }
        if (the_host != NULL) {
            run r;
            r.fn = fn;
            r.ctx = ctx;
            r.ntasks = ntasks;
            atomic_init(&r.next, 0);
            r.fpctl = dsc__fpenv_get();
            host_run(the_host, &r);
            pthread_mutex_unlock(&run_lock);
            return;
        }
        pthread_mutex_unlock(&run_lock);
    }
    for (size_t t = 0; t < ntasks; t++) fn(ctx, t, caller_ws);
}

DSC_API dsc_status dsc_set_threads(int n) {
    static const char fn[] = "dsc_set_threads";
    DSC_RETURN_IF(n < 0 || n > DSC__MAX_LANES, DSC_E_ARG,
                  "%s: n is %d; it must be 0 (one thread per core), 1 (no threads: the calling "
                  "thread alone) or up to %d", fn, n, DSC__MAX_LANES);
    pthread_once(&env_once, read_env);
    pthread_mutex_lock(&run_lock);
    dsc_status st = set_threads_locked(n, fn);
    if (st == DSC_OK) chosen = 1;
    pthread_mutex_unlock(&run_lock);
    return st;
}

DSC_API int dsc_threads(void) {
    pthread_once(&env_once, read_env);
    return (int)atomic_load_explicit(&lanes_now, memory_order_relaxed);
}

DSC_API dsc_status dsc_set_parallel_for(dsc_parallel_for_fn fn, void *user, int width) {
    static const char fn_name[] = "dsc_set_parallel_for";
    if (fn == NULL) {
        DSC_RETURN_IF(width != 0, DSC_E_ARG,
                      "%s: width is %d with no function; it must be 0 (removing the callback)",
                      fn_name, width);
    } else {
        DSC_RETURN_IF(width < 1 || width > DSC__MAX_LANES, DSC_E_ARG,
                      "%s: width is %d; it must be from 1 to %d (how many tasks the host runs at "
                      "once)", fn_name, width, DSC__MAX_LANES);
    }
    pthread_once(&env_once, read_env);
    host *h = NULL;
    if (fn != NULL) {
        size_t lanes = (size_t)width, stride = ws_floats();
        h = dsc__calloc(1, sizeof *h);
        float *ws = alloc_ws(lanes, stride);
        if (h == NULL || (stride != 0 && ws == NULL)) {
            dsc__free(h);
            dsc__free(ws);
            return dsc__error(DSC_E_NOMEM, "%s: out of memory for %d workspaces", fn_name, width);
        }
        h->fn = fn;
        h->user = user;
        h->lanes = lanes;
        h->ws = ws;
        h->ws_stride = stride;
    }
    pthread_mutex_lock(&run_lock);
    install(NULL, h, h != NULL ? h->lanes : 1);
    chosen = 1;
    pthread_mutex_unlock(&run_lock);
    return DSC_OK;
}
