"""Lesson 8, first step: "Look at the bars of the Gradients view before pressing
anything" — A's δ 0.57 at the output and 1.3×10⁻⁶ at the first layer, B's 0.17 against
0.69. In the Inspect dock the bars had a column 70 px wide at 1366×768 (40 at
1024×700): the last pair of bars, the output's, had no name under it ("out" reached past
the axis's end and was left out, so the layers read 1 … 6 under seven pairs); at
1024×700 the names ran together ("23456") and A's first value was cut by the plot's edge
to "10⁻⁶", another number; at 1366×768 A's output value, 0.57, was left out for lack of
room. At 1600×1000 (two rows of plots, the bars 80 px high) B's values, stacked over
A's, were cut by the plot's top ("0.69" half gone): a value the plot would cut is left
out."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.views.axes import drawn_tick_labels
from window_helpers import discard_and_close, open_window, wait_snapshot


def crowded(axis) -> list[str]:
    labels = sorted(drawn_tick_labels(axis), key=lambda r: r[0].left())
    return [f"{t1!r} and {t2!r} {r2.left() - r1.right():.1f} px apart"
            for (r1, t1), (r2, t2) in zip(labels, labels[1:]) if r2.left() - r1.right() < 4]


@pytest.mark.parametrize("size", [(1024, 700), (1366, 768), (1600, 1000)])
def test_the_bars_name_their_layers_and_show_whole_values(qtbot, size):
    w = open_window(qtbot, *size)
    try:
        lesson8 = next(a for a in w.lessons_menu.actions() if a.text().startswith("8."))
        lesson8.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 8, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)  # A sigmoid, B ReLU
        qtbot.waitUntil(lambda: w.comparison.active, timeout=15000)
        wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.probes is not None and s.probes is not None)
        view = w.view_for("GradientView")
        qtbot.waitUntil(lambda: view.n_layers_b == 7 and len(view.bar_values_b) == 7, timeout=10000)
        qtbot.wait(300)
        QApplication.processEvents()
        assert not w.workspaces.docks["GradientView"].widget().visibleRegion().isEmpty()  # in front
        axis = view.bar_plot.getAxis("bottom")
        names = [t for _r, t in drawn_tick_labels(axis)]
        assert names[0] == "1" and names[-1] == "out", names
        assert crowded(axis) == []
        plot = view.bar_plot.vb.sceneBoundingRect()
        shown = {}
        for run, labels in (("A", view._bar_labels), ("B", view._bar_labels_b)):
            for i, t in enumerate(labels):
                text = t.textItem.toPlainText()
                if not text:
                    continue
                box = t.mapRectToScene(t.boundingRect())
                assert plot.adjusted(-0.5, -0.5, 0.5, 0.5).contains(box), (
                    f"{run}'s {text!r} at x = {box.left():.0f}…{box.right():.0f}, y = {box.top():.0f}…"
                    f"{box.bottom():.0f}: the plot is {plot.left():.0f}…{plot.right():.0f}, {plot.top():.0f}…"
                    f"{plot.bottom():.0f}")
                shown[(run, i)] = text
        # the first layer's and the output's values, as the step's text gives them
        want = {("A", 0): "1.3×10⁻⁶", ("A", 6): "0.57", ("B", 0): "0.17", ("B", 6): "0.69"}
        assert all(shown[k] == v for k, v in want.items() if k in shown)
        if size == (1366, 768):
            assert {k: shown.get(k) for k in want} == want
        else:  # the vanishing signal at least
            assert shown[("A", 0)] == "1.3×10⁻⁶"
            assert view.bar_plot.vb.width() >= 80
    finally:
        discard_and_close(w)
