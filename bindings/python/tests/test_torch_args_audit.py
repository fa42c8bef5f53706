"""Layer arguments at the edges of what PyTorch accepts (the keys of the
layered reference format, tests/conform/next/FORMAT.md), each against torch.nn
directly in float32 on every kernel set: padding larger than the kernel, stride
larger than the kernel, a kernel as large as the input, 1x1 and depthwise
convolutions, non-square pooling, dilation with ceil_mode, average-pooling
windows that would start in the padding (PyTorch drops them), batch-norm
momentum 0, 1 and None, large eps, layer norm on T x F, hidden size 1, sizes
of 1. Each case: training-mode outputs, all parameter gradients (a leading
1x1 convolution or dense layer carries the probed layer's input gradient into
a parameter gradient), running statistics, then eval-mode outputs."""

import pytest

import descent

np = pytest.importorskip("numpy")
torch = pytest.importorskip("torch")
nn = torch.nn

ISAS = [i for i in ["scalar", "sse2", "avx2", "avx512", "neon"] if descent.isa_available(i)]


class TorchLSTM(nn.LSTM):
    def forward(self, x):
        return super().forward(x)[0]


class TorchGRU(nn.GRU):
    def forward(self, x):
        return super().forward(x)[0]


class TorchLast(nn.Module):
    def forward(self, x):
        return x[:, -1, :]


def pre(shape):
    """A parameterised first layer that keeps the shape (its weight gradient
    carries the probed layer's input gradient)."""
    if len(shape) == 1:
        return nn.Linear(shape[0], shape[0]), descent.Linear(shape[0], shape[0])
    if len(shape) == 2:
        return nn.Conv1d(shape[0], shape[0], 1), descent.Conv1d(shape[0], shape[0], 1)
    return nn.Conv2d(shape[0], shape[0], 1), descent.Conv2d(shape[0], shape[0], 1)


# (id, input shape, batch, torch layers, descent layers, with a leading layer)
CASES = [
    ("conv1d padding > kernel", (2, 5), 3,
     lambda: [nn.Conv1d(2, 3, 3, padding=4)], lambda: [descent.Conv1d(2, 3, 3, padding=4)], True),
    ("conv1d stride > kernel", (2, 10), 2,
     lambda: [nn.Conv1d(2, 3, 2, stride=3)], lambda: [descent.Conv1d(2, 3, 2, stride=3)], True),
    ("conv1d kernel = input", (2, 7), 2,
     lambda: [nn.Conv1d(2, 3, 7)], lambda: [descent.Conv1d(2, 3, 7)], True),
    ("conv1d depthwise, dilation 3, stride 2, padding 2, no bias", (4, 11), 2,
     lambda: [nn.Conv1d(4, 4, 3, stride=2, padding=2, dilation=3, groups=4, bias=False)],
     lambda: [descent.Conv1d(4, 4, 3, stride=2, padding=2, dilation=3, groups=4, bias=False)], True),
    ("conv1d 1x1 on length 1", (3, 1), 4,
     lambda: [nn.Conv1d(3, 5, 1)], lambda: [descent.Conv1d(3, 5, 1)], True),
    ("conv2d non-square, stride/padding/dilation per dim, groups 2", (4, 7, 6), 2,
     lambda: [nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(2, 0), dilation=(1, 2), groups=2)],
     lambda: [descent.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(2, 0), dilation=(1, 2),
                             groups=2)], True),
    ("conv2d padding > kernel, stride > kernel", (1, 4, 5), 2,
     lambda: [nn.Conv2d(1, 2, 2, stride=3, padding=3)],
     lambda: [descent.Conv2d(1, 2, 2, stride=3, padding=3)], True),
    ("conv2d kernel = input, depthwise", (3, 4, 3), 2,
     lambda: [nn.Conv2d(3, 3, (4, 3), groups=3)], lambda: [descent.Conv2d(3, 3, (4, 3), groups=3)],
     True),
    ("conv2d 1x1 on C x 1 x W", (2, 1, 5), 3,
     lambda: [nn.Conv2d(2, 3, 1)], lambda: [descent.Conv2d(2, 3, 1)], True),
    ("maxpool1d dilation 2, ceil_mode, padding 1", (2, 10), 2,
     lambda: [nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True)],
     lambda: [descent.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True)], True),
    ("maxpool1d stride > kernel, ceil_mode", (2, 10), 2,
     lambda: [nn.MaxPool1d(2, stride=3, ceil_mode=True)],
     lambda: [descent.MaxPool1d(2, stride=3, ceil_mode=True)], True),
    ("maxpool1d kernel = input", (3, 5), 2,
     lambda: [nn.MaxPool1d(5)], lambda: [descent.MaxPool1d(5)], True),
    ("maxpool2d non-square kernel and stride, dilation, ceil_mode", (2, 9, 8), 2,
     lambda: [nn.MaxPool2d((3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1), ceil_mode=True)],
     lambda: [descent.MaxPool2d((3, 2), stride=(2, 3), padding=(1, 1), dilation=(2, 1),
                                ceil_mode=True)], True),
    ("maxpool2d on 1 x H x 1", (1, 6, 1), 2,
     lambda: [nn.MaxPool2d((2, 1))], lambda: [descent.MaxPool2d((2, 1))], True),
    ("avgpool1d last ceil window in the padding (dropped)", (2, 5), 2,
     lambda: [nn.AvgPool1d(2, stride=2, padding=1, ceil_mode=True)],
     lambda: [descent.AvgPool1d(2, stride=2, padding=1, ceil_mode=True)], True),
    ("avgpool1d ceil, padding = kernel/2, not counted", (2, 7), 2,
     lambda: [nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)],
     lambda: [descent.AvgPool1d(4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)],
     True),
    ("avgpool1d ceil, padding counted, partial last window", (2, 8), 2,
     lambda: [nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True)],
     lambda: [descent.AvgPool1d(3, stride=2, padding=1, ceil_mode=True)], True),
    ("avgpool1d stride > kernel", (2, 11), 2,
     lambda: [nn.AvgPool1d(2, stride=4)], lambda: [descent.AvgPool1d(2, stride=4)], True),
    ("avgpool2d non-square, ceil, padding, counted", (2, 7, 6), 2,
     lambda: [nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)],
     lambda: [descent.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)], True),
    ("avgpool2d ceil windows in the padding, not counted", (1, 5, 5), 2,
     lambda: [nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
     lambda: [descent.AvgPool2d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)],
     True),
    ("batchnorm1d momentum 0", (4,), 5,
     lambda: [nn.BatchNorm1d(4, momentum=0.0)], lambda: [descent.BatchNorm1d(4, momentum=0.0)], True),
    ("batchnorm1d momentum 1, eps 0.5", (4,), 3,
     lambda: [nn.BatchNorm1d(4, eps=0.5, momentum=1.0)],
     lambda: [descent.BatchNorm1d(4, eps=0.5, momentum=1.0)], True),
    ("batchnorm1d batch 2", (3,), 2,
     lambda: [nn.BatchNorm1d(3, eps=1e-3)], lambda: [descent.BatchNorm1d(3, eps=1e-3)], True),
    ("batchnorm2d momentum 1 on batch 1", (2, 3, 2), 1,
     lambda: [nn.BatchNorm2d(2, momentum=1.0)], lambda: [descent.BatchNorm2d(2, momentum=1.0)], True),
    ("batchnorm2d momentum 0, eps 1e-1, 1 x 1 images", (3, 1, 1), 4,
     lambda: [nn.BatchNorm2d(3, eps=0.1, momentum=0.0)],
     lambda: [descent.BatchNorm2d(3, eps=0.1, momentum=0.0)], True),
    ("layernorm on T x F, eps 0.1", (3, 4), 2,
     lambda: [nn.LayerNorm(4, eps=0.1)], lambda: [descent.LayerNorm(4, eps=0.1)], True),
    ("layernorm of width 2", (2,), 3,
     lambda: [nn.LayerNorm(2)], lambda: [descent.LayerNorm(2)], True),
    ("lstm hidden 1, input 1", (4, 1), 2,
     lambda: [TorchLSTM(1, 1, batch_first=True)], lambda: [descent.LSTM(1, 1, batch_first=True)],
     False),
    ("gru hidden 1, one time step, last step", (1, 3), 2,
     lambda: [TorchGRU(3, 1, batch_first=True), TorchLast()],
     lambda: [descent.GRU(3, 1, batch_first=True), descent.LastStep()], False),
    ("lstm, last step of T = 1", (1, 2), 3,
     lambda: [TorchLSTM(2, 3, batch_first=True), TorchLast()],
     lambda: [descent.LSTM(2, 3, batch_first=True), descent.LastStep()], False),
    ("leaky relu slope 0 and > 1", (5,), 2,
     lambda: [nn.LeakyReLU(0.0), nn.Linear(5, 5), nn.LeakyReLU(2.5)],
     lambda: [descent.LeakyReLU(0.0), descent.Linear(5, 5), descent.LeakyReLU(2.5)], True),
    ("leaky relu negative slope", (4,), 2,
     lambda: [nn.LeakyReLU(-0.3)], lambda: [descent.LeakyReLU(-0.3)], True),
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_torch(case, isa):
    name, shape, batch, tl, dl, lead = case
    torch.manual_seed(len(name))
    tlayers, dlayers = tl(), dl()
    if lead:
        tp, dp = pre(shape)
        tlayers, dlayers = [tp] + tlayers, [dp] + dlayers
    body = nn.Sequential(*tlayers)
    with torch.no_grad():
        for m in body.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    width = int(np.prod(body(torch.zeros((2,) + shape)).shape[1:]))
    net = nn.Sequential(*tlayers, nn.Flatten(), nn.Linear(width, 3))
    descent.set_isa(isa)
    try:
        model = descent.Sequential(*dlayers, descent.Flatten(), descent.Linear(width, 3),
                                   input_shape=shape).build(batch)
        model.load_state_dict(net.state_dict())
        rng = np.random.default_rng(len(name))
        for step in range(2):
            x = (rng.standard_normal((batch,) + shape) * 1.5 + 0.2).astype(np.float32)
            dy = rng.standard_normal((batch, 3)).astype(np.float32)
            net.train(), model.train()
            net.zero_grad(), model.zero_grad()
            xt = torch.from_numpy(x)
            yt = net(xt)
            yt.backward(torch.from_numpy(dy))
            y = np.asarray(model.forward(x))
            np.testing.assert_allclose(y, yt.detach().numpy(), rtol=2e-5, atol=2e-5,
                                       err_msg="%s: output, step %d" % (isa, step))
            model.backward(dy)
            named = dict(net.named_parameters())
            sd = net.state_dict()
            for i, pname, _s, is_buffer, _shape in model._all_tensors():
                key = "%d.%s" % (i, pname)
                key = key if key in sd else key + "_l0"   # torch's recurrent names
                if is_buffer:
                    got = np.asarray(model.get_buffer(i, pname), dtype=np.float64).reshape(-1)
                    np.testing.assert_allclose(got, sd[key].double().numpy().reshape(-1),
                                               rtol=2e-5, atol=2e-6, err_msg="%s: %s" % (isa, key))
                else:
                    np.testing.assert_allclose(model.param_grad(i, pname), named[key].grad.numpy(),
                                               rtol=1e-4, atol=2e-5,
                                               err_msg="%s: %s grad, step %d" % (isa, key, step))
            net.eval()
            with torch.no_grad():
                want = net(xt).numpy()
            np.testing.assert_allclose(np.asarray(model.eval().predict(x)), want, rtol=2e-5,
                                       atol=2e-5, err_msg="%s: eval output" % isa)
    finally:
        descent.set_isa(None)
