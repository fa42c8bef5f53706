"""Finds and loads libdescent, and checks that its version suits this binding.

Search order (the first that loads wins):

1. the ``DESCENT_LIB`` environment variable: a path to the shared library
   (an override; nothing else is tried when it is set);
2. the package directory (a ``libdescent.so.0`` copied next to ``__init__.py``);
3. ``ctypes.util.find_library("descent")`` and then the dynamic linker's own
   search for ``libdescent.so.0`` (``LD_LIBRARY_PATH``, ``/etc/ld.so.cache``,
   ``/usr/local/lib`` after ``make install`` and ``ldconfig``).

The library is loaded on first use, not at ``import descent``, so the package
imports (and ``descent.__version__`` reads) without it.
"""

import ctypes
import ctypes.util
import os
import sys

#: The library version this binding was written for: the loaded library must
#: have the same major version and at least this minor version; while the
#: major version is 0 the ABI may change between minor versions (docs/abi.md),
#: so then the minor version must match exactly.
REQUIRED_MAJOR = 0
REQUIRED_MINOR = 2

SONAME = "libdescent.so.0"

_handle = None


class LibraryError(ImportError):
    """libdescent could not be found, loaded, or has an unsuitable version."""


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    for name in (SONAME, "libdescent.so", "libdescent.dylib", "descent.dll"):
        path = os.path.join(here, name)
        if os.path.exists(path):
            yield path
    found = ctypes.util.find_library("descent")
    if found:
        yield found
    yield SONAME


def _check_version(lib, where):
    lib.dsc_version_number.restype = ctypes.c_uint
    lib.dsc_version_number.argtypes = []
    lib.dsc_version.restype = ctypes.c_char_p
    lib.dsc_version.argtypes = []
    number = lib.dsc_version_number()
    major, minor = number // 10000, number // 100 % 100
    if REQUIRED_MAJOR == 0:
        ok, need = major == 0 and minor == REQUIRED_MINOR, "0.%d.x" % REQUIRED_MINOR
    else:
        ok = major == REQUIRED_MAJOR and minor >= REQUIRED_MINOR
        need = "%d.x with x >= %d" % (REQUIRED_MAJOR, REQUIRED_MINOR)
    if not ok:
        raise LibraryError(
            "descent: %s is libdescent %s, but this binding needs %s; point DESCENT_LIB "
            "at a suitable libdescent.so" % (where, lib.dsc_version().decode(), need))


def load():
    """The loaded library (a ``ctypes.CDLL``), loading it on the first call."""
    global _handle
    if _handle is not None:
        return _handle
    override = os.environ.get("DESCENT_LIB")
    tried = []
    if override:
        try:
            lib = ctypes.CDLL(override)
        except OSError as e:
            raise LibraryError("descent: DESCENT_LIB=%s cannot be loaded: %s" % (override, e)) from None
        _check_version(lib, "DESCENT_LIB=" + override)
        _handle = lib
        return lib
    for cand in _candidates():
        try:
            lib = ctypes.CDLL(cand)
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
            continue
        if not hasattr(lib, "dsc_version_number"):
            tried.append("%s (not libdescent)" % cand)
            continue
        _check_version(lib, cand)
        _handle = lib
        return lib
    raise LibraryError(
        "descent: libdescent was not found. Set DESCENT_LIB to the library's path "
        "(for example build/libdescent.so.0 after `make`), copy it next to the package, or "
        "install it (`make install`, then `ldconfig`). Tried: " + "; ".join(tried))


def is_loaded():
    return _handle is not None


if sys.platform == "win32":  # pragma: no cover - the build makes .so files only
    SONAME = "descent.dll"
