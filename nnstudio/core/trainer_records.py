"""What the trainer reports and keeps: iteration and phase records, the changes of its
timeline and the state a checkpoint holds (see :mod:`nnstudio.core.trainer`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .specs import TrainConfig

Array = np.ndarray


class TrainingData(Protocol):
    """What the trainer needs of a prepared data set (see ``nnstudio.core.data``)."""

    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    task: str
    n_classes: int


@dataclass
class StepRecord:
    """What one iteration did.

    ``grad_norms[l]`` is ‖∂L/∂W‖ (Frobenius) of layer l (0 = first hidden layer, last =
    output), ``bias_grad_norms`` the same for b, ``update_norms[l]`` is ‖ΔW‖ of the
    update just applied. ``epoch_metrics`` is filled when this iteration ended an epoch.
    """

    iteration: int  # updates done after this one (1 for the first)
    epoch: int  # 0-based epoch this iteration belonged to
    batch: Array  # indices into the training set
    loss: float  # data loss of the batch, before the update
    penalty: float  # λ₁Σ|w| + λ₂Σw² before the update
    lr: float
    grad_norms: Array
    bias_grad_norms: Array
    update_norms: Array
    delta_rms: Array  # per layer: RMS over the batch of each sample's δ = ∂ℓ/∂z
    epoch_end: bool = False
    epoch_metrics: dict[str, float] | None = None
    stopped: str | None = None  # why training stopped after this iteration, if it did


@dataclass
class PhaseRecord:
    """One phase of one iteration, with the numbers of the inspected sample.

    Layer lists run from the first hidden layer (index 0) to the output layer. The
    sample's ``delta`` is ∂ℓ/∂z of that sample's own loss ℓ (the batch δ times the
    batch size); ``grad_W``/``grad_b`` are the batch gradients the update uses.
    """

    phase: str
    iteration: int  # the iteration being computed (1-based)
    batch: Array
    sample: int  # index into the training set
    x: Array  # the sample's inputs
    y: float  # its target (class index for classification)
    z: list[Array] = field(default_factory=list)
    a: list[Array] = field(default_factory=list)
    output: Array | None = None  # ŷ of the sample
    sample_loss: float | None = None
    batch_loss: float | None = None
    penalty: float | None = None
    loss_formula: str = ""
    delta: list[Array] = field(default_factory=list)
    grad_W: list[Array] = field(default_factory=list)
    grad_b: list[Array] = field(default_factory=list)
    W_before: list[Array] = field(default_factory=list)
    b_before: list[Array] = field(default_factory=list)
    W_after: list[Array] = field(default_factory=list)
    b_after: list[Array] = field(default_factory=list)
    lr: float = 0.0
    optimizer_rule: str = ""
    record: StepRecord | None = None  # set on the update phase: the finished iteration
    #: whether the sample is in this iteration's batch; when it is not (a sample the
    #: learner chose), its numbers are its own — without dropout, and not part of the
    #: batch's gradient or update
    in_batch: bool = True


@dataclass(frozen=True)
class Change:
    """One change made to a run while it trains, as the timeline records it.

    ``iteration`` is the number of updates done when it was made. ``phase`` is None
    for a change made between iterations, or the last phase shown ("forward", "loss",
    "backward") of an iteration being stepped phase by phase. ``kind`` and ``value``:
    ``"config"`` with a :class:`TrainConfig`, ``"weights"`` with ``(indices, values)``
    into the flat parameter vector, ``"data"`` with the new training data. ``recipe``
    is whatever the caller gave to make that data again (the app's data settings),
    kept for saving.
    """

    iteration: int
    kind: str
    value: Any
    phase: str | None = None
    recipe: Any = None


@dataclass
class _State:
    """Everything that determines the future of a run, for checkpoints."""

    iteration: int
    epoch: int
    params: Array
    opt_state: dict[str, Any]
    shuffle_rng: dict[str, Any]
    dropout_rng: dict[str, Any]
    perm: Array
    pos: int
    epoch_loss_sum: float
    epoch_batches: int
    epoch_correct: int
    epoch_seen: int
    best_value: float
    best_params: Array | None
    best_epoch: int
    wait: int
    stopped: str | None
    first_loss: float | None
    epoch_ssr: float = 0.0  # regression: Σ(ŷ − y)² over the epoch's batches so far
    #: the settings and data in force (None: leave the trainer's as they are)
    config: TrainConfig | None = None
    data: Any = None
    data_recipe: Any = None

    @property
    def nbytes(self) -> int:
        n = self.params.nbytes + self.perm.nbytes
        n += sum(v.nbytes for v in self.opt_state.values() if isinstance(v, np.ndarray))
        return n + (self.best_params.nbytes if self.best_params is not None else 0)
