"""Saving and opening whole projects: settings, data, weights, training position, history.

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
          "ui": {...},                         # free-form view settings of the app
          "arrays": {"sha256": "<hex digest of arrays.npz>", "size": <bytes>,
                     "members": {"weights": {"dtype": "float64", "shape": [105]}, ...}}
        }

``arrays.npz``
    Every array, in NumPy's ``.npz`` format (read with ``allow_pickle=False``):
    ``weights`` (the flat parameter vector, see :class:`~nnstudio.core.network.Network`),
    ``initial_weights``, ``best_params``, ``opt_<name>`` (optimizer state), ``perm``
    (this epoch's sample order), ``data_X``/``data_y`` (the points of inline data, or a
    copy of a CSV file's rows), ``hist_<log>_rows``/``hist_<log>_pending`` (history)
    and ``traj_iterations``/``traj_params`` (the path through weight space).

What is stored for the data depends on its source: generated and bundled data are
stored as their recipe (the :class:`DataSpec`), because they can be made again exactly;
painted (inline) points are stored as arrays; a CSV file is stored as its path *and* a
copy of its rows, so the project still opens, and trains exactly as before, when the
file has moved or changed.

Writing is atomic: the archive goes to a temporary file in the target folder, which is
flushed to disk and then renamed over the target, so a crash or a full disk never
leaves a half-written project (the old file stays as it was). Opening checks everything
before trusting it — ZIP structure, sizes (no "zip bombs"), JSON, schema version, the
SHA-256 of ``arrays.npz``, the settings, and every array's shape, dtype and values —
and refuses a bad file with a :class:`ProjectError` that says what is wrong.

A training run resumed from a project continues *exactly* as if it had never been
saved: the weights, the optimizer's memory, the position in the epoch, the random
generators for shuffling and dropout, the early-stopping counters and the history all
come back bit for bit.
"""

from __future__ import annotations

import contextlib

import dataclasses
import datetime as _dt
import hashlib
import io
import json
import math
import os
import secrets
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import numpy as np

from .. import __version__
from .data import DataSpec, Dataset, PreparedData, prepare
from .errors import DataError, ProjectError, SpecError
from .history import History
from .memory import NEVER, MemoryLimitError
from .optimizers import OPTIMIZER_CLASSES
from .specs import NetworkSpec, TrainConfig
from .trainer import Trainer, _State

FORMAT = "nnstudio-project"
SCHEMA_VERSION = 1
SUFFIX = ".nnproj"
JSON_MEMBER = "project.json"
ARRAYS_MEMBER = "arrays.npz"

#: refuse archives that would unpack to more than this (zip bombs)
MAX_UNCOMPRESSED = 1 << 30
#: refuse archives with more members than this
MAX_MEMBERS = 16
#: arrays.npz may hold at most this many arrays
MAX_ARRAYS = 64
#: project.json may be at most this large
MAX_JSON = 64 << 20

#: at most this many points of the path through weight space are saved (the app plots it)
MAX_TRAJECTORY_POINTS = 256
MAX_TRAJECTORY_BYTES = 4 << 20

#: the logs of :class:`~nnstudio.core.history.History` that a project stores
LOG_KEYS = ("iterations", "epochs", "layers")

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # inner npz members: same arrays => same bytes


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
    ui: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    description: str = ""
    app_version: str = __version__
    saved_at: str = ""


# ============================================================================ trainer <-> state
def capture_training_state(trainer: Trainer, include_trajectory: bool = True) -> TrainingState:
    """Copy everything that decides the future of ``trainer``'s run.

    A phase-by-phase iteration that is half done is not included: the state is the one
    after the last complete iteration. (With dropout, its random masks were already
    drawn, so finish the iteration with ``trainer.step()`` first to resume exactly.)
    """
    s = trainer._capture()
    opt = dict(s.opt_state)
    step = int(opt.pop("step", 0))
    arrays = {k: np.array(v) for k, v in opt.items() if isinstance(v, np.ndarray)}
    traj_it = traj = None
    stride = int(getattr(trainer, "_traj_stride", 1))
    if include_trajectory and getattr(trainer, "_traj", None):
        iters = list(trainer._traj_iters)
        keep = list(range(len(iters)))
        n_params = len(trainer._traj[0])
        # thin it as the trainer does (double the stride) so the file stays small
        while len(keep) > MAX_TRAJECTORY_POINTS or len(keep) * n_params * 8 > MAX_TRAJECTORY_BYTES:
            if len(keep) <= 2:
                keep = []
                break
            stride *= 2
            keep = [i for i in keep if iters[i] % stride == 0]
        if keep:
            traj_it = np.asarray([iters[i] for i in keep], dtype=np.int64)
            traj = np.vstack([trainer._traj[i] for i in keep])
    return TrainingState(
        iteration=s.iteration, epoch=s.epoch, pos=s.pos, perm=np.asarray(s.perm, dtype=np.int64),
        optimizer_step=step, optimizer_arrays=arrays,
        shuffle_rng=_copy_json(s.shuffle_rng), dropout_rng=_copy_json(s.dropout_rng),
        epoch_loss_sum=float(s.epoch_loss_sum), epoch_batches=int(s.epoch_batches),
        epoch_correct=int(s.epoch_correct), epoch_seen=int(s.epoch_seen),
        best_value=float(s.best_value), best_params=None if s.best_params is None else s.best_params.copy(),
        best_epoch=int(s.best_epoch), wait=int(s.wait), stopped=s.stopped,
        stop_info=_copy_json(trainer.stop_info) if trainer.stop_info else None,
        first_loss=None if s.first_loss is None else float(s.first_loss),
        initial_weights=np.array(trainer.initial_params),
        trajectory_iterations=traj_it, trajectory=traj,
        trajectory_stride=stride,
    )


def restore_training_state(trainer: Trainer, weights: np.ndarray, state: TrainingState) -> None:
    """Put ``trainer`` exactly where ``state`` (and ``weights``) say it was.

    The rewind checkpoints start over: one at iteration 0 (from the initial weights)
    and one at the restored iteration, so rewinding still works, by replaying.

    If the trainer's data has a different number of training samples than when the
    state was saved (a CSV file read again after it changed), the weights, optimizer
    and counters are restored and the current epoch starts over on the new data.

    Raises
    ------
    ProjectError
        If the random-generator states are not valid.
    """
    dt = np.dtype(trainer.config.dtype)
    same_data = len(state.perm) == trainer.n_train
    if state.initial_weights is not None:
        trainer.initial_params = np.array(state.initial_weights, dtype=dt)
        trainer.network.set_flat(trainer.initial_params)
        # iteration 0 replays from the initial weights with the seed's fresh generators
        trainer._fit_budgets()
    opt_state: dict[str, Any] = {"step": int(state.optimizer_step)}
    opt_state.update({k: np.array(v, dtype=dt) for k, v in state.optimizer_arrays.items()})
    snap = _State(
        iteration=int(state.iteration), epoch=int(state.epoch),
        params=np.array(weights, dtype=dt), opt_state=opt_state,
        shuffle_rng=_copy_json(state.shuffle_rng), dropout_rng=_copy_json(state.dropout_rng),
        # other data (a CSV file read again and changed): keep everything but start the epoch over
        perm=np.asarray(state.perm if same_data else trainer.perm, dtype=np.intp),
        pos=int(state.pos) if same_data else 0,
        epoch_loss_sum=float(state.epoch_loss_sum) if same_data else 0.0,
        epoch_batches=int(state.epoch_batches) if same_data else 0,
        epoch_correct=int(state.epoch_correct) if same_data else 0,
        epoch_seen=int(state.epoch_seen) if same_data else 0,
        best_value=float(state.best_value),
        best_params=None if state.best_params is None else np.array(state.best_params, dtype=dt),
        best_epoch=int(state.best_epoch), wait=int(state.wait), stopped=state.stopped,
        first_loss=state.first_loss,
    )
    try:
        trainer._restore(snap)
    except (ValueError, TypeError, KeyError) as exc:
        raise ProjectError(f"the saved random-generator state is not valid ({exc})") from None
    trainer.stop_info = _copy_json(state.stop_info) if state.stopped and state.stop_info else (
        {"kind": "unknown", "iteration": state.iteration, "epoch": state.epoch, "reason": state.stopped}
        if state.stopped else None)
    if trainer.iteration > 0 and trainer._max_ckpts > 1:  # a big network has room for iteration 0's only
        trainer._checkpoints.append(trainer._capture())
    if state.trajectory is not None and state.trajectory_iterations is not None and len(state.trajectory):
        trainer._traj_iters = [int(i) for i in state.trajectory_iterations]
        trainer._traj = [np.array(row, dtype=dt) for row in state.trajectory]
        trainer._traj_stride = max(1, int(state.trajectory_stride))
        while len(trainer._traj) > trainer._traj_max:  # a smaller budget than when saved
            trainer._traj_stride *= 2
            keep = [i for i, it in enumerate(trainer._traj_iters) if it % trainer._traj_stride == 0]
            trainer._traj_iters = [trainer._traj_iters[i] for i in keep]
            trainer._traj = [trainer._traj[i] for i in keep]
    else:
        trainer._traj_iters = [trainer.iteration]
        trainer._traj = [trainer.network.get_flat()]
        trainer._traj_stride = 1
    if trainer._traj_max < 2:  # no room for a path beyond its first point: none is recorded
        trainer._traj_stride = NEVER


def _log_state(log: Any) -> LogState:
    arrays = log.to_arrays()
    return LogState(rows=np.array(arrays["rows"], dtype=np.float64), stride=int(arrays["stride"]),
                    pending=np.array(getattr(log, "_acc", np.zeros(len(log.columns))), dtype=np.float64),
                    n_pending=int(getattr(log, "_acc_n", 0)))


def _load_log(log: Any, state: LogState) -> None:
    log.load_arrays(state.rows, state.stride)
    # the partial sum of a decimated log is part of what makes the next stored row exact
    if state.pending is not None and hasattr(log, "_acc"):
        log._acc[:] = state.pending
        log._acc_n = int(state.n_pending)


# ============================================================================ project <-> trainer
def project_from_trainer(
    trainer: Trainer,
    data_spec: DataSpec,
    inline_data: Dataset | None = None,
    ui: Mapping[str, Any] | None = None,
    name: str = "",
    description: str = "",
    include_trajectory: bool = True,
) -> Project:
    """Snapshot a trainer (and its data recipe) as a :class:`Project`.

    Parameters
    ----------
    trainer : Trainer
    data_spec : DataSpec
        The recipe of the trainer's data.
    inline_data : Dataset, optional
        For inline or CSV data: the raw points. If omitted, the trainer's
        ``data.raw`` (a :class:`PreparedData`'s raw data set) is used.
    ui : mapping, optional
        JSON-compatible view settings to store with the project.
    include_trajectory : bool
        Store the path through weight space too (thinned to at most
        :data:`MAX_TRAJECTORY_POINTS` points and :data:`MAX_TRAJECTORY_BYTES`).

    Returns
    -------
    Project
        Arrays are copies: training on afterwards does not change the snapshot.
    """
    if data_spec.source in ("inline", "csv") and inline_data is None:
        inline_data = getattr(trainer.data, "raw", None)
    if data_spec.source == "inline" and inline_data is None:
        raise ProjectError("inline data needs its points: pass inline_data")
    if data_spec.source in ("generator", "bundled"):
        inline_data = None
    history = {key: _log_state(getattr(trainer.history, key)) for key in LOG_KEYS
               if hasattr(trainer.history, key)}
    return Project(
        network=trainer.spec, train=trainer.config, data=data_spec, inline_data=inline_data,
        weights=trainer.network.get_flat(), trainer_state=capture_training_state(trainer, include_trajectory),
        history=history, ui=_copy_json(dict(ui or {})), name=name, description=description,
    )


def prepare_project_data(project: Project, reload_csv: bool = False) -> PreparedData:
    """Make the project's training data.

    For CSV data the stored copy of the rows is used (so a resumed run sees exactly
    the data it was trained on), unless ``reload_csv`` is true or there is no copy, in
    which case the file is read again.

    Raises
    ------
    DataError, SpecError
        If the data cannot be made (e.g. the CSV file has gone and there is no copy).
    """
    spec = project.data
    if spec.source == "csv" and project.inline_data is not None and not reload_csv:
        prepared = prepare(dataclasses.replace(spec, source="inline"), inline=project.inline_data)
        # the plot range of a CSV is its data range, whatever the values (inline data
        # within ±6 would get the playground square instead)
        X = project.inline_data.X
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.where(hi > lo, 0.1 * (hi - lo), 1.0)
        domain = tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad))
        return dataclasses.replace(prepared, domain=domain)
    # reloading means reading the file again, not using the stored rows
    return prepare(spec, inline=None if spec.source == "csv" else project.inline_data)


def trainer_from_project(
    project: Project, data: PreparedData | None = None, reload_csv: bool = False, **trainer_kwargs: Any
) -> Trainer:
    """Build a :class:`Trainer` that continues the project's run exactly.

    Parameters
    ----------
    project : Project
    data : PreparedData, optional
        Already prepared data (default: :func:`prepare_project_data`).
    reload_csv : bool
        Read a CSV file again instead of using the stored copy of its rows.
    **trainer_kwargs
        Passed to :class:`Trainer` (e.g. ``checkpoint_budget``).

    Raises
    ------
    ProjectError
        If the data does not fit the network or the saved position.
    DataError, SpecError
        If the data cannot be made.
    """
    if data is None:
        data = prepare_project_data(project, reload_csv)
    try:
        trainer = Trainer(project.network, project.train, data, **trainer_kwargs)
    except MemoryLimitError:
        raise  # it says what the network would need, which is the point
    except SpecError as exc:
        raise ProjectError(f"the project's data does not fit its network: {exc}") from None
    # a new project (no weights) keeps the weights drawn from the seed
    if project.weights is not None and project.trainer_state is None:
        trainer.network.set_flat(np.asarray(project.weights, dtype=trainer.config.dtype))
        trainer.initial_params = trainer.network.get_flat()
        trainer._fit_budgets()
    elif project.weights is not None:
        restore_training_state(trainer, project.weights, project.trainer_state)
    if project.history is not None:
        for key in LOG_KEYS:
            if key in project.history and hasattr(trainer.history, key):
                try:
                    _load_log(getattr(trainer.history, key), project.history[key])
                except ValueError as exc:
                    raise ProjectError(f"the saved {key} history does not fit: {exc}") from None
    return trainer


# ============================================================================ JSON helpers
def _copy_json(obj: Any) -> Any:
    """Deep copy of plain JSON-like data (dicts, lists, numbers, strings)."""
    if isinstance(obj, Mapping):
        return {str(k): _copy_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_copy_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _enc_float(x: float | None) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _dec_float(v: Any, what: str, allow_none: bool = False) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise _Bad(f"{what} must be a number, not {v!r}")


def _rng_to_json(state: Mapping[str, Any]) -> dict[str, Any]:
    # 128-bit integers are written as decimal strings: many JSON readers stop at 2**53
    inner = state["state"]
    return {"bit_generator": state["bit_generator"], "state": str(int(inner["state"])),
            "inc": str(int(inner["inc"])), "has_uint32": int(state.get("has_uint32", 0)),
            "uinteger": int(state.get("uinteger", 0))}


def _rng_from_json(d: Any, what: str) -> dict[str, Any]:
    if not isinstance(d, Mapping) or d.get("bit_generator") != "PCG64":
        raise _Bad(f"{what} is not a PCG64 random-generator state")
    try:
        st, inc = int(d["state"]), int(d["inc"])
        has, u = int(d.get("has_uint32", 0)), int(d.get("uinteger", 0))
    except (KeyError, TypeError, ValueError):
        raise _Bad(f"{what} is not a valid random-generator state") from None
    if not (0 <= st < 2**128 and 0 <= inc < 2**128 and has in (0, 1) and 0 <= u < 2**32):
        raise _Bad(f"{what} is out of range")
    state = {"bit_generator": "PCG64", "state": {"state": st, "inc": inc}, "has_uint32": has, "uinteger": u}
    try:  # let NumPy itself judge it, on a throw-away generator
        np.random.PCG64().state = state
    except (ValueError, TypeError, KeyError):
        raise _Bad(f"{what} is not a valid random-generator state") from None
    return state


# ============================================================================ writing
def _write_npz(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An .npz archive with fixed dates, so the same arrays always give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _project_json_and_arrays(project: Project) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if not isinstance(project, Project):
        raise ProjectError(f"expected a Project, not {type(project).__name__}")
    arrays: dict[str, np.ndarray] = {}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": str(project.name),
        "description": str(project.description),
        "network": project.network.to_dict(),
        "train": project.train.to_dict(),
        "data": project.data.to_dict(),
        "dataset": None,
        "training": None,
        "history": None,
    }
    dt = np.dtype(project.train.dtype)
    n_params = project.network.n_parameters
    if project.weights is not None:
        w = np.asarray(project.weights)
        if w.shape != (n_params,):
            raise ProjectError(f"the weights have shape {w.shape} but the network has {n_params} parameters")
        if not np.all(np.isfinite(w)):
            raise ProjectError("the weights contain NaN or infinite values; they cannot be saved")
        arrays["weights"] = w.astype(dt, copy=False)
    ds = project.inline_data
    if ds is not None and project.data.source in ("inline", "csv"):
        doc["dataset"] = {"task": ds.task, "feature_names": list(ds.feature_names),
                          "class_names": list(ds.class_names), "name": ds.name,
                          "n_samples": ds.n_samples, "n_features": ds.n_features}
        arrays["data_X"] = np.asarray(ds.X, dtype=np.float64)
        arrays["data_y"] = np.asarray(ds.y, dtype=np.float64 if ds.task == "regression" else np.int64)
    elif project.data.source == "inline":
        raise ProjectError("inline data needs its points (inline_data is missing)")
    st = project.trainer_state
    if st is not None:
        if project.weights is None:
            raise ProjectError("a training state needs the weights it belongs to")
        doc["training"] = {
            "iteration": int(st.iteration), "epoch": int(st.epoch), "pos": int(st.pos),
            "optimizer_step": int(st.optimizer_step),
            "shuffle_rng": _rng_to_json(st.shuffle_rng), "dropout_rng": _rng_to_json(st.dropout_rng),
            "epoch_loss_sum": _enc_float(st.epoch_loss_sum), "epoch_batches": int(st.epoch_batches),
            "epoch_correct": int(st.epoch_correct), "epoch_seen": int(st.epoch_seen),
            "best_value": _enc_float(st.best_value), "best_epoch": int(st.best_epoch), "wait": int(st.wait),
            "stopped": st.stopped, "stop_info": _json_safe(st.stop_info, "the stop information"),
            "first_loss": _enc_float(st.first_loss), "trajectory_stride": int(st.trajectory_stride),
        }
        arrays["perm"] = np.asarray(st.perm, dtype=np.int64)
        for k, v in st.optimizer_arrays.items():
            arrays["opt_" + k] = np.asarray(v, dtype=dt)
        if st.best_params is not None:
            arrays["best_params"] = np.asarray(st.best_params, dtype=dt)
        if st.initial_weights is not None:
            arrays["initial_weights"] = np.asarray(st.initial_weights, dtype=dt)
        if st.trajectory is not None and st.trajectory_iterations is not None:
            arrays["traj_iterations"] = np.asarray(st.trajectory_iterations, dtype=np.int64)
            arrays["traj_params"] = np.asarray(st.trajectory, dtype=dt)
    if project.history is not None:
        doc["history"] = {}
        for key, log in project.history.items():
            if key not in LOG_KEYS:
                raise ProjectError(f"unknown history log {key!r}")
            doc["history"][key] = {"stride": int(log.stride), "n_pending": int(log.n_pending)}
            arrays[f"hist_{key}_rows"] = np.asarray(log.rows, dtype=np.float64)
            if log.pending is not None:
                arrays[f"hist_{key}_pending"] = np.asarray(log.pending, dtype=np.float64)
    doc["ui"] = _json_safe(project.ui, "the view settings (ui)")
    return doc, arrays


def _json_safe(obj: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(_copy_json(obj), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"{what} cannot be saved as JSON: {exc}") from None


def project_to_bytes(project: Project) -> bytes:
    """The ``.nnproj`` file content of ``project`` (see the module notes for the format)."""
    doc, arrays = _project_json_and_arrays(project)
    npz = _write_npz(arrays)
    doc["arrays"] = {
        "sha256": hashlib.sha256(npz).hexdigest(),
        "size": len(npz),
        "members": {k: {"dtype": str(a.dtype), "shape": list(a.shape)} for k, a in arrays.items()},
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
    buf = io.BytesIO()
    _write_zip(buf, text, npz)
    return buf.getvalue()


def _write_zip(f: BinaryIO, json_bytes: bytes, npz_bytes: bytes) -> None:
    with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
        zf.writestr(JSON_MEMBER, json_bytes, compress_type=zipfile.ZIP_DEFLATED)
        # the arrays are compressed inside the npz already
        zf.writestr(ARRAYS_MEMBER, npz_bytes, compress_type=zipfile.ZIP_STORED)


def save_project(path: str | os.PathLike, project: Project) -> Path:
    """Write ``project`` to ``path`` atomically.

    The file is written to a temporary file in the same folder, flushed to disk
    (``fsync``) and renamed over ``path``. If anything fails, ``path`` is left as it
    was and the temporary file is removed.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ProjectError
        If the project cannot be saved (a folder of that name exists, the folder does
        not exist or is read-only, the disk is full, ...).
    """
    p = Path(path)
    if p.is_dir():
        raise ProjectError(f"cannot save to '{p}': it is a folder; give a file name like '{p / 'project'}{SUFFIX}'")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectError(f"cannot save to '{p}': the folder '{folder}' does not exist")
    if not project.name:
        project = dataclasses.replace(project, name=p.stem)
    content = project_to_bytes(project)
    tmp = folder / f".{p.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 lets the user's umask decide the permissions, as for any new file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise ProjectError(f"cannot save to '{p}': {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            _write_file(f, content)
            f.flush()
            os.fsync(f.fileno())
        if p.exists():
            with contextlib.suppress(OSError):  # keep the permissions the user gave the old file
                os.chmod(tmp, p.stat().st_mode & 0o7777)
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the half-written temp file must not stay behind
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ProjectError(f"cannot save to '{p}': {exc.strerror or exc}") from None
        raise
    _fsync_dir(folder)
    return p


def _write_file(f: BinaryIO, content: bytes) -> None:
    f.write(content)


def _fsync_dir(folder: Path) -> None:
    # makes the rename itself durable on POSIX; not possible (nor needed) on Windows
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync a folder
            os.fsync(fd)
    finally:
        os.close(fd)


# ============================================================================ reading
class _Bad(Exception):
    """A problem with the file's content; becomes a ProjectError naming the file."""


def load_project(path: str | os.PathLike) -> Project:
    """Open a project file; nothing on disk is changed.

    Raises
    ------
    ProjectError
        If the file is missing, a folder, unreadable, not a project, damaged, tampered
        with, too large when unpacked, made by a newer nnstudio, or its settings or
        arrays are not valid. The message says which.
    """
    p = Path(path)
    if not p.exists():
        raise ProjectError(f"there is no project file '{p}'")
    if p.is_dir():
        raise ProjectError(f"'{p}' is a folder, not a project file")
    try:
        f = open(p, "rb")
    except OSError as exc:
        raise ProjectError(f"cannot read '{p}': {exc.strerror or exc}") from None
    try:
        with f:
            project = _read_project(f)
    except _Bad as exc:
        raise ProjectError(f"cannot open '{p.name}': {exc}") from None
    except OSError as exc:
        raise ProjectError(f"cannot read '{p}': {exc.strerror or exc}") from None
    if not project.name:
        project.name = p.stem
    return project


def project_from_bytes(content: bytes) -> Project:
    """Inverse of :func:`project_to_bytes`, with all the checks of :func:`load_project`."""
    try:
        return _read_project(io.BytesIO(content))
    except _Bad as exc:
        raise ProjectError(f"cannot open the project: {exc}") from None


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _Bad(f"{info.filename} is too large ({info.file_size:,} bytes)")
    try:
        with zf.open(info) as m:
            data = m.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise _Bad(f"{info.filename} is damaged ({exc})") from None
    if len(data) > limit:
        raise _Bad(f"{info.filename} is too large")
    return data


def _check_archive(zf: zipfile.ZipFile, max_members: int, limit: int, what: str) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > max_members:
        raise _Bad(f"{what} has {len(infos)} members; at most {max_members} are allowed")
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise _Bad(f"{what} would unpack to {total / 2**20:,.0f} MB, more than the limit of "
                   f"{limit / 2**20:,.0f} MB")
    return infos


def _entry_count(f: BinaryIO) -> int | None:
    """Members announced by the archive's end record, read before zipfile parses them all."""
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:
        return None
    try:
        rec = end_record(f)
        f.seek(0)
    except (OSError, ValueError, struct.error):
        return None
    return None if rec is None else int(rec[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]


def _read_project(f: BinaryIO) -> Project:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    if size > MAX_UNCOMPRESSED + (1 << 20):
        raise _Bad(f"the file is {size / 2**20:,.0f} MB, more than the limit of {MAX_UNCOMPRESSED / 2**20:,.0f} MB")
    n = _entry_count(f)
    if n is not None and n > MAX_MEMBERS:
        raise _Bad(f"the archive has {n} members; at most {MAX_MEMBERS} are allowed")
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise _Bad("this is not an nnstudio project (it is not a ZIP archive, or the file is incomplete)") from None
    with zf:
        infos = _check_archive(zf, MAX_MEMBERS, MAX_UNCOMPRESSED, "the archive")
        by_name = {i.filename: i for i in infos}
        if JSON_MEMBER not in by_name:
            raise _Bad(f"this is not an nnstudio project ({JSON_MEMBER} is missing)")
        if ARRAYS_MEMBER not in by_name:
            raise _Bad(f"the file is damaged: {ARRAYS_MEMBER} is missing")
        raw_json = _read_member(zf, by_name[JSON_MEMBER], MAX_JSON)
        npz = _read_member(zf, by_name[ARRAYS_MEMBER], MAX_UNCOMPRESSED)
    try:
        doc = json.loads(raw_json.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad(f"{JSON_MEMBER} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Bad(f"{JSON_MEMBER} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _Bad(f"this is not an nnstudio project ({JSON_MEMBER} does not say format \"{FORMAT}\")")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Bad(f"unknown file format version {version!r}")
    if version > SCHEMA_VERSION:
        raise _Bad(f"it was made by a newer nnstudio ({doc.get('app_version', '?')}, file format version "
                   f"{version}); this nnstudio {__version__} reads versions up to {SCHEMA_VERSION}. "
                   "Update nnstudio to open it")
    meta = doc.get("arrays")
    if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str):
        raise _Bad(f"{JSON_MEMBER} has no checksum of the arrays")
    if hashlib.sha256(npz).hexdigest() != meta["sha256"].lower():
        raise _Bad(f"{ARRAYS_MEMBER} does not match its checksum: the file is damaged or was tampered with")
    arrays = _read_arrays(npz)
    return _build_project(doc, arrays)


_ALLOWED_KINDS = "fiub"


def _npy_header(m: BinaryIO) -> tuple[tuple[int, ...], np.dtype]:
    fmt = np.lib.format
    version = fmt.read_magic(m)
    if version == (1, 0):
        shape, _fortran, dtype = fmt.read_array_header_1_0(m)
    elif version == (2, 0):
        shape, _fortran, dtype = fmt.read_array_header_2_0(m)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    return shape, dtype


def _read_arrays(npz: bytes) -> dict[str, np.ndarray]:
    """Check the inner archive (sizes, member count, headers, dtypes), then read it."""
    try:
        inner = zipfile.ZipFile(io.BytesIO(npz))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise _Bad(f"{ARRAYS_MEMBER} is not a valid .npz archive") from None
    with inner:
        infos = _check_archive(inner, MAX_ARRAYS, MAX_UNCOMPRESSED, ARRAYS_MEMBER)
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise _Bad(f"{ARRAYS_MEMBER} contains '{info.filename}', which is not an array")
            try:
                with inner.open(info) as m:
                    shape, dtype = _npy_header(m)
            except (ValueError, EOFError, zipfile.BadZipFile, OSError, SyntaxError, NotImplementedError,
                    RuntimeError, zlib.error) as exc:
                raise _Bad(f"the array {info.filename} is damaged ({exc})") from None
            if dtype.hasobject or dtype.kind not in _ALLOWED_KINDS:
                raise _Bad(f"the array {info.filename} has the unsupported type {dtype}")
            n = math.prod(shape)
            if n * dtype.itemsize > info.file_size:
                raise _Bad(f"the array {info.filename} is damaged (it is shorter than its shape {shape})")
    out: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(npz), allow_pickle=False) as z:
            for key in z.files:
                a = z[key]
                if not a.dtype.isnative:
                    a = a.astype(a.dtype.newbyteorder("="))
                out[key] = a
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise _Bad(f"{ARRAYS_MEMBER} is damaged ({exc})") from None
    return out


def _int(d: Mapping[str, Any], key: str, what: str, lo: int = 0) -> int:
    v = d.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        raise _Bad(f"{what} must be a whole number ≥ {lo}, not {v!r}")
    return v


def _array(arrays: Mapping[str, np.ndarray], key: str, shape: tuple[int | None, ...], kinds: str,
           what: str, dtype: np.dtype | None = None, finite: bool = False, required: bool = True) -> np.ndarray | None:
    a = arrays.get(key)
    if a is None:
        if required:
            raise _Bad(f"the file is damaged: {what} ({key}) is missing")
        return None
    if len(shape) != a.ndim or any(s is not None and s != t for s, t in zip(shape, a.shape)):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise _Bad(f"the shape of {what} is {a.shape}, not {want}: "
                   "the file is damaged or does not belong to these settings")
    if a.dtype.kind not in kinds:
        raise _Bad(f"the type of {what} is {a.dtype}, which does not fit")
    if dtype is not None and a.dtype != dtype:
        raise _Bad(f"the type of {what} is {a.dtype}, but the project trains in {dtype}")
    if finite and a.size and not np.all(np.isfinite(a)):
        raise _Bad(f"there are NaN or infinite values in {what}")
    return a


def _log_columns(network: NetworkSpec) -> dict[str, tuple[str, ...]]:
    cols = {"iterations": History.ITER_COLUMNS, "epochs": History.EPOCH_COLUMNS}
    layer_columns = getattr(History, "layer_columns", None)
    if layer_columns is not None:
        cols["layers"] = tuple(layer_columns(len(network.hidden) + 1))
    return cols


def _spec(cls: Any, d: Any, what: str) -> Any:
    try:
        return cls.from_dict(d)
    except SpecError as exc:
        raise _Bad(f"its {what} are not valid: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise _Bad(f"its {what} are not valid ({exc})") from None


def _build_project(doc: dict[str, Any], arrays: dict[str, np.ndarray]) -> Project:
    network = _spec(NetworkSpec, doc.get("network"), "network settings")
    train = _spec(TrainConfig, doc.get("train"), "training settings")
    data = _spec(DataSpec, doc.get("data"), "data settings")
    dt = np.dtype(train.dtype)
    n_params = network.n_parameters

    declared = doc["arrays"].get("members")
    if isinstance(declared, dict) and set(declared) != set(arrays):
        raise _Bad(f"{ARRAYS_MEMBER} does not hold the arrays {JSON_MEMBER} lists")

    weights = _array(arrays, "weights", (n_params,), "f", "the weights", dt, finite=True, required=False)

    inline = None
    ds_meta = doc.get("dataset")
    if ds_meta is not None:
        if not isinstance(ds_meta, dict):
            raise _Bad("the data set description is not valid")
        X = _array(arrays, "data_X", (None, None), "fiu", "the data points", finite=True)
        y = _array(arrays, "data_y", (X.shape[0],), "fiu", "the data targets", finite=True)  # type: ignore[union-attr]
        try:
            inline = Dataset(X, y, str(ds_meta.get("task")), tuple(ds_meta.get("feature_names") or ()),
                             tuple(ds_meta.get("class_names") or ()), str(ds_meta.get("name") or ""))
        except (DataError, TypeError) as exc:
            raise _Bad(f"its data points are not valid: {exc}") from None
    elif data.source == "inline":
        raise _Bad("the project uses painted (inline) data but its points are missing")

    state = None
    tr = doc.get("training")
    if tr is not None:
        if not isinstance(tr, dict):
            raise _Bad("the training position is not valid")
        if weights is None:
            raise _Bad("the file is damaged: it has a training position but no weights")
        state = _build_state(tr, arrays, train, n_params, dt)

    history = None
    hist = doc.get("history")
    if hist is not None:
        if not isinstance(hist, dict):
            raise _Bad("the history is not valid")
        history = {}
        for key, columns in _log_columns(network).items():
            h = hist.get(key)
            if h is None:
                continue
            if not isinstance(h, dict):
                raise _Bad(f"the {key} history is not valid")
            rows = _array(arrays, f"hist_{key}_rows", (None, len(columns)), "f", f"the {key} history")
            if len(rows) > History().iterations.capacity:  # type: ignore[arg-type]
                raise _Bad(f"the {key} history has too many rows")
            pending = _array(arrays, f"hist_{key}_pending", (len(columns),), "f", f"the {key} history",
                             required=False)
            stride = _int(h, "stride", f"the {key} history's stride", 1)
            n_pending = _int(h, "n_pending", f"the {key} history's pending rows", 0)
            if n_pending >= stride:
                raise _Bad(f"the {key} history is not valid")
            history[key] = LogState(np.array(rows, dtype=np.float64), stride,
                                    None if pending is None else np.array(pending, dtype=np.float64), n_pending)

    ui = doc.get("ui", {})
    if not isinstance(ui, dict):
        raise _Bad("the view settings (ui) are not a JSON object")
    name = doc.get("name", "")
    desc = doc.get("description", "")
    return Project(
        network=network, train=train, data=data, inline_data=inline,
        weights=None if weights is None else np.array(weights),
        trainer_state=state, history=history, ui=ui,
        name=name if isinstance(name, str) else "", description=desc if isinstance(desc, str) else "",
        app_version=str(doc.get("app_version", "")), saved_at=str(doc.get("saved_at", "")),
    )


def _build_state(tr: dict[str, Any], arrays: dict[str, np.ndarray], train: TrainConfig,
                 n_params: int, dt: np.dtype) -> TrainingState:
    perm = _array(arrays, "perm", (None,), "iu", "the epoch's sample order")
    assert perm is not None
    n = len(perm)
    if n == 0 or not np.array_equal(np.sort(perm), np.arange(n)):
        raise _Bad("the epoch's sample order is not a permutation of the training samples")
    pos = _int(tr, "pos", "the position in the epoch")
    if pos > n:
        raise _Bad("the position in the epoch is beyond the end of the epoch")
    opt_cls = OPTIMIZER_CLASSES[train.optimizer]
    step = _int(tr, "optimizer_step", "the optimizer's step count")
    opt_arrays = {}
    for k in arrays:
        if k.startswith("opt_") and k[4:] not in opt_cls.state_names:
            raise _Bad(f"the optimizer state '{k[4:]}' does not belong to {train.optimizer}")
    for name in opt_cls.state_names:
        a = _array(arrays, "opt_" + name, (n_params,), "f", f"the optimizer's {name}", dt, finite=True,
                   required=step > 0)
        if a is not None:
            opt_arrays[name] = np.array(a)
    best = _array(arrays, "best_params", (n_params,), "f", "the best weights", dt, finite=True, required=False)
    init = _array(arrays, "initial_weights", (n_params,), "f", "the initial weights", dt, finite=True,
                  required=False)
    traj_it = _array(arrays, "traj_iterations", (None,), "iu", "the trajectory", required=False)
    traj = None
    if traj_it is not None:
        traj = _array(arrays, "traj_params", (len(traj_it), n_params), "f", "the trajectory", dt, finite=True)
    stopped = tr.get("stopped")
    if stopped is not None and not isinstance(stopped, str):
        raise _Bad("the reason training stopped is not text")
    stop_info = tr.get("stop_info")
    if stop_info is not None and not isinstance(stop_info, dict):
        raise _Bad("the stop information is not valid")
    first = _dec_float(tr.get("first_loss"), "the first loss", allow_none=True)
    return TrainingState(
        iteration=_int(tr, "iteration", "the iteration"), epoch=_int(tr, "epoch", "the epoch"), pos=pos,
        perm=np.array(perm, dtype=np.int64), optimizer_step=step, optimizer_arrays=opt_arrays,
        shuffle_rng=_rng_from_json(tr.get("shuffle_rng"), "the shuffling generator"),
        dropout_rng=_rng_from_json(tr.get("dropout_rng"), "the dropout generator"),
        epoch_loss_sum=_dec_float(tr.get("epoch_loss_sum", 0.0), "the epoch's loss sum"),  # type: ignore[arg-type]
        epoch_batches=_int(tr, "epoch_batches", "the epoch's batch count"),
        epoch_correct=_int(tr, "epoch_correct", "the epoch's correct count"),
        epoch_seen=_int(tr, "epoch_seen", "the epoch's sample count"),
        best_value=_dec_float(tr.get("best_value", "inf"), "the best value"),  # type: ignore[arg-type]
        best_params=None if best is None else np.array(best),
        best_epoch=_int(tr, "best_epoch", "the best epoch", -1), wait=_int(tr, "wait", "the patience counter"),
        stopped=stopped, stop_info=stop_info, first_loss=first,
        initial_weights=None if init is None else np.array(init),
        trajectory_iterations=None if traj_it is None else np.array(traj_it, dtype=np.int64),
        trajectory=None if traj is None else np.array(traj),
        trajectory_stride=_int(tr, "trajectory_stride", "the trajectory stride", 1) if "trajectory_stride" in tr else 1,
    )


def new_project(network: NetworkSpec, train: TrainConfig, data: DataSpec, inline_data: Dataset | None = None,
                name: str = "", description: str = "", ui: Mapping[str, Any] | None = None,
                prepared: PreparedData | None = None) -> Project:
    """A project at iteration 0: the seed's initial weights, an empty history.

    The data is prepared (or ``prepared`` used) to check that it fits the network.

    Raises
    ------
    ProjectError, DataError, SpecError
        If the data cannot be made or does not fit the network.
    """
    proj = Project(network=network, train=train, data=data, inline_data=inline_data, name=name,
                   description=description, ui=dict(ui or {}))
    if prepared is None:
        prepared = prepare_project_data(proj)
    trainer = trainer_from_project(proj, data=prepared)
    return project_from_trainer(trainer, data, inline_data, ui=ui, name=name, description=description)


__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "SUFFIX",
    "MAX_UNCOMPRESSED",
    "LogState",
    "TrainingState",
    "Project",
    "capture_training_state",
    "restore_training_state",
    "project_from_trainer",
    "prepare_project_data",
    "trainer_from_project",
    "new_project",
    "project_to_bytes",
    "project_from_bytes",
    "save_project",
    "load_project",
]
