/* avx512 kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad.
 *
 *   gemm_nt:   C  = A B^T (+ bias)   Y  = X W^T + b   (torch.nn.functional.linear)
 *   gemm_nn:   C  = A B              dX = dY W        (linear backward, input)
 *   gemm_tn:   C += A^T B            dW += dY^T X     (linear backward, weight)
 *   bias_grad: db += sum_i dY[i]     db += dY.sum(0)
 *
 * Large products go through the GotoBLAS/BLIS scheme: B is packed per
 * KC x NC block into 32-wide column panels (16 wide for a narrow last one),
 * A per MC x KC block into 8-row panels (both zero-padded), and one 8 x 32
 * register-blocked micro-kernel (16 zmm accumulators, A broadcast, two zmm of
 * B per k step) serves all three forms; only the packing routines know the
 * layouts. Instances with 2 or 4 rows and 16 columns cover the edges; edge
 * tiles are loaded and stored with masks and a row count, never past C.
 * Packing is skipped where it cannot pay: A is read in place when one B panel
 * covers n (each element used once); B of nn and tn, already k-major, is read
 * in place unless its rows alias in L1 (ldb a multiple of 512); nt with n <=
 * 16 uses 4 x 4 blocks of dot products; products with m <= 3 (nt: dot
 * products along k; nn: rows of B streamed) or k <= 3 (tn: rank-k update) use
 * no packing at all.
 * Sums run in a fixed order for a given shape (deterministic); bias, and the
 * old C of tn, are added after each k block's sum. */
#include "../kernels.h"

#include <immintrin.h>
#include <string.h>

#define MR 8
#define NR 32
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define WS_FLOATS (MC * KC + KC * NC)
#define SMALL 3 /* m (nt, nn) or k (tn) up to which no packing is done */

enum { OP_NT, OP_NN, OP_TN };

static size_t min_sz(size_t a, size_t b) {
    return a < b ? a : b;
}

static __mmask16 mask16(size_t n) { /* first min(n, 16) lanes */
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* Panels of B are NR wide, except a last one of 16 or fewer columns, which is
 * packed 16 wide for the narrow kernels. */
static size_t panel_width(size_t cols) {
    return cols <= 16 ? 16 : NR;
}

/* ---- packing ---------------------------------------------------------- */

/* o[j] = column j of the 8 x 8 block r[0..7] (rows). */
static inline void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* One panel from a matrix whose panel index runs along rows (element (r, p)
 * at src[r * ld + p]): dst[p * w + r] for r < w, p < kc; rows >= rows are 0.
 * w is a multiple of 8. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    for (size_t r0 = 0; r0 < w; r0 += 8) {
        /* A group of 8 panel rows, of which the first live exist (zeros after). */
        size_t live = rows > r0 ? min_sz(8, rows - r0) : 0;
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 8 <= kc; p += 8) {
            __m256 r[8];
            for (size_t i = 0; i < 8; i++)
                r[i] = i < live ? _mm256_loadu_ps(s + i * ld + p) : _mm256_setzero_ps();
            transpose8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (p + (size_t)i) * w + r0, r[i]);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 8; i++) dst[p * w + r0 + i] = i < live ? s[i * ld + p] : 0.0f;
    }
}

/* A whole block whose panel index runs along columns (element (r, p) at
 * src[p * ld + r], r < total): row p of the source goes, piece by piece, to
 * row p of every panel, so the source is read row after row (no strided walk
 * down each panel's column strip, which aliases in the caches when ld is a
 * power of two). Panels are w wide (8 or 32), except that a last one of 16 or
 * fewer columns is 16 wide when narrow16; zero-padded past total. */
static void pack_cols(size_t kc, size_t total, size_t w, int narrow16, const float *src, size_t ld,
                      float *dst) {
    for (size_t p = 0; p < kc; p++) {
        const float *s = src + p * ld;
        for (size_t j = 0; j < total; j += w) {
            size_t cols = min_sz(w, total - j);
            if (w == 8) {
                __mmask8 mk = cols >= 8 ? (__mmask8)0xff : (__mmask8)((1u << cols) - 1u);
                _mm256_store_ps(dst + j * kc + p * 8, _mm256_maskz_loadu_ps(mk, s + j));
            } else if (narrow16 && cols <= 16) {
                _mm512_store_ps(dst + j * kc + p * 16, _mm512_maskz_loadu_ps(mask16(cols), s + j));
            } else {
                float *d = dst + j * kc + p * 32;
                _mm512_store_ps(d, _mm512_maskz_loadu_ps(mask16(cols), s + j));
                __mmask16 m1 = mask16(cols > 16 ? cols - 16 : 0);
                _mm512_store_ps(d + 16, _mm512_maskz_loadu_ps(m1, s + j + 16));
            }
        }
    }
}

/* A block (mc x kc at logical (i, p)) into MR-row panels of kc x MR. */
static void pack_a(int op, size_t mc, size_t kc, const float *a, size_t lda, float *ap) {
    if (op == OP_TN) {
        pack_cols(kc, mc, MR, 0, a, lda, ap);
        return;
    }
    for (size_t i = 0; i < mc; i += MR)
        pack_rows(kc, min_sz(MR, mc - i), MR, a + i * lda, lda, ap + i * kc);
}

/* B block (kc x nc at logical (p, j)) into NR-column panels of kc x NR. */
static void pack_b(int op, size_t kc, size_t nc, const float *b, size_t ldb, float *bp) {
    if (op != OP_NT) {
        pack_cols(kc, nc, NR, 1, b, ldb, bp);
        return;
    }
    for (size_t j = 0; j < nc; j += NR) {
        size_t cols = min_sz(NR, nc - j);
        pack_rows(kc, cols, panel_width(cols), b + j * ldb, ldb, bp + j * kc);
    }
}

/* ---- micro-kernel ----------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#  define INLINE static inline __attribute__((always_inline))
#else
#  define INLINE static inline
#endif

/* C tile (mr x nr, mr <= MRV, nr <= NRV) = [C +] sum_p A(r, p) B(p) [+ bias],
 * over p < kc, where A(r, p) = a[r * rs + p * ps] (a packed panel: rs = 1,
 * ps = MR; or A in place) and B(p) = b[p * bs + 0 .. nr-1] (a packed,
 * zero-padded panel: bs = its width; or B in place: bs = ldb), loaded with
 * the column mask so nothing past nr is read. MRV (2, 4 or 8) and NRV (16 or
 * 32) are constants in every caller, so unused accumulators and rows vanish. */
INLINE void kernel_tmpl(const int MRV, const int NRV, const int CLAMP, size_t kc, const float *a,
                        size_t rs, size_t ps, const float *b, size_t bs, float *c, size_t ldc,
                        size_t mr, size_t nr, int add, const float *bias) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00,
           c61 = c00, c70 = c00, c71 = c00;
    __mmask16 m0 = mask16(nr), m1 = mask16(nr > 16 ? nr - 16 : 0);
/* A in place (CLAMP): rows past mr repeat row mr - 1 instead of reading
 * past the end of A; their results are never stored. */
#define ROWIX(i) (CLAMP && (size_t)(i) >= mr ? mr - 1 : (size_t)(i))
#define ROW(i)                                                  \
    if (MRV > i) {                                              \
        __m512 av = _mm512_set1_ps(a[ROWIX(i) * rs]);        \
        c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);             \
        if (NRV > 16) c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1); \
    }
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = b0;
        if (NRV > 16) b1 = _mm512_maskz_loadu_ps(m1, b + 16);
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
        a += ps;
        b += bs;
    }
#undef ROW
#undef ROWIX
    if (mr == (size_t)MRV && nr == (size_t)NRV) { /* full tile: plain loads and stores */
        __m512 bias0 = _mm512_setzero_ps(), bias1 = bias0;
        if (bias != NULL) {
            bias0 = _mm512_loadu_ps(bias);
            if (NRV > 16) bias1 = _mm512_loadu_ps(bias + 16);
        }
#define STORE(i)                                                                  \
    if (MRV > i) {                                                                \
        float *ci = c + (size_t)(i) * ldc;                                        \
        if (add) c##i##0 = _mm512_add_ps(_mm512_loadu_ps(ci), c##i##0);           \
        if (bias != NULL) c##i##0 = _mm512_add_ps(c##i##0, bias0);                \
        _mm512_storeu_ps(ci, c##i##0);                                            \
        if (NRV > 16) {                                                           \
            if (add) c##i##1 = _mm512_add_ps(_mm512_loadu_ps(ci + 16), c##i##1);  \
            if (bias != NULL) c##i##1 = _mm512_add_ps(c##i##1, bias1);            \
            _mm512_storeu_ps(ci + 16, c##i##1);                                   \
        }                                                                         \
    }
        STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
        return;
    }
    __m512 bias0 = _mm512_setzero_ps(), bias1 = bias0;
    if (bias != NULL) {
        bias0 = _mm512_maskz_loadu_ps(m0, bias);
        if (NRV > 16) bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
    }
#define STORE(i)                                                                  \
    if (MRV > i && (size_t)(i) < mr) {                                            \
        float *ci = c + (size_t)(i) * ldc;                                        \
        if (add) c##i##0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, ci), c##i##0); \
        if (bias != NULL) c##i##0 = _mm512_add_ps(c##i##0, bias0);                \
        _mm512_mask_storeu_ps(ci, m0, c##i##0);                                   \
        if (NRV > 16) {                                                           \
            if (add) c##i##1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, ci + 16), c##i##1); \
            if (bias != NULL) c##i##1 = _mm512_add_ps(c##i##1, bias1);            \
            _mm512_mask_storeu_ps(ci + 16, m1, c##i##1);                          \
        }                                                                         \
    }
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
}

/* The instances: A packed (p) or in place (s), MRV x NRV. */
#define KERNEL(name, MRV, NRV)                                                                 \
    static void name##_p(size_t kc, const float *a, const float *b, size_t bs, float *c,       \
                         size_t ldc, size_t mr, size_t nr, int add, const float *bias) {       \
        kernel_tmpl(MRV, NRV, 0, kc, a, 1, MR, b, bs, c, ldc, mr, nr, add, bias);                 \
    }                                                                                          \
    static void name##_s(size_t kc, const float *a, size_t rs, size_t ps, const float *b,      \
                         size_t bs, float *c, size_t ldc, size_t mr, size_t nr, int add,       \
                         const float *bias) {                                                  \
        kernel_tmpl(MRV, NRV, 1, kc, a, rs, ps, b, bs, c, ldc, mr, nr, add, bias);                \
    }
KERNEL(k8x32, 8, 32)
KERNEL(k8x16, 8, 16)
KERNEL(k4x32, 4, 32)
KERNEL(k4x16, 4, 16)
KERNEL(k2x32, 2, 32)
KERNEL(k2x16, 2, 16)
#undef KERNEL

typedef void (*kernel_p_fn)(size_t, const float *, const float *, size_t, float *, size_t, size_t,
                            size_t, int, const float *);
typedef void (*kernel_s_fn)(size_t, const float *, size_t, size_t, const float *, size_t, float *,
                            size_t, size_t, size_t, int, const float *);
/* [rows class: <= 2, <= 4, <= 8][columns class: <= 16, <= 32] */
static const kernel_p_fn kernels_p[3][2] = {
    {k2x16_p, k2x32_p}, {k4x16_p, k4x32_p}, {k8x16_p, k8x32_p}};
static const kernel_s_fn kernels_s[3][2] = {
    {k2x16_s, k2x32_s}, {k4x16_s, k4x32_s}, {k8x16_s, k8x32_s}};

/* One MR x NR (or narrower, shorter) tile with the smallest instance that
 * covers mr x nr. Packed A when ap != NULL, else A in place. */
static void tile(size_t kc, const float *ap, const float *a, size_t rs, size_t ps, const float *b,
                 size_t bs, float *c, size_t ldc, size_t mr, size_t nr, int add,
                 const float *bias) {
    int rc = mr <= 2 ? 0 : mr <= 4 ? 1 : 2, cc = nr > 16;
    if (ap != NULL) kernels_p[rc][cc](kc, ap, b, bs, c, ldc, mr, nr, add, bias);
    else kernels_s[rc][cc](kc, a, rs, ps, b, bs, c, ldc, mr, nr, add, bias);
}

static void gemm_packed(int op, size_t m, size_t n, size_t k, const float *a, size_t lda,
                        const float *b, size_t ldb, const float *bias, float *c, size_t ldc,
                        float *ws) {
    float *ap = ws, *bp = ws + MC * KC;
    /* A in place where one B panel covers n (each element used once per k
     * block) or k < 32 (its rows stay in L1 anyway). B of nn and tn is
     * already k-major: its panels are read in place (measured faster on the
     * MLP shapes, no packing pass) unless rows 2 KB apart or a multiple of it
     * alias in the L1 sets and m reuses them. */
    size_t rs = op == OP_TN ? 1 : lda, ps = op == OP_TN ? lda : 1;
    int pack_bm = op == OP_NT || (m > 2 * MR && ldb % 512 == 0);
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_sz(NC, n - jc);
        int pack = nc > NR && k >= 32;
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = min_sz(KC, k - pc);
            int add = op == OP_TN || pc > 0;
            const float *bias_blk = pc + kc == k && bias != NULL ? bias + jc : NULL;
            const float *bblk = op == OP_NT ? b + jc * ldb + pc : b + pc * ldb + jc;
            if (pack_bm) pack_b(op, kc, nc, bblk, ldb, bp);
            for (size_t ic = 0; ic < m; ic += MC) {
                size_t mc = min_sz(MC, m - ic);
                const float *ablk = op == OP_TN ? a + pc * lda + ic : a + ic * lda + pc;
                if (pack) pack_a(op, mc, kc, ablk, lda, ap);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t nr = min_sz(NR, nc - jr);
                    const float *bpan = pack_bm ? bp + jr * kc : bblk + jr;
                    size_t bs = pack_bm ? panel_width(nr) : ldb;
                    for (size_t ir = 0; ir < mc; ir += MR)
                        tile(kc, pack ? ap + ir * kc : NULL, ablk + ir * rs, rs, ps, bpan, bs,
                             c + (ic + ir) * ldc + jc + jr, ldc, min_sz(MR, mc - ir), nr, add,
                             bias_blk != NULL ? bias_blk + jr : NULL);
                }
            }
        }
    }
}

/* ---- small-product paths (no packing) --------------------------------- */

/* Horizontal sum in a fixed order. */
static float hsum(__m512 v) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

/* The horizontal sums of s0..s3 in lanes 0..3, in a fixed order: halves,
 * quarters, then pairs within each 128-bit block. */
static __m128 hsum4(__m512 s0, __m512 s1, __m512 s2, __m512 s3) {
    const __m512 h01 = _mm512_add_ps(_mm512_shuffle_f32x4(s0, s1, 0x44),
                                     _mm512_shuffle_f32x4(s0, s1, 0xEE));
    const __m512 h23 = _mm512_add_ps(_mm512_shuffle_f32x4(s2, s3, 0x44),
                                     _mm512_shuffle_f32x4(s2, s3, 0xEE));
    /* block q: four partial sums of s_q */
    __m512 w = _mm512_add_ps(_mm512_shuffle_f32x4(h01, h23, 0x88),
                             _mm512_shuffle_f32x4(h01, h23, 0xDD));
    w = _mm512_add_ps(w, _mm512_permute_ps(w, 0x4E)); /* + other pair */
    w = _mm512_add_ps(w, _mm512_permute_ps(w, 0xB1)); /* + neighbour */
    const __m512i lanes = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(lanes, w));
}

/* nt, row by row: C[i][j] = dot(A row i, B row j) (+ bias[j]), 4 rows of B at once. */
static void nt_dot(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc) {
    __mmask16 mt = mask16(k % 16);
    size_t kv = k - k % 16;
    for (size_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t p = 0; p < kv; p += 16) {
                __m512 x = _mm512_loadu_ps(ai + p);
                s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b0 + p), s0);
                s1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b1 + p), s1);
                s2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b2 + p), s2);
                s3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b3 + p), s3);
            }
            if (mt) {
                __m512 x = _mm512_maskz_loadu_ps(mt, ai + kv);
                s0 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(mt, b0 + kv), s0);
                s1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(mt, b1 + kv), s1);
                s2 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(mt, b2 + kv), s2);
                s3 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(mt, b3 + kv), s3);
            }
            __m128 r = hsum4(s0, s1, s2, s3);
            if (bias != NULL) r = _mm_add_ps(r, _mm_loadu_ps(bias + j));
            _mm_storeu_ps(ci + j, r);
        }
        for (; j < n; j++) {
            const float *bj = b + j * ldb;
            __m512 s = _mm512_setzero_ps();
            for (size_t p = 0; p < kv; p += 16)
                s = _mm512_fmadd_ps(_mm512_loadu_ps(ai + p), _mm512_loadu_ps(bj + p), s);
            if (mt)
                s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mt, ai + kv),
                                    _mm512_maskz_loadu_ps(mt, bj + kv), s);
            float r = hsum(s);
            if (bias != NULL) r += bias[j];
            ci[j] = r;
        }
    }
}

/* Sums of 16 vectors in one: lane 4c + r holds the sum of v(4r + c). A fixed
 * tree (halves, then quarters, then an in-lane 4 x 4 transpose-add). */
static __m512 reduce16(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 v4, __m512 v5,
                       __m512 v6, __m512 v7, __m512 v8, __m512 v9, __m512 v10, __m512 v11,
                       __m512 v12, __m512 v13, __m512 v14, __m512 v15) {
#define HALVES(x, y) \
    _mm512_add_ps(_mm512_shuffle_f32x4(x, y, 0x44), _mm512_shuffle_f32x4(x, y, 0xEE))
#define QUARTERS(x, y) \
    _mm512_add_ps(_mm512_shuffle_f32x4(x, y, 0x88), _mm512_shuffle_f32x4(x, y, 0xDD))
    /* u: blocks [x lo+hi halves, y lo+hi halves]; w block b: 4 partials of v[4q + b]. */
    __m512 w0 = QUARTERS(HALVES(v0, v1), HALVES(v2, v3));
    __m512 w1 = QUARTERS(HALVES(v4, v5), HALVES(v6, v7));
    __m512 w2 = QUARTERS(HALVES(v8, v9), HALVES(v10, v11));
    __m512 w3 = QUARTERS(HALVES(v12, v13), HALVES(v14, v15));
#undef HALVES
#undef QUARTERS
    __m512 s01 = _mm512_add_ps(_mm512_unpacklo_ps(w0, w1), _mm512_unpackhi_ps(w0, w1));
    __m512 s23 = _mm512_add_ps(_mm512_unpacklo_ps(w2, w3), _mm512_unpackhi_ps(w2, w3));
    return _mm512_add_ps(_mm512_shuffle_ps(s01, s23, 0x44), _mm512_shuffle_ps(s01, s23, 0xEE));
}

/* One RA x RB block (RA * RB = 16) of nt dot products along k: C[i + r][j + q]
 * = A row i + r . B row j + q, 16 accumulators reduced together. Rows past m
 * or n repeat the last one (never read out of bounds) and are not stored. RA
 * and RB are constants in every caller. */
INLINE void dot_block(const int RA, const int RB, size_t k, const float *a, size_t lda, size_t i,
                      size_t m, const float *b, size_t ldb, size_t j, size_t n, const float *bias,
                      float *c, size_t ldc) {
    __mmask16 mt = mask16(k % 16);
    size_t kv = k - k % 16;
#define AROW(r) (RA > (r) ? a + min_sz(i + (r), m - 1) * lda : a)
#define BROW(q) (RB > (q) ? b + min_sz(j + (q), n - 1) * ldb : b)
    const float *a0 = AROW(0), *a1 = AROW(1), *a2 = AROW(2), *a3 = AROW(3), *a4 = AROW(4),
                *a5 = AROW(5), *a6 = AROW(6), *a7 = AROW(7);
    const float *b0 = BROW(0), *b1 = BROW(1), *b2 = BROW(2), *b3 = BROW(3);
#undef AROW
#undef BROW
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0,
           s8 = s0, s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
    /* Accumulator q takes A row q / RB times B row q % RB. */
#define XS(r) ((r) == 0 ? x0 : (r) == 1 ? x1 : (r) == 2 ? x2 : (r) == 3 ? x3 \
             : (r) == 4 ? x4 : (r) == 5 ? x5 : (r) == 6 ? x6 : x7)
#define YS(q) ((q) == 0 ? y0 : (q) == 1 ? y1 : (q) == 2 ? y2 : y3)
#define FMA(q) s##q = _mm512_fmadd_ps(XS((q) / RB), YS((q) % RB), s##q);
#define STEP(LOAD)                                                                       \
    {                                                                                    \
        __m512 z = _mm512_setzero_ps(), x0 = LOAD(a0), x1 = z, x2 = z, x3 = z, x4 = z,   \
               x5 = z, x6 = z, x7 = z, y0 = LOAD(b0), y1 = z, y2 = z, y3 = z;            \
        if (RA > 1) x1 = LOAD(a1);                                                       \
        if (RA > 2) x2 = LOAD(a2);                                                       \
        if (RA > 3) x3 = LOAD(a3);                                                       \
        if (RA > 4) x4 = LOAD(a4);                                                       \
        if (RA > 5) x5 = LOAD(a5);                                                       \
        if (RA > 6) x6 = LOAD(a6);                                                       \
        if (RA > 7) x7 = LOAD(a7);                                                       \
        if (RB > 1) y1 = LOAD(b1);                                                       \
        if (RB > 2) y2 = LOAD(b2);                                                       \
        if (RB > 3) y3 = LOAD(b3);                                                       \
        FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7)                          \
        FMA(8) FMA(9) FMA(10) FMA(11) FMA(12) FMA(13) FMA(14) FMA(15)                    \
    }
#define LOAD_FULL(ptr) _mm512_loadu_ps((ptr) + p)
#define LOAD_TAIL(ptr) _mm512_maskz_loadu_ps(mt, (ptr) + kv)
    for (size_t p = 0; p < kv; p += 16) STEP(LOAD_FULL)
    if (mt) STEP(LOAD_TAIL)
#undef LOAD_FULL
#undef LOAD_TAIL
#undef STEP
#undef FMA
#undef XS
#undef YS
    float t[16]; /* t[4 (q % 4) + q / 4] = sum of accumulator q */
    _mm512_storeu_ps(t, reduce16(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14,
                                 s15));
    size_t rows = min_sz((size_t)RA, m - i), cols = min_sz((size_t)RB, n - j);
    for (size_t r = 0; r < rows; r++)
        for (size_t q = 0; q < cols; q++) {
            size_t acc = r * (size_t)RB + q;
            float v = t[4 * (acc % 4) + acc / 4];
            if (bias != NULL) v += bias[j + q];
            c[(i + r) * ldc + j + q] = v;
        }
}

/* nt for narrow C (n <= 16, the output layer): blocks of dot products along
 * k, so every vector lane does useful work where a 16-column tile would
 * waste 16 - n of them: 4 x 4 blocks, and 8 x 2 blocks for the last one or
 * two columns (n = 10 has no idle accumulator). */
static void nt_narrow(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                      size_t ldb, const float *bias, float *c, size_t ldc) {
    size_t rem = n % 4, n4 = rem == 3 ? n : n - rem;
    for (size_t i = 0; i < m; i += 4)
        for (size_t j = 0; j < n4; j += 4)
            dot_block(4, 4, k, a, lda, i, m, b, ldb, j, n, bias, c, ldc);
    if (n4 < n)
        for (size_t i = 0; i < m; i += 8)
            dot_block(8, 2, k, a, lda, i, m, b, ldb, n4, n, bias, c, ldc);
}

/* Up to NB (constant) column blocks of 16 of C row i, one accumulator each,
 * all in one pass over the rows of B: NB independent FMA chains, so small
 * n is not bound by the FMA latency. The same order over p as one block at
 * a time. Masked: nothing is read or written past column n. */
INLINE void axpy_blocks(const int NB, size_t n, size_t j, size_t k, const float *x, size_t xp,
                        const float *b, size_t ldb, float *ci, int add) {
    const size_t r = n - j; /* > 16 (NB - 1) */
    const __mmask16 m0 = mask16(r), m1 = NB > 1 ? mask16(r - 16) : 0,
                    m2 = NB > 2 ? mask16(r - 32) : 0, m3 = NB > 3 ? mask16(r - 48) : 0;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const float *bp = b + j;
    for (size_t p = 0; p < k; p++, bp += ldb) {
        __m512 xv = _mm512_set1_ps(x[p * xp]);
        s0 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m0, bp), s0);
        if (NB > 1) s1 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m1, bp + 16), s1);
        if (NB > 2) s2 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m2, bp + 32), s2);
        if (NB > 3) s3 = _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m3, bp + 48), s3);
    }
#define OUT(q)                                                                       \
    if (NB > q) {                                                                    \
        if (add) s##q = _mm512_add_ps(_mm512_maskz_loadu_ps(m##q, ci + j + 16 * q), s##q); \
        _mm512_mask_storeu_ps(ci + j + 16 * q, m##q, s##q);                          \
    }
    OUT(0) OUT(1) OUT(2) OUT(3)
#undef OUT
}

/* Row-streaming form shared by nn (small m) and tn (small k):
 * C row i [+]= sum_p x(i, p) B row p, x(i, p) = xs[i * xi + p * xp].
 * 128 columns (8 zmm) per pass over the rows of B, then up to 64 (4 masked
 * zmm) per pass. */
static void rows_axpy(size_t m, size_t n, size_t k, const float *xs, size_t xi, size_t xp,
                      const float *b, size_t ldb, float *c, size_t ldc, int add) {
    if (k == 1) { /* one sample's weight gradient: the products, then the old C */
        for (size_t i = 0; i < m; i++) {
            const __m512 xv = _mm512_set1_ps(xs[i * xi]);
            float *ci = c + i * ldc;
            size_t j = 0;
            for (; j + 16 <= n; j += 16) {
                __m512 s = _mm512_mul_ps(xv, _mm512_loadu_ps(b + j));
                if (add) s = _mm512_add_ps(_mm512_loadu_ps(ci + j), s);
                _mm512_storeu_ps(ci + j, s);
            }
            if (j < n) {
                const __mmask16 mk = mask16(n - j);
                __m512 s = _mm512_mul_ps(xv, _mm512_maskz_loadu_ps(mk, b + j));
                if (add) s = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, ci + j), s);
                _mm512_mask_storeu_ps(ci + j, mk, s);
            }
        }
        return;
    }
    for (size_t i = 0; i < m; i++) {
        const float *x = xs + i * xi;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 128 <= n; j += 128) {
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0,
                   s7 = s0;
            const float *bp = b + j;
            for (size_t p = 0; p < k; p++, bp += ldb) {
                __m512 xv = _mm512_set1_ps(x[p * xp]);
                s0 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp), s0);
                s1 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 16), s1);
                s2 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 32), s2);
                s3 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 48), s3);
                s4 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 64), s4);
                s5 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 80), s5);
                s6 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 96), s6);
                s7 = _mm512_fmadd_ps(xv, _mm512_loadu_ps(bp + 112), s7);
            }
#define OUT(q)                                                                    \
    if (add) s##q = _mm512_add_ps(_mm512_loadu_ps(ci + j + 16 * q), s##q);        \
    _mm512_storeu_ps(ci + j + 16 * q, s##q);
            OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
        }
        for (; j < n; j += 64) {
            if (n - j > 48) axpy_blocks(4, n, j, k, x, xp, b, ldb, ci, add);
            else if (n - j > 32) axpy_blocks(3, n, j, k, x, xp, b, ldb, ci, add);
            else if (n - j > 16) axpy_blocks(2, n, j, k, x, xp, b, ldb, ci, add);
            else axpy_blocks(1, n, j, k, x, xp, b, ldb, ci, add);
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
    else if (n <= 16 && k >= 32) nt_narrow(m, n, k, a, lda, b, ldb, bias, c, ldc);
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

/* db[j] += sum_i dy[i][j], i rising: 64 columns per pass, then 16 with masks. */
static void bias_grad(size_t m, size_t n, const float *dy, size_t lddy, float *db) {
    size_t j = 0;
    for (; j + 64 <= n; j += 64) {
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < m; i++) {
            const float *r = dy + i * lddy + j;
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps(r));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps(r + 16));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps(r + 32));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps(r + 48));
        }
        _mm512_storeu_ps(db + j, _mm512_add_ps(_mm512_loadu_ps(db + j), s0));
        _mm512_storeu_ps(db + j + 16, _mm512_add_ps(_mm512_loadu_ps(db + j + 16), s1));
        _mm512_storeu_ps(db + j + 32, _mm512_add_ps(_mm512_loadu_ps(db + j + 32), s2));
        _mm512_storeu_ps(db + j + 48, _mm512_add_ps(_mm512_loadu_ps(db + j + 48), s3));
    }
    for (; j < n; j += 16) {
        __mmask16 mk = mask16(n - j);
        __m512 s = _mm512_setzero_ps();
        for (size_t i = 0; i < m; i++)
            s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(mk, dy + i * lddy + j));
        _mm512_mask_storeu_ps(db + j, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, db + j), s));
    }
}

void dsc__avx512_init_gemm(dsc_kernels *k) {
    k->gemm_ws_floats = WS_FLOATS;
    k->gemm_nt = gemm_nt;
    k->gemm_nn = gemm_nn;
    k->gemm_tn = gemm_tn;
    k->bias_grad = bias_grad;
}
