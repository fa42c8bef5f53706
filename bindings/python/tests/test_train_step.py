"""Sequential.train_step (dsc_model_train_step) against the separate calls:
the same parameters, bit for bit, for float targets and class labels, and a
refused step that changes nothing."""
import numpy as np
import pytest

import descent


def model():
    return descent.Sequential(descent.Linear(4, 8), descent.Tanh(), descent.Dropout(0.2, seed=3),
                              descent.Linear(8, 3)).build(5)


def batches(seed, n=4):
    r = np.random.default_rng(seed)
    for _ in range(n):
        yield (r.standard_normal((5, 4)).astype(np.float32),
               r.standard_normal((5, 3)).astype(np.float32), r.integers(0, 3, 5))


@pytest.mark.parametrize("opt_cls,kw", [(descent.SGD, {"lr": 0.1, "momentum": 0.9}),
                                        (descent.Adam, {"lr": 0.01, "weight_decay": 0.01}),
                                        (descent.Rprop, {"lr": 0.01})])
@pytest.mark.parametrize("labels", [False, True])
def test_train_step_matches_separate_calls(opt_cls, kw, labels):
    a, b = model(), model()
    oa, ob = opt_cls(a.parameters(), **kw), opt_cls(b.parameters(), **kw)
    la = descent.CrossEntropyLoss() if labels else descent.MSELoss()
    lb = descent.CrossEntropyLoss() if labels else descent.MSELoss()
    for x, t, lab in batches(1):
        target = lab if labels else t
        a.zero_grad()
        va = la(a(x), target)
        a.backward(la.backward())
        oa.step()
        vb = b.train_step(x, target, lb, ob)
        assert va == vb
        assert np.array_equal(a.params.view(np.uint32), b.params.view(np.uint32))
        assert np.array_equal(a.grads.view(np.uint32), b.grads.view(np.uint32))
    # the loss remembers the step's batch
    assert lb.backward().shape == (5, 3)


def test_train_step_refuses_and_checks():
    m = model()
    opt = descent.SGD(m.parameters(), lr=0.1)
    x, t, _ = next(batches(2))
    with pytest.raises(TypeError):
        m.train_step(x, t, "mse", opt)
    with pytest.raises(descent.ShapeError):
        m.train_step(x, t[:, :2], descent.MSELoss(), opt)
    other = descent.SGD(model().parameters(), lr=0.1)
    before = m.params.copy()
    with pytest.raises(descent.ArgumentError):
        m.train_step(x, t, descent.MSELoss(), other)
    x = x.copy()
    x[0, 0] = np.nan
    with pytest.raises(descent.NonFiniteError):
        m.train_step(x, t, descent.MSELoss(), opt)
    assert np.array_equal(m.params, before)
