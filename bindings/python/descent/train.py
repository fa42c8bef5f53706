"""The training loop (``dsc_trainer``): epochs of shuffled mini-batches with a
scheduler, validation, early stopping and Python callbacks; the
learning-rate range test; grid and random search; ``evaluate``."""

import collections
import ctypes
from ctypes import c_double, c_int, c_size_t, c_void_p

from . import _check
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
    "measure_noise": TrainerParam.MEASURE_NOISE, "noise_beta": TrainerParam.NOISE_BETA,
    "noise_part": TrainerParam.NOISE_PART, "loss_window": TrainerParam.LOSS_WINDOW,
    "noise_interval": TrainerParam.NOISE_INTERVAL,
}
_STEPPING = {"epoch": SchedStepping.PER_EPOCH, "iteration": SchedStepping.PER_ITERATION,
             "metric": SchedStepping.ON_METRIC}
_SCHEDULES = {"constant": SchedulerKind.CONSTANT, "step": SchedulerKind.STEP,
              "exponential": SchedulerKind.EXPONENTIAL, "cosine": SchedulerKind.COSINE,
              "inverse_time": SchedulerKind.INVERSE_TIME}
_INT_SETTINGS = {"batch_size", "epochs", "seed", "patience", "max_nonfinite", "loss_window",
                 "noise_interval"}
_BOOL_SETTINGS = {"shuffle", "drop_last", "restore_best", "measure_noise"}


def _setting_key(where, name):
    if not isinstance(name, str) or name not in _PARAMS:
        raise TypeError("%s: unknown trainer setting %r; one of %s"
                        % (where, name, ", ".join(_PARAMS)))
    return _PARAMS[name]


def _setting(where, name, value):
    """A trainer setting's value for C, type checked (the library checks the range)."""
    _setting_key(where, name)
    if name == "sched_stepping":
        return float(_check.choice(where, name, value, _STEPPING, SchedStepping))
    if name in _INT_SETTINGS:
        return float(_check.integer(where, name, value, lo=None, hi=None))
    if name in _BOOL_SETTINGS:
        return float(_check.flag(where, name, value))
    return _check.real(where, name, value)


def _types(where, model, loss, dataset=_check.UNSET):
    from .data import Dataset
    from .nn import Sequential, _Loss
    _check.instance(where, "model", model, Sequential, "a descent.Sequential")
    _check.instance(where, "loss", loss, _Loss, "a descent loss (MSELoss, CrossEntropyLoss...)")
    if dataset is not _check.UNSET:
        _check.instance(where, "dataset", dataset, Dataset, "a descent.Dataset")


class Progress:
    """A snapshot of a trainer's progress (``dsc_progress``): attributes
    ``epoch``, ``step``, ``batch``, ``batches_per_epoch``, ``lr``, ``loss``,
    ``epoch_loss``, ``val_loss``, ``val_accuracy``, ``refused``,
    ``refused_in_a_row``, ``elapsed``, ``best_val_loss``, ``best_epoch``,
    ``epochs_without_improvement``, ``stop_reason`` (a :class:`StopReason`), and
    the measurements of ``measure_noise`` (NaN without them): ``noise_scale``,
    ``grad_sq_norm``, ``grad_variance``, ``noise_steps``, ``oscillation``,
    ``loss_drop_per_epoch``, ``loss_drop_per_second``, ``suggested_batch``,
    ``suggested_lr`` (docs/noise_scale.md)."""

    _INTS = {"epoch", "step", "batch", "batches_per_epoch", "refused", "refused_in_a_row",
             "best_epoch", "epochs_without_improvement", "noise_steps"}

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
    ``finder_diverge`` (4); measuring the gradient noise scale, oscillation and
    progress: ``measure_noise`` (False), ``noise_beta`` (0.99), ``noise_part``
    (0.5), ``loss_window`` (50), ``noise_interval`` (8). ``on_step``/``on_epoch``:
    callables taking a :class:`Progress`; returning a true value stops
    training. An exception they raise stops training and comes out of
    :meth:`fit`. ``history`` lists the :class:`Progress` of every finished epoch.

    The optimizer must hold the model's parameters (``SGD(model.parameters(), ...)``,
    or groups of them).
    The trainer keeps model, loss, optimizer, data sets and scheduler alive.
    """

    def __init__(self, model, loss, optimizer, train, val=None, scheduler=None, on_step=None,
                 on_epoch=None, **settings):
        from .data import Dataset
        from .lr_scheduler import LRScheduler
        from .optim import Optimizer
        w = "Trainer"
        _types(w, model, loss)
        _check.instance(w, "optimizer", optimizer, Optimizer, "a descent optimizer")
        _check.instance(w, "train", train, Dataset, "a descent.Dataset")
        _check.instance(w, "val", val, Dataset, "a descent.Dataset", none_ok=True)
        _check.instance(w, "scheduler", scheduler, LRScheduler, "a descent scheduler", none_ok=True)
        _check.callable_(w, "on_step", on_step)
        _check.callable_(w, "on_epoch", on_epoch)
        for name, value in settings.items():
            _setting(w, name, value)
        model._need_built()
        ptr = c_void_p()
        C.dsc_trainer_new(ctypes.byref(ptr), model, loss, optimizer, train)
        self._set(ptr, C.dsc_trainer_free, [model._ref, loss._ref, optimizer._ref, train._ref])
        self.model, self.loss, self.optimizer, self.train = model, loss, optimizer, train
        self.val = self.scheduler = None
        self._error = None
        self._cbs = {}
        self.history = []
        if val is not None:
            self.set_validation(val)
        if scheduler is not None:
            self.set_scheduler(scheduler)
        for name, value in settings.items():
            self.set(name, value)
        if on_step is not None:
            self.on_step(on_step)
        self.on_epoch(on_epoch)     # None still records the history

    # ---- settings ---------------------------------------------------------
    def set(self, name, value):
        """Change a setting (integers, True/False, 'epoch'/'iteration'/'metric'
        for ``sched_stepping``, or real numbers, as listed above)."""
        v = _setting("Trainer.set", name, value)
        C.dsc_trainer_set(self, _PARAMS[name], v)

    def get(self, name):
        v = c_double()
        C.dsc_trainer_get(self, _setting_key("Trainer.get", name), ctypes.byref(v))
        return v.value

    @staticmethod
    def bounds(name):
        """(lo, hi) accepted for a setting."""
        lo, hi = c_double(), c_double()
        C.dsc_trainer_param_bounds(_setting_key("Trainer.bounds", name), ctypes.byref(lo),
                                   ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(name):
        """The value a setting has in a new trainer."""
        v = c_double()
        C.dsc_trainer_param_default(_setting_key("Trainer.default", name), ctypes.byref(v))
        return v.value

    def set_validation(self, val):
        from .data import Dataset
        _check.instance("Trainer.set_validation", "val", val, Dataset, "a descent.Dataset",
                        none_ok=True)
        C.dsc_trainer_set_validation(self, val)
        self._ref.keep.append(val._ref if val is not None else None)
        self.val = val

    def set_scheduler(self, scheduler, stepping=None):
        """Step ``scheduler`` during training ('epoch', 'iteration', 'metric';
        a ReduceLROnPlateau defaults to 'metric')."""
        from .lr_scheduler import LRScheduler, ReduceLROnPlateau
        _check.instance("Trainer.set_scheduler", "scheduler", scheduler, LRScheduler,
                        "a descent scheduler", none_ok=True)
        if stepping is not None:
            _setting("Trainer.set_scheduler", "sched_stepping", stepping)
        C.dsc_trainer_set_scheduler(self, scheduler)
        if scheduler is not None:
            self._ref.keep.append(scheduler._ref)
            if stepping is None and isinstance(scheduler, ReduceLROnPlateau):
                stepping = "metric"
        if stepping is not None:
            self.set("sched_stepping", stepping)
        self.scheduler = scheduler

    def _callback(self, which, fn):
        _check.callable_("Trainer.on_" + which, "fn", fn)
        setter = C.dsc_trainer_set_step_callback if which == "step" else C.dsc_trainer_set_epoch_callback
        if which == "epoch":        # every epoch goes into history, then to fn
            user = fn

            def fn(progress):
                self.history.append(progress)
                return user(progress) if user is not None else False
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
        """Call ``fn(progress)`` at the end of every epoch, after appending it to
        ``history`` (None removes it)."""
        self._callback("epoch", fn)

    # ---- running ------------------------------------------------------------
    def fit(self, epochs=None):
        """Train (``epochs`` sets the epoch count first); returns the :class:`Progress`."""
        if epochs is not None:
            self.set("epochs", epochs)       # checked: an integer
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
        w = "Trainer.lr_range_test"
        lr_min, lr_max = _check.real(w, "lr_min", lr_min), _check.real(w, "lr_max", lr_max)
        steps = _check.integer(w, "steps", steps, lo=0, hi=2 ** 31)   # the library wants 2..2^31
        lrs = (c_double * max(steps, 1))()
        losses = (c_double * max(steps, 1))()
        rec, sug = c_size_t(), c_double()
        C.dsc_trainer_lr_range_test(self, lr_min, lr_max, steps, lrs, losses,
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

    _INTS = {"epochs", "trials", "seed"}

    @staticmethod
    def _kind_of(kind):
        return _check.choice("Search", "kind", kind,
                             {"grid": SearchKind.GRID, "random": SearchKind.RANDOM}, SearchKind)

    @classmethod
    def _key(cls, where, name):
        if not isinstance(name, str) or name not in cls._KEYS:
            raise TypeError("%s: unknown search setting %r; one of %s"
                            % (where, name, ", ".join(cls._KEYS)))
        return cls._KEYS[name]

    @classmethod
    def bounds(cls, kind, name):
        """(lo, hi) accepted for a setting of a search kind ('grid' or 'random')."""
        lo, hi = c_double(), c_double()
        C.dsc_search_param_bounds(cls._kind_of(kind), cls._key("Search.bounds", name),
                                  ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    @classmethod
    def default(cls, kind, name):
        """The value a setting has in a new search of a kind."""
        v = c_double()
        C.dsc_search_param_default(cls._kind_of(kind), cls._key("Search.default", name),
                                   ctypes.byref(v))
        return v.value

    def __init__(self, kind="grid", lrs=None, batch_sizes=None, schedules=None, **settings):
        w = "Search"
        kind = self._kind_of(kind)
        values = []
        for name, value in settings.items():
            key = self._key(w, name)
            if name in self._INTS:
                values.append((key, float(_check.integer(w, name, value, lo=None, hi=None))))
            else:
                values.append((key, _check.real(w, name, value)))
        if lrs is not None:
            lrs = [_check.real(w, "lrs[%d]" % i, v) for i, v in enumerate(_check.sequence(w, "lrs", lrs))]
        if batch_sizes is not None:
            batch_sizes = [_check.integer(w, "batch_sizes[%d]" % i, v, lo=0)
                           for i, v in enumerate(_check.sequence(w, "batch_sizes", batch_sizes))]
        if schedules is not None:
            schedules = [int(_check.choice(w, "schedules[%d]" % i, v, _SCHEDULES, SchedulerKind))
                         for i, v in enumerate(_check.sequence(w, "schedules", schedules))]
        ptr = c_void_p()
        C.dsc_search_new(ctypes.byref(ptr), kind)
        self._set(ptr, C.dsc_search_free)
        for key, value in values:
            C.dsc_search_set(self, key, value)
        if lrs is not None:
            C.dsc_search_set_lrs(self, (c_double * max(len(lrs), 1))(*lrs), len(lrs))
        if batch_sizes is not None:
            C.dsc_search_set_batch_sizes(self, (c_size_t * max(len(batch_sizes), 1))(*batch_sizes),
                                         len(batch_sizes))
        if schedules is not None:
            C.dsc_search_set_schedules(self, (c_int * max(len(schedules), 1))(*schedules),
                                       len(schedules))

    def get(self, name):
        v = c_double()
        C.dsc_search_get(self, self._key("Search.get", name), ctypes.byref(v))
        return v.value

    def run(self, trainer):
        _check.instance("Search.run", "trainer", trainer, Trainer, "a descent.Trainer")
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
    _types("evaluate", model, loss, dataset)
    value, acc = c_double(), c_double()
    C.dsc_model_evaluate(model, loss, dataset, ctypes.byref(value), ctypes.byref(acc))
    return value.value, acc.value


class NoiseScale(Handle):
    """``NoiseScale(noise_beta=0.99, loss_window=50)``: the gradient noise scale
    estimator (``dsc_noise_scale``) for a hand-written loop (docs/noise_scale.md).

    Feed it :meth:`add_norms` (squared norms of the mean gradient over a small
    and a big batch), or :meth:`add_part` after the backward pass of the
    first ``part`` samples of a batch (their dLoss/dy scaled by part/batch)
    and :meth:`add_whole` after the whole batch; :meth:`add_loss` for the
    oscillation and loss drop. Read them with :meth:`value` and
    :meth:`advise`."""

    _SETTINGS = {"noise_beta": TrainerParam.NOISE_BETA, "loss_window": TrainerParam.LOSS_WINDOW}
    _VALUES = ("noise_scale", "grad_sq_norm", "grad_variance", "noise_steps", "oscillation",
               "loss_drop_per_epoch", "loss_drop_per_second")

    def __init__(self, **settings):
        for name in settings:
            if name not in self._SETTINGS:
                raise TypeError("NoiseScale: unknown setting %r; one of %s"
                                % (name, ", ".join(self._SETTINGS)))
        ptr = c_void_p()
        C.dsc_noise_scale_new(ctypes.byref(ptr))
        self._set(ptr, C.dsc_noise_scale_free)
        for name, value in settings.items():
            self.set(name, value)

    def set(self, name, value):
        if name not in self._SETTINGS:
            raise TypeError("NoiseScale.set: unknown setting %r" % (name,))
        w = "NoiseScale.set"
        v = float(_check.integer(w, name, value, lo=None, hi=None)) if name == "loss_window" \
            else _check.real(w, name, value)
        C.dsc_noise_scale_set(self, self._SETTINGS[name], v)

    def get(self, name):
        if name not in self._SETTINGS:
            raise TypeError("NoiseScale.get: unknown setting %r" % (name,))
        v = c_double()
        C.dsc_noise_scale_get(self, self._SETTINGS[name], ctypes.byref(v))
        return v.value

    def reset(self):
        C.dsc_noise_scale_reset(self)

    def add_norms(self, sq_small, b_small, sq_big, b_big):
        w = "NoiseScale.add_norms"
        C.dsc_noise_scale_add_norms(self, _check.real(w, "sq_small", sq_small),
                                    _check.integer(w, "b_small", b_small, lo=0),
                                    _check.real(w, "sq_big", sq_big),
                                    _check.integer(w, "b_big", b_big, lo=0))

    def add_part(self, model, part, batch):
        from .nn import Sequential
        w = "NoiseScale.add_part"
        _check.instance(w, "model", model, Sequential, "a descent.Sequential")
        C.dsc_noise_scale_add_part(self, model, _check.integer(w, "part", part, lo=0),
                                   _check.integer(w, "batch", batch, lo=0))

    def add_whole(self, model):
        from .nn import Sequential
        _check.instance("NoiseScale.add_whole", "model", model, Sequential, "a descent.Sequential")
        C.dsc_noise_scale_add_whole(self, model)

    def add_loss(self, loss, epoch, seconds):
        w = "NoiseScale.add_loss"
        C.dsc_noise_scale_add_loss(self, _check.real(w, "loss", loss),
                                   _check.real(w, "epoch", epoch),
                                   _check.real(w, "seconds", seconds))

    def value(self, name):
        """One of ``noise_scale``, ``grad_sq_norm``, ``grad_variance``,
        ``noise_steps``, ``oscillation``, ``loss_drop_per_epoch``,
        ``loss_drop_per_second``."""
        if name not in self._VALUES:
            raise TypeError("NoiseScale.value: unknown value %r; one of %s"
                            % (name, ", ".join(self._VALUES)))
        v = c_double()
        C.dsc_noise_scale_value(self, ProgressKey[name.upper()], ctypes.byref(v))
        return v.value

    def values(self):
        return {name: self.value(name) for name in self._VALUES}

    def advise(self, lr, lr_batch, max_batch):
        """(batch size, lr, explanation) from the noise scale and a range test's
        ``lr`` measured at batch ``lr_batch`` (``dsc_noise_scale_advise``)."""
        w = "NoiseScale.advise"
        b, l = c_size_t(), c_double()
        why = ctypes.create_string_buffer(1024)
        C.dsc_noise_scale_advise(self, _check.real(w, "lr", lr),
                                 _check.integer(w, "lr_batch", lr_batch, lo=0),
                                 _check.integer(w, "max_batch", max_batch, lo=0),
                                 ctypes.byref(b), ctypes.byref(l), why, len(why))
        return b.value, l.value, why.value.decode()


def noise_scale(trainer):
    """The noise-scale measurements of a trainer trained with
    ``measure_noise=True``, as a dict: ``noise_scale``, ``grad_sq_norm``,
    ``grad_variance``, ``noise_steps``, ``oscillation``, ``loss_drop_per_epoch``,
    ``loss_drop_per_second``, ``suggested_batch``, ``suggested_lr`` (NaN where
    not measured)."""
    _check.instance("noise_scale", "trainer", trainer, Trainer, "a descent.Trainer")
    p = trainer.progress
    names = NoiseScale._VALUES + ("suggested_batch", "suggested_lr")
    return {name: getattr(p, name) for name in names}


__all__ = ["Trainer", "Search", "Progress", "RangeTest", "Trial", "evaluate", "NoiseScale",
           "noise_scale"]
