"""The loss landscape around a trainer's current weights, with its training path.

:func:`surface_for_trainer` is what the app and the command line ask for: it picks the
plane (:mod:`.landscape_directions`), its range, and computes the grid, the path's
heights and the labels (:mod:`.landscape_surface`). :func:`surface_for_trainer_steps`
does the same a slice at a time, so the app's engine can answer commands in between.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import SpecError
from .landscape_directions import directions_params, directions_pca, directions_random, param_label, projection
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
    if mode not in MODES:
        raise SpecError(f"unknown landscape mode '{mode}'; choose one of: {', '.join(MODES)}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or not 2 <= resolution <= 401:
        raise SpecError(f"the resolution must be a whole number from 2 to 401, not {resolution!r}")
    if span is not None:
        span = _check_span(span)
    net: Network = trainer.network
    theta = check_center(net, None)
    iters, traj = trainer.trajectory_array()
    iters = np.array(iters)
    traj = np.array(traj, dtype=np.float64)
    l1, l2 = float(trainer.config.l1), float(trainer.config.l2)
    explained = None
    current = np.zeros(2)
    offset = np.zeros(2)  # what to add to plane coordinates to get axis values
    if mode == "pca":
        d1, d2, explained = directions_pca(traj)
        path = projection(traj, theta, d1, d2)
        sa, sb = (span, span) if span is not None else _auto_spans(path, floor=1e-3)
        labels = (f"PC1 ({100 * explained[0]:.1f} % of the path's variance)",
                  f"PC2 ({100 * explained[1]:.1f} %)")
    elif mode == "random":
        d1, d2 = directions_random(net, seed, ignore_biases, center=theta)
        path = projection(traj, theta, d1, d2)
        sa = sb = 1.0 if span is None else span
        labels = ("random direction 1", "random direction 2")
    else:
        d1, d2 = directions_params(net, i, j)
        current = theta[[i, j]].copy()
        offset = current
        path = traj[:, [i, j]] - current
        if span is None:
            sa, sb = _auto_spans(path, floor=1.0)
            sa = sb = max(sa, sb)  # same units on both axes: keep the aspect honest
        else:
            sa = sb = span
        labels = (param_label(net, i), param_label(net, j))
    n = int(resolution)
    da = np.linspace(-sa, sa, n)
    db = np.linspace(-sb, sb, n)
    points = PlanePoints.checked(net, trainer.X, trainer.y, d1, d2, center=theta, l1=l1, l2=l2,
                                 max_points=max_points, rng=seed)
    return _finish(points, da, db, offset, mode, labels, explained, traj[:, [i, j]] if mode == "params" else path,
                   path, iters, current, bool(ignore_biases) if mode == "random" else None)


def _finish(points: PlanePoints, da: Array, db: Array, offset: Array, mode: str, labels: tuple[str, str],
            explained: Array | None, path: Array, plane_path: Array, iters: Array, current: Array,
            ignore_biases: bool | None) -> Steps[SurfaceResult]:
    res = yield from points.grid_steps(da, db)
    path_loss = yield from points.steps(plane_path[:, 0], plane_path[:, 1])
    alphas, betas = da + offset[0], db + offset[1]
    res.alphas = alphas
    res.betas = betas
    res.min_at = (res.min_at[0] + float(offset[0]), res.min_at[1] + float(offset[1]))
    res.mode = mode
    res.axis_labels = labels
    res.explained_variance = explained
    res.path = path
    res.path_iterations = iters
    res.path_loss = path_loss
    res.current = current
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


__all__ = ["MODES", "surface_for_trainer", "surface_for_trainer_steps"]
