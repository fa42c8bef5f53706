/* A 1 kHz control loop whose feed-forward term learns the plant's inverse
 * dynamics online, one sample per tick.
 *
 *   robot_control [--seconds S] [--out DIR]     (default 20 s = 20000 ticks, DIR ".")
 *
 * The plant: one arm link on a motor, with gravity, viscous and Coulomb
 * friction (J th'' = u - b th' - c tanh(th'/0.01) - mgl sin th). The
 * controller: a deliberately soft PD loop plus a feed-forward torque from an
 * MLP 4-16-1 fed with the desired trajectory (sin th, cos th, th', th'').
 * Each tick the measured state, the acceleration estimated from two velocity
 * readings and the torque actually applied make one sample of the inverse
 * dynamics, and the optimizer takes one step.
 *
 * The real-time rules it keeps, and checks:
 * - everything is allocated before the loop: allocations counted through
 *   dsc_set_allocator() after the first tick: 0;
 * - the host's floating-point mode is untouched: MXCSR (FPCR on AArch64) is
 *   read before and after every descent call in the loop and never differs
 *   (descent runs its kernels with flush-to-zero and puts the caller's
 *   register back);
 * - bounded step time: the compute time of every tick, p50 / p99 / max
 *   against the 1000 us period (DIR/robot_control_latency.csv and .svg);
 * - one bad sensor reading cannot wreck the controller: the host holds the
 *   last good reading for control when a reading is NaN or implausible;
 *   the learner, given the raw readings, is protected by descent: a NaN is
 *   refused (DSC_E_NONFINITE, nothing changed), and gradient-norm clipping
 *   bounds how far a finite but absurd reading (a velocity spike) moves the
 *   weights.
 * Tracking error (RMS, degrees) is reported before learning (the first 2 s,
 * PD alone) and at the end. */
#include <descent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realtime.h"

#define CHECK(call)                                                                  \
    do {                                                                             \
        dsc_status s_ = (call);                                                      \
        if (s_ != DSC_OK) {                                                          \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, dsc_status_name(s_), \
                    dsc_last_error());                                               \
            return 1;                                                                \
        }                                                                            \
    } while (0)

/* Every descent call in the loop goes through RT_CALL: the host's FP control
 * register must be the same after the call as before it. */
static unsigned long fp_calls, fp_changed;
static uint64_t fp_saved;
static void fp_mark(void) { fp_saved = rt_fp_control(); }
static dsc_status fp_check(dsc_status s) {
    fp_calls++;
    fp_changed += rt_fp_control() != fp_saved;
    return s;
}
#define RT_CALL(call) (fp_mark(), fp_check(call))

#define DT 0.001            /* 1 kHz */
#define PI 3.14159265358979323846
#define TORQUE_SCALE 5.0    /* the model's output is torque / TORQUE_SCALE */
#define U_MAX 20.0          /* actuator limit, N m */
#define W_MAX 30.0          /* the fastest the arm can turn, rad/s: a larger reading is a sensor fault */

/* The plant, integrated with 10 substeps per tick. */
typedef struct { double th, w; } plant;
static void plant_step(plant *p, double u) {
    const double J = 0.05, b = 0.1, c = 0.3, mgl = 2.0, h = DT / 10;
    for (int i = 0; i < 10; i++) {
        double acc = (u - b * p->w - c * tanh(p->w / 0.01) - mgl * sin(p->th)) / J;
        p->w += h * acc;
        p->th += h * p->w;
    }
}

/* The trajectory to track and its derivatives. */
static void desired(double t, double *th, double *w, double *acc) {
    const double a1 = 0.8, f1 = 2 * PI * 0.5, a2 = 0.3, f2 = 2 * PI * 1.3;
    *th = a1 * sin(f1 * t) + a2 * sin(f2 * t);
    *w = a1 * f1 * cos(f1 * t) + a2 * f2 * cos(f2 * t);
    *acc = -a1 * f1 * f1 * sin(f1 * t) - a2 * f2 * f2 * sin(f2 * t);
}

static void features(float x[4], double th, double w, double acc) {
    x[0] = (float)sin(th);
    x[1] = (float)cos(th);
    x[2] = (float)(w / 5.0);
    x[3] = (float)(acc / 50.0);
}

int main(int argc, char **argv) {
    double seconds = 20;
    const char *out = ".";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else {
            fprintf(stderr, "usage: robot_control [--seconds S] [--out DIR]\n");
            return 2;
        }
    }
    if (seconds < 6) seconds = 6;
    const long ticks = (long)(seconds / DT), learn_from = 2000, window = 2000;
    const long nan_tick = ticks / 2, spike_tick = ticks / 2 + 500;

    CHECK(rt_count_allocations());

    /* ---- set-up: every allocation happens here ---- */
    dsc_model *model = NULL;
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    CHECK(dsc_model_new(&model, 4));
    CHECK(dsc_model_add_dense(model, 16, 1));
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_TANH));
    CHECK(dsc_model_add_dense(model, 1, 1));
    CHECK(dsc_model_build(model, 1));
    CHECK(dsc_model_init(model, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 5));
    const float zeros[16] = {0};
    CHECK(dsc_model_set_weight(model, 2, zeros, 16));   /* feed-forward starts at 0: PD alone */
    CHECK(dsc_loss_new(&loss, DSC_LOSS_MSE));
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    /* Online learning inside a feedback loop: the samples are correlated and
     * each update changes the data that follows. Measured over 40 s: lr 0.002
     * and 0.001 track well most of the time with bursts of 3-9 deg; 0.0005
     * stays within 0.14-0.33 deg RMS in every 2 s window. */
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.0005));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 1.0)); /* one sample moves the weights a bounded amount */
    CHECK(dsc_optimizer_add_model(opt, model, NULL));
    size_t np = 0;
    float *params = NULL, before[128];
    CHECK(dsc_model_param_count(model, &np));
    CHECK(dsc_model_params(model, &params));
    if (np > 128) return 1;
    uint64_t *cost = malloc((size_t)ticks * sizeof *cost);
    if (!cost) return 1;

    plant arm = {0.0, 0.0};
    double meas_th = 0, meas_w = 0, prev_w = 0, u_prev = 0;
    double sq_before = 0, sq_after = 0, spike_move = 0, spike_norm = 0;
    long refused = 0;
    uint64_t allocs_at_start = 0;
    const double kp = 20.0, kd = 1.0;

    for (long k = 0; k < ticks; k++) {
        double t = (double)k * DT;
        if (k == 1) allocs_at_start = rt_allocations;

        /* Sense. A NaN from a dropped sensor frame, and a one-tick velocity spike. */
        double r_th = arm.th, r_w = arm.w;
        if (k == nan_tick) r_w = NAN;
        if (k == spike_tick) r_w = 40.0;
        /* Control holds the last good reading when this one is not plausible. */
        int reading_ok = isfinite(r_th) && isfinite(r_w) && fabs(r_w) <= W_MAX;
        if (reading_ok) { meas_th = r_th; meas_w = r_w; }

        uint64_t t0 = rt_now_ns();
        /* Learn from the last tick: state, estimated acceleration -> torque applied.
         * The learner gets the raw reading, bad ones included, on purpose: to
         * show that descent refuses the NaN and clipping bounds the spike. */
        if (k >= learn_from) {
            float x[4], target = (float)(u_prev / TORQUE_SCALE), dy;
            const float *y = NULL;
            double value;
            features(x, r_th, r_w, (r_w - prev_w) / DT);   /* the raw reading: bad ones included */
            if (k == spike_tick) memcpy(before, params, np * sizeof *params);
            dsc_status s = RT_CALL(dsc_model_zero_grad(model));
            if (s == DSC_OK) s = RT_CALL(dsc_model_forward(model, x, 1, &y));
            if (s == DSC_OK) s = RT_CALL(dsc_loss_forward(loss, y, &target, 1, 1, &value));
            if (s == DSC_OK) s = RT_CALL(dsc_loss_backward(loss, &dy));
            if (s == DSC_OK) s = RT_CALL(dsc_model_backward(model, &dy, 1));
            if (s == DSC_OK) s = RT_CALL(dsc_optimizer_step(opt));
            if (s == DSC_E_NONFINITE) {
                refused++;   /* nothing learned from this tick; the controller is as it was */
            } else if (s != DSC_OK) {
                CHECK(s);
            } else if (k == spike_tick) {
                for (size_t i = 0; i < np; i++) {
                    double d = (double)params[i] - (double)before[i];
                    spike_move += d * d;
                }
                spike_move = sqrt(spike_move);
                CHECK(RT_CALL(dsc_optimizer_last_grad_norm(opt, &spike_norm)));
            }
        }
        /* Control: PD on the (held) measurement plus the learned feed-forward. */
        double th_d, w_d, a_d;
        desired(t, &th_d, &w_d, &a_d);
        float xf[4], uff = 0;
        features(xf, th_d, w_d, a_d);
        CHECK(RT_CALL(dsc_model_predict(model, xf, 1, &uff)));
        double u = TORQUE_SCALE * uff + kp * (th_d - meas_th) + kd * (w_d - meas_w);
        if (u > U_MAX) u = U_MAX;
        if (u < -U_MAX) u = -U_MAX;
        cost[k] = rt_now_ns() - t0;

        /* Act. */
        if (isfinite(r_w)) prev_w = r_w;
        u_prev = u;
        plant_step(&arm, u);
        double e = (th_d - arm.th) * 180.0 / PI;
        if (k < window) sq_before += e * e;
        if (k >= ticks - window) sq_after += e * e;
    }
    uint64_t allocs = rt_allocations - allocs_at_start;

    char csv[512], svg[512];
    snprintf(csv, sizeof csv, "%s/robot_control_latency.csv", out);
    snprintf(svg, sizeof svg, "%s/robot_control_latency.svg", out);
    if (rt_latency_write(cost, (size_t)ticks, "robot_control: compute time per 1 kHz tick", csv, svg)) {
        fprintf(stderr, "robot_control: cannot write %s or %s\n", csv, svg);
        return 1;
    }
    double rms_before = sqrt(sq_before / (double)window), rms_after = sqrt(sq_after / (double)window);
    printf("descent %s, kernel set %s; %ld ticks at 1 kHz, batch 1, MLP 4-16-1 feed-forward\n",
           dsc_version(), dsc_isa(), ticks);
    printf("tracking error (RMS): before learning %.3f deg, after %.1f s of learning %.3f deg\n",
           rms_before, seconds - 2.0, rms_after);
    printf("compute per tick: p50 %.2f us, p99 %.2f us, max %.2f us (period 1000 us)\n",
           (double)rt_quantile(cost, (size_t)ticks, 0.50) / 1e3,
           (double)rt_quantile(cost, (size_t)ticks, 0.99) / 1e3, (double)cost[ticks - 1] / 1e3);
    printf("wrote %s and %s\n", csv, svg);
    printf("allocations in the loop: %llu\n", (unsigned long long)allocs);
    printf("floating-point control register changed by a descent call: %lu of %lu calls\n",
           fp_changed, fp_calls);
    printf("NaN velocity at tick %ld: control held the last good reading, learning refused "
           "(%ld step%s refused)\n", nan_tick, refused, refused == 1 ? "" : "s");
    printf("velocity spike (%.0f rad/s) at tick %ld: control held the last good reading; the "
           "learner's gradient norm %.3g was clipped to 1, weights moved by %.4f (L2)\n", 40.0,
           spike_tick, spike_norm, spike_move);

    free(cost);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(model);
    int ok = allocs == 0 && fp_changed == 0 && refused == 1 && rms_after < rms_before / 2;
    if (!ok) printf("robot_control: FAILED an expectation\n");
    return ok ? 0 : 1;
}
