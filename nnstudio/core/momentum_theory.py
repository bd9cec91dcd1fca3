"""How fast gradient descent and momentum converge on a quadratic, in closed form.

After Gabriel Goh, "Why Momentum Really Works" (Distill, 2017). On a quadratic
``f(w) = ½·wᵀAw`` every eigen-direction of ``A`` (eigenvalue ``λ``) is its own
one-dimensional problem, and a method's error along it is multiplied, step after step,
by a fixed 1×1 or 2×2 matrix. The *rate* along that direction is the matrix's spectral
radius (its largest eigenvalue in modulus); the method's rate is the largest over the
eigenvalues, since the slowest direction decides when the error is small everywhere.

Conventions. Goh writes momentum as ``z ← β·z + ∇f(w)``, ``w ← w − α·z``. PyTorch's
``SGD(momentum=μ)``, which this app uses (:class:`nnstudio.core.optimizers.Momentum`),
writes ``v ← μ·v + g``, ``w ← w − η·v`` with the buffer starting at zero: the same
recursion with ``α = η`` and ``β = μ``, so the numbers here are the app's learning rate
and momentum unchanged. (Only the "averaged" form ``v ← β·v + (1 − β)·g``, used by some
course notes, would need ``α = η·(1 − β)``: see :func:`from_averaged`.)

=============== ===========================================================================
gradient descent  ``e ← (1 − ηλ)·e``:  rate ``|1 − ηλ|``; stable iff ``0 < ηλ < 2``
heavy ball        ``(eₖ₊₁, eₖ) = [[1 + β − αλ, −β], [1, 0]]·(eₖ, eₖ₋₁)``;
                  stable iff ``0 ≤ β < 1`` and ``0 < αλ < 2(1 + β)``
Nesterov          on ``(e, v)``: ``[[1 − ηλ(1 + μ), −ημ²], [λ, μ]]`` (PyTorch's
                  ``nesterov=True``)
=============== ===========================================================================

Best settings for eigenvalues from ``λ₁`` (smallest) to ``λₙ`` (largest), ``κ = λₙ/λ₁``:
gradient descent ``η* = 2/(λ₁ + λₙ)``, rate ``(κ − 1)/(κ + 1)``; heavy ball
``α* = (2/(√λ₁ + √λₙ))²``, ``β* = ((√κ − 1)/(√κ + 1))²``, rate ``√β* = (√κ − 1)/(√κ + 1)``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .errors import SpecError

Array = np.ndarray
ArrayLike = float | Sequence[float] | Array

#: a discriminant this small (relative to the coefficients) is a repeated root: rounding
#: must not turn the optimum's double root into a pair 1e-8 apart
_REPEATED = 16.0 * np.finfo(np.float64).eps


def _eigenvalues(eigenvalues: ArrayLike) -> Array:
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise SpecError("the curvatures (eigenvalues) must be finite numbers greater than 0")
    return lam


def spectral_radius_2x2(trace: ArrayLike, det: ArrayLike) -> Array:
    """Largest root modulus of ``z² − trace·z + det = 0``, element-wise.

    That is the spectral radius of any real 2×2 matrix with this trace and determinant.

    Returns
    -------
    ndarray, the broadcast shape of ``trace`` and ``det``
    """
    t = np.asarray(trace, dtype=np.float64)
    d = np.asarray(det, dtype=np.float64)
    disc = t * t - 4.0 * d
    disc = np.where(np.abs(disc) <= _REPEATED * (t * t + 4.0 * np.abs(d)), 0.0, disc)
    real = 0.5 * (np.abs(t) + np.sqrt(np.maximum(disc, 0.0)))
    # complex pair: both roots have modulus √det (det > 0 whenever the roots are complex)
    return np.where(disc >= 0.0, real, np.sqrt(np.abs(d)))


def gd_direction_rates(lr: ArrayLike, eigenvalues: ArrayLike) -> Array:
    """``|1 − η·λ|`` for every learning rate and eigenvalue.

    Returns
    -------
    ndarray, shape ``np.shape(lr) + (n_eigenvalues,)``
    """
    lam = _eigenvalues(eigenvalues)
    eta = np.asarray(lr, dtype=np.float64)[..., None]
    return np.abs(1.0 - eta * lam)


def gd_rate(lr: ArrayLike, eigenvalues: ArrayLike) -> Array:
    """Gradient descent's rate ``max over λ of |1 − η·λ|`` (≥ 1: it diverges)."""
    return gd_direction_rates(lr, eigenvalues).max(axis=-1)


def heavy_ball_matrix(alpha: float, beta: float, lam: float) -> Array:
    """The 2×2 matrix that carries ``(eₖ, eₖ₋₁)`` to ``(eₖ₊₁, eₖ)`` along an
    eigen-direction of curvature ``lam``: ``[[1 + β − αλ, −β], [1, 0]]``."""
    return np.array([[1.0 + beta - alpha * lam, -beta], [1.0, 0.0]], dtype=np.float64)


def heavy_ball_direction_rates(alpha: ArrayLike, beta: ArrayLike, eigenvalues: ArrayLike) -> Array:
    """Spectral radius of :func:`heavy_ball_matrix` for every (α, β) and eigenvalue.

    Returns
    -------
    ndarray, shape ``np.broadcast_shapes(np.shape(alpha), np.shape(beta)) + (n_eigenvalues,)``
    """
    lam = _eigenvalues(eigenvalues)
    a = np.asarray(alpha, dtype=np.float64)[..., None]
    b = np.asarray(beta, dtype=np.float64)[..., None]
    return spectral_radius_2x2(1.0 + b - a * lam, b + 0.0 * lam)


def heavy_ball_rate(alpha: ArrayLike, beta: ArrayLike, eigenvalues: ArrayLike) -> Array:
    """Momentum's rate: the largest :func:`heavy_ball_direction_rates` over the eigenvalues."""
    return heavy_ball_direction_rates(alpha, beta, eigenvalues).max(axis=-1)


def nesterov_direction_rates(lr: ArrayLike, momentum: ArrayLike, eigenvalues: ArrayLike) -> Array:
    """Per-direction rates of PyTorch's Nesterov momentum (``v ← μv + g``,
    ``w ← w − η(g + μv)``): the matrix ``[[1 − ηλ(1 + μ), −ημ²], [λ, μ]]`` on ``(e, v)``,
    trace ``1 + μ − ηλ(1 + μ)``, determinant ``μ(1 − ηλ)``."""
    lam = _eigenvalues(eigenvalues)
    eta = np.asarray(lr, dtype=np.float64)[..., None]
    mu = np.asarray(momentum, dtype=np.float64)[..., None]
    return spectral_radius_2x2(1.0 + mu - eta * lam * (1.0 + mu), mu * (1.0 - eta * lam))


def rate_map(eigenvalues: ArrayLike, alphas: ArrayLike, betas: ArrayLike) -> Array:
    """Momentum's rate over a grid of the (learning rate, momentum) plane.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
    alphas : array_like, shape (nx,)
        Learning rates α (= PyTorch's η), along the columns.
    betas : array_like, shape (ny,)
        Momenta β (= PyTorch's μ), along the rows.

    Returns
    -------
    ndarray, shape (ny, nx)
        ``R[j, i] = heavy_ball_rate(alphas[i], betas[j])``; rows follow β as in an image.
        ``R ≥ 1`` where the method diverges (or does not converge).
    """
    a = np.asarray(alphas, dtype=np.float64).reshape(1, -1)
    b = np.asarray(betas, dtype=np.float64).reshape(-1, 1)
    return heavy_ball_rate(a, b, eigenvalues)


def condition_number(eigenvalues: ArrayLike) -> float:
    """``κ = λₙ / λ₁``, the largest eigenvalue over the smallest."""
    lam = _eigenvalues(eigenvalues)
    return float(lam.max() / lam.min())


def optimal_gd(eigenvalues: ArrayLike) -> tuple[float, float]:
    """Gradient descent's best learning rate ``2/(λ₁ + λₙ)`` and its rate ``(κ − 1)/(κ + 1)``."""
    lam = _eigenvalues(eigenvalues)
    lo, hi = float(lam.min()), float(lam.max())
    return 2.0 / (lo + hi), (hi - lo) / (hi + lo)


def optimal_heavy_ball(eigenvalues: ArrayLike) -> tuple[float, float, float]:
    """Momentum's best ``(α*, β*)`` and the rate there.

    ``α* = (2/(√λ₁ + √λₙ))²``, ``β* = ((√κ − 1)/(√κ + 1))²``; the rate is ``√β*``.
    """
    lam = _eigenvalues(eigenvalues)
    lo, hi = math.sqrt(float(lam.min())), math.sqrt(float(lam.max()))
    alpha = (2.0 / (lo + hi)) ** 2
    root = (hi - lo) / (hi + lo)  # (√κ − 1)/(√κ + 1)
    return alpha, root * root, root


def max_stable_lr(momentum: float, eigenvalues: ArrayLike) -> float:
    """The learning rate above which momentum ``β`` diverges: ``2(1 + β)/λₙ`` (for
    ``0 ≤ β < 1``; β = 0 is gradient descent's ``2/λₙ``)."""
    lam = _eigenvalues(eigenvalues)
    return 2.0 * (1.0 + float(momentum)) / float(lam.max())


def steps_per_decade(rate: ArrayLike) -> Array:
    """Steps needed to make the error 10 times smaller at ``rate`` per step
    (``ln 0.1 / ln rate``); ``inf`` when the rate is 1 or more, 0 at rate 0."""
    r = np.asarray(rate, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r < 1.0, math.log(0.1) / np.log(np.where(r < 1.0, r, 0.5)), np.inf)
    return np.where(r <= 0.0, 0.0, out)


def from_averaged(lr: float, beta: float) -> tuple[float, float]:
    """``(α, β)`` of the averaged form ``v ← β·v + (1 − β)·g``, ``w ← w − η·v``:
    ``α = η·(1 − β)``. PyTorch's and Goh's forms need no conversion."""
    return float(lr) * (1.0 - float(beta)), float(beta)


def measured_rate(errors: ArrayLike, first: int | None = None) -> float:
    """The rate per step an error sequence shows: ``(|e_N| / |e_M|)^(1/(N − M))``.

    Parameters
    ----------
    errors : array_like, shape (N + 1,) or (N + 1, d)
        The error (or error vector) after each step.
    first : int, optional
        ``M``, default ``N // 2`` (the start of a run also holds the faster directions).
    """
    e = np.asarray(errors, dtype=np.float64)
    norms = np.abs(e) if e.ndim == 1 else np.linalg.norm(e.reshape(len(e), -1), axis=1)
    n = len(norms) - 1
    m = n // 2 if first is None else int(first)
    if not 0 <= m < n or norms[m] == 0.0 or not np.isfinite(norms[n]):
        raise SpecError("a measured rate needs at least two finite errors, the first not zero")
    return float((norms[n] / norms[m]) ** (1.0 / (n - m)))


__all__ = [
    "condition_number",
    "from_averaged",
    "gd_direction_rates",
    "gd_rate",
    "heavy_ball_direction_rates",
    "heavy_ball_matrix",
    "heavy_ball_rate",
    "max_stable_lr",
    "measured_rate",
    "nesterov_direction_rates",
    "optimal_gd",
    "optimal_heavy_ball",
    "rate_map",
    "spectral_radius_2x2",
    "steps_per_decade",
]
