"""Two runs on the activation view: run B's histogram of the same layer over A's bars,
B's activation when it differs, a legend with each run's saturated share from the
engine's probes; one run again when B is closed."""

from __future__ import annotations

import numpy as np
import pytest

from comparison_snapshots import comparison_for, pair_snapshot
from nnstudio.app.views.activation_run_b import percent
from nnstudio.app.views.activation_view import ActivationView
from nnstudio.app.views.run_colors import run_color


@pytest.fixture(scope="module")
def lr_pair():
    return comparison_for("lr=0.3", 200)


@pytest.fixture
def view(qtbot):
    v = ActivationView()
    qtbot.addWidget(v)
    v.resize(700, 500)
    v.show()
    return v


def test_b_histogram_is_b_probe_over_a_bars(view, lr_pair):
    cmp, prepared = lr_pair
    snap = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap)
    for layer in (0, 1):
        view.select_layer(layer)
        a, b = cmp.a.probe().layers[layer], cmp.b.probe().layers[layer]
        assert not np.array_equal(a.z_counts, b.z_counts)  # η = 0.3 moved B's pre-activations
        np.testing.assert_array_equal(view.hist.opts["height"], a.z_counts)
        x, y = view.run_b.hist.xData, view.run_b.hist.yData
        np.testing.assert_array_equal(x, cmp.b.probe().z_edges)  # the same bins as A's bars
        np.testing.assert_array_equal(y, b.z_counts)
        np.testing.assert_array_equal(view.run_b.counts, b.z_counts)
        assert view.run_b.hist.opts["pen"].color() == run_color("B")
        # the histogram's y range holds the higher of the two
        top = max(a.z_counts.max(), b.z_counts.max())
        assert view.hist_plot.viewRange()[1][1] == pytest.approx(top * 1.05)
        # the legend line names both runs with their saturated shares
        text = view.run_b.label.text()
        assert view.run_b.label.isVisible()
        assert f"A: {percent(a.saturated)} saturated" in text
        assert f"{cmp.label}: {percent(b.saturated)} saturated" in text
        assert view.saturation_label.text().startswith(f"A: {round(100 * a.saturated)} % of units saturated")
    assert view.run_b.other_activation == ""  # same activation: no second f(z)
    assert view.legend.getLabel(view.run_b.f_curve) is None


def test_table_holds_b_counts(view, lr_pair):
    cmp, prepared = lr_pair
    view.show_snapshot(pair_snapshot(cmp, prepared))
    header, rows = view.table()
    assert header[-1] == "count_B"
    hist = [r for r in rows if r[0] == "histogram"]
    assert [r[7] for r in hist] == list(cmp.b.probe().layers[0].z_counts.astype(float))
    assert [r[6] for r in hist] == list(cmp.a.probe().layers[0].z_counts.astype(float))


def test_another_activation_in_b_draws_its_curve(view):
    cmp, prepared = comparison_for("activation=relu", 30)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    assert view.current_activation() == "tanh" and view.run_b.other_activation == "relu"
    x, y = view.run_b.f_curve.getData()
    np.testing.assert_array_equal(y, np.maximum(x, 0.0))
    assert view.legend.getLabel(view.run_b.f_curve).text == "f(z)  ReLU (B)"
    assert view.plot.viewRange()[1][1] >= x.max()  # the curve's top is in view
    np.testing.assert_array_equal(view.run_b.counts, cmp.b.probe().layers[0].z_counts)


def test_a_layer_b_does_not_have_is_said(view):
    cmp, prepared = comparison_for("hidden=3", 20)
    view.show_snapshot(pair_snapshot(cmp, prepared))
    view.select_layer(2)  # A's output is B's output (B's layer 1): drawn as the same layer
    np.testing.assert_array_equal(view.run_b.counts, cmp.b.probe().layers[1].z_counts)
    view.select_layer(1)  # hidden 2: in A (8–8), not in B (3)
    assert view.run_b.counts is None and len(view.run_b.hist.xData or []) == 0
    assert "has no such layer" in view.run_b.label.text()


def test_closing_b_returns_to_one_run(view, lr_pair):
    cmp, prepared = lr_pair
    snap = pair_snapshot(cmp, prepared)
    view.show_snapshot(snap)
    assert view.run_b.counts is not None
    snap.b = None
    view.show_snapshot(snap)
    assert view.run_b.counts is None and not view.run_b.label.isVisible()
    assert view.run_b.hist.xData is None or len(view.run_b.hist.xData) == 0
    assert view.table()[0][-1] == "count"
    assert view.saturation_label.text().startswith(f"{round(100 * cmp.a.probe().layers[0].saturated)} %")
