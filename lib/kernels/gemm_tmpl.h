/* GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad written once over an ISA's
 * simd.h layer; each <isa>/gemm.c defines its parameters, includes its
 * simd.h, then this file, then its own pieces, and calls tmpl_init_gemm()
 * from its family init. Formulas and PyTorch references are in
 * scalar/gemm.c; kernels.h states the contracts.
 *
 *   gemm_nt:   C  = A B^T (+ bias)   Y  = X W^T + b   (torch.nn.functional.linear)
 *   gemm_nn:   C  = A B              dX = dY W        (linear backward, input)
 *   gemm_tn:   C += A^T B            dW += dY^T X     (linear backward, weight)
 *   bias_grad: db += sum_i dY[i]     db += dY.sum(0)
 *
 * Large products go through the GotoBLAS/BLIS scheme: B packed per KC x NC
 * block into NR-wide column panels (NR / 2 wide for a narrow last one), A per
 * MC x KC block into MR-row panels (both zero-padded), and one MR x NR
 * register-blocked micro-kernel with shorter and narrower instances for the
 * edges serves all three forms; only the packing knows the layouts. A is
 * read in place (no packing) when one B panel covers n, each element being
 * used once per k block, or k < GEMM_PACK_A_MIN_K. Products with m <= SMALL
 * (nt: dot products along k; nn: rows of B streamed) or k <= SMALL (tn:
 * rank-k update) use no packing at all. Sums run in a fixed order for a
 * given shape (deterministic); bias, and the old C, are added after each k
 * block's sum.
 *
 * The including file defines, before the include:
 *   MR NR KC MC NC   tile and block sizes (MC a multiple of MR, NC of NR;
 *                    NR = 2 * DSC_VL unless it brings its own kernel)
 *   SMALL            m (nt, nn) or k (tn) up to which nothing is packed
 *   GEMM_MR_SHORT    rows of the short edge instances (GEMM_MR_MID: optional
 *                    third, middle size)
 *   GEMM_MASKED_TAILS 1 when vf_load_part / vf_store_part are single masked
 *                    instructions: tails and edge tiles then use them;
 *                    0: edge tiles go through a buffer, tails are scalar
 *   GEMM_LOAD_B(p)   optional: the load of a packed (aligned) B panel row
 *   GEMM_PACK_A_MIN_K optional: k below which A is read in place (default 1)
 *   GEMM_B_IN_PLACE(op, m, ldb) optional: when B of nn / tn is read in place
 *                    (the micro-kernel then loads B rows bs apart, masked)
 *   GEMM_TRANSPOSE4(s, ld, d, w) optional: a 4 x 4 transpose (see pack_rows)
 *   GEMM_HSUM4_STORE(s0, s1, s2, s3, bias, out) optional, masked ISAs: the 4
 *                    horizontal sums of nt_dot (+ bias[0..3] unless NULL) to
 *                    out[0..3], in one fixed order
 * and, after the include unless GEMM_TRANSPOSE4, pack_rows(kc, rows, w, src,
 * ld, dst): one panel from a matrix whose panel index runs along rows
 * (element (r, p) at src[r * ld + p]) into dst[p * w + r], zero past rows.
 * It may instead bring its own pieces: GEMM_OWN_PACK (pack_a, pack_b),
 * GEMM_OWN_KERNEL (kernel_tmpl), GEMM_OWN_NT_DOT (nt_dot), GEMM_OWN_ROWS_AXPY (rows_axpy),
 * GEMM_NT_NARROW(m, n, k) (a condition under which nt_narrow computes nt).
 * Only static functions; the template declares what it expects. */
#ifndef DSC_KERNELS_GEMM_TMPL_H
#define DSC_KERNELS_GEMM_TMPL_H

#include "kernels.h"

#include <stddef.h>
#include <string.h>

#define WS_FLOATS (MC * KC + KC * NC)

#ifndef GEMM_LOAD_B
#  define GEMM_LOAD_B(p) vf_load(p)
#endif
#ifndef GEMM_PACK_A_MIN_K
#  define GEMM_PACK_A_MIN_K 1
#endif
#ifdef GEMM_B_IN_PLACE
#  define GEMM_B_STRIDED 1
#else
#  define GEMM_B_STRIDED 0
#  define GEMM_B_IN_PLACE(op, m, ldb) 0
#endif

enum { OP_NT, OP_NN, OP_TN };

#if defined(__GNUC__) || defined(__clang__)
#  define INLINE static inline __attribute__((always_inline))
#else
#  define INLINE static inline
#endif

static size_t min_sz(size_t a, size_t b) {
    return a < b ? a : b;
}

/* Panels of B are NR wide, except a last one of NR / 2 or fewer columns,
 * which is packed NR / 2 wide for the narrow instances. */
static size_t panel_width(size_t cols) {
    return cols <= NR / 2 ? NR / 2 : NR;
}

/* C tile (mr x nr, mr <= MRV, nr <= NRV) = [C +] sum_p A(r, p) B(p) [+ bias],
 * over p < kc, where A(r, p) = a[r * rs + p * ps] (a packed panel: rs = 1,
 * ps = MR; or A in place, CLAMP) and B(p) = b[p * bs + 0 .. nr-1]. MRV and
 * NRV are constants in every caller, so unused accumulators and rows vanish. */
INLINE void kernel_tmpl(const int MRV, const int NRV, const int CLAMP, size_t kc, const float *a,
                        size_t rs, size_t ps, const float *b, size_t bs, float *c, size_t ldc,
                        size_t mr, size_t nr, int add, const float *bias);

/* ---- packing ---------------------------------------------------------- */

#ifdef GEMM_OWN_PACK
static void pack_a(int op, size_t mc, size_t kc, const float *a, size_t lda, float *ap);
static void pack_b(int op, size_t kc, size_t nc, const float *b, size_t ldb, float *bp);
#else
#  ifdef GEMM_TRANSPOSE4
/* Groups of 4 full rows by 4 x 4 transposes (GEMM_TRANSPOSE4(s, ld, d, w):
 * 4 floats of rows s, s + ld, s + 2 ld, s + 3 ld to the 4 rows d, d + w,
 * d + 2 w, d + 3 w), then element by element, zero past rows. */
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        const float *s = src + r0 * ld;
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) GEMM_TRANSPOSE4(s + p, ld, dst + p * w + r0, w);
        for (; p < kc; p++)
            for (size_t i = 0; i < 4; i++) dst[p * w + r0 + i] = s[i * ld + p];
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t i = r0; i < w; i++) dst[p * w + i] = i < rows ? src[i * ld + p] : 0.0f;
}
#  else
static void pack_rows(size_t kc, size_t rows, size_t w, const float *src, size_t ld, float *dst);
#  endif

/* Panel index along columns of src (element (r, p) at src[p * ld + r]). */
static void pack_cols(size_t kc, size_t cols, size_t w, const float *src, size_t ld, float *dst) {
    for (size_t p = 0; p < kc; p++) {
        const float *s = src + p * ld;
        float *d = dst + p * w;
        size_t i = 0;
        if (GEMM_MASKED_TAILS && w % DSC_VL == 0) {
            for (; i < w; i += DSC_VL)
                vf_store(d + i, vf_load_part(s + i, cols > i ? min_sz(DSC_VL, cols - i) : 0));
            continue;
        }
        for (; i + DSC_VL <= cols; i += DSC_VL) vf_store(d + i, vf_load(s + i));
        for (; i < w; i++) d[i] = i < cols ? s[i] : 0.0f;
    }
}

/* A block (mc x kc at logical (i, p)) into MR-row panels of kc x MR. */
static void pack_a(int op, size_t mc, size_t kc, const float *a, size_t lda, float *ap) {
    for (size_t i = 0; i < mc; i += MR) {
        size_t rows = min_sz(MR, mc - i);
        if (op == OP_TN) pack_cols(kc, rows, MR, a + i, lda, ap + i * kc);
        else pack_rows(kc, rows, MR, a + i * lda, lda, ap + i * kc);
    }
}

/* B block (kc x nc at logical (p, j)) into NR-column panels of kc x NR. */
static void pack_b(int op, size_t kc, size_t nc, const float *b, size_t ldb, float *bp) {
    for (size_t j = 0; j < nc; j += NR) {
        size_t cols = min_sz(NR, nc - j), w = panel_width(cols);
        if (op == OP_NT) pack_rows(kc, cols, w, b + j * ldb, ldb, bp + j * kc);
        else pack_cols(kc, cols, w, b + j, ldb, bp + j * kc);
    }
}
#endif

/* ---- micro-kernel ----------------------------------------------------- */

#ifndef GEMM_OWN_KERNEL
/* Up to 8 rows of two vectors: 16 accumulators. B is a packed panel
 * exactly NRV wide, or, where the ISA reads B in place (GEMM_B_IN_PLACE),
 * rows bs apart loaded with the column mask, so nothing past nr is read.
 * Edge tiles: masked loads and stores, or through a buffer, element by
 * element, with the same additions in the same order. */
INLINE void kernel_tmpl(const int MRV, const int NRV, const int CLAMP, size_t kc, const float *a,
                        size_t rs, size_t ps, const float *b, size_t bs, float *c, size_t ldc,
                        size_t mr, size_t nr, int add, const float *bias) {
    const size_t n0 = min_sz(nr, DSC_VL), n1 = nr > DSC_VL ? nr - DSC_VL : 0;
    const vf z = vf_zero();
    vf c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z,
       c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
/* A in place (CLAMP): rows past mr repeat row mr - 1 instead of reading
 * past the end of A; their results are never stored. */
#define ROWIX(i) (CLAMP && (size_t)(i) >= mr ? mr - 1 : (size_t)(i))
#define ROW(i)                                                       \
    if (MRV > i) {                                                   \
        vf av = vf_set1(a[ROWIX(i) * rs]);                           \
        c##i##0 = vf_fma(av, b0, c##i##0);                           \
        if (NRV > DSC_VL) c##i##1 = vf_fma(av, b1, c##i##1);         \
    }
    for (size_t p = 0; p < kc; p++) {
        vf b0, b1;
        if (GEMM_B_STRIDED) {
            b0 = vf_load_part(b, n0), b1 = b0;
            if (NRV > DSC_VL) b1 = vf_load_part(b + DSC_VL, n1);
            b += bs;
        } else {
            b0 = GEMM_LOAD_B(b), b1 = b0;
            if (NRV > DSC_VL) b1 = GEMM_LOAD_B(b + DSC_VL);
            b += NRV;
        }
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
        a += ps;
    }
#undef ROW
#undef ROWIX
    if (mr == (size_t)MRV && nr == (size_t)NRV) { /* full tile: plain loads and stores */
        vf bias0 = z, bias1 = z;
        if (bias != NULL) {
            bias0 = vf_load(bias);
            if (NRV > DSC_VL) bias1 = vf_load(bias + DSC_VL);
        }
#define STORE(i)                                                               \
    if (MRV > i) {                                                             \
        float *ci = c + (size_t)(i) * ldc;                                     \
        if (add) c##i##0 = vf_add(vf_load(ci), c##i##0);                       \
        if (bias != NULL) c##i##0 = vf_add(c##i##0, bias0);                    \
        vf_store(ci, c##i##0);                                                 \
        if (NRV > DSC_VL) {                                                    \
            if (add) c##i##1 = vf_add(vf_load(ci + DSC_VL), c##i##1);          \
            if (bias != NULL) c##i##1 = vf_add(c##i##1, bias1);                \
            vf_store(ci + DSC_VL, c##i##1);                                    \
        }                                                                      \
    }
        STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
        return;
    }
    if (GEMM_MASKED_TAILS) { /* the first n0 columns in vector 0, n1 in vector 1 */
        vf bias0 = z, bias1 = z;
        if (bias != NULL) {
            bias0 = vf_load_part(bias, n0);
            if (NRV > DSC_VL) bias1 = vf_load_part(bias + DSC_VL, n1);
        }
#define STORE(i)                                                               \
    if (MRV > i && (size_t)(i) < mr) {                                         \
        float *ci = c + (size_t)(i) * ldc;                                     \
        if (add) c##i##0 = vf_add(vf_load_part(ci, n0), c##i##0);              \
        if (bias != NULL) c##i##0 = vf_add(c##i##0, bias0);                    \
        vf_store_part(ci, c##i##0, n0);                                        \
        if (NRV > DSC_VL) {                                                    \
            if (add) c##i##1 = vf_add(vf_load_part(ci + DSC_VL, n1), c##i##1); \
            if (bias != NULL) c##i##1 = vf_add(c##i##1, bias1);                \
            vf_store_part(ci + DSC_VL, c##i##1, n1);                           \
        }                                                                      \
    }
        STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
        return;
    }
    float t[8][2 * DSC_VL];
#define SPILL(i)                                                               \
    if (MRV > i) {                                                             \
        vf_store(t[i], c##i##0);                                               \
        if (NRV > DSC_VL) vf_store(t[i] + DSC_VL, c##i##1);                    \
    }
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
#endif

/* The instances: A packed (p) or in place (s), rows class x columns class
 * (NR / 2 or NR). */
#define GEMM_KERNEL(name, MRV, NRV)                                                            \
    static void name##_p(size_t kc, const float *a, const float *b, size_t bs, float *c,       \
                         size_t ldc, size_t mr, size_t nr, int add, const float *bias) {       \
        kernel_tmpl(MRV, NRV, 0, kc, a, 1, MR, b, bs, c, ldc, mr, nr, add, bias);              \
    }                                                                                          \
    static void name##_s(size_t kc, const float *a, size_t rs, size_t ps, const float *b,      \
                         size_t bs, float *c, size_t ldc, size_t mr, size_t nr, int add,       \
                         const float *bias) {                                                  \
        kernel_tmpl(MRV, NRV, 1, kc, a, rs, ps, b, bs, c, ldc, mr, nr, add, bias);             \
    }
GEMM_KERNEL(k_short_narrow, GEMM_MR_SHORT, NR / 2)
GEMM_KERNEL(k_short_wide, GEMM_MR_SHORT, NR)
#ifdef GEMM_MR_MID
GEMM_KERNEL(k_mid_narrow, GEMM_MR_MID, NR / 2)
GEMM_KERNEL(k_mid_wide, GEMM_MR_MID, NR)
#endif
GEMM_KERNEL(k_full_narrow, MR, NR / 2)
GEMM_KERNEL(k_full_wide, MR, NR)
#undef GEMM_KERNEL

typedef void (*kernel_p_fn)(size_t, const float *, const float *, size_t, float *, size_t, size_t,
                            size_t, int, const float *);
typedef void (*kernel_s_fn)(size_t, const float *, size_t, size_t, const float *, size_t, float *,
                            size_t, size_t, size_t, int, const float *);
/* [rows class: short, (mid,) full][columns class: narrow, wide] */
static const kernel_p_fn kernels_p[][2] = {
    {k_short_narrow_p, k_short_wide_p},
#ifdef GEMM_MR_MID
    {k_mid_narrow_p, k_mid_wide_p},
#endif
    {k_full_narrow_p, k_full_wide_p}};
static const kernel_s_fn kernels_s[][2] = {
    {k_short_narrow_s, k_short_wide_s},
#ifdef GEMM_MR_MID
    {k_mid_narrow_s, k_mid_wide_s},
#endif
    {k_full_narrow_s, k_full_wide_s}};

/* One MR x NR (or narrower, shorter) tile with the smallest instance that
 * covers mr x nr. Packed A when ap != NULL, else A in place. */
static void tile(size_t kc, const float *ap, const float *a, size_t rs, size_t ps, const float *b,
                 size_t bs, float *c, size_t ldc, size_t mr, size_t nr, int add,
                 const float *bias) {
#ifdef GEMM_MR_MID
    int rc = mr <= GEMM_MR_SHORT ? 0 : mr <= GEMM_MR_MID ? 1 : 2;
#else
    int rc = mr <= GEMM_MR_SHORT ? 0 : 1;
#endif
    int cc = nr > NR / 2;
    if (ap != NULL) kernels_p[rc][cc](kc, ap, b, bs, c, ldc, mr, nr, add, bias);
    else kernels_s[rc][cc](kc, a, rs, ps, b, bs, c, ldc, mr, nr, add, bias);
}

static void gemm_packed(int op, size_t m, size_t n, size_t k, const float *a, size_t lda,
                        const float *b, size_t ldb, const float *bias, float *c, size_t ldc,
                        float *ws) {
    float *ap = ws, *bp = ws + MC * KC;
    size_t rs = op == OP_TN ? 1 : lda, ps = op == OP_TN ? lda : 1;
    int pack_bm = !(GEMM_B_IN_PLACE(op, m, ldb));
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = min_sz(NC, n - jc);
        int pack = nc > NR && k >= GEMM_PACK_A_MIN_K;
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

#if defined(GEMM_HSUM4_STORE) && !GEMM_MASKED_TAILS
#  error "GEMM_HSUM4_STORE needs GEMM_MASKED_TAILS (no scalar k tail after the sums)"
#endif
#ifdef GEMM_OWN_NT_DOT
static void nt_dot(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc);
#else
/* nt, row by row: C[i][j] = dot(A row i, B row j) (+ bias[j]), 4 rows of B
 * at once. The k % DSC_VL last terms go into the vector sum with masked
 * loads, or are added after it, in rising order. */
static void nt_dot(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                   size_t ldb, const float *bias, float *c, size_t ldc) {
    const size_t kv = k - k % DSC_VL, kt = k - kv;
    const int vtail = GEMM_MASKED_TAILS && kt != 0;
    const size_t ks = GEMM_MASKED_TAILS ? kv : k; /* scalar terms up to ks */
    for (size_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
            vf s0 = vf_zero(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t p = 0; p < kv; p += DSC_VL) {
                vf x = vf_load(ai + p);
                s0 = vf_fma(x, vf_load(b0 + p), s0);
                s1 = vf_fma(x, vf_load(b1 + p), s1);
                s2 = vf_fma(x, vf_load(b2 + p), s2);
                s3 = vf_fma(x, vf_load(b3 + p), s3);
            }
            if (vtail) {
                vf x = vf_load_part(ai + kv, kt);
                s0 = vf_fma(x, vf_load_part(b0 + kv, kt), s0);
                s1 = vf_fma(x, vf_load_part(b1 + kv, kt), s1);
                s2 = vf_fma(x, vf_load_part(b2 + kv, kt), s2);
                s3 = vf_fma(x, vf_load_part(b3 + kv, kt), s3);
            }
#ifdef GEMM_HSUM4_STORE
            GEMM_HSUM4_STORE(s0, s1, s2, s3, bias != NULL ? bias + j : NULL, ci + j);
            continue;
#endif
            float r0 = vf_hsum(s0), r1 = vf_hsum(s1), r2 = vf_hsum(s2), r3 = vf_hsum(s3);
            for (size_t p = kv; p < ks; p++) {
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
            vf s = vf_zero();
            for (size_t p = 0; p < kv; p += DSC_VL) s = vf_fma(vf_load(ai + p), vf_load(bj + p), s);
            if (vtail) s = vf_fma(vf_load_part(ai + kv, kt), vf_load_part(bj + kv, kt), s);
            float r = vf_hsum(s);
            for (size_t p = kv; p < ks; p++) r += ai[p] * bj[p];
            if (bias != NULL) r += bias[j];
            ci[j] = r;
        }
    }
}
#endif

#ifdef GEMM_OWN_ROWS_AXPY
static void rows_axpy(size_t m, size_t n, size_t k, const float *xs, size_t xi, size_t xp,
                      const float *b, size_t ldb, float *c, size_t ldc, int add);
#else
/* Row-streaming form shared by nn (small m) and tn (small k):
 * C row i [+]= sum_p x(i, p) B row p, x(i, p) = xs[i * xi + p * xp].
 * 8 vectors of columns per pass over the rows of B, then one, then the last
 * partial one masked or scalar. Whole vectors stay unmasked: a vmaskmovps
 * store costs about 10 cycles on AMD (measured on an EPYC, Zen 4). */
static void rows_axpy(size_t m, size_t n, size_t k, const float *xs, size_t xi, size_t xp,
                      const float *b, size_t ldb, float *c, size_t ldc, int add) {
    for (size_t i = 0; i < m; i++) {
        const float *x = xs + i * xi;
        float *ci = c + i * ldc;
        size_t j = 0;
        for (; j + 8 * DSC_VL <= n; j += 8 * DSC_VL) {
            vf s0 = vf_zero(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            const float *bp = b + j;
            for (size_t p = 0; p < k; p++, bp += ldb) {
                vf xv = vf_set1(x[p * xp]);
                s0 = vf_fma(xv, vf_load(bp), s0);
                s1 = vf_fma(xv, vf_load(bp + DSC_VL), s1);
                s2 = vf_fma(xv, vf_load(bp + 2 * DSC_VL), s2);
                s3 = vf_fma(xv, vf_load(bp + 3 * DSC_VL), s3);
                s4 = vf_fma(xv, vf_load(bp + 4 * DSC_VL), s4);
                s5 = vf_fma(xv, vf_load(bp + 5 * DSC_VL), s5);
                s6 = vf_fma(xv, vf_load(bp + 6 * DSC_VL), s6);
                s7 = vf_fma(xv, vf_load(bp + 7 * DSC_VL), s7);
            }
#define OUT(q)                                                                 \
    if (add) s##q = vf_add(vf_load(ci + j + q * DSC_VL), s##q);                \
    vf_store(ci + j + q * DSC_VL, s##q);
            OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7)
#undef OUT
        }
        for (; j + DSC_VL <= n; j += DSC_VL) {
            vf s = vf_zero();
            for (size_t p = 0; p < k; p++) s = vf_fma(vf_set1(x[p * xp]), vf_load(b + p * ldb + j), s);
            if (add) s = vf_add(vf_load(ci + j), s);
            vf_store(ci + j, s);
        }
        if (GEMM_MASKED_TAILS && j < n) {
            const size_t r = n - j;
            vf s = vf_zero();
            for (size_t p = 0; p < k; p++)
                s = vf_fma(vf_set1(x[p * xp]), vf_load_part(b + p * ldb + j, r), s);
            if (add) s = vf_add(vf_load_part(ci + j, r), s);
            vf_store_part(ci + j, s, r);
            continue;
        }
        for (; j < n; j++) {
            float s = 0.0f;
            for (size_t p = 0; p < k; p++) s += x[p * xp] * b[p * ldb + j];
            ci[j] = add ? ci[j] + s : s;
        }
    }
}
#endif

#ifdef GEMM_TN_ROWS_MAX
/* R rows of C [+]= sum_p x(r, p) B row p, x(r, p) = a[r rs + p ps], 2
 * vectors of columns per pass over k, A and B read in place (R broadcasts
 * and 2 loads per k step, 2 R accumulators): no packing pass, which at a
 * short k is a large share of the work, and no short edge tile. Each C
 * element: its products summed in rising p from zero, then added to C when
 * add (rows_axpy's and, for k <= KC, the packed kernels' order). The
 * columns past the last whole pair of vectors are loaded and stored masked.
 * Serves tn with few rows of C (the weight gradient of a narrow layer, C +=
 * dY^T X, m = its outputs) and nn with a short k (its input gradient, dX =
 * dY W, k = its outputs). */
INLINE void rows_block(const int R, size_t n, size_t k, const float *a, size_t rs, size_t ps,
                       const float *b, size_t ldb, float *c, size_t ldc, int add) {
#define ACC(r) vf c##r##0 = vf_zero(), c##r##1 = vf_zero();
#define ROW(r)                                                                         \
    if (R > r) {                                                                       \
        const vf x = vf_set1(ap[(size_t)r * rs]);                                      \
        c##r##0 = vf_fma(x, b0, c##r##0);                                              \
        c##r##1 = vf_fma(x, b1, c##r##1);                                              \
    }
#define ROWS ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11)
#define OUT(r)                                                                         \
    if (R > r) {                                                                       \
        float *cr = c + (size_t)r * ldc + j;                                           \
        if (add && w == 2 * DSC_VL) {                                                  \
            c##r##0 = vf_add(vf_load(cr), c##r##0);                                    \
            c##r##1 = vf_add(vf_load(cr + DSC_VL), c##r##1);                           \
        } else if (add) {                                                              \
            c##r##0 = vf_add(w > DSC_VL ? vf_load(cr) : vf_load_part(cr, w), c##r##0);    \
            if (w > DSC_VL)                                                            \
                c##r##1 = vf_add(vf_load_part(cr + DSC_VL, w - DSC_VL), c##r##1);      \
        }                                                                              \
        if (w == 2 * DSC_VL) {                                                         \
            vf_store(cr, c##r##0);                                                     \
            vf_store(cr + DSC_VL, c##r##1);                                            \
        } else if (w > DSC_VL) {                                                       \
            vf_store(cr, c##r##0);                                                     \
            vf_store_part(cr + DSC_VL, c##r##1, w - DSC_VL);                           \
        } else {                                                                       \
            vf_store_part(cr, c##r##0, w);                                             \
        }                                                                              \
    }
    for (size_t j = 0; j < n; j += 2 * DSC_VL) {
        const size_t w = min_sz(2 * DSC_VL, n - j);
        ACC(0) ACC(1) ACC(2) ACC(3) ACC(4) ACC(5) ACC(6) ACC(7) ACC(8) ACC(9) ACC(10) ACC(11)
        const float *ap = a, *bp = b + j;
        if (w == 2 * DSC_VL) {
            for (size_t p = 0; p < k; p++, ap += ps, bp += ldb) {
                const vf b0 = vf_load(bp), b1 = vf_load(bp + DSC_VL);
                ROWS
            }
        } else {
            for (size_t p = 0; p < k; p++, ap += ps, bp += ldb) {
                const vf b0 = w > DSC_VL ? vf_load(bp) : vf_load_part(bp, w);
                const vf b1 = w > DSC_VL ? vf_load_part(bp + DSC_VL, w - DSC_VL) : vf_zero();
                ROWS
            }
        }
        OUT(0) OUT(1) OUT(2) OUT(3) OUT(4) OUT(5) OUT(6) OUT(7) OUT(8) OUT(9) OUT(10) OUT(11)
    }
#undef ACC
#undef ROW
#undef ROWS
#undef OUT
}

/* All m rows in near-equal chunks of at most maxr <= GEMM_TN_ROWS_MAX rows (each
 * element's sum is the same whatever the chunks). */
static void rows_narrow(size_t maxr, size_t m, size_t n, size_t k, const float *a, size_t rs,
                        size_t ps, const float *b, size_t ldb, float *c, size_t ldc, int add) {
    const size_t chunks = (m + maxr - 1) / maxr;
    for (size_t i = 0, ch = 0; ch < chunks; ch++) {
        const size_t rows = (m - i) / (chunks - ch);
        const float *ai = a + i * rs;
        float *ci = c + i * ldc;
        switch (rows) {
#define CASE(r) case r: rows_block(r, n, k, ai, rs, ps, b, ldb, ci, ldc, add); break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#if GEMM_TN_ROWS_MAX > 6
        CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#endif
#undef CASE
        default: break;
        }
        i += rows;
    }
}
#endif

#ifdef GEMM_NT_NARROW
static void nt_narrow(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                      size_t ldb, const float *bias, float *c, size_t ldc);
#endif

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
#ifdef GEMM_NT_NARROW
    else if (GEMM_NT_NARROW(m, n, k)) nt_narrow(m, n, k, a, lda, b, ldb, bias, c, ldc);
#endif
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
#ifdef GEMM_TN_ROWS_MAX
    else if (GEMM_NN_SHORT_K(m, n, k)) rows_narrow(GEMM_NN_ROWS_MAX, m, n, k, a, lda, 1, b, ldb, c, ldc, 0);
#endif
    else gemm_packed(OP_NN, m, n, k, a, lda, b, ldb, NULL, c, ldc, ws);
}

static void gemm_tn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws) {
    if (m == 0 || n == 0 || k == 0) return;
    if (k <= SMALL) rows_axpy(m, n, k, a, 1, lda, b, ldb, c, ldc, 1);
#ifdef GEMM_TN_ROWS_MAX
    else if (GEMM_TN_NARROW(m, n, k)) rows_narrow(GEMM_TN_ROWS_MAX, m, n, k, a, 1, lda, b, ldb, c, ldc, 1);
#endif
    else gemm_packed(OP_TN, m, n, k, a, lda, b, ldb, NULL, c, ldc, ws);
}

/* db[j] += sum_i dy[i][j], i rising: 4 vectors of columns per pass, then
 * one (masked, or whole ones and a scalar tail). */
static void bias_grad(size_t m, size_t n, const float *dy, size_t lddy, float *db) {
    size_t j = 0;
    for (; j + 4 * DSC_VL <= n; j += 4 * DSC_VL) {
        vf s0 = vf_zero(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t i = 0; i < m; i++) {
            const float *r = dy + i * lddy + j;
            s0 = vf_add(s0, vf_load(r));
            s1 = vf_add(s1, vf_load(r + DSC_VL));
            s2 = vf_add(s2, vf_load(r + 2 * DSC_VL));
            s3 = vf_add(s3, vf_load(r + 3 * DSC_VL));
        }
        vf_store(db + j, vf_add(vf_load(db + j), s0));
        vf_store(db + j + DSC_VL, vf_add(vf_load(db + j + DSC_VL), s1));
        vf_store(db + j + 2 * DSC_VL, vf_add(vf_load(db + j + 2 * DSC_VL), s2));
        vf_store(db + j + 3 * DSC_VL, vf_add(vf_load(db + j + 3 * DSC_VL), s3));
    }
    if (GEMM_MASKED_TAILS) {
        for (; j < n; j += DSC_VL) {
            const size_t r = min_sz(DSC_VL, n - j);
            vf s = vf_zero();
            for (size_t i = 0; i < m; i++) s = vf_add(s, vf_load_part(dy + i * lddy + j, r));
            vf_store_part(db + j, vf_add(vf_load_part(db + j, r), s), r);
        }
        return;
    }
    for (; j + DSC_VL <= n; j += DSC_VL) {
        vf s = vf_zero();
        for (size_t i = 0; i < m; i++) s = vf_add(s, vf_load(dy + i * lddy + j));
        vf_store(db + j, vf_add(vf_load(db + j), s));
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++) s += dy[i * lddy + j];
        db[j] += s;
    }
}

static void tmpl_init_gemm(dsc_kernels *k) {
    k->gemm_ws_floats = WS_FLOATS;
    k->gemm_nt = gemm_nt;
    k->gemm_nn = gemm_nn;
    k->gemm_tn = gemm_tn;
    k->bias_grad = bias_grad;
}

#endif
