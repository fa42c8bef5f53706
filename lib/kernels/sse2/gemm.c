/* sse2 kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad.
 *
 *   gemm_nt:   C  = A B^T (+ bias)   Y  = X W^T + b   (torch.nn.functional.linear)
 *   gemm_nn:   C  = A B              dX = dY W        (linear backward, input)
 *   gemm_tn:   C += A^T B            dW += dY^T X     (linear backward, weight)
 *   bias_grad: db += sum_i dY[i]     db += dY.sum(0)
 *
 * Same scheme as avx512/gemm.c with 16 xmm registers and no FMA (multiply,
 * then add): B packed per KC x NC block into 8-wide column panels (4 wide for
 * a narrow last panel), A per MC x KC block into 4-row panels (or read in
 * place when one B panel covers n), a 4 x 8 micro-kernel (8 accumulators)
 * with 2-row and 4-column instances. SSE2 has no masked stores: edge tiles
 * go through a small buffer and are copied element by element, with the same
 * additions in the same order as full tiles. Small products skip packing:
 * m <= 3 for nt and nn, k <= 3 for tn. */
#include "../kernels.h"

#include <emmintrin.h>
#include <string.h>

#define MR 4
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
 * dst[p * w + r], zero past rows; groups of 4 full rows by 4 x 4 transposes. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            __m128 x0 = _mm_loadu_ps(s + p), x1 = _mm_loadu_ps(s + ld + p);
            __m128 x2 = _mm_loadu_ps(s + 2 * ld + p), x3 = _mm_loadu_ps(s + 3 * ld + p);
            _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
            _mm_storeu_ps(dst + p * w + r0, x0);
            _mm_storeu_ps(dst + (p + 1) * w + r0, x1);
            _mm_storeu_ps(dst + (p + 2) * w + r0, x2);
            _mm_storeu_ps(dst + (p + 3) * w + r0, x3);
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
        for (; i + 4 <= cols; i += 4) _mm_store_ps(d + i, _mm_loadu_ps(s + i));
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
 * bp packed kc x NRV. MRV (2 or 4), NRV (4 or 8) are constants. */
INLINE void kernel_tmpl(const int MRV, const int NRV, const int CLAMP, size_t kc, const float *a,
                        size_t rs, size_t ps, const float *bp, float *c, size_t ldc, size_t mr,
                        size_t nr, int add, const float *bias) {
    __m128 c00 = _mm_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00;
/* A in place (CLAMP): rows past mr repeat row mr - 1 instead of reading
 * past the end of A; their results are never stored. */
#define ROWIX(i) (CLAMP && (size_t)(i) >= mr ? mr - 1 : (size_t)(i))
#define ROW(i)                                                                  \
    if (MRV > i) {                                                              \
        __m128 av = _mm_set1_ps(a[ROWIX(i) * rs]);                           \
        c##i##0 = _mm_add_ps(c##i##0, _mm_mul_ps(av, b0));                      \
        if (NRV > 4) c##i##1 = _mm_add_ps(c##i##1, _mm_mul_ps(av, b1));         \
    }
    for (size_t p = 0; p < kc; p++) {
        __m128 b0 = _mm_load_ps(bp), b1 = b0;
        if (NRV > 4) b1 = _mm_load_ps(bp + 4);
        ROW(0) ROW(1) ROW(2) ROW(3)
        a += ps;
        bp += NRV;
    }
#undef ROW
#undef ROWIX
    if (mr == (size_t)MRV && nr == (size_t)NRV) {
        __m128 bias0 = _mm_setzero_ps(), bias1 = bias0;
        if (bias != NULL) {
            bias0 = _mm_loadu_ps(bias);
            if (NRV > 4) bias1 = _mm_loadu_ps(bias + 4);
        }
#define STORE(i)                                                          \
    if (MRV > i) {                                                        \
        float *ci = c + (size_t)(i) * ldc;                                \
        if (add) c##i##0 = _mm_add_ps(_mm_loadu_ps(ci), c##i##0);         \
        if (bias != NULL) c##i##0 = _mm_add_ps(c##i##0, bias0);           \
        _mm_storeu_ps(ci, c##i##0);                                       \
        if (NRV > 4) {                                                    \
            if (add) c##i##1 = _mm_add_ps(_mm_loadu_ps(ci + 4), c##i##1); \
            if (bias != NULL) c##i##1 = _mm_add_ps(c##i##1, bias1);       \
            _mm_storeu_ps(ci + 4, c##i##1);                               \
        }                                                                 \
    }
        STORE(0) STORE(1) STORE(2) STORE(3)
#undef STORE
        return;
    }
    float t[4][8];
    _mm_storeu_ps(t[0], c00);
    _mm_storeu_ps(t[0] + 4, c01);
    _mm_storeu_ps(t[1], c10);
    _mm_storeu_ps(t[1] + 4, c11);
    _mm_storeu_ps(t[2], c20);
    _mm_storeu_ps(t[2] + 4, c21);
    _mm_storeu_ps(t[3], c30);
    _mm_storeu_ps(t[3] + 4, c31);
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
KERNEL(k4x8, 4, 8)
KERNEL(k4x4, 4, 4)
KERNEL(k2x8, 2, 8)
KERNEL(k2x4, 2, 4)
#undef KERNEL

static void tile(size_t kc, const float *ap, const float *a, size_t rs, size_t ps, const float *bp,
                 float *c, size_t ldc, size_t mr, size_t nr, int add, const float *bias) {
    int narrow = nr <= 4, short_ = mr <= 2;
    if (ap != NULL) {
        if (narrow) (short_ ? k2x4_p : k4x4_p)(kc, ap, bp, c, ldc, mr, nr, add, bias);
        else (short_ ? k2x8_p : k4x8_p)(kc, ap, bp, c, ldc, mr, nr, add, bias);
    } else {
        if (narrow) (short_ ? k2x4_s : k4x4_s)(kc, a, rs, ps, bp, c, ldc, mr, nr, add, bias);
        else (short_ ? k2x8_s : k4x8_s)(kc, a, rs, ps, bp, c, ldc, mr, nr, add, bias);
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

static float hsum(__m128 q) {
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 0x55));
    return _mm_cvtss_f32(q);
}

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
            __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t p = 0; p < kv; p += 4) {
                __m128 x = _mm_loadu_ps(ai + p);
                s0 = _mm_add_ps(s0, _mm_mul_ps(x, _mm_loadu_ps(b0 + p)));
                s1 = _mm_add_ps(s1, _mm_mul_ps(x, _mm_loadu_ps(b1 + p)));
                s2 = _mm_add_ps(s2, _mm_mul_ps(x, _mm_loadu_ps(b2 + p)));
                s3 = _mm_add_ps(s3, _mm_mul_ps(x, _mm_loadu_ps(b3 + p)));
            }
            float r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
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
            __m128 s = _mm_setzero_ps();
            for (size_t p = 0; p < kv; p += 4)
                s = _mm_add_ps(s, _mm_mul_ps(_mm_loadu_ps(ai + p), _mm_loadu_ps(bj + p)));
            float r = hsum(s);
            for (size_t p = kv; p < k; p++) r += ai[p] * bj[p];
            if (bias != NULL) r += bias[j];
            ci[j] = r;
        }
    }
}

/* C row i [+]= sum_p x(i, p) B row p, x(i, p) = xs[i * xi + p * xp]:
 * 32 columns (8 xmm) per pass over the rows of B, then 4, then 1. */
static void rows_axpy(size_t m, size_t n, size_t k, const float *xs, size_t xi, size_t xp,
                      const float *b, size_t ldb, float *c, size_t ldc, int add) {
    for (size_t i = 0; i < m; i++) {
        const float *x = xs + i * xi;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 32 <= n; j += 32) {
            __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0,
                   s7 = s0;
            const float *bp = b + j;
            for (size_t p = 0; p < k; p++, bp += ldb) {
                __m128 xv = _mm_set1_ps(x[p * xp]);
                s0 = _mm_add_ps(s0, _mm_mul_ps(xv, _mm_loadu_ps(bp)));
                s1 = _mm_add_ps(s1, _mm_mul_ps(xv, _mm_loadu_ps(bp + 4)));
                s2 = _mm_add_ps(s2, _mm_mul_ps(xv, _mm_loadu_ps(bp + 8)));
                s3 = _mm_add_ps(s3, _mm_mul_ps(xv, _mm_loadu_ps(bp + 12)));
                s4 = _mm_add_ps(s4, _mm_mul_ps(xv, _mm_loadu_ps(bp + 16)));
                s5 = _mm_add_ps(s5, _mm_mul_ps(xv, _mm_loadu_ps(bp + 20)));
                s6 = _mm_add_ps(s6, _mm_mul_ps(xv, _mm_loadu_ps(bp + 24)));
                s7 = _mm_add_ps(s7, _mm_mul_ps(xv, _mm_loadu_ps(bp + 28)));
            }
#define OUT(q)                                                          \
    if (add) s##q = _mm_add_ps(_mm_loadu_ps(ci + j + 4 * q), s##q);     \
    _mm_storeu_ps(ci + j + 4 * q, s##q);
            OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
        }
        for (; j + 4 <= n; j += 4) {
            __m128 s = _mm_setzero_ps();
            for (size_t p = 0; p < k; p++)
                s = _mm_add_ps(s,
                               _mm_mul_ps(_mm_set1_ps(x[p * xp]), _mm_loadu_ps(b + p * ldb + j)));
            if (add) s = _mm_add_ps(_mm_loadu_ps(ci + j), s);
            _mm_storeu_ps(ci + j, s);
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
        __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < m; i++) {
            const float *r = dy + i * lddy + j;
            s0 = _mm_add_ps(s0, _mm_loadu_ps(r));
            s1 = _mm_add_ps(s1, _mm_loadu_ps(r + 4));
            s2 = _mm_add_ps(s2, _mm_loadu_ps(r + 8));
            s3 = _mm_add_ps(s3, _mm_loadu_ps(r + 12));
        }
        _mm_storeu_ps(db + j, _mm_add_ps(_mm_loadu_ps(db + j), s0));
        _mm_storeu_ps(db + j + 4, _mm_add_ps(_mm_loadu_ps(db + j + 4), s1));
        _mm_storeu_ps(db + j + 8, _mm_add_ps(_mm_loadu_ps(db + j + 8), s2));
        _mm_storeu_ps(db + j + 12, _mm_add_ps(_mm_loadu_ps(db + j + 12), s3));
    }
    for (; j + 4 <= n; j += 4) {
        __m128 s = _mm_setzero_ps();
        for (size_t i = 0; i < m; i++) s = _mm_add_ps(s, _mm_loadu_ps(dy + i * lddy + j));
        _mm_storeu_ps(db + j, _mm_add_ps(_mm_loadu_ps(db + j), s));
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++) s += dy[i * lddy + j];
        db[j] += s;
    }
}

void dsc__sse2_init_gemm(dsc_kernels *k) {
    k->gemm_ws_floats = WS_FLOATS;
    k->gemm_nt = gemm_nt;
    k->gemm_nn = gemm_nn;
    k->gemm_tn = gemm_tn;
    k->bias_grad = bias_grad;
}
