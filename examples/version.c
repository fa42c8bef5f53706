/* The smallest descent program: load the library, check it is the version
 * this program was built against, and report the kernel set in use. */
#include <descent.h>
#include <stdio.h>

int main(void) {
    if (dsc_version_number() / 10000 != DESCENT_VERSION_MAJOR) {
        fprintf(stderr, "built against descent %s but loaded %s\n", DESCENT_VERSION_STRING,
                dsc_version());
        return 1;
    }
    printf("descent %s, kernels: %s\n", dsc_version(), dsc_isa());
    if (dsc_isa_note()[0] != '\0') printf("note: %s\n", dsc_isa_note());
    return 0;
}
