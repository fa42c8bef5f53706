/* descent-conform FILE.ref...: replays PyTorch golden cases through the
 * public API; prints "PASS id" or "FAIL id: reason" per case and a closing
 * "N passed, M failed"; exits 1 on any failure or malformed file. */
#include "ref.h"

#include <descent.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: descent-conform FILE.ref...\n");
        return 2;
    }
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        ref_case c;
        char err[256];
        if (ref_load(argv[i], &c, err, sizeof err) != 0) {
            printf("FAIL %s: malformed: %s\n", argv[i], err);
            failed++;
            continue;
        }
        ref_result r = {0, ""};
        if (strcmp(c.kind, "optimizer") == 0) conform_optimizer(&c, &r);
        else if (strcmp(c.kind, "scheduler") == 0) conform_scheduler(&c, &r);
        else if (strcmp(c.kind, "network") == 0) conform_network(&c, &r);
        else ref_fail(&r, "unknown kind '%s'", c.kind);
        if (!r.failed) ref_check_params_used(&c, &r);
        if (r.failed) {
            printf("FAIL %s: %s\n", c.id, r.msg);
            failed++;
        } else {
            printf("PASS %s\n", c.id);
            passed++;
        }
        ref_free(&c);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
