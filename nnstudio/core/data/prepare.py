"""From a :class:`DataSpec` to model-ready arrays: load, split, feature-map, standardise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError, SpecError
from ..safetext import printable
from .bundled import load_bundled
from .csvload import load_csv
from .dataset import Dataset, _frozen
from .features import IDENTITY_FEATURES, apply_features, feature_labels
from .generators import GENERATORS, PLAYGROUND_DOMAIN, check_float, check_int, generate
from .spec import DataSpec

MIN_ROWS = 4
#: the largest magnitude of an input (or regression target) trained on: its square, the
#: square of x1² or x1·x2 when standardising, and sums of those over a million rows stay
#: finite (1e50² = 1e100, 1e100² = 1e200). Larger values (a CSV cell 1e308) would make the
#: plot range, the standardisation and the first loss infinite
MAX_ABS_VALUE = 1e50


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Model inputs and targets, split into training and validation parts.

    All arrays are read-only.

    Attributes
    ----------
    X_train : ndarray, shape (n_train, n_inputs), float64
        Inputs after feature maps and standardisation.
    y_train : ndarray, shape (n_train,)
        float64 targets (regression) or int64 class indices (classification).
    X_val, y_val : ndarray, shapes (n_val, n_inputs) and (n_val,)
        The same for validation; ``n_val == 0`` when there is no validation set.
    raw : Dataset
        The whole raw data set.
    train_index, val_index : ndarray of int64
        Rows of ``raw.X`` in each part, in the (shuffled) order of ``X_train``/``X_val``.
    input_names : tuple of str
        Name of each model input, e.g. ``("x1", "x2", "x1²")``.
    task : str
        ``"regression"``, ``"binary"`` or ``"multiclass"``.
    n_classes : int
        0 for regression.
    class_names : tuple of str
    mean, scale : ndarray, shape (n_inputs,), or None
        Standardisation ``z = (x - mean) / scale``, from the training rows only; None
        when not standardised.
    domain : tuple of (float, float), one per raw feature
        Plot range: ``(-6, 6)`` for both axes of 2-D playground data, otherwise the data
        range padded by 10% on each side.
    feature_keys : tuple of str
        Feature maps applied (keys of ``FEATURE_MAPS``); empty when the raw columns are
        used as they are.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    raw: Dataset
    train_index: np.ndarray
    val_index: np.ndarray
    input_names: tuple[str, ...]
    task: str
    n_classes: int
    class_names: tuple[str, ...]
    mean: np.ndarray | None
    scale: np.ndarray | None
    domain: tuple[tuple[float, float], ...]
    feature_keys: tuple[str, ...] = ()

    @property
    def n_inputs(self) -> int:
        """Number of model inputs (columns of ``X_train``)."""
        return len(self.input_names)

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Map raw points to model inputs exactly as the training data was mapped.

        Parameters
        ----------
        X_raw : ndarray, shape (m, d)
            Raw points with ``d == raw.n_features`` (shape (m,) is accepted when d == 1),
            for example a grid to draw a decision boundary on.

        Returns
        -------
        ndarray, shape (m, n_inputs), float64
        """
        X = np.asarray(X_raw, dtype=np.float64)
        d = self.raw.n_features
        if X.ndim == 1 and d == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != d:
            raise DataError(f"expected raw points of shape (m, {d}), not {X.shape}")
        return _transform(X, self.feature_keys, self.mean, self.scale)


def _transform(X, keys, mean, scale) -> np.ndarray:
    Z = apply_features(X, keys) if keys else X.copy()
    if mean is not None:
        Z = (Z - mean) / scale
    return Z


def split(dataset: Dataset, validation_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Choose training and validation rows at random.

    ``n_val = round(f * n)`` rows go to validation (at least 1 and at most ``n - 1``
    when ``f > 0``). For classification the split is stratified: each class gives about
    the share ``f`` of its rows (largest-remainder rounding, so the total is still
    ``n_val``), and every class with at least 2 rows appears in both parts.

    Parameters
    ----------
    dataset : Dataset
    validation_fraction : float
        ``0 <= f < 1``.
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same split.

    Returns
    -------
    train_index, val_index : ndarray of int64
        Disjoint row indices covering ``0 .. n-1``, each in shuffled order.
    """
    f = check_float(validation_fraction, "the validation fraction")
    if not 0.0 <= f < 1.0:
        raise SpecError(f"the validation fraction must be at least 0 and less than 1, not {f:g}")
    rng = np.random.default_rng(check_int(seed, "the seed", 0))
    n = dataset.n_samples
    n_val = 0 if f == 0 else min(max(int(np.floor(f * n + 0.5)), 1), n - 1)

    if dataset.task == "regression" or n_val == 0:
        perm = rng.permutation(n).astype(np.int64)
        return perm[n_val:], perm[:n_val]

    y = dataset.y
    counts = np.bincount(y, minlength=dataset.n_classes)
    quota = f * counts
    take = np.floor(quota).astype(np.int64)
    extra = n_val - int(take.sum())
    if extra > 0:
        # stable sort so that ties go to the lower class index, deterministically
        order = np.argsort(-(quota - take), kind="stable")
        take[order[:extra]] += 1
    # every class with >= 2 rows in both parts, even if the total moves by a little
    take = np.where(counts >= 2, np.clip(take, 1, counts - 1), 0)

    val_parts, train_parts = [], []
    for c in range(len(counts)):
        rows = rng.permutation(np.flatnonzero(y == c))
        val_parts.append(rows[: take[c]])
        train_parts.append(rows[take[c]:])
    train = rng.permutation(np.concatenate(train_parts)).astype(np.int64)
    val = rng.permutation(np.concatenate(val_parts)).astype(np.int64)
    return train, val


def _domain(X: np.ndarray) -> tuple[tuple[float, float], ...]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.where(hi > lo, 0.1 * (hi - lo), 1.0)  # a constant column still gets a range
    return tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad))


def _load(spec: DataSpec, inline: Dataset | None) -> Dataset:
    if spec.source == "generator":
        options = dict(n_classes=spec.n_classes, slope=spec.slope)
        return generate(spec.name, spec.n_samples, spec.noise, spec.seed, **options)
    if spec.source == "bundled":
        return load_bundled(spec.name)
    if spec.source == "csv" and inline is None:
        return load_csv(spec.csv_path, spec.target_column, spec.categorical_target)
    if inline is None:
        raise DataError("there are no points yet: add some points before training")
    if not isinstance(inline, Dataset):
        raise DataError(f"inline data must be a Dataset, not {type(inline).__name__}")
    return inline


def _check_magnitude(ds: Dataset) -> None:
    """Refuse inputs (and regression targets) beyond ±MAX_ABS_VALUE, naming the column."""
    X = np.asarray(ds.X)
    y = np.asarray(ds.y) if ds.task == "regression" else np.zeros(0)
    for values, names, target in ((X.reshape(len(X), -1), ds.feature_names, False), (y.reshape(-1, 1), (), True)):
        if values.size == 0:
            continue
        # the extremes of each column, without a copy of the data (a CSV may take 100 MB)
        lo, hi = values.min(axis=0).astype(np.float64), values.max(axis=0).astype(np.float64)
        far = np.where(-lo > hi, lo, hi)
        big = np.abs(far) > MAX_ABS_VALUE
        if not big.any():
            continue
        j = int(np.argmax(big))
        name = ("the target" if target else f"the input column '{printable(names[j], 40)}'" if j < len(names)
                else f"input column {j + 1}")
        raise DataError(f"{name} holds the value {float(far[j]):g}; values beyond ±{MAX_ABS_VALUE:g} cannot be "
                        "trained on: rescale the column (other units, or a logarithm)")


def _check_trainable(ds: Dataset) -> None:
    if ds.n_samples < MIN_ROWS:
        raise DataError(f"there are only {ds.n_samples} data points; at least {MIN_ROWS} are needed")
    _check_magnitude(ds)
    if ds.task != "regression":
        present = np.unique(ds.y)
        if present.size < 2:
            raise DataError(
                f"every data point is of class {ds.class_names[present[0]]!r}; "
                "classification needs examples of at least two classes"
            )


def prepare(spec: DataSpec, inline: Dataset | None = None) -> PreparedData:
    """Make or load the data of ``spec`` and turn it into model inputs.

    Steps: get the raw :class:`Dataset` (generator, bundled, CSV, or ``inline``);
    :func:`split` it with ``spec.seed``; apply the feature maps ``spec.features`` (only
    when the raw data has 2 columns; for other data the raw columns are used as they
    are and ``spec.features`` must be the default ``("x1", "x2")``); if
    ``spec.standardize``, z-score each input with the training rows' statistics::

        mean = Z_train.mean(axis=0),  scale = Z_train.std(axis=0)  (1 where it is 0)
        Z = (Z - mean) / scale

    Parameters
    ----------
    spec : DataSpec
    inline : Dataset, optional
        The data for ``spec.source == "inline"`` (for example points painted by the
        learner), or the rows of ``spec.csv_path`` already loaded (the app loads them in
        the background, perhaps without their bad rows; the file is not read again);
        ignored otherwise.

    Returns
    -------
    PreparedData

    Raises
    ------
    DataError
        If the data cannot be made or loaded, has fewer than 4 rows, has a single
        class, or inline data is missing.
    SpecError
        If feature maps are chosen for data that does not have 2 columns.
    """
    if not isinstance(spec, DataSpec):
        raise SpecError(f"expected a DataSpec, not {type(spec).__name__}")
    raw = _load(spec, inline)
    _check_trainable(raw)
    d = raw.n_features

    if d == 2:
        keys = spec.features
        input_names = feature_labels(keys, raw.feature_names)
    elif spec.features == IDENTITY_FEATURES:
        keys, input_names = (), raw.feature_names
    else:
        raise SpecError(
            f"input features such as x1² and sin(x1) only work with 2 input columns, and "
            f"this data has {d}; choose just x1 and x2 to use the columns as they are"
        )

    train_index, val_index = split(raw, spec.validation_fraction, spec.seed)
    Z_train = _transform(raw.X[train_index], keys, None, None)
    mean = scale = None
    if spec.standardize:
        mean = Z_train.mean(axis=0)
        std = Z_train.std(axis=0)
        # a constant input carries no information; dividing by 1 keeps it finite
        scale = np.where(std > 0, std, 1.0)
        Z_train = (Z_train - mean) / scale
        mean, scale = _frozen(mean), _frozen(scale)
    Z_val = _transform(raw.X[val_index], keys, mean, scale)

    playground = d == 2 and (
        (spec.source == "generator" and GENERATORS[spec.name].n_features == 2)
        or (spec.source == "inline" and bool(np.all(np.abs(raw.X) <= 6.0)))
    )
    return PreparedData(
        X_train=_frozen(Z_train),
        y_train=_frozen(raw.y[train_index]),
        X_val=_frozen(Z_val),
        y_val=_frozen(raw.y[val_index]),
        raw=raw,
        train_index=_frozen(train_index),
        val_index=_frozen(val_index),
        input_names=tuple(input_names),
        task=raw.task,
        n_classes=raw.n_classes,
        class_names=raw.class_names,
        mean=mean,
        scale=scale,
        domain=PLAYGROUND_DOMAIN if playground else _domain(raw.X),
        feature_keys=tuple(keys),
    )
