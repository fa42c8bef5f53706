"""``Dataset``: inputs with float targets or integer labels, in memory."""

import ctypes
from ctypes import POINTER, c_float, c_int, c_int32, c_size_t, c_void_p

from . import _buf, _check
from ._base import Handle
from ._enums import DatasetMode, Status
from ._ffi import C


def _rows(where, rows):
    return [_check.integer(where, "rows[%d]" % i, r, lo=0)
            for i, r in enumerate(_check.sequence(where, "rows", rows))]


class Dataset(Handle):
    """A data set of ``count`` samples (``dsc_dataset``).

    Build one with ``Dataset(inputs, targets=...)`` (regression) or
    ``Dataset(inputs, labels=..., classes=...)`` (classification), or load
    one with :meth:`load_idx` / :meth:`load_csv`. ``copy=False`` borrows the
    arrays (kept alive by the data set; they must stay unchanged).

    ``inputs`` is [count, features] (further axes are flattened into the
    features: [count, 28, 28] images give 784), or 1-D, [count], one feature
    per sample. ``targets`` is [count, outputs] (further axes flattened) or
    [count] (one output each); ``labels`` is [count] integers (an integer
    dtype: floats, even whole, are refused) and ``classes`` an integer (the
    largest label + 1 when left out). A leading length other than ``count``
    is a :class:`descent.ShapeError`.
    """

    def __init__(self, inputs, targets=None, labels=None, classes=None, copy=True):
        w = "Dataset"
        if (targets is None) == (labels is None):
            raise _buf.arg_error("Dataset: give exactly one of targets= and labels=")
        copy = _check.flag(w, "copy", copy)
        if classes is not None:
            classes = _check.integer(w, "classes", classes, lo=0)
        x = _buf.floats_in(inputs, "inputs")
        if not x.shape:
            raise _buf.error_for(Status.E_SHAPE, "Dataset: inputs is a scalar; it must be "
                                 "[count, features] or [count]")
        count = x.shape[0]
        features = x.n // count
        mode = DatasetMode.COPY if copy else DatasetMode.BORROW
        ptr = c_void_p()
        if targets is not None:
            t = _buf.floats_in(targets, "targets")
            if not t.shape or t.shape[0] != count:
                raise _buf.error_for(Status.E_SHAPE, "Dataset: targets has shape %r; it must be "
                                     "[count, outputs] or [count] with count = %d (the inputs' "
                                     "first axis)" % (tuple(t.shape), count))
            C.dsc_dataset_new_targets(ctypes.byref(ptr), x.ptr, t.ptr, count, features,
                                      t.n // count, mode)
            keep = [x, t]
        else:
            lab, n, lshape, lkeep = _buf.labels_in(labels)
            if tuple(lshape) != (count,):
                raise _buf.error_for(Status.E_SHAPE, "Dataset: labels has shape %r; it must be "
                                     "[count] = (%d,), one integer per sample"
                                     % (tuple(lshape), count))
            if classes is None:
                classes = max(int(v) for v in lab) + 1
            C.dsc_dataset_new_labels(ctypes.byref(ptr), x.ptr, lab, count, features, classes,
                                     mode)
            keep = [x, lab, lkeep]
        self._set(ptr, C.dsc_dataset_free, [] if copy else keep)

    @classmethod
    def _wrap(cls, ptr):
        ds = cls.__new__(cls)
        ds._set(ptr, C.dsc_dataset_free)
        return ds

    @classmethod
    def load_idx(cls, images, labels, classes=10):
        """MNIST-style IDX files (gzipped or not); pixels 0..255 (see :meth:`scale`)."""
        w = "Dataset.load_idx"
        images, labels = _check.path(w, "images", images), _check.path(w, "labels", labels)
        classes = _check.integer(w, "classes", classes, lo=0)
        ptr = c_void_p()
        C.dsc_dataset_load_idx(ctypes.byref(ptr), images, labels, classes)
        return cls._wrap(ptr)

    @classmethod
    def load_csv(cls, path, target=None, target_index=0, classes=0):
        """A CSV file with a header; ``target`` names the target column (or
        ``target_index`` gives it); ``classes`` > 0 makes it a class label."""
        w = "Dataset.load_csv"
        path = _check.path(w, "path", path)
        if target is not None:
            target = _check.string(w, "target", target).encode()
        target_index = _check.integer(w, "target_index", target_index, lo=0)
        classes = _check.integer(w, "classes", classes, lo=0)
        ptr = c_void_p()
        C.dsc_dataset_load_csv(ctypes.byref(ptr), path, target, target_index, classes)
        return cls._wrap(ptr)

    def split(self, val_fraction, seed=0):
        """(train, val): a seeded random split; both own copies of their rows."""
        val_fraction = _check.real("Dataset.split", "val_fraction", val_fraction)
        seed = _check.integer("Dataset.split", "seed", seed, lo=0)
        a, b = c_void_p(), c_void_p()
        C.dsc_dataset_split(ctypes.byref(a), ctypes.byref(b), self, val_fraction, seed)
        return Dataset._wrap(a), Dataset._wrap(b)

    def subset(self, rows):
        """A new data set of the given rows (integers >= 0), in that order."""
        rows = _rows("Dataset.subset", rows)
        idx = (c_size_t * max(len(rows), 1))(*rows)
        ptr = c_void_p()
        C.dsc_dataset_subset(ctypes.byref(ptr), self, idx, len(rows))
        return Dataset._wrap(ptr)

    def _get(self, fn, ctype):
        v = ctype()
        fn(self, ctypes.byref(v))
        return v.value if not isinstance(v, ctypes._Pointer) else v

    def __len__(self):
        return self.count

    count = property(lambda self: self._get(C.dsc_dataset_count, c_size_t))
    features = property(lambda self: self._get(C.dsc_dataset_features, c_size_t))
    outputs = property(lambda self: self._get(C.dsc_dataset_outputs, c_size_t))
    classes = property(lambda self: self._get(C.dsc_dataset_classes, c_size_t))
    has_labels = property(lambda self: bool(self._get(C.dsc_dataset_has_labels, c_int)))
    is_borrowed = property(lambda self: bool(self._get(C.dsc_dataset_is_borrowed, c_int)))

    @property
    def inputs(self):
        """A copy of the inputs [count, features]."""
        p = self._get(C.dsc_dataset_inputs, POINTER(c_float))
        return _buf.copy_out(ctypes.cast(p, c_void_p).value, (self.count, self.features))

    @property
    def targets(self):
        """A copy of the float targets [count, outputs], or None for a labelled set."""
        if self.has_labels:
            return None
        p = self._get(C.dsc_dataset_targets, POINTER(c_float))
        return _buf.copy_out(ctypes.cast(p, c_void_p).value, (self.count, self.outputs))

    @property
    def labels(self):
        """A copy of the labels (a list, or an int32 NumPy array), or None for a
        regression set."""
        if not self.has_labels:
            return None
        p = self._get(C.dsc_dataset_labels, POINTER(c_int32))
        vals = p[:self.count]
        if _buf.np is not None:
            return _buf.np.array(vals, dtype=_buf.np.int32)
        return list(vals)

    def gather(self, rows):
        """(inputs, targets, labels) of the rows, as a mini-batch; targets of a
        labelled set are one-hot rows; labels is None for a regression set."""
        rows = _rows("Dataset.gather", rows)
        idx = (c_size_t * max(len(rows), 1))(*rows)
        x, xf = _buf.new_floats((len(rows), self.features))
        t, tf = _buf.new_floats((len(rows), self.outputs))
        lab = (ctypes.c_int32 * max(len(rows), 1))() if self.has_labels else None
        C.dsc_dataset_gather(self, idx, len(rows), xf.ptr, tf.ptr, lab)
        if lab is not None:
            lab = (_buf.np.array(lab[:len(rows)], dtype=_buf.np.int32) if _buf.np is not None
                   else list(lab[:len(rows)]))
        return x, t, lab

    def scale(self, divisor):
        C.dsc_dataset_scale(self, _check.real("Dataset.scale", "divisor", divisor))
        return self

    def _stats(self, fn):
        a, af = _buf.new_floats((self.features,))
        b, bf = _buf.new_floats((self.features,))
        fn(self, af.ptr, bf.ptr)
        return a, b

    def feature_minmax(self):
        return self._stats(C.dsc_dataset_feature_minmax)

    def feature_meanstd(self):
        return self._stats(C.dsc_dataset_feature_meanstd)

    def _features(self, x, what):
        if x is None:
            return None
        f = _buf.floats_in(x, what)
        if tuple(f.shape) != (self.features,):    # C reads `features` values: check the shape
            raise _buf.error_for(Status.E_SHAPE, "%s has shape %r; the data set has %d features: "
                                 "it must be (%d,)" % (what, tuple(f.shape), self.features,
                                                       self.features))
        return f.ptr

    def normalize_minmax(self, min=None, max=None):
        C.dsc_dataset_normalize_minmax(self, self._features(min, "min"), self._features(max, "max"))
        return self

    def standardize(self, mean=None, std=None):
        C.dsc_dataset_standardize(self, self._features(mean, "mean"), self._features(std, "std"))
        return self
