/* Kernel calls split into tasks for a parallel run (threads.h). The split
 * points depend on the shape only, never on the thread count, and partial
 * results are combined in task order, so a result is bit-identical whether
 * one thread or many compute it. Work below a grain is one task: the kernel
 * is then called exactly as without threads, on the calling thread.
 *
 * Elementwise kernels (activations, the optimizer updates and their checks)
 * give the same bits split or not; GEMM and the reductions give, for a large
 * shape, the bits of their fixed split, which differ from one unsplit call
 * by rounding only. */
#ifndef DSC_KERNELS_SPLIT_H
#define DSC_KERNELS_SPLIT_H

#include "kernels.h"
#include "threads.h"

#include <stddef.h>

/* Elements per task of elementwise work and of the reductions. */
#define DSC__SPLIT_GRAIN ((size_t)1 << 16)
/* Most tasks of one split (the reductions' partial sums fit in this many). */
#define DSC__SPLIT_MAX 64

/* The number of tasks for n items: the largest power of two <= n / grain,
 * from 1 to max_tasks and to the count of align-sized units. */
size_t dsc__split_count(size_t n, size_t grain, size_t align, size_t max_tasks);
/* Task t's range [*lo, *hi) of n items cut into tasks pieces whose sizes
 * are multiples of align (but the last) and differ by at most align. */
void dsc__split_range(size_t n, size_t tasks, size_t align, size_t t, size_t *lo, size_t *hi);

/* The kernels of kernels.h with the same arguments (k first), split. */
void dsc__split_gemm_nt(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, const float *bias, float *c,
                        size_t ldc, float *ws);
void dsc__split_gemm_nn(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, float *c, size_t ldc, float *ws);
void dsc__split_gemm_tn(const dsc_kernels *k, size_t m, size_t n, size_t kk, const float *a,
                        size_t lda, const float *b, size_t ldb, float *c, size_t ldc, float *ws);
void dsc__split_act_forward(const dsc_kernels *k, dsc_act_id act, size_t n, const float *x,
                            float *y, float alpha);
void dsc__split_act_backward(const dsc_kernels *k, dsc_act_id act, size_t n, const float *x,
                             const float *y, const float *dy, float *dx, float alpha);
double dsc__split_softmax_xent(const dsc_kernels *k, size_t m, size_t n, const float *z,
                               size_t ldz, const int32_t *labels, float gscale, float *dz,
                               size_t lddz);
/* sumsq (exact = 1) or sumsq_fast (exact = 0). */
double dsc__split_sumsq(const dsc_kernels *k, size_t n, const float *x, int exact);
/* dsc__split_sumsq in pieces, for a caller that sums a buffer while it is
 * being produced (the fused training step): the split's task count for n,
 * task t's range, the partial sums of tasks [t0, t1) into part[t0..t1)
 * (split over the threads), and the sum of all tasks' parts in task order,
 * which is bit for bit what dsc__split_sumsq returns. */
size_t dsc__split_sumsq_tasks(size_t n);
void dsc__split_sumsq_range(size_t n, size_t tasks, size_t t, size_t *lo, size_t *hi);
void dsc__split_sumsq_parts(const dsc_kernels *k, size_t n, const float *x, int exact, size_t t0,
                            size_t t1, double *part);
double dsc__split_sumsq_combine(const double *part, size_t tasks);

#endif
