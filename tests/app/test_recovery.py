"""Autosave and recovery: offered whatever the app starts with; two windows never mix."""

from __future__ import annotations

import subprocess
import sys
import textwrap


from nnstudio.app.autosave import Autosave
from nnstudio.app.main_window import MainWindow
from nnstudio.app.paths import config_dir
from nnstudio.core.data import DataSpec
from nnstudio.core.project import new_project, save_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from window_helpers import discard_and_close, wait_snapshot


def crashed_autosave(tmp_path, units: int = 5):
    """A recovery file whose window crashed: its lock was taken by a process that died."""
    project = new_project(NetworkSpec(2, (LayerSpec(units, "tanh"),), "binary"), TrainConfig(),
                          DataSpec(name="xor", n_samples=100))
    folder = config_dir()
    path = folder / "autosave-0123456789ab.nnproj"
    save_project(path, project)
    code = textwrap.dedent(f"""
        import os
        from PySide6.QtCore import QLockFile
        lock = QLockFile({str(folder / 'autosave-0123456789ab.lock')!r})
        assert lock.tryLock(0)
        os._exit(0)  # dies holding it, as a crash would
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    return path


def test_recovery_is_offered_when_started_with_a_file(qtbot, tmp_path):
    orphan = crashed_autosave(tmp_path)
    other = tmp_path / "other.nnproj"
    save_project(other, new_project(NetworkSpec(2, (LayerSpec(3, "relu"),), "binary"), TrainConfig(),
                                    DataSpec(name="circle", n_samples=100)))
    w = MainWindow(str(other), recover=True)
    try:
        assert w.doc.path == str(other) and w.doc.network.hidden[0].units == 3  # the file stays open
        recovered = getattr(w, "_recovered_windows", [])
        try:
            assert len(recovered) == 1 and recovered[0].isVisible()  # ... and the recovered work opens beside it
            r = recovered[0]
            assert r.doc.network.hidden[0].units == 5 and r.doc.modified and r.doc.path is None
            assert not orphan.exists()
        finally:
            for r in recovered:
                discard_and_close(r)
    finally:
        discard_and_close(w)


def test_two_windows_keep_their_own_autosaves(qtbot):
    a, b = MainWindow(), MainWindow()
    try:
        for w in (a, b):
            wait_snapshot(qtbot, w, lambda s: True)
            w.act_step.trigger()
            wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
            w.files.write_autosave()
        assert a.files.autosave.path != b.files.autosave.path
        assert a.files.autosave.path.exists() and b.files.autosave.path.exists()
        assert a.files.orphans() == [] and b.files.orphans() == []  # neither takes the other's
        discard_and_close(b)
        assert not b.files.autosave.path.exists() and a.files.autosave.path.exists()
    finally:
        discard_and_close(a)
    assert not a.files.autosave.path.exists()


def test_declining_recovery_discards_the_file_and_later_keeps_it(qtbot, tmp_path):
    orphan = crashed_autosave(tmp_path)
    w = MainWindow(recover=False)
    try:
        assert not orphan.exists()
    finally:
        discard_and_close(w)


def test_a_live_autosave_lock_is_not_an_orphan(tmp_path):
    folder = tmp_path / "autosaves"
    folder.mkdir()
    one, two = Autosave(folder), Autosave(folder)
    one.path.write_bytes(b"x")
    assert two.orphans() == []
    one._lock.unlock()  # the first window's process has gone
    found = two.orphans()
    assert [o.path for o in found] == [one.path]
    found[0].discard()
    assert not one.path.exists()
