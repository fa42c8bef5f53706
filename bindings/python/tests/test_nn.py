"""Sequential over dsc_model_add_*: layers appended in order, inspected by
index, refused layers raising the C status, descriptions reusable."""

import pytest

import descent
from descent import LayerKind


def test_layers_in_order_with_their_widths():
    m = descent.Sequential(descent.Linear(3, 5), descent.ReLU(), descent.Dropout(0.25, seed=4),
                           descent.LeakyReLU(0.2), descent.Linear(5, 2, bias=False),
                           descent.Softmax())
    assert len(m) == 6
    assert m.widths == (3, 2)
    assert [m.layer_info(i) for i in range(6)] == [
        (LayerKind.DENSE, 3, 5), (LayerKind.ACTIVATION, 5, 5), (LayerKind.DROPOUT, 5, 5),
        (LayerKind.ACTIVATION, 5, 5), (LayerKind.DENSE, 5, 2), (LayerKind.ACTIVATION, 2, 2)]
    assert m.param_count() == 3 * 5 + 5 + 5 * 2
    assert [name for name, _ in m.named_parameters()] == ["0.weight", "0.bias", "4.weight"]
    with pytest.raises(descent.ArgumentError) as ei:
        m.layer_info(6)
    assert ei.value.function == "dsc_model_layer_info"
    assert "the model has 6 layers" in ei.value.message


def test_linear_must_take_the_width_so_far():
    with pytest.raises(descent.ShapeError) as ei:
        descent.Sequential(descent.Linear(3, 4), descent.Tanh(), descent.Linear(3, 1))
    assert "layer 2 (Linear) expects 3 inputs, but the model gives 4" in ei.value.message


@pytest.mark.parametrize("make, fn", [
    (lambda: descent.Linear(2, 0), "dsc_model_add_dense"),
    (lambda: descent.Linear(0, 2), "dsc_model_new"),
    (lambda: descent.Dropout(1.5), "dsc_model_add_dropout"),
    (lambda: descent.LeakyReLU(float("nan")), "dsc_model_add_leaky_relu"),
])
def test_refused_layer_raises_the_c_error_when_made(make, fn):
    # The library checks the arguments when the layer is made, not later in Sequential.
    with pytest.raises(descent.ArgumentError) as ei:
        make()
    assert ei.value.function == fn


def test_a_description_serves_several_models():
    hidden = descent.Linear(2, 3)
    a = descent.Sequential(hidden, descent.Tanh(), descent.Linear(3, 1)).build(2)
    b = descent.Sequential(hidden, descent.ReLU()).build(2)
    assert a.widths == (2, 1) and b.widths == (2, 3)
    a.close()
    assert b.forward([[1.0, -1.0]]) is not None    # b's layers are its own
