"""Autosave when the disk is full or its folder was deleted: a short clear message once, the
app goes on, the previous recovery copy stays whole; and a saved project leaves no older
recovery copy behind to be offered after a crash."""

from __future__ import annotations

import errno
import os
import shutil

from nnstudio.app.autosave import Autosave
from nnstudio.app.main_window import MainWindow
from nnstudio.app.paths import config_dir
from window_helpers import discard_and_close, open_window, wait_snapshot


def step_to(qtbot, w, iteration):
    w.act_step.trigger()
    wait_snapshot(qtbot, w, lambda s: s.iteration == iteration)
    qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == iteration)


def test_a_full_disk_says_so_once_and_keeps_the_last_recovery_copy(qtbot, monkeypatch):
    w = open_window(qtbot)
    try:
        step_to(qtbot, w, 1)
        w.files.write_autosave()
        good = w.files.autosave.path.read_bytes()
        step_to(qtbot, w, 2)

        def full(_fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(os, "fsync", full)
        w.files.write_autosave()
        assert w.banner_bar.isVisible()
        text = w.banner.label.text()
        assert "No space left on device" in text and "save it" in text
        assert str(w.files.autosave.path) not in text and len(text) < 200  # short: the reason, not the path
        assert w.files.autosave.path.read_bytes() == good  # the last good copy, whole
        assert [p.name for p in config_dir().iterdir() if p.name.endswith(".tmp")] == []
        w.hide_banner()
        w.files.write_autosave()  # every minute again: not the banner again
        assert not w.banner_bar.isVisible()
        assert "No space left on device" in w.statusBar().currentMessage()
        step_to(qtbot, w, 3)  # the app goes on training
        monkeypatch.undo()
        w.files.write_autosave()
        assert w.files.autosave.path.read_bytes() != good
        assert "works again" in w.statusBar().currentMessage()
    finally:
        discard_and_close(w)


def test_the_warning_goes_when_autosave_works_again_but_not_another_message(qtbot, monkeypatch):
    w = open_window(qtbot)
    try:
        step_to(qtbot, w, 1)

        def full(_fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(os, "fsync", full)
        w.files.write_autosave()
        assert w.banner_bar.isVisible() and "No space left" in w.banner.label.text()
        monkeypatch.undo()
        w.files.write_autosave()
        assert not w.banner_bar.isVisible()  # it no longer holds
        monkeypatch.setattr(os, "fsync", full)
        w.files.write_autosave()
        w.show_message("error", "Something else the learner must read.")
        monkeypatch.undo()
        w.files.write_autosave()
        assert w.banner_bar.isVisible() and w.banner.label.text() == "Something else the learner must read."
    finally:
        discard_and_close(w)


def test_autosave_goes_on_when_its_folder_was_deleted_and_stays_this_windows(qtbot):
    w = open_window(qtbot)
    try:
        step_to(qtbot, w, 1)
        shutil.rmtree(config_dir())
        w.files.write_autosave()
        assert w.files.autosave.path.exists()
        assert not w.banner_bar.isVisible()
        # a second copy of nnstudio started now does not take it for a crashed window's
        assert Autosave(w.files.autosave.folder).orphans() == []
    finally:
        discard_and_close(w)


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


def test_nnstudio_starts_when_its_folder_cannot_be_made_and_says_so_at_autosave(qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NNSTUDIO_CONFIG_DIR", str(blocker / "config"))  # as a read-only home would refuse it
    w = open_window(qtbot)
    try:
        step_to(qtbot, w, 1)
        w.files.write_autosave()
        assert w.banner_bar.isVisible() and "Autosave could not write" in w.banner.label.text()
        step_to(qtbot, w, 2)  # the app works on
    finally:
        discard_and_close(w)
