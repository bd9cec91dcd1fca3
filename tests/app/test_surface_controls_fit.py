"""The loss landscape's "Two chosen weights" row at 1280×800 (lesson 4, Inspect): the
choosers read "W1[(" and "b1[0" because the row was squeezed into the column; each
chooser shows its whole weight's name."""
from __future__ import annotations

import pytest

from window_helpers import discard_and_close, open_window, wait_snapshot


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800), (1366, 768)])
def test_chosen_weight_choosers_show_their_whole_names(qtbot, size):
    w = open_window(qtbot, *size)
    try:
        lesson4 = next(a for a in w.lessons_menu.actions() if a.text().startswith("4."))
        lesson4.trigger()
        qtbot.waitUntil(lambda: w.lesson_panel.opened is not None, timeout=10000)
        wait_snapshot(qtbot, w, lambda s: s.weights[0].shape == (1, 1))
        w.workspaces.show_view("SurfaceView")
        controls = w.surface_view.controls
        qtbot.waitUntil(lambda: controls.params_box.isVisible(), timeout=5000)
        qtbot.wait(100)
        for box in (controls.mode_box, controls.i_box, controls.j_box):
            assert box.width() >= box.sizeHint().width(), (
                f"{box.currentText()!r} needs {box.sizeHint().width()} px, has {box.width()}")
        # nothing of the row lies outside the view
        for widget in (controls.recompute_button, controls.options_button, controls.j_box):
            right = widget.mapTo(controls, widget.rect().topRight()).x()
            assert right <= controls.width(), f"{widget} ends at {right} of {controls.width()}"
    finally:
        discard_and_close(w)
