// include/descent.hpp: a training loop through the C++ layer, errors as
// exceptions and as statuses, move-only handles. tests/check_cxx.sh compiles
// it with g++ and clang++ (-std=c++17 -Wall -Wextra -pedantic -Werror), once
// with exceptions and once with -fno-exceptions (then only the noexcept
// variant exists), and runs each binary.
#define DESCENT_EXPERIMENTAL_API
#include <descent.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <type_traits>
#include <vector>

static int failures = 0;
#define EXPECT(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            std::printf("%s:%d: expected %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                                \
        }                                                                              \
    } while (0)
#define FAIL(what) (std::printf("%s:%d: %s\n", __FILE__, __LINE__, what), failures++)

namespace nt = descent::nothrow;

// Handles own their C object: not copyable, movable, and a moved-from handle is empty.
static_assert(!std::is_copy_constructible<nt::model>::value, "handles are move-only");
static_assert(!std::is_copy_assignable<nt::optimizer>::value, "handles are move-only");
static_assert(std::is_nothrow_move_constructible<nt::trainer>::value, "moves cannot throw");
// The noexcept variant is noexcept.
static_assert(noexcept(std::declval<nt::optimizer &>().step()), "nothrow::optimizer::step");
static_assert(noexcept(nt::model::create(1)), "nothrow::model::create");
static_assert(std::is_same<decltype(std::declval<nt::optimizer &>().step()), dsc_status>::value,
              "a noexcept call computing nothing returns the status");

// y = 2 x0 - x1 + 0.5 on a grid: a regression a 2-8-1 network learns to a small loss.
static void make_data(std::vector<float> &x, std::vector<float> &t) {
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            float a = static_cast<float>(i) / 7.0f, b = static_cast<float>(j) / 7.0f;
            x.push_back(a);
            x.push_back(b);
            t.push_back(2.0f * a - b + 0.5f);
        }
}

// The hand-written loop through the noexcept variant: what a real-time host writes.
static void test_nothrow_loop() {
    std::vector<float> x, t;
    make_data(x, t);
    auto m = nt::model::create(2);
    EXPECT(m.status == DSC_OK);
    EXPECT(m.value.add_dense(8) == DSC_OK);
    EXPECT(m.value.add_activation(DSC_ACTIVATION_TANH) == DSC_OK);
    EXPECT(m.value.add_dense(1) == DSC_OK);
    EXPECT(m.value.build(64) == DSC_OK);
    EXPECT(m.value.init(DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 1) == DSC_OK);
    EXPECT(m.value.param_count().value == 2 * 8 + 8 + 8 + 1);
    EXPECT(m.value.params().value.size() == 33);
    auto loss = nt::loss::create(DSC_LOSS_MSE);
    auto opt = nt::optimizer::create(DSC_OPTIMIZER_ADAM);
    EXPECT(loss && opt);
    EXPECT(opt.value.set(DSC_OPTIMIZER_PARAM_LR, 0.03) == DSC_OK);
    EXPECT(opt.value.add_model(m.value).value == 0);
    std::vector<float> dy(64);
    double first = 0, last = 0;
    for (int step = 0; step < 600; step++) {
        EXPECT(m.value.zero_grad() == DSC_OK);
        auto y = m.value.forward(x);
        EXPECT(y.status == DSC_OK && y.value.size() == 64);
        auto l = loss.value.forward(y.value, t, 1);
        if (step == 0) first = l.value;
        last = l.value;
        EXPECT(loss.value.backward(dy) == DSC_OK);
        EXPECT(m.value.backward(dy) == DSC_OK);
        EXPECT(opt.value.step() == DSC_OK);
    }
    std::printf("nothrow loop: loss %.5f -> %.5f\n", first, last);
    EXPECT(last < 0.005 && last < first / 20);

    // A failure is a status and a message; nothing is thrown, nothing changes.
    auto bad = nt::model::create(0);
    EXPECT(bad.status == DSC_E_ARG && !bad.value && std::strstr(bad.message, "dsc_model_new"));
    EXPECT(opt.value.set(DSC_OPTIMIZER_PARAM_LR, -1.0) == DSC_E_ARG);
    EXPECT(opt.value.get_param(DSC_OPTIMIZER_PARAM_LR).value == 0.03);
    // A size mismatch the wrapper finds itself: DSC_E_SHAPE with its own sentence.
    float three[3] = {1, 2, 3};
    auto y = m.value.forward(three);
    EXPECT(y.status == DSC_E_SHAPE && std::strstr(y.message, "whole rows") && y.value.empty());
    // A NaN gradient: the step is refused, the parameters are untouched.
    std::vector<float> before(m.value.params().value.begin(), m.value.params().value.end());
    m.value.grads().value[0] = NAN;
    EXPECT(opt.value.step() == DSC_E_NONFINITE);
    EXPECT(opt.value.refused_steps().value == 1);
    EXPECT(std::memcmp(before.data(), m.value.params().value.data(), before.size() * 4) == 0);

    // Moves transfer ownership; the moved-from handle is empty and safe to destroy.
    nt::model moved = std::move(m.value);
    EXPECT(moved && !m.value);
    EXPECT(moved.param_count().value == 33);
    dsc_model *raw = moved.release();
    EXPECT(raw != nullptr && !moved);
    dsc_model_free(raw);

    // Schedulers: a container takes its children over.
    float p[2] = {0, 0}, g[2] = {1, 1};
    auto o2 = nt::optimizer::create(DSC_OPTIMIZER_SGD);
    EXPECT(o2.value.set(DSC_OPTIMIZER_PARAM_LR, 1.0) == DSC_OK);
    EXPECT(o2.value.add_params(p, g).value == 0);
    EXPECT(o2.value.add_params(descent::span<float>(p, 2), descent::span<float>(g, 1)).status == DSC_E_SHAPE);
    auto seq = nt::lr_scheduler::create(DSC_SCHED_SEQUENTIAL, o2.value);
    auto warm = nt::lr_scheduler::create(DSC_SCHED_CONSTANT_LR, o2.value);
    auto decay = nt::lr_scheduler::create(DSC_SCHED_EXPONENTIAL, o2.value);
    EXPECT(decay.value.set(DSC_SCHED_PARAM_GAMMA, 0.5) == DSC_OK);
    EXPECT(seq.value.add_child(std::move(warm.value)) == DSC_OK && !warm.value);
    EXPECT(seq.value.add_child(std::move(decay.value)) == DSC_OK);
    const std::int64_t at[] = {2};
    EXPECT(seq.value.set_milestones(at) == DSC_OK);
    EXPECT(seq.value.start() == DSC_OK);
    for (int i = 0; i < 4; i++) EXPECT(seq.value.step() == DSC_OK);
    // ConstantLR (1/3) for 2 steps, then ExponentialLR from 1.0: 1, 0.5, ... after 4 steps 0.25
    EXPECT(std::fabs(seq.value.lr().value - 0.25) < 1e-12);
}

#if DESCENT_HPP_EXCEPTIONS
// The throwing variant with the trainer, a callback, and checkpoint round trip.
static void test_throwing_trainer() {
    std::vector<float> x, t;
    make_data(x, t);
    descent::model m(2);
    m.add_dense(8);
    m.add_activation(DSC_ACTIVATION_TANH);
    m.add_dense(1);
    m.build(16);
    m.init(DSC_INIT_XAVIER_UNIFORM, DSC_INIT_ZEROS, 2);
    descent::loss loss(DSC_LOSS_MSE);
    descent::optimizer opt(DSC_OPTIMIZER_ADAM);
    opt.set(DSC_OPTIMIZER_PARAM_LR, 0.02);
    opt.add_model(m);
    descent::dataset data = descent::dataset::from_targets(x, t, 2, 1);
    EXPECT(data.count() == 64 && data.features() == 2 && data.outputs() == 1);
    descent::lr_scheduler sched(DSC_SCHED_COSINE, opt);
    sched.set(DSC_SCHED_PARAM_T_MAX, 150);
    descent::trainer tr(m, loss, opt, data);
    tr.set(DSC_TRAINER_PARAM_BATCH_SIZE, 16);
    tr.set(DSC_TRAINER_PARAM_EPOCHS, 150);
    tr.set_scheduler(sched, DSC_STEP_PER_EPOCH);
    int epochs = 0;
    tr.on_epoch([&](const descent::progress &) { return ++epochs == 1000; });
    tr.run();
    auto [value, accuracy] = descent::evaluate(m, loss, data);
    std::printf("trainer: %d epochs, loss %.5f, accuracy %g (NaN for targets)\n", epochs, value,
                accuracy);
    EXPECT(epochs == 150 && value < 0.005 && std::isnan(accuracy));
    EXPECT(tr.get_progress().get(DSC_PROGRESS_EPOCH) == 150);

    // Errors: descent::error with the status and the library's message.
    try {
        descent::model bad(0);
        FAIL("model(0) did not throw");
    } catch (const descent::error &e) {
        EXPECT(e.status() == DSC_E_ARG);
        EXPECT(std::strstr(e.what(), "DSC_E_ARG: dsc_model_new") == e.what());
    }
    try {
        opt.set(DSC_OPTIMIZER_PARAM_BETA1, 1.5);
        FAIL("beta1 = 1.5 did not throw");
    } catch (const descent::error &e) {
        EXPECT(e.status() == DSC_E_ARG && std::strstr(e.what(), "[0, 1)"));
    }
    // An exception thrown by a callback stops training and comes out of run().
    struct stop_here {};
    tr.on_step([](const descent::progress &) -> bool { throw stop_here(); });
    bool caught = false;
    try {
        tr.run();
    } catch (const stop_here &) {
        caught = true;
    }
    EXPECT(caught);
    tr.on_step(nullptr);

    // Model files: save, load into a new model, same predictions.
    const char *path = "cxx_wrapper_model.safetensors";
    m.save(path);
    descent::model back = descent::model::load(path, 64);
    std::vector<float> y1(64), y2(64);
    m.predict(x, y1);
    back.predict(x, y2);
    EXPECT(std::memcmp(y1.data(), y2.data(), sizeof(float) * 64) == 0);
    std::remove(path);
    try {
        descent::model::load("no/such/file.safetensors", 4);
        FAIL("loading a missing file did not throw");
    } catch (const descent::error &e) {
        EXPECT(e.status() == DSC_E_IO);
    }
}
#endif

int main() {
    test_nothrow_loop();
#if DESCENT_HPP_EXCEPTIONS
    test_throwing_trainer();
    std::printf("descent.hpp: both variants (exceptions on)\n");
#else
    std::printf("descent.hpp: the noexcept variant (built without exceptions)\n");
#endif
    if (failures) std::printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
