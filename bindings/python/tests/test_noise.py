"""The gradient noise scale from Python: Trainer(measure_noise=True), its
history, descent.noise_scale(trainer), and the NoiseScale estimator."""

import math

import numpy as np
import pytest

import descent

D = 16


def linear_setup(n=16384, seed=1):
    """y = w.x with |w - w*|^2 = 1, x ~ N(0, I): |G|^2 = 4, tr(Sigma) = 4 (D + 1)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, D)).astype(np.float32)
    ds = descent.Dataset(x, targets=np.zeros((n, 1), np.float32))
    model = descent.Sequential(descent.Linear(D, 1, bias=False))
    model.build(64)
    model.parameters()[0].data[:] = 1.0 / math.sqrt(D)
    return model, descent.MSELoss(), descent.SGD(model.parameters(), lr=0.0), ds


def test_trainer_measures_the_noise_scale_and_keeps_history():
    model, loss, opt, ds = linear_setup()
    t = descent.Trainer(model, loss, opt, ds, batch_size=64, epochs=4, measure_noise=True,
                        noise_beta=1, noise_interval=1)
    t.fit()
    assert len(t.history) == 4 and [p.epoch for p in t.history] == [1, 2, 3, 4]
    m = descent.noise_scale(t)
    assert m["noise_steps"] == 4 * 16384 // 64
    assert m["grad_sq_norm"] == pytest.approx(4.0, rel=0.1)
    assert m["grad_variance"] == pytest.approx(4.0 * (D + 1), rel=0.1)
    assert m["noise_scale"] == pytest.approx(D + 1, rel=0.1)
    assert m["suggested_batch"] == round(m["noise_scale"]) and math.isnan(m["suggested_lr"])
    assert t.history[-1].noise_scale == m["noise_scale"]
    assert t.get("measure_noise") == 1 and t.get("noise_interval") == 1


def test_measuring_is_off_by_default():
    model, loss, opt, ds = linear_setup(256)
    t = descent.Trainer(model, loss, opt, ds, batch_size=64)
    t.fit()
    assert math.isnan(descent.noise_scale(t)["noise_scale"])
    assert descent.Trainer.default("noise_interval") == 8
    with pytest.raises(descent.ArgumentError):
        t.set("noise_part", 1.5)


def test_hand_written_loop_and_advice():
    ns = descent.NoiseScale(noise_beta=0.5, loss_window=4)
    assert ns.get("noise_beta") == 0.5 and ns.get("loss_window") == 4
    ns.add_norms(1 + 100 / 10, 10, 1 + 100 / 50, 50)
    assert ns.value("noise_scale") == pytest.approx(100)
    batch, lr, why = ns.advise(0.01, 10, 1000)
    assert batch == 100 and lr == pytest.approx(0.01 * 11 / 2) and "batch 100" in why
    for i, y in enumerate([10.25, 7.75, 5.75, 4.25]):
        ns.add_loss(y, i, 0.5 * i)
    assert ns.value("oscillation") == pytest.approx(0.25)
    assert ns.value("loss_drop_per_epoch") == pytest.approx(2.0)
    ns.reset()
    assert math.isnan(ns.value("noise_scale"))
    with pytest.raises(descent.StateError):
        ns.advise(0.01, 10, 1000)
    with pytest.raises(descent.ArgumentError):
        ns.add_norms(-1, 1, 1, 2)
    with pytest.raises(TypeError):
        ns.value("loss")


def test_part_and_whole_from_python():
    model, loss, opt, ds = linear_setup(64)
    ns = descent.NoiseScale()
    with pytest.raises(descent.StateError):
        ns.add_whole(model)
    g = model.parameters()[0].grad
    g[:] = 0
    g.reshape(-1)[0] = 1.0
    ns.add_part(model, 1, 2)                  # the part's mean gradient: 2x the buffer
    g.reshape(-1)[0] = 1.5
    ns.add_whole(model)
    assert ns.value("grad_sq_norm") == 0.5 and ns.value("grad_variance") == 3.5
