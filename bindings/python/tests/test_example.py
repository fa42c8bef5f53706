"""examples/compare_torch.py runs, with torch (values agree) and without."""

import os

from conftest import PKG_ROOT, run_python

EXAMPLE = os.path.join(PKG_ROOT, "examples", "compare_torch.py")
RUN = "import runpy, sys; sys.argv = [%r, '--quiet']; runpy.run_path(%r, run_name='__main__')" % (
    EXAMPLE, EXAMPLE)


def test_compare_torch():
    r = run_python(RUN)
    assert r.returncode == 0, r.stdout + r.stderr
    if "torch is not importable" not in r.stdout:
        assert r.stdout.count(": learning rates and parameters agree") == 3, r.stdout


def test_compare_torch_without_torch():
    code = ("import sys\n"
            "class _NoTorch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'torch' or name.startswith('torch.'):\n"
            "            raise ImportError('blocked')\n"
            "sys.meta_path.insert(0, _NoTorch())\n" + RUN)
    r = run_python(code)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "torch is not importable here" in r.stdout


def test_train_xor_example():
    path = os.path.join(PKG_ROOT, "examples", "train_xor.py")
    r = run_python("import runpy, sys; sys.argv = [%r]; runpy.run_path(%r, run_name='__main__')"
                   % (path, path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "suggested lr" in r.stdout and "accuracy 1.00" in r.stdout


def _run_example(name, *args, prelude=""):
    path = os.path.join(PKG_ROOT, "examples", name)
    return run_python(prelude + "import runpy, sys; sys.argv = %r; runpy.run_path(%r, run_name='__main__')"
                      % ([path] + list(args), path))


FASHION = "/usr/share/datasets/fashion-mnist"


def test_fashion_mnist_example(tmp_path):
    if not os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        import pytest
        pytest.skip("Fashion-MNIST is not installed (tools/install-deps.sh demo)")
    r = _run_example("fashion_mnist.py", "--limit", "2000", "--epochs", "2", "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "train 1800, validation 200, test 10000 images of 784 pixels" in r.stdout
    assert "epoch 2 " in r.stdout and "test accuracy" in r.stdout
    saved = tmp_path / "fashion_mnist_mlp.safetensors"
    assert saved.exists()
    assert (tmp_path / "fashion_mnist_history.csv").exists() or \
        (tmp_path / "fashion_mnist_history.png").exists()
    acc = float(r.stdout.split("test accuracy ")[1].split()[0])
    assert acc > 0.6, r.stdout
    assert "reloaded test accuracy %.3f" % acc in r.stdout


def test_fashion_mnist_example_without_data(tmp_path):
    r = _run_example("fashion_mnist.py", "--data", str(tmp_path / "nowhere"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "nowhere" in r.stdout and "install-deps.sh demo" in r.stdout


def test_finetune_from_torch_example():
    r = _run_example("finetune_from_torch.py")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "task B MSE: before fine-tuning" in r.stdout
    if "torch is not importable" not in r.stdout:
        assert r.stdout.count("equal") == 2 and "NO" not in r.stdout, r.stdout


def test_finetune_from_torch_example_without_torch():
    block = ("import sys\n"
             "class _NoTorch:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name == 'torch' or name.startswith('torch.'):\n"
             "            raise ImportError('blocked')\n"
             "sys.meta_path.insert(0, _NoTorch())\n")
    r = _run_example("finetune_from_torch.py", prelude=block)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "torch is not importable here" in r.stdout and "task B MSE" in r.stdout


FASHION = "/usr/share/datasets/fashion-mnist"


def test_fashion_cnn_example():
    """examples/fashion_cnn.py: without its data set, exit 2 naming the fix; with
    it (tools/install-deps.sh demo), its short run reaches its target."""
    path = os.path.join(PKG_ROOT, "examples", "fashion_cnn.py")
    run = "import runpy, sys; sys.argv = [%r] + %r; runpy.run_path(%r, run_name='__main__')"
    r = run_python(run % (path, ["--data", "/nonexistent-dir"], path))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "install-deps.sh demo" in r.stderr
    if os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
        r = run_python(run % (path, ["--quick"], path))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "target 75%: reached" in r.stdout
