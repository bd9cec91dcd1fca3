"""Classroom mode: which panels, views and controls a file shows, and which settings it locks.

A teacher who wants a class to look at one idea (the learning rate, say) hides what
distracts from it and locks what must stay as it is; the choice is saved with the
project (``ui.classroom``) or the lesson (``classroom``) and applies when the file is
opened. This module is the Qt-free half: the catalogue of items (:data:`ITEMS`), the
:class:`Restrictions` value with its JSON form, and :func:`locked_change`, which tells
whether going from one setting to another would change a locked setting (the window
refuses such edits whatever asked for them: a widget, a key, undo, a lesson step, a
pasted configuration, a dropped file).

The JSON form, for teachers who edit files by hand::

    "classroom": {"format": 1,
                  "hidden": ["panel.lessons", "view.race", "optimizer"],
                  "locked": ["learning_rate", "dataset"]}

``hidden`` may name any item; ``locked`` only controls (the settings behind them). A
file from anyone may hold anything here, so reading it is strict and bounded: unknown
fields and items, repeated items, more items than the catalogue has, or a newer format
are refused with a short message (via :mod:`.safetext`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .data import DataSpec, Dataset
from .errors import NNStudioError
from .safetext import MESSAGE_LIMIT, printable
from .specs import NetworkSpec, TrainConfig

FORMAT = 1

PANEL = "panel"
VIEW = "view"
CONTROL = "control"
#: the groups of the dialog, in order, with their headings
GROUPS = {PANEL: "Panels", VIEW: "Views", CONTROL: "Controls"}


@dataclass(frozen=True)
class Item:
    """One thing a teacher may hide (and, for a control, lock).

    Attributes
    ----------
    key : str
        Its name in files (``"learning_rate"``, ``"view.race"``).
    group : str
        :data:`PANEL`, :data:`VIEW` or :data:`CONTROL`.
    label : str
        How the dialog names it.
    what : str
        For a control, the setting as a sentence's subject ("The learning rate").
    """

    key: str
    group: str
    label: str
    what: str = ""

    @property
    def lockable(self) -> bool:
        return self.group == CONTROL


ITEMS: tuple[Item, ...] = (
    Item("panel.data", PANEL, "Data"),
    Item("panel.network", PANEL, "Design (network)"),
    Item("panel.training", PANEL, "Training"),
    Item("panel.lessons", PANEL, "Lessons"),
    Item("view.network", VIEW, "Network"),
    Item("view.boundary", VIEW, "Decision boundary / fit"),
    Item("view.loss", VIEW, "Loss curves"),
    Item("view.inspector", VIEW, "Step inspector"),
    Item("view.gradients", VIEW, "Gradients"),
    Item("view.activations", VIEW, "Activations"),
    Item("view.surface", VIEW, "Loss landscape"),
    Item("view.race", VIEW, "Optimizer race"),
    Item("view.representation", VIEW, "Hidden representation"),
    Item("view.hardest", VIEW, "Hardest samples"),
    Item("view.digits", VIEW, "Digit gallery"),
    Item("view.pad", VIEW, "Drawing pad (draw a digit)"),
    Item("dataset", CONTROL, "Data set (choice, samples, scaling, painting, CSV)", "The data set"),
    Item("noise", CONTROL, "Noise", "The noise"),
    Item("split", CONTROL, "Validation share", "The validation share"),
    Item("seeds", CONTROL, "Seeds (data and training)", "The choice of seeds"),
    Item("features", CONTROL, "Input features", "The choice of input features"),
    Item("layers", CONTROL, "Layers and neurons (+ / −)", "The number of layers and neurons"),
    Item("activation", CONTROL, "Activation function", "The activation function"),
    Item("loss", CONTROL, "Loss function", "The loss function"),
    Item("learning_rate", CONTROL, "Learning rate and schedule", "The learning rate"),
    Item("optimizer", CONTROL, "Optimizer and its settings", "The optimizer"),
    Item("batch_size", CONTROL, "Batch size", "The batch size"),
    Item("regularization", CONTROL, "Regularisation (L1, L2, dropout)", "The regularisation"),
)
BY_KEY: dict[str, Item] = {item.key: item for item in ITEMS}
CONTROLS = tuple(item.key for item in ITEMS if item.group == CONTROL)

_FIELDS = ("format", "hidden", "locked")


class RestrictionError(NNStudioError, ValueError):
    """Classroom restrictions that cannot be used, or an edit of a locked setting."""


@dataclass(frozen=True)
class Setup:
    """What the locks compare: the three settings and painted points (None: none)."""

    network: NetworkSpec
    config: TrainConfig
    data: DataSpec
    inline: Dataset | None = None


def _layers(s: Setup) -> Any:
    return tuple(h.units for h in s.network.hidden)


def _activation(s: Setup) -> Any:
    # a set: a layer added with the activation the others have changes nothing locked
    return frozenset((h.activation, h.alpha) for h in s.network.hidden)


def _regularization(s: Setup) -> Any:
    return s.config.l1, s.config.l2, frozenset(h.dropout for h in s.network.hidden)


def _dataset(s: Setup) -> Any:
    d = s.data
    return (d.source, d.name, d.n_samples, d.n_classes, d.slope, d.csv_path, d.target_column,
            d.categorical_target, d.standardize, id(s.inline) if s.inline is not None else None)


#: what each control locks: the values that must not change
_VALUES: dict[str, Callable[[Setup], Any]] = {
    "dataset": _dataset,
    "noise": lambda s: s.data.noise,
    "split": lambda s: s.data.validation_fraction,
    "seeds": lambda s: (s.data.seed, s.config.seed),
    "features": lambda s: s.data.features,
    "layers": _layers,
    "activation": _activation,
    "loss": lambda s: (s.network.loss, s.network.huber_delta),
    "learning_rate": lambda s: (s.config.learning_rate, s.config.schedule, s.config.decay_rate,
                                s.config.decay_epochs),
    "optimizer": lambda s: (s.config.optimizer, s.config.momentum, s.config.beta1, s.config.beta2,
                            s.config.rho, s.config.eps, s.config.weight_decay),
    "batch_size": lambda s: (s.config.batch_mode, s.config.batch_size),
    "regularization": _regularization,
}
assert set(_VALUES) == set(CONTROLS)


@dataclass(frozen=True)
class Restrictions:
    """What a file hides and locks (keys of :data:`ITEMS`). ``Restrictions()`` restricts
    nothing."""

    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for key in self.hidden | self.locked:
            if key not in BY_KEY:
                raise RestrictionError(f"unknown classroom item '{printable(key, 40)}'")
        for key in self.locked:
            if not BY_KEY[key].lockable:
                raise RestrictionError(f"'{key}' can be hidden but not locked: only controls lock")

    @property
    def active(self) -> bool:
        """Whether anything is hidden or locked."""
        return bool(self.hidden or self.locked)

    def hides(self, key: str) -> bool:
        return key in self.hidden

    def locks(self, key: str) -> bool:
        return key in self.locked

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, items in catalogue order (so equal restrictions write equal files)."""
        return {"format": FORMAT,
                "hidden": [i.key for i in ITEMS if i.key in self.hidden],
                "locked": [i.key for i in ITEMS if i.key in self.locked]}

    @classmethod
    def from_dict(cls, value: Any) -> "Restrictions":
        """Read the JSON form.

        Raises
        ------
        RestrictionError
            Saying what is wrong in a line of at most :data:`~.safetext.MESSAGE_LIMIT`
            characters (quoted text escaped).
        """
        if not isinstance(value, Mapping):
            raise RestrictionError("the classroom settings must be a JSON object {…}")
        unknown = [k for k in value if k not in _FIELDS]
        if unknown:
            shown = ", ".join(f"'{printable(k, 30)}'" for k in unknown[:3])
            raise RestrictionError(f"the classroom settings have unknown field(s) {shown}; "
                                   f"the fields are: {', '.join(_FIELDS)}")
        fmt = value.get("format", FORMAT)
        if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
            raise RestrictionError(f"the classroom settings' format must be a whole number ≥ 1, "
                                   f"not {printable(repr(fmt), 30)}")
        if fmt > FORMAT:
            raise RestrictionError(f"the classroom settings are of format {fmt}, made by a newer nnstudio; "
                                   f"this one reads format {FORMAT}: update nnstudio to open this file")
        hidden = _keys(value.get("hidden", []), "hidden")
        locked = _keys(value.get("locked", []), "locked")
        for key in locked:
            if not BY_KEY[key].lockable:
                raise RestrictionError(f"classroom 'locked' names '{key}', which can be hidden but not locked; "
                                       f"only controls lock: {', '.join(CONTROLS)}")
        return cls(frozenset(hidden), frozenset(locked))


def _keys(value: Any, field: str) -> list[str]:
    if not isinstance(value, list):
        raise RestrictionError(f"classroom '{field}' must be a list of item names")
    if len(value) > len(ITEMS):
        raise RestrictionError(f"classroom '{field}' lists {len(value):,} items; there are only {len(ITEMS)}")
    seen: list[str] = []
    for k, key in enumerate(value):
        if not isinstance(key, str):
            raise RestrictionError(f"classroom '{field}'[{k}] must be an item name (text), "
                                   f"not {printable(repr(key), 30)}")
        if key not in BY_KEY:
            names = ", ".join(BY_KEY)
            raise RestrictionError(printable(f"classroom '{field}'[{k}]: unknown item '{printable(key, 30)}'; "
                                             f"the items are: {names}", MESSAGE_LIMIT))
        if key in seen:
            raise RestrictionError(f"classroom '{field}' names '{key}' twice")
        seen.append(key)
    return seen


def locked_change(restrictions: Restrictions | None, before: Setup, after: Setup) -> str | None:
    """The first locked control whose setting differs between ``before`` and ``after``
    (its key), or None when the change touches nothing locked."""
    if restrictions is None:
        return None
    for key in CONTROLS:
        if key in restrictions.locked and _VALUES[key](before) != _VALUES[key](after):
            return key
    return None


def locked_message(key: str) -> str:
    """Why an edit was refused, and how to get past it."""
    return (f"{BY_KEY[key].what} is locked in classroom mode; "
            "Edit › Lift classroom restrictions unlocks it for this session.")


def check_change(restrictions: Restrictions | None, before: Setup, after: Setup) -> None:
    """Raise :class:`RestrictionError` if going from ``before`` to ``after`` changes a
    locked setting."""
    key = locked_change(restrictions, before, after)
    if key is not None:
        raise RestrictionError(locked_message(key))


__all__ = [
    "BY_KEY", "CONTROL", "CONTROLS", "FORMAT", "GROUPS", "ITEMS", "PANEL", "VIEW", "Item", "RestrictionError",
    "Restrictions", "Setup", "check_change", "locked_change", "locked_message",
]
