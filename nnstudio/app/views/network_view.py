"""The network itself: neurons in columns, connections coloured and sized by their weights.

Drawn on a ``QGraphicsScene`` whose items are made once per architecture and
restyled per snapshot. Inputs are on the left, each hidden layer is a column, the
output layer is on the right. A connection is blue for a positive weight and orange
for a negative one, thicker the larger ``|w|``; a neuron's small corner square (or,
without thumbnails, its fill) shows its bias the same way. For 1-D and 2-D data each
neuron shows a thumbnail of its own output over the input space, as in TensorFlow
Playground.

Layers of more than :data:`MAX_FULL` units show their first :data:`SHOWN_OF_LARGE`
units and "… N more", and very dense layer pairs draw a fixed sample of their
connections, so a 784-input network stays fast and readable.

Interaction: hovering a neuron emits :attr:`NetworkView.sigNeuronHovered` (the
decision-boundary view then shows that neuron's output); tooltips give exact weights,
gradients, biases and activation statistics; clicking a connection (or a neuron, for
its bias) asks for a new value and emits :attr:`NetworkView.sigWeightEdited` with the
parameter's index in the flat parameter vector.

While the step inspector runs (``Snapshot.phase``), the part being computed is
highlighted with the inspected sample's numbers: activations (forward), the output
and its loss (loss), gradients and δ (backward), and the weight changes (update).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen,
                           QPolygonF)
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsScene, QGraphicsView,
                               QInputDialog, QLabel, QToolTip, QWidget)

from ...core.activations import get_activation
from ...core.data import PreparedData
from ...core.network import flat_index
from ...core.snapshot import Grid, Snapshot
from .. import theme
from .base import ViewBase
from .boundary_view import forward_from_snapshot, neuron_levels, output_activation

Array = np.ndarray

MAX_FULL = 32  # layers up to this many units are drawn whole
SHOWN_OF_LARGE = 16  # larger layers show their first units and "… N more"
MAX_EDGES_PER_PAIR = 320  # denser layer pairs draw a fixed sample of their connections
MIN_WIDTH, MAX_WIDTH, WIDTH_PER_UNIT = 0.5, 5.0, 1.5  # connection width = MIN + PER·|w|, clamped
MAX_NEURON = 44.0  # pixels
STAT_SAMPLES = 256  # training samples behind a neuron's activation statistics
ACCENT = QColor(150, 60, 200)  # what the step inspector is computing

_ALPHA_STEPS = 16
_WIDTH_STEP = 0.25


def _mix(color: QColor, amount: float) -> QColor:
    """``color`` laid over the background with opacity ``amount``, as an opaque colour.
    (Painting translucent lines is many times slower than opaque ones.)"""
    bg = theme.background()
    a = max(0.0, min(1.0, amount))
    return QColor(round(bg.red() + (color.red() - bg.red()) * a),
                  round(bg.green() + (color.green() - bg.green()) * a),
                  round(bg.blue() + (color.blue() - bg.blue()) * a))


def _quantize(r: Array) -> tuple[Array, Array]:
    """Width steps and strength steps of connections with relative sizes ``r = |v|/unit``."""
    w_steps = np.round(np.minimum(MAX_WIDTH, MIN_WIDTH + WIDTH_PER_UNIT * r) / _WIDTH_STEP)
    s_steps = np.round((0.3 + 0.7 * np.minimum(1.0, r)) * _ALPHA_STEPS)
    return w_steps.astype(np.int64), s_steps.astype(np.int64)


def _style_of_steps(positive: bool, w_steps: int, s_steps: int) -> tuple[float, QColor]:
    return w_steps * _WIDTH_STEP, _mix(theme.POSITIVE if positive else theme.NEGATIVE, s_steps / _ALPHA_STEPS)


def edge_style(value: float, unit: float = 1.0) -> tuple[float, QColor]:
    """Width (pixels) and colour of a connection showing ``value``.

    Blue (``theme.POSITIVE``) for positive values, orange (``theme.NEGATIVE``) for
    negative ones; width ``MIN_WIDTH + WIDTH_PER_UNIT·|value|/unit`` clamped to
    ``MAX_WIDTH``; the colour fades towards the background for small ``|value|/unit``
    (full strength from 1). Weights use ``unit = 1``; gradients and updates are scaled
    by their largest value. Width and strength are rounded to a few steps so that pens
    can be shared. Non-finite values are drawn thick and red.
    """
    if not math.isfinite(value):
        return MAX_WIDTH, QColor(200, 0, 0)
    r = abs(value) / unit if unit > 0 else 0.0
    w_steps, s_steps = _quantize(np.array([r]))
    return _style_of_steps(value >= 0, int(w_steps[0]), int(s_steps[0]))


def bias_color(b: float) -> QColor:
    """Sign colour of a bias, more opaque the larger ``|b|`` (full at |b| ≥ 1)."""
    if not math.isfinite(b):
        return QColor(200, 0, 0)
    c = QColor(theme.POSITIVE if b >= 0 else theme.NEGATIVE)
    c.setAlphaF(0.15 + 0.85 * min(1.0, abs(b)))
    return c


def _fmt(v: float) -> str:
    return f"{v:.4g}" if math.isfinite(v) else str(v)


def _colorize(values: Array, lo: float | Array, hi: float | Array, lut: Array) -> Array:
    """Values (ny, nx, m) → m RGBA images (m, ny, nx, 4), rows flipped so that y points up.
    ``lo``/``hi`` are the levels: numbers, or one per image (shape (m,))."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    span = np.where(hi > lo, hi - lo, 1.0)
    t = np.nan_to_num((values - lo) / span, nan=0.5, posinf=1.0, neginf=0.0)
    idx = np.clip(t * (len(lut) - 1), 0, len(lut) - 1).astype(np.intp)
    # index a table of 32-bit pixels with the (small) index array already in image order:
    # the result is contiguous without moving the 4× larger colour array again
    lut32 = np.ascontiguousarray(lut, dtype=np.uint8).view(np.uint32).ravel()
    px = lut32[idx.transpose(2, 0, 1)[:, ::-1]]
    return px.view(np.uint8).reshape(*px.shape, 4)


class NeuronItem(QGraphicsItem):
    """One neuron: a rounded square with a thumbnail (or bias fill) and a bias badge."""

    def __init__(self, layer: int, unit: int) -> None:
        super().__init__()
        self.layer = layer  # -1 = input, then index into Snapshot.weights (last = output)
        self.unit = unit
        self.size = 30.0
        self.bias: float | None = None
        self.image: QImage | None = None
        self._image_buf: Array | None = None  # keeps the QImage's memory alive
        self.curve: QPolygonF | None = None  # 1-D thumbnail, in item coordinates
        self.highlight = False
        self.hovered = False
        self.setZValue(10)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        h = self.size / 2 + 3
        return QRectF(-h, -h, 2 * h, 2 * h)

    def set_size(self, size: float) -> None:
        if size != self.size:
            self.prepareGeometryChange()
            self.size = size
            if self._image_buf is not None:
                self.image = self._scaled(self._image_buf)

    def set_image(self, buf: Array | None) -> None:
        """An RGBA thumbnail (h, w, 4) uint8, or None."""
        self._image_buf = buf
        self.image = None if buf is None else self._scaled(buf)
        self.update()

    def _scaled(self, buf: Array) -> QImage:
        # scaled to the square's size in pixels and premultiplied once here: painting then
        # only copies pixels (scaling and converting at every paint cost ~0.15 ms a neuron)
        h, w = buf.shape[:2]
        src = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        px = max(1, int(round(self.size - 2)))
        return src.scaled(px, px, Qt.AspectRatioMode.IgnoreAspectRatio,
                          Qt.TransformationMode.FastTransformation).convertToFormat(
                              QImage.Format.Format_ARGB32_Premultiplied)

    def set_curve(self, xs: Array | None, ys: Array | None) -> None:
        """A 1-D thumbnail: points with x and y in [0, 1] (y up)."""
        if xs is None or ys is None:
            self.curve = None
        else:
            s = self.size - 4
            px = -s / 2 + xs * s
            py = s / 2 - np.clip(ys, 0.0, 1.0) * s
            self.curve = QPolygonF([QPointF(float(a), float(b)) for a, b in zip(px, py)])
        self.update()

    def set_bias(self, b: float | None) -> None:
        self.bias = b
        self.update()

    def set_highlight(self, on: bool) -> None:
        if on != self.highlight:
            self.highlight = on
            self.update()

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        s = self.size
        r = QRectF(-s / 2, -s / 2, s, s)
        has_thumb = self.image is not None or self.curve is not None
        if self.layer >= 0 and self.bias is not None and not has_thumb:
            fill = bias_color(self.bias)
        else:
            fill = QColor(theme.background())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.background())
        p.drawRoundedRect(r, 3, 3)
        p.setBrush(fill)
        p.drawRoundedRect(r, 3, 3)
        if self.image is not None:
            p.drawImage(QPointF(-self.image.width() / 2, -self.image.height() / 2), self.image)
        elif self.curve is not None:
            p.setPen(QPen(theme.foreground(), 1.2))
            p.drawPolyline(self.curve)
        if self.layer >= 0 and self.bias is not None and has_thumb and s >= 16:
            # the bias as a small badge in the lower left corner
            b = max(5.0, s * 0.28)
            p.setPen(QPen(theme.foreground(), 0.8))
            p.setBrush(bias_color(self.bias))
            p.drawRect(QRectF(-s / 2, s / 2 - b, b, b))
        if self.highlight:
            pen = QPen(ACCENT, 3)
        elif self.hovered:
            pen = QPen(theme.foreground(), 2)
        else:
            pen = QPen(QColor(140, 140, 140), 1)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 3, 3)


class EdgeItem(QGraphicsItem):
    """A connection ``W[layer][i, j]``: from unit i of the layer before to unit j."""

    PICK = 4.0  # half-width in pixels of the band that counts as "on" the line

    def __init__(self, layer: int, i: int, j: int) -> None:
        super().__init__()
        self.layer, self.i, self.j = layer, i, j
        self.p1 = QPointF()
        self.p2 = QPointF()
        self.pen = QPen(QColor(150, 150, 150), 1)
        self.width = 1.0
        self.color = QColor(150, 150, 150)
        self._rect = QRectF()
        self.setZValue(0)

    def set_line(self, p1: QPointF, p2: QPointF) -> None:
        self.prepareGeometryChange()
        self.p1, self.p2 = p1, p2
        m = MAX_WIDTH / 2 + self.PICK
        self._rect = QRectF(p1, p2).normalized().adjusted(-m, -m, m, m)

    def set_pen(self, pen: QPen) -> None:
        if pen is not self.pen:
            self.pen = pen
            self.width = pen.widthF()
            self.color = pen.color()
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def distance(self, pt: QPointF) -> float:
        """Distance in pixels from ``pt`` to the segment."""
        ax, ay, bx, by = self.p1.x(), self.p1.y(), self.p2.x(), self.p2.y()
        dx, dy = bx - ax, by - ay
        L2 = dx * dx + dy * dy
        t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((pt.x() - ax) * dx + (pt.y() - ay) * dy) / L2))
        return math.hypot(pt.x() - (ax + t * dx), pt.y() - (ay + t * dy))

    def shape(self) -> QPainterPath:
        path = QPainterPath(self.p1)
        path.lineTo(self.p2)
        stroker = QPainterPathStroker()
        stroker.setWidth(self.width + 2 * self.PICK)
        return stroker.createStroke(path)

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        p.setPen(self.pen)
        p.drawLine(self.p1, self.p2)


#: activation names short enough for a column heading three characters wide
_SHORT_ACT = {"sigmoid": "sig", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "lReLU", "elu": "ELU",
              "selu": "SELU", "softplus": "s+", "gelu": "GELU", "swish": "swsh", "linear": "lin",
              "softmax": "smax"}


class _Tag(QGraphicsItem):
    """A small number (or two) on a translucent background, next to a neuron."""

    def __init__(self, font: QFont) -> None:
        super().__init__()
        self.text = ""
        self.tag_font = font
        self._rect = QRectF()
        self.color = theme.foreground()
        self.setZValue(20)
        self.setVisible(False)

    def set_text(self, text: str, color: QColor | None = None) -> None:
        if text == self.text and (color is None or color == self.color):
            return
        self.prepareGeometryChange()
        self.text = text
        self.color = color or theme.foreground()
        fm = QFontMetricsF(self.tag_font)
        lines = text.split("\n")
        w = max(fm.horizontalAdvance(t) for t in lines) + 6
        self._rect = QRectF(0, -fm.height() * len(lines) / 2 - 1, w, fm.height() * len(lines) + 2)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        bg = QColor(theme.background())
        bg.setAlpha(215)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(bg)
        p.drawRoundedRect(self._rect, 3, 3)
        p.setPen(self.color)
        p.setFont(self.tag_font)
        p.drawText(self._rect.adjusted(3, 1, -3, -1), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   self.text)


class _Text(QGraphicsItem):
    """Lines of text placed by an anchor point: ``align`` "left", "center" or "right" of it,
    ``top`` below it or else centred on it vertically."""

    def __init__(self, text: str, font: QFont, align: str = "left", top: bool = False) -> None:
        super().__init__()
        self.font_ = font
        self.align = align
        self.top = top
        self.text = ""
        self._rect = QRectF()
        self.set_text(text)
        self.setZValue(15)

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.prepareGeometryChange()
        self.text = text
        fm = QFontMetricsF(self.font_)
        lines = text.split("\n")
        w = max(fm.horizontalAdvance(t) for t in lines) + 2
        h = fm.height() * len(lines)
        x = {"left": 0.0, "center": -w / 2, "right": -w}[self.align]
        self._rect = QRectF(x, 0.0 if self.top else -h / 2, w, h)
        self.update()

    def width(self) -> float:
        return self._rect.width()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        p.setPen(theme.foreground())
        p.setFont(self.font_)
        flags = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
                 "right": Qt.AlignmentFlag.AlignRight}[self.align]
        p.drawText(self._rect, flags | Qt.AlignmentFlag.AlignVCenter, self.text)


class _Canvas(QGraphicsView):
    """The graphics view: forwards resizes, hover, clicks and tooltips to the NetworkView."""

    def __init__(self, owner: "NetworkView") -> None:
        super().__init__()
        self.owner = owner
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._press: QPoint | None = None
        self.viewport().installEventFilter(self)

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self.owner._relayout()

    def mouseMoveEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.owner._hover(self.mapToScene(ev.position().toPoint()))
        super().mouseMoveEvent(ev)

    def leaveEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.owner._hover(None)
        super().leaveEvent(ev)

    def mousePressEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self._press = ev.position().toPoint() if ev.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(ev)

    def mouseReleaseEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().mouseReleaseEvent(ev)
        pos = ev.position().toPoint()
        if (ev.button() == Qt.MouseButton.LeftButton and self._press is not None
                and (pos - self._press).manhattanLength() <= 4):
            self.owner._click(self.mapToScene(pos))
        self._press = None

    def eventFilter(self, obj, ev: QEvent) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
        # tooltips are made when asked for, from the snapshot shown at that moment
        if obj is self.viewport() and ev.type() == QEvent.Type.ToolTip:
            text = self.owner.tooltip_at(self.mapToScene(ev.pos()))  # type: ignore[attr-defined]
            if text:
                QToolTip.showText(ev.globalPos(), text, self.viewport())  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(obj, ev)


class NetworkView(ViewBase):
    """Neurons and connections, coloured by weights, biases and (in the step inspector) gradients."""

    title = "Network"
    min_interval = 1.0 / 10.0  # a costlier picture: fewer redraws while playing
    caption = ("Each square is a neuron and each line a connection: blue lines carry positive "
               "weights, orange ones negative, and thicker lines larger ones. Hover a neuron to "
               "see what it computes; click a connection to change its weight.")

    #: the mouse is over a neuron: (layer, unit) with layer −1 for inputs, 0 for the
    #: first hidden layer …; (None, None) when it leaves
    sigNeuronHovered = Signal(object, object)
    #: the learner typed a new value: (index in the flat parameter vector, value)
    sigWeightEdited = Signal(int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # items restyle every frame
        self.scene.setBackgroundBrush(theme.background())
        self.phase_label = QLabel("")
        self.phase_label.setWordWrap(True)
        self.phase_label.setVisible(False)
        self.phase_label.setStyleSheet(f"QLabel {{ color: {ACCENT.name()}; }}")
        self.add_widget(self.phase_label)
        self.canvas = _Canvas(self)
        self.canvas.setScene(self.scene)
        self.canvas.setMinimumSize(240, 160)
        self.add_widget(self.canvas, 1)
        self.add_caption()

        self._arch: tuple | None = None
        self.layer_sizes: tuple[int, ...] = ()
        self.shown: list[Array] = []  # unit indices drawn, per column (inputs first)
        self.neurons: list[list[NeuronItem]] = []  # per column
        self.edges: list[list[EdgeItem]] = []  # per layer with weights
        self._edge_idx: list[tuple[Array, Array]] = []  # (i, j) of the drawn edges, per layer
        self._edge_map: dict[tuple[int, int, int], EdgeItem] = {}
        self.tags: list[list[_Tag]] = []
        self.headers: list[_Text] = []
        self.more_labels: list[_Text | None] = []
        self.input_labels: list[_Text] = []
        self.output_labels: list[_Text] = []
        self.sampled_layers: set[int] = set()
        self._pens: dict[int, QPen] = {}
        self._hovered: NeuronItem | None = None
        self._stats_cache: tuple | None = None
        self.edge_mode = "weights"  # what the connections show: weights, gradient, update
        self.thumb_levels: dict[int, tuple[Any, Any]] = {}  # colour levels of each column's thumbnails
        self.base_font = QFont(self.font())
        self.small_font = QFont(self.base_font)
        self.small_font.setPointSizeF(max(6.5, self.base_font.pointSizeF() * 0.8))

    # -- public ------------------------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self._stats_cache = None
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        self._stats_cache = None
        self._ensure_items(snap)
        self._update_edges(snap)
        self._update_neurons(snap)
        self._update_phase(snap)

    def edge(self, layer: int, i: int, j: int) -> EdgeItem | None:
        """The item drawing ``W[layer][i, j]``, or None if that connection is not drawn."""
        return self._edge_map.get((layer, i, j))

    def neuron(self, layer: int, unit: int) -> NeuronItem | None:
        """The item of a neuron (layer −1 = inputs), or None if it is not drawn."""
        col = layer + 1
        if not 0 <= col < len(self.shown):
            return None
        hits = np.flatnonzero(self.shown[col] == unit)
        return self.neurons[col][int(hits[0])] if len(hits) else None

    def viewport_pos(self, item: QGraphicsItem, at: float = 0.5) -> QPoint:
        """Where ``item``'s centre is in the canvas's viewport (an edge: the point a
        fraction ``at`` of the way along it), for clicks."""
        if isinstance(item, EdgeItem):
            c = item.p1 + (item.p2 - item.p1) * at
        else:
            c = item.scenePos()
        return self.canvas.mapFromScene(c)

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """Every weight and bias: layer, kind, from, to, value, gradient of the last iteration."""
        snap = self.snapshot
        header = ("layer", "kind", "from", "to", "value", "gradient")
        if snap is None:
            return header, []
        rows: list[list[float | str]] = []
        for layer, (W, b, gW, gb) in enumerate(zip(snap.weights, snap.biases, snap.grads_W, snap.grads_b)):
            name = self._layer_name(layer)
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    rows.append([name, "weight", i + 1, j + 1, float(W[i, j]), float(gW[i, j])])
            for j in range(len(b)):
                rows.append([name, "bias", "", j + 1, float(b[j]), float(gb[j])])
        return header, rows

    # -- building -----------------------------------------------------------------------------
    def _layer_name(self, layer: int) -> str:
        """Name of a layer with weights (0 = first hidden) or −1 = input."""
        if layer < 0:
            return "input"
        n = len(self.layer_sizes) - 2
        return "output" if layer >= n else f"hidden {layer + 1}"

    def _input_names(self, n: int) -> list[str]:
        names = list(self.data.input_names) if self.data is not None else []
        return names if len(names) == n else [f"x{i + 1}" for i in range(n)]

    def _output_names(self, snap: Snapshot) -> list[str]:
        k = snap.layer_sizes[-1]
        data = self.data
        if snap.task == "multiclass":
            names = list(data.class_names) if data is not None and len(data.class_names) == k else None
            return [f"P({n})" for n in (names or range(k))]
        if snap.task == "binary":
            name = data.class_names[1] if data is not None and len(data.class_names) == 2 else "1"
            return [f"P({name})"]
        return ["ŷ"]

    def _ensure_items(self, snap: Snapshot) -> None:
        names = tuple(self._input_names(snap.layer_sizes[0]))
        arch = (snap.layer_sizes, snap.activations, snap.task, names, tuple(self._output_names(snap)))
        if arch == self._arch:
            return
        self._arch = arch
        self._hovered = None
        self.scene.clear()
        self._pens.clear()
        self.layer_sizes = snap.layer_sizes
        sizes = snap.layer_sizes
        self.shown = [np.arange(n) if n <= MAX_FULL else np.arange(SHOWN_OF_LARGE) for n in sizes]
        self.neurons = []
        self.tags = []
        self.more_labels = []
        for col, units in enumerate(self.shown):
            items = []
            tags = []
            for u in units:
                item = NeuronItem(col - 1, int(u))
                self.scene.addItem(item)
                items.append(item)
                tag = _Tag(self.small_font)
                self.scene.addItem(tag)
                tags.append(tag)
            self.neurons.append(items)
            self.tags.append(tags)
            if len(units) < sizes[col]:
                more = _Text(f"… {sizes[col] - len(units)} more", self.small_font, "center")
                self.scene.addItem(more)
                self.more_labels.append(more)
            else:
                self.more_labels.append(None)
        # connections between the drawn units; a fixed sample when a pair is very dense
        rng = np.random.default_rng(0)
        self.edges, self._edge_idx, self._edge_map = [], [], {}
        self.sampled_layers = set()
        for layer in range(len(sizes) - 1):
            a, b = self.shown[layer], self.shown[layer + 1]
            I, J = np.meshgrid(a, b, indexing="ij")
            I, J = I.ravel(), J.ravel()
            if len(I) > MAX_EDGES_PER_PAIR:
                keep = np.sort(rng.choice(len(I), MAX_EDGES_PER_PAIR, replace=False))
                I, J = I[keep], J[keep]
                self.sampled_layers.add(layer)
            items = []
            for i, j in zip(I.tolist(), J.tolist()):
                e = EdgeItem(layer, i, j)
                self.scene.addItem(e)
                items.append(e)
                self._edge_map[(layer, i, j)] = e
            self.edges.append(items)
            self._edge_idx.append((I, J))
        # column headers, input names, output names
        self.headers = []
        self._header_texts: list[tuple[str, str]] = []  # (full, compact for narrow columns)
        acts = snap.activations
        for col, n in enumerate(sizes):
            if col == 0:
                text = f"input\n{n} feature{'s' if n != 1 else ''}"
                short = f"in\n{n}"
            elif col == len(sizes) - 1:
                text = f"output\n{n} × {acts[-1]}" if n > 1 else f"output\n{acts[-1]}"
                short = f"out\n{n}\n{_SHORT_ACT.get(acts[-1], acts[-1][:4])}"
            else:
                text = f"hidden {col}\n{n} × {acts[col - 1]}"
                short = f"h{col}\n{n}\n{_SHORT_ACT.get(acts[col - 1], acts[col - 1][:4])}"
            if col > 0 and (col - 1) in self.sampled_layers:
                text += "\n(a sample of the links)"
                short += "\n(sample)"
            h = _Text(text, self.small_font, "center", top=True)
            h.setToolTip(text.replace("\n", " "))
            self.scene.addItem(h)
            self.headers.append(h)
            self._header_texts.append((text, short))
        self.input_labels = []
        for u in self.shown[0]:
            t = _Text(names[int(u)], self.small_font, "right")
            self.scene.addItem(t)
            self.input_labels.append(t)
        self.output_labels = []
        outs = self._output_names(snap)
        for u in self.shown[-1]:
            t = _Text(outs[int(u)], self.small_font, "left")
            self.scene.addItem(t)
            self.output_labels.append(t)
        self._relayout()

    def _relayout(self) -> None:
        """Place every item for the canvas's current size (items move; none is made)."""
        vp = self.canvas.viewport().size()
        W, H = float(max(vp.width(), 100)), float(max(vp.height(), 100))
        self.scene.setSceneRect(0, 0, W, H)
        if not self.neurons:
            return
        fm = QFontMetricsF(self.small_font)
        left = 8 + min(110.0, max((t.width() for t in self.input_labels), default=0.0) + 6)
        # room on the right for the output names, and for the step inspector's numbers
        # next to the output neurons when the network is small enough to show them
        small = all(len(c) <= 16 for c in self.neurons)
        right = 8 + min(130.0, max(max((t.width() for t in self.output_labels), default=0.0) + 6,
                                   118.0 if small else 0.0))
        # room for the taller of the full and the compact headings (chosen below)
        texts = getattr(self, "_header_texts", [])
        lines = max((max(a.count("\n"), b.count("\n")) + 1 for a, b in texts), default=2)
        top = fm.height() * lines + 10
        bottom = 8.0
        ncol = len(self.neurons)
        avail_h = H - top - bottom
        # one neuron size for all columns, fitting the tallest one
        rows = max(len(c) + (1 if self.more_labels[k] is not None else 0) for k, c in enumerate(self.neurons))
        gap_x = (W - left - right) / max(1, ncol - 1) if ncol > 1 else 0
        size = min(MAX_NEURON, avail_h / (rows * 1.3), max(8.0, gap_x * 0.45))
        size = max(6.0, size)
        step = size * 1.3
        xs = [left + size / 2 + k * (W - left - right - size) / max(1, ncol - 1) for k in range(ncol)]
        self._size = size
        if self.headers and len(self._header_texts) == len(self.headers):
            # narrow columns: compact headings, so neighbours never overlap
            spacing = xs[1] - xs[0] if ncol > 1 else W
            for h, (full, _short) in zip(self.headers, self._header_texts):
                if h.text != full:
                    h.set_text(full)
            compact = ncol > 1 and max(h.width() for h in self.headers) + 6 > spacing
            if compact:
                for h, (_full, short) in zip(self.headers, self._header_texts):
                    h.set_text(short)
        positions: list[list[QPointF]] = []
        for col, items in enumerate(self.neurons):
            n = len(items) + (1 if self.more_labels[col] is not None else 0)
            y0 = top + (avail_h - n * step) / 2 + step / 2
            pts = []
            for r, item in enumerate(items):
                pt = QPointF(xs[col], y0 + r * step)
                item.set_size(size)
                item.setPos(pt)
                pts.append(pt)
                self.tags[col][r].setPos(pt.x() + size / 2 + 2, pt.y())
            positions.append(pts)
            more = self.more_labels[col]
            if more is not None:
                more.setPos(xs[col], y0 + len(items) * step)
            hw = self.headers[col].width()
            self.headers[col].setPos(min(max(2.0 + hw / 2, xs[col]), W - hw / 2 - 2), 4)
        for r, t in enumerate(self.input_labels):
            p = positions[0][r]
            t.setPos(p.x() - size / 2 - 4, p.y())
        for r, t in enumerate(self.output_labels):
            p = positions[-1][r]
            t.setPos(p.x() + size / 2 + 4, p.y())
        for layer, items in enumerate(self.edges):
            a, b = positions[layer], positions[layer + 1]
            ia = {int(u): k for k, u in enumerate(self.shown[layer])}
            ib = {int(u): k for k, u in enumerate(self.shown[layer + 1])}
            for e in items:
                pa, pb = a[ia[e.i]], b[ib[e.j]]
                e.set_line(QPointF(pa.x() + size / 2, pa.y()), QPointF(pb.x() - size / 2, pb.y()))
        if self.snapshot is not None:
            self._update_neurons(self.snapshot)  # 1-D thumbnails scale with the neuron size

    # -- updating -----------------------------------------------------------------------------
    def _edge_values(self, snap: Snapshot) -> tuple[list[Array], float, str]:
        """What the connections show now: values per layer, their unit, and a name."""
        ph = snap.phase
        if ph is not None and ph.phase == "backward" and ph.grad_W:
            vals = ph.grad_W
            name = "gradient"
        elif ph is not None and ph.phase == "update" and ph.W_after:
            vals = [a - b for a, b in zip(ph.W_after, ph.W_before)]
            name = "update"
        else:
            return snap.weights, 1.0, "weights"
        m = max((float(np.nanmax(np.abs(v))) for v in vals if v.size), default=0.0)
        unit = m / ((MAX_WIDTH - MIN_WIDTH) / WIDTH_PER_UNIT) if m > 0 and math.isfinite(m) else 1.0
        return vals, unit, name

    def _update_edges(self, snap: Snapshot) -> None:
        vals, unit, name = self._edge_values(snap)
        self.edge_mode = name
        for layer, items in enumerate(self.edges):
            if layer >= len(vals):
                break
            I, J = self._edge_idx[layer]
            v = vals[layer][I, J].astype(np.float64)
            finite = np.isfinite(v)
            with np.errstate(all="ignore"):
                w_steps, s_steps = _quantize(np.where(finite, np.abs(v), 0.0) / unit)
            # one integer per style: sign, width step, strength step (−1 = not finite)
            keys = np.where(finite, (v >= 0) * 1_000_000 + w_steps * 1000 + s_steps, -1)
            pens = self._pens
            for e, k in zip(items, keys.tolist()):
                pen = pens.get(k)
                if pen is None:
                    if k < 0:
                        width, color = edge_style(math.nan)
                    else:
                        width, color = _style_of_steps(k >= 1_000_000, (k % 1_000_000) // 1000, k % 1000)
                    pen = QPen(color, width)
                    pen.setCapStyle(Qt.PenCapStyle.FlatCap)  # round caps cost several times more to paint
                    pens[k] = pen
                e.set_pen(pen)

    def _thumbnail_values(self, snap: Snapshot, grid: Grid, col: int) -> tuple[Array, Any, Any] | None:
        """Values over the grid of the drawn units of column ``col`` and their colour levels."""
        units = self.shown[col]
        n_layers = len(snap.weights)
        if col == 0:
            feats = self.grid_inputs(grid)
            if feats is None or feats.shape[-1] != snap.layer_sizes[0]:
                return None
            v = feats[..., units]
            m = float(np.max(np.abs(v))) if v.size else 1.0
            return v, -(m or 1.0), (m or 1.0)
        layer = col - 1
        if layer < n_layers - 1:
            if layer >= len(grid.neurons) or grid.neurons[layer].shape[-1] != snap.layer_sizes[col]:
                return None
            v = grid.neurons[layer][..., units]
            act = snap.activations[layer]
            if act in ("sigmoid", "tanh"):
                lo, hi = neuron_levels(act, v)
                return v, lo, hi
            # unbounded outputs (ReLU, …): each neuron on its own scale, 0 neutral
            m = np.nanmax(np.abs(np.where(np.isfinite(v), v, 0.0)), axis=(0, 1)) if v.size else np.ones(len(units))
            m = np.where(m > 1e-12, m, 1.0)
            return v, -m, m
        if grid.probs is not None:
            return grid.probs[..., units], 0.0, 1.0
        v = grid.output[..., None]
        if snap.task == "binary":
            return v, 0.0, 1.0
        y = np.asarray(self.data.raw.y, dtype=np.float64) if self.data is not None else v.ravel()
        lo, hi = (float(np.min(y)), float(np.max(y))) if y.size else (-1.0, 1.0)
        return v, lo, (hi if hi > lo else lo + 1.0)

    def _update_neurons(self, snap: Snapshot) -> None:
        grid = snap.grid
        thumbs = grid is not None and getattr(self, "_size", 0) >= 16
        lut = theme.diverging_lut(256)
        for col, items in enumerate(self.neurons):
            if col > 0:
                b = snap.biases[col - 1] if col - 1 < len(snap.biases) else None
                for item in items:
                    item.set_bias(float(b[item.unit]) if b is not None and item.unit < len(b) else None)
            tv = self._thumbnail_values(snap, grid, col) if thumbs and grid is not None else None
            if tv is None:
                for item in items:
                    if item.image is not None or item.curve is not None:
                        item.set_image(None)
                        item.set_curve(None, None)
                continue
            values, lo, hi = tv
            self.thumb_levels[col] = (lo, hi)
            if grid.ys.size:  # 2-D: images
                imgs = _colorize(values.astype(np.float64), lo, hi, lut)
                for k, item in enumerate(items):
                    item.curve = None
                    item.set_image(imgs[k])
            else:  # 1-D: little curves
                step = max(1, len(grid.xs) // 48)
                xs = np.linspace(0.0, 1.0, len(grid.xs))[::step]
                lo_k = np.broadcast_to(np.asarray(lo, dtype=np.float64), (len(items),))
                hi_k = np.broadcast_to(np.asarray(hi, dtype=np.float64), (len(items),))
                for k, item in enumerate(items):
                    span = hi_k[k] - lo_k[k] if hi_k[k] > lo_k[k] else 1.0
                    ys = (np.nan_to_num(values[::step, k].astype(np.float64)) - lo_k[k]) / span
                    item.image = None
                    item.set_curve(xs, ys)

    def _update_phase(self, snap: Snapshot) -> None:
        ph = snap.phase
        for col, items in enumerate(self.neurons):
            for r, item in enumerate(items):
                item.set_highlight(False)
                self.tags[col][r].setVisible(False)
        for t in self.output_labels:
            t.setVisible(True)
        if ph is None:
            self.phase_label.setVisible(False)
            return
        texts = {
            "forward": "Forward pass: each neuron computes z = Σ a·w + b and its output a = f(z), "
                       "layer by layer. The numbers are the inspected sample's outputs a.",
            "loss": f"Loss: how wrong the output is for this sample.  {ph.loss_formula}",
            "backward": "Backward pass: δ = ∂ℓ/∂z flows from the output back to the first layer; the "
                        "connections show the batch gradient ∂L/∂w (blue +, orange −, thicker = larger).",
            "update": f"Update: every weight moves against its gradient. The connections show the "
                      f"change Δw.  {ph.optimizer_rule}",
        }
        self.phase_label.setText(f"Step inspector, iteration {ph.iteration}, sample #{ph.sample}: "
                                 + texts.get(ph.phase, ph.phase))
        self.phase_label.setVisible(True)
        small = all(len(items) <= 16 for items in self.neurons)
        n_layers = len(self.neurons) - 1

        def show(col: int, values: Array | None, fmt: str = "{:.3g}", color: QColor | None = None) -> None:
            if values is None or not small:
                return
            for r, item in enumerate(self.neurons[col]):
                if item.unit < len(values):
                    tag = self.tags[col][r]
                    tag.set_text(fmt.format(float(values[item.unit])), color)
                    tag.setVisible(True)

        if ph.phase in ("forward", "loss"):
            show(0, ph.x)
            for layer in range(min(n_layers, len(ph.a))):
                show(layer + 1, ph.a[layer])
            if small and len(ph.a) >= n_layers:
                names = self._output_names(snap)
                for r, item in enumerate(self.neurons[-1]):
                    self.tags[-1][r].set_text(f"{names[item.unit]} = {float(ph.a[-1][item.unit]):.3g}")
            if ph.phase == "forward":
                for items in self.neurons:
                    for item in items:
                        item.set_highlight(True)
            else:
                for item in self.neurons[-1]:
                    item.set_highlight(True)
                if small and self.tags[-1]:
                    names = self._output_names(snap)
                    target = (f"target y = {ph.y:.4g}" if snap.task == "regression"
                              else f"true class: {self._class_name(int(ph.y))}")
                    for r, item in enumerate(self.neurons[-1]):
                        text = f"{names[item.unit]} = {float(ph.a[-1][item.unit]):.3g}"
                        if r == 0:
                            text += f"\n{target}\nloss ℓ = {ph.sample_loss:.4g}"
                        self.tags[-1][r].set_text(text, ACCENT)
            for t in self.output_labels:
                t.setVisible(not small)
        elif ph.phase == "backward":
            for layer in range(min(n_layers, len(ph.delta))):
                show(layer + 1, ph.delta[layer], "δ {:.3g}")
            for t in self.output_labels:
                t.setVisible(not small)
        elif ph.phase == "update":
            if ph.b_after and ph.b_before:
                for layer in range(min(n_layers, len(ph.b_after))):
                    show(layer + 1, ph.b_after[layer] - ph.b_before[layer], "Δb {:.2g}")
            for t in self.output_labels:
                t.setVisible(not small)

    # -- mouse ---------------------------------------------------------------------------------
    def _item_at(self, pt: QPointF) -> NeuronItem | EdgeItem | None:
        """The neuron under ``pt``, or else the connection whose centre line is nearest,
        among those drawn within ``EdgeItem.PICK`` pixels of it."""
        best: EdgeItem | None = None
        best_d = math.inf
        for it in self.scene.items(pt, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if isinstance(it, NeuronItem):
                half = it.size / 2
                if abs(pt.x() - it.x()) <= half and abs(pt.y() - it.y()) <= half:
                    return it
            elif isinstance(it, EdgeItem):
                d = it.distance(pt)
                if d <= it.width / 2 + EdgeItem.PICK and d < best_d:
                    best, best_d = it, d
        return best

    def _hover(self, pt: QPointF | None) -> None:
        item = self._item_at(pt) if pt is not None else None
        neuron = item if isinstance(item, NeuronItem) else None
        if neuron is self._hovered:
            return
        if self._hovered is not None:
            self._hovered.hovered = False
            self._hovered.update()
        self._hovered = neuron
        if neuron is None:
            self.sigNeuronHovered.emit(None, None)
            return
        neuron.hovered = True
        neuron.update()
        self.sigNeuronHovered.emit(neuron.layer, neuron.unit)
        self.sigStatus.emit(self._neuron_tooltip(neuron).replace("\n", ";  "))

    def _click(self, pt: QPointF) -> None:
        snap = self.snapshot
        item = self._item_at(pt)
        if snap is None or item is None:
            return
        if isinstance(item, EdgeItem):
            current = float(snap.weights[item.layer][item.i, item.j])
            label = (f"New weight from {self._unit_name(item.layer - 1, item.i)} "
                     f"to {self._unit_name(item.layer, item.j)}:")
            value, ok = QInputDialog.getDouble(self, "Edit weight", label, current, -1e6, 1e6, 4)
            if ok:
                self.sigWeightEdited.emit(flat_index(snap.layer_sizes, item.layer, "W", item.i, item.j), float(value))
        elif isinstance(item, NeuronItem) and item.layer >= 0:
            current = float(snap.biases[item.layer][item.unit])
            label = f"New bias of {self._unit_name(item.layer, item.unit)}:"
            value, ok = QInputDialog.getDouble(self, "Edit bias", label, current, -1e6, 1e6, 4)
            if ok:
                self.sigWeightEdited.emit(flat_index(snap.layer_sizes, item.layer, "b", item.unit), float(value))

    def _class_name(self, k: int) -> str:
        data = self.data
        return data.class_names[k] if data is not None and 0 <= k < len(data.class_names) else str(k)

    def _unit_name(self, layer: int, unit: int) -> str:
        if layer < 0:
            return f"input {unit + 1} ({self._input_names(self.layer_sizes[0])[unit]})"
        return f"{self._layer_name(layer)} neuron {unit + 1}"

    # -- tooltips -----------------------------------------------------------------------------
    def tooltip_at(self, pt: QPointF) -> str:
        """The tooltip for scene point ``pt`` (what hovering there shows)."""
        item = self._item_at(pt)
        if isinstance(item, EdgeItem):
            return self.edge_tooltip(item)
        if isinstance(item, NeuronItem):
            return self._neuron_tooltip(item)
        return ""

    def edge_tooltip(self, e: EdgeItem) -> str:
        snap = self.snapshot
        if snap is None:
            return ""
        w = float(snap.weights[e.layer][e.i, e.j])
        g = float(snap.grads_W[e.layer][e.i, e.j])
        lines = [f"weight w = {_fmt(w)}",
                 f"from {self._unit_name(e.layer - 1, e.i)} to {self._unit_name(e.layer, e.j)}",
                 f"gradient ∂L/∂w = {_fmt(g)} (last iteration)"]
        ph = snap.phase
        if ph is not None and ph.phase == "backward" and ph.grad_W:
            lines.append(f"this iteration's gradient ∂L/∂w = {_fmt(float(ph.grad_W[e.layer][e.i, e.j]))}")
        if ph is not None and ph.phase == "update" and ph.W_after:
            before = float(ph.W_before[e.layer][e.i, e.j])
            after = float(ph.W_after[e.layer][e.i, e.j])
            lines.append(f"update: {_fmt(before)} → {_fmt(after)} (Δw = {_fmt(after - before)})")
        if e.layer in self.sampled_layers:
            lines.append("(only a sample of this layer's connections is drawn)")
        lines.append("Click to type a new value.")
        return "\n".join(lines)

    def _activation_stats(self, snap: Snapshot) -> list[Array] | None:
        """Each layer's outputs on up to STAT_SAMPLES training samples (cached per snapshot)."""
        data = self.data
        if data is None or not len(data.X_train) or data.X_train.shape[1] != snap.layer_sizes[0]:
            return None
        if self._stats_cache is not None and self._stats_cache[0] is snap:
            return self._stats_cache[1]
        n = len(data.X_train)
        idx = np.linspace(0, n - 1, min(n, STAT_SAMPLES)).round().astype(np.intp)
        outs = forward_from_snapshot(snap, data.X_train[idx])
        outs[-1] = output_activation(snap, outs[-1])
        self._stats_cache = (snap, outs)
        return outs

    def _neuron_tooltip(self, item: NeuronItem) -> str:
        snap = self.snapshot
        if snap is None:
            return ""
        layer, u = item.layer, item.unit
        if layer < 0:
            lines = [f"input {u + 1}: {self._input_names(snap.layer_sizes[0])[u]}"]
            if self.data is not None and self.data.X_train.shape[1] == snap.layer_sizes[0]:
                x = self.data.X_train[:, u]
                lines.append(f"over the training data: mean {x.mean():.3g}, min {x.min():.3g}, max {x.max():.3g}")
        else:
            act = snap.activations[layer]
            is_out = layer == len(snap.weights) - 1
            name = f"output neuron {u + 1}" if is_out else f"hidden layer {layer + 1}, neuron {u + 1}"
            formula = get_activation(act).formula if act != "softmax" else "f(z)ₖ = e^zₖ / Σⱼ e^zⱼ"
            lines = [f"{name} ({act}: {formula})",
                     f"bias b = {_fmt(float(snap.biases[layer][u]))},  ∂L/∂b = {_fmt(float(snap.grads_b[layer][u]))}"]
            outs = self._activation_stats(snap)
            if outs is not None:
                a = outs[layer][:, u].astype(np.float64)
                with np.errstate(all="ignore"):
                    lines.append(f"output on {len(a)} training samples: mean {a.mean():.3g}, std {a.std():.3g}, "
                                 f"min {a.min():.3g}, max {a.max():.3g}")
                    if act == "relu" and not is_out:
                        lines.append(f"off (0) for {np.mean(a <= 0):.0%} of them")
        ph = snap.phase
        if ph is not None:
            if layer < 0:
                lines.append(f"inspected sample: x = {_fmt(float(ph.x[u]))}")
            elif layer < len(ph.z):
                lines.append(f"inspected sample: z = {_fmt(float(ph.z[layer][u]))}, a = {_fmt(float(ph.a[layer][u]))}")
                if ph.delta and layer < len(ph.delta):
                    lines.append(f"δ = ∂ℓ/∂z = {_fmt(float(ph.delta[layer][u]))}")
        if layer >= 0:
            lines.append("Click to type a new bias.")
        return "\n".join(lines)


__all__ = ["EdgeItem", "NetworkView", "NeuronItem", "bias_color", "edge_style"]
