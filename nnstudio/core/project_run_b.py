"""Run B of a comparison in a project file: its settings, checked before any array is
read, and its run, built as the project's own (it trains on the project's data).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .data import DataSpec
from .errors import SpecError
from .project_archive import BadProjectFile
from .project_contents import _build_project
from .project_format import B_PREFIX, SavedComparison
from .project_limits import check_parameters
from .project_values import _int, _spec
from .run_changes import RunChanges
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


def _build_comparison(c: dict[str, Any], network: NetworkSpec, train: TrainConfig, arrays: dict[str, np.ndarray],
                      data: DataSpec) -> SavedComparison:
    try:
        changes = RunChanges.from_dict(c.get("changes"))  # type: ignore[arg-type]
    except SpecError as exc:
        raise BadProjectFile(f"the changes of run B are not valid: {exc}") from None
    n = len(B_PREFIX)
    sub = {key[n:]: a for key, a in arrays.items() if key.startswith(B_PREFIX)}
    run = _build_project({key: c.get(key) for key in ("training", "history", "timeline")}, sub, network, train,
                         DataSpec())
    run.data = data  # B trains on the project's data
    texts = {}
    for key in ("label", "note"):
        v = c.get(key, "")
        if not isinstance(v, str):
            raise BadProjectFile(f"the {key} of run B is not text")
        texts[key] = printable(v, 300)
    return SavedComparison(changes, run, texts["label"], texts["note"],
                           _int(c, "fork_iteration", "the iteration run B was made at"))
