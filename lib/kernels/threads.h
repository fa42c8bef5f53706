/* Parallel runs: a fixed list of tasks executed by the calling thread alone
 * (the default), by the built-in pool (dsc_set_threads, DESCENT_THREADS) or
 * by the host's job system (dsc_set_parallel_for). Who runs a task never
 * changes what it computes: callers split their work at points that depend
 * on the shape only (split.h) and combine partial results in task order,
 * so results are bit-identical for any thread count. */
#ifndef DSC_KERNELS_THREADS_H
#define DSC_KERNELS_THREADS_H

#include <stddef.h>

/* The most threads (lanes) a parallel run may use. */
#define DSC__MAX_LANES 256

/* One task: task index t of a run, with a GEMM workspace private to the
 * thread running it (the caller's own when the run is on the calling
 * thread; may be NULL when the kernel table needs none). */
typedef void (*dsc__task_fn)(void *ctx, size_t t, float *ws);

/* Runs fn(ctx, t, ws) for every t < ntasks and returns when all have
 * returned. Must be called between dsc__fpenv_enter and dsc__fpenv_leave:
 * the other threads run the tasks in the caller's floating-point mode.
 * Runs on the calling thread alone (in task order, with caller_ws) when
 * threads are off, ntasks is 1, or another run is under way (a second
 * caller, or a task of this run, never waits for the pool). Allocates
 * nothing. */
void dsc__parallel_run(size_t ntasks, dsc__task_fn fn, void *ctx, float *caller_ws);

#endif
