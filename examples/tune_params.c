/* Tuning the host's own constants with Adam, no model involved: the three
 * gains of a PID controller on a simulated first-order plant.
 *
 * The plant is tau * dy/dt = -y + K * u (a heater, a motor's speed), driven
 * from rest toward a set point of 1. The cost of a set of gains is the mean
 * squared tracking error over five simulated seconds plus a small price on
 * control effort; a dead time in the loop makes high gains oscillate, so the
 * best gains are finite. Its gradient comes from
 * central finite differences (six simulations), and descent's Adam updates
 * the host's float array of gains in place. A gain set that makes the
 * simulation blow up gives a non-finite gradient: the step is refused and
 * the gains stay as they were. */
#include <descent.h>
#include <math.h>
#include <stdio.h>

#define CHECK(call)                                                              \
    do {                                                                         \
        dsc_status s_ = (call);                                                  \
        if (s_ != DSC_OK) {                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, dsc_last_error());          \
            return 1;                                                            \
        }                                                                        \
    } while (0)

#define DELAY 40 /* dead time: 40 steps of 5 ms; it is what makes large gains bad */

/* Simulated closed-loop step response; returns the cost of gains k = (Kp, Ki, Kd). */
static double simulate(const float *k) {
    const double tau = 0.5, gain = 2.0, dt = 0.005, horizon = 6.0, setpoint = 1.0;
    double y = 0.0, integral = 0.0, prev_e = setpoint, cost = 0.0;
    double pipe[DELAY] = {0}; /* control signals on their way to the plant */
    int steps = (int)(horizon / dt);
    for (int i = 0; i < steps; i++) {
        double e = setpoint - y;
        integral += e * dt;
        double deriv = (e - prev_e) / dt;
        prev_e = e;
        double u = k[0] * e + k[1] * integral + k[2] * deriv;
        double applied = pipe[i % DELAY];
        pipe[i % DELAY] = u;
        y += dt * (-y + gain * applied) / tau;
        cost += e * e + 0.01 * (u - setpoint / gain) * (u - setpoint / gain);
    }
    return cost / steps;
}

int main(void) {
    float gains[3] = {0.2f, 0.1f, 0.0f}; /* Kp, Ki, Kd: a sluggish start */
    float grads[3];
    dsc_optimizer *opt = NULL;
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.03));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 10.0)); /* tame the first, steep steps */
    CHECK(dsc_optimizer_add_params(opt, gains, grads, 3, NULL));

    double first = simulate(gains), cost = first;
    int converged = 0;
    printf("start: Kp %.4f Ki %.4f Kd %.4f  cost %.6f\n", gains[0], gains[1], gains[2], first);
    for (int it = 1; it <= 3000 && !converged; it++) {
        for (int j = 0; j < 3; j++) { /* central differences */
            const float h = 1e-3f;
            float saved = gains[j];
            gains[j] = saved + h;
            double up = simulate(gains);
            gains[j] = saved - h;
            double down = simulate(gains);
            gains[j] = saved;
            grads[j] = (float)((up - down) / (2.0 * h));
        }
        dsc_status s = dsc_optimizer_step(opt);
        if (s == DSC_E_NONFINITE) printf("iteration %d: %s\n", it, dsc_last_error());
        else CHECK(s);
        cost = simulate(gains);
        double norm;
        CHECK(dsc_optimizer_last_grad_norm(opt, &norm));
        converged = norm < 1e-4; /* a flat spot of the cost: the gains are tuned */
        if (it % 100 == 0 || converged) {
            printf("iteration %3d: Kp %.4f Ki %.4f Kd %.4f  cost %.6f  |grad| %.2e\n", it,
                   gains[0], gains[1], gains[2], cost, norm);
        }
    }
    dsc_optimizer_free(opt);
    printf("%s: cost %.6f -> %.6f (%.1f%% lower)\n", converged ? "converged" : "not converged",
           first, cost, 100.0 * (1.0 - cost / first));
    return converged && cost < first ? 0 : 1;
}
