"""descent.GELU(approximate='tanh') against torch.nn.GELU(approximate='tanh')
(float32, on every kernel set this machine runs): the activation's output and
input gradient element by element, then through a small network (outputs and
parameter gradients)."""

import pytest

import descent

np = pytest.importorskip("numpy")
try:
    import torch
except ImportError:     # the argument checks below still run; the comparisons need torch
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="python3-torch is not installed")

ISAS = [i for i in ["scalar", "sse2", "avx2", "avx512", "neon"] if descent.isa_available(i)]


@pytest.fixture(params=ISAS)
def isa(request):
    descent.set_isa(request.param)
    yield request.param
    descent.set_isa(None)


def test_repr_and_refusal():
    assert repr(descent.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(descent.GELU()) == "GELU(approximate='none')"
    with pytest.raises(descent.ArgumentError, match="'none' or 'tanh'"):
        descent.GELU("Tanh")


@needs_torch
def test_values_and_input_gradient_match_torch(isa):
    # Linear(1, n) with weight 0 feeds its bias to the GELU, so the bias
    # gradient is the GELU's input gradient, element by element.
    x = np.concatenate([np.linspace(-12, 12, 97), [0.0, -0.75, 1e-3, -1e-3, 3.5, -3.5]])
    x = x.astype(np.float32)
    n = x.size
    dy = np.random.default_rng(0).standard_normal((1, n)).astype(np.float32)
    model = descent.Sequential(descent.Linear(1, n), descent.GELU(approximate="tanh"),
                               input_shape=(1,)).build(1)
    model.load_state_dict({"0.weight": np.zeros((n, 1), np.float32), "0.bias": x})
    model.zero_grad()
    y = np.asarray(model.forward(np.zeros((1, 1), np.float32)))
    model.backward(dy)
    # PyTorch in float64 (the function itself) closely; PyTorch in float32 within its own
    # rounding (1 + tanh u and 1 - tanh^2 u cancel there: 7e-7 off float64 in the gradient,
    # and -0 instead of the tiny y below x = -9)
    for dtype, atol_y, atol_g in ((torch.float64, 1e-7, 3e-7), (torch.float32, 2e-7, 1.5e-6)):
        xt = torch.from_numpy(x.copy()).to(dtype).requires_grad_(True)
        yt = torch.nn.GELU(approximate="tanh")(xt)
        yt.backward(torch.from_numpy(dy[0]).to(dtype))
        np.testing.assert_allclose(y[0], yt.detach().numpy(), rtol=2e-6, atol=atol_y)
        np.testing.assert_allclose(model.param_grad(0, "bias"), xt.grad.numpy(), rtol=2e-6,
                                   atol=atol_g)
    # and not the exact form: the two differ by up to ~5e-4 around |x| = 2
    exact = torch.nn.GELU()(torch.from_numpy(x)).numpy()
    assert np.max(np.abs(y[0] - exact)) > 1e-4


@needs_torch
def test_network_matches_torch(isa):
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.GELU(approximate="tanh"),
                              torch.nn.Linear(8, 3))
    model = descent.Sequential(descent.Linear(5, 8), descent.GELU(approximate="tanh"),
                               descent.Linear(8, 3), input_shape=(5,)).build(6)
    model.load_state_dict({k: v.detach().numpy() for k, v in net.state_dict().items()})
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((6, 5)) * 2).astype(np.float32)
    dy = rng.standard_normal((6, 3)).astype(np.float32)
    model.zero_grad()
    y = np.asarray(model.forward(x))
    model.backward(dy)
    yt = net(torch.from_numpy(x))
    yt.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=2e-5, atol=2e-6)
    for name, p in net.named_parameters():
        i, pname = name.split(".")
        np.testing.assert_allclose(model.param_grad(int(i), pname), p.grad.numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=name)
