"""Closing and deleting objects in every order never crashes; parents stay
alive while children need them."""

import array
import gc
import itertools

import pytest

import descent


def make_chain():
    p = array.array("f", [1.0, 2.0, 3.0])
    g = array.array("f", [0.1, 0.2, 0.3])
    model = descent.Sequential(descent.Linear(2, 3), descent.Tanh(), descent.Linear(3, 1))
    model.build(4)
    opt = descent.Adam([descent.Parameter(p, g)] + model.parameters(), lr=0.01)
    sched = descent.StepLR(opt, step_size=1, gamma=0.5)
    objs = {"p": p, "g": g, "model": model, "opt": opt, "sched": sched}
    return objs


def use(objs):
    for name in ("model", "opt", "sched"):
        o = objs.get(name)
        if o is None or o.closed:
            continue
        if name == "model":
            o.forward([[0.5, -0.5]])
        elif name == "opt":
            o.step()
        else:
            o.step()


@pytest.mark.parametrize("order", list(itertools.permutations(["p", "g", "model", "opt", "sched"])))
def test_delete_in_every_order(order):
    objs = make_chain()
    for name in order:
        del objs[name]       # reference counting frees at once: no gc needed
        use(objs)            # what remains still works
    gc.collect()


@pytest.mark.parametrize("order", list(itertools.permutations(["model", "opt", "sched"])))
def test_close_in_every_order(order):
    objs = make_chain()
    for name in order:
        objs[name].close()
        use(objs)


def test_closing_optimizer_keeps_scheduler_working():
    p, g = array.array("f", [1.0]), array.array("f", [1.0])
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1)
    sched = descent.ExponentialLR(opt, gamma=0.5)
    opt.close()
    with pytest.raises(descent.ClosedError):
        opt.step()
    sched.step()                                      # the C optimizer lives on for it
    assert sched.get_last_lr() == [pytest.approx(0.05)]
    del sched
    gc.collect()


def test_container_children_in_every_order():
    for order in itertools.permutations(["opt", "a", "b", "seq"]):
        p, g = array.array("f", [1.0]), array.array("f", [0.0])
        objs = {"opt": descent.SGD([descent.Parameter(p, g)], lr=1.0)}
        objs["a"] = descent.LinearLR(objs["opt"], start_factor=0.5, total_iters=2)
        objs["b"] = descent.LambdaLR(objs["opt"], lambda e: 0.9 ** e)
        objs["seq"] = descent.SequentialLR(objs["opt"], [objs["a"], objs["b"]], milestones=[2])
        for name in order:
            o = objs.pop(name)
            if name in ("a", "b") and "seq" in objs:
                o.get_last_lr()
            del o
            if "seq" in objs:
                objs["seq"].step()


def test_tensor_view_outlives_tensor(np):
    t = descent.Tensor.zeros(2, 3)
    t.fill_(2.0)
    v = t.numpy()
    t.close()
    del t
    gc.collect()
    assert v.sum() == 12.0                           # the memory is still there


def test_model_params_view_outlives_model(np):
    m = descent.Sequential(descent.Linear(2, 2)).build(1)
    v = m.params
    before = v.copy()
    del m
    gc.collect()
    assert (v == before).all()


def test_with_statement_closes():
    p, g = array.array("f", [1.0]), array.array("f", [0.0])
    with descent.SGD([descent.Parameter(p, g)]) as opt:
        opt.step()
    assert opt.closed


def test_borrowed_array_cannot_be_resized():
    p, g = array.array("f", [1.0]), array.array("f", [0.0])
    opt = descent.SGD([descent.Parameter(p, g)])
    with pytest.raises(BufferError):
        p.append(2.0)             # the optimizer's view pins the buffer
    opt.close()
    gc.collect()
    p.append(2.0)
