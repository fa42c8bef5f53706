/**
 * @file descent.h
 * @brief descent: an embeddable C library for training neural networks, built
 *        around the optimizer and its learning rate.
 *
 * A host links `libdescent.so` (or `libdescent.a`), includes this one header,
 * and gets models, losses, optimizers, learning-rate schedulers, data sets
 * and a training loop behind a stable C ABI. Hand-written SIMD kernels (SSE2, AVX2+FMA, AVX-512,
 * NEON), chosen at run time, do the arithmetic.
 *
 * Conventions that hold for every function in this header:
 * - Every object is an opaque handle created by `dsc_<thing>_new(&out, ...)`
 *   and released by `dsc_<thing>_free(ptr)`, which accepts NULL. On failure
 *   `*out` is set to NULL and nothing leaks.
 * - Every function that can fail returns a ::dsc_status (`DSC_OK` is 0) and
 *   writes results through out-pointers, which it sets to 0 or NULL on
 *   failure. On failure, dsc_last_error() gives a sentence saying what was
 *   wrong, and the call has changed nothing. Only functions that cannot fail
 *   return a value directly: the version, status-name, last-error and
 *   kernel-set queries, and name lookups.
 * - Pointers returned by getters are borrowed from their handle. A getter on
 *   a `const` handle gives only `const` pointers; one that gives a writable
 *   pointer takes a non-const handle.
 * - One handle is used by one thread at a time; different handles may be used
 *   from different threads at once.
 * - descent starts no thread unless the host asks for them
 *   (dsc_set_threads(), `DESCENT_THREADS`, or its own job system through
 *   dsc_set_parallel_for(); see @ref threads); results do not depend on the
 *   thread count.
 * - Compute calls flush subnormal floats to zero by default, round to nearest
 *   and mask exceptions, and restore the caller's floating-point control
 *   register before returning; dsc_set_flush_denormals() keeps IEEE
 *   subnormals instead (see @ref core).
 *
 * Stability: everything declared outside the `DESCENT_EXPERIMENTAL_API`
 * section is covered by the ABI promise of docs/abi.md: within a major version
 * symbols are only added, enum values are never renumbered, and the SONAME is
 * `libdescent.so.MAJOR` (while the major version is 0, a minor release may
 * still change the ABI; the changelog lists every change). The tensors, the
 * range test and search (@ref experimental) are declared only for hosts that
 * define `DESCENT_EXPERIMENTAL_API` first, and may change in any minor release.
 *
 * A minimal session: Adam over two of the host's own floats.
 * @code
 * #include <descent.h>
 * #include <stdio.h>
 *
 * int main(void) {
 *     float x[2] = {3.0f, -2.0f}, g[2];   // minimise (x0 - 1)^2 + (x1 + 1)^2
 *     dsc_optimizer *opt = NULL;
 *     if (dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM) != DSC_OK ||
 *         dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.1) != DSC_OK ||
 *         dsc_optimizer_add_params(opt, x, g, 2, NULL) != DSC_OK) {
 *         fprintf(stderr, "descent: %s\n", dsc_last_error());
 *         dsc_optimizer_free(opt);
 *         return 1;
 *     }
 *     for (int i = 0; i < 300; i++) {
 *         g[0] = 2.0f * (x[0] - 1.0f);
 *         g[1] = 2.0f * (x[1] + 1.0f);
 *         dsc_optimizer_step(opt);
 *     }
 *     printf("descent %s on %s: x = (%.3f, %.3f)\n", dsc_version(), dsc_isa(), x[0], x[1]);
 *     dsc_optimizer_free(opt);
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
#define DESCENT_VERSION_MINOR 2
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
/*  Core: allocator, ISA, floating-point mode                                */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup core Core
 * @brief Allocator hook, the SIMD kernel set in use and the floating-point mode.
 *
 * Floating-point mode: every call that computes (model forward and backward,
 * losses, optimizer steps, and the trainer through them) runs with round to
 * nearest and every exception masked, and by default with subnormal floats
 * flushed to zero (x86: MXCSR FTZ and DAZ; AArch64: FPCR.FZ), because
 * subnormal arithmetic is 10-100x slower on many CPUs. It then puts the
 * caller's control register back exactly as it was, so the host's own mode
 * is never changed. Flushing makes results that would be subnormal (below
 * about 1.18e-38 in magnitude) come out as 0, where PyTorch keeps IEEE
 * subnormals: an SGD step that should leave a parameter at 1e-39 sets it to 0.
 * dsc_set_flush_denormals() with 0 (or the environment variable
 * `DESCENT_FLUSH_DENORMALS=0`) keeps them.
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

/**
 * @brief Choose whether compute calls flush subnormal floats to zero.
 *
 * With 1 (the default) every compute call runs with flush-to-zero and
 * denormals-are-zero: fast on every CPU, but a result below the smallest
 * normal float (about 1.18e-38) becomes 0, and a subnormal input counts as 0.
 * With 0 they compute with IEEE subnormals (gradual underflow), as PyTorch
 * does, whatever mode the caller's own thread uses; optimizer steps then
 * match PyTorch for tiny values too, and run slower when subnormals occur.
 * Round to nearest and masked exceptions are used in both modes, and the
 * caller's control register (MXCSR, FPCR) is restored after every call.
 *
 * The environment variable `DESCENT_FLUSH_DENORMALS` sets the starting value:
 * "0" keeps subnormals; unset or any other value flushes. It is read once, at
 * the first compute call or dsc_flush_denormals(), unless this function was
 * called before (an explicit choice wins).
 * @param[in] on 1 to flush subnormals to zero, 0 to keep them.
 * @return DSC_OK; DSC_E_ARG for any other value (nothing changes).
 * @note Process-wide. Thread-safe: a compute call that starts after this
 *       returns uses the new mode; calls already running in other threads
 *       finish in the mode they started with. On architectures other than
 *       x86 and AArch64 subnormals are always kept and the setting has no
 *       effect.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_set_flush_denormals(int on);

/**
 * @brief Whether compute calls flush subnormal floats to zero.
 * @return 1 if they flush (the default), 0 if they keep IEEE subnormals; see
 *         dsc_set_flush_denormals().
 * @since 0.2.0
 */
DSC_API int dsc_flush_denormals(void);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Layer                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup layer Layer
 * @brief What the layers of a sequential model do: dense, activation, dropout.
 *
 * A layer exists only inside a model: it is created by a call on the model
 * (dsc_model_add_dense(), dsc_model_add_activation(),
 * dsc_model_add_leaky_relu(), dsc_model_add_dropout()), released with it, and
 * inspected by its index (dsc_model_layer_info(),
 * dsc_model_layer_param_count()). Its parameters live in the model's flat
 * buffer once the model is built; read and write them through the model
 * (dsc_model_get_weight() and friends), by the same index.
 * @{
 */

/** What a layer does. Values are fixed and never renumbered. */
typedef enum dsc_layer_kind {
    DSC_LAYER_DENSE = 1,      /**< y = x W^T + b (torch.nn.Linear). */
    DSC_LAYER_ACTIVATION = 2, /**< An elementwise activation or a row softmax. */
    DSC_LAYER_DROPOUT = 3,    /**< Random zeroing in training mode (torch.nn.Dropout). */
    DSC_LAYER_FLATTEN = 4,    /**< Any per-sample shape to a flat one (torch.nn.Flatten); experimental
                                   builder dsc_model_add_flatten(). */
    DSC_LAYER_CONV1D = 5,     /**< 1-d convolution (torch.nn.Conv1d); experimental builder
                                   dsc_model_add_conv1d(). */
    DSC_LAYER_CONV2D = 6,     /**< 2-d convolution (torch.nn.Conv2d); experimental builder
                                   dsc_model_add_conv2d(). */
    DSC_LAYER_MAXPOOL1D = 7,  /**< 1-d max pooling (torch.nn.MaxPool1d); experimental builder
                                   dsc_model_add_maxpool1d(). */
    DSC_LAYER_MAXPOOL2D = 8,  /**< 2-d max pooling (torch.nn.MaxPool2d); experimental builder
                                   dsc_model_add_maxpool2d(). */
    DSC_LAYER_AVGPOOL1D = 9,  /**< 1-d average pooling (torch.nn.AvgPool1d); experimental builder
                                   dsc_model_add_avgpool1d(). */
    DSC_LAYER_AVGPOOL2D = 10, /**< 2-d average pooling (torch.nn.AvgPool2d); experimental builder
                                   dsc_model_add_avgpool2d(). */
    DSC_LAYER_BATCHNORM1D = 11, /**< Batch norm over a C or C x L input (torch.nn.BatchNorm1d);
                                     experimental builder dsc_model_add_batchnorm1d(). */
    DSC_LAYER_BATCHNORM2D = 12, /**< Batch norm per channel of C x H x W (torch.nn.BatchNorm2d);
                                     experimental builder dsc_model_add_batchnorm2d(). */
    DSC_LAYER_LAYERNORM = 13,   /**< Layer norm over the last dimension (torch.nn.LayerNorm);
                                     experimental builder dsc_model_add_layernorm(). */
    DSC_LAYER_LSTM = 14,      /**< torch.nn.LSTM, one layer, batch_first; experimental builder
                                   dsc_model_add_lstm(). */
    DSC_LAYER_GRU = 15,       /**< torch.nn.GRU, one layer, batch_first; experimental builder
                                   dsc_model_add_gru(). */
    DSC_LAYER_LAST_STEP = 16  /**< The last time step, x[:, -1, :]; experimental builder
                                   dsc_model_add_last_step(). */
} dsc_layer_kind;

/** Activation functions. Values are fixed and never renumbered. */
typedef enum dsc_activation {
    DSC_ACTIVATION_IDENTITY = 0,   /**< y = x (torch.nn.Identity). */
    DSC_ACTIVATION_RELU = 1,       /**< y = max(x, 0); the derivative at 0 is 0, as PyTorch. */
    DSC_ACTIVATION_LEAKY_RELU = 2, /**< y = x for x >= 0, slope*x otherwise (torch.nn.LeakyReLU). */
    DSC_ACTIVATION_SIGMOID = 3,    /**< y = 1 / (1 + exp(-x)). */
    DSC_ACTIVATION_TANH = 4,       /**< y = tanh(x). */
    DSC_ACTIVATION_GELU = 5,       /**< y = x * Phi(x), the exact form (torch.nn.GELU()). */
    DSC_ACTIVATION_SOFTMAX = 6,    /**< Row softmax (torch.nn.Softmax(dim=1)), for inference outputs;
                                        train classifiers on logits with ::DSC_LOSS_CROSS_ENTROPY. */
    DSC_ACTIVATION_GELU_TANH = 7   /**< y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the
                                        tanh approximation (torch.nn.GELU(approximate='tanh')),
                                        with PyTorch's derivative of that formula.
                                        @since 0.2.0 */
} dsc_activation;

/** @} */

/* ------------------------------------------------------------------------ */
/*  Model                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup model Model
 * @brief A sequential model: layers in order, built once for a maximum batch.
 *
 * Life cycle: dsc_model_new(); layers appended in order by calls on the
 * model (dsc_model_add_dense(), dsc_model_add_activation(),
 * dsc_model_add_leaky_relu(), dsc_model_add_dropout()); dsc_model_build() for
 * a maximum batch size; then any number of dsc_model_forward(), loss,
 * dsc_model_backward(), optimizer step and dsc_model_zero_grad(), none of
 * which allocates; dsc_model_free() releases the model with its layers. There
 * is no layer handle, so no layer can outlive its model or belong to two:
 * layers are numbered from 0 in the order they were added, activations and
 * dropout included (the numbering of torch.nn.Sequential), and inspected by
 * that index (dsc_model_layer_info(), dsc_model_layer_param_count()). A dense
 * layer's input width is the model's output width so far (dsc_model_widths());
 * the other layers keep the width. Inputs and outputs are row-major
 * [batch, width] float arrays.
 *
 * Parameters are laid out in one contiguous 64-byte aligned buffer, layer by
 * layer in order, each dense layer's W ([out, in] row-major) then b: the
 * order of PyTorch's model.parameters(). Gradients use the same layout in a
 * second buffer.
 * @code
 * dsc_model *m = NULL;
 * dsc_status s = dsc_model_new(&m, 2);                 // 2 inputs per sample
 * if (s == DSC_OK) s = dsc_model_add_dense(m, 4, 1);   // 2 -> 4, with bias
 * if (s == DSC_OK) s = dsc_model_add_activation(m, DSC_ACTIVATION_TANH);
 * if (s == DSC_OK) s = dsc_model_add_dense(m, 1, 1);   // 4 -> 1
 * if (s == DSC_OK) s = dsc_model_build(m, 4);          // batches of up to 4
 * if (s != DSC_OK) fprintf(stderr, "%s\n", dsc_last_error());
 * // ... train and predict ...
 * dsc_model_free(m);                                   // also after a failure
 * @endcode
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
 *       must not be stepped afterwards (not checkable: the optimizer keeps
 *       plain pointers and cannot learn that the model is gone).
 * @since 0.1.0
 */
DSC_API void dsc_model_free(dsc_model *model);

/**
 * @brief Append a dense (fully connected) layer: y = x W^T + b.
 *
 * Matches torch.nn.Linear(in_features, out_features, bias) with in_features
 * the model's output width so far (its input width for the first layer): W
 * is stored [out_features, in_features] row-major. The parameters get their
 * values when the model is built (PyTorch's default initialization, see
 * dsc_model_build()).
 * @param[in,out] model        The model, not yet built.
 * @param[in]     out_features Outputs per sample, at least 1.
 * @param[in]     bias         1 for a bias vector b, 0 for none.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model, a zero @p out_features,
 *         @p bias not 0 or 1, or a parameter count that overflows;
 *         DSC_E_STATE if the model is built; DSC_E_NOMEM. On failure the
 *         model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_dense(dsc_model *model, size_t out_features, int bias);

/**
 * @brief Append an activation layer; it keeps the width.
 * @param[in,out] model The model, not yet built.
 * @param[in]     act   Any ::dsc_activation. ::DSC_ACTIVATION_LEAKY_RELU gets
 *                      PyTorch's default slope 0.01 (dsc_model_add_leaky_relu()
 *                      takes another).
 * @return DSC_OK; DSC_E_ARG for a NULL @p model; DSC_E_UNSUPPORTED if @p act
 *         is not a ::dsc_activation; DSC_E_STATE if the model is built;
 *         DSC_E_NOMEM. On failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_activation(dsc_model *model, dsc_activation act);

/**
 * @brief Append a leaky ReLU layer with a given negative slope
 *        (torch.nn.LeakyReLU(negative_slope)); it keeps the width.
 * @param[in,out] model          The model, not yet built.
 * @param[in]     negative_slope The slope for x < 0; a finite float
 *                               (|slope| <= 3.4e38).
 * @return DSC_OK; DSC_E_ARG for a NULL @p model or a slope that is not a
 *         finite float; DSC_E_STATE if the model is built; DSC_E_NOMEM. On
 *         failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_leaky_relu(dsc_model *model, double negative_slope);

/**
 * @brief Append a dropout layer (torch.nn.Dropout(p)); it keeps the width.
 *
 * In training mode each element is zeroed with probability @p p and the
 * others are scaled by 1/(1-p); in evaluation mode the layer passes its input
 * through. The masks come from descent's own generator seeded with @p seed,
 * so a seed gives the same masks on every machine (not PyTorch's masks).
 * @param[in,out] model The model, not yet built.
 * @param[in]     p     Probability of zeroing an element, 0 <= p <= 1 (p = 1 zeroes everything).
 * @param[in]     seed  Seed of the layer's mask generator.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model or @p p outside [0, 1] or
 *         NaN; DSC_E_STATE if the model is built; DSC_E_NOMEM. On failure
 *         the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_dropout(dsc_model *model, double p, uint64_t seed);

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
 * @brief What the layer at an index is, and its widths.
 * @param[in]  model        The model.
 * @param[in]  index        0..layer count - 1, in the order the layers were added.
 * @param[out] kind         Receives its ::dsc_layer_kind; may be NULL.
 * @param[out] in_features  Receives its input width; may be NULL.
 * @param[out] out_features Receives its output width; may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model or an @p index out of range
 *         (then the outputs given are set to 0).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_layer_info(const dsc_model *model, size_t index, dsc_layer_kind *kind,
                                        size_t *in_features, size_t *out_features);

/**
 * @brief The number of trainable parameters of the layer at an index
 *        (out*in + out for a dense layer with bias; 0 for activation and
 *        dropout layers).
 * @param[in]  model The model.
 * @param[in]  index 0..layer count - 1.
 * @param[out] out   Receives the count; set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or an @p index out of range.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_layer_param_count(const dsc_model *model, size_t index, size_t *out);

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
 * @return DSC_OK; DSC_E_ARG for a NULL model; DSC_E_UNSUPPORTED for an
 *         unknown init or one the bias cannot take; DSC_E_STATE if the model is
 *         not built. Nothing changes on failure.
 * @note Allocates nothing. Gradients are left as they are.
 * @since 0.1.0 (0.2.0: an unknown init is DSC_E_UNSUPPORTED)
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
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, @p n = 0, sizes that
 *         overflow, or @p y sharing memory with @p x (nothing is written);
 *         DSC_E_STATE if the model is not built.
 * @note Allocates nothing. It overwrites the activations a forward pass kept,
 *       so dsc_model_backward() needs a new dsc_model_forward() afterwards.
 * @since 0.1.0 (0.2.0: overlapping @p x and @p y are refused)
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
                                      (torch.nn.SmoothL1Loss; beta is ::DSC_LOSS_PARAM_BETA). */
} dsc_loss_kind;

/**
 * @brief Keys of dsc_loss_set() and dsc_loss_get(). Values are fixed and never renumbered.
 *
 * Each key belongs to the kinds named below; any other kind answers it with
 * ::DSC_E_UNSUPPORTED. Every value must be finite; dsc_loss_param_bounds()
 * and dsc_loss_param_default() give the range and the default.
 */
typedef enum dsc_loss_param {
    /** `delta` of ::DSC_LOSS_HUBER (torch.nn.HuberLoss). Default 1.0; > 0.
     *  Settable any time. */
    DSC_LOSS_PARAM_DELTA = 1,
    /** `beta` of ::DSC_LOSS_SMOOTH_L1 (torch.nn.SmoothL1Loss). Default 1.0;
     *  >= 0 (0: the L1 loss). Settable any time. */
    DSC_LOSS_PARAM_BETA = 2
} dsc_loss_param;

/**
 * @brief Create a loss function.
 * @param[out] out  Receives the new loss; set to NULL on failure.
 * @param[in]  kind Any ::dsc_loss_kind.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for a
 *         @p kind that is not a ::dsc_loss_kind; DSC_E_NOMEM.
 * @note Ownership: the caller owns the loss and frees it with dsc_loss_free().
 *       Its parameters start at their defaults (dsc_loss_param_default()).
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown kind)
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
 * @param[in]     value The value, finite and within the key's range
 *                      (dsc_loss_param_bounds()).
 * @return DSC_OK; DSC_E_ARG for a NULL loss or a value out of range or not
 *         finite (the message gives the range); DSC_E_UNSUPPORTED for a key
 *         this kind of loss does not use. Nothing changes on failure.
 * @since 0.2.0 (smooth L1's beta moved from ::DSC_LOSS_PARAM_DELTA to
 *        ::DSC_LOSS_PARAM_BETA; values above 1e30 are accepted)
 */
DSC_API dsc_status dsc_loss_set(dsc_loss *loss, dsc_loss_param key, double value);

/**
 * @brief Read a parameter of the loss.
 * @param[in]  loss The loss.
 * @param[in]  key  A ::dsc_loss_param the loss uses.
 * @param[out] out  Receives the value.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a key
 *         this kind of loss does not use.
 * @since 0.2.0 (smooth L1's beta moved from ::DSC_LOSS_PARAM_DELTA to
 *        ::DSC_LOSS_PARAM_BETA)
 */
DSC_API dsc_status dsc_loss_get(const dsc_loss *loss, dsc_loss_param key, double *out);

/**
 * @brief The inclusive range of values a loss parameter accepts for a kind.
 *
 * An open end such as Huber's delta > 0 is returned as the nearest double
 * inside the range; "no upper bound" is DBL_MAX (every value must still be
 * finite).
 * @param[in]  kind A ::dsc_loss_kind.
 * @param[in]  key  A ::dsc_loss_param.
 * @param[out] lo   Receives the smallest accepted value.
 * @param[out] hi   Receives the largest accepted value.
 * @return DSC_OK; DSC_E_ARG for a NULL @p lo or @p hi; DSC_E_UNSUPPORTED for
 *         an unknown kind or a key the kind does not use (@p lo and @p hi
 *         are then left as they were).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_loss_param_bounds(dsc_loss_kind kind, dsc_loss_param key, double *lo,
                                         double *hi);

/**
 * @brief The value a parameter has in a new loss of a kind (PyTorch's default).
 * @param[in]  kind A ::dsc_loss_kind.
 * @param[in]  key  A ::dsc_loss_param.
 * @param[out] out  Receives the default.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for an
 *         unknown kind or a key the kind does not use (@p out is then left
 *         as it was).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_loss_param_default(dsc_loss_kind kind, dsc_loss_param key, double *out);

/**
 * @brief The kind a loss was created with.
 * @param[in]  loss The loss.
 * @param[out] out  Receives its ::dsc_loss_kind.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @note Used by the trainer to tell label losses from target losses.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_kind_of(const dsc_loss *loss, dsc_loss_kind *out);

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
 *       and must not change before it (not checked: it would take a copy of
 *       both at every forward, what borrowing avoids). Allocates nothing.
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
 *       and must not change before it (not checked, as for
 *       dsc_loss_forward()). Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_loss_forward_labels(dsc_loss *loss, const float *y, const int32_t *labels,
                                           size_t batch, size_t width, double *value);

/**
 * @brief dLoss/dOutput of the last forward, for dsc_model_backward().
 * @param[in,out] loss The loss, after a successful forward.
 * @param[out]    dy   batch*width floats of the host's; must not overlap the
 *                     forward's inputs.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or a @p dy sharing memory
 *         with the forward's @p y, targets or labels (nothing is written);
 *         DSC_E_STATE if no forward preceded it.
 * @note Allocates nothing. May be called again; it writes the same values.
 * @since 0.1.0 (0.2.0: a @p dy overlapping the forward's inputs is refused)
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
 * 3. clipping, when ::DSC_OPTIMIZER_PARAM_CLIP_NORM or ::DSC_OPTIMIZER_PARAM_CLIP_VALUE is set: PyTorch's
 *    `clip_grad_norm_` (s = clip_norm / (norm + 1e-6), gradients scaled by s
 *    if s < 1) then `clip_grad_value_` (clamp to [-clip_value, clip_value]);
 * 4. the result check: every value the update of every group would write
 *    (parameters and state buffers) is computed, with the very operations
 *    of the update, without being written; if one of them is NaN or
 *    infinite (an overflow, 0/0 with eps = 0, a square root of a negative
 *    centered variance...) the step is refused exactly as for a non-finite
 *    gradient: ::DSC_E_NONFINITE, nothing changed, the refused-step counter
 *    up, the message naming the group and element;
 * 5. the update of every group, one fused SIMD pass over its buffers.
 *
 * The promise: dsc_optimizer_step() returns ::DSC_OK only if every
 * parameter and state value it wrote is finite, and a step that returns
 * anything else has changed nothing but the refused-step counter and the
 * last norm. Setters keep the inputs of that promise sound: every
 * hyperparameter is finite and bounded (unbounded ranges stop at 2^32, so
 * every scalar a step derives is a finite float), state buffers take only
 * finite values (and no negative value where a step can only produce
 * values >= 0), and step counts stop at 2^53 instead of wrapping. The
 * check reads the parameters, gradients and state once more and redoes the
 * update's arithmetic: measured with bench/bench_update.c (medians of 9),
 * the step's kernels take 1.5-2x the time they take without it; a whole
 * training epoch of a 784-256-128-10 MLP at batch 64 about 1.05x, one
 * online step of a 16-64-64-4 MLP about 1.2x (bench/README.md).
 *
 * Unlike PyTorch, descent never writes the gradient arrays during a step:
 * clipping is applied to the value the update reads, so the host's
 * gradients stay as it computed them (and a refused step has nothing to
 * undo). The results match PyTorch's clip-in-place followed by the update
 * (the norm is summed in double where PyTorch uses float32). A step reads
 * the gradients three times: for the norm and check, in the result check
 * and in the update.
 *
 * Each parameter belongs to one group: a group whose parameter or gradient
 * array shares memory with an array of another group is refused (PyTorch
 * refuses a parameter in two groups too; it would be updated twice per
 * step).
 *
 * Subnormal floats: by default a step flushes them to zero (see @ref core),
 * so a parameter, gradient or state value below about 1.18e-38 in magnitude
 * counts as 0 and a result that small is stored as 0, where PyTorch keeps
 * the subnormal (a 1e-39 parameter with a zero gradient becomes 0). Call
 * dsc_set_flush_denormals(0), or set `DESCENT_FLUSH_DENORMALS=0`, for results
 * that match PyTorch there too.
 *
 * Every hyperparameter has a key (::dsc_optimizer_param) whose number never changes,
 * the PyTorch argument name, a default, a range checked when it is set, and
 * a rule for when it may change. dsc_optimizer_set() changes the value of
 * every group and the default for groups added later;
 * dsc_optimizer_group_set() changes one group (what schedulers use).
 *
 * @code
 * float gains[3] = {1.0f, 0.1f, 0.0f}, grads[3];
 * dsc_optimizer *opt = NULL;
 * dsc_optimizer_new(&opt, DSC_OPTIMIZER_ADAM);
 * dsc_optimizer_set(opt, DSC_OPTIMIZER_PARAM_LR, 0.01);
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
    DSC_OPTIMIZER_SGD = 1,      /**< torch.optim.SGD: momentum, dampening, Nesterov, weight decay. */
    DSC_OPTIMIZER_ADAGRAD = 2,  /**< torch.optim.Adagrad: lr decay, initial accumulator value. */
    DSC_OPTIMIZER_RMSPROP = 3,  /**< torch.optim.RMSprop: alpha, centered, momentum. */
    DSC_OPTIMIZER_ADAM = 4,     /**< torch.optim.Adam: betas, AMSGrad. */
    DSC_OPTIMIZER_ADAMW = 5,    /**< torch.optim.AdamW: Adam with decoupled weight decay (default 0.01). */
    DSC_OPTIMIZER_ADADELTA = 6, /**< torch.optim.Adadelta: rho, lr default 1.0. */
    DSC_OPTIMIZER_ADAMAX = 7,   /**< torch.optim.Adamax: infinity-norm Adam. */
    DSC_OPTIMIZER_NADAM = 8,    /**< torch.optim.NAdam (PyTorch >= 2.0 formula): momentum decay. */
    DSC_OPTIMIZER_RADAM = 9,    /**< torch.optim.RAdam: rectified Adam. */
    /** torch.optim.Rprop: per-element step sizes that grow while the
     *  gradient keeps its sign and shrink when it flips; lr only seeds the
     *  step sizes (at the first step). No weight decay. @since 0.2.0 */
    DSC_OPTIMIZER_RPROP = 10
} dsc_optimizer_kind;

/**
 * @brief Hyperparameter keys of dsc_optimizer_set() and friends.
 *
 * Numbers never change; a retired key stays reserved. Bands: 100 keys
 * shared by several optimizers, 200 SGD, 300 the Adam family, 400 RMSprop,
 * 500 Adagrad, 600 Adadelta, 700 Rprop. Booleans are 0 or 1. Every value
 * must be finite (checked: ::DSC_E_ARG). A key the optimizer kind does not use gives
 * ::DSC_E_UNSUPPORTED. Ranges below are inclusive unless written with a
 * parenthesis; dsc_optimizer_param_bounds() returns them as numbers and
 * dsc_optimizer_param_default() gives each kind's default. Keys without a
 * natural upper bound stop at 2^32 (4294967296): every scalar a step derives
 * from them (up to lr / (1 - beta1^t) <= lr * 2^53) is then a finite float,
 * and whether an update is finite depends only on the data, which the step
 * checks (see @ref optimizer). PyTorch has no such bound; no lr, decay or
 * eps a training would use comes near it.
 *
 * "When": *any time* means between any two steps, *before the first step*
 * means while the group (for dsc_optimizer_set(): every group) has a step
 * count of 0 (later: ::DSC_E_STATE).
 */
typedef enum dsc_optimizer_param {
    /** `lr`, the learning rate. Defaults: SGD 0.001 (PyTorch 1.13 has no
     *  default; 2.x uses 0.001), Adagrad 0.01, RMSprop 0.01, Adam 0.001,
     *  AdamW 0.001, Adadelta 1.0, Adamax 0.002, NAdam 0.002, RAdam 0.001,
     *  Rprop 0.01 (Rprop: the step sizes' start value, read at the first
     *  step only; changing it later changes nothing).
     *  Range [0, 2^32]. Any time. */
    DSC_OPTIMIZER_PARAM_LR = 100,
    /** `weight_decay`: L2 penalty added to the gradient (AdamW: decoupled,
     *  p *= 1 - lr*weight_decay). Default 0 (AdamW 0.01). Range [0, 2^32].
     *  Any time. Not Rprop (torch.optim.Rprop has none). */
    DSC_OPTIMIZER_PARAM_WEIGHT_DECAY = 101,
    /** `maximize`: ascend instead of descend (the gradient is negated before
     *  weight decay). Default 0. Boolean. Any time. Every kind (PyTorch 1.13
     *  lacks it for NAdam and RAdam; 2.x has it). */
    DSC_OPTIMIZER_PARAM_MAXIMIZE = 102,
    /** `eps`: added for numerical stability. Defaults: Adagrad 1e-10,
     *  RMSprop/Adam/AdamW/Adamax/NAdam/RAdam 1e-8, Adadelta 1e-6. Range
     *  [0, 2^32]. Any time. Not SGD or Rprop. With 0 a zero gradient can give 0/0:
     *  the step is then refused (::DSC_E_NONFINITE). */
    DSC_OPTIMIZER_PARAM_EPS = 103,
    /** `max_norm` of torch.nn.utils.clip_grad_norm_ (L2 norm over every
     *  gradient of every group). 0 (the default) turns it off. Range
     *  [0, 2^32]. Any time. Optimizer-wide: dsc_optimizer_group_set() refuses
     *  it, dsc_optimizer_group_get() reads the optimizer's value. */
    DSC_OPTIMIZER_PARAM_CLIP_NORM = 110,
    /** `clip_value` of torch.nn.utils.clip_grad_value_: each gradient is
     *  clamped to [-clip_value, clip_value] (after norm clipping if both are
     *  set). 0 (the default) turns it off. Range [0, 2^32]. Any time.
     *  Optimizer-wide, like ::DSC_OPTIMIZER_PARAM_CLIP_NORM. */
    DSC_OPTIMIZER_PARAM_CLIP_VALUE = 111,
    /** `momentum` (SGD, RMSprop). Default 0. Range [0, 2^32]. Any time (a
     *  scheduler may cycle it); with Nesterov on it must stay > 0 (checked:
     *  ::DSC_E_ARG). */
    DSC_OPTIMIZER_PARAM_MOMENTUM = 200,
    /** `dampening` (SGD). Default 0. Range [0, 1]. Any time; with Nesterov on
     *  it must stay 0 (checked: ::DSC_E_ARG). */
    DSC_OPTIMIZER_PARAM_DAMPENING = 201,
    /** `nesterov` (SGD). Default 0. Boolean. Before the first step. As
     *  PyTorch, 1 requires momentum > 0 and dampening 0 (::DSC_E_ARG
     *  otherwise): set those first. */
    DSC_OPTIMIZER_PARAM_NESTEROV = 202,
    /** `betas[0]` (Adam, AdamW, Adamax, NAdam, RAdam). Default 0.9. Range
     *  [0, 1). Any time (a scheduler may cycle it). */
    DSC_OPTIMIZER_PARAM_BETA1 = 300,
    /** `betas[1]` (Adam family). Default 0.999. Range [0, 1). Any time. */
    DSC_OPTIMIZER_PARAM_BETA2 = 301,
    /** `amsgrad` (Adam, AdamW). Default 0. Boolean. Before the first step. */
    DSC_OPTIMIZER_PARAM_AMSGRAD = 302,
    /** `momentum_decay` (NAdam, psi). Default 0.004. Range [0, 2^32]. Any time. */
    DSC_OPTIMIZER_PARAM_MOMENTUM_DECAY = 303,
    /** NAdam's running product of mu (PyTorch's state `mu_product`): state,
     *  not a hyperparameter; read and written per group through
     *  dsc_optimizer_group_get()/dsc_optimizer_group_set() to checkpoint it.
     *  Starts at 1. Range [0, 1] (0.1 refused 0, which the product reaches
     *  after about a thousand steps). Any time; dsc_optimizer_set()
     *  refuses it. */
    DSC_OPTIMIZER_PARAM_MU_PRODUCT = 304,
    /** `alpha` (RMSprop smoothing constant). Default 0.99. Range [0, 1]. Any time. */
    DSC_OPTIMIZER_PARAM_ALPHA = 400,
    /** `centered` (RMSprop). Default 0. Boolean. Before the first step. */
    DSC_OPTIMIZER_PARAM_CENTERED = 401,
    /** `lr_decay` (Adagrad). Default 0. Range [0, 2^32]. Any time. */
    DSC_OPTIMIZER_PARAM_LR_DECAY = 500,
    /** `initial_accumulator_value` (Adagrad): the value the sum of squares
     *  starts from. Default 0. Range [0, 2^32]. Before the first step
     *  (setting it refills the accumulator). */
    DSC_OPTIMIZER_PARAM_INITIAL_ACCUMULATOR_VALUE = 501,
    /** `rho` (Adadelta). Default 0.9. Range [0, 1]. Any time. */
    DSC_OPTIMIZER_PARAM_RHO = 600,
    /** `etas[0]` (Rprop): factor of an element's step size when its gradient
     *  changed sign. Default 0.5. Range (0, 1). Any time. @since 0.2.0 */
    DSC_OPTIMIZER_PARAM_ETAMINUS = 700,
    /** `etas[1]` (Rprop): factor of an element's step size when its gradient
     *  kept its sign. Default 1.2. Range (1, 2^32]. Any time. @since 0.2.0 */
    DSC_OPTIMIZER_PARAM_ETAPLUS = 701,
    /** `step_sizes[0]` (Rprop): smallest step size. Default 1e-6. Range
     *  [0, 2^32]. Any time. Like PyTorch, it is not compared with
     *  ::DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX: the step size is
     *  min(max(step, step_size_min), step_size_max). @since 0.2.0 */
    DSC_OPTIMIZER_PARAM_STEP_SIZE_MIN = 702,
    /** `step_sizes[1]` (Rprop): largest step size; it applies from the first
     *  step, so an lr above it starts at step_size_max. Default 50. Range
     *  [0, 2^32]. Any time. @since 0.2.0 */
    DSC_OPTIMIZER_PARAM_STEP_SIZE_MAX = 703
} dsc_optimizer_param;

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
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for a
 *         @p kind that is not a ::dsc_optimizer_kind; DSC_E_NOMEM.
 * @note Ownership: the caller owns the optimizer and frees it with dsc_optimizer_free().
 *       Every hyperparameter starts at its PyTorch default (see ::dsc_optimizer_param
 *       and dsc_optimizer_param_default()).
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown kind)
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
 * @param[in,out] grads  @p n floats: the gradient of the loss with respect
 *                       to @p params, read by each step, never written by it;
 *                       dsc_optimizer_zero_grad() and a grad hook write it,
 *                       so it is not const.
 * @param[in]     n      At least 1.
 * @param[out]    group  Receives the new group's index (count-1); may be NULL.
 * @return DSC_OK; DSC_E_ARG for NULL pointers, @p n of 0, @p params and
 *         @p grads overlapping, or either of them sharing memory with the
 *         parameters or gradients of a group already added (the same array
 *         twice, overlapping ranges, a model's buffers: the message names
 *         the group); DSC_E_STATE from the gradient hook; DSC_E_NOMEM
 *         (nothing is added).
 * @note Ownership: both arrays are borrowed and must outlive the optimizer
 *       (or until it is freed); any alignment is accepted. The lifetime
 *       cannot be checked: the optimizer keeps the pointers only.
 * @since 0.1.0 (0.2.0: arrays shared with another group are refused)
 */
DSC_API dsc_status dsc_optimizer_add_params(dsc_optimizer *opt, float *params, float *grads,
                                            size_t n, size_t *group);

/**
 * @brief Add a built model's parameters as one new group.
 *
 * The group is the model's flat parameter buffer and its gradient buffer
 * (dsc_model_params(), dsc_model_grads()): every weight and bias of every
 * layer, in the order of PyTorch's model.parameters(), so each step is one
 * fused pass. It takes the optimizer's current hyperparameters, as
 * dsc_optimizer_add_params() does.
 * @param[in]     opt   The optimizer.
 * @param[in,out] model A built model with at least one parameter.
 * @param[out]    group Receives the new group's index; may be NULL.
 * @return DSC_OK; DSC_E_ARG for NULL, a model without parameters, or
 *         buffers already held by a group (the model added twice, or a
 *         group of dsc_optimizer_add_params() over part of them: the message
 *         names the group); DSC_E_STATE if the model is not built or from
 *         the gradient hook; DSC_E_NOMEM (nothing is added).
 * @note Ownership: the model's buffers are borrowed; the model must outlive
 *       the optimizer (or the optimizer must not be stepped after
 *       dsc_model_free()). The lifetime cannot be checked: the optimizer
 *       keeps the pointers only.
 * @since 0.1.0 (0.2.0: buffers already in a group are refused)
 */
DSC_API dsc_status dsc_optimizer_add_model(dsc_optimizer *opt, dsc_model *model, size_t *group);

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
 * @param[in]     key   A key this optimizer kind uses (see ::dsc_optimizer_param).
 * @param[in]     value A finite value in the key's range.
 * @return DSC_OK; DSC_E_ARG for NULL, NaN, infinity, a value out of range
 *         (the message gives the range) or a combination PyTorch refuses
 *         (Nesterov without momentum or with dampening);
 *         DSC_E_UNSUPPORTED for a key this kind does not use (or
 *         ::DSC_OPTIMIZER_PARAM_MU_PRODUCT); DSC_E_STATE for a before-the-first-step key
 *         after a step, or from the gradient hook; DSC_E_NOMEM if a state
 *         buffer the value turns on could not be allocated. On failure
 *         nothing changes.
 * @note May allocate (state buffers a setting turns on); never during a step.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_set(dsc_optimizer *opt, dsc_optimizer_param key, double value);

/**
 * @brief Read the default a hyperparameter has for groups added from now on.
 * @param[in]  opt The optimizer.
 * @param[in]  key A key this optimizer kind uses.
 * @param[out] out Receives the value.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for a key this kind does not use.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_get(const dsc_optimizer *opt, dsc_optimizer_param key, double *out);

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
 *         DSC_E_UNSUPPORTED for ::DSC_OPTIMIZER_PARAM_CLIP_NORM and ::DSC_OPTIMIZER_PARAM_CLIP_VALUE.
 * @note May allocate as dsc_optimizer_set() does.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_group_set(dsc_optimizer *opt, size_t group, dsc_optimizer_param key,
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
DSC_API dsc_status dsc_optimizer_group_get(const dsc_optimizer *opt, size_t group, dsc_optimizer_param key,
                                           double *out);

/**
 * @brief The inclusive range of values a key accepts for an optimizer kind.
 *
 * An open end such as beta1's 1 in [0, 1) is returned as the nearest double
 * inside the range. "No upper bound" would be DBL_MAX, but every optimizer
 * key has one (2^32 for the keys without a natural bound, see
 * ::dsc_optimizer_param). Booleans give 0 and 1.
 * @param[in]  kind A ::dsc_optimizer_kind.
 * @param[in]  key  A ::dsc_optimizer_param.
 * @param[out] lo   Receives the smallest accepted value.
 * @param[out] hi   Receives the largest accepted value.
 * @return DSC_OK; DSC_E_ARG for a NULL @p lo or @p hi; DSC_E_UNSUPPORTED for
 *         an unknown kind or a key the kind does not use (@p lo and @p hi
 *         are then left as they were).
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown kind)
 */
DSC_API dsc_status dsc_optimizer_param_bounds(dsc_optimizer_kind kind, dsc_optimizer_param key, double *lo,
                                               double *hi);

/**
 * @brief The value a key starts at in a new optimizer of a kind (PyTorch's default).
 *
 * Defaults that differ between kinds come per kind: `lr` (SGD 0.001,
 * Adagrad 0.01, Adadelta 1.0...), `eps` (Adagrad 1e-10, Adadelta 1e-6,
 * others 1e-8) and AdamW's `weight_decay` 0.01. ::DSC_OPTIMIZER_PARAM_MU_PRODUCT
 * gives its start value, 1.
 * @param[in]  kind A ::dsc_optimizer_kind.
 * @param[in]  key  A ::dsc_optimizer_param.
 * @param[out] out  Receives the default.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for an
 *         unknown kind or a key the kind does not use (@p out is then left
 *         as it was).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_optimizer_param_default(dsc_optimizer_kind kind, dsc_optimizer_param key,
                                                double *out);

/**
 * @brief The PyTorch name of a hyperparameter key ("lr", "beta1", ...).
 * @param[in] key Any value.
 * @return A static string; "unknown" for a value that is not a key. Never NULL.
 * @since 0.1.0
 */
DSC_API const char *dsc_optimizer_param_name(dsc_optimizer_param key);

/**
 * @brief Set (or remove) the gradient-reduce hook run first in each step.
 * @param[in,out] opt  The optimizer.
 * @param[in]     fn   The hook, or NULL to remove it.
 * @param[in]     user Passed unchanged to @p fn; may be NULL.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL; DSC_E_STATE from the hook itself.
 * @note The hook may read the optimizer (its getters); every function that
 *       changes it (set, add, step, zero_grad, state and step-count
 *       setters, reset, this one) is refused with ::DSC_E_STATE while the
 *       hook runs. dsc_optimizer_free() from the hook cannot be refused (it
 *       returns nothing) and must not happen.
 * @since 0.1.0 (0.2.0: calls from the hook are refused)
 */
DSC_API dsc_status dsc_optimizer_set_grad_hook(dsc_optimizer *opt, dsc_grad_hook_fn fn, void *user);

/**
 * @brief Take one optimization step over every group: reduce hook, norm and
 *        non-finite check, clipping, result check, update (see @ref optimizer).
 * @param[in,out] opt The optimizer.
 * @return DSC_OK (then every parameter and state value written is finite);
 *         DSC_E_ARG if @p opt is NULL; DSC_E_STATE if it has no group, if a
 *         group's step count is 2^53 (the largest; nothing changes), or
 *         from the gradient hook; DSC_E_NONFINITE if a gradient is NaN or
 *         infinite, or if the update would write a NaN or an infinity (the
 *         step is refused: parameters, state and step counts unchanged, the
 *         refused-step counter incremented; the message names the group and
 *         the first bad element); the hook's status if the hook failed.
 * @note Allocates nothing. Every group's step count goes up by one. The
 *       result matches torch.optim's `step()` to float32 precision.
 * @since 0.1.0 (0.2.0: the result check, the step-count limit)
 */
DSC_API dsc_status dsc_optimizer_step(dsc_optimizer *opt);

/**
 * @brief Write zeros to every group's gradient array.
 * @param[in,out] opt The optimizer.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL; DSC_E_STATE from the gradient hook.
 * @note Writes the host's gradient arrays: they must be writable (not
 *       checkable: a C library cannot ask whether memory is read-only
 *       without faulting on it). Allocates nothing. PyTorch's
 *       `zero_grad(set_to_none=False)`.
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
 * @note With DSC_OPTIMIZER_PARAM_CLIP_NORM set the squares are summed in double (every
 *       kernel set clips alike); without, to float precision (relative error
 *       below 2^-20, as PyTorch's float32 norm), which is several times faster.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_last_grad_norm(const dsc_optimizer *opt, double *out);

/**
 * @brief How many steps were refused because of a non-finite gradient or a
 *        non-finite result.
 * @param[in]  opt The optimizer.
 * @param[out] out Receives the count since creation (it stops at
 *                 UINT64_MAX instead of wrapping).
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
 * dsc_optimizer_group_set(opt, group, ::DSC_OPTIMIZER_PARAM_MU_PRODUCT, value).
 * @param[in,out] opt   The optimizer.
 * @param[in]     group 0..count-1.
 * @param[in]     steps The count to continue from, 0..2^53 (a step from
 *                      2^53 is refused, so a count never wraps).
 * @return DSC_OK; DSC_E_ARG for NULL, a bad group index or @p steps above
 *         2^53 (nothing changes); DSC_E_STATE from the gradient hook.
 * @since 0.1.0 (0.2.0: counts above 2^53 are refused)
 */
DSC_API dsc_status dsc_optimizer_group_set_step_count(dsc_optimizer *opt, size_t group,
                                                      uint64_t steps);

/**
 * @brief The number of state buffers each group of this optimizer has.
 *
 * Fixed per kind: SGD 1 (momentum_buffer), Adagrad 1 (sum), RMSprop 3
 * (square_avg, grad_avg, momentum_buffer), Adam/AdamW 3 (exp_avg,
 * exp_avg_sq, max_exp_avg_sq), Adadelta 2 (square_avg, acc_delta), Adamax 2
 * (exp_avg, exp_inf), NAdam 2, RAdam 2 (exp_avg, exp_avg_sq), Rprop 2 (prev,
 * step_size).
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
 * turned it on (AMSGrad off, no momentum...), SGD's momentum_buffer is
 * not in use until the first step with momentum (PyTorch's None), and
 * Rprop's prev and step_size are not in use until its first step (before
 * it, prev reads as zeros and the step sizes start from the lr of that step).
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
 * @param[in]     src   @p n floats, all finite; none negative in a buffer a
 *                      step keeps >= 0 (Adagrad's sum, RMSprop's and
 *                      Adadelta's square_avg, Adadelta's acc_delta, the
 *                      Adam family's exp_avg_sq and max_exp_avg_sq,
 *                      Adamax's exp_inf, Rprop's step_size).
 * @param[in]     n     The group's size.
 * @return DSC_OK; DSC_E_ARG for NULL, a bad index, or a value that is not
 *         finite or negative where it cannot be (the message names the
 *         element); DSC_E_SHAPE if @p n is not the group's size;
 *         DSC_E_STATE from the gradient hook; DSC_E_NOMEM. Nothing changes
 *         on failure.
 * @since 0.1.0 (0.2.0: values a step could not have produced are refused)
 */
DSC_API dsc_status dsc_optimizer_state_set(dsc_optimizer *opt, size_t group, size_t index,
                                           const float *src, size_t n);

/**
 * @brief Forget every group's state, as if no step had been taken.
 *
 * State buffers go back to their initial values (zeros, or Adagrad's
 * initial_accumulator_value), SGD's momentum_buffer and Rprop's buffers are
 * no longer in use (Rprop's step sizes start again from the lr),
 * NAdam's mu_product is 1 again and every step count is 0: the next step is
 * the step of a new optimizer with the same groups and hyperparameters
 * (PyTorch: `optimizer.state.clear()`). Groups, hyperparameters, the hook,
 * the refused-step counter and the last gradient norm are kept. Used by the
 * trainer's search to start each trial afresh.
 * @param[in,out] opt The optimizer.
 * @return DSC_OK; DSC_E_ARG if @p opt is NULL; DSC_E_STATE from the gradient hook.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_optimizer_reset_state(dsc_optimizer *opt);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Learning-rate schedulers                                                 */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup lr_scheduler Learning-rate schedulers
 * @brief Decays and cycles of an optimizer's learning rate, matching
 *        `torch.optim.lr_scheduler` (PyTorch 1.13 and later).
 *
 * A scheduler acts on every parameter group of one optimizer through
 * dsc_optimizer_group_get() / dsc_optimizer_group_set(): it writes each
 * group's ::DSC_OPTIMIZER_PARAM_LR and, for the cycling schedules with momentum cycling,
 * ::DSC_OPTIMIZER_PARAM_BETA1 (Adam family) or ::DSC_OPTIMIZER_PARAM_MOMENTUM (SGD, RMSprop).
 *
 * Life cycle, the same for every kind:
 * 1. dsc_lr_scheduler_new() on an optimizer that already has its groups;
 * 2. hyperparameters with dsc_lr_scheduler_set(), and where the kind needs
 *    them dsc_lr_scheduler_set_milestones(), dsc_lr_scheduler_set_lambda()
 *    or dsc_lr_scheduler_add_child() (a child is configured completely
 *    before it is added: the container takes it over);
 * 3. dsc_lr_scheduler_start() completes construction as PyTorch's
 *    constructor does: it records each group's current lr as that group's
 *    base lr (PyTorch's `initial_lr`) and applies the schedule's t = 0 value
 *    (LinearLR has already multiplied by start_factor, CyclicLR sets
 *    base_lr, OneCycleLR sets max_lr/div_factor). The first
 *    dsc_lr_scheduler_step() or dsc_lr_scheduler_step_metric() starts the
 *    scheduler implicitly if the host did not;
 * 4. dsc_lr_scheduler_step() once per epoch or once per iteration, as the
 *    host chooses (ReduceLROnPlateau: dsc_lr_scheduler_step_metric()).
 *    After k steps the lr is PyTorch's lr after k calls of `step()`.
 *
 * Schedules are computed in double with PyTorch's own (recursive, chainable)
 * formulas, so a ChainedScheduler multiplies its children's factors exactly
 * as PyTorch does. If the host changes a group's lr between steps, the
 * recursive schedules continue from the host's value, as in PyTorch.
 *
 * Hyperparameters use the zstd pattern: a ::dsc_sched_param key and a
 * double value, validated when set. Booleans and enumerations travel as
 * 0, 1, 2...; integers must be integral. A value applies to every group;
 * the keys PyTorch also takes as per-group lists can be given per group with
 * dsc_lr_scheduler_group_set(). dsc_lr_scheduler_param_bounds() and
 * dsc_lr_scheduler_param_default() answer for a kind without a scheduler.
 *
 * Ownership: the caller owns every scheduler it creates, except one given
 * to dsc_lr_scheduler_add_child(), which takes it over whatever the outcome
 * and sets the caller's pointer to NULL. Children are read through
 * dsc_lr_scheduler_child(), which hands out const pointers only.
 *
 * A linear warm-up followed by cosine annealing, stepped once per batch:
 * @code
 * dsc_lr_scheduler *seq, *warm, *cos;
 * dsc_lr_scheduler_new(&seq, DSC_SCHED_SEQUENTIAL, opt);
 * dsc_lr_scheduler_new(&warm, DSC_SCHED_LINEAR, opt);
 * dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_START_FACTOR, 0.01);
 * dsc_lr_scheduler_set(warm, DSC_SCHED_PARAM_TOTAL_ITERS, 500);
 * dsc_lr_scheduler_new(&cos, DSC_SCHED_COSINE, opt);
 * dsc_lr_scheduler_set(cos, DSC_SCHED_PARAM_T_MAX, total_batches - 500);
 * dsc_lr_scheduler_add_child(seq, &warm);     // seq owns warm; warm is NULL now
 * dsc_lr_scheduler_add_child(seq, &cos);
 * const int64_t at[] = {500};
 * dsc_lr_scheduler_set_milestones(seq, at, 1);
 * dsc_lr_scheduler_start(seq);                // the groups now have lr*0.01
 * for (size_t b = 0; b < total_batches; b++) {
 *     // ... gradients ...
 *     dsc_optimizer_step(opt);
 *     dsc_lr_scheduler_step(seq);
 * }
 * dsc_lr_scheduler_free(seq);
 * @endcode
 * (Every call returns a ::dsc_status to check; omitted here.)
 * @{
 */

/**
 * @brief The schedules. Numbers are fixed and never reused.
 */
typedef enum dsc_lr_scheduler_kind {
    DSC_SCHED_CONSTANT = 1,        /**< lr never changes (no PyTorch class; a plain constant). */
    DSC_SCHED_CONSTANT_LR = 2,     /**< ConstantLR: lr*factor until total_iters, then lr. */
    DSC_SCHED_STEP = 3,            /**< StepLR: lr*gamma^floor(t/step_size). */
    DSC_SCHED_MULTI_STEP = 4,      /**< MultiStepLR: lr*gamma^(milestones passed, repeats counted). */
    DSC_SCHED_EXPONENTIAL = 5,     /**< ExponentialLR: lr*gamma^t. */
    DSC_SCHED_POLYNOMIAL = 6,      /**< PolynomialLR: lr*(1-min(t,total_iters)/total_iters)^power. */
    DSC_SCHED_LINEAR = 7,          /**< LinearLR: factor from start_factor to end_factor over total_iters. */
    DSC_SCHED_COSINE = 8,          /**< CosineAnnealingLR: eta_min+(lr-eta_min)(1+cos(pi t/T_max))/2, periodic after T_max. */
    DSC_SCHED_COSINE_WARM_RESTARTS = 9, /**< CosineAnnealingWarmRestarts: cosine restarted after T_0, T_0*T_mult, ... */
    DSC_SCHED_CYCLIC = 10,         /**< CyclicLR: triangular, triangular2, exp_range; momentum cycling. */
    DSC_SCHED_ONE_CYCLE = 11,      /**< OneCycleLR: warm-up to max_lr then anneal; cos or linear; momentum cycling. */
    DSC_SCHED_PLATEAU = 12,        /**< ReduceLROnPlateau: lr*factor when a metric stops improving. */
    DSC_SCHED_LAMBDA = 13,         /**< LambdaLR: lr = base_lr*f(t), f a ::dsc_lr_lambda_fn. */
    DSC_SCHED_MULTIPLICATIVE = 14, /**< MultiplicativeLR: lr *= f(t) for t >= 1. */
    DSC_SCHED_SEQUENTIAL = 15,     /**< SequentialLR: children one after another, switching at milestones. */
    DSC_SCHED_CHAINED = 16,        /**< ChainedScheduler: every child each step; the factors multiply. */
    DSC_SCHED_INVERSE_TIME = 17    /**< Keras InverseTimeDecay: lr/(1+decay_rate*t/decay_steps), optionally staircase. */
} dsc_lr_scheduler_kind;

/**
 * @brief Scheduler hyperparameter keys. Numbers never change; bands:
 *        100 decays, 200 cosine, 300 cyclic and one-cycle, 400 plateau,
 *        500 inverse time.
 *
 * Each key lists the PyTorch argument, the kinds that use it with their
 * default and valid range. "int" means the value must be integral.
 * "Required" keys have no default: dsc_lr_scheduler_start() fails with
 * ::DSC_E_STATE until they are set. Unless noted, a key may only be set
 * before the scheduler starts. A key this kind does not use is refused
 * with ::DSC_E_UNSUPPORTED.
 */
typedef enum dsc_sched_param {
    /** `gamma`. StepLR, MultiStepLR: default 0.1, (0, inf); ExponentialLR:
     *  required, (0, inf); CyclicLR (exp_range): default 1, (0, inf).
     *  StepLR, MultiStepLR and ExponentialLR accept it at any time. */
    DSC_SCHED_PARAM_GAMMA = 100,
    /** `step_size` (StepLR): required, int in [1, 2^53]. */
    DSC_SCHED_PARAM_STEP_SIZE = 101,
    /** `factor`. ConstantLR: default 1/3, (0, 1]. ReduceLROnPlateau:
     *  default 0.1, [0, 1), any time. */
    DSC_SCHED_PARAM_FACTOR = 102,
    /** `total_iters`. ConstantLR, LinearLR, PolynomialLR: default 5, int in [1, 2^53]. */
    DSC_SCHED_PARAM_TOTAL_ITERS = 103,
    /** `start_factor` (LinearLR): default 1/3, (0, 1]. */
    DSC_SCHED_PARAM_START_FACTOR = 104,
    /** `end_factor` (LinearLR): default 1, [0, 1]. */
    DSC_SCHED_PARAM_END_FACTOR = 105,
    /** `power` (PolynomialLR): default 1, [0, inf). */
    DSC_SCHED_PARAM_POWER = 106,
    /** `T_max` (CosineAnnealingLR): required, int in [1, 2^53]. */
    DSC_SCHED_PARAM_T_MAX = 200,
    /** `eta_min` (CosineAnnealingLR, CosineAnnealingWarmRestarts): default 0, [0, 2^32]
     *  (an lr: the optimizer's range). */
    DSC_SCHED_PARAM_ETA_MIN = 201,
    /** `T_0` (CosineAnnealingWarmRestarts): required, int in [1, 2^53]. */
    DSC_SCHED_PARAM_T_0 = 202,
    /** `T_mult` (CosineAnnealingWarmRestarts): default 1, int in [1, 2^20]. */
    DSC_SCHED_PARAM_T_MULT = 203,
    /** `base_lr` (CyclicLR): the lower bound, [0, 2^32]. Optional: when not
     *  set, each group's lr at start is its base_lr. */
    DSC_SCHED_PARAM_BASE_LR = 300,
    /** `max_lr` (CyclicLR, OneCycleLR): required, [0, 2^32] (the optimizer's
     *  largest lr; a schedule that computes a larger lr anyway, such as
     *  ExponentialLR with gamma > 1, has that step refused by the optimizer). */
    DSC_SCHED_PARAM_MAX_LR = 301,
    /** `step_size_up` (CyclicLR): default 2000, (0, 2^53] (PyTorch takes a float). */
    DSC_SCHED_PARAM_STEP_SIZE_UP = 302,
    /** `step_size_down` (CyclicLR): default step_size_up, [0, 2^53]. */
    DSC_SCHED_PARAM_STEP_SIZE_DOWN = 303,
    /** `mode` (CyclicLR): a ::dsc_cyclic_mode, default ::DSC_CYCLIC_TRIANGULAR.
     *  triangular and triangular2 scale per cycle, exp_range per iteration
     *  (PyTorch's scale_mode for the built-in modes). */
    DSC_SCHED_PARAM_MODE = 304,
    /** `cycle_momentum` (CyclicLR, OneCycleLR): default 1, 0 or 1. Needs an
     *  optimizer with momentum (SGD, RMSprop) or beta1 (Adam family). */
    DSC_SCHED_PARAM_CYCLE_MOMENTUM = 305,
    /** `base_momentum` (CyclicLR default 0.8, OneCycleLR default 0.85): [0, 1). */
    DSC_SCHED_PARAM_BASE_MOMENTUM = 306,
    /** `max_momentum` (CyclicLR default 0.9, OneCycleLR default 0.95): [0, 1). */
    DSC_SCHED_PARAM_MAX_MOMENTUM = 307,
    /** `total_steps` (OneCycleLR): int in [1, 2^53]; required unless
     *  ::DSC_SCHED_PARAM_EPOCHS and ::DSC_SCHED_PARAM_STEPS_PER_EPOCH are both set. */
    DSC_SCHED_PARAM_TOTAL_STEPS = 310,
    /** `pct_start` (OneCycleLR): default 0.3, [0, 1]. */
    DSC_SCHED_PARAM_PCT_START = 311,
    /** `anneal_strategy` (OneCycleLR): a ::dsc_anneal_strategy, default ::DSC_ANNEAL_COS. */
    DSC_SCHED_PARAM_ANNEAL_STRATEGY = 312,
    /** `div_factor` (OneCycleLR): initial lr = max_lr/div_factor; default 25, (0, inf). */
    DSC_SCHED_PARAM_DIV_FACTOR = 313,
    /** `final_div_factor` (OneCycleLR): final lr = initial lr/final_div_factor; default 1e4, (0, inf). */
    DSC_SCHED_PARAM_FINAL_DIV_FACTOR = 314,
    /** `three_phase` (OneCycleLR): default 0, 0 or 1. */
    DSC_SCHED_PARAM_THREE_PHASE = 315,
    /** `epochs` (OneCycleLR): int in [1, 2^31]; with ::DSC_SCHED_PARAM_STEPS_PER_EPOCH gives total_steps. */
    DSC_SCHED_PARAM_EPOCHS = 316,
    /** `steps_per_epoch` (OneCycleLR): int in [1, 2^31]. */
    DSC_SCHED_PARAM_STEPS_PER_EPOCH = 317,
    /** `mode` (ReduceLROnPlateau): a ::dsc_plateau_mode, default ::DSC_PLATEAU_MIN. */
    DSC_SCHED_PARAM_PLATEAU_MODE = 400,
    /** `patience` (ReduceLROnPlateau): bad epochs tolerated; default 10, int in [0, 2^53], any time. */
    DSC_SCHED_PARAM_PATIENCE = 401,
    /** `threshold` (ReduceLROnPlateau): default 1e-4, [0, inf), any time. */
    DSC_SCHED_PARAM_THRESHOLD = 402,
    /** `threshold_mode` (ReduceLROnPlateau): a ::dsc_threshold_mode, default ::DSC_THRESHOLD_REL. */
    DSC_SCHED_PARAM_THRESHOLD_MODE = 403,
    /** `cooldown` (ReduceLROnPlateau): default 0, int in [0, 2^53], any time. */
    DSC_SCHED_PARAM_COOLDOWN = 404,
    /** `min_lr` (ReduceLROnPlateau): default 0, [0, 2^32], any time. */
    DSC_SCHED_PARAM_MIN_LR = 405,
    /** `eps` (ReduceLROnPlateau): smallest change applied; default 1e-8, [0, inf), any time. */
    DSC_SCHED_PARAM_EPS = 406,
    /** `decay_rate` (inverse time): required, [0, inf). */
    DSC_SCHED_PARAM_DECAY_RATE = 500,
    /** `decay_steps` (inverse time): required, (0, inf). */
    DSC_SCHED_PARAM_DECAY_STEPS = 501,
    /** `staircase` (inverse time): floor(t/decay_steps) when 1; default 0, 0 or 1. */
    DSC_SCHED_PARAM_STAIRCASE = 502
} dsc_sched_param;

/** @brief Values of ::DSC_SCHED_PARAM_MODE (CyclicLR). */
typedef enum dsc_cyclic_mode {
    DSC_CYCLIC_TRIANGULAR = 0,  /**< Constant amplitude. */
    DSC_CYCLIC_TRIANGULAR2 = 1, /**< Amplitude halved each cycle. */
    DSC_CYCLIC_EXP_RANGE = 2    /**< Amplitude times gamma^t, t the total iteration count. */
} dsc_cyclic_mode;

/** @brief Values of ::DSC_SCHED_PARAM_ANNEAL_STRATEGY (OneCycleLR). */
typedef enum dsc_anneal_strategy {
    DSC_ANNEAL_COS = 0,   /**< Cosine annealing between phase ends. */
    DSC_ANNEAL_LINEAR = 1 /**< Linear annealing between phase ends. */
} dsc_anneal_strategy;

/** @brief Values of ::DSC_SCHED_PARAM_PLATEAU_MODE (ReduceLROnPlateau). */
typedef enum dsc_plateau_mode {
    DSC_PLATEAU_MIN = 0, /**< Lower is better (a loss). */
    DSC_PLATEAU_MAX = 1  /**< Higher is better (an accuracy). */
} dsc_plateau_mode;

/** @brief Values of ::DSC_SCHED_PARAM_THRESHOLD_MODE (ReduceLROnPlateau). */
typedef enum dsc_threshold_mode {
    DSC_THRESHOLD_REL = 0, /**< Better means beyond best*(1 -/+ threshold). */
    DSC_THRESHOLD_ABS = 1  /**< Better means beyond best -/+ threshold. */
} dsc_threshold_mode;

/**
 * @brief Keys of a scheduler's run-time state, read by dsc_lr_scheduler_state_get().
 */
typedef enum dsc_sched_state_key {
    DSC_SCHED_STATE_STEP = 1,             /**< PyTorch's `last_epoch`: steps taken since start (0 after start, -1 before; an unused SequentialLR child stays -1). */
    DSC_SCHED_STATE_STARTED = 2,          /**< 1 once started, else 0. */
    DSC_SCHED_STATE_BEST = 10,            /**< ReduceLROnPlateau: best metric so far (+inf or -inf before the first). */
    DSC_SCHED_STATE_NUM_BAD_EPOCHS = 11,  /**< ReduceLROnPlateau: consecutive epochs without improvement. */
    DSC_SCHED_STATE_COOLDOWN_COUNTER = 12,/**< ReduceLROnPlateau: epochs of cooldown left. */
    DSC_SCHED_STATE_T_CUR = 20,           /**< CosineAnnealingWarmRestarts: steps since the last restart. */
    DSC_SCHED_STATE_T_I = 21              /**< CosineAnnealingWarmRestarts: length of the current cycle. */
} dsc_sched_state_key;

/**
 * @brief A user schedule: LambdaLR's factor (lr = base_lr * f) or
 *        MultiplicativeLR's factor (lr *= f).
 * @param epoch The step count t (0 at start for LambdaLR; t >= 1 for MultiplicativeLR).
 * @param group The parameter group, 0..group count-1 (PyTorch's per-group lambdas).
 * @param user  The pointer given to dsc_lr_scheduler_set_lambda().
 * @return The factor: finite and >= 0, otherwise the step is refused.
 */
typedef double (*dsc_lr_lambda_fn)(int64_t epoch, size_t group, void *user);

/**
 * @brief Create a scheduler of one kind over an optimizer's parameter groups.
 *
 * The group count is fixed here: the optimizer must already have every
 * group it will have (as in PyTorch, where groups exist before the
 * scheduler; checked: start and every step refuse with ::DSC_E_STATE once
 * the count differs). Hyperparameters start at their defaults.
 * @param[out] out  Receives the scheduler; set to NULL on failure.
 * @param[in]  kind A ::dsc_lr_scheduler_kind.
 * @param[in]  opt  The optimizer whose groups it drives.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         @p kind that is not a ::dsc_lr_scheduler_kind; DSC_E_STATE if @p opt
 *         has no parameter group yet; DSC_E_NOMEM.
 * @note Ownership: the caller owns the scheduler (free it with
 *       dsc_lr_scheduler_free(), or hand it to dsc_lr_scheduler_add_child());
 *       @p opt is borrowed and must outlive it (not checkable: the
 *       scheduler keeps a plain pointer).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_new(dsc_lr_scheduler **out, dsc_lr_scheduler_kind kind,
                                        dsc_optimizer *opt);

/**
 * @brief Release a scheduler and the children it owns.
 * @param[in] s The scheduler, or NULL (then nothing happens).
 * @note The optimizer keeps the lr it was last given. Children are freed
 *       with their container only; the caller holds no pointer to free them
 *       with (dsc_lr_scheduler_add_child() took it).
 * @since 0.2.0
 */
DSC_API void dsc_lr_scheduler_free(dsc_lr_scheduler *s);

/**
 * @brief Set one hyperparameter.
 * @param[in,out] s     The scheduler.
 * @param[in]     key   A ::dsc_sched_param used by this kind.
 * @param[in]     value The value, within the key's range (see ::dsc_sched_param).
 * @return DSC_OK; DSC_E_ARG for NULL, a value out of range, NaN or not
 *         integral where an integer is needed (the message gives the range);
 *         DSC_E_UNSUPPORTED if this kind has no such key; DSC_E_STATE if the
 *         scheduler has started and the key is not settable at any time.
 *         A refused call changes nothing.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_set(dsc_lr_scheduler *s, dsc_sched_param key, double value);

/**
 * @brief Read one hyperparameter (its default until set).
 * @param[in]  s   The scheduler.
 * @param[in]  key A ::dsc_sched_param used by this kind.
 * @param[out] out Receives the value.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED if this kind has no
 *         such key; DSC_E_STATE for a required key not set yet, or for a key
 *         without a fixed default that is not set and not derived from
 *         others yet (CyclicLR base_lr, taken from the groups; OneCycleLR
 *         total_steps without epochs and steps_per_epoch, epochs,
 *         steps_per_epoch). CyclicLR's step_size_down reads step_size_up's
 *         value until set. On failure @p out is 0.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_get(const dsc_lr_scheduler *s, dsc_sched_param key, double *out);

/**
 * @brief Set one group's own value of a key PyTorch also takes as a list.
 *
 * The per-group keys are those PyTorch accepts as one value per parameter
 * group: CyclicLR base_lr, max_lr, base_momentum, max_momentum; OneCycleLR
 * max_lr, base_momentum, max_momentum; ReduceLROnPlateau min_lr. A group
 * without its own value uses the one of dsc_lr_scheduler_set(); a required
 * key (max_lr) is satisfied by giving every group its own value.
 * @param[in,out] s     The scheduler.
 * @param[in]     group 0..group count-1.
 * @param[in]     key   One of the per-group keys above.
 * @param[in]     value The value, within the key's range.
 * @return DSC_OK; DSC_E_ARG for NULL, a group out of range or a value out of
 *         range; DSC_E_UNSUPPORTED if this kind has no such key or takes it
 *         only for every group at once; DSC_E_STATE after start (min_lr may
 *         change any time). A refused call changes nothing.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_group_set(dsc_lr_scheduler *s, size_t group, dsc_sched_param key,
                                              double value);

/**
 * @brief Read one group's value of a per-group key (its own, else the common one).
 * @param[in]  s     The scheduler.
 * @param[in]  group 0..group count-1.
 * @param[in]  key   A per-group key (see dsc_lr_scheduler_group_set()).
 * @param[out] out   Receives the value.
 * @return DSC_OK; DSC_E_ARG for NULL or a group out of range; DSC_E_UNSUPPORTED
 *         as for dsc_lr_scheduler_group_set(); DSC_E_STATE for a key neither
 *         the group nor the scheduler has a value for yet. On failure @p out is 0.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_group_get(const dsc_lr_scheduler *s, size_t group, dsc_sched_param key,
                                              double *out);

/**
 * @brief The valid range of a hyperparameter for a kind (zstd's getBounds).
 *
 * As dsc_optimizer_param_bounds(): an open end such as the 0 of (0, 1] is
 * returned as the nearest double inside the range; "no upper bound" is
 * DBL_MAX. Integer keys also require integral values.
 * @param[in]  kind A ::dsc_lr_scheduler_kind.
 * @param[in]  key  A ::dsc_sched_param.
 * @param[out] lo   Receives the smallest accepted value (0 on failure).
 * @param[out] hi   Receives the largest accepted value (0 on failure).
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for an unknown
 *         kind or a key the kind does not use.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_param_bounds(dsc_lr_scheduler_kind kind, dsc_sched_param key,
                                                 double *lo, double *hi);

/**
 * @brief The default of a hyperparameter for a kind: the value a new
 *        scheduler of that kind uses until the key is set.
 *
 * NaN means "no fixed default": a required key (which must be set before
 * start), or a key whose default depends on other settings or on the
 * groups. Those are CyclicLR base_lr (each group's lr at start) and
 * step_size_down (step_size_up's value), and OneCycleLR total_steps
 * (epochs*steps_per_epoch), epochs and steps_per_epoch (unused unless both
 * are set). dsc_lr_scheduler_get() on a scheduler gives the value derived
 * from its current settings.
 * @param[in]  kind A ::dsc_lr_scheduler_kind.
 * @param[in]  key  A ::dsc_sched_param.
 * @param[out] out  Receives the default, or NaN (0 on failure).
 * @return DSC_OK; DSC_E_ARG for NULL @p out; DSC_E_UNSUPPORTED for an
 *         unknown kind or a key the kind does not use.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_param_default(dsc_lr_scheduler_kind kind, dsc_sched_param key,
                                                  double *out);

/**
 * @brief Set the milestones of MultiStepLR or SequentialLR.
 *
 * MultiStepLR: non-decreasing steps >= 0; a milestone repeated k times
 * multiplies by gamma^k at that step (PyTorch's Counter). SequentialLR:
 * strictly increasing steps >= 1, one fewer than the children; at
 * milestone m the next child restarts from the base lr at its own t = 0.
 * @param[in,out] s The scheduler.
 * @param[in]     m @p n milestones (copied); may be NULL when @p n is 0.
 * @param[in]     n Number of milestones, at most 2^20.
 * @return DSC_OK; DSC_E_ARG for NULL, a negative (or, for SequentialLR, zero)
 *         milestone, or milestones out of order (the message names the
 *         first); DSC_E_UNSUPPORTED for other kinds; DSC_E_STATE after start;
 *         DSC_E_NOMEM. A refused call keeps the previous milestones.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_set_milestones(dsc_lr_scheduler *s, const int64_t *m, size_t n);

/**
 * @brief Set the user function of LambdaLR or MultiplicativeLR.
 * @param[in,out] s    The scheduler.
 * @param[in]     fn   The factor function; called once per group per step
 *                     (and at start, for LambdaLR).
 * @param[in]     user Passed unchanged to @p fn; may be NULL.
 * @return DSC_OK; DSC_E_ARG for NULL @p s or @p fn; DSC_E_UNSUPPORTED for
 *         other kinds; DSC_E_STATE after start.
 * @note Ownership: @p user is borrowed and must outlive the scheduler (not
 *       checkable: descent never looks at it).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_set_lambda(dsc_lr_scheduler *s, dsc_lr_lambda_fn fn, void *user);

/**
 * @brief Hand a configured scheduler to a SequentialLR or ChainedScheduler
 *        as its next child.
 *
 * The child must be a scheduler over the same optimizer, not started, not
 * a container, and not ReduceLROnPlateau (as in PyTorch 1.13). Configure it
 * completely first (hyperparameters, milestones, function): once added it
 * can only be read, through dsc_lr_scheduler_child(). Children share the
 * container's base lrs; CyclicLR and OneCycleLR children set their lr from
 * their own hyperparameters. ChainedScheduler steps its children in the
 * order they were added.
 * @param[in,out] container The container.
 * @param[in,out] child     The address of the caller's pointer to the
 *                          child; set to NULL in every case.
 * @return DSC_OK; DSC_E_ARG for a NULL @p container, @p child or @p *child,
 *         a child over another optimizer, or @p *child == @p container;
 *         DSC_E_UNSUPPORTED if @p container is not a container, or the child
 *         is a container or steps with a metric (ReduceLROnPlateau);
 *         DSC_E_STATE if either has started; DSC_E_NOMEM.
 * @note Ownership: the child is consumed whatever the outcome: on DSC_OK the
 *       container owns it and frees it with itself; on failure it has been
 *       freed (even when @p container is NULL, or when the child was the
 *       container itself). Either way @p *child is NULL afterwards, so no
 *       pointer to a freed or owned child is left with the caller.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_add_child(dsc_lr_scheduler *container, dsc_lr_scheduler **child);

/**
 * @brief Complete construction: record base lrs and apply the t = 0 lr.
 *
 * Checks the configuration (required keys, milestone count, OneCycleLR's
 * phases, momentum support of the optimizer), records each group's lr as
 * its base lr, and writes the t = 0 lr (and momentum) into the groups.
 * After start, only keys marked "any time" may change.
 * @param[in,out] s The scheduler (its children start with it).
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_STATE if already started, if
 *         a required key, the milestones, the lambda or the children are
 *         missing, or if the optimizer's group count changed since
 *         dsc_lr_scheduler_new(); DSC_E_UNSUPPORTED if momentum cycling is
 *         on and the optimizer has neither momentum nor beta1; an error of
 *         dsc_optimizer_group_set(). On failure nothing changed.
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_start(dsc_lr_scheduler *s);

/**
 * @brief Advance the schedule by one step and write the new lr into the groups.
 *
 * Starts the scheduler first if it has not started. Call it after the
 * optimizer step, once per epoch or once per iteration.
 * @param[in,out] s The scheduler.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_STATE for ReduceLROnPlateau
 *         (which needs dsc_lr_scheduler_step_metric()), for OneCycleLR
 *         stepped past total_steps, or after 2^53 steps (the most a step
 *         count holds); DSC_E_ARG if a user function returned a negative
 *         or non-finite factor, or the optimizer refused the lr computed
 *         (above 2^32); errors of dsc_lr_scheduler_start(). A refused step
 *         changes nothing.
 * @note Allocates nothing. Real-time safe when the optimizer's getters and
 *       setters are.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_step(dsc_lr_scheduler *s);

/**
 * @brief Advance ReduceLROnPlateau with this epoch's metric.
 *
 * The first metric always improves (best starts at +-inf); the lr is
 * multiplied by factor (not below min_lr, skipped when the change is at
 * most eps) on the (patience+1)-th bad epoch, then cooldown epochs pass
 * without counting. A NaN metric counts as a bad epoch, as in PyTorch.
 * For every other kind the metric is ignored and this is dsc_lr_scheduler_step().
 * @param[in,out] s      The scheduler.
 * @param[in]     metric The monitored value (a validation loss, an accuracy).
 * @return DSC_OK; DSC_E_ARG for NULL; the errors of dsc_lr_scheduler_step().
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_lr_scheduler_step_metric(dsc_lr_scheduler *s, double metric);

/**
 * @brief The lr this scheduler last computed for a group.
 *
 * For a top-level scheduler this is the lr written into the optimizer; for
 * a child, the lr it produced at its last step (0 for a SequentialLR child
 * that has not run yet).
 * @param[in]  s     The scheduler.
 * @param[in]  group 0..group count-1.
 * @param[out] lr    Receives the lr (0 on failure).
 * @return DSC_OK; DSC_E_ARG for NULL or a group out of range; DSC_E_STATE
 *         before start.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_lr(const dsc_lr_scheduler *s, size_t group, double *lr);

/**
 * @brief Read one value of the run-time state (for checkpoints and monitoring).
 * @param[in]  s   The scheduler.
 * @param[in]  key A ::dsc_sched_state_key.
 * @param[out] out Receives the value (0 on failure).
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for a key that is
 *         not a ::dsc_sched_state_key or that this kind does not keep.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_state_get(const dsc_lr_scheduler *s, dsc_sched_state_key key, double *out);

/**
 * @brief The number of children of a container (0 for other kinds).
 * @param[in]  s   The scheduler.
 * @param[out] out Receives the count (0 on failure).
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_child_count(const dsc_lr_scheduler *s, size_t *out);

/**
 * @brief One child of a container, to read its state (dsc_lr_scheduler_lr(),
 *        dsc_lr_scheduler_state_get(), dsc_lr_scheduler_get()...).
 * @param[in]  s     The container.
 * @param[in]  index 0..child count-1, in the order added.
 * @param[out] out   Receives the child; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for NULL or an index out of range.
 * @note Ownership: borrowed and const: the container owns the child; it is
 *       valid until the container is freed and is neither changed nor freed
 *       through this pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_child(const dsc_lr_scheduler *s, size_t index,
                                          const dsc_lr_scheduler **out);

/**
 * @brief The number of doubles dsc_lr_scheduler_state_save() writes.
 * @param[in]  s   The scheduler (children included).
 * @param[out] out Receives the count (0 on failure); it depends on the kind,
 *                 the group count and the children, never on the step.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_state_size(const dsc_lr_scheduler *s, size_t *out);

/**
 * @brief Save the complete run-time state (step counts, base and current
 *        lrs, momentum, plateau counters, warm-restart cycle, children).
 *
 * Hyperparameters are configuration and are not saved: a resumed program
 * builds the same scheduler and then calls dsc_lr_scheduler_state_load().
 * The layout is a format of its own (tagged with kind and version, format
 * 2 since 0.2; 0.1's format 1 is not read; lib/sched/state.c describes
 * it), meant to be stored by the checkpoint writer as little-endian doubles.
 * @param[in]  s   The scheduler.
 * @param[out] buf At least @p n doubles.
 * @param[in]  n   The size from dsc_lr_scheduler_state_size().
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_SHAPE if @p n is not that size.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_state_save(const dsc_lr_scheduler *s, double *buf, size_t n);

/**
 * @brief Restore a state saved by dsc_lr_scheduler_state_save().
 *
 * The scheduler must have the same kind, group count and children as the
 * one saved. A saved started state marks this scheduler started (after the
 * checks of dsc_lr_scheduler_start()) and writes the saved lr (and momentum)
 * into the optimizer's groups, so the next step continues exactly where
 * the saved one stopped.
 * @param[in,out] s   The scheduler.
 * @param[in]     buf @p n doubles.
 * @param[in]     n   Their count.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_SHAPE if @p n is wrong;
 *         DSC_E_FORMAT if the data is not a state of this scheduler or holds
 *         values no scheduler can have: a step count that is not an integer
 *         in [-1, 2^53], -1 for a started scheduler or another count for an
 *         unstarted one, a negative or NaN counter, a NaN best metric, a
 *         warm-restart cycle T_i below 1 or T_cur not below T_i, an lr or
 *         momentum that is negative or not finite, or (for a started state,
 *         which is written into the optimizer) an lr above 2^32 or a
 *         momentum outside the optimizer's range; the errors of
 *         dsc_lr_scheduler_start(). On failure nothing changed.
 * @note Allocates nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_lr_scheduler_state_load(dsc_lr_scheduler *s, const double *buf, size_t n);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Dataset                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup dataset Dataset
 * @brief Inputs with float targets or integer class labels, in memory.
 *
 * A data set holds `count` samples. Inputs are a row-major float array of
 * `count x features`; each sample has either a row of `outputs` float
 * targets (regression, MSE) or one int32 class label in `[0, classes)`
 * (classification, cross-entropy). Data sets come from host arrays
 * (borrowed or copied), from IDX files (MNIST, Fashion-MNIST; gzipped or
 * not) or from CSV files. A seeded split makes a training and a validation
 * set; scaling and standardization prepare the inputs; dsc_dataset_gather()
 * copies the rows of an index list into caller buffers, which is how a
 * trainer builds shuffled mini-batches without allocating.
 *
 * Typical use:
 * @code
 * dsc_dataset *all = NULL, *train = NULL, *val = NULL;
 * CHECK(dsc_dataset_load_idx(&all, "train-images-idx3-ubyte.gz",
 *                            "train-labels-idx1-ubyte.gz", 10));
 * CHECK(dsc_dataset_scale(all, 255.0f));                 // pixels to [0, 1]
 * CHECK(dsc_dataset_split(&train, &val, all, 0.1, 42));  // 10% validation
 * dsc_dataset_free(all);                                 // the parts own copies
 * @endcode
 * @{
 */

/** How a constructor treats the host's arrays. The safe choice is 0. */
typedef enum dsc_dataset_mode {
    /** Copy the host's arrays into memory the data set owns (64-byte aligned). */
    DSC_DATASET_COPY = 0,
    /** Keep pointers to the host's arrays: no copy; they must outlive the data set
     *  and stay unchanged while it is used (not checkable: checking would
     *  take the copy this mode exists to avoid). */
    DSC_DATASET_BORROW = 1
} dsc_dataset_mode;

/**
 * @brief Create a data set of inputs with float targets (regression).
 *
 * Sample `i` has the inputs `inputs[i*features .. i*features+features)` and
 * the targets `targets[i*outputs .. i*outputs+outputs)`.
 * @param[out] out      Receives the new data set; set to NULL on failure.
 * @param[in]  inputs   `count x features` floats, row-major, all finite.
 * @param[in]  targets  `count x outputs` floats, row-major, all finite.
 * @param[in]  count    Number of samples, at least 1.
 * @param[in]  features Inputs per sample, at least 1.
 * @param[in]  outputs  Targets per sample, at least 1.
 * @param[in]  mode     ::DSC_DATASET_BORROW or ::DSC_DATASET_COPY.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a zero size, sizes whose
 *         byte count overflows size_t, or a NaN or infinite value (the
 *         message gives its index); DSC_E_UNSUPPORTED for a @p mode that is
 *         not a ::dsc_dataset_mode; DSC_E_NOMEM.
 * @note Ownership: the caller owns the data set and frees it with
 *       dsc_dataset_free(). With ::DSC_DATASET_BORROW the arrays are
 *       borrowed and must outlive it (not checkable: the data set keeps
 *       plain pointers); descent never writes to them (a transform such as
 *       dsc_dataset_scale() first makes a private copy).
 * @note Reads every value once to check it is finite.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_new_targets(dsc_dataset **out, const float *inputs,
                                           const float *targets, size_t count,
                                           size_t features, size_t outputs,
                                           dsc_dataset_mode mode);

/**
 * @brief Create a data set of inputs with integer class labels (classification).
 * @param[out] out      Receives the new data set; set to NULL on failure.
 * @param[in]  inputs   `count x features` floats, row-major, all finite.
 * @param[in]  labels   `count` labels, each in `[0, classes)`.
 * @param[in]  count    Number of samples, at least 1.
 * @param[in]  features Inputs per sample, at least 1.
 * @param[in]  classes  Number of classes, 1..INT32_MAX.
 * @param[in]  mode     ::DSC_DATASET_BORROW or ::DSC_DATASET_COPY.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a zero size, sizes whose
 *         byte count overflows size_t, a NaN or infinite input, or a label
 *         outside `[0, classes)` (the message gives the index and the
 *         value); DSC_E_UNSUPPORTED for a @p mode that is not a
 *         ::dsc_dataset_mode; DSC_E_NOMEM.
 * @note Ownership: as for dsc_dataset_new_targets().
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_new_labels(dsc_dataset **out, const float *inputs,
                                          const int32_t *labels, size_t count,
                                          size_t features, size_t classes,
                                          dsc_dataset_mode mode);

/**
 * @brief Load images and labels in the IDX format of MNIST and Fashion-MNIST.
 *
 * @p images is an `idx3-ubyte` file (magic 0x00000803; big-endian counts of
 * images, rows and columns; then one unsigned byte per pixel), @p labels an
 * `idx1-ubyte` file (magic 0x00000801; a count; one byte per label). Either
 * file may be gzip-compressed (recognised by its first bytes, 1f 8b, and
 * decompressed with zlib). Each image becomes one row of `rows x columns`
 * inputs holding the pixel values 0..255 as floats; call
 * dsc_dataset_scale() with 255 to bring them to [0, 1].
 * @param[out] out     Receives the new data set; set to NULL on failure.
 * @param[in]  images  Path of the images file.
 * @param[in]  labels  Path of the labels file.
 * @param[in]  classes Number of classes, 1..256 (10 for MNIST); every label
 *                     must be below it.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or a bad @p classes;
 *         DSC_E_IO if a file cannot be opened or read; DSC_E_FORMAT if a
 *         file is malformed: wrong magic, zero or overflowing dimensions,
 *         truncated data, bytes after the data, a damaged gzip stream,
 *         image and label counts that differ, or a label out of range (the
 *         message names the file and the problem); DSC_E_NOMEM.
 * @note Ownership: the caller owns the data set and frees it with dsc_dataset_free().
 * @note Never reads past a length it has checked; a hostile file gives an
 *       error, not a crash or a huge allocation it cannot fill.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_load_idx(dsc_dataset **out, const char *images,
                                        const char *labels, size_t classes);

/**
 * @brief Load a CSV file with a header line and numeric columns.
 *
 * The first line names the columns; every other non-blank line is one
 * sample of the same number of comma-separated numbers (a field may be
 * wrapped in double quotes; quoted commas are not supported; "\r\n" line
 * ends are accepted). One column is the target, every other column is an
 * input feature, in file order. Numbers are read with strtod(), so the
 * decimal point follows the C locale's LC_NUMERIC (a '.' unless the host
 * changed it).
 * @param[out] out          Receives the new data set; set to NULL on failure.
 * @param[in]  path         Path of the file.
 * @param[in]  target_name  Name of the target column in the header, or NULL
 *                          to choose it by @p target_index.
 * @param[in]  target_index Zero-based index of the target column; used only
 *                          when @p target_name is NULL.
 * @param[in]  classes      0: the target is a float (regression, one output);
 *                          1..INT32_MAX: the target is a class label, an
 *                          integer in `[0, classes)`.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a bad @p classes, a
 *         @p target_name the header does not name or a @p target_index
 *         past its last column; DSC_E_IO if the file cannot be opened or
 *         read; DSC_E_FORMAT for an empty file, no data rows, fewer than
 *         two columns, a target name shared by two columns, a row with the
 *         wrong number of fields, a field that is not a finite number, or a
 *         label that is not an integer in range (the message gives the line
 *         number and the column, counted from 0); DSC_E_NOMEM.
 * @note Ownership: the caller owns the data set and frees it with dsc_dataset_free().
 * @note Reads the whole file into memory while parsing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_load_csv(dsc_dataset **out, const char *path,
                                        const char *target_name, size_t target_index,
                                        size_t classes);

/**
 * @brief Split a data set at random into a training and a validation set.
 *
 * The rows are permuted by a Fisher-Yates shuffle seeded with @p seed; the
 * first `round(val_fraction * count)` rows of the permutation (halves
 * rounded up, at least one row) form the validation set and the rest the
 * training set, each in permutation order. The same data set, fraction and
 * seed give the same split on every machine.
 * @param[out] train        Receives the training set; set to NULL on failure.
 * @param[out] val          Receives the validation set; set to NULL on failure.
 * @param[in]  ds           The data set to split; unchanged.
 * @param[in]  val_fraction Share of rows for validation, in (0, 1).
 * @param[in]  seed         Any value.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, @p train equal to @p val,
 *         a fraction outside (0, 1) or NaN, or a fraction that would leave
 *         the training set empty; DSC_E_NOMEM.
 * @note Ownership: both parts are new data sets owning copies of their rows,
 *       independent of @p ds (which may be freed first) and of each other;
 *       the caller frees each with dsc_dataset_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_split(dsc_dataset **train, dsc_dataset **val,
                                     const dsc_dataset *ds, double val_fraction,
                                     uint64_t seed);

/**
 * @brief Make a data set of chosen rows of another (a subset, a reordering, a bootstrap).
 * @param[out] out   Receives the new data set; set to NULL on failure.
 * @param[in]  ds    The source data set; unchanged.
 * @param[in]  rows  @p count row indices, each below the sample count
 *                   (dsc_dataset_count());
 *                   repeats are allowed.
 * @param[in]  count Number of rows, at least 1.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, a zero @p count or an index
 *         out of range; DSC_E_NOMEM.
 * @note Ownership: the new data set owns copies of the rows and is
 *       independent of @p ds; the caller frees it with dsc_dataset_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_subset(dsc_dataset **out, const dsc_dataset *ds,
                                      const size_t *rows, size_t count);

/**
 * @brief Release a data set (and the memory it owns; borrowed arrays are left alone).
 * @param[in] ds The data set, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_dataset_free(dsc_dataset *ds);

/**
 * @brief The number of samples.
 * @param[in]  ds  The data set.
 * @param[out] out Receives the count (at least 1); set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_count(const dsc_dataset *ds, size_t *out);

/**
 * @brief The number of input features per sample (the model's input width).
 * @param[in]  ds  The data set.
 * @param[out] out Receives the feature count (at least 1); set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_features(const dsc_dataset *ds, size_t *out);

/**
 * @brief The width of the model's output this data set trains.
 * @param[in]  ds  The data set.
 * @param[out] out Receives the number of targets per sample for a regression
 *                 set, the number of classes for a labelled set; set to 0 on
 *                 failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_outputs(const dsc_dataset *ds, size_t *out);

/**
 * @brief The number of classes of a labelled data set.
 * @param[in]  ds  The data set.
 * @param[out] out Receives the class count, 0 for a regression set; set to 0
 *                 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_classes(const dsc_dataset *ds, size_t *out);

/**
 * @brief Whether the samples carry integer class labels rather than float targets.
 * @param[in]  ds  The data set.
 * @param[out] out Receives 1 for labels, 0 for float targets; set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_has_labels(const dsc_dataset *ds, int *out);

/**
 * @brief Whether the inputs are still the host's borrowed array.
 * @param[in]  ds  The data set.
 * @param[out] out Receives 1 if the inputs are borrowed (made with
 *                 ::DSC_DATASET_BORROW and not transformed since), 0 if owned;
 *                 set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_is_borrowed(const dsc_dataset *ds, int *out);

/**
 * @brief The inputs, `count x features` floats, row-major, read-only.
 *
 * Row `i` starts at `inputs + i * features` (dsc_dataset_features()).
 * @param[in]  ds  The data set.
 * @param[out] out Receives the inputs; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @note Ownership: borrowed from the data set, valid until it is freed or
 *       transformed (dsc_dataset_scale(), dsc_dataset_normalize_minmax(),
 *       dsc_dataset_standardize()).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_inputs(const dsc_dataset *ds, const float **out);

/**
 * @brief The float targets of a regression set, `count x outputs` floats, row-major, read-only.
 * @param[in]  ds  The data set.
 * @param[out] out Receives the targets; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         labelled data set (it has labels, dsc_dataset_labels(), not targets).
 * @note Ownership: borrowed from the data set, valid until it is freed.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_targets(const dsc_dataset *ds, const float **out);

/**
 * @brief The class labels of a labelled set, `count` values in `[0, classes)`, read-only.
 * @param[in]  ds  The data set.
 * @param[out] out Receives the labels; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         regression data set (it has targets, dsc_dataset_targets(), not labels).
 * @note Ownership: borrowed from the data set, valid until it is freed.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_dataset_labels(const dsc_dataset *ds, const int32_t **out);

/**
 * @brief Copy the samples of an index list into caller buffers (one mini-batch).
 *
 * For `k < count`, row `rows[k]` of the data set goes to row `k` of each
 * buffer given. Any buffer may be NULL to skip it.
 * @param[in]  ds      The data set.
 * @param[in]  rows    @p count row indices, each below the sample count
 *                     (dsc_dataset_count());
 *                     repeats allowed. May be NULL only when @p count is 0.
 * @param[in]  count   Number of rows; 0 copies nothing and succeeds.
 * @param[out] inputs  `count x features` floats, or NULL.
 * @param[out] targets `count x outputs` floats (dsc_dataset_outputs()), or NULL: the
 *                     targets of a regression set, or one-hot rows (1 at the
 *                     label, 0 elsewhere) for a labelled set.
 * @param[out] labels  `count` labels, or NULL; must be NULL for a
 *                     regression set.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ds, a NULL @p rows with a nonzero
 *         @p count, an index out of range (nothing is written), or
 *         non-NULL @p labels for a regression set.
 * @note Allocates nothing. Reads @p ds only, so several threads may gather
 *       from one data set at once as long as none transforms it.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_gather(const dsc_dataset *ds, const size_t *rows, size_t count,
                                      float *inputs, float *targets, int32_t *labels);

/**
 * @brief Divide every input by @p divisor (255 brings IDX pixels to [0, 1]).
 * @param[in,out] ds      The data set.
 * @param[in]     divisor Finite and greater than 0.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ds or a bad @p divisor (nothing
 *         changes); DSC_E_NOMEM if borrowed inputs could not be copied
 *         (nothing changes).
 * @note Ownership: borrowed inputs are first copied into owned memory, so
 *       the host's array is never written; pointers from
 *       dsc_dataset_inputs() taken before are then stale.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_scale(dsc_dataset *ds, float divisor);

/**
 * @brief Per-feature minimum and maximum of the inputs.
 * @param[in]  ds  The data set.
 * @param[out] min `features` floats: the smallest value of each feature.
 * @param[out] max `features` floats: the largest value of each feature.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer (nothing is written).
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_feature_minmax(const dsc_dataset *ds, float *min, float *max);

/**
 * @brief Per-feature mean and standard deviation of the inputs.
 *
 * The standard deviation is the population one (divisor `count`, as
 * scikit-learn's StandardScaler uses); sums are taken in double.
 * @param[in]  ds   The data set.
 * @param[out] mean `features` floats: the mean of each feature.
 * @param[out] std  `features` floats: the standard deviation of each feature.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer (nothing is written).
 * @note Allocates nothing.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_feature_meanstd(const dsc_dataset *ds, float *mean, float *std);

/**
 * @brief Min-max scaling of each feature: `x' = (x - min[j]) / (max[j] - min[j])`.
 *
 * With the data set's own statistics every feature lands in [0, 1]. Give
 * the statistics of the training set (dsc_dataset_feature_minmax()) to
 * scale a validation or test set the same way. A feature with `max == min`
 * becomes 0.
 * @param[in,out] ds  The data set.
 * @param[in]     min `features` finite floats, or NULL together with @p max
 *                    to use the data set's own minima and maxima.
 * @param[in]     max `features` finite floats with `max[j] >= min[j]`, or NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ds, exactly one of @p min and
 *         @p max NULL, or a non-finite or inverted pair (the message names
 *         the feature; nothing changes); DSC_E_NOMEM (nothing changes).
 * @note Ownership: borrowed inputs are first copied, as for dsc_dataset_scale().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_normalize_minmax(dsc_dataset *ds, const float *min, const float *max);

/**
 * @brief Standardize each feature: `x' = (x - mean[j]) / std[j]`.
 *
 * With the data set's own statistics every feature gets mean 0 and
 * standard deviation 1. Give the statistics of the training set
 * (dsc_dataset_feature_meanstd()) to standardize a validation or test set
 * the same way. A feature with `std == 0` is only centred (divided by 1),
 * as scikit-learn does.
 * @param[in,out] ds   The data set.
 * @param[in]     mean `features` finite floats, or NULL together with @p std
 *                     to use the data set's own statistics.
 * @param[in]     std  `features` finite floats, each at least 0, or NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ds, exactly one of @p mean and
 *         @p std NULL, or a non-finite mean or a negative or non-finite
 *         std (the message names the feature; nothing changes);
 *         DSC_E_NOMEM (nothing changes).
 * @note Ownership: borrowed inputs are first copied, as for dsc_dataset_scale().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_dataset_standardize(dsc_dataset *ds, const float *mean, const float *std);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Trainer                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * @defgroup trainer Trainer
 * @brief The training loop: stochastic, mini-batch or full-batch gradient
 *        descent over a data set, with shuffling, a scheduler, validation,
 *        early stopping and callbacks (the learning-rate range test and
 *        grid/random search are in @ref search, experimental).
 *
 * A trainer borrows a built model, a loss, an optimizer that already holds
 * the model's parameters (dsc_optimizer_add_model() or
 * dsc_optimizer_add_params() over dsc_model_params()/dsc_model_grads()) and
 * a training set; optionally a validation set (dsc_trainer_set_validation())
 * and a scheduler (dsc_trainer_set_scheduler()). Settings are
 * ::dsc_trainer_param keys set with dsc_trainer_set(). dsc_trainer_run()
 * then trains for ::DSC_TRAINER_PARAM_EPOCHS epochs. Each epoch:
 *
 * 1. the sample order is the identity, or (::DSC_TRAINER_PARAM_SHUFFLE, the default) a
 *    Fisher-Yates permutation drawn from the trainer's generator, seeded
 *    with ::DSC_TRAINER_PARAM_SEED: the same seed gives the same orders and, for a
 *    given kernel set, the same final weights;
 * 2. the order is cut into batches of ::DSC_TRAINER_PARAM_BATCH_SIZE samples: 1 is
 *    stochastic gradient descent, N mini-batch, 0 the whole set (full-batch
 *    gradient descent: one step per epoch). The last, partial batch is used
 *    unless ::DSC_TRAINER_PARAM_DROP_LAST is 1;
 * 3. for each batch: zero the gradients, forward, loss, backward, optimizer
 *    step. A batch larger than the model's maximum batch
 *    (dsc_model_max_batch()) is processed in chunks of at most that size
 *    whose gradients accumulate, each chunk's loss gradient weighted by
 *    chunk/batch, so the step sees exactly the gradient of the mean loss
 *    over the whole batch; then one optimizer step;
 * 4. a step the optimizer refuses (::DSC_E_NONFINITE: a NaN or infinite
 *    gradient, or an update that would not be finite), or a batch whose
 *    loss is not finite (then there is no backward and no step), is counted
 *    and skipped; after
 *    ::DSC_TRAINER_PARAM_MAX_NONFINITE such batches in a row, training stops and
 *    dsc_trainer_run() returns ::DSC_E_NONFINITE;
 * 5. the scheduler, if any, is stepped after every accepted optimizer step
 *    (::DSC_STEP_PER_ITERATION), or at the end of the epoch
 *    (::DSC_STEP_PER_EPOCH, the default), or at the end of the epoch with
 *    the validation loss (::DSC_STEP_ON_METRIC, for ReduceLROnPlateau);
 * 6. at the end of the epoch the validation set, if any, is evaluated (loss
 *    and, for a labelled set, accuracy), early stopping is checked, and the
 *    epoch callback runs.
 *
 * Labelled data sets (dsc_dataset_has_labels()) train with
 * ::DSC_LOSS_CROSS_ENTROPY and only with it; data sets of float targets
 * with every other loss. The model's input width must equal
 * dsc_dataset_features() and its output width dsc_dataset_outputs().
 *
 * The library never prints: progress reaches the host through the step
 * and epoch callbacks (::dsc_trainer_callback) and dsc_trainer_progress().
 *
 * Memory: dsc_trainer_new() allocates every buffer training needs (the
 * sample order, one chunk of inputs, targets or labels and loss gradients,
 * and the copy of the best weights), so dsc_trainer_run() allocates nothing.
 * @code
 * dsc_trainer *t = NULL;
 * CHECK(dsc_optimizer_add_model(opt, model, NULL));
 * CHECK(dsc_trainer_new(&t, model, loss, opt, train));
 * CHECK(dsc_trainer_set_validation(t, val));
 * CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_BATCH_SIZE, 64));
 * CHECK(dsc_trainer_set(t, DSC_TRAINER_PARAM_EPOCHS, 20));
 * CHECK(dsc_trainer_set_epoch_callback(t, print_epoch, NULL));
 * CHECK(dsc_trainer_run(t));
 * dsc_trainer_free(t);
 * @endcode
 * @{
 */

/** The progress of a running trainer, passed to callbacks; read it with
 *  dsc_progress_get(). Borrowed from the trainer. */
typedef struct dsc_progress dsc_progress;

/** When the trainer steps its scheduler. Values are fixed and never renumbered. */
typedef enum dsc_sched_stepping {
    /** dsc_lr_scheduler_step() once at the end of each epoch (the default). */
    DSC_STEP_PER_EPOCH = 0,
    /** dsc_lr_scheduler_step() after each accepted optimizer step (CyclicLR, OneCycleLR). */
    DSC_STEP_PER_ITERATION = 1,
    /** dsc_lr_scheduler_step_metric() at the end of each epoch with the
     *  validation loss, or the epoch's mean training loss when there is no
     *  validation set (ReduceLROnPlateau). */
    DSC_STEP_ON_METRIC = 2
} dsc_sched_stepping;

/**
 * @brief Trainer settings, keys of dsc_trainer_set() and dsc_trainer_get().
 *        Numbers never change. Integers travel as doubles and must be integral.
 *
 * Every key may be set at any time except from inside a callback, and takes
 * effect at the next dsc_trainer_run() (the seed: at once, see
 * ::DSC_TRAINER_PARAM_SEED).
 */
typedef enum dsc_trainer_param {
    /** Samples per optimizer step: 1 stochastic, N mini-batch, 0 the whole
     *  training set (one step per epoch). Default 32; int in [0, 2^31]. A
     *  batch above the model's maximum batch is accumulated over chunks. */
    DSC_TRAINER_PARAM_BATCH_SIZE = 1,
    /** Epochs each dsc_trainer_run() trains. Default 1; int in [1, 2^31]. */
    DSC_TRAINER_PARAM_EPOCHS = 2,
    /** Seed of the shuffling generator; setting it re-seeds the generator.
     *  Default 0 (the generator starts seeded with 0); int in [0, 2^53]. */
    DSC_TRAINER_PARAM_SEED = 3,
    /** 1: a new random order each epoch (default); 0: data set order. */
    DSC_TRAINER_PARAM_SHUFFLE = 4,
    /** 1: drop the last batch of an epoch when it has fewer than
     *  ::DSC_TRAINER_PARAM_BATCH_SIZE samples; 0: use it (default). An epoch whose
     *  only batch is partial keeps it regardless. */
    DSC_TRAINER_PARAM_DROP_LAST = 5,
    /** When the scheduler is stepped: a ::dsc_sched_stepping, default
     *  ::DSC_STEP_PER_EPOCH. */
    DSC_TRAINER_PARAM_SCHED_STEPPING = 6,
    /** Early stopping on the validation loss: stop after this many epochs
     *  in a row without improvement (Keras' EarlyStopping patience).
     *  Default 0: off. int in [0, 2^31]. Needs a validation set. */
    DSC_TRAINER_PARAM_PATIENCE = 10,
    /** Early stopping: an epoch improves when its validation loss is below
     *  the best so far minus min_delta. Default 0; [0, inf), finite. */
    DSC_TRAINER_PARAM_MIN_DELTA = 11,
    /** Early stopping: 1 (default) to end every run that has early stopping
     *  on with the parameters of the epoch of the best validation loss
     *  (whether it stopped early or not); 0 to keep the last ones. */
    DSC_TRAINER_PARAM_RESTORE_BEST = 12,
    /** Refused (non-finite) batches in a row after which training stops with
     *  ::DSC_E_NONFINITE. Default 10; int in [0, 2^31], 0: never stop. */
    DSC_TRAINER_PARAM_MAX_NONFINITE = 13,
    /** Learning-rate range test: the smoothing factor beta of the
     *  exponential moving average of the loss. Default 0.98; [0, 1). */
    DSC_TRAINER_PARAM_FINDER_BETA = 20,
    /** Learning-rate range test: stop when the smoothed loss exceeds this
     *  many times the best smoothed loss. Default 4; (1, inf), finite. */
    DSC_TRAINER_PARAM_FINDER_DIVERGE = 21,
    /** 1: measure, while training, the gradient noise scale, the loss's
     *  oscillation and its progress (::DSC_PROGRESS_NOISE_SCALE to
     *  ::DSC_PROGRESS_SUGGESTED_LR; docs/noise_scale.md). Each measured batch
     *  (::DSC_TRAINER_PARAM_NOISE_INTERVAL) of at least 2 samples is then run
     *  as two forward/backward passes, a part of
     *  ::DSC_TRAINER_PARAM_NOISE_PART of it and the rest, and the squared
     *  gradient norm is read after each (the gradient is the same as without).
     *  Setting it to 1 starts the measurements afresh. Not saved in
     *  checkpoints. Default 0; 0 or 1. @since 0.2.0 */
    DSC_TRAINER_PARAM_MEASURE_NOISE = 30,
    /** Averaging of the noise-scale estimates (also a setting of
     *  dsc_noise_scale_set()): each step's estimate enters a moving average
     *  with weight max(1 - beta, 1/n) at the n-th step: the plain mean of
     *  the first 1/(1 - beta) steps, then an exponential moving average; 1
     *  keeps the plain mean of every step. Default 0.99; [0, 1]. @since 0.2.0 */
    DSC_TRAINER_PARAM_NOISE_BETA = 31,
    /** The part of each batch whose gradient is the small-batch one of the
     *  noise scale: round(part x batch) samples, at least 1 and at most
     *  batch - 1. Default 0.5; (0, 1). @since 0.2.0 */
    DSC_TRAINER_PARAM_NOISE_PART = 32,
    /** Batch losses in the window of ::DSC_PROGRESS_OSCILLATION and the loss
     *  drop (also a setting of dsc_noise_scale_set()). Default 50; int in
     *  [3, 2^20]. @since 0.2.0 */
    DSC_TRAINER_PARAM_LOSS_WINDOW = 33,
    /** Measure the noise scale on every n-th step only (the first of a
     *  trainer, then every n-th): a measured step runs its batch as two
     *  passes, which costs about 15% of a step at batch 32 on the
     *  784-256-128-10 MLP (bench/README.md); the default keeps the cost of
     *  measuring within 5% of an epoch. Default 8; int in [1, 2^31].
     *  @since 0.2.0 */
    DSC_TRAINER_PARAM_NOISE_INTERVAL = 34
} dsc_trainer_param;

/**
 * @brief Values a progress handle reports, keys of dsc_progress_get().
 *        Numbers never change.
 */
typedef enum dsc_progress_key {
    /** The epoch, counted from 1 (the epoch under way in the step callback,
     *  the epoch just finished in the epoch callback); 0 before training. */
    DSC_PROGRESS_EPOCH = 1,
    /** Batches processed since the trainer was created, counted from 1,
     *  refused ones included. */
    DSC_PROGRESS_STEP = 2,
    /** The batch within the current epoch, counted from 1. */
    DSC_PROGRESS_BATCH = 3,
    /** Batches per epoch with the current settings. */
    DSC_PROGRESS_BATCHES_PER_EPOCH = 4,
    /** Parameter group 0's learning rate used by the last step. */
    DSC_PROGRESS_LR = 5,
    /** The loss of the last batch (NaN or infinite if that batch was refused
     *  for its loss). */
    DSC_PROGRESS_LOSS = 6,
    /** Running mean of this epoch's batch losses over the accepted batches,
     *  each weighted by its sample count (at the end of the epoch: the
     *  epoch's training loss). NaN before the first accepted batch. */
    DSC_PROGRESS_EPOCH_LOSS = 7,
    /** Validation loss at the end of the last finished epoch; NaN without
     *  a validation set or before the first epoch ends. */
    DSC_PROGRESS_VAL_LOSS = 8,
    /** Validation accuracy in [0, 1] at the end of the last finished epoch;
     *  NaN without a labelled validation set or before the first epoch ends. */
    DSC_PROGRESS_VAL_ACCURACY = 9,
    /** Batches refused (non-finite loss, gradient or update) since the trainer was created. */
    DSC_PROGRESS_REFUSED = 10,
    /** Refused batches in a row, up to the last one. */
    DSC_PROGRESS_REFUSED_IN_A_ROW = 11,
    /** Seconds since the current dsc_trainer_run() started (monotonic clock). */
    DSC_PROGRESS_ELAPSED = 12,
    /** Best validation loss of the current run; NaN before the first. */
    DSC_PROGRESS_BEST_VAL_LOSS = 13,
    /** The epoch of ::DSC_PROGRESS_BEST_VAL_LOSS; 0 before the first. */
    DSC_PROGRESS_BEST_EPOCH = 14,
    /** Epochs in a row without improvement of the validation loss. */
    DSC_PROGRESS_EPOCHS_WITHOUT_IMPROVEMENT = 15,
    /** Why the last run ended: a ::dsc_stop_reason. */
    DSC_PROGRESS_STOP_REASON = 16,
    /** The gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et
     *  al. 2018): the batch size around which larger batches stop speeding up
     *  training per step. NaN before the first measurement; +infinity while
     *  the averaged |G|^2 estimate is not positive (the noise hides the
     *  gradient). Needs ::DSC_TRAINER_PARAM_MEASURE_NOISE. @since 0.2.0 */
    DSC_PROGRESS_NOISE_SCALE = 20,
    /** The averaged unbiased estimate of |G|^2, the squared norm of the
     *  full-data gradient; NaN before the first measurement. @since 0.2.0 */
    DSC_PROGRESS_GRAD_SQ_NORM = 21,
    /** The averaged unbiased estimate of tr(Sigma), the per-sample gradient
     *  variance summed over the parameters; NaN before the first measurement.
     *  @since 0.2.0 */
    DSC_PROGRESS_GRAD_VARIANCE = 22,
    /** Steps whose gradients went into the noise-scale averages. @since 0.2.0 */
    DSC_PROGRESS_NOISE_STEPS = 23,
    /** RMS of the batch losses of the last ::DSC_TRAINER_PARAM_LOSS_WINDOW
     *  accepted steps around their least-squares line against the epoch
     *  (the spread of the loss around its trend); NaN before 3 steps.
     *  @since 0.2.0 */
    DSC_PROGRESS_OSCILLATION = 24,
    /** Drop of the loss per epoch: minus the slope of that line (negative
     *  when the loss rises); NaN before 3 steps. @since 0.2.0 */
    DSC_PROGRESS_LOSS_DROP_PER_EPOCH = 25,
    /** Drop of the loss per second: the line's drop across the window
     *  divided by the seconds the window's steps took (monotonic clock);
     *  NaN before 3 steps. @since 0.2.0 */
    DSC_PROGRESS_LOSS_DROP_PER_SECOND = 26,
    /** The batch size dsc_noise_scale_advise() suggests (the noise scale,
     *  rounded, within [1, the training set's size]); NaN while the noise
     *  scale is not a positive finite number. @since 0.2.0 */
    DSC_PROGRESS_SUGGESTED_BATCH = 27,
    /** The learning rate dsc_noise_scale_advise() suggests for that batch
     *  size from the trainer's last successful dsc_trainer_lr_range_test()
     *  (its suggested lr at its batch size); NaN without a range test or
     *  without a suggested batch size. @since 0.2.0 */
    DSC_PROGRESS_SUGGESTED_LR = 28
} dsc_progress_key;

/** Why dsc_trainer_run() ended. Values are fixed and never renumbered. */
typedef enum dsc_stop_reason {
    DSC_STOP_NONE = 0,      /**< Not stopped yet (during a run, or before the first). */
    DSC_STOP_EPOCHS = 1,    /**< All ::DSC_TRAINER_PARAM_EPOCHS epochs ran. */
    DSC_STOP_CALLBACK = 2,  /**< A callback returned nonzero. */
    DSC_STOP_EARLY = 3,     /**< Early stopping: ::DSC_TRAINER_PARAM_PATIENCE epochs without improvement. */
    DSC_STOP_NONFINITE = 4, /**< ::DSC_TRAINER_PARAM_MAX_NONFINITE refused batches in a row. */
    DSC_STOP_ERROR = 5      /**< A component failed; dsc_trainer_run() returned its status. */
} dsc_stop_reason;

/**
 * @brief A step or epoch callback.
 * @param progress The trainer's progress, readable with
 *                 dsc_progress_get(); valid during the call only.
 * @param user     The pointer given with the callback.
 * @return 0 to continue; nonzero to stop training (after this step, or at
 *         the end of this epoch). dsc_trainer_run() then returns DSC_OK and
 *         the stop reason is ::DSC_STOP_CALLBACK.
 * @note A callback may read everything. The trainer's own functions that
 *       change it (set, run, the setters of callbacks, validation set and
 *       scheduler, the range test, the search) are refused with
 *       ::DSC_E_STATE while it runs. A change a callback makes to the model,
 *       loss, optimizer or scheduler through their functions applies from
 *       the next batch, as in PyTorch (an lr set by hand, say, until the
 *       scheduler's next step); a parameter group added to the optimizer
 *       stops the run at the next batch with ::DSC_E_STATE (see
 *       dsc_trainer_new()). Freeing the trainer or anything it borrows
 *       cannot be refused (the free functions return nothing) and must not
 *       happen.
 */
typedef int (*dsc_trainer_callback)(const dsc_progress *progress, void *user);

/**
 * @brief Create a trainer over a model, a loss, an optimizer and a training set.
 * @param[out] out   Receives the new trainer; set to NULL on failure.
 * @param[in]  model A built model whose input width is the data set's
 *                   features and output width its outputs.
 * @param[in]  loss  ::DSC_LOSS_CROSS_ENTROPY for a labelled set, any other
 *                   kind for a set of float targets.
 * @param[in]  opt   An optimizer with at least one parameter group, holding
 *                   exactly the model's parameters: one group from
 *                   dsc_optimizer_add_model(), or groups from
 *                   dsc_optimizer_add_params() that together cover the
 *                   model's parameter buffer, each with the model's
 *                   gradients at the same offset, and no other group.
 * @param[in]  train The training set.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or an optimizer that does not
 *         hold exactly the model's parameters (the message says what
 *         differs: a group outside the model, parameters left out, other
 *         gradients); DSC_E_STATE if the model is not built or the optimizer
 *         has no group; DSC_E_SHAPE if the widths of model and data set
 *         differ; DSC_E_UNSUPPORTED if the loss does not fit the data set
 *         (labels without cross-entropy, cross-entropy without labels);
 *         DSC_E_NOMEM.
 * @note Ownership: the caller owns the trainer (dsc_trainer_free()); model,
 *       loss, optimizer and data set are borrowed and must outlive it (not
 *       checkable: the trainer keeps plain pointers).
 * @note Allocates every buffer training needs: the sample order (count
 *       indices), one chunk of max_batch rows and a copy of the parameters.
 * @since 0.1.0 (0.2.0: an optimizer not holding exactly the model's
 *        parameters is refused)
 */
DSC_API dsc_status dsc_trainer_new(dsc_trainer **out, dsc_model *model, dsc_loss *loss,
                                   dsc_optimizer *opt, const dsc_dataset *train);

/**
 * @brief Release a trainer (never the objects it borrows).
 * @param[in] t The trainer, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_trainer_free(dsc_trainer *t);

/**
 * @brief Set (or remove) the validation set evaluated at the end of each epoch.
 * @param[in,out] t   The trainer.
 * @param[in]     val A data set of the training set's kind (labels or
 *                    targets) and widths, or NULL to remove it.
 * @return DSC_OK; DSC_E_ARG if @p t is NULL; DSC_E_SHAPE if the widths
 *         differ from the model's; DSC_E_UNSUPPORTED if it has labels and
 *         the training set targets, or the reverse; DSC_E_STATE from a callback.
 * @note Ownership: borrowed; it must outlive the trainer or be removed first
 *       (not checkable: the trainer keeps a plain pointer). Allocates
 *       nothing (evaluation reads the set in place).
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_set_validation(dsc_trainer *t, const dsc_dataset *val);

/**
 * @brief Set (or remove) the scheduler stepped during training.
 * @param[in,out] t     The trainer.
 * @param[in]     sched A scheduler over the trainer's optimizer, or NULL.
 *                      Stepped as ::DSC_TRAINER_PARAM_SCHED_STEPPING says.
 * @return DSC_OK; DSC_E_ARG if @p t is NULL; DSC_E_STATE from a callback.
 * @note Ownership: borrowed; it must outlive the trainer or be removed first
 *       (not checkable: the trainer keeps a plain pointer).
 *       dsc_trainer_run() starts it (dsc_lr_scheduler_start()) if the host
 *       has not, so its t = 0 lr applies from the first batch, as after
 *       PyTorch's constructor.
 *       A ReduceLROnPlateau scheduler needs ::DSC_STEP_ON_METRIC: with
 *       another stepping, dsc_trainer_run() fails with the scheduler's
 *       ::DSC_E_STATE at the end of the first epoch.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_set_scheduler(dsc_trainer *t, dsc_lr_scheduler *sched);

/**
 * @brief Change a setting.
 * @param[in,out] t     The trainer.
 * @param[in]     key   A ::dsc_trainer_param.
 * @param[in]     value Within the key's range (see ::dsc_trainer_param and
 *                      dsc_trainer_param_bounds()).
 * @return DSC_OK; DSC_E_ARG for a NULL trainer or a value out of range,
 *         not finite, or not integral where an integer is needed (the
 *         message gives the range); DSC_E_UNSUPPORTED for a @p key that is
 *         not a ::dsc_trainer_param; DSC_E_STATE from a callback. A refused
 *         call changes nothing.
 * @note Allocates nothing.
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown key)
 */
DSC_API dsc_status dsc_trainer_set(dsc_trainer *t, dsc_trainer_param key, double value);

/**
 * @brief Read a setting.
 * @param[in]  t   The trainer.
 * @param[in]  key A ::dsc_trainer_param.
 * @param[out] out Receives the value.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         @p key that is not a ::dsc_trainer_param.
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown key)
 */
DSC_API dsc_status dsc_trainer_get(const dsc_trainer *t, dsc_trainer_param key, double *out);

/**
 * @brief The inclusive range of values a trainer setting accepts.
 *
 * An open end such as finder_beta's 1 in [0, 1) is returned as the nearest
 * double inside the range; "no upper bound" is DBL_MAX (every value must
 * still be finite). Booleans give 0 and 1. Integer settings accept only
 * integral values in the range.
 * @param[in]  key A ::dsc_trainer_param.
 * @param[out] lo  Receives the smallest accepted value.
 * @param[out] hi  Receives the largest accepted value.
 * @return DSC_OK; DSC_E_ARG for a NULL @p lo or @p hi; DSC_E_UNSUPPORTED for
 *         a @p key that is not a ::dsc_trainer_param (@p lo and @p hi are
 *         then left as they were).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_trainer_param_bounds(dsc_trainer_param key, double *lo, double *hi);

/**
 * @brief The value a setting has in a new trainer.
 * @param[in]  key A ::dsc_trainer_param.
 * @param[out] out Receives the default.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for a
 *         @p key that is not a ::dsc_trainer_param (@p out is then left as
 *         it was).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_trainer_param_default(dsc_trainer_param key, double *out);

/**
 * @brief Set (or remove) the callback run after every batch.
 * @param[in,out] t    The trainer.
 * @param[in]     fn   The callback, or NULL to remove it.
 * @param[in]     user Passed unchanged to @p fn; may be NULL.
 * @return DSC_OK; DSC_E_ARG if @p t is NULL; DSC_E_STATE from a callback.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_set_step_callback(dsc_trainer *t, dsc_trainer_callback fn,
                                                 void *user);

/**
 * @brief Set (or remove) the callback run at the end of every epoch (after
 *        validation and early-stopping bookkeeping).
 * @param[in,out] t    The trainer.
 * @param[in]     fn   The callback, or NULL to remove it.
 * @param[in]     user Passed unchanged to @p fn; may be NULL.
 * @return DSC_OK; DSC_E_ARG if @p t is NULL; DSC_E_STATE from a callback.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_set_epoch_callback(dsc_trainer *t, dsc_trainer_callback fn,
                                                  void *user);

/**
 * @brief Train for ::DSC_TRAINER_PARAM_EPOCHS epochs (fewer if stopped).
 *
 * A second call continues: epoch and step counts go on, the generator
 * continues its stream, the optimizer and scheduler keep their state; the
 * early-stopping bookkeeping (best loss, epochs without improvement) starts
 * afresh. The model is left in training mode.
 * @param[in,out] t The trainer.
 * @return DSC_OK when the epochs ran or a callback or early stopping ended
 *         training (see ::DSC_PROGRESS_STOP_REASON); DSC_E_ARG if @p t is NULL;
 *         DSC_E_STATE if called from a callback, if early stopping is on
 *         without a validation set, or the optimizer's or model's state no
 *         longer fits (a group added to the optimizer since
 *         dsc_trainer_new(), checked before every batch); DSC_E_NONFINITE after ::DSC_TRAINER_PARAM_MAX_NONFINITE refused
 *         batches in a row (the parameters are those of the last accepted
 *         step, or the best ones if they are restored); the status of a
 *         scheduler start or step that failed.
 * @note Allocates nothing. The parameters change in place as training goes.
 *       A batch that fits the model's maximum batch runs as one fused
 *       training step (the experimental dsc_model_train_step(), the same
 *       results with fewer passes over memory); a larger batch (gradients
 *       accumulated over chunks) and a step that measures the gradient noise
 *       scale (::DSC_TRAINER_PARAM_MEASURE_NOISE, which reads the gradient
 *       between its two passes) run as the separate calls.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_run(dsc_trainer *t);

/**
 * @brief The trainer's progress, to read after (or between) runs.
 * @param[in]  t   The trainer.
 * @param[out] out Receives the progress handle; NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @note Ownership: borrowed from the trainer, valid until dsc_trainer_free().
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_progress(const dsc_trainer *t, const dsc_progress **out);

/**
 * @brief Read one value of a progress handle.
 * @param[in]  p   A progress handle (from a callback or dsc_trainer_progress()).
 * @param[in]  key A ::dsc_progress_key.
 * @param[out] out Receives the value (NaN where the key says so).
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         @p key that is not a ::dsc_progress_key.
 * @note Allocates nothing; safe in callbacks.
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown key)
 */
DSC_API dsc_status dsc_progress_get(const dsc_progress *p, dsc_progress_key key,
                                            double *out);

/**
 * @brief Mean loss and accuracy of a model over a whole data set, in batches.
 *
 * Runs forward passes of at most the model's maximum batch in evaluation
 * mode (dropout off; the mode is restored) and combines the batch means
 * weighted by their sample counts. The gradients are untouched.
 * @param[in,out] model    A built model of the data set's widths.
 * @param[in,out] loss     A loss fitting the data set, as for dsc_trainer_new().
 * @param[in]     ds       The data set.
 * @param[out]    value    Receives the mean loss; may be NULL.
 * @param[out]    accuracy Receives the accuracy in [0, 1] (see
 *                         dsc_accuracy()) for a labelled set, NaN for a set
 *                         of targets; may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL model, loss or data set;
 *         DSC_E_STATE if the model is not built; DSC_E_SHAPE if the widths
 *         differ; DSC_E_UNSUPPORTED if the loss does not fit the data set;
 *         DSC_E_NONFINITE if an output is not finite.
 * @note Allocates nothing. Overwrites what the model's last forward pass
 *       kept, so a backward pass needs a new forward pass.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_model_evaluate(dsc_model *model, dsc_loss *loss, const dsc_dataset *ds,
                                      double *value, double *accuracy);

/** @} */

/* ------------------------------------------------------------------------ */
/*  Experimental API                                                         */
/* ------------------------------------------------------------------------ */

#ifdef DESCENT_EXPERIMENTAL_API

/**
 * @defgroup experimental Experimental API
 * @brief Declared only when the host defines `DESCENT_EXPERIMENTAL_API`
 *        before including this header; outside the ABI promise.
 *
 * What is here works, is documented and tested like the rest, but its shape
 * is not settled: it may change or go in any minor release (docs/abi.md).
 * Its symbols sit in their own version node, `DESCENT_EXPERIMENTAL_<major>.<minor>`,
 * named after the release, so a program linked against one release's
 * experimental symbols refuses to load on another instead of calling a
 * function whose signature changed.
 * @code
 * #define DESCENT_EXPERIMENTAL_API
 * #include <descent.h>
 * @endcode
 * Today: the tensor handle (no other call accepts one yet), the learning-rate
 * range test, grid and random search, shaped models with their layers and
 * named tensors, model files and checkpoints (safetensors), and the fused
 * training step (dsc_model_train_step()).
 * @{
 */

/**
 * @brief One training step in one call: forward, loss, backward and the optimizer step.
 *
 * Gives bit for bit what these calls give on the same kernel set, thread
 * count or not: dsc_model_zero_grad(), dsc_model_forward(),
 * dsc_loss_forward() (or dsc_loss_forward_labels()), dsc_loss_backward(),
 * dsc_model_backward() and dsc_optimizer_step() (parameters, optimizer
 * state, step counts, dsc_optimizer_last_grad_norm(), the gradients left in
 * the model, the loss value), with fewer passes over memory: the backward
 * writes the gradients instead of adding them to zeros, the gradient norm
 * and the result check of the update (see dsc_optimizer_step()) run on each
 * layer's gradients as soon as the backward has produced them, and the
 * update runs layer by layer from the first layer, whose gradients are the
 * last produced. No parameter is written before every check has passed, so
 * the guarantee of dsc_optimizer_step() holds: a refused step changes no
 * parameter, optimizer state or step count.
 *
 * What each optimizer setting gets: without ::DSC_OPTIMIZER_PARAM_CLIP_NORM
 * (any kind, with or without ::DSC_OPTIMIZER_PARAM_CLIP_VALUE, weight decay
 * or maximize) the norm and the result check ride on the backward; with
 * norm clipping the scale needs the whole norm first, so the norm rides on
 * the backward and the checks run after it as a whole pass; with a gradient
 * hook (dsc_optimizer_set_grad_hook()) the call runs the backward, then
 * dsc_optimizer_step() itself (hook, norm, checks, update). Keep the
 * separate calls where the host needs the gradients between backward and
 * step: accumulation over several backward passes, custom clipping, or
 * measuring them (dsc_trainer_run() uses this call for every batch that fits
 * the model's maximum batch, except the steps that measure the gradient
 * noise scale).
 *
 * @param[in,out] model   A built model; its training flag (dsc_model_set_training())
 *                        applies as for dsc_model_forward().
 * @param[in,out] loss    The loss; it remembers this batch as after dsc_loss_forward().
 * @param[in,out] opt     An optimizer holding exactly the model's parameters
 *                        (dsc_optimizer_add_model(), in one or several groups).
 * @param[in]     x       batch x the model's input width floats.
 * @param[in]     target  batch x the output width floats for a loss that takes
 *                        float targets, else NULL.
 * @param[in]     labels  batch class labels in 0..width-1 for
 *                        ::DSC_LOSS_CROSS_ENTROPY, else NULL.
 * @param[in]     batch   1..the model's maximum batch.
 * @param[out]    loss_value Receives the batch's loss; 0 on failure. May be NULL.
 * @return DSC_OK;
 *         DSC_E_ARG for a NULL model, loss, opt, x or the target (labels) the
 *         loss needs, a batch out of range, a label out of range, or an
 *         optimizer that does not hold exactly the model's parameters (one
 *         without groups included);
 *         DSC_E_UNSUPPORTED for float targets given to a loss that takes
 *         labels or the other way round;
 *         DSC_E_STATE for a model not built, a group at the largest step
 *         count, or a call from the optimizer's own gradient hook;
 *         DSC_E_SHAPE for a batch a layer refuses in this mode (batch norm
 *         training on one value per channel);
 *         DSC_E_NONFINITE for non-finite targets (nothing changed); for a
 *         model output or loss that is not finite (the forward ran, as
 *         dsc_model_forward() would: batch norm's running statistics and
 *         dropout's generator advanced; gradients, parameters and optimizer
 *         unchanged); or for a step refused by the optimizer as
 *         dsc_optimizer_step() refuses it (the gradients hold this batch's,
 *         parameters, state and step counts unchanged, the refused-step
 *         counter up); the status of the gradient hook if it fails.
 *         Arguments are all checked before anything changes.
 * @note Allocates nothing. The optimizer's groups may split the model's
 *       parameters in any way; each group's step is completed as a whole.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_train_step(dsc_model *model, dsc_loss *loss, dsc_optimizer *opt,
                                        const float *x, const float *target,
                                        const int32_t *labels, size_t batch, double *loss_value);

/** An n-dimensional float32 array, owning its memory or borrowing the host's. */
typedef struct dsc_tensor dsc_tensor;

/** A grid or random search over learning rates, batch sizes and schedules;
 *  holds its candidates and, after dsc_trainer_search(), its results. */
typedef struct dsc_search dsc_search;

/** @} */

/**
 * @defgroup threads Threads (experimental)
 * @ingroup experimental
 * @brief Running the large kernels of a step on several threads: a small
 *        built-in pool, or the host's own job system.
 *
 * By default descent starts no thread: every call computes on the thread
 * that made it. dsc_set_threads() (or the environment variable
 * `DESCENT_THREADS`) starts a pool; dsc_set_parallel_for() hands the work to
 * the host's job system instead. Either way the GEMMs of dense layers'
 * forward and backward passes (split over blocks of their output), the
 * optimizer's updates, its result check and gradient norm (split over
 * parameters), and the activation and cross-entropy passes of large batches
 * are cut into tasks. A GEMM of fewer than 2^20 multiply-adds, or fewer
 * than 2^17 elements of elementwise work, stays one task on the calling
 * thread, so small models (batch-1 steps) are not slowed down.
 *
 * Results do not depend on the thread count: the split points follow from
 * the shapes alone and partial sums are added in task order, so training
 * with 1, 2 or any number of threads, or with the host's callback, gives
 * bit-identical parameters (tests/test_parallel.c).
 *
 * Thread safety: these settings are process-wide and may be changed at any
 * time from any thread; a change waits for the parallel run under way to
 * finish. One parallel run uses the threads at a time: when two threads
 * train two models at once (each its own handles, the rule of this
 * header), one gets the pool and the other computes its tasks itself, with
 * the same results. A task that calls descent again computes that call
 * itself too, so nothing deadlocks. The pool and each lane's GEMM workspace
 * are allocated when the threads start (through dsc_set_allocator()'s hook);
 * steps allocate nothing. Pool threads block every signal, adopt the
 * calling thread's floating-point mode for the tasks they run (see
 * dsc_set_flush_denormals()) and restore their own.
 * @{
 */

/**
 * @brief Use n threads (the calling thread and n - 1 pool threads) for the
 *        parallel work of every compute call.
 *
 * Replaces the previous choice: a running pool is stopped (its threads
 * joined) and a host callback (dsc_set_parallel_for()) removed. The
 * environment variable `DESCENT_THREADS` gives the starting value, read
 * once at the first compute call or call of this group unless this function
 * or dsc_set_parallel_for() came first (an explicit choice wins); a value
 * that is not a number from 0 to 256 is ignored.
 * @param n 0: one thread per online CPU core; 1: no pool, the calling
 *          thread alone (the default); 2 to 256: that many.
 * @return DSC_OK; DSC_E_ARG if @p n is negative or above 256; DSC_E_NOMEM
 *         if memory or a thread cannot be had (the previous choice stays in
 *         force, nothing is left running).
 * @note Allocates the pool and one GEMM workspace per thread (640 KiB on
 *       x86-64). Process-wide; thread-safe.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_set_threads(int n);

/**
 * @brief How many threads parallel work uses now.
 * @return 1 when threads are off (the default), the pool's thread count
 *         (calling thread included), or the width given to
 *         dsc_set_parallel_for().
 * @since 0.2.0
 */
DSC_API int dsc_threads(void);

/**
 * @brief One task of a parallel run, given to the host's parallel-for.
 * @param arg  The @p arg the host received with this function.
 * @param task The task index, from 0 to the host's @p ntasks - 1.
 */
typedef void (*dsc_task_fn)(void *arg, size_t task);

/**
 * @brief The host's parallel-for: run @p task(@p arg, i) once for every i
 *        from 0 to @p ntasks - 1, on any threads in any order (several on
 *        one thread is fine), and return when all have returned.
 *
 * descent calls it with @p ntasks equal to the width given to
 * dsc_set_parallel_for(); each task takes work from a shared counter, so
 * tasks run one after another on one thread still finish the run. It may
 * be called from any thread that calls descent, but never twice at once.
 * @param host   The @p user pointer given to dsc_set_parallel_for().
 * @param ntasks How many tasks to run.
 * @param task   The function to run for each index.
 * @param arg    Passed unchanged to @p task.
 */
typedef void (*dsc_parallel_for_fn)(void *host, size_t ntasks, dsc_task_fn task, void *arg);

/**
 * @brief Hand descent's parallel work to the host's job system instead of a
 *        pool of its own.
 *
 * Replaces the previous choice: a running pool (dsc_set_threads()) is
 * stopped. With @p fn NULL descent goes back to the calling thread alone.
 * Results are bit-identical to those without threads.
 * @param[in] fn    The host's parallel-for, or NULL to remove it.
 * @param[in] user  Passed unchanged to @p fn; may be NULL. Ownership: borrowed
 *                  until the callback is replaced or removed.
 * @param width     How many tasks @p fn may run at once, from 1 to 256 (1:
 *                  descent runs everything on the calling thread and never
 *                  calls @p fn); must be 0 when @p fn is NULL.
 * @return DSC_OK; DSC_E_ARG for a @p width out of range; DSC_E_NOMEM if the
 *         workspaces cannot be allocated (the previous choice stays).
 * @note Allocates one GEMM workspace per unit of @p width. Process-wide;
 *       thread-safe.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_set_parallel_for(dsc_parallel_for_fn fn, void *user, int width);

/** @} */

/**
 * @defgroup tensor Tensor (experimental)
 * @ingroup experimental
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
 * @note Ownership: @p data is borrowed and must outlive the tensor (not
 *       checkable: the tensor keeps a plain pointer); writes through the
 *       tensor change the host's array. Any alignment is accepted.
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
 * @brief The tensor's elements, row-major, for reading and writing.
 *
 * Takes a non-const handle because the pointer it gives lets the caller
 * change the elements.
 * @param[in]  t   The tensor.
 * @param[out] out Receives the elements; set to NULL on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @note Ownership: the pointer is borrowed from the tensor and valid until
 *       dsc_tensor_free() (for a wrapped tensor it is the host's own array).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_tensor_data(dsc_tensor *t, float **out);

/**
 * @brief The number of dimensions.
 * @param[in]  t   The tensor.
 * @param[out] out Receives 1..DSC_TENSOR_MAX_DIMS; set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_tensor_ndim(const dsc_tensor *t, size_t *out);

/**
 * @brief The extent of one dimension.
 * @param[in]  t    The tensor.
 * @param[in]  axis 0..ndim-1.
 * @param[out] out  Receives the extent (at least 1); set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or an @p axis out of range.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_tensor_dim(const dsc_tensor *t, size_t axis, size_t *out);

/**
 * @brief The number of elements (product of the dimensions).
 * @param[in]  t   The tensor.
 * @param[out] out Receives the element count (at least 1); set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_tensor_size(const dsc_tensor *t, size_t *out);

/**
 * @brief Whether the tensor borrows host memory (made by dsc_tensor_wrap()).
 * @param[in]  t   The tensor.
 * @param[out] out Receives 1 if borrowed, 0 if owned; set to 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_tensor_is_borrowed(const dsc_tensor *t, int *out);

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

/**
 * @defgroup search Range test and search (experimental)
 * @ingroup experimental
 * @brief Find a learning rate: the range test, grid and random search, run
 *        through a trainer (see @ref trainer).
 * @{
 */

/**
 * @brief Learning-rate range test (Smith, 2017; fastai's lr_find): grow the
 *        lr exponentially over @p steps batches and record the smoothed loss.
 *
 * Step i (from 0) sets every group's lr to
 * `lr_min * (lr_max/lr_min)^(i/(steps-1))` and trains one batch of
 * ::DSC_TRAINER_PARAM_BATCH_SIZE (the batches follow the trainer's shuffled order,
 * starting a new epoch's order when fewer than a batch of samples remain;
 * every batch is full). The loss is smoothed
 * as `avg = beta*avg + (1-beta)*loss`, `smoothed = avg / (1 - beta^(i+1))`
 * (bias-corrected; beta is ::DSC_TRAINER_PARAM_FINDER_BETA). The test stops after
 * the step whose smoothed loss exceeds ::DSC_TRAINER_PARAM_FINDER_DIVERGE times the
 * best so far, or whose loss, gradient or update is not finite (the step
 * the optimizer refuses; it is recorded with a smoothed loss of NaN for a
 * NaN loss, +infinity otherwise).
 *
 * The suggested rate is the lr of the smallest smoothed loss divided by 10
 * (a rate safely below the one where the loss is lowest, before it
 * diverges).
 *
 * Afterwards the model's parameters, the optimizer's state buffers, step
 * counts and every group's lr, and the trainer's generator and progress
 * are restored to what they were: the test leaves no trace but its results
 * (and the optimizer's refused-step counter). The scheduler is not used.
 * @param[in,out] t         The trainer.
 * @param[in]     lr_min    First lr, in (0, 2^32).
 * @param[in]     lr_max    Last lr, > @p lr_min and at most 2^32 (the
 *                          optimizer's largest lr).
 * @param[in]     steps     Batches, 2..2^31.
 * @param[out]    lrs       Receives the lr of each recorded step; @p steps doubles, or NULL.
 * @param[out]    losses    Receives the smoothed loss of each recorded step; @p steps doubles, or NULL.
 * @param[out]    recorded  Receives the number of steps recorded (fewer than
 *                          @p steps when the loss diverged); may be NULL.
 * @param[out]    suggested Receives the suggested lr; may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL trainer or a bad range or step
 *         count; DSC_E_STATE from a callback or if the optimizer no longer
 *         holds exactly the model's parameters; DSC_E_NONFINITE if not one
 *         step gave a finite loss (nothing suggested; the state is restored);
 *         DSC_E_NOMEM for the saved state (nothing changed).
 * @note Allocates the copy of the optimizer's state once per call; nothing per step.
 *       The step callback is not called.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_lr_range_test(dsc_trainer *t, double lr_min, double lr_max,
                                             size_t steps, double *lrs, double *losses,
                                             size_t *recorded, double *suggested);

/** How a search chooses its trials. Values are fixed and never renumbered. */
typedef enum dsc_search_kind {
    /** Every combination of the candidate lrs, batch sizes and schedules. */
    DSC_SEARCH_GRID = 1,
    /** ::DSC_SEARCH_PARAM_TRIALS trials, each with an lr drawn log-uniformly from
     *  [::DSC_SEARCH_PARAM_LR_MIN, ::DSC_SEARCH_PARAM_LR_MAX] and a batch size and schedule
     *  drawn uniformly from the candidates, from the seed ::DSC_SEARCH_PARAM_SEED. */
    DSC_SEARCH_RANDOM = 2
} dsc_search_kind;

/**
 * @brief Search settings, keys of dsc_search_set() and dsc_search_get().
 *        Numbers never change.
 *
 * A grid search uses only ::DSC_SEARCH_PARAM_EPOCHS (its trials are every
 * combination of its candidates, drawn from nothing); the other keys are
 * the random search's, and a grid search answers them with
 * ::DSC_E_UNSUPPORTED (dsc_search_set(), dsc_search_get(),
 * dsc_search_param_bounds(), dsc_search_param_default()).
 */
typedef enum dsc_search_param {
    /** Epochs each trial trains before it is scored. Default 1; int in [1, 2^31]. Both kinds. */
    DSC_SEARCH_PARAM_EPOCHS = 1,
    /** Random search: the number of trials. Default 10; int in [1, 2^20]. */
    DSC_SEARCH_PARAM_TRIALS = 2,
    /** Random search: the seed of the draws. Default 0; int in [0, 2^53]. */
    DSC_SEARCH_PARAM_SEED = 3,
    /** Random search: smallest lr. Default 1e-4; (0, 2^32] (the optimizer's lrs). */
    DSC_SEARCH_PARAM_LR_MIN = 4,
    /** Random search: largest lr. Default 1; (0, 2^32], and >= ::DSC_SEARCH_PARAM_LR_MIN
     *  when the search runs. */
    DSC_SEARCH_PARAM_LR_MAX = 5
} dsc_search_param;

/**
 * @brief Create an empty search.
 *
 * Candidates: learning rates (dsc_search_set_lrs(); required for a grid),
 * batch sizes (dsc_search_set_batch_sizes(); default: the trainer's) and
 * schedules (dsc_search_set_schedules(); default: a constant lr).
 * @param[out] out  Receives the search; set to NULL on failure.
 * @param[in]  kind A ::dsc_search_kind.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for a
 *         @p kind that is not a ::dsc_search_kind; DSC_E_NOMEM.
 * @note Ownership: the caller owns the search (dsc_search_free()).
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown kind)
 */
DSC_API dsc_status dsc_search_new(dsc_search **out, dsc_search_kind kind);

/**
 * @brief Release a search.
 * @param[in] s The search, or NULL (then nothing happens).
 * @since 0.1.0
 */
DSC_API void dsc_search_free(dsc_search *s);

/**
 * @brief Change a search setting.
 * @param[in,out] s     The search.
 * @param[in]     key   A ::dsc_search_param the search's kind uses.
 * @param[in]     value Within the key's range (dsc_search_param_bounds()).
 * @return DSC_OK; DSC_E_ARG for a NULL @p s or a value out of range, not
 *         finite or not integral where an integer is needed (the message
 *         gives the range); DSC_E_UNSUPPORTED for a @p key that is not a
 *         ::dsc_search_param or that the kind does not use (a grid's
 *         ::DSC_SEARCH_PARAM_TRIALS...). Nothing changes on failure.
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown key and accepted
 *        the random search's keys on a grid search)
 */
DSC_API dsc_status dsc_search_set(dsc_search *s, dsc_search_param key, double value);

/**
 * @brief Read a search setting.
 * @param[in]  s   The search.
 * @param[in]  key A ::dsc_search_param the search's kind uses.
 * @param[out] out Receives the value.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_UNSUPPORTED for a
 *         @p key that is not a ::dsc_search_param or that the kind does not use.
 * @since 0.2.0 (0.1.0 returned DSC_E_ARG for an unknown key and answered
 *        the random search's keys on a grid search)
 */
DSC_API dsc_status dsc_search_get(const dsc_search *s, dsc_search_param key, double *out);

/**
 * @brief The inclusive range of values a search setting accepts for a kind.
 *
 * An open end such as lr_min's 0 in (0, inf) is returned as the nearest
 * double inside the range; "no upper bound" is DBL_MAX (every value must
 * still be finite). Integer settings accept only integral values.
 * @param[in]  kind A ::dsc_search_kind.
 * @param[in]  key  A ::dsc_search_param.
 * @param[out] lo   Receives the smallest accepted value.
 * @param[out] hi   Receives the largest accepted value.
 * @return DSC_OK; DSC_E_ARG for a NULL @p lo or @p hi; DSC_E_UNSUPPORTED for
 *         an unknown kind, or a key that is not a ::dsc_search_param or
 *         that the kind does not use (@p lo and @p hi are then left as they were).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_search_param_bounds(dsc_search_kind kind, dsc_search_param key, double *lo,
                                           double *hi);

/**
 * @brief The value a setting has in a new search of a kind.
 * @param[in]  kind A ::dsc_search_kind.
 * @param[in]  key  A ::dsc_search_param.
 * @param[out] out  Receives the default.
 * @return DSC_OK; DSC_E_ARG for a NULL @p out; DSC_E_UNSUPPORTED for an
 *         unknown kind, or a key that is not a ::dsc_search_param or that
 *         the kind does not use (@p out is then left as it was).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_search_param_default(dsc_search_kind kind, dsc_search_param key,
                                            double *out);

/**
 * @brief Set the candidate learning rates of a grid search.
 * @param[in,out] s   The search.
 * @param[in]     lrs @p n lrs in (0, 2^32], the optimizer's (copied).
 * @param[in]     n   1..2^20.
 * @return DSC_OK; DSC_E_ARG for NULL, a bad count or a bad lr;
 *         DSC_E_NOMEM. A refused call keeps the previous candidates.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_set_lrs(dsc_search *s, const double *lrs, size_t n);

/**
 * @brief Set the candidate batch sizes (each as ::DSC_TRAINER_PARAM_BATCH_SIZE, 0 = full batch).
 * @param[in,out] s     The search.
 * @param[in]     sizes @p n batch sizes, each at most 2^31 (copied).
 * @param[in]     n     1..2^20.
 * @return DSC_OK; DSC_E_ARG for NULL, a bad count or size; DSC_E_NOMEM.
 *         A refused call keeps the previous candidates.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_set_batch_sizes(dsc_search *s, const size_t *sizes, size_t n);

/**
 * @brief Set the candidate schedules, each stepped per epoch over a trial of E epochs.
 *
 * Supported kinds and the settings a trial gives them:
 * ::DSC_SCHED_CONSTANT (no change); ::DSC_SCHED_STEP (step_size
 * max(1, E/3), gamma 0.1); ::DSC_SCHED_EXPONENTIAL (gamma 0.01^(1/E):
 * the lr falls to 1% over the trial); ::DSC_SCHED_COSINE (T_max E);
 * ::DSC_SCHED_INVERSE_TIME (decay_rate 1, decay_steps 1: lr/(1+t)).
 * @param[in,out] s     The search.
 * @param[in]     kinds @p n of those kinds (copied).
 * @param[in]     n     1..2^20.
 * @return DSC_OK; DSC_E_ARG for NULL or a bad count; DSC_E_UNSUPPORTED for
 *         another kind; DSC_E_NOMEM. A refused call keeps the previous candidates.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_set_schedules(dsc_search *s, const dsc_lr_scheduler_kind *kinds,
                                            size_t n);

/**
 * @brief Run a search: train each trial from the same initial state and
 *        score it on the validation loss.
 *
 * Each trial starts from the parameters the model has when the call starts,
 * a fresh optimizer state (dsc_optimizer_reset_state()) with the trial's lr
 * in every group, the trial's batch size and schedule, and the trainer's
 * generator re-seeded with ::DSC_TRAINER_PARAM_SEED; it trains ::DSC_SEARCH_PARAM_EPOCHS epochs
 * with dsc_trainer_run() (callbacks and early stopping as set on the
 * trainer; the trainer's own scheduler is not used) and its score is the
 * validation loss at its end (+infinity if it diverged with
 * ::DSC_E_NONFINITE). A grid runs the combinations in the order
 * lr (outermost), batch size, schedule.
 *
 * Afterwards the model's parameters, the optimizer's state and lrs, and
 * the trainer's settings, generator and progress are restored.
 * @param[in,out] t The trainer, with a validation set.
 * @param[in,out] s The search; its results are replaced.
 * @return DSC_OK; DSC_E_ARG for NULL or a random search with lr_max <
 *         lr_min; DSC_E_STATE without a validation set, for a grid
 *         without lrs, or from a callback; DSC_E_NOMEM (nothing changed);
 *         the first error of a trial other than ::DSC_E_NONFINITE (the
 *         state is restored).
 * @note Allocates the saved state and one scheduler per scheduled trial.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_trainer_search(dsc_trainer *t, dsc_search *s);

/**
 * @brief The number of trials of the last dsc_trainer_search() (0 before).
 * @param[in]  s   The search.
 * @param[out] out Receives the count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_trial_count(const dsc_search *s, size_t *out);

/**
 * @brief One trial's settings and score.
 * @param[in]  s          The search.
 * @param[in]  index      0..trial count-1.
 * @param[out] lr         Receives the lr; may be NULL.
 * @param[out] batch_size Receives the batch size; may be NULL.
 * @param[out] schedule   Receives the schedule kind; may be NULL.
 * @param[out] val_loss   Receives the score (+infinity for a diverged trial); may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL search or an index out of range.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_trial(const dsc_search *s, size_t index, double *lr,
                                    size_t *batch_size, dsc_lr_scheduler_kind *schedule,
                                    double *val_loss);

/**
 * @brief The index of the trial with the lowest validation loss (the first on ties).
 * @param[in]  s   The search.
 * @param[out] out Receives the index.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE before a search
 *         ran or if every trial diverged.
 * @since 0.1.0
 */
DSC_API dsc_status dsc_search_best(const dsc_search *s, size_t *out);

/** @} */

/**
 * @defgroup shaped Shaped models and named tensors (experimental)
 * @ingroup experimental
 * @brief Per-sample shapes (channels x length, channels x height x width,
 *        time x features), layers that need them, and every parameter and
 *        buffer of any layer by its PyTorch name.
 *
 * A model carries the shape of one sample from its input through every layer:
 * dsc_model_new() gives the flat shape {width}, dsc_model_new_shaped() any
 * shape of 1 to ::DSC_MODEL_MAX_DIMS dimensions in PyTorch's layout without
 * the batch dimension (N, C x L, C x H x W, T x F). Each dsc_model_add_*()
 * checks that its layer accepts the shape so far and refuses it with
 * ::DSC_E_ARG and a message naming the layer, its index and the dimension
 * that is wrong. Dense layers need a flat input (dsc_model_add_flatten()
 * makes one); activations and dropout keep the shape. Batches still travel
 * as row-major [batch, prod(shape)] float arrays, each sample's values in
 * C order (PyTorch's `x.reshape(batch, -1)`).
 *
 * A layer's tensors have PyTorch's names and layouts: parameters (trained,
 * in the flat parameter buffer in the order of PyTorch's `parameters()`,
 * their gradients at the same place of the gradient buffer), such as
 * `weight` and `bias` of a dense layer, and buffers (not trained, in a
 * separate area no optimizer sees), such as a batch norm's `running_mean`.
 * dsc_model_layer_tensor_count() and dsc_model_layer_tensor_info() list
 * them; dsc_model_get_param() and friends copy them by name.
 * @code
 * size_t dims[3] = {3, 8, 8};                          // 3 channels of 8 x 8
 * dsc_model *m = NULL;
 * dsc_status s = dsc_model_new_shaped(&m, 3, dims);
 * if (s == DSC_OK) s = dsc_model_add_flatten(m);        // 3 x 8 x 8 -> 192
 * if (s == DSC_OK) s = dsc_model_add_dense(m, 10, 1);   // 192 -> 10
 * if (s == DSC_OK) s = dsc_model_build(m, 32);
 * float w[10 * 192];
 * if (s == DSC_OK) s = dsc_model_get_param(m, 1, "weight", w, 10 * 192);
 * if (s != DSC_OK) fprintf(stderr, "%s\n", dsc_last_error());
 * dsc_model_free(m);
 * @endcode
 * @{
 */

/** The most dimensions of a per-sample shape. */
#define DSC_MODEL_MAX_DIMS 3

/**
 * @brief Create an empty sequential model whose samples have a given shape.
 *
 * dsc_model_new(&m, width) is dsc_model_new_shaped(&m, 1, &width).
 * @param[out] out  Receives the new model; set to NULL on failure.
 * @param[in]  ndim 1..::DSC_MODEL_MAX_DIMS.
 * @param[in]  dims @p ndim sizes, each at least 1, PyTorch's layout without
 *                  the batch dimension (C x L, C x H x W, T x F).
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, @p ndim out of range, a zero
 *         size or sizes whose product overflows; DSC_E_NOMEM.
 * @note Ownership: the caller owns the model and frees it with dsc_model_free().
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_new_shaped(dsc_model **out, size_t ndim, const size_t *dims);

/**
 * @brief The per-sample shape of the model's input.
 * @param[in]  model The model.
 * @param[out] ndim  Receives 1..::DSC_MODEL_MAX_DIMS; 0 on failure.
 * @param[out] dims  Receives ::DSC_MODEL_MAX_DIMS entries: the sizes, then
 *                   0s; all 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_input_shape(const dsc_model *model, size_t *ndim, size_t *dims);

/**
 * @brief The per-sample shape of the model's output (its input's while it
 *        has no layer).
 * @param[in]  model The model.
 * @param[out] ndim  Receives 1..::DSC_MODEL_MAX_DIMS; 0 on failure.
 * @param[out] dims  Receives ::DSC_MODEL_MAX_DIMS entries: the sizes, then
 *                   0s; all 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_output_shape(const dsc_model *model, size_t *ndim, size_t *dims);

/**
 * @brief The per-sample input and output shapes of the layer at an index.
 * @param[in]  model    The model.
 * @param[in]  layer    0..layer count - 1.
 * @param[out] in_ndim  Receives the input's number of dimensions; may be NULL.
 * @param[out] in_dims  Receives ::DSC_MODEL_MAX_DIMS entries (sizes, then 0s); may be NULL.
 * @param[out] out_ndim Receives the output's number of dimensions; may be NULL.
 * @param[out] out_dims Receives ::DSC_MODEL_MAX_DIMS entries (sizes, then 0s); may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model or @p layer out of range
 *         (every output given is then 0).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_layer_shape(const dsc_model *model, size_t layer, size_t *in_ndim,
                                         size_t *in_dims, size_t *out_ndim, size_t *out_dims);

/**
 * @brief Append a flatten layer (torch.nn.Flatten()): any shape becomes the
 *        flat shape of its element count, in C order; the values do not move.
 * @param[in,out] model The model, not yet built.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model; DSC_E_STATE if the model is
 *         built; DSC_E_NOMEM. On failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_flatten(dsc_model *model);

/**
 * @brief Append an LSTM layer (torch.nn.LSTM(input_size, hidden_size,
 *        batch_first=True): one layer, unidirectional, with biases).
 *
 * Takes a T x @p input_size input (time x features, batch-first) and gives
 * the whole output sequence, T x @p hidden_size; the state starts at 0 in
 * every forward pass (h0 = c0 = 0), and backward runs through all T steps.
 * With gates = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh in blocks i, f, g, o:
 * c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g),
 * h_t = sigmoid(o) * tanh(c_t). Parameters, PyTorch's names and layouts
 * (state_dict keys `<index>.weight_ih_l0`, ...): `weight_ih`
 * [4*hidden, input], `weight_hh` [4*hidden, hidden], `bias_ih`, `bias_hh`
 * [4*hidden]; PyTorch's default init draws all four from
 * U(-1/sqrt(hidden), 1/sqrt(hidden)). dsc_model_add_last_step() keeps the
 * last step for a sequence-to-one head.
 * @param[in,out] model       The model, not yet built, whose shape so far is
 *                            T x @p input_size.
 * @param[in]     input_size  Features per time step, at least 1.
 * @param[in]     hidden_size Hidden units, 1..SIZE_MAX/256.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model, a size out of range, or a
 *         shape so far that is not T x @p input_size (the message names the
 *         layer and the shape it got); DSC_E_STATE if the model is built;
 *         DSC_E_NOMEM. On failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_lstm(dsc_model *model, size_t input_size, size_t hidden_size);

/**
 * @brief Append a GRU layer (torch.nn.GRU(input_size, hidden_size,
 *        batch_first=True): one layer, unidirectional, with biases).
 *
 * As dsc_model_add_lstm(), with gate blocks r, z, n: r = sigmoid(W_ir x +
 * b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r * (W_hn h +
 * b_hn)) (r scales b_hn too), h_t = (1 - z) * n + z * h_{t-1}. Parameters
 * `weight_ih` [3*hidden, input], `weight_hh` [3*hidden, hidden], `bias_ih`,
 * `bias_hh` [3*hidden].
 * @param[in,out] model       The model, not yet built, whose shape so far is
 *                            T x @p input_size.
 * @param[in]     input_size  Features per time step, at least 1.
 * @param[in]     hidden_size Hidden units, 1..SIZE_MAX/256.
 * @return As dsc_model_add_lstm().
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_gru(dsc_model *model, size_t input_size, size_t hidden_size);

/**
 * @brief Append a last-step layer: T x H becomes H, the last time step
 *        (PyTorch's `x[:, -1, :]`); backward gives the other steps a zero gradient.
 * @param[in,out] model The model, not yet built, whose shape so far is T x H.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model or a shape so far that is not
 *         two-dimensional; DSC_E_STATE if the model is built; DSC_E_NOMEM. On
 *         failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_last_step(dsc_model *model);

/**
 * @brief Append a batch-norm layer over a C or C x L input
 *        (torch.nn.BatchNorm1d(num_features, eps, momentum), affine, with
 *        running statistics).
 *
 * Channel j is normalised over its batch x L values. In training mode
 * (dsc_model_set_training()) each forward normalises with the batch mean and
 * the biased batch variance, then updates the buffers once:
 * `running_mean = (1 - momentum) * running_mean + momentum * mean`, the same
 * for `running_var` with the unbiased variance (x N/(N-1)), and
 * `num_batches_tracked += 1`; in evaluation mode (and dsc_model_predict()) it
 * normalises with the running statistics:
 * `y = (x - mean) / sqrt(var + eps) * weight + bias`.
 * Parameters: `weight` [C] (1 at build and by dsc_model_init(), whatever the
 * init asked, as PyTorch) and `bias` [C] (0). Buffers, which no optimizer
 * sees (dsc_model_get_buffer(), dsc_model_set_buffer(), model files and
 * checkpoints): `running_mean` [C] (0), `running_var` [C] (1) and
 * `num_batches_tracked` (a scalar, 0; kept as a float, exact up to 2^24
 * batches; a PyTorch state_dict's int64 value loads).
 * A training forward needs more than one value per channel: dsc_model_forward()
 * refuses batch x L = 1 with DSC_E_SHAPE, as PyTorch does.
 * @param[in,out] model        The model, not yet built; its shape so far is
 *                             C or C x L with C = @p num_features.
 * @param[in]     num_features C, at least 1.
 * @param[in]     eps          Added to the variance inside the square root,
 *                             finite and >= 0 (PyTorch's default: 1e-5).
 * @param[in]     momentum     Weight of the new statistic in the running
 *                             ones, in [0, 1] (PyTorch's default: 0.1; note
 *                             that Keras' momentum is 1 minus this one), or
 *                             NaN for PyTorch's momentum=None: the cumulative
 *                             average, weight 1/num_batches_tracked.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model, a value out of range or a
 *         shape the layer does not take (the message names the layer and what
 *         it needs); DSC_E_STATE if the model is built; DSC_E_NOMEM. On
 *         failure the model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_batchnorm1d(dsc_model *model, size_t num_features, double eps,
                                             double momentum);

/**
 * @brief Append a batch-norm layer over a C x H x W input, per channel
 *        (torch.nn.BatchNorm2d(num_features, eps, momentum), affine, with
 *        running statistics).
 *
 * As dsc_model_add_batchnorm1d(), with channel j normalised over its
 * batch x H x W values (N = batch x H x W in the unbiased variance).
 * @param[in,out] model        The model, not yet built; its shape so far is
 *                             C x H x W with C = @p num_features.
 * @param[in]     num_features C, at least 1.
 * @param[in]     eps          Finite and >= 0 (PyTorch's default: 1e-5).
 * @param[in]     momentum     In [0, 1] (PyTorch's default: 0.1), or NaN for
 *                             the cumulative average (momentum=None).
 * @return As dsc_model_add_batchnorm1d().
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_batchnorm2d(dsc_model *model, size_t num_features, double eps,
                                             double momentum);

/**
 * @brief Append a layer-norm layer over the last dimension
 *        (torch.nn.LayerNorm(normalized_shape, eps), elementwise affine).
 *
 * Every row of the last dimension (one per sample for a flat input, T per
 * sample for T x F, ...) is normalised with its own mean and biased
 * variance: `y = (x - mean) / sqrt(var + eps) * weight + bias`, the same in
 * training and evaluation mode. Parameters: `weight` [d] (1 at build and by
 * dsc_model_init(), as PyTorch) and `bias` [d] (0); no buffers.
 * @param[in,out] model            The model, not yet built; the last
 *                                 dimension of its shape so far is @p normalized_shape.
 * @param[in]     normalized_shape d, at least 1.
 * @param[in]     eps              Finite and >= 0 (PyTorch's default: 1e-5).
 * @return DSC_OK; DSC_E_ARG for a NULL @p model, a value out of range or a
 *         shape whose last dimension is not @p normalized_shape;
 *         DSC_E_STATE if the model is built; DSC_E_NOMEM. On failure the
 *         model is unchanged.
 * @note Ownership: the layer belongs to the model; dsc_model_free() releases it.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_layernorm(dsc_model *model, size_t normalized_shape, double eps);

/**
 * @brief Append a 1-d convolution (torch.nn.Conv1d with padding_mode='zeros').
 *
 * The layer takes a C x L sample (C = @p in_channels) and gives
 * out_channels x L_out, L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1:
 * cross-correlation (no kernel flip) of the zero-padded input with the weight,
 * output channel o reading the input channels of its group
 * [g in_channels/groups, (g+1) in_channels/groups), g = o / (out_channels/groups).
 * Parameters, PyTorch's names and layouts: `weight` out_channels x
 * in_channels/groups x kernel_size, then `bias` [out_channels] if @p bias.
 * Initialized as PyTorch does (U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
 * in_channels/groups * kernel_size). Computed as GEMM over each sample's
 * patch matrix: after dsc_model_build() its scratch holds (max_batch + 1) *
 * in_channels * kernel_size * L_out floats, plus its weight's size.
 *
 * @param model        The model (not built).
 * @param in_channels  1..2^24; must equal the channels of the shape so far.
 * @param out_channels 1..2^24.
 * @param kernel_size  1..2^24.
 * @param stride       1..2^24 (PyTorch's default: 1).
 * @param padding      0..2^24 zeros on each side (default 0).
 * @param dilation     1..2^24 (default 1).
 * @param groups       1..2^24, dividing in_channels and out_channels (default 1).
 * @param bias         1 to have a bias (PyTorch's default), 0 not.
 * @return ::DSC_OK; ::DSC_E_ARG for NULL @p model, a value out of range, or an
 *         input shape the layer refuses (not C x L with C = in_channels, or too
 *         short for the window; the message names the layer and the
 *         dimension); ::DSC_E_STATE if the model is built; ::DSC_E_NOMEM.
 *         On failure the model is unchanged.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_conv1d(dsc_model *model, size_t in_channels, size_t out_channels,
                                        size_t kernel_size, size_t stride, size_t padding,
                                        size_t dilation, size_t groups, int bias);

/**
 * @brief Append a 2-d convolution (torch.nn.Conv2d with padding_mode='zeros').
 *
 * As dsc_model_add_conv1d() over a C x H x W sample, each 2-d size given as
 * an array {height, width}: the output is out_channels x H_out x W_out, each
 * computed as L_out there. `weight` is out_channels x in_channels/groups x
 * kernel_size[0] x kernel_size[1]. Its scratch is (max_batch + 1) *
 * in_channels * kernel_size[0] * kernel_size[1] * H_out * W_out floats, plus
 * its weight's size.
 *
 * @param model        The model (not built).
 * @param in_channels  1..2^24; must equal the channels of the shape so far.
 * @param out_channels 1..2^24.
 * @param kernel_size  {height, width}, each 1..2^24; not NULL. Read during the call only.
 * @param stride       {height, width}, each 1..2^24; NULL for {1, 1} (PyTorch's default).
 * @param padding      {height, width}, each 0..2^24; NULL for {0, 0}.
 * @param dilation     {height, width}, each 1..2^24; NULL for {1, 1}.
 * @param groups       1..2^24, dividing in_channels and out_channels.
 * @param bias         1 to have a bias, 0 not.
 * @return ::DSC_OK; ::DSC_E_ARG for NULL @p model or @p kernel_size, a value out
 *         of range, or an input shape the layer refuses (not C x H x W with
 *         C = in_channels, or smaller than the window); ::DSC_E_STATE if the
 *         model is built; ::DSC_E_NOMEM. On failure the model is unchanged.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_conv2d(dsc_model *model, size_t in_channels, size_t out_channels,
                                        const size_t *kernel_size, const size_t *stride,
                                        const size_t *padding, const size_t *dilation,
                                        size_t groups, int bias);

/**
 * @brief Append a 1-d max pooling layer (torch.nn.MaxPool1d).
 *
 * Per channel of a C x L sample: the maximum of each window of kernel_size
 * taps dilation apart, windows stride apart over the input padded with -inf;
 * output C x L_out with L_out as dsc_model_add_conv1d() gives, or with
 * @p ceil_mode rounded up (less one if the last window would start past the
 * input and its left padding). A NaN in a window wins (the last one). The
 * gradient goes to the first maximum of each window in window order (strict
 * `>`, as PyTorch on CPU), accumulating where windows overlap. No parameters.
 *
 * @param model       The model (not built).
 * @param kernel_size 1..2^24.
 * @param stride      1..2^24, or 0 for kernel_size (PyTorch's stride=None).
 * @param padding     0..kernel_size/2 (PyTorch's bound).
 * @param dilation    1..2^24.
 * @param ceil_mode   0 (floor, PyTorch's default) or 1 (ceil).
 * @return ::DSC_OK; ::DSC_E_ARG for NULL @p model, a value out of range, or an
 *         input shape the layer refuses (not C x L, shorter than the window,
 *         a window with no input cell, or planes over 2^31 - 1 elements);
 *         ::DSC_E_STATE if the model is built; ::DSC_E_NOMEM. On failure the
 *         model is unchanged.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_maxpool1d(dsc_model *model, size_t kernel_size, size_t stride,
                                           size_t padding, size_t dilation, int ceil_mode);

/**
 * @brief Append a 2-d max pooling layer (torch.nn.MaxPool2d).
 *
 * As dsc_model_add_maxpool1d() over each H x W plane of a C x H x W sample,
 * sizes given as {height, width}; windows are scanned row by row.
 *
 * @param model       The model (not built).
 * @param kernel_size {height, width}, each 1..2^24; not NULL. Read during the call only.
 * @param stride      {height, width}, each 1..2^24 or 0 for that kernel size;
 *                    NULL for kernel_size (PyTorch's stride=None).
 * @param padding     {height, width}, each 0..half that kernel size; NULL for {0, 0}.
 * @param dilation    {height, width}, each 1..2^24; NULL for {1, 1}.
 * @param ceil_mode   0 or 1.
 * @return As dsc_model_add_maxpool1d() (a C x H x W input), and ::DSC_E_ARG
 *         for NULL @p kernel_size.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_maxpool2d(dsc_model *model, const size_t *kernel_size,
                                           const size_t *stride, const size_t *padding,
                                           const size_t *dilation, int ceil_mode);

/**
 * @brief Append a 1-d average pooling layer (torch.nn.AvgPool1d).
 *
 * Per channel of a C x L sample: the sum of each window's input cells
 * (zero padding) divided by the window's size clipped to the padded input
 * when @p count_include_pad (PyTorch's default; always kernel_size with
 * ceil_mode 0), or by its number of input cells when not. Output size as
 * dsc_model_add_maxpool1d() with dilation 1. The gradient of an output,
 * divided the same way, goes to each input cell of its window. No parameters.
 *
 * @param model             The model (not built).
 * @param kernel_size       1..2^24.
 * @param stride            1..2^24, or 0 for kernel_size (PyTorch's stride=None).
 * @param padding           0..kernel_size/2.
 * @param ceil_mode         0 (PyTorch's default) or 1.
 * @param count_include_pad 1 (PyTorch's default) or 0.
 * @return ::DSC_OK; ::DSC_E_ARG for NULL @p model, a value out of range, or an
 *         input shape the layer refuses (not C x L, or shorter than the
 *         window); ::DSC_E_STATE if the model is built; ::DSC_E_NOMEM. On
 *         failure the model is unchanged.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_avgpool1d(dsc_model *model, size_t kernel_size, size_t stride,
                                           size_t padding, int ceil_mode, int count_include_pad);

/**
 * @brief Append a 2-d average pooling layer (torch.nn.AvgPool2d, no divisor_override).
 *
 * As dsc_model_add_avgpool1d() over each H x W plane of a C x H x W sample,
 * sizes given as {height, width}.
 *
 * @param model             The model (not built).
 * @param kernel_size       {height, width}, each 1..2^24; not NULL. Read during the call only.
 * @param stride            {height, width}, each 1..2^24 or 0 for that kernel size; NULL for
 *                          kernel_size.
 * @param padding           {height, width}, each 0..half that kernel size; NULL for {0, 0}.
 * @param ceil_mode         0 or 1.
 * @param count_include_pad 1 or 0.
 * @return As dsc_model_add_avgpool1d() (a C x H x W input), and ::DSC_E_ARG
 *         for NULL @p kernel_size.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_add_avgpool2d(dsc_model *model, const size_t *kernel_size,
                                           const size_t *stride, const size_t *padding,
                                           int ceil_mode, int count_include_pad);

/**
 * @brief The number of named tensors (parameters, then buffers) of the layer at an index.
 * @param[in]  model The model (built or not).
 * @param[in]  layer 0..layer count - 1.
 * @param[out] out   Receives the count (0 for activation, dropout and flatten
 *                   layers; 2 for a dense layer with bias); 0 on failure.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or @p layer out of range.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_layer_tensor_count(const dsc_model *model, size_t layer, size_t *out);

/**
 * @brief The name, kind and shape of one named tensor of a layer.
 *
 * Tensors are numbered from 0: the parameters in the order of PyTorch's
 * `parameters()` (dense: `weight` [out, in], then `bias` [out]), then the
 * buffers.
 * @param[in]  model      The model (built or not).
 * @param[in]  layer      0..layer count - 1.
 * @param[in]  index      0..dsc_model_layer_tensor_count() - 1.
 * @param[out] name       Receives the name the dsc_model_get_param() family
 *                        takes (PyTorch's attribute: "weight", "bias",
 *                        "running_mean"); may be NULL. A static string.
 * @param[out] state_name Receives the name's form in a state_dict key
 *                        ("<layer>.<state_name>"), usually the same as @p name;
 *                        may be NULL. A static string.
 * @param[out] is_buffer  Receives 1 for a buffer, 0 for a parameter; may be NULL.
 * @param[out] ndim       Receives the number of dimensions, 0..::DSC_TENSOR_MAX_DIMS
 *                        (0: a scalar of one element, such as `num_batches_tracked`);
 *                        may be NULL.
 * @param[out] dims       Receives ::DSC_TENSOR_MAX_DIMS entries: the sizes in
 *                        PyTorch's layout, then 0s; may be NULL.
 * @return DSC_OK; DSC_E_ARG for a NULL @p model, @p layer or @p index out of
 *         range (every output given is then NULL or 0).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_layer_tensor_info(const dsc_model *model, size_t layer, size_t index,
                                               const char **name, const char **state_name,
                                               int *is_buffer, size_t *ndim, size_t *dims);

/**
 * @brief Copy a layer's parameter out by name, in PyTorch's layout (row-major).
 * @param[in]  model The built model.
 * @param[in]  layer 0..layer count - 1.
 * @param[in]  name  A parameter of that layer ("weight", "bias", ...; see
 *                   dsc_model_layer_tensor_info()).
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     The parameter's element count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, @p layer out of range or a
 *         @p name that is not a parameter of that layer (the message lists
 *         its parameters); DSC_E_SHAPE if @p n is wrong; DSC_E_STATE if the
 *         model is not built.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_get_param(const dsc_model *model, size_t layer, const char *name,
                                       float *dst, size_t n);

/**
 * @brief Set a layer's parameter by name, from PyTorch's layout (row-major).
 * @param[in,out] model The built model.
 * @param[in]     layer 0..layer count - 1.
 * @param[in]     name  A parameter of that layer.
 * @param[in]     src   @p n finite floats.
 * @param[in]     n     The parameter's element count.
 * @return As dsc_model_get_param(), and DSC_E_ARG if a value is NaN or
 *         infinite. Nothing changes on failure.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_set_param(dsc_model *model, size_t layer, const char *name,
                                       const float *src, size_t n);

/**
 * @brief Copy a layer's accumulated parameter gradient out by name (the
 *        parameter's layout).
 * @param[in]  model The built model.
 * @param[in]  layer 0..layer count - 1.
 * @param[in]  name  A parameter of that layer.
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     The parameter's element count.
 * @return As dsc_model_get_param().
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_get_param_grad(const dsc_model *model, size_t layer, const char *name,
                                            float *dst, size_t n);

/**
 * @brief Copy a layer's buffer (a tensor that is not trained, such as
 *        `running_mean`) out by name.
 * @param[in]  model The built model.
 * @param[in]  layer 0..layer count - 1.
 * @param[in]  name  A buffer of that layer.
 * @param[out] dst   Receives @p n floats.
 * @param[in]  n     The buffer's element count.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer, @p layer out of range or a
 *         @p name that is not a buffer of that layer (the message lists its
 *         buffers); DSC_E_SHAPE if @p n is wrong; DSC_E_STATE if the model is
 *         not built.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_get_buffer(const dsc_model *model, size_t layer, const char *name,
                                        float *dst, size_t n);

/**
 * @brief Set a layer's buffer by name.
 * @param[in,out] model The built model.
 * @param[in]     layer 0..layer count - 1.
 * @param[in]     name  A buffer of that layer.
 * @param[in]     src   @p n finite floats.
 * @param[in]     n     The buffer's element count.
 * @return As dsc_model_get_buffer(), and DSC_E_ARG if a value is NaN or
 *         infinite. Nothing changes on failure.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_set_buffer(dsc_model *model, size_t layer, const char *name,
                                        const float *src, size_t n);

/** @} */

/**
 * @defgroup checkpoint Model files and checkpoints (experimental)
 * @ingroup experimental
 * @brief Save and load models and whole training runs in the safetensors format.
 *
 * One format for everything: safetensors, the format PyTorch users exchange
 * weights in (an 8-byte little-endian header length, a JSON header, the raw
 * little-endian tensors). A model's parameters carry torch.nn.Sequential
 * state_dict names and layouts (`0.weight` [out, in], `0.bias` [out], `2.weight`,
 * ..., the index counting every layer as dsc_model_get_weight() does), dtype
 * F32, so PyTorch's `load_state_dict` reads them and a PyTorch export loads
 * with dsc_model_load_weights(). Everything that is not a tensor goes in the
 * header's `__metadata__`. docs/checkpoint.md describes the format for
 * readers in other languages.
 *
 * Every save writes a temporary file in the target's directory, flushes it to
 * disk (fsync), renames it over the target and syncs the directory: whatever
 * fails, the file at @p path is the previous one or the complete new one.
 * Every load checks the whole file (lengths, offsets, shapes, dtypes, values,
 * the format version, the match with the objects) before it changes
 * anything: a refused load has changed nothing.
 *
 * The JSON header is read and written by cJSON, which allocates with the C
 * library's malloc, not the allocator of dsc_set_allocator(); those blocks
 * are freed before the call returns.
 * @code
 * // Keep a trained model, and build it again in another program.
 * dsc_status s = dsc_model_save(model, "model.safetensors");
 * dsc_model *copy = NULL;
 * if (s == DSC_OK) s = dsc_model_load(&copy, "model.safetensors", 32);
 * // Stop a run and resume it bit for bit.
 * if (s == DSC_OK) s = dsc_checkpoint_save("run.ckpt", model, opt, sched, trainer);
 * // ... in a new process, the same objects built the same way:
 * if (s == DSC_OK) s = dsc_checkpoint_load("run.ckpt", model, opt, sched, trainer);
 * if (s != DSC_OK) fprintf(stderr, "%s\n", dsc_last_error());
 * @endcode
 * @{
 */

/**
 * @brief Save a model (its layers and parameters) to a safetensors file.
 *
 * The file holds one F32 tensor per parameter under PyTorch's
 * torch.nn.Sequential state_dict names (`<layer>.weight` [out, in],
 * `<layer>.bias` [out]) and, in its metadata, the format name and version,
 * the library version and the layer list (kinds, widths, bias, activation,
 * leaky slope, dropout probability and seed, input width), so
 * dsc_model_load() rebuilds the model from the file alone. Optimizer,
 * scheduler and generator state are not saved (see dsc_checkpoint_save()).
 * @param[in] model The model, built.
 * @param[in] path  The file to write; an existing file is replaced only once
 *                  the new one is complete on disk.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if the model is
 *         not built; DSC_E_IO if writing fails (the previous file, if any, is
 *         intact and no temporary file is left); DSC_E_NOMEM.
 * @note Allocates (the header) and calls fsync; not for a real-time loop.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_save(const dsc_model *model, const char *path);

/**
 * @brief Build a new model from a file written by dsc_model_save() (or
 *        dsc_checkpoint_save()).
 *
 * The layers come from the file's metadata, the parameters from its
 * tensors; the model is built for batches of up to @p max_batch and starts in
 * training mode, each dropout layer's generator seeded with its recorded
 * seed. A file without descent metadata (a PyTorch export) is refused with
 * a message pointing to dsc_model_load_weights().
 * @param[out] out       Receives the new model; set to NULL on failure.
 * @param[in]  path      The file.
 * @param[in]  max_batch The largest batch forward and backward will see, at least 1.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer or a zero @p max_batch;
 *         DSC_E_IO if the file cannot be read; DSC_E_FORMAT for a malformed
 *         file (the message names the tensor or metadata entry), a file
 *         without descent metadata, one from a newer format version, a
 *         missing, mistyped or misshaped parameter, an extra tensor or a
 *         parameter that is NaN or infinite; DSC_E_NOMEM.
 * @note Ownership: the caller owns the model and frees it with dsc_model_free().
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_load(dsc_model **out, const char *path, size_t max_batch);

/**
 * @brief Load the parameters of a safetensors file into a built model whose layers match.
 *
 * For weights trained elsewhere: the file needs only tensors (a PyTorch
 * `state_dict` of a torch.nn.Sequential written with safetensors), no
 * descent metadata. Every parameter of the model must be in the file under
 * its name (`<layer>.weight` [out, in], `<layer>.bias` [out]), dtype F32,
 * with finite values. As PyTorch's `load_state_dict(strict=True)`, a tensor
 * the model does not have is refused, and the message names it (in a file
 * written by dsc_checkpoint_save() the optimizer, scheduler, trainer and
 * generator tensors are skipped).
 * @param[in,out] model The model, built; unchanged on failure.
 * @param[in]     path  The file.
 * @return DSC_OK; DSC_E_ARG for a NULL pointer; DSC_E_STATE if the model is
 *         not built; DSC_E_IO if the file cannot be read; DSC_E_FORMAT for a
 *         malformed file, a file from a newer format version, a missing
 *         tensor, a dtype other than F32, a wrong shape, a NaN or infinite
 *         value or an extra tensor (each message names the tensor); DSC_E_NOMEM.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_model_load_weights(dsc_model *model, const char *path);

/**
 * @brief Save everything a training run needs to continue bit for bit: a checkpoint.
 *
 * The file holds the model (as dsc_model_save(), plus each dropout layer's
 * generator) and, for each of @p opt, @p sched and @p trainer that is not
 * NULL, its whole state: the optimizer's hyperparameters per group, step
 * counts, state buffers in use (moments, AMSGrad's maximum, NAdam's mu
 * product...); the scheduler's state (dsc_lr_scheduler_state_save(), composites
 * included); the trainer's settings, progress, shuffle generator and
 * early-stopping best. Called from a step or epoch callback of
 * dsc_trainer_run(), it also records where in the run the trainer is (epoch,
 * batch, the epoch's sample order), so a run stopped there resumes at the
 * next batch or epoch.
 * @param[in] path    The file to write; an existing file is replaced only once
 *                    the new one is complete on disk.
 * @param[in] model   The model, built.
 * @param[in] opt     Its optimizer, or NULL.
 * @param[in] sched   The optimizer's scheduler, or NULL (with a scheduler, @p opt
 *                    must be the optimizer it drives).
 * @param[in] trainer The trainer, or NULL; it must train @p model and, when
 *                    they are given, with @p opt and @p sched.
 * @return DSC_OK; DSC_E_ARG for a NULL @p path or @p model, or objects that do
 *         not belong together; DSC_E_STATE if the model is not built;
 *         DSC_E_UNSUPPORTED for a count above 2^53 (not representable in the
 *         format); DSC_E_IO if writing fails (the previous file, if any, is
 *         intact and no temporary file is left); DSC_E_NOMEM.
 * @note Allocates a copy of the state and calls fsync; safe inside a trainer callback.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_checkpoint_save(const char *path, const dsc_model *model,
                                       const dsc_optimizer *opt, const dsc_lr_scheduler *sched,
                                       const dsc_trainer *trainer);

/**
 * @brief Restore a checkpoint written by dsc_checkpoint_save() into objects built as the
 *        saved ones were.
 *
 * Build the model, optimizer (same kind, same groups), scheduler (same kinds
 * and settings) and trainer (same data set) as the saving program did, then
 * load: training continues bit for bit as if it had never stopped. The model's
 * layers, the optimizer's kind and groups and the scheduler's kinds must
 * match the file; the optimizer's hyperparameters, the trainer's settings
 * and every state are taken from the file. A checkpoint written inside a
 * trainer callback arms the trainer: its next dsc_trainer_run() continues
 * that run where it stopped (after the batch or epoch of the callback)
 * rather than starting a new one. For each of @p opt, @p sched and
 * @p trainer that is NULL, that part of the file is ignored; one that is
 * given must be in the file.
 *
 * Everything is checked before anything changes: on any failure the model,
 * optimizer, scheduler and trainer are exactly as they were.
 * @param[in]     path    The file.
 * @param[in,out] model   The model, built, with the saved layers.
 * @param[in,out] opt     Its optimizer, or NULL.
 * @param[in,out] sched   The scheduler, or NULL; needs @p opt, the optimizer it drives.
 * @param[in,out] trainer The trainer, or NULL; it must train @p model (and with
 *                        @p opt and @p sched when given) and not be running.
 * @return DSC_OK; DSC_E_ARG for a NULL @p path or @p model, or objects that do
 *         not belong together; DSC_E_STATE if the model is not built or the
 *         trainer is running; DSC_E_IO if the file cannot be read;
 *         DSC_E_FORMAT for a malformed file, one from a newer format version,
 *         a model file rather than a checkpoint, a part that is asked for but
 *         missing, a different architecture, optimizer kind, group count or
 *         size, scheduler kind tree or data set size, a value out of range,
 *         NaN or infinite parameters or state (each message says which);
 *         DSC_E_NOMEM.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_checkpoint_load(const char *path, dsc_model *model, dsc_optimizer *opt,
                                       dsc_lr_scheduler *sched, dsc_trainer *trainer);

/** @} */

/**
 * @defgroup noise Noise scale
 * @brief The gradient noise scale, the loss's oscillation and progress, and
 *        the batch size and learning rate they suggest (docs/noise_scale.md).
 *
 * The gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish, Kaplan,
 * Amodei et al., "An Empirical Model of Large-Batch Training", 2018, appendix
 * A) compares the noise of per-sample gradients (tr(Sigma), their variance
 * summed over the parameters) with the full-data gradient G. Batches much
 * smaller than B_simple are noise-dominated (a larger batch nearly divides
 * the number of steps); batches much larger waste samples. It is estimated
 * from the squared norms of the mean gradient over two batch sizes b < B
 * taken at the same weights, |G_b|^2 and |G_B|^2:
 * `|G|^2 ~ (B |G_B|^2 - b |G_b|^2) / (B - b)` and
 * `tr(Sigma) ~ (|G_b|^2 - |G_B|^2) / (1/b - 1/B)`, both unbiased; each is
 * averaged over steps (::DSC_TRAINER_PARAM_NOISE_BETA) and B_simple is the
 * ratio of the averages.
 *
 * In a hand-written loop (seven calls per step), run a batch of B samples as
 * two forward/backward passes, a part of b samples and the rest, each
 * dLoss/dy scaled by its share (b/B, (B-b)/B) so the accumulated gradient is
 * the batch mean; the gradient after the first pass is b/B times the part's
 * mean gradient, which dsc_noise_scale_add_part() reads:
 * @code
 * dsc_model_zero_grad(m);
 * dsc_model_forward(m, x, b, &y);              // the part: samples 0..b-1
 * dsc_loss_forward(loss, y, t, b, w, &v);
 * dsc_loss_backward(loss, dy);                 // then scale dy by b/B
 * dsc_model_backward(m, dy, b);
 * dsc_noise_scale_add_part(ns, m, b, B);
 * ...                                          // the rest, dy scaled by (B-b)/B
 * dsc_noise_scale_add_whole(ns, m);
 * dsc_optimizer_step(opt);
 * dsc_noise_scale_add_loss(ns, batch_loss, epoch, seconds);
 * @endcode
 * In data-parallel training the rank's gradient and the reduced one are the
 * two batch sizes: give their squared norms to dsc_noise_scale_add_norms().
 * The trainer does all of this itself with ::DSC_TRAINER_PARAM_MEASURE_NOISE.
 * @{
 */

/** A noise-scale estimator: running averages of |G|^2 and tr(Sigma) and a
 *  window of batch losses. */
typedef struct dsc_noise_scale dsc_noise_scale;

/**
 * @brief Create an estimator with the default settings (::DSC_TRAINER_PARAM_NOISE_BETA
 *        0.99, ::DSC_TRAINER_PARAM_LOSS_WINDOW 50) and nothing measured.
 * @param[out] out Receives the estimator; NULL on failure.
 * @return DSC_OK; DSC_E_ARG if @p out is NULL; DSC_E_NOMEM.
 * @note Ownership: the caller owns the estimator (dsc_noise_scale_free()).
 *       Allocates the loss window here; the add functions allocate nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_new(dsc_noise_scale **out);

/**
 * @brief Free an estimator.
 * @param[in] ns The estimator, or NULL (nothing happens).
 * @since 0.2.0
 */
DSC_API void dsc_noise_scale_free(dsc_noise_scale *ns);

/**
 * @brief Change a setting: ::DSC_TRAINER_PARAM_NOISE_BETA or
 *        ::DSC_TRAINER_PARAM_LOSS_WINDOW (bounds and defaults as
 *        dsc_trainer_param_bounds() and dsc_trainer_param_default() give).
 * @param[in,out] ns    The estimator.
 * @param[in]     key   One of those two keys.
 * @param[in]     value Within the key's range.
 * @return DSC_OK; DSC_E_ARG for NULL or a value out of range (the message
 *         gives the range); DSC_E_UNSUPPORTED for any other key; DSC_E_NOMEM
 *         for a new window (nothing changed). A new window starts empty (the same
 *         window again keeps its losses); a new beta applies from the next step.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_set(dsc_noise_scale *ns, dsc_trainer_param key, double value);

/**
 * @brief Read a setting (::DSC_TRAINER_PARAM_NOISE_BETA or ::DSC_TRAINER_PARAM_LOSS_WINDOW).
 * @param[in]  ns  The estimator.
 * @param[in]  key One of those two keys.
 * @param[out] out Receives the value; 0 on failure.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for any other key.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_get(const dsc_noise_scale *ns, dsc_trainer_param key,
                                       double *out);

/**
 * @brief Forget every measurement (averages, a pending part, the loss window);
 *        the settings stay.
 * @param[in,out] ns The estimator.
 * @return DSC_OK; DSC_E_ARG if @p ns is NULL.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_reset(dsc_noise_scale *ns);

/**
 * @brief Add one step's pair of squared gradient norms.
 * @param[in,out] ns      The estimator.
 * @param[in]     sq_small |G_small|^2, the squared L2 norm of the mean gradient
 *                        over @p b_small samples (finite, >= 0).
 * @param[in]     b_small Samples of the small batch, >= 1.
 * @param[in]     sq_big  |G_big|^2, the same over @p b_big samples that
 *                        include the small batch's, at the same weights.
 * @param[in]     b_big   Samples of the big batch, > @p b_small.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ns, batch sizes out of order or a
 *         negative or non-finite norm (nothing changed).
 * @note Allocates nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_add_norms(dsc_noise_scale *ns, double sq_small, size_t b_small,
                                             double sq_big, size_t b_big);

/**
 * @brief Read the model's gradient after the backward pass of the first
 *        @p part samples of a batch of @p batch, their dLoss/dy scaled by
 *        part/batch (so the gradient buffer holds part/batch times the part's
 *        mean gradient); dsc_noise_scale_add_whole() completes the pair.
 * @param[in,out] ns    The estimator.
 * @param[in]     model The model, built, with that gradient.
 * @param[in]     part  Samples of the part, >= 1.
 * @param[in]     batch Samples of the whole batch, > @p part.
 * @return DSC_OK; DSC_E_ARG for NULL or sizes out of order; DSC_E_STATE if
 *         the model is not built; DSC_E_NONFINITE if the gradient is not
 *         finite (nothing changed). A part read earlier without its whole is
 *         replaced.
 * @note Reads every gradient once (the kernel set's squared-norm kernel, to
 *       float precision); allocates nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_add_part(dsc_noise_scale *ns, const dsc_model *model,
                                            size_t part, size_t batch);

/**
 * @brief Read the model's gradient after the backward pass of the whole
 *        batch (the batch mean) and add the pair begun by
 *        dsc_noise_scale_add_part().
 * @param[in,out] ns    The estimator.
 * @param[in]     model The same model.
 * @return DSC_OK; DSC_E_ARG for NULL or a model with another parameter
 *         count than the part's; DSC_E_STATE without a pending part;
 *         DSC_E_NONFINITE if the gradient is not finite (nothing changed,
 *         the part stays pending).
 * @note Allocates nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_add_whole(dsc_noise_scale *ns, const dsc_model *model);

/**
 * @brief Add a batch loss to the window of the oscillation and loss-drop
 *        measures.
 * @param[in,out] ns      The estimator.
 * @param[in]     loss    The batch's loss, finite.
 * @param[in]     epoch   Where training stands, in epochs (fractional, e.g.
 *                        epoch - 1 + batch / batches_per_epoch), finite.
 * @param[in]     seconds The time of the step on any clock, finite.
 * @return DSC_OK; DSC_E_ARG for a NULL @p ns or a non-finite argument.
 * @note Allocates nothing.
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_add_loss(dsc_noise_scale *ns, double loss, double epoch,
                                            double seconds);

/**
 * @brief Read a measurement: ::DSC_PROGRESS_NOISE_SCALE,
 *        ::DSC_PROGRESS_GRAD_SQ_NORM, ::DSC_PROGRESS_GRAD_VARIANCE,
 *        ::DSC_PROGRESS_NOISE_STEPS, ::DSC_PROGRESS_OSCILLATION,
 *        ::DSC_PROGRESS_LOSS_DROP_PER_EPOCH or ::DSC_PROGRESS_LOSS_DROP_PER_SECOND
 *        (as documented there; the seconds are those given to
 *        dsc_noise_scale_add_loss()).
 * @param[in]  ns  The estimator.
 * @param[in]  key One of those keys.
 * @param[out] out Receives the value; 0 on failure.
 * @return DSC_OK; DSC_E_ARG for NULL; DSC_E_UNSUPPORTED for any other key
 *         (the suggestions come from dsc_noise_scale_advise()).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_value(const dsc_noise_scale *ns, dsc_progress_key key,
                                         double *out);

/**
 * @brief Suggest a batch size and a learning rate from the measured noise
 *        scale and a learning-rate range test, and say what they rest on.
 *
 * batch = round(B_simple) within [1, @p max_batch]: near the noise scale a
 * batch makes about half the progress per step that an infinite one would,
 * twice the minimum number of steps for twice the minimum samples (McCandlish
 * et al. 2018, section 2).
 * lr = @p lr x (1 + B_simple/@p lr_batch) / (1 + B_simple/batch): the
 * range test's rate moved to the new batch size along the paper's optimal
 * SGD step size eps(B) = eps_max / (1 + B_noise/B) (same section). How far to
 * trust it: docs/noise_scale.md (a rule for SGD; the measurement must have
 * averaged enough steps, and it describes the weights it was taken at).
 * @param[in]  ns        The estimator, with a positive finite noise scale.
 * @param[in]  lr        The range test's suggested lr (dsc_trainer_lr_range_test()),
 *                       finite, > 0.
 * @param[in]  lr_batch  The batch size the range test ran with, >= 1.
 * @param[in]  max_batch The largest batch to suggest (the data set's size), >= 1.
 * @param[out] batch     Receives the suggested batch size; 0 on failure.
 * @param[out] lr_out    Receives the suggested lr; 0 on failure.
 * @param[out] why       Receives a sentence naming the measurements used
 *                       (truncated to fit, always terminated); may be NULL.
 * @param[in]  why_size  Bytes at @p why (0 with NULL).
 * @return DSC_OK; DSC_E_ARG for NULL pointers or values out of range;
 *         DSC_E_STATE while the noise scale is not a positive finite number
 *         (nothing measured yet, or the |G|^2 estimate is not positive: average
 *         more steps).
 * @since 0.2.0
 */
DSC_API dsc_status dsc_noise_scale_advise(const dsc_noise_scale *ns, double lr, size_t lr_batch,
                                          size_t max_batch, size_t *batch, double *lr_out,
                                          char *why, size_t why_size);

/**
 * @brief The trainer's own estimator (fed while ::DSC_TRAINER_PARAM_MEASURE_NOISE is 1),
 *        for dsc_noise_scale_value() and dsc_noise_scale_advise().
 * @param[in]  t   The trainer.
 * @param[out] out Receives the estimator; NULL on failure.
 * @return DSC_OK; DSC_E_ARG for NULL.
 * @note Ownership: borrowed from the trainer, valid until dsc_trainer_free().
 * @since 0.2.0
 */
DSC_API dsc_status dsc_trainer_noise_scale(const dsc_trainer *t, const dsc_noise_scale **out);

/** @} */

#endif /* DESCENT_EXPERIMENTAL_API */


#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DESCENT_H */
