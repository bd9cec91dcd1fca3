"""A lesson step that compares two runs, in the window: Apply sets up run A (settings,
restart) and then asks the window's comparison session to fork run B with the step's
changes; applying a step that changes A, or opening a lesson, ends the comparison first;
a step that only shows views, and Next and Previous, leave it open.

The comparison session here records what it is asked (``start``, ``close_b``,
``active``: the interface the window's ComparisonSession offers); what B then shows is
checked headless in tests/core/test_lesson_comparisons.py.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.errors import SpecError
from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot


class RecordingComparison:
    """Answers as a comparison session does and records each request with the run A
    it was made against (η and the iteration the window shows)."""

    def __init__(self, window: MainWindow, refuse: str | None = None) -> None:
        self.window = window
        self.active = False
        self.calls: list[tuple] = []
        self.refuse = refuse

    def start(self, changes: str) -> None:
        self.calls.append(("start", changes, self.window.doc.config.learning_rate))
        if self.refuse:
            raise SpecError(self.refuse)
        self.active = True

    def close_b(self, ask: bool = True) -> bool:
        self.calls.append(("close_b",))
        self.active = False
        return True


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def open_lesson(qtbot, w: MainWindow, number: int):
    panel = w.lesson_panel
    panel.list.setCurrentRow(next(i for i, le in enumerate(panel.lessons) if le.number == number))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert panel.opened is not None and panel.opened.number == number
    return panel.opened


def apply(qtbot, w: MainWindow) -> None:
    with qtbot.waitSignal(w.lesson_panel.sigApplyStep):
        qtbot.mouseClick(w.lesson_panel.apply_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def test_a_comparison_step_forks_b_after_setting_up_a(qtbot, window):
    cmp = RecordingComparison(window)
    window.lessons.comparison = cmp
    lesson = open_lesson(qtbot, window, 4)
    panel = window.lesson_panel
    assert panel.step_index == 0 and lesson.steps[0].compare == "lr=0.1"
    assert "then run B beside it (B: η = 0.1)" in panel.step_text.toPlainText()
    assert "then run B beside it" in panel.apply_button.toolTip()
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    apply(qtbot, window)
    # A first: η = 0.001, restarted from the lesson's weights; then B with the step's changes
    assert cmp.calls == [("start", "lr=0.1", 0.001)] and cmp.active
    snap = wait_snapshot(qtbot, window, lambda s: s.iteration == 0 and s.lr == pytest.approx(0.001))
    assert snap.weights[0][0, 0] == -1.0 and snap.biases[0][0] == 1.5
    # Next and Previous leave B open
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    assert cmp.calls == [("start", "lr=0.1", 0.001)] and cmp.active
    # a step that changes A ends the comparison before it changes anything
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    apply(qtbot, window)
    assert cmp.calls[1:] == [("close_b",)] and not cmp.active
    assert window.doc.config.learning_rate == 0.1
    # applying the comparison step again: a fresh A, a fresh B
    qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    apply(qtbot, window)
    assert cmp.calls[2:] == [("start", "lr=0.1", 0.001)] and cmp.active
    apply(qtbot, window)  # once more: the open B goes first
    assert cmp.calls[3:] == [("close_b",), ("start", "lr=0.1", 0.001)]


def test_a_step_that_only_shows_views_leaves_b_open_and_a_new_lesson_ends_it(qtbot, window):
    cmp = RecordingComparison(window)
    window.lessons.comparison = cmp
    lesson = open_lesson(qtbot, window, 6)
    cmp.active = True  # as if the learner had started a comparison from the menu
    assert not lesson.steps[0].changes_run
    apply(qtbot, window)  # the race on the bowl: views only
    assert cmp.calls == [] and cmp.active
    open_lesson(qtbot, window, 4)
    assert cmp.calls == [("close_b",)] and not cmp.active


def test_a_refused_run_b_is_reported_and_a_stays(qtbot, window):
    cmp = RecordingComparison(window, refuse="B would need more memory than allowed")
    window.lessons.comparison = cmp
    open_lesson(qtbot, window, 4)
    with qtbot.waitSignal(window.lessons.sigMessage) as sig:
        apply(qtbot, window)
    assert sig.args == ["error", "Run B of this lesson step could not be started: B would need more memory than "
                                 "allowed"]
    assert window.doc.config.learning_rate == 0.001 and not cmp.active


def test_without_a_comparison_session_the_step_sets_up_a_alone(qtbot, window):
    window.lessons.comparison = None
    open_lesson(qtbot, window, 10)
    apply(qtbot, window)
    assert window.doc.config.l2 == 0.0 and window.doc.config.early_stopping == "off"
    wait_snapshot(qtbot, window, lambda s: s.iteration == 0)


def test_lesson_4_runs_both_in_the_real_window(qtbot, window, monkeypatch):
    """The window's own comparison session: Apply forks B = η 0.1 beside A = η 0.001; both
    step in lockstep; the next step that changes A asks before closing a trained B."""
    from PySide6.QtWidgets import QMessageBox

    window.activateWindow()
    open_lesson(qtbot, window, 4)
    with qtbot.waitSignal(window.comparison.sigChanged, timeout=20000):
        apply(qtbot, window)
    assert window.comparison.active and window.comparison.label == "B: η = 0.1"
    for _ in range(5):
        window.act_step.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: s.b is not None and s.b.iteration == 5 and s.iteration == 5)
    assert snap.lr == pytest.approx(0.001) and snap.b.lr == pytest.approx(0.1)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    window.lesson_panel.step_index = 1
    window.lessons.apply_step(window.lesson_panel.opened, 1)
    assert asked and window.comparison.active  # kept: the learner cancelled, the step was not applied
    assert window.doc.config.learning_rate == pytest.approx(0.001)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Close)
    window.lessons.apply_step(window.lesson_panel.opened, 1)
    assert not window.comparison.active
    wait_snapshot(qtbot, window, lambda s: s.b is None)


def _save_lesson(qtbot, w: MainWindow, title: str):
    """File › Save as lesson…, typed into as a teacher would; returns the dialog once it has saved."""
    w.act_save_lesson.trigger()
    dialog = w.teacher.lesson_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.title_edit, title)
    dialog.intro_edit.setFocus()
    qtbot.keyClicks(dialog.intro_edit, "Two runs from one start.")
    return dialog


def test_save_as_lesson_keeps_run_b_and_the_lesson_brings_back_both_runs(qtbot, window):
    """A teacher compares momentum at η 0.3 with the present run (Adam), saves the lesson; a learner
    opens it in another window and applies step 1: run B is there again, with the same
    changes and legend, and both runs step exactly as headless runs from the lesson's start."""
    import json

    import numpy as np
    from PySide6.QtWidgets import QCheckBox

    from nnstudio.app.compare_text import changes_text
    from nnstudio.app.lessons import lesson_state, load_lesson, trainer_for, user_lessons_folder
    from nnstudio.core.comparison import Comparison
    from nnstudio.core.data import prepare

    w = window
    # no comparison open: the choice is there, greyed, and the lesson compares nothing
    dialog = _save_lesson(qtbot, w, "One run")
    box = dialog.findChild(QCheckBox, "lesson_compare_box")
    assert not box.isEnabled() and not box.isChecked() and "no comparison is open" in box.text()
    assert not dialog.compare_note.isVisible()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    one = json.loads((user_lessons_folder() / "one_run.json").read_text(encoding="utf-8"))
    assert all("compare" not in s for s in one["steps"])

    for _ in range(3):
        w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000):
        w.comparison.start("lr=0.3 optimizer=momentum")
    label = w.comparison.label
    assert label == "B: η = 0.3, Momentum instead of Adam"
    for _ in range(2):
        w.act_step.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 5 and s.b is not None and s.b.iteration == 5)
    a_weights = np.concatenate([m.ravel() for m in snap.weights] + [b.ravel() for b in snap.biases])

    dialog = _save_lesson(qtbot, w, "Momentum beside Adam")
    box = dialog.findChild(QCheckBox, "lesson_compare_box")
    assert box.isEnabled() and box.isChecked() and dialog.compare_note.isVisible()
    assert dialog.compare_note.text() == f"Run {label}"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    path = user_lessons_folder() / "momentum_beside_adam.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["steps"][0]["compare"] == "lr=0.3 optimizer=momentum" and raw["steps"][0]["restart"] is True
    w.comparison.close_b(ask=False)  # one engine less on two cores
    assert w.comparison.changes is None  # a lesson saved now compares nothing

    fresh = MainWindow()
    try:
        fresh.resize(1366, 768)
        fresh.show()
        qtbot.waitExposed(fresh)
        assert fresh.teacher.open_lesson_file(str(path))
        assert not fresh.comparison.active and fresh.lesson_panel.step_index == 0
        with qtbot.waitSignal(fresh.comparison.sigChanged, timeout=20000):
            apply(qtbot, fresh)
        assert fresh.comparison.active and fresh.comparison.label == label
        assert changes_text(fresh.comparison.changes) == "lr=0.3 optimizer=momentum"
        for _ in range(4):
            fresh.act_step.trigger()
        got = wait_snapshot(qtbot, fresh, lambda s: s.iteration == 4 and s.b is not None and s.b.iteration == 4)
        assert got.b_label == label

        # headless: the lesson's A from the weights A had when the lesson was saved, B forked from it
        network, config, data, weights = lesson_state(load_lesson(path))
        np.testing.assert_array_equal(weights, a_weights)
        ref = Comparison.fork(trainer_for(network, config, prepare(data), weights), "lr=0.3 optimizer=momentum")
        ref.run(iterations=4)
        for run_snap, run in ((got, ref.a), (got.b, ref.b)):
            for shown, layer in zip(run_snap.weights, run.network.layers):
                np.testing.assert_array_equal(shown, layer.W)
            for shown, layer in zip(run_snap.biases, run.network.layers):
                np.testing.assert_array_equal(shown, layer.b)
        assert got.b.config.optimizer == "momentum" and got.b.config.learning_rate == 0.3
    finally:
        discard_and_close(fresh)
