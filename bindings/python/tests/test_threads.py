"""Threads from Python: descent.set_threads / descent.threads, two Python
threads training two models at once (ctypes releases the GIL during every
call into descent), and results that do not depend on the thread count."""

import threading

import numpy as np
import pytest

import descent

from conftest import run_python


@pytest.fixture
def no_threads():
    yield
    descent.set_threads(1)


def make_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.random((256, 200), dtype=np.float32) - 0.5
    y = rng.integers(0, 10, 256).astype(np.int32)
    return x, y


def train(seed, steps=4):
    """A model large enough that its first layer's GEMMs and the optimizer
    are split into several tasks; returns its parameters and losses."""
    x, y = make_data(seed)
    model = descent.Sequential(descent.Linear(200, 512), descent.ReLU(),
                               descent.Linear(512, 10)).build(256)
    loss_fn = descent.CrossEntropyLoss()
    opt = descent.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        out = model(x)
        losses.append(loss_fn(out, y))
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
    return np.array(model.params, copy=True), losses


def test_default_is_no_threads():
    out = run_python("import descent; print(descent.threads())", env_extra={"DESCENT_THREADS": ""})
    assert out.stdout.strip() == "1"


def test_environment_variable_starts_a_pool():
    out = run_python("import descent; print(descent.threads())", env_extra={"DESCENT_THREADS": "2"})
    assert out.stdout.strip() == "2"


def test_set_threads(no_threads):
    descent.set_threads(2)
    assert descent.threads() == 2
    descent.set_threads(1)
    assert descent.threads() == 1
    with pytest.raises(descent.ArgumentError, match="256"):
        descent.set_threads(257)
    with pytest.raises(descent.ArgumentError):
        descent.set_threads(-1)
    with pytest.raises(TypeError):
        descent.set_threads(2.0)
    assert descent.threads() == 1


def test_results_do_not_depend_on_threads(no_threads):
    ref, ref_losses = train(1)
    assert ref_losses[-1] < ref_losses[0]
    for n in (2, 3):
        descent.set_threads(n)
        got, losses = train(1)
        assert losses == ref_losses
        assert np.array_equal(got, ref)


def test_two_python_threads_train_two_models(no_threads):
    want = [train(1), train(2)]
    descent.set_threads(2)
    got = [None, None]
    errors = []

    def job(i):
        try:
            got[i] = train(i + 1)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    ts = [threading.Thread(target=job, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    for i in range(2):
        assert got[i][1] == want[i][1]
        assert np.array_equal(got[i][0], want[i][0])


def test_calls_release_the_gil():
    # An optimizer step over 8M parameters takes tens of milliseconds in C;
    # a Python thread counting meanwhile advances only if the GIL is free.
    n = 8 << 20
    p = np.zeros(n, dtype=np.float32)
    g = np.full(n, 1e-3, dtype=np.float32)
    opt = descent.Adam([descent.Parameter(p, g)], lr=0.01)
    opt.step()
    count = [0]
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    try:
        advanced = False
        for _ in range(10):
            before = count[0]
            opt.step()
            if count[0] > before:
                advanced = True
                break
    finally:
        stop.set()
        t.join()
    assert advanced
