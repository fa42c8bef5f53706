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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DESCENT_H */
