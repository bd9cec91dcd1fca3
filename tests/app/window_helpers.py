"""What the window tests share: waiting for a snapshot, and closing without questions."""

from __future__ import annotations

from typing import Any, Callable


def wait_snapshot(qtbot: Any, w: Any, predicate: Callable[[Any], bool], timeout: int = 15000) -> Any:
    """Wait until a snapshot handed to the window's views satisfies ``predicate``; return it."""
    def check() -> None:
        w.controller.flush()
        assert w.controller.snapshot is not None and predicate(w.controller.snapshot)
    qtbot.waitUntil(check, timeout=timeout)
    return w.controller.snapshot


def discard_and_close(w: Any) -> None:
    """Close without the "save changes?" question (pytest-qt's addWidget would close the
    window before this could mark it clean, and the modal question would hang)."""
    w.doc.undo_stack.setClean()
    w.doc._trained = False
    w.close()
    assert not w.controller.thread.isRunning()


def open_window(qtbot: Any, width: int = 1366, height: int = 768) -> Any:
    """A MainWindow of that size, shown, active (for shortcuts), with its first snapshot."""
    from nnstudio.app.main_window import MainWindow

    w = MainWindow()
    w.resize(width, height)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    return w
