"""The words of the Compare dialog, without Qt: run B's changes as text, A's present
values, and what B will start from.

:func:`changes_text` writes a :class:`~nnstudio.core.run_changes.RunChanges` in the syntax
:meth:`RunChanges.parse` reads (``"lr=0.3 optimizer=adam"``), exactly: parsing the text
gives back the same changes, numbers bit for bit. :func:`start_note` says, before B is
made, what :meth:`Comparison.fork <nnstudio.core.comparison.Comparison.fork>` will do: go
on from A's weights, or draw new ones.
"""

from __future__ import annotations

from typing import Any

from ..core.activations import ACTIVATIONS
from ..core.initializers import INIT_NAMES
from ..core.number_text import number_text
from ..core.optimizers import OPTIMIZER_INFO
from ..core.run_changes import RunChanges
from ..core.specs import NetworkSpec, TrainConfig

#: the short key written for the learning rate (RunChanges reads ``lr`` as ``learning_rate``)
SHORT_KEYS = {"learning_rate": "lr"}
BATCH_NAMES = {"full": "Full batch", "sgd": "SGD (1 sample)", "minibatch": "Mini-batch"}
LOSS_NAMES = {"bce": "One sigmoid unit (bce)", "cce": "Two softmax units (cce)", "mse": "Mean squared error (mse)",
              "mae": "Mean absolute error (mae)", "huber": "Huber"}


def value_text(value: Any) -> str:
    """One value as :meth:`RunChanges.parse` reads it back unchanged: ``0.3``, ``1e-05``,
    ``8,8`` (a tuple), ``none`` (None, or no hidden layer), ``true``."""
    if isinstance(value, tuple):
        return ",".join(value_text(v) for v in value) if value else "none"  # none: no hidden layer
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        short = f"{value:g}"  # 0.03, 1e-05, 0 ...
        return short if float(short) == value else repr(value)  # repr: the shortest exact text
    return str(value)


def changes_text(changes: RunChanges) -> str:
    """``changes`` as the text :meth:`RunChanges.parse` reads: ``"lr=0.3 optimizer=adam"``."""
    return " ".join(f"{SHORT_KEYS.get(k, k)}={value_text(v)}" for k, v in changes.items)


def present_value(key: str, spec: NetworkSpec, config: TrainConfig) -> Any:
    """A's present value of ``key`` in the form :class:`RunChanges` holds it: one value, or
    a tuple of one per hidden layer when the layers differ."""
    if key == "hidden":
        return tuple(h.units for h in spec.hidden)
    if key in ("activation", "init", "dropout", "alpha", "bias_init"):
        values = tuple(getattr(h, key) for h in spec.hidden)
        return values[0] if len(set(values)) == 1 else values
    if key in ("loss", "output_init", "output_bias_init", "huber_delta"):
        return getattr(spec, key)
    return getattr(config, key)


def display_value(key: str, value: Any) -> str:
    """A value as the learner reads it: ``"Adam"``, ``"He / Kaiming uniform"``, ``"8, 8"``."""
    if key == "hidden":
        return ", ".join(map(str, value)) if value else "no hidden layer"
    if isinstance(value, tuple):
        return ", ".join(display_value(key, v) for v in value) if value else "no hidden layer"
    if key == "optimizer":
        return OPTIMIZER_INFO.get(value, (str(value),))[0]
    if key == "batch_mode":
        return BATCH_NAMES.get(value, str(value))
    if key == "activation":
        return ACTIVATIONS[value].name if value in ACTIVATIONS else str(value)
    if key in ("init", "output_init"):
        return INIT_NAMES.get(value, str(value))
    if key == "loss":
        return LOSS_NAMES.get(value, str(value))
    if isinstance(value, float):
        return number_text(value, 6)  # "10⁻⁵", as the app writes numbers
    return str(value)


def start_note(changes: RunChanges, spec: NetworkSpec, config: TrainConfig, spec_b: NetworkSpec,
               config_b: TrainConfig, iteration: int = 0) -> str:
    """What B will start from, by the rule of :meth:`Comparison.fork`: A's present weights
    (the same layer sizes and no new initialiser or seed) or new ones.

    ``spec``/``config`` are A's, ``spec_b``/``config_b`` B's (``changes.apply``), and
    ``iteration`` A's present iteration.
    """
    if changes.fresh_weights or spec_b.layer_sizes != spec.layer_sizes:
        what = "another architecture" if spec_b.layer_sizes != spec.layer_sizes else "other initial weights"
        note = f"New weights: B has {what}, drawn afresh from seed {config_b.seed}"
        if iteration:
            return note + f" and trained with its settings from iteration 0 to iteration {iteration}."
        return note + "."
    note = "A's weights: B goes on from A's present weights and sees the same batches in the same order"
    if config_b.optimizer != config.optimizer:
        note += f"; its optimizer ({display_value('optimizer', config_b.optimizer)}) starts with empty memory"
    elif iteration:
        note += "; it keeps the optimizer's memory"
    return note + "."


__all__ = ["BATCH_NAMES", "LOSS_NAMES", "changes_text", "display_value", "present_value", "start_note",
           "value_text"]
