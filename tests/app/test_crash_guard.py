"""An unexpected error is logged to a rotating file and offers to save, never lost."""

from __future__ import annotations

import logging
import logging.handlers
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.app import crash_guard


@pytest.fixture
def guard_restore():
    previous = sys.excepthook
    yield
    sys.excepthook = previous
    root = logging.getLogger("nnstudio")
    for h in list(root.handlers):
        if isinstance(h, logging.handlers.RotatingFileHandler):
            root.removeHandler(h)
            h.close()


def test_an_unexpected_error_is_logged_and_offers_to_save(qtbot, guard_restore):
    saved = []
    guard = crash_guard.install(lambda: saved.append(True))
    assert sys.excepthook is guard

    def press_save():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and "Save now" in [b.text() for b in box.buttons()]
        assert "ZeroDivisionError" in box.informativeText() and "nnstudio.log" in box.informativeText()
        next(b for b in box.buttons() if b.text() == "Save now").click()

    QTimer.singleShot(200, press_save)
    try:
        1 / 0
    except ZeroDivisionError:
        sys.excepthook(*sys.exc_info())
    assert saved == [True]
    text = crash_guard.log_path().read_text(encoding="utf-8")
    assert "ZeroDivisionError" in text and "Traceback" in text


def test_the_log_rotates(guard_restore):
    path = crash_guard.setup_logging()
    log = logging.getLogger("nnstudio.test")
    for _ in range(3000):
        log.warning("x" * 1000)
    assert path.stat().st_size <= crash_guard.LOG_BYTES
    assert path.with_name(path.name + ".1").exists()
