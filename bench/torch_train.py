#!/usr/bin/python3
"""PyTorch side of bench/bench_train.c (run by it, once per OpenBLAS core type).

(a) one epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU), batch 64,
    SGD momentum 0.9, lr 0.05, cross-entropy, shuffled each epoch;
(b) one training step of a 16-64-64-4 tanh MLP with MSE on one sample
    (forward, loss, backward, SGD update, zero_grad).
One thread (torch.set_num_threads(1)). Times are this thread's CPU time
(time.thread_time), as bench_train.c measures descent, so the other
processes of a shared machine do not count.

Prints machine-readable lines:
    torch <version> blas_core <core or ?>
then, with --serve, reads commands from stdin, one per line, and answers
each with one line (so bench_train.c interleaves PyTorch's runs with its own;
the protocol of bench/torch_child.h):
    a  -> "a <samples/s> <wall samples/s>"   one epoch of (a), thread CPU and wall time
    b  -> "b <ns/step>"     one timed run of (b)
    q  -> exit
Without --serve: "a <samples/s of each run>" and "b <ns/step of each run>".
OPENBLAS_CORETYPE must be set by the caller before this process starts:
OpenBLAS reads it once, when it loads (with torch).

Usage: torch_train.py [--data DIR] [--runs N] [--quick] [--serve]
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import fashion, hello, serve  # noqa: E402

torch.set_num_threads(1)


clock = time.thread_time


class BenchA:
    """(a): one call = one shuffled epoch; returns samples/s of thread CPU time
    and of wall-clock time."""

    def __init__(self, x, y):
        torch.manual_seed(0)
        self.x, self.y = x, y
        self.model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                         torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                         torch.nn.Linear(128, 10))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.loss = float("nan")

    def __call__(self):
        x, y, model, opt, loss_fn = self.x, self.y, self.model, self.opt, self.loss_fn
        n = x.shape[0]
        t0, w0 = clock(), time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        rate, wall = n / (clock() - t0), n / (time.perf_counter() - w0)
        self.loss = float(loss)
        return rate, wall


class BenchB:
    """(b): one call = `steps` single-sample steps; returns ns/step."""

    def __init__(self, steps):
        torch.manual_seed(0)
        self.steps = steps
        self.model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(),
                                         torch.nn.Linear(64, 64), torch.nn.Tanh(),
                                         torch.nn.Linear(64, 4))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss_fn = torch.nn.MSELoss()
        g = torch.Generator().manual_seed(2)
        self.xs = torch.rand(256, 1, 16, generator=g) * 2 - 1
        self.ts = torch.rand(256, 1, 4, generator=g) * 2 - 1
        self.steps = max(steps // 10, 1)
        self()  # warm up
        self.steps = steps

    def __call__(self):
        model, opt, loss_fn, xs, ts = self.model, self.opt, self.loss_fn, self.xs, self.ts
        t0 = clock()
        for s in range(self.steps):
            xb, tb = xs[s & 255], ts[s & 255]
            opt.zero_grad()
            loss = loss_fn(model(xb), tb)
            loss.backward()
            opt.step()
        return (clock() - t0) * 1e9 / self.steps


def main():
    data_dir = "/usr/share/datasets/fashion-mnist"
    runs, quick, serve_mode = 5, False, False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--data":
            data_dir = args.pop(0)
        elif a == "--runs":
            runs = int(args.pop(0))
        elif a == "--quick":
            quick = True
        elif a == "--serve":
            serve_mode = True
        else:
            sys.exit("usage: torch_train.py [--data DIR] [--runs N] [--quick] [--serve]")
    hello()
    x, y = fashion(data_dir, quick)
    bench_a, bench_b = BenchA(x, y), BenchB(300 if quick else 2000)
    if serve_mode:
        serve({"a": bench_a, "b": lambda: (bench_b(),)})
        return
    print("a", " ".join("%.1f" % bench_a()[0] for _ in range(runs)), flush=True)
    print("a_loss %.4f" % bench_a.loss, flush=True)
    print("b", " ".join("%.1f" % bench_b() for _ in range(runs)), flush=True)


if __name__ == "__main__":
    main()
