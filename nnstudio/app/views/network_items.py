"""The pieces the network view's scene is made of: neurons, connections, texts.

Every item is made once per architecture and restyled per snapshot; none allocates
while it paints. A :class:`NeuronItem` shows a thumbnail the view renders for it (see
:mod:`.network_thumbnails`), an :class:`EdgeItem` one weight as a line whose colour
and width come from :func:`edge_style`.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .. import theme

Array = np.ndarray

MIN_WIDTH, MAX_WIDTH, WIDTH_PER_UNIT = 0.5, 5.0, 1.5  # connection width = MIN + PER·|w|, clamped
ACCENT = QColor(150, 60, 200)  # what the step inspector is computing
#: a switched-off input feature is drawn this opaque
FADED = 0.3

_ALPHA_STEPS = 16
_WIDTH_STEP = 0.25


class _Palette:
    """The theme's colours and the pens made of them, looked up once per theme rather
    than at every paint (a palette lookup per neuron per frame adds up)."""

    bg = QColor("white")
    fg = QColor(40, 40, 40)
    badge_pen = QPen(fg, 0.8)
    curve_pen = QPen(fg, 1.2)
    hover_pen = QPen(fg, 2)
    border_pen = QPen(QColor(140, 140, 140), 1)
    accent_pen = QPen(ACCENT, 3)


def refresh_palette() -> None:
    """Take the current theme's colours (at start and when the system switches)."""
    _Palette.bg = theme.background()
    _Palette.fg = fg = theme.foreground()
    _Palette.badge_pen = QPen(fg, 0.8)
    _Palette.curve_pen = QPen(fg, 1.2)
    _Palette.hover_pen = QPen(fg, 2)


def _mix(color: QColor, amount: float) -> QColor:
    """``color`` laid over the background with opacity ``amount``, as an opaque colour.
    (Painting translucent lines is many times slower than opaque ones.)"""
    bg = theme.background()
    a = max(0.0, min(1.0, amount))
    return QColor(round(bg.red() + (color.red() - bg.red()) * a),
                  round(bg.green() + (color.green() - bg.green()) * a),
                  round(bg.blue() + (color.blue() - bg.blue()) * a))


def quantize(r: Array) -> tuple[Array, Array]:
    """Width steps and strength steps of connections with relative sizes ``r = |v|/unit``."""
    w_steps = np.round(np.minimum(MAX_WIDTH, MIN_WIDTH + WIDTH_PER_UNIT * r) / _WIDTH_STEP)
    s_steps = np.round((0.3 + 0.7 * np.minimum(1.0, r)) * _ALPHA_STEPS)
    return w_steps.astype(np.int64), s_steps.astype(np.int64)


def style_of_steps(positive: bool, w_steps: int, s_steps: int) -> tuple[float, QColor]:
    """Width and colour of a connection from its quantised steps (see :func:`quantize`)."""
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
    w_steps, s_steps = quantize(np.array([r]))
    return style_of_steps(value >= 0, int(w_steps[0]), int(s_steps[0]))


def bias_color(b: float) -> QColor:
    """Sign colour of a bias, more opaque the larger ``|b|`` (full at |b| ≥ 1)."""
    if not math.isfinite(b):
        return QColor(200, 0, 0)
    c = QColor(theme.POSITIVE if b >= 0 else theme.NEGATIVE)
    c.setAlphaF(0.15 + 0.85 * min(1.0, abs(b)))
    return c


class NeuronItem(QGraphicsItem):
    """One neuron: a rounded square with a thumbnail (or bias fill) and a bias badge.

    Input neurons (``layer == -1``) of 2-D data are the input features: ``feature`` is
    the feature's key (``"x1^2"``), ``enabled`` whether the network is fed it, and
    ``unit`` its index among the network's inputs (−1 when it is off).
    """

    def __init__(self, layer: int, unit: int, feature: str | None = None, enabled: bool = True) -> None:
        super().__init__()
        self.layer = layer  # -1 = input, then index into Snapshot.weights (last = output)
        self.unit = unit
        self.feature = feature
        self.enabled = enabled
        self.size = 30
        self.bias: float | None = None
        self._bias_color = QColor()
        #: the thumbnail, exactly the size of the square's inside in device pixels
        self.image: QImage | None = None
        self.curve: QPolygonF | None = None  # 1-D thumbnail, in item coordinates
        self.highlight = False
        self.hovered = False
        self.setZValue(10)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        h = self.size / 2 + 3
        return QRectF(-h, -h, 2 * h, 2 * h)

    def set_size(self, size: int) -> None:
        if size != self.size:
            self.prepareGeometryChange()
            self.size = size
            self.image = None  # rendered for the old size; the view renders a new one

    def set_image(self, image: QImage | None) -> None:
        """A thumbnail of ``inner_pixels()`` device pixels a side (or None)."""
        self.image = image
        self.curve = None
        self.update()

    def inner(self) -> int:
        """Side of the thumbnail in logical pixels (the square less its border)."""
        return max(1, self.size - 2)

    def set_curve(self, xs: Array | None, ys: Array | None) -> None:
        """A 1-D thumbnail: points with x and y in [0, 1] (y up)."""
        self.image = None
        if xs is None or ys is None:
            self.curve = None
        else:
            s = self.size - 4
            px = -s / 2 + xs * s
            py = s / 2 - np.clip(ys, 0.0, 1.0) * s
            self.curve = QPolygonF([QPointF(float(a), float(b)) for a, b in zip(px, py)])
        self.update()

    def set_bias(self, b: float | None) -> None:
        if b != self.bias:
            self.bias = b
            if b is not None:
                self._bias_color = bias_color(b)
            self.update()

    def set_highlight(self, on: bool) -> None:
        if on != self.highlight:
            self.highlight = on
            self.update()

    def set_hovered(self, on: bool) -> None:
        if on != self.hovered:
            self.hovered = on
            self.update()

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        s = self.size
        r = QRectF(-s / 2, -s / 2, s, s)
        if not self.enabled:
            p.setOpacity(FADED)
        if self.image is not None:
            # the map fills the square inside its border: nothing under it needs painting
            inner = self.inner()
            p.drawImage(QRectF(-inner / 2, -inner / 2, inner, inner), self.image)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(_Palette.bg)
            p.drawRoundedRect(r, 3, 3)
            if self.curve is not None:
                p.setPen(_Palette.curve_pen)
                p.drawPolyline(self.curve)
            elif self.layer >= 0 and self.bias is not None:
                p.setBrush(self._bias_color)
                p.drawRoundedRect(r, 3, 3)
        has_thumb = self.image is not None or self.curve is not None
        if self.layer >= 0 and self.bias is not None and has_thumb and s >= 16:
            # the bias as a small badge in the lower left corner
            b = max(5.0, s * 0.22)
            p.setPen(_Palette.badge_pen)
            p.setBrush(self._bias_color)
            p.drawRect(QRectF(-s / 2, s / 2 - b, b, b))
        if self.highlight:
            pen = _Palette.accent_pen
        elif self.hovered:
            pen = _Palette.hover_pen
        else:
            pen = _Palette.border_pen
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 3, 3)


class EdgeItem:
    """A connection ``W[layer][i, j]``: from unit i of the layer before to unit j.

    Not a scene item of its own: hundreds of them would each cost a paint call. An
    :class:`EdgeLayer` paints them all; this keeps the line, the pen and whether it is
    drawn, for the tooltips, clicks and tests."""

    PICK = 4.0  # half-width in pixels of the band that counts as "on" the line
    __slots__ = ("layer", "i", "j", "p1", "p2", "line", "pen", "visible")

    def __init__(self, layer: int, i: int, j: int) -> None:
        self.layer, self.i, self.j = layer, i, j
        self.p1 = QPointF()
        self.p2 = QPointF()
        self.line = QLineF()
        self.pen = _DEFAULT_PEN
        self.visible = True

    @property
    def width(self) -> float:
        return self.pen.widthF()

    @property
    def color(self) -> QColor:
        return self.pen.color()

    def isVisible(self) -> bool:  # noqa: N802 - as a scene item would say it
        return self.visible

    def set_line(self, p1: QPointF, p2: QPointF) -> None:
        self.p1, self.p2 = p1, p2
        self.line = QLineF(p1, p2)

    def distance(self, pt: QPointF) -> float:
        """Distance in pixels from ``pt`` to the segment."""
        ax, ay, bx, by = self.p1.x(), self.p1.y(), self.p2.x(), self.p2.y()
        dx, dy = bx - ax, by - ay
        L2 = dx * dx + dy * dy
        t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((pt.x() - ax) * dx + (pt.y() - ay) * dy) / L2))
        return math.hypot(pt.x() - (ax + t * dx), pt.y() - (ay + t * dy))


_DEFAULT_PEN = QPen(QColor(150, 150, 150), 1)


class EdgeLayer(QGraphicsItem):
    """Every connection of the network in one scene item, painted with one call per
    style (pens are shared: see :func:`quantize`), thin lines first so that the strong
    ones stay on top."""

    def __init__(self) -> None:
        super().__init__()
        self.edges: list[EdgeItem] = []
        self._groups: list[tuple[QPen, list[QLineF]]] = []
        self._rect = QRectF()
        # for picking: segment ends and half-widths of the drawn edges, as arrays
        self._ends = np.zeros((0, 4))
        self._drawn: list[EdgeItem] = []
        self._pens: dict[int, QPen] = {}  # shared by every edge of one style
        self.setZValue(0)
        # painted into a cached image, again only when the lines move or change style: the
        # neurons' maps change every frame, the lines' styles less often (see the view)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_edges(self, edges: list[EdgeItem]) -> None:
        self.edges = edges
        self.relayout()

    def relayout(self) -> None:
        """The edges moved or were shown or hidden."""
        self.prepareGeometryChange()
        self._drawn = [e for e in self.edges if e.visible]
        self._ends = np.array([(e.p1.x(), e.p1.y(), e.p2.x(), e.p2.y()) for e in self._drawn],
                              dtype=np.float64).reshape(-1, 4)
        if len(self._ends):
            lo = np.minimum(self._ends[:, :2], self._ends[:, 2:]).min(axis=0)
            hi = np.maximum(self._ends[:, :2], self._ends[:, 2:]).max(axis=0)
            m = MAX_WIDTH
            self._rect = QRectF(lo[0] - m, lo[1] - m, hi[0] - lo[0] + 2 * m, hi[1] - lo[1] + 2 * m)
        else:
            self._rect = QRectF()
        self.restyle()

    def show_values(self, values: Sequence[Array], unit: float, index: Sequence[tuple[Array, Array]],
                    per_layer: Sequence[Sequence[EdgeItem]]) -> None:
        """Style every edge for ``values[layer][i, j]`` (see :func:`edge_style`, with
        ``unit``); ``index[layer]`` are the (i, j) of ``per_layer[layer]``'s edges."""
        pens = self._pens
        for layer, items in enumerate(per_layer):
            if layer >= len(values):
                break
            I, J = index[layer]
            v = values[layer][I, J].astype(np.float64)
            finite = np.isfinite(v)
            with np.errstate(all="ignore"):
                w_steps, s_steps = quantize(np.where(finite, np.abs(v), 0.0) / unit)
            # one integer per style: sign, width step, strength step (−1 = not finite)
            keys = np.where(finite, (v >= 0) * 1_000_000 + w_steps * 1000 + s_steps, -1)
            for e, k in zip(items, keys.tolist()):
                pen = pens.get(k)
                if pen is None:
                    if k < 0:
                        width, color = edge_style(math.nan)
                    else:
                        width, color = style_of_steps(k >= 1_000_000, (k % 1_000_000) // 1000, k % 1000)
                    pen = QPen(color, width)
                    pen.setCapStyle(Qt.PenCapStyle.FlatCap)  # round caps cost several times more to paint
                    pens[k] = pen
                e.pen = pen
        self.restyle()

    def forget_pens(self) -> None:
        """The theme changed: pens are made again in its colours."""
        self._pens.clear()

    def restyle(self) -> None:
        """The edges' pens changed: group them again."""
        groups: dict[int, tuple[QPen, list[QLineF]]] = {}
        for e in self._drawn:
            g = groups.get(id(e.pen))
            if g is None:
                g = groups[id(e.pen)] = (e.pen, [])
            g[1].append(e.line)
        self._groups = sorted(groups.values(), key=lambda g: g[0].widthF())
        self.update()

    def nearest(self, pt: QPointF) -> EdgeItem | None:
        """The drawn edge whose centre line is nearest to ``pt``, among those within
        ``EdgeItem.PICK`` pixels of its stroke; None if there is none."""
        if not len(self._ends):
            return None
        a, b = self._ends[:, :2], self._ends[:, 2:]
        d = b - a
        L2 = np.einsum("ij,ij->i", d, d)
        q = np.array([pt.x(), pt.y()])
        with np.errstate(all="ignore"):
            t = np.clip(np.where(L2 > 0, np.einsum("ij,ij->i", q - a, d) / L2, 0.0), 0.0, 1.0)
        dist = np.hypot(*(q - (a + t[:, None] * d)).T)
        half = np.array([e.width / 2 for e in self._drawn]) + EdgeItem.PICK
        dist = np.where(dist <= half, dist, np.inf)
        k = int(np.argmin(dist))
        return self._drawn[k] if np.isfinite(dist[k]) else None

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        for pen, lines in self._groups:
            p.setPen(pen)
            p.drawLines(lines)


class PhaseTag(QGraphicsItem):
    """A small number (or a few lines) on a translucent background, next to a neuron:
    what the step inspector computed there."""

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

    def width(self) -> float:
        return self._rect.width()

    def height(self) -> float:
        return self._rect.height()

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


class SceneText(QGraphicsItem):
    """Lines of text placed by an anchor point: ``align`` "left", "center" or "right" of it,
    ``top`` below it or else centred on it vertically. ``max_width`` elides longer lines
    (the full text is the tooltip)."""

    def __init__(self, text: str, font: QFont, align: str = "left", top: bool = False,
                 max_width: float = 0.0) -> None:
        super().__init__()
        self.font_ = font
        self.align = align
        self.top = top
        self.max_width = max_width
        self.text = ""
        self.full_text = ""
        self._rect = QRectF()
        self.faded = False
        self.set_text(text)
        self.setZValue(15)
        # texts change only with the architecture or the size: paint them from a cache
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_text(self, text: str) -> None:
        if text == self.full_text:
            return
        self.full_text = text
        fm = QFontMetricsF(self.font_)
        lines = text.split("\n")
        if self.max_width > 0:
            lines = [fm.elidedText(t, Qt.TextElideMode.ElideMiddle, self.max_width) for t in lines]
        shown = "\n".join(lines)
        if shown != text:
            self.setToolTip(text.replace("\n", " "))
        self.prepareGeometryChange()
        self.text = shown
        w = max(fm.horizontalAdvance(t) for t in lines) + 2
        h = fm.height() * len(lines)
        x = {"left": 0.0, "center": -w / 2, "right": -w}[self.align]
        self._rect = QRectF(x, 0.0 if self.top else -h / 2, w, h)
        self.update()

    def set_faded(self, faded: bool) -> None:
        if faded != self.faded:
            self.faded = faded
            self.update()

    def width(self) -> float:
        return self._rect.width()

    def height(self) -> float:
        return self._rect.height()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        if self.faded:
            p.setOpacity(0.55)
        p.setPen(theme.foreground())
        p.setFont(self.font_)
        flags = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
                 "right": Qt.AlignmentFlag.AlignRight}[self.align]
        p.drawText(self._rect, flags | Qt.AlignmentFlag.AlignVCenter, self.text)


__all__ = ["ACCENT", "EdgeItem", "EdgeLayer", "refresh_palette", "MAX_WIDTH", "MIN_WIDTH", "NeuronItem", "PhaseTag", "SceneText", "WIDTH_PER_UNIT",
           "bias_color", "edge_style", "quantize", "style_of_steps"]
