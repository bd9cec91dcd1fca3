"""Network and training specifications: plain, frozen, JSON round-trippable dataclasses.

A spec is validated when it is made, and the message of a :class:`SpecError` is meant
for the learner who typed the value ("a layer needs at least 1 neuron"), so the GUI can
show it next to the field and the CLI can print it.

``to_dict()`` gives plain JSON types; ``from_dict()`` is its inverse and refuses keys it
does not know, naming them, so a typo in a hand-edited project file is caught.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any, Mapping, TypeVar

from .activations import ACTIVATIONS
from .errors import SpecError
from .safetext import bounded, printable

TASKS = ("regression", "binary", "multiclass")

#: the losses each task can train with, its usual one first. Two classes can be learnt
#: either way: binary cross-entropy on one sigmoid unit (the default) or categorical
#: cross-entropy on a softmax over two units, one per class (Glorot & Bengio, 2010).
LOSSES_BY_TASK: dict[str, tuple[str, ...]] = {
    "regression": ("mse", "mae", "huber"),
    "binary": ("bce", "cce"),
    "multiclass": ("cce",),
}
#: the output activation each loss is fused with (see :mod:`nnstudio.core.losses`)
LOSS_OUTPUT = {"mse": "linear", "mae": "linear", "huber": "linear", "bce": "sigmoid", "cce": "softmax"}
#: the output activation of each task's usual loss
OUTPUT_ACTIVATION = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}

INITIALIZERS = (
    "zeros",
    "standard",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
BATCH_MODES = ("full", "sgd", "minibatch")
SCHEDULES = ("constant", "step", "exponential")
EARLY_STOPPING = ("off", "patience", "target")
TARGET_METRICS = ("accuracy", "val_accuracy", "loss", "val_loss", "r2", "val_r2")
#: the target metrics in words, as messages and panels write them
TARGET_METRIC_NAMES = {"accuracy": "training accuracy", "val_accuracy": "validation accuracy",
                       "loss": "training loss", "val_loss": "validation loss",
                       "r2": "training R²", "val_r2": "validation R²"}
DTYPES = ("float64", "float32")
#: the largest batch size, patience and epochs between decays: a batch of more samples than
#: a data set may have (1,000,000) is the whole set; a million epochs of patience never ends
#: (the app's boxes go up to this; a larger number from a file or the command line would not
#: fit them)
MAX_COUNT_SETTING = 1_000_000

T = TypeVar("T")


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise SpecError(message)


def _finite(x: float, what: str) -> None:
    _check(isinstance(x, (int, float)) and not isinstance(x, bool), f"{what} must be a number")
    try:
        finite = math.isfinite(x)
    except OverflowError:  # an int beyond float range, e.g. from a hand-edited file
        finite = False
    if not finite:
        raise SpecError(f"{what} must be a finite number, not {_shown(x)}")


def _integer(x: Any, what: str) -> None:
    if not (isinstance(x, int) and not isinstance(x, bool)):
        raise SpecError(f"{what} must be a whole number, not {_shown(x)}")
    if abs(x) >= 10**30:  # no setting is near it; the checks after this one write the number
        raise SpecError(f"{what} is far out of range: {_shown(x)}")


def _shown(x: Any) -> str:
    """``repr(x)`` for a message; an int too long to write in one (Python refuses past 4,300
    digits, and the message would be pages long) by its size."""
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**30:
        return f"a number of about {int(x.bit_length() * 0.30103) + 1:,} digits"
    return bounded(repr(x), 80)


def _from_dict(cls: type[T], data: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Check ``data`` is a mapping whose keys are fields of ``cls``; return a plain dict."""
    if not isinstance(data, Mapping):
        raise SpecError(f"{what} must be a JSON object, not {type(data).__name__}")
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise SpecError(f"{what} has unknown setting(s): {', '.join(unknown)}")
    return dict(data)


@dataclass(frozen=True)
class LayerSpec:
    """One hidden dense layer: ``a = dropout(f(a_prev · W + b))``.

    Parameters
    ----------
    units : int
        Number of neurons (≥ 1).
    activation : str
        Key of :data:`nnstudio.core.activations.ACTIVATIONS`.
    init : str
        Weight initialiser, one of :data:`INITIALIZERS`.
    bias_init : float
        Initial value of every bias of the layer.
    dropout : float
        Probability ``p`` of dropping each output of this layer while training
        (inverted dropout: kept outputs are scaled by ``1/(1−p)``).
    alpha : float or None
        The activation's parameter (α of leaky ReLU and ELU); None = its default.
    """

    units: int = 4
    activation: str = "tanh"
    init: str = "glorot_uniform"
    bias_init: float = 0.0
    dropout: float = 0.0
    alpha: float | None = None

    def __post_init__(self) -> None:
        _integer(self.units, "the number of neurons in a layer")
        _check(self.units >= 1, "a layer needs at least 1 neuron")
        _check(self.units <= 4096, f"a layer can have at most 4096 neurons, not {self.units}")
        _check(
            isinstance(self.activation, str) and self.activation in ACTIVATIONS,
            f"unknown activation '{self.activation}'; choose one of: {', '.join(ACTIVATIONS)}",
        )
        _check(self.init in INITIALIZERS,
               f"unknown initialiser '{self.init}'; choose one of: {', '.join(INITIALIZERS)}")
        _finite(self.bias_init, "the initial bias")
        _finite(self.dropout, "dropout")
        _check(0.0 <= self.dropout < 1.0,
               f"dropout is the probability of dropping a neuron: it must be at least 0 and below 1, not {self.dropout}")
        if self.alpha is not None:
            _finite(self.alpha, "α")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LayerSpec":
        return cls(**_from_dict(cls, data, "a layer"))


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected network: inputs → hidden layers → output layer → loss.

    The output layer follows from the task and the loss: one linear unit for
    regression; for two classes either one sigmoid unit with binary cross-entropy
    (``bce``, the default) or two softmax units with categorical cross-entropy
    (``cce``); one softmax unit per class for multi-class classification.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    hidden : tuple of LayerSpec
        Hidden layers, first to last; may be empty (a single neuron / linear model).
    task : str
        ``"regression"``, ``"binary"`` or ``"multiclass"``.
    n_outputs : int
        Output units: the number of classes for multi-class and for binary with
        ``cce`` (2), otherwise 1.
    loss : str or None
        ``mse``/``mae``/``huber`` for regression, ``bce`` or ``cce`` for binary,
        ``cce`` for multi-class; None picks the first of these for the task.
    output_init : str
        Initialiser of the output layer's weights.
    output_bias_init : float
        Initial value of the output biases.
    huber_delta : float
        δ of the Huber loss (PyTorch's default 1.0).
    """

    n_inputs: int = 2
    hidden: tuple[LayerSpec, ...] = (LayerSpec(8, "tanh"), LayerSpec(8, "tanh"))
    task: str = "binary"
    n_outputs: int = 1
    loss: str | None = None
    output_init: str = "glorot_uniform"
    output_bias_init: float = 0.0
    huber_delta: float = 1.0

    def __post_init__(self) -> None:
        _integer(self.n_inputs, "the number of inputs")
        _check(self.n_inputs >= 1, "the network needs at least 1 input")
        _check(self.task in TASKS, f"unknown task '{self.task}'; choose one of: {', '.join(TASKS)}")
        hidden = tuple(self.hidden)
        for h in hidden:
            _check(isinstance(h, LayerSpec), "each hidden layer must be a LayerSpec")
        _check(len(hidden) <= 64, f"at most 64 hidden layers, not {len(hidden)}")
        object.__setattr__(self, "hidden", hidden)
        _integer(self.n_outputs, "the number of outputs")
        allowed = LOSSES_BY_TASK[self.task]
        if self.loss is None:
            object.__setattr__(self, "loss", allowed[0])
        _check(isinstance(self.loss, str) and self.loss in allowed,
               f"the {printable(self.loss, 30)} loss does not fit a {self.task} task; use one of: {', '.join(allowed)}")
        if self.task == "multiclass":
            _check(self.n_outputs >= 2, "a multi-class network needs one output per class: at least 2")
        elif self.task == "binary" and self.loss == "cce":
            _check(self.n_outputs == 2, "a binary network with a softmax output (categorical cross-entropy) "
                                        f"has 2 output units, one per class, not {self.n_outputs}")
        elif self.task == "binary":
            _check(self.n_outputs == 1, "a binary network with a sigmoid output (binary cross-entropy) "
                                        f"has exactly 1 output unit, not {self.n_outputs}")
        else:
            _check(self.n_outputs == 1,
                   f"a {self.task} network has exactly 1 output unit, not {self.n_outputs}")
        _check(self.output_init in INITIALIZERS,
               f"unknown initialiser '{self.output_init}'; choose one of: {', '.join(INITIALIZERS)}")
        _finite(self.output_bias_init, "the initial output bias")
        _finite(self.huber_delta, "Huber's δ")
        _check(self.huber_delta > 0, "Huber's δ must be greater than 0")

    @property
    def output_activation(self) -> str:
        """``"linear"``, ``"sigmoid"`` or ``"softmax"``: the activation fused with the loss."""
        return LOSS_OUTPUT[self.loss or LOSSES_BY_TASK[self.task][0]]

    @property
    def two_way_softmax(self) -> bool:
        """True for two classes learnt by two softmax units (categorical cross-entropy)
        instead of one sigmoid unit: ŷ = (p(class 0), p(class 1))."""
        return self.task == "binary" and self.loss == "cce"

    def with_two_class_output(self, loss: str) -> "NetworkSpec":
        """This binary network with the output of ``loss``: ``"bce"`` (one sigmoid
        unit) or ``"cce"`` (two softmax units). A new output layer means new weights."""
        _check(self.task == "binary", "only a network for two classes can choose between a sigmoid and a softmax "
                                      f"output; this one is for {self.task}")
        _check(loss in LOSSES_BY_TASK["binary"],
               f"a two-class output is bce (one sigmoid unit) or cce (two softmax units), not {printable(loss, 30)}")
        return dataclasses.replace(self, loss=loss, n_outputs=2 if loss == "cce" else 1)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per layer including input and output, e.g. ``(2, 8, 8, 1)``."""
        return (self.n_inputs, *(h.units for h in self.hidden), self.n_outputs)

    @property
    def n_parameters(self) -> int:
        s = self.layer_sizes
        return sum(a * b + b for a, b in zip(s[:-1], s[1:]))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["hidden"] = [h.to_dict() for h in self.hidden]
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "NetworkSpec":
        d = _from_dict(cls, data, "the network")
        if "hidden" in d:
            if not isinstance(d["hidden"], (list, tuple)):
                raise SpecError("the network's hidden layers must be a list")
            d["hidden"] = tuple(LayerSpec.from_dict(h) for h in d["hidden"])
        return cls(**d)

    def replace(self, **changes: Any) -> "NetworkSpec":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimizer, learning rate, batches, regularisation, stopping, seed.

    Optimizer settings left as None take PyTorch's defaults (see
    :mod:`nnstudio.core.optimizers`).

    Parameters
    ----------
    optimizer : str
        One of :data:`OPTIMIZERS`.
    learning_rate : float
        Step size η (> 0).
    momentum : float
        μ for ``momentum`` and ``nesterov``.
    beta1, beta2 : float or None
        Adam/AdamW moment decay rates (default 0.9, 0.999).
    rho : float or None
        RMSProp's smoothing constant α (default 0.99).
    eps : float or None
        The optimizer's ε (AdaGrad 1e-10, RMSProp/Adam 1e-8).
    weight_decay : float
        AdamW's decoupled weight decay (default 0.01).
    batch_mode : str
        ``full`` (all training samples per update), ``sgd`` (one sample per update)
        or ``minibatch`` (``batch_size`` samples per update, reshuffled each epoch).
    batch_size : int
        Mini-batch size.
    schedule : str
        ``constant``; ``step``: η·γ^⌊epoch/decay_epochs⌋; ``exponential``: η·γ^epoch.
    decay_rate : float
        γ of the schedule.
    decay_epochs : int
        Epochs between step decays.
    l1, l2 : float
        Penalties λ₁·Σ|w| and λ₂·Σw² on the weights (not the biases).
    early_stopping : str
        ``off``; ``patience``: stop when the validation loss has not improved for
        ``patience`` epochs (restoring the best weights if ``restore_best``);
        ``target``: stop when ``target_metric`` reaches ``target_value``.
    seed : int
        Seeds weight initialisation, shuffling and dropout: same seed ⇒ same run.
    dtype : str
        ``float64`` (exact, default) or ``float32`` (faster).
    """

    optimizer: str = "sgd"
    learning_rate: float = 0.03
    momentum: float = 0.9
    beta1: float | None = None
    beta2: float | None = None
    rho: float | None = None
    eps: float | None = None
    weight_decay: float = 0.01
    batch_mode: str = "minibatch"
    batch_size: int = 10
    schedule: str = "constant"
    decay_rate: float = 0.5
    decay_epochs: int = 100
    l1: float = 0.0
    l2: float = 0.0
    early_stopping: str = "off"
    patience: int = 20
    min_delta: float = 0.0
    restore_best: bool = True
    target_metric: str = "val_accuracy"
    target_value: float = 0.9
    seed: int = 0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        _check(self.optimizer in OPTIMIZERS,
               f"unknown optimizer '{self.optimizer}'; choose one of: {', '.join(OPTIMIZERS)}")
        _finite(self.learning_rate, "the learning rate")
        _check(self.learning_rate > 0, f"the learning rate must be greater than 0, not {self.learning_rate}")
        _finite(self.momentum, "momentum")
        _check(0 <= self.momentum < 1, f"momentum must be at least 0 and below 1, not {self.momentum}")
        for name in ("beta1", "beta2", "rho"):
            v = getattr(self, name)
            if v is not None:
                _finite(v, name)
                _check(0 <= v < 1, f"{name} must be at least 0 and below 1, not {v}")
        if self.eps is not None:
            _finite(self.eps, "ε")
            _check(self.eps > 0, "ε must be greater than 0")
        _finite(self.weight_decay, "weight decay")
        _check(self.weight_decay >= 0, "weight decay cannot be negative")
        _check(self.batch_mode in BATCH_MODES,
               f"unknown batch mode '{self.batch_mode}'; choose one of: {', '.join(BATCH_MODES)}")
        _integer(self.batch_size, "the batch size")
        _check(self.batch_size >= 1, "a batch needs at least 1 sample")
        _check(self.batch_size <= MAX_COUNT_SETTING,
               f"a batch has at most {MAX_COUNT_SETTING:,} samples (the most a data set has), not {self.batch_size:,}")
        _check(self.schedule in SCHEDULES,
               f"unknown schedule '{self.schedule}'; choose one of: {', '.join(SCHEDULES)}")
        _finite(self.decay_rate, "the decay rate")
        _check(0 < self.decay_rate <= 1, f"the decay rate γ must be in (0, 1], not {self.decay_rate}")
        _integer(self.decay_epochs, "the epochs between decays")
        _check(self.decay_epochs >= 1, "the epochs between decays must be at least 1")
        _check(self.decay_epochs <= MAX_COUNT_SETTING,
               f"the epochs between decays are at most {MAX_COUNT_SETTING:,}, not {self.decay_epochs:,}")
        for name in ("l1", "l2"):
            v = getattr(self, name)
            _finite(v, f"the {name.upper()} penalty λ")
            _check(v >= 0, f"the {name.upper()} penalty λ cannot be negative")
        _check(self.early_stopping in EARLY_STOPPING,
               f"unknown early stopping '{self.early_stopping}'; choose one of: {', '.join(EARLY_STOPPING)}")
        _integer(self.patience, "patience")
        _check(self.patience >= 1, "patience must be at least 1 epoch")
        _check(self.patience <= MAX_COUNT_SETTING, f"patience is at most {MAX_COUNT_SETTING:,} epochs, not "
                                                   f"{self.patience:,}")
        _finite(self.min_delta, "the minimum improvement")
        _check(self.min_delta >= 0, "the minimum improvement cannot be negative")
        _check(self.target_metric in TARGET_METRICS,
               f"unknown target metric '{self.target_metric}'; choose one of: {', '.join(TARGET_METRICS)}")
        _check(isinstance(self.restore_best, bool), "restoring the best weights must be true or false")
        _finite(self.target_value, "the target value")
        _integer(self.seed, "the seed")
        _check(0 <= self.seed < 2**63, "the seed must be a whole number ≥ 0")
        _check(self.dtype in DTYPES, f"unknown precision '{self.dtype}'; choose float64 or float32")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainConfig":
        return cls(**_from_dict(cls, data, "the training settings"))

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


__all__ = [
    "MAX_COUNT_SETTING",
    "LayerSpec",
    "NetworkSpec",
    "TrainConfig",
    "TASKS",
    "LOSSES_BY_TASK",
    "LOSS_OUTPUT",
    "OUTPUT_ACTIVATION",
    "INITIALIZERS",
    "OPTIMIZERS",
    "BATCH_MODES",
    "SCHEDULES",
    "EARLY_STOPPING",
    "TARGET_METRICS",
    "TARGET_METRIC_NAMES",
    "DTYPES",
    "fit_network_to_data",
]


def fit_network_to_data(spec: NetworkSpec, n_inputs: int, task: str, n_classes: int = 0) -> NetworkSpec:
    """``spec`` with its input layer, output layer and loss made to fit the data.

    The hidden layers stay as they are; the number of inputs follows the data's
    features, the output follows the task (one unit, or one per class), and the loss
    is kept while the task stays the same (a two-class network keeps its sigmoid or
    softmax output), otherwise it becomes the new task's usual one: data with two
    classes after data with three get one sigmoid unit, as on first opening.
    """
    keep = spec.task == task and spec.loss in LOSSES_BY_TASK.get(task, ())
    loss = spec.loss if keep else None
    if task == "multiclass":
        n_outputs = n_classes
    else:
        n_outputs = 2 if task == "binary" and loss == "cce" else 1
    if (spec.n_inputs, spec.task, spec.n_outputs, spec.loss) == (n_inputs, task, n_outputs, loss):
        return spec
    return dataclasses.replace(spec, n_inputs=n_inputs, task=task, n_outputs=n_outputs, loss=loss)
