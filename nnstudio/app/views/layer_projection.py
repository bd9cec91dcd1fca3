"""A hidden layer's picture of the data: where it maps the points and the input plane.

After ConvNetJS's classify2d demo: every hidden layer maps each input point to the
outputs of its neurons. With 2 neurons those outputs are a point of a plane, drawn as
they are; with more, the plane of the two directions along which the training points'
outputs vary most (principal component analysis) is drawn, and how much of the
variance it holds; with 1 neuron, the neuron's output along a line. The input plane's
grid lines go through the same layers (polylines of many points), so the learner sees
how the network bends, stretches and folds the plane until one straight line, the
output neuron's, separates the classes.

:func:`layer_representation` does the arithmetic, from a snapshot's weights
(:func:`~.snapshot_forward.forward_from_snapshot`, the engine's operations) on the
engine's inputs (``PreparedData.X_train``/``X_val`` and ``PreparedData.transform`` for
the grid). Plain NumPy; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.data import PreparedData
from ...core.snapshot import Snapshot
from .snapshot_forward import forward_from_snapshot

Array = np.ndarray

#: grid lines of the input plane in each direction (its edges included)
GRID_LINES = 13
#: points along each grid line: enough that a line bent by the network stays smooth
LINE_POINTS = 101

DIRECT = "direct"  # 2 neurons: their outputs are the axes
PCA = "pca"  # more: the top two principal directions of the training points' outputs
SINGLE = "single"  # 1 neuron: its output along the horizontal axis


@dataclass
class Representation:
    """What one hidden layer makes of the data (see the module's docstring).

    Attributes
    ----------
    layer : int
        The hidden layer, counted from 0 (as ``Snapshot.weights``).
    units : int
        Its neurons.
    mode : str
        :data:`DIRECT`, :data:`PCA` or :data:`SINGLE`.
    train, val : ndarray, shape (n, 2)
        Where the training and validation points land in the picture. In
        :data:`SINGLE` mode the second column is the point's class (its target for
        regression), spread a little so that points do not hide one another.
    lines : list of ndarray, each (LINE_POINTS, 2)
        The input's grid lines in the picture: first the lines of constant x₁, then
        those of constant x₂ (1-D data: the one input line; none for more inputs or in
        :data:`SINGLE` mode).
    n_first : int
        How many of ``lines`` are lines of constant x₁.
    center : ndarray, shape (units,), or None
        PCA: the training points' mean output, subtracted before projecting.
    directions : ndarray, shape (units, 2), or None
        PCA: the two principal directions (unit columns); picture = (h − center) · directions.
    variance : ndarray, shape (2,), or None
        PCA: the share of the training points' variance along each direction.
    boundary : tuple of 3 floats, or None
        :data:`DIRECT` mode on the last hidden layer of a binary network: the output
        neuron's decision line ``a·u + b·v + c = 0`` in the picture's coordinates.
    """

    layer: int
    units: int
    mode: str
    train: Array
    val: Array
    lines: list[Array] = field(default_factory=list)
    n_first: int = 0
    center: Array | None = None
    directions: Array | None = None
    variance: Array | None = None
    boundary: tuple[float, float, float] | None = None


def grid_lines(domain: tuple[tuple[float, float], ...], n_lines: int = GRID_LINES,
               n_points: int = LINE_POINTS) -> tuple[list[Array], int]:
    """The raw input space's grid lines: ``(lines, n_first)``.

    For 2-D inputs ``n_lines`` lines of constant x₁ (``n_first`` of them) then
    ``n_lines`` of constant x₂ across ``domain``, each ``n_points`` points (n, 2); for
    1-D inputs the one line along the domain (n, 1); for more inputs none.
    """
    if len(domain) == 1:
        (x0, x1), = domain
        return [np.linspace(x0, x1, n_points)[:, None]], 0
    if len(domain) != 2:
        return [], 0
    (x0, x1), (y0, y1) = domain
    along_x = np.linspace(x0, x1, n_points)
    along_y = np.linspace(y0, y1, n_points)
    first = [np.column_stack([np.full(n_points, x), along_y]) for x in np.linspace(x0, x1, n_lines)]
    second = [np.column_stack([along_x, np.full(n_points, y)]) for y in np.linspace(y0, y1, n_lines)]
    return first + second, len(first)


def hidden_outputs(snap: Snapshot, X: Array, layer: int) -> Array:
    """Hidden layer ``layer``'s outputs (n, units) for network inputs ``X``, float64."""
    n_hidden = len(snap.weights) - 1
    if not 0 <= layer < n_hidden:
        raise IndexError(f"hidden layer {layer} of {n_hidden}")
    return np.asarray(forward_from_snapshot(snap, X)[layer], dtype=np.float64)


def principal_directions(H: Array, previous: Array | None = None) -> tuple[Array, Array, Array]:
    """``(center, directions, variance share)`` of the rows of ``H`` (n, units ≥ 2).

    ``directions`` (units, 2) are the top two right singular vectors of the centred
    rows (the principal directions), ``variance share`` the share of the rows' variance
    along each (nan when every row is the same, and the directions are the first two
    neurons'); each is turned to point the way ``previous``'s column did (a singular vector's
    sign is arbitrary, and a picture that flips while training hides what changes).
    Rows that are not finite are left out; with none left, the first two neurons."""
    units = H.shape[1]
    rows = H[np.all(np.isfinite(H), axis=1)]
    if len(rows) == 0:
        V = np.eye(units)[:, :2]
        return np.zeros(units), V, np.full(2, np.nan)
    center = rows.mean(axis=0)
    # the eigenvectors of the (units × units) scatter matrix are the right singular
    # vectors of the centred rows, and far cheaper to find when there are many rows
    C = rows - center
    evals, evecs = np.linalg.eigh(C.T @ C)
    top = np.argsort(evals)[::-1]
    s = np.sqrt(np.clip(evals[top], 0.0, None))
    vt = evecs[:, top].T
    V = vt[:2].T.copy()
    total = float(np.sum(s * s))
    share = np.full(2, np.nan)
    if total > 0:
        share = (s[:2] ** 2) / total
    else:
        V = np.eye(units)[:, :2]  # every point in one place: no direction is special
    if previous is not None and previous.shape == V.shape:
        for j in range(2):
            if float(V[:, j] @ previous[:, j]) < 0:
                V[:, j] = -V[:, j]
    return center, V, share


def _single_row(n: int, level: Array) -> Array:
    """The vertical place of ``n`` points at ``level`` (class or target), spread by a
    fixed low-discrepancy offset so that points with the same output stay apart."""
    if n == 0:
        return np.empty(0)
    spread = (np.arange(n) * 0.618033988749895) % 1.0 - 0.5
    return np.asarray(level, dtype=np.float64) + 0.3 * spread


def layer_representation(snap: Snapshot, data: PreparedData, layer: int,
                         previous: Array | None = None, with_lines: bool = True) -> Representation:
    """Where hidden layer ``layer`` maps the training and validation points and the grid
    lines of the raw input space (see :class:`Representation`).

    ``previous``: the directions of the last picture of the same layer (PCA), so that
    the picture keeps its orientation while training.
    """
    units = snap.weights[layer].shape[1]
    Ht = hidden_outputs(snap, data.X_train, layer)
    Hv = hidden_outputs(snap, data.X_val, layer)
    lines: list[Array] = []
    n_first = 0
    H_lines: Array | None = None
    if with_lines and units >= 2:
        raw_lines, n_first = grid_lines(data.domain)
        if raw_lines:
            X = np.asarray(data.transform(np.vstack(raw_lines)), dtype=np.float64)
            H_lines = hidden_outputs(snap, X, layer)
    if units == 1:
        levels_t = data.y_train if data.task == "regression" else data.y_train.astype(np.float64)
        levels_v = data.y_val if data.task == "regression" else data.y_val.astype(np.float64)
        return Representation(layer, units, SINGLE,
                              np.column_stack([Ht[:, 0], _single_row(len(Ht), levels_t)]),
                              np.column_stack([Hv[:, 0], _single_row(len(Hv), levels_v)]))
    center = directions = variance = None
    boundary = None
    if units == 2:
        mode = DIRECT
        pt, pv, pl = Ht, Hv, H_lines
        last_hidden = layer == len(snap.weights) - 2
        W, b = snap.weights[-1], snap.biases[-1]
        if last_hidden and W.shape == (2, 1) and snap.task == "binary":  # a fit's ŷ = 0 is no boundary
            boundary = (float(W[0, 0]), float(W[1, 0]), float(b[0]))
        elif last_hidden and W.shape == (2, 2) and snap.task == "binary":
            # two softmax units: the classes meet where their logits are equal, z₁ − z₀ = 0
            dw, db = W[:, 1] - W[:, 0], b[1] - b[0]
            boundary = (float(dw[0]), float(dw[1]), float(db))
    else:
        mode = PCA
        center, directions, variance = principal_directions(Ht, previous)
        pt = (Ht - center) @ directions
        pv = (Hv - center) @ directions
        pl = None if H_lines is None else (H_lines - center) @ directions
    if pl is not None:
        n = len(pl) // max(1, len(raw_lines))
        lines = [pl[i * n:(i + 1) * n] for i in range(len(raw_lines))]
    return Representation(layer, units, mode, pt, pv, lines, n_first, center, directions, variance, boundary)


__all__ = ["DIRECT", "GRID_LINES", "LINE_POINTS", "PCA", "SINGLE", "Representation", "grid_lines",
           "hidden_outputs", "layer_representation", "principal_directions"]
