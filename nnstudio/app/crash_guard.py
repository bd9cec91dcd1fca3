"""A safety net: unexpected errors are logged to a file and offered a save, never lost.

An exception escaping a Qt slot would otherwise go to stderr, which nobody sees when
nnstudio is started from a menu. :func:`install` sends every log record of the app to
a rotating file in the user's log folder (``platformdirs.user_log_dir``, or
``NNSTUDIO_CONFIG_DIR/logs`` when that is set) and installs an exception hook that
logs the traceback and shows a dialog offering to save the project at once.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Callable

log = logging.getLogger("nnstudio")

#: the log file rotates at this size, keeping LOG_BACKUPS older files
LOG_BYTES = 1 << 20
LOG_BACKUPS = 3


def log_dir() -> Path:
    override = os.environ.get("NNSTUDIO_CONFIG_DIR")
    if override:
        path = Path(override) / "logs"
    else:
        from platformdirs import user_log_dir

        path = Path(user_log_dir("nnstudio", "nnstudio"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path() -> Path:
    return log_dir() / "nnstudio.log"


def setup_logging() -> Path | None:
    """Log nnstudio's records to the rotating log file (once). None if it cannot be written."""
    root = logging.getLogger("nnstudio")
    for h in root.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler):
            return Path(h.baseFilename)
    try:
        path = log_path()
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                       encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class CrashGuard:
    """The exception hook. ``offer_save()`` is asked to save the work (the window's
    Save); the dialog is shown once at a time, so a storm of errors cannot bury the app
    in dialogs."""

    def __init__(self, offer_save: Callable[[], object] | None = None) -> None:
        self.offer_save = offer_save
        self._showing = False
        self._previous = sys.excepthook

    def __call__(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, exc, tb)
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if self._showing:
            return
        self._showing = True
        try:
            self._dialog(exc)
        finally:
            self._showing = False

    def _dialog(self, exc: BaseException) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        from ..core.safetext import bounded

        if QApplication.instance() is None or os.environ.get("NNSTUDIO_NO_CRASH_DIALOG"):
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                          "nnstudio ran into an unexpected error. Your project is still open; "
                          "save it now to be safe.")
        box.setTextFormat(Qt.TextFormat.PlainText)  # an error's text may quote a file name
        box.setInformativeText(bounded(f"{type(exc).__name__}: {exc}", 200)
                               + f"\n\nThe details were written to {log_path()}.")
        save = box.addButton("Save now", QMessageBox.ButtonRole.AcceptRole) if self.offer_save else None
        box.addButton("Continue", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if save is not None and box.clickedButton() is save and self.offer_save is not None:
            self.offer_save()


def install(offer_save: Callable[[], object] | None = None) -> CrashGuard:
    """Log to the file and catch unexpected exceptions from now on."""
    setup_logging()
    guard = CrashGuard(offer_save)
    sys.excepthook = guard
    return guard
