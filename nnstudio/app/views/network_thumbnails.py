"""The map inside each neuron: its output over the input plane, as a small image.

A snapshot's grid holds every hidden neuron's output on a 64 × 64 grid (and the
output's); :func:`input_values` and :func:`neuron_values` pick a column's values and
their colour levels. :class:`ThumbnailRenderer` colours one column of neurons at a time straight
into images of the neurons' size in device pixels, by nearest-neighbour index tables
made once per size. The images are ``Format_ARGB32_Premultiplied`` views of NumPy
buffers kept from one snapshot to the next, so painting copies pixels and nothing is
scaled or converted; a bigger neuron costs only the extra pixels to fill.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from PySide6.QtGui import QImage

from ...core.data import FEATURE_MAPS
from ...core.snapshot import Grid, Snapshot
from .snapshot_forward import neuron_levels

Array = np.ndarray

#: colour levels: (lo, hi) as numbers, or one pair per neuron (arrays of shape (m,))
Levels = tuple[Any, Any]


def symmetric_levels(v: Array) -> Levels:
    """Levels ±max|v| per neuron (the last axis) over the grid (the others): 0 is the
    neutral colour. A neuron that is 0 everywhere gets ±1."""
    space = tuple(range(v.ndim - 1))
    with np.errstate(all="ignore"):
        m = np.nanmax(np.abs(np.where(np.isfinite(v), v, 0.0)), axis=space) if v.size else np.ones(v.shape[-1])
    m = np.where(m > 1e-12, m, 1.0)
    return -m, m


def input_values(feats: Array, grid: Grid, units: Sequence[int],
                 features: Sequence[str | None]) -> tuple[Array, Levels]:
    """The input column's values over the grid, shape (*grid, m), and their levels.

    ``feats`` are the network's inputs on the grid (``ViewBase.grid_inputs``); an input
    item with ``units[k] >= 0`` shows that input (as the network is fed it:
    standardised, if so), one with ``units[k] < 0`` the raw map of ``features[k]``, a
    feature the network is not fed."""
    if all(u >= 0 for u in units):
        v = feats[..., list(units)]
    else:
        gx, gy = np.meshgrid(grid.xs, grid.ys)
        v = np.empty((*gx.shape, len(units)))
        for k, (u, key) in enumerate(zip(units, features)):
            v[..., k] = feats[..., u] if u >= 0 else FEATURE_MAPS[key or "x1"].fn(gx, gy)
    return v, symmetric_levels(v)


def neuron_values(snap: Snapshot, grid: Grid, layer: int, units: Sequence[int],
                  targets: Array | None) -> tuple[Array, Levels] | None:
    """Values over the grid of neurons ``units`` of layer ``layer`` (0 = first hidden;
    the last is the output) and their levels, or None when the grid is of another
    network. Bounded activations use their range, unbounded ones (ReLU, …) each
    neuron's own ±max; outputs are probabilities, or for regression values on the
    scale of the ``targets``."""
    n_layers = len(snap.weights)
    if layer < n_layers - 1:
        if layer >= len(grid.neurons) or grid.neurons[layer].shape[-1] != snap.layer_sizes[layer + 1]:
            return None
        v = grid.neurons[layer][..., list(units)]
        act = snap.activations[layer]
        if act in ("sigmoid", "tanh", "softsign"):
            return v, neuron_levels(act, v)
        return v, symmetric_levels(v)
    if grid.probs is not None:
        return grid.probs[..., list(units)], (0.0, 1.0)
    v = grid.output[..., None]
    if snap.task == "binary":
        return v, (0.0, 1.0)
    y = np.asarray(targets, dtype=np.float64) if targets is not None else v.ravel()
    lo, hi = (float(np.min(y)), float(np.max(y))) if y.size else (-1.0, 1.0)
    return v, (lo, hi if hi > lo else lo + 1.0)


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


__all__ = ["ColumnImages", "Levels", "ThumbnailRenderer", "input_values", "level_indices", "lut_argb32",
           "neuron_values", "symmetric_levels"]
