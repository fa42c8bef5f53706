"""Optimizer ``params``: every form torch.optim takes means what it means in
torch (issue 12, defect 1), every other form is refused before anything
changes, and descent.Parameter carries a host array with its gradient."""

import array
import ctypes

import pytest

import descent
from descent._ffi import C


def two_layer(width=3):
    """Linear(w, w) -> Tanh -> Linear(w, w): w0 and w2 have the same size, b0 and b2 too."""
    m = descent.Sequential(descent.Linear(width, width), descent.Tanh(),
                           descent.Linear(width, width)).build(4)
    m.init("xavier_uniform", "pytorch_default", seed=5)
    return m


def fill_grads(model):
    loss = descent.MSELoss()
    x = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]
    model.zero_grad()
    loss(model(x), [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    model.backward(loss.backward())


def c_groups(opt):
    n = ctypes.c_size_t()
    C.dsc_optimizer_group_count(opt, ctypes.byref(n))
    return n.value


def host(values, grads=None):
    p = array.array("f", values)
    g = array.array("f", grads if grads is not None else [0.0] * len(values))
    return descent.Parameter(p, g)


# ---- the idiom of the issue ---------------------------------------------------
def test_torch_weight_decay_groups_idiom(np):
    """AdamW([{"params": [w0, w2], "weight_decay": 0.1}, {"params": [b0, b2], "weight_decay": 0}]):
    two groups of two parameters each, never a (parameter, gradient) pair."""
    model = two_layer()
    w0, b0, w2, b2 = model.parameters()
    assert w0.numel() == w2.numel() and b0.numel() == b2.numel()   # the sizes that fooled it
    opt = descent.AdamW([{"params": [w0, w2], "weight_decay": 0.1},
                         {"params": [b0, b2], "weight_decay": 0}], lr=0.1)
    assert len(opt.param_groups) == 2
    assert [g.size for g in opt.param_groups] == [18, 6]
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.1)
    assert opt.param_groups[1]["weight_decay"] == 0.0
    assert opt.param_groups[0]["params"][1] is w2
    fill_grads(model)
    before = model.params.copy()
    assert np.abs(model.grads).sum() > 0
    opt.zero_grad()
    assert (model.params == before).all(), "zero_grad() changed a weight"
    assert (model.grads == 0).all()
    # With zero gradients AdamW's step is the decoupled decay alone:
    # p <- p * (1 - lr * weight_decay), per group.
    opt.step()
    np.testing.assert_allclose(w0.data, before[:9].reshape(3, 3) * (1 - 0.1 * 0.1), rtol=1e-6)
    np.testing.assert_allclose(w2.data, before[12:21].reshape(3, 3) * 0.99, rtol=1e-6)
    assert (b0.data == before[9:12]).all() and (b2.data == before[21:24]).all()


def test_split_group_steps_like_separate_groups(np):
    """A group whose parameters are not contiguous becomes several C groups:
    the update is the same as over each parameter on its own."""
    a, b = two_layer(), two_layer()
    fill_grads(a)
    fill_grads(b)
    wa0, ba0, wa2, ba2 = a.parameters()
    opt_a = descent.Adam([{"params": [wa0, wa2], "lr": 0.05}, {"params": [ba0, ba2]}], lr=0.01)
    assert c_groups(opt_a) == 4 and len(opt_a.param_groups) == 2
    wb0, bb0, wb2, bb2 = b.parameters()
    opt_b = descent.Adam([{"params": [wb0], "lr": 0.05}, {"params": [wb2], "lr": 0.05},
                          {"params": [bb0]}, {"params": [bb2]}], lr=0.01)
    for _ in range(3):
        opt_a.step()
        opt_b.step()
    assert (a.params == b.params).all()
    assert opt_a.param_groups[0].step_count == 3


def test_contiguous_parameters_make_one_c_group():
    model = two_layer()
    w0, b0, w2, b2 = model.parameters()
    assert c_groups(descent.SGD(model.parameters(), lr=0.1)) == 1   # the whole model
    assert c_groups(descent.SGD([w0, b0], lr=0.1)) == 1             # adjacent in memory
    assert c_groups(descent.SGD([b0, w0], lr=0.1)) == 2             # not in that order


# ---- every form torch takes --------------------------------------------------
def test_iterables_of_parameters_are_one_group():
    model = two_layer()
    for params in (model.parameters(), tuple(model.parameters()), iter(model.parameters()),
                   (p for p in model.parameters())):
        opt = descent.SGD(params, lr=0.1)
        assert len(opt.param_groups) == 1 and opt.param_groups[0].size == model.param_count()
        assert "param_names" not in opt.param_groups[0]


def test_named_parameters():
    model = two_layer()
    opt = descent.SGD(model.named_parameters(), lr=0.1)
    assert len(opt.param_groups) == 1
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"][0] == "0.weight"
    named = dict(model.named_parameters())
    opt = descent.SGD([{"params": [("w0", named["0.weight"]), ("w2", named["2.weight"])],
                        "weight_decay": 0.1},
                       {"params": [("b0", named["0.bias"]), ("b2", named["2.bias"])]}], lr=0.1)
    assert [g["param_names"] for g in opt.param_groups] == [["w0", "w2"], ["b0", "b2"]]
    opt = descent.SGD([{"params": [named["0.weight"]], "param_names": ["first"]}], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["first"]


def test_parameter_objects_are_the_same_every_call():
    model = two_layer()
    assert model.parameters()[0] is model.parameters()[0]
    assert model.named_parameters()[1][1] is model.parameters()[1]


def test_dict_groups_take_options_and_defaults():
    a, b, c = host([1.0], [1.0]), host([1.0], [1.0]), host([2.0, 3.0], [1.0, 1.0])
    opt = descent.SGD([{"params": a}, {"params": [b], "lr": 0.5, "momentum": 0.9,
                                       "nesterov": True}], lr=0.1)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["nesterov"] == 1.0
    assert opt.param_groups[0]["momentum"] == 0.0
    opt.add_param_group({"params": [c], "weight_decay": 0.25})
    g = opt.param_groups[2]
    assert (g["lr"], g["weight_decay"], g.size) == (pytest.approx(0.1), 0.25, 2)
    opt.step()
    assert a.data[0] == pytest.approx(0.9)
    assert b.data[0] == pytest.approx(1.0 - 0.5 * 1.9)          # Nesterov: g + 0.9 g
    assert c.data[0] == pytest.approx(2.0 - 0.1 * (1.0 + 0.25 * 2.0))
    adam = descent.Adam([{"params": [host([1.0])], "betas": (0.8, 0.9), "amsgrad": True}])
    assert adam.param_groups[0]["betas"] == pytest.approx((0.8, 0.9))
    assert adam.param_groups[0]["amsgrad"] == 1.0


def test_host_parameter_with_and_without_grad(np):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = descent.Parameter(w)
    assert p.data is w and p.grad.shape == (2, 3) and p.grad.dtype == np.float32
    assert (p.grad == 0).all() and p.shape == (2, 3) and p.ndim == 2 and len(p) == 2
    p.grad[...] = 1.0
    opt = descent.SGD([p], lr=0.5)
    opt.step()
    assert (w == np.arange(6).reshape(2, 3) - 0.5).all()     # updated in place
    assert np.shares_memory(np.asarray(p), w)
    p[0, 0] = 7.0
    assert w[0, 0] == 7.0 and p.tolist()[0][0] == 7.0
    opt.zero_grad()
    assert (p.grad == 0).all()


# ---- what torch refuses (or would read otherwise) -----------------------------
def _refusals():
    def arr():
        return array.array("f", [1.0, 2.0])

    def model_params():
        return two_layer().parameters()

    p1, p2 = host([1.0, 2.0]), host([3.0, 4.0])
    shared_g = array.array("f", [0.0, 0.0])
    same_grad = [descent.Parameter(arr(), shared_g), descent.Parameter(arr(), shared_g)]
    data = array.array("f", [1.0, 2.0])
    grad_on_param = [descent.Parameter(data), descent.Parameter(arr(), data)]
    m = two_layer()
    flat = descent.Parameter(m.params, m.grads)
    return [
        ("none", lambda: None, TypeError, "not None"),
        ("a parameter alone", lambda: p1, TypeError, r"got a Parameter; pass \[p\]"),
        ("a model", lambda: two_layer(), TypeError, r"pass model.parameters\(\)"),
        ("a dict alone", lambda: {"params": [p1]}, TypeError, "list of dicts"),
        ("an array", lambda: arr(), TypeError, "has no gradient"),
        ("a (param, grad) pair", lambda: (arr(), arr()), TypeError, "has no gradient"),
        ("a list of (param, grad) pairs", lambda: [(arr(), arr())], TypeError,
         r"named parameter .*descent.Parameter\(array, grad\)"),
        ("a list of arrays", lambda: [arr()], TypeError, "has no gradient"),
        ("empty", lambda: [], descent.ArgumentError, "empty parameter list"),
        ("an empty group", lambda: [{"params": []}], descent.ArgumentError, "empty 'params'"),
        ("a group without params", lambda: [{"lr": 0.1}], descent.ArgumentError, "'params' entry"),
        ("a set in a group", lambda: [{"params": {p1}}], TypeError, "ordered collections"),
        ("parameters then a dict", lambda: [p1, {"params": [p2]}], TypeError, "only dicts"),
        ("a dict then a parameter", lambda: [{"params": [p1]}, p2], TypeError,
         "param_group must be a dict"),
        ("some names missing", lambda: [("a", p1), p2], descent.ArgumentError,
         "Some param names are missing"),
        ("named then unnamed groups", lambda: [{"params": [("a", p1)]}, {"params": [p2]}],
         descent.ArgumentError, "with/without names"),
        ("an unknown option", lambda: [{"params": [p1], "weight_deacy": 0.1}],
         descent.ArgumentError, "unknown option 'weight_deacy'"),
        ("another optimizer's option", lambda: [{"params": [p1], "betas": (0.9, 0.99)}],
         descent.ArgumentError, "unknown option 'betas'"),
        ("clip_norm in a group", lambda: [{"params": [p1], "clip_norm": 1.0}],
         descent.ArgumentError, "whole optimizer"),
        ("a None option", lambda: [{"params": [p1], "lr": None}], TypeError,
         "lr must be a real number, not None"),
        ("an option out of range", lambda: [{"params": [p1], "lr": -1.0}], descent.ArgumentError,
         "lr is -1"),
        ("a parameter twice", lambda: [p1, p1], descent.ArgumentError, "twice in one parameter group"),
        ("a parameter in two groups", lambda: [{"params": [p1]}, {"params": [p2, p1]}],
         descent.ArgumentError, "some parameters appear in more than one parameter group"),
        ("a model's parameters twice", lambda: [{"params": m.parameters()[:1]},
                                                {"params": m.parameters()}],
         descent.ArgumentError, "more than one parameter group"),
        ("overlapping parameters", lambda: [flat] + m.parameters(), descent.ArgumentError,
         "overlap in memory"),
        ("a shared gradient", lambda: same_grad, descent.ArgumentError, "share gradient memory"),
        ("a gradient over a parameter", lambda: grad_on_param, descent.ArgumentError,
         "overlaps a parameter"),
        ("a model's parameters twice (lists)", lambda: model_params() * 2, descent.ArgumentError,
         "twice"),
    ]


@pytest.mark.parametrize("what, make, exc, match", _refusals(), ids=[r[0] for r in _refusals()])
def test_forms_torch_refuses_are_refused(what, make, exc, match):
    with pytest.raises(exc, match=match):
        descent.SGD(make(), lr=0.1)


def test_refused_group_changes_nothing():
    a, b = host([1.0], [1.0]), host([2.0], [1.0])
    opt = descent.SGD([a], lr=0.1)
    bad = [{"params": [a]}, {"params": [b], "lr": -1.0}, {"params": [b], "momentum": 0.5,
                                                          "nesterov": True, "dampening": 0.5},
           {"params": [b], "foo": 1}, (b,), [b]]
    for g in bad:
        with pytest.raises((TypeError, ValueError)):
            opt.add_param_group(g)
        assert len(opt.param_groups) == 1 and c_groups(opt) == 1
    opt.add_param_group({"params": [b]})             # b was never taken
    assert len(opt.param_groups) == 2


def test_parameter_refusals(np):
    w = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(descent.ArgumentError, match="grad overlaps data"):
        descent.Parameter(w, w)
    with pytest.raises(descent.ShapeError, match=r"grad has shape \(6,\), data \(2, 3\)"):
        descent.Parameter(w, np.zeros(6, dtype=np.float32))
    with pytest.raises(descent.ArgumentError, match="float32"):
        descent.Parameter(np.zeros(3))
    with pytest.raises(descent.ArgumentError, match="float32"):
        descent.Parameter(w, np.zeros((2, 3)))
    with pytest.raises(descent.ArgumentError, match="buffer protocol"):
        descent.Parameter([1.0, 2.0])
    p = descent.Parameter(w)
    with pytest.raises(TypeError):
        descent.Parameter(p)
    with pytest.raises(AttributeError, match="write into it"):
        p.grad = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(AttributeError, match="write into it"):
        p.data = np.ones((2, 3), dtype=np.float32)


def test_set_to_none_and_closure_types():
    opt = descent.SGD([host([1.0])], lr=0.1)
    opt.zero_grad(set_to_none=True)                  # zeroes (descent cannot drop the arrays)
    with pytest.raises(TypeError):
        opt.zero_grad(set_to_none="yes")
    with pytest.raises(TypeError, match="closure must be callable"):
        opt.step(closure=3)


# ---- groups of several C groups everywhere else ------------------------------
def test_split_group_state_dict_round_trip(np):
    a, b = two_layer(), two_layer()
    for m in (a, b):
        fill_grads(m)
    wa0, ba0, wa2, ba2 = a.parameters()
    opt = descent.Adam([{"params": [wa0, wa2]}, {"params": [ba0, ba2]}], lr=0.01, amsgrad=True)
    for _ in range(2):
        opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2, 3]
    assert [sd["state"][i]["exp_avg"].shape for i in range(4)] == [(3, 3), (3, 3), (3,), (3,)]
    b.load_state_dict(a.state_dict())
    wb0, bb0, wb2, bb2 = b.parameters()
    opt2 = descent.Adam([{"params": [wb0, wb2]}, {"params": [bb0, bb2]}], lr=0.5, amsgrad=True)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.01) and opt2.param_groups[0].step_count == 2
    opt.step()
    opt2.step()
    assert (a.params == b.params).all()
    bad = dict(sd, state={**sd["state"], 1: dict(sd["state"][1], exp_avg=[0.0] * 4)})
    with pytest.raises(descent.ShapeError, match=r"state\[1\]\['exp_avg'\] has shape \(4,\); "
                       r"the parameter's is \(3, 3\)"):
        opt2.load_state_dict(bad)
    bad = dict(sd, state={**sd["state"], 1: dict(sd["state"][1], step=5.0)})
    with pytest.raises(descent.ArgumentError, match="one step count"):
        opt2.load_state_dict(bad)
    bad = dict(sd, state={k: v for k, v in sd["state"].items() if k != 2})
    with pytest.raises(descent.ArgumentError, match="state holds 1 of the 2 parameters of group 1"):
        opt2.load_state_dict(bad)


def test_split_group_schedulers_and_hooks():
    model = two_layer()
    w0, b0, w2, b2 = model.parameters()
    opt = descent.SGD([{"params": [w0, w2]}, {"params": [b0, b2]}], lr=0.1, momentum=0.9)
    sched = descent.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)
    assert len(sched.get_last_lr()) == 2
    assert sched.get_last_lr()[1] == pytest.approx(2 * sched.get_last_lr()[0])
    assert sched.get("max_lr", group=1) == 2.0
    with pytest.raises(descent.ArgumentError, match="3 values of max_lr for 2 parameter groups"):
        descent.OneCycleLR(opt, max_lr=[1.0, 2.0, 3.0], total_steps=10)
    calls = []

    def factor(group):
        return lambda epoch: calls.append((group, epoch)) or 0.5 ** epoch

    opt2 = descent.SGD([{"params": [w0, w2]}, {"params": [b0, b2], "lr": 0.2}], lr=0.1)
    lam = descent.LambdaLR(opt2, [factor(0), factor(1)])
    lam.step()
    assert calls == [(0, 0), (1, 0), (0, 1), (1, 1)]   # once per group and step, as torch
    assert [g["lr"] for g in opt2.param_groups] == [pytest.approx(0.05), pytest.approx(0.1)]
    with pytest.raises(descent.ArgumentError, match="expected 2 lr_lambdas"):
        descent.LambdaLR(opt2, [factor(0)])
    seen = []
    opt2.register_grad_hook(lambda group, grads: seen.append((group, len(grads))))
    opt2.step()
    assert seen == [(0, 9), (0, 9), (1, 3), (1, 3)]


def test_trainer_takes_split_groups():
    model = descent.Sequential(descent.Linear(2, 8), descent.Tanh(), descent.Linear(8, 1)).build(4)
    model.init("xavier_uniform", "zeros", seed=3)
    w0, b0, w2, b2 = model.parameters()
    opt = descent.AdamW([{"params": [w0, w2], "weight_decay": 0.01},
                         {"params": [b0, b2], "weight_decay": 0.0}], lr=0.05)
    ds = descent.Dataset([[0, 0], [0, 1], [1, 0], [1, 1]], targets=[[0], [1], [1], [0]])
    loss = descent.MSELoss()
    before = descent.evaluate(model, loss, ds)[0]
    descent.Trainer(model, loss, opt, ds, batch_size=0, epochs=300).fit()
    assert descent.evaluate(model, loss, ds)[0] < before / 4
