"""Autosave and crash recovery that two windows or two copies of nnstudio cannot mix up.

Each window writes its own recovery file, ``autosave-<id>.nnproj`` in the app's data
folder, while it has unsaved changes, and holds a lock (``QLockFile``,
``autosave-<id>.lock``) for as long as it is open. A recovery file whose lock nobody
holds belongs to a window that did not close normally: an *orphan*, which is offered
for recovery whatever the app was started with. A live window's file is never touched
by another. The file and its lock go when the window closes normally; the file also
goes when the project is saved (it would be older than the file saved). A recovery file
that cannot be opened (damaged, or written by a newer nnstudio) is never deleted for
that: it is moved aside to the ``unrecovered`` folder beside it (:meth:`Orphan.keep_aside`),
where it is no longer offered and can still be opened by hand.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile

from ..core.project import remove_stale_temp_files
from .paths import config_dir

PREFIX = "autosave-"
SUFFIX = ".nnproj"
LEGACY = "autosave.nnproj"  # the single recovery file of nnstudio 0.1
#: where recovery files that could not be opened are kept (never offered again)
UNRECOVERED = "unrecovered"


@dataclass
class Orphan:
    """A recovery file left by a window that did not close normally, locked by us
    while we decide what to do with it."""

    path: Path
    lock: QLockFile | None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        remove_stale_temp_files(self.path)  # a write its window was killed in the middle of
        self.release()

    def keep_aside(self) -> Path:
        """It could not be opened: move it to the ``unrecovered`` folder, where it is kept
        but no longer offered; returns where it is now (where it was, if it cannot be
        moved: then it is offered again next time)."""
        remove_stale_temp_files(self.path)
        folder = self.path.parent / UNRECOVERED
        stamp = _dt.datetime.fromtimestamp(_mtime(self.path)).strftime("%Y-%m-%d_%H-%M-%S")
        target = folder / f"{self.path.stem}_{stamp}{SUFFIX}"
        try:
            folder.mkdir(exist_ok=True)
            if target.exists():
                target = folder / f"{self.path.stem}_{stamp}_{uuid.uuid4().hex[:6]}{SUFFIX}"
            os.replace(self.path, target)
        except OSError:
            target = self.path
        self.release()
        return target

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()
            lock_file = Path(self.lock.fileName())
            with contextlib.suppress(OSError):
                lock_file.unlink()
            self.lock = None


class Autosave:
    """This window's recovery file and its lock."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or config_dir()
        self.id = uuid.uuid4().hex[:12]
        self.path = self.folder / f"{PREFIX}{self.id}{SUFFIX}"
        self._lock = QLockFile(str(self.folder / f"{PREFIX}{self.id}.lock"))
        self._lock.setStaleLockTime(0)  # only a dead owner makes a lock stale, never its age
        self._lock.tryLock(0)

    def ensure_folder(self) -> None:
        """Make the folder again if it was deleted while the window was open, and take
        the lock again if its file went with it (else another copy of nnstudio would
        take this window's recovery file for an orphan)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not Path(self._lock.fileName()).exists():
            self._lock.unlock()
            self._lock.tryLock(0)

    def clear(self) -> None:
        """The project was saved: the recovery file, older than what was saved, goes (the lock stays)."""
        with contextlib.suppress(OSError):
            self.path.unlink()

    def discard(self) -> None:
        """The window closed normally: its recovery file and lock go."""
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._lock.unlock()

    def orphans(self) -> list[Orphan]:
        """Recovery files of windows that are gone, newest first, each locked for us."""
        found: list[Orphan] = []
        for path in sorted(self.folder.glob(f"{PREFIX}*{SUFFIX}"), key=_mtime, reverse=True):
            if path == self.path or not path.is_file():
                continue
            lock = QLockFile(str(path.with_suffix(".lock")))
            lock.setStaleLockTime(0)
            if lock.tryLock(0):  # nobody holds it: its window is gone
                found.append(Orphan(path, lock))
        legacy = self.folder / LEGACY
        if legacy.is_file():
            found.append(Orphan(legacy, None))
        self._remove_stale_locks()
        return found

    def _remove_stale_locks(self) -> None:
        """Locks of windows that crashed with nothing unsaved (so no recovery file) would
        pile up, one per crash: those nobody holds go, with the temporary file of a first
        recovery copy the crash cut short."""
        own = Path(self._lock.fileName())
        for path in self.folder.glob(f"{PREFIX}*.lock"):
            if path == own or path.with_suffix(SUFFIX).exists():
                continue
            lock = QLockFile(str(path))
            lock.setStaleLockTime(0)
            if lock.tryLock(0):
                lock.unlock()  # removes the file
                remove_stale_temp_files(path.with_suffix(SUFFIX))  # its first write, killed half way


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
