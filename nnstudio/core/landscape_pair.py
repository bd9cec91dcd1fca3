"""Two runs of a comparison on one loss-landscape plane.

The surface is run A's: A's loss (data loss and A's penalties, through A's network) over
a plane through A's present weights, exactly as for a single run. Run B's path is put
on the *same* plane, so a learner sees where both runs went from the same start:

* ``pca`` — the plane of the two principal directions of both paths *together*
  (:func:`~nnstudio.core.landscape_directions.directions_pca_paths`: the rows of both
  paths stacked and centred on their common mean, Li et al.'s convention), so it holds
  as much of both runs' movement as one plane can;
* ``random`` — two fixed filter-normalised random directions around A's weights (the
  same seed gives the same plane whatever B does);
* ``params`` — two chosen weights: B's path is just those two weights' values.

What cannot be drawn is said, not drawn wrongly: a B with another number of parameters
(another architecture) lives in another space, so its path cannot lie on A's plane; a B
that trains another objective (another loss, L1 or L2 penalty, or activations) has other
heights than the surface shows, since the surface is A's objective.

:func:`run_path` runs in B's engine process and gives what A's side needs
(:class:`RunPath`, plain data); :func:`surface_for_pair_steps` runs next to A's trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import SpecError
from .landscape_surface import Steps, SurfaceResult, run_steps
from .landscape_trainer import check_request, plane_points, surface_steps, trainer_plane

Array = np.ndarray


@dataclass
class RunPath:
    """One run's path through weight space and what its objective is made of.

    Attributes
    ----------
    iterations : ndarray, shape (m,), int64
        Iteration of each row of ``params``, the last one the run's present iteration.
    params : ndarray, shape (m, n_params), float64
        The weights visited (the run's recorded trajectory), the last row the present ones.
    layer_sizes : tuple of int
        Inputs, hidden layers and outputs: the architecture.
    loss : str
        The loss the run trains with (``"bce"``, ``"mse"`` …).
    huber_delta : float
        δ of the Huber loss (only meaningful when ``loss`` is ``"huber"``).
    activations : tuple of str
        The hidden layers' activations (with their slope where it has one, e.g.
        ``"leaky_relu(0.1)"``).
    l1, l2 : float
        The penalty strengths λ₁, λ₂.
    """

    iterations: Array
    params: Array
    layer_sizes: tuple[int, ...]
    loss: str
    huber_delta: float = 1.0
    activations: tuple[str, ...] = ()
    l1: float = 0.0
    l2: float = 0.0

    @property
    def n_params(self) -> int:
        return int(self.params.shape[1]) if self.params.ndim == 2 else 0

    @classmethod
    def of(cls, trainer: Any) -> "RunPath":
        """The trainer's path and objective, copied (it may train on afterwards)."""
        iters, traj = trainer.trajectory_array()
        spec, config = trainer.spec, trainer.config
        return cls(iterations=np.array(iters, dtype=np.int64), params=np.array(traj, dtype=np.float64),
                   layer_sizes=tuple(int(n) for n in spec.layer_sizes), loss=str(spec.loss),
                   huber_delta=float(spec.huber_delta), activations=_activations(spec),
                   l1=float(config.l1), l2=float(config.l2))


def _activations(spec: Any) -> tuple[str, ...]:
    return tuple(h.activation if h.alpha is None else f"{h.activation}({h.alpha:g})" for h in spec.hidden)


def run_path(trainer: Any) -> RunPath | None:
    """Run in an engine process: ``trainer``'s :class:`RunPath` (None without a trainer).

    A module-level function, so it can be sent to another process by reference.
    """
    return None if trainer is None else RunPath.of(trainer)


@dataclass
class PairSurface:
    """A's loss surface with both runs' paths on its plane.

    Attributes
    ----------
    result : SurfaceResult
        The surface as for A alone (A's loss around A's present weights), with A's path
        (``path``, ``path_iterations``, ``path_loss``) on the shared plane.
    plane : str
        What the plane is, ready for a caption: ``"PCA of both runs' paths: PC1 41.2 %,
        PC2 20.3 %"``.
    b_path : ndarray, shape (k, 2), or None
        B's path in axis units (like ``result.path``); None when it cannot be drawn
        (``notes`` says why). Rows whose weights were not finite (B diverged) are left out.
    b_path_iterations : ndarray, shape (k,), or None
    b_path_loss : ndarray, shape (k,), or None
        The height of the drawn surface (A's objective) under B's path (None when not
        asked for: ``heights=False``).
    shared : bool
        Whether B's path took part in choosing the plane (``pca`` with a drawable B).
    path_note : str
        Why B's path is missing or shortened, for the learner ("" when it is all drawn).
    objective_note : str
        That the surface is A's objective and how B's differs ("" when they are the same,
        or when B's path is not drawn).
    """

    result: SurfaceResult
    plane: str
    b_path: Array | None = None
    b_path_iterations: Array | None = None
    b_path_loss: Array | None = None
    shared: bool = False
    path_note: str = ""
    objective_note: str = ""

    @property
    def b_drawn(self) -> bool:
        return self.b_path is not None and len(self.b_path) > 0

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes there are, in the order a learner should read them."""
        return tuple(n for n in (self.path_note, self.objective_note) if n)


def objective_differences(trainer: Any, b: RunPath) -> list[str]:
    """How B's objective differs from A's, one phrase each (empty when they are the same)."""
    a = RunPath(np.zeros(0, np.int64), np.zeros((0, 0)), tuple(trainer.spec.layer_sizes), str(trainer.spec.loss),
                float(trainer.spec.huber_delta), _activations(trainer.spec), float(trainer.config.l1),
                float(trainer.config.l2))
    out = []
    if b.loss != a.loss:
        out.append(f"loss: B {b.loss}, A {a.loss}")
    elif b.loss == "huber" and b.huber_delta != a.huber_delta:
        out.append(f"Huber δ: B {b.huber_delta:g}, A {a.huber_delta:g}")
    if b.l1 != a.l1:
        out.append(f"L1 λ: B {b.l1:g}, A {a.l1:g}")
    if b.l2 != a.l2:
        out.append(f"L2 λ: B {b.l2:g}, A {a.l2:g}")
    if b.layer_sizes == a.layer_sizes and b.activations != a.activations:
        out.append(f"activations: B {', '.join(b.activations)}, A {', '.join(a.activations)}")
    return out


def _check_run_path(b: Any) -> RunPath:
    if not isinstance(b, RunPath):
        raise SpecError("run B's path is missing: the comparison's second run did not answer")
    it = np.asarray(b.iterations)
    P = np.asarray(b.params)
    if P.ndim != 2 or it.shape != (len(P),) or not np.issubdtype(P.dtype, np.floating):
        raise SpecError("run B's path must be a table of weight vectors with one iteration per row")
    return b


def surface_for_pair_steps(
    trainer: Any,
    b: RunPath,
    mode: str = "pca",
    resolution: int = 51,
    span: float | None = None,
    i: int = 0,
    j: int = 1,
    ignore_biases: bool = True,
    seed: int = 0,
    max_points: int | None = 2000,
    heights: bool = True,
) -> Steps[PairSurface]:
    """:func:`surface_for_pair` in steps (everything is read and checked before the first)."""
    span = check_request(mode, resolution, span)
    b = _check_run_path(b)
    n_a = int(trainer.network.n_params)
    path_note = objective_note = ""
    rows = np.zeros((0, n_a))
    iters = np.zeros(0, dtype=np.int64)
    if b.n_params != n_a:
        path_note = (f"B's path cannot be drawn on A's plane: B's network has {b.n_params:,} parameters and A's "
                     f"{n_a:,}, so their weights live in different spaces.")
    else:
        finite = np.all(np.isfinite(b.params), axis=1)
        rows = np.asarray(b.params, dtype=np.float64)[finite]
        iters = np.asarray(b.iterations, dtype=np.int64)[finite]
        if not finite.all():
            if len(rows):
                path_note = (f"B's weights stopped being finite (B diverged): its path is drawn up to iteration "
                             f"{int(iters[-1]):,}.")
            else:
                path_note = "B's weights are not finite (B diverged): its path cannot be drawn."
    drawable = len(rows) > 0
    if drawable:
        diffs = objective_differences(trainer, b)
        if diffs:
            objective_note = "The colours are A's objective, not B's (" + "; ".join(diffs) + ")."
    # B's path shares the plane: the principal directions of both paths, the spans that show both
    plane = trainer_plane(trainer, mode, span, i, j, ignore_biases, seed, others=(rows,) if drawable else ())
    shared = drawable and mode == "pca"
    points = plane_points(trainer, plane, seed, max_points)
    text = plane_text(plane.mode, plane.explained, shared, seed, ignore_biases, plane.labels)
    return _pair(points, plane, rows, iters, int(resolution), bool(ignore_biases) if mode == "random" else None,
                 text, shared, path_note, objective_note, heights)


def _pair(points: Any, plane: Any, rows: Array, iters: Array, resolution: int, ignore_biases: bool | None,
          text: str, shared: bool, path_note: str, objective_note: str, heights: bool) -> Steps[PairSurface]:
    res = yield from surface_steps(points, plane, resolution, ignore_biases)
    if not len(rows):
        return PairSurface(res, text, shared=shared, path_note=path_note, objective_note=objective_note)
    axis, coords = plane.place(rows)
    loss = (yield from points.steps(coords[:, 0], coords[:, 1])) if heights else None
    return PairSurface(res, text, axis, iters, loss, shared, path_note, objective_note)


def plane_text(mode: str, explained: Array | None, shared: bool, seed: int = 0, ignore_biases: bool = True,
               labels: tuple[str, str] = ("", "")) -> str:
    """The plane in one caption-ready phrase."""
    if mode == "pca":
        assert explained is not None
        whose = "both runs' paths" if shared else "A's path"
        return f"PCA of {whose}: PC1 {100 * explained[0]:.1f} %, PC2 {100 * explained[1]:.1f} %"
    if mode == "random":
        biases = "biases fixed" if ignore_biases else "each bias moved by its own value"
        return f"Fixed random directions (seed {seed}), filter-normalised to A's weights, {biases}"
    return f"Two weights: {labels[0]} across, {labels[1]} up"


def surface_for_pair(
    trainer: Any,
    b: RunPath,
    mode: str = "pca",
    resolution: int = 51,
    span: float | None = None,
    i: int = 0,
    j: int = 1,
    ignore_biases: bool = True,
    seed: int = 0,
    max_points: int | None = 2000,
    heights: bool = True,
) -> PairSurface:
    """A's loss surface around A's present weights with both runs' paths on one plane.

    Parameters
    ----------
    trainer : Trainer
        Run A; only read (weights, path, data, loss and penalties).
    b : RunPath
        Run B's path and objective (:func:`run_path` of B's trainer).
    mode, resolution, span, i, j, ignore_biases, seed, max_points
        As for :func:`~nnstudio.core.landscape_trainer.surface_for_trainer`. In ``pca``
        mode the directions are the principal components of both paths together and the
        automatic span shows both; in ``random`` mode they are the same fixed directions
        a single run gets; in ``params`` mode the automatic span shows both runs' values.
    heights : bool
        Also compute A's loss under B's path (``b_path_loss``): one loss per row of B's
        path, as many as the path has, so a quick draft leaves it out.

    Returns
    -------
    PairSurface
        ``result`` is what :func:`surface_for_trainer` gives for A alone, except that in
        ``pca`` mode its plane (and so A's projected path) is the shared one; when B's
        path equals A's, it is A's own plane again. ``notes`` says when B's path cannot
        be drawn (another number of parameters, weights not finite) or when the surface
        is not B's objective (another loss, L1, L2 or activations).
    """
    return run_steps(surface_for_pair_steps(trainer, b, mode, resolution, span, i, j, ignore_biases, seed,
                                            max_points, heights))


__all__ = ["PairSurface", "RunPath", "objective_differences", "plane_text", "run_path", "surface_for_pair",
           "surface_for_pair_steps"]
