/* The layer struct and its per-kind vtable, private to lib/nn. One struct
 * serves every kind (a few fields per kind) so a layer is one allocation. */
#ifndef DSC_NN_LAYER_IMPL_H
#define DSC_NN_LAYER_IMPL_H

#include "../core/common.h"
#include "../core/rng.h"
#include "../kernels/kernels.h"

/* Buffers a layer sees during a pass. x: input [batch, in]; y: output
 * [batch, out]; ws: the model's GEMM workspace (k->gemm_ws_floats floats);
 * scratch: the layer's own preallocated floats (scratch_floats()). */
typedef struct dsc__pass {
    size_t batch;
    const float *x;
    float *y;
    float *ws;
    float *scratch;
    int training;
} dsc__pass;

typedef struct dsc__layer_vtable {
    dsc_layer_kind kind;
    const char *name;                                   /* "dense", "relu", ... for messages */
    /* Floats of private scratch the layer needs for batches of max_batch. */
    size_t (*scratch_floats)(const dsc_layer *l, size_t max_batch);
    void (*forward)(dsc_layer *l, const dsc__pass *p);
    /* dy: gradient of the output; dx: gradient of the input, NULL when
     * nobody needs it (first layer). Parameter gradients accumulate. dx may
     * equal dy for layers whose forward is elementwise. */
    void (*backward)(dsc_layer *l, const dsc__pass *p, const float *dy, float *dx);
    int dx_in_place; /* 1 if backward may write dx over dy */
} dsc__layer_vtable;

struct dsc_layer {
    const dsc__layer_vtable *vt;
    const dsc_kernels *k;   /* cached at creation */
    size_t in, out;         /* widths; 0 for shape-preserving layers until added */
    int owned;              /* 1 once a model owns the layer */
    /* dense */
    int has_bias;
    float *w, *b;           /* into the model's parameter buffer (NULL before build) */
    float *dw, *db;         /* into the model's gradient buffer */
    /* activation */
    dsc_activation act;
    float alpha;            /* leaky ReLU slope */
    /* dropout */
    double p;               /* drop probability */
    float keep_scale;       /* 1/(1-p), 0 when p = 1 */
    dsc_rng rng;            /* mask generator, seeded at creation */
    float *mask;            /* last training-mode mask (scratch), 0 or keep_scale */
    int masked;             /* whether the last forward applied the mask */
};

/* Allocates a zeroed layer with the current kernel table. */
dsc_status dsc__layer_alloc(const char *fn, const dsc__layer_vtable *vt, dsc_layer **out);
size_t dsc__layer_param_count(const dsc_layer *l);

#endif
