"""At the smallest window (1024×700) the step inspector's update table broke its numbers
across lines ("0.644 / 9", "befor / e", "−0.00 / 84"). Numbers now never break: the
table takes a smaller font and tighter columns while it would not fit, and goes back
to the full size when the window grows."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt

from nnstudio.app.workspaces import INSPECT

from window_helpers import discard_and_close, open_window, wait_snapshot

NUMBER = re.compile(r"^[−+]?\d[\d.]*(×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?$")


def _to_update_phase(qtbot, w) -> None:
    w.workspaces.switch(INSPECT)
    for _ in range(5):
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Right)
    wait_snapshot(qtbot, w, lambda s: s.iteration >= 5)
    for phase in ("forward", "loss", "backward", "update"):
        w.activateWindow()
        qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        wait_snapshot(qtbot, w, lambda s, p=phase: s.phase is not None and s.phase.phase == p)


def _table_cells(view):
    """(text, lines it takes, point size) of every cell of the update tables."""
    doc = view.browser.document()
    cells = []
    block = doc.begin()
    seen_update = False
    while block.isValid():
        text = block.text().strip()
        seen_update = seen_update or text.startswith("4 · Update")
        if seen_update and (NUMBER.match(text) or text in ("before", "after")):
            font = block.begin().fragment().charFormat().font() if not block.begin().atEnd() else None
            cells.append((text, block.layout().lineCount(), font.pointSizeF() if font else None))
        block = block.next()
    return cells


def test_update_table_numbers_stay_whole_at_the_smallest_window(qtbot):
    w = open_window(qtbot, 1024, 700)
    try:
        _to_update_phase(qtbot, w)
        view = w.inspector_view
        qtbot.waitUntil(lambda: "4 · Update" in view.text(), timeout=5000)
        cells = _table_cells(view)
        assert len(cells) > 20, cells
        broken = [text for text, lines, _ in cells if lines != 1]
        assert not broken, f"numbers broken across lines: {broken[:5]}"
        assert view.browser.horizontalScrollBar().maximum() == 0  # and nothing runs off the side
        small = {size for *_, size in cells}
        assert max(small) < view.browser.font().pointSizeF()  # a smaller font made it fit
        w.resize(1600, 1000)
        qtbot.waitUntil(lambda: min(size for *_, size in _table_cells(view)) == view.browser.font().pointSizeF(),
                        timeout=5000)
        assert all(lines == 1 for _, lines, _ in _table_cells(view))
    finally:
        discard_and_close(w)
