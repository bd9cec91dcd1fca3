"""A project's run built from its checked project.json and arrays: the data set stored in
it, the training position (counters, sample order, optimizer state, generators), the
timeline of changes, the history logs and the view settings.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from .data import DataSpec, Dataset
from .data.dataset import TASKS
from .errors import DataError
from .optimizers import OPTIMIZER_CLASSES
from .project_archive import BadProjectFile
from .project_arrays import _log_columns
from .project_format import MAX_CHANGES, LogState, Project, SavedChange, SavedTimeline, TrainingState
from .project_limits import MAX_CLASSES, MAX_COUNT, MAX_ITERATIONS
from .project_values import _array, _int, _spec, _stop_info, _texts, _timeline_train, dec_float, rng_from_json
from .restrictions import RestrictionError, Restrictions
from .safetext import printable
from .specs import NetworkSpec, TrainConfig


def _dataset(meta: Mapping[str, Any], arrays: dict[str, np.ndarray]) -> Dataset:
    task = meta.get("task")
    if task not in TASKS:
        raise BadProjectFile(f"the data set's task {printable(repr(task), 30)} is not one of {', '.join(TASKS)}")
    features = _texts(meta.get("feature_names"), "column names")
    classes = _texts(meta.get("class_names"), "class names")
    name = meta.get("name") or ""
    if not isinstance(name, str):
        raise BadProjectFile("the data set's name is not text")
    X = _array(arrays, "data_X", "the data points", finite=True)
    y = _array(arrays, "data_y", "the data targets", finite=True)
    assert X is not None and y is not None
    if task != "regression" and len(y):
        k = len(classes) or MAX_CLASSES
        bad = np.flatnonzero((y < 0) | (y >= k) | (y != np.floor(y)))
        if len(bad):
            r = int(bad[0])
            raise BadProjectFile(f"the class label {printable(y[r].item(), 30)} of data point {r + 1} is not a class "
                                 f"index 0 … {k - 1}")
    try:
        ds = Dataset(X, y, task, features, classes, name)
    except (DataError, TypeError, ValueError) as exc:
        raise BadProjectFile(f"its data points are not valid: {exc}") from None
    del arrays["data_X"], arrays["data_y"]  # the Dataset holds its own copies
    return ds


def _build_project(doc: dict[str, Any], arrays: dict[str, np.ndarray], network: NetworkSpec,
                   train: TrainConfig, data: DataSpec, who: str = "the run") -> Project:
    """The project of the checked ``doc`` and ``arrays``; ``who`` names the run in
    messages ("run B of the comparison")."""
    weights = _array(arrays, "weights", "the weights", finite=True, required=False)

    inline = None
    ds_meta = doc.get("dataset")
    if ds_meta is not None:
        if not isinstance(ds_meta, dict):
            raise BadProjectFile("the data set description is not valid")
        inline = _dataset(ds_meta, arrays)
    elif data.source == "inline":
        raise BadProjectFile("the project uses painted (inline) data but its points are missing")

    state = None
    tr = doc.get("training")
    if tr is not None:
        if not isinstance(tr, dict):
            raise BadProjectFile("the training position is not valid")
        if weights is None:
            raise BadProjectFile("the file is damaged: it has a training position but no weights")
        state = _build_state(tr, arrays, train, who=who)

    timeline = None
    tl = doc.get("timeline")
    if tl is not None:
        if state is None or weights is None:
            raise BadProjectFile("the file is damaged: it has a timeline but no training position")
        timeline = _build_timeline(tl, arrays, network, state)

    history = None
    hist = doc.get("history")
    if hist is not None:
        if not isinstance(hist, dict):
            raise BadProjectFile("the history is not valid")
        history = {}
        for key, columns in _log_columns(network).items():
            h = hist.get(key)
            if h is None:
                continue
            if not isinstance(h, dict):
                raise BadProjectFile(f"the {key} history is not valid")
            rows = _array(arrays, f"hist_{key}_rows", f"the {key} history")
            pending = _array(arrays, f"hist_{key}_pending", f"the {key} history", required=False)
            stride = _int(h, "stride", f"the {key} history's stride", 1)
            n_pending = _int(h, "n_pending", f"the {key} history's pending rows", 0)
            if n_pending >= stride:
                raise BadProjectFile(f"the {key} history is not valid")
            history[key] = LogState(np.asarray(rows, dtype=np.float64), stride,
                                    None if pending is None else np.asarray(pending, dtype=np.float64), n_pending)

    ui = doc.get("ui", {})
    if not isinstance(ui, dict):
        raise BadProjectFile("the view settings (ui) are not a JSON object")
    if "classroom" in ui:  # what a teacher hid and locked: refused here if it cannot be applied
        try:
            Restrictions.from_dict(ui["classroom"])
        except RestrictionError as exc:
            raise BadProjectFile(str(exc)) from None

    def text(key: str) -> str:
        v = doc.get(key, "")
        return v if isinstance(v, str) else ""

    return Project(
        network=network, train=train, data=data, inline_data=inline, weights=weights,
        trainer_state=state, history=history, timeline=timeline, ui=ui, name=text("name"), description=text("description"),
        app_version=text("app_version"), saved_at=text("saved_at"),
    )


def _build_timeline(tl: dict[str, Any], arrays: dict[str, np.ndarray], network: NetworkSpec,
                    state: TrainingState) -> SavedTimeline:
    start_train = _timeline_train({"timeline": tl})
    assert start_train is not None
    start_doc = tl.get("start")
    if not isinstance(start_doc, dict):
        raise BadProjectFile("the timeline's starting position is not valid")
    start = _build_state(start_doc, arrays, start_train, prefix="tl_", who="the start of the timeline")
    weights = _array(arrays, "tl_weights", "the weights where the timeline starts", finite=True)
    raw = tl.get("changes")
    if not isinstance(raw, list) or len(raw) > MAX_CHANGES:
        raise BadProjectFile(f"the timeline's changes are not a list of at most {MAX_CHANGES} changes")
    idx = _array(arrays, "tl_w_idx", "the weights typed in", required=False)
    vals = _array(arrays, "tl_w_val", "the weights typed in", finite=True, required=False)
    n = network.n_parameters
    if idx is not None and idx.size and (idx.min() < 0 or idx.max() >= n):
        raise BadProjectFile("a weight typed in (timeline) is not a weight of this network")
    used = 0
    last = start.iteration
    changes: list[SavedChange] = []
    for k, c in enumerate(raw):
        what = f"change {k + 1} of the timeline"
        if not isinstance(c, dict):
            raise BadProjectFile(f"{what} is not valid")
        it = _int(c, "iteration", f"the iteration of {what}")
        phase = c.get("phase")
        if phase not in (None, "forward", "loss", "backward") or not last <= it <= state.iteration:
            raise BadProjectFile(f"{what} is out of order or not valid")
        last = it
        if "train" in c:
            changes.append(SavedChange(it, phase, train=_spec(TrainConfig, c["train"], f"settings of {what}")))
            continue
        count = _int(c, "weights", f"the weight count of {what}", 1)
        if idx is None or vals is None or used + count > len(idx):
            raise BadProjectFile(f"the weights of {what} are missing")
        changes.append(SavedChange(it, phase, indices=idx[used:used + count].astype(np.int64),
                                   values=vals[used:used + count].astype(np.float64)))
        used += count
    if idx is not None and used != len(idx):
        raise BadProjectFile("the timeline holds weights typed in that no change uses")
    return SavedTimeline(start, weights, start_train, changes)  # type: ignore[arg-type]


def _position(tr: Mapping[str, Any], who: str) -> tuple[int, int]:
    """The iteration and epoch a run stands at: at most :data:`MAX_ITERATIONS`, and an
    epoch ends with the iteration that finishes it."""
    iteration = _int(tr, "iteration", "the iteration")
    epoch = _int(tr, "epoch", "the epoch")
    if iteration > MAX_ITERATIONS:
        raise BadProjectFile(f"{who} is at iteration {iteration:,}, more than a run can have trained (at most "
                             f"{MAX_ITERATIONS:,}): the file is damaged")
    if epoch > iteration:
        raise BadProjectFile(f"{who} is at epoch {epoch:,} after {iteration:,} iterations; an epoch takes at "
                             "least one iteration: the file is damaged")
    return iteration, epoch


def _loss(value: Any, what: str, allow_none: bool = False, allow_inf: bool = False) -> float | None:
    """A loss (or sum of losses) of project.json: a number ≥ 0, finite (``allow_inf``: or
    +∞, "none yet"). Training never records a NaN or infinite loss: it stops first."""
    v = dec_float(value, what, allow_none=allow_none)
    if v is None:
        return None
    if not (v >= 0 and (v < math.inf or allow_inf)):
        raise BadProjectFile(f"{what} must be a finite number ≥ 0, not {printable(v, 30)}: the file is damaged")
    return v


def _build_state(tr: dict[str, Any], arrays: dict[str, np.ndarray], train: TrainConfig,
                 prefix: str = "", who: str = "the run") -> TrainingState:
    perm = _array(arrays, prefix + "perm", "the epoch's sample order")
    assert perm is not None
    n = len(perm)
    if n == 0 or not np.array_equal(np.sort(perm), np.arange(n)):
        raise BadProjectFile("the epoch's sample order is not a permutation of the training samples")
    pos = _int(tr, "pos", "the position in the epoch")
    if pos > n:
        raise BadProjectFile("the position in the epoch is beyond the end of the epoch")
    step = _int(tr, "optimizer_step", "the optimizer's step count")
    opt_arrays = {}
    for name in OPTIMIZER_CLASSES[train.optimizer].state_names:
        a = _array(arrays, prefix + "opt_" + name, f"the optimizer's {name}", finite=True, required=step > 0)
        if a is not None:
            opt_arrays[name] = a
    best = _array(arrays, prefix + "best_params", "the best weights", finite=True, required=False)
    init = None if prefix else _array(arrays, "initial_weights", "the initial weights", finite=True, required=False)
    traj_it = None if prefix else _array(arrays, "traj_iterations", "the trajectory", required=False)
    traj = None
    if traj_it is not None:
        traj = _array(arrays, "traj_params", "the trajectory", finite=True)
        if traj_it.size and (traj_it.min() < 0 or traj_it.max() >= MAX_COUNT):
            raise BadProjectFile("the trajectory's iterations are out of range")
    stopped = tr.get("stopped")
    if stopped is not None and not isinstance(stopped, str):
        raise BadProjectFile("the reason training stopped is not text")
    first = _loss(tr.get("first_loss"), "the first loss", allow_none=True)
    iteration, epoch = _position(tr, who)
    return TrainingState(
        iteration=iteration, epoch=epoch, pos=pos,
        perm=perm.astype(np.int64, copy=False), optimizer_step=step, optimizer_arrays=opt_arrays,
        shuffle_rng=rng_from_json(tr.get("shuffle_rng"), "the shuffling generator"),
        dropout_rng=rng_from_json(tr.get("dropout_rng"), "the dropout generator"),
        epoch_loss_sum=_loss(tr.get("epoch_loss_sum", 0.0), "the epoch's loss sum"),  # type: ignore[arg-type]
        epoch_batches=_int(tr, "epoch_batches", "the epoch's batch count"),
        epoch_correct=_int(tr, "epoch_correct", "the epoch's correct count"),
        epoch_seen=_int(tr, "epoch_seen", "the epoch's sample count"),
        best_value=_loss(tr.get("best_value", "inf"), "the best value", allow_inf=True),  # type: ignore[arg-type]
        best_params=best, best_epoch=_int(tr, "best_epoch", "the best epoch", -1),
        wait=_int(tr, "wait", "the patience counter"),
        stopped=stopped, stop_info=_stop_info(tr.get("stop_info")), first_loss=first,
        initial_weights=init,
        trajectory_iterations=None if traj_it is None else traj_it.astype(np.int64, copy=False),
        trajectory=traj,
        trajectory_stride=_int(tr, "trajectory_stride", "the trajectory stride", 1) if "trajectory_stride" in tr else 1,
    )
