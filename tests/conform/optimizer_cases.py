#!/usr/bin/env python3
"""Random `kind optimizer` cases for descent-conform, from an independent
float64 re-derivation of torch.optim (1.13 single-tensor paths; NAdam with
the >= 2.0 formula of pytorch#92699, as lib/optim/nadam.c).

The reference cases use one set of hyperparameters each. This writes cases
with random hyperparameters, flags (maximize, nesterov, centered,
amsgrad...), clipping, sizes and step counts in the `descent-ref 1` format
(tests/conform/ref.h), after checking that the re-derivation reproduces
every reference optimizer case to 1e-12 (validate).

    optimizer_cases.py validate CASES_DIR
    optimizer_cases.py generate OUT_DIR SEED COUNT     (COUNT cases per optimizer)
"""
import glob
import math
import os
import random
import sys


def sgd(p, gs, hp):
    buf = None; out = []
    for g in gs:
        g = [-x for x in g] if hp['maximize'] else list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        if hp['momentum']:
            if buf is None: buf = list(g)
            else: buf = [hp['momentum'] * b + (1 - hp['dampening']) * gi for b, gi in zip(buf, g)]
            g = [gi + hp['momentum'] * b for gi, b in zip(g, buf)] if hp['nesterov'] else list(buf)
        p = [pi - hp['lr'] * gi for pi, gi in zip(p, g)]
        out.append(p)
    return out

def adagrad(p, gs, hp):
    s = [hp['initial_accumulator_value']] * len(p); out = []
    for t, g in enumerate(gs, 1):
        g = [-x for x in g] if hp['maximize'] else list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        clr = hp['lr'] / (1 + (t - 1) * hp['lr_decay'])
        s = [si + gi * gi for si, gi in zip(s, g)]
        p = [pi - clr * gi / (math.sqrt(si) + hp['eps']) for pi, gi, si in zip(p, g, s)]
        out.append(p)
    return out

def rmsprop(p, gs, hp):
    n = len(p); v = [0.0] * n; ga = [0.0] * n; b = [0.0] * n; out = []
    a = hp['alpha']
    for g in gs:
        g = [-x for x in g] if hp['maximize'] else list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        v = [a * vi + (1 - a) * gi * gi for vi, gi in zip(v, g)]
        if hp['centered']:
            ga = [a * x + (1 - a) * gi for x, gi in zip(ga, g)]
            d = [math.sqrt(vi - x * x) + hp['eps'] for vi, x in zip(v, ga)]
        else:
            d = [math.sqrt(vi) + hp['eps'] for vi in v]
        if hp['momentum'] > 0:
            b = [hp['momentum'] * bi + gi / di for bi, gi, di in zip(b, g, d)]
            p = [pi - hp['lr'] * bi for pi, bi in zip(p, b)]
        else:
            p = [pi - hp['lr'] * gi / di for pi, gi, di in zip(p, g, d)]
        out.append(p)
    return out

def adam(p, gs, hp, decoupled=False):
    n = len(p); m = [0.0] * n; v = [0.0] * n; vm = [0.0] * n; out = []
    b1, b2 = hp['beta1'], hp['beta2']
    for t, g in enumerate(gs, 1):
        g = [-x for x in g] if hp['maximize'] else list(g)
        if decoupled: p = [pi * (1 - hp['lr'] * hp['weight_decay']) for pi in p]
        elif hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        bc1 = 1 - b1 ** t; bc2 = 1 - b2 ** t
        if hp['amsgrad']:
            vm = [max(a, b) for a, b in zip(vm, v)]; w = vm
        else: w = v
        p = [pi - hp['lr'] / bc1 * mi / (math.sqrt(wi) / math.sqrt(bc2) + hp['eps'])
             for pi, mi, wi in zip(p, m, w)]
        out.append(p)
    return out

def adamw(p, gs, hp): return adam(p, gs, hp, True)

def adadelta(p, gs, hp):
    n = len(p); v = [0.0] * n; u = [0.0] * n; out = []; r = hp['rho']; e = hp['eps']
    for g in gs:
        g = [-x for x in g] if hp['maximize'] else list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        v = [r * vi + (1 - r) * gi * gi for vi, gi in zip(v, g)]
        d = [math.sqrt(ui + e) / math.sqrt(vi + e) * gi for ui, vi, gi in zip(u, v, g)]
        u = [r * ui + (1 - r) * di * di for ui, di in zip(u, d)]
        p = [pi - hp['lr'] * di for pi, di in zip(p, d)]
        out.append(p)
    return out

def adamax(p, gs, hp):
    n = len(p); m = [0.0] * n; u = [0.0] * n; out = []; b1, b2 = hp['beta1'], hp['beta2']
    for t, g in enumerate(gs, 1):
        g = [-x for x in g] if hp['maximize'] else list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        u = [max(b2 * ui, abs(gi) + hp['eps']) for ui, gi in zip(u, g)]
        clr = hp['lr'] / (1 - b1 ** t)
        p = [pi - clr * mi / ui for pi, mi, ui in zip(p, m, u)]
        out.append(p)
    return out

def nadam(p, gs, hp):
    n = len(p); m = [0.0] * n; v = [0.0] * n; out = []; prod = 1.0
    b1, b2 = hp['beta1'], hp['beta2']
    for t, g in enumerate(gs, 1):
        g = list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        mu = b1 * (1 - 0.5 * 0.96 ** (t * hp['momentum_decay']))
        mun = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * hp['momentum_decay']))
        prod *= mu
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        d = [math.sqrt(vi / (1 - b2 ** t)) + hp['eps'] for vi in v]
        p = [pi - hp['lr'] * (1 - mu) / (1 - prod) * gi / di
             - hp['lr'] * mun / (1 - prod * mun) * mi / di
             for pi, gi, mi, di in zip(p, g, m, d)]
        out.append(p)
    return out

def radam(p, gs, hp):
    n = len(p); m = [0.0] * n; v = [0.0] * n; out = []; b1, b2 = hp['beta1'], hp['beta2']
    rinf = 2 / (1 - b2) - 1
    for t, g in enumerate(gs, 1):
        g = list(g)
        if hp['weight_decay']: g = [gi + hp['weight_decay'] * pi for gi, pi in zip(g, p)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        bc1 = 1 - b1 ** t; bc2 = 1 - b2 ** t
        rt = rinf - 2 * t * b2 ** t / bc2
        if rt > 5:
            r = math.sqrt((rt - 4) * (rt - 2) * rinf / ((rinf - 4) * (rinf - 2) * rt))
            p = [pi - mi / bc1 * hp['lr'] * math.sqrt(bc2) / (math.sqrt(vi) + hp['eps']) * r
                 for pi, mi, vi in zip(p, m, v)]
        else:
            p = [pi - mi / bc1 * hp['lr'] for pi, mi in zip(p, m)]
        out.append(p)
    return out

def rprop(p, gs, hp):
    n = len(p); prev = [0.0] * n; step = [hp['lr']] * n; out = []
    lo, hi = hp['step_size_min'], hp['step_size_max']
    for g in gs:
        g = [-x for x in g] if hp['maximize'] else list(g)
        s = [(gi * qi > 0) - (gi * qi < 0) for gi, qi in zip(g, prev)]
        f = [hp['etaplus'] if si > 0 else hp['etaminus'] if si < 0 else 1.0 for si in s]
        step = [min(max(st * fi, lo), hi) for st, fi in zip(step, f)]
        g = [0.0 if si < 0 else gi for si, gi in zip(s, g)]
        p = [pi - ((gi > 0) - (gi < 0)) * st for pi, gi, st in zip(p, g, step)]
        prev = g
        out.append(p)
    return out

def rb():
    return random.choice([0, 1])


def rwd():
    return random.choice([0.0, 0.0, random.uniform(1e-3, 0.2)])


def betas(hp):
    hp['beta1'] = random.choice([0.9, random.uniform(0.0, 0.99)])
    hp['beta2'] = random.choice([0.999, random.uniform(0.5, 0.9999)])


def adam_family(hp):
    hp['lr'] = random.uniform(0.001, 0.1)
    betas(hp)
    hp['eps'] = random.choice([1e-8, 1e-3])


def make(name):
    """Random hyperparameters, flags, clipping, size and steps for one case."""
    hp = {}
    if name == 'SGD':
        hp.update(lr=random.uniform(0.001, 0.3),
                  momentum=random.choice([0.0, random.uniform(0.1, 0.99)]),
                  weight_decay=rwd(), maximize=rb())
        hp['nesterov'] = rb() if hp['momentum'] > 0 else 0
        hp['dampening'] = 0.0 if hp['nesterov'] else random.choice([0.0, random.uniform(0, 1)])
    elif name == 'Adagrad':
        hp.update(lr=random.uniform(0.01, 0.5),
                  lr_decay=random.choice([0.0, random.uniform(0, 0.3)]), weight_decay=rwd(),
                  initial_accumulator_value=random.choice([0.0, random.uniform(0, 1)]),
                  eps=random.choice([1e-10, 1e-6]), maximize=rb())
    elif name == 'RMSprop':
        hp.update(lr=random.uniform(0.001, 0.05), alpha=random.uniform(0.5, 0.999),
                  eps=random.choice([1e-8, 1e-4]), weight_decay=rwd(),
                  momentum=random.choice([0.0, random.uniform(0.1, 0.95)]), centered=rb(),
                  maximize=rb())
    elif name in ('Adam', 'AdamW'):
        adam_family(hp)
        wd = rwd() if name == 'Adam' else random.choice([0.01, random.uniform(0, 0.3)])
        hp.update(weight_decay=wd, amsgrad=rb(), maximize=rb())
    elif name == 'Adadelta':
        hp.update(lr=random.choice([1.0, random.uniform(0.1, 2)]), rho=random.uniform(0.5, 0.99),
                  eps=random.choice([1e-6, 1e-3]), weight_decay=rwd(), maximize=rb())
    elif name == 'Adamax':
        adam_family(hp)
        hp.update(weight_decay=rwd(), maximize=rb())
    elif name == 'NAdam':
        adam_family(hp)
        hp.update(weight_decay=rwd(), momentum_decay=random.choice([4e-3, random.uniform(0, 0.05)]))
    elif name == 'Rprop':
        # lr above step_size_max now and then (clamped from the first step)
        hp.update(lr=random.choice([0.01, random.uniform(1e-3, 0.3)]),
                  etaminus=random.choice([0.5, random.uniform(0.05, 0.95)]),
                  etaplus=random.choice([1.2, random.uniform(1.05, 3.0)]),
                  step_size_min=random.choice([1e-6, random.uniform(0, 0.02)]),
                  step_size_max=random.choice([50.0, random.uniform(0.02, 0.5)]), maximize=rb())
    else:
        adam_family(hp)
        hp.update(weight_decay=rwd())
    clip = random.choice([None, None, 'clip_norm', 'clip_value'])
    cval = random.uniform(0.1, 3.0)
    n = random.randint(1, 40)
    steps = random.randint(1, 30)
    p0 = [random.uniform(-2, 2) for _ in range(n)]
    graw = [[random.uniform(-1.5, 1.5) if random.random() > 0.1 else 0.0 for _ in range(n)]
            for _ in range(steps)]
    clip_hp = {clip: cval} if clip else {}
    exp = FUNCS[name](p0, [clip_grad(g, clip_hp) for g in graw], hp)
    return hp, clip, cval, n, steps, p0, graw, exp


NAMES = ['SGD', 'Adagrad', 'RMSprop', 'Adam', 'AdamW', 'Adadelta', 'Adamax', 'NAdam', 'RAdam',
         'Rprop']
FUNCS = {'SGD': sgd, 'Adagrad': adagrad, 'RMSprop': rmsprop, 'Adam': adam, 'AdamW': adamw,
         'Adadelta': adadelta, 'Adamax': adamax, 'NAdam': nadam, 'RAdam': radam, 'Rprop': rprop}


def validate(cases):
    """Replays every public optimizer case (without a scheduler); returns the worst error."""
    worst = 0.0
    paths = [p for p in sorted(glob.glob(os.path.join(cases, 'optimizer-*.ref')))
             if 'sched_type' not in open(p).read()]
    for path in paths:
        hp, grads, exp, name, p0 = {}, {}, {}, None, None
        for line in open(path):
            t = line.split()
            if not t or t[0].startswith('#'):
                continue
            if t[0] == 'name':
                name = t[1]
            elif t[0] == 'param':
                hp[t[1]] = float(t[2])
            elif t[0] == 'init':
                p0 = [float(x) for x in t[1:]]
            elif t[0] == 'grad':
                grads[int(t[1])] = [float(x) for x in t[2:]]
            elif t[0] == 'expect':
                exp[int(t[1])] = [float(x) for x in t[2:]]
        hp.setdefault('maximize', 0)
        gs = [clip_grad(grads[k], hp) for k in range(len(grads))]
        out = FUNCS[name](p0, gs, hp)
        scale = max(abs(v) for t in exp.values() for v in t)
        err = max(abs(a - b) for t in range(len(out)) for a, b in zip(out[t], exp[t])) / scale
        worst = max(worst, err)
    return worst, len(paths)


def clip_grad(g, hp):
    if 'clip_norm' in hp:
        s = hp['clip_norm'] / (math.sqrt(sum(x * x for x in g)) + 1e-6)
        if s < 1:
            g = [x * s for x in g]
    if 'clip_value' in hp:
        c = hp['clip_value']
        g = [min(max(x, -c), c) for x in g]
    return g


def generate(out_dir, count):
    os.makedirs(out_dir, exist_ok=True)
    for k in range(count):
        for name in NAMES:
            hp, clip, cval, n, steps, p0, graw, exp = make(name)
            with open(os.path.join(out_dir, f'optimizer-{name}-random{k}.ref'), 'w') as fh:
                w = fh.write
                w(f'descent-ref 1\nkind optimizer\nname {name}\nvariant random{k}\n')
                for key, v in hp.items():
                    w(f'param {key} {v!r}\n')
                if clip:
                    w(f'param {clip} {cval!r}\n')
                w(f'size {n}\nsteps {steps}\ninit ' + ' '.join(repr(x) for x in p0) + '\n')
                for t in range(steps):
                    w(f'grad {t} ' + ' '.join(repr(x) for x in graw[t]) + '\n')
                for t in range(steps):
                    w(f'expect {t} ' + ' '.join(repr(x) for x in exp[t]) + '\n')


def main(argv):
    if len(argv) == 2 and argv[0] == 'validate':
        worst, count = validate(argv[1])
        print(f'{count} public optimizer cases replayed, worst error {worst:.3g} x scale')
        return 0 if count > 0 and worst <= 1e-12 else 1
    if len(argv) == 4 and argv[0] == 'generate':
        random.seed(int(argv[2]))
        generate(argv[1], int(argv[3]))
        return 0
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
