#!/usr/bin/python3
"""PyTorch side of bench/bench_threads.c (run by it after its own rounds).

(a) one shuffled epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU),
    batch 64, SGD momentum 0.9, lr 0.05, cross-entropy;
(b) Adam steps over 16M parameters (one tensor, torch.optim.Adam defaults),
each with torch.set_num_threads(N) for the N a command names; wall time
(time.perf_counter). Speaks the protocol of bench/torch_child.h
(bench/torch_common.py), so bench_threads.c runs PyTorch's rounds between
its own:
    a N  -> "a <samples/s>"   one epoch of (a) with N threads
    b N  -> "b <steps/s>"     Adam steps of (b) with N threads
    q    -> exit

Usage: torch_threads.py [--data DIR] [--quick]
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import fashion, hello, serve  # noqa: E402


def epoch(model, opt, loss_fn, x, y):
    n = x.shape[0]
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    for i in range(0, n, 64):
        idx = perm[i:i + 64]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return n / (time.perf_counter() - t0)


def adam_steps(opt, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return steps / (time.perf_counter() - t0)


def main():
    data_dir, quick = "/usr/share/datasets/fashion-mnist", False
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "--data":
            data_dir = args.pop(0)
        elif a == "--quick":
            quick = True
        else:
            sys.exit("usage: torch_threads.py [--data DIR] [--quick]")
    hello()
    x, y = fashion(data_dir, quick)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    p = torch.nn.Parameter(torch.rand(16 << 20) * 2 - 1)
    p.grad = (torch.rand(16 << 20) * 2 - 1) * 0.01
    adam = torch.optim.Adam([p])
    steps = 3 if quick else 10
    adam_steps(adam, 1)

    def a(threads):
        torch.set_num_threads(int(threads))
        return (epoch(model, opt, loss_fn, x, y),)

    def b(threads):
        torch.set_num_threads(int(threads))
        return (adam_steps(adam, steps),)

    serve({"a": a, "b": b})

if __name__ == "__main__":
    main()
