"""The :class:`Dataset` container: raw data before feature maps and standardisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import DataError

Task = Literal["regression", "binary", "multiclass"]
TASKS: tuple[str, ...] = ("regression", "binary", "multiclass")


def _frozen(a: np.ndarray) -> np.ndarray:
    # Datasets and prepared data are shared between the engine, the plots and the
    # project file; a read-only array turns an accidental in-place edit into an error
    # instead of a silently corrupted experiment.
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Dataset:
    """A raw data set: inputs, targets and what they mean.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs, converted to a read-only float64 copy. Must be finite.
    y : ndarray, shape (n,)
        Targets: float64 values for ``task == "regression"``; int64 class indices
        ``0 .. k-1`` for classification (``k = len(class_names)``). Stored as a
        read-only copy.
    task : {"regression", "binary", "multiclass"}
        ``"binary"`` needs exactly 2 class names, ``"multiclass"`` at least 3.
    feature_names : tuple of str, length d
        Names of the input columns; empty means ``("x1", ..., "xd")``.
    class_names : tuple of str, optional
        Classification only: ``class_names[i]`` is the name of class index ``i``.
        Empty means ``("0", ..., str(max(y)))``.
    name : str, optional
        What the data set is called in the app (for example ``"spiral"``).

    Raises
    ------
    DataError
        If shapes, dtypes, labels or names do not fit together.

    Notes
    -----
    Equality is identity (``eq=False``): comparing arrays element-wise has no single
    truth value.
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        put = object.__setattr__  # the only way to normalise fields of a frozen dataclass
        if self.task not in TASKS:
            raise DataError(f"unknown task {self.task!r}; it must be one of {', '.join(TASKS)}")
        try:
            X = np.array(self.X, dtype=np.float64)
            y = np.array(self.y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"the data must be numbers: {exc}") from None
        if X.ndim != 2 or X.shape[1] < 1:
            raise DataError(f"X must be a table of shape (n, d) with d >= 1, not shape {X.shape}")
        n, d = X.shape
        if y.shape != (n,):
            raise DataError(f"y must have one value per row of X, shape ({n},), not shape {y.shape}")
        bad = np.argwhere(~np.isfinite(X))
        if bad.size:
            r, c = bad[0]
            raise DataError(f"row {r + 1}, input {c + 1}: {X[r, c]} is not a finite number")
        if not np.all(np.isfinite(y)):
            r = int(np.flatnonzero(~np.isfinite(y))[0])
            raise DataError(f"row {r + 1}: the target {y[r]} is not a finite number")

        names = tuple(str(s) for s in self.feature_names) or tuple(f"x{i + 1}" for i in range(d))
        if len(names) != d:
            raise DataError(f"there are {len(names)} feature names for {d} input columns")
        put(self, "feature_names", names)
        put(self, "name", str(self.name))

        if self.task == "regression":
            if self.class_names:
                raise DataError("a regression data set has no class names")
            put(self, "X", _frozen(X))
            put(self, "y", _frozen(y))
            return

        if n and (np.any(y != np.round(y)) or y.min() < 0):
            r = int(np.flatnonzero((y != np.round(y)) | (y < 0))[0])
            raise DataError(f"row {r + 1}: class label {y[r]} is not a class index 0, 1, 2, ...")
        labels = y.astype(np.int64)
        classes = tuple(str(s) for s in self.class_names)
        if not classes:
            k = max(int(labels.max()) + 1 if n else 0, 2 if self.task == "binary" else 3)
            classes = tuple(str(i) for i in range(k))
        if n and labels.max() >= len(classes):
            raise DataError(
                f"class index {labels.max()} is out of range: there are only "
                f"{len(classes)} classes ({', '.join(classes)})"
            )
        if self.task == "binary" and len(classes) != 2:
            raise DataError(f"a binary data set has exactly 2 classes, not {len(classes)}")
        if self.task == "multiclass" and len(classes) < 3:
            raise DataError(f"a multiclass data set has at least 3 classes, not {len(classes)}")
        if len(set(classes)) != len(classes):
            raise DataError(f"class names must differ from each other: {classes}")
        put(self, "class_names", classes)
        put(self, "X", _frozen(X))
        put(self, "y", _frozen(labels))

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(class_names)``); 0 for regression."""
        return 0 if self.task == "regression" else len(self.class_names)

    @property
    def n_samples(self) -> int:
        """Number of rows ``n``."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of raw input columns ``d``."""
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        extra = f", {self.n_classes} classes" if self.n_classes else ""
        return f"Dataset({self.name!r}, {self.task}, X{self.X.shape}{extra})"


def task_for_classes(k: int) -> str:
    """``"binary"`` for 2 classes, ``"multiclass"`` for more."""
    return "binary" if k == 2 else "multiclass"
