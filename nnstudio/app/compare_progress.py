"""The status bar's strip while run B is being made: how far it is, and Cancel.

A run B with its own weights, made late in a run, is trained from iteration 0 up to run
A's iteration before the two can be compared (about 8 s per 350,000 iterations here, so
minutes for a long run). :class:`MakingBStrip` says how far that is and offers Cancel
(Esc and the toolbar's Stop do the same; see :class:`~.comparison_session.ComparisonSession`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget


def making_text(done: int, total: int) -> str:
    """``"Making run B: 120,000 of 350,000 iterations (34 %)"``."""
    return f"Making run B: {done:,} of {total:,} iterations ({100 * done // max(1, total)} %)"


class MakingBStrip(QWidget):
    """A label, a progress bar and Cancel (``sigCancel``); hidden until :meth:`show_progress`."""

    sigCancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("making_b")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setToolTip("Run B has its own initial weights, so it is trained from iteration 0 with its "
                              "settings up to run A's iteration; then both train side by side.")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop making run B (Esc); run A stays as it is")
        self.cancel.clicked.connect(self.sigCancel)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        # its natural width: the status bar would otherwise stretch Cancel across itself
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.cancel.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.hide()

    def show_progress(self, done: int, total: int) -> None:
        self.label.setText(making_text(done, total))
        self.bar.setValue(int(1000 * done / max(1, total)))
        self.show()


__all__ = ["MakingBStrip", "making_text"]
