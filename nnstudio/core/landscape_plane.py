"""The loss at many points of a plane through the weights, computed fast and exactly.

For a point ``(α, β)`` of the plane ``θ + α·d₁ + β·d₂`` every dense layer computes::

    A·(W + α·D₁ + β·D₂) + (b + α·e₁ + β·e₂)

where ``D``, ``e`` are the layer's parts of the directions and ``A`` what comes in.
:class:`PlaneLosses` evaluates the mean data loss at a list of such points with no
Python loop over single samples and, for wide layers, none of the arithmetic a loop
that sets the weights and calls ``evaluate`` would repeat:

* layers before the first one the directions move see the same inputs at every point:
  they run once;
* the first moving layer's pre-activation is affine in ``(α, β)``:
  ``Z₀ + α·Z₁ + β·Z₂`` with ``Z₀ = A·W + b``, ``Zₖ = A·Dₖ + eₖ`` computed once, so a
  point costs no matrix product there, only that weighted sum (one product with an
  inner dimension of 3 for a chunk of points);
* every later moving layer gets its own weights per point, built for a chunk of points
  by one product ``[1, α, β]·[[W; b], [D₁; e₁], [D₂; e₂]]``, then one matrix product per
  point with all the samples at once (the least arithmetic there is: a third of
  ``A·W + α·A·D₁ + β·A·D₂``);
* layers the directions leave alone after that need the same product per point as a
  loop would.

What remains per point is the arithmetic itself: for a 10-128-128-128-4 tanh network on
500 samples, two 500×128×128 products (about two thirds of the time on one core, at
the core's peak) and 192,000 ``tanh`` (a sixth); the weighted sums, weight stacks, the
output layer and the loss take the rest.

Chunks of points go to a few worker threads (NumPy's products and ``tanh`` release
the GIL), with the BLAS library held to one thread meanwhile: threads that each run
whole points keep every core busy through the products *and* the activations, where a
multi-threaded BLAS leaves the activations on one core and waits at every product
(measured on a busy 2-core machine: OpenBLAS's own two threads made the per-point
products several times slower, spinning while the other core was taken). Buffers are
allocated once per worker and reused. A point's loss does not depend on how the points
are split into chunks, calls or threads.

Everything here only *reads* the network.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Sequence

import numpy as np

from .network import Network

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - a dependency; without it the surface uses one worker
    ThreadpoolController = None

Array = np.ndarray

#: upper bound on the bytes of temporaries the surface computation keeps
MEMORY_BUDGET = 160 * 2**20
#: preferred size of a chunk's largest activation array (points × samples × units). One
#: point of a 500-sample, 128-unit layer in float64 is half of it, so a chunk holds two
#: such points; a 2-8-8-1 network gets 32 points per chunk, enough to keep NumPy's per-call
#: overhead small
CHUNK_BYTES = 1 * 2**20
#: sample blocks have at least this many rows (when there are that many samples), so that
#: each point's matrix products stay efficient
MIN_ROWS = 256
#: at most this many worker threads (the machines this runs on have few cores to spare)
MAX_WORKERS = 8

#: activations that can overwrite their input (the same values as the layer's own f)
_IN_PLACE: dict[str, Callable[[Array], Array]] = {
    "tanh": lambda z: np.tanh(z, out=z),
    "relu": lambda z: np.maximum(z, 0, out=z),
    "linear": lambda z: z,
}


def default_workers() -> int:
    """Worker threads: the cores this process may use, at most :data:`MAX_WORKERS`."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        n = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, n))


_BLAS_CONTROLLER: Any = None


def one_blas_thread() -> ContextManager[Any] | None:
    """A context that holds the BLAS library to one thread (the workers are the
    parallelism), or None when its threads cannot be controlled here."""
    global _BLAS_CONTROLLER
    if ThreadpoolController is None:
        return None
    try:
        if _BLAS_CONTROLLER is None:
            # finding the loaded libraries takes milliseconds: once per process
            _BLAS_CONTROLLER = ThreadpoolController()
        return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - no control: one worker, the BLAS library's own threads
        return None


@dataclass
class _Layer:
    """One layer's weights along the plane, in the network's dtype."""

    W: Array  # (n_in, n_out)
    b: Array  # (n_out,)
    D: list[Array]  # moving parts of W, one per direction that moves this layer
    e: list[Array]  # the matching bias parts
    which: list[int]  # 0 for d₁, 1 for d₂: which coefficient multiplies D[k]
    act: Callable[[Array], Array] | None  # f(z), may overwrite z; None: the output layer
    basis: Array | None = None  # rows [W; b], [D₁; e₁], … flattened (later moving layers)

    @property
    def moves(self) -> bool:
        return bool(self.D)


def _activation(layer: Any) -> Callable[[Array], Array] | None:
    act = layer.activation
    if act is None:
        return None
    fast = _IN_PLACE.get(act.key)
    if fast is not None:
        return fast
    f, alpha = act.f, layer.alpha
    return lambda z: f(z, alpha)


@dataclass
class _Buffers:
    """One worker's arrays, reused for every chunk it computes."""

    ping: Array
    pong: Array
    coef: Array
    stacks: dict[int, Array] = field(default_factory=dict)


class PlaneLosses:
    """Mean data loss at points ``center + a[k]·d1 + b[k]·d2`` of one network's plane.

    Parameters
    ----------
    net : Network
        Only read; its weights, caches and gradients stay as they are.
    X : ndarray, shape (n, n_inputs), the network's dtype, C-contiguous
    y : ndarray, shape (n,)
        Already validated and cast (see :func:`nnstudio.core.landscape_surface`).
    center, d1, d2 : ndarray, shape (n_params,), float64
    memory : int, optional
        Bytes the temporaries may take (default :data:`MEMORY_BUDGET`).
    workers : int, optional
        Worker threads (default :func:`default_workers`).

    Building one computes what every point shares; :meth:`losses` then evaluates any
    number of points, in as many calls as the caller likes (the app computes a surface
    a slice at a time, answering commands in between).
    """

    def __init__(self, net: Network, X: Array, y: Array, center: Array, d1: Array, d2: Array,
                 memory: int | None = None, workers: int | None = None) -> None:
        self.dtype = np.dtype(net.dtype)
        self.memory = MEMORY_BUDGET if memory is None else int(memory)
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.per_sample = net.loss.per_sample
        self.n = len(X)
        self.y = y
        self.layers = self._plan(net, center, (d1, d2))
        L = len(self.layers)
        self.first = next((k for k, p in enumerate(self.layers) if p.moves), L)
        item = self.dtype.itemsize
        widths = [p.W.shape[1] for p in self.layers[self.first:]] or [1]
        widest = max(widths)
        # samples per block and points per chunk: a chunk's largest activation array near
        # CHUNK_BYTES, never below MIN_ROWS samples a block, all within the memory budget
        rows_fit = max(1, CHUNK_BYTES // (widest * item))
        self.nb = min(self.n, max(MIN_ROWS, rows_fit))
        self.g = max(1, CHUNK_BYTES // (self.nb * widest * item))
        for p in self.layers[self.first + 1:]:
            if p.moves:
                p.basis = np.stack([np.concatenate([Wk.ravel(), bk]) for Wk, bk in zip([p.W] + p.D, [p.b] + p.e)])
        self._shrink_to_budget(widest, item)
        # what every point shares, per sample block: the moving layer's Z₀, Z₁, Z₂ (or, if
        # nothing moves, the loss itself); recomputed in each call when too big to keep
        self._shared: list[Array] | None = None
        if self.first == L:
            self.constant = self._constant_loss(X)
        else:
            self.constant = None
            self.X = X
            fl = self.layers[self.first]
            keep = (1 + len(fl.D)) * self.n * fl.W.shape[1] * item
            if keep <= self.memory // 8:
                self._shared = [self._first_basis(s) for s in range(0, self.n, self.nb)]

    # -- set-up -------------------------------------------------------------------------------
    def _plan(self, net: Network, center: Array, dirs: Sequence[Array]) -> list[_Layer]:
        dt = self.dtype
        layers = []
        for li, layer in enumerate(net.layers):
            ws, bs = net.slices[2 * li], net.slices[2 * li + 1]
            D, e, which = [], [], []
            for k, d in enumerate(dirs):
                w_part, b_part = d[ws.start:ws.stop], d[bs.start:bs.stop]
                # a direction that leaves this layer alone costs nothing: skip its products
                if np.any(w_part) or np.any(b_part):
                    D.append(w_part.reshape(ws.shape).astype(dt))
                    e.append(b_part.astype(dt))
                    which.append(k)
            layers.append(_Layer(center[ws.start:ws.stop].reshape(ws.shape).astype(dt),
                                 center[bs.start:bs.stop].astype(dt), D, e, which, _activation(layer)))
        return layers

    def _shrink_to_budget(self, widest: int, item: int) -> None:
        """Fewer points per chunk (then fewer samples per block) until every worker's
        arrays fit the memory budget."""
        while True:
            per_worker = self._worker_bytes(widest, item)
            if per_worker * self.workers <= self.memory // 2 or (self.g == 1 and self.nb == 1):
                return
            if self.g > 1:
                self.g = max(1, self.g // 2)
            else:
                self.nb = max(1, self.nb // 2)

    def _worker_bytes(self, widest: int, item: int) -> int:
        stacks = sum(p.basis.shape[1] for p in self.layers[self.first + 1:] if p.basis is not None)
        # two activation buffers, the loss's temporaries (a few per sample), the weight stacks
        return item * (2 * self.g * self.nb * widest + 8 * self.g * self.nb * max(1, self.layers[-1].W.shape[1])
                       + self.g * stacks)

    def _forward_fixed(self, layers: Sequence[_Layer], h: Array) -> Array:
        for p in layers:
            z = h @ p.W
            z += p.b
            h = z if p.act is None else p.act(z)
        return h

    def _constant_loss(self, X: Array) -> float:
        total = 0.0
        for s in range(0, self.n, self.nb):
            out = self._forward_fixed(self.layers, X[s:s + self.nb])
            total += float(np.sum(self.per_sample(out, self.y[s:s + self.nb]), dtype=np.float64))
        return total / self.n

    def _first_basis(self, s0: int) -> Array:
        """``[Z₀; Z₁; Z₂]`` of the first moving layer for the samples of block ``s0``,
        shape ``(1 + k, m·n_out)``."""
        h = self._forward_fixed(self.layers[:self.first], self.X[s0:s0 + self.nb])
        p = self.layers[self.first]
        m, n_out = len(h), p.W.shape[1]
        S = np.empty((1 + len(p.D), m * n_out), dtype=self.dtype)
        for r, (M, v) in enumerate(zip([p.W] + p.D, [p.b] + p.e)):
            z = S[r].reshape(m, n_out)
            np.matmul(h, M, out=z)
            z += v
        return S

    def _buffers(self) -> _Buffers:
        widest = max(p.W.shape[1] for p in self.layers[self.first:])
        size = self.g * self.nb * widest
        bufs = _Buffers(np.empty(size, self.dtype), np.empty(size, self.dtype), np.empty((self.g, 3), self.dtype))
        for li, p in enumerate(self.layers):
            if p.basis is not None:
                bufs.stacks[li] = np.empty((self.g, p.basis.shape[1]), self.dtype)
        return bufs

    # -- evaluation -----------------------------------------------------------------------------
    def losses(self, a: Array, b: Array) -> Array:
        """Mean data loss at the points ``(a[k], b[k])``, shape ``(len(a),)``, float64.

        Points where the loss overflows give ``inf`` or ``nan``; floating-point
        warnings are the caller's to silence. The numbers do not depend on how the
        points are split into calls.
        """
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        P = len(a)
        if self.constant is not None:
            return np.full(P, self.constant)
        sums = np.zeros(P)
        starts = list(range(0, P, self.g))
        workers = min(self.workers, len(starts))
        limit = one_blas_thread() if workers > 1 else None
        if limit is None:  # one worker (a multi-threaded BLAS under several workers thrashes)
            workers = 1
        bufs = [self._buffers() for _ in range(workers)]
        errors = np.geterr()  # the caller's; threads start with NumPy's defaults

        def work(k: int, s0: int, basis: Array, todo: deque[int]) -> None:
            with np.errstate(**errors):
                # each worker takes the next chunk when done with one: a worker whose core is
                # busy with another program does fewer (popleft is atomic)
                while True:
                    try:
                        s = todo.popleft()
                    except IndexError:
                        return
                    sums[s:s + self.g] += self._block(a[s:s + self.g], b[s:s + self.g], bufs[k], s0, basis)

        # samples outside, points inside: a sample block's shared products, when they are
        # not kept, are computed once for all the points of this call
        blocks = range(0, self.n, self.nb)
        if workers == 1:
            for i, s0 in enumerate(blocks):
                work(0, s0, self._shared[i] if self._shared is not None else self._first_basis(s0), deque(starts))
            return sums / self.n
        with limit, ThreadPoolExecutor(workers, thread_name_prefix="plane") as pool:
            for i, s0 in enumerate(blocks):
                basis = self._shared[i] if self._shared is not None else self._first_basis(s0)
                todo = deque(starts)
                for f in [pool.submit(work, k, s0, basis, todo) for k in range(workers)]:
                    f.result()
        return sums / self.n

    def _block(self, a: Array, b: Array, bufs: _Buffers, s0: int, basis: Array) -> Array:
        """Summed loss over the sample block at ``s0`` at ``gc ≤ g`` points, all at once.

        The products that combine ``[1, α, β]`` with a basis always run on ``g`` rows
        (zeros past ``gc``): BLAS takes another route for a single row (and may round
        differently), and a point's loss must not depend on how the points were cut
        into chunks and calls.
        """
        gc, g = len(a), self.g
        dt = self.dtype
        C = bufs.coef
        C[:gc, 0] = 1.0
        C[:gc, 1] = a
        C[:gc, 2] = b
        C[gc:] = 0.0
        fl = self.layers[self.first]
        m = basis.shape[1] // fl.W.shape[1]
        z = bufs.ping[:g * basis.shape[1]].reshape(g, basis.shape[1])
        np.matmul(self._coef(C, fl), basis, out=z)
        h = z[:gc].reshape(gc, m, fl.W.shape[1])
        if fl.act is not None:
            h = fl.act(h)
        pair, cur = (bufs.ping, bufs.pong), 0  # h lives in pair[cur] (or in an array of its own)
        for li in range(self.first + 1, len(self.layers)):
            p = self.layers[li]
            n_in, n_out = p.W.shape
            cur = 1 - cur
            z = pair[cur][:gc * m * n_out].reshape(gc, m, n_out)
            if p.basis is not None:  # this layer's weights at each point: W + α·D₁ + β·D₂, b + α·e₁ + β·e₂
                S = bufs.stacks[li]
                np.matmul(self._coef(C, p), p.basis, out=S)
                Wg = S[:gc].reshape(gc, n_in + 1, n_out)
                np.matmul(h, Wg[:, :n_in], out=z)
                z += Wg[:, n_in:]
            else:  # one product per point too, the same whatever the chunk
                np.matmul(h, p.W, out=z)
                z += p.b
            h = z if p.act is None else p.act(z)
        k_out = h.shape[-1]
        y = self.y[s0:s0 + m]
        ls = self.per_sample(np.ascontiguousarray(h, dtype=dt).reshape(gc * m, k_out), np.tile(y, gc))
        return ls.reshape(gc, m).sum(axis=1, dtype=np.float64)

    @staticmethod
    def _coef(C: Array, p: _Layer) -> Array:
        """The columns of ``[1, α, β]`` this layer's basis rows need."""
        if len(p.which) == 2:
            return C
        return C[:, [0] + [1 + k for k in p.which]]


def plane_penalties(net: Network, center: Array, d1: Array, d2: Array, a: Array, b: Array,
                    l1: float, l2: float, memory: int | None = None) -> Array:
    """``λ₁·Σ|w| + λ₂·Σw²`` over the weights at each point ``center + a·d1 + b·d2``."""
    memory = MEMORY_BUDGET if memory is None else memory
    out = np.zeros(len(a))
    nw = net.n_weights
    w, u, v = center[:nw], d1[:nw], d2[:nw]
    if l2:
        # Σ(w + αu + βv)² expanded: exact and O(n_weights) instead of O(points·n_weights)
        ww, wu, wv = w @ w, w @ u, w @ v
        uu, uv, vv = u @ u, u @ v, v @ v
        out += l2 * (ww + 2 * a * wu + 2 * b * wv + a * a * uu + 2 * a * b * uv + b * b * vv)
    if l1:
        moving = (u != 0) | (v != 0)
        base = float(np.abs(w[~moving]).sum())
        ws, us, vs = w[moving], u[moving], v[moving]
        step = max(1, memory // (16 * max(1, len(ws))))
        l1sum = np.empty(len(a))
        for k in range(0, len(a), step):
            ak, bk = a[k:k + step, None], b[k:k + step, None]
            l1sum[k:k + step] = np.abs(ws + ak * us + bk * vs).sum(axis=1)
        out += l1 * (base + l1sum)
    return out


__all__ = ["CHUNK_BYTES", "MEMORY_BUDGET", "MIN_ROWS", "PlaneLosses", "default_workers", "one_blas_thread",
           "plane_penalties"]
