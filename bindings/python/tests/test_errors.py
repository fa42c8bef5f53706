"""Failures arrive as descent.Error subclasses carrying the C status and message."""

import array

import pytest

import descent
from descent._ffi import C


def test_bad_hyperparameter_raises_with_c_message():
    p, g = array.array("f", [1.0]), array.array("f", [0.0])
    with pytest.raises(descent.ArgumentError) as ei:
        descent.SGD([descent.Parameter(p, g)], lr=-1)
    e = ei.value
    assert isinstance(e, descent.Error) and isinstance(e, ValueError)
    assert e.status == descent.Status.E_ARG
    assert e.status_name == "DSC_E_ARG"
    assert e.function == "dsc_optimizer_set"
    assert e.message == "dsc_optimizer_set: lr is -1; it must be a finite number in [0, 2^32]"
    assert e.message == descent.last_error()
    assert str(e) == "DSC_E_ARG: " + e.message


def test_unsupported_key_and_state_errors():
    p, g = array.array("f", [1.0, 2.0]), array.array("f", [0.0, 0.0])
    opt = descent.Adam([descent.Parameter(p, g)])
    with pytest.raises(descent.UnsupportedError) as ei:
        opt.set("momentum", 0.9)
    assert "momentum" in ei.value.message or "200" in ei.value.message
    opt.step()
    with pytest.raises(descent.StateError):
        opt.set("amsgrad", 1)                      # before the first step only
    assert opt.param_groups[0]["amsgrad"] == 0.0   # a refused call changes nothing


def test_nonfinite_gradient_refused():
    p, g = array.array("f", [1.0]), array.array("f", [float("nan")])
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1)
    with pytest.raises(descent.NonFiniteError) as ei:
        opt.step()
    assert ei.value.status == descent.Status.E_NONFINITE
    assert p[0] == 1.0 and opt.refused_steps == 1


def test_scheduler_errors():
    p, g = array.array("f", [1.0]), array.array("f", [0.0])
    opt = descent.SGD([descent.Parameter(p, g)], lr=0.1)
    with pytest.raises(descent.ArgumentError) as ei:
        descent.StepLR(opt, step_size=0)
    assert ei.value.function == "dsc_lr_scheduler_set"
    assert "step_size" in ei.value.message
    with pytest.raises(descent.StateError) as ei:
        descent.OneCycleLR(opt, max_lr=1.0)           # total_steps required
    assert ei.value.function == "dsc_lr_scheduler_start"
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    plateau = descent.ReduceLROnPlateau(opt)
    with pytest.raises(descent.StateError):
        descent.LRScheduler.step(plateau)             # needs a metric


def test_io_and_format_errors(tmp_path):
    with pytest.raises(descent.IOFailure) as ei:
        descent.Dataset.load_csv(str(tmp_path / "missing.csv"))
    assert "missing.csv" in ei.value.message
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    with pytest.raises(descent.FormatError):
        descent.Dataset.load_csv(str(bad), target="b")


def test_model_shape_error():
    m = descent.Sequential(descent.Linear(3, 2))
    m.build(2)
    with pytest.raises(descent.ShapeError):
        m.forward([[0.0] * 3] * 3)                    # batch above max_batch
    with pytest.raises(descent.StateError):
        m.backward([[0.0, 0.0]])                      # no forward yet


def test_closed_object_raises():
    p, g = array.array("f", [1.0]), array.array("f", [0.0])
    opt = descent.SGD([descent.Parameter(p, g)])
    opt.close()
    opt.close()                                        # idempotent
    with pytest.raises(descent.ClosedError):
        opt.step()


def test_status_message():
    assert C.dsc_status_message(descent.Status.E_NOMEM)
    assert issubclass(descent.NoMemoryError, MemoryError)


def test_python_side_refusals_are_descent_errors(np):
    p = np.zeros(4, dtype=np.float64)
    g = np.zeros(4, dtype=np.float32)
    with pytest.raises(descent.ArgumentError, match="float32"):
        descent.SGD([descent.Parameter(p, g)])
    q = np.zeros((4, 2), dtype=np.float32)[:, 0]        # strided
    with pytest.raises(descent.ArgumentError, match="C-contiguous"):
        descent.SGD([descent.Parameter(q, g)])
    r = np.zeros(4, dtype=np.float32)
    r.flags.writeable = False
    with pytest.raises(descent.ArgumentError, match="read-only"):
        descent.SGD([descent.Parameter(r, g)])
    with pytest.raises(TypeError, match="has no gradient"):
        descent.SGD(np.zeros(4, dtype=np.float32))      # an array without a gradient


def test_lengths_c_cannot_check_are_checked_in_python():
    a = array.array("f", [0.0] * 4)
    with pytest.raises(descent.ArgumentError, match="buffer has 4"):
        descent.Tensor(a, shape=(3, 2))
    mse = descent.MSELoss()
    with pytest.raises(descent.ShapeError, match=r"target has shape \(1, 2\), the input \(2, 2\)"):
        mse([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0]])
    ce = descent.CrossEntropyLoss()
    with pytest.raises(descent.ShapeError, match=r"target has shape \(1,\)"):
        ce([[1.0, 2.0], [3.0, 4.0]], [1])
    ds = descent.Dataset([[1.0, 2.0], [3.0, 4.0]], targets=[[0.0], [1.0]])
    with pytest.raises(descent.ShapeError, match="2 features"):
        ds.standardize([0.0], [1.0])
