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
 * - Floating-point environment: every public compute entry point (optimizer
 *   step, model forward/backward, loss) brackets its kernel calls with
 *   dsc__fpenv_enter()/dsc__fpenv_leave() (fpenv.h), so kernels run with
 *   subnormals flushed to zero (x86 MXCSR FTZ|DAZ, AArch64 FPCR.FZ) unless
 *   the host chose to keep them (dsc_set_flush_denormals), round to nearest
 *   and exceptions masked, and the caller's control register comes back
 *   unchanged. Kernels themselves do not switch modes; they give correct
 *   results with or without flushing, and assume round-to-nearest.
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
    DSC_ACT_GELU_TANH = 6,  /* approximate='tanh' */
    DSC_ACT_COUNT = 7
} dsc_act_id;

/* Per-step scalars of a fused optimizer update, computed by lib/optim in
 * double and rounded once to float (as torch rounds a Python float scalar).
 * Every update kernel first forms the effective gradient of element i:
 *     g = clamp(g[i] * gscale, -gclip, gclip) * gsign
 * (clip_grad_norm_'s factor, clip_grad_value_'s bound, -1 for maximize;
 * gscale 1, gclip +inf and gsign 1 change nothing, bit for bit), then, when
 * weight_decay != 0 and the decay is coupled, g += weight_decay * p[i].
 * clamp(x, lo, hi) is min(max(x, lo), hi) with max(a, b) = a > b ? a : b and
 * min(a, b) = a < b ? a : b (x86 MAXPS/MINPS semantics, on every ISA).
 * g must be finite (dsc_optimizer_step checks it first); the identity
 * operations are skipped when clipping is off.
 * A kernel reads only the fields its comment names. */
typedef struct dsc_update_args {
    float gscale;         /* gradient scale of norm clipping; 1 = none */
    float gclip;          /* bound of value clipping; +inf = none */
    float gsign;          /* -1 to maximize, else 1 */
    float lr;             /* learning rate of the group */
    float weight_decay;   /* coupled L2 penalty; 0 = none */
    float momentum;       /* SGD, RMSprop */
    float one_m_dampening;/* SGD: 1 - dampening */
    float beta1, one_m_beta1; /* Adam family (and rho/alpha: see each kernel) */
    float beta2, one_m_beta2;
    float eps;
    float c0, c1, c2;     /* optimizer-specific precomputed scalars, see each kernel */
    float etaminus, etaplus;   /* Rprop: step-size factors after a sign change / agreement */
    float step_min, step_max;  /* Rprop: step-size bounds */
    int nesterov;         /* SGD */
    int first_step;       /* SGD: momentum buffer starts as the gradient;
                             Rprop: step sizes start at lr */
    int amsgrad;          /* Adam/AdamW */
    int centered;         /* RMSprop */
    int decoupled;        /* Adam: AdamW's decoupled weight decay, p *= c1 first */
    int rectify;          /* RAdam: use the adaptive term this step */
} dsc_update_args;

/* Geometry of max or average pooling (torch.nn.MaxPool2d / AvgPool2d) over
 * `planes` independent ih x iw planes (batch * channels of NCHW data), each
 * giving an oh x ow plane. Window (r, c) reads input rows r*sh - ph + i*dh
 * (i < kh) and columns c*sw - pw + j*dw (j < kw); cells outside the input are
 * padding. 1-d pooling is ih = oh = kh = sh = dh = 1, ph = 0. The caller
 * checks the sizes (PyTorch's output-size rule, every window starting inside
 * the input or its left padding, ih * iw < 2^31). dh, dw = 1 for averages. */
typedef struct dsc_pool_geom {
    size_t planes, ih, iw, oh, ow;
    size_t kh, kw, sh, sw, ph, pw, dh, dw;
    int count_include_pad; /* average: padding cells count in the divisor */
} dsc_pool_geom;

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
     * alpha is the leaky-ReLU slope, ignored by the others.
     * NaN inputs give NaN (relu included: x <= 0 ? 0 : x). sigmoid, tanh and
     * GELU are polynomial approximations in the SIMD sets, within the
     * errors stated in vmath.h (a few ulp). Elements are independent: the
     * result of one never depends on n, its position or the alignment. */
    void (*act_forward[DSC_ACT_COUNT])(size_t n, const float *x, float *y, float alpha);
    void (*act_backward[DSC_ACT_COUNT])(size_t n, const float *x, const float *y,
                                        const float *dy, float *dx, float alpha);

    /* ---- Softmax -------------------------------------------------------
     * softmax: y row i = softmax(x row i), stable (max subtracted); y may equal x.
     * Only the n elements of each row are written (the ld - n gap is not). */
    void (*softmax)(size_t m, size_t n, const float *x, size_t ldx, float *y, size_t ldy);
    /* Cross-entropy with the softmax fused in, on integer labels (each in
     * 0..n-1, checked by the caller). Returns sum_i -log softmax(z_i)[label_i]
     * computed stably (log-sum-exp) in double. If dz is not NULL, writes
     * dz_i = gscale * (softmax(z_i) - onehot(label_i)); dz may equal z. */
    double (*softmax_xent)(size_t m, size_t n, const float *z, size_t ldz, const int32_t *labels,
                           float gscale, float *dz, size_t lddz);

    /* ---- Reductions ----------------------------------------------------
     * sumsq = sum x_i^2, accumulated in double in a fixed order per ISA. */
    double (*sumsq)(size_t n, const float *x);
    /* sumsq to float precision, for the optimizer's global norm and
     * non-finite check when the norm only gets reported (no norm clipping).
     * The SIMD sets square and add up to 16 terms per lane in float before
     * widening to double: relative error below 2^-20 (scalar: sumsq itself).
     * NaN or infinity in x gives a non-finite result, finite x a finite one
     * (a float overflow or underflow is redone as sumsq). */
    double (*sumsq_fast)(size_t n, const float *x);
    int (*all_finite)(size_t n, const float *x);     /* 1 if no NaN or infinity */

    /* ---- Recurrent cells: one time step of torch.nn.LSTM / GRU ----------
     * m rows (samples), hidden size h. The gates' pre-activations come in
     * two parts, as PyTorch forms them: gx = W_ih x + b_ih (rows at stride
     * ldgx) and gh = W_hh h_prev + b_hh (rows at stride ldgh; ldgh = 0 reads
     * one row for every sample: b_hh alone at the first step, where
     * h_prev = 0). Gate blocks of a row: LSTM i f g o (4h), GRU r z n (3h).
     * A record (one contiguous row per sample) keeps what the backward
     * step needs:
     *   LSTM, 6h: i f g o (activated), c, tanh(c)
     *   GRU,  4h: r z n (activated), gh_n = W_hn h_prev + b_hn
     * Row strides of y, dy, hprev are those of a [batch, T, h] sequence.
     *
     * lstm_fwd: a = gh + gx; i, f, o = sigmoid(a), g = tanh(a);
     *   c = f*c_prev + i*g, c_prev from rec_prev (the previous step's
     *   records; NULL: c_prev = 0, then c = i*g); y = o*tanh(c).
     * gru_fwd: r = sigmoid(gh_r + gx_r), z = sigmoid(gh_z + gx_z),
     *   n = tanh(gx_n + r*gh_n); y = (h_prev - n)*z + n (PyTorch CPU's
     *   order); hprev NULL: h_prev = 0.
     * lstm_bwd: dh = dy + dhr (dhr: m x h contiguous, dG_{t+1} W_hh; NULL
     *   at the last step); dc (m x h contiguous) holds the cell gradient
     *   from step t+1 (zero at the last step) and becomes step t-1's:
     *   dc += dh*o*(1 - tanh(c)^2);  dg row = [dc*g*i(1-i), dc*c_prev*f(1-f),
     *   dc*i*(1-g^2), dh*tanh(c)*o(1-o)] (rows at stride lddg);  dc = dc*f.
     * gru_bwd: dh = dy + dhr + dhz, dhr as in lstm_bwd; dhz (m x h
     *   contiguous) holds h_prev's direct gradient from step t+1 (zero at the
     *   last step) and becomes dh*z. With d_n = dh*(1-z)*(1-n^2):
     *   dgx row = [d_n*gh_n*r(1-r), dh*(h_prev-n)*z(1-z), d_n] (stride
     *   lddgx), dgh row = the same with d_n*r last (m x 3h contiguous).
     * Tolerance against scalar: tests/test_kernels_rnn.c. */
    void (*lstm_fwd)(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                     size_t ldgh, const float *rec_prev, float *rec, float *y, size_t ldy);
    void (*gru_fwd)(size_t m, size_t h, const float *gx, size_t ldgx, const float *gh,
                    size_t ldgh, const float *hprev, size_t ldhp, float *rec, float *y,
                    size_t ldy);
    void (*lstm_bwd)(size_t m, size_t h, const float *rec, const float *rec_prev,
                     const float *dy, size_t ldy, const float *dhr, float *dc, float *dg,
                     size_t lddg);
    void (*gru_bwd)(size_t m, size_t h, const float *rec, const float *hprev, size_t ldhp,
                    const float *dy, size_t ldy, const float *dhr, float *dhz, float *dgx,
                    size_t lddgx, float *dgh);

    /* ---- Fused optimizer updates: one pass over memory -----------------
     * p: parameters (updated in place); g: gradients (read only, never
     * modified: clipping, maximize and weight decay act on the effective
     * gradient g above); state buffers are updated in place. Buffers a
     * setting leaves unused may be NULL and are not touched. Any alignment.
     * Each step is evaluated element by element with exactly the float
     * operations written here, in this order, without FMA contraction, so
     * every ISA gives results bit-identical to scalar (tests/test_kernels_update.c).
     * Formulas are torch.optim's; lib/optim/<name>.c derives the scalars.
     *
     * sgd: lr, weight_decay, momentum, one_m_dampening, nesterov, first_step.
     *   if momentum != 0: b = first_step ? g : momentum*b + one_m_dampening*g;
     *                     g = nesterov ? g + momentum*b : b
     *   p = p - lr*g.                       (buf NULL allowed if momentum == 0) */
    void (*update_sgd)(size_t n, float *p, const float *g, float *buf, const dsc_update_args *a);
    /* adagrad: weight_decay, eps, c0 = lr / (1 + (t-1)*lr_decay).
     *   s = s + g*g;  p = p - (c0*g) / (sqrt(s) + eps) */
    void (*update_adagrad)(size_t n, float *p, const float *g, float *sum, const dsc_update_args *a);
    /* rmsprop: weight_decay, beta2 = alpha, one_m_beta2 = 1-alpha, eps, lr,
     * momentum, centered.
     *   v = alpha*v + (1-alpha)*(g*g)
     *   centered: ga = alpha*ga + (1-alpha)*g;  d = sqrt(v - ga*ga) + eps
     *   else:     d = sqrt(v) + eps
     *   momentum > 0: b = momentum*b + g/d;  p = p - lr*b
     *   else:         p = p - lr*(g/d)
     * (grad_avg NULL allowed unless centered; buf NULL if momentum == 0) */
    void (*update_rmsprop)(size_t n, float *p, const float *g, float *sq_avg, float *grad_avg,
                           float *buf, const dsc_update_args *a);
    /* adam (and adamw): weight_decay, decoupled, c1 = 1 - lr*wd (decoupled),
     * beta1, one_m_beta1, beta2, one_m_beta2, eps, amsgrad,
     * c0 = lr / (1 - beta1^t), c2 = 1 / sqrt(1 - beta2^t) (a product, not
 * torch's quotient: one division less per element, within an ulp of it).
     *   decoupled: p = p*c1 (before g's weight decay, which is then skipped)
     *   m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*(g*g)
     *   amsgrad: vmax = max(vmax, v), w = vmax; else w = v
     *   p = p - (c0*m) / (sqrt(w)*c2 + eps)       (vmax NULL unless amsgrad) */
    void (*update_adam)(size_t n, float *p, const float *g, float *m, float *v, float *vmax,
                        const dsc_update_args *a);
    /* adadelta: weight_decay, beta1 = rho, one_m_beta1 = 1-rho, eps, lr.
     *   v = rho*v + (1-rho)*(g*g)
     *   d = (sqrt(u + eps) / sqrt(v + eps)) * g
     *   u = rho*u + (1-rho)*(d*d);  p = p - lr*d */
    void (*update_adadelta)(size_t n, float *p, const float *g, float *sq_avg, float *acc_delta,
                            const dsc_update_args *a);
    /* adamax: weight_decay, beta1, one_m_beta1, beta2, eps, c0 = lr / (1 - beta1^t).
     *   m = beta1*m + (1-beta1)*g;  u = max(beta2*u, |g| + eps)
     *   p = p - (c0*m) / u */
    void (*update_adamax)(size_t n, float *p, const float *g, float *m, float *u,
                          const dsc_update_args *a);
    /* nadam: weight_decay, beta1, one_m_beta1, beta2, one_m_beta2, eps,
     * c0 = lr*(1-mu)/(1-mu_product), c1 = lr*mu_next/(1-mu_product*mu_next),
     * c2 = 1 / (1 - beta2^t).
     *   m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*(g*g)
     *   d = sqrt(v * c2) + eps;  p = p - (c0*g)/d;  p = p - (c1*m)/d */
    void (*update_nadam)(size_t n, float *p, const float *g, float *m, float *v,
                         const dsc_update_args *a);
    /* radam: weight_decay, beta1, one_m_beta1, beta2, one_m_beta2, eps, rectify,
     * c0 = lr*rect*sqrt(1-beta2^t)/(1-beta1^t) if rectify, else lr/(1-beta1^t).
     *   m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*(g*g)
     *   rectify: p = p - (c0*m) / (sqrt(v) + eps);  else p = p - c0*m */
    void (*update_radam)(size_t n, float *p, const float *g, float *m, float *v,
                         const dsc_update_args *a);
    /* rprop: etaminus, etaplus, step_min, step_max, first_step, lr.
     * Comparisons are ordered (false for NaN); sel(c, x, y) = c ? x : y.
     *   q = g*prev (the float product, as torch's sign(grad.mul(prev)))
     *   s = first_step ? lr : step
     *   s = min(max(s * sel(q > 0, etaplus, sel(q < 0, etaminus, 1)), step_min), step_max)
     *   g = sel(q < 0, +0, g);  prev = g
     *   p = sel(g > 0, p - s, sel(g < 0, p + s, p)) */
    void (*update_rprop)(size_t n, float *p, const float *g, float *prev, float *step,
                         const dsc_update_args *a);

    /* ---- Checks of the updates ------------------------------------------
     * check_X takes update_X's arguments and writes nothing: it computes
     * every value update_X would store (parameters and state), with the
     * same operations in the same order, and returns 1 if all of them are
     * finite, 0 if one is NaN or infinite. The optimizer runs it before the
     * update (dsc_optimizer_step), so a step that would write a non-finite
     * value is refused with nothing changed. Bit-identical results across
     * ISAs make the verdict identical too. */
    int (*check_sgd)(size_t n, const float *p, const float *g, const float *buf,
                     const dsc_update_args *a);
    int (*check_adagrad)(size_t n, const float *p, const float *g, const float *sum,
                         const dsc_update_args *a);
    int (*check_rmsprop)(size_t n, const float *p, const float *g, const float *sq_avg,
                         const float *grad_avg, const float *buf, const dsc_update_args *a);
    int (*check_adam)(size_t n, const float *p, const float *g, const float *m, const float *v,
                      const float *vmax, const dsc_update_args *a);
    int (*check_adadelta)(size_t n, const float *p, const float *g, const float *sq_avg,
                          const float *acc_delta, const dsc_update_args *a);
    int (*check_adamax)(size_t n, const float *p, const float *g, const float *m, const float *u,
                        const dsc_update_args *a);
    int (*check_nadam)(size_t n, const float *p, const float *g, const float *m, const float *v,
                       const dsc_update_args *a);
    int (*check_radam)(size_t n, const float *p, const float *g, const float *m, const float *v,
                       const dsc_update_args *a);
    int (*check_rprop)(size_t n, const float *p, const float *g, const float *prev,
                       const float *step, const dsc_update_args *a);

    /* ---- Normalisation: batch norm and layer norm ----------------------
     * Batch-norm layout: x is [n][c][s], n samples of c channels of s
     * positions each (s = 1 for flat features, L for C x L, H*W for images);
     * channel j's values are the n*s floats x[i][j][0..s). Per-channel
     * arrays (mean, alpha, ...) have c floats. n*s >= 1.
     * Sums run in double (scalar, and the SIMD sets over a channel's
     * contiguous runs when s > 1) or in compensated (Kahan) float per lane
     * (the SIMD sets with s = 1, one channel per lane): within a few ulp of
     * the exact sum whatever n, in an order fixed per ISA and shape.
     * Elementwise results use exactly the float operations written here, in
     * this order, without FMA contraction: bit-identical on every ISA.
     *
     * bn_moments: mean[j] = sum x / (n*s) and the biased variance
     *   var[j] = sum (x - mean[j])^2 / (n*s) (two passes, centred on the
     *   float mean). Layer norm uses it with n = 1, c = rows, s = width. */
    void (*bn_moments)(size_t n, size_t c, size_t s, const float *x, float *mean, float *var);
    /* bn_apply: y = (x - mean[j]) * alpha[j] + beta[j]; y may equal x. */
    void (*bn_apply)(size_t n, size_t c, size_t s, const float *x, const float *mean,
                     const float *alpha, const float *beta, float *y);
    /* bn_backward_sums: sdy[j] = sum dy, sdxm[j] = sum dy * (x - mean[j])
     * (overwritten; products formed exactly in double, or in float for the
     * Kahan path). */
    void (*bn_backward_sums)(size_t n, size_t c, size_t s, const float *x, const float *dy,
                             const float *mean, float *sdy, float *sdxm);
    /* bn_backward_dx: dx = ((dy - gmean[j]) - (x - mean[j]) * k[j]) * g[j];
     * dx may equal dy. */
    void (*bn_backward_dx)(size_t n, size_t c, size_t s, const float *x, const float *dy,
                           const float *mean, const float *k, const float *gmean, const float *g,
                           float *dx);
    /* Layer norm over rows of d floats (row r: x + r*d), statistics per row
     * (mean[r], rstd[r] = 1/sqrt(var + eps)), affine per column (w, b: d).
     * ln_apply: y = ((x - mean[r]) * rstd[r]) * w[i] + b[i]; y may equal x. */
    void (*ln_apply)(size_t rows, size_t d, const float *x, const float *mean, const float *rstd,
                     const float *w, const float *b, float *y);
    /* ln_backward: per row, with gw = dy * w[i] and xh = (x - mean[r]) * rstd[r]:
     *   a = sum gw, p = sum gw * xh (double); ma = a / d, mp = p / d (float);
     *   dx = ((gw - ma) - xh * mp) * rstd[r];
     *   dw[i] += dy * xh and db[i] += dy (accumulated row after row).
     * dx may equal dy; dx NULL: only dw and db. */
    void (*ln_backward)(size_t rows, size_t d, const float *x, const float *dy, const float *mean,
                        const float *rstd, const float *w, float *dx, float *dw, float *db);

    /* ---- Pooling (dsc_pool_geom above) ---------------------------------
     * ws: caller-provided workspace of dsc__pool_ws_floats(g) floats
     * (pool_common.h), any alignment. Results are bit-identical on every ISA
     * (same comparisons and additions in the same order per output).
     * maxpool_fwd: y = the window's maximum with padding as -inf, scanning
     * the window row by row and taking a value when it is > the maximum so
     * far or NaN (PyTorch CPU: the first maximum, the last NaN); idx = its
     * index r * iw + c within its input plane (the window's first valid cell
     * when every value is -inf). */
    void (*maxpool_fwd)(const dsc_pool_geom *g, const float *x, float *y, int32_t *idx, float *ws);
    /* dx = 0, then dx[idx[o]] += dy[o] for every output o in order. */
    void (*maxpool_bwd)(const dsc_pool_geom *g, const float *dy, const int32_t *idx, float *dx);
    /* avgpool_fwd: y = (0 + the window's cells inside the input, row by row)
     * / divisor, divisor = count_include_pad ? the window clipped to the
     * padded input : the window clipped to the input (PyTorch CPU); a window
     * with no input cell gives 0. */
    void (*avgpool_fwd)(const dsc_pool_geom *g, const float *x, float *y, float *ws);
    /* dx = 0, then for every output o in order, for every input cell c of
     * its window row by row: dx[c] += dy[o] / divisor(o). */
    void (*avgpool_bwd)(const dsc_pool_geom *g, const float *dy, float *dx);
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
    void dsc__##isa##_init_update(dsc_kernels *k);   \
    void dsc__##isa##_init_rnn(dsc_kernels *k);      \
    void dsc__##isa##_init_norm(dsc_kernels *k);     \
    void dsc__##isa##_init_pool(dsc_kernels *k);
DSC_KERNEL_FAMILIES(scalar)
DSC_KERNEL_FAMILIES(sse2)
DSC_KERNEL_FAMILIES(avx2)
DSC_KERNEL_FAMILIES(avx512)
DSC_KERNEL_FAMILIES(neon)

#endif
