"""The activations-over-time image labels its columns with round iterations, as the time
curves above it do, placed where they fall between the probes' columns."""
from __future__ import annotations

import pytest

from nnstudio.app.views.activation_history_plot import iteration_ticks


def test_round_iterations_fall_between_the_columns_of_the_probes_around_them():
    # probes a few times a second: iterations 0, 439, 986, 1529 in columns 0..3
    ticks = iteration_ticks([0, 439, 986, 1529])
    assert [label for _, label in ticks] == ["0", "500", "1000", "1500"]
    positions = dict((label, x) for x, label in ticks)
    assert positions["0"] == 0.5  # the middle of the first column
    assert positions["500"] == pytest.approx(1.5 + 61 / 547)  # 500 between 439 and 986
    assert positions["1500"] == pytest.approx(2.5 + 514 / 543)


def test_large_runs_read_like_the_axes_above():
    ticks = iteration_ticks(list(range(0, 2_600_001, 13_000)))
    assert [label for _, label in ticks] == ["0", "10⁶", "2×10⁶"]


def test_one_iteration_probed_several_times_is_labelled_once_in_the_middle():
    assert iteration_ticks([40, 40, 40]) == [(1.5, "40")]
    assert iteration_ticks([7]) == [(0.5, "7")]
    assert iteration_ticks([]) == []


def test_a_short_span_labels_whole_iterations_only():
    labels = [label for _, label in iteration_ticks([10, 11, 12])]
    assert labels == ["10", "11", "12"]


def test_labels_closer_than_the_gap_are_left_out():
    # 40 columns up to iteration 200, then 4 up to 680: 200, 400 and 600 fall in 6 columns
    its = list(range(0, 200, 5)) + [320, 440, 560, 680]
    assert [label for _, label in iteration_ticks(its)] == ["0", "200", "400", "600"]
    kept = iteration_ticks(its, min_gap=2.5)
    assert [label for _, label in kept] == ["0", "200", "600"]
    assert all(b[0] - a[0] >= 2.5 for a, b in zip(kept, kept[1:]))


def test_no_label_is_drawn_over_another_when_the_columns_are_uneven(qtbot):
    """A run sped up after a slow start: most columns hold its first iterations, and the
    round iterations after them crowd into the last few columns ("2004̶600" was drawn)."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtGui import QFontMetricsF

    from nnstudio.app.views.activation_history_plot import ActivationHistoryPlot

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = ActivationHistoryPlot()
    widget.addItem(plot)
    widget.resize(260, 160)
    widget.show()
    qtbot.waitExposed(widget)
    its = list(range(0, 200, 2)) + [320, 440, 560, 680]
    edges = [np.linspace(-1, 1, 9)]
    entries = [(it, [np.arange(8.0) + k], edges) for k, it in enumerate(its)]
    plot.draw(entries, 0)
    qtbot.waitUntil(lambda: plot.vb.width() > 100)
    axis = plot.getAxis("bottom")
    ticks = axis._tickLevels[0]
    metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    px = [plot.vb.mapViewToScene(pg.Point(x, 0)).x() for x, _ in ticks]
    assert len(ticks) >= 2
    for (x0, a), (x1, b), p0, p1 in zip(ticks, ticks[1:], px, px[1:]):
        room = (metrics.horizontalAdvance(a) + metrics.horizontalAdvance(b)) / 2
        assert p1 - p0 > room, f"{a!r} at {p0:.0f} px and {b!r} at {p1:.0f} px overlap"
    plot.draw([], 0)
    assert axis._tickLevels == [[], []]  # an empty plot keeps no labels of the run before
