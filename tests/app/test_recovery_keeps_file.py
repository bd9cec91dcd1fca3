"""Recovered work that had been saved as a project keeps that project's name and file, as
a recovered document does in LibreOffice or Word: the title names it (modified), the
banner says what Save will do, Save (Ctrl+S) writes it there and Save As starts beside it;
only a file saved again after the recovery copy is asked about before it is replaced."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnstudio.app.main_window import MainWindow
from nnstudio.core.project import load_project
from window_helpers import discard_and_close, wait_snapshot


def crashed_after_saving(qtbot, tmp_path, age: float = 0.0):
    """A window that saved ``mine.nnproj`` at iteration 3, trained to 4, autosaved, then
    crashed (its lock let go). Returns the window (still open: close it) and the file."""
    w = MainWindow(recover=False)
    wait_snapshot(qtbot, w, lambda s: True)
    for _ in range(3):
        w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
    qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 3)
    mine = tmp_path / "mine.nnproj"
    assert w.files.save_to(str(mine))
    w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 4)
    qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 4)
    w.files.write_autosave()
    if age:
        stamp = time.time() - age
        os.utime(w.files.autosave.path, (stamp, stamp))
    w.files.autosave._lock.unlock()  # as if its process had crashed
    return w, mine


def shown(qtbot, w):
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    return w


def test_recovered_work_keeps_its_project_name_and_save_writes_it_there(qtbot, tmp_path, monkeypatch):
    crashed, mine = crashed_after_saving(qtbot, tmp_path)
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kw: asked.append(args[2] if len(args) > 2 else kw) or ("", "")))
    r = shown(qtbot, MainWindow(recover=True))
    try:
        assert r.doc.path == str(mine)
        assert r.windowTitle().startswith("\u2068mine.nnproj\u2069") or "mine.nnproj" in r.windowTitle()
        assert "Untitled" not in r.windowTitle() and r.isWindowModified() and r.doc.modified
        said = r.banner.label.text()
        assert not r.banner_bar.isHidden() and "mine.nnproj" in said and "iteration 4" in said
        assert "Save (Ctrl+S) writes it over" in said and "Save As keeps both" in said
        assert r.controller.snapshot.iteration == 4
        r.act_save_as.trigger()  # Save As starts in the project's folder, with its name
        assert asked == [str(mine)] and r.doc.modified
        assert load_project(mine).trainer_state.iteration == 3
        qtbot.keyClick(r, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Save: no dialog, written there
        assert asked == [str(mine)]
        qtbot.waitUntil(lambda: not r.doc.modified)
        assert load_project(mine).trainer_state.iteration == 4
        assert not r.isWindowModified() and "mine.nnproj" in r.windowTitle()
    finally:
        discard_and_close(r)
        discard_and_close(crashed)


def test_a_file_saved_again_after_the_recovery_copy_is_not_replaced_without_asking(qtbot, tmp_path):
    crashed, mine = crashed_after_saving(qtbot, tmp_path, age=120)  # the copy is two minutes old ...
    os.utime(mine, None)  # ... and the file was saved since (another window)
    r = shown(qtbot, MainWindow(recover=True))
    seen = []

    def answer(label):
        def check():
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                seen.append((box.windowTitle(), box.informativeText(), box.defaultButton().text()))
                next(b for b in box.buttons() if b.text().replace("&", "") == label).click()
        timer = QTimer()
        timer.timeout.connect(check)
        timer.start(50)
        return timer

    try:
        assert r.doc.path == str(mine)
        timer = answer("Cancel")
        qtbot.keyClick(r, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        timer.stop()
        assert [title for title, _i, _d in seen] == ["Replace the newer file?"]
        assert "mine.nnproj" in seen[0][1] and seen[0][2] == "Save As…"  # the safe answer is the default
        assert load_project(mine).trainer_state.iteration == 3 and r.doc.modified
        timer = answer("Replace")
        qtbot.keyClick(r, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        timer.stop()
        assert load_project(mine).trainer_state.iteration == 4 and not r.doc.modified
    finally:
        discard_and_close(r)
        discard_and_close(crashed)


def test_work_never_saved_is_recovered_untitled(qtbot, tmp_path):
    w = MainWindow(recover=False)
    try:
        wait_snapshot(qtbot, w, lambda s: True)
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 1)
        w.files.write_autosave()
        w.files.autosave._lock.unlock()
        r = MainWindow(recover=True)
        try:
            assert r.doc.path is None and r.doc.modified and "Untitled" in r.windowTitle()
            assert "save it (Ctrl+S) to keep it" in r.banner.label.text()
        finally:
            discard_and_close(r)
    finally:
        discard_and_close(w)
