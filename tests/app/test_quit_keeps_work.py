"""Quitting with trained, unsaved work asks first; Cancel keeps everything as it was, and a
Save that fails keeps the window open."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from window_helpers import discard_and_close, open_window, wait_snapshot


def press_in_boxes(presses, seen):
    """Answer the message boxes shown, in order: ``presses`` is a list of button texts."""
    def check():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and presses:
            seen.append((box.windowTitle(), box.text()))
            want = presses.pop(0)
            button = next(b for b in box.buttons() if b.text().replace("&", "") == want)
            button.click()
    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(50)
    return timer


def test_ctrl_q_while_training_asks_and_cancel_keeps_everything(qtbot):
    w = open_window(qtbot)
    try:
        w.act_play.trigger()
        before = wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 200)
        seen = []
        timer = press_in_boxes(["Cancel"], seen)
        qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        timer.stop()
        assert [title for title, _text in seen] == ["Unsaved changes"]
        assert w.isVisible() and w.doc.modified
        # still training, with the same engine, and still protected by autosave
        wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > before.iteration + 200)
        assert w.controller.alive and w.files._timer.isActive()
        w.files.write_autosave()
        assert w.files.autosave.path.exists()
        w.controller.pause()
    finally:
        discard_and_close(w)


def test_save_to_a_bad_place_when_closing_keeps_the_window_open(qtbot, tmp_path, monkeypatch):
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        bad = str(tmp_path / "no such folder" / "mine.nnproj")
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (bad, "")))
        seen = []
        timer = press_in_boxes(["Save", "OK"], seen)
        w.close()
        timer.stop()
        assert [title for title, _text in seen] == ["Unsaved changes", "Could not save"]
        assert w.isVisible() and w.doc.modified and w.controller.alive
        assert w.windowTitle().startswith("Untitled")
        w.act_step.trigger()  # the work goes on
        wait_snapshot(qtbot, w, lambda s: s.iteration == 2)
    finally:
        discard_and_close(w)


def test_save_as_cancelled_when_closing_keeps_the_window_open(qtbot, monkeypatch):
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
        seen = []
        timer = press_in_boxes(["Save"], seen)
        w.act_quit.trigger()
        timer.stop()
        assert w.isVisible() and w.doc.modified and w.controller.alive
    finally:
        discard_and_close(w)


def test_a_question_closed_without_an_answer_keeps_the_work(qtbot):
    """Only Discard discards: Esc, and a question box closed by any other way than its
    buttons (rejected: no button clicked), keep the window and its work."""
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        for way in ("escape", "reject"):
            answered = []

            def close_box(way=way, answered=answered):
                box = QApplication.activeModalWidget()
                if isinstance(box, QMessageBox) and not answered:
                    answered.append(box.windowTitle())
                    if way == "escape":
                        qtbot.keyClick(box, Qt.Key.Key_Escape)
                    else:
                        box.reject()
            timer = QTimer()
            timer.timeout.connect(close_box)
            timer.start(50)
            w.close()
            timer.stop()
            assert answered == ["Unsaved changes"]
            assert w.isVisible() and w.doc.modified and w.controller.alive, way
    finally:
        discard_and_close(w)
