"""Learning-rate schedulers with torch.optim.lr_scheduler's names and arguments.

Arguments torch requires (``step_size``, ``T_max``, ``max_lr``...) are
checked by the library when the scheduler starts: leaving one out raises
``descent.StateError`` with the C message naming it.

Constructing a scheduler applies its t = 0 learning rate to the optimizer, as
torch's constructors do; ``step()`` advances it (``ReduceLROnPlateau.step(metric)``).
Arguments left at ``None`` keep descent's defaults, which are PyTorch's.

A scheduler keeps its optimizer alive. ``SequentialLR`` and ``ChainedScheduler``
take schedulers already built on the same optimizer, as torch does: they put
back the optimizer's initial learning rates (torch's ``initial_lr``), rebuild
their children inside the container (``dsc_lr_scheduler_add_child`` hands each
one over to the C container, which frees it) and start. The child objects stay
usable for reading (``get_last_lr()``, ``last_epoch``, ``state_dict()``) and
keep the container alive; stepping or loading them is refused (use the
container), and they may be deleted in any order.
"""

import ctypes
import math
from ctypes import c_double, c_int64, c_size_t, c_void_p

from . import _buf
from ._base import Handle, _Ref
from ._enums import (AnnealStrategy, CyclicMode, PlateauMode, SchedParam, SchedState,
                     SchedulerKind, Status, ThresholdMode)
from ._ffi import C, lr_lambda_fn

_ENUM_VALUES = {
    "mode_cyclic": {"triangular": CyclicMode.TRIANGULAR, "triangular2": CyclicMode.TRIANGULAR2,
                    "exp_range": CyclicMode.EXP_RANGE},
    "anneal_strategy": {"cos": AnnealStrategy.COS, "linear": AnnealStrategy.LINEAR},
    "mode_plateau": {"min": PlateauMode.MIN, "max": PlateauMode.MAX},
    "threshold_mode": {"rel": ThresholdMode.REL, "abs": ThresholdMode.ABS},
}


def _num(name, v):
    """A float, or a list of floats (one per group, as torch takes for some keys)."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (list, tuple)):
        vals = [float(x) for x in v]
        return vals[0] if len(set(vals)) == 1 else vals
    return float(v)


class LRScheduler(Handle):
    """Base of the schedulers."""

    _kind = None

    def __init__(self, optimizer, _params=(), _milestones=None, _lambdas=None, last_epoch=-1,
                 verbose=False):
        if last_epoch != -1:
            raise _buf.arg_error("last_epoch=%r: resuming is done with load_state_dict()" % last_epoch)
        self.optimizer = optimizer
        self._opt_ref = optimizer._ref
        optimizer._as_parameter_          # a closed optimizer raises ClosedError here
        self._ngroups = len(optimizer.param_groups)
        self._params = [(k, _num(k.name, v)) for k, v in _params if v is not None]
        self._milestones = None if _milestones is None else [int(m) for m in _milestones]
        self._lambdas = _lambdas
        self._errors = []
        self._cb = None
        self._container = None
        optimizer._snapshot()
        self._build()
        self._start()

    def _build(self):
        """A new configured (not started) C scheduler owned by this wrapper."""
        ptr = c_void_p()
        C.dsc_lr_scheduler_new(ctypes.byref(ptr), self._kind, self._opt_ref.ptr)
        ref = self._set(ptr, C.dsc_lr_scheduler_free, [self._opt_ref])
        for key, v in self._params:
            if isinstance(v, list):   # one value per group (CyclicLR/OneCycleLR max_lr...)
                if len(v) != self._ngroups:
                    raise _buf.arg_error("%s: %d values of %s for %d parameter groups" % (
                        type(self).__name__, len(v), _TORCH_NAME.get(key, key.name), self._ngroups))
                for g, gv in enumerate(v):
                    C.dsc_lr_scheduler_group_set(self, g, key, gv)
            else:
                C.dsc_lr_scheduler_set(self, key, v)
        if self._milestones is not None:
            m = (c_int64 * max(len(self._milestones), 1))(*self._milestones)
            C.dsc_lr_scheduler_set_milestones(self, m, len(self._milestones))
        if self._lambdas is not None:
            self._cb = lr_lambda_fn(self._trampoline())
            C.dsc_lr_scheduler_set_lambda(self, self._cb, None)
            ref.keep.append(self._cb)
        return ref

    def _trampoline(self):
        fns, errors = self._lambdas, self._errors

        def call(epoch, group, _user):
            try:
                f = fns[group] if isinstance(fns, (list, tuple)) else fns
                return float(f(epoch))
            except BaseException as e:  # the C step refuses a NaN factor; step() re-raises
                errors.append(e)
                return math.nan
        return call

    def _raise_callback(self, scheds):
        for s in scheds:
            if s._errors:
                err = s._errors[0]
                del s._errors[:]
                raise err

    def _family(self):
        return [self]

    def _start(self):
        try:
            C.dsc_lr_scheduler_start(self)
        except Exception:
            self._raise_callback(self._family())
            raise

    def step(self, epoch=None):
        """Advance by one step and write the new lr into the optimizer's groups."""
        if epoch is not None:
            raise _buf.arg_error("step(epoch) is deprecated in torch and not supported")
        self._check_top()
        try:
            C.dsc_lr_scheduler_step(self)
        except Exception:
            self._raise_callback(self._family())
            raise

    def _check_top(self):
        if self._container is not None:
            raise _buf.error_for(Status.E_STATE, "%s belongs to a %s: step the container"
                                 % (type(self).__name__, type(self._container).__name__))

    def get_last_lr(self):
        """The lr this scheduler last computed, one per group."""
        out = []
        for g in range(self._ngroups):
            v = c_double()
            C.dsc_lr_scheduler_lr(self, g, ctypes.byref(v))
            out.append(v.value)
        return out

    def _state(self, key):
        v = c_double()
        C.dsc_lr_scheduler_state_get(self, key, ctypes.byref(v))
        return v.value

    @property
    def last_epoch(self):
        """torch's ``last_epoch``: steps taken since construction."""
        return int(self._state(SchedState.STEP))

    def get(self, name, group=None):
        """A hyperparameter's value by its torch name (its default until set);
        with ``group``, that group's own value of a per-group key."""
        v = c_double()
        if group is None:
            C.dsc_lr_scheduler_get(self, _KEY[name], ctypes.byref(v))
        else:
            C.dsc_lr_scheduler_group_get(self, group, _KEY[name], ctypes.byref(v))
        return v.value

    def state_dict(self):
        """The run-time state as a list of floats (hyperparameters excluded)."""
        n = c_size_t()
        C.dsc_lr_scheduler_state_size(self, ctypes.byref(n))
        buf = (c_double * n.value)()
        C.dsc_lr_scheduler_state_save(self, buf, n.value)
        return list(buf)

    def load_state_dict(self, state):
        self._check_top()
        buf = (c_double * len(state))(*state)
        C.dsc_lr_scheduler_state_load(self, buf, len(state))

    @staticmethod
    def bounds(kind, name):
        """The valid range (lo, hi) of a hyperparameter for a SchedulerKind."""
        lo, hi = c_double(), c_double()
        C.dsc_lr_scheduler_param_bounds(SchedulerKind(kind), _KEY[name], ctypes.byref(lo),
                                        ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(kind, name):
        """The default of a hyperparameter for a SchedulerKind; NaN when it has no
        fixed default (required, or derived from other settings or the groups)."""
        v = c_double()
        C.dsc_lr_scheduler_param_default(SchedulerKind(kind), _KEY[name], ctypes.byref(v))
        return v.value


_KEY = {
    "gamma": SchedParam.GAMMA, "step_size": SchedParam.STEP_SIZE, "factor": SchedParam.FACTOR,
    "total_iters": SchedParam.TOTAL_ITERS, "start_factor": SchedParam.START_FACTOR,
    "end_factor": SchedParam.END_FACTOR, "power": SchedParam.POWER, "T_max": SchedParam.T_MAX,
    "eta_min": SchedParam.ETA_MIN, "T_0": SchedParam.T_0, "T_mult": SchedParam.T_MULT,
    "base_lr": SchedParam.BASE_LR, "max_lr": SchedParam.MAX_LR,
    "step_size_up": SchedParam.STEP_SIZE_UP, "step_size_down": SchedParam.STEP_SIZE_DOWN,
    "cycle_momentum": SchedParam.CYCLE_MOMENTUM, "base_momentum": SchedParam.BASE_MOMENTUM,
    "max_momentum": SchedParam.MAX_MOMENTUM, "total_steps": SchedParam.TOTAL_STEPS,
    "pct_start": SchedParam.PCT_START, "anneal_strategy": SchedParam.ANNEAL_STRATEGY,
    "div_factor": SchedParam.DIV_FACTOR, "final_div_factor": SchedParam.FINAL_DIV_FACTOR,
    "three_phase": SchedParam.THREE_PHASE, "epochs": SchedParam.EPOCHS,
    "steps_per_epoch": SchedParam.STEPS_PER_EPOCH, "patience": SchedParam.PATIENCE,
    "threshold": SchedParam.THRESHOLD, "threshold_mode": SchedParam.THRESHOLD_MODE,
    "cooldown": SchedParam.COOLDOWN, "min_lr": SchedParam.MIN_LR, "eps": SchedParam.EPS,
    "decay_rate": SchedParam.DECAY_RATE, "decay_steps": SchedParam.DECAY_STEPS,
    "staircase": SchedParam.STAIRCASE,
}
_TORCH_NAME = {v: k for k, v in _KEY.items()}
_TORCH_NAME[SchedParam.MODE] = "mode"
_TORCH_NAME[SchedParam.PLATEAU_MODE] = "mode"


def _enum(table, name, v):
    if v is None:
        return None
    if isinstance(v, str):
        try:
            return _ENUM_VALUES[table][v]
        except KeyError:
            raise _buf.arg_error("%s=%r; one of %s" % (name, v, ", ".join(_ENUM_VALUES[table]))) from None
    return int(v)


class Constant(LRScheduler):
    """A constant lr (descent's DSC_SCHED_CONSTANT; no torch class)."""
    _kind = SchedulerKind.CONSTANT

    def __init__(self, optimizer, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch=last_epoch)


class StepLR(LRScheduler):
    _kind = SchedulerKind.STEP

    def __init__(self, optimizer, step_size=None, gamma=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.STEP_SIZE, step_size), (SchedParam.GAMMA, gamma)],
                         last_epoch=last_epoch)


class MultiStepLR(LRScheduler):
    _kind = SchedulerKind.MULTI_STEP

    def __init__(self, optimizer, milestones, gamma=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.GAMMA, gamma)], _milestones=sorted(milestones),
                         last_epoch=last_epoch)


class ConstantLR(LRScheduler):
    _kind = SchedulerKind.CONSTANT_LR

    def __init__(self, optimizer, factor=None, total_iters=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.FACTOR, factor),
                                     (SchedParam.TOTAL_ITERS, total_iters)], last_epoch=last_epoch)


class LinearLR(LRScheduler):
    _kind = SchedulerKind.LINEAR

    def __init__(self, optimizer, start_factor=None, end_factor=None, total_iters=None,
                 last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.START_FACTOR, start_factor),
                                     (SchedParam.END_FACTOR, end_factor),
                                     (SchedParam.TOTAL_ITERS, total_iters)], last_epoch=last_epoch)


class ExponentialLR(LRScheduler):
    _kind = SchedulerKind.EXPONENTIAL

    def __init__(self, optimizer, gamma=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.GAMMA, gamma)], last_epoch=last_epoch)


class PolynomialLR(LRScheduler):
    _kind = SchedulerKind.POLYNOMIAL

    def __init__(self, optimizer, total_iters=None, power=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.TOTAL_ITERS, total_iters),
                                     (SchedParam.POWER, power)], last_epoch=last_epoch)


class CosineAnnealingLR(LRScheduler):
    _kind = SchedulerKind.COSINE

    def __init__(self, optimizer, T_max=None, eta_min=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.T_MAX, T_max), (SchedParam.ETA_MIN, eta_min)],
                         last_epoch=last_epoch)


class CosineAnnealingWarmRestarts(LRScheduler):
    _kind = SchedulerKind.COSINE_WARM_RESTARTS

    def __init__(self, optimizer, T_0=None, T_mult=None, eta_min=None, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.T_0, T_0), (SchedParam.T_MULT, T_mult),
                                     (SchedParam.ETA_MIN, eta_min)], last_epoch=last_epoch)

    @property
    def T_cur(self):
        return self._state(SchedState.T_CUR)

    @property
    def T_i(self):
        return self._state(SchedState.T_I)


class CyclicLR(LRScheduler):
    """torch's CyclicLR; ``base_lr=None`` takes each group's current lr.
    ``scale_fn`` (a custom scale function) is not supported; ``scale_mode``
    must be the one the built-in mode implies."""
    _kind = SchedulerKind.CYCLIC

    def __init__(self, optimizer, base_lr=None, max_lr=None, step_size_up=None,
                 step_size_down=None, mode=None, gamma=None, scale_fn=None, scale_mode=None,
                 cycle_momentum=None, base_momentum=None, max_momentum=None, last_epoch=-1,
                 verbose=False):
        if scale_fn is not None:
            raise _buf.arg_error("CyclicLR: scale_fn is not supported; use mode=")
        m = _enum("mode_cyclic", "mode", mode)
        if scale_mode is not None:
            implied = "iterations" if m == CyclicMode.EXP_RANGE else "cycle"
            if scale_mode != implied:
                raise _buf.arg_error("CyclicLR: scale_mode=%r, but mode %s scales per %s"
                                     % (scale_mode, mode or "triangular", implied))
        super().__init__(optimizer, [
            (SchedParam.BASE_LR, base_lr), (SchedParam.MAX_LR, max_lr),
            (SchedParam.STEP_SIZE_UP, step_size_up), (SchedParam.STEP_SIZE_DOWN, step_size_down),
            (SchedParam.MODE, m), (SchedParam.GAMMA, gamma),
            (SchedParam.CYCLE_MOMENTUM, cycle_momentum), (SchedParam.BASE_MOMENTUM, base_momentum),
            (SchedParam.MAX_MOMENTUM, max_momentum)], last_epoch=last_epoch)


class OneCycleLR(LRScheduler):
    _kind = SchedulerKind.ONE_CYCLE

    def __init__(self, optimizer, max_lr=None, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=None, anneal_strategy=None, cycle_momentum=None, base_momentum=None,
                 max_momentum=None, div_factor=None, final_div_factor=None, three_phase=None,
                 last_epoch=-1, verbose=False):
        super().__init__(optimizer, [
            (SchedParam.MAX_LR, max_lr), (SchedParam.TOTAL_STEPS, total_steps),
            (SchedParam.EPOCHS, epochs), (SchedParam.STEPS_PER_EPOCH, steps_per_epoch),
            (SchedParam.PCT_START, pct_start),
            (SchedParam.ANNEAL_STRATEGY, _enum("anneal_strategy", "anneal_strategy", anneal_strategy)),
            (SchedParam.CYCLE_MOMENTUM, cycle_momentum), (SchedParam.BASE_MOMENTUM, base_momentum),
            (SchedParam.MAX_MOMENTUM, max_momentum), (SchedParam.DIV_FACTOR, div_factor),
            (SchedParam.FINAL_DIV_FACTOR, final_div_factor),
            (SchedParam.THREE_PHASE, three_phase)], last_epoch=last_epoch)


class ReduceLROnPlateau(LRScheduler):
    _kind = SchedulerKind.PLATEAU

    def __init__(self, optimizer, mode=None, factor=None, patience=None, threshold=None,
                 threshold_mode=None, cooldown=None, min_lr=None, eps=None, verbose=False):
        super().__init__(optimizer, [
            (SchedParam.PLATEAU_MODE, _enum("mode_plateau", "mode", mode)),
            (SchedParam.FACTOR, factor), (SchedParam.PATIENCE, patience),
            (SchedParam.THRESHOLD, threshold),
            (SchedParam.THRESHOLD_MODE, _enum("threshold_mode", "threshold_mode", threshold_mode)),
            (SchedParam.COOLDOWN, cooldown), (SchedParam.MIN_LR, min_lr), (SchedParam.EPS, eps)])

    def step(self, metrics, epoch=None):
        """Advance with this epoch's metric (a validation loss, an accuracy)."""
        if epoch is not None:
            raise _buf.arg_error("step(epoch) is deprecated in torch and not supported")
        C.dsc_lr_scheduler_step_metric(self, float(metrics))

    @property
    def best(self):
        return self._state(SchedState.BEST)

    @property
    def num_bad_epochs(self):
        return int(self._state(SchedState.NUM_BAD_EPOCHS))

    @property
    def cooldown_counter(self):
        return int(self._state(SchedState.COOLDOWN_COUNTER))


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); ``lr_lambda`` a function or one per group.
    The functions are kept alive with the scheduler; an exception they raise
    comes out of ``step()``."""
    _kind = SchedulerKind.LAMBDA

    def __init__(self, optimizer, lr_lambda, last_epoch=-1, verbose=False):
        super().__init__(optimizer, _lambdas=lr_lambda, last_epoch=last_epoch)


class MultiplicativeLR(LRScheduler):
    """lr *= lr_lambda(epoch) for epoch >= 1."""
    _kind = SchedulerKind.MULTIPLICATIVE

    def __init__(self, optimizer, lr_lambda, last_epoch=-1, verbose=False):
        super().__init__(optimizer, _lambdas=lr_lambda, last_epoch=last_epoch)


class InverseTimeDecay(LRScheduler):
    """Keras InverseTimeDecay: lr / (1 + decay_rate * t / decay_steps) (floor with staircase)."""
    _kind = SchedulerKind.INVERSE_TIME

    def __init__(self, optimizer, decay_steps=None, decay_rate=None, staircase=None, last_epoch=-1,
                 verbose=False):
        super().__init__(optimizer, [(SchedParam.DECAY_RATE, decay_rate),
                                     (SchedParam.DECAY_STEPS, decay_steps),
                                     (SchedParam.STAIRCASE, staircase)], last_epoch=last_epoch)


class _Container(LRScheduler):
    def _adopt(self, optimizer, schedulers, milestones=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise _buf.arg_error("%s needs at least one scheduler" % type(self).__name__)
        for s in schedulers:
            if not isinstance(s, LRScheduler):
                raise _buf.arg_error("%s: %r is not a scheduler" % (type(self).__name__, s))
            if s.optimizer is not optimizer:
                raise _buf.arg_error("%s: every scheduler must be over the same optimizer"
                                     % type(self).__name__)
            if s._container is not None:
                raise _buf.error_for(Status.E_STATE, "%s already belongs to a container"
                                     % type(s).__name__)
        self.optimizer = optimizer
        self._opt_ref = optimizer._ref
        optimizer._as_parameter_
        self._ngroups = len(optimizer.param_groups)
        self._params = []
        self._milestones = None if milestones is None else [int(m) for m in milestones]
        self._lambdas = None
        self._errors = []
        self._cb = None
        self._container = None
        self._schedulers = schedulers
        optimizer._snapshot()
        # The children were built (and started) on their own, as in torch: put
        # back the initial lrs, then rebuild each child inside the container.
        optimizer._restore_initial()
        ref = self._build()
        for i, s in enumerate(schedulers):
            child_ref = s._build()   # a fresh, unstarted C child; its old started one is released
            # add_child consumes the C child whatever the outcome (the container
            # owns it, or it was freed) and sets the pointer to NULL: this
            # wrapper never frees it again.
            child_ref.free = None
            try:
                C.dsc_lr_scheduler_add_child(self, ctypes.byref(child_ref.ptr))
            finally:
                child_ref.ptr = None
            # From here the wrapper reads its C child through the container.
            p = c_void_p()
            C.dsc_lr_scheduler_child(self, i, ctypes.byref(p))
            child_ref.ptr = p
            child_ref.keep.append(ref)     # the child's handle lives as long as the container
            ref.keep.extend(k for k in child_ref.keep if k is not ref and not isinstance(k, _Ref))
            s._container = self
        self._start()

    def _family(self):
        return [self] + self._schedulers


class SequentialLR(_Container):
    """torch's SequentialLR(optimizer, schedulers, milestones)."""
    _kind = SchedulerKind.SEQUENTIAL

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1, verbose=False):
        if last_epoch != -1:
            raise _buf.arg_error("last_epoch=%r is not supported" % last_epoch)
        self._adopt(optimizer, schedulers, milestones)


class ChainedScheduler(_Container):
    """torch's ChainedScheduler(schedulers): every child each step, factors multiplied."""
    _kind = SchedulerKind.CHAINED

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if optimizer is None:
            if not schedulers:
                raise _buf.arg_error("ChainedScheduler needs at least one scheduler")
            optimizer = schedulers[0].optimizer
        self._adopt(optimizer, schedulers)


BY_NAME = {c.__name__: c for c in (
    StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
    CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau, LambdaLR,
    MultiplicativeLR, SequentialLR, ChainedScheduler, InverseTimeDecay)}
BY_NAME["inverse_time"] = InverseTimeDecay
