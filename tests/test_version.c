/* The version is written once, in the header; the run-time functions, the
 * meson project, descent.map's newest node and CHANGELOG.md must agree with
 * it, and descent.map must export exactly the functions the header declares. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_version_runtime_matches_macros(void **state) {
    (void)state;
    assert_string_equal(dsc_version(), DESCENT_VERSION_STRING);
    assert_int_equal(dsc_version_number(), DESCENT_VERSION_NUMBER);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", DESCENT_VERSION_MAJOR, DESCENT_VERSION_MINOR,
             DESCENT_VERSION_PATCH);
    assert_string_equal(dsc_version(), want);
    assert_int_equal(DESCENT_VERSION_NUMBER,
                     DESCENT_VERSION_MAJOR * 10000 + DESCENT_VERSION_MINOR * 100 + DESCENT_VERSION_PATCH);
}

static void test_version_meson_project_agrees(void **state) {
    (void)state;
    char *m = harness_slurp("meson.build");
    char want[64];
    snprintf(want, sizeof want, "version: '%s'", DESCENT_VERSION_STRING);
    if (strstr(m, want) == NULL) fail_msg("meson.build does not declare %s", want);
    free(m);
}

static void test_version_map_newest_node_agrees(void **state) {
    (void)state;
    char *map = harness_slurp("lib/descent.map");
    /* The newest stable node is the last "DESCENT_<major>.<minor> {" in the file. */
    char *p = map, *last = NULL;
    while ((p = strstr(p, "DESCENT_")) != NULL) {
        if (p[8] >= '0' && p[8] <= '9' && strstr(p, " {") == strpbrk(p, " ;")) last = p;
        p += 8;
    }
    assert_non_null(last);
    char want[64];
    snprintf(want, sizeof want, "DESCENT_%d.%d {", DESCENT_VERSION_MAJOR, DESCENT_VERSION_MINOR);
    if (strncmp(last, want, strlen(want)) != 0) fail_msg("descent.map's newest node is not %s", want);
    free(map);
}

/* The names of the functions declared between from and to ("DSC_API ... name("),
 * each followed by ';', concatenated into out. */
static void declared_names(const char *from, const char *to, char *out, size_t size) {
    out[0] = '\0';
    for (const char *p = strstr(from, "\nDSC_API "); p != NULL && p < to; p = strstr(p + 1, "\nDSC_API ")) {
        const char *e = strchr(p, '(');
        while (e[-1] == ' ') e--;
        const char *b = e;
        while (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') || (b[-1] >= '0' && b[-1] <= '9')) b--;
        size_t len = strlen(out);
        snprintf(out + len, size - len, " %.*s;", (int)(e - b), b);
    }
}

/* The experimental section of the header and the experimental node of the
 * map name the same functions, and that node is named after this release. */
static void test_version_experimental_tier_agrees(void **state) {
    (void)state;
    char *h = harness_slurp("include/descent.h");
    char *map = harness_slurp("lib/descent.map");
    const char *from = strstr(h, "\n#ifdef DESCENT_EXPERIMENTAL_API");
    const char *to = strstr(h, "\n#endif /* DESCENT_EXPERIMENTAL_API */");
    assert_non_null(from);
    assert_non_null(to);
    static char names[16384];
    declared_names(from, to, names, sizeof names);
    assert_true(strlen(names) > 0);
    char node[64];
    snprintf(node, sizeof node, "DESCENT_EXPERIMENTAL_%d.%d {", DESCENT_VERSION_MAJOR,
             DESCENT_VERSION_MINOR);
    const char *n = strstr(map, node);
    if (n == NULL) fail_msg("descent.map has no node %s", node);
    const char *end = strchr(n, '}');
    assert_non_null(end);
    /* Every experimental declaration is in that node... */
    for (const char *p = names; (p = strstr(p, " dsc_")) != NULL; p++) {
        const char *semi = strchr(p, ';');
        char needle[160];
        snprintf(needle, sizeof needle, " %.*s;", (int)(semi - p - 1), p + 1);
        const char *hit = strstr(n, needle);
        if (hit == NULL || hit > end)
            fail_msg("%s is experimental in descent.h but not in %s", needle + 1, node);
    }
    /* ...and the node holds nothing else. */
    for (const char *p = strstr(n, "dsc_"); p != NULL && p < end; p = strstr(p + 1, "dsc_")) {
        const char *semi = strchr(p, ';');
        char needle[160];
        snprintf(needle, sizeof needle, " %.*s;", (int)(semi - p), p);
        if (strstr(names, needle) == NULL)
            fail_msg("%s is in %s but not declared in the experimental section", needle + 1, node);
    }
    free(h);
    free(map);
}

static void test_version_changelog_agrees(void **state) {
    (void)state;
    char *c = harness_slurp("CHANGELOG.md");
    char *h = strstr(c, "\n## [");
    assert_non_null(h);
    char want[64];
    snprintf(want, sizeof want, "\n## [%s]", DESCENT_VERSION_STRING);
    if (strncmp(h, want, strlen(want)) != 0) fail_msg("CHANGELOG.md's newest release heading is not %s", want + 1);
    free(c);
}

/* Every "DSC_API <type> <name>(" in the header must be in descent.map, and
 * every name in descent.map must be declared in the header. */
static void test_version_map_matches_header(void **state) {
    (void)state;
    char *h = harness_slurp("include/descent.h");
    char *map = harness_slurp("lib/descent.map");
    int declared = 0;
    for (char *p = strstr(h, "\nDSC_API "); p != NULL; p = strstr(p + 1, "\nDSC_API ")) {
        char *paren = strchr(p, '(');
        assert_non_null(paren);
        char *e = paren;
        while (e[-1] == ' ') e--;
        char *s = e;
        while (s[-1] == '_' || (s[-1] >= 'a' && s[-1] <= 'z') || (s[-1] >= '0' && s[-1] <= '9')) s--;
        char name[128];
        snprintf(name, sizeof name, "%.*s;", (int)(e - s), s);
        char needle[140];
        snprintf(needle, sizeof needle, " %s", name);
        if (strstr(map, needle) == NULL) fail_msg("%s is declared in descent.h but not exported by descent.map", name);
        declared++;
    }
    int exported = 0;
    for (char *p = strstr(map, "dsc_"); p != NULL; p = strstr(p + 1, "dsc_")) {
        char *semi = strchr(p, ';');
        assert_non_null(semi);
        char decl[160];
        snprintf(decl, sizeof decl, "%.*s(", (int)(semi - p), p);
        int found = 0;
        for (char *q = strstr(h, decl); q != NULL && !found; q = strstr(q + 1, decl))
            found = q[-1] == ' ' || q[-1] == '*';
        if (!found) fail_msg("descent.map exports %.*s, which descent.h does not declare", (int)(semi - p), p);
        exported++;
    }
    assert_int_equal(declared, exported);
    free(h);
    free(map);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_runtime_matches_macros),
        cmocka_unit_test(test_version_meson_project_agrees),
        cmocka_unit_test(test_version_map_newest_node_agrees),
        cmocka_unit_test(test_version_experimental_tier_agrees),
        cmocka_unit_test(test_version_changelog_agrees),
        cmocka_unit_test(test_version_map_matches_header),
    };
    return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
