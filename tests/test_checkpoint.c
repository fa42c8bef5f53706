/* Model files and checkpoints (lib/io, docs/checkpoint.md): round trips of
 * models; PyTorch-style files written here by hand into
 * dsc_model_load_weights; every class of malformed file, each with its own
 * message and nothing changed; bitwise resume for every optimizer kind and
 * every scheduler kind, and for the trainer stopped inside a step or an
 * epoch callback (dropout, shuffling, early stopping); refusals of files
 * that do not fit; failing every file operation of a save in turn (the
 * previous file survives, no temporary file is left); failing every
 * allocation of a load. */
#include "harness.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Internal (lib/io/io.h): fail the k-th file operation from now. */
long dsc__io_fault(long k);

#define assert_msg(sub)                                                                   \
    do {                                                                                  \
        if (strstr(dsc_last_error(), sub) == NULL)                                        \
            fail_msg("message '%s' lacks '%s'", dsc_last_error(), sub);                   \
    } while (0)

/* ---- files ----------------------------------------------------------------- */

static char dir[256];

static int setup_dir(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dsc_ckpt_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown_dir(void **state) {
    (void)state;
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static const char *in_dir(const char *name) {
    static char paths[8][600];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 600, "%s/%s", dir, name);
    return p;
}

/* The whole file; *n its size. */
static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)size + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return b;
}

static void spit(const char *path, const void *b, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static int same_file(const char *a, const char *b) {
    size_t na, nb;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* A safetensors file from a header (JSON text) and data bytes. */
static void write_st(const char *path, const char *header, const void *data, size_t n) {
    size_t h = strlen(header);
    unsigned char *b = malloc(8 + h + n + 1);
    assert_non_null(b);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (n) memcpy(b + 8 + h, data, n);
    spit(path, b, 8 + h + n);
    free(b);
}

/* Files left in dir whose name contains ".tmp". */
static int temp_files(void) {
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp") != NULL) n++;
    closedir(d);
    return n;
}

/* ---- models and data --------------------------------------------------------- */

#define NS 16
#define NF 3
#define NO 2
static float xs[NS * NF], ys[NS * NO];

static void make_data(void) {
    for (int i = 0; i < NS * NF; i++) xs[i] = (float)sin(0.7 * i + 0.3);
    for (int i = 0; i < NS; i++) {
        ys[i * NO] = xs[i * NF] * 0.5f - xs[i * NF + 1];
        ys[i * NO + 1] = xs[i * NF + 2] * xs[i * NF];
    }
}

/* dense 3->8, tanh, dropout(0.25), dense 8->2: layer 0 and 3 have parameters. */
static dsc_model *net(int width, uint64_t seed) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, NF));
    assert_ok(dsc_model_add_dense(m, (size_t)width, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_TANH));
    assert_ok(dsc_model_add_dropout(m, 0.25, 5));
    assert_ok(dsc_model_add_dense(m, NO, 1));
    assert_ok(dsc_model_build(m, 8));
    assert_ok(dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, seed));
    return m;
}

static void params_of(dsc_model *m, float **p, size_t *n) {
    assert_ok(dsc_model_params(m, p));
    assert_ok(dsc_model_param_count(m, n));
}

static void assert_same_params(dsc_model *a, dsc_model *b) {
    float *pa, *pb;
    size_t na, nb;
    params_of(a, &pa, &na);
    params_of(b, &pb, &nb);
    assert_int_equal(na, nb);
    if (memcmp(pa, pb, na * sizeof(float)) != 0) {
        for (size_t i = 0; i < na; i++)
            if (memcmp(&pa[i], &pb[i], sizeof(float)) != 0)
                fail_msg("parameter %zu differs: %.9g vs %.9g", i, (double)pa[i], (double)pb[i]);
    }
}

/* One training step on batch (step % 4) of 4 samples. */
static void train_step(dsc_model *m, dsc_loss *loss, dsc_optimizer *opt, int step, double *value) {
    const float *y = NULL;
    float dy[4 * NO];
    int b = step % 4;
    assert_ok(dsc_model_zero_grad(m));
    assert_ok(dsc_model_forward(m, xs + b * 4 * NF, 4, &y));
    assert_ok(dsc_loss_forward(loss, y, ys + b * 4 * NO, 4, NO, value));
    assert_ok(dsc_loss_backward(loss, dy));
    assert_ok(dsc_model_backward(m, dy, 4));
    assert_ok(dsc_optimizer_step(opt));
}

/* ---- model files ------------------------------------------------------------ */

static void test_model_round_trip(void **state) {
    (void)state;
    make_data();
    dsc_model *m = NULL, *back = NULL;
    assert_ok(dsc_model_new(&m, NF));
    assert_ok(dsc_model_add_dense(m, 6, 1));
    assert_ok(dsc_model_add_leaky_relu(m, 0.2));
    assert_ok(dsc_model_add_dropout(m, 0.3, 12345678901234567ull));
    assert_ok(dsc_model_add_dense(m, 5, 0));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU));
    assert_ok(dsc_model_add_dense(m, NO, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_SOFTMAX));
    assert_ok(dsc_model_build(m, 4));
    assert_ok(dsc_model_init(m, DSC_INIT_KAIMING_NORMAL, DSC_INIT_PYTORCH_DEFAULT, 3));
    const char *path = in_dir("model.safetensors");
    assert_ok(dsc_model_save(m, path));
    assert_int_equal(temp_files(), 0);
    assert_ok(dsc_model_load(&back, path, 7));
    size_t n = 0, mb = 0;
    assert_ok(dsc_model_max_batch(back, &mb));
    assert_int_equal(mb, 7);
    dsc_model_free(back);
    assert_ok(dsc_model_load(&back, path, 4)); /* the batches of predict as m's */
    assert_ok(dsc_model_layer_count(back, &n));
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        dsc_layer_kind ka, kb;
        size_t ia, oa, ib, ob;
        assert_ok(dsc_model_layer_info(m, i, &ka, &ia, &oa));
        assert_ok(dsc_model_layer_info(back, i, &kb, &ib, &ob));
        assert_int_equal(ka, kb);
        assert_int_equal(ia, ib);
        assert_int_equal(oa, ob);
    }
    assert_same_params(m, back);
    /* Same outputs, in training mode too: same dropout masks from the seed. */
    float ya[NS * NO], yb[NS * NO];
    assert_ok(dsc_model_predict(m, xs, NS, ya));
    assert_ok(dsc_model_predict(back, xs, NS, yb));
    assert_memory_equal(ya, yb, sizeof ya);
    const float *fa, *fb;
    assert_ok(dsc_model_forward(m, xs, 4, &fa));
    assert_ok(dsc_model_forward(back, xs, 4, &fb));
    assert_memory_equal(fa, fb, 4 * NO * sizeof(float));
    /* load_weights into a model of the same layers. */
    dsc_model *other = NULL;
    assert_ok(dsc_model_new(&other, NF));
    assert_ok(dsc_model_add_dense(other, 6, 1));
    assert_ok(dsc_model_add_leaky_relu(other, 0.2));
    assert_ok(dsc_model_add_dropout(other, 0.3, 1));
    assert_ok(dsc_model_add_dense(other, 5, 0));
    assert_ok(dsc_model_add_activation(other, DSC_ACTIVATION_GELU));
    assert_ok(dsc_model_add_dense(other, NO, 1));
    assert_ok(dsc_model_add_activation(other, DSC_ACTIVATION_SOFTMAX));
    assert_ok(dsc_model_build(other, 2));
    assert_ok(dsc_model_load_weights(other, path));
    assert_same_params(m, other);
    /* The file is a plain safetensors file: PyTorch names, F32, metadata. */
    size_t size;
    unsigned char *b = slurp(path, &size);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--) h = h << 8 | b[i];
    assert_true(8 + h <= size);
    assert_int_equal((8 + h) % 8, 0);
    char *header = calloc(1, h + 1);
    memcpy(header, b + 8, h);
    assert_non_null(strstr(header, "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[6,3],"));
    assert_non_null(strstr(header, "\"0.bias\""));
    assert_non_null(strstr(header, "\"3.weight\":{\"dtype\":\"F32\",\"shape\":[5,6],"));
    assert_null(strstr(header, "\"3.bias\""));
    assert_non_null(strstr(header, "\"5.bias\""));
    assert_non_null(strstr(header, "\"format\":\"descent.model\""));
    assert_non_null(strstr(header, "\"format_version\":\"1\""));
    assert_non_null(strstr(header, "\\\"seed\\\":\\\"12345678901234567\\\""));
    assert_non_null(strstr(header, "\\\"negative_slope\\\":0.20000000298023224"));
    free(header);
    free(b);
    dsc_model_free(m);
    dsc_model_free(back);
    dsc_model_free(other);
}

/* Both GELU forms are saved under their own names: a tanh-approximated GELU
 * comes back as one (its outputs differ from the exact form's by ~1e-4). */
static void test_model_round_trip_gelu_tanh(void **state) {
    (void)state;
    make_data();
    dsc_model *m = NULL, *back = NULL;
    assert_ok(dsc_model_new(&m, NF));
    assert_ok(dsc_model_add_dense(m, 6, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU_TANH));
    assert_ok(dsc_model_add_dense(m, 5, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_GELU));
    assert_ok(dsc_model_add_dense(m, NO, 1));
    assert_ok(dsc_model_build(m, 4));
    assert_ok(dsc_model_init(m, DSC_INIT_KAIMING_NORMAL, DSC_INIT_PYTORCH_DEFAULT, 5));
    const char *path = in_dir("gelu_tanh.safetensors");
    assert_ok(dsc_model_save(m, path));
    assert_ok(dsc_model_load(&back, path, 4));
    float ya[NS * NO], yb[NS * NO];
    assert_ok(dsc_model_predict(m, xs, NS, ya));
    assert_ok(dsc_model_predict(back, xs, NS, yb));
    assert_memory_equal(ya, yb, sizeof ya);
    size_t size;
    unsigned char *b = slurp(path, &size);
    assert_true(size > 8);
    char *text = calloc(1, size + 1);
    memcpy(text, b, size);
    assert_non_null(strstr(text + 8, "\\\"activation\\\":\\\"gelu_tanh\\\""));
    assert_non_null(strstr(text + 8, "\\\"activation\\\":\\\"gelu\\\""));
    free(text);
    free(b);
    dsc_model_free(m);
    dsc_model_free(back);
}

static void test_model_save_load_errors(void **state) {
    (void)state;
    dsc_model *m = NULL, *out = (dsc_model *)(uintptr_t)1;
    assert_ok(dsc_model_new(&m, 2));
    assert_ok(dsc_model_add_dense(m, 1, 1));
    assert_status(dsc_model_save(NULL, in_dir("x")), DSC_E_ARG);
    assert_status(dsc_model_save(m, NULL), DSC_E_ARG);
    assert_status(dsc_model_save(m, in_dir("x")), DSC_E_STATE);
    assert_msg("not built");
    assert_status(dsc_model_load_weights(m, in_dir("x")), DSC_E_STATE);
    assert_ok(dsc_model_build(m, 1));
    assert_status(dsc_model_save(m, "/nonexistent-dir/m.safetensors"), DSC_E_IO);
    assert_msg("/nonexistent-dir/m.safetensors");
    assert_status(dsc_model_load(NULL, in_dir("x"), 1), DSC_E_ARG);
    assert_status(dsc_model_load(&out, NULL, 1), DSC_E_ARG);
    assert_null(out);
    out = (dsc_model *)(uintptr_t)1;
    assert_status(dsc_model_load(&out, in_dir("x"), 0), DSC_E_ARG);
    assert_null(out);
    assert_status(dsc_model_load(&out, in_dir("no-such-file"), 1), DSC_E_IO);
    assert_msg("no-such-file");
    assert_status(dsc_model_load(&out, dir, 1), DSC_E_IO); /* a directory */
    assert_status(dsc_model_load_weights(NULL, in_dir("x")), DSC_E_ARG);
    assert_status(dsc_model_load_weights(m, NULL), DSC_E_ARG);
    assert_status(dsc_model_load_weights(m, in_dir("no-such-file")), DSC_E_IO);
    dsc_model_free(m);
}

/* A PyTorch nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) state_dict
 * written as safetensors (as `safetensors.torch.save_file` would, without
 * metadata). */
static float w0[12], b0[4], w2[8], b2[2];

static void torch_file_n(const char *path, const char *tweak, size_t ndata) {
    for (int i = 0; i < 12; i++) w0[i] = 0.1f * (float)i - 0.5f;
    for (int i = 0; i < 4; i++) b0[i] = 0.25f * (float)i;
    for (int i = 0; i < 8; i++) w2[i] = -0.2f * (float)i + 0.3f;
    for (int i = 0; i < 2; i++) b2[i] = 1.0f + (float)i;
    unsigned char data[26 * 4];
    memcpy(data, w0, 48);
    memcpy(data + 48, b0, 16);
    memcpy(data + 64, w2, 32);
    memcpy(data + 96, b2, 8);
    char header[600];
    if (tweak == NULL) {
        snprintf(header, sizeof header,
                 "{\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
                 "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
                 "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]},"
                 "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]}}");
        write_st(path, header, data, sizeof data);
    } else {
        write_st(path, tweak, data, ndata);
    }
}

static void torch_file(const char *path, const char *tweak) {
    torch_file_n(path, tweak, 104);
}

static dsc_model *torch_net(void) {
    dsc_model *m = NULL;
    assert_ok(dsc_model_new(&m, 3));
    assert_ok(dsc_model_add_dense(m, 4, 1));
    assert_ok(dsc_model_add_activation(m, DSC_ACTIVATION_RELU));
    assert_ok(dsc_model_add_dense(m, 2, 1));
    assert_ok(dsc_model_build(m, 2));
    return m;
}

/* Asserts load_weights of path refuses with FORMAT, a message with sub, and m unchanged. */
static void refuse_weights(dsc_model *m, const char *path, const char *sub) {
    float *p;
    size_t n;
    params_of(m, &p, &n);
    float before[64];
    assert_true(n <= 64);
    memcpy(before, p, n * sizeof(float));
    assert_status(dsc_model_load_weights(m, path), DSC_E_FORMAT);
    assert_msg(sub);
    assert_memory_equal(before, p, n * sizeof(float));
}

static void test_load_weights_pytorch_file(void **state) {
    (void)state;
    const char *path = in_dir("torch.safetensors");
    torch_file(path, NULL);
    dsc_model *m = torch_net();
    assert_ok(dsc_model_load_weights(m, path));
    float w[12], b[4];
    assert_ok(dsc_model_get_weight(m, 0, w, 12));
    assert_ok(dsc_model_get_bias(m, 2, b, 2));
    assert_memory_equal(w, w0, sizeof w0);
    assert_memory_equal(b, b2, sizeof b2);
    /* dsc_model_load needs the layer list. */
    dsc_model *out = NULL;
    assert_status(dsc_model_load(&out, path, 1), DSC_E_FORMAT);
    assert_msg("dsc_model_load_weights");
    assert_null(out);
    assert_ok(dsc_model_init(m, DSC_INIT_ZEROS, DSC_INIT_ZEROS, 0));
    /* Missing, mistyped, misshaped, extra, non-finite: refused, named, nothing changed. */
    torch_file(path, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
                     "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]},"
                     "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[56,88]},"
                     "\"pad\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[88,104]}}");
    refuse_weights(m, path, "\"pad\"");
    torch_file(path, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
                     "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[48,56]},"
                     "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[56,88]},"
                     "\"2.extra\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[88,104]}}");
    refuse_weights(m, path, "strict=True");
    assert_msg("\"2.extra\"");
    torch_file_n(path, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
                       "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
                       "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]}}", 96);
    refuse_weights(m, path, "no tensor \"2.bias\"");
    torch_file(path, "{\"0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]},"
                     "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
                     "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]},"
                     "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}");
    refuse_weights(m, path, "tensor \"0.weight\" is F64");
    torch_file(path, "{\"0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]},"
                     "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
                     "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]},"
                     "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}");
    refuse_weights(m, path, "\"0.weight\" has shape [3, 4]; layer 0 needs [4, 3]");
    /* A NaN in a parameter. */
    torch_file(path, NULL);
    size_t size;
    unsigned char *bytes = slurp(path, &size);
    float nan = NAN;
    memcpy(bytes + size - 4, &nan, 4); /* the last element of 2.bias */
    spit(path, bytes, size);
    free(bytes);
    refuse_weights(m, path, "\"2.bias\" element 1 is nan");
    /* A bias in the file for a layer without one is an extra tensor. */
    dsc_model *nb = NULL;
    assert_ok(dsc_model_new(&nb, 3));
    assert_ok(dsc_model_add_dense(nb, 4, 0));
    assert_ok(dsc_model_add_activation(nb, DSC_ACTIVATION_RELU));
    assert_ok(dsc_model_add_dense(nb, 2, 1));
    assert_ok(dsc_model_build(nb, 1));
    torch_file(path, NULL);
    refuse_weights(nb, path, "\"0.bias\"");
    dsc_model_free(nb);
    dsc_model_free(m);
}

/* ---- malformed files -------------------------------------------------------- */

typedef struct bad_case {
    const char *header; /* NULL: raw bytes below */
    size_t data;        /* data bytes after the header */
    const char *message;
} bad_case;

static void test_malformed_files(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {"[]", 0, "does not start with '{'"},
        {"{\"a\":", 0, "not valid JSON"},
        {"{} x", 0, "bytes after its JSON object"},
        {"{\"__metadata__\":[1]}", 0, "\"__metadata__\" is not a JSON object"},
        {"{\"__metadata__\":{\"k\":1}}", 0, "metadata entry \"k\" is not a string"},
        {"{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, "metadata key \"k\" appears twice"},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, "\"__metadata__\" twice"},
        {"{\"t\":[1]}", 0, "tensor \"t\" is not a JSON object"},
        {"{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor \"t\" has no \"dtype\""},
        {"{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "tensor \"t\" has no \"shape\""},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor \"t\" has no \"data_offsets\""},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
         "tensor \"t\" has an unexpected field \"x\""},
        {"{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
         "tensor \"t\" has \"dtype\" twice"},
        {"{\"t\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
         "tensor \"t\" has dtype \"Q7\", which is not a safetensors dtype"},
        {"{\"t\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype is not a string"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
         "tensor \"t\": shape[0] is not an integer"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
         "tensor \"t\": shape[0] is not an integer"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,4]}}", 4, "shape is not an array"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
         "\"data_offsets\":[0,4]}}", 4, "tensor \"t\": the product of its shape overflows"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
         "tensor \"t\" has 9 dimensions"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "end before they begin"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
         "data_offsets is not an array [begin, end]"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", 4,
         "data_offsets are not integers"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
         "go beyond the data (4 bytes): the file is truncated"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
         "hold 4 bytes; 2 F32 values need 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
         "tensors \"a\" and \"b\" overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12,
         "bytes 4 to 8 of the data belong to no tensor"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
         "4 bytes follow the last tensor's data"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
         "tensor \"a\" appears twice"},
        {"{}", 4, "4 bytes of data follow a header that has no tensor"},
        {"{\"__metadata__\":{\"format\":\"descent.model\",\"format_version\":\"2\","
         "\"descent_version\":\"9.9.9\"}}", 0, "written by a newer descent (format version 2, by descent 9.9.9)"},
        {"{\"__metadata__\":{\"format\":\"descent.model\",\"format_version\":\"x1\"}}", 0,
         "format_version \"x1\" is not a positive integer"},
        {"{\"__metadata__\":{\"format\":\"descent.model\"}}", 0, "without \"format_version\""},
        {"{\"__metadata__\":{\"format\":\"gguf\"}}", 0, "metadata format \"gguf\" is not a descent format"},
    };
    dsc_model *m = torch_net();
    const char *path = in_dir("bad.safetensors");
    unsigned char zeros[16] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_st(path, cases[i].header, zeros, cases[i].data);
        float *p;
        size_t n;
        params_of(m, &p, &n);
        float before[26];
        memcpy(before, p, sizeof before);
        dsc__error_clear();
        dsc_status s = dsc_model_load_weights(m, path);
        if (s != DSC_E_FORMAT || strstr(dsc_last_error(), cases[i].message) == NULL)
            fail_msg("case %zu (%s): %s, '%s'; expected DSC_E_FORMAT and '%s'", i, cases[i].header,
                     dsc_status_name(s), dsc_last_error(), cases[i].message);
        assert_memory_equal(before, p, sizeof before);
        dsc_model *out = (dsc_model *)(uintptr_t)1;
        assert_status(dsc_model_load(&out, path, 1), DSC_E_FORMAT);
        assert_null(out);
    }
    /* Raw byte cases: shorter than the length, a length beyond the file, an absurd
     * length, a header that is not UTF-8. */
    unsigned char raw[32] = {4, 0, 0};
    spit(path, raw, 5);
    refuse_weights(m, path, "is 5 bytes; a safetensors file begins with an 8-byte header length");
    raw[0] = 100;
    spit(path, raw, 16);
    refuse_weights(m, path, "the header length 100 goes beyond the end of the file");
    memset(raw, 0, sizeof raw);
    raw[4] = 1; /* 2^32 */
    spit(path, raw, 16);
    refuse_weights(m, path, "is above the limit of 100000000 bytes");
    memset(raw, 0, sizeof raw);
    raw[0] = 4;
    memcpy(raw + 8, "{\"\xff\"", 4);
    spit(path, raw, 12);
    refuse_weights(m, path, "not valid UTF-8");
    dsc_model_free(m);
}

/* ---- bitwise resume: optimizers ------------------------------------------------ */

typedef struct opt_case {
    dsc_optimizer_kind kind;
    const char *name;
    dsc_optimizer_param key[3];
    double value[3];
} opt_case;

static const opt_case opt_cases[] = {
    {DSC_OPTIMIZER_SGD, "SGD", {0}, {0}},
    {DSC_OPTIMIZER_SGD, "SGD nesterov", {DSC_OPTIMIZER_PARAM_MOMENTUM, DSC_OPTIMIZER_PARAM_NESTEROV, DSC_OPTIMIZER_PARAM_WEIGHT_DECAY}, {0.9, 1, 1e-3}},
    {DSC_OPTIMIZER_ADAGRAD, "Adagrad", {DSC_OPTIMIZER_PARAM_LR_DECAY, DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE}, {0.01, 0.1}},
    {DSC_OPTIMIZER_RMSPROP, "RMSprop centered", {DSC_OPTIMIZER_PARAM_CENTERED, DSC_OPTIMIZER_PARAM_MOMENTUM}, {1, 0.8}},
    {DSC_OPTIMIZER_ADAM, "Adam", {DSC_OPTIMIZER_PARAM_CLIP_NORM}, {0.5}},
    {DSC_OPTIMIZER_ADAM, "Adam amsgrad", {DSC_OPTIMIZER_PARAM_AMSGRAD, DSC_OPTIMIZER_PARAM_CLIP_VALUE}, {1, 0.3}},
    {DSC_OPTIMIZER_ADAMW, "AdamW", {DSC_OPTIMIZER_PARAM_AMSGRAD}, {1}},
    {DSC_OPTIMIZER_ADADELTA, "Adadelta", {DSC_OPTIMIZER_PARAM_RHO}, {0.8}},
    {DSC_OPTIMIZER_ADAMAX, "Adamax", {0}, {0}},
    {DSC_OPTIMIZER_NADAM, "NAdam", {DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY}, {0.01}},
    {DSC_OPTIMIZER_RADAM, "RAdam", {DSC_OPTIMIZER_PARAM_WEIGHT_DECAY}, {1e-2}},
    {DSC_OPTIMIZER_RPROP, "Rprop", {DSC_OPTIMIZER_PARAM_ETAMINUS, DSC_OPTIMIZER_PARAM_ETAPLUS, DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX}, {0.4, 1.3, 0.05}},
    {DSC_OPTIMIZER_RPROP, "Rprop maximize clipped", {DSC_OPTIMIZER_PARAM_MAXIMIZE, DSC_OPTIMIZER_PARAM_CLIP_VALUE, DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN}, {1, 0.2, 1e-3}},
};

static dsc_optimizer *opt_for(const opt_case *c, dsc_model *m) {
    dsc_optimizer *opt = NULL;
    assert_ok(dsc_optimizer_new(&opt, c->kind));
    for (int i = 0; i < 3 && c->key[i] != 0; i++) assert_ok(dsc_optimizer_set(opt, c->key[i], c->value[i]));
    assert_ok(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, c->kind == DSC_OPTIMIZER_ADADELTA ? 1.0 : 0.01));
    assert_ok(dsc_optimizer_add_model(opt, m, NULL));
    return opt;
}

static void assert_same_state(dsc_optimizer *a, dsc_optimizer *b) {
    size_t ns = 0, n = 0;
    assert_ok(dsc_optimizer_state_count(a, &ns));
    assert_ok(dsc_optimizer_group_size(a, 0, &n));
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (size_t s = 0; s < ns; s++) {
        int ua, ub;
        assert_ok(dsc_optimizer_state_in_use(a, 0, s, &ua));
        assert_ok(dsc_optimizer_state_in_use(b, 0, s, &ub));
        assert_int_equal(ua, ub);
        assert_ok(dsc_optimizer_state_get(a, 0, s, x, n));
        assert_ok(dsc_optimizer_state_get(b, 0, s, y, n));
        assert_memory_equal(x, y, n * sizeof(float));
    }
    uint64_t sa, sb;
    assert_ok(dsc_optimizer_group_step_count(a, 0, &sa));
    assert_ok(dsc_optimizer_group_step_count(b, 0, &sb));
    assert_int_equal(sa, sb);
    free(x);
    free(y);
}

/* Rprop saved before its first step has no buffers in the file (PyTorch's
 * state is empty then): loading it into an Rprop that has stepped puts that
 * one back to a new optimizer's state, whose step sizes start from the lr of
 * its next step. */
static void test_resume_rprop_before_first_step(void **state) {
    (void)state;
    make_data();
    const char *path = in_dir("rprop0.ckpt");
    dsc_loss *loss = NULL;
    assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
    const opt_case oc = {DSC_OPTIMIZER_RPROP, "Rprop", {0}, {0}};
    dsc_model *a = net(8, 1), *b = net(8, 1);
    dsc_optimizer *oa = opt_for(&oc, a), *ob = opt_for(&oc, b);
    assert_ok(dsc_checkpoint_save(path, a, oa, NULL, NULL));
    double v;
    for (int t = 0; t < 3; t++) train_step(b, loss, ob, t, &v);
    assert_ok(dsc_checkpoint_load(path, b, ob, NULL, NULL));
    assert_same_state(oa, ob);
    for (int t = 0; t < 4; t++) {
        train_step(a, loss, oa, t, &v);
        train_step(b, loss, ob, t, &v);
    }
    float *pa, *pb;
    size_t n;
    params_of(a, &pa, &n);
    params_of(b, &pb, &n);
    assert_memory_equal(pa, pb, n * sizeof(float));
    assert_same_state(oa, ob);
    dsc_optimizer_free(oa);
    dsc_optimizer_free(ob);
    dsc_model_free(a);
    dsc_model_free(b);
    dsc_loss_free(loss);
}

static void test_resume_every_optimizer(void **state) {
    (void)state;
    make_data();
    const char *path = in_dir("opt.ckpt");
    for (size_t c = 0; c < sizeof opt_cases / sizeof opt_cases[0]; c++) {
        const opt_case *oc = &opt_cases[c];
        dsc_loss *loss = NULL;
        assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
        dsc_model *a = net(8, 1);
        dsc_optimizer *oa = opt_for(oc, a);
        double v;
        for (int t = 0; t < 5; t++) train_step(a, loss, oa, t, &v);
        assert_ok(dsc_checkpoint_save(path, a, oa, NULL, NULL));
        for (int t = 5; t < 12; t++) train_step(a, loss, oa, t, &v);
        /* A fresh model (other initial weights) and optimizer of the same kind. */
        dsc_model *b = net(8, 99);
        dsc_optimizer *ob = opt_for(oc, b);
        assert_ok(dsc_checkpoint_load(path, b, ob, NULL, NULL));
        for (int t = 5; t < 12; t++) train_step(b, loss, ob, t, &v);
        float *pa, *pb;
        size_t n;
        params_of(a, &pa, &n);
        params_of(b, &pb, &n);
        if (memcmp(pa, pb, n * sizeof(float)) != 0) fail_msg("%s: the resumed run differs", oc->name);
        assert_same_state(oa, ob);
        dsc_optimizer_free(oa);
        dsc_optimizer_free(ob);
        dsc_model_free(a);
        dsc_model_free(b);
        dsc_loss_free(loss);
    }
}

/* ---- bitwise resume: schedulers ------------------------------------------------- */

static double halve(int64_t t, size_t g, void *user) {
    (void)g;
    (void)user;
    return t < 4 ? 1.0 : 0.5 + 0.01 * (double)t;
}

static dsc_lr_scheduler *sched_for(dsc_lr_scheduler_kind kind, dsc_optimizer *o) {
    dsc_lr_scheduler *s = NULL;
    assert_ok(dsc_lr_scheduler_new(&s, kind, o));
    const int64_t ms[] = {3, 3, 9};
    switch (kind) {
    case DSC_SCHED_STEP: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE, 4)); break;
    case DSC_SCHED_MULTI_STEP: assert_ok(dsc_lr_scheduler_set_milestones(s, ms, 3)); break;
    case DSC_SCHED_EXPONENTIAL: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_GAMMA, 0.97)); break;
    case DSC_SCHED_COSINE: assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MAX, 7)); break;
    case DSC_SCHED_COSINE_WARM_RESTARTS:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_0, 3));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_T_MULT, 2));
        break;
    case DSC_SCHED_CYCLIC:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.05));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_STEP_SIZE_UP, 3));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MODE, 1));
        break;
    case DSC_SCHED_ONE_CYCLE:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_MAX_LR, 0.05));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_TOTAL_STEPS, 40));
        break;
    case DSC_SCHED_PLATEAU:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_PATIENCE, 1));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_COOLDOWN, 1));
        break;
    case DSC_SCHED_LAMBDA:
    case DSC_SCHED_MULTIPLICATIVE: assert_ok(dsc_lr_scheduler_set_lambda(s, halve, NULL)); break;
    case DSC_SCHED_INVERSE_TIME:
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_RATE, 0.5));
        assert_ok(dsc_lr_scheduler_set(s, DSC_SCHED_PARAM_DECAY_STEPS, 3));
        break;
    case DSC_SCHED_SEQUENTIAL:
    case DSC_SCHED_CHAINED: {
        dsc_lr_scheduler *c0 = sched_for(DSC_SCHED_LINEAR, o), *c1 = sched_for(DSC_SCHED_ONE_CYCLE, o);
        assert_ok(dsc_lr_scheduler_add_child(s, &c0));
        assert_ok(dsc_lr_scheduler_add_child(s, &c1));
        if (kind == DSC_SCHED_SEQUENTIAL) assert_ok(dsc_lr_scheduler_set_milestones(s, ms + 1, 1));
        break;
    }
    default: break;
    }
    return s;
}

static void sched_step(dsc_lr_scheduler *s, dsc_lr_scheduler_kind kind, double metric) {
    if (kind == DSC_SCHED_PLATEAU) assert_ok(dsc_lr_scheduler_step_metric(s, metric));
    else assert_ok(dsc_lr_scheduler_step(s));
}

static void test_resume_every_scheduler(void **state) {
    (void)state;
    make_data();
    const char *path = in_dir("sched.ckpt");
    for (int k = DSC_SCHED_CONSTANT; k <= DSC_SCHED_INVERSE_TIME; k++) {
        dsc_lr_scheduler_kind kind = (dsc_lr_scheduler_kind)k;
        /* SGD with momentum: the cyclic kinds cycle it. */
        const opt_case oc = {DSC_OPTIMIZER_SGD, "SGD", {DSC_OPTIMIZER_PARAM_MOMENTUM}, {0.9}};
        dsc_loss *loss = NULL;
        assert_ok(dsc_loss_new(&loss, DSC_LOSS_MSE));
        dsc_model *a = net(6, 1);
        dsc_optimizer *oa = opt_for(&oc, a);
        dsc_lr_scheduler *sa = sched_for(kind, oa);
        double v = 0, lra[20], lrb[20];
        assert_ok(dsc_lr_scheduler_start(sa));
        for (int t = 0; t < 7; t++) {
            train_step(a, loss, oa, t, &v);
            sched_step(sa, kind, t % 3 == 0 ? 1.0 : v);
        }
        assert_ok(dsc_checkpoint_save(path, a, oa, sa, NULL));
        for (int t = 7; t < 20; t++) {
            train_step(a, loss, oa, t, &v);
            sched_step(sa, kind, t % 3 == 0 ? 1.0 : v);
            assert_ok(dsc_optimizer_group_get(oa, 0, DSC_OPTIMIZER_PARAM_LR, &lra[t]));
        }
        dsc_model *b = net(6, 2);
        dsc_optimizer *ob = opt_for(&oc, b);
        dsc_lr_scheduler *sb = sched_for(kind, ob); /* not started: the file starts it */
        assert_ok(dsc_checkpoint_load(path, b, ob, sb, NULL));
        for (int t = 7; t < 20; t++) {
            train_step(b, loss, ob, t, &v);
            sched_step(sb, kind, t % 3 == 0 ? 1.0 : v);
            assert_ok(dsc_optimizer_group_get(ob, 0, DSC_OPTIMIZER_PARAM_LR, &lrb[t]));
        }
        if (memcmp(lra + 7, lrb + 7, 13 * sizeof(double)) != 0)
            fail_msg("scheduler kind %d: the resumed lrs differ", k);
        float *pa, *pb;
        size_t n;
        params_of(a, &pa, &n);
        params_of(b, &pb, &n);
        if (memcmp(pa, pb, n * sizeof(float)) != 0) fail_msg("scheduler kind %d: the resumed run differs", k);
        size_t ssa = 0, ssb = 0;
        assert_ok(dsc_lr_scheduler_state_size(sa, &ssa));
        assert_ok(dsc_lr_scheduler_state_size(sb, &ssb));
        assert_int_equal(ssa, ssb);
        double *xa = malloc(ssa * sizeof(double)), *xb = malloc(ssb * sizeof(double));
        assert_ok(dsc_lr_scheduler_state_save(sa, xa, ssa));
        assert_ok(dsc_lr_scheduler_state_save(sb, xb, ssb));
        assert_memory_equal(xa, xb, ssa * sizeof(double));
        free(xa);
        free(xb);
        dsc_lr_scheduler_free(sa);
        dsc_lr_scheduler_free(sb);
        dsc_optimizer_free(oa);
        dsc_optimizer_free(ob);
        dsc_model_free(a);
        dsc_model_free(b);
        dsc_loss_free(loss);
    }
}

/* ---- bitwise resume: the trainer -------------------------------------------------- */

typedef struct run {
    dsc_model *m;
    dsc_loss *loss;
    dsc_optimizer *opt;
    dsc_lr_scheduler *sched;
    dsc_dataset *train, *val;
    dsc_trainer *t;
    /* stopping */
    int stop_step, stop_epoch;
    const char *save_to;
} run;

static void run_make(run *r, uint64_t init_seed) {
    memset(r, 0, sizeof *r);
    make_data();
    r->m = net(8, init_seed);
    assert_ok(dsc_loss_new(&r->loss, DSC_LOSS_MSE));
    assert_ok(dsc_optimizer_new(&r->opt, DSC_OPTIMIZER_NADAM));
    assert_ok(dsc_optimizer_set(r->opt, DSC_OPTIMIZER_PARAM_LR, 0.01));
    assert_ok(dsc_optimizer_add_model(r->opt, r->m, NULL));
    dsc_lr_scheduler *warm = NULL, *cyc = NULL;
    assert_ok(dsc_lr_scheduler_new(&r->sched, DSC_SCHED_SEQUENTIAL, r->opt));
    assert_ok(dsc_lr_scheduler_new(&warm, DSC_SCHED_LINEAR, r->opt));
    assert_ok(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.1));
    assert_ok(dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_TOTAL_ITERS, 5));
    assert_ok(dsc_lr_scheduler_new(&cyc, DSC_SCHED_ONE_CYCLE, r->opt));
    assert_ok(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_MAX_LR, 0.05));
    assert_ok(dsc_lr_scheduler_set(cyc, DSC_SCHED_PARAM_TOTAL_STEPS, 60));
    assert_ok(dsc_lr_scheduler_add_child(r->sched, &warm));
    assert_ok(dsc_lr_scheduler_add_child(r->sched, &cyc));
    const int64_t at = 5;
    assert_ok(dsc_lr_scheduler_set_milestones(r->sched, &at, 1));
    assert_ok(dsc_dataset_new_targets(&r->train, xs, ys, 12, NF, NO, DSC_DATASET_BORROW));
    assert_ok(dsc_dataset_new_targets(&r->val, xs + 12 * NF, ys + 12 * NO, 4, NF, NO, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&r->t, r->m, r->loss, r->opt, r->train));
    assert_ok(dsc_trainer_set_validation(r->t, r->val));
    assert_ok(dsc_trainer_set_scheduler(r->t, r->sched));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_BATCH_SIZE, 5)); /* 3 batches, the last partial */
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_EPOCHS, 6));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_SEED, 77));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_SCHED_STEPPING, DSC_STEP_PER_ITERATION));
    assert_ok(dsc_trainer_set(r->t, DSC_TRAINER_PARAM_PATIENCE, 3));
}

static void run_free(run *r) {
    dsc_trainer_free(r->t);
    dsc_dataset_free(r->train);
    dsc_dataset_free(r->val);
    dsc_lr_scheduler_free(r->sched);
    dsc_optimizer_free(r->opt);
    dsc_loss_free(r->loss);
    dsc_model_free(r->m);
}

static int on_step(const dsc_progress *p, void *user) {
    run *r = user;
    double step = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_STEP, &step));
    if ((int)step != r->stop_step) return 0;
    assert_ok(dsc_checkpoint_save(r->save_to, r->m, r->opt, r->sched, r->t));
    /* Loading into a running trainer is refused. */
    assert_status(dsc_checkpoint_load(r->save_to, r->m, r->opt, r->sched, r->t), DSC_E_STATE);
    return 1;
}

static int on_epoch(const dsc_progress *p, void *user) {
    run *r = user;
    double epoch = 0;
    assert_ok(dsc_progress_get(p, DSC_PROGRESS_EPOCH, &epoch));
    if ((int)epoch != r->stop_epoch) return 0;
    assert_ok(dsc_checkpoint_save(r->save_to, r->m, r->opt, r->sched, r->t));
    return 1;
}

static double progress(const dsc_trainer *t, dsc_progress_key key) {
    const dsc_progress *p = NULL;
    double v = 0;
    assert_ok(dsc_trainer_progress(t, &p));
    assert_ok(dsc_progress_get(p, key, &v));
    return v;
}

static void resume_case(int stop_step, int stop_epoch) {
    const char *path = in_dir("trainer.ckpt");
    run a, b, c;
    run_make(&a, 1);
    assert_ok(dsc_trainer_run(a.t));
    /* Stopped inside a callback after saving... */
    run_make(&b, 1);
    b.stop_step = stop_step;
    b.stop_epoch = stop_epoch;
    b.save_to = path;
    assert_ok(dsc_trainer_set_step_callback(b.t, on_step, &b));
    assert_ok(dsc_trainer_set_epoch_callback(b.t, on_epoch, &b));
    assert_ok(dsc_trainer_run(b.t));
    assert_int_equal((int)progress(b.t, DSC_PROGRESS_STOP_REASON), DSC_STOP_CALLBACK);
    /* ...and resumed in fresh objects (other initial weights, other settings). */
    run_make(&c, 42);
    assert_ok(dsc_trainer_set(c.t, DSC_TRAINER_PARAM_EPOCHS, 1));
    assert_ok(dsc_trainer_set(c.t, DSC_TRAINER_PARAM_SEED, 5));
    assert_ok(dsc_checkpoint_load(path, c.m, c.opt, c.sched, c.t));
    double epochs = 0;
    assert_ok(dsc_trainer_get(c.t, DSC_TRAINER_PARAM_EPOCHS, &epochs));
    assert_true(epochs == 6);
    assert_ok(dsc_trainer_run(c.t));
    assert_same_params(a.m, c.m);
    static const dsc_progress_key keys[] = {
        DSC_PROGRESS_EPOCH, DSC_PROGRESS_STEP, DSC_PROGRESS_BATCH, DSC_PROGRESS_LR,
        DSC_PROGRESS_LOSS, DSC_PROGRESS_EPOCH_LOSS, DSC_PROGRESS_VAL_LOSS,
        DSC_PROGRESS_BEST_VAL_LOSS, DSC_PROGRESS_BEST_EPOCH,
        DSC_PROGRESS_EPOCHS_WITHOUT_IMPROVEMENT, DSC_PROGRESS_STOP_REASON};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        double x = progress(a.t, keys[i]), y = progress(c.t, keys[i]);
        if (memcmp(&x, &y, sizeof x) != 0 && !(isnan(x) && isnan(y)))
            fail_msg("progress key %d: %.17g uninterrupted, %.17g resumed", (int)keys[i], x, y);
    }
    /* The noise-scale keys read the resumed trainer's own estimator (not
     * measuring here: NaN), through the progress handle the load replaced. */
    assert_true(isnan(progress(c.t, DSC_PROGRESS_NOISE_SCALE)));
    assert_true(isnan(progress(c.t, DSC_PROGRESS_SUGGESTED_BATCH)));
    run_free(&a);
    run_free(&b);
    run_free(&c);
}

static void test_resume_trainer_mid_epoch(void **state) {
    (void)state;
    resume_case(4, -1);  /* after the first batch of epoch 2 */
    resume_case(9, -1);  /* after the last batch of epoch 3 */
}

/* A pending run refuses to continue with other batches; set back, it continues. */
static void test_resume_needs_same_batches(void **state) {
    (void)state;
    const char *path = in_dir("pending.ckpt");
    run a, c;
    run_make(&a, 1);
    a.stop_step = 4;
    a.stop_epoch = -1;
    a.save_to = path;
    assert_ok(dsc_trainer_set_step_callback(a.t, on_step, &a));
    assert_ok(dsc_trainer_run(a.t));
    run_make(&c, 1);
    assert_ok(dsc_checkpoint_load(path, c.m, c.opt, c.sched, c.t));
    /* Saving the loaded state again keeps the pending run. */
    const char *again = in_dir("pending2.ckpt");
    assert_ok(dsc_checkpoint_save(again, c.m, c.opt, c.sched, c.t));
    assert_true(same_file(path, again));
    assert_ok(dsc_trainer_set(c.t, DSC_TRAINER_PARAM_BATCH_SIZE, 4));
    assert_status(dsc_trainer_run(c.t), DSC_E_STATE);
    assert_msg("the run to resume (from a checkpoint) had batches of 5 samples, 3 per epoch");
    assert_ok(dsc_trainer_set(c.t, DSC_TRAINER_PARAM_BATCH_SIZE, 5));
    assert_ok(dsc_trainer_run(c.t));
    assert_true(progress(c.t, DSC_PROGRESS_STEP) > 4);
    run_free(&a);
    run_free(&c);
}

static void test_resume_trainer_after_epoch(void **state) {
    (void)state;
    resume_case(-1, 2);
}

/* A checkpoint between two runs: the second run is the same as without it. */
static void test_resume_trainer_between_runs(void **state) {
    (void)state;
    const char *path = in_dir("between.ckpt");
    run a, c;
    run_make(&a, 1);
    assert_ok(dsc_trainer_set(a.t, DSC_TRAINER_PARAM_PATIENCE, 0));
    assert_ok(dsc_trainer_set(a.t, DSC_TRAINER_PARAM_EPOCHS, 2));
    assert_ok(dsc_trainer_run(a.t));
    assert_ok(dsc_checkpoint_save(path, a.m, a.opt, a.sched, a.t));
    assert_ok(dsc_trainer_run(a.t));
    run_make(&c, 3);
    assert_ok(dsc_checkpoint_load(path, c.m, c.opt, c.sched, c.t));
    assert_ok(dsc_trainer_run(c.t));
    assert_same_params(a.m, c.m);
    assert_true(progress(c.t, DSC_PROGRESS_EPOCH) == 4);
    run_free(&a);
    run_free(&c);
}

/* ---- refusals ------------------------------------------------------------------------ */

/* Refuses load(path) with want and a message with sub; r's state is unchanged
 * (a checkpoint of it is the same file before and after). */
static void refuse_load(run *r, const char *path, dsc_status want, const char *sub) {
    char before[600], after[600];
    snprintf(before, sizeof before, "%s/before.ckpt", dir);
    snprintf(after, sizeof after, "%s/after.ckpt", dir);
    assert_ok(dsc_checkpoint_save(before, r->m, r->opt, r->sched, r->t));
    assert_status(dsc_checkpoint_load(path, r->m, r->opt, r->sched, r->t), want);
    assert_msg(sub);
    assert_ok(dsc_checkpoint_save(after, r->m, r->opt, r->sched, r->t));
    if (!same_file(before, after)) fail_msg("a refused load (%s) changed the state", sub);
}

/* Rewrites the first occurrence of from (same length as to) in a file. */
static void patch(const char *path, const char *from, const char *to) {
    size_t n;
    unsigned char *b = slurp(path, &n);
    size_t len = strlen(from);
    assert_int_equal(len, strlen(to));
    unsigned char *at = NULL;
    for (size_t i = 0; i + len <= n && at == NULL; i++)
        if (memcmp(b + i, from, len) == 0) at = b + i;
    if (at == NULL) fail_msg("'%s' is not in %s", from, path);
    memcpy(at, to, len);
    spit(path, b, n);
    free(b);
}

static void test_refusals(void **state) {
    (void)state;
    const char *good = in_dir("good.ckpt"), *bad = in_dir("bad.ckpt");
    run r, o;
    run_make(&r, 1);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 2));
    assert_ok(dsc_trainer_run(r.t));
    assert_ok(dsc_checkpoint_save(good, r.m, r.opt, r.sched, r.t));
    run_make(&o, 5);
    /* Arguments. */
    assert_status(dsc_checkpoint_save(NULL, r.m, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_checkpoint_save(good, NULL, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_checkpoint_save(bad, r.m, NULL, r.sched, NULL), DSC_E_ARG);
    assert_msg("pass the optimizer it drives");
    assert_status(dsc_checkpoint_save(bad, r.m, o.opt, r.sched, NULL), DSC_E_ARG);
    assert_status(dsc_checkpoint_save(bad, o.m, NULL, NULL, r.t), DSC_E_ARG);
    assert_msg("trains another model");
    assert_status(dsc_checkpoint_save(bad, r.m, o.opt, NULL, r.t), DSC_E_ARG);
    assert_status(dsc_checkpoint_load(NULL, r.m, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_checkpoint_load(good, NULL, NULL, NULL, NULL), DSC_E_ARG);
    assert_status(dsc_checkpoint_load(good, o.m, NULL, NULL, r.t), DSC_E_ARG);
    assert_status(dsc_checkpoint_load(in_dir("none"), r.m, NULL, NULL, NULL), DSC_E_IO);
    dsc_model *unbuilt = NULL;
    assert_ok(dsc_model_new(&unbuilt, NF));
    assert_ok(dsc_model_add_dense(unbuilt, 2, 1));
    assert_status(dsc_checkpoint_save(bad, unbuilt, NULL, NULL, NULL), DSC_E_STATE);
    assert_status(dsc_checkpoint_load(good, unbuilt, NULL, NULL, NULL), DSC_E_STATE);
    dsc_model_free(unbuilt);
    /* The good file loads (nothing below is refused for the wrong reason). */
    assert_ok(dsc_checkpoint_load(good, o.m, o.opt, o.sched, o.t));
    assert_ok(dsc_checkpoint_load(good, o.m, NULL, NULL, NULL)); /* parts may be skipped */

    /* Another architecture. */
    run w;
    memset(&w, 0, sizeof w);
    w.m = net(9, 1);
    refuse_load(&w, good, DSC_E_FORMAT, "layer 0 is dense 3 -> 8 in the file; this model's layer 0 is dense 3 -> 9");
    dsc_model_free(w.m);
    /* Another optimizer kind, another group count. */
    memset(&w, 0, sizeof w);
    w.m = net(8, 1);
    assert_ok(dsc_optimizer_new(&w.opt, DSC_OPTIMIZER_ADAM));
    assert_ok(dsc_optimizer_add_model(w.opt, w.m, NULL));
    refuse_load(&w, good, DSC_E_FORMAT, "holds the state of a NAdam optimizer; this one is Adam");
    dsc_optimizer_free(w.opt);
    static float hp[4], hg[4];
    assert_ok(dsc_optimizer_new(&w.opt, DSC_OPTIMIZER_NADAM));
    assert_ok(dsc_optimizer_add_model(w.opt, w.m, NULL));
    assert_ok(dsc_optimizer_add_params(w.opt, hp, hg, 4, NULL));
    refuse_load(&w, good, DSC_E_FORMAT, "holds 1 optimizer groups; this NAdam has 2");
    /* Another scheduler kind. */
    dsc_optimizer_free(w.opt);
    assert_ok(dsc_optimizer_new(&w.opt, DSC_OPTIMIZER_NADAM));
    assert_ok(dsc_optimizer_add_model(w.opt, w.m, NULL));
    assert_ok(dsc_lr_scheduler_new(&w.sched, DSC_SCHED_COSINE, w.opt));
    assert_ok(dsc_lr_scheduler_set(w.sched, DSC_SCHED_PARAM_T_MAX, 10));
    refuse_load(&w, good, DSC_E_FORMAT, "holds the state of a SequentialLR scheduler; this one is CosineAnnealingLR");
    dsc_lr_scheduler_free(w.sched);
    dsc_optimizer_free(w.opt);
    dsc_model_free(w.m);
    /* Parts asked for but not in the file. */
    assert_ok(dsc_checkpoint_save(bad, r.m, NULL, NULL, NULL));
    refuse_load(&r, bad, DSC_E_FORMAT, "no \"trainer\" metadata: it holds no trainer state (pass NULL for trainer)");
    run part = {0};
    part.m = r.m;
    part.opt = r.opt;
    refuse_load(&part, bad, DSC_E_FORMAT, "no \"optimizer\" metadata: it holds no optimizer state");
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, NULL, NULL));
    part.sched = r.sched;
    refuse_load(&part, bad, DSC_E_FORMAT, "no \"scheduler\" metadata");
    /* A model file is not a checkpoint. */
    assert_ok(dsc_model_save(r.m, bad));
    refuse_load(&r, bad, DSC_E_FORMAT, "is a model file, not a checkpoint");
    /* A newer format version. */
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\"format_version\":\"1\"", "\"format_version\":\"7\"");
    refuse_load(&r, bad, DSC_E_FORMAT, "written by a newer descent (format version 7");
    /* A hyperparameter out of range, a step count that is not an integer. */
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\\\"beta2\\\":0.999", "\\\"beta2\\\":1.999");
    refuse_load(&r, bad, DSC_E_FORMAT, "optimizer defaults: beta2 is 1.999; it must be");
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\\\"step\\\":6", "\\\"step\\\":-");
    refuse_load(&r, bad, DSC_E_FORMAT, "not valid JSON");
    /* A NaN in an optimizer buffer. */
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    {
        size_t n;
        unsigned char *b = slurp(bad, &n);
        const char *key = "\"optimizer.0.exp_avg\":{\"dtype\":\"F32\",\"shape\":[";
        char *h = strstr((char *)b + 8, key);
        assert_non_null(h);
        char *offs = strstr(h, "\"data_offsets\":[");
        assert_non_null(offs);
        unsigned long begin = strtoul(offs + 16, NULL, 10);
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | b[i];
        float nan = NAN;
        memcpy(b + 8 + hl + begin + 8, &nan, 4);
        spit(bad, b, n);
        free(b);
    }
    refuse_load(&r, bad, DSC_E_FORMAT, "\"optimizer.0.exp_avg\" element 2 is nan");
    /* Another data set size for a run to resume: saved mid-run. */
    run s;
    run_make(&s, 1);
    s.stop_step = 2;
    s.stop_epoch = -1;
    s.save_to = bad;
    assert_ok(dsc_trainer_set_step_callback(s.t, on_step, &s));
    assert_ok(dsc_trainer_run(s.t));
    run small;
    run_make(&small, 1);
    dsc_trainer_free(small.t);
    dsc_dataset_free(small.train);
    assert_ok(dsc_dataset_new_targets(&small.train, xs, ys, 11, NF, NO, DSC_DATASET_BORROW));
    assert_ok(dsc_trainer_new(&small.t, small.m, small.loss, small.opt, small.train));
    assert_ok(dsc_trainer_set_scheduler(small.t, small.sched));
    assert_ok(dsc_trainer_set_validation(small.t, small.val));
    refuse_load(&small, bad, DSC_E_FORMAT, "the run to resume trained on 12 samples; this trainer's data set has 11");
    run_free(&small);
    run_free(&s);
    /* An unexpected tensor under a checkpoint prefix. */
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\"optimizer.0.exp_avg_sq\"", "\"optimizer.0.exp_avg_sX\"");
    refuse_load(&r, bad, DSC_E_FORMAT, "unexpected tensor \"optimizer.0.exp_avg_sX\"");
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\"rng.dropout.2\"", "\"rng.dropout.1\"");
    refuse_load(&r, bad, DSC_E_FORMAT, "unexpected tensor \"rng.dropout.1\"");
    assert_ok(dsc_checkpoint_save(bad, r.m, r.opt, r.sched, r.t));
    patch(bad, "\"rng.trainer\"", "\"rng.trainex\"");
    refuse_load(&r, bad, DSC_E_FORMAT, "unexpected tensor \"rng.trainex\"");
    run_free(&o);
    run_free(&r);
}

/* ---- nothing lost: a failure of every file operation in turn -------------------------- */

static void test_save_survives_every_failure(void **state) {
    (void)state;
    const char *path = in_dir("safe.ckpt"), *copy = in_dir("copy.ckpt"), *newer = in_dir("new.ckpt");
    run r;
    run_make(&r, 1);
    assert_ok(dsc_trainer_set(r.t, DSC_TRAINER_PARAM_EPOCHS, 1));
    assert_ok(dsc_trainer_run(r.t));
    assert_ok(dsc_checkpoint_save(path, r.m, r.opt, r.sched, r.t));
    assert_ok(dsc_checkpoint_save(copy, r.m, r.opt, r.sched, r.t));
    assert_ok(dsc_trainer_run(r.t)); /* the state moves on */
    assert_ok(dsc_checkpoint_save(newer, r.m, r.opt, r.sched, r.t));
    assert_false(same_file(copy, newer));
    long k = 1, ops = 0;
    for (;; k++) {
        dsc__io_fault(k);
        dsc__error_clear();
        dsc_status s = dsc_checkpoint_save(path, r.m, r.opt, r.sched, r.t);
        ops = dsc__io_fault(0);
        assert_int_equal(temp_files(), 0);
        if (s == DSC_OK) break;
        assert_int_equal(s, DSC_E_IO);
        assert_true(dsc_last_error()[0] != '\0');
        /* The file is the old one, whole, or (the directory sync after the
         * rename failed) the complete new one. */
        if (strstr(dsc_last_error(), "directory could not be synced") != NULL) {
            assert_true(same_file(path, newer));
            size_t n; /* put the old one back for the next round */
            unsigned char *b = slurp(copy, &n);
            spit(path, b, n);
            free(b);
        } else {
            if (!same_file(path, copy)) fail_msg("failing operation %ld destroyed the old file (%s)", k, dsc_last_error());
        }
        run o;
        run_make(&o, 3);
        assert_ok(dsc_checkpoint_load(path, o.m, o.opt, o.sched, o.t));
        run_free(&o);
    }
    assert_true(k > 5); /* open, writes, fsync, close, rename, directory */
    assert_int_equal(ops, k - 1);
    assert_true(same_file(path, newer));
    /* A read that fails: DSC_E_IO and nothing changed. */
    dsc__io_fault(2);
    dsc_status s = dsc_checkpoint_load(path, r.m, r.opt, r.sched, r.t);
    dsc__io_fault(0);
    assert_int_equal(s, DSC_E_IO);
    run_free(&r);
}

/* ---- every allocation of a load fails in turn ------------------------------------------ */

static void test_load_alloc_failures(void **state) {
    (void)state;
    const char *path = in_dir("alloc.ckpt"), *before = in_dir("alloc_before.ckpt"),
               *after = in_dir("alloc_after.ckpt"), *model = in_dir("alloc.safetensors");
    run r, o;
    run_make(&r, 1);
    r.stop_step = 5;
    r.stop_epoch = -1;
    r.save_to = path;
    assert_ok(dsc_trainer_set_step_callback(r.t, on_step, &r));
    assert_ok(dsc_trainer_run(r.t));
    assert_ok(dsc_model_save(r.m, model));
    run_make(&o, 2);
    assert_ok(dsc_checkpoint_save(before, o.m, o.opt, o.sched, o.t));
    int loaded = 0;
    for (long k = 1; k < 200 && !loaded; k++) {
        harness_alloc_install(k);
        dsc_status s = dsc_checkpoint_load(path, o.m, o.opt, o.sched, o.t);
        harness_alloc_uninstall();
        if (s == DSC_OK) {
            loaded = 1;
            break;
        }
        assert_int_equal(s, DSC_E_NOMEM);
        assert_ok(dsc_checkpoint_save(after, o.m, o.opt, o.sched, o.t));
        if (!same_file(before, after)) fail_msg("allocation %ld failing changed the state", k);
    }
    assert_true(loaded);
    /* Model load and save, under every failing allocation: no leak. */
    int done = 0;
    for (long k = 1; k < 200 && !done; k++) {
        dsc_model *m = (dsc_model *)(uintptr_t)1;
        harness_alloc_install(k);
        dsc_status s = dsc_model_load(&m, model, 4);
        if (s == DSC_OK) {
            done = 1;
            dsc_model_free(m);
        } else {
            assert_int_equal(s, DSC_E_NOMEM);
            assert_null(m);
        }
        assert_int_equal(harness_alloc_live(), 0);
        harness_alloc_uninstall();
    }
    assert_true(done);
    done = 0;
    for (long k = 1; k < 200 && !done; k++) {
        harness_alloc_install(k);
        dsc_status s = dsc_checkpoint_save(in_dir("alloc_save.ckpt"), r.m, r.opt, r.sched, r.t);
        long live = harness_alloc_live();
        harness_alloc_uninstall();
        assert_int_equal(live, 0);
        assert_int_equal(temp_files(), 0);
        if (s == DSC_OK) done = 1;
        else assert_int_equal(s, DSC_E_NOMEM);
    }
    assert_true(done);
    run_free(&r);
    run_free(&o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_model_round_trip_gelu_tanh),
        cmocka_unit_test(test_model_save_load_errors),
        cmocka_unit_test(test_load_weights_pytorch_file),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_resume_every_optimizer),
        cmocka_unit_test(test_resume_rprop_before_first_step),
        cmocka_unit_test(test_resume_every_scheduler),
        cmocka_unit_test(test_resume_trainer_mid_epoch),
        cmocka_unit_test(test_resume_trainer_after_epoch),
        cmocka_unit_test(test_resume_trainer_between_runs),
        cmocka_unit_test(test_resume_needs_same_batches),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_save_survives_every_failure),
        cmocka_unit_test_teardown(test_load_alloc_failures, harness_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
