/* Compiled with -std=c99 -pedantic -Werror, with and without
 * DESCENT_EXPERIMENTAL_API: the header needs nothing else. */
#include <descent.h>

int header_c99_uses_types(dsc_status s);
int header_c99_uses_types(dsc_status s) {
    dsc_model *m = 0;
    (void)m;
#ifdef DESCENT_EXPERIMENTAL_API
    dsc_tensor *t = 0;
    (void)t;
#endif
    return s == DSC_OK && DESCENT_VERSION_NUMBER > 0;
}
