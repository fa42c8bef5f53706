"""Lifetime of C objects.

Each C object is held by one :class:`_Ref`: the pointer, the function that
frees it, and strong references to everything the object borrows (its
parents' refs, NumPy arrays, Python callbacks). A wrapper (``SGD``,
``StepLR``...) holds its ``_Ref``; ``close()`` drops that hold. The C object
is freed when the last holder lets go: at once when nothing depends on it
(the usual case, so closing is deterministic), or later, when its last
dependant is closed or collected. Hence the rule: closing a parent while a
child lives never crashes; the parent's wrapper becomes unusable at once,
its C object lives on until the child no longer needs it.
"""

import threading

from ._errors import ClosedError

_tls = threading.local()


def take_closed_error():
    """The ClosedError a closed handle raised during the last argument conversion."""
    err = getattr(_tls, "closed", None)
    _tls.closed = None
    return err


class _Ref:
    __slots__ = ("ptr", "free", "keep", "__weakref__")

    def __init__(self, ptr, free, keep=()):
        self.ptr = ptr
        self.free = free          # C free function, or None when another object owns it
        self.keep = list(keep)    # what the C object borrows

    def __del__(self):
        ptr, free = self.ptr, self.free
        self.ptr = None
        if ptr and free is not None:
            try:
                free(ptr)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass


class Handle:
    """Base of every wrapper of a C handle: ``close()``, ``with``, ``__del__``."""

    _ref = None
    _what = "object"

    def _set(self, ptr, free, keep=()):
        self._ref = _Ref(ptr, free, keep)
        return self._ref

    @property
    def _as_parameter_(self):
        ref = self._ref
        if ref is None or not ref.ptr:
            err = ClosedError("this " + type(self).__name__)
            _tls.closed = err
            raise err
        return ref.ptr

    @property
    def closed(self):
        return self._ref is None

    def close(self):
        """Release this object (idempotent). Its C object is freed now, or, if
        another live object still depends on it, as soon as that one goes."""
        self._ref = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self._ref = None
