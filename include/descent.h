/**
 * @file descent.h
 * @brief descent: an embeddable C library for training neural networks, built
 *        around the optimizer and its learning rate.
 *
 * A host links `libdescent.so` (or `libdescent.a`), includes this one header,
 * and gets tensors, layers, losses, optimizers and learning-rate schedulers
 * behind a stable C ABI. Hand-written SIMD kernels (SSE2, AVX2+FMA, AVX-512,
 * NEON), chosen at run time, do the arithmetic.
 *
 * Conventions that hold for every function in this header:
 * - Every object is an opaque handle created by `dsc_<thing>_new(&out, ...)`
 *   and released by `dsc_<thing>_free(ptr)`, which accepts NULL. On failure
 *   `*out` is set to NULL and nothing leaks.
 * - Every function that can fail returns a ::dsc_status (`DSC_OK` is 0) and
 *   writes results through out-pointers. On failure, dsc_last_error() gives a
 *   sentence saying what was wrong, and the call has changed nothing.
 * - Pointers returned by getters are borrowed from their handle.
 * - One handle is used by one thread at a time; different handles may be used
 *   from different threads at once.
 *
 * Stability: everything declared outside the `DESCENT_EXPERIMENTAL_API`
 * section is covered by the ABI promise of docs/abi.md: within a major version
 * symbols are only added, enum values are never renumbered, and the SONAME is
 * `libdescent.so.MAJOR`.
 *
 * A minimal session:
 * @code
 * #include <descent.h>
 * #include <stdio.h>
 *
 * int main(void) {
 *     size_t shape[2] = {2, 3};
 *     dsc_tensor *t = NULL;
 *     if (dsc_tensor_new(&t, shape, 2) != DSC_OK) {
 *         fprintf(stderr, "descent: %s\n", dsc_last_error());
 *         return 1;
 *     }
 *     dsc_tensor_fill(t, 0.5f);
 *     printf("descent %s on %s, %zu elements\n", dsc_version(), dsc_isa(),
 *            dsc_tensor_size(t));
 *     dsc_tensor_free(t);
 *     return 0;
 * }
 * @endcode
 */
#ifndef DESCENT_H
#define DESCENT_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/*  Export macros                                                            */
/* ------------------------------------------------------------------------ */

/** @cond INTERNAL_MACROS */
#if defined(_WIN32)
#  if defined(DSC_BUILDING_DLL)
#    define DSC_API __declspec(dllexport)
#  elif defined(DSC_USING_DLL)
#    define DSC_API __declspec(dllimport)
#  else
#    define DSC_API
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define DSC_API __attribute__((visibility("default")))
#else
#  define DSC_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define DSC_DEPRECATED(msg) __attribute__((deprecated(msg)))
#elif defined(_MSC_VER)
#  define DSC_DEPRECATED(msg) __declspec(deprecated(msg))
#else
#  define DSC_DEPRECATED(msg)
#endif
/** @endcond */

/* ------------------------------------------------------------------------ */
/*  Version                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup version Version
 * @brief Compile-time and run-time version numbers.
 *
 * The SONAME is `libdescent.so.MAJOR`: it changes only when the major
 * version does, and only then may a symbol be removed or a signature change.
 * A host compares DESCENT_VERSION_NUMBER (what it was built against) with
 * dsc_version_number() (what it loaded).
 * @{
 */
/** Major version: incompatible ABI changes. */
#define DESCENT_VERSION_MAJOR 0
/** Minor version: new symbols, compatible. */
#define DESCENT_VERSION_MINOR 1
/** Patch version: fixes only. */
#define DESCENT_VERSION_PATCH 0
/** MAJOR*10000 + MINOR*100 + PATCH. */
#define DESCENT_VERSION_NUMBER \
    (DESCENT_VERSION_MAJOR * 10000 + DESCENT_VERSION_MINOR * 100 + DESCENT_VERSION_PATCH)
/** @cond INTERNAL_MACROS */
#define DESCENT_STR_(x) #x
#define DESCENT_STR(x) DESCENT_STR_(x)
/** @endcond */
/** "MAJOR.MINOR.PATCH". */
#define DESCENT_VERSION_STRING \
    DESCENT_STR(DESCENT_VERSION_MAJOR) "." DESCENT_STR(DESCENT_VERSION_MINOR) "." DESCENT_STR(DESCENT_VERSION_PATCH)
/** @} */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @addtogroup version
 * @{
 */

/**
 * @brief The version of the loaded library as "MAJOR.MINOR.PATCH".
 * @return A static string; never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_version(void);

/**
 * @brief The version of the loaded library as MAJOR*10000 + MINOR*100 + PATCH.
 * @return The version number, equal to DESCENT_VERSION_NUMBER of the build.
 * @since 0.1.0
 */
DSC_API unsigned dsc_version_number(void);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Status and errors                                                        */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup status Status and errors
 * @brief Result codes and the thread-local error message.
 * @{
 */

/**
 * @brief The result of every function that can fail.
 *
 * Values are fixed and never renumbered: 0 is success, 1..99 are stable
 * errors, 100 and above are reserved for the experimental API.
 */
typedef enum dsc_status {
    DSC_OK = 0,              /**< Success. */
    DSC_E_ARG = 1,           /**< An argument is NULL, NaN, out of range or otherwise invalid. */
    DSC_E_NOMEM = 2,         /**< An allocation failed. */
    DSC_E_SHAPE = 3,         /**< Shapes or sizes do not agree. */
    DSC_E_STATE = 4,         /**< The call is not valid in the object's current state (out of order). */
    DSC_E_UNSUPPORTED = 5,   /**< The object does not support this key, kind or feature. */
    DSC_E_NONFINITE = 6,     /**< A gradient or loss is NaN or infinite; the step was refused. */
    DSC_E_FORMAT = 7,        /**< A file or buffer is malformed or corrupt. */
    DSC_E_IO = 8,            /**< Reading or writing a file failed. */
    DSC_E_INTERNAL = 9       /**< A bug in descent; please report it. */
} dsc_status;

/**
 * @brief The name of a status, such as "DSC_E_ARG".
 * @param[in] status Any value, valid or not.
 * @return A static string; "DSC_E_UNKNOWN" for a value that is not a status. Never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_status_name(dsc_status status);

/**
 * @brief A short, static description of a status ("invalid argument").
 * @param[in] status Any value, valid or not.
 * @return A static string; "unknown status" for a value that is not a status. Never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_status_message(dsc_status status);

/**
 * @brief The message of the most recent failed call on this thread.
 *
 * The message names the function and what was wrong, for example
 * "dsc_tensor_new: shape[1] is 0; every dimension must be at least 1".
 * Successful calls do not change it.
 * @return A thread-local string valid until the next failing call on this
 *         thread; "" if no call has failed yet. Never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_last_error(void);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Handles                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup handles Handles
 * @brief Opaque object types. No struct layout is public.
 * @{
 */
/** An n-dimensional float32 array, owning its memory or borrowing the host's. */
typedef struct dsc_tensor dsc_tensor;
/** One layer of a network (dense, activation, dropout). */
typedef struct dsc_layer dsc_layer;
/** A sequential model: an ordered list of layers with flat parameter buffers. */
typedef struct dsc_model dsc_model;
/** A loss function (MSE, cross-entropy, ...). */
typedef struct dsc_loss dsc_loss;
/** An optimizer over parameter groups (SGD, Adam, ...). */
typedef struct dsc_optimizer dsc_optimizer;
/** A learning-rate scheduler acting on an optimizer's groups. */
typedef struct dsc_lr_scheduler dsc_lr_scheduler;
/** A data set of inputs with targets or labels. */
typedef struct dsc_dataset dsc_dataset;
/** A training loop over a model, a loss, an optimizer and a data set. */
typedef struct dsc_trainer dsc_trainer;
/** @} */

/* ------------------------------------------------------------------------ */
/*  Core: allocator, ISA                                                     */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup core Core
 * @brief Allocator hook and the SIMD kernel set in use.
 * @{
 */

/**
 * @brief An allocation function: returns at least @p size bytes, or NULL.
 * @param size Bytes wanted; never 0.
 * @param user The @p user pointer given to dsc_set_allocator().
 */
typedef void *(*dsc_alloc_fn)(size_t size, void *user);

/**
 * @brief A release function for memory returned by the matching ::dsc_alloc_fn.
 * @param ptr A pointer from the allocation function; never NULL.
 * @param user The @p user pointer given to dsc_set_allocator().
 */
typedef void (*dsc_free_fn)(void *ptr, void *user);

/**
 * @brief Route every allocation descent makes through the host's functions.
 *
 * descent aligns blocks to 64 bytes itself, so @p alloc_fn only needs
 * malloc's guarantees. Passing NULL for both functions restores malloc/free.
 * @param[in] alloc_fn Allocation function, or NULL together with @p free_fn.
 * @param[in] free_fn  Release function, or NULL together with @p alloc_fn.
 * @param[in] user     Passed unchanged to both functions; may be NULL.
 * @return DSC_OK; DSC_E_ARG if exactly one of the functions is NULL.
 * @note Process-wide and not thread-safe: call it before any other descent
 *       call, and free every handle before changing it again (a block is
 *       always released through the functions that allocated it only if
 *       the hook is unchanged in between).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_set_allocator(dsc_alloc_fn alloc_fn, dsc_free_fn free_fn, void *user);

/**
 * @brief The name of the kernel set that new handles will use.
 *
 * One of "scalar", "sse2", "avx2", "avx512", "neon". Chosen once, at first
 * use, as the best set the CPU supports (checked with CPUID and XGETBV on
 * x86), capped by the environment variable `DESCENT_ISA` when set, or by
 * dsc_set_isa().
 * @return A static string; never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_isa(void);

/**
 * @brief Why the kernel set differs from the one `DESCENT_ISA` asked for.
 * @return A static string such as "DESCENT_ISA=avx512: not supported by this
 *         CPU; using avx2", or "" when the request was honoured or absent.
 * @since 0.1.0
 */
DSC_API const char *dsc_isa_note(void);

/**
 * @brief Whether this CPU and build can run a kernel set.
 * @param[in] name "scalar", "sse2", "avx2", "avx512" or "neon".
 * @return 1 if it can run, 0 if not or if @p name is unknown or NULL.
 * @since 0.1.0
 */
DSC_API int dsc_isa_available(const char *name);

/**
 * @brief Choose the kernel set for handles created after this call.
 *
 * Handles already created keep the set they cached. Meant for tests,
 * benchmarks and bindings that compare kernel sets.
 * @param[in] name A kernel set name, or NULL or "auto" for the best available.
 * @return DSC_OK; DSC_E_ARG if @p name is not a kernel set name;
 *         DSC_E_UNSUPPORTED if this CPU or build cannot run it (nothing changes).
 * @note Process-wide: do not call it while other threads create handles.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_set_isa(const char *name);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Tensor                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup tensor Tensor
 * @brief Row-major float32 arrays of up to DSC_TENSOR_MAX_DIMS dimensions.
 * @{
 */

/** The largest number of dimensions a tensor can have. */
#define DSC_TENSOR_MAX_DIMS 8

/**
 * @brief Create a tensor that owns zero-filled, 64-byte aligned memory.
 * @param[out] out   Receives the new tensor; set to NULL on failure.
 * @param[in]  shape @p ndim dimensions, each at least 1.
 * @param[in]  ndim  1..DSC_TENSOR_MAX_DIMS.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a bad @p ndim, a zero
 *         dimension or a size that overflows; DSC_E_NOMEM.
 * @note Ownership: the caller owns the tensor and frees it with dsc_tensor_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_new(dsc_tensor **out, const size_t *shape, size_t ndim);

/**
 * @brief Create a tensor over the host's memory, without copying it.
 * @param[out] out   Receives the new tensor; set to NULL on failure.
 * @param[in]  data  The host's array of at least the product of @p shape floats.
 * @param[in]  shape @p ndim dimensions, each at least 1.
 * @param[in]  ndim  1..DSC_TENSOR_MAX_DIMS.
 * @return DSC_OK; DSC_E_ARG as for dsc_tensor_new() or for a NULL @p data; DSC_E_NOMEM.
 * @note Ownership: @p data is borrowed and must outlive the tensor; writes
 *       through the tensor change the host's array. Any alignment is accepted.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_wrap(dsc_tensor **out, float *data, const size_t *shape, size_t ndim);

/**
 * @brief Release a tensor (and its memory, unless it was wrapped).
 * @param[in] t The tensor, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_tensor_free(dsc_tensor *t);

/**
 * @brief The tensor's elements, row-major.
 * @param[in] t The tensor.
 * @return A borrowed pointer valid until the tensor is freed; NULL if @p t is NULL.
 * @since 0.1.0
 */
DSC_API float *dsc_tensor_data(const dsc_tensor *t);

/**
 * @brief The number of dimensions.
 * @param[in] t The tensor.
 * @return 1..DSC_TENSOR_MAX_DIMS; 0 if @p t is NULL (dsc_last_error() says so).
 * @since 0.1.0
 */
DSC_API size_t dsc_tensor_ndim(const dsc_tensor *t);

/**
 * @brief The extent of one dimension.
 * @param[in] t    The tensor.
 * @param[in] axis 0..ndim-1.
 * @return The extent; 0 if @p t is NULL or @p axis is out of range (dsc_last_error() says which).
 * @since 0.1.0
 */
DSC_API size_t dsc_tensor_dim(const dsc_tensor *t, size_t axis);

/**
 * @brief The number of elements (product of the dimensions).
 * @param[in] t The tensor.
 * @return The element count; 0 if @p t is NULL.
 * @since 0.1.0
 */
DSC_API size_t dsc_tensor_size(const dsc_tensor *t);

/**
 * @brief Whether the tensor borrows host memory (made by dsc_tensor_wrap()).
 * @param[in] t The tensor.
 * @return 1 if borrowed, 0 if owned or if @p t is NULL.
 * @since 0.1.0
 */
DSC_API int dsc_tensor_is_borrowed(const dsc_tensor *t);

/**
 * @brief Set every element to @p value.
 * @param[in,out] t     The tensor.
 * @param[in]     value Any float, NaN and infinities included.
 * @return DSC_OK; DSC_E_ARG if @p t is NULL.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_fill(dsc_tensor *t, float value);

/**
 * @brief Copy the elements of @p src into @p dst.
 * @param[in,out] dst Destination; same shape as @p src.
 * @param[in]     src Source; may be @p dst itself.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_SHAPE if the shapes differ (nothing is copied).
 * @note Allocates nothing. Overlapping wrapped memory is handled as memmove does.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_copy(dsc_tensor *dst, const dsc_tensor *src);

/**
 * @brief Fill with uniform random numbers in [lo, hi) from a seed.
 *
 * The same seed gives the same numbers on every machine and kernel set.
 * @param[in,out] t    The tensor.
 * @param[in]     lo   Lower bound, finite.
 * @param[in]     hi   Upper bound, finite and greater than @p lo.
 * @param[in]     seed Any value.
 * @return DSC_OK; DSC_E_ARG for NULL or bad bounds (nothing is written).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_fill_uniform(dsc_tensor *t, float lo, float hi, uint64_t seed);

/**
 * @brief Fill with normally distributed random numbers from a seed.
 *
 * The same seed gives the same numbers on every machine and kernel set.
 * @param[in,out] t    The tensor.
 * @param[in]     mean Mean, finite.
 * @param[in]     std  Standard deviation, finite and at least 0.
 * @param[in]     seed Any value.
 * @return DSC_OK; DSC_E_ARG for NULL or bad parameters (nothing is written).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_tensor_fill_normal(dsc_tensor *t, float mean, float std, uint64_t seed);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Layer                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup layer Layer
 * @brief Building blocks of a sequential model: dense, activation, dropout.
 *
 * A layer is created on its own, then handed to a model with
 * dsc_model_add(), which takes ownership. Its parameters live in the model's
 * flat buffer once the model is built; read and write them through the model
 * (dsc_model_get_weight() and friends), by the layer's index.
 * @{
 */

/** What a layer does. Values are fixed and never renumbered. */
typedef enum dsc_layer_kind {
    DSC_LAYER_DENSE = 1,      /**< y = x W^T + b (torch.nn.Linear). */
    DSC_LAYER_ACTIVATION = 2, /**< An elementwise activation or a row softmax. */
    DSC_LAYER_DROPOUT = 3     /**< Random zeroing in training mode (torch.nn.Dropout). */
} dsc_layer_kind;

/** Activation functions. Values are fixed and never renumbered. */
typedef enum dsc_activation {
    DSC_ACTIVATION_IDENTITY = 0,   /**< y = x (torch.nn.Identity). */
    DSC_ACTIVATION_RELU = 1,       /**< y = max(x, 0); the derivative at 0 is 0, as PyTorch. */
    DSC_ACTIVATION_LEAKY_RELU = 2, /**< y = x for x >= 0, slope*x otherwise (torch.nn.LeakyReLU). */
    DSC_ACTIVATION_SIGMOID = 3,    /**< y = 1 / (1 + exp(-x)). */
    DSC_ACTIVATION_TANH = 4,       /**< y = tanh(x). */
    DSC_ACTIVATION_GELU = 5,       /**< y = x * Phi(x), the exact form (torch.nn.GELU()). */
    DSC_ACTIVATION_SOFTMAX = 6     /**< Row softmax (torch.nn.Softmax(dim=1)), for inference outputs;
                                        train classifiers on logits with ::DSC_LOSS_CROSS_ENTROPY. */
} dsc_activation;

/**
 * @brief Create a dense (fully connected) layer: y = x W^T + b.
 *
 * Matches torch.nn.Linear(in_features, out_features, bias): W is stored
 * [out_features, in_features] row-major. The parameters get their values
 * when the model is built (PyTorch's default initialization, see
 * dsc_model_build()).
 * @param[out] out          Receives the new layer; set to NULL on failure.
 * @param[in]  in_features  Inputs per sample, at least 1.
 * @param[in]  out_features Outputs per sample, at least 1.
 * @param[in]  bias         1 for a bias vector b, 0 for none.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out, a zero width, @p bias not 0
 *         or 1, or a parameter count that overflows; DSC_E_NOMEM.
 * @note Ownership: the caller owns the layer until dsc_model_add() succeeds.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_dense_new(dsc_layer **out, size_t in_features, size_t out_features,
                                       int bias);

/**
 * @brief Create an activation layer; its width is the previous layer's.
 * @param[out] out Receives the new layer; set to NULL on failure.
 * @param[in]  act Any ::dsc_activation. ::DSC_ACTIVATION_LEAKY_RELU gets
 *                 PyTorch's default slope 0.01 (see dsc_layer_leaky_relu_new()).
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or an unknown @p act; DSC_E_NOMEM.
 * @note Ownership: the caller owns the layer until dsc_model_add() succeeds.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_activation_new(dsc_layer **out, dsc_activation act);

/**
 * @brief Create a leaky ReLU layer with a given negative slope.
 * @param[out] out            Receives the new layer; set to NULL on failure.
 * @param[in]  negative_slope The slope for x < 0 (torch.nn.LeakyReLU's
 *                            negative_slope); finite.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or a non-finite slope; DSC_E_NOMEM.
 * @note Ownership: the caller owns the layer until dsc_model_add() succeeds.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_leaky_relu_new(dsc_layer **out, double negative_slope);

/**
 * @brief Create a dropout layer (torch.nn.Dropout(p)).
 *
 * In training mode each element is zeroed with probability @p p and the
 * others are scaled by 1/(1-p); in evaluation mode the layer passes its input
 * through. The masks come from descent's own generator seeded with @p seed,
 * so a seed gives the same masks on every machine (not PyTorch's masks).
 * @param[out] out  Receives the new layer; set to NULL on failure.
 * @param[in]  p    Probability of zeroing an element, 0 <= p <= 1 (p = 1 zeroes everything).
 * @param[in]  seed Seed of the layer's mask generator.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or @p p outside [0, 1] or NaN; DSC_E_NOMEM.
 * @note Ownership: the caller owns the layer until dsc_model_add() succeeds.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_dropout_new(dsc_layer **out, double p, uint64_t seed);

/**
 * @brief Release a layer that no model owns.
 * @param[in] layer The layer, or NULL (then nothing happens). A layer that
 *                  was added to a model belongs to it: this call then does
 *                  nothing (dsc_last_error() says so) and dsc_model_free()
 *                  releases it.
 * @since 0.1.0
 */
DSC_API void dsc_layer_free(dsc_layer *layer);

/**
 * @brief What a layer is and its widths.
 * @param[in]  layer        The layer.
 * @param[out] kind         Receives its ::dsc_layer_kind; may be NULL.
 * @param[out] in_features  Receives its input width; may be NULL. 0 for an
 *                          activation or dropout layer not yet added to a model.
 * @param[out] out_features Receives its output width; may be NULL. As @p in_features.
 * @return DSC_OK; DSC_E_ARG if @p layer is NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_info(const dsc_layer *layer, dsc_layer_kind *kind,
                                  size_t *in_features, size_t *out_features);

/**
 * @brief The number of trainable parameters of a layer (out*in + out for a
 *        dense layer with bias; 0 for activation and dropout layers).
 * @param[in]  layer The layer.
 * @param[out] out   Receives the count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_layer_param_count(const dsc_layer *layer, size_t *out);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Model                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup model Model
 * @brief A sequential model: layers in order, built once for a maximum batch.
 *
 * Life cycle: dsc_model_new(), dsc_model_add() for each layer,
 * dsc_model_build() for a maximum batch size, then any number of
 * dsc_model_forward(), loss, dsc_model_backward(), optimizer step and
 * dsc_model_zero_grad(), none of which allocates. Layers are numbered from 0
 * in the order they were added, activations and dropout included (the
 * numbering of torch.nn.Sequential). Inputs and outputs are row-major
 * [batch, width] float arrays.
 *
 * Parameters are laid out in one contiguous 64-byte aligned buffer, layer by
 * layer in order, each dense layer's W ([out, in] row-major) then b: the
 * order of PyTorch's model.parameters(). Gradients use the same layout in a
 * second buffer.
 * @code
 * dsc_model *m = NULL;
 * dsc_layer *l = NULL;
 * dsc_model_new(&m, 2);
 * dsc_layer_dense_new(&l, 2, 4, 1);  dsc_model_add(m, l);
 * dsc_layer_activation_new(&l, DSC_ACTIVATION_TANH);  dsc_model_add(m, l);
 * dsc_layer_dense_new(&l, 4, 1, 1);  dsc_model_add(m, l);
 * dsc_model_build(m, 4);
 * @endcode
 * (check every status in real code; a layer whose dsc_model_add() failed is
 * still the caller's to free.)
 * @{
 */

/** Parameter initializations. Values are fixed and never renumbered. */
typedef enum dsc_init {
    /** torch.nn.Linear's default: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with
     *  a = sqrt(5)) and b ~ U(-1/sqrt(in), 1/sqrt(in)). */
    DSC_INIT_PYTORCH_DEFAULT = 1,
    DSC_INIT_XAVIER_UNIFORM = 2, /**< W ~ U(-a, a), a = sqrt(6/(in+out)) (xavier_uniform_, gain 1). */
    DSC_INIT_XAVIER_NORMAL = 3,  /**< W ~ N(0, 2/(in+out)) (xavier_normal_, gain 1). */
    DSC_INIT_KAIMING_UNIFORM = 4,/**< W ~ U(-a, a), a = sqrt(6/in) (kaiming_uniform_, ReLU gain, fan_in). */
    DSC_INIT_KAIMING_NORMAL = 5, /**< W ~ N(0, 2/in) (kaiming_normal_, ReLU gain, fan_in). */
    DSC_INIT_ZEROS = 6           /**< All zeros (torch.nn.init.zeros_). */
} dsc_init;

/**
 * @brief Create an empty sequential model.
 * @param[out] out         Receives the new model; set to NULL on failure.
 * @param[in]  input_width Features per input sample, at least 1.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or a zero width; DSC_E_NOMEM.
 * @note Ownership: the caller owns the model and frees it with dsc_model_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_new(dsc_model **out, size_t input_width);

/**
 * @brief Release a model, its layers and its buffers.
 * @param[in] model The model, or NULL (then nothing happens).
 * @note Pointers obtained from the model (outputs, parameter and gradient
 *       buffers) become invalid; an optimizer that holds the model's buffers
 *       must not be stepped afterwards.
 * @since 0.1.0
 */
DSC_API void dsc_model_free(dsc_model *model);

/**
 * @brief Append a layer.
 * @param[in,out] model The model, not yet built.
 * @param[in]     layer A layer no model owns. A dense layer's input width must
 *                      equal the model's current output width; activation and
 *                      dropout layers take that width.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_STATE if the model is already
 *         built or the layer already belongs to a model; DSC_E_SHAPE if the
 *         widths do not match; DSC_E_NOMEM. On failure nothing changes and
 *         the caller still owns the layer.
 * @note Ownership: on DSC_OK the model owns the layer and frees it.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_add(dsc_model *model, dsc_layer *layer);

/**
 * @brief Allocate every buffer for batches of up to @p max_batch samples and
 *        initialize the parameters.
 *
 * Lays every parameter in one contiguous 64-byte aligned buffer and every
 * gradient (zeroed) in another, and preallocates all activations and kernel
 * workspaces, so that nothing allocates afterwards. Parameters get PyTorch's
 * default initialization from seed 0 (as dsc_model_init() with
 * ::DSC_INIT_PYTORCH_DEFAULT for both, seed 0). The model starts in training mode.
 * @param[in,out] model     The model, with at least one layer, not yet built.
 * @param[in]     max_batch The largest batch forward and backward will see, at least 1.
 * @return DSC_OK; DSC_E_ARG for NULL or a zero @p max_batch, or sizes that
 *         overflow; DSC_E_STATE if already built or without layers;
 *         DSC_E_NOMEM (the model stays unbuilt and can be built again).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_build(dsc_model *model, size_t max_batch);

/**
 * @brief The number of layers.
 * @param[in]  model The model.
 * @param[out] out   Receives the count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_layer_count(const dsc_model *model, size_t *out);

/**
 * @brief One layer of the model, to inspect it with dsc_layer_info().
 * @param[in]  model The model.
 * @param[in]  index 0..layer count - 1.
 * @param[out] out   Receives the layer; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or an index out of range.
 * @note Ownership: borrowed from the model, valid until dsc_model_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_layer(const dsc_model *model, size_t index, const dsc_layer **out);

/**
 * @brief The input and output widths of the model.
 * @param[in]  model        The model.
 * @param[out] input_width  Receives the input width; may be NULL.
 * @param[out] output_width Receives the width of the last layer's output
 *                          (the input width while there are no layers); may be NULL.
 * @return DSC_OK; DSC_E_ARG if @p model is NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_widths(const dsc_model *model, size_t *input_width,
                                    size_t *output_width);

/**
 * @brief The maximum batch the model was built for.
 * @param[in]  model The model.
 * @param[out] out   Receives the maximum batch; 0 while the model is not built.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_max_batch(const dsc_model *model, size_t *out);

/**
 * @brief Switch between training mode (1: dropout active) and evaluation mode (0).
 * @param[in,out] model    The model.
 * @param[in]     training 1 or 0 (model.train() / model.eval()).
 * @return DSC_OK; DSC_E_ARG for a NULL model or a value other than 0 and 1.
 * @note Allocates nothing. A forward pass already done keeps the masks it used.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_set_training(dsc_model *model, int training);

/**
 * @brief Whether the model is in training mode.
 * @param[in]  model The model.
 * @param[out] out   Receives 1 (training) or 0 (evaluation).
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_is_training(const dsc_model *model, int *out);

/**
 * @brief (Re)initialize every dense layer's parameters from a seed.
 *
 * One generator seeded with @p seed draws, layer by layer in order, W then b,
 * so a seed gives the same parameters on every machine and kernel set (not
 * PyTorch's numbers, which come from its own generator).
 * @param[in,out] model       A built model.
 * @param[in]     weight_init Any ::dsc_init.
 * @param[in]     bias_init   ::DSC_INIT_PYTORCH_DEFAULT (U(-1/sqrt(in), 1/sqrt(in)))
 *                            or ::DSC_INIT_ZEROS.
 * @param[in]     seed        Any value.
 * @return DSC_OK; DSC_E_ARG for a NULL model or an unknown or unsupported
 *         init; DSC_E_STATE if the model is not built. Nothing changes on failure.
 * @note Allocates nothing. Gradients are left as they are.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_init(dsc_model *model, dsc_init weight_init, dsc_init bias_init,
                                  uint64_t seed);

/**
 * @brief Forward pass over a batch, keeping what backward needs.
 * @param[in,out] model The built model.
 * @param[in]     x     @p batch rows of input_width floats, row-major. Copied:
 *                      the host may reuse it at once.
 * @param[in]     batch 1..max_batch.
 * @param[out]    y     Receives the output, @p batch rows of output_width
 *                      floats; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or a zero batch; DSC_E_SHAPE if
 *         @p batch exceeds the maximum batch (use dsc_model_predict() for
 *         larger inference batches); DSC_E_STATE if the model is not built.
 * @note Ownership: @p y is borrowed from the model and valid until the next
 *       forward, predict or free. Allocates nothing. Dropout layers draw new
 *       masks in training mode.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_forward(dsc_model *model, const float *x, size_t batch,
                                     const float **y);

/**
 * @brief Inference over any number of samples, in chunks of the maximum batch.
 *
 * Runs as in evaluation mode (dropout off) whatever the model's mode, which
 * it leaves unchanged.
 * @param[in,out] model The built model.
 * @param[in]     x     @p n rows of input_width floats.
 * @param[in]     n     Number of samples, at least 1.
 * @param[out]    y     @p n rows of output_width floats, written by the call;
 *                      must not overlap @p x.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or @p n = 0; DSC_E_STATE if
 *         the model is not built.
 * @note Allocates nothing. It overwrites the activations a forward pass kept,
 *       so dsc_model_backward() needs a new dsc_model_forward() afterwards.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_predict(dsc_model *model, const float *x, size_t n, float *y);

/**
 * @brief Backward pass: add the gradients of the last forward's batch to the
 *        gradient buffer.
 *
 * Gradients accumulate until dsc_model_zero_grad(), as in PyTorch. Calling it
 * twice after one forward adds the gradients twice.
 * @param[in,out] model The model, after dsc_model_forward().
 * @param[in]     dy    dLoss/dOutput: @p batch rows of output_width floats
 *                      (from dsc_loss_backward()).
 * @param[in]     batch The batch of the last forward pass.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if no forward
 *         pass (or a predict since) precedes it; DSC_E_SHAPE if @p batch
 *         differs from the forward's. Nothing changes on failure.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_backward(dsc_model *model, const float *dy, size_t batch);

/**
 * @brief Set every gradient to zero.
 * @param[in,out] model The built model.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_STATE if the model is not built.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_zero_grad(dsc_model *model);

/**
 * @brief The number of trainable parameters (the length of the flat buffers).
 * @param[in]  model The model (built or not).
 * @param[out] out   Receives the count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_param_count(const dsc_model *model, size_t *out);

/**
 * @brief The flat parameter buffer, for optimizers and checkpoints.
 * @param[in]  model The built model.
 * @param[out] out   Receives param_count floats, 64-byte aligned; NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if not built.
 * @note Ownership: borrowed; valid until dsc_model_free(). Writes change the model.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_params(dsc_model *model, float **out);

/**
 * @brief The flat gradient buffer (same layout as the parameters).
 * @param[in]  model The built model.
 * @param[out] out   Receives param_count floats, 64-byte aligned; NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if not built.
 * @note Ownership: borrowed; valid until dsc_model_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_grads(dsc_model *model, float **out);

/**
 * @brief Copy a dense layer's weight out, in PyTorch layout [out, in] row-major.
 * @param[in]  model The built model.
 * @param[in]  layer Index of a dense layer (nn.Sequential numbering).
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     out_features * in_features of that layer.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, an index out of range or a
 *         layer that is not dense; DSC_E_SHAPE if @p n is wrong; DSC_E_STATE
 *         if not built.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_get_weight(const dsc_model *model, size_t layer, float *dst, size_t n);

/**
 * @brief Set a dense layer's weight from PyTorch layout [out, in] row-major.
 * @param[in,out] model The built model.
 * @param[in]     layer Index of a dense layer.
 * @param[in]     src   @p n finite floats.
 * @param[in]     n     out_features * in_features of that layer.
 * @return As dsc_model_get_weight(), and DSC_E_ARG if a value is NaN or
 *         infinite. Nothing changes on failure.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_set_weight(dsc_model *model, size_t layer, const float *src, size_t n);

/**
 * @brief Copy a dense layer's bias out.
 * @param[in]  model The built model.
 * @param[in]  layer Index of a dense layer.
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     out_features of that layer.
 * @return As dsc_model_get_weight(), and DSC_E_UNSUPPORTED if the layer has no bias.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_get_bias(const dsc_model *model, size_t layer, float *dst, size_t n);

/**
 * @brief Set a dense layer's bias.
 * @param[in,out] model The built model.
 * @param[in]     layer Index of a dense layer.
 * @param[in]     src   @p n finite floats.
 * @param[in]     n     out_features of that layer.
 * @return As dsc_model_set_weight(), and DSC_E_UNSUPPORTED if the layer has no bias.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_set_bias(dsc_model *model, size_t layer, const float *src, size_t n);

/**
 * @brief Copy a dense layer's accumulated weight gradient out ([out, in] row-major).
 * @param[in]  model The built model.
 * @param[in]  layer Index of a dense layer.
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     out_features * in_features of that layer.
 * @return As dsc_model_get_weight().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_get_weight_grad(const dsc_model *model, size_t layer, float *dst,
                                             size_t n);

/**
 * @brief Copy a dense layer's accumulated bias gradient out.
 * @param[in]  model The built model.
 * @param[in]  layer Index of a dense layer.
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     out_features of that layer.
 * @return As dsc_model_get_bias().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_get_bias_grad(const dsc_model *model, size_t layer, float *dst,
                                           size_t n);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Loss                                                                     */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup loss Loss
 * @brief Loss functions over a batch of model outputs, mean-reduced as PyTorch's defaults.
 *
 * dsc_loss_forward() (or dsc_loss_forward_labels() for class labels) gives
 * the loss value and remembers its arguments; dsc_loss_backward() then writes
 * dLoss/dOutput, ready for dsc_model_backward().
 * @code
 * const float *y;  double value;
 * dsc_model_forward(model, x, n, &y);
 * dsc_loss_forward(loss, y, target, n, width, &value);
 * dsc_loss_backward(loss, dy);           // dy: n*width floats of the host's
 * dsc_model_backward(model, dy, n);
 * @endcode
 * @{
 */

/** Loss functions. Values are fixed and never renumbered. */
typedef enum dsc_loss_kind {
    DSC_LOSS_MSE = 1,            /**< mean((y-t)^2) over all elements (torch.nn.MSELoss). */
    DSC_LOSS_CROSS_ENTROPY = 2,  /**< mean over samples of -log softmax(y)[label], integer labels,
                                      softmax fused in (torch.nn.CrossEntropyLoss). */
    DSC_LOSS_BCE_WITH_LOGITS = 3,/**< mean of -[t log s(y) + (1-t) log(1-s(y))], s the sigmoid,
                                      computed stably (torch.nn.BCEWithLogitsLoss). */
    DSC_LOSS_HUBER = 4,          /**< mean of 0.5 d^2 if |d| < delta, else delta (|d| - delta/2),
                                      d = y-t (torch.nn.HuberLoss). */
    DSC_LOSS_L1 = 5,             /**< mean |y-t| (torch.nn.L1Loss); gradient 0 at y = t. */
    DSC_LOSS_SMOOTH_L1 = 6       /**< mean of 0.5 d^2/beta if |d| < beta, else |d| - beta/2
                                      (torch.nn.SmoothL1Loss; beta is ::DSC_LOSS_DELTA). */
} dsc_loss_kind;

/** Keys of dsc_loss_set() and dsc_loss_get(). Values are fixed and never renumbered. */
typedef enum dsc_loss_param {
    /** Huber's delta (> 0) or smooth L1's beta (>= 0); default 1.0. Settable any time. */
    DSC_LOSS_DELTA = 1
} dsc_loss_param;

/**
 * @brief Create a loss function.
 * @param[out] out  Receives the new loss; set to NULL on failure.
 * @param[in]  kind Any ::dsc_loss_kind.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or an unknown kind; DSC_E_NOMEM.
 * @note Ownership: the caller owns the loss and frees it with dsc_loss_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_new(dsc_loss **out, dsc_loss_kind kind);

/**
 * @brief Release a loss.
 * @param[in] loss The loss, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_loss_free(dsc_loss *loss);

/**
 * @brief Set a parameter of the loss.
 * @param[in,out] loss  The loss.
 * @param[in]     key   A ::dsc_loss_param the loss uses.
 * @param[in]     value The value, within the key's range.
 * @return DSC_OK; DSC_E_ARG for a NULL loss or a value out of range (the
 *         message gives the range); DSC_E_UNSUPPORTED for a key this kind of
 *         loss does not use. Nothing changes on failure.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_set(dsc_loss *loss, dsc_loss_param key, double value);

/**
 * @brief Read a parameter of the loss.
 * @param[in]  loss The loss.
 * @param[in]  key  A ::dsc_loss_param the loss uses.
 * @param[out] out  Receives the value.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a key
 *         this kind of loss does not use.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_get(const dsc_loss *loss, dsc_loss_param key, double *out);

/**
 * @brief The loss of a batch against float targets (every kind but cross-entropy).
 * @param[in,out] loss   The loss; remembers @p y, @p target and the sizes for
 *                       dsc_loss_backward().
 * @param[in]     y      @p batch rows of @p width model outputs.
 * @param[in]     target @p batch rows of @p width targets (BCE: probabilities).
 * @param[in]     batch  Samples, at least 1.
 * @param[in]     width  Outputs per sample, at least 1.
 * @param[out]    value  Receives the mean loss.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or a zero size;
 *         DSC_E_UNSUPPORTED for a cross-entropy loss (use
 *         dsc_loss_forward_labels()); DSC_E_NONFINITE if @p y or @p target
 *         holds NaN or an infinity. Nothing changes on failure.
 * @note Ownership: @p y and @p target are borrowed until dsc_loss_backward()
 *       and must not change before it. Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_forward(dsc_loss *loss, const float *y, const float *target,
                                    size_t batch, size_t width, double *value);

/**
 * @brief The loss of a batch against integer class labels (cross-entropy).
 * @param[in,out] loss   A ::DSC_LOSS_CROSS_ENTROPY loss; remembers its arguments
 *                       for dsc_loss_backward().
 * @param[in]     y      @p batch rows of @p width logits.
 * @param[in]     labels @p batch class indices, each in 0..width-1.
 * @param[in]     batch  Samples, at least 1.
 * @param[in]     width  Classes, at least 1.
 * @param[out]    value  Receives the mean loss, computed stably (log-sum-exp) for large logits.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a zero size or a label out of
 *         range (the message names the sample); DSC_E_UNSUPPORTED for another
 *         kind of loss; DSC_E_NONFINITE if @p y holds NaN or an infinity.
 *         Nothing changes on failure.
 * @note Ownership: @p y and @p labels are borrowed until dsc_loss_backward()
 *       and must not change before it. Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_forward_labels(dsc_loss *loss, const float *y, const int32_t *labels,
                                           size_t batch, size_t width, double *value);

/**
 * @brief dLoss/dOutput of the last forward, for dsc_model_backward().
 * @param[in,out] loss The loss, after a successful forward.
 * @param[out]    dy   batch*width floats of the host's; must not overlap the
 *                     forward's inputs.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if no forward
 *         preceded it.
 * @note Allocates nothing. May be called again; it writes the same values.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_backward(dsc_loss *loss, float *dy);

/**
 * @brief Classification accuracy: the fraction of samples whose largest
 *        output is at its label (the first maximum wins ties). With one
 *        output per sample (binary logits), the prediction is 1 when y > 0.
 * @param[in]  y      @p batch rows of @p width outputs (logits or probabilities).
 * @param[in]  labels @p batch labels in 0..width-1 (0 or 1 when width is 1).
 * @param[in]  batch  Samples, at least 1.
 * @param[in]  width  Outputs per sample, at least 1.
 * @param[out] out    Receives the accuracy in [0, 1].
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a zero size or a label out of range.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_accuracy(const float *y, const int32_t *labels, size_t batch, size_t width,
                                double *out);

/** @} */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DESCENT_H */
