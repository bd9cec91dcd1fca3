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
* can keep to whole numbers (iterations): no tick at "iteration 2.5".
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg

Array = np.ndarray

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: values written as plain decimals; outside, as m×10ᵏ
PLAIN_LOW, PLAIN_HIGH = 1e-4, 1e6


def power_of_ten(k: int) -> str:
    """10^k written for an axis: 1, 10, 10⁻³."""
    if k == 0:
        return "1"
    if k == 1:
        return "10"
    return "10" + str(k).translate(_SUPERSCRIPT)


def _plain(values: Sequence[float]) -> bool:
    big = max((abs(v) for v in values if v != 0), default=1.0)
    small = min((abs(v) for v in values if v != 0), default=1.0)
    return PLAIN_LOW <= small and big < PLAIN_HIGH


def _scientific(v: float, digits: int) -> str:
    """``v`` as m×10ᵏ with ``digits`` decimals in m (10ᵏ alone when m is 1)."""
    if v == 0:
        return "0"
    k = math.floor(math.log10(abs(v)))
    m = v / 10.0 ** k
    text = f"{m:.{digits}f}"
    if abs(float(text)) >= 10:  # 9.99 rounded up to 10.0
        k += 1
        text = f"{v / 10.0 ** k:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "−" if text.startswith("-") else ""
    text = text.lstrip("-")
    return f"{sign}{power_of_ten(k)}" if text == "1" else f"{sign}{text}×{power_of_ten(k)}"


def linear_labels(values: Sequence[float]) -> list[str]:
    """Labels for evenly spaced ticks: shared decimals, as few as keep them distinct."""
    vals = [float(v) for v in values]
    if not vals:
        return []
    if _plain(vals):
        spacing = min((abs(b - a) for a, b in zip(vals, vals[1:]) if b != a), default=1.0)
        decimals = max(0, math.ceil(-math.log10(spacing) - 1e-9)) if spacing > 0 else 0
        for d in range(decimals, decimals + 8):
            out = [_minus(f"{v:.{d}f}") for v in vals]
            if len(set(out)) == len(out):
                return out
        return out
    for digits in range(0, 10):
        out = [_scientific(v, digits) for v in vals]
        if len(set(out)) == len(out):
            return out
    return out


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


def _minus(text: str) -> str:
    """A real minus sign, and no "−0"."""
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "−")


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 × 10ᵏ that cuts ``span`` into about ``count`` pieces."""
    raw = span / max(1, count)
    k = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** k >= raw:
            return m * 10.0 ** k
    return 10.0 ** (k + 1)


def log_ticks(lo: float, hi: float, size: float) -> list[tuple[float, list[float]]]:
    """Tick levels for a log axis over log10 values ``lo..hi`` drawn ``size`` pixels long.

    Powers of ten (every few when there are many), 2× and 5× them when the range spans
    a few decades, and evenly spaced values when it spans less than one.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    fit = max(2, int(size // 20))  # labels that fit along the axis
    k0, k1 = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    span = hi - lo
    if span < 1.0:
        # less than a decade: evenly spaced values, placed on the log scale
        a, b = 10.0 ** lo, 10.0 ** hi
        step = nice_step(b - a, min(fit, 5))
        first = math.ceil(a / step - 1e-9)
        vals = [n * step for n in range(first, int(math.floor(b / step + 1e-9)) + 1)]
        vals = [v for v in vals if v > 0]
        return [(step, [math.log10(v) for v in vals])]
    step = max(1, math.ceil((k1 - k0 + 1) / fit))
    majors = [float(k) for k in range(k0, k1 + 1) if k % step == 0]
    levels: list[tuple[float, list[float]]] = [(float(step), majors)]
    if step == 1 and span <= 0.4 * fit:
        factors = (2, 5) if span > 1.8 else (2, 3, 5) if span > 1.2 else (2, 3, 4, 5, 6, 8)
        minors = [k + math.log10(m) for k in range(k0 - 1, k1 + 1) for m in factors
                  if lo <= k + math.log10(m) <= hi]
        levels.append((0.3, minors))
    return levels


class ReadableAxis(pg.AxisItem):
    """An axis with labels from :func:`linear_labels`, or :func:`value_labels` in log
    mode (the plot's ``setLogMode`` or values already turned into log10: see
    :class:`LogAxis`). ``integer=True``: ticks only at whole numbers."""

    def __init__(self, orientation: str = "left", integer: bool = False, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.integer = integer

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        if not (math.isfinite(minVal) and math.isfinite(maxVal)):
            return []
        minVal, maxVal = sorted((minVal, maxVal))
        if self.logMode:
            return log_ticks(minVal, maxVal, size)
        levels = super().tickValues(minVal, maxVal, size)
        if self.integer:
            kept = [(s, [v for v in vals if abs(v - round(v)) < 1e-9]) for s, vals in levels if s >= 1]
            kept = [(s, vals) for s, vals in kept if vals]
            if not kept and maxVal - minVal < 10:
                kept = [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]
            return kept
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return linear_labels([v * scale for v in values])

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return value_labels([10.0 ** v * scale for v in values])


class LogAxis(ReadableAxis):
    """A y axis for values already turned into log10: ticks read 10⁻⁸ … 1, or 0.2, 0.5, 1.

    (pyqtgraph's log mode transforms curves but not bar graphs, so a log plot of bars
    draws log10 values itself and only asks the axis to label them.)
    """

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.setLogMode(True)


def tick_strings(axis: pg.AxisItem) -> list[str]:
    """The labels ``axis`` draws for its current range (for tests and readers)."""
    lo, hi = sorted(float(v) for v in axis.range)
    vertical = axis.orientation in ("left", "right")
    length = axis.geometry().height() if vertical else axis.geometry().width()
    out: list[str] = []
    for spacing, vals in axis.tickValues(lo, hi, max(length, 1.0)):
        vals = [v for v in vals if lo <= v <= hi]
        out.extend(axis.tickStrings(vals, axis.scale, spacing if spacing else 1.0))
    return out


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
