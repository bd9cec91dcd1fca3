"""The rewind slider: drag back to an earlier iteration, and forward again.

The slider runs from iteration 0 to the furthest iteration the run has reached. After a
rewind the part ahead is the *kept future*: dragging (or an arrow key) into it replays
those iterations exactly, until training goes on from the earlier point. The label says
where the run is and how far its kept future goes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

from ..core.snapshot import Snapshot


class TimelineSlider(QWidget):
    """Emits ``sigRewind(iteration)`` when the user lets go (or stops pressing keys)."""

    sigRewind = Signal(int)
    sigScrubbing = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(6)
        title = QLabel("Rewind")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("history_scrubber")
        self.slider.setMinimumWidth(120)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setRange(0, 0)
        tip = ("Drag to go back to an earlier iteration: it is replayed exactly, with every change you made "
               "at its moment. The iterations ahead are kept until you train on from there (Ctrl+Z undoes "
               "a rewind).")
        self.setToolTip(tip)
        self.label = QLabel()
        self.label.setObjectName("timeline_label")
        lay.addWidget(title)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.scrubbing = False
        self._iteration = 0
        self._keys = QTimer(self)  # arrow keys: rewind once they stop
        self._keys.setSingleShot(True)
        self._keys.setInterval(350)
        self._keys.timeout.connect(self._commit)
        self.slider.sliderPressed.connect(self._pressed)
        self.slider.sliderReleased.connect(self._commit)
        self.slider.sliderMoved.connect(self._show_target)
        self.slider.actionTriggered.connect(self._on_action)

    def show_snapshot(self, snap: Snapshot) -> None:
        self._iteration = snap.iteration
        if self.scrubbing or self._keys.isActive():
            return
        self.slider.blockSignals(True)
        self.slider.setRange(snap.earliest_iteration, max(snap.iteration, snap.furthest_iteration))
        self.slider.setValue(snap.iteration)
        self.slider.blockSignals(False)
        if snap.furthest_iteration > snap.iteration:
            self.label.setText(f"{snap.iteration:,} of {snap.furthest_iteration:,}")
            self.label.setToolTip(f"Iterations {snap.iteration + 1:,}–{snap.furthest_iteration:,} are kept: drag "
                                  "forward to replay them. Training on from here replaces them.")
        else:
            self.label.setText("")
            self.label.setToolTip("")

    def _pressed(self) -> None:
        self.scrubbing = True
        self.sigScrubbing.emit(True)

    def _show_target(self, value: int) -> None:
        self.label.setText(f"→ {value:,}")

    def _on_action(self, action: int) -> None:
        if not self.slider.isSliderDown():  # a key or a click on the groove
            self._show_target(self.slider.sliderPosition())
            if not self.scrubbing:
                self.scrubbing = True
                self.sigScrubbing.emit(True)
            self._keys.start()

    def _commit(self) -> None:
        self.scrubbing = False
        self.sigScrubbing.emit(False)
        target = self.slider.sliderPosition()
        if target != self._iteration:
            self.sigRewind.emit(int(target))
