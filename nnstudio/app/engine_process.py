"""The training engine's own process: runs the Trainer, free of Qt and of the GUI's GIL.

Why a process and not a thread: the engine runs thousands of tiny NumPy operations a
second, which never release Python's GIL, while pyqtgraph paints from Python and hands
the GIL over at every Qt call it makes. In one process the two take turns; measured on
two cores, training inside the app ran at 0.3–0.5× the engine's own speed and the GUI
stalled. In its own process the engine keeps a core to itself.

:func:`serve` is the process's entry point. It talks over two one-way pipes:

* commands in: ``(name, *args)`` tuples (``load``, ``play``, ``step`` …, see
  :meth:`EngineLoop.execute`);
* events out: ``("snapshot", Snapshot)`` at most ``max_fps`` times a second,
  ``("message", level, text)``, ``("playing", bool)``, ``("result", id, status, value)``
  answers to ``call`` commands (a call whose function returns a generator, such as the loss
  surface, runs a step at a time between commands and answers with what it returns),
  ``("state", Project)`` — everything needed to save the
  run, sent after changes and every second or so while training, so that the GUI can
  save even when this process has died or hangs —, ``("missing_state", id)`` when an
  undo asks for a state that is no longer kept, ``("comparison", label, note)`` when a
  comparison starts and ``("comparison", None, None)`` when it ends, ``("making_b", done,
  total)`` while a run B with its own weights is trained up to run A's iteration,
  ``("rewinding", target, done, total)`` while a long rewind replays, and
  ``("finished",)`` last.

A comparison (``compare``) forks run B from the present run and serves it from a second
process (:mod:`.engine_comparison`): every command that moves the run moves both in
lockstep, snapshots carry B's (``Snapshot.b``) and saveable states hold B too. A run B
with its own weights made late in a run is trained up to A's iteration a slice at a time
(:class:`.engine_comparison.MakingB`) between commands: ``cancel_b`` drops it (run A was
never touched), and meanwhile the commands that would move or change run A are refused
with :data:`MAKING_B_BUSY` (reading, saving and calls go on).

A rewind (``rewind``, iteration[, request id]) is replayed on a copy of the run a slice at a
time between commands (:mod:`.engine_rewind`): ``cancel_rewind`` drops the copy, leaving
the run bit for bit as it was; meanwhile the run is read and saved as it stood before the
rewind, and the commands that would move or change it are refused with
:data:`REWINDING_BUSY`. The request is answered with the settings and data token of the
run it went back to (:func:`settings_of_run`). With run B open, both runs are rewound so,
one after the other, on copies (B's fetched from its process and sent back when both are
there: :class:`.engine_comparison.BothRunsRewind`).

Undo keeps whole runs: ``save_state`` stores a copy of the trainer under an id,
``restore_state`` puts one back (storing the run it replaces under another id first),
so undoing an architecture change brings back the exact trained state. The copies
live here, next to the trainer (no pickling across the pipe), within a memory budget:
the oldest are dropped first.

Everything sent is plain data (dataclasses of NumPy arrays) between two processes of
this program; no file a user opens goes through it.
"""

from __future__ import annotations

import time
import traceback
import types
from collections import OrderedDict, deque
from multiprocessing.connection import Connection
from typing import Any, Callable

from ..core.comparison import ForkCancelled
from ..core.data import DataSpec, PreparedData
from ..core.log_feed import LogFeed
from ..core.errors import NNStudioError
from ..core.probes import ProbeResult
from ..core.project import Project, project_from_trainer
from ..core.snapshot import Grid, evaluate_grid, make_snapshot
from ..core.trainer import PhaseRecord, Trainer
from .engine_comparison import EngineComparison, MakingB
from .blas_threads import engine_threads, limit_blas
from .engine_rewind import REPLACED_WHILE_REWINDING, REWINDING_BUSY, EngineRewind, RewindCommands
from .engine_rewind import settings_of_run  # noqa: F401 - where the window has always found it
from .remote_run import RunLostError

#: the speed control's "as fast as possible"
MAX_SPEED = 0.0
#: memory that undo's copies of whole runs may take in the engine process
SAVED_STATES_BUDGET = 512 * 2**20
#: seconds between two saveable states sent while training (more for large runs)
STATE_INTERVAL = 1.0
#: refused while run B is being made: the commands that would move or change run A (B is
#: being trained up to A's iteration; a message says why) and those that need run B (an
#: error answers them)
MAKING_B_REFUSES = frozenset({"play", "step", "phase", "epoch", "rewind", "reset", "config", "data", "set_weight"})
MAKING_B_REFUSES_CALLS = frozenset({"compare", "close_b", "promote_b", "call_b", "export_csv"})
MAKING_B_BUSY = "Run B is still being made: wait until it is ready, or cancel it (Esc)."
REPLACED_WHILE_MAKING_B = "Making run B was cancelled: the run it was made from was replaced."
#: refused while a long rewind replays (the run is read and saved as it was before it)
REWINDING_REFUSES = MAKING_B_REFUSES
REWINDING_REFUSES_CALLS = frozenset({"compare", "close_b", "promote_b"})


class EngineLoop(RewindCommands):
    """The engine's state machine: a Trainer, play/pause, slices and snapshots.

    ``emit(kind, *payload)`` sends events; ``poll(timeout)`` returns the next command
    tuple or None. Both are given by :func:`serve` (pipes) or by a test.
    """

    def __init__(self, emit: Callable[..., None], poll: Callable[[float], tuple | None],
                 max_fps: float = 32.0, slice_seconds: float = 0.006, send_log_pieces: bool = False) -> None:
        self.emit = emit
        self.poll = poll
        self.max_fps = max_fps
        self.slice_seconds = slice_seconds
        self.trainer: Trainer | None = None
        self.data: PreparedData | None = None
        #: run B and how it is driven, while the learner compares two runs
        self.comparison: EngineComparison | None = None
        #: run B being made (trained up to A's iteration a slice at a time), else None
        self.making: MakingB | None = None
        #: a long rewind being replayed (on a copy of the run, a slice at a time), else None
        self.rewinding: EngineRewind | None = None
        self.playing = False
        self.speed = MAX_SPEED  # iterations per second; 0 = as fast as possible
        self.grid_resolution = 64
        self.probe_interval = 0.2  # seconds between probes while playing
        self.inspect: int | None = None
        self.quit = False
        #: undo's copies of whole runs, oldest first, and their sizes
        self.saved: OrderedDict[int, Trainer] = OrderedDict()
        self._saved_bytes: dict[int, int] = {}
        self.saved_budget = SAVED_STATES_BUDGET
        self._state_dirty = False
        self._next_state = 0.0
        self._state_cost = 0.0
        self._evaluation: tuple[int, dict[str, float]] | None = None  # (iteration, numbers)
        #: history logs go out as pieces (only new rows); None sends them whole (tests)
        self.log_feed: LogFeed | None = LogFeed() if send_log_pieces else None
        self._next_eval = 0.0
        self._dirty = False
        self._last_emit = 0.0
        self._next_emit = 0.0
        self._last_probe = 0.0
        self._probes: ProbeResult | None = None
        #: the window's number of the run in the engine (``Snapshot.run_id``), given with
        #: ``load`` and ``restore_state``
        self.run_id = 0
        self._phase: PhaseRecord | None = None
        self._slice_iters = 16
        self._next_due = 0.0
        self._rate_iters = 0
        self._rate_t0 = time.monotonic()
        self._ips = 0.0
        #: calls whose function returned a generator: run a step at a time between commands
        self._jobs: deque[tuple[Any, types.GeneratorType]] = deque()

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        while not self.quit:
            try:
                self._drain_commands()
                if self.quit:
                    break
                if self.making is not None:
                    self._making_step()
                if self.rewinding is not None:
                    self._rewind_step()
                if self._jobs:
                    self._job_step()
                if self.playing:
                    self._play_slice()
                self._maybe_emit()
                self._maybe_send_state()
            except Exception as exc:  # noqa: BLE001 - nothing may kill the engine
                if not self._report(exc):
                    self._set_playing(False)
        self._cancel_making()
        self._cancel_rewind()
        self._end_comparison()
        self.emit("finished")

    def _drain_commands(self) -> None:
        wait = self._wait_time()
        while True:
            cmd = self.poll(wait)
            if cmd is None:
                return
            wait = 0.0
            try:
                self.execute(*cmd)
            except Exception as exc:  # noqa: BLE001
                self._report(exc)
            if self.quit:
                return

    def _wait_time(self) -> float:
        """How long to block waiting for a command: not at all while training at full
        speed, until the next iteration at a set speed, a while when paused."""
        if self._jobs or self.making is not None or self.rewinding is not None:
            return 0.0
        if self.playing and self.trainer is not None:
            if self.speed == MAX_SPEED:
                return 0.0
            return max(0.0, min(0.05, self._next_due - time.monotonic()))
        if self._dirty:
            return max(0.0, self._next_emit - time.monotonic())
        return 0.05

    def _report(self, exc: BaseException) -> bool:
        """Tell the learner about ``exc``; True when training may go on (run B was lost:
        run A goes on alone, playing if it was)."""
        if isinstance(exc, RunLostError) and self.comparison is not None:
            self._lost_b(exc)
            return True
        if isinstance(exc, NNStudioError):
            self.emit("message", "error", str(exc))
        else:
            traceback.print_exc()
            self.emit("message", "error", f"internal error: {type(exc).__name__}: {exc}")
        return False

    def _lost_b(self, exc: RunLostError) -> None:
        """Run B's process went away: end the comparison and say so, whatever was asked."""
        self._end_comparison()
        self.emit("message", "error", f"Run B stopped unexpectedly ({exc}); run A goes on alone.")
        self._changed()

    def _set_playing(self, playing: bool) -> None:
        if not playing and self.comparison is not None:
            try:
                self.comparison.sync()  # paused, both runs stand at the same iteration
            except Exception as exc:  # noqa: BLE001 - a lost run B ends the comparison, A goes on
                self._report(exc)
        if playing != self.playing:
            self.playing = playing
            self._next_due = time.monotonic()
            self._rate_iters = 0
            self._rate_t0 = time.monotonic()
            self.emit("playing", playing)

    # -- commands ----------------------------------------------------------------------------
    def execute(self, name: str, *args: Any) -> None:
        if name == "quit":
            self.quit = True
            self.playing = False
            return
        if name == "cancel_b":
            self._cancel_making()
            return
        if name == "cancel_rewind":
            self._cancel_rewind()
            return
        if self.making is not None:
            if name in ("load", "restore_state"):
                self._cancel_making(REPLACED_WHILE_MAKING_B)
            elif name in MAKING_B_REFUSES:
                self._refuse(name, args, MAKING_B_BUSY)
                return
        if self.rewinding is not None:
            if name in ("load", "restore_state"):
                self._cancel_rewind(REPLACED_WHILE_REWINDING)
            elif name in REWINDING_REFUSES:
                self._refuse(name, args, REWINDING_BUSY)
                return
        if name == "load":
            # (spec, config, data, trainer or None, data recipe[, run id]): replaces the current trainer
            spec, config, data, trainer, recipe, *run_id = args
            self._end_comparison()
            if trainer is None:
                trainer = Trainer(spec, config, data, data_recipe=recipe)
            elif trainer.data_recipe is None:
                trainer.data_recipe = recipe
            self.trainer = trainer
            self.data = trainer.data
            self._phase = None
            self.run_id = int(run_id[0]) if run_id else self.run_id
            self._changed()
            return
        if name == "save_state":
            self._save_state(int(args[0]))
            return
        if name == "restore_state":
            sid, save_as, *run_id = args  # (id kept under, id to keep the present run as[, run id])
            if sid not in self.saved:
                self.emit("missing_state", sid)
                return
            self._set_playing(False)
            self._end_comparison()
            if save_as is not None:
                self._save_state(int(save_as))
            self.trainer = self.saved[sid].copy()
            self.saved.move_to_end(sid)
            self.data = self.trainer.data
            self._phase = None
            self.run_id = int(run_id[0]) if run_id else self.run_id
            self._changed()
            return
        if name == "drop_states":
            for sid in args[0]:
                self.saved.pop(sid, None)
                self._saved_bytes.pop(sid, None)
            return
        if name == "call":
            # run fn(trainer) here and answer ("result", id, "ok"|"error", value); a long
            # computation returns a generator instead, run a step at a time between commands
            # (its answer is the generator's return value)
            request_id, fn = args
            try:
                value = fn(self.trainer)
            except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
                self.emit("result", request_id, "error", exc)
            else:
                if isinstance(value, types.GeneratorType):
                    self._jobs.append((request_id, value))
                else:
                    self.emit("result", request_id, "ok", value)
            return
        if name in ("compare", "close_b", "promote_b", "call_b", "state_now", "export_csv"):
            self._comparison_command(name, *args)
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
        if name == "send_state":
            self._state_dirty = True
            self._next_state = 0.0
            self._maybe_send_state()
            return
        trainer = self.trainer
        if trainer is None:
            return
        cmp = self.comparison
        if cmp is not None and name in ("reset", "set_weight", "config"):
            raise NNStudioError("Run B is open: close it or make it the main run before changing run A's "
                                "settings or weights.")
        if name == "play":
            if cmp is not None and cmp.stopped:
                self.emit("message", "warning", "Both runs have stopped.")
                return
            if cmp is None and trainer.stopped:
                self.emit("message", "warning", trainer.stopped)
                return
            self._phase = None
            self._set_playing(True)
        elif name == "pause":
            self._set_playing(False)
            self._changed()
        elif name in ("step", "phase", "epoch") and cmp is not None:
            self._set_playing(False)
            if cmp.stopped:
                self.emit("message", "warning", "Both runs have stopped.")
                self._refresh(force=True)
                return
            self._phase = cmp.step(name, self.inspect)
            self._report_stops()
            self._changed()
        elif name in ("step", "phase", "epoch"):
            self._set_playing(False)
            if trainer.stopped:
                self.emit("message", "warning", trainer.stopped)
                self._refresh(force=True)
                return
            if name == "step":
                # the whole iteration phase by phase (the same numbers as step()), so that
                # the step inspector can show all of it
                ph = trainer.step_phase(self.inspect)
                while ph.phase != "update" and not trainer.stopped:
                    ph = trainer.step_phase(self.inspect)
                self._phase = ph
            elif name == "phase":
                self._phase = trainer.step_phase(self.inspect)
            else:
                trainer.run_epoch()
                self._phase = None
            if trainer.stopped:
                self.emit("message", "warning", trainer.stopped)
            self._changed()
        elif name == "rewind":
            self._set_playing(False)
            self._rewind(int(args[0]), args[1] if len(args) > 1 else None)
        elif name == "reset":
            self._set_playing(False)
            trainer.reset(*args)
            self._phase = None
            self._changed()
        elif name == "config":
            self.emit("message", "info", trainer.set_config(args[0]))
            self._changed(probe=False)
        elif name == "data":
            data, recipe = args
            if cmp is not None:
                cmp.set_data(data, recipe)
            else:
                trainer.set_data(data, recipe)
            self.data = data
            self._changed()
        elif name == "set_weight":
            index, value = args
            trainer.set_weights([int(index)], [value])
            self._changed()
        elif name == "snapshot":
            self._refresh(probe=True, force=True)
        else:
            raise ValueError(f"unknown engine command {name!r}")

    # -- comparisons ---------------------------------------------------------------------------
    def _comparison_command(self, name: str, request_id: int, *args: Any) -> None:
        """``compare`` (conn, changes, b, label, note, fork_iteration), ``close_b``,
        ``promote_b``, ``call_b`` (fn) and ``state_now``: each answers with a result
        (``compare`` of a B to be made later, see :meth:`_start_making`)."""
        try:
            busy = (MAKING_B_BUSY if self.making is not None and name in MAKING_B_REFUSES_CALLS else
                    REWINDING_BUSY if self.rewinding is not None and name in REWINDING_REFUSES_CALLS else None)
            if busy is not None:
                if name == "compare":
                    args[0].close()  # the new B's process ends
                raise NNStudioError(busy)
            if name == "compare" and args[2] is None and self.trainer is not None:
                self._start_making(request_id, *args[:2])
                return
            value = self._comparison_value(name, *args)
        except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
            if isinstance(exc, RunLostError) and self.comparison is not None:
                self._lost_b(exc)
            self.emit("result", request_id, "error", exc)
        else:
            self.emit("result", request_id, "ok", value)

    def _comparison_value(self, name: str, *args: Any) -> Any:
        trainer = self.trainer
        if name == "compare":
            conn, changes, b, label, note, fork_iteration = args
            if trainer is None:
                conn.close()
                raise NNStudioError("there is no run to compare yet")
            self._set_playing(False)
            self._end_comparison()
            try:
                made = EngineComparison(trainer, conn, changes, b, label, note, fork_iteration)
            except BaseException:
                conn.close()
                raise
            return self._begin_comparison(made)
        if name == "state_now":
            if trainer is None:
                raise NNStudioError("there is no run yet")
            if self.comparison is not None:
                self.comparison.sync()
            project = saveable_state(trainer)
            if self.comparison is not None:
                project = self.comparison.with_b(project)
            return project, trainer.data_recipe
        cmp = self.comparison
        if cmp is None:
            raise NNStudioError("there is no run B: start a comparison first")
        if name == "call_b":
            return cmp.remote.call(args[0])
        if name == "export_csv":
            return cmp.write_csv(str(args[0]))
        self._set_playing(False)
        if name == "close_b":
            self._end_comparison()
            self._changed()
            return None
        # promote_b: B becomes the run; A is dropped (the window kept it for undo)
        b = cmp.promote()
        if args:  # the window's number for the run B becomes
            self.run_id = int(args[0])
        self.comparison = None
        self.emit("comparison", None, None)
        self.trainer = b
        self.data = b.data
        self._phase = None
        self._changed()
        return b.spec, b.config, b.data_recipe

    def _begin_comparison(self, made: EngineComparison) -> tuple[str, str]:
        self.comparison = made
        self._phase = None
        self.emit("comparison", made.label, made.note)
        self._report_stops()
        self._changed()
        return made.label, made.note

    def _start_making(self, request_id: int, conn: Any, changes: Any) -> None:
        """Make run B from the present run a slice at a time (:meth:`_making_step`), and
        answer ``request_id`` when it is ready; a B that goes on from A's weights is
        ready at the first slice."""
        assert self.trainer is not None
        self._set_playing(False)
        self._end_comparison()
        self.making = MakingB(request_id, conn, EngineComparison.making(self.trainer, conn, changes))
        self._making_step()

    def _making_step(self) -> None:
        """One slice of making run B; its answer when B is ready (or cannot be made).
        While a B with its own weights catches up, ``("making_b", done, total)`` says how far."""
        making = self.making
        assert making is not None
        try:
            out = making.step()
        except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
            self.making = None
            self.emit("result", making.request_id, "error", exc)
            return
        if isinstance(out, EngineComparison):
            self.making = None
            self.emit("result", making.request_id, "ok", self._begin_comparison(out))
        elif making.progress_due():
            self.emit("making_b", *out)

    def _cancel_making(self, why: str | None = None) -> None:
        """Drop run B being made (run A was never touched) and say so (``why``, by default
        that run A is as it was) to its ``compare``."""
        making, self.making = self.making, None
        if making is not None:
            making.cancel()
            self.emit("result", making.request_id, "error", ForkCancelled(*(() if why is None else (why,))))

    def _end_comparison(self) -> None:
        cmp, self.comparison = self.comparison, None
        if cmp is not None:
            cmp.close()
            self.emit("comparison", None, None)

    def _report_stops(self) -> None:
        if self.comparison is not None:
            for level, text in self.comparison.new_stops():
                self.emit("message", level, text)

    def _job_step(self) -> None:
        """One step of the oldest long call; its answer when it is done."""
        request_id, job = self._jobs[0]
        try:
            next(job)
        except StopIteration as done:
            self._jobs.popleft()
            self.emit("result", request_id, "ok", done.value)
        except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
            self._jobs.popleft()
            self.emit("result", request_id, "error", exc)

    def _changed(self, probe: bool = True) -> None:
        """The run changed outside of training: new numbers everywhere, now. Its iterations
        may now take far longer (a larger network, more data, a full batch): the slices of
        playing at full speed are sized again from one iteration, else the first could run
        hundreds of the new ones (minutes) before the engine read Pause or sent anything."""
        self._slice_iters = 1
        self._evaluation = None
        self._state_dirty = True
        self._next_state = 0.0
        self._refresh(probe=probe, force=True)

    # -- undo's copies and the saveable state -----------------------------------------------
    def _save_state(self, sid: int) -> None:
        if self.trainer is None:
            return
        copy = self.trainer.copy()
        self.saved[sid] = copy
        self._saved_bytes[sid] = run_nbytes(copy)
        while len(self.saved) > 1 and sum(self._saved_bytes.values()) > self.saved_budget:
            old, _ = self.saved.popitem(last=False)  # the oldest first
            self._saved_bytes.pop(old, None)

    def _maybe_send_state(self) -> None:
        """Send what saving needs, after a change at once and while training every
        second or so (less often when it is large), so that the GUI always holds it."""
        trainer = self.trainer
        if trainer is None or not (self._state_dirty or self.playing):
            return
        now = time.monotonic()
        if now < self._next_state:
            return
        t0 = time.perf_counter()
        if self.comparison is not None:
            self.comparison.sync()
        project = saveable_state(trainer)
        if self.comparison is not None:
            project = self.comparison.with_b(project)
        self.emit("state", project, trainer.data_recipe)
        self._state_cost = time.perf_counter() - t0
        # never more than ~2 % of the time on this
        self._next_state = now + max(STATE_INTERVAL, 50 * self._state_cost) if self.playing else now + 0.2
        self._state_dirty = False

    # -- playing ------------------------------------------------------------------------------
    def _play_slice(self) -> None:
        trainer = self.trainer
        assert trainer is not None
        cmp = self.comparison
        if (cmp.stopped if cmp is not None else trainer.stopped):
            self._set_playing(False)
            return
        if self.speed == MAX_SPEED:
            t0 = time.perf_counter()
            if cmp is not None:
                cmp.play_slice(self._slice_iters)
            else:
                trainer.run(iterations=self._slice_iters)
            dt = time.perf_counter() - t0
            done = self._slice_iters
            if dt > 0:  # size the next slice so it takes about slice_seconds
                target = self._slice_iters * self.slice_seconds / dt
                self._slice_iters = int(min(max(1, 0.5 * self._slice_iters + 0.5 * target), 100_000))
        else:
            now = time.monotonic()
            if now < self._next_due:
                return
            if cmp is not None:
                cmp.run_slice(1)
            else:
                trainer.step()
            done = 1
            self._next_due = max(self._next_due + 1.0 / self.speed, now - 0.5)
        self._rate_iters += done
        self._dirty = True
        if cmp is not None:
            stops = cmp.new_stops()
            for level, text in stops:
                self.emit("message", level, text)
            if cmp.stopped:
                self._set_playing(False)
            if stops:
                self._refresh(probe=True, force=True)
        elif trainer.stopped:
            self._set_playing(False)
            kind = (trainer.stop_info or {}).get("kind")
            self.emit("message", "warning" if kind == "divergence" else "info", trainer.stopped)
            self._refresh(probe=True, force=True)

    # -- snapshots ----------------------------------------------------------------------------
    def _refresh(self, probe: bool = False, force: bool = False) -> None:
        self._dirty = True
        if probe:
            self._last_probe = 0.0
        if force:
            self._last_emit = 0.0
            self._next_emit = 0.0
            self._maybe_emit()

    def _maybe_emit(self) -> None:
        if not self._dirty or self.trainer is None:
            return
        now = time.monotonic()
        if now < self._next_emit:
            return
        # a fixed-rate schedule: a snapshot that went out late (a slice was running)
        # does not push the next one back, so the rate averages max_fps
        period = 1.0 / self.max_fps
        self._next_emit = max(self._next_emit + period, now - period) if self._last_emit else now + period
        trainer = self.trainer
        probe = now - self._last_probe >= self.probe_interval or not self.playing
        cmp = self.comparison
        stale = self._evaluation is None or self._evaluation[0] != trainer.iteration
        evaluate = stale and (not self.playing or now >= self._next_eval)
        snap_b = None if cmp is None else cmp.snapshot_b(self.grid_resolution, probe, evaluate, self._ips,
                                                          self.playing)
        if probe:
            self._probes = trainer.probe()
            self._last_probe = now
        elapsed = now - self._rate_t0
        if self.playing and elapsed >= 0.25:
            self._ips = self._rate_iters / elapsed
            self._rate_iters = 0
            self._rate_t0 = now
        elif not self.playing:
            self._ips = 0.0
        if evaluate:
            t0 = time.perf_counter()
            self._evaluation = (trainer.iteration, trainer.evaluate())
            # the whole training and validation sets: rarely when they are large
            self._next_eval = now + max(0.2, 20 * (time.perf_counter() - t0))
        snap = make_snapshot(trainer, self._grid(), self._probes, self._phase, self._ips, self._evaluation,
                             self.log_feed)
        snap.playing = self.playing
        snap.run_id = self.run_id
        if cmp is not None:
            snap.b_label, snap.b_note = cmp.label, cmp.note
            if snap_b is None:
                snap.b_unchanged = True
            else:
                snap.b = snap_b
                snap.b.playing = self.playing
                snap.b.iterations_per_second = snap.iterations_per_second
            # the rewind slider spans what both runs can reach (not before B was made)
            snap.earliest_iteration = cmp.comparison.earliest_iteration
            snap.furthest_iteration = cmp.comparison.furthest_iteration
        self._last_emit = now
        self._dirty = False
        self.emit("snapshot", snap)

    def _grid(self) -> Grid | None:
        data = self.data
        if data is None or self.trainer is None or data.raw.X.shape[1] not in (1, 2):
            return None
        return evaluate_grid(self.trainer, data.domain, data.transform, self.grid_resolution)


def saveable_state(trainer: Trainer) -> Project:
    """What saving the run needs, without its data (the GUI has that, under the token
    ``trainer.data_recipe``): a Project whose ``data`` is a placeholder."""
    return project_from_trainer(trainer, DataSpec())


def run_nbytes(trainer: Trainer) -> int:
    """About how much memory a copy of ``trainer`` holds (its data is shared)."""
    n = 4 * trainer.network.params.nbytes
    n += sum(c.nbytes for c in trainer._checkpoints)
    n += sum(p.nbytes for p in trainer._traj)
    for log in (trainer.history.iterations, trainer.history.epochs, trainer.history.layers):
        n += log._data.nbytes
    return n


def serve(commands: Connection, events: Connection, max_fps: float = 32.0) -> None:
    """Entry point of the engine process: run an :class:`EngineLoop` on two pipes."""
    limit_blas(engine_threads())  # a core stays free for the window (see blas_threads)

    def emit(kind: str, *payload: Any) -> None:
        try:
            events.send((kind, *payload))
        except (BrokenPipeError, OSError):  # the app is gone: stop
            loop.quit = True

    def poll(timeout: float) -> tuple | None:
        try:
            if commands.poll(timeout):
                return commands.recv()
        except (EOFError, OSError):  # the app closed its end: stop
            return ("quit",)
        return None

    loop = EngineLoop(emit, poll, max_fps=max_fps, send_log_pieces=True)
    try:
        loop.run()
    finally:
        events.close()
        commands.close()
