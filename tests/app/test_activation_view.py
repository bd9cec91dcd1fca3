"""The activation view: curves from the activations module, histograms from the probe."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest

from nnstudio.app.views.activation_view import EXPLORE, N_POINTS, ActivationView, saturated_runs
from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.probes import Z_EDGES
from nnstudio.core.snapshot import make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer


@pytest.fixture(scope="module")
def circle():
    return prepare(DataSpec(name="circle", n_samples=200))


@pytest.fixture
def view(qtbot):
    v = ActivationView()
    qtbot.addWidget(v)
    v.resize(720, 520)
    v.show()
    return v


@pytest.fixture
def saturated_snap(circle):
    """A sigmoid layer on unstandardised inputs with He weights: many units saturated."""
    spec = NetworkSpec(2, (LayerSpec(16, "sigmoid", "he_uniform"), LayerSpec(8, "tanh")), "binary")
    trainer = Trainer(spec, TrainConfig(), circle)
    probes = trainer.probe()
    assert probes.layers[0].saturated > 0.1  # else the saturation tests below prove nothing
    return make_snapshot(trainer, None, probes)


@pytest.mark.parametrize("key", list(ACTIVATIONS))
def test_curves_are_the_activation_and_its_derivative(view, key):
    view.explore(key)
    act = ACTIVATIONS[key]
    z, f = view.f_curve.getData()
    z2, df = view.df_curve.getData()
    assert len(z) == N_POINTS and z[0] == -6.0 and z[-1] == 6.0
    np.testing.assert_array_equal(z, z2)
    np.testing.assert_allclose(f, act.f(z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(df, act.df(z), rtol=1e-12, atol=1e-15)
    assert act.name in view.formula_label.text()
    assert act.formula.split("(")[0] in view.formula_label.text()


def test_sigmoid_max_slope_marked_at_zero(view):
    view.explore("sigmoid")
    x, y = view.max_marker.getData()
    assert (x[0], y[0]) == (0.0, 0.25)
    assert view.max_label.textItem.toPlainText() == "max f′ = 0.25"


@pytest.mark.parametrize("key, label", [("tanh", "1"), ("relu", "1"), ("gelu", "1.13"), ("selu", "1.76")])
def test_max_slope_label_is_rounded_and_marker_on_the_curve(view, key, label):
    view.explore(key)
    assert view.max_label.textItem.toPlainText() == f"max f′ = {label}"
    x, y = view.max_marker.getData()
    act = ACTIVATIONS[key]
    assert y[0] == pytest.approx(float(act.df(np.array(x[0]))), rel=1e-12)
    assert y[0] == pytest.approx(act.max_slope, rel=5e-3)  # the grid point nearest the true maximum


def test_alpha_spin_changes_leaky_relu_slope(view):
    view.explore("leaky_relu", 0.2)
    assert view.alpha_spin.isVisibleTo(view)
    z, df = view.df_curve.getData()
    np.testing.assert_allclose(df[z < 0], 0.2)
    view.alpha_spin.setValue(0.02)
    z, df = view.df_curve.getData()
    np.testing.assert_allclose(df[z < 0], 0.02)
    # α = 0.02 is below 5 % of the max slope: z < 0 now counts as saturated
    assert saturated_runs(z, df, 1.0) == [(-6.0, 0.0)]
    view.explore("tanh")
    assert not view.alpha_spin.isVisibleTo(view)


def test_compare_overlays_a_second_activation(view):
    view.explore("sigmoid")
    view.set_compare("tanh")
    z, f = view.cmp_f_curve.getData()
    np.testing.assert_allclose(f, np.tanh(z))
    assert view.legend.getLabel(view.cmp_f_curve).text == "f(z)  Tanh"
    view.set_compare(None)
    assert not view.cmp_f_curve.isVisible()


def test_saturated_band_of_sigmoid(view):
    view.explore("sigmoid")
    runs = saturated_runs(view.z, view.df_values, 0.25)
    # σ′(z) = 0.0125 at |z| = ln((1 + √0.95)/(1 − √0.95)) ≈ 4.3568
    edge = float(np.log((1 + np.sqrt(0.95)) / (1 - np.sqrt(0.95))))
    assert len(runs) == 2
    assert runs[0][0] == -6.0 and abs(runs[0][1] + edge) < 0.02
    assert abs(runs[1][0] - edge) < 0.02 and runs[1][1] == 6.0
    shown = [r for pair in view._regions for r in pair if r.isVisible()]
    assert len(shown) == 4  # two bands, in both plots


def test_layer_selector_and_histogram_match_the_probe(view, saturated_snap):
    view.show_snapshot(saturated_snap)
    labels = [view.layer_combo.itemText(i) for i in range(view.layer_combo.count())]
    assert labels == ["hidden 1 (Sigmoid)", "hidden 2 (Tanh)", "output (Sigmoid)", "Any activation"]
    assert view.current_layer() == 0
    probes = saturated_snap.probes
    for layer, key in enumerate(("sigmoid", "tanh", "sigmoid")):
        view.select_layer(layer)
        assert view.current_activation() == key
        lp = probes.layers[layer]
        np.testing.assert_array_equal(view.hist_counts, lp.z_counts)
        np.testing.assert_array_equal(view.hist_edges, Z_EDGES)
        np.testing.assert_array_equal(view.hist.opts["height"], lp.z_counts)
        assert view.hist_counts.sum() == lp.units * probes.n_samples
        assert view.saturated_share == lp.saturated
        assert view.saturation_label.text().startswith(f"{round(100 * lp.saturated)} % of units saturated")
        z, f = view.f_curve.getData()
        np.testing.assert_allclose(f, ACTIVATIONS[key].f(z))
    # the saturated bins are drawn in the warning colour
    view.select_layer(0)
    brushes = view.hist.opts["brushes"]
    centres = 0.5 * (Z_EDGES[:-1] + Z_EDGES[1:])
    sat = ACTIVATIONS["sigmoid"].df(centres) < 0.05 * 0.25
    colours = {b.color().name() for b, s in zip(brushes, sat) if s}
    others = {b.color().name() for b, s in zip(brushes, sat) if not s}
    assert len(colours) == 1 and len(others) == 1 and colours != others


def test_selection_survives_new_snapshots_and_explore_mode_is_kept(view, saturated_snap):
    view.show_snapshot(saturated_snap)
    view.select_layer(1)
    view.show_snapshot(saturated_snap)
    assert view.current_layer() == 1
    view.explore("elu")
    view.show_snapshot(saturated_snap)
    assert view.current_layer() == EXPLORE and view.current_activation() == "elu"
    assert view.hist_plot.scene() is None  # the histogram row is taken out in explore mode
    view.select_layer(0)
    assert view.hist_plot.scene() is not None


def test_curves_and_histogram_share_the_z_axis(view, saturated_snap, qtbot):
    view.show_snapshot(saturated_snap)
    qtbot.wait(10)
    top, bottom = view.plot.viewRange()[0], view.hist_plot.viewRange()[0]
    assert top == pytest.approx(bottom)
    assert top[0] <= -6.0 and top[1] >= 6.0  # the end bins (z beyond ±6) are in view
    left = view.plot.vb.mapViewToScene(pg.Point(0.0, 0.0)).x()
    assert left == pytest.approx(view.hist_plot.vb.mapViewToScene(pg.Point(0.0, 0.0)).x(), abs=1.0)


def test_table_has_curve_and_histogram(view, saturated_snap):
    view.show_snapshot(saturated_snap)
    header, rows = view.table()
    assert header[:4] == ("kind", "z", "f(z)", "f′(z)")
    curve = [r for r in rows if r[0] == "curve"]
    hist = [r for r in rows if r[0] == "histogram"]
    assert len(curve) == N_POINTS and len(hist) == len(Z_EDGES) - 1
    assert curve[300][1:4] == [0.0, 0.5, 0.25]
    assert [r[6] for r in hist] == list(saturated_snap.probes.layers[0].z_counts.astype(float))


def test_renders_and_exports(view, saturated_snap, tmp_path, qtbot):
    view.show_snapshot(saturated_snap)
    qtbot.wait(10)
    img = view.grab().toImage()
    assert img.width() > 300 and img.height() > 300
    colours = {img.pixelColor(x, y).rgb() for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 10  # not blank
    export_all(view, tmp_path)


def export_all(view, tmp_path):
    """PNG, CSV and SVG export each write a non-empty file."""
    for ext, fn in (("png", view.export_png), ("csv", view.export_csv), ("svg", view.export_svg)):
        path = tmp_path / f"view.{ext}"
        assert fn(path)
        assert path.stat().st_size > 500


def test_redraw_is_fast(view, saturated_snap, qtbot):
    view.show_snapshot(saturated_snap)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        view.show_snapshot(saturated_snap)
        times.append(time.perf_counter() - t)
    assert np.median(times) < 0.020


def test_softmax_output_layer(view):
    data = prepare(DataSpec(name="blobs", n_samples=100, n_classes=4))
    trainer = Trainer(NetworkSpec(2, (LayerSpec(4, "relu"),), "multiclass", 4), TrainConfig(), data)
    view.show_snapshot(make_snapshot(trainer, None, trainer.probe()))
    view.select_layer(1)
    assert view.layer_combo.currentText() == "output (Softmax)"
    assert view.act_combo.currentIndex() == -1 and view.act_combo.placeholderText() == "Softmax"
    z, f = view.f_curve.getData()
    # one output's probability with the 3 other logits at 0: e^z / (e^z + 3)
    np.testing.assert_allclose(f, np.exp(z) / (np.exp(z) + 3))
    x, y = view.max_marker.getData()
    assert abs(x[0] - np.log(3)) < 0.02 and y[0] == pytest.approx(0.25, abs=1e-3)
    assert "other 3 logit(s) at 0" in view.formula_label.text()
    np.testing.assert_array_equal(view.hist_counts, trainer.probe().layers[1].z_counts)
    view.select_layer(EXPLORE)
    assert view.current_activation() == "sigmoid"


def test_mark_points_at_z_on_the_curve_and_its_slope(qtbot, view):
    view.explore("sigmoid")
    view.mark(2.6, "z = 2.6, σ(z) = 0.93")
    sig = ACTIVATIONS["sigmoid"]
    dots, line, hist_line, text = view._mark_items[0]
    x, y = dots.getData()
    np.testing.assert_allclose(x, [2.6, 2.6])
    np.testing.assert_allclose(y, [sig.f(np.array([2.6]))[0], sig.df(np.array([2.6]))[0]])
    assert line.value() == 2.6 and hist_line.value() == 2.6
    assert view.mark_text() == "z = 2.6, σ(z) = 0.93"
    # visible: the dot on f(z) lies inside the plot, and the label too
    qtbot.wait(20)
    box = view.plot.vb.sceneBoundingRect()
    assert box.contains(dots.mapToScene(dots.points()[0].pos()))
    label = text.mapRectToScene(text.boundingRect())
    assert box.adjusted(-1, -1, 1, 1).contains(label), (box, label)
    # without a label: the numbers
    view.mark(-1.0)
    assert view.mark_text() == f"z = -1: f(z) = {sig.f(np.array([-1.0]))[0]:.3g}, f′(z) = {sig.df(np.array([-1.0]))[0]:.3g}"
    assert len(view.marks) == 2
    # a new α of the same activation keeps them; another activation drops them
    view.explore("leaky_relu", 0.1)
    assert view.marks == [] and view._mark_items == []
    view.mark(-3.0)
    view.alpha_spin.setValue(0.3)
    assert view.marks == [(-3.0, "")]
    np.testing.assert_allclose(view._mark_items[0][0].getData()[1], [-0.9, 0.3])
    view.clear_marks()
    assert view.marks == [] and view._mark_items == []
    with pytest.raises(ValueError):
        view.mark(float("nan"))


def test_marks_show_on_a_layer_too(qtbot, view, saturated_snap):
    view.show_snapshot(saturated_snap)
    view.select_layer(0)
    view.mark(-4.5, "saturated")
    assert view.marks == [(-4.5, "saturated")]
    view.show_snapshot(saturated_snap)  # a new snapshot of the same layer keeps the mark
    assert view.mark_text() == "saturated"
    view.select_layer(1)  # another layer, another activation (tanh): the mark goes
    assert view.marks == []


@pytest.mark.parametrize("size", [(200, 150), (330, 300), (760, 310), (1600, 1000)])
def test_any_size_draws_without_warnings(qtbot, view, saturated_snap, size):
    view.show_snapshot(saturated_snap)
    view.mark(2.6)
    view.resize(*size)
    qtbot.wait(30)
    assert not view.grab().isNull()
