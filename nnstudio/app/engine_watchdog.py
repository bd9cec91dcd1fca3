"""Notices a training engine that hangs while it trains.

While training plays, a working engine sends something several times a second: snapshots
(at least one per iteration, at the slowest speed one a second), and the run's saveable
state about every second. One that sends nothing for :data:`STALL_SECONDS` has hung
(stopped by a signal, stuck in a system call, swapping itself to death): the window
would go on showing its last numbers as if training. The watchdog says so
(``sigStalled``), and ``sigResumed`` when the engine is heard again (it was only
stopped for a while) or is not training any more (it was restarted).

The limit is generous: a large network on a loaded machine (iterations of 50 ms and
more, a snapshot or a saveable state that takes a second) never comes near it, and
while the engine owes the window an answer (a view's computation, which can take
longer) the limit is :data:`BUSY_STALL_SECONDS`. Noticing asks nothing of the engine;
ending it is the learner's choice (:meth:`TrainingController.restart_hung`).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from .controller import TrainingController

#: seconds without a word from the engine while it trains before it counts as hung
STALL_SECONDS = 12.0
#: the same while the engine owes an answer to a request (a long computation)
BUSY_STALL_SECONDS = 45.0
#: how often the watchdog looks (milliseconds)
CHECK_MS = 1000


class EngineWatchdog(QObject):
    """Watches one controller's engine; ``stalled`` while it is thought hung."""

    sigStalled = Signal(int)  # seconds it has been silent
    sigResumed = Signal()

    def __init__(self, controller: TrainingController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.stalled = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def silence(self) -> float:
        """Seconds the engine has been silent while it should be training (0 when it is not)."""
        c = self.controller
        if not c.playing or not c.alive:
            return 0.0
        return max(0.0, time.monotonic() - c.last_heard)

    def check(self) -> None:
        silent = self.silence()
        limit = BUSY_STALL_SECONDS if self.controller.waiting_for_answers else STALL_SECONDS
        if silent >= limit and not self.stalled:
            self.stalled = True
            self.sigStalled.emit(int(silent))
        elif self.stalled and silent < limit:
            self.stalled = False
            self.sigResumed.emit()

    def stop(self) -> None:
        self._timer.stop()
