"""Shaped models (Sequential(input_shape=...)), Flatten, and every parameter
and buffer by name: get_param/set_param/param_grad, state_dict over them."""

import numpy as np
import pytest

import descent


def model_chw():
    m = descent.Sequential(descent.ReLU(), descent.Flatten(), descent.Linear(24, 3),
                           input_shape=(2, 3, 4))
    m.build(8)
    return m


def test_shapes():
    with model_chw() as m:
        assert m.input_shape == (2, 3, 4)
        assert m.output_shape == (3,)
        assert m.widths == (24, 3)
        assert m.layer_shapes(0) == ((2, 3, 4), (2, 3, 4))
        assert m.layer_shapes(1) == ((2, 3, 4), (24,))
        assert m.layer_info(1) == (descent.LayerKind.FLATTEN, 24, 24)
        assert repr(m[1]) == "Flatten()"


def test_forward_shapes_and_values():
    with model_chw() as m:
        m.init(seed=3)
        x = np.random.default_rng(1).standard_normal((5, 2, 3, 4)).astype(np.float32)
        y = m.forward(x)
        assert y.shape == (5, 3)
        w, b = m.get_param(2, "weight"), m.get_param(2, "bias")
        want = np.maximum(x.reshape(5, -1), 0) @ w.T + b
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m.forward(x[0]), y[0], rtol=1e-6, atol=1e-6)  # one sample
        np.testing.assert_array_equal(m.forward(x.reshape(5, 24)), y)  # rows
        with pytest.raises(descent.ShapeError, match=r"\[batch, 2, 3, 4\]"):
            m.forward(np.zeros((5, 3, 2, 4), np.float32))
        np.testing.assert_array_equal(m.predict(x), y)


def test_dense_needs_a_flat_input():
    with pytest.raises(descent.ArgumentError, match=r"layer 0 \(dense\) needs a flat input.*got 2 x 3 x 4"):
        descent.Sequential(descent.Linear(24, 3), input_shape=(2, 3, 4))
    with pytest.raises(descent.ArgumentError, match="input_shape has 4 dimensions"):
        descent.Sequential(descent.Flatten(), input_shape=(1, 2, 3, 4))
    with pytest.raises(descent.ArgumentError, match="input_width=5 but input_shape"):
        descent.Sequential(descent.Flatten(), input_shape=(2, 3), input_width=5)
    with pytest.raises(descent.ArgumentError, match="start_dim=0"):
        descent.Flatten(start_dim=0)


def test_named_params_and_grads():
    with model_chw() as m:
        w = np.arange(72, dtype=np.float32).reshape(3, 24) / 100
        m.set_param(2, "weight", w)
        np.testing.assert_array_equal(m.get_param(2, "weight"), w)
        np.testing.assert_array_equal(m.get_weight(2), w)   # the Linear getter agrees
        names = [n for n, _ in m.named_parameters()]
        assert names == ["2.weight", "2.bias"]
        np.testing.assert_array_equal(m.named_parameters()[0][1].data, w)   # a view
        x = np.ones((2, 2, 3, 4), np.float32)
        m.zero_grad()
        m.forward(x)
        m.backward(np.ones((2, 3), np.float32))
        np.testing.assert_array_equal(m.param_grad(2, "bias"), [2, 2, 2])
        with pytest.raises(descent.ArgumentError, match="layer 2 has no parameter 'wieght'"):
            m.get_param(2, "wieght")
        with pytest.raises(descent.ArgumentError, match="layer 0 has no buffer 'running_mean'"):
            m.get_buffer(0, "running_mean")
        with pytest.raises(descent.ShapeError):
            m.set_param(2, "bias", np.zeros(4, np.float32))
        with pytest.raises(descent.ArgumentError, match="finite"):
            m.set_param(2, "bias", np.array([0, np.nan, 0], np.float32))
        assert m.named_buffers() == []


def test_state_dict_round_trip():
    with model_chw() as a, model_chw() as b:
        a.init(seed=7)
        sd = a.state_dict()
        assert list(sd) == ["2.weight", "2.bias"]
        assert sd["2.weight"].shape == (3, 24)
        b.load_state_dict(sd)
        x = np.random.default_rng(2).standard_normal((3, 2, 3, 4)).astype(np.float32)
        np.testing.assert_array_equal(a.forward(x), b.forward(x))
        with pytest.raises(descent.ArgumentError, match="unexpected key"):
            b.load_state_dict(dict(sd, **{"0.weight": sd["2.bias"]}))


def test_file_round_trip(tmp_path):
    with model_chw() as a:
        a.init(seed=5)
        p = str(tmp_path / "m.safetensors")
        a.save(p)
        with descent.load_model(p) as b:
            assert b.input_shape == (2, 3, 4)
            assert repr(b[1]) == "Flatten()"
            np.testing.assert_array_equal(a.get_param(2, "weight"), b.get_param(2, "weight"))
