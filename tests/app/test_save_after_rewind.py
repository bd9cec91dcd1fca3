"""Saving after going back writes the run as it stands; the later iterations kept to go
forward to are not in the file. Nothing said so, and closing after Save (no unsaved
changes, no question) lost them without a word. Save now says so, and how to keep them."""
from __future__ import annotations

from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def test_save_says_the_iterations_gone_back_from_are_not_in_the_file(qtbot, tmp_path):
    w = open_window(qtbot, 1366, 768)
    try:
        for _ in range(5):
            w.activateWindow()
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # an epoch each
        end = wait_snapshot(qtbot, w, lambda s: s.iteration >= 5 * 32).iteration
        assert w.files.save_to(str(tmp_path / "whole.nnproj"))
        assert "not in the file" not in w.banner.label.text()  # nothing kept ahead: nothing to say
        w.controller.rewind(40)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 40 and s.furthest_iteration == end)
        assert w.files.save_to(str(tmp_path / "back.nnproj"))
        qtbot.waitUntil(lambda: w.banner.isVisible() and "not in the file" in w.banner.label.text(), timeout=5000)
        text = w.banner.label.text()
        assert f"Saved at iteration 40. The iterations after it, up to {end:,}" in text, text
        assert "drag the Rewind slider to its end and save again" in text
    finally:
        discard_and_close(w)
