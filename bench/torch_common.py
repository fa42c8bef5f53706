#!/usr/bin/python3
"""What the PyTorch sides of the benchmarks share: Fashion-MNIST loading, the
name of the OpenBLAS core torch loaded, and the line protocol of
bench/torch_child.h:

    the child prints "torch <version> blas_core <core>" once, then answers
    each command line "<name> [args]" from stdin with one line
    "<name> <v1> [<v2> ...]"; "q" (or end of input) ends it.
"""
import gzip
import os
import sys

import numpy as np
import torch


def load_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion(data_dir, quick):
    """Fashion-MNIST's training set in [0, 1], or random data of its shape."""
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


def blas_core():
    """The OpenBLAS core type this process loaded (with torch), or "?"."""
    import ctypes
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            f = ctypes.CDLL(lib).openblas_get_corename
            f.restype = ctypes.c_char_p
            return f().decode()
        except (OSError, AttributeError):
            pass
    return "?"


def hello():
    print("torch", torch.__version__, "blas_core", blas_core(), flush=True)


def serve(handlers):
    """Answers commands from stdin: handlers maps a name to a function of the
    command's arguments (strings) returning a tuple of numbers."""
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] not in handlers:
            break
        values = handlers[words[0]](*words[1:])
        print(words[0], " ".join("%.6g" % v for v in values), flush=True)
