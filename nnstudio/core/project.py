"""Saving and opening whole projects: settings, data, weights, training position, history.

The file format and the :class:`Project` it holds are described in
:mod:`nnstudio.core.project_format`; this module turns a trainer into a project and
back, writes files and opens them (the checks made when opening, and the limits that
keep refusing a bad file fast and cheap, are in :mod:`nnstudio.core.project_reader`).

Writing is atomic: the archive goes to a temporary file in the target folder, which is
flushed to disk and then renamed over the target, so a crash or a full disk never
leaves a half-written project (the old file stays as it was). A save that is killed
leaves its temporary file behind; the temporary file's name carries the writer's
process id, and the next save of the same project removes those whose process is gone
(or, written on another computer, that are more than a day old), never one a running
save is still writing. Saving refuses a project the reader would refuse (a network
with more than :data:`MAX_PARAMETERS` parameters, arrays beyond the memory limit), so
the app never writes a file it cannot open again.

Opening accepts only a regular file (not a folder, a named pipe or a device), checks
everything before trusting it — ZIP structure, sizes, JSON, schema version, the
SHA-256 of ``arrays.npz``, the settings, and every array's shape, dtype and values —
and refuses a bad file with a :class:`ProjectError` whose message (at most a few
hundred characters, control characters escaped) names the file and what is wrong.

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
import os
import re
import secrets
import socket
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import numpy as np

from .. import __version__
from . import safefile, safejson
from .data import DataSpec, Dataset, PreparedData, prepare
from .errors import ProjectError, SpecError
from .memory import MemoryLimitError
from .project_format import (
    ARRAYS_MEMBER,
    B_PREFIX,
    FORMAT,
    JSON_MEMBER,
    LOG_KEYS,
    MAX_TRAJECTORY_POINTS,
    SCHEMA_VERSION,
    SUFFIX,
    LogState,
    Project,
    SavedComparison,
    TrainingState,
)
from .project_reader import (
    MAX_ARRAYS,
    MAX_FILE_BYTES,
    MAX_JSON,
    MAX_MEMBERS,
    MAX_PARAMETERS,
    MAX_UNCOMPRESSED,
    BadProjectFile,
    max_file_bytes,
    read_project,
    size_text,
)
from .safejson import clean_strings
from .safetext import MESSAGE_LIMIT, printable
from .project_state import (
    capture_training_state,
    copy_json,
    json_safe,
    restore_training_state,
    training_arrays,
    training_json,
)
from .project_timeline import apply_saved_timeline, saved_timeline, timeline_json_and_arrays
from .specs import NetworkSpec, TrainConfig
from .trainer import Trainer

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # inner npz members: same arrays => same bytes
#: a temporary file of a save on another computer is removed once it is this old (seconds)
STALE_TEMP_AGE = 24 * 3600


# ============================================================================ history <-> state
def _log_state(log: Any) -> LogState:
    arrays = log.to_arrays()
    return LogState(rows=np.array(arrays["rows"], dtype=np.float64), stride=int(arrays["stride"]),
                    pending=np.array(getattr(log, "_acc", np.zeros(len(log.columns))), dtype=np.float64),
                    n_pending=int(getattr(log, "_acc_n", 0)))


def _load_log(log: Any, state: LogState) -> None:
    log.load_arrays(state.rows, state.stride)
    # the partial sum of a decimated log is part of what makes the next stored row exact
    if state.pending is not None and hasattr(log, "_acc"):
        log._acc[:] = [float(v) for v in state.pending]
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
        history=history, timeline=saved_timeline(trainer), ui=copy_json(dict(ui or {})), name=name,
        description=description,
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
    if project.timeline is not None and project.trainer_state is not None and project.weights is not None:
        apply_saved_timeline(trainer, project.timeline)
    if project.history is not None:
        for key in LOG_KEYS:
            if key in project.history and hasattr(trainer.history, key):
                try:
                    _load_log(getattr(trainer.history, key), project.history[key])
                except ValueError as exc:
                    raise ProjectError(f"the saved {key} history does not fit: {exc}") from None
    return trainer


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
        doc["training"] = training_json(st)
        arrays.update(training_arrays(st, dt))
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
    if project.timeline is not None and st is not None:
        doc["timeline"], tl_arrays = timeline_json_and_arrays(project.timeline, project.network)
        arrays.update(tl_arrays)
    doc["ui"] = json_safe(project.ui, "the view settings (ui)")
    if project.comparison is not None:
        doc["comparison"], b_arrays = _comparison_json_and_arrays(project.comparison)
        arrays.update(b_arrays)
    _fit_limits(project, doc, arrays)
    return doc, arrays


def _comparison_json_and_arrays(saved: SavedComparison) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Run B of a comparison: its part of project.json, and its arrays named ``b_<name>``
    (B trains on the project's data, which is stored once, with run A)."""
    run = saved.run
    if run.trainer_state is None or run.weights is None:
        raise ProjectError("run B of the comparison has no weights or training position to save")
    run = dataclasses.replace(run, data=DataSpec(), inline_data=None, comparison=None, ui={})
    sub, arrays = _project_json_and_arrays(run)
    doc: dict[str, Any] = {"changes": saved.changes.to_dict(), "label": str(saved.label), "note": str(saved.note),
                           "fork_iteration": int(saved.fork_iteration)}
    doc.update({key: sub.get(key) for key in ("network", "train", "training", "history", "timeline")})
    return doc, {B_PREFIX + key: a for key, a in arrays.items()}


def _memory(arrays: Mapping[str, np.ndarray]) -> int:
    # as the reader counts it: a stored data set is copied once more when it is checked
    return sum(a.nbytes for a in arrays.values()) + (arrays["data_X"].nbytes if "data_X" in arrays else 0)


def _fit_limits(project: Project, doc: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Refuse what the reader would refuse, so no file is written that cannot be opened.

    A copy of a CSV file's rows that does not fit is left out (the project then reads
    the file again when it is opened), rather than refusing to save the learner's work.
    """
    n = project.network.n_parameters
    if n > MAX_PARAMETERS:
        sizes = printable(" → ".join(map(str, project.network.layer_sizes)), 80)
        raise ProjectError(f"this network ({sizes}) has {n:,} parameters; a project file may hold at most "
                           f"{MAX_PARAMETERS:,}: make the network smaller to save it")
    t = len(arrays["traj_iterations"]) if "traj_iterations" in arrays else 0
    if t > MAX_TRAJECTORY_POINTS:  # a path made elsewhere than capture_training_state: thin it
        keep = np.linspace(0, t - 1, MAX_TRAJECTORY_POINTS).round().astype(int)
        arrays["traj_iterations"], arrays["traj_params"] = arrays["traj_iterations"][keep], arrays["traj_params"][keep]
    if _memory(arrays) > MAX_UNCOMPRESSED and project.data.source == "csv" and "data_X" in arrays:
        del arrays["data_X"], arrays["data_y"]
        doc["dataset"] = None
    need = _memory(arrays)
    if need > MAX_UNCOMPRESSED:
        raise ProjectError(f"the project's arrays take {size_text(need)}; a project file may hold at most "
                           f"{size_text(MAX_UNCOMPRESSED)}: use less data or a smaller network to save it")


def project_to_bytes(project: Project) -> bytes:
    """The ``.nnproj`` file content of ``project`` (see the module notes for the format)."""
    doc, arrays = _project_json_and_arrays(project)
    npz = _write_npz(arrays)
    doc["arrays"] = {
        "sha256": hashlib.sha256(npz).hexdigest(),
        "size": len(npz),
        "members": {k: {"dtype": str(a.dtype), "shape": list(a.shape)} for k, a in arrays.items()},
    }
    # text the reader would turn into U+FFFD (lone surrogates, e.g. from a file name that
    # is not UTF-8) is written as such, instead of failing to encode
    text = json.dumps(clean_strings(doc), indent=1, ensure_ascii=False, allow_nan=False)
    try:
        safejson.loads(text)
    except safejson.JSONLimitError as exc:
        raise ProjectError(f"the project cannot be saved: its settings go beyond what a project file may hold "
                           f"({exc})") from None
    if len(text) > MAX_JSON // 4 and len(text.encode("utf-8")) > MAX_JSON:
        raise ProjectError(f"the project cannot be saved: its settings take more than {size_text(MAX_JSON)}")
    buf = io.BytesIO()
    _write_zip(buf, text.encode("utf-8"), npz)
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

    Temporary files that killed saves of the same project left behind are removed first
    (see :func:`remove_stale_temp_files`). A symbolic link is followed: the file it points
    to is replaced, and the link stays.

    Raises
    ------
    ProjectError
        If the project cannot be saved (a folder of that name exists, the folder does
        not exist or is read-only, the file is marked read-only, the disk is full, the
        network is too large, ...).
    """
    p = Path(path)
    shown = printable(str(p), 120)
    if p.is_symlink():  # save the file it points to: replacing the link would leave that file as it was
        p = Path(os.path.realpath(p))
    if p.is_dir():
        raise ProjectError(f"cannot save to '{shown}': it is a folder; give a file name like "
                           f"'{printable(str(p / 'project'), 100)}{SUFFIX}'")
    try:
        mode: int | None = os.stat(p).st_mode
    except (OSError, ValueError):  # not there yet (or a name the system refuses: said when it is written)
        mode = None
    kind = safefile.kind_of(mode) if mode is not None else None
    if kind is not None:  # a pipe or a device would be replaced by the project (a device only by root)
        raise ProjectError(f"cannot save to '{shown}': it is {kind}, not a project file")
    if mode is not None and not mode & 0o222:  # renaming over it would succeed in a writable folder
        raise ProjectError(f"cannot save to '{shown}': {safefile.READ_ONLY}")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectError(f"cannot save to '{shown}': the folder '{printable(str(folder), 100)}' does not exist")
    if not project.name:
        project = dataclasses.replace(project, name=clean_strings(p.stem))
    content = project_to_bytes(project)
    remove_stale_temp_files(p)
    tmp = folder / temp_name(p.name)
    try:
        # 0o666 lets the user's umask decide the permissions, as for any new file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise ProjectError(f"cannot save to '{shown}': {exc.strerror or exc}") from None
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
            raise ProjectError(f"cannot save to '{shown}': {exc.strerror or exc}") from None
        raise
    _fsync_dir(folder)
    return p


def _write_file(f: BinaryIO, content: bytes) -> None:
    f.write(content)


# which computer wrote a temporary file: a process id means something only there
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]
_TEMP = re.compile(r"\.(?P<target>.+)\.(?:(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-)?[0-9a-f]{8}\.tmp", re.S)


def temp_name(target: str) -> str:
    """The name of the temporary file a save of ``target`` writes: ``.<target>.<host>-<pid>-<random>.tmp``."""
    return f".{target}.{_HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _process_gone(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end the process there, not probe it
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OverflowError, ValueError):
        return True
    except OSError:  # it exists, but belongs to someone else
        return False
    return False


def remove_stale_temp_files(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that killed saves of ``path`` left beside it.

    A temporary file is removed when the process that wrote it (on this computer) is
    gone, or when it is more than :data:`STALE_TEMP_AGE` old (one written on another
    computer, or by an older nnstudio whose names carry no process id); never one that a
    running save is still writing. Errors are ignored: this is tidying up.

    Returns
    -------
    list of Path
        The files removed.
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    prefix = f".{p.name}."
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        m = _TEMP.fullmatch(entry.name)
        if m is None or m["target"] != p.name:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(m["pid"]) if m["pid"] else None
        ours = m["host"] == _HOST and pid is not None and pid != os.getpid()
        if age > STALE_TEMP_AGE or (ours and _process_gone(pid)):  # type: ignore[arg-type]
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


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


# ============================================================================ opening
def _message(text: str) -> str:
    """A whole message for a person: one line, control characters (newlines too) escaped,
    at most MESSAGE_LIMIT characters."""
    return printable(text, MESSAGE_LIMIT)


def _reason(exc: BaseException) -> str:
    return printable(getattr(exc, "strerror", None) or exc, 100)


def _checked(read: Any, name: str) -> Project:
    """Run ``read()``; any problem becomes a ProjectError whose message is bounded and escaped."""
    try:
        return read()
    except ProjectError:
        raise
    except BadProjectFile as exc:
        raise ProjectError(_message(f"cannot open {name}: {exc}")) from None
    except OSError as exc:
        raise ProjectError(_message(f"cannot read {name}: {_reason(exc)}")) from None
    except MemoryError:
        raise ProjectError(f"cannot open {name}: there is not enough memory to open it") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, RecursionError,
            UnicodeError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as exc:
        # a check is missing somewhere; the learner still gets a message, not a traceback
        raise ProjectError(_message(f"cannot open {name}: the file is damaged (unexpected "
                                   f"{type(exc).__name__}: {printable(exc, 80)})")) from None


def load_project(path: str | os.PathLike) -> Project:
    """Open a project file; nothing on disk is changed.

    Only a regular file is opened (not a folder, a named pipe, a device), without
    blocking, and no larger than the reader's limit (see
    :mod:`nnstudio.core.project_reader`).

    Raises
    ------
    ProjectError
        If the file is missing, a folder, not a regular file, unreadable, not a project,
        damaged, tampered with, too large, made by a newer nnstudio, or its settings or
        arrays are not valid. The message says which, in at most a few hundred
        characters with control characters escaped.
    """
    p = Path(path)
    shown = printable(str(p), 120)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ProjectError(f"there is no project file '{shown}'") from None
    except (OSError, ValueError) as exc:
        raise ProjectError(_message(f"cannot read '{shown}': {_reason(exc)}")) from None
    kind = safefile.kind_of(st.st_mode)
    if kind == "a folder":
        raise ProjectError(f"'{shown}' is a folder, not a project file")
    if kind is not None:
        raise ProjectError(f"'{shown}' is {kind}, not a project file")
    name = f"'{printable(p.name, 80)}'"
    limit = max_file_bytes(MAX_UNCOMPRESSED)
    if st.st_size > limit:
        raise ProjectError(f"cannot open {name}: the file is {size_text(st.st_size)}, more than the limit of "
                           f"{size_text(limit)}")

    def read() -> Project:
        try:
            f = open(p, "rb", opener=safefile.nonblocking_opener)
        except OSError as exc:
            raise ProjectError(_message(f"cannot read '{shown}': {_reason(exc)}")) from None
        with f:
            now = safefile.opened_kind(f)
            if now is not None:  # replaced since it was looked at
                raise ProjectError(f"'{shown}' is {now}, not a project file")
            return read_project(f, MAX_UNCOMPRESSED)

    project = _checked(read, name)
    if not project.name:
        project.name = clean_strings(p.stem)
    return project


def project_from_bytes(content: bytes) -> Project:
    """Inverse of :func:`project_to_bytes`, with all the checks of :func:`load_project`."""
    return _checked(lambda: read_project(io.BytesIO(content), MAX_UNCOMPRESSED), "the project")



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
    "MAX_PARAMETERS",
    "MAX_JSON",
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_ARRAYS",
    "STALE_TEMP_AGE",
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
    "remove_stale_temp_files",
    "temp_name",
]

