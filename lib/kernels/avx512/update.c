/* avx512 kernels: fused optimizer updates (update_*), 16 floats per vector.
 * The arithmetic is ../update_tmpl.h's; no FMA, so every result is
 * bit-identical to the scalar reference (see kernels.h). */
#include <immintrin.h>

#define DSC_VW 16
#define VT __m512
#define V_ld(p) _mm512_loadu_ps(p)
#define V_st(p, x) _mm512_storeu_ps((p), (x))
#define V_set(c) _mm512_set1_ps(c)
#define V_add _mm512_add_ps
#define V_sub _mm512_sub_ps
#define V_mul _mm512_mul_ps
#define V_div _mm512_div_ps
#define V_sqrt _mm512_sqrt_ps
#define V_max _mm512_max_ps /* a > b ? a : b */
#define V_min _mm512_min_ps /* a < b ? a : b */
#define V_abs(x) \
    _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)))
#define V_gt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define V_lt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define V_sel(m, x, y) _mm512_mask_blend_ps((m), (y), (x))
#include "../update_tmpl.h"

void dsc__avx512_init_update(dsc_kernels *k) {
    upd_fill(k);
}
