"""One run's picture on the decision view: its map over the plane (or fit along the line).

A :class:`DecisionPlot` is a plot of the decision view's canvas with what one run
draws on it: the heatmap (or the fitted curve and, multi-class, one curve per class),
the data points with that run's error crosses (:mod:`.decision_points`), and the
mouse's read-out. The view holds one for run A and, while two runs are compared, a
second for run B beside it; the view decides the colour scale and what both show, so
that the two pictures are read alike.
"""

from __future__ import annotations

import html
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF

from ...core.data import PreparedData
from ...core.snapshot import Grid, Snapshot
from .. import theme
from .axes import readable_axes
from .decision_points import DecisionPoints
from .sample_errors import SampleErrors

Array = np.ndarray


def nearest_index(points: Array, v: float) -> int:
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


def class_mix(grid: Grid, lighten_by: float, discretize: bool) -> Array:
    """Multi-class: the plane's colours (rows of y, columns of x, RGB, uint8). Each class's
    colour (mixed ``lighten_by`` with white) weighted by its probability, so a confident
    region takes its class colour; ``discretize``: the colour of the class picked."""
    assert grid.probs is not None
    k = grid.probs.shape[-1]
    colors = np.array([[c.red(), c.green(), c.blue()] for c in
                       (theme.class_color(i, k) for i in range(k))], dtype=np.float64)
    colors = colors * (1 - lighten_by) + 255.0 * lighten_by
    if discretize:
        rgb = colors[grid.output.astype(np.intp)]
    else:
        rgb = np.nan_to_num(grid.probs.astype(np.float64)) @ colors
    return np.clip(rgb, 0, 255).astype(np.uint8)


def neuron_over_grid(snap: Snapshot, grid: Grid, neuron: tuple[int, int], data: PreparedData,
                     inputs: Callable[[], Array | None]) -> tuple[Array, str, str] | None:
    """(values over ``grid``, title, activation key) of neuron ``(layer, unit)`` of
    ``snap``'s network, or None when it has no such neuron (or it is the single output
    unit, which the plot shows anyway).

    ``layer`` counts layers with weights from 0, as ``Snapshot.weights`` does; ``-1`` is
    the input layer, whose values ``inputs()`` gives (the network's inputs over the
    grid). The title is short: it shares a line with the checkboxes above the plot."""
    layer, unit = neuron
    n_hidden = len(grid.neurons)
    if layer == -1:
        feats = inputs()
        if feats is None or not 0 <= unit < feats.shape[-1]:
            return None
        return feats[..., unit], f"input {unit + 1}: {data.input_names[unit]}", "linear"
    if 0 <= layer < n_hidden and 0 <= unit < grid.neurons[layer].shape[-1]:
        act = snap.activations[layer] if layer < len(snap.activations) else "linear"
        return (grid.neurons[layer][..., unit].astype(np.float64),
                f"hidden {layer + 1}, neuron {unit + 1} ({act})", act)
    if layer == n_hidden and layer == len(snap.weights) - 1:
        if grid.probs is not None and 0 <= unit < grid.probs.shape[-1]:
            name = data.class_names[unit]
            return grid.probs[..., unit].astype(np.float64), f"output {unit + 1}: P(class {name})", "sigmoid"
    return None


class RunTitle(pg.LabelItem):
    """A run's name over its plot. It asks for no width of its own (a plot's title
    would: the run with the longer name would get the wider plot) and is shortened
    with "…" when the plot is narrower than it."""

    POINT_SIZE = 10.0
    # class defaults: pyqtgraph's constructor already resizes the item
    full_text = ""
    suffix = ""
    _shown = ""

    def __init__(self) -> None:
        super().__init__("", size=f"{self.POINT_SIZE:g}pt", bold=True, justify="center")

    def set_title(self, text: str, color: QColor, suffix: str = "") -> None:
        """Show ``text`` then ``suffix``; when they do not fit, ``text`` is shortened, not ``suffix``."""
        if (text, suffix, color.name()) == (self.full_text, self.suffix, self.opts.get("color")):
            return  # setting a label's text lays the whole canvas out again
        self.full_text = text
        self.suffix = suffix
        self.setToolTip(text + suffix)
        self.opts["color"] = color.name()
        self._shown = "\0"  # always set anew: the colour may have changed
        self._fit()

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().updateMin()
        h = self._sizeHint[Qt.SizeHint.MinimumSize][1]
        self.setMinimumWidth(0)
        for which in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
            self._sizeHint[which] = (0, h)
        self.updateGeometry()

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        if ev is not None:
            self._fit()

    def _fit(self) -> None:
        font = QFont(self.item.font())
        font.setPointSizeF(self.POINT_SIZE)
        font.setBold(True)
        fm = QFontMetricsF(font)
        room = self.width() - 8 - fm.horizontalAdvance(self.suffix)
        text = self.full_text
        if self.width() > 0:
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0.0, room))
        text += self.suffix
        if text != self._shown:
            self._shown = text
            self.setText(html.escape(text))

    def shown_text(self) -> str:
        """The text drawn (elided when the plot is narrow)."""
        return self._shown


class DecisionPlot:
    """One run's heatmap or curves, points and read-out, for a column of ``layout``
    (:meth:`place` puts them there)."""

    def __init__(self, layout: pg.GraphicsLayout) -> None:
        fg = theme.foreground()
        self.layout = layout
        #: the run's name, over the plot while two runs are compared
        self.title = RunTitle()
        self.title.setVisible(False)
        self.title.setMaximumHeight(0)
        self.plot = pg.PlotItem(axisItems=readable_axes("left", "bottom"))
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.vb: pg.ViewBox = self.plot.getViewBox()
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.curve = self.plot.plot(pen=pg.mkPen(fg, width=2.5))
        self.class_curves: list[pg.PlotDataItem] = []
        self.points = DecisionPoints(self.plot)
        self.hover_text = pg.TextItem("", color=fg, fill=pg.mkBrush(theme.background()),
                                      border=pg.mkPen(QColor(150, 150, 150)), anchor=(0, 0))
        self.hover_text.setZValue(100)
        self.hover_text.setVisible(False)
        self.plot.addItem(self.hover_text, ignoreBounds=True)
        #: why the plot shows nothing (see :meth:`show_nothing`)
        self.note = pg.TextItem("", color=fg, fill=pg.mkBrush(theme.background()), anchor=(0.5, 0.5))
        self.note.setZValue(90)
        self.note.setVisible(False)
        self.plot.addItem(self.note, ignoreBounds=True)
        #: what the heatmap (or curve) shows before colouring, over the grid shown
        self.image_values: Array | None = None
        #: multi-class: the RGB image shown
        self.image_rgb: Array | None = None
        self.image_levels: tuple[float, float] = (0.0, 1.0)
        #: the grid the picture was drawn from (the read-out looks values up in it)
        self.grid: Grid | None = None
        #: each training and validation sample's prediction and loss at this run's weights
        self.errors: tuple[SampleErrors, SampleErrors] | None = None
        self._rect: tuple | None = None
        self._pending_rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    # -- data --------------------------------------------------------------------------------
    def reset(self, data: PreparedData, mode: str) -> None:
        """Forget the old picture and draw ``data``'s points; ``mode`` "plane", "curve" or "none"."""
        self._rect = None
        self.image_values = self.image_rgb = None
        self.grid = None
        self.errors = None
        self.image.clear()
        # an emptied image keeps its old placement, and auto-range would still count it
        self.image.setVisible(mode == "plane")
        self.curve.setData([], [])
        for c in self.class_curves:
            self.plot.removeItem(c)
        self.class_curves = []
        self.hover_text.setVisible(False)
        names = data.raw.feature_names
        if mode == "plane":
            self.vb.setAspectLocked(True)
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", names[1])
        elif mode == "curve":
            self.vb.setAspectLocked(False)
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", "target y" if data.task == "regression" else "probability")
        if data.task == "multiclass" and mode == "curve":
            for k in range(data.n_classes):
                c = self.plot.plot(pen=pg.mkPen(theme.class_color(k, data.n_classes), width=2.5))
                self.class_curves.append(c)
        self.points.set_data(data, mode)

    def set_errors(self, errors: tuple[SampleErrors, SampleErrors] | None) -> None:
        self.errors = errors
        self.points.set_errors(errors)

    def place(self, col: int) -> None:
        """Put the title and the plot in column ``col`` of the layout (again)."""
        self.layout.addItem(self.title, 0, col)
        self.layout.addItem(self.plot, 1, col)

    def take_out(self) -> None:
        """Take the title and the plot out of the layout (they are kept for later)."""
        self.layout.removeItem(self.title)
        self.layout.removeItem(self.plot)

    def set_title(self, text: str | None, color: QColor | None = None, suffix: str = "") -> None:
        """A line over the plot naming the run (then ``suffix``, which is never shortened);
        None: no line (one run, the plot keeps the room)."""
        if text is None:
            if self.title.isVisible():
                self.title.setVisible(False)
                self.title.setMaximumHeight(0)
        else:
            if not self.title.isVisible():
                self.title.setMaximumHeight(16777215)
                self.title.setVisible(True)
            self.title.set_title(text, color or theme.foreground(), suffix)

    # -- the plane ---------------------------------------------------------------------------
    def set_lut(self, lut: Array | None) -> None:
        self.image.setLookupTable(lut)

    def show_scalar(self, grid: Grid, values: Array, levels: tuple[float, float]) -> None:
        """Colour the plane by ``values`` (over ``grid``) on the scale ``levels``."""
        self.note.setVisible(False)
        self.grid = grid
        self.image_rgb = None
        self.image_values = values
        self.image_levels = levels
        self.image.setVisible(True)
        finite = np.where(np.isfinite(values), values, levels[0])
        self.image.setImage(finite, levels=levels, autoLevels=False)
        self._place_image(grid)

    def show_rgb(self, grid: Grid, rgb: Array, values: Array, levels: tuple[float, float]) -> None:
        """Colour the plane with the image ``rgb`` (multi-class); ``values`` are the classes."""
        self.note.setVisible(False)
        self.grid = grid
        self.image_values = values
        self.image_levels = levels
        self.image_rgb = rgb
        self.image.setVisible(True)
        self.image.setLookupTable(None)
        self.image.setImage(rgb, levels=(0, 255), autoLevels=False)
        self._place_image(grid)

    def show_nothing(self, note: str = "") -> None:
        """No picture, ``note`` saying why (the run has nothing to show for what is
        asked, e.g. no such neuron)."""
        if note:
            (x0, x1), (y0, y1) = self.vb.viewRange()
            self.note.setPos((x0 + x1) / 2, (y0 + y1) / 2)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.grid = None
        self.image_values = self.image_rgb = None
        self.image.clear()
        self.image.setVisible(False)
        self.curve.setData([], [])
        for c in self.class_curves:
            c.setData([], [])

    def _place_image(self, grid: Grid) -> None:
        """Stretch the image over the grid's rectangle (pixel centres on the grid points).
        After ``setImage``: the item scales by the image's size in pixels."""
        xs, ys = grid.xs, grid.ys
        dx = (xs[-1] - xs[0]) / max(1, len(xs) - 1)
        dy = (ys[-1] - ys[0]) / max(1, len(ys) - 1)
        self._pending_rect = (float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * len(xs)), float(dy * len(ys)))
        key = (*self._pending_rect, self.image.width(), self.image.height())
        if key != self._rect:
            self._rect = key
            self.image.setRect(QRectF(*self._pending_rect))

    # -- the line ----------------------------------------------------------------------------
    def show_curve(self, grid: Grid, drawn: Array, values: Array | None = None) -> None:
        """One curve ``drawn`` over ``grid.xs`` (the fit, a binary probability or a
        neuron); ``values`` what the read-out says (default: ``drawn``)."""
        self.note.setVisible(False)
        self.grid = grid
        self.image_values = drawn if values is None else values
        self.curve.setData(grid.xs, np.where(np.isfinite(drawn), drawn, np.nan), connect="finite")
        for c in self.class_curves:
            c.setData([], [])

    def show_class_curves(self, grid: Grid, probs: Array, values: Array) -> None:
        """Each class's probability ``probs`` (n, k) along ``grid.xs``; ``values`` the classes."""
        self.note.setVisible(False)
        self.grid = grid
        self.image_values = values
        for k, c in enumerate(self.class_curves):
            c.setData(grid.xs, probs[:, k])
        self.curve.setData([], [])

    # -- reading -----------------------------------------------------------------------------
    def grid_index(self, x: float, y: float | None) -> tuple[int, ...] | None:
        """The grid point nearest to view point (x, y): (row, column), or (i,) along a line."""
        g = self.grid
        if g is None:
            return None
        if g.ys.size == 0 or y is None:
            return (nearest_index(g.xs, x),)
        return (nearest_index(g.ys, y), nearest_index(g.xs, x))

    def value_at(self, x: float, y: float | None = None) -> float | None:
        """What the heatmap (or curve) shows at the grid point nearest to (x, y)."""
        idx = self.grid_index(x, y)
        if idx is None or self.image_values is None:
            return None
        return float(self.image_values[idx])

    def contains(self, scene_pos) -> bool:  # type: ignore[no-untyped-def]
        """Whether scene point ``scene_pos`` is inside this plot's data area."""
        return self.plot.scene() is not None and self.vb.sceneBoundingRect().contains(scene_pos)

    def show_read_out(self, text: str, x: float, y: float) -> None:
        """Show ``text`` at view point (x, y), on the side of it with room."""
        self.hover_text.setText(text)
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self.hover_text.setAnchor((1.0 if x > (x0 + x1) / 2 else 0.0, 1.0 if y < (y0 + y1) / 2 else 0.0))
        self.hover_text.setPos(x, y)
        self.hover_text.setVisible(True)

    def scatter_items(self) -> tuple[pg.ScatterPlotItem, ...]:
        p = self.points
        return (p.train, p.val, p.ring, p.marks)

    def apply_theme(self) -> None:
        fg = theme.foreground()
        # here too: run B's plot may be out of the scene the view recolours
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(fg)
            ax.setTextPen(fg)
        self.note.setColor(fg)
        self.note.fill = pg.mkBrush(theme.background())
        self.hover_text.setColor(fg)
        self.hover_text.fill = pg.mkBrush(theme.background())
        self.curve.setPen(pg.mkPen(fg, width=2.5))


__all__ = ["DecisionPlot", "RunTitle", "class_mix", "lighten", "nearest_index", "neuron_over_grid"]
