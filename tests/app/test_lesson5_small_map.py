"""Lesson 5 in the smallest window (1024×700): the loss landscape's map is about 110 px
wide there. Its legend of the two runs ("A", "B: SGD (1 sample)…") was wider than the
map: it lay over the lower half of the map, B's path under it, with its left part (the
"A" entry) cut off at the axis ("D (1 sample)…" was all one could read). The legend
now takes at most a quarter of the map ("A" and "B" alone when B's change does not fit,
none on the smallest map: the caption above it names the runs' colours)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from window_helpers import discard_and_close, open_window, wait_snapshot


def open_lesson_5(qtbot, w):
    lesson5 = next(a for a in w.lessons_menu.actions() if a.text().startswith("5."))
    lesson5.trigger()
    panel = w.lesson_panel
    qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 5, timeout=10000)
    return panel


def b_points(smap) -> int:
    xs = smap.b_path_line.getData()[0]
    return 0 if xs is None else len(xs)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800), (1366, 768)])
def test_the_maps_legend_of_both_runs_lies_inside_the_map(qtbot, size):
    w = open_window(qtbot, *size)
    try:
        panel = open_lesson_5(qtbot, w)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)  # A full batch, B SGD
        qtbot.waitUntil(lambda: w.comparison.active, timeout=15000)
        w.activateWindow()
        for _ in range(30):  # "Press Step epoch (Ctrl+→) 30 times"
            qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
            qtbot.wait(20)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 30)
        view = w.view_for("SurfaceView")
        smap = view.map
        qtbot.waitUntil(lambda: b_points(smap) > 1, timeout=20000)
        QApplication.processEvents()
        assert not w.workspaces.docks["SurfaceView"].widget().visibleRegion().isEmpty()  # in front
        assert smap.isVisible()
        # the caption above the map says which dot is which run in any case
        assert "The red dot, A's weights now, the orange one B's" in view.explained_label.text()
        if smap.legend.isVisible():
            vb = smap.plot.vb
            inside = vb.mapRectToScene(vb.boundingRect())
            box = smap.legend.mapRectToScene(smap.legend.boundingRect())
            assert inside.contains(box), (f"the legend {box.width():.0f}×{box.height():.0f} px at x = "
                                          f"{box.left():.0f} does not fit the map's {inside.width():.0f}×"
                                          f"{inside.height():.0f} px at x = {inside.left():.0f}")
            assert box.width() * box.height() <= 0.25 * inside.width() * inside.height()
            texts = smap.legend_texts()
            assert texts[0] == "A" and texts[1].startswith("B")
    finally:
        discard_and_close(w)
