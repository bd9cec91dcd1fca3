"""What the network computes over its input space: the decision boundary.

For 2-D data the plane is coloured by the network's output on a grid
(``Snapshot.grid``): the probability of the positive class (binary), each class's
colour mixed by its probability (multi-class) or the predicted value (regression),
with the data points on top (:mod:`.decision_points`). For 1-D data the fitted curve is
drawn over the points. Hovering a neuron in the network view shows that neuron's own
output over the plane instead (:meth:`BoundaryView.show_neuron`); hovering the plot reads
the value under the mouse, until the mouse leaves it.

A confusion matrix beside it (:mod:`.confusion_matrix_widget`) counts which class the
network gives the points of each class. The view holds no network: it runs the
snapshot's weights forward itself (:mod:`.snapshot_forward`), on the validation set if
there is one.

Clicks are requests; the view never changes the data itself. Painting, a left click
asks for a point (:attr:`BoundaryView.sigPointAdded`) and a right click near one for
its removal (:attr:`BoundaryView.sigPointRemoved`); points painted from scratch are
drawn from the draft the data panel hands over (:meth:`BoundaryView.set_draft`).
Otherwise a click on a training point picks it for the step inspector
(:attr:`BoundaryView.sigSampleClicked`), and a ring marks the inspected sample
(:meth:`BoundaryView.set_inspected_sample`).

Where the errors are: a cross marks every point the network misclassifies (for
regression the worst residuals, :mod:`.sample_errors`), computed from the snapshot's
weights as the engine computes them; hovering a point says its target, the network's
prediction and its loss.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ...core.data import Dataset, PreparedData
from ...core.snapshot import Grid, Snapshot
from .. import theme
from .base import ViewBase
from .confusion_matrix_widget import ConfusionMatrixWidget
from .decision_points import DecisionPoints, target_levels
from .sample_errors import SampleErrors, data_errors, fits, sample_errors
from .snapshot_forward import forward_from_snapshot, neuron_levels, predict_from_snapshot

Array = np.ndarray


def _nearest(points: Array, v: float) -> int:
    """Index of the point of an evenly spaced ascending array nearest to ``v``."""
    n = len(points)
    step = (points[-1] - points[0]) / max(1, n - 1)
    if n < 2 or step == 0:
        return 0
    return int(np.clip(np.rint((v - points[0]) / step), 0, n - 1))


def lighten(rgb: Array, amount: float, towards: QColor) -> Array:
    """Mix colours ``rgb`` (..., 3 or 4, uint8) with ``towards`` by ``amount`` (0 = unchanged)."""
    t = np.array([towards.red(), towards.green(), towards.blue()], dtype=np.float64)
    out = np.array(rgb, dtype=np.float64)
    out[..., :3] = out[..., :3] * (1.0 - amount) + t * amount
    return np.clip(out.round(), 0, 255).astype(np.uint8)


class BoundaryView(ViewBase):
    """The network's output over the input plane (or along the input line), with the data."""

    paint_cost = 0.004  # seconds per update (see ViewBase.paint_cost)

    title = "Decision boundary"
    caption = ("The background shows what the network answers at every point of the input "
               "plane: the boundary between the colours is where its decision flips. Filled "
               "dots are the training points, hollow ones the validation points it never trains on; "
               "a cross marks each point it gets wrong. Hover a point for its loss; click a training "
               "point to follow it in the step inspector.")
    #: the caption shows while the plot keeps this height: the plot comes first
    caption_room = 400
    #: below this width the confusion matrix gives its room to the plot (the accuracy
    #: stays on the toolbar's counters); with no plot it always shows
    CONFUSION_MIN_WIDTH = 460

    #: painting: a click on the plot at (x, y) asks for a point of class/value ``label``
    sigPointAdded = Signal(float, float, object)
    #: painting: a right click near a point asks to delete row ``index`` of the points
    #: painted (``raw.X``, or the draft's ``X`` while there is one)
    sigPointRemoved = Signal(int)
    #: not painting: a click on a training point; its index in the training set
    #: (``PreparedData.X_train``'s row, the trainer's sample index)
    sigSampleClicked = Signal(int)

    HEAT_LIGHTEN = 0.35  # heatmap colours mixed this much with white: the points stay visible

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "none"  # "plane", "curve" (1-D) or "none" (no 2-D/1-D input space)
        self.discretize = False
        self.neuron: tuple[int, int] | None = None
        self.paint_mode = False
        self.paint_label: object = 1
        #: what the heatmap shows before colouring: network output, or a neuron's output
        self.image_values: Array | None = None
        #: multi-class: the RGB image shown
        self.image_rgb: Array | None = None
        self.image_levels: tuple[float, float] = (0.0, 1.0)
        self.confusion: Array | None = None
        self.confusion_on = ""  # "validation" or "training"
        #: each training and validation sample's prediction and loss at the shown weights
        self.errors: tuple[SampleErrors, SampleErrors] | None = None
        self._legend_marks = False  # the legend explains the crosses
        self._lut_key: tuple | None = None
        self._rect: tuple | None = None
        self._pending_rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
        self._hover_pos: tuple[float, float] | None = None
        #: what the plot shows instead of the network's output (a hovered neuron), or ""
        self.neuron_title = ""
        self._chosen_sample: int | None = None

        # -- legend and controls: one line that wraps when the view is narrow ------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        #: which colour is which class (a label, so that it wraps in a narrow view)
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.legend, 1)
        self.val_box = QCheckBox("○ validation")
        self.val_box.setChecked(True)
        self.val_box.setToolTip("Draw the validation points (hollow): data the network never trains on")
        self.val_box.toggled.connect(self.set_show_validation)
        row.addWidget(self.val_box)
        self.discrete_box = QCheckBox("discretise")
        self.discrete_box.setToolTip("Colour each point of the plane by the class the network picks, "
                                     "without showing how sure it is")
        self.discrete_box.toggled.connect(self.set_discretize)
        row.addWidget(self.discrete_box)
        self.add_widget(bar)

        # -- plot, colour bar and confusion matrix ------------------------------------------------
        middle = QWidget()
        hbox = QHBoxLayout(middle)
        hbox.setContentsMargins(0, 0, 0, 0)
        hbox.setSpacing(2)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.background())
        self.canvas.setMinimumSize(160, 140)
        self.canvas.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.plot: pg.PlotItem = self.canvas.addPlot(0, 0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb = self.plot.getViewBox()
        fg = theme.foreground()
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.curve = self.plot.plot(pen=pg.mkPen(fg, width=2.5))
        self.class_curves: list[pg.PlotDataItem] = []
        self.points = DecisionPoints(self.plot)
        self.train_scatter = self.points.train
        self.val_scatter = self.points.val
        self.hover_text = pg.TextItem("", color=fg, fill=pg.mkBrush(theme.background()),
                                      border=pg.mkPen(QColor(150, 150, 150)), anchor=(0, 0))
        self.hover_text.setZValue(100)
        self.hover_text.setVisible(False)
        self.plot.addItem(self.hover_text, ignoreBounds=True)

        self.colorbar = pg.ColorBarItem(values=(0, 1), width=12, interactive=False, colorMapMenu=False)
        self.colorbar.axis.setPen(fg)
        self.colorbar.axis.setTextPen(fg)
        self.canvas.addItem(self.colorbar, 0, 1)
        hbox.addWidget(self.canvas, 3)

        self.confusion_widget = ConfusionMatrixWidget()
        hbox.addWidget(self.confusion_widget, 1)
        self.add_widget(middle, 1)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.add_widget(self.message)
        self.add_caption()

        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)
        # the read-out belongs to the mouse: it goes when the mouse leaves the plot
        self.canvas.installEventFilter(self)
        self.canvas.viewport().installEventFilter(self)

    @property
    def show_validation(self) -> bool:
        return self.points.show_validation

    # -- public ------------------------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        d = data.raw.X.shape[1]
        self.mode = "plane" if d == 2 else "curve" if d == 1 else "none"
        self._rect = None
        self.neuron = None
        self.image_values = self.image_rgb = None
        self.image.clear()
        # an emptied image keeps its old placement, and auto-range would still count it
        self.image.setVisible(self.mode == "plane")
        self.curve.setData([], [])
        for c in self.class_curves:
            self.plot.removeItem(c)
        self.class_curves = []
        self.clear_hover()
        self._chosen_sample = None  # an index into the old training set
        self.errors = None
        names = data.raw.feature_names
        self.neuron_title = ""
        self.discrete_box.setEnabled(data.task != "regression")
        self.message.setVisible(self.mode == "none")
        self.canvas.setVisible(self.mode != "none")
        if self.mode == "none":
            self.message.setText(f"This data has {d} inputs: there is no plane to draw the network's "
                                 "output on. The confusion matrix shows how it classifies the points.")
        self._fit_to_size()
        # with no plane to draw, the confusion matrix gets the room
        self.confusion_widget.setMaximumWidth(16777215 if self.mode == "none" else 220)
        self.val_box.setVisible(self.mode != "none")
        self.discrete_box.setVisible(self.mode != "none")
        self.set_caption(self._caption_for(data))
        self.setToolTip(self._caption_for(data))  # what a small view, without its caption, still says
        if self.mode == "plane":
            self.vb.setAspectLocked(True)
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", names[1])
            (x0, x1), (y0, y1) = data.domain[:2]
        elif self.mode == "curve":
            self.vb.setAspectLocked(False)
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", "target y" if data.task == "regression" else "probability")
            (x0, x1), = data.domain
            y0 = y1 = None  # type: ignore[assignment]
        if data.task == "multiclass" and self.mode == "curve":
            for k in range(data.n_classes):
                c = self.plot.plot(pen=pg.mkPen(theme.class_color(k, data.n_classes), width=2.5))
                self.class_curves.append(c)
        self.points.set_data(data, self.mode)
        self._set_legend()
        self._set_colorbar_visibility()
        if self.mode == "plane":
            self.vb.enableAutoRange()
            self.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        elif self.mode == "curve":
            # x is the data's own range; y follows the points and the fitted curve
            self.vb.disableAutoRange(axis=pg.ViewBox.XAxis)
            self.vb.setXRange(x0, x1, padding=0.02)
            self.vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        if self.snapshot is not None:
            self._redraw(self.snapshot)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._redraw(snap)

    def set_draft(self, draft: Dataset | None) -> None:
        """Points being painted that the document does not hold yet (too few to train
        on), drawn instead of the data; None when there is no draft. Connected to
        :attr:`DataPanel.sigDraftChanged`."""
        self.points.set_draft(draft)
        self._set_legend()

    def set_inspected_sample(self, index: int | None) -> None:
        """Ring training sample ``index`` (a row of ``X_train``), the one the step
        inspector follows; None: no ring. (While a snapshot has a phase, the ring is on
        the phase's sample.)"""
        self._chosen_sample = None if index is None else int(index)
        self.points.set_inspected(self._chosen_sample)

    def clear_hover(self) -> None:
        """Take the mouse's read-out off the plot."""
        self._hover_pos = None
        self.hover_text.setVisible(False)

    def set_show_validation(self, on: bool) -> None:
        on = bool(on)
        if self.val_box.isChecked() != on:
            self.val_box.setChecked(on)
            return
        self.points.set_show_validation(on)

    def set_discretize(self, on: bool) -> None:
        """Colour by the chosen class only (binary: threshold 0.5; multi-class: argmax)."""
        on = bool(on)
        if self.discrete_box.isChecked() != on:
            self.discrete_box.setChecked(on)
            return
        self.discretize = on
        if self.snapshot is not None:
            self._redraw(self.snapshot)

    def show_neuron(self, layer: int | None, unit: int | None) -> None:
        """Show one neuron's output over the input space instead of the network's.

        ``layer`` counts layers with weights from 0 (first hidden layer), as
        ``Snapshot.weights`` and ``Grid.neurons`` do; the output layer shows the
        output unit (multi-class: that class's probability); ``-1`` is the input layer
        (the feature fed to input ``unit``). ``None`` goes back to the network's output.
        """
        self.neuron = None if layer is None or unit is None else (int(layer), int(unit))
        if self.snapshot is not None:
            self._redraw(self.snapshot)

    def set_paint_mode(self, enabled: bool, label: object = 1) -> None:
        """While enabled, a left click asks to add a point of ``label`` (class index, or
        the value for regression) and a right click near a point asks to remove it."""
        self.paint_mode = bool(enabled)
        self.paint_label = label
        self.canvas.setCursor(Qt.CursorShape.CrossCursor if enabled else Qt.CursorShape.ArrowCursor)

    def export_svg(self, path) -> bool:  # type: ignore[no-untyped-def]
        # pyqtgraph paints scatter points from a pixmap atlas, which comes out garbled in
        # SVG; in export mode it draws each point as a vector symbol instead
        items = (self.points.train, self.points.val, self.points.ring, self.points.marks)
        for it in items:
            it.setExportMode(True, {"antialias": True})
        try:
            return super().export_svg(path)
        finally:
            for it in items:
                it.setExportMode(False)

    def apply_theme(self) -> None:
        fg = theme.foreground()
        self.hover_text.setColor(fg)
        self.hover_text.fill = pg.mkBrush(theme.background())
        self.curve.setPen(pg.mkPen(fg, width=2.5))
        self.colorbar.axis.setPen(fg)
        self.colorbar.axis.setTextPen(fg)
        self._lut_key = None  # the light end of the colour map follows the theme
        self._set_legend()
        super().apply_theme()

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self._fit_to_size()

    def _fit_to_size(self) -> None:
        """In a narrow view the plot comes first: the confusion matrix gives way (as the
        caption does in a short one, see ``caption_room``)."""
        classes = self.data is not None and self.data.task != "regression"
        self.confusion_widget.setVisible(classes and (self.mode == "none" or self.width() >= self.CONFUSION_MIN_WIDTH))

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if ev.type() == QEvent.Type.Leave and obj in (self.canvas, self.canvas.viewport()):
            self.clear_hover()
        return super().eventFilter(obj, ev)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """The grid (x, y, output) the heatmap shows; the confusion matrix when there is no grid."""
        snap = self.snapshot
        grid = snap.grid if snap is not None else None
        if grid is None:
            if self.confusion is None or self.data is None:
                return (), ()
            names = self.data.class_names
            header = ("true class", *(f"predicted {n}" for n in names))
            return header, [[names[i], *map(int, r)] for i, r in enumerate(self.confusion)]
        extra: list[str] = []
        if grid.probs is not None and self.data is not None:
            extra = [f"p_{n}" for n in self.data.class_names]
        if grid.ys.size == 0:
            header = ("x", "output", *extra)
            probs = grid.probs.reshape(len(grid.xs), -1) if grid.probs is not None else None
            rows = [[float(x), float(o), *(map(float, probs[i]) if probs is not None else ())]
                    for i, (x, o) in enumerate(zip(grid.xs, grid.output))]
            return header, rows
        gx, gy = np.meshgrid(grid.xs, grid.ys)
        cols = [gx.ravel(), gy.ravel(), grid.output.ravel()]
        if grid.probs is not None:
            cols += list(grid.probs.reshape(-1, grid.probs.shape[-1]).T)
        return ("x", "y", "output", *extra), np.column_stack(cols).tolist()

    def _caption_for(self, data: PreparedData) -> str:
        wrong = "each point it gets wrong" if data.task != "regression" else "the worst residuals"
        follow = (f" A cross marks {wrong}; hover a point for its loss, click a training point to follow it "
                  "in the step inspector.")
        if self.mode == "curve":
            if data.task == "regression":
                return ("The line is the network's prediction ŷ for every x; training moves it through "
                        "the points. Filled dots are training points, hollow ones validation points "
                        "it never trains on." + follow)
            return ("The curve is the probability the network gives each class along x. Filled dots "
                    "are training points, hollow ones validation points it never trains on." + follow)
        if self.mode == "none":
            return ("Each row counts the points of one true class by the class the network picks: "
                    "everything on the diagonal is right, everything off it a mistake.")
        if data.task == "regression":
            return ("The background shows the value the network predicts at every point of the plane; "
                    "the dots are coloured by their true value on the same scale (filled: training, "
                    "hollow: validation)." + follow)
        return self.caption

    # -- legend ----------------------------------------------------------------------------------
    def _set_neuron_title(self, title: str) -> None:
        # said in the legend's line, not in a title row: the plot keeps its size when a
        # neuron is hovered
        if title != self.neuron_title:
            self.neuron_title = title
            self._set_legend()

    def _set_legend(self) -> None:
        """The legend: a wrapping line of coloured symbols beside the checkboxes, with the
        class names the points drawn have (the painted draft's while there is one); the
        hovered neuron's name instead while the plot shows that neuron."""
        data = self.data
        if data is None or self.mode == "none":
            self.legend.setText("")
            self.legend.setVisible(False)
            return
        if self.neuron_title:
            self.legend.setText(f"<b>{html.escape(self.neuron_title)}</b>")
            self.legend.setVisible(True)
            return
        grey = "#888888"

        def dot(color: QColor | str, name: str, hollow: bool = False) -> str:
            c = color.name() if isinstance(color, QColor) else color
            sym = "○" if hollow else "●"
            return f'<span style="color:{c}; font-size:large;">{sym}</span>&nbsp;{html.escape(name)}'

        task = self.points.task()
        if task == "regression":
            if self.mode == "curve":
                parts = [dot(theme.TRAIN, "training"),
                         f'<span style="color:{theme.foreground().name()}; font-weight:bold;">━━</span>'
                         f"&nbsp;network ŷ(x)"]
            else:
                parts = [dot(grey, "points: colour = target value")]
        else:
            names = self.points.class_names()
            k = max(2, len(names))
            parts = [dot(theme.class_color(i, k), f"class {name}") for i, name in enumerate(names)]
        self._legend_marks = self.errors is not None and not self.points.painted()
        if self._legend_marks:  # only once the crosses are drawn
            mark = "wrong" if task != "regression" else "worst residuals"
            parts.append(f'<span style="color:{theme.foreground().name()}; font-weight:bold;">✕</span>'
                         f"&nbsp;{mark}")
        self.legend.setText(" &nbsp; ".join(parts))
        self.legend.setVisible(True)

    def _set_colorbar_visibility(self) -> None:
        show = self.mode == "plane" and (self.data is not None and
                                         (self.data.task != "multiclass" or self.neuron is not None))
        self.colorbar.setVisible(show)
        self.canvas.ci.layout.setColumnFixedWidth(1, 54 if show else 0)

    # -- drawing -----------------------------------------------------------------------------
    def _redraw(self, snap: Snapshot) -> None:
        data = self.data
        if data is None or snap.task != data.task or (snap.layer_sizes and snap.layer_sizes[0] != data.n_inputs):
            return  # a snapshot of the network for other data: the next one will fit
        # while an iteration is stepped phase by phase, the ring is on the sample it follows
        self.points.set_inspected(snap.phase.sample if snap.phase is not None else self._chosen_sample)
        self._update_confusion(snap, self._update_errors(snap))
        grid = snap.grid
        if grid is None or self.mode == "none":
            return
        if self.mode == "plane" and grid.ys.size:
            self._draw_plane(snap, grid)
        elif self.mode == "curve" and grid.ys.size == 0:
            self._draw_curve(snap, grid)
        if self._hover_pos is not None:
            self._show_hover(*self._hover_pos)

    def _neuron_values(self, snap: Snapshot, grid: Grid) -> tuple[Array, str, str] | None:
        """(values over the grid, title, activation key) of the shown neuron, or None.
        The title is short: it shares a line with the checkboxes above the plot."""
        if self.neuron is None:
            return None
        layer, unit = self.neuron
        n_hidden = len(grid.neurons)
        if layer == -1:
            feats = self.grid_inputs(grid)
            if feats is None or not 0 <= unit < feats.shape[-1]:
                return None
            name = self.data.input_names[unit] if self.data is not None else f"input {unit + 1}"
            return feats[..., unit], f"input {unit + 1}: {name}", "linear"
        if 0 <= layer < n_hidden and 0 <= unit < grid.neurons[layer].shape[-1]:
            act = snap.activations[layer] if layer < len(snap.activations) else "linear"
            return (grid.neurons[layer][..., unit].astype(np.float64),
                    f"hidden {layer + 1}, neuron {unit + 1} ({act})", act)
        if layer == n_hidden and layer == len(snap.weights) - 1:
            if grid.probs is not None and 0 <= unit < grid.probs.shape[-1]:
                name = self.data.class_names[unit] if self.data is not None else str(unit)
                return grid.probs[..., unit].astype(np.float64), f"output {unit + 1}: P(class {name})", "sigmoid"
            if unit == 0 and grid.probs is None:
                return None  # the single output unit is what is shown anyway
        return None

    def _set_lut(self, key: tuple, lut: Array | None, levels: tuple[float, float] | None, label: str) -> None:
        """Colour map of the heatmap and the colour bar (changed only when it changes)."""
        if key == self._lut_key:
            return
        self._lut_key = key
        if lut is not None:
            self.image.setLookupTable(lut)
            cmap = pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), lut)
            self.colorbar.setColorMap(cmap)
        if levels is not None:
            self.colorbar.setLevels(levels)
        self.colorbar.axis.setLabel(label)

    def _draw_plane(self, snap: Snapshot, grid: Grid) -> None:
        data = self.data
        assert data is not None
        xs, ys = grid.xs, grid.ys
        dx = (xs[-1] - xs[0]) / max(1, len(xs) - 1)
        dy = (ys[-1] - ys[0]) / max(1, len(ys) - 1)
        self._pending_rect = (float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * len(xs)), float(dy * len(ys)))
        light = lighten(theme.diverging_lut(256), self.HEAT_LIGHTEN, QColor("white"))
        neuron = self._neuron_values(snap, grid)
        self._set_colorbar_visibility()
        if neuron is not None:
            values, title, act = neuron
            levels = neuron_levels(act, values) if not title.startswith("output") else (0.0, 1.0)
            label = "the neuron's output" if title.startswith("hidden") else title.split(": ")[-1]
            self._set_lut(("neuron", levels, label), light, levels, label)
            self._set_neuron_title(title)
            self._show_scalar(values, levels)
            return
        self._set_neuron_title("")
        if data.task == "multiclass" and grid.probs is not None:
            self._show_classes(grid)
            return
        if data.task == "binary":
            levels = (0.0, 1.0)
            values = grid.output
            if self.discretize:
                values = (grid.output > 0.5).astype(np.float64)
            name = data.class_names[1] if len(data.class_names) > 1 else "1"
            self._set_lut(("binary",), light, levels, f"P(class {name})")
        else:
            levels = target_levels(data.raw.y)
            values = grid.output
            self._set_lut(("regression", levels), light, levels, "network output ŷ")
        self._show_scalar(values, levels)

    def _place_image(self) -> None:
        """Stretch the image over the grid's rectangle (pixel centres on the grid points).
        After ``setImage``: the item scales by the image's size in pixels."""
        key = (*self._pending_rect, self.image.width(), self.image.height())
        if key != self._rect:
            self._rect = key
            self.image.setRect(QRectF(*self._pending_rect))

    def _show_scalar(self, values: Array, levels: tuple[float, float]) -> None:
        self.image_rgb = None
        self.image_values = values
        self.image_levels = levels
        finite = np.where(np.isfinite(values), values, levels[0])
        self.image.setImage(finite, levels=levels, autoLevels=False)
        self._place_image()

    def _show_classes(self, grid: Grid) -> None:
        data = self.data
        assert data is not None and grid.probs is not None
        k = grid.probs.shape[-1]
        colors = np.array([[c.red(), c.green(), c.blue()] for c in
                           (theme.class_color(i, k) for i in range(k))], dtype=np.float64)
        colors = colors * (1 - self.HEAT_LIGHTEN) + 255.0 * self.HEAT_LIGHTEN
        probs = np.nan_to_num(grid.probs.astype(np.float64))
        if self.discretize:
            rgb = colors[grid.output.astype(np.intp)]
        else:
            # mix each class's colour by its probability; a confident region takes its class colour
            rgb = probs @ colors
        self.image_values = grid.output
        self.image_levels = (0.0, float(k - 1))
        self.image_rgb = np.clip(rgb, 0, 255).astype(np.uint8)
        self._lut_key = None
        self.image.setLookupTable(None)
        self.image.setImage(self.image_rgb, levels=(0, 255), autoLevels=False)
        self._place_image()

    def _draw_curve(self, snap: Snapshot, grid: Grid) -> None:
        data = self.data
        assert data is not None
        neuron = self._neuron_values(snap, grid)
        if neuron is not None:
            values, title, _act = neuron
            self._set_neuron_title(title)
            self.curve.setData(grid.xs, values)
            self.image_values = values
            for c in self.class_curves:
                c.setData([], [])
            return
        self._set_neuron_title("")
        self.image_values = grid.output
        if grid.probs is not None and self.class_curves:
            probs = grid.probs.reshape(len(grid.xs), -1)
            for k, c in enumerate(self.class_curves):
                c.setData(grid.xs, probs[:, k])
            self.curve.setData([], [])
        else:
            out = grid.output
            if self.discretize and data.task == "binary":
                out = (out > 0.5).astype(np.float64)
            self.curve.setData(grid.xs, np.where(np.isfinite(out), out, np.nan), connect="finite")

    def _update_errors(self, snap: Snapshot) -> SampleErrors | None:
        """Every sample's prediction and loss at the snapshot's weights, and the marks.
        Returns the errors of the set the confusion matrix counts (the validation set
        if there is one), or None when the snapshot is of a network for other data."""
        data = self.data
        if data is None or not fits(snap, data):
            return None  # the snapshot is of a network for other data; a new one is on its way
        if self.mode == "none":
            # no points drawn: only the set the confusion matrix counts
            self.errors = None
            if len(data.X_val):
                return sample_errors(snap, data.X_val, data.y_val, "validation")
            return sample_errors(snap, data.X_train, data.y_train, "training")
        self.errors = data_errors(snap, data)
        self.points.set_errors(self.errors)
        if not self._legend_marks:
            self._set_legend()
        return self.errors[1] if len(data.X_val) else self.errors[0]

    def _update_confusion(self, snap: Snapshot, errors: SampleErrors | None) -> None:
        data = self.data
        if data is None or data.task == "regression" or not snap.weights:
            self.confusion = None
            return
        if errors is None:
            return  # the snapshot is of a network for other data; a new one is on its way
        which = errors.which
        k = max(2, data.n_classes)
        C = np.zeros((k, k), dtype=np.int64)
        np.add.at(C, (errors.target.astype(np.intp), np.clip(errors.predicted, 0, k - 1)), 1)
        self.confusion = C
        self.confusion_on = which
        acc = np.trace(C) / max(1, C.sum())
        self.confusion_widget.set_matrix(C, data.class_names,
                                         f"{which} set\n{int(np.trace(C))} of {int(C.sum())} right ({acc:.0%})")

    # -- mouse -------------------------------------------------------------------------------------
    def _mouse_moved(self, pos: QPointF) -> None:
        if self.mode == "none" or not self.vb.sceneBoundingRect().contains(pos):
            self.clear_hover()
            return
        p = self.vb.mapSceneToView(pos)
        self._show_hover(p.x(), p.y())

    def hover_at(self, x: float, y: float) -> str:
        """The read-out for view point (x, y), as the mouse shows it."""
        self._show_hover(x, y)
        return self.hover_text.toPlainText()

    def value_at(self, x: float, y: float | None = None) -> float | None:
        """What the heatmap (or curve) shows at the grid point nearest to (x, y)."""
        snap = self.snapshot
        if snap is None or snap.grid is None or self.image_values is None:
            return None
        g = snap.grid
        if g.ys.size == 0 or y is None:
            return float(self.image_values[_nearest(g.xs, x)])
        return float(self.image_values[_nearest(g.ys, y), _nearest(g.xs, x)])

    def _show_hover(self, x: float, y: float) -> None:
        self._hover_pos = (x, y)
        snap, data = self.snapshot, self.data
        if snap is None or snap.grid is None or data is None or self.image_values is None:
            self.hover_text.setVisible(False)
            return
        g = snap.grid
        names = data.raw.feature_names
        if self.mode == "plane":
            where = f"{names[0]} = {x:.3g}, {names[1]} = {y:.3g}"
            idx: tuple = (_nearest(g.ys, y), _nearest(g.xs, x))
        else:
            where = f"{names[0]} = {x:.3g}"
            idx = (_nearest(g.xs, x),)
        # on a point: the point's own numbers, not the nearest grid point's (they differ a little)
        point = self._point_lines(x, y)
        lines = point or [where]
        if self.neuron is not None and self._neuron_values(snap, g) is not None:
            lines.append(f"{self.neuron_title.split(':')[0]}: {self.image_values[idx]:.4g}")
        elif point:
            lines = point
        elif data.task == "binary":
            p = float(g.output[idx])
            name = data.class_names[1] if len(data.class_names) > 1 else "1"
            lines.append(f"P(class {name}) = {p:.3f}")
        elif data.task == "multiclass" and g.probs is not None:
            probs = g.probs[idx]
            best = int(np.argmax(probs))
            lines.append(f"predicts {data.class_names[best]} (p = {float(probs[best]):.3f})")
            lines.append("  ".join(f"{n}: {float(q):.2f}" for n, q in zip(data.class_names, probs)))
        else:
            lines.append(f"ŷ = {float(g.output[idx]):.4g}")
        text = "\n".join(lines)
        self.hover_text.setText(text)
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self.hover_text.setAnchor((1.0 if x > (x0 + x1) / 2 else 0.0, 1.0 if y < (y0 + y1) / 2 else 0.0))
        self.hover_text.setPos(x, y)
        self.hover_text.setVisible(True)
        self.sigStatus.emit(text.replace("\n", ";  "))

    def _point_lines(self, x: float, y: float) -> list[str]:
        """The read-out of the training or validation point under the mouse at view
        point (x, y): which it is, its target, the network's prediction and its loss;
        [] when the mouse is on no such point."""
        if self.paint_mode or self.errors is None or self.data is None:
            return []
        hit = self.point_at(x, y)
        if hit is None or hit.kind not in ("train", "validation"):
            return []
        errors = self.errors[0] if hit.kind == "train" else self.errors[1]
        i = hit.index
        if not 0 <= i < len(errors):
            return []
        names = self.data.class_names
        what = "training point" if hit.kind == "train" else "validation point"
        wrong = ""
        if errors.wrong[i]:
            wrong = "  ✕ misclassified" if errors.task != "regression" else "  ✕ among the worst"
        return [f"{what} #{i}{wrong}",
                f"target: {errors.target_text(i, names)}",
                f"prediction: {errors.prediction_text(i, names)}",
                f"loss: {errors.loss_text(i)}"]

    def point_at(self, x: float, y: float):  # type: ignore[no-untyped-def]
        """The drawn point a click at view point (x, y) is on (a :class:`PointHit`), or None."""
        return self.points.nearest(x, y, self.vb.viewPixelSize())

    def _mouse_clicked(self, ev) -> None:  # type: ignore[no-untyped-def]
        if self.mode == "none":
            return
        pos = ev.scenePos()
        if not self.vb.sceneBoundingRect().contains(pos):
            return
        p = self.vb.mapSceneToView(pos)
        if self.paint_mode:
            if ev.button() == Qt.MouseButton.LeftButton:
                ev.accept()
                self.sigPointAdded.emit(float(p.x()), float(p.y()), self.paint_label)
            elif ev.button() == Qt.MouseButton.RightButton:
                ev.accept()
                hit = self.point_at(p.x(), p.y())
                if hit is not None:
                    self.sigPointRemoved.emit(hit.row)
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.point_at(p.x(), p.y())
        if hit is None:
            return
        ev.accept()
        if hit.kind == "train":
            self.set_inspected_sample(hit.index)
            self.sigSampleClicked.emit(hit.index)
            self.sigStatus.emit(f"Training point #{hit.index}: the step inspector follows it from the next "
                                "iteration that uses it.")
        elif hit.kind == "validation":
            self.sigStatus.emit("That is a validation point: the network never trains on it, so the step "
                                "inspector cannot follow it. Click a filled (training) point.")


__all__ = ["BoundaryView", "ConfusionMatrixWidget", "forward_from_snapshot", "neuron_levels", "predict_from_snapshot"]
