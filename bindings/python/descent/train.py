"""The training loop (``dsc_trainer``): epochs of shuffled mini-batches with a
scheduler, validation, early stopping and Python callbacks; the
learning-rate range test; grid and random search; ``evaluate``."""

import collections
import ctypes
from ctypes import c_double, c_int, c_size_t, c_void_p

from . import _buf
from ._base import Handle
from ._enums import (ProgressKey, SchedStepping, SchedulerKind, SearchKind, SearchParam,
                     StopReason, TrainerParam)
from ._ffi import C, trainer_callback

_PARAMS = {
    "batch_size": TrainerParam.BATCH_SIZE, "epochs": TrainerParam.EPOCHS,
    "seed": TrainerParam.SEED, "shuffle": TrainerParam.SHUFFLE,
    "drop_last": TrainerParam.DROP_LAST, "sched_stepping": TrainerParam.SCHED_STEPPING,
    "patience": TrainerParam.PATIENCE, "min_delta": TrainerParam.MIN_DELTA,
    "restore_best": TrainerParam.RESTORE_BEST, "max_nonfinite": TrainerParam.MAX_NONFINITE,
    "finder_beta": TrainerParam.FINDER_BETA, "finder_diverge": TrainerParam.FINDER_DIVERGE,
}
_STEPPING = {"epoch": SchedStepping.PER_EPOCH, "iteration": SchedStepping.PER_ITERATION,
             "metric": SchedStepping.ON_METRIC}
_SCHEDULES = {"constant": SchedulerKind.CONSTANT, "step": SchedulerKind.STEP,
              "exponential": SchedulerKind.EXPONENTIAL, "cosine": SchedulerKind.COSINE,
              "inverse_time": SchedulerKind.INVERSE_TIME}


class Progress:
    """A snapshot of a trainer's progress (``dsc_progress``): attributes
    ``epoch``, ``step``, ``batch``, ``batches_per_epoch``, ``lr``, ``loss``,
    ``epoch_loss``, ``val_loss``, ``val_accuracy``, ``refused``,
    ``refused_in_a_row``, ``elapsed``, ``best_val_loss``, ``best_epoch``,
    ``epochs_without_improvement``, ``stop_reason`` (a :class:`StopReason`)."""

    _INTS = {"epoch", "step", "batch", "batches_per_epoch", "refused", "refused_in_a_row",
             "best_epoch", "epochs_without_improvement"}

    def __init__(self, ptr):
        v = c_double()
        for key in ProgressKey:
            C.dsc_progress_get(ptr, key, ctypes.byref(v))
            name = key.name.lower()
            value = v.value
            if name in self._INTS:
                value = int(value)
            elif name == "stop_reason":
                value = StopReason(int(value))
            setattr(self, name, value)

    def as_dict(self):
        return {k.name.lower(): getattr(self, k.name.lower()) for k in ProgressKey}

    def __repr__(self):
        return "Progress(%s)" % ", ".join("%s=%r" % kv for kv in self.as_dict().items())


RangeTest = collections.namedtuple("RangeTest", "lrs losses suggested")
Trial = collections.namedtuple("Trial", "lr batch_size schedule val_loss")


class Trainer(Handle):
    """``Trainer(model, loss, optimizer, train, val=None, scheduler=None, **settings)``.

    Settings (descent's defaults when left out): ``batch_size`` (32; 1 is
    SGD, 0 the whole set), ``epochs`` (1), ``seed`` (0), ``shuffle`` (True),
    ``drop_last`` (False), ``sched_stepping`` ('epoch', 'iteration' or
    'metric'), ``patience`` (0: no early stopping), ``min_delta``,
    ``restore_best`` (True), ``max_nonfinite`` (10), ``finder_beta`` (0.98),
    ``finder_diverge`` (4). ``on_step``/``on_epoch``: callables taking a
    :class:`Progress`; returning a true value stops training. An exception
    they raise stops training and comes out of :meth:`fit`.

    The optimizer must hold the model's parameters (``SGD(model, ...)``).
    The trainer keeps model, loss, optimizer, data sets and scheduler alive.
    """

    def __init__(self, model, loss, optimizer, train, val=None, scheduler=None, on_step=None,
                 on_epoch=None, **settings):
        model._need_built()
        ptr = c_void_p()
        C.dsc_trainer_new(ctypes.byref(ptr), model, loss, optimizer, train)
        self._set(ptr, C.dsc_trainer_free, [model._ref, loss._ref, optimizer._ref, train._ref])
        self.model, self.loss, self.optimizer, self.train = model, loss, optimizer, train
        self.val = self.scheduler = None
        self._error = None
        self._cbs = {}
        if val is not None:
            self.set_validation(val)
        if scheduler is not None:
            self.set_scheduler(scheduler)
        for name, value in settings.items():
            self.set(name, value)
        if on_step is not None:
            self.on_step(on_step)
        if on_epoch is not None:
            self.on_epoch(on_epoch)

    # ---- settings ---------------------------------------------------------
    def set(self, name, value):
        if name not in _PARAMS:
            raise TypeError("unknown trainer setting %r; one of %s" % (name, ", ".join(_PARAMS)))
        if name == "sched_stepping" and isinstance(value, str):
            try:
                value = _STEPPING[value]
            except KeyError:
                raise _buf.arg_error("sched_stepping=%r; one of %s" % (value, ", ".join(_STEPPING))) from None
        C.dsc_trainer_set(self, _PARAMS[name], float(value))

    def get(self, name):
        v = c_double()
        C.dsc_trainer_get(self, _PARAMS[name], ctypes.byref(v))
        return v.value

    @staticmethod
    def bounds(name):
        """(lo, hi) accepted for a setting."""
        lo, hi = c_double(), c_double()
        C.dsc_trainer_param_bounds(_PARAMS[name], ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(name):
        """The value a setting has in a new trainer."""
        v = c_double()
        C.dsc_trainer_param_default(_PARAMS[name], ctypes.byref(v))
        return v.value

    def set_validation(self, val):
        C.dsc_trainer_set_validation(self, val)
        self._ref.keep.append(val._ref if val is not None else None)
        self.val = val

    def set_scheduler(self, scheduler, stepping=None):
        """Step ``scheduler`` during training ('epoch', 'iteration', 'metric';
        a ReduceLROnPlateau defaults to 'metric')."""
        from .lr_scheduler import ReduceLROnPlateau
        C.dsc_trainer_set_scheduler(self, scheduler)
        if scheduler is not None:
            self._ref.keep.append(scheduler._ref)
            if stepping is None and isinstance(scheduler, ReduceLROnPlateau):
                stepping = "metric"
        if stepping is not None:
            self.set("sched_stepping", stepping)
        self.scheduler = scheduler

    def _callback(self, which, fn):
        setter = C.dsc_trainer_set_step_callback if which == "step" else C.dsc_trainer_set_epoch_callback
        if fn is None:
            setter(self, trainer_callback(), None)
            self._cbs.pop(which, None)
            return

        def tramp(progress, _user):
            try:
                return 1 if fn(Progress(progress)) else 0
            except BaseException as e:  # stop training; fit() re-raises it
                self._error = e
                return 1

        cb = trainer_callback(tramp)
        setter(self, cb, None)
        self._cbs[which] = cb
        self._ref.keep.append(cb)

    def on_step(self, fn):
        """Call ``fn(progress)`` after every batch (None removes it)."""
        self._callback("step", fn)

    def on_epoch(self, fn):
        """Call ``fn(progress)`` at the end of every epoch (None removes it)."""
        self._callback("epoch", fn)

    # ---- running ------------------------------------------------------------
    def fit(self, epochs=None):
        """Train (``epochs`` sets the epoch count first); returns the :class:`Progress`."""
        if epochs is not None:
            self.set("epochs", epochs)
        self._error = None
        try:
            C.dsc_trainer_run(self)
        finally:
            err, self._error = self._error, None
        if err is not None:
            raise err
        return self.progress

    run = fit

    @property
    def progress(self):
        p = c_void_p()
        C.dsc_trainer_progress(self, ctypes.byref(p))
        return Progress(p)

    def lr_range_test(self, lr_min=1e-7, lr_max=10.0, steps=100):
        """The learning-rate range test: (lrs, smoothed losses, suggested lr).
        Model, optimizer and trainer are left as they were."""
        steps = int(steps)
        lrs = (c_double * max(steps, 1))()
        losses = (c_double * max(steps, 1))()
        rec, sug = c_size_t(), c_double()
        C.dsc_trainer_lr_range_test(self, float(lr_min), float(lr_max), steps, lrs, losses,
                                    ctypes.byref(rec), ctypes.byref(sug))
        n = rec.value
        return RangeTest(list(lrs[:n]), list(losses[:n]), sug.value)

    def search(self, kind="grid", lrs=None, batch_sizes=None, schedules=None, **settings):
        """Grid or random search (see :class:`Search`); returns the Search with its results."""
        s = Search(kind, lrs=lrs, batch_sizes=batch_sizes, schedules=schedules, **settings)
        s.run(self)
        return s


class Search(Handle):
    """A grid or random search over lrs, batch sizes and schedules.

    ``kind``: 'grid' or 'random'; ``schedules``: names among 'constant',
    'step', 'exponential', 'cosine', 'inverse_time' (or SchedulerKind
    values); settings ``epochs`` (both kinds) and, for a random search,
    ``trials``, ``seed``, ``lr_min``, ``lr_max`` (a grid refuses them with
    UnsupportedError). After :meth:`run`, ``trials`` lists the results and
    ``best`` is the best one.
    """

    _KEYS = {"epochs": SearchParam.EPOCHS, "trials": SearchParam.TRIALS, "seed": SearchParam.SEED,
             "lr_min": SearchParam.LR_MIN, "lr_max": SearchParam.LR_MAX}

    @staticmethod
    def _kind_of(kind):
        if isinstance(kind, str):
            kind = {"grid": SearchKind.GRID, "random": SearchKind.RANDOM}.get(kind, kind)
            if isinstance(kind, str):
                raise _buf.arg_error("search kind %r; 'grid' or 'random'" % kind)
        return kind

    @classmethod
    def bounds(cls, kind, name):
        """(lo, hi) accepted for a setting of a search kind ('grid' or 'random')."""
        lo, hi = c_double(), c_double()
        C.dsc_search_param_bounds(cls._kind_of(kind), cls._KEYS[name], ctypes.byref(lo),
                                  ctypes.byref(hi))
        return lo.value, hi.value

    @classmethod
    def default(cls, kind, name):
        """The value a setting has in a new search of a kind."""
        v = c_double()
        C.dsc_search_param_default(cls._kind_of(kind), cls._KEYS[name], ctypes.byref(v))
        return v.value

    def __init__(self, kind="grid", lrs=None, batch_sizes=None, schedules=None, **settings):
        kind = self._kind_of(kind)
        ptr = c_void_p()
        C.dsc_search_new(ctypes.byref(ptr), kind)
        self._set(ptr, C.dsc_search_free)
        for name, value in settings.items():
            if name not in self._KEYS:
                raise TypeError("unknown search setting %r" % name)
            C.dsc_search_set(self, self._KEYS[name], float(value))
        if lrs is not None:
            vals = [float(v) for v in lrs]
            C.dsc_search_set_lrs(self, (c_double * max(len(vals), 1))(*vals), len(vals))
        if batch_sizes is not None:
            vals = [int(v) for v in batch_sizes]
            C.dsc_search_set_batch_sizes(self, (c_size_t * max(len(vals), 1))(*vals), len(vals))
        if schedules is not None:
            vals = []
            for v in schedules:
                if isinstance(v, str):
                    if v not in _SCHEDULES:
                        raise _buf.arg_error("schedule %r; one of %s" % (v, ", ".join(_SCHEDULES)))
                    v = _SCHEDULES[v]
                vals.append(int(v))
            C.dsc_search_set_schedules(self, (c_int * max(len(vals), 1))(*vals), len(vals))

    def get(self, name):
        v = c_double()
        C.dsc_search_get(self, self._KEYS[name], ctypes.byref(v))
        return v.value

    def run(self, trainer):
        C.dsc_trainer_search(trainer, self)
        return self

    @property
    def trials(self):
        n = c_size_t()
        C.dsc_search_trial_count(self, ctypes.byref(n))
        out = []
        for i in range(n.value):
            lr, bs, kind, vl = c_double(), c_size_t(), c_int(), c_double()
            C.dsc_search_trial(self, i, ctypes.byref(lr), ctypes.byref(bs), ctypes.byref(kind),
                               ctypes.byref(vl))
            out.append(Trial(lr.value, bs.value, SchedulerKind(kind.value), vl.value))
        return out

    @property
    def best_index(self):
        n = c_size_t()
        C.dsc_search_best(self, ctypes.byref(n))
        return n.value

    @property
    def best(self):
        return self.trials[self.best_index]


def evaluate(model, loss, dataset):
    """(mean loss, accuracy) of a model over a data set (accuracy NaN for targets)."""
    value, acc = c_double(), c_double()
    C.dsc_model_evaluate(model, loss, dataset, ctypes.byref(value), ctypes.byref(acc))
    return value.value, acc.value


__all__ = ["Trainer", "Search", "Progress", "RangeTest", "Trial", "evaluate"]
