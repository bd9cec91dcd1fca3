"""The GUI-thread side of training: owns the engine process and relays its snapshots.

``TrainingController`` is the only object the windows talk to about training. It

* starts the engine in its own process (:mod:`nnstudio.app.engine_process`) and sends
  it commands (play, pause, step, phase-step, epoch, rewind, reset, new settings …)
  through a pipe; a reader thread (:class:`~nnstudio.app.worker.EngineLink`) turns the
  engine's events into Qt signals,
* keeps only the *latest* snapshot the engine sent and hands it to the views from a
  GUI timer (``sigSnapshot``), so a slow view never slows training and snapshots never
  queue up,
* shuts down cleanly: ``quit`` command, the engine finishes and closes its pipe, the
  reader thread ends, and :meth:`shutdown` waits for both (and ends a process that does
  not stop in time).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import weakref
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core.data import PreparedData
from ..core.snapshot import Snapshot
from ..core.specs import NetworkSpec, TrainConfig
from ..core.trainer import Trainer
from .engine_process import MAX_SPEED, serve
from .worker import EngineLink


class TrainingController(QObject):
    """Drives a trainer in the engine process. All methods return at once; results come as signals."""

    sigSnapshot = Signal(object)  # the newest Snapshot, at most redraw_fps times a second
    sigMessage = Signal(str, str)  # level, text
    sigPlaying = Signal(bool)

    _instances: "weakref.WeakSet[TrainingController]" = weakref.WeakSet()

    @classmethod
    def instances(cls) -> list["TrainingController"]:
        """Controllers still alive (tests use this to find engines left running)."""
        return list(cls._instances)

    def __init__(self, parent: QObject | None = None, redraw_fps: float = 60.0) -> None:
        super().__init__(parent)
        TrainingController._instances.add(self)
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
        cmd_out, cmd_in = ctx.Pipe(duplex=False)
        evt_out, evt_in = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=serve, args=(cmd_out, evt_in), name="nnstudio-engine", daemon=True)
        self._process.start()
        cmd_out.close()  # the engine's ends: closing ours lets each side see the other leave
        evt_in.close()
        self._commands = cmd_in
        self._thread = QThread()
        self._thread.setObjectName("nnstudio-engine-reader")
        self._link = EngineLink(evt_out)  # no parent: a QObject with a parent cannot move threads
        self._link.moveToThread(self._thread)
        self._thread.started.connect(self._link.loop)
        self._link.sigSnapshot.connect(self._on_snapshot)
        self._link.sigMessage.connect(self.sigMessage)
        self._link.sigPlaying.connect(self._on_playing)
        self._link.sigResult.connect(self._on_result)
        self._latest: Snapshot | None = None
        self._pending = False
        self.snapshot: Snapshot | None = None  # the last one handed to the views
        self.playing = False
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None]] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / redraw_fps)))
        self._timer.timeout.connect(self._dispatch)
        self._timer.start()
        self._thread.start()

    def _send(self, name: str, *args: Any) -> None:
        if self._closed:
            return
        try:
            self._commands.send((name, *args))
        except (BrokenPipeError, OSError):
            self.sigMessage.emit("error", "The training engine is not running. Save your project and "
                                          "restart nnstudio.")

    # -- commands ------------------------------------------------------------------------
    def load(self, spec: NetworkSpec, config: TrainConfig, data: PreparedData, trainer: Trainer | None = None) -> None:
        """Replace the trainer: new weights from the seed, or ``trainer`` as it is (a loaded project)."""
        self._send("load", spec, config, data, trainer)

    def play(self) -> None:
        self._send("play")

    def pause(self) -> None:
        self._send("pause")

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def step(self) -> None:
        self._send("step")

    def step_phase(self) -> None:
        self._send("phase")

    def step_epoch(self) -> None:
        self._send("epoch")

    def rewind(self, iteration: int) -> None:
        self._send("rewind", int(iteration))

    def reset(self, seed: int | None = None) -> None:
        self._send("reset", *(() if seed is None else (seed,)))

    def apply_config(self, config: TrainConfig) -> None:
        self._send("config", config)

    def set_data(self, data: PreparedData) -> None:
        self._send("data", data)

    def set_speed(self, iterations_per_second: float) -> None:
        """Iterations per second; ``MAX_SPEED`` (0) = as fast as possible."""
        self._send("speed", iterations_per_second)

    def set_inspected_sample(self, index: int | None) -> None:
        self._send("inspect", index)

    def set_weight(self, flat_index: int, value: float) -> None:
        self._send("set_weight", flat_index, value)

    def set_grid_resolution(self, n: int) -> None:
        self._send("grid_resolution", n)

    def request_snapshot(self) -> None:
        self._send("snapshot")

    def call(self, fn: Callable[[Trainer | None], Any], callback: Callable[[Any], None],
             errback: Callable[[BaseException], None] | None = None) -> None:
        """Run ``fn(trainer)`` in the engine, then ``callback(result)`` on this thread.

        ``fn`` goes to the engine process, so it must be picklable: a module-level
        function or a ``functools.partial`` of one. If it raises, ``errback(exception)``
        is called instead (or the error is reported as a message).
        """
        request_id = next(self._ids)
        self._callbacks[request_id] = (callback, errback)
        self._send("call", request_id, fn)

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

    def flush(self) -> None:
        """Hand the newest snapshot to the views now (tests, and before saving)."""
        self._dispatch()

    @Slot(bool)
    def _on_playing(self, playing: bool) -> None:
        self.playing = playing
        self.sigPlaying.emit(playing)

    @Slot(int, str, object)
    def _on_result(self, request_id: int, status: str, value: Any) -> None:
        callbacks = self._callbacks.pop(request_id, None)
        if callbacks is None:
            return
        callback, errback = callbacks
        if status == "ok":
            callback(value)
        elif errback is not None:
            errback(value)
        else:
            self.sigMessage.emit("error", str(value))

    # -- shutdown ---------------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the engine process and the reader thread, and wait for both. Safe to call twice."""
        self._timer.stop()
        if not self._closed:
            self._send("quit")
            self._closed = True
        ok = True
        if self._thread.isRunning() and not self._thread.wait(timeout_ms):
            ok = False
        self._process.join(timeout_ms / 1000)
        if self._process.is_alive():  # it did not stop: end it, the weights are the GUI's to save
            self._process.terminate()
            self._process.join(2)
            ok = False
        with contextlib.suppress(OSError):
            self._commands.close()
        return ok and not self._thread.isRunning()

    @property
    def thread(self) -> QThread:
        return self._thread

    @property
    def process(self) -> multiprocessing.process.BaseProcess:
        return self._process


__all__ = ["TrainingController", "MAX_SPEED"]
