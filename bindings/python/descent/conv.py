"""Convolution and pooling layers with torch.nn's names, arguments and
defaults: Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d
(experimental tier of the C API: ``dsc_model_add_conv1d`` and friends).

They take samples of shape (C, L) or (C, H, W) (``Sequential(input_shape=...)``
and arrays of shape (batch, *sample_shape)); the parameters are torch's:
``weight`` out_channels x in_channels/groups x kernel..., then ``bias``
(``Sequential.get_param(i, "weight")``, ``state_dict()["0.weight"]``).
A size may be an int or, for the 2-d layers, a pair (height, width).
"""

import ctypes
from ctypes import c_size_t, c_void_p

from . import _buf, _check
from ._ffi import C
from .nn import Module


def _sizes(where, name, v, n, lo):
    """An int, or (2-d) a pair of ints, as a tuple of n integers >= lo."""
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise _buf.arg_error("%s: %s=%r must be an int or %d ints" % (where, name, tuple(v), n))
        return tuple(_check.integer(where, name, x, lo=lo) for x in v)
    x = _check.integer(where, name, v, lo=lo)
    return (x,) * n


def _arr(t):
    return (c_size_t * len(t))(*t)


def _try_shaped(shape, add):
    """Run ``add(model)`` on a scratch model of that input shape: the library's
    own range checks and messages for the layer's arguments."""
    ptr = c_void_p()
    C.dsc_model_new_shaped(ctypes.byref(ptr), len(shape), _arr(shape))
    try:
        add(ptr)
    finally:
        C.dsc_model_free(ptr)


def _span(k, d):
    return tuple(d[i] * (k[i] - 1) + 1 for i in range(len(k)))


class _Conv(Module):
    _n = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        w = type(self).__name__
        n = self._n
        self.in_channels = _check.integer(w, "in_channels", in_channels, lo=1)
        self.out_channels = _check.integer(w, "out_channels", out_channels, lo=1)
        self.kernel_size = _sizes(w, "kernel_size", kernel_size, n, 1)
        self.stride = _sizes(w, "stride", stride, n, 1)
        self.dilation = _sizes(w, "dilation", dilation, n, 1)
        if isinstance(padding, str):
            _check.string(w, "padding", padding, ("valid", "same"))
            if padding == "same":
                if any(s != 1 for s in self.stride):
                    raise _buf.arg_error("%s: padding='same' needs stride 1 (as torch)" % w)
                span = _span(self.kernel_size, self.dilation)
                if any((s - 1) % 2 for s in span):
                    raise _buf.arg_error("%s: padding='same' with an even dilation*(kernel_size-1) "
                                         "needs uneven padding, which descent does not have" % w)
                padding = tuple((s - 1) // 2 for s in span)
            else:
                padding = 0
        self.padding = _sizes(w, "padding", padding, n, 0)
        self.groups = _check.integer(w, "groups", groups, lo=1)
        self.bias = _check.flag(w, "bias", bias)
        _check.string(w, "padding_mode", padding_mode, ("zeros",))
        if device not in (None, "cpu") or dtype not in (None, "float32"):
            raise _buf.arg_error("%s: only device='cpu' and dtype float32 exist in descent" % w)
        span = _span(self.kernel_size, self.dilation)
        _try_shaped((self.in_channels,) + span, lambda m: self._call(m))

    def _call(self, model):
        if self._n == 1:
            C.dsc_model_add_conv1d(model, self.in_channels, self.out_channels, self.kernel_size[0],
                                   self.stride[0], self.padding[0], self.dilation[0], self.groups,
                                   1 if self.bias else 0)
        else:
            C.dsc_model_add_conv2d(model, self.in_channels, self.out_channels,
                                   _arr(self.kernel_size), _arr(self.stride), _arr(self.padding),
                                   _arr(self.dilation), self.groups, 1 if self.bias else 0)

    def _add(self, model, index):
        self._call(model)

    def __repr__(self):
        one = (lambda t: "(%s)" % ", ".join(str(x) for x in t)) if self._n == 2 else \
              (lambda t: "(%d,)" % t[0])
        s = "%s(%d, %d, kernel_size=%s, stride=%s" % (type(self).__name__, self.in_channels,
                                                       self.out_channels, one(self.kernel_size),
                                                       one(self.stride))
        if any(self.padding):
            s += ", padding=%s" % one(self.padding)
        if any(d != 1 for d in self.dilation):
            s += ", dilation=%s" % one(self.dilation)
        if self.groups != 1:
            s += ", groups=%d" % self.groups
        return s + (")" if self.bias else ", bias=False)")


class Conv1d(_Conv):
    """``torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    dilation=1, groups=1, bias=True, padding_mode='zeros')``: cross-correlation of
    (C, L) samples with zero padding; ``padding`` may also be 'valid' or 'same'."""
    _n = 1


class Conv2d(_Conv):
    """``torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    dilation=1, groups=1, bias=True, padding_mode='zeros')`` over (C, H, W) samples;
    sizes are ints or (height, width) pairs."""
    _n = 2


class _Pool(Module):
    _n = 2
    _max = True

    def _common(self, kernel_size, stride, padding, ceil_mode):
        w = type(self).__name__
        n = self._n
        self.kernel_size = _sizes(w, "kernel_size", kernel_size, n, 1)
        self.stride = self.kernel_size if stride is None else _sizes(w, "stride", stride, n, 1)
        self.padding = _sizes(w, "padding", padding, n, 0)
        self.ceil_mode = _check.flag(w, "ceil_mode", ceil_mode)

    def _check_call(self, dilation):
        span = _span(self.kernel_size, dilation)
        shape = (1,) + tuple(s + 2 * p for s, p in zip(span, self.padding))
        _try_shaped(shape, lambda m: self._call(m))

    def _add(self, model, index):
        self._call(model)

    def __repr__(self):
        one = (lambda t: t[0]) if self._n == 1 else (lambda t: tuple(t))
        s = "%s(kernel_size=%s, stride=%s, padding=%s" % (
            type(self).__name__, one(self.kernel_size), one(self.stride), one(self.padding))
        if self._max:
            s += ", dilation=%s" % (one(self.dilation),)
        else:
            s += ", count_include_pad=%s" % self.count_include_pad
        return s + ", ceil_mode=%s)" % self.ceil_mode


class _MaxPool(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        w = type(self).__name__
        self._common(kernel_size, stride, padding, ceil_mode)
        self.dilation = _sizes(w, "dilation", dilation, self._n, 1)
        if _check.flag(w, "return_indices", return_indices):
            raise _buf.arg_error("%s: return_indices=True is not supported (a layer of a "
                                 "Sequential gives one output)" % w)
        self._check_call(self.dilation)

    def _call(self, model):
        cm = 1 if self.ceil_mode else 0
        if self._n == 1:
            C.dsc_model_add_maxpool1d(model, self.kernel_size[0], self.stride[0], self.padding[0],
                                      self.dilation[0], cm)
        else:
            C.dsc_model_add_maxpool2d(model, _arr(self.kernel_size), _arr(self.stride),
                                      _arr(self.padding), _arr(self.dilation), cm)


class MaxPool1d(_MaxPool):
    """``torch.nn.MaxPool1d(kernel_size, stride=None, padding=0, dilation=1,
    return_indices=False, ceil_mode=False)`` over (C, L) samples: -inf padding, the
    gradient to the first maximum of each window."""
    _n = 1


class MaxPool2d(_MaxPool):
    """``torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1,
    return_indices=False, ceil_mode=False)`` over (C, H, W) samples."""
    _n = 2


class _AvgPool(_Pool):
    _max = False

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        w = type(self).__name__
        self._common(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = _check.flag(w, "count_include_pad", count_include_pad)
        if divisor_override is not None:
            raise _buf.arg_error("%s: divisor_override is not supported (None only)" % w)
        self._check_call((1,) * self._n)

    def _call(self, model):
        cm, cip = 1 if self.ceil_mode else 0, 1 if self.count_include_pad else 0
        if self._n == 1:
            C.dsc_model_add_avgpool1d(model, self.kernel_size[0], self.stride[0], self.padding[0],
                                      cm, cip)
        else:
            C.dsc_model_add_avgpool2d(model, _arr(self.kernel_size), _arr(self.stride),
                                      _arr(self.padding), cm, cip)


class AvgPool1d(_AvgPool):
    """``torch.nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True)`` over (C, L) samples."""
    _n = 1


class AvgPool2d(_AvgPool):
    """``torch.nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None)`` over (C, H, W) samples
    (``divisor_override`` must be None)."""
    _n = 2
