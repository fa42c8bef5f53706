/* Fuzz target: the scheduler state loader (dsc_lr_scheduler_state_load)
 * over every kind, containers with their children included.
 *
 * Input: the configuration of an optimizer and a scheduler (tests/fuzz/
 * objects.h), read twice from the same bytes to build a source pair and a
 * destination pair; the steps each takes (metrics from the bytes); then the
 * state to load: the source's saved state with patched doubles, raw doubles
 * from the bytes, or the saved state as it is; then the steps taken after.
 *
 * Invariants: every call returns a known status, with a message on failure;
 * a refused load or step changes nothing (the scheduler's saved state and
 * settings, the optimizer's hyperparameters, state and the host's arrays);
 * an accepted load gives back, through dsc_lr_scheduler_state_save, the
 * state loaded, and (started) puts its lrs into the optimizer. */
#include "objects.h"

typedef struct pair {
    fz_arrays a;
    dsc_optimizer *opt;
    dsc_lr_scheduler *s;
} pair;

static void build(fz *f, pair *p) {
    p->opt = fz_make_optimizer(f, &p->a);
    p->s = fz_make_sched(f, p->opt, 0);
}

static void release(pair *p) {
    dsc_lr_scheduler_free(p->s);
    dsc_optimizer_free(p->opt);
}

/* One step; a refusal must change nothing. */
static void step(fz *f, pair *p) {
    fz_sched_snap before, after;
    fz_opt_snap obefore, oafter;
    fz_sched_snapshot(p->s, &before);
    fz_opt_snapshot(p->opt, &p->a, &obefore);
    const int metric = fz_u8(f) & 1;
    const double m = metric ? fz_double(f) : 0.0;
    dsc__error_clear();
    const dsc_status st = metric ? dsc_lr_scheduler_step_metric(p->s, m) : dsc_lr_scheduler_step(p->s);
    FZ_STATUS(st, "dsc_lr_scheduler_step");
    if (st == DSC_OK) return;
    fz_sched_snapshot(p->s, &after);
    fz_opt_snapshot(p->opt, &p->a, &oafter);
    FZ_CHECK(fz_sched_same(&before, &after), "a refused step (%s) changed the scheduler", dsc_status_name(st));
    FZ_CHECK(fz_opt_same(&obefore, &oafter), "a refused step (%s) changed the optimizer", dsc_status_name(st));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size};
    fz copy = f;
    pair src, dst;
    build(&f, &src);
    build(&copy, &dst);
    FZ_CHECK(f.n == copy.n, "the same bytes built different objects");

    for (size_t i = fz_pick(&f, 8); i > 0; i--) step(&f, &src);
    for (size_t i = fz_pick(&f, 4); i > 0; i--) step(&f, &dst);

    size_t n = 0, ndst = 0;
    FZ_OK(dsc_lr_scheduler_state_size(src.s, &n));
    FZ_OK(dsc_lr_scheduler_state_size(dst.s, &ndst));
    FZ_CHECK(n == ndst && n <= FZ_MAX_SCHED_STATE, "state sizes %zu and %zu", n, ndst);
    double buf[FZ_MAX_SCHED_STATE + 2];
    FZ_OK(dsc_lr_scheduler_state_save(src.s, buf, n));
    const uint8_t mode = fz_u8(&f);
    size_t len = n;
    switch (mode % 4) {
    case 0:
    case 1: /* the saved state, patched */
        for (size_t i = 1 + fz_pick(&f, 4); i > 0; i--) {
            const size_t at = fz_pick(&f, n);
            buf[at] = fz_double(&f);
        }
        break;
    case 2: /* raw doubles, maybe of another length */
        if (mode & 0x80) len = (size_t)fz_pick(&f, n + 3);
        for (size_t i = 0; i < len; i++) buf[i] = fz_double(&f);
        break;
    default: /* as saved */
        break;
    }

    fz_sched_snap before, after;
    fz_opt_snap obefore, oafter;
    fz_sched_snapshot(dst.s, &before);
    fz_opt_snapshot(dst.opt, &dst.a, &obefore);
    dsc__error_clear();
    const dsc_status st = dsc_lr_scheduler_state_load(dst.s, buf, len);
    FZ_STATUS(st, "dsc_lr_scheduler_state_load");
    if (st != DSC_OK) {
        fz_sched_snapshot(dst.s, &after);
        fz_opt_snapshot(dst.opt, &dst.a, &oafter);
        FZ_CHECK(fz_sched_same(&before, &after), "a refused load (%s) changed the scheduler",
                 dsc_status_name(st));
        FZ_CHECK(fz_opt_same(&obefore, &oafter), "a refused load (%s) changed the optimizer",
                 dsc_status_name(st));
    } else {
        FZ_CHECK(len == n, "loaded %zu doubles of %zu", len, n);
        double back[FZ_MAX_SCHED_STATE];
        FZ_OK(dsc_lr_scheduler_state_save(dst.s, back, n));
        for (size_t i = 0; i < n; i++)
            FZ_CHECK(back[i] == buf[i], "double %zu: loaded %.17g, saved back %.17g", i, buf[i], back[i]);
        if (buf[5] == 1.0) {
            /* The lr the scheduler reports is the one its groups have. */
            size_t groups = 0;
            FZ_OK(dsc_optimizer_group_count(dst.opt, &groups));
            for (size_t g = 0; g < groups; g++) {
                double lr = 0.0, slr = 0.0;
                FZ_OK(dsc_optimizer_group_get(dst.opt, g, DSC_OPTIMIZER_PARAM_LR, &lr));
                FZ_OK(dsc_lr_scheduler_lr(dst.s, g, &slr));
                FZ_CHECK(lr == slr, "group %zu: the optimizer has lr %.17g, the scheduler %.17g", g, lr, slr);
            }
        }
    }
    for (size_t i = fz_pick(&f, 6); i > 0; i--) step(&f, &dst);
    release(&src);
    release(&dst);
    return 0;
}
