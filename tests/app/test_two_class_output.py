"""Two classes with two softmax units, chosen in the network designer as a learner would.

The output card offers, for two-class data only, "One sigmoid unit" (binary
cross-entropy) or "Two softmax units" (categorical cross-entropy). Choosing is an
architecture edit: new weights, one undoable step that brings the trained run back. The window then trains
the two-unit network and its views read like the sigmoid case: p(class 1) on the plane.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.document import Document
from nnstudio.app.main_window import MainWindow
from nnstudio.app.panels.network_panel import NetworkPanel
from nnstudio.app.views.activation_view import ActivationView
from nnstudio.app.views.inspector_view import InspectorView, fmt
from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.losses import softmax
from nnstudio.core.network import Network
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


def click_item(qtbot, combo, text: str) -> None:
    """Open ``combo``'s list with a click and click the item that reads ``text``."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    # the open list ignores a release within a double-click time of opening (Qt's guard
    # against the opening click choosing an item): a person's second click comes later
    qtbot.wait(QApplication.doubleClickInterval() + 50)
    row = combo.findText(text)
    assert row >= 0, [combo.itemText(i) for i in range(combo.count())]
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())


# ============================================================================ the panel
@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()


@pytest.fixture
def panel(qtbot, doc):
    p = NetworkPanel(doc)
    qtbot.addWidget(p)
    p.resize(360, 1000)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_two_class_data_offers_both_outputs_and_the_choice_is_one_undoable_rebuild(qtbot, panel, doc):
    combo = panel.two_class_combo
    assert panel.two_class_row.isVisible()
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "One sigmoid unit", "Two softmax units"]
    assert combo.currentText() == "One sigmoid unit"
    before = doc.network
    params = panel.params_label.text()
    steps = doc.undo_stack.count()

    click_item(qtbot, combo, "Two softmax units")
    net = doc.network
    assert (net.task, net.loss, net.n_outputs, net.output_activation) == ("binary", "cce", 2, "softmax")
    assert net.hidden == before.hidden and net.n_parameters == before.n_parameters + 8 + 1
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.undoText() == "Output: two softmax units"
    assert panel.output_text.text() == "2 softmax units (one probability per class; they sum to 1)"
    assert panel.loss_text.text() == "Categorical cross-entropy"
    assert panel.params_label.text().startswith(f"{net.n_parameters:,} parameters")
    assert panel.params_label.text() != params
    assert "layer sizes 2 → 8 → 8 → 2" in panel.params_detail.text()

    doc.undo_stack.undo()
    assert doc.network == before and combo.currentText() == "One sigmoid unit"
    assert panel.loss_text.text() == "Binary cross-entropy"
    doc.undo_stack.redo()
    assert doc.network.loss == "cce" and combo.currentText() == "Two softmax units"
    # choosing what is already chosen is no edit
    click_item(qtbot, combo, "Two softmax units")
    assert doc.undo_stack.count() == steps + 1


def test_the_choice_is_only_for_two_classes_and_follows_the_data(qtbot, panel, doc):
    panel.set_two_class_output("cce")
    # layers added later keep the two softmax units
    qtbot.mouseClick(panel.connectors[-1].button, Qt.MouseButton.LeftButton)
    assert doc.network.layer_sizes == (2, 8, 8, 8, 2)
    doc.edit_data("three classes", name="blobs")
    assert not panel.two_class_row.isVisible()
    assert (doc.network.task, doc.network.n_outputs) == ("multiclass", 3)
    assert panel.output_text.text() == "3 softmax units (one probability per class)"
    doc.edit_data("two classes", name="xor")
    # new two-class data starts as the app does: one sigmoid unit
    assert panel.two_class_row.isVisible() and doc.network.loss == "bce" and doc.network.n_outputs == 1
    assert panel.two_class_combo.currentText() == "One sigmoid unit"
    doc.edit_data("a line", name="line")
    assert not panel.two_class_row.isVisible() and panel.loss_combo.isVisible()


# ============================================================================ the inspector
def test_the_inspector_writes_out_the_two_units_of_the_worked_example(qtbot):
    """The course notes' neuron (inputs 0.9, 0.2, 0.3; weights 2, 3, −1; bias 0.5; y = 1)
    as the second of two softmax units, the first all zeros: z = (0, 2.6), so ŷ₂ is the
    sigmoid example's σ(2.6) = 0.9309 and the loss is the same −ln 0.9309."""
    from types import SimpleNamespace

    data = SimpleNamespace(X_train=np.array([[0.9, 0.2, 0.3]]), y_train=np.array([1]),
                           X_val=np.empty((0, 3)), y_val=np.empty(0, dtype=int), task="binary", n_classes=2)
    spec = NetworkSpec(3, (), "binary").with_two_class_output("cce")
    net = Network(spec)
    net.layers[0].W[:] = [[0.0, 2.0], [0.0, 3.0], [0.0, -1.0]]
    net.layers[0].b[:] = [0.0, 0.5]
    trainer = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.1, batch_mode="sgd"), data, network=net)
    view = InspectorView()
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    p1 = 1 / (1 + np.exp(-2.6))

    ph = trainer.step_phase()
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    text = view.text()
    assert "Output layer (2 units): z = Σ w·x + b, ŷ = softmax(z), one probability per class" in text
    assert "z₂ = 2×0.9 + 3×0.2 + (−1)×0.3 + 0.5 = 2.6" in text
    assert f"ŷ₁ = e^z₁ / Σ e^z = {fmt(1 - p1)}" in text and f"ŷ₂ = e^z₂ / Σ e^z = {fmt(p1)}" in text
    np.testing.assert_allclose(ph.a[-1], [1 - p1, p1], rtol=1e-14)

    ph = trainer.step_phase()
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    text = view.text()
    assert ph.sample_loss == pytest.approx(-np.log(p1), rel=1e-14)
    assert f"ŷ = ({fmt(1 - p1)}, {fmt(p1)})   y = class 2 (index 1)" in text
    assert f"= −ln {fmt(p1)} = {fmt(ph.sample_loss)}" in text

    ph = trainer.step_phase()
    view.show_snapshot(make_snapshot(trainer, None, None, ph))
    text = view.text()
    assert f"δ₁ = ŷ₁ − t₁ = {fmt(1 - p1)} − 0 = {fmt(1 - p1)}" in text
    assert f"δ₂ = ŷ₂ − t₂ = {fmt(p1)} − 1 = {fmt(p1 - 1)}" in text


# ============================================================================ the activation view
def test_the_activation_view_draws_softsign_and_the_two_unit_output(qtbot):
    view = ActivationView()
    qtbot.addWidget(view)
    view.resize(900, 520)
    view.show()
    qtbot.waitExposed(view)
    click_item(qtbot, view.act_combo, "Softsign")
    z, f = view.f_curve.getData()
    _, df = view.df_curve.getData()
    np.testing.assert_allclose(f, z / (1 + np.abs(z)), rtol=1e-15)
    np.testing.assert_allclose(df, 1 / (1 + np.abs(z)) ** 2, rtol=1e-15)
    assert "Softsign" in view.formula_label.text() and "z / (1 + |z|)" in view.formula_label.text()
    x, y = view.max_marker.getData()
    assert x[0] == pytest.approx(0.0, abs=0.02) and y[0] == pytest.approx(1.0, abs=1e-3)
    # a network with softsign hidden units and two softmax outputs, as the engine probes it
    data = prepare(DataSpec(name="circle", n_samples=100))
    spec = NetworkSpec(2, (LayerSpec(6, "softsign"),), "binary").with_two_class_output("cce")
    trainer = Trainer(spec, TrainConfig(), data)
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    view.select_layer(0)
    assert view.layer_combo.currentText() == "hidden 1 (Softsign)"
    view.select_layer(1)
    assert view.layer_combo.currentText() == "output (Softmax)"
    z, f = view.f_curve.getData()
    # one output's probability with the other logit at 0: e^z / (e^z + 1) = σ(z)
    np.testing.assert_allclose(f, ACTIVATIONS["sigmoid"].f(z), rtol=1e-14)
    assert "other 1 logit(s) at 0" in view.formula_label.text()


# ============================================================================ the window
@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def flat(snap) -> np.ndarray:
    return np.concatenate([w.ravel() for w in snap.weights] + [b.ravel() for b in snap.biases])


def test_choose_two_softmax_units_train_read_the_views_and_undo(qtbot, window):
    window.workspaces.switch("explore")
    window.view_docks["NetworkPanel"].raise_()
    for _ in range(6):
        window.act_step.trigger()
    trained = wait_snapshot(qtbot, window, lambda s: s.iteration == 6 and not s.playing)
    assert trained.layer_sizes[-1] == 1

    panel = window.network_panel
    panel.scroll.ensureWidgetVisible(panel.two_class_combo)
    click_item(qtbot, panel.two_class_combo, "Two softmax units")
    fresh = wait_snapshot(qtbot, window, lambda s: s.layer_sizes == (2, 8, 8, 2) and s.iteration == 0)
    assert fresh.activations[-1] == "softmax" and fresh.task == "binary"
    assert "rebuilt with new weights" in window.statusBar().currentMessage()

    window.speed.set_speed(0)
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: s.epoch >= 40 and s.layer_sizes[-1] == 2, timeout=60000)
    window.act_play.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: not s.playing and s.grid is not None
                         and s.evaluated_at == s.iteration and s.layer_sizes[-1] == 2)
    qtbot.wait(200)  # the views redraw from the paused snapshot

    # counters: the accuracy of the two units, by argmax, on the whole training set
    data = window.doc.prepared
    W, b = snap.weights, snap.biases
    a = data.X_train
    for i in range(len(W)):
        a = a @ W[i] + b[i]
        if i < len(W) - 1:
            a = np.tanh(a)
    acc = float(np.mean(a.argmax(axis=1) == data.y_train))
    assert snap.evaluation["metric"] == pytest.approx(acc, abs=1e-12) and acc > 0.6
    assert window.counters.values["metric"].text() == f"{acc:.3f}"

    # the decision view: p(class 1) over the plane, as for one sigmoid unit
    view = window.view_for("BoundaryView")
    grid = snap.grid
    # a spot of the plane away from every point: there the read-out is the heatmap's
    # (on a point it gives that point's own numbers)
    i, j = next((i, j) for i in range(20, len(grid.ys)) for j in range(41, len(grid.xs))
                if "point #" not in view.hover_at(float(grid.xs[j]), float(grid.ys[i])))
    x, y = float(grid.xs[j]), float(grid.ys[i])
    raw = data.transform(np.array([[x, y]]))
    a = raw
    for k in range(len(W)):
        a = a @ W[k] + b[k]
        if k < len(W) - 1:
            a = np.tanh(a)
    p1 = float(softmax(a)[0, 1])
    assert view.value_at(x, y) == pytest.approx(p1, rel=1e-9)
    name = data.class_names[1]
    assert f"P(class {name}) = {p1:.3f}" in view.hover_at(x, y)
    assert view.colorbar.axis.labelText == f"P(class {name})"
    # its confusion matrix counts the validation points by argmax of the two units
    Xv = data.X_val
    a = Xv
    for k in range(len(W)):
        a = a @ W[k] + b[k]
        if k < len(W) - 1:
            a = np.tanh(a)
    pred = a.argmax(axis=1)
    assert int(np.trace(view.confusion)) == int(np.sum(pred == data.y_val))
    assert view.confusion.sum() == len(Xv)
    # the network view heads its output column with both units
    net_view = window.view_for("NetworkView")
    assert net_view._heading_texts[-1][0] == "output\n2 × softmax"

    # whole-run undo: back to the trained one-sigmoid run, then forward again
    ran = snap
    window.act_undo.trigger()
    back = wait_snapshot(qtbot, window, lambda s: s.layer_sizes[-1] == 1)
    assert back.iteration == 6 and window.doc.network.loss == "bce"
    np.testing.assert_array_equal(flat(back), flat(trained))
    assert panel.two_class_combo.currentText() == "One sigmoid unit"
    window.act_redo.trigger()
    again = wait_snapshot(qtbot, window, lambda s: s.layer_sizes[-1] == 2)
    assert again.iteration == ran.iteration
    np.testing.assert_array_equal(flat(again), flat(ran))
