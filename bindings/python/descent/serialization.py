"""Model files and checkpoints: safetensors files read and written by the C
library (``dsc_model_save``, ``dsc_model_load``, ``dsc_model_load_weights``,
``dsc_checkpoint_save``, ``dsc_checkpoint_load``; docs/checkpoint.md).

These wrap the library's experimental tier (docs/abi.md): they work and are
tested, but may change in a minor release, and so may the file format (it
carries its own version; a reader refuses a newer one).

- :func:`save` / :func:`load`: a **checkpoint**, everything a training run
  needs to continue bit for bit (the model, dropout generators, and the
  whole state of the optimizer, scheduler and trainer given).
- :meth:`Sequential.save <descent.Sequential.save>` / :func:`load_model`: a
  **model file**, the layers and the parameters, with PyTorch's
  ``state_dict`` names (``0.weight``, ``0.bias``...).
- :meth:`Sequential.load_weights <descent.Sequential.load_weights>`: the
  parameters of any safetensors file with those names, such as a PyTorch
  ``nn.Sequential``'s ``state_dict`` saved with ``safetensors``.

Paths are ``str``, ``bytes`` or ``os.PathLike``. Every failure raises the
binding's exception of the C status with the C message: ``descent.IOFailure``
(an ``OSError``) when the file cannot be read or written, ``descent.FormatError``
for a malformed file or one that does not match the objects (the message
names the tensor or entry), ``descent.ArgumentError`` for objects that do not
belong together. A refused load changes nothing; a failed save leaves the
previous file in place.
"""

import ctypes
from ctypes import c_void_p

from . import _check
from ._errors import error_for
from ._enums import Status
from ._ffi import C


def _parts(where, model, optimizer, scheduler, trainer):
    """The objects of a checkpoint, type checked (None for the parts left out)."""
    from .lr_scheduler import LRScheduler
    from .nn import Sequential
    from .optim import Optimizer
    from .train import Trainer
    _check.instance(where, "model", model, Sequential, "a descent.Sequential")
    _check.instance(where, "optimizer", optimizer, Optimizer, "a descent optimizer",
                    none_ok=True)
    _check.instance(where, "scheduler", scheduler, LRScheduler, "a descent scheduler",
                    none_ok=True)
    _check.instance(where, "trainer", trainer, Trainer, "a descent.Trainer", none_ok=True)
    if scheduler is not None and scheduler._container is not None:
        raise error_for(Status.E_STATE, "%s: the scheduler (%s) belongs to a %s; pass the "
                        "container, which holds the state of its children"
                        % (where, type(scheduler).__name__, type(scheduler._container).__name__))
    model._need_built()
    return model, optimizer, scheduler, trainer


def save(path, *, model, optimizer=None, scheduler=None, trainer=None):
    """Write a checkpoint (``dsc_checkpoint_save``): the model (its layers,
    parameters and dropout generators) and the whole state of each of
    ``optimizer``, ``scheduler`` and ``trainer`` that is given (moments, step
    counts, scheduler position, the trainer's progress and shuffle generator).
    ``load()`` into objects built the same way resumes training bit for bit.

    A scheduler needs its optimizer, and a trainer must train this model
    (with this optimizer and scheduler when they are given;
    ``descent.ArgumentError`` otherwise). Called from a trainer's ``on_step``/``on_epoch`` callback
    with ``trainer=``, the checkpoint also records where the run stands, so
    that ``fit()`` after ``load()`` continues that run. The file is replaced
    only once the new one is complete on disk."""
    p = _check.path("descent.save", "path", path)
    model, optimizer, scheduler, trainer = _parts("descent.save", model, optimizer, scheduler,
                                                  trainer)
    C.dsc_checkpoint_save(p, model, optimizer, scheduler, trainer)


def load(path, *, model, optimizer=None, scheduler=None, trainer=None):
    """Restore a checkpoint written by :func:`save` (``dsc_checkpoint_load``)
    into objects built as the saved ones were: the same layers, an optimizer
    of the same kind over the same parameter groups, schedulers of the same
    kinds and settings, a trainer over a data set of the same size. The
    optimizer's hyperparameters, the trainer's settings and every state come
    from the file. Each object given must be in the file; parts of the file
    not asked for are ignored. Everything is checked before anything changes:
    a refused load (``descent.FormatError`` naming what differs) leaves every
    object as it was. A checkpoint written inside a trainer callback makes
    the trainer's next ``fit()`` (without ``epochs``) continue that run."""
    p = _check.path("descent.load", "path", path)
    model, optimizer, scheduler, trainer = _parts("descent.load", model, optimizer, scheduler,
                                                  trainer)
    C.dsc_checkpoint_load(p, model, optimizer, scheduler, trainer)


def load_model(path, max_batch=None):
    """A new :class:`~descent.Sequential` built from a model file (or a
    checkpoint) alone (``dsc_model_load``): its layers from the file's layer
    list, its parameters from the file's tensors. ``max_batch`` (an integer
    >= 1; default ``Sequential.DEFAULT_MAX_BATCH``, 256) is the largest batch
    ``forward`` will see. The model starts in training mode, as a new one
    does: call ``eval()`` for inference. A file without descent's metadata
    (a PyTorch export) is refused: build the model, then ``load_weights()``."""
    from .nn import Sequential
    p = _check.path("descent.load_model", "path", path)
    if max_batch is None:
        max_batch = Sequential.DEFAULT_MAX_BATCH
    max_batch = _check.integer("descent.load_model", "max_batch", max_batch, lo=1)
    ptr = c_void_p()
    C.dsc_model_load(ctypes.byref(ptr), p, max_batch)
    return Sequential._adopt(ptr)


__all__ = ["save", "load", "load_model"]
