"""Lesson 9 in the smallest window (1024×700): the Loss view under the decision plot has
a plot some forty pixels high, and before training its note ("No loss yet: the curves
start with the first iteration. Press Play (Space) or Step iteration (→).") took three
lines: the last one ran over the x axis and out of the plot. The note takes the longest
of its wordings that fits the plot, as the Gradients view's does."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from window_helpers import discard_and_close, open_window, wait_snapshot


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800), (1366, 768)])
def test_the_no_loss_yet_note_stays_inside_the_plot(qtbot, size):
    w = open_window(qtbot, *size)
    try:
        lesson9 = next(a for a in w.lessons_menu.actions() if a.text().startswith("9."))
        lesson9.trigger()
        panel = w.lesson_panel
        qtbot.waitUntil(lambda: panel.opened is not None and panel.opened.number == 9, timeout=10000)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
        wait_snapshot(qtbot, w, lambda s: s.iteration == 0)
        view = w.loss_view
        qtbot.waitUntil(lambda: view.isVisible() and view.empty_text.isVisible())
        qtbot.wait(200)
        note = view.empty_text
        words = note.mapRectToScene(note.boundingRect())
        plot = view.vb.sceneBoundingRect()
        text = note.textItem.toPlainText()
        assert text.startswith("No loss yet")
        assert plot.adjusted(-0.5, -0.5, 0.5, 0.5).contains(words), (text, words, plot)
        # each word whole: none is broken across lines
        assert note.textItem.document().idealWidth() <= words.width() + 0.5
    finally:
        discard_and_close(w)
