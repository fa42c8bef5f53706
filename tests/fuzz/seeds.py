#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<name>/).

    python3 tests/fuzz/seeds.py [CORPUS_DIR]     (default: tests/fuzz/corpus)

Each seed is a real, valid input where the target reads one (tiny IDX files
raw and gzipped, CSV files, saved scheduler and optimizer states), wrapped
in the bytes each target reads first (see the comment at the top of each
tests/fuzz/fuzz_*.c). The builders below mirror how the targets and
tests/fuzz/objects.h consume bytes: fz_pick(n) is one byte modulo n, and a
value is one byte choosing an edge value or 0xff followed by its raw bits.
Deterministic: gzip members carry mtime 0. Inputs that libFuzzer finds and
that are worth keeping (crashes fixed since) are added by hand next to these
and are not written by this script.
"""
import gzip
import math
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


# ---- IDX: [flags][classes-1][images length, u16 LE][images][labels] ----

def idx_images(pixels, count, rows, cols):
    assert len(pixels) == count * rows * cols
    return struct.pack('>IIII', 0x803, count, rows, cols) + bytes(pixels)


def idx_labels(labels):
    return struct.pack('>II', 0x801, len(labels)) + bytes(labels)


def idx_seed(flags, classes, images, labels):
    assert len(images) < 65536
    return bytes([flags, classes - 1]) + struct.pack('<H', len(images)) + images + labels


def idx_seeds():
    img = idx_images([0, 255, 128, 1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 251, 252, 253, 254, 255], 3, 2, 3)
    lab = idx_labels([0, 1, 2])
    write('idx', 'raw-3x2x3', idx_seed(0, 3, img, lab))
    write('idx', 'target-gzips-both', idx_seed(3, 3, img, lab))
    write('idx', 'gzip-files', idx_seed(0, 3, gz(img), gz(lab)))
    write('idx', 'gzip-images-raw-labels', idx_seed(0, 10, gz(img), lab))
    # Two gzip members, concatenated (RFC 1952 allows it; gunzip reads both).
    write('idx', 'gzip-two-members', idx_seed(0, 3, gz(img[:10]) + gz(img[10:]), lab))
    # One MNIST-shaped image, 28x28, label 9 of 10.
    digit = [(r * 28 + c) * 7 % 256 if 8 <= r < 20 and 10 <= c < 18 else 0 for r in range(28) for c in range(28)]
    write('idx', 'mnist-1x28x28', idx_seed(1, 10, idx_images(digit, 1, 28, 28), idx_labels([9])))
    # Refused: a label file given as images, a truncated image file, a label out of range.
    write('idx', 'bad-swapped', idx_seed(0, 3, lab, img))
    write('idx', 'bad-truncated', idx_seed(0, 3, img[:-1], lab))
    write('idx', 'bad-label', idx_seed(0, 2, img, lab))


# ---- CSV: [classes byte][target byte][file] ----
# classes byte < 0x80: float target; else (b & 31) + 1 classes. Target byte
# with bit 7: the name names[b % 8] (fuzz_csv.c); else the index b & 0x7f.
NAMES = ["y", "label", "target", "x", "a b", "\"y\"", "", "price"]


def csv_seed(classes, target, text):
    c = 0 if classes == 0 else 0x80 | (classes - 1)
    t = 0x80 | NAMES.index(target) if isinstance(target, str) else target
    return bytes([c, t]) + text.encode('latin-1')


def csv_seeds():
    write('csv', 'regression', csv_seed(0, 'y', "x1,x2,y\n1,2,3\n4.5,-1e3,0.25\n-0.0,7,8\n"))
    write('csv', 'classes', csv_seed(3, 2, "a,b,label\n0.1,0.2,0\n1,1,2\n3,-3,1\n"))
    write('csv', 'crlf-bom-quotes', csv_seed(0, 'y', "\ufeff\"x\",\"y\"\r\n\"1\",\"2\"\r\n\r\n3,4\r\n".encode('utf-8').decode('latin-1')))
    write('csv', 'spaces-exponents', csv_seed(2, 'label', "x , label, z\n 1e-3 ,1,\t2.5e+2\n+4, 0 ,0x10\n"))
    write('csv', 'target-first', csv_seed(0, 0, "price,size,rooms\n250000,80.5,3\n199999.99,61,2\n"))
    write('csv', 'name-price', csv_seed(0, 'price', "size,price\n1,2\n"))
    write('csv', 'bad-fields', csv_seed(0, 1, "a,b\n1,2\n3\n"))
    write('csv', 'bad-nan', csv_seed(0, 1, "a,b\n1,nan\n"))


# ---- values as the targets read them ----

def raw_double(x):
    """fz_double: 0xff then the 8 bytes of x."""
    return b'\xff' + struct.pack('<d', x)


def raw_float(x):
    """fz_float: 0xff then the 4 bytes of x."""
    return b'\xff' + struct.pack('<f', x)


# objects.h: fz_make_optimizer
SGD, ADAGRAD, RMSPROP, ADAM, ADAMW, ADADELTA, ADAMAX, NADAM, RADAM, RPROP = range(1, 11)


def optimizer(kind, sizes, momentum=False):
    b = bytes([kind - 1, len(sizes) - 1]) + bytes(n - 1 for n in sizes)
    if kind in (SGD, RMSPROP):
        b += bytes([1 if momentum else 0])
    return b + bytes([0])  # no extra settings


# objects.h: fz_make_sched (kinds of dsc_lr_scheduler_kind)
(CONSTANT, CONSTANT_LR, STEP, MULTI_STEP, EXPONENTIAL, POLYNOMIAL, LINEAR, COSINE, WARM, CYCLIC, ONE_CYCLE,
 PLATEAU, LAMBDA, MULTIPLICATIVE, SEQUENTIAL, CHAINED, INVERSE_TIME) = range(1, 18)
PICKS = {STEP: 1, MULTI_STEP: 2, EXPONENTIAL: 1, COSINE: 1, WARM: 2, CYCLIC: 3, ONE_CYCLE: 3, LAMBDA: 1,
         MULTIPLICATIVE: 1, INVERSE_TIME: 1, PLATEAU: 2}


def sched(kind, picks=None, children=(), milestones=()):
    picks = list(picks) if picks is not None else [1] * PICKS.get(kind, 0)
    b = bytes([kind - 1]) + bytes(picks)
    if kind in (SEQUENTIAL, CHAINED):
        b += bytes([len(children) - 1]) + b''.join(children)
        if kind == SEQUENTIAL:
            b += bytes(milestones)
    return b + bytes([0])  # no extra settings


def steps(n, metrics=None):
    """n steps (n < 8), each without a metric, or with metrics[i]."""
    b = bytes([n])
    for i in range(n):
        b += bytes([0]) if metrics is None else b'\x01' + raw_double(metrics[i])
    return b


MAGIC = 1685283693.0


def block(kind, groups, children, started, t, vars_, base, cur, mom, mom_key=0):
    return [MAGIC, 2.0, float(kind), float(groups), float(children), float(started), float(mom_key), float(t)] + \
        list(vars_) + list(base) + list(cur) + list(mom)


def sched_state_seeds():
    # The source's state as saved (mode 3), after some steps, for several kinds.
    cases = {
        'step-saved': (optimizer(SGD, [3]), sched(STEP, [1]), steps(5), steps(0)),
        'cyclic-momentum-saved': (optimizer(SGD, [2, 3], momentum=True), sched(CYCLIC, [2, 0, 1]), steps(4), steps(1)),
        'onecycle-adam-saved': (optimizer(ADAM, [4]), sched(ONE_CYCLE, [6, 1, 1]), steps(7), steps(0)),
        'warm-restarts-saved': (optimizer(RMSPROP, [2]), sched(WARM, [1, 1]), steps(6), steps(2)),
        'plateau-saved': (optimizer(ADAGRAD, [1, 1, 1]), sched(PLATEAU, [0, 1]), steps(5, [1.0, 0.5, 0.5, 0.6, math.inf]), steps(0)),
        'sequential-saved': (optimizer(ADAMW, [2]),
                             sched(SEQUENTIAL, children=[sched(LINEAR), sched(EXPONENTIAL, [2]), sched(COSINE, [3])],
                                   milestones=[1, 2]), steps(5), steps(0)),
        'chained-saved': (optimizer(NADAM, [2, 2]),
                          sched(CHAINED, children=[sched(STEP, [0]), sched(MULTI_STEP, [1, 2])]), steps(7), steps(3)),
        'lambda-saved': (optimizer(RADAM, [5]), sched(LAMBDA, [0]), steps(3), steps(0)),
    }
    for name, (opt, sch, src_steps, dst_steps) in cases.items():
        write('sched_state', name, opt + sch + src_steps + dst_steps + bytes([3]) + steps(2))
    # Saved states written out as raw doubles (mode 2): a started StepLR and a
    # started SequentialLR(LinearLR, ExponentialLR) with its children.
    opt = optimizer(SGD, [2])
    st = block(STEP, 1, 0, 1, 5, [], [0.001], [0.0001], [0.0])
    write('sched_state', 'step-raw-state', opt + sched(STEP, [1]) + steps(0) + steps(0) + bytes([2]) +
          b''.join(raw_double(x) for x in st) + steps(1))
    seq = sched(SEQUENTIAL, children=[sched(LINEAR), sched(EXPONENTIAL, [2])], milestones=[2])
    st = (block(SEQUENTIAL, 1, 2, 1, 3, [], [0.001], [0.0007], [0.0]) +
          block(LINEAR, 1, 0, 1, 2, [], [0.001], [0.001], [0.0]) +
          block(EXPONENTIAL, 1, 0, 1, 1, [], [0.001], [0.0007], [0.0]))
    write('sched_state', 'sequential-raw-state', opt + seq + steps(0) + steps(0) + bytes([2]) +
          b''.join(raw_double(x) for x in st) + steps(2))
    # Plateau with best = -inf (mode max) and counters, not started: refused or accepted by its rules.
    st = block(PLATEAU, 1, 0, 0, -1, [-math.inf, 2.0, 1.0], [0.0], [0.0], [0.0])
    write('sched_state', 'plateau-raw-unstarted', opt + sched(PLATEAU, [0, 1]) + steps(0) + steps(0) + bytes([2]) +
          b''.join(raw_double(x) for x in st) + steps(0))
    # Patched (mode 0): a bad magic, a NaN lr.
    write('sched_state', 'patched-magic', opt + sched(STEP, [1]) + steps(2) + steps(0) + bytes([0, 0, 0]) + raw_double(1.0) + steps(1))
    write('sched_state', 'patched-lr-nan', opt + sched(STEP, [1]) + steps(2) + steps(0) + bytes([0, 0, 9]) + bytes([22]) + steps(1))


def adam_state(p, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    for t, g in enumerate(grads, 1):
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        mh = [mi / (1 - b1 ** t) for mi in m]
        vh = [vi / (1 - b2 ** t) for vi in v]
        p = [pi - lr * a / (math.sqrt(b) + eps) for pi, a, b in zip(p, mh, vh)]
    return p, m, v


def optim_state_seeds():
    # Restoring a checkpoint the way the API asks: hyperparameters, the state
    # buffers in use, the step counts; then steps. Operations (fuzz_optim_state.c):
    # byte op, byte group, then per operation its arguments.
    def state_set(group, index, values):
        return bytes([0, group, index, 0]) + b''.join(raw_float(v) for v in values) + raw_float(0.0) * (9 - len(values))

    def step_count(group, n):
        return bytes([1, group, 0xff]) + struct.pack('<Q', n)

    def group_set(group, key_index, value):
        return bytes([2, group, key_index]) + raw_double(value)

    def step(group_sizes, grads):
        return bytes([4, 0]) + b''.join(raw_float(g) for g in grads)

    p0 = [0.25, 0.5, 0.75]
    grads = [[0.1, -0.2, 0.3], [0.05, 0.0, -0.1], [0.2, 0.2, 0.2]]
    _, m, v = adam_state([0.0] * 3, grads)
    seed = optimizer(ADAM, [3]) + group_set(0, 0, 0.01) + state_set(0, 0, m) + state_set(0, 1, v) + \
        step_count(0, 3) + step([3], [0.1, 0.1, 0.1]) + bytes([6, 0])
    write('optim_state', 'adam-checkpoint', seed)
    # SGD with momentum: momentum_buffer restored, then steps.
    seed = optimizer(SGD, [2, 3], momentum=True) + state_set(0, 0, [0.5, -0.5]) + state_set(1, 0, [0.1, 0.2, 0.3]) + \
        step_count(0, 10) + step_count(1, 10) + step([2, 3], [0.1, 0.2, 0.1, 0.2, 0.3]) + bytes([6, 1])
    write('optim_state', 'sgd-momentum-checkpoint', seed)
    # RMSprop centered with momentum: all three buffers.
    seed = optimizer(RMSPROP, [2], momentum=True) + group_set(0, 15, 1.0) + state_set(0, 0, [0.01, 0.02]) + \
        state_set(0, 1, [0.001, -0.002]) + state_set(0, 2, [0.1, 0.1]) + step_count(0, 4) + step([2], [1.0, -1.0])
    write('optim_state', 'rmsprop-centered-checkpoint', seed)
    # NAdam: mu_product (key index 13) and the counters.
    seed = optimizer(NADAM, [2]) + group_set(0, 13, 0.5) + state_set(0, 0, [0.1, 0.1]) + state_set(0, 1, [0.01, 0.01]) + \
        step_count(0, 7) + step([2], [0.3, 0.3]) + bytes([5, 0])
    write('optim_state', 'nadam-checkpoint', seed)
    # Adagrad: initial accumulator before any step, reset, round trip.
    seed = optimizer(ADAGRAD, [1, 2, 3]) + group_set(1, 17, 0.1) + step([1, 2, 3], [1, 2, 3, 4, 5, 6]) + bytes([6, 0, 5, 0])
    write('optim_state', 'adagrad-round-trip', seed)
    # Rprop: etaminus (key index 22), step sizes restored before any step,
    # then prev and a count, steps with sign changes, a round trip.
    seed = optimizer(RPROP, [3]) + group_set(0, 22, 0.3) + state_set(0, 1, [0.125, 1.0, 40.0]) + \
        step([3], [0.5, -0.5, 0.0]) + state_set(0, 0, [-1.0, 0.0, 2.0]) + step_count(0, 9) + \
        step([3], [0.5, 0.25, -1.0]) + bytes([6, 0, 5, 0]) + step([3], [1.0, 1.0, 1.0])
    write('optim_state', 'rprop-checkpoint', seed)
    # The edges of defect 3: a huge step count, NaN state, DBL_MAX lr.
    seed = optimizer(ADAM, [2]) + step_count(0, 2**64 - 1) + step([2], [0.1, 0.1]) + \
        state_set(0, 0, [math.nan, 1.0]) + group_set(0, 0, sys.float_info.max) + step([2], [1.0, 1.0])
    write('optim_state', 'edges', seed)


def api_seeds():
    # fuzz_api.c: model (inputs, layers, each layer's kind and arguments, the
    # last dense width, max batch), loss kind, data, optimizer kind, an
    # optional host group, the optimizer settings, an optional scheduler;
    # then operations. Each operation reads: op, group, value, optimizer key,
    # scheduler key, then its own arguments.
    def model(inputs, layers, last_width, max_batch):
        return bytes([inputs - 1, len(layers) - 1]) + b''.join(layers) + bytes([last_width - 1, max_batch - 1])

    def dense(out, bias=1):
        return bytes([0, out - 1, bias])

    def act(a):
        return bytes([2, a])

    def drop(p_index):
        return bytes([4, p_index, 7])

    def data(rows, inputs, outputs, labels=None):
        b = bytes([rows - 1])
        b += b''.join(bytes([0x80 + 8 * ((i * 5) % 7)]) for i in range(rows * inputs))  # fz_float: 0..3
        b += b''.join(bytes([0x80 + 4 * (i % 9)]) for i in range(rows * outputs))
        return b + bytes((labels or [0] * rows)[:rows])

    def opt(kind, host_n=None, momentum=False, schedule=None):
        b = bytes([kind - 1]) + (bytes([1, host_n - 1]) if host_n else bytes([0]))
        if kind in (SGD, RMSPROP):
            b += bytes([1 if momentum else 0])
        b += bytes([0])  # no extra settings
        return b + (bytes([1]) + schedule if schedule is not None else bytes([0]))

    def op(code, group=0, value=b'\x02', okey=0, skey=0, rest=b''):
        return bytes([code, group]) + value + bytes([okey, skey]) + rest

    def getters(sched=True, trainer=True):
        return op(22, rest=bytes(3 + 1 + 3 + 6 + 1 + (2 if sched else 0) + (1 if trainer else 0)))

    manual = op(12, rest=bytes([2, 0]))    # forward (a batch of 2), loss, backward
    manual1 = op(12, rest=bytes([1, 0]))   # the same, a batch of 1
    step = op(2)
    sched_step = op(8, rest=bytes([0]))
    run = op(19)
    MSE, CE, HUBER, SMOOTH_L1 = 1, 2, 4, 6
    # An MLP 2 -> 3 (tanh) -> 1 with MSE, SGD with momentum and StepLR; by hand, then the trainer.
    cfg = model(2, [dense(3), act(4)], 1, 4) + bytes([MSE - 1]) + data(4, 2, 1) + \
        opt(SGD, momentum=True, schedule=sched(STEP, [1]))
    ops = manual + step + sched_step + manual + step + getters() + run + op(0, value=b'\x01') + run
    write('api', 'mlp-mse-sgd-step', cfg + ops)
    # A classifier 3 -> 4 (ReLU, dropout 0.5) -> 3 with cross-entropy, Adam and
    # OneCycleLR; the trainer with batch 1 and the scheduler, eval mode, predict.
    cfg = model(3, [dense(4), act(1), drop(4)], 3, 2) + bytes([CE - 1]) + data(5, 3, 3, [0, 2, 1, 1, 0]) + \
        opt(ADAM, schedule=sched(ONE_CYCLE, [8, 1, 0]))
    ops = op(18, value=bytes([0x60 + 8 + 1]), rest=bytes([0])) + op(20, rest=bytes([1, 1])) + run + manual + \
        step + op(15, rest=bytes([0])) + op(16, rest=bytes([3])) + run + getters()
    write('api', 'classifier-ce-adam-onecycle', cfg + ops)
    # Huber with a host group beside the model, RMSprop with momentum, a
    # ChainedScheduler; refused and accepted settings, a patched state load,
    # a huge step count, NaN gradients.
    cfg = model(1, [dense(2, 0), act(5)], 2, 1) + bytes([HUBER - 1]) + data(3, 1, 2) + \
        opt(RMSPROP, host_n=2, momentum=True, schedule=sched(CHAINED, children=[sched(EXPONENTIAL, [1]), sched(LINEAR)]))
    ops = op(17, value=b'\x00', rest=bytes([0])) + op(17, value=b'\x02', rest=bytes([0])) + \
        op(1, group=1, value=b'\x12') + step + manual + manual1 + step + sched_step + op(10, rest=bytes([1, 3, 22])) + \
        op(5, rest=bytes([0x90])) + step + op(23, rest=bytes([0, 22, 0, 22])) + step + run + getters()
    write('api', 'huber-rmsprop-chained', cfg + ops)
    # Smooth L1 with NAdam and no scheduler; state set, reset, set_weight,
    # init, predict, flush-to-zero off and on.
    cfg = model(4, [dense(2), act(3)], 2, 3) + bytes([SMOOTH_L1 - 1]) + data(2, 4, 2) + opt(NADAM)
    ops = manual + step + op(4, rest=bytes(16) + bytes([0, 0])) + op(6) + op(11, rest=bytes(16) + bytes([0, 0])) + \
        op(14, rest=bytes([1, 6, 9])) + op(16, rest=bytes([2])) + op(21, rest=bytes([0])) + manual + step + \
        op(21, rest=bytes([4])) + op(21, rest=bytes([1 + 4 * 2])) + manual + step + run + getters(sched=False)
    write('api', 'smoothl1-nadam-plain', cfg + ops)


if __name__ == '__main__':
    idx_seeds()
    csv_seeds()
    sched_state_seeds()
    optim_state_seeds()
    api_seeds()
