"""What the network computes over its input space: the decision boundary.

For 2-D data the plane is coloured by the network's output on a grid
(``Snapshot.grid``): the probability of the positive class (binary), each class's
colour mixed by its probability (multi-class) or the predicted value (regression),
with the training points filled and the validation points hollow on top. For 1-D
regression the fitted curve is drawn over the points. Hovering a neuron in the network
view shows that neuron's own output over the plane instead (:meth:`show_neuron`).

A confusion matrix beside it counts which class the network gives the points of each
class. The view holds no network: it runs the snapshot's weights forward itself
(:func:`predict_from_snapshot`), on the validation set if there is one.

Painting mode turns clicks into requests (:attr:`BoundaryView.sigPointAdded`,
:attr:`BoundaryView.sigPointRemoved`); the view never changes the data itself.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ...core.activations import get_activation, sigmoid
from ...core.data import PreparedData
from ...core.losses import confusion_matrix, softmax
from ...core.snapshot import Grid, Snapshot
from .. import theme
from .base import ViewBase

Array = np.ndarray


# -- the network, run from a snapshot's weights ------------------------------------------------
def forward_from_snapshot(snap: Snapshot, X: Array) -> list[Array]:
    """Every layer's output for inputs ``X`` (n, n_inputs), from the snapshot's weights.

    Returns one array per layer with weights: the hidden layers' activations
    ``a = f(X·W + b)`` (n, units), then the output layer's logits ``z`` (n, n_outputs)
    before the output activation. No dropout (as when predicting). Activations with a
    parameter (leaky ReLU's and ELU's α) use their default value: a snapshot does not
    carry the layer specs.
    """
    dtype = snap.weights[0].dtype if snap.weights else np.float64
    a = np.asarray(X, dtype=dtype)
    out: list[Array] = []
    last = len(snap.weights) - 1
    with np.errstate(all="ignore"):
        for i, (W, b) in enumerate(zip(snap.weights, snap.biases)):
            z = a @ W
            z += b
            a = z if i == last else get_activation(snap.activations[i]).f(z)
            out.append(a)
    return out


def output_activation(snap: Snapshot, z: Array) -> Array:
    """The output layer's activation applied to logits ``z``: σ, softmax or identity."""
    key = snap.activations[-1] if snap.activations else "linear"
    with np.errstate(all="ignore"):
        if key == "sigmoid":
            return sigmoid(z)
        if key == "softmax":
            return softmax(z)
    return z


def predict_from_snapshot(snap: Snapshot, X: Array) -> Array:
    """The network's output ŷ for inputs ``X`` (n, n_inputs), shape (n, n_outputs):
    P(positive class) for binary, class probabilities for multi-class, values for
    regression."""
    return output_activation(snap, forward_from_snapshot(snap, X)[-1])


def neuron_levels(activation: str, values: Array) -> tuple[float, float]:
    """Colour levels for a neuron's outputs: its activation's range when that is
    bounded ((0, 1) for sigmoid, (−1, 1) for tanh), otherwise symmetric about 0 so
    that "off" (0) is the neutral colour."""
    lo, hi = (0.0, 1.0) if activation == "sigmoid" else (-1.0, 1.0) if activation == "tanh" else (None, None)
    if lo is not None and hi is not None:
        return lo, hi
    finite = values[np.isfinite(values)] if values.size else values
    m = float(np.max(np.abs(finite))) if finite.size else 1.0
    m = m if m > 1e-12 else 1.0
    return -m, m


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


# -- the confusion matrix -----------------------------------------------------------------
class ConfusionMatrixWidget(QWidget):
    """Counts of (true class, predicted class), drawn as a shaded table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.class_names: tuple[str, ...] = ()
        self.heading = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setToolTip("Rows: the true class of each point; columns: the class the network "
                        "gives it. The diagonal counts the points it gets right.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(220, 240)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(140, 140)

    def set_matrix(self, matrix: Array, class_names: Sequence[str], heading: str) -> None:
        matrix = np.asarray(matrix, dtype=np.int64)
        if (np.array_equal(matrix, self.matrix) and tuple(class_names) == self.class_names
                and heading == self.heading):
            return
        self.matrix = matrix
        self.class_names = tuple(class_names)
        self.heading = heading
        self.update()

    def paintEvent(self, _ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fg = theme.foreground()
        bg = theme.background()
        p.fillRect(self.rect(), bg)
        C = self.matrix
        k = len(C)
        font = QFont(self.font())
        p.setFont(font)
        fm = p.fontMetrics()
        line = fm.height()
        p.setPen(fg)
        p.drawText(QRectF(0, 2, self.width(), 2 * line), Qt.AlignmentFlag.AlignHCenter, self.heading)
        if k == 0:
            return
        width = int(max(46, 0.22 * self.width()))
        names = [self._short(n, fm, width) for n in self.class_names[:k]]
        names += [""] * (k - len(names))
        label_w = max(fm.horizontalAdvance(n) for n in names) + 8
        top = 4 * line + 14
        left = label_w + line + 4
        size = min((self.width() - left - 6) / k, (self.height() - top - 6) / k)
        size = max(size, 8.0)
        p.translate(max(0.0, (self.width() - left - k * size - 6) / 2), 0)  # centre the table
        p.drawText(QRectF(left, 2 * line + 8, k * size, line), Qt.AlignmentFlag.AlignHCenter, "predicted class")
        p.save()
        p.translate(2, top + k * size / 2)
        p.rotate(-90)
        p.drawText(QRectF(-k * size / 2, 0, k * size, line), Qt.AlignmentFlag.AlignHCenter, "true class")
        p.restore()
        row_tot = C.sum(axis=1)
        small = QFont(font)
        if size < 2.2 * line:
            small.setPointSizeF(max(5.0, font.pointSizeF() * size / (2.2 * line)))
        for i in range(k):
            p.setFont(font)
            p.setPen(fg)
            p.drawText(QRectF(line + 2, top + i * size, label_w - 4, size),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, names[i])
            for j in range(k):
                share = C[i, j] / row_tot[i] if row_tot[i] else 0.0
                base = QColor(0, 150, 80) if i == j else QColor(200, 40, 40)
                cell = QColor(base)
                cell.setAlphaF(0.08 + 0.8 * share if C[i, j] else 0.03)
                rect = QRectF(left + j * size, top + i * size, size - 2, size - 2)
                p.fillRect(rect, cell)
                p.setFont(small)
                p.setPen(QColor("white") if share > 0.55 else fg)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(C[i, j])))
        p.setFont(font)
        p.setPen(fg)
        y = top - 2
        for j in range(k):
            p.save()
            p.translate(left + j * size + size / 2, y)
            if fm.horizontalAdvance(names[j]) > size - 2:
                p.rotate(-45)
            p.drawText(QRectF(-40, -line, 80, line), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                       names[j] if fm.horizontalAdvance(names[j]) <= size - 2 else "")
            p.restore()
        p.end()

    @staticmethod
    def _short(name: str, fm, width: int) -> str:  # type: ignore[no-untyped-def]
        return fm.elidedText(name, Qt.TextElideMode.ElideRight, width)


# -- the view -----------------------------------------------------------------------------
class BoundaryView(ViewBase):
    """The network's output over the input plane (or along the input line), with the data."""

    title = "Decision boundary"
    caption = ("The background shows what the network answers at every point of the input "
               "plane: the boundary between the colours is where its decision flips. Filled "
               "dots are the training points, hollow ones the validation points it never trains on.")

    #: painting: a click on the plot at (x, y) asks for a point of class/value ``label``
    sigPointAdded = Signal(float, float, object)
    #: painting: a right click near a point asks to delete row ``index`` of ``raw.X``
    sigPointRemoved = Signal(int)

    HEAT_LIGHTEN = 0.35  # heatmap colours mixed this much with white: the points stay visible
    PICK_PIXELS = 12.0  # right click this close to a point removes it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "none"  # "plane", "curve" (1-D) or "none" (no 2-D/1-D input space)
        self.discretize = False
        self.show_validation = True
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
        self._lut_key: tuple | None = None
        self._rect: tuple | None = None
        self._pending_rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
        self._hover_pos: tuple[float, float] | None = None

        # -- controls -----------------------------------------------------------------------
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.val_box = QCheckBox("show validation points")
        self.val_box.setChecked(True)
        self.val_box.setToolTip("Draw the validation points (hollow): data the network never trains on")
        self.val_box.toggled.connect(self.set_show_validation)
        row.addWidget(self.val_box)
        self.discrete_box = QCheckBox("discretise")
        self.discrete_box.setToolTip("Colour each point of the plane by the class the network picks, "
                                     "without showing how sure it is")
        self.discrete_box.toggled.connect(self.set_discretize)
        row.addWidget(self.discrete_box)
        row.addStretch(1)
        self.add_widget(bar)

        #: which colour is which class (a label, so that it wraps in a narrow view)
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.add_widget(self.legend)

        # -- plot, colour bar and confusion matrix ------------------------------------------------
        middle = QWidget()
        hbox = QHBoxLayout(middle)
        hbox.setContentsMargins(0, 0, 0, 0)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(theme.background())
        self.canvas.setMinimumSize(200, 200)
        self.plot: pg.PlotItem = self.canvas.addPlot(0, 0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb = self.plot.getViewBox()
        fg = theme.foreground()
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)
        self.plot.titleLabel.setAttr("color", fg)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.curve = self.plot.plot(pen=pg.mkPen(fg, width=2.5))
        self.class_curves: list[pg.PlotDataItem] = []
        self.train_scatter = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1), hoverable=False)
        self.val_scatter = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(255, 255, 255, 170))
        self.plot.addItem(self.train_scatter)
        self.plot.addItem(self.val_scatter)
        self.hover_text = pg.TextItem("", color=fg, fill=pg.mkBrush(theme.background()),
                                      border=pg.mkPen(QColor(150, 150, 150)), anchor=(0, 0))
        self.hover_text.setZValue(100)
        self.hover_text.setVisible(False)
        self.plot.addItem(self.hover_text, ignoreBounds=True)

        self.colorbar = pg.ColorBarItem(values=(0, 1), width=14, interactive=False, colorMapMenu=False)
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
        names = data.raw.feature_names
        self.plot.setTitle("")
        self.discrete_box.setEnabled(data.task != "regression")
        self.message.setVisible(self.mode == "none")
        self.canvas.setVisible(self.mode != "none")
        if self.mode == "none":
            self.message.setText(f"This data has {d} inputs: there is no plane to draw the network's "
                                 "output on. The confusion matrix shows how it classifies the points.")
        self.confusion_widget.setVisible(data.task != "regression")
        # with no plane to draw, the confusion matrix gets the room
        self.confusion_widget.setMaximumWidth(16777215 if self.mode == "none" else 260)
        self.val_box.setVisible(self.mode != "none")
        self.discrete_box.setVisible(self.mode != "none")
        self.set_caption(self._caption_for(data))
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
        self._set_points()
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

    def set_show_validation(self, on: bool) -> None:
        on = bool(on)
        if self.val_box.isChecked() != on:
            self.val_box.setChecked(on)
            return
        self.show_validation = on
        self.val_scatter.setVisible(on)

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
        items = (self.train_scatter, self.val_scatter)
        for it in items:
            it.setExportMode(True, {"antialias": True})
        try:
            return super().export_svg(path)
        finally:
            for it in items:
                it.setExportMode(False)

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
        if self.mode == "curve":
            if data.task == "regression":
                return ("The line is the network's prediction ŷ for every x; training moves it through "
                        "the points. Filled dots are training points, hollow ones validation points "
                        "it never trains on.")
            return ("The curve is the probability the network gives each class along x. Filled dots "
                    "are training points, hollow ones validation points it never trains on.")
        if self.mode == "none":
            return ("Each row counts the points of one true class by the class the network picks: "
                    "everything on the diagonal is right, everything off it a mistake.")
        if data.task == "regression":
            return ("The background shows the value the network predicts at every point of the plane; "
                    "the dots are coloured by their true value on the same scale (filled: training, "
                    "hollow: validation).")
        return self.caption

    # -- points and legend -----------------------------------------------------------------------
    def _point_colors(self, y: Array) -> list[QColor]:
        data = self.data
        assert data is not None
        if data.task == "regression":
            lo, hi = self._target_levels()
            lut = theme.diverging_lut(256)
            idx = np.clip(((y - lo) / (hi - lo) * 255).round(), 0, 255).astype(int)
            return [QColor(*map(int, lut[i, :3])) for i in idx]
        cache = [theme.class_color(k, data.n_classes) for k in range(max(2, data.n_classes))]
        return [cache[int(k)] for k in y]

    def _target_levels(self) -> tuple[float, float]:
        y = np.asarray(self.data.raw.y, dtype=np.float64) if self.data is not None else np.zeros(1)
        lo, hi = float(np.min(y)), float(np.max(y))
        if not hi > lo:
            lo, hi = lo - 1.0, hi + 1.0
        return lo, hi

    def _point_xy(self, index: Array) -> tuple[Array, Array]:
        data = self.data
        assert data is not None
        X = data.raw.X[index]
        if self.mode == "plane":
            return X[:, 0], X[:, 1]
        y = data.raw.y[index].astype(np.float64)
        return X[:, 0], y

    def _set_points(self) -> None:
        data = self.data
        if data is None or self.mode == "none":
            self.train_scatter.clear()
            self.val_scatter.clear()
            return
        tx, ty = self._point_xy(data.train_index)
        vx, vy = self._point_xy(data.val_index)
        if self.mode == "curve":
            if data.task == "regression":
                tcol = [theme.TRAIN] * len(tx)
                vcol = [theme.VALIDATION] * len(vx)
            else:
                tcol = self._point_colors(data.raw.y[data.train_index])
                vcol = self._point_colors(data.raw.y[data.val_index])
                if data.task == "multiclass":  # the target probability of the point's own class
                    ty, vy = np.ones_like(ty), np.ones_like(vy)
        else:
            tcol = self._point_colors(data.raw.y[data.train_index])
            vcol = self._point_colors(data.raw.y[data.val_index])
        self.train_scatter.setData(tx, ty, brush=[pg.mkBrush(c) for c in tcol], pen=pg.mkPen("w", width=1))
        self.val_scatter.setData(vx, vy, pen=[pg.mkPen(c, width=2) for c in vcol],
                                 brush=pg.mkBrush(255, 255, 255, 170))
        self.val_scatter.setVisible(self.show_validation)

    def _set_legend(self) -> None:
        """The legend: a wrapping line of coloured symbols above the plot."""
        data = self.data
        if data is None or self.mode == "none":
            self.legend.setText("")
            self.legend.setVisible(False)
            return
        grey = "#888888"

        def dot(color: QColor | str, name: str, hollow: bool = False) -> str:
            c = color.name() if isinstance(color, QColor) else color
            sym = "○" if hollow else "●"
            return (f'<span style="color:{c}; font-size:large;">{sym}</span>&nbsp;{html.escape(name)}')

        if data.task == "regression":
            if self.mode == "curve":
                parts = [dot(theme.TRAIN, "training points"), dot(theme.VALIDATION, "validation points", True),
                         f'<span style="color:{theme.foreground().name()}; font-weight:bold;">━━</span>'
                         f"&nbsp;network output ŷ(x)"]
            else:
                parts = [dot(grey, "training points (colour = target value)"), dot(grey, "validation points", True)]
        else:
            parts = [dot(theme.class_color(k, data.n_classes), f"class {name}")
                     for k, name in enumerate(data.class_names)]
            parts += [dot(grey, "filled: training"), dot(grey, "hollow: validation", True)]
        self.legend.setText(" &nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(True)

    def _set_colorbar_visibility(self) -> None:
        show = self.mode == "plane" and (self.data is not None and
                                         (self.data.task != "multiclass" or self.neuron is not None))
        self.colorbar.setVisible(show)
        self.canvas.ci.layout.setColumnFixedWidth(1, 60 if show else 0)

    # -- drawing -----------------------------------------------------------------------------
    def _redraw(self, snap: Snapshot) -> None:
        data = self.data
        if data is None or snap.task != data.task or (snap.layer_sizes and snap.layer_sizes[0] != data.n_inputs):
            return  # a snapshot of the network for other data: the next one will fit
        self._update_confusion(snap)
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
        """(values over the grid, title, activation key) of the shown neuron, or None."""
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
                    f"neuron {layer + 1}.{unit + 1}: hidden layer {layer + 1}, unit {unit + 1} ({act})", act)
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
            self._set_lut(("neuron", levels), light, levels, title.split(":")[0] + " output")
            self.plot.setTitle(title)
            self._show_scalar(values, levels)
            return
        self.plot.setTitle("")
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
            levels = self._target_levels()
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
            self.plot.setTitle(title)
            self.curve.setData(grid.xs, values)
            self.image_values = values
            for c in self.class_curves:
                c.setData([], [])
            return
        self.plot.setTitle("")
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

    def _update_confusion(self, snap: Snapshot) -> None:
        data = self.data
        if data is None or data.task == "regression" or not snap.weights:
            self.confusion = None
            return
        if snap.layer_sizes[0] != data.n_inputs:
            return  # the snapshot is of a network for other data; a new one is on its way
        if len(data.X_val):
            X, y, which = data.X_val, data.y_val, "validation"
        else:
            X, y, which = data.X_train, data.y_train, "training"
        z = forward_from_snapshot(snap, X)[-1]
        z = np.nan_to_num(z)
        C = confusion_matrix(z, y, data.task, max(2, data.n_classes))
        self.confusion = C
        self.confusion_on = which
        acc = np.trace(C) / max(1, C.sum())
        self.confusion_widget.set_matrix(C, data.class_names,
                                         f"{which} set\n{int(np.trace(C))} of {int(C.sum())} right ({acc:.0%})")

    # -- mouse -------------------------------------------------------------------------------------
    def _mouse_moved(self, pos: QPointF) -> None:
        if self.mode == "none" or not self.vb.sceneBoundingRect().contains(pos):
            self._hover_pos = None
            self.hover_text.setVisible(False)
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
        lines = [where]
        if self.neuron is not None and self._neuron_values(snap, g) is not None:
            lines.append(f"{self.plot.titleLabel.text.split(':')[0]}: {self.image_values[idx]:.4g}")
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

    def _nearest_point(self, x: float, y: float) -> int | None:
        """Row of ``raw.X`` of the visible point nearest to (x, y) within PICK_PIXELS, or None."""
        data = self.data
        if data is None or self.mode == "none":
            return None
        idx = data.train_index
        if self.show_validation and len(data.val_index):
            idx = np.concatenate([idx, data.val_index])
        if not len(idx):
            return None
        px, py = self._point_xy(idx)
        if self.mode == "curve" and data.task == "multiclass":
            py = np.ones_like(py)
        pw, ph = self.vb.viewPixelSize()
        d2 = ((px - x) / pw) ** 2 + ((py - y) / ph) ** 2
        k = int(np.argmin(d2))
        return int(idx[k]) if d2[k] <= self.PICK_PIXELS ** 2 else None

    def _mouse_clicked(self, ev) -> None:  # type: ignore[no-untyped-def]
        if not self.paint_mode or self.mode == "none":
            return
        pos = ev.scenePos()
        if not self.vb.sceneBoundingRect().contains(pos):
            return
        p = self.vb.mapSceneToView(pos)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.sigPointAdded.emit(float(p.x()), float(p.y()), self.paint_label)
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            hit = self._nearest_point(p.x(), p.y())
            if hit is not None:
                self.sigPointRemoved.emit(hit)


__all__ = ["BoundaryView", "ConfusionMatrixWidget", "forward_from_snapshot", "neuron_levels",
           "output_activation", "predict_from_snapshot"]
