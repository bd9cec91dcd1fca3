"""Two runs in the gradient view: per-layer bars paired per layer, B's curves dashed, one
verdict per run naming its run; back to one run when B closes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtCore import Qt

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app import theme
from nnstudio.app.document import default_state
from nnstudio.app.views.gradient_view import COMPARE_LAYER_COLORS, GradientView, fmt_ratio, fmt_value
from nnstudio.app.views.run_colors import RUN_A_COLOR, RUN_B_COLOR
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec


@pytest.fixture
def view(qtbot):
    v = GradientView()
    qtbot.addWidget(v)
    v.resize(820, 620)
    v.show()
    return v


@pytest.fixture(scope="module")
def lr_pair():
    """The default example against η = 0.3, 30 iterations in lockstep."""
    cmp, prepared = comparison_for("lr=0.3", iterations=30)
    return cmp, pair_snapshot(cmp, prepared)



def settle(qtbot, view, snap, timeout: float = 5.0) -> None:
    """Wait until the bar plot keeps its place for a few event-loop rounds, then draw
    ``snap`` once more (on a loaded machine 200 ms were not always enough for the
    legend and verdicts to lay the plots out again)."""
    import time

    deadline = time.monotonic() + timeout
    last, same = None, 0
    while same < 3 and time.monotonic() < deadline:
        qtbot.wait(50)
        rect = view.bar_plot.vb.sceneBoundingRect()
        same = same + 1 if rect == last else 0
        last = rect
    view.show_snapshot(snap)
    qtbot.wait(50)

def usual_metrics(view, label) -> QFontMetricsF:
    """The metrics of a bar value's usual font (before any shrinking to fit)."""
    font = QFont(label.textItem.font())
    font.setPointSizeF(view._label_point_size)
    return QFontMetricsF(font)

def bar_tops(bars) -> np.ndarray:
    return np.asarray(bars.opts["y0"], float) + np.asarray(bars.opts["height"], float)


@pytest.mark.parametrize("quantity, attr", [(0, "grad_w_mean_abs"), (1, "delta_rms")])
def test_bars_are_each_runs_engine_numbers(view, lr_pair, quantity, attr):
    cmp, snap = lr_pair
    view.set_quantity(quantity)
    view.show_snapshot(snap)
    # the engine's numbers, asked of each run again
    want_a, want_b = cmp.a.probe().column(attr), cmp.b.probe().column(attr)
    assert not np.allclose(want_a, want_b)  # η = 0.3 moved B elsewhere: the test can tell them apart
    np.testing.assert_array_equal(view.bar_values, want_a)
    np.testing.assert_array_equal(view.bar_values_b, want_b)
    np.testing.assert_allclose(bar_tops(view.bars), np.log10(want_a))
    np.testing.assert_allclose(bar_tops(view.bars_b), np.log10(want_b))
    # side by side: A's bar left of each layer's place, B's right of it, in the runs' colours
    n = len(want_a)
    xa, xb = np.asarray(view.bars.opts["x"]), np.asarray(view.bars_b.opts["x"])
    np.testing.assert_allclose(xb - xa, 0.38)
    np.testing.assert_allclose((xa + xb) / 2, np.arange(n))
    assert view.bars_b.isVisible()
    assert {b.color().name() for b in view.bars.opts["brushes"]} == {RUN_A_COLOR.name()}
    assert {b.color().name() for b in view.bars_b.opts["brushes"]} == {RUN_B_COLOR.name()}
    # bars of both runs share one baseline and all fit in the plot
    low, high = view.bar_plot.viewRange()[1]
    tops = np.concatenate([bar_tops(view.bars), bar_tops(view.bars_b)])
    assert low <= np.min(view.bars.opts["y0"]) and tops.max() <= high


def test_legend_names_both_runs_and_curves_are_both_logs(view, lr_pair):
    cmp, snap = lr_pair
    view.show_snapshot(snap)
    assert snap.b_label == "B: η = 0.3"
    legend = view.runs_label.text()
    assert view.legend_html.endswith("&nbsp; - - B") and "dashed" in view.runs_label.toolTip()
    assert view.runs_label.isVisible()
    assert f'color:{RUN_A_COLOR.name()}">■</span>&nbsp;A ' in legend
    assert f'color:{RUN_B_COLOR.name()}">■</span>&nbsp;B: η = 0.3' in legend
    assert view.ratio_label.text() == f"A — {view.verdict.text}"
    assert view.ratio_label_b.text() == f"B: η = 0.3 — {view.verdict_b.text}"
    n = snap.n_layers
    log_b = snap.b.layer_log
    assert len(log_b) == 30 and not np.array_equal(log_b, snap.layer_log)
    for quantity, offset in ((0, 1), (1, 1 + n)):
        view.set_quantity(quantity)
        for i in range(n):
            xa, ya = view._curves[i].getData()
            xb, yb = view._curves_b[i].getData()
            np.testing.assert_array_equal(xa, snap.layer_log[:, 0])
            np.testing.assert_allclose(ya, np.log10(snap.layer_log[:, offset + i]))
            np.testing.assert_array_equal(xb, log_b[:, 0])
            np.testing.assert_allclose(yb, np.log10(log_b[:, offset + i]))
            pen_a, pen_b = view._curves[i].opts["pen"], view._curves_b[i].opts["pen"]
            # a layer has one colour in both runs, neither run's colour; B's line is dashed
            assert pen_a.color().name() == pen_b.color().name() == COMPARE_LAYER_COLORS[i].name()
            assert pen_a.color().name() not in (RUN_A_COLOR.name(), RUN_B_COLOR.name(), "#ff7f0e")
            assert pen_a.style() == Qt.PenStyle.SolidLine and pen_b.style() == Qt.PenStyle.DashLine
    # the activation histogram is A's alone, and says so
    assert view._titles[view.hist_plot].startswith("A: hidden 1 outputs")


def test_each_verdict_names_its_run(view):
    """A: 8 sigmoid layers with the standard initialiser, whose δ vanishes towards the
    input; B: the same with ReLU and He initialisation, whose δ does not."""
    deep = NetworkSpec(2, tuple(LayerSpec(16, "sigmoid", "standard") for _ in range(8)), "binary",
                       output_init="standard")
    state = dataclasses.replace(default_state(), network=deep)
    cmp, prepared = comparison_for("activation=relu init=he_normal", iterations=2, state=state)
    view.set_quantity(1)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    a_text, b_text = view.ratio_label.text(), view.ratio_label_b.text()
    assert view.ratio_label_b.isVisible()
    assert view.verdict.kind == "vanishing" and view.verdict_b is not None
    assert view.verdict_b.kind != "vanishing"
    assert a_text == f"A — {view.verdict.text}" and a_text.startswith("A — Vanishing gradients")
    # a label this long is cut in the legend (whole in its tooltip), and B's verdict says "B"
    assert len(cmp.label) > view.SHORT_NAME and cmp.label in view.runs_label.toolTip()
    assert "…" in view.runs_label.text()
    assert b_text == f"B — {view.verdict_b.text}" and "vanishing" not in b_text.lower()
    delta_a = cmp.a.probe().column("delta_rms")
    assert f"1/{fmt_ratio(float(delta_a[-1] / delta_a[0]))}" in a_text
    assert "color: #c81e1e" in view.ratio_label.styleSheet() and view.ratio_label_b.styleSheet() == ""


def test_closing_b_returns_to_one_run(view, lr_pair):
    cmp, snap = lr_pair
    view.show_snapshot(snap)
    view.show_snapshot(make_snapshot(cmp.a, None, cmp.a.probe()))
    n = snap.n_layers
    assert not view.comparing
    assert not view.bars_b.isVisible() and not view.runs_label.isVisible() and not view.ratio_label_b.isVisible()
    assert view._curves_b == [] and len(view._curves) == n
    assert len(view.bar_values_b) == 0
    np.testing.assert_allclose(np.asarray(view.bars.opts["x"]), np.arange(n))
    assert view.bars.opts["width"] == 0.7
    # each bar in its layer's colour again, and a verdict without a run's name
    assert [b.color().name() for b in view.bars.opts["brushes"]] == [theme.layer_color(i).name() for i in range(n)]
    assert [c.opts["pen"].color().name() for c in view._curves] == [theme.layer_color(i).name() for i in range(n)]
    assert view.ratio_label.text() == view.verdict.text
    assert view._titles[view.hist_plot].startswith("hidden 1 outputs")
    header, rows = view.table()
    assert header[0] == "kind"


def test_runs_of_different_depth_pair_first_layers_and_outputs(view):
    cmp, prepared = comparison_for("hidden=8,8,8", iterations=5)
    snap = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap)
    assert (view.n_layers, view.n_layers_b, view.n_slots) == (3, 4, 4)
    np.testing.assert_allclose(np.asarray(view.bars.opts["x"]), [0 - 0.19, 1 - 0.19, 3 - 0.19])
    np.testing.assert_allclose(np.asarray(view.bars_b.opts["x"]), [0.19, 1.19, 2.19, 3.19])
    np.testing.assert_allclose(bar_tops(view.bars_b), np.log10(cmp.b.probe().column("grad_w_mean_abs")))
    ticks = [label for _, label in view.bar_plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == ["1", "2", "3", "out"]
    # A's output curve has the colour of B's output curve (the place "out")
    assert view._curves[2].opts["pen"].color().name() == view._curves_b[3].opts["pen"].color().name()


def test_table_says_whose_row_it_is(view, lr_pair):
    cmp, snap = lr_pair
    view.show_snapshot(snap)
    header, rows = view.table()
    assert header == ("run", "kind", "layer", "iteration", "quantity", "value")
    now_b = {(r[2], r[4]): r[5] for r in rows if r[0] == "B" and r[1] == "now"}
    probes_b = cmp.b.probe()
    assert now_b[("hidden 1", "delta_rms")] == probes_b.layers[0].delta_rms
    assert now_b[("output", "grad_w_mean_abs")] == probes_b.layers[-1].grad_w_mean_abs
    assert sum(r[0] == "B" and r[1] == "over time" for r in rows) == 30 * snap.n_layers


@pytest.mark.parametrize("size", [(820, 620), (760, 300), (420, 260), (607, 338)])
def test_bar_values_never_overlap(qtbot, view, lr_pair, size):
    _, snap = lr_pair
    view.resize(*size)
    qtbot.wait(20)
    view.show_snapshot(snap)
    settle(qtbot, view, snap)  # the legend and verdicts appearing lay the plots out again
    shown = [t for t in view._bar_labels + view._bar_labels_b if t.textItem.toPlainText()]
    box = view.bar_plot.vb.sceneBoundingRect()
    usual = usual_metrics(view, view._bar_labels[0]).horizontalAdvance(fmt_value(view.bar_values[0]))
    if box.width() >= usual + 2:
        assert shown  # at least the first layer's values
        assert view._bar_labels[0].textItem.toPlainText() == fmt_value(view.bar_values[0])
    rects = [t.mapRectToScene(t.boundingRect()) for t in shown]
    for i, r in enumerate(rects):
        # a value is wholly inside the plot or not shown (cut at an edge, 0.0046 read "0046")
        assert box.adjusted(-0.5, -0.5, 0.5, 0.5).contains(r), size
        for other in rects[i + 1:]:
            common = r.intersected(other)  # (stacked values touch: no area in common)
            assert common.width() * common.height() < 1, size


def test_both_values_of_a_layer_stand_over_its_taller_bar(qtbot, view, lr_pair):
    cmp, snap = lr_pair
    view.resize(1000, 620)
    qtbot.wait(50)
    view.show_snapshot(snap)
    settle(qtbot, view, snap)
    logs_a, logs_b = np.log10(view.bar_values), np.log10(view.bar_values_b)
    for k, (labels, values) in enumerate(((view._bar_labels, view.bar_values), (view._bar_labels_b, view.bar_values_b))):
        for i, t in enumerate(labels):
            if t.textItem.toPlainText():
                assert t.textItem.toPlainText() == fmt_value(values[i])
                # A's value over the taller bar of the pair, B's stacked on it
                lift = k * (view._bar_labels[i].mapRectToView(view._bar_labels[i].boundingRect()).height())
                assert t.pos().y() == pytest.approx(max(logs_a[i], logs_b[i]) + lift)
    assert view._bar_labels[0].color.name() == RUN_A_COLOR.name()
    assert view._bar_labels_b[0].color.name() == RUN_B_COLOR.name()
    shown = [bool(t.textItem.toPlainText()) for t in view._bar_labels + view._bar_labels_b]
    assert all(shown)  # 1000 px: every value of both runs


def test_two_runs_take_one_row_sooner(qtbot, view, lr_pair):
    """Paired bars are read by their heights: in a dock of the Inspect workspace
    (607×338 at 1366×768) two runs get the row of three plots, one run two rows."""
    cmp, snap = lr_pair
    view.resize(607, 338)
    view.show_snapshot(make_snapshot(cmp.a, None, cmp.a.probe()))
    qtbot.wait(50)
    assert view._tall is True
    view.show_snapshot(snap)
    qtbot.wait(50)
    assert view._tall is False and view.bar_plot.vb.height() > 100
    view.show_snapshot(make_snapshot(cmp.a, None, cmp.a.probe()))
    qtbot.wait(50)
    assert view._tall is True


@pytest.mark.parametrize("width", [600, 480])
def test_narrow_plots_say_what_they_show_in_fewer_words_not_cut_words(qtbot, lr_pair, width):
    """Two runs in a 600 px view (the Inspect workspace at 1366×768): the bar and
    histogram titles and the layer axis read "now: RMS of …", "A: hidden …" and
    "layer (input s…"; a shorter wording that fits is shown whole instead."""
    _cmp, snap = lr_pair
    v = GradientView()
    qtbot.addWidget(v)
    v.resize(width, 330)
    v.show()
    qtbot.waitExposed(v)
    v.set_quantity(1)
    v.show_snapshot(snap)
    qtbot.wait(50)
    v._fit_titles()
    shown = [v.bar_plot.titleLabel.text, v.hist_plot.titleLabel.text,
             v.bar_plot.getAxis("bottom").shown_title]
    for text in shown:
        assert text and "…" not in text, shown
    assert v.bar_plot.titleLabel.text in ("now: RMS of δ per layer", "RMS of δ now", "δ now")
    # the histogram is A's alone, at the least it says that
    assert v.hist_plot.titleLabel.text == "A" or v.hist_plot.titleLabel.text.startswith("A: hidden 1")
