"""A training position in a project file: the trainer's state, and its JSON and arrays.

A :class:`~nnstudio.core.project_format.TrainingState` is everything that decides the
future of a run besides its weights (the position in the epoch, the optimizer's
memory, the random generators, the early-stopping counters). This module turns a
trainer's checkpoint into one and back, and writes one as JSON plus arrays — for the
project's present position (``"training"``) and for where its saved timeline starts.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Mapping

import numpy as np

from .errors import ProjectError
from .memory import NEVER
from .project_format import MAX_TRAJECTORY_BYTES, MAX_TRAJECTORY_POINTS, TrainingState
from .specs import TrainConfig
from .trainer import Trainer, _State


def capture_training_state(trainer: Trainer, include_trajectory: bool = True) -> TrainingState:
    """Copy everything that decides the future of ``trainer``'s run.

    A phase-by-phase iteration that is half done is not included: the state is the one
    after the last complete iteration. (With dropout, its random masks were already
    drawn, so finish the iteration with ``trainer.step()`` first to resume exactly.)
    """
    s = trainer._capture()
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
    return dataclasses.replace(
        state_to_training(s, trainer.stop_info),
        initial_weights=np.array(trainer.initial_params),
        trajectory_iterations=traj_it, trajectory=traj,
        trajectory_stride=stride,
    )


def state_to_training(s: _State, stop_info: Mapping[str, Any] | None = None) -> TrainingState:
    """A checkpoint of the trainer as a :class:`TrainingState` (copies)."""
    opt = dict(s.opt_state)
    step = int(opt.pop("step", 0))
    arrays = {k: np.array(v) for k, v in opt.items() if isinstance(v, np.ndarray)}
    return TrainingState(
        iteration=s.iteration, epoch=s.epoch, pos=s.pos, perm=np.asarray(s.perm, dtype=np.int64),
        optimizer_step=step, optimizer_arrays=arrays,
        shuffle_rng=copy_json(s.shuffle_rng), dropout_rng=copy_json(s.dropout_rng),
        epoch_loss_sum=float(s.epoch_loss_sum), epoch_batches=int(s.epoch_batches),
        epoch_correct=int(s.epoch_correct), epoch_seen=int(s.epoch_seen),
        best_value=float(s.best_value), best_params=None if s.best_params is None else s.best_params.copy(),
        best_epoch=int(s.best_epoch), wait=int(s.wait), stopped=s.stopped,
        stop_info=copy_json(stop_info) if stop_info and s.stopped else None,
        first_loss=None if s.first_loss is None else float(s.first_loss),
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
    # other data (a CSV file read again and changed): keep everything but start the epoch over
    snap = training_to_state(state, weights, dt, None if same_data else trainer.perm)
    try:
        trainer._restore(snap)
    except (ValueError, TypeError, KeyError) as exc:
        raise ProjectError(f"the saved random-generator state is not valid ({exc})") from None
    trainer.stop_info = copy_json(state.stop_info) if state.stopped and state.stop_info else (
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


def training_to_state(state: TrainingState, weights: np.ndarray, dt: np.dtype,
                      new_perm: np.ndarray | None = None, config: TrainConfig | None = None) -> _State:
    """A :class:`TrainingState` and its weights as a trainer checkpoint. ``new_perm``:
    the data changed since (the epoch starts over with this order)."""
    fresh = new_perm is not None
    opt_state: dict[str, Any] = {"step": int(state.optimizer_step)}
    opt_state.update({k: np.array(v, dtype=dt) for k, v in state.optimizer_arrays.items()})
    return _State(
        iteration=int(state.iteration), epoch=int(state.epoch),
        params=np.array(weights, dtype=dt), opt_state=opt_state,
        shuffle_rng=copy_json(state.shuffle_rng), dropout_rng=copy_json(state.dropout_rng),
        perm=np.asarray(new_perm if fresh else state.perm, dtype=np.intp),
        pos=0 if fresh else int(state.pos),
        epoch_loss_sum=0.0 if fresh else float(state.epoch_loss_sum),
        epoch_batches=0 if fresh else int(state.epoch_batches),
        epoch_correct=0 if fresh else int(state.epoch_correct),
        epoch_seen=0 if fresh else int(state.epoch_seen),
        best_value=float(state.best_value),
        best_params=None if state.best_params is None else np.array(state.best_params, dtype=dt),
        best_epoch=int(state.best_epoch), wait=int(state.wait), stopped=state.stopped,
        first_loss=state.first_loss, config=config,
    )


def copy_json(obj: Any) -> Any:
    """Deep copy of plain JSON-like data (dicts, lists, numbers, strings)."""
    if isinstance(obj, Mapping):
        return {str(k): copy_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [copy_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def enc_float(x: float | None) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def rng_to_json(state: Mapping[str, Any]) -> dict[str, Any]:
    # 128-bit integers are written as decimal strings: many JSON readers stop at 2**53
    inner = state["state"]
    return {"bit_generator": state["bit_generator"], "state": str(int(inner["state"])),
            "inc": str(int(inner["inc"])), "has_uint32": int(state.get("has_uint32", 0)),
            "uinteger": int(state.get("uinteger", 0))}


def training_json(st: TrainingState) -> dict[str, Any]:
    """The JSON of a training position (``"training"``, and the timeline's ``"start"``)."""
    return {
        "iteration": int(st.iteration), "epoch": int(st.epoch), "pos": int(st.pos),
        "optimizer_step": int(st.optimizer_step),
        "shuffle_rng": rng_to_json(st.shuffle_rng), "dropout_rng": rng_to_json(st.dropout_rng),
        "epoch_loss_sum": enc_float(st.epoch_loss_sum), "epoch_batches": int(st.epoch_batches),
        "epoch_correct": int(st.epoch_correct), "epoch_seen": int(st.epoch_seen),
        "best_value": enc_float(st.best_value), "best_epoch": int(st.best_epoch), "wait": int(st.wait),
        "stopped": st.stopped, "stop_info": json_safe(st.stop_info, "the stop information"),
        "first_loss": enc_float(st.first_loss), "trajectory_stride": int(st.trajectory_stride),
    }


def training_arrays(st: TrainingState, dt: np.dtype, prefix: str = "") -> dict[str, np.ndarray]:
    """The arrays of a training position: sample order, optimizer state, best weights."""
    arrays = {prefix + "perm": np.asarray(st.perm, dtype=np.int64)}
    for k, v in st.optimizer_arrays.items():
        arrays[prefix + "opt_" + k] = np.asarray(v, dtype=dt)
    if st.best_params is not None:
        arrays[prefix + "best_params"] = np.asarray(st.best_params, dtype=dt)
    return arrays


def json_safe(obj: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(copy_json(obj), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"{what} cannot be saved as JSON: {exc}") from None
