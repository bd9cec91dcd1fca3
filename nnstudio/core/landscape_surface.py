"""The loss over a plane (or a line) through the weights: grids, point lists, lines.

:func:`loss_surface` evaluates ``L(θ + α·d₁ + β·d₂)`` on a grid, :func:`losses_on_plane`
at a list of points, :func:`loss_line` along the straight line between two weight
vectors. They validate what they are given, then let
:class:`~nnstudio.core.landscape_plane.PlaneLosses` do the arithmetic. Each also comes
as a generator (``…_steps``) that computes a slice of points per step and returns its
answer at the end, so that a caller with other work (the app's engine, answering
commands) can interleave it; the plain functions simply run those to completion.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Generator, TypeVar

import numpy as np

from .errors import SpecError
from .landscape_directions import as_rng
from .landscape_plane import PlaneLosses, plane_penalties
from .network import Network

Array = np.ndarray
T = TypeVar("T")
#: a computation in slices: ``next()`` runs one, ``StopIteration.value`` is the answer
Steps = Generator[None, None, T]

#: a slice of a computation in steps aims at about this long (seconds)
SLICE_SECONDS = 0.04


@dataclass
class SurfaceResult:
    """The loss on a grid over the plane ``θ + α·d₁ + β·d₂``.

    Attributes
    ----------
    alphas : ndarray, shape (na,)
        Grid values along the first axis (the plot's x axis).
    betas : ndarray, shape (nb,)
        Grid values along the second axis (the plot's y axis).
    loss : ndarray, shape (nb, na), float64
        ``loss[j, i] = L(θ + alphas[i]·d₁ + betas[j]·d₂)``: rows follow β, columns
        follow α, as in an image whose x axis is α and whose y axis is β. Includes the
        L1/L2 penalties if they were asked for. Points where the loss overflowed are
        ``inf`` or ``nan``.
    center_loss : float
        ``L(θ)``, computed the same way as the grid (same data points, penalties).
    loss_min, loss_max : float
        Smallest and largest finite values of ``loss`` (nan if there are none).
    min_at : tuple of float
        ``(α, β)`` of the smallest grid value (in the same units as ``alphas``).
    center : ndarray, shape (n_params,), float64
        ``θ``.
    d1, d2 : ndarray, shape (n_params,), float64
        The directions.
    n_points : int
        Data points the loss was averaged over (after any sub-sampling).
    l1, l2 : float
        Penalty strengths included in ``loss``.
    mode : str
        ``"pca"``, ``"random"``, ``"params"`` or ``"custom"`` (directions given by hand).
    axis_labels : tuple of str
        Captions for the α and β axes.
    explained_variance : ndarray, shape (2,), or None
        PCA mode: share of the (centred) trajectory's variance along d₁ and d₂.
    path : ndarray, shape (m, 2), or None
        The training trajectory in plane coordinates (same units as ``alphas`` and
        ``betas``); its last row is the current point.
    path_iterations : ndarray, shape (m,), or None
        Iteration of each row of ``path``.
    path_loss : ndarray, shape (m,), or None
        The loss on the plane at each point of ``path``, i.e. the height of the drawn
        surface under the path (for PCA and random directions the real weights of an
        earlier iteration usually lie off the plane, so this is not the loss the
        network had then).
    current : ndarray, shape (2,), or None
        Plane coordinates of the current weights (``(0, 0)`` except in params mode,
        where the axes show the two weights' own values).
    ignore_biases : bool or None
        Random mode: whether the biases stayed fixed (else each moved by its own value).
    """

    alphas: Array
    betas: Array
    loss: Array
    center_loss: float
    loss_min: float
    loss_max: float
    min_at: tuple[float, float]
    center: Array
    d1: Array
    d2: Array
    n_points: int
    l1: float = 0.0
    l2: float = 0.0
    mode: str = "custom"
    axis_labels: tuple[str, str] = ("α", "β")
    explained_variance: Array | None = None
    path: Array | None = None
    path_iterations: Array | None = None
    path_loss: Array | None = None
    current: Array | None = None
    ignore_biases: bool | None = None


# --------------------------------------------------------------------------- checks
def check_center(net: Network, center: Array | None) -> Array:
    """``center`` (default: the network's weights) as a fresh float64 vector, checked."""
    if center is None:
        c = np.array(net.params, dtype=np.float64)
    else:
        c = np.array(center, dtype=np.float64)
        if c.shape != (net.n_params,):
            raise SpecError(f"the centre must have {net.n_params} values (one per parameter), not {c.shape}")
    if not np.all(np.isfinite(c)):
        raise SpecError("the weights contain NaN or infinite values (training diverged); "
                        "reset or rewind before plotting the loss landscape")
    return c


def _direction(net: Network, d: Array | None, what: str) -> Array:
    if d is None:
        return np.zeros(net.n_params)
    v = np.array(d, dtype=np.float64)
    if v.shape != (net.n_params,):
        raise SpecError(f"{what} must have {net.n_params} values (one per parameter), not {v.shape}")
    if not np.all(np.isfinite(v)):
        raise SpecError(f"{what} contains NaN or infinite values")
    return v


def _grid_axis(values: Any, what: str) -> Array:
    a = np.array(values, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise SpecError(f"{what} must be a non-empty list of numbers")
    if not np.all(np.isfinite(a)):
        raise SpecError(f"{what} must be finite numbers")
    return a


def _check_penalty(x: float, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)) or not math.isfinite(x) or x < 0:
        raise SpecError(f"the {name} penalty λ must be a number ≥ 0, not {x!r}")
    return float(x)


def _data(net: Network, X: Array, y: Array, max_points: int | None,
          rng: np.random.Generator | int | None) -> tuple[Array, Array]:
    """The data points the loss is averaged over, as copies in the network's dtype."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != net.spec.n_inputs:
        raise SpecError(f"the network has {net.spec.n_inputs} input(s) but the data has "
                        f"{X.shape[1] if X.ndim == 2 else '?'} feature(s)")
    if y.ndim != 1 or len(y) != len(X):
        raise SpecError("there must be exactly one target per data point")
    if len(X) == 0:
        raise SpecError("there are no data points to compute the loss on")
    if max_points is not None:
        if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) or max_points < 1:
            raise SpecError(f"the number of data points to use must be a whole number ≥ 1, not {max_points!r}")
        if len(X) > max_points:
            idx = np.sort(as_rng(rng).choice(len(X), size=int(max_points), replace=False))
            X, y = X[idx], y[idx]
    # copies: a computation in steps must not see the caller's arrays change under it
    X = np.array(X, dtype=net.dtype, order="C")
    y = np.array(y, dtype=net.dtype if net.spec.task == "regression" else np.intp)
    return X, y


# --------------------------------------------------------------------------- evaluation
def run_steps(steps: Steps[T]) -> T:
    """Run a computation in steps to its end and return its answer."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


class PlanePoints:
    """Data loss plus penalties at points of one plane, a slice at a time.

    Build it with :meth:`checked`, which validates and copies what it is given; the
    shared part of the work (see :class:`~nnstudio.core.landscape_plane.PlaneLosses`)
    is done then, once for all the points asked for later.
    """

    def __init__(self, net: Network, X: Array, y: Array, theta: Array, u: Array, v: Array,
                 l1: float, l2: float) -> None:
        self.net, self.theta, self.u, self.v, self.l1, self.l2 = net, theta, u, v, l1, l2
        self.n_points = len(X)
        with np.errstate(all="ignore"):
            self.plane = PlaneLosses(net, X, y, theta, u, v)

    @classmethod
    def checked(cls, net: Network, X: Array, y: Array, d1: Array | None, d2: Array | None,
                center: Array | None = None, l1: float = 0.0, l2: float = 0.0, max_points: int | None = None,
                rng: np.random.Generator | int | None = None) -> "PlanePoints":
        """The plane ``center + α·d1 + β·d2`` (None: a zero direction) over the data
        ``X, y`` (a fixed random subset of ``max_points`` of them, chosen by ``rng``),
        with penalties ``l1``, ``l2``; raises :class:`SpecError` for bad input."""
        theta = check_center(net, center)
        u = _direction(net, d1, "the first direction")
        v = _direction(net, d2, "the second direction")
        l1 = _check_penalty(l1, "L1")
        l2 = _check_penalty(l2, "L2")
        Xs, ys = _data(net, X, y, max_points, rng)
        return cls(net, Xs, ys, theta, u, v, l1, l2)

    def at(self, a: Array, b: Array) -> Array:
        """The losses at ``(a[k], b[k])`` in one go."""
        # far from the centre the loss can overflow; that is a fact to plot (inf), not an error
        with np.errstate(all="ignore"):
            out = self.plane.losses(a, b)
            if self.l1 or self.l2:
                out += plane_penalties(self.net, self.theta, self.u, self.v, a, b, self.l1, self.l2)
        return out

    def steps(self, a: Array, b: Array) -> Steps[Array]:
        """The losses at ``(a[k], b[k])``, in slices of about :data:`SLICE_SECONDS`."""
        out = np.empty(len(a))
        # the first slice: a couple of chunks per worker; later ones sized by the time taken
        size = max(1, 2 * self.plane.g * self.plane.workers)
        s = 0
        while s < len(a):
            t0 = time.perf_counter()
            out[s:s + size] = self.at(a[s:s + size], b[s:s + size])
            s += size
            spent = time.perf_counter() - t0
            if s < len(a):
                grow = SLICE_SECONDS / max(spent, 1e-4)
                size = int(max(1, min(4 * size, size * grow)))
                yield
        return out

    def grid_steps(self, alphas: Array, betas: Array) -> Steps[SurfaceResult]:
        """The losses on the grid ``alphas × betas`` and at the centre, as a
        :class:`SurfaceResult`, in steps; the axes are checked before the first."""
        al = _grid_axis(alphas, "the α values")
        be = _grid_axis(betas, "the β values")
        return self._grid(al, be)

    def _grid(self, al: Array, be: Array) -> Steps[SurfaceResult]:
        A, B = np.meshgrid(al, be)  # (nb, na): rows follow β
        # the centre rides along as one extra point so it is computed exactly like the grid
        a = np.append(A.ravel(), 0.0)
        b = np.append(B.ravel(), 0.0)
        vals = yield from self.steps(a, b)
        grid = vals[:-1].reshape(A.shape)
        finite = np.isfinite(grid)
        if finite.any():
            masked = np.where(finite, grid, np.inf)
            jm, im = np.unravel_index(int(np.argmin(masked)), grid.shape)
            lo, hi = float(grid[jm, im]), float(np.max(grid[finite]))
            min_at = (float(al[im]), float(be[jm]))
        else:
            lo = hi = math.nan
            min_at = (math.nan, math.nan)
        return SurfaceResult(
            alphas=al, betas=be, loss=grid, center_loss=float(vals[-1]),
            loss_min=lo, loss_max=hi, min_at=min_at,
            center=self.theta, d1=self.u, d2=self.v, n_points=self.n_points, l1=self.l1, l2=self.l2,
        )


def losses_on_plane_steps(
    net: Network, X: Array, y: Array, d1: Array | None, d2: Array | None, alphas: Array, betas: Array,
    center: Array | None = None, l1: float = 0.0, l2: float = 0.0, max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> Steps[Array]:
    """:func:`losses_on_plane` in steps (the inputs are checked before the first one)."""
    a = _grid_axis(alphas, "the α values")
    b = _grid_axis(betas, "the β values")
    if a.shape != b.shape:
        raise SpecError("there must be as many α values as β values")
    return PlanePoints.checked(net, X, y, d1, d2, center, l1, l2, max_points, rng).steps(a, b)


def losses_on_plane(
    net: Network,
    X: Array,
    y: Array,
    d1: Array | None,
    d2: Array | None,
    alphas: Array,
    betas: Array,
    center: Array | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> Array:
    """The loss at arbitrary plane points ``θ + alphas[k]·d1 + betas[k]·d2``.

    Like :func:`loss_surface` but for a list of points rather than a grid (for example
    the projected training path).

    Parameters
    ----------
    alphas, betas : array_like, shape (P,)
        Coordinates of the points (paired, not a grid).
    d1, d2 : array_like, shape (n_params,), or None
        None means a zero direction.

    Returns
    -------
    ndarray, shape (P,), float64
    """
    return run_steps(losses_on_plane_steps(net, X, y, d1, d2, alphas, betas, center, l1, l2, max_points, rng))


def loss_surface_steps(
    net: Network, X: Array, y: Array, d1: Array, d2: Array, alphas: Array, betas: Array,
    center: Array | None = None, l1: float = 0.0, l2: float = 0.0, max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> Steps[SurfaceResult]:
    """:func:`loss_surface` in steps (the inputs are checked before the first one)."""
    return PlanePoints.checked(net, X, y, d1, d2, center, l1, l2, max_points, rng).grid_steps(alphas, betas)


def loss_surface(
    net: Network,
    X: Array,
    y: Array,
    d1: Array,
    d2: Array,
    alphas: Array,
    betas: Array,
    center: Array | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> SurfaceResult:
    """The loss over the grid ``θ + α·d₁ + β·d₂``, ``α ∈ alphas``, ``β ∈ betas``.

    ``L(α, β) = mean_n ℓ(f(x_n; θ + α·d₁ + β·d₂), y_n) + λ₁·Σ|w| + λ₂·Σw²`` (penalties
    over the weights only, as in training). Computed in the network's dtype by
    :class:`~nnstudio.core.landscape_plane.PlaneLosses`, with no Python loop over grid
    points or samples; temporaries stay below
    :data:`~nnstudio.core.landscape_plane.MEMORY_BUDGET` bytes.

    Parameters
    ----------
    net : Network
        Only read; its weights are not changed.
    X : array_like, shape (n, n_inputs)
    y : array_like, shape (n,)
        Targets as the trainer holds them (values, or class indices).
    d1, d2 : array_like, shape (n_params,)
        Directions in the layout of ``net.params``.
    alphas : array_like, shape (na,)
    betas : array_like, shape (nb,)
    center : array_like, shape (n_params,), optional
        ``θ``; default the network's current weights.
    l1, l2 : float
        Penalty strengths λ₁, λ₂ to add.
    max_points : int, optional
        Use a random subset of this many data points (the same subset for every grid
        point) when there are more.
    rng : numpy.random.Generator or int, optional
        Chooses that subset (default seed 0, so repeated calls agree).

    Returns
    -------
    SurfaceResult
        ``result.loss[j, i]`` is the loss at ``(alphas[i], betas[j])``.
    """
    return run_steps(loss_surface_steps(net, X, y, d1, d2, alphas, betas, center, l1, l2, max_points, rng))


def loss_line_steps(
    net: Network,
    X: Array,
    y: Array,
    theta0: Array,
    theta1: Array,
    n: int = 51,
    extend: float = 0.25,
    l1: float = 0.0,
    l2: float = 0.0,
    max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> Steps[tuple[Array, Array]]:
    """The loss along the straight line through two weight vectors, in steps (the
    inputs are checked before the first one; :func:`loss_line` runs it at once).

    ``L((1 − t)·θ₀ + t·θ₁) = L(θ₀ + t·(θ₁ − θ₀))`` for ``n`` evenly spaced ``t`` in
    ``[−extend, 1 + extend]`` (Goodfellow et al. 2015's linear interpolation: e.g. from
    the initial to the final weights). The points nearest ``t = 0`` and ``t = 1`` are
    moved onto them exactly, so the losses at both weight vectors are always on the
    curve. Vectorised like :func:`loss_surface`.

    Parameters
    ----------
    theta0, theta1 : array_like, shape (n_params,)
    n : int
        Number of points (≥ 2).
    extend : float
        How far to go beyond each end, as a fraction of the distance (≥ 0).

    Returns
    -------
    ts : ndarray, shape (n,)
    losses : ndarray, shape (n,), float64
        Including the penalties if ``l1``/``l2`` are given.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SpecError(f"the line needs a whole number of at least 2 points, not {n!r}")
    if isinstance(extend, bool) or not isinstance(extend, (int, float, np.floating)) \
            or not math.isfinite(extend) or extend < 0:
        raise SpecError(f"how far to extend the line must be a number ≥ 0, not {extend!r}")
    t0 = check_center(net, theta0)
    t1 = check_center(net, theta1)
    ts = np.linspace(-float(extend), 1.0 + float(extend), int(n))
    # both end points are always evaluated exactly: the grid points nearest to t = 0
    # and t = 1 are moved onto them (by less than half a step)
    k0 = int(np.argmin(np.abs(ts)))
    k1 = int(np.argmin(np.abs(ts - 1.0)))
    if k0 != k1:
        ts[k0], ts[k1] = 0.0, 1.0
    steps = losses_on_plane_steps(net, X, y, t1 - t0, None, ts, np.zeros_like(ts), center=t0,
                                  l1=l1, l2=l2, max_points=max_points, rng=rng)
    return _with_ts(ts, steps)


def _with_ts(ts: Array, steps: Steps[Array]) -> Steps[tuple[Array, Array]]:
    losses = yield from steps
    return ts, losses


def loss_line(
    net: Network,
    X: Array,
    y: Array,
    theta0: Array,
    theta1: Array,
    n: int = 51,
    extend: float = 0.25,
    l1: float = 0.0,
    l2: float = 0.0,
    max_points: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> tuple[Array, Array]:
    """The loss along the straight line through two weight vectors; see
    :func:`loss_line_steps` (this runs it at once)."""
    return run_steps(loss_line_steps(net, X, y, theta0, theta1, n, extend, l1, l2, max_points, rng))


__all__ = ["SLICE_SECONDS", "PlanePoints", "Steps", "SurfaceResult", "check_center", "loss_line", "loss_line_steps", "loss_surface",
           "loss_surface_steps", "losses_on_plane", "losses_on_plane_steps", "run_steps"]
