"""A grid line at every power of ten, for plots of log10 values (the gradient view's).

``PlotItem.showGrid`` repaints through the axes and costs several milliseconds per
plot; one curve of line pairs costs next to nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

Array = np.ndarray

GRID_COLOR = (128, 128, 128, 70)
#: at most this many lines: a loss falling to 10⁻³⁰ would hatch the plot with thirty
MAX_LINES = 10


class DecadeGrid(pg.PlotCurveItem):
    """Horizontal lines at every power of ten, drawn as one curve."""

    def __init__(self) -> None:
        super().__init__(connect="pairs", pen=pg.mkPen(GRID_COLOR, width=1))
        self.setZValue(-20)

    def set_span(self, x0: float, x1: float, lo: float, hi: float) -> None:
        """Lines across ``x0..x1`` at the whole log10 values from ``lo`` to ``hi``: every
        one, or every 2nd, 5th, 10th … when there are more than :data:`MAX_LINES`."""
        ks = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=float)
        step = decade_step(len(ks))
        ks = ks[ks % step == 0]
        if len(ks) == 0 or not (math.isfinite(x0) and math.isfinite(x1)):
            self.setData([], [])
            return
        self.setData(np.tile([x0, x1], len(ks)), np.repeat(ks, 2))


def decade_step(n: int) -> int:
    """Every how many of ``n`` decades a line is drawn: 1, 2, 5, 10, 20 … (at most
    :data:`MAX_LINES` lines)."""
    step, k = 1, 0
    while n > MAX_LINES * step:
        k += 1
        step = (1, 2, 5)[k % 3] * 10 ** (k // 3)
    return step


def log10_or_nan(values: Array) -> Array:
    """log10 of positive values; NaN for 0, negatives and non-finite values (not drawn)."""
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    out = np.full(v.shape, np.nan)
    out[ok] = np.log10(v[ok])
    return out


__all__ = ["GRID_COLOR", "MAX_LINES", "DecadeGrid", "decade_step", "log10_or_nan"]
