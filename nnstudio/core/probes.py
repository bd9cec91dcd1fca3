"""Per-layer statistics that make vanishing (and exploding) gradients visible.

:func:`probe` evaluates the network at its current weights on a fixed set of
training samples (no dropout, no update) and reports, for every layer:

* ``grad_w_mean_abs`` — mean |∂L/∂W| over the layer's weights,
* ``grad_b_mean_abs`` — mean |∂L/∂b|,
* ``delta_rms`` — RMS of the back-propagated δ = ∂ℓ/∂z over samples and units, where
  ℓ is each sample's own loss (so the number does not depend on the batch size),
* ``act_mean`` / ``act_std`` of the layer's outputs,
* ``saturated`` — the share of (sample, unit) pairs where f′(z) < 5 % of the
  activation's largest slope: sigmoid/tanh units pushed into their flat tails, or
  ReLU units that are off (their gradient is exactly 0),
* histograms of the pre-activations z and the activations a on fixed bin edges, so
  histograms taken at different times can be compared.

In a deep sigmoid network with the standard initialisation ``delta_rms`` shrinks by
roughly the factor max f′ = 0.25 (times the weights' scale) per layer going back from
the output: that shrinking *is* the vanishing gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .network import Network

Array = np.ndarray

#: fixed bin edges for pre-activation histograms
Z_EDGES = np.linspace(-6.0, 6.0, 49)
SATURATION_SHARE = 0.05


def activation_edges(key: str | None) -> Array:
    """Fixed histogram edges for a layer's outputs, fitting the activation's range."""
    if key in ("sigmoid",):
        return np.linspace(0.0, 1.0, 41)
    if key in ("tanh", "softsign"):
        return np.linspace(-1.0, 1.0, 41)
    if key in ("relu", "softplus"):
        return np.linspace(0.0, 6.0, 41)
    return np.linspace(-4.0, 4.0, 41)


@dataclass
class LayerProbe:
    """Statistics of one layer (see the module docstring)."""

    name: str  # "hidden 1", ..., "output"
    activation: str  # activation key ("output" layers: the loss's output activation)
    units: int
    grad_w_mean_abs: float
    grad_b_mean_abs: float
    grad_w_rms: float
    delta_rms: float
    act_mean: float
    act_std: float
    saturated: float
    z_counts: Array  # (len(Z_EDGES) - 1,), values outside the edges counted in the end bins
    a_edges: Array
    a_counts: Array


@dataclass
class ProbeResult:
    layers: list[LayerProbe]
    n_samples: int
    loss: float
    z_edges: Array = field(default_factory=Z_EDGES.copy)

    def column(self, attr: str) -> Array:
        """One statistic for every layer, first hidden layer first."""
        return np.array([getattr(lp, attr) for lp in self.layers], dtype=float)


def _hist(values: Array, edges: Array) -> Array:
    v = np.clip(values.ravel(), edges[0], edges[-1])
    counts, _ = np.histogram(v, bins=edges)
    return counts


def probe(
    network: Network,
    X: Array,
    y: Array,
    scratch: Network | None = None,
) -> ProbeResult:
    """Layer statistics of ``network`` at its current weights on samples ``(X, y)``.

    Runs on ``scratch`` (a network of the same shape, made if not given) so that the
    caches and gradients of ``network`` — which may be half-way through a
    phase-by-phase iteration — are left untouched.
    """
    if scratch is None or scratch.spec != network.spec or scratch.dtype != network.dtype:
        scratch = Network(network.spec, 0, network.dtype)
    scratch.set_flat(network.params)
    n = len(X)
    with np.errstate(all="ignore"):
        z_out = scratch.forward(X)
        loss, dz = scratch.loss.value_and_grad(z_out, y)
        scratch.backward(dz)
    out_key = scratch.spec.output_activation
    layers: list[LayerProbe] = []
    last = scratch.n_layers - 1
    for i, layer in enumerate(scratch.layers):
        z = layer.z
        assert z is not None and layer.delta is not None
        with np.errstate(all="ignore"):
            if layer.activation is not None:
                key = layer.activation.key
                a = layer.a
                slope = layer.activation.df_from(z, a, layer.alpha)
                max_slope = layer.activation.max_slope
                saturated = float(np.mean(slope < SATURATION_SHARE * max_slope))
            else:
                key = out_key
                a = scratch.loss.output(z)
                if out_key == "sigmoid":
                    saturated = float(np.mean(a * (1 - a) < SATURATION_SHARE * 0.25))
                else:
                    saturated = 0.0
            delta = layer.delta * n  # per-sample δ: the batch loss is a mean over n
            a_edges = activation_edges(key if layer.activation is not None else out_key)
            layers.append(LayerProbe(
                name="output" if i == last else f"hidden {i + 1}",
                activation=key,
                units=layer.n_out,
                grad_w_mean_abs=float(np.abs(layer.gW).mean()),
                grad_b_mean_abs=float(np.abs(layer.gb).mean()),
                grad_w_rms=math.sqrt(float(np.mean(np.square(layer.gW, dtype=np.float64)))),
                delta_rms=math.sqrt(float(np.mean(np.square(delta, dtype=np.float64)))),
                act_mean=float(np.mean(a)),
                act_std=float(np.std(a)),
                saturated=saturated,
                z_counts=_hist(z, Z_EDGES),
                a_edges=a_edges,
                a_counts=_hist(a, a_edges),
            ))
    return ProbeResult(layers, n, float(loss))
