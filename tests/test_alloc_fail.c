/* Failing the k-th allocation: every _new returns DSC_E_NOMEM, leaves *out
 * NULL and leaks nothing; with enough allocations it succeeds. Every
 * constructor of the library has a row in the table below. */
#include "harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef dsc_status (*make_fn)(void **out);
typedef void (*free_fn)(void *obj);

static float host[12];

static dsc_status make_tensor(void **out) {
    size_t shape[2] = {3, 4};
    return dsc_tensor_new((dsc_tensor **)out, shape, 2);
}

static dsc_status make_wrap(void **out) {
    size_t shape[2] = {3, 4};
    return dsc_tensor_wrap((dsc_tensor **)out, host, shape, 2);
}

static void free_tensor(void *t) {
    dsc_tensor_free(t);
}

static dsc_status make_optimizer(void **out) {
    return dsc_optimizer_new((dsc_optimizer **)out, DSC_OPTIMIZER_RMSPROP);
}

/* An optimizer with five groups (the group list grows) and every state
 * buffer on: each add_params may fail, and a failed one adds nothing. */
static float opt_p[5][7], opt_g[5][7];
static dsc_status make_optimizer_groups(void **out) {
    dsc_optimizer *opt = NULL;
    *out = NULL;
    dsc_status s = dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM);
    if (s != DSC_OK) return s;
    if ((s = dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_AMSGRAD, 1)) != DSC_OK) goto fail;
    for (size_t i = 0; i < 5; i++) {
        size_t n = 99;
        if ((s = dsc_optimizer_add_params(opt, opt_p[i], opt_g[i], 7, NULL)) != DSC_OK) {
            assert_ok(dsc_optimizer_group_count(opt, &n));
            assert_int_equal(n, i);
            goto fail;
        }
    }
    *out = opt;
    return DSC_OK;
fail:
    dsc_optimizer_free(opt);
    return s;
}

/* Turning momentum on allocates its buffers; a failure leaves momentum off. */
static dsc_status make_optimizer_momentum(void **out) {
    dsc_optimizer *opt = NULL;
    *out = NULL;
    dsc_status s = dsc_optimizer_new(&opt, DSC_OPTIMIZER_SGD);
    if (s != DSC_OK) return s;
    for (size_t i = 0; i < 3 && s == DSC_OK; i++)
        s = dsc_optimizer_add_params(opt, opt_p[i], opt_g[i], 7, NULL);
    if (s == DSC_OK && (s = dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_MOMENTUM, 0.9)) != DSC_OK) {
        double m = -1;
        assert_ok(dsc_optimizer_group_get(opt, 0, DSC_OPTIMIZER_PARAM_MOMENTUM, &m));
        assert_true(m == 0.0);
    }
    if (s != DSC_OK) {
        dsc_optimizer_free(opt);
        return s;
    }
    *out = opt;
    return DSC_OK;
}

/* Rprop over two groups (prev and step_size each), then steps: each
 * add_params may fail and adds nothing; the steps allocate nothing. */
static dsc_status make_optimizer_rprop(void **out) {
    dsc_optimizer *opt = NULL;
    *out = NULL;
    dsc_status s = dsc_optimizer_new(&opt, DSC_OPTIMIZER_RPROP);
    if (s != DSC_OK) return s;
    for (size_t i = 0; i < 2 && s == DSC_OK; i++) {
        size_t n = 99;
        if ((s = dsc_optimizer_add_params(opt, opt_p[i], opt_g[i], 7, NULL)) != DSC_OK) {
            assert_ok(dsc_optimizer_group_count(opt, &n));
            assert_int_equal(n, i);
        }
    }
    for (int t = 0; t < 2 && s == DSC_OK; t++) {
        for (size_t i = 0; i < 7; i++) opt_g[0][i] = opt_g[1][i] = (float)(t - 1) * (float)i;
        s = dsc_optimizer_step(opt);
        assert_int_equal(s, DSC_OK); /* a step never allocates */
    }
    if (s != DSC_OK) {
        dsc_optimizer_free(opt);
        return s;
    }
    *out = opt;
    return DSC_OK;
}

static void free_optimizer(void *o) {
    dsc_optimizer_free(o);
}

/* ---- data sets: the loaders read small files written once into a temp dir. */
static char data_dir[256];

static void data_cleanup(void) {
    const char *names[] = {"img.idx", "lab.idx", "img.gz", "data.csv", "model.safetensors"};
    char path[320];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", data_dir, names[i]);
        unlink(path);
    }
    rmdir(data_dir);
}

static const char *data_file(const char *name) {
    static char path[320];
    if (data_dir[0] == '\0') {
        strcpy(data_dir, "/tmp/descent-allocfail-XXXXXX");
        assert_non_null(mkdtemp(data_dir));
        atexit(data_cleanup);
        /* 2 images of 2x2 pixels, their labels, the images gzipped, a CSV. */
        unsigned char img[24] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
        unsigned char lab[10] = {0, 0, 8, 1, 0, 0, 0, 2, 1, 0};
        unsigned char gz[128];
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = img;
        z.avail_in = sizeof img;
        z.next_out = gz;
        z.avail_out = sizeof gz;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        /* A model file (docs/checkpoint.md): dense 2 -> 1 with bias and dropout. */
        static const char header[] =
            "{\"__metadata__\":{\"format\":\"descent.model\",\"format_version\":\"1\",\"model\":"
            "\"{\\\"input_width\\\":2,\\\"layers\\\":[{\\\"kind\\\":\\\"dense\\\",\\\"in_features\\\":2,"
            "\\\"out_features\\\":1,\\\"bias\\\":true},{\\\"kind\\\":\\\"dropout\\\",\\\"p\\\":0.5,"
            "\\\"seed\\\":\\\"3\\\"}]}\"},"
            "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},"
            "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        unsigned char model[8 + sizeof header - 1 + 12] = {0};
        model[0] = (unsigned char)((sizeof header - 1) & 0xFF);
        model[1] = (unsigned char)((sizeof header - 1) >> 8);
        memcpy(model + 8, header, sizeof header - 1);
        const float wb[3] = {0.5f, -0.25f, 1.0f};
        memcpy(model + 8 + sizeof header - 1, wb, sizeof wb); /* little-endian hosts */
        const struct { const char *name; const void *data; size_t n; } files[] = {
            {"img.idx", img, sizeof img}, {"lab.idx", lab, sizeof lab},
            {"img.gz", gz, sizeof gz - z.avail_out}, {"data.csv", "a,b,y\n1,2,0\n3,4,1\n", 18},
            {"model.safetensors", model, sizeof model}};
        deflateEnd(&z);
        for (size_t i = 0; i < 5; i++) {
            snprintf(path, sizeof path, "%s/%s", data_dir, files[i].name);
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(files[i].data, 1, files[i].n, f), files[i].n);
            fclose(f);
        }
    }
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return path;
}

/* dsc_model_load (experimental): the file's buffers, the description, the model. */
static dsc_status make_model_load(void **out) {
    return dsc_model_load((dsc_model **)out, data_file("model.safetensors"), 2);
}

static const float ds_x[6] = {1, 2, 3, 4, 5, 6};
static const int32_t ds_l[3] = {0, 1, 0};

static dsc_status make_ds_targets(void **out) {
    return dsc_dataset_new_targets((dsc_dataset **)out, ds_x, ds_x, 3, 2, 2, DSC_DATASET_COPY);
}

static dsc_status make_ds_labels(void **out) {
    return dsc_dataset_new_labels((dsc_dataset **)out, ds_x, ds_l, 3, 2, 2, DSC_DATASET_BORROW);
}

static dsc_status load_idx_from(void **out, const char *images) {
    char img[320];
    strcpy(img, data_file(images));
    return dsc_dataset_load_idx((dsc_dataset **)out, img, data_file("lab.idx"), 2);
}

static dsc_status make_ds_idx(void **out) {
    return load_idx_from(out, "img.idx");
}

static dsc_status make_ds_idx_gz(void **out) {
    return load_idx_from(out, "img.gz"); /* zlib allocates through the hook too */
}

static dsc_status make_ds_csv(void **out) {
    return dsc_dataset_load_csv((dsc_dataset **)out, data_file("data.csv"), "y", 0, 2);
}

/* subset and split: the source is made (and freed) inside, under the same hook. */
static dsc_status make_ds_subset(void **out) {
    dsc_dataset *src = NULL;
    const size_t rows[2] = {2, 0};
    *out = NULL;
    dsc_status s = dsc_dataset_new_labels(&src, ds_x, ds_l, 3, 2, 2, DSC_DATASET_BORROW);
    if (s != DSC_OK) return s;
    s = dsc_dataset_subset((dsc_dataset **)out, src, rows, 2);
    dsc_dataset_free(src);
    return s;
}

static dsc_status make_ds_split(void **out) {
    dsc_dataset *src = NULL, *val = (dsc_dataset *)(uintptr_t)1;
    *out = NULL;
    dsc_status s = dsc_dataset_new_labels(&src, ds_x, ds_l, 3, 2, 2, DSC_DATASET_BORROW);
    if (s != DSC_OK) return s;
    s = dsc_dataset_split((dsc_dataset **)out, &val, src, 0.4, 3);
    if (s != DSC_OK && val != NULL) s = DSC_E_INTERNAL; /* both outputs NULL on failure */
    dsc_dataset_free(val);
    dsc_dataset_free(src);
    return s;
}

static void free_dataset(void *d) {
    dsc_dataset_free(d);
}

static dsc_status make_model(void **out) {
    return dsc_model_new((dsc_model **)out, 3);
}

/* Appends layer `which` (0 dense, 1 activation, 2 leaky ReLU, 3 dropout) to m. */
static dsc_status add_layer_kind(dsc_model *m, int which) {
    switch (which) {
    case 0: return dsc_model_add_dense(m, 3, 1);
    case 1: return dsc_model_add_activation(m, DSC_ACTIVATION_TANH);
    case 2: return dsc_model_add_leaky_relu(m, 0.2);
    default: return dsc_model_add_dropout(m, 0.5, 1);
    }
}

/* A new model with one layer of a kind: any failure releases the model. */
static dsc_status make_model_with(void **out, int which) {
    dsc_model *m = NULL;
    *out = NULL;
    dsc_status s = dsc_model_new(&m, 3);
    if (s == DSC_OK) s = add_layer_kind(m, which);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

static dsc_status make_dense(void **out) {
    return make_model_with(out, 0);
}

static dsc_status make_activation(void **out) {
    return make_model_with(out, 1);
}

static dsc_status make_leaky(void **out) {
    return make_model_with(out, 2);
}

static dsc_status make_dropout(void **out) {
    return make_model_with(out, 3);
}

/* A sequence model: GRU, LSTM, last step, dense, built. Any failure
 * releases everything and leaves NULL. */
static dsc_status make_rnn_model(void **out) {
    dsc_model *m = NULL;
    const size_t dims[2] = {4, 3};
    *out = NULL;
    dsc_status s = dsc_model_new_shaped(&m, 2, dims);
    if (s == DSC_OK) s = dsc_model_add_gru(m, 3, 5);
    if (s == DSC_OK) s = dsc_model_add_lstm(m, 5, 7);
    if (s == DSC_OK) s = dsc_model_add_last_step(m);
    if (s == DSC_OK) s = dsc_model_add_dense(m, 2, 1);
    if (s == DSC_OK) s = dsc_model_build(m, 3);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

/* The whole construction of a model: new, ten adds of every kind (the layer
 * list grows past 8 slots), build. Any failure releases everything and
 * leaves NULL. */
static dsc_status make_built_model(void **out) {
    dsc_model *m = NULL;
    *out = NULL;
    dsc_status s = dsc_model_new(&m, 3);
    for (int i = 0; s == DSC_OK && i < 10; i++) s = add_layer_kind(m, i % 4);
    if (s == DSC_OK) s = dsc_model_build(m, 4);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

static void free_model(void *m) {
    dsc_model_free(m);
}

/* A shaped model: new_shaped, a shape-keeping layer, flatten, dense, build. */
static dsc_status make_shaped_model(void **out) {
    dsc_model *m = NULL;
    const size_t dims[3] = {2, 3, 2};
    *out = NULL;
    dsc_status s = dsc_model_new_shaped(&m, 3, dims);
    if (s == DSC_OK) s = dsc_model_add_activation(m, DSC_ACTIVATION_RELU);
    if (s == DSC_OK) s = dsc_model_add_flatten(m);
    if (s == DSC_OK) s = dsc_model_add_dense(m, 2, 1);
    if (s == DSC_OK) s = dsc_model_build(m, 3);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

/* Every convolution and pooling kind, built: 1-d and 2-d models. */
static dsc_status make_conv_model(void **out) {
    dsc_model *m = NULL, *m1 = NULL;
    const size_t dims[3] = {2, 6, 5}, dims1[2] = {2, 9}, k2[2] = {2, 2};
    *out = NULL;
    dsc_status s = dsc_model_new_shaped(&m1, 2, dims1);
    if (s == DSC_OK) s = dsc_model_add_conv1d(m1, 2, 3, 3, 1, 1, 1, 1, 1);
    if (s == DSC_OK) s = dsc_model_add_maxpool1d(m1, 2, 0, 0, 1, 0);
    if (s == DSC_OK) s = dsc_model_add_avgpool1d(m1, 2, 1, 1, 1, 0);
    if (s == DSC_OK) s = dsc_model_build(m1, 2);
    dsc_model_free(m1);
    if (s == DSC_OK) s = dsc_model_new_shaped(&m, 3, dims);
    if (s == DSC_OK) s = dsc_model_add_conv2d(m, 2, 4, k2, NULL, NULL, NULL, 2, 1);
    if (s == DSC_OK) s = dsc_model_add_maxpool2d(m, k2, NULL, NULL, NULL, 1);
    if (s == DSC_OK) s = dsc_model_add_avgpool2d(m, k2, NULL, NULL, 0, 1);
    if (s == DSC_OK) s = dsc_model_build(m, 3);
    if (s != DSC_OK) {
        dsc_model_free(m);
        return s;
    }
    *out = m;
    return DSC_OK;
}

/* dsc_optimizer_add_model over a built model: the optimizer is kept here so
 * the release function can free both. */
static dsc_optimizer *added_opt;

static dsc_status make_model_group(void **out) {
    dsc_model *m = NULL;
    dsc_optimizer *opt = NULL;
    *out = NULL;
    dsc_status s = make_built_model((void **)&m);
    if (s == DSC_OK) s = dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM);
    if (s == DSC_OK) s = dsc_optimizer_add_model(opt, m, NULL);
    if (s != DSC_OK) {
        dsc_optimizer_free(opt);
        dsc_model_free(m);
        return s;
    }
    added_opt = opt;
    *out = m;
    return DSC_OK;
}

static void free_model_group(void *m) {
    dsc_optimizer_free(added_opt);
    added_opt = NULL;
    dsc_model_free(m);
}

static dsc_status make_loss(void **out) {
    return dsc_loss_new((dsc_loss **)out, DSC_LOSS_CROSS_ENTROPY);
}

static void free_loss(void *l) {
    dsc_loss_free(l);
}

/* Schedulers: the handle, a SequentialLR with children and milestones, and a
 * CyclicLR whose start turns SGD momentum on in three groups (the optimizer
 * allocates momentum buffers there); a failed start leaves every lr as it was. */
static dsc_optimizer *sched_opt;
static float sched_p[3][5], sched_g[3][5];

static dsc_status sched_optimizer(void) {
    sched_opt = NULL;
    dsc_status s = dsc_optimizer_new(&sched_opt, DSC_OPTIMIZER_SGD);
    for (size_t i = 0; i < 3 && s == DSC_OK; i++) s = dsc_optimizer_add_params(sched_opt, sched_p[i], sched_g[i], 5, NULL);
    for (size_t i = 0; i < 3 && s == DSC_OK; i++) s = dsc_optimizer_group_set(sched_opt, i, DSC_OPTIMIZER_PARAM_LR, 0.5);
    if (s != DSC_OK) {
        dsc_optimizer_free(sched_opt);
        sched_opt = NULL;
    }
    return s;
}

static dsc_status make_scheduler(void **out) {
    *out = NULL;
    dsc_status s = sched_optimizer();
    if (s == DSC_OK && (s = dsc_lr_scheduler_new((dsc_lr_scheduler **)out, DSC_SCHED_STEP, sched_opt)) != DSC_OK) {
        dsc_optimizer_free(sched_opt);
        sched_opt = NULL;
    }
    return s;
}

static dsc_status make_scheduler_sequential(void **out) {
    dsc_lr_scheduler *seq = NULL, *child = NULL;
    *out = NULL;
    dsc_status s = sched_optimizer();
    if (s != DSC_OK) return s;
    const int64_t m[] = {4, 9};
    s = dsc_lr_scheduler_new(&seq, DSC_SCHED_SEQUENTIAL, sched_opt);
    for (int i = 0; i < 3 && s == DSC_OK; i++) {
        s = dsc_lr_scheduler_new(&child, DSC_SCHED_EXPONENTIAL, sched_opt);
        if (s == DSC_OK && (s = dsc_lr_scheduler_set(child, DSC_SCHED_PARAM_GAMMA, 0.5)) == DSC_OK)
            s = dsc_lr_scheduler_add_child(seq, &child); /* consumed whatever the outcome */
        dsc_lr_scheduler_free(child); /* NULL after add_child; the child if set or new failed */
    }
    if (s == DSC_OK) s = dsc_lr_scheduler_set_milestones(seq, m, 2);
    if (s == DSC_OK) s = dsc_lr_scheduler_start(seq);
    if (s != DSC_OK) {
        dsc_lr_scheduler_free(seq);
        dsc_optimizer_free(sched_opt);
        sched_opt = NULL;
        return s;
    }
    *out = seq;
    return DSC_OK;
}

static dsc_status make_scheduler_cyclic_momentum(void **out) {
    dsc_lr_scheduler *s = NULL;
    *out = NULL;
    dsc_status st = sched_optimizer();
    if (st != DSC_OK) return st;
    st = dsc_lr_scheduler_new(&s, DSC_SCHED_CYCLIC, sched_opt);
    if (st == DSC_OK) st = dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 1.0);
    if (st == DSC_OK && (st = dsc_lr_scheduler_start(s)) != DSC_OK) {
        for (size_t g = 0; g < 3; g++) {
            double lr = -1, mom = -1;
            assert_ok(dsc_optimizer_group_get(sched_opt, g, DSC_OPTIMIZER_PARAM_LR, &lr));
            assert_ok(dsc_optimizer_group_get(sched_opt, g, DSC_OPTIMIZER_PARAM_MOMENTUM, &mom));
            assert_true(lr == 0.5 && mom == 0.0);
        }
    }
    if (st != DSC_OK) {
        dsc_lr_scheduler_free(s);
        dsc_optimizer_free(sched_opt);
        sched_opt = NULL;
        return st;
    }
    *out = s;
    return DSC_OK;
}

static void free_scheduler(void *s) {
    dsc_lr_scheduler_free(s);
    dsc_optimizer_free(sched_opt);
    sched_opt = NULL;
}

/* Trainer: model, loss, optimizer, data set and trainer are all made under
 * the hook (any may fail) and released together. The range test and the
 * search allocate a copy of the optimizer's state; a failure changes nothing. */
static dsc_model *tr_model;
static dsc_loss *tr_loss;
static dsc_optimizer *tr_opt;
static dsc_dataset *tr_ds;
static const float tr_x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, tr_y[4] = {1, 0, 1, 0};

static void tr_release(void) {
    dsc_dataset_free(tr_ds);
    dsc_optimizer_free(tr_opt);
    dsc_loss_free(tr_loss);
    dsc_model_free(tr_model);
    tr_ds = NULL;
    tr_opt = NULL;
    tr_loss = NULL;
    tr_model = NULL;
}

static dsc_status tr_parts(void) {
    float *p = NULL, *g = NULL;
    size_t n = 0;
    dsc_status s = dsc_model_new(&tr_model, 2);
    if (s == DSC_OK) s = dsc_model_add_dense(tr_model, 1, 1);
    if (s == DSC_OK) s = dsc_model_build(tr_model, 2);
    if (s == DSC_OK) s = dsc_loss_new(&tr_loss, DSC_LOSS_MSE);
    if (s == DSC_OK) s = dsc_optimizer_new(&tr_opt, DSC_OPTIMIZER_ADAM);
    if (s == DSC_OK) s = dsc_model_params(tr_model, &p);
    if (s == DSC_OK) s = dsc_model_grads(tr_model, &g);
    if (s == DSC_OK) s = dsc_model_param_count(tr_model, &n);
    if (s == DSC_OK) s = dsc_optimizer_add_params(tr_opt, p, g, n, NULL);
    if (s == DSC_OK) s = dsc_dataset_new_targets(&tr_ds, tr_x, tr_y, 4, 2, 1, DSC_DATASET_BORROW);
    if (s != DSC_OK) tr_release();
    return s;
}

static dsc_status make_trainer(void **out) {
    *out = NULL;
    dsc_status s = tr_parts();
    if (s == DSC_OK && (s = dsc_trainer_new((dsc_trainer **)out, tr_model, tr_loss, tr_opt, tr_ds)) != DSC_OK)
        tr_release();
    return s;
}

static void free_trainer(void *t) {
    dsc_trainer_free(t);
    tr_release();
}

static dsc_status make_trainer_range_test(void **out) {
    dsc_status s = make_trainer(out);
    if (s != DSC_OK) return s;
    float *p = NULL, before[3];
    assert_ok(dsc_model_params(tr_model, &p));
    memcpy(before, p, sizeof before);
    s = dsc_trainer_lr_range_test(*out, 1e-3, 1, 4, NULL, NULL, NULL, NULL);
    assert_memory_equal(p, before, sizeof before);
    if (s != DSC_OK) {
        free_trainer(*out);
        *out = NULL;
    }
    return s;
}

static dsc_status make_trainer_search(void **out) {
    dsc_search *srch = NULL;
    const double lrs[2] = {0.01, 0.1};
    dsc_status s = make_trainer(out);
    if (s != DSC_OK) return s;
    s = dsc_trainer_set_validation(*out, tr_ds);
    if (s == DSC_OK) s = dsc_search_new(&srch, DSC_SEARCH_GRID);
    const dsc_lr_scheduler_kind kinds[2] = {DSC_SCHED_CONSTANT, DSC_SCHED_COSINE};
    float *p = NULL, before[3];
    assert_ok(dsc_model_params(tr_model, &p));
    memcpy(before, p, sizeof before);
    if (s == DSC_OK) s = dsc_search_set_lrs(srch, lrs, 2);
    if (s == DSC_OK) s = dsc_search_set_schedules(srch, kinds, 2);
    if (s == DSC_OK) s = dsc_trainer_search(*out, srch);
    assert_memory_equal(p, before, sizeof before);
    dsc_search_free(srch);
    if (s != DSC_OK) {
        free_trainer(*out);
        *out = NULL;
    }
    return s;
}

static dsc_status make_search(void **out) {
    const double lrs[3] = {0.1, 0.2, 0.3};
    const size_t sizes[2] = {1, 0};
    const dsc_lr_scheduler_kind kinds[2] = {DSC_SCHED_CONSTANT, DSC_SCHED_COSINE};
    dsc_search *srch = NULL;
    *out = NULL;
    dsc_status s = dsc_search_new(&srch, DSC_SEARCH_GRID);
    if (s == DSC_OK) s = dsc_search_set_lrs(srch, lrs, 3);
    if (s == DSC_OK) s = dsc_search_set_batch_sizes(srch, sizes, 2);
    if (s == DSC_OK) s = dsc_search_set_schedules(srch, kinds, 2);
    if (s != DSC_OK) {
        dsc_search_free(srch);
        return s;
    }
    *out = srch;
    return DSC_OK;
}

static void free_search(void *srch) {
    dsc_search_free(srch);
}

static dsc_status make_noise_scale(void **out) {
    dsc_noise_scale *ns = NULL;
    *out = NULL;
    dsc_status s = dsc_noise_scale_new(&ns);
    if (s == DSC_OK && (s = dsc_noise_scale_set(ns, DSC_TRAINER_PARAM_LOSS_WINDOW, 9)) != DSC_OK) {
        dsc_noise_scale_free(ns);
        return s;
    }
    *out = ns;
    return s;
}

static void free_noise_scale(void *ns) {
    dsc_noise_scale_free(ns);
}

static const struct {
    const char *name;
    make_fn make;
    free_fn release;
} ctors[] = {
    {"dsc_tensor_new", make_tensor, free_tensor},
    {"dsc_tensor_wrap", make_wrap, free_tensor},
    {"dsc_optimizer_new", make_optimizer, free_optimizer},
    {"dsc_optimizer_add_params", make_optimizer_groups, free_optimizer},
    {"dsc_optimizer_set (momentum buffers)", make_optimizer_momentum, free_optimizer},
    {"dsc_optimizer_add_params (Rprop) + steps", make_optimizer_rprop, free_optimizer},
    {"dsc_dataset_new_targets", make_ds_targets, free_dataset},
    {"dsc_dataset_new_labels", make_ds_labels, free_dataset},
    {"dsc_dataset_load_idx", make_ds_idx, free_dataset},
    {"dsc_dataset_load_idx (gzip)", make_ds_idx_gz, free_dataset},
    {"dsc_dataset_load_csv", make_ds_csv, free_dataset},
    {"dsc_dataset_subset", make_ds_subset, free_dataset},
    {"dsc_dataset_split", make_ds_split, free_dataset},
    {"dsc_model_new", make_model, free_model},
    {"dsc_model_add_dense", make_dense, free_model},
    {"dsc_model_add_activation", make_activation, free_model},
    {"dsc_model_add_leaky_relu", make_leaky, free_model},
    {"dsc_model_add_dropout", make_dropout, free_model},
    {"dsc_model_new_shaped + flatten + build", make_shaped_model, free_model},
    {"conv1d/2d, maxpool1d/2d, avgpool1d/2d + build", make_conv_model, free_model},
    {"dsc_model_add_* + dsc_model_build", make_built_model, free_model},
    {"dsc_model_add_gru/_lstm/_last_step + dsc_model_build", make_rnn_model, free_model},
    {"dsc_model_load", make_model_load, free_model},
    {"dsc_loss_new", make_loss, free_loss},
    {"dsc_optimizer_add_model", make_model_group, free_model_group},
    {"dsc_lr_scheduler_new", make_scheduler, free_scheduler},
    {"dsc_lr_scheduler_add_child/set_milestones/start", make_scheduler_sequential, free_scheduler},
    {"dsc_lr_scheduler_start (momentum turned on)", make_scheduler_cyclic_momentum, free_scheduler},
    {"dsc_trainer_new", make_trainer, free_trainer},
    {"dsc_trainer_lr_range_test (state copy)", make_trainer_range_test, free_trainer},
    {"dsc_trainer_search (state copy, results, schedulers)", make_trainer_search, free_trainer},
    {"dsc_search_new + set_lrs/batch_sizes/schedules", make_search, free_search},
    {"dsc_noise_scale_new + set (loss window)", make_noise_scale, free_noise_scale},
};

static void test_alloc_fail_every_constructor(void **state) {
    (void)state;
    for (size_t c = 0; c < sizeof ctors / sizeof ctors[0]; c++) {
        int succeeded = 0;
        for (long k = 1; k < 1000 && !succeeded; k++) {
            void *obj = (void *)(uintptr_t)1;
            harness_alloc_install(k);
            dsc_status s = ctors[c].make(&obj);
            if (s == DSC_OK) {
                succeeded = 1;
                assert_non_null(obj);
                ctors[c].release(obj);
            } else {
                if (s != DSC_E_NOMEM)
                    fail_msg("%s with allocation %ld failing returned %s", ctors[c].name, k,
                             dsc_status_name(s));
                assert_null(obj);
            }
            if (harness_alloc_live() != 0)
                fail_msg("%s leaked %ld blocks when allocation %ld failed", ctors[c].name,
                         harness_alloc_live(), k);
        }
        assert_true(succeeded);
    }
}

/* Each add on an existing model, with each of its allocations failing in
 * turn (the slot array grows at the 1st and the 9th layer): DSC_E_NOMEM, the
 * model unchanged (layer count, widths, parameter count), nothing leaked,
 * and the model still usable. */
static void test_alloc_fail_model_add_leaves_model_unchanged(void **state) {
    (void)state;
    static const size_t before_counts[] = {0, 8};
    for (int which = 0; which < 4; which++) {
        for (size_t b = 0; b < 2; b++) {
            dsc_model *m = NULL;
            assert_ok(dsc_model_new(&m, 3));
            for (size_t i = 0; i < before_counts[b]; i++) assert_ok(add_layer_kind(m, (int)(i % 4)));
            size_t count0 = 0, width0 = 0, params0 = 0;
            assert_ok(dsc_model_layer_count(m, &count0));
            assert_ok(dsc_model_widths(m, NULL, &width0));
            assert_ok(dsc_model_param_count(m, &params0));
            int failed = 0, succeeded = 0;
            for (long k = 1; k < 100 && !succeeded; k++) {
                harness_alloc_install(k);
                dsc_status s = add_layer_kind(m, which);
                long live = harness_alloc_live();
                harness_alloc_uninstall();
                if (s == DSC_OK) {
                    succeeded = 1;
                    continue;
                }
                failed++;
                if (s != DSC_E_NOMEM)
                    fail_msg("add kind %d with allocation %ld failing returned %s", which, k,
                             dsc_status_name(s));
                assert_int_equal(live, 0);
                size_t count = 9, width = 9, params = 9;
                assert_ok(dsc_model_layer_count(m, &count));
                assert_ok(dsc_model_widths(m, NULL, &width));
                assert_ok(dsc_model_param_count(m, &params));
                assert_int_equal(count, count0);
                assert_int_equal(width, width0);
                assert_int_equal(params, params0);
            }
            assert_true(succeeded);
            assert_int_equal(failed, 1); /* the slot array is the only allocation */
            size_t count = 0;
            assert_ok(dsc_model_layer_count(m, &count));
            assert_int_equal(count, count0 + 1);
            assert_ok(dsc_model_build(m, 2));
            const float x[6] = {1, 2, 3, 4, 5, 6};
            const float *y = NULL;
            assert_ok(dsc_model_forward(m, x, 2, &y));
            dsc_model_free(m);
        }
    }
}

static void test_alloc_hook_sees_every_allocation(void **state) {
    (void)state;
    harness_alloc_install(0);
    dsc_tensor *t = NULL;
    size_t shape[1] = {5};
    assert_ok(dsc_tensor_new(&t, shape, 1));
    assert_int_equal(harness_alloc_count(), 2); /* handle + data */
    assert_int_equal(harness_alloc_live(), 2);
    dsc_tensor_free(t);
    assert_int_equal(harness_alloc_live(), 0);
}

static void *dummy_alloc(size_t n, void *u) {
    (void)n;
    (void)u;
    return NULL;
}

static void dummy_free(void *p, void *u) {
    (void)p;
    (void)u;
}

static void test_alloc_set_allocator_validation(void **state) {
    (void)state;
    assert_status(dsc_set_allocator(dummy_alloc, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_set_allocator(NULL, dummy_free, NULL), DSC_E_ARG);
    assert_ok(dsc_set_allocator(NULL, NULL, NULL));
    /* The refused calls left malloc in place: allocation still works. */
    dsc_tensor *t = NULL;
    size_t shape[1] = {5};
    assert_ok(dsc_tensor_new(&t, shape, 1));
    dsc_tensor_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_alloc_fail_every_constructor, harness_alloc_teardown),
        cmocka_unit_test_teardown(test_alloc_fail_model_add_leaves_model_unchanged,
                                  harness_alloc_teardown),
        cmocka_unit_test_teardown(test_alloc_hook_sees_every_allocation, harness_alloc_teardown),
        cmocka_unit_test(test_alloc_set_allocator_validation),
    };
    return cmocka_run_group_tests_name("alloc_fail", tests, NULL, NULL);
}
