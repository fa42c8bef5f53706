#!/bin/sh
# The Python binding's tests (bindings/python/tests, pytest) against the build
# tree's library. Debian's interpreter on purpose: /usr/bin/python3 has
# python3-pytest and python3-numpy (tools/install-deps.sh check), while the
# first python3 on PATH may be another install without them.
# pytest's exit 5 (no tests collected) counts as a failure. The PyTorch interop
# tests (test_interop_torch.py) need python3-torch, which only the `ci` group of
# tools/install-deps.sh installs; without it they are skipped, and -rs writes
# why into this script's log (build/tests/check_python.sh.log).
set -u
B=${B:-build}
PY=${PYTHON:-/usr/bin/python3}
root=$(pwd)
case "$B" in /*) lib="$B/libdescent.so.0" ;; *) lib="$root/$B/libdescent.so.0" ;; esac
[ -e "$lib" ] || { echo "check_python: $lib is missing (run make first)"; exit 1; }
"$PY" -c "import pytest" 2>/dev/null || { echo "check_python: $PY has no pytest (apt-get install python3-pytest)"; exit 1; }
PYTHONPATH="$root/bindings/python" DESCENT_LIB="$lib" B="$B" REF="${REF:-$root/tests/conform/cases}" REF_NEXT="${REF_NEXT:-$root/tests/conform/next}" \
    "$PY" -m pytest -q -rs -p no:cacheprovider bindings/python/tests
rc=$?
[ $rc -eq 5 ] && echo "check_python: pytest collected no tests"
[ $rc -eq 0 ]
