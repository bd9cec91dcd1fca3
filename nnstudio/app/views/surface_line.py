"""The loss on the straight line from the initial to the current weights.

Under the loss-landscape map: ``L((1 − t)·θ₀ + t·θ)`` for ``t`` a little beyond 0 … 1
(Goodfellow et al. 2015's linear interpolation), the two ends marked. The engine computes
it with the surface (:mod:`.surface_compute`); this widget only draws it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from .axes import ReadableAxis
from .surface_map import label_axis

Array = np.ndarray


class InitialLinePlot(pg.PlotWidget):
    """A short plot of the loss along ``t`` with markers at ``t = 0`` and ``t = 1``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")})
        fg = theme.foreground()
        self.setFixedHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.plot: pg.PlotItem = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        label_axis(self.plot.getAxis("bottom"), "t   (0 = initial weights, 1 = current weights)")
        label_axis(self.plot.getAxis("left"), "loss")
        self.curve = self.plot.plot(pen=pg.mkPen(theme.POSITIVE, width=2))
        self.ends = self.plot.plot(pen=None, symbol="o", symbolSize=9,
                                   symbolBrush=[pg.mkBrush(fg), pg.mkBrush(230, 40, 40)], symbolPen=None)

    def show_line(self, ts: Array, losses: Array) -> None:
        """The losses at ``ts`` (overflowed ones left out), the ends at ``t = 0`` and ``1`` marked."""
        if not len(ts):
            self.clear_line()
            return
        self.curve.setData(ts, np.where(np.isfinite(losses), losses, np.nan))
        ends = [k for k, t in enumerate(ts) if t in (0.0, 1.0)]
        self.ends.setData(ts[ends], losses[ends])

    def clear_line(self) -> None:
        self.curve.setData([], [])
        self.ends.setData([], [])


__all__ = ["InitialLinePlot"]
