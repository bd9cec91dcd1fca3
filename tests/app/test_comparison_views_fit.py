"""Two runs fit learners' screens: at 1366×768 and 1280×800, in Explore (where the
decision view is large) and in Inspect, run A's and run B's decision maps stay side by
side at a readable size with their titles, and the activation view keeps both runs'
histogram and its legend line; nothing leaves the window."""

from __future__ import annotations

import pytest

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.main_window import MainWindow
from test_layout_fits import problems, settle
from window_helpers import discard_and_close, wait_snapshot

#: the smallest side of each run's plot area (pixels) that still shows the spiral's arms
MIN_PLOT = 140


@pytest.fixture(scope="module")
def pair():
    cmp, prepared = comparison_for("lr=0.3", 100)
    return cmp, pair_snapshot(cmp, prepared)


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)  # the engine's first snapshot is in: no other comes while paused
    yield w
    discard_and_close(w)


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)])
def test_two_runs_are_readable_in_both_workspaces(window, pair, size):
    cmp, snap = pair
    window.resize(*size)
    for workspace, front in (("explore", "BoundaryView"), ("inspect", "BoundaryView"),
                             ("inspect", "ActivationView")):
        window.workspaces.switch(workspace)
        settle()
        window.workspaces.docks[front].raise_()
        settle(100)
        view = window.boundary_view if front == "BoundaryView" else window.activation_view
        view.show_snapshot(snap)
        settle(100)
        where = f"{workspace} {size}"
        assert view.isVisible(), where
        if front == "BoundaryView":
            assert view.comparing and view.run_b is not None, where
            a, b = view.run_a.vb, view.run_b.vb
            for vb in (a, b):
                assert vb.width() >= MIN_PLOT and vb.height() >= MIN_PLOT, (where, vb.width(), vb.height())
            assert a.width() == pytest.approx(b.width(), abs=1.0)
            assert b.sceneBoundingRect().left() > a.sceneBoundingRect().right()
            # each title whole: the run's name and its accuracy
            assert view.run_a.title.shown_text() == view.run_a.title.full_text + view.run_a.title.suffix
            assert view.run_b.title.shown_text() == cmp.label + view.run_b.title.suffix, where
        else:
            assert view.run_b.label.isVisible() and cmp.label in view.run_b.label.text()
            assert view.run_b.label.height() >= view.run_b.label.fontMetrics().lineSpacing()
            assert view.hist_plot.vb.height() >= 50, (where, view.hist_plot.vb.height())
        assert problems(window) == [], where
