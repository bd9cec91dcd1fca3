"""Two runs side by side: run A and run B, which differs from A in settings the learner chose.

:meth:`Comparison.fork` makes B from A's present state with :class:`RunChanges`:

* **Same layer sizes, same initial weights** (a change of learning rate, optimizer or its
  parameters, batch mode or size, L1/L2, schedule, stopping rule, precision, activation,
  dropout, loss): B goes on from A's present state (:meth:`Trainer.branch`): the same
  weights, the same sample order and shuffling and dropout streams, so B sees the same
  batches in the same order as A and the only difference is the one made. The
  optimizer's memory (velocities, averages, step count) is kept when the optimizer stays
  the same (only its parameters change) and starts empty when the optimizer changes. B's
  history up to the fork is A's; B cannot be rewound to before the fork.
* **New initial weights** (another architecture (``hidden``), initialiser, initial bias or
  seed): B is a new run drawn from the (changed) seed, trained with its settings from
  iteration 0 up to A's present iteration, so that both stand at the same iteration:
  "the run A would have been with B's settings from the start". It uses A's present data;
  with the same seed and batch settings it sees the same batches as A did. That catch-up
  may take minutes late in a long run: :meth:`Comparison.fork` reports how far it is and
  can be cancelled (:class:`ForkCancelled`), and :meth:`Comparison.forking` does it one
  slice at a time for a caller that has other work between slices (the app's engine).
  :attr:`Comparison.note` says which of the two happened.

Both runs then move in lockstep: :meth:`step`, :meth:`step_phase`, :meth:`run`,
:meth:`run_epoch` and :meth:`rewind` bring both to the same iteration count (a run that
has stopped, e.g. diverged, stays where it stopped while the other goes on). A inside a
comparison trains bit for bit as it would alone: the runs share nothing but the
(read-only) data arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Generator

from .errors import NNStudioError, SpecError
from .run_changes import RunChanges
from .safetext import bounded
from .trainer import PhaseRecord, StepRecord, Trainer, TrainingData

RUNS = ("A", "B")


@dataclass
class RunTotals:
    """How long each run has trained in this comparison (seconds of ``time.perf_counter``)."""

    seconds_a: float = 0.0
    seconds_b: float = 0.0


def advance_to(run: Trainer, target: int) -> StepRecord | None:
    """Train ``run`` until its iteration count is ``target`` (or it stops): how each run of
    a comparison moves in lockstep. A half-stepped iteration counts as the first of those
    run. Returns the last iteration's record (None if none was run)."""
    n = target - run.iteration - (1 if run.phase_in_progress else 0)
    rec = None
    if run.phase_in_progress and not run.stopped:
        rec = run.step()
    if n > 0 and not run.stopped:
        rec = run.run(n)
    return rec


#: how often a long catch-up of run B says how far it is (seconds)
PROGRESS_SECONDS = 0.5
#: how long one slice of a long catch-up of run B trains (seconds): between two slices
#: the engine reads its commands, so a Cancel is taken within about this long
SLICE_SECONDS = 0.05


class ForkCancelled(NNStudioError):
    """Making run B was cancelled before B was ready (run A is as it was)."""

    def __init__(self, message: str = "Making run B was cancelled; run A is as it was.") -> None:
        super().__init__(message)


def _train_to(b: Trainer, target: int) -> Generator[tuple[int, int], None, None]:
    """Train ``b`` up to iteration ``target`` (or until it stops) in slices of about
    :data:`SLICE_SECONDS`, yielding ``(done, target)`` before the first and after each
    slice but the last. A run trains the same iterations whatever the slices."""
    yield b.iteration, target
    chunk = 256
    while b.iteration < target and not b.stopped:
        t0 = time.monotonic()
        b.run(iterations=min(chunk, target - b.iteration))
        spent = time.monotonic() - t0
        chunk = max(16, min(chunk * 4, int(chunk * SLICE_SECONDS / max(spent, 1e-6))))
        if b.iteration < target and not b.stopped:
            yield b.iteration, target


class Comparison:
    """Run A and run B, driven in lockstep.

    Parameters
    ----------
    a, b : Trainer
        The two runs (B usually made by :meth:`fork`).
    changes : RunChanges
        What B changes; :attr:`label` is built from it.
    label : str, optional
        The legend of B (default: ``changes.label`` against A's settings).
    note : str
        How B was made (shown under the legend).
    fork_iteration : int
        The iteration B was made at (B cannot be rewound before it when it branched off A).
    """

    def __init__(self, a: Trainer, b: Trainer, changes: RunChanges, label: str | None = None,
                 note: str = "", fork_iteration: int = 0) -> None:
        if a is b:
            raise SpecError("a comparison needs two separate runs")
        self.a = a
        self.b = b
        self.changes = changes
        self.label = label if label is not None else changes.label(a.spec, a.config)
        self.note = note
        self.fork_iteration = fork_iteration
        self.totals = RunTotals()
        self.closed = False

    # ------------------------------------------------------------------ making B
    @classmethod
    def fork(cls, a: Trainer, changes: RunChanges | str,
             progress: Callable[[int, int], None] | None = None,
             cancel: Callable[[], bool] | None = None) -> "Comparison":
        """Make run B from A's present state with ``changes`` (or their text, see
        :meth:`RunChanges.parse`). A itself is not touched.

        A B with other weights is trained from iteration 0 up to A's; ``progress(done,
        total)`` is then told how far it is, when it starts and about every
        :data:`PROGRESS_SECONDS` (a long catch-up is not a silent wait), and ``cancel()``
        is asked after every slice: True stops with :class:`ForkCancelled`. The slices
        give B bit for bit the run one call would. (:meth:`forking` is the same, one
        slice at a time.)

        Raises
        ------
        SpecError
            If a change is not valid (unknown setting, bad value, B's network does not
            fit the data) or B would need more memory than allowed.
        ForkCancelled
            If ``cancel`` asked to stop (A is as it was; no B exists).
        """
        job = cls.forking(a, changes)
        told = None
        while True:
            try:
                done, total = next(job)
            except StopIteration as finished:
                return finished.value
            if cancel is not None and cancel():
                job.close()
                raise ForkCancelled()
            now = time.monotonic()
            if progress is not None and (told is None or now - told >= PROGRESS_SECONDS):
                progress(done, total)
                told = now

    @classmethod
    def forking(cls, a: Trainer, changes: RunChanges | str) -> Generator[tuple[int, int], None, "Comparison"]:
        """:meth:`fork` one slice at a time: a generator that yields ``(done, total)``
        iterations of B's catch-up between slices of about :data:`SLICE_SECONDS` (none
        when B goes on from A's weights) and returns the :class:`Comparison`. Closing it
        before it returns drops the half-made B; A is never touched. The changes are
        checked at the first ``next()`` (a SpecError then)."""
        if isinstance(changes, str):
            changes = RunChanges.parse(changes)
        spec_b, config_b = changes.apply(a.spec, a.config)
        label = changes.label(a.spec, a.config)
        at = a.iteration
        if changes.fresh_weights or spec_b.layer_sizes != a.spec.layer_sizes:
            b = Trainer(spec_b, config_b, a.data, checkpoint_budget=a.checkpoint_budget,
                        trajectory_budget=a.trajectory_budget, data_recipe=a.data_recipe)
            if at:
                yield from _train_to(b, at)
            what = "another architecture" if spec_b.layer_sizes != a.spec.layer_sizes else "other initial weights"
            note = (f"B has {what}: its weights are drawn afresh from seed {config_b.seed} and it was trained "
                    f"with its settings from iteration 0")
            note += f" to iteration {b.iteration}." if at else "."
            if b.iteration < at:
                note += f" It stopped there: {b.stopped}"
            fork_iteration = 0
        else:
            b = a.branch(spec_b, config_b)
            note = (f"B goes on from A's weights at iteration {at} and sees the same batches in the same order")
            if config_b.optimizer != a.config.optimizer:
                note += f"; its optimizer ({config_b.optimizer}) starts with empty memory"
            elif at:
                note += "; it keeps the optimizer's memory"
            note += "."
            if b.stopped:
                note += f" B has stopped as A had: {b.stopped}"
            fork_iteration = at
        return cls(a, b, changes, label, note, fork_iteration)

    # ------------------------------------------------------------------ lockstep
    @property
    def runs(self) -> tuple[Trainer, Trainer]:
        self._check_open()
        return self.a, self.b

    @property
    def iteration(self) -> int:
        """The comparison's iteration: the furthest of the two runs."""
        return max(self.a.iteration, self.b.iteration)

    @property
    def earliest_iteration(self) -> int:
        """The earliest iteration both runs can be rewound to."""
        return max(self.a.earliest_iteration, self.b.earliest_iteration)

    @property
    def furthest_iteration(self) -> int:
        return max(self.a.furthest_iteration, self.b.furthest_iteration)

    @property
    def stopped(self) -> bool:
        """Whether both runs have stopped (one that stops alone lets the other go on)."""
        return bool(self.a.stopped) and bool(self.b.stopped)

    def _check_open(self) -> None:
        if self.closed:
            raise SpecError("this comparison has ended (one of its runs was closed or promoted)")

    def _timed(self, which: int, fn: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            dt = time.perf_counter() - t0
            if which == 0:
                self.totals.seconds_a += dt
            else:
                self.totals.seconds_b += dt

    def _both(self, name: str, *args: Any) -> tuple[Any, Any]:
        self._check_open()
        if self.stopped:
            raise SpecError(bounded(f"both runs have stopped. A: {self.a.stopped} B: {self.b.stopped}"))
        out = []
        for k, run in enumerate(self.runs):
            out.append(None if run.stopped else self._timed(k, getattr(run, name), *args))
        return out[0], out[1]

    def step(self) -> tuple[StepRecord | None, StepRecord | None]:
        """One iteration of each run that has not stopped; their records (None for a stopped run)."""
        return self._both("step")

    def step_phase(self, inspect: int | None = None) -> tuple[PhaseRecord | None, PhaseRecord | None]:
        """One phase of each run's current iteration, with the numbers of the same sample
        ``inspect`` in both (see :meth:`Trainer.step_phase`)."""
        return self._both("step_phase", inspect)

    def run(self, iterations: int | None = None, epochs: int | None = None) -> tuple[Any, Any]:
        """``iterations`` iterations of both, or ``epochs`` epochs of A with B kept at A's
        iteration count (an epoch of B may have another length when the batch size differs).
        Returns the records of the last iteration of each run."""
        self._check_open()
        recs: tuple[Any, Any] = (None, None)
        for _ in range(epochs or 0):
            if self.stopped:
                break
            recs = self.run_epoch()
        if iterations:
            target = self.iteration + iterations
            recs = self._run_to(target)
        return recs

    def _run_to(self, target: int) -> tuple[Any, Any]:
        out = [self._timed(k, advance_to, run, target) for k, run in enumerate(self.runs)]
        return out[0], out[1]

    def run_epoch(self) -> tuple[Any, Any]:
        """One epoch of A (or of B when A has stopped), the other run brought to the same
        iteration count."""
        self._check_open()
        if self.stopped:
            return None, None
        lead = 0 if not self.a.stopped else 1
        runs = self.runs
        rec = self._timed(lead, runs[lead].run_epoch)
        other = runs[1 - lead]
        out: list[Any] = [None, None]
        out[lead] = rec
        n = runs[lead].iteration - other.iteration
        if other.phase_in_progress and not other.stopped:
            out[1 - lead] = self._timed(1 - lead, other.step)
            n -= 1
        if n > 0 and not other.stopped:
            out[1 - lead] = self._timed(1 - lead, other.run, n)
        return out[0], out[1]

    def rewind(self, iteration: int) -> None:
        """Both runs to ``iteration`` (a run that stopped earlier goes to where it stopped).

        Raises
        ------
        SpecError
            If ``iteration`` is before :attr:`earliest_iteration` (e.g. before B branched
            off A) or beyond :attr:`furthest_iteration`.
        """
        self.check_rewind(iteration)
        for run in self.runs:
            run.rewind(min(iteration, run.furthest_iteration))

    def check_rewind(self, iteration: int) -> None:
        """Raise SpecError unless :meth:`rewind` can go to ``iteration``. (Each run goes
        to ``min(iteration, run.furthest_iteration)``: a caller that rewinds the runs one
        by one, e.g. a slice at a time, does the same.)"""
        self._check_open()
        first, end = self.earliest_iteration, self.furthest_iteration
        if not first <= iteration <= end:
            why = " (B was made at that iteration)" if first == self.fork_iteration and first > 0 else ""
            raise SpecError(f"can only rewind the comparison to an iteration between {first}{why} and {end}")

    def set_data(self, data: TrainingData, recipe: Any = None) -> None:
        """Both runs train on new data from now on (the comparison stays fair)."""
        self._check_open()
        # B has A's inputs, outputs and task (RunChanges cannot change them): data that
        # fits A fits B, so A refuses it before either run changes
        for run in self.runs:
            run.set_data(data, recipe)

    # ------------------------------------------------------------------ ending
    def close_b(self) -> Trainer:
        """End the comparison keeping A; returns A."""
        self._check_open()
        self.closed = True
        return self.a

    def promote_b(self) -> Trainer:
        """End the comparison keeping B as the main run; returns B."""
        self._check_open()
        self.closed = True
        return self.b

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, dict[str, Any]]:
        """For each run ("A", "B"): final batch loss, loss and metric on the training and
        validation sets at the present weights, iterations, epochs, seconds trained and
        why it stopped."""
        self._check_open()
        out = {}
        seconds = (self.totals.seconds_a, self.totals.seconds_b)
        for name, run, secs in zip(RUNS, self.runs, seconds):
            ev = run.evaluate()
            last = run.last_record.loss if run.last_record is not None else float("nan")
            out[name] = {"label": "A" if name == "A" else self.label, "task": run.spec.task,
                         "batch_loss": last, **ev, "iterations": run.iteration, "epochs": run.epoch,
                         "seconds": secs, "stopped": run.stopped}
        return out


__all__ = ["Comparison", "ForkCancelled", "RunChanges", "RunTotals", "RUNS", "advance_to"]
