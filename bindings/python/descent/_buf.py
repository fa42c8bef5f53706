"""Float and int32 buffers for the C API, with NumPy when it is importable and
the buffer protocol (``array.array``, ``memoryview``, ``bytearray``...) or plain
sequences when it is not.

Inputs C only reads may be converted (a copy); buffers C writes in place must
already be C-contiguous float32 and writable: anything else is refused,
because a silent copy would break the in-place contract.
"""

import array
import ctypes
import numbers
from ctypes import c_float, c_int32

from . import _check
from ._enums import Status
from ._errors import error_for

try:  # NumPy is optional: without it, array.array('f') takes its place.
    import numpy as np
except ImportError:  # pragma: no cover - exercised by a subprocess test
    np = None

_FLOAT_FORMATS = ("f", "<f", "=f", "@f")


def have_numpy():
    return np is not None


def arg_error(msg):
    return error_for(Status.E_ARG, msg)


def _num_kind(fmt):
    """'f' for a float buffer format, 'i' for an integer one, None otherwise ('?', structs...)."""
    f = fmt.lstrip("@=<>!")
    if f in ("f", "d", "e"):
        return "f"
    if len(f) == 1 and f in "bBhHiIlLqQnN":
        return "i"
    return None


def _not_numbers(what, x):
    return TypeError("%s must be an array of real numbers, not %s" % (what, _check.describe(x)))


def _flatten(seq, what, ints=False):
    """A nested sequence of numbers -> (flat list, shape). Bools, None and
    strings are refused (NumPy would read None as NaN and True as 1); with
    ``ints``, floats are refused too."""
    if isinstance(seq, bool):
        raise _not_numbers(what, seq)
    if isinstance(seq, numbers.Integral) or (not ints and isinstance(seq, numbers.Real)):
        return [seq if ints else float(seq)], ()
    if seq is None or isinstance(seq, (str, bytes, dict, set, numbers.Number)):
        if ints and isinstance(seq, numbers.Real):
            raise TypeError("%s must be integers (class indices), not %s"
                            % (what, _check.describe(seq)))
        raise _not_numbers(what, seq)
    try:
        seq = list(seq)
    except TypeError:
        raise _not_numbers(what, seq) from None
    if not seq:
        raise arg_error("%s is empty" % what)
    flat, shape = [], None
    for item in seq:
        f, s = _flatten(item, what, ints)
        if shape is None:
            shape = s
        elif s != shape:
            raise arg_error("%s is a ragged nested sequence; it has no rectangular shape" % what)
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
    otherwise converted (a copy). ``shape`` is the argument's own shape (a
    scalar has shape ()). Only real numbers are taken: None, strings, bools,
    complex and object arrays are refused (NumPy would turn None into NaN)."""
    if isinstance(x, Floats):
        return x
    if x is None or isinstance(x, (str, bytes)):
        raise _not_numbers(what, x)
    if np is not None:
        if not isinstance(x, np.ndarray) and hasattr(x, "numpy") and callable(x.numpy):
            x = x.numpy()
        try:
            a = np.asarray(x)
        except ValueError:
            raise arg_error("%s is a ragged nested sequence; it has no rectangular shape"
                            % what) from None
        if a.dtype.kind not in "iuf":
            raise TypeError("%s must hold real numbers; it has dtype %s" % (what, a.dtype))
        shape = a.shape
        a = np.ascontiguousarray(a, dtype=np.float32)
        if a.size == 0:
            raise arg_error("%s is empty" % what)
        if not a.flags.writeable:
            a = a.copy()
        carr = (c_float * a.size).from_buffer(a)
        return Floats(carr, a.size, shape, a)
    if hasattr(x, "numpy") and callable(x.numpy) and not isinstance(x, (list, tuple)):
        x = x.numpy()
    mv = _memview(x)
    if mv is not None:
        kind = _num_kind(mv.format)
        if kind is None:
            raise TypeError("%s must hold real numbers; its buffer format is %r" % (what, mv.format))
        if kind == "f" and mv.format in _FLOAT_FORMATS and mv.itemsize == 4 and mv.c_contiguous:
            n = mv.nbytes // 4
            if n == 0:
                raise arg_error("%s is empty" % what)
            if mv.readonly:
                carr = (c_float * n).from_buffer_copy(mv)
            else:
                carr = (c_float * n).from_buffer(x)
            return Floats(carr, n, mv.shape, x)
        flat = [float(v) for v in mv.cast("B").cast(mv.format)] if mv.ndim != 1 else \
            [float(v) for v in mv]
        shape = mv.shape
        if not flat:
            raise arg_error("%s is empty" % what)
    else:
        flat, shape = _flatten(x, what)
    carr = (c_float * len(flat))(*flat)
    return Floats(carr, len(flat), shape, carr)


def new_floats(shape):
    """A new zeroed float32 array of ``shape``: a NumPy array, or without NumPy
    an ``array.array('f')`` when it is 1-D and a ``memoryview`` of that shape
    over one otherwise (so the shape travels with the values)."""
    shape = tuple(int(s) for s in shape)
    n = 1
    for s in shape:
        n *= s
    if np is not None:
        a = np.zeros(shape, dtype=np.float32)
        return a, Floats((c_float * n).from_buffer(a), n, shape, a)
    a = array.array("f", bytes(4 * n))
    f = Floats((c_float * n).from_buffer(a), n, shape, a)
    if len(shape) == 1:
        return a, f
    return memoryview(a).cast("B").cast("f", shape), f


def flat_list(a):
    """The values of an array of any shape (NumPy, memoryview, array.array) as a flat list."""
    if np is not None and isinstance(a, np.ndarray):
        return [float(v) for v in a.reshape(-1)]
    if isinstance(a, memoryview) and a.ndim != 1:
        return list(a.cast("B").cast(a.format))
    return list(a)


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


INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1


def labels_in(x, what="labels"):
    """Class indices for C to read as int32: (ctypes array, count, shape,
    keepalive). Integers only (an int dtype, Python ints): floats, even whole
    ones, and bools are refused, and so are values outside int32."""
    if np is not None:
        if not isinstance(x, np.ndarray) and hasattr(x, "numpy") and callable(x.numpy):
            x = x.numpy()
        if x is None or isinstance(x, (str, bytes)):
            raise TypeError("%s must be integers (class indices), not %s" % (what, _check.describe(x)))
        try:
            a = np.asarray(x)
        except ValueError:
            raise arg_error("%s is a ragged nested sequence; it has no rectangular shape"
                            % what) from None
        if a.dtype.kind not in "iu":
            hint = " (convert them: labels.astype(np.int64))" if a.dtype.kind == "f" else ""
            raise TypeError("%s must be integers (class indices), not dtype %s%s"
                            % (what, a.dtype, hint))
        shape = a.shape
        if a.size == 0:
            raise arg_error("%s is empty" % what)
        lo, hi = int(a.min()), int(a.max())
        if lo < INT32_MIN or hi > INT32_MAX:
            raise arg_error("%s: %d does not fit in a 32-bit class index"
                            % (what, lo if lo < INT32_MIN else hi))
        a = np.ascontiguousarray(a, dtype=np.int32).reshape(-1)
        return (c_int32 * a.size).from_buffer(a), a.size, shape, a
    mv = _memview(x) if not isinstance(x, (str, bytes)) else None
    if mv is not None:
        if _num_kind(mv.format) != "i":
            raise TypeError("%s must be integers (class indices); the buffer format is %r"
                            % (what, mv.format))
        vals = list(mv.cast("B").cast(mv.format)) if mv.ndim != 1 else list(mv)
        shape = mv.shape
        if not vals:
            raise arg_error("%s is empty" % what)
    else:
        vals, shape = _flatten(x, what, ints=True)
    for v in vals:
        if not INT32_MIN <= v <= INT32_MAX:
            raise arg_error("%s: %d does not fit in a 32-bit class index" % (what, v))
    carr = (c_int32 * len(vals))(*[int(v) for v in vals])
    return carr, len(vals), shape, carr


def address(f):
    """The address of a :class:`Floats` buffer's first element."""
    return ctypes.addressof(f.carr)


def tolist(x):
    """A float list from an array-like (for small values such as per-group lrs)."""
    if np is not None and isinstance(x, np.ndarray):
        return [float(v) for v in x.reshape(-1)]
    if isinstance(x, (int, float)):
        return [float(x)]
    return [float(v) for v in x]
