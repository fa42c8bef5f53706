/* The layer struct and its per-kind vtable, private to lib/nn. A layer exists
 * only inside a model: the model keeps its layers in one array of this struct,
 * filled by the dsc_model_add_* call of each kind's file through
 * dsc__model_append.
 *
 * Widths stay flat: a model moves [batch, prod(shape)] float buffers between
 * layers; the per-sample shape (dsc__shape: N | C L | C H W | T F) says how a
 * layer reads its row. The engine (model.c, layer.c, lib/io) knows a kind
 * only through its vtable. Adding a layer kind touches these places:
 *   1. lib/nn/<kind>.c (and lib/meson.build): its dsc__layer_vtable and its
 *      public dsc_model_add_<kind> (experimental tier of include/descent.h,
 *      lib/descent.map, bindings/python/descent/_ffi.py), which validates its
 *      arguments, fills a dsc__layer {vt, u.<kind>} and calls
 *      dsc__model_append. The hooks:
 *        shape    accept the input shape or refuse with dsc__shape_refuse
 *                 ("dsc_model_add_conv2d: layer 3 (conv2d) needs a C x H x W
 *                 input with C = 8, got 4 x 13 x 11"); write the output shape;
 *        tensors  its parameters (PyTorch names and layouts, in the order of
 *                 parameters()) then its buffers; the model sizes and places
 *                 them (l->param, l->grad, l->buffer + offsets, packed in
 *                 list order), the named access, model files and checkpoints
 *                 (state_dict keys "<layer>.<state_name>") follow from it;
 *        init     PyTorch's default init (dsc__init_weight/_bias of
 *                 init_impl.h) and buffer resets;
 *        scratch_floats, forward, backward, dx_in_place, grad_write: the
 *                 passes;
 *        config_keys, config_get, config_add: its model-file description.
 *   2. its configuration struct: one member of the union `u` below.
 *   3. its vtable in dsc__layer_kinds[] (lib/nn/layer.c): one extern line and
 *      one row, so model files find the kind by name.
 *   4. its dsc_layer_kind value (the reserved number) in include/descent.h,
 *      a PIN in tests/test_abi.c, the enum in bindings/python/descent/_enums.py.
 *   5. tests: a builder row in conform_layers[] (tests/conform/layers.c) and in
 *      LAYER_BUILDERS (bindings/python/descent/conform.py), its cases taken off
 *      NEXT_EXCLUDE in tests/check_conform.sh, rows in rows[] of
 *      tests/test_gradcheck.c, and a Python class in bindings/python/descent/nn.py. */
#ifndef DSC_NN_LAYER_IMPL_H
#define DSC_NN_LAYER_IMPL_H

#include "../core/common.h"
#include "../core/rng.h"
#include "../kernels/kernels.h"
#include "conv_impl.h"

typedef struct dsc__layer dsc__layer;

/* A per-sample shape, PyTorch's layout without the batch dimension:
 * N (flat) | C L | C H W | T F. ndim is 1..DSC_MODEL_MAX_DIMS; d[] past ndim is 0. */
typedef struct dsc__shape {
    size_t ndim;
    size_t d[DSC_MODEL_MAX_DIMS];
} dsc__shape;

/* The number of elements, or 0 if it overflows size_t. */
size_t dsc__shape_numel(const dsc__shape *s);
/* "4 x 13 x 11" into buf; returns buf. */
const char *dsc__shape_words(const dsc__shape *s, char *buf, size_t size);
/* The shape hook's refusal: DSC_E_ARG with "<fn>: layer <index> (<name>)
 * needs <need...>, got <got>", need being a printf format. */
dsc_status dsc__shape_refuse(const char *fn, size_t index, const dsc__layer *l,
                             const dsc__shape *got, const char *need, ...) DSC_PRINTF(5, 6);

/* Most named tensors one layer has, the most dimensions of one, and the most
 * configuration values (config_keys) of one kind. State names are at most 24
 * characters ("<layer>.<state_name>" fits the 32 bytes lib/io gives a name). */
#define DSC__LAYER_MAX_TENSORS 8
#define DSC__TENSOR_MAX_DIMS 4
#define DSC__LAYER_MAX_CONFIG 24

/* One named tensor of a layer: a parameter (trained: in the model's flat
 * parameter buffer, its gradient at the same place of the gradient buffer) or
 * a buffer (not trained, such as batch norm's running statistics: in the
 * model's buffer area, which no optimizer sees). */
typedef struct dsc__tensor_desc {
    const char *name;       /* PyTorch's attribute name: "weight", "bias", "running_mean" */
    const char *state_name; /* its state_dict suffix when it differs ("weight_ih_l0"), else NULL */
    int is_buffer;
    size_t ndim;            /* 0 (a scalar) ..DSC__TENSOR_MAX_DIMS */
    size_t dims[DSC__TENSOR_MAX_DIMS]; /* PyTorch's layout, row-major */
    size_t offset;          /* filled by dsc__layer_tensors: floats from the start of the
                               layer's slice of the parameter (or buffer) area */
    int is_count;           /* a scalar whole-number buffer PyTorch keeps as int64
                               (num_batches_tracked): model files also accept it as I64 */
} dsc__tensor_desc;

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
    int grad_write; /* backward: write the parameter gradients instead of adding to them
                       (the fused training step's first backward); only for kinds whose
                       vtable sets grad_write */
} dsc__pass;

typedef struct dsc__layer_vtable {
    dsc_layer_kind kind;
    const char *name; /* "dense", "conv2d", ...: in messages, and the kind's name in model files */
    /* Checks that the layer accepts the per-sample input shape *in (the
     * model's shape so far) and writes its output shape; may record derived
     * sizes in l->u. Refuses with dsc__shape_refuse (DSC_E_ARG) naming fn and
     * the layer's index. Called once, by dsc__model_append. */
    dsc_status (*shape)(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                        dsc__shape *out);
    /* The layer's named tensors into out (room for DSC__LAYER_MAX_TENSORS),
     * offsets left 0; returns how many. Parameters come first, in the order
     * of PyTorch's parameters(), then buffers; each group is packed in list
     * order in the layer's slice. NULL: no tensor. Shapes are known. */
    size_t (*tensors)(const dsc__layer *l, dsc__tensor_desc *out);
    /* Fills the built layer's parameters (and resets its buffers) from r, as
     * dsc_model_init asks; called in layer order at build (PyTorch's default
     * init, seed 0) and by dsc_model_init. NULL: nothing to initialize. */
    void (*init)(dsc__layer *l, dsc_init weight_init, dsc_init bias_init, dsc_rng *r);
    /* Floats of private scratch the layer needs for batches of max_batch. NULL: none. */
    size_t (*scratch_floats)(const dsc__layer *l, size_t max_batch);
    void (*forward)(dsc__layer *l, const dsc__pass *p);
    /* dy: gradient of the output; dx: gradient of the input, NULL when
     * nobody needs it (first layer). Parameter gradients accumulate. dx may
     * equal dy for layers whose forward is elementwise. */
    void (*backward)(dsc__layer *l, const dsc__pass *p, const float *dy, float *dx);
    int dx_in_place; /* 1 if backward may write dx over dy */
    /* 1 if backward honours dsc__pass.grad_write, with the bits of zeroing
     * then adding (0.0f + the value, so a -0 becomes +0 alike). Kinds
     * without it have their parameter gradients zeroed by the engine just
     * before their backward (in cache, layer by layer), which the GEMM's
     * accumulating weight-gradient kernels (gemm_tn, bias_grad) need. */
    int grad_write;
    /* Model files (lib/io/model_io.c), for every kind but dense, activation
     * and dropout (whose encoding predates this): the configuration as named
     * numbers, written as {"kind": name, key: value...}, and the call that
     * appends the same layer to a model from them (validating them as its
     * public dsc_model_add_<kind> does). config_keys is NULL-terminated;
     * a kind without configuration gives an empty list. */
    const char *const *config_keys;
    void (*config_get)(const dsc__layer *l, double *values);
    dsc_status (*config_add)(const char *fn, dsc_model *model, const double *values);
    /* Optional: refuses a forward of batch samples in this mode before
     * anything runs (batch norm needs 2 values per channel to train), with
     * a message naming fn and the layer's index. NULL: every batch is fine. */
    dsc_status (*check_batch)(const dsc__layer *l, const char *fn, size_t index, size_t batch,
                              int training);
} dsc__layer_vtable;

struct dsc__layer {
    const dsc__layer_vtable *vt;
    const dsc_kernels *k;     /* the model's, cached when appended */
    dsc__shape in_shape, out_shape; /* per sample, set when appended */
    size_t in, out;           /* flat widths: the shapes' element counts */
    size_t nparams, nbuffers; /* floats of parameters and of buffers */
    size_t param_off, buffer_off; /* where they start in the model's areas */
    float *param, *grad;      /* the layer's slices of the model's parameter and gradient
                                 buffers (NULL before build) */
    float *buffer;            /* its slice of the model's buffer area (NULL before build) */
    /* Per-kind configuration and state: one member per kind. */
    union {
        struct {
            int has_bias;     /* param: W [out, in] then b [out] */
        } dense;
        struct {
            dsc_activation act;
            float alpha;      /* leaky ReLU slope */
        } act;
        struct {
            double p;         /* drop probability */
            float keep_scale; /* 1/(1-p), 0 when p = 1 */
            dsc_rng rng;      /* mask generator, seeded when added */
            uint64_t seed;    /* that seed (model files record it) */
            float *mask;      /* last training-mode mask (scratch), 0 or keep_scale */
            int masked;       /* whether the last forward applied the mask */
        } dropout;
        struct {
            size_t input, hidden; /* F and H of torch.nn.LSTM / GRU */
            size_t steps;         /* T, from the input shape */
        } rnn;
        struct {              /* batchnorm1d, batchnorm2d, layernorm */
            size_t features;  /* batch norm: channels C; layer norm: the last dimension */
            size_t spatial;   /* batch norm: values per channel per sample (1, L or H*W);
                                 layer norm: rows per sample (prod of the other dims) */
            double eps;       /* added to the variance inside the square root */
            double momentum;  /* batch norm: weight of the new statistic; NaN: cumulative */
            int batch_stats;  /* batch norm: the last forward used the batch's statistics */
        } norm;
        struct {
            dsc__conv_geom g; /* conv_impl.h; the spatial sizes set by the shape hook */
            int has_bias;     /* param: weight, then bias [out_c] */
        } conv;               /* conv1d, conv2d (conv.c) */
        struct {
            dsc_pool_geom g;  /* kernels.h; sizes set by the shape hook, planes per pass */
            int ceil_mode;
        } pool;               /* maxpool1d/2d, avgpool1d/2d (pool.c) */
    } u;
};

/* Appends a copy of *l (vt and its kind's union member filled, the rest zero)
 * to model (not NULL). Checks, in order: built (DSC_E_STATE), the shape hook
 * (DSC_E_ARG), sizes that overflow (DSC_E_ARG), memory (DSC_E_NOMEM); on
 * failure the model is unchanged. fn names the public caller in messages. */
dsc_status dsc__model_append(const char *fn, dsc_model *model, const dsc__layer *l);
/* The layer's tensors with their offsets (see the tensors hook); returns the count. */
size_t dsc__layer_tensors(const dsc__layer *l, dsc__tensor_desc *out);
/* Elements of one tensor (its dims' product; checked not to overflow when appended). */
size_t dsc__tensor_numel(const dsc__tensor_desc *t);
/* The state_dict suffix of a tensor: state_name, or name. */
const char *dsc__tensor_state_name(const dsc__tensor_desc *t);

/* Shape hook of the layers that keep the shape (activations, dropout). */
dsc_status dsc__shape_keep(dsc__layer *l, const char *fn, size_t index, const dsc__shape *in,
                           dsc__shape *out);

/* Every layer kind, for model files: NULL-terminated. */
extern const dsc__layer_vtable *const dsc__layer_kinds[];
/* The kind named name in model files, or NULL. */
const dsc__layer_vtable *dsc__layer_kind_named(const char *name);

#endif
