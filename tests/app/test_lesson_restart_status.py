"""Applying a lesson step that starts training over (lesson 4: "Apply step: learning
rate η = 3; training starts over") left the status bar saying "settings applied; the
weights are kept": the engine answered the settings sent to the old run just before the
new run replaced it."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def test_a_restarting_step_does_not_say_the_weights_are_kept(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        lesson4 = next(a for a in w.lessons_menu.actions() if a.text().startswith("4."))
        lesson4.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 4, timeout=10000)
        w.activateWindow()
        for _ in range(3):
            qtbot.keyClick(w, Qt.Key.Key_Right)  # train a little: the restart is visible
        wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
        while not panel.step_title.text().split(": ", 1)[-1].startswith("Overshooting"):
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and abs(s.lr - 0.9) < 1e-12)
        qtbot.wait(500)  # the engine's answers arrive
        w.controller.flush()
        assert "weights are kept" not in w.statusBar().currentMessage(), w.statusBar().currentMessage()
    finally:
        discard_and_close(w)
