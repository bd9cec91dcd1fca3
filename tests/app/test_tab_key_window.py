"""The Tab key walks through the controls of both workspaces and never gets stuck.

In the Inspect workspace Tab went into the optimizer race's plot (a pyqtgraph view,
its tab behind the gradients) and stayed there: the plot's scene took every Tab for
its own focusable item, which it could not focus while the plot was not on screen.
After it, nothing could be reached from the keyboard: the data sets, the lessons'
buttons, the rewind slider."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.app.workspaces import EXPLORE, INSPECT

from window_helpers import discard_and_close, open_window


def _describe(widget) -> str:
    chain, w = [], widget
    while w is not None and len(chain) < 4:
        chain.append(type(w).__name__)
        w = w.parentWidget()
    return " < ".join(chain)


@pytest.mark.parametrize("workspace", [INSPECT, EXPLORE])
def test_tab_never_stays_on_one_control_and_reaches_the_data_sets(qtbot, workspace):
    w = open_window(qtbot, 1366, 768)
    try:
        w.workspaces.switch(workspace)
        qtbot.wait(100)
        w.activateWindow()
        w.setFocus()
        circle = w.data_panel.thumbs[("generator", "circle")]
        seen = []
        for _ in range(250):
            before = QApplication.focusWidget()
            qtbot.keyClick(before or w, Qt.Key.Key_Tab)
            after = QApplication.focusWidget()
            assert after is not before, f"Tab stays on {_describe(after)}"
            seen.append(after)
            if after is circle:
                break
        assert circle in seen, "Tab never reached the Data panel's data sets"
    finally:
        discard_and_close(w)
