"""Lesson 7, 'Sigmoid, beside ReLU': A (sigmoid) reaches the target loss after epoch
250, the end of the plot, where its loss is also at its best. The loss view's green
marker of A's best epoch put its label to the right of the line, past the plot's edge:
at 1024×700 one read "A b" under the accuracy axis (and "A" alone at 1366×768). Now the
best epoch's label goes on the side facing the plot's middle, and a run stopped at its
best epoch gets one label on the line, "A best: epoch 250, stopped" (two labels on one
line lay on each other in the short plot)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from window_helpers import discard_and_close, open_window, wait_snapshot


@pytest.mark.parametrize("size", [(1024, 700), (1366, 768)])
def test_the_best_epochs_label_stays_inside_the_plot(qtbot, size):
    w = open_window(qtbot, *size)
    try:
        lesson7 = next(a for a in w.lessons_menu.actions() if a.text().startswith("7."))
        lesson7.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 7, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)  # A sigmoid, B ReLU
        qtbot.waitUntil(lambda: w.comparison.active, timeout=15000)
        w.speed.set_speed(1000)
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Space)  # Play
        snap = wait_snapshot(qtbot, w, lambda s: s.stopped is not None and s.b is not None
                             and s.b.stopped is not None, timeout=60000)
        assert snap.epoch == 250 and snap.b.epoch == 16  # as the step's text says
        view = w.view_for("LossView")
        qtbot.wait(300)
        QApplication.processEvents()
        assert not w.workspaces.docks["LossView"].widget().visibleRegion().isEmpty()  # in front
        plot = view.vb.sceneBoundingRect()
        # A stopped at its best epoch: one line, one label, inside the plot
        assert view.best_line.value() == view.stop_line.value()
        assert view.stop_line.isVisible() and not view.stop_line.label.format  # no second label
        label = view.best_line.label
        assert label.isVisible() and label.format == "A best: epoch 250, stopped"
        box = label.sceneBoundingRect()
        assert plot.left() <= box.left() and box.right() <= plot.right(), (
            f"the label spans x = {box.left():.0f}…{box.right():.0f}, the plot {plot.left():.0f}…{plot.right():.0f}")
    finally:
        discard_and_close(w)
