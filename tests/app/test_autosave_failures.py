"""Autosave: a saved project leaves no older recovery copy behind to be offered after a crash."""

from __future__ import annotations

from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, open_window, wait_snapshot


def step_to(qtbot, w, iteration):
    w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == iteration)
    qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == iteration)


def test_saving_removes_the_older_recovery_copy(qtbot, tmp_path):
    w = open_window(qtbot)
    try:
        step_to(qtbot, w, 1)
        w.files.write_autosave()
        assert w.files.autosave.path.exists()
        step_to(qtbot, w, 2)
        assert w.files.save_to(str(tmp_path / "mine.nnproj"))
        # a crash now: the saved file is the newest work; iteration 1 must not be offered back
        assert not w.files.autosave.path.exists()
        w.files.autosave._lock.unlock()
        other = MainWindow(recover=True)
        try:
            assert getattr(other, "_recovered_windows", []) == [] and other.doc.path is None
            assert not other.doc.modified
        finally:
            discard_and_close(other)
    finally:
        discard_and_close(w)
