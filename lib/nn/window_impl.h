/* Sliding-window arithmetic shared by the convolution and pooling layers
 * (conv.c, pool.c), along one spatial dimension. */
#ifndef DSC_NN_WINDOW_IMPL_H
#define DSC_NN_WINDOW_IMPL_H

#include "../core/common.h"

#include <stddef.h>
#include <stdint.h>

/* Largest channel count, kernel size, stride, padding or dilation a layer
 * accepts: products of a few of them stay far inside size_t. */
#define DSC__WINDOW_MAX ((size_t)1 << 24)

/* A size read from a model file as a double: the integer, or SIZE_MAX (which
 * every builder refuses) when v is not an integer in 0..DSC__WINDOW_MAX. */
static inline size_t dsc__window_arg(double v) {
    if (!(v >= 0.0 && v <= (double)DSC__WINDOW_MAX) || v != (double)(size_t)v) return SIZE_MAX;
    return (size_t)v;
}
/* A 0/1 flag read as a double: the flag, or -1 (refused) otherwise. */
static inline int dsc__window_flag(double v) {
    return v == 0.0 ? 0 : v == 1.0 ? 1 : -1;
}

/* Checks the two entries (height, width) of a size argument named `name`
 * against lo..DSC__WINDOW_MAX; a 1-d builder (one = 1) names its single
 * value `name`, a 2-d one `name[0]` and `name[1]`. */
static inline dsc_status dsc__window_check(const char *fn, int one, const char *name,
                                           const size_t *v, size_t lo) {
    for (int i = one ? 1 : 0; i < 2; i++)
        DSC_RETURN_IF(v[i] < lo || v[i] > DSC__WINDOW_MAX, DSC_E_ARG,
                      "%s: %s%s is %zu; it must be %zu..%zu", fn, name,
                      one ? "" : i == 0 ? "[0]" : "[1]", v[i], lo, DSC__WINDOW_MAX);
    return DSC_OK;
}

/* Output length for input n, kernel k, stride s, padding p, dilation d
 * (PyTorch's conv and pooling_output_shape): floor((n + 2p - d(k-1) - 1)/s)
 * + 1, or with ceil_mode the ceiling, less one when the last window would
 * start past the input and its left padding. 0 when no window fits. */
static inline size_t dsc__window_out(size_t n, size_t k, size_t s, size_t p, size_t d,
                                     int ceil_mode) {
    const size_t span = d * (k - 1) + 1;
    if (n + 2 * p < span) return 0;
    size_t o = (n + 2 * p - span + (ceil_mode ? s - 1 : 0)) / s + 1;
    if (ceil_mode && (o - 1) * s >= n + p) o--;
    return o;
}

/* 1 if each of the o windows holds at least one input cell (with dilation a
 * window can straddle the input: PyTorch's max pooling would then point its
 * gradient outside the input). */
static inline int dsc__window_taps_inside(size_t o, size_t n, size_t k, size_t s, size_t p,
                                          size_t d) {
    for (size_t r = 0; r < o; r++) {
        int any = 0;
        for (size_t i = 0; i < k && !any; i++) {
            const size_t t = r * s + i * d;
            any = t >= p && t - p < n;
        }
        if (!any) return 0;
    }
    return 1;
}

#endif
