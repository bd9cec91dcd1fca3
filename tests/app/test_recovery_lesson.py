"""Recovered work from a lesson goes back to that lesson, at the step the learner was at,
with its views, but with the recovered run and settings (no step is applied again)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot


def shown(qtbot, w):
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    wait_snapshot(qtbot, w, lambda s: True)
    return w


def open_lesson(qtbot, w, number):
    panel = w.lesson_panel
    row = next(i for i, le in enumerate(panel.lessons) if le.number == number)
    item = panel.list.item(row)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == number)
    return panel.opened


def test_recovered_work_from_a_lesson_reopens_the_lesson_at_its_step(qtbot):
    w = shown(qtbot, MainWindow(recover=False))
    try:
        lesson = open_lesson(qtbot, w, 4)
        panel = w.lesson_panel
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert panel.step_index == 2
        w.doc.edit_config("Learning rate", learning_rate=0.0123)  # the learner's own setting, after the step
        wait_snapshot(qtbot, w, lambda s: s.config.learning_rate == 0.0123)
        for _ in range(5):
            w.act_step.trigger()
        snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 5)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 5 and w.doc.modified)
        weights = [x.copy() for x in snap.weights]
        w.files.write_autosave()
        w.files.autosave._lock.unlock()  # as if its process had crashed
        r = shown(qtbot, MainWindow(recover=True))
        try:
            p = r.lesson_panel
            assert p.opened is not None and p.opened.number == lesson.number
            assert p.step_index == 2 and p.step_title.text().startswith(f"Step 3 of {len(lesson.steps)}")
            assert p.apply_button.isEnabled() == lesson.steps[2].has_action  # the lesson is open: steps apply
            assert not r.lesson_panel.visibleRegion().isEmpty()  # the lesson's text is in front
            front = lesson.steps[2].view
            assert front and not r.view_for(front).visibleRegion().isEmpty()  # step 3's view too
            # the recovered run and settings, not the lesson's or a step's
            got = wait_snapshot(qtbot, r, lambda s: s.iteration == 5)
            assert r.doc.config.learning_rate == 0.0123 and got.config.learning_rate == 0.0123
            assert all((a == b).all() for a, b in zip(weights, got.weights))
            assert r.doc.modified and r.doc.undo_stack.count() == 0
        finally:
            discard_and_close(r)
    finally:
        discard_and_close(w)


def test_recovered_work_from_no_lesson_opens_no_lesson(qtbot):
    w = shown(qtbot, MainWindow(recover=False))
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 1 and w.doc.modified)
        w.files.write_autosave()
        w.files.autosave._lock.unlock()
        r = MainWindow(recover=True)
        try:
            assert r.lesson_panel.opened is None and r.doc.modified
        finally:
            discard_and_close(r)
    finally:
        discard_and_close(w)
