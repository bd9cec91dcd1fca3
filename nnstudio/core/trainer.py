"""The trainer: iterations, epochs, batches, stopping rules, history and rewinding.

Vocabulary, as the app uses it:

* one **iteration** is one parameter update, computed on one batch;
* one **epoch** is one pass over the training set: ``ceil(n / batch_size)`` iterations;
* **full batch** uses all n training samples per iteration (one iteration per epoch),
  **SGD** one sample, **mini-batch** ``batch_size`` samples; the order is reshuffled
  at the start of every epoch (the last batch of an epoch may be smaller).

One iteration runs four phases, which :meth:`Trainer.step_phase` exposes one at a time
with the numbers of one inspected sample::

    forward   z = a_prev·W + b, a = f(z), layer by layer
    loss      L = mean over the batch (+ λ penalties)
    backward  δ = ∂L/∂z from the output back to the first layer; ∂L/∂W = a_prevᵀδ
    update    the optimizer moves every parameter against its gradient

Same seed, same settings and same data ⇒ bit-identical runs: weight initialisation,
shuffling and dropout each draw from their own stream of ``SeedSequence(seed)``.

The run keeps a **timeline** of the changes made to it while it trains (new settings,
weights typed in, new data), each with the iteration it was made at. Rewinding
restores a checkpoint and replays the iterations *with those changes at the same
moments*, so it lands bit for bit on the state that existed. Rewinding keeps the
abandoned future (its checkpoints and changes) so that the run can be scrubbed forward
again, until training goes on or a change is made from the earlier point.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol

import numpy as np

from .errors import SpecError
from .history import History
from .losses import accuracy, r2_score
from .memory import (CHECKPOINT_BUDGET, NEVER, TRAJECTORY_BUDGET, check_memory, checkpoint_capacity,
                     trajectory_capacity)
from .network import Network
from .optimizers import SGD, Optimizer, apply_settings, optimizer_from_config
from .probes import ProbeResult, probe
from .specs import NetworkSpec, TrainConfig

Array = np.ndarray

PHASES = ("forward", "loss", "backward", "update")

# np.dot without the __array_function__ dispatch, which costs as much as a small product
_dot = getattr(np.dot, "_implementation", np.dot)


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


class Trainer:
    """Trains a :class:`Network` on prepared data with a :class:`TrainConfig`.

    Parameters
    ----------
    spec : NetworkSpec
    config : TrainConfig
    data : TrainingData
        Prepared inputs and targets (``X_train`` of shape ``(n, spec.n_inputs)``).
    network : Network, optional
        Start from these weights instead of drawing new ones (cast to ``config.dtype``).
    checkpoint_budget : int
        Bytes that rewind checkpoints may use (their spacing widens to fit; a network too
        big for two keeps only iteration 0's, and rewinding replays from there).
    trajectory_budget : int
        Bytes that the training path may use besides its first point.
    memory_limit : int, optional
        Refuse (:class:`~nnstudio.core.memory.MemoryLimitError`, a SpecError) a network
        whose training would need more bytes than this, before building it (default
        :data:`nnstudio.core.memory.DEFAULT_LIMIT`).
    """

    #: a loss this many times the first one (or above it when the first is below 1) is "exploding"
    EXPLODE_FACTOR = 1e6

    def __init__(
        self,
        spec: NetworkSpec,
        config: TrainConfig,
        data: TrainingData,
        network: Network | None = None,
        checkpoint_budget: int = CHECKPOINT_BUDGET,
        trajectory_budget: int = TRAJECTORY_BUDGET,
        memory_limit: int | None = None,
        data_recipe: Any = None,
    ) -> None:
        self.spec = spec
        self.config = config
        self._check_data(spec, data)
        check_memory(spec, config, len(data.X_train), len(data.X_val), memory_limit,
                     checkpoint_budget=checkpoint_budget, trajectory_budget=trajectory_budget)
        self.data = data
        #: what the caller needs to make ``data`` again (the app's data settings); kept
        #: with checkpoints and data changes so a rewind can say which data it went back to
        self.data_recipe = data_recipe
        self._cast_data()
        self.checkpoint_budget = checkpoint_budget
        self.trajectory_budget = trajectory_budget
        self.history = History(len(spec.hidden) + 1)
        self._probe_net: Network | None = None
        self._init_run(network)

    def __getstate__(self) -> dict[str, Any]:
        # a trainer crosses to the app's training process whole; a half-stepped iteration
        # (a live generator) does not, so it is dropped as a precision switch drops it
        state = self.__dict__.copy()
        if state.get("_phase_gen") is not None:
            state["_phase_gen"] = None
            state["dropout_rng"] = np.random.default_rng()
            state["dropout_rng"].bit_generator.state = self._phase_rng_state
            state["timeline"] = self._settled_timeline()
        state["_drop_rng"] = None
        state["_chunk"] = state["_chunk_bufs"] = None  # gathered batches: made again on first use
        state["_zs"] = None  # scratch of the plain iterations
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "perm" in state:  # pickled before ``perm`` became a property
            state["_perm"] = state.pop("perm")
            state["_chunk"] = state["_chunk_bufs"] = None
        self.__dict__.update(state)
        self._drop_rng = self.dropout_rng if any(h.dropout > 0 for h in self.spec.hidden) else None

    def copy(self) -> "Trainer":
        """An independent copy of the run — weights, optimizer, history, checkpoints,
        timeline — sharing the data arrays with this one (training never writes to
        them). What the app keeps to undo an edit. A half-stepped iteration is not
        copied: the copy stands after the last whole iteration."""
        shared = [self.data, self.X, self.Xv, self.y, self.yv, self._yt, self._all_idx]
        shared += [c.data for c in self._checkpoints]
        shared += [c.value for c in self.timeline if c.kind == "data"]
        memo: dict[int, Any] = {id(obj): obj for obj in shared if obj is not None}
        return copy.deepcopy(self, memo)

    # ------------------------------------------------------------------ set-up / reset
    @staticmethod
    def _check_data(spec: NetworkSpec, data: TrainingData) -> None:
        X = data.X_train
        if X.ndim != 2 or X.shape[1] != spec.n_inputs:
            raise SpecError(
                f"the network has {spec.n_inputs} input(s) but the data has "
                f"{X.shape[1] if X.ndim == 2 else '?'} feature(s)"
            )
        if len(X) == 0:
            raise SpecError("there are no training samples")
        if data.task != spec.task:
            raise SpecError(f"the data is for {data.task} but the network is set up for {spec.task}")
        if spec.task == "multiclass" and data.n_classes != spec.n_outputs:
            raise SpecError(
                f"the data has {data.n_classes} classes but the network has {spec.n_outputs} outputs"
            )
        for name in ("X_train", "y_train", "X_val", "y_val"):
            arr = getattr(data, name)
            if arr.size and not np.all(np.isfinite(arr)):
                raise SpecError(f"the data contains NaN or infinite values ({name})")

    def _cast_data(self) -> None:
        dt = np.dtype(self.config.dtype)
        d = self.data
        self.X = np.ascontiguousarray(d.X_train, dtype=dt)
        self.Xv = np.ascontiguousarray(d.X_val, dtype=dt)
        if self.spec.task == "regression":
            self.y = np.ascontiguousarray(d.y_train, dtype=dt)
            self.yv = np.ascontiguousarray(d.y_val, dtype=dt)
        else:
            self.y = np.ascontiguousarray(d.y_train, dtype=np.intp)
            self.yv = np.ascontiguousarray(d.y_val, dtype=np.intp)
        self.n_train = len(self.X)
        # targets in the form the loss takes them without conversion: a float column for
        # binary and regression, class indices for multi-class
        self._yt = self.y if self.spec.task == "multiclass" else self.y.astype(dt).reshape(-1, 1)
        self._all_idx = np.arange(self.n_train)
        self._chunk = None
        self._chunk_bufs: tuple[Array, Array] | None = None
        self._refresh_batching()
        self._binary = self.spec.task == "binary"
        yr = np.asarray(d.y_train, dtype=np.float64)
        self._ss_tot = float(np.sum((yr - yr.mean()) ** 2)) if self.spec.task == "regression" and len(yr) else 0.0
        self._multiclass = self.spec.task == "multiclass"

    def _init_run(self, network: Network | None) -> None:
        cfg = self.config
        init_ss, shuffle_ss, dropout_ss = np.random.SeedSequence(cfg.seed).spawn(3)
        if network is None:
            self.network = Network(self.spec, np.random.default_rng(init_ss), cfg.dtype)
        else:
            if network.spec.layer_sizes != self.spec.layer_sizes:
                raise SpecError("the given weights do not fit the network's layer sizes")
            self.network = Network(self.spec, 0, cfg.dtype)
            self.network.set_flat(network.params)
        self.shuffle_rng = np.random.default_rng(shuffle_ss)
        self.dropout_rng = np.random.default_rng(dropout_ss)
        self._drop_rng = self.dropout_rng if any(h.dropout > 0 for h in self.spec.hidden) else None
        self.optimizer: Optimizer = optimizer_from_config(cfg)
        self.iteration = 0
        self.epoch = 0
        self.perm = np.arange(self.n_train)
        self.pos = 0
        self._new_epoch_order()
        self._reset_epoch_acc()
        self.best_value = math.inf
        self.best_params: Array | None = None
        self.best_epoch = -1
        self.wait = 0
        self.stopped: str | None = None
        self.stop_info: dict[str, Any] | None = None
        self.first_loss: float | None = None
        self._explode_at = math.inf
        self.initial_params = self.network.get_flat()
        self._prev = np.empty_like(self.network.params)
        self._w_sqrt_sizes = np.sqrt([s.stop - s.start for s in self.network.slices[0::2]])
        self._seg_starts = np.array([s.start for s in self.network.slices[0::2]]
                                    + [s.start for s in self.network.slices[1::2]], dtype=np.intp)
        self._seg_bounds = [(s.start, s.stop) for s in self.network.slices[0::2]] + \
                           [(s.start, s.stop) for s in self.network.slices[1::2]]
        self._set_overflow_limit()
        self._phase_gen: Iterator[PhaseRecord] | None = None
        self._last_phase: str | None = None
        self.last_record: StepRecord | None = None
        self.history.clear()
        self._set_lr_for_epoch()
        self._fit_budgets()
        #: the changes made to this run, oldest first (see :class:`Change`)
        self.timeline: list[Change] = []
        self._applied = 0  # how many timeline changes the present state includes
        self._future_end: int | None = None  # the furthest iteration of a kept future

    def _fit_budgets(self) -> None:
        """Start the checkpoints and the path at iteration 0, with as many of each as their
        budgets hold (see :func:`~nnstudio.core.memory.checkpoint_capacity`): a large
        network keeps fewer, down to iteration 0's alone, and is then never checkpointed
        (or its path recorded) again. Iteration 0's checkpoint and the path's first point
        share the initial weights, which the trainer keeps anyway."""
        n_params = self.network.n_params
        self._max_ckpts = checkpoint_capacity(n_params, self.n_train, self.checkpoint_budget)
        self._ckpt_interval = 16 if self._max_ckpts > 1 else NEVER
        first = self._capture()
        first.params = self.initial_params
        self._checkpoints: list[_State] = [first]
        self._traj_max = trajectory_capacity(n_params, self.trajectory_budget)
        self._traj_stride = 1 if self._traj_max > 1 else NEVER
        self._traj_iters: list[int] = [0]
        self._traj: list[Array] = [self.initial_params]

    def reset(self, seed: int | None = None) -> None:
        """New weights from the seed (the config's, or ``seed``), fresh optimizer, empty history."""
        if seed is not None:
            self.config = self.config.replace(seed=seed)
        self._finish_pending_phases(discard=True)
        self._init_run(None)

    # ---------------------------------------------------------------- live changes
    def set_config(self, config: TrainConfig) -> str:
        """Apply new training settings without losing the weights (recorded on the timeline).

        Returns a short sentence saying what happened (e.g. that the optimizer's
        memory was cleared because the optimizer changed).
        """
        if config == self.config:
            return "settings applied; the weights are kept"
        self._fork()
        note = self._apply_config(config)
        self._record(Change(self.iteration, "config", config, self.phase_in_progress))
        return note

    def set_data(self, data: TrainingData, recipe: Any = None) -> None:
        """Train on new data with the same weights (the epoch starts over); recorded on
        the timeline with ``recipe`` (what the caller needs to make the data again)."""
        self._check_data(self.spec, data)
        self._fork()
        self._apply_data(data, recipe)
        self._record(Change(self.iteration, "data", data, None, recipe))

    def set_weights(self, indices: Any, values: Any) -> None:
        """Set parameters by hand: ``indices`` into the flat parameter vector (see
        :class:`~nnstudio.core.network.Network`) and their new ``values`` (recorded on the
        timeline). Not while an iteration is being stepped phase by phase."""
        if self.phase_in_progress:
            raise SpecError("finish the iteration being stepped before editing a weight")
        idx = np.atleast_1d(np.asarray(indices, dtype=np.intp)).copy()
        vals = np.atleast_1d(np.asarray(values, dtype=self.network.dtype)).copy()
        n = self.network.params.size
        if idx.shape != vals.shape or idx.ndim != 1 or (idx.size and (idx.min() < -n or idx.max() >= n)):
            raise SpecError(f"weight indices must lie between 0 and {n - 1}, one value each")
        if not np.all(np.isfinite(vals)):
            raise SpecError("a weight must be a finite number")
        self._fork()
        self.network.params[idx] = vals
        self._record(Change(self.iteration, "weights", (idx, vals)))

    def _record(self, change: Change) -> None:
        self.timeline.append(change)
        self._applied = len(self.timeline)

    def _apply_change(self, change: Change) -> None:
        if change.kind == "config":
            self._apply_config(change.value)
        elif change.kind == "data":
            self._apply_data(change.value, change.recipe)
        else:
            idx, vals = change.value
            self.network.params[idx] = vals

    def _apply_config(self, config: TrainConfig) -> str:
        old = self.config
        self.config = config
        notes = []
        if config.dtype != old.dtype:
            # a half-stepped iteration holds arrays of the old network: start it over
            self._finish_pending_phases(discard=True)
            params = self.network.params.astype(config.dtype)
            self.network = Network(self.spec, 0, config.dtype)
            self.network.set_flat(params)
            self._prev = np.empty_like(self.network.params)
            self._set_overflow_limit()
            self._cast_data()
            self.optimizer.set_state({k: (v.astype(config.dtype) if isinstance(v, np.ndarray) else v)
                                      for k, v in self.optimizer.get_state().items()})
            if self.best_params is not None:
                self.best_params = self.best_params.astype(config.dtype)
            notes.append(f"precision is now {config.dtype}")
        if config.optimizer != old.optimizer:
            self.optimizer = optimizer_from_config(config)
            notes.append(f"switched to {config.optimizer}; its memory (velocities, averages) starts empty")
        else:
            apply_settings(self.optimizer, config)
        self._refresh_batching()
        if old.batch_mode == "full" and config.batch_mode != "full" and self.pos == 0:
            self._new_epoch_order()  # a full-batch epoch leaves the data in order: shuffle now
        self._set_lr_for_epoch()
        if config.early_stopping != old.early_stopping or config.target_metric != old.target_metric:
            self.best_value, self.best_params, self.best_epoch, self.wait = math.inf, None, -1, 0
        if self.stopped and self.stop_info and self.stop_info.get("kind") == "early_stopping":
            # the user changed the rules: let training go on
            self.stopped = None
        return "; ".join(notes) if notes else "settings applied; the weights are kept"

    def _apply_data(self, data: TrainingData, recipe: Any = None) -> None:
        self._finish_pending_phases(discard=True)
        self.data = data
        self.data_recipe = recipe
        self._cast_data()
        self.perm = np.arange(self.n_train)
        self.pos = 0
        self._new_epoch_order()
        self._reset_epoch_acc()

    # ---------------------------------------------------------------- batching
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

    def current_lr(self) -> float:
        """Learning rate of the current epoch under the schedule."""
        c = self.config
        if c.schedule == "step":
            return c.learning_rate * c.decay_rate ** (self.epoch // c.decay_epochs)
        if c.schedule == "exponential":
            return c.learning_rate * c.decay_rate**self.epoch
        return c.learning_rate

    def _set_lr_for_epoch(self) -> None:
        self.optimizer.lr = self.current_lr()

    def _reset_epoch_acc(self) -> None:
        self._epoch_ssr = 0.0
        self._epoch_loss_sum = 0.0
        self._epoch_batches = 0
        self._epoch_correct = 0
        self._epoch_seen = 0

    # ---------------------------------------------------------------- one iteration
    def step(self) -> StepRecord:
        """Run one iteration (finishing a phase-by-phase one if it is half done)."""
        self._fork()
        if self._phase_gen is not None:
            rec = None
            for ph in self._phase_gen:
                rec = ph.record
            self._phase_gen = None
            assert rec is not None
            return rec
        self._ensure_running()
        with np.errstate(all="ignore"):
            rec = self._iterate(True)
        assert rec is not None
        return rec

    def _ensure_running(self) -> None:
        if self.stopped:
            if (self.stop_info or {}).get("kind") == "divergence":
                hint = "Reset the weights (after lowering the learning rate) to go on."
            else:
                hint = "Change the stopping rule or reset the weights to go on."
            raise SpecError(f"training has stopped: {self.stopped}. {hint}")

    def _iterate(self, full: bool) -> StepRecord | None:
        """One iteration; builds a :class:`StepRecord` only when ``full`` (the hot loop
        of :meth:`run` skips it). Call inside ``np.errstate(all="ignore")``."""
        pos = self.pos
        if self._full_batch and pos == 0:
            idx, Xb, yb = self._all_idx, self.X, self._yt  # no copy for full batch
        else:
            idx, Xb, yb = self._batch(pos)
        net = self.network
        loss, step = net.train_step(Xb, yb, self._drop_rng)
        penalty = 0.0
        cfg = self.config
        if cfg.l1 or cfg.l2:
            penalty = net.penalty(cfg.l1, cfg.l2)
            net.add_penalty_grad(cfg.l1, cfg.l2)
        return self._update_and_finish(idx, yb, step.z[-1], loss, penalty, step.delta, full)

    #: from this many parameters on, segment norms are one BLAS dot per segment (no
    #: temporary, more accurate in float32); below it one reduceat costs fewer calls
    DOT_NORMS_FROM = 1 << 16

    def _segment_norms(self, arr: Array) -> tuple[Array, Array]:
        """‖·‖ of every layer's W segment and b segment of a flat vector."""
        L = self.network.n_layers
        if arr.size >= self.DOT_NORMS_FROM:
            dot = np.dot
            sums = np.array([dot(arr[a:b], arr[a:b]) for a, b in self._seg_bounds], dtype=np.float64)
        else:
            sums = np.add.reduceat(arr * arr, self._seg_starts)
        return np.sqrt(sums[:L]), np.sqrt(sums[L:])

    def _set_overflow_limit(self) -> None:
        # ‖p‖² below which the computed Σp² cannot overflow: a dot of n terms is within
        # a factor 1 + n·ε of the true sum, and a factor 4 covers the rounding of the update
        info = np.finfo(self.network.dtype)
        self._pp_limit = float(info.max) / (4.0 * (1.0 + self.network.n_params * float(info.eps)) ** 2)

    def _sgd_stays_finite(self, p: Array, gg: float) -> bool:
        """Whether the SGD step ``p − η·g`` (with ‖g‖² = ``gg``) surely leaves Σp²
        finite — then the step needs neither a copy of the weights to fall back on nor
        the check after it, which on a large network cost more than the step itself.
        ‖p − η·g‖ ≤ ‖p‖ + η‖g‖, so one dot of p now answers it."""
        if type(self.optimizer) is not SGD:
            return False
        pp = float(_dot(p, p))
        bound = math.sqrt(pp) + abs(self.optimizer.lr) * math.sqrt(gg)
        return bound * bound < self._pp_limit

    @staticmethod
    def _delta_rms(deltas: list[Array], batch: int) -> Array:
        out = np.empty(len(deltas))
        for i, delta in enumerate(deltas):
            d = delta.ravel()
            out[i] = math.sqrt(float(_dot(d, d)) / d.size) * batch
        return out

    def _update_and_finish(self, idx: Array, yb: Array, z: Array, loss: float, penalty: float,
                           deltas: list[Array], full: bool = True) -> StepRecord | None:
        net = self.network
        p, g = net.params, net.grads
        iteration = self.iteration + 1
        total = loss + penalty
        if self.first_loss is None and math.isfinite(total):
            self.first_loss = total
            self._explode_at = self.EXPLODE_FACTOR * max(total, 1.0)
        log = self.history.layers
        log_due = iteration % log.stride == 0
        if full or log_due:
            grad_norms, bias_norms = self._segment_norms(g)
            delta_rms = self._delta_rms(deltas, len(idx))
        # the same test whether or not the layer log is due: a replay, which may log at
        # other iterations, stops where the original run stopped
        gg = float(_dot(g, g))
        reason = None
        if not (total < self._explode_at and gg < math.inf):  # also catches NaN
            reason = self._divergence(total, gg, iteration)
        if reason is None:
            if not full and self._sgd_stays_finite(p, gg):
                self.optimizer.step(p, g)
            else:
                np.copyto(self._prev, p)
                self.optimizer.step(p, g)
                if not float(np.dot(p, p)) < math.inf:
                    np.copyto(p, self._prev)  # keep the last finite weights
                    reason = self._diverged_message("the weights became infinite", iteration)
        if reason is not None:
            return self._diverged(reason, iteration, idx, loss, penalty, deltas)
        lr = self.optimizer.lr
        self.iteration = iteration
        self.history.iterations.append((iteration, loss, lr))
        if log_due:
            log.append((iteration, *(grad_norms / self._w_sqrt_sizes), *delta_rms))
        # epoch bookkeeping (Keras-style: the epoch's training loss is the mean batch loss)
        n = len(idx)
        self._epoch_loss_sum += loss
        self._epoch_batches += 1
        if self._binary:
            self._epoch_correct += int(np.count_nonzero((z > 0) == (yb > 0.5)))
        elif self._multiclass:
            self._epoch_correct += int(np.count_nonzero(z.argmax(axis=1) == yb))
        else:
            r = (z - yb).ravel()
            self._epoch_ssr += float(np.dot(r, r))
        self._epoch_seen += n
        self.pos += n
        rec = None
        if full:
            self._prev -= p
            update_norms = self._segment_norms(self._prev)[0]
            rec = StepRecord(iteration, self.epoch, idx, loss, penalty, lr, grad_norms, bias_norms,
                             update_norms, delta_rms)
            self.last_record = rec
        if self.pos >= self.n_train:
            metrics = self._end_epoch()
            if rec is not None:
                rec.epoch_end = True
                rec.epoch_metrics = metrics
                rec.stopped = self.stopped
        if iteration % self._ckpt_interval == 0:
            self._checkpoint()
        if iteration % self._traj_stride == 0:
            self._record_trajectory()
        return rec

    def _diverged(self, reason: str, iteration: int, idx: Array, loss: float, penalty: float,
                  deltas: list[Array]) -> StepRecord:
        """Stop for divergence at ``iteration`` (not counted: its update is undone or
        was never made) and return its record."""
        self._stop(reason, "divergence", iteration)
        grad_norms, bias_norms = self._segment_norms(self.network.grads)
        rec = StepRecord(self.iteration, self.epoch, idx, loss, penalty, self.optimizer.lr, grad_norms,
                         bias_norms, np.zeros(self.network.n_layers), self._delta_rms(deltas, len(idx)),
                         stopped=reason)
        self.last_record = rec
        return rec

    def _run_plain(self, count: int) -> None:
        """``count`` iterations without records (or until training stops): what
        ``_iterate(False)`` does, bit for bit, with its common case inlined.

        An iteration that ends an epoch, is due for a checkpoint, has penalties, is the
        first, or shows a sign of divergence goes through
        :meth:`_iterate` / :meth:`_update_and_finish`; the others — almost all — only
        step, log the loss (the layer norms and the path when due) and add to the
        epoch's sums. Their correct-class counts are
        taken together when the run of plain iterations ends (an integer sum: the same
        in any order). Call inside ``np.errstate(all="ignore")``."""
        net = self.network
        p, g = net.params, net.grads
        opt = self.optimizer
        sgd = type(opt) is SGD
        log_loss = self.history.iterations.append
        layer_log = self.history.layers
        cfg = self.config
        plain_ok = not (cfg.l1 or cfg.l2) and not self._full_batch
        n_train = self.n_train
        prev = self._prev
        inf = math.inf
        sqrt = math.sqrt
        counting = self._binary or self._multiclass
        w_sqrt_sizes = self._w_sqrt_sizes
        done = 0
        while done < count and not self.stopped:
            it = self.iteration + 1
            # the next iteration that needs the general path
            event = min(it + (-it) % self._ckpt_interval, it + count - done - 1)
            if not plain_ok or self.first_loss is None:
                event = it
            b = self._b
            drop_rng = self._drop_rng
            explode_at = self._explode_at
            step_size = abs(opt.lr)  # the rate changes only where an epoch ends
            pp_limit = self._pp_limit
            tstep = net.step_for(b)
            z, deltas = tstep.z[-1], tstep.delta
            zs = self._epoch_outputs(z.shape[1], z.dtype) if counting else None
            pos = first = self.pos
            loss_sum = self._epoch_loss_sum
            ssr = self._epoch_ssr
            while it < event and pos + b < n_train:
                chunk = self._chunk
                if chunk is not None and chunk[0] <= pos and pos + b <= chunk[1]:
                    k = pos - chunk[0]
                    Xb, yb = chunk[2][k:k + b], chunk[3][k:k + b]
                else:
                    Xb, yb = self._batch(pos)[1:]
                loss = tstep(Xb, yb, drop_rng)
                gg = float(_dot(g, g))
                if not (loss < explode_at and gg < inf):  # the general path judges it
                    self._flush_plain(first, pos, zs, loss_sum, ssr)
                    self._update_and_finish(self._perm[pos:pos + b], yb, z, loss, 0.0, deltas, False)
                    done += 1
                    break
                safe = False
                if sgd:  # as _sgd_stays_finite: the step cannot overflow Σp², no copy needed
                    bound = sqrt(float(_dot(p, p))) + step_size * sqrt(gg)
                    safe = bound * bound < pp_limit
                if safe:
                    opt.step(p, g)
                else:
                    np.copyto(prev, p)
                    opt.step(p, g)
                    if not float(_dot(p, p)) < inf:
                        np.copyto(p, prev)  # keep the last finite weights
                        self._flush_plain(first, pos, zs, loss_sum, ssr)
                        self._diverged(self._diverged_message("the weights became infinite", it),
                                       it, self._perm[pos:pos + b], loss, 0.0, deltas)
                        break
                self.iteration = it
                log_loss((it, loss, opt.lr))
                if it % layer_log.stride == 0:
                    grad_norms = self._segment_norms(g)[0]
                    layer_log.append((it, *(grad_norms / w_sqrt_sizes), *self._delta_rms(deltas, b)))
                loss_sum += loss
                if zs is not None:
                    zs[pos:pos + b] = z
                else:
                    r = (z - yb).ravel()
                    ssr += float(_dot(r, r))
                pos += b
                if it % self._traj_stride == 0:
                    self._record_trajectory()
                done += 1
                it += 1
            else:
                self._flush_plain(first, pos, zs, loss_sum, ssr)
                if done < count and not self.stopped:
                    self._iterate(False)
                    done += 1

    def _epoch_outputs(self, k: int, dtype: np.dtype) -> Array:
        """A buffer for the output layer's z of every training sample, in epoch order."""
        zs = getattr(self, "_zs", None)
        if zs is None or zs.shape != (self.n_train, k) or zs.dtype != dtype:
            zs = self._zs = np.empty((self.n_train, k), dtype)
        return zs

    def _flush_plain(self, first: int, pos: int, zs: Array | None, loss_sum: float, ssr: float) -> None:
        """Book the plain iterations that covered the epoch's samples ``first:pos``."""
        if pos == first:
            return
        b = self._b
        self._epoch_batches += (pos - first) // b
        self._epoch_seen += pos - first
        self._epoch_loss_sum = loss_sum
        self._epoch_ssr = ssr
        self.pos = pos
        if zs is not None:
            z, y = zs[first:pos], self._yt[self._perm[first:pos]]
            if self._binary:
                self._epoch_correct += int(np.count_nonzero((z > 0) == (y > 0.5)))
            else:
                self._epoch_correct += int(np.count_nonzero(z.argmax(axis=1) == y))

    def _classes(self, z: Array) -> Array:
        if self.spec.task == "binary":
            return (z[:, 0] > 0).astype(np.intp)
        return np.argmax(z, axis=1)

    def _divergence(self, total: float, grad_sum: float, iteration: int) -> str | None:
        if not math.isfinite(total):
            what = "NaN (not a number)" if math.isnan(total) else "infinite"
            return self._diverged_message(f"the loss became {what}", iteration)
        if not math.isfinite(grad_sum):
            return self._diverged_message("the gradients became infinite", iteration)
        ref = max(self.first_loss or 1.0, 1.0)
        if total > self.EXPLODE_FACTOR * ref:
            return self._diverged_message(f"the loss exploded to {total:.3g}", iteration)
        return None

    def _diverged_message(self, what: str, iteration: int) -> str:
        lr = self.optimizer.lr
        return (f"{what} at iteration {iteration}: the learning rate {lr:g} is too large for this "
                f"network and data. The last finite weights are kept; lower the learning rate "
                f"(try {lr / 10:g}) and reset the weights.")

    def _stop(self, reason: str, kind: str, iteration: int) -> None:
        self.stopped = reason
        self.stop_info = {"kind": kind, "iteration": iteration, "epoch": self.epoch, "reason": reason}

    # ---------------------------------------------------------------- epochs
    def _metric(self, z: Array, y: Array) -> float:
        if self.spec.task == "regression":
            return r2_score(z, y)
        return accuracy(z, y, self.spec.task)

    def evaluate(self) -> dict[str, float]:
        """Loss and metric (accuracy, or R² for regression) on the training and validation sets,
        without dropout; the validation entries are nan when there is no validation set.
        Leaves the trainer untouched, even half-way through a phase-stepped iteration."""
        net = self.scratch_network()
        with np.errstate(all="ignore"):
            z = net.forward(self.X)
            out = {"loss": net.loss.value(z, self.y), "metric": self._metric(z, self.y)}
            if len(self.Xv):
                zv = net.forward(self.Xv)
                out["val_loss"] = net.loss.value(zv, self.yv)
                out["val_metric"] = self._metric(zv, self.yv)
            else:
                out["val_loss"] = out["val_metric"] = float("nan")
        return out

    def _end_epoch(self) -> dict[str, float]:
        net = self.network
        train_loss = self._epoch_loss_sum / max(1, self._epoch_batches)
        if self.spec.task == "regression":
            # like the accuracy, R² over the epoch's batches: 1 − Σ(ŷ − y)² / Σ(y − ȳ)²
            train_metric = 1.0 - self._epoch_ssr / self._ss_tot if self._ss_tot > 0 else float("nan")
        else:
            train_metric = self._epoch_correct / max(1, self._epoch_seen)
        val_loss = val_metric = float("nan")
        if len(self.Xv):
            with np.errstate(all="ignore"):
                zv = net.forward(self.Xv)
                val_loss = net.loss.value(zv, self.yv)
                val_metric = self._metric(zv, self.yv)
        self.epoch += 1
        lr = self.optimizer.lr
        self.history.epochs.append((self.epoch, self.iteration, train_loss, val_loss, train_metric, val_metric, lr))
        metrics = {"epoch": self.epoch, "loss": train_loss, "val_loss": val_loss,
                   "metric": train_metric, "val_metric": val_metric}
        self._early_stopping(metrics)
        self.pos = 0
        self._reset_epoch_acc()
        self._new_epoch_order()
        self._set_lr_for_epoch()
        return metrics

    def _early_stopping(self, m: dict[str, float]) -> None:
        cfg = self.config
        if cfg.early_stopping == "patience":
            monitored = m["val_loss"] if math.isfinite(m["val_loss"]) else m["loss"]
            if monitored < self.best_value - cfg.min_delta:
                self.best_value = monitored
                self.best_params = self.network.get_flat()
                self.best_epoch = self.epoch
                self.wait = 0
            else:
                self.wait += 1
                if self.wait >= cfg.patience:
                    which = "validation loss" if math.isfinite(m["val_loss"]) else "training loss"
                    msg = (f"early stopping after epoch {self.epoch}: the {which} has not improved for "
                           f"{cfg.patience} epochs (best {self.best_value:.4g} at epoch {self.best_epoch})")
                    if cfg.restore_best and self.best_params is not None:
                        self.network.set_flat(self.best_params)
                        msg += "; the weights of that best epoch are restored"
                    self._stop(msg, "early_stopping", self.iteration)
                    self.stop_info["best_epoch"] = self.best_epoch  # type: ignore[index]
        elif cfg.early_stopping == "target":
            key = cfg.target_metric
            name = {"accuracy": "metric", "val_accuracy": "val_metric", "r2": "metric",
                    "val_r2": "val_metric", "loss": "loss", "val_loss": "val_loss"}[key]
            value = m[name]
            if not math.isfinite(value):
                return
            reached = value <= cfg.target_value if "loss" in key else value >= cfg.target_value
            if reached:
                rel = "≤" if "loss" in key else "≥"
                self._stop(f"target reached after epoch {self.epoch}: {key} = {value:.4g} {rel} {cfg.target_value:g}",
                           "early_stopping", self.iteration)
                self.stop_info["best_epoch"] = self.epoch  # type: ignore[index]

    def run_epoch(self) -> StepRecord | None:
        """Iterate until the current epoch ends (or training stops); the last iteration's record."""
        if self.stopped:
            return None
        self._fork()
        self._finish_pending_phases(discard=False)
        epoch = self.epoch
        with np.errstate(all="ignore"):
            while not self.stopped:
                last = self.pos + self._batch_size() >= self.n_train
                rec = self._iterate(last)
                if self.epoch != epoch or (rec is not None and rec.stopped):
                    return rec
        return self.last_record

    def run(self, iterations: int | None = None, epochs: int | None = None) -> StepRecord | None:
        """Run ``iterations`` iterations or ``epochs`` whole epochs (stopping early if
        training stops); returns the record of the last iteration run, if any.

        This is the fast path: records are built only for the last iteration, and the
        per-layer log is filled at its own (decimated) rate.
        """
        rec = None
        if epochs is not None:
            for _ in range(epochs):
                if self.stopped:
                    break
                rec = self.run_epoch()
        if iterations:
            if self.stopped:
                return rec
            self._fork()
            self._finish_pending_phases(discard=False)
            with np.errstate(all="ignore"):
                self._run_plain(iterations - 1)
                if self.stopped:
                    return self.last_record
                rec = self._iterate(True)
                if self.stopped:
                    return self.last_record
        return rec

    # ---------------------------------------------------------------- phase by phase
    def step_phase(self, inspect: int | None = None) -> PhaseRecord:
        """Advance the current iteration by one phase (forward → loss → backward → update).

        ``inspect`` is the training-set index of the sample whose numbers are shown;
        if it is not in the current batch (or None), the batch's first sample is used.
        """
        if self._phase_gen is None:
            self._ensure_running()
            self._fork()
            self._phase_gen = self._phases(inspect)
        ph = next(self._phase_gen)
        if ph.phase == "update":
            self._phase_gen = None
        return ph

    @property
    def phase_in_progress(self) -> str | None:
        """The last phase shown of a half-done iteration, or None."""
        return self._last_phase if self._phase_gen is not None else None

    def _finish_pending_phases(self, discard: bool) -> None:
        if self._phase_gen is not None:
            if not discard:
                collections.deque(self._phase_gen, maxlen=0)  # run the iteration's remaining phases
            else:
                # the dropped iteration may have drawn dropout masks: undo those draws
                self.dropout_rng.bit_generator.state = self._phase_rng_state
                self.timeline = self._settled_timeline()
            self._phase_gen = None

    def _settled_timeline(self) -> list[Change]:
        """The timeline as it reads once the half-stepped iteration is dropped: the
        changes made during it stand between iterations, and replay there."""
        return [dataclasses.replace(c, phase=None)
                if k < self._applied and c.iteration == self.iteration and c.phase is not None else c
                for k, c in enumerate(self.timeline)]

    def _phases(self, inspect: int | None) -> Iterator[PhaseRecord]:
        net = self.network
        cfg = self.config
        self._phase_rng_state = self.dropout_rng.bit_generator.state
        idx = self._next_batch()
        Xb, yb = self.X[idx], self._yt[idx]
        hits = np.flatnonzero(idx == inspect) if inspect is not None else np.empty(0, np.intp)
        row = int(hits[0]) if len(hits) else 0
        own = inspect is not None and not len(hits) and 0 <= inspect < self.n_train
        sample = int(inspect) if own else int(idx[row])
        base = dict(iteration=self.iteration + 1, batch=idx.copy(), sample=sample,
                    x=self.X[sample].copy(), y=float(self.y[sample]), in_batch=not own)
        if own:  # a chosen sample outside this batch: its own numbers, worked out apart
            zs, acts, out_row, own_loss, own_deltas = self._sample_numbers(sample)
        with np.errstate(all="ignore"):
            z = net.forward(Xb, True, self._drop_rng)
        if not own:
            zs = [layer.z[row].copy() for layer in net.layers]  # type: ignore[index]
            acts = [layer.out[row].copy() for layer in net.layers[:-1]]  # type: ignore[index]
            out_row = net.loss.output(z[row:row + 1])[0].copy()
            acts.append(out_row)
        self._last_phase = "forward"
        yield PhaseRecord("forward", z=zs, a=acts, output=out_row, **base)

        with np.errstate(all="ignore"):
            loss, dz = net.loss.value_and_grad(z, yb)
            sample_loss = own_loss if own else float(net.loss.per_sample(z[row:row + 1], yb[row:row + 1])[0])
            penalty = net.penalty(cfg.l1, cfg.l2) if (cfg.l1 or cfg.l2) else 0.0
        formula = net.loss.formula
        if penalty:
            formula += "  + λ₁Σ|w| + λ₂Σw²"
        self._last_phase = "loss"
        yield PhaseRecord("loss", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula, **base)

        with np.errstate(all="ignore"):
            net.backward(dz)
            if cfg.l1 or cfg.l2:
                net.add_penalty_grad(cfg.l1, cfg.l2)
        n = len(idx)
        deltas = own_deltas if own else [layer.delta[row] * n for layer in net.layers]  # type: ignore[index]
        gW = [layer.gW.copy() for layer in net.layers]
        gb = [layer.gb.copy() for layer in net.layers]
        self._last_phase = "backward"
        yield PhaseRecord("backward", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula,
                          delta=deltas, grad_W=gW, grad_b=gb, **base)

        Wb = [layer.W.copy() for layer in net.layers]
        bb = [layer.b.copy() for layer in net.layers]
        lr = self.optimizer.lr
        with np.errstate(all="ignore"):
            rec = self._update_and_finish(idx, yb, z, loss, penalty, [layer.delta for layer in net.layers])
        self._last_phase = "update"
        yield PhaseRecord("update", z=zs, a=acts, output=out_row, sample_loss=sample_loss,
                          batch_loss=loss, penalty=penalty, loss_formula=formula,
                          delta=deltas, grad_W=gW, grad_b=gb, W_before=Wb, b_before=bb,
                          W_after=[layer.W.copy() for layer in net.layers],
                          b_after=[layer.b.copy() for layer in net.layers],
                          lr=lr, optimizer_rule=self.optimizer.describe(), record=rec, **base)

    def _sample_numbers(self, sample: int) -> tuple[list[Array], list[Array], Array, float, list[Array]]:
        """z, a, ŷ, the loss ℓ and δ = ∂ℓ/∂z of one training sample at the present weights
        (no dropout), on the scratch network: the trainer's own caches stay as they are."""
        net = self.scratch_network()
        x = self.X[sample:sample + 1]
        y = self._yt[sample:sample + 1]
        with np.errstate(all="ignore"):
            z = net.forward(x)
            zs = [layer.z[0].copy() for layer in net.layers]  # type: ignore[index]
            acts = [layer.out[0].copy() for layer in net.layers[:-1]]  # type: ignore[index]
            out = net.loss.output(z)[0].copy()
            acts.append(out)
            loss = float(net.loss.per_sample(z, y)[0])
            _value, dz = net.loss.value_and_grad(z, y)
            net.backward(dz)
        deltas = [layer.delta[0].copy() for layer in net.layers]  # type: ignore[index]
        return zs, acts, out, loss, deltas

    # ---------------------------------------------------------------- checkpoints / rewind
    def _capture(self, whole: bool = False) -> _State:
        """The state as of the last whole iteration (a half-stepped one is not part of
        it). ``whole``: an iteration has just completed inside the phase generator, so
        the dropout generator's present state is the one to keep."""
        dropout_state = (self._phase_rng_state if self._phase_gen is not None and not whole
                         else self.dropout_rng.bit_generator.state)
        return _State(
            iteration=self.iteration, epoch=self.epoch, params=self.network.get_flat(),
            opt_state=self.optimizer.get_state(),
            shuffle_rng=self.shuffle_rng.bit_generator.state,
            dropout_rng=dropout_state,
            perm=self.perm.copy(), pos=self.pos,
            epoch_loss_sum=self._epoch_loss_sum, epoch_batches=self._epoch_batches,
            epoch_correct=self._epoch_correct, epoch_seen=self._epoch_seen, epoch_ssr=self._epoch_ssr,
            best_value=self.best_value,
            best_params=None if self.best_params is None else self.best_params.copy(),
            best_epoch=self.best_epoch, wait=self.wait, stopped=self.stopped,
            first_loss=self.first_loss, config=self.config, data=self.data, data_recipe=self.data_recipe,
        )

    def _restore(self, s: _State) -> None:
        if s.config is not None and s.config != self.config:
            self._apply_config(s.config)  # optimizer kind and precision first: the state fits them
        if s.data is not None and s.data is not self.data:
            self._apply_data(s.data, s.data_recipe)
        self.iteration, self.epoch = s.iteration, s.epoch
        self.network.set_flat(s.params)
        self.optimizer.set_state(s.opt_state)
        self.shuffle_rng.bit_generator.state = s.shuffle_rng
        self.dropout_rng.bit_generator.state = s.dropout_rng
        self.perm, self.pos = s.perm.copy(), s.pos
        self._epoch_loss_sum, self._epoch_batches = s.epoch_loss_sum, s.epoch_batches
        self._epoch_correct, self._epoch_seen = s.epoch_correct, s.epoch_seen
        self._epoch_ssr = s.epoch_ssr
        self.best_value = s.best_value
        self.best_params = None if s.best_params is None else s.best_params.copy()
        self.best_epoch, self.wait = s.best_epoch, s.wait
        self.stopped = s.stopped
        if not self.stopped:
            self.stop_info = None
        self.first_loss = s.first_loss
        self._explode_at = math.inf if s.first_loss is None else self.EXPLODE_FACTOR * max(s.first_loss, 1.0)
        self._set_lr_for_epoch()

    def _checkpoint(self) -> None:
        if self._checkpoints and self._checkpoints[-1].iteration >= self.iteration:
            return  # replaying inside a kept future: its checkpoint is already there
        self._checkpoints.append(self._capture(whole=True))
        if len(self._checkpoints) > self._max_ckpts:
            # keep iteration 0 and every checkpoint on the doubled grid
            self._ckpt_interval *= 2
            self._checkpoints = [c for c in self._checkpoints if c.iteration % self._ckpt_interval == 0]

    @property
    def earliest_iteration(self) -> int:
        """The earliest iteration a rewind can reach: 0, or where a project's saved
        timeline starts (data changed before it that the file does not keep)."""
        return self._checkpoints[0].iteration

    def saveable_timeline(self) -> tuple[_State, list[Change]]:
        """What a project keeps of the timeline: a state from which the present can be
        replayed on the present data — the first checkpoint, or the moment of the last
        data change after it — and the changes of settings and weights made since.

        With :meth:`load_timeline` a reopened run rewinds exactly back to that state.
        (The state after a data change is made by replaying a copy once; it is cached.)
        """
        applied = (self._settled_timeline() if self._phase_gen is not None else self.timeline)[:self._applied]
        first = self._checkpoints[0]
        data_changes = [(k, c) for k, c in enumerate(applied) if c.kind == "data" and c.iteration >= first.iteration]
        if not data_changes:
            return first, [c for c in applied if c.iteration >= first.iteration]
        s = data_changes[-1][1].iteration
        key = (s, id(data_changes[-1][1]))
        cached = getattr(self, "_saved_start", None)
        if cached is not None and cached[0] == key:
            start = cached[1]
        else:
            copy = self.copy()
            copy.rewind(s)
            start = copy._capture()
            self._saved_start = (key, start)
        return start, [c for c in applied if c.kind != "data" and (c.iteration > s or (c.iteration == s and c.phase))]

    def load_timeline(self, start: _State, changes: list[Change]) -> None:
        """Take a saved timeline (see :meth:`saveable_timeline`) for this run, which must
        stand at its end: rewinding can then go back to ``start`` and replays the
        changes exactly. ``start`` is on this run's data."""
        if not start.iteration <= self.iteration or any(
                not start.iteration <= c.iteration <= self.iteration or c.kind == "data" for c in changes):
            raise SpecError("the saved timeline does not fit the saved run")
        start = dataclasses.replace(start, data=self.data, data_recipe=self.data_recipe)
        if start.iteration == 0 and np.array_equal(start.params, self.initial_params):
            start.params = self.initial_params  # the weights the trainer keeps anyway: one copy
        self._checkpoints = [start] + [c for c in self._checkpoints if c.iteration > start.iteration]
        self.timeline = list(changes)
        self._applied = len(self.timeline)
        self._future_end = None

    @property
    def furthest_iteration(self) -> int:
        """The furthest iteration the run has reached: the present one, or the end of
        the future kept after a rewind (which :meth:`rewind` can return to)."""
        return self.iteration if self._future_end is None else max(self.iteration, self._future_end)

    def _fork(self) -> None:
        """Training goes on (or a change is made) from a rewound point: the kept future,
        which no longer follows from here, is dropped."""
        if self._future_end is None:
            return
        self._future_end = None
        del self.timeline[self._applied:]
        self._checkpoints = [c for c in self._checkpoints if c.iteration <= self.iteration]
        keep = [i for i, it in enumerate(self._traj_iters) if it <= self.iteration]
        self._traj_iters = [self._traj_iters[i] for i in keep]
        self._traj = [self._traj[i] for i in keep]

    def rewind(self, iteration: int) -> None:
        """Go to the state right after ``iteration`` updates, exactly as it was.

        Restores the nearest checkpoint at or before ``iteration`` and replays the
        iterations in between, applying the changes of the timeline (settings, weights
        typed in, data) at the moments they were made: the replay is bit-identical to
        the original run. The state reached includes the changes made at ``iteration``
        itself. The future beyond is kept, so ``iteration`` may also lie ahead, up to
        :attr:`furthest_iteration`, until training goes on from here.
        """
        end = self.furthest_iteration
        first = self.earliest_iteration
        if not first <= iteration <= end:
            raise SpecError(f"can only rewind to an iteration between {first} and {end}")
        self._finish_pending_phases(discard=True)
        if self._future_end is None:
            self._future_end = self.iteration
        ckpt = max((c for c in self._checkpoints if c.iteration <= iteration), key=lambda c: c.iteration)
        self._restore(ckpt)
        self.history.truncate(ckpt.iteration)
        keep = [i for i, it in enumerate(self._traj_iters) if it <= ckpt.iteration]
        self._traj_iters = [self._traj_iters[i] for i in keep]
        self._traj = [self._traj[i] for i in keep]
        self.last_record = None
        # changes made before the checkpoint's iteration are part of it
        self._applied = next((k for k, c in enumerate(self.timeline) if c.iteration >= ckpt.iteration),
                             len(self.timeline))
        for change in self.timeline[self._applied:]:
            if change.iteration > iteration or (change.iteration == iteration and change.phase is not None):
                break  # made after the moment we go back to
            self._replay_to(change.iteration)
            if self.iteration != change.iteration:
                break  # the run had stopped before; so had the original
            if change.phase is not None:
                self._replay_phases_to(change.phase)
            self._apply_change(change)
            self._applied += 1
        self._replay_to(iteration)
        if self.iteration >= end:
            self._future_end = None  # back at the frontier: nothing is kept ahead

    def _replay_to(self, iteration: int) -> None:
        """Iterate (finishing a half-stepped iteration first) up to ``iteration``, or
        until the run stops, without touching the kept future."""
        with np.errstate(all="ignore"):
            if self._phase_gen is not None and self.iteration < iteration:
                collections.deque(self._phase_gen, maxlen=0)
                self._phase_gen = None
            while self.iteration < iteration and not self.stopped:
                rec = self._iterate(self.iteration + 1 == iteration)
                if rec is not None:
                    self.last_record = rec

    def _replay_phases_to(self, phase: str) -> None:
        """Step the next iteration phase by phase until ``phase`` has been shown."""
        if self._phase_gen is None:
            if self.stopped:
                return
            self._phase_gen = self._phases(None)
            self._last_phase = None
        while self._last_phase != phase:
            ph = next(self._phase_gen)
            if ph.phase == "update":
                self._phase_gen = None
                return

    @property
    def checkpoint_iterations(self) -> list[int]:
        return [c.iteration for c in self._checkpoints]

    # ---------------------------------------------------------------- trajectory
    def _record_trajectory(self) -> None:
        self._traj_iters.append(self.iteration)
        self._traj.append(self.network.get_flat())
        if len(self._traj) > self._traj_max:
            self._traj_stride *= 2
            keep = [i for i, it in enumerate(self._traj_iters) if it % self._traj_stride == 0]
            self._traj_iters = [self._traj_iters[i] for i in keep]
            self._traj = [self._traj[i] for i in keep]

    def trajectory_array(self) -> tuple[Array, Array]:
        """Iterations and parameter vectors visited, ``(m,)`` and ``(m, n_params)``, ending at now."""
        iters = list(self._traj_iters)
        pts = list(self._traj)
        if not iters or iters[-1] != self.iteration:
            iters.append(self.iteration)
            pts.append(self.network.get_flat())
        return np.asarray(iters), np.vstack(pts)

    # ---------------------------------------------------------------- probes
    def probe(self, max_samples: int = 512) -> ProbeResult:
        """Per-layer gradient and activation statistics at the current weights.

        Uses up to ``max_samples`` training samples spread evenly over the training
        set (the same ones every time, so successive probes are comparable). Leaves
        the trainer's own state untouched, even half-way through an iteration.
        """
        n = self.n_train
        idx = np.linspace(0, n - 1, min(n, max_samples)).round().astype(np.intp)
        return probe(self.network, self.X[idx], self.y[idx], self.scratch_network())

    def scratch_network(self) -> Network:
        """A network of the same shape holding the current weights, for evaluations
        that must not disturb the trainer's own caches (grids, probes)."""
        if self._probe_net is None or self._probe_net.dtype != self.network.dtype:
            self._probe_net = Network(self.spec, 0, self.network.dtype)
        self._probe_net.set_flat(self.network.params)
        return self._probe_net

    # ---------------------------------------------------------------- summaries
    def status(self) -> dict[str, Any]:
        """Counters for the status bar and the CLI."""
        return {
            "iteration": self.iteration,
            "epoch": self.epoch,
            "pos_in_epoch": self.pos,
            "iterations_per_epoch": self.iterations_per_epoch,
            "lr": self.optimizer.lr,
            "stopped": self.stopped,
        }
