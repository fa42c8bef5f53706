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

/* The passes over every layer, inside the caller's dsc__fpenv_enter/leave,
 * on validated arguments. Forward: batch rows of x. Backward: from dy
 * (batch rows of the output's gradient) down to the first layer, leaving
 * dLoss/dInput in m->dx when input_grad is set; grad_write: the layers
 * write their parameter gradients (dsc__pass.grad_write, or zeroed just
 * before for kinds without it) instead of adding to them; after, if not
 * NULL, runs once each layer's backward is done. */
void dsc__model_run_forward(dsc_model *m, const float *x, size_t batch, int training);
void dsc__model_run_backward(dsc_model *m, const float *dy, size_t batch, int grad_write,
                             void (*after)(void *ctx, const dsc__layer *l), void *ctx);

/* dsc_model_train_step for the trainer (fn names the caller in messages):
 * *value is the batch's loss whenever the loss was computed, on a refusal
 * too (NaN before that), which the trainer reports. */
dsc_status dsc__model_train_step(const char *fn, dsc_model *m, dsc_loss *loss, dsc_optimizer *opt,
                                 const float *x, const float *target, const int32_t *labels,
                                 size_t batch, double *value);

/* Named-tensor access shared by the public getters and setters (layer.c):
 * the tensor called name of a layer, a parameter (buffer 0; grad 1: its
 * gradient) or a buffer, with every check of dsc_model_get_param. */
dsc_status dsc__model_tensor_get(const char *fn, const dsc_model *m, size_t layer, const char *name,
                                 int grad, int buffer, float *dst, size_t n);
dsc_status dsc__model_tensor_set(const char *fn, dsc_model *m, size_t layer, const char *name,
                                 int buffer, const float *src, size_t n);

#endif
