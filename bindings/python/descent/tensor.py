"""``descent.Tensor``: a row-major float32 array of up to 8 dimensions."""

import ctypes
import math
from ctypes import POINTER, c_float, c_int, c_size_t, c_void_p

from . import _buf, _check
from ._base import Handle
from ._ffi import C

MAX_DIMS = 8


def _dims(where, shape):
    """A shape as a tuple of integers >= 0 (a negative one would wrap in size_t)."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError("%s: shape must be a tuple of integers, not %s"
                        % (where, _check.describe(shape)))
    return tuple(_check.integer(where, "shape[%d]" % i, d, lo=0) for i, d in enumerate(shape))


class Tensor(Handle):
    """A float32 tensor owning its memory or borrowing the host's.

    ``Tensor(data)`` borrows ``data`` without copying when it is a writable
    C-contiguous float32 buffer (a NumPy array or ``array.array('f')``);
    writes through the tensor then change ``data``, which the tensor keeps
    alive. Anything else (lists, other dtypes, strided arrays) is copied into
    memory the tensor owns. ``Tensor.zeros(shape)`` owns zero-filled memory.
    ``copy=True`` always copies.
    """

    def __init__(self, data, shape=None, copy=False):
        copy = _check.flag("Tensor", "copy", copy)
        if shape is not None:
            shape = _dims("Tensor", shape)
        src = None
        if not copy:
            try:
                src = _buf.floats_inout(data, "tensor data")
            except Exception:
                src = None
        if src is not None:
            shp = shape if shape is not None else tuple(src.shape)
            if math.prod(shp) != src.n:   # C cannot know the buffer's length: check it here
                raise _buf.arg_error("Tensor: shape %s holds %d elements, the buffer has %d"
                                     % (shp, math.prod(shp), src.n))
            dims = (c_size_t * max(len(shp), 1))(*shp)
            ptr = c_void_p()
            C.dsc_tensor_wrap(ctypes.byref(ptr), src.ptr, dims, len(shp))
            self._set(ptr, C.dsc_tensor_free, [src])
            return
        src = _buf.floats_in(data, "tensor data")
        shp = shape if shape is not None else tuple(src.shape)
        self._new(shp)
        n = self.size
        if n != src.n:
            raise _buf.arg_error("Tensor: shape %s holds %d elements, the data has %d"
                                 % (shp, n, src.n))
        ctypes.memmove(self._data(), src.carr, 4 * n)

    def _new(self, shape):
        shape = _dims("Tensor", shape)
        dims = (c_size_t * max(len(shape), 1))(*shape)
        ptr = c_void_p()
        C.dsc_tensor_new(ctypes.byref(ptr), dims, len(shape))
        self._set(ptr, C.dsc_tensor_free)

    @classmethod
    def zeros(cls, *shape):
        """A tensor owning zero-filled, 64-byte aligned memory."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        t = cls.__new__(cls)
        t._new(shape)
        return t

    def _data(self):
        """The address of the elements (``dsc_tensor_data``)."""
        p = POINTER(c_float)()
        C.dsc_tensor_data(self, ctypes.byref(p))
        return ctypes.cast(p, c_void_p).value

    def _dim(self, axis):
        n = c_size_t()
        C.dsc_tensor_dim(self, axis, ctypes.byref(n))
        return n.value

    @property
    def shape(self):
        return tuple(self._dim(i) for i in range(self.ndim))

    @property
    def ndim(self):
        n = c_size_t()
        C.dsc_tensor_ndim(self, ctypes.byref(n))
        return n.value

    @property
    def size(self):
        n = c_size_t()
        C.dsc_tensor_size(self, ctypes.byref(n))
        return n.value

    def __len__(self):
        return self.shape[0]

    @property
    def is_borrowed(self):
        v = c_int()
        C.dsc_tensor_is_borrowed(self, ctypes.byref(v))
        return bool(v.value)

    def numpy(self):
        """The elements as an array over the tensor's memory (no copy): a NumPy
        array, or a shaped ``memoryview`` without NumPy. It keeps the memory
        alive even after :meth:`close`."""
        return _buf.view(self._data(), self.shape, self._ref)

    def tolist(self):
        v = self.numpy()
        return v.tolist()

    def fill_(self, value):
        C.dsc_tensor_fill(self, _check.real("Tensor.fill_", "value", value))
        return self

    def uniform_(self, a=0.0, b=1.0, seed=0):
        w = "Tensor.uniform_"
        C.dsc_tensor_fill_uniform(self, _check.real(w, "a", a), _check.real(w, "b", b),
                                  _check.integer(w, "seed", seed, lo=0))
        return self

    def normal_(self, mean=0.0, std=1.0, seed=0):
        w = "Tensor.normal_"
        C.dsc_tensor_fill_normal(self, _check.real(w, "mean", mean), _check.real(w, "std", std),
                                 _check.integer(w, "seed", seed, lo=0))
        return self

    def copy_(self, src):
        if not isinstance(src, Tensor):
            src = Tensor(src, copy=True)
        C.dsc_tensor_copy(self, src)
        return self

    def __repr__(self):
        if self.closed:
            return "Tensor(<closed>)"
        return "Tensor(%r, shape=%s)" % (self.tolist(), self.shape)
