"""Two runs on the decision view: run B's map (or fit) beside A's, each the engine's own
grid, on one colour scale and the same axes, with each run's own mistakes crossed; one
plot again when B is closed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.views.axes import number_text
from nnstudio.app import theme
from nnstudio.app.document import DocState
from nnstudio.app.views.boundary_view import BoundaryView
from nnstudio.app.views.run_colors import run_color
from nnstudio.app.views.sample_errors import worst_count
from nnstudio.core.data import DataSpec
from nnstudio.core.losses import predicted_classes
from nnstudio.core.snapshot import evaluate_grid
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig

RES = 32  # pair_snapshot's grid resolution


@pytest.fixture(scope="module")
def spiral_pair():
    cmp, prepared = comparison_for("lr=0.3", 60)
    return cmp, prepared


@pytest.fixture(scope="module")
def fit_pair():
    state = DocState(NetworkSpec(1, (LayerSpec(6, "tanh"),), "regression", 1),
                     TrainConfig(optimizer="adam", learning_rate=0.01),
                     DataSpec(source="generator", name="sine", n_samples=120, noise=0.1, seed=0,
                              validation_fraction=0.2))
    return comparison_for("lr=0.1", 200, state=state)


@pytest.fixture
def view(qtbot):
    v = BoundaryView()
    qtbot.addWidget(v)
    v.resize(900, 420)
    v.show()
    return v


def _shown(view, cmp, prepared, qtbot):
    view.set_data(prepared)
    snap = pair_snapshot(cmp, prepared, RES)
    view.show_snapshot(snap)
    qtbot.wait(30)  # laid out: the plots have their sizes
    return snap


def _engine_logits(trainer, X):
    return trainer.network.forward(np.ascontiguousarray(X, dtype=trainer.network.dtype))


def test_each_plot_shows_its_own_runs_grid_on_one_scale(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    _shown(view, cmp, prepared, qtbot)
    assert view.comparing and view.run_b is not None
    want_a = evaluate_grid(cmp.a, prepared.domain, prepared.transform, RES).output
    want_b = evaluate_grid(cmp.b, prepared.domain, prepared.transform, RES).output
    assert not np.array_equal(want_a, want_b)  # η = 0.3 has taken B elsewhere
    np.testing.assert_array_equal(view.run_a.image.image, want_a)
    np.testing.assert_array_equal(view.run_b.image.image, want_b)
    # one colour scale: the same levels and the same lookup table on both heatmaps
    assert tuple(view.run_a.image.levels) == tuple(view.run_b.image.levels) == (0.0, 1.0)
    np.testing.assert_array_equal(view.run_a.image.lut, view.run_b.image.lut)
    # both heatmaps over the same rectangle, and both plots over the same ranges
    assert view.run_a.image.mapRectToParent(view.run_a.image.boundingRect()) == \
        view.run_b.image.mapRectToParent(view.run_b.image.boundingRect())
    assert view.run_a.vb.viewRange() == view.run_b.vb.viewRange()
    # side by side, equally wide
    ra, rb = view.run_a.vb.sceneBoundingRect(), view.run_b.vb.sceneBoundingRect()
    assert rb.left() > ra.right() and ra.width() == pytest.approx(rb.width(), abs=1.0)
    # the value read on B's plot is B's
    j, i = 5, 20
    g = evaluate_grid(cmp.b, prepared.domain, prepared.transform, RES)
    assert view.value_at(g.xs[j], g.ys[i], run="B") == want_b[i, j]
    assert view.value_at(g.xs[j], g.ys[i]) == want_a[i, j]


def test_b_crosses_b_misclassified_points_and_counts_b_answers(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    _shown(view, cmp, prepared, qtbot)
    for run, plot in ((cmp.a, view.run_a), (cmp.b, view.run_b)):
        wrong_t = np.flatnonzero(predicted_classes(_engine_logits(run, prepared.X_train), "binary")
                                 != prepared.y_train)
        pred_v = predicted_classes(_engine_logits(run, prepared.X_val), "binary")
        wrong_v = np.flatnonzero(pred_v != prepared.y_val)
        ti, vi = plot.points.marked()
        np.testing.assert_array_equal(ti, wrong_t)
        np.testing.assert_array_equal(vi, wrong_v)
        x, y = plot.points.marks.getData()
        rows = np.concatenate([prepared.train_index[wrong_t], prepared.val_index[wrong_v]])
        np.testing.assert_allclose(np.column_stack([x, y]), prepared.raw.X[rows])
        right = int(np.sum(pred_v == prepared.y_val))
        C = view.confusion if plot is view.run_a else view.confusion_b
        assert int(np.trace(C)) == right and C.sum() == len(prepared.y_val)
        # the title says the run and how many validation points it gets right
        name = "A" if plot is view.run_a else cmp.label
        assert plot.title.shown_text() == f"{name} · {right / len(prepared.y_val):.0%} right"
        assert plot.title.opts["color"] == run_color("A" if plot is view.run_a else "B").name()
    assert not np.array_equal(view.run_a.points.marked()[0], view.run_b.points.marked()[0])
    # the wide view shows B's confusion matrix under A's, each named
    assert view.confusion_widget_b.isVisible()
    assert view.confusion_widget_b.heading.startswith(cmp.label)
    assert view.confusion_widget.heading.startswith("A · ")


def test_clicking_a_point_on_b_plot_follows_that_sample(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    _shown(view, cmp, prepared, qtbot)
    b = view.run_b
    px, py = b.vb.viewPixelSize()
    pts = prepared.raw.X / np.array([px, py])
    every = np.concatenate([prepared.train_index, prepared.val_index])
    # the training point farthest from any other: a click on it is on it alone
    gaps = [np.sort(np.hypot(*(pts[every] - pts[row]).T))[1] for row in prepared.train_index]
    k = int(np.argmax(gaps))
    assert gaps[k] > 2
    x, y = prepared.raw.X[prepared.train_index[k]]
    pos = view.canvas.mapFromScene(b.vb.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(view.sigSampleClicked) as blocker:
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [k]
    assert view.run_a.points.inspected == view.run_b.points.inspected == k  # ringed on both
    # hovering the point on B's plot reads B's prediction and loss for it
    text = view.hover_at(x, y, run="B")
    z = _engine_logits(cmp.b, prepared.X_train[k:k + 1])
    loss = cmp.b.network.loss.per_sample(z, prepared.y_train[k:k + 1].astype(np.intp))
    lines = text.splitlines()
    assert lines[0] == cmp.label and lines[1].startswith(f"training point #{k}")
    assert lines[-1] == f"loss: {number_text(float(loss[0]))}"
    assert b.hover_text.isVisible() and not view.run_a.hover_text.isVisible()


def test_zooming_b_plot_zooms_a_alike(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    _shown(view, cmp, prepared, qtbot)
    before = view.run_a.vb.viewRange()
    centre = view.canvas.mapFromScene(view.run_b.vb.sceneBoundingRect().center())
    wheel = QWheelEvent(QPointF(centre), QPointF(view.canvas.viewport().mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.canvas.viewport(), wheel)
    qtbot.wait(10)
    after_a, after_b = view.run_a.vb.viewRange(), view.run_b.vb.viewRange()
    assert after_a[0][1] - after_a[0][0] < 0.9 * (before[0][1] - before[0][0])  # zoomed in
    np.testing.assert_allclose(after_a, after_b)


def test_closing_b_returns_to_one_plot(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    snap = _shown(view, cmp, prepared, qtbot)
    width_pair = view.run_a.vb.width()
    snap.b = None
    view.show_snapshot(snap)
    qtbot.wait(30)
    assert not view.comparing and view.run_plots() == [view.run_a]
    assert view.run_b.plot.scene() is None or not view.run_b.plot.isVisible()
    assert not view.run_a.title.isVisible() and view.confusion_b is None
    assert not view.confusion_widget_b.isVisible() and view.confusion_widget.isVisible()
    assert view.run_a.vb.width() > 1.5 * width_pair
    assert view.table()[0] == ("x", "y", "output")
    # and a comparison again brings B's plot back, drawn anew
    again = pair_snapshot(cmp, prepared, RES)
    view.show_snapshot(again)
    qtbot.wait(30)
    assert view.comparing and view.run_b.plot.isVisible()
    np.testing.assert_array_equal(view.run_b.image.image, again.b.grid.output)


def test_table_holds_both_runs_outputs(view, spiral_pair, qtbot):
    cmp, prepared = spiral_pair
    snap = _shown(view, cmp, prepared, qtbot)
    header, rows = view.table()
    assert header == ("x", "y", "output", "output_B")
    rows = np.asarray(rows)
    np.testing.assert_array_equal(rows[:, 2], snap.grid.output.ravel())
    np.testing.assert_array_equal(rows[:, 3], snap.b.grid.output.ravel())


def test_fits_side_by_side_with_b_worst_residuals(view, fit_pair, qtbot):
    cmp, prepared = fit_pair
    _shown(view, cmp, prepared, qtbot)
    for run, plot in ((cmp.a, view.run_a), (cmp.b, view.run_b)):
        g = evaluate_grid(run, prepared.domain, prepared.transform, RES)
        x, y = plot.curve.getData()
        np.testing.assert_array_equal(x, g.xs)
        np.testing.assert_array_equal(y, g.output)
        z = _engine_logits(run, prepared.X_train)
        loss = run.network.loss.per_sample(z, prepared.y_train.astype(z.dtype))
        ti, _vi = plot.points.marked()
        assert set(ti) == set(np.argsort(-loss, kind="stable")[: worst_count(len(loss))])
    assert not np.array_equal(view.run_a.curve.getData()[1], view.run_b.curve.getData()[1])
    assert view.run_a.vb.viewRange() == view.run_b.vb.viewRange()
    assert view.run_b.title.shown_text() == cmp.label  # no accuracy for a fit


def test_a_neuron_missing_from_b_network_is_said(view, qtbot):
    cmp, prepared = comparison_for("hidden=3", 20)
    snap = _shown(view, cmp, prepared, qtbot)
    view.show_neuron(1, 5)  # hidden 2 exists in A (8–8), not in B (3)
    np.testing.assert_array_equal(view.run_a.image.image, snap.grid.neurons[1][..., 5])
    assert not view.run_b.image.isVisible()
    assert view.run_b.note.isVisible() and "hidden 2, neuron 6" in view.run_b.note.toPlainText()
    view.show_neuron(0, 2)  # hidden 1, neuron 3 exists in both: one scale for both
    np.testing.assert_array_equal(view.run_b.image.image, snap.b.grid.neurons[0][..., 2])
    assert not view.run_b.note.isVisible()
    assert tuple(view.run_a.image.levels) == tuple(view.run_b.image.levels) == (-1.0, 1.0)  # tanh


def test_classes_mix_each_run_own_probabilities(view, qtbot):
    from nnstudio.app.views.decision_plot import class_mix

    state = DocState(NetworkSpec(2, (LayerSpec(8, "tanh"),), "multiclass", 3),
                     TrainConfig(optimizer="adam", learning_rate=0.01),
                     DataSpec(source="generator", name="spiral_multi", n_samples=150, noise=0.1, seed=0,
                              validation_fraction=0.2, n_classes=3))
    cmp, prepared = comparison_for("activation=relu", 40, state=state)
    _shown(view, cmp, prepared, qtbot)
    for run, plot in ((cmp.a, view.run_a), (cmp.b, view.run_b)):
        g = evaluate_grid(run, prepared.domain, prepared.transform, RES)
        # hand-mixed: each class colour lightened 35 % towards white, weighted by its probability
        colours = np.array([[c.red(), c.green(), c.blue()] for c in
                            (theme.class_color(i, 3) for i in range(3))], dtype=np.float64)
        want = np.clip(g.probs.astype(np.float64) @ (colours * 0.65 + 255 * 0.35), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(plot.image.image, want)
        np.testing.assert_array_equal(class_mix(g, view.HEAT_LIGHTEN, False), want)
    assert not np.array_equal(view.run_a.image.image, view.run_b.image.image)
    assert not view.colorbar.isVisible()  # classes: no scale to share
