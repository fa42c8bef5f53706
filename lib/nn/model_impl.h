/* The model struct, private to the library: lib/optim/model_group.c reads
 * the flat buffers through dsc__model_buffers(). */
#ifndef DSC_NN_MODEL_IMPL_H
#define DSC_NN_MODEL_IMPL_H

#include "layer_impl.h"

struct dsc_model {
    const dsc_kernels *k;   /* cached at creation */
    dsc__shape in_shape;    /* per input sample */
    dsc__shape out_shape;   /* after the last layer (in_shape while there is none) */
    size_t in_width;        /* features per input sample: prod(in_shape) */
    size_t out_width;       /* width after the last layer: prod(out_shape) */
    dsc__layer *layers;     /* in forward order, cap slots */
    size_t nlayers, cap;
    size_t nparams;         /* sum of the layers' parameter counts */
    size_t nbuffers;        /* sum of the layers' buffer floats (never seen by optimizers) */
    int built;
    size_t max_batch;
    int training;           /* 1: dropout active */
    float *params, *grads;  /* nparams floats each, 64-byte aligned */
    float *buffers;         /* nbuffers floats */
    float *arena;           /* activations, gradient ping-pong, scratch, GEMM workspace */
    float **act;            /* nlayers+1 pointers: act[0] input copy, act[i+1] layer i output */
    float **scratch;        /* per-layer scratch (NULL when a layer needs none) */
    float *gbuf[2];         /* ping-pong gradient buffers, max_batch * widest */
    float *ws;              /* GEMM workspace, k->gemm_ws_floats */
    size_t fwd_batch;       /* batch of the last forward kept for backward; 0: none */
    int input_grad;         /* tests: also compute dLoss/dInput into gbuf (see below) */
    const float *dx;        /* after backward with input_grad: dLoss/dInput */
};

/* The flat buffers of a built model; DSC_E_STATE (with message naming fn)
 * if it is not built. */
dsc_status dsc__model_buffers(const char *fn, dsc_model *m, float **params, float **grads,
                              size_t *n);

/* Named-tensor access shared by the public getters and setters (layer.c):
 * the tensor called name of a layer, a parameter (buffer 0; grad 1: its
 * gradient) or a buffer, with every check of dsc_model_get_param. */
dsc_status dsc__model_tensor_get(const char *fn, const dsc_model *m, size_t layer, const char *name,
                                 int grad, int buffer, float *dst, size_t n);
dsc_status dsc__model_tensor_set(const char *fn, dsc_model *m, size_t layer, const char *name,
                                 int buffer, const float *src, size_t n);

#endif
