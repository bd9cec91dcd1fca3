"""The Explore workspace on learners' screens: the network drawn with readable maps, its
controls within reach, and no Qt warnings at any size or depth."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.main_window import MainWindow
from nnstudio.core.specs import LayerSpec
from window_helpers import discard_and_close, wait_snapshot


def _window(qtbot, width, height):
    w = MainWindow()
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    w.workspaces.switch("explore")
    w.workspaces.reset()
    wait_snapshot(qtbot, w, lambda s: True)
    qtbot.wait(200)
    w.scheduler.refresh(everything=True)
    return w


@pytest.fixture
def explore(qtbot):
    w = _window(qtbot, 1366, 768)
    yield w
    discard_and_close(w)


def _inside(child_rect: QRect, outer: QRect) -> bool:
    return outer.contains(child_rect)


def test_every_neuron_map_is_at_least_40_device_pixels(qtbot, explore):
    nv = explore.network_view
    qtbot.waitUntil(lambda: nv.layout is not None and nv.neuron(1, 0) is not None
                    and nv.neuron(1, 0).image is not None, timeout=5000)
    assert explore.doc.network.layer_sizes == (2, 8, 8, 1)
    dpr = nv.canvas.devicePixelRatioF()
    items = [n for col in nv.neurons for n in col]
    assert len(items) == 7 + 8 + 8 + 1 and all(n.isVisible() for n in items)
    for n in items:
        assert n.size * dpr >= 40, n.size
        assert n.image is not None and n.image.width() >= 38 * dpr  # the map inside its 1 px border
        # the whole square is on screen
        r = nv.canvas.mapFromScene(n.sceneBoundingRect()).boundingRect()
        assert nv.canvas.viewport().rect().contains(r)


def test_the_edit_controls_fit_and_work(qtbot, explore):
    nv = explore.network_view
    doc = explore.doc
    qtbot.waitUntil(lambda: len(nv.steppers) == 2, timeout=5000)
    for b in (nv.header.plus, nv.header.minus, nv.header.label):
        assert b.isVisible() and _inside(QRect(b.mapTo(nv, b.rect().topLeft()), b.size()), nv.rect())
    rects = [s.sceneBoundingRect() for s in nv.steppers] + [h.sceneBoundingRect() for h in nv.headings]
    for r in rects:
        assert nv.scene.sceneRect().contains(r)
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b]), (a, b)
    # + above hidden layer 1: the document gets a ninth neuron, and the view shows it
    qtbot.mouseClick(nv.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=nv.viewport_pos(nv.stepper(0).button_center("+")))
    assert doc.network.hidden[0].units == 9
    wait_snapshot(qtbot, explore, lambda s: s.layer_sizes == (2, 9, 8, 1))
    explore.scheduler.refresh(everything=True)
    qtbot.waitUntil(lambda: nv.stepper(0) is not None and nv.stepper(0).units == 9 and len(nv.neurons[1]) == 9)
    # an input feature switched on from the drawing
    qtbot.wait(300)
    qtbot.mouseClick(nv.canvas.viewport(), Qt.MouseButton.LeftButton, pos=nv.viewport_pos(nv.input_node("x1^2")))
    assert doc.data_spec.features == ("x1", "x2", "x1^2")
    assert doc.network.n_inputs == 3
    # the header's + adds a layer like the last one
    qtbot.mouseClick(nv.header.plus, Qt.MouseButton.LeftButton)
    assert [h.units for h in doc.network.hidden] == [9, 8, 8]
    assert nv.header.label.text() == "3 hidden layers"
    doc.undo_stack.undo()
    assert nv.header.label.text() == "2 hidden layers"


@pytest.mark.parametrize("hidden", [(8,) * 6, (8,) * 8, (4,) * 12])
def test_no_qt_warnings_resizing_deep_networks(qtbot, hidden):
    """Any Qt warning fails the test (pytest-qt, qt_log_level_fail = WARNING)."""
    w = _window(qtbot, 1600, 1000)
    try:
        w.doc.edit_network("deep", hidden=tuple(LayerSpec(u, "tanh") for u in hidden))
        wait_snapshot(qtbot, w, lambda s: len(s.layer_sizes) == len(hidden) + 2)
        for size in [(1600, 1000), (1366, 768), (1280, 800), (1024, 700), (1000, 680)]:
            w.resize(*size)
            qtbot.wait(60)
            w.scheduler.refresh(everything=True)
            QApplication.processEvents()
        w.grab()
        nv = w.network_view
        assert nv.layout.size >= 8 and all(v == n for v, n in zip(nv.visible_counts()[1:], hidden))
        w.workspaces.switch("inspect")
        qtbot.wait(100)
        w.workspaces.switch("explore")
        qtbot.wait(100)
        w.grab()
    finally:
        discard_and_close(w)


def test_clicking_a_point_then_stepping_shows_that_point_in_the_inspector(qtbot, explore):
    import numpy as np
    from PySide6.QtCore import QPointF

    data = explore.doc.prepared
    bv = explore.boundary_view
    everything = np.concatenate([data.train_index, data.val_index])
    X = data.raw.X
    px, py = bv.vb.viewPixelSize()
    pts = X / np.array([px, py])  # in screen pixels
    k = next(k for k, row in enumerate(data.train_index)
             if np.sort(np.hypot(*(pts[everything] - pts[row]).T))[1] > 8)
    x, y = X[data.train_index[k]]
    pos = bv.canvas.mapFromScene(bv.vb.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(bv.sigSampleClicked) as clicked:
        qtbot.mouseClick(bv.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert clicked.args == [k]
    explore.act_step.trigger()
    snap = wait_snapshot(qtbot, explore, lambda s: s.phase is not None and s.iteration == 1)
    assert snap.phase.sample == k
    np.testing.assert_allclose(snap.phase.x, data.X_train[k])
    explore.workspaces.switch("inspect")
    qtbot.waitUntil(lambda: f"#{k}" in explore.inspector_view.header.text(), timeout=3000)
