"""A recovery file is never lost for being unreadable: one that is damaged, or written by
a newer nnstudio, is kept aside (and the learner told where), never deleted; the question
whether to recover says how old the recovered work is."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.app.main_window import MainWindow
from nnstudio.app.paths import config_dir
from nnstudio.core.project import load_project, save_project
from test_recovery import crashed_autosave
from window_helpers import discard_and_close, wait_snapshot


def from_the_future(path):
    """Rewrite a project file as a newer nnstudio would: a schema version this one cannot read."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    name = next(n for n in members if n.endswith(".json"))
    doc = json.loads(members[name])
    doc["schema_version"], doc["app_version"] = 99, "9.0"
    members[name] = json.dumps(doc).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    path.write_bytes(buffer.getvalue())


def answer_boxes(seen):
    """Record every message box shown and press its OK (a refusal) or Recover."""
    def check():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.windowTitle(), box.text(), box.informativeText()))
            for button in box.buttons():
                if button.text().replace("&", "") in ("Recover", "OK", "Keep it aside"):
                    button.click()
                    return
    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(50)
    return timer


def kept_files():
    folder = config_dir() / "unrecovered"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_recovery_file_from_a_newer_nnstudio_is_kept_not_deleted(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("NNSTUDIO_NO_RECOVERY_PROMPT", raising=False)  # the learner is asked
    orphan = crashed_autosave(tmp_path)
    from_the_future(orphan)
    original = orphan.read_bytes()
    seen = []
    timer = answer_boxes(seen)
    w = MainWindow()  # asks: it cannot be opened; keep it aside
    timer.stop()
    try:
        assert any("newer nnstudio" in info for _title, _text, info in seen)
        kept = kept_files()
        assert len(kept) == 1 and kept[0].read_bytes() == original  # kept, bit for bit
        assert not orphan.exists()  # ... aside: not offered at every start
        assert not w.banner_bar.isHidden() and str(kept[0]) in w.banner.label.text()
        assert w.doc.path is None and not w.doc.modified  # the window starts empty, as it would
    finally:
        discard_and_close(w)
    again = MainWindow(recover=True)  # not offered again, and the kept file stays
    try:
        assert kept_files() == kept
    finally:
        discard_and_close(again)


def test_an_unreadable_recovery_file_is_not_offered_for_recovery_and_kept_by_default(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt

    monkeypatch.delenv("NNSTUDIO_NO_RECOVERY_PROMPT", raising=False)  # the learner is asked
    orphan = crashed_autosave(tmp_path)
    original = orphan.read_bytes()[:300]
    orphan.write_bytes(original)  # cut short: it cannot be opened
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.windowTitle(), box.text(), box.informativeText(),
                         [b.text().replace("&", "") for b in box.buttons()],
                         box.defaultButton().text() if box.defaultButton() else None))
            qtbot.keyClick(box, Qt.Key.Key_Return)  # the default answer
    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(50)
    w = MainWindow()
    timer.stop()
    try:
        assert len(seen) == 1
        title, text, info, buttons, default = seen[0]
        assert "Recover" not in buttons  # it could only fail
        assert sorted(buttons) == ["Discard", "Keep it aside"] and default == "Keep it aside"
        assert title == "Unsaved work cannot be recovered" and "cannot be opened" in text
        assert "file is incomplete" in info  # why, briefly
        assert len(info) < 600 and "Traceback" not in info
        # one question only: no failed attempt and no second box about it
        kept = kept_files()
        assert len(kept) == 1 and kept[0].read_bytes() == original and not orphan.exists()
        assert not w.banner_bar.isHidden() and str(kept[0]) in w.banner.label.text()
        assert w.doc.path is None and not w.doc.modified
    finally:
        discard_and_close(w)


def test_discarding_an_unreadable_recovery_file_removes_it(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("NNSTUDIO_NO_RECOVERY_PROMPT", raising=False)
    orphan = crashed_autosave(tmp_path)
    orphan.write_bytes(b"PK\x03\x04 not a project")

    def answer():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            named = {b.text().replace("&", ""): b for b in box.buttons()}
            (named.get("Discard") or box.buttons()[0]).click()
    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(50)
    w = MainWindow()
    timer.stop()
    try:
        assert not orphan.exists() and kept_files() == []
        assert w.banner_bar.isHidden()  # nothing failed: nothing to say
    finally:
        discard_and_close(w)


def test_a_damaged_recovery_file_is_kept_when_recovered_beside_an_open_project(qtbot, tmp_path):
    orphan = crashed_autosave(tmp_path)
    orphan.write_bytes(orphan.read_bytes()[:200])  # cut short
    seen = []
    timer = answer_boxes(seen)
    w = MainWindow(recover=True)
    try:
        # recovered in a new window only when this one holds work; here the window is empty
        assert any(title == "Could not open the project" for title, _t, _i in seen)
        assert len(kept_files()) == 1 and not orphan.exists()
    finally:
        timer.stop()
        discard_and_close(w)


def test_no_empty_second_window_and_no_deletion_when_recovering_beside_work_fails(qtbot, tmp_path):
    project = tmp_path / "mine.nnproj"
    orphan = crashed_autosave(tmp_path)
    save_project(project, load_project(orphan))
    orphan.write_bytes(b"PK\x03\x04 not a project")
    seen = []
    timer = answer_boxes(seen)
    w = MainWindow(str(project), recover=True)  # this window holds a project: recovery goes to a new one
    try:
        assert w.doc.path == str(project)
        assert getattr(w, "_recovered_windows", []) == []
        assert [other for other in QApplication.topLevelWidgets()
                if isinstance(other, MainWindow) and other is not w and other.isVisible()] == []
        assert len(kept_files()) == 1
    finally:
        timer.stop()
        discard_and_close(w)


def test_the_question_says_when_the_work_was_autosaved_and_how_far_it_had_trained(qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("NNSTUDIO_NO_RECOVERY_PROMPT", raising=False)
    w = MainWindow(recover=False)
    try:
        wait_snapshot(qtbot, w, lambda s: True)
        for _ in range(3):
            w.act_step.trigger()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 3)
        assert w.files.save_to(str(tmp_path / "mine.nnproj"))
        w.act_step.trigger()  # more training after the save
        wait_snapshot(qtbot, w, lambda s: s.iteration == 4)
        qtbot.waitUntil(lambda: w.controller.saved_state[0].trainer_state.iteration == 4)
        w.files.write_autosave()
        path = w.files.autosave.path
        stamp = time.time() - 90
        os.utime(path, (stamp, stamp))
        w.files.autosave._lock.unlock()  # as if its process had crashed
        seen = []

        def later():
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox) and box.windowTitle() == "Recover unsaved work?":
                seen.append(box.informativeText())
                next(b for b in box.buttons() if b.text() == "Later").click()
        timer = QTimer()
        timer.timeout.connect(later)
        timer.start(50)
        other = MainWindow()
        timer.stop()
        try:
            clock = time.strftime("%H:%M", time.localtime(stamp))
            assert len(seen) == 1
            assert f"at {clock}" in seen[0] and "iteration 4" in seen[0]
            assert "every minute" in seen[0]  # how old recovered work can be
            assert "“mine”" in seen[0]  # which project the work was
            assert path.exists()  # Later keeps it
        finally:
            discard_and_close(other)
    finally:
        discard_and_close(w)


def test_a_crash_with_nothing_unsaved_leaves_no_lock_file_behind_for_good(qtbot, tmp_path):
    import subprocess
    import sys
    import textwrap

    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dead = folder / "autosave-00000000dead.lock"
    code = textwrap.dedent(f"""
        import os
        from PySide6.QtCore import QLockFile
        lock = QLockFile({str(dead)!r})
        assert lock.tryLock(0)
        os._exit(0)  # a window that crashed before it had anything to autosave
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    first, second = MainWindow(recover=True), MainWindow(recover=True)
    try:
        assert not dead.exists()
        # the live windows' locks stay
        assert Path(first.files.autosave._lock.fileName()).exists()
        assert Path(second.files.autosave._lock.fileName()).exists()
        assert first.files.orphans() == [] and second.files.orphans() == []
    finally:
        discard_and_close(first)
        discard_and_close(second)


def test_half_written_recovery_copies_of_crashed_windows_are_removed(qtbot, tmp_path):
    import subprocess
    import sys

    from nnstudio.core import project as core_project

    orphan = crashed_autosave(tmp_path)
    folder = config_dir()
    # a window killed while it wrote its first recovery copy: its lock, and half the copy
    code = ("import os\nfrom PySide6.QtCore import QLockFile\n"
            f"lock = QLockFile({str(folder / 'autosave-00000000beef.lock')!r})\n"
            "assert lock.tryLock(0)\nprint(os.getpid(), flush=True)\nos._exit(0)\n")
    gone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    pid = int(gone.stdout)  # the process has ended
    host = core_project._HOST
    cut_short = folder / f".{orphan.name}.{host}-{pid}-0a0b0c0d.tmp"
    first = folder / f".autosave-00000000beef.nnproj.{host}-{pid}-0a0b0c0e.tmp"
    for path in (cut_short, first):
        path.write_bytes(b"PK\x03\x04 half a project")
    w = MainWindow(recover=False)  # the learner discards the crashed window's work
    try:
        assert not orphan.exists()
        assert not cut_short.exists() and not first.exists()
    finally:
        discard_and_close(w)
