"""A comparison inside the engine process: run A here, run B in its own process.

:class:`EngineComparison` is what :class:`~nnstudio.app.engine_process.EngineLoop`
holds while the learner compares two runs. It wraps a
:class:`~nnstudio.core.comparison.Comparison` whose run B is a
:class:`~nnstudio.app.remote_run.RemoteRun`, so that stepping, phase-stepping, epochs
and rewinding keep both runs in lockstep with the core's own rules, while playing trains
both *at once*: B's process trains its slice while this process trains A's.

At full speed the two processes do not wait for each other after every slice (measured on
two cores shared with the window, waiting gave each run 0.22–0.49× one run's speed): B
always has its next slice queued, up to one slice past A's, and A waits only when B has
fallen more than :data:`MAX_LAG_SLICES` slices behind; B's snapshot is asked for one frame
ahead, so A rarely waits for it either. So while playing, the two runs may stand a slice or
two (a few milliseconds of training) apart; :meth:`sync` brings the one behind to the
other's iteration count, and the engine calls it whenever training pauses and before
anything else is done to the runs: paused, they stand at the same iteration.
A run trains the same iterations whatever the slices, so none of this changes a number.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any, Generator

from ..core import comparison as comparison_module
from ..core.comparison import Comparison, advance_to
from ..core.data import DataSpec
from ..core.export.comparison_csv import write_comparison_csv
from ..core.project import project_from_trainer
from ..core.project_format import Project, SavedComparison
from ..core.rewind_job import RewindJob
from ..core.run_changes import RunChanges
from ..core.trainer import PhaseRecord, Trainer
from .remote_run import RemoteRun

#: while playing, A waits for B when B is more than this many slices behind
MAX_LAG_SLICES = 3


class EngineComparison:
    """Run A (a local Trainer) and run B (in another process), driven together.

    Parameters
    ----------
    a : Trainer
        The engine's run.
    conn : Connection
        The pipe to run B's process (:func:`~nnstudio.app.run_server.serve_run`).
    changes : RunChanges or str
        What B changes (:meth:`Comparison.fork`), when ``b`` is None.
    b : Trainer, optional
        A ready run B (a reopened project), with ``label``, ``note`` and ``fork_iteration``.
    """

    def __init__(self, a: Trainer, conn: Connection, changes: RunChanges | str, b: Trainer | None = None,
                 label: str = "", note: str = "", fork_iteration: int = 0) -> None:
        if b is None:
            local = Comparison.fork(a, changes)
            b, label, note, fork_iteration = local.b, local.label, local.note, local.fork_iteration
            changes = local.changes
        elif isinstance(changes, str):
            changes = RunChanges.parse(changes)
        self.remote = RemoteRun(conn, b)
        self.comparison = Comparison(a, self.remote, changes, label or None, note, fork_iteration)  # type: ignore[arg-type]
        self.phase_b: PhaseRecord | None = None
        self._b_sent = 0  # the furthest iteration B has been asked to train to
        self._b_shown = False  # a snapshot of B has gone to the window
        #: which runs' stops were reported already (a run that stops alone is told once)
        self.reported: set[str] = set()

    @classmethod
    def making(cls, a: Trainer, conn: Connection,
               changes: RunChanges | str) -> Generator[tuple[int, int], None, "EngineComparison"]:
        """Run B made one slice at a time (:meth:`Comparison.forking`): yields ``(done,
        total)`` while a B with its own weights is trained up to A's iteration, then
        sends B to its process and returns the comparison. Closing the generator before
        that drops the half-made B (``conn`` is the caller's to close); A is never touched."""
        local = yield from Comparison.forking(a, changes)
        return cls(a, conn, local.changes, local.b, local.label, local.note, local.fork_iteration)

    # -- reading ------------------------------------------------------------------------------
    @property
    def a(self) -> Trainer:
        return self.comparison.a

    @property
    def label(self) -> str:
        return self.comparison.label

    @property
    def note(self) -> str:
        return self.comparison.note

    @property
    def stopped(self) -> bool:
        return self.comparison.stopped

    def new_stops(self) -> list[tuple[str, str]]:
        """(level, message) for runs that stopped since the last call ("Run A: …" /
        "B: …: …"): a warning for a divergence, information otherwise."""
        out = []
        for name, run in (("A", self.a), ("B", self.remote)):
            if run.stopped and name not in self.reported:
                self.reported.add(name)
                who = "Run A" if name == "A" else self.label
                kind = (run.stop_info or {}).get("kind")
                out.append(("warning" if kind == "divergence" else "info", f"{who}: {run.stopped}"))
            elif not run.stopped:
                self.reported.discard(name)
        return out

    # -- moving both --------------------------------------------------------------------------
    def play_slice(self, iterations: int) -> None:
        """Playing at full speed: A ``iterations`` further while B trains towards A (see the
        module notes); a stopped A leaves B to go on alone."""
        a, remote = self.a, self.remote
        remote.collect()
        if a.stopped:
            self.run_slice(iterations)
            return
        self.phase_b = None
        target = a.iteration + iterations
        # B always has its next slices queued (up to two past A's), so it never idles
        goal = target + 2 * iterations
        sent = max(self._b_sent, remote.iteration)
        while not remote.stopped and remote.pending_of("run_to") < 3 and sent < goal:
            sent = min(sent + iterations, goal)
            remote.begin_run_to(sent)
        self._b_sent = sent
        t0 = time.perf_counter()
        advance_to(a, target)
        self.comparison.totals.seconds_a += time.perf_counter() - t0
        if remote.pending_of("run_to") and a.iteration - remote.iteration > MAX_LAG_SLICES * iterations:
            remote.finish()

    def snapshot_b(self, resolution: int, probe: bool, evaluate: bool, ips: float, playing: bool) -> Any:
        """Run B's snapshot. Playing: the newest B has made since it was last asked (None
        when it has not finished one: the window shows the one it has), and the next one is
        asked for; A never waits for it. Paused: both runs at the same iteration, and B's
        snapshot of that moment."""
        remote = self.remote
        if not playing:
            self.sync()
            self._b_shown = True
            return remote.snapshot(resolution, probe, evaluate, self.phase_b, ips)
        remote.collect()
        snap = remote.take_snapshot()
        if not remote.pending_of("snapshot"):
            remote.begin_snapshot(resolution, probe, evaluate, None, ips)
        if snap is None and not self._b_shown:
            snap = remote.wait_snapshot()  # the window has none of B's yet
        self._b_shown = True
        return snap

    def sync(self) -> None:
        """Wait for B, then bring the run behind to the other's iteration count."""
        remote = self.remote
        remote.finish()
        self._b_sent = remote.iteration
        target = self.comparison.iteration
        if remote.iteration < target and not remote.stopped:
            remote.begin_run_to(target)
            remote.finish()
            self._b_sent = remote.iteration
        if self.a.iteration < target and not self.a.stopped:
            advance_to(self.a, target)

    def run_slice(self, iterations: int) -> None:
        """Both runs ``iterations`` further, at the same time (B in its process), ending at
        the same iteration count."""
        self.sync()
        target = self.comparison.iteration + iterations
        self.phase_b = None
        b_moves = not self.remote.stopped
        if b_moves:
            self.remote.begin_run_to(target)
        try:
            if not self.a.stopped:
                t0 = time.perf_counter()
                advance_to(self.a, target)
                self.comparison.totals.seconds_a += time.perf_counter() - t0
        finally:
            if b_moves:
                t0 = time.perf_counter()
                self.remote.finish()
                self.comparison.totals.seconds_b += time.perf_counter() - t0

    def step(self, kind: str, inspect: int | None) -> PhaseRecord | None:
        """``"step"`` (a whole iteration, phase by phase), ``"phase"`` or ``"epoch"`` of both;
        returns A's phase record (B's is kept in :attr:`phase_b`)."""
        self.sync()
        cmp = self.comparison
        if kind == "epoch":
            cmp.run_epoch()
            self.phase_b = None
            return None
        pa, pb = cmp.step_phase(inspect)
        if kind == "step":
            # each run goes on to the end of its iteration (a stopped run stays where it is)
            while True:
                a_more = pa is not None and pa.phase != "update" and not self.a.stopped
                b_more = pb is not None and pb.phase != "update" and not self.remote.stopped
                if not (a_more or b_more):
                    break
                if a_more:
                    pa = self.a.step_phase(inspect)
                if b_more:
                    pb = self.remote.step_phase(inspect)
        self.phase_b = pb
        return pa

    def rewind(self, iteration: int) -> None:
        self.sync()
        self.comparison.rewind(iteration)
        self.phase_b = None

    def rewinding(self, iteration: int) -> "BothRunsRewind":
        """Both runs to ``iteration`` a slice at a time, on copies (see
        :class:`BothRunsRewind`); :meth:`take_rewound` puts them in place."""
        self.sync()
        self.comparison.check_rewind(iteration)
        return BothRunsRewind(self.a, self.remote.fetch(), iteration)

    def take_rewound(self, a: Trainer, b: Trainer) -> None:
        """Drive the rewound copies of both runs from now on (B goes back to its process)."""
        self.remote.replace(b)
        self._b_sent = self.remote.iteration
        self.comparison.a = a
        self.phase_b = None

    def set_data(self, data: Any, recipe: Any) -> None:
        self.sync()
        self.comparison.set_data(data, recipe)
        self.phase_b = None

    # -- saving and ending ----------------------------------------------------------------------
    def saved(self) -> SavedComparison:
        """Run B as a project keeps it (fetched from its process)."""
        self.sync()
        b = self.remote.fetch()
        run = project_from_trainer(b, DataSpec())
        cmp = self.comparison
        return SavedComparison(cmp.changes, run, cmp.label, cmp.note, cmp.fork_iteration)

    def with_b(self, project: Project) -> Project:
        """``project`` (run A's saveable state) with run B in it."""
        project.comparison = self.saved()
        return project

    def local(self) -> Comparison:
        """The comparison with a copy of run B fetched here (for what needs both trainers
        in one process: the CSV export and its summary)."""
        self.sync()
        cmp = self.comparison
        local = Comparison(self.a, self.remote.fetch(), cmp.changes, cmp.label, cmp.note, cmp.fork_iteration)
        local.totals = cmp.totals
        return local

    def write_csv(self, path: str) -> list[str]:
        """``<stem>_loss.csv``, ``<stem>_epochs.csv`` and ``<stem>_summary.csv`` beside
        ``path``, as ``nnstudio train --compare … --csv`` writes them; the paths written."""
        return [str(p) for p in write_comparison_csv(self.local(), path)]

    def close(self) -> None:
        """End the comparison keeping A (B's process ends)."""
        self.remote.close()

    def promote(self) -> Trainer:
        """End the comparison keeping B; B's trainer (now local), A is dropped."""
        self.sync()
        b = self.remote.fetch()
        self.remote.close()
        return b


class BothRunsRewind:
    """Run A and run B rewound on copies, one after the other, a slice at a time (as
    :meth:`Comparison.rewind` moves them: each to ``min(iteration, its furthest)``).
    Neither run is touched: :meth:`cancel` drops the copies.

    Parameters
    ----------
    a : Trainer
        Run A.
    b : Trainer
        A copy of run B fetched from its process.
    iteration : int
        Where to go (checked by :meth:`Comparison.check_rewind`).
    """

    def __init__(self, a: Trainer, b: Trainer, iteration: int) -> None:
        self.iteration = iteration
        self._a = RewindJob(a, min(iteration, a.furthest_iteration))
        self._b = RewindJob(b, min(iteration, b.furthest_iteration))
        #: iterations both rewinds replay in all
        self.total = self._a.total + self._b.total
        self._done_a: Trainer | None = None

    def step(self) -> tuple[int, int] | tuple[Trainer, Trainer]:
        """One slice: ``(done, total)`` iterations replayed while either goes on, then the
        rewound copies ``(a, b)``."""
        if self._done_a is None:
            out = self._a.step()
            if not isinstance(out, Trainer):
                return out[0], self.total
            self._done_a = out  # and B's first slice now: a short rewind ends in one step
        out = self._b.step()
        if isinstance(out, Trainer):
            return self._done_a, out
        return self._a.total + out[0], self.total

    def cancel(self) -> None:
        """Drop both copies; neither run was touched."""
        self._a.cancel()
        self._b.cancel()
        self._done_a = None


class MakingB:
    """Run B being made for a ``compare`` request, a slice at a time, so that the engine
    keeps reading commands (and a Cancel) meanwhile: a B with its own weights trained up
    to A's iteration may take minutes.

    Parameters
    ----------
    request_id : int
        The ``compare`` request answered when B is ready (or cancelled, or refused).
    conn : Connection
        The pipe to B's process; closed here when B is not made (its process ends).
    job : generator
        :meth:`EngineComparison.making`.
    """

    def __init__(self, request_id: int, conn: Connection,
                 job: Generator[tuple[int, int], None, EngineComparison]) -> None:
        self.request_id = request_id
        self.conn = conn
        self.job = job
        self._told: float | None = None

    def step(self) -> tuple[int, int] | EngineComparison:
        """One slice: ``(done, total)`` while B catches up, the comparison when B is ready
        (raises what making B raised, having closed B's pipe)."""
        try:
            return next(self.job)
        except StopIteration as finished:
            return finished.value
        except BaseException:
            self.conn.close()
            raise

    def progress_due(self) -> bool:
        """Whether to say how far B is: at the start, then every ``PROGRESS_SECONDS``."""
        now = time.monotonic()
        if self._told is not None and now - self._told < comparison_module.PROGRESS_SECONDS:
            return False
        self._told = now
        return True

    def cancel(self) -> None:
        """Drop the half-made B and end its process; run A was never touched."""
        self.job.close()
        self.conn.close()


__all__ = ["BothRunsRewind", "EngineComparison", "MakingB"]
