"""The loss view draws both runs of a comparison exactly, reads off both, exports both, and
goes back to its single-run look when run B closes."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.document import default_state
from nnstudio.app.views.loss_view import LossView
from nnstudio.app.views.run_colors import RUN_A_COLOR, RUN_B_COLOR
from nnstudio.core.data import prepare
from nnstudio.core.export.comparison_csv import write_comparison_csv
from nnstudio.core.trainer import Trainer


@pytest.fixture
def view(qtbot):
    v = LossView()
    qtbot.addWidget(v)
    v.resize(800, 500)
    v.show()
    qtbot.waitExposed(v)
    return v


@pytest.fixture(scope="module")
def ten():
    """η changed, ten iterations in lockstep (the issue's GUI check), with no epoch ended."""
    return comparison_for("lr=0.3", 10)


@pytest.fixture(scope="module")
def epochs():
    """B with another batch size: 100 iterations are 3 epochs of A (32 batches) and 1 of B (80)."""
    return comparison_for("lr=0.05 batch_size=4", 100)


def _xy(curve):
    x, y = curve.getData()
    if x is None:  # pyqtgraph's "no data"
        return np.empty(0), np.empty(0)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _drawn_at(curve, x):
    """The y the curve draws at x (exactly one point there)."""
    cx, cy = _xy(curve)
    hits = np.flatnonzero(cx == x)
    assert len(hits) == 1, (x, cx[-3:])
    return float(cy[hits[0]])


def _legend(view):
    return [label.text for _, label in view.legend.items]


def test_both_losses_at_the_current_iteration_are_the_headless_runs(view, ten):
    cmp, prepared = ten
    snap = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap)
    a_drawn = _drawn_at(view.curve_iter, 10)
    b_drawn = _drawn_at(view.run_b.curve_iter, 10)
    assert a_drawn == cmp.a.last_record.loss and b_drawn == cmp.b.last_record.loss
    assert a_drawn != b_drawn  # η = 0.3 took B elsewhere: the view does not draw A twice
    # each run alone, headless, from the document's settings: the same numbers bit for bit
    state = default_state()
    alone_a = Trainer(state.network, state.config, prepare(state.data, state.inline))
    alone_b = Trainer(state.network, replace(state.config, learning_rate=0.3), prepare(state.data, state.inline))
    alone_a.run(iterations=10)
    alone_b.run(iterations=10)
    assert a_drawn == alone_a.last_record.loss
    assert b_drawn == alone_b.last_record.loss
    # every batch point of both runs, where the history has it
    np.testing.assert_array_equal(_xy(view.run_b.curve_iter)[1], cmp.b.history.iterations.column("loss"))
    np.testing.assert_array_equal(_xy(view.run_b.curve_iter)[0], np.arange(1, 11))


def test_epoch_curves_of_both_runs_in_iterations_and_in_each_runs_epochs(view, epochs):
    cmp, prepared = epochs
    view.show_snapshot(pair_snapshot(cmp, prepared))
    ea, eb = cmp.a.history.epochs.array(), cmp.b.history.epochs.array()
    assert len(ea) == 3 and len(eb) == 1
    for curve, log, col in ((view.curve_train, ea, 2), (view.curve_val, ea, 3), (view.curve_metric, ea, 4),
                            (view.run_b.curve_train, eb, 2), (view.run_b.curve_val, eb, 3),
                            (view.run_b.curve_metric, eb, 4)):
        x, y = _xy(curve)
        np.testing.assert_array_equal(x, log[:, 1])
        np.testing.assert_array_equal(y, log[:, col])
    assert _xy(view.run_b.curve_train)[0].tolist() == [80.0]
    assert len(_xy(view.curve_val_metric)[0]) == 0  # two runs: validation metrics only in the read-out
    view.x_axis_box.setCurrentText("epoch")
    np.testing.assert_array_equal(_xy(view.curve_train)[0], [1, 2, 3])
    np.testing.assert_array_equal(_xy(view.run_b.curve_train)[0], [1])
    # batch points in each run's own epochs: iteration 80 of B is its epoch 1, of A 2.5
    np.testing.assert_allclose(_xy(view.run_b.curve_iter)[0], cmp.b.history.iterations.array()[:, 0] / 80)
    np.testing.assert_allclose(_xy(view.curve_iter)[0], cmp.a.history.iterations.array()[:, 0] / 32)


def test_colours_styles_and_legend_name_the_runs(view, epochs):
    cmp, prepared = epochs
    view.show_snapshot(pair_snapshot(cmp, prepared))
    assert _legend(view) == ["A", "B: η = 0.05, batch si…", "validation (thin)"]
    assert cmp.label == "B: η = 0.05, batch size = 4"
    a_pen, b_pen = view.curve_train.opts["pen"], view.run_b.curve_train.opts["pen"]
    assert a_pen.color() == RUN_A_COLOR and a_pen.style() == Qt.PenStyle.SolidLine
    assert b_pen.color() == RUN_B_COLOR and b_pen.style() == Qt.PenStyle.DashLine
    assert view.curve_val.opts["pen"].color() == RUN_A_COLOR.darker(150)
    assert view.run_b.curve_val.opts["pen"].style() == Qt.PenStyle.DashLine
    assert view.plot.getAxis("right").labelText == "accuracy (dotted)"
    assert "B (orange, dashed)" in view.caption_label.text()


def _look(view):
    """Everything that makes the single-run look."""
    pens = tuple((c.opts["pen"].color().rgba(), c.opts["pen"].style(), c.opts["pen"].widthF())
                 for c in (view.curve_iter, view.curve_train, view.curve_val, view.curve_metric,
                           view.curve_val_metric))
    return (pens, _legend(view), view.legend.columnCount, view.plot.getAxis("right").labelText,
            view.caption_label.text(), view.toolTip(), view.vb.viewRange(), view.stop_label.text())


def test_closing_b_returns_exactly_to_the_single_run_look(qtbot, view, epochs):
    cmp, prepared = epochs
    pair = pair_snapshot(cmp, prepared)
    single = replace(pair, b=None, b_label="", b_note="")
    view.show_snapshot(single)
    qtbot.wait(20)
    before = _look(view)
    assert before[1] == ["batch loss", "training", "validation"]
    images = []
    for _ in range(2):
        view.show_snapshot(pair)
        qtbot.wait(20)
        assert _look(view) != before
        view.show_snapshot(single)
        qtbot.wait(20)
        assert _look(view) == before
        assert all(len(_xy(c)[0]) == 0 for c in view.run_b.curves)
        assert view.marker_positions["b_divergence"] is None
        images.append(view.grab().toImage())
    # pixel for pixel. (Against the first picture of a new view the caption differs: a new
    # view lays its word-wrapped caption out at its size hint, 56 px high for 28 px of text.)
    assert images[0] == images[1]


def test_the_read_out_gives_both_runs_numbers(view, epochs):
    cmp, prepared = epochs
    view.show_snapshot(pair_snapshot(cmp, prepared))
    ea, eb = cmp.a.history.epochs.array(), cmp.b.history.epochs.array()
    text = view.hover_at(75.0)  # nearest epoch point: B's epoch 1 at iteration 80 (A's at 64 and 96)
    lines = text.split("\n")
    assert lines[0] == "iteration 80"
    assert lines[1] == "at:  A epoch 2 · it. 64  |  B epoch 1 · it. 80"
    assert f"training loss:  A {ea[1, 2]:.4g}  |  B {eb[0, 2]:.4g}" in lines
    assert f"validation loss:  A {ea[1, 3]:.4g}  |  B {eb[0, 3]:.4g}" in lines
    assert f"learning rate:  A {0.01:.4g}  |  B {0.05:.4g}" in lines
    assert view.hover_line.value() == 80.0
    ia, ib = cmp.a.history.iterations.array(), cmp.b.history.iterations.array()
    assert f"batch loss:  A {ia[79, 1]:.4g}  |  B {ib[79, 1]:.4g}" in lines
    # the read-out stays inside the canvas however small the view
    view.resize(560, 190)
    view.hover_at(75.0)
    canvas = view.canvas.mapToScene(view.canvas.viewport().rect()).boundingRect()
    box = view.hover_text.sceneBoundingRect()
    assert canvas.top() <= box.top() and box.right() <= canvas.right() + 0.5


def test_same_epoch_of_both_runs_is_said_once(view, ten):
    cmp, _ = comparison_for("lr=0.3", 70)
    view.show_snapshot(pair_snapshot(cmp, _))
    lines = view.hover_at(60.0).split("\n")
    e_a, e_b = cmp.a.history.epochs.array()[1], cmp.b.history.epochs.array()[1]
    assert lines[0] == "epoch 2 · iteration 64"
    assert lines[1] == f"training loss:  A {e_a[2]:.4g}  |  B {e_b[2]:.4g}"


def test_a_diverged_b_has_its_own_marker_and_message(view):
    cmp, prepared = comparison_for("lr=1e5 activation=relu", 40)
    assert cmp.b.stop_info["kind"] == "divergence" and cmp.a.stop_info is None
    view.show_snapshot(pair_snapshot(cmp, prepared))
    at = cmp.b.stop_info["iteration"]
    marks = view.marker_positions
    assert marks["b_divergence"] == at and marks["divergence"] is None
    assert view.run_b.div_line.label.toPlainText() == f"B diverged (iteration {at})"
    assert view.stop_label.text().startswith(cmp.label + ": ")
    assert view.stop_label.isVisible()


def test_the_table_has_both_runs_rows_and_the_comparison_csv_is_the_clis(tmp_path, view, epochs):
    cmp, prepared = epochs
    view.show_snapshot(pair_snapshot(cmp, prepared))
    header, rows = view.table()
    assert header[:4] == ("run", "row", "epoch", "iteration")
    a_rows = [r for r in rows if r[0] == "A"]
    b_rows = [r for r in rows if r[0] == "B"]
    assert len(a_rows) + len(b_rows) == len(rows)
    assert rows.index(b_rows[0]) == len(a_rows)  # A's rows first
    ib = cmp.b.history.iterations.array()
    np.testing.assert_array_equal([r[4] for r in b_rows if r[1] == "batch"], ib[:, 1])
    np.testing.assert_array_equal([r[4] for r in b_rows if r[1] == "epoch"], cmp.b.history.epochs.array()[:, 2])
    assert len([r for r in a_rows if r[1] == "batch"]) == 100
    assert view.export_csv(tmp_path / "t.csv")
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0].startswith("run,row,epoch,iteration,loss") and len(lines) == 1 + len(rows)
    files = view.export_comparison_csv(tmp_path / "gui.csv")
    assert [f.name for f in files] == ["gui_loss.csv", "gui_epochs.csv"]
    cli = write_comparison_csv(cmp, tmp_path / "cli.csv")
    for gui_file, cli_file in zip(files, cli):
        assert gui_file.read_bytes() == cli_file.read_bytes()


def test_the_context_menu_offers_the_comparison_csv_only_with_two_runs(view, epochs):
    cmp, prepared = epochs
    pair = pair_snapshot(cmp, prepared)
    view.show_snapshot(pair)
    seen = [[a.text() for a in view.context_menu().actions()]]
    view.show_snapshot(replace(pair, b=None))
    seen.append([a.text() for a in view.context_menu().actions()])
    assert seen[0][-1] == "Export comparison curves (CSV, a column per run)…"
    assert seen[1] == ["Export image (PNG)…", "Export image (SVG)…", "Export data (CSV)…"]
    assert view.export_comparison_csv("/nonexistent/x.csv") == []  # one run: nothing to write


def test_a_hostile_label_is_shown_escaped_and_short(view, ten):
    cmp, prepared = ten
    snap = pair_snapshot(cmp, prepared)
    snap.b_label = "B: \u202e<b>x</b>" + "y" * 200
    view.show_snapshot(snap)
    label = _legend(view)[1]
    assert "\u202e" not in label and len(label) <= 40
    text = view.hover_at(5.0)
    assert text.startswith("iteration 5")
    assert "&lt;b&gt;x" in view.hover_text.textItem.toHtml()  # shown as text, not markup


def test_b_with_nothing_to_draw_paints_without_warnings(qtbot, view, epochs):
    """B's validation loss past the drawing's limit at every epoch, and A's batch losses 0
    on a log axis: pyqtgraph gets no points for those curves rather than NaN ones (a dotted
    curve of NaNs warns inside its boundingRect at every paint, which crashed PySide6 where
    warnings are errors)."""
    cmp, prepared = epochs
    pair = pair_snapshot(cmp, prepared)
    bel = pair.b.epoch_log.copy()
    bel[:, 3] = 1e16
    il = pair.iter_log.copy()
    il[:, 1] = 0.0
    view.set_log_y(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        view.show_snapshot(replace(pair, iter_log=il, b=replace(pair.b, epoch_log=bel)))
        view.canvas.viewport().repaint()
        qtbot.wait(10)
    assert [str(c.message) for c in caught] == []
    assert len(_xy(view.run_b.curve_val)[0]) == 0 and len(_xy(view.curve_iter)[0]) == 0
    assert len(_xy(view.run_b.curve_train)[0]) == len(bel)  # B's training loss is drawn
