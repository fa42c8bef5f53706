#!/usr/bin/python3
"""PyTorch side of bench/bench_train.c (run by it, once per OpenBLAS core type).

(a) one epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU), batch 64,
    SGD momentum 0.9, lr 0.05, cross-entropy, shuffled each epoch;
(b) one training step of a 16-64-64-4 tanh MLP with MSE on one sample
    (forward, loss, backward, SGD update, zero_grad).
One thread (torch.set_num_threads(1)). Prints machine-readable lines:
    torch <version> blas_core <core or ?>
    a <samples/s of each run, space separated>
    b <ns/step of each run, space separated>
OPENBLAS_CORETYPE must be set by the caller before this process starts:
OpenBLAS reads it once, when it loads (with torch).

Usage: torch_train.py [--data DIR] [--runs N] [--quick]
"""
import gzip
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def load_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion(data_dir, quick):
    img = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
    lab = os.path.join(data_dir, "train-labels-idx1-ubyte.gz")
    if os.path.exists(img) and os.path.exists(lab):
        x = load_idx(img).reshape(-1, 784).astype(np.float32) / 255.0
        y = load_idx(lab).astype(np.int64)
    else:  # same shape, random content: throughput does not depend on the values
        rng = np.random.default_rng(1)
        x = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
    if quick:
        x, y = x[:6000], y[:6000]
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)


def bench_a(x, y, runs):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        rates.append(n / (time.perf_counter() - t0))
    return rates, float(loss)


def bench_b(runs, steps):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(),
                                torch.nn.Linear(64, 64), torch.nn.Tanh(),
                                torch.nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.MSELoss()
    g = torch.Generator().manual_seed(2)
    xs = torch.rand(256, 1, 16, generator=g) * 2 - 1
    ts = torch.rand(256, 1, 4, generator=g) * 2 - 1
    out = []
    for r in range(runs + 1):  # the first run warms up
        t0 = time.perf_counter()
        for s in range(steps):
            xb, tb = xs[s & 255], ts[s & 255]
            opt.zero_grad()
            loss = loss_fn(model(xb), tb)
            loss.backward()
            opt.step()
        if r > 0:
            out.append((time.perf_counter() - t0) * 1e9 / steps)
    return out


def main():
    data_dir = "/usr/share/datasets/fashion-mnist"
    runs, quick = 5, False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--data":
            data_dir = args.pop(0)
        elif a == "--runs":
            runs = int(args.pop(0))
        elif a == "--quick":
            quick = True
        else:
            sys.exit("usage: torch_train.py [--data DIR] [--runs N] [--quick]")
    core = "?"
    try:  # the OpenBLAS torch loaded, if it is in this process
        import ctypes
        for lib in ("libopenblas.so.0", "libblas.so.3"):
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                core = f().decode()
                break
            except (OSError, AttributeError):
                pass
    except ImportError:
        pass
    print("torch", torch.__version__, "blas_core", core, flush=True)
    x, y = fashion(data_dir, quick)
    rates, loss = bench_a(x, y, runs)
    print("a", " ".join("%.1f" % r for r in rates), flush=True)
    print("a_loss %.4f" % loss, flush=True)
    ns = bench_b(runs, 300 if quick else 2000)
    print("b", " ".join("%.1f" % v for v in ns), flush=True)


if __name__ == "__main__":
    main()
