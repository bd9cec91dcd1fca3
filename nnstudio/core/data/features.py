"""Hand-made input features for 2-D data, as in the TensorFlow Playground.

A network with no hidden layer can only draw a straight decision boundary in the
inputs it is given; feeding it ``x1²`` and ``x2²`` as well lets it draw a circle. These
maps are what the learner ticks on and off.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple, Sequence

import numpy as np

from ..errors import SpecError
from ..safetext import printable


class FeatureMap(NamedTuple):
    """``(label, fn)``: the name shown to the learner and ``fn(x1, x2) -> column``."""

    label: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURE_MAPS: dict[str, FeatureMap] = {
    "x1": FeatureMap("x1", lambda a, b: a),
    "x2": FeatureMap("x2", lambda a, b: b),
    "x1^2": FeatureMap("x1²", lambda a, b: a * a),
    "x2^2": FeatureMap("x2²", lambda a, b: b * b),
    "x1*x2": FeatureMap("x1·x2", lambda a, b: a * b),
    "sin(x1)": FeatureMap("sin(x1)", lambda a, b: np.sin(a)),
    "sin(x2)": FeatureMap("sin(x2)", lambda a, b: np.sin(b)),
}

IDENTITY_FEATURES: tuple[str, ...] = ("x1", "x2")


def check_feature_names(names: Sequence[str]) -> tuple[str, ...]:
    """Return ``names`` as a tuple, or raise :class:`SpecError` if any is unknown or repeated."""
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, (list, tuple)) or not all(isinstance(k, str) for k in names):
        raise SpecError(f"the input features must be a list of names such as x1, x2, x1^2, not "
                        f"{printable(repr(names), 40)}")
    names = tuple(names)
    if not names:
        raise SpecError("choose at least one input feature")
    for key in names:
        if key not in FEATURE_MAPS:
            valid = ", ".join(FEATURE_MAPS)
            raise SpecError(f"unknown input feature {key!r}; choose from: {valid}")
    if len(set(names)) != len(names):
        twice = next(k for k in names if names.count(k) > 1)
        raise SpecError(f"the input feature {twice!r} is chosen twice")
    return names


def feature_labels(
    names: Sequence[str], raw_names: Sequence[str] = IDENTITY_FEATURES
) -> tuple[str, ...]:
    """Display labels of the feature maps ``names``.

    When the two raw columns have their own names (a 2-column CSV, say), ``x1`` and
    ``x2`` in the labels are replaced by them: ``"x1²"`` -> ``"height²"``.
    """
    labels = [FEATURE_MAPS[k].label for k in check_feature_names(names)]
    if tuple(raw_names) == IDENTITY_FEATURES:
        return tuple(labels)
    # one pass, so that a raw name containing "x2" is not itself rewritten
    return tuple(re.sub(r"x([12])", lambda m: raw_names[int(m.group(1)) - 1], s) for s in labels)


def apply_features(X2: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Compute the chosen feature maps of 2-D points.

    Parameters
    ----------
    X2 : ndarray, shape (n, 2)
        Raw points ``(x1, x2)``.
    names : sequence of str
        Keys of :data:`FEATURE_MAPS`, in the order wanted.

    Returns
    -------
    ndarray, shape (n, len(names)), float64
        Column ``j`` is ``FEATURE_MAPS[names[j]].fn(x1, x2)``, for example ``x1 * x2``.

    Raises
    ------
    SpecError
        If a name is unknown, or the data does not have exactly 2 columns (feature maps
        are defined for 2-D data only; other data is used as it is, see
        :func:`nnstudio.core.data.prepare`).
    """
    names = check_feature_names(names)
    X2 = np.asarray(X2, dtype=np.float64)
    if X2.ndim != 2 or X2.shape[1] != 2:
        raise SpecError(
            "input features such as x1² and sin(x1) need data with exactly 2 input columns; "
            f"this data has shape {X2.shape}"
        )
    a, b = X2[:, 0], X2[:, 1]
    out = np.empty((X2.shape[0], len(names)), dtype=np.float64)
    for j, key in enumerate(names):
        out[:, j] = FEATURE_MAPS[key].fn(a, b)
    return out
