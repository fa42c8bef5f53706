/* Convolution (torch.nn.Conv1d / Conv2d, zero padding) as GEMM, private to
 * lib/nn: conv.c builds the layers on it, tests/test_kernels_conv.c checks
 * it on every kernel set. */
#ifndef DSC_NN_CONV_IMPL_H
#define DSC_NN_CONV_IMPL_H

#include "../kernels/kernels.h"

#include <stddef.h>

/* One sample is in_c x ih x iw (NCHW without N), its output out_c x oh x ow;
 * 1-d convolution is ih = oh = kh = sh = dh = 1, ph = 0. Output (r, c) of
 * channel o reads input rows r*sh - ph + i*dh, columns c*sw - pw + j*dw
 * (zero outside) of the channels of its group. The weight is PyTorch's
 * out_c x (in_c/groups) x kh x kw, row-major. */
typedef struct dsc__conv_geom {
    size_t in_c, out_c, groups;
    size_t ih, iw, oh, ow;
    size_t kh, kw, sh, sw, ph, pw, dh, dw;
} dsc__conv_geom;

/* Floats of scratch dsc__conv_forward/_backward need for `batch` samples:
 * every sample's patch matrix (in_c*kh*kw x oh*ow), one sample's patch
 * gradient and one weight gradient. */
size_t dsc__conv_scratch_floats(const dsc__conv_geom *g, size_t batch);

/* y = conv(x, w) + b (b NULL: no bias), x [batch, in_c*ih*iw], y [batch,
 * out_c*oh*ow]. The patches stay in scratch for the backward pass. ws: the
 * GEMM workspace (k->gemm_ws_floats). */
void dsc__conv_forward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch, const float *x,
                       const float *w, const float *b, float *y, float *scratch, float *ws);

/* After dsc__conv_forward on the same x, with the same scratch: dw += the
 * weight gradient, db += the bias gradient (db NULL: none), dx = the input
 * gradient (dx NULL: not needed). dy [batch, out_c*oh*ow]. The patches in
 * scratch stay as the forward pass left them. */
void dsc__conv_backward(const dsc_kernels *k, const dsc__conv_geom *g, size_t batch,
                        const float *w, const float *dy, float *dw, float *db, float *dx,
                        float *scratch, float *ws);

#endif
