/* The layer struct and its per-kind vtable, private to lib/nn. A layer exists
 * only inside a model: the model keeps its layers in one array of this struct
 * (a few fields per kind), filled by the dsc_model_add_* calls of each kind's
 * file (dense.c, activation.c, dropout.c) through dsc__model_append. */
#ifndef DSC_NN_LAYER_IMPL_H
#define DSC_NN_LAYER_IMPL_H

#include "../core/common.h"
#include "../core/rng.h"
#include "../kernels/kernels.h"

typedef struct dsc__layer dsc__layer;

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
    size_t (*scratch_floats)(const dsc__layer *l, size_t max_batch);
    void (*forward)(dsc__layer *l, const dsc__pass *p);
    /* dy: gradient of the output; dx: gradient of the input, NULL when
     * nobody needs it (first layer). Parameter gradients accumulate. dx may
     * equal dy for layers whose forward is elementwise. */
    void (*backward)(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx);
    int dx_in_place; /* 1 if backward may write dx over dy */
} dsc__layer_vtable;

struct dsc__layer {
    const dsc__layer_vtable *vt;
    const dsc_kernels *k;   /* the model's, cached when appended */
    size_t in, out;         /* widths, set when appended */
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
    dsc_rng rng;            /* mask generator, seeded when added */
    uint64_t seed;          /* that seed (model files record it) */
    float *mask;            /* last training-mode mask (scratch), 0 or keep_scale */
    int masked;             /* whether the last forward applied the mask */
};

/* Appends a copy of *l (vt and its kind's fields filled, the rest zero) to
 * model (not NULL), which gives it its widths: in = the model's current
 * output width, out = l->out for a dense layer, in for the others. Checks, in
 * order: built (DSC_E_STATE), a parameter count that overflows (DSC_E_ARG),
 * memory (DSC_E_NOMEM); on failure the model is unchanged. fn names the
 * public caller in messages. */
dsc_status dsc__model_append(const char *fn, dsc_model *model, const dsc__layer *l);
size_t dsc__layer_param_count(const dsc__layer *l);

#endif
