"""One training step — forward, loss, backward — into buffers allocated once.

:meth:`Network.forward <nnstudio.core.network.Network.forward>` and
:meth:`~nnstudio.core.network.Network.backward` allocate fresh arrays, so that what they
return stays valid for as long as the caller keeps it (the phase-by-phase inspector holds
one iteration's arrays across several calls). The trainer's loop needs none of that: it
runs the same computation millions of times and only keeps numbers. A :class:`TrainStep`
does it for one batch size with every intermediate array allocated once, the ufuncs
writing into them (``out=``), and the per-layer objects resolved into tuples beforehand.

It performs exactly the operations of ``forward`` + ``value_and_grad`` + ``backward``, in
the same order and on the same operands, so its results are bit-for-bit those of the
allocating path (the tests compare them over hundreds of iterations): checkpoints,
rewinds and the inspector's phase-by-phase steps agree with runs made here.
"""

from __future__ import annotations

import numpy as np

from .layers import Dense

Array = np.ndarray

_matmul = np.matmul
_add = np.add
_multiply = np.multiply
_subtract = np.subtract
_add_reduce = np.add.reduce
_greater = np.greater


class TrainStep:
    """Forward, loss and backward of a network for batches of ``n`` samples.

    Parameters
    ----------
    layers : list of Dense
        The network's layers (their ``W``/``b``/``gW``/``gb`` are views into the flat
        parameter and gradient vectors, which is where the step writes the gradients).
    loss : Loss
    n : int
        Rows per batch.
    dtype : numpy dtype

    After a call, ``z[l]`` holds layer l's pre-activation, ``delta[l]`` its
    δ = ∂L/∂z (batch-mean convention) and the gradients are in the layers' ``gW``/``gb``;
    the layers' caches (``a_prev``, ``z``, ``a``, ``out``, ``delta``) point at these
    arrays, as after ``forward``/``backward``. They are overwritten by the next call.
    """

    def __init__(self, layers: list[Dense], loss, n: int, dtype: np.dtype) -> None:
        self.n = n
        self.loss = loss
        self.layers = layers
        self.z = [np.empty((n, L.n_out), dtype) for L in layers]
        self.delta = [np.empty((n, L.n_out), dtype) for L in layers]
        hidden = layers[:-1]
        # ∂L/∂a of hidden layer l, written by layer l + 1's backward
        self._d_a = [np.empty((n, L.n_out), dtype) for L in hidden]
        self._a = [np.empty((n, L.n_out), dtype) if L._kernel is not None else None for L in hidden]
        self._mask = [np.empty((n, L.n_out), bool) if L._kernel == "relu" else None for L in hidden]
        #: each hidden layer's f(z) before dropout (what its derivative is computed from)
        self._f_z: list[Array | None] = [None] * len(hidden)
        self._loss_work = loss.workspace(n, layers[-1].n_out, dtype)
        #: what each layer's forward saw (the batch, then the hidden outputs after dropout)
        self.inputs: list[Array | None] = [None] * len(layers)

    def __call__(self, X: Array, y: Array, rng: np.random.Generator | None = None) -> float:
        """The batch's data loss; gradients in the layers' ``gW``/``gb``.

        ``X`` (n, n_in) in the network's dtype; ``y`` as the loss takes it; ``rng`` draws
        the dropout masks (None: no dropout)."""
        layers = self.layers
        zs = self.z
        inputs = self.inputs
        a = X
        for i in range(len(layers) - 1):
            L = layers[i]
            inputs[i] = a
            z = zs[i]
            _matmul(a, L.W, z)
            _add(z, L.b, z)
            kernel = L._kernel
            if kernel == "tanh":
                a = np.tanh(z, self._a[i])
            elif kernel == "relu":
                a = np.maximum(z, 0, out=self._a[i])
            else:
                a = L._f(z, L._param)
            self._f_z[i] = a
            L.a_prev, L.z, L.a = inputs[i], z, a
            drop = L.dropout
            if drop is not None:
                if rng is not None:
                    a = drop.forward(a, rng)
                else:
                    drop.mask = None
            L.out = a
        last = layers[-1]
        inputs[-1] = a
        z = zs[-1]
        _matmul(a, last.W, z)
        _add(z, last.b, z)
        last.a_prev, last.z, last.a, last.out = a, z, z, z
        delta = self.delta
        loss = self.loss.value_and_grad_into(z, y, delta[-1], self._loss_work)
        d = delta[-1]
        for i in range(len(layers) - 1, -1, -1):
            L = layers[i]
            L.delta = d
            _matmul(inputs[i].T, d, L.gW)
            _add_reduce(d, 0, None, L.gb)
            if i == 0:
                break
            below = layers[i - 1]
            d_a = self._d_a[i - 1]
            _matmul(d, L.W.T, d_a)
            drop = below.dropout
            if drop is not None and drop.mask is not None:
                d_a = drop.backward(d_a)
            out = delta[i - 1]
            kernel = below._kernel
            if kernel == "tanh":
                # f′ = 1 − a², as Activation.df_from computes it
                a = self._f_z[i - 1]
                _multiply(a, a, out)
                _subtract(1.0, out, out)
                _multiply(d_a, out, out)
            elif kernel == "relu":
                mask = self._mask[i - 1]
                _greater(zs[i - 1], 0, mask)
                _multiply(d_a, mask, out)
            else:
                _multiply(d_a, below._dfa(zs[i - 1], self._f_z[i - 1], below._param), out)
            d = out
        return loss
