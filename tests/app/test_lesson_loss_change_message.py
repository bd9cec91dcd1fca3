"""Lesson 12 fits the same line ŷ = w·x + b with three losses; each step changes only the
loss. The status bar said 'The architecture changed, so the network was rebuilt with new
weights', while the network (one input, one linear output) stayed as it was: a newcomer
looks for what changed in the Network view and finds nothing. It now says the loss
changed."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def test_a_step_that_changes_only_the_loss_says_so(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        next(a for a in w.lessons_menu.actions() if a.text().startswith("12.")).trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 12, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.loss == "mse")
        w.activateWindow()
        for _ in range(3):
            qtbot.keyClick(w, Qt.Key.Key_Right)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
        layers = w.controller.snapshot.layer_sizes
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        snap = wait_snapshot(qtbot, w, lambda s: s.loss == "mae" and s.iteration == 0)
        assert snap.layer_sizes == layers  # the same network: one input, one linear output
        message = w.statusBar().currentMessage()
        assert "architecture" not in message, message
        assert "loss changed to mean absolute error" in message, message
    finally:
        discard_and_close(w)
