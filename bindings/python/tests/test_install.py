"""The package installs offline with pip (Debian's setuptools, no build
isolation) into a venv that sees the system's packages."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import PKG_ROOT


def test_pip_install_offline(tmp_path):
    import importlib.util
    missing = [m for m in ("pip", "setuptools", "venv") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip("missing here: %s" % ", ".join(missing))
    src = tmp_path / "src"
    shutil.copytree(PKG_ROOT, src, ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info", "tests", ".pytest_cache", "libdescent*"))
    env_dir = tmp_path / "venv"
    r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        pytest.skip("venv cannot be created here: " + r.stdout[-300:])
    py = str(env_dir / "bin" / "python")
    r = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                        "--no-deps", "--disable-pip-version-check", "-q", str(src)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert r.returncode == 0, r.stdout
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([py, "-c", "import descent, os; print(descent.__version__); "
                        "print(os.path.dirname(descent.__file__)); print(descent.isa())"],
                       cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    assert r.returncode == 0, r.stderr
    version, where, isa = r.stdout.split()
    assert version == "0.2.0" and where.startswith(str(env_dir))
