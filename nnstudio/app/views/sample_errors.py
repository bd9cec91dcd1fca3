"""Where the errors are: each sample's prediction and loss at a snapshot's weights.

The decision view marks the misclassified points (and, for regression, the worst
residuals) and says what the network answers for the point under the mouse; the
hardest-samples view lists the samples with the highest loss. Both need, for every
sample, what the engine computes: the output layer's logits ``z`` from the snapshot's
weights (:func:`~.snapshot_forward.forward_from_snapshot`, the same operations as the
engine's forward pass) on the same inputs as the engine (``PreparedData.X_train`` /
``X_val``: feature maps and standardisation applied, cast to the network's precision),
then the engine's own loss (:meth:`Loss.per_sample <nnstudio.core.losses.Loss.per_sample>`)
and class rule (:func:`~nnstudio.core.losses.predicted_classes`). Plain NumPy; no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...core.data import PreparedData
from ...core.losses import get_loss, predicted_classes
from ...core.snapshot import Snapshot
from ...core.specs import LOSSES_BY_TASK
from .axes import number_text
from .snapshot_forward import forward_from_snapshot, output_activation

Array = np.ndarray

#: regression: the worst residuals marked in each set, as a share of its samples …
WORST_SHARE = 0.05
#: … and at most this many
WORST_MAX = 10


def worst_count(n: int) -> int:
    """How many of ``n`` regression samples count as "the worst residuals"."""
    return 0 if n <= 0 else min(WORST_MAX, max(1, math.ceil(WORST_SHARE * n)))


@dataclass(frozen=True)
class SampleErrors:
    """The network's answer and loss for every sample of one set.

    Attributes
    ----------
    which : str
        ``"training"`` or ``"validation"``.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    target : ndarray, shape (n,)
        Class indices (int) or target values (float).
    output : ndarray, shape (n, k)
        ŷ: P(positive class) (binary, k = 1), each class's probability (multi-class)
        or the predicted value (regression).
    predicted : ndarray, shape (n,)
        The class the network picks (int), or ŷ (regression).
    loss : ndarray, shape (n,)
        Each sample's loss, float64, as the engine computes it (nan where the network
        diverged).
    wrong : ndarray of bool, shape (n,)
        Misclassified (classification); among the :func:`worst_count` largest losses
        (regression).
    """

    which: str
    task: str
    target: Array
    output: Array
    predicted: Array
    loss: Array
    wrong: Array

    def __len__(self) -> int:
        return len(self.loss)

    def hardest(self, k: int | None = None) -> Array:
        """Indices of the ``k`` samples with the highest loss, highest first (a sample
        whose loss is not finite first of all: the network has lost it entirely)."""
        key = np.where(np.isfinite(self.loss), self.loss, np.inf)
        order = np.argsort(-key, kind="stable")
        return order if k is None else order[:k]

    def target_text(self, i: int, class_names: tuple[str, ...] = ()) -> str:
        """Sample ``i``'s target, as a learner reads it: the class name or the value."""
        if self.task == "regression":
            return number_text(float(self.target[i]))
        return _class_name(int(self.target[i]), class_names)

    def prediction_text(self, i: int, class_names: tuple[str, ...] = ()) -> str:
        """What the network answers for sample ``i``: its class with that class's
        probability, or ŷ."""
        if self.task == "regression":
            return number_text(float(self.output[i, 0]))
        c = int(self.predicted[i])
        if self.task == "binary" and self.output.shape[1] == 1:
            p1 = float(self.output[i, 0])
            p = p1 if c == 1 else 1.0 - p1
        else:
            p = float(self.output[i, c])
        return f"{_class_name(c, class_names)} (p = {p:.3f})"

    def loss_text(self, i: int) -> str:
        v = float(self.loss[i])
        return number_text(v) if math.isfinite(v) else "not finite (diverged)"


def _class_name(c: int, class_names: tuple[str, ...]) -> str:
    return str(class_names[c]) if 0 <= c < len(class_names) else str(c)


def fits(snap: Snapshot, data: PreparedData | None) -> bool:
    """Whether ``snap`` is of a network for ``data`` (while the data is being changed,
    a snapshot of the old network can still arrive)."""
    return (data is not None and bool(snap.weights) and snap.task == data.task
            and bool(snap.layer_sizes) and snap.layer_sizes[0] == data.n_inputs)


def sample_errors(snap: Snapshot, X: Array, y: Array, which: str = "training") -> SampleErrors:
    """Each sample's prediction and loss at the snapshot's weights.

    Parameters
    ----------
    snap : Snapshot
        Its weights, activations, task and loss (``Snapshot.loss``; the task's default
        loss when the snapshot does not say).
    X : ndarray, shape (n, n_inputs)
        Network inputs (``PreparedData.X_train`` or ``X_val``).
    y : ndarray, shape (n,)
        Targets: class indices or values.
    """
    task = snap.task
    z = forward_from_snapshot(snap, X)[-1]
    key = snap.loss or LOSSES_BY_TASK[task][0]
    loss_fn = get_loss(key, snap.huber_delta)
    if task == "regression":
        yt = np.asarray(y, dtype=z.dtype)
    else:
        yt = np.asarray(y, dtype=np.intp)
    with np.errstate(all="ignore"):
        loss = np.asarray(loss_fn.per_sample(z, yt), dtype=np.float64) if len(z) else np.empty(0)
        output = np.asarray(output_activation(snap, z), dtype=np.float64)
    if task == "regression":
        predicted = output[:, 0].copy()
        wrong = np.zeros(len(loss), dtype=bool)
        wrong[_worst(loss, worst_count(len(loss)))] = True
    else:
        # a binary network with one logit per class picks the larger, like multi-class
        predicted = (np.argmax(z, axis=1) if z.shape[1] > 1 else predicted_classes(z, task)).astype(np.intp)
        wrong = predicted != yt
    return SampleErrors(which, task, np.asarray(y).copy(), output, predicted, loss, wrong)


def _worst(loss: Array, k: int) -> Array:
    key = np.where(np.isfinite(loss), loss, np.inf)
    return np.argsort(-key, kind="stable")[:k]


def data_errors(snap: Snapshot, data: PreparedData) -> tuple[SampleErrors, SampleErrors]:
    """:func:`sample_errors` of the training and the validation set (empty when there
    is none)."""
    return (sample_errors(snap, data.X_train, data.y_train, "training"),
            sample_errors(snap, data.X_val, data.y_val, "validation"))


__all__ = ["SampleErrors", "WORST_MAX", "WORST_SHARE", "data_errors", "fits", "sample_errors", "worst_count"]
