"""Layers, ``Sequential`` and losses, with torch.nn's names and arguments.

Layers are descriptions: ``Sequential`` appends the matching C layer to its
model for each of them (``dsc_model_add_dense`` and friends; the model owns
its layers), so a layer object may be reused in several models.
"""

import ctypes
from ctypes import c_double, c_int, c_size_t, c_void_p

from . import _buf
from ._base import Handle
from ._enums import Activation, Init, LayerKind, LossKind, LossParam, Status
from ._errors import error_for
from ._ffi import C, float_p


class Module:
    """Base of the layer descriptions."""

    def _add(self, model, index):  # pragma: no cover - abstract
        """Append this layer to ``model`` (a Sequential) as layer ``index``."""
        raise NotImplementedError

    def __repr__(self):
        return "%s()" % type(self).__name__


class Linear(Module):
    """``torch.nn.Linear(in_features, out_features, bias=True)``: y = x W^T + b."""

    def __init__(self, in_features, out_features, bias=True):
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.bias = bool(bias)

    def _add(self, model, index):
        width = model.widths[1]
        if self.in_features != width:
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
    _act = Activation.RELU

    def __init__(self, inplace=False):
        pass


class Sigmoid(_Activation):
    _act = Activation.SIGMOID


class Tanh(_Activation):
    _act = Activation.TANH


class GELU(_Activation):
    """The exact GELU (``approximate='none'``, torch's default)."""
    _act = Activation.GELU

    def __init__(self, approximate="none"):
        if approximate != "none":
            raise _buf.arg_error("GELU: approximate=%r is not supported; only 'none'" % approximate)


class Softmax(_Activation):
    """Row softmax (``dim=1`` or ``-1`` of a [batch, width] input), for inference outputs."""
    _act = Activation.SOFTMAX

    def __init__(self, dim=1):
        if dim not in (1, -1):
            raise _buf.arg_error("Softmax: dim=%r; only the feature axis (1 or -1) is supported" % dim)


class LeakyReLU(Module):
    """``torch.nn.LeakyReLU(negative_slope=0.01)``."""

    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope = float(negative_slope)

    def _add(self, model, index):
        C.dsc_model_add_leaky_relu(model, self.negative_slope)

    def __repr__(self):
        return "LeakyReLU(negative_slope=%g)" % self.negative_slope


class Dropout(Module):
    """``torch.nn.Dropout(p=0.5)``; ``seed`` seeds descent's own mask generator."""

    def __init__(self, p=0.5, inplace=False, seed=0):
        self.p = float(p)
        self.seed = int(seed)

    def _add(self, model, index):
        C.dsc_model_add_dropout(model, self.p, self.seed)

    def __repr__(self):
        return "Dropout(p=%g)" % self.p


_INITS = {
    "pytorch_default": Init.PYTORCH_DEFAULT, "default": Init.PYTORCH_DEFAULT,
    "xavier_uniform": Init.XAVIER_UNIFORM, "xavier_normal": Init.XAVIER_NORMAL,
    "kaiming_uniform": Init.KAIMING_UNIFORM, "kaiming_normal": Init.KAIMING_NORMAL,
    "zeros": Init.ZEROS,
}


def _init_of(v):
    if isinstance(v, str):
        try:
            return _INITS[v]
        except KeyError:
            raise _buf.arg_error("unknown init %r; one of %s" % (v, ", ".join(sorted(_INITS)))) from None
    return Init(v)


class Sequential(Handle):
    """``torch.nn.Sequential`` of layers, over one ``dsc_model``.

    The input width is the first ``Linear``'s ``in_features`` (or
    ``input_width=``). The model is built for a maximum batch by
    :meth:`build` (or ``max_batch=``); otherwise on first need (a forward,
    an optimizer, a parameter getter) for ``DEFAULT_MAX_BATCH`` (256) or
    the first forward's batch if larger. Larger batches later: :meth:`predict`.
    Layers are numbered as in torch: activations and dropout count.
    """

    def __init__(self, *layers, input_width=None, max_batch=None):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if input_width is None:
            for l in layers:
                if isinstance(l, Linear):
                    input_width = l.in_features
                    break
        if input_width is None:
            raise _buf.arg_error("Sequential: no Linear layer gives the input width; pass input_width=")
        ptr = c_void_p()
        C.dsc_model_new(ctypes.byref(ptr), int(input_width))
        self._set(ptr, C.dsc_model_free)
        self.layers = list(layers)
        try:
            for i, l in enumerate(layers):
                l._add(self, i)
        except Exception:
            self.close()
            raise
        self._dy = None
        if max_batch is not None:
            self.build(max_batch)

    # ---- structure ----------------------------------------------------------
    def __len__(self):
        n = c_size_t()
        C.dsc_model_layer_count(self, ctypes.byref(n))
        return n.value

    def __getitem__(self, i):
        return self.layers[i]

    def layer_info(self, index):
        """(LayerKind, in_features, out_features) of layer ``index``."""
        kind, fin, fout = c_int(), c_size_t(), c_size_t()
        C.dsc_model_layer_info(self, index, ctypes.byref(kind), ctypes.byref(fin), ctypes.byref(fout))
        return LayerKind(kind.value), fin.value, fout.value

    @property
    def widths(self):
        a, b = c_size_t(), c_size_t()
        C.dsc_model_widths(self, ctypes.byref(a), ctypes.byref(b))
        return a.value, b.value

    @property
    def max_batch(self):
        n = c_size_t()
        C.dsc_model_max_batch(self, ctypes.byref(n))
        return n.value

    @property
    def built(self):
        return self.max_batch > 0

    def build(self, max_batch):
        """Allocate every buffer for batches up to ``max_batch``; parameters get
        torch's default initialization from seed 0."""
        C.dsc_model_build(self, int(max_batch))
        return self

    #: The maximum batch of an implicit build (first forward, an optimizer or a
    #: parameter getter before build()); a larger first batch raises it.
    DEFAULT_MAX_BATCH = 256

    def _need_built(self, batch=1):
        if not self.built:
            self.build(max(batch, self.DEFAULT_MAX_BATCH))

    def train(self, mode=True):
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
        'kaiming_normal', 'zeros')."""
        self._need_built()
        C.dsc_model_init(self, _init_of(weight), _init_of(bias), int(seed))
        return self

    # ---- passes -------------------------------------------------------------
    def _rows(self, x, width):
        src = _buf.floats_in(x, "input")
        if src.n % width:
            raise _buf.arg_error("input has %d values, not a whole number of rows of %d"
                                 % (src.n, width))
        return src, src.n // width

    def forward(self, x):
        """Forward pass over a batch [batch, in]; returns a copy of the output [batch, out]."""
        win, wout = self.widths
        src, batch = self._rows(x, win)
        self._need_built(batch)
        y = ctypes.POINTER(ctypes.c_float)()
        C.dsc_model_forward(self, src.ptr, batch, ctypes.byref(y))
        self._batch = batch
        return _buf.copy_out(ctypes.cast(y, c_void_p).value, (batch, wout))

    __call__ = forward

    def predict(self, x):
        """Inference over any number of rows (dropout off, chunks of max_batch)."""
        win, wout = self.widths
        src, n = self._rows(x, win)
        self._need_built()
        out, dst = _buf.new_floats((n, wout))
        C.dsc_model_predict(self, src.ptr, n, dst.ptr)
        return out

    def backward(self, dy):
        """Add the gradients of the last forward's batch, given dLoss/dOutput."""
        src = _buf.floats_in(dy, "dy")
        _, wout = self.widths
        C.dsc_model_backward(self, src.ptr, src.n // wout)

    def zero_grad(self, set_to_none=False):
        self._need_built()
        C.dsc_model_zero_grad(self)

    # ---- parameters ---------------------------------------------------------
    def param_count(self):
        n = c_size_t()
        C.dsc_model_param_count(self, ctypes.byref(n))
        return n.value

    def _flat(self, fn):
        self._need_built()
        p = float_p()
        fn(self, ctypes.byref(p))
        return _buf.view(ctypes.cast(p, c_void_p).value, (self.param_count(),), self._ref)

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

    def parameters(self):
        """Views of every weight [out, in] and bias [out] in torch's order (no copies).

        An optimizer takes the whole model instead: ``SGD(model, lr=...)`` or
        ``SGD(model.parameters(), ...)`` (which is recognised as this model)."""
        return _Parameters(self)

    def named_parameters(self):
        flat = self.params
        out, off = [], 0
        for i, fin, fout, bias in self._dense():
            w = flat[off:off + fin * fout]
            out.append(("%d.weight" % i, w.reshape((fout, fin)) if _buf.np is not None
                        else w.cast("B").cast("f", (fout, fin))))
            off += fin * fout
            if bias:
                out.append(("%d.bias" % i, flat[off:off + fout]))
                off += fout
        return out

    def _io(self, fn, layer, n, shape):
        out, dst = _buf.new_floats(shape)
        fn(self, layer, dst.ptr, n)
        return out

    def _size(self, layer, bias):
        for i, fin, fout, has_bias in self._dense():
            if i == layer:
                return (fout,) if bias else (fout, fin)
        raise _buf.arg_error("layer %d is not a Linear layer" % layer)

    def get_weight(self, layer):
        self._need_built()
        shape = self._size(layer, False)
        return self._io(C.dsc_model_get_weight, layer, shape[0] * shape[1], shape)

    def get_bias(self, layer):
        self._need_built()
        shape = self._size(layer, True)
        return self._io(C.dsc_model_get_bias, layer, shape[0], shape)

    def weight_grad(self, layer):
        self._need_built()
        shape = self._size(layer, False)
        return self._io(C.dsc_model_get_weight_grad, layer, shape[0] * shape[1], shape)

    def bias_grad(self, layer):
        self._need_built()
        shape = self._size(layer, True)
        return self._io(C.dsc_model_get_bias_grad, layer, shape[0], shape)

    def set_weight(self, layer, w):
        self._need_built()
        src = _buf.floats_in(w, "weight")
        C.dsc_model_set_weight(self, layer, src.ptr, src.n)

    def set_bias(self, layer, b):
        self._need_built()
        src = _buf.floats_in(b, "bias")
        C.dsc_model_set_bias(self, layer, src.ptr, src.n)

    def state_dict(self):
        """{"<i>.weight": copy, "<i>.bias": copy} with torch.nn.Sequential's keys."""
        d = {}
        for i, fin, fout, bias in self._dense():
            d["%d.weight" % i] = self.get_weight(i)
            if bias:
                d["%d.bias" % i] = self.get_bias(i)
        return d

    def load_state_dict(self, d):
        for key, value in d.items():
            idx, _, what = key.partition(".")
            if what == "weight":
                self.set_weight(int(idx), value)
            elif what == "bias":
                self.set_bias(int(idx), value)
            else:
                raise _buf.arg_error("unknown key %r in state dict" % key)

    def __repr__(self):
        if self.closed:
            return "Sequential(<closed>)"
        return "Sequential(%s)" % ", ".join(repr(l) for l in self.layers)


class _Parameters(list):
    """The list of ``model.parameters()`` views, remembering the model so an
    optimizer can take the model's flat buffers as one group."""

    def __init__(self, model):
        super().__init__(v for _, v in model.named_parameters())
        self.model = model


# ---- losses -----------------------------------------------------------------
class _Loss(Handle):
    _kind = None
    _labels = False

    def __init__(self, reduction="mean"):
        if reduction != "mean":
            raise _buf.arg_error("%s: reduction=%r; only 'mean' is supported"
                                 % (type(self).__name__, reduction))
        ptr = c_void_p()
        C.dsc_loss_new(ctypes.byref(ptr), self._kind)
        self._set(ptr, C.dsc_loss_free)
        self._last = None

    def forward(self, input, target):
        """The mean loss of a batch; remembers its arguments for :meth:`backward`."""
        y = _buf.floats_in(input, "input")
        shape = y.shape
        batch = shape[0] if len(shape) > 1 else 1
        width = y.n // batch
        value = c_double()
        if self._labels:
            lab, n, keep = _buf.int32_in(target, "target")
            if len(shape) == 1:
                batch, width = n, y.n // n
            if n != batch or batch * width != y.n:   # C reads batch labels: check the lengths
                raise _buf.arg_error("%s: %d labels for %d rows of %d outputs"
                                     % (type(self).__name__, n, batch, width))
            C.dsc_loss_forward_labels(self, y.ptr, lab, batch, width, ctypes.byref(value))
            self._last = (y, keep, lab, batch, width)
        else:
            t = _buf.floats_in(target, "target")
            if len(shape) == 1:
                batch, width = 1, y.n
            if t.n != y.n:                            # C reads batch*width targets
                raise _buf.arg_error("%s: target has %d values, input %d"
                                     % (type(self).__name__, t.n, y.n))
            C.dsc_loss_forward(self, y.ptr, t.ptr, batch, width, ctypes.byref(value))
            self._last = (y, t, None, batch, width)
        return value.value

    __call__ = forward

    def backward(self):
        """dLoss/dInput of the last forward, [batch, width] (for ``model.backward``)."""
        if self._last is None:
            C.dsc_loss_backward(self, None)  # raises DSC_E_STATE with the C message
        _, _, _, batch, width = self._last
        out, dst = _buf.new_floats((batch, width))
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
    """Logits [batch, classes] against integer labels [batch]."""
    _kind = LossKind.CROSS_ENTROPY
    _labels = True


class BCEWithLogitsLoss(_Loss):
    _kind = LossKind.BCE_WITH_LOGITS


class L1Loss(_Loss):
    _kind = LossKind.L1


class HuberLoss(_Loss):
    _kind = LossKind.HUBER

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        C.dsc_loss_set(self, LossParam.DELTA, float(delta))

    @property
    def delta(self):
        return self._get(LossParam.DELTA)


class SmoothL1Loss(_Loss):
    _kind = LossKind.SMOOTH_L1

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        C.dsc_loss_set(self, LossParam.BETA, float(beta))

    @property
    def beta(self):
        return self._get(LossParam.BETA)


def accuracy(output, labels):
    """Fraction of rows whose largest output is at the label (``dsc_accuracy``)."""
    y = _buf.floats_in(output, "output")
    lab, n, keep = _buf.int32_in(labels)
    v = c_double()
    C.dsc_accuracy(y.ptr, lab, n, y.n // n, ctypes.byref(v))
    return v.value
