"""Making run B with its own weights late in a run, in the window: the status bar says how
far it is and offers Cancel (Esc and the toolbar's Stop do the same); meanwhile what
would move run A is refused with a message and the settings are locked; cancelling leaves
run A bit for bit as it was, with no run B anywhere; a B that is made is the run one
call would have made."""
from __future__ import annotations

import hashlib
import operator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.app.comparison_session import MAKING
from nnstudio.app.main_window import MainWindow
from nnstudio.core.run_changes import RunChanges
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


def run_digest(trainer: Trainer) -> str:
    """What making or cancelling B must leave alone in run A (computed in the engine)."""
    h = hashlib.sha256()
    opt = trainer.optimizer.get_state()
    for part in (trainer.network.params, trainer.history.iterations.array(), trainer.history.layers.array(),
                 trainer.history.epochs.array(), trainer.trajectory_array()[1], trainer.perm,
                 *(opt[n] for n in trainer.optimizer.state_names if n in opt)):
        h.update(np.ascontiguousarray(part).tobytes())
    h.update(repr((trainer.iteration, trainer.epoch, trainer.pos, opt["step"], trainer.shuffle_rng.bit_generator.state,
                   trainer.dropout_rng.bit_generator.state, trainer.earliest_iteration,
                   trainer.furthest_iteration)).encode())
    return h.hexdigest()


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    w.activateWindow()  # the training keys are the active window's shortcuts
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def key(qtbot, w, k: Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget() or w, k)


def train_to(qtbot, w, at_least: int) -> int:
    """Play as fast as possible until run A has trained ``at_least`` iterations, then pause."""
    w.speed.set_speed(0)
    w.focus_views()
    key(qtbot, w, Qt.Key.Key_Space)
    wait_snapshot(qtbot, w, lambda s: s.iteration >= at_least, timeout=60000)
    key(qtbot, w, Qt.Key.Key_Space)
    return wait_snapshot(qtbot, w, lambda s: not s.playing).iteration


def test_cancelling_a_late_run_b_with_its_own_weights_leaves_run_a_as_it_was(qtbot, window):
    w = window
    at = train_to(qtbot, w, 40_000)
    before = w.controller.call_and_wait(run_digest, 5000)
    undo_count = w.doc.undo_stack.count()
    # a wide B trains slowly: its catch-up takes many seconds (the test cancels it long before)
    with qtbot.waitSignal(w.controller.sigMakingB, timeout=10000) as progress:
        w.comparison.start("hidden=96,96")
    assert progress.args == [0, at]
    assert w.comparison.making and not w.comparison.active
    assert w.task_progress.isVisible() and w.task_progress.label.text() == f"Making run B: 0 of {at:,} iterations (0 %)"
    assert w.act_play.text() == "&Stop" and not w.act_compare.isEnabled()
    assert not w.training_panel.isEnabled() and w.training_panel.toolTip() == MAKING
    # the window answers meanwhile: a step is refused with a message, an edit with its reason
    key(qtbot, w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.banner_bar.isVisible() and "still being made" in w.banner.label.text(), timeout=5000)
    assert w.banner.label.text() == "Run B is still being made: wait until it is ready, or cancel it (Esc)."
    w.session.reset_weights()
    assert w.doc.undo_stack.count() == undo_count
    # Esc cancels
    with qtbot.waitSignal(w.comparison.sigMaking, timeout=10000) as ended:
        key(qtbot, w, Qt.Key.Key_Escape)
    assert ended.args == [False]
    assert not w.comparison.making and not w.comparison.active
    assert w.statusBar().currentMessage() == "Making run B was cancelled; run A is as it was."
    assert not w.task_progress.isVisible() and not w.comparison_badge.isVisible()
    assert w.act_play.text() == "&Play" and w.act_play.toolTip() == "Train continuously / pause (Space)"
    assert w.act_compare.isEnabled() and w.training_panel.isEnabled() and w.training_panel.toolTip() == ""
    assert w.controller.call_and_wait(run_digest, 5000) == before
    assert w.doc.undo_stack.count() == undo_count
    w.controller.request_snapshot()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is None and s.b_label in (None, ""))
    assert snap.iteration == at
    # run A alone goes on: one step is one iteration
    w.focus_views()
    key(qtbot, w, Qt.Key.Key_Right)
    wait_snapshot(qtbot, w, lambda s: s.iteration == at + 1 and s.b is None)


def test_stop_on_the_toolbar_cancels_too_and_a_second_run_b_can_be_made(qtbot, window):
    w = window
    at = train_to(qtbot, w, 30_000)
    before = w.controller.call_and_wait(run_digest, 5000)
    with qtbot.waitSignal(w.controller.sigMakingB, timeout=10000):
        w.comparison.start("hidden=96,96 seed=3")
    with qtbot.waitSignal(w.comparison.sigMaking, timeout=10000):
        w.act_play.trigger()
    assert not w.controller.playing and w.controller.call_and_wait(run_digest, 5000) == before
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000) as started:
        w.comparison.start("lr=0.3")  # goes on from A's weights: ready at once
    assert started.args == [True] and w.comparison.label == "B: η = 0.3"
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == at)
    assert snap.iteration == at


def test_a_late_run_b_that_is_made_is_the_run_one_call_makes(qtbot, window):
    w = window
    at = train_to(qtbot, w, 3000)
    changes = RunChanges.parse("hidden=5,3")
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=60000) as started:
        w.comparison.start(changes)
    assert started.args == [True] and not w.comparison.making and not w.task_progress.isVisible()
    assert w.act_play.text() == "&Play"
    got = w.controller._wait_for(lambda done, failed: w.controller.call_b(
        operator.attrgetter("network.params"), done, failed), 10000)
    spec_b, config_b = changes.apply(w.doc.network, w.doc.config)
    one = Trainer(spec_b, config_b, w.doc.prepared)
    one.run(iterations=at)  # one call, from iteration 0
    assert got.tobytes() == one.network.params.tobytes()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None)
    assert snap.b.iteration == snap.iteration == at


def test_a_new_project_while_run_b_is_made_cancels_it(qtbot, window, monkeypatch):
    w = window
    train_to(qtbot, w, 30_000)
    with qtbot.waitSignal(w.controller.sigMakingB, timeout=10000):
        w.comparison.start("hidden=96,96")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    with qtbot.waitSignal(w.comparison.sigMaking, timeout=10000):
        w.act_new.trigger()
    assert w.statusBar().currentMessage() == "Making run B was cancelled: the run it was made from was replaced."
    assert not w.comparison.making and not w.task_progress.isVisible() and w.training_panel.isEnabled()
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.b is None)
    assert snap.b_label in (None, "")
