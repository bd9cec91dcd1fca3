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
_add_reduce = np.add.reduce
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
        self._loss_work = loss.workspace(n, layers[-1].n_out, dtype)
        # ReLU compares with an array of zeros, not the scalar 0: NumPy's maximum takes
        # its vectorised loop only for two arrays (with a scalar it costs 5× more on a
        # 128×256 batch); the values are the same
        widest = max((L.n_out for L in layers[:-1] if L._kernel == "relu"), default=0)
        zeros = np.zeros(n * widest, dtype)

        def zeros_like_z(L: Dense) -> Array:
            return zeros[:n * L.n_out].reshape(n, L.n_out)

        # per hidden layer, resolved once: (layer, W, b, z, f(z) buffer, kernel, dropout, 0s)
        self._forward = [(L, L.W, L.b, self.z[i], np.empty((n, L.n_out), dtype) if L._kernel else None,
                          L._kernel, L.dropout, zeros_like_z(L) if L._kernel == "relu" else None)
                         for i, L in enumerate(layers[:-1])]
        # per layer from the output down: (layer, gW, gb, δ) and, above the first layer,
        # what the layer below needs: (Wᵀ, ∂L/∂a buffer, layer below, its z, its δ,
        # kernel, dropout, ReLU mask buffer, its 0s)
        self._backward = []
        for i in range(len(layers) - 1, -1, -1):
            L = layers[i]
            below = None
            if i:
                B = layers[i - 1]
                below = (L.W.T, np.empty((n, B.n_out), dtype), B, self.z[i - 1], self.delta[i - 1],
                         B._kernel, B.dropout, np.empty((n, B.n_out), bool) if B._kernel == "relu" else None,
                         zeros_like_z(B) if B._kernel == "relu" else None)
            # the transposed input, when it is always the same buffer (a hidden layer's
            # f(z) without dropout): a view made once instead of at every call
            fixed_in = self._forward[i - 1][4] if i and B._kernel and B.dropout is None else None
            self._backward.append((L, L.gW, L.gb, self.delta[i], below,
                                   fixed_in.T if fixed_in is not None else None))
        self._out = (layers[-1], layers[-1].W, layers[-1].b, self.z[-1], self.delta[-1])
        # 1 as a scalar of the array's own dtype: the value the Python literal becomes,
        # without converting a Python number at every call
        self._one = dtype.type(1.0)

    def __call__(self, X: Array, y: Array, rng: np.random.Generator | None = None) -> float:
        """The batch's data loss; gradients in the layers' ``gW``/``gb``.

        ``X`` (n, n_in) in the network's dtype; ``y`` as the loss takes it; ``rng`` draws
        the dropout masks (None: no dropout)."""
        a = X
        one = self._one
        for L, W, b, z, buf, kernel, drop, zeros in self._forward:
            L.a_prev = a
            _dot(a, W, z)
            _add(z, b, z)
            if kernel == "tanh":
                a = _tanh(z, buf)
            elif kernel == "relu":
                a = _maximum(z, zeros, out=buf)
            else:
                a = L._f(z, L._param)
            L.z = z
            L.a = a
            if drop is not None:
                if rng is not None:
                    a = drop.forward(a, rng)
                else:
                    drop.mask = None
            L.out = a
        L, W, b, z, d = self._out
        L.a_prev = a
        _dot(a, W, z)
        _add(z, b, z)
        L.z = L.a = L.out = z
        loss = self.loss.value_and_grad_into(z, y, d, self._loss_work)
        for L, gW, gb, d, below, inT in self._backward:
            L.delta = d
            _dot(L.a_prev.T if inT is None else inT, d, gW)
            _add_reduce(d, 0, None, gb)
            if below is None:
                break
            WT, d_a, B, zb, out, kernel, drop, mask, zeros = below
            _dot(d, WT, d_a)
            if drop is not None and drop.mask is not None:
                d_a = drop.backward(d_a)
            if kernel == "tanh":
                # f′ = 1 − a², as Activation.df_from computes it
                a = B.a
                _multiply(a, a, out)
                _subtract(one, out, out)
                _multiply(d_a, out, out)
            elif kernel == "relu":
                _greater(zb, zeros, mask)
                _multiply(d_a, mask, out)
            else:
                _multiply(d_a, B._dfa(zb, B.a, B._param), out)
        return loss
