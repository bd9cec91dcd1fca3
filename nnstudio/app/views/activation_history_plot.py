"""The Gradients view's "activations over time": one layer's output distribution for each of
the last probes (:mod:`.probe_history`), as an image of time × value where saturated or dead
units show as bright bands at the edges of the activation's range."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF

from .. import theme
from .axes import ReadableAxis, linear_labels, nice_step, number_text
from .probe_history import Entry

Array = np.ndarray

NO_PROBES = "no probes yet"


def iteration_ticks(iterations: Sequence[int], min_gap: float = 0.0) -> list[tuple[float, str]]:
    """Labels under the columns of probes at ``iterations`` (non-decreasing): round
    iterations, about four, as the time curves above write theirs, each placed where it
    falls between the columns of the probes around it (the probes come a few times a
    second, not at round iterations). One iteration (stepping phase by phase) is
    labelled once, under its columns' middle.

    The columns need not be evenly spread over the iterations (a run slowed down, then
    sped up, probes fewer iterations apart): labels closer than ``min_gap`` columns to
    the last one kept are left out, so that none is drawn over another."""
    its = np.asarray(iterations, dtype=float)
    m = len(its)
    if m == 0:
        return []
    lo, hi = float(its[0]), float(its[-1])
    if hi <= lo:
        return [(m / 2, number_text(lo, 12))]
    step = max(1.0, nice_step(hi - lo, 4))  # iterations are whole numbers
    values = np.arange(math.ceil(lo / step) * step, hi + 0.5, step)
    # a column spans [i, i + 1): its probe's iteration at its middle
    positions = np.interp(values, its, np.arange(m) + 0.5)
    ticks: list[tuple[float, str]] = []
    for x, label in zip(positions.tolist(), linear_labels(values.tolist(), step)):
        if not ticks or x - ticks[-1][0] >= min_gap:
            ticks.append((float(x), label))
    return ticks


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
        self._iterations: list[int] = []
        self.vb.sigResized.connect(self._label_columns)

    def draw(self, entries: Sequence[Entry], layer: int) -> None:
        """Layer ``layer``'s histograms of ``entries`` (none: say there are no probes yet)."""
        if not entries:
            self.shares = np.zeros((0, 0))
            self._iterations = []
            self.getAxis("bottom").setTicks([[], []])
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
        self._iterations = [it for it, _, _ in entries]
        self._label_columns()

    def _label_columns(self, *_: object) -> None:
        """The iteration labels, a label's width apart at the plot's present width."""
        axis = self.getAxis("bottom")
        m = len(self._iterations)
        if not m:
            return
        metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
        widest = max((metrics.horizontalAdvance(label) for _, label in iteration_ticks(self._iterations)), default=0.0)
        width = self.vb.width()
        gap = (widest + 12) * m / width if width > 0 else m / 4
        axis.setTicks([iteration_ticks(self._iterations, gap), []])
