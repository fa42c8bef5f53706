"""Shapes and argument types (issue 12, defect 2): arrays are checked by
shape, not by element count, and every public constructor and setter checks
its arguments when it is called: real numbers are not None, str or bool,
integers are not floats or bools, negative integers are not wrapped by
size_t, and an argument out of range is refused when the object is made."""

import array
import math

import pytest

import descent


def host(n=2):
    return [descent.Parameter(array.array("f", [1.0] * n))]


def sgd(**kw):
    return descent.SGD(host(), lr=0.1, **kw)


def model(*widths):
    widths = widths or (2, 1)
    layers = []
    for i in range(len(widths) - 1):
        layers += [descent.Linear(widths[i], widths[i + 1]), descent.Tanh()]
    return descent.Sequential(*layers[:-1]).build(8)


# ---- shapes ---------------------------------------------------------------------
def test_forward_checks_the_shape_not_the_count(np):
    m = descent.Sequential(descent.Linear(2, 1))
    with pytest.raises(descent.ShapeError, match=r"input has shape \(4, 3\); the model takes "
                                                 r"\[batch, 2\]"):
        m(np.zeros((4, 3)))                   # 12 values: 6 rows of 2, before
    for bad in (np.zeros(8), np.zeros((2, 2, 2)), np.zeros((4, 1)), 3.0, np.zeros((1, 2, 1))):
        with pytest.raises(descent.ShapeError):
            m(bad)
        with pytest.raises(descent.ShapeError):
            m.predict(bad)
    assert m(np.zeros((4, 2))).shape == (4, 1)
    one = m(np.array([1.0, 2.0]))             # one sample [in] -> [out], as torch's Linear
    assert one.shape == (1,) and one[0] == m(np.array([[1.0, 2.0]]))[0, 0]
    assert m.predict([1.0, 2.0]).shape == (1,) and m.predict([[1.0, 2.0]] * 3).shape == (3, 1)


def test_inputs_must_be_numbers(np):
    m = model()
    for bad, exc in ((None, TypeError), ("ab", TypeError), (np.array([[True, False]]), TypeError),
                     (np.array([[1 + 1j, 2]]), TypeError), ([[None, 1.0]], TypeError),
                     ([[1.0], [2.0, 3.0]], descent.ArgumentError)):
        with pytest.raises(exc):
            m(bad)
    assert m(np.array([[1, 2]], dtype=np.int64)).shape == (1, 1)     # ints convert


def test_backward_checks_the_forward_output_shape(np):
    m = model(2, 3)
    m(np.zeros((4, 2)))
    for bad in (np.zeros(12), np.zeros((3, 4)), np.zeros((4, 3, 1)), np.zeros((2, 3))):
        with pytest.raises(descent.ShapeError, match="last forward's output has shape"):
            m.backward(bad)
    m.backward(np.zeros((4, 3)))
    m(np.zeros(2))
    m.backward(np.zeros(3))
    with pytest.raises(descent.ShapeError):
        m.backward(np.zeros((1, 3)))
    fresh = model(2, 3)
    with pytest.raises(descent.ShapeError, match=r"\[batch, 3\]"):
        fresh.backward(np.zeros(6))
    with pytest.raises(descent.StateError):
        fresh.backward(np.zeros((2, 3)))      # no forward: the library says so


def test_losses_check_shapes_and_label_types(np):
    mse = descent.MSELoss()
    with pytest.raises(descent.ShapeError, match=r"target has shape \(4,\), the input \(4, 1\)"):
        mse(np.zeros((4, 1)), np.zeros(4))    # torch would broadcast to [4, 4]
    with pytest.raises(descent.ShapeError):
        mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(descent.ShapeError):
        mse(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    assert mse(np.ones(3), np.zeros(3)) == 1.0
    assert mse.backward().shape == (3,)       # the input's shape
    mse(np.ones((2, 3)), np.zeros((2, 3)))
    assert mse.backward().shape == (2, 3)
    ce = descent.CrossEntropyLoss()
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    with pytest.raises(TypeError, match="integers"):
        ce(logits, np.array([0.0, 1.0]))      # whole floats too
    with pytest.raises(TypeError, match="integers"):
        ce(logits, np.array([True, False]))
    with pytest.raises(TypeError):
        ce(logits, None)
    with pytest.raises(descent.ShapeError, match=r"target has shape \(2, 1\)"):
        ce(logits, np.array([[0], [1]]))
    with pytest.raises(descent.ShapeError, match=r"\(3,\)"):
        ce(logits, [0, 1, 2])
    with pytest.raises(descent.ArgumentError, match="32-bit"):
        ce(logits, np.array([0, 2 ** 32 + 1]))   # would wrap to 1
    both = ce(logits, np.array([0, 1], dtype=np.uint8))
    row = ce(logits[:1], [0])
    first = ce(logits[0], 0)                  # one sample: [classes] and one integer
    assert first == pytest.approx(row) and both > 0
    assert ce.backward().shape == (3,)
    with pytest.raises(descent.ShapeError):
        ce(logits[0], [0])
    assert descent.accuracy(logits, [0, 1]) == 1.0
    with pytest.raises(TypeError):
        descent.accuracy(logits, [0.0, 1.0])
    with pytest.raises(descent.ShapeError):
        descent.accuracy(logits, [0, 1, 1])
    with pytest.raises(descent.ShapeError):
        descent.accuracy(logits.reshape(-1), [0, 1])


def test_weights_by_shape(np):
    m = model(3, 2)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    m.set_weight(0, w)
    assert (m.get_weight(0) == w).all()
    m.set_weight(0, w.reshape(-1))            # a flat row-major sequence of out*in
    with pytest.raises(descent.ShapeError, match=r"weight has shape \(2, 3\).*got shape \(3, 2\)"):
        m.set_weight(0, w.T)                  # the transpose: same count, wrong layout
    with pytest.raises(descent.ShapeError):
        m.set_bias(0, np.zeros((1, 2)))
    with pytest.raises(descent.ShapeError):
        m.set_bias(0, np.zeros(3))
    sd = m.state_dict()
    with pytest.raises(descent.ArgumentError, match="missing key"):
        m.load_state_dict({"0.weight": w})
    m.load_state_dict({"0.weight": w * 2}, strict=False)
    assert (m.get_weight(0) == w * 2).all()
    with pytest.raises(descent.ArgumentError, match="unexpected key"):
        m.load_state_dict(dict(sd, **{"1.weight": w}))
    with pytest.raises(descent.ShapeError):
        m.load_state_dict({"0.weight": w, "0.bias": np.zeros(3)})
    assert (m.get_weight(0) == w * 2).all()   # nothing was written
    m.load_state_dict(sd)
    assert (m.get_weight(0) == w).all()


# ---- arguments: (callable, exception, message) ------------------------------------
def _layer_cases():
    return [
        ("Linear float", lambda: descent.Linear(2.5, 4), TypeError, "integer, not float 2.5"),
        ("Linear whole float", lambda: descent.Linear(2.0, 4), TypeError, "integer"),
        ("Linear negative", lambda: descent.Linear(-1, 3), descent.ArgumentError,
         "in_features is -1, which is negative"),
        ("Linear negative out", lambda: descent.Linear(3, -2), descent.ArgumentError, "negative"),
        ("Linear bool", lambda: descent.Linear(True, 3), TypeError, "not bool"),
        ("Linear str", lambda: descent.Linear("2", 3), TypeError, "not str"),
        ("Linear None", lambda: descent.Linear(None, 3), TypeError, "not None"),
        ("Linear huge", lambda: descent.Linear(2, 2 ** 64), descent.ArgumentError, "<="),
        ("Linear bias int", lambda: descent.Linear(2, 3, bias=1), TypeError, "True or False"),
        ("Dropout None", lambda: descent.Dropout(None), TypeError, "real number"),
        ("Dropout str", lambda: descent.Dropout("0.5"), TypeError, "real number"),
        ("Dropout range", lambda: descent.Dropout(1.5), descent.ArgumentError, "p is 1.5"),
        ("Dropout seed negative", lambda: descent.Dropout(0.1, seed=-1), descent.ArgumentError,
         "negative"),
        ("Dropout seed float", lambda: descent.Dropout(0.1, seed=1.0), TypeError, "integer"),
        ("LeakyReLU str", lambda: descent.LeakyReLU("0.1"), TypeError, "real number"),
        ("LeakyReLU inf", lambda: descent.LeakyReLU(math.inf), descent.ArgumentError, ""),
        ("ReLU inplace", lambda: descent.ReLU(inplace=1), TypeError, "True or False"),
        ("GELU None", lambda: descent.GELU(None), TypeError, "string"),
        ("GELU sigmoid", lambda: descent.GELU("sigmoid"), descent.ArgumentError, "not supported"),
        ("Softmax dim", lambda: descent.Softmax(dim=0), descent.ArgumentError, "feature axis"),
        ("Softmax dim float", lambda: descent.Softmax(dim=1.0), TypeError, "integer"),
        ("Sequential non-layer", lambda: descent.Sequential(descent.Linear(2, 2), 3), TypeError,
         "layer 1 is int"),
        ("Sequential input_width", lambda: descent.Sequential(descent.Tanh(), input_width=-2),
         descent.ArgumentError, "negative"),
        ("Sequential max_batch", lambda: descent.Sequential(descent.Linear(2, 2), max_batch=0),
         descent.ArgumentError, ">= 1"),
        ("build float", lambda: descent.Sequential(descent.Linear(2, 2)).build(2.0), TypeError,
         "integer"),
        ("build negative", lambda: descent.Sequential(descent.Linear(2, 2)).build(-1),
         descent.ArgumentError, "negative"),
        ("init seed", lambda: model().init(seed=-1), descent.ArgumentError, "negative"),
        ("init name", lambda: model().init(weight="he"), descent.ArgumentError, "'he'"),
        ("init bool", lambda: model().init(weight=True), TypeError, "one of"),
        ("train str", lambda: model().train("no"), TypeError, "True or False"),
        ("get_weight negative", lambda: model().get_weight(-1), descent.ArgumentError, "negative"),
        ("get_weight float", lambda: model().get_weight(0.0), TypeError, "integer"),
        ("get_bias of an activation", lambda: model(2, 2, 1).get_bias(1), descent.ArgumentError,
         "not a Linear"),
        ("layer_info negative", lambda: model().layer_info(-1), descent.ArgumentError, "negative"),
        ("loss reduction", lambda: descent.MSELoss(reduction="sum"), descent.ArgumentError, "'sum'"),
        ("loss reduction None", lambda: descent.L1Loss(reduction=None), TypeError, "string"),
        ("Huber delta None", lambda: descent.HuberLoss(delta=None), TypeError, "real number"),
        ("Huber delta bool", lambda: descent.HuberLoss(delta=True), TypeError, "not bool"),
        ("SmoothL1 beta str", lambda: descent.SmoothL1Loss(beta="1"), TypeError, "real number"),
    ]


def _optimizer_cases():
    cases = []
    for cls in descent.optim.BY_NAME.values():
        n = cls.__name__
        cases += [
            (n + " lr None", lambda cls=cls: cls(host(), lr=None), TypeError,
             "lr must be a real number, not None"),
            (n + " lr str", lambda cls=cls: cls(host(), lr="0.1"), TypeError, "real number"),
            (n + " lr bool", lambda cls=cls: cls(host(), lr=True), TypeError, "not bool"),
            (n + " weight_decay None", lambda cls=cls: cls(host(), weight_decay=None), TypeError,
             "weight_decay"),
            (n + " maximize int", lambda cls=cls: cls(host(), maximize=1), TypeError,
             "True or False"),
            (n + " lr negative", lambda cls=cls: cls(host(), lr=-0.5), descent.ArgumentError,
             "lr is -0.5"),
        ]
    cases += [
        ("SGD momentum None", lambda: sgd(momentum=None), TypeError, "momentum"),
        ("SGD nesterov int", lambda: sgd(momentum=0.9, nesterov=1), TypeError, "True or False"),
        ("Adam betas None", lambda: descent.Adam(host(), betas=None), TypeError, "pair"),
        ("Adam betas short", lambda: descent.Adam(host(), betas=(0.9,)), descent.ArgumentError,
         "pair"),
        ("Adam betas str", lambda: descent.Adam(host(), betas=(0.9, "0.99")), TypeError,
         r"betas\[1\]"),
        ("Adam amsgrad str", lambda: descent.Adam(host(), amsgrad="yes"), TypeError,
         "True or False"),
        ("RMSprop centered None", lambda: descent.RMSprop(host(), centered=None), TypeError,
         "True or False"),
        ("fused", lambda: descent.Adam(host(), fused=True), descent.ArgumentError, "not supported"),
        ("set None", lambda: sgd().set("lr", None), TypeError, "real number"),
        ("set unknown", lambda: sgd().set("learning_rate", 0.1), descent.ArgumentError,
         "unknown hyperparameter"),
        ("group lr None", lambda: sgd().param_groups[0].__setitem__("lr", None), TypeError,
         "real number"),
        ("group betas", lambda: descent.Adam(host()).param_groups[0].__setitem__("betas", 0.9),
         TypeError, "pair"),
        ("group params", lambda: sgd().param_groups[0].__setitem__("params", []),
         descent.ArgumentError, "cannot change"),
        ("bounds unknown", lambda: descent.Optimizer.bounds(descent.OptimizerKind.SGD, "x"),
         descent.ArgumentError, "unknown hyperparameter"),
    ]
    return cases


def _scheduler_cases():
    return [
        ("StepLR float", lambda: descent.StepLR(sgd(), step_size=2.0), TypeError, "integer"),
        ("StepLR None", lambda: descent.StepLR(sgd(), step_size=None), TypeError, "not None"),
        ("StepLR bool", lambda: descent.StepLR(sgd(), step_size=True), TypeError, "not bool"),
        ("StepLR gamma str", lambda: descent.StepLR(sgd(), step_size=2, gamma="0.5"), TypeError,
         "gamma must be a real number"),
        ("StepLR gamma None", lambda: descent.StepLR(sgd(), step_size=2, gamma=None), TypeError,
         "gamma"),
        ("StepLR negative", lambda: descent.StepLR(sgd(), step_size=-3), descent.ArgumentError,
         "step_size is -3"),
        ("StepLR optimizer", lambda: descent.StepLR("sgd", step_size=2), TypeError,
         "optimizer must be a descent optimizer"),
        ("last_epoch str", lambda: descent.StepLR(sgd(), step_size=2, last_epoch="0"), TypeError,
         "integer"),
        ("MultiStepLR float", lambda: descent.MultiStepLR(sgd(), milestones=[1.5]), TypeError,
         r"milestones\[0\]"),
        ("MultiStepLR int", lambda: descent.MultiStepLR(sgd(), milestones=3), TypeError, "list"),
        ("CosineAnnealingLR None", lambda: descent.CosineAnnealingLR(sgd(), T_max=None), TypeError,
         "T_max"),
        ("CosineAnnealingLR eta_min str", lambda: descent.CosineAnnealingLR(sgd(), T_max=5,
                                                                             eta_min="0"),
         TypeError, "eta_min"),
        ("WarmRestarts T_mult float", lambda: descent.CosineAnnealingWarmRestarts(sgd(), T_0=2,
                                                                                   T_mult=1.5),
         TypeError, "T_mult"),
        ("LinearLR total_iters float", lambda: descent.LinearLR(sgd(), total_iters=4.0),
         TypeError, "total_iters"),
        ("OneCycleLR list length", lambda: descent.OneCycleLR(sgd(), max_lr=[0.1, 0.2],
                                                              total_steps=5),
         descent.ArgumentError, "2 values of max_lr for 1 parameter groups"),
        ("OneCycleLR three_phase int", lambda: descent.OneCycleLR(sgd(), max_lr=1.0, total_steps=5,
                                                                  three_phase=1),
         TypeError, "True or False"),
        ("OneCycleLR anneal int", lambda: descent.OneCycleLR(sgd(), max_lr=1.0, total_steps=5,
                                                             anneal_strategy=0),
         TypeError, "anneal_strategy"),
        ("OneCycleLR anneal name", lambda: descent.OneCycleLR(sgd(), max_lr=1.0, total_steps=5,
                                                              anneal_strategy="cosine"),
         descent.ArgumentError, "'cos'"),
        ("OneCycleLR gamma list", lambda: descent.OneCycleLR(sgd(), max_lr=1.0, total_steps=5,
                                                             pct_start=[0.3]),
         TypeError, "pct_start"),
        ("CyclicLR mode None", lambda: descent.CyclicLR(sgd(), max_lr=1.0, mode=None), TypeError,
         "mode"),
        ("CyclicLR cycle_momentum int", lambda: descent.CyclicLR(sgd(momentum=0.9), max_lr=1.0,
                                                                 cycle_momentum=0),
         TypeError, "True or False"),
        ("Plateau patience float", lambda: descent.ReduceLROnPlateau(sgd(), patience=2.5),
         TypeError, "patience"),
        ("Plateau mode", lambda: descent.ReduceLROnPlateau(sgd(), mode="minimum"),
         descent.ArgumentError, "'min'"),
        ("Plateau min_lr None", lambda: descent.ReduceLROnPlateau(sgd(), min_lr=None), TypeError,
         "min_lr"),
        ("Plateau step str", lambda: descent.ReduceLROnPlateau(sgd()).step("1.0"), TypeError,
         "metrics"),
        ("LambdaLR not callable", lambda: descent.LambdaLR(sgd(), 0.5), TypeError, "callable"),
        ("InverseTimeDecay staircase", lambda: descent.InverseTimeDecay(sgd(), decay_steps=2,
                                                                         decay_rate=0.5,
                                                                         staircase="no"),
         TypeError, "True or False"),
        ("SequentialLR milestones", lambda: _seq(milestones=[1.0]), TypeError, "milestones"),
        ("SequentialLR schedulers", lambda: _seq(schedulers=[3]), TypeError, "not a scheduler"),
        ("ChainedScheduler", lambda: descent.ChainedScheduler(None), TypeError, "list"),
        ("get unknown", lambda: descent.StepLR(sgd(), step_size=2).get("gama"),
         descent.ArgumentError, "unknown scheduler setting"),
        ("load_state_dict None", lambda: descent.StepLR(sgd(), step_size=2).load_state_dict(
            [None]), TypeError, "real number"),
    ]


def _seq(milestones=(2,), schedulers=None):
    opt = sgd()
    if schedulers is None:
        schedulers = [descent.ConstantLR(opt, factor=0.5, total_iters=2),
                      descent.ExponentialLR(opt, gamma=0.9)]
    return descent.SequentialLR(opt, schedulers, milestones=list(milestones))


def _xor():
    m = descent.Sequential(descent.Linear(2, 4), descent.Tanh(), descent.Linear(4, 1)).build(4)
    ds = descent.Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], targets=[[0], [1], [1], [0]])
    return m, descent.MSELoss(), descent.Adam(m.parameters(), lr=0.01), ds


def _trainer(**kw):
    return descent.Trainer(*_xor(), **kw)


def _trainer_cases():
    return [
        ("batch_size float", lambda: _trainer(batch_size=2.5), TypeError, "batch_size"),
        ("epochs None", lambda: _trainer(epochs=None), TypeError, "epochs"),
        ("shuffle int", lambda: _trainer(shuffle=1), TypeError, "True or False"),
        ("stepping name", lambda: _trainer(sched_stepping="weekly"), descent.ArgumentError,
         "'epoch'"),
        ("min_delta str", lambda: _trainer(min_delta="0"), TypeError, "real number"),
        ("unknown setting", lambda: _trainer(batchsize=2), TypeError, "unknown trainer setting"),
        ("negative epochs", lambda: _trainer(epochs=-1), descent.ArgumentError, "epochs is -1"),
        ("model type", lambda: descent.Trainer("m", *_xor()[1:]), TypeError, "descent.Sequential"),
        ("loss type", lambda: descent.Trainer(_xor()[0], None, *_xor()[2:]), TypeError, "loss"),
        ("callback", lambda: _trainer(on_step=3), TypeError, "on_step must be callable"),
        ("fit float", lambda: _trainer().fit(epochs=1.5), TypeError, "integer"),
        ("set None", lambda: _trainer().set("patience", None), TypeError, "patience"),
        ("range test steps", lambda: _trainer().lr_range_test(steps=-1), descent.ArgumentError,
         "negative"),
        ("range test lr None", lambda: _trainer().lr_range_test(lr_min=None), TypeError, "lr_min"),
        ("search lrs", lambda: descent.Search("grid", lrs=[None]), TypeError, r"lrs\[0\]"),
        ("search batch negative", lambda: descent.Search("grid", batch_sizes=[-1]),
         descent.ArgumentError, "negative"),
        ("search schedule", lambda: descent.Search("grid", schedules=["linear"]),
         descent.ArgumentError, "'constant'"),
        ("search epochs float", lambda: descent.Search("grid", epochs=2.5), TypeError, "epochs"),
        ("search kind", lambda: descent.Search("grdi"), descent.ArgumentError, "'grid'"),
        ("evaluate", lambda: descent.evaluate(_xor()[0], "mse", _xor()[3]), TypeError, "loss"),
    ]


def _data_cases():
    x = [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]
    ds = lambda: descent.Dataset(x, targets=[[0.0], [1.0], [2.0], [3.0]])  # noqa: E731
    return [
        ("targets by count", lambda: descent.Dataset([[0.0] * 3] * 4, targets=[[0.0] * 6] * 2),
         descent.ShapeError, r"targets has shape \(2, 6\)"),
        ("labels float", lambda: descent.Dataset(x, labels=[0.0, 1.0, 1.0, 0.0]), TypeError,
         "integers"),
        ("labels length", lambda: descent.Dataset(x, labels=[0, 1, 1]), descent.ShapeError,
         r"labels has shape \(3,\)"),
        ("labels 2-D", lambda: descent.Dataset(x, labels=[[0], [1], [1], [0]]), descent.ShapeError,
         "labels"),
        ("classes float", lambda: descent.Dataset(x, labels=[0, 1, 1, 0], classes=2.0), TypeError,
         "classes"),
        ("copy int", lambda: descent.Dataset(x, labels=[0, 1, 1, 0], copy=0), TypeError,
         "True or False"),
        ("inputs None", lambda: descent.Dataset(None, labels=[0]), TypeError, "inputs"),
        ("subset negative", lambda: ds().subset([0, -1]), descent.ArgumentError, "negative"),
        ("gather float", lambda: ds().gather([0.0]), TypeError, "integer"),
        ("split seed", lambda: ds().split(0.5, seed=-1), descent.ArgumentError, "negative"),
        ("split fraction str", lambda: ds().split("0.5"), TypeError, "val_fraction"),
        ("scale None", lambda: ds().scale(None), TypeError, "divisor"),
        ("csv target", lambda: descent.Dataset.load_csv("x.csv", target=3), TypeError, "string"),
        ("csv path", lambda: descent.Dataset.load_csv(None), TypeError, "path"),
        ("idx classes", lambda: descent.Dataset.load_idx("a", "b", classes=None), TypeError,
         "classes"),
        ("tensor negative", lambda: descent.Tensor.zeros(-1, 2), descent.ArgumentError, "negative"),
        ("tensor float", lambda: descent.Tensor.zeros(2.0), TypeError, "integer"),
        ("tensor shape", lambda: descent.Tensor([1.0, 2.0], shape=(2.0,)), TypeError, "integer"),
        ("tensor fill", lambda: descent.Tensor.zeros(2).fill_(None), TypeError, "value"),
        ("tensor seed", lambda: descent.Tensor.zeros(2).uniform_(seed=-1), descent.ArgumentError,
         "negative"),
        ("set_isa", lambda: descent.set_isa(3), TypeError, "string"),
        ("isa_available", lambda: descent.isa_available(None), TypeError, "string"),
        ("flush None", lambda: descent.set_flush_denormals(None), TypeError, "integer"),
        ("flush str", lambda: descent.set_flush_denormals("no"), TypeError, "integer"),
    ]


CASES = _layer_cases() + _optimizer_cases() + _scheduler_cases() + _trainer_cases() + _data_cases()


@pytest.mark.parametrize("what, call, exc, match", CASES, ids=[c[0] for c in CASES])
def test_bad_argument_refused_at_the_call(what, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_numpy_scalars_are_numbers(np):
    assert descent.Linear(np.int64(2), np.uint8(3)).out_features == 3
    opt = descent.Adam(host(), lr=np.float32(0.5), betas=(np.float64(0.8), 0.9),
                       amsgrad=np.bool_(True))
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["amsgrad"] == 1.0
    descent.StepLR(opt, step_size=np.int32(2), gamma=np.array(0.5))
    descent.Dropout(np.float32(0.25), seed=np.uint64(7))
    opt.param_groups[0]["lr"] = np.float64(0.1)
    assert descent.SGD(host(), lr=1).param_groups[0]["lr"] == 1.0    # an int is a real number


def test_refused_scheduler_leaves_the_optimizer_alone():
    opt = sgd()
    for bad in (dict(step_size=2.0), dict(step_size=2, gamma="x"), dict(step_size=-1)):
        with pytest.raises((TypeError, ValueError)):
            descent.StepLR(opt, **bad)
        assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_left_out_is_not_none():
    # Arguments left out keep the defaults; None is refused where torch has a value.
    opt = sgd()
    s = descent.CyclicLR(opt, max_lr=1.0, step_size_down=None, base_lr=None)
    assert s.get("max_lr") == 1.0
    one = descent.OneCycleLR(opt, max_lr=1.0, total_steps=None, epochs=2, steps_per_epoch=5)
    assert one.get("epochs") == 2
    assert descent.Adam(host()).param_groups[0]["lr"] == 1e-3
