"""Lesson 10's last step stops training when the validation accuracy reaches 0.8 (epoch
15, the last point of the curves). In the smallest window (1024×700) the Loss view's
marker label stood right of its line, past the plot's edge, and read 'best: epoc'; the
'stopped' label of the same epoch stood beside it. The labels of the markers face the
middle of the plot, and two markers at one epoch share one label."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


def _go_to(qtbot, panel, title: str) -> None:
    while not panel.step_title.text().split(": ", 1)[-1].startswith(title):
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)


def _labels(view):
    return [(line.label.format, line.label.mapRectToScene(line.label.boundingRect()))
            for line in (view.best_line, view.stop_line) if line.isVisible() and line.label.format]


@pytest.mark.parametrize("step, size", [("Stop at a target accuracy", (1024, 700)),
                                        ("Early stopping with patience", (1024, 700)),
                                        ("Stop at a target accuracy", (1366, 768))])
def test_marker_labels_stay_whole_inside_the_plot(qtbot, step, size):
    w = open_window(qtbot, *size)
    try:
        next(a for a in w.lessons_menu.actions() if a.text().startswith("10.")).trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 10, timeout=10000)
        _go_to(qtbot, panel, step)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0 and s.b is None and s.config.early_stopping != "off")
        w.speed.set_speed(1000.0)
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Space)
        wait_snapshot(qtbot, w, lambda s: bool(s.stopped) and not s.playing, timeout=60000)
        view = w.loss_view
        qtbot.waitUntil(lambda: view.isVisible() and view.best_line.isVisible())
        qtbot.wait(300)
        plot = view.vb.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)
        labels = _labels(view)
        assert labels and any("best" in text for text, _ in labels)
        for text, rect in labels:
            glyphs = rect.adjusted(4, 4, -4, -4)  # (the text's margins, blank)
            assert plot.contains(glyphs), (text, glyphs, plot)
        for i, (a, ra) in enumerate(labels):
            for b, rb in labels[i + 1:]:
                common = ra.intersected(rb)
                assert common.width() * common.height() < 1, (a, b)
    finally:
        discard_and_close(w)
