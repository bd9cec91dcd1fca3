"""The hidden representation view draws what the engine's network computes: each
point where the chosen layer puts it (or its projection on the layer's two principal
directions), the input grid's lines through the same layers, and says what it shows
when there is no hidden layer or no input plane."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.app.views.layer_projection import DIRECT, GRID_LINES, LINE_POINTS, PCA, SINGLE, grid_lines
from nnstudio.app.views.representation_view import RepresentationView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _run(data, hidden, epochs=3):
    k = data.n_classes if data.task == "multiclass" else 1
    trainer = Trainer(NetworkSpec(data.n_inputs, hidden, data.task, k),
                      TrainConfig(optimizer="adam", learning_rate=0.03), data)
    trainer.run(epochs=epochs)
    return trainer, make_snapshot(trainer)


def _layer_out(trainer, X, layer):
    """Hidden layer ``layer``'s outputs computed by the engine's own network."""
    net = trainer.scratch_network()
    net.forward(np.ascontiguousarray(X, dtype=net.dtype))
    return np.asarray(net.layers[layer].out, dtype=np.float64)


@pytest.fixture(scope="module")
def xor():
    data = prepare(DataSpec(name="xor", n_samples=200, noise=0.0, features=("x1", "x2", "sin(x1)")))
    return (data, *_run(data, (LayerSpec(6, "tanh"), LayerSpec(2, "leaky_relu", alpha=0.3))))


@pytest.fixture
def view(qtbot):
    v = RepresentationView()
    qtbot.addWidget(v)
    v.resize(700, 560)
    v.show()
    return v


def test_two_neurons_are_drawn_as_they_are_with_the_grid_through_the_network(view, xor):
    data, trainer, snap = xor
    view.set_data(data)
    view.show_snapshot(snap)
    assert [view.layer_combo.itemText(i) for i in range(view.layer_combo.count())] == \
        ["hidden 1 (6 neurons)", "hidden 2 (2 neurons)"]
    assert view.layer == 1 and view.shown.mode == DIRECT  # the last hidden layer first
    np.testing.assert_array_equal(view.shown.train, _layer_out(trainer, data.X_train, 1))
    np.testing.assert_array_equal(view.shown.val, _layer_out(trainer, data.X_val, 1))
    np.testing.assert_array_equal(view.points_drawn("train"), _layer_out(trainer, data.X_train, 1))
    np.testing.assert_array_equal(view.points_drawn("validation"), _layer_out(trainer, data.X_val, 1))
    # the grid: GRID_LINES lines of constant x1 then of constant x2, each many points,
    # carried through the features, the standardisation and the layers
    raw, n_first = grid_lines(data.domain)
    assert len(view.shown.lines) == 2 * GRID_LINES and n_first == GRID_LINES
    assert all(line.shape == (LINE_POINTS, 2) for line in view.shown.lines)
    for k in (0, GRID_LINES - 1, GRID_LINES + 5):
        expected = _layer_out(trainer, data.transform(raw[k]), 1)
        np.testing.assert_allclose(view.shown.lines[k], expected, rtol=1e-12, atol=1e-12)
    assert np.all(raw[0][:, 0] == data.domain[0][0]) and np.all(raw[GRID_LINES][:, 1] == data.domain[1][0])
    lx, _ly = view.lines_first.getData()
    assert np.count_nonzero(np.isfinite(lx)) == GRID_LINES * LINE_POINTS
    # the output neuron's straight boundary, in the layer's coordinates
    W, b = snap.weights[-1][:, 0], snap.biases[-1][0]
    assert view.shown.boundary == pytest.approx((W[0], W[1], b))
    assert view.boundary.isVisible()
    pos = view.boundary.pos()
    assert W @ np.array([pos.x(), pos.y()]) + b == pytest.approx(0, abs=1e-9)
    angle = np.radians(view.boundary.angle)
    assert W @ np.array([np.cos(angle), np.sin(angle)]) == pytest.approx(0, abs=1e-9)
    assert "2 neurons" in view.info.text() and "boundary" in view.info.text()


def test_more_neurons_are_projected_on_their_top_two_principal_directions(view, xor, qtbot):
    data, trainer, snap = xor
    view.set_data(data)
    view.show_snapshot(snap)
    view.layer_combo.setCurrentIndex(0)  # as a learner chooses it
    r = view.shown
    assert r.layer == 0 and r.mode == PCA and r.boundary is None and not view.boundary.isVisible()
    H = _layer_out(trainer, data.X_train, 0)
    center = H.mean(axis=0)
    _, s, vt = np.linalg.svd(H - center, full_matrices=False)
    np.testing.assert_allclose(r.center, center, atol=1e-12)
    for j in range(2):  # each direction is the principal one, up to its sign
        assert abs(r.directions[:, j] @ vt[j]) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(r.variance, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-9)
    np.testing.assert_allclose(r.train, (H - center) @ r.directions, atol=1e-12)
    Hv = _layer_out(trainer, data.X_val, 0)
    np.testing.assert_allclose(r.val, (Hv - center) @ r.directions, atol=1e-12)
    share = r.variance
    assert f"{share[0]:.0%} and {share[1]:.0%} of the variance" in view.info.text()
    assert view.plot.getAxis("bottom").labelText == f"direction 1 ({share[0]:.0%})"
    # the picture keeps its orientation from one snapshot to the next
    later = trainer.copy()  # the module's run stays as it is for the other tests
    later.run(iterations=3)
    view.show_snapshot(make_snapshot(later))
    assert all(view.shown.directions[:, j] @ r.directions[:, j] > 0 for j in range(2))


def test_one_neuron_is_a_line_with_a_row_per_class(view):
    data = prepare(DataSpec(name="circle", n_samples=100, noise=0.1))
    trainer, snap = _run(data, (LayerSpec(1, "tanh"),))
    view.set_data(data)
    view.show_snapshot(snap)
    r = view.shown
    assert r.mode == SINGLE and r.lines == []
    np.testing.assert_array_equal(r.train[:, 0], _layer_out(trainer, data.X_train, 0)[:, 0])
    assert np.all(np.abs(r.train[:, 1] - data.y_train) <= 0.15)
    assert "one neuron" in view.message.text() and view.message.isVisible()


def test_no_hidden_layer_says_so(view):
    data = prepare(DataSpec(name="xor", n_samples=60))
    _trainer, snap = _run(data, ())
    view.set_data(data)
    view.show_snapshot(snap)
    assert view.shown is None and not view.canvas.isVisible()
    assert view.placeholder.note.isVisible() and "no hidden layer" in view.placeholder.saying
    assert not view.layer_combo.isEnabled()


def test_data_that_are_not_two_dimensional_say_what_is_shown(view):
    data = prepare(DataSpec(source="bundled", name="digits"))
    trainer, snap = _run(data, (LayerSpec(8, "relu"),), epochs=1)
    view.set_data(data)
    view.show_snapshot(snap)
    assert view.shown.mode == PCA and view.shown.lines == []
    assert f"{data.raw.X.shape[1]} inputs" in view.message.text() and "only the data points" in view.message.text()
    line = prepare(DataSpec(name="line", n_samples=40))
    trainer, snap = _run(line, (LayerSpec(2, "tanh"),))
    view.set_data(line)
    view.show_snapshot(snap)
    assert len(view.shown.lines) == 1 and "one input" in view.message.text()
    np.testing.assert_allclose(view.shown.lines[0],
                               _layer_out(trainer, line.transform(grid_lines(line.domain)[0][0]), 0), atol=1e-12)


def test_a_lesson_can_choose_the_layer_before_the_network_has_it(view, xor):
    data, _trainer, snap = xor
    view.select_layer(0)
    view.set_data(data)
    view.show_snapshot(snap)
    assert view.shown.layer == 0 and view.layer_combo.currentIndex() == 0
    view.select_layer(1)
    assert view.shown.layer == 1


def test_exports_the_points_it_draws(view, xor, tmp_path):
    data, trainer, snap = xor
    view.set_data(data)
    view.show_snapshot(snap)
    header, rows = view.table()
    assert header == ("set", "index", "horizontal", "vertical")
    assert len(rows) == len(data.X_train) + len(data.X_val)
    # the whole set through the network, as the view computes it (one row alone may
    # take another BLAS kernel and differ in the last bit)
    assert rows[0][2:] == list(_layer_out(trainer, data.X_train, 1)[0])
    assert view.export_svg(tmp_path / "r.svg") and (tmp_path / "r.svg").stat().st_size > 1000


def test_two_softmax_units_draw_the_line_where_their_logits_are_equal(view):
    data = prepare(DataSpec(name="xor", n_samples=200, noise=0.0))
    spec = NetworkSpec(data.n_inputs, (LayerSpec(6, "tanh"), LayerSpec(2, "tanh")), "binary", 2, loss="cce")
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.03), data)
    trainer.run(epochs=30)
    snap = make_snapshot(trainer)
    view.set_data(data)
    view.show_snapshot(snap)
    W, b = snap.weights[-1], snap.biases[-1]
    assert view.shown.boundary == pytest.approx((W[0, 1] - W[0, 0], W[1, 1] - W[1, 0], b[1] - b[0]))
    # every training point's side of the line is the class the engine predicts
    a, c, d = view.shown.boundary
    side = (view.shown.train @ np.array([a, c]) + d) > 0
    predicted = trainer.network.predict(np.asarray(data.X_train)).argmax(axis=1) == 1
    np.testing.assert_array_equal(side, predicted)


def test_regression_has_no_class_boundary_to_draw(view):
    # ŷ = 0 is no boundary: a fit has no classes, and the caption must not claim one
    data = prepare(DataSpec(name="plane", n_samples=100))
    assert data.task == "regression" and data.n_inputs == 2
    spec = NetworkSpec(data.n_inputs, (LayerSpec(2, "tanh"),), "regression", 1, loss="mse")
    trainer = Trainer(spec, TrainConfig(), data)
    trainer.run(epochs=2)
    view.set_data(data)
    view.show_snapshot(make_snapshot(trainer))
    assert view.shown.mode == DIRECT and view.shown.boundary is None
    assert not view.boundary.isVisible() and "boundary" not in view.info.text()


def test_the_dashed_line_is_named_as_the_decision_boundary(view):
    data = prepare(DataSpec(name="xor", n_samples=100))
    spec = NetworkSpec(data.n_inputs, (LayerSpec(4, "tanh"), LayerSpec(2, "tanh")), "binary", 1)
    trainer = Trainer(spec, TrainConfig(), data)
    view.set_data(data)
    view.show_snapshot(make_snapshot(trainer))
    assert view.shown.boundary is not None
    assert "Dashed: the decision boundary (each class 50 %)" in view.info.text()
