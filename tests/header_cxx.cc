// The header from C++11, both tiers: declarations link with C linkage and run.
#define DESCENT_EXPERIMENTAL_API
#include <descent.h>
#include <cstdio>
#include <cstring>

int main() {
    if (std::strcmp(dsc_version(), DESCENT_VERSION_STRING) != 0) return 1;
    dsc_model *m = nullptr;
    if (dsc_model_new(&m, 3) != DSC_OK || dsc_model_add_dense(m, 2, 1) != DSC_OK) return 2;
    dsc_model_free(m);
    dsc_tensor *t = nullptr;
    size_t shape[1] = {4};
    if (dsc_tensor_new(&t, shape, 1) != DSC_OK) return 3;
    dsc_tensor_free(t);
    std::printf("C++ sees descent %s\n", dsc_version());
    return 0;
}
