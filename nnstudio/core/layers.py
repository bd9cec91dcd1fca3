"""Dense layers with activation and inverted dropout.

A :class:`Dense` layer computes, for a batch ``a_prev`` of shape ``(n, n_in)``::

    z = a_prev @ W + b            W: (n_in, n_out), b: (n_out,)
    a = f(z)
    a = a * mask / (1 − p)        only while training, mask ~ Bernoulli(1 − p)

Its ``forward`` keeps exactly what ``backward`` needs (``a_prev``, ``z``, ``a`` and the
dropout mask), and ``backward`` turns ``∂L/∂a`` into the layer's gradients and
``∂L/∂a_prev``::

    δ = ∂L/∂z = (∂L/∂a ⊙ mask/(1 − p)) ⊙ f'(z)
    ∂L/∂W = a_prevᵀ δ        ∂L/∂b = Σₙ δ        ∂L/∂a_prev = δ Wᵀ

The parameter and gradient arrays are *views* into the network's flat buffers, so
writing them in place updates the network.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation

Array = np.ndarray


def _relu_mask(z: Array, a: Array, param: float) -> Array:
    return z > 0


class Dropout:
    """Inverted dropout with drop probability ``p``: the expected output is unchanged,
    so nothing needs rescaling at prediction time."""

    def __init__(self, p: float) -> None:
        self.p = float(p)
        self.mask: Array | None = None  # already scaled by 1/(1 − p)

    def forward(self, a: Array, rng: np.random.Generator) -> Array:
        keep = 1.0 - self.p
        self.mask = (rng.random(a.shape) < keep).astype(a.dtype) / a.dtype.type(keep)
        return a * self.mask

    def backward(self, da: Array) -> Array:
        assert self.mask is not None
        return da * self.mask


class Dense:
    """A fully connected layer with its activation (and optional dropout)."""

    def __init__(
        self,
        W: Array,
        b: Array,
        gW: Array,
        gb: Array,
        activation: Activation | None,
        alpha: float | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.W, self.b, self.gW, self.gb = W, b, gW, gb
        # None = the output layer, whose activation lives in the loss
        self.activation = activation
        self.alpha = alpha
        # resolved once: the hot loop calls the kernels directly
        self._param = (activation.default_param if alpha is None else alpha) if activation else 0.0
        self._f = activation._f if activation else None
        self._dfa = activation.df_from if activation else None
        if activation is not None and activation.key == "relu":
            # multiplying by the boolean mask z > 0 is multiplying by ReLU′ (0 at 0),
            # without a conversion pass on large layers
            self._dfa = _relu_mask
        #: the activations :class:`~nnstudio.core.train_step.TrainStep` computes in place
        #: (into buffers it owns); others go through ``_f``/``_dfa``
        self._kernel = activation.key if activation is not None and activation.key in ("tanh", "relu") else None
        self.dropout = Dropout(dropout) if dropout > 0 else None
        self.a_prev: Array | None = None
        self.z: Array | None = None
        self.a: Array | None = None  # f(z) before dropout
        self.out: Array | None = None  # what the next layer sees
        self.delta: Array | None = None  # ∂L/∂z of the last backward

    @property
    def n_in(self) -> int:
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        return self.W.shape[1]

    def forward(self, a_prev: Array, training: bool = False, rng: np.random.Generator | None = None) -> Array:
        """``a_prev`` (n, n_in) → output (n, n_out); caches what backward needs."""
        z = np.dot(a_prev, self.W)  # as TrainStep does: the same BLAS call, the same bits
        z += self.b
        self.a_prev, self.z = a_prev, z
        if self._f is None:
            self.a = self.out = z
            return z
        a = self._f(z, self._param)
        self.a = a
        if training and self.dropout is not None and rng is not None:
            a = self.dropout.forward(a, rng)
        elif self.dropout is not None:
            self.dropout.mask = None
        self.out = a
        return a

    def backward(self, d_out: Array, need_input_grad: bool = True) -> Array | None:
        """``∂L/∂out`` (n, n_out) → fills ``gW``/``gb`` and returns ``∂L/∂a_prev``."""
        assert self.z is not None and self.a_prev is not None
        if self._dfa is None:
            delta = d_out
        else:
            drop = self.dropout
            if drop is not None and drop.mask is not None:
                d_out = drop.backward(d_out)
            delta = d_out * self._dfa(self.z, self.a, self._param)
        self.delta = delta
        np.dot(self.a_prev.T, delta, out=self.gW)
        # Σ over the batch as a product with a vector of ones, as TrainStep does (a BLAS
        # call costs a third of add.reduce's set-up on a playground batch)
        np.dot(np.ones(delta.shape[0], delta.dtype), delta, out=self.gb)
        if need_input_grad:
            return np.dot(delta, self.W.T)
        return None
