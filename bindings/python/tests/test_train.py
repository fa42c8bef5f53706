"""End to end: a small network learns XOR."""

import array

import pytest

import descent

X = [[0, 0], [0, 1], [1, 0], [1, 1]]
Y = [[0], [1], [1], [0]]


def train_xor(opt_cls, steps, **kw):
    model = descent.Sequential(descent.Linear(2, 8), descent.Tanh(), descent.Linear(8, 1))
    model.build(4)
    model.init("xavier_uniform", "zeros", seed=3)
    loss_fn = descent.MSELoss()
    opt = opt_cls(model.parameters(), **kw)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        y = model(X)
        losses.append(loss_fn(y, Y))
        model.backward(loss_fn.backward())
        opt.step()
    return model, losses


def test_xor_adam():
    model, losses = train_xor(descent.Adam, 500, lr=0.05)
    assert losses[-1] < 0.01 < losses[0]
    pred = model.predict(X)
    flat = [float(v) for row in (pred.tolist() if hasattr(pred, "tolist") else [pred]) for v in
            (row if isinstance(row, list) else [row])]
    assert [round(v) for v in flat] == [0, 1, 1, 0]


def test_xor_sgd_with_schedule():
    model = descent.Sequential(descent.Linear(2, 8), descent.Tanh(), descent.Linear(8, 1))
    model.build(4).init("xavier_uniform", "zeros", seed=1)
    opt = descent.SGD(model.parameters(), lr=0.5, momentum=0.9)
    sched = descent.CosineAnnealingLR(opt, T_max=400)
    loss_fn = descent.MSELoss()
    for _ in range(400):
        opt.zero_grad()
        value = loss_fn(model(X), Y)
        model.backward(loss_fn.backward())
        opt.step()
        sched.step()
    assert value < 0.02
    assert sched.last_epoch == 400


def test_xor_classification_cross_entropy():
    model = descent.Sequential(descent.Linear(2, 16), descent.ReLU(), descent.Linear(16, 2))
    model.build(4).init("kaiming_uniform", "zeros", seed=2)
    opt = descent.AdamW(model.parameters(), lr=0.05)
    ce = descent.CrossEntropyLoss()
    labels = [0, 1, 1, 0]
    for _ in range(300):
        opt.zero_grad()
        logits = model(X)
        ce(logits, labels)
        model.backward(ce.backward())
        opt.step()
    assert descent.accuracy(model.predict(X), labels) == 1.0


def test_host_arrays_quadratic():
    # Minimise sum((p - 3)^2) on the host's own arrays, updated in place.
    p = array.array("f", [0.0, 10.0])
    g = array.array("f", [0.0, 0.0])
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1, momentum=0.5)
    for _ in range(100):
        for i in range(2):
            g[i] = 2 * (p[i] - 3)
        opt.step()
    assert p[0] == pytest.approx(3, abs=1e-3) and p[1] == pytest.approx(3, abs=1e-3)


def test_optimizer_before_first_forward_builds_for_default_batch():
    model = descent.Sequential(descent.Linear(2, 3), descent.ReLU(), descent.Linear(3, 1))
    opt = descent.Adam(model.parameters(), lr=0.01)   # needs the buffers: implicit build
    assert model.max_batch == descent.Sequential.DEFAULT_MAX_BATCH
    model(X)
    opt.step()
    big = descent.Sequential(descent.Linear(2, 1))
    big([[0.0, 0.0]] * 300)
    assert big.max_batch == 300


def test_loss_parameters():
    # Huber's delta (> 0) and smooth L1's beta (>= 0) are separate keys.
    assert descent.HuberLoss(delta=0.5).delta == 0.5
    assert descent.SmoothL1Loss(beta=0.0).beta == 0.0
    assert descent.HuberLoss.default("delta") == 1.0
    assert descent.SmoothL1Loss.default("beta") == 1.0
    lo, hi = descent.HuberLoss.bounds("delta")
    assert 0.0 < lo < 1e-300 and hi > 1e300
    assert descent.SmoothL1Loss.bounds("beta")[0] == 0.0
    with pytest.raises(descent.ArgumentError):
        descent.HuberLoss(delta=0.0)
    with pytest.raises(descent.ArgumentError):
        descent.SmoothL1Loss(beta=-1.0)
    with pytest.raises(descent.UnsupportedError):
        descent.SmoothL1Loss.bounds("delta")
    with pytest.raises(descent.UnsupportedError):
        descent.HuberLoss.default("beta")
    with pytest.raises(descent.UnsupportedError):
        descent.MSELoss.bounds("delta")
    # smooth L1 with beta = 0 is the L1 loss
    y, t = [[0.5, -2.0, 3.0]], [[1.0, 1.0, 1.0]]
    assert descent.SmoothL1Loss(beta=0.0)(y, t) == pytest.approx(descent.L1Loss()(y, t))

