"""The counters always describe the weights the views show: after new data, an early-stopping
restore, a rewind and an undo; validation numbers are hidden when there is no validation set."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.axes import label_value
from nnstudio.core.network import Network
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.speed.set_speed(0)
    wait_snapshot(qtbot, w, lambda s: s.evaluation is not None)
    yield w
    discard_and_close(w)


def truth(w: MainWindow, snap) -> dict[str, float]:
    """Loss and accuracy of the snapshot's weights on the document's data, computed apart."""
    net = Network(w.doc.network)
    net.set_flat(np.concatenate([a.ravel() for a in snap.weights] + [b.ravel() for b in snap.biases]))
    return Trainer(w.doc.network, w.doc.config, w.doc.prepared, network=net).evaluate()


def shown(w: MainWindow, key: str) -> float:
    text = w.counters.values[key].text()
    return float("nan") if text == "–" else label_value(text)


def test_a_tiny_loss_reads_as_the_axes_write_it_not_as_python_does(qtbot, window):
    snap = paused(qtbot, window)
    tiny = dataclasses.replace(snap, evaluation={**snap.evaluation, "loss": 6.5362e-31})
    window.counters.show_snapshot(tiny)
    assert window.counters.values["loss"].text() == "6.536×10⁻³¹"
    assert shown(window, "loss") == pytest.approx(6.536e-31)


def check_counters(w: MainWindow, snap) -> None:
    want = truth(w, snap)
    assert shown(w, "loss") == pytest.approx(want["loss"], rel=1e-3)
    assert shown(w, "metric") == pytest.approx(want["metric"], abs=1e-3)
    if math.isfinite(want["val_loss"]):
        assert shown(w, "val_loss") == pytest.approx(want["val_loss"], rel=1e-3)


def paused(qtbot, w, predicate=lambda s: True):
    return wait_snapshot(qtbot, w, lambda s: not s.playing and s.evaluation is not None
                         and s.evaluated_at == s.iteration and predicate(s))


def test_after_new_data_the_counters_describe_the_new_data(qtbot, window):
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration > 3000)
    window.act_play.trigger()
    check_counters(window, paused(qtbot, window))
    window.doc.edit_data("Data set", name="xor")  # same inputs: the weights are kept
    token = max(window.session._recipes)  # the xor data's, sent last
    assert window.session._recipes[token][0].name == "xor"
    snap = paused(qtbot, window, lambda s: s.data_recipe == token)
    check_counters(window, snap)


def test_after_an_early_stop_restores_the_best_weights(qtbot, window):
    window.doc.edit_config("Early stopping", early_stopping="patience", patience=2, min_delta=0.05,
                           restore_best=True)
    window.act_play.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: s.stopped is not None and not s.playing, timeout=30000)
    assert "restored" in snap.stopped
    check_counters(window, paused(qtbot, window))


def test_after_a_rewind_and_an_undo(qtbot, window):
    for _ in range(30):
        window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 30)
    window.session.rewind(12)
    check_counters(window, paused(qtbot, window, lambda s: s.iteration == 12))
    window.act_undo.trigger()
    check_counters(window, paused(qtbot, window, lambda s: s.iteration == 30))


def test_validation_numbers_are_hidden_without_a_validation_set(qtbot, window):
    assert window.counters.values["val_loss"].isVisibleTo(window)
    window.doc.edit_data("Validation", validation_fraction=0.0)
    paused(qtbot, window, lambda s: not s.has_validation)
    assert not window.counters.values["val_loss"].isVisibleTo(window)
    assert not window.counters.values["val_metric"].isVisibleTo(window)


def test_dropping_a_project_file_opens_it(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "dropped.nnproj"
    assert window.files.save_to(str(path))
    window.doc.edit_layer(0, "Neurons", units=3)
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.doc.path == str(path) and window.doc.network.hidden[0].units == 8)
