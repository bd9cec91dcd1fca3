"""A long rewind inside the engine process, a slice at a time between commands.

Rewinding a reopened project replays from the start of its saved timeline: half of a run
of 10⁶ iterations of the default example takes about 16 s here. :class:`EngineRewind`
holds a :class:`~nnstudio.core.rewind_job.RewindJob` (the rewind done on a copy of the
run) for :class:`~nnstudio.app.engine_process.EngineLoop`, which steps it between
commands: a Cancel is taken within a slice (~50 ms), the run stays readable and saveable
as it stood before the rewind, and a rewind that ends within about
:data:`QUIET_SECONDS` is never announced at all. With run B open it holds a
:class:`~nnstudio.app.engine_comparison.BothRunsRewind` instead: both runs, on copies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Union

from ..core.errors import NNStudioError
from ..core.rewind_job import RewindCancelled, RewindJob
from ..core.trainer import Trainer
from .engine_comparison import BothRunsRewind
from .remote_run import RunLostError

#: a rewind says how far it is only once it has taken this long (seconds): shorter ones
#: would only flash a progress bar
QUIET_SECONDS = 0.4
#: then it says so this often (seconds)
PROGRESS_SECONDS = 0.25
REWINDING_BUSY = "The run is still going back to an earlier iteration: wait until it is there, or cancel (Esc)."
REPLACED_WHILE_REWINDING = "Going back was cancelled: the run was replaced."


@dataclass
class Rewound:
    """The rewound copies: of the run, and of run B when two runs are compared."""

    a: Trainer
    b: Trainer | None = None


class EngineRewind:
    """A ``rewind`` being replayed: the job, the request it answers, when to say how far.

    Parameters
    ----------
    request_id : int or None
        The ``rewind`` request answered when it ends (None: a plain command, errors go
        out as messages).
    job : RewindJob or BothRunsRewind
        The rewind, on a copy of the engine's run (and of run B).
    """

    def __init__(self, request_id: int | None, job: Union[RewindJob, BothRunsRewind]) -> None:
        self.request_id = request_id
        self.job = job
        self.target = job.iteration
        self._next_progress = time.monotonic() + QUIET_SECONDS

    def step(self) -> tuple[int, int] | Rewound:
        """One slice: ``(done, total)`` iterations replayed, or the rewound copies."""
        out = self.job.step()
        if isinstance(out, Trainer):
            return Rewound(out)
        if isinstance(out[0], Trainer):
            return Rewound(*out)
        return out

    def progress_due(self) -> bool:
        """Whether to say how far it is: after :data:`QUIET_SECONDS`, then every
        :data:`PROGRESS_SECONDS`."""
        now = time.monotonic()
        if now < self._next_progress:
            return False
        self._next_progress = now + PROGRESS_SECONDS
        return True

    def cancel(self) -> None:
        """Drop the half-rewound copy: the engine's run was never touched."""
        self.job.cancel()


class RewindCommands:
    """The engine's rewind commands: a part of
    :class:`~nnstudio.app.engine_process.EngineLoop` (it works on the loop's run)."""

    trainer: Trainer | None
    comparison: Any
    rewinding: EngineRewind | None
    emit: Callable[..., None]
    _phase: Any

    def _refuse(self, name: str, args: tuple, why: str) -> None:
        """Say why ``name`` is refused: an error answers a rewind request, a message
        anything else."""
        if name == "rewind" and len(args) > 1 and args[1] is not None:
            self.emit("result", args[1], "error", NNStudioError(why))
        else:
            self.emit("message", "warning", why)

    def _rewind(self, iteration: int, request_id: int | None) -> None:
        """Go back (or forward, in the kept future) to ``iteration``, a slice at a time on
        a copy of the run — and of run B while comparing — (:meth:`_rewind_step`), so that
        a long replay can be followed and cancelled. ``request_id`` is answered when it
        ends (errors then go to it, not out as messages)."""
        trainer = self.trainer
        assert trainer is not None
        try:
            job = RewindJob(trainer, iteration) if self.comparison is None else self.comparison.rewinding(iteration)
        except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
            if request_id is None:
                raise
            if isinstance(exc, RunLostError):
                self._lost_b(exc)
            self.emit("result", request_id, "error", exc)
            return
        self.rewinding = EngineRewind(request_id, job)
        self._rewind_step()  # a short rewind ends in this first slice

    def _rewind_step(self) -> None:
        """One slice of a rewind; the rewound run takes the present one's place when it
        ends. While it goes on, ``("rewinding", target, done, total)`` says how far."""
        rewinding = self.rewinding
        assert rewinding is not None
        try:
            out = rewinding.step()
        except Exception as exc:  # noqa: BLE001 - the caller decides what an error means
            self.rewinding = None
            if rewinding.request_id is None:
                raise
            self.emit("result", rewinding.request_id, "error", exc)
            return
        if isinstance(out, Rewound):
            self.rewinding = None
            self.trainer = out.a
            if out.b is not None and self.comparison is not None:
                try:
                    self.comparison.take_rewound(out.a, out.b)
                except RunLostError as exc:  # run A goes on alone, rewound
                    self._lost_b(exc)
            self._rewound(rewinding.request_id)
        elif rewinding.progress_due():
            self.emit("rewinding", rewinding.target, *out)

    def _rewound(self, request_id: int | None) -> None:
        self._phase = None
        if request_id is not None:
            # first, so that the window has taken the settings of the time when it draws
            assert self.trainer is not None
            self.emit("result", request_id, "ok", settings_of_run(self.trainer))
        self._changed()

    def _cancel_rewind(self, why: str | None = None) -> None:
        """Drop the rewind being replayed (the run was never touched) and say so (``why``,
        by default that the run is as it was)."""
        rewinding, self.rewinding = self.rewinding, None
        if rewinding is None:
            return
        rewinding.cancel()
        exc = RewindCancelled(*(() if why is None else (why,)))
        if rewinding.request_id is None:
            self.emit("message", "info", str(exc))
        else:
            self.emit("result", rewinding.request_id, "error", exc)


def settings_of_run(trainer: Trainer) -> tuple[Any, Any]:
    """The settings in force and the token of the data trained on (a ``call``: what a
    rewind went back to)."""
    return trainer.config, trainer.data_recipe


__all__ = ["EngineRewind", "PROGRESS_SECONDS", "QUIET_SECONDS", "REPLACED_WHILE_REWINDING", "REWINDING_BUSY",
           "RewindCommands", "Rewound", "settings_of_run"]
