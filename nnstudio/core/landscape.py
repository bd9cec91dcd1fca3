"""Loss landscapes: the loss over a plane (or a line) through the weights.

A network with ``P`` parameters has a loss surface in ``P + 1`` dimensions, far too
many to draw. Following Li et al. (2018), "Visualizing the Loss Landscape of Neural
Nets", we pick a centre ``θ`` (usually the current weights) and two directions
``d₁, d₂`` in weight space and draw the 2-D slice::

    L(α, β) = L(θ + α·d₁ + β·d₂)        (α, β) on a grid

Three ways of choosing the directions are offered:

* :func:`directions_params` — two single weights: the plot shows the loss as those two
  weights change while every other weight stays put;
* :func:`directions_random` — two random directions, rescaled *filter-wise* so that
  every neuron's incoming weights move by as much as their own size (this is what
  makes plots of different networks comparable);
* :func:`directions_pca` — the two directions in which the training path moved most
  (principal components of the trajectory), so the path itself lies (nearly) in the
  plot.

:func:`loss_surface` evaluates the grid without a Python loop over grid points. For one
layer, with ``A`` the activations coming in::

    A·(W + α·D₁ + β·D₂) + (b + α·e₁ + β·e₂)

is computed for a whole chunk of grid points at once, either by building that chunk's
weight matrices (one matrix product ``[1, α, β]·[W; D₁; D₂]``, then one batched
product with ``A``) or, for layers too big for that, as ``A·W + α·(A·D₁) + β·(A·D₂)``
so that no stack of big weight matrices is ever built. Layers before the first one
the directions touch are computed once for all grid points. Chunks of grid points
(and, for large data, of samples) keep the temporaries within a fixed memory budget
whatever the size of the network.

The gain over a loop that sets the weights and calls ``evaluate`` once per point is
largest for small networks, where NumPy's per-call overhead dominates the loop (about
1.6× in float64 and 2.6× in float32 for 2-8-8-1 on 500 points, where both spend most
of their time in the same twenty million ``tanh`` evaluations); for wide networks
both are bound by the same arithmetic.

Everything here only *reads* the network: its weights, caches and gradients are left
exactly as they were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .errors import SpecError
from .network import Network

Array = np.ndarray

#: upper bound on the bytes of temporaries the surface computation keeps
MEMORY_BUDGET = 160 * 2**20
#: preferred size of a chunk's largest array (bytes). Measured on the 2-8-8-1 case:
#: 128 KiB chunks run 2-4x faster than multi-megabyte ones, which pay for fresh
#: memory pages on every allocation and fall out of the caches
_CHUNK_BYTES = 128 * 2**10
#: preferred size of the weight stacks built for one block of grid points (bytes)
_STACK_BYTES = 512 * 2**10
#: wide layers get at least this many rows per chunk so matrix products stay efficient
_MIN_ROWS = 256
#: a layer fed the same inputs at every grid point (the first layer the directions
#: move) builds per-point weights only when it has at most this many inputs; above
#: that, three shared products and a weighted sum are cheaper
_SHARED_STACK_MAX_IN = 8

MODES = ("pca", "random", "params")


# --------------------------------------------------------------------------- results
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
        PCA mode: share of the trajectory's variance along d₁ and d₂.
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


# --------------------------------------------------------------------------- directions
def _check_index(net: Network, k: Any, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise SpecError(f"{what} must be a whole number (a parameter index), not {k!r}")
    k = int(k)
    if not 0 <= k < net.n_params:
        raise SpecError(f"{what} must be between 0 and {net.n_params - 1} (the network has "
                        f"{net.n_params} parameters), not {k}")
    return k


def param_label(net: Network, k: int) -> str:
    """A readable name for flat parameter ``k``, e.g. ``"W2[3,0]"`` or ``"b1[5]"``.

    Row and column are 0-based, as in :meth:`Network.flat_index`: ``W2[3,0]`` is the
    weight from neuron 3 of layer 1 to neuron 0 of layer 2.
    """
    k = _check_index(net, k, "the parameter index")
    for s in net.slices:
        if s.start <= k < s.stop:
            off = k - s.start
            if s.kind == "W":
                return f"{s.name}[{off // s.shape[1]},{off % s.shape[1]}]"
            return f"{s.name}[{off}]"
    raise AssertionError("slices do not cover the parameter vector")  # pragma: no cover


def directions_params(net: Network, i: int, j: int) -> tuple[Array, Array]:
    """Unit directions along two single parameters.

    Parameters
    ----------
    net : Network
    i, j : int
        Distinct flat indices into ``net.params`` (see :meth:`Network.flat_index`).

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        ``d1 = e_i``, ``d2 = e_j``: moving ``α`` along ``d1`` changes parameter ``i`` by
        exactly ``α`` and nothing else.
    """
    i = _check_index(net, i, "the first parameter")
    j = _check_index(net, j, "the second parameter")
    if i == j:
        raise SpecError("choose two different parameters for the two axes")
    d1 = np.zeros(net.n_params)
    d2 = np.zeros(net.n_params)
    d1[i] = 1.0
    d2[j] = 1.0
    return d1, d2


def _as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)


def _filter_normalize(net: Network, d: Array, theta: Array, ignore_biases: bool) -> None:
    """Rescale ``d`` in place, filter by filter, to the norms of ``theta``.

    A filter of a dense layer is one output neuron: column ``k`` of ``W`` (its incoming
    weights). Scaling each column to ``‖θ[:, k]‖`` removes the scale invariance that
    otherwise makes a landscape look sharp or flat depending only on the size of the
    weights (Li et al. 2018, section 4).
    """
    for s in net.slices:
        dv = d[s.start:s.stop]
        tv = theta[s.start:s.stop]
        if s.kind == "W":
            dm = dv.reshape(s.shape)
            tn = np.linalg.norm(tv.reshape(s.shape), axis=0)
            dn = np.linalg.norm(dm, axis=0)
            # a column of zeros in θ (or an all-zero draw) gets a zero direction: there
            # is no size to match, and dividing by 0 would make it nan
            scale = np.divide(tn, dn, out=np.zeros_like(tn), where=dn > 0)
            dm *= scale
        elif ignore_biases:
            dv[...] = 0.0
        else:
            tn = float(np.linalg.norm(tv))
            dn = float(np.linalg.norm(dv))
            dv *= tn / dn if dn > 0 else 0.0


def directions_random(
    net: Network,
    rng: np.random.Generator | int | None = None,
    ignore_biases: bool = True,
    center: Array | None = None,
) -> tuple[Array, Array]:
    """Two random Gaussian directions with filter-wise normalisation.

    For each layer's ``W`` (shape ``(n_in, n_out)``) and each output neuron ``k``::

        d[:, k] ← d[:, k] · ‖θ[:, k]‖ / ‖d[:, k]‖

    so that every neuron's incoming weights move by as much as their own size.
    Biases: zero if ``ignore_biases``; otherwise each layer's bias direction is scaled
    to the norm of that layer's bias vector ``‖θ_b‖`` (so it is zero when all of that
    layer's biases are zero).

    Parameters
    ----------
    net : Network
    rng : numpy.random.Generator or int or None
        Source of the draws (an int is a seed; None = seed 0), so the same seed gives
        the same plane.
    ignore_biases : bool
        Keep the biases fixed (Li et al.'s default).
    center : ndarray, shape (n_params,), optional
        The ``θ`` whose norms are matched; default the network's current weights.

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        Not orthogonalised: in many dimensions two random directions are nearly
        orthogonal already. Note that weights which are exactly zero (for example a
        network initialised with ``zeros``) give zero directions and a flat plot.
    """
    g = _as_rng(rng)
    theta = _center(net, center)
    d1 = g.standard_normal(net.n_params)
    d2 = g.standard_normal(net.n_params)
    _filter_normalize(net, d1, theta, ignore_biases)
    _filter_normalize(net, d2, theta, ignore_biases)
    return d1, d2


def directions_pca(trajectory_params: Array) -> tuple[Array, Array, Array]:
    """The two principal directions of a training trajectory.

    With ``θ_t`` the rows of ``trajectory_params`` and ``θ_f`` its last row, the
    matrix ``M`` with rows ``θ_t − θ_f`` is factored as ``M = U·S·Vᵀ`` (SVD); the
    directions are the first two rows of ``Vᵀ`` and the explained variance ratios are
    ``sᵢ² / Σ s²``. Each direction's sign is chosen so that the start of the path has
    a negative coordinate on it: the axes point the way training went.

    Parameters
    ----------
    trajectory_params : array_like, shape (m, n_params)
        Parameter vectors visited, in order, the last one the final (current) weights.

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        Orthonormal directions.
    explained : ndarray, shape (2,)
        Share of the path's variance (about the final point) along ``d1`` and ``d2``.

    Raises
    ------
    SpecError
        If there are fewer than two points, they are not finite, or the weights never
        moved.
    """
    T = np.asarray(trajectory_params, dtype=np.float64)
    if T.ndim != 2 or T.shape[1] < 2:
        raise SpecError("the trajectory must be a table of parameter vectors, one row per recorded step")
    if T.shape[0] < 2:
        raise SpecError("the training path has only one point: train for a few iterations "
                        "before plotting its principal directions")
    if not np.all(np.isfinite(T)):
        raise SpecError("the training path contains NaN or infinite weights (training "
                        "diverged); reset or rewind before plotting the landscape")
    M = T - T[-1]
    s, vt = _top_two_components(M)
    total = float(np.sum(M * M))
    if total == 0.0:
        raise SpecError("the weights have not moved yet: train for a few iterations before "
                        "plotting the training path's principal directions")
    # full_matrices=False gives min(m, n) ≥ 2 rows since m ≥ 2 and n ≥ 2
    d1, d2 = vt[0].copy(), vt[1].copy()
    start = M[0]
    for d in (d1, d2):
        c = float(start @ d)
        # no component of the start: orient by the largest entry, still deterministic
        if c > 0 or (c == 0 and d[np.argmax(np.abs(d))] < 0):
            d *= -1.0
    ratios = np.array([s[0] ** 2, s[1] ** 2]) / total
    return d1, d2, ratios


def _top_two_components(M: Array) -> tuple[Array, Array]:
    """The two largest singular values of ``M`` and their right singular vectors (rows).

    Uses the eigendecomposition of the smaller Gram matrix (MᵀM or MMᵀ): for the tall,
    thin trajectories of small networks (1000 × 100) it takes about a millisecond where
    a full SVD took from 20 ms to 200 ms. Falls back to the SVD when the second
    component is (numerically) zero and MMᵀ cannot give its direction.
    """
    m, n = M.shape
    if n <= m:
        w, V = np.linalg.eigh(M.T @ M)
        top = np.argsort(w)[::-1][:2]
        return np.sqrt(np.clip(w[top], 0.0, None)), V[:, top].T
    w, U = np.linalg.eigh(M @ M.T)
    top = np.argsort(w)[::-1][:2]
    sv = np.sqrt(np.clip(w[top], 0.0, None))
    if sv[1] <= 1e-12 * max(sv[0], 1e-300):
        _, s_full, vt = np.linalg.svd(M, full_matrices=False)
        return s_full[:2], vt[:2]
    vt = (M.T @ U[:, top] / sv).T
    return sv, vt


def projection(trajectory: Array, center: Array, d1: Array, d2: Array) -> Array:
    """Plane coordinates ``(α, β)`` of points, by least squares.

    Solves ``min ‖θ_t − center − α·d1 − β·d2‖`` for each row ``θ_t``. When ``d1, d2``
    are orthonormal this is just ``α = (θ_t − center)·d1``, ``β = (θ_t − center)·d2``;
    otherwise the 2×2 normal equations are solved (with a pseudo-inverse, so a zero or
    repeated direction gives the minimum-norm answer instead of an error).

    Parameters
    ----------
    trajectory : array_like, shape (m, n_params) or (n_params,)
    center, d1, d2 : array_like, shape (n_params,)

    Returns
    -------
    ndarray, shape (m, 2) (or (2,) for a single point), float64
    """
    T = np.asarray(trajectory, dtype=np.float64)
    single = T.ndim == 1
    T = np.atleast_2d(T)
    c = np.asarray(center, dtype=np.float64)
    D = np.stack([np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)], axis=1)
    if T.shape[1] != D.shape[0] or c.shape != (D.shape[0],):
        raise SpecError("the trajectory, the centre and the directions must have the same number of parameters")
    R = T - c
    coef = R @ D  # (m, 2) dot products
    G = D.T @ D
    if not np.allclose(G, np.eye(2), rtol=0.0, atol=1e-12):
        coef = coef @ np.linalg.pinv(G)
    return coef[0] if single else coef


# --------------------------------------------------------------------------- evaluation
def _center(net: Network, center: Array | None) -> Array:
    if center is None:
        c = np.asarray(net.params, dtype=np.float64).copy()
    else:
        c = np.asarray(center, dtype=np.float64)
        if c.shape != (net.n_params,):
            raise SpecError(f"the centre must have {net.n_params} values (one per parameter), not {c.shape}")
    if not np.all(np.isfinite(c)):
        raise SpecError("the weights contain NaN or infinite values (training diverged); "
                        "reset or rewind before plotting the loss landscape")
    return c


def _direction(net: Network, d: Array | None, what: str) -> Array:
    if d is None:
        return np.zeros(net.n_params)
    v = np.asarray(d, dtype=np.float64)
    if v.shape != (net.n_params,):
        raise SpecError(f"{what} must have {net.n_params} values (one per parameter), not {v.shape}")
    if not np.all(np.isfinite(v)):
        raise SpecError(f"{what} contains NaN or infinite values")
    return v


def _grid_axis(values: Any, what: str) -> Array:
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise SpecError(f"{what} must be a non-empty list of numbers")
    if not np.all(np.isfinite(a)):
        raise SpecError(f"{what} must be finite numbers")
    return a


def _data(net: Network, X: Array, y: Array, max_points: int | None,
          rng: np.random.Generator | int | None) -> tuple[Array, Array]:
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
            idx = np.sort(_as_rng(rng).choice(len(X), size=int(max_points), replace=False))
            X, y = X[idx], y[idx]
    X = np.ascontiguousarray(X, dtype=net.dtype)
    if net.spec.task == "regression":
        y = np.ascontiguousarray(y, dtype=net.dtype)
    else:
        y = np.ascontiguousarray(y, dtype=np.intp)
    return X, y


@dataclass
class _LayerPlan:
    """One layer's weights along the plane, in the network's dtype."""

    W: Array  # (n_in, n_out)
    b: Array  # (n_out,)
    dW: list[Array]  # moving parts of W, one per non-zero direction
    db: list[Array]  # the matching bias parts (zeros where only W moves)
    which: list[int]  # 0 for d1, 1 for d2: which coefficient multiplies dW[k]
    f: Any  # the activation's f(z, alpha), None for the output layer
    alpha: float | None
    # rows [W; b] flattened for the centre and each moving direction, shape
    # (1 + len(dW), (n_in + 1)·n_out): per-point weights are then one matrix product
    basis: Array | None = None

    @property
    def moves(self) -> bool:
        return bool(self.dW)


def _plan(net: Network, center: Array, dirs: Sequence[Array]) -> list[_LayerPlan]:
    dt = net.dtype
    plans = []
    for li, layer in enumerate(net.layers):
        ws, bs = net.slices[2 * li], net.slices[2 * li + 1]
        dW, db, which = [], [], []
        for k, d in enumerate(dirs):
            w_part = d[ws.start:ws.stop]
            b_part = d[bs.start:bs.stop]
            # a direction that leaves this layer alone costs nothing: skip its products
            if np.any(w_part) or np.any(b_part):
                dW.append(w_part.reshape(ws.shape).astype(dt, copy=False))
                db.append(b_part.astype(dt, copy=False))
                which.append(k)
        plans.append(_LayerPlan(
            center[ws.start:ws.stop].reshape(ws.shape).astype(dt, copy=False),
            center[bs.start:bs.stop].astype(dt, copy=False),
            dW, db, which,
            None if layer.activation is None else layer.activation.f,
            layer.alpha,
        ))
    return plans


def _set_basis(p: _LayerPlan) -> None:
    """Rows ``[W; b]``, ``[D₁; e₁]``, ``[D₂; e₂]`` flattened, for :func:`_stack_weights`."""
    p.basis = np.stack([np.concatenate([Wk.ravel(), bk]) for Wk, bk in zip([p.W] + p.dW, [p.b] + p.db)])


def _chunk_rows(plans: list[_LayerPlan], first: int, n: int, n_points: int,
                itemsize: int, memory: int) -> tuple[int, int]:
    """Samples per block ``nb`` and grid points per chunk ``g``.

    A chunk pushes ``g·nb`` rows through the layers. Its arrays are kept near
    :data:`_CHUNK_BYTES` so they stay in the CPU cache and come from the allocator's
    free lists: bigger chunks are *slower*, because every fresh multi-megabyte array
    costs page faults. Wide layers get at least :data:`_MIN_ROWS` rows so their matrix
    products stay efficient, and nothing exceeds ``memory``.
    """
    widths = [plans[-1].W.shape[1]]
    for p in plans[first:]:
        widths += list(p.W.shape)
    row_bytes = max(widths) * itemsize
    rows = max(_CHUNK_BYTES // row_bytes, _MIN_ROWS)
    # about a dozen row-sized arrays are alive at once inside a layer or the loss
    rows = max(1, min(rows, memory // (12 * row_bytes)))
    nb = min(n, rows)
    g = max(1, min(n_points, rows // nb))
    return nb, g


def _stack_weights(p: _LayerPlan, coef: list[Array], with_bias_row: bool) -> tuple[Array, Array]:
    """Per-point weights ``W + α·D₁ + β·D₂`` and biases ``b + α·e₁ + β·e₂``.

    Computed as one product ``[1, α, β] · [[W; b], [D₁; e₁], [D₂; e₂]]`` for all ``g``
    points at once. Returns ``(Wg, bg)`` with ``Wg`` of shape ``(g, n_in, n_out)`` and
    ``bg`` of shape ``(g, 1, n_out)`` (views of one array). With ``with_bias_row``,
    ``Wg`` keeps the biases as an extra input row, ``(g, n_in + 1, n_out)``, to be
    multiplied by a column of ones.
    """
    assert p.basis is not None
    g = len(coef[0])
    n_in, n_out = p.W.shape
    C = np.empty((g, 1 + len(p.which)), dtype=p.W.dtype)
    C[:, 0] = 1.0
    for r, k in enumerate(p.which, start=1):
        C[:, r] = coef[k]
    S = (C @ p.basis).reshape(g, n_in + 1, n_out)
    return (S if with_bias_row else S[:, :n_in]), S[:, n_in:]


def _apply(p: _LayerPlan, z: Array) -> Array:
    return z if p.f is None else p.f(z, p.alpha)


def _plane_data_losses(net: Network, X: Array, y: Array, center: Array, d1: Array, d2: Array,
                       a: Array, b: Array, memory: int | None = None) -> Array:
    """Mean data loss at the points ``center + a[k]·d1 + b[k]·d2``; shape ``(len(a),)``.

    ``X``/``y`` are already validated and cast. Loops run over chunks of points and
    blocks of samples only, never over single points.
    """
    dt = net.dtype
    memory = MEMORY_BUDGET if memory is None else memory
    plans = _plan(net, center, (d1, d2))
    n, P = len(X), len(a)
    L = len(plans)
    first = next((k for k, p in enumerate(plans) if p.moves), L)
    sums = np.zeros(P, dtype=np.float64)
    per_sample = net.loss.per_sample
    if first == L:  # the directions touch nothing: one plain evaluation serves every point
        nb, _ = _chunk_rows(plans, 0, n, 1, dt.itemsize, memory)
        total = sum(float(np.sum(per_sample(_forward_plans(plans, X[s:s + nb]), y[s:s + nb]),
                                 dtype=np.float64)) for s in range(0, n, nb))
        return sums + total / n
    coef_all = [a.astype(dt), b.astype(dt)]
    nb, g = _chunk_rows(plans, first, n, P, dt.itemsize, memory)

    # How each moving layer is evaluated for a chunk of points:
    #   "stack": build the chunk's weight matrices and do one batched product (a third
    #            of the arithmetic of "split"; building a stack costs ~3/(2·nb) of the
    #            products that use it). Used when the chunk's stack fits in a quarter
    #            of the memory budget;
    #   "split": A·W + Σ c·(A·D) — three ordinary products, no weight stack (wide layers).
    # The first moving layer sees the same inputs at every point; with few inputs its
    # biases ride along as an extra row against a column of ones.
    fp = plans[first]
    first_stacked = fp.W.shape[0] <= _SHARED_STACK_MAX_IN
    method = {}
    for li in range(first + 1, L):
        p = plans[li]
        n_in, n_out = p.W.shape
        small = g * (n_in + 1) * n_out * dt.itemsize <= memory // 4
        method[li] = "fixed" if not p.moves else ("stack" if small else "split")
    stacked = [li for li in range(first + 1, L) if method[li] == "stack"]
    if first_stacked:
        stacked.insert(0, first)
    for li in stacked:
        _set_basis(plans[li])
    # Weight stacks are built for a block of points at once (one matrix product per
    # layer instead of several small operations per chunk); the chunk loop only slices
    # them. Blocks stay cache-sized for the same reason chunks do.
    point_bytes = sum((plans[li].W.shape[0] + 1) * plans[li].W.shape[1] for li in stacked) * dt.itemsize
    pb = P if point_bytes == 0 else max(g, min(P, _STACK_BYTES // point_bytes))
    pb = max(g, pb - pb % g)

    # Samples outside, points inside: the layers before the first moving one (and the
    # first moving layer's shared products) are computed once per sample block, while
    # rebuilding a block's weight stacks per sample block costs only ~3/(2·nb) of the
    # products that use them.
    for s0 in range(0, n, nb):
        Xb, yb = X[s0:s0 + nb], y[s0:s0 + nb]
        m = len(Xb)
        h = Xb
        for p in plans[:first]:  # layers the directions leave alone: once for all points
            z = h @ p.W
            z += p.b
            h = _apply(p, z)
        if first_stacked:
            h1 = np.empty((m, h.shape[1] + 1), dtype=dt)
            h1[:, :-1] = h
            h1[:, -1] = 1.0
        else:
            shared = [h @ fp.W + fp.b] + [h @ D + e for D, e in zip(fp.dW, fp.db)]
        y_tiled = np.tile(yb, g)
        for p0 in range(0, P, pb):
            p1 = min(P, p0 + pb)
            block_coef = [c[p0:p1] for c in coef_all]
            stacks = {li: _stack_weights(plans[li], block_coef, li == first) for li in stacked}
            for g0 in range(p0, p1, g):
                gc = min(g, p1 - g0)
                loc = slice(g0 - p0, g0 - p0 + gc)  # within the block
                coef = [c[loc] for c in block_coef]
                if first_stacked:
                    z = np.matmul(h1, stacks[first][0][loc])
                else:
                    z = np.broadcast_to(shared[0], (gc,) + shared[0].shape).copy()
                    for Q, k in zip(shared[1:], fp.which):
                        z += coef[k][:, None, None] * Q
                hg = _apply(fp, z)
                for li in range(first + 1, L):
                    p = plans[li]
                    n_in, n_out = p.W.shape
                    how = method[li]
                    if how == "fixed":
                        z = (hg.reshape(-1, n_in) @ p.W).reshape(gc, m, n_out)
                        z += p.b
                    elif how == "stack":
                        z = np.matmul(hg, stacks[li][0][loc])
                        z += stacks[li][1][loc]
                    else:
                        flat = hg.reshape(-1, n_in)
                        z = (flat @ p.W).reshape(gc, m, n_out)
                        z += p.b
                        for D, e, k in zip(p.dW, p.db, p.which):
                            t = (flat @ D).reshape(gc, m, n_out)
                            t += e
                            t *= coef[k][:, None, None]
                            z += t
                    hg = _apply(p, z)
                k_out = hg.shape[-1]
                ls = per_sample(hg.reshape(gc * m, k_out), y_tiled[:gc * m])
                sums[g0:g0 + gc] += ls.reshape(gc, m).sum(axis=1, dtype=np.float64)
    return sums / n


def _forward_plans(plans: list[_LayerPlan], X: Array) -> Array:
    """Plain forward pass through the planned (centre) weights: logits ``(n, k)``."""
    h = X
    for p in plans:
        z = h @ p.W
        z += p.b
        h = _apply(p, z)
    return h


def _plane_penalties(net: Network, center: Array, d1: Array, d2: Array, a: Array, b: Array,
                     l1: float, l2: float, memory: int | None = None) -> Array:
    """``λ₁·Σ|w| + λ₂·Σw²`` over the weights at each point ``center + a·d1 + b·d2``."""
    memory = MEMORY_BUDGET if memory is None else memory
    out = np.zeros(len(a))
    nw = net.n_weights
    w, u, v = center[:nw], d1[:nw], d2[:nw]
    if l2:
        # Σ(w + αu + βv)² expanded: exact and O(n_weights) instead of O(points·n_weights)
        ww, wu, wv = w @ w, w @ u, w @ v
        uu, uv, vv = u @ u, u @ v, v @ v
        out += l2 * (ww + 2 * a * wu + 2 * b * wv + a * a * uu + 2 * a * b * uv + b * b * vv)
    if l1:
        moving = (u != 0) | (v != 0)
        base = float(np.abs(w[~moving]).sum())
        ws, us, vs = w[moving], u[moving], v[moving]
        step = max(1, memory // (16 * max(1, len(ws))))
        l1sum = np.empty(len(a))
        for k in range(0, len(a), step):
            ak, bk = a[k:k + step, None], b[k:k + step, None]
            l1sum[k:k + step] = np.abs(ws + ak * us + bk * vs).sum(axis=1)
        out += l1 * (base + l1sum)
    return out


def _check_penalty(x: float, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)) or not math.isfinite(x) or x < 0:
        raise SpecError(f"the {name} penalty λ must be a number ≥ 0, not {x!r}")
    return float(x)


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
    theta = _center(net, center)
    u = _direction(net, d1, "the first direction")
    v = _direction(net, d2, "the second direction")
    a = _grid_axis(alphas, "the α values")
    b = _grid_axis(betas, "the β values")
    if a.shape != b.shape:
        raise SpecError("there must be as many α values as β values")
    l1 = _check_penalty(l1, "L1")
    l2 = _check_penalty(l2, "L2")
    Xs, ys = _data(net, X, y, max_points, rng)
    # far from the centre the loss can overflow; that is a fact to plot (inf), not an error
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = _plane_data_losses(net, Xs, ys, theta, u, v, a, b)
        if l1 or l2:
            out += _plane_penalties(net, theta, u, v, a, b, l1, l2)
    return out


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
    over the weights only, as in training). Computed in the network's dtype, chunk by
    chunk of grid points, with no Python loop over grid points; temporaries stay
    below :data:`MEMORY_BUDGET` bytes.

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
    theta = _center(net, center)
    u = _direction(net, d1, "the first direction")
    v = _direction(net, d2, "the second direction")
    al = _grid_axis(alphas, "the α values")
    be = _grid_axis(betas, "the β values")
    l1 = _check_penalty(l1, "L1")
    l2 = _check_penalty(l2, "L2")
    Xs, ys = _data(net, X, y, max_points, rng)
    A, B = np.meshgrid(al, be)  # (nb, na): rows follow β
    # the centre rides along as one extra point so it is computed exactly like the grid
    a = np.append(A.ravel(), 0.0)
    b = np.append(B.ravel(), 0.0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        vals = _plane_data_losses(net, Xs, ys, theta, u, v, a, b)
        if l1 or l2:
            vals += _plane_penalties(net, theta, u, v, a, b, l1, l2)
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
        center=theta, d1=u, d2=v, n_points=len(Xs), l1=l1, l2=l2,
    )


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
    """The loss along the straight line through two weight vectors.

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
    t0 = _center(net, theta0)
    t1 = _center(net, theta1)
    ts = np.linspace(-float(extend), 1.0 + float(extend), int(n))
    # both end points are always evaluated exactly: the grid points nearest to t = 0
    # and t = 1 are moved onto them (by less than half a step)
    k0 = int(np.argmin(np.abs(ts)))
    k1 = int(np.argmin(np.abs(ts - 1.0)))
    if k0 != k1:
        ts[k0], ts[k1] = 0.0, 1.0
    losses = losses_on_plane(net, X, y, t1 - t0, None, ts, np.zeros_like(ts), center=t0,
                             l1=l1, l2=l2, max_points=max_points, rng=rng)
    return ts, losses


# --------------------------------------------------------------------------- the app's entry
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
        ``pca``: the plane of the path's two principal directions, centred on the
        current weights. ``random``: two filter-normalised random directions
        (:func:`directions_random` with ``seed``). ``params``: weights ``i`` and ``j``
        themselves; the axes then show those weights' actual values.
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
        ``random`` mode: keep biases fixed.
    seed : int
        Seed of the random directions and of the data sub-sample.
    max_points : int or None
        Average the loss over at most this many training points (a fixed random
        subset) so big data sets stay interactive; None uses them all.

    Returns
    -------
    SurfaceResult
        With ``mode``, ``axis_labels``, ``path`` (the trajectory in plane coordinates),
        ``path_iterations``, ``path_loss`` and ``current`` filled in; ``alphas``/``betas``
        and ``path`` are absolute weight values in ``params`` mode.
    """
    if mode not in MODES:
        raise SpecError(f"unknown landscape mode '{mode}'; choose one of: {', '.join(MODES)}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or not 2 <= resolution <= 401:
        raise SpecError(f"the resolution must be a whole number from 2 to 401, not {resolution!r}")
    if span is not None:
        span = _check_span(span)
    net: Network = trainer.network
    theta = _center(net, None)
    iters, traj = trainer.trajectory_array()
    traj = np.asarray(traj, dtype=np.float64)
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
        d1, d2 = directions_random(net, seed, ignore_biases)
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
    res = loss_surface(net, trainer.X, trainer.y, d1, d2, da, db, center=theta, l1=l1, l2=l2,
                       max_points=max_points, rng=seed)
    path_loss = losses_on_plane(net, trainer.X, trainer.y, d1, d2, path[:, 0], path[:, 1],
                                center=theta, l1=l1, l2=l2, max_points=max_points, rng=seed)
    res.alphas = da + offset[0]
    res.betas = db + offset[1]
    res.min_at = (res.min_at[0] + float(offset[0]), res.min_at[1] + float(offset[1]))
    res.mode = mode
    res.axis_labels = labels
    res.explained_variance = explained
    res.path = traj[:, [i, j]] if mode == "params" else path
    res.path_iterations = np.asarray(iters)
    res.path_loss = path_loss
    res.current = current
    return res


__all__ = [
    "MEMORY_BUDGET",
    "MODES",
    "SurfaceResult",
    "directions_params",
    "directions_pca",
    "directions_random",
    "loss_line",
    "loss_surface",
    "losses_on_plane",
    "param_label",
    "projection",
    "surface_for_trainer",
]
