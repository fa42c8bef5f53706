// The header from C++11: declarations link with C linkage and run.
#include <descent.h>
#include <cstdio>
#include <cstring>

int main() {
    if (std::strcmp(dsc_version(), DESCENT_VERSION_STRING) != 0) return 1;
    dsc_tensor *t = nullptr;
    size_t shape[1] = {4};
    if (dsc_tensor_new(&t, shape, 1) != DSC_OK) return 2;
    dsc_tensor_free(t);
    std::printf("C++ sees descent %s\n", dsc_version());
    return 0;
}
