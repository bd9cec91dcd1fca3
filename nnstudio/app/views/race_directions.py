"""The race's error along the bowl's two eigen-directions, step by step, on a log scale.

On the bowl ``f = ½·(x² + κ·y²)`` the eigen-directions are the axes: along x the
curvature is 1 (the slow direction), across y it is κ (the fast one), and the error
along each is just ``|x|`` and ``|y|`` (the minimum is the origin). For one chosen racer
the plot shows both over the steps; for SGD, momentum and Nesterov a dashed line of
slope ``ρ`` per step goes with each, ``ρ`` being the closed-form rate of that direction
(:mod:`nnstudio.core.momentum_theory`). The line is laid over the run's second half,
through its highest point relative to that slope: an envelope that the curve's peaks
touch. (Not through the start: at a repeated root the error goes like ``(a + b·k)·ρᵏ``,
and an oscillating error dips towards zero, so neither the start nor the last point
anchors the line well.) A straight falling line on a log scale is a fixed rate.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.momentum_theory import gd_direction_rates, heavy_ball_direction_rates, nesterov_direction_rates
from .. import theme
from .axes import LogAxis, ReadableAxis
from .race_racers import RACERS, SHORT_NAMES

Array = np.ndarray

#: the fast direction's colour (y); the slow one (x) is drawn in the text colour
FAST = QColor(214, 39, 120)
#: errors below this are drawn at it (log10 of 0 is not a number); the plot stops above
FLOOR = 1e-300
#: the lowest error shown: below double precision's reach relative to the start
LOWEST_LOG = -16.5
#: the plot keeps at least this height before the read-out under it is shown
PLOT_ROOM = 100


def predicted_rates(key: str, lr: float, settings: Mapping[str, float],
                    curvatures: Sequence[float]) -> Array | None:
    """Per-direction rates of racer ``key`` (None for methods without a fixed rate:
    AdaGrad, RMSProp and Adam change their steps as they go)."""
    if key == "sgd":
        return gd_direction_rates(lr, curvatures)
    mu = float(settings.get("momentum", 0.9))
    if key == "momentum":
        return heavy_ball_direction_rates(lr, mu, curvatures)
    if key == "nesterov":
        return nesterov_direction_rates(lr, mu, curvatures)
    return None


def _rate(r: float) -> str:
    return f"×{r:.4f} per step" + (" — diverges" if r > 1.0 else "")


class DirectionsWidget(QWidget):
    """|x| and |y| of one racer's path against the step, with the predicted rates."""

    #: the learner chose another racer to follow
    sigRacerChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = "momentum"
        self.rates: Array | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("error of"))
        self.racer_box = QComboBox()
        for key, _color in RACERS:
            self.racer_box.addItem(SHORT_NAMES[key], key)
        self.racer_box.setCurrentIndex(self.racer_box.findData(self.key))
        self.racer_box.setToolTip("The racer whose error along x and y is plotted")
        self.racer_box.currentIndexChanged.connect(lambda _i: self._chosen(str(self.racer_box.currentData())))
        row.addWidget(self.racer_box)
        #: the key to the dashed lines: on two lines where the row is narrow (the racer's
        #: name keeps its room)
        self.dashed_label = QLabel("dashed: predicted")
        self.dashed_label.setWordWrap(True)
        row.addWidget(self.dashed_label, 1)
        col.addLayout(row)
        self.plot_widget = pg.PlotWidget(axisItems={"left": LogAxis(), "bottom": ReadableAxis("bottom", integer=True)})
        self.plot_widget.setMinimumSize(160, 60)
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.getAxis("bottom").setLabel("step", siPrefixEnableRanges=())
        self.plot.getAxis("left").setLabel("error", siPrefixEnableRanges=())
        self.slow_color = theme.foreground()
        colors = (("slow", self.slow_color), ("fast", FAST))
        self.curves = {d: pg.PlotCurveItem(pen=pg.mkPen(c, width=2)) for d, c in colors}
        self.predicted = {d: pg.PlotCurveItem(pen=pg.mkPen(c, width=1.5, style=Qt.PenStyle.DashLine))
                          for d, c in colors}
        for item in (*self.predicted.values(), *self.curves.values()):
            self.plot.addItem(item)
        self.plot_widget.setToolTip(
            "The distance to the minimum along x (curvature 1, the slow direction) and across y (curvature κ, "
            "the fast one), on a log scale; dashed: the rate each direction should shrink at, in closed form.")
        col.addWidget(self.plot_widget, 1)
        self.readout = QLabel("")
        self.readout.setObjectName("directionsReadout")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        col.addWidget(self.readout)
        self.setMinimumHeight(60)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """On a short dock the read-out gives its lines to the plot (they stay the tooltip)."""
        super().resizeEvent(event)
        self._fit_readout()

    def _fit_readout(self) -> None:
        need = self.readout.heightForWidth(max(1, self.width())) + PLOT_ROOM + self.racer_box.sizeHint().height()
        self.readout.setVisible(self.height() >= need)

    def set_racer(self, key: str) -> None:
        """Follow racer ``key``."""
        if self.racer_box.currentData() != key:
            self.racer_box.setCurrentIndex(self.racer_box.findData(key))

    def _chosen(self, key: str) -> None:
        self.key = key
        self.sigRacerChosen.emit(key)

    def show_run(self, path: Array, lr: float, settings: Mapping[str, float], curvatures: Sequence[float]) -> None:
        """Draw the chosen racer's ``path`` (``(steps + 1, 2)``, minimum at the origin)."""
        path = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        steps = np.arange(len(path), dtype=np.float64)
        logs = np.log10(np.maximum(np.abs(path), FLOOR))
        self.rates = predicted_rates(self.key, lr, settings, curvatures)
        for d, k in (("slow", 0), ("fast", 1)):
            self.curves[d].setData(steps, logs[:, k])
            if self.rates is None or not len(path):
                self.predicted[d].setData([], [])
                continue
            r = float(self.rates[k])
            slope = math.log10(r) if r > 0 else LOWEST_LOG
            half = len(path) // 2
            lifted = logs[half:, k] - slope * steps[half:]
            anchor = half + int(np.argmax(lifted))
            end = max(1.0, steps[-1])
            at0 = logs[anchor, k] - slope * steps[anchor]
            self.predicted[d].setData([0.0, end], [at0, at0 + slope * end])
        shown = logs[np.isfinite(logs)]
        top = float(shown.max()) if shown.size else 0.0
        low = max(float(shown.min()) if shown.size else -1.0, LOWEST_LOG)
        if top - low < 1.0:
            low = top - 1.0
        self.plot.setRange(xRange=(0.0, max(10.0, steps[-1] if len(steps) else 10.0)), yRange=(low, top + 0.2),
                           padding=0.0)
        name = SHORT_NAMES.get(self.key, self.key)
        k_fast = max(curvatures)
        if self.rates is None:
            self.readout.setText(f"{name} changes its steps as it goes: no fixed rate to predict. "
                                 f"<span style='color:{self.slow_color.name()}'>━</span> x (slow, curvature 1) "
                                 f"<span style='color:{FAST.name()}'>━</span> y (fast, curvature {k_fast:g})")
        else:
            self.readout.setText(
                f"<span style='color:{self.slow_color.name()}'>━</span> x, slow (curvature {min(curvatures):g}): "
                f"{_rate(float(self.rates[0]))}<br>"
                f"<span style='color:{FAST.name()}'>━</span> y, fast (curvature {k_fast:g}): "
                f"{_rate(float(self.rates[1]))}")
        self._fit_readout()


__all__ = ["DirectionsWidget", "predicted_rates"]
