"""descent: the descent C library (optimizers, learning-rate schedules, small
networks) from Python through ctypes, with PyTorch's names.

The shared library is found on first use (see ``descent._lib``): the
``DESCENT_LIB`` variable, then next to this package, then the system's
library path. Nothing here is compiled. NumPy is used when importable.
"""

__version__ = "0.2.0"

from ._enums import (Activation, AnnealStrategy, CyclicMode, DatasetMode, OptimizerParam, Init, LayerKind,
                     LossKind, LossParam, OptimizerKind, PlateauMode, SchedParam, SchedState,
                     SchedulerKind, Status, ThresholdMode)
from ._errors import (ArgumentError, ClosedError, Error, FormatError, InternalError, IOFailure,
                      NoMemoryError, NonFiniteError, ShapeError, StateError, UnsupportedError)
from ._lib import LibraryError
from .tensor import Tensor
from .nn import (GELU, BCEWithLogitsLoss, CrossEntropyLoss, Dense, Dropout, HuberLoss, Identity,
                 Flatten, GRU, L1Loss, LastStep, LeakyReLU, Linear, LSTM, MSELoss, Parameter, ReLU,
                 Sequential, Sigmoid, SmoothL1Loss, Softmax, Tanh, accuracy)
from .optim import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam,
                    RMSprop, Rprop)
from .nn import BatchNorm1d, BatchNorm2d, LayerNorm
from .conv import AvgPool1d, AvgPool2d, Conv1d, Conv2d, MaxPool1d, MaxPool2d
from .lr_scheduler import (ChainedScheduler, Constant, ConstantLR, CosineAnnealingLR,
                           CosineAnnealingWarmRestarts, CyclicLR, ExponentialLR, InverseTimeDecay,
                           LambdaLR, LinearLR, LRScheduler, MultiplicativeLR, MultiStepLR,
                           OneCycleLR, PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR)
from .data import Dataset
from ._enums import (ProgressKey, SchedStepping, SearchKind, SearchParam, StopReason,
                     TrainerParam)
from .train import NoiseScale, Progress, RangeTest, Search, Trainer, Trial, evaluate, noise_scale
from .serialization import load, load_model, save
from . import nn, conv, optim, lr_scheduler, data, train, serialization  # noqa: F401  (torch-like module paths)


def lib_version():
    """The loaded library's version string ("0.2.0")."""
    from ._ffi import C
    return C.dsc_version().decode()


def isa():
    """The SIMD kernel set new handles use ("avx2", "neon", ...)."""
    from ._ffi import C
    return C.dsc_isa().decode()


def set_isa(name=None):
    """Choose the kernel set for handles created afterwards (None: the best)."""
    from ._ffi import C
    from ._check import string
    C.dsc_set_isa(None if name is None else string("set_isa", "name", name).encode())


def isa_available(name):
    from ._ffi import C
    from ._check import string
    return bool(C.dsc_isa_available(string("isa_available", "name", name).encode()))


def set_flush_denormals(on):
    """Whether descent's compute calls flush subnormal floats to zero
    (``dsc_set_flush_denormals``), process-wide. True (the default) is fast;
    False keeps IEEE subnormals, as PyTorch does, so results below about
    1.18e-38 match PyTorch instead of becoming 0. The environment variable
    ``DESCENT_FLUSH_DENORMALS=0`` sets False at start-up."""
    from ._ffi import C
    from ._check import integer
    if not isinstance(on, bool):      # True/False, or 0/1 as C takes it (C checks the value)
        on = integer("set_flush_denormals", "on", on, lo=None, hi=None)
        if not -2 ** 31 <= on < 2 ** 31:
            raise TypeError("set_flush_denormals: on must be True or False, not %d" % on)
    C.dsc_set_flush_denormals(int(on))


def flush_denormals():
    """True if compute calls flush subnormal floats to zero (the default)."""
    from ._ffi import C
    return bool(C.dsc_flush_denormals())


def set_threads(n):
    """Use ``n`` threads for the large kernels of every compute call
    (``dsc_set_threads``), process-wide: 0 = one per core, 1 = none (the
    default), up to 256. Results are bit-identical whatever ``n``. The
    environment variable ``DESCENT_THREADS`` sets the starting value.
    ctypes releases the GIL during every call into descent, so other Python
    threads run while descent computes."""
    from ._ffi import C
    from ._check import integer
    C.dsc_set_threads(integer("set_threads", "n", n, lo=0, hi=256, what="a thread count"))


def threads():
    """How many threads descent's parallel work uses now (1: none)."""
    from ._ffi import C
    return int(C.dsc_threads())


def last_error():
    """``dsc_last_error()`` of this thread."""
    from ._ffi import last_error as le
    return le()
