"""The decision-boundary view shows the engine's grid, points and confusion counts exactly."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app import theme
from nnstudio.app.views.boundary_view import BoundaryView
from nnstudio.app.views.confusion_matrix_widget import ConfusionMatrixWidget
from nnstudio.app.views.snapshot_forward import predict_from_snapshot
from nnstudio.core.data import DataSpec, Dataset, prepare
from nnstudio.core.losses import confusion_matrix
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _train(data, epochs=5, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), lr=0.02):
    k = data.n_classes if data.task == "multiclass" else 1
    spec = NetworkSpec(data.n_inputs, hidden, data.task, k)
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=lr), data)
    trainer.run(epochs=epochs)
    grid = evaluate_grid(trainer, data.domain, data.transform, 32)
    return trainer, make_snapshot(trainer, grid, trainer.probe())


@pytest.fixture(scope="module")
def spiral():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    return (data, *_train(data))


@pytest.fixture(scope="module")
def multi():
    data = prepare(DataSpec(name="spiral_multi", n_samples=150, noise=0.1, n_classes=3))
    return (data, *_train(data, epochs=10))


@pytest.fixture(scope="module")
def line():
    data = prepare(DataSpec(name="line", n_samples=60, noise=0.05))
    return (data, *_train(data, epochs=20, hidden=(LayerSpec(4, "tanh"),), lr=0.05))


@pytest.fixture
def view(qtbot):
    v = BoundaryView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    return v


def _engine_output(trainer, X):
    net = trainer.network
    return net.loss.output(net.forward(np.asarray(X, dtype=net.dtype)))


def test_heatmap_is_the_grid_output_over_the_domain(view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    g = snap.grid
    np.testing.assert_array_equal(view.image.image, g.output)  # rows are y, as in the grid
    assert view.image_levels == (0.0, 1.0)
    assert tuple(view.image.levels) == (0.0, 1.0)
    # pixel centres sit on the grid points: first pixel at (xs[0], ys[0]), last at (xs[-1], ys[-1])
    first = view.image.mapToParent(QPointF(0.5, 0.5))
    last = view.image.mapToParent(QPointF(len(g.xs) - 0.5, len(g.ys) - 0.5))
    assert (first.x(), first.y()) == pytest.approx((g.xs[0], g.ys[0]))
    assert (last.x(), last.y()) == pytest.approx((g.xs[-1], g.ys[-1]))
    # the value read where the mouse is, is the grid's
    i, j = 20, 7
    assert view.value_at(g.xs[j], g.ys[i]) == g.output[i, j]
    text = view.hover_at(g.xs[j], g.ys[i])
    assert f"P(class {data.class_names[1]}) = {g.output[i, j]:.3f}" in text


def test_points_are_the_data(view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    tx, ty = view.train_scatter.getData()
    np.testing.assert_array_equal(np.column_stack([tx, ty]), data.raw.X[data.train_index])
    vx, vy = view.val_scatter.getData()
    np.testing.assert_array_equal(np.column_stack([vx, vy]), data.raw.X[data.val_index])
    brushes = [p.brush().color().rgb() for p in view.train_scatter.points()]
    expected = [theme.class_color(int(k), 2).rgb() for k in data.raw.y[data.train_index]]
    assert brushes == expected
    view.val_box.setChecked(False)
    assert not view.val_scatter.isVisible() and not view.show_validation


def test_discretise_thresholds_at_one_half(view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    view.discrete_box.setChecked(True)
    np.testing.assert_array_equal(view.image.image, (snap.grid.output > 0.5).astype(float))
    view.set_discretize(False)
    np.testing.assert_array_equal(view.image.image, snap.grid.output)


def test_prediction_and_confusion_match_the_engine(view, spiral):
    data, trainer, snap = spiral
    np.testing.assert_allclose(predict_from_snapshot(snap, data.X_val), _engine_output(trainer, data.X_val),
                               rtol=1e-12, atol=1e-15)
    view.set_data(data)
    view.show_snapshot(snap)
    z = trainer.network.forward(data.X_val)
    expected = confusion_matrix(z, data.y_val, "binary", 2)
    np.testing.assert_array_equal(view.confusion, expected)
    assert view.confusion_on == "validation"
    assert expected.sum() == len(data.y_val)
    np.testing.assert_array_equal(view.confusion_widget.matrix, expected)
    assert view.confusion_widget.heading.startswith("validation set")


def test_confusion_on_training_data_without_validation(view):
    data = prepare(DataSpec(name="xor", n_samples=80, noise=0.1, validation_fraction=0.0))
    trainer, snap = _train(data, epochs=3)
    view.set_data(data)
    view.show_snapshot(snap)
    expected = confusion_matrix(trainer.network.forward(data.X_train), data.y_train, "binary", 2)
    np.testing.assert_array_equal(view.confusion, expected)
    assert view.confusion_on == "training" and "training" in view.confusion_widget.heading


def test_multiclass_mixes_class_colours(view, multi):
    data, trainer, snap = multi
    view.set_data(data)
    view.show_snapshot(snap)
    g = snap.grid
    k = data.n_classes
    colours = np.array([[c.red(), c.green(), c.blue()] for c in (theme.class_color(i, k) for i in range(k))], float)
    light = colours * (1 - view.HEAT_LIGHTEN) + 255 * view.HEAT_LIGHTEN
    expected = np.clip(g.probs @ light, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(view.image.image, expected)
    view.set_discretize(True)
    np.testing.assert_array_equal(view.image.image, np.clip(light[g.probs.argmax(axis=-1)], 0, 255).astype(np.uint8))
    z = trainer.network.forward(data.X_val)
    np.testing.assert_array_equal(view.confusion, confusion_matrix(z, data.y_val, "multiclass", k))
    np.testing.assert_allclose(predict_from_snapshot(snap, data.X_val), _engine_output(trainer, data.X_val),
                               rtol=1e-12, atol=1e-15)


def test_show_neuron_shows_that_neurons_output(view, multi):
    data, _, snap = multi
    view.set_data(data)
    view.show_snapshot(snap)
    g = snap.grid
    view.show_neuron(1, 2)
    np.testing.assert_array_equal(view.image.image, g.neurons[1][..., 2])
    assert view.neuron_title == "hidden 2, neuron 3 (tanh)"
    assert view.neuron_title in view.legend.text()  # said above the plot, which keeps its size
    assert f"hidden 2, neuron 3 (tanh): {g.neurons[1][4, 3, 2]:.4g}" in view.hover_at(g.xs[3], g.ys[4])
    assert f"{g.neurons[1][4, 3, 2]:.4g}" in view.hover_at(g.xs[3], g.ys[4])
    view.show_neuron(2, 1)  # an output unit: that class's probability
    np.testing.assert_array_equal(view.image.image, g.probs[..., 1])
    view.show_neuron(-1, 0)  # an input: the feature over the plane
    gx, _ = np.meshgrid(g.xs, g.ys)
    np.testing.assert_allclose(view.image.image, gx)
    view.show_neuron(None, None)
    assert view.image_rgb is not None and view.neuron_title == ""
    assert "class A" in view.legend.text()
    np.testing.assert_array_equal(view.image_values, g.output)


def test_one_d_regression_draws_the_fitted_curve(view, line):
    data, trainer, snap = line
    view.set_data(data)
    view.show_snapshot(snap)
    assert view.mode == "curve"
    x, y = view.curve.getData()
    np.testing.assert_array_equal(x, snap.grid.xs)
    np.testing.assert_array_equal(y, snap.grid.output)
    np.testing.assert_allclose(y, _engine_output(trainer, data.transform(snap.grid.xs))[:, 0], rtol=1e-12)
    tx, ty = view.train_scatter.getData()
    np.testing.assert_array_equal(tx, data.raw.X[data.train_index, 0])
    np.testing.assert_array_equal(ty, data.raw.y[data.train_index])
    vx, vy = view.val_scatter.getData()
    np.testing.assert_array_equal(vy, data.raw.y[data.val_index])
    assert view.confusion is None and view.confusion_widget.isHidden()
    header, rows = view.table()
    assert header == ("x", "output") and len(rows) == len(snap.grid.xs)
    view.show_neuron(0, 1)
    np.testing.assert_array_equal(view.curve.getData()[1], snap.grid.neurons[0][:, 1])


def _click(qtbot, view, x, y, button):
    scene_pt = view.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(view.canvas.viewport(), button, pos=view.canvas.mapFromScene(scene_pt))


def test_painting_emits_requests(qtbot, view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.assertNotEmitted(view.sigPointAdded):
        _click(qtbot, view, 1.0, 2.0, Qt.MouseButton.LeftButton)  # not painting: nothing
    view.set_paint_mode(True, 0)
    with qtbot.waitSignal(view.sigPointAdded, timeout=1000) as blocker:
        _click(qtbot, view, 1.0, 2.0, Qt.MouseButton.LeftButton)
    x, y, label = blocker.args
    px, py = view.vb.viewPixelSize()
    assert abs(x - 1.0) < 1.5 * px and abs(y - 2.0) < 1.5 * py and label == 0
    # a training point with no other point within 8 pixels, so that "near it" is unambiguous
    pts = data.raw.X / np.array([px, py])
    far = [k for k in range(len(data.train_index))
           if np.sort(np.hypot(*(pts - pts[int(data.train_index[k])]).T))[1] > 8]
    row = int(data.train_index[far[0]])
    px0, py0 = data.raw.X[row]
    qtbot.wait(350)  # not a double click
    with qtbot.waitSignal(view.sigPointRemoved, timeout=1000) as blocker:
        _click(qtbot, view, px0 + 2 * px, py0, Qt.MouseButton.RightButton)
    assert blocker.args == [row]
    view.set_paint_mode(False)


def test_table_is_the_grid(view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    header, rows = view.table()
    assert header == ("x", "y", "output")
    rows = np.asarray(rows)
    g = snap.grid
    assert rows.shape == (len(g.xs) * len(g.ys), 3)
    np.testing.assert_array_equal(rows[:, 2], g.output.ravel())
    np.testing.assert_array_equal(rows[33], [g.xs[1], g.ys[1], g.output[1, 1]])


def test_renders_exports_and_redraws_fast(qtbot, tmp_path, view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    img = view.grab().toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)}
    assert len(colours) > 50
    for name, fn in (("b.png", view.export_png), ("b.csv", view.export_csv)):
        assert fn(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 500
    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        view.show_snapshot(snap)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    print(f"BoundaryView.show_snapshot median {median:.2f} ms")
    assert median < 20.0


def test_export_svg(tmp_path, view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    assert view.export_svg(tmp_path / "b.svg")
    assert (tmp_path / "b.svg").stat().st_size > 500


# -- the mouse: read-out, samples, painting --------------------------------------------------------
def _view_pos(view, x, y):
    return view.canvas.mapFromScene(view.vb.mapViewToScene(QPointF(x, y)))


@pytest.fixture
def shown(qtbot, view, spiral):
    data, _, snap = spiral
    view.set_data(data)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    qtbot.wait(50)  # the layout settles (the caption shows or not): the plot is where it stays
    return view


def test_the_read_out_leaves_with_the_mouse(qtbot, shown, spiral):
    data, _, snap = spiral
    g = snap.grid
    qtbot.mouseMove(shown.canvas.viewport(), _view_pos(shown, g.xs[25], g.ys[20]))
    qtbot.waitUntil(lambda: shown.hover_text.isVisible(), timeout=1000)
    assert f"P(class +1) = {g.output[20, 25]:.3f}" in shown.hover_text.toPlainText()
    # out of the plot, onto the legend above it
    qtbot.wait(50)
    qtbot.mouseMove(shown.legend, QPoint(5, 5))
    qtbot.waitUntil(lambda: not shown.hover_text.isVisible(), timeout=1000)
    # back, then out of the window altogether
    qtbot.wait(50)
    qtbot.mouseMove(shown.canvas.viewport(), _view_pos(shown, g.xs[10], g.ys[10]))
    qtbot.waitUntil(lambda: shown.hover_text.isVisible(), timeout=1000)
    QApplication.sendEvent(shown.canvas.viewport(), QEvent(QEvent.Type.Leave))
    assert not shown.hover_text.isVisible()
    shown.show_snapshot(snap)  # a new snapshot does not bring it back
    assert not shown.hover_text.isVisible()


def _isolated_point(data, rows, others, min_dist=0.6):
    """An index into ``rows`` whose raw point is at least ``min_dist`` from every other point."""
    X = data.raw.X
    for k, row in enumerate(rows):
        d = np.hypot(*(X[others] - X[row]).T)
        d = d[others != row]
        if d.min() > min_dist:
            return k
    raise AssertionError("no isolated point")


def test_clicking_a_training_point_picks_it_for_the_inspector(qtbot, shown, spiral):
    data, _, _snap = spiral
    everything = np.concatenate([data.train_index, data.val_index])
    k = _isolated_point(data, data.train_index, everything)
    x, y = data.raw.X[data.train_index[k]]
    px, _ = shown.vb.viewPixelSize()
    with qtbot.waitSignal(shown.sigSampleClicked, timeout=1000) as blocker:
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_view_pos(shown, x + 3 * px, y))
    assert blocker.args == [k]
    # it is the training set's sample k: the trainer's X row k is this point, prepared
    np.testing.assert_allclose(data.X_train[k], data.transform(np.array([[x, y]]))[0])
    rx, ry = shown.points.ring.getData()
    assert (rx.tolist(), ry.tolist()) == ([x], [y])
    shown.set_inspected_sample(None)
    assert len(shown.points.ring.getData()[0]) == 0


def test_a_validation_point_is_not_trained_on_and_says_so(qtbot, shown, spiral):
    data, _, _snap = spiral
    everything = np.concatenate([data.train_index, data.val_index])
    k = _isolated_point(data, data.val_index, everything)
    x, y = data.raw.X[data.val_index[k]]
    qtbot.wait(300)
    with qtbot.assertNotEmitted(shown.sigSampleClicked), qtbot.waitSignal(shown.sigStatus) as status:
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_view_pos(shown, x, y))
    assert "validation point" in status.args[0]
    # far from every point: nothing
    with qtbot.assertNotEmitted(shown.sigSampleClicked):
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_view_pos(shown, -5.9, 5.9))


def test_the_ring_follows_the_phase_being_stepped(qtbot, shown, spiral):
    data, trainer, snap = spiral
    shown.set_inspected_sample(3)
    assert shown.points.ring.getData()[0].tolist() == [data.raw.X[data.train_index[3], 0]]
    t2 = Trainer(trainer.spec, trainer.config, data)
    ph = t2.step_phase()
    grid = evaluate_grid(t2, data.domain, data.transform, 32)
    shown.show_snapshot(make_snapshot(t2, grid, None, ph))
    assert ph.sample != 3
    rx, ry = shown.points.ring.getData()
    assert (rx.tolist(), ry.tolist()) == ([data.raw.X[data.train_index[ph.sample], 0]],
                                          [data.raw.X[data.train_index[ph.sample], 1]])
    shown.show_snapshot(snap)  # no phase: back to the sample chosen
    assert shown.points.ring.getData()[0].tolist() == [data.raw.X[data.train_index[3], 0]]


def test_painting_clicks_do_not_pick_samples(qtbot, shown, spiral):
    data, _, _snap = spiral
    x, y = data.raw.X[data.train_index[0]]
    shown.set_paint_mode(True, 1)
    with qtbot.assertNotEmitted(shown.sigSampleClicked), qtbot.waitSignal(shown.sigPointAdded):
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.LeftButton, pos=_view_pos(shown, x, y))


def test_a_draft_replaces_the_points_and_the_legend(qtbot, shown, spiral):
    data, _, _snap = spiral
    draft = Dataset(np.array([[1.0, 2.0], [-3.0, 0.5]]), np.array([0, 1]), "binary", ("x1", "x2"), ("no", "yes"))
    shown.set_draft(draft)
    tx, ty = shown.train_scatter.getData()
    assert (tx.tolist(), ty.tolist()) == ([1.0, -3.0], [2.0, 0.5])
    assert not shown.val_scatter.isVisible()
    assert "class no" in shown.legend.text() and "class yes" in shown.legend.text()
    # right-click removal names the draft's row
    shown.set_paint_mode(True, 0)
    with qtbot.waitSignal(shown.sigPointRemoved, timeout=1000) as blocker:
        qtbot.mouseClick(shown.canvas.viewport(), Qt.MouseButton.RightButton, pos=_view_pos(shown, -3.0, 0.5))
    assert blocker.args == [1]
    shown.set_draft(None)
    assert len(shown.train_scatter.getData()[0]) == len(data.train_index)
    assert shown.val_scatter.isVisible() and "class +1" in shown.legend.text()


@pytest.mark.parametrize("classes", [("-1", "+1"), ("setosa", "versicolor", "virginica"), tuple("0123456789")])
def test_the_confusion_matrix_never_cuts_a_text(qapp, classes):
    k = len(classes)
    C = np.arange(k * k).reshape(k, k) * 7
    w = ConfusionMatrixWidget()
    w.set_matrix(C, classes, "validation set\n35 of 80 right (44%)")
    for width, height in [(110, 120), (140, 200), (180, 240), (260, 300), (600, 500)]:
        w.resize(width, height)
        w.grab()
        assert w.drawn_texts
        for text, rect in w.drawn_texts:
            assert rect.left() >= -0.5 and rect.right() <= width + 0.5, (width, text, rect)
            assert rect.top() >= -0.5 and rect.bottom() <= height + 0.5, (height, text, rect)
        said = [t for t, _r in w.drawn_texts]
        assert any(t.startswith("pred") for t in said) and any(t.startswith("true") for t in said)


def test_in_a_small_view_the_plot_comes_first(qtbot, shown):
    shown.resize(800, 600)
    qtbot.wait(50)
    assert shown.confusion_widget.isVisible() and shown.caption_label.isVisible()
    for w, h in [(420, 340), (330, 260)]:
        shown.resize(w, h)
        qtbot.waitUntil(lambda: not shown.confusion_widget.isVisible())
        qtbot.wait(50)
        assert not shown.caption_label.isVisible()
        # the square plane takes most of the room the legend line and the colour bar leave
        side = min(shown.vb.width(), shown.vb.height())
        assert side >= 0.6 * min(w, h - 30)
