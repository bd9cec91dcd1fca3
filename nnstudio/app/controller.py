"""The GUI-thread side of training: owns the engine process and relays its snapshots.

``TrainingController`` is the only object the window talks to about training. It

* starts the engine in its own process (:mod:`nnstudio.app.engine_process`) and sends
  it commands (play, pause, step, phase-step, epoch, rewind, reset, new settings …)
  through a pipe; a reader thread (:class:`~nnstudio.app.worker.EngineLink`) turns the
  engine's events into Qt signals,
* keeps only the *latest* snapshot the engine sent and hands it to the views from a
  GUI timer (``sigSnapshot``), so a slow view never slows training and snapshots never
  queue up,
* keeps the latest *saveable state* the engine sent (:attr:`saved_state`), so that the
  project can be saved within a second even when the engine has died or hangs, and
  restarts a dead engine on that state (``sigEngineRestarted``),
* shuts down cleanly: ``quit`` command, the engine finishes and closes its pipe, the
  reader thread ends, and :meth:`shutdown` waits for both (and ends a process that does
  not stop in time).

Data sent to the engine gets a *token* (an int): snapshots and saveable states name the
data they belong to by it, and the window maps it back to its data settings.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import sys
import time
import weakref
from typing import Any, Callable

from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Signal, Slot

from ..core.data import PreparedData
from ..core.errors import NNStudioError
from ..core.project import Project, trainer_from_project
from ..core.snapshot import Snapshot
from ..core.specs import NetworkSpec, TrainConfig
from ..core.trainer import Trainer
from .command_sender import CommandSender
from .engine_process import MAX_SPEED, serve
from .run_server import serve_run
from .worker import EngineLink

#: a dead engine is restarted at most this many times within RESTART_WINDOW seconds
MAX_RESTARTS = 3
RESTART_WINDOW = 60.0
#: what the learner asks for that starts an engine again after it kept stopping (the
#: window's own requests, such as a view's computation, do not)
REVIVING_COMMANDS = frozenset({"play", "step", "phase", "epoch", "rewind", "reset", "load", "config", "data",
                               "set_weight", "restore_state", "compare", "close_b", "promote_b"})


def engine_context() -> multiprocessing.context.BaseContext:
    """How engine processes start: never by forking this process, which runs Qt threads.

    Where the platform has it (Linux, macOS) and the app is not a frozen bundle, from a
    fork server: a small Qt-free process, started once, that has imported the engine
    and forks a copy of itself for each new engine (run A at start, run B of each
    comparison) in a few milliseconds. Otherwise each engine is a fresh interpreter
    that imports NumPy and the engine itself first, about half a second."""
    if not getattr(sys, "frozen", False) and "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["nnstudio.app.engine_process", "nnstudio.app.run_server"])
        return ctx
    return multiprocessing.get_context("spawn")


class TrainingController(QObject):
    """Drives a trainer in the engine process. All methods return at once; results come as signals."""

    sigSnapshot = Signal(object)  # the newest Snapshot, at most redraw_fps times a second
    sigMessage = Signal(str, str)  # level, text
    sigPlaying = Signal(bool)
    sigEngineRestarted = Signal(int)  # the iteration it was restarted at
    sigMissingState = Signal(int)  # an undo's run is no longer kept (memory, or a restart)
    sigComparison = Signal(object, object)  # run B's label and note when a comparison starts; None, None at its end
    sigMakingB = Signal(object, object)  # run B with its own weights is trained up to A's iteration: done, total (ints)
    sigRewinding = Signal(object, object, object)  # a long rewind replays: target iteration, done, total (ints)

    _instances: "weakref.WeakSet[TrainingController]" = weakref.WeakSet()

    @classmethod
    def instances(cls) -> list["TrainingController"]:
        """Controllers still alive (tests use this to find engines left running)."""
        return list(cls._instances)

    def __init__(self, parent: QObject | None = None, redraw_fps: float = 60.0) -> None:
        super().__init__(parent)
        TrainingController._instances.add(self)
        self._latest: Snapshot | None = None
        self._pending = False
        self.snapshot: Snapshot | None = None  # the last one handed to the views
        self.playing = False
        #: the newest (Project without data, data token) the engine sent: enough to save
        self.saved_state: tuple[Project, int | None] | None = None
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None]] = {}
        self._ids = itertools.count(1)
        self._tokens = itertools.count(1)
        self._data: dict[int, PreparedData] = {}  # token → data sent, to restart on
        self._closed = False
        self._restarts: list[float] = []
        #: the engine being ended was hung (:meth:`restart_hung`): its restart says so
        self._ending_hung = False
        #: the engine kept stopping and was not restarted on its own: the next command
        #: (Play, Step …) starts it again
        self.gave_up = False
        #: run B's processes (a comparison's); ended ones are joined when the next starts
        self._b_processes: list[multiprocessing.process.BaseProcess] = []
        #: B's legend while a comparison is open (from the engine), else None
        self.comparison_label: str | None = None
        #: the number of the run last put in the engine (``Snapshot.run_id``): each load and
        #: restore gives the next one, so that snapshots of a run replaced can be told apart
        self.run_id = 0
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / redraw_fps)))
        self._timer.timeout.connect(self._dispatch)
        self._timer.start()
        self._start_engine()

    # -- the engine process -----------------------------------------------------------------
    def _start_engine(self) -> None:
        ctx = engine_context()
        cmd_out, cmd_in = ctx.Pipe(duplex=False)
        evt_out, evt_in = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=serve, args=(cmd_out, evt_in), name="nnstudio-engine", daemon=True)
        self._process.start()
        cmd_out.close()  # the engine's ends: closing ours lets each side see the other leave
        evt_in.close()
        self._commands = CommandSender(cmd_in)  # never waits for the engine to read
        self._thread = QThread()
        self._thread.setObjectName("nnstudio-engine-reader")
        self._link = EngineLink(evt_out)  # no parent: a QObject with a parent cannot move threads
        self._link.moveToThread(self._thread)
        self._thread.started.connect(self._link.loop)
        self._link.sigSnapshot.connect(self._on_snapshot)
        self._link.sigMessage.connect(self.sigMessage)
        self._link.sigPlaying.connect(self._on_playing)
        self._link.sigResult.connect(self._on_result)
        self._link.sigState.connect(self._on_state)
        self._link.sigMissingState.connect(self.sigMissingState)
        self._link.sigComparison.connect(self._on_comparison)
        self._link.sigMakingB.connect(self.sigMakingB)
        self._link.sigRewinding.connect(self.sigRewinding)
        self._link.sigFinished.connect(self._on_finished)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Whether the engine process is running (it may still be busy)."""
        return not self._closed and self._process.is_alive()

    def _send(self, name: str, *args: Any) -> None:
        if self._closed:
            return
        if self.gave_up and name in REVIVING_COMMANDS:
            # the learner asks for something after the engine kept stopping: start it
            # again (once per request, so an engine that stops at once cannot make a loop)
            self._restarts = []
            self._restart("The training engine was started again", load=name != "load")
        # written on a thread of its own: a hung engine that reads nothing cannot freeze the
        # window; a gone one makes the write fail, and the reader thread notices
        self._commands.send((name, *args))

    @Slot(bool)
    def _on_finished(self, clean: bool) -> None:
        if clean or self._closed:
            return
        # the engine vanished (killed, crashed): answer the calls it will never answer,
        # then start a new one on the last state it sent
        self.playing = False
        self.sigPlaying.emit(False)
        if self.comparison_label is not None:
            self._on_comparison(None, None)
        callbacks, self._callbacks = self._callbacks, {}
        for _callback, errback in callbacks.values():
            if errback is not None:
                errback(NNStudioError("the training engine stopped before it answered"))
        self._thread.wait(5000)
        self._process.join(2)
        self._commands.close()
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW] + [now]
        if len(self._restarts) > MAX_RESTARTS:
            self.gave_up = True
            self.sigMessage.emit("error", "The training engine keeps stopping, so it was not started again on its "
                                          "own. Your work is kept: save it, or press Play to start the engine "
                                          "again.")
            return
        if self._ending_hung:
            self._ending_hung = False
            self._restart("The training engine had stopped answering, so it was ended and restarted")
        else:
            self._restart("The training engine stopped unexpectedly. It was restarted")

    @property
    def last_heard(self) -> float:
        """``time.monotonic()`` when the engine last sent anything."""
        return self._link.last_heard

    @property
    def waiting_for_answers(self) -> bool:
        """Whether something was asked of the engine and is not answered yet."""
        return bool(self._callbacks)

    def restart_hung(self) -> None:
        """The engine hangs (it sends nothing: stopped, or stuck): end it (SIGKILL, which a
        stopped process cannot ignore) and start a new one on the last state it sent, as
        when it dies. Returns at once; the restart comes when its pipe closes."""
        if self._closed or not self._process.is_alive():
            return
        self._ending_hung = True
        self._process.kill()

    def _restart(self, said: str, load: bool = True) -> None:
        """Start a new engine on the last state the old one sent (``load``; else empty,
        for a command that loads a run itself), and say so: ``said`` + where it is now."""
        self.gave_up = False
        self._start_engine()
        if not load:
            return
        state = self.saved_state
        data = self._data.get(state[1]) if state is not None and state[1] is not None else None
        if state is None or data is None:
            self.sigMessage.emit("error", "The training engine stopped unexpectedly and had sent nothing to "
                                          "restart from; the network starts from new weights.")
            self.sigEngineRestarted.emit(-1)
            return
        try:
            trainer = trainer_from_project(state[0], data=data)
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"The training engine stopped and could not be restarted: {exc}")
            return
        # the same run, restarted: its number stays
        self._send("load", trainer.spec, trainer.config, data, trainer, state[1], self.run_id)
        also_b = ""
        saved_b = state[0].comparison
        if saved_b is not None:
            try:
                b = trainer_from_project(saved_b.run, data=data)
            except NNStudioError:
                also_b = " Run B of the comparison could not be restarted and was closed."
            else:
                b.data_recipe = state[1]
                self.compare(saved_b.changes, lambda _v: None, None, b, saved_b.label, saved_b.note,
                             saved_b.fork_iteration)
                also_b = f" Run B was restarted at iteration {b.iteration:,}."
        self.sigMessage.emit("warning", f"{said} at iteration {trainer.iteration:,}, the last state it had sent; "
                                        f"your project is intact.{also_b}")
        self.sigEngineRestarted.emit(trainer.iteration)

    # -- commands ------------------------------------------------------------------------
    def _token_for(self, data: PreparedData) -> int:
        token = next(self._tokens)
        self._data[token] = data
        for old in [t for t in self._data if t < token - 256]:  # painting sends many versions
            del self._data[old]
        return token

    def load(self, spec: NetworkSpec, config: TrainConfig, data: PreparedData, trainer: Trainer | None = None,
             token: int | None = None) -> int:
        """Replace the trainer: new weights from the seed, or ``trainer`` as it is (a
        loaded project). Returns the data's token (``token``, or a new one)."""
        if token is None or token not in self._data:
            token = self._token_for(data)
        self.run_id += 1
        self._send("load", spec, config, data, trainer, token, self.run_id)
        return token

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

    def rewind(self, iteration: int, callback: Callable[[Any], None] | None = None,
               errback: Callable[[BaseException], None] | None = None) -> None:
        """Go back (or forward, in the kept future) to ``iteration``. A long replay goes a
        slice at a time in the engine, saying how far it is (``sigRewinding``) and
        cancellable (:meth:`cancel_rewind`); ``callback((config, data token))`` when it is
        there, ``errback(error)`` when it cannot go or was cancelled (RewindCancelled)."""
        if callback is None and errback is None:
            self._send("rewind", int(iteration))
            return
        request_id = next(self._ids)
        self._callbacks[request_id] = (callback or (lambda _value: None), errback)
        self._send("rewind", int(iteration), request_id)

    def cancel_rewind(self) -> None:
        """Stop a long rewind: the run stays exactly as it was before it was asked for."""
        self._send("cancel_rewind")

    def reset(self, seed: int | None = None) -> None:
        self._send("reset", *(() if seed is None else (seed,)))

    def apply_config(self, config: TrainConfig) -> None:
        self._send("config", config)

    def set_data(self, data: PreparedData) -> int:
        """Train on new data (recorded on the run's timeline); returns its token."""
        token = self._token_for(data)
        self._send("data", data, token)
        return token

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

    def save_state(self, sid: int) -> None:
        """Keep a copy of the whole run under ``sid`` (in the engine) for undo."""
        self._send("save_state", int(sid))

    def restore_state(self, sid: int, save_as: int | None = None) -> None:
        """Put the run kept under ``sid`` back, keeping the present one as ``save_as``."""
        self.run_id += 1
        self._send("restore_state", int(sid), None if save_as is None else int(save_as), self.run_id)

    def drop_states(self, sids: list[int]) -> None:
        self._send("drop_states", [int(s) for s in sids])

    # -- comparisons ---------------------------------------------------------------------------
    def _request(self, name: str, callback: Callable[[Any], None], errback: Callable[[BaseException], None] | None,
                 *args: Any) -> None:
        request_id = next(self._ids)
        self._callbacks[request_id] = (callback, errback)
        self._send(name, request_id, *args)

    def compare(self, changes: Any, callback: Callable[[Any], None],
                errback: Callable[[BaseException], None] | None = None, b: Trainer | None = None,
                label: str = "", note: str = "", fork_iteration: int = 0) -> None:
        """Fork run B from the present run with ``changes`` (RunChanges text) — or take the
        ready run ``b`` (a reopened project) — and drive both in lockstep from now on. B
        trains in a process of its own. ``callback((label, note))`` or ``errback(error)``."""
        if self._closed:
            return
        self._reap_b_processes()
        ctx = engine_context()
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=serve_run, args=(theirs,), name="nnstudio-run-b", daemon=True)
        process.start()
        theirs.close()
        self._b_processes.append(process)
        self._request("compare", callback, errback, ours, changes, b, label, note, fork_iteration)
        ours.close()  # the engine has its own duplicate of it

    def cancel_b(self) -> None:
        """Stop making run B (:meth:`compare` then fails with ForkCancelled; run A is as it was)."""
        self._send("cancel_b")

    def close_b(self, callback: Callable[[Any], None], errback: Callable[[BaseException], None] | None = None) -> None:
        """End the comparison, keeping run A."""
        self._request("close_b", callback, errback)

    def promote_b(self, callback: Callable[[Any], None],
                  errback: Callable[[BaseException], None] | None = None) -> None:
        """End the comparison keeping run B as the run; ``callback((spec, config, data token))``.
        B is another run than the one the window had: it gets a new :attr:`run_id`."""
        self.run_id += 1
        self._request("promote_b", callback, errback, self.run_id)

    def call_b(self, fn: Callable[[Trainer], Any], callback: Callable[[Any], None],
               errback: Callable[[BaseException], None] | None = None) -> None:
        """Like :meth:`call`, with run B's trainer (in B's process); an error when no
        comparison is open."""
        self._request("call_b", callback, errback, fn)

    def export_comparison_csv(self, path: str, callback: Callable[[Any], None],
                              errback: Callable[[BaseException], None] | None = None) -> None:
        """Write the comparison's loss, epoch and summary CSV files beside ``path`` (as the
        CLI's ``train --compare … --csv`` does); ``callback(list of paths written)``."""
        self._request("export_csv", callback, errback, str(path))

    @Slot(object, object)
    def _on_comparison(self, label: Any, note: Any) -> None:
        self.comparison_label = label
        if label is None:
            self._reap_b_processes()
        self.sigComparison.emit(label, note)

    def _reap_b_processes(self, timeout: float = 0.0) -> None:
        for process in list(self._b_processes):
            process.join(timeout)
            if process.is_alive() and timeout > 0:
                process.terminate()
                process.join(2)
            if not process.is_alive():
                self._b_processes.remove(process)

    def data_for(self, token: int | None) -> PreparedData | None:
        """The data sent under ``token``, if it is still kept."""
        return None if token is None else self._data.get(token)

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

    def call_and_wait(self, fn: Callable[[Trainer | None], Any], timeout_ms: int) -> Any:
        """Run ``fn(trainer)`` in the engine and wait for its answer here, handling
        events but no user input meanwhile. Raises the function's error, or
        NNStudioError when the engine does not answer within ``timeout_ms``."""
        return self._wait_for(lambda done, failed: self.call(fn, done, failed), timeout_ms)

    def _wait_for(self, ask: Callable[[Callable[[Any], None], Callable[[BaseException], None]], None],
                  timeout_ms: int) -> Any:
        loop = QEventLoop()
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = ("ok", value)
            loop.quit()

        def failed(exc: BaseException) -> None:
            box["value"] = ("error", exc)
            loop.quit()

        if not self.alive:
            raise NNStudioError("the training engine is not running")
        ask(done, failed)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(max(1, timeout_ms))
        if "value" not in box:
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        timer.stop()
        if "value" not in box:
            raise NNStudioError("the training engine did not answer in time")
        status, value = box["value"]
        if status == "error":
            raise value
        return value

    def fresh_state(self, timeout_ms: int = 1000) -> tuple[Project, int | None] | None:
        """The run as it is now, to save: asked of the engine (at most ``timeout_ms``),
        else the newest state it sent (a dead or busy engine)."""
        with contextlib.suppress(NNStudioError):
            self.saved_state = self._wait_for(lambda done, failed: self._request("state_now", done, failed),
                                              timeout_ms)
        return self.saved_state

    # -- relays -----------------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        self._latest = snap
        self._pending = True

    @Slot(object, object)
    def _on_state(self, project: Project, token: Any) -> None:
        self.saved_state = (project, token)

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
    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the engine process and the reader thread, and wait for both. Safe to call twice.

        An engine that does not stop within ``timeout_ms`` (it hangs) is ended: the window
        asked about the work before, and holds the newest state the engine sent. Waiting for
        the reader thread first, as before, froze the closing window 20 seconds, for the
        thread waits for the hung engine."""
        self._timer.stop()
        if not self._closed:
            self._send("quit")
            self._closed = True
        ok = True
        self._process.join(timeout_ms / 1000)
        if self._process.is_alive():  # it did not stop: end it (a stopped process ignores all but SIGKILL)
            self._process.terminate()
            self._process.join(1)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(2)
            ok = False
        # its pipe closed with it: the reader thread ends at once
        if self._thread.isRunning() and not self._thread.wait(timeout_ms):
            ok = False
        self._commands.close()
        self._reap_b_processes(timeout=timeout_ms / 1000)  # B's process ends with the engine's pipe
        return ok and not self._thread.isRunning()

    @property
    def thread(self) -> QThread:
        return self._thread

    @property
    def process(self) -> multiprocessing.process.BaseProcess:
        return self._process


__all__ = ["TrainingController", "MAX_SPEED"]
