/* An LSTM sequence classifier, training side by side: descent against
 * PyTorch, in one run.
 *
 * LSTM(F=16, H=64) over T=32 steps, the last step, a dense 64 -> 10 head;
 * cross-entropy, SGD (lr 0.01), batch 32. One training step = forward,
 * loss, backward (through all 32 steps), optimizer step, zero_grad. The
 * data are fixed random sequences. descent runs through its public API as a
 * host would, on the best kernel set (or the one DESCENT_ISA names);
 * PyTorch (bench/torch_lstm.py, /usr/bin/python3, one thread, the same
 * shapes) runs in a child process that takes one command per timed round
 * on stdin, so the rounds interleave (descent, PyTorch, descent...) and load
 * from other processes hits both alike. Times are thread CPU time; each
 * figure is the median of --runs rounds (default 7) after a warm-up.
 *
 * Usage: bench_lstm [--quick] [--runs N] [--no-torch] [--script PATH] */
#define DESCENT_EXPERIMENTAL_API
#include "descent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { T = 32, F = 16, H = 64, C = 10, B = 32, MAX_RUNS = 31 };

#define CHECK(expr)                                                                      \
    do {                                                                                 \
        dsc_status s_ = (expr);                                                          \
        if (s_ != DSC_OK) {                                                              \
            fprintf(stderr, "bench_lstm: %s failed: %s\n", #expr, dsc_last_error());     \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct lstm_bench {
    dsc_model *m;
    dsc_optimizer *o;
    dsc_loss *loss;
    float x[B * T * F];
    int32_t labels[B];
} lstm_bench;

static void bench_init(lstm_bench *b) {
    const size_t shape[2] = {T, F};
    CHECK(dsc_model_new_shaped(&b->m, 2, shape));
    CHECK(dsc_model_add_lstm(b->m, F, H));
    CHECK(dsc_model_add_last_step(b->m));
    CHECK(dsc_model_add_dense(b->m, C, 1));
    CHECK(dsc_model_build(b->m, B));
    CHECK(dsc_optimizer_new(&b->o, DSC_OPTIMIZER_SGD));
    CHECK(dsc_optimizer_set(b->o, DSC_OPTIMIZER_PARAM_LR, 0.01));
    CHECK(dsc_optimizer_add_model(b->o, b->m, NULL));
    CHECK(dsc_loss_new(&b->loss, DSC_LOSS_CROSS_ENTROPY));
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < B * T * F; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        b->x[i] = (float)(s >> 40) / 16777216.0f * 2.0f - 1.0f;
    }
    for (int i = 0; i < B; i++) b->labels[i] = i % C;
}

/* steps training steps; samples per second of CPU time. */
static double bench_round(lstm_bench *b, long steps) {
    float dy[B * C];
    double value, t0 = cpu_now();
    for (long s = 0; s < steps; s++) {
        const float *y;
        CHECK(dsc_model_forward(b->m, b->x, B, &y));
        CHECK(dsc_loss_forward_labels(b->loss, y, b->labels, B, C, &value));
        CHECK(dsc_loss_backward(b->loss, dy));
        CHECK(dsc_model_backward(b->m, dy, B));
        CHECK(dsc_optimizer_step(b->o));
        CHECK(dsc_model_zero_grad(b->m));
    }
    return (double)(steps * B) / (cpu_now() - t0);
}

static void bench_free(lstm_bench *b) {
    dsc_loss_free(b->loss);
    dsc_optimizer_free(b->o);
    dsc_model_free(b->m);
}

/* ---- PyTorch in a child process, one round per command ---------------------- */

typedef struct torch_child {
    int ok;
    pid_t pid;
    FILE *to, *from;
    char version[64];
} torch_child;

static void torch_start(torch_child *t, const char *script, long steps) {
    int in[2], out[2];
    memset(t, 0, sizeof *t);
    if (pipe(in) != 0 || pipe(out) != 0) return;
    pid_t pid = fork();
    if (pid < 0) return;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        setenv("OMP_NUM_THREADS", "1", 1);
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        char args[6][24];
        const long v[6] = {T, F, H, C, B, steps};
        for (int i = 0; i < 6; i++) snprintf(args[i], sizeof args[i], "%ld", v[i]);
        execl("/usr/bin/python3", "python3", script, args[0], args[1], args[2], args[3], args[4],
              args[5], (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    t->pid = pid;
    t->to = fdopen(in[1], "w");
    t->from = fdopen(out[0], "r");
    char line[256];
    if (t->to && t->from && fgets(line, sizeof line, t->from) && !strncmp(line, "torch ", 6)) {
        snprintf(t->version, sizeof t->version, "%.*s", (int)strcspn(line + 6, "\n"), line + 6);
        t->ok = 1;
    }
}

static double torch_round(torch_child *t) {
    char line[256];
    if (!t->ok) return 0.0;
    fprintf(t->to, "r\n");
    fflush(t->to);
    if (!fgets(line, sizeof line, t->from) || line[0] != 'r') {
        t->ok = 0;
        return 0.0;
    }
    return strtod(line + 2, NULL);
}

static void torch_stop(torch_child *t) {
    if (t->to) {
        if (t->ok) fprintf(t->to, "q\n");
        fclose(t->to);
    }
    if (t->from) fclose(t->from);
    if (t->pid > 0) waitpid(t->pid, NULL, 0);
}

int main(int argc, char **argv) {
    const char *script = "bench/torch_lstm.py";
    int runs = 7, torch = 1;
    long steps = 40;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) steps = 4, runs = 3;
        else if (!strcmp(argv[i], "--no-torch")) torch = 0;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--script") && i + 1 < argc) script = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--quick] [--runs N] [--no-torch] [--script PATH]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "bench_lstm: --runs must be 1..%d\n", MAX_RUNS);
        return 2;
    }
    static lstm_bench b;
    bench_init(&b);
    torch_child tc;
    memset(&tc, 0, sizeof tc);
    if (torch) {
        torch_start(&tc, script, steps);
        if (!tc.ok)
            fprintf(stderr, "bench_lstm: PyTorch did not start (is python3-torch installed? "
                            "tools/install-deps.sh bench); descent only\n");
    }
    bench_round(&b, 3); /* warm-up */
    double vd[MAX_RUNS], vt[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        vd[r] = bench_round(&b, steps);
        vt[r] = torch_round(&tc);
    }
    torch_stop(&tc);
    const double d = median(vd, runs);
    printf("LSTM classifier T=%d F=%d H=%d -> last step -> dense %d, batch %d, SGD, "
           "cross-entropy; one thread, median of %d rounds of %ld steps\n",
           T, F, H, C, B, runs, steps);
    printf("  descent (%s)  %10.0f samples/s\n", dsc_isa(), d);
    if (tc.ok) {
        const double t = median(vt, runs);
        printf("  PyTorch %-9s %10.0f samples/s\n", tc.version, t);
        printf("  ratio descent/PyTorch %.2f\n", d / t);
    }
    bench_free(&b);
    return 0;
}
