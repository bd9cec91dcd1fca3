"""Following a lesson in the window as a learner does: Next and Previous bring each
step's view forward in the lesson's workspace with the marks it sets, the training keys
work right after clicking the panel, and File › New leaves no stale step behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from nnstudio.app.lessons import load_lesson
from nnstudio.app.main_window import MainWindow
from nnstudio.app.panels.lesson_panel import PREVIEW_NOTE
from window_helpers import discard_and_close, wait_snapshot

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # the training keys are the active window's shortcuts
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    yield w
    discard_and_close(w)


@pytest.fixture
def marks(window):
    """What lessons ask of the activation view's marks. The calls go through to the
    view's own mark/clear_marks when it has them; without them (before the activation
    view gains marks) this stand-in only records."""
    view = window.activation_view
    calls: list[tuple] = []
    real_mark, real_clear = getattr(view, "mark", None), getattr(view, "clear_marks", None)

    def mark(z, label=""):
        calls.append(("mark", z, label))
        if real_mark is not None:
            real_mark(z, label)

    def clear_marks():
        calls.append(("clear_marks",))
        if real_clear is not None:
            real_clear()

    view.mark = mark
    view.clear_marks = clear_marks
    return calls


def in_front(w: MainWindow, name: str) -> bool:
    QApplication.processEvents()
    dock = w.view_docks[name]
    return dock.isVisible() and not dock.widget().visibleRegion().isEmpty()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def open_from_panel(qtbot, w: MainWindow, number: int) -> None:
    """Click the lesson in the list, then Open lesson, as a learner does."""
    panel = w.lesson_panel
    if not panel.chooser.isVisible():
        click(qtbot, panel.list_toggle)
    row = next(i for i, le in enumerate(panel.lessons) if le.number == number)
    rect = panel.list.visualItemRect(panel.list.item(row))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(qtbot, panel.open_button)
    assert panel.opened is not None and panel.opened.number == number


def press(qtbot, w: MainWindow, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed wherever the keyboard focus is now (the window when nowhere)."""
    qtbot.keyClick(QApplication.focusWidget() or w, key, modifier)


def test_next_and_previous_show_each_steps_view_with_its_mark(qtbot, window, marks):
    open_from_panel(qtbot, window, 1)
    panel = window.lesson_panel
    assert window.workspaces.current == "inspect" and in_front(window, "InspectorView")
    with qtbot.waitSignal(panel.sigShowStep) as sig:
        click(qtbot, panel.next_button)
    assert sig.args[1] == 1 and panel.step_title.text().startswith("Step 2 of 6: Bias and activation")
    # without Apply: the activation view in front, the sigmoid, z = 2.6 marked
    assert in_front(window, "ActivationView") and window.workspaces.current == "inspect"
    assert window.activation_view.current_activation() == "sigmoid"
    assert marks == [("mark", 2.6, "z = 2.6: σ(2.6) = 0.93, slope 0.064")]
    if hasattr(type(window.activation_view), "mark"):
        assert window.activation_view.marks == [(2.6, "z = 2.6: σ(2.6) = 0.93, slope 0.064")]
    # the next step's view comes forward; the mark of the step before goes
    click(qtbot, panel.next_button)
    assert in_front(window, "InspectorView") and marks[-1] == ("clear_marks",)
    # back: the mark again, once (not one more each time)
    click(qtbot, panel.prev_button)
    assert in_front(window, "ActivationView") and marks[-1] == ("mark", 2.6, "z = 2.6: σ(2.6) = 0.93, slope 0.064")
    assert marks.count(("clear_marks",)) == 1
    # a step's link does the same
    with qtbot.waitSignal(panel.sigShowStep) as sig:
        panel.intro.anchorClicked.emit(QUrl("step:4"))  # the link of step 5 in the lesson's text
    assert sig.args[1] == 4 and in_front(window, "LossView")
    assert window.workspaces.current == "inspect"  # the lesson's workspace, though the loss lives in Explore too


def test_training_keys_work_right_after_clicking_the_panel(qtbot, window):
    open_from_panel(qtbot, window, 1)
    panel = window.lesson_panel
    wait_snapshot(qtbot, window, lambda s: s.iteration == 0)
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # step 1: Shift+→ once
    snap = wait_snapshot(qtbot, window, lambda s: s.phase is not None and s.phase.phase == "forward")
    assert snap.phase.z[0][0] == pytest.approx(2.6) and "2.6" in window.inspector_view.text()
    click(qtbot, panel.next_button)
    click(qtbot, panel.apply_button)  # step 2 only shows a view
    click(qtbot, panel.next_button)
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # step 3: twice more
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    wait_snapshot(qtbot, window, lambda s: s.phase is not None and s.phase.phase == "backward")
    # step 6 restarts with another bias; Space then plays, → steps
    panel.intro.anchorClicked.emit(QUrl("step:5"))
    click(qtbot, panel.apply_button)
    wait_snapshot(qtbot, window, lambda s: s.iteration == 0 and s.biases[0][0] == -3.0)
    press(qtbot, window, Qt.Key.Key_Right)
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    press(qtbot, window, Qt.Key.Key_Space)
    wait_snapshot(qtbot, window, lambda s: s.playing)
    press(qtbot, window, Qt.Key.Key_Space)
    wait_snapshot(qtbot, window, lambda s: not s.playing)


def test_file_new_leaves_no_stale_step(qtbot, window):
    open_from_panel(qtbot, window, 4)
    panel = window.lesson_panel
    for _ in range(3):
        click(qtbot, panel.next_button)
    assert panel.step_title.text().startswith("Step 4 of 5")
    window.files.new()
    assert panel.opened is None
    assert panel.chooser.isVisible()  # back to choosing a lesson
    assert panel.step_index == 0 and panel.step_title.text().startswith("Step 1 of 5")
    assert panel.step_text.toPlainText().startswith(PREVIEW_NOTE)
    assert not panel.apply_button.isEnabled() and panel.open_button.text() == "Open lesson"
    with qtbot.assertNotEmitted(panel.sigShowStep):
        click(qtbot, panel.next_button)
    # the lesson opened again starts at its first step, without the preview note
    click(qtbot, panel.open_button)
    assert panel.opened is not None and panel.step_index == 0
    assert PREVIEW_NOTE not in panel.step_text.toPlainText()


@pytest.mark.parametrize("number, workspace, front", [(9, "explore", "NetworkView"), (10, "inspect", "LossView"),
                                                      (6, "inspect", "RaceView")])
def test_each_lesson_opens_in_its_workspace(qtbot, window, number, workspace, front):
    open_from_panel(qtbot, window, number)
    assert window.workspaces.current == workspace and in_front(window, front)
    lesson = window.lesson_panel.opened
    for i, step in enumerate(lesson.steps):  # every step stays there
        window.lesson_panel.go_to_step(i)
        assert window.workspaces.current == workspace, i
        if step.view is not None:
            assert in_front(window, step.view), (i, step.view)


def test_a_step_can_choose_the_other_workspace(qtbot, window, tmp_path):
    shutil.copytree(LESSON_DIR / "data", tmp_path / "data")
    raw = json.loads((LESSON_DIR / "11_multiclass.json").read_text(encoding="utf-8"))
    raw["steps"][1]["workspace"] = "explore"
    (tmp_path / "11_multiclass.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    lesson = load_lesson(tmp_path / "11_multiclass.json")
    assert window.lessons.open_lesson(lesson)
    assert window.workspaces.current == "inspect"
    window.lessons.show_step(lesson, 1)
    assert window.workspaces.current == "explore" and in_front(window, "BoundaryView")
    window.lessons.show_step(lesson, 0)
    assert window.workspaces.current == "inspect" and in_front(window, "InspectorView")
