/**
 * @file descent.hpp
 * @brief A header-only C++17 layer over descent.h: move-only handles that free
 *        themselves, span views over the library's buffers, and errors as
 *        exceptions (or, for hosts built without exceptions, as returned
 *        statuses).
 *
 * Nothing here is compiled into the library: every function is an inline call
 * of the C API, so the library exports no C++ symbol and any C++17 compiler
 * can use any build of libdescent. The C handle stays reachable through
 * `get()`, so everything the wrappers leave out is one C call away.
 *
 * Two variants of every class, from one implementation:
 * - `descent::model`, `descent::optimizer`, ... report a failure by throwing
 *   descent::error, which carries the ::dsc_status and dsc_last_error()'s
 *   message. Constructors create the C object; `descent::model m(784);`.
 * - `descent::nothrow::model`, ... are `noexcept`: a call that can fail returns
 *   a ::dsc_status, or a descent::result holding the status and the value; a
 *   handle is created by a static `create()` that returns a result. This is
 *   the variant for hosts built with `-fno-exceptions` (then only it is
 *   declared) and for real-time loops that must not unwind.
 *
 * @code
 * #include <descent.hpp>
 * descent::model m(2);                       // throws descent::error on failure
 * m.add_dense(8);
 * m.add_activation(DSC_ACTIVATION_TANH);
 * m.add_dense(1);
 * m.build(4);
 * descent::optimizer opt(DSC_OPTIMIZER_ADAM);
 * opt.set(DSC_OPTIMIZER_PARAM_LR, 0.01);
 * opt.add_model(m);
 * // ... forward, loss, backward, opt.step() ...
 * @endcode
 *
 * The checkpoint calls (model::save(), model::load(), checkpoint_save(), ...)
 * are declared only when `DESCENT_EXPERIMENTAL_API` is defined before the
 * include, as in descent.h.
 * @since 0.2.0
 */
#ifndef DESCENT_HPP
#define DESCENT_HPP

#include <descent.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#if !defined(DESCENT_HPP_NO_EXCEPTIONS) && \
    (defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND))
/** 1 when the throwing variant is declared (the compiler has exceptions and
 *  the host did not define DESCENT_HPP_NO_EXCEPTIONS). */
#define DESCENT_HPP_EXCEPTIONS 1
#include <exception>
#include <stdexcept>
#else
#define DESCENT_HPP_EXCEPTIONS 0
#endif

/** The C++ layer over descent.h. */
namespace descent {

/**
 * @brief A view of contiguous elements: a pointer and a count (std::span's
 *        role, which C++17 lacks). It never owns what it points at.
 */
template <class T>
class span {
public:
    constexpr span() noexcept = default;
    /** @brief @p size elements from @p data. */
    constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(size) {}
    /** @brief A whole C array. */
    template <std::size_t N>
    constexpr span(T (&a)[N]) noexcept : data_(a), size_(N) {}
    /** @brief A std::array (const-qualified as the span's element allows). */
    template <class U, std::size_t N>
    constexpr span(std::array<U, N> &a) noexcept : data_(a.data()), size_(N) {}
    /** @brief A const std::array, for a span of const elements. */
    template <class U, std::size_t N>
    constexpr span(const std::array<U, N> &a) noexcept : data_(a.data()), size_(N) {}
    /** @brief A std::vector's elements (valid until the vector reallocates). */
    template <class U, class A>
    span(std::vector<U, A> &v) noexcept : data_(v.data()), size_(v.size()) {}
    /** @brief A const std::vector's elements, for a span of const elements. */
    template <class U, class A>
    span(const std::vector<U, A> &v) noexcept : data_(v.data()), size_(v.size()) {}
    /** @brief A span of T as a span of const T. */
    template <class U>
    constexpr span(const span<U> &s) noexcept : data_(s.data()), size_(s.size()) {}

    constexpr T *data() const noexcept { return data_; }             /**< First element. */
    constexpr std::size_t size() const noexcept { return size_; }    /**< Element count. */
    constexpr bool empty() const noexcept { return size_ == 0; }     /**< No element. */
    constexpr T *begin() const noexcept { return data_; }            /**< For range-for. */
    constexpr T *end() const noexcept { return data_ + size_; }      /**< For range-for. */
    constexpr T &operator[](std::size_t i) const noexcept { return data_[i]; } /**< Unchecked. */

private:
    T *data_ = nullptr;
    std::size_t size_ = 0;
};

/**
 * @brief What a noexcept call that computes a value returns: the status, the
 *        value (meaningful only when the status is DSC_OK) and the message.
 */
template <class T>
struct result {
    dsc_status status = DSC_OK;   /**< DSC_OK or the failure. */
    T value{};                    /**< The value; default-constructed on failure. */
    /** The failure's message ("" on success): dsc_last_error() at the time, or
     *  the wrapper's own sentence for a size mismatch it found itself. Valid
     *  until the next failing descent call on this thread. */
    const char *message = "";
    /** @brief True on success. */
    explicit operator bool() const noexcept { return status == DSC_OK; }
};

#if DESCENT_HPP_EXCEPTIONS
/**
 * @brief The exception the throwing variant raises: a ::dsc_status and the
 *        library's message (what() gives "DSC_E_ARG: dsc_...: ...").
 */
class error : public std::runtime_error {
public:
    /** @brief An error of @p status with @p message. */
    error(dsc_status status, const char *message)
        : std::runtime_error(std::string(dsc_status_name(status)) + ": " + message),
          status_(status) {}
    /** @brief The status of the failed call. */
    dsc_status status() const noexcept { return status_; }

private:
    dsc_status status_;
};
#endif

/** @cond DETAIL */
namespace detail {

/* A failure the wrapper detects itself (sizes of spans that do not agree):
 * the C library is not called, so dsc_last_error() does not describe it. */
struct failure {
    dsc_status status;
    const char *message;
};

inline failure from_c(dsc_status s) noexcept { return {s, s == DSC_OK ? "" : dsc_last_error()}; }

/* The two error policies. R<T> is what a call computing a T returns; V what
 * a call computing nothing returns. */
struct nothrow_policy {
    static constexpr bool is_noexcept = true;
    template <class T>
    using R = result<T>;
    using V = dsc_status;
    template <class T>
    static R<T> ret(failure f, T &&value) noexcept {
        R<T> r;
        r.status = f.status;
        r.message = f.message;
        if (f.status == DSC_OK) r.value = std::move(value);
        return r;
    }
    static V ret(failure f) noexcept { return f.status; }
};

#if DESCENT_HPP_EXCEPTIONS
struct throw_policy {
    static constexpr bool is_noexcept = false;
    template <class T>
    using R = T;
    using V = void;
    template <class T>
    static T ret(failure f, T &&value) {
        if (f.status != DSC_OK) throw error(f.status, f.message);
        return std::move(value);
    }
    static void ret(failure f) {
        if (f.status != DSC_OK) throw error(f.status, f.message);
    }
};
#endif

/* A move-only owner of one C handle, freed with Free. */
template <class T, void (*Free)(T *)>
class handle {
public:
    handle() noexcept = default;
    explicit handle(T *owned) noexcept : p_(owned) {}
    handle(const handle &) = delete;
    handle &operator=(const handle &) = delete;
    handle(handle &&o) noexcept : p_(o.release()) {}
    handle &operator=(handle &&o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    ~handle() { Free(p_); }

    T *get() const noexcept { return p_; }
    T *release() noexcept {
        T *p = p_;
        p_ = nullptr;
        return p;
    }
    void reset(T *owned = nullptr) noexcept {
        T *old = p_;
        p_ = owned;
        Free(old);
    }
    explicit operator bool() const noexcept { return p_ != nullptr; }

private:
    T *p_ = nullptr;
};

} // namespace detail
/** @endcond */

/** @brief The tag of the constructors that take over a handle made by the C API. */
struct adopt_t {
    explicit adopt_t() = default;
};
/** @brief `descent::model m(descent::adopt, raw);` takes ownership of `raw`. */
inline constexpr adopt_t adopt{};

/**
 * @brief A sequential model (::dsc_model): layers, build, forward, backward.
 * @tparam P The error policy: throwing (descent::model) or not
 *           (descent::nothrow::model).
 */
template <class P>
class basic_model : public detail::handle<dsc_model, dsc_model_free> {
    using base = detail::handle<dsc_model, dsc_model_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    basic_model() noexcept = default;
    /** @brief Take ownership of a model made by the C API. */
    basic_model(adopt_t, dsc_model *owned) noexcept : base(owned) {}
    /** @brief dsc_model_new(): an empty model of @p input_width features. */
    static R<basic_model> create(std::size_t input_width) noexcept(nx) {
        dsc_model *m = nullptr;
        dsc_status s = dsc_model_new(&m, input_width);
        return P::ret(detail::from_c(s), basic_model(adopt, m));
    }
#if DESCENT_HPP_EXCEPTIONS
    /** @brief The throwing variant's constructor: dsc_model_new(). */
    template <class Q = P, class = std::enable_if_t<!Q::is_noexcept>>
    explicit basic_model(std::size_t input_width) : base(create(input_width).release()) {}
#endif
    /** @brief dsc_model_add_dense(). */
    V add_dense(std::size_t out_features, bool bias = true) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_add_dense(get(), out_features, bias ? 1 : 0)));
    }
    /** @brief dsc_model_add_activation(). */
    V add_activation(dsc_activation act) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_add_activation(get(), act)));
    }
    /** @brief dsc_model_add_leaky_relu(). */
    V add_leaky_relu(double negative_slope) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_add_leaky_relu(get(), negative_slope)));
    }
    /** @brief dsc_model_add_dropout(). */
    V add_dropout(double p, std::uint64_t seed) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_add_dropout(get(), p, seed)));
    }
    /** @brief dsc_model_build(): allocates everything training needs. */
    V build(std::size_t max_batch) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_build(get(), max_batch)));
    }
    /** @brief dsc_model_init(). */
    V init(dsc_init weight_init, dsc_init bias_init, std::uint64_t seed) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_init(get(), weight_init, bias_init, seed)));
    }
    /** @brief dsc_model_set_training(). */
    V set_training(bool training) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_set_training(get(), training ? 1 : 0)));
    }
    /** @brief Input width (features per sample), from dsc_model_widths(). */
    R<std::size_t> input_width() const noexcept(nx) {
        std::size_t in = 0, out = 0;
        dsc_status s = dsc_model_widths(get(), &in, &out);
        return P::ret(detail::from_c(s), std::move(in));
    }
    /** @brief Output width, from dsc_model_widths(). */
    R<std::size_t> output_width() const noexcept(nx) {
        std::size_t in = 0, out = 0;
        dsc_status s = dsc_model_widths(get(), &in, &out);
        return P::ret(detail::from_c(s), std::move(out));
    }
    /** @brief dsc_model_param_count(). */
    R<std::size_t> param_count() const noexcept(nx) {
        std::size_t n = 0;
        dsc_status s = dsc_model_param_count(get(), &n);
        return P::ret(detail::from_c(s), std::move(n));
    }
    /** @brief The flat parameter buffer (dsc_model_params()), writable. */
    R<span<float>> params() noexcept(nx) { return buffer(dsc_model_params); }
    /** @brief The flat gradient buffer (dsc_model_grads()). */
    R<span<float>> grads() noexcept(nx) { return buffer(dsc_model_grads); }
    /**
     * @brief dsc_model_forward() over `x.size() / input_width` samples.
     * @return The outputs, borrowed from the model until the next forward,
     *         predict or free; DSC_E_SHAPE if @p x is not whole samples.
     */
    R<span<const float>> forward(span<const float> x) noexcept(nx) {
        std::size_t in = 0, out = 0, batch = 0;
        detail::failure f = samples(x.size(), in, out, batch);
        const float *y = nullptr;
        if (f.status == DSC_OK) f = detail::from_c(dsc_model_forward(get(), x.data(), batch, &y));
        return P::ret(f, span<const float>(y, y ? batch * out : 0));
    }
    /** @brief dsc_model_predict() of `x.size() / input_width` samples into @p y. */
    V predict(span<const float> x, span<float> y) noexcept(nx) {
        std::size_t in = 0, out = 0, n = 0;
        detail::failure f = samples(x.size(), in, out, n);
        if (f.status == DSC_OK && y.size() != n * out)
            f = {DSC_E_SHAPE, "descent::model::predict: y does not hold one output row per input row"};
        if (f.status == DSC_OK) f = detail::from_c(dsc_model_predict(get(), x.data(), n, y.data()));
        return P::ret(f);
    }
    /** @brief dsc_model_backward() with dLoss/dOutput of the last forward. */
    V backward(span<const float> dy) noexcept(nx) {
        std::size_t in = 0, out = 0, batch = 0;
        detail::failure f = detail::from_c(dsc_model_widths(get(), &in, &out));
        if (f.status == DSC_OK && (out == 0 || dy.size() % out != 0 || dy.empty()))
            f = {DSC_E_SHAPE, "descent::model::backward: dy is not whole output rows"};
        if (f.status == DSC_OK) batch = dy.size() / out;
        if (f.status == DSC_OK) f = detail::from_c(dsc_model_backward(get(), dy.data(), batch));
        return P::ret(f);
    }
    /** @brief dsc_model_zero_grad(). */
    V zero_grad() noexcept(nx) { return P::ret(detail::from_c(dsc_model_zero_grad(get()))); }

#ifdef DESCENT_EXPERIMENTAL_API
    /** @brief dsc_model_save() (experimental tier). */
    V save(const char *path) const noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_save(get(), path)));
    }
    /** @brief dsc_model_load(): a new model from a file (experimental tier). */
    static R<basic_model> load(const char *path, std::size_t max_batch) noexcept(nx) {
        dsc_model *m = nullptr;
        dsc_status s = dsc_model_load(&m, path, max_batch);
        return P::ret(detail::from_c(s), basic_model(adopt, m));
    }
    /** @brief dsc_model_load_weights(): parameters of a PyTorch export (experimental tier). */
    V load_weights(const char *path) noexcept(nx) {
        return P::ret(detail::from_c(dsc_model_load_weights(get(), path)));
    }
#endif

private:
    R<span<float>> buffer(dsc_status (*fn)(dsc_model *, float **)) noexcept(nx) {
        float *p = nullptr;
        std::size_t n = 0;
        dsc_status s = fn(get(), &p);
        if (s == DSC_OK) s = dsc_model_param_count(get(), &n);
        return P::ret(detail::from_c(s), span<float>(p, p ? n : 0));
    }
    detail::failure samples(std::size_t floats, std::size_t &in, std::size_t &out,
                            std::size_t &n) const noexcept {
        detail::failure f = detail::from_c(dsc_model_widths(get(), &in, &out));
        if (f.status == DSC_OK && (in == 0 || floats % in != 0))
            f = {DSC_E_SHAPE, "descent::model: the input is not whole rows of input_width floats"};
        n = in ? floats / in : 0;
        return f;
    }
};

/** @brief A loss function (::dsc_loss). @tparam P The error policy. */
template <class P>
class basic_loss : public detail::handle<dsc_loss, dsc_loss_free> {
    using base = detail::handle<dsc_loss, dsc_loss_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    basic_loss() noexcept = default;
    /** @brief Take ownership of a loss made by the C API. */
    basic_loss(adopt_t, dsc_loss *owned) noexcept : base(owned) {}
    /** @brief dsc_loss_new(). */
    static R<basic_loss> create(dsc_loss_kind kind) noexcept(nx) {
        dsc_loss *l = nullptr;
        dsc_status s = dsc_loss_new(&l, kind);
        return P::ret(detail::from_c(s), basic_loss(adopt, l));
    }
#if DESCENT_HPP_EXCEPTIONS
    /** @brief The throwing variant's constructor: dsc_loss_new(). */
    template <class Q = P, class = std::enable_if_t<!Q::is_noexcept>>
    explicit basic_loss(dsc_loss_kind kind) : base(create(kind).release()) {}
#endif
    /** @brief dsc_loss_set(). */
    V set(dsc_loss_param key, double value) noexcept(nx) {
        return P::ret(detail::from_c(dsc_loss_set(get(), key, value)));
    }
    /**
     * @brief dsc_loss_forward(): mean loss of outputs @p y against @p target,
     *        rows of @p width; both spans must stay unchanged until backward().
     */
    R<double> forward(span<const float> y, span<const float> target, std::size_t width) noexcept(nx) {
        double v = 0;
        detail::failure f{DSC_OK, ""};
        if (width == 0 || y.size() != target.size() || y.size() % width != 0)
            f = {DSC_E_SHAPE, "descent::loss::forward: y and target must be the same whole rows of width"};
        else
            f = detail::from_c(dsc_loss_forward(get(), y.data(), target.data(), y.size() / width,
                                                width, &v));
        return P::ret(f, std::move(v));
    }
    /** @brief dsc_loss_forward_labels(): one label per row of @p y. */
    R<double> forward_labels(span<const float> y, span<const std::int32_t> labels) noexcept(nx) {
        double v = 0;
        detail::failure f{DSC_OK, ""};
        if (labels.empty() || y.size() % labels.size() != 0)
            f = {DSC_E_SHAPE, "descent::loss::forward_labels: y is not one row per label"};
        else
            f = detail::from_c(dsc_loss_forward_labels(get(), y.data(), labels.data(), labels.size(),
                                                       y.size() / labels.size(), &v));
        return P::ret(f, std::move(v));
    }
    /** @brief dsc_loss_backward() into @p dy (as many floats as the forward's @p y). */
    V backward(span<float> dy) noexcept(nx) {
        return P::ret(detail::from_c(dsc_loss_backward(get(), dy.data())));
    }
};

/** @brief An optimizer (::dsc_optimizer). @tparam P The error policy. */
template <class P>
class basic_optimizer : public detail::handle<dsc_optimizer, dsc_optimizer_free> {
    using base = detail::handle<dsc_optimizer, dsc_optimizer_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    basic_optimizer() noexcept = default;
    /** @brief Take ownership of an optimizer made by the C API. */
    basic_optimizer(adopt_t, dsc_optimizer *owned) noexcept : base(owned) {}
    /** @brief dsc_optimizer_new(). */
    static R<basic_optimizer> create(dsc_optimizer_kind kind) noexcept(nx) {
        dsc_optimizer *o = nullptr;
        dsc_status s = dsc_optimizer_new(&o, kind);
        return P::ret(detail::from_c(s), basic_optimizer(adopt, o));
    }
#if DESCENT_HPP_EXCEPTIONS
    /** @brief The throwing variant's constructor: dsc_optimizer_new(). */
    template <class Q = P, class = std::enable_if_t<!Q::is_noexcept>>
    explicit basic_optimizer(dsc_optimizer_kind kind) : base(create(kind).release()) {}
#endif
    /** @brief dsc_optimizer_set(): every group and later ones. */
    V set(dsc_optimizer_param key, double value) noexcept(nx) {
        return P::ret(detail::from_c(dsc_optimizer_set(get(), key, value)));
    }
    /** @brief dsc_optimizer_get(). */
    R<double> get_param(dsc_optimizer_param key) const noexcept(nx) {
        double v = 0;
        dsc_status s = dsc_optimizer_get(get(), key, &v);
        return P::ret(detail::from_c(s), std::move(v));
    }
    /**
     * @brief dsc_optimizer_add_params(): the host's parameters and gradients
     *        (same length; borrowed, they must outlive the optimizer).
     * @return The new group's index.
     */
    R<std::size_t> add_params(span<float> params, span<float> grads) noexcept(nx) {
        std::size_t g = 0;
        detail::failure f{DSC_OK, ""};
        if (params.size() != grads.size())
            f = {DSC_E_SHAPE, "descent::optimizer::add_params: params and grads differ in length"};
        else
            f = detail::from_c(dsc_optimizer_add_params(get(), params.data(), grads.data(),
                                                        params.size(), &g));
        return P::ret(f, std::move(g));
    }
    /** @brief dsc_optimizer_add_model(): the model's buffers as one group (borrowed). */
    template <class Q>
    R<std::size_t> add_model(basic_model<Q> &m) noexcept(nx) {
        std::size_t g = 0;
        dsc_status s = dsc_optimizer_add_model(get(), m.get(), &g);
        return P::ret(detail::from_c(s), std::move(g));
    }
    /** @brief dsc_optimizer_step(): DSC_E_NONFINITE (nothing changed) for a NaN/Inf gradient. */
    V step() noexcept(nx) { return P::ret(detail::from_c(dsc_optimizer_step(get()))); }
    /** @brief dsc_optimizer_zero_grad(). */
    V zero_grad() noexcept(nx) { return P::ret(detail::from_c(dsc_optimizer_zero_grad(get()))); }
    /** @brief dsc_optimizer_refused_steps(). */
    R<std::uint64_t> refused_steps() const noexcept(nx) {
        std::uint64_t n = 0;
        dsc_status s = dsc_optimizer_refused_steps(get(), &n);
        return P::ret(detail::from_c(s), std::move(n));
    }
    /** @brief dsc_optimizer_last_grad_norm(). */
    R<double> last_grad_norm() const noexcept(nx) {
        double v = 0;
        dsc_status s = dsc_optimizer_last_grad_norm(get(), &v);
        return P::ret(detail::from_c(s), std::move(v));
    }
};

/** @brief A learning-rate scheduler (::dsc_lr_scheduler). @tparam P The error policy. */
template <class P>
class basic_lr_scheduler : public detail::handle<dsc_lr_scheduler, dsc_lr_scheduler_free> {
    using base = detail::handle<dsc_lr_scheduler, dsc_lr_scheduler_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    basic_lr_scheduler() noexcept = default;
    /** @brief Take ownership of a scheduler made by the C API. */
    basic_lr_scheduler(adopt_t, dsc_lr_scheduler *owned) noexcept : base(owned) {}
    /** @brief dsc_lr_scheduler_new() over @p opt (borrowed: it must outlive the scheduler). */
    template <class Q>
    static R<basic_lr_scheduler> create(dsc_lr_scheduler_kind kind,
                                        basic_optimizer<Q> &opt) noexcept(nx) {
        dsc_lr_scheduler *s = nullptr;
        dsc_status st = dsc_lr_scheduler_new(&s, kind, opt.get());
        return P::ret(detail::from_c(st), basic_lr_scheduler(adopt, s));
    }
#if DESCENT_HPP_EXCEPTIONS
    /** @brief The throwing variant's constructor: dsc_lr_scheduler_new(). */
    template <class Q, class P2 = P, class = std::enable_if_t<!P2::is_noexcept>>
    basic_lr_scheduler(dsc_lr_scheduler_kind kind, basic_optimizer<Q> &opt)
        : base(create(kind, opt).release()) {}
#endif
    /** @brief dsc_lr_scheduler_set(). */
    V set(dsc_sched_param key, double value) noexcept(nx) {
        return P::ret(detail::from_c(dsc_lr_scheduler_set(get(), key, value)));
    }
    /** @brief dsc_lr_scheduler_set_milestones(). */
    V set_milestones(span<const std::int64_t> m) noexcept(nx) {
        return P::ret(detail::from_c(dsc_lr_scheduler_set_milestones(get(), m.data(), m.size())));
    }
    /** @brief dsc_lr_scheduler_add_child(): the container takes @p child over, whatever the outcome. */
    V add_child(basic_lr_scheduler &&child) noexcept(nx) {
        dsc_lr_scheduler *c = child.release();
        return P::ret(detail::from_c(dsc_lr_scheduler_add_child(get(), &c)));
    }
    /** @brief dsc_lr_scheduler_start(). */
    V start() noexcept(nx) { return P::ret(detail::from_c(dsc_lr_scheduler_start(get()))); }
    /** @brief dsc_lr_scheduler_step(). */
    V step() noexcept(nx) { return P::ret(detail::from_c(dsc_lr_scheduler_step(get()))); }
    /** @brief dsc_lr_scheduler_step_metric() (ReduceLROnPlateau). */
    V step(double metric) noexcept(nx) {
        return P::ret(detail::from_c(dsc_lr_scheduler_step_metric(get(), metric)));
    }
    /** @brief dsc_lr_scheduler_lr(): the lr last written into @p group. */
    R<double> lr(std::size_t group = 0) const noexcept(nx) {
        double v = 0;
        dsc_status s = dsc_lr_scheduler_lr(get(), group, &v);
        return P::ret(detail::from_c(s), std::move(v));
    }
};

/** @brief A data set (::dsc_dataset). @tparam P The error policy. */
template <class P>
class basic_dataset : public detail::handle<dsc_dataset, dsc_dataset_free> {
    using base = detail::handle<dsc_dataset, dsc_dataset_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    basic_dataset() noexcept = default;
    /** @brief Take ownership of a data set made by the C API. */
    basic_dataset(adopt_t, dsc_dataset *owned) noexcept : base(owned) {}
    /** @brief dsc_dataset_load_csv(): @p target names the target column;
     *         @p classes 0 for a float target, else the number of classes. */
    static R<basic_dataset> load_csv(const char *path, const char *target,
                                     std::size_t classes = 0) noexcept(nx) {
        dsc_dataset *d = nullptr;
        dsc_status s = dsc_dataset_load_csv(&d, path, target, 0, classes);
        return P::ret(detail::from_c(s), basic_dataset(adopt, d));
    }
    /** @brief dsc_dataset_load_idx(): MNIST-style image and label files. */
    static R<basic_dataset> load_idx(const char *images, const char *labels,
                                     std::size_t classes) noexcept(nx) {
        dsc_dataset *d = nullptr;
        dsc_status s = dsc_dataset_load_idx(&d, images, labels, classes);
        return P::ret(detail::from_c(s), basic_dataset(adopt, d));
    }
    /** @brief dsc_dataset_new_targets() with rows of @p features inputs and
     *         @p outputs targets (copied unless @p mode is ::DSC_DATASET_BORROW). */
    static R<basic_dataset> from_targets(span<const float> inputs, span<const float> targets,
                                         std::size_t features, std::size_t outputs,
                                         dsc_dataset_mode mode = DSC_DATASET_COPY) noexcept(nx) {
        dsc_dataset *d = nullptr;
        detail::failure f{DSC_OK, ""};
        std::size_t n = features ? inputs.size() / features : 0;
        if (features == 0 || outputs == 0 || inputs.size() != n * features ||
            targets.size() != n * outputs)
            f = {DSC_E_SHAPE, "descent::dataset::from_targets: inputs and targets are not the same "
                              "number of whole rows"};
        else
            f = detail::from_c(dsc_dataset_new_targets(&d, inputs.data(), targets.data(), n,
                                                       features, outputs, mode));
        return P::ret(f, basic_dataset(adopt, d));
    }
    /** @brief dsc_dataset_split(): {training, validation}. */
    R<std::pair<basic_dataset, basic_dataset>> split(double val_fraction,
                                                     std::uint64_t seed) const noexcept(nx) {
        dsc_dataset *tr = nullptr, *va = nullptr;
        dsc_status s = dsc_dataset_split(&tr, &va, get(), val_fraction, seed);
        return P::ret(detail::from_c(s), std::make_pair(basic_dataset(adopt, tr), basic_dataset(adopt, va)));
    }
    /** @brief dsc_dataset_count(). */
    R<std::size_t> count() const noexcept(nx) { return size_of(dsc_dataset_count); }
    /** @brief dsc_dataset_features(). */
    R<std::size_t> features() const noexcept(nx) { return size_of(dsc_dataset_features); }
    /** @brief dsc_dataset_outputs(). */
    R<std::size_t> outputs() const noexcept(nx) { return size_of(dsc_dataset_outputs); }
    /** @brief dsc_dataset_scale(). */
    V scale(float divisor) noexcept(nx) {
        return P::ret(detail::from_c(dsc_dataset_scale(get(), divisor)));
    }
    /** @brief Standardize with this set's own feature means and deviations
     *         (dsc_dataset_feature_meanstd(), then dsc_dataset_standardize()).
     *         Pass them to another set's standardize_like(). */
    R<std::pair<std::vector<float>, std::vector<float>>> standardize() noexcept(nx) {
        std::pair<std::vector<float>, std::vector<float>> ms;
        std::size_t n = 0;
        dsc_status s = dsc_dataset_features(get(), &n);
        if (s == DSC_OK) {
            ms.first.resize(n);
            ms.second.resize(n);
            s = dsc_dataset_feature_meanstd(get(), ms.first.data(), ms.second.data());
        }
        if (s == DSC_OK) s = dsc_dataset_standardize(get(), ms.first.data(), ms.second.data());
        return P::ret(detail::from_c(s), std::move(ms));
    }
    /** @brief dsc_dataset_standardize() with another set's means and deviations. */
    V standardize_like(const std::vector<float> &mean, const std::vector<float> &std_dev) noexcept(nx) {
        std::size_t n = 0;
        detail::failure f = detail::from_c(dsc_dataset_features(get(), &n));
        if (f.status == DSC_OK && (mean.size() != n || std_dev.size() != n))
            f = {DSC_E_SHAPE, "descent::dataset::standardize_like: one mean and one deviation per feature"};
        if (f.status == DSC_OK)
            f = detail::from_c(dsc_dataset_standardize(get(), mean.data(), std_dev.data()));
        return P::ret(f);
    }

private:
    R<std::size_t> size_of(dsc_status (*fn)(const dsc_dataset *, std::size_t *)) const noexcept(nx) {
        std::size_t n = 0;
        dsc_status s = fn(get(), &n);
        return P::ret(detail::from_c(s), std::move(n));
    }
};

/** @brief A read-only view of a trainer's progress (::dsc_progress). */
class progress {
public:
    /** @brief A view of nothing (every key reads NaN). */
    progress() noexcept = default;
    /** @brief A view of @p p (borrowed from its trainer). */
    explicit progress(const dsc_progress *p) noexcept : p_(p) {}
    /** @brief dsc_progress_get(); NaN if the key is unknown. */
    double get(dsc_progress_key key) const noexcept {
        double v = 0;
        return dsc_progress_get(p_, key, &v) == DSC_OK ? v : std::numeric_limits<double>::quiet_NaN();
    }
    /** @brief The C handle. */
    const dsc_progress *handle() const noexcept { return p_; }

private:
    const dsc_progress *p_ = nullptr;
};

/**
 * @brief A training loop (::dsc_trainer) over borrowed objects.
 *
 * Callbacks are C++ callables returning true to stop training. With
 * exceptions, one a callback throws stops training and comes out of run().
 * The callbacks live in a heap block of the wrapper, so moving the trainer
 * keeps them valid.
 * @tparam P The error policy.
 */
template <class P>
class basic_trainer : public detail::handle<dsc_trainer, dsc_trainer_free> {
    using base = detail::handle<dsc_trainer, dsc_trainer_free>;
    template <class T> using R = typename P::template R<T>;
    using V = typename P::V;
    static constexpr bool nx = P::is_noexcept;

public:
    /** A step or epoch callback: return true to stop training. */
    using callback = std::function<bool(const progress &)>;

    basic_trainer() noexcept = default;
    /** @brief Take ownership of a trainer made by the C API. */
    basic_trainer(adopt_t, dsc_trainer *owned) noexcept : base(owned) {}
    /** @brief dsc_trainer_new(); the four objects are borrowed and must outlive it. */
    template <class Q>
    static R<basic_trainer> create(basic_model<Q> &m, basic_loss<Q> &l, basic_optimizer<Q> &o,
                                   const basic_dataset<Q> &train) noexcept(nx) {
        dsc_trainer *t = nullptr;
        dsc_status s = dsc_trainer_new(&t, m.get(), l.get(), o.get(), train.get());
        return P::ret(detail::from_c(s), basic_trainer(adopt, t));
    }
#if DESCENT_HPP_EXCEPTIONS
    /** @brief The throwing variant's constructor: dsc_trainer_new(). */
    template <class Q, class P2 = P, class = std::enable_if_t<!P2::is_noexcept>>
    basic_trainer(basic_model<Q> &m, basic_loss<Q> &l, basic_optimizer<Q> &o,
                  const basic_dataset<Q> &train)
        : basic_trainer(create(m, l, o, train)) {}
#endif
    /** @brief dsc_trainer_set(). */
    V set(dsc_trainer_param key, double value) noexcept(nx) {
        return P::ret(detail::from_c(dsc_trainer_set(get(), key, value)));
    }
    /** @brief dsc_trainer_set_validation() (borrowed). */
    template <class Q>
    V set_validation(const basic_dataset<Q> &val) noexcept(nx) {
        return P::ret(detail::from_c(dsc_trainer_set_validation(get(), val.get())));
    }
    /** @brief dsc_trainer_set_scheduler() and ::DSC_TRAINER_PARAM_SCHED_STEPPING (borrowed). */
    template <class Q>
    V set_scheduler(basic_lr_scheduler<Q> &s, dsc_sched_stepping stepping) noexcept(nx) {
        dsc_status st = dsc_trainer_set(get(), DSC_TRAINER_PARAM_SCHED_STEPPING, stepping);
        if (st == DSC_OK) st = dsc_trainer_set_scheduler(get(), s.get());
        return P::ret(detail::from_c(st));
    }
    /** @brief Run @p fn after every batch (an empty function removes it). */
    V on_step(callback fn) noexcept(nx) { return hook(0, std::move(fn)); }
    /** @brief Run @p fn at the end of every epoch (an empty function removes it). */
    V on_epoch(callback fn) noexcept(nx) { return hook(1, std::move(fn)); }
    /** @brief dsc_trainer_run(). In the throwing variant an exception a
     *         callback threw comes out here; in the noexcept variant it stops
     *         training and is dropped. */
    V run() noexcept(nx) {
        dsc_status s = dsc_trainer_run(get());
#if DESCENT_HPP_EXCEPTIONS
        if (cbs_ && cbs_->thrown) {
            std::exception_ptr e = cbs_->thrown;
            cbs_->thrown = nullptr;
            if constexpr (!P::is_noexcept) std::rethrow_exception(e);
        }
#endif
        return P::ret(detail::from_c(s));
    }
    /** @brief The progress (dsc_trainer_progress()), valid while the trainer lives. */
    R<progress> get_progress() const noexcept(nx) {
        const dsc_progress *p = nullptr;
        dsc_status s = dsc_trainer_progress(get(), &p);
        return P::ret(detail::from_c(s), progress(p));
    }

private:
    struct callbacks {
        callback fn[2];
#if DESCENT_HPP_EXCEPTIONS
        std::exception_ptr thrown;
#endif
    };
    template <int I>
    static int trampoline(const dsc_progress *p, void *user) {
        callbacks *c = static_cast<callbacks *>(user);
#if DESCENT_HPP_EXCEPTIONS
        try {
            return c->fn[I](progress(p)) ? 1 : 0;
        } catch (...) {
            c->thrown = std::current_exception();
            return 1;
        }
#else
        return c->fn[I](progress(p)) ? 1 : 0;
#endif
    }
    V hook(int which, callback fn) noexcept(nx) {
        if (!cbs_) cbs_.reset(new (std::nothrow) callbacks());
        if (!cbs_) return P::ret({DSC_E_NOMEM, "descent::trainer: no memory for a callback"});
        bool on = static_cast<bool>(fn);
        cbs_->fn[which] = std::move(fn);
        dsc_status s = which == 0
            ? dsc_trainer_set_step_callback(get(), on ? &trampoline<0> : nullptr, cbs_.get())
            : dsc_trainer_set_epoch_callback(get(), on ? &trampoline<1> : nullptr, cbs_.get());
        return P::ret(detail::from_c(s));
    }
    std::unique_ptr<callbacks> cbs_;
};

/** @brief dsc_model_evaluate(): {mean loss, accuracy (NaN for targets)}. */
template <class P>
typename P::template R<std::pair<double, double>> evaluate(basic_model<P> &m, basic_loss<P> &l,
                                                           const basic_dataset<P> &ds) noexcept(P::is_noexcept) {
    std::pair<double, double> r{0, 0};
    dsc_status s = dsc_model_evaluate(m.get(), l.get(), ds.get(), &r.first, &r.second);
    return P::ret(detail::from_c(s), std::move(r));
}

#ifdef DESCENT_EXPERIMENTAL_API
/** @brief dsc_checkpoint_save() (experimental tier); pass nullptr for parts left out. */
inline dsc_status checkpoint_save(const char *path, const dsc_model *m, const dsc_optimizer *o,
                                  const dsc_lr_scheduler *s, const dsc_trainer *t) noexcept {
    return dsc_checkpoint_save(path, m, o, s, t);
}
#endif

/** The `noexcept` variant: calls return ::dsc_status or descent::result. */
namespace nothrow {
using model = basic_model<detail::nothrow_policy>;               /**< noexcept ::dsc_model. */
using loss = basic_loss<detail::nothrow_policy>;                 /**< noexcept ::dsc_loss. */
using optimizer = basic_optimizer<detail::nothrow_policy>;       /**< noexcept ::dsc_optimizer. */
using lr_scheduler = basic_lr_scheduler<detail::nothrow_policy>; /**< noexcept ::dsc_lr_scheduler. */
using dataset = basic_dataset<detail::nothrow_policy>;           /**< noexcept ::dsc_dataset. */
using trainer = basic_trainer<detail::nothrow_policy>;           /**< noexcept ::dsc_trainer. */
} // namespace nothrow

#if DESCENT_HPP_EXCEPTIONS
using model = basic_model<detail::throw_policy>;                 /**< ::dsc_model; throws descent::error. */
using loss = basic_loss<detail::throw_policy>;                   /**< ::dsc_loss; throws descent::error. */
using optimizer = basic_optimizer<detail::throw_policy>;         /**< ::dsc_optimizer; throws descent::error. */
using lr_scheduler = basic_lr_scheduler<detail::throw_policy>;   /**< ::dsc_lr_scheduler; throws descent::error. */
using dataset = basic_dataset<detail::throw_policy>;             /**< ::dsc_dataset; throws descent::error. */
using trainer = basic_trainer<detail::throw_policy>;             /**< ::dsc_trainer; throws descent::error. */
#endif

} // namespace descent

#endif /* DESCENT_HPP */
