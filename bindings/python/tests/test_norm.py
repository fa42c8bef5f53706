"""descent.BatchNorm1d, BatchNorm2d and LayerNorm against torch.nn (float32,
same weights and inputs): training and eval outputs, gradients, running
statistics and num_batches_tracked, momentum=None, state_dict both ways
(torch's int64 num_batches_tracked included, in a dict and in a safetensors
file), and the argument and shape refusals."""

import json
import struct

import pytest

import descent

np = pytest.importorskip("numpy")
try:
    import torch
except ImportError:     # the argument checks below still run; the comparisons need torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="python3-torch is not installed")

RTOL, ATOL = 2e-5, 2e-6


def to_descent(net, model):
    model.load_state_dict({k: v.detach().numpy() for k, v in net.state_dict().items()})


def randomize(net, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                if hasattr(m, "running_mean") and m.running_mean is not None:
                    m.running_mean.uniform_(-0.3, 0.3)
                    m.running_var.uniform_(0.5, 1.5)


def compare_steps(net, model, shape, batch, steps=3, seed=1):
    """Forward (training), backward of a fixed dy, then the same in eval mode;
    gradients, buffers and outputs must agree at every step."""
    rng = np.random.default_rng(seed)
    for step in range(steps):
        x = rng.standard_normal((batch,) + shape).astype(np.float32) * 1.5 + 0.3
        dy = rng.standard_normal((batch,) + tuple(model.output_shape)).astype(np.float32)
        net.train()
        model.train()
        net.zero_grad()
        model.zero_grad()
        xt = torch.from_numpy(x)
        yt = net(xt)
        yt.backward(torch.from_numpy(dy))
        y = model.forward(x)
        np.testing.assert_allclose(np.asarray(y).reshape(yt.shape), yt.detach().numpy(),
                                   rtol=RTOL, atol=ATOL)
        model.backward(dy)
        named = dict(net.named_parameters())
        for i, name, _state, is_buffer, _shape in model._all_tensors():
            key = "%d.%s" % (i, name)
            if is_buffer:
                np.testing.assert_allclose(np.asarray(model.get_buffer(i, name), dtype=np.float64),
                                           net.state_dict()[key].double().numpy(),
                                           rtol=RTOL, atol=ATOL, err_msg=key)
            else:
                np.testing.assert_allclose(model.param_grad(i, name), named[key].grad.numpy(),
                                           rtol=1e-4, atol=1e-5, err_msg=key + " grad")
        net.eval()
        with torch.no_grad():
            want = net(xt).numpy()
        np.testing.assert_allclose(np.asarray(model.eval().predict(x)).reshape(want.shape), want,
                                   rtol=RTOL, atol=ATOL)


@needs_torch
def test_batchnorm1d_mlp_matches_torch():
    net = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5, momentum=0.2),
                              torch.nn.ReLU(), torch.nn.Linear(5, 3))
    randomize(net, 0)
    model = descent.Sequential(descent.Linear(6, 5), descent.BatchNorm1d(5, momentum=0.2),
                               descent.ReLU(), descent.Linear(5, 3), input_shape=(6,)).build(7)
    to_descent(net, model)
    compare_steps(net, model, (6,), 7)


@needs_torch
def test_batchnorm1d_on_channels_by_length_matches_torch():
    net = torch.nn.Sequential(torch.nn.BatchNorm1d(3, eps=1e-3), torch.nn.Flatten(),
                              torch.nn.Linear(15, 2))
    randomize(net, 1)
    model = descent.Sequential(descent.BatchNorm1d(3, eps=1e-3), descent.Flatten(),
                               descent.Linear(15, 2), input_shape=(3, 5)).build(4)
    to_descent(net, model)
    compare_steps(net, model, (3, 5), 4)


@needs_torch
def test_batchnorm2d_matches_torch_and_momentum_none():
    net = torch.nn.Sequential(torch.nn.BatchNorm2d(4, momentum=None), torch.nn.Tanh(),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 5, 3))
    randomize(net, 2)
    model = descent.Sequential(descent.BatchNorm2d(4, momentum=None), descent.Tanh(),
                               descent.Flatten(), descent.Linear(60, 3),
                               input_shape=(4, 3, 5)).build(3)
    to_descent(net, model)
    compare_steps(net, model, (4, 3, 5), 3, steps=4)
    assert float(np.asarray(model.get_buffer(0, "num_batches_tracked"))) == 4.0


@needs_torch
def test_layernorm_matches_torch():
    net = torch.nn.Sequential(torch.nn.LayerNorm(6), torch.nn.GELU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6, 2))
    randomize(net, 3)
    model = descent.Sequential(descent.LayerNorm(6), descent.GELU(), descent.Flatten(),
                               descent.Linear(24, 2), input_shape=(4, 6)).build(5)
    to_descent(net, model)
    compare_steps(net, model, (4, 6), 5)


@needs_torch
def test_state_dict_both_ways():
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    randomize(net, 4)
    net.train()
    net(torch.randn(8, 4))                     # num_batches_tracked 1, stats moved
    model = descent.Sequential(descent.Linear(4, 3), descent.BatchNorm1d(3),
                               input_shape=(4,)).build(8)
    sd = net.state_dict()
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    model.load_state_dict(sd)                  # torch tensors, the int64 count included
    assert float(np.asarray(model.get_buffer(1, "num_batches_tracked"))) == 1.0
    assert list(model.state_dict()) == list(sd)
    back = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    back.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in model.state_dict().items()})
    for k, v in sd.items():
        assert torch.equal(back.state_dict()[k], v), k


@needs_torch
def test_pytorch_safetensors_with_int64_count_loads(tmp_path):
    net = torch.nn.Sequential(torch.nn.BatchNorm1d(3))
    randomize(net, 5)
    net.num_batches_tracked = None
    sd = net.state_dict()
    sd["0.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    header, blobs, offset = {}, [], 0
    for name, t in sd.items():
        a = t.numpy()
        a = a.astype("<i8") if a.dtype == np.int64 else a.astype("<f4")
        header[name] = {"dtype": "I64" if a.dtype == np.dtype("<i8") else "F32",
                        "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    path = tmp_path / "bn.safetensors"
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    model = descent.Sequential(descent.BatchNorm1d(3), input_shape=(3,)).build(2)
    model.load_weights(path)
    assert float(np.asarray(model.get_buffer(0, "num_batches_tracked"))) == 7.0
    np.testing.assert_array_equal(model.get_buffer(0, "running_var"), sd["0.running_var"].numpy())


def test_arguments_and_shapes_refused():
    for bad in (dict(num_features=0), dict(num_features=3, eps=-1.0),
                dict(num_features=3, momentum=1.5), dict(num_features=3, affine=False),
                dict(num_features=3, track_running_stats=False)):
        with pytest.raises(descent.ArgumentError):
            descent.BatchNorm1d(**bad)
    with pytest.raises(TypeError):
        descent.BatchNorm2d(2.0)
    with pytest.raises(descent.ArgumentError):
        descent.LayerNorm((2, 3))
    with pytest.raises(descent.ArgumentError):
        descent.LayerNorm(4, elementwise_affine=False)
    assert descent.LayerNorm([4]).normalized_shape == (4,)
    with pytest.raises(descent.ArgumentError, match=r"layer 0 \(batchnorm2d\) needs a C x H x W"):
        descent.Sequential(descent.BatchNorm2d(3), input_shape=(3, 4))
    with pytest.raises(descent.ArgumentError, match=r"layer 1 \(layernorm\)"):
        descent.Sequential(descent.Linear(4, 5), descent.LayerNorm(4), input_shape=(4,))
    model = descent.Sequential(descent.BatchNorm1d(2), input_shape=(2,)).build(4)
    with pytest.raises(descent.ShapeError, match="more than 1 value per channel"):
        model.train().forward(np.ones((1, 2), dtype=np.float32))
    model.eval().forward(np.ones((1, 2), dtype=np.float32))   # eval takes one sample
    assert repr(descent.BatchNorm2d(8, momentum=None)) == "BatchNorm2d(8, eps=1e-05, momentum=None)"
