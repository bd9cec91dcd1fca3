"""Lesson 4's last step (η = 3) as a learner takes it: the message that stops the run
wrote "the loss exploded to 2.2e+07" above counters reading 2.197×10⁷ and a lesson text
saying "about 2×10⁷"."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot

E_NOTATION = re.compile(r"\de[-+]?\d")


def test_divergence_message_writes_numbers_as_the_app_does(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        lesson4 = next(a for a in w.lessons_menu.actions() if a.text().startswith("4."))
        lesson4.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 4, timeout=10000)
        while not panel.step_title.text().split(": ", 1)[-1].startswith("Too large"):
            assert panel.next_button.isEnabled()
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and abs(s.lr - 3.0) < 1e-12)
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: w.banner.isVisible() and "exploded" in w.banner.label.text(), timeout=10000)
        text = w.banner.label.text()
        assert "2.2×10⁷" in text, text
        assert not E_NOTATION.search(text), text
        assert "learning rate 3 " in text and "(try 0.3)" in text
        # the loss view's cross marks the loss that stopped training, at the iteration
        # the message names (it sat on iteration 5's 8.8×10⁵, under the 2.2×10⁷ read out)
        snap = wait_snapshot(qtbot, w, lambda s: bool(s.stop_info))
        refused = snap.stop_info["loss"]
        assert 2.15e7 < refused < 2.25e7 and snap.stop_info["iteration"] == 6
        w.loss_view.show_snapshot(snap)
        xs, ys = w.loss_view.div_point.getData()
        assert list(xs) == [6.0] and ys[0] == refused
        assert w.loss_view.marker_positions["divergence"] == 6.0
        y0, y1 = w.loss_view.vb.viewRange()[1]
        assert y0 < refused < y1  # the cross is in sight, not above the plot
    finally:
        discard_and_close(w)
