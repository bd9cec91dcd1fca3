"""A run's timeline in a project file, so that a reopened run rewinds exactly too.

The trainer records every change made while it trains (see
:class:`~nnstudio.core.trainer.Change`). A project keeps them from the last change of
data on (:meth:`~nnstudio.core.trainer.Trainer.saveable_timeline`): the training
position there, its weights and settings, and each change of settings or weights typed
in since, with its iteration (and phase). Opening the project gives the trainer that
timeline back (:meth:`~nnstudio.core.trainer.Trainer.load_timeline`), so rewinding
replays the same changes at the same moments.

JSON (``"timeline"``): ``{"train": {...}, "start": {...}, "changes": [...]}``, each change
``{"iteration": k, "phase": null | "forward" | "loss" | "backward", "train": {...}}`` or
``{... , "weights": count}``; arrays ``tl_weights``, ``tl_perm``, ``tl_opt_<name>``,
``tl_best_params`` and ``tl_w_idx``/``tl_w_val`` (see :mod:`.project_format`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ProjectError, SpecError
from .project_format import MAX_CHANGES, MAX_WEIGHT_ENTRIES, SavedChange, SavedTimeline
from .project_state import state_to_training, training_arrays, training_json, training_to_state
from .specs import NetworkSpec
from .trainer import Change, Trainer

PREFIX = "tl_"


def saved_timeline(trainer: Trainer) -> SavedTimeline | None:
    """The part of ``trainer``'s timeline a project keeps (None: too long to keep)."""
    start, changes = trainer.saveable_timeline()
    if start.config is None:
        return None
    if len(changes) > MAX_CHANGES:  # keep the latest; rewinding then stops where they start
        return None
    saved = []
    entries = 0
    for c in changes:
        if c.kind == "config":
            saved.append(SavedChange(c.iteration, c.phase, train=c.value))
        elif c.kind == "weights":
            idx, vals = c.value
            entries += len(idx)
            saved.append(SavedChange(c.iteration, c.phase, indices=np.array(idx, dtype=np.int64),
                                     values=np.array(vals, dtype=np.float64)))
    if entries > MAX_WEIGHT_ENTRIES:
        return None
    return SavedTimeline(state_to_training(start), np.array(start.params), start.config, saved)


def timeline_json_and_arrays(tl: SavedTimeline, network: NetworkSpec) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The ``"timeline"`` JSON and its arrays, for writing."""
    dt = np.dtype(tl.start_train.dtype)
    n = network.n_parameters
    if np.asarray(tl.start_weights).shape != (n,) or not np.all(np.isfinite(tl.start_weights)):
        raise ProjectError("the timeline's starting weights do not fit the network")
    arrays = training_arrays(tl.start, dt, PREFIX)
    arrays[PREFIX + "weights"] = np.asarray(tl.start_weights, dtype=dt)
    changes: list[dict[str, Any]] = []
    idx_parts: list[np.ndarray] = []
    val_parts: list[np.ndarray] = []
    for c in tl.changes:
        entry: dict[str, Any] = {"iteration": int(c.iteration), "phase": c.phase}
        if c.train is not None:
            entry["train"] = c.train.to_dict()
        else:
            idx = np.asarray(c.indices, dtype=np.int64)
            vals = np.asarray(c.values, dtype=np.float64)
            if idx.shape != vals.shape or idx.ndim != 1 or not idx.size:
                raise ProjectError("a weight change of the timeline is not valid")
            entry["weights"] = int(idx.size)
            idx_parts.append(idx)
            val_parts.append(vals)
        changes.append(entry)
    if idx_parts:
        arrays[PREFIX + "w_idx"] = np.concatenate(idx_parts)
        arrays[PREFIX + "w_val"] = np.concatenate(val_parts)
    doc = {"train": tl.start_train.to_dict(), "start": training_json(tl.start), "changes": changes}
    return doc, arrays


def apply_saved_timeline(trainer: Trainer, tl: SavedTimeline) -> None:
    """Give a trainer restored from a project its saved timeline back."""
    dt = np.dtype(tl.start_train.dtype)
    same_data = len(tl.start.perm) == trainer.n_train
    start = training_to_state(tl.start, tl.start_weights, dt, None if same_data else trainer.perm,
                              config=tl.start_train)
    changes: list[Change] = []
    for c in tl.changes:
        if c.train is not None:
            changes.append(Change(int(c.iteration), "config", c.train, c.phase))
        else:
            changes.append(Change(int(c.iteration), "weights",
                                  (np.asarray(c.indices, dtype=np.intp), np.asarray(c.values)), c.phase))
    try:
        trainer.load_timeline(start, changes)
    except SpecError as exc:
        raise ProjectError(f"the saved timeline does not fit the saved run: {exc}") from None
