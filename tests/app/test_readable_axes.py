"""No plot hides its numbers behind a multiplier: pyqtgraph's own axis writes values
below 1 as "−500 … 500" under a title ending in "(x0.001)"; every axis of the app
shows the values themselves (Iris's hidden representation before training, a
regression's colour bar, and every plot of the window)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.axes import ReadableAxis, drawn_tick_labels, label_value
from nnstudio.app.views.base import ViewBase
from nnstudio.app.views.boundary_view import BoundaryView
from nnstudio.app.views.representation_view import RepresentationView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.snapshot import evaluate_grid, make_snapshot
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close


def untrained(data, hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")), grid=False):
    """A snapshot of a freshly initialised network on ``data`` (iteration 0)."""
    k = data.n_classes if data.task == "multiclass" else 1
    trainer = Trainer(NetworkSpec(data.n_inputs, hidden, data.task, k), TrainConfig(seed=0), data)
    g = evaluate_grid(trainer, data.domain, data.transform, 32) if grid else None
    return make_snapshot(trainer, g)


def reads_its_values(axis: pg.AxisItem) -> list[str]:
    """What is wrong with ``axis``: a multiplier in its title, or a tick label whose
    number lies outside the axis's range (a rescaled tick: "500" on a range of ±0.6)."""
    out = []
    if "(x" in axis.labelString():
        out.append(f"title {axis.labelString()!r}")
    lo, hi = sorted(float(v) for v in axis.range)
    labels = drawn_tick_labels(axis)
    if not labels:
        out.append("no tick labels")
    slack = 0.05 * (hi - lo)
    for _rect, text in labels:
        if not lo - slack <= label_value(text) <= hi + slack:
            out.append(f"tick {text!r} outside {lo:.3g}…{hi:.3g}")
    return out


def test_iris_hidden_representation_reads_its_small_numbers(qtbot):
    data = prepare(DataSpec(source="bundled", name="iris"))
    view = RepresentationView()
    qtbot.addWidget(view)
    view.resize(620, 420)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(data)
    view.show_snapshot(untrained(data))
    qtbot.wait(50)
    QApplication.processEvents()
    for name in ("bottom", "left"):
        axis = view.plot.getAxis(name)
        lo, hi = axis.range
        assert max(abs(lo), abs(hi)) < 1.0  # the case that was written "(x0.001)"
        assert axis.labelText.startswith("direction")
        assert not reads_its_values(axis), (name, reads_its_values(axis))


def test_a_regressions_colour_bar_reads_its_small_outputs(qtbot):
    data = prepare(DataSpec(name="multi_gaussian", n_samples=200, noise=0.1))
    snap = untrained(data, grid=True)
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_data(data)
    view.show_snapshot(snap)
    qtbot.wait(50)
    axis = view.colorbar.axis
    lo, hi = axis.range
    assert max(abs(lo), abs(hi)) < 1.0
    assert axis.labelText == "network output ŷ"
    assert not reads_its_values(axis), reads_its_values(axis)


def test_every_plot_axis_in_the_window_is_a_readable_one(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    try:
        plain = []
        for view in w.findChildren(ViewBase):
            for canvas in view.findChildren(pg.GraphicsView):
                for item in canvas.scene().items():
                    if not (isinstance(item, pg.AxisItem) and item.isVisible()):
                        continue
                    if not (item.style["showValues"] or item.label.isVisible()):
                        continue  # a frame line (a colour bar's other sides): no numbers, no title
                    if not isinstance(item, ReadableAxis):
                        plain.append(f"{type(view).__name__}: {item.orientation} axis {item.labelText!r}")
        assert not plain, sorted(set(plain))
    finally:
        discard_and_close(w)
