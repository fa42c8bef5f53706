/* The model struct, private to the library: lib/optim/model_group.c reads
 * the flat buffers through dsc__model_buffers(). */
#ifndef DSC_NN_MODEL_IMPL_H
#define DSC_NN_MODEL_IMPL_H

#include "layer_impl.h"

struct dsc_model {
    const dsc_kernels *k;   /* cached at creation */
    size_t in_width;        /* features per input sample */
    size_t out_width;       /* width after the last layer */
    dsc__layer *layers;     /* in forward order, cap slots */
    size_t nlayers, cap;
    size_t nparams;         /* sum of the layers' parameter counts */
    int built;
    size_t max_batch;
    int training;           /* 1: dropout active */
    float *params, *grads;  /* nparams floats each, 64-byte aligned */
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

#endif
