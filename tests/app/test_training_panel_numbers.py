"""The Training panel's ε row (Adam, the default optimizer) said "default 1e-08" under
β₁ "default 0.9"; it says 10⁻⁸ as the rest of the app writes numbers, and the field
takes a value typed that way too (as well as 1e-8)."""
from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from window_helpers import discard_and_close, open_window

E_NOTATION = re.compile(r"\de[-+]?\d")


def test_eps_reads_and_takes_powers_of_ten(qtbot):
    w = open_window(qtbot, 1366, 768)
    try:
        w.workspaces.show_view("TrainingPanel")
        eps = w.training_panel.eps
        assert eps.isVisible()
        assert not E_NOTATION.search(eps.placeholderText()), eps.placeholderText()
        assert eps.placeholderText() == "default 10⁻⁸"
        qtbot.mouseClick(eps, Qt.MouseButton.LeftButton)
        # superscripts are pasted (QTest cannot type them); "1e-7" typed works as before
        QApplication.clipboard().setText("10⁻⁷")
        qtbot.keyClick(eps, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(eps, Qt.Key.Key_Return)
        assert w.doc.config.eps == 1e-7
        eps.selectAll()
        QApplication.clipboard().setText("2×10⁻⁸")
        qtbot.keyClick(eps, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(eps, Qt.Key.Key_Return)
        assert w.doc.config.eps == 2e-8
        eps.selectAll()
        qtbot.keyClicks(eps, "3e-8")
        qtbot.keyClick(eps, Qt.Key.Key_Return)
        assert w.doc.config.eps == 3e-8
        w.act_undo.trigger()
        assert w.doc.config.eps == 2e-8
    finally:
        discard_and_close(w)
