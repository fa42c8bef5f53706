"""Optimizers with torch.optim's names and arguments, over a ``Sequential`` or
over the host's own float32 arrays (updated in place).

``params`` may be:

- a :class:`~descent.nn.Sequential` (or its ``parameters()``): one group over
  the model's flat parameter and gradient buffers;
- a ``(param, grad)`` pair of writable C-contiguous float32 arrays (NumPy, or
  ``array.array('f')``), or a list of such pairs and models: one group each;
- dicts ``{"params": <any of the above>, "grads": grad, "lr": ...}`` to give a
  group its own hyperparameters, as torch's parameter groups.

Arrays are borrowed (the optimizer keeps them alive) and updated in place by
``step()``. Arrays that are not float32, not C-contiguous or read-only are
refused: a silent copy would not be updated.

Hyperparameters left out (``None``) keep descent's defaults, which are
PyTorch's. descent adds ``clip_norm`` and ``clip_value`` (``clip_grad_norm_``
and ``clip_grad_value_`` applied inside ``step()``).
"""

import ctypes
from ctypes import c_double, c_size_t, c_uint64, c_void_p

from . import _buf
from ._base import Handle
from ._enums import OptimizerParam, OptimizerKind, Status
from ._errors import error_for
from ._ffi import C, grad_hook_fn

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
    ("clip_norm", OptimizerParam.CLIP_NORM), ("clip_value", OptimizerParam.CLIP_VALUE),
    ("mu_product", OptimizerParam.MU_PRODUCT),
]
KEY_OF = dict(_KEYS)
# Accepted for compatibility with torch's signatures; they choose code paths
# with the same arithmetic, so only their defaults are allowed.
_IMPL_FLAGS = {"foreach": None, "capturable": False, "differentiable": False, "fused": None}


def _expand(kw):
    """torch kwargs -> ordered [(name, key, float)], betas split."""
    kw = dict(kw)
    betas = kw.pop("betas", None)
    if betas is not None:
        b = tuple(betas)
        if len(b) != 2:
            raise _buf.arg_error("betas must be a pair (beta1, beta2), got %r" % (betas,))
        kw.setdefault("beta1", b[0])
        kw.setdefault("beta2", b[1])
    for flag, ok in _IMPL_FLAGS.items():
        v = kw.pop(flag, ok)
        if v not in (ok, None, False):
            raise _buf.arg_error("%s=%r is not supported (descent has one implementation)" % (flag, v))
    out = []
    for name, key in _KEYS:
        if name in kw:
            v = kw.pop(name)
            if v is not None:
                out.append((name, key, float(v)))
    if kw:
        raise TypeError("unexpected keyword argument(s): %s" % ", ".join(sorted(kw)))
    return out


class _Group:
    """One parameter group as a mapping, like torch's ``param_groups[i]``:
    ``opt.param_groups[0]["lr"] = 0.01`` sets that group's lr."""

    def __init__(self, opt, index):
        self._opt = opt
        self.index = index

    def __getitem__(self, name):
        if name == "betas":
            return (self["beta1"], self["beta2"])
        if name in ("params", "grads"):
            return self._opt._groups[self.index][name]
        key = KEY_OF.get(name)
        if key is None:
            raise KeyError(name)
        v = c_double()
        try:
            C.dsc_optimizer_group_get(self._opt, self.index, key, ctypes.byref(v))
        except Exception as e:
            if getattr(e, "status", None) == Status.E_UNSUPPORTED:
                raise KeyError(name) from e
            raise
        return v.value

    def __setitem__(self, name, value):
        if name == "betas":
            self["beta1"], self["beta2"] = value
            return
        key = KEY_OF.get(name)
        if key is None:
            raise KeyError(name)
        C.dsc_optimizer_group_set(self._opt, self.index, key, float(value))

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def keys(self):
        return [n for n, _ in _KEYS if self.get(n) is not None]

    def __contains__(self, name):
        return self.get(name) is not None

    @property
    def size(self):
        n = c_size_t()
        C.dsc_optimizer_group_size(self._opt, self.index, ctypes.byref(n))
        return n.value

    @property
    def step_count(self):
        n = c_uint64()
        C.dsc_optimizer_group_step_count(self._opt, self.index, ctypes.byref(n))
        return n.value

    def __repr__(self):
        return "{%s}" % ", ".join("%r: %g" % (k, self[k]) for k in self.keys())


class Optimizer(Handle):
    """Base of the optimizers: ``step()``, ``zero_grad()``, ``param_groups``."""

    _kind = None
    _args = ()

    def __init__(self, params, lr=None, **kwargs):
        ptr = c_void_p()
        C.dsc_optimizer_new(ctypes.byref(ptr), self._kind)
        self._set(ptr, C.dsc_optimizer_free)
        self._groups = []
        self._hook = None
        self._hook_error = None
        self._initial = None
        for k in kwargs:
            if k not in self._args and k not in ("clip_norm", "clip_value") and k not in _IMPL_FLAGS:
                raise TypeError("%s() got an unexpected keyword argument %r" % (type(self).__name__, k))
        kwargs["lr"] = lr
        for name, key, v in _expand(kwargs):
            C.dsc_optimizer_set(self, key, v)
        if params is not None:  # None: groups come later, from add_param_group()
            for item in self._items(params):
                self.add_param_group(item)

    @staticmethod
    def _items(params):
        from .nn import Sequential, _Parameters
        if isinstance(params, (Sequential, _Parameters, dict)):
            return [params]
        groupish = (Sequential, _Parameters, dict, tuple, list)
        if isinstance(params, tuple) and len(params) == 2 and \
                not any(isinstance(x, groupish) for x in params):
            return [params]   # one (param, grad) pair
        try:
            items = list(params)
        except TypeError:
            raise _buf.arg_error("params must be a Sequential, a (param, grad) pair, dicts or a list "
                                 "of those, not %s" % type(params).__name__) from None
        if not items:
            raise _buf.arg_error("optimizer got an empty parameter list")
        return items

    def add_param_group(self, group):
        """Add a group: a model, a (param, grad) pair, or a dict with "params",
        "grads" and per-group hyperparameters."""
        from .nn import Sequential, _Parameters
        overrides = []
        if isinstance(group, dict):
            group = dict(group)
            target = group.pop("params")
            grads = group.pop("grads", None)
            if grads is not None:
                target = (target, grads)
            overrides = _expand(group)
        else:
            target = group
        if isinstance(target, _Parameters):
            target = target.model
        idx = c_size_t()
        if isinstance(target, Sequential):
            # dsc_optimizer_add_model: the model's flat buffers as one group.
            target._need_built()
            C.dsc_optimizer_add_model(self, target, ctypes.byref(idx))
            self._ref.keep.append(target._ref)    # the C optimizer borrows the model's buffers
            rec = {"params": target.params, "grads": target.grads, "model": target}
        elif isinstance(target, (tuple, list)) and len(target) == 2:
            p = _buf.floats_inout(target[0], "param")
            g = _buf.floats_inout(target[1], "grad")
            if p.n != g.n:
                raise _buf.arg_error("param has %d elements but grad has %d" % (p.n, g.n))
            C.dsc_optimizer_add_params(self, p.ptr, g.ptr, p.n, ctypes.byref(idx))
            self._ref.keep.extend([p, g])   # the C optimizer borrows the arrays: keep them alive
            rec = {"params": target[0], "grads": target[1]}
        else:
            raise _buf.arg_error("a parameter group needs a Sequential or a (param, grad) pair of "
                                 "float32 arrays; got %s (an array alone has no gradient: pass "
                                 "(param, grad))" % type(target).__name__)
        self._groups.append(rec)
        for name, key, v in overrides:
            C.dsc_optimizer_group_set(self, idx.value, key, v)

    @property
    def param_groups(self):
        n = c_size_t()
        C.dsc_optimizer_group_count(self, ctypes.byref(n))
        return [_Group(self, i) for i in range(n.value)]

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
        """Write zeros into every gradient array (torch's ``set_to_none=False``)."""
        C.dsc_optimizer_zero_grad(self)

    def reset_state(self):
        """Forget every group's state and step count (torch's ``optimizer.state.clear()``)."""
        C.dsc_optimizer_reset_state(self)

    def set(self, name, value):
        """Set a hyperparameter of every group (and of groups added later)."""
        C.dsc_optimizer_set(self, KEY_OF[name], float(value))

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
        """Call ``fn(group, grads)`` first in each step (``grads``: a view of the
        group's gradient array to reduce in place, e.g. an MPI allreduce).
        An exception in ``fn`` refuses the step and is raised by ``step()``.
        ``fn=None`` removes the hook."""
        if fn is None:
            C.dsc_optimizer_set_grad_hook(self, grad_hook_fn(), None)
            self._hook = None
            return

        def tramp(_opt, group, grads, n, _user):
            try:
                fn(group, _buf.view(ctypes.cast(grads, c_void_p).value, (n,), None))
                return 0
            except BaseException as e:  # refuse the step, re-raised by step()
                self._hook_error = e
                return int(Status.E_ARG)

        cb = grad_hook_fn(tramp)
        C.dsc_optimizer_set_grad_hook(self, cb, None)
        self._hook = cb
        self._ref.keep.append(cb)

    # ---- checkpoints ----------------------------------------------------------
    def state_dict(self):
        """Hyperparameters, step counts and the state buffers in use, per group
        (plain Python floats and lists)."""
        names = []
        n = c_size_t()
        C.dsc_optimizer_state_count(self, ctypes.byref(n))
        for i in range(n.value):
            s = ctypes.c_char_p()
            C.dsc_optimizer_state_name(self, i, ctypes.byref(s))
            names.append(s.value.decode())
        groups = []
        for g in self.param_groups:
            d = {k: g[k] for k in g.keys()}
            d["step"] = g.step_count
            state = {}
            for i, name in enumerate(names):
                used = ctypes.c_int()
                C.dsc_optimizer_state_in_use(self, g.index, i, ctypes.byref(used))
                if used.value:
                    buf = (ctypes.c_float * g.size)()
                    C.dsc_optimizer_state_get(self, g.index, i, buf, g.size)
                    state[name] = list(buf)
            d["state"] = state
            groups.append(d)
        return {"kind": self.kind.name, "param_groups": groups}

    def load_state_dict(self, sd):
        groups = self.param_groups
        if len(sd["param_groups"]) != len(groups):
            raise _buf.arg_error("state dict has %d groups, the optimizer %d"
                                 % (len(sd["param_groups"]), len(groups)))
        n = c_size_t()
        C.dsc_optimizer_state_count(self, ctypes.byref(n))
        names = []
        for i in range(n.value):
            s = ctypes.c_char_p()
            C.dsc_optimizer_state_name(self, i, ctypes.byref(s))
            names.append(s.value.decode())
        for g, d in zip(groups, sd["param_groups"]):
            for name, key in _KEYS:
                if name in d and key not in (OptimizerParam.CLIP_NORM, OptimizerParam.CLIP_VALUE):
                    C.dsc_optimizer_group_set(self, g.index, key, float(d[name]))
            for name, values in d.get("state", {}).items():
                buf = (ctypes.c_float * len(values))(*values)
                C.dsc_optimizer_state_set(self, g.index, names.index(name), buf, len(values))
            C.dsc_optimizer_group_set_step_count(self, g.index, int(d.get("step", 0)))

    @staticmethod
    def bounds(kind, name):
        """(lo, hi) accepted for a hyperparameter of an optimizer kind."""
        lo, hi = c_double(), c_double()
        C.dsc_optimizer_param_bounds(OptimizerKind(kind), KEY_OF[name], ctypes.byref(lo),
                                      ctypes.byref(hi))
        return lo.value, hi.value

    @staticmethod
    def default(kind, name):
        """The default of a hyperparameter for an optimizer kind (PyTorch's)."""
        v = c_double()
        C.dsc_optimizer_param_default(OptimizerKind(kind), KEY_OF[name], ctypes.byref(v))
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

BY_NAME = {c.__name__: c for c in (SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, Adamax, NAdam, RAdam)}
