/* What examples/game_loop.c and examples/robot_control.c measure, in one
 * place: a monotonic clock, an allocator hook that counts, the host's
 * floating-point control register, and a latency distribution (sorted
 * percentiles, HDR-style) printed and written as CSV and an SVG plot.
 * Header-only so each example stays one program to copy. */
#ifndef DESCENT_EXAMPLES_REALTIME_H
#define DESCENT_EXAMPLES_REALTIME_H

#include <descent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

static inline uint64_t rt_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- allocations: every block descent asks for goes through these ---- */
static uint64_t rt_allocations;

static inline void *rt_counting_alloc(size_t size, void *user) {
    (void)user;
    rt_allocations++;
    return malloc(size);
}

static inline void rt_counting_free(void *ptr, void *user) {
    (void)user;
    free(ptr);
}

/* Install the counting hook; call it before any other descent call. */
static inline dsc_status rt_count_allocations(void) {
    return dsc_set_allocator(rt_counting_alloc, rt_counting_free, NULL);
}

/* ---- the floating-point control register (MXCSR, FPCR) ---- */
static inline uint64_t rt_fp_control(void) {
#if defined(__x86_64__) || defined(__i386__)
    return _mm_getcsr();   /* FTZ, DAZ, rounding, masks and the sticky flags */
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(v));
    return v;
#else
    return 0;
#endif
}

/* ---- latency distribution ---- */
static int rt_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0 <= q <= 1) of n sorted values: nearest rank. */
static inline uint64_t rt_quantile(const uint64_t *sorted, size_t n, double q) {
    size_t i = (size_t)ceil(q * (double)n);
    return sorted[i == 0 ? 0 : (i > n ? n - 1 : i - 1)];
}

/* Sort ns[0..n) and write the HDR-style table: the quantiles 1 - 10^(-k/10)
 * for k = 0, 1, ... up to the n-th value, then the maximum. CSV columns:
 * percentile, nanoseconds. SVG: latency (microseconds) against percentile on
 * the usual 1/(1-q) log axis. Returns 0, or -1 if a file cannot be written. */
static inline int rt_latency_write(uint64_t *ns, size_t n, const char *what, const char *csv_path,
                                   const char *svg_path) {
    qsort(ns, n, sizeof *ns, rt_cmp_u64);
    double xs[64], ys[64];
    size_t m = 0;
    double decades = log10((double)n);
    for (int k = 0; m < 63 && k <= (int)(decades * 10.0); k++) {
        double q = 1.0 - pow(10.0, -k / 10.0);
        xs[m] = k / 10.0;
        ys[m++] = (double)rt_quantile(ns, n, q);
    }
    xs[m] = decades;   /* the maximum sits at 1/(1-q) = n */
    ys[m++] = (double)ns[n - 1];

    FILE *f = fopen(csv_path, "w");
    if (!f) return -1;
    fprintf(f, "percentile,ns\n");
    for (size_t i = 0; i < m; i++)
        fprintf(f, "%.4f,%.0f\n", i + 1 == m ? 100.0 : 100.0 * (1.0 - pow(10.0, -xs[i])), ys[i]);
    fclose(f);

    f = fopen(svg_path, "w");
    if (!f) return -1;
    const double W = 640, H = 400, L = 70, R = 20, T = 40, Bm = 50;
    double ymax = ys[m - 1] / 1000.0 * 1.05, xmax = decades;
    if (ymax <= 0) ymax = 1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%.0f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">%s: latency by "
               "percentile over %zu samples</text>\n", W / 2, what, n);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
            L, H - Bm, W - R, H - Bm);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
            L, T, L, H - Bm);
    static const char *labels[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
    for (int d = 0; d <= (int)xmax && d < 7; d++) {
        double x = L + (W - L - R) * d / xmax;
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x, H - Bm + 16,
                labels[d]);
    }
    for (int i = 0; i <= 4; i++) {
        double v = ymax * i / 4, y = H - Bm - (H - T - Bm) * i / 4;
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", L - 6, y + 4, v);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">percentile (max at the right "
               "end)</text>\n", (L + W - R) / 2, H - 12);
    fprintf(f, "<text x=\"16\" y=\"%.0f\" transform=\"rotate(-90 16 %.0f)\" "
               "text-anchor=\"middle\">microseconds</text>\n", (T + H - Bm) / 2, (T + H - Bm) / 2);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < m; i++)
        fprintf(f, "%.1f,%.1f ", L + (W - L - R) * xs[i] / xmax,
                H - Bm - (H - T - Bm) * (ys[i] / 1000.0) / ymax);
    fprintf(f, "\"/>\n</svg>\n");
    fclose(f);
    return 0;
}

#endif
