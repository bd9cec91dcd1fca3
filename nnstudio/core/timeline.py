"""The run's timeline: changes made while it trains, checkpoints, and exact rewinding.

A mixin of :class:`~nnstudio.core.trainer.Trainer` (it works on the trainer's state).
The run keeps a **timeline** of the changes made to it while it trains (new settings,
weights typed in, new data), each with the iteration it was made at. Rewinding restores
a checkpoint and replays the iterations *with those changes at the same moments*, so it
lands bit for bit on the state that existed. Rewinding keeps the abandoned future (its
checkpoints and changes) so that the run can be scrubbed forward again, until training
goes on or a change is made from the earlier point.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import time
from typing import Any, Generator

import numpy as np

from .errors import SpecError
from .network import Network
from .optimizers import apply_settings, optimizer_from_config
from .specs import TrainConfig
from .trainer_records import Change, TrainingData, _State

#: how long one slice of :meth:`Timeline.rewinding` replays (seconds): between two slices
#: the app's engine reads its commands, so a Cancel is taken within about this long
REWIND_SLICE_SECONDS = 0.05
#: iterations replayed between two looks at the clock (one iteration takes microseconds)
REWIND_CLOCK_EVERY = 64


@dataclasses.dataclass
class _KeptLogs:
    """The history and the path of a run at its furthest iteration, kept while it is
    rewound (see :meth:`Timeline._rewind_slices`)."""

    history: dict[str, Any]
    traj_iters: list[int]
    traj: list[np.ndarray]
    traj_stride: int


class _SliceClock:
    """When a slice of a sliced rewind is over, and how far the replay is."""

    def __init__(self, start: int, target: int, seconds: float) -> None:
        self.start, self.total, self.seconds = start, target - start, seconds
        self.ends = time.monotonic() + seconds

    def due(self) -> bool:
        now = time.monotonic()
        if now < self.ends:
            return False
        self.ends = now + self.seconds
        return True

    def progress(self, iteration: int) -> tuple[int, int]:
        return iteration - self.start, self.total


class Timeline:
    """Changes, checkpoints and rewinding of a :class:`~nnstudio.core.trainer.Trainer`."""

    # ---------------------------------------------------------------- live changes
    def set_config(self, config: TrainConfig) -> str:
        """Apply new training settings without losing the weights (recorded on the timeline).

        Returns a short sentence saying what happened (e.g. that the optimizer's
        memory was cleared because the optimizer changed).
        """
        if config == self.config:
            return "settings applied; the weights are kept"
        self._fork()
        note = self._apply_config(config)
        self._record(Change(self.iteration, "config", config, self.phase_in_progress))
        return note

    def set_data(self, data: TrainingData, recipe: Any = None) -> None:
        """Train on new data with the same weights (the epoch starts over); recorded on
        the timeline with ``recipe`` (what the caller needs to make the data again)."""
        self._check_data(self.spec, data)
        self._fork()
        self._apply_data(data, recipe)
        self._record(Change(self.iteration, "data", data, None, recipe))

    def set_weights(self, indices: Any, values: Any) -> None:
        """Set parameters by hand: ``indices`` into the flat parameter vector (see
        :class:`~nnstudio.core.network.Network`) and their new ``values`` (recorded on the
        timeline). Not while an iteration is being stepped phase by phase."""
        if self.phase_in_progress:
            raise SpecError("finish the iteration being stepped before editing a weight")
        idx = np.atleast_1d(np.asarray(indices, dtype=np.intp)).copy()
        vals = np.atleast_1d(np.asarray(values, dtype=self.network.dtype)).copy()
        n = self.network.params.size
        if idx.shape != vals.shape or idx.ndim != 1 or (idx.size and (idx.min() < -n or idx.max() >= n)):
            raise SpecError(f"weight indices must lie between 0 and {n - 1}, one value each")
        if not np.all(np.isfinite(vals)):
            raise SpecError("a weight must be a finite number")
        self._fork()
        self.network.params[idx] = vals
        self._record(Change(self.iteration, "weights", (idx, vals)))

    def _record(self, change: Change) -> None:
        self.timeline.append(change)
        self._applied = len(self.timeline)

    def _apply_change(self, change: Change) -> None:
        if change.kind == "config":
            self._apply_config(change.value)
        elif change.kind == "data":
            self._apply_data(change.value, change.recipe)
        else:
            idx, vals = change.value
            self.network.params[idx] = vals

    def _apply_config(self, config: TrainConfig) -> str:
        old = self.config
        self.config = config
        notes = []
        if config.dtype != old.dtype:
            # a half-stepped iteration holds arrays of the old network: start it over
            self._finish_pending_phases(discard=True)
            params = self.network.params.astype(config.dtype)
            self.network = Network(self.spec, 0, config.dtype)
            self.network.set_flat(params)
            self._prev = np.empty_like(self.network.params)
            self._set_overflow_limit()
            self._cast_data()
            self.optimizer.set_state({k: (v.astype(config.dtype) if isinstance(v, np.ndarray) else v)
                                      for k, v in self.optimizer.get_state().items()})
            if self.best_params is not None:
                self.best_params = self.best_params.astype(config.dtype)
            notes.append(f"precision is now {config.dtype}")
        if config.optimizer != old.optimizer:
            self.optimizer = optimizer_from_config(config)
            notes.append(f"switched to {config.optimizer}; its memory (velocities, averages) starts empty")
        else:
            apply_settings(self.optimizer, config)
        self._refresh_batching()
        if old.batch_mode == "full" and config.batch_mode != "full" and self.pos == 0:
            self._new_epoch_order()  # a full-batch epoch leaves the data in order: shuffle now
        self._set_lr_for_epoch()
        if config.early_stopping != old.early_stopping or config.target_metric != old.target_metric:
            self.best_value, self.best_params, self.best_epoch, self.wait = math.inf, None, -1, 0
        if self.stopped and self.stop_info and self.stop_info.get("kind") == "early_stopping":
            # the user changed the rules: let training go on
            self.stopped = None
        return "; ".join(notes) if notes else "settings applied; the weights are kept"

    def _apply_data(self, data: TrainingData, recipe: Any = None) -> None:
        self._finish_pending_phases(discard=True)
        self.data = data
        self.data_recipe = recipe
        self._cast_data()
        self.perm = np.arange(self.n_train)
        self.pos = 0
        self._new_epoch_order()
        self._reset_epoch_acc()

    # ---------------------------------------------------------------- checkpoints / rewind
    def _capture(self, whole: bool = False) -> _State:
        """The state as of the last whole iteration (a half-stepped one is not part of
        it). ``whole``: an iteration has just completed inside the phase generator, so
        the dropout generator's present state is the one to keep."""
        dropout_state = (self._phase_rng_state if self._phase_gen is not None and not whole
                         else self.dropout_rng.bit_generator.state)
        return _State(
            iteration=self.iteration, epoch=self.epoch, params=self.network.get_flat(),
            opt_state=self.optimizer.get_state(),
            shuffle_rng=self.shuffle_rng.bit_generator.state,
            dropout_rng=dropout_state,
            perm=self.perm.copy(), pos=self.pos,
            epoch_loss_sum=self._epoch_loss_sum, epoch_batches=self._epoch_batches,
            epoch_correct=self._epoch_correct, epoch_seen=self._epoch_seen, epoch_ssr=self._epoch_ssr,
            best_value=self.best_value,
            best_params=None if self.best_params is None else self.best_params.copy(),
            best_epoch=self.best_epoch, wait=self.wait, stopped=self.stopped,
            first_loss=self.first_loss, config=self.config, data=self.data, data_recipe=self.data_recipe,
        )

    def _restore(self, s: _State) -> None:
        if s.config is not None and s.config != self.config:
            self._apply_config(s.config)  # optimizer kind and precision first: the state fits them
        if s.data is not None and s.data is not self.data:
            self._apply_data(s.data, s.data_recipe)
        self.iteration, self.epoch = s.iteration, s.epoch
        self.network.set_flat(s.params)
        self.optimizer.set_state(s.opt_state)
        self.shuffle_rng.bit_generator.state = s.shuffle_rng
        self.dropout_rng.bit_generator.state = s.dropout_rng
        self.perm, self.pos = s.perm.copy(), s.pos
        self._epoch_loss_sum, self._epoch_batches = s.epoch_loss_sum, s.epoch_batches
        self._epoch_correct, self._epoch_seen = s.epoch_correct, s.epoch_seen
        self._epoch_ssr = s.epoch_ssr
        self.best_value = s.best_value
        self.best_params = None if s.best_params is None else s.best_params.copy()
        self.best_epoch, self.wait = s.best_epoch, s.wait
        self.stopped = s.stopped
        if not self.stopped:
            self.stop_info = None
        self.first_loss = s.first_loss
        self._explode_at = math.inf if s.first_loss is None else self.EXPLODE_FACTOR * max(s.first_loss, 1.0)
        self._set_lr_for_epoch()

    def _checkpoint(self) -> None:
        if self._checkpoints and self._checkpoints[-1].iteration >= self.iteration:
            return  # replaying inside a kept future: its checkpoint is already there
        self._checkpoints.append(self._capture(whole=True))
        if len(self._checkpoints) > self._max_ckpts:
            # keep iteration 0 and every checkpoint on the doubled grid
            self._ckpt_interval *= 2
            self._checkpoints = [c for c in self._checkpoints if c.iteration % self._ckpt_interval == 0]

    @property
    def earliest_iteration(self) -> int:
        """The earliest iteration a rewind can reach: 0, or where a project's saved
        timeline starts (data changed before it that the file does not keep)."""
        return self._checkpoints[0].iteration

    def saveable_timeline(self) -> tuple[_State, list[Change]]:
        """What a project keeps of the timeline: a state from which the present can be
        replayed on the present data — the first checkpoint, or the moment of the last
        data change after it — and the changes of settings and weights made since.

        With :meth:`load_timeline` a reopened run rewinds exactly back to that state.
        (The state after a data change is made by replaying a copy once; it is cached.)
        """
        applied = (self._settled_timeline() if self._phase_gen is not None else self.timeline)[:self._applied]
        first = self._checkpoints[0]
        data_changes = [(k, c) for k, c in enumerate(applied) if c.kind == "data" and c.iteration >= first.iteration]
        if not data_changes:
            return first, [c for c in applied if c.iteration >= first.iteration]
        s = data_changes[-1][1].iteration
        key = (s, id(data_changes[-1][1]))
        cached = getattr(self, "_saved_start", None)
        if cached is not None and cached[0] == key:
            start = cached[1]
        else:
            copy = self.copy()
            copy.rewind(s)
            start = copy._capture()
            self._saved_start = (key, start)
        return start, [c for c in applied if c.kind != "data" and (c.iteration > s or (c.iteration == s and c.phase))]

    def load_timeline(self, start: _State, changes: list[Change]) -> None:
        """Take a saved timeline (see :meth:`saveable_timeline`) for this run, which must
        stand at its end: rewinding can then go back to ``start`` and replays the
        changes exactly. ``start`` is on this run's data."""
        if not start.iteration <= self.iteration or any(
                not start.iteration <= c.iteration <= self.iteration or c.kind == "data" for c in changes):
            raise SpecError("its changes lie outside the run's iterations")
        start = dataclasses.replace(start, data=self.data, data_recipe=self.data_recipe)
        if start.iteration == 0 and np.array_equal(start.params, self.initial_params):
            start.params = self.initial_params  # the weights the trainer keeps anyway: one copy
        self._checkpoints = [start] + [c for c in self._checkpoints if c.iteration > start.iteration]
        self.timeline = list(changes)
        self._applied = len(self.timeline)
        self._future_end = None
        self._kept_logs = None

    @property
    def furthest_iteration(self) -> int:
        """The furthest iteration the run has reached: the present one, or the end of
        the future kept after a rewind (which :meth:`rewind` can return to)."""
        return self.iteration if self._future_end is None else max(self.iteration, self._future_end)

    def _fork(self) -> None:
        """Training goes on (or a change is made) from a rewound point: the kept future,
        which no longer follows from here, is dropped."""
        if self._future_end is None:
            return
        self._future_end = None
        self._kept_logs = None
        del self.timeline[self._applied:]
        self._checkpoints = [c for c in self._checkpoints if c.iteration <= self.iteration]
        keep = [i for i, it in enumerate(self._traj_iters) if it <= self.iteration]
        self._traj_iters = [self._traj_iters[i] for i in keep]
        self._traj = [self._traj[i] for i in keep]

    def rewind(self, iteration: int) -> None:
        """Go to the state right after ``iteration`` updates, exactly as it was.

        Restores the nearest checkpoint at or before ``iteration`` and replays the
        iterations in between, applying the changes of the timeline (settings, weights
        typed in, data) at the moments they were made: the replay is bit-identical to
        the original run. The state reached includes the changes made at ``iteration``
        itself. The future beyond is kept, so ``iteration`` may also lie ahead, up to
        :attr:`furthest_iteration`, until training goes on from here.

        A reopened project keeps only its timeline's start, so this may replay many
        iterations (about 16 s for 500,000 of the default example here):
        :meth:`rewinding` does the same a slice at a time.
        """
        collections.deque(self.rewinding(iteration, slice_seconds=math.inf), maxlen=0)

    def check_rewind(self, iteration: int) -> None:
        """Raise SpecError unless :meth:`rewind` can go to ``iteration``."""
        first, end = self.earliest_iteration, self.furthest_iteration
        if not first <= iteration <= end:
            raise SpecError(f"can only rewind to an iteration between {first} and {end}")

    def _checkpoint_for(self, iteration: int) -> _State:
        return max((c for c in self._checkpoints if c.iteration <= iteration), key=lambda c: c.iteration)

    def replay_length(self, iteration: int) -> int:
        """How many iterations :meth:`rewind` to ``iteration`` replays (from the nearest
        checkpoint at or before it)."""
        self.check_rewind(iteration)
        return iteration - self._checkpoint_for(iteration).iteration

    def rewinding(self, iteration: int,
                  slice_seconds: float | None = None) -> Generator[tuple[int, int], None, None]:
        """:meth:`rewind` a slice at a time: a generator that replays for about
        ``slice_seconds`` (default :data:`REWIND_SLICE_SECONDS`) between two yields of
        ``(done, total)``, the iterations replayed since the checkpoint and in all (it
        yields nothing when it ends within the first slice). Run to its end, it leaves the
        run bit for bit where :meth:`rewind` does, whatever the slices. Closed before its
        end, it leaves the run half-replayed: rewind a copy (:meth:`copy`, or
        :class:`~nnstudio.core.rewind_job.RewindJob`) to be able to drop it.

        Raises
        ------
        SpecError
            At once (not at the first ``next()``) if ``iteration`` cannot be reached.
        """
        self.check_rewind(iteration)
        return self._rewind_slices(iteration, REWIND_SLICE_SECONDS if slice_seconds is None else slice_seconds)

    def _rewind_slices(self, iteration: int, slice_seconds: float) -> Generator[tuple[int, int], None, None]:
        end = self.furthest_iteration
        self._finish_pending_phases(discard=True)
        if self._future_end is None:
            self._future_end = self.iteration
            # the history and the path as they stand at the furthest iteration: going back
            # shortens them, and going forward again into the kept future needs them
            # whole up to the checkpoint it starts from (else the loss curve and the path
            # would jump from the earlier point to that checkpoint)
            self._kept_logs = _KeptLogs(self.history.snapshot(), list(self._traj_iters), list(self._traj),
                                        self._traj_stride)
        kept = self._kept_logs
        ckpt = self._checkpoint_for(iteration)
        self._restore(ckpt)
        self.history.restore(kept.history)
        self.history.truncate(ckpt.iteration)
        keep = [i for i, it in enumerate(kept.traj_iters) if it <= ckpt.iteration]
        self._traj_iters = [kept.traj_iters[i] for i in keep]
        self._traj = [kept.traj[i] for i in keep]
        self._traj_stride = kept.traj_stride
        self.last_record = None
        # changes made before the checkpoint's iteration are part of it
        self._applied = next((k for k, c in enumerate(self.timeline) if c.iteration >= ckpt.iteration),
                             len(self.timeline))
        clock = _SliceClock(ckpt.iteration, iteration, slice_seconds)
        for change in self.timeline[self._applied:]:
            if change.iteration > iteration or (change.iteration == iteration and change.phase is not None):
                break  # made after the moment we go back to
            yield from self._replay_to(change.iteration, clock)
            if self.iteration != change.iteration:
                break  # the run had stopped before; so had the original
            if change.phase is not None:
                self._replay_phases_to(change.phase)
            self._apply_change(change)
            self._applied += 1
        yield from self._replay_to(iteration, clock)
        if self.iteration >= end:
            self._future_end = None  # back at the frontier: nothing is kept ahead
            self._kept_logs = None

    def _replay_to(self, iteration: int, clock: "_SliceClock") -> Generator[tuple[int, int], None, None]:
        """Iterate (finishing a half-stepped iteration first) up to ``iteration``, or
        until the run stops, without touching the kept future; yields ``(done, total)``
        whenever ``clock`` says a slice is over."""
        with np.errstate(all="ignore"):
            if self._phase_gen is not None and self.iteration < iteration:
                collections.deque(self._phase_gen, maxlen=0)
                self._phase_gen = None
        while self.iteration < iteration and not self.stopped:
            # np.errstate is the thread's: it is not held across a yield, where the caller runs
            with np.errstate(all="ignore"):
                n = min(REWIND_CLOCK_EVERY, iteration - self.iteration)
                last = self.iteration + n == iteration
                # the trainer's fast loop, which is _iterate(False) bit for bit at twice
                # its pace; the record of the iteration gone back to, as _iterate(True)
                self._run_plain(n - 1 if last else n)
                if last and not self.stopped and self.iteration + 1 == iteration:
                    rec = self._iterate(True)
                    if rec is not None:
                        self.last_record = rec
            if self.iteration < iteration and not self.stopped and clock.due():
                yield clock.progress(self.iteration)

    def _replay_phases_to(self, phase: str) -> None:
        """Step the next iteration phase by phase until ``phase`` has been shown."""
        if self._phase_gen is None:
            if self.stopped:
                return
            self._phase_gen = self._phases(None)
            self._last_phase = None
        while self._last_phase != phase:
            ph = next(self._phase_gen)
            if ph.phase == "update":
                self._phase_gen = None
                return

    @property
    def checkpoint_iterations(self) -> list[int]:
        return [c.iteration for c in self._checkpoints]
