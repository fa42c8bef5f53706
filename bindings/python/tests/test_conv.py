"""Conv1d, Conv2d, MaxPool1d/2d, AvgPool1d/2d: arguments as torch.nn's (and
the library's refusals), and forward, backward and model files against PyTorch
(Debian's python3-torch) on the same weights."""
import os

import pytest

import descent

np = pytest.importorskip("numpy")
try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed for this "
                                 "interpreter (Debian's python3-torch; tools/install-deps.sh ci)")


def test_arguments_and_defaults():
    c = descent.Conv2d(3, 8, 3)
    assert c.stride == (1, 1) and c.padding == (0, 0) and c.dilation == (1, 1)
    assert c.groups == 1 and c.bias is True
    assert repr(c) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    c = descent.Conv1d(4, 6, 5, padding="same", dilation=2, groups=2, bias=False)
    assert c.padding == (4,)
    assert repr(c) == "Conv1d(4, 6, kernel_size=(5,), stride=(1,), padding=(4,), dilation=(2,), groups=2, bias=False)"
    assert descent.Conv2d(1, 1, (2, 3), padding="valid").padding == (0, 0)
    m = descent.MaxPool2d(2)
    assert m.stride == (2, 2) and m.padding == (0, 0) and m.dilation == (1, 1) and not m.ceil_mode
    a = descent.AvgPool1d(3, stride=2, padding=1)
    assert a.count_include_pad is True and a.stride == (2,)
    assert repr(a) == "AvgPool1d(kernel_size=3, stride=2, padding=1, count_include_pad=True, ceil_mode=False)"


def test_refusals():
    with pytest.raises(descent.ArgumentError, match="groups is 2; it must divide in_channels"):
        descent.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(descent.ArgumentError):
        descent.Conv2d(3, 4, 0)
    with pytest.raises(descent.ArgumentError, match="padding is 2; it must be 0..1"):
        descent.MaxPool1d(3, padding=2)
    with pytest.raises(descent.ArgumentError, match="return_indices"):
        descent.MaxPool2d(2, return_indices=True)
    with pytest.raises(descent.ArgumentError, match="divisor_override"):
        descent.AvgPool2d(2, divisor_override=3)
    with pytest.raises(descent.ArgumentError, match="stride 1"):
        descent.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(descent.ArgumentError):
        descent.Conv2d(1, 1, (3, 3, 3))
    with pytest.raises(TypeError):
        descent.Conv2d(1, 1, 2.5)
    # The shape is checked when the layer joins a model.
    with pytest.raises(descent.ArgumentError, match=r"layer 0 \(conv2d\) needs a C x H x W input "
                                                    r"with C = 3, got 2 x 5 x 5"):
        descent.Sequential(descent.Conv2d(3, 4, 3), input_shape=(2, 5, 5))


def _nets(two):
    if two:
        t = torch.nn.Sequential(
            torch.nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2)),
            torch.nn.ReLU(), torch.nn.MaxPool2d(2, stride=1, padding=1, ceil_mode=True),
            torch.nn.Conv2d(4, 6, 3, padding="same", groups=2, bias=False), torch.nn.Tanh(),
            torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
            torch.nn.Flatten())
        d = [descent.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2)),
             descent.ReLU(), descent.MaxPool2d(2, stride=1, padding=1, ceil_mode=True),
             descent.Conv2d(4, 6, 3, padding="same", groups=2, bias=False), descent.Tanh(),
             descent.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
             descent.Flatten()]
        return t, d, (3, 11, 9)
    t = torch.nn.Sequential(
        torch.nn.Conv1d(2, 6, 3, stride=2, padding=2, dilation=2, groups=2), torch.nn.Tanh(),
        torch.nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True),
        torch.nn.AvgPool1d(2, ceil_mode=True), torch.nn.Flatten())
    d = [descent.Conv1d(2, 6, 3, stride=2, padding=2, dilation=2, groups=2), descent.Tanh(),
         descent.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True),
         descent.AvgPool1d(2, ceil_mode=True), descent.Flatten()]
    return t, d, (2, 23)


@needs_torch
@pytest.mark.parametrize("two", [False, True], ids=["1d", "2d"])
def test_same_as_pytorch(two, tmp_path):
    torch.manual_seed(3)
    tnet, layers, shape = _nets(two)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4,) + shape).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = tnet(tx)
    dy = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.from_numpy(dy))
    model = descent.Sequential(*layers, input_shape=shape, max_batch=4)
    model.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    assert list(model.state_dict()) == list(tnet.state_dict())
    y = model.forward(x)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    model.zero_grad()
    model.backward(dy)
    for name, p in tnet.named_parameters():
        i, pname = name.split(".")
        np.testing.assert_allclose(model.param_grad(int(i), pname), p.grad.numpy(), rtol=1e-4,
                                   atol=1e-5)
    # Model files keep the layers: the same outputs after a round trip.
    path = os.path.join(str(tmp_path), "cnn.safetensors")
    model.save(path)
    back = descent.load_model(path, max_batch=4)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
