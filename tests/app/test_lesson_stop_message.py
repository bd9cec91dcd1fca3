"""Lesson 10: the early-stopping step ends with the status bar saying why training
stopped ("early stopping after epoch 47: … best 0.4209 at epoch 27 …"). Applying the next
step starts training over, but that sentence stayed under the counters reading epoch 0
for its six seconds, as if the new run had stopped too."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def _go_to(qtbot, panel, title: str) -> None:
    while not panel.step_title.text().split(": ", 1)[-1].startswith(title):
        assert panel.next_button.isEnabled(), panel.step_title.text()
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)


def test_the_next_step_does_not_keep_the_old_runs_stop_message(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        lesson10 = next(a for a in w.lessons_menu.actions() if a.text().startswith("10."))
        lesson10.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 10, timeout=10000)
        _go_to(qtbot, panel, "Early stopping with patience")
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.config.early_stopping == "patience")
        w.speed.set_speed(1000.0)
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Space)
        wait_snapshot(qtbot, w, lambda s: bool(s.stopped), timeout=60000)
        qtbot.waitUntil(lambda: "early stopping after epoch 47" in w.statusBar().currentMessage(), timeout=5000)
        _go_to(qtbot, panel, "Stop at a target accuracy")
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and not s.stopped and s.config.early_stopping == "target")
        qtbot.wait(300)
        assert w.counters.values["epoch"].text() == "0"
        assert "early stopping" not in w.statusBar().currentMessage(), w.statusBar().currentMessage()
    finally:
        discard_and_close(w)
