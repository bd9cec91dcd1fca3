"""The hardest-samples list: the engine's per-sample losses, highest first; a click on a
row makes that sample the step inspector's, in the view and in the window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.app.views.axes import number_text
from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.hardest_samples_view import HardestSamplesView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture(scope="module")
def run():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    trainer = Trainer(NetworkSpec(2, (LayerSpec(8, "tanh"),), "binary", 1),
                      TrainConfig(optimizer="adam", learning_rate=0.02), data)
    trainer.run(epochs=5)
    return data, trainer, make_snapshot(trainer)


@pytest.fixture
def view(qtbot):
    v = HardestSamplesView()
    qtbot.addWidget(v)
    v.resize(500, 500)
    v.show()
    return v


def _engine_losses(trainer, X, y):
    z = trainer.network.forward(np.ascontiguousarray(X, dtype=trainer.network.dtype))
    return z, trainer.network.loss.per_sample(z, y.astype(np.intp))


def test_rows_are_the_engines_highest_losses_first(view, run):
    data, trainer, snap = run
    view.set_data(data)
    view.show_snapshot(snap)
    z, loss = _engine_losses(trainer, data.X_train, data.y_train)
    expected = np.argsort(-loss, kind="stable")[: view.ROWS]
    t = view.list_table
    m = t.model()

    def cell(r, c):
        return m.index(r, c).data()

    assert m.rowCount() == view.ROWS
    assert [cell(r, 0) for r in range(m.rowCount())] == [f"#{i}" for i in expected]
    names = data.class_names
    for r in (0, 1, view.ROWS - 1):
        i = expected[r]
        pred = int(z[i, 0] > 0)
        assert cell(r, 1) == names[int(data.y_train[i])]
        assert cell(r, 2).startswith("✕ " if pred != data.y_train[i] else names[pred])
        assert names[pred] in cell(r, 2)
        assert cell(r, 3) == number_text(float(loss[i]))
    n_wrong = int(np.sum((z[:, 0] > 0).astype(int) != data.y_train))
    assert f"{n_wrong} of {len(data.y_train)} wrong" in view.summary.text()
    # the validation set, on request
    view.set_set("validation")
    _zv, lv = _engine_losses(trainer, data.X_val, data.y_val)
    assert cell(0, 0) == f"#{int(np.argmax(lv))}"
    header, rows = view.table()
    assert header == ("index", "target", "prediction", "loss") and rows[0][3] == pytest.approx(float(lv.max()))


def test_clicking_a_row_chooses_that_sample(view, run, qtbot):
    data, _trainer, snap = run
    view.set_data(data)
    view.show_snapshot(snap)
    t = view.list_table
    row = 3
    index = view.order[row]
    rect = t.visualRect(t.model().index(row, 1))
    with qtbot.waitSignal(view.sigSampleClicked) as clicked:
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [index]
    assert t.selectionModel().selectedRows()[0].row() == row
    # the keyboard too: down one row and Enter
    t.setFocus()
    qtbot.keyClick(t, Qt.Key.Key_Down)
    with qtbot.waitSignal(view.sigSampleClicked) as clicked:
        qtbot.keyClick(t, Qt.Key.Key_Return)
    assert clicked.args == [view.order[row + 1]]
    # a validation sample cannot be followed: no signal, a message instead
    view.set_set("validation")
    with qtbot.assertNotEmitted(view.sigSampleClicked), qtbot.waitSignal(view.sigStatus) as status:
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, pos=t.visualRect(t.model().index(0, 1)).center())
    assert "never trains on it" in status.args[0]


def test_in_the_window_a_clicked_row_is_the_inspectors_sample(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    try:
        w.workspaces.switch("explore")
        w.workspaces.reset()
        w.workspaces.show_view("HardestSamplesView")
        view = w.hardest_view
        qtbot.waitUntil(lambda: view.is_shown(), timeout=3000)
        wait_snapshot(qtbot, w, lambda s: True)
        w.scheduler.refresh(everything=True)
        qtbot.waitUntil(lambda: view.model.rowCount() > 2, timeout=5000)
        t = view.list_table
        row = 2
        k = view.order[row]
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, pos=t.visualRect(t.model().index(row, 0)).center())
        assert w.boundary_view.points.inspected == k  # the decision view rings it too
        w.act_step.trigger()
        snap = wait_snapshot(qtbot, w, lambda s: s.phase is not None and s.iteration == 1)
        assert snap.phase.sample == k
        np.testing.assert_allclose(snap.phase.x, w.doc.prepared.X_train[k])
    finally:
        discard_and_close(w)
