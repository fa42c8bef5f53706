"""The floating-point mode: subnormals flushed to zero by default, kept
(as PyTorch does) after set_flush_denormals(False) or with
DESCENT_FLUSH_DENORMALS=0."""

import array
import struct

import pytest

import descent

from conftest import run_python

P, G = 2e-38, 1.9e-38          # normal floats whose difference is subnormal


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def sgd_step():
    p, g = array.array("f", [P] * 9 + [1e-40]), array.array("f", [G] * 9 + [0.0])
    descent.SGD([descent.Parameter(p, g)], lr=1.0).step()
    return list(p)


@pytest.fixture
def restore_flush():
    yield
    descent.set_flush_denormals(True)


def test_default_flushes(restore_flush):
    assert descent.flush_denormals() is True
    assert sgd_step() == [0.0] * 10


def test_keep_denormals_matches_ieee(restore_flush):
    descent.set_flush_denormals(False)
    assert descent.flush_denormals() is False
    exact = f32(f32(P) - f32(G))
    assert 0 < exact < 1.1754943508222875e-38          # subnormal
    assert sgd_step() == [exact] * 9 + [f32(1e-40)]
    descent.set_flush_denormals(1)
    assert descent.flush_denormals() is True


def test_bad_value_refused(restore_flush):
    with pytest.raises(descent.ArgumentError, match="dsc_set_flush_denormals: on is 2"):
        descent.set_flush_denormals(2)
    assert descent.flush_denormals() is True


def test_environment_variable():
    r = run_python("import descent\nprint(descent.flush_denormals())",
                   env_extra={"DESCENT_FLUSH_DENORMALS": "0"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
    r = run_python("import descent\nprint(descent.flush_denormals())",
                   env_extra={"DESCENT_FLUSH_DENORMALS": "1"})
    assert r.stdout.strip() == "True", r.stderr
