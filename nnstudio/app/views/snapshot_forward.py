"""The network run from a snapshot's weights, for views that hold no network.

A :class:`~nnstudio.core.snapshot.Snapshot` carries every layer's weights, biases and
activation, so a view can compute what the network answers for any input without
asking the engine: the decision view's confusion counts, the network view's activation
statistics. Plain NumPy; no Qt.
"""

from __future__ import annotations

import numpy as np

from ...core.activations import get_activation, sigmoid
from ...core.losses import softmax
from ...core.snapshot import Snapshot

Array = np.ndarray


def forward_from_snapshot(snap: Snapshot, X: Array) -> list[Array]:
    """Every layer's output for inputs ``X`` (n, n_inputs), from the snapshot's weights.

    Returns one array per layer with weights: the hidden layers' activations
    ``a = f(X·W + b)`` (n, units), then the output layer's logits ``z`` (n, n_outputs)
    before the output activation. No dropout (as when predicting). Activations with a
    parameter (leaky ReLU's and ELU's α) use the layer's own (``Snapshot.alphas``), the
    same operations as :meth:`Dense.forward <nnstudio.core.layers.Dense.forward>`, so
    the numbers equal the engine's.
    """
    dtype = snap.weights[0].dtype if snap.weights else np.float64
    a = np.asarray(X, dtype=dtype)
    out: list[Array] = []
    last = len(snap.weights) - 1
    alphas = tuple(snap.alphas or ())
    with np.errstate(all="ignore"):
        for i, (W, b) in enumerate(zip(snap.weights, snap.biases)):
            z = a @ W
            z += b
            if i == last:
                a = z
            else:
                alpha = alphas[i] if i < len(alphas) else None
                a = get_activation(snap.activations[i]).f(z, alpha)
            out.append(a)
    return out


def output_activation(snap: Snapshot, z: Array) -> Array:
    """The output layer's activation applied to logits ``z``: σ, softmax or identity."""
    key = snap.activations[-1] if snap.activations else "linear"
    with np.errstate(all="ignore"):
        if key == "sigmoid":
            return sigmoid(z)
        if key == "softmax":
            return softmax(z)
    return z


def predict_from_snapshot(snap: Snapshot, X: Array) -> Array:
    """The network's output ŷ for inputs ``X`` (n, n_inputs), shape (n, n_outputs):
    P(positive class) for binary, class probabilities for multi-class, values for
    regression."""
    return output_activation(snap, forward_from_snapshot(snap, X)[-1])


def neuron_levels(activation: str, values: Array) -> tuple[float, float]:
    """Colour levels for a neuron's outputs: its activation's range when that is
    bounded ((0, 1) for sigmoid, (−1, 1) for tanh), otherwise symmetric about 0 so
    that "off" (0) is the neutral colour."""
    bounded = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}
    lo, hi = bounded.get(activation, (None, None))
    if lo is not None and hi is not None:
        return lo, hi
    finite = values[np.isfinite(values)] if values.size else values
    m = float(np.max(np.abs(finite))) if finite.size else 1.0
    m = m if m > 1e-12 else 1.0
    return -m, m


__all__ = ["forward_from_snapshot", "neuron_levels", "output_activation", "predict_from_snapshot"]
