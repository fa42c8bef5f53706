"""Optimizers with torch.optim's names and arguments.

``params`` takes the forms ``torch.optim`` takes, with the same meaning:

- an iterable of :class:`descent.Parameter` (``model.parameters()``, or the
  host's own arrays wrapped with their gradients,
  ``descent.Parameter(array, grad)``): one group;
- an iterable of ``(name, Parameter)`` pairs (``model.named_parameters()``):
  one group, whose ``param_groups[0]["param_names"]`` lists the names;
- an iterable of dicts, one per group: ``{"params": <a Parameter, or an
  iterable of Parameters or of (name, Parameter) pairs>, <option>: value}``;
  the options are the optimizer's keyword arguments (``lr``, ``momentum``,
  ``betas``, ``etas``, ``weight_decay``...), and options left out take the
  optimizer's values, as in torch.

Anything else raises ``TypeError`` or ``ValueError`` (:class:`descent.ArgumentError`)
before anything is made: a bare array or Parameter (wrap it in a list), a
``Sequential`` (pass ``model.parameters()``), ``None``, an empty list or group,
a set as a group's ``params``, dicts mixed with parameters, an unknown option
in a group (torch keeps such keys unused; descent refuses them, so that a
misspelt ``"weight_deacy"`` cannot be ignored), ``clip_norm``/``clip_value``
in a group (they apply to the whole optimizer), named and unnamed parameters
mixed, a parameter given twice (in one group, or in two: "some parameters
appear in more than one parameter group"), parameters that overlap in memory,
and a gradient array that overlaps a parameter (``zero_grad()`` would zero
a weight) or another parameter's gradient.

Parameters are borrowed (the optimizer keeps them alive) and updated in place
by ``step()``; each step reads their ``grad`` arrays, and ``zero_grad()``
zeroes them.

Keyword arguments left out keep descent's defaults, which are PyTorch's;
every argument given is checked when the optimizer is made: real numbers
(not ``None``, ``str`` or ``bool``) for the numeric ones, ``True``/``False``
for ``nesterov``, ``amsgrad``, ``maximize`` and ``centered``, then the
library's range checks. descent adds ``clip_norm`` and ``clip_value``
(``clip_grad_norm_`` and ``clip_grad_value_`` over all groups, inside ``step()``).

A C optimizer group is one contiguous buffer. A Python group becomes one C
group when its parameters lie one after another in memory (all of a model's
parameters in order: ``dsc_optimizer_add_model``), otherwise one C group per
contiguous run, all with the group's hyperparameters and stepped together:
the updates are elementwise and clipping uses the norm over all groups, so the
result is the same. ``param_groups`` shows the Python groups.
"""

import ctypes
import numbers
from collections.abc import Mapping
from ctypes import c_double, c_float, c_int, c_size_t, c_uint64, c_void_p

from . import _buf, _check
from ._base import Handle
from ._enums import OptimizerParam, OptimizerKind, Status
from ._errors import Error
from ._ffi import C, float_p, grad_hook_fn

# torch argument name -> key; the order is the order of setting (momentum and
# dampening before nesterov, which the library checks against them).
_KEYS = [
    ("lr", OptimizerParam.LR), ("momentum", OptimizerParam.MOMENTUM), ("dampening", OptimizerParam.DAMPENING),
    ("nesterov", OptimizerParam.NESTEROV), ("weight_decay", OptimizerParam.WEIGHT_DECAY),
    ("maximize", OptimizerParam.MAXIMIZE), ("eps", OptimizerParam.EPS), ("beta1", OptimizerParam.BETA1),
    ("beta2", OptimizerParam.BETA2), ("amsgrad", OptimizerParam.AMSGRAD),
    ("momentum_decay", OptimizerParam.MOMENTUM_DECAY), ("alpha", OptimizerParam.ALPHA),
    ("centered", OptimizerParam.CENTERED), ("lr_decay", OptimizerParam.LR_DECAY),
    ("initial_accumulator_value", OptimizerParam.INITIAL_ACCUMULATOR_VALUE), ("rho", OptimizerParam.RHO),
    ("etaminus", OptimizerParam.ETAMINUS), ("etaplus", OptimizerParam.ETAPLUS),
    ("step_size_min", OptimizerParam.STEP_SIZE_MIN), ("step_size_max", OptimizerParam.STEP_SIZE_MAX),
    ("clip_norm", OptimizerParam.CLIP_NORM), ("clip_value", OptimizerParam.CLIP_VALUE),
    ("mu_product", OptimizerParam.MU_PRODUCT),
]
KEY_OF = dict(_KEYS)
# Flags: True/False in torch's arguments.
_FLAGS = {"nesterov", "maximize", "amsgrad", "centered"}
# Settings of the whole optimizer, not of a group.
_GLOBAL = ("clip_norm", "clip_value")
# Accepted for compatibility with torch's signatures; they choose code paths
# with the same arithmetic, so only their defaults are allowed.
_IMPL_FLAGS = {"foreach": (None, False), "capturable": (False,), "differentiable": (False,),
               "fused": (None, False)}
_UNSET = _check.UNSET


def _key(where, name):
    key = KEY_OF.get(name) if isinstance(name, str) else None
    if key is None:
        raise _buf.arg_error("%s: unknown hyperparameter %r; one of %s"
                             % (where, name, ", ".join(n for n, _ in _KEYS)))
    return key


def _value(where, name, v, lenient_flags=False):
    """A hyperparameter's value for C. Flags are True or False (with
    ``lenient_flags``, as for ``set()``, also a number that C checks is 0 or 1);
    the others real numbers."""
    if name in _FLAGS:
        if lenient_flags and not isinstance(v, bool) and type(v) is not _check.Raw:
            return _check.real(where, name, v)
        return float(_check.flag(where, name, v))
    return _check.real(where, name, v)


# torch arguments that are pairs of descent keys.
_PAIRS = {"betas": ("beta1", "beta2"), "etas": ("etaminus", "etaplus"),
          "step_sizes": ("step_size_min", "step_size_max")}


def _pair(where, name, value):
    """The two numbers of a pair argument (``betas``, ``etas``, ``step_sizes``)."""
    first, second = _PAIRS[name]
    if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__len__"):
        raise TypeError("%s: %s must be a pair (%s, %s), not %s"
                        % (where, name, first, second, _check.describe(value)))
    b = tuple(value)
    if len(b) != 2:
        raise _buf.arg_error("%s: %s must be a pair (%s, %s), got %d values"
                             % (where, name, first, second, len(b)))
    return (_check.real(where, name + "[0]", b[0]), _check.real(where, name + "[1]", b[1]))


def _expand(where, kw):
    """torch keyword arguments -> ordered [(name, key, float)] (pairs split),
    types checked; ``kw`` holds only known names."""
    kw = dict(kw)
    for pair, names in _PAIRS.items():
        value = kw.pop(pair, _UNSET)
        if value is not _UNSET:
            kw[names[0]], kw[names[1]] = (_check.Raw(b) for b in _pair(where, pair, value))
    for flag, ok in _IMPL_FLAGS.items():
        if flag in kw:
            v = kw.pop(flag)
            if not any(v is o for o in ok):
                raise _buf.arg_error("%s: %s=%r is not supported (descent has one implementation)"
                                     % (where, flag, v))
    out = []
    for name, key in _KEYS:
        if name in kw:
            out.append((name, key, _value(where, name, kw.pop(name))))
    return out


# Keys of a torch optimizer's param_groups that descent reads past: torch's
# implementation switches (same arithmetic) and the schedulers' bookkeeping.
_TORCH_IGNORED = {"foreach", "capturable", "differentiable", "fused", "initial_lr"}


def _scalar(v):
    """A 0-d array or tensor (torch keeps ``state["step"]`` as one) as its number."""
    if not isinstance(v, numbers.Number) and hasattr(v, "item") and callable(v.item):
        try:
            return v.item()
        except (TypeError, ValueError, RuntimeError):
            return v
    return v


def _step(where, v):
    """A step count: an integer in [0, 2^53], or a whole float (torch's float tensor)."""
    v = _scalar(v)
    if (isinstance(v, numbers.Real) and not isinstance(v, (numbers.Integral, bool))
            and not _check._is_bool(v) and float(v).is_integer()):
        v = int(v)
    return _check.integer(where, "step", v, lo=0, hi=2 ** 53)


def _param_id(where, v):
    """A parameter id of a state dict: an integer >= 0 (torch's), or its decimal
    string (what a JSON round trip makes of it)."""
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return _check.integer(where, "parameter id", v, lo=0)


def _is_array(x):
    import array
    if isinstance(x, (memoryview, array.array, bytearray, bytes, str)):
        return True
    return _buf.np is not None and isinstance(x, _buf.np.ndarray)


def _as_list(where, what, params):
    """The items of ``params``, or TypeError for what torch would not read as
    parameters (or would read differently)."""
    from .nn import Sequential
    if params is None:
        raise TypeError("%s: %s must be an iterable of descent.Parameter or of dicts, not None"
                        % (where, what))
    if isinstance(params, Sequential):
        raise TypeError("%s: %s is a Sequential; pass model.parameters() (or "
                        "model.named_parameters()), as in PyTorch" % (where, what))
    if isinstance(params, dict):
        raise TypeError("%s: %s is a dict; parameter groups are a list of dicts: "
                        "[{'params': ...}, ...]" % (where, what))
    if _is_array(params):
        raise TypeError("%s: %s is %s, an array: an array has no gradient; pass "
                        "[descent.Parameter(array, grad)]" % (where, what, type(params).__name__))
    try:
        return list(params)
    except TypeError:
        raise TypeError("%s: %s must be an iterable of descent.Parameter or of dicts, not %s"
                        % (where, what, _check.describe(params))) from None


def _not_a_parameter(where, item):
    hint = ""
    if _is_array(item):
        hint = ("; an array has no gradient: wrap it with its gradient array as "
                "descent.Parameter(array, grad)")
    elif isinstance(item, dict):
        hint = " (a list of parameter groups must hold only dicts)"
    return TypeError("%s can only optimize descent.Parameter objects, but one of the params is %s%s"
                     % (where, type(item).__name__, hint))


def _overlap(spans):
    """The first two spans (start, end, info...) that overlap, or None."""
    spans = sorted(spans, key=lambda s: (s[0], s[1]))
    far = None
    for s in spans:
        if far is not None and s[0] < far[1]:
            return far, s
        if far is None or s[1] > far[1]:
            far = s
    return None


def _blocks(params):
    """Runs of parameters that lie one after another in memory, gradients
    too: [params address, grads address, count, [Parameter...]] each."""
    blocks = []
    for p in params:
        pa, ga, n = _buf.address(p._pf), _buf.address(p._gf), p._pf.n
        if blocks:
            b = blocks[-1]
            if pa == b[0] + 4 * b[2] and ga == b[1] + 4 * b[2]:
                b[2] += n
                b[3].append(p)
                continue
        blocks.append([pa, ga, n, [p]])
    return blocks


class _Group:
    """One parameter group as a mapping, like torch's ``param_groups[i]``:
    ``opt.param_groups[0]["lr"] = 0.01`` sets that group's lr; ``["params"]``
    lists its Parameters (``["param_names"]`` their names, for named groups)."""

    def __init__(self, opt, index):
        self._opt = opt
        self.index = index

    def _c(self):
        return self._opt._groups[self.index]["cgroups"]

    def __getitem__(self, name):
        if name in _PAIRS:
            return tuple(self[n] for n in _PAIRS[name])
        rec = self._opt._groups[self.index]
        if name == "params":
            return list(rec["params"])
        if name == "param_names":
            if rec["param_names"] is None:
                raise KeyError(name)
            return list(rec["param_names"])
        key = KEY_OF.get(name) if isinstance(name, str) else None
        if key is None:
            raise KeyError(name)
        v = c_double()
        try:
            C.dsc_optimizer_group_get(self._opt, self._c()[0], key, ctypes.byref(v))
        except Error as e:
            if e.status == Status.E_UNSUPPORTED:
                raise KeyError(name) from e
            raise
        return v.value

    def __setitem__(self, name, value):
        where = "param_groups[%d]" % self.index
        if name in _PAIRS:
            b1, b2 = _pair(where, name, value)
            first, second = _PAIRS[name]
            old = self[first]
            self[first] = _check.Raw(b1)
            try:
                self[second] = _check.Raw(b2)
            except BaseException:
                self[first] = _check.Raw(old)   # a refused pair changes nothing
                raise
            return
        if name in ("params", "param_names"):
            raise _buf.arg_error("%s: %r cannot change; add a group with add_param_group()"
                                 % (where, name))
        key = KEY_OF.get(name) if isinstance(name, str) else None
        if key is None:
            raise KeyError(name)
        v = _value(where, name, value, lenient_flags=True)
        for c in self._c():
            C.dsc_optimizer_group_set(self._opt, c, key, v)

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def keys(self):
        """The hyperparameters this group has."""
        return [n for n, _ in _KEYS if self.get(n) is not None]

    def __contains__(self, name):
        return self.get(name) is not None

    @property
    def size(self):
        """The number of parameter elements in the group."""
        total = 0
        for c in self._c():
            n = c_size_t()
            C.dsc_optimizer_group_size(self._opt, c, ctypes.byref(n))
            total += n.value
        return total

    @property
    def step_count(self):
        n = c_uint64()
        C.dsc_optimizer_group_step_count(self._opt, self._c()[0], ctypes.byref(n))
        return n.value

    def __repr__(self):
        return "{%s}" % ", ".join("%r: %g" % (k, self[k]) for k in self.keys())


class Optimizer(Handle):
    """Base of the optimizers: ``step()``, ``zero_grad()``, ``param_groups``,
    ``add_param_group()``, ``state_dict()``. ``params``: see the module's
    documentation (torch's forms)."""

    _kind = None
    _args = ()

    def __init__(self, params, lr=_UNSET, **kwargs):
        where = type(self).__name__
        if self._kind is None:
            raise TypeError("Optimizer is the base class; use SGD, Adam, AdamW...")
        for k in kwargs:
            if k not in self._args and k not in _GLOBAL and k not in _IMPL_FLAGS:
                raise TypeError("%s() got an unexpected keyword argument %r" % (where, k))
        if lr is not _UNSET:
            kwargs["lr"] = lr
        hyper = _expand(where, kwargs)
        groups = self._top_groups(where, params)
        self._make()
        for name, key, v in hyper:
            C.dsc_optimizer_set(self, key, v)
        for g in groups:
            self.add_param_group(g)

    def _make(self):
        ptr = c_void_p()
        C.dsc_optimizer_new(ctypes.byref(ptr), self._kind)
        self._set(ptr, C.dsc_optimizer_free)
        self._groups = []     # per group: {"params", "param_names", "cgroups"}
        self._owner = []      # C group index -> group index
        self._hook = None
        self._hook_error = None
        self._initial = None

    def close(self):
        """Release this optimizer (idempotent): its C object now, or when the
        last scheduler or trainer over it goes; the arrays it borrows with it."""
        self._groups = []     # the C object's own ref keeps what it still borrows
        super().close()

    @classmethod
    def _without_params(cls):
        """An optimizer with no group yet: the conformance runner sets
        hyperparameters first and adds its group afterwards, as the C runner
        does (torch has no such form: ``params`` is required)."""
        self = cls.__new__(cls)
        self._make()
        return self

    @staticmethod
    def _top_groups(where, params):
        """torch's reading of ``params``: a list of group dicts."""
        from .nn import Parameter
        if isinstance(params, Parameter):
            raise TypeError("%s: params should be an iterable of Parameters or dicts, but got a "
                            "Parameter; pass [p]" % where)
        items = _as_list(where, "params", params)
        if not items:
            raise _buf.arg_error("%s: optimizer got an empty parameter list" % where)
        if isinstance(items[0], dict):
            return items
        return [{"params": items}]

    def _parse_group(self, where, group):
        """(params, names or None, [(name, key, value)]) of a group dict, all checked."""
        from .nn import Parameter
        g = dict(group)
        if "params" not in g:
            raise _buf.arg_error("%s: a parameter group needs a 'params' entry" % where)
        params = g.pop("params")
        names_given = g.pop("param_names", None)
        if isinstance(params, Parameter):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("%s: optimizer parameters need to be organized in ordered "
                            "collections, but the ordering of parameters in sets will change "
                            "between runs. Please use a list instead." % where)
        else:
            params = _as_list(where, "a group's 'params'", params)
        if not params:
            raise _buf.arg_error("%s: a parameter group has an empty 'params' list" % where)
        ps, names = [], []
        for item in params:
            if isinstance(item, tuple):
                if len(item) != 2 or not isinstance(item[0], str):
                    raise TypeError("%s: a tuple in params must be a named parameter "
                                    "(name: str, Parameter), not %s; an array with its gradient "
                                    "is descent.Parameter(array, grad)"
                                    % (where, _check.describe(item)))
                names.append(item[0])
                item = item[1]
            if not isinstance(item, Parameter):
                raise _not_a_parameter(where, item)
            ps.append(item)
        if names and len(names) != len(ps):
            raise _buf.arg_error("%s: all optimizer params should be with/without names. Some "
                                 "param names are missing" % where)
        if names_given is not None:
            if names:
                raise _buf.arg_error("%s: a group gives both (name, Parameter) pairs and "
                                     "'param_names'" % where)
            names_given = _check.sequence(where, "param_names", names_given)
            if len(names_given) != len(ps) or not all(isinstance(n, str) for n in names_given):
                raise _buf.arg_error("%s: 'param_names' must be one string per parameter (%d)"
                                     % (where, len(ps)))
            names = names_given
        if self._groups and (self._groups[0]["param_names"] is not None) != bool(names):
            raise _buf.arg_error("%s: all optimizer param groups should be with/without names. "
                                 "cannot add param group %s to the optimizer"
                                 % (where, "with names" if names else "without names"))
        for k in g:
            if k in _GLOBAL:
                raise _buf.arg_error("%s: %s applies to the whole optimizer (the gradients of "
                                     "every group together); give it to %s(...), not to a group"
                                     % (where, k, where))
            if k != "lr" and k not in self._args and k not in _IMPL_FLAGS:
                raise _buf.arg_error("%s: unknown option %r in a parameter group; %s's options "
                                     "are %s" % (where, k, where, ", ".join(("lr",) + self._args)))
        return ps, (names or None), _expand(where, g)

    def _check_memory(self, where, new):
        """Refuse a parameter given twice, parameters or gradients that overlap,
        and a gradient over a parameter (zero_grad would zero a weight)."""
        pspans, gspans = [], []
        groups = [g["params"] for g in self._groups] + [new]
        for gi, params in enumerate(groups):
            for p in params:
                a, g = _buf.address(p._pf), _buf.address(p._gf)
                pspans.append((a, a + 4 * p._pf.n, gi, "param"))
                gspans.append((g, g + 4 * p._gf.n, gi, "grad"))
        hit = _overlap(pspans)
        if hit is not None:
            a, b = hit
            if a[2] != b[2]:
                msg = "some parameters appear in more than one parameter group"
            elif a[:2] == b[:2]:
                msg = "a parameter appears twice in one parameter group"
            else:
                msg = "two parameters of one group overlap in memory"
            raise _buf.arg_error("%s: %s (each element may be optimized once)" % (where, msg))
        hit = _overlap(gspans)
        if hit is not None:
            raise _buf.arg_error("%s: two parameters share gradient memory; each needs its own "
                                 "gradient array" % where)
        hit = _overlap(pspans + gspans)
        if hit is not None:
            raise _buf.arg_error("%s: a gradient array overlaps a parameter; zero_grad() would "
                                 "overwrite parameters" % where)

    def _try_overrides(self, overrides):
        """Apply a group's options to a scratch optimizer with this one's
        settings: the library's checks (and message) before anything changes."""
        ptr = c_void_p()
        C.dsc_optimizer_new(ctypes.byref(ptr), self._kind)
        try:
            for name, key in _KEYS:
                if key == OptimizerParam.MU_PRODUCT:
                    continue
                v = c_double()
                try:
                    C.dsc_optimizer_get(self, key, ctypes.byref(v))
                except Error:
                    continue          # not a key of this kind
                C.dsc_optimizer_set(ptr, key, v.value)
            buf = (c_float * 2)()
            C.dsc_optimizer_add_params(ptr, ctypes.cast(buf, float_p),
                                       ctypes.cast(ctypes.addressof(buf) + 4, float_p), 1, None)
            for name, key, v in overrides:
                C.dsc_optimizer_group_set(ptr, 0, key, v)
        finally:
            C.dsc_optimizer_free(ptr)

    def add_param_group(self, param_group):
        """Add a group, as torch's ``add_param_group``: a dict ``{"params": ...,
        <option>: value}`` (see the module's documentation). Everything is
        checked before the optimizer changes."""
        where = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError("%s: param_group must be a dict, but got %s"
                            % (where, _check.describe(param_group)))
        self._as_parameter_                      # a closed optimizer raises ClosedError
        params, names, overrides = self._parse_group(where, param_group)
        self._check_memory(where, params)
        if overrides:
            self._try_overrides(overrides)
        cgroups = []
        for pa, ga, n, members in _blocks(params):
            model = members[0]._model
            idx = c_size_t()
            if (model is not None and all(q._model is model for q in members)
                    and (pa, ga, n) == model[1:]):
                # every parameter of a model, in order: the model's flat buffers
                C.dsc_optimizer_add_model(self, model[0].ptr, ctypes.byref(idx))
                self._ref.keep.append(model[0])
            else:
                C.dsc_optimizer_add_params(self, ctypes.cast(pa, float_p), ctypes.cast(ga, float_p),
                                           n, ctypes.byref(idx))
            cgroups.append(idx.value)
            for name, key, v in overrides:
                C.dsc_optimizer_group_set(self, idx.value, key, v)
        self._ref.keep.extend(params)   # the C optimizer borrows their arrays
        self._owner.extend([len(self._groups)] * len(cgroups))
        self._groups.append({"params": params, "param_names": names, "cgroups": cgroups})

    @property
    def param_groups(self):
        return [_Group(self, i) for i in range(len(self._groups))]

    @property
    def defaults(self):
        out = {}
        for name, key in _KEYS:
            v = c_double()
            try:
                C.dsc_optimizer_get(self, key, ctypes.byref(v))
            except Exception:
                continue
            out[name] = v.value
        return out

    @property
    def kind(self):
        return OptimizerKind(self._kind)

    def step(self, closure=None):
        """One update of every group (clip, non-finite check, update). With a
        ``closure`` (torch's), it is called first and its value returned."""
        _check.callable_(type(self).__name__ + ".step", "closure", closure)
        loss = closure() if closure is not None else None
        self._hook_error = None
        try:
            C.dsc_optimizer_step(self)
        except Exception:
            if self._hook_error is not None:
                err, self._hook_error = self._hook_error, None
                raise err
            raise
        return loss

    def zero_grad(self, set_to_none=False):
        """Write zeros into every gradient array. torch's ``set_to_none=True``
        cannot drop the host's arrays, so both values zero them."""
        _check.flag(type(self).__name__ + ".zero_grad", "set_to_none", set_to_none)
        C.dsc_optimizer_zero_grad(self)

    def reset_state(self):
        """Forget every group's state and step count (torch's ``optimizer.state.clear()``)."""
        C.dsc_optimizer_reset_state(self)

    def set(self, name, value):
        """Set a hyperparameter of every group (and of groups added later) by
        its descent name ("lr", "beta1", "nesterov"...; flags as True/False or 0/1)."""
        where = type(self).__name__ + ".set"
        key = _key(where, name)
        C.dsc_optimizer_set(self, key, _value(where, name, value, lenient_flags=True))

    @property
    def last_grad_norm(self):
        v = c_double()
        C.dsc_optimizer_last_grad_norm(self, ctypes.byref(v))
        return v.value

    @property
    def refused_steps(self):
        v = c_uint64()
        C.dsc_optimizer_refused_steps(self, ctypes.byref(v))
        return v.value

    def register_grad_hook(self, fn):
        """Call ``fn(group, grads)`` first in each step (``group``: the index in
        ``param_groups``; ``grads``: a view of the group's gradients to reduce in
        place, e.g. an MPI allreduce; a group whose parameters are not one
        contiguous run is passed one run per call). An exception in ``fn``
        refuses the step and is raised by ``step()``. ``fn=None`` removes the hook."""
        _check.callable_(type(self).__name__ + ".register_grad_hook", "fn", fn)
        if fn is None:
            C.dsc_optimizer_set_grad_hook(self, grad_hook_fn(), None)
            self._hook = None
            return
        owner = self._owner

        def tramp(_opt, group, grads, n, _user):
            try:
                fn(owner[group], _buf.view(ctypes.cast(grads, c_void_p).value, (n,), None))
                return 0
            except BaseException as e:  # refuse the step, re-raised by step()
                self._hook_error = e
                return int(Status.E_ARG)

        cb = grad_hook_fn(tramp)
        C.dsc_optimizer_set_grad_hook(self, cb, None)
        self._hook = cb
        self._ref.keep.append(cb)

    # ---- state dicts: torch.optim's layout --------------------------------------
    def _state_names(self):
        names = []
        n = c_size_t()
        C.dsc_optimizer_state_count(self, ctypes.byref(n))
        for i in range(n.value):
            s = ctypes.c_char_p()
            C.dsc_optimizer_state_name(self, i, ctypes.byref(s))
            names.append(s.value.decode())
        return names

    def _csize(self, c):
        n = c_size_t()
        C.dsc_optimizer_group_size(self, c, ctypes.byref(n))
        return n.value

    def _group_keys(self):
        """The options of a group in a state dict, in torch's constructor order."""
        return ["lr"] + list(self._args)

    def _in_use(self, c, index):
        used = c_int()
        C.dsc_optimizer_state_in_use(self, c, index, ctypes.byref(used))
        return bool(used.value)

    def _read_buffer(self, cgroups, index):
        """State buffer ``index`` of C groups ``cgroups``, one after another."""
        sizes = [self._csize(c) for c in cgroups]
        out = (c_float * sum(sizes))()
        off = 0
        for c, n in zip(cgroups, sizes):
            C.dsc_optimizer_state_get(self, c, index,
                                      ctypes.cast(ctypes.addressof(out) + 4 * off, float_p), n)
            off += n
        return out

    def state_dict(self):
        """The optimizer's state in torch.optim's layout::

            {"state": {0: {"step": 3.0, "exp_avg": array, "exp_avg_sq": array}, 1: {...}},
             "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-08,
                               "weight_decay": 0.0, "amsgrad": False, "maximize": False,
                               "params": [0, 1]}]}

        Parameters are numbered across the groups in order (``params`` lists
        each group's); ``state[i]`` holds parameter ``i``'s step count and
        its buffers by torch's names (``momentum_buffer``, ``exp_avg``,
        ``max_exp_avg_sq``, NAdam's ``mu_product``...), each an array of the
        parameter's shape (a copy; NumPy float32 when NumPy is there). As in
        torch, ``state`` is empty before the first step (Adagrad's holds its
        starting ``sum`` from the start).
        ``clip_norm``/``clip_value`` are settings of the optimizer, not of a
        group: give them when making it. The refused-step counter and the
        last gradient norm are not part of the state."""
        names = self._state_names()
        nadam = self._kind == OptimizerKind.NADAM
        adagrad = self._kind == OptimizerKind.ADAGRAD   # torch makes its state at construction
        state, groups, first = {}, [], 0
        for gi, rec in enumerate(self._groups):
            g = _Group(self, gi)
            d = {}
            for name in self._group_keys():
                if name in _PAIRS:
                    d[name] = g[name]
                else:
                    d[name] = bool(g[name]) if name in _FLAGS else g[name]
            params = rec["params"]
            ids = list(range(first, first + len(params)))
            first += len(params)
            d["params"] = ids
            if rec["param_names"] is not None:
                d["param_names"] = list(rec["param_names"])
            groups.append(d)
            cs = rec["cgroups"]
            step = g.step_count
            bufs = [(name, self._read_buffer(cs, i)) for i, name in enumerate(names)
                    if all(self._in_use(c, i) for c in cs)]
            if step == 0 and not adagrad and not any(any(b) for _, b in bufs):
                continue          # no state before the first step, as in torch
            mu = g["mu_product"] if nadam else None
            off = 0
            for pid, p in zip(ids, params):
                n = p._pf.n
                entry = {"step": float(step)}
                if mu is not None:
                    entry["mu_product"] = mu
                for name, flat in bufs:
                    out, dst = _buf.new_floats(p.shape)
                    ctypes.memmove(dst.carr, ctypes.addressof(flat) + 4 * off, 4 * n)
                    entry[name] = out
                off += n
                state[pid] = entry
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state dict in torch.optim's layout: what :meth:`state_dict`
        gives, or a torch optimizer's ``state_dict()`` of the same kind over
        the same parameters (tensors are read as arrays). As in torch, the
        groups and their ``params`` lists must match the optimizer's in number
        and length, the group options replace the optimizer's, and the state
        replaces all of it (a parameter without state starts afresh). descent
        keeps one step count and one set of buffers per group, so a group's
        parameters have state all or none, with the same ``step``. torch's
        implementation switches (``foreach``, ``fused``, ``capturable``,
        ``differentiable``) and schedulers' ``initial_lr`` are ignored;
        unknown options and state names are refused. Everything is checked
        first; if the library then refuses a value, the optimizer is put back
        as it was."""
        where = type(self).__name__ + ".load_state_dict"
        plan = self._plan(where, state_dict)
        backup = self._plan(where, self.state_dict())
        try:
            self._apply_plan(plan)
        except BaseException:
            self._apply_plan(backup)
            raise

    def _plan(self, where, sd):
        """The checked contents of a state dict: per group, the options, the
        step count, NAdam's mu_product and the buffers (per parameter)."""
        if (not isinstance(sd, Mapping) or not isinstance(sd.get("state"), Mapping)
                or isinstance(sd.get("param_groups"), (str, bytes))
                or not isinstance(sd.get("param_groups"), (list, tuple))):
            raise TypeError("%s: state_dict must be a dict with 'state' (a dict) and "
                            "'param_groups' (a list), as state_dict() gives, not %s"
                            % (where, _check.describe(sd)))
        extra = [k for k in sd if k not in ("state", "param_groups")]
        if extra:
            raise _buf.arg_error("%s: unexpected key(s) %s; a state dict has 'state' and "
                                 "'param_groups'" % (where, ", ".join(repr(k) for k in extra)))
        saved = list(sd["param_groups"])
        if len(saved) != len(self._groups):
            raise _buf.arg_error("%s: the state dict has %d parameter groups, the optimizer %d"
                                 % (where, len(saved), len(self._groups)))
        names = self._state_names()
        allowed = self._group_keys()
        owner, plans = {}, []
        for gi, (rec, d) in enumerate(zip(self._groups, saved)):
            gw = "%s: param_groups[%d]" % (where, gi)
            if not isinstance(d, Mapping):
                raise TypeError("%s must be a dict, not %s" % (gw, _check.describe(d)))
            if "params" not in d:
                raise _buf.arg_error("%s has no 'params' (the ids of its parameters)" % gw)
            ids = _check.sequence(gw, "params", d["params"])
            if len(ids) != len(rec["params"]):
                raise _buf.arg_error("%s lists %d parameters; the optimizer's group %d has %d"
                                     % (gw, len(ids), gi, len(rec["params"])))
            for j, pid in enumerate(ids):
                pid = _param_id(gw, pid)
                if pid in owner:
                    raise _buf.arg_error("%s: parameter id %d is listed twice" % (where, pid))
                owner[pid] = (gi, j)
            hyper = []
            for k, v in d.items():
                if k in ("params", "param_names") or k in _TORCH_IGNORED:
                    continue
                if k == "decoupled_weight_decay":
                    if _check.flag(gw, k, v):
                        raise _buf.arg_error("%s: decoupled_weight_decay=True is AdamW's "
                                             "update; use descent.AdamW" % gw)
                    continue
                if k not in allowed:
                    raise _buf.arg_error("%s: unknown option %r; %s's options are %s"
                                         % (gw, k, type(self).__name__, ", ".join(allowed)))
                if k in _PAIRS:
                    hyper += list(zip(_PAIRS[k], _pair(gw, k, v)))
                else:
                    hyper.append((k, _value(gw, k, v, lenient_flags=True)))
            plans.append({"hyper": hyper, "entries": {}, "step": 0, "mu": None, "bufs": {}})
        for key, entry in sd["state"].items():
            pid = _param_id(where + ": state", key)
            if pid not in owner:
                raise _buf.arg_error("%s: state holds parameter id %d, which no group's "
                                     "'params' lists" % (where, pid))
            if not isinstance(entry, Mapping):
                raise TypeError("%s: state[%r] must be a dict, not %s"
                                % (where, key, _check.describe(entry)))
            gi, j = owner[pid]
            plans[gi]["entries"][j] = (key, entry)
        nadam = self._kind == OptimizerKind.NADAM
        for gi, (rec, pl) in enumerate(zip(self._groups, plans)):
            params, entries = rec["params"], pl.pop("entries")
            if not entries:
                continue
            if len(entries) != len(params):
                raise _buf.arg_error("%s: state holds %d of the %d parameters of group %d; "
                                     "descent keeps one state per group: give every "
                                     "parameter's state or none" % (where, len(entries),
                                                                    len(params), gi))
            first, flats = None, {}
            for j, p in enumerate(params):
                key, entry = entries[j]
                ew = "%s: state[%r]" % (where, key)
                step, mu, have = 0, None, []
                for k, v in entry.items():
                    if k == "step":
                        step = _step(ew, v)
                    elif k == "mu_product" and nadam:
                        mu = _check.real(ew, "mu_product", _scalar(v))
                    elif k in names:
                        if v is None:         # torch's momentum_buffer before momentum is used
                            continue
                        f = _buf.floats_in(v, "%s[%r]" % (ew, k))
                        if tuple(f.shape) not in (tuple(p.shape), (p._pf.n,)):
                            raise _buf.error_for(Status.E_SHAPE, "%s[%r] has shape %s; the "
                                                 "parameter's is %s" % (ew, k, tuple(f.shape),
                                                                        tuple(p.shape)))
                        flats.setdefault(names.index(k), []).append(f)
                        have.append(k)
                    else:
                        known = ["step"] + (["mu_product"] if nadam else []) + names
                        raise _buf.arg_error("%s: unknown state %r; %s keeps %s"
                                             % (ew, k, type(self).__name__, ", ".join(known)))
                sig = (step, mu, sorted(have))
                if first is None:
                    first = (key, sig)
                elif sig != first[1]:
                    raise _buf.arg_error(
                        "%s: its step, mu_product or buffers (%r) differ from state[%r]'s (%r) "
                        "in the same group; descent keeps one step count and one set of "
                        "buffers per parameter group" % (ew, sig, first[0], first[1]))
            pl["step"], pl["mu"] = first[1][0], first[1][1]
            pl["bufs"] = flats
        return plans

    def _apply_plan(self, plans):
        # Everything starts afresh (torch replaces the whole state), then the
        # options (a flag turned off first: nesterov before momentum 0), NAdam's
        # mu_product, the buffers (after initial_accumulator_value, which
        # refills Adagrad's) and the step counts.
        C.dsc_optimizer_reset_state(self)
        order = {n: i for i, (n, _) in enumerate(_KEYS)}
        for rec, pl in zip(self._groups, plans):
            cs = rec["cgroups"]
            hyper = sorted(pl["hyper"], key=lambda kv: (not (kv[0] in _FLAGS and not kv[1]),
                                                         order[kv[0]]))
            for name, v in hyper:
                key = KEY_OF[name]
                for c in cs:
                    now = c_double()
                    C.dsc_optimizer_group_get(self, c, key, ctypes.byref(now))
                    if now.value != v:
                        C.dsc_optimizer_group_set(self, c, key, v)
            if pl["mu"] is not None:
                for c in cs:
                    C.dsc_optimizer_group_set(self, c, OptimizerParam.MU_PRODUCT, pl["mu"])
            for index, flats in pl["bufs"].items():
                cat = (c_float * sum(f.n for f in flats))()
                off = 0
                for f in flats:
                    ctypes.memmove(ctypes.addressof(cat) + 4 * off, f.carr, 4 * f.n)
                    off += f.n
                off = 0
                for c in cs:
                    n = self._csize(c)
                    C.dsc_optimizer_state_set(
                        self, c, index, ctypes.cast(ctypes.addressof(cat) + 4 * off, float_p), n)
                    off += n
            for c in cs:
                C.dsc_optimizer_group_set_step_count(self, c, pl["step"])

    @staticmethod
    def bounds(kind, name):
        """(lo, hi) accepted for a hyperparameter of an optimizer kind."""
        lo, hi = c_double(), c_double()
        C.dsc_optimizer_param_bounds(_check.kind("Optimizer.bounds", kind, OptimizerKind),
                                     _key("Optimizer.bounds", name),
                                     ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(kind, name):
        """The default of a hyperparameter for an optimizer kind (PyTorch's)."""
        v = c_double()
        C.dsc_optimizer_param_default(_check.kind("Optimizer.default", kind, OptimizerKind),
                                      _key("Optimizer.default", name),
                                      ctypes.byref(v))
        return v.value

    # Scheduler support: torch's group['initial_lr'] (recorded by the first scheduler).
    def _snapshot(self):
        if self._initial is None:
            snap = []
            for g in self.param_groups:
                snap.append({k: g[k] for k in ("lr", "momentum", "beta1") if k in g})
            self._initial = snap
        return self._initial

    def _restore_initial(self):
        if self._initial is None:
            return
        for g, snap in zip(self.param_groups, self._initial):
            for k, v in snap.items():
                g[k] = v

    def _cgroups_of(self, group):
        """The C group indices of a group."""
        return list(self._groups[group]["cgroups"])

    def __repr__(self):
        if self.closed:
            return "%s(<closed>)" % type(self).__name__
        return "%s(%s)" % (type(self).__name__, self.param_groups)


def _opt(name, kind, args, doc):
    cls = type(name, (Optimizer,), {"_kind": kind, "_args": tuple(args), "__doc__": doc})
    return cls


SGD = _opt("SGD", OptimizerKind.SGD,
           ["momentum", "dampening", "weight_decay", "nesterov", "maximize"],
           "torch.optim.SGD(params, lr=0.001, momentum=0, dampening=0, weight_decay=0, "
           "nesterov=False, *, maximize=False)")
Adam = _opt("Adam", OptimizerKind.ADAM, ["betas", "eps", "weight_decay", "amsgrad", "maximize"],
            "torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, "
            "amsgrad=False, *, maximize=False)")
AdamW = _opt("AdamW", OptimizerKind.ADAMW, ["betas", "eps", "weight_decay", "amsgrad", "maximize"],
             "torch.optim.AdamW(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
             "weight_decay=0.01, amsgrad=False, *, maximize=False)")
Adagrad = _opt("Adagrad", OptimizerKind.ADAGRAD,
               ["lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"],
               "torch.optim.Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, "
               "initial_accumulator_value=0, eps=1e-10, *, maximize=False)")
RMSprop = _opt("RMSprop", OptimizerKind.RMSPROP,
               ["alpha", "eps", "weight_decay", "momentum", "centered", "maximize"],
               "torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, "
               "momentum=0, centered=False, *, maximize=False)")
Adadelta = _opt("Adadelta", OptimizerKind.ADADELTA, ["rho", "eps", "weight_decay", "maximize"],
                "torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-06, weight_decay=0, *, "
                "maximize=False)")
Adamax = _opt("Adamax", OptimizerKind.ADAMAX, ["betas", "eps", "weight_decay", "maximize"],
              "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, "
              "weight_decay=0, *, maximize=False)")
NAdam = _opt("NAdam", OptimizerKind.NADAM,
             ["betas", "eps", "weight_decay", "momentum_decay", "maximize"],
             "torch.optim.NAdam(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, "
             "momentum_decay=0.004, *, maximize=False) (PyTorch >= 2.0 formula)")
RAdam = _opt("RAdam", OptimizerKind.RADAM, ["betas", "eps", "weight_decay", "maximize"],
             "torch.optim.RAdam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, "
             "weight_decay=0, *, maximize=False)")
Rprop = _opt("Rprop", OptimizerKind.RPROP, ["etas", "step_sizes", "maximize"],
             "torch.optim.Rprop(params, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-06, 50), *, "
             "maximize=False): lr only seeds the step sizes, at the first step; "
             "param_groups[i]['etas'] and ['step_sizes'] read and set the pairs")

BY_NAME = {c.__name__: c for c in (SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, Adamax, NAdam, RAdam,
                                   Rprop)}
