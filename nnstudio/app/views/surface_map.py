"""The loss landscape as a map: colours for the loss over the plane, contour lines, and
the path training took across it; with a comparison, run B's path too, in B's colour,
with a legend.

:class:`SurfaceMap` is the 2-D half of the loss-landscape view. It draws what it is
given (a grid of values, a path, the current point) and keeps the path in view: when
the live path leaves the computed square between two recomputations, the plotted
range grows to follow it (the colours then cover only part of the plot).

The helpers at the top are plain NumPy: what the colours show, contour levels, contour
lines and interpolation on the grid (the 3-D view uses them too).
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from .axes import ReadableAxis, readable_colorbar_axis
from .run_colors import RUN_B_STYLE, run_color

Array = np.ndarray

#: contour lines drawn on the map (fewer on a draft: they cost time to trace)
N_LEVELS = 10
COLORMAP = "viridis"
#: share of the plotted range kept between the path and the edge when following it
FOLLOW_MARGIN = 0.08
#: pixels between the legend and the plot's edge
LEGEND_GAP = 6
#: a legend entry longer than this many characters is broken after a comma
LEGEND_CHARS = 18


#: on log colours, the lowest colour is at most this far below the 1 % quantile of the
#: grid's losses: an exact fit's 10⁻³⁰ at one grid point would give the rest of the map,
#: 10⁻² … 50, the top sliver of the colours (a yellow sheet)
LOG_SLACK = 1e-3


def log_floor(loss: Array) -> float:
    """The lowest loss the log colours tell apart: the smallest positive finite one, but
    never more than 3 decades (:data:`LOG_SLACK`) below the 1 % quantile."""
    v = np.asarray(loss, dtype=np.float64)
    pos = v[np.isfinite(v) & (v > 0)]
    if not len(pos):
        return 1e-12
    return max(float(pos.min()), float(np.quantile(pos, 0.01)) * LOG_SLACK)


def display_values(loss: Array, log: bool, reference: Array | None = None) -> Array:
    """What the colours and heights show: the loss, or its base-10 logarithm.

    Non-finite losses (overflow far from the weights) are drawn as the largest finite
    value; on the log scale losses below :func:`log_floor` of ``reference`` (default
    ``loss``: the grid whose colours these are), 0 included, are drawn at that floor.
    """
    v = np.asarray(loss, dtype=np.float64)
    finite = np.isfinite(v)
    if log:
        pos = finite & (v > 0)
        floor = log_floor(v if reference is None else reference)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(np.where(pos, np.maximum(v, floor), floor))
    else:
        out = v.copy()
    if not finite.all():
        top = float(out[finite].max()) if finite.any() else 0.0
        out[~finite] = top
    return out


def contour_lines(Z: Array, xs: Array, ys: Array, level: float) -> tuple[Array, Array]:
    """The contour line ``Z = level`` in data coordinates, pieces separated by NaN.

    ``Z[j, i]`` is the value at ``(xs[i], ys[j])`` on a uniform grid. Returns ``x, y``
    ready for a curve drawn with ``connect="finite"``.
    """
    # pyqtgraph's marching squares takes data[x, y] and puts sample k at k + 0.5
    pieces = pg.functions.isocurve(np.asarray(Z, dtype=np.float64).T, level, connected=True,
                                   extendToEdge=False)
    if not pieces:
        return np.zeros(0), np.zeros(0)
    dx = (xs[-1] - xs[0]) / (len(xs) - 1)
    dy = (ys[-1] - ys[0]) / (len(ys) - 1)
    xo, yo = [], []
    for piece in pieces:
        p = np.asarray(piece, dtype=np.float64)
        xo.append(xs[0] + (p[:, 0] - 0.5) * dx)
        yo.append(ys[0] + (p[:, 1] - 0.5) * dy)
        xo.append(np.array([np.nan]))
        yo.append(np.array([np.nan]))
    return np.concatenate(xo), np.concatenate(yo)


def contour_levels(Z: Array, n: int = N_LEVELS) -> Array:
    """``n`` levels evenly spaced strictly between the smallest and largest value."""
    lo, hi = float(np.min(Z)), float(np.max(Z))
    if not hi > lo:
        return np.zeros(0)
    return np.linspace(lo, hi, n + 2)[1:-1]


def grid_interpolate(xs: Array, ys: Array, Z: Array, px: Array, py: Array) -> Array:
    """Bilinear interpolation of ``Z[j, i]`` (uniform grid) at points, clamped to the grid."""
    px, py = np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64)
    fx = np.clip((px - xs[0]) / (xs[-1] - xs[0]) * (len(xs) - 1), 0, len(xs) - 1)
    fy = np.clip((py - ys[0]) / (ys[-1] - ys[0]) * (len(ys) - 1), 0, len(ys) - 1)
    i0 = np.minimum(fx.astype(int), len(xs) - 2)
    j0 = np.minimum(fy.astype(int), len(ys) - 2)
    tx, ty = fx - i0, fy - j0
    return ((1 - tx) * (1 - ty) * Z[j0, i0] + tx * (1 - ty) * Z[j0, i0 + 1]
            + (1 - tx) * ty * Z[j0 + 1, i0] + tx * ty * Z[j0 + 1, i0 + 1])


def wrap_label(text: str, width: int = LEGEND_CHARS) -> list[str]:
    """A legend entry in lines of about ``width`` characters, broken after its commas."""
    lines: list[str] = []
    for part in text.split(", "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += ", " + part
        else:
            if lines:
                lines[-1] += ","
            lines.append(part)
    return lines


def title_wordings(text: str) -> tuple[str, ...]:
    """An axis title and shorter ways to say it, longest first, for a narrow map:
    "direction 1: most movement (90 %)", "dir. 1: most movement (90 %)",
    "direction 1 (90 %)", "dir. 1 (90 %)", "dir. 1" (the tooltip and the sentence above
    the map say the rest)."""
    def short(t: str) -> str:
        return re.sub(r"\bdirection\b", "dir.", t)

    forms = [text, short(text)]
    head, colon, rest = text.partition(": ")
    if colon:
        share = re.search(r"\([^()]*\)\s*$", rest)
        tail = f" {share.group(0).strip()}" if share else ""
        forms += [head + tail, short(head) + tail, short(head)]
    out: list[str] = []
    for form in forms:
        if form not in out and (not out or len(form) < len(out[-1])):
            out.append(form)
    return tuple(out)


def label_axis(axis: pg.AxisItem, text: str) -> None:
    """Name an axis without pyqtgraph's automatic "(x0.001)" rescaling of its numbers; an
    axis of ours shows the longest of :func:`title_wordings` that fits along it."""
    if isinstance(axis, ReadableAxis):
        axis.set_titles(*title_wordings(text))
    else:
        axis.setLabel(text, siPrefixEnableRanges=())


def bounds(*point_sets: Array) -> tuple[float, float, float, float] | None:
    """The smallest rectangle ``(x0, x1, y0, y1)`` around all finite points given."""
    pts = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in point_sets if p is not None and np.size(p)]
    if not pts:
        return None
    allp = np.vstack(pts)
    allp = allp[np.all(np.isfinite(allp), axis=1)]
    if not len(allp):
        return None
    return (float(allp[:, 0].min()), float(allp[:, 0].max()), float(allp[:, 1].min()), float(allp[:, 1].max()))


class SurfaceMap(pg.PlotWidget):
    """Colours and contour lines of the loss over the plane, the path and the weights now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, axisItems={"bottom": ReadableAxis("bottom"), "left": ReadableAxis("left")})
        self.setMinimumSize(120, 100)
        self.plot: pg.PlotItem = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.set_axis_labels("α", "β")
        self.cmap = pg.colormap.get(COLORMAP)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), width=12, interactive=False, colorMap=self.cmap,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        # the bar's own axis, swapped for one that labels losses as numbers (also on log colours)
        readable_colorbar_axis(self.colorbar, width=52).setZValue(0.5)
        iso_pen = pg.mkPen(QColor(255, 255, 255, 110), width=1)
        self.contours = [pg.PlotCurveItem(pen=iso_pen, connect="finite") for _ in range(N_LEVELS)]
        for c in self.contours:
            self.plot.addItem(c)
        white = QColor(255, 255, 255)
        self.path_line = pg.PlotDataItem(pen=pg.mkPen(white, width=2))
        self.path_marks = pg.ScatterPlotItem(size=4, brush=pg.mkBrush(white), pen=None)
        self.start_mark = pg.ScatterPlotItem(size=11, symbol="s", brush=pg.mkBrush(white),
                                             pen=pg.mkPen(QColor(30, 30, 30), width=1.5))
        self.current_mark = pg.ScatterPlotItem(size=15, symbol="o", brush=pg.mkBrush(QColor(230, 40, 40)),
                                               pen=pg.mkPen(white, width=2))
        for item in (self.path_line, self.path_marks, self.start_mark, self.current_mark):
            self.plot.addItem(item)
        self.current_mark.setZValue(10)
        # run B: its colour, dashed, over a dark line that keeps it readable on bright colours
        b_color = run_color("B")
        self.b_path_shadow = pg.PlotDataItem(pen=pg.mkPen(QColor(20, 20, 20, 170), width=4.5))
        self.b_path_line = pg.PlotDataItem(pen=pg.mkPen(b_color, width=2.5, style=RUN_B_STYLE))
        self.b_start_mark = pg.ScatterPlotItem(size=11, symbol="s", brush=pg.mkBrush(b_color),
                                               pen=pg.mkPen(QColor(30, 30, 30), width=1.5))
        self.b_current_mark = pg.ScatterPlotItem(size=13, symbol="o", brush=pg.mkBrush(b_color),
                                                 pen=pg.mkPen(white, width=2))
        for item in (self.b_path_shadow, self.b_path_line, self.b_start_mark, self.b_current_mark):
            self.plot.addItem(item)
        self.b_current_mark.setZValue(9)
        self.legend = pg.LegendItem(offset=(-LEGEND_GAP, LEGEND_GAP), brush=pg.mkBrush(QColor(25, 25, 25, 200)),
                                    labelTextColor=QColor(235, 235, 235))
        self.legend.setParentItem(self.plot.vb)
        self.legend.setVisible(False)
        self._legend_label = ""
        self._legend_form: str | None = None
        self.plot.vb.sigResized.connect(lambda *_: self.place_legend())  # a full legend may fit now, or not
        #: the square of the last surface, (x0, x1, y0, y1): the range starts from it
        self.grid_rect: tuple[float, float, float, float] | None = None

    # -- the surface ----------------------------------------------------------------------
    def set_axis_labels(self, across: str, up: str) -> None:
        label_axis(self.plot.getAxis("bottom"), across)
        label_axis(self.plot.getAxis("left"), up)

    def show_grid(self, xs: Array, ys: Array, heat: Array, log: bool) -> tuple[float, float]:
        """Colour the grid (``heat[j, i]`` at ``(xs[i], ys[j])``); returns the colour range."""
        lo, hi = float(heat.min()), float(heat.max())
        if not hi > lo:
            hi = lo + 1.0
        dx = (xs[-1] - xs[0]) / (len(xs) - 1)
        dy = (ys[-1] - ys[0]) / (len(ys) - 1)
        self.image.setImage(heat, autoLevels=False)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self.colorbar.setLevels((lo, hi))
        axis = self.colorbar.axis
        axis.setLogMode(log)  # the colours are log10(loss): the bar still reads losses
        label_axis(axis, "loss")
        self.grid_rect = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
        return lo, hi

    def show_contours(self, xs: Array, ys: Array, heat: Array, n: int = N_LEVELS) -> None:
        """``n`` contour lines (at most :data:`N_LEVELS`) between the lowest and highest value."""
        levels = contour_levels(heat, min(n, N_LEVELS))
        for k, c in enumerate(self.contours):
            if k < len(levels):
                cx, cy = contour_lines(heat, xs, ys, float(levels[k]))
                c.setData(cx, cy)
            else:
                c.setData([], [])

    # -- the path -----------------------------------------------------------------------------
    def show_path(self, path: Array, current: Array | None) -> None:
        """The path (rows ``(α, β)``, oldest first) and the current point (default its end)."""
        if len(path) == 0:
            for item in (self.path_line, self.path_marks, self.start_mark, self.current_mark):
                item.setData([], [])
            return
        self.path_line.setData(path[:, 0], path[:, 1])
        step = max(1, len(path) // 80)  # at most ~80 markers: they show the step sizes
        marks = path[::step]
        self.path_marks.setData(marks[:, 0], marks[:, 1])
        self.start_mark.setData([path[0, 0]], [path[0, 1]])
        cur = current if current is not None else path[-1]
        self.current_mark.setData([cur[0]], [cur[1]])

    def show_b_path(self, path: Array, current: Array | None, label: str) -> None:
        """Run B's path and current point in B's colour, and the legend naming both runs
        (``label``, e.g. ``"B: η = 0.3"``); an empty path hides them all."""
        if len(path) == 0:
            for item in (self.b_path_shadow, self.b_path_line, self.b_start_mark, self.b_current_mark):
                item.setData([], [])
            self._set_legend("")
            return
        self.b_path_shadow.setData(path[:, 0], path[:, 1])
        self.b_path_line.setData(path[:, 0], path[:, 1])
        self.b_start_mark.setData([path[0, 0]], [path[0, 1]])
        cur = current if current is not None else path[-1]
        self.b_current_mark.setData([cur[0]], [cur[1]])
        self._set_legend(label)
        self.place_legend()

    def _set_legend(self, label: str) -> None:
        if label == self._legend_label:
            return
        self._legend_label = label
        self._legend_form = "?"  # filled anew
        self._fill_legend("full" if label else None)

    def _fill_legend(self, form: str | None) -> None:
        """The legend's entries: ``"full"`` names B's change (one short line), ``"short"``
        says just "B" (a small map), None hides the legend (the caption above the map
        names the runs' colours in any case)."""
        if form == self._legend_form:
            return
        self._legend_form = form
        self.legend.clear()
        label = self._legend_label
        if form is not None and label:
            self.legend.addItem(self.path_line, "A")
            if form == "short":
                short = "B"
            else:  # one short line: the map is small, and the caption above it names B's change in full
                short = label if len(label) <= LEGEND_CHARS else label[:LEGEND_CHARS - 1].rstrip(" ,") + "…"
            self.legend.addItem(self.b_path_line, html.escape(short))
        self.legend.setVisible(form is not None and bool(label))

    def _legend_fits(self, vb: QRectF) -> bool:
        """Whether the legend, as filled, lies inside the plot, on at most a quarter of it."""
        w = self.legend.boundingRect().width() + 2 * LEGEND_GAP
        h = self.legend.boundingRect().height() + 2 * LEGEND_GAP
        return w <= vb.width() and h <= vb.height() and w * h <= 0.25 * vb.width() * vb.height()

    def place_legend(self) -> None:
        """Put the legend in the corner of the plot that the paths cross least; on a map
        too small for it, its shorter form (or none)."""
        if not self._legend_label:
            return
        pts = [np.column_stack(item.getData()) for item in (self.path_line, self.b_path_line)
               if item.getData()[0] is not None and len(item.getData()[0])]
        vb = self.plot.vb.boundingRect()
        if not pts or vb.width() <= 0 or vb.height() <= 0:
            return
        for form in ("full", "short", None):
            self._fill_legend(form)
            if form is None:
                return
            if self._legend_fits(vb):
                break
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        allp = np.vstack(pts)
        u = (allp[:, 0] - x0) / max(x1 - x0, 1e-300)
        v = (allp[:, 1] - y0) / max(y1 - y0, 1e-300)
        box = self.legend.boundingRect()
        fw = min(1.0, (box.width() + 2 * LEGEND_GAP) / vb.width())
        fh = min(1.0, (box.height() + 2 * LEGEND_GAP) / vb.height())
        best, fewest = (1, 0), None
        # corners as (x, y) in the scene's sense: 0 left / top, 1 right / bottom; top-right first
        for cx, cy in ((1, 0), (0, 0), (1, 1), (0, 1)):
            inside_u = u > 1 - fw if cx else u < fw
            inside_v = v < fh if cy else v > 1 - fh
            n = int(np.count_nonzero(inside_u & inside_v))
            if fewest is None or n < fewest:
                best, fewest = (cx, cy), n
        cx, cy = best
        self.legend.anchor((cx, cy), (cx, cy), offset=(-LEGEND_GAP if cx else LEGEND_GAP,
                                                        -LEGEND_GAP if cy else LEGEND_GAP))

    def legend_texts(self) -> list[str]:
        """The legend's entries as shown (empty without a comparison)."""
        if not self.legend.isVisible():
            return []
        return [label.text.replace("<br>", " ") for _sample, label in self.legend.items]

    def reset_range(self, path: Array, current: Array | None, b_path: Array | None = None) -> None:
        """Show the whole surface and all of the paths (a new surface)."""
        box = bounds(np.array([[self.grid_rect[0], self.grid_rect[2]], [self.grid_rect[1], self.grid_rect[3]]])
                     if self.grid_rect else None, path, current, b_path)
        if box is not None:
            self._set_box(box, margin=0.0 if self._inside(box, self.grid_rect) else FOLLOW_MARGIN)

    def follow(self, path: Array, current: Array | None, b_path: Array | None = None) -> bool:
        """Grow the plotted range when a path's end or the current point leaves it; True if it grew."""
        box = bounds(path[-1:] if len(path) else None, current,
                     b_path[-1:] if b_path is not None and len(b_path) else None)
        if box is None:
            return False
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        if x0 <= box[0] and box[1] <= x1 and y0 <= box[2] and box[3] <= y1:
            return False
        whole = bounds(np.array([[x0, y0], [x1, y1]]), path, current, b_path)
        assert whole is not None
        self._set_box(whole, margin=FOLLOW_MARGIN)
        return True

    def _set_box(self, box: tuple[float, float, float, float], margin: float) -> None:
        x0, x1, y0, y1 = box
        w, h = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        self.plot.setRange(QRectF(x0 - margin * w, y0 - margin * h, w * (1 + 2 * margin), h * (1 + 2 * margin)),
                           padding=0.0)
        self.plot.disableAutoRange()
        self.place_legend()

    @staticmethod
    def _inside(box: tuple[float, float, float, float], rect: tuple[float, float, float, float] | None) -> bool:
        if rect is None:
            return False
        return rect[0] <= box[0] and box[1] <= rect[1] and rect[2] <= box[2] and box[3] <= rect[3]

    def view_contains(self, x: float, y: float) -> bool:
        """Whether the point ``(x, y)`` is inside the plotted range."""
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        return x0 <= x <= x1 and y0 <= y <= y1 and math.isfinite(x) and math.isfinite(y)

    def clear_surface(self) -> None:
        """Nothing drawn: no colours, lines or path."""
        self.image.clear()
        self.grid_rect = None
        for c in self.contours:
            c.setData([], [])
        self.show_path(np.zeros((0, 2)), None)
        self.show_b_path(np.zeros((0, 2)), None, "")


__all__ = ["COLORMAP", "LOG_SLACK", "N_LEVELS", "SurfaceMap", "bounds", "contour_levels", "contour_lines",
           "display_values", "grid_interpolate", "label_axis", "log_floor", "title_wordings", "wrap_label"]
