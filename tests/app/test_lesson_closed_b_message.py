"""Lesson 10 opens with a comparison: 'Apply step' starts run B and the status bar says
'Run B started. Settings are locked while it is open (Training › Close run B).' A
learner who goes on to the next step before training closes B (nothing of it to lose)
and starts run A over, alone; the status bar went on saying B was open and the
settings locked, under counters with no B."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def test_closing_b_takes_back_run_b_started(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        next(a for a in w.lessons_menu.actions() if a.text().startswith("10.")).trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 10, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.b is not None)
        qtbot.waitUntil(lambda: "Run B started" in w.statusBar().currentMessage(), timeout=5000)
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)  # L2 λ = 0.003, A alone
        wait_snapshot(qtbot, w, lambda s: s.b is None and s.config.l2 == 0.003)
        qtbot.waitUntil(lambda: not w.comparison.active, timeout=5000)
        qtbot.wait(300)
        assert not w.counters.values_b["epoch"].isVisible()
        assert "Run B started" not in w.statusBar().currentMessage(), w.statusBar().currentMessage()
    finally:
        discard_and_close(w)
