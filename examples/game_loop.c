/* A game whose opponent learns the player's habits, online, one sample per
 * frame, in a fixed 60 Hz tick.
 *
 *   game_loop [--frames N] [--out DIR]        (default 100000 frames, DIR ".")
 *
 * The player (scripted here; a person in a real game) circles the arena
 * centre with habits: it swerves back toward the centre, keeps turning one
 * way and holds a favourite speed, with some noise. Each frame the opponent's model (MLP 4-16-2)
 * sees the player's position and velocity and predicts its next move; the
 * opponent heads for the predicted position. After the frame the true move
 * is known: that is one training sample, weighted by the frame's reward (a
 * number from the game's scoring code), and one optimizer step.
 *
 * What a game programmer asks about, measured:
 * - training cost per frame (forward, loss, backward, step): p50 / p99 / max
 *   over all frames, printed and written to DIR/game_loop_latency.csv and
 *   DIR/game_loop_latency.svg;
 * - allocations after warm-up, counted through dsc_set_allocator(): 0;
 * - a bad learning signal: half-way, the scoring code returns a NaN reward;
 *   the gradient is NaN, dsc_optimizer_step() refuses the step
 *   (DSC_E_NONFINITE) with the parameters bit for bit unchanged, and the
 *   game goes on. */
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

#define DT (1.0f / 60.0f)
#define WARMUP_FRAMES 100
#define MAX_PARAMS 128

/* The player's habit: a spring toward the centre, a steady turn, a favourite
 * speed (1) it speeds up or slows down to, and noise. */
typedef struct { float x, y, vx, vy; } body;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static float noise(void) { /* xorshift64*, uniform in [-1, 1) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((rng_state * 2685821657736338717u) >> 40) / 8388608.0f - 1.0f;
}

static void player_move(body *p, float *ax, float *ay) {
    const float spring = 1.5f, turn = 2.0f, jitter = 0.5f;
    float speed_gap = 1.0f - (p->vx * p->vx + p->vy * p->vy);
    *ax = -spring * p->x - turn * p->vy + speed_gap * p->vx + jitter * noise();
    *ay = -spring * p->y + turn * p->vx + speed_gap * p->vy + jitter * noise();
    p->vx += DT * *ax;
    p->vy += DT * *ay;
    p->x += DT * p->vx;
    p->y += DT * p->vy;
}

/* The scoring code's reward for the frame: how much this sample should count. */
static float frame_reward(long frame, long bad_frame) {
    if (frame == bad_frame) return nanf("");   /* a bug upstream: 0/0 in the score */
    return 1.0f;
}

int main(int argc, char **argv) {
    long frames = 100000;
    const char *out = ".";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = atol(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else {
            fprintf(stderr, "usage: game_loop [--frames N] [--out DIR]\n");
            return 2;
        }
    }
    if (frames < 4 * WARMUP_FRAMES) frames = 4 * WARMUP_FRAMES;
    const long bad_frame = frames / 2;

    CHECK(rt_count_allocations());   /* first: every descent allocation is counted */

    /* ---- level load: everything is allocated here ---- */
    dsc_model *model = NULL;
    dsc_loss *loss = NULL;
    dsc_optimizer *opt = NULL;
    CHECK(dsc_model_new(&model, 4));
    CHECK(dsc_model_add_dense(model, 16, 1));
    CHECK(dsc_model_add_activation(model, DSC_ACTIVATION_TANH));
    CHECK(dsc_model_add_dense(model, 2, 1));
    CHECK(dsc_model_build(model, 1));               /* batch 1: one sample per frame */
    CHECK(dsc_model_init(model, DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 11));
    CHECK(dsc_loss_new(&loss, DSC_LOSS_MSE));
    CHECK(dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM));
    /* Frames are correlated (the player's state changes little from one to the
     * next), so a batch-1 learner wants a small rate: over 100k frames 0.001
     * reaches the noise floor, 0.003 errs twice as much, 0.01 diverges. */
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.001));
    CHECK(dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_CLIP_NORM, 1.0));
    CHECK(dsc_optimizer_add_model(opt, model, NULL));
    size_t nparams = 0;
    float *params = NULL, saved[MAX_PARAMS];
    CHECK(dsc_model_param_count(model, &nparams));
    CHECK(dsc_model_params(model, &params));
    if (nparams > MAX_PARAMS) return 1;
    uint64_t *cost = malloc((size_t)frames * sizeof *cost);   /* the host's own buffer */
    if (!cost) return 1;

    body player = {1.0f, 0.0f, 0.0f, 1.0f}, opponent = {-1.0f, -1.0f, 0.0f, 0.0f};
    uint64_t allocs_after_warmup = 0, refused = 0;
    int refused_unchanged = 0;
    double err_first = 0, err_last = 0, err_naive_last = 0, catch_first = 0, catch_last = 0;
    const long window = frames / 10;

    for (long frame = 0; frame < frames; frame++) {
        if (frame == WARMUP_FRAMES) allocs_after_warmup = rt_allocations;

        /* Sense: the player's state (scaled to about unit range). */
        float x[4] = {player.x, player.y, player.vx, player.vy};
        const float *pred = NULL;
        float ax, ay;

        /* Act on the model's prediction: where the player will be next frame. */
        uint64_t t0 = rt_now_ns();
        CHECK(dsc_model_zero_grad(model));
        CHECK(dsc_model_forward(model, x, 1, &pred));
        uint64_t t_forward = rt_now_ns() - t0;
        float guess_ax = pred[0] * 4.0f, guess_ay = pred[1] * 4.0f;
        float tx = player.x + DT * (player.vx + DT * guess_ax) * 30.0f;  /* lead the target */
        float ty = player.y + DT * (player.vy + DT * guess_ay) * 30.0f;
        opponent.vx = 0.9f * opponent.vx + 0.1f * (tx - opponent.x) * 3.0f;
        opponent.vy = 0.9f * opponent.vy + 0.1f * (ty - opponent.y) * 3.0f;
        opponent.x += DT * opponent.vx;
        opponent.y += DT * opponent.vy;

        /* The world moves; the player's true acceleration is the label. */
        player_move(&player, &ax, &ay);
        double err = hypot(guess_ax - ax, guess_ay - ay), naive = hypot(ax, ay);
        double dist = hypot(opponent.x - player.x, opponent.y - player.y);
        if (frame < window) { err_first += err; catch_first += dist; }
        if (frame >= frames - window) { err_last += err; err_naive_last += naive; catch_last += dist; }

        /* Learn from this frame: loss, gradient weighted by the reward, one step. */
        t0 = rt_now_ns();
        float target[2] = {ax / 4.0f, ay / 4.0f}, dy[2];
        double value;
        CHECK(dsc_loss_forward(loss, pred, target, 1, 2, &value));
        CHECK(dsc_loss_backward(loss, dy));
        float reward = frame_reward(frame, bad_frame);
        dy[0] *= reward;
        dy[1] *= reward;
        CHECK(dsc_model_backward(model, dy, 1));
        if (frame == bad_frame) memcpy(saved, params, nparams * sizeof *params);
        dsc_status s = dsc_optimizer_step(opt);
        cost[frame] = t_forward + (rt_now_ns() - t0);
        if (s == DSC_E_NONFINITE) {   /* refused: nothing changed; log it and play on */
            refused++;
            refused_unchanged = frame == bad_frame && !memcmp(saved, params, nparams * sizeof *params);
            printf("frame %ld: reward %g, step refused (%s: %s)\n", frame, (double)reward,
                   dsc_status_name(s), dsc_last_error());
        } else if (s != DSC_OK) {
            CHECK(s);
        }
    }
    uint64_t allocs = rt_allocations - allocs_after_warmup;

    char csv[512], svg[512];
    snprintf(csv, sizeof csv, "%s/game_loop_latency.csv", out);
    snprintf(svg, sizeof svg, "%s/game_loop_latency.svg", out);
    if (rt_latency_write(cost, (size_t)frames, "game_loop: training cost per frame", csv, svg)) {
        fprintf(stderr, "game_loop: cannot write %s or %s\n", csv, svg);
        return 1;
    }
    double p50 = (double)rt_quantile(cost, (size_t)frames, 0.50) / 1e3;
    double p99 = (double)rt_quantile(cost, (size_t)frames, 0.99) / 1e3;
    double mx = (double)cost[frames - 1] / 1e3;
    printf("descent %s, kernel set %s; %ld frames at 60 Hz (simulated), batch 1, MLP 4-16-2\n",
           dsc_version(), dsc_isa(), frames);
    printf("training cost per frame: p50 %.2f us, p99 %.2f us, max %.2f us "
           "(%.4f%% of the 16667 us frame at p99)\n", p50, p99, mx, 100.0 * p99 / 16667.0);
    printf("wrote %s and %s\n", csv, svg);
    printf("allocations after warm-up: %llu\n", (unsigned long long)allocs);
    printf("NaN reward at frame %ld: steps refused %llu, parameters unchanged: %s; the game went on "
           "for %ld more frames\n", bad_frame, (unsigned long long)refused,
           refused_unchanged ? "yes" : "no", frames - bad_frame - 1);
    printf("prediction error of the player's move: first %ld frames %.3f, last %ld frames %.3f "
           "(guessing no acceleration: %.3f)\n", window, err_first / (double)window, window,
           err_last / (double)window, err_naive_last / (double)window);
    printf("opponent's mean distance to the player: first %ld frames %.3f, last %ld frames %.3f\n",
           window, catch_first / (double)window, window, catch_last / (double)window);

    free(cost);
    dsc_optimizer_free(opt);
    dsc_loss_free(loss);
    dsc_model_free(model);
    int ok = allocs == 0 && refused == 1 && refused_unchanged && err_last < err_first;
    if (!ok) printf("game_loop: FAILED an expectation\n");
    return ok ? 0 : 1;
}
