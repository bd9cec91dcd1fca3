"""A regression has no decision boundary: lesson 12's fitted line stood under a tab
called "Decision boundary". The view is named by what it draws ("Fitted curve" for
one input, "Fitted surface" for two), its tab and the View menu follow the data, and a
lesson step names the view by its tab."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from window_helpers import discard_and_close, open_window, wait_snapshot


def _tab_names(w) -> set[str]:
    return {bar.tabText(i) for bar in w.findChildren(QTabBar) if bar.isVisible() for i in range(bar.count())}


def test_the_tab_names_what_the_view_draws(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        dock = w.view_docks["BoundaryView"]
        assert dock.windowTitle() == "Decision boundary" and "Decision boundary" in _tab_names(w)
        panel = w.data_panel
        qtbot.mouseClick(panel.thumbs[("generator", "line")], Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.task == "regression")
        qtbot.waitUntil(lambda: "Fitted curve" in _tab_names(w), timeout=5000)
        assert dock.windowTitle() == "Fitted curve" and "Decision boundary" not in _tab_names(w)
        assert dock.toggleViewAction().text() == "Fitted curve"  # the View menu's entry
        assert "prediction ŷ for every x" in w.boundary_view.caption_label.text()
        qtbot.mouseClick(panel.thumbs[("generator", "plane")], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dock.windowTitle() == "Fitted surface", timeout=5000)
        w.doc.undo_stack.undo()  # back to the line, then to the spiral
        qtbot.waitUntil(lambda: dock.windowTitle() == "Fitted curve", timeout=5000)
        w.doc.undo_stack.undo()
        qtbot.waitUntil(lambda: dock.windowTitle() == "Decision boundary", timeout=5000)
    finally:
        discard_and_close(w)


def test_lesson_12_names_the_view_it_brings_forward_by_its_tab(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        lesson = next(a for a in w.lessons_menu.actions() if a.text().startswith("12."))
        lesson.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 12, timeout=10000)
        qtbot.waitUntil(lambda: w.view_docks["BoundaryView"].windowTitle() == "Fitted curve", timeout=10000)
        panel.go_to_step(0)
        tip = panel.apply_button.toolTip()
        assert "brings the Fitted curve view to the front" in tip, tip
    finally:
        discard_and_close(w)
