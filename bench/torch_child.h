/* PyTorch (or any baseline script) in a child process, driven line by line,
 * so a benchmark can interleave the baseline's runs with its own: every
 * round runs each implementation once, and load from other processes on a
 * shared machine hits them alike. The protocol (bench/torch_common.py's
 * serve()): the child prints "torch <version> blas_core <core>" once, then
 * answers each command line "<name> [args]" with one line "<name> <v1>
 * [<v2> ...]"; "q" ends it. Header-only, like bench_util.h. */
#ifndef BENCH_TORCH_CHILD_H
#define BENCH_TORCH_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct torch_child {
    int ok;
    pid_t pid;
    FILE *to, *from;
    char version[64], core[64];
} torch_child;

/* Starts /usr/bin/python3 with args (NULL-terminated, args[0] the script),
 * one thread, OPENBLAS_CORETYPE set to coretype (NULL: as installed; set
 * before Python starts, since OpenBLAS reads it once, when torch loads it).
 * t->ok says whether it answered with its version line. */
static inline void torch_child_start(torch_child *t, const char *const *args,
                                     const char *coretype) {
    int in[2], out[2];
    memset(t, 0, sizeof *t);
    snprintf(t->core, sizeof t->core, "?");
    signal(SIGPIPE, SIG_IGN); /* a child that died must not take this process with it */
    if (pipe(in) != 0) return;
    if (pipe(out) != 0) {
        close(in[0]), close(in[1]);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return;
    }
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        if (coretype) setenv("OPENBLAS_CORETYPE", coretype, 1);
        else unsetenv("OPENBLAS_CORETYPE");
        setenv("OMP_NUM_THREADS", "1", 1);
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        char *argv[32] = {strdup("python3")}; /* execv's argv is not const */
        int n = 1;
        while (n < 31 && args[n - 1] != NULL) argv[n] = strdup(args[n - 1]), n++;
        argv[n] = NULL;
        execv("/usr/bin/python3", argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    t->pid = pid;
    t->to = fdopen(in[1], "w");
    t->from = fdopen(out[0], "r");
    char line[256];
    if (t->to && t->from && fgets(line, sizeof line, t->from) && !strncmp(line, "torch ", 6)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(t->version, sizeof t->version, "%.*s", (int)strcspn(line + 6, " "), line + 6);
        const char *c = strstr(line, "blas_core ");
        if (c) snprintf(t->core, sizeof t->core, "%s", c + 10);
        t->ok = 1;
    }
}

/* Sends cmd (one line, no newline) and reads up to nv values of the answer
 * into v; returns how many it read (0 if the child failed, which then stays
 * failed). */
static inline int torch_child_ask(torch_child *t, const char *cmd, double *v, int nv) {
    char line[512];
    if (!t->ok || t->to == NULL) return 0;
    fprintf(t->to, "%s\n", cmd);
    fflush(t->to);
    size_t name = strcspn(cmd, " ");
    if (!fgets(line, sizeof line, t->from) || strncmp(line, cmd, name) != 0 ||
        line[name] != ' ') {
        t->ok = 0;
        return 0;
    }
    char *p = line + name, *end;
    int got = 0;
    while (got < nv) {
        double x = strtod(p, &end);
        if (end == p) break;
        v[got++] = x;
        p = end;
    }
    return got;
}

/* The first value of the answer to cmd, or 0 on failure. */
static inline double torch_child_value(torch_child *t, const char *cmd) {
    double v = 0.0;
    return torch_child_ask(t, cmd, &v, 1) == 1 ? v : 0.0;
}

/* Ends the child (t->ok and the names stay as they were). */
static inline void torch_child_stop(torch_child *t) {
    if (t->to) {
        if (t->ok) fprintf(t->to, "q\n");
        fclose(t->to);
    }
    if (t->from) fclose(t->from);
    if (t->pid > 0) waitpid(t->pid, NULL, 0);
    t->to = t->from = NULL; /* ok, version and core stay, for the report */
    t->pid = 0;
}

#endif
