"""Each class's probability as a bar, the chosen class's bar highlighted.

Painted in one pass (no plot items): it redraws on every brush stroke of the drawing
pad, and its texts shrink or drop out rather than overlap in a small widget.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme


class ClassBarsWidget(QWidget):
    """``set_probabilities(p, names)``: one bar per class, height p (0..1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probabilities = np.zeros(0)
        self.class_names: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("The probability the network gives each class for the drawn image; "
                        "the tallest bar is its answer.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(260, 120)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, 70)

    def set_probabilities(self, probabilities: np.ndarray, class_names: Sequence[str]) -> None:
        self.probabilities = np.nan_to_num(np.asarray(probabilities, dtype=np.float64).reshape(-1))
        self.class_names = tuple(class_names)
        self.update()

    def paintEvent(self, _ev: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        k = len(self.probabilities)
        if k == 0:
            return
        fm = QFontMetricsF(self.font())
        line = fm.height()
        W, H = float(self.width()), float(self.height())
        top, bottom = line + 2, H - line - 2  # room for the percentages above, names below
        slot = W / k
        if bottom - top < 8 or slot < 3:
            return
        fg, muted = theme.foreground(), theme.muted_text()
        best = int(np.argmax(self.probabilities))
        p.setPen(muted)
        p.drawLine(0, int(bottom), int(W), int(bottom))
        for i, prob in enumerate(self.probabilities):
            x = i * slot
            h = float(np.clip(prob, 0.0, 1.0)) * (bottom - top)
            color = QColor(theme.POSITIVE if i == best else muted)
            p.fillRect(QRectF(x + 0.15 * slot, bottom - h, 0.7 * slot, h), color)
            name = self.class_names[i] if i < len(self.class_names) else str(i)
            name = fm.elidedText(name, Qt.TextElideMode.ElideRight, slot - 2)
            p.setPen(fg)
            p.drawText(QRectF(x, bottom + 1, slot, line), Qt.AlignmentFlag.AlignHCenter, name)
            text = f"{100 * prob:.0f}%"
            if fm.horizontalAdvance(text) <= slot - 1:
                p.setPen(fg if i == best else muted)
                p.drawText(QRectF(x, bottom - h - line - 1, slot, line),
                           Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text)


__all__ = ["ClassBarsWidget"]
