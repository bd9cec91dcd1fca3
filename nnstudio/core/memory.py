"""How much memory training a network takes, estimated from its size before it is built.

The designer allows 64 layers of 4096 neurons: hundreds of millions of weights, far more
than a laptop can train. Rather than let such a network die of ``MemoryError`` half-way
through being built (or freeze the machine while it swaps), every way of starting
training — the designer, the command line, opening a project or a lesson — first asks
:func:`check_memory`, which refuses a network whose estimate exceeds a limit and says
what the memory would go to.

What the estimate counts (``P`` parameters of ``b`` bytes each, ``B`` samples per batch,
``u`` units in a layer):

========================== ====================================================================
part                       what
========================== ====================================================================
weights and gradients      the weights and gradients, the copy the divergence guard keeps,
                           the initial weights, the best weights of early stopping, and the
                           second network that probes and the decision grid run on: ~6·P·b
optimizer                  the optimizer's state (Adam: two arrays of P) and the temporaries
                           of one update
activations                one training batch: every layer's z, f(z) and δ (and dropout's
                           mask), plus the largest layer's temporaries: ~3·B·u·b per layer
evaluation                 a pass over the whole validation (or training) set, the probes'
                           pass over up to 512 samples and the decision grid's 64×64 points
                           through every layer (:func:`~nnstudio.core.snapshot.evaluate_grid`)
views                      the snapshots sent to the window: copies of the weights,
                           gradients, optimizer state, every hidden unit over the grid and
                           the history, several in flight at once
checkpoints and path       rewind checkpoints and the trajectory, within their budgets
loss surface               the directions and path of the loss-surface view and its
                           temporaries (kept under ``landscape.MEMORY_BUDGET``)
history and data           the loss and gradient logs, the data's working copies
========================== ====================================================================

The estimate is an upper bound of what one training session (the engine process and
the window's copy of what it draws) allocates; ``tests/core/test_memory.py`` measures
real runs with ``tracemalloc`` and checks that it is never below and at most about twice
what they use.

The checkpoint and trajectory budgets are kept for every network size:
:func:`checkpoint_capacity` and :func:`trajectory_capacity` tell the trainer how many of
each fit, down to none at all besides iteration 0's (rewinding then replays from there).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SpecError
from .optimizers import OPTIMIZER_CLASSES, OPTIMIZER_INFO
from .specs import NetworkSpec, TrainConfig

_MiB = 2**20
_GiB = 2**30

#: The default limit of :func:`check_memory`: 2 GiB for one training session.
#:
#: A fixed number, not a share of this machine's memory, so that a project or a lesson
#: that opens on one computer opens on every other one, and tests are deterministic.
#: 2 GiB is a quarter of an 8 GB laptop, the smallest machine learners commonly have,
#: which leaves room for the system, a browser and the rest of the window. The networks
#: worth studying here fit (on 400 points: 2 × 8 tanh, 25 MB; 8 × 256 with Adam, 0.7 GB;
#: 4 × 1024 with Adam, 1.9 GB); what it refuses (2 × 2048 with Adam, 2.4 GB; 50 × 2048,
#: 89 GB) trains a handful of iterations a second, too slowly to watch, and would swap
#: or crash a laptop.
DEFAULT_LIMIT = 2 * _GiB
#: bytes rewind checkpoints may use (besides iteration 0's, which shares the initial weights)
CHECKPOINT_BUDGET = 64 * _MiB
#: bytes the training path (trajectory) may use (besides its first point, the initial weights)
TRAJECTORY_BUDGET = 32 * _MiB
MAX_CHECKPOINTS = 256
MAX_TRAJECTORY_POINTS = 2048
#: points of the decision grid: the app evaluates 64×64 points over a 2-D input plane
#: (256 along a line for 1-D inputs); counted for every network, as the trainer does not
#: know whether its inputs will be drawn
GRID_POINTS = 64 * 64
#: samples a probe (per-layer statistics) runs on; see ``Trainer.probe``
PROBE_SAMPLES = 512
#: rows each history log holds (``History``'s capacity)
HISTORY_ROWS = 8192
#: Copies of a snapshot that can exist at once: in the engine the snapshot and its
#: pickled bytes, whose buffer grows by reallocation (up to twice their size while being
#: written); in the window the snapshot on show, the bytes arriving and the new snapshot
#: being unpickled from them.
SNAPSHOT_COPIES = 6
#: an iteration number never reached: the interval of checkpoints that are never taken
NEVER = (1 << 62) - 1  # below the largest counter a project file may hold

#: per activation: peak bytes per element while computing f(z) (output included) and
#: f′ (output included) at float64 and float32, measured with tracemalloc and rounded
#: up. GELU's exact erfc runs through Python floats, hence its large numbers.
_F_BYTES = {
    "linear": (0, 0), "sigmoid": (40, 20), "tanh": (8, 4), "relu": (8, 4), "leaky_relu": (24, 12),
    "elu": (24, 12), "selu": (24, 12), "softplus": (32, 16), "gelu": (56, 48), "swish": (40, 20),
    "softsign": (24, 12),
}
_DF_BYTES = {
    "linear": (8, 4), "sigmoid": (8, 4), "tanh": (8, 4), "relu": (1, 1), "leaky_relu": (16, 12),
    "elu": (24, 12), "selu": (24, 12), "softplus": (40, 20), "gelu": (64, 48), "swish": (40, 20),
    "softsign": (32, 16),
}
#: temporaries of one optimizer update, in arrays of P (measured; float32 keeps more of them)
_UPDATE_TEMPS = {"sgd": 1, "momentum": 1, "nesterov": 2, "adagrad": 3, "rmsprop": 3, "adam": 3, "adamw": 3}
#: a probe's statistics of one layer (slopes, masks, squares, histograms): bytes per
#: (sample, unit) element, measured
_PROBE_STAT_BYTES = 96
#: the loss-surface view keeps its own temporaries under this (``landscape.MEMORY_BUDGET``)
_SURFACE_TEMPS = 160 * _MiB
#: rows of the surface's chunks: at least 256, about 12 row-sized arrays alive at once
#: (see ``landscape._chunk_rows``)
_SURFACE_ROWS, _SURFACE_ARRAYS = 256, 12
#: Python objects, generator states and small arrays of a run that do not grow with the network
_BASE = 1 * _MiB


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training session needs, by what they are for (see the module docstring)."""

    parameters: int
    optimizer: int
    activations: int
    evaluation: int
    views: int
    checkpoints: int
    surface: int
    history: int
    data: int
    optimizer_key: str = "sgd"
    batch: int = 1

    @property
    def total(self) -> int:
        return (self.parameters + self.optimizer + self.activations + self.evaluation + self.views
                + self.checkpoints + self.surface + self.history + self.data)

    def parts(self) -> list[tuple[str, int]]:
        """``(name, bytes)`` of every part, largest first, named for a learner."""
        name = OPTIMIZER_INFO[self.optimizer_key][0]
        opt = "the updates" if not OPTIMIZER_CLASSES[self.optimizer_key].state_names else f"{name}'s memory"
        parts = [
            ("weights and gradients", self.parameters),
            (opt, self.optimizer),
            (f"activations (batch of {self.batch:,})", self.activations),
            ("evaluation passes", self.evaluation),
            ("copies for the views", self.views),
            ("checkpoints and path", self.checkpoints),
            ("loss surface", self.surface),
            ("history", self.history),
            ("data", self.data),
        ]
        return sorted(parts, key=lambda p: -p[1])


def format_bytes(n: float) -> str:
    """Short text for a number of bytes: ``"850 kB"``, ``"2 MB"``, ``"3.1 GB"`` (powers of 1024)."""
    for unit, size in (("GB", _GiB), ("MB", _MiB), ("kB", 1024)):
        if n >= size or unit == "kB":
            v = n / size
            text = f"{v:.1f}" if v < 9.95 else f"{v:.0f}"
            return f"{text.removesuffix('.0')} {unit}"
    raise AssertionError("unreachable")


def checkpoint_bytes(n_params: int, n_train: int) -> int:
    """The most one rewind checkpoint can take: the weights, two optimizer arrays (Adam's)
    and the best weights of early stopping, all in float64, and the epoch's order.

    The largest case is counted whatever the current settings, because settings change
    while training goes on (a switch to Adam or to float64 applies live) and the number
    of checkpoints is decided once, when the trainer starts.
    """
    return 4 * 8 * n_params + 8 * n_train + 4096


def checkpoint_capacity(n_params: int, n_train: int, budget: int) -> int:
    """How many rewind checkpoints the trainer may hold, counting iteration 0's.

    While one more is taken, the trainer briefly holds one over this number before it
    thins them; iteration 0's shares the initial weights and costs next to nothing. So
    ``capacity × checkpoint_bytes ≤ budget`` keeps the budget at every moment. Below 2
    no checkpoint is taken after iteration 0's: rewinding replays from there.
    """
    n = min(MAX_CHECKPOINTS, max(0, budget) // checkpoint_bytes(n_params, n_train))
    return n if n >= 2 else 1


def trajectory_capacity(n_params: int, budget: int) -> int:
    """How many points the training path may hold, its first (the initial weights, which
    it shares) included; an even number, or 1 when not even two more points fit.

    As for checkpoints, one point more is held while the path is thinned, so
    ``capacity × point ≤ budget`` with a point counted in float64 (a live switch of
    precision keeps the points already taken).
    """
    n = min(MAX_TRAJECTORY_POINTS, max(0, budget) // (8 * max(1, n_params)))
    n -= n % 2
    return n if n >= 2 else 1


def batch_size(config: TrainConfig, n_train: int) -> int:
    """Samples per iteration, as the trainer takes them."""
    if config.batch_mode == "full":
        return max(1, n_train)
    if config.batch_mode == "sgd":
        return 1
    return max(1, min(config.batch_size, n_train))


def _pass_bytes(spec: NetworkSpec, n: int, b: int, i64: int) -> tuple[int, int]:
    """A forward pass over n samples without dropout: (bytes kept in the layers' caches,
    peak of temporaries), ``i64`` = 0 for float64 and 1 for float32 columns."""
    kept = temps = 0
    for h in spec.hidden:
        kept += 2 * n * h.units * b  # z and f(z)
        temps = max(temps, n * h.units * max(0, _F_BYTES[h.activation][i64] - b))
    kept += n * spec.n_outputs * b
    temps = max(temps, 6 * n * spec.n_outputs * 8)  # the loss and metric on the outputs
    return kept, temps


def estimate_training_memory(
    spec: NetworkSpec,
    config: TrainConfig,
    n_train: int,
    n_val: int,
    *,
    checkpoint_budget: int = CHECKPOINT_BUDGET,
    trajectory_budget: int = TRAJECTORY_BUDGET,
    grid_points: int = GRID_POINTS,
    probe_samples: int = PROBE_SAMPLES,
) -> MemoryEstimate:
    """The memory training ``spec`` with ``config`` on ``n_train`` training and ``n_val``
    validation samples needs, by part (see the module docstring). Nothing is allocated.
    """
    n_train, n_val = max(1, int(n_train)), max(0, int(n_val))
    b = 4 if config.dtype == "float32" else 8
    i64 = 1 if b == 4 else 0
    sizes = spec.layer_sizes
    P = spec.n_parameters
    pairs = list(zip(sizes[:-1], sizes[1:]))
    max_w = max(a * c for a, c in pairs)
    hidden_units = sum(h.units for h in spec.hidden)
    n_layers = len(pairs)
    n_out = spec.n_outputs

    # weights, gradients, the divergence guard's copy, the initial weights, the scratch
    # network's weights and gradients; while that one is built, one layer's random draw
    parameters = 6 * P * b + max_w * (8 + b)
    if config.early_stopping == "patience":
        parameters += P * b

    k = len(OPTIMIZER_CLASSES[config.optimizer].state_names)
    optimizer = (k + _UPDATE_TEMPS[config.optimizer]) * P * b

    # one training batch: z, f(z) and δ of every layer (dropout: its mask and output
    # too), and the temporaries of the largest step forward or back
    B = batch_size(config, n_train)
    kept = B * sizes[0] * b + 2 * B * 8 + 2 * B * n_out * b  # inputs, targets, output z and δ
    temps = 6 * B * n_out * 8  # the loss
    for (n_in, u), h in zip(pairs, spec.hidden):
        kept += 3 * B * u * b
        fwd = B * u * max(0, _F_BYTES[h.activation][i64] - b)
        bwd = B * u * (b + _DF_BYTES[h.activation][i64]) + B * n_in * b
        if h.dropout > 0:
            kept += 2 * B * u * b
            fwd = max(fwd, B * u * (8 + 1 + b))
            bwd += B * u * b
        temps = max(temps, fwd, bwd)
    activations = kept + temps

    # the validation pass at every epoch's end (the command line also evaluates the
    # training set), the probes' forward and backward pass, the decision grid
    eval_kept, eval_temps = _pass_bytes(spec, max(n_train, n_val), b, i64)
    m = min(n_train, probe_samples)
    probe_kept, probe_temps = _pass_bytes(spec, m, b, i64)
    probe_kept += sum(m * u * b for _, u in pairs)  # δ of every layer
    probe_temps = max([probe_temps] + [m * u * _PROBE_STAT_BYTES + n_in * u * (b + 8) for n_in, u in pairs])
    grid_kept, grid_temps = _pass_bytes(spec, grid_points, b, i64)
    grid_kept += 4 * grid_points * (sizes[0] + 2) * 8  # the raw points and their features
    evaluation = eval_kept + probe_kept + grid_kept + max(eval_temps, probe_temps, grid_temps)

    # what one snapshot copies: weights, gradients, the optimizer's arrays, every hidden
    # unit over the grid (float32), the grid's outputs, the history logs and the probes
    history_cols = len(("x", "loss", "lr")) + 7 + 1 + 2 * n_layers
    snapshot = ((2 + k) * P * b + grid_points * hidden_units * 4 + grid_points * 8 * (2 + n_out)
                + HISTORY_ROWS * history_cols * 8 + n_layers * 4096)
    views = SNAPSHOT_COPIES * snapshot

    ckpt_n = checkpoint_capacity(P, n_train, checkpoint_budget)
    traj_n = trajectory_capacity(P, trajectory_budget)
    checkpoints = (ckpt_n * checkpoint_bytes(P, n_train) if ckpt_n > 1 else 0) + 8 * n_train
    trajectory = traj_n * 8 * P if traj_n > 1 else 0
    checkpoints += trajectory

    # the loss surface: centre, directions and the layers' copies of them; the path (the
    # points kept and the current one) as one array, centred, squared; the temporaries of
    # its chunks of grid points, at most the landscape's own budget
    path_points = (traj_n if traj_n > 1 else 1) + 1
    widest = max(max(sizes), 1)
    chunk = _SURFACE_ARRAYS * max(128 * 1024, _SURFACE_ROWS * widest * b) + 2 * _MiB
    surface = 6 * P * 8 + 3 * path_points * P * 8 + min(_SURFACE_TEMPS, chunk)

    history = HISTORY_ROWS * history_cols * 8
    # the data in the engine and the trainer's working copies of it (inputs, targets, orders)
    data = 2 * (n_train + n_val) * (sizes[0] + 2) * 8 + 3 * n_train * 8 + _BASE
    return MemoryEstimate(parameters, optimizer, activations, evaluation, views, checkpoints, surface,
                          history, data, config.optimizer, B)


class MemoryLimitError(SpecError):
    """A network would need more memory to train than the limit allows."""


def memory_message(estimate: MemoryEstimate, limit: int) -> str:
    """Why a network is refused, in one short sentence with the biggest parts."""
    parts = ", ".join(f"{name} {format_bytes(n)}" for name, n in estimate.parts()[:3])
    largest = estimate.parts()[0][0]
    advice = "use fewer or smaller layers"
    if largest.startswith("activations") or largest.startswith("evaluation"):
        advice += ", or fewer samples per batch"
    return (f"this network would need about {format_bytes(estimate.total)} to train ({parts}); "
            f"the limit is {format_bytes(limit)}: {advice}")


def check_memory(
    spec: NetworkSpec,
    config: TrainConfig,
    n_train: int,
    n_val: int,
    limit: int | None = None,
    **options: int,
) -> MemoryEstimate:
    """The estimate (see :func:`estimate_training_memory`, which takes ``options``), or
    :class:`MemoryLimitError` (a :class:`SpecError`) saying what it comes to when it is
    over ``limit`` bytes (default :data:`DEFAULT_LIMIT`)."""
    limit = DEFAULT_LIMIT if limit is None else int(limit)
    estimate = estimate_training_memory(spec, config, n_train, n_val, **options)
    if estimate.total > limit:
        raise MemoryLimitError(memory_message(estimate, limit))
    return estimate


__all__ = [
    "DEFAULT_LIMIT",
    "CHECKPOINT_BUDGET",
    "TRAJECTORY_BUDGET",
    "GRID_POINTS",
    "MemoryEstimate",
    "MemoryLimitError",
    "batch_size",
    "checkpoint_bytes",
    "checkpoint_capacity",
    "trajectory_capacity",
    "estimate_training_memory",
    "check_memory",
    "memory_message",
    "format_bytes",
]
