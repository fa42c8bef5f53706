#!/usr/bin/env python3
"""Fashion-MNIST with a small CNN from Python, the network of
examples/fashion_cnn.c: conv 3x3 (16) - ReLU - max pool 2 - conv 3x3 (32) -
ReLU - max pool 2 - flatten - dense 128 - ReLU - dense 10, Adam with a cosine decay, trained by
descent's trainer (the C loop), the test set as validation.

    PYTHONPATH=bindings/python DESCENT_LIB=build/libdescent.so.0 \\
        /usr/bin/python3 bindings/python/examples/fashion_cnn.py [--quick] [--epochs N] [--data DIR]

8 epochs reach over 90% test accuracy (README.md); --quick trains one epoch
on the first 12000 images with lr 0.003 (about 81%; target 75%). Exits 2 when the data set is absent
(install it with tools/install-deps.sh demo), 1 below the target.
"""

import argparse
import os
import sys

import descent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    files = [os.path.join(args.data, f) for f in (
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
    if not all(os.access(f, os.R_OK) for f in files):
        print("fashion_cnn.py: the Fashion-MNIST files are not in %s; install the Debian package "
              "with `tools/install-deps.sh demo` (dataset-fashion-mnist) or pass --data DIR"
              % args.data, file=sys.stderr)
        return 2
    train = descent.Dataset.load_idx(files[0], files[1])
    test = descent.Dataset.load_idx(files[2], files[3])
    epochs, target, lr = args.epochs, 0.90, 1e-3
    if args.quick:
        train, test = train.subset(range(12000)), test.subset(range(2000))
        epochs, target, lr = 1, 0.75, 3e-3
    train.scale(255.0)
    test.scale(255.0)

    model = descent.Sequential(
        descent.Conv2d(1, 16, 3, padding=1), descent.ReLU(), descent.MaxPool2d(2),
        descent.Conv2d(16, 32, 3, padding=1), descent.ReLU(), descent.MaxPool2d(2),
        descent.Flatten(), descent.Linear(32 * 7 * 7, 128), descent.ReLU(), descent.Linear(128, 10),
        input_shape=(1, 28, 28))
    model.build(64).init(seed=1)
    opt = descent.Adam(model.parameters(), lr=lr)
    steps = (len(train) + 63) // 64 * epochs
    sched = descent.CosineAnnealingLR(opt, T_max=steps)

    def report(p):
        print("epoch %d  train loss %.4f  test loss %.4f  test accuracy %.2f%%"
              % (p.epoch, p.epoch_loss, p.val_loss, 100 * p.val_accuracy), flush=True)

    trainer = descent.Trainer(model, descent.CrossEntropyLoss(), opt, train, val=test,
                              scheduler=sched, on_epoch=report, batch_size=64, seed=1,
                              sched_stepping="iteration")
    trainer.fit(epochs=epochs)
    acc = trainer.progress.val_accuracy
    print("final test accuracy %.2f%% (target %.0f%%: %s)"
          % (100 * acc, 100 * target, "reached" if acc >= target else "NOT reached"))
    return 0 if acc >= target else 1


if __name__ == "__main__":
    sys.exit(main())
