"""LSTM, GRU and LastStep: torch's arguments, shapes, state_dict names, the
same outputs and gradients as torch.nn.LSTM / GRU (when PyTorch is there),
and model files that come back with their layers."""

import pytest

import descent

np = pytest.importorskip("numpy")


def seq_model(cls=descent.LSTM, T=4, F=3, H=5):
    return descent.Sequential(cls(F, H, batch_first=True), descent.LastStep(), descent.Linear(H, 2),
                              input_shape=(T, F), max_batch=6)


def test_arguments():
    with pytest.raises(descent.ArgumentError, match="batch_first=False: pass batch_first=True"):
        descent.LSTM(3, 5)
    for kw, what in (({"num_layers": 2}, "num_layers=2"), ({"bidirectional": True}, "bidirectional"),
                     ({"bias": False}, "bias=False"), ({"dropout": 0.5}, "dropout=0.5"),
                     ({"proj_size": 2}, "proj_size=2")):
        with pytest.raises(descent.ArgumentError, match=what):
            descent.GRU(3, 5, batch_first=True, **kw)
    with pytest.raises(descent.ArgumentError, match="hidden_size"):
        descent.GRU(3, 0, batch_first=True)
    with pytest.raises(TypeError):
        descent.LSTM(3.0, 5, batch_first=True)
    with pytest.raises(descent.ArgumentError, match="hidden_size is"):
        descent.LSTM(3, 1 << 62, batch_first=True)  # the library's bound
    assert repr(descent.LSTM(3, 5, batch_first=True)) == "LSTM(3, 5, batch_first=True)"


def test_shapes_and_state_dict_names():
    with pytest.raises(descent.ArgumentError, match=r"layer 0 \(lstm\) needs a T x F input"):
        descent.Sequential(descent.LSTM(4, 5, batch_first=True), input_shape=(6, 3))
    with pytest.raises(descent.ArgumentError, match=r"layer 0 \(last_step\)"):
        descent.Sequential(descent.LastStep(), input_shape=(6,))
    with seq_model(descent.GRU) as m:
        assert m.layer_shapes(0) == ((4, 3), (4, 5))
        assert m.layer_shapes(1) == ((4, 5), (5,))
        assert m.layer_info(0)[0] == descent.LayerKind.GRU
        assert list(m.state_dict()) == ["0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0",
                                        "0.bias_hh_l0", "2.weight", "2.bias"]
        assert m.get_param(0, "weight_ih").shape == (15, 3)
        assert m.get_param(0, "weight_hh").shape == (15, 5)
        assert m.forward(np.zeros((3, 4, 3), np.float32)).shape == (3, 2)
    with descent.Sequential(descent.LSTM(3, 7, batch_first=True), input_shape=(4, 3)) as m:
        assert m.forward(np.zeros((2, 4, 3), np.float32)).shape == (2, 4, 7)  # the whole sequence
        assert m.get_param(0, "bias_hh").shape == (28,)


def test_save_and_load_model(tmp_path):
    path = str(tmp_path / "rnn.safetensors")
    x = np.random.default_rng(2).standard_normal((3, 4, 3)).astype(np.float32)
    with seq_model() as m:
        m.init(seed=5)
        y = m.predict(x)
        m.save(path)
    with descent.load_model(path) as back:
        assert repr(back[0]) == "LSTM(3, 5, batch_first=True)"
        assert repr(back[1]) == "LastStep()"
        np.testing.assert_array_equal(back.predict(x), y)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_same_as_torch(kind):
    torch = pytest.importorskip("torch")
    T, F, H, B = 5, 3, 9, 4
    rnn = getattr(torch.nn, kind)(F, H, batch_first=True)
    head = torch.nn.Linear(H, 2)
    with seq_model(getattr(descent, kind), T, F, H) as m:
        sd = {"0." + k: v.detach().numpy() for k, v in rnn.state_dict().items()}
        sd.update({"2." + k: v.detach().numpy() for k, v in head.state_dict().items()})
        m.load_state_dict(sd)
        x = np.random.default_rng(3).standard_normal((B, T, F)).astype(np.float32)
        xt = torch.from_numpy(x)
        want = head(rnn(xt)[0][:, -1, :])
        np.testing.assert_allclose(m.forward(x), want.detach().numpy(), rtol=1e-5, atol=1e-6)
        dy = np.random.default_rng(4).standard_normal((B, 2)).astype(np.float32)
        want.backward(torch.from_numpy(dy))
        m.zero_grad()
        m.backward(dy)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            np.testing.assert_allclose(m.param_grad(0, name),
                                       getattr(rnn, name + "_l0").grad.numpy(), rtol=1e-4, atol=1e-6)
