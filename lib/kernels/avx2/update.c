/* avx2 kernels: fused optimizer updates (update_*), 8 floats per vector.
 * The arithmetic is ../update_tmpl.h's; FMA is deliberately not used (the
 * updates are bound by memory, and separate roundings keep every result
 * bit-identical to the scalar reference, see kernels.h). */
#include <immintrin.h>

#define DSC_VW 8
#define VT __m256
#define V_ld(p) _mm256_loadu_ps(p)
#define V_st(p, x) _mm256_storeu_ps((p), (x))
#define V_set(c) _mm256_set1_ps(c)
#define V_add _mm256_add_ps
#define V_sub _mm256_sub_ps
#define V_mul _mm256_mul_ps
#define V_div _mm256_div_ps
#define V_sqrt _mm256_sqrt_ps
#define V_max _mm256_max_ps /* a > b ? a : b */
#define V_min _mm256_min_ps /* a < b ? a : b */
#define V_abs(x) _mm256_and_ps((x), _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)))
#define V_gt(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define V_lt(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define V_sel(m, x, y) _mm256_blendv_ps((y), (x), (m))
#include "../update_tmpl.h"

void dsc__avx2_init_update(dsc_kernels *k) {
    upd_fill(k);
}
