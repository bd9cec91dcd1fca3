"""The training speed control: from one iteration a second to as fast as possible.

A slider over a few round speeds (log-spaced), with the speed written beside it. The
default lets a learner watch the default example's decision boundary form, over about
20 seconds, rather than see only the end.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from .engine_process import MAX_SPEED

#: iterations per second at each slider position; the last is "as fast as possible"
SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, MAX_SPEED)
#: the default spiral forms its boundary in ~11,000 iterations: ~22 s at this speed
DEFAULT_SPEED = 500.0


def speed_text(value: float) -> str:
    if value == MAX_SPEED:
        return "max"
    return f"{value:,.0f}/s"


class SpeedSlider(QWidget):
    """``speed`` is iterations per second (``MAX_SPEED`` = as fast as possible)."""

    sigSpeedChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(4)
        title = QLabel("Speed")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("speed_slider")
        self.slider.setRange(0, len(SPEEDS) - 1)
        self.slider.setPageStep(1)
        self.slider.setFixedWidth(110)
        self.slider.setToolTip("Training speed: from one iteration a second (to follow every step) to as "
                               "fast as the computer goes")
        self.label = QLabel()
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("5,000/s") + 4)
        lay.addWidget(title)
        lay.addWidget(self.slider)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_value)
        self.set_speed(DEFAULT_SPEED)
        self._on_value(self.slider.value())

    @property
    def speed(self) -> float:
        return SPEEDS[self.slider.value()]

    @property
    def index(self) -> int:
        return self.slider.value()

    def set_speed(self, value: float) -> None:
        """The position closest to ``value`` iterations per second."""
        if value == MAX_SPEED:
            self.slider.setValue(len(SPEEDS) - 1)
            return
        finite = [abs(s - value) if s != MAX_SPEED else float("inf") for s in SPEEDS]
        self.slider.setValue(finite.index(min(finite)))

    def set_index(self, index: int) -> None:
        if 0 <= index < len(SPEEDS):
            self.slider.setValue(index)

    def _on_value(self, index: int) -> None:
        self.label.setText(speed_text(SPEEDS[index]))
        self.sigSpeedChanged.emit(float(SPEEDS[index]))
