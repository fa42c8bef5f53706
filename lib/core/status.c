/* Status names and default messages, generated from one X-macro table so the
 * two can never disagree (libuv's UV_ERRNO_MAP). */
#include "common.h"

#define DSC_STATUS_MAP(X)                                                  \
    X(DSC_OK, "success")                                                   \
    X(DSC_E_ARG, "invalid argument")                                       \
    X(DSC_E_NOMEM, "out of memory")                                        \
    X(DSC_E_SHAPE, "shape mismatch")                                       \
    X(DSC_E_STATE, "call not valid in the current state")                  \
    X(DSC_E_UNSUPPORTED, "not supported by this object")                   \
    X(DSC_E_NONFINITE, "non-finite value; step refused")                   \
    X(DSC_E_FORMAT, "malformed or corrupt data")                           \
    X(DSC_E_IO, "input/output error")                                      \
    X(DSC_E_INTERNAL, "internal error")

DSC_API const char *dsc_status_name(dsc_status status) {
    switch (status) {
#define X(code, msg) case code: return #code;
        DSC_STATUS_MAP(X)
#undef X
    }
    return "DSC_E_UNKNOWN";
}

DSC_API const char *dsc_status_message(dsc_status status) {
    switch (status) {
#define X(code, msg) case code: return msg;
        DSC_STATUS_MAP(X)
#undef X
    }
    return "unknown status";
}
