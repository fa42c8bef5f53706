"""Shared paths: the repository root, the header, the build tree and the
reference cases. The library comes from DESCENT_LIB (tests/check_python.sh
sets it to the build tree's libdescent.so.0)."""

import glob
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_ROOT = os.path.dirname(HERE)                     # bindings/python
ROOT = os.path.dirname(os.path.dirname(PKG_ROOT))    # the repository
HEADER = os.path.join(ROOT, "include", "descent.h")
BUILD = os.environ.get("B", os.path.join(ROOT, "build"))
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
# The golden cases: the repository's copy unless REF points elsewhere.
REF = os.environ.get("REF", os.path.join(ROOT, "tests", "conform", "cases"))
if not os.path.isabs(REF):
    REF = os.path.join(ROOT, REF)

if PKG_ROOT not in sys.path:
    sys.path.insert(0, PKG_ROOT)
os.environ.setdefault("DESCENT_LIB", os.path.join(BUILD, "libdescent.so.0"))


REF_NEXT = os.environ.get("REF_NEXT", os.path.join(ROOT, "tests", "conform", "next"))
if not os.path.isabs(REF_NEXT):
    REF_NEXT = os.path.join(ROOT, REF_NEXT)


def ref_cases():
    return sorted(glob.glob(os.path.join(REF, "*.ref")))


def next_cases():
    """The next/ cases (layered networks, Rprop) the library has the kinds for:
    all but those matching NEXT_EXCLUDE of tests/check_conform.sh, the one list."""
    import fnmatch
    import re
    with open(os.path.join(ROOT, "tests", "check_conform.sh")) as f:
        m = re.search(r'^NEXT_EXCLUDE="([^"]*)"', f.read(), re.M)
    exclude = m.group(1).split() if m else []
    return [p for p in sorted(glob.glob(os.path.join(REF_NEXT, "*.ref")))
            if not any(fnmatch.fnmatch(os.path.basename(p)[:-4], pat) for pat in exclude)]


def run_python(code, env_extra=None, block_numpy=False, args=()):
    """Runs code in a fresh /usr/bin/python3-like interpreter (this one), with
    the package on the path; with block_numpy, `import numpy` fails there."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    if env_extra:
        env.update(env_extra)
    prelude = ""
    if block_numpy:
        prelude = (
            "import sys\n"
            "class _NoNumpy:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numpy' or name.startswith('numpy.'):\n"
            "            raise ImportError('numpy blocked for this test')\n"
            "        return None\n"
            "sys.meta_path.insert(0, _NoNumpy())\n")
    return subprocess.run([sys.executable, "-c", prelude + code] + list(args), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)


@pytest.fixture
def np():
    return pytest.importorskip("numpy")
