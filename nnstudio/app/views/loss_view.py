"""The loss over training: per batch, per epoch, on validation data, with the metric.

One plot, items made once and updated with ``setData``:

* the training loss of every batch (thin, from ``Snapshot.iter_log``, already
  decimated by the history), the mean training loss of each epoch and the validation
  loss (from ``Snapshot.epoch_log``);
* accuracy (classification) or R² (regression) on a second y axis on the right;
* markers where early stopping found its best epoch and where training diverged;
* a hover line that reads off the exact numbers of the nearest epoch.

While two runs are compared (``Snapshot.b``), run B's curves are drawn over A's
(:mod:`.loss_run_b`): curves are coloured by run, the legend names what B changes, the
read-out gives both runs' numbers and the CSV has both runs' rows.

The x axis counts iterations (parameter updates) or epochs (passes over the training
set); epoch points sit at the iteration that ended them, batch losses at
``iteration / iterations_per_epoch`` when counting epochs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox, \
    QSizePolicy, QWidget

from ...core.export.comparison_csv import write_curves_csv
from ...core.safetext import printable
from ...core.snapshot import Snapshot
from .. import theme
from .axes import ReadableAxis, min_span
from .base import ViewBase
from .bounded_view_box import BoundedViewBox
from .loss_legend import validation_entry
from .loss_readout import pair_readout, single_readout
from .loss_run_b import DRAW_LIMIT, E_EPOCH, E_ITER, E_LOSS, E_LR, E_MET, E_VLOSS, E_VMET, RunBCurves, drawable, \
    epoch_x, iteration_x, label_marker, mark_divergence, marker, run_pens, set_points, show_dots

Array = np.ndarray

#: epochs up to which the epoch curves show a dot per epoch
DOTS_UP_TO = 60
#: what the axes show before there is anything to draw (a new run): iterations, loss
EMPTY_X = (0.0, 10.0)
EMPTY_Y = (0.0, 1.0)
EMPTY_LOG_Y = (-2.0, 0.0)  # 0.01 … 1
#: the ranges the loss axes may show, in view coordinates: iterations (or epochs) within
#: ±10¹², losses within ±10 × DRAW_LIMIT, or between 10⁻³⁰⁷ (pyqtgraph's own limit) and 10¹⁶
#: on a log axis: whatever a run draws is inside them (past DRAW_LIMIT nothing is drawn)
RANGE_LIMITS = {"x": 1e12, "y": (-10 * DRAW_LIMIT, 10 * DRAW_LIMIT),
                "log_y": (-307.0, math.log10(DRAW_LIMIT) + 1)}
#: the longest run-B legend shown (the changes may name a whole architecture)
LABEL_LIMIT = 40
#: said over the empty frame until a loss has been recorded (a new run, a rewind to 0)
NO_LOSS_YET = ("No loss yet: the curves start with the first iteration. "
               "Press Play (Space) or Step iteration (→).")
#: the legend's validation entry while there is a validation set but no validation loss
#: yet (it is measured when an epoch ends): at the start, or after the set was added
#: (:mod:`.loss_legend` words it, and what else the entry may say)
VAL_PENDING = "validation (after epoch {})"


class LossView(ViewBase):
    """Training and validation loss, and accuracy or R², over iterations or epochs."""

    paint_cost = 0.005  # seconds per update (see ViewBase.paint_cost)
    #: with two runs: 6.3 ms measured against 2.5 ms for one (5,000-row histories, 642×260)
    pair_paint_cost = 0.008

    title = "Loss"
    #: curves over thousands of iterations need not be redrawn 30 times a second
    min_interval = 1.0 / 15.0
    caption = ("The loss measures how wrong the network is; training pushes it down (dashed: "
               "accuracy or R², right axis). When the validation loss (orange) turns up while the "
               "training loss (blue) keeps falling, the network is memorising its points: overfitting.")
    #: the caption while two runs are compared
    pair_caption = ("Two runs from the same start: A (blue, solid) and B (orange, dashed), which differs "
                    "as the legend says. Thick: training loss; thin, darker: validation loss; faint: "
                    "each batch's loss; dotted: accuracy or R² (right axis).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_axis = "iteration"
        self.log_y = False
        self._task = ""
        self._legend_val: str | None = None  # the legend's validation entry ("": none; None: rebuild)
        self._legend_short = ""  # its shorter words for a narrow view
        self._pending_width = 0.0  # the width of that entry's words while they are longer
        self._dots = False
        self._iter_dots = False
        self._hover_x: float | None = None  # view x of the mouse while hovering
        self._hover_px = 0.0  # x of the point it snapped to
        self._hover_plain = ""  # the read-out as plain text
        self._empty: bool | None = None  # nothing to draw: the axes show a fixed frame
        self._following = True  # the range follows the data (until the learner zooms)
        self._pair = False  # drawing two runs (Snapshot.b)
        self._b_label = ""  # B's legend, safe to show

        # -- controls -----------------------------------------------------------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("x axis:"))
        self.x_axis_box = QComboBox()
        self.x_axis_box.addItems(["iteration", "epoch"])
        self.x_axis_box.setToolTip("Count parameter updates (iterations) or passes over the "
                                   "training set (epochs) along the x axis")
        self.x_axis_box.currentTextChanged.connect(self.set_x_axis)
        row.addWidget(self.x_axis_box)
        self.log_box = QCheckBox("log scale")
        self.log_box.setToolTip("A logarithmic loss axis shows the late, small improvements "
                                "as clearly as the early, large ones")
        self.log_box.toggled.connect(self.set_log_y)
        row.addWidget(self.log_box)
        row.addStretch(1)
        bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.add_widget(bar)
        #: why training stopped (early stopping, divergence), hidden while it runs
        self.stop_label = QLabel("")
        self.stop_label.setWordWrap(True)
        self.stop_label.setVisible(False)
        self.stop_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.add_widget(self.stop_label)

        # -- plot: legend row above, plot below ------------------------------------------------
        fg = theme.foreground()
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.background())
        self.canvas.setMinimumSize(120, 90)
        self.legend = pg.LegendItem(colCount=3, horSpacing=18, verSpacing=-6, labelTextColor=fg)
        self.canvas.addItem(self.legend, 0, 0)
        self.plot: pg.PlotItem = self.canvas.addPlot(1, 0, viewBox=BoundedViewBox(enableMenu=False), axisItems={
            "left": ReadableAxis("left"), "right": ReadableAxis("right"),
            "bottom": ReadableAxis("bottom", integer=True)})
        self.canvas.ci.layout.setRowStretchFactor(1, 10)
        # no grid: pyqtgraph draws it with translucent lines, which cost ~10 ms a frame to paint;
        # the hover line reads exact values instead
        self.plot.setLabel("left", "loss")
        self.plot.getAxis("bottom").set_titles("iteration (parameter updates)", "iteration")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb = self.plot.getViewBox()
        self.plot.showAxis("right")
        for name in ("left", "bottom", "right"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)
            ax.enableAutoSIPrefix(False)  # "loss (×0.001)" over 0…800 reads worse than 0…0.8

        # accuracy / R² in a second view box sharing x, shown on the right axis
        self.metric_vb = pg.ViewBox(enableMenu=False)
        self.metric_vb.setMouseEnabled(x=False, y=False)
        self.plot.scene().addItem(self.metric_vb)
        self.plot.getAxis("right").linkToView(self.metric_vb)
        self.metric_vb.setXLink(self.plot)
        self.vb.sigResized.connect(self._sync_metric_vb)
        self.vb.disableAutoRange()
        self._limit_ranges()
        self.vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.vb.sigRangeChanged.connect(self._place_hover_text)

        pens = run_pens(None)
        # the curves are drawn without antialiasing: at hundreds of points per curve it
        # halves the paint time (7 → 3 ms at the default size), and 30 redraws a second
        # while training are what matter here
        self.curve_iter = self.plot.plot(pen=pens.pen("batch"), connect="finite", antialias=False)
        self.curve_train = self.plot.plot(pen=pens.pen("train"), connect="finite", antialias=False)
        self.curve_val = self.plot.plot(pen=pens.pen("val"), connect="finite", antialias=False)
        self.curve_metric = pg.PlotDataItem(antialias=False, pen=pens.pen("metric"), connect="finite")
        self.curve_val_metric = pg.PlotDataItem(antialias=False, pen=pens.pen("val_metric"), connect="finite")
        # long runs: draw at most a few points per pixel, keeping each bin's min and max so
        # that the noise band of the batch losses stays visible (short runs are drawn as is)
        for c in (self.curve_iter, self.curve_train, self.curve_val, self.curve_metric, self.curve_val_metric):
            # "peak" draws 2 points (min, max) per bin: bins of ~1.5 samples per pixel would
            # not thin the 8192-row history at all with the default of 5
            c.opts["autoDownsampleFactor"] = 0.75
            c.setDownsampling(auto=True, method="peak")
        self.metric_vb.addItem(self.curve_metric)
        self.metric_vb.addItem(self.curve_val_metric)

        # markers: best epoch (early stopping) and divergence
        green, grey, red = QColor(0, 150, 80), QColor(110, 110, 110), QColor(200, 30, 30)
        self.best_line = marker(green, 1.5, Qt.PenStyle.DashLine, 0.93, right=None)  # readable at either end
        self.best_point = self.plot.plot(pen=None, symbol="star", symbolSize=16,
                                         symbolBrush=green, symbolPen=pg.mkPen("w"))
        self.stop_line = marker(grey, 1.0, Qt.PenStyle.DotLine, 0.80, right=True)
        self.div_line = marker(red, 2.0, Qt.PenStyle.SolidLine, 0.5, right=True)
        # a point for the autorange to include (an InfiniteLine does not widen the x range)
        self.div_point = self.plot.plot(pen=None, symbol="x", symbolSize=14,
                                        symbolBrush=red, symbolPen=pg.mkPen(red, width=2))
        for item in (self.best_line, self.stop_line, self.div_line):
            item.setVisible(False)
            self.plot.addItem(item, ignoreBounds=True)
        #: run B of a comparison, drawn over A's curves while Snapshot.b is not None
        self.run_b = RunBCurves(self.plot, self.metric_vb)
        # the legend's sample of a thin line while runs are told apart by colour (the
        # caption says the rest: a legend of more than one row would cost the plot its room)
        self._key_val = pg.PlotDataItem(pen=pg.mkPen(QColor(theme.foreground()), width=1.5))

        # hover read-out
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.foreground(), width=1))
        self.hover_line.setVisible(False)
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        self.hover_text = pg.TextItem("", color=theme.foreground(), fill=pg.mkBrush(theme.background()),
                                      border=pg.mkPen(QColor(150, 150, 150)), anchor=(0, 0))
        self.hover_text.setZValue(100)
        self.hover_text.setVisible(False)
        # in the scene, not the plot: a plot a hundred pixels high would clip the read-out,
        # which may cover the legend and the axes instead
        self.plot.scene().addItem(self.hover_text)
        self.vb.sigResized.connect(self._place_hover_text)
        # an empty frame is not left without words; grey reads on light and dark backgrounds
        self.empty_text = pg.TextItem(anchor=(0.5, 0.5))
        self.empty_text.setHtml(f"<div align='center' style='color: #808080'>{NO_LOSS_YET}</div>")
        self.empty_text.setZValue(90)
        self.plot.scene().addItem(self.empty_text)
        self.vb.sigResized.connect(self._place_empty_text)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.canvas.installEventFilter(self)

        self.add_widget(self.canvas, 1)
        self.add_caption()
        self.caption_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._set_task("binary")
        self._show_empty_frame()

    # -- public -----------------------------------------------------------------------------
    def set_x_axis(self, mode: str) -> None:
        """Plot against ``"iteration"`` or ``"epoch"``."""
        if mode not in ("iteration", "epoch"):
            raise ValueError("the x axis is 'iteration' or 'epoch'")
        if self.x_axis_box.currentText() != mode:
            self.x_axis_box.setCurrentText(mode)  # re-enters through the signal
            return
        self.x_axis = mode
        self.hide_hover()
        # the shorter wordings for a narrow plot (the "x axis" box above says the same)
        self.plot.getAxis("bottom").set_titles(*(("iteration (parameter updates)", "iteration") if mode == "iteration"
                                                 else ("epoch (passes over the training set)", "epoch")))
        self._empty = None
        self._following = True
        if self.snapshot is not None:
            self._redraw(self.snapshot)
        else:
            self._show_empty_frame()

    def set_log_y(self, on: bool) -> None:
        """A logarithmic (base 10) loss axis."""
        on = bool(on)
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
            return
        self.log_y = on
        self.plot.setLogMode(y=on)
        self._limit_ranges()
        self.plot.getAxis("right").setLogMode(False)  # accuracy / R² stays linear
        self.plot.getAxis("left").set_titles(*(("loss (log scale)", "loss (log)", "loss") if on else ("loss",)))
        self._empty = None
        self._following = True
        if self.snapshot is not None:
            self._redraw(self.snapshot)
        else:
            self._show_empty_frame()

    @property
    def metric_name(self) -> str:
        return "R²" if self._task == "regression" else "accuracy"

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._redraw(snap)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """Epoch rows, then the (decimated) per-batch rows, in one table; while two runs are
        compared, a first column ``run`` ("A" or "B") and A's rows followed by B's."""
        m = "r2" if self._task == "regression" else "accuracy"
        header: tuple[str, ...] = ("row", "epoch", "iteration", "loss", "val_loss", m, f"val_{m}", "lr")
        snap = self.snapshot
        if snap is None:
            return header, []
        if snap.b is None:
            return header, self._rows(snap)
        return ("run",) + header, ([["A"] + r for r in self._rows(snap)] + [["B"] + r for r in self._rows(snap.b)])

    @staticmethod
    def _rows(snap: Snapshot) -> list[list[float | str]]:
        rows: list[list[float | str]] = []
        for r in snap.epoch_log:
            rows.append(["epoch", int(r[E_EPOCH]), int(r[E_ITER]), float(r[E_LOSS]), float(r[E_VLOSS]),
                         float(r[E_MET]), float(r[E_VMET]), float(r[E_LR])])
        for r in snap.iter_log:
            rows.append(["batch", "", int(r[0]), float(r[1]), "", "", "", float(r[2])])
        return rows

    def export_comparison_csv(self, path: str | Path) -> list[Path]:
        """While two runs are compared: their loss curves and epochs as the CLI's
        ``train --csv`` writes them (``<stem>_loss.csv``, ``<stem>_epochs.csv``, a column
        per run and quantity); returns the files written (none with one run).

        Raises
        ------
        OSError
            If a file cannot be written.
        """
        snap = self.snapshot
        if snap is None or snap.b is None:
            return []
        return write_curves_csv(snap.iter_log, snap.b.iter_log, snap.epoch_log, snap.b.epoch_log, path)

    def context_menu(self) -> QMenu:
        """The right-click menu: the base exports, and the comparison's own CSV while two
        runs are compared."""
        menu = QMenu(self)
        items = [("Export image (PNG)…", "png", self.export_png), ("Export image (SVG)…", "svg", self.export_svg),
                 ("Export data (CSV)…", "csv", self.export_csv)]
        for label, ext, fn in items:
            act = QAction(label, menu)
            act.triggered.connect(lambda _=False, e=ext, f=fn: self._export_dialog(e, f))
            menu.addAction(act)
        if self.snapshot is not None and self.snapshot.b is not None:
            act = QAction("Export comparison curves (CSV, a column per run)…", menu)
            act.triggered.connect(self._export_comparison_dialog)
            menu.addAction(act)
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(self.mapToGlobal(pos))
        menu.deleteLater()

    def _export_comparison_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the comparison's loss curves", "comparison.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            files = self.export_comparison_csv(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"The file could not be written.\n\n{path}: {exc.strerror or exc}")
            return
        if files:
            self.sigStatus.emit("Saved " + ", ".join(str(f) for f in files))

    # -- drawing ------------------------------------------------------------------------------
    def _x_of_iterations(self, it: Array, snap: Snapshot) -> Array:
        return iteration_x(it, snap, self.x_axis)

    def _epoch_x(self, snap: Snapshot) -> Array:
        return epoch_x(snap, self.x_axis)

    def _set_task(self, task: str) -> None:
        if task == self._task:
            return
        self._task = task
        self._label_metric_axis()
        if task == "regression":
            self.metric_vb.enableAutoRange(y=False)
        else:
            self.metric_vb.setYRange(0.0, 1.0, padding=0.02)
        self._legend_val = None  # rebuild the legend

    def _label_metric_axis(self) -> None:
        name = self.metric_name
        self.plot.getAxis("right").set_titles(f"{name} ({'dotted' if self._pair else 'dashed'})", name)

    #: B's legend entry is cut to this many characters
    LEGEND_B_CHARS = 22

    def _rebuild_legend(self, val_entry: str, val_short: str) -> None:
        # three entries, one row even in a narrow dock: a colour is a set of points, solid
        # lines are the loss, dashed ones the accuracy (the right axis says so). Two runs:
        # a colour is a run, and a grey sample says what thin lines are.
        self.legend.clear()
        if self._pair:
            self._key_val.setPen(pg.mkPen(QColor(theme.foreground()), width=1.5))  # light or dark
            self.legend.addItem(self.curve_train, "A")
            # short enough for one row in Explore's narrow dock (the counters and the hover
            # read-out name B's change in full)
            label = self._b_label
            if len(label) > self.LEGEND_B_CHARS:
                label = label[:self.LEGEND_B_CHARS - 1].rstrip(" ,") + "…"
            self.legend.addItem(self.run_b.curve_train, label)
            if val_entry:
                self.legend.addItem(self._key_val, val_entry)
        else:
            self.legend.addItem(self.curve_iter, "batch loss")
            self.legend.addItem(self.curve_train, "training")
            if val_entry:
                self.legend.addItem(self.curve_val, val_entry)
        self._legend_val, self._legend_short = val_entry, val_short
        longer = val_entry != val_short  # says when, or why not, in more words than a narrow view has room for
        self._pending_width = self.legend.items[-1][1].item.boundingRect().width() if longer else 0.0
        self._fit_legend()

    def _set_pair(self, pair: bool, label: str) -> None:
        """Switch between one run's look and two runs' (run colours, B's curves, legend, caption)."""
        if pair == self._pair and label == self._b_label:
            return
        switched = pair != self._pair
        self._pair, self._b_label = pair, label
        self._legend_val = None  # rebuild the legend
        if not switched:
            return
        self.paint_cost = self.pair_paint_cost if pair else type(self).paint_cost
        pens = run_pens("A" if pair else None)
        for curve, name in ((self.curve_iter, "batch"), (self.curve_train, "train"), (self.curve_val, "val"),
                            (self.curve_metric, "metric"), (self.curve_val_metric, "val_metric")):
            curve.setPen(pens.pen(name))
        # dots take the run's colours on the next draw
        self._dots = None
        self._iter_dots = None
        if not pair:
            self.run_b.clear()
        self._label_metric_axis()
        text = self.pair_caption if pair else self.caption
        self.set_caption(text)
        self.setToolTip(text)
        self.caption_label.setVisible(self.height() >= self.CAPTION_HEIGHT)
        # a new picture: the range is found afresh, as for a new view
        self.hide_hover()
        self._show_empty_frame()

    def _fit_legend(self) -> None:
        """As many legend columns as fit the width (a legend wider than the view would push
        the plot's right axis out of sight)."""
        n = len(self.legend.items)
        if not n:
            return
        # a column is as wide as its widest entry: its line sample, its label and the spacing
        # (the text's own width: a label's bounding rectangle is what the legend's layout
        # gave it, wider when there were fewer columns); entries go row by row
        # the legend's layout puts its spacing between every sample and label, and margins
        # around them; the canvas's layout has margins of its own
        grid = self.legend.layout
        gap = grid.horizontalSpacing()
        left, _top, right, _bottom = grid.getContentsMargins()
        outer = sum(self.canvas.ci.layout.getContentsMargins()[::2])
        widths = [label.item.boundingRect().width() + 20 for _, label in self.legend.items]
        room = self.canvas.width() - outer - left - right - 2
        if self._pending_width:
            # "validation (after epoch 1)" where it fits in one row; the shorter words
            # (plain "validation" for that) in a narrow view, rather than a legend of three
            # rows over a plot of a few dozen pixels
            widths[-1] = self._pending_width + 20
            fits = sum(widths) + (2 * n - 1) * gap <= room
            words = self._legend_val if fits else self._legend_short
            label = self.legend.items[-1][1]
            if label.text != words:
                label.setText(words)
            widths[-1] = label.item.boundingRect().width() + 20
        cols = 1
        for c in range(n, 0, -1):
            if sum(max(widths[k::c]) for k in range(c)) + (2 * c - 1) * gap <= room:
                cols = c
                break
        if cols != self.legend.columnCount:
            self.legend.setColumnCount(cols)

    #: below this height the caption goes to the tooltip, leaving the plot the room
    CAPTION_HEIGHT = 380

    #: pixels the plot keeps at least before the x axis's title, then the legend, leave it
    #: (the "x axis" box above says what the title said; the tooltip what the legend said):
    #: fewer would hold too few readable numbers on the loss axis. (A maximised window on a
    #: 1366×768 laptop gives the view ~200 px: the legend stays, and with two runs, whose
    #: counters take a row more, the title makes room for it; a view dragged smaller drops both.)
    COMPACT_PLOT = 60
    #: the canvas's height besides the legend and the plot: the x axis with its title, margins
    CANVAS_FRAME = 64

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self.caption_label.setVisible(ev.size().height() >= self.CAPTION_HEIGHT)
        self._fit_legend()

    def _fit_compact(self) -> None:
        """Drop the x axis's title, then the legend too, when they would leave the plot
        less than :data:`COMPACT_PLOT` pixels; bring them back when there is room."""
        legend = self.legend.layout.effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
        axis = self.plot.getAxis("bottom")
        title = axis.label.boundingRect().height()
        free = self.canvas.height() - self.CANVAS_FRAME - legend
        show_title = free >= self.COMPACT_PLOT
        show_legend = free + title >= self.COMPACT_PLOT
        if show_legend != self.legend.isVisible():
            # a hidden item keeps its room in the layout: the legend leaves it instead
            if show_legend:
                self.canvas.ci.addItem(self.legend, 0, 0)
            else:
                self.canvas.ci.removeItem(self.legend)
            self.legend.setVisible(show_legend)
        if show_title != bool(axis.shown_title):
            axis.showLabel(show_title)

    def _show_empty_frame(self) -> None:
        """Nothing to draw yet (a new run): 0…10 iterations and a loss of 0…1 rather than
        whatever pyqtgraph makes of no data."""
        self._empty = True
        self._following = True
        self.vb.setRange(xRange=EMPTY_X, yRange=EMPTY_LOG_Y if self.log_y else EMPTY_Y, padding=0)

    def _limit_ranges(self) -> None:
        """Keep the ranges where the plot can draw: zooming out (the wheel, a script's
        ``setYRange(-1e300, 1e300)``) stops at :data:`RANGE_LIMITS` (past them pyqtgraph's
        downsampling of the curves raised at every change of range, :mod:`.bounded_view_box`)."""
        x = RANGE_LIMITS["x"]
        self.vb.set_bounds((-x, x), RANGE_LIMITS["log_y" if self.log_y else "y"])

    def _on_range_changed_manually(self, *_: object) -> None:
        self._following = False  # the learner zoomed or panned: leave the range to them

    def _follow_data(self, xs: Array, losses: Array) -> None:
        """Show all the curves, never a y range narrower than :func:`min_span` of them: a
        flat loss of 199,644 is drawn flat, with ticks 199,000 … 200,000, not 199,643.5 …

        (The range is set here rather than by pyqtgraph's autorange, which settles it while
        painting and so paints the plot twice per snapshot.)"""
        self._empty = False
        if not self._following:
            return
        x = xs[np.isfinite(xs)]
        y = losses[np.isfinite(losses)]
        if self.log_y:
            y = np.log10(y[y > 0])
        if not len(x) or not len(y):
            return
        x0, x1 = float(x.min()), float(x.max())
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x1 + 0.5
        y0, y1 = float(y.min()), float(y.max())
        span = max(y1 - y0, min_span(y, True) if self.log_y else min_span(y, False))
        mid = 0.5 * (y0 + y1)
        y0, y1 = mid - span / 2, mid + span / 2
        px, py = 0.03 * (x1 - x0), 0.06 * (y1 - y0)
        want_x, want_y = (x0 - px, x1 + px), (y0 - py, y1 + py)
        # While training the curves grow a little at every snapshot. Moving the range by
        # that little would re-lay the axes and repaint the whole plot every time; the
        # range steps instead: 25 % of room ahead on x, and y kept while the curves fill
        # most of it.
        (cx0, cx1), (cy0, cy1) = self.vb.viewRange()
        span_x = x1 - x0
        if x0 - 0.1 * span_x <= cx0 <= x0 and x1 <= cx1 <= x0 + 1.3 * span_x + 1:
            want_x = (cx0, cx1)
        else:
            want_x = (x0 - 0.03 * span_x, x0 + 1.25 * span_x)
        inside = cy0 <= want_y[0] and want_y[1] <= cy1
        if inside and (want_y[1] - want_y[0]) >= 0.6 * (cy1 - cy0):
            want_y = (cy0, cy1)
        if (want_x, want_y) != ((cx0, cx1), (cy0, cy1)):
            self.vb.setRange(xRange=want_x, yRange=want_y, padding=0)

    def _redraw(self, snap: Snapshot) -> None:
        self._set_task(snap.task)
        b = snap.b
        self._set_pair(b is not None, printable(snap.b_label or "B", LABEL_LIMIT) if b is not None else "")
        il, el = snap.iter_log, snap.epoch_log
        val_entry, val_short = validation_entry(snap, self.log_y)
        has_val = bool(val_entry)
        if val_entry != self._legend_val:
            self._rebuild_legend(val_entry, val_short)
        pens = run_pens("A" if self._pair else None)

        iter_dots = 0 < len(il) <= 20
        if iter_dots != self._iter_dots:
            self._iter_dots = iter_dots
            show_dots(self.curve_iter, iter_dots, 4, pens.dot("batch"))
        if len(il):
            set_points(self.curve_iter, self._x_of_iterations(il[:, 0], snap), il[:, 1], self.log_y)
        else:
            self.curve_iter.setData([], [])
        if len(el):
            ex = self._epoch_x(snap)
            dots = len(el) <= DOTS_UP_TO
            if dots != self._dots:
                self._dots = dots
                for c, name in ((self.curve_train, "train"), (self.curve_val, "val")):
                    show_dots(c, dots, 5, pens.dot(name))
            set_points(self.curve_train, ex, el[:, E_LOSS], self.log_y)
            set_points(self.curve_metric, ex, el[:, E_MET])  # the metric's axis is linear
            if has_val:
                set_points(self.curve_val, ex, el[:, E_VLOSS], self.log_y)
            else:
                self.curve_val.setData([], [])
            # two runs: the validation metrics would make ten curves; the read-out has them
            if has_val and not self._pair:
                set_points(self.curve_val_metric, ex, el[:, E_VMET])
            else:
                self.curve_val_metric.setData([], [])
        else:
            for c in (self.curve_train, self.curve_val, self.curve_metric, self.curve_val_metric):
                c.setData([], [])
        if snap.task == "regression":
            logs = [s.epoch_log for s in ((snap, b) if b is not None else (snap,)) if len(s.epoch_log)]
            if logs:
                m = drawable(np.concatenate([e[:, c] for e in logs for c in (E_MET, E_VMET)]))
                lo = np.nanmin(m) if np.isfinite(m).any() else 0.0
                self.metric_vb.setYRange(max(-1.0, min(0.0, float(lo))), 1.0, padding=0.02)
        self._draw_markers(snap)
        self._draw_stop_text(snap)
        xs = [self._x_of_iterations(il[:, 0], snap)] if len(il) else []
        ys = [drawable(il[:, 1])] if len(il) else []
        if len(el):
            ex = self._epoch_x(snap)
            xs += [ex, ex]
            ys += [drawable(el[:, E_LOSS]), drawable(el[:, E_VLOSS])]
        if self.div_line.isVisible():  # the divergence marker lies past the last loss
            xs.append(np.array([self.div_line.value()]))
        if b is not None:
            bx, by = self.run_b.draw(b, self.x_axis, has_val, DOTS_UP_TO, self.log_y)
            xs += bx
            ys += by
        losses = np.concatenate(ys) if ys else np.empty(0)
        if np.isfinite(losses).any():
            self._follow_data(np.concatenate(xs), losses)
        elif self._empty is not True:
            self._show_empty_frame()
        if self._hover_x is not None:
            self._show_hover(self._hover_x)
        recorded = any(len(s.iter_log) or len(s.epoch_log) for s in ((snap, b) if b is not None else (snap,)))
        self.empty_text.setVisible(not recorded)

    def _place_empty_text(self) -> None:
        """The empty frame's words in the middle of the plot, wrapped to its width."""
        plot = self.vb.sceneBoundingRect()
        self.empty_text.setTextWidth(max(60.0, min(380.0, plot.width() - 16.0)))
        self.empty_text.setPos(plot.center())

    def _epoch_row(self, snap: Snapshot, epoch: int) -> Array | None:
        el = snap.epoch_log
        if not len(el):
            return None
        hits = np.flatnonzero(el[:, E_EPOCH] == epoch)
        return el[hits[0]] if len(hits) else None

    def _draw_markers(self, snap: Snapshot) -> None:
        info = snap.stop_info or {}
        kind = info.get("kind")
        run = "A " if self._pair else ""  # two runs: each marker says whose it is
        # the best epoch: after early stopping, or "best so far" while patience watches
        best = int(info.get("best_epoch", snap.best_epoch) if kind == "early_stopping" else snap.best_epoch)
        row = self._epoch_row(snap, best) if best > 0 else None
        if row is not None:
            x = float(row[E_ITER]) if self.x_axis == "iteration" else float(best)
            monitored = row[E_VLOSS] if math.isfinite(row[E_VLOSS]) else row[E_LOSS]
            self.best_line.setVisible(True)
            self.best_line.setPos(x)
            label_marker(self.best_line, f"{run}best: epoch {best}" if kind == "early_stopping"
                                           else f"{run}best so far: epoch {best}")
            set_points(self.best_point, np.array([x]), np.array([monitored]), self.log_y)
        else:
            self.best_line.setVisible(False)
            self.best_point.setData([], [])
        if kind == "early_stopping" and "iteration" in info:
            sx = float(self._x_of_iterations(np.array([info["iteration"]]), snap)[0])
            if self.x_axis == "epoch":
                sx = float(info.get("epoch", sx))
            self.stop_line.setVisible(True)
            self.stop_line.setPos(sx)
            label_marker(self.stop_line, f"{run}stopped")
        else:
            self.stop_line.setVisible(False)
        # stopped at the best epoch (a target reached): one line, one label (two labels
        # on one line lie on each other in a short plot)
        same = (self.best_line.isVisible() and self.stop_line.isVisible()
                and self.best_line.value() == self.stop_line.value())
        if same:
            label_marker(self.stop_line, f"{run}stopped, best: epoch {best}")
        self.best_line.label.setVisible(not same)
        mark_divergence(self.div_line, self.div_point, snap, info if kind == "divergence" else None, self.x_axis, run,
                        self.log_y)

    @staticmethod
    def _stop_reason(snap: Snapshot) -> str:
        info = snap.stop_info
        if info and info.get("reason"):
            return str(info["reason"])
        return str(snap.stopped) if snap.stopped else ""

    def _draw_stop_text(self, snap: Snapshot) -> None:
        text = self._stop_reason(snap)
        runs = (snap,) if snap.b is None else (snap, snap.b)
        if snap.b is not None:
            text = "\n".join(f"{name}: {reason}" for name, reason in
                             (("A", text), (self._b_label, self._stop_reason(snap.b))) if reason)
        if text != self.stop_label.text():
            self.stop_label.setText(text)
            diverged = any(s.stop_info and s.stop_info.get("kind") == "divergence" for s in runs)
            colour = "#c81e1e" if diverged else "#00964f"
            self.stop_label.setStyleSheet(f"QLabel {{ color: {colour}; }}")
            self.stop_label.setVisible(bool(text))

    @property
    def marker_positions(self) -> dict[str, float | None]:
        """x of each visible marker (``best``, ``stop``, ``divergence``, and run B's
        ``b_stop``, ``b_divergence``), for tests and readers."""
        out = {name: (float(line.value()) if line.isVisible() else None)
               for name, line in (("best", self.best_line), ("stop", self.stop_line),
                                  ("divergence", self.div_line))}
        out.update({f"b_{name}": x for name, x in self.run_b.marker_positions().items()})
        return out

    # -- hover --------------------------------------------------------------------------------
    def _sync_metric_vb(self) -> None:
        self.metric_vb.setGeometry(self.vb.sceneBoundingRect())
        self.metric_vb.linkedViewChanged(self.vb, self.metric_vb.XAxis)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt's name
        if obj is self.canvas and ev.type() == QEvent.Type.Leave:
            self.hide_hover()
        elif obj is self.canvas and ev.type() == QEvent.Type.Resize:
            self._fit_legend()
            self._fit_compact()
        return super().eventFilter(obj, ev)

    def _mouse_moved(self, pos: QPointF) -> None:
        if not self.vb.sceneBoundingRect().contains(pos):
            self.hide_hover()
            return
        self._show_hover(self.vb.mapSceneToView(pos).x())

    def hide_hover(self) -> None:
        self._hover_x = None
        self.hover_line.setVisible(False)
        self.hover_text.setVisible(False)

    def hover_at(self, x: float) -> str:
        """Show the read-out of the epoch nearest to view x (what the mouse does); returns its text."""
        self._show_hover(x)
        return self._hover_plain if self.hover_text.isVisible() else ""

    def _show_hover(self, x: float) -> None:
        self._hover_x = x
        snap = self.snapshot
        found = None
        if snap is not None and snap.b is not None:
            found = pair_readout(snap, snap.b, self._b_label, x, self.x_axis, self.metric_name)
            if found is not None:
                px, text, rich = found
                self.hover_text.setHtml(rich)
        elif snap is not None and (len(snap.epoch_log) or len(snap.iter_log)):
            px, text = single_readout(snap, x, self.x_axis, self.metric_name)
            self.hover_text.setText(text)
            found = px, text
        if found is None:
            self.hover_line.setVisible(False)
            self.hover_text.setVisible(False)
            return
        self._hover_plain = text
        self.hover_line.setPos(px)
        self.hover_line.setVisible(True)
        self._hover_px = px
        self._place_hover_text()
        self.hover_text.setVisible(True)
        self.sigStatus.emit(text.replace("\n", ";  "))

    def _place_hover_text(self) -> None:
        """Keep the read-out beside the hover line, level with the top of the plot, and
        wholly inside the canvas (moved up, or to the line's other side, when it would not fit)."""
        if self._hover_x is None:
            return
        canvas = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        plot = self.vb.sceneBoundingRect()
        line_x = self.vb.mapViewToScene(QPointF(self._hover_px, 0.0)).x()
        box = self.hover_text.boundingRect()
        w, h = box.width(), box.height()
        gap = 6.0
        right, left = line_x + gap, line_x - gap - w
        # the side of the plot's middle (the curves end there while training runs), unless
        # only the other side has room
        prefer_right = line_x < plot.left() + 0.6 * plot.width()
        if prefer_right:
            x = right if right + w <= canvas.right() or left < canvas.left() else left
        else:
            x = left if left >= canvas.left() or right + w > canvas.right() else right
        x = max(canvas.left(), min(x, canvas.right() - w))
        y = max(canvas.top(), min(plot.top(), canvas.bottom() - h))
        self.hover_text.setPos(x, y)
