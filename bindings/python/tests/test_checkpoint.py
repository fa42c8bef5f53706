"""Model files and checkpoints (descent.save/load, load_model, Sequential.save,
load_weights) and the state dicts: training resumed from a file or from
state dicts is bitwise identical to training that never stopped."""

import copy
import json
import os
import pathlib
import struct

import pytest

import descent
from conftest import run_python

np = pytest.importorskip("numpy")

RNG = np.random.default_rng(42)
BATCHES = [(RNG.standard_normal((8, 4)).astype(np.float32),
            RNG.standard_normal((8, 3)).astype(np.float32)) for _ in range(5)]


def bits(a):
    return np.ascontiguousarray(a).tobytes()


def net(seed=1, dropout=True):
    layers = [descent.Linear(4, 16), descent.Tanh()]
    if dropout:
        layers.append(descent.Dropout(0.25, seed=7))
    layers += [descent.LeakyReLU(0.2), descent.Linear(16, 3)]
    m = descent.Sequential(*layers).build(8)
    m.init("xavier_uniform", "pytorch_default", seed=seed)
    return m


def adam_run(seed=1):
    """A model with dropout, Adam (amsgrad) and a warm-up then cosine schedule."""
    m = net(seed)
    opt = descent.Adam(m.parameters(), lr=0.01, amsgrad=True, weight_decay=0.01)
    sched = descent.SequentialLR(opt, [descent.LinearLR(opt, start_factor=0.1, total_iters=3),
                                       descent.CosineAnnealingLR(opt, T_max=10)], milestones=[3])
    return m, opt, sched


def train(m, opt, sched, first, steps):
    loss = descent.MSELoss()
    for s in range(first, first + steps):
        x, y = BATCHES[s % len(BATCHES)]
        opt.zero_grad()
        loss(m(x), y)
        m.backward(loss.backward())
        opt.step()
        if sched is not None:
            sched.step()


def assert_same_state(a, b):
    """Two optimizer state dicts hold the same values, bit for bit."""
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for i in a["state"]:
        assert a["state"][i].keys() == b["state"][i].keys()
        for k, v in a["state"][i].items():
            assert bits(v) == bits(b["state"][i][k]), (i, k)


# ---- checkpoints ---------------------------------------------------------------
def test_checkpoint_resumes_bitwise(tmp_path):
    path = tmp_path / "run.ckpt"
    m, opt, sched = adam_run()
    train(m, opt, sched, 0, 5)
    descent.save(path, model=m, optimizer=opt, scheduler=sched)
    train(m, opt, sched, 5, 7)                    # the run that never stopped

    m2, opt2, sched2 = adam_run(seed=99)          # built the same way, other weights
    assert bits(m2.params) != bits(m.params)
    descent.load(path, model=m2, optimizer=opt2, scheduler=sched2)
    assert opt2.param_groups[0].step_count == 5 and sched2.last_epoch == 5
    train(m2, opt2, sched2, 5, 7)                 # resumed: dropout masks, moments, lr
    assert bits(m2.params) == bits(m.params)
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert_same_state(opt2.state_dict(), opt.state_dict())


@pytest.mark.parametrize("kind", ["SGD", "NAdam", "RMSprop"])
def test_checkpoint_other_optimizers(tmp_path, kind):
    opts = {"SGD": dict(lr=0.05, momentum=0.9, nesterov=True),
            "NAdam": dict(lr=0.01), "RMSprop": dict(lr=0.01, momentum=0.5, centered=True)}

    def run(seed):
        m = net(seed)
        opt = getattr(descent, kind)(m.parameters(), **opts[kind])
        return m, opt, descent.OneCycleLR(opt, max_lr=0.05, total_steps=20)
    m, opt, sched = run(1)
    train(m, opt, sched, 0, 4)
    descent.save(str(tmp_path / "c"), model=m, optimizer=opt, scheduler=sched)
    train(m, opt, sched, 4, 6)
    m2, opt2, sched2 = run(2)
    descent.load(str(tmp_path / "c"), model=m2, optimizer=opt2, scheduler=sched2)
    train(m2, opt2, sched2, 4, 6)
    assert bits(m2.params) == bits(m.params)


def trainer_run(seed, on_epoch=None, on_step=None):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((24, 4)).astype(np.float32)
    Y = rng.standard_normal((24, 3)).astype(np.float32)
    m = net(seed)
    opt = descent.AdamW(m.parameters(), lr=0.01)
    sched = descent.OneCycleLR(opt, max_lr=0.02, total_steps=30)
    t = descent.Trainer(m, descent.MSELoss(), opt, descent.Dataset(X, targets=Y),
                        val=descent.Dataset(X[:8], targets=Y[:8]), scheduler=sched,
                        sched_stepping="iteration", batch_size=5, epochs=4, seed=11,
                        on_epoch=on_epoch, on_step=on_step)
    return m, opt, sched, t


@pytest.mark.parametrize("where", ["epoch", "step"])
def test_trainer_checkpoint_from_a_callback_resumes_the_run(tmp_path, where):
    path = tmp_path / "t.ckpt"
    m, opt, sched, t = trainer_run(1)
    done = t.fit()
    assert done.epoch == 4

    box = {}

    def stop(p):
        if (p.epoch if where == "epoch" else p.step) == (2 if where == "epoch" else 7):
            descent.save(path, model=box["m"], optimizer=box["opt"], scheduler=box["sched"],
                         trainer=box["t"])
            return True           # stop: this process "dies" here
        return False
    kw = {"on_" + where: stop}
    box["m"], box["opt"], box["sched"], box["t"] = trainer_run(1, **kw)
    stopped = box["t"].fit()
    assert stopped.stop_reason == descent.StopReason.CALLBACK

    m2, opt2, sched2, t2 = trainer_run(50)        # a new process: same settings, other init
    descent.load(path, model=m2, optimizer=opt2, scheduler=sched2, trainer=t2)
    p = t2.fit()                                  # continues the stopped run to its end
    assert p.epoch == 4 and p.step == done.step
    assert bits(m2.params) == bits(m.params)
    assert p.val_loss == done.val_loss


def test_load_refusals_change_nothing(tmp_path):
    path = tmp_path / "run.ckpt"
    m, opt, sched = adam_run()
    train(m, opt, sched, 0, 2)
    descent.save(path, model=m, optimizer=opt, scheduler=sched)

    other = descent.Sequential(descent.Linear(4, 8), descent.Tanh(), descent.Linear(8, 3))
    before = bits(other.params)
    with pytest.raises(descent.FormatError, match="holds a model of 5 layers taking 4 inputs; this model has 3"):
        descent.load(path, model=other)
    assert bits(other.params) == before

    m2, opt2, _ = adam_run(seed=3)
    sgd = descent.SGD(m2.parameters(), lr=0.1)
    p_before, s_before = bits(m2.params), sgd.state_dict()
    with pytest.raises(descent.FormatError, match="SGD"):
        descent.load(path, model=m2, optimizer=sgd)    # another optimizer kind
    assert bits(m2.params) == p_before and sgd.state_dict() == s_before

    m.save(tmp_path / "model.safetensors")
    with pytest.raises(descent.FormatError, match="is a model file, not a checkpoint"):
        descent.load(tmp_path / "model.safetensors", model=m2)
    with pytest.raises(descent.FormatError, match='no "optimizer"'):
        m3, opt3, _ = adam_run()
        descent.save(path, model=m3)
        descent.load(path, model=m3, optimizer=opt3)

    with pytest.raises(descent.IOFailure, match="cannot open") as e:
        descent.load(tmp_path / "missing.ckpt", model=m)
    assert isinstance(e.value, OSError) and e.value.function == "dsc_checkpoint_load"
    assert e.value.status_name == "DSC_E_IO" and "missing.ckpt" in e.value.message


def test_save_failure_keeps_the_previous_file(tmp_path):
    m, opt, sched = adam_run()
    path = tmp_path / "run.ckpt"
    descent.save(path, model=m, optimizer=opt)
    good = path.read_bytes()
    train(m, opt, sched, 0, 1)
    (tmp_path / "dir").mkdir()
    with pytest.raises(descent.IOFailure) as e:
        descent.save(tmp_path / "dir", model=m)   # a directory: the final rename fails
    assert isinstance(e.value, OSError) and "dir" in e.value.message
    assert sorted(os.listdir(tmp_path)) == ["dir", "run.ckpt"]   # no temporary file left
    os.chmod(tmp_path, 0o500)                     # no new file can be made in the directory
    try:
        if not os.access(tmp_path, os.W_OK):      # (root writes anyway: nothing to test)
            with pytest.raises(descent.IOFailure, match="temporary file"):
                descent.save(path, model=m, optimizer=opt)
    finally:
        os.chmod(tmp_path, 0o700)
    assert path.read_bytes() == good and sorted(os.listdir(tmp_path)) == ["dir", "run.ckpt"]


def test_argument_checks(tmp_path):
    m, opt, sched = adam_run()
    good = tmp_path / "c"
    for bad, exc, msg in [
            (dict(model=opt), TypeError, "model must be a descent.Sequential"),
            (dict(model=m, optimizer=m), TypeError, "optimizer must be a descent optimizer"),
            (dict(model=m, optimizer=opt, scheduler=opt), TypeError, "scheduler must be"),
            (dict(model=m, trainer=3), TypeError, "trainer must be a descent.Trainer"),
            (dict(model=m, scheduler=sched), descent.ArgumentError, "pass the optimizer it drives"),
            (dict(model=m, optimizer=opt, scheduler=sched._schedulers[0]), descent.StateError,
             "belongs to a SequentialLR; pass the container")]:
        for fn in (descent.save, descent.load):
            if fn is descent.load and exc is descent.ArgumentError:
                continue
            with pytest.raises(exc, match=msg):
                fn(good, **bad)
    with pytest.raises(TypeError, match="model"):
        descent.save(good)                        # model is required
    with pytest.raises(TypeError, match="path must be a path"):
        descent.save(3, model=m)
    with pytest.raises(descent.ArgumentError, match="NUL byte"):
        descent.save("a\0b", model=m)
    with pytest.raises(descent.ArgumentError, match="NUL byte"):
        m.save(b"a\0b")
    descent.save(os.fsencode(str(good)), model=m)  # bytes and PathLike paths
    descent.load(pathlib.Path(good), model=m)
    with pytest.raises(TypeError, match="max_batch must be an integer"):
        descent.load_model(good, max_batch=2.0)
    with pytest.raises(descent.ArgumentError, match="max_batch is 0"):
        descent.load_model(good, max_batch=0)
    m.close()
    with pytest.raises(descent.ClosedError):
        m.save(good)


# ---- model files ---------------------------------------------------------------
def test_model_file_round_trip(tmp_path):
    m = net(4)
    path = tmp_path / "model.safetensors"
    m.save(path)
    assert descent.load_model(path, max_batch=32).max_batch == 32
    m2 = descent.load_model(path, max_batch=8)   # the same chunks in predict: the same bits
    assert m2.max_batch == 8 and m2.training and len(m2) == len(m)
    assert repr(m2) == ("Sequential(Linear(in_features=4, out_features=16, bias=True), "
                        "Activation(<from file>), Dropout(<from file>), Activation(<from file>), "
                        "Linear(in_features=16, out_features=3, bias=True))")
    assert [m2.layer_info(i) for i in range(len(m2))] == [m.layer_info(i) for i in range(len(m))]
    x = RNG.standard_normal((50, 4)).astype(np.float32)
    m.eval()
    m2.eval()
    assert bits(m2.predict(x)) == bits(m.predict(x))
    assert list(m2.state_dict()) == ["0.weight", "0.bias", "4.weight", "4.bias"]
    with pytest.raises(TypeError, match="read from a file"):
        descent.Sequential(*m2.layers)            # Python does not know which activation
    assert descent.load_model(path).max_batch == descent.Sequential.DEFAULT_MAX_BATCH

    m3 = net(9)                                   # load_weights: the same layers, built
    m3.load_weights(path)
    assert bits(m3.params) == bits(m.params)
    opt = descent.Adam(m3.parameters())
    descent.save(tmp_path / "c", model=m3, optimizer=opt)
    m4 = net(10)
    m4.load_weights(tmp_path / "c")               # a checkpoint's parameters
    assert bits(m4.params) == bits(m.params)
    assert bits(descent.load_model(tmp_path / "c").params) == bits(m.params)

    other = descent.Sequential(descent.Linear(4, 16), descent.Tanh(), descent.Dropout(),
                               descent.Identity(), descent.Linear(16, 2))
    before = bits(other.params)
    with pytest.raises(descent.FormatError, match='tensor "4.weight" has shape'):
        other.load_weights(path)
    assert bits(other.params) == before


def write_safetensors(path, tensors, dtype="<f4", name="F32"):
    """A safetensors file written with NumPy alone (the format of docs/checkpoint.md)."""
    header, blobs, offset = {}, [], 0
    for key, a in tensors.items():
        a = np.ascontiguousarray(a, dtype=dtype)
        header[key] = {"dtype": name, "shape": list(a.shape),
                       "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def test_foreign_files(tmp_path):
    m = net(1, dropout=False)
    sd = {k: RNG.standard_normal(v.shape) for k, v in m.state_dict().items()}
    write_safetensors(tmp_path / "ok", sd)
    m.load_weights(tmp_path / "ok")
    for k, v in m.state_dict().items():
        assert bits(v) == bits(sd[k].astype(np.float32))
    before = bits(m.params)
    with pytest.raises(descent.FormatError, match="load_weights"):
        descent.load_model(tmp_path / "ok")       # no layer list: build the model first
    write_safetensors(tmp_path / "extra", dict(sd, **{"9.weight": np.zeros((2, 2))}))
    with pytest.raises(descent.FormatError, match='"9.weight"'):
        m.load_weights(tmp_path / "extra")
    write_safetensors(tmp_path / "f64", sd, dtype="<f8", name="F64")
    with pytest.raises(descent.FormatError, match="F64"):
        m.load_weights(tmp_path / "f64")
    missing = dict(sd)
    del missing["3.bias"]
    write_safetensors(tmp_path / "missing", missing)
    with pytest.raises(descent.FormatError, match='"3.bias"'):
        m.load_weights(tmp_path / "missing")
    (tmp_path / "junk").write_bytes(b"\xff" * 20)
    with pytest.raises(descent.FormatError):
        m.load_weights(tmp_path / "junk")
    assert bits(m.params) == before


# ---- state dicts ---------------------------------------------------------------
KINDS = {
    "SGD": dict(lr=0.05, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=1e-3),
    "Adam": dict(lr=0.01, amsgrad=True),
    "AdamW": dict(lr=0.01, betas=(0.8, 0.99)),
    "Adagrad": dict(lr=0.05, initial_accumulator_value=0.1, lr_decay=0.01),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adadelta": dict(lr=1.0, rho=0.8),
    "Adamax": dict(lr=0.01),
    "NAdam": dict(lr=0.01, momentum_decay=0.005),
    "RAdam": dict(lr=0.01),
    "Rprop": dict(lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.5)),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_state_dict_round_trip_resumes_bitwise(kind):
    def run(seed, lr=None):
        m = net(seed, dropout=False)
        w0, b0, w4, b4 = m.parameters()
        kw = dict(KINDS[kind], **({} if lr is None else {"lr": lr}))
        opt = getattr(descent, kind)([{"params": [w0, w4]},                # one group split
                                      {"params": [b0, b4], "lr": kw["lr"] / 2}], **kw)
        sched = descent.StepLR(opt, step_size=2, gamma=0.5)
        return m, opt, sched
    m, opt, sched = run(1)
    train(m, opt, sched, 0, 3)
    sds = copy.deepcopy((m.state_dict(), opt.state_dict(), sched.state_dict()))
    train(m, opt, sched, 3, 4)

    m2, opt2, sched2 = run(2, lr=0.5)             # other weights and lr: all from the dicts
    m2.load_state_dict(sds[0])
    opt2.load_state_dict(sds[1])
    sched2.load_state_dict(sds[2])
    assert_same_state(opt2.state_dict(), sds[1])
    train(m2, opt2, sched2, 3, 4)
    assert bits(m2.params) == bits(m.params)
    assert_same_state(opt2.state_dict(), opt.state_dict())


def test_state_dict_layouts():
    m = net(1, dropout=False)
    sd = m.state_dict()
    assert type(sd).__name__ == "OrderedDict"
    assert [(k, v.shape, v.dtype) for k, v in sd.items()] == [
        ("0.weight", (16, 4), np.float32), ("0.bias", (16,), np.float32),
        ("3.weight", (3, 16), np.float32), ("3.bias", (3,), np.float32)]
    assert m.load_state_dict(sd) == ([], [])
    r = m.load_state_dict({"0.weight": sd["0.weight"]}, strict=False)
    assert r.missing_keys == ["0.bias", "3.weight", "3.bias"] and r.unexpected_keys == []

    opt = descent.NAdam(m.named_parameters(), lr=0.01)
    assert opt.state_dict() == {"state": {}, "param_groups": [{
        "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.0,
        "momentum_decay": 0.004, "maximize": False, "params": [0, 1, 2, 3],
        "param_names": ["0.weight", "0.bias", "3.weight", "3.bias"]}]}
    train(m, opt, None, 0, 2)
    st = opt.state_dict()["state"]
    assert list(st) == [0, 1, 2, 3]
    assert list(st[2]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert st[2]["step"] == 2.0 and 0 < st[2]["mu_product"] < 1
    assert st[2]["exp_avg"].shape == (3, 16) and st[2]["exp_avg"].dtype == np.float32

    sgd = descent.SGD(m.parameters(), lr=0.1, momentum=0.9)
    assert sgd.state_dict()["state"] == {}          # the buffer starts with the first step
    sgd.step()
    assert list(sgd.state_dict()["state"][0]) == ["step", "momentum_buffer"]
    plain = descent.SGD(m.parameters(), lr=0.1)
    plain.step()
    assert list(plain.state_dict()["state"][0]) == ["step"]

    sched = descent.StepLR(opt, step_size=2)
    sched.step()
    s = sched.state_dict()
    assert s["last_epoch"] == 1 and s["state"][7] == 1.0
    sched.load_state_dict(s["state"])               # the block alone is fine too
    with pytest.raises(descent.ArgumentError, match="last_epoch is 4 but the state is at step 1"):
        sched.load_state_dict(dict(s, last_epoch=4))
    with pytest.raises(descent.ArgumentError, match="'state'"):
        sched.load_state_dict({"last_epoch": 1})
    with pytest.raises(descent.ArgumentError, match="'_last_lr'"):
        sched.load_state_dict(dict(s, _last_lr=[0.1]))


def test_optimizer_state_dict_loads_a_reset_and_json_round_trip():
    m = net(1, dropout=False)
    opt = descent.SGD(m.parameters(), lr=0.1, momentum=0.9)
    fresh = opt.state_dict()
    opt.step()
    assert opt.state_dict()["state"]
    opt.load_state_dict(fresh)                      # torch: the state is replaced, not merged
    assert opt.state_dict()["state"] == {} and opt.param_groups[0].step_count == 0

    train(m, opt, None, 0, 2)
    sd = opt.state_dict()
    text = json.dumps({"state": {k: {n: (v if isinstance(v, float) else v.tolist())
                                     for n, v in e.items()} for k, e in sd["state"].items()},
                       "param_groups": sd["param_groups"]})
    m2 = net(1, dropout=False)
    m2.load_state_dict(m.state_dict())
    opt2 = descent.SGD(m2.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(json.loads(text))          # ids as strings, lists, betas as lists
    train(m, opt, None, 2, 2)
    train(m2, opt2, None, 2, 2)
    assert bits(m2.params) == bits(m.params)

    bad = json.loads(text)
    bad["param_groups"][0]["clip_norm"] = 1.0
    with pytest.raises(descent.ArgumentError, match="unknown option 'clip_norm'"):
        opt2.load_state_dict(bad)
    bad = json.loads(text)
    bad["param_groups"][0]["nesterov"] = True
    bad["param_groups"][0]["dampening"] = 0.5       # refused by the library: rolled back
    before = opt2.state_dict()
    with pytest.raises(descent.ArgumentError, match="Nesterov"):
        opt2.load_state_dict(bad)
    assert_same_state(opt2.state_dict(), before)


NO_NUMPY = r"""
import array, descent
m = descent.Sequential(descent.Linear(2, 3), descent.Tanh(), descent.Linear(3, 1)).build(4)
opt = descent.Adam(m.parameters(), lr=0.1)
x, y = [[0.0, 1.0], [1.0, 0.0]], [[1.0], [0.0]]
loss = descent.MSELoss()

def step(m, opt):
    opt.zero_grad(); loss(m(x), y); m.backward(loss.backward()); opt.step()

for _ in range(2):
    step(m, opt)
sd, osd = m.state_dict(), opt.state_dict()
assert type(sd["0.weight"]).__name__ == "memoryview" and sd["0.weight"].shape == (3, 2)
assert type(osd["state"][1]["exp_avg"]).__name__ == "array"
assert osd["state"][0]["exp_avg"].shape == (3, 2)
m2 = descent.Sequential(descent.Linear(2, 3), descent.Tanh(), descent.Linear(3, 1)).build(4)
m2.load_state_dict(sd)
opt2 = descent.Adam(m2.parameters(), lr=0.5)
opt2.load_state_dict(osd)
step(m, opt); step(m2, opt2)
assert bytes(m.params) == bytes(m2.params)
import sys, os
path = os.path.join(sys.argv[1], "m.safetensors")
m.save(path)
m3 = descent.load_model(path)
assert bytes(m3.params) == bytes(m.params)
print("ok")
"""


def test_without_numpy(tmp_path):
    r = run_python(NO_NUMPY, block_numpy=True, args=[str(tmp_path)])
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_interop_tests_say_why_they_skip_without_torch():
    # Where python3-torch is missing (the `check` group does not install it),
    # test_interop_torch.py is skipped with a message that says what to install.
    here = os.path.dirname(os.path.abspath(__file__))
    r = run_python("import sys; sys.modules['torch'] = None\n"
                   "import pytest\n"
                   "sys.exit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', sys.argv[1]]))",
                   args=[os.path.join(here, "test_interop_torch.py")])
    assert r.returncode in (0, 5), r.stdout + r.stderr     # 5: nothing else to collect
    assert "1 skipped" in r.stdout and "python3-torch" in r.stdout, r.stdout
