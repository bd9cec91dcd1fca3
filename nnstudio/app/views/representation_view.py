"""The hidden representation: the data and the input plane as a hidden layer sees them.

ConvNetJS's classify2d demo draws, beside the decision boundary, where a hidden layer
puts the data points and a grid of the input plane. It is the clearest picture of why
a hidden layer makes XOR or the spiral separable: the layer bends and folds the plane
until one straight line (the output neuron's) splits the classes. This view draws it
live while training, for any hidden layer (a chooser above the plot):

* 2 neurons: their outputs are the axes, and on the last hidden layer of a binary
  network the output neuron's decision line is drawn (dashed);
* more: the plane of the two principal directions of the training points' outputs,
  with the share of the variance each holds (the label above the plot says so);
* 1 neuron: its output along the horizontal axis, the points in one row per class.

The grid lines (:data:`~.layer_projection.GRID_LINES` each way, polylines of
:data:`~.layer_projection.LINE_POINTS` points) are lines of the raw input plane carried
through the feature maps, the standardisation and the layers. The points have the
decision view's colours: filled for training, hollow for validation. The arithmetic
is in :mod:`.layer_projection`.
"""

from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ...core.data import PreparedData
from ...core.snapshot import Snapshot
from .. import theme
from .axes import readable_axes
from .base import ViewBase
from .decision_points import point_colors
from .layer_projection import DIRECT, PCA, SINGLE, Representation, layer_representation
from .placeholder_stack import WAITING_FIRST, WAITING_NEW_DATA, PlaceholderStack
from .sample_errors import fits

Array = np.ndarray

#: what the picture will show, said while there is none yet
WILL_SHOW = " Then each data point appears where a hidden layer of the network puts it."


def _joined(lines: Sequence[Array]) -> tuple[Array, Array]:
    """Polylines as one (x, y) pair, a NaN between two lines (drawn with connect="finite")."""
    if not lines:
        return np.empty(0), np.empty(0)
    gap = np.full((1, 2), np.nan)
    both = np.vstack([part for line in lines for part in (line, gap)])
    return both[:, 0], both[:, 1]


class RepresentationView(ViewBase):
    """Where a chosen hidden layer maps the data points and the input plane's grid."""

    title = "Hidden representation"
    caption = ("The data as a hidden layer sees it: each point (coloured by class as in the decision view; "
               "hollow: validation) is drawn where the layer's neurons put it, and the grey lines are the input "
               "plane's grid lines carried through the network. Training bends the plane until one straight "
               "line can separate the classes.")
    caption_room = 320
    #: a forward pass of the grid (≈ 2,600 points) and the data per redraw: 15 a second
    min_interval = 1.0 / 15.0
    paint_cost = 0.006

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: the hidden layer shown (0 = the first), or None before there is one
        self.layer: int | None = None
        #: what is drawn now (None: nothing, and :attr:`placeholder` says why)
        self.shown: Representation | None = None
        self._directions: tuple[int, Array] | None = None  # (layer, PCA directions) last drawn
        self._sizes: tuple[int, ...] | None = None  # the hidden layers listed in the chooser
        #: the scatter items: (item, "train" or "validation", the rows of that set it draws)
        self._groups: list[tuple[pg.ScatterPlotItem, str, Array]] = []
        self._mode = ""
        self._brush_lists: tuple[list, list] = ([], [])

        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Layer:"))
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The hidden layer whose outputs are drawn")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # an empty chooser reads as broken: it says why there is nothing to choose
        self.layer_combo.setPlaceholderText("none")
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        row.addWidget(self.layer_combo)
        #: what the axes are (neurons, or principal directions and their variance)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.info, 1)
        self.add_widget(bar)

        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.background())
        self.canvas.setMinimumSize(160, 140)
        self.canvas.ci.layout.setContentsMargins(2, 2, 2, 2)
        # readable numbers: pyqtgraph would write 0.0005 as "500" over "(x0.001)"
        self.plot: pg.PlotItem = self.canvas.addPlot(0, 0, axisItems=readable_axes("left", "bottom"))
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb = self.plot.getViewBox()
        fg = theme.foreground()
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)
        grey = QColor(140, 140, 140)
        # the two families of grid lines in two shades: a fold shows where they cross
        self.lines_first = self.plot.plot(pen=pg.mkPen(grey, width=1), connect="finite")
        self.lines_second = self.plot.plot(pen=pg.mkPen(QColor(175, 175, 175), width=1,
                                                        style=Qt.PenStyle.SolidLine), connect="finite")
        for item in (self.lines_first, self.lines_second):
            item.setZValue(-10)
        self.boundary = pg.InfiniteLine(angle=0, movable=False,
                                        pen=pg.mkPen(fg, width=2, style=Qt.PenStyle.DashLine))
        self.boundary.setVisible(False)
        self.plot.addItem(self.boundary, ignoreBounds=True)
        #: the canvas, or in its place why nothing is drawn (no weights yet, no hidden layer)
        self.placeholder = PlaceholderStack(self.canvas)
        self.add_widget(self.placeholder, 1)
        self.placeholder.say(WAITING_FIRST + WILL_SHOW)

        #: what is drawn instead of a grid (one neuron, one input, many inputs)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.add_widget(self.message)
        self.add_caption()

    # -- public ---------------------------------------------------------------------------
    def _fit_caption(self) -> None:
        """The caption gets the height its lines need: in Inspect's narrow column beside the
        step inspector the plot took the room and the caption's first and last lines were cut."""
        super()._fit_caption()
        label = self.caption_label
        if label.parent() is not None:
            label.setMinimumHeight(0 if label.isHidden() else label.heightForWidth(max(1, self.width() - 8)))

    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self._directions = None
        n_raw = data.raw.X.shape[1] if data is not None else 2
        # the grid lines exist only for 2-D inputs: other data get a caption without them
        caption = self.caption if n_raw == 2 else (
            "The data as a hidden layer sees it: each point (coloured by class as in the decision view; hollow: "
            "validation) is drawn where the layer's neurons put it"
            + (", and the grey curve is the input line carried through the network." if n_raw == 1 else
               f". With {n_raw} inputs there is no input plane to draw; training moves the classes apart "
               "until the output layer can tell them apart."))
        self.set_caption(caption)
        self.setToolTip(caption)
        self._make_groups(data)
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        else:
            self._say(WAITING_FIRST + WILL_SHOW)

    def select_layer(self, layer: int) -> None:
        """Show hidden layer ``layer`` (0 = the first; as ``Snapshot.weights`` counts).
        A layer the network does not have is remembered for when it has it."""
        self.layer = int(layer)
        i = self.layer_combo.findData(self.layer)
        if i >= 0 and i != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(i)
        elif self.snapshot is not None:
            self._redraw(self.snapshot)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._fill_layers(snap)
        self._redraw(snap)

    def export_svg(self, path) -> bool:  # type: ignore[no-untyped-def]
        # as in the decision view: scatter points come from a pixmap atlas, garbled in SVG
        items = [item for item, _kind, _rows in self._groups]
        for it in items:
            it.setExportMode(True, {"antialias": True})
        try:
            return super().export_svg(path)
        finally:
            for it in items:
                it.setExportMode(False)

    def apply_theme(self) -> None:
        self.boundary.setPen(pg.mkPen(theme.foreground(), width=2, style=Qt.PenStyle.DashLine))
        super().apply_theme()

    def points_drawn(self, which: str = "train") -> Array:
        """Where the scatter items draw the ``"train"`` or ``"validation"`` points, in
        the order of their set (n, 2); nan for a point not drawn."""
        data = self.data
        n = 0 if data is None else len(data.X_train if which == "train" else data.X_val)
        out = np.full((n, 2), np.nan)
        for item, kind, rows in self._groups:
            if kind == which:
                x, y = item.getData()
                if len(x) == len(rows):
                    out[rows, 0], out[rows, 1] = x, y
        return out

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        r = self.shown
        if r is None:
            return (), ()
        rows: list[list[float | str]] = [["training", i, float(u), float(v)] for i, (u, v) in enumerate(r.train)]
        rows += [["validation", i, float(u), float(v)] for i, (u, v) in enumerate(r.val)]
        return ("set", "index", "horizontal", "vertical"), rows

    # -- the layer chooser ----------------------------------------------------------------------
    def _fill_layers(self, snap: Snapshot) -> None:
        sizes = tuple(w.shape[1] for w in snap.weights[:-1])
        if sizes == self._sizes:
            return
        self._sizes = sizes
        combo = self.layer_combo
        combo.blockSignals(True)
        combo.clear()
        for i, units in enumerate(sizes):
            combo.addItem(f"hidden {i + 1} ({units} neuron{'s' if units != 1 else ''})", i)
        # the layer asked for if the network has it, else the last: the one the output sees
        if sizes:
            if self.layer is None or not 0 <= self.layer < len(sizes):
                self.layer = len(sizes) - 1
            combo.setCurrentIndex(self.layer)
        combo.setEnabled(bool(sizes))
        combo.blockSignals(False)
        self._directions = None

    def _on_layer_chosen(self, index: int) -> None:
        data = self.layer_combo.itemData(index)
        if data is None:
            return
        self.layer = int(data)
        self._directions = None
        if self.snapshot is not None:
            self._redraw(self.snapshot)

    # -- drawing ----------------------------------------------------------------------------------
    def _make_groups(self, data: PreparedData) -> None:
        """Scatter items for the points: one per class and set, each with one colour
        (one item with a colour per point costs ten times as much to update); for
        regression one per set, coloured by target."""
        for item, _kind, _rows in self._groups:
            self.plot.removeItem(item)
        self._groups = []
        raw = data.raw
        white = pg.mkPen("w", width=1)
        hollow = pg.mkBrush(255, 255, 255, 170)
        if data.task == "regression":
            rows_t, rows_v = np.arange(len(data.X_train)), np.arange(len(data.X_val))
            train = pg.ScatterPlotItem(size=7, pen=white)
            train.setData([], [])
            self._brush_lists = ([pg.mkBrush(c) for c in point_colors(raw, raw.y[data.train_index])],
                                 [pg.mkPen(c, width=2) for c in point_colors(raw, raw.y[data.val_index])])
            val = pg.ScatterPlotItem(size=7, brush=hollow)
            self._groups = [(train, "train", rows_t), (val, "validation", rows_v)]
        else:
            k = max(2, data.n_classes)
            for c in range(k):
                color = theme.class_color(c, k)
                self._groups.append((pg.ScatterPlotItem(size=7, pen=white, brush=pg.mkBrush(color)), "train",
                                     np.flatnonzero(data.y_train == c)))
            for c in range(k):
                color = theme.class_color(c, k)
                self._groups.append((pg.ScatterPlotItem(size=7, pen=pg.mkPen(color, width=2), brush=hollow),
                                     "validation", np.flatnonzero(data.y_val == c)))
        for item, _kind, _rows in self._groups:
            self.plot.addItem(item)

    def _say(self, text: str) -> None:
        """Nothing to draw: say why in place of the plot."""
        self.shown = None
        self.placeholder.say(text)
        self.message.setVisible(False)
        self.info.setText("")

    def _redraw(self, snap: Snapshot) -> None:
        data = self.data
        if data is None:
            self._say(WAITING_FIRST + WILL_SHOW)
            return
        if not fits(snap, data):
            # a snapshot of the network for other data: the next one will fit
            self._say(WAITING_NEW_DATA + WILL_SHOW)
            return
        n_hidden = len(snap.weights) - 1
        if n_hidden == 0:
            self._say("This network has no hidden layer: its output neuron looks at the inputs themselves, so "
                      "there is no hidden representation to draw. Add a hidden layer (Design panel, or the + "
                      "above the network) to see how it reshapes the input plane.")
            return
        layer = self.layer if self.layer is not None and 0 <= self.layer < n_hidden else n_hidden - 1
        previous = self._directions[1] if self._directions and self._directions[0] == layer else None
        t0 = time.perf_counter()
        r = layer_representation(snap, data, layer, previous)
        # large data (the digits: 1,797 points) make a picture costly: then fewer of them,
        # so that computing takes at most a tenth of the time while training plays
        self.min_interval = max(type(self).min_interval, 10 * (time.perf_counter() - t0))
        if r.directions is not None:
            self._directions = (layer, r.directions)
        self.shown = r
        self.placeholder.show_content()
        self._draw(r, data)

    def _draw(self, r: Representation, data: PreparedData) -> None:
        n_raw = data.raw.X.shape[1]
        if r.mode != self._mode:
            self._mode = r.mode
            self.vb.setAspectLocked(r.mode != SINGLE)
            self.vb.enableAutoRange()
        self.info.setText(self._axes_text(r))
        note = ""
        if r.mode == SINGLE:
            note = ("A layer of one neuron maps the whole input plane onto a line: the horizontal axis is its "
                    "output; the points are drawn in one row per class (by their target for regression).")
        elif n_raw == 1:
            note = "This data has one input: the grey curve is the input line carried through the network."
        elif n_raw > 2:
            note = (f"This data has {n_raw} inputs: there is no input plane to carry through the network, "
                    "so only the data points are drawn.")
        self.message.setText(note)
        self.message.setVisible(bool(note))
        x1, y1 = _joined(r.lines[: r.n_first] if n_raw == 2 else r.lines)
        x2, y2 = _joined(r.lines[r.n_first:] if n_raw == 2 else [])
        self.lines_first.setData(x1, y1, connect="finite")
        self.lines_second.setData(x2, y2, connect="finite")
        regression = data.task == "regression"
        for item, kind, rows in self._groups:
            pts = r.train if kind == "train" else r.val
            if len(rows) and rows[-1] >= len(pts):
                continue  # points of other data: set_data brings the new groups
            if regression:
                brushes, pens = self._brush_lists
                if kind == "train":
                    item.setData(pts[rows, 0], pts[rows, 1], brush=brushes)
                else:
                    item.setData(pts[rows, 0], pts[rows, 1], pen=pens)
            else:
                item.setData(pts[rows, 0], pts[rows, 1])
        self._place_boundary(r)
        if r.mode == SINGLE:
            self.plot.setLabel("left", "target" if data.task == "regression" else "class")
        else:
            self.plot.setLabel("left", self._axis_name(r, 1))
        self.plot.setLabel("bottom", self._axis_name(r, 0))

    def _place_boundary(self, r: Representation) -> None:
        """The output neuron's line a·u + b·v + c = 0, when the picture has one."""
        if r.boundary is None:
            self.boundary.setVisible(False)
            return
        a, b, c = r.boundary
        norm = math.hypot(a, b)
        if not (norm > 0 and math.isfinite(norm) and math.isfinite(c)):
            self.boundary.setVisible(False)
            return
        # the point of the line nearest the origin, and the line's direction
        self.boundary.setPos((-c * a / norm ** 2, -c * b / norm ** 2))
        self.boundary.setAngle(math.degrees(math.atan2(a, -b)))
        self.boundary.setVisible(True)

    @staticmethod
    def _axis_name(r: Representation, axis: int) -> str:
        if r.mode == PCA:
            share = r.variance[axis] if r.variance is not None else float("nan")
            # short: a vertical axis label longer than a short plot is cut off (the label
            # above the plot says what the directions are)
            held = f" ({share:.0%})" if math.isfinite(share) else ""
            return f"direction {axis + 1}{held}"
        return f"hidden {r.layer + 1}, neuron {axis + 1}"

    def _axes_text(self, r: Representation) -> str:
        if r.mode == DIRECT:
            text = f"Hidden layer {r.layer + 1} has 2 neurons: their outputs are the axes."
            if r.boundary is not None:
                # one sigmoid unit at 0.5, or two softmax units with equal logits
                text += " Dashed: the decision boundary (each class 50 %)."
            return text
        if r.mode == PCA:
            v = r.variance if r.variance is not None else np.full(2, np.nan)
            if not np.all(np.isfinite(v)):
                return (f"Hidden layer {r.layer + 1} has {r.units} neurons, and their outputs are the same for "
                        "every point: there is no direction to show.")
            return (f"Hidden layer {r.layer + 1} has {r.units} neurons: shown in the two directions in which "
                    f"its outputs vary most (principal components), holding {v[0]:.0%} and {v[1]:.0%} of "
                    f"the variance ({v[0] + v[1]:.0%} together).")
        return f"Hidden layer {r.layer + 1} has 1 neuron."


__all__ = ["RepresentationView"]
