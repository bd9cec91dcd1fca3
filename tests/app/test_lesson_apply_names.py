"""A step's 'Apply step' line names settings and their values as the panels do. Lesson 10's
last steps read 'early stopping = patience; … restore best = on' and 'early stopping =
target; target metric = val_accuracy', names from the file format the learner finds
nowhere: the Training panel says 'When val. loss stalls', 'Restore the best weights',
'At a target value' and 'Validation accuracy'. Lesson 11 said 'n classes = 3'."""
from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.app.lesson_text import describe_changes
from nnstudio.app.lessons import load_lessons
from nnstudio.app.panels.training_panel import METRIC_TEXTS, STOP_TEXTS

from window_helpers import discard_and_close, open_window


def test_every_bundled_step_names_values_as_the_panels_do():
    for lesson in load_lessons():
        for step in lesson.steps:
            line = describe_changes(step)
            for raw in ("val_accuracy", "= patience", "= target", "restore best", "n classes"):
                assert raw not in line, (lesson.number, step.title, line)


def test_lesson_10_in_the_window(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        next(a for a in w.lessons_menu.actions() if a.text().startswith("10.")).trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 10, timeout=10000)
        texts = []
        while panel.next_button.isEnabled():
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
            texts.append(panel.step_text.toPlainText())
        patience, target = texts[-2], texts[-1]
        assert f"early stopping = {STOP_TEXTS['patience'].lower()}" in patience, patience
        assert "restore the best weights = on" in patience, patience
        assert f"early stopping = {STOP_TEXTS['target'].lower()}" in target, target
        assert f"target metric = {METRIC_TEXTS['val_accuracy'].lower()}" in target, target
        assert "val_accuracy" not in target
    finally:
        discard_and_close(w)
