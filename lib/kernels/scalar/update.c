/* scalar kernels: fused optimizer updates (update_*), the reference every
 * other ISA is checked against. The arithmetic lives in ../update_tmpl.h,
 * instantiated here one float at a time (see kernels.h for the contracts). */
#define DSC_VW 1
#define VT float
#define V_ld S_ld
#define V_st S_st
#define V_set S_set
#define V_add S_add
#define V_sub S_sub
#define V_mul S_mul
#define V_div S_div
#define V_sqrt S_sqrt
#define V_max S_max
#define V_min S_min
#define V_abs S_abs
#define V_gt S_gt
#define V_lt S_lt
#define V_sel S_sel
#include "../update_tmpl.h"

void dsc__scalar_init_update(dsc_kernels *k) {
    upd_fill(k);
}
