"""No range a run, a person or a script can ask of the loss view makes it raise or hang: the
ranges stop at the view's limits. (A wheel turned far out over a diverged run's curves made
pyqtgraph raise "Cannot set range [inf, inf]" inside a Qt virtual, which PySide6 6.11 can
crash on; a range of ±10³⁰⁰ from a script broke its downsampling at every change of range,
and its own limits rounded such a range to [0, 0].)"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from nnstudio.app.views.bounded_view_box import clamp_range
from nnstudio.app.views.loss_view import RANGE_LIMITS
from test_loss_view_legend import _diverging_setup
from window_helpers import discard_and_close, open_window, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    discard_and_close(w)


def _wheel(view, steps: int, notches: int = 50) -> None:
    """Turn the mouse wheel over the plot ``steps`` times by ``notches`` (negative: zoom out)."""
    vp = view.canvas.viewport()
    pos = view.canvas.mapFromScene(view.vb.sceneBoundingRect().center())
    for _ in range(abs(steps)):
        delta = QPoint(0, int(120 * notches * np.sign(steps)))
        ev = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), delta, Qt.MouseButton.NoButton,
                         Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(vp, ev)


def _inside_limits(view) -> bool:
    (x0, x1), (y0, y1) = view.vb.viewRange()
    lo, hi = RANGE_LIMITS["log_y" if view.log_y else "y"]
    return (all(math.isfinite(v) for v in (x0, x1, y0, y1)) and x1 > x0 and y1 > y0
            and -RANGE_LIMITS["x"] <= x0 and x1 <= RANGE_LIMITS["x"] and lo <= y0 and y1 <= hi)


def test_extreme_ranges_of_a_diverged_run_neither_raise_nor_hang(qtbot, window):
    """A diverged run's curves, then the widest ranges a script can ask for (infinite and NaN
    ends too) and a wheel turned far out: the range stops at the limits and the view paints.
    (Before, the wheel made pyqtgraph raise "Cannot set range [inf, inf]" in wheelEvent, its
    downsampling raised "Maximum allowed dimension exceeded" at every change of range past
    ±10¹² iterations, exceptions pytest-qt reports here; ±10³⁰⁰ was kept as asked.)"""
    w, view = window, window.loss_view
    _diverging_setup(qtbot, w, 10.0)
    w.act_step.trigger()
    w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.stopped)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for log in (False, True):
            view.set_log_y(log)
            view.vb.setYRange(-1e300, 1e300)
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
            view.vb.setXRange(-1e300, 1e300)
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
            view.vb.setRange(xRange=(1e299, 1e300), yRange=(1e299, 1e300), padding=0)  # far off, narrow
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
            view.vb.setYRange(-math.inf, math.inf)  # infinite ends: the bounds, not an exception
            view.vb.setXRange(math.nan, math.inf)
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
            _wheel(view, -40)
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
            _wheel(view, 40)
            view.canvas.viewport().repaint()
            assert _inside_limits(view), view.vb.viewRange()
        view.set_log_y(False)
    # following the data again, the range is the run's
    view.set_x_axis("epoch")
    view.set_x_axis("iteration")
    (x0, x1), (y0, y1) = view.vb.viewRange()
    assert x1 < 10 and y1 < 1e3
    assert not view.grab().isNull()


def test_clamp_range_keeps_spans_and_precision():
    assert clamp_range(-1e300, 1e300, (-10.0, 10.0), (0.0, 1.0)) == [-10.0, 10.0]
    assert clamp_range(1e299, 1e300, (-10.0, 10.0), (0.0, 1.0)) == [-10.0, 10.0]
    assert clamp_range(1e17, 1e17 + 4096.0, (-1e16, 1e16), (0.0, 1.0)) == [1e16 - 4096.0, 1e16]
    assert clamp_range(-20.0, -18.0, (-10.0, 10.0), (0.0, 1.0)) == [-10.0, -8.0]
    assert clamp_range(3.0, 2.0, (-10.0, 10.0), (0.0, 1.0)) == [2.0, 3.0]
    assert clamp_range(math.nan, 2.0, (-10.0, 10.0), (0.0, 1.0)) == [0.0, 1.0]  # the range shown
    assert clamp_range(5.0, 5.0, (-10.0, 10.0), (math.inf, 1.0)) == [-10.0, 10.0]
