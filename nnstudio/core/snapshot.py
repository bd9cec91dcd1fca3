"""Snapshots: what the views are shown, copied out of a running trainer.

The app's worker thread owns the :class:`~nnstudio.core.trainer.Trainer`; the views
never touch it. Instead the worker builds a :class:`Snapshot` at most ~30 times a
second: plain copies of small arrays (weights, history, the network's output over the
input plane, per-layer statistics), which the GUI thread can read at leisure while
training goes on. Building one is NumPy only, so it is tested without a display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .log_feed import LogFeed, LogMirror, LogPiece
from .probes import ProbeResult
from .specs import TrainConfig
from .trainer import PhaseRecord, StepRecord, Trainer

Array = np.ndarray

#: the History logs a snapshot carries, and the Snapshot attribute of each
LOG_ATTRS = {"iterations": "iter_log", "epochs": "epoch_log", "layers": "layer_log"}


@dataclass
class Grid:
    """The network evaluated on a regular grid over a 2-D input plane.

    ``output[i, j]`` is the network output at ``(xs[j], ys[i])`` (row = y): the
    probability of the positive class for binary tasks (σ(z), or the second of two
    softmax units), the predicted class index for multi-class, the predicted value for
    regression. With a softmax output ``probs`` holds each class's probability.
    ``neurons[l]`` is the output of every unit of hidden layer ``l`` on the grid, shape
    ``(len(ys), len(xs), units)``, for "hover a neuron to see what it computes".
    """

    xs: Array
    ys: Array
    output: Array
    probs: Array | None = None
    neurons: list[Array] = field(default_factory=list)


@dataclass
class Snapshot:
    """A consistent copy of everything the views show, at one moment of training."""

    time: float
    iteration: int
    epoch: int
    pos_in_epoch: int
    iterations_per_epoch: int
    lr: float
    task: str
    layer_sizes: tuple[int, ...]
    activations: tuple[str, ...]  # per layer with weights; the output's is the loss's
    alphas: tuple[float | None, ...]  # each layer's activation parameter (None = its default)
    dropouts: tuple[float, ...]  # each layer's drop probability (0 for the output)
    weights: list[Array]  # W per layer (n_in, n_out)
    biases: list[Array]
    grads_W: list[Array]  # gradient of the last iteration (zeros before the first)
    grads_b: list[Array]
    iter_log: Array  # History.iterations rows: iteration, loss, lr
    epoch_log: Array  # History.epochs rows: epoch, iteration, loss, val_loss, metric, val_metric, lr
    layer_log: Array  # History.layers rows: iteration, g1..gL, d1..dL
    last: StepRecord | None
    stopped: str | None
    stop_info: dict[str, Any] | None
    best_epoch: int
    optimizer: str
    optimizer_state: dict[str, Any]
    grid: Grid | None = None
    probes: ProbeResult | None = None
    phase: PhaseRecord | None = None
    iterations_per_second: float = 0.0
    playing: bool = False  # the worker was training continuously when it took this
    config: TrainConfig | None = None  # the settings in force (they change on rewinding)
    furthest_iteration: int = 0  # the end of the run, or of the future kept after a rewind
    earliest_iteration: int = 0  # the earliest iteration a rewind can reach
    data_recipe: Any = None  # the caller's token for the data being trained on
    #: loss and metric at the current weights on the whole training and validation sets
    #: (``Trainer.evaluate``), and the iteration they were computed at
    evaluation: dict[str, float] | None = None
    evaluated_at: int = -1
    has_validation: bool = False
    #: sent by the engine instead of the whole logs (see :mod:`.log_feed`); the window's
    #: reader rebuilds ``iter_log``, ``epoch_log`` and ``layer_log`` from them
    log_pieces: dict[str, LogPiece] | None = None
    #: the loss trained on (``NetworkSpec.loss``) and Huber's δ, so that a view can give
    #: each sample's loss as the engine computes it; "" in snapshots made without them
    loss: str = ""
    huber_delta: float = 1.0
    #: run B of a comparison (:mod:`.comparison`), at the same iteration count, with the
    #: same inspected sample; None when one run trains. ``b.b`` is always None.
    b: "Snapshot | None" = None
    #: B's legend, naming what it changes ("B: η = 0.3"), and how B was made
    b_label: str = ""
    b_note: str = ""
    #: sent by the engine while playing when run B had no newer snapshot ready: the window's
    #: reader puts the B snapshot it received last in ``b``
    b_unchanged: bool = False
    #: which run in the engine this is of: the window numbers each run it puts there (a new
    #: network, a project, undo's restored run), so that a snapshot of the run replaced,
    #: still on its way, can be told from the new run's; 0 where no one numbers them
    run_id: int = 0

    def fill_logs(self, mirror: LogMirror) -> None:
        """Rebuild the history arrays from ``log_pieces`` (on the receiving side)."""
        if self.log_pieces is None:
            return
        for name, attr in LOG_ATTRS.items():
            piece = self.log_pieces.get(name)
            if piece is not None:
                setattr(self, attr, mirror.apply(name, piece))
        self.log_pieces = None

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    @property
    def train_loss(self) -> float:
        return float(self.epoch_log[-1, 2]) if len(self.epoch_log) else (
            float(self.iter_log[-1, 1]) if len(self.iter_log) else float("nan"))

    @property
    def val_loss(self) -> float:
        return float(self.epoch_log[-1, 3]) if len(self.epoch_log) else float("nan")

    @property
    def metric(self) -> float:
        return float(self.epoch_log[-1, 4]) if len(self.epoch_log) else float("nan")

    @property
    def val_metric(self) -> float:
        return float(self.epoch_log[-1, 5]) if len(self.epoch_log) else float("nan")


def evaluate_grid(trainer: Trainer, domain: tuple[tuple[float, float], ...],
                  transform: Any, resolution: int = 64, neurons: bool = True) -> Grid:
    """The network's output (and each hidden unit's) over the raw input space.

    For 2-D raw inputs: a ``resolution²`` grid over the plane. For 1-D inputs (a
    regression curve): ``4·resolution`` points along the line, ``ys`` empty and
    ``output`` 1-D. ``transform`` maps raw points to network inputs (feature maps and
    standardisation: ``PreparedData.transform``).
    """
    one_d = len(domain) == 1
    if one_d:
        (x0, x1), = domain
        xs = np.linspace(x0, x1, 4 * resolution)
        ys = np.empty(0)
        raw = xs[:, None]
        shape: tuple[int, ...] = (len(xs),)
    else:
        (x0, x1), (y0, y1) = domain[:2]
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)
        raw = np.column_stack([gx.ravel(), gy.ravel()])
        shape = (resolution, resolution)
    X = np.asarray(transform(raw), dtype=trainer.network.dtype)
    net = trainer.scratch_network()
    with np.errstate(all="ignore"):
        z = net.forward(X)
        out = net.loss.output(z)
    probs = None
    if trainer.spec.output_activation == "softmax":
        probs = out.reshape(*shape, -1)
        # two softmax units read like one sigmoid unit: p(class 1)
        best = out[:, 1] if trainer.spec.task == "binary" else out.argmax(axis=1)
        output = best.reshape(shape).astype(float)
    else:
        output = out[:, 0].reshape(shape)
    hidden = []
    if neurons:
        # float32 is plenty to colour a neuron's map; values past its range (an ELU with
        # a huge α) are drawn at its largest, not cast to ±inf with an overflow warning
        big = float(np.finfo(np.float32).max)
        for layer in net.layers[:-1]:
            out = np.asarray(layer.out).reshape(*shape, -1)
            hidden.append(np.clip(out, -big, big).astype(np.float32))
    return Grid(xs, ys, output.astype(np.float64), probs, hidden)


def make_snapshot(
    trainer: Trainer,
    grid: Grid | None = None,
    probes: ProbeResult | None = None,
    phase: PhaseRecord | None = None,
    iterations_per_second: float = 0.0,
    evaluation: tuple[int, dict[str, float]] | None = None,
    feed: LogFeed | None = None,
) -> Snapshot:
    """Copy what the views need out of ``trainer`` (call on the thread that owns it).

    With a ``feed``, the history logs are sent as pieces (only what the receiver does not
    have yet) and the receiver calls :meth:`Snapshot.fill_logs`."""
    net = trainer.network
    h = trainer.history
    pieces = None
    if feed is not None:
        pieces = {name: feed.piece(name, getattr(h, name)) for name in LOG_ATTRS}
        empty = np.empty((0, 0))
    acts = tuple(h.activation for h in trainer.spec.hidden) + (trainer.spec.output_activation,)
    opt_state = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in trainer.optimizer.state.items()}
    return Snapshot(
        time=time.monotonic(),
        iteration=trainer.iteration,
        epoch=trainer.epoch,
        pos_in_epoch=trainer.pos,
        iterations_per_epoch=trainer.iterations_per_epoch,
        lr=trainer.optimizer.lr,
        task=trainer.spec.task,
        layer_sizes=trainer.spec.layer_sizes,
        activations=acts,
        alphas=tuple(h.alpha for h in trainer.spec.hidden) + (None,),
        dropouts=tuple(h.dropout for h in trainer.spec.hidden) + (0.0,),
        weights=[layer.W.copy() for layer in net.layers],
        biases=[layer.b.copy() for layer in net.layers],
        grads_W=[layer.gW.copy() for layer in net.layers],
        grads_b=[layer.gb.copy() for layer in net.layers],
        iter_log=h.iterations.array() if pieces is None else empty,
        epoch_log=h.epochs.array() if pieces is None else empty,
        layer_log=h.layers.array() if pieces is None else empty,
        last=trainer.last_record,
        stopped=trainer.stopped,
        stop_info=dict(trainer.stop_info) if trainer.stop_info else None,
        best_epoch=trainer.best_epoch,
        optimizer=trainer.optimizer.key,
        optimizer_state=opt_state,
        grid=grid,
        probes=probes,
        phase=phase,
        iterations_per_second=iterations_per_second,
        config=trainer.config,
        furthest_iteration=trainer.furthest_iteration,
        earliest_iteration=trainer.earliest_iteration,
        data_recipe=trainer.data_recipe,
        evaluation=None if evaluation is None else dict(evaluation[1]),
        evaluated_at=-1 if evaluation is None else int(evaluation[0]),
        has_validation=len(trainer.Xv) > 0,
        log_pieces=pieces,
        loss=trainer.spec.loss or "",
        huber_delta=float(trainer.spec.huber_delta),
    )
