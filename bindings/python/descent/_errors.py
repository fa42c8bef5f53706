"""``descent.Error`` and one subclass per ::dsc_status."""

from ._enums import Status


class Error(Exception):
    """A descent call failed.

    ``status`` is the :class:`Status`, ``status_name`` its C name
    ("DSC_E_ARG"), ``message`` the text of ``dsc_last_error()`` (or the
    binding's own sentence for an error found before calling C), and
    ``function`` the C function that failed, when there was one.
    """

    def __init__(self, status, message, function=None):
        try:
            status = Status(status)
            name = "DSC_" + status.name
        except ValueError:
            name = "DSC_E_UNKNOWN"
        self.status = status
        self.status_name = name
        self.message = message
        self.function = function
        super().__init__("%s: %s" % (name, message))


class ArgumentError(Error, ValueError):
    """DSC_E_ARG: an argument is invalid."""


class NoMemoryError(Error, MemoryError):
    """DSC_E_NOMEM."""


class ShapeError(Error, ValueError):
    """DSC_E_SHAPE: shapes or sizes do not agree."""


class StateError(Error, RuntimeError):
    """DSC_E_STATE: the call is out of order for the object's state."""


class UnsupportedError(Error):
    """DSC_E_UNSUPPORTED: the object has no such key, kind or feature."""


class NonFiniteError(Error, ArithmeticError):
    """DSC_E_NONFINITE: a gradient or loss is NaN or infinite."""


class FormatError(Error, ValueError):
    """DSC_E_FORMAT: a file or buffer is malformed."""


class IOFailure(Error, OSError):
    """DSC_E_IO: reading or writing a file failed."""


class InternalError(Error):
    """DSC_E_INTERNAL: a bug in descent."""


class ClosedError(Error, ValueError):
    """The Python object was closed (status DSC_E_STATE, raised by the binding)."""

    def __init__(self, what):
        super().__init__(Status.E_STATE, "%s is closed" % what)


_BY_STATUS = {
    Status.E_ARG: ArgumentError, Status.E_NOMEM: NoMemoryError, Status.E_SHAPE: ShapeError,
    Status.E_STATE: StateError, Status.E_UNSUPPORTED: UnsupportedError,
    Status.E_NONFINITE: NonFiniteError, Status.E_FORMAT: FormatError, Status.E_IO: IOFailure,
    Status.E_INTERNAL: InternalError,
}


def error_for(status, message, function=None):
    """The exception instance for a status (the most specific subclass)."""
    try:
        cls = _BY_STATUS.get(Status(status), Error)
    except ValueError:
        cls = Error
    return cls(status, message, function)
