"""The trainer: fit with callbacks, validation, early stopping, schedulers;
the range test; grid and random search; lifetimes."""

import gc
import itertools
import math

import pytest

import descent

X = [[0, 0], [0, 1], [1, 0], [1, 1]]
Y = [[0], [1], [1], [0]]


def xor_setup(seed=3, lr=0.05, labels=False):
    out = 2 if labels else 1
    model = descent.Sequential(descent.Linear(2, 8), descent.Tanh(), descent.Linear(8, out))
    model.build(4).init("xavier_uniform", "zeros", seed=seed)
    if labels:
        ds = descent.Dataset(X, labels=[0, 1, 1, 0], classes=2)
        loss = descent.CrossEntropyLoss()
    else:
        ds = descent.Dataset(X, targets=Y)
        loss = descent.MSELoss()
    opt = descent.Adam(model.parameters(), lr=lr)
    return model, loss, opt, ds


def test_fit_xor_with_epoch_callback():
    model, loss, opt, ds = xor_setup()
    seen = []
    t = descent.Trainer(model, loss, opt, ds, batch_size=0, epochs=400,
                        on_epoch=lambda p: seen.append(p.epoch_loss))
    p = t.fit()
    assert p.epoch == 400 and p.stop_reason == descent.StopReason.EPOCHS
    assert len(seen) == 400 and seen[-1] < 0.01 < seen[0]
    value, acc = descent.evaluate(model, loss, ds)
    assert value == pytest.approx(seen[-1], rel=0.2) and math.isnan(acc)
    assert t.get("batch_size") == 0


def test_callback_stops_and_exceptions_propagate():
    model, loss, opt, ds = xor_setup()
    t = descent.Trainer(model, loss, opt, ds, batch_size=1, epochs=50)
    t.on_step(lambda p: p.step >= 6)
    p = t.fit()
    assert p.step == 6 and p.stop_reason == descent.StopReason.CALLBACK
    t.on_step(None)

    def boom(p):
        raise RuntimeError("stop at %d" % p.epoch)
    t.on_epoch(boom)
    with pytest.raises(RuntimeError, match="stop at 3"):
        t.fit(epochs=10)
    t.on_epoch(None)
    assert t.fit(epochs=1).epoch == 4


def test_classification_with_validation_and_early_stopping():
    model, loss, opt, ds = xor_setup(labels=True)
    t = descent.Trainer(model, loss, opt, ds, val=ds, batch_size=2, epochs=300, seed=1,
                        patience=20, min_delta=1e-4)
    p = t.fit()
    assert p.val_accuracy == 1.0
    assert p.stop_reason in (descent.StopReason.EARLY, descent.StopReason.EPOCHS)
    assert p.best_val_loss <= p.val_loss + 1e-4      # improvements need min_delta


def test_schedulers_per_iteration_and_on_metric():
    model, loss, opt, ds = xor_setup()
    sched = descent.OneCycleLR(opt, max_lr=0.1, total_steps=40)
    t = descent.Trainer(model, loss, opt, ds, scheduler=sched, sched_stepping="iteration",
                        batch_size=1, epochs=10, shuffle=False)
    t.fit()
    assert sched.last_epoch == 40
    model, loss, opt, ds = xor_setup()
    plateau = descent.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    t = descent.Trainer(model, loss, opt, ds, val=ds, scheduler=plateau, batch_size=0, epochs=5)
    t.fit()
    assert t.get("sched_stepping") == descent.SchedStepping.ON_METRIC


def test_lr_range_test_leaves_no_trace():
    model, loss, opt, ds = xor_setup()
    before = model.state_dict()
    t = descent.Trainer(model, loss, opt, ds, batch_size=2)
    r = t.lr_range_test(1e-5, 10.0, steps=60)
    assert 2 <= len(r.lrs) == len(r.losses) <= 60
    assert r.lrs[0] == pytest.approx(1e-5) and r.suggested > 0
    after = model.state_dict()
    assert all((before[k] == after[k]).all() for k in before)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_grid_and_random_search():
    model, loss, opt, ds = xor_setup()
    t = descent.Trainer(model, loss, opt, ds, val=ds, batch_size=0)
    s = t.search("grid", lrs=[0.01, 0.1], batch_sizes=[0, 2], schedules=["constant", "cosine"],
                 epochs=20)
    trials = s.trials
    assert len(trials) == 8
    assert [tr.lr for tr in trials[:4]] == [0.01] * 4
    assert trials[1].schedule == descent.SchedulerKind.COSINE and trials[2].batch_size == 2
    best = s.best
    assert best.val_loss == min(tr.val_loss for tr in trials)
    r = t.search("random", trials=3, seed=7, lr_min=1e-3, lr_max=1e-1)
    assert len(r.trials) == 3 and all(1e-3 <= tr.lr <= 1e-1 for tr in r.trials)
    with pytest.raises(descent.ArgumentError):
        descent.Search("grid", schedules=["sideways"])


def test_settings_bounds_and_defaults():
    model, loss, opt, ds = xor_setup()
    t = descent.Trainer(model, loss, opt, ds)
    for name in ("batch_size", "epochs", "seed", "shuffle", "drop_last", "sched_stepping",
                 "patience", "min_delta", "restore_best", "max_nonfinite", "finder_beta",
                 "finder_diverge"):
        lo, hi = descent.Trainer.bounds(name)
        assert lo <= descent.Trainer.default(name) == t.get(name) <= hi, name
    assert descent.Trainer.bounds("finder_beta") == (0.0, math.nextafter(1.0, 0.0))
    assert descent.Trainer.default("batch_size") == 32
    # A search: the grid uses only epochs; the rest is the random search's.
    assert descent.Search.default("random", "trials") == 10
    assert descent.Search.bounds("random", "trials") == (1, 2 ** 20)
    assert descent.Search.default("grid", "epochs") == 1
    with pytest.raises(descent.UnsupportedError):
        descent.Search.bounds("grid", "trials")
    with pytest.raises(descent.UnsupportedError):
        descent.Search("grid", trials=5)
    with pytest.raises(descent.UnsupportedError):
        descent.Search("grid").get("seed")
    assert descent.Search("random", trials=5).get("trials") == 5


def test_errors():
    model, loss, opt, ds = xor_setup()
    ce = descent.CrossEntropyLoss()
    with pytest.raises(descent.UnsupportedError):
        descent.Trainer(model, ce, opt, ds)
    t = descent.Trainer(model, loss, opt, ds)
    with pytest.raises(descent.ArgumentError):
        t.set("batch_size", -1)
    with pytest.raises(TypeError):
        t.set("nope", 1)
    with pytest.raises(descent.StateError):
        t.set("patience", 3)
        t.fit()                          # early stopping needs a validation set
    assert loss.kind == descent.LossKind.MSE


@pytest.mark.parametrize("order", list(itertools.permutations(["model", "loss", "opt", "ds", "t"])))
def test_delete_in_every_order(order):
    model, loss, opt, ds = xor_setup()
    objs = {"model": model, "loss": loss, "opt": opt, "ds": ds}
    objs["t"] = descent.Trainer(model, loss, opt, ds, batch_size=0, epochs=2)
    del model, loss, opt, ds
    for name in order:
        del objs[name]
        if "t" in objs:
            objs["t"].fit()
    gc.collect()


def test_reset_state():
    model, loss, opt, ds = xor_setup()
    descent.Trainer(model, loss, opt, ds, batch_size=0, epochs=3).fit()
    assert opt.param_groups[0].step_count == 3
    opt.reset_state()
    assert opt.param_groups[0].step_count == 0
