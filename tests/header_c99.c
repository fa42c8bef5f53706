/* Compiled with -std=c99 -pedantic -Werror: the header needs nothing else. */
#include <descent.h>

int header_c99_uses_types(dsc_status s);
int header_c99_uses_types(dsc_status s) {
    dsc_tensor *t = 0;
    (void)t;
    return s == DSC_OK && DESCENT_VERSION_NUMBER > 0;
}
