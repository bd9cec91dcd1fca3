"""The Gradients view's "activations over time": one layer's output distribution for each of
the last probes (:mod:`.probe_history`), as an image of time × value where saturated or dead
units show as bright bands at the edges of the activation's range."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from .. import theme
from .axes import ReadableAxis
from .probe_history import Entry

Array = np.ndarray

NO_PROBES = "no probes yet"


def iteration_ticks(iterations: Sequence[int]) -> list[tuple[float, str]]:
    """Labels under the columns of probes at ``iterations``: about four, the last column's
    always, and an iteration several probes share (stepping phase by phase) once."""
    m = len(iterations)
    k = max(1, m // 3)
    ticks = [(i + 0.5, str(iterations[i])) for i in range(0, m, k)]
    if m > 1 and ticks[-1][0] != m - 0.5:
        if m - 1 - (ticks[-1][0] - 0.5) < k / 2:
            ticks.pop()
        ticks.append((m - 0.5, str(iterations[-1])))
    return [t for j, t in enumerate(ticks) if j == 0 or t[1] != ticks[j - 1][1]]


class ActivationHistoryPlot(pg.PlotItem):
    """The histogram image; :attr:`shares` holds what it shows, (probes, bins)."""

    def __init__(self) -> None:
        super().__init__(axisItems={"left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")})
        # the plot may be a few dozen pixels high: "a" then, the full title in the tooltip
        self.getAxis("left").set_titles("activation a", "a")
        self.setLabel("bottom", "iteration")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.addItem(self.image)
        self.empty = pg.TextItem(NO_PROBES, color=theme.foreground(), anchor=(0.5, 0.5))
        self.addItem(self.empty, ignoreBounds=True)
        self.shares = np.zeros((0, 0))

    def draw(self, entries: Sequence[Entry], layer: int) -> None:
        """Layer ``layer``'s histograms of ``entries`` (none: say there are no probes yet)."""
        if not entries:
            self.shares = np.zeros((0, 0))
            self.image.clear()
            self.empty.setText(NO_PROBES)
            self.empty.setPos(0.5, 0.5)
            self.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            return
        self.empty.setText("")
        counts = np.array([c[layer] for _, c, _ in entries])
        totals = counts.sum(axis=1, keepdims=True)
        self.shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        edges = entries[-1][2][layer]
        m = len(self.shares)
        # brightness ∝ √share, so a crowded bin (ReLU's 0 of off units) does not hide the rest
        shown = np.sqrt(self.shares)
        top = float(shown.max()) if shown.size else 1.0
        self.image.setImage(shown, levels=(0.0, top if top > 0 else 1.0), autoLevels=False)
        self.image.setRect(QRectF(0.0, float(edges[0]), float(m), float(edges[-1] - edges[0])))
        self.setRange(xRange=(0, max(m, 1)), yRange=(float(edges[0]), float(edges[-1])), padding=0)
        self.getAxis("bottom").setTicks([iteration_ticks([it for it, _, _ in entries]), []])
