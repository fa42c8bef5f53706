/* Model files (docs/checkpoint.md): the parameters under torch.nn.Sequential
 * state_dict names ("0.weight" [out, in], "0.bias" [out], the index counting
 * every layer), F32, and the layer list in metadata, so dsc_model_load
 * builds the model from the file alone and PyTorch loads the tensors with
 * load_state_dict. dsc_model_load_weights reads any safetensors file with
 * those names (a PyTorch export) into a model whose layers match. */
#include "io_impl.h"
#include "io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const act_names[] = {
    "identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax",
};
#define NACT (sizeof act_names / sizeof act_names[0])

int dsc__io_reserved(const char *name) {
    static const char *const prefixes[] = {"optimizer.", "scheduler.", "trainer.", "rng."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    return 0;
}

dsc_status dsc__io_open(const char *path, const unsigned char *buf, size_t size,
                        unsigned char **bytes, dsc__st_file *f, char *what, size_t what_size,
                        const char *fn) {
    *bytes = NULL;
    memset(f, 0, sizeof *f);
    if (path != NULL) {
        snprintf(what, what_size, "'%s'", path);
        DSC_TRY(dsc__io_read_file(path, bytes, &size, fn));
        buf = *bytes;
    } else {
        snprintf(what, what_size, "the buffer");
    }
    dsc_status s = dsc__st_parse(f, buf, size, fn, what);
    if (s != DSC_OK) {
        dsc__free(*bytes);
        *bytes = NULL;
    }
    return s;
}

dsc_status dsc__io_format(const dsc__st_file *f, const char *fn, const char *what, const char **name) {
    *name = dsc__st_meta(f, "format");
    if (*name == NULL) return DSC_OK;
    DSC_RETURN_IF(strcmp(*name, DSC__FORMAT_MODEL) != 0 && strcmp(*name, DSC__FORMAT_CHECKPOINT) != 0,
                  DSC_E_FORMAT, "%s: %s: metadata format \"%s\" is not a descent format (%s or %s)",
                  fn, what, *name, DSC__FORMAT_MODEL, DSC__FORMAT_CHECKPOINT);
    const char *v = dsc__st_meta(f, "format_version");
    DSC_RETURN_IF(v == NULL, DSC_E_FORMAT, "%s: %s: a %s file without \"format_version\" metadata",
                  fn, what, *name);
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    DSC_RETURN_IF(v[0] < '0' || v[0] > '9' || *end != '\0' || n == 0, DSC_E_FORMAT,
                  "%s: %s: format_version \"%s\" is not a positive integer", fn, what, v);
    DSC_RETURN_IF(n > DSC__FORMAT_VERSION, DSC_E_FORMAT,
                  "%s: %s was written by a newer descent (format version %s, by descent %s); this "
                  "library (%s) reads format versions up to %d", fn, what, v,
                  dsc__st_meta(f, "descent_version") ? dsc__st_meta(f, "descent_version") : "?",
                  dsc_version(), DSC__FORMAT_VERSION);
    return DSC_OK;
}

/* ---- the description ---------------------------------------------------- */

char *dsc__model_describe(const dsc_model *m) {
    int ok = 1;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return NULL;
    dsc__jw_count(root, "input_width", m->in_width, &ok);
    cJSON *layers = dsc__jw_arr(root, "layers", &ok);
    for (size_t i = 0; ok && i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        cJSON *o = dsc__jw_obj(layers, NULL, &ok);
        switch (l->vt->kind) {
        case DSC_LAYER_DENSE:
            dsc__jw_str(o, "kind", "dense", &ok);
            dsc__jw_count(o, "in_features", l->in, &ok);
            dsc__jw_count(o, "out_features", l->out, &ok);
            dsc__jw_bool(o, "bias", l->has_bias, &ok);
            break;
        case DSC_LAYER_ACTIVATION:
            dsc__jw_str(o, "kind", "activation", &ok);
            dsc__jw_str(o, "activation", act_names[l->act], &ok);
            if (l->act == DSC_ACTIVATION_LEAKY_RELU) dsc__jw_num(o, "negative_slope", l->alpha, &ok);
            break;
        case DSC_LAYER_DROPOUT:
            dsc__jw_str(o, "kind", "dropout", &ok);
            dsc__jw_num(o, "p", l->p, &ok);
            dsc__jw_u64(o, "seed", l->seed, &ok);
            break;
        }
    }
    return dsc__jw_finish(root, ok);
}

/* One layer as a description gives it. */
typedef struct layer_spec {
    dsc_layer_kind kind;
    size_t in, out;
    int bias;
    dsc_activation act;
    float slope;
    double p;
    uint64_t seed;
} layer_spec;

static const char *spec_words(const layer_spec *s, char *buf, size_t size) {
    switch (s->kind) {
    case DSC_LAYER_DENSE:
        snprintf(buf, size, "dense %zu -> %zu%s", s->in, s->out, s->bias ? "" : " without bias");
        break;
    case DSC_LAYER_ACTIVATION:
        if (s->act == DSC_ACTIVATION_LEAKY_RELU)
            snprintf(buf, size, "leaky_relu (slope %.9g)", (double)s->slope);
        else
            snprintf(buf, size, "%s", act_names[s->act]);
        break;
    case DSC_LAYER_DROPOUT:
        snprintf(buf, size, "dropout (p %.17g)", s->p);
        break;
    }
    return buf;
}

static void spec_of(const dsc__layer *l, layer_spec *s) {
    memset(s, 0, sizeof *s);
    s->kind = l->vt->kind;
    s->in = l->in;
    s->out = l->out;
    s->bias = l->has_bias;
    s->act = l->act;
    s->slope = l->alpha;
    s->p = l->p;
    s->seed = l->seed;
}

/* Layer i of a description (widths checked against width, the width so far). */
static dsc_status parse_layer(dsc__jr *c, const cJSON *o, size_t i, size_t width, layer_spec *s) {
    snprintf(c->where, sizeof c->where, "metadata \"model\", layer %zu", i);
    DSC_RETURN_IF(!cJSON_IsObject(o), DSC_E_FORMAT, "%s: %s: %s is not a JSON object", c->fn,
                  c->what, c->where);
    memset(s, 0, sizeof *s);
    const char *kind = NULL;
    DSC_TRY(dsc__jr_str(c, o, "kind", &kind));
    s->in = s->out = width;
    if (strcmp(kind, "dense") == 0) {
        static const char *const keys[] = {"kind", "in_features", "out_features", "bias"};
        DSC_TRY(dsc__jr_only(c, o, keys, 4));
        double in = 0, out = 0;
        DSC_TRY(dsc__jr_int(c, o, "in_features", 1, 9007199254740992.0, &in));
        DSC_TRY(dsc__jr_int(c, o, "out_features", 1, 9007199254740992.0, &out));
        DSC_TRY(dsc__jr_bool(c, o, "bias", &s->bias));
        DSC_RETURN_IF((double)width != in, DSC_E_FORMAT, "%s: %s: %s: in_features is %.0f; the "
                      "width before it is %zu", c->fn, c->what, c->where, in, width);
        DSC_RETURN_IF(out > (double)SIZE_MAX, DSC_E_FORMAT, "%s: %s: %s: out_features %.0f is too "
                      "large", c->fn, c->what, c->where, out);
        s->kind = DSC_LAYER_DENSE;
        s->out = (size_t)out;
    } else if (strcmp(kind, "activation") == 0) {
        const char *name = NULL;
        DSC_TRY(dsc__jr_str(c, o, "activation", &name));
        size_t a = 0;
        while (a < NACT && strcmp(name, act_names[a]) != 0) a++;
        DSC_RETURN_IF(a == NACT, DSC_E_FORMAT, "%s: %s: %s: unknown activation \"%s\"", c->fn,
                      c->what, c->where, name);
        s->kind = DSC_LAYER_ACTIVATION;
        s->act = (dsc_activation)a;
        s->slope = 0.01f;
        if (s->act == DSC_ACTIVATION_LEAKY_RELU) {
            static const char *const keys[] = {"kind", "activation", "negative_slope"};
            DSC_TRY(dsc__jr_only(c, o, keys, 3));
            double slope = 0;
            DSC_TRY(dsc__jr_num(c, o, "negative_slope", &slope));
            DSC_RETURN_IF(!(fabs(slope) <= 3.4e38), DSC_E_FORMAT, "%s: %s: %s: negative_slope is "
                          "%g; it must be a finite float", c->fn, c->what, c->where, slope);
            s->slope = (float)slope;
        } else {
            static const char *const keys[] = {"kind", "activation"};
            DSC_TRY(dsc__jr_only(c, o, keys, 2));
        }
    } else if (strcmp(kind, "dropout") == 0) {
        static const char *const keys[] = {"kind", "p", "seed"};
        DSC_TRY(dsc__jr_only(c, o, keys, 3));
        DSC_TRY(dsc__jr_num(c, o, "p", &s->p));
        DSC_RETURN_IF(!(s->p >= 0.0 && s->p <= 1.0), DSC_E_FORMAT, "%s: %s: %s: p is %g; it must "
                      "be in [0, 1]", c->fn, c->what, c->where, s->p);
        DSC_TRY(dsc__jr_u64(c, o, "seed", &s->seed));
        s->kind = DSC_LAYER_DROPOUT;
    } else {
        return dsc__error(DSC_E_FORMAT, "%s: %s: %s: unknown kind \"%s\" (dense, activation or "
                          "dropout)", c->fn, c->what, c->where, kind);
    }
    return DSC_OK;
}

/* A description into *specs (dsc__alloc'd, *n layers). */
static dsc_status parse_desc(dsc__jr *c, const char *json, size_t *input_width,
                             layer_spec **specs, size_t *n) {
    *specs = NULL;
    *n = 0;
    cJSON *root = NULL;
    snprintf(c->where, sizeof c->where, "metadata \"model\"");
    DSC_TRY(dsc__jr_parse(c, json, &root));
    static const char *const keys[] = {"input_width", "layers"};
    double width = 0;
    const cJSON *layers = NULL;
    dsc_status s = dsc__jr_only(c, root, keys, 2);
    if (s == DSC_OK) s = dsc__jr_int(c, root, "input_width", 1, 9007199254740992.0, &width);
    if (s == DSC_OK) s = dsc__jr_arr(c, root, "layers", &layers);
    if (s == DSC_OK && (width > (double)SIZE_MAX || cJSON_GetArraySize(layers) == 0))
        s = dsc__error(DSC_E_FORMAT, "%s: %s: metadata \"model\" has %s", c->fn, c->what,
                       width > (double)SIZE_MAX ? "an input_width too large" : "no layer");
    size_t count = s == DSC_OK ? (size_t)cJSON_GetArraySize(layers) : 0;
    if (s == DSC_OK) {
        *specs = dsc__calloc(count, sizeof **specs);
        if (*specs == NULL) s = dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu layers", c->fn, count);
    }
    size_t w = (size_t)width, i = 0;
    for (const cJSON *o = layers ? layers->child : NULL; s == DSC_OK && o != NULL; o = o->next, i++) {
        s = parse_layer(c, o, i, w, &(*specs)[i]);
        w = (*specs)[i].out;
    }
    cJSON_Delete(root);
    if (s != DSC_OK) {
        dsc__free(*specs);
        *specs = NULL;
        return s;
    }
    *input_width = (size_t)width;
    *n = count;
    return DSC_OK;
}

dsc_status dsc__model_desc_check(const dsc__jr *cin, const char *json, const dsc_model *m) {
    dsc__jr c = *cin;
    layer_spec *specs = NULL;
    size_t width = 0, n = 0;
    DSC_TRY(parse_desc(&c, json, &width, &specs, &n));
    dsc_status s = DSC_OK;
    if (width != m->in_width || n != m->nlayers) {
        s = dsc__error(DSC_E_FORMAT, "%s: %s holds a model of %zu layers taking %zu inputs; this "
                       "model has %zu layers taking %zu", c.fn, c.what, n, width, m->nlayers,
                       m->in_width);
    }
    for (size_t i = 0; s == DSC_OK && i < n; i++) {
        layer_spec mine;
        spec_of(&m->layers[i], &mine);
        const layer_spec *f = &specs[i];
        int same = f->kind == mine.kind && f->in == mine.in && f->out == mine.out;
        if (same && f->kind == DSC_LAYER_DENSE) same = f->bias == mine.bias;
        if (same && f->kind == DSC_LAYER_ACTIVATION)
            same = f->act == mine.act && (f->act != DSC_ACTIVATION_LEAKY_RELU || f->slope == mine.slope);
        if (same && f->kind == DSC_LAYER_DROPOUT) same = f->p == mine.p;
        if (!same) {
            char a[96], b[96];
            s = dsc__error(DSC_E_FORMAT, "%s: %s: layer %zu is %s in the file; this model's layer "
                           "%zu is %s", c.fn, c.what, i, spec_words(f, a, sizeof a), i,
                           spec_words(&mine, b, sizeof b));
        }
    }
    dsc__free(specs);
    return s;
}

/* ---- the parameter tensors ---------------------------------------------- */

size_t dsc__model_item_count(const dsc_model *m) {
    size_t n = 0;
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].vt->kind == DSC_LAYER_DENSE) n += m->layers[i].has_bias ? 2 : 1;
    return n;
}

void dsc__model_items(const dsc_model *m, dsc__st_item *items, char (*names)[32]) {
    size_t k = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        if (l->vt->kind != DSC_LAYER_DENSE) continue;
        snprintf(names[k], 32, "%zu.weight", i);
        items[k] = (dsc__st_item){names[k], DSC__ST_F32, 2, {l->out, l->in}, l->w};
        k++;
        if (l->has_bias) {
            snprintf(names[k], 32, "%zu.bias", i);
            items[k] = (dsc__st_item){names[k], DSC__ST_F32, 1, {l->out}, l->b};
            k++;
        }
    }
}

/* Whether name is one of m's parameter names. */
static int is_param_name(const dsc_model *m, const char *name) {
    char *end = NULL;
    if (name[0] < '0' || name[0] > '9') return 0;
    unsigned long long i = strtoull(name, &end, 10);
    if (i >= m->nlayers || m->layers[i].vt->kind != DSC_LAYER_DENSE) return 0;
    char want[32];
    if (strcmp(end, ".weight") == 0) snprintf(want, sizeof want, "%llu.weight", i);
    else if (strcmp(end, ".bias") == 0 && m->layers[i].has_bias) snprintf(want, sizeof want, "%llu.bias", i);
    else return 0;
    return strcmp(want, name) == 0; /* no leading zeros */
}

static const char *shape_words(const size_t *shape, size_t ndim, char *buf, size_t size) {
    size_t at = (size_t)snprintf(buf, size, "[");
    for (size_t d = 0; d < ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ", %zu" : "%zu", shape[d]);
    if (at < size) snprintf(buf + at, size - at, "]");
    return buf;
}

static dsc_status stage_one(const dsc__st_file *f, const char *name, const size_t *shape,
                            size_t ndim, size_t layer, float *dst, const char *fn,
                            const char *what) {
    const dsc__st_tensor *t = dsc__st_find(f, name);
    char a[64], b[64];
    DSC_RETURN_IF(t == NULL, DSC_E_FORMAT, "%s: %s has no tensor \"%s\" (layer %zu is dense, %s)",
                  fn, what, name, layer, shape_words(shape, ndim, a, sizeof a));
    DSC_RETURN_IF(t->dtype != DSC__ST_F32, DSC_E_FORMAT,
                  "%s: %s: tensor \"%s\" is %s; descent's parameters are F32", fn, what, name,
                  dsc__st_dtype_name(t->dtype));
    int same = t->ndim == ndim;
    for (size_t d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    DSC_RETURN_IF(!same, DSC_E_FORMAT, "%s: %s: tensor \"%s\" has shape %s; layer %zu needs %s",
                  fn, what, name, shape_words(t->shape, t->ndim, a, sizeof a), layer,
                  shape_words(shape, ndim, b, sizeof b));
    dsc__st_read_f32(t, dst);
    for (size_t i = 0; i < t->count; i++)
        DSC_RETURN_IF(!isfinite(dst[i]), DSC_E_FORMAT, "%s: %s: tensor \"%s\" element %zu is %g; "
                      "parameters must be finite", fn, what, name, i, (double)dst[i]);
    return DSC_OK;
}

dsc_status dsc__model_stage(const dsc__st_file *f, const dsc_model *m, int skip_reserved,
                            float *dst, const char *fn, const char *what) {
    /* Tensors the model does not have first: as PyTorch's strict
     * load_state_dict, they are refused, all named (up to the message's length). */
    char extra[256];
    size_t nextra = 0, at = 0;
    for (size_t i = 0; i < f->ntensors; i++) {
        const char *name = f->tensors[i].name;
        if (is_param_name(m, name) || (skip_reserved && dsc__io_reserved(name))) continue;
        if (at < sizeof extra)
            at += (size_t)snprintf(extra + at, sizeof extra - at, "%s\"%s\"", nextra ? ", " : "", name);
        nextra++;
    }
    DSC_RETURN_IF(nextra > 0, DSC_E_FORMAT, "%s: %s has %zu tensor%s this model does not have "
                  "(refused, as PyTorch's load_state_dict(strict=True) does): %s", fn, what,
                  nextra, nextra > 1 ? "s" : "", extra);
    float *p = dst;
    for (size_t i = 0; i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        if (l->vt->kind != DSC_LAYER_DENSE) continue;
        char name[32];
        size_t wshape[2] = {l->out, l->in};
        snprintf(name, sizeof name, "%zu.weight", i);
        DSC_TRY(stage_one(f, name, wshape, 2, i, p, fn, what));
        p += l->out * l->in;
        if (l->has_bias) {
            snprintf(name, sizeof name, "%zu.bias", i);
            DSC_TRY(stage_one(f, name, wshape, 1, i, p, fn, what));
            p += l->out;
        }
    }
    return DSC_OK;
}

/* ---- public --------------------------------------------------------------- */

DSC_API dsc_status dsc_model_save(const dsc_model *model, const char *path) {
    static const char fn[] = "dsc_model_save";
    DSC_RETURN_IF(model == NULL || path == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  model == NULL ? "model" : "path");
    DSC_RETURN_IF(!model->built, DSC_E_STATE,
                  "%s: the model is not built; call dsc_model_build first", fn);
    size_t n = dsc__model_item_count(model);
    dsc__st_item *items = dsc__calloc(n ? n : 1, sizeof *items);
    char(*names)[32] = dsc__calloc(n ? n : 1, sizeof *names);
    char *desc = dsc__model_describe(model);
    dsc_status s = DSC_OK;
    if (items == NULL || names == NULL || desc == NULL) {
        s = dsc__error(DSC_E_NOMEM, "%s: out of memory for the description of the model", fn);
    } else {
        char version[16];
        snprintf(version, sizeof version, "%d", DSC__FORMAT_VERSION);
        const dsc__st_kv meta[] = {
            {"format", DSC__FORMAT_MODEL},
            {"format_version", version},
            {"descent_version", dsc_version()},
            {"model", desc},
        };
        dsc__model_items(model, items, names);
        s = dsc__st_write(path, items, n, meta, sizeof meta / sizeof meta[0], fn);
    }
    dsc__free(items);
    dsc__free(names);
    dsc__free(desc);
    return s;
}

/* Builds a model from specs (the layers of a description). */
static dsc_status build_model(dsc_model **out, size_t width, const layer_spec *specs, size_t n,
                              size_t max_batch) {
    dsc_model *m = NULL;
    DSC_TRY(dsc_model_new(&m, width));
    dsc_status s = DSC_OK;
    for (size_t i = 0; i < n && s == DSC_OK; i++) {
        const layer_spec *l = &specs[i];
        switch (l->kind) {
        case DSC_LAYER_DENSE: s = dsc_model_add_dense(m, l->out, l->bias); break;
        case DSC_LAYER_ACTIVATION:
            s = l->act == DSC_ACTIVATION_LEAKY_RELU ? dsc_model_add_leaky_relu(m, l->slope)
                                                    : dsc_model_add_activation(m, l->act);
            break;
        case DSC_LAYER_DROPOUT: s = dsc_model_add_dropout(m, l->p, l->seed); break;
        }
    }
    if (s == DSC_OK) s = dsc_model_build(m, max_batch);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

/* Checks that every parameter tensor a description implies is in the file
 * with its shape before anything is allocated for it (so a description
 * cannot ask for more memory than the file holds). */
static dsc_status check_sizes(const dsc__st_file *f, const layer_spec *specs, size_t n,
                              const char *fn, const char *what) {
    for (size_t i = 0; i < n; i++) {
        if (specs[i].kind != DSC_LAYER_DENSE) continue;
        char name[32], a[64], b[64];
        size_t shape[2] = {specs[i].out, specs[i].in};
        for (int bias = 0; bias <= specs[i].bias; bias++) {
            snprintf(name, sizeof name, bias ? "%zu.bias" : "%zu.weight", i);
            const dsc__st_tensor *t = dsc__st_find(f, name);
            DSC_RETURN_IF(t == NULL, DSC_E_FORMAT, "%s: %s has no tensor \"%s\" (layer %zu is "
                          "dense, %s)", fn, what, name, i,
                          shape_words(shape, bias ? 1 : 2, a, sizeof a));
            int same = t->ndim == (bias ? 1u : 2u) && t->shape[0] == shape[0] &&
                       (bias || t->shape[1] == shape[1]);
            DSC_RETURN_IF(!same, DSC_E_FORMAT, "%s: %s: tensor \"%s\" has shape %s; layer %zu "
                          "needs %s", fn, what, name, shape_words(t->shape, t->ndim, a, sizeof a),
                          i, shape_words(shape, bias ? 1 : 2, b, sizeof b));
        }
    }
    return DSC_OK;
}

static dsc_status model_load(dsc_model **out, const char *path, const unsigned char *buf,
                             size_t size, size_t max_batch, const char *fn) {
    DSC_RETURN_IF(out == NULL, DSC_E_ARG, "%s: out is NULL", fn);
    *out = NULL;
    DSC_RETURN_IF(path == NULL && buf == NULL, DSC_E_ARG, "%s: path is NULL", fn);
    DSC_RETURN_IF(max_batch == 0, DSC_E_ARG, "%s: max_batch is 0; it must be at least 1", fn);
    unsigned char *bytes = NULL;
    dsc__st_file f;
    char what[288];
    DSC_TRY(dsc__io_open(path, buf, size, &bytes, &f, what, sizeof what, fn));
    const char *format = NULL, *desc = NULL;
    layer_spec *specs = NULL;
    size_t width = 0, n = 0;
    dsc_model *m = NULL;
    dsc_status s = dsc__io_format(&f, fn, what, &format);
    if (s == DSC_OK && (format == NULL || (desc = dsc__st_meta(&f, "model")) == NULL))
        s = dsc__error(DSC_E_FORMAT, "%s: %s has no descent model description (metadata "
                       "\"model\"): a file exported from PyTorch? Build the model and load the "
                       "tensors with dsc_model_load_weights", fn, what);
    dsc__jr c = {fn, what, ""};
    if (s == DSC_OK) s = parse_desc(&c, desc, &width, &specs, &n);
    if (s == DSC_OK) s = check_sizes(&f, specs, n, fn, what);
    if (s == DSC_OK) {
        /* The parameter tensors bound every width but those of a model
         * without dense layers: those are bounded here. */
        int dense = 0;
        for (size_t i = 0; i < n; i++) dense |= specs[i].kind == DSC_LAYER_DENSE;
        if (!dense && width > ((size_t)1 << 24))
            s = dsc__error(DSC_E_FORMAT, "%s: %s: a model without dense layers taking %zu inputs "
                           "(at most %zu)", fn, what, width, (size_t)1 << 24);
    }
    if (s == DSC_OK) s = build_model(&m, width, specs, n, max_batch);
    if (s == DSC_OK) {
        s = dsc__model_stage(&f, m, strcmp(format, DSC__FORMAT_CHECKPOINT) == 0, m->params, fn, what);
        if (s != DSC_OK) {
            dsc_model_free(m);
            m = NULL;
        }
    }
    dsc__free(specs);
    dsc__st_free(&f);
    dsc__free(bytes);
    *out = m;
    return s;
}

DSC_API dsc_status dsc_model_load(dsc_model **out, const char *path, size_t max_batch) {
    return model_load(out, path, NULL, 0, max_batch, "dsc_model_load");
}

dsc_status dsc__model_load_mem(dsc_model **out, const unsigned char *buf, size_t size,
                               size_t max_batch) {
    static const unsigned char empty[1] = {0};
    return model_load(out, NULL, buf ? buf : empty, buf ? size : 0, max_batch, "dsc_model_load");
}

static dsc_status load_weights(dsc_model *model, const char *path, const unsigned char *buf,
                               size_t size, const char *fn) {
    DSC_RETURN_IF(model == NULL, DSC_E_ARG, "%s: model is NULL", fn);
    DSC_RETURN_IF(path == NULL && buf == NULL, DSC_E_ARG, "%s: path is NULL", fn);
    DSC_RETURN_IF(!model->built, DSC_E_STATE,
                  "%s: the model is not built; call dsc_model_build first", fn);
    unsigned char *bytes = NULL;
    dsc__st_file f;
    char what[288];
    DSC_TRY(dsc__io_open(path, buf, size, &bytes, &f, what, sizeof what, fn));
    const char *format = NULL;
    float *staged = NULL;
    dsc_status s = dsc__io_format(&f, fn, what, &format);
    if (s == DSC_OK) {
        staged = dsc__alloc((model->nparams ? model->nparams : 1) * sizeof(float));
        if (staged == NULL)
            s = dsc__error(DSC_E_NOMEM, "%s: out of memory for a copy of %zu parameters", fn,
                           model->nparams);
    }
    int checkpoint = format != NULL && strcmp(format, DSC__FORMAT_CHECKPOINT) == 0;
    if (s == DSC_OK) s = dsc__model_stage(&f, model, checkpoint, staged, fn, what);
    if (s == DSC_OK) memcpy(model->params, staged, model->nparams * sizeof(float));
    dsc__free(staged);
    dsc__st_free(&f);
    dsc__free(bytes);
    return s;
}

DSC_API dsc_status dsc_model_load_weights(dsc_model *model, const char *path) {
    return load_weights(model, path, NULL, 0, "dsc_model_load_weights");
}

dsc_status dsc__model_load_weights_mem(dsc_model *model, const unsigned char *buf, size_t size) {
    static const unsigned char empty[1] = {0};
    return load_weights(model, NULL, buf ? buf : empty, buf ? size : 0, "dsc_model_load_weights");
}
