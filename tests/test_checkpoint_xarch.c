/* Files move between machines as they are (issue 11): the byte order and
 * alignment of model files and checkpoints are the format's, not the
 * machine's. tests/data/xarch_model.safetensors and
 * tests/data/xarch_checkpoint.safetensors were written on x86-64 by this
 * program (`test_checkpoint_xarch gen tests/data`); every value they hold is
 * pinned below as IEEE-754 bits. With no argument this is a CMocka test, run
 * natively by make check and under qemu-aarch64 by make check-neon: it reads
 * the checked-in files and checks every bit, then writes files of its own and
 * reads them back. tests/check_xarch.sh runs `write DIR` on one architecture
 * and `read DIR` on the other, both ways: every architecture reads the
 * other's files.
 *
 * The model: 3 -> dense 4 (bias) -> tanh -> dense 2 (bias), Xavier-uniform
 * weights and PyTorch-default biases from seed XA_SEED (dsc_model_init draws
 * the same numbers on every machine). The checkpoint: that model and an Adam
 * optimizer after two steps on fixed gradients. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XA_SEED 20261206u
#define XA_NPARAM 26
#define XA_BATCH 4
#define XA_MODEL "xarch_model.safetensors"
#define XA_CKPT "xarch_checkpoint.safetensors"

/* The inputs of the prediction check and the gradients of the generator's steps. */
static const float xa_x[XA_BATCH * 3] = {0.5f,  -1.0f, 0.25f, 1.5f, 0.75f, -0.5f,
                                         -2.0f, 0.125f, 1.0f, 0.0f, -0.25f, 3.0f};
static const float xa_dy[XA_BATCH * 2] = {0.25f, -0.5f, 1.0f, 0.125f, -0.75f, 0.5f, 0.0625f, -1.0f};

/* ---- pinned values (printed by `gen`) ------------------------------------- */
#include "data/xarch_expected.h"

/* ---- helpers (plain C: used by the CMocka tests and the read/write modes) -- */

static int xa_failed;

static void xa_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xarch: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    xa_failed = 1;
}

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void check_bits(const char *what, const float *got, const uint32_t *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (bits(got[i]) != want[i]) {
            xa_fail("%s[%zu]: bits 0x%08x, expected 0x%08x", what, i, (unsigned)bits(got[i]),
                    (unsigned)want[i]);
            return;
        }
}

static dsc_model *build_model(void) {
    dsc_model *m = NULL;
    if (dsc_model_new(&m, 3) != DSC_OK || dsc_model_add_dense(m, 4, 1) != DSC_OK ||
        dsc_model_add_activation(m, DSC_ACTIVATION_TANH) != DSC_OK || dsc_model_add_dense(m, 2, 1) != DSC_OK ||
        dsc_model_build(m, XA_BATCH) != DSC_OK) {
        xa_fail("building the model: %s", dsc_last_error());
        dsc_model_free(m);
        return NULL;
    }
    return m;
}

static dsc_optimizer *build_adam(dsc_model *m) {
    dsc_optimizer *opt = NULL;
    size_t group;
    if (dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM) != DSC_OK ||
        dsc_optimizer_add_model(opt, m, &group) != DSC_OK) {
        xa_fail("building the optimizer: %s", dsc_last_error());
        dsc_optimizer_free(opt);
        return NULL;
    }
    return opt;
}

static void join(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

static void check_params(const char *what, dsc_model *m, const uint32_t *want) {
    size_t n = 0;
    float *p = NULL;
    if (dsc_model_param_count(m, &n) != DSC_OK || n != XA_NPARAM || dsc_model_params(m, &p) != DSC_OK) {
        xa_fail("%s: %zu parameters (%s)", what, n, dsc_last_error());
        return;
    }
    check_bits(what, p, want, XA_NPARAM);
}

/* The prediction goes through the kernels, whose sums may be ordered
 * differently on each kernel set: close, not bitwise. */
static void check_prediction(dsc_model *m) {
    float y[XA_BATCH * 2];
    if (dsc_model_predict(m, xa_x, XA_BATCH, y) != DSC_OK) {
        xa_fail("predict: %s", dsc_last_error());
        return;
    }
    for (size_t i = 0; i < XA_BATCH * 2; i++) {
        float want;
        memcpy(&want, &xa_prediction[i], sizeof want);
        if (!(fabsf(y[i] - want) <= 1e-5f + 1e-5f * fabsf(want)))
            xa_fail("prediction[%zu]: %.9g, expected %.9g", i, (double)y[i], (double)want);
    }
}

/* Reads the model file at @p path three ways and checks every bit. */
static void verify_model_file(const char *path) {
    dsc_model *m = NULL;
    if (dsc_model_load(&m, path, XA_BATCH) != DSC_OK) {
        xa_fail("dsc_model_load(%s): %s", path, dsc_last_error());
        return;
    }
    check_params("model file parameters", m, xa_model_params);
    check_prediction(m);
    dsc_model_free(m);

    m = build_model();
    if (m == NULL) return;
    if (dsc_model_load_weights(m, path) != DSC_OK)
        xa_fail("dsc_model_load_weights(%s): %s", path, dsc_last_error());
    else
        check_params("model file parameters (load_weights)", m, xa_model_params);
    dsc_model_free(m);
}

/* Reads the checkpoint at @p path and checks every bit of the model and Adam. */
static void verify_checkpoint(const char *path) {
    dsc_model *m = build_model();
    dsc_optimizer *opt = m ? build_adam(m) : NULL;
    if (opt == NULL) goto done;
    if (dsc_checkpoint_load(path, m, opt, NULL, NULL) != DSC_OK) {
        xa_fail("dsc_checkpoint_load(%s): %s", path, dsc_last_error());
        goto done;
    }
    check_params("checkpoint parameters", m, xa_ckpt_params);
    uint64_t steps = 0;
    if (dsc_optimizer_group_step_count(opt, 0, &steps) != DSC_OK || steps != xa_ckpt_steps)
        xa_fail("checkpoint step count %llu, expected %llu", (unsigned long long)steps,
                (unsigned long long)xa_ckpt_steps);
    size_t count = 0;
    if (dsc_optimizer_state_count(opt, &count) != DSC_OK || count < 2) {
        xa_fail("optimizer state count %zu", count);
        goto done;
    }
    for (size_t k = 0; k < 2; k++) {
        float buf[XA_NPARAM];
        int in_use = 0;
        if (dsc_optimizer_state_in_use(opt, 0, k, &in_use) != DSC_OK || !in_use ||
            dsc_optimizer_state_get(opt, 0, k, buf, XA_NPARAM) != DSC_OK) {
            xa_fail("optimizer state %zu: in use %d (%s)", k, in_use, dsc_last_error());
            continue;
        }
        check_bits(k == 0 ? "checkpoint exp_avg" : "checkpoint exp_avg_sq", buf, xa_ckpt_state[k],
                   XA_NPARAM);
    }
done:
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

static void verify_dir(const char *dir) {
    char path[1024];
    join(path, sizeof path, dir, XA_MODEL);
    verify_model_file(path);
    join(path, sizeof path, dir, XA_CKPT);
    verify_checkpoint(path);
}

/* Writes this machine's files into @p dir: the model drawn from the seed
 * here, and the checked-in checkpoint loaded and saved again (no arithmetic,
 * so the values must come back bit for bit on the other machine). */
static void write_dir(const char *dir) {
    char path[1024];
    dsc_model *m = build_model();
    if (m == NULL) return;
    if (dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, XA_SEED) != DSC_OK)
        xa_fail("init: %s", dsc_last_error());
    join(path, sizeof path, dir, XA_MODEL);
    if (dsc_model_save(m, path) != DSC_OK) xa_fail("dsc_model_save(%s): %s", path, dsc_last_error());
    dsc_model_free(m);

    m = build_model();
    dsc_optimizer *opt = m ? build_adam(m) : NULL;
    if (opt != NULL) {
        if (dsc_checkpoint_load(DSC_SOURCE_DIR "/tests/data/" XA_CKPT, m, opt, NULL, NULL) != DSC_OK)
            xa_fail("loading the checked-in checkpoint: %s", dsc_last_error());
        join(path, sizeof path, dir, XA_CKPT);
        if (dsc_checkpoint_save(path, m, opt, NULL, NULL) != DSC_OK)
            xa_fail("dsc_checkpoint_save(%s): %s", path, dsc_last_error());
    }
    dsc_optimizer_free(opt);
    dsc_model_free(m);
}

/* Writes the checked-in files (on x86-64) and prints xarch_expected.h. */
static void print_array(const char *name, const float *v, size_t n) {
    printf("static const uint32_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++) printf("%s0x%08xu", i == 0 ? "\n    " : i % 6 ? ", " : ",\n    ", (unsigned)bits(v[i]));
    printf("};\n");
}

static int gen(const char *dir) {
    char path[1024];
    dsc_model *m = build_model();
    if (m == NULL) return 1;
    if (dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, XA_SEED) != DSC_OK) return 1;
    join(path, sizeof path, dir, XA_MODEL);
    if (dsc_model_save(m, path) != DSC_OK) return 1;
    float *p = NULL, y[XA_BATCH * 2];
    dsc_model_params(m, &p);
    printf("/* Written by `test_checkpoint_xarch gen tests/data` on x86-64: the values of\n"
           " * tests/data/" XA_MODEL " and tests/data/" XA_CKPT " as IEEE-754 bits. */\n");
    print_array("xa_model_params", p, XA_NPARAM);
    if (dsc_model_predict(m, xa_x, XA_BATCH, y) != DSC_OK) return 1;
    print_array("xa_prediction", y, XA_BATCH * 2);

    dsc_optimizer *opt = build_adam(m);
    if (opt == NULL) return 1;
    for (int s = 0; s < 2; s++) {
        const float *out;
        if (dsc_model_forward(m, xa_x, XA_BATCH, &out) != DSC_OK ||
            dsc_model_backward(m, xa_dy, XA_BATCH) != DSC_OK || dsc_optimizer_step(opt) != DSC_OK ||
            dsc_model_zero_grad(m) != DSC_OK)
            return 1;
    }
    join(path, sizeof path, dir, XA_CKPT);
    if (dsc_checkpoint_save(path, m, opt, NULL, NULL) != DSC_OK) return 1;
    print_array("xa_ckpt_params", p, XA_NPARAM);
    uint64_t steps = 0;
    dsc_optimizer_group_step_count(opt, 0, &steps);
    printf("static const uint64_t xa_ckpt_steps = %llu;\n", (unsigned long long)steps);
    float st[2][XA_NPARAM];
    for (size_t k = 0; k < 2; k++) dsc_optimizer_state_get(opt, 0, k, st[k], XA_NPARAM);
    printf("static const uint32_t xa_ckpt_state[2][%d] = {", XA_NPARAM);
    for (size_t k = 0; k < 2; k++) {
        printf("{");
        for (size_t i = 0; i < XA_NPARAM; i++)
            printf("%s0x%08xu", i == 0 ? "\n    " : i % 6 ? ", " : ",\n    ", (unsigned)bits(st[k][i]));
        printf("}%s", k ? "" : ",");
    }
    printf("};\n");
    dsc_optimizer_free(opt);
    dsc_model_free(m);
    return 0;
}

/* ---- CMocka tests --------------------------------------------------------- */

static void test_reads_x86_model_file(void **state) {
    (void)state;
    xa_failed = 0;
    verify_model_file(DSC_SOURCE_DIR "/tests/data/" XA_MODEL);
    assert_int_equal(xa_failed, 0);
}

static void test_reads_x86_checkpoint(void **state) {
    (void)state;
    xa_failed = 0;
    verify_checkpoint(DSC_SOURCE_DIR "/tests/data/" XA_CKPT);
    assert_int_equal(xa_failed, 0);
}

/* dsc_model_init draws the pinned numbers on this machine too. */
static void test_seed_gives_pinned_weights(void **state) {
    (void)state;
    xa_failed = 0;
    dsc_model *m = build_model();
    assert_non_null(m);
    assert_int_equal(dsc_model_init(m, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_PYTORCH_DEFAULT, XA_SEED), DSC_OK);
    check_params("seeded parameters", m, xa_model_params);
    dsc_model_free(m);
    assert_int_equal(xa_failed, 0);
}

/* The header of the checked-in files: an 8-byte little-endian length, data
 * aligned to 8 bytes (docs/checkpoint.md), read byte by byte here. */
static void test_checked_in_layout(void **state) {
    (void)state;
    const char *names[] = {"tests/data/" XA_MODEL, "tests/data/" XA_CKPT};
    for (size_t f = 0; f < 2; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", DSC_SOURCE_DIR, names[f]);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        unsigned char h[9];
        assert_int_equal(fread(h, 1, 9, fp), 9);
        fclose(fp);
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--) n = (n << 8) | h[i];
        assert_true(n > 0 && n < 100000);
        assert_int_equal((8 + n) % 8, 0);
        assert_int_equal(h[8], '{');
    }
}

static void test_writes_and_reads_back(void **state) {
    (void)state;
    char dir[] = "/tmp/dsc_xarch_XXXXXX";
    assert_non_null(mkdtemp(dir));
    xa_failed = 0;
    write_dir(dir);
    verify_dir(dir);
    char path[1024];
    join(path, sizeof path, dir, XA_MODEL);
    unlink(path);
    join(path, sizeof path, dir, XA_CKPT);
    unlink(path);
    rmdir(dir);
    assert_int_equal(xa_failed, 0);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "gen") == 0) return gen(argv[2]);
    if (argc == 3 && strcmp(argv[1], "write") == 0) {
        write_dir(argv[2]);
        return xa_failed;
    }
    if (argc == 3 && strcmp(argv[1], "read") == 0) {
        verify_dir(argv[2]);
        if (!xa_failed) printf("xarch: every value of %s matches bit for bit\n", argv[2]);
        return xa_failed;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: %s [gen DIR | write DIR | read DIR]\n", argv[0]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_x86_model_file),
        cmocka_unit_test(test_reads_x86_checkpoint),
        cmocka_unit_test(test_seed_gives_pinned_weights),
        cmocka_unit_test(test_checked_in_layout),
        cmocka_unit_test(test_writes_and_reads_back),
    };
    return cmocka_run_group_tests_name("checkpoint_xarch", tests, NULL, NULL);
}
