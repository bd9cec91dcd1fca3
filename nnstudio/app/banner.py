"""A message strip above the views: warnings and errors stay until dismissed.

The banner lives in a toolbar of its own under the main toolbars; the window shows and
hides that toolbar (``sigDismissed`` asks it to hide).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

#: background and text colours per level; both chosen to stay readable in light and dark
LEVEL_COLORS = {"error": ("#f8d7da", "#58151c"), "warning": ("#fff3cd", "#664d03"), "info": ("#cfe2ff", "#052c65")}


class Banner(QFrame):
    """Shows one message at a time; ``level`` is "info", "warning" or "error"."""

    sigDismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.sigDismissed)
        lay.addWidget(self.label, 1)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""

    def show_message(self, level: str, text: str) -> None:
        self.level = level
        bg, fg = LEVEL_COLORS.get(level, LEVEL_COLORS["info"])
        self.setStyleSheet(f"QFrame#banner {{ background: {bg}; border-radius: 4px; }}"
                           f" QFrame#banner QLabel, QFrame#banner QToolButton {{ color: {fg}; }}")
        self.label.setText(text)
