/* avx512 kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad. The
 * driver (blocking, micro-kernel, tile dispatch, entry points, bias_grad)
 * is ../gemm_tmpl.h over simd.h, with 32 zmm registers: 32-wide B panels (16
 * wide for a narrow last one), 8-row A panels, an 8 x 32 micro-kernel (16
 * zmm accumulators, A broadcast, two zmm of B per k step) with 2- and 4-row
 * and 16-column instances; edge tiles loaded and stored with masks and a row
 * count, never past C. What only this ISA has lives here:
 * - B of nn and tn, already k-major, is read in place unless its rows alias
 *   in L1 (ldb a multiple of 512; GEMM_B_IN_PLACE below);
 * - column panels are packed a whole block at a time, row after row;
 * - nt with n <= 16 (the output layer) uses 4 x 4 blocks of dot products;
 * - nt_dot reduces its 4 sums at once (hsum4_store), nt_narrow 16, and
 *   rows_axpy streams B in masked column blocks. */
#include "../avx_pack.h"
#include "simd.h"

#define MR 8
#define NR 32
#define KC 256
#define MC 128 /* multiple of MR */
#define NC 512 /* multiple of NR */
#define SMALL 3 /* m (nt, nn) or k (tn) up to which no packing is done */
#define GEMM_MR_SHORT 2
#define GEMM_MR_MID 4
#define GEMM_MASKED_TAILS 1
/* A in place where one B panel covers n (each element used once per k
 * block) or k < 32 (its rows stay in L1 anyway). B of nn and tn is already
 * k-major: its panels are read in place (measured faster on the MLP shapes,
 * no packing pass) unless rows 2 KB apart or a multiple of it alias in the
 * L1 sets and m reuses them. */
#define GEMM_PACK_A_MIN_K 32
#define GEMM_B_IN_PLACE(op, m, ldb) ((op) != OP_NT && !((m) > 2 * MR && (ldb) % 512 == 0))
#define GEMM_OWN_PACK
#define GEMM_HSUM4_STORE hsum4_store
#define GEMM_OWN_ROWS_AXPY
#define GEMM_NT_NARROW(m, n, k) ((n) <= 16 && (k) >= 32)
/* tn with m <= 12 rows (a narrow layer's weight gradient): all rows at once
 * (24 accumulators), A and B in place. From m = 5: below, the packed path's
 * 4-row tile already covers the rows. */
#define GEMM_TN_ROWS_MAX 12
#define GEMM_TN_NARROW(m, n, k) ((m) >= 5 && (m) <= GEMM_TN_ROWS_MAX)
/* nn with k <= 16 (a narrow layer's input gradient): the same few-rows blocks
 * over all m rows, in chunks. */
#define GEMM_NN_SHORT_K(m, n, k) ((k) <= 16)
#define GEMM_NN_ROWS_MAX 6

/* The horizontal sums of s0..s3 (+ bias[0..3] unless NULL) to out[0..3],
 * in a fixed order: halves, quarters, then pairs within each 128-bit block. */
static inline void hsum4_store(__m512 s0, __m512 s1, __m512 s2, __m512 s3, const float *bias,
                               float *out) {
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
    __m128 r = _mm512_castps512_ps128(_mm512_permutexvar_ps(lanes, w));
    if (bias != NULL) r = _mm_add_ps(r, _mm_loadu_ps(bias));
    _mm_storeu_ps(out, r);
}

#include "../gemm_tmpl.h"

static __mmask16 mask16(size_t n) { /* first min(n, 16) lanes */
    return (__mmask16)(n >= 16 ? 0xffffu : (1u << n) - 1u);
}

/* ---- packing ---------------------------------------------------------- */

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
                __mmask8 mk = (__mmask8)(cols >= 8 ? 0xffu : (1u << cols) - 1u);
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
        pack_rows8(kc, min_sz(MR, mc - i), MR, a + i * lda, lda, ap + i * kc);
}

/* B block (kc x nc at logical (p, j)) into NR-column panels of kc x NR. */
static void pack_b(int op, size_t kc, size_t nc, const float *b, size_t ldb, float *bp) {
    if (op != OP_NT) {
        pack_cols(kc, nc, NR, 1, b, ldb, bp);
        return;
    }
    for (size_t j = 0; j < nc; j += NR) {
        size_t cols = min_sz(NR, nc - j);
        pack_rows8(kc, cols, panel_width(cols), b + j * ldb, ldb, bp + j * kc);
    }
}

/* ---- small-product paths (no packing) --------------------------------- */

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
    /* Accumulator x takes A row L / RB times B row L % RB, L = 4 (x % 4) + x / 4:
     * reduce16 then leaves the sum of (row r, column q) in lane r RB + q, so
     * each row's RB results are adjacent and stored as one piece. */
#define XS(r) ((r) == 0 ? x0 : (r) == 1 ? x1 : (r) == 2 ? x2 : (r) == 3 ? x3 \
             : (r) == 4 ? x4 : (r) == 5 ? x5 : (r) == 6 ? x6 : x7)
#define YS(q) ((q) == 0 ? y0 : (q) == 1 ? y1 : (q) == 2 ? y2 : y3)
#define LANE(x) (4 * ((x) % 4) + (x) / 4)
#define FMA(x) s##x = _mm512_fmadd_ps(XS(LANE(x) / RB), YS(LANE(x) % RB), s##x);
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
#undef LANE
#undef XS
#undef YS
    /* lane r RB + q: C[i + r][j + q] */
    __m512 sums = reduce16(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
    size_t rows = min_sz((size_t)RA, m - i), cols = min_sz((size_t)RB, n - j);
    if (rows == (size_t)RA && cols == (size_t)RB) { /* whole block: one store per row */
        float *cr = c + i * ldc + j;
        if (RB == 4) {
            if (bias != NULL) sums = _mm512_add_ps(sums, _mm512_broadcast_f32x4(_mm_loadu_ps(bias + j)));
            _mm_storeu_ps(cr, _mm512_extractf32x4_ps(sums, 0));
            _mm_storeu_ps(cr + ldc, _mm512_extractf32x4_ps(sums, 1));
            _mm_storeu_ps(cr + 2 * ldc, _mm512_extractf32x4_ps(sums, 2));
            _mm_storeu_ps(cr + 3 * ldc, _mm512_extractf32x4_ps(sums, 3));
            return;
        }
        if (RB == 2) {
            if (bias != NULL) {
                /* two floats; _mm_loadl_epi64 reads them unaligned (_mm_load_sd would not) */
                const __m128 bj = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(const void *)(bias + j)));
                sums = _mm512_add_ps(sums, _mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_castps_pd(bj))));
            }
            for (int q = 0; q < 4; q++) {
                const __m128 v = q == 0 ? _mm512_extractf32x4_ps(sums, 0)
                               : q == 1 ? _mm512_extractf32x4_ps(sums, 1)
                               : q == 2 ? _mm512_extractf32x4_ps(sums, 2)
                                        : _mm512_extractf32x4_ps(sums, 3);
                _mm_storel_pi((__m64 *)(void *)(cr + 2 * (size_t)q * ldc), v);
                _mm_storeh_pi((__m64 *)(void *)(cr + (2 * (size_t)q + 1) * ldc), v);
            }
            return;
        }
    }
    float t[16];
    _mm512_storeu_ps(t, sums);
    for (size_t r = 0; r < rows; r++)
        for (size_t q = 0; q < cols; q++) {
            float v = t[r * (size_t)RB + q];
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

void dsc__avx512_init_gemm(dsc_kernels *k) {
    tmpl_init_gemm(k);
}
