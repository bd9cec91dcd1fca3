"""The map inside each neuron: its output over the input plane, as a small image.

A snapshot's grid holds every hidden neuron's output on a 64 × 64 grid (and the
output's). :class:`ThumbnailRenderer` colours one column of neurons at a time straight
into images of the neurons' size in device pixels, by nearest-neighbour index tables
made once per size. The images are ``Format_ARGB32_Premultiplied`` views of NumPy
buffers kept from one snapshot to the next, so painting copies pixels and nothing is
scaled or converted; a bigger neuron costs only the extra pixels to fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtGui import QImage

Array = np.ndarray


def lut_argb32(lut: Array) -> Array:
    """An RGBA lookup table (n, 4) uint8 as opaque 32-bit ``0xAARRGGBB`` pixels (n,)."""
    lut = np.asarray(lut, dtype=np.uint32)
    return (np.uint32(0xFF000000) | (lut[:, 0] << 16) | (lut[:, 1] << 8) | lut[:, 2]).astype(np.uint32)


def level_indices(values: Array, lo: Any, hi: Any, n: int) -> Array:
    """Values (ny, nx, m) → indices into an n-colour table (m, ny, nx), intp.

    ``lo``/``hi`` are the levels: numbers, or one per neuron (shape (m,)). Values
    outside clip to the ends; NaN takes the middle colour.
    """
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    scale = (n - 1) / np.where(hi > lo, hi - lo, 1.0)
    with np.errstate(all="ignore"):
        t = (values.transpose(2, 0, 1) - lo[..., None, None]) * scale[..., None, None]
    np.clip(t, 0, n - 1, out=t)  # ±inf clip to the ends; NaN stays NaN
    t[np.isnan(t)] = (n - 1) / 2
    return t.astype(np.intp)


class ColumnImages:
    """The images of one column's neurons: ``m`` square ARGB32 images of ``px`` device
    pixels a side, over one shared buffer that is refilled in place."""

    def __init__(self, m: int, px: int, dpr: float) -> None:
        self.px = px
        self.buffer = np.zeros((m, px, px), dtype=np.uint32)
        self.images: list[QImage] = []
        for k in range(m):
            img = QImage(self.buffer[k].data, px, px, 4 * px, QImage.Format.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(dpr)
            self.images.append(img)


class ThumbnailRenderer:
    """Colours neuron values over the grid into per-column images, reusing buffers."""

    def __init__(self) -> None:
        self._columns: dict[int, ColumnImages] = {}
        self._tables: dict[tuple[int, int, int], tuple[Array, Array]] = {}

    def clear(self) -> None:
        """Forget every buffer (the architecture changed)."""
        self._columns.clear()

    def _table(self, ny: int, nx: int, px: int) -> tuple[Array, Array]:
        """Grid row and column of each image pixel; image rows run top-down, grid rows
        bottom-up (y points up)."""
        key = (ny, nx, px)
        t = self._tables.get(key)
        if t is None:
            centres = (np.arange(px) + 0.5) / px
            rows = np.minimum((centres * ny).astype(np.intp), ny - 1)[::-1].copy()
            cols = np.minimum((centres * nx).astype(np.intp), nx - 1)
            t = self._tables[key] = (rows, cols)
        return t

    def column(self, col: int, m: int, px: int, dpr: float) -> ColumnImages:
        """The (reused) images of column ``col``: ``m`` neurons, ``px`` device pixels."""
        ci = self._columns.get(col)
        if ci is None or ci.px != px or len(ci.images) != m:
            ci = self._columns[col] = ColumnImages(m, px, dpr)
        return ci

    def render(self, col: int, values: Array, lo: Any, hi: Any, lut32: Array, px: int, dpr: float) -> list[QImage]:
        """Images of the neurons of column ``col`` showing ``values`` (ny, nx, m) with
        colour levels ``lo``..``hi`` (numbers, or one per neuron): ``px`` device pixels
        a side, the grid's first row at the bottom. The images are the column's buffers,
        refilled: the same objects as last time unless the size changed."""
        ny, nx, m = values.shape
        ci = self.column(col, m, px, dpr)
        idx = level_indices(values, lo, hi, len(lut32))
        rows, cols = self._table(ny, nx, px)
        small = lut32[idx]  # (m, ny, nx): colour the grid first, then enlarge
        np.take(small[:, rows], cols, axis=2, out=ci.buffer)
        return ci.images


__all__ = ["ColumnImages", "ThumbnailRenderer", "level_indices", "lut_argb32"]
