"""A fully connected network built from a :class:`~nnstudio.core.specs.NetworkSpec`.

All parameters live in one flat vector ``params`` (and all gradients in ``grads``):
first every layer's weights, then every layer's biases. Each layer's ``W``, ``b``,
``gW`` and ``gb`` are views into these, so

* an optimizer updates the whole network with a handful of array operations,
* a checkpoint, a trajectory point or a loss-landscape direction is one vector, and
* the L1/L2 penalties touch the weights only, as the slice ``params[:n_weights]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .initializers import init_weights
from .layers import Dense
from .losses import Loss, get_loss
from .specs import NetworkSpec
from .train_step import TrainStep

Array = np.ndarray


@dataclass(frozen=True)
class ParamSlice:
    """Where one parameter array lives in the flat vector."""

    name: str  # "W1", "b1", ... (layer 1 = first hidden layer)
    layer: int  # 0-based index into Network.layers
    kind: str  # "W" or "b"
    start: int
    stop: int
    shape: tuple[int, ...]


def flat_index(layer_sizes: tuple[int, ...], layer: int, kind: str, row: int, col: int = 0) -> int:
    """Index in the flat parameter vector of ``W[row, col]`` (kind ``"W"``) or
    ``b[row]`` (kind ``"b"``) of ``layer`` (0 = first hidden layer), for a network
    whose units per layer are ``layer_sizes`` (input first). Views use it to name a
    weight without holding the network."""
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    if kind == "W":
        return sum(a * b for a, b in pairs[:layer]) + row * pairs[layer][1] + col
    n_weights = sum(a * b for a, b in pairs)
    return n_weights + sum(b for _, b in pairs[:layer]) + row


def describe_parameter(spec: NetworkSpec, index: int) -> str:
    """A short name of the parameter at ``index`` of the flat vector: ``"weight 2→3 of
    layer 1"`` (input unit 2 to unit 3, 1-based) or ``"bias of unit 3 of layer 1"``;
    the output layer is called "the output layer"."""
    sizes = spec.layer_sizes
    pairs = list(zip(sizes[:-1], sizes[1:]))
    n_weights = sum(a * b for a, b in pairs)
    last = len(pairs) - 1

    def layer_name(k: int) -> str:
        return "the output layer" if k == last else f"layer {k + 1}"

    if 0 <= index < n_weights:
        for k, (a, b) in enumerate(pairs):
            if index < a * b:
                row, col = divmod(index, b)
                return f"weight {row + 1}→{col + 1} of {layer_name(k)}"
            index -= a * b
    index -= n_weights
    for k, (_, b) in enumerate(pairs):
        if 0 <= index < b:
            return f"bias of unit {index + 1} of {layer_name(k)}"
        index -= b
    return "a parameter"


class Network:
    """A dense feed-forward network.

    Parameters
    ----------
    spec : NetworkSpec
        Architecture, task and loss.
    rng : numpy.random.Generator or int
        Source of the initial weights (an int is used as a seed).
    dtype : str or numpy dtype
        ``float64`` or ``float32``.
    """

    def __init__(self, spec: NetworkSpec, rng: np.random.Generator | int = 0, dtype: str | np.dtype = "float64") -> None:
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        self.spec = spec
        self.dtype = np.dtype(dtype)
        self.loss: Loss = get_loss(spec.loss or "mse", spec.huber_delta)
        sizes = spec.layer_sizes
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.n_weights = sum(a * b for a, b in pairs)
        self.n_params = self.n_weights + sum(b for _, b in pairs)
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grads = np.zeros(self.n_params, dtype=self.dtype)
        self.slices: list[ParamSlice] = []
        self.layers: list[Dense] = []
        w_pos, b_pos = 0, self.n_weights
        n_layers = len(pairs)
        for i, (n_in, n_out) in enumerate(pairs):
            hidden = spec.hidden[i] if i < len(spec.hidden) else None
            ws = ParamSlice(f"W{i + 1}", i, "W", w_pos, w_pos + n_in * n_out, (n_in, n_out))
            bs = ParamSlice(f"b{i + 1}", i, "b", b_pos, b_pos + n_out, (n_out,))
            w_pos, b_pos = ws.stop, bs.stop
            self.slices += [ws, bs]
            layer = Dense(
                self.params[ws.start:ws.stop].reshape(ws.shape),
                self.params[bs.start:bs.stop],
                self.grads[ws.start:ws.stop].reshape(ws.shape),
                self.grads[bs.start:bs.stop],
                get_activation(hidden.activation) if hidden else None,
                alpha=hidden.alpha if hidden else None,
                dropout=hidden.dropout if hidden else 0.0,
            )
            self.layers.append(layer)
        assert len(self.layers) == n_layers
        self._steps: dict[int, TrainStep] = {}
        self.initialize(rng)

    def __reduce__(self) -> tuple:
        # the layers hold views into params/grads: rebuild them instead of copying them
        return (_rebuild_network, (self.spec, self.dtype.str, self.params.copy()))

    # -- set-up ---------------------------------------------------------------------------
    def initialize(self, rng: np.random.Generator) -> None:
        """Draw fresh weights (layer by layer, in order) and set the initial biases."""
        spec = self.spec
        for i, layer in enumerate(self.layers):
            hidden = spec.hidden[i] if i < len(spec.hidden) else None
            key = hidden.init if hidden else spec.output_init
            bias = hidden.bias_init if hidden else spec.output_bias_init
            layer.W[...] = init_weights(key, layer.n_in, layer.n_out, rng, self.dtype)
            layer.b[...] = bias

    @property
    def n_layers(self) -> int:
        """Layers with weights (hidden + output)."""
        return len(self.layers)

    def param(self, name: str) -> Array:
        """A view of one parameter array by name (``"W1"``, ``"b3"``)."""
        for s in self.slices:
            if s.name == name:
                return self.params[s.start:s.stop].reshape(s.shape)
        raise KeyError(name)

    def flat_index(self, layer: int, kind: str, row: int, col: int = 0) -> int:
        """Index in ``params`` of ``W[row, col]`` or ``b[row]`` of ``layer`` (0-based)."""
        s = self.slices[2 * layer + (0 if kind == "W" else 1)]
        return s.start + (row * s.shape[1] + col if kind == "W" else row)

    def get_flat(self) -> Array:
        return self.params.copy()

    def set_flat(self, values: Array) -> None:
        self.params[...] = values

    # -- computation ------------------------------------------------------------------------
    def forward(self, X: Array, training: bool = False, rng: np.random.Generator | None = None) -> Array:
        """Logits of the output layer, shape ``(n, n_outputs)``.

        ``training=True`` applies dropout (with ``rng``); every layer caches what its
        backward pass needs.
        """
        a = X if X.dtype == self.dtype else X.astype(self.dtype)
        for layer in self.layers:
            a = layer.forward(a, training, rng)
        return a

    def backward(self, dz_out: Array) -> Array:
        """Back-propagate ``∂L/∂z`` of the output layer; fills ``grads`` and returns it."""
        d = dz_out
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            d = self.layers[i].backward(d, need_input_grad=i > 0)
        return self.grads

    def predict(self, X: Array) -> Array:
        """The network's output ŷ (values, σ probabilities or softmax rows)."""
        return self.loss.output(self.forward(X))

    def penalty(self, l1: float, l2: float) -> float:
        """``λ₁·Σ|w| + λ₂·Σw²`` over the weights (biases are not penalised)."""
        w = self.params[: self.n_weights]
        p = 0.0
        if l1:
            p += l1 * float(np.abs(w).sum())
        if l2:
            p += l2 * float(np.vdot(w, w))
        return p

    def add_penalty_grad(self, l1: float, l2: float) -> None:
        """Add the penalties' gradient ``λ₁·sign(w) + 2λ₂·w`` to ``grads``."""
        w = self.params[: self.n_weights]
        g = self.grads[: self.n_weights]
        if l1:
            g += l1 * np.sign(w)
        if l2:
            g += (2.0 * l2) * w

    def loss_and_grad(
        self,
        X: Array,
        y: Array,
        training: bool = True,
        rng: np.random.Generator | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> float:
        """Forward, loss, backward: the batch loss (with penalties); gradients in ``grads``."""
        z = self.forward(X, training, rng)
        loss, dz = self.loss.value_and_grad(z, y)
        self.backward(dz)
        if l1 or l2:
            loss += self.penalty(l1, l2)
            self.add_penalty_grad(l1, l2)
        return loss

    def train_step(self, X: Array, y: Array, rng: np.random.Generator | None = None) -> tuple[float, TrainStep]:
        """Forward, loss and backward of one batch into buffers kept for its size: the
        batch's data loss (gradients in ``grads``) and the :class:`TrainStep` that holds
        the batch's z and δ until the next call. Bit-for-bit the numbers of
        :meth:`forward` + ``loss.value_and_grad`` + :meth:`backward`, without their
        allocations; the layers' caches (``z``, ``a``, ``delta``…) are the step's
        buffers, valid until the next step."""
        step = self.step_for(X.shape[0])
        loss = step(X, y, rng)
        step.bind_caches()
        return loss, step

    def step_for(self, n: int) -> TrainStep:
        """The :class:`TrainStep` of batches of ``n`` samples (made on first use)."""
        step = self._steps.get(n)
        if step is None:
            if len(self._steps) >= 4:  # a batch size and the epoch's last, smaller batch
                self._steps.clear()
            step = self._steps[n] = TrainStep(self.layers, self.loss, n, self.dtype)
        return step

    def evaluate(self, X: Array, y: Array) -> float:
        """Data loss on (X, y) without dropout and without penalties."""
        return self.loss.value(self.forward(X), y)


def _rebuild_network(spec: NetworkSpec, dtype: str, params: Array) -> Network:
    net = Network(spec, 0, dtype)
    net.set_flat(params)
    return net
