"""How a :class:`~nnstudio.core.trainer.Trainer` cuts an epoch into batches.

The batch size follows the batch mode (the whole training set, one sample, or
mini-batches); each epoch visits the samples in a new random order (:attr:`Batching.perm`,
in order for full-batch training); the rows of a batch are gathered from the training
inputs a chunk of batches at a time, into arrays allocated once.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


class Batching:
    """The trainer's batches (a mixin of :class:`~nnstudio.core.trainer.Trainer`, whose
    ``config``, ``n_train``, ``X``, ``_yt``, ``pos`` and ``shuffle_rng`` it reads)."""

    def _refresh_batching(self) -> None:
        self._b = self._batch_size()
        self._full_batch = self.config.batch_mode == "full"

    def _batch_size(self) -> int:
        mode = self.config.batch_mode
        if mode == "full":
            return self.n_train
        if mode == "sgd":
            return 1
        return min(self.config.batch_size, self.n_train)

    @property
    def iterations_per_epoch(self) -> int:
        return math.ceil(self.n_train / self._batch_size())

    def _new_epoch_order(self) -> None:
        if self.config.batch_mode == "full":
            self.perm = np.arange(self.n_train)
        else:
            self.perm = self.shuffle_rng.permutation(self.n_train)

    def _next_batch(self) -> Array:
        b = self._batch_size()
        idx = self.perm[self.pos:self.pos + b]
        return idx

    @property
    def perm(self) -> Array:
        """The order of the training samples in the current epoch."""
        return self._perm

    @perm.setter
    def perm(self, order: Array) -> None:
        self._perm = order
        self._chunk = None

    #: bytes of training rows gathered in epoch order at a time (see :meth:`_batch`):
    #: many small batches per gather, or one large batch, kept in cache for its step
    CHUNK_BYTES = 1 << 18

    def _batch(self, pos: int) -> tuple[Array, Array, Array]:
        """Indices, inputs and targets of the batch starting at ``pos`` of the epoch.

        The rows are gathered in epoch order a chunk of batches at a time (one gather
        instead of one per batch, into arrays allocated once); a batch is then a view
        into the chunk, holding exactly the rows ``X[perm[pos:pos + b]]`` would."""
        b = self._b
        stop = pos + b
        chunk = self._chunk
        if chunk is None or pos < chunk[0] or (stop > chunk[1] and chunk[1] < self.n_train):
            X, yt = self.X, self._yt
            rows = max(b, (self.CHUNK_BYTES // max(1, X[:1].nbytes)) // b * b)
            end = min(self.n_train, pos + rows)
            bufs = self._chunk_bufs
            if bufs is None or len(bufs[0]) != rows or bufs[0].dtype != X.dtype or bufs[0].shape[1:] != X.shape[1:] \
                    or bufs[1].dtype != yt.dtype or bufs[1].shape[1:] != yt.shape[1:]:
                bufs = self._chunk_bufs = (np.empty((rows, *X.shape[1:]), X.dtype),
                                           np.empty((rows, *yt.shape[1:]), yt.dtype))
            order = self._perm[pos:end]
            m = len(order)
            # mode="clip" writes straight into out (the indices are valid)
            chunk = self._chunk = (pos, end, np.take(X, order, 0, bufs[0][:m], "clip"),
                                   np.take(yt, order, 0, bufs[1][:m], "clip"))
        start = chunk[0]
        return self._perm[pos:stop], chunk[2][pos - start:stop - start], chunk[3][pos - start:stop - start]


__all__ = ["Batching"]
