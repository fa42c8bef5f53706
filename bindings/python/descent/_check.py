"""Argument checks made when an object is created, before anything reaches C.

ctypes converts silently: ``int(2.5)`` is 2, ``float("3")`` is 3.0, ``float(True)``
is 1.0, a negative int passed as ``size_t`` wraps to 2**64 - 1, and NumPy turns
``None`` into NaN. So every public constructor and setter of the binding checks
the Python type of its arguments here:

- a real number (:func:`real`): ``int``, ``float``, NumPy integers and floats,
  ``fractions.Fraction``; not ``None``, ``str`` or ``bool``;
- an integer (:func:`integer`): ``int`` or a NumPy integer, not ``bool`` or
  ``float`` (``2.0`` too: PyTorch's integer arguments are ints); with bounds
  (a negative value is reported as negative);
- a flag (:func:`flag`): ``True`` or ``False`` (or a NumPy bool).

Values of the right type then go to C, whose range checks give the message
(``dsc_last_error()``). A wrong type is a ``TypeError``; a value out of range
is a :class:`descent.ArgumentError` (a ``ValueError``).
"""

import numbers
import operator

from ._enums import Status
from ._errors import error_for

try:
    import numpy as _np
except ImportError:  # pragma: no cover - exercised by a subprocess test
    _np = None

#: The largest value a ``size_t`` / ``uint64_t`` argument takes.
U64_MAX = 2 ** 64 - 1


class Raw(float):
    """A double handed to C without the type check (the conformance runner
    replays a case file's numbers exactly as the C runner does, and lets C's
    range checks answer)."""

    __slots__ = ()


class _Unset:
    """The default of an argument left out: descent's default, which is PyTorch's."""

    __slots__ = ()

    def __repr__(self):
        return "<default>"


UNSET = _Unset()


def describe(v):
    """A short description of a value for messages: ``None``, ``str 'x'``, ``float 2.5``."""
    if v is None:
        return "None"
    r = repr(v)
    if len(r) > 40:
        r = r[:37] + "..."
    return "%s %s" % (type(v).__name__, r)


def _is_bool(v):
    return isinstance(v, bool) or (_np is not None and isinstance(v, _np.bool_))


def _zero_d(v, kinds):
    """A 0-d NumPy array of one of the dtype kinds, as its scalar; else None."""
    if _np is not None and isinstance(v, _np.ndarray) and v.ndim == 0 and v.dtype.kind in kinds:
        return v[()]
    return None


def arg_error(msg):
    return error_for(Status.E_ARG, msg)


def real(where, name, v):
    """``v`` as a float, or TypeError when it is not a real number."""
    if type(v) is Raw:
        return float(v)
    s = _zero_d(v, "iuf")
    if s is not None:
        v = s
    if _is_bool(v) or not isinstance(v, numbers.Real):
        raise TypeError("%s: %s must be a real number, not %s" % (where, name, describe(v)))
    return float(v)


def integer(where, name, v, lo=None, hi=U64_MAX, what=None):
    """``v`` as an int in [lo, hi], or TypeError / ArgumentError. ``what`` names
    the quantity in the message ("a width")."""
    if type(v) is Raw:
        return v
    s = _zero_d(v, "iu")
    if s is not None:
        v = s
    if _is_bool(v) or not isinstance(v, numbers.Integral):
        hint = ""
        if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")):
            hint = " (PyTorch takes an int here too)"
        raise TypeError("%s: %s must be an integer, not %s%s" % (where, name, describe(v), hint))
    v = operator.index(v)
    if lo is not None and v < lo:
        if v < 0:
            raise arg_error("%s: %s is %d, which is negative; %s must be an integer >= %d"
                            % (where, name, v, what or name, lo))
        raise arg_error("%s: %s is %d; it must be an integer >= %d" % (where, name, v, lo))
    if hi is not None and v > hi:
        raise arg_error("%s: %s is %d; it must be an integer <= %d" % (where, name, v, hi))
    return v


def flag(where, name, v):
    """``v`` as a bool, or TypeError when it is not True or False."""
    if type(v) is Raw:
        return v
    if not _is_bool(v):
        raise TypeError("%s: %s must be True or False, not %s" % (where, name, describe(v)))
    return bool(v)


def string(where, name, v, choices=None):
    """``v`` as a str (one of ``choices`` when given)."""
    if not isinstance(v, str):
        raise TypeError("%s: %s must be a string, not %s" % (where, name, describe(v)))
    if choices is not None and v not in choices:
        raise arg_error("%s: %s is %r; it must be one of %s"
                        % (where, name, v, ", ".join(repr(c) for c in choices)))
    return v


def choice(where, name, v, table, enum_type=None):
    """A name of ``table`` (its value), or a member of ``enum_type``."""
    if enum_type is not None and isinstance(v, enum_type):
        return v
    if not isinstance(v, str):
        raise TypeError("%s: %s must be one of %s, not %s"
                        % (where, name, ", ".join(repr(k) for k in table), describe(v)))
    try:
        return table[v]
    except KeyError:
        raise arg_error("%s: %s is %r; it must be one of %s"
                        % (where, name, v, ", ".join(repr(k) for k in table))) from None


def callable_(where, name, v, none_ok=True):
    if v is None and none_ok:
        return v
    if not callable(v):
        raise TypeError("%s: %s must be callable%s, not %s"
                        % (where, name, " or None" if none_ok else "", describe(v)))
    return v


def instance(where, name, v, cls, what, none_ok=False):
    """``v`` when it is a ``cls`` (``what`` names it in the message)."""
    if v is None and none_ok:
        return v
    if not isinstance(v, cls):
        raise TypeError("%s: %s must be %s%s, not %s"
                        % (where, name, what, " or None" if none_ok else "", describe(v)))
    return v


def sequence(where, name, v):
    """A list from a list, tuple or other ordered iterable (not a str, set or dict)."""
    if isinstance(v, (str, bytes, set, frozenset, dict)) or v is None:
        raise TypeError("%s: %s must be a list, not %s" % (where, name, describe(v)))
    try:
        return list(v)
    except TypeError:
        raise TypeError("%s: %s must be a list, not %s" % (where, name, describe(v))) from None


def path(where, name, v):
    """A file path for C: ``str``, ``bytes`` or ``os.PathLike`` as bytes in the
    file system's encoding (``os.fsencode``). A NUL byte is refused: C would
    stop the name there and use another file."""
    import os
    if not isinstance(v, (str, bytes, os.PathLike)):
        raise TypeError("%s: %s must be a path (str, bytes or os.PathLike), not %s"
                        % (where, name, describe(v)))
    b = os.fsencode(v)
    if not isinstance(b, bytes):
        raise TypeError("%s: %s must be a path (str, bytes or os.PathLike), not %s"
                        % (where, name, describe(v)))
    if b"\0" in b:
        raise arg_error("%s: %s %r contains a NUL byte" % (where, name, v))
    return b


def kind(where, v, enum_type):
    """A member of ``enum_type`` from a member or its integer value (not a bool)."""
    if isinstance(v, enum_type):
        return v
    v = integer(where, "kind", v, lo=None, hi=None)
    try:
        return enum_type(v)
    except ValueError:
        raise error_for(Status.E_UNSUPPORTED, "%s: %d is not a %s"
                        % (where, v, enum_type.__name__)) from None
