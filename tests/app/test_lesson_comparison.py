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
