"""Help › Keyboard shortcuts: every shortcut of the window, read from its actions."""

from __future__ import annotations

import html
from typing import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

#: keys that are not actions of the window but that a learner should know
EXTRA_KEYS = (
    ("Esc", "Leave a text or number box and give the keys back to training"),
    ("Tab / Shift+Tab", "Move between controls"),
    ("Space, arrows, Enter in a focused control", "Act on that control (type, move, press), not on training"),
    ("Mouse wheel over a control", "Scrolls the panel; click the control first to change it with the wheel"),
)


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in a stable order."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for act in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        what = (act.statusTip() or act.text()).replace("&", "")
        key_text = " or ".join(keys)
        if key_text in seen:
            continue
        seen.add(key_text)
        rows.append((key_text, what))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(actions) + list(EXTRA_KEYS)
        body = "".join(f"<tr><td style='padding-right:16px'><b>{html.escape(k)}</b></td>"
                       f"<td>{html.escape(w)}</td></tr>" for k, w in self.rows)
        text = QTextBrowser()
        text.setObjectName("shortcuts_text")
        text.setHtml(f"<table cellspacing='4'>{body}</table>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)
        self.resize(560, 460)
