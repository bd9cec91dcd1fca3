"""Run A's markers on the loss plot: the best epoch, where early stopping stopped, and
where the run diverged.

The best epoch is a dashed green line with a star on the monitored loss ("best so far"
while patience watches, "best" once early stopping has stopped); the stop a dotted grey
line; a divergence a red line with a cross on the loss that stopped training (see
:func:`~nnstudio.app.views.loss_run_b.mark_divergence`). The labels face the plot's
middle and keep below its top edge, "stopped" a line under "best". Run B's markers are
drawn by :class:`~nnstudio.app.views.loss_run_b.RunBCurves`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ...core.snapshot import Snapshot
from .loss_run_b import E_EPOCH, E_ITER, E_LOSS, E_VLOSS, label_marker, mark_divergence, marker, set_points

Array = np.ndarray


class LossMarkers:
    """The markers of run A on ``plot`` (whose view box is ``vb``), hidden until drawn."""

    def __init__(self, plot: pg.PlotItem, vb: pg.ViewBox) -> None:
        self.vb = vb
        green, grey, red = QColor(0, 150, 80), QColor(110, 110, 110), QColor(200, 30, 30)
        # labels on the side facing the plot's middle: at its right end "best: epoch 15"
        # stood past the edge and read "best: epoc" (lesson 10 at 1024×700)
        self.best_line = marker(green, 1.5, Qt.PenStyle.DashLine, 0.93, right=None)
        self.best_point = plot.plot(pen=None, symbol="star", symbolSize=16, symbolBrush=green, symbolPen=pg.mkPen("w"))
        self.stop_line = marker(grey, 1.0, Qt.PenStyle.DotLine, 0.80, right=None)
        self.div_line = marker(red, 2.0, Qt.PenStyle.SolidLine, 0.5, right=True)
        # a point for the range to include (an InfiniteLine does not widen the x range)
        self.div_point = plot.plot(pen=None, symbol="x", symbolSize=14, symbolBrush=red,
                                   symbolPen=pg.mkPen(red, width=2))
        for item in (self.best_line, self.stop_line, self.div_line):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        vb.sigResized.connect(self.place_labels)

    @staticmethod
    def _epoch_row(snap: Snapshot, epoch: int) -> Array | None:
        el = snap.epoch_log
        if not len(el):
            return None
        hits = np.flatnonzero(el[:, E_EPOCH] == epoch)
        return el[hits[0]] if len(hits) else None

    def draw(self, snap: Snapshot, x_axis: str, x_of_iterations: Callable[[Array, Snapshot], Array], run: str,
             log_y: bool) -> tuple[list[Array], list[Array]]:
        """Draw the markers of ``snap`` against ``x_axis`` ("iteration" or "epoch";
        ``x_of_iterations`` maps iterations to it), their labels starting with ``run``
        ("A " while two runs are shown). Returns the divergence mark's x and its cross's
        loss, for the plot's range to hold them (empty lists when it is hidden)."""
        info = snap.stop_info or {}
        kind = info.get("kind")
        # the best epoch: after early stopping, or "best so far" while patience watches
        best = int(info.get("best_epoch", snap.best_epoch) if kind == "early_stopping" else snap.best_epoch)
        row = self._epoch_row(snap, best) if best > 0 else None
        if row is not None:
            x = float(row[E_ITER]) if x_axis == "iteration" else float(best)
            monitored = row[E_VLOSS] if math.isfinite(row[E_VLOSS]) else row[E_LOSS]
            self.best_line.setVisible(True)
            self.best_line.setPos(x)
            label_marker(self.best_line, f"{run}best: epoch {best}" if kind == "early_stopping"
                                           else f"{run}best so far: epoch {best}")
            set_points(self.best_point, np.array([x]), np.array([monitored]), log_y)
        else:
            self.best_line.setVisible(False)
            self.best_point.setData([], [])
        if kind == "early_stopping" and "iteration" in info:
            sx = float(x_of_iterations(np.array([info["iteration"]]), snap)[0])
            if x_axis == "epoch":
                sx = float(info.get("epoch", sx))
            self.stop_line.setVisible(True)
            self.stop_line.setPos(sx)
            if self.best_line.isVisible() and self.best_line.value() == sx:
                # one epoch, one label (a target reached: the two labels covered each other)
                label_marker(self.best_line, f"{run}best: epoch {best}, stopped")
                label_marker(self.stop_line, "")
            else:
                label_marker(self.stop_line, f"{run}stopped")
        else:
            self.stop_line.setVisible(False)
        marks = mark_divergence(self.div_line, self.div_point, snap, info if kind == "divergence" else None,
                                x_axis, run, log_y)
        if self.best_line.isVisible() or self.stop_line.isVisible():
            self.place_labels()  # their heights follow the words now in them
        return marks

    def place_labels(self) -> None:
        """The markers' labels a little under the plot's top, never above it (a plot a
        few dozen pixels high put half of "best: epoch 27" over its edge), "stopped" a
        line under "best"."""
        height = self.vb.height()
        if height <= 0:
            return
        half = 0.5 * self.best_line.label.boundingRect().height()
        best = max(0.0, min(0.93, 1.0 - (half + 1.0) / height))
        self.best_line.label.setPosition(best)
        # "stopped" a line lower, so that the two never cover each other whichever side
        # of its line each stands on
        self.stop_line.label.setPosition(max(0.0, min(0.80, best - (2.0 * half + 2.0) / height)))

    def positions(self) -> dict[str, float | None]:
        """x of each marker (``best``, ``stop``, ``divergence``), None when hidden."""
        return {name: (float(line.value()) if line.isVisible() else None)
                for name, line in (("best", self.best_line), ("stop", self.stop_line), ("divergence", self.div_line))}


__all__ = ["LossMarkers"]
