"""descent.conform: every reference case through the Python API, and the same
output and exit status as build/descent-conform."""

import os
import subprocess
import sys

import pytest

from descent import conform

from conftest import BUILD, PKG_ROOT, REF, next_cases, ref_cases

CONFORM = os.path.join(BUILD, "descent-conform")


def test_reference_cases_exist():
    assert ref_cases(), "no reference cases under %s (set REF)" % REF


@pytest.mark.parametrize("path", ref_cases() + next_cases(), ids=os.path.basename)
def test_case_passes(path):
    ok, line = conform.run_case(path)
    assert ok, line


def run_py(files):
    env = dict(os.environ, PYTHONPATH=PKG_ROOT)
    return subprocess.run([sys.executable, "-m", "descent.conform"] + list(files), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)


def run_c(files):
    return subprocess.run([CONFORM] + list(files), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=600)


needs_c = pytest.mark.skipif(not os.access(CONFORM, os.X_OK), reason="build/descent-conform not built")


def compare(files):
    c, py = run_c(files), run_py(files)
    assert py.stderr == c.stderr or c.returncode != 2, py.stderr
    assert c.stdout.splitlines() == py.stdout.splitlines(), (c.stdout, py.stdout)
    assert c.returncode == py.returncode
    return c, py


@needs_c
def test_same_output_as_c_runner_on_every_case():
    c, py = compare(ref_cases() + next_cases())
    assert py.returncode == 0, py.stdout


@needs_c
def test_usage_without_arguments():
    c, py = run_c([]), run_py([])
    assert (c.returncode, c.stdout, c.stderr) == (py.returncode, py.stdout, py.stderr) == \
        (2, "", "usage: descent-conform FILE.ref...\n")


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@needs_c
def test_same_output_on_malformed_and_failing_files(tmp_path):
    cases = {os.path.basename(p): open(p).read() for p in ref_cases()}
    sgd = cases["optimizer-SGD-momentum.ref"]
    step = cases["scheduler-StepLR-basic.ref"]
    files = [
        str(tmp_path / "missing.ref"),
        _write(tmp_path, "empty.ref", ""),
        _write(tmp_path, "version.ref", "descent-ref 2\nkind optimizer\nname SGD\nvariant x\n"),
        _write(tmp_path, "order.ref", "descent-ref 1\nname SGD\nkind optimizer\nvariant x\n"),
        _write(tmp_path, "twice.ref", sgd + "kind optimizer\n"),
        _write(tmp_path, "param_twice.ref", sgd.replace("param lr", "param lr 0.1\nparam lr", 1)),
        _write(tmp_path, "dup_vector.ref", sgd + "grad 0 1\n"),
        _write(tmp_path, "unknown_param.ref", sgd + "param frobnicate 1\n"),
        _write(tmp_path, "unknown_kind.ref", "descent-ref 1\nkind nope\nname x\nvariant y\n"),
        _write(tmp_path, "unknown_opt.ref", sgd.replace("name SGD", "name Nope", 1)),
        _write(tmp_path, "bad_lr.ref", sgd.replace("param lr ", "param lr -", 1)),
        _write(tmp_path, "bad_expect.ref", sgd.replace("expect 1 ", "expect 1 1", 1)),
        _write(tmp_path, "bad_sched.ref", step.replace("lr 3 ", "lr 3 9", 1)),
        _write(tmp_path, "sched_param.ref", step.replace("param gamma", "param eta_min 0\nparam gamma", 1)),
        _write(tmp_path, "no_steps.ref", step.replace("steps ", "nsteps ", 1)),
        _write(tmp_path, "required.ref", step.replace("param step_size", "# param step_size", 1)),
    ]
    compare(files)


@needs_c
def test_same_output_as_c_runner_on_next_cases():
    """Every next/ case, those whose kinds are still missing included: the
    same verdicts and messages from both runners."""
    import glob
    from conftest import REF_NEXT
    compare(sorted(glob.glob(os.path.join(REF_NEXT, "*.ref"))))
