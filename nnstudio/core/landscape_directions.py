"""The two directions of a loss-landscape plane, and coordinates on that plane.

Three ways of choosing ``d₁, d₂`` for the slice ``L(θ + α·d₁ + β·d₂)``:

* :func:`directions_params` — two single weights: the plot shows the loss as those two
  weights change while every other weight stays put;
* :func:`directions_random` — two random directions, rescaled *filter-wise* so that
  every neuron's incoming weights move by as much as their own size (Li et al. 2018,
  "Visualizing the Loss Landscape of Neural Nets"; this makes plots of different
  networks comparable). Biases follow the reference code's rule: fixed, or moved by
  their own values;
* :func:`directions_pca` — the two principal components of the training path (PCA of
  ``θᵢ − θ_final``, centred as the reference's scikit-learn PCA centres), so the path
  itself lies (nearly) in the plot; :func:`directions_pca_paths` the same for several
  paths at once (two runs of a comparison on one plane).

:func:`projection` gives the plane coordinates of any weight vector.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import SpecError
from .network import Network

Array = np.ndarray


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


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A generator from a seed (None = seed 0), or the generator itself."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)


def _filter_normalize(net: Network, d: Array, theta: Array, ignore_biases: bool) -> None:
    """Rescale ``d`` in place, filter by filter, to the norms of ``theta``; set its biases.

    A filter of a dense layer is one output neuron: column ``k`` of ``W`` (its incoming
    weights). Scaling each column to ``‖θ[:, k]‖`` removes the scale invariance that
    otherwise makes a landscape look sharp or flat depending only on the size of the
    weights (Li et al. 2018, section 4). Biases (one number per neuron, nothing to
    normalise over) are left fixed, or, as in the reference code
    (``normalize_directions_for_weights``), moved by their own values.
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
            dv[...] = tv


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
    Biases, as in Li et al.'s reference code: zero if ``ignore_biases``; otherwise each
    bias entry of the direction *is* that bias's own value (``d_b = θ_b``, the same in
    both directions), so ``θ + α·d₁ + β·d₂`` scales every bias by ``1 + α + β``.

    Parameters
    ----------
    net : Network
    rng : numpy.random.Generator or int or None
        Source of the draws (an int is a seed; None = seed 0), so the same seed gives
        the same plane. The draw covers every parameter, biases included, so the
        weights' part of a direction does not depend on ``ignore_biases``.
    ignore_biases : bool
        Keep the biases fixed (the reference's default, ``--xignore biasbn``).
    center : ndarray, shape (n_params,), optional
        The ``θ`` whose norms are matched; default the network's current weights.

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        Not orthogonalised: in many dimensions two random directions are nearly
        orthogonal already. Note that weights which are exactly zero (for example a
        network initialised with ``zeros``) give zero directions and a flat plot.
    """
    g = as_rng(rng)
    if center is None:
        theta = np.asarray(net.params, dtype=np.float64)
    else:
        theta = np.asarray(center, dtype=np.float64)
        if theta.shape != (net.n_params,):
            raise SpecError(f"the centre must have {net.n_params} values (one per parameter), not {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise SpecError("the weights contain NaN or infinite values (training diverged); "
                        "reset or rewind before plotting the loss landscape")
    d1 = g.standard_normal(net.n_params)
    d2 = g.standard_normal(net.n_params)
    _filter_normalize(net, d1, theta, ignore_biases)
    _filter_normalize(net, d2, theta, ignore_biases)
    return d1, d2


def directions_pca(trajectory_params: Array) -> tuple[Array, Array, Array]:
    """The two principal directions of a training trajectory (centred PCA).

    With ``θ_t`` the rows of ``trajectory_params`` and ``θ_f`` its last row, the matrix
    ``M`` with rows ``θ_t − θ_f`` is centred, ``M_c = M − mean_t(M)`` (which equals
    ``θ_t − mean_t(θ_t)``), and factored as ``M_c = U·S·Vᵀ``. The directions are the
    first two rows of ``Vᵀ`` and the explained variance ratios ``sᵢ² / ‖M_c‖²``: what
    Li et al.'s reference code gets from scikit-learn's ``PCA(n_components=2)`` fitted
    to ``M`` (``components_`` and ``explained_variance_ratio_``). Each direction's sign
    is chosen so that the start of the path has a negative coordinate on it: the axes
    point the way training went.

    The plane drawn through these directions is still centred on ``θ_f`` (the final,
    current weights), as in the reference's trajectory plots, so the final point sits
    at the origin ``(0, 0)`` and the path's mean does not.

    Parameters
    ----------
    trajectory_params : array_like, shape (m, n_params)
        Parameter vectors visited, in order, the last one the final (current) weights.

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        Orthonormal directions.
    explained : ndarray, shape (2,)
        Share of the centred path's variance along ``d1`` and ``d2``.

    Raises
    ------
    SpecError
        If there are fewer than two points, they are not finite, or the weights never
        moved.
    """
    return directions_pca_paths([trajectory_params])


def directions_pca_paths(paths: Sequence[Array]) -> tuple[Array, Array, Array]:
    """The two principal directions of several training paths taken together.

    The rows of all the paths are stacked and centred together (their common mean
    subtracted), then factored as in :func:`directions_pca`, which is this function
    for a single path: the plane that holds as much of *both* runs' movement as a
    plane can, so two runs of a comparison can be drawn on one picture. The directions
    are oriented by the first path: its start has negative coordinates on both, measured
    from its last row (the current weights of the run whose surface is drawn).

    Parameters
    ----------
    paths : sequence of array_like, each shape (m_k, n_params)
        The paths, in order of their rows; the first one's last row is the centre of the
        plane that will be drawn.

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,), float64
        Orthonormal directions.
    explained : ndarray, shape (2,)
        Share of the stacked, centred rows' variance along ``d1`` and ``d2``.

    Raises
    ------
    SpecError
        If a path has another number of parameters, there are fewer than two points in
        all, they are not finite, or the weights never moved.
    """
    tables = [np.asarray(p, dtype=np.float64) for p in paths]
    if not tables:
        raise SpecError("there is no training path to find principal directions of")
    T = tables[0]
    if T.ndim != 2 or T.shape[1] < 2:
        raise SpecError("the trajectory must be a table of parameter vectors, one row per recorded step")
    for other in tables[1:]:
        if other.ndim != 2 or other.shape[1] != T.shape[1]:
            raise SpecError(f"the paths must have the same number of parameters to share a plane "
                            f"({T.shape[1]} in the first)")
    if sum(len(t) for t in tables) < 2:
        raise SpecError("the training path has only one point: train for a few iterations "
                        "before plotting its principal directions")
    if len(T) == 0:
        raise SpecError("the first path has no points: its last one is the centre of the plane")
    if not all(np.all(np.isfinite(t)) for t in tables):
        raise SpecError("the training path contains NaN or infinite weights (training "
                        "diverged); reset or rewind before plotting the landscape")
    final = T[-1]
    M = T - final if len(tables) == 1 else np.vstack(tables) - final
    Mc = M - M.mean(axis=0)
    total = float(np.sum(Mc * Mc))
    if total == 0.0:
        raise SpecError("the weights have not moved yet: train for a few iterations before "
                        "plotting the training path's principal directions")
    s, vt = _top_two_components(Mc)
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


__all__ = ["as_rng", "directions_params", "directions_pca", "directions_pca_paths", "directions_random", "param_label",
           "projection"]
