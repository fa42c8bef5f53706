#!/usr/bin/python3
"""PyTorch side of bench/bench_threads.c (run by it after its own rounds).

(a) one shuffled epoch of the Fashion-MNIST MLP 784-256-128-10 (ReLU),
    batch 64, SGD momentum 0.9, lr 0.05, cross-entropy;
(b) Adam steps over 16M parameters (one tensor, torch.optim.Adam defaults),
each with torch.set_num_threads(1) and (2), alternating in rounds; wall
time (time.perf_counter); medians of the rounds and of the rounds' ratios.

Usage: torch_threads.py [--data DIR] [--runs N] [--quick]
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_train import fashion  # noqa: E402  (the same data loading as bench_train)


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
    data_dir, runs, quick = "/usr/share/datasets/fashion-mnist", 5, False
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
            sys.exit("usage: torch_threads.py [--data DIR] [--runs N] [--quick]")
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
    res = {k: [] for k in ("a1", "a2", "b1", "b2")}
    for _ in range(runs):
        for t in (1, 2):
            torch.set_num_threads(t)
            res[f"a{t}"].append(epoch(model, opt, loss_fn, x, y))
            res[f"b{t}"].append(adam_steps(adam, steps))
    med = {k: statistics.median(v) for k, v in res.items()}
    ra = statistics.median(b / a for a, b in zip(res["a1"], res["a2"]))
    rb = statistics.median(b / a for a, b in zip(res["b1"], res["b2"]))
    print(f"PyTorch {torch.__version__}:")
    print(f"(a) MLP epoch: 1 thread {med['a1']:.0f} samples/s, 2 threads {med['a2']:.0f} samples/s, "
          f"ratio {ra:.2f}x")
    print(f"(b) Adam, 16M parameters: 1 thread {med['b1']:.2f} steps/s, 2 threads {med['b2']:.2f} "
          f"steps/s, ratio {rb:.2f}x")


if __name__ == "__main__":
    main()
