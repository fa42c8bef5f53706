/* sse2 kernels: fused optimizer updates (update_*), 4 floats per vector.
 * The arithmetic is ../update_tmpl.h's; no FMA, so every result is
 * bit-identical to the scalar reference (see kernels.h). */
#include <emmintrin.h>

#define DSC_VW 4
#define VT __m128
#define V_ld(p) _mm_loadu_ps(p)
#define V_st(p, x) _mm_storeu_ps((p), (x))
#define V_set(c) _mm_set1_ps(c)
#define V_add _mm_add_ps
#define V_sub _mm_sub_ps
#define V_mul _mm_mul_ps
#define V_div _mm_div_ps
#define V_sqrt _mm_sqrt_ps
#define V_max _mm_max_ps /* a > b ? a : b */
#define V_min _mm_min_ps /* a < b ? a : b */
#define V_abs(x) _mm_and_ps((x), _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff)))
#define V_gt _mm_cmpgt_ps
#define V_lt _mm_cmplt_ps
#define V_sel(m, x, y) _mm_or_ps(_mm_and_ps((m), (x)), _mm_andnot_ps((m), (y)))
#include "../update_tmpl.h"

void dsc__sse2_init_update(dsc_kernels *k) {
    upd_fill(k);
}
