"""A message strip above the views: warnings and errors stay until dismissed.

A message may offer one action (a button beside it, e.g. restarting a hung engine):
:meth:`Banner.show_message` with ``action=(label, callback)``; any other message takes
the button away.

The banner lives in a toolbar of its own under the main toolbars; the window shows and
hides that toolbar (``sigDismissed`` asks it to hide).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QResizeEvent
from typing import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

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
        self.action_button = QPushButton()
        self.action_button.setObjectName("banner_action")
        self.action_button.hide()
        self.action_button.clicked.connect(self._on_action)
        self._action: Callable[[], None] | None = None
        lay.addWidget(self.label, 1)
        lay.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = ""

    def show_message(self, level: str, text: str,
                     action: tuple[str, Callable[[], None]] | None = None) -> None:
        self.level = level
        self._action = action[1] if action is not None else None
        self.action_button.setText(action[0] if action is not None else "")
        self.action_button.setVisible(action is not None)
        bg, fg = LEVEL_COLORS.get(level, LEVEL_COLORS["info"])
        self.setStyleSheet(f"QFrame#banner {{ background: {bg}; border-radius: 4px; }}"
                           f" QFrame#banner QLabel, QFrame#banner QToolButton {{ color: {fg}; }}")
        self.label.setText(text)
        self._fit_text()

    def _on_action(self) -> None:
        action, self._action = self._action, None
        self.action_button.hide()  # once: a second click would do it twice
        if action is not None:
            action()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_text()

    def _fit_text(self) -> None:
        # a toolbar asks its widgets' size hints, and a wrapping label's hint is for a
        # narrow guess (a one-line message made the strip four lines tall and took that
        # height from the views): its height follows the width it has. (Not
        # heightForWidth: it never returns less than the height fixed before.)
        width = self.label.width() - self.label.contentsMargins().left() - self.label.contentsMargins().right()
        if width <= 20:
            return
        flags = int(Qt.TextFlag.TextWordWrap)
        text = self.label.fontMetrics().boundingRect(QRect(0, 0, width, 1 << 20), flags, self.label.text())
        height = text.height() + self.label.contentsMargins().top() + self.label.contentsMargins().bottom() + 2
        if height != self.label.maximumHeight():
            self.label.setFixedHeight(height)
