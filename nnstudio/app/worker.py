"""The GUI's end of the engine process: a reader thread that turns its events into signals.

The Trainer runs in its own process (:mod:`nnstudio.app.engine_process`). An
:class:`EngineLink` lives on a ``QThread`` and blocks on the event pipe (a blocking
read releases the GIL, so it costs the GUI nothing), then re-emits each event as a Qt
signal, which Qt queues to the GUI thread. It ends when the engine says ``finished``
or its pipe closes, and quits its thread itself: a queued quit() would need the GUI
thread's event loop, which is blocked in ``QThread.wait()`` during shutdown.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.log_feed import LogMirror
from .engine_process import MAX_SPEED


class EngineLink(QObject):
    """Reads the engine's events; lives on its own QThread."""

    sigSnapshot = Signal(object)  # Snapshot
    sigMessage = Signal(str, str)  # level ("info", "warning", "error"), text
    sigPlaying = Signal(bool)
    sigResult = Signal(int, str, object)  # request id, "ok"/"error", value
    sigState = Signal(object, object)  # Project (without data), data token
    sigMissingState = Signal(int)  # an undo asked for a run that is no longer kept
    sigComparison = Signal(object, object)  # B's label and note when a comparison starts; None, None when it ends
    sigMakingB = Signal(object, object)  # run B's catch-up: iterations done and in all (may pass 2**31)
    sigRewinding = Signal(object, object, object)  # a long rewind: target iteration, iterations replayed, in all
    sigFinished = Signal(bool)  # True: the engine said goodbye; False: it vanished

    def __init__(self, events: Connection) -> None:
        super().__init__()
        self.events = events
        self.clean_exit = False
        self.logs = LogMirror()  # the history logs, rebuilt from the pieces the engine sends
        self.logs_b = LogMirror()  # run B's, while comparing
        self.last_b: Any = None  # run B's newest snapshot (the engine may send it once for several of A's)
        #: ``time.monotonic()`` of the engine's last event, set on this thread (a GUI thread
        #: that is busy cannot make a working engine look silent)
        self.last_heard = time.monotonic()

    @Slot()
    def loop(self) -> None:
        try:
            while True:
                try:
                    event = self.events.recv()
                except (EOFError, OSError):
                    break  # the engine vanished: sigFinished(False) tells the controller
                self.last_heard = time.monotonic()
                kind = event[0]
                if kind == "snapshot":
                    event[1].fill_logs(self.logs)  # here, off the GUI thread
                    snap = event[1]
                    if snap.b is not None:
                        snap.b.fill_logs(self.logs_b)
                        self.last_b = snap.b
                    elif snap.b_unchanged:
                        snap.b = self.last_b
                    self.sigSnapshot.emit(event[1])
                elif kind == "message":
                    self.sigMessage.emit(event[1], event[2])
                elif kind == "playing":
                    self.sigPlaying.emit(bool(event[1]))
                elif kind == "result":
                    self.sigResult.emit(int(event[1]), str(event[2]), event[3])
                elif kind == "state":
                    self.sigState.emit(event[1], event[2])
                elif kind == "comparison":
                    self.sigComparison.emit(event[1], event[2])
                elif kind == "making_b":
                    self.sigMakingB.emit(int(event[1]), int(event[2]))
                elif kind == "rewinding":
                    self.sigRewinding.emit(int(event[1]), int(event[2]), int(event[3]))
                elif kind == "missing_state":
                    self.sigMissingState.emit(int(event[1]))
                elif kind == "finished":
                    self.clean_exit = True
                    break
        finally:
            self.events.close()
            self.sigFinished.emit(self.clean_exit)
            QThread.currentThread().quit()


__all__ = ["EngineLink", "MAX_SPEED"]
