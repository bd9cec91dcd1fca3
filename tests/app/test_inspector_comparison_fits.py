"""With two runs, the Inspect workspace still fits learners' screens: the step inspector
with B's blocks, the gradient view with paired bars and the network view saying "run A",
inside the window, no text cut."""

from __future__ import annotations

import pytest

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.main_window import MainWindow
from test_layout_fits import problems, settle
from window_helpers import discard_and_close


@pytest.fixture(scope="module")
def loss_phase_pair():
    cmp, prepared = comparison_for("lr=0.3", iterations=20)
    for _ in range(2):
        phases = cmp.step_phase(5)
    return pair_snapshot(cmp, prepared, phases=phases)


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)])
def test_inspect_workspace_fits_with_two_runs(qtbot, loss_phase_pair, size):
    w = MainWindow()
    w.show()
    qtbot.waitExposed(w)
    try:
        w.resize(*size)
        w.workspaces.switch("inspect")
        w.workspaces.reset()
        w.view_docks["GradientView"].raise_()
        settle(300)
        for view in (w.inspector_view, w.gradient_view, w.network_view):
            view.show_snapshot(loss_phase_pair)
        settle(300)
        assert (w.width(), w.height()) == size
        assert problems(w) == []
        inspector = w.inspector_view
        assert inspector.isVisible() and inspector.width() >= 300 and inspector.browser.height() >= 300
        # the equations wrap: nothing to scroll sideways; the current phase (with B's block) is shown
        assert not inspector.browser.horizontalScrollBar().isVisible()
        assert inspector.browser.horizontalScrollBar().maximum() == 0
        assert "B: η = 0.3" in inspector.text() and "2 · Loss" in inspector.text()
        assert inspector.browser.verticalScrollBar().value() > 0  # scrolled to the loss phase
        grad = w.gradient_view
        assert grad.isVisible() and grad.runs_label.isVisible() and grad.ratio_label_b.isVisible()
        assert grad.bar_plot.vb.height() >= 40
        assert w.network_view.run_label.isVisible()  # "run A" in the network's header
    finally:
        discard_and_close(w)
