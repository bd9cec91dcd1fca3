"""The training worker: owns the Trainer on its own thread.

The worker is a ``QObject`` moved to a ``QThread``. When the thread starts it runs
:meth:`TrainingWorker.loop`, which

* takes commands from a thread-safe queue (the GUI never calls the trainer),
* while playing, runs training in slices of a few milliseconds, so a command waits at
  most one slice,
* emits a :class:`~nnstudio.core.snapshot.Snapshot` at most ``max_fps`` times a
  second, however fast training goes, so nothing piles up in the GUI's event queue,
* turns every error into a message for the user and keeps running.

Stopping is cooperative: the ``quit`` command ends the loop, the worker emits
``sigFinished`` and the thread's event loop is told to quit.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.data import PreparedData
from ..core.errors import NNStudioError
from ..core.probes import ProbeResult
from ..core.snapshot import Grid, evaluate_grid, make_snapshot
from ..core.trainer import PhaseRecord, Trainer

#: the speed control's "as fast as possible"
MAX_SPEED = 0.0


@dataclass
class Command:
    name: str
    args: tuple[Any, ...] = ()


class TrainingWorker(QObject):
    """Runs a :class:`Trainer` on the thread it is moved to. Talk to it with :meth:`send`."""

    sigSnapshot = Signal(object)  # Snapshot
    sigMessage = Signal(str, str)  # level ("info", "warning", "error"), text
    sigPlaying = Signal(bool)
    sigResult = Signal(int, object)  # request id, value (answers to "call" commands)
    sigFinished = Signal()

    def __init__(self, max_fps: float = 30.0, slice_seconds: float = 0.004) -> None:
        super().__init__()
        self.commands: "queue.Queue[Command]" = queue.Queue()
        # The GUI thread asks the worker to step aside while it paints (see
        # TrainingController.painting): pyqtgraph paints in Python, and every Qt call it
        # makes hands the GIL to a busy worker, so painting against a running worker
        # takes many times longer than painting alone.
        self.pause_request = threading.Event()
        self.parked = threading.Event()
        self.resume = threading.Event()
        self.resume.set()
        self.max_fps = max_fps
        self.slice_seconds = slice_seconds
        self.trainer: Trainer | None = None
        self.data: PreparedData | None = None
        self.playing = False
        self.speed = MAX_SPEED  # iterations per second; 0 = as fast as possible
        self.grid_resolution = 64
        self.probe_interval = 0.2  # seconds between probes while playing
        self.inspect: int | None = None
        self._quit = False
        self._dirty = False  # something changed since the last snapshot
        self._last_emit = 0.0
        self._last_probe = 0.0
        self._probes: ProbeResult | None = None
        self._phase: PhaseRecord | None = None
        self._slice_iters = 16
        self._next_due = 0.0
        self._rate_iters = 0
        self._rate_t0 = time.monotonic()
        self._ips = 0.0

    # -- called from any thread -----------------------------------------------------------
    def send(self, name: str, *args: Any) -> None:
        """Queue a command; it runs on the worker thread within one training slice."""
        self.commands.put(Command(name, args))

    # -- the loop (worker thread) -----------------------------------------------------------
    @Slot()
    def loop(self) -> None:
        while not self._quit:
            try:
                self._drain_commands()
                if self._quit:
                    break
                if self.pause_request.is_set():
                    self.parked.set()
                    self.resume.wait(0.25)  # never longer, whatever happens on the GUI side
                    self.parked.clear()
                if self.playing:
                    self._play_slice()
                self._maybe_emit()
            except Exception as exc:  # noqa: BLE001 - nothing may kill the worker
                self._report(exc)
                self._set_playing(False)
        self.sigFinished.emit()
        # Quit this thread's event loop from here: a queued quit() would need the GUI
        # thread's event loop, which is blocked in QThread.wait() during shutdown.
        QThread.currentThread().quit()

    def _drain_commands(self) -> None:
        wait = self._wait_time()
        while True:
            try:
                cmd = self.commands.get(timeout=wait) if wait > 0 else self.commands.get_nowait()
            except queue.Empty:
                return
            wait = 0.0
            try:
                self._execute(cmd)
            except Exception as exc:  # noqa: BLE001
                self._report(exc)
            if self._quit:
                return

    def _wait_time(self) -> float:
        """How long the loop may block on the queue: not at all while training at full
        speed, until the next iteration is due at a set speed, a while when paused."""
        if self.playing and self.trainer is not None:
            if self.speed == MAX_SPEED:
                return 0.0
            return max(0.0, min(0.05, self._next_due - time.monotonic()))
        if self._dirty:
            return max(0.0, self._last_emit + 1.0 / self.max_fps - time.monotonic())
        return 0.05

    def _report(self, exc: BaseException) -> None:
        if isinstance(exc, NNStudioError):
            self.sigMessage.emit("error", str(exc))
        else:
            traceback.print_exc()
            self.sigMessage.emit("error", f"internal error: {type(exc).__name__}: {exc}")

    def _set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self._next_due = time.monotonic()
            self._rate_iters = 0
            self._rate_t0 = time.monotonic()
            self.sigPlaying.emit(playing)

    # -- commands -------------------------------------------------------------------------
    def _execute(self, cmd: Command) -> None:
        name, args = cmd.name, cmd.args
        if name == "quit":
            self._quit = True
            self.playing = False
            return
        if name == "load":
            # a new trainer: (spec, config, data[, trainer]) — replaces the current one
            spec, config, data = args[:3]
            trainer = args[3] if len(args) > 3 and args[3] is not None else Trainer(spec, config, data)
            self.trainer, self.data = trainer, data
            self._phase = None
            self._refresh(probe=True, force=True)
            return
        if name == "call":
            # run fn(trainer) here and answer with sigResult(request_id, value)
            request_id, fn = args
            self.sigResult.emit(request_id, fn(self.trainer))
            return
        if name == "speed":
            self.speed = float(args[0])
            self._next_due = time.monotonic()
            return
        if name == "inspect":
            self.inspect = args[0]
            return
        if name == "grid_resolution":
            self.grid_resolution = int(args[0])
            self._refresh(force=True)
            return
        trainer = self.trainer
        if trainer is None:
            return
        if name == "play":
            if trainer.stopped:
                self.sigMessage.emit("warning", trainer.stopped)
                return
            self._phase = None
            self._set_playing(True)
        elif name == "pause":
            self._set_playing(False)
            self._refresh(probe=True, force=True)
        elif name == "step":
            self._set_playing(False)
            if self._guard_stopped():
                return
            trainer.step()
            self._phase = None
            self._after_manual()
        elif name == "phase":
            self._set_playing(False)
            if self._guard_stopped():
                return
            self._phase = trainer.step_phase(self.inspect)
            self._after_manual()
        elif name == "epoch":
            self._set_playing(False)
            if self._guard_stopped():
                return
            trainer.run_epoch()
            self._phase = None
            self._after_manual()
        elif name == "rewind":
            self._set_playing(False)
            trainer.rewind(int(args[0]))
            self._phase = None
            self._refresh(probe=True, force=True)
        elif name == "reset":
            self._set_playing(False)
            trainer.reset(*args)
            self._phase = None
            self._refresh(probe=True, force=True)
        elif name == "config":
            note = trainer.set_config(args[0])
            self.sigMessage.emit("info", note)
            self._refresh(force=True)
        elif name == "data":
            trainer.set_data(args[0])
            self.data = args[0]
            self._refresh(probe=True, force=True)
        elif name == "set_weight":
            index, value = args
            if trainer.phase_in_progress:
                raise NNStudioError("finish the iteration being stepped before editing a weight")
            trainer.network.params[int(index)] = value
            self._refresh(probe=True, force=True)
        elif name == "snapshot":
            self._refresh(probe=True, force=True)
        else:
            raise ValueError(f"unknown worker command {name!r}")

    def _guard_stopped(self) -> bool:
        assert self.trainer is not None
        if self.trainer.stopped:
            self.sigMessage.emit("warning", self.trainer.stopped)
            self._refresh(force=True)
            return True
        return False

    def _after_manual(self) -> None:
        assert self.trainer is not None
        if self.trainer.stopped:
            self.sigMessage.emit("warning", self.trainer.stopped)
        self._refresh(probe=True, force=True)

    # -- playing ---------------------------------------------------------------------------
    def _play_slice(self) -> None:
        trainer = self.trainer
        assert trainer is not None
        if trainer.stopped:
            self._set_playing(False)
            return
        if self.speed == MAX_SPEED:
            t0 = time.perf_counter()
            trainer.run(iterations=self._slice_iters)
            dt = time.perf_counter() - t0
            done = self._slice_iters
            # size the next slice so it takes about slice_seconds
            if dt > 0:
                target = self._slice_iters * self.slice_seconds / dt
                self._slice_iters = int(min(max(1, 0.5 * self._slice_iters + 0.5 * target), 100_000))
        else:
            now = time.monotonic()
            if now < self._next_due:
                return
            trainer.step()
            done = 1
            self._next_due = max(self._next_due + 1.0 / self.speed, now - 0.5)
        self._rate_iters += done
        self._dirty = True
        if trainer.stopped:
            self._set_playing(False)
            kind = (trainer.stop_info or {}).get("kind")
            self.sigMessage.emit("warning" if kind == "divergence" else "info", trainer.stopped)
            self._refresh(probe=True, force=True)

    # -- snapshots ---------------------------------------------------------------------------
    def _refresh(self, probe: bool = False, force: bool = False) -> None:
        self._dirty = True
        if probe:
            self._last_probe = 0.0
        if force:
            self._last_emit = 0.0
            self._maybe_emit()

    def _maybe_emit(self) -> None:
        if not self._dirty or self.trainer is None:
            return
        now = time.monotonic()
        if now - self._last_emit < 1.0 / self.max_fps:
            return
        trainer = self.trainer
        if now - self._last_probe >= self.probe_interval or not self.playing:
            self._probes = trainer.probe()
            self._last_probe = now
        elapsed = now - self._rate_t0
        if self.playing and elapsed >= 0.25:
            self._ips = self._rate_iters / elapsed
            self._rate_iters = 0
            self._rate_t0 = now
        elif not self.playing:
            self._ips = 0.0
        snap = make_snapshot(trainer, self._grid(), self._probes, self._phase, self._ips)
        snap.playing = self.playing
        self._last_emit = now
        self._dirty = False
        self.sigSnapshot.emit(snap)

    def _grid(self) -> Grid | None:
        data = self.data
        if data is None or self.trainer is None:
            return None
        if data.raw.X.shape[1] not in (1, 2):
            return None
        return evaluate_grid(self.trainer, data.domain, data.transform, self.grid_resolution)

