"""What the loss-landscape view asks the engine to compute, and what comes back.

The surface is computed in the engine process, next to the trainer, through
``TrainingController.call``: :func:`compute_surface_steps` runs there (so it must stay
a picklable module-level function, and everything it returns plain data), a slice of
grid points at a time between the engine's commands, so a paused engine still answers
within a few tens of milliseconds. With a comparison, run B's path is first read in B's
own process (``TrainingController.call_b`` with
:func:`~nnstudio.core.landscape_pair.run_path`) and then handed to the
same computation (``b=``), which puts both paths on one plane
(:func:`~nnstudio.core.landscape_pair.surface_for_pair_steps`). While it runs the engine trains little, so the view
asks for a small *draft* while training plays (:data:`DRAFT_RESOLUTION` points per axis
on at most :data:`DRAFT_POINTS` data points, a few tens of milliseconds) and for the
full surface when training pauses.

No Qt here: the functions are tested and benchmarked without a display.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...core.errors import NNStudioError
from ...core.landscape import (PairSurface, RunPath, SurfaceResult, loss_line_steps, param_label, run_steps,
                               surface_for_pair_steps, surface_for_trainer_steps)
from ...core.landscape_surface import Steps
from ...core.snapshot import Snapshot

Array = np.ndarray

#: data points the loss is averaged over (a fixed random subset of the training set)
MAX_POINTS = 2000
#: points of the 1-D line from the initial to the current weights
LINE_POINTS = 61
#: while training plays: grid points per axis and data points of a draft surface
DRAFT_RESOLUTION = 25
DRAFT_POINTS = 300
#: the smallest draft the view shrinks to when even that is slow (a large network)
MIN_DRAFT_RESOLUTION = 11
MIN_DRAFT_POINTS = 64

MODE_NAMES = {
    "pca": "Where training moved",
    "random": "Random directions",
    "params": "Two chosen weights",
}

#: said when the principal directions cannot be found yet, and random ones are drawn instead
NOT_MOVED = ("Training has not moved the weights yet, so this plane is two random directions. "
             "Once training runs, it turns to the two directions in which training moved the "
             "weights most.")


@dataclass
class SurfaceSettings:
    """What the learner chose: the arguments of :func:`surface_for_trainer`."""

    mode: str = "pca"
    resolution: int = 51
    span: float | None = None  # None = automatic
    i: int = 0
    j: int = 1
    ignore_biases: bool = True
    seed: int = 0

    def kwargs(self, resolution: int | None = None, max_points: int = MAX_POINTS) -> dict[str, Any]:
        return dict(mode=self.mode, resolution=int(resolution or self.resolution), span=self.span, i=self.i,
                    j=self.j, ignore_biases=self.ignore_biases, seed=self.seed, max_points=max_points)


@dataclass
class SurfaceComputation:
    """A surface computed in the engine, with the 1-D line from the initial weights.

    ``mode`` is the plane actually drawn: ``"random"`` when principal directions were
    asked for but training had not moved yet (``note`` says so). ``resolution`` and
    ``max_points`` are what was computed (a draft is coarser than the settings ask).
    ``pair`` holds run B's path on the same plane (and the plane's caption) when the
    surface was computed for a comparison; ``result`` is then ``pair.result``.
    """

    settings: SurfaceSettings
    result: SurfaceResult | None
    iteration: int
    line_t: Array = field(default_factory=lambda: np.zeros(0))
    line_loss: Array = field(default_factory=lambda: np.zeros(0))
    error: str | None = None
    seconds: float = 0.0
    mode: str = ""
    note: str = ""
    resolution: int = 0
    max_points: int = MAX_POINTS
    pair: PairSurface | None = None

    @property
    def draft(self) -> bool:
        return self.resolution < self.settings.resolution or self.max_points < MAX_POINTS


def _path_moved(trainer: Any, b: RunPath | None = None) -> bool:
    """Whether the recorded path (with B's, when it shares the plane) has two different
    points, so that principal directions exist."""
    _iters, traj = trainer.trajectory_array()
    traj = np.asarray(traj)
    if traj.ndim == 2 and len(traj) >= 2 and bool(np.any(traj != traj[-1])):
        return True
    if isinstance(b, RunPath) and b.params.ndim == 2 and b.n_params == traj.shape[1]:
        rows = b.params[np.all(np.isfinite(b.params), axis=1)]
        return bool(np.any(rows != traj[-1]))
    return False


def compute_surface_steps(trainer: Any, settings: SurfaceSettings, resolution: int | None = None,
                          max_points: int = MAX_POINTS, b: RunPath | None = None) -> Steps[SurfaceComputation]:
    """Run in the engine, a step at a time: the landscape around ``trainer``'s weights.

    The engine runs one step (a slice of grid points, about
    :data:`~nnstudio.core.landscape_surface.SLICE_SECONDS`) between its commands, so a
    full surface never keeps it from answering for long; the answer is the generator's
    return value. Everything is read from ``trainer`` here, before the first step: the
    surface is the one around the weights it had when asked, even if training goes on.

    ``resolution`` and ``max_points`` override the settings' grid for a quick draft.
    ``b`` is run B's path (:func:`~nnstudio.core.landscape_pair.run_path`, read in B's
    process): both paths are then put on one plane and the answer's ``pair`` holds B's.
    Never raises: problems a learner can act on (pick two different weights, training
    diverged …) come back as ``error`` text. Principal directions of a path that has
    not moved yet fall back to random ones, with a ``note`` saying so. ``seconds`` is
    the time spent computing, not the time the steps were spread over.
    """
    res_n = int(resolution or settings.resolution)
    if trainer is None:
        return _answer(SurfaceComputation(settings, None, 0, error="Load a data set and a network first."))
    t0 = time.perf_counter()
    mode, note = settings.mode, ""
    iteration = int(trainer.iteration)
    try:
        with np.errstate(all="ignore"):
            if mode == "pca" and not _path_moved(trainer, b):
                mode, note = "random", NOT_MOVED
            kwargs = settings.kwargs(res_n, max_points)
            kwargs["mode"] = mode
            # a draft leaves out the heights under B's path (as many losses as B's path has
            # rows): the view reads them off the grid meanwhile
            draft = res_n < settings.resolution or max_points < MAX_POINTS
            surface = (surface_for_trainer_steps(trainer, **kwargs) if b is None
                       else surface_for_pair_steps(trainer, b, heights=not draft, **kwargs))
            net = trainer.network
            line = loss_line_steps(net, trainer.X, trainer.y, trainer.initial_params, net.get_flat(),
                                   n=LINE_POINTS, l1=float(trainer.config.l1), l2=float(trainer.config.l2),
                                   max_points=max_points, rng=settings.seed)
    except Exception as exc:  # noqa: BLE001 - said in words, the view keeps working
        return _answer(SurfaceComputation(settings, None, iteration, error=_words(exc), mode=mode,
                                          resolution=res_n, max_points=max_points))
    done = functools.partial(SurfaceComputation, settings, iteration=iteration, mode=mode, note=note,
                             resolution=res_n, max_points=max_points)
    return _run(surface, line, done, time.perf_counter() - t0)


def _words(exc: Exception) -> str:
    """What to tell the learner: our own messages as they are, a surprise in a sentence."""
    if isinstance(exc, NNStudioError):
        return str(exc)
    return f"The loss surface could not be computed: {exc}"


def _answer(comp: SurfaceComputation) -> Steps[SurfaceComputation]:
    """A computation in steps whose answer is known already: it ends at its first step."""
    yield from ()
    return comp


def _run(surface: Steps[SurfaceResult | PairSurface], line: Steps[tuple[Array, Array]],
         done: Callable[..., SurfaceComputation], busy: float) -> Steps[SurfaceComputation]:
    """The surface's steps, then the line's; the time spent in them is added up."""
    both = _chain(surface, line)
    while True:
        t0 = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                next(both)
        except StopIteration as finished:
            res, (ts, ls) = finished.value
            pair = res if isinstance(res, PairSurface) else None
            return done(result=pair.result if pair is not None else res, pair=pair, line_t=ts, line_loss=ls,
                        seconds=busy + time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - said in words, the view keeps working
            return done(result=None, error=_words(exc))
        busy += time.perf_counter() - t0
        yield


def _chain(surface: Steps[SurfaceResult | PairSurface], line: Steps[tuple[Array, Array]]
           ) -> Steps[tuple[SurfaceResult | PairSurface, tuple[Array, Array]]]:
    res = yield from surface
    ts_ls = yield from line
    return res, ts_ls


def compute_surface(trainer: Any, settings: SurfaceSettings, resolution: int | None = None,
                    max_points: int = MAX_POINTS, b: RunPath | None = None) -> SurfaceComputation:
    """:func:`compute_surface_steps` run to its end at once (tests, benchmarks)."""
    return run_steps(compute_surface_steps(trainer, settings, resolution, max_points, b))


def parameter_labels(trainer: Any) -> tuple[tuple[int, ...], list[str]] | None:
    """Run in the engine: the network's layer sizes and every parameter's name."""
    if trainer is None:
        return None
    net = trainer.network
    return tuple(trainer.spec.layer_sizes), [param_label(net, k) for k in range(net.n_params)]


def flat_weights(snap: Snapshot) -> Array:
    """The snapshot's parameters as one flat vector, in the engine's order.

    The engine lays the parameters out as every layer's ``W`` (row-major), then every
    layer's ``b`` (see :func:`nnstudio.core.network.flat_index`).
    """
    parts = [np.ravel(w) for w in snap.weights] + [np.ravel(b) for b in snap.biases]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def run_key(snap: Snapshot, flat: Array | None = None) -> tuple[Any, ...]:
    """What the landscape around ``snap``'s weights depends on: the network's shape, the
    weights themselves (a fingerprint that any single changed weight changes), the data
    and the penalties. A new run, a loaded project, undo, rewind, new data or another
    architecture all change it; training one more iteration does too, and so does run B
    of a comparison coming, going or moving (its path shares the plane)."""
    w = flat_weights(snap) if flat is None else flat
    ramp = 1.0 + np.arange(len(w), dtype=np.float64) / max(1, len(w))
    with np.errstate(all="ignore"):
        fingerprint = (float(np.sum(w)), float(np.dot(w, ramp))) if len(w) else (0.0, 0.0)
    config = snap.config
    penalties = (float(config.l1), float(config.l2)) if config is not None else (0.0, 0.0)
    pair = run_key(snap.b) if snap.b is not None else None
    return (tuple(snap.layer_sizes), int(snap.iteration), fingerprint, repr(snap.data_recipe), penalties, pair)


def draft_size(last_seconds: float, last_resolution: int, last_points: int,
               budget: float) -> tuple[int, int]:
    """Grid points per axis and data points for the next draft, so that it takes about
    ``budget`` seconds given that the last one (``last_resolution``, ``last_points``)
    took ``last_seconds``: the cost grows with resolution² × points."""
    if last_seconds <= 0 or last_resolution <= 0:
        return DRAFT_RESOLUTION, DRAFT_POINTS
    scale = budget / last_seconds
    if 0.7 <= scale <= 1.4:
        return last_resolution, last_points
    # shrink (or grow back) the grid and the points alike: each by the square root
    factor = math.sqrt(scale)
    res = int(round(min(DRAFT_RESOLUTION, max(MIN_DRAFT_RESOLUTION, last_resolution * math.sqrt(factor)))))
    res -= (res + 1) % 2  # odd: the current weights sit on the middle grid point
    pts = int(min(DRAFT_POINTS, max(MIN_DRAFT_POINTS, last_points * factor)))
    return res, pts


__all__ = ["DRAFT_POINTS", "DRAFT_RESOLUTION", "LINE_POINTS", "MAX_POINTS", "MODE_NAMES", "NOT_MOVED",
           "SurfaceComputation", "SurfaceSettings", "compute_surface", "compute_surface_steps", "draft_size",
           "flat_weights", "parameter_labels", "run_key"]
