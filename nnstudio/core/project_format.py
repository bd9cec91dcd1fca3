"""The project file format and what a project holds (:class:`Project`).

A project is one file, ``name.nnproj``. It is a ZIP archive with two members:

``project.json``
    UTF-8 JSON (strict: no NaN/Infinity literals; non-finite numbers are written as the
    strings ``"nan"``, ``"inf"``, ``"-inf"``)::

        {
          "format": "nnstudio-project",        # identifies the file
          "schema_version": 1,                 # integer; bumped on incompatible changes
          "app_version": "0.1.0",              # the nnstudio that wrote it
          "saved_at": "2025-01-31T12:00:00Z",
          "name": "spiral", "description": "",
          "network": {...},                    # NetworkSpec.to_dict()
          "train": {...},                      # TrainConfig.to_dict()
          "data": {...},                       # DataSpec.to_dict()
          "dataset": null | {task, feature_names, class_names, name, n_samples, n_features},
          "training": null | {iteration, epoch, pos, optimizer_step, shuffle_rng,
                              dropout_rng, epoch_loss_sum, ..., stopped, stop_info},
          "history": null | {"iterations": {stride, n_pending}, "epochs": {...},
                              "layers": {...}},
          "timeline": null | {"train": {...},  # the settings at the start of the saved timeline
                              "start": {iteration, epoch, pos, ...},   # as "training"
                              "changes": [{iteration, phase, "train": {...}}
                                          | {iteration, phase, "weights": count}, ...]},
          "ui": {...},                         # free-form view settings of the app, except
                                               # "classroom": what a teacher hid and locked
                                               # (checked on reading; see core/restrictions.py)
          "comparison": absent | null | {      # run B of a comparison (optional)
              "changes": {...},                # RunChanges.to_dict(): what B changes
              "label": "B: η = 0.3", "note": "...", "fork_iteration": 0,
              "network": {...}, "train": {...}, "training": {...}, "history": {...},
              "timeline": null | {...}},       # B's own, as for the project's run (A)
          "arrays": {"sha256": "<hex digest of arrays.npz>", "size": <bytes>,
                     "members": {"weights": {"dtype": "float64", "shape": [105]}, ...}}
        }

``arrays.npz``
    Every array, in NumPy's ``.npz`` format (read with ``allow_pickle=False``):
    ``weights`` (the flat parameter vector, see :class:`~nnstudio.core.network.Network`),
    ``initial_weights``, ``best_params``, ``opt_<name>`` (optimizer state), ``perm``
    (this epoch's sample order), ``data_X``/``data_y`` (the points of inline data, or a
    copy of a CSV file's rows), ``hist_<log>_rows``/``hist_<log>_pending`` (history)
    and ``traj_iterations``/``traj_params`` (the path through weight space); for the
    timeline, ``tl_weights``, ``tl_perm``, ``tl_opt_<name>``, ``tl_best_params`` (the
    state it starts from) and ``tl_w_idx``/``tl_w_val`` (the weights typed in, all
    changes one after the other, ``count`` entries each); for run B of a comparison, the
same arrays of B's run with the prefix ``b_`` (``b_weights``, ``b_perm``, ...; B trains
on the project's data, which is stored once). It is
    stored uncompressed in the project archive (its arrays are compressed inside it),
    so that it can be read in place.

What is stored for the data depends on its source: generated and bundled data are
stored as their recipe (the :class:`DataSpec`), because they can be made again exactly;
painted (inline) points are stored as arrays; a CSV file is stored as its path *and* a
copy of its rows, so the project still opens, and trains exactly as before, when the
file has moved or changed (a copy too large for a project's memory limit is left out;
the file is then read again).

The timeline (the changes of settings and weights made while training, with the
iteration of each; see :class:`~nnstudio.core.trainer.Change`) is kept from the last
change of data on — the data is the project's own from there — so that a reopened
run rewinds exactly too, back to where the saved timeline starts.

How files are written is in :mod:`nnstudio.core.project`; how they are read and
checked, with the limits that keep a bad file cheap to refuse, in
:mod:`nnstudio.core.project_reader`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import __version__
from .data import DataSpec, Dataset
from .run_changes import RunChanges
from .specs import NetworkSpec, TrainConfig

FORMAT = "nnstudio-project"
SCHEMA_VERSION = 1
SUFFIX = ".nnproj"
JSON_MEMBER = "project.json"
ARRAYS_MEMBER = "arrays.npz"

#: at most this many points of the path through weight space are saved (the app plots it)
MAX_TRAJECTORY_POINTS = 256
MAX_TRAJECTORY_BYTES = 4 << 20

#: a project keeps a timeline of at most this many changes and weights typed in (each
#: change of settings is ~0.4 kB of JSON, and project.json may hold 1 MiB); a longer one
#: is not saved, and the reopened run rewinds from its first iteration as before
MAX_CHANGES = 1000
MAX_WEIGHT_ENTRIES = 1 << 20

#: the arrays of run B of a comparison are stored under their names with this prefix
B_PREFIX = "b_"

#: the logs of :class:`~nnstudio.core.history.History` that a project stores
LOG_KEYS = ("iterations", "epochs", "layers")


# ============================================================================ data model
@dataclass
class LogState:
    """The stored state of one :class:`~nnstudio.core.history.DecimatingLog`.

    Attributes
    ----------
    rows : ndarray, shape (m, n_columns), float64
        The stored rows.
    stride : int
        Appended rows per stored row.
    pending : ndarray, shape (n_columns,), float64
        Sum of the rows appended since the last stored row (when ``stride > 1``).
    n_pending : int
        How many rows ``pending`` sums.
    """

    rows: np.ndarray
    stride: int = 1
    pending: np.ndarray | None = None
    n_pending: int = 0


@dataclass
class TrainingState:
    """Where a training run is, beyond its weights: everything that decides its future.

    The fields mirror the trainer's private checkpoint state; see
    :func:`capture_training_state` and :func:`restore_training_state`.
    """

    iteration: int
    epoch: int
    pos: int
    perm: np.ndarray
    optimizer_step: int
    optimizer_arrays: dict[str, np.ndarray]
    shuffle_rng: dict[str, Any]
    dropout_rng: dict[str, Any]
    epoch_loss_sum: float = 0.0
    epoch_batches: int = 0
    epoch_correct: int = 0
    epoch_seen: int = 0
    best_value: float = math.inf
    best_params: np.ndarray | None = None
    best_epoch: int = -1
    wait: int = 0
    stopped: str | None = None
    stop_info: dict[str, Any] | None = None
    first_loss: float | None = None
    initial_weights: np.ndarray | None = None
    trajectory_iterations: np.ndarray | None = None
    trajectory: np.ndarray | None = None
    trajectory_stride: int = 1


@dataclass
class SavedChange:
    """One change of the saved timeline: new settings (``train``) or weights typed in
    (``indices`` into the flat parameter vector and their ``values``)."""

    iteration: int
    phase: str | None = None
    train: TrainConfig | None = None
    indices: np.ndarray | None = None
    values: np.ndarray | None = None


@dataclass
class SavedTimeline:
    """Where the saved timeline starts (a training position, its weights and settings)
    and the changes made since, oldest first."""

    start: TrainingState
    start_weights: np.ndarray
    start_train: TrainConfig
    changes: list[SavedChange] = field(default_factory=list)


@dataclass
class SavedComparison:
    """Run B of a comparison (see :mod:`nnstudio.core.comparison`) as a project keeps it.

    ``run`` holds B's settings, weights, training position, history and timeline; its
    data fields are the project's own (B trains on the project's data).
    """

    changes: RunChanges
    run: "Project"
    label: str = ""
    note: str = ""
    fork_iteration: int = 0


@dataclass
class Project:
    """Everything an nnstudio project file holds.

    Parameters
    ----------
    network, train, data : NetworkSpec, TrainConfig, DataSpec
        The settings.
    inline_data : Dataset or None
        The points of ``data.source == "inline"`` data, or the copy of a CSV file's
        rows (``data.source == "csv"``); None for generated and bundled data.
    weights : ndarray or None
        The flat parameter vector (dtype ``train.dtype``); None = not drawn yet.
    trainer_state : TrainingState or None
        The position of a training run, for resuming it exactly.
    history : dict of str to LogState, or None
        The ``"iterations"``, ``"epochs"`` and ``"layers"`` logs of the trainer's
        :class:`~nnstudio.core.history.History`.
    timeline : SavedTimeline or None
        The changes made while training, for exact rewinds after reopening.
    comparison : SavedComparison or None
        Run B of a comparison with this project's run (run A), if there is one.
    ui : dict
        Free-form JSON-compatible view settings of the app.
    name, description : str
        Shown in the app's title and in ``nnstudio info``.
    app_version, saved_at : str
        Filled in when loading (who wrote the file, when).
    """

    network: NetworkSpec = field(default_factory=NetworkSpec)
    train: TrainConfig = field(default_factory=TrainConfig)
    data: DataSpec = field(default_factory=DataSpec)
    inline_data: Dataset | None = None
    weights: np.ndarray | None = None
    trainer_state: TrainingState | None = None
    history: dict[str, LogState] | None = None
    timeline: SavedTimeline | None = None
    ui: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    description: str = ""
    app_version: str = __version__
    saved_at: str = ""
    comparison: SavedComparison | None = None


__all__ = [
    "ARRAYS_MEMBER",
    "FORMAT",
    "JSON_MEMBER",
    "LOG_KEYS",
    "MAX_TRAJECTORY_BYTES",
    "MAX_TRAJECTORY_POINTS",
    "SCHEMA_VERSION",
    "SUFFIX",
    "LogState",
    "Project",
    "SavedComparison",
    "TrainingState",
]
