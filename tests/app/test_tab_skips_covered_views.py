"""Tab visits only controls the learner can see. Views that share a place are tabs (in
lesson 11's Inspect: Network, Loss, Hardest samples and Decision boundary; Gradients,
Activations, Loss landscape and Optimizer race); Qt's Tab order went into the covered
ones too, so that from the lesson's 'Next ▶' some thirty presses of Tab put the focus
on controls out of sight (the decision plot's check boxes behind the Loss tab, the
optimizer race's table behind Gradients) before it came back to anything on screen. A
covered view is reached by choosing its tab (the tab bars are on the Tab path: ← and →
switch tabs)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar, QTextBrowser

from window_helpers import discard_and_close, open_window


def _dock_of(widget):
    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    return widget


def _covered(widget) -> bool:
    dock = _dock_of(widget)
    return dock is not None and dock.visibleRegion().isEmpty()


def test_tab_from_the_lesson_never_lands_out_of_sight(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        next(a for a in w.lessons_menu.actions() if a.text().startswith("11.")).trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 11, timeout=10000)
        w.activateWindow()
        panel.next_button.setFocus(Qt.FocusReason.TabFocusReason)
        hidden, seen = [], []
        for _ in range(60):
            before = QApplication.focusWidget()
            qtbot.keyClick(before, Qt.Key.Key_Tab)
            after = QApplication.focusWidget()
            assert after is not None and after is not before
            seen.append(after)
            if _covered(after):
                hidden.append(f"{type(after).__name__} in {_dock_of(after).windowTitle()}")
            if after is panel.list_toggle:
                break
        assert not hidden, hidden
        # what is on screen is still reached: the Loss view's x axis, the tab bars, and
        # round again to the lesson panel
        assert w.loss_view.x_axis_box in seen
        assert any(isinstance(s, QTabBar) for s in seen)
        assert panel.list_toggle in seen
        # Shift+Tab goes back the same way, skipping what is covered
        for _ in range(20):
            before = QApplication.focusWidget()
            qtbot.keyClick(before, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
            after = QApplication.focusWidget()
            # (a text with links keeps Tab for them while it has a link to go to)
            assert after is not before or isinstance(after, QTextBrowser)
            assert not _covered(after), f"{type(after).__name__} in {_dock_of(after).windowTitle()}"
    finally:
        discard_and_close(w)
