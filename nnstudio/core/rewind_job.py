"""A long rewind that can be cancelled: replayed on a copy, a slice at a time.

Rewinding a reopened project replays from the start of its saved timeline, which may
take minutes late in a long run (500,000 iterations of the default example take about
16 s here). :class:`RewindJob` rewinds a *copy* of the run one slice at a time
(:meth:`~nnstudio.core.timeline.Timeline.rewinding`), so that its caller can do other
work between slices and say how far it is. The run itself is not touched until the job
ends: :meth:`RewindJob.cancel` simply drops the copy, leaving the run bit for bit as it
was, and the run can be read (or saved) meanwhile as it stood before the rewind.
"""

from __future__ import annotations

from .errors import NNStudioError
from .trainer import Trainer


class RewindCancelled(NNStudioError):
    """A rewind was cancelled before it ended (the run is as it was before it)."""

    def __init__(self, message: str = "Going back was cancelled; the run is as it was.") -> None:
        super().__init__(message)


class RewindJob:
    """``run`` rewound to ``iteration`` on a copy, a slice at a time.

    Parameters
    ----------
    run : Trainer
        The run to rewind; never changed by the job.
    iteration : int
        Where to go (see :meth:`~nnstudio.core.timeline.Timeline.rewind`).
    slice_seconds : float, optional
        About how long one :meth:`step` replays (default
        :data:`~nnstudio.core.timeline.REWIND_SLICE_SECONDS`).

    Raises
    ------
    SpecError
        If ``run`` cannot be rewound to ``iteration`` (before any copy is made).
    """

    def __init__(self, run: Trainer, iteration: int, slice_seconds: float | None = None) -> None:
        run.check_rewind(iteration)
        self.run = run
        self.iteration = iteration
        #: iterations the rewind replays in all
        self.total = run.replay_length(iteration)
        self._copy: Trainer | None = run.copy()
        self._slices = self._copy.rewinding(iteration, slice_seconds)

    def step(self) -> tuple[int, int] | Trainer:
        """One slice: ``(done, total)`` iterations replayed while the rewind goes on, then
        the rewound copy of the run (to be used in place of :attr:`run`)."""
        if self._copy is None:
            raise RewindCancelled()
        try:
            return next(self._slices)
        except StopIteration:
            done, self._copy = self._copy, None
            return done

    def finish(self) -> Trainer:
        """All the remaining slices at once: the rewound copy of the run."""
        while True:
            out = self.step()
            if isinstance(out, Trainer):
                return out

    def cancel(self) -> None:
        """Drop the half-rewound copy; :attr:`run` was never touched."""
        self._slices.close()
        self._copy = None


__all__ = ["RewindCancelled", "RewindJob"]
