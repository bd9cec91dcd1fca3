"""A project file whose comparison part lies, opened by the command line.

Each file here is a genuine project with two runs (saved by nnstudio, 20 iterations
each) with one field of run B's part (or of run A's position) changed, as an attacker
would: the checksum of the arrays is recomputed, so only nnstudio's own checks stand
between the file and the output. A file whose runs cannot stand where it says is
refused by every command (``info``, ``train``, ``train --compare``, ``export``) with
one line and exit code 2, the very message the window shows when it opens the file
(the same steps as File › Open: load, prepare the data, make run A, then the
comparison). A file that is only odd (a long label, control characters) is described
with its text escaped and cut.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import load_project, prepare_project_data, save_project, trainer_from_project
from nnstudio.core.project_comparison import comparison_from_project, project_from_comparison
from nnstudio.core.safetext import bounded
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer

DATA = DataSpec(name="xor", n_samples=120, noise=0.1, seed=3)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "tanh"),))
CONTROLS = ("\x1b", "\r", "\u202e", "\x00", "\x07")


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> Path:
    a = Trainer(NET, TrainConfig(learning_rate=0.1, batch_size=10, seed=2), prepare(DATA))
    cmp = Comparison.fork(a, "lr=0.3")
    cmp.run(iterations=20)
    path = tmp_path_factory.mktemp("genuine") / "two.nnproj"
    save_project(path, project_from_comparison(cmp, DATA))
    return path


def hostile(genuine: Path, folder: Path, edit_json: Callable[[dict], Any] | None = None,
            edit_arrays: Callable[[dict], Any] | None = None) -> Path:
    """A copy of ``genuine`` with its project.json and arrays edited, the checksum made to fit."""
    with zipfile.ZipFile(genuine) as z:
        doc = json.loads(z.read("project.json"))
        npz = z.read("arrays.npz")
    if edit_arrays is not None:
        with np.load(io.BytesIO(npz), allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        edit_arrays(arrays)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        npz = buf.getvalue()
        doc["arrays"]["sha256"] = hashlib.sha256(npz).hexdigest()
    if edit_json is not None:
        edit_json(doc)
    path = folder / "hostile.nnproj"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.json", json.dumps(doc, ensure_ascii=False))
        z.writestr("arrays.npz", npz)
    return path


def window_message(path: Path) -> str:
    """What File › Open shows for ``path`` (ProjectFiles.open's steps, without Qt)."""
    try:
        project = load_project(path)
        trainer = trainer_from_project(project, data=prepare_project_data(project))
        comparison_from_project(project, trainer)
    except NNStudioError as exc:
        return bounded(str(exc))
    raise AssertionError("the window opens this file")


def b_training(**fields: Any) -> Callable[[dict], None]:
    return lambda doc: doc["comparison"]["training"].update(fields)


def a_training(**fields: Any) -> Callable[[dict], None]:
    return lambda doc: doc["training"].update(fields)


def both(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda doc: [e(doc) for e in edits]


def _set(key: str, value: Any) -> Callable[[dict], None]:
    return lambda arrays: arrays.__setitem__(key, value(arrays[key]))


COMMANDS = [["info"], ["train", "--iterations", "3"], ["train", "--iterations", "3", "--compare", "lr=0.5"],
            ["export", "--to", "pytorch"]]

MORE = "more than a run can have trained (at most 10,000,000,000): the file is damaged"

REFUSED = {
    # run B claims a count beside A at 20 (the first Play would train A 10⁹ iterations)
    "B at 10^9": (b_training(iteration=10**9), None,
                  "run B of the comparison is at iteration 1,000,000,000 and run A at 20"),
    # an absurd count is refused for itself, whether one run claims it or both (where the
    # runs agree, a rewind or a run B with its own weights would train that many)
    "B at 10^12": (b_training(iteration=10**12), None, f"run B of the comparison is at iteration "
                                                         f"1,000,000,000,000, {MORE}"),
    "B at 10^12, stopped": (b_training(iteration=10**12, stopped="diverged"), None,
                            f"run B of the comparison is at iteration 1,000,000,000,000, {MORE}"),
    "both at 10^12": (both(a_training(iteration=10**12, epoch=10**11), b_training(iteration=10**12, epoch=10**11)),
                      None, f"run A of the comparison is at iteration 1,000,000,000,000, {MORE}"),
    "both just past the limit": (both(a_training(iteration=10**10 + 1), b_training(iteration=10**10 + 1)), None,
                                 f"run A of the comparison is at iteration 10,000,000,001, {MORE}"),
    "B made after both runs' iteration": (lambda d: d["comparison"].update(fork_iteration=21), None,
                                          "run B of the comparison was made at iteration 21, but run A is at 20 "
                                          "and run B at 20: the file is damaged"),
    "B made far beyond": (lambda d: d["comparison"].update(fork_iteration=2**61), None,
                          "run B of the comparison was made at iteration 2,305,843,009,213,693,952"),
    "NaN first loss of B": (b_training(first_loss="nan"), None,
                            "the first loss must be a finite number ≥ 0, not nan: the file is damaged"),
    "infinite first loss of B": (b_training(first_loss="inf"), None, "the first loss must be a finite number ≥ 0, "
                                                                     "not inf"),
    "negative first loss of A": (a_training(first_loss=-1.5), None, "the first loss must be a finite number ≥ 0, "
                                                                    "not -1.5"),
    "NaN loss sum of B": (b_training(epoch_loss_sum="nan"), None, "the epoch's loss sum must be a finite number"),
    "-inf best value of B": (b_training(best_value="-inf"), None, "the best value must be a finite number ≥ 0"),
    "a NaN literal in B's state": (b_training(first_loss=float("nan")), None, "NaN is not a number JSON allows"),
    "B's network not what its changes make": (
        lambda d: d["comparison"]["network"]["hidden"][0].update(units=7),
        lambda arrays: arrays.update({k: np.zeros((*a.shape[:-1], 2 * 7 + 7 + 7 + 1)) for k, a in arrays.items()
                                      if k.startswith("b_") and a.shape[-1:] == (2 * 4 + 4 + 4 + 1,)}),
        "run B's network is not the one its changes make of run A's (2 → 7 → 1 instead of 2 → 4 → 1)"),
    "B's activation not what its changes make": (
        lambda d: d["comparison"]["network"]["hidden"][0].update(activation="relu"), None,
        "run B's network is not the one its changes make of run A's: the file is damaged"),
    "B's learning rate not what its changes say": (lambda d: d["comparison"]["train"].update(learning_rate=0.1), None,
                                                   "run B's learning_rate is 0.1, but its changes make it 0.3"),
    "changes that do not fit A": (lambda d: d["comparison"].update(changes={"activation": ["relu", "tanh"]}), None,
                                  "the changes of run B do not fit run A: activation has 2 values but the network "
                                  "has 1 hidden layer(s)"),
    "B behind A, not stopped": (b_training(iteration=5), None, "run B of the comparison is at iteration 5 and run A"),
    "B at more epochs than iterations": (b_training(epoch=10**12), None,
                                         "run B of the comparison is at epoch 1,000,000,000,000 after 20 iterations"),
    "A at more epochs than iterations": (a_training(epoch=21), None,
                                         "run A of the comparison is at epoch 21 after 20 iterations"),
    "negative iteration": (b_training(iteration=-1), None, "the iteration must be a whole number ≥ 0, not -1"),
    "negative epoch": (b_training(epoch=-7), None, "the epoch must be a whole number ≥ 0, not -7"),
    "negative fork": (lambda d: d["comparison"].update(fork_iteration=-3), None,
                      "the iteration run B was made at must be a whole number ≥ 0, not -3"),
    "negative sample count": (b_training(epoch_seen=-10), None, "sample count must be a whole number ≥ 0"),
    "NaN weights": (None, _set("b_weights", lambda w: np.full_like(w, np.nan)), "NaN or infinite values"),
    "short weights": (None, _set("b_weights", lambda w: w[:5]), "the shape of the weights of run B is (5,)"),
    "history of another shape": (None, _set("b_hist_iterations_rows", lambda r: np.zeros((len(r), 5))),
                                 "the shape of the iterations history of run B is"),
    "trajectory of another shape": (None, _set("b_traj_params", lambda t: t[:, :3]),
                                    "the shape of the trajectory of run B is"),
    "label not text": (lambda d: d["comparison"].update(label=12), None, "the label of run B is not text"),
    "changes not valid": (lambda d: d["comparison"].update(changes={"lr": "fast"}), None,
                          "the changes of run B are not valid"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_comparison_that_cannot_be_is_refused_by_every_command_as_the_window_refuses_it(
        case, genuine, tmp_path, capsys):
    edit_json, edit_arrays, words = REFUSED[case]
    path = hostile(genuine, tmp_path, edit_json, edit_arrays)
    expected = window_message(path)
    assert words in expected and "\n" not in expected and len(expected) < 400
    for command in COMMANDS:
        code = main([command[0], str(path), *command[1:]])
        out, err = capsys.readouterr()
        assert code == 2, (command, out, err)
        assert out == "" and err == f"nnstudio: error: {expected}\n", command  # one line, no traceback


ODD = {
    # the legend is made again from the changes: the file's own is never shown
    "a huge label": (lambda d: d["comparison"].update(label="X" * 100_000), "B: η = 0.3"),
    "control characters in the label": (
        lambda d: d["comparison"].update(label="B: \x1b[31mred\x1b[0m\nrow\r\u202e\x00\x07"), "B: η = 0.3"),
    "a label that lies": (lambda d: d["comparison"].update(label="B: η = 0.001"), "B: η = 0.3"),
    "control characters in the note": (lambda d: d["comparison"].update(note="\x1b[2J\nwiped"), "B: η = 0.3"),
    "NaN losses in B's history": (None, "B: η = 0.3"),
}


def _nan_history(arrays: dict) -> None:
    arrays["b_hist_iterations_rows"][:, 1] = np.nan


@pytest.mark.parametrize("case", list(ODD))
def test_odd_text_of_run_b_is_shown_escaped_and_cut(case, genuine, tmp_path, capsys):
    edit_json, legend = ODD[case]
    path = hostile(genuine, tmp_path, edit_json, _nan_history if "NaN" in case else None)
    window_opens = load_project(path)  # the window opens such a file too
    assert comparison_from_project(window_opens, trainer_from_project(window_opens)) is not None
    assert main(["info", str(path)]) == 0
    out, err = capsys.readouterr()
    compare = next(line for line in out.splitlines() if line.startswith("compare:  "))
    assert compare.startswith(f"compare:  {legend}; B at iteration 20 (") and err == ""
    assert main(["train", str(path), "--iterations", "3"]) == 0
    out, err = capsys.readouterr()
    header = out.splitlines()[0].split(None, 1)
    assert header == ["A", legend]
    assert out.splitlines()[1].split() == ["iterations", "23", "23"]
    assert err.splitlines()[0] == f"comparing A with {legend}"
    for text in (out, err):
        assert not any(c in text for c in CONTROLS)
        assert max(len(line) for line in text.splitlines()) < 400
