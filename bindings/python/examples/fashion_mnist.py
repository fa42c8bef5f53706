#!/usr/bin/env python3
"""Fashion-MNIST end to end from Python: the binding's IDX reader, an MLP
784-128-10 trained by descent's trainer with SGD (momentum) and a one-cycle
schedule stepped every batch, the loss and learning rate of every step
plotted with matplotlib when it is installed (else written as CSV), the test
accuracy, and the model saved as safetensors with PyTorch's names.

    PYTHONPATH=bindings/python DESCENT_LIB=build/libdescent.so.0 \\
        /usr/bin/python3 bindings/python/examples/fashion_mnist.py [--epochs 5] [--limit N]

The data set is Debian's dataset-fashion-mnist (tools/install-deps.sh demo),
in /usr/share/datasets/fashion-mnist; --data DIR reads another directory
holding the four *-idx?-ubyte.gz files. Exit status 2 when they are missing.
"""

import argparse
import csv
import os
import sys

import descent

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images")
    ap.add_argument("--out", default=".", help="where the plot (or CSV) and the model go")
    args = ap.parse_args()

    paths = [os.path.join(args.data, f) for f in FILES]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print("fashion_mnist.py: %s is missing; install Debian's dataset-fashion-mnist "
              "(tools/install-deps.sh demo, as root) or pass --data DIR" % missing[0])
        return 2

    # The IDX reader (dsc_dataset_load_idx): gzip handled, pixels 0..255 scaled to [0, 1].
    full = descent.Dataset.load_idx(paths[0], paths[1], classes=10)
    test = descent.Dataset.load_idx(paths[2], paths[3], classes=10)
    if args.limit:
        full = full.subset(range(min(args.limit, len(full))))
    full.scale(255.0)
    test.scale(255.0)
    train, val = full.split(0.1, seed=1)
    print("train %d, validation %d, test %d images of %d pixels"
          % (len(train), len(val), len(test), train.features))

    model = descent.Sequential(descent.Linear(784, 128), descent.ReLU(), descent.Linear(128, 10))
    model.build(64).init("kaiming_uniform", "zeros", seed=3)
    loss = descent.CrossEntropyLoss()
    opt = descent.SGD(model.parameters(), lr=0.1, momentum=0.9)
    batch = 64
    steps_per_epoch = -(-len(train) // batch)
    sched = descent.OneCycleLR(opt, max_lr=0.2, epochs=args.epochs,
                               steps_per_epoch=steps_per_epoch)

    history = []   # (step, lr, batch loss)

    def on_step(p):
        history.append((p.step, p.lr, p.loss))

    def on_epoch(p):
        print("epoch %d  train %.4f  val %.4f  val accuracy %.3f  lr %.4f"
              % (p.epoch, p.epoch_loss, p.val_loss, p.val_accuracy, p.lr))

    trainer = descent.Trainer(model, loss, opt, train, val=val, scheduler=sched,
                              sched_stepping="iteration", batch_size=batch, seed=2,
                              on_step=on_step, on_epoch=on_epoch)
    trainer.fit(epochs=args.epochs)
    value, accuracy = descent.evaluate(model, loss, test)
    print("test loss %.4f, test accuracy %.3f" % (value, accuracy))

    os.makedirs(args.out, exist_ok=True)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = os.path.join(args.out, "fashion_mnist_history.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["step", "lr", "loss"])
            w.writerows(history)
        print("matplotlib is not installed; wrote the loss and lr of every step to %s" % path)
    else:
        steps, lrs, losses = zip(*history)
        fig, (a, b) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
        a.plot(steps, losses, lw=0.5)
        a.set_ylabel("batch loss")
        b.plot(steps, lrs)
        b.set_ylabel("learning rate (one-cycle)")
        b.set_xlabel("step")
        path = os.path.join(args.out, "fashion_mnist_history.png")
        fig.savefig(path, dpi=100)
        print("plotted the loss and lr of every step in %s" % path)

    path = os.path.join(args.out, "fashion_mnist_mlp.safetensors")
    model.save(path)
    again = descent.load_model(path)
    print("saved %s; reloaded test accuracy %.3f" % (path, descent.evaluate(again, loss, test)[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
