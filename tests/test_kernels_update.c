/* Every fused update kernel of every ISA this CPU runs, against the scalar
 * reference (checkasm style): sizes 0..67 and a few large ones, misaligned
 * starts, several flag combinations, canaries past every output.
 * Tolerance: none. The kernels use no FMA and the same correctly rounded
 * operations in the same order on every ISA (kernels.h), so outputs must be
 * bit-identical to scalar (NaN compared as NaN). Each update's check
 * (check_X) runs first on the same inputs: it must write nothing and answer
 * 1 exactly when every value the update then writes is finite, on every
 * ISA; some cases plant an element whose update overflows. */
#include "harness.h"
#include "kernels/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 16
#define MAXN 4099
#define NBUF 5 /* p and up to three state buffers, plus g */

static const float canary_value = -88.0f; /* dav1d's 0x88 spirit */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static float frand(float lo, float hi) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((double)(rng_state >> 40) / 16777216.0);
}

enum { K_SGD, K_ADAGRAD, K_RMSPROP, K_ADAM, K_ADADELTA, K_ADAMAX, K_NADAM, K_RADAM, K_RPROP,
       K_COUNT };
static const char *const knames[K_COUNT] = {"sgd", "adagrad", "rmsprop", "adam", "adadelta",
                                            "adamax", "nadam", "radam", "rprop"};

static void call(const dsc_kernels *k, int which, size_t n, float **b, const float *g,
                 const dsc_update_args *a) {
    switch (which) {
    case K_SGD: k->update_sgd(n, b[0], g, b[1], a); break;
    case K_ADAGRAD: k->update_adagrad(n, b[0], g, b[1], a); break;
    case K_RMSPROP: k->update_rmsprop(n, b[0], g, b[1], b[2], b[3], a); break;
    case K_ADAM: k->update_adam(n, b[0], g, b[1], b[2], b[3], a); break;
    case K_ADADELTA: k->update_adadelta(n, b[0], g, b[1], b[2], a); break;
    case K_ADAMAX: k->update_adamax(n, b[0], g, b[1], b[2], a); break;
    case K_NADAM: k->update_nadam(n, b[0], g, b[1], b[2], a); break;
    case K_RPROP: k->update_rprop(n, b[0], g, b[1], b[2], a); break;
    default: k->update_radam(n, b[0], g, b[1], b[2], a); break;
    }
}

static void make_args(dsc_update_args *a, int variant) {
    memset(a, 0, sizeof *a);
    a->gscale = (variant & 1) ? 0.71f : 1.0f;
    a->gclip = (variant & 2) ? 0.5f : INFINITY;
    a->gsign = (variant & 4) ? -1.0f : 1.0f;
    a->lr = 0.013f;
    a->weight_decay = (variant & 8) ? 0.1f : 0.0f;
    a->momentum = (variant & 16) ? 0.0f : 0.9f;
    a->one_m_dampening = 0.8f;
    a->beta1 = 0.9f;
    a->one_m_beta1 = 0.1f;
    a->beta2 = 0.999f;
    a->one_m_beta2 = 0.001f;
    a->eps = 1e-8f;
    a->c0 = 0.011f;
    a->c1 = 0.999f;
    a->c2 = 0.31f;
    /* step sizes start in [0.05, 2]: both bounds clamp some of them */
    a->etaminus = 0.5f;
    a->etaplus = 1.2f;
    a->step_min = 0.1f;
    a->step_max = 1.5f;
    a->nesterov = (variant & 32) != 0;
    a->first_step = (variant & 64) != 0;
    a->amsgrad = (variant & 128) != 0;
    a->centered = (variant & 128) != 0;
    a->decoupled = (variant & 32) != 0;
    a->rectify = (variant & 64) == 0;
}

static int call_check(const dsc_kernels *k, int which, size_t n, float *const *b, const float *g,
                      const dsc_update_args *a) {
    switch (which) {
    case K_SGD: return k->check_sgd(n, b[0], g, b[1], a);
    case K_ADAGRAD: return k->check_adagrad(n, b[0], g, b[1], a);
    case K_RMSPROP: return k->check_rmsprop(n, b[0], g, b[1], b[2], b[3], a);
    case K_ADAM: return k->check_adam(n, b[0], g, b[1], b[2], b[3], a);
    case K_ADADELTA: return k->check_adadelta(n, b[0], g, b[1], b[2], a);
    case K_ADAMAX: return k->check_adamax(n, b[0], g, b[1], b[2], a);
    case K_NADAM: return k->check_nadam(n, b[0], g, b[1], b[2], a);
    case K_RPROP: return k->check_rprop(n, b[0], g, b[1], b[2], a);
    default: return k->check_radam(n, b[0], g, b[1], b[2], a);
    }
}

static int same(float x, float y) {
    return memcmp(&x, &y, sizeof x) == 0 || (isnan(x) && isnan(y));
}

static float *bufs_ref[NBUF], *bufs_isa[NBUF];
static long planted[2]; /* planted cases by verdict */

static float *bufs_copy[NBUF];

/* plant < n: element plant gets a parameter and a gradient of 3e38, whose
 * update overflows on most kinds and variants (g*g, p - lr*g, g + wd*p...). */
static void check_kernel_at(const dsc_kernels *ref, const dsc_kernels *isa, int which, size_t n,
                            size_t off, int variant, size_t plant) {
    dsc_update_args a;
    make_args(&a, variant);
    /* b[0] = p, b[1..3] = state, b[4] = g; states nonnegative where the
     * optimizer keeps squares, grad_avg small so the centered variance is > 0 */
    for (int j = 0; j < NBUF; j++) {
        for (size_t i = 0; i < n + CANARY; i++) {
            float v = canary_value;
            if (i < n) {
                if (j == 0) v = frand(-2.0f, 2.0f);
                else if (j == 4) v = frand(-3.0f, 3.0f);
                else if (which == K_SGD || (which == K_RMSPROP && j == 3) ||
                         ((which == K_ADAM || which == K_ADAMAX || which == K_NADAM ||
                           which == K_RADAM) && j == 1))
                    v = frand(-1.0f, 1.0f);
                else if (which == K_RMSPROP && j == 2)
                    v = frand(-0.01f, 0.01f);
                else if (which == K_RPROP && j == 1)
                    v = frand(-1.0f, 1.0f);
                else
                    v = frand(0.05f, 2.0f);
                /* Rprop: zero gradients and zero prev (the third case of the
                 * sign), at positions that drift across lanes and the tail */
                if (which == K_RPROP && ((j == 4 && i % 7 == 3) || (j == 1 && i % 5 == 1)))
                    v = 0.0f;
            }
            if (i == plant && (j == 0 || j == 4)) v = 3e38f;
            bufs_ref[j][off + i] = v;
            bufs_isa[j][off + i] = v;
            bufs_copy[j][off + i] = v;
        }
    }
    float *br[4] = {bufs_ref[0] + off, bufs_ref[1] + off, bufs_ref[2] + off, bufs_ref[3] + off};
    float *bi[4] = {bufs_isa[0] + off, bufs_isa[1] + off, bufs_isa[2] + off, bufs_isa[3] + off};
    const int vref = call_check(ref, which, n, br, bufs_ref[4] + off, &a);
    const int visa = call_check(isa, which, n, bi, bufs_isa[4] + off, &a);
    for (int j = 0; j < NBUF; j++)
        if (memcmp(bufs_isa[j] + off, bufs_copy[j] + off, (n + CANARY) * sizeof(float)) != 0 ||
            memcmp(bufs_ref[j] + off, bufs_copy[j] + off, (n + CANARY) * sizeof(float)) != 0)
            fail_msg("%s check_%s variant %d n %zu: wrote buffer %d", isa->isa, knames[which],
                     variant, n, j);
    if (vref != visa)
        fail_msg("%s check_%s variant %d n %zu plant %zu: %d, scalar %d", isa->isa, knames[which],
                 variant, n, plant, visa, vref);
    call(ref, which, n, br, bufs_ref[4] + off, &a);
    call(isa, which, n, bi, bufs_isa[4] + off, &a);
    int finite = 1;
    for (int j = 0; j < 4; j++)
        for (size_t i = 0; i < n; i++) finite &= isfinite(bufs_ref[j][off + i]) != 0;
    if (vref != finite)
        fail_msg("check_%s variant %d n %zu plant %zu: says %d, the update wrote %s values",
                 knames[which], variant, n, plant, vref, finite ? "only finite" : "non-finite");
    if (plant < n) planted[vref]++;
    for (int j = 0; j < NBUF; j++) {
        for (size_t i = 0; i < n; i++)
            if (!same(bufs_ref[j][off + i], bufs_isa[j][off + i]))
                fail_msg("%s update_%s variant %d n %zu offset %zu: buffer %d [%zu] is %.9g, "
                         "scalar %.9g", isa->isa, knames[which], variant, n, off, j, i,
                         (double)bufs_isa[j][off + i], (double)bufs_ref[j][off + i]);
        for (size_t i = n; i < n + CANARY; i++)
            if (bufs_isa[j][off + i] != canary_value || bufs_ref[j][off + i] != canary_value)
                fail_msg("%s update_%s n %zu: wrote past the end of buffer %d", isa->isa,
                         knames[which], n, j);
    }
}

static void check_kernel(const dsc_kernels *ref, const dsc_kernels *isa, int which, size_t n,
                         size_t off, int variant) {
    check_kernel_at(ref, isa, which, n, off, variant, (size_t)-1);
}

static void alloc_bufs(void) {
    for (int j = 0; j < NBUF; j++) {
        bufs_ref[j] = malloc((MAXN + CANARY + 4) * sizeof(float));
        bufs_isa[j] = malloc((MAXN + CANARY + 4) * sizeof(float));
        bufs_copy[j] = malloc((MAXN + CANARY + 4) * sizeof(float));
        assert_non_null(bufs_ref[j]);
        assert_non_null(bufs_isa[j]);
        assert_non_null(bufs_copy[j]);
    }
}

static void free_bufs(void) {
    for (int j = 0; j < NBUF; j++) {
        free(bufs_ref[j]);
        free(bufs_isa[j]);
        free(bufs_copy[j]);
    }
}

static void test_kernels_update_every_isa_matches_scalar(void **state) {
    (void)state;
    const dsc_kernels *ref = dsc__kernels_for(DSC_ISA_SCALAR);
    assert_non_null(ref);
    alloc_bufs();
    static const size_t big[] = {257, 1031, MAXN};
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *isa = dsc__kernels_for((dsc_isa_id)id);
        if (isa == NULL) continue;
        for (int which = 0; which < K_COUNT; which++) {
            for (int variant = 0; variant < 256; variant += 1 + (variant % 7)) {
                for (size_t n = 0; n <= 67; n++) check_kernel(ref, isa, which, n, n % 4, variant);
                for (size_t b = 0; b < sizeof big / sizeof big[0]; b++)
                    for (size_t off = 0; off < 4; off += 3)
                        check_kernel(ref, isa, which, big[b], off, variant);
            }
        }
    }
    free_bufs();
}

/* One element whose update overflows, at every position of small sizes
 * (each lane, the tail) and of a large one: every ISA's check finds it,
 * agrees with scalar and with what the update writes. */
static void test_kernels_update_check_finds_overflow(void **state) {
    (void)state;
    const dsc_kernels *ref = dsc__kernels_for(DSC_ISA_SCALAR);
    alloc_bufs();
    planted[0] = planted[1] = 0;
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *isa = dsc__kernels_for((dsc_isa_id)id);
        if (isa == NULL) continue;
        for (int which = 0; which < K_COUNT; which++)
            for (int variant = 0; variant < 256; variant += 1 + (variant % 11)) {
                for (size_t n = 1; n <= 37; n++)
                    for (size_t at = 0; at < n; at += 1 + n / 8)
                        check_kernel_at(ref, isa, which, n, n % 4, variant, at);
                check_kernel_at(ref, isa, which, 1031, 1, variant, 1030);
                check_kernel_at(ref, isa, which, 1031, 1, variant, 517);
            }
    }
    /* the plants did overflow (and some updates absorbed them: Adamax's u) */
    assert_true(planted[0] > planted[1]);
    free_bufs();
}

/* n = 0 touches no memory at all: NULL pointers are fine. */
static void test_kernels_update_empty_touches_nothing(void **state) {
    (void)state;
    dsc_update_args a;
    make_args(&a, 0);
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        float *none[4] = {NULL, NULL, NULL, NULL};
        for (int which = 0; which < K_COUNT; which++) {
            call(k, which, 0, none, NULL, &a);
            assert_int_equal(call_check(k, which, 0, none, NULL, &a), 1);
        }
    }
}

/* Unused state buffers may be NULL (momentum 0, not centered, no amsgrad). */
static void test_kernels_update_unused_buffers_may_be_null(void **state) {
    (void)state;
    float p[19], g[19], s1[19], s2[19];
    for (int i = 0; i < 19; i++) { p[i] = 0.5f; g[i] = 0.25f; s1[i] = 0.1f; s2[i] = 0.2f; }
    dsc_update_args a;
    make_args(&a, 16); /* momentum 0, no amsgrad/centered */
    for (int id = DSC_ISA_SCALAR; id < DSC_ISA_COUNT; id++) {
        const dsc_kernels *k = dsc__kernels_for((dsc_isa_id)id);
        if (k == NULL) continue;
        k->update_sgd(19, p, g, NULL, &a);
        k->update_rmsprop(19, p, g, s1, NULL, NULL, &a);
        k->update_adam(19, p, g, s1, s2, NULL, &a);
        assert_true(isfinite(p[18]));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_update_every_isa_matches_scalar),
        cmocka_unit_test(test_kernels_update_check_finds_overflow),
        cmocka_unit_test(test_kernels_update_empty_touches_nothing),
        cmocka_unit_test(test_kernels_update_unused_buffers_may_be_null),
    };
    return cmocka_run_group_tests_name("kernels_update", tests, NULL, NULL);
}
