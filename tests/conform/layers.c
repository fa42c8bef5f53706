/* The `layer` lines of kind network cases: one table of {type, builder}, each
 * builder reading exactly its keys (FORMAT.md, "Layered networks") and
 * appending its layer through the public API. A new layer kind adds one
 * builder and one row of conform_layers[]. Also the `key=value` reader
 * those lines and the `loss` line share. */
#define DESCENT_EXPERIMENTAL_API
#include "ref.h"

#include <descent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key=value tokens --------------------------------------------------- */

int conform_kv(ref_result *r, const char *what, char *const *tok, size_t ntok,
               const char *const *keys, const char **values) {
    size_t nkeys = 0;
    while (keys[nkeys] != NULL) values[nkeys++] = NULL;
    for (size_t i = 0; i < ntok; i++) {
        const char *eq = strchr(tok[i], '=');
        if (eq == NULL) return ref_fail(r, "%s: '%s' is not key=value", what, tok[i]);
        size_t len = (size_t)(eq - tok[i]), k = 0;
        while (k < nkeys && (strlen(keys[k]) != len || strncmp(keys[k], tok[i], len) != 0)) k++;
        if (k == nkeys) return ref_fail(r, "%s: unknown key '%.*s'", what, (int)len, tok[i]);
        if (values[k] != NULL) return ref_fail(r, "%s: key '%s' appears twice", what, keys[k]);
        values[k] = eq + 1;
    }
    for (size_t k = 0; k < nkeys; k++)
        if (values[k] == NULL) return ref_fail(r, "%s: key '%s' is missing", what, keys[k]);
    return 0;
}

int conform_kv_double(ref_result *r, const char *what, const char *key, const char *v, double *out) {
    char *end = NULL;
    errno = 0;
    *out = strtod(v, &end);
    if (end == v || *end != '\0' || errno != 0)
        return ref_fail(r, "%s: %s=%s is not a number", what, key, v);
    return 0;
}

int conform_kv_sizes(ref_result *r, const char *what, const char *key, const char *v, size_t *out,
                     size_t n) {
    const char *p = v;
    for (size_t i = 0; i < n; i++) {
        char *end = NULL;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || x < 0 || errno != 0 || (i + 1 < n ? *end != ',' : *end != '\0'))
            return ref_fail(r, "%s: %s=%s is not %zu integer%s >= 0%s", what, key, v, n,
                            n > 1 ? "s" : "", n > 1 ? " separated by commas" : "");
        out[i] = (size_t)x;
        p = end + 1;
    }
    return 0;
}

/* ---- the builders --------------------------------------------------------- */

static int api(ref_result *r, dsc_status s, const char *what) {
    if (s == DSC_OK) return 0;
    return ref_fail(r, "%s: %s (%s)", what, dsc_status_name(s), dsc_last_error());
}

/* Reads exactly the keys of the line's tokens after the type into values. */
static int keys_of(conform_layer *b, const char *const *keys, const char **values) {
    char what[64];
    snprintf(what, sizeof what, "layer %zu (%s)", b->index, b->line->tok[0]);
    return conform_kv(b->r, what, b->line->tok + 1, b->line->ntok - 1, keys, values);
}

/* `layer dense <in> <out>`: bias when the case has a `bias` line for it. */
static int build_dense(conform_layer *b) {
    ref_line *l = b->line;
    if (l->ntok != 3) return ref_fail(b->r, "layer %zu: dense needs <in> <out>", b->index);
    size_t in = strtoul(l->tok[1], NULL, 10), out = strtoul(l->tok[2], NULL, 10), ndim = 0, have = 0;
    size_t dims[DSC_MODEL_MAX_DIMS];
    if (api(b->r, dsc_model_output_shape(b->model, &ndim, dims), "dsc_model_output_shape")) return -1;
    if (api(b->r, dsc_model_widths(b->model, NULL, &have), "dsc_model_widths")) return -1;
    if (ndim == 1 && have != in)
        return ref_fail(b->r, "layer %zu: dense expects %zu inputs, but the model gives %zu there",
                        b->index, in, have);
    int bias = ref_has_vector(b->c, "bias", (long)b->index);
    return api(b->r, dsc_model_add_dense(b->model, out, bias), "dsc_model_add_dense");
}

static int add_activation(conform_layer *b, dsc_activation act) {
    if (b->line->ntok != 1)
        return ref_fail(b->r, "layer %zu: %s takes no arguments", b->index, b->line->tok[0]);
    return api(b->r, dsc_model_add_activation(b->model, act), "dsc_model_add_activation");
}

static int build_relu(conform_layer *b) { return add_activation(b, DSC_ACTIVATION_RELU); }
static int build_tanh(conform_layer *b) { return add_activation(b, DSC_ACTIVATION_TANH); }
static int build_sigmoid(conform_layer *b) { return add_activation(b, DSC_ACTIVATION_SIGMOID); }

static int build_leaky_relu(conform_layer *b) {
    static const char *const keys[] = {"slope", NULL};
    const char *v[1];
    double slope;
    if (keys_of(b, keys, v) || conform_kv_double(b->r, "leaky_relu", "slope", v[0], &slope))
        return -1;
    return api(b->r, dsc_model_add_leaky_relu(b->model, slope), "dsc_model_add_leaky_relu");
}

static int build_gelu(conform_layer *b) {
    static const char *const keys[] = {"approximate", NULL};
    const char *v[1];
    if (keys_of(b, keys, v)) return -1;
    dsc_activation act;
    if (strcmp(v[0], "none") == 0) act = DSC_ACTIVATION_GELU;
    else if (strcmp(v[0], "tanh") == 0) act = DSC_ACTIVATION_GELU_TANH;
    else
        return ref_fail(b->r, "layer %zu: gelu approximate=%s is not supported (none or tanh)",
                        b->index, v[0]);
    return api(b->r, dsc_model_add_activation(b->model, act), "dsc_model_add_activation");
}

static int build_flatten(conform_layer *b) {
    static const char *const keys[] = {NULL};
    if (keys_of(b, keys, NULL)) return -1;
    return api(b->r, dsc_model_add_flatten(b->model), "dsc_model_add_flatten");
}

/* `layer lstm|gru in=F hidden=H` (one layer, batch_first, biases). */
static int add_rnn(conform_layer *b, int lstm) {
    static const char *const keys[] = {"in", "hidden", NULL};
    const char *v[2];
    size_t in = 0, hidden = 0;
    if (keys_of(b, keys, v) || conform_kv_sizes(b->r, b->line->tok[0], "in", v[0], &in, 1) ||
        conform_kv_sizes(b->r, b->line->tok[0], "hidden", v[1], &hidden, 1))
        return -1;
    if (lstm) return api(b->r, dsc_model_add_lstm(b->model, in, hidden), "dsc_model_add_lstm");
    return api(b->r, dsc_model_add_gru(b->model, in, hidden), "dsc_model_add_gru");
}

static int build_lstm(conform_layer *b) { return add_rnn(b, 1); }
static int build_gru(conform_layer *b) { return add_rnn(b, 0); }

static int build_last_step(conform_layer *b) {
    static const char *const keys[] = {NULL};
    if (keys_of(b, keys, NULL)) return -1;
    return api(b->r, dsc_model_add_last_step(b->model), "dsc_model_add_last_step");
}

/* `layer batchnorm1d features=C eps=E momentum=M` and `batchnorm2d
 * channels=C ...`: the first key names C, the others are shared. */
static int add_batchnorm(conform_layer *b, const char *const *keys,
                         dsc_status (*add)(dsc_model *, size_t, double, double), const char *fn) {
    const char *v[3];
    size_t c = 0;
    double eps = 0.0, momentum = 0.0;
    const char *type = b->line->tok[0];
    if (keys_of(b, keys, v) || conform_kv_sizes(b->r, type, keys[0], v[0], &c, 1) ||
        conform_kv_double(b->r, type, "eps", v[1], &eps) ||
        conform_kv_double(b->r, type, "momentum", v[2], &momentum))
        return -1;
    return api(b->r, add(b->model, c, eps, momentum), fn);
}

static int build_batchnorm1d(conform_layer *b) {
    static const char *const keys[] = {"features", "eps", "momentum", NULL};
    return add_batchnorm(b, keys, dsc_model_add_batchnorm1d, "dsc_model_add_batchnorm1d");
}

static int build_batchnorm2d(conform_layer *b) {
    static const char *const keys[] = {"channels", "eps", "momentum", NULL};
    return add_batchnorm(b, keys, dsc_model_add_batchnorm2d, "dsc_model_add_batchnorm2d");
}

static int build_layernorm(conform_layer *b) {
    static const char *const keys[] = {"shape", "eps", NULL};
    const char *v[2];
    size_t d = 0;
    double eps = 0.0;
    if (keys_of(b, keys, v) || conform_kv_sizes(b->r, "layernorm", "shape", v[0], &d, 1) ||
        conform_kv_double(b->r, "layernorm", "eps", v[1], &eps))
        return -1;
    return api(b->r, dsc_model_add_layernorm(b->model, d, eps), "dsc_model_add_layernorm");
}

/* Sizes of a conv/pool line: 2-d lines give `h,w` pairs, 1-d lines one
 * integer (read into the width entry; the height entry stays 1, or 0 for
 * padding). */
static int window_sizes(conform_layer *b, int two, const char *key, const char *v, size_t *out,
                        size_t h_default) {
    char what[64];
    snprintf(what, sizeof what, "layer %zu (%s)", b->index, b->line->tok[0]);
    out[0] = h_default;
    return conform_kv_sizes(b->r, what, key, v, two ? out : out + 1, two ? 2 : 1);
}

static int flag(conform_layer *b, const char *key, const char *v, int *out) {
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
        return ref_fail(b->r, "layer %zu: %s=%s is not 0 or 1", b->index, key, v);
    *out = v[0] == '1';
    return 0;
}

/* conv1d, conv2d: in out kernel stride padding dilation groups bias. */
static int build_conv(conform_layer *b, int two) {
    static const char *const keys[] = {"in", "out", "kernel", "stride", "padding", "dilation",
                                       "groups", "bias", NULL};
    const char *v[8];
    size_t in[2], out[2], k[2], s[2], p[2], d[2], g[2];
    int bias;
    if (keys_of(b, keys, v) || window_sizes(b, 0, "in", v[0], in, 0) ||
        window_sizes(b, 0, "out", v[1], out, 0) || window_sizes(b, two, "kernel", v[2], k, 1) ||
        window_sizes(b, two, "stride", v[3], s, 1) || window_sizes(b, two, "padding", v[4], p, 0) ||
        window_sizes(b, two, "dilation", v[5], d, 1) || window_sizes(b, 0, "groups", v[6], g, 0) ||
        flag(b, "bias", v[7], &bias))
        return -1;
    if (two)
        return api(b->r, dsc_model_add_conv2d(b->model, in[1], out[1], k, s, p, d, g[1], bias),
                   "dsc_model_add_conv2d");
    return api(b->r, dsc_model_add_conv1d(b->model, in[1], out[1], k[1], s[1], p[1], d[1], g[1], bias),
               "dsc_model_add_conv1d");
}

static int build_conv1d(conform_layer *b) { return build_conv(b, 0); }
static int build_conv2d(conform_layer *b) { return build_conv(b, 1); }

/* maxpool1d, maxpool2d: kernel stride padding dilation ceil_mode. */
static int build_maxpool(conform_layer *b, int two) {
    static const char *const keys[] = {"kernel", "stride", "padding", "dilation", "ceil_mode", NULL};
    const char *v[5];
    size_t k[2], s[2], p[2], d[2];
    int ceil_mode;
    if (keys_of(b, keys, v) || window_sizes(b, two, "kernel", v[0], k, 1) ||
        window_sizes(b, two, "stride", v[1], s, 1) || window_sizes(b, two, "padding", v[2], p, 0) ||
        window_sizes(b, two, "dilation", v[3], d, 1) || flag(b, "ceil_mode", v[4], &ceil_mode))
        return -1;
    if (two)
        return api(b->r, dsc_model_add_maxpool2d(b->model, k, s, p, d, ceil_mode),
                   "dsc_model_add_maxpool2d");
    return api(b->r, dsc_model_add_maxpool1d(b->model, k[1], s[1], p[1], d[1], ceil_mode),
               "dsc_model_add_maxpool1d");
}

static int build_maxpool1d(conform_layer *b) { return build_maxpool(b, 0); }
static int build_maxpool2d(conform_layer *b) { return build_maxpool(b, 1); }

/* avgpool1d, avgpool2d: kernel stride padding ceil_mode count_include_pad. */
static int build_avgpool(conform_layer *b, int two) {
    static const char *const keys[] = {"kernel", "stride", "padding", "ceil_mode",
                                       "count_include_pad", NULL};
    const char *v[5];
    size_t k[2], s[2], p[2];
    int ceil_mode, cip;
    if (keys_of(b, keys, v) || window_sizes(b, two, "kernel", v[0], k, 1) ||
        window_sizes(b, two, "stride", v[1], s, 1) || window_sizes(b, two, "padding", v[2], p, 0) ||
        flag(b, "ceil_mode", v[3], &ceil_mode) || flag(b, "count_include_pad", v[4], &cip))
        return -1;
    if (two)
        return api(b->r, dsc_model_add_avgpool2d(b->model, k, s, p, ceil_mode, cip),
                   "dsc_model_add_avgpool2d");
    return api(b->r, dsc_model_add_avgpool1d(b->model, k[1], s[1], p[1], ceil_mode, cip),
               "dsc_model_add_avgpool1d");
}

static int build_avgpool1d(conform_layer *b) { return build_avgpool(b, 0); }
static int build_avgpool2d(conform_layer *b) { return build_avgpool(b, 1); }

/* Every layer type a case may use: one row per type. */
static const struct {
    const char *type;
    int (*build)(conform_layer *b);
} conform_layers[] = {
    {"dense", build_dense},
    {"relu", build_relu},
    {"tanh", build_tanh},
    {"sigmoid", build_sigmoid},
    {"leaky_relu", build_leaky_relu},
    {"gelu", build_gelu},
    {"flatten", build_flatten},
    {"lstm", build_lstm},
    {"gru", build_gru},
    {"last_step", build_last_step},
    {"batchnorm1d", build_batchnorm1d},
    {"batchnorm2d", build_batchnorm2d},
    {"layernorm", build_layernorm},
    {"conv1d", build_conv1d},
    {"conv2d", build_conv2d},
    {"maxpool1d", build_maxpool1d},
    {"maxpool2d", build_maxpool2d},
    {"avgpool1d", build_avgpool1d},
    {"avgpool2d", build_avgpool2d},
};

int conform_add_layer(conform_layer *b) {
    const char *type = b->line->ntok ? b->line->tok[0] : "";
    for (size_t i = 0; i < sizeof conform_layers / sizeof conform_layers[0]; i++)
        if (strcmp(type, conform_layers[i].type) == 0) return conform_layers[i].build(b);
    return ref_fail(b->r, "layer %zu: unknown layer type %s", b->index, type);
}
