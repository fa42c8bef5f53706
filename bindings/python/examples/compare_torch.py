#!/usr/bin/env python3
"""The same optimizer and schedule in descent and, when torch is importable,
in PyTorch, step by step: the learning rates and the parameters agree.

    PYTHONPATH=bindings/python DESCENT_LIB=build/libdescent.so.0 \
        /usr/bin/python3 bindings/python/examples/compare_torch.py

PyTorch comes from Debian's python3-torch (tools/install-deps.sh bench).
Without it, descent's values are printed alone and the script says so.
Exit status: 1 if a value disagrees beyond float32 rounding.
"""

import argparse
import array
import sys
import warnings

import descent

try:
    import torch
    # torch 1.13's SequentialLR calls its children's step(epoch) and warns about it.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
except ImportError:
    torch = None

# The gradient of 0.5*sum(a_i * (p_i - c_i)^2): a fixed quadratic bowl, so both
# libraries see the same gradients at the same parameters.
A = [1.0, 0.5, 2.0, 0.25]
CENTRE = [1.0, -2.0, 0.5, 3.0]
INIT = [0.0, 0.0, 0.0, 0.0]

CONFIGS = {
    "sgd-onecycle": (
        lambda params: descent.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda opt: descent.OneCycleLR(opt, max_lr=0.5, total_steps=40),
        lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True,
                                       weight_decay=1e-3),
        lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=40),
        40),
    "adamw-warmup-cosine": (
        lambda params: descent.AdamW(params, lr=0.05, betas=(0.9, 0.99), weight_decay=0.01),
        lambda opt: descent.SequentialLR(opt, [descent.LinearLR(opt, start_factor=0.1, total_iters=5),
                                               descent.CosineAnnealingLR(opt, T_max=25)],
                                         milestones=[5]),
        lambda params: torch.optim.AdamW(params, lr=0.05, betas=(0.9, 0.99), weight_decay=0.01),
        lambda opt: torch.optim.lr_scheduler.SequentialLR(
            opt, [torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5),
                  torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=25)], milestones=[5]),
        30),
    "rmsprop-step": (
        lambda params: descent.RMSprop(params, lr=0.01, alpha=0.9, momentum=0.5, centered=True),
        lambda opt: descent.StepLR(opt, step_size=10, gamma=0.5),
        lambda params: torch.optim.RMSprop(params, lr=0.01, alpha=0.9, momentum=0.5, centered=True),
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5),
        30),
}


def grad(p):
    return [a * (x - c) for a, x, c in zip(A, p, CENTRE)]


def run_descent(make_opt, make_sched, steps):
    p = array.array("f", INIT)
    g = array.array("f", [0.0] * len(INIT))
    opt = make_opt([descent.Parameter(p, g)])   # torch: make_opt([p])
    sched = make_sched(opt)
    rows = []
    for _ in range(steps):
        lr = opt.param_groups[0]["lr"]
        g[:] = array.array("f", grad(p))
        opt.step()
        sched.step()
        rows.append((lr, list(p)))
    return rows


def run_torch(make_opt, make_sched, steps):
    p = torch.tensor(INIT, dtype=torch.float32, requires_grad=True)
    opt = make_opt([p])
    sched = make_sched(opt)
    rows = []
    for _ in range(steps):
        lr = opt.param_groups[0]["lr"]
        opt.zero_grad()
        p.grad = torch.tensor(grad(p.detach().tolist()), dtype=torch.float32)
        opt.step()
        sched.step()
        rows.append((lr, p.detach().tolist()))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", nargs="*", help="one of %s (default: all)" % ", ".join(sorted(CONFIGS)))
    ap.add_argument("--quiet", action="store_true", help="print only the summary lines")
    args = ap.parse_args()
    names = args.config or sorted(CONFIGS)
    for name in names:
        if name not in CONFIGS:
            ap.error("unknown config %r" % name)
    if torch is None:
        print("torch is not importable here: showing descent's values only "
              "(install Debian's python3-torch: tools/install-deps.sh bench)")
    worst_all = 0.0
    for name in names:
        mk_opt, mk_sched, mk_topt, mk_tsched, steps = CONFIGS[name]
        ours = run_descent(mk_opt, mk_sched, steps)
        theirs = run_torch(mk_topt, mk_tsched, steps) if torch is not None else None
        print("== %s (%d steps, descent %s, kernels %s%s)" % (
            name, steps, descent.lib_version(), descent.isa(),
            ", torch %s" % torch.__version__ if torch is not None else ""))
        if not args.quiet:
            print("%4s  %-12s %-12s  %s" % ("step", "lr descent", "lr torch", "parameters (descent / torch)"))
        worst = 0.0
        for t, (lr, p) in enumerate(ours):
            if theirs is None:
                if not args.quiet:
                    print("%4d  %-12.6g %-12s  %s" % (t, lr, "-", " ".join("%.6f" % v for v in p)))
                continue
            tlr, tp = theirs[t]
            scale = max(1.0, max(abs(v) for v in tp))
            err = max([abs(lr - tlr) / max(abs(tlr), 1e-12)] +
                      [abs(a - b) / scale for a, b in zip(p, tp)])
            worst = max(worst, err)
            if not args.quiet:
                print("%4d  %-12.6g %-12.6g  %s / %s" % (
                    t, lr, tlr, " ".join("%.6f" % v for v in p), " ".join("%.6f" % v for v in tp)))
        if theirs is not None:
            verdict = "agree" if worst <= 1e-4 else "DISAGREE"
            print("%s: learning rates and parameters %s (largest relative difference %.2e)"
                  % (name, verdict, worst))
            worst_all = max(worst_all, worst)
    if torch is not None and worst_all > 1e-4:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
