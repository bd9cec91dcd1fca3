"""The loss landscape around a trainer's current weights, with its training path.

:func:`surface_for_trainer` is what the app and the command line ask for: it picks the
plane (:mod:`.landscape_directions`), its range, and computes the grid, the path's
heights and the labels (:mod:`.landscape_surface`). :func:`surface_for_trainer_steps`
does the same a slice at a time, so the app's engine can answer commands in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .errors import SpecError
from .landscape_directions import (directions_params, directions_pca, directions_pca_paths, directions_random,
                                   param_label, projection)
from .landscape_surface import PlanePoints, Steps, SurfaceResult, check_center, run_steps
from .network import Network

Array = np.ndarray

MODES = ("pca", "random", "params")


def _check_span(span: Any) -> float:
    if isinstance(span, bool) or not isinstance(span, (int, float, np.floating, np.integer)) \
            or not math.isfinite(span) or span <= 0:
        raise SpecError(f"the span of the plot must be a number greater than 0, not {span!r}")
    return float(span)


def _auto_spans(coords: Array, floor: float, margin: float = 1.25) -> tuple[float, float]:
    """Half-widths per axis that show every point with a margin; neither axis collapses."""
    ext = np.max(np.abs(coords), axis=0) * margin
    sa, sb = float(ext[0]), float(ext[1])
    big = max(sa, sb, floor)
    # an axis along which the path hardly moved still gets a tenth of the other's width
    return max(sa, 0.1 * big, floor), max(sb, 0.1 * big, floor)


def check_request(mode: str, resolution: Any, span: Any) -> float | None:
    """The mode, grid size and span of a surface request, checked; the span as a float."""
    if mode not in MODES:
        raise SpecError(f"unknown landscape mode '{mode}'; choose one of: {', '.join(MODES)}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or not 2 <= resolution <= 401:
        raise SpecError(f"the resolution must be a whole number from 2 to 401, not {resolution!r}")
    return None if span is None else _check_span(span)


@dataclass
class TrainerPlane:
    """The plane chosen around a trainer's present weights, and its path on it.

    Plane coordinates are ``(α, β)`` in ``θ + α·d1 + β·d2``; axis values are what the
    plot's axes show: plane coordinates plus :attr:`offset` (the two weights' own values
    in ``params`` mode, zero otherwise).
    """

    mode: str
    theta: Array  # (n_params,) the centre: the trainer's weights when asked
    d1: Array
    d2: Array
    labels: tuple[str, str]
    explained: Array | None
    offset: Array  # (2,)
    spans: tuple[float, float]  # half-widths of the grid around the centre, per axis
    iterations: Array  # (m,)
    path: Array  # (m, 2) axis values
    plane_path: Array  # (m, 2) plane coordinates
    indices: tuple[int, int] = (0, 1)  # the two weights of ``params`` mode

    def place(self, params: Array) -> tuple[Array, Array]:
        """Axis values and plane coordinates of weight vectors (rows, shape ``(k, n_params)``)."""
        P = np.asarray(params, dtype=np.float64)
        if self.mode == "params":
            axis = P[:, list(self.indices)]
            return axis, axis - self.offset
        coords = projection(P, self.theta, self.d1, self.d2)
        return coords, coords


def trainer_plane(trainer: Any, mode: str = "pca", span: float | None = None, i: int = 0, j: int = 1,
                  ignore_biases: bool = True, seed: int = 0, others: Sequence[Array] = ()) -> TrainerPlane:
    """The plane of :func:`surface_for_trainer` around ``trainer``'s present weights.

    ``others`` are further paths (rows of weight vectors with the trainer's number of
    parameters, e.g. the other run of a comparison) that share the plane: ``pca`` finds
    the principal directions of all the paths together (:func:`directions_pca_paths`),
    and automatic spans show them too. Without ``others`` this is exactly the plane and
    path of a single run. Everything is copied from ``trainer``.
    """
    net: Network = trainer.network
    theta = check_center(net, None)
    iters, traj = trainer.trajectory_array()
    iters = np.array(iters)
    traj = np.array(traj, dtype=np.float64)
    explained = None
    offset = np.zeros(2)  # what to add to plane coordinates to get axis values
    if mode == "pca":
        d1, d2, explained = directions_pca_paths([traj, *others]) if others else directions_pca(traj)
        path = projection(traj, theta, d1, d2)
        seen = np.vstack([path] + [projection(o, theta, d1, d2) for o in others])
        sa, sb = (span, span) if span is not None else _auto_spans(seen, floor=1e-3)
        labels = (f"PC1 ({100 * explained[0]:.1f} % of the path's variance)",
                  f"PC2 ({100 * explained[1]:.1f} %)")
        return TrainerPlane(mode, theta, d1, d2, labels, explained, offset, (sa, sb), iters, path, path)
    if mode == "random":
        d1, d2 = directions_random(net, seed, ignore_biases, center=theta)
        path = projection(traj, theta, d1, d2)
        sa = sb = 1.0 if span is None else span
        return TrainerPlane(mode, theta, d1, d2, ("random direction 1", "random direction 2"), None, offset,
                            (sa, sb), iters, path, path)
    d1, d2 = directions_params(net, i, j)
    offset = theta[[i, j]].copy()
    plane_path = traj[:, [i, j]] - offset
    if span is None:
        seen = np.vstack([plane_path] + [np.asarray(o, dtype=np.float64)[:, [i, j]] - offset for o in others])
        sa, sb = _auto_spans(seen, floor=1.0)
        sa = sb = max(sa, sb)  # same units on both axes: keep the aspect honest
    else:
        sa = sb = span
    return TrainerPlane(mode, theta, d1, d2, (param_label(net, i), param_label(net, j)), None, offset, (sa, sb),
                        iters, traj[:, [i, j]], plane_path, (int(i), int(j)))


def surface_for_trainer_steps(
    trainer: Any,
    mode: str = "pca",
    resolution: int = 51,
    span: float | None = None,
    i: int = 0,
    j: int = 1,
    ignore_biases: bool = True,
    seed: int = 0,
    max_points: int | None = 2000,
) -> Steps[SurfaceResult]:
    """:func:`surface_for_trainer` in steps.

    Everything it reads from ``trainer`` (weights, path, data, penalties) is copied
    before this returns, so the trainer may go on training between the steps: the
    answer is the landscape around the weights it had when this was called. Bad
    arguments raise here, not in a step.
    """
    span = check_request(mode, resolution, span)
    plane = trainer_plane(trainer, mode, span, i, j, ignore_biases, seed)
    points = plane_points(trainer, plane, seed, max_points)
    return surface_steps(points, plane, int(resolution), bool(ignore_biases) if mode == "random" else None)


def plane_points(trainer: Any, plane: TrainerPlane, seed: int, max_points: int | None) -> PlanePoints:
    """The trainer's loss (data and penalties) at points of ``plane``, ready to evaluate."""
    l1, l2 = float(trainer.config.l1), float(trainer.config.l2)
    return PlanePoints.checked(trainer.network, trainer.X, trainer.y, plane.d1, plane.d2, center=plane.theta,
                               l1=l1, l2=l2, max_points=max_points, rng=seed)


def surface_steps(points: PlanePoints, plane: TrainerPlane, resolution: int,
                  ignore_biases: bool | None) -> Steps[SurfaceResult]:
    """The grid over ``plane`` and the loss under its path, as a :class:`SurfaceResult`."""
    sa, sb = plane.spans
    da = np.linspace(-sa, sa, resolution)
    db = np.linspace(-sb, sb, resolution)
    offset = plane.offset
    res = yield from points.grid_steps(da, db)
    path_loss = yield from points.steps(plane.plane_path[:, 0], plane.plane_path[:, 1])
    res.alphas = da + offset[0]
    res.betas = db + offset[1]
    res.min_at = (res.min_at[0] + float(offset[0]), res.min_at[1] + float(offset[1]))
    res.mode = plane.mode
    res.axis_labels = plane.labels
    res.explained_variance = plane.explained
    res.path = plane.path
    res.path_iterations = plane.iterations
    res.path_loss = path_loss
    res.current = offset.copy() if plane.mode == "params" else np.zeros(2)
    res.ignore_biases = ignore_biases
    return res


def surface_for_trainer(
    trainer: Any,
    mode: str = "pca",
    resolution: int = 51,
    span: float | None = None,
    i: int = 0,
    j: int = 1,
    ignore_biases: bool = True,
    seed: int = 0,
    max_points: int | None = 2000,
) -> SurfaceResult:
    """The loss landscape around a trainer's current weights, with its training path.

    Parameters
    ----------
    trainer : Trainer
        Only read: its network, training data (``trainer.X``, ``trainer.y``),
        trajectory and penalty settings (``config.l1``, ``config.l2``).
    mode : {"pca", "random", "params"}
        ``pca``: the plane of the path's two principal directions (centred PCA),
        centred on the current weights, which therefore sit at ``(0, 0)``.
        ``random``: two filter-normalised random directions (:func:`directions_random`
        with ``seed``). ``params``: weights ``i`` and ``j`` themselves; the axes then
        show those weights' actual values.
    resolution : int
        Grid points per axis (2..401): ``resolution²`` losses.
    span : float, optional
        Half-width of each axis around the current point. Default: ``pca`` — the
        path's extent plus 25 % on each axis, so the whole path is in view;
        ``random`` — 1.0 (each neuron's weights moved by up to their own size);
        ``params`` — the larger of 1.0 and the two weights' travel plus 25 %.
    i, j : int
        Flat parameter indices for ``params`` mode (see :func:`param_label`).
    ignore_biases : bool
        ``random`` mode: keep biases fixed (else each moves by its own value, as in the
        reference code).
    seed : int
        Seed of the random directions and of the data sub-sample.
    max_points : int or None
        Average the loss over at most this many training points (a fixed random
        subset) so big data sets stay interactive; None uses them all.

    Returns
    -------
    SurfaceResult
        With ``mode``, ``axis_labels``, ``path`` (the trajectory in plane coordinates),
        ``path_iterations``, ``path_loss``, ``current`` and ``ignore_biases`` filled in;
        ``alphas``/``betas`` and ``path`` are absolute weight values in ``params`` mode.
    """
    return run_steps(surface_for_trainer_steps(trainer, mode, resolution, span, i, j, ignore_biases, seed,
                                               max_points))


__all__ = ["MODES", "TrainerPlane", "check_request", "plane_points", "surface_for_trainer", "surface_for_trainer_steps",
           "surface_steps", "trainer_plane"]
