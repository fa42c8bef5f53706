"""Datasets from arrays and files."""

import pytest

import descent


def test_from_arrays_split_gather(np):
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = (np.arange(10) % 3).astype(np.int32)
    ds = descent.Dataset(x, labels=y, classes=3)
    assert (len(ds), ds.features, ds.classes, ds.outputs, ds.has_labels) == (10, 2, 3, 3, True)
    assert (ds.inputs == x).all() and (ds.labels == y).all()
    tr, va = ds.split(0.3, seed=1)
    assert len(tr) + len(va) == 10 and len(va) == 3
    xb, tb, lb = ds.gather([1, 4])
    assert (xb == x[[1, 4]]).all() and list(lb) == [1, 1] and tb.tolist() == [[0, 1, 0], [0, 1, 0]]
    sub = ds.subset([0, 0, 9])
    assert sub.labels.tolist() == [0, 0, 0]


def test_borrowed_targets_and_standardize(np):
    x = np.array([[1, 10], [3, 30]], dtype=np.float32)
    t = np.array([[0.5], [1.5]], dtype=np.float32)
    ds = descent.Dataset(x, targets=t, copy=False)
    assert ds.is_borrowed
    mean, std = ds.feature_meanstd()
    assert mean.tolist() == [2, 20] and std.tolist() == [1, 10]
    ds.standardize()
    assert not ds.is_borrowed and ds.inputs.tolist() == [[-1, -1], [1, 1]]
    assert x.tolist() == [[1, 10], [3, 30]]      # the host's array is untouched
    lo, hi = ds.feature_minmax()
    assert lo.tolist() == [-1, -1]


def test_csv(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("a,b,label\n1,2,0\n3,4,1\n5,6,1\n")
    ds = descent.Dataset.load_csv(str(f), target="label", classes=2)
    assert (len(ds), ds.features, ds.classes) == (3, 2, 2)
    reg = descent.Dataset.load_csv(str(f), target_index=0)
    assert reg.targets.reshape(-1).tolist() == [1, 3, 5] if hasattr(reg.targets, "reshape") \
        else list(reg.targets) == [1, 3, 5]


def test_bad_inputs():
    with pytest.raises(descent.ArgumentError):
        descent.Dataset([[1.0, float("nan")]], targets=[[0.0]])
    with pytest.raises(descent.ArgumentError):
        descent.Dataset([[1.0]], labels=[3], classes=2)
    with pytest.raises(descent.ArgumentError):
        descent.Dataset([[1.0]])


def test_getters_report_through_status(np):
    """The C getters return a status and write an out-parameter: a labelled set
    has no targets (None in Python, DSC_E_UNSUPPORTED in C) and a regression
    set no labels; a closed data set raises."""
    import ctypes
    from descent._ffi import C
    ds = descent.Dataset(np.zeros((2, 3), dtype=np.float32), labels=[0, 1], classes=2)
    assert ds.targets is None and ds.labels.tolist() == [0, 1]
    p = ctypes.POINTER(ctypes.c_float)()
    with pytest.raises(descent.UnsupportedError, match="dsc_dataset_targets: the data set has class labels"):
        C.dsc_dataset_targets(ds, ctypes.byref(p))
    reg = descent.Dataset(np.zeros((2, 3), dtype=np.float32), targets=[[1.0], [2.0]])
    assert reg.labels is None and reg.targets.reshape(-1).tolist() == [1, 2]
    assert (len(reg), reg.features, reg.outputs, reg.classes, reg.has_labels) == (2, 3, 1, 0, False)
    n = ctypes.c_size_t(7)
    with pytest.raises(descent.ArgumentError, match="dsc_dataset_count: data set is NULL"):
        C.dsc_dataset_count(None, ctypes.byref(n))
    assert n.value == 0
    with pytest.raises(descent.UnsupportedError, match="mode 5 is not a dsc_dataset_mode"):
        x = (ctypes.c_float * 2)(1, 2)
        C.dsc_dataset_new_targets(ctypes.byref(ctypes.c_void_p()), x, x, 1, 1, 1, 5)
    reg.close()
    with pytest.raises(descent.ClosedError):
        len(reg)
