"""Where the errors are: each sample's prediction and loss equal the engine's, the
decision view marks exactly the points the engine misclassifies (and the worst
residuals of a fit), and hovering a point reads its target, prediction and loss."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from nnstudio.app.views.axes import number_text
from nnstudio.app.views.boundary_view import BoundaryView
from nnstudio.app.views.sample_errors import data_errors, sample_errors, worst_count
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.losses import predicted_classes
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _run(data, hidden, epochs, loss=None, dtype="float64", lr=0.02):
    k = data.n_classes if data.task == "multiclass" else 1
    spec = NetworkSpec(data.n_inputs, hidden, data.task, k, loss=loss)
    trainer = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=lr, dtype=dtype), data)
    trainer.run(epochs=epochs)
    grid = evaluate_grid(trainer, data.domain, data.transform, 32) if data.raw.X.shape[1] <= 2 else None
    return trainer, make_snapshot(trainer, grid)


def _engine(trainer, X, y):
    """The engine's own logits and per-sample loss (its network, its loss object)."""
    z = trainer.network.forward(np.ascontiguousarray(X, dtype=trainer.network.dtype))
    yt = y.astype(np.intp) if trainer.spec.task != "regression" else y.astype(z.dtype)
    return z, trainer.network.loss.per_sample(z, yt)


CASES = {
    "binary": (DataSpec(name="spiral", n_samples=200, noise=0.1), (LayerSpec(8, "tanh"),), 5, None, "float64"),
    "multiclass": (DataSpec(name="spiral_multi", n_samples=150, noise=0.1, n_classes=3),
                   (LayerSpec(8, "leaky_relu", alpha=0.2),), 8, None, "float64"),
    "huber": (DataSpec(name="line", n_samples=60, noise=0.3), (LayerSpec(4, "elu", alpha=0.5),), 10, "huber",
              "float64"),
    "float32": (DataSpec(name="circle", n_samples=120, noise=0.1), (LayerSpec(6, "relu"),), 4, None, "float32"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_predictions_and_losses_equal_the_engines(case):
    spec, hidden, epochs, loss, dtype = CASES[case]
    data = prepare(spec)
    trainer, snap = _run(data, hidden, epochs, loss, dtype)
    assert snap.loss == trainer.spec.loss and snap.huber_delta == trainer.spec.huber_delta
    for X, y, e in zip((data.X_train, data.X_val), (data.y_train, data.y_val), data_errors(snap, data)):
        z, per_sample = _engine(trainer, X, y)
        np.testing.assert_array_equal(e.loss, per_sample.astype(np.float64))
        np.testing.assert_array_equal(e.output, trainer.network.loss.output(z).astype(np.float64))
        if data.task == "regression":
            worst = np.argsort(-per_sample, kind="stable")[: worst_count(len(y))]
            assert set(np.flatnonzero(e.wrong)) == set(worst)
        else:
            pred = predicted_classes(z, data.task)
            np.testing.assert_array_equal(e.predicted, pred)
            np.testing.assert_array_equal(e.wrong, pred != y)
    # the engine's whole-set loss is the mean of the per-sample losses
    ev = trainer.evaluate()
    train, val = data_errors(snap, data)
    assert train.loss.mean() == pytest.approx(ev["loss"], rel=1e-6)
    assert val.loss.mean() == pytest.approx(ev["val_loss"], rel=1e-6)


def test_hardest_first_and_a_diverged_sample_first_of_all():
    data = prepare(DataSpec(name="circle", n_samples=80, noise=0.1))
    _trainer, snap = _run(data, (LayerSpec(4, "tanh"),), 2)
    e = sample_errors(snap, data.X_train, data.y_train)
    order = e.hardest()
    assert np.all(np.diff(e.loss[order]) <= 0) and len(order) == len(e)
    loss = e.loss.copy()
    loss[7] = np.nan
    from dataclasses import replace

    assert replace(e, loss=loss).hardest(1)[0] == 7
    assert replace(e, loss=loss).loss_text(7) == "not finite (diverged)"


def test_texts_name_classes_and_probabilities():
    data = prepare(DataSpec(name="spiral_multi", n_samples=90, noise=0.1, n_classes=3))
    _trainer, snap = _run(data, (LayerSpec(8, "tanh"),), 3)
    e = sample_errors(snap, data.X_train, data.y_train)
    names = data.class_names
    c = int(e.predicted[0])
    assert e.prediction_text(0, names) == f"{names[c]} (p = {e.output[0, c]:.3f})"
    assert e.target_text(0, names) == names[int(data.y_train[0])]


def test_a_fits_texts_write_numbers_as_the_axes_do():
    """A fit that is exact leaves losses of 10⁻³⁰: "1.775×10⁻³⁰", not "1.775e-30"; a
    negative target has a real minus sign."""
    data = prepare(DataSpec(name="line", n_samples=40, noise=0.1))
    _trainer, snap = _run(data, (LayerSpec(4, "tanh"),), 2)
    e = sample_errors(snap, data.X_train, data.y_train)
    from dataclasses import replace

    e = replace(e, loss=np.full(len(e), 1.775e-30))
    i = int(np.argmin(e.target))
    assert e.target[i] < 0
    assert e.loss_text(0) == "1.775×10⁻³⁰"
    assert e.target_text(i) == number_text(float(e.target[i])) and e.target_text(i).startswith("−")
    assert "e-" not in e.prediction_text(i) and "-" not in e.prediction_text(i)


# -- the decision view --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spiral():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    return (data, *_run(data, (LayerSpec(8, "tanh"),), 5))


@pytest.fixture
def view(qtbot):
    v = BoundaryView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    return v


def test_misclassified_marks_are_the_engines_mistakes(view, spiral):
    data, trainer, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    wrong_t = np.flatnonzero(predicted_classes(_engine(trainer, data.X_train, data.y_train)[0], "binary")
                             != data.y_train)
    wrong_v = np.flatnonzero(predicted_classes(_engine(trainer, data.X_val, data.y_val)[0], "binary")
                             != data.y_val)
    assert 0 < len(wrong_t) < len(data.y_train) and len(wrong_v) > 0  # a half-trained network errs
    ti, vi = view.points.marked()
    np.testing.assert_array_equal(ti, wrong_t)
    np.testing.assert_array_equal(vi, wrong_v)
    # the crosses are drawn on exactly those points
    x, y = view.points.marks.getData()
    expected = data.raw.X[np.concatenate([data.train_index[wrong_t], data.val_index[wrong_v]])]
    np.testing.assert_allclose(np.column_stack([x, y]), expected)
    # hiding the validation points hides their crosses
    view.set_show_validation(False)
    assert len(view.points.marks.getData()[0]) == len(wrong_t)
    assert "wrong" in view.legend.text()


def _isolated(data, rows, view):
    """A point of ``rows`` with no other point within 10 screen pixels."""
    everything = np.concatenate([data.train_index, data.val_index])
    px, py = view.vb.viewPixelSize()
    pts = data.raw.X / np.array([px, py])
    return next(k for k, row in enumerate(rows) if np.sort(np.hypot(*(pts[everything] - pts[row]).T))[1] > 10)


def test_hovering_a_point_reads_its_target_prediction_and_loss(view, spiral, qtbot):
    data, trainer, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    qtbot.wait(50)
    z, loss = _engine(trainer, data.X_train, data.y_train)
    k = _isolated(data, data.train_index, view)
    x, y = data.raw.X[data.train_index[k]]
    text = view.hover_at(x, y)
    p1 = float(1 / (1 + np.exp(-z[k, 0])))
    pred = int(z[k, 0] > 0)
    names = data.class_names
    lines = text.splitlines()
    assert lines[0].startswith(f"training point #{k}")
    assert ("misclassified" in lines[0]) == (pred != data.y_train[k])
    assert lines[1] == f"target: {names[int(data.y_train[k])]}"
    assert lines[2] == f"prediction: {names[pred]} (p = {(p1 if pred else 1 - p1):.3f})"
    assert lines[3] == f"loss: {number_text(float(loss[k]))}"
    # a validation point says so, with its index in the validation set
    j = _isolated(data, data.val_index, view)
    xv, yv = data.raw.X[data.val_index[j]]
    _zv, lv = _engine(trainer, data.X_val, data.y_val)
    text = view.hover_at(xv, yv)
    assert text.startswith(f"validation point #{j}") and f"loss: {number_text(float(lv[j]))}" in text
    # away from every point the plane's read-out comes back
    assert view.hover_at(5.9, -5.9).startswith("x")


def test_hovering_with_the_mouse_shows_the_same_text(view, spiral, qtbot):
    data, trainer, snap = spiral
    view.set_data(data)
    view.show_snapshot(snap)
    qtbot.wait(50)
    k = _isolated(data, data.train_index, view)
    x, y = data.raw.X[data.train_index[k]]
    scene = view.vb.mapViewToScene(QPointF(x, y))
    view._mouse_moved(scene)
    assert view.hover_text.isVisible() and view.hover_text.toPlainText().startswith(f"training point #{k}")


def test_a_fit_marks_its_worst_residuals_with_segments_to_the_curve(view):
    data = prepare(DataSpec(name="line", n_samples=60, noise=0.3))
    trainer, snap = _run(data, (LayerSpec(4, "tanh"),), 10, lr=0.05)
    view.set_data(data)
    view.show_snapshot(snap)
    _z, lt = _engine(trainer, data.X_train, data.y_train)
    _zv, lv = _engine(trainer, data.X_val, data.y_val)
    ti, vi = view.points.marked()
    assert set(ti) == set(np.argsort(-lt)[: worst_count(len(lt))])
    assert set(vi) == set(np.argsort(-lv)[: worst_count(len(lv))])
    x, y = view.points.residuals.getData()
    n = len(ti) + len(vi)
    assert len(x) == 2 * n
    # each segment goes from the point's target to the network's ŷ at that point
    rows = np.concatenate([data.train_index[ti], data.val_index[vi]])
    np.testing.assert_allclose(x[0::2], data.raw.X[rows, 0])
    np.testing.assert_allclose(y[0::2], data.raw.y[rows])
    yhat = trainer.network.forward(np.concatenate([data.X_train[ti], data.X_val[vi]]))[:, 0]
    np.testing.assert_allclose(y[1::2], yhat)
    assert "worst residuals" in view.legend.text()
