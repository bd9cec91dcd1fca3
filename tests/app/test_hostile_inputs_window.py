"""Hostile files through the window: File › Open (the file dialog mocked) and the CSV import
dialog refuse them with one short message, and the work in the window is kept."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from nnstudio.app.document import Document
from nnstudio.app.panels.csv_dialog import CsvImportDialog
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.project import project_from_trainer, save_project
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, open_window, wait_snapshot


def _painted(path: Path, far_point: float | None) -> Path:
    """A project of painted points; one of them moved to ``far_point`` (checksum fixed)."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-5, 5, size=(24, 2))
    ds = Dataset(X, (X[:, 0] > 0).astype(int), "binary", ("x1", "x2"), ("a", "b"), "painted")
    spec = DataSpec(source="inline")
    t = Trainer(NetworkSpec(n_inputs=2, hidden=(LayerSpec(3),)), TrainConfig(), prepare(spec, ds))
    t.run(iterations=2)
    save_project(path, project_from_trainer(t, spec, ds, name="painted"))
    if far_point is None:
        return path
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("arrays.npz"))) as z:
            arrays = {k: z[k] for k in z.files}
    arrays["data_X"] = arrays["data_X"].copy()
    arrays["data_X"][5, 0] = far_point
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    doc["arrays"]["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    doc["arrays"].pop("members", None)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", buf.getvalue())
    return path


def _edited(path: Path, part: str, **values: object) -> Path:
    """A painted project whose ``part`` of project.json has ``values``."""
    _painted(path, None)
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        npz = zf.read("arrays.npz")
    doc[part].update(values)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", npz)
    return path


CASES = {
    "a painted point at -1e300": (lambda p: _painted(p, -1e300), "the input column 'x1' holds the value -1e+300"),
    "features that are a number": (lambda p: _edited(p, "data", features=7),
                                   "the input features must be a list of names"),
    # the training panel's boxes could not take these (OverflowError in the panel, the file half shown)
    "a batch of 10^12": (lambda p: _edited(p, "train", batch_mode="minibatch", batch_size=10**12),
                         "a batch has at most 1,000,000 samples"),
    "patience of 10^12 epochs": (lambda p: _edited(p, "train", early_stopping="patience", patience=10**12),
                                 "patience is at most 1,000,000 epochs"),
    "zero bytes": (lambda p: p.write_bytes(b"") or p, "this is not an nnstudio project"),
}


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    discard_and_close(w)


@pytest.mark.parametrize("case", list(CASES))
def test_file_open_refuses_a_hostile_project_and_keeps_the_work(qtbot, window, tmp_path, monkeypatch, case):
    w = window
    make, words = CASES[case]
    path = make(tmp_path / "hostile.nnproj")
    w.doc.edit_config("Learning rate", learning_rate=0.05)  # work in the window
    w.controller.step()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
    state, title, undo = w.doc.state, w.windowTitle(), w.doc.undo_stack.count()
    asked, shown = [], []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Discard))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: shown.append(text)))
    w.files.open_dialog()
    assert len(shown) == 1, shown
    parts = shown[0].split("\n\n")
    assert parts[0] == "The project could not be opened." and len(parts) == 3, shown
    assert words in parts[2] and "Traceback" not in parts[2] and "\n" not in parts[2], parts[2]
    assert len(parts[2]) < 400, parts[2]
    assert w.doc.state == state and w.windowTitle() == title and w.doc.undo_stack.count() == undo
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 1)
    assert snap.config.learning_rate == 0.05


@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()


def test_the_csv_dialog_refuses_values_near_the_float_limit_and_stays_open(qtbot, doc, tmp_path):
    """A cell 1e308 is finite, so the file was imported; the plot range and the standardisation
    then overflowed (a RuntimeWarning, an infinite plot range)."""
    path = tmp_path / "huge.csv"
    path.write_text("a,b,label\n" + "".join(f"{x},{i % 5},{i % 2}\n" for i, x in
                                            enumerate([1e308, 2, 3, 4, 5, 6, 7, 8])))
    before = doc.data_spec
    dialog = CsvImportDialog(doc, str(path))
    qtbot.addWidget(dialog)
    dialog.resize(760, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "the input column 'a' holds the value 1e+308" in dialog.error.text()
    assert "rescale the column" in dialog.error.text()
    assert doc.data_spec == before and doc.undo_stack.count() == 0


def test_save_as_keeps_a_name_ending_in_upper_case_nnproj(qtbot, window, tmp_path, monkeypatch):
    """"Spiral.NNPROJ" was saved as "Spiral.NNPROJ.nnproj"."""
    w = window
    folder = tmp_path / "projects"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (str(folder / "Spiral.NNPROJ"), "")))
    assert w.files.save_as()
    assert sorted(p.name for p in folder.iterdir()) == ["Spiral.NNPROJ"]
    assert w.doc.path == str(folder / "Spiral.NNPROJ")
