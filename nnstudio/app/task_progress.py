"""The status bar's strip for a long engine task: what it is doing, how far, and Cancel.

Two things the engine does may take minutes, and both can be cancelled:

* making a run B with its own weights late in a run: B is trained from iteration 0 up to
  run A's iteration (about 8 s per 350,000 iterations here), see
  :class:`~.comparison_session.ComparisonSession`;
* going back to an earlier iteration of a reopened project: only the start of its
  timeline is kept, so the iterations up to the target are replayed (about 16 s for
  500,000 of the default example), see :meth:`~.session.TrainingSession.rewind`.

:class:`TaskProgressStrip` shows either; Esc and the toolbar's Stop cancel too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

MAKING_B_ABOUT = ("Run B has its own initial weights, so it is trained from iteration 0 with its settings up to "
                  "run A's iteration; then both train side by side.")
MAKING_B_CANCEL = "Stop making run B (Esc); run A stays as it is"
REWINDING_ABOUT = ("Only the start of a reopened run's history is kept, so going back replays the iterations "
                   "from there, exactly as they were trained, with every change made at its moment.")
REWINDING_CANCEL = "Stop going back (Esc); the run stays where it was"


def percent(done: int, total: int) -> int:
    return 100 * done // max(1, total)


def making_text(done: int, total: int) -> str:
    """``"Making run B: 120,000 of 350,000 iterations (34 %)"``."""
    return f"Making run B: {done:,} of {total:,} iterations ({percent(done, total)} %)"


def rewinding_text(target: int, done: int, total: int, ahead: bool = False) -> str:
    """``"Going back to iteration 500,000: replaying 123,456 of 500,000 iterations (24 %)"``
    (``ahead``: forward, into the iterations kept after a rewind)."""
    way = "forward" if ahead else "back"
    return (f"Going {way} to iteration {target:,}: replaying {done:,} of {total:,} iterations "
            f"({percent(done, total)} %)")


class TaskProgressStrip(QWidget):
    """A label, a progress bar and Cancel (``sigCancel``); hidden until :meth:`show_progress`."""

    sigCancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("task_progress")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.sigCancel)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        # its natural width: the status bar would otherwise stretch Cancel across itself
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.cancel.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.hide()

    def show_progress(self, text: str, done: int, total: int, about: str, cancel_tip: str) -> None:
        """Say ``text`` (what is done, how far), fill the bar to ``done / total``; ``about``
        is the label's tooltip (why it takes long), ``cancel_tip`` Cancel's."""
        self.label.setText(text)
        self.label.setToolTip(about)
        self.cancel.setToolTip(cancel_tip)
        self.bar.setValue(int(1000 * done / max(1, total)))
        self.show()


__all__ = ["MAKING_B_ABOUT", "MAKING_B_CANCEL", "REWINDING_ABOUT", "REWINDING_CANCEL", "TaskProgressStrip",
           "making_text", "rewinding_text"]
