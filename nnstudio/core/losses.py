"""Loss functions, each fused with the output activation it belongs to.

A loss here takes the output layer's *pre-activation* ``z`` (the logits) and the
targets, and returns the batch-mean loss and ``∂L/∂z``. Fusing the output activation
into the loss is what makes the classification losses exact: binary cross-entropy
from the logit never takes ``log(0)``, and softmax + categorical cross-entropy has the
famously simple gradient ``(p − onehot(y)) / n``.

Definitions follow PyTorch (``reduction='mean'``):

======== ================================================= ========================
key      loss for one sample                                output activation
======== ================================================= ========================
mse      (ŷ − y)²                                           linear
mae      |ŷ − y|           (gradient sign(ŷ − y), 0 at 0)   linear
huber    ½(ŷ − y)² if |ŷ − y| ≤ δ else δ(|ŷ − y| − ½δ)      linear
bce      −[y·ln σ(z) + (1 − y)·ln(1 − σ(z))]                sigmoid
cce      −ln softmax(z)[y]                                  softmax
======== ================================================= ========================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import sigmoid
from .errors import SpecError

Array = np.ndarray
_add_reduce = np.add.reduce
_fsum = math.fsum

#: up to this many elements, a sum is taken with math.fsum (exactly rounded), above it
#: with NumPy's pairwise sum: on a playground batch, add.reduce's set-up alone costs
#: 2–3× the whole fsum
FSUM_UP_TO = 32


def _sum(v: Array) -> float:
    """Σ of the elements of ``v`` (C-contiguous) as a Python float, the same way for
    every caller (the trainer's loop and the phase-by-phase path give the same bits)."""
    if v.size <= FSUM_UP_TO:
        try:
            return _fsum(v.reshape(-1).tolist())
        except OverflowError:  # finite terms whose sum is not (1e308 + 1e308): NumPy's is inf,
            pass  # a loss the trainer reports as divergence (its callers ignore NumPy's warnings)
    return float(_add_reduce(v, None))


@dataclass(frozen=True)
class Loss:
    """A loss fused with its output activation.

    Shapes: ``z`` is ``(n, k)`` (k = 1 except for softmax); ``y`` is ``(n,)`` — real
    targets for regression, 0/1 for bce, class indices for cce (two classes included).
    """

    key: str
    name: str
    formula: str
    output_activation: str
    delta: float = 1.0  # Huber's δ

    # -- outputs ---------------------------------------------------------------------
    def output(self, z: Array) -> Array:
        """The network's output ``ŷ`` from the logits: identity, σ(z) or softmax(z)."""
        if self.output_activation == "sigmoid":
            return sigmoid(z)
        if self.output_activation == "softmax":
            return softmax(z)
        return z

    # -- value and gradient ------------------------------------------------------------
    def per_sample(self, z: Array, y: Array) -> Array:
        """Loss of each sample, shape ``(n,)``."""
        if self.key == "bce":
            t = y.reshape(-1, 1).astype(z.dtype, copy=False)
            # −[t ln σ(z) + (1−t) ln(1−σ(z))] = max(z,0) − t·z + ln(1 + e^−|z|)
            return (np.maximum(z, 0) - t * z + np.log1p(np.exp(-np.abs(z))))[:, 0]
        if self.key == "cce":
            logp = log_softmax(z)
            return -logp[np.arange(len(y)), y.astype(np.intp, copy=False)]
        r = z - y.reshape(-1, 1).astype(z.dtype, copy=False)
        if self.key == "mse":
            v = r * r
        elif self.key == "mae":
            v = np.abs(r)
        else:
            a = np.abs(r)
            v = np.where(a <= self.delta, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))
        return v.mean(axis=1)

    def value(self, z: Array, y: Array) -> float:
        """Batch-mean loss."""
        return float(self.per_sample(z, y).mean())

    def value_and_grad(self, z: Array, y: Array) -> tuple[float, Array]:
        """Batch-mean loss and ``∂L/∂z`` (same shape as ``z``, already divided by n)."""
        n = z.shape[0]
        if self.key == "bce":
            t = y.reshape(-1, 1).astype(z.dtype, copy=False)
            # softplus(z) = ln(1 + e^z) in one stable call; the loss is softplus(z) − t·z
            # and σ(z) = e^(z − softplus(z)), accurate at both tails
            sp = np.logaddexp(0, z)
            loss = _sum(sp - t * z) / z.size
            p = np.exp(z - sp)
            p -= t
            p /= n
            return loss, p
        if self.key == "cce":
            logp = log_softmax(z)
            idx = y.astype(np.intp, copy=False)
            rows = np.arange(n)
            loss = float(-logp[rows, idx].mean())
            g = np.exp(logp)
            g[rows, idx] -= 1.0
            g /= n
            return loss, g
        r = z - y.reshape(-1, 1).astype(z.dtype, copy=False)
        m = r.size  # PyTorch averages over every element
        if self.key == "mse":
            return float(np.vdot(r, r) / m), (2.0 / m) * r
        if self.key == "mae":
            return float(np.abs(r).mean()), np.sign(r) / m
        a = np.abs(r)
        small = a <= self.delta
        v = np.where(small, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))
        g = np.where(small, r, self.delta * np.sign(r)) / m
        return float(v.mean()), g.astype(z.dtype, copy=False)

    def grad(self, z: Array, y: Array) -> Array:
        return self.value_and_grad(z, y)[1]

    # -- the same, into buffers allocated once (the trainer's loop) -------------------
    def workspace(self, n: int, k: int, dtype: np.dtype) -> dict[str, Array]:
        """Scratch arrays for :meth:`value_and_grad_into` on ``(n, k)`` logits."""
        if self.key == "bce" or self.key == "mse":
            # 0 and n as arrays of the dtype: the values the Python literals become,
            # and a ufunc with two arrays skips converting a scalar at every call
            return {"a": np.empty((n, k), dtype), "b": np.empty((n, k), dtype),
                    "0": np.zeros((n, k), dtype), "n": np.full((n, k), n, dtype)}
        if self.key == "cce":
            w = {"s": np.empty((n, k), dtype), "e": np.empty((n, k), dtype),
                 "m": np.empty((n, 1), dtype), "se": np.empty((n, 1), dtype),
                 # the flat positions of row i's class y[i] are row_starts[i] + y[i]
                 "row_starts": np.arange(n) * k, "flat": np.empty(n, np.intp)}
            if n >= 32 and k <= 32:
                # a row maximum over few columns is 3–20× faster from a transposed copy
                # (NumPy reduces along rows, not within them, with vector instructions);
                # a maximum is exact, so the values are the same
                w["zT"] = np.empty((k, n), dtype)
            return w
        return {}

    def value_and_grad_into(self, z: Array, y: Array, g: Array, w: dict[str, Array]) -> float:
        """:meth:`value_and_grad` writing ``∂L/∂z`` into ``g`` (the shape of ``z``),
        using the scratch arrays ``w`` of :meth:`workspace`. The same operations in the
        same order: the results are bit-for-bit those of :meth:`value_and_grad`."""
        n = z.shape[0]
        key = self.key
        if key == "bce":
            t = y if y.ndim == 2 and y.dtype == z.dtype else y.reshape(-1, 1).astype(z.dtype, copy=False)
            sp, tz = w["a"], w["b"]
            np.logaddexp(w["0"], z, sp)
            np.multiply(t, z, tz)
            np.subtract(sp, tz, tz)
            loss = _sum(tz) / z.size
            np.subtract(z, sp, g)
            np.exp(g, g)
            np.subtract(g, t, g)
            np.divide(g, w["n"], g)
            return loss
        if key == "cce":
            s, e, m, se = w["s"], w["e"], w["m"], w["se"]
            zT = w.get("zT")
            if zT is not None:
                np.copyto(zT, z.T)
                np.maximum.reduce(zT, axis=0, out=m.reshape(-1))
            else:
                np.maximum.reduce(z, axis=-1, keepdims=True, out=m)
            np.subtract(z, m, s)
            np.exp(s, e)
            _add_reduce(e, axis=-1, keepdims=True, out=se)
            np.log(se, se)
            np.subtract(s, se, s)  # ln softmax(z)
            flat = w["flat"]
            np.add(w["row_starts"], y, flat, casting="unsafe")  # s[i, y[i]] is s.flat[flat[i]]
            picked = _add_reduce(s.reshape(-1)[flat], None)
            # as ndarray.mean: the sum divided by the count in float64, then in the dtype
            loss = -float(picked.dtype.type(float(picked) / n))
            np.exp(s, g)
            if g.flags.c_contiguous:
                g.reshape(-1)[flat] -= 1.0
            else:
                g[np.arange(n), y.astype(np.intp, copy=False)] -= 1.0
            np.divide(g, n, g)
            return loss
        if self.key == "mse":
            r = w["a"]
            np.subtract(z, y.reshape(-1, 1).astype(z.dtype, copy=False), r)
            m = r.size
            loss = float(np.vdot(r, r) / m)
            np.multiply(2.0 / m, r, g)
            return loss
        loss, grad = self.value_and_grad(z, y)
        g[...] = grad
        return loss


def log_softmax(z: Array) -> Array:
    """``ln softmax(z)`` along the last axis, shifted by the row maximum so exp never overflows."""
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def softmax(z: Array) -> Array:
    """``e^zᵢ / Σⱼ e^zⱼ`` along the last axis, computed stably."""
    s = np.exp(z - z.max(axis=-1, keepdims=True))
    return s / s.sum(axis=-1, keepdims=True)


_INFO = {
    "mse": ("Mean squared error", "L = mean((ŷ − y)²)", "linear"),
    "mae": ("Mean absolute error", "L = mean(|ŷ − y|)", "linear"),
    "huber": ("Huber", "L = mean(½r² if |r| ≤ δ else δ(|r| − ½δ)),  r = ŷ − y", "linear"),
    "bce": ("Binary cross-entropy", "L = −mean(y·ln ŷ + (1 − y)·ln(1 − ŷ)),  ŷ = σ(z)", "sigmoid"),
    "cce": ("Categorical cross-entropy", "L = −mean(ln ŷ[y]),  ŷ = softmax(z)", "softmax"),
}

LOSS_NAMES = {k: v[0] for k, v in _INFO.items()}


def get_loss(key: str, delta: float = 1.0) -> Loss:
    """Make the :class:`Loss` named ``key`` (``mse``, ``mae``, ``huber``, ``bce``, ``cce``)."""
    try:
        name, formula, out = _INFO[key]
    except KeyError:
        raise SpecError(f"unknown loss '{key}'; choose one of: {', '.join(_INFO)}") from None
    return Loss(key, name, formula, out, float(delta))


# -- metrics --------------------------------------------------------------------------

def accuracy(z: Array, y: Array, task: str) -> float:
    """Share of samples classified correctly (one sigmoid logit: z > 0 ⇔ σ(z) > 0.5)."""
    if len(y) == 0:
        return float("nan")
    pred = predicted_classes(z, task)
    return float(np.mean(pred == y.astype(np.intp, copy=False)))


def predicted_classes(z: Array, task: str) -> Array:
    """The class each row of logits ``z`` (n, k) picks: for one sigmoid logit (binary,
    k = 1) class 1 where z > 0, for softmax logits (k ≥ 2, two classes included) the
    largest. Ties go to the lower class either way: z = 0 means p = ½ → class 0."""
    if task == "binary" and z.shape[1] == 1:
        return (z[:, 0] > 0).astype(np.intp)
    return np.argmax(z, axis=1)


def confusion_matrix(z: Array, y: Array, task: str, n_classes: int) -> Array:
    """``C[i, j]`` = number of samples of true class i predicted as class j."""
    pred = predicted_classes(z, task)
    c = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(c, (y.astype(np.intp, copy=False), pred), 1)
    return c


def r2_score(pred: Array, y: Array) -> float:
    """Coefficient of determination 1 − SS_res/SS_tot (nan when y is constant or empty)."""
    pred = pred.reshape(-1)
    y = y.reshape(-1)
    if len(y) == 0:
        return float("nan")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot == 0.0:
        return float("nan")
    return 1.0 - float(np.sum((y - pred) ** 2)) / ss_tot
