/* Reader of the `descent-ref 1` golden-vector format and the checks the
 * conformance runner applies to each value.
 *
 * The format: one case per file, `<kind>-<name>-<variant>.ref`, ASCII with LF
 * line ends, lines of any length. Blank lines and lines starting with `#`
 * are comments; every other line is tokens separated by blanks, the first
 * being the keyword. The first line is `descent-ref 1`, then `kind
 * optimizer|scheduler|network`, `name <id>` and `variant <id>`, once each and
 * in that order. `param <key> <value>` gives one hyperparameter (PyTorch's
 * argument name; `betas` split into beta1 and beta2), each key at most once;
 * every param matters, so a key the runner does not read fails the case.
 * Vector lines are `<keyword> <index> v0 v1 ...`, each (keyword, index) at
 * most once, indices contiguous. Numbers are `%.17g` (never inf or nan),
 * lists comma-separated without spaces. What each kind's keywords mean is
 * stated where optimizer.c, scheduler.c and network.c read them. Values are
 * PyTorch 1.13's in float64. */
#ifndef DSC_CONFORM_REF_H
#define DSC_CONFORM_REF_H

#include <stddef.h>

typedef struct ref_line {
    char *keyword;      /* first token */
    char **tok;         /* the tokens after the keyword */
    size_t ntok;
    int used;           /* params: read by the runner */
} ref_line;

typedef struct ref_case {
    char *path;
    char *kind, *name, *variant;
    char id[256];       /* "<kind>-<name>-<variant>", printed in results */
    ref_line *lines;    /* every non-comment line after the header, in file order */
    size_t nlines;
} ref_case;

/* The outcome of one case: the first failure is kept. */
typedef struct ref_result {
    int failed;
    char msg[512];
} ref_result;

/* Loads and validates the lexical rules; on error returns -1 with a reason. */
int ref_load(const char *path, ref_case *c, char *err, size_t errlen);
void ref_free(ref_case *c);

/* Params (`param <key> <value>`). Each getter marks the key used and fails
 * the result (returning -1) when the key is missing or its value malformed. */
int ref_has_param(ref_case *c, const char *key);
const char *ref_param_str(ref_case *c, ref_result *r, const char *key);
int ref_param_double(ref_case *c, ref_result *r, const char *key, double *out);
int ref_param_long(ref_case *c, ref_result *r, const char *key, long *out);
/* Comma-separated integers; *n receives the count (at most cap). */
int ref_param_list(ref_case *c, ref_result *r, const char *key, long *out, size_t cap, size_t *n);
/* Fails the result if some param was never read (an unknown key). */
int ref_check_params_used(ref_case *c, ref_result *r);

/* A line `<keyword> v...` without an index (size, steps, init, loss, ...):
 * the tokens, or NULL (result failed) if absent or repeated. */
ref_line *ref_single(ref_case *c, ref_result *r, const char *keyword);
/* All lines with this keyword, in file order (layer). */
size_t ref_lines(ref_case *c, const char *keyword, ref_line **out, size_t cap);
/* `<keyword> <index> v0 v1 ...`: parses the values into out (cap entries) and
 * returns how many; -1 if absent, repeated or malformed (result failed). */
long ref_vector(ref_case *c, ref_result *r, const char *keyword, long index, double *out, size_t cap);
/* Whether an indexed line exists. */
int ref_has_vector(ref_case *c, const char *keyword, long index);
/* Number of indexed lines of keyword; -1 (result failed) if the indices are
 * not exactly 0..count-1 (or first..first+count-1 with first given). */
long ref_vector_count(ref_case *c, ref_result *r, const char *keyword, long first);

/* Tolerance check: |got-ref| <= rtol*|ref| + atol*scale, scale =
 * max |ref| over all lines of keyword. Records "keyword t index got ref" on the
 * first failure and returns -1. */
int ref_check(ref_case *c, ref_result *r, const char *keyword, long t, const double *got,
              size_t n, double rtol, double atol);
/* Same for a float array. */
int ref_check_f(ref_case *c, ref_result *r, const char *keyword, long t, const float *got,
                size_t n, double rtol, double atol);

/* printf into the result if it has no failure yet; returns -1. */
int ref_fail(ref_result *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* `key=value` tokens (layer and loss lines, tests/conform/layers.c): each
 * of keys (NULL-terminated) exactly once and no other; values[k] receives
 * the text after '='. what names the line in messages. Returns 0, or -1 with
 * the result failed. */
int conform_kv(ref_result *r, const char *what, char *const *tok, size_t ntok,
               const char *const *keys, const char **values);
int conform_kv_double(ref_result *r, const char *what, const char *key, const char *v, double *out);
/* n comma-separated integers >= 0 ("3" or "3,3"). */
int conform_kv_sizes(ref_result *r, const char *what, const char *key, const char *v, size_t *out,
                     size_t n);

/* One `layer` line being added to the case's model (tests/conform/layers.c). */
typedef struct conform_layer {
    ref_case *c;
    ref_result *r;
    ref_line *line;          /* tok[0] is the type */
    size_t index;            /* nn.Sequential numbering */
    struct dsc_model *model; /* not built yet */
} conform_layer;

/* Appends the layer through the builder of its type, or fails the result
 * ("unknown layer type ..."). Returns 0 or -1. */
int conform_add_layer(conform_layer *b);

/* The runners of each kind; each returns 0 on pass. */
int conform_optimizer(ref_case *c, ref_result *r);
int conform_scheduler(ref_case *c, ref_result *r);
int conform_network(ref_case *c, ref_result *r);

/* Tolerances (float32 library against float64 PyTorch): scheduler lr and
 * momentum REF_SCHED_*, every other value REF_*. */
#define REF_SCHED_RTOL 1e-4
#define REF_SCHED_ATOL 5e-5
#define REF_RTOL 1e-4
#define REF_ATOL 1e-5

#endif
