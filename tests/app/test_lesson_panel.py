"""Lessons in the window: the panel opens a lesson's project, steps apply undoably and
bring their view to the front, and the Lessons menu lists every lesson."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.app.lessons import load_lessons
from nnstudio.app.main_window import MainWindow
from nnstudio.app.panels.lesson_panel import LessonPanel
from window_helpers import discard_and_close, wait_snapshot

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    discard_and_close(w)


def in_front(w: MainWindow, name: str) -> bool:
    QApplication.processEvents()
    dock = w.view_docks[name]
    return dock.isVisible() and not dock.widget().visibleRegion().isEmpty()


def open_from_panel(qtbot, w: MainWindow, number: int) -> None:
    panel = w.lesson_panel
    panel.list.setCurrentRow(next(i for i, le in enumerate(panel.lessons) if le.number == number))
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)


def test_lessons_menu_lists_every_lesson(window):
    actions = window.lessons_menu.actions()
    labels = [a.text() for a in actions]
    n = len(load_lessons())
    assert labels[:n] == [le.label for le in load_lessons()]
    assert actions[n].isSeparator() and actions[n + 1:] == [window.act_open_lesson, window.act_save_lesson]
    assert len(labels) >= 12 and labels[0] == "1. One neuron"
    assert "LessonPanel" in window.view_docks


def test_opening_lesson_1_loads_its_project_with_the_notes_weights(qtbot, window):
    open_from_panel(qtbot, window, 1)
    lesson = window.lesson_panel.lesson_by_number(1)
    assert window.lesson_panel.opened is lesson
    assert window.doc.network.hidden == () and window.doc.network.layer_sizes == (3, 1)
    assert Path(window.doc.data_spec.csv_path).name == "one_neuron.csv"
    assert window.doc.config.batch_mode == "sgd" and window.doc.config.learning_rate == 0.5
    snap = wait_snapshot(qtbot, window, lambda s: s.iteration == 0 and s.weights[0].shape == (3, 1))
    np.testing.assert_array_equal(snap.weights[0].ravel(), [2, 3, -1])
    np.testing.assert_array_equal(snap.biases[0], [0.5])
    assert in_front(window, "InspectorView") and in_front(window, "LessonPanel")
    assert not window.isWindowModified()
    # the first step: one phase shows the worked example
    window.act_phase.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: s.phase is not None and s.phase.phase == "forward")
    assert snap.phase.z[0][0] == pytest.approx(2.6)
    assert "2.6" in window.inspector_view.text()


def test_after_file_new_the_lesson_steps_no_longer_apply(qtbot, window):
    open_from_panel(qtbot, window, 4)
    assert window.lesson_panel.opened is not None
    window.files.new()
    assert window.lesson_panel.opened is None
    before = window.doc.state
    with qtbot.assertNotEmitted(window.lesson_panel.sigApplyStep):
        window.lesson_panel.apply_current()
    assert window.doc.state == before


def test_a_step_changes_the_settings_undoably_restarts_and_raises_its_view(qtbot, window):
    window.lessons.open_lesson(window.lesson_panel.lesson_by_number(4))
    panel = window.lesson_panel
    wait_snapshot(qtbot, window, lambda s: s.weights[0].shape == (1, 1) and s.biases[0][0] == 1.5)
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    i = next(k for k, s in enumerate(panel.shown.steps) if s.title.startswith("Too large"))
    panel.go_to_step(i)
    assert panel.step_title.text().startswith(f"Step {i + 1} of ")
    assert panel.apply_button.isEnabled()
    with qtbot.waitSignal(panel.sigApplyStep):
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert window.doc.config.learning_rate == 3.0
    snap = wait_snapshot(qtbot, window, lambda s: s.iteration == 0 and s.lr == pytest.approx(3.0))
    assert snap.weights[0][0, 0] == -1.0 and snap.biases[0][0] == 1.5  # started over from the lesson's weights
    assert in_front(window, "LossView")
    window.act_play.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "learning rate 3" in window.banner.label.text(),
                    timeout=8000)
    window.act_undo.trigger()
    assert window.doc.config.learning_rate == 0.1
    window.act_redo.trigger()
    assert window.doc.config.learning_rate == 3.0


def test_a_step_that_changes_the_network_and_data(qtbot, window):
    window.lessons.open_lesson(window.lesson_panel.lesson_by_number(9))
    panel = window.lesson_panel
    panel.go_to_step(next(k for k, s in enumerate(panel.shown.steps) if s.title.startswith("Spiral: sin")))
    panel.apply_current()
    assert window.doc.data_spec.name == "spiral"
    assert window.doc.data_spec.features == ("x1", "x2", "sin(x1)", "sin(x2)")
    assert window.doc.network.layer_sizes == (4, 4, 1)
    wait_snapshot(qtbot, window, lambda s: tuple(s.layer_sizes) == (4, 4, 1))
    window.act_undo.trigger()
    assert window.doc.data_spec.name == "xor" and window.doc.network.layer_sizes == (2, 1)


def test_opening_a_lesson_asks_to_save_unsaved_work(qtbot, window, monkeypatch):
    window.doc.edit_config("Learning rate", "lr", learning_rate=0.2)
    asked = []

    def cancel(*args, **kwargs):
        asked.append(args)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    assert window.lessons.open_lesson(window.lesson_panel.lesson_by_number(2)) is False
    assert asked and window.doc.config.learning_rate == 0.2
    assert window.lesson_panel.opened is None
    # the menu opens it once the changes may be discarded
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    action = next(a for a in window.lessons_menu.actions() if a.text().startswith("2. "))
    action.trigger()
    assert window.lesson_panel.opened.number == 2
    snap = wait_snapshot(qtbot, window, lambda s: tuple(s.layer_sizes) == (2, 2, 1))
    np.testing.assert_allclose(snap.weights[0], [[3.7, 2.9], [3.7, 2.9]])
    np.testing.assert_allclose(snap.weights[1].ravel(), [4.5, -5.2])
    np.testing.assert_allclose(snap.biases[1], [-2.0])


# ------------------------------------------------------------------------------ the panel alone
def test_panel_steps_apply_only_for_the_open_lesson(qtbot):
    panel = LessonPanel(load_lessons(LESSON_DIR))
    qtbot.addWidget(panel)
    assert panel.list.count() == 12 and panel.list.item(0).text() == "1. One neuron"
    panel.list.setCurrentRow(3)
    assert panel.shown.number == 4
    assert panel.lesson_title.text() == "4. The learning rate"
    assert "the learning rate η says how far to go" in panel.intro.toPlainText()
    assert "w ← w − η·∂J/∂w" in panel.intro.toPlainText()
    assert not panel.apply_button.isEnabled()  # not open yet
    with qtbot.waitSignal(panel.sigOpenLesson) as sig:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert sig.args[0] is panel.shown
    panel.set_opened(panel.shown)
    assert panel.apply_button.isEnabled() and not panel.prev_button.isEnabled()
    assert not panel.chooser.isVisibleTo(panel)  # the list makes room for the text …
    panel.list_toggle.click()
    assert panel.chooser.isVisibleTo(panel)  # … and comes back with ☰
    panel.next_step()
    panel.next_step()
    assert panel.step_index == 2 and panel.step_title.text().startswith("Step 3 of 5")
    assert "learning rate η = 0.9" in panel.step_text.toPlainText()
    with qtbot.waitSignal(panel.sigApplyStep) as sig:
        panel.apply_current()
    assert sig.args[1] == 2
    panel.intro.anchorClicked.emit(QUrl("step:4"))
    assert panel.step_index == 4 and not panel.next_button.isEnabled()


def test_panel_reports_a_broken_lesson_file(qtbot, tmp_path):
    shutil.copytree(LESSON_DIR / "data", tmp_path / "data")
    shutil.copy(LESSON_DIR / "01_one_neuron.json", tmp_path)
    raw = json.loads((LESSON_DIR / "04_learning_rate.json").read_text(encoding="utf-8"))
    raw["steps"][0]["apply"]["train"]["learning_rate"] = 0
    (tmp_path / "04_learning_rate.json").write_text(json.dumps(raw), encoding="utf-8")
    problems: list[str] = []
    lessons = load_lessons(tmp_path, problems=problems)
    panel = LessonPanel(lessons, problems)
    qtbot.addWidget(panel)
    assert [le.number for le in lessons] == [1]
    assert "04_learning_rate.json, steps[0].apply.train: the learning rate must be greater than 0" in \
        panel.problem_label.text()


def test_panel_asks_to_show_a_step_only_for_the_open_lesson(qtbot):
    panel = LessonPanel(load_lessons(LESSON_DIR))
    qtbot.addWidget(panel)
    panel.list.setCurrentRow(0)
    with qtbot.assertNotEmitted(panel.sigShowStep):  # only being read: nothing to show in the window
        panel.next_step()
    assert panel.step_index == 1 and "Preview" in panel.step_text.toPlainText()
    panel.set_opened(panel.shown)
    assert panel.step_index == 0 and "Preview" not in panel.step_text.toPlainText()
    with qtbot.waitSignal(panel.sigShowStep) as sig:
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert sig.args == [panel.opened, 1]
    with qtbot.waitSignal(panel.sigShowStep) as sig:
        panel.intro.anchorClicked.emit(QUrl("step:3"))
    assert sig.args[1] == 3
    with qtbot.waitSignal(panel.sigShowStep) as sig:
        qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    assert sig.args[1] == 2
    # reading another lesson meanwhile shows its steps without asking
    panel.list.setCurrentRow(1)
    with qtbot.assertNotEmitted(panel.sigShowStep):
        panel.next_step()
    # the panel's buttons never keep the keyboard: Space and → stay training's keys
    for button in (panel.prev_button, panel.apply_button, panel.next_button, panel.open_button):
        assert button.focusPolicy() == Qt.FocusPolicy.TabFocus
