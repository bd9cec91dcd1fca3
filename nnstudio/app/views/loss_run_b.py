"""Run B of a comparison in the loss view: its curves, drawn over run A's, and its stop markers.

While two runs are compared the loss view colours curves by *run* (A blue and solid, B
orange and dashed, :mod:`.run_colors`) instead of by data set; within a run the
training loss is thick, the validation loss thin and darker, the batch losses faint and
the metric (accuracy or R², right axis) dotted. :func:`run_pens` gives those pens for
both runs and for the single-run look, so the view can go back to it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from ...core.snapshot import Snapshot
from .. import theme
from .run_colors import RUN_B_STYLE, run_color

Array = np.ndarray

# columns of History.epochs
E_EPOCH, E_ITER, E_LOSS, E_VLOSS, E_MET, E_VMET, E_LR = range(7)
#: losses beyond this are not drawn (a diverged run would squash the rest of the curve
#: flat and overflow the axis); the divergence marker says what happened instead
DRAW_LIMIT = 1e15


def drawable(y: Array) -> Array:
    """``y`` as float with non-finite and absurdly large values replaced by NaN."""
    y = np.asarray(y, dtype=np.float64)
    bad = ~np.isfinite(y) | (np.abs(y) > DRAW_LIMIT)
    if bad.any():
        y = y.copy()
        y[bad] = np.nan
    return y


def set_points(curve: pg.PlotDataItem, x: Array, y: Array, log_y: bool = False) -> None:
    """Give ``curve`` the points ``(x, drawable(y))``, or none when not one of them can be
    drawn (every loss non-finite or beyond :data:`DRAW_LIMIT`; on a log axis also 0 or
    less, which pyqtgraph turns into NaN).

    A dotted curve of NaN points alone makes pyqtgraph's ScatterPlotItem warn ("All-NaN
    slice") from its ``boundingRect``, which Qt calls while painting, at every paint.
    Where that warning is an exception (``-W error``, as the tests run), it escapes a
    Python override of a Qt virtual; PySide6 6.11 then calls the next overrides with the
    error still set, and in the loss view released pyqtgraph's ``AxisItem.paint`` once a
    paint until it was freed: a segfault. A diverging run gets there in one click (its
    validation loss past 10¹⁵ when the first epoch ends)."""
    y = drawable(y)
    shown = np.isfinite(y) & (y > 0) if log_y else np.isfinite(y)
    if shown.any():
        curve.setData(x, y)
    else:
        curve.setData([], [])


def show_dots(curve: pg.PlotDataItem, on: bool, size: float, brush: QColor) -> None:
    """A dot on each of ``curve``'s points (or none). Its scatter takes the dots' style at
    once: the legend's sample is drawn in the scatter's style, which pyqtgraph hands on
    only with points, and a curve may have none to draw (:func:`set_points`): its sample
    was pyqtgraph's grey-blue default dot."""
    curve.setSymbol("o" if on else None)
    curve.setSymbolSize(size)
    curve.setSymbolBrush(brush)
    curve.setSymbolPen(None)
    curve.scatter.setSize(size)
    curve.scatter.setBrush(brush)
    curve.scatter.setPen(None)


def iteration_x(it: Array, snap: Snapshot, x_axis: str) -> Array:
    """Iterations of ``snap``'s run as x: as they are, or in epochs of that run's size."""
    it = np.asarray(it, dtype=np.float64)
    return it if x_axis == "iteration" else it / max(1, snap.iterations_per_epoch)


def epoch_x(snap: Snapshot, x_axis: str) -> Array:
    """x of each row of ``snap.epoch_log``: the iteration that ended it, or its number."""
    return snap.epoch_log[:, E_ITER if x_axis == "iteration" else E_EPOCH].astype(np.float64)


@dataclass(frozen=True)
class CurvePens:
    """The pens of one run's five curves and the brush of their dots."""

    batch: QColor
    train: QColor
    val: QColor
    train_width: float
    val_width: float
    loss_style: Qt.PenStyle
    metric_style: Qt.PenStyle

    def pen(self, curve: str) -> QPen:
        """The pen of ``"batch"``, ``"train"``, ``"val"``, ``"metric"`` or ``"val_metric"``."""
        if curve == "batch":
            return pg.mkPen(self.batch, width=1)
        if curve == "train":
            return pg.mkPen(self.train, width=self.train_width, style=self.loss_style)
        if curve == "val":
            return pg.mkPen(self.val, width=self.val_width, style=self.loss_style)
        colour = self.train if curve == "metric" else self.val
        return pg.mkPen(colour, width=1.5, style=self.metric_style)

    def dot(self, curve: str) -> QColor:
        return {"batch": self.train, "train": self.train, "val": self.val}[curve]


def run_pens(run: str | None) -> CurvePens:
    """``None``: the single-run look (training blue, validation orange, metric dashed);
    ``"A"`` / ``"B"``: a run of a comparison (the run's colour, validation darker and thinner,
    B's losses dashed, metrics dotted)."""
    if run is None:
        train, val = QColor(theme.TRAIN), QColor(theme.VALIDATION)
        faint = QColor(train)
        faint.setAlpha(80)
        return CurvePens(faint, train, val, 2.5, 2.5, Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine)
    colour = run_color(run)
    faint = QColor(colour)
    faint.setAlpha(55)  # two noisy batch curves must not hide the epoch curves
    style = RUN_B_STYLE if run == "B" else Qt.PenStyle.SolidLine
    return CurvePens(faint, colour, colour.darker(150), 2.5, 1.5, style, Qt.PenStyle.DotLine)


def marker(color: QColor, width: float, style: Qt.PenStyle, position: float, right: bool | None) -> pg.InfiniteLine:
    """A vertical line with a label at ``position`` (0 = bottom, 1 = top), left of it
    (``right``), right of it, or (None) on the side of the plot's middle, where it stays
    readable at either end of the plot."""
    if right is None:
        anchors = [(0, 0.5), (1, 0.5)]  # pyqtgraph picks the side facing the view's centre
    else:
        anchors = [(1, 0.5)] * 2 if right else [(0, 0.5)] * 2
    return pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(color, width=width, style=style), label="",
                           labelOpts={"position": position, "color": color, "fill": (255, 255, 255, 210),
                                      "anchors": anchors})


def label_marker(line: pg.InfiniteLine, text: str) -> None:
    """Set a marker's label. (``setFormat`` alone leaves the text as it was while the line
    or its view is hidden, and a paused run sends no further snapshot to correct it.)"""
    line.label.format = text
    line.label.setText(text)


def mark_divergence(line: pg.InfiniteLine, point: pg.PlotDataItem, snap: Snapshot, info: dict | None,
                    x_axis: str, who: str, log_y: bool = False) -> tuple[list[Array], list[Array]]:
    """Mark where a run diverged (``info`` is its stop info; None hides the mark): a line
    labelled "<who>diverged (iteration n)" and a cross on the loss that stopped it (the
    refused iteration's, which the message names), or on its last finite loss when that
    one is not finite or too large to draw. Returns the mark's x and the cross's loss,
    for the plot's range to hold them (empty lists when hidden)."""
    if info is None:
        line.setVisible(False)
        point.setData([], [])
        return [], []
    at = int(info.get("iteration", snap.iteration))
    dx = float(iteration_x(np.array([at]), snap, x_axis)[0])
    line.setVisible(True)
    line.setPos(dx)
    label_marker(line, f"{who}diverged (iteration {at})")
    refused = info.get("loss")
    given = isinstance(refused, (int, float)) and not isinstance(refused, bool)
    stopped_at = drawable(np.array([float(refused)])) if given else np.array([np.nan])
    finite = drawable(snap.iter_log[:, 1]) if len(snap.iter_log) else np.empty(0)
    finite = np.concatenate([finite[np.isfinite(finite)], stopped_at[np.isfinite(stopped_at)]])
    cross = np.array([finite[-1] if len(finite) else 1.0])
    set_points(point, np.array([dx]), cross, log_y)
    return [np.array([dx])], [cross]


class RunBCurves:
    """Run B's batch, training and validation losses and its training metric, and where it
    stopped; made once, hidden (empty) while one run trains."""

    def __init__(self, plot: pg.PlotItem, metric_vb: pg.ViewBox) -> None:
        pens = run_pens("B")
        self.curve_iter = plot.plot(pen=pens.pen("batch"), connect="finite", antialias=False)
        self.curve_train = plot.plot(pen=pens.pen("train"), connect="finite", antialias=False)
        self.curve_val = plot.plot(pen=pens.pen("val"), connect="finite", antialias=False)
        self.curve_metric = pg.PlotDataItem(antialias=False, pen=pens.pen("metric"), connect="finite")
        for c in self.curves:
            c.opts["autoDownsampleFactor"] = 0.75  # as run A's curves (see LossView)
            c.setDownsampling(auto=True, method="peak")
        metric_vb.addItem(self.curve_metric)
        self._pens = pens
        colour = run_color("B")
        # B's marker labels sit lower than A's (0.80, 0.5) so that both can be read
        self.stop_line = marker(colour, 1.0, Qt.PenStyle.DotLine, 0.68, right=None)
        self.div_line = marker(colour.darker(130), 2.0, Qt.PenStyle.SolidLine, 0.38, right=None)
        self.div_point = plot.plot(pen=None, symbol="x", symbolSize=14, symbolBrush=colour,
                                   symbolPen=pg.mkPen(colour, width=2))
        for item in (self.stop_line, self.div_line):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self._dots: bool | None = None
        self._iter_dots: bool | None = None

    @property
    def curves(self) -> tuple[pg.PlotDataItem, ...]:
        return self.curve_iter, self.curve_train, self.curve_val, self.curve_metric

    def clear(self) -> None:
        """Draw nothing (one run trains)."""
        for c in self.curves:
            c.setData([], [])
        self.div_point.setData([], [])
        self.stop_line.setVisible(False)
        self.div_line.setVisible(False)

    def draw(self, b: Snapshot, x_axis: str, has_val: bool, dots_up_to: int,
             log_y: bool = False) -> tuple[list[Array], list[Array]]:
        """Draw run B's logs against ``x_axis`` (on a log loss axis with ``log_y``); returns
        the x and loss arrays drawn (for the range)."""
        il, el = b.iter_log, b.epoch_log
        xs: list[Array] = []
        ys: list[Array] = []
        iter_dots = 0 < len(il) <= 20
        if iter_dots != self._iter_dots:
            self._iter_dots = iter_dots
            show_dots(self.curve_iter, iter_dots, 4, self._pens.dot("batch"))
        if len(il):
            ix, iy = iteration_x(il[:, 0], b, x_axis), drawable(il[:, 1])
            set_points(self.curve_iter, ix, iy, log_y)
            xs.append(ix)
            ys.append(iy)
        else:
            self.curve_iter.setData([], [])
        if len(el):
            dots = len(el) <= dots_up_to
            if dots != self._dots:
                self._dots = dots
                for c, name in ((self.curve_train, "train"), (self.curve_val, "val")):
                    show_dots(c, dots, 5, self._pens.dot(name))
            ex = epoch_x(b, x_axis)
            set_points(self.curve_train, ex, el[:, E_LOSS], log_y)
            set_points(self.curve_metric, ex, el[:, E_MET])  # the metric's axis is linear
            if has_val:
                set_points(self.curve_val, ex, el[:, E_VLOSS], log_y)
            else:
                self.curve_val.setData([], [])
            xs += [ex, ex]
            ys += [drawable(el[:, E_LOSS]), drawable(el[:, E_VLOSS])]
        else:
            for c in (self.curve_train, self.curve_val, self.curve_metric):
                c.setData([], [])
        # the divergence marker lies past the last loss, its cross maybe far above it
        mark_x, mark_y = self._draw_markers(b, x_axis, log_y)
        return xs + mark_x, ys + mark_y

    def _draw_markers(self, b: Snapshot, x_axis: str, log_y: bool) -> tuple[list[Array], list[Array]]:
        info = b.stop_info or {}
        kind = info.get("kind")
        if kind == "early_stopping" and "iteration" in info:
            sx = float(info["epoch"]) if x_axis == "epoch" and "epoch" in info else \
                float(iteration_x(np.array([info["iteration"]]), b, x_axis)[0])
            self.stop_line.setVisible(True)
            self.stop_line.setPos(sx)
            label_marker(self.stop_line, "B stopped")
        else:
            self.stop_line.setVisible(False)
        return mark_divergence(self.div_line, self.div_point, b, info if kind == "divergence" else None, x_axis,
                               "B ", log_y)

    def marker_positions(self) -> dict[str, float | None]:
        """x of B's visible markers (``stop``, ``divergence``)."""
        return {name: (float(line.value()) if line.isVisible() else None)
                for name, line in (("stop", self.stop_line), ("divergence", self.div_line))}


__all__ = ["CurvePens", "RunBCurves", "drawable", "epoch_x", "iteration_x", "label_marker", "marker", "run_pens",
           "set_points", "show_dots"]
