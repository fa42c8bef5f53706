"""Learning-rate schedulers with torch.optim.lr_scheduler's names and arguments.

Arguments torch requires (``step_size``, ``T_max``, ``max_lr``...) are
checked by the library when the scheduler starts: leaving one out raises
``descent.StateError`` with the C message naming it.

Constructing a scheduler applies its t = 0 learning rate to the optimizer, as
torch's constructors do; ``step()`` advances it (``ReduceLROnPlateau.step(metric)``).
Arguments left out keep descent's defaults, which are PyTorch's. Every
argument given is checked when the scheduler is made: integers (``int`` or a
NumPy integer, not ``float`` or ``bool``) for ``step_size``, ``T_max``,
``T_0``, ``T_mult``, ``total_iters``, ``total_steps``, ``epochs``,
``steps_per_epoch``, ``patience``, ``cooldown`` and milestones; ``True``/``False``
for ``cycle_momentum``, ``three_phase``, ``staircase``; one of the documented
strings for ``mode``, ``anneal_strategy``, ``threshold_mode``; real numbers
for the rest (``base_lr``, ``max_lr``, ``base_momentum``, ``max_momentum`` and
``min_lr`` also take one per parameter group); ``None`` only where torch's
default is ``None`` (CyclicLR's ``step_size_down``, OneCycleLR's
``total_steps``, ``epochs``, ``steps_per_epoch``; descent's CyclicLR also
takes ``base_lr=None``: each group's current lr). Then the library checks the
ranges, and the scheduler starts.

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
from collections.abc import Mapping
from ctypes import c_double, c_int64, c_size_t, c_void_p

from . import _buf, _check
from ._base import Handle, _Ref
from ._enums import (AnnealStrategy, CyclicMode, PlateauMode, SchedParam, SchedState,
                     SchedulerKind, Status, ThresholdMode)
from ._ffi import C, lr_lambda_fn

_UNSET = _check.UNSET

_ENUM_VALUES = {
    "mode_cyclic": ({"triangular": CyclicMode.TRIANGULAR, "triangular2": CyclicMode.TRIANGULAR2,
                     "exp_range": CyclicMode.EXP_RANGE}, CyclicMode),
    "anneal_strategy": ({"cos": AnnealStrategy.COS, "linear": AnnealStrategy.LINEAR}, AnnealStrategy),
    "mode_plateau": ({"min": PlateauMode.MIN, "max": PlateauMode.MAX}, PlateauMode),
    "threshold_mode": ({"rel": ThresholdMode.REL, "abs": ThresholdMode.ABS}, ThresholdMode),
}

# The Python type of each key's value (the library's integer and 0/1 keys).
_INTS = {SchedParam.STEP_SIZE, SchedParam.T_MAX, SchedParam.T_0, SchedParam.T_MULT,
         SchedParam.TOTAL_ITERS, SchedParam.TOTAL_STEPS, SchedParam.EPOCHS,
         SchedParam.STEPS_PER_EPOCH, SchedParam.PATIENCE, SchedParam.COOLDOWN}
_BOOLS = {SchedParam.CYCLE_MOMENTUM, SchedParam.THREE_PHASE, SchedParam.STAIRCASE}
_ENUMS = {SchedParam.MODE, SchedParam.PLATEAU_MODE, SchedParam.ANNEAL_STRATEGY,
          SchedParam.THRESHOLD_MODE}
# Keys that take one value per parameter group (torch: "float or list").
_PER_GROUP = {SchedParam.BASE_LR, SchedParam.MAX_LR, SchedParam.BASE_MOMENTUM,
              SchedParam.MAX_MOMENTUM, SchedParam.MIN_LR}
# Keys whose torch default is None ("not given").
_NONE_OK = {SchedParam.STEP_SIZE_DOWN, SchedParam.TOTAL_STEPS, SchedParam.EPOCHS,
            SchedParam.STEPS_PER_EPOCH, SchedParam.BASE_LR}


def _num(where, key, v, ngroups):
    """A key's value as a float (or a list of floats, one per group), type checked."""
    name = _TORCH_NAME.get(key, key.name.lower())
    if key in _ENUMS:
        return float(v)                     # converted and checked by _enum
    if key in _INTS:
        return float(_check.integer(where, name, v, lo=None, hi=None))
    if key in _BOOLS:
        return float(_check.flag(where, name, v))
    if key in _PER_GROUP and isinstance(v, (list, tuple)):
        vals = [_check.real(where, "%s[%d]" % (name, i), x) for i, x in enumerate(v)]
        if len(vals) != ngroups:
            raise _buf.arg_error("%s: %d values of %s for %d parameter groups"
                                 % (where, len(vals), name, ngroups))
        return vals[0] if len(set(vals)) == 1 else vals
    return _check.real(where, name, v)


class LRScheduler(Handle):
    """Base of the schedulers."""

    _kind = None

    def __init__(self, optimizer, _params=(), _milestones=None, _lambdas=None, last_epoch=-1,
                 verbose=False):
        from .optim import Optimizer
        where = type(self).__name__
        _check.instance(where, "optimizer", optimizer, Optimizer, "a descent optimizer (SGD, Adam...)")
        if _check.integer(where, "last_epoch", last_epoch, lo=None, hi=None) != -1:
            raise _buf.arg_error("%s: last_epoch=%r: resuming is done with load_state_dict()"
                                 % (where, last_epoch))
        optimizer._as_parameter_          # a closed optimizer raises ClosedError here
        self._ngroups = len(optimizer._groups)
        params = []
        for k, v in _params:
            if v is _UNSET or (v is None and k in _NONE_OK):
                continue
            params.append((k, _num(where, k, v, self._ngroups)))
        if _milestones is not None:
            _milestones = [_check.integer(where, "milestones[%d]" % i, m, lo=-2 ** 63,
                                          hi=2 ** 63 - 1)
                           for i, m in enumerate(_check.sequence(where, "milestones", _milestones))]
        if _lambdas is not None:
            if isinstance(_lambdas, (list, tuple)):
                if len(_lambdas) != self._ngroups:
                    raise _buf.arg_error("%s: expected %d lr_lambdas (one per parameter group), "
                                         "but got %d" % (where, self._ngroups, len(_lambdas)))
                for i, f in enumerate(_lambdas):
                    _check.callable_(where, "lr_lambda[%d]" % i, f, none_ok=False)
            else:
                _check.callable_(where, "lr_lambda", _lambdas, none_ok=False)
        self.optimizer = optimizer
        self._opt_ref = optimizer._ref
        self._owner = list(optimizer._owner)       # C group -> parameter group
        self._params = params
        self._milestones = _milestones
        self._lambdas = _lambdas
        self._errors = []
        self._cb = None
        self._container = None
        optimizer._snapshot()
        self._build()
        self._start()

    def _first(self, group):
        """The first C group of parameter group ``group``."""
        return self._owner.index(group)

    def _build(self):
        """A new configured (not started) C scheduler owned by this wrapper."""
        ptr = c_void_p()
        C.dsc_lr_scheduler_new(ctypes.byref(ptr), self._kind, self._opt_ref.ptr)
        ref = self._set(ptr, C.dsc_lr_scheduler_free, [self._opt_ref])
        for key, v in self._params:
            if isinstance(v, list):   # one value per group (CyclicLR/OneCycleLR max_lr...)
                for c, g in enumerate(self._owner):
                    C.dsc_lr_scheduler_group_set(self, c, key, v[g])
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
        fns, errors, owner = self._lambdas, self._errors, self._owner
        last = [None]        # (epoch, group, factor) of the previous call in this pass

        def call(epoch, cgroup, _user):
            group = owner[cgroup] if cgroup < len(owner) else cgroup
            if cgroup == 0:
                last[0] = None
            prev = last[0]
            if prev is not None and prev[0] == epoch and prev[1] == group:
                return prev[2]    # one call per parameter group and step, as in torch
            try:
                f = fns[group] if isinstance(fns, (list, tuple)) else fns
                v = float(f(epoch))
            except BaseException as e:  # the C step refuses a NaN factor; step() re-raises
                errors.append(e)
                return math.nan
            last[0] = (epoch, group, v)
            return v
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
        """The lr this scheduler last computed, one per parameter group."""
        out = []
        for g in range(self._ngroups):
            v = c_double()
            C.dsc_lr_scheduler_lr(self, self._first(g), ctypes.byref(v))
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
        key = _key("%s.get" % type(self).__name__, name)
        v = c_double()
        if group is None:
            C.dsc_lr_scheduler_get(self, key, ctypes.byref(v))
        else:
            group = _check.integer("%s.get" % type(self).__name__, "group", group, lo=0)
            if group >= self._ngroups:
                raise _buf.arg_error("%s.get: group %d; the optimizer has %d parameter groups"
                                     % (type(self).__name__, group, self._ngroups))
            C.dsc_lr_scheduler_group_get(self, self._first(group), key, ctypes.byref(v))
        return v.value

    def state_dict(self):
        """The run-time state, as a dict like torch's: ``{"last_epoch": n,
        "state": [floats]}``. ``state`` is ``dsc_lr_scheduler_state_save``'s
        block of doubles (docs/checkpoint.md: position, per-group base and
        current lr, the kind's own counters, a container's children), exact as
        Python floats; hyperparameters are not in it: build the scheduler with
        the same settings, as in torch, then load. Load the optimizer's state
        dict first, then the scheduler's."""
        n = c_size_t()
        C.dsc_lr_scheduler_state_size(self, ctypes.byref(n))
        buf = (c_double * n.value)()
        C.dsc_lr_scheduler_state_save(self, buf, n.value)
        return {"last_epoch": self.last_epoch, "state": list(buf)}

    # Index of t (torch's last_epoch) in the saved state (docs/checkpoint.md).
    _STATE_T = 7

    def load_state_dict(self, state_dict):
        """Load what :meth:`state_dict` gave (or its ``state`` list alone).
        The library checks the block against this scheduler (kinds, groups,
        children, values) and changes nothing when it refuses it; a
        ``last_epoch`` that disagrees with the block is refused."""
        where = "%s.load_state_dict" % type(self).__name__
        last_epoch = None
        if isinstance(state_dict, Mapping):
            extra = [k for k in state_dict if k not in ("last_epoch", "state")]
            if extra or "state" not in state_dict:
                raise _buf.arg_error("%s: a scheduler's state dict has 'state' (and "
                                     "'last_epoch'), as state_dict() gives; got keys %s"
                                     % (where, ", ".join(repr(k) for k in state_dict)))
            if "last_epoch" in state_dict:
                last_epoch = _check.integer(where, "last_epoch", state_dict["last_epoch"],
                                            lo=-1, hi=None)
            state_dict = state_dict["state"]
        state = [_check.real(where, "state[%d]" % i, v)
                 for i, v in enumerate(_check.sequence(where, "state", state_dict))]
        if (last_epoch is not None and len(state) > self._STATE_T
                and state[self._STATE_T] != last_epoch):
            raise _buf.arg_error("%s: last_epoch is %d but the state is at step %g; descent "
                                 "restores the position from 'state'"
                                 % (where, last_epoch, state[self._STATE_T]))
        self._check_top()
        buf = (c_double * max(len(state), 1))(*state)
        C.dsc_lr_scheduler_state_load(self, buf, len(state))

    @staticmethod
    def bounds(kind, name):
        """The valid range (lo, hi) of a hyperparameter for a SchedulerKind."""
        lo, hi = c_double(), c_double()
        C.dsc_lr_scheduler_param_bounds(_check.kind("LRScheduler.bounds", kind, SchedulerKind),
                                        _key("LRScheduler.bounds", name),
                                        ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(kind, name):
        """The default of a hyperparameter for a SchedulerKind; NaN when it has no
        fixed default (required, or derived from other settings or the groups)."""
        v = c_double()
        C.dsc_lr_scheduler_param_default(_check.kind("LRScheduler.default", kind, SchedulerKind),
                                         _key("LRScheduler.default", name),
                                         ctypes.byref(v))
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


def _key(where, name):
    key = _KEY.get(name) if isinstance(name, str) else None
    if key is None:
        raise _buf.arg_error("%s: unknown scheduler setting %r; one of %s"
                             % (where, name, ", ".join(_KEY)))
    return key


def _enum(where, table, name, v):
    """A documented string (or the enum member) as the enum value; _UNSET stays."""
    if v is _UNSET:
        return v
    names, enum_type = _ENUM_VALUES[table]
    return _check.choice(where, name, v, names, enum_type)


U = _UNSET   # an argument left out: descent's default (PyTorch's)


class Constant(LRScheduler):
    """A constant lr (descent's DSC_SCHED_CONSTANT; no torch class)."""
    _kind = SchedulerKind.CONSTANT

    def __init__(self, optimizer, last_epoch=-1, verbose=False):
        super().__init__(optimizer, last_epoch=last_epoch)


class StepLR(LRScheduler):
    _kind = SchedulerKind.STEP

    def __init__(self, optimizer, step_size=U, gamma=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.STEP_SIZE, step_size), (SchedParam.GAMMA, gamma)],
                         last_epoch=last_epoch)


class MultiStepLR(LRScheduler):
    _kind = SchedulerKind.MULTI_STEP

    def __init__(self, optimizer, milestones, gamma=U, last_epoch=-1, verbose=False):
        ms = _check.sequence("MultiStepLR", "milestones", milestones)
        for i, m in enumerate(ms):
            _check.integer("MultiStepLR", "milestones[%d]" % i, m, lo=None, hi=None)
        super().__init__(optimizer, [(SchedParam.GAMMA, gamma)], _milestones=sorted(ms),
                         last_epoch=last_epoch)


class ConstantLR(LRScheduler):
    _kind = SchedulerKind.CONSTANT_LR

    def __init__(self, optimizer, factor=U, total_iters=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.FACTOR, factor),
                                     (SchedParam.TOTAL_ITERS, total_iters)], last_epoch=last_epoch)


class LinearLR(LRScheduler):
    _kind = SchedulerKind.LINEAR

    def __init__(self, optimizer, start_factor=U, end_factor=U, total_iters=U, last_epoch=-1,
                 verbose=False):
        super().__init__(optimizer, [(SchedParam.START_FACTOR, start_factor),
                                     (SchedParam.END_FACTOR, end_factor),
                                     (SchedParam.TOTAL_ITERS, total_iters)], last_epoch=last_epoch)


class ExponentialLR(LRScheduler):
    _kind = SchedulerKind.EXPONENTIAL

    def __init__(self, optimizer, gamma=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.GAMMA, gamma)], last_epoch=last_epoch)


class PolynomialLR(LRScheduler):
    _kind = SchedulerKind.POLYNOMIAL

    def __init__(self, optimizer, total_iters=U, power=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.TOTAL_ITERS, total_iters),
                                     (SchedParam.POWER, power)], last_epoch=last_epoch)


class CosineAnnealingLR(LRScheduler):
    _kind = SchedulerKind.COSINE

    def __init__(self, optimizer, T_max=U, eta_min=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.T_MAX, T_max), (SchedParam.ETA_MIN, eta_min)],
                         last_epoch=last_epoch)


class CosineAnnealingWarmRestarts(LRScheduler):
    _kind = SchedulerKind.COSINE_WARM_RESTARTS

    def __init__(self, optimizer, T_0=U, T_mult=U, eta_min=U, last_epoch=-1, verbose=False):
        super().__init__(optimizer, [(SchedParam.T_0, T_0), (SchedParam.T_MULT, T_mult),
                                     (SchedParam.ETA_MIN, eta_min)], last_epoch=last_epoch)

    @property
    def T_cur(self):
        return self._state(SchedState.T_CUR)

    @property
    def T_i(self):
        return self._state(SchedState.T_I)


class CyclicLR(LRScheduler):
    """torch's CyclicLR; ``base_lr=None`` (or left out) takes each group's
    current lr. ``scale_fn`` (a custom scale function) is not supported;
    ``scale_mode`` must be the one the built-in mode implies."""
    _kind = SchedulerKind.CYCLIC

    def __init__(self, optimizer, base_lr=None, max_lr=U, step_size_up=U, step_size_down=None,
                 mode=U, gamma=U, scale_fn=None, scale_mode=U, cycle_momentum=U, base_momentum=U,
                 max_momentum=U, last_epoch=-1, verbose=False):
        if scale_fn is not None:
            raise _buf.arg_error("CyclicLR: scale_fn is not supported; use mode=")
        m = _enum("CyclicLR", "mode_cyclic", "mode", mode)
        if scale_mode is not U and scale_mode is not None:
            _check.string("CyclicLR", "scale_mode", scale_mode, ("cycle", "iterations"))
            implied = "iterations" if m == CyclicMode.EXP_RANGE else "cycle"
            if scale_mode != implied:
                raise _buf.arg_error("CyclicLR: scale_mode=%r, but mode %s scales per %s"
                                     % (scale_mode, "triangular" if m is U else m.name.lower(),
                                        implied))
        super().__init__(optimizer, [
            (SchedParam.BASE_LR, base_lr), (SchedParam.MAX_LR, max_lr),
            (SchedParam.STEP_SIZE_UP, step_size_up), (SchedParam.STEP_SIZE_DOWN, step_size_down),
            (SchedParam.MODE, m), (SchedParam.GAMMA, gamma),
            (SchedParam.CYCLE_MOMENTUM, cycle_momentum), (SchedParam.BASE_MOMENTUM, base_momentum),
            (SchedParam.MAX_MOMENTUM, max_momentum)], last_epoch=last_epoch)


class OneCycleLR(LRScheduler):
    _kind = SchedulerKind.ONE_CYCLE

    def __init__(self, optimizer, max_lr=U, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=U, anneal_strategy=U, cycle_momentum=U, base_momentum=U,
                 max_momentum=U, div_factor=U, final_div_factor=U, three_phase=U,
                 last_epoch=-1, verbose=False):
        super().__init__(optimizer, [
            (SchedParam.MAX_LR, max_lr), (SchedParam.TOTAL_STEPS, total_steps),
            (SchedParam.EPOCHS, epochs), (SchedParam.STEPS_PER_EPOCH, steps_per_epoch),
            (SchedParam.PCT_START, pct_start),
            (SchedParam.ANNEAL_STRATEGY,
             _enum("OneCycleLR", "anneal_strategy", "anneal_strategy", anneal_strategy)),
            (SchedParam.CYCLE_MOMENTUM, cycle_momentum), (SchedParam.BASE_MOMENTUM, base_momentum),
            (SchedParam.MAX_MOMENTUM, max_momentum), (SchedParam.DIV_FACTOR, div_factor),
            (SchedParam.FINAL_DIV_FACTOR, final_div_factor),
            (SchedParam.THREE_PHASE, three_phase)], last_epoch=last_epoch)


class ReduceLROnPlateau(LRScheduler):
    _kind = SchedulerKind.PLATEAU

    def __init__(self, optimizer, mode=U, factor=U, patience=U, threshold=U, threshold_mode=U,
                 cooldown=U, min_lr=U, eps=U, verbose=False):
        where = "ReduceLROnPlateau"
        super().__init__(optimizer, [
            (SchedParam.PLATEAU_MODE, _enum(where, "mode_plateau", "mode", mode)),
            (SchedParam.FACTOR, factor), (SchedParam.PATIENCE, patience),
            (SchedParam.THRESHOLD, threshold),
            (SchedParam.THRESHOLD_MODE, _enum(where, "threshold_mode", "threshold_mode",
                                              threshold_mode)),
            (SchedParam.COOLDOWN, cooldown), (SchedParam.MIN_LR, min_lr), (SchedParam.EPS, eps)])

    def step(self, metrics, epoch=None):
        """Advance with this epoch's metric (a real number: a validation loss, an accuracy)."""
        if epoch is not None:
            raise _buf.arg_error("step(epoch) is deprecated in torch and not supported")
        metrics = _check.real("ReduceLROnPlateau.step", "metrics", metrics)
        C.dsc_lr_scheduler_step_metric(self, metrics)

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
    """lr = base_lr * lr_lambda(epoch); ``lr_lambda`` a function or one per
    parameter group. The functions are kept alive with the scheduler and
    called once per group and step; an exception they raise comes out of
    ``step()``."""
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

    def __init__(self, optimizer, decay_steps=U, decay_rate=U, staircase=U, last_epoch=-1,
                 verbose=False):
        super().__init__(optimizer, [(SchedParam.DECAY_RATE, decay_rate),
                                     (SchedParam.DECAY_STEPS, decay_steps),
                                     (SchedParam.STAIRCASE, staircase)], last_epoch=last_epoch)


class _Container(LRScheduler):
    def _adopt(self, optimizer, schedulers, milestones=None):
        from .optim import Optimizer
        where = type(self).__name__
        _check.instance(where, "optimizer", optimizer, Optimizer, "a descent optimizer (SGD, Adam...)")
        schedulers = _check.sequence(where, "schedulers", schedulers)
        if not schedulers:
            raise _buf.arg_error("%s needs at least one scheduler" % where)
        for s in schedulers:
            if not isinstance(s, LRScheduler):
                raise TypeError("%s: %s is not a scheduler" % (where, _check.describe(s)))
            if s.optimizer is not optimizer:
                raise _buf.arg_error("%s: every scheduler must be over the same optimizer" % where)
            if s._container is not None:
                raise _buf.error_for(Status.E_STATE, "%s already belongs to a container"
                                     % type(s).__name__)
        if milestones is not None:
            milestones = [_check.integer(where, "milestones[%d]" % i, m, lo=-2 ** 63, hi=2 ** 63 - 1)
                          for i, m in enumerate(_check.sequence(where, "milestones", milestones))]
        self.optimizer = optimizer
        self._opt_ref = optimizer._ref
        optimizer._as_parameter_
        self._ngroups = len(optimizer._groups)
        self._owner = list(optimizer._owner)
        self._params = []
        self._milestones = milestones
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
        if _check.integer("SequentialLR", "last_epoch", last_epoch, lo=None, hi=None) != -1:
            raise _buf.arg_error("SequentialLR: last_epoch=%r is not supported" % last_epoch)
        self._adopt(optimizer, schedulers, milestones)


class ChainedScheduler(_Container):
    """torch's ChainedScheduler(schedulers): every child each step, factors multiplied."""
    _kind = SchedulerKind.CHAINED

    def __init__(self, schedulers, optimizer=None):
        schedulers = _check.sequence("ChainedScheduler", "schedulers", schedulers)
        if optimizer is None:
            if not schedulers:
                raise _buf.arg_error("ChainedScheduler needs at least one scheduler")
            if not isinstance(schedulers[0], LRScheduler):
                raise TypeError("ChainedScheduler: %s is not a scheduler"
                                % _check.describe(schedulers[0]))
            optimizer = schedulers[0].optimizer
        self._adopt(optimizer, schedulers)


BY_NAME = {c.__name__: c for c in (
    StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
    CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, ReduceLROnPlateau, LambdaLR,
    MultiplicativeLR, SequentialLR, ChainedScheduler, InverseTimeDecay)}
BY_NAME["inverse_time"] = InverseTimeDecay
