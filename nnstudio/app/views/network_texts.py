"""What the network view says in words: names of layers and units, and tooltips.

Tooltips are made when they are asked for, from the snapshot shown at that moment:
exact weights, gradients and biases, each neuron's formula and what it outputs on the
training data, and in the step inspector the inspected sample's numbers.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ...core.activations import get_activation
from ...core.data import PreparedData
from ...core.number_text import number_text
from ...core.snapshot import Snapshot
from .snapshot_forward import forward_from_snapshot, output_activation

Array = np.ndarray

STAT_SAMPLES = 256  # training samples behind a neuron's activation statistics


def fmt(v: float, digits: int = 4) -> str:
    """As the app writes numbers: 0.3127, −1.234×10⁻⁵ (not "-1.234e-05"); nan and inf as words."""
    return number_text(v, digits) if math.isfinite(v) else str(v)


class NetworkTexts:
    """Names and tooltips for a network of ``layer_sizes`` trained on ``data``."""

    def __init__(self) -> None:
        self.layer_sizes: tuple[int, ...] = ()
        self.input_names: list[str] = []
        self.data: PreparedData | None = None
        self._stats: tuple[Snapshot, list[Array]] | None = None

    def set_network(self, layer_sizes: tuple[int, ...], input_names: Sequence[str],
                    data: PreparedData | None) -> None:
        self.layer_sizes = tuple(layer_sizes)
        self.input_names = list(input_names)
        self.data = data
        self._stats = None

    # -- names ---------------------------------------------------------------------------------
    def layer_name(self, layer: int) -> str:
        """Name of a layer with weights (0 = first hidden) or −1 = input."""
        if layer < 0:
            return "input"
        n = len(self.layer_sizes) - 2
        return "output" if layer >= n else f"hidden {layer + 1}"

    def input_name(self, unit: int) -> str:
        return self.input_names[unit] if 0 <= unit < len(self.input_names) else f"x{unit + 1}"

    def unit_name(self, layer: int, unit: int) -> str:
        if layer < 0:
            return f"input {unit + 1} ({self.input_name(unit)})"
        return f"{self.layer_name(layer)} neuron {unit + 1}"

    def class_name(self, k: int) -> str:
        data = self.data
        return data.class_names[k] if data is not None and 0 <= k < len(data.class_names) else str(k)

    @staticmethod
    def output_names(snap: Snapshot, data: PreparedData | None) -> list[str]:
        k = snap.layer_sizes[-1]
        if snap.task == "multiclass" or (snap.task == "binary" and k == 2):  # a softmax unit per class
            names = list(data.class_names) if data is not None and len(data.class_names) == k else None
            return [f"P({n})" for n in (names or range(k))]
        if snap.task == "binary":
            name = data.class_names[1] if data is not None and len(data.class_names) == 2 else "1"
            return [f"P({name})"]
        return ["ŷ"]

    # -- tooltips -------------------------------------------------------------------------------
    def edge_tooltip(self, snap: Snapshot, layer: int, i: int, j: int, sampled: bool) -> str:
        w = float(snap.weights[layer][i, j])
        g = float(snap.grads_W[layer][i, j])
        lines = [f"weight w = {fmt(w)}",
                 f"from {self.unit_name(layer - 1, i)} to {self.unit_name(layer, j)}",
                 f"gradient ∂L/∂w = {fmt(g)} (last iteration)"]
        ph = snap.phase
        if ph is not None and ph.phase == "backward" and ph.grad_W:
            lines.append(f"this iteration's gradient ∂L/∂w = {fmt(float(ph.grad_W[layer][i, j]))}")
        if ph is not None and ph.phase == "update" and ph.W_after:
            before = float(ph.W_before[layer][i, j])
            after = float(ph.W_after[layer][i, j])
            lines.append(f"update: {fmt(before)} → {fmt(after)} (Δw = {fmt(after - before)})")
        if sampled:
            lines.append("(only a sample of this layer's connections is drawn)")
        lines.append("Click to type a new value.")
        return "\n".join(lines)

    def activation_stats(self, snap: Snapshot) -> list[Array] | None:
        """Each layer's outputs on up to STAT_SAMPLES training samples (cached per snapshot)."""
        data = self.data
        if data is None or not len(data.X_train) or data.X_train.shape[1] != snap.layer_sizes[0]:
            return None
        if self._stats is not None and self._stats[0] is snap:
            return self._stats[1]
        n = len(data.X_train)
        idx = np.linspace(0, n - 1, min(n, STAT_SAMPLES)).round().astype(np.intp)
        outs = forward_from_snapshot(snap, data.X_train[idx])
        outs[-1] = output_activation(snap, outs[-1])
        self._stats = (snap, outs)
        return outs

    def neuron_tooltip(self, snap: Snapshot, layer: int, u: int) -> str:
        if layer < 0:
            lines = [f"input {u + 1}: {self.input_name(u)}"]
            data = self.data
            if data is not None and data.X_train.shape[1] == snap.layer_sizes[0] and len(data.X_train):
                x = data.X_train[:, u]
                lines.append(f"over the training data: mean {fmt(x.mean(), 3)}, min {fmt(x.min(), 3)}, max {fmt(x.max(), 3)}")
        else:
            act = snap.activations[layer]
            is_out = layer == len(snap.weights) - 1
            name = f"output neuron {u + 1}" if is_out else f"hidden layer {layer + 1}, neuron {u + 1}"
            formula = get_activation(act).formula if act != "softmax" else "f(z)ₖ = e^zₖ / Σⱼ e^zⱼ"
            lines = [f"{name} ({act}: {formula})",
                     f"bias b = {fmt(float(snap.biases[layer][u]))},  ∂L/∂b = {fmt(float(snap.grads_b[layer][u]))}"]
            outs = self.activation_stats(snap)
            if outs is not None:
                a = outs[layer][:, u].astype(np.float64)
                with np.errstate(all="ignore"):
                    lines.append(f"output on {len(a)} training samples: mean {fmt(a.mean(), 3)}, std {fmt(a.std(), 3)}, "
                                 f"min {fmt(a.min(), 3)}, max {fmt(a.max(), 3)}")
                    if act == "relu" and not is_out:
                        lines.append(f"off (0) for {np.mean(a <= 0):.0%} of them")
        ph = snap.phase
        if ph is not None:
            if layer < 0:
                if u < len(ph.x):
                    lines.append(f"inspected sample: x = {fmt(float(ph.x[u]))}")
            elif layer < len(ph.z):
                lines.append(f"inspected sample: z = {fmt(float(ph.z[layer][u]))}, a = {fmt(float(ph.a[layer][u]))}")
                if ph.delta and layer < len(ph.delta):
                    lines.append(f"δ = ∂ℓ/∂z = {fmt(float(ph.delta[layer][u]))}")
        if layer >= 0:
            lines.append("Click to type a new bias.")
        return "\n".join(lines)


__all__ = ["NetworkTexts", "STAT_SAMPLES", "fmt"]
