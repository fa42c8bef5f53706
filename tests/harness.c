#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void assert_floats_near(const float *got, const float *want, size_t n, double rtol, double atol) {
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        double tol = rtol * fabs(w) + atol;
        if (!(fabs(g - w) <= tol) && !(isnan(g) && isnan(w)) && !(g == w))
            fail_msg("element %zu: got %.9g, want %.9g (|diff| %.3g > tol %.3g)", i, g, w,
                     fabs(g - w), tol);
    }
}

static long count, live, fail_at;

static void *counting_alloc(size_t size, void *user) {
    (void)user;
    count++;
    if (fail_at > 0 && count == fail_at) return NULL;
    void *p = malloc(size);
    if (p != NULL) live++;
    return p;
}

static void counting_free(void *ptr, void *user) {
    (void)user;
    live--;
    free(ptr);
}

void harness_alloc_install(long k) {
    count = 0;
    live = 0;
    fail_at = k;
    dsc_set_allocator(counting_alloc, counting_free, NULL);
}

void harness_alloc_uninstall(void) {
    dsc_set_allocator(NULL, NULL, NULL);
}

int harness_alloc_teardown(void **state) {
    (void)state;
    harness_alloc_uninstall();
    return 0;
}

long harness_alloc_count(void) {
    return count;
}

long harness_alloc_live(void) {
    return live;
}

char *harness_slurp(const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DSC_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}
