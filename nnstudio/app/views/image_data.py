"""Data whose inputs are the pixels of a square image: the bundled 8×8 digits, or a CSV
with 16, 25, 64, 784 … input columns.

The digit views (:mod:`.digit_gallery_view`, :mod:`.drawing_pad_view`) show such data
as pictures; for any other data they have nothing to show. Pixels are the raw values
(before standardisation), row by row, as ``load_bundled("digits")`` documents them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtGui import QImage

from ...core.data import PreparedData
from ...core.snapshot import Snapshot

#: the smallest image side the views accept: 4×4 = 16 inputs
MIN_SIDE = 4


def image_side(data: PreparedData | None) -> int:
    """The side of the square image the inputs form, or 0 when they do not form one.

    Classification data only: the views show a true and a predicted class per image.
    Inputs with feature maps (x1², sin x …) are not pixels.
    """
    if data is None or data.task == "regression" or data.feature_keys:
        return 0
    n = data.raw.n_features
    side = math.isqrt(n)
    return side if side * side == n and side >= MIN_SIDE else 0


def snapshot_fits(snap: Snapshot, data: PreparedData | None) -> bool:
    """Whether ``snap`` is of a network for ``data`` (while data change, a snapshot of the
    old network can still arrive): the same inputs and task, and an output layer the task
    allows (one unit per class; two classes: one sigmoid unit or two softmax units)."""
    if data is None or not snap.weights or snap.task != data.task:
        return False
    outputs = (data.n_classes,) if data.task == "multiclass" else (1, 2)
    return snap.layer_sizes[0] == data.n_inputs and snap.layer_sizes[-1] in outputs


def pixel_range(data: PreparedData) -> tuple[float, float]:
    """The range of the raw pixel values (0..16 for the digits); never empty."""
    X = data.raw.X
    lo, hi = (float(X.min()), float(X.max())) if X.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def gray_image(pixels: np.ndarray, side: int, lo: float, hi: float) -> QImage:
    """``pixels`` (side²,) as a ``side × side`` image: ink ``hi`` dark on ``lo`` white
    paper, as the digits were written."""
    t = (np.asarray(pixels, dtype=np.float64).reshape(side, side) - lo) / (hi - lo)
    gray = np.ascontiguousarray(np.clip(255.0 * (1.0 - t), 0, 255).round().astype(np.uint8))
    image = QImage(gray.data, side, side, side, QImage.Format.Format_Grayscale8)
    return image.copy()  # the QImage must not point into the temporary array


def signed_image(values: np.ndarray, side: int, scale: float, lut: np.ndarray) -> QImage:
    """Signed ``values`` (side²,) coloured through ``lut`` (n, 4) uint8: −scale at its
    start, 0 in its middle, +scale at its end."""
    t = 0.5 + 0.5 * np.clip(np.asarray(values, dtype=np.float64).reshape(side, side) / scale, -1.0, 1.0)
    idx = np.nan_to_num(t * (len(lut) - 1)).round().astype(np.intp)
    rgba = np.ascontiguousarray(lut[idx].astype(np.uint8))
    image = QImage(rgba.data, side, side, 4 * side, QImage.Format.Format_RGBA8888)
    return image.copy()


class RowImages(Sequence):
    """``images[i]``: row ``rows[i]`` of the raw data as a gray image, made the first time
    it is asked for (a gallery paints only the tiles in view; 60,000 MNIST-sized images
    made at once would take seconds and ~50 MB)."""

    def __init__(self, data: PreparedData, rows: np.ndarray, side: int) -> None:
        self.data = data
        self.rows = np.asarray(rows, dtype=np.intp)
        self.side = side
        self.lo, self.hi = pixel_range(data)
        self._made: dict[int, QImage] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> QImage:  # type: ignore[override] - no slices needed
        if not -len(self.rows) <= int(i) < len(self.rows):
            raise IndexError(i)
        i = int(i) % len(self.rows)
        image = self._made.get(i)
        if image is None:
            image = gray_image(self.data.raw.X[self.rows[i]], self.side, self.lo, self.hi)
            self._made[i] = image
        return image


__all__ = ["MIN_SIDE", "RowImages", "gray_image", "image_side", "pixel_range", "signed_image", "snapshot_fits"]
