"""The loss view plots the engine's history exactly, in both x units and on a log axis."""

from __future__ import annotations

import statistics
import time
import warnings
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QBrush

from nnstudio.app.views.axes import tick_strings
from nnstudio.app.views.loss_view import LossView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


def _train(data, config, epochs, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh"))):
    k = data.n_classes if data.task == "multiclass" else 1
    spec = NetworkSpec(data.n_inputs, hidden, data.task, k)
    trainer = Trainer(spec, config, data)
    trainer.run(epochs=epochs)
    grid = evaluate_grid(trainer, data.domain, data.transform, 32)
    return trainer, make_snapshot(trainer, grid, trainer.probe())


@pytest.fixture(scope="module")
def spiral():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    trainer, snap = _train(data, TrainConfig(optimizer="adam", learning_rate=0.02), 5)
    return data, trainer, snap


@pytest.fixture(scope="module")
def stopped_early():
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    cfg = TrainConfig(optimizer="adam", learning_rate=0.05, early_stopping="patience", patience=4)
    trainer, snap = _train(data, cfg, 300)
    return data, trainer, snap


@pytest.fixture
def view(qtbot):
    v = LossView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    return v


def _xy(curve):
    x, y = curve.getData()
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def test_curves_are_the_history_by_iteration(view, spiral):
    _, _, snap = spiral
    assert len(snap.epoch_log) == 5 and len(snap.iter_log) > 5
    view.show_snapshot(snap)
    x, y = _xy(view.curve_iter)
    np.testing.assert_array_equal(x, snap.iter_log[:, 0])
    np.testing.assert_array_equal(y, snap.iter_log[:, 1])
    e = snap.epoch_log
    for curve, col in ((view.curve_train, 2), (view.curve_val, 3), (view.curve_metric, 4), (view.curve_val_metric, 5)):
        x, y = _xy(curve)
        np.testing.assert_array_equal(x, e[:, 1])  # epoch points at the iteration that ended them
        np.testing.assert_array_equal(y, e[:, col])
    assert view.plot.getAxis("right").labelText == "accuracy (dashed)"


def test_epoch_axis_plots_against_epochs(qtbot, view, spiral):
    _, _, snap = spiral
    view.show_snapshot(snap)
    view.x_axis_box.setCurrentText("epoch")  # what the learner does
    assert view.x_axis == "epoch"
    x, y = _xy(view.curve_train)
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(y, snap.epoch_log[:, 2])
    xi, _ = _xy(view.curve_iter)
    np.testing.assert_allclose(xi, snap.iter_log[:, 0] / snap.iterations_per_epoch)
    assert "epoch" in view.plot.getAxis("bottom").labelText
    view.set_x_axis("iteration")
    np.testing.assert_array_equal(_xy(view.curve_train)[0], snap.epoch_log[:, 1])


def test_log_scale_toggle(qtbot, view, spiral):
    _, _, snap = spiral
    view.show_snapshot(snap)
    view.log_box.setChecked(True)
    assert view.log_y
    _, y = _xy(view.curve_train)
    np.testing.assert_allclose(y, np.log10(snap.epoch_log[:, 2]))
    _, yi = _xy(view.curve_iter)
    np.testing.assert_allclose(yi, np.log10(snap.iter_log[:, 1]))
    # accuracy stays on a linear 0..1 axis
    _, ym = _xy(view.curve_metric)
    np.testing.assert_array_equal(ym, snap.epoch_log[:, 4])
    assert not view.plot.getAxis("right").logMode
    view.log_box.setChecked(False)
    np.testing.assert_array_equal(_xy(view.curve_train)[1], snap.epoch_log[:, 2])


def test_regression_shows_r2(view):
    data = prepare(DataSpec(name="line", n_samples=60, noise=0.1))
    _, snap = _train(data, TrainConfig(optimizer="adam", learning_rate=0.05), 3, (LayerSpec(4, "tanh"),))
    view.show_snapshot(snap)
    assert view.plot.getAxis("right").labelText == "R² (dashed)"
    np.testing.assert_array_equal(_xy(view.curve_metric)[1], snap.epoch_log[:, 4])
    header, _ = view.table()
    assert "r2" in header and "val_r2" in header


def test_early_stopping_marker_at_best_epoch(view, stopped_early):
    _, trainer, snap = stopped_early
    info = snap.stop_info
    assert info is not None and info["kind"] == "early_stopping", "the run should have stopped early"
    best = info["best_epoch"]
    assert 0 < best < snap.epoch
    row = snap.epoch_log[snap.epoch_log[:, 0] == best][0]
    view.show_snapshot(snap)
    marks = view.marker_positions
    assert marks["best"] == row[1]  # the iteration that ended the best epoch
    assert marks["stop"] == info["iteration"]
    assert marks["divergence"] is None
    assert view.best_line.label.format == f"best: epoch {best}"
    bx, by = _xy(view.best_point)
    np.testing.assert_array_equal(bx, [row[1]])
    np.testing.assert_array_equal(by, [row[3]])  # the monitored validation loss
    assert "early stopping" in view.stop_label.text()
    view.set_x_axis("epoch")
    assert view.marker_positions["best"] == best
    assert view.marker_positions["stop"] == info["epoch"]


def test_divergence_marker(view):
    data = prepare(DataSpec(name="spiral", n_samples=100, noise=0.1))
    cfg = TrainConfig(optimizer="sgd", learning_rate=5000.0)
    trainer, snap = _train(data, cfg, 10, (LayerSpec(8, "relu"), LayerSpec(8, "relu")))
    assert snap.stop_info is not None and snap.stop_info["kind"] == "divergence"
    view.show_snapshot(snap)
    marks = view.marker_positions
    assert marks["divergence"] == snap.stop_info["iteration"]
    assert marks["best"] is None
    assert "diverged" in view.div_line.label.format
    assert "exploded" in view.stop_label.text() or "diverg" in view.stop_label.text()
    x, _ = _xy(view.div_point)  # makes the x range include the divergence
    np.testing.assert_array_equal(x, [snap.stop_info["iteration"]])


def test_hover_reads_off_the_nearest_epoch(qtbot, view, spiral):
    _, _, snap = spiral
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    row = snap.epoch_log[2]  # epoch 3
    text = view.hover_at(row[1] + 0.3)
    assert text.startswith(f"epoch 3  ·  iteration {int(row[1])}")
    for v in (row[2], row[3], row[4], row[5]):
        assert f"{v:.4g}" in text
    assert view.hover_line.value() == row[1]
    # the real mouse, through the scene
    qtbot.wait(50)  # pyqtgraph drops mouse moves that come faster than its event rate
    scene_pt = view.vb.mapViewToScene(pg_point(snap.epoch_log[0, 1], float(np.mean(view.vb.viewRange()[1]))))
    assert view.vb.sceneBoundingRect().contains(scene_pt)
    with qtbot.waitSignal(view.sigStatus, timeout=1000) as blocker:
        qtbot.mouseMove(view.canvas.viewport(), view.canvas.mapFromScene(scene_pt))
    assert blocker.args[0].startswith("epoch 1")
    assert view.hover_line.value() == snap.epoch_log[0, 1]


def pg_point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))


def test_table_and_exports(tmp_path, view, spiral):
    _, _, snap = spiral
    view.show_snapshot(snap)
    header, rows = view.table()
    assert header[:4] == ("row", "epoch", "iteration", "loss")
    epochs = [r for r in rows if r[0] == "epoch"]
    batches = [r for r in rows if r[0] == "batch"]
    assert len(epochs) == len(snap.epoch_log) and len(batches) == len(snap.iter_log)
    np.testing.assert_array_equal([r[3] for r in epochs], snap.epoch_log[:, 2])
    np.testing.assert_array_equal([r[3] for r in batches], snap.iter_log[:, 1])
    for name, fn in (("l.png", view.export_png), ("l.csv", view.export_csv)):
        assert fn(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 200
    assert (tmp_path / "l.csv").read_text().startswith("row,epoch,iteration,loss")


def test_export_svg(tmp_path, view, spiral):
    view.show_snapshot(spiral[2])
    assert view.export_svg(tmp_path / "l.svg")
    assert (tmp_path / "l.svg").stat().st_size > 200


def test_renders_and_redraws_fast(qtbot, view, spiral):
    _, _, snap = spiral
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(snap)
    img = view.grab().toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)}
    assert len(colours) > 20
    times = []
    for _ in range(25):
        t0 = time.perf_counter()
        view.show_snapshot(snap)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1000
    print(f"LossView.show_snapshot median {median:.2f} ms")
    assert median < 20.0


def _labels_ok(labels):
    """Distinct, and written as a learner reads numbers (no 1e+05, no "5·1")."""
    assert labels and len(set(labels)) == len(labels), labels
    assert not any("e+" in t or "e-" in t or "·1" in t for t in labels), labels


@pytest.mark.parametrize("log", [False, True])
def test_a_new_run_shows_a_sane_empty_frame(qtbot, view, spiral, log):
    data, _, snap = spiral
    view.show()
    view.set_log_y(log)
    view.show_snapshot(snap)
    qtbot.wait(20)
    assert view.vb.viewRange()[0][1] >= snap.iteration
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), "binary")
    fresh = Trainer(spec, TrainConfig(optimizer="adam", learning_rate=0.02), data)
    view.show_snapshot(make_snapshot(fresh))  # reset: an empty history
    qtbot.wait(20)
    (x0, x1), (y0, y1) = view.vb.viewRange()
    assert (x0, x1) == (0, 10)
    assert (y0, y1) == ((-2, 0) if log else (0, 1))
    _labels_ok(tick_strings(view.plot.getAxis("left")))
    # and it follows the data again once there is some
    fresh.run(iterations=30)
    view.show_snapshot(make_snapshot(fresh))
    qtbot.wait(20)
    (x0, x1), _ = view.vb.viewRange()
    assert x0 <= 1 and 30 <= x1 < 40


def test_a_loss_near_2e5_reads_clearly(qtbot, view, spiral):
    _, _, snap = spiral
    view.show()
    rng = np.random.default_rng(0)
    il = snap.iter_log.copy()
    il[:, 1] = 199_644.0 + rng.uniform(-1.5, 1.5, len(il))  # a diverged run's plateau, wiggling
    el = snap.epoch_log.copy()
    el[:, 2] = 199_644.0 + rng.uniform(-1.0, 1.0, len(el))
    el[:, 3] = np.nan
    view.show_snapshot(replace(snap, iter_log=il, epoch_log=el))
    qtbot.wait(30)
    _, (y0, y1) = view.vb.viewRange()
    assert y1 - y0 >= 0.02 * 199_644 * 0.99  # flat looks flat: not a ±2 window of wiggles
    assert y0 <= 199_643 and y1 >= 199_646
    labels = tick_strings(view.plot.getAxis("left"))
    _labels_ok(labels)
    assert all(len(t) <= 7 for t in labels), labels
    # a diverged run up to 10¹²: powers of ten, not "1e+12"
    il[:, 1] = np.geomspace(0.5, 1e12, len(il))
    view.show_snapshot(replace(snap, iter_log=il, epoch_log=snap.epoch_log[:0]))
    qtbot.wait(30)
    labels = tick_strings(view.plot.getAxis("left"))
    _labels_ok(labels)
    assert any("10¹²" in t or "10¹¹" in t for t in labels), labels
    view.set_log_y(True)
    qtbot.wait(30)
    labels = tick_strings(view.plot.getAxis("left"))
    _labels_ok(labels)
    # iterations are whole numbers
    assert all(float(t.replace("−", "-")) == int(float(t.replace("−", "-")))
               for t in tick_strings(view.plot.getAxis("bottom")))


@pytest.mark.parametrize("size", [(200, 150), (770, 250), (1600, 1000)])
def test_any_size_draws_without_warnings(qtbot, view, stopped_early, size):
    _, _, snap = stopped_early
    view.show()
    view.resize(*size)
    view.show_snapshot(snap)
    qtbot.wait(30)
    assert not view.grab().isNull()
    assert view.caption_label.isVisible() == (size[1] >= view.CAPTION_HEIGHT)


def _painted_warnings(qtbot, view, snap) -> list[str]:
    """Show ``snap`` and paint it; the warnings raised meanwhile (recorded, not raised:
    raised inside a paint, one crashes PySide6 a few paints later)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        view.show_snapshot(snap)
        for _ in range(2):
            view.canvas.viewport().repaint()
            qtbot.wait(10)
    return [f"{c.category.__name__}: {c.message}" for c in caught]


@pytest.mark.parametrize("state", ["validation past the draw limit", "training loss infinite",
                                   "batch losses NaN", "zero losses on a log axis"])
def test_curves_with_nothing_to_draw_paint_without_warnings(qtbot, view, spiral, state):
    """Each state gave a dotted curve whose every point is NaN to pyqtgraph (the drawing's
    limit, the log of 0): its scatter warned "All-NaN slice" inside its boundingRect at
    every paint. Such a curve is now given no points at all."""
    _, _, snap = spiral
    view.show()
    qtbot.waitExposed(view)
    il, el = snap.iter_log.copy(), snap.epoch_log.copy()
    if state == "validation past the draw limit":
        el[:, 3] = 1e16  # finite: a diverging run's validation loss when its first epoch ends
    elif state == "training loss infinite":
        el[:, 2] = np.inf
    elif state == "batch losses NaN":
        il = il[:10]  # up to 20 batch losses are drawn as dots
        il[:, 1] = np.nan
        el = el[:0]
    else:
        view.set_log_y(True)
        il[:, 1] = 0.0
        el[:, 2] = el[:, 3] = 0.0
    assert _painted_warnings(qtbot, view, replace(snap, iter_log=il, epoch_log=el)) == []
    for curve in (view.curve_iter, view.curve_train, view.curve_val):
        _, y = curve.getData()
        assert y is None or len(y) == 0 or np.isfinite(y).any(), state
        if curve.opts["symbol"] is not None:  # the legend draws its sample in the scatter's style
            assert curve.scatter.opts["brush"].color() == QBrush(curve.opts["symbolBrush"]).color(), state
            assert curve.scatter.opts["size"] == curve.opts["symbolSize"], state
    assert not view.grab().isNull()


def test_the_legend_says_when_validation_comes_where_it_fits(qtbot, view, spiral):
    """Before the first epoch ends the legend names the validation set and when its first
    point comes; a view too narrow for that in one row says plain "validation" (three rows
    of legend would leave the plot a few dozen pixels)."""
    data, _, snap = spiral
    fresh = Trainer(NetworkSpec(2, (LayerSpec(8, "tanh"),), "binary"), TrainConfig(), data)
    fresh.run(iterations=3)
    early = make_snapshot(fresh)
    assert early.has_validation and not len(early.epoch_log)
    view.show()
    qtbot.waitExposed(view)
    view.show_snapshot(early)

    def legend():
        return [label.text for _, label in view.legend.items]

    assert legend() == ["batch loss", "training", "validation (after epoch 1)"]
    assert view.legend.columnCount == 3
    view.resize(420, 300)
    qtbot.waitUntil(lambda: legend()[-1] == "validation")
    assert view.legend.columnCount == 3  # one row
    view.resize(800, 600)
    qtbot.waitUntil(lambda: legend()[-1] == "validation (after epoch 1)")
    view.show_snapshot(snap)  # epochs ended: their validation losses are drawn
    assert legend() == ["batch loss", "training", "validation"]
    # data without a validation set: no entry
    view.show_snapshot(replace(early, has_validation=False))
    assert legend() == ["batch loss", "training"]
