"""A view's picture or table, or in its place one short line saying why there is none.

A learner must never look at a blank panel without knowing why. Before the engine's
first snapshot, while the network is being rebuilt for new data, or when a view has
nothing to draw for this network, the view says so where its content would be: in the
same space (nothing else in the view moves), centred, in plain text. The content
comes back as soon as there is something to show.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QWidget

#: what the views say before the engine has sent the network's weights (the engine
#: starts in its own process: on a slow computer that takes a few seconds)
WAITING_FIRST = "Waiting for the network's first weights from the training engine…"
#: … and after the data changed to another task or number of inputs (the network is
#: rebuilt for it; a snapshot of the old network does not fit the new data)
WAITING_NEW_DATA = "New data: waiting for the network built for it…"


class PlaceholderStack(QStackedWidget):
    """``content``, or a centred line of text in its place (:meth:`say`)."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.note = QLabel()
        self.note.setObjectName("placeholder")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setMargin(12)
        # the line must never ask for more room than the content it stands for
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.addWidget(content)
        self.addWidget(self.note)

    def say(self, text: str) -> None:
        """Show ``text`` in place of the content."""
        if self.note.text() != text:
            self.note.setText(text)
        self.setCurrentWidget(self.note)

    def show_content(self) -> None:
        """Show the content again."""
        self.setCurrentWidget(self.content)

    @property
    def saying(self) -> str:
        """The line shown in place of the content; "" while the content shows."""
        return self.note.text() if self.currentWidget() is self.note else ""


__all__ = ["PlaceholderStack", "WAITING_FIRST", "WAITING_NEW_DATA"]
