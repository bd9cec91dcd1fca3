"""Synthetic data sets in the style of the TensorFlow Playground, plus 1-D regression.

Every generator draws from ``np.random.default_rng(seed)``, so the same arguments give
the same data. The points are drawn first and the noise afterwards: with one seed,
moving the noise slider only moves the noise, never the underlying points.

``noise`` is on a 0..1 scale for every generator (0 = clean, 0.5 = moderately noisy,
1 = very noisy). For the 2-D sets it jitters the point positions (classification) or
adds to the target (regression); the 2-D sets live in the square ``[-6, 6]²``
(:data:`PLAYGROUND_DOMAIN`) and jittered points are clipped to it.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Callable, NamedTuple

import numpy as np

from ..errors import SpecError
from .dataset import Dataset

PLAYGROUND_DOMAIN: tuple[tuple[float, float], ...] = ((-6.0, 6.0), (-6.0, 6.0))
BINARY_CLASS_NAMES = ("-1", "+1")
MAX_SAMPLES = 1_000_000
MAX_CLASSES = 10  # the multi-class generators give classes the letters A..J


class GeneratorInfo(NamedTuple):
    """What a generator makes: ``(task, description, n_features)``."""

    task: str
    description: str
    n_features: int


GENERATORS: dict[str, GeneratorInfo] = {
    "circle": GeneratorInfo("binary", "A disc of +1 points inside a ring of -1 points.", 2),
    "xor": GeneratorInfo("binary", "Exclusive or: +1 where x1 and x2 have the same sign.", 2),
    "gaussians": GeneratorInfo("binary", "Two Gaussian clouds, one per class.", 2),
    "spiral": GeneratorInfo("binary", "Two interleaved spirals, one per class.", 2),
    "plane": GeneratorInfo("regression", "A tilted plane: y = (x1 + x2) / 12.", 2),
    "multi_gaussian": GeneratorInfo(
        "regression", "Six Gaussian bumps, up and down, on a 3x2 grid.", 2
    ),
    "spiral_multi": GeneratorInfo("multiclass", "A spiral with one arm per class.", 2),
    "blobs": GeneratorInfo("multiclass", "One Gaussian blob per class, around a circle.", 2),
    "line": GeneratorInfo("regression", "A straight line: y = slope * x, x in [-1, 1].", 1),
    "sine": GeneratorInfo("regression", "One period of a sine wave: y = sin(x), x in [-pi, pi].", 1),
}

_OPTIONS = ("n_classes", "slope")


# ---------------------------------------------------------------------------- checks
# Shared with DataSpec so that a setting is judged by the same words everywhere.


def check_generator_name(name: object) -> None:
    """Raise :class:`SpecError` unless ``name`` is a key of :data:`GENERATORS`."""
    if name not in GENERATORS:
        raise SpecError(f"unknown data generator {name!r}; choose one of: {', '.join(GENERATORS)}")


def check_int(value: object, what: str, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as int if it is a whole number in ``[lo, hi]``, else raise SpecError."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise SpecError(f"{what} must be a whole number, not {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        limit = f"at least {lo}" if hi is None else f"between {lo:,} and {hi:,}"
        # a number too long to write (Python refuses past 4,300 digits): its size instead
        shown = f"{value:,}" if abs(value) < 10**30 else f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        raise SpecError(f"{what} must be {limit}, not {shown}")
    return value


def check_float(
    value: object, what: str, lo: float | None = None, hi: float | None = None
) -> float:
    """Return ``value`` as float if it is a finite number in ``[lo, hi]``, else raise SpecError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise SpecError(f"{what} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise SpecError(f"{what} must be a finite number, not {value}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SpecError(f"{what} must be between {lo:g} and {hi:g}, not {value:g}")
    return value


# ------------------------------------------------------------------------- generators


def _split_counts(n: int, k: int) -> list[int]:
    # as equal as possible; the first classes get the remainder
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _labels(counts: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def _jitter(rng: np.random.Generator, X: np.ndarray, std: float) -> np.ndarray:
    X = X + rng.normal(0.0, 1.0, X.shape) * std
    return np.clip(X, -6.0, 6.0)


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def _circle(rng, n, noise, **_):
    # +1 = inner disc r in [0, 2.5], -1 = outer ring r in [3.5, 5]; the gap of 1 is
    # closed by noise (position std 2*noise).
    n_out, n_in = _split_counts(n, 2)
    r = np.concatenate([rng.uniform(3.5, 5.0, n_out), rng.uniform(0.0, 2.5, n_in)])
    t = rng.uniform(0.0, 2 * np.pi, n)
    return _jitter(rng, _polar(r, t), 2.0 * noise), _labels([n_out, n_in])


def _xor(rng, n, noise, **_):
    # |x1|, |x2| in [0.3, 5.3]: a margin of 0.3 along the axes keeps a clean XOR
    # visibly separable. Signs are drawn per class so that the classes are balanced.
    n_neg, n_pos = _split_counts(n, 2)
    y = _labels([n_neg, n_pos])
    s1 = rng.choice([-1.0, 1.0], n)
    s2 = np.where(y == 1, s1, -s1)  # +1: same sign, -1: opposite signs
    X = rng.uniform(0.3, 5.3, (n, 2)) * np.column_stack([s1, s2])
    return _jitter(rng, X, 1.5 * noise), y


def _gaussians(rng, n, noise, **_):
    n_neg, n_pos = _split_counts(n, 2)
    centres = np.repeat(np.array([[-2.0, -2.0], [2.0, 2.0]]), [n_neg, n_pos], axis=0)
    std = 0.5 + 2.5 * noise  # overlap grows with noise
    return np.clip(centres + rng.normal(0.0, std, (n, 2)), -6.0, 6.0), _labels([n_neg, n_pos])


def _spiral_arms(rng, n, k, noise):
    # Arm j: r = 5 s, angle = 1.75 turns * s + 2 pi j / k, with s uniform in [0, 1].
    counts = _split_counts(n, k)
    y = _labels(counts)
    s = rng.uniform(0.0, 1.0, n)
    t = 1.75 * 2 * np.pi * s + 2 * np.pi * y / k
    return _jitter(rng, _polar(5.0 * s, t), 1.0 * noise), y


def _spiral(rng, n, noise, **_):
    return _spiral_arms(rng, n, 2, noise)


def _spiral_multi(rng, n, noise, n_classes=3, **_):
    return _spiral_arms(rng, n, n_classes, noise)


def _blobs(rng, n, noise, n_classes=3, **_):
    counts = _split_counts(n, n_classes)
    y = _labels(counts)
    angle = 2 * np.pi * np.arange(n_classes) / n_classes + np.pi / 2
    centres = _polar(np.full(n_classes, 3.5), angle)[y]
    std = 0.5 + 1.5 * noise
    return np.clip(centres + rng.normal(0.0, std, (n, 2)), -6.0, 6.0), y


def _plane(rng, n, noise, **_):
    X = rng.uniform(-6.0, 6.0, (n, 2))
    y = (X[:, 0] + X[:, 1]) / 12.0  # in [-1, 1]
    return X, y + rng.normal(0.0, 1.0, n) * 0.5 * noise


# (centre x, centre y, sign) of the bumps of "multi_gaussian"
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def _multi_gaussian(rng, n, noise, **_):
    # y = sum_j s_j exp(-|x - c_j|² / (2 * 1.5²)), roughly in [-1, 1]
    X = rng.uniform(-6.0, 6.0, (n, 2))
    d2 = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    y = (np.exp(-d2 / (2 * 1.5**2)) * _BUMPS[:, 2]).sum(axis=1)
    return X, y + rng.normal(0.0, 1.0, n) * 0.5 * noise


def _line(rng, n, noise, slope=2.0, **_):
    x = rng.uniform(-1.0, 1.0, n)
    # noise 0 must give y == slope * x exactly, so the noise term is added (0.0) last
    return x[:, None], slope * x + rng.normal(0.0, 1.0, n) * noise


def _sine(rng, n, noise, **_):
    x = rng.uniform(-np.pi, np.pi, n)
    return x[:, None], np.sin(x) + rng.normal(0.0, 1.0, n) * 0.5 * noise


_MAKERS: dict[str, Callable] = {
    "circle": _circle,
    "xor": _xor,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "plane": _plane,
    "multi_gaussian": _multi_gaussian,
    "spiral_multi": _spiral_multi,
    "blobs": _blobs,
    "line": _line,
    "sine": _sine,
}


def generate(name: str, n_samples: int, noise: float = 0.0, seed: int = 0, **options) -> Dataset:
    """Make a synthetic data set.

    Parameters
    ----------
    name : str
        A key of :data:`GENERATORS`.
    n_samples : int
        Number of points ``n``, 4 .. 1,000,000. Classes get ``n // k`` points each
        (the first ``n % k`` classes one more).
    noise : float
        0..1; how noisy the data is (see the module notes).
    seed : int
        Seed of ``np.random.default_rng``; same arguments => identical data.
    **options
        ``n_classes`` (int, 3..10) for ``"spiral_multi"`` and ``"blobs"``;
        ``slope`` (float) for ``"line"``. Options a generator does not use are ignored.

    Returns
    -------
    Dataset
        ``X`` of shape (n, 2) (or (n, 1) for ``"line"`` and ``"sine"``), feature names
        ``("x1", "x2")`` / ``("x",)``. Binary sets have classes ``("-1", "+1")``;
        multi-class sets ``("A", "B", ...)``.

    Raises
    ------
    SpecError
        For an unknown name or option, or a value out of range.
    """
    check_generator_name(name)
    n = check_int(n_samples, "the number of samples", 4, MAX_SAMPLES)
    noise = check_float(noise, "noise", 0.0, 1.0)
    seed = check_int(seed, "the seed", 0)
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        valid = ", ".join(_OPTIONS)
        raise SpecError(f"unknown generator option {unknown[0]!r}; valid options are: {valid}")
    kwargs = {}
    if "n_classes" in options:
        kwargs["n_classes"] = check_int(
            options["n_classes"], "the number of classes", 3, MAX_CLASSES
        )
    if "slope" in options:
        kwargs["slope"] = check_float(options["slope"], "the slope")

    info = GENERATORS[name]
    k = kwargs.setdefault("n_classes", 3) if info.task == "multiclass" else 2
    if info.task != "regression" and n < 2 * k:
        raise SpecError(f"{k} classes need at least {2 * k} samples (2 per class), not {n}")
    X, y = _MAKERS[name](np.random.default_rng(seed), n, noise, **kwargs)
    if info.task == "binary":
        class_names = BINARY_CLASS_NAMES
    elif info.task == "multiclass":
        class_names = tuple("ABCDEFGHIJ"[:k])
    else:
        class_names = ()
    feature_names = ("x1", "x2") if info.n_features == 2 else ("x",)
    return Dataset(X, y, info.task, feature_names, class_names, name=name)
