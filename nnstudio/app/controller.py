"""The GUI-thread side of training: owns the worker thread and relays its snapshots.

``TrainingController`` is the only object the windows talk to about training. It

* starts a :class:`~nnstudio.app.worker.TrainingWorker` on a ``QThread`` and sends it
  commands (play, pause, step, phase-step, epoch, rewind, reset, new settings …),
* keeps only the *latest* snapshot the worker emitted and hands it to the views from a
  GUI timer (``sigSnapshot``), so a slow view never slows training and snapshots never
  queue up,
* shuts the thread down cleanly: ``quit`` command, the worker's loop ends, the thread's
  event loop quits, and :meth:`shutdown` waits for the thread before anything is freed.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from typing import Any, Callable, Iterator

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core.data import PreparedData
from ..core.snapshot import Snapshot
from ..core.specs import NetworkSpec, TrainConfig
from ..core.trainer import Trainer
from .worker import MAX_SPEED, TrainingWorker


class TrainingController(QObject):
    """Drives a background trainer. All methods return at once; results come as signals."""

    sigSnapshot = Signal(object)  # the newest Snapshot, at most redraw_fps times a second
    sigMessage = Signal(str, str)  # level, text
    sigPlaying = Signal(bool)

    _instances: "weakref.WeakSet[TrainingController]" = weakref.WeakSet()

    @classmethod
    def instances(cls) -> list["TrainingController"]:
        """Controllers still alive (tests use this to find threads left running)."""
        return list(cls._instances)

    def __init__(self, parent: QObject | None = None, redraw_fps: float = 60.0) -> None:
        super().__init__(parent)
        TrainingController._instances.add(self)
        self._thread = QThread()
        self._thread.setObjectName("nnstudio-trainer")
        self._worker = TrainingWorker()  # no parent: a QObject with a parent cannot move threads
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.loop)
        self._worker.sigSnapshot.connect(self._on_snapshot)
        self._worker.sigMessage.connect(self.sigMessage)
        self._worker.sigPlaying.connect(self._on_playing)
        self._worker.sigResult.connect(self._on_result)
        self._latest: Snapshot | None = None
        self._pending = False
        self.snapshot: Snapshot | None = None  # the last one handed to the views
        self.playing = False
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._ids = itertools.count(1)
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / redraw_fps)))
        self._timer.timeout.connect(self._dispatch)
        self._timer.start()
        self._thread.start()

    # -- commands ------------------------------------------------------------------------
    def load(self, spec: NetworkSpec, config: TrainConfig, data: PreparedData, trainer: Trainer | None = None) -> None:
        """Replace the trainer: new weights from the seed, or ``trainer`` as it is (a loaded project)."""
        self._worker.send("load", spec, config, data, trainer)

    def play(self) -> None:
        self._worker.send("play")

    def pause(self) -> None:
        self._worker.send("pause")

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def step(self) -> None:
        self._worker.send("step")

    def step_phase(self) -> None:
        self._worker.send("phase")

    def step_epoch(self) -> None:
        self._worker.send("epoch")

    def rewind(self, iteration: int) -> None:
        self._worker.send("rewind", int(iteration))

    def reset(self, seed: int | None = None) -> None:
        self._worker.send("reset", *(() if seed is None else (seed,)))

    def apply_config(self, config: TrainConfig) -> None:
        self._worker.send("config", config)

    def set_data(self, data: PreparedData) -> None:
        self._worker.send("data", data)

    def set_speed(self, iterations_per_second: float) -> None:
        """Iterations per second; ``MAX_SPEED`` (0) = as fast as possible."""
        self._worker.send("speed", iterations_per_second)

    def set_inspected_sample(self, index: int | None) -> None:
        self._worker.send("inspect", index)

    def set_weight(self, flat_index: int, value: float) -> None:
        self._worker.send("set_weight", flat_index, value)

    def set_grid_resolution(self, n: int) -> None:
        self._worker.send("grid_resolution", n)

    def request_snapshot(self) -> None:
        self._worker.send("snapshot")

    def call(self, fn: Callable[[Trainer | None], Any], callback: Callable[[Any], None]) -> None:
        """Run ``fn(trainer)`` on the worker thread, then ``callback(result)`` on this one."""
        request_id = next(self._ids)
        self._callbacks[request_id] = callback
        self._worker.send("call", request_id, fn)

    # -- relays -----------------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        self._latest = snap
        self._pending = True

    @Slot()
    def _dispatch(self) -> None:
        if self._pending and self._latest is not None:
            self._pending = False
            self.snapshot = self._latest
            self.sigSnapshot.emit(self._latest)

    @contextlib.contextmanager
    def painting(self, wait: float = 0.012) -> Iterator[None]:
        """Keep the training thread parked while views update and paint.

        Views paint much faster without a busy worker competing for the GIL (pyqtgraph
        paints in Python and each Qt call it makes hands the GIL over); training loses
        only the painting time. Waits at most ``wait`` seconds for the worker to park
        (it parks between slices), and does nothing when training is not playing. The
        worker is released only after the event loop has run the paint events the
        block posted (pyqtgraph repaints its scenes from posted events).
        """
        worker = self._worker
        if not self.playing:
            yield
            return
        worker.resume.clear()
        worker.pause_request.set()
        worker.parked.wait(wait)
        try:
            yield
        finally:
            def release() -> None:
                worker.pause_request.clear()
                worker.resume.set()

            # two hops: posted scene updates post viewport updates in turn
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, release))

    def flush(self) -> None:
        """Hand the newest snapshot to the views now (tests, and before saving)."""
        self._dispatch()

    @Slot(bool)
    def _on_playing(self, playing: bool) -> None:
        self.playing = playing
        self.sigPlaying.emit(playing)

    @Slot(int, object)
    def _on_result(self, request_id: int, value: Any) -> None:
        cb = self._callbacks.pop(request_id, None)
        if cb is not None:
            cb(value)

    # -- shutdown ---------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the worker and wait for its thread. Safe to call twice."""
        self._timer.stop()
        if self._thread.isRunning():
            self._worker.send("quit")
            if not self._thread.wait(timeout_ms):
                return False
        return True

    @property
    def thread(self) -> QThread:
        return self._thread


__all__ = ["TrainingController", "MAX_SPEED"]
