"""Going back in a reopened long run, in the window: the rewind slider is dragged as a learner
drags it; the status bar says where the run is going and how far the replay is, with a
progress bar and Cancel; the window answers meanwhile (what would change the run is refused
with a message; saving saves the run as it stood); Esc leaves the run exactly as it was,
with nothing added to undo; a rewind that ends lands where one call of ``Trainer.rewind``
lands, and undo brings the run back."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionSlider

from nnstudio.app.document import default_state
from nnstudio.app.engine_rewind import REWINDING_BUSY
from nnstudio.app.main_window import MainWindow
from nnstudio.core.project import (load_project, prepare_project_data, project_from_trainer, save_project,
                                   trainer_from_project)
from nnstudio.core.data import prepare
from nnstudio.core.trainer import Trainer
from test_making_run_b import run_digest
from window_helpers import discard_and_close, wait_snapshot

#: long enough that going back to its middle takes seconds here (~30,000 iterations/s)
LONG = 150_000


@pytest.fixture(scope="module")
def long_project(tmp_path_factory):
    """The default example trained LONG iterations, saved (its timeline keeps its start only)."""
    st = default_state()
    run = Trainer(st.network, st.config, prepare(st.data))
    run.run(iterations=LONG)
    return save_project(tmp_path_factory.mktemp("long") / "long.nnstudio", project_from_trainer(run, st.data))


@pytest.fixture
def window(qtbot, long_project):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    assert w.files.open(str(long_project))
    wait_snapshot(qtbot, w, lambda s: s.iteration == LONG)
    yield w
    discard_and_close(w)


def drag_slider_to(qtbot, w, fraction: float) -> int:
    """Drag the rewind slider's handle from the present to ``fraction`` of its groove and
    let go, as a learner does; the iteration it was let go at."""
    slider = w.timeline.slider
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    style = slider.style()
    handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, slider)
    groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, slider)
    start = handle.center()
    end = QPoint(int(groove.left() + fraction * groove.width()), start.y())
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 11):
        qtbot.mouseMove(slider, QPoint(start.x() + (end.x() - start.x()) * k // 10, start.y()))
    target = slider.sliderPosition()
    assert w.timeline.label.text() == f"→ {target:,}"
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=end)
    return target


def shown(w, key: str) -> str:
    return w.counters.values[key].text()


def test_a_long_rewind_says_how_far_it_is_and_esc_leaves_the_run_as_it_was(qtbot, window, long_project):
    w = window
    before = w.controller.call_and_wait(run_digest, 5000)
    undo_count = w.doc.undo_stack.count()
    loss_before = shown(w, "loss")
    assert shown(w, "iteration") == f"{LONG:,}" and loss_before != "–"
    with qtbot.waitSignal(w.controller.sigRewinding, timeout=10000) as progress:
        target = drag_slider_to(qtbot, w, 0.5)
    assert LONG // 3 < target < 2 * LONG // 3
    assert progress.args[0] == target and progress.args[2] == target  # replayed from iteration 0
    text = w.task_progress.label.text()
    assert w.task_progress.isVisible()
    assert re.fullmatch(rf"Going back to iteration {target:,}: replaying [\d,]+ of {target:,} iterations "
                        r"\(\d+ %\)", text), text
    assert 0 < w.task_progress.bar.value() < 1000
    assert w.act_play.text() == "&Stop" and not w.training_panel.isEnabled() and not w.timeline.isEnabled()
    assert not w.act_undo.isEnabled()
    # the window answers meanwhile: a step is refused with a message
    w.network_view.setFocus()
    qtbot.keyClick(w.network_view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.banner_bar.isVisible() and w.banner.label.text() == REWINDING_BUSY, timeout=5000)
    # an edit from a view is refused with its reason, and nothing goes on the undo stack
    w.session.reset_weights()
    assert w.doc.undo_stack.count() == undo_count
    # saving meanwhile saves the run as it stood before the rewind
    saved = w.session.project({}, "x", timeout_ms=5000)
    assert saved.trainer_state.iteration == LONG
    # Esc cancels
    with qtbot.waitSignal(w.session.sigRewinding, timeout=10000) as ended:
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Escape)
    assert ended.args == [None]
    assert w.statusBar().currentMessage() == "Going back was cancelled; the run is as it was."
    assert not w.task_progress.isVisible() and w.act_play.text() == "&Play"
    assert w.training_panel.isEnabled() and w.timeline.isEnabled() and w.act_undo.isEnabled() == (undo_count > 0)
    assert w.controller.call_and_wait(run_digest, 5000) == before
    assert w.doc.undo_stack.count() == undo_count
    w.controller.request_snapshot()
    snap = wait_snapshot(qtbot, w, lambda s: s.evaluated_at == s.iteration)
    assert snap.iteration == LONG and shown(w, "iteration") == f"{LONG:,}" and shown(w, "loss") == loss_before
    assert w.timeline.slider.value() == LONG
    # going back again at once: the word about the cancel goes when the new strip shows
    assert w.statusBar().currentMessage() == "Going back was cancelled; the run is as it was."
    with qtbot.waitSignal(w.controller.sigRewinding, timeout=10000):
        drag_slider_to(qtbot, w, 0.5)
    assert w.task_progress.isVisible() and w.statusBar().currentMessage() == ""
    with qtbot.waitSignal(w.session.sigRewinding, timeout=10000):
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Escape)
    assert w.controller.call_and_wait(run_digest, 5000) == before


def test_a_rewind_that_ends_lands_where_one_call_lands_and_undo_brings_the_run_back(qtbot, window, long_project):
    w = window
    before = w.controller.call_and_wait(run_digest, 5000)
    target = drag_slider_to(qtbot, w, 0.2)
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == target and s.evaluated_at == target, timeout=60000)
    assert not w.task_progress.isVisible() and w.session.rewinding_to is None
    project = load_project(long_project)
    one = trainer_from_project(project, data=prepare_project_data(project))
    one.rewind(target)
    got = w.controller.call_and_wait(run_digest, 5000)
    assert got == run_digest(one)
    loss = one.evaluate()["loss"]
    assert shown(w, "iteration") == f"{target:,}" and float(shown(w, "loss")) == pytest.approx(loss, rel=1e-3)
    for got_w, want_w in zip(snap.weights, (layer.W for layer in one.network.layers)):
        np.testing.assert_array_equal(got_w, want_w)
    assert w.doc.undo_stack.text(w.doc.undo_stack.index() - 1) == f"Rewind to iteration {target:,}"
    w.act_undo.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == LONG)
    assert w.controller.call_and_wait(run_digest, 5000) == before


def test_with_run_b_open_going_back_moves_both_in_slices_and_esc_leaves_both_as_they_were(qtbot, window):
    w = window
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=120000) as started:
        w.comparison.start("hidden=5,3")  # its own weights: trained from 0 up to A's iteration
    assert started.args == [True]
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == LONG)
    a_before = w.controller.call_and_wait(run_digest, 5000)
    b_before = w.controller._wait_for(lambda done, failed: w.controller.call_b(run_digest, done, failed), 10000)
    with qtbot.waitSignal(w.controller.sigRewinding, timeout=20000) as progress:
        target = drag_slider_to(qtbot, w, 0.5)
    assert progress.args[0] == target and progress.args[2] > target  # A's replay and B's
    assert w.task_progress.isVisible() and w.task_progress.label.text().startswith(
        f"Going back to iteration {target:,}: replaying ")
    with qtbot.waitSignal(w.session.sigRewinding, timeout=10000):
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Escape)
    assert not w.task_progress.isVisible() and w.comparison.active
    assert w.controller.call_and_wait(run_digest, 5000) == a_before
    assert w.controller._wait_for(lambda done, failed: w.controller.call_b(run_digest, done, failed),
                                  10000) == b_before
    w.controller.request_snapshot()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None)
    assert snap.iteration == snap.b.iteration == LONG
