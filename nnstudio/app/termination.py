"""When the system ends nnstudio, its unsaved work is autosaved first.

Logging out or shutting down sends ``SIGTERM`` (and closing the terminal nnstudio was
started from sends ``SIGHUP``); by default either ends the process at once, and the work
trained since the last autosave (up to a minute of it) was lost without a word. Here
each window with unsaved work writes its recovery file — the run as the engine has it
now, or the newest state it sent — and the process ends leaving those files, so that
the next start offers them back. No question is asked: nobody may be there to answer.

Python runs a signal handler only between two of its own instructions, never while Qt
waits for events in C++; a timer that wakes Python a few times a second lets the handler
run promptly.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Callable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("nnstudio")

#: how often Python gets the chance to run a signal handler while Qt waits (ms)
WAKE_MS = 250
#: how long each window waits for its engine's present state before taking the newest it sent (ms)
STATE_WAIT_MS = 500


def signals() -> list[int]:
    """The signals that end nnstudio from outside and are handled here (where the platform has them)."""
    return [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


def install(parent: QObject, keep_work: Callable[[int], None],
            end: Callable[[int], None] = os._exit) -> QTimer:
    """On SIGTERM or SIGHUP: ``keep_work(state_wait_ms)``, then ``end(128 + signal)``.
    Returns the timer that wakes Python (owned by ``parent``)."""

    def handler(signum: int, _frame: object) -> None:
        # run the saving from Qt's event loop, not from inside whatever the handler interrupted
        QTimer.singleShot(0, lambda: _finish(signum))

    def _finish(signum: int) -> None:
        log.warning("ended by signal %d: unsaved work autosaved for recovery", signum)
        try:
            keep_work(STATE_WAIT_MS)
        finally:
            for h in logging.getLogger("nnstudio").handlers:
                h.flush()
            end(128 + signum)

    for sig in signals():
        signal.signal(sig, handler)
    timer = QTimer(parent)
    timer.setObjectName("signal_wake")
    timer.timeout.connect(lambda: None)
    timer.start(WAKE_MS)
    return timer


__all__ = ["install", "signals"]
