"""Schedulers: torch's names and arguments, values against closed forms."""

import array
import math

import pytest

import descent


def sgd(lr=1.0, momentum=0.0):
    p, g = array.array("f", [0.0]), array.array("f", [0.0])
    return descent.SGD([descent.Parameter(p, g)], lr=lr, momentum=momentum)


def lrs(opt, sched, n, metric=None):
    out = [opt.param_groups[0]["lr"]]
    for t in range(n):
        sched.step() if metric is None else sched.step(metric[t])
        out.append(opt.param_groups[0]["lr"])
    return out


def test_step_multistep_exponential():
    opt = sgd(1.0)
    assert lrs(opt, descent.StepLR(opt, step_size=2, gamma=0.5), 4) == \
        pytest.approx([1, 1, 0.5, 0.5, 0.25])
    opt = sgd(1.0)
    assert lrs(opt, descent.MultiStepLR(opt, milestones=[3, 1], gamma=0.1), 3) == \
        pytest.approx([1, 0.1, 0.1, 0.01])
    opt = sgd(1.0)
    assert lrs(opt, descent.ExponentialLR(opt, gamma=0.9), 2) == pytest.approx([1, 0.9, 0.81])


def test_cosine_and_restarts():
    opt = sgd(1.0)
    got = lrs(opt, descent.CosineAnnealingLR(opt, T_max=10, eta_min=0.1), 10)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    assert got == pytest.approx(want, abs=1e-6)
    opt = sgd(1.0)
    s = descent.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    got = lrs(opt, s, 4)
    assert got[3] == pytest.approx(1.0) and s.T_i == 6


def test_warmups_and_polynomial():
    opt = sgd(1.0)
    assert lrs(opt, descent.LinearLR(opt, start_factor=0.25, total_iters=3), 4) == \
        pytest.approx([0.25, 0.5, 0.75, 1, 1])
    opt = sgd(1.0)
    assert lrs(opt, descent.ConstantLR(opt, factor=0.5, total_iters=2), 3) == \
        pytest.approx([0.5, 0.5, 1, 1])
    opt = sgd(1.0)
    assert lrs(opt, descent.PolynomialLR(opt, total_iters=4, power=2), 4) == \
        pytest.approx([1, 0.5625, 0.25, 0.0625, 0])
    opt = sgd(1.0)
    assert lrs(opt, descent.InverseTimeDecay(opt, decay_steps=2, decay_rate=1, staircase=True), 4) \
        == pytest.approx([1, 1, 0.5, 0.5, 1 / 3])


def test_cyclic_and_one_cycle_with_momentum():
    opt = sgd(0.1, momentum=0.9)
    s = descent.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="triangular2")
    assert lrs(opt, s, 4) == pytest.approx([0.1, 0.55, 1.0, 0.55, 0.1])
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.9)
    opt = sgd(0.1, momentum=0.9)
    s = descent.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    for _ in range(9):
        s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25 / 1e4, rel=1e-6)
    with pytest.raises(descent.StateError):
        s.step()
        s.step()
    with pytest.raises(descent.ArgumentError):
        descent.CyclicLR(sgd(), max_lr=1.0, mode="sideways")


def test_reduce_on_plateau():
    opt = sgd(1.0)
    s = descent.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
    got = lrs(opt, s, 5, metric=[1.0, 1.0, 1.0, 1.0, 0.1])
    assert got == pytest.approx([1, 1, 1, 0.5, 0.5, 0.5])
    assert s.num_bad_epochs == 0 and s.best == pytest.approx(0.1)


def test_lambda_callbacks_kept_alive_and_errors_raised():
    import gc
    opt = sgd(2.0)
    s = descent.LambdaLR(opt, lambda epoch: 1.0 / (epoch + 1))
    gc.collect()
    assert lrs(opt, s, 3) == pytest.approx([2, 1, 2 / 3, 0.5])
    opt = sgd(1.0)
    s = descent.MultiplicativeLR(opt, lambda epoch: 0.5)
    assert lrs(opt, s, 2) == pytest.approx([1, 0.5, 0.25])

    def bad(epoch):
        if epoch == 2:
            raise ZeroDivisionError("epoch 2")
        return 1.0
    opt = sgd(1.0)
    s = descent.LambdaLR(opt, bad)
    s.step()
    with pytest.raises(ZeroDivisionError, match="epoch 2"):
        s.step()
    assert s.last_epoch == 1                      # the refused step changed nothing


def test_sequential_and_chained_like_torch():
    opt = sgd(1.0)
    warm = descent.LinearLR(opt, start_factor=0.1, total_iters=2)
    cos = descent.CosineAnnealingLR(opt, T_max=4)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)   # each child applied itself, as torch
    seq = descent.SequentialLR(opt, [warm, cos], milestones=[2])
    got = lrs(opt, seq, 6)
    want = [0.1, 0.55, 1.0] + [(1 + math.cos(math.pi * t / 4)) / 2 for t in (1, 2, 3, 4)]
    assert got == pytest.approx(want, abs=1e-6)
    assert cos.last_epoch >= 0 and len(warm.get_last_lr()) == 1
    with pytest.raises(descent.StateError):
        warm.step()                               # a child is stepped through its container
    opt = sgd(1.0)
    chain = descent.ChainedScheduler([descent.ConstantLR(opt, factor=0.5, total_iters=2),
                                      descent.ExponentialLR(opt, gamma=0.9)])
    assert lrs(opt, chain, 3) == pytest.approx([0.5, 0.45, 0.81, 0.729])


def test_state_dict_round_trip():
    opt = sgd(1.0)
    s = descent.CosineAnnealingWarmRestarts(opt, T_0=3)
    for _ in range(4):
        s.step()
    state = s.state_dict()
    opt2 = sgd(1.0)
    s2 = descent.CosineAnnealingWarmRestarts(opt2, T_0=3)
    s2.load_state_dict(state)
    s.step()
    s2.step()
    assert s2.get_last_lr() == pytest.approx(s.get_last_lr())
    assert s2.last_epoch == s.last_epoch == 5
    assert s.get("T_0") == 3


def test_last_epoch_other_than_minus_one_refused():
    with pytest.raises(descent.ArgumentError):
        descent.StepLR(sgd(), step_size=1, last_epoch=3)


def test_per_group_values():
    a, ga = array.array("f", [0.0]), array.array("f", [0.0])
    b, gb = array.array("f", [0.0]), array.array("f", [0.0])
    opt = descent.SGD([{'params': [descent.Parameter(a, ga)]}, {'params': [descent.Parameter(b, gb)]}], lr=0.1, momentum=0.9)
    s = descent.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1 / 25, 2 / 25])
    assert s.get("max_lr", group=1) == 2.0
    with pytest.raises(descent.ArgumentError):
        descent.CyclicLR(opt, max_lr=[1.0, 2.0, 3.0])


def test_container_children_are_read_only_and_outlive_nothing():
    import gc
    opt = sgd(1.0)
    warm = descent.LinearLR(opt, start_factor=0.5, total_iters=2)
    decay = descent.ExponentialLR(opt, gamma=0.5)
    seq = descent.SequentialLR(opt, [warm, decay], milestones=[2])
    seq.step()
    assert warm.last_epoch == 1 and decay.last_epoch == -1
    assert len(warm.state_dict()) > 0               # reading a child is fine
    with pytest.raises(descent.StateError):
        warm.load_state_dict(warm.state_dict())     # changing it is the container's job
    with pytest.raises(descent.StateError):
        decay.step()
    del seq
    gc.collect()
    assert warm.get_last_lr() == [pytest.approx(0.75)]  # the child keeps the container alive
    del warm, decay
    gc.collect()


def test_refused_child_is_consumed():
    import gc
    opt = sgd(1.0)
    step = descent.StepLR(opt, step_size=1)
    plateau = descent.ReduceLROnPlateau(opt)
    with pytest.raises(descent.UnsupportedError, match="ReduceLROnPlateau cannot be a child"):
        descent.SequentialLR(opt, [step, plateau], milestones=[1])
    with pytest.raises(descent.ClosedError):       # the C child was freed with the refusal
        plateau.get_last_lr()
    assert step.get("step_size") == 1             # the one adopted before is still readable
    del step, plateau
    gc.collect()


def test_param_default():
    from descent._enums import SchedulerKind
    LR = descent.lr_scheduler.LRScheduler
    assert LR.default(SchedulerKind.STEP, "gamma") == 0.1
    assert LR.default(SchedulerKind.ONE_CYCLE, "div_factor") == 25.0
    assert math.isnan(LR.default(SchedulerKind.STEP, "step_size"))       # required
    assert math.isnan(LR.default(SchedulerKind.CYCLIC, "step_size_down"))  # follows step_size_up
    with pytest.raises(descent.UnsupportedError):
        LR.default(SchedulerKind.STEP, "T_max")
    assert LR.bounds(SchedulerKind.CYCLIC, "cycle_momentum") == (0.0, 1.0)
