"""The optimizer race's "f now" column writes small values as the app does: racers that
reach the bottom of the bowl read 4.2×10⁻⁵, not "4.20e-05"."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt

from nnstudio.app.workspaces import INSPECT

from window_helpers import discard_and_close, open_window

E_NOTATION = re.compile(r"\de[-+]?\d")


def test_race_values_near_the_minimum_have_no_e_notation(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        w.workspaces.switch(INSPECT)
        w.workspaces.show_view("RaceView")
        race = w.race_view
        box = race.function_box
        box.setCurrentIndex(next(i for i in range(box.count()) if "bowl" in box.itemText(i).lower()))
        small = []
        for _ in range(400):
            qtbot.mouseClick(race.step_button, Qt.MouseButton.LeftButton)
            small = [k for k, r in race.racers.items() if r.enabled and r.values and 0 < abs(r.values[-1]) < 1e-4]
            if small:
                break
        assert small, "no racer got within 10⁻⁴ of the minimum"
        texts = [race.value_labels[k].text() for k in small]
        assert not any(E_NOTATION.search(t) for t in texts), texts
        assert any("×10⁻" in t for t in texts), texts
    finally:
        discard_and_close(w)
