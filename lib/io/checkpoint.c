/* Checkpoints (docs/checkpoint.md): a model file plus the state of the
 * optimizer, the scheduler, the trainer and every generator, so a run
 * resumed in a new process continues bit for bit. Tensors: the model's
 * parameters under their state_dict names, "rng.dropout.<layer>" and
 * "rng.trainer" (I64 [6], the generator's words), "optimizer.<group>.<buffer>"
 * (F32 [n], the buffers in use), "scheduler.state" (F64, the format of
 * dsc_lr_scheduler_state_save), "trainer.order" (I64 [samples]) and
 * "trainer.best" (F32 [parameters]) inside a run. Metadata: "model",
 * "optimizer", "scheduler", "trainer", each a JSON document in a string.
 *
 * A load reads and checks everything into staging buffers (every value in
 * its range, every shape, every count), allocates all it needs, and only
 * then commits with steps that cannot fail: a refused load changes nothing. */
#include "io_impl.h"
#include "../core/rng.h"
#include "../core/settings.h"
#include "../optim/optimizer_impl.h"
#include "../sched/sched_impl.h"
#include "../train/trainer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWO_53 9007199254740992.0

static const char *const positions[] = {"none", "after_batch", "after_epoch"};

/* ---- saving ------------------------------------------------------------- */

static int too_big(uint64_t v) {
    return (double)v > TWO_53;
}

static char *optimizer_json(const dsc_optimizer *opt, int *big) {
    const dsc__setting *rows = NULL;
    size_t nrows = dsc__optimizer_rows(opt, &rows), ng = 0;
    uint64_t refused = 0;
    double norm = 0.0;
    (void)dsc_optimizer_group_count(opt, &ng);
    (void)dsc_optimizer_refused_steps(opt, &refused);
    (void)dsc_optimizer_last_grad_norm(opt, &norm);
    int ok = 1;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return NULL;
    dsc__jw_str(root, "kind", dsc__optimizer_name(opt), &ok);
    cJSON *defaults = dsc__jw_obj(root, "defaults", &ok);
    for (size_t r = 0; r < nrows && ok; r++) {
        double v = 0.0;
        (void)dsc_optimizer_get(opt, (dsc_optimizer_param)rows[r].key, &v);
        dsc__jw_num(defaults, rows[r].name, v, &ok);
    }
    cJSON *groups = dsc__jw_arr(root, "groups", &ok);
    for (size_t g = 0; g < ng && ok; g++) {
        size_t n = 0;
        uint64_t step = 0;
        (void)dsc_optimizer_group_size(opt, g, &n);
        (void)dsc_optimizer_group_step_count(opt, g, &step);
        *big |= too_big(step);
        cJSON *o = dsc__jw_obj(groups, NULL, &ok);
        dsc__jw_count(o, "size", n, &ok);
        dsc__jw_count(o, "step", step, &ok);
        cJSON *hp = dsc__jw_obj(o, "hyperparameters", &ok);
        for (size_t r = 0; r < nrows && ok; r++) {
            if (rows[r].flags & DSC__OPT_GLOBAL) continue;
            double v = 0.0;
            (void)dsc_optimizer_group_get(opt, g, (dsc_optimizer_param)rows[r].key, &v);
            dsc__jw_num(hp, rows[r].name, v, &ok);
        }
    }
    *big |= too_big(refused);
    dsc__jw_count(root, "refused_steps", refused, &ok);
    dsc__jw_num(root, "last_grad_norm", norm, &ok);
    return dsc__jw_finish(root, ok);
}

static char *scheduler_json(const dsc_lr_scheduler *s) {
    int ok = 1;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return NULL;
    dsc__jw_str(root, "kind", s->vt->name, &ok);
    dsc__jw_count(root, "state_format", 2, &ok);
    return dsc__jw_finish(root, ok);
}

/* Where t's run stands: inside a callback of dsc_trainer_run, or the
 * pending run of a loaded checkpoint. */
static int position_of(const dsc_trainer *t) {
    return t->busy ? t->at : t->resume;
}

static char *trainer_json(const dsc_trainer *t, int *big) {
    int ok = 1, at = position_of(t);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return NULL;
    size_t nset = 0;
    const dsc__setting *set = dsc__trainer_settings(&nset);
    cJSON *o = dsc__jw_obj(root, "settings", &ok);
    for (size_t i = 0; i < nset && ok; i++) {
        double v = 0.0;
        (void)dsc_trainer_get(t, (dsc_trainer_param)set[i].key, &v);
        dsc__jw_num(o, set[i].name, v, &ok);
    }
    const dsc_progress *p = &t->prog;
    const uint64_t counts[] = {p->epoch, p->step, p->batch, p->batches_per_epoch, p->refused,
                               p->refused_row, p->best_epoch, p->wait, t->run_first};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) *big |= too_big(counts[i]);
    o = dsc__jw_obj(root, "progress", &ok);
    dsc__jw_count(o, "epoch", p->epoch, &ok);
    dsc__jw_count(o, "step", p->step, &ok);
    dsc__jw_count(o, "batch", p->batch, &ok);
    dsc__jw_count(o, "batches_per_epoch", p->batches_per_epoch, &ok);
    dsc__jw_num(o, "lr", p->lr, &ok);
    dsc__jw_num(o, "loss", p->loss, &ok);
    dsc__jw_num(o, "loss_sum", p->loss_sum, &ok);
    dsc__jw_num(o, "loss_count", p->loss_count, &ok);
    dsc__jw_num(o, "val_loss", p->val_loss, &ok);
    dsc__jw_num(o, "val_accuracy", p->val_acc, &ok);
    dsc__jw_count(o, "refused", p->refused, &ok);
    dsc__jw_count(o, "refused_in_a_row", p->refused_row, &ok);
    dsc__jw_num(o, "best_val_loss", p->best_val, &ok);
    dsc__jw_count(o, "best_epoch", p->best_epoch, &ok);
    dsc__jw_count(o, "epochs_without_improvement", p->wait, &ok);
    dsc__jw_count(o, "stop_reason", (uint64_t)p->stop_reason, &ok);
    o = dsc__jw_obj(root, "run", &ok);
    dsc__jw_str(o, "position", positions[at], &ok);
    dsc__jw_count(o, "first_epoch", t->run_first, &ok);
    dsc__jw_count(o, "batch_size", at == DSC__AT_NONE ? 0
                                   : t->busy ? dsc__trainer_batch(t) : t->resume_batch, &ok);
    dsc__jw_count(o, "samples", t->count, &ok);
    dsc__jw_bool(o, "validation", t->val != NULL, &ok);
    return dsc__jw_finish(root, ok);
}

/* Checks the objects given together belong together (save and load). */
static dsc_status check_objects(const char *fn, const char *path, const dsc_model *model,
                                const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                const dsc_trainer *t) {
    DSC_RETURN_IF(path == NULL || model == NULL, DSC_E_ARG, "%s: %s is NULL", fn,
                  path == NULL ? "path" : "model");
    DSC_RETURN_IF(sched != NULL && opt == NULL, DSC_E_ARG, "%s: a scheduler's state goes with "
                  "its optimizer's: pass the optimizer it drives too", fn);
    DSC_RETURN_IF(sched != NULL && sched->opt != opt, DSC_E_ARG,
                  "%s: sched drives another optimizer than opt", fn);
    if (t != NULL) {
        DSC_RETURN_IF(t->model != model, DSC_E_ARG, "%s: the trainer trains another model", fn);
        DSC_RETURN_IF(opt != NULL && t->opt != opt, DSC_E_ARG,
                      "%s: the trainer steps another optimizer than opt", fn);
        DSC_RETURN_IF(sched != NULL && t->sched != sched, DSC_E_ARG,
                      "%s: the trainer's scheduler is not sched", fn);
    }
    DSC_RETURN_IF(!model->built, DSC_E_STATE,
                  "%s: the model is not built; call dsc_model_build first", fn);
    return DSC_OK;
}

/* Everything a save allocates. */
typedef struct save_buf {
    dsc__st_item *items;
    char (*names)[64];
    uint64_t *words;    /* generators: DSC__RNG_WORDS per dropout layer, then the trainer's */
    double *sched;
    int64_t *order;
    char *model, *opt, *schedj, *trainer;
} save_buf;

static void save_free(save_buf *b) {
    dsc__free(b->items);
    dsc__free(b->names);
    dsc__free(b->words);
    dsc__free(b->sched);
    dsc__free(b->order);
    dsc__free(b->model);
    dsc__free(b->opt);
    dsc__free(b->schedj);
    dsc__free(b->trainer);
}

/* A checkpoint into the file path, or into memory (*mem, *size) when path is NULL. */
static dsc_status checkpoint_save(const char *path, unsigned char **mem, size_t *size,
                                  const dsc_model *model, const dsc_optimizer *opt,
                                  const dsc_lr_scheduler *sched, const dsc_trainer *t) {
    static const char fn[] = "dsc_checkpoint_save";
    DSC_TRY(check_objects(fn, path != NULL || mem != NULL ? "" : NULL, model, opt, sched, t));
    size_t ng = 0, ns = 0, nsched = 0, L = model->nlayers;
    if (opt != NULL) {
        DSC_TRY(dsc_optimizer_group_count(opt, &ng));
        DSC_TRY(dsc_optimizer_state_count(opt, &ns));
    }
    if (sched != NULL) DSC_TRY(dsc_lr_scheduler_state_size(sched, &nsched));
    int at = t != NULL ? position_of(t) : DSC__AT_NONE;
    size_t cap = dsc__model_item_count(model) + L + ng * ns + 4;
    save_buf b;
    memset(&b, 0, sizeof b);
    int big = 0, ok = 1;
    b.items = dsc__calloc(cap, sizeof *b.items);
    b.names = dsc__calloc(cap, sizeof *b.names);
    b.words = dsc__calloc((L + 1) * DSC__RNG_WORDS, sizeof *b.words);
    b.model = dsc__model_describe(model);
    ok = b.items && b.names && b.words && b.model;
    if (ok && opt != NULL) ok = (b.opt = optimizer_json(opt, &big)) != NULL;
    if (ok && sched != NULL) {
        ok = (b.schedj = scheduler_json(sched)) != NULL &&
             (b.sched = dsc__calloc(nsched, sizeof *b.sched)) != NULL;
        if (ok) (void)dsc_lr_scheduler_state_save(sched, b.sched, nsched); /* n is its size */
    }
    if (ok && t != NULL) {
        ok = (b.trainer = trainer_json(t, &big)) != NULL;
        if (ok && at != DSC__AT_NONE) ok = (b.order = dsc__calloc(t->count ? t->count : 1, sizeof *b.order)) != NULL;
    }
    if (!ok) {
        save_free(&b);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for a copy of the state", fn);
    }
    if (big) {
        save_free(&b);
        return dsc__error(DSC_E_UNSUPPORTED, "%s: a step count or counter is above 2^53; the "
                          "format stores counts as JSON numbers, exact only up to 2^53", fn);
    }
    /* The model and its generators. */
    size_t n = dsc__model_item_count(model);
    char(*names32)[32] = dsc__calloc(n ? n : 1, sizeof *names32);
    if (names32 == NULL) {
        save_free(&b);
        return dsc__error(DSC_E_NOMEM, "%s: out of memory for tensor names", fn);
    }
    dsc__model_items(model, b.items, names32);
    for (size_t i = 0; i < n; i++) {
        memcpy(b.names[i], names32[i], 32);
        b.items[i].name = b.names[i];
    }
    dsc__free(names32);
    for (size_t i = 0; i < L; i++) {
        const dsc__layer *l = &model->layers[i];
        if (l->vt->kind != DSC_LAYER_DROPOUT) continue;
        uint64_t *w = b.words + i * DSC__RNG_WORDS;
        dsc__rng_export(&l->u.dropout.rng, w);
        snprintf(b.names[n], sizeof b.names[n], "rng.dropout.%zu", i);
        b.items[n] = (dsc__st_item){b.names[n], DSC__ST_I64, 1, {DSC__RNG_WORDS}, w};
        n++;
    }
    /* The optimizer's buffers in use. */
    for (size_t g = 0; g < ng; g++) {
        size_t gsize = 0;
        (void)dsc_optimizer_group_size(opt, g, &gsize); /* g and s are in range */
        for (size_t s = 0; s < ns; s++) {
            const float *buf = dsc__optimizer_state_buf(opt, g, s);
            const char *sname = NULL;
            if (buf == NULL) continue;
            (void)dsc_optimizer_state_name(opt, s, &sname);
            snprintf(b.names[n], sizeof b.names[n], "optimizer.%zu.%s", g, sname);
            b.items[n] = (dsc__st_item){b.names[n], DSC__ST_F32, 1, {gsize}, buf};
            n++;
        }
    }
    if (sched != NULL) {
        b.items[n] = (dsc__st_item){"scheduler.state", DSC__ST_F64, 1, {nsched}, b.sched};
        n++;
    }
    if (t != NULL) {
        uint64_t *w = b.words + L * DSC__RNG_WORDS;
        dsc__rng_export(&t->rng, w);
        b.items[n++] = (dsc__st_item){"rng.trainer", DSC__ST_I64, 1, {DSC__RNG_WORDS}, w};
        if (at != DSC__AT_NONE) {
            for (size_t i = 0; i < t->count; i++) b.order[i] = (int64_t)t->order[i];
            b.items[n++] = (dsc__st_item){"trainer.order", DSC__ST_I64, 1, {t->count}, b.order};
            if (t->prog.best_epoch > 0)
                b.items[n++] = (dsc__st_item){"trainer.best", DSC__ST_F32, 1, {t->nparams}, t->best};
        }
    }
    char version[16];
    snprintf(version, sizeof version, "%d", DSC__FORMAT_VERSION);
    dsc__st_kv meta[8] = {
        {"format", DSC__FORMAT_CHECKPOINT},
        {"format_version", version},
        {"descent_version", dsc_version()},
        {"model", b.model},
    };
    size_t nmeta = 4;
    if (b.opt != NULL) meta[nmeta++] = (dsc__st_kv){"optimizer", b.opt};
    if (b.schedj != NULL) meta[nmeta++] = (dsc__st_kv){"scheduler", b.schedj};
    if (b.trainer != NULL) meta[nmeta++] = (dsc__st_kv){"trainer", b.trainer};
    dsc_status s = path != NULL ? dsc__st_write(path, b.items, n, meta, nmeta, fn)
                                : dsc__st_write_mem(mem, size, b.items, n, meta, nmeta, fn);
    save_free(&b);
    return s;
}

DSC_API dsc_status dsc_checkpoint_save(const char *path, const dsc_model *model,
                                       const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                       const dsc_trainer *trainer) {
    DSC_RETURN_IF(path == NULL, DSC_E_ARG, "dsc_checkpoint_save: path is NULL");
    return checkpoint_save(path, NULL, NULL, model, opt, sched, trainer);
}

dsc_status dsc__checkpoint_save_mem(unsigned char **out, size_t *size, const dsc_model *model,
                                    const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                    const dsc_trainer *trainer) {
    *out = NULL;
    *size = 0;
    return checkpoint_save(NULL, out, size, model, opt, sched, trainer);
}

/* ---- loading -------------------------------------------------------------- */

/* Everything a load stages before it commits. */
typedef struct staged {
    float *params;              /* nparams parameters, then nbuffers buffer values */
    uint64_t *drop_words;       /* DSC__RNG_WORDS per layer (dropout layers only) */
    /* optimizer */
    dsc__opt_image img;
    double *values;             /* (ngroups + 1) x rows: the groups', then the defaults */
    float **bufs;               /* ngroups x DSC__MAX_STATE decoded buffers */
    int prepared;
    /* scheduler */
    double *sched;
    /* trainer */
    double settings[32];
    dsc_progress prog;
    uint64_t run_first;
    int position;
    size_t resume_batch;
    size_t *order;
    float *best;
    uint64_t trainer_words[DSC__RNG_WORDS];
} staged;

static void staged_free(staged *st, size_t ngroups) {
    if (st->prepared) dsc__optimizer_restore_abort(&st->img);
    dsc__free(st->params);
    dsc__free(st->drop_words);
    dsc__free(st->values);
    if (st->bufs != NULL)
        for (size_t i = 0; i < ngroups * DSC__MAX_STATE; i++) dsc__free(st->bufs[i]);
    dsc__free(st->bufs);
    dsc__free(st->img.groups);
    dsc__free(st->sched);
    dsc__free(st->order);
    dsc__free(st->best);
}

/* The common context of one load. */
typedef struct ctx {
    const char *fn;
    char what[288];
    const dsc__st_file *f;
} ctx;

#define NOMEM(c, thing) dsc__error(DSC_E_NOMEM, "%s: out of memory for %s", (c)->fn, thing)

/* A tensor of the file that must be there with dtype and a 1-d shape [n]. */
static dsc_status need(const ctx *c, const char *name, dsc__st_dtype dtype, size_t n,
                       const dsc__st_tensor **out) {
    const dsc__st_tensor *t = dsc__st_find(c->f, name);
    DSC_RETURN_IF(t == NULL, DSC_E_FORMAT, "%s: %s has no tensor \"%s\"", c->fn, c->what, name);
    DSC_RETURN_IF(t->dtype != dtype, DSC_E_FORMAT, "%s: %s: tensor \"%s\" is %s; it must be %s",
                  c->fn, c->what, name, dsc__st_dtype_name(t->dtype), dsc__st_dtype_name(dtype));
    DSC_RETURN_IF(t->ndim != 1 || t->shape[0] != n, DSC_E_FORMAT,
                  "%s: %s: tensor \"%s\" must have shape [%zu]", c->fn, c->what, name, n);
    *out = t;
    return DSC_OK;
}

static dsc_status read_words(const ctx *c, const char *name, uint64_t *w) {
    const dsc__st_tensor *t = NULL;
    DSC_TRY(need(c, name, DSC__ST_I64, DSC__RNG_WORDS, &t));
    int64_t v[DSC__RNG_WORDS];
    dsc__st_read_i64(t, v);
    for (int i = 0; i < DSC__RNG_WORDS; i++) w[i] = (uint64_t)v[i];
    DSC_RETURN_IF(!dsc__rng_valid(w), DSC_E_FORMAT, "%s: %s: tensor \"%s\" is not a generator "
                  "state (all-zero words, a spare flag other than 0 or 1, or a non-finite spare)",
                  c->fn, c->what, name);
    return DSC_OK;
}

/* The metadata entry key parsed as a JSON object. */
static dsc_status meta_doc(const ctx *c, const char *key, const char *absent, cJSON **out) {
    *out = NULL;
    const char *text = dsc__st_meta(c->f, key);
    DSC_RETURN_IF(text == NULL, DSC_E_FORMAT, "%s: %s has no \"%s\" metadata: %s", c->fn,
                  c->what, key, absent);
    dsc__jr r = {c->fn, c->what, ""};
    snprintf(r.where, sizeof r.where, "metadata \"%s\"", key);
    return dsc__jr_parse(&r, text, out);
}

/* Checks the names under prefix: each must satisfy ok(name + strlen(prefix)). */
static dsc_status only_known(const ctx *c, const char *prefix, int (*known)(const char *, const void *),
                             const void *arg) {
    size_t len = strlen(prefix);
    for (size_t i = 0; i < c->f->ntensors; i++) {
        const char *name = c->f->tensors[i].name;
        if (strncmp(name, prefix, len) != 0) continue;
        DSC_RETURN_IF(!known(name + len, arg), DSC_E_FORMAT,
                      "%s: %s has an unexpected tensor \"%s\"", c->fn, c->what, name);
    }
    return DSC_OK;
}

/* An index "<digits>" then rest, without leading zeros; returns rest or NULL. */
static const char *index_of(const char *s, size_t *i) {
    if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9')) return NULL;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (v > SIZE_MAX) return NULL;
    *i = (size_t)v;
    return end;
}

static int known_rng(const char *rest, const void *arg) {
    const dsc_model *m = arg;
    if (strcmp(rest, "trainer") == 0) return 1;
    if (strncmp(rest, "dropout.", 8) != 0) return 0;
    size_t i = 0;
    const char *end = index_of(rest + 8, &i);
    return end != NULL && *end == '\0' && i < m->nlayers && m->layers[i].vt->kind == DSC_LAYER_DROPOUT;
}

static int known_optimizer(const char *rest, const void *arg) {
    const dsc_optimizer *opt = arg;
    size_t g = 0, ng = 0, ns = 0;
    const char *end = index_of(rest, &g);
    (void)dsc_optimizer_group_count(opt, &ng);
    (void)dsc_optimizer_state_count(opt, &ns);
    if (end == NULL || *end != '.' || g >= ng) return 0;
    for (size_t s = 0; s < ns; s++) {
        const char *name = NULL;
        if (dsc_optimizer_state_name(opt, s, &name) == DSC_OK && strcmp(end + 1, name) == 0) return 1;
    }
    return 0;
}

static int known_scheduler(const char *rest, const void *arg) {
    (void)arg;
    return strcmp(rest, "state") == 0;
}

static int known_trainer(const char *rest, const void *arg) {
    (void)arg;
    return strcmp(rest, "order") == 0 || strcmp(rest, "best") == 0;
}

static dsc_status stage_model(const ctx *c, const dsc_model *m, staged *st) {
    const char *desc = dsc__st_meta(c->f, "model");
    DSC_RETURN_IF(desc == NULL, DSC_E_FORMAT, "%s: %s has no \"model\" metadata", c->fn, c->what);
    dsc__jr r = {c->fn, c->what, ""};
    DSC_TRY(dsc__model_desc_check(&r, desc, m));
    /* The parameters, then the buffers. */
    st->params = dsc__alloc((m->nparams + m->nbuffers ? m->nparams + m->nbuffers : 1) * sizeof(float));
    st->drop_words = dsc__calloc(m->nlayers * DSC__RNG_WORDS, sizeof *st->drop_words);
    if (st->params == NULL || st->drop_words == NULL) return NOMEM(c, "the model's parameters");
    DSC_TRY(dsc__model_stage(c->f, m, 1, st->params, st->params + m->nparams, c->fn, c->what));
    DSC_TRY(only_known(c, "rng.", known_rng, m));
    for (size_t i = 0; i < m->nlayers; i++) {
        if (m->layers[i].vt->kind != DSC_LAYER_DROPOUT) continue;
        char name[48];
        snprintf(name, sizeof name, "rng.dropout.%zu", i);
        DSC_TRY(read_words(c, name, st->drop_words + i * DSC__RNG_WORDS));
    }
    return DSC_OK;
}

static dsc_status stage_optimizer_doc(const ctx *c, dsc_optimizer *opt, const cJSON *doc,
                                      staged *st) {
    dsc__jr r = {c->fn, c->what, "metadata \"optimizer\""};
    static const char *const keys[] = {"kind", "defaults", "groups", "refused_steps", "last_grad_norm"};
    DSC_TRY(dsc__jr_only(&r, doc, keys, 5));
    const char *kind = NULL;
    DSC_TRY(dsc__jr_str(&r, doc, "kind", &kind));
    DSC_RETURN_IF(strcmp(kind, dsc__optimizer_name(opt)) != 0, DSC_E_FORMAT,
                  "%s: %s holds the state of a %s optimizer; this one is %s", c->fn, c->what,
                  kind, dsc__optimizer_name(opt));
    const dsc__setting *rows = NULL;
    size_t nrows = dsc__optimizer_rows(opt, &rows), ng = 0, ns = 0;
    DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    DSC_TRY(dsc_optimizer_state_count(opt, &ns));
    const cJSON *groups = NULL, *defaults = NULL;
    DSC_TRY(dsc__jr_arr(&r, doc, "groups", &groups));
    DSC_RETURN_IF((size_t)cJSON_GetArraySize(groups) != ng, DSC_E_FORMAT,
                  "%s: %s holds %d optimizer groups; this %s has %zu", c->fn, c->what,
                  cJSON_GetArraySize(groups), kind, ng);
    DSC_TRY(dsc__jr_count(&r, doc, "refused_steps", &st->img.refused));
    DSC_TRY(dsc__jr_num(&r, doc, "last_grad_norm", &st->img.last_norm));
    st->values = dsc__calloc((ng + 1) * (nrows ? nrows : 1), sizeof *st->values);
    st->img.groups = dsc__calloc(ng ? ng : 1, sizeof *st->img.groups);
    st->bufs = dsc__calloc(ng * DSC__MAX_STATE + 1, sizeof *st->bufs);
    if (st->values == NULL || st->img.groups == NULL || st->bufs == NULL)
        return NOMEM(c, "the optimizer's state");
    st->img.ngroups = ng;
    st->img.defaults = st->values + ng * nrows;
    DSC_TRY(dsc__jr_obj(&r, doc, "defaults", &defaults));
    const char *names[32];
    for (size_t k = 0; k < nrows && k < 32; k++) names[k] = rows[k].name;
    snprintf(r.where, sizeof r.where, "metadata \"optimizer\", defaults");
    DSC_TRY(dsc__jr_only(&r, defaults, names, nrows));
    for (size_t k = 0; k < nrows; k++)
        DSC_TRY(dsc__jr_num(&r, defaults, rows[k].name, st->values + ng * nrows + k));
    size_t g = 0;
    for (const cJSON *o = groups->child; o != NULL; o = o->next, g++) {
        dsc__opt_image_group *ig = &st->img.groups[g];
        snprintf(r.where, sizeof r.where, "metadata \"optimizer\", group %zu", g);
        DSC_RETURN_IF(!cJSON_IsObject(o), DSC_E_FORMAT, "%s: %s: %s is not a JSON object",
                      c->fn, c->what, r.where);
        static const char *const gkeys[] = {"size", "step", "hyperparameters"};
        DSC_TRY(dsc__jr_only(&r, o, gkeys, 3));
        uint64_t size = 0;
        DSC_TRY(dsc__jr_count(&r, o, "size", &size));
        DSC_TRY(dsc__jr_count(&r, o, "step", &ig->step));
        size_t have = 0;
        DSC_TRY(dsc_optimizer_group_size(opt, g, &have));
        DSC_RETURN_IF(size != have, DSC_E_FORMAT, "%s: %s: optimizer group %zu has %llu parameters "
                      "in the file; this optimizer's has %zu", c->fn, c->what, g,
                      (unsigned long long)size, have);
        ig->n = have;
        double *vals = st->values + g * nrows;
        ig->values = vals;
        const cJSON *hp = NULL;
        DSC_TRY(dsc__jr_obj(&r, o, "hyperparameters", &hp));
        size_t nlocal = 0;
        for (size_t k = 0; k < nrows; k++)
            if (!(rows[k].flags & DSC__OPT_GLOBAL)) names[nlocal++] = rows[k].name;
        snprintf(r.where, sizeof r.where, "metadata \"optimizer\", group %zu, hyperparameters", g);
        DSC_TRY(dsc__jr_only(&r, hp, names, nlocal));
        for (size_t k = 0; k < nrows; k++) {
            if (rows[k].flags & DSC__OPT_GLOBAL) continue;
            DSC_TRY(dsc__jr_num(&r, hp, rows[k].name, &vals[k]));
        }
        for (size_t s = 0; s < ns; s++) {
            const char *sname = NULL;
            char name[96];
            DSC_TRY(dsc_optimizer_state_name(opt, s, &sname));
            snprintf(name, sizeof name, "optimizer.%zu.%s", g, sname);
            if (dsc__st_find(c->f, name) == NULL) continue;
            const dsc__st_tensor *t = NULL;
            DSC_TRY(need(c, name, DSC__ST_F32, have, &t));
            float *buf = dsc__alloc((have ? have : 1) * sizeof(float));
            if (buf == NULL) return NOMEM(c, "an optimizer state buffer");
            st->bufs[g * DSC__MAX_STATE + s] = buf;
            dsc__st_read_f32(t, buf);
            for (size_t i = 0; i < have; i++)
                DSC_RETURN_IF(!isfinite(buf[i]), DSC_E_FORMAT, "%s: %s: tensor \"%s\" element %zu "
                              "is %g; optimizer state must be finite", c->fn, c->what, name, i,
                              (double)buf[i]);
            ig->state[s] = buf;
        }
    }
    DSC_TRY(only_known(c, "optimizer.", known_optimizer, opt));
    char where[320];
    snprintf(where, sizeof where, "%s: %s", c->fn, c->what);
    DSC_TRY(dsc__optimizer_restore_prepare(opt, &st->img, where));
    st->prepared = 1;
    return DSC_OK;
}

static dsc_status stage_optimizer(const ctx *c, dsc_optimizer *opt, staged *st) {
    cJSON *doc = NULL;
    DSC_TRY(meta_doc(c, "optimizer", "it holds no optimizer state (pass NULL for opt)", &doc));
    dsc_status s = stage_optimizer_doc(c, opt, doc, st);
    cJSON_Delete(doc);
    return s;
}

static dsc_status stage_scheduler(const ctx *c, dsc_lr_scheduler *sched, staged *st) {
    cJSON *doc = NULL;
    DSC_TRY(meta_doc(c, "scheduler", "it holds no scheduler state (pass NULL for sched)", &doc));
    dsc__jr r = {c->fn, c->what, "metadata \"scheduler\""};
    static const char *const keys[] = {"kind", "state_format"};
    const char *kind = NULL;
    double format = 0;
    dsc_status s = dsc__jr_only(&r, doc, keys, 2);
    if (s == DSC_OK) s = dsc__jr_str(&r, doc, "kind", &kind);
    if (s == DSC_OK) s = dsc__jr_int(&r, doc, "state_format", 2, 2, &format);
    if (s == DSC_OK && strcmp(kind, sched->vt->name) != 0)
        s = dsc__error(DSC_E_FORMAT, "%s: %s holds the state of a %s scheduler; this one is %s",
                       c->fn, c->what, kind, sched->vt->name);
    cJSON_Delete(doc);
    DSC_TRY(s);
    DSC_TRY(only_known(c, "scheduler.", known_scheduler, NULL));
    const dsc__st_tensor *t = dsc__st_find(c->f, "scheduler.state");
    DSC_RETURN_IF(t == NULL, DSC_E_FORMAT, "%s: %s has no tensor \"scheduler.state\"", c->fn, c->what);
    size_t want = 0;
    DSC_TRY(dsc_lr_scheduler_state_size(sched, &want));
    DSC_RETURN_IF(t->dtype != DSC__ST_F64 || t->ndim != 1, DSC_E_FORMAT,
                  "%s: %s: tensor \"scheduler.state\" must be F64 with one dimension", c->fn, c->what);
    DSC_RETURN_IF(t->shape[0] != want, DSC_E_FORMAT,
                  "%s: %s: tensor \"scheduler.state\" holds %zu values; this %s's state has %zu "
                  "(another set of children or group count)", c->fn, c->what, t->shape[0],
                  sched->vt->name, want);
    st->sched = dsc__alloc(want * sizeof(double));
    if (st->sched == NULL) return NOMEM(c, "the scheduler's state");
    dsc__st_read_f64(t, st->sched);
    char where[320];
    snprintf(where, sizeof where, "%s: %s", c->fn, c->what);
    return dsc__sched_state_check(sched, st->sched, want, where);
}

/* Samples per batch and batches per epoch for these settings (as
 * dsc__trainer_batch and dsc__trainer_batches). */
static size_t batch_of(size_t batch_size, size_t count) {
    return (batch_size == 0 || batch_size > count) ? count : batch_size;
}

static size_t batches_of(size_t b, int drop_last, size_t count) {
    size_t n = drop_last ? count / b : (count + b - 1) / b;
    return n == 0 ? 1 : n;
}

static dsc_status stage_trainer_doc(const ctx *c, const dsc_trainer *t, const cJSON *doc, staged *st) {
    dsc__jr r = {c->fn, c->what, "metadata \"trainer\""};
    static const char *const keys[] = {"settings", "progress", "run"};
    DSC_TRY(dsc__jr_only(&r, doc, keys, 3));
    const cJSON *set = NULL, *prog = NULL, *run = NULL;
    DSC_TRY(dsc__jr_obj(&r, doc, "settings", &set));
    DSC_TRY(dsc__jr_obj(&r, doc, "progress", &prog));
    DSC_TRY(dsc__jr_obj(&r, doc, "run", &run));
    /* Settings: every key, each in its range. */
    size_t nset = 0;
    const dsc__setting *rows = dsc__trainer_settings(&nset);
    const char *names[32];
    for (size_t i = 0; i < nset && i < 32; i++) names[i] = rows[i].name;
    snprintf(r.where, sizeof r.where, "metadata \"trainer\", settings");
    DSC_TRY(dsc__jr_only(&r, set, names, nset));
    char where[320];
    snprintf(where, sizeof where, "%s: %s: trainer setting", c->fn, c->what);
    size_t batch_size = 0, epochs = 0;
    int drop_last = 0;
    for (size_t i = 0; i < nset; i++) {
        DSC_TRY(dsc__jr_num(&r, set, rows[i].name, &st->settings[i]));
        if (dsc__setting_check(&rows[i], st->settings[i], where) != DSC_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", dsc_last_error());
            return dsc__error(DSC_E_FORMAT, "%s", msg);
        }
        if (rows[i].key == DSC_TRAINER_PARAM_BATCH_SIZE) batch_size = (size_t)st->settings[i];
        if (rows[i].key == DSC_TRAINER_PARAM_EPOCHS) epochs = (size_t)st->settings[i];
        if (rows[i].key == DSC_TRAINER_PARAM_DROP_LAST) drop_last = (int)st->settings[i];
    }
    /* Progress. */
    dsc_progress *p = &st->prog;
    memset(p, 0, sizeof *p);
    snprintf(r.where, sizeof r.where, "metadata \"trainer\", progress");
    static const char *const pkeys[] = {
        "epoch", "step", "batch", "batches_per_epoch", "lr", "loss", "loss_sum", "loss_count",
        "val_loss", "val_accuracy", "refused", "refused_in_a_row", "best_val_loss", "best_epoch",
        "epochs_without_improvement", "stop_reason"};
    DSC_TRY(dsc__jr_only(&r, prog, pkeys, sizeof pkeys / sizeof pkeys[0]));
    DSC_TRY(dsc__jr_count(&r, prog, "epoch", &p->epoch));
    DSC_TRY(dsc__jr_count(&r, prog, "step", &p->step));
    DSC_TRY(dsc__jr_count(&r, prog, "batch", &p->batch));
    DSC_TRY(dsc__jr_count(&r, prog, "batches_per_epoch", &p->batches_per_epoch));
    DSC_TRY(dsc__jr_num(&r, prog, "lr", &p->lr));
    DSC_TRY(dsc__jr_num(&r, prog, "loss", &p->loss));
    DSC_TRY(dsc__jr_num(&r, prog, "loss_sum", &p->loss_sum));
    DSC_TRY(dsc__jr_num(&r, prog, "loss_count", &p->loss_count));
    DSC_TRY(dsc__jr_num(&r, prog, "val_loss", &p->val_loss));
    DSC_TRY(dsc__jr_num(&r, prog, "val_accuracy", &p->val_acc));
    DSC_TRY(dsc__jr_count(&r, prog, "refused", &p->refused));
    DSC_TRY(dsc__jr_count(&r, prog, "refused_in_a_row", &p->refused_row));
    DSC_TRY(dsc__jr_num(&r, prog, "best_val_loss", &p->best_val));
    DSC_TRY(dsc__jr_count(&r, prog, "best_epoch", &p->best_epoch));
    DSC_TRY(dsc__jr_count(&r, prog, "epochs_without_improvement", &p->wait));
    double reason = 0;
    DSC_TRY(dsc__jr_int(&r, prog, "stop_reason", DSC_STOP_NONE, DSC_STOP_ERROR, &reason));
    p->stop_reason = (int)reason;
    p->elapsed = 0.0;
    /* Where the run stands. */
    snprintf(r.where, sizeof r.where, "metadata \"trainer\", run");
    static const char *const rkeys[] = {"position", "first_epoch", "batch_size", "samples", "validation"};
    DSC_TRY(dsc__jr_only(&r, run, rkeys, 5));
    const char *pos = NULL;
    uint64_t samples = 0, rb = 0;
    int validation = 0;
    DSC_TRY(dsc__jr_str(&r, run, "position", &pos));
    st->position = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(pos, positions[i]) == 0) st->position = i;
    DSC_RETURN_IF(st->position < 0, DSC_E_FORMAT, "%s: %s: %s: position \"%s\" is not none, "
                  "after_batch or after_epoch", c->fn, c->what, r.where, pos);
    DSC_TRY(dsc__jr_count(&r, run, "first_epoch", &st->run_first));
    DSC_TRY(dsc__jr_count(&r, run, "batch_size", &rb));
    DSC_TRY(dsc__jr_count(&r, run, "samples", &samples));
    DSC_TRY(dsc__jr_bool(&r, run, "validation", &validation));
    DSC_TRY(read_words(c, "rng.trainer", st->trainer_words));
    DSC_TRY(only_known(c, "trainer.", known_trainer, NULL));
    if (st->position == DSC__AT_NONE) return DSC_OK;
    /* A run to resume: it must fit this trainer and be consistent. */
    DSC_RETURN_IF(samples != t->count, DSC_E_FORMAT, "%s: %s: the run to resume trained on %llu "
                  "samples; this trainer's data set has %zu", c->fn, c->what,
                  (unsigned long long)samples, t->count);
    DSC_RETURN_IF(validation != (t->val != NULL), DSC_E_FORMAT, "%s: %s: the run to resume %s a "
                  "validation set; this trainer %s", c->fn, c->what, validation ? "had" : "had no",
                  t->val != NULL ? "has one" : "has none");
    size_t b = batch_of(batch_size, t->count), nb = batches_of(b, drop_last, t->count);
    DSC_RETURN_IF(rb != b || p->batches_per_epoch != nb, DSC_E_FORMAT, "%s: %s: the run's batches "
                  "(%llu samples, %llu per epoch) do not follow from its settings (%zu, %zu)",
                  c->fn, c->what, (unsigned long long)rb, (unsigned long long)p->batches_per_epoch, b, nb);
    DSC_RETURN_IF(st->run_first > p->epoch || p->epoch - st->run_first > epochs || p->epoch == 0,
                  DSC_E_FORMAT, "%s: %s: the run's epochs (first %llu, now %llu, %zu to run) "
                  "do not fit together", c->fn, c->what, (unsigned long long)st->run_first,
                  (unsigned long long)p->epoch, epochs);
    DSC_RETURN_IF(p->batch > nb || (st->position == DSC__AT_EPOCH && p->batch != nb),
                  DSC_E_FORMAT, "%s: %s: the run stands at batch %llu of %zu, which does not fit "
                  "its position %s", c->fn, c->what, (unsigned long long)p->batch, nb, pos);
    st->resume_batch = b;
    const dsc__st_tensor *ot = NULL;
    DSC_TRY(need(c, "trainer.order", DSC__ST_I64, t->count, &ot));
    int64_t *raw = dsc__alloc((t->count ? t->count : 1) * sizeof *raw);
    unsigned char *seen = dsc__calloc(t->count ? t->count : 1, 1);
    st->order = dsc__alloc((t->count ? t->count : 1) * sizeof *st->order);
    dsc_status s = DSC_OK;
    if (raw == NULL || seen == NULL || st->order == NULL) {
        s = NOMEM(c, "the sample order");
    } else {
        dsc__st_read_i64(ot, raw);
        for (size_t i = 0; i < t->count && s == DSC_OK; i++) {
            if (raw[i] < 0 || (uint64_t)raw[i] >= t->count || seen[raw[i]])
                s = dsc__error(DSC_E_FORMAT, "%s: %s: tensor \"trainer.order\" is not a "
                               "permutation of the %zu samples (element %zu)", c->fn, c->what,
                               t->count, i);
            else
                seen[raw[i]] = 1;
            st->order[i] = (size_t)raw[i];
        }
    }
    dsc__free(raw);
    dsc__free(seen);
    DSC_TRY(s);
    if (p->best_epoch == 0) {
        DSC_RETURN_IF(dsc__st_find(c->f, "trainer.best") != NULL, DSC_E_FORMAT, "%s: %s has "
                      "\"trainer.best\" but no best epoch", c->fn, c->what);
        return DSC_OK;
    }
    const dsc__st_tensor *bt = NULL;
    DSC_TRY(need(c, "trainer.best", DSC__ST_F32, t->nparams, &bt));
    st->best = dsc__alloc((t->nparams ? t->nparams : 1) * sizeof(float));
    if (st->best == NULL) return NOMEM(c, "the best parameters");
    dsc__st_read_f32(bt, st->best);
    for (size_t i = 0; i < t->nparams; i++)
        DSC_RETURN_IF(!isfinite(st->best[i]), DSC_E_FORMAT, "%s: %s: tensor \"trainer.best\" "
                      "element %zu is %g; parameters must be finite", c->fn, c->what, i,
                      (double)st->best[i]);
    return DSC_OK;
}

static dsc_status stage_trainer(const ctx *c, const dsc_trainer *t, staged *st) {
    cJSON *doc = NULL;
    DSC_TRY(meta_doc(c, "trainer", "it holds no trainer state (pass NULL for trainer)", &doc));
    dsc_status s = stage_trainer_doc(c, t, doc, st);
    cJSON_Delete(doc);
    return s;
}

static void commit(dsc_model *m, dsc_optimizer *opt, dsc_lr_scheduler *sched, dsc_trainer *t,
                   staged *st) {
    memcpy(m->params, st->params, m->nparams * sizeof(float));
    memcpy(m->buffers, st->params + m->nparams, m->nbuffers * sizeof(float));
    for (size_t i = 0; i < m->nlayers; i++)
        if (m->layers[i].vt->kind == DSC_LAYER_DROPOUT)
            dsc__rng_import(&m->layers[i].u.dropout.rng, st->drop_words + i * DSC__RNG_WORDS);
    m->fwd_batch = 0;
    if (opt != NULL) {
        dsc__optimizer_restore_commit(opt, &st->img);
        st->prepared = 0;
    }
    if (sched != NULL) dsc__sched_state_apply(sched, st->sched);
    if (t == NULL) return;
    size_t nset = 0;
    const dsc__setting *rows = dsc__trainer_settings(&nset);
    for (size_t i = 0; i < nset; i++) /* checked: cannot fail (the trainer is idle) */
        (void)dsc_trainer_set(t, (dsc_trainer_param)rows[i].key, st->settings[i]);
    dsc__rng_import(&t->rng, st->trainer_words); /* after the seed, which reseeds */
    t->prog = st->prog;
    t->run_first = st->run_first;
    t->resume = st->position;
    t->resume_batch = st->resume_batch;
    if (st->order != NULL) memcpy(t->order, st->order, t->count * sizeof *t->order);
    if (st->best != NULL) memcpy(t->best, st->best, t->nparams * sizeof(float));
}

static dsc_status checkpoint_load(const char *path, const unsigned char *buf, size_t size,
                                  dsc_model *model, dsc_optimizer *opt, dsc_lr_scheduler *sched,
                                  dsc_trainer *t) {
    static const char fn[] = "dsc_checkpoint_load";
    DSC_TRY(check_objects(fn, path != NULL || buf != NULL ? "" : NULL, model, opt, sched, t));
    DSC_RETURN_IF(t != NULL && t->busy, DSC_E_STATE,
                  "%s: the trainer is running (called from a callback?); load after it returns", fn);
    size_t ng = 0;
    if (opt != NULL) DSC_TRY(dsc_optimizer_group_count(opt, &ng));
    ctx c;
    memset(&c, 0, sizeof c);
    c.fn = fn;
    unsigned char *bytes = NULL;
    dsc__st_file f;
    DSC_TRY(dsc__io_open(path, buf, size, &bytes, &f, c.what, sizeof c.what, fn));
    c.f = &f;
    const char *format = NULL;
    dsc_status s = dsc__io_format(&f, fn, c.what, &format);
    if (s == DSC_OK && (format == NULL || strcmp(format, DSC__FORMAT_CHECKPOINT) != 0))
        s = dsc__error(DSC_E_FORMAT, "%s: %s is %s, not a checkpoint: load its weights with "
                       "dsc_model_load_weights", fn, c.what,
                       format == NULL ? "a safetensors file without descent metadata" : "a model file");
    staged st;
    memset(&st, 0, sizeof st);
    if (s == DSC_OK) s = stage_model(&c, model, &st);
    if (s == DSC_OK && t != NULL) s = stage_trainer(&c, t, &st);
    if (s == DSC_OK && sched != NULL) s = stage_scheduler(&c, sched, &st);
    /* Last: the optimizer's staging allocates the buffers it lacks. */
    if (s == DSC_OK && opt != NULL) s = stage_optimizer(&c, opt, &st);
    if (s == DSC_OK) commit(model, opt, sched, t, &st);
    staged_free(&st, ng);
    dsc__st_free(&f);
    dsc__free(bytes);
    return s;
}

DSC_API dsc_status dsc_checkpoint_load(const char *path, dsc_model *model, dsc_optimizer *opt,
                                       dsc_lr_scheduler *sched, dsc_trainer *trainer) {
    return checkpoint_load(path, NULL, 0, model, opt, sched, trainer);
}

dsc_status dsc__checkpoint_load_mem(const unsigned char *buf, size_t size, dsc_model *model,
                                    dsc_optimizer *opt, dsc_lr_scheduler *sched,
                                    dsc_trainer *trainer) {
    static const unsigned char empty[1] = {0};
    return checkpoint_load(NULL, buf ? buf : empty, buf ? size : 0, model, opt, sched, trainer);
}
