"""Run B of a comparison in a project file: its settings, checked before any array is
read, and its run, built as the project's own (it trains on the project's data).

B's network and the settings its changes name must be what those changes make of run
A's (a file whose B says "η = 0.3" but trains another network, or at η = 0.1, is refused),
and its legend is made again from the changes, as when B was made: a label is shown in
the window and the terminal, and the file's own is never trusted.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .data import DataSpec
from .errors import SpecError
from .project_archive import BadProjectFile
from .project_contents import _build_project
from .project_format import B_PREFIX, SavedComparison
from .project_limits import check_parameters, network_text
from .project_values import _int, _spec
from .run_changes import TRAIN_KEYS, RunChanges
from .safetext import printable
from .specs import NetworkSpec, TrainConfig


def _comparison_settings(doc: Mapping[str, Any]) -> tuple[dict[str, Any], NetworkSpec, TrainConfig] | None:
    """Run B's part of project.json and its settings, checked before any array is read."""
    c = doc.get("comparison")
    if c is None:
        return None
    if not isinstance(c, dict):
        raise BadProjectFile("run B of the comparison is not valid")
    network = _spec(NetworkSpec, c.get("network"), "run B's network settings")
    train = _spec(TrainConfig, c.get("train"), "run B's training settings")
    check_parameters(network)
    if not isinstance(c.get("training"), dict):
        raise BadProjectFile("run B of the comparison has no training position")
    return c, network, train


def _check_settings(changes: RunChanges, network: NetworkSpec, train: TrainConfig, a_network: NetworkSpec,
                    a_train: TrainConfig) -> None:
    """Refuse a run B whose network, or a setting its changes name, is not what the changes
    make of run A's (the rest of B's settings may differ: run A's may have been rewound
    to before a change of settings)."""
    try:
        spec_b, config_b = changes.apply(a_network, a_train)
    except SpecError as exc:
        raise BadProjectFile(f"the changes of run B do not fit run A: {exc}") from None
    if spec_b != network:
        sizes = "" if spec_b.layer_sizes == network.layer_sizes else \
            f" ({network_text(network)} instead of {network_text(spec_b)})"
        raise BadProjectFile(f"run B's network is not the one its changes make of run A's{sizes}: the file is "
                             "damaged")
    for key in changes.keys:
        if key in TRAIN_KEYS and getattr(train, key) != getattr(config_b, key):
            raise BadProjectFile(f"run B's {key} is {printable(getattr(train, key), 30)}, but its changes make it "
                                 f"{printable(getattr(config_b, key), 30)}: the file is damaged")


def _build_comparison(c: dict[str, Any], network: NetworkSpec, train: TrainConfig, arrays: dict[str, np.ndarray],
                      data: DataSpec, a_network: NetworkSpec, a_train: TrainConfig) -> SavedComparison:
    """Run B as the project keeps it (``network``, ``train``: its checked settings;
    ``a_network``, ``a_train``: run A's)."""
    try:
        changes = RunChanges.from_dict(c.get("changes"))  # type: ignore[arg-type]
    except SpecError as exc:
        raise BadProjectFile(f"the changes of run B are not valid: {exc}") from None
    _check_settings(changes, network, train, a_network, a_train)
    n = len(B_PREFIX)
    sub = {key[n:]: a for key, a in arrays.items() if key.startswith(B_PREFIX)}
    run = _build_project({key: c.get(key) for key in ("training", "history", "timeline")}, sub, network, train,
                         DataSpec(), who="run B of the comparison")
    run.data = data  # B trains on the project's data
    texts = {}
    for key in ("label", "note"):
        v = c.get(key, "")
        if not isinstance(v, str):
            raise BadProjectFile(f"the {key} of run B is not text")
        texts[key] = printable(v, 300)
    # the legend as the changes give it against run A (what Comparison.fork wrote)
    label = changes.label(a_network, a_train)
    return SavedComparison(changes, run, label, texts["note"],
                           _int(c, "fork_iteration", "the iteration run B was made at"))
