#!/usr/bin/env python3
"""XOR with descent's trainer from Python: a learning-rate range test picks
the rate, a grid search compares schedules, then a run with early stopping
reports each epoch through a Python callback.

    PYTHONPATH=bindings/python DESCENT_LIB=build/libdescent.so.0 \
        /usr/bin/python3 bindings/python/examples/train_xor.py
"""

import sys

import descent

X = [[0, 0], [0, 1], [1, 0], [1, 1]]
LABELS = [0, 1, 1, 0]


def main():
    data = descent.Dataset(X, labels=LABELS, classes=2)
    model = descent.Sequential(descent.Linear(2, 16), descent.Tanh(), descent.Linear(16, 2))
    model.build(4).init("xavier_uniform", "zeros", seed=7)
    loss = descent.CrossEntropyLoss()
    opt = descent.Adam(model.parameters(), lr=1e-3)
    trainer = descent.Trainer(model, loss, opt, data, val=data, batch_size=2, seed=1)

    sweep = trainer.lr_range_test(1e-4, 10.0, steps=80)
    print("range test: %d steps, suggested lr %.3g" % (len(sweep.lrs), sweep.suggested))

    search = trainer.search("grid", lrs=[sweep.suggested, 3 * sweep.suggested],
                            schedules=["constant", "cosine"], epochs=30)
    for t in search.trials:
        print("  lr %.3g  %-12s val loss %.4f" % (t.lr, t.schedule.name.lower(), t.val_loss))
    best = search.best
    print("best: lr %.3g with %s" % (best.lr, best.schedule.name.lower()))

    opt.param_groups[0]["lr"] = best.lr

    def report(p):
        if p.epoch % 25 == 0:
            print("epoch %3d  train %.4f  val %.4f  accuracy %.2f" % (
                p.epoch, p.epoch_loss, p.val_loss, p.val_accuracy))

    trainer.set("patience", 30)
    trainer.set("min_delta", 1e-5)
    trainer.on_epoch(report)
    progress = trainer.fit(epochs=300)
    print("stopped after %d epochs (%s); best epoch %d" % (
        progress.epoch, progress.stop_reason.name.lower(), progress.best_epoch))
    value, accuracy = descent.evaluate(model, loss, data)
    print("final loss %.4f, accuracy %.2f" % (value, accuracy))
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
