"""A pyqtgraph ViewBox whose ranges stay within bounds, whatever asks for a range.

pyqtgraph's own limits (``ViewBox.setLimits``) are applied by shifting a range that is too
wide or too far out by the difference: asked for ``setYRange(-1e300, 1e300)`` under limits
of ±10¹⁶, it subtracts ~10³⁰⁰ from both ends and is left with [0, 0]. Without limits such
a range reaches the curves' downsampling, which asks numpy for bins of more than 2⁶³
points (a ValueError at every change of range); a wheel turned far out scaled the range to
infinity, which ``setRange`` refuses with an exception (inside a Qt virtual: PySide6 6.11 may
crash on it). Here the range a zoom, a pan or a script asks for is clamped into the bounds
first, in numbers that keep their precision.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

Bounds = tuple[float, float]


def clamp_range(lo: float, hi: float, bounds: Bounds, before: Bounds) -> list[float]:
    """``(lo, hi)`` moved inside ``bounds`` keeping its span (all of ``bounds`` when it is
    wider); ``before`` (the range shown until now) when it is empty or not finite."""
    b0, b1 = bounds
    lo, hi = min(lo, hi), max(lo, hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or not hi > lo:
        lo, hi = before
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            return [b0, b1]
    if hi - lo >= b1 - b0:
        return [b0, b1]
    if lo < b0:
        return [b0, b0 + (hi - lo)]
    if hi > b1:
        return [b1 - (hi - lo), b1]
    return [lo, hi]


def _inside(value: float, bounds: Bounds, nan: float) -> float:
    """``value`` within ``bounds``; ``nan`` when it is NaN."""
    return nan if math.isnan(value) else min(max(float(value), bounds[0]), bounds[1])


class BoundedViewBox(pg.ViewBox):
    """A ViewBox whose x and y ranges stay within :attr:`bounds` (view coordinates)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.bounds: tuple[Bounds, Bounds] = ((-math.inf, math.inf), (-math.inf, math.inf))
        super().__init__(*args, **kwargs)

    def set_bounds(self, x: Bounds, y: Bounds) -> None:
        """Keep the ranges within ``x`` and ``y`` (moving the present ones inside)."""
        self.bounds = (x, y)
        self.updateViewRange()

    def setRange(self, rect=None, xRange=None, yRange=None,  # type: ignore[no-untyped-def]  # noqa: N802, N803
                 *args, **kwargs):
        """pyqtgraph's, with ends past the bounds (infinite ones too: not an exception) put
        at them, and NaN ends at the range shown."""
        if rect is not None:
            xRange = (rect.left(), rect.right()) if xRange is None else xRange
            yRange = (rect.top(), rect.bottom()) if yRange is None else yRange
        shown = self.state["viewRange"]
        if xRange is not None:
            xRange = [_inside(v, self.bounds[0], was) for v, was in zip(xRange, shown[0])]
        if yRange is not None:
            yRange = [_inside(v, self.bounds[1], was) for v, was in zip(yRange, shown[1])]
        super().setRange(None, xRange, yRange, *args, **kwargs)

    def updateViewRange(self, forceX: bool = False, forceY: bool = False) -> None:  # noqa: N802 - pyqtgraph's name
        target, shown = self.state["targetRange"], self.state["viewRange"]
        for axis in (0, 1):
            target[axis] = clamp_range(target[axis][0], target[axis][1], self.bounds[axis],
                                       (shown[axis][0], shown[axis][1]))
        super().updateViewRange(forceX, forceY)
