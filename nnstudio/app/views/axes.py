"""Plot axes whose numbers a learner can read at any scale.

pyqtgraph's own labels go wrong at the edges of what training produces: a loss of
199,643.5 and 199,644 both print as "199644" ("%g" keeps six digits), a diverged
gradient prints as "1e+12", and its log axes label 2 and 5 as "2·1" and "5·1". The
axes here

* label linear ticks with as many digits as it takes to tell them apart, in plain
  decimals from 0.0001 to 999,999 and as ``2.5×10⁶`` beyond;
* label log ticks 1, 2, 5, 10, 20 … (or ``10⁻⁶``, ``2×10⁻⁶`` … when the range leaves
  0.0001…999,999), and fall back to evenly spaced values when the range is less than a
  decade, so even a flat curve has readable ticks;
* can keep to whole numbers (iterations): no tick at "iteration 2.5";
* label every level of ticks true to its value, so a finer level never repeats a
  coarser one's text (pyqtgraph labels each level by itself: 1.915 between 1.91 and
  1.92 once read "1.92" twice);
* keep labels a label's height apart however short the plot (pyqtgraph draws its first
  level of ticks whatever their crowding), and leave out a label the canvas's edge
  would cut;
* show the longest wording of their title that fits along them, the full title in the
  tooltip (:meth:`ReadableAxis.set_titles`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter

from ...core import number_text as _numbers
from ...core.number_text import PLAIN_HIGH, PLAIN_LOW
from ...core.number_text import real_minus as _minus
from ...core.number_text import scientific as _scientific

# numbers are written in core (the engine's messages use them too); the views take them from here
number_text = _numbers.number_text
power_of_ten = _numbers.power_of_ten

Array = np.ndarray

_PLAIN_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def _plain(values: Sequence[float]) -> bool:
    big = max((abs(v) for v in values if v != 0), default=1.0)
    small = min((abs(v) for v in values if v != 0), default=1.0)
    return PLAIN_LOW <= small and big < PLAIN_HIGH


def linear_labels(values: Sequence[float], spacing: float | None = None) -> list[str]:
    """Labels for evenly spaced ticks: shared decimals, as few as keep each label true to
    its value (within a hundredth of ``spacing``, the distance between the ticks of this
    level; by default the smallest gap between ``values``).

    Ticks of finer levels are labelled by separate calls, so each label must be exact
    enough to differ from the coarser levels' too: 1.915 between 1.91 and 1.92 reads
    "1.915", never "1.92" twice.
    """
    vals = [float(v) for v in values]
    if not vals:
        return []
    if spacing is None or not (math.isfinite(spacing) and spacing > 0):
        spacing = min((abs(b - a) for a, b in zip(vals, vals[1:]) if b != a), default=0.0)
    if not spacing > 0:
        spacing = max((abs(v) for v in vals), default=1.0) or 1.0
    tol = 0.01 * spacing

    def true(out: list[str]) -> bool:
        return len(set(out)) == len(out) and all(abs(label_value(t) - v) <= tol for t, v in zip(out, vals))

    if _plain(vals):
        decimals = max(0, math.ceil(-math.log10(spacing) - 1e-9))
        for d in range(decimals, decimals + 8):
            out = [_minus(f"{v:.{d}f}") for v in vals]
            if true(out):
                return out
        return out
    for digits in range(0, 12):
        out = [_scientific(v, digits) for v in vals]
        if true(out):
            return out
    return out


def label_value(text: str) -> float:
    """The number a label written by this module reads as: "−0.25" → -0.25, "2.5×10⁶"
    → 2.5e6, "10⁻³" → 0.001 (for checking that a label is true to its tick)."""
    t = text.replace("−", "-").translate(_PLAIN_DIGITS)
    if "×10" in t:
        m, k = t.split("×10")
        return float(m) * 10.0 ** int(k)
    sign = -1.0 if t.startswith("-") else 1.0
    body = t.lstrip("-")
    if body.startswith("10") and len(body) > 2 and t != text.replace("−", "-"):
        return sign * 10.0 ** int(body[2:])
    return float(t)


def value_labels(values: Sequence[float]) -> list[str]:
    """Labels for ticks that need not be evenly spaced (a log axis): each as short as
    it can be while all stay distinct."""
    vals = [float(v) for v in values]
    plain = _plain(vals)
    for sig in range(1, 12):
        if plain:
            out = [_minus(np.format_float_positional(v, precision=sig, unique=False, fractional=False,
                                                     trim="-")) for v in vals]
        else:
            out = [_scientific(float(f"{v:.{sig}g}"), sig - 1) for v in vals]
        if len(set(out)) == len(out):
            return out
    return out


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 × 10ᵏ that cuts ``span`` into about ``count`` pieces."""
    raw = span / max(1, count)
    k = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** k >= raw:
            return m * 10.0 ** k
    return 10.0 ** (k + 1)


def smaller_step(step: float) -> float:
    """The next step of 1, 2 or 5 × 10ᵏ below ``step``: 5 → 2 → 1 → 0.5."""
    k = math.floor(math.log10(step) + 1e-9)
    m = round(step / 10.0 ** k)
    return (2 if m >= 5 else 1 if m >= 2 else 0.5) * 10.0 ** k


def larger_step(step: float) -> float:
    """The next step of 1, 2 or 5 × 10ᵏ above ``step``: 1 → 2 → 5 → 10."""
    k = math.floor(math.log10(step) + 1e-9)
    m = round(step / 10.0 ** k)
    return (2 if m < 2 else 5 if m < 5 else 10) * 10.0 ** k


#: pyqtgraph draws a level of tick labels only while their heights fill less than this
#: share of the axis, by the number of labels already drawn (AxisItem's textFillLimits)
FILL_LIMITS = ((6, 0.2), (4, 0.4), (2, 0.6), (0, 0.8))
#: the height of a tick label in pixels when the axis does not say (pyqtgraph's 0.8 × line)
LABEL_PX = 13.0


def _min_gap(ticks: Sequence[float]) -> float:
    t = sorted(ticks)
    return min((b - a for a, b in zip(t, t[1:])), default=math.inf)


def log_ticks(lo: float, hi: float, size: float, label_px: float = LABEL_PX) -> list[tuple[float, list[float]]]:
    """Tick levels for a log axis over log10 values ``lo..hi`` drawn ``size`` pixels long.

    Powers of ten (every few when there are many), 2×, 3×, 5× … them when the range
    spans a few decades, and evenly spaced values when it spans less than one; never
    labels closer than ``label_px`` (a label's height), and two labels where the axis
    has room for two.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or not size > 0:
        return []
    span = hi - lo
    px = size / span  # pixels per decade
    room = label_px + 2  # between the centres of two labels
    fit = max(2, int(size // 20))  # labels that fit along the axis
    k0, k1 = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if span < 1.0:
        # less than a decade: evenly spaced values, placed on the log scale, where they
        # crowd towards the top: the step grows until they are a label apart
        a, b = 10.0 ** lo, 10.0 ** hi
        step = nice_step(b - a, min(fit, 5))
        vals = _multiples(a, b, step)
        for _ in range(30):
            if len(vals) > 2 and px * _min_gap([math.log10(v) for v in vals]) < room:
                step = larger_step(step)
            elif len(vals) < 2 and step > (b - a) / 4:
                finer = _multiples(a, b, smaller_step(step))
                if len(finer) > 1 and px * _min_gap([math.log10(v) for v in finer]) < room:
                    break
                step = smaller_step(step)
            else:
                break
            vals = _multiples(a, b, step)
        return [(step, [math.log10(v) for v in vals])]
    step = max(1, math.ceil((k1 - k0 + 1) / fit))
    majors = [float(k) for k in range(k0, k1 + 1) if k % step == 0]
    while len(majors) < 2 and step > 1:  # 10⁻² … 10² on a short axis: 0.01, 1, 100, not 1 alone
        step -= 1
        majors = [float(k) for k in range(k0, k1 + 1) if k % step == 0]
    levels: list[tuple[float, list[float]]] = [(float(step), majors)]
    if step != 1:
        return levels
    # between the decades: the most multiples that keep the labels a label apart and that
    # pyqtgraph will draw (it leaves out a level that would fill too much of the axis)
    limit = next(lim for n, lim in FILL_LIMITS if len(majors) >= n)
    # (and never more than a few a decade where the range spans a few decades)
    sets = ((2, 3, 4, 5, 6, 8), (2, 3, 5), (2, 5), (3,))
    for factors in sets[2 if span > 1.8 else 1 if span > 1.2 else 0:]:
        minors = [k + math.log10(m) for k in range(k0 - 1, k1 + 1) for m in factors
                  if lo <= k + math.log10(m) <= hi]
        if not minors:
            continue
        if px * _min_gap(majors + minors) >= room and (len(majors) + len(minors)) * label_px < limit * size:
            levels.append((0.3, minors))
            break
    return levels


def _multiples(a: float, b: float, step: float) -> list[float]:
    """The positive multiples of ``step`` from ``a`` to ``b``."""
    first = math.ceil(a / step - 1e-9)
    vals = [n * step for n in range(first, int(math.floor(b / step + 1e-9)) + 1)]
    return [v for v in vals if v > 0]


class ReadableAxis(pg.AxisItem):
    """An axis with labels from :func:`linear_labels`, or :func:`value_labels` in log
    mode (the plot's ``setLogMode`` or values already turned into log10: see
    :class:`LogAxis`). ``integer=True``: ticks only at whole numbers. Its title is fitted
    to its length (:meth:`set_titles`)."""

    #: the title and shorter ways to say it, longest first (class defaults: pyqtgraph's
    #: constructor already draws the title)
    _titles: tuple[str, ...] = ()
    #: the wording that fits, as drawn
    _shown_title = ""

    def __init__(self, orientation: str = "left", integer: bool = False, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.integer = integer
        self._even_log = False  # the last log ticks were evenly spaced numbers (less than a decade)
        #: the spacings of the last ticks' finer levels too crowded to label (their ticks stay)
        self._unlabelled: list[float] = []

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        if not (math.isfinite(minVal) and math.isfinite(maxVal)):
            return []
        minVal, maxVal = sorted((minVal, maxVal))
        self._unlabelled = []
        if self.logMode:
            levels = log_ticks(minVal, maxVal, size, self.label_height())
            # less than a decade: the ticks are evenly spaced numbers, labelled as such
            self._even_log = maxVal - minVal < 1.0
            return levels
        levels = super().tickValues(minVal, maxVal, size)
        if self.integer:
            kept = [(s, [v for v in vals if abs(v - round(v)) < 1e-9]) for s, vals in levels if s >= 1]
            kept = [(s, vals) for s, vals in kept if vals]
            if not kept and maxVal - minVal < 10:
                kept = [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]
            levels = kept
        levels = self._apart(levels, minVal, maxVal, size)
        self._unlabelled = self._crowded_levels(levels, minVal, maxVal, size)
        return levels

    def _apart(self, levels: list, lo: float, hi: float, size: float) -> list:
        """``levels`` with the first one thinned until its labels are a label apart
        (pyqtgraph draws the first level whatever its crowding: on a plot a few dozen
        pixels high its labels would lie on top of each other), the finer ones dropped
        then; one label is left where the axis has room for no more."""
        if not levels or not hi > lo or not size > 0:
            return levels
        step, vals = levels[0]
        step = float(step)
        if not step > 0:
            return levels
        thinned = False
        while len(vals) > 1 and step / (hi - lo) * size < self._room(vals, step):
            wider = larger_step(step)
            first = math.ceil(lo / wider - 1e-9)
            more = [n * wider for n in range(first, int(math.floor(hi / wider + 1e-9)) + 1)]
            if self.integer:
                more = [v for v in more if abs(v - round(v)) < 1e-9]
            if not more:
                # no multiple of a wider step in range: the middle tick alone
                mid = 0.5 * (lo + hi)
                more = [min(vals, key=lambda v: abs(v - mid))]
            step, vals, thinned = wider, more, True
        return [(step, vals)] if thinned else levels

    def _crowded_levels(self, levels: list, lo: float, hi: float, size: float) -> list[float]:
        """The spacings of the finer levels (after the first) whose labels would not be a
        label apart: pyqtgraph labels a finer level while its labels fill little of the
        axis, even when two of them touch ("−1" beside "0" read "−10" on a map 106 px
        wide). Their ticks are drawn unlabelled; so are those of any finer level."""
        if len(levels) < 2 or not hi > lo or not size > 0:
            return []
        out: list[float] = []
        for spacing, vals in levels[1:]:
            spacing = float(spacing)
            if out or not spacing > 0 or spacing / (hi - lo) * size < self._room(list(vals), spacing):
                out.append(spacing)
        return out

    def _room(self, values: list[float], spacing: float) -> float:
        """Pixels between the centres of two neighbouring labels that keep them apart."""
        if self.orientation in ("left", "right"):
            return self.label_height() + 2
        font = self.style.get("tickFont") or self.font()
        metrics = QFontMetricsF(font)
        return max((metrics.horizontalAdvance(t) for t in self.tickStrings(values, self.scale, spacing) if t),
                   default=0.0) + 8

    # -- the title: the longest wording that fits along the axis ---------------------------
    def setLabel(self, text: str | None = None, units: str | None = None, unitPrefix: str | None = None,  # noqa: N802,N803
                 **kwargs: object) -> None:
        """pyqtgraph's ``setLabel``; the title is then fitted to the axis's length (see
        :meth:`set_titles` for shorter wordings)."""
        if not self._titles or (text or "") != self._titles[0]:
            self._titles = (text or "",)
        super().setLabel(text, units, unitPrefix, **kwargs)
        self._fit_title()

    def set_titles(self, full: str, *shorter: str) -> None:
        """The title and shorter ways to say it, longest first: the axis shows the longest
        that fits along it (the last one cut short with "…" if none does) and gives the full
        title as its tooltip when it shows less."""
        self._titles = (full, *[t for t in shorter if t and t != full])
        super().setLabel(full, siPrefixEnableRanges=())
        self._fit_title()

    @property
    def shown_title(self) -> str:
        """The title as drawn now (the full one, a shorter wording, or cut short)."""
        return self._shown_title if self.label.isVisible() else ""

    def title_room(self) -> float:
        """Pixels along the axis that the title may take."""
        return self.size().height() if self.orientation in ("left", "right") else self.size().width()

    def labelString(self) -> str:  # noqa: N802
        full = self.labelText
        self.labelText = self._shown_title if self._titles and full == self._titles[0] else full
        try:
            return super().labelString()
        finally:
            self.labelText = full

    def _title_width(self, text: str) -> float:
        """Show ``text`` as the title; returns the width of its letters (the text item's
        margins are blank, and centred on the axis they may reach past its ends)."""
        self._shown_title = text
        self.label.setHtml(self.labelString())
        return self.label.boundingRect().width() - 2 * self.label.document().documentMargin()

    def _fit_title(self) -> None:
        if self.label is None or not self._titles:
            return
        room = self.title_room()
        full = self._titles[0]
        chosen = None
        if room > 0:
            for text in self._titles:
                if self._title_width(text) <= room:
                    chosen = text
                    break
        if chosen is None:
            # cut the shortest wording until it fits (the tooltip has all of it)
            last = self._titles[-1]
            metrics = QFontMetricsF(self.label.font())
            width = room
            chosen = metrics.elidedText(last, Qt.TextElideMode.ElideRight, width)
            while chosen and self._title_width(chosen) > room:
                width -= 4
                chosen = metrics.elidedText(last, Qt.TextElideMode.ElideRight, width) if width > 0 else ""
        self._title_width(chosen)
        tip = full if chosen != full else ""
        if self.toolTip() != tip:
            self.setToolTip(tip)
            self.label.setToolTip(tip)
        self.picture = None

    def resizeEvent(self, ev: object = None) -> None:  # noqa: N802
        self._fit_title()
        super().resizeEvent(ev)

    def generateDrawSpecs(self, p: QPainter) -> tuple | None:  # noqa: N802
        """pyqtgraph's drawing specs without the tick labels that the canvas would cut:
        a vertical axis lets its end labels reach past its ends, and at the canvas's
        edge ("1.0" on top of a map that fills its canvas) half of one was drawn."""
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        room = self._canvas_rect()
        if room is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        return axis_spec, tick_specs, [spec for spec in text_specs if room.contains(spec[0])]

    def _canvas_rect(self) -> QRectF | None:
        """The part of the canvas on screen, in the axis's coordinates (None: no canvas)."""
        scene = self.scene()
        views = scene.views() if scene is not None else []
        if not views:
            return None
        view = views[0]
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        return self.mapRectFromScene(shown).adjusted(-0.5, -0.5, 0.5, 0.5)

    def label_height(self) -> float:
        """The height pyqtgraph gives a tick label: 0.8 of a line of the tick font."""
        font = self.style.get("tickFont") or self.font()
        return 0.8 * QFontMetricsF(font).height()

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list:  # noqa: N802
        if any(math.isclose(spacing, u, rel_tol=1e-9) for u in self._unlabelled):
            return [None] * len(values)  # a level too crowded to label (pyqtgraph skips None; see _crowded_levels)
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return linear_labels([v * scale for v in values], spacing * scale)

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        vals = [10.0 ** v * scale for v in values]
        if self._even_log:
            return linear_labels(vals, spacing * scale)
        return value_labels(vals)


class LogAxis(ReadableAxis):
    """A y axis for values already turned into log10: ticks read 10⁻⁸ … 1, or 0.2, 0.5, 1.

    (pyqtgraph's log mode transforms curves but not bar graphs, so a log plot of bars
    draws log10 values itself and only asks the axis to label them.)
    """

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.setLogMode(True)


def readable_axes(*orientations: str) -> dict[str, ReadableAxis]:
    """``axisItems`` for a pyqtgraph plot: a :class:`ReadableAxis` on each side named.

    Every plot of the app takes its axes from here: pyqtgraph's own axis rescales numbers
    below 1 behind a multiplier in the title ("direction 1 (x0.001)" over ticks 200, 400),
    which a learner cannot read."""
    return {name: ReadableAxis(name) for name in orientations}


def readable_colorbar_axis(bar: pg.ColorBarItem, width: int = 45) -> ReadableAxis:
    """Give the colour bar ``bar`` a :class:`ReadableAxis` in place of its own (vertical
    bars only), ranged over the bar's values as pyqtgraph's was; returns it (also as
    ``bar.axis``, where pyqtgraph keeps the bar's axis)."""
    axis = ReadableAxis("right")
    bar.setAxisItems({"right": axis})
    bar.showAxis("right")
    bar.axis = axis
    axis.setWidth(width)
    axis.unlinkFromView()  # the bar sets its range to the colour levels itself
    lo, hi = bar.values if bar.values is not None else (0.0, 1.0)
    axis.setRange(lo, hi)
    return axis


def tick_strings(axis: pg.AxisItem) -> list[str]:
    """The labels ``axis`` draws for its current range (for tests and readers)."""
    lo, hi = sorted(float(v) for v in axis.range)
    vertical = axis.orientation in ("left", "right")
    length = axis.geometry().height() if vertical else axis.geometry().width()
    out: list[str] = []
    for spacing, vals in axis.tickValues(lo, hi, max(length, 1.0)):
        vals = [v for v in vals if lo <= v <= hi]
        out.extend(t for t in axis.tickStrings(vals, axis.scale, spacing if spacing else 1.0) if t is not None)
    return out


def drawn_tick_labels(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` draws as it is now laid out, each with its rectangle in
    the axis's coordinates: what pyqtgraph paints, after it has left out the labels that
    would cross the axis's ends or crowd a level (for tests and readers)."""
    image = QImage(4, 4, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(QRectF(rect), text) for rect, _flags, text in specs[2]]


def min_span(values: Array, log: bool) -> float:
    """The smallest y range worth showing for ``values``: 2 % of their size (a tenth of
    a decade on a log axis), so a flat curve looks flat instead of filling the plot
    with the wiggles of its last digits."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if log:
        return 0.1
    if not len(v):
        return 1e-12
    return max(0.02 * float(np.max(np.abs(v))), 1e-12)
