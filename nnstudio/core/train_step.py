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

# np.dot, not the matmul ufunc (both end in the same BLAS call), and without the
# __array_function__ dispatch: on a playground network's small matrices either set-up
# costs as much as the product itself
_dot = getattr(np.dot, "_implementation", np.dot)
_add = np.add
_multiply = np.multiply
_subtract = np.subtract
_greater = np.greater
_tanh = np.tanh
_maximum = np.maximum


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
    δ = ∂L/∂z (batch-mean convention), ``inputs[l]`` what layer l saw (the batch for
    the first layer, the layer below's output after dropout for the others) and the
    gradients are in the layers' ``gW``/``gb``. They are overwritten by the next call.
    A call leaves the layers' own caches (``a_prev``, ``z``, ``a``, ``out``,
    ``delta``) alone: on a playground network, writing five attributes per layer at
    every step costs as much as one of its matrix products. :meth:`bind_caches` points
    them at the step's arrays, as after ``forward``/``backward`` (dropout's mask is
    always in the layer's ``Dropout``).
    """

    def __init__(self, layers: list[Dense], loss, n: int, dtype: np.dtype) -> None:
        self.n = n
        self.loss = loss
        self.layers = layers
        self.z = [np.empty((n, L.n_out), dtype) for L in layers]
        self.delta = [np.empty((n, L.n_out), dtype) for L in layers]
        self._loss_work = loss.workspace(n, layers[-1].n_out, dtype)
        # ReLU compares with an array of zeros, not the scalar 0: NumPy's maximum takes
        # its vectorised loop only for two arrays (with a scalar it costs 5× more on a
        # 128×256 batch); the values are the same
        # (tanh's 1 − a² likewise takes an array of ones)
        widest = max((L.n_out for L in layers[:-1] if L._kernel), default=0)
        zeros, ones = np.zeros(n * widest, dtype), np.ones(n * widest, dtype)

        def zeros_like_z(L: Dense) -> Array | None:
            return zeros[:n * L.n_out].reshape(n, L.n_out) if L._kernel == "relu" else None

        def ones_like_z(L: Dense) -> Array | None:
            return ones[:n * L.n_out].reshape(n, L.n_out) if L._kernel == "tanh" else None

        hidden = layers[:-1]
        # f(z) of each hidden layer before dropout: a buffer of the step's own for tanh
        # and ReLU (computed in place), the activation's fresh array for the others
        fz = [np.empty((n, L.n_out), dtype) if L._kernel else None for L in hidden]
        #: what each layer saw: the batch, then the layers' outputs (after dropout)
        self.inputs: list[Array | None] = [None] + fz
        self._fz = fz
        # per hidden layer, resolved once: (index, W, b, z, f(z) buffer, kernel, dropout,
        # 0s, f, its parameter)
        self._forward = [(i, L.W, L.b, self.z[i], fz[i], L._kernel, L.dropout, zeros_like_z(L), L._f, L._param)
                         for i, L in enumerate(hidden)]
        # per layer from the output down: (index, gW, gb, δ, the input's transpose when
        # it is always the same buffer) and, above the first layer, what the layer below
        # needs: (Wᵀ, ∂L/∂a buffer, its index, its z, its δ, kernel, dropout, ReLU mask
        # buffer, its 0s (ReLU) or 1s (tanh), its f′ from (z, f(z)), its parameter)
        self._backward = []
        for i in range(len(layers) - 1, -1, -1):
            L = layers[i]
            below = None
            fixed_in = None
            if i:
                B = layers[i - 1]
                below = (L.W.T, np.empty((n, B.n_out), dtype), i - 1, self.z[i - 1], self.delta[i - 1],
                         B._kernel, B.dropout, np.empty((n, B.n_out), bool) if B._kernel == "relu" else None,
                         zeros_like_z(B) if B._kernel == "relu" else ones_like_z(B), B._dfa, B._param)
                if B._kernel and B.dropout is None:
                    fixed_in = fz[i - 1].T  # a view made once instead of at every call
            self._backward.append((i, L.gW, L.gb, self.delta[i], fixed_in, below))
        self._out = (layers[-1].W, layers[-1].b, self.z[-1], self.delta[-1])
        self._ones_n = np.ones(n, dtype)

    def __call__(self, X: Array, y: Array, rng: np.random.Generator | None = None) -> float:
        """The batch's data loss; gradients in the layers' ``gW``/``gb``.

        ``X`` (n, n_in) in the network's dtype; ``y`` as the loss takes it; ``rng`` draws
        the dropout masks (None: no dropout)."""
        inputs = self.inputs
        fz = self._fz
        ones_n = self._ones_n
        inputs[0] = a = X
        for i, W, b, z, buf, kernel, drop, zeros, f, param in self._forward:
            _dot(a, W, z)
            _add(z, b, z)
            if kernel == "tanh":
                a = _tanh(z, buf)
            elif kernel == "relu":
                a = _maximum(z, zeros, out=buf)
            else:
                a = fz[i] = inputs[i + 1] = f(z, param)
            if drop is not None:
                if rng is not None:
                    a = inputs[i + 1] = drop.forward(a, rng)
                else:
                    drop.mask = None
                    inputs[i + 1] = a
        W, b, z, d = self._out
        _dot(a, W, z)
        _add(z, b, z)
        loss = self.loss.value_and_grad_into(z, y, d, self._loss_work)
        for i, gW, gb, d, inT, below in self._backward:
            _dot(inputs[i].T if inT is None else inT, d, gW)
            _dot(ones_n, d, gb)  # Σ over the batch, as Dense.backward takes it
            if below is None:
                break
            WT, d_a, j, zb, out, kernel, drop, mask, fill, dfa, param = below
            _dot(d, WT, d_a)
            if drop is not None and drop.mask is not None:
                d_a = drop.backward(d_a)
            if kernel == "tanh":
                # f′ = 1 − a², as Activation.df_from computes it
                a = fz[j]
                _multiply(a, a, out)
                _subtract(fill, out, out)
                _multiply(d_a, out, out)
            elif kernel == "relu":
                _greater(zb, fill, mask)
                _multiply(d_a, mask, out)
            else:
                _multiply(d_a, dfa(zb, fz[j], param), out)
        return loss

    def bind_caches(self) -> None:
        """Point the layers' caches at the last call's arrays, as ``forward`` and
        ``backward`` leave them."""
        last = len(self.layers) - 1
        for i, L in enumerate(self.layers):
            L.a_prev = self.inputs[i]
            L.z = self.z[i]
            L.a = self._fz[i] if i < last else self.z[i]
            L.out = self.inputs[i + 1] if i < last else self.z[i]
            L.delta = self.delta[i]
