"""A lesson file's weights, written per neuron, and where in a lesson file a problem is.

The lesson format writes weights as the course notes do: each layer a list of
neurons, each neuron ``{"w": [its incoming weights], "b": its bias}``.
:func:`neurons_to_flat` checks such a list against the network and makes the network's
flat vector (all ``W`` of shape ``(n_in, n_out)`` row-major, layer by layer, then all
``b``): neuron ``j``'s ``w[i]`` is ``W[i, j]``; :func:`weights_to_neurons` is the
inverse (for lessons written in the app). A problem is a :class:`FieldProblem` naming
the field (``project.weights[1][0].w``), which :mod:`.lessons` turns into a
:class:`~.lessons.LessonError` naming the file.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core.specs import NetworkSpec
from .lesson_calls import kind_of as _kind
from .lesson_calls import quoted as _shown


class FieldProblem(Exception):
    """A problem at a field; turned into a LessonError naming the file."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


def mapping(value: Any, where: str, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """``value`` if it is a JSON object (with only the fields ``keys``, if given)."""
    if not isinstance(value, dict):
        raise FieldProblem(where, f"must be a JSON object {{…}}, not {_kind(value)}")
    if keys is not None:
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise FieldProblem(where, f"has unknown field(s) {', '.join(_shown(k) for k in unknown[:5])}; "
                              f"the fields are: {', '.join(keys)}")
    return value


def neurons_to_flat(value: Any, network: NetworkSpec, where: str) -> np.ndarray:
    """Per-neuron weights → the network's flat parameter vector."""
    sizes = network.layer_sizes
    n_layers = len(sizes) - 1
    shape = " → ".join(str(s) for s in sizes)
    if not isinstance(value, list) or len(value) != n_layers:
        got = f"{len(value)} layer(s)" if isinstance(value, list) else _kind(value)
        raise FieldProblem(where, f"must be a list of {n_layers} layer(s) for the network {shape} "
                          f"(hidden layers, then the output layer), not {got}")
    Ws: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    for li, layer in enumerate(value):
        n_in, n_out = sizes[li], sizes[li + 1]
        wl = f"{where}[{li}]"
        if not isinstance(layer, list) or len(layer) != n_out:
            got = len(layer) if isinstance(layer, list) else _kind(layer)
            raise FieldProblem(wl, f"this layer has {n_out} neuron(s): give a list of {n_out} "
                           f"{{\"w\": […], \"b\": …}}, not {got}")
        # every number is checked before the layer's arrays exist: their size is then
        # bounded by the numbers actually in the file
        columns, biases = [], []
        for j, neuron in enumerate(layer):
            wn = f"{wl}[{j}]"
            neuron = mapping(neuron, wn, ("w", "b"))
            w = neuron.get("w")
            if (not isinstance(w, list) or len(w) != n_in
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in w)):
                raise FieldProblem(f"{wn}.w", f"must be a list of {n_in} number(s), one per input of the layer")
            bias = neuron.get("b", 0.0)
            if not isinstance(bias, (int, float)) or isinstance(bias, bool):
                raise FieldProblem(f"{wn}.b", "must be a number")
            columns.append(w)
            biases.append(bias)
        try:
            W = np.array(columns, dtype=np.float64).T  # (n_in, n_out): neuron j is column j
            b = np.array(biases, dtype=np.float64)
        except OverflowError:
            raise FieldProblem(wl, "the weights must be finite numbers") from None
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise FieldProblem(wl, "the weights must be finite numbers")
        Ws.append(W)
        bs.append(b)
    return np.concatenate([W.ravel() for W in Ws] + bs)


def weights_to_neurons(flat: np.ndarray, network: NetworkSpec) -> list[list[dict[str, Any]]]:
    """The inverse of the file format: a flat vector → per-layer lists of neurons."""
    sizes = network.layer_sizes
    pos = 0
    Ws = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        Ws.append(np.asarray(flat[pos:pos + n_in * n_out]).reshape(n_in, n_out))
        pos += n_in * n_out
    out = []
    for W in Ws:
        n_out = W.shape[1]
        b = flat[pos:pos + n_out]
        pos += n_out
        out.append([{"w": [float(x) for x in W[:, j]], "b": float(b[j])} for j in range(n_out)])
    return out


__all__ = ["FieldProblem", "mapping", "neurons_to_flat", "weights_to_neurons"]
