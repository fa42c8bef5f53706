"""Weights and optimizer state traded with PyTorch, both ways.

A torch.nn.Sequential's state_dict written as safetensors with a few lines of
NumPy loads into descent (Sequential.load_weights) and gives the same outputs;
a model file written by descent, parsed with NumPy and json, loads into
PyTorch with load_state_dict(strict=True) and gives the same outputs. The
in-memory state dicts (model and optimizer) cross over too.

PyTorch comes from Debian's python3-torch for /usr/bin/python3
(tools/install-deps.sh ci); without it these tests are skipped, saying so.
"""

import json
import struct
import sys

import pytest

import descent

np = pytest.importorskip("numpy")
try:
    import torch
except ImportError:
    pytest.skip("PyTorch is not installed for %s: the interop tests need Debian's python3-torch "
                "(tools/install-deps.sh ci installs it)" % sys.executable, allow_module_level=True)

RTOL, ATOL = 1e-6, 1e-7


def write_safetensors(path, tensors):
    """safetensors with NumPy alone: 8-byte header length, JSON header, raw float32 LE."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().numpy() if hasattr(t, "detach") else t, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    """(tensors as NumPy arrays, metadata) of a safetensors file, with NumPy and json."""
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n:]
    dtypes = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
    tensors = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]],
                                dtype=dtypes[v["dtype"]]).reshape(v["shape"])
               for k, v in header.items()}
    return tensors, meta


def torch_net():
    nn = torch.nn
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.GELU(),
                         nn.Dropout(0.1), nn.Linear(16, 8), nn.LeakyReLU(0.2), nn.Linear(8, 3),
                         nn.Sigmoid())


def descent_net():
    return descent.Sequential(descent.Linear(5, 16), descent.Tanh(), descent.Linear(16, 16),
                              descent.GELU(), descent.Dropout(0.1), descent.Linear(16, 8),
                              descent.LeakyReLU(0.2), descent.Linear(8, 3), descent.Sigmoid())


def inputs(n=64, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 5)).astype(np.float32)


def torch_out(net, x):
    net.eval()
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy()


def test_pytorch_export_loads_into_descent(tmp_path):
    torch.manual_seed(0)
    net = torch_net()
    path = tmp_path / "from_torch.safetensors"
    write_safetensors(path, net.state_dict())
    model = descent_net()
    model.load_weights(path)
    for name, t in net.state_dict().items():        # the bits, not just close
        assert model.state_dict()[name].tobytes() == t.numpy().tobytes(), name
    x = inputs()
    np.testing.assert_allclose(model.eval().predict(x), torch_out(net, x), rtol=RTOL, atol=ATOL)
    with pytest.raises(descent.FormatError, match="load_weights"):
        descent.load_model(path)                    # no layer list in a PyTorch export


def test_descent_file_loads_into_pytorch(tmp_path):
    model = descent_net().build(16)
    model.init("kaiming_uniform", "pytorch_default", seed=3)
    path = tmp_path / "from_descent.safetensors"
    model.save(path)
    tensors, meta = read_safetensors(path)
    assert meta["format"] == "descent.model"
    layers = json.loads(meta["model"])["layers"]
    assert [l["kind"] for l in layers] == ["dense", "activation", "dense", "activation",
                                           "dropout", "dense", "activation", "dense",
                                           "activation"]
    net = torch_net()
    missing, unexpected = net.load_state_dict({k: torch.from_numpy(v.copy())
                                               for k, v in tensors.items()}, strict=True)
    assert not missing and not unexpected
    x = inputs(seed=1)
    np.testing.assert_allclose(torch_out(net, x), model.eval().predict(x), rtol=RTOL, atol=ATOL)


def test_state_dicts_in_memory():
    torch.manual_seed(1)
    net = torch_net()
    model = descent_net()
    assert model.load_state_dict(net.state_dict()) == ([], [])   # tensors read as arrays
    x = inputs(seed=2)
    np.testing.assert_allclose(model.eval().predict(x), torch_out(net, x), rtol=RTOL, atol=ATOL)
    model.init(seed=9)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    np.testing.assert_allclose(torch_out(net, x), model.predict(x), rtol=RTOL, atol=ATOL)


def to_torch_state(sd):
    """descent's optimizer state dict with torch tensors (torch steps tensors in place)."""
    return {"state": {i: {k: torch.tensor(v, dtype=torch.float32) if isinstance(v, float)
                          else torch.from_numpy(np.array(v)) for k, v in e.items()}
                      for i, e in sd["state"].items()},
            "param_groups": [dict(g) for g in sd["param_groups"]]}


def same_grads(model, net, rng):
    """The same random gradients into both models' parameters."""
    for p, q in zip(model.parameters(), net.parameters()):
        g = rng.standard_normal(p.shape).astype(np.float32)
        p.grad[...] = g
        q.grad = torch.from_numpy(g.copy())


def params_close(model, net):
    for p, q in zip(model.parameters(), net.parameters()):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind,kw", [("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
                                     ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
                                     ("Adagrad", dict(lr=0.05, initial_accumulator_value=0.1)),
                                     ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                     ("Rprop", dict(lr=0.01, etas=(0.4, 1.3),
                                                    step_sizes=(1e-4, 0.5)))])
def test_optimizer_state_dict_both_ways(kind, kw):
    rng = np.random.default_rng(4)
    torch.manual_seed(2)
    net = torch_net()
    model = descent_net()
    model.load_state_dict(net.state_dict())
    topt = getattr(torch.optim, kind)(net.parameters(), **kw)
    dopt = getattr(descent, kind)(model.parameters(), **kw)
    for _ in range(3):
        same_grads(model, net, rng)
        topt.step()
        dopt.step()
    params_close(model, net)
    tsd, dsd = topt.state_dict(), dopt.state_dict()
    assert tsd["state"].keys() == dsd["state"].keys()
    for i in tsd["state"]:                          # the same names and shapes per parameter
        assert set(tsd["state"][i]) <= set(dsd["state"][i]) <= set(tsd["state"][i]) | {"step"}
        for k, v in tsd["state"][i].items():
            v = v.numpy() if torch.is_tensor(v) else v   # RMSprop's torch step is an int
            np.testing.assert_allclose(np.asarray(dsd["state"][i][k]), v, rtol=1e-4,
                                       atol=1e-7, err_msg="%s %s" % (i, k))
    for tg, dg in zip(tsd["param_groups"], dsd["param_groups"]):
        assert dg["params"] == tg["params"]
        assert {k: v for k, v in tg.items() if k in dg} == dg

    # descent -> torch: a fresh torch optimizer over the same weights continues as descent
    net2 = torch_net()
    net2.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    topt2 = getattr(torch.optim, kind)(net2.parameters(), lr=0.5)
    topt2.load_state_dict(to_torch_state(dsd))
    # torch -> descent: a fresh descent optimizer continues as torch
    model2 = descent_net()
    model2.load_state_dict(net.state_dict())
    dopt2 = getattr(descent, kind)(model2.parameters(), lr=0.5)
    dopt2.load_state_dict(tsd)
    assert dopt2.param_groups[0]["lr"] == kw["lr"]
    for _ in range(3):
        g = np.random.default_rng(7)
        same_grads(model, net2, g)
        g = np.random.default_rng(7)
        same_grads(model2, net, g)
        for o in (dopt, topt2, dopt2, topt):
            o.step()
    params_close(model, net2)
    params_close(model2, net)


def test_nadam_state_dict_layout():
    # torch keeps NAdam's mu_product per parameter, as descent's state dict does.
    # (Only the layout: this torch's NAdam predates the 2.0 formula descent follows.)
    torch.manual_seed(3)
    net = torch_net()
    model = descent_net()
    model.load_state_dict(net.state_dict())
    topt, dopt = torch.optim.NAdam(net.parameters()), descent.NAdam(model.parameters())
    assert dopt.state_dict()["state"] == topt.state_dict()["state"] == {}
    same_grads(model, net, np.random.default_rng(1))
    topt.step()
    dopt.step()
    tsd, dsd = topt.state_dict(), dopt.state_dict()
    assert tsd["state"].keys() == dsd["state"].keys()
    for i, e in tsd["state"].items():
        assert list(dsd["state"][i]) == list(e) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
        assert dsd["state"][i]["step"] == e["step"].item() == 1.0
        assert dsd["state"][i]["exp_avg"].shape == tuple(e["exp_avg"].shape)
    topt.load_state_dict(to_torch_state(dsd))     # and torch takes descent's
    dopt.load_state_dict(tsd)                     # and descent torch's
    assert dopt.param_groups[0].step_count == 1


@pytest.mark.parametrize("kw", [dict(),
                                dict(lr=0.3, etas=(0.3, 1.5), step_sizes=(0.002, 0.05)),
                                dict(lr=0.02, etas=(0.7, 2.5), step_sizes=(0.0, 1.0),
                                     maximize=True)])
def test_rprop_matches_torch(kw):
    """descent.Rprop and torch.optim.Rprop in float32 on the same gradients
    (zeros and sign changes included), on every kernel set: the same
    parameters and state at every step."""
    rng = np.random.default_rng(11)
    n, steps = 37, 40
    p0 = rng.standard_normal(n).astype(np.float32)
    grads = rng.standard_normal((steps, n)).astype(np.float32)
    grads[rng.random((steps, n)) < 0.15] = 0.0
    grads[::7] = 0.0                                # whole zero gradients too
    tp = torch.tensor(p0.copy(), requires_grad=True)
    topt = torch.optim.Rprop([tp], **kw)
    tps = []
    for t in range(steps):
        tp.grad = torch.from_numpy(grads[t].copy())
        topt.step()
        tps.append((tp.detach().numpy().copy(), topt.state[tp]["prev"].numpy().copy(),
                    topt.state[tp]["step_size"].numpy().copy()))
    for isa in ["scalar", "sse2", "avx2", "avx512", "neon"]:
        if not descent.isa_available(isa):
            continue
        descent.set_isa(isa)
        try:
            p, g = p0.copy(), np.zeros(n, np.float32)
            opt = descent.Rprop([descent.Parameter(p, g)], **kw)
            for t in range(steps):
                g[...] = grads[t]
                opt.step()
                st = opt.state_dict()["state"][0]
                for got, want in zip((p, st["prev"], st["step_size"]), tps[t]):
                    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7,
                                               err_msg="%s step %d" % (isa, t))
        finally:
            descent.set_isa(None)
