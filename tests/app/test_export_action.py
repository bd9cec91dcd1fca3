"""File › Export writes the same program as ``nnstudio export -o``, standardisation and names included."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from nnstudio.app.main_window import MainWindow
from nnstudio.cli import main
from nnstudio.core.project import load_project, prepare_project_data


def _wait_snapshot(qtbot, w, predicate, timeout=8000):
    def check():
        w.controller.flush()
        assert w.controller.snapshot is not None and predicate(w.controller.snapshot)
    qtbot.waitUntil(check, timeout=timeout)
    return w.controller.snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    _wait_snapshot(qtbot, w, lambda s: True)
    yield w
    w.doc.undo_stack.setClean()  # close without the "save changes?" question
    w.doc._trained = False
    w.close()
    assert not w.controller.thread.isRunning()


@pytest.mark.parametrize("framework,action", [("pytorch", "act_export_torch"), ("keras", "act_export_keras")])
def test_the_app_and_the_command_line_export_the_same_file(qtbot, window, tmp_path, monkeypatch,
                                                           framework, action):
    project = tmp_path / "iris std.nnproj"
    assert main(["new", str(project), "--data", "iris", "--standardize", "--hidden", "5"]) == 0
    assert main(["train", str(project), "--epochs", "3", "--save", "-q"]) == 0
    saved = load_project(project)
    assert window.files.open(str(project))
    _wait_snapshot(qtbot, window, lambda s: s.iteration == saved.trainer_state.iteration)

    (tmp_path / "app").mkdir()
    (tmp_path / "cli").mkdir()
    from_app = tmp_path / "app" / "iris model.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(from_app), "")))
    getattr(window, action).trigger()
    from_cli = tmp_path / "cli" / "iris model.py"
    assert main(["export", str(project), "--to", framework, "-o", str(from_cli)]) == 0

    code = from_app.read_text(encoding="utf-8")
    assert code == from_cli.read_text(encoding="utf-8")
    prepared = prepare_project_data(saved)
    assert "MEAN = np.array(" in code and "X = (X - MEAN) / SCALE" in code
    assert '["setosa", "versicolor", "virginica"]' in code and '"sepal_length"' in code
    assert "iris_model: a neural network" in code and "python iris model.py" in code
    if framework == "pytorch":
        spec = importlib.util.spec_from_file_location("from_app", from_app)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        np.testing.assert_array_equal(mod.MEAN, prepared.mean)
        model = mod.build_model()
        mod.load_trained_weights(model)
        from nnstudio.core.network import Network

        net = Network(saved.network, 0)
        net.set_flat(saved.weights)
        X = prepared.raw.X
        np.testing.assert_allclose(mod.predict(model, mod.prepare_inputs(X)), net.predict(prepared.transform(X)),
                                   rtol=1e-12, atol=1e-12)
