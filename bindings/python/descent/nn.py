"""Layers, ``Sequential`` and losses, with torch.nn's names and arguments.

Layers are descriptions: ``Sequential`` appends the matching C layer to its
model for each of them (``dsc_model_add_dense`` and friends; the model owns
its layers), so a layer object may be reused in several models.
"""

import collections
import ctypes
from ctypes import c_double, c_int, c_size_t, c_void_p

from . import _buf, _check
from ._base import Handle
from ._enums import Activation, Init, LayerKind, LossKind, LossParam, Status
from ._errors import error_for
from ._ffi import C, float_p


def _shape(shape):
    """A shape as Python writes a tuple: (4, 3), (2,), ()."""
    return repr(tuple(int(d) for d in shape))


def _shape_arg(where, name, shape):
    """A per-sample shape argument: 1 to 3 integers >= 1."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__"):
        raise TypeError("%s: %s must be a tuple of 1 to 3 sizes, not %s"
                        % (where, name, _check.describe(shape)))
    dims = tuple(_check.integer(where, name, d, lo=1, what="a size") for d in shape)
    if not 1 <= len(dims) <= 3:
        raise _buf.arg_error("%s: %s has %d dimensions; it must have 1 to 3 (N, C x L, C x H x W "
                             "or T x F)" % (where, name, len(dims)))
    return dims


def _shape_error(msg):
    return error_for(Status.E_SHAPE, msg)


def _span(f):
    a = _buf.address(f)
    return a, a + 4 * f.n


class Parameter:
    """``torch.nn.Parameter`` for descent: a float32 array the optimizers update
    in place (:attr:`data`) together with the array that holds its gradient
    (:attr:`grad`).

    ``Parameter(data, grad=None)``: ``data`` must be a writable C-contiguous
    float32 array (a NumPy array, or without NumPy ``array.array('f')`` or any
    writable float32 buffer); it is used in place, never copied. ``grad`` is
    the array your code writes the gradient into: the same shape, also
    writable C-contiguous float32, not overlapping ``data``; ``None`` makes a
    zeroed one. :meth:`Sequential.parameters` gives Parameters over a model's
    own weights and gradients.

    A Parameter reads and writes as its data (``np.asarray(p)``, ``p[...] = 0``,
    ``p.shape``, ``len(p)``). ``data`` and ``grad`` are fixed when it is made
    (an optimizer reads them in place): write into them, do not rebind them.
    """

    __slots__ = ("_data", "_grad", "_pf", "_gf", "_model", "__weakref__")

    def __init__(self, data, grad=None):
        if isinstance(data, Parameter):
            raise TypeError("Parameter: data is already a Parameter")
        pf = _buf.floats_inout(data, "Parameter data")
        if grad is None:
            grad, gf = _buf.new_floats(pf.shape)
        else:
            if isinstance(grad, Parameter):
                raise TypeError("Parameter: grad must be an array, not a Parameter")
            gf = _buf.floats_inout(grad, "Parameter grad")
            if tuple(gf.shape) != tuple(pf.shape):
                raise _shape_error("Parameter: grad has shape %s, data %s; they must be the same"
                                   % (_shape(gf.shape), _shape(pf.shape)))
            (a, b), (c, d) = _span(pf), _span(gf)
            if a < d and c < b:
                raise _buf.arg_error("Parameter: grad overlaps data; the gradient needs its own "
                                     "array (zero_grad() would overwrite the parameter)")
        self._data, self._grad, self._pf, self._gf, self._model = data, grad, pf, gf, None

    @classmethod
    def _of_model(cls, data, grad, model):
        """A Parameter over a model's buffers (views); ``model`` = (its _Ref,
        flat params address, flat grads address, parameter count)."""
        p = cls(data, grad)
        p._model = model
        return p

    @property
    def data(self):
        """The parameter's values (the array given, or a view of a model's weights)."""
        return self._data

    @data.setter
    def data(self, value):
        raise AttributeError("Parameter.data is fixed when the Parameter is made (optimizers "
                             "update it in place): write into it, p.data[...] = values")

    @property
    def grad(self):
        """The gradient array (same shape as :attr:`data`), read by each optimizer step."""
        return self._grad

    @grad.setter
    def grad(self, value):
        raise AttributeError("Parameter.grad is fixed when the Parameter is made (optimizers "
                             "read it in place): write into it, p.grad[...] = gradient")

    @property
    def shape(self):
        return tuple(self._pf.shape)

    @property
    def ndim(self):
        return len(self._pf.shape)

    def numel(self):
        """The number of elements (torch's ``numel()``)."""
        return self._pf.n

    def __len__(self):
        if not self._pf.shape:
            raise TypeError("len() of a 0-d Parameter")
        return self._pf.shape[0]

    def __getitem__(self, index):
        return self._data[index]

    def __setitem__(self, index, value):
        self._data[index] = value

    def __array__(self, dtype=None, copy=None):
        a = _buf.np.asarray(self._data)
        return a if dtype is None else a.astype(dtype)

    def numpy(self):
        """The data (no copy)."""
        return self._data

    def tolist(self):
        d = self._data
        return d.tolist() if hasattr(d, "tolist") else list(d)

    def __repr__(self):
        return "Parameter(shape=%s)" % (_shape(self.shape),)


class Module:
    """Base of the layer descriptions. A layer checks its arguments when it is
    made (types here, ranges by the library on a scratch model), so a bad
    argument is refused at ``Linear(...)``, not later in ``Sequential``."""

    def _add(self, model, index):  # pragma: no cover - abstract
        """Append this layer to ``model`` (a Sequential) as layer ``index``."""
        raise NotImplementedError

    @staticmethod
    def _try(width, add):
        """Run ``add(model)`` on a scratch model of input ``width``: the library's
        own checks (and message) for the layer's arguments."""
        ptr = c_void_p()
        C.dsc_model_new(ctypes.byref(ptr), width)
        try:
            add(ptr)
        finally:
            C.dsc_model_free(ptr)

    def __repr__(self):
        return "%s()" % type(self).__name__


class Linear(Module):
    """``torch.nn.Linear(in_features, out_features, bias=True)``: y = x W^T + b.
    The widths are integers >= 1 (``int`` or a NumPy integer; not ``float`` or
    ``bool``); ``bias`` is True or False."""

    def __init__(self, in_features, out_features, bias=True):
        # Negative widths are refused here (size_t would wrap them); 0 by the library.
        self.in_features = _check.integer("Linear", "in_features", in_features, lo=0,
                                          what="a width")
        self.out_features = _check.integer("Linear", "out_features", out_features, lo=0,
                                           what="a width")
        self.bias = _check.flag("Linear", "bias", bias)
        self._try(self.in_features,
                  lambda m: C.dsc_model_add_dense(m, self.out_features, 1 if self.bias else 0))

    def _add(self, model, index):
        width = model.widths[1]
        if len(model.output_shape) == 1 and self.in_features != width:
            raise error_for(Status.E_SHAPE, "Sequential: layer %d (Linear) expects %d inputs, "
                            "but the model gives %d there" % (index, self.in_features, width))
        C.dsc_model_add_dense(model, self.out_features, 1 if self.bias else 0)

    def __repr__(self):
        return "Linear(in_features=%d, out_features=%d, bias=%s)" % (
            self.in_features, self.out_features, self.bias)


Dense = Linear


class _Activation(Module):
    _act = None

    def _add(self, model, index):
        C.dsc_model_add_activation(model, self._act)


class Identity(_Activation):
    _act = Activation.IDENTITY


class ReLU(_Activation):
    """``torch.nn.ReLU(inplace=False)`` (``inplace`` changes nothing in descent)."""
    _act = Activation.RELU

    def __init__(self, inplace=False):
        self.inplace = _check.flag("ReLU", "inplace", inplace)


class Sigmoid(_Activation):
    _act = Activation.SIGMOID


class Tanh(_Activation):
    _act = Activation.TANH


class GELU(_Activation):
    """``torch.nn.GELU(approximate='none')``: the exact form x Phi(x) (torch's
    default), or with ``approximate='tanh'`` 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def __init__(self, approximate="none"):
        _check.string("GELU", "approximate", approximate)
        if approximate not in ("none", "tanh"):
            raise _buf.arg_error("GELU: approximate=%r is not supported; 'none' or 'tanh'"
                                 % approximate)
        self.approximate = approximate
        self._act = Activation.GELU if approximate == "none" else Activation.GELU_TANH

    def __repr__(self):
        return "GELU(approximate=%r)" % self.approximate


class Softmax(_Activation):
    """Row softmax (``dim=1`` or ``-1`` of a [batch, width] input), for inference outputs."""
    _act = Activation.SOFTMAX

    def __init__(self, dim=1):
        dim = _check.integer("Softmax", "dim", dim, lo=None, hi=None)
        if dim not in (1, -1):
            raise _buf.arg_error("Softmax: dim=%r; only the feature axis (1 or -1) is supported" % dim)
        self.dim = dim


class LeakyReLU(Module):
    """``torch.nn.LeakyReLU(negative_slope=0.01, inplace=False)``."""

    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope = _check.real("LeakyReLU", "negative_slope", negative_slope)
        self.inplace = _check.flag("LeakyReLU", "inplace", inplace)
        self._try(1, lambda m: C.dsc_model_add_leaky_relu(m, self.negative_slope))

    def _add(self, model, index):
        C.dsc_model_add_leaky_relu(model, self.negative_slope)

    def __repr__(self):
        return "LeakyReLU(negative_slope=%g)" % self.negative_slope


class Dropout(Module):
    """``torch.nn.Dropout(p=0.5)``; ``seed`` (an integer >= 0) seeds descent's own
    mask generator."""

    def __init__(self, p=0.5, inplace=False, seed=0):
        self.p = _check.real("Dropout", "p", p)
        self.inplace = _check.flag("Dropout", "inplace", inplace)
        self.seed = _check.integer("Dropout", "seed", seed, lo=0)
        self._try(1, lambda m: C.dsc_model_add_dropout(m, self.p, self.seed))

    def _add(self, model, index):
        C.dsc_model_add_dropout(model, self.p, self.seed)

    def __repr__(self):
        return "Dropout(p=%g)" % self.p


class Flatten(Module):
    """``torch.nn.Flatten()``: each sample's shape (C x L, C x H x W, T x F)
    becomes one flat row of its elements in C order (``start_dim=1`` and
    ``end_dim=-1`` only, torch's defaults)."""

    def __init__(self, start_dim=1, end_dim=-1):
        start_dim = _check.integer("Flatten", "start_dim", start_dim, lo=None, hi=None)
        end_dim = _check.integer("Flatten", "end_dim", end_dim, lo=None, hi=None)
        if start_dim != 1 or end_dim != -1:
            raise _buf.arg_error("Flatten: start_dim=%d, end_dim=%d; only the whole sample "
                                 "(start_dim=1, end_dim=-1) is supported" % (start_dim, end_dim))

    def _add(self, model, index):
        C.dsc_model_add_flatten(model)


class _Recurrent(Module):
    """LSTM and GRU: torch's arguments; one layer, biases, batch-first only."""

    _name = None          # "LSTM" or "GRU"
    _add_fn = None        # the dsc_model_add_* function's name

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0):
        n = self._name
        self.input_size = _check.integer(n, "input_size", input_size, lo=1, what="a size")
        self.hidden_size = _check.integer(n, "hidden_size", hidden_size, lo=1, what="a size")
        unsupported = [(num_layers != 1, "num_layers=%r (only 1)" % (num_layers,)),
                       (bias is not True, "bias=%r (only True)" % (bias,)),
                       (batch_first is not True,
                        "batch_first=%r: pass batch_first=True; inputs are [batch, T, %d]"
                        % (batch_first, self.input_size)),
                       (dropout != 0, "dropout=%r (only 0)" % (dropout,)),
                       (bidirectional is not False, "bidirectional=%r (only False)" % (bidirectional,)),
                       (proj_size != 0, "proj_size=%r (only 0)" % (proj_size,))]
        for bad, what in unsupported:
            if bad:
                raise _buf.arg_error("%s: %s is not supported" % (n, what))
        # The library's own checks (the upper bound of hidden_size), on a scratch T x F model.
        ptr, dims = c_void_p(), (c_size_t * 2)(1, self.input_size)
        C.dsc_model_new_shaped(ctypes.byref(ptr), 2, dims)
        try:
            getattr(C, self._add_fn)(ptr, self.input_size, self.hidden_size)
        finally:
            C.dsc_model_free(ptr)

    def _add(self, model, index):
        getattr(C, self._add_fn)(model, self.input_size, self.hidden_size)

    def __repr__(self):
        return "%s(%d, %d, batch_first=True)" % (self._name, self.input_size, self.hidden_size)


class LSTM(_Recurrent):
    """``torch.nn.LSTM(input_size, hidden_size, batch_first=True)``: one layer,
    unidirectional, with biases, zero initial state. Takes ``[batch, T,
    input_size]`` and gives the whole output sequence ``[batch, T,
    hidden_size]`` (torch's ``output``, without the ``(h_n, c_n)`` tuple: put
    :class:`LastStep` after it for the last step). Parameters in torch's
    layout: ``weight_ih`` [4*hidden, input], ``weight_hh`` [4*hidden, hidden],
    ``bias_ih``, ``bias_hh`` [4*hidden], gate blocks i, f, g, o; in a state
    dict ``"<i>.weight_ih_l0"`` and so on, as torch names them."""

    _name = "LSTM"
    _add_fn = "dsc_model_add_lstm"


class GRU(_Recurrent):
    """``torch.nn.GRU(input_size, hidden_size, batch_first=True)``: as
    :class:`LSTM`, with gate blocks r, z, n (``weight_ih`` [3*hidden, input],
    ``weight_hh`` [3*hidden, hidden], ``bias_ih``, ``bias_hh`` [3*hidden])."""

    _name = "GRU"
    _add_fn = "dsc_model_add_gru"


class LastStep(Module):
    """The last time step of a sequence, torch's ``x[:, -1, :]``: ``[batch, T,
    H]`` becomes ``[batch, H]`` (the usual head after an :class:`LSTM` or
    :class:`GRU`)."""

    def _add(self, model, index):
        C.dsc_model_add_last_step(model)


def _shaped_try(dims, add):
    """Run ``add(model)`` on a scratch model of per-sample shape ``dims``."""
    ptr = c_void_p()
    arr = (c_size_t * len(dims))(*dims)
    C.dsc_model_new_shaped(ctypes.byref(ptr), len(dims), arr)
    try:
        add(ptr)
    finally:
        C.dsc_model_free(ptr)


class _BatchNorm(Module):
    """Shared by BatchNorm1d and BatchNorm2d: PyTorch's arguments, affine with
    running statistics (``running_mean``, ``running_var``,
    ``num_batches_tracked``: buffers, never seen by the optimizers).
    ``momentum=None`` is the cumulative average."""

    _scratch_shape = None  # a shape the layer accepts, for the argument check

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=True,
                 track_running_stats=True):
        name = type(self).__name__
        self.num_features = _check.integer(name, "num_features", num_features, lo=1)
        self.eps = _check.real(name, "eps", eps)
        self.momentum = None if momentum is None else _check.real(name, "momentum", momentum)
        self.affine = _check.flag(name, "affine", affine)
        self.track_running_stats = _check.flag(name, "track_running_stats", track_running_stats)
        if not self.affine or not self.track_running_stats:
            raise _buf.arg_error("%s: affine=%s, track_running_stats=%s; only the affine layer "
                                 "with running statistics (both True, torch's defaults) is "
                                 "supported" % (name, self.affine, self.track_running_stats))
        _shaped_try(self._scratch_shape(self.num_features), lambda m: self._add(m, 0))

    def _momentum(self):
        return float("nan") if self.momentum is None else self.momentum

    def __repr__(self):
        return "%s(%d, eps=%g, momentum=%s)" % (type(self).__name__, self.num_features, self.eps,
                                                "None" if self.momentum is None else
                                                "%g" % self.momentum)


class BatchNorm1d(_BatchNorm):
    """``torch.nn.BatchNorm1d(num_features, eps=1e-05, momentum=0.1, affine=True,
    track_running_stats=True)`` over samples of shape (C,) or (C, L), C =
    ``num_features``. Training mode normalises with the batch statistics and
    updates the running ones once per forward (PyTorch's momentum: the weight
    of the new value); eval mode uses the running statistics."""

    @staticmethod
    def _scratch_shape(c):
        return (c,)

    def _add(self, model, index):
        C.dsc_model_add_batchnorm1d(model, self.num_features, self.eps, self._momentum())


class BatchNorm2d(_BatchNorm):
    """``torch.nn.BatchNorm2d(num_features, eps=1e-05, momentum=0.1, affine=True,
    track_running_stats=True)``: per channel of (C, H, W) samples, over batch x
    H x W values; otherwise as :class:`BatchNorm1d`."""

    @staticmethod
    def _scratch_shape(c):
        return (c, 1, 1)

    def _add(self, model, index):
        C.dsc_model_add_batchnorm2d(model, self.num_features, self.eps, self._momentum())


class LayerNorm(Module):
    """``torch.nn.LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True)``
    over the last dimension: ``normalized_shape`` is that dimension's size (an
    int, or a one-element tuple or list)."""

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True):
        if isinstance(normalized_shape, (tuple, list)):
            if len(normalized_shape) != 1:
                raise _buf.arg_error("LayerNorm: normalized_shape is %s; only the last dimension "
                                     "(an int or a one-element tuple) is supported"
                                     % _shape(normalized_shape))
            normalized_shape = normalized_shape[0]
        self.normalized_shape = (_check.integer("LayerNorm", "normalized_shape",
                                                normalized_shape, lo=1),)
        self.eps = _check.real("LayerNorm", "eps", eps)
        self.elementwise_affine = _check.flag("LayerNorm", "elementwise_affine",
                                              elementwise_affine)
        if not self.elementwise_affine:
            raise _buf.arg_error("LayerNorm: elementwise_affine=False is not supported (only the "
                                 "affine layer, torch's default)")
        self._try(self.normalized_shape[0], lambda m: self._add(m, 0))

    def _add(self, model, index):
        C.dsc_model_add_layernorm(model, self.normalized_shape[0], self.eps)

    def __repr__(self):
        return "LayerNorm(%s, eps=%g)" % (_shape(self.normalized_shape), self.eps)


class _FileLayer(Module):
    """A layer other than Linear and Flatten of a model read from a file
    (:func:`descent.load_model`). descent.h tells a layer's kind, widths and
    tensors but not, say, which activation it is or dropout's ``p``, so this
    description only names the kind; the model itself holds the layer exactly
    as saved."""

    def __init__(self, kind, width):
        self.kind = LayerKind(kind)
        self.in_features = self.out_features = width

    def _add(self, model, index):
        raise TypeError("Sequential: layer %d is a %s layer read from a file; its settings are "
                        "not known to Python, so it cannot be added to another model (build "
                        "that model with descent.ReLU(), descent.Dropout(p)...)"
                        % (index, self.kind.name.lower()))

    def __repr__(self):
        return "%s(<from file>)" % self.kind.name.capitalize()


#: What :meth:`Sequential.load_state_dict` returns, as torch's ``_IncompatibleKeys``.
IncompatibleKeys = collections.namedtuple("IncompatibleKeys", "missing_keys unexpected_keys")


_INITS = {
    "pytorch_default": Init.PYTORCH_DEFAULT, "default": Init.PYTORCH_DEFAULT,
    "xavier_uniform": Init.XAVIER_UNIFORM, "xavier_normal": Init.XAVIER_NORMAL,
    "kaiming_uniform": Init.KAIMING_UNIFORM, "kaiming_normal": Init.KAIMING_NORMAL,
    "zeros": Init.ZEROS,
}


def _init_of(name, v):
    return _check.choice("Sequential.init", name, v, _INITS, Init)


class Sequential(Handle):
    """``torch.nn.Sequential`` of layers, over one ``dsc_model``.

    The input is one sample's shape, ``input_shape=`` (``(C, L)``, ``(C, H,
    W)``, ``(T, F)`` or ``(N,)``, torch's layout without the batch dimension),
    or flat: ``input_width=`` or the first ``Linear``'s ``in_features``. The model is built for a maximum batch by
    :meth:`build` (or ``max_batch=``); otherwise on first need (a forward,
    an optimizer, a parameter getter) for ``DEFAULT_MAX_BATCH`` (256) or
    the first forward's batch if larger. Larger batches later: :meth:`predict`.
    Layers are numbered as in torch: activations and dropout count.

    Inputs are ``[batch, *input_shape]`` (a batch) or ``input_shape`` (one
    sample, whose output has no batch dimension either, as torch's layers
    do); ``[batch, prod(input_shape)]`` rows are accepted too. Outputs are
    ``[batch, *output_shape]``. Any other shape is refused with
    :class:`descent.ShapeError`.
    """

    def __init__(self, *layers, input_width=None, input_shape=None, max_batch=None):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, l in enumerate(layers):
            if not isinstance(l, Module):
                raise TypeError("Sequential: layer %d is %s, not a layer (descent.Linear, "
                                "descent.ReLU...)" % (i, _check.describe(l)))
        if input_width is not None:
            input_width = _check.integer("Sequential", "input_width", input_width, lo=1,
                                         what="a width")
        if max_batch is not None:
            max_batch = _check.integer("Sequential", "max_batch", max_batch, lo=1)
        if input_shape is not None:
            input_shape = _shape_arg("Sequential", "input_shape", input_shape)
            n = 1
            for d in input_shape:
                n *= d
            if input_width is not None and input_width != n:
                raise _buf.arg_error("Sequential: input_width=%d but input_shape=%s has %d elements"
                                     % (input_width, _shape(input_shape), n))
        if input_width is None and input_shape is None:
            for l in layers:
                if isinstance(l, Linear):
                    input_width = l.in_features
                    break
        if input_width is None and input_shape is None:
            raise _buf.arg_error("Sequential: no Linear layer gives the input width; pass "
                                 "input_shape= (or input_width=)")
        if input_shape is None:
            input_shape = (input_width,)
        ptr = c_void_p()
        dims = (c_size_t * len(input_shape))(*input_shape)
        C.dsc_model_new_shaped(ctypes.byref(ptr), len(input_shape), dims)
        self._set(ptr, C.dsc_model_free)
        self.layers = list(layers)
        self._params_cache = None
        self._out_shape = None
        try:
            for i, l in enumerate(layers):
                l._add(self, i)
        except Exception:
            self.close()
            raise
        if max_batch is not None:
            self.build(max_batch)

    @classmethod
    def _adopt(cls, ptr):
        """A Sequential over a C model made elsewhere (``dsc_model_load``); it owns it."""
        self = cls.__new__(cls)
        self._set(ptr, C.dsc_model_free)
        self._params_cache = None
        self._out_shape = None
        layers = []
        for i in range(len(self)):
            kind, fin, fout = self.layer_info(i)
            if kind == LayerKind.DENSE:
                n = c_size_t()
                C.dsc_model_layer_param_count(self, i, ctypes.byref(n))
                layers.append(Linear(fin, fout, bias=n.value > fin * fout))
            elif kind == LayerKind.FLATTEN:
                layers.append(Flatten())
            elif kind in (LayerKind.LSTM, LayerKind.GRU):
                (t, f), (_, h) = self.layer_shapes(i)
                layers.append((LSTM if kind == LayerKind.LSTM else GRU)(f, h, batch_first=True))
            elif kind == LayerKind.LAST_STEP:
                layers.append(LastStep())
            else:
                layers.append(_FileLayer(kind, fin))
        self.layers = layers
        return self

    def close(self):
        self._params_cache = None   # the Parameters hold views of the model's buffers
        super().close()

    # ---- structure ----------------------------------------------------------
    def __len__(self):
        n = c_size_t()
        C.dsc_model_layer_count(self, ctypes.byref(n))
        return n.value

    def __getitem__(self, i):
        return self.layers[i]

    def _index(self, fn, index):
        return _check.integer("Sequential." + fn, "index", index, lo=0)

    def layer_info(self, index):
        """(LayerKind, in_features, out_features) of layer ``index``."""
        index = self._index("layer_info", index)
        kind, fin, fout = c_int(), c_size_t(), c_size_t()
        C.dsc_model_layer_info(self, index, ctypes.byref(kind), ctypes.byref(fin), ctypes.byref(fout))
        return LayerKind(kind.value), fin.value, fout.value

    @property
    def widths(self):
        a, b = c_size_t(), c_size_t()
        C.dsc_model_widths(self, ctypes.byref(a), ctypes.byref(b))
        return a.value, b.value

    @staticmethod
    def _shape_of(ndim, dims):
        return tuple(dims[d] for d in range(ndim.value))

    @property
    def input_shape(self):
        """One sample's input shape, torch's layout without the batch dimension."""
        ndim, dims = c_size_t(), (c_size_t * 3)()
        C.dsc_model_input_shape(self, ctypes.byref(ndim), dims)
        return self._shape_of(ndim, dims)

    @property
    def output_shape(self):
        """One sample's output shape (the input's while there is no layer)."""
        ndim, dims = c_size_t(), (c_size_t * 3)()
        C.dsc_model_output_shape(self, ctypes.byref(ndim), dims)
        return self._shape_of(ndim, dims)

    def layer_shapes(self, index):
        """(input shape, output shape) of one sample at layer ``index``."""
        index = self._index("layer_shapes", index)
        a, b = c_size_t(), c_size_t()
        da, db = (c_size_t * 3)(), (c_size_t * 3)()
        C.dsc_model_layer_shape(self, index, ctypes.byref(a), da, ctypes.byref(b), db)
        return self._shape_of(a, da), self._shape_of(b, db)

    @property
    def max_batch(self):
        n = c_size_t()
        C.dsc_model_max_batch(self, ctypes.byref(n))
        return n.value

    @property
    def built(self):
        return self.max_batch > 0

    def build(self, max_batch):
        """Allocate every buffer for batches up to ``max_batch`` (an integer >= 1);
        parameters get torch's default initialization from seed 0."""
        max_batch = _check.integer("Sequential.build", "max_batch", max_batch, lo=1)
        C.dsc_model_build(self, max_batch)
        return self

    #: The maximum batch of an implicit build (first forward, an optimizer or a
    #: parameter getter before build()); a larger first batch raises it.
    DEFAULT_MAX_BATCH = 256

    def _need_built(self, batch=1):
        if not self.built:
            self.build(max(batch, self.DEFAULT_MAX_BATCH))

    def train(self, mode=True):
        mode = _check.flag("Sequential.train", "mode", mode)
        C.dsc_model_set_training(self, 1 if mode else 0)
        return self

    def eval(self):
        return self.train(False)

    @property
    def training(self):
        v = c_int()
        C.dsc_model_is_training(self, ctypes.byref(v))
        return bool(v.value)

    def init(self, weight="pytorch_default", bias="pytorch_default", seed=0):
        """Reinitialize every Linear from ``seed`` (names of descent's ``dsc_init``:
        'pytorch_default', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform',
        'kaiming_normal', 'zeros', or :class:`descent.Init` values)."""
        w, b = _init_of("weight", weight), _init_of("bias", bias)
        seed = _check.integer("Sequential.init", "seed", seed, lo=0)
        self._need_built()
        C.dsc_model_init(self, w, b, seed)
        return self

    # ---- passes -------------------------------------------------------------
    def _rows(self, x, fn):
        """(buffer, batch, output shape) of an input: [batch, *input_shape],
        input_shape (one sample) or [batch, width] rows."""
        win, wout = self.widths
        ishape, oshape = self.input_shape, self.output_shape
        src = _buf.floats_in(x, "input")
        shape = tuple(src.shape)
        if len(shape) == len(ishape) + 1 and shape[1:] == ishape:
            return src, shape[0], (shape[0],) + oshape
        if shape == ishape:
            return src, 1, oshape
        if len(shape) == 2 and shape[1] == win:
            return src, shape[0], (shape[0],) + oshape
        want = "[batch, %s] (a batch) or %s (one sample)" % (
            ", ".join(str(d) for d in ishape), _shape(ishape))
        if len(ishape) > 1:
            want += " or [batch, %d] (rows)" % win
        raise _shape_error("Sequential.%s: the input has shape %s; the model takes %s"
                           % (fn, _shape(shape), want))

    def forward(self, x):
        """Forward pass over a batch [batch, *input_shape] (or one sample); returns a
        copy of the output [batch, *output_shape] (or one sample's)."""
        src, batch, shape = self._rows(x, "forward")
        self._need_built(batch)
        y = ctypes.POINTER(ctypes.c_float)()
        C.dsc_model_forward(self, src.ptr, batch, ctypes.byref(y))
        self._out_shape = shape
        return _buf.copy_out(ctypes.cast(y, c_void_p).value, shape)

    __call__ = forward

    def predict(self, x):
        """Inference over any number of samples [n, *input_shape] (or one sample):
        dropout off, in chunks of max_batch; returns [n, *output_shape]."""
        src, n, shape = self._rows(x, "predict")
        self._need_built()
        out, dst = _buf.new_floats(shape)
        C.dsc_model_predict(self, src.ptr, n, dst.ptr)
        return out

    def backward(self, dy):
        """Add the gradients of the last forward's batch, given dLoss/dOutput
        (``dy``, the shape of that forward's output)."""
        src = _buf.floats_in(dy, "dy")
        shape = tuple(src.shape)
        expect = self._out_shape
        wout = self.widths[1]
        if expect is not None:
            if shape != expect:
                raise _shape_error("Sequential.backward: dy has shape %s, but the last forward's "
                                   "output has shape %s; dy is dLoss/dOutput, of the same shape"
                                   % (_shape(shape), _shape(expect)))
            batch = 1 if len(expect) == len(self.output_shape) else expect[0]
        elif len(shape) == 2 and shape[1] == wout:
            batch = shape[0]
        elif len(shape) == 1 and shape[0] == wout:
            batch = 1
        else:
            raise _shape_error("Sequential.backward: dy has shape %s; it must be [batch, %d] or "
                               "[%d], the shape of the forward's output" % (_shape(shape), wout, wout))
        C.dsc_model_backward(self, src.ptr, batch)   # no forward yet: DSC_E_STATE from C

    def train_step(self, x, target, loss, optimizer):
        """One training step in one call (``dsc_model_train_step``): forward,
        ``loss``, backward and ``optimizer.step()``, with the results of
        ``zero_grad(); loss(model(x), target); model.backward(loss.backward());
        optimizer.step()`` bit for bit and fewer passes over memory. ``target``
        is what ``loss`` takes (floats of the output's shape, or class labels);
        ``optimizer`` must hold exactly this model's parameters. Returns the
        batch's loss. A refused step raises NonFiniteError with nothing
        updated, as ``optimizer.step()`` does."""
        where = "Sequential.train_step"
        if not isinstance(loss, _Loss):
            raise TypeError("%s: loss must be a descent loss (MSELoss, CrossEntropyLoss...), "
                            "not %s" % (where, type(loss).__name__))
        src, batch, shape = self._rows(x, "train_step")
        self._need_built(batch)
        value = c_double()
        if loss._labels:
            lab, keep = _labels_for(where, target, shape)
            t_ptr, l_ptr = None, lab
            last = (None, keep, lab, shape)
        else:
            t = _buf.floats_in(target, "target")
            if tuple(t.shape) != tuple(shape):
                raise _shape_error("%s: target has shape %s, the output %s; they must be the same"
                                   % (where, _shape(t.shape), _shape(shape)))
            t_ptr, l_ptr = t.ptr, None
            last = (None, t, None, shape)
        optimizer._hook_error = None
        try:
            C.dsc_model_train_step(self, loss, optimizer, src.ptr, t_ptr, l_ptr, batch,
                                   ctypes.byref(value))
        except Exception:
            if getattr(optimizer, "_hook_error", None) is not None:
                err, optimizer._hook_error = optimizer._hook_error, None
                raise err
            raise
        finally:
            # the C loss now remembers this batch (its target is borrowed from here)
            loss._last = last
            self._out_shape = shape
        return value.value

    def zero_grad(self, set_to_none=False):
        """Write zeros into every gradient (torch's ``set_to_none`` cannot drop
        descent's buffers, so both values zero them)."""
        _check.flag("Sequential.zero_grad", "set_to_none", set_to_none)
        self._need_built()
        C.dsc_model_zero_grad(self)

    # ---- parameters ---------------------------------------------------------
    def param_count(self):
        n = c_size_t()
        C.dsc_model_param_count(self, ctypes.byref(n))
        return n.value

    def _address(self, fn):
        self._need_built()
        p = float_p()
        fn(self, ctypes.byref(p))
        return ctypes.cast(p, c_void_p).value

    def _flat(self, fn):
        return _buf.view(self._address(fn), (self.param_count(),), self._ref)

    @property
    def params(self):
        """The flat parameter buffer (a view: writes change the model), torch's
        ``parameters()`` order: each Linear's W [out, in] then b."""
        return self._flat(C.dsc_model_params)

    @property
    def grads(self):
        """The flat gradient buffer (a view), same layout as :attr:`params`."""
        return self._flat(C.dsc_model_grads)

    def _dense(self):
        out = []
        for i in range(len(self)):
            kind, fin, fout = self.layer_info(i)
            if kind == LayerKind.DENSE:
                n = c_size_t()
                C.dsc_model_layer_param_count(self, i, ctypes.byref(n))
                out.append((i, fin, fout, n.value > fin * fout))
        return out

    def _tensors(self, layer):
        """[(name, state_name, is_buffer, shape)] of layer ``layer``'s named tensors."""
        n = c_size_t()
        C.dsc_model_layer_tensor_count(self, layer, ctypes.byref(n))
        out = []
        for t in range(n.value):
            name, state, buf = ctypes.c_char_p(), ctypes.c_char_p(), c_int()
            ndim, dims = c_size_t(), (c_size_t * 8)()
            C.dsc_model_layer_tensor_info(self, layer, t, ctypes.byref(name), ctypes.byref(state),
                                          ctypes.byref(buf), ctypes.byref(ndim), dims)
            out.append((name.value.decode(), state.value.decode(), bool(buf.value),
                        tuple(dims[d] for d in range(ndim.value))))
        return out

    def _all_tensors(self):
        """[(layer, name, state_name, is_buffer, shape)] of every layer, in order."""
        return [(i,) + t for i in range(len(self)) for t in self._tensors(i)]

    def _named(self):
        """[(name, Parameter)], made once per model (the same objects every call, as in torch)."""
        if self._params_cache is None:
            flat, grads = self.params, self.grads
            model = (self._ref, self._address(C.dsc_model_params),
                     self._address(C.dsc_model_grads), self.param_count())
            out, off = [], 0
            for i, name, state, is_buffer, shape in self._all_tensors():
                if is_buffer:
                    continue
                n = 1
                for d in shape:
                    n *= d
                p, g = flat[off:off + n], grads[off:off + n]
                if len(shape) > 1:
                    p, g = ((p.reshape(shape), g.reshape(shape)) if _buf.np is not None else
                            (p.cast("B").cast("f", shape), g.cast("B").cast("f", shape)))
                out.append(("%d.%s" % (i, state), Parameter._of_model(p, g, model)))
                off += n
            self._params_cache = out
        return self._params_cache

    def _tensor(self, fn, layer, name, want_buffer):
        """(layer, name, shape) of a named parameter or buffer, checked."""
        layer = self._index(fn, layer)
        _check.string("Sequential." + fn, "name", name)
        self._need_built()
        if layer >= len(self):
            C.dsc_model_layer_tensor_count(self, layer, ctypes.byref(c_size_t()))  # raises
        for tname, state, is_buffer, shape in self._tensors(layer):
            if tname == name and is_buffer == want_buffer:
                return layer, name, shape
        what = "buffer" if want_buffer else "parameter"
        have = [t[0] for t in self._tensors(layer) if t[2] == want_buffer]
        raise _buf.arg_error("Sequential.%s: layer %d has no %s %r%s" % (
            fn, layer, what, name, "; its %ss are %s" % (what, ", ".join(have)) if have else ""))

    def _get_named(self, fn, cfn, layer, name, want_buffer):
        layer, name, shape = self._tensor(fn, layer, name, want_buffer)
        n = 1
        for d in shape:
            n *= d
        out, dst = _buf.new_floats(shape)
        cfn(self, layer, name.encode(), dst.ptr, n)
        return out

    def _set_named(self, fn, cfn, layer, name, values, want_buffer):
        layer, name, shape = self._tensor(fn, layer, name, want_buffer)
        src = _buf.floats_in(values, name)
        n = 1
        for d in shape:
            n *= d
        if tuple(src.shape) not in (shape, (n,)):
            raise _shape_error("Sequential.%s: %s of layer %d has shape %s; got shape %s"
                               % (fn, name, layer, _shape(shape), _shape(src.shape)))
        cfn(self, layer, name.encode(), src.ptr, n)

    def get_param(self, layer, name):
        """A copy of parameter ``name`` ("weight", "bias", ...) of layer ``layer``, in
        torch's layout and shape (``dsc_model_get_param``)."""
        return self._get_named("get_param", C.dsc_model_get_param, layer, name, False)

    def param_grad(self, layer, name):
        """A copy of the accumulated gradient of parameter ``name`` of layer ``layer``."""
        return self._get_named("param_grad", C.dsc_model_get_param_grad, layer, name, False)

    def set_param(self, layer, name, values):
        """Copy ``values`` (the parameter's shape, or flat in its row-major order) into
        parameter ``name`` of layer ``layer``."""
        self._set_named("set_param", C.dsc_model_set_param, layer, name, values, False)

    def get_buffer(self, layer, name):
        """A copy of buffer ``name`` (a tensor that is not trained, such as a batch
        norm's "running_mean") of layer ``layer``."""
        return self._get_named("get_buffer", C.dsc_model_get_buffer, layer, name, True)

    def set_buffer(self, layer, name, values):
        """Copy ``values`` into buffer ``name`` of layer ``layer``."""
        self._set_named("set_buffer", C.dsc_model_set_buffer, layer, name, values, True)

    def named_buffers(self):
        """``[(name, array)]`` of every buffer with torch's names ("1.running_mean", ...):
        copies (buffers live in an area of the model no view reaches)."""
        self._need_built()
        return [("%d.%s" % (i, state), self.get_buffer(i, name))
                for i, name, state, is_buffer, shape in self._all_tensors() if is_buffer]

    def parameters(self):
        """The model's :class:`Parameter` objects in torch's order (each layer's
        parameters, such as a Linear's weight [out, in] then its bias [out]): ``data`` and ``grad`` are views of
        the model's own buffers (no copies). Give them to an optimizer as in
        PyTorch: ``SGD(model.parameters(), lr=...)``, or split them into groups."""
        return [p for _, p in self._named()]

    def named_parameters(self):
        """``[(name, Parameter)]`` with torch.nn.Sequential's names ("0.weight", "0.bias", ...)."""
        return list(self._named())

    def _io(self, fn, layer, n, shape):
        out, dst = _buf.new_floats(shape)
        fn(self, layer, dst.ptr, n)
        return out

    def _size(self, fn, layer, bias):
        layer = self._index(fn, layer)
        self._need_built()
        for i, fin, fout, has_bias in self._dense():
            if i == layer:
                if bias and not has_bias:
                    break
                return layer, ((fout,) if bias else (fout, fin))
        raise _buf.arg_error("Sequential.%s: layer %d is not a Linear layer%s"
                             % (fn, layer, " with a bias" if bias else ""))

    def get_weight(self, layer):
        layer, shape = self._size("get_weight", layer, False)
        return self._io(C.dsc_model_get_weight, layer, shape[0] * shape[1], shape)

    def get_bias(self, layer):
        layer, shape = self._size("get_bias", layer, True)
        return self._io(C.dsc_model_get_bias, layer, shape[0], shape)

    def weight_grad(self, layer):
        layer, shape = self._size("weight_grad", layer, False)
        return self._io(C.dsc_model_get_weight_grad, layer, shape[0] * shape[1], shape)

    def bias_grad(self, layer):
        layer, shape = self._size("bias_grad", layer, True)
        return self._io(C.dsc_model_get_bias_grad, layer, shape[0], shape)

    def set_weight(self, layer, w):
        """Copy ``w`` into layer ``layer``'s weight: shape [out, in] (torch's
        layout), or a flat sequence of out*in values in that row-major order."""
        layer, shape = self._size("set_weight", layer, False)
        src = _buf.floats_in(w, "weight")
        got = tuple(src.shape)
        if got != shape and got != (shape[0] * shape[1],):
            raise _shape_error("Sequential.set_weight: layer %d's weight has shape %s (out, in); "
                               "got shape %s" % (layer, _shape(shape), _shape(got)))
        C.dsc_model_set_weight(self, layer, src.ptr, src.n)

    def set_bias(self, layer, b):
        """Copy ``b`` (shape [out]) into layer ``layer``'s bias."""
        layer, shape = self._size("set_bias", layer, True)
        src = _buf.floats_in(b, "bias")
        if tuple(src.shape) != shape:
            raise _shape_error("Sequential.set_bias: layer %d's bias has shape %s; got shape %s"
                               % (layer, _shape(shape), _shape(src.shape)))
        C.dsc_model_set_bias(self, layer, src.ptr, src.n)

    def state_dict(self):
        """The parameters and buffers as torch.nn.Sequential's ``state_dict()`` has
        them: an ``OrderedDict`` of ``"<i>.<name>"`` -> array in torch's layout
        (``"0.weight"`` [out, in], ``"0.bias"`` [out], ``"1.running_mean"``...;
        copies, NumPy float32 arrays when NumPy is there), each layer's
        parameters then its buffers. ``torch_model.load_state_dict({k:
        torch.from_numpy(v) for k, v in model.state_dict().items()})`` takes it."""
        self._need_built()
        d = collections.OrderedDict()
        for i, name, state, is_buffer, shape in self._all_tensors():
            d["%d.%s" % (i, state)] = (self.get_buffer(i, name) if is_buffer else
                                       self.get_param(i, name))
        return d

    def load_state_dict(self, state_dict, strict=True):
        """Load parameters and buffers by torch's keys, from any mapping of arrays
        (what :meth:`state_dict` gives, NumPy arrays, nested lists, or a torch
        ``state_dict()``'s tensors). With ``strict`` (torch's default) every
        key of the model must be there and no other; without, the keys given
        are loaded and unknown ones are still refused. Every value is checked
        before anything is written. Returns ``(missing_keys, unexpected_keys)``
        as torch does (``unexpected_keys`` is always empty: they are refused)."""
        where = "Sequential.load_state_dict"
        if not hasattr(state_dict, "items"):
            raise TypeError("%s: state_dict must be a dict, not %s"
                            % (where, _check.describe(state_dict)))
        strict = _check.flag(where, "strict", strict)
        self._need_built()
        tensors = collections.OrderedDict(
            ("%d.%s" % (i, state), (i, name, is_buffer, shape))
            for i, name, state, is_buffer, shape in self._all_tensors())
        expected = list(tensors)
        unknown = [k for k in state_dict if k not in tensors]
        missing = [k for k in expected if k not in state_dict]
        if unknown or (strict and missing):
            parts = []
            if unknown:
                parts.append("unexpected key(s) %s" % ", ".join(repr(k) for k in unknown))
            if strict and missing:
                parts.append("missing key(s) %s" % ", ".join(repr(k) for k in missing))
            raise _buf.arg_error("%s: %s; the model's keys are %s"
                                 % (where, "; ".join(parts), ", ".join(expected)))
        todo = []
        for key, (layer, name, is_buffer, shape) in tensors.items():
            if key not in state_dict:
                continue
            src = _buf.floats_in(state_dict[key], key)
            got = tuple(src.shape)
            n = 1
            for d in shape:
                n *= d
            if got != shape and not (len(shape) > 1 and got == (n,)):
                raise _shape_error("%s: %s has shape %s; the model's is %s"
                                   % (where, key, _shape(got), _shape(shape)))
            todo.append((layer, name, is_buffer, src, n))
        for layer, name, is_buffer, src, n in todo:
            fn = C.dsc_model_set_buffer if is_buffer else C.dsc_model_set_param
            fn(self, layer, name.encode(), src.ptr, n)
        return IncompatibleKeys(missing, [])

    # ---- files (experimental tier: descent.serialization) -------------------
    def save(self, path):
        """Write a model file (``dsc_model_save``): safetensors with one F32
        tensor per parameter under torch's ``state_dict`` names and the layer
        list in the metadata, so :func:`descent.load_model` rebuilds the model
        from the file alone and PyTorch's ``load_state_dict`` takes its
        tensors. Optimizer and generator state are not saved (a checkpoint,
        :func:`descent.save`, has them). The file is replaced only once the
        new one is complete on disk."""
        p = _check.path("Sequential.save", "path", path)
        self._need_built()
        C.dsc_model_save(self, p)

    def load_weights(self, path):
        """Load the parameters of a safetensors file into this model
        (``dsc_model_load_weights``): a model file, a checkpoint, or a PyTorch
        export (``safetensors.torch.save_file(torch_model.state_dict(), path)``)
        of a ``torch.nn.Sequential`` with the same layers. As torch's
        ``load_state_dict(strict=True)``: every parameter must be there, F32,
        of its shape and finite, and no other tensor (each refusal is a
        :class:`descent.FormatError` naming the tensor, and changes nothing)."""
        p = _check.path("Sequential.load_weights", "path", path)
        self._need_built()
        C.dsc_model_load_weights(self, p)

    def _state_dict_keys(self):
        """The keys of :meth:`state_dict`, in order."""
        for i, name, state, is_buffer, shape in self._all_tensors():
            yield "%d.%s" % (i, state)

    def __repr__(self):
        if self.closed:
            return "Sequential(<closed>)"
        return "Sequential(%s)" % ", ".join(repr(l) for l in self.layers)


# ---- losses -----------------------------------------------------------------
def _loss_input(where, input):
    """(buffer, batch, width) of a loss input: [batch, width] or one sample [width]."""
    y = _buf.floats_in(input, "input")
    shape = tuple(y.shape)
    if len(shape) == 2:
        return y, shape[0], shape[1]
    if len(shape) == 1:
        return y, 1, shape[0]
    raise _shape_error("%s: the input has shape %s; it must be [batch, width] or one sample [width]"
                       % (where, _shape(shape)))


def _labels_for(where, labels, shape, what="target"):
    """Class indices for an input of ``shape``: [batch] for [batch, classes], a
    single integer for one sample [classes] (torch's rule)."""
    lab, n, lshape, keep = _buf.labels_in(labels, what)
    want = (shape[0],) if len(shape) == 2 else ()
    if tuple(lshape) != want:
        raise _shape_error("%s: %s has shape %s; for an input of shape %s it must be %s: one "
                           "integer class index per row" % (where, what, _shape(lshape),
                                                             _shape(shape), _shape(want)))
    return lab, keep


class _Loss(Handle):
    """Base of the losses: ``loss(input, target)`` then ``loss.backward()``.

    ``input`` is [batch, width] (or one sample, [width]); a float ``target``
    must have exactly the input's shape (torch would broadcast a [batch] target
    against [batch, 1] with a warning; descent refuses it), labels are one
    integer per row."""

    _kind = None
    _labels = False

    def __init__(self, reduction="mean"):
        where = type(self).__name__
        _check.string(where, "reduction", reduction)
        if reduction != "mean":
            raise _buf.arg_error("%s: reduction=%r; only 'mean' is supported" % (where, reduction))
        ptr = c_void_p()
        C.dsc_loss_new(ctypes.byref(ptr), self._kind)
        self._set(ptr, C.dsc_loss_free)
        self._last = None

    def forward(self, input, target):
        """The mean loss of a batch; remembers its arguments for :meth:`backward`."""
        where = type(self).__name__
        y, batch, width = _loss_input(where, input)
        value = c_double()
        if self._labels:
            lab, keep = _labels_for(where, target, y.shape)
            C.dsc_loss_forward_labels(self, y.ptr, lab, batch, width, ctypes.byref(value))
            self._last = (y, keep, lab, tuple(y.shape))
        else:
            t = _buf.floats_in(target, "target")
            if tuple(t.shape) != tuple(y.shape):
                raise _shape_error("%s: target has shape %s, the input %s; they must be the same"
                                   % (where, _shape(t.shape), _shape(y.shape)))
            C.dsc_loss_forward(self, y.ptr, t.ptr, batch, width, ctypes.byref(value))
            self._last = (y, t, None, tuple(y.shape))
        return value.value

    __call__ = forward

    def backward(self):
        """dLoss/dInput of the last forward, of the input's shape (for ``model.backward``)."""
        if self._last is None:
            C.dsc_loss_backward(self, None)  # raises DSC_E_STATE with the C message
        shape = self._last[3]
        out, dst = _buf.new_floats(shape)
        C.dsc_loss_backward(self, dst.ptr)
        return out

    @property
    def kind(self):
        k = c_int()
        C.dsc_loss_kind_of(self, ctypes.byref(k))
        return LossKind(k.value)

    def _get(self, key):
        v = c_double()
        C.dsc_loss_get(self, key, ctypes.byref(v))
        return v.value

    # torch argument name -> dsc_loss_param (each loss class has at most one).
    _PARAMS = {"delta": LossParam.DELTA, "beta": LossParam.BETA}

    @classmethod
    def bounds(cls, name):
        """(lo, hi) accepted for the parameter ``name`` of this loss
        (``HuberLoss.bounds("delta")``); UnsupportedError if it has none."""
        lo, hi = c_double(), c_double()
        C.dsc_loss_param_bounds(cls._kind, cls._PARAMS[name], ctypes.byref(lo), ctypes.byref(hi))
        return lo.value, hi.value

    @classmethod
    def default(cls, name):
        """The default of the parameter ``name`` of this loss (PyTorch's)."""
        v = c_double()
        C.dsc_loss_param_default(cls._kind, cls._PARAMS[name], ctypes.byref(v))
        return v.value


class MSELoss(_Loss):
    _kind = LossKind.MSE


class CrossEntropyLoss(_Loss):
    """Logits [batch, classes] against integer labels [batch] (or one sample:
    logits [classes] and one integer label)."""
    _kind = LossKind.CROSS_ENTROPY
    _labels = True


class BCEWithLogitsLoss(_Loss):
    _kind = LossKind.BCE_WITH_LOGITS


class L1Loss(_Loss):
    _kind = LossKind.L1


class HuberLoss(_Loss):
    _kind = LossKind.HUBER

    def __init__(self, reduction="mean", delta=1.0):
        delta = _check.real("HuberLoss", "delta", delta)
        super().__init__(reduction)
        C.dsc_loss_set(self, LossParam.DELTA, delta)

    @property
    def delta(self):
        return self._get(LossParam.DELTA)


class SmoothL1Loss(_Loss):
    _kind = LossKind.SMOOTH_L1

    def __init__(self, reduction="mean", beta=1.0):
        beta = _check.real("SmoothL1Loss", "beta", beta)
        super().__init__(reduction)
        C.dsc_loss_set(self, LossParam.BETA, beta)

    @property
    def beta(self):
        return self._get(LossParam.BETA)


def accuracy(output, labels):
    """Fraction of rows of ``output`` [batch, classes] whose largest value is
    at the label (``labels``: [batch] integers) (``dsc_accuracy``)."""
    y, batch, width = _loss_input("accuracy", output)
    lab, keep = _labels_for("accuracy", labels, y.shape, "labels")
    v = c_double()
    C.dsc_accuracy(y.ptr, lab, batch, width, ctypes.byref(v))
    return v.value
