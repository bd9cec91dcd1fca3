"""Autosave never freezes the window: a large project takes a while to compress, and the
window goes on meanwhile; what is written is complete, and Save or closing never lets an
older copy come back."""

from __future__ import annotations

import importlib
import time

import nnstudio.app.project_files as project_files
from nnstudio.core.project import load_project, save_project
from window_helpers import discard_and_close, open_window, wait_snapshot

SLOW = 1.5  # seconds a slow disk, or a large project, takes to write


def slow_save(path, project):
    time.sleep(SLOW)
    return save_project(path, project)


def slow_disk(monkeypatch):
    """Every project written by the window takes SLOW seconds more."""
    monkeypatch.setattr(project_files, "save_project", slow_save)
    try:
        writer = importlib.import_module("nnstudio.app.autosave_writer")
    except ImportError:  # nnstudio before autosave wrote on a thread
        return
    monkeypatch.setattr(writer, "save_project", slow_save)


def test_the_minute_autosave_does_not_freeze_the_window(qtbot, monkeypatch):
    slow_disk(monkeypatch)
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 1)
        t0 = time.monotonic()
        w.files._timer.timeout.emit()  # the minute is up
        assert time.monotonic() - t0 < SLOW / 3  # the window did not wait for the disk
        w.act_step.trigger()  # ... and goes on meanwhile
        wait_snapshot(qtbot, w, lambda s: s.iteration == 2)
        qtbot.waitUntil(lambda: w.files.autosave.path.exists(), timeout=10000)
        assert load_project(w.files.autosave.path).trainer_state.iteration == 1
    finally:
        discard_and_close(w)


def test_save_while_an_autosave_is_written_leaves_no_older_copy(qtbot, tmp_path, monkeypatch):
    slow_disk(monkeypatch)
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        qtbot.waitUntil(lambda: w.controller.saved_state is not None)
        w.files._timer.timeout.emit()
        assert w.files.save_to(str(tmp_path / "mine.nnproj"))
        qtbot.wait(int(SLOW * 1000) + 300)
        assert not w.files.autosave.path.exists()
    finally:
        discard_and_close(w)
    assert not w.files.autosave.path.exists()


def test_new_unsaved_work_gets_its_first_recovery_copy_soon(qtbot, monkeypatch):
    monkeypatch.setattr(project_files, "FIRST_AUTOSAVE_MS", 500, raising=False)
    w = open_window(qtbot)
    try:
        w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
        # not a minute later: a crash in the first minute of training would lose it all
        qtbot.waitUntil(lambda: w.files.autosave.path.exists(), timeout=5000)
        assert load_project(w.files.autosave.path).trainer_state.iteration == 1
    finally:
        discard_and_close(w)
