"""NumPy and no-NumPy paths: zero-copy where memory allows, the buffer
protocol and plain sequences without NumPy (simulated by an import blocker
in a subprocess)."""

import os

import pytest

import descent

from conftest import ref_cases, run_python


def test_tensor_wraps_numpy_without_copy(np):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = descent.Tensor(a)
    assert t.is_borrowed and t.shape == (2, 3)
    t.fill_(7.0)
    assert (a == 7).all()                       # writes reach the host's array
    v = t.numpy()
    assert np.shares_memory(v, a)


def test_tensor_copies_what_it_cannot_borrow(np):
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = descent.Tensor(a)
    assert not t.is_borrowed
    assert t.numpy().tolist() == a.tolist()
    t2 = descent.Tensor([[1, 2], [3, 4]])
    assert t2.numpy().dtype == np.float32 and t2.shape == (2, 2)
    z = descent.Tensor.zeros(3, 4).uniform_(-1, 1, seed=5)
    z2 = descent.Tensor.zeros((3, 4)).uniform_(-1, 1, seed=5)
    assert (z.numpy() == z2.numpy()).all() and abs(z.numpy()).max() <= 1


def test_tensor_getters(np):
    t = descent.Tensor.zeros(2, 3, 4)
    assert (t.ndim, t.shape, t.size, len(t), t.is_borrowed) == (3, (2, 3, 4), 24, 2, False)
    import ctypes
    from descent._ffi import C
    n = ctypes.c_size_t(9)
    with pytest.raises(descent.ArgumentError, match="axis 3 is out of range"):
        C.dsc_tensor_dim(t, 3, ctypes.byref(n))
    assert n.value == 0
    t.close()
    with pytest.raises(descent.ClosedError):
        t.shape


def test_optimizer_updates_numpy_in_place(np):
    p = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    g = np.array([0.5, 0.5, -1.0], dtype=np.float32)
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p, [0.95, -2.05, 3.1], rtol=1e-6)
    opt.zero_grad()
    assert (g == 0).all()


def test_model_parameters_are_views(np):
    m = descent.Sequential(descent.Linear(3, 2), descent.ReLU(), descent.Linear(2, 1)).build(2)
    names = [n for n, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    ps = m.parameters()
    assert [p.shape for p in ps] == [(2, 3), (2,), (1, 2), (1,)]
    ps[0][...] = 0.25
    assert (m.get_weight(0) == 0.25).all()      # views of the model's own buffer
    sd = m.state_dict()
    m2 = descent.Sequential(descent.Linear(3, 2), descent.ReLU(), descent.Linear(2, 1)).build(2)
    m2.load_state_dict(sd)
    x = np.array([[1, 2, 3]], dtype=np.float32)
    assert (m(x) == m2(x)).all()
    assert m.params.size == m.param_count() == 11


NO_NUMPY = r"""
import array, sys
import descent
assert 'numpy' not in sys.modules
from descent import _buf
assert not _buf.have_numpy()
# Tensor from a list (copied) and over array.array (borrowed).
t = descent.Tensor([[1, 2, 3], [4, 5, 6]])
assert t.shape == (2, 3) and t.tolist() == [[1, 2, 3], [4, 5, 6]], t.tolist()
a = array.array('f', [0.0] * 4)
w = descent.Tensor(a, shape=(2, 2))
assert w.is_borrowed
w.fill_(3.0)
assert list(a) == [3.0] * 4
v = w.numpy()
assert isinstance(v, memoryview) and v.shape == (2, 2) and v[1, 1] == 3.0
# Optimizer over array.array, refusing what it cannot update in place.
p, g = array.array('f', [1.0, 2.0]), array.array('f', [1.0, 1.0])
opt = descent.Adam([descent.Parameter(p, g)], lr=0.1)
opt.step()
assert abs(p[0] - 0.9) < 1e-6 and abs(p[1] - 1.9) < 1e-6, list(p)
for bad in ([1.0, 2.0], array.array('d', [1.0, 2.0]), bytes(8)):
    try:
        descent.SGD([descent.Parameter(bad, g)])
    except descent.ArgumentError:
        pass
    else:
        raise AssertionError('accepted %r' % (bad,))
# A model with plain lists; outputs are array.array.
m = descent.Sequential(descent.Linear(2, 4), descent.Tanh(), descent.Linear(4, 1)).build(4)
m.init('xavier_uniform', 'zeros', seed=1)
loss = descent.MSELoss()
opt = descent.Adam(m.parameters(), lr=0.05)
X = [[0, 0], [0, 1], [1, 0], [1, 1]]
for _ in range(400):
    opt.zero_grad()
    y = m(X)
    value = loss(y, [[0], [1], [1], [0]])
    m.backward(loss.backward())
    opt.step()
assert isinstance(y, memoryview) and y.shape == (4, 1) and value < 0.05, value
params = m.params
assert isinstance(params, memoryview) and len(params) == m.param_count()
assert m.get_weight(0).shape == (4, 2) and isinstance(m.get_bias(0), array.array)
w0, b0, w2, b2 = m.parameters()
assert w0.shape == (4, 2) and w0.grad.shape == (4, 2) and b2.shape == (1,)
# Shapes are checked without NumPy too.
try:
    m(array.array('f', [0.0] * 8))
except descent.ShapeError:
    pass
else:
    raise AssertionError('a flat batch was accepted')
assert m(array.array('f', [0.0, 1.0])).tolist() == m([[0.0, 1.0]]).tolist()[0]
try:
    descent.CrossEntropyLoss()([[0.0, 1.0]], [1.0])
except TypeError:
    pass
else:
    raise AssertionError('float labels were accepted')
# Datasets and labels without NumPy.
ds = descent.Dataset([[0, 0], [1, 1], [2, 2]], labels=[0, 1, 1])
x, t, lab = ds.gather([2, 0])
assert x.tolist() == [[2, 2], [0, 0]] and lab == [1, 0] and t.tolist() == [[0, 1], [1, 0]]
# The conformance runner needs no NumPy either.
from descent import conform
for path in sys.argv[1:]:
    ok, line = conform.run_case(path)
    assert ok, line
print('ok')
"""


def test_without_numpy():
    cases = [c for c in ref_cases() if os.path.basename(c).startswith(
        ("network-mlp-tanh", "optimizer-Adam-plain", "scheduler-OneCycleLR-cos."))]
    r = run_python(NO_NUMPY, block_numpy=True, args=cases)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_import_without_library():
    # `import descent` and __version__ work without the library; the first use says why it fails.
    r = run_python("import descent; print(descent.__version__)\n"
                   "try:\n    descent.isa()\nexcept descent.LibraryError as e:\n"
                   "    print('LibraryError', 'DESCENT_LIB' in str(e))\n",
                   env_extra={"DESCENT_LIB": "/nonexistent/libdescent.so.0"})
    assert r.stdout.split() == ["0.2.0", "LibraryError", "True"], r.stdout + r.stderr


def test_library_search_without_override(tmp_path):
    # Without DESCENT_LIB, a copy next to the package is found first.
    import shutil
    pkg = tmp_path / "descent"
    shutil.copytree(os.path.dirname(descent.__file__), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "libdescent*"))
    shutil.copy(os.environ["DESCENT_LIB"], pkg / "libdescent.so.0")
    env = {k: v for k, v in os.environ.items() if k != "DESCENT_LIB"}
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-c", "import descent, descent._lib as L; descent.isa(); "
                        "print(L._handle._name)"], cwd=str(tmp_path), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(pkg / "libdescent.so.0")


def test_version_mismatch_message(monkeypatch):
    from descent import _lib

    class Fake:
        class _F:
            def __init__(self, v):
                self.v = v

            def __call__(self):
                return self.v
        def __init__(self):
            self.dsc_version_number = Fake._F(20100)
            self.dsc_version = Fake._F(b"2.1.0")

    with pytest.raises(_lib.LibraryError, match=r"2\.1\.0.*needs 0\.2\.x"):
        _lib._check_version(Fake(), "test")


def test_version_zero_minor_must_match():
    """While the major version is 0 the ABI may change between minor versions."""
    from descent import _lib

    class Fake:
        def __init__(self, number, text):
            self.dsc_version_number = lambda: number
            self.dsc_version = lambda: text

    _lib._check_version(Fake(200, b"0.2.0"), "test")
    _lib._check_version(Fake(203, b"0.2.3"), "test")
    for number, text in ((100, b"0.1.0"), (300, b"0.3.0")):
        with pytest.raises(_lib.LibraryError, match=r"needs 0\.2\.x"):
            _lib._check_version(Fake(number, text), "test")
