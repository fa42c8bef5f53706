/* Fuzz target: the optimizer state loaders, dsc_optimizer_state_set,
 * dsc_optimizer_group_set_step_count and dsc_optimizer_group_set (the way a
 * checkpoint is restored), mixed with steps, over every kind.
 *
 * Input: an optimizer over 1..3 host groups (tests/fuzz/objects.h), then up
 * to 48 operations, one byte each for the operation and then its arguments:
 * a state buffer from floats (of the right length or not), a step count,
 * a hyperparameter of one group or all, a step with gradients from the
 * bytes, a reset, a save-and-restore of the whole state.
 *
 * Invariants: a known status with a message on failure; a refused call
 * changes nothing (hyperparameters of every group, state buffers, in-use
 * flags, step counts, the host's parameters and gradients); a restored
 * state reads back as written. With DSC_FUZZ_STRICT=1 (fuzz.h), also: a
 * call that succeeds leaves finite parameters and state finite. */
#include "objects.h"

static const uint64_t step_counts[] = {0, 1, 2, 3, 1000, (uint64_t)1 << 32, (uint64_t)1 << 53,
                                       ((uint64_t)1 << 53) + 1, (uint64_t)1 << 63, UINT64_MAX - 1,
                                       UINT64_MAX};

static int snap_finite(const fz_opt_snap *s) {
    for (size_t g = 0; g < s->groups; g++) {
        if (!fz_all_finite(s->arrays.p[g], s->arrays.n[g])) return 0;
        for (size_t i = 0; i < s->nstate; i++)
            if (!fz_all_finite(s->state[g][i], s->n[g])) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size};
    fz_arrays a;
    dsc_optimizer *opt = fz_make_optimizer(&f, &a);
    size_t nstate = 0;
    FZ_OK(dsc_optimizer_state_count(opt, &nstate));
    static fz_opt_snap before, after; /* large: not on the stack */

    for (int op_count = 0; op_count < 48 && fz_more(&f); op_count++) {
        const uint8_t op = fz_u8(&f);
        fz_opt_snapshot(opt, &a, &before);
        const size_t group = fz_pick(&f, a.groups + 1); /* one past the end now and then */
        const size_t gn = group < a.groups ? a.n[group] : 4;
        dsc_status st = DSC_OK;
        const char *what = "";
        dsc__error_clear();
        switch (op % 7) {
        case 0: { /* dsc_optimizer_state_set */
            const size_t index = fz_pick(&f, nstate + 1);
            float src[FZ_MAX_N + 1];
            const uint8_t b = fz_u8(&f);
            const size_t n = (b & 0xc0) == 0xc0 ? b % (FZ_MAX_N + 2) : gn;
            for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) src[i] = fz_float(&f);
            what = "dsc_optimizer_state_set";
            st = dsc_optimizer_state_set(opt, group, index, src, n);
            if (st == DSC_OK) {
                float back[FZ_MAX_N];
                int in_use = 0;
                FZ_OK(dsc_optimizer_state_get(opt, group, index, back, n));
                FZ_OK(dsc_optimizer_state_in_use(opt, group, index, &in_use));
                FZ_CHECK(in_use == 1, "a buffer set is not in use");
                /* Flush-to-zero may turn a subnormal into 0; nothing else changes. */
                for (size_t i = 0; i < n; i++)
                    FZ_CHECK(fz_same(&back[i], &src[i], sizeof(float)) || (back[i] == 0.0f && src[i] == 0.0f),
                             "state %zu[%zu]: set %a, read %a", index, i, (double)src[i], (double)back[i]);
            }
            break;
        }
        case 1: { /* dsc_optimizer_group_set_step_count */
            const uint8_t b = fz_u8(&f);
            const uint64_t steps = b < 0xc0 ? step_counts[b % (sizeof step_counts / sizeof step_counts[0])]
                                            : fz_u64(&f);
            what = "dsc_optimizer_group_set_step_count";
            st = dsc_optimizer_group_set_step_count(opt, group, steps);
            if (st == DSC_OK) {
                uint64_t back = 0;
                FZ_OK(dsc_optimizer_group_step_count(opt, group, &back));
                FZ_CHECK(back == steps, "step count set %llu, read %llu", (unsigned long long)steps,
                         (unsigned long long)back);
            }
            break;
        }
        case 2: { /* dsc_optimizer_group_set */
            const dsc_optimizer_param key = fz_opt_keys[fz_pick(&f, FZ_N_OPT_KEYS)];
            const double v = fz_double(&f);
            what = "dsc_optimizer_group_set";
            st = dsc_optimizer_group_set(opt, group, key, v);
            if (st == DSC_OK) {
                double back = 0.0;
                FZ_OK(dsc_optimizer_group_get(opt, group, key, &back));
                FZ_CHECK(back == v, "key %d set %.17g, read %.17g", (int)key, v, back);
            }
            break;
        }
        case 3: { /* dsc_optimizer_set */
            const dsc_optimizer_param key = fz_opt_keys[fz_pick(&f, FZ_N_OPT_KEYS)];
            what = "dsc_optimizer_set";
            st = dsc_optimizer_set(opt, key, fz_double(&f));
            break;
        }
        case 4: { /* a step with gradients from the bytes */
            for (size_t g = 0; g < a.groups; g++)
                for (size_t i = 0; i < a.n[g]; i++) a.g[g][i] = fz_float(&f);
            fz_opt_snapshot(opt, &a, &before);
            what = "dsc_optimizer_step";
            st = dsc_optimizer_step(opt);
            break;
        }
        case 5: /* dsc_optimizer_reset_state */
            what = "dsc_optimizer_reset_state";
            st = dsc_optimizer_reset_state(opt);
            break;
        default: { /* save every buffer in use and the step counts, then restore them */
            what = "state round trip";
            for (size_t g = 0; g < a.groups; g++) {
                for (size_t i = 0; i < nstate; i++) {
                    if (!before.in_use[g][i]) continue;
                    dsc__error_clear();
                    st = dsc_optimizer_state_set(opt, g, i, before.state[g][i], before.n[g]);
                    FZ_STATUS(st, "dsc_optimizer_state_set (round trip)");
                    if (st != DSC_OK) {
                        /* Refused: allowed only for values the optimizer refuses. */
                        fz_opt_snapshot(opt, &a, &after);
                        FZ_CHECK(fz_opt_same(&before, &after), "a refused state_set changed the optimizer");
                        continue;
                    }
                }
                FZ_OK(dsc_optimizer_group_set_step_count(opt, g, before.steps[g]));
            }
            fz_opt_snapshot(opt, &a, &after);
            FZ_CHECK(fz_opt_same(&before, &after), "saving and restoring the state changed it");
            st = DSC_OK;
            break;
        }
        }
        FZ_STATUS(st, what);
        fz_opt_snapshot(opt, &a, &after);
        if (st != DSC_OK) {
            FZ_CHECK(fz_opt_same(&before, &after), "a refused %s (%s) changed the optimizer", what,
                     dsc_status_name(st));
        } else if (fz_strict() && snap_finite(&before)) {
            FZ_CHECK(snap_finite(&after), "%s returned DSC_OK and left a parameter or state not finite", what);
        }
    }
    dsc_optimizer_free(opt);
    return 0;
}
