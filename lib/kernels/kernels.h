/* The kernel table: every piece of arithmetic the library does in bulk, as
 * function pointers filled per ISA. This is the only file that states the
 * kernels' contracts; the ISA directories implement them.
 *
 * Layout: one directory per ISA (scalar/, sse2/, avx2/, avx512/, neon/), one
 * file per kernel family inside it, each compiled with its ISA's flags. Each
 * directory has an init.c exporting dsc__kernels_init_<isa>(), which
 * overwrites only the entries that ISA implements, on top of the table of the
 * ISA below it (dav1d's progressive init). scalar/ fills every entry and is
 * the reference.
 *
 * Rules for ISA files: every function static except the family's init; only
 * static inline helpers in headers they include; no globals; no calls into
 * the rest of lib/; no LTO.
 *
 * Contracts common to every kernel unless its comment says otherwise:
 * - Row-major matrices with explicit leading dimensions (ld >= row width).
 * - Any alignment is accepted; n = 0 (or m = 0) does nothing and touches no
 *   memory; outputs are written exactly within their extents (no over-write
 *   past the last element, not even by tail loops).
 * - Inputs and outputs do not overlap unless the comment allows it.
 * - Results are deterministic: a kernel of one ISA gives bit-identical
 *   results for identical inputs; every ISA matches scalar within the
 *   tolerance stated in tests/test_kernels.c.
 */
#ifndef DSC_KERNELS_H
#define DSC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Kernel sets in rising order; a CPU that runs one runs all below it on the
 * same architecture (x86: scalar < sse2 < avx2 < avx512; arm: scalar < neon). */
typedef enum dsc_isa_id {
    DSC_ISA_SCALAR = 0,
    DSC_ISA_SSE2 = 1,
    DSC_ISA_AVX2 = 2,   /* AVX2 + FMA3 */
    DSC_ISA_AVX512 = 3, /* AVX-512 F + CD + BW + DQ + VL (x86-64-v4) */
    DSC_ISA_NEON = 4,   /* AArch64 Advanced SIMD */
    DSC_ISA_COUNT = 5
} dsc_isa_id;

/* Activation functions with a forward and a backward kernel each. */
typedef enum dsc_act_id {
    DSC_ACT_IDENTITY = 0,
    DSC_ACT_RELU = 1,       /* relu'(0) = 0, as PyTorch */
    DSC_ACT_LEAKY_RELU = 2, /* slope alpha for x < 0 */
    DSC_ACT_SIGMOID = 3,
    DSC_ACT_TANH = 4,
    DSC_ACT_GELU = 5,       /* exact form x * Phi(x), PyTorch's default */
    DSC_ACT_COUNT = 6
} dsc_act_id;

/* Per-step scalars of a fused optimizer update, computed by lib/optim (in
 * double, rounded once). A kernel reads only the fields its comment names. */
typedef struct dsc_update_args {
    float lr;             /* learning rate of the group */
    float weight_decay;   /* L2 penalty (coupled) or decoupled factor (AdamW) */
    float momentum;       /* SGD, RMSprop momentum */
    float dampening;      /* SGD */
    float beta1, beta2;   /* Adam family */
    float eps;
    float alpha;          /* RMSprop smoothing constant */
    float rho;            /* Adadelta */
    float step_size;      /* optimizer-specific precomputed step, see each kernel */
    float c0, c1, c2;     /* optimizer-specific precomputed scalars, see each kernel */
    int nesterov;         /* SGD */
    int maximize;         /* negate the gradient first */
    int amsgrad;          /* Adam/AdamW */
    int centered;         /* RMSprop */
    int first_step;       /* SGD: momentum buffer starts as the gradient */
    int decoupled;        /* AdamW-style decoupled weight decay */
} dsc_update_args;

typedef struct dsc_kernels {
    dsc_isa_id id;        /* which ISA's init ran last on this table */
    const char *isa;      /* its name: "scalar", "sse2", "avx2", "avx512", "neon" */

    /* ---- GEMM: the three products backprop needs ----------------------
     * ws: caller-provided workspace of at least gemm_ws_floats floats,
     * 64-byte aligned (may be NULL when gemm_ws_floats is 0); the kernels use
     * it for packing and keep nothing in it between calls. gemm_ws_floats is
     * a constant of the table, the same for every m, n, k (allocate once).
     * Nothing is read past the extents of a, b, bias (no over-read of the
     * last row, whatever the ISA). Accumulation order over k is fixed per ISA
     * and shape (deterministic, not equal across ISAs); bias and the old C
     * are added after the products' sum. Tolerances against a double-precision
     * result are stated in tests/test_kernels_gemm.c. */
    size_t gemm_ws_floats;
    /* C[m x n] = A[m x k] . B[n x k]^T (+ bias[n] broadcast over rows if bias
     * is not NULL). Forward of a dense layer: Y = X W^T + b. Overwrites C. */
    void (*gemm_nt)(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, const float *bias, float *c, size_t ldc, float *ws);
    /* C[m x n] = A[m x k] . B[k x n]. Input gradient: dX = dY W. Overwrites C. */
    void (*gemm_nn)(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws);
    /* C[m x n] += A[k x m]^T . B[k x n]. Weight gradient: dW += dY^T X.
     * Accumulates into C (gradients accumulate until zeroed). */
    void (*gemm_tn)(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws);
    /* db[j] += sum_i dy[i][j] for i < m, j < n (bias gradient). */
    void (*bias_grad)(size_t m, size_t n, const float *dy, size_t lddy, float *db);

    /* ---- Activations ---------------------------------------------------
     * forward: y[i] = f(x[i]); y may equal x (in place).
     * backward: dx[i] = dy[i] * f'(x[i]), given the forward input x and
     * output y (each kernel uses whichever is cheaper); dx may equal dy.
     * alpha is the leaky-ReLU slope, ignored by the others. */
    void (*act_forward[DSC_ACT_COUNT])(size_t n, const float *x, float *y, float alpha);
    void (*act_backward[DSC_ACT_COUNT])(size_t n, const float *x, const float *y,
                                        const float *dy, float *dx, float alpha);

    /* ---- Softmax -------------------------------------------------------
     * softmax: y row i = softmax(x row i), stable (max subtracted); y may equal x. */
    void (*softmax)(size_t m, size_t n, const float *x, size_t ldx, float *y, size_t ldy);
    /* Cross-entropy with the softmax fused in, on integer labels (each in
     * 0..n-1, checked by the caller). Returns sum_i -log softmax(z_i)[label_i]
     * computed stably (log-sum-exp) in double. If dz is not NULL, writes
     * dz_i = gscale * (softmax(z_i) - onehot(label_i)); dz may equal z. */
    double (*softmax_xent)(size_t m, size_t n, const float *z, size_t ldz, const int32_t *labels,
                           float gscale, float *dz, size_t lddz);

    /* ---- Reductions and elementwise ------------------------------------
     * Sums accumulate in double in a fixed order per ISA. */
    double (*sum)(size_t n, const float *x);
    double (*sumsq)(size_t n, const float *x);
    float (*maxabs)(size_t n, const float *x);       /* 0 for n = 0; NaN if any is NaN */
    int (*all_finite)(size_t n, const float *x);     /* 1 if no NaN or infinity */
    void (*scale)(size_t n, float *x, float s);      /* x *= s */
    void (*clamp)(size_t n, float *x, float lo, float hi); /* x = min(max(x, lo), hi) */

    /* ---- Fused optimizer updates: one pass over memory -----------------
     * p: parameters (updated in place); g: gradients (read only, never
     * modified: maximize and weight decay act on a local copy); state
     * buffers are updated in place. Formulas are torch.optim's (see
     * lib/optim/<name>.c for each derivation and FORMAT.md's traps). */
    void (*update_sgd)(size_t n, float *p, const float *g, float *buf, const dsc_update_args *a);
    void (*update_adagrad)(size_t n, float *p, const float *g, float *sum, const dsc_update_args *a);
    void (*update_rmsprop)(size_t n, float *p, const float *g, float *sq_avg, float *grad_avg,
                           float *buf, const dsc_update_args *a);
    void (*update_adam)(size_t n, float *p, const float *g, float *m, float *v, float *vmax,
                        const dsc_update_args *a);
    void (*update_adadelta)(size_t n, float *p, const float *g, float *sq_avg, float *acc_delta,
                            const dsc_update_args *a);
    void (*update_adamax)(size_t n, float *p, const float *g, float *m, float *u,
                          const dsc_update_args *a);
    void (*update_nadam)(size_t n, float *p, const float *g, float *m, float *v,
                         const dsc_update_args *a);
    void (*update_radam)(size_t n, float *p, const float *g, float *m, float *v,
                         const dsc_update_args *a);
} dsc_kernels;

/* The table new handles should cache (the current ISA). Never NULL. */
const dsc_kernels *dsc__kernels(void);
/* The table of one ISA, or NULL if this CPU or build cannot run it. */
const dsc_kernels *dsc__kernels_for(dsc_isa_id id);
/* Name of an ISA id; "unknown" if out of range. */
const char *dsc__isa_name(dsc_isa_id id);

/* CPU detection (cpu_x86.c / cpu_arm.c): the best ISA this CPU and this
 * build can run. */
dsc_isa_id dsc__cpu_best_isa(void);

/* Progressive initializers, one per ISA directory. */
void dsc__kernels_init_scalar(dsc_kernels *k);
void dsc__kernels_init_sse2(dsc_kernels *k);
void dsc__kernels_init_avx2(dsc_kernels *k);
void dsc__kernels_init_avx512(dsc_kernels *k);
void dsc__kernels_init_neon(dsc_kernels *k);

/* Per-family initializers inside each ISA directory (<isa>/<family>.c). */
#define DSC_KERNEL_FAMILIES(isa)                     \
    void dsc__##isa##_init_gemm(dsc_kernels *k);     \
    void dsc__##isa##_init_act(dsc_kernels *k);      \
    void dsc__##isa##_init_reduce(dsc_kernels *k);   \
    void dsc__##isa##_init_update(dsc_kernels *k);
DSC_KERNEL_FAMILIES(scalar)
DSC_KERNEL_FAMILIES(sse2)
DSC_KERNEL_FAMILIES(avx2)
DSC_KERNEL_FAMILIES(avx512)
DSC_KERNEL_FAMILIES(neon)

#endif
