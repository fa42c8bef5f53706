/* GEMM family of the kernel table (gemm_nt, gemm_nn, gemm_tn, bias_grad):
 * every ISA this CPU runs, against a double-precision reference and against
 * the scalar kernels, in the style of dav1d's checkasm.
 *
 * Each case checks: values within tolerance; nothing written outside the
 * output's extent (canaries before the buffer, in the row padding between n
 * and ldc, and after the last element); inputs and their padding unchanged;
 * the padding of the inputs never read into the result (it holds NaN); C read
 * only by gemm_tn (for nt/nn it starts as NaN); no read past the end of A or
 * B (each ends where an inaccessible page begins); the workspace's contents not
 * used (it starts as NaN) and no write past gemm_ws_floats; results
 * bit-identical on a second run with a different workspace content.
 *
 * Tolerances, per kernel, as |got - exact| <= tol * S where S is the sum of
 * the magnitudes of every term (|a b| over p, plus |bias| or |old C|) and
 * eps = FLT_EPSILON. They bound float summation in any order, with or without
 * FMA ((terms - 1) roundings of at most eps/2 each, taken twice over):
 *   gemm_nt, gemm_nn, gemm_tn: tol = (k + 2) * eps
 *   bias_grad:                 tol = (m + 2) * eps
 * and against the scalar kernel's result: twice that.
 *
 * Under tests/run.sh, DESCENT_ISA names one set and only that set (and
 * scalar) is checked; run directly (no DESCENT_ISA) every available set is. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "harness.h"
#include "kernels/kernels.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARD 16 /* canary floats before and after every buffer */
static const uint32_t CANARY = 0x7fa5c3e1u; /* a NaN that no arithmetic produces */

enum { K_NT, K_NN, K_TN };
static const char *const kind_names[] = {"gemm_nt", "gemm_nn", "gemm_tn"};

/* ---- deterministic inputs -------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static float rnd_float(void) { /* in [-1, 1) */
    return (float)((double)rnd() / 2147483648.0 * 2.0 - 1.0);
}

static size_t rnd_below(size_t n) {
    return (size_t)rnd() % n;
}

/* ---- guarded buffers ------------------------------------------------- */

typedef struct gbuf {
    float *base;  /* GUARD + off + count + GUARD floats, 64-byte aligned */
    float *p;     /* the buffer the kernel sees: base + GUARD + off */
    size_t count; /* floats in the kernel's extent */
    size_t total;
    void *map;    /* inputs: mmap'd, followed by an inaccessible page */
    size_t map_len;
} gbuf;

static void fill_canary(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) memcpy(&x[i], &CANARY, sizeof CANARY);
}

static int is_canary(const float *x) {
    uint32_t u;
    memcpy(&u, x, sizeof u);
    return u == CANARY;
}

static gbuf gbuf_new(size_t count, size_t off) {
    gbuf g;
    g.count = count;
    g.total = GUARD + off + count + GUARD;
    void *mem = NULL;
    assert_int_equal(posix_memalign(&mem, 64, g.total * sizeof(float)), 0);
    g.base = mem;
    g.p = g.base + GUARD + off;
    g.map = NULL;
    g.map_len = 0;
    fill_canary(g.base, g.total);
    return g;
}

/* An input buffer whose last float is the last one before a PROT_NONE page,
 * so any read past the extent faults. Canaries before it only. */
static gbuf gbuf_input(size_t count) {
    gbuf g;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes = (GUARD + count) * sizeof(float);
    g.map_len = (bytes + page - 1) / page * page + page;
    g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    char *fence = (char *)g.map + g.map_len - page;
    assert_int_equal(mprotect(fence, page, PROT_NONE), 0);
    g.count = count;
    g.total = GUARD + count;
    g.p = (float *)(void *)fence - count;
    g.base = g.p - GUARD;
    fill_canary(g.base, g.total);
    return g;
}

static void gbuf_free(gbuf *g) {
    if (g->map != NULL) munmap(g->map, g->map_len);
    else free(g->base);
}

/* The floats of a rows x width matrix with leading dimension ld (the last
 * row ends at its last element, so a write past it hits the after-guard). */
static size_t extent(size_t rows, size_t width, size_t ld) {
    return rows == 0 || width == 0 ? 0 : (rows - 1) * ld + width;
}

/* Random values inside the rows x width extent, canaries in the padding. */
static void fill_matrix(gbuf *g, size_t rows, size_t width, size_t ld) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < width; c++) g->p[r * ld + c] = rnd_float();
}

/* Canaries intact everywhere outside the rows x width extent. */
static void check_outside(const gbuf *g, size_t rows, size_t width, size_t ld, const char *what) {
    const float *end = g->p + g->count;
    for (const float *x = g->base; x < g->p; x++)
        if (!is_canary(x)) fail_msg("%s: written %td floats before the buffer", what, g->p - x);
    for (const float *x = end; x < g->base + g->total; x++)
        if (!is_canary(x)) fail_msg("%s: written %td floats past the end", what, x - end + 1);
    for (size_t r = 0; width > 0 && r + 1 < rows; r++)
        for (size_t c = width; c < ld; c++)
            if (!is_canary(&g->p[r * ld + c]))
                fail_msg("%s: row %zu padding column %zu written", what, r, c);
}

/* ---- which kernel sets to check -------------------------------------- */

static int isa_selected(dsc_isa_id id) {
    if (dsc__kernels_for(id) == NULL) return 0;
    const char *env = getenv("DESCENT_ISA");
    if (env == NULL || env[0] == '\0' || strcmp(env, "auto") == 0 || !dsc_isa_available(env))
        return 1;
    return id == DSC_ISA_SCALAR || strcmp(env, dsc__isa_name(id)) == 0;
}

/* ---- one GEMM case ---------------------------------------------------- */

typedef struct gcase {
    int kind;
    size_t m, n, k;
    size_t lda, ldb, ldc;
    size_t off;     /* 0: 64-byte aligned buffers, else misaligned by off floats */
    int with_bias;  /* gemm_nt only */
} gcase;

static void call(const dsc_kernels *kt, const gcase *t, const float *a, const float *b,
                 const float *bias, float *c, float *ws) {
    switch (t->kind) {
    case K_NT: kt->gemm_nt(t->m, t->n, t->k, a, t->lda, b, t->ldb, bias, c, t->ldc, ws); break;
    case K_NN: kt->gemm_nn(t->m, t->n, t->k, a, t->lda, b, t->ldb, c, t->ldc, ws); break;
    default: kt->gemm_tn(t->m, t->n, t->k, a, t->lda, b, t->ldb, c, t->ldc, ws); break;
    }
}

static void run_case(const dsc_kernels *kt, const gcase *t) {
    const size_t m = t->m, n = t->n, k = t->k;
    /* Shapes of the operands as stored. */
    size_t a_rows = t->kind == K_TN ? k : m, a_w = t->kind == K_TN ? m : k;
    size_t b_rows = t->kind == K_NT ? n : k, b_w = t->kind == K_NT ? k : n;
    gbuf A = gbuf_input(extent(a_rows, a_w, t->lda));
    gbuf B = gbuf_input(extent(b_rows, b_w, t->ldb));
    gbuf bias = gbuf_new(t->with_bias ? n : 0, t->off);
    gbuf C = gbuf_new(extent(m, n, t->ldc), t->off);
    gbuf C2 = gbuf_new(extent(m, n, t->ldc), t->off);
    gbuf R = gbuf_new(extent(m, n, t->ldc), t->off); /* the scalar kernel's result */
    gbuf ws = gbuf_new(kt->gemm_ws_floats, 0);
    size_t ws_scalar_n = dsc__kernels_for(DSC_ISA_SCALAR)->gemm_ws_floats;
    gbuf wss = gbuf_new(ws_scalar_n, 0);

    fill_matrix(&A, a_rows, a_w, t->lda);
    fill_matrix(&B, b_rows, b_w, t->ldb);
    fill_matrix(&bias, t->with_bias ? 1 : 0, n, n);
    if (t->kind == K_TN) { /* accumulates: C starts with values, not canaries */
        fill_matrix(&C, m, n, t->ldc);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                C2.p[i * t->ldc + j] = R.p[i * t->ldc + j] = C.p[i * t->ldc + j];
    }
    float *c0 = malloc((C.total) * sizeof(float) + 1);
    memcpy(c0, C.base, C.total * sizeof(float));
    float *a_copy = malloc(A.total * sizeof(float) + 1);
    float *b_copy = malloc(B.total * sizeof(float) + 1);
    memcpy(a_copy, A.base, A.total * sizeof(float));
    memcpy(b_copy, B.base, B.total * sizeof(float));
    const float *biasp = t->with_bias ? bias.p : NULL;

    char what[160];
    snprintf(what, sizeof what, "%s %s m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu off=%zu bias=%d",
             kt->isa, kind_names[t->kind], m, n, k, t->lda, t->ldb, t->ldc, t->off, t->with_bias);

    call(kt, t, A.p, B.p, biasp, C.p, ws.p);
    check_outside(&C, m, n, t->ldc, what);
    check_outside(&ws, 0, 0, 0, what);
    if (memcmp(a_copy, A.base, A.total * sizeof(float)) != 0) fail_msg("%s: A modified", what);
    if (memcmp(b_copy, B.base, B.total * sizeof(float)) != 0) fail_msg("%s: B modified", what);

    /* Against the exact result, computed in double. */
    const double tol = (double)(k + 2) * FLT_EPSILON;
    double *mags = malloc(m * n * sizeof(double) + 1);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double s = 0.0, mag = 0.0;
            for (size_t p = 0; p < k; p++) {
                double x, y;
                switch (t->kind) {
                case K_NT: x = A.p[i * t->lda + p]; y = B.p[j * t->ldb + p]; break;
                case K_NN: x = A.p[i * t->lda + p]; y = B.p[p * t->ldb + j]; break;
                default: x = A.p[p * t->lda + i]; y = B.p[p * t->ldb + j]; break;
                }
                s += x * y;
                mag += fabs(x * y);
            }
            if (t->with_bias) { s += bias.p[j]; mag += fabs(bias.p[j]); }
            if (t->kind == K_TN) {
                double old = c0[GUARD + t->off + i * t->ldc + j];
                s += old;
                mag += fabs(old);
            }
            double got = C.p[i * t->ldc + j];
            mags[i * n + j] = mag;
            if (!(fabs(got - s) <= tol * mag))
                fail_msg("%s: C[%zu][%zu] = %.9g, exact %.9g (|diff| %.3g > %.3g)", what, i, j, got,
                         s, fabs(got - s), tol * mag);
        }
    }

    /* Against the scalar reference. */
    if (kt->id != DSC_ISA_SCALAR) {
        call(dsc__kernels_for(DSC_ISA_SCALAR), t, A.p, B.p, biasp, R.p, wss.p);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double got = C.p[i * t->ldc + j], ref = R.p[i * t->ldc + j];
                if (!(fabs(got - ref) <= 2.0 * tol * mags[i * n + j]))
                    fail_msg("%s: C[%zu][%zu] = %.9g, scalar %.9g", what, i, j, got, ref);
            }
    }

    /* Deterministic: same bits again, whatever the workspace held before. */
    for (size_t i = 0; i < ws.count; i++) ws.p[i] = (float)i;
    call(kt, t, A.p, B.p, biasp, C2.p, ws.p);
    if (memcmp(C.base, C2.base, C.total * sizeof(float)) != 0)
        fail_msg("%s: second run differs", what);

    free(mags);
    free(c0);
    free(a_copy);
    free(b_copy);
    gbuf_free(&A);
    gbuf_free(&B);
    gbuf_free(&bias);
    gbuf_free(&C);
    gbuf_free(&C2);
    gbuf_free(&R);
    gbuf_free(&ws);
    gbuf_free(&wss);
}

/* Leading dimensions: equal to the width, or a little or a lot larger. */
static size_t ld_for(size_t width, size_t sel) {
    static const size_t extra[] = {0, 1, 3, 16, 0, 5};
    return width + extra[sel % 6];
}

static void run_shape(const dsc_kernels *kt, int kind, size_t m, size_t n, size_t k, size_t sel) {
    gcase t;
    t.kind = kind;
    t.m = m;
    t.n = n;
    t.k = k;
    size_t a_w = kind == K_TN ? m : k, b_w = kind == K_NT ? k : n;
    t.lda = ld_for(a_w, sel);
    t.ldb = ld_for(b_w, sel + 1);
    t.ldc = ld_for(n, sel + 2);
    t.off = sel % 2;
    t.with_bias = kind == K_NT && (sel / 2) % 2 == 0;
    run_case(kt, &t);
}

static void run_all_kinds(size_t m, size_t n, size_t k, size_t sel) {
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        if (!isa_selected((dsc_isa_id)id)) continue;
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        for (int kind = K_NT; kind <= K_TN; kind++)
            run_shape(kt, kind, m, n, k, sel + (size_t)kind);
    }
}

/* ---- tests ------------------------------------------------------------ */

static void test_gemm_table_filled(void **state) {
    (void)state;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        if (kt == NULL) continue;
        assert_non_null(kt->gemm_nt);
        assert_non_null(kt->gemm_nn);
        assert_non_null(kt->gemm_tn);
        assert_non_null(kt->bias_grad);
        assert_true(kt->gemm_ws_floats < ((size_t)1 << 24)); /* an upper bound, not per-shape */
    }
}

static void test_gemm_each_dim_0_to_67(void **state) {
    (void)state;
    for (size_t s = 0; s <= 67; s++) {
        run_all_kinds(s, 7, 13, s);
        run_all_kinds(9, s, 21, s + 1);
        run_all_kinds(5, 11, s, s + 2);
        run_all_kinds(s, s, s, s + 3);
    }
}

static void test_gemm_random_small_shapes(void **state) {
    (void)state;
    for (size_t r = 0; r < 160; r++) run_all_kinds(rnd_below(68), rnd_below(68), rnd_below(68), r);
}

static void test_gemm_zero_sizes_touch_nothing(void **state) {
    (void)state;
    static const size_t shapes[][3] = {{0, 0, 0}, {0, 5, 7}, {5, 0, 7}, {0, 0, 9}, {0, 300, 300},
                                       {300, 0, 300}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        run_all_kinds(shapes[i][0], shapes[i][1], shapes[i][2], i);
}

static void test_gemm_k_zero(void **state) {
    (void)state;
    /* nt: C = bias (or 0); nn: C = 0; tn: C unchanged. Checked by run_case. */
    run_all_kinds(3, 5, 0, 0);
    run_all_kinds(17, 33, 0, 1);
    run_all_kinds(1, 100, 0, 2);
}

static void test_gemm_large_and_odd_shapes(void **state) {
    (void)state;
    static const size_t shapes[][3] = {
        {1, 784, 256}, {1, 256, 784}, {1, 128, 256}, {1, 10, 128},   /* batch 1 MLP */
        {64, 256, 784}, {32, 128, 256}, {256, 10, 128},                /* batches */
        {257, 129, 65}, {1024, 10, 128}, {2, 3, 1000}, {7, 1100, 9},   /* odd, k/n blocks */
        {300, 70, 530}, {129, 17, 3}, {3, 600, 700}, {784, 256, 64},   /* tn-like */
        {37, 9, 40}, {20, 13, 77}, {6, 1, 50}, {11, 14, 33}, {45, 16, 300}}; /* narrow C */
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        run_all_kinds(shapes[i][0], shapes[i][1], shapes[i][2], i);
}

/* The narrow layers' products (issue 15): an output layer of 10 (or an odd
 * 9, 11, 13) at the batches the benchmarks use and odd ones, k past one
 * KC block: nt m x n x 128 (forward), nn m x 128 x n (input gradient), tn
 * n x 128 x m (weight gradient, the few-rows path for 4..12 rows). */
static void test_gemm_narrow_layers(void **state) {
    (void)state;
    static const size_t batches[] = {1, 4, 5, 31, 32, 33, 64, 67, 256, 300};
    static const size_t outs[] = {4, 5, 6, 7, 9, 10, 11, 12, 13};
    size_t seed = 0;
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++)
        for (size_t oi = 0; oi < sizeof outs / sizeof outs[0]; oi++) {
            const size_t b = batches[bi], o = outs[oi];
            run_all_kinds(b, o, 128, seed++);
            run_all_kinds(b, 128, o, seed++);
            run_all_kinds(o, 128, b, seed++);
            run_all_kinds(o, 47, b, seed++);  /* columns: a masked tail */
            run_all_kinds(o, 130, b, seed++); /* a whole pair of vectors and a tail */
        }
}

static void test_gemm_power_of_two_strides(void **state) {
    (void)state;
    /* Leading dimensions of 512 and 1024 floats (rows that alias in the
     * caches), which some kernels pack differently. */
    static const size_t shapes[][4] = {{40, 512, 70, 512}, {37, 300, 90, 1024}, {20, 64, 33, 512}};
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        if (!isa_selected((dsc_isa_id)id)) continue;
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            for (int kind = K_NT; kind <= K_TN; kind++) {
                gcase t = {kind, shapes[i][0], shapes[i][1], shapes[i][2], 0, 0, 0, i % 2, 1};
                size_t ld = shapes[i][3];
                t.lda = ld;
                t.ldb = ld;
                t.ldc = ld;
                t.with_bias = kind == K_NT;
                run_case(kt, &t);
            }
    }
}

static void test_gemm_tn_accumulates(void **state) {
    (void)state;
    /* Two calls add twice; an explicit small case with known numbers. */
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        if (!isa_selected((dsc_isa_id)id)) continue;
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        float a[2 * 3] = {1, 2, 3, 4, 5, 6};  /* A is [k=2 x m=3] */
        float b[2 * 2] = {1, -1, 2, 0.5f};    /* B is [k=2 x n=2] */
        float c[3 * 2] = {10, 20, 30, 40, 50, 60};
        float *ws = NULL;
        if (kt->gemm_ws_floats)
            assert_int_equal(posix_memalign((void **)&ws, 64, kt->gemm_ws_floats * sizeof *ws), 0);
        kt->gemm_tn(3, 2, 2, a, 3, b, 2, c, 2, ws);
        /* A^T B = [[9, 1], [12, 0.5], [15, 0]] */
        const float want1[6] = {19, 21, 42, 40.5f, 65, 60};
        assert_memory_equal(c, want1, sizeof want1);
        kt->gemm_tn(3, 2, 2, a, 3, b, 2, c, 2, ws);
        const float want2[6] = {28, 22, 54, 41, 80, 60};
        assert_memory_equal(c, want2, sizeof want2);
        free(ws);
    }
}

static void test_gemm_nt_known_values(void **state) {
    (void)state;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        if (!isa_selected((dsc_isa_id)id)) continue;
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        float x[2 * 3] = {1, 2, 3, 4, 5, 6};
        float w[2 * 3] = {1, 0, 1, 0, 1, 1};
        float bias[2] = {10, 20}, y[4], dx[6];
        float *ws = NULL;
        if (kt->gemm_ws_floats)
            assert_int_equal(posix_memalign((void **)&ws, 64, kt->gemm_ws_floats * sizeof *ws), 0);
        kt->gemm_nt(2, 2, 3, x, 3, w, 3, bias, y, 2, ws);
        const float want[4] = {14, 25, 20, 31};
        assert_memory_equal(y, want, sizeof want);
        /* dX = dY W with dY = [[1, 2], [3, 4]] */
        float dy[4] = {1, 2, 3, 4};
        kt->gemm_nn(2, 3, 2, dy, 2, w, 3, dx, 3, ws);
        const float want_dx[6] = {1, 2, 3, 3, 4, 7};
        assert_memory_equal(dx, want_dx, sizeof want_dx);
        free(ws);
    }
}

/* ---- bias_grad -------------------------------------------------------- */

static void run_bias_grad(const dsc_kernels *kt, size_t m, size_t n, size_t lddy, size_t off) {
    gbuf dy = gbuf_input(extent(m, n, lddy));
    gbuf db = gbuf_new(n, off);
    gbuf db2 = gbuf_new(n, off);
    fill_matrix(&dy, m, n, lddy);
    fill_matrix(&db, 1, n, n);
    memcpy(db2.base, db.base, db.total * sizeof(float));
    float *db0 = malloc(n * sizeof(float) + 1);
    memcpy(db0, db.p, n * sizeof(float));
    char what[120];
    snprintf(what, sizeof what, "%s bias_grad m=%zu n=%zu lddy=%zu off=%zu", kt->isa, m, n, lddy,
             off);
    kt->bias_grad(m, n, dy.p, lddy, db.p);
    check_outside(&db, 1, n, n, what);
    check_outside(&dy, m, n, lddy, what);
    const double tol = (double)(m + 2) * FLT_EPSILON;
    for (size_t j = 0; j < n; j++) {
        double s = db0[j], mag = fabs(db0[j]);
        for (size_t i = 0; i < m; i++) {
            s += dy.p[i * lddy + j];
            mag += fabs(dy.p[i * lddy + j]);
        }
        if (!(fabs(db.p[j] - s) <= tol * mag))
            fail_msg("%s: db[%zu] = %.9g, exact %.9g", what, j, db.p[j], s);
    }
    kt->bias_grad(m, n, dy.p, lddy, db2.p);
    if (memcmp(db.base, db2.base, db.total * sizeof(float)) != 0)
        fail_msg("%s: second run differs", what);
    free(db0);
    gbuf_free(&dy);
    gbuf_free(&db);
    gbuf_free(&db2);
}

static void test_bias_grad_shapes(void **state) {
    (void)state;
    for (int id = 0; id < DSC_ISA_COUNT; id++) {
        if (!isa_selected((dsc_isa_id)id)) continue;
        const dsc_kernels *kt = dsc__kernels_for((dsc_isa_id)id);
        for (size_t s = 0; s <= 67; s++) {
            run_bias_grad(kt, s, 19, 19 + s % 3, s % 2);
            run_bias_grad(kt, 5, s, s + (s % 4) * 5, (s + 1) % 2);
        }
        run_bias_grad(kt, 256, 784, 784, 1);
        run_bias_grad(kt, 1024, 10, 16, 0);
        run_bias_grad(kt, 1, 256, 256, 1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_table_filled),
        cmocka_unit_test(test_gemm_nt_known_values),
        cmocka_unit_test(test_gemm_tn_accumulates),
        cmocka_unit_test(test_gemm_k_zero),
        cmocka_unit_test(test_gemm_zero_sizes_touch_nothing),
        cmocka_unit_test(test_gemm_each_dim_0_to_67),
        cmocka_unit_test(test_gemm_random_small_shapes),
        cmocka_unit_test(test_gemm_large_and_odd_shapes),
        cmocka_unit_test(test_gemm_narrow_layers),
        cmocka_unit_test(test_gemm_power_of_two_strides),
        cmocka_unit_test(test_bias_grad_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
