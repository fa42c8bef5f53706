/* scalar kernels: GEMM (gemm_nt, gemm_nn, gemm_tn) and bias_grad, the reference.
 *
 *   gemm_nt:   C[i][j]  = sum_p A[i][p] B[j][p] (+ bias[j])  Y = X W^T + b
 *              (torch.nn.functional.linear)
 *   gemm_nn:   C[i][j]  = sum_p A[i][p] B[p][j]   dX = dY W      (linear backward, input)
 *   gemm_tn:   C[i][j] += sum_p A[p][i] B[p][j]   dW += dY^T X   (linear backward, weight)
 *   bias_grad: db[j]   += sum_i dY[i][j]          db += dY.sum(0)
 *
 * Every sum is accumulated in float, starting from 0, in rising p (or i)
 * order; bias and the old C (or db) are added once, after the sum. Simple on
 * purpose: the other ISAs are tested against this and a double reference. */
#include "../kernels.h"

static void gemm_nt(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, const float *bias, float *c, size_t ldc, float *ws) {
    (void)ws;
    for (size_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        for (size_t j = 0; j < n; j++) {
            const float *bj = b + j * ldb;
            float s = 0.0f;
            for (size_t p = 0; p < k; p++) s += ai[p] * bj[p];
            if (bias != NULL) s += bias[j];
            c[i * ldc + j] = s;
        }
    }
}

static void gemm_nn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws) {
    (void)ws;
    /* Row of C as the accumulator: per element still 0 + a0 b0 + a1 b1 + ...
     * in rising p, and B is read along its rows. */
    for (size_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        float *ci = c + i * ldc;
        for (size_t j = 0; j < n; j++) ci[j] = 0.0f;
        for (size_t p = 0; p < k; p++) {
            const float aip = ai[p];
            const float *bp = b + p * ldb;
            for (size_t j = 0; j < n; j++) ci[j] += aip * bp[j];
        }
    }
}

static void gemm_tn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                    size_t ldb, float *c, size_t ldc, float *ws) {
    (void)ws;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            float s = 0.0f;
            for (size_t p = 0; p < k; p++) s += a[p * lda + i] * b[p * ldb + j];
            c[i * ldc + j] += s;
        }
    }
}

static void bias_grad(size_t m, size_t n, const float *dy, size_t lddy, float *db) {
    for (size_t j = 0; j < n; j++) {
        float s = 0.0f;
        for (size_t i = 0; i < m; i++) s += dy[i * lddy + j];
        db[j] += s;
    }
}

void dsc__scalar_init_gemm(dsc_kernels *k) {
    k->gemm_ws_floats = 0;
    k->gemm_nt = gemm_nt;
    k->gemm_nn = gemm_nn;
    k->gemm_tn = gemm_tn;
    k->bias_grad = bias_grad;
}
