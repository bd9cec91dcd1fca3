"""Writing a recovery file off the GUI thread, so that autosave never freezes the window.

Compressing a project takes a while when it is large (a 256-unit network on the digits
took 1 to 1.7 seconds, nearly all of it in zlib): written on the GUI thread, the window
froze that long every minute while the learner trained. The project handed over is a
copy (the state the engine sent), so a thread may write it; zlib lets go of Python's GIL
while it compresses. One write at a time: a request while one is under way is skipped
(the next one writes newer work anyway). ``sigDone`` says on the GUI thread how it went.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..core.errors import NNStudioError
from ..core.project import Project, save_project


class AutosaveWriter(QObject):
    """Writes one project at a time to a recovery file on a thread of its own."""

    #: a write ended: None when it was written, else the error (NNStudioError or OSError)
    sigDone = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._result: list[BaseException | None] = []

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, path: Path, project: Project) -> bool:
        """Begin writing ``project`` to ``path``; False (nothing done) while a write is under way."""
        if self.busy:
            return False
        self._thread = threading.Thread(target=self._write, args=(path, project), name="nnstudio-autosave",
                                        daemon=True)
        self._thread.start()
        return True

    def _write(self, path: Path, project: Project) -> None:
        try:
            save_project(path, project)
        except (NNStudioError, OSError) as exc:
            result: BaseException | None = exc
        else:
            result = None
        self._result.append(result)
        self.sigDone.emit(result)  # queued to the GUI thread

    def wait(self) -> None:
        """Until the write under way (if any) is done."""
        if self._thread is not None:
            self._thread.join()

    def take_result(self) -> tuple[bool, BaseException | None]:
        """(True, error or None) for a write that ended and was not handled yet, else (False, None)."""
        if not self._result:
            return False, None
        return True, self._result.pop(0)


__all__ = ["AutosaveWriter"]
