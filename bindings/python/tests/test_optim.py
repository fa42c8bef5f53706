"""The torch-like optimizer API: constructors, groups, state, hooks."""

import array
import ctypes
import math

import pytest

import descent
from descent._ffi import C


def pair(values, grads=None):
    p = array.array("f", values)
    g = array.array("f", grads if grads is not None else [0.0] * len(values))
    return p, g


def params(values, grads=None):
    """[Parameter] over new arrays (the host's own parameters)."""
    return [descent.Parameter(*pair(values, grads))]


@pytest.mark.parametrize("cls,kw", [
    (descent.SGD, dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True,
                       maximize=False)),
    (descent.Adam, dict(lr=1e-3, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.1, amsgrad=True)),
    (descent.AdamW, dict(lr=1e-3, betas=(0.9, 0.999), weight_decay=0.02)),
    (descent.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.0, initial_accumulator_value=0.1,
                           eps=1e-10)),
    (descent.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5, centered=True)),
    (descent.Adadelta, dict(lr=1.0, rho=0.95, eps=1e-6)),
    (descent.Adamax, dict(lr=2e-3, betas=(0.9, 0.99))),
    (descent.NAdam, dict(lr=2e-3, momentum_decay=0.005)),
    (descent.RAdam, dict(lr=1e-3, weight_decay=0.1)),
    (descent.Rprop, dict(lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-5, 10.0), maximize=True)),
])
def test_every_optimizer_takes_torch_arguments(cls, kw):
    p, g = pair([1.0, 2.0], [0.1, -0.2])
    opt = cls([descent.Parameter(p, g)], **kw)
    group = opt.param_groups[0]
    for k, v in kw.items():
        if isinstance(v, tuple):
            assert group[k] == pytest.approx(v)
        else:
            assert group[k] == pytest.approx(float(v)), k
    before = list(p)
    opt.step()
    assert list(p) != before
    assert group.step_count == 1


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        descent.SGD(params([1.0]), betas=(0.9, 0.99))
    with pytest.raises(descent.ArgumentError):
        descent.SGD(params([1.0]), fused=True)


def test_param_groups_with_own_hyperparameters():
    a, ga = pair([1.0], [1.0])
    b, gb = pair([1.0], [1.0])
    opt = descent.SGD([{"params": descent.Parameter(a, ga)},
                       {"params": [descent.Parameter(b, gb)], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [pytest.approx(0.1), pytest.approx(0.5)]
    opt.step()
    assert a[0] == pytest.approx(0.9) and b[0] == pytest.approx(0.5)
    opt.param_groups[0]["lr"] = 0.2
    opt.step()
    assert a[0] == pytest.approx(0.7)
    assert opt.defaults["lr"] == pytest.approx(0.1)


def test_closure_and_clip_norm():
    p, g = pair([0.0, 0.0], [3.0, 4.0])
    opt = descent.SGD([descent.Parameter(p, g)], lr=1.0, clip_norm=1.0)
    assert opt.step(lambda: 42) == 42
    assert opt.last_grad_norm == pytest.approx(5.0)
    assert math.hypot(p[0], p[1]) == pytest.approx(1.0, rel=1e-5)
    assert list(g) == [3.0, 4.0]          # descent never writes the host's gradients


def test_grad_hook_and_its_exception():
    p, g = pair([1.0, 1.0], [2.0, 2.0])
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1)
    seen = []

    def halve(group, grads):
        seen.append(group)
        for i in range(len(grads)):
            grads[i] /= 2

    opt.register_grad_hook(halve)
    opt.step()
    assert seen == [0] and p[0] == pytest.approx(0.9)

    def boom(group, grads):
        raise KeyError("from the hook")

    opt.register_grad_hook(boom)
    with pytest.raises(KeyError, match="from the hook"):
        opt.step()
    assert p[0] == pytest.approx(0.9)     # the step was refused
    opt.register_grad_hook(None)
    opt.step()


def test_state_dict_round_trip():
    p, g = pair([1.0, 2.0, 3.0], [0.3, -0.1, 0.2])
    opt = descent.Adam([descent.Parameter(p, g)], lr=0.01, amsgrad=True)
    for _ in range(3):
        opt.step()
    sd = opt.state_dict()
    assert set(sd["state"]) == {0}                # torch's layout: per parameter id
    assert list(sd["state"][0]) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert sd["state"][0]["step"] == 3.0 and len(sd["state"][0]["exp_avg"]) == 3
    assert sd["param_groups"] == [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-08,
                                   "weight_decay": 0.0, "amsgrad": True, "maximize": False,
                                   "params": [0]}]
    q = array.array("f", p)
    opt2 = descent.Adam([descent.Parameter(q, array.array('f', g))], lr=0.5, amsgrad=True)
    opt2.load_state_dict(sd)
    opt.step()
    opt2.step()
    assert list(p) == list(q)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.01)


def test_bounds():
    assert descent.Optimizer.bounds(descent.OptimizerKind.ADAM, "beta1")[0] == 0.0
    with pytest.raises(descent.UnsupportedError):
        descent.Optimizer.bounds(descent.OptimizerKind.SGD, "beta1")


def test_defaults_per_kind():
    # The default query gives what a new optimizer holds: PyTorch's, per kind.
    assert descent.Optimizer.default(descent.OptimizerKind.SGD, "lr") == 1e-3
    assert descent.Optimizer.default(descent.OptimizerKind.ADADELTA, "lr") == 1.0
    assert descent.Optimizer.default(descent.OptimizerKind.ADAGRAD, "eps") == 1e-10
    assert descent.Optimizer.default(descent.OptimizerKind.ADAMW, "weight_decay") == 0.01
    assert descent.Optimizer.default(descent.OptimizerKind.ADAM, "weight_decay") == 0.0
    for cls in descent.optim.BY_NAME.values():
        defaults = cls(params([1.0], [0.0])).defaults
        for name, value in defaults.items():
            assert descent.Optimizer.default(cls._kind, name) == value, (cls.__name__, name)
    with pytest.raises(descent.UnsupportedError):
        descent.Optimizer.default(descent.OptimizerKind.SGD, "eps")
    with pytest.raises(descent.UnsupportedError):   # an unknown kind, straight to C
        C.dsc_optimizer_param_default(99, descent.OptimizerParam.LR, ctypes.byref(ctypes.c_double()))


def test_several_models_and_pairs():
    m1 = descent.Sequential(descent.Linear(2, 2)).build(1)
    m2 = descent.Sequential(descent.Linear(3, 1)).build(1)
    p, g = pair([1.0], [1.0])
    opt = descent.SGD([{"params": m1.parameters()}, {"params": m2.parameters()}], lr=0.1)
    assert [grp.size for grp in opt.param_groups] == [6, 4]
    opt = descent.SGD([{"params": m1.parameters()}, {"params": descent.Parameter(p, g)}], lr=0.1)
    assert [grp.size for grp in opt.param_groups] == [6, 1]
    opt = descent.SGD(m1.parameters() + m2.parameters(), lr=0.1)   # one group over both
    assert [grp.size for grp in opt.param_groups] == [10]


def test_refused_load_state_dict_changes_nothing():
    p, g = pair([1.0, 2.0, 3.0], [0.3, -0.1, 0.2])
    opt = descent.Adam([descent.Parameter(p, g)], lr=0.01)
    opt.step()
    before = opt.state_dict()

    def values(x):
        return [x] if isinstance(x, float) else list(x)

    def same(a, b):
        return (a["param_groups"] == b["param_groups"] and a["state"].keys() == b["state"].keys()
                and all(values(a["state"][i][k]) == values(b["state"][i][k])
                        for i in a["state"] for k in a["state"][i]))

    group, entry = before["param_groups"][0], before["state"][0]
    bad = {"state": {0: dict(entry, step=7.0, exp_avg=[9.0] * 3)},
           "param_groups": [dict(group, eps=-1.0)]}
    with pytest.raises(descent.ArgumentError, match="eps is -1"):
        opt.load_state_dict(bad)                 # refused by the library half-way: rolled back
    assert same(opt.state_dict(), before)
    bad = {"state": {0: dict(entry, exp_avg_sq=[-1.0] * 3)}, "param_groups": [group]}
    with pytest.raises(descent.ArgumentError, match="exp_avg_sq"):
        opt.load_state_dict(bad)                 # a negative second moment: rolled back
    assert same(opt.state_dict(), before)
    for broken in ({"state": {0: dict(entry, exp_avg=[0.0])}, "param_groups": [group]},
                   {"state": {0: dict(entry, nope=[0.0] * 3)}, "param_groups": [group]},
                   {"state": {0: dict(entry, step=-1)}, "param_groups": [group]},
                   {"state": {0: dict(entry, step=1.5)}, "param_groups": [group]},
                   {"state": {3: entry}, "param_groups": [group]},
                   {"state": {}, "param_groups": [dict(group, lr=None)]},
                   {"state": {}, "param_groups": [dict(group, momentum=0.9)]},
                   {"state": {}, "param_groups": [dict(group, params=[0, 1])]},
                   {"state": {}, "param_groups": [dict(group, betas=(0.9,))]},
                   {"state": {}, "param_groups": [group], "kind": "ADAM"},
                   {"state": {}, "param_groups": []}, {"param_groups": [group]}, [], None):
        with pytest.raises((TypeError, ValueError)):
            opt.load_state_dict(broken)
        assert same(opt.state_dict(), before)


def test_rprop_defaults_pairs_and_checks():
    p, g = pair([1.0, -1.0, 0.5], [0.5, 0.5, 0.0])
    opt = descent.Rprop([descent.Parameter(p, g)])
    group = opt.param_groups[0]
    assert group["lr"] == pytest.approx(0.01)
    assert group["etas"] == (0.5, pytest.approx(1.2))
    assert group["step_sizes"] == (pytest.approx(1e-6), 50.0)
    assert group["maximize"] == 0
    assert "weight_decay" not in group and "eps" not in group
    group["etas"] = (0.25, 2.0)
    group["step_sizes"] = (0.001, 0.125)
    assert (group["etaminus"], group["etaplus"]) == (0.25, 2.0)
    assert group["step_sizes"] == (0.001, 0.125)
    assert opt.state_dict()["state"] == {}              # as torch: nothing before the first step
    opt.step()
    assert list(p) == pytest.approx([0.99, -1.01, 0.5])  # lr 0.01 seeds the step sizes
    sd = opt.state_dict()
    assert list(sd["state"][0]) == ["step", "prev", "step_size"]
    assert list(sd["state"][0]["prev"]) == [0.5, 0.5, 0.0]
    assert sd["param_groups"][0]["etas"] == (0.25, 2.0)
    assert sd["param_groups"][0]["step_sizes"] == (0.001, 0.125)
    opt.step()                                          # same signs: 0.01 * 2
    assert list(p) == pytest.approx([0.97, -1.03, 0.5])
    # torch's checks, 0 < etaminus < 1 < etaplus, refused before anything is made
    for etas in [(0.0, 1.2), (1.0, 1.2), (0.5, 1.0), (1.5, 1.2)]:
        with pytest.raises(descent.ArgumentError, match="eta"):
            descent.Rprop(params([1.0]), etas=etas)
    with pytest.raises(descent.ArgumentError, match="etas must be a pair"):
        descent.Rprop(params([1.0]), etas=(0.5, 1.2, 3.0))
    with pytest.raises(TypeError, match="step_sizes must be a pair"):
        descent.Rprop(params([1.0]), step_sizes=0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'weight_decay'"):
        descent.Rprop(params([1.0]), weight_decay=0.1)
    with pytest.raises(descent.ArgumentError, match="etaplus"):
        group["etas"] = (0.5, 0.9)
    assert group["etas"] == (0.25, 2.0)


def test_a_refused_pair_changes_nothing():
    opt = descent.Adam(params([1.0]), betas=(0.8, 0.99))
    with pytest.raises(descent.ArgumentError, match="beta2"):
        opt.param_groups[0]["betas"] = (0.7, 1.5)
    assert opt.param_groups[0]["betas"] == (pytest.approx(0.8), pytest.approx(0.99))
