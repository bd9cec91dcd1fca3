"""Axis titles fit their axes: the loss-landscape map in a narrow dock says its plane's
directions in shorter words (the full title in the tooltip), and no plot of either
workspace cuts a title off on a learner's screen."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QTabBar

from nnstudio.app.controller import TrainingController
from nnstudio.app.main_window import MainWindow
from nnstudio.app.views.axes import ReadableAxis
from nnstudio.app.views.surface_map import title_wordings
from nnstudio.app.views.surface_view import SurfaceView
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from tests.app.test_axis_labels import title_problems
from window_helpers import discard_and_close, wait_snapshot

#: the view in Inspect at 1366×768 and 1280×800 (measured), docks dragged to ~350 px, a roomy one
DOCKS = [(677, 337), (634, 356), (350, 420), (350, 330), (460, 300), (1000, 700)]
#: the tabs whose plots have titled axes
PLOT_TABS = ("Gradients", "Activations", "Loss landscape", "Optimizer race", "Decision boundary", "Loss")


def test_title_wordings_keep_the_meaning():
    assert title_wordings("direction 1: most movement (90 %)") == (
        "direction 1: most movement (90 %)", "dir. 1: most movement (90 %)", "direction 1 (90 %)",
        "dir. 1 (90 %)", "dir. 1")
    assert title_wordings("random direction 2") == ("random direction 2", "random dir. 2")
    assert title_wordings("W2[3,0]") == ("W2[3,0]",)


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    assert c.shutdown()


def test_surface_map_titles_fit_a_narrow_dock(qtbot, controller):
    data = prepare(DataSpec(name="spiral", n_samples=200, noise=0.1))
    spec = NetworkSpec(2, (LayerSpec(6, "tanh"), LayerSpec(6, "tanh")), "binary")
    controller.load(spec, TrainConfig(optimizer="adam", learning_rate=0.03), data)
    for _ in range(12):
        controller.step()

    def trained():
        controller.flush()
        assert controller.snapshot is not None and controller.snapshot.iteration == 12
    qtbot.waitUntil(trained, timeout=5000)
    view = SurfaceView(controller)
    view.auto_check.setChecked(False)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitUntil(lambda: view.computation is not None and not view.busy and view.result is not None
                    and not view.computation.draft, timeout=10000)
    shorter = 0
    for size in DOCKS:
        view.resize(*size)
        qtbot.wait(30)
        for name in ("bottom", "left"):
            axis = view.plot.getAxis(name)
            full = axis.labelText
            assert full.startswith("direction"), full  # the plane of most movement
            problems = title_problems(axis)
            assert not problems, (size, name, problems)
            # one of the wordings, never cut mid-word, at a dock's sizes; the tooltip has all
            assert axis.shown_title in title_wordings(full), (size, axis.shown_title)
            assert axis.toolTip() == ("" if axis.shown_title == full else full)
            shorter += axis.shown_title != full
        assert not title_problems(view.map.colorbar.axis)
    assert shorter  # the narrow docks did need the shorter words
    view.resize(1000, 700)
    qtbot.wait(30)
    assert view.plot.getAxis("bottom").shown_title.startswith("direction 1: most movement (")


def all_title_problems(w) -> list[str]:
    """Every visible plot axis's title that does not fit, in the whole window."""
    out = []
    for canvas in w.findChildren(pg.GraphicsView):
        if not canvas.isVisible():
            continue
        for item in canvas.scene().items():
            if not (isinstance(item, pg.AxisItem) and item.isVisible() and item.label.isVisible()):
                continue
            if isinstance(item, ReadableAxis):
                out += [f"{item.labelText!r}: {p}" for p in title_problems(item)]
            elif item.labelText:
                vertical = item.orientation in ("left", "right")
                room = item.size().height() if vertical else item.size().width()
                if QFontMetricsF(item.label.font()).horizontalAdvance(item.labelText) > room + 1:
                    out.append(f"{item.labelText!r} longer than its axis ({room:.0f} px)")
    return out


@pytest.mark.parametrize("screen", [(1280, 800), (1366, 768)])
def test_no_plot_title_is_cut_off_in_either_workspace(qtbot, screen):
    w = MainWindow()
    w.resize(*screen)
    w.show()
    qtbot.waitExposed(w)
    try:
        wait_snapshot(qtbot, w, lambda s: True)
        for _ in range(20):
            w.controller.step()
        wait_snapshot(qtbot, w, lambda s: s.iteration == 20)
        problems = []
        for workspace in ("explore", "inspect"):
            w.workspaces.switch(workspace)
            qtbot.wait(100)
            for bar in [b for b in w.findChildren(QTabBar) if b.isVisible()]:
                for i in range(bar.count()):
                    if bar.tabText(i) not in PLOT_TABS:
                        continue
                    bar.setCurrentIndex(i)
                    if bar.tabText(i) == "Loss landscape":
                        surface = next(v for v in w.findChildren(SurfaceView) if v.isVisible())
                        qtbot.waitUntil(lambda: surface.result is not None and not surface.busy, timeout=15000)
                    qtbot.wait(100)
                    problems += [f"{workspace} [{bar.tabText(i)}] {p}" for p in all_title_problems(w)]
        assert not problems, sorted(set(problems))
    finally:
        discard_and_close(w)
