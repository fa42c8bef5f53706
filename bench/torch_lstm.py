#!/usr/bin/python3
"""PyTorch side of bench/bench_lstm.c (run by it as a child process).

An LSTM sequence classifier: LSTM(F, H, batch_first=True) on T steps, the
last step, Linear(H, C); cross-entropy, SGD (lr 0.01), one training step =
forward, loss, backward, step, zero_grad on a batch of B sequences. The
data are fixed random tensors (the same shapes as bench_lstm.c's). One
thread (torch.set_num_threads(1)); times are this thread's CPU time
(time.thread_time), as bench_lstm.c measures descent.

Speaks the protocol of bench/torch_child.h (bench/torch_common.py):
    r  -> "r <samples/s>"   one timed round of `steps` training steps
    q  -> exit

Usage: torch_lstm.py T F H C B steps
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import hello, serve  # noqa: E402

torch.set_num_threads(1)


class Classifier(torch.nn.Module):
    def __init__(self, f, h, c):
        super().__init__()
        self.lstm = torch.nn.LSTM(f, h, batch_first=True)
        self.head = torch.nn.Linear(h, c)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def main():
    T, F, H, C, B, steps = (int(a) for a in sys.argv[1:7])
    torch.manual_seed(0)
    model = Classifier(F, H, C)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(B, T, F) * 2 - 1
    y = torch.randint(0, C, (B,))

    def step():
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()

    for _ in range(3):  # warm-up
        step()
    hello()

    def round_():
        t0 = time.thread_time()
        for _ in range(steps):
            step()
        return (steps * B / (time.thread_time() - t0),)

    serve({"r": round_})


if __name__ == "__main__":
    main()
