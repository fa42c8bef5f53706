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
    "identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "gelu_tanh",
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

/* Dense, activation and dropout layers keep the encoding of format version 1
 * (their own keys); every other kind is {"kind": its vtable name, key: number
 * ...} over its config_keys (lib/nn/layer_impl.h), so a new kind adds only
 * its own keys. */

char *dsc__model_describe(const dsc_model *m) {
    int ok = 1;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return NULL;
    dsc__jw_count(root, "input_width", m->in_width, &ok);
    if (m->in_shape.ndim > 1) { /* flat models keep the version 1 description */
        cJSON *shape = dsc__jw_arr(root, "input_shape", &ok);
        for (size_t d = 0; d < m->in_shape.ndim; d++) dsc__jw_count(shape, NULL, m->in_shape.d[d], &ok);
    }
    cJSON *layers = dsc__jw_arr(root, "layers", &ok);
    for (size_t i = 0; ok && i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        cJSON *o = dsc__jw_obj(layers, NULL, &ok);
        switch (l->vt->kind) {
        case DSC_LAYER_DENSE:
            dsc__jw_str(o, "kind", "dense", &ok);
            dsc__jw_count(o, "in_features", l->in, &ok);
            dsc__jw_count(o, "out_features", l->out, &ok);
            dsc__jw_bool(o, "bias", l->u.dense.has_bias, &ok);
            break;
        case DSC_LAYER_ACTIVATION:
            dsc__jw_str(o, "kind", "activation", &ok);
            dsc__jw_str(o, "activation", act_names[l->u.act.act], &ok);
            if (l->u.act.act == DSC_ACTIVATION_LEAKY_RELU)
                dsc__jw_num(o, "negative_slope", l->u.act.alpha, &ok);
            break;
        case DSC_LAYER_DROPOUT:
            dsc__jw_str(o, "kind", "dropout", &ok);
            dsc__jw_num(o, "p", l->u.dropout.p, &ok);
            dsc__jw_u64(o, "seed", l->u.dropout.seed, &ok);
            break;
        default: {
            double v[DSC__LAYER_MAX_CONFIG];
            l->vt->config_get(l, v);
            dsc__jw_str(o, "kind", l->vt->name, &ok);
            for (size_t k = 0; l->vt->config_keys[k] != NULL; k++)
                dsc__jw_num(o, l->vt->config_keys[k], v[k], &ok);
            break;
        }
        }
    }
    return dsc__jw_finish(root, ok);
}

/* One layer as a description gives it. */
typedef struct layer_spec {
    dsc_layer_kind kind;
    const dsc__layer_vtable *vt;        /* a kind of the generic encoding, else NULL */
    double config[DSC__LAYER_MAX_CONFIG]; /* its values, in config_keys order */
    size_t in, out;                     /* dense */
    int bias;
    dsc_activation act;
    float slope;
    double p;
    uint64_t seed;
} layer_spec;

static const char *spec_words(const layer_spec *s, char *buf, size_t size) {
    if (s->vt != NULL) {
        size_t at = (size_t)snprintf(buf, size, "%s", s->vt->name);
        for (size_t k = 0; s->vt->config_keys[k] != NULL && at < size; k++)
            at += (size_t)snprintf(buf + at, size - at, "%s%s %.17g", k ? ", " : " (",
                                   s->vt->config_keys[k], s->config[k]);
        if (s->vt->config_keys[0] != NULL && at < size) snprintf(buf + at, size - at, ")");
        return buf;
    }
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
    default:
        snprintf(buf, size, "dropout (p %.17g)", s->p);
        break;
    }
    return buf;
}

static void spec_of(const dsc__layer *l, layer_spec *s) {
    memset(s, 0, sizeof *s);
    s->kind = l->vt->kind;
    switch (l->vt->kind) {
    case DSC_LAYER_DENSE:
        s->in = l->in;
        s->out = l->out;
        s->bias = l->u.dense.has_bias;
        break;
    case DSC_LAYER_ACTIVATION:
        s->act = l->u.act.act;
        s->slope = l->u.act.alpha;
        break;
    case DSC_LAYER_DROPOUT:
        s->p = l->u.dropout.p;
        s->seed = l->u.dropout.seed;
        break;
    default:
        s->vt = l->vt;
        l->vt->config_get(l, s->config);
        break;
    }
}

static int spec_same(const layer_spec *a, const layer_spec *b) {
    if (a->kind != b->kind || a->vt != b->vt) return 0;
    if (a->vt != NULL) {
        for (size_t k = 0; a->vt->config_keys[k] != NULL; k++)
            if (a->config[k] != b->config[k]) return 0;
        return 1;
    }
    switch (a->kind) {
    case DSC_LAYER_DENSE: return a->in == b->in && a->out == b->out && a->bias == b->bias;
    case DSC_LAYER_ACTIVATION:
        return a->act == b->act && (a->act != DSC_ACTIVATION_LEAKY_RELU || a->slope == b->slope);
    default: return a->p == b->p;
    }
}

/* A layer of a generic kind: exactly "kind" and its keys, each a number. */
static dsc_status parse_generic(dsc__jr *c, const cJSON *o, const dsc__layer_vtable *vt,
                                layer_spec *s) {
    const char *keys[DSC__LAYER_MAX_CONFIG + 1];
    size_t n = 0;
    keys[n++] = "kind";
    for (size_t k = 0; vt->config_keys[k] != NULL; k++) keys[n++] = vt->config_keys[k];
    DSC_TRY(dsc__jr_only(c, o, keys, n));
    for (size_t k = 0; vt->config_keys[k] != NULL; k++)
        DSC_TRY(dsc__jr_num(c, o, vt->config_keys[k], &s->config[k]));
    s->kind = vt->kind;
    s->vt = vt;
    return DSC_OK;
}

/* Layer i of a description. width is the width before it when known (0
 * after a layer of a generic kind: then its shape hook checks it at build). */
static dsc_status parse_layer(dsc__jr *c, const cJSON *o, size_t i, size_t width, layer_spec *s) {
    snprintf(c->where, sizeof c->where, "metadata \"model\", layer %zu", i);
    DSC_RETURN_IF(!cJSON_IsObject(o), DSC_E_FORMAT, "%s: %s: %s is not a JSON object", c->fn,
                  c->what, c->where);
    memset(s, 0, sizeof *s);
    const char *kind = NULL;
    DSC_TRY(dsc__jr_str(c, o, "kind", &kind));
    s->in = s->out = width;
    const dsc__layer_vtable *vt = dsc__layer_kind_named(kind);
    if (vt != NULL) return parse_generic(c, o, vt, s);
    if (strcmp(kind, "dense") == 0) {
        static const char *const keys[] = {"kind", "in_features", "out_features", "bias"};
        DSC_TRY(dsc__jr_only(c, o, keys, 4));
        double in = 0, out = 0;
        DSC_TRY(dsc__jr_int(c, o, "in_features", 1, 9007199254740992.0, &in));
        DSC_TRY(dsc__jr_int(c, o, "out_features", 1, 9007199254740992.0, &out));
        DSC_TRY(dsc__jr_bool(c, o, "bias", &s->bias));
        DSC_RETURN_IF(width != 0 && (double)width != in, DSC_E_FORMAT, "%s: %s: %s: in_features "
                      "is %.0f; the width before it is %zu", c->fn, c->what, c->where, in, width);
        DSC_RETURN_IF(out > (double)SIZE_MAX || in > (double)SIZE_MAX, DSC_E_FORMAT,
                      "%s: %s: %s: a width is too large", c->fn, c->what, c->where);
        s->kind = DSC_LAYER_DENSE;
        s->in = (size_t)in;
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
        char known[256];
        size_t at = (size_t)snprintf(known, sizeof known, "dense, activation, dropout");
        for (size_t k = 0; dsc__layer_kinds[k] != NULL && at < sizeof known; k++)
            at += (size_t)snprintf(known + at, sizeof known - at, ", %s", dsc__layer_kinds[k]->name);
        return dsc__error(DSC_E_FORMAT, "%s: %s: %s: unknown kind \"%s\" (%s)", c->fn, c->what,
                          c->where, kind, known);
    }
    return DSC_OK;
}

/* What a description says: the input shape and the layers. */
typedef struct model_desc {
    dsc__shape shape;
    layer_spec *specs; /* dsc__alloc'd, n */
    size_t n;
} model_desc;

/* "input_shape": 2..DSC_MODEL_MAX_DIMS sizes whose product is input_width. */
static dsc_status parse_shape(dsc__jr *c, const cJSON *root, size_t width, dsc__shape *shape) {
    shape->ndim = 1;
    shape->d[0] = width;
    if (cJSON_GetObjectItemCaseSensitive(root, "input_shape") == NULL) return DSC_OK;
    const cJSON *dims = NULL;
    DSC_TRY(dsc__jr_arr(c, root, "input_shape", &dims));
    size_t nd = (size_t)cJSON_GetArraySize(dims);
    DSC_RETURN_IF(nd < 1 || nd > DSC_MODEL_MAX_DIMS, DSC_E_FORMAT, "%s: %s: %s: input_shape has "
                  "%zu dimensions; it must have 1..%d", c->fn, c->what, c->where, nd,
                  DSC_MODEL_MAX_DIMS);
    shape->ndim = nd;
    size_t d = 0;
    for (const cJSON *v = dims->child; v != NULL; v = v->next, d++) {
        double x = 0;
        DSC_TRY(dsc__jr_elem_num(c, v, d, &x));
        DSC_RETURN_IF(!(x >= 1 && x <= (double)(1u << 30) && x == floor(x)), DSC_E_FORMAT,
                      "%s: %s: %s: input_shape[%zu] is %g; it must be an integer in [1, 2^30]",
                      c->fn, c->what, c->where, d, x);
        shape->d[d] = (size_t)x;
    }
    DSC_RETURN_IF(dsc__shape_numel(shape) != width, DSC_E_FORMAT, "%s: %s: %s: input_shape's "
                  "product is not input_width %zu", c->fn, c->what, c->where, width);
    return DSC_OK;
}

/* A description into *d (d->specs dsc__alloc'd). */
static dsc_status parse_desc(dsc__jr *c, const char *json, model_desc *d) {
    memset(d, 0, sizeof *d);
    cJSON *root = NULL;
    snprintf(c->where, sizeof c->where, "metadata \"model\"");
    DSC_TRY(dsc__jr_parse(c, json, &root));
    static const char *const keys[] = {"input_width", "input_shape", "layers"};
    double width = 0;
    const cJSON *layers = NULL;
    dsc_status s = dsc__jr_only(c, root, keys, 3);
    if (s == DSC_OK) s = dsc__jr_int(c, root, "input_width", 1, 9007199254740992.0, &width);
    if (s == DSC_OK) s = dsc__jr_arr(c, root, "layers", &layers);
    if (s == DSC_OK && (width > (double)SIZE_MAX || cJSON_GetArraySize(layers) == 0))
        s = dsc__error(DSC_E_FORMAT, "%s: %s: metadata \"model\" has %s", c->fn, c->what,
                       width > (double)SIZE_MAX ? "an input_width too large" : "no layer");
    if (s == DSC_OK) s = parse_shape(c, root, (size_t)width, &d->shape);
    size_t count = s == DSC_OK ? (size_t)cJSON_GetArraySize(layers) : 0;
    if (s == DSC_OK) {
        d->specs = dsc__calloc(count, sizeof *d->specs);
        if (d->specs == NULL) s = dsc__error(DSC_E_NOMEM, "%s: out of memory for %zu layers", c->fn, count);
    }
    /* The width so far while every layer before is of the version 1 kinds. */
    size_t w = d->shape.ndim == 1 ? (size_t)width : 0, i = 0;
    for (const cJSON *o = layers ? layers->child : NULL; s == DSC_OK && o != NULL; o = o->next, i++) {
        s = parse_layer(c, o, i, w, &d->specs[i]);
        w = d->specs[i].vt != NULL ? 0 : d->specs[i].out;
    }
    cJSON_Delete(root);
    if (s != DSC_OK) {
        dsc__free(d->specs);
        memset(d, 0, sizeof *d);
        return s;
    }
    d->n = count;
    return DSC_OK;
}

dsc_status dsc__model_desc_check(const dsc__jr *cin, const char *json, const dsc_model *m) {
    dsc__jr c = *cin;
    model_desc d;
    DSC_TRY(parse_desc(&c, json, &d));
    dsc_status s = DSC_OK;
    int same_shape = d.shape.ndim == m->in_shape.ndim;
    for (size_t k = 0; same_shape && k < d.shape.ndim; k++) same_shape = d.shape.d[k] == m->in_shape.d[k];
    if (!same_shape || d.n != m->nlayers) {
        char a[64], b[64];
        s = dsc__error(DSC_E_FORMAT, "%s: %s holds a model of %zu layers taking %s inputs; this "
                       "model has %zu layers taking %s", c.fn, c.what, d.n,
                       dsc__shape_words(&d.shape, a, sizeof a), m->nlayers,
                       dsc__shape_words(&m->in_shape, b, sizeof b));
    }
    for (size_t i = 0; s == DSC_OK && i < d.n; i++) {
        layer_spec mine;
        spec_of(&m->layers[i], &mine);
        const layer_spec *f = &d.specs[i];
        if (!spec_same(f, &mine)) {
            char a[160], b[160];
            s = dsc__error(DSC_E_FORMAT, "%s: %s: layer %zu is %s in the file; this model's layer "
                           "%zu is %s", c.fn, c.what, i, spec_words(f, a, sizeof a), i,
                           spec_words(&mine, b, sizeof b));
        }
    }
    dsc__free(d.specs);
    return s;
}

/* ---- the parameter and buffer tensors ------------------------------------- */

/* Every layer's named tensors (lib/nn/layer_impl.h) under "<layer>.<state
 * name>", parameters and buffers alike, in layer order. */

size_t dsc__model_item_count(const dsc_model *m) {
    size_t n = 0;
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    for (size_t i = 0; i < m->nlayers; i++) n += dsc__layer_tensors(&m->layers[i], t);
    return n;
}

/* Where tensor t of built layer l lives. */
static float *tensor_data(const dsc_model *m, const dsc__layer *l, const dsc__tensor_desc *t) {
    return t->is_buffer ? m->buffers + l->buffer_off + t->offset
                        : m->params + l->param_off + t->offset;
}

void dsc__model_items(const dsc_model *m, dsc__st_item *items, char (*names)[32]) {
    size_t k = 0;
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    for (size_t i = 0; i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        size_t nt = dsc__layer_tensors(l, t);
        for (size_t j = 0; j < nt; j++, k++) {
            snprintf(names[k], 32, "%zu.%s", i, dsc__tensor_state_name(&t[j]));
            items[k] = (dsc__st_item){names[k], DSC__ST_F32, t[j].ndim, {0}, tensor_data(m, l, &t[j])};
            for (size_t d = 0; d < t[j].ndim; d++) items[k].shape[d] = t[j].dims[d];
        }
    }
}

/* Whether name is one of m's tensor names. */
static int is_tensor_name(const dsc_model *m, const char *name) {
    char *end = NULL;
    if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1] != '.')) return 0; /* no leading zeros */
    unsigned long long i = strtoull(name, &end, 10);
    if (i >= m->nlayers || *end != '.') return 0;
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    size_t nt = dsc__layer_tensors(&m->layers[i], t);
    for (size_t j = 0; j < nt; j++)
        if (strcmp(end + 1, dsc__tensor_state_name(&t[j])) == 0) return 1;
    return 0;
}

static const char *shape_words(const size_t *shape, size_t ndim, char *buf, size_t size) {
    size_t at = (size_t)snprintf(buf, size, "[");
    for (size_t d = 0; d < ndim && at < size; d++)
        at += (size_t)snprintf(buf + at, size - at, d ? ", %zu" : "%zu", shape[d]);
    if (at < size) snprintf(buf + at, size - at, "]");
    return buf;
}

/* The file's tensor for tensor t of layer i, checked present, F32 and of its shape. */
static dsc_status find_one(const dsc__st_file *f, const dsc_model *m, size_t i,
                           const dsc__tensor_desc *t, const dsc__st_tensor **out, const char *fn,
                           const char *what) {
    char name[32], a[64], b[64];
    snprintf(name, sizeof name, "%zu.%s", i, dsc__tensor_state_name(t));
    const dsc__st_tensor *ft = dsc__st_find(f, name);
    const char *kind = m->layers[i].vt->name;
    DSC_RETURN_IF(ft == NULL, DSC_E_FORMAT, "%s: %s has no tensor \"%s\" (layer %zu is %s, %s)",
                  fn, what, name, i, kind, shape_words(t->dims, t->ndim, a, sizeof a));
    DSC_RETURN_IF(ft->dtype != DSC__ST_F32 && !(t->is_count && ft->dtype == DSC__ST_I64),
                  DSC_E_FORMAT,
                  "%s: %s: tensor \"%s\" is %s; descent's parameters and buffers are F32", fn,
                  what, name, dsc__st_dtype_name(ft->dtype));
    int same = ft->ndim == t->ndim;
    for (size_t d = 0; same && d < t->ndim; d++) same = ft->shape[d] == t->dims[d];
    DSC_RETURN_IF(!same, DSC_E_FORMAT, "%s: %s: tensor \"%s\" has shape %s; layer %zu needs %s "
                  "(%s)", fn, what, name, shape_words(ft->shape, ft->ndim, a, sizeof a), i,
                  shape_words(t->dims, t->ndim, b, sizeof b), kind);
    *out = ft;
    return DSC_OK;
}

/* Every tensor of m (built or not) in the file, F32 and of its shape. */
static dsc_status check_tensors(const dsc__st_file *f, const dsc_model *m, const char *fn,
                                const char *what) {
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    for (size_t i = 0; i < m->nlayers; i++) {
        size_t nt = dsc__layer_tensors(&m->layers[i], t);
        for (size_t j = 0; j < nt; j++) {
            const dsc__st_tensor *ft = NULL;
            DSC_TRY(find_one(f, m, i, &t[j], &ft, fn, what));
        }
    }
    return DSC_OK;
}

dsc_status dsc__model_stage(const dsc__st_file *f, const dsc_model *m, int skip_reserved,
                            float *params, float *buffers, const char *fn, const char *what) {
    /* Tensors the model does not have first: as PyTorch's strict
     * load_state_dict, they are refused, all named (up to the message's length). */
    char extra[256];
    size_t nextra = 0, at = 0;
    for (size_t i = 0; i < f->ntensors; i++) {
        const char *name = f->tensors[i].name;
        if (is_tensor_name(m, name) || (skip_reserved && dsc__io_reserved(name))) continue;
        if (at < sizeof extra)
            at += (size_t)snprintf(extra + at, sizeof extra - at, "%s\"%s\"", nextra ? ", " : "", name);
        nextra++;
    }
    DSC_RETURN_IF(nextra > 0, DSC_E_FORMAT, "%s: %s has %zu tensor%s this model does not have "
                  "(refused, as PyTorch's load_state_dict(strict=True) does): %s", fn, what,
                  nextra, nextra > 1 ? "s" : "", extra);
    dsc__tensor_desc t[DSC__LAYER_MAX_TENSORS];
    for (size_t i = 0; i < m->nlayers; i++) {
        const dsc__layer *l = &m->layers[i];
        size_t nt = dsc__layer_tensors(l, t);
        for (size_t j = 0; j < nt; j++) {
            const dsc__st_tensor *ft = NULL;
            DSC_TRY(find_one(f, m, i, &t[j], &ft, fn, what));
            float *dst = t[j].is_buffer ? buffers + l->buffer_off + t[j].offset
                                        : params + l->param_off + t[j].offset;
            if (ft->dtype == DSC__ST_I64) { /* a scalar count, as PyTorch's state_dict holds it */
                int64_t v = 0;
                dsc__st_read_i64(ft, &v);
                DSC_RETURN_IF(v < 0 || v > (1 << 24), DSC_E_FORMAT, "%s: %s: tensor \"%s\" is "
                              "%lld; it must be a count in [0, 2^24]", fn, what, ft->name,
                              (long long)v);
                dst[0] = (float)v;
            } else {
                dsc__st_read_f32(ft, dst);
            }
            for (size_t e = 0; e < ft->count; e++)
                DSC_RETURN_IF(!isfinite(dst[e]), DSC_E_FORMAT, "%s: %s: tensor \"%s\" element %zu "
                              "is %g; %ss must be finite", fn, what, ft->name, e, (double)dst[e],
                              t[j].is_buffer ? "buffer" : "parameter");
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

/* Appends the layers of a description to m; a layer the library refuses is
 * a malformed file. The widths the version 1 kinds record are checked
 * against the model's. */
static dsc_status add_layers(dsc__jr *c, dsc_model *m, const model_desc *d) {
    for (size_t i = 0; i < d->n; i++) {
        const layer_spec *l = &d->specs[i];
        snprintf(c->where, sizeof c->where, "metadata \"model\", layer %zu", i);
        if (l->kind == DSC_LAYER_DENSE && l->vt == NULL && l->in != m->out_width)
            return dsc__error(DSC_E_FORMAT, "%s: %s: %s: in_features is %zu; the width before it "
                              "is %zu", c->fn, c->what, c->where, l->in, m->out_width);
        dsc_status s;
        if (l->vt != NULL) {
            s = l->vt->config_add(c->fn, m, l->config);
        } else if (l->kind == DSC_LAYER_DENSE) {
            s = dsc_model_add_dense(m, l->out, l->bias);
        } else if (l->kind == DSC_LAYER_ACTIVATION) {
            s = l->act == DSC_ACTIVATION_LEAKY_RELU ? dsc_model_add_leaky_relu(m, l->slope)
                                                    : dsc_model_add_activation(m, l->act);
        } else {
            s = dsc_model_add_dropout(m, l->p, l->seed);
        }
        if (s == DSC_E_NOMEM) return s;
        if (s != DSC_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", dsc_last_error());
            return dsc__error(DSC_E_FORMAT, "%s: %s: %s is refused: %s", c->fn, c->what, c->where,
                              why);
        }
    }
    return DSC_OK;
}

/* Builds a model from a description, checking the file holds every tensor
 * with its shape before anything is allocated for them (so a description
 * cannot ask for more memory than the file holds). */
static dsc_status build_model(dsc__jr *c, const dsc__st_file *f, dsc_model **out,
                              const model_desc *d, size_t max_batch) {
    dsc_model *m = NULL;
    DSC_TRY(dsc_model_new_shaped(&m, d->shape.ndim, d->shape.d));
    dsc_status s = add_layers(c, m, d);
    if (s == DSC_OK) s = check_tensors(f, m, c->fn, c->what);
    if (s == DSC_OK) {
        /* The tensors bound every width that feeds a parameter; the
         * activations of layers without any are bounded here. */
        size_t widest = m->in_width, bound = (size_t)1 << 24;
        for (size_t i = 0; i < m->nlayers; i++)
            if (m->layers[i].out > widest) widest = m->layers[i].out;
        if (m->nparams + m->nbuffers > bound) bound = m->nparams + m->nbuffers;
        if (widest > bound)
            s = dsc__error(DSC_E_FORMAT, "%s: %s: a model whose widest sample is %zu floats, "
                           "with %zu parameters (at most 2^24 or the parameter count)", c->fn,
                           c->what, widest, m->nparams);
    }
    if (s == DSC_OK) s = dsc_model_build(m, max_batch);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
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
    model_desc d = {{0, {0, 0, 0}}, NULL, 0};
    dsc_model *m = NULL;
    dsc_status s = dsc__io_format(&f, fn, what, &format);
    if (s == DSC_OK && (format == NULL || (desc = dsc__st_meta(&f, "model")) == NULL))
        s = dsc__error(DSC_E_FORMAT, "%s: %s has no descent model description (metadata "
                       "\"model\"): a file exported from PyTorch? Build the model and load the "
                       "tensors with dsc_model_load_weights", fn, what);
    dsc__jr c = {fn, what, ""};
    if (s == DSC_OK) s = parse_desc(&c, desc, &d);
    if (s == DSC_OK) s = build_model(&c, &f, &m, &d, max_batch);
    if (s == DSC_OK) {
        s = dsc__model_stage(&f, m, strcmp(format, DSC__FORMAT_CHECKPOINT) == 0, m->params,
                             m->buffers, fn, what);
        if (s != DSC_OK) {
            dsc_model_free(m);
            m = NULL;
        }
    }
    dsc__free(d.specs);
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
    size_t np = model->nparams, nb = model->nbuffers;
    if (s == DSC_OK) {
        staged = dsc__alloc((np + nb ? np + nb : 1) * sizeof(float));
        if (staged == NULL)
            s = dsc__error(DSC_E_NOMEM, "%s: out of memory for a copy of %zu parameters and %zu "
                           "buffer values", fn, np, nb);
    }
    int checkpoint = format != NULL && strcmp(format, DSC__FORMAT_CHECKPOINT) == 0;
    if (s == DSC_OK) s = dsc__model_stage(&f, model, checkpoint, staged, staged + np, fn, what);
    if (s == DSC_OK) {
        memcpy(model->params, staged, np * sizeof(float));
        memcpy(model->buffers, staged + np, nb * sizeof(float));
    }
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
