/* The process-wide choice between flushing subnormals to zero (the default)
 * and computing them exactly; fpenv.h applies it at every compute call. */
#include "fpenv.h"
#include "../core/common.h"

#include <stdlib.h>
#include <string.h>

atomic_int dsc__fpenv_flush_setting = -1;

int dsc__fpenv_flush_init(void) {
    /* Only "0" turns flushing off; unset, empty or anything else keeps the
     * default. A compare-and-swap from -1, so a dsc_set_flush_denormals()
     * that came first (or a racing thread) is never overwritten. */
    const char *env = getenv("DESCENT_FLUSH_DENORMALS");
    int want = (env != NULL && strcmp(env, "0") == 0) ? 0 : 1;
    int expected = -1;
    if (!atomic_compare_exchange_strong(&dsc__fpenv_flush_setting, &expected, want)) want = expected;
    return want;
}

DSC_API dsc_status dsc_set_flush_denormals(int on) {
    DSC_RETURN_IF(on != 0 && on != 1, DSC_E_ARG,
                  "dsc_set_flush_denormals: on is %d; it must be 1 (flush subnormals to zero) "
                  "or 0 (keep IEEE subnormals)", on);
    atomic_store_explicit(&dsc__fpenv_flush_setting, on, memory_order_relaxed);
    return DSC_OK;
}

DSC_API int dsc_flush_denormals(void) {
    return dsc__fpenv_flush();
}
