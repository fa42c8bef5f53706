#!/usr/bin/python3
"""PyTorch side of bench/bench_cnn.c (run by it as a child process).

One epoch of a small CNN on 28x28 images: conv 3x3 (1->16, padding 1), ReLU,
max pool 2x2, conv 3x3 (16->32, padding 1), ReLU, max pool 2x2, flatten,
dense 1568->10; batch 64, SGD momentum 0.9, lr 0.05, cross-entropy, the
batches in order. One thread (torch.set_num_threads(1)); time is this
thread's CPU time (time.thread_time), as bench_cnn.c measures descent. The
images are random: throughput does not depend on them.

Speaks the protocol of bench/torch_child.h (bench/torch_common.py), after
one warm-up epoch:
    e  -> "e <samples/s>"   one timed epoch
    q  -> exit

Usage: torch_cnn.py samples
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import hello, serve  # noqa: E402

torch.set_num_threads(1)


def main():
    samples = int(sys.argv[1])
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((samples, 1, 28, 28), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, samples))
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        for i in range(0, samples, 64):
            opt.zero_grad()
            loss_fn(net(x[i:i + 64]), y[i:i + 64]).backward()
            opt.step()

    epoch()  # warm-up
    hello()

    def timed():
        t = time.thread_time()
        epoch()
        return (samples / (time.thread_time() - t),)

    serve({"e": timed})


if __name__ == "__main__":
    main()
