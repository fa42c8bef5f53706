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
/*  Optimizer                                                                */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup optimizer Optimizer
 * @brief torch.optim's optimizers over parameter groups: a model's flat
 *        buffers or the host's own float arrays.
 *
 * An optimizer holds parameter groups. Each group is a parameter array, its
 * gradient array of the same length, its own copy of every hyperparameter
 * and its own state buffers (momentum, moments). dsc_optimizer_step() runs,
 * in this order and in this one place:
 *
 * 1. the gradient-reduce hook, if set (dsc_optimizer_set_grad_hook());
 * 2. the global L2 norm of all gradients of all groups, computed in double;
 *    it is the non-finite check too: if any gradient is NaN or infinite the
 *    step is refused with ::DSC_E_NONFINITE, parameters, state buffers and
 *    step counts stay bit-for-bit unchanged and the refused-step counter
 *    (dsc_optimizer_refused_steps()) goes up;
 * 3. clipping, when ::DSC_HP_CLIP_NORM or ::DSC_HP_CLIP_VALUE is set: PyTorch's
 *    `clip_grad_norm_` (s = clip_norm / (norm + 1e-6), gradients scaled by s
 *    if s < 1) then `clip_grad_value_` (clamp to [-clip_value, clip_value]);
 * 4. the update of every group, one fused SIMD pass over its buffers.
 *
 * Unlike PyTorch, descent never writes the gradient arrays during a step:
 * clipping is applied to the value the update reads, so the host's
 * gradients stay as it computed them (and a refused step has nothing to
 * undo). The results match PyTorch's clip-in-place followed by the update
 * (the norm is summed in double where PyTorch uses float32). A step reads
 * the gradients twice: once for the norm and check, once in the update.
 *
 * Every hyperparameter has a key (::dsc_hparam) whose number never changes,
 * the PyTorch argument name, a default, a range checked when it is set, and
 * a rule for when it may change. dsc_optimizer_set() changes the value of
 * every group and the default for groups added later;
 * dsc_optimizer_group_set() changes one group (what schedulers use).
 *
 * @code
 * float gains[3] = {1.0f, 0.1f, 0.0f}, grads[3];
 * dsc_optimizer *opt = NULL;
 * dsc_optimizer_new(&opt, DSC_OPT_ADAM);
 * dsc_optimizer_set(opt, DSC_HP_LR, 0.01);
 * dsc_optimizer_add_params(opt, gains, grads, 3, NULL);
 * for (int i = 0; i < 1000; i++) {
 *     compute_gradients(gains, grads);     // the host's own code
 *     dsc_optimizer_step(opt);             // gains updated in place
 * }
 * dsc_optimizer_free(opt);
 * @endcode
 * @{
 */

/**
 * @brief The optimizer algorithms, each matching its torch.optim class.
 *
 * Values are fixed and never renumbered.
 */
typedef enum dsc_optimizer_kind {
    DSC_OPT_SGD = 1,      /**< torch.optim.SGD: momentum, dampening, Nesterov, weight decay. */
    DSC_OPT_ADAGRAD = 2,  /**< torch.optim.Adagrad: lr decay, initial accumulator value. */
    DSC_OPT_RMSPROP = 3,  /**< torch.optim.RMSprop: alpha, centered, momentum. */
    DSC_OPT_ADAM = 4,     /**< torch.optim.Adam: betas, AMSGrad. */
    DSC_OPT_ADAMW = 5,    /**< torch.optim.AdamW: Adam with decoupled weight decay (default 0.01). */
    DSC_OPT_ADADELTA = 6, /**< torch.optim.Adadelta: rho, lr default 1.0. */
    DSC_OPT_ADAMAX = 7,   /**< torch.optim.Adamax: infinity-norm Adam. */
    DSC_OPT_NADAM = 8,    /**< torch.optim.NAdam (PyTorch >= 2.0 formula): momentum decay. */
    DSC_OPT_RADAM = 9     /**< torch.optim.RAdam: rectified Adam. */
} dsc_optimizer_kind;

/**
 * @brief Hyperparameter keys of dsc_optimizer_set() and friends.
 *
 * Numbers never change; a retired key stays reserved. Bands: 100 keys every
 * optimizer has, 200 SGD, 300 the Adam family, 400 RMSprop, 500 Adagrad,
 * 600 Adadelta. Booleans are 0 or 1. Every value must be finite. A key the
 * optimizer kind does not use gives ::DSC_E_UNSUPPORTED. Ranges below are
 * inclusive unless written with a parenthesis; dsc_optimizer_hparam_bounds()
 * returns them as numbers.
 *
 * "When": *any time* means between any two steps, *before the first step*
 * means while the group (for dsc_optimizer_set(): every group) has a step
 * count of 0 (later: ::DSC_E_STATE).
 */
typedef enum dsc_hparam {
    /** `lr`, the learning rate. Defaults: SGD 0.001 (PyTorch 1.13 has no
     *  default; 2.x uses 0.001), Adagrad 0.01, RMSprop 0.01, Adam 0.001,
     *  AdamW 0.001, Adadelta 1.0, Adamax 0.002, NAdam 0.002, RAdam 0.001.
     *  Range [0, +inf). Any time. */
    DSC_HP_LR = 100,
    /** `weight_decay`: L2 penalty added to the gradient (AdamW: decoupled,
     *  p *= 1 - lr*weight_decay). Default 0 (AdamW 0.01). Range [0, +inf).
     *  Any time. */
    DSC_HP_WEIGHT_DECAY = 101,
    /** `maximize`: ascend instead of descend (the gradient is negated before
     *  weight decay). Default 0. Boolean. Any time. Every kind (PyTorch 1.13
     *  lacks it for NAdam and RAdam; 2.x has it). */
    DSC_HP_MAXIMIZE = 102,
    /** `eps`: added for numerical stability. Defaults: Adagrad 1e-10,
     *  RMSprop/Adam/AdamW/Adamax/NAdam/RAdam 1e-8, Adadelta 1e-6. Range
     *  [0, +inf). Any time. Not SGD. */
    DSC_HP_EPS = 103,
    /** `max_norm` of torch.nn.utils.clip_grad_norm_ (L2 norm over every
     *  gradient of every group). 0 (the default) turns it off. Range
     *  [0, +inf). Any time. Optimizer-wide: dsc_optimizer_group_set() refuses
     *  it, dsc_optimizer_group_get() reads the optimizer's value. */
    DSC_HP_CLIP_NORM = 110,
    /** `clip_value` of torch.nn.utils.clip_grad_value_: each gradient is
     *  clamped to [-clip_value, clip_value] (after norm clipping if both are
     *  set). 0 (the default) turns it off. Range [0, +inf). Any time.
     *  Optimizer-wide, like ::DSC_HP_CLIP_NORM. */
    DSC_HP_CLIP_VALUE = 111,
    /** `momentum` (SGD, RMSprop). Default 0. Range [0, +inf). Any time (a
     *  scheduler may cycle it); with Nesterov on it must stay > 0. */
    DSC_HP_MOMENTUM = 200,
    /** `dampening` (SGD). Default 0. Range [0, 1]. Any time; with Nesterov on
     *  it must stay 0. */
    DSC_HP_DAMPENING = 201,
    /** `nesterov` (SGD). Default 0. Boolean. Before the first step. As
     *  PyTorch, 1 requires momentum > 0 and dampening 0 (::DSC_E_ARG
     *  otherwise): set those first. */
    DSC_HP_NESTEROV = 202,
    /** `betas[0]` (Adam, AdamW, Adamax, NAdam, RAdam). Default 0.9. Range
     *  [0, 1). Any time (a scheduler may cycle it). */
    DSC_HP_BETA1 = 300,
    /** `betas[1]` (Adam family). Default 0.999. Range [0, 1). Any time. */
    DSC_HP_BETA2 = 301,
    /** `amsgrad` (Adam, AdamW). Default 0. Boolean. Before the first step. */
    DSC_HP_AMSGRAD = 302,
    /** `momentum_decay` (NAdam, psi). Default 0.004. Range [0, +inf). Any time. */
    DSC_HP_MOMENTUM_DECAY = 303,
    /** NAdam's running product of mu (PyTorch's state `mu_product`): state,
     *  not a hyperparameter; read and written per group through
     *  dsc_optimizer_group_get()/dsc_optimizer_group_set() to checkpoint it.
     *  Starts at 1. Range (0, 1]. Any time; dsc_optimizer_set() refuses it. */
    DSC_HP_MU_PRODUCT = 304,
    /** `alpha` (RMSprop smoothing constant). Default 0.99. Range [0, 1]. Any time. */
    DSC_HP_ALPHA = 400,
    /** `centered` (RMSprop). Default 0. Boolean. Before the first step. */
    DSC_HP_CENTERED = 401,
    /** `lr_decay` (Adagrad). Default 0. Range [0, +inf). Any time. */
    DSC_HP_LR_DECAY = 500,
    /** `initial_accumulator_value` (Adagrad): the value the sum of squares
     *  starts from. Default 0. Range [0, +inf). Before the first step
     *  (setting it refills the accumulator). */
    DSC_HP_INITIAL_ACCUMULATOR_VALUE = 501,
    /** `rho` (Adadelta). Default 0.9. Range [0, 1]. Any time. */
    DSC_HP_RHO = 600
} dsc_hparam;

/**
 * @brief A gradient-reduce hook: called inside dsc_optimizer_step() for each
 *        group, before the norm, the non-finite check and clipping.
 *
 * Meant for data-parallel training: an `MPI_Allreduce` of @p grads across
 * ranks (then divided by the number of ranks), so every rank takes the same
 * decision on the same gradients. descent itself never links MPI.
 * @param[in]     opt   The optimizer being stepped.
 * @param[in]     group The group index, 0..count-1, in rising order.
 * @param[in,out] grads The group's gradient array, to be reduced in place.
 * @param[in]     n     Its length.
 * @param[in]     user  The pointer given to dsc_optimizer_set_grad_hook().
 * @return DSC_OK to go on; any other status stops the step, which then
 *         returns that status with nothing of the optimizer changed.
 */
typedef dsc_status (*dsc_grad_hook_fn)(dsc_optimizer *opt, size_t group, float *grads, size_t n,
                                       void *user);

/**
 * @brief Create an optimizer of one kind, with no parameter group yet.
 * @param[out] out  Receives the new optimizer; set to NULL on failure.
 * @param[in]  kind One of ::dsc_optimizer_kind.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out or an unknown @p kind; DSC_E_NOMEM.
 * @note Ownership: the caller owns the optimizer and frees it with dsc_optimizer_free().
 *       Every hyperparameter starts at its PyTorch default (see ::dsc_hparam).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_new(dsc_optimizer **out, dsc_optimizer_kind kind);

/**
 * @brief Release an optimizer and its state buffers (never the host's arrays).
 * @param[in] opt The optimizer, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_optimizer_free(dsc_optimizer *opt);

/**
 * @brief The kind an optimizer was created with.
 * @param[in]  opt The optimizer.
 * @param[out] out Receives its ::dsc_optimizer_kind.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_kind_of(const dsc_optimizer *opt, dsc_optimizer_kind *out);

/**
 * @brief Add the host's parameter array and its gradient array as a new group.
 *
 * The group takes the optimizer's current hyperparameters (the defaults
 * changed by dsc_optimizer_set()) and gets its state buffers now, zeroed (or
 * filled with `initial_accumulator_value` for Adagrad), so steps allocate
 * nothing. Buffers that only some settings use (SGD/RMSprop momentum,
 * RMSprop centered, AMSGrad) are allocated when the setting turns them on.
 * @param[in]     opt    The optimizer.
 * @param[in,out] params @p n floats, updated in place by each step.
 * @param[in]     grads  @p n floats: the gradient of the loss with respect
 *                       to @p params, read by each step, never written by it
 *                       (dsc_optimizer_zero_grad() and a grad hook write it).
 * @param[in]     n      At least 1.
 * @param[out]    group  Receives the new group's index (count-1); may be NULL.
 * @return DSC_OK; DSC_E_ARG for NULL pointers, @p n of 0 or overlapping
 *         arrays; DSC_E_NOMEM (nothing is added).
 * @note Ownership: both arrays are borrowed and must outlive the optimizer
 *       (or until it is freed); any alignment is accepted.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_add_params(dsc_optimizer *opt, float *params, const float *grads,
                                            size_t n, size_t *group);

/**
 * @brief The number of parameter groups.
 * @param[in]  opt The optimizer.
 * @param[out] out Receives the count.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_count(const dsc_optimizer *opt, size_t *out);

/**
 * @brief The number of parameters of one group.
 * @param[in]  opt   The optimizer.
 * @param[in]  group 0..count-1.
 * @param[out] out   Receives the group's length.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad group index.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_size(const dsc_optimizer *opt, size_t group, size_t *out);

/**
 * @brief Set a hyperparameter of every group and the default of groups added later.
 * @param[in,out] opt   The optimizer.
 * @param[in]     key   A key this optimizer kind uses (see ::dsc_hparam).
 * @param[in]     value A finite value in the key's range.
 * @return DSC_OK; DSC_E_ARG for NULL, NaN, infinity, a value out of range
 *         (the message gives the range) or a combination PyTorch refuses
 *         (Nesterov without momentum or with dampening);
 *         DSC_E_UNSUPPORTED for a key this kind does not use (or
 *         ::DSC_HP_MU_PRODUCT); DSC_E_STATE for a before-the-first-step key
 *         after a step; DSC_E_NOMEM if a state buffer the value turns on
 *         could not be allocated. On failure nothing changes.
 * @note May allocate (state buffers a setting turns on); never during a step.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_set(dsc_optimizer *opt, dsc_hparam key, double value);

/**
 * @brief Read the default a hyperparameter has for groups added from now on.
 * @param[in]  opt The optimizer.
 * @param[in]  key A key this optimizer kind uses.
 * @param[out] out Receives the value.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for a key this kind does not use.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_get(const dsc_optimizer *opt, dsc_hparam key, double *out);

/**
 * @brief Set one group's own value of a hyperparameter (its lr, weight decay, momentum...).
 *
 * This is what learning-rate schedulers use, as torch.optim.lr_scheduler
 * writes `param_group['lr']`.
 * @param[in,out] opt   The optimizer.
 * @param[in]     group 0..count-1.
 * @param[in]     key   A key this optimizer kind uses, other than the
 *                      optimizer-wide clip keys.
 * @param[in]     value A finite value in the key's range.
 * @return As dsc_optimizer_set(), plus DSC_E_ARG for a bad group index and
 *         DSC_E_UNSUPPORTED for ::DSC_HP_CLIP_NORM and ::DSC_HP_CLIP_VALUE.
 * @note May allocate as dsc_optimizer_set() does.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_set(dsc_optimizer *opt, size_t group, dsc_hparam key,
                                           double value);

/**
 * @brief Read one group's value of a hyperparameter.
 * @param[in]  opt   The optimizer.
 * @param[in]  group 0..count-1.
 * @param[in]  key   A key this optimizer kind uses (the clip keys read the optimizer's value).
 * @param[out] out   Receives the value.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad group index; DSC_E_UNSUPPORTED
 *         for a key this kind does not use.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_get(const dsc_optimizer *opt, size_t group, dsc_hparam key,
                                           double *out);

/**
 * @brief The inclusive range of values a key accepts for an optimizer kind.
 *
 * An open end such as beta1's 1 in [0, 1) is returned as the nearest double
 * inside the range. "No upper bound" is DBL_MAX. Booleans give 0 and 1.
 * @param[in]  kind A ::dsc_optimizer_kind.
 * @param[in]  key  A ::dsc_hparam.
 * @param[out] lo   Receives the smallest accepted value.
 * @param[out] hi   Receives the largest accepted value.
 * @return DSC_OK; DSC_E_ARG for NULL or an unknown kind; DSC_E_UNSUPPORTED
 *         for a key the kind does not use.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_hparam_bounds(dsc_optimizer_kind kind, dsc_hparam key, double *lo,
                                               double *hi);

/**
 * @brief The PyTorch name of a hyperparameter key ("lr", "beta1", ...).
 * @param[in] key Any value.
 * @return A static string; "unknown" for a value that is not a key. Never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_optimizer_hparam_name(dsc_hparam key);

/**
 * @brief Set (or remove) the gradient-reduce hook run first in each step.
 * @param[in,out] opt  The optimizer.
 * @param[in]     fn   The hook, or NULL to remove it.
 * @param[in]     user Passed unchanged to @p fn; may be NULL.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL.
 * @note The hook must not call functions of this optimizer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_set_grad_hook(dsc_optimizer *opt, dsc_grad_hook_fn fn, void *user);

/**
 * @brief Take one optimization step over every group: reduce hook, norm and
 *        non-finite check, clipping, update (see @ref optimizer).
 * @param[in,out] opt The optimizer.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL; DSC_E_STATE if it has no
 *         group; DSC_E_NONFINITE if a gradient is NaN or infinite (the step
 *         is refused: parameters, state and step counts unchanged, the
 *         refused-step counter incremented; the message names the first bad
 *         element); the hook's status if the hook failed.
 * @note Allocates nothing. Every group's step count goes up by one. The
 *       result matches torch.optim's `step()` to float32 precision.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_step(dsc_optimizer *opt);

/**
 * @brief Write zeros to every group's gradient array.
 * @param[in,out] opt The optimizer.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL.
 * @note Writes the host's gradient arrays: they must be writable.
 *       Allocates nothing. PyTorch's `zero_grad(set_to_none=False)`.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_zero_grad(dsc_optimizer *opt);

/**
 * @brief The global L2 norm of the gradients measured by the last step,
 *        before clipping (what clip_grad_norm_ returns).
 * @param[in]  opt The optimizer.
 * @param[out] out Receives the norm; NaN or infinity if the last step was
 *                 refused for a non-finite gradient; 0 before any step.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_last_grad_norm(const dsc_optimizer *opt, double *out);

/**
 * @brief How many steps were refused because of a non-finite gradient.
 * @param[in]  opt The optimizer.
 * @param[out] out Receives the count since creation.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_refused_steps(const dsc_optimizer *opt, uint64_t *out);

/**
 * @brief A group's step count (PyTorch's `state['step']`): the number of
 *        steps it has taken, used for bias corrections.
 * @param[in]  opt   The optimizer.
 * @param[in]  group 0..count-1.
 * @param[out] out   Receives the count.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad group index.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_step_count(const dsc_optimizer *opt, size_t group,
                                                  uint64_t *out);

/**
 * @brief Restore a group's step count, for resuming from a checkpoint.
 *
 * NAdam also keeps a running product per group: restore it with
 * dsc_optimizer_group_set(opt, group, ::DSC_HP_MU_PRODUCT, value).
 * @param[in,out] opt   The optimizer.
 * @param[in]     group 0..count-1.
 * @param[in]     steps The count to continue from.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad group index.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_set_step_count(dsc_optimizer *opt, size_t group,
                                                      uint64_t steps);

/**
 * @brief The number of state buffers each group of this optimizer has.
 *
 * Fixed per kind: SGD 1 (momentum_buffer), Adagrad 1 (sum), RMSprop 3
 * (square_avg, grad_avg, momentum_buffer), Adam/AdamW 3 (exp_avg,
 * exp_avg_sq, max_exp_avg_sq), Adadelta 2 (square_avg, acc_delta), Adamax 2
 * (exp_avg, exp_inf), NAdam 2, RAdam 2 (exp_avg, exp_avg_sq).
 * @param[in]  opt The optimizer.
 * @param[out] out Receives the count.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_state_count(const dsc_optimizer *opt, size_t *out);

/**
 * @brief The PyTorch name of a state buffer ("exp_avg", "momentum_buffer"...).
 * @param[in]  opt   The optimizer.
 * @param[in]  index 0..state_count-1.
 * @param[out] out   Receives a static string.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad index.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_state_name(const dsc_optimizer *opt, size_t index,
                                            const char **out);

/**
 * @brief Copy one state buffer of one group out, for a checkpoint.
 *
 * A buffer that was never allocated (AMSGrad off, no momentum...) reads as
 * zeros; see dsc_optimizer_state_in_use() for which buffers a checkpoint needs.
 * @param[in]  opt   The optimizer.
 * @param[in]  group 0..count-1.
 * @param[in]  index 0..state_count-1.
 * @param[out] dst   @p n floats.
 * @param[in]  n     The group's size.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad index; DSC_E_SHAPE if @p n is
 *         not the group's size.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_state_get(const dsc_optimizer *opt, size_t group, size_t index,
                                           float *dst, size_t n);

/**
 * @brief Whether a state buffer holds state (would be in PyTorch's state dict).
 *
 * A checkpoint saves the buffers in use and restores exactly those with
 * dsc_optimizer_state_set(). A buffer is not in use when the settings never
 * turned it on (AMSGrad off, no momentum...), and SGD's momentum_buffer is
 * not in use until the first step with momentum (PyTorch's None).
 * @param[in]  opt   The optimizer.
 * @param[in]  group 0..count-1.
 * @param[in]  index 0..state_count-1.
 * @param[out] out   Receives 1 or 0.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad index.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_state_in_use(const dsc_optimizer *opt, size_t group, size_t index,
                                              int *out);

/**
 * @brief Overwrite one state buffer of one group, when resuming from a checkpoint.
 *
 * Restore the hyperparameters first, then the buffers that were in use
 * (dsc_optimizer_state_in_use()), then the step counts. The buffer is
 * allocated if the current settings had not needed it, and it is in use from
 * now on (SGD's momentum_buffer continues instead of starting from the next
 * gradient).
 * @param[in,out] opt   The optimizer.
 * @param[in]     group 0..count-1.
 * @param[in]     index 0..state_count-1.
 * @param[in]     src   @p n floats.
 * @param[in]     n     The group's size.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad index; DSC_E_SHAPE if @p n is
 *         not the group's size; DSC_E_NOMEM (nothing changes).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_state_set(dsc_optimizer *opt, size_t group, size_t index,
                                           const float *src, size_t n);

/** @} */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DESCENT_H */
