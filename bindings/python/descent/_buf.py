"""Float and int32 buffers for the C API, with NumPy when it is importable and
the buffer protocol (``array.array``, ``memoryview``, ``bytearray``...) or plain
sequences when it is not.

Inputs C only reads may be converted (a copy); buffers C writes in place must
already be C-contiguous float32 and writable: anything else is refused,
because a silent copy would break the in-place contract.
"""

import array
import ctypes
from ctypes import c_float, c_int32

from ._enums import Status
from ._errors import error_for

try:  # NumPy is optional: without it, array.array('f') takes its place.
    import numpy as np
except ImportError:  # pragma: no cover - exercised by a subprocess test
    np = None

_FLOAT_FORMATS = ("f", "<f", "=f", "@f")
_INT32_FORMATS = {"i", "<i", "=i", "@i", "l", "<l", "=l", "@l"}


def have_numpy():
    return np is not None


def arg_error(msg):
    return error_for(Status.E_ARG, msg)


def _flatten(seq):
    """A nested sequence of numbers -> (flat list, shape)."""
    if isinstance(seq, (int, float)):
        return [seq], ()
    seq = list(seq)
    if not seq:
        raise arg_error("an empty sequence has no elements")
    if isinstance(seq[0], (int, float)):
        return [float(v) for v in seq], (len(seq),)
    flat, shape = [], None
    for item in seq:
        f, s = _flatten(item)
        if shape is None:
            shape = s
        elif s != shape:
            raise arg_error("a ragged nested sequence has no rectangular shape")
        flat.extend(f)
    return flat, (len(seq),) + shape


class Floats:
    """A float32 buffer C may read or write: ``ptr`` (for the argtypes), ``n``
    elements, ``shape``, and ``obj``, what keeps the memory alive."""

    __slots__ = ("ptr", "n", "shape", "obj", "carr")

    def __init__(self, carr, n, shape, obj):
        self.carr = carr
        self.ptr = carr
        self.n = n
        self.shape = tuple(shape)
        self.obj = obj


def _memview(x):
    try:
        return memoryview(x)
    except TypeError:
        return None


def floats_inout(x, what="array"):
    """A writable C-contiguous float32 buffer, used in place (never copied)."""
    if np is not None and isinstance(x, np.ndarray):
        if x.dtype != np.float32:
            raise arg_error("%s has dtype %s; it must be float32 to be updated in place "
                            "(convert it first: a silent copy would not be updated)" % (what, x.dtype))
        if not x.flags.c_contiguous:
            raise arg_error("%s is not C-contiguous; it must be to be updated in place "
                            "(np.ascontiguousarray makes a copy that would not be updated)" % what)
        if not x.flags.writeable:
            raise arg_error("%s is read-only; it must be writable to be updated in place" % what)
        if x.size == 0:
            raise arg_error("%s is empty" % what)
        carr = (c_float * x.size).from_buffer(x)
        return Floats(carr, x.size, x.shape, x)
    mv = _memview(x)
    if mv is None:
        raise arg_error("%s (%s) does not support the buffer protocol; updating in place needs a "
                        "float32 buffer such as array.array('f') or a NumPy float32 array"
                        % (what, type(x).__name__))
    if mv.format not in _FLOAT_FORMATS or mv.itemsize != 4:
        raise arg_error("%s has buffer format %r; it must be float32 ('f') to be updated in place"
                        % (what, mv.format))
    if not mv.c_contiguous:
        raise arg_error("%s is not C-contiguous; it must be to be updated in place" % what)
    if mv.readonly:
        raise arg_error("%s is read-only; it must be writable to be updated in place" % what)
    n = mv.nbytes // 4
    if n == 0:
        raise arg_error("%s is empty" % what)
    carr = (c_float * n).from_buffer(x)
    return Floats(carr, n, mv.shape or (n,), x)


def floats_in(x, what="array"):
    """A float32 buffer C only reads: used as is when it already is one,
    otherwise converted (a copy)."""
    if isinstance(x, Floats):
        return x
    if np is not None:
        if not isinstance(x, np.ndarray) and hasattr(x, "numpy") and callable(x.numpy):
            x = x.numpy()
        a = np.ascontiguousarray(x, dtype=np.float32)
        if a.size == 0:
            raise arg_error("%s is empty" % what)
        if not a.flags.writeable:
            a = a.copy()
        carr = (c_float * a.size).from_buffer(a)
        return Floats(carr, a.size, a.shape, a)
    if hasattr(x, "numpy") and callable(x.numpy) and not isinstance(x, (list, tuple)):
        x = x.numpy()
    mv = _memview(x)
    if mv is not None and mv.format in _FLOAT_FORMATS and mv.itemsize == 4 and mv.c_contiguous:
        n = mv.nbytes // 4
        if n == 0:
            raise arg_error("%s is empty" % what)
        if mv.readonly:
            carr = (c_float * n).from_buffer_copy(mv)
        else:
            carr = (c_float * n).from_buffer(x)
        return Floats(carr, n, mv.shape or (n,), x)
    if mv is not None and mv.format not in _FLOAT_FORMATS:
        flat = [float(v) for v in mv.cast("B").cast(mv.format)] if mv.ndim != 1 else \
            [float(v) for v in mv]
        shape = mv.shape
    else:
        flat, shape = _flatten(x)
    carr = (c_float * len(flat))(*flat)
    return Floats(carr, len(flat), shape, carr)


def new_floats(shape):
    """A new zeroed float32 array: a NumPy array, or array.array('f') (flat) without NumPy."""
    shape = tuple(int(s) for s in shape)
    n = 1
    for s in shape:
        n *= s
    if np is not None:
        a = np.zeros(shape, dtype=np.float32)
        return a, Floats((c_float * n).from_buffer(a), n, shape, a)
    a = array.array("f", bytes(4 * n))
    return a, Floats((c_float * n).from_buffer(a), n, shape, a)


def view(address, shape, owner):
    """An array over C memory (no copy) that keeps ``owner`` alive: a NumPy array,
    or a ``memoryview`` of format 'f' shaped as ``shape`` without NumPy."""
    shape = tuple(int(s) for s in shape)
    n = 1
    for s in shape:
        n *= s
    carr = (c_float * n).from_address(address)
    carr._owner = owner  # the view's base chain holds the C object's owner
    if np is not None:
        return np.frombuffer(carr, dtype=np.float32).reshape(shape)
    return memoryview(carr).cast("B").cast("f", shape)


def copy_out(address, shape):
    """A copy of C memory as a new array (NumPy or array.array)."""
    out, f = new_floats(shape)
    ctypes.memmove(f.carr, address, 4 * f.n)
    return out


def int32_in(x, what="labels"):
    """An int32 array for C to read: (ctypes array, count, keepalive)."""
    if np is not None:
        a = np.asarray(x)
        if a.dtype.kind not in "iub":
            if a.dtype.kind == "f" and np.all(np.floor(a) == a):
                pass
            else:
                raise arg_error("%s must be integers, not %s" % (what, a.dtype))
        a = np.ascontiguousarray(a, dtype=np.int32).reshape(-1)
        if a.size == 0:
            raise arg_error("%s is empty" % what)
        return (c_int32 * a.size).from_buffer(a), a.size, a
    mv = _memview(x)
    vals = list(mv.cast("B").cast(mv.format)) if mv is not None and mv.ndim > 1 else list(x)
    for v in vals:
        if int(v) != v:
            raise arg_error("%s must be integers; got %r" % (what, v))
    if not vals:
        raise arg_error("%s is empty" % what)
    carr = (c_int32 * len(vals))(*[int(v) for v in vals])
    return carr, len(vals), carr


def tolist(x):
    """A float list from an array-like (for small values such as per-group lrs)."""
    if np is not None and isinstance(x, np.ndarray):
        return [float(v) for v in x.reshape(-1)]
    if isinstance(x, (int, float)):
        return [float(x)]
    return [float(v) for v in x]
