/* Kernel calls split at fixed points into tasks of a parallel run (split.h).
 *
 * GEMM is split over blocks of its output C: along n (columns) when n >= m,
 * else along m (rows), each task one kernel call on its block, with a
 * workspace of its own. Sizes are from shape alone, about 2^19
 * multiply-adds per task (some 50 microseconds on one x86 core), at most 8
 * tasks: the work of one training step of a small model stays one call on
 * the calling thread. */
#include "split.h"

#define GEMM_GRAIN ((double)(1u << 19))
#define GEMM_MAX_TASKS 8
/* Block sizes are multiples of these (a whole number of micro-tile columns
 * or rows on every kernel set, so no block gets needless edge tiles). */
#define GEMM_ALIGN_N 16
#define GEMM_ALIGN_M 8
/* Elementwise blocks start on 64-byte lines. */
#define ELEM_ALIGN 16

static size_t pow2_floor(size_t v) {
    size_t p = 1;
    while (p <= v / 2) p *= 2;
    return p;
}

size_t dsc__split_count(size_t n, size_t grain, size_t align, size_t max_tasks) {
    size_t units = (n + align - 1) / align;
    size_t t = pow2_floor(n / grain > 0 ? n / grain : 1);
    if (t > max_tasks) t = max_tasks;
    if (t > units) t = units > 0 ? units : 1;
    return t;
}

void dsc__split_range(size_t n, size_t tasks, size_t align, size_t t, size_t *lo, size_t *hi) {
    size_t units = (n + align - 1) / align, per = units / tasks, rem = units % tasks;
    size_t u0 = t * per + (t < rem ? t : rem), u1 = u0 + per + (t < rem ? 1 : 0);
    *lo = u0 * align < n ? u0 * align : n;
    *hi = u1 * align < n ? u1 * align : n;
}

/* ---- GEMM --------------------------------------------------------------- */

enum { FORM_NT, FORM_NN, FORM_TN };

typedef struct gemm_job {
    const dsc_kernels *k;
    int form, along_n;
    size_t m, n, kk, tasks;
    const float *a, *b, *bias;
    size_t lda, ldb, ldc;
    float *c;
} gemm_job;

static void gemm_task(void *ctx, size_t t, float *ws) {
    const gemm_job *j = ctx;
    size_t lo, hi;
    if (j->along_n) {
        dsc__split_range(j->n, j->tasks, GEMM_ALIGN_N, t, &lo, &hi);
        size_t w = hi - lo;
        switch (j->form) {
        case FORM_NT: /* B rows are C columns */
            j->k->gemm_nt(j->m, w, j->kk, j->a, j->lda, j->b + lo * j->ldb, j->ldb,
                          j->bias != NULL ? j->bias + lo : NULL, j->c + lo, j->ldc, ws);
            break;
        case FORM_NN:
            j->k->gemm_nn(j->m, w, j->kk, j->a, j->lda, j->b + lo, j->ldb, j->c + lo, j->ldc, ws);
            break;
        default:
            j->k->gemm_tn(j->m, w, j->kk, j->a, j->lda, j->b + lo, j->ldb, j->c + lo, j->ldc, ws);
            break;
        }
    } else {
        dsc__split_range(j->m, j->tasks, GEMM_ALIGN_M, t, &lo, &hi);
        size_t h = hi - lo;
        float *c = j->c + lo * j->ldc;
        switch (j->form) {
        case FORM_NT:
            j->k->gemm_nt(h, j->n, j->kk, j->a + lo * j->lda, j->lda, j->b, j->ldb, j->bias, c,
                          j->ldc, ws);
            break;
        case FORM_NN:
            j->k->gemm_nn(h, j->n, j->kk, j->a + lo * j->lda, j->lda, j->b, j->ldb, c, j->ldc, ws);
            break;
        default: /* A is k x m: C rows are A columns */
            j->k->gemm_tn(h, j->n, j->kk, j->a + lo, j->lda, j->b, j->ldb, c, j->ldc, ws);
            break;
        }
    }
}

/* Tasks of an m x n x kk product: 1 below two grains of work. */
static void gemm_split(gemm_job *j, float *ws) {
    double work = (double)j->m * (double)j->n * (double)j->kk;
    j->along_n = j->n >= j->m;
    size_t dim = j->along_n ? j->n : j->m, align = j->along_n ? GEMM_ALIGN_N : GEMM_ALIGN_M;
    size_t want = work >= GEMM_GRAIN * GEMM_MAX_TASKS ? GEMM_MAX_TASKS : (size_t)(work / GEMM_GRAIN);
    j->tasks = dsc__split_count(want, 1, 1, GEMM_MAX_TASKS);
    size_t units = (dim + align - 1) / align;
    if (j->tasks > units) j->tasks = units > 0 ? units : 1;
    if (j->tasks <= 1) {
        j->tasks = 1;
        j->along_n = 1;
        gemm_task(j, 0, ws); /* the unsplit call, exactly */
        return;
    }
    dsc__parallel_run(j->tasks, gemm_task, j, ws);
}

void dsc__split_gemm_nt(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, const float *bias, float *c,
                        size_t ldc, float *ws) {
    gemm_job j = {k, FORM_NT, 0, m, n, kk, 0, a, b, bias, lda, ldb, ldc, c};
    gemm_split(&j, ws);
}

void dsc__split_gemm_nn(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, float *c, size_t ldc, float *ws) {
    gemm_job j = {k, FORM_NN, 0, m, n, kk, 0, a, b, NULL, lda, ldb, ldc, c};
    gemm_split(&j, ws);
}

void dsc__split_gemm_tn(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, float *c, size_t ldc, float *ws) {
    gemm_job j = {k, FORM_TN, 0, m, n, kk, 0, a, b, NULL, lda, ldb, ldc, c};
    gemm_split(&j, ws);
}

/* ---- activations ------------------------------------------------------- */

typedef struct act_job {
    const dsc_kernels *k;
    dsc_act_id act;
    size_t n, tasks;
    const float *x, *y, *dy;
    float *out; /* y (forward) or dx (backward) */
    float alpha;
    int backward;
} act_job;

static void act_task(void *ctx, size_t t, float *ws) {
    (void)ws;
    const act_job *j = ctx;
    size_t lo, hi;
    dsc__split_range(j->n, j->tasks, ELEM_ALIGN, t, &lo, &hi);
    if (j->backward)
        j->k->act_backward[j->act](hi - lo, j->x + lo, j->y + lo, j->dy + lo, j->out + lo, j->alpha);
    else
        j->k->act_forward[j->act](hi - lo, j->x + lo, j->out + lo, j->alpha);
}

void dsc__split_act_forward(const dsc_kernels *k, dsc_act_id act, size_t n, const float *x,
                            float *y, float alpha) {
    size_t tasks = dsc__split_count(n, DSC__SPLIT_GRAIN, ELEM_ALIGN, DSC__SPLIT_MAX);
    if (tasks == 1) {
        k->act_forward[act](n, x, y, alpha);
        return;
    }
    act_job j = {k, act, n, tasks, x, NULL, NULL, y, alpha, 0};
    dsc__parallel_run(tasks, act_task, &j, NULL);
}

void dsc__split_act_backward(const dsc_kernels *k, dsc_act_id act, size_t n, const float *x,
                             const float *y, const float *dy, float *dx, float alpha) {
    size_t tasks = dsc__split_count(n, DSC__SPLIT_GRAIN, ELEM_ALIGN, DSC__SPLIT_MAX);
    if (tasks == 1) {
        k->act_backward[act](n, x, y, dy, dx, alpha);
        return;
    }
    act_job j = {k, act, n, tasks, x, y, dy, dx, alpha, 1};
    dsc__parallel_run(tasks, act_task, &j, NULL);
}

/* ---- softmax cross-entropy: rows ------------------------------------- */

typedef struct xent_job {
    const dsc_kernels *k;
    size_t m, n, tasks;
    const float *z;
    size_t ldz, lddz;
    const int32_t *labels;
    float gscale;
    float *dz;
    double part[DSC__SPLIT_MAX];
} xent_job;

static void xent_task(void *ctx, size_t t, float *ws) {
    (void)ws;
    xent_job *j = ctx;
    size_t lo, hi;
    dsc__split_range(j->m, j->tasks, 1, t, &lo, &hi);
    j->part[t] = j->k->softmax_xent(hi - lo, j->n, j->z + lo * j->ldz, j->ldz, j->labels + lo,
                                    j->gscale, j->dz != NULL ? j->dz + lo * j->lddz : NULL,
                                    j->lddz);
}

double dsc__split_softmax_xent(const dsc_kernels *k, size_t m, size_t n, const float *z,
                               size_t ldz, const int32_t *labels, float gscale, float *dz,
                               size_t lddz) {
    /* Rows per task: enough that a task holds a grain of elements. */
    size_t grain_rows = n > 0 ? (DSC__SPLIT_GRAIN + n - 1) / n : 1;
    size_t tasks = dsc__split_count(m, grain_rows, 1, DSC__SPLIT_MAX);
    if (tasks == 1) return k->softmax_xent(m, n, z, ldz, labels, gscale, dz, lddz);
    xent_job j = {k, m, n, tasks, z, ldz, lddz, labels, gscale, dz, {0}};
    dsc__parallel_run(tasks, xent_task, &j, NULL);
    double s = 0.0;
    for (size_t t = 0; t < tasks; t++) s += j.part[t];
    return s;
}

/* ---- reductions -------------------------------------------------------- */

typedef struct reduce_job {
    const dsc_kernels *k;
    size_t n, tasks, first; /* task t of the run is task first + t of the split */
    const float *x;
    int exact;
    double *part;           /* indexed by the split's task */
} reduce_job;

static void reduce_task(void *ctx, size_t t, float *ws) {
    (void)ws;
    reduce_job *j = ctx;
    size_t lo, hi;
    t += j->first;
    dsc__split_range(j->n, j->tasks, ELEM_ALIGN, t, &lo, &hi);
    if (j->exact) j->part[t] = j->k->sumsq(hi - lo, j->x + lo);
    else j->part[t] = j->k->sumsq_fast(hi - lo, j->x + lo);
}

size_t dsc__split_sumsq_tasks(size_t n) {
    return dsc__split_count(n, DSC__SPLIT_GRAIN, ELEM_ALIGN, DSC__SPLIT_MAX);
}

void dsc__split_sumsq_range(size_t n, size_t tasks, size_t t, size_t *lo, size_t *hi) {
    dsc__split_range(n, tasks, ELEM_ALIGN, t, lo, hi);
}

void dsc__split_sumsq_parts(const dsc_kernels *k, size_t n, const float *x, int exact, size_t t0,
                            size_t t1, double *part) {
    reduce_job j = {k, n, dsc__split_sumsq_tasks(n), t0, x, exact, part};
    if (t1 - t0 == 1) reduce_task(&j, 0, NULL);
    else dsc__parallel_run(t1 - t0, reduce_task, &j, NULL);
}

double dsc__split_sumsq(const dsc_kernels *k, size_t n, const float *x, int exact) {
    size_t tasks = dsc__split_sumsq_tasks(n);
    if (tasks == 1) return exact ? k->sumsq(n, x) : k->sumsq_fast(n, x);
    double part[DSC__SPLIT_MAX];
    dsc__split_sumsq_parts(k, n, x, exact, 0, tasks, part);
    return dsc__split_sumsq_combine(part, tasks);
}

double dsc__split_sumsq_combine(const double *part, size_t tasks) {
    if (tasks == 1) return part[0];
    double s = 0.0;
    for (size_t t = 0; t < tasks; t++) s += part[t];
    return s;
}
