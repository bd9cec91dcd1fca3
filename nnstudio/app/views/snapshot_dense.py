"""The engine's own layers holding a snapshot's weights: what the network answers for
inputs the learner makes up (a digit drawn on the pad), computed in the window.

:func:`~.snapshot_forward.forward_from_snapshot` re-implements the forward for speed
and uses each activation's default parameter; here every layer is a
:class:`~nnstudio.core.layers.Dense` built exactly as :class:`~nnstudio.core.network.Network`
builds it (with the leaky ReLU's or ELU's α the snapshot carries), and the output goes
through the loss's own output function, so a prediction shown is the engine's to the
last bit. Plain NumPy; no Qt.
"""

from __future__ import annotations

import numpy as np

from ...core.activations import get_activation
from ...core.layers import Dense
from ...core.losses import predicted_classes
from ...core.snapshot import Snapshot
from .snapshot_forward import output_activation

Array = np.ndarray


def dense_layers(snap: Snapshot) -> list[Dense]:
    """One :class:`Dense` per layer with weights, holding (not copying) the snapshot's
    weights; the output layer has no activation (it lives in the loss), as in the engine."""
    layers = []
    last = len(snap.weights) - 1
    alphas = tuple(snap.alphas) + (None,) * len(snap.weights)
    for i, (W, b, gW, gb) in enumerate(zip(snap.weights, snap.biases, snap.grads_W, snap.grads_b)):
        activation = None if i == last else get_activation(snap.activations[i])
        layers.append(Dense(W, b, gW, gb, activation, alpha=None if i == last else alphas[i]))
    return layers


def layer_outputs(snap: Snapshot, X: Array, layers: list[Dense] | None = None) -> list[Array]:
    """Every layer's output for inputs ``X`` (n, n_inputs) (already standardised, as the
    engine's inputs are): hidden activations (n, units) then the output logits
    (n, n_outputs). No dropout, as when predicting."""
    layers = dense_layers(snap) if layers is None else layers
    dtype = snap.weights[0].dtype if snap.weights else np.float64
    a = np.asarray(X)
    a = a if a.dtype == dtype else a.astype(dtype)
    outs = []
    with np.errstate(all="ignore"):
        for layer in layers:
            a = layer.forward(a)
            outs.append(a)
    return outs


def class_probabilities(snap: Snapshot, logits: Array) -> Array:
    """Each class's probability (n, n_classes) from the output logits: softmax rows, or
    (1 − σ, σ) for one sigmoid output (two softmax units are already that pair)."""
    out = output_activation(snap, logits)
    if snap.task == "binary" and out.shape[1] == 1:
        p = out[:, :1]
        return np.hstack([1.0 - p, p])
    return out


def predicted(snap: Snapshot, logits: Array) -> Array:
    """The class the engine predicts for each row of ``logits`` (its own rule: the
    largest logit, or a positive logit for one sigmoid output)."""
    return predicted_classes(np.nan_to_num(logits), snap.task)


__all__ = ["class_probabilities", "dense_layers", "layer_outputs", "predicted"]
