/* neon kernels (AArch64 Advanced SIMD): GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad.
 *
 *   gemm_nt:   C  = A B^T (+ bias)   Y  = X W^T + b   (torch.nn.functional.linear)
 *   gemm_nn:   C  = A B              dX = dY W        (linear backward, input)
 *   gemm_tn:   C += A^T B            dW += dY^T X     (linear backward, weight)
 *   bias_grad: db += sum_i dY[i]     db += dY.sum(0)
 *
 * Same scheme as avx512/gemm.c with 32 q registers and vfmaq_f32: B packed
 * per KC x NC block into 8-wide column panels (4 wide for a narrow last
 * panel), A per MC x KC block into 8-row panels (or read in place when one B
 * panel covers n), an 8 x 8 micro-kernel (16 accumulators) with 4-row and
 * 4-column instances. No masked stores: edge tiles go through a small buffer
 * and are copied element by element, with the same additions in the same
 * order as full tiles. Small products skip packing: m <= 3 for nt and nn,
 * k <= 3 for tn. Horizontal sums use vaddvq_f32 (a fixed pairwise order). */
#include "../kernels.h"

#include <arm_neon.h>
#include <string.h>

#define MR 8
#define NR 8
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define WS_FLOATS (MC * KC + KC * NC)
#define SMALL 3

enum { OP_NT, OP_NN, OP_TN };

#if defined(__GNUC__) || defined(__clang__)
#  define INLINE static inline __attribute__((always_inline))
#else
#  define INLINE static inline
#endif

static size_t min_sz(size_t a, size_t b) {
    return a < b ? a : b;
}

static size_t panel_width(size_t cols) {
    return cols <= 4 ? 4 : NR;
}

/* ---- packing ---------------------------------------------------------- */

/* Panel index along rows of src (element (r, p) at src[r * ld + p]):
 * dst[p * w + r], zero past rows; groups of 4 full rows by 4 x 4 transposes
 * (trn1/trn2 on 32-bit, then on 64-bit lanes). */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            float32x4_t x0 = vld1q_f32(s + p), x1 = vld1q_f32(s + ld + p);
            float32x4_t x2 = vld1q_f32(s + 2 * ld + p), x3 = vld1q_f32(s + 3 * ld + p);
            float32x4_t t0 = vtrn1q_f32(x0, x1), t1 = vtrn2q_f32(x0, x1);
            float32x4_t t2 = vtrn1q_f32(x2, x3), t3 = vtrn2q_f32(x2, x3);
            float32x4_t o0 = vreinterpretq_f32_f64(
                vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
            float32x4_t o1 = vreinterpretq_f32_f64(
                vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
            float32x4_t o2 = vreinterpretq_f32_f64(
                vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
            float32x4_t o3 = vreinterpretq_f32_f64(
                vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
            vst1q_f32(dst + p * w + r0, o0);
            vst1q_f32(dst + (p + 1) * w + r0, o1);
            vst1q_f32(dst + (p + 2) * w + r0, o2);
            vst1q_f32(dst + (p + 3) * w + r0, o3);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 4; i++) dst[p * w + r0 + i] = s[i * ld + p];
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = r0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
}

/* Panel index along columns of src (element (r, p) at src[p * ld + r]). */
static void pack_cols(size_t kc, size_t cols, size_t w, const float *src, size_t ld, float *dst) {
    for (size_t p = 0; p < kc; p++) {
        const float *s = src + p * ld;
        float *d = dst + p * w;
        size_t i = 0;
        for (; i + 4 <= cols; i += 4) vst1q_f32(d + i, vld1q_f32(s + i));
        for (; i < w; i++) d[i] = i < cols ? s[i] : 0.0f;
    }
}

static void pack_a(int op, size_t mc, size_t kc, const float *a, size_t lda, float *ap) {
    for (size_t i = 0; i < mc; i += MR) {
        size_t rows = min_sz(MR, mc - i);
        if (op == OP_TN) pack_cols(kc, rows, MR, a + i, lda, ap + i * kc);
        else pack_rows(kc, rows, MR, a + i * lda, lda, ap + i * kc);
    }
}

static void pack_b(int op, size_t kc, size_t nc, const float *b, size_t ldb, float *bp) {
    for (size_t j = 0; j < nc; j += NR) {
        size_t cols = min_sz(NR, nc - j), w = panel_width(cols);
        if (op == OP_NT) pack_rows(kc, cols, w, b + j * ldb, ldb, bp + j * kc);
        else pack_cols(kc, cols, w, b + j, ldb, bp + j * kc);
    }
}

/* ---- micro-kernel ----------------------------------------------------- */

/* C tile (mr x nr) = [C +] sum_p A(r, p) bp[p] [+ bias], A(r, p) = a[r * rs + p * ps],
 * bp packed kc x NRV. MRV (4 or 8), NRV (4 or 8) are constants. */
INLINE void kernel_tmpl(const int MRV, const int NRV, const int CLAMP, size_t kc, const float *a,
                        size_t rs, size_t ps, const float *bp, float *c, size_t ldc, size_t mr,
                        size_t nr, int add, const float *bias) {
    float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z,
                c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
/* A in place (CLAMP): rows past mr repeat row mr - 1 instead of reading
 * past the end of A; their results are never stored. */
#define ROWIX(i) (CLAMP && (size_t)(i) >= mr ? mr - 1 : (size_t)(i))
#define ROW(i)                                                  \
    if (MRV > i) {                                              \
        float32x4_t av = vdupq_n_f32(a[ROWIX(i) * rs]);      \
        c##i##0 = vfmaq_f32(c##i##0, av, b0);                   \
        if (NRV > 4) c##i##1 = vfmaq_f32(c##i##1, av, b1);      \
    }
    for (size_t p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(bp), b1 = b0;
        if (NRV > 4) b1 = vld1q_f32(bp + 4);
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
        a += ps;
        bp += NRV;
    }
#undef ROW
#undef ROWIX
    if (mr == (size_t)MRV && nr == (size_t)NRV) {
        float32x4_t bias0 = z, bias1 = z;
        if (bias != NULL) {
            bias0 = vld1q_f32(bias);
            if (NRV > 4) bias1 = vld1q_f32(bias + 4);
        }
#define STORE(i)                                                        \
    if (MRV > i) {                                                      \
        float *ci = c + (size_t)(i) * ldc;                              \
        if (add) c##i##0 = vaddq_f32(vld1q_f32(ci), c##i##0);           \
        if (bias != NULL) c##i##0 = vaddq_f32(c##i##0, bias0);          \
        vst1q_f32(ci, c##i##0);                                         \
        if (NRV > 4) {                                                  \
            if (add) c##i##1 = vaddq_f32(vld1q_f32(ci + 4), c##i##1);   \
            if (bias != NULL) c##i##1 = vaddq_f32(c##i##1, bias1);      \
            vst1q_f32(ci + 4, c##i##1);                                 \
        }                                                               \
    }
        STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
        return;
    }
    float t[8][8];
#define SPILL(i)                                        \
    vst1q_f32(t[i], c##i##0);                           \
    vst1q_f32(t[i] + 4, c##i##1);
    SPILL(0) SPILL(1) SPILL(2) SPILL(3) SPILL(4) SPILL(5) SPILL(6) SPILL(7)
#undef SPILL
    for (size_t r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        for (size_t q = 0; q < nr; q++) {
            float v = t[r][q];
            if (add) v = cr[q] + v;
            if (bias != NULL) v = v + bias[q];
            cr[q] = v;
        }
    }
}

#define KERNEL(name, MRV, NRV)                                                                 \
    static void name##_p(size_t kc, const float *a, const float *bp, float *c, size_t ldc,     \
                         size_t mr, size_t nr, int add, const float *bias) {                   \
        kernel_tmpl(MRV, NRV, 0, kc, a, 1, MR, bp, c, ldc, mr, nr, add, bias);                    \
    }                                                                                          \
    static void name##_s(size_t kc, const float *a, size_t rs, size_t ps, const float *bp,     \
                         float *c, size_t ldc, size_t mr, size_t nr, int add, const float *bias) { \
        kernel_tmpl(MRV, NRV, 1, kc, a, rs, ps, bp, c, ldc, mr, nr, add, bias);                   \
    }
KERNEL(k8x8, 8, 8)
KERNEL(k8x4, 8, 4)
KERNEL(k4x8, 4, 8)
KERNEL(k4x4, 4, 4)
#undef KERNEL

static void tile(size_t kc, const float *ap, const float *a, size_t rs, size_t ps, const float *bp,
                 float *c, size_t ldc, size_t mr, size_t nr, int add, const float *bias) {
    int narrow = nr <= 4, short_ = mr <= 4;
    if (ap != NULL) {
        if (narrow) (short_ ? k4x4_p : k8x4_p)(kc, ap, bp, c, ldc, mr, nr, add, bias);
        else (short_ ? k4x8_p : k8x8_p)(kc, ap, bp, c, ldc, mr, nr, add, bias);
    } else {
        if (narrow) (short_ ? k4x4_s : k8x4_s)(kc, a, rs, ps, bp, c, ldc, mr, nr, add, bias);
        else (short_ ? k4x8_s : k8x8_s)(kc, a, rs, ps, bp, c, ldc, mr, nr, add, bias);
    }
}

static void gemm_packed(int op, size_t m, size_t n, size_t k, const float *a, size_t lda,
                        const float *b, size_t ldb, const float *bias, float *c, size_t ldc,
                        float *ws) {
    float *ap = ws, *bp = ws + MC * KC;
    size_t rs = op == OP_TN ? 1 : lda, ps = op == OP_TN ? lda : 1;
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_sz(NC, n - jc);
        int pack = nc > NR;
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_sz(KC, k - pc);
            int add = op == OP_TN || pc > 0;
            const float *bias_blk = pc + kc == k && bias != NULL ? bias + jc : NULL;
            pack_b(op, kc, nc, op == OP_NT ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, bp);
            for (size_t ic = 0; ic < m; ic += MC) {
                size_t mc = min_sz(MC, m - ic);
                const float *ablk = op == OP_TN ? a + pc * lda + ic : a + ic * lda + pc;
                if (pack) pack_a(op, mc, kc, ablk, lda, ap);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t nr = min_sz(NR, nc - jr);
                    for (size_t ir = 0; ir < mc; ir += MR)
                        tile(kc, pack ? ap + ir * kc : NULL, ablk + ir * rs, rs, ps, bp + jr * kc,
                             c + (ic + ir) * ldc + jc + jr, ldc, min_sz(MR, mc - ir), nr, add,
                             bias_blk != NULL ? bias_blk + jr : NULL);
                }
            }
        }
    }
}

/* ---- small-product paths (no packing) --------------------------------- */

/* nt, row by row: dot products along k, 4 rows of B at once; the k % 4 last
 * terms are added after the vector sum, in rising order. */
static void nt_dot(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc) {
    size_t kv = k - k % 4;
    for (size_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
            float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
            for (size_t p = 0; p < kv; p += 4) {
                float32x4_t x = vld1q_f32(ai + p);
                s0 = vfmaq_f32(s0, x, vld1q_f32(b0 + p));
                s1 = vfmaq_f32(s1, x, vld1q_f32(b1 + p));
                s2 = vfmaq_f32(s2, x, vld1q_f32(b2 + p));
                s3 = vfmaq_f32(s3, x, vld1q_f32(b3 + p));
            }
            float r0 = vaddvq_f32(s0), r1 = vaddvq_f32(s1);
            float r2 = vaddvq_f32(s2), r3 = vaddvq_f32(s3);
            for (size_t p = kv; p < k; p++) {
                r0 += ai[p] * b0[p];
                r1 += ai[p] * b1[p];
                r2 += ai[p] * b2[p];
                r3 += ai[p] * b3[p];
            }
            if (bias != NULL) {
                r0 += bias[j];
                r1 += bias[j + 1];
                r2 += bias[j + 2];
                r3 += bias[j + 3];
            }
            ci[j] = r0;
            ci[j + 1] = r1;
            ci[j + 2] = r2;
            ci[j + 3] = r3;
        }
        for (; j < n; j++) {
            const float *bj = b + j * ldb;
            float32x4_t s = vdupq_n_f32(0.0f);
            for (size_t p = 0; p < kv; p += 4)
                s = vfmaq_f32(s, vld1q_f32(ai + p), vld1q_f32(bj + p));
            float r = vaddvq_f32(s);
            for (size_t p = kv; p < k; p++) r += ai[p] * bj[p];
            if (bias != NULL) r += bias[j];
            ci[j] = r;
        }
    }
}

/* C row i [+]= sum_p x(i, p) B row p, x(i, p) = xs[i * xi + p * xp]:
 * 32 columns (8 q) per pass over the rows of B, then 4, then 1. */
static void rows_axpy(size_t m, size_t n, size_t k, const float *xs, size_t xi, size_t xp,
                      const float *b, size_t ldb, float *c, size_t ldc, int add) {
    for (size_t i = 0; i < m; i++) {
        const float *x = xs + i * xi;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 32 <= n; j += 32) {
            float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0,
                        s6 = s0, s7 = s0;
            const float *bp = b + j;
            for (size_t p = 0; p < k; p++, bp += ldb) {
                float32x4_t xv = vdupq_n_f32(x[p * xp]);
                s0 = vfmaq_f32(s0, xv, vld1q_f32(bp));
                s1 = vfmaq_f32(s1, xv, vld1q_f32(bp + 4));
                s2 = vfmaq_f32(s2, xv, vld1q_f32(bp + 8));
                s3 = vfmaq_f32(s3, xv, vld1q_f32(bp + 12));
                s4 = vfmaq_f32(s4, xv, vld1q_f32(bp + 16));
                s5 = vfmaq_f32(s5, xv, vld1q_f32(bp + 20));
                s6 = vfmaq_f32(s6, xv, vld1q_f32(bp + 24));
                s7 = vfmaq_f32(s7, xv, vld1q_f32(bp + 28));
            }
#define OUT(q)                                                      \
    if (add) s##q = vaddq_f32(vld1q_f32(ci + j + 4 * q), s##q);     \
    vst1q_f32(ci + j + 4 * q, s##q);
            OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
        }
        for (; j + 4 <= n; j += 4) {
            float32x4_t s = vdupq_n_f32(0.0f);
            for (size_t p = 0; p < k; p++)
                s = vfmaq_f32(s, vdupq_n_f32(x[p * xp]), vld1q_f32(b + p * ldb + j));
            if (add) s = vaddq_f32(vld1q_f32(ci + j), s);
            vst1q_f32(ci + j, s);
        }
        for (; j < n; j++) {
            float s = 0.0f;
            for (size_t p = 0; p < k; p++) s += x[p * xp] * b[p * ldb + j];
            ci[j] = add ? ci[j] + s : s;
        }
    }
}

/* ---- entry points ----------------------------------------------------- */

static void gemm_nt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, const float *bias, float *c, size_t ldc, float *ws) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] = bias != NULL ? bias[j] : 0.0f;
        return;
    }
    if (m <= SMALL) nt_dot(m, n, k, a, lda, b, ldb, bias, c, ldc);
    else gemm_packed(OP_NT, m, n, k, a, lda, b, ldb, bias, c, ldc, ws);
}

static void gemm_nn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
        for (size_t i = 0; i < m; i++) memset(c + i * ldc, 0, n * sizeof(float));
        return;
    }
    if (m <= SMALL) rows_axpy(m, n, k, a, lda, 1, b, ldb, c, ldc, 0);
    else gemm_packed(OP_NN, m, n, k, a, lda, b, ldb, NULL, c, ldc, ws);
}

static void gemm_tn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws) {
    if (m == 0 || n == 0 || k == 0) return;
    if (k <= SMALL) rows_axpy(m, n, k, a, 1, lda, b, ldb, c, ldc, 1);
    else gemm_packed(OP_TN, m, n, k, a, lda, b, ldb, NULL, c, ldc, ws);
}

/* db[j] += sum_i dy[i][j], i rising: 16 columns per pass, then 4, then 1. */
static void bias_grad(size_t m, size_t n, const float *dy, size_t lddy, float *db) {
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < m; i++) {
            const float *r = dy + i * lddy + j;
            s0 = vaddq_f32(s0, vld1q_f32(r));
            s1 = vaddq_f32(s1, vld1q_f32(r + 4));
            s2 = vaddq_f32(s2, vld1q_f32(r + 8));
            s3 = vaddq_f32(s3, vld1q_f32(r + 12));
        }
        vst1q_f32(db + j, vaddq_f32(vld1q_f32(db + j), s0));
        vst1q_f32(db + j + 4, vaddq_f32(vld1q_f32(db + j + 4), s1));
        vst1q_f32(db + j + 8, vaddq_f32(vld1q_f32(db + j + 8), s2));
        vst1q_f32(db + j + 12, vaddq_f32(vld1q_f32(db + j + 12), s3));
    }
    for (; j + 4 <= n; j += 4) {
        float32x4_t s = vdupq_n_f32(0.0f);
        for (size_t i = 0; i < m; i++) s = vaddq_f32(s, vld1q_f32(dy + i * lddy + j));
        vst1q_f32(db + j, vaddq_f32(vld1q_f32(db + j), s));
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++) s += dy[i * lddy + j];
        db[j] += s;
    }
}

void dsc__neon_init_gemm(dsc_kernels *k) {
    k->gemm_ws_floats = WS_FLOATS;
    k->gemm_nt = gemm_nt;
    k->gemm_nn = gemm_nn;
    k->gemm_tn = gemm_tn;
    k->bias_grad = bias_grad;
}
