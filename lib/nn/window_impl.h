/* Sliding-window arithmetic shared by the convolution and pooling layers
 * (conv.c, pool.c), along one spatial dimension. */
#ifndef DSC_NN_WINDOW_IMPL_H
#define DSC_NN_WINDOW_IMPL_H

#include <stddef.h>

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
