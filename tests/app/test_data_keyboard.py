"""Every data set of the Data panel can be chosen from the keyboard: Tab reaches each
thumbnail, Space chooses it. The thumbnails were buttons of one QButtonGroup, which Qt
makes a single Tab stop: Tab went from "Circle" straight to "Import CSV…", and XOR,
Gaussians, Spiral, …, Iris and Digits could only be clicked."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from window_helpers import discard_and_close, open_window, wait_snapshot


def test_tab_reaches_every_data_set_and_space_chooses_it(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        panel = w.data_panel
        thumbs = {b: key for key, b in panel.thumbs.items()}
        first = panel.thumbs[("generator", "circle")]
        first.setFocus(Qt.FocusReason.TabFocusReason)
        reached = []
        for _ in range(len(thumbs) + 2):
            focus = QApplication.focusWidget()
            if focus in thumbs and thumbs[focus] not in reached:
                reached.append(thumbs[focus])
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
        assert reached == list(panel.thumbs), f"Tab reached only {reached}"

        # choose XOR with the keyboard alone: Tab to it, Space
        first.setFocus(Qt.FocusReason.TabFocusReason)
        while QApplication.focusWidget() is not panel.thumbs[("generator", "xor")]:
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: w.doc.data_spec.name == "xor", timeout=5000)
        assert panel.thumbs[("generator", "xor")].isChecked()
        assert not panel.thumbs[("generator", "spiral")].isChecked()
        wait_snapshot(qtbot, w, lambda s: True)
    finally:
        discard_and_close(w)
