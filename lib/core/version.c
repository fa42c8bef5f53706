/* Run-time version, so a host can check the library it loaded. */
#include "common.h"

DSC_API const char *dsc_version(void) {
    return DESCENT_VERSION_STRING;
}

DSC_API unsigned dsc_version_number(void) {
    return DESCENT_VERSION_NUMBER;
}
