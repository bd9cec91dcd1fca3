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

The run keeps a **timeline** of the changes made to it while it trains, and rewinds
exactly (:mod:`nnstudio.core.timeline`); an iteration can be stepped phase by phase
(:mod:`nnstudio.core.phases`); batches are cut in :mod:`nnstudio.core.trainer_batching`,
epochs end in :mod:`nnstudio.core.trainer_epochs`; the records are in
:mod:`nnstudio.core.trainer_records`.

Speed: an iteration computes in buffers allocated once
(:class:`~nnstudio.core.train_step.TrainStep`), and :meth:`Trainer.run` runs the
iterations that need no record in one inlined loop (:meth:`Trainer._run_plain`). Both
give bit for bit the numbers of the phase-by-phase path, which the timeline relies on.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Iterator

import numpy as np

from .divergence import Diagnosis, hint_for
from .errors import SpecError
from .history import History
from .memory import (CHECKPOINT_BUDGET, NEVER, TRAJECTORY_BUDGET, check_memory, checkpoint_capacity,
                     trajectory_capacity)
from .network import Network
from .optimizers import SGD, Optimizer, optimizer_from_config
from .phases import PhaseStepping
from .probes import ProbeResult, probe
from .project_limits import MAX_ITERATIONS
from .specs import NetworkSpec, TrainConfig
from .timeline import Timeline
from .trainer_batching import Batching
from .trainer_divergence import Divergence
from .trainer_epochs import Epochs
from .trainer_records import Change, PhaseRecord, StepRecord, TrainingData, _State

__all__ = ["PHASES", "Change", "PhaseRecord", "StepRecord", "Trainer", "TrainingData"]

Array = np.ndarray

PHASES = ("forward", "loss", "backward", "update")

# np.dot without the __array_function__ dispatch, which costs as much as a small product
_dot = getattr(np.dot, "_implementation", np.dot)
_multiply = np.multiply
_subtract = np.subtract


class Trainer(Timeline, PhaseStepping, Batching, Epochs, Divergence):
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

    def branch(self, spec: NetworkSpec | None = None, config: TrainConfig | None = None) -> "Trainer":
        """A second run going on from this one's present state with other settings and/or a
        network of the same layer sizes (other activations, dropout, loss): the same
        weights, optimizer memory (empty if the optimizer changes, see :meth:`set_config`),
        sample order, shuffling and dropout streams, and this run's history so far.

        The branch's own timeline starts here, so it cannot be rewound to before this
        moment (that past was made with this run's settings). A half-stepped iteration is
        not carried over. For a comparison of two runs (:mod:`nnstudio.core.comparison`).
        """
        b = self.copy()
        if spec is not None and spec != b.spec:
            if spec.layer_sizes != b.spec.layer_sizes or spec.task != b.spec.task:
                raise SpecError("a branch keeps the network's layer sizes and task; "
                                "a different architecture needs a new run")
            params = b.network.get_flat()
            b.spec = spec
            b.network = Network(spec, 0, b.network.dtype)
            b.network.set_flat(params)
            b._probe_net = None
            b._drop_rng = b.dropout_rng if any(h.dropout > 0 for h in spec.hidden) else None
        if config is not None and config != b.config:
            b._apply_config(config)
        b.timeline, b._applied, b._future_end, b._kept_logs = [], 0, None, None
        b._checkpoints = [b._capture()]
        b.__dict__.pop("_saved_start", None)
        keep = [i for i, it in enumerate(b._traj_iters) if it <= b.iteration]
        b._traj_iters = [b._traj_iters[i] for i in keep]
        b._traj = [b._traj[i] for i in keep]
        return b

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
        # keyed on the output, not the task, so that a two-class softmax is counted as one
        self._binary = self.spec.output_activation == "sigmoid"
        self._multiclass = self.spec.output_activation == "softmax"
        # targets in the form the loss takes them without conversion: class indices for a
        # softmax output, a float column for σ and regression outputs
        self._yt = self.y if self._multiclass else self.y.astype(dt).reshape(-1, 1)
        self._all_idx = np.arange(self.n_train)
        self._chunk = None
        self._chunk_bufs: tuple[Array, Array] | None = None
        self._refresh_batching()
        yr = np.asarray(d.y_train, dtype=np.float64)
        self._ss_tot = float(np.sum((yr - yr.mean()) ** 2)) if self.spec.task == "regression" and len(yr) else 0.0

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
        self._kept_logs = None  # the history and path at that iteration (see Timeline)

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
        self._stop_at_the_limit()
        self._ensure_running()
        with np.errstate(all="ignore"):
            rec = self._iterate(True)
        assert rec is not None
        return rec

    def _stop_at_the_limit(self) -> bool:
        """Stop a run that stands at :data:`MAX_ITERATIONS`, the most a saved project may
        hold (a run past it could be saved but never opened again); whether it did."""
        if self.iteration >= MAX_ITERATIONS and not self.stopped:
            self._stop(f"it reached {MAX_ITERATIONS:,} iterations, the most a run can have and still be "
                       "saved and opened again", "limit", self.iteration)
        return self.iteration >= MAX_ITERATIONS

    def _ensure_running(self) -> None:
        if self.stopped:
            info = self.stop_info or {}
            if info.get("kind") == "divergence":
                hint = hint_for(info.get("cause"))
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

    def _grad_square_sums(self, g: Array) -> tuple[float, list[float] | None]:
        """Σg², the number the divergence test reads, and on a large network the
        per-segment sums it is made of (W segments, then b segments).

        On a large network Σg² is the sum of the segments' own dots, so an iteration
        whose layer log is due reads its gradient norms from them instead of a second
        pass over g; a small network takes one dot. Either way the sum is the same at
        every iteration of a run, logged or not (a replay stops where the run stopped).
        """
        if g.size >= self.DOT_NORMS_FROM:
            sums = [float(_dot(g[a:b], g[a:b])) for a, b in self._seg_bounds]
            return sum(sums), sums
        return float(_dot(g, g)), None

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
        # the same test whether or not the layer log is due: a replay, which may log at
        # other iterations, stops where the original run stopped
        gg, sums = self._grad_square_sums(g)
        if full or log_due:
            if sums is not None:  # a large network's segment norms are these sums' roots
                roots = np.sqrt(np.array(sums))
                L = self.network.n_layers
                grad_norms, bias_norms = roots[:L], roots[L:]
            else:
                grad_norms, bias_norms = self._segment_norms(g)
            delta_rms = self._delta_rms(deltas, len(idx))
        reason = None
        if not (total < self._explode_at and gg < math.inf):  # also catches NaN
            reason = self._divergence(total, gg, iteration, loss, penalty)
        if reason is None:
            if not full and self._sgd_stays_finite(p, gg):
                self.optimizer.step(p, g)
            else:
                np.copyto(self._prev, p)
                self.optimizer.step(p, g)
                if not float(np.dot(p, p)) < math.inf:
                    np.copyto(p, self._prev)  # keep the last finite weights
                    reason = self._diagnose("the weights became infinite", iteration, loss, penalty)
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

    def _diverged(self, diagnosis: Diagnosis, iteration: int, idx: Array, loss: float, penalty: float,
                  deltas: list[Array]) -> StepRecord:
        """Stop for divergence at ``iteration`` (not counted: its update is undone or
        was never made) and return its record."""
        reason = diagnosis.message
        self._stop(reason, "divergence", iteration)
        self.stop_info["cause"] = diagnosis.cause
        total = loss + penalty
        if math.isfinite(total):  # the loss that stopped it, which the loss view marks
            self.stop_info["loss"] = float(total)
        grad_norms, bias_norms = self._segment_norms(self.network.grads)
        rec = StepRecord(self.iteration, self.epoch, idx, loss, penalty, self.optimizer.lr, grad_norms,
                         bias_norms, np.zeros(self.network.n_layers), self._delta_rms(deltas, len(idx)),
                         stopped=reason)
        self.last_record = rec
        return rec

    def _run_plain(self, count: int) -> None:
        """``count`` iterations without records (or until training stops): what
        ``_iterate(False)`` does, bit for bit, with its common case inlined.

        An iteration that ends an epoch with a shorter batch, is due for a checkpoint,
        has penalties, is the first, or shows a sign of divergence goes through
        :meth:`_iterate` / :meth:`_update_and_finish`; the others — almost all — only
        step, log the loss (the layer norms and the path when due) and add to the
        epoch's sums, and one whose whole batch ends the epoch then ends it (on a large
        network the general path cost a third of an iteration more there). Their
        correct-class counts are taken together when the run of plain iterations ends
        (an integer sum: the same in any order). Call inside
        ``np.errstate(all="ignore")``."""
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
        w_sqrt_list = w_sqrt_sizes.tolist()
        n_layers = len(w_sqrt_list)
        # a large network's Σg² is a sum over its segments (see _grad_square_sums)
        segments = [g[a:b] for a, b in self._seg_bounds] if g.size >= self.DOT_NORMS_FROM else None
        opt_state = opt.state
        dtype_type = p.dtype.type
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
            lr = dtype_type(opt.lr)  # as SGD.step passes it
            pp_limit = self._pp_limit
            tstep = net.step_for(b)
            z, deltas = tstep.z[-1], tstep.delta
            flat_deltas = [d.reshape(-1) for d in deltas]
            zs = self._epoch_outputs(z.shape[1], z.dtype) if counting else None
            pos = first = self.pos
            loss_sum = self._epoch_loss_sum
            ssr = self._epoch_ssr
            # an upper bound of ‖p‖ for SGD's overflow test, carried from step to step
            # (‖p − η·g‖ ≤ ‖p‖ + η‖g‖) instead of a dot of p at every step; measured
            # again every 256 steps, so that rounding never adds up to more than the
            # margin the limit leaves
            p_norm = -1.0
            while it < event and pos + b <= n_train:
                chunk = self._chunk
                if chunk is not None and chunk[0] <= pos and pos + b <= chunk[1]:
                    k = pos - chunk[0]
                    Xb, yb = chunk[2][k:k + b], chunk[3][k:k + b]
                else:
                    Xb, yb = self._batch(pos)[1:]
                loss = tstep(Xb, yb, drop_rng)
                if segments is not None:
                    sums = [float(_dot(v, v)) for v in segments]
                    gg = sum(sums)
                else:
                    gg = float(_dot(g, g))
                if not (loss < explode_at and gg < inf):  # the general path judges it
                    self._flush_plain(first, pos, zs, loss_sum, ssr)
                    self._update_and_finish(self._perm[pos:pos + b], yb, z, loss, 0.0, deltas, False)
                    done += 1
                    break
                # the layer log's row, when due, before the step (which may scale g in place)
                row = None
                if it % layer_log.stride == 0:
                    if segments is not None:  # the norms from the sums above
                        row = [it]
                        for i in range(n_layers):
                            row.append(sqrt(sums[i]) / w_sqrt_list[i])
                    else:
                        row = [it, *(self._segment_norms(g)[0] / w_sqrt_sizes)]
                    for d in flat_deltas:  # as _delta_rms
                        row.append(sqrt(float(_dot(d, d)) / d.size) * b)
                safe = False
                if sgd:  # as _sgd_stays_finite: the step cannot overflow Σp², no copy needed
                    if p_norm < 0.0 or not it & 255:
                        p_norm = sqrt(float(_dot(p, p)))
                    bound = p_norm + step_size * sqrt(gg)
                    safe = bound * bound < pp_limit
                if safe:
                    # SGD.step's p − η·g with η·g written over g, which nothing reads
                    # before the next step's backward: one array fewer to stream through
                    opt_state["step"] += 1
                    _multiply(g, lr, g)
                    _subtract(p, g, p)
                    p_norm = bound
                else:
                    np.copyto(prev, p)
                    opt.step(p, g)
                    pp = float(_dot(p, p))
                    if not pp < inf:
                        np.copyto(p, prev)  # keep the last finite weights
                        self._flush_plain(first, pos, zs, loss_sum, ssr)
                        self._diverged(self._diagnose("the weights became infinite", it, loss),
                                       it, self._perm[pos:pos + b], loss, 0.0, deltas)
                        break
                    p_norm = sqrt(pp)
                self.iteration = it
                log_loss((it, loss, opt.lr))
                if row is not None:
                    layer_log.append(row)
                loss_sum += loss
                if zs is not None:
                    zs[pos:pos + b] = z
                else:
                    r = (z - yb).ravel()
                    ssr += float(_dot(r, r))
                pos += b
                done += 1
                if pos == n_train:  # a whole last batch ended the epoch: end it as _iterate does
                    self._flush_plain(first, pos, zs, loss_sum, ssr)
                    self._end_epoch()
                    if it % self._traj_stride == 0:
                        self._record_trajectory()
                    break  # the new epoch's rate, order and weights (early stopping) come next
                if it % self._traj_stride == 0:
                    self._record_trajectory()
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
        if self.spec.output_activation == "sigmoid":
            return (z[:, 0] > 0).astype(np.intp)
        return np.argmax(z, axis=1)

    def _stop(self, reason: str, kind: str, iteration: int) -> None:
        self.stopped = reason
        self.stop_info = {"kind": kind, "iteration": iteration, "epoch": self.epoch, "reason": reason}

    def run_epoch(self) -> StepRecord | None:
        """Iterate until the current epoch ends (or training stops); the last iteration's record."""
        if self.stopped:
            return None
        self._fork()
        self._finish_pending_phases(discard=False)
        epoch = self.epoch
        with np.errstate(all="ignore"):
            while not self.stopped:
                if self._stop_at_the_limit():
                    break
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
            iterations = min(iterations, MAX_ITERATIONS - self.iteration)
            if self._stop_at_the_limit() or self.stopped:
                return rec
            self._fork()
            self._finish_pending_phases(discard=False)
            with np.errstate(all="ignore"):
                self._run_plain(iterations - 1)
                if self.stopped:
                    return self.last_record
                rec = self._iterate(True)
                if self._stop_at_the_limit():
                    rec.stopped = self.stopped
                if self.stopped:
                    return self.last_record
        return rec

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
