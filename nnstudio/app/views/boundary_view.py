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

Two runs compared (``Snapshot.b``): run B's map (or fit) is drawn beside run A's
(:mod:`.decision_plot`, one per run), each titled with its run and its accuracy, on the
same colour scale and axes (panning or zooming one moves both), with the same points
and each run's own crosses; a second confusion matrix counts B's answers. When B is
closed the view is back to one plot.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...core.data import Dataset, PreparedData
from ...core.snapshot import Grid, Snapshot
from .. import theme
from .axes import readable_colorbar_axis
from .base import ViewBase
from .confusion_matrix_widget import ConfusionMatrixWidget
from .decision_plot import DecisionPlot, class_mix, lighten, neuron_over_grid
from .decision_points import target_levels
from .decision_texts import caption_for, legend_html, read_out_lines, title_for
from .run_colors import run_color
from .sample_errors import SampleErrors, data_errors, fits, sample_errors
from .snapshot_forward import forward_from_snapshot, neuron_levels, predict_from_snapshot

Array = np.ndarray


def _of_run_a(path: str, doc: str) -> property:
    """A read-only attribute of run A's :class:`DecisionPlot` (``path`` may be dotted)."""
    def get(view: "BoundaryView") -> object:
        obj: object = view.run_a
        for name in path.split("."):
            obj = getattr(obj, name)
        return obj
    return property(get, doc=doc)


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
    #: the same for two runs' plots side by side (and two matrices, one over the other)
    CONFUSION_MIN_WIDTH_PAIR = 820

    #: painting: a click on the plot at (x, y) asks for a point of class/value ``label``
    sigPointAdded = Signal(float, float, object)
    #: painting: a right click near a point asks to delete row ``index`` of the points
    #: painted (``raw.X``, or the draft's ``X`` while there is one)
    sigPointRemoved = Signal(int)
    #: the view's name changed with its data (a regression's "Fitted curve", see
    #: :func:`~nnstudio.app.views.decision_texts.title_for`): the dock's tab follows it
    sigTitleChanged = Signal(str)
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
        self.confusion: Array | None = None
        self.confusion_on = ""  # "validation" or "training"
        #: run B's confusion matrix while two runs are compared, else None
        self.confusion_b: Array | None = None
        self._legend_marks = False  # the legend explains the crosses
        self._lut_key: tuple | None = None
        self._lut: Array | None = None
        self._hover_pos: tuple[float, float] | None = None
        #: the plot the mouse's read-out is on
        self._hover_plot: DecisionPlot | None = None
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

        # -- plots (run A's, and run B's beside it), colour bar and confusion matrices -----------
        middle = QWidget()
        hbox = QHBoxLayout(middle)
        hbox.setContentsMargins(0, 0, 0, 0)
        hbox.setSpacing(2)
        fg = theme.foreground()
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.background())
        self.canvas.setMinimumSize(160, 140)
        self.canvas.ci.layout.setContentsMargins(2, 2, 2, 2)
        #: the runs' plots sit in one cell, so that the colour bar keeps its column
        self.plots_layout: pg.GraphicsLayout = self.canvas.ci.addLayout(0, 0)
        self.plots_layout.layout.setContentsMargins(0, 0, 0, 0)
        self.run_a = DecisionPlot(self.plots_layout)
        self.run_a.place(0)
        #: run B's plot, made when a comparison first arrives; in the layout only while comparing
        self.run_b: DecisionPlot | None = None
        self.comparing = False

        self.colorbar = pg.ColorBarItem(values=(0, 1), width=12, interactive=False, colorMapMenu=False)
        # outputs of a regression can be small: numbers as they are, not "(x0.001)"
        readable_colorbar_axis(self.colorbar)
        self.colorbar.axis.setPen(fg)
        self.colorbar.axis.setTextPen(fg)
        self.canvas.addItem(self.colorbar, 0, 1)
        hbox.addWidget(self.canvas, 3)

        confusions = QWidget()
        cbox = QVBoxLayout(confusions)
        cbox.setContentsMargins(0, 0, 0, 0)
        cbox.setSpacing(4)
        self.confusion_widget = ConfusionMatrixWidget()
        cbox.addWidget(self.confusion_widget, 1)
        #: run B's confusion matrix, under A's while two runs are compared
        self.confusion_widget_b = ConfusionMatrixWidget()
        self.confusion_widget_b.setVisible(False)
        cbox.addWidget(self.confusion_widget_b, 1)
        self.confusions = confusions
        hbox.addWidget(confusions, 1)
        self.add_widget(middle, 1)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.add_widget(self.message)
        self.add_caption()

        self.canvas.scene().sigMouseMoved.connect(self._mouse_moved)
        self.canvas.scene().sigMouseClicked.connect(self._mouse_clicked)
        # the read-out belongs to the mouse: it goes when the mouse leaves the plot
        self.canvas.installEventFilter(self)
        self.canvas.viewport().installEventFilter(self)

    # -- run A's plot, under the names the view has always had --------------------------------
    plot = _of_run_a("plot", "run A's PlotItem")
    vb = _of_run_a("vb", "run A's ViewBox")
    image = _of_run_a("image", "run A's heatmap (ImageItem)")
    curve = _of_run_a("curve", "run A's fitted curve (1-D data)")
    class_curves = _of_run_a("class_curves", "run A's curves of each class's probability (1-D data)")
    points = _of_run_a("points", "run A's :class:`DecisionPoints`")
    train_scatter = _of_run_a("points.train", "run A's training points")
    val_scatter = _of_run_a("points.val", "run A's validation points")
    hover_text = _of_run_a("hover_text", "run A's read-out")
    image_values = _of_run_a("image_values", "what run A's heatmap (or curve) shows, before colouring")
    image_rgb = _of_run_a("image_rgb", "multi-class: run A's RGB image")
    image_levels = _of_run_a("image_levels", "run A's colour levels")
    errors = _of_run_a("errors", "each training and validation sample's prediction and loss at run A's weights")

    def run_plots(self) -> list[DecisionPlot]:
        """The plots shown: run A's, and run B's while two runs are compared."""
        return [self.run_a, self.run_b] if self.comparing and self.run_b is not None else [self.run_a]

    @property
    def show_validation(self) -> bool:
        return self.points.show_validation

    # -- public ------------------------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        d = data.raw.X.shape[1]
        self.mode = "plane" if d == 2 else "curve" if d == 1 else "none"
        self.neuron = None
        self.clear_hover()
        self._chosen_sample = None  # an index into the old training set
        self.neuron_title = ""
        self.discrete_box.setEnabled(data.task != "regression")
        self.message.setVisible(self.mode == "none")
        self.canvas.setVisible(self.mode != "none")
        if self.mode == "none":
            self.message.setText(f"This data has {d} inputs: there is no plane to draw the network's "
                                 "output on. " + ("The Loss view and the R² counter tell how well it fits."
                                                  if data.task == "regression" else
                                                  "The confusion matrix shows how it classifies the points."))
        title = title_for(data, self.mode)
        if title != self.title:
            self.title = title
            self.sigTitleChanged.emit(title)
        self._fit_to_size()
        # with no plane to draw, the confusion matrix gets the room
        self.confusions.setMaximumWidth(16777215 if self.mode == "none" else 220)
        self.val_box.setVisible(self.mode != "none")
        self.discrete_box.setVisible(self.mode != "none")
        self.set_caption(caption_for(data, self.mode, self.caption))
        self.setToolTip(caption_for(data, self.mode, self.caption))  # what a small view, without its caption, still says
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.reset(data, self.mode)
        if self.run_b is not None:
            self.run_b.vb.setAspectLocked(False)
        self._set_legend()
        self._set_colorbar_visibility()
        vb = self.run_a.vb
        if self.mode == "plane":
            (x0, x1), (y0, y1) = data.domain[:2]
            vb.enableAutoRange()
            vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        elif self.mode == "curve":
            # x is the data's own range; y follows the points and the fitted curve
            (x0, x1), = data.domain
            vb.disableAutoRange(axis=pg.ViewBox.XAxis)
            vb.setXRange(x0, x1, padding=0.02)
            vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        self._follow_a()
        if self.snapshot is not None:
            self._redraw(self.snapshot)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._redraw(snap)

    def set_draft(self, draft: Dataset | None) -> None:
        """Points being painted that the document does not hold yet (too few to train
        on), drawn instead of the data; None when there is no draft. Connected to
        :attr:`DataPanel.sigDraftChanged`."""
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.points.set_draft(draft)
        self._set_legend()

    def set_inspected_sample(self, index: int | None) -> None:
        """Ring training sample ``index`` (a row of ``X_train``), the one the step
        inspector follows; None: no ring. (While a snapshot has a phase, the ring is on
        the phase's sample.)"""
        self._chosen_sample = None if index is None else int(index)
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.points.set_inspected(self._chosen_sample)

    def clear_hover(self) -> None:
        """Take the mouse's read-out off the plot."""
        self._hover_pos = None
        self._hover_plot = None
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.hover_text.setVisible(False)

    def set_show_validation(self, on: bool) -> None:
        on = bool(on)
        if self.val_box.isChecked() != on:
            self.val_box.setChecked(on)
            return
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.points.set_show_validation(on)

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
        items = [it for p in self.run_plots() for it in p.scatter_items()]
        for it in items:
            it.setExportMode(True, {"antialias": True})
        try:
            return super().export_svg(path)
        finally:
            for it in items:
                it.setExportMode(False)

    def apply_theme(self) -> None:
        fg = theme.foreground()
        for p in (self.run_a, self.run_b):
            if p is not None:
                p.apply_theme()
        self.colorbar.axis.setPen(fg)
        self.colorbar.axis.setTextPen(fg)
        self._lut_key = None  # the light end of the colour map follows the theme
        self._set_legend()
        self._set_titles()
        super().apply_theme()

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self._fit_to_size()

    def _fit_to_size(self) -> None:
        """In a narrow view the plot comes first: the confusion matrix gives way (as the
        caption does in a short one, see ``caption_room``)."""
        classes = self.data is not None and self.data.task != "regression"
        least = self.CONFUSION_MIN_WIDTH_PAIR if self.comparing else self.CONFUSION_MIN_WIDTH
        show = classes and (self.mode == "none" or self.width() >= least)
        self.confusion_widget.setVisible(show)
        self.confusion_widget_b.setVisible(show and self.comparing)
        self.confusions.setVisible(show)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802
        if ev.type() == QEvent.Type.Leave and obj in (self.canvas, self.canvas.viewport()):
            self.clear_hover()
        return super().eventFilter(obj, ev)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """The grid (x, y, output) the heatmap shows, with run B's output beside while two
        runs are compared; the confusion matrix when there is no grid."""
        snap = self.snapshot
        grid = snap.grid if snap is not None else None
        if grid is None:
            if self.confusion is None or self.data is None:
                return (), ()
            names = self.data.class_names
            header = ("true class", *(f"predicted {n}" for n in names))
            return header, [[names[i], *map(int, r)] for i, r in enumerate(self.confusion)]
        grids = [grid]
        b_grid = snap.b.grid if snap is not None and snap.b is not None else None
        if b_grid is not None and b_grid.output.shape == grid.output.shape:
            grids.append(b_grid)
        header: list[str] = ["x"] if grid.ys.size == 0 else ["x", "y"]
        gx, gy = np.meshgrid(grid.xs, grid.ys)
        cols = [grid.xs] if grid.ys.size == 0 else [gx.ravel(), gy.ravel()]
        for g, suffix in zip(grids, ("", "_B")):
            header.append(f"output{suffix}")
            cols.append(g.output.ravel())
            if g.probs is not None and self.data is not None:
                header += [f"p_{n}{suffix}" for n in self.data.class_names]
                cols += list(g.probs.reshape(-1, g.probs.shape[-1]).T)
        return tuple(header), np.column_stack([np.asarray(c, dtype=np.float64) for c in cols]).tolist()

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
        self._legend_marks = self.errors is not None and not self.points.painted()
        self.legend.setText(legend_html(self.points, self.mode, self._legend_marks))
        self.legend.setVisible(True)

    def _set_colorbar_visibility(self) -> None:
        show = self.mode == "plane" and (self.data is not None and
                                         (self.data.task != "multiclass" or self.neuron is not None))
        self.colorbar.setVisible(show)
        self.canvas.ci.layout.setColumnFixedWidth(1, 54 if show else 0)

    # -- two runs ----------------------------------------------------------------------------
    def _match_axis_widths(self) -> None:
        """B's vertical axis as wide as A's: an axis keeps the room its widest labels
        once took (A's since before the data came), and the two plots must be the same
        size to show the same ticks."""
        if self.run_b is not None and self.comparing:
            width = self.run_a.plot.getAxis("left").width()
            axis = self.run_b.plot.getAxis("left")
            if width > 0 and abs(axis.width() - width) > 0.5:
                axis.setWidth(width)

    def _set_comparing(self, on: bool) -> None:
        """Put run B's plot beside A's (``on``) or take it away; one plot again when B is closed."""
        if on == self.comparing:
            return
        self.comparing = on
        # two maps, two runs' errors: the view scheduler spreads the paints by this
        self.paint_cost = type(self).paint_cost * (2 if on else 1)
        if on:
            if self.run_b is None:
                self.run_b = DecisionPlot(self.plots_layout)
                self.run_b.place(1)
                # equal halves: the same pixel size gives both plots the same ticks
                for col in (0, 1):
                    self.plots_layout.layout.setColumnStretchFactor(col, 1)
                self.run_b.vb.sigRangeChangedManually.connect(self._b_moved)
                self.run_a.vb.sigRangeChanged.connect(self._follow_a)
                self.run_a.plot.getAxis("left").geometryChanged.connect(self._match_axis_widths)
            else:
                self.run_b.place(1)
            b = self.run_b
            if self.data is not None:
                b.reset(self.data, self.mode)
            # B shows exactly A's ranges (its box is A's size, give or take a pixel, so
            # unlocking its aspect distorts nothing visible)
            b.vb.setAspectLocked(False)
            b.vb.disableAutoRange()
            b.points.set_show_validation(self.show_validation)
            b.points.set_draft(self.run_a.points.draft)
            b.points.set_inspected(self.run_a.points.inspected)
            if self._lut is not None:
                b.set_lut(self._lut)
            self._follow_a()
            self._match_axis_widths()
        else:
            assert self.run_b is not None
            if self._hover_plot is self.run_b:
                self.clear_hover()
            self.run_b.take_out()
            self.confusion_b = None
        self._set_titles()
        self._fit_to_size()

    def _follow_a(self, *_: object) -> None:
        """Run B's plot shows what run A's shows: the same part of the plane (or line)."""
        b = self.run_b
        if b is None or not self.comparing:
            return
        (x0, x1), (y0, y1) = self.run_a.vb.viewRange()
        b.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0, disableAutoRange=True)

    def _b_moved(self, *_: object) -> None:
        """The learner panned or zoomed run B's plot: run A's follows (and B follows A back)."""
        assert self.run_b is not None
        (x0, x1), (y0, y1) = self.run_b.vb.viewRange()
        self.run_a.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def _set_titles(self) -> None:
        """Each plot's run (and, for classes, how many points it gets right) over it; no
        title for one run."""
        if not self.comparing or self.run_b is None:
            self.run_a.set_title(None)
            return
        snap = self.snapshot
        label = snap.b_label if snap is not None and snap.b_label else "B"
        for plot, name, color, C in ((self.run_a, "A", run_color("A"), self.confusion),
                                     (self.run_b, label, run_color("B"), self.confusion_b)):
            right = f" · {np.trace(C) / C.sum():.0%} right" if C is not None and C.sum() else ""
            plot.set_title(name, color, right)

    # -- drawing -----------------------------------------------------------------------------
    def _redraw(self, snap: Snapshot) -> None:
        data = self.data
        if data is None or snap.task != data.task or (snap.layer_sizes and snap.layer_sizes[0] != data.n_inputs):
            return  # a snapshot of the network for other data: the next one will fit
        b = snap.b if snap.b is not None and fits(snap.b, data) else None
        self._set_comparing(snap.b is not None)
        runs = [(self.run_a, snap)]
        if self.comparing and self.run_b is not None and b is not None:
            runs.append((self.run_b, b))
        # while an iteration is stepped phase by phase, the ring is on the sample it follows
        ring = snap.phase.sample if snap.phase is not None else self._chosen_sample
        for plot, _s in runs:
            plot.points.set_inspected(ring)
        self.confusion, self.confusion_on = self._confusion(snap, self._update_errors(self.run_a, snap),
                                                            self.confusion, self.confusion_on)
        if len(runs) > 1:
            self.confusion_b, _ = self._confusion(b, self._update_errors(self.run_b, b), self.confusion_b, "")
        self._show_confusions(snap)
        self._set_titles()
        if self.mode == "none":
            return
        if self.mode == "plane":
            self._draw_plane(runs)
        else:
            for plot, s in runs:
                self._draw_curve(plot, s)
        if self._hover_pos is not None:
            self._show_hover(*self._hover_pos, plot=self._hover_plot)

    def _neuron_values(self, snap: Snapshot, grid: Grid) -> tuple[Array, str, str] | None:
        """(values over the grid, title, activation key) of the shown neuron in ``snap``'s
        network, or None (see :func:`neuron_over_grid`)."""
        if self.neuron is None or self.data is None:
            return None
        return neuron_over_grid(snap, grid, self.neuron, self.data, lambda: self.grid_inputs(grid))

    def _set_lut(self, key: tuple, lut: Array | None, levels: tuple[float, float] | None, label: str) -> None:
        """Colour map of the heatmaps and the colour bar (changed only when it changes):
        one scale for both runs."""
        if key == self._lut_key:
            return
        self._lut_key = key
        if lut is not None:
            self._lut = lut
            for p in (self.run_a, self.run_b):
                if p is not None:
                    p.set_lut(lut)
            cmap = pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), lut)
            self.colorbar.setColorMap(cmap)
        if levels is not None:
            self.colorbar.setLevels(levels)
        self.colorbar.axis.setLabel(label)

    def _draw_plane(self, runs: list[tuple[DecisionPlot, Snapshot]]) -> None:
        """Each run's map on the one colour scale the colour bar shows."""
        data = self.data
        assert data is not None
        light = lighten(theme.diverging_lut(256), self.HEAT_LIGHTEN, QColor("white"))
        shown = [(plot, s, s.grid) for plot, s in runs if s.grid is not None and s.grid.ys.size]
        if not shown or shown[0][0] is not self.run_a:
            return
        self._set_colorbar_visibility()
        neurons = [self._neuron_values(s, g) for _p, s, g in shown]
        first = neurons[0]
        if first is not None:
            _values, title, act = first
            if title.startswith("output"):
                levels = (0.0, 1.0)
            else:  # a scale wide enough for the neuron in both runs
                both = [n[0].ravel() for n in neurons if n is not None and n[1] == title]
                levels = neuron_levels(act, np.concatenate(both))
            label = "the neuron's output" if title.startswith("hidden") else title.split(": ")[-1]
            self._set_lut(("neuron", levels, label), light, levels, label)
            self._set_neuron_title(title)
            for (plot, _s, grid), n in zip(shown, neurons):
                if n is not None and n[1] == title:
                    plot.show_scalar(grid, n[0], levels)
                else:  # run B has no such neuron (its network is another shape)
                    plot.show_nothing(f"this network has no\n{title.split(' (')[0]}")
            return
        self._set_neuron_title("")
        if data.task == "multiclass":
            for plot, _s, grid in shown:
                if grid.probs is not None:
                    self._show_classes(plot, grid)
            return
        if data.task == "binary":
            levels = (0.0, 1.0)
            name = data.class_names[1] if len(data.class_names) > 1 else "1"
            self._set_lut(("binary",), light, levels, f"P(class {name})")
        else:
            levels = target_levels(data.raw.y)
            self._set_lut(("regression", levels), light, levels, "network output ŷ")
        for plot, _s, grid in shown:
            values = grid.output
            if self.discretize and data.task == "binary":
                values = (grid.output > 0.5).astype(np.float64)
            plot.show_scalar(grid, values, levels)

    def _show_classes(self, plot: DecisionPlot, grid: Grid) -> None:
        assert grid.probs is not None
        self._lut_key = None  # the image drops its lookup table: a scalar map sets it again
        plot.show_rgb(grid, class_mix(grid, self.HEAT_LIGHTEN, self.discretize), grid.output,
                      (0.0, float(grid.probs.shape[-1] - 1)))

    def _draw_curve(self, plot: DecisionPlot, snap: Snapshot) -> None:
        data = self.data
        grid = snap.grid
        assert data is not None
        if grid is None or grid.ys.size:
            return
        neuron = self._neuron_values(snap, grid)
        if neuron is not None:
            values, title, _act = neuron
            if plot is self.run_a:
                self._set_neuron_title(title)
            if title != self.neuron_title:  # run B has no such neuron (its network is another shape)
                plot.show_nothing(f"this network has no\n{self.neuron_title.split(' (')[0]}")
            else:
                plot.show_curve(grid, values)
            return
        if plot is self.run_a:
            self._set_neuron_title("")
        if self.neuron_title:
            plot.show_nothing(f"this network has no\n{self.neuron_title.split(' (')[0]}")
            return
        if grid.probs is not None and plot.class_curves:
            plot.show_class_curves(grid, grid.probs.reshape(len(grid.xs), -1), grid.output)
        else:
            out = grid.output
            if self.discretize and data.task == "binary":
                out = (out > 0.5).astype(np.float64)
            plot.show_curve(grid, out, grid.output)

    def _update_errors(self, plot: DecisionPlot, snap: Snapshot) -> SampleErrors | None:
        """Every sample's prediction and loss at the snapshot's weights, and the marks on
        ``plot``. Returns the errors of the set the confusion matrix counts (the
        validation set if there is one), or None when the snapshot is of a network for
        other data."""
        data = self.data
        if data is None or not fits(snap, data):
            return None  # the snapshot is of a network for other data; a new one is on its way
        if self.mode == "none":
            # no points drawn: only the set the confusion matrix counts
            plot.set_errors(None)
            if len(data.X_val):
                return sample_errors(snap, data.X_val, data.y_val, "validation")
            return sample_errors(snap, data.X_train, data.y_train, "training")
        errors = data_errors(snap, data)
        plot.set_errors(errors)
        if plot is self.run_a and not self._legend_marks:
            self._set_legend()
        return errors[1] if len(data.X_val) else errors[0]

    def _confusion(self, snap: Snapshot, errors: SampleErrors | None, old: Array | None,
                   old_on: str) -> tuple[Array | None, str]:
        """(matrix, set it counts) of ``snap``'s answers; the old ones while ``errors``
        are of a network for other data."""
        data = self.data
        if data is None or data.task == "regression" or not snap.weights:
            return None, ""
        if errors is None:
            return old, old_on  # the snapshot is of a network for other data; a new one is on its way
        k = max(2, data.n_classes)
        C = np.zeros((k, k), dtype=np.int64)
        np.add.at(C, (errors.target.astype(np.intp), np.clip(errors.predicted, 0, k - 1)), 1)
        return C, errors.which

    def _show_confusions(self, snap: Snapshot) -> None:
        data = self.data
        if data is None:
            return
        pairs = [(self.confusion_widget, self.confusion, "A · " if self.comparing else "")]
        if self.comparing:
            pairs.append((self.confusion_widget_b, self.confusion_b, f"{snap.b_label or 'B'} · "))
        for widget, C, who in pairs:
            if C is None:
                continue
            acc = np.trace(C) / max(1, C.sum())
            widget.set_matrix(C, data.class_names, f"{who}{self.confusion_on} set\n"
                                                   f"{int(np.trace(C))} of {int(C.sum())} right ({acc:.0%})")

    # -- mouse -------------------------------------------------------------------------------------
    def _plot_at(self, pos: QPointF) -> DecisionPlot | None:
        """The run's plot whose data area holds scene point ``pos``, or None."""
        return next((p for p in self.run_plots() if p.contains(pos)), None)

    def _mouse_moved(self, pos: QPointF) -> None:
        plot = self._plot_at(pos) if self.mode != "none" else None
        if plot is None:
            self.clear_hover()
            return
        p = plot.vb.mapSceneToView(pos)
        self._show_hover(p.x(), p.y(), plot=plot)

    def _plot_of(self, run: str) -> DecisionPlot:
        if run == "B":
            if self.run_b is None or not self.comparing:
                raise ValueError("there is no run B to read: no comparison is shown")
            return self.run_b
        return self.run_a

    def hover_at(self, x: float, y: float, run: str = "A") -> str:
        """The read-out for view point (x, y) of run ``run``'s plot ("A" or "B"), as the mouse shows it."""
        plot = self._plot_of(run)
        self._show_hover(x, y, plot=plot)
        return plot.hover_text.toPlainText()

    def value_at(self, x: float, y: float | None = None, run: str = "A") -> float | None:
        """What run ``run``'s heatmap (or curve) shows at the grid point nearest to (x, y)."""
        return self._plot_of(run).value_at(x, y)

    def _run_snapshot(self, plot: DecisionPlot) -> Snapshot | None:
        snap = self.snapshot
        if snap is None:
            return None
        return snap.b if plot is self.run_b else snap

    def _show_hover(self, x: float, y: float, plot: DecisionPlot | None = None) -> None:
        plot = plot or self.run_a
        for other in self.run_plots():
            if other is not plot:
                other.hover_text.setVisible(False)
        self._hover_pos = (x, y)
        self._hover_plot = plot
        snap, data = self._run_snapshot(plot), self.data
        g = plot.grid
        idx = plot.grid_index(x, y)
        if snap is None or g is None or idx is None or data is None or plot.image_values is None:
            plot.hover_text.setVisible(False)
            return
        hit = None if self.paint_mode else plot.points.nearest(x, y, plot.vb.viewPixelSize())
        lines = read_out_lines(data, self.mode, g, idx, x, y, hit, plot.errors,
                               self.neuron_title, plot.image_values)
        if self.comparing:
            who = "A" if plot is self.run_a else (self.snapshot.b_label if self.snapshot is not None else "") or "B"
            lines.insert(0, who)
        text = "\n".join(lines)
        plot.show_read_out(text, x, y)
        self.sigStatus.emit(text.replace("\n", ";  "))

    def point_at(self, x: float, y: float, run: str = "A"):  # type: ignore[no-untyped-def]
        """The drawn point a click at view point (x, y) of run ``run``'s plot is on (a
        :class:`PointHit`), or None."""
        plot = self._plot_of(run)
        return plot.points.nearest(x, y, plot.vb.viewPixelSize())

    def _mouse_clicked(self, ev) -> None:  # type: ignore[no-untyped-def]
        if self.mode == "none":
            return
        plot = self._plot_at(ev.scenePos())
        if plot is None:
            return
        p = plot.vb.mapSceneToView(ev.scenePos())
        hit = plot.points.nearest(p.x(), p.y(), plot.vb.viewPixelSize())
        if self.paint_mode:
            if ev.button() == Qt.MouseButton.LeftButton:
                ev.accept()
                self.sigPointAdded.emit(float(p.x()), float(p.y()), self.paint_label)
            elif ev.button() == Qt.MouseButton.RightButton:
                ev.accept()
                if hit is not None:
                    self.sigPointRemoved.emit(hit.row)
            return
        if ev.button() != Qt.MouseButton.LeftButton or hit is None:
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
