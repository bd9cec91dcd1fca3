"""The settings that run B of a comparison changes, as a learner writes and reads them.

A :class:`RunChanges` is an ordered list of ``key = value`` pairs. A key is any field of
:class:`~nnstudio.core.specs.TrainConfig` (``learning_rate`` or its short forms ``lr``
and ``eta``, ``optimizer``, ``momentum``, ``batch_mode``, ``batch_size``, ``l1``, ``l2``,
``seed``, ``dtype``, …) or one of the network's settings:

``activation``, ``init``, ``dropout``, ``alpha``, ``bias_init``
    of the hidden layers: one value for all, or one per layer separated by commas;
``hidden``
    the hidden layer sizes, e.g. ``16,16`` (a new architecture; ``none`` for no hidden layer);
``output_init``, ``output_bias_init``, ``loss``, ``huber_delta``
    of the output layer (for two classes, ``loss=cce`` makes it two softmax units and
    ``loss=bce`` one sigmoid unit).

As text (the CLI's ``--compare``), pairs are separated by spaces or semicolons:
``"lr=0.3 optimizer=adam"``, ``"activation=relu;init=he_uniform"``.

:meth:`RunChanges.label` names the difference for a legend: ``"B: η = 0.3"``,
``"B: ReLU instead of tanh"``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .activations import ACTIVATIONS
from .errors import SpecError
from .initializers import INIT_NAMES
from .number_text import number_text
from .optimizers import OPTIMIZER_INFO
from .safetext import bounded, printable
from .specs import LayerSpec, NetworkSpec, TrainConfig

#: short names a learner may type for TrainConfig fields
ALIASES = {"lr": "learning_rate", "eta": "learning_rate", "η": "learning_rate", "mu": "momentum",
           "μ": "momentum", "batch": "batch_size", "optimiser": "optimizer", "initializer": "init",
           "initialiser": "init", "activations": "activation", "layers": "hidden"}
#: settings of every hidden layer (one value, or one per layer)
LAYER_KEYS = ("activation", "init", "dropout", "alpha", "bias_init")
#: settings of the network as a whole
NETWORK_KEYS = ("hidden", "output_init", "output_bias_init", "loss", "huber_delta")
TRAIN_KEYS = tuple(f.name for f in dataclasses.fields(TrainConfig))
KEYS = TRAIN_KEYS + LAYER_KEYS + NETWORK_KEYS
#: changes that give run B new initial weights (drawn from the seed) rather than A's
FRESH_WEIGHT_KEYS = ("hidden", "init", "bias_init", "output_init", "output_bias_init", "seed")
#: at most this many changes (a comparison names one or a few differences)
MAX_CHANGES = 32
#: the longest text :meth:`RunChanges.parse` reads (the CLI's ``--compare``, a lesson step's ``compare``)
MAX_TEXT = 2000

_TYPES = {f.name: str(f.type) for f in dataclasses.fields(TrainConfig)}
_LAYER_TYPES = {"activation": "str", "init": "str", "dropout": "float", "alpha": "float | None",
                "bias_init": "float"}
_NETWORK_TYPES = {"output_init": "str", "output_bias_init": "float", "loss": "str", "huber_delta": "float"}
_SYMBOLS = {"learning_rate": "η", "momentum": "μ", "beta1": "β₁", "beta2": "β₂", "rho": "α (RMSProp)",
            "eps": "ε", "weight_decay": "weight decay", "l1": "L1 λ", "l2": "L2 λ", "decay_rate": "γ",
            "batch_size": "batch size", "dropout": "dropout", "alpha": "α", "seed": "seed",
            "patience": "patience", "huber_delta": "Huber δ"}
_TWO_CLASS_OUTPUTS = {"bce": "one sigmoid unit (bce)", "cce": "two softmax units (cce)"}
_BATCH_NAMES = {"full": "full batch", "sgd": "SGD (1 sample)", "minibatch": "mini-batch"}


def _number(text: str, kind: str, key: str) -> Any:
    if "None" in kind and text.lower() in ("none", "default"):
        return None
    if kind.startswith("bool"):
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise SpecError(f"{key} must be true or false, not '{printable(text, 30)}'")
    try:
        if kind.startswith("int"):
            return int(text)
        value = float(text)
    except ValueError:
        raise SpecError(f"{key} must be a number, not '{printable(text, 30)}'") from None
    if not math.isfinite(value):
        raise SpecError(f"{key} must be a finite number, not '{printable(text, 30)}'")
    return value


def _parse_value(key: str, text: str) -> Any:
    if key == "hidden":
        if text.strip().lower() in ("", "none", "0"):
            return ()
        try:
            return tuple(int(s) for s in text.split(","))
        except ValueError:
            raise SpecError(f"hidden must be layer sizes like 16,16, not '{printable(text, 30)}'") from None
    if key in LAYER_KEYS:
        parts = [_number(p.strip(), _LAYER_TYPES[key], key) if _LAYER_TYPES[key] != "str" else p.strip()
                 for p in text.split(",")]
        return parts[0] if len(parts) == 1 else tuple(parts)
    kind = _TYPES.get(key) or _NETWORK_TYPES[key]
    return text.strip() if kind.startswith("str") else _number(text.strip(), kind, key)


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _per_layer(value: Any, n: int, key: str) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise SpecError(f"{key} has {len(value)} values but the network has {n} hidden layer(s)")
        return tuple(value)
    return (value,) * n


@dataclass(frozen=True)
class RunChanges:
    """What run B changes with respect to run A, in the order given.

    ``items`` holds ``(key, value)`` pairs with canonical keys (see the module notes);
    a layer setting's value is one value for all hidden layers or a tuple of one per layer.
    """

    items: tuple[tuple[str, Any], ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise SpecError("a comparison needs at least one change, e.g. lr=0.3")
        if len(self.items) > MAX_CHANGES:
            raise SpecError(f"a comparison changes at most {MAX_CHANGES} settings")
        seen = set()
        for key, _ in self.items:
            if key not in KEYS:
                raise SpecError(f"unknown setting '{printable(key, 30)}' to compare; use a training setting "
                                f"(lr, optimizer, batch_mode, l2, …) or activation, init, dropout, hidden")
            if key in seen:
                raise SpecError(f"{key} is changed twice")
            seen.add(key)

    # ------------------------------------------------------------------ making
    @classmethod
    def parse(cls, text: str) -> "RunChanges":
        """Read ``"lr=0.3 optimizer=adam"`` (pairs separated by spaces or semicolons).

        Raises
        ------
        SpecError
            Naming the pair that cannot be read.
        """
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise SpecError("the changes to compare must be a short text like lr=0.3")
        items = []
        for pair in (p for p in re.split(r"[\s;]+", text.strip()) if p):
            key, sep, value = pair.partition("=")
            if not sep or not key or not value:
                raise SpecError(f"'{printable(pair, 40)}' is not a change; write setting=value, e.g. lr=0.3")
            key = ALIASES.get(key.lower(), key.lower())
            if key not in KEYS:
                raise SpecError(f"unknown setting '{printable(key, 30)}' to compare; use a training setting "
                                f"(lr, optimizer, batch_mode, l2, …) or activation, init, dropout, hidden")
            items.append((key, _parse_value(key, value)))
        return cls(tuple(items))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunChanges":
        """Inverse of :meth:`to_dict` (JSON lists become tuples); refuses unknown keys."""
        if not isinstance(data, Mapping):
            raise SpecError("the changes of a comparison must be a JSON object")
        items = []
        for key, value in data.items():
            if isinstance(value, list):
                if len(value) > 64 or not all(isinstance(v, (str, int, float, type(None))) for v in value):
                    raise SpecError(f"the value of {printable(key, 30)} is not valid")
                value = tuple(value)
            elif not isinstance(value, (str, int, float, bool, type(None))):
                raise SpecError(f"the value of {printable(key, 30)} is not valid")
            items.append((key, value))
        return cls(tuple(items))

    def to_dict(self) -> dict[str, Any]:
        return {k: _json_value(v) for k, v in self.items}

    # ------------------------------------------------------------------ using
    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.items)

    @property
    def fresh_weights(self) -> bool:
        """Whether B needs new initial weights: a new architecture, initialiser or seed."""
        return any(k in FRESH_WEIGHT_KEYS for k in self.keys)

    def apply(self, spec: NetworkSpec, config: TrainConfig) -> tuple[NetworkSpec, TrainConfig]:
        """B's network and settings: A's with these changes (validated as any spec is)."""
        try:
            return self._apply(spec, config)
        except SpecError as exc:  # the values may come from a file or a command line
            raise SpecError(bounded(str(exc))) from None

    def _apply(self, spec: NetworkSpec, config: TrainConfig) -> tuple[NetworkSpec, TrainConfig]:
        d = dict(self.items)
        train = {k: v for k, v in d.items() if k in TRAIN_KEYS}
        try:
            config = config.replace(**train) if train else config
        except TypeError as exc:
            raise SpecError(f"the changes do not fit the training settings ({printable(exc, 60)})") from None
        hidden = list(spec.hidden)
        if "hidden" in d:
            sizes = d["hidden"]
            sizes = sizes if isinstance(sizes, (list, tuple)) else (sizes,)
            template = hidden[-1] if hidden else LayerSpec()
            hidden = [hidden[i] if i < len(hidden) else template for i in range(len(sizes))]
            hidden = [dataclasses.replace(h, units=u) for h, u in zip(hidden, sizes)]
        for key in LAYER_KEYS:
            if key in d:
                values = _per_layer(d[key], len(hidden), key)
                hidden = [dataclasses.replace(h, **{key: v}) for h, v in zip(hidden, values)]
        net = {k: v for k, v in d.items() if k in _NETWORK_TYPES}
        if spec.task == "binary" and net.get("loss") in ("bce", "cce"):
            # two classes: one sigmoid unit (bce) or two softmax units (cce), a new output layer
            spec = spec.with_two_class_output(net.pop("loss"))
        try:
            spec = spec.replace(hidden=tuple(hidden), **net)
        except TypeError as exc:
            raise SpecError(f"the changes do not fit the network ({printable(exc, 60)})") from None
        return spec, config

    def label(self, spec: NetworkSpec, config: TrainConfig) -> str:
        """A legend naming the difference from A (``spec``, ``config``): ``"B: η = 0.3"``."""
        return printable("B: " + ", ".join(self._describe(k, v, spec, config) for k, v in self.items), 120)

    @staticmethod
    def _describe(key: str, value: Any, spec: NetworkSpec, config: TrainConfig) -> str:
        def one(v: Any) -> str:
            if isinstance(v, tuple):
                return ", ".join(one(x) for x in v)
            return number_text(v, 6) if isinstance(v, float) else str(v)  # "10⁶", as the app writes numbers

        def instead(new: str, old: str) -> str:
            return f"{new} instead of {old}"

        if key == "optimizer":
            name = (lambda k: OPTIMIZER_INFO.get(k, (k,))[0])
            return instead(name(value), name(config.optimizer))
        if key == "batch_mode":
            return instead(_BATCH_NAMES.get(value, str(value)), _BATCH_NAMES.get(config.batch_mode, config.batch_mode))
        if key == "activation":
            name = (lambda k: ACTIVATIONS[k].name if k in ACTIVATIONS else str(k))
            new = tuple(name(v) for v in value) if isinstance(value, tuple) else name(value)
            old = tuple(dict.fromkeys(name(h.activation) for h in spec.hidden)) or ("none",)
            return instead(one(new), one(old))
        if key in ("init", "output_init"):
            name = (lambda k: INIT_NAMES.get(k, str(k)))
            new = tuple(name(v) for v in value) if isinstance(value, tuple) else name(value)
            old = (name(spec.output_init),) if key == "output_init" else \
                tuple(dict.fromkeys(name(h.init) for h in spec.hidden))
            return instead(f"{one(new)} init", f"{one(old)}")
        if key == "hidden":
            shape = (lambda sizes: "–".join(map(str, sizes)) if sizes else "no hidden layer")
            return instead(f"hidden {shape(value)}", shape([h.units for h in spec.hidden]))
        if key == "loss":
            if spec.task == "binary" and value in _TWO_CLASS_OUTPUTS and spec.loss in _TWO_CLASS_OUTPUTS:
                return instead(_TWO_CLASS_OUTPUTS[value], _TWO_CLASS_OUTPUTS[spec.loss])
            return instead(f"{value} loss", str(spec.loss))
        return f"{_SYMBOLS.get(key, key)} = {one(value)}"


__all__ = ["ALIASES", "FRESH_WEIGHT_KEYS", "KEYS", "MAX_CHANGES", "MAX_TEXT", "RunChanges"]
