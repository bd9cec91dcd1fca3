"""A project file whose comparison lies, opened in the window (File › Open): refused with
one short line in a message box, nothing of it opened, the work in the window untouched.
A file whose legend of run B lies opens with the legend its changes give."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from nnstudio.app.main_window import MainWindow
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.project import save_project
from nnstudio.core.project_comparison import project_from_comparison
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot

DATA = DataSpec(name="xor", n_samples=120, noise=0.1, seed=3)
NET = NetworkSpec(n_inputs=2, hidden=(LayerSpec(4, "tanh"),))


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> Path:
    a = Trainer(NET, TrainConfig(learning_rate=0.1, batch_size=10, seed=2), prepare(DATA))
    cmp = Comparison.fork(a, "lr=0.3")
    cmp.run(iterations=20)
    path = tmp_path_factory.mktemp("genuine") / "two.nnproj"
    save_project(path, project_from_comparison(cmp, DATA))
    return path


def hostile(genuine: Path, folder: Path, edit: Callable[[dict], Any]) -> Path:
    """A copy of ``genuine`` with its project.json edited (the arrays' checksum still fits)."""
    with zipfile.ZipFile(genuine) as z:
        doc = json.loads(z.read("project.json"))
        npz = z.read("arrays.npz")
    edit(doc)
    assert doc["arrays"]["sha256"] == hashlib.sha256(npz).hexdigest()
    path = folder / "hostile.nnproj"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.json", json.dumps(doc, ensure_ascii=False))
        z.writestr("arrays.npz", npz)
    return path


def both_at(n: int) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        for run in (doc["training"], doc["comparison"]["training"]):
            run.update(iteration=n, epoch=n // 12)
    return edit


CASES = {
    "both runs at 10^12": (both_at(10**12), "run A of the comparison is at iteration 1,000,000,000,000, more than a "
                                            "run can have trained (at most 10,000,000,000): the file is damaged"),
    "B made after both runs": (lambda d: d["comparison"].update(fork_iteration=500),
                               "run B of the comparison was made at iteration 500, but run A is at 20 and run B "
                               "at 20: the file is damaged"),
    "a NaN first loss of B": (lambda d: d["comparison"]["training"].update(first_loss="nan"),
                              "the first loss must be a finite number ≥ 0, not nan: the file is damaged"),
    "B's learning rate is not its changes'": (lambda d: d["comparison"]["train"].update(learning_rate=0.1),
                                              "run B's learning_rate is 0.1, but its changes make it 0.3: the file "
                                              "is damaged"),
}


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


@pytest.mark.parametrize("case", list(CASES))
def test_a_lying_comparison_is_refused_with_one_line_and_the_work_is_kept(qtbot, window, genuine, tmp_path,
                                                                          monkeypatch, case):
    w = window
    edit, words = CASES[case]
    path = hostile(genuine, tmp_path, edit)
    w.doc.edit_config("Learning rate", learning_rate=0.05)  # work in the window
    w.controller.step()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
    state, title, undo = w.doc.state, w.windowTitle(), w.doc.undo_stack.count()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: shown.append(text)))
    assert not w.files.open(str(path))
    assert len(shown) == 1
    lines = shown[0].split("\n\n")
    assert lines[0] == "The project could not be opened." and lines[1] == str(path)
    # one line: what File › Open, nnstudio info, train and export all say
    assert lines[2] in (words, f"cannot open 'hostile.nnproj': {words}") and len(lines) == 3
    assert w.doc.state == state and w.windowTitle() == title and w.doc.undo_stack.count() == undo
    assert not w.comparison.active and not w.comparison.making
    w.controller.request_snapshot()
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
    assert snap.b is None and snap.config.learning_rate == 0.05


def test_a_legend_that_lies_is_made_again_from_the_changes(qtbot, window, genuine, tmp_path):
    w = window
    path = hostile(genuine, tmp_path, lambda d: d["comparison"].update(label="B: \u202eη = 0.001 " + "X" * 5000))
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000):
        assert w.files.open(str(path))
    assert w.comparison.label == "B: η = 0.3" and w.comparison_badge.text() == "A vs B: η = 0.3"
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None)
    assert snap.b_label == "B: η = 0.3" and snap.b.iteration == 20
    np.testing.assert_equal(snap.b.config.learning_rate, 0.3)
