"""Counts of (true class, predicted class) as a shaded table, beside the decision plot.

Every text fits whatever room the widget gets: the axis titles shorten ("predicted
class" → "predicted" → "pred."), class names are elided, and a count is left out of a
cell too small to hold it (its shade still shows it) — nothing is ever cut in half.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

Array = np.ndarray

PREDICTED = ("predicted class", "predicted", "pred.")
TRUE = ("true class", "true")
RIGHT = QColor(0, 150, 80)
WRONG = QColor(200, 40, 40)


def _first_fitting(options: Sequence[str], fm: QFontMetricsF, room: float) -> str:
    return next((t for t in options if fm.horizontalAdvance(t) <= room), "")


class ConfusionMatrixWidget(QWidget):
    """Counts of (true class, predicted class), drawn as a shaded table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.class_names: tuple[str, ...] = ()
        self.heading = ""
        #: (text, where its ink went) of every text of the last paint: what a learner can read
        self.drawn_texts: list[tuple[str, QRectF]] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setToolTip("Rows: the true class of each point; columns: the class the network "
                        "gives it. The diagonal counts the points it gets right.")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(180, 200)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(110, 120)

    def set_matrix(self, matrix: Array, class_names: Sequence[str], heading: str) -> None:
        matrix = np.asarray(matrix, dtype=np.int64)
        if (np.array_equal(matrix, self.matrix) and tuple(class_names) == self.class_names
                and heading == self.heading):
            return
        self.matrix = matrix
        self.class_names = tuple(class_names)
        self.heading = heading
        self.update()

    def paintEvent(self, _ev) -> None:  # noqa: N802
        if self.width() < 4 or self.height() < 4:
            return
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _text(self, p: QPainter, rect: QRectF, flags: Qt.AlignmentFlag, text: str) -> None:
        """Draw ``text`` in ``rect``; remember where its ink went, in widget coordinates."""
        p.drawText(rect, flags, text)
        ink = QFontMetricsF(p.font()).boundingRect(rect, int(flags), text)
        self.drawn_texts.append((text, p.transform().mapRect(ink)))

    def _paint(self, p: QPainter) -> None:
        self.drawn_texts = []
        # no antialiasing: the cells are whole-pixel rectangles (antialiased translucent fills
        # cost ten times more) and text is antialiased anyway
        fg = theme.foreground()
        p.fillRect(self.rect(), theme.background())
        W, H = float(self.width()), float(self.height())
        font = QFont(self.font())
        p.setFont(font)
        fm = QFontMetricsF(font)
        line = fm.height()
        p.setPen(fg)
        heading = [fm.elidedText(t, Qt.TextElideMode.ElideRight, W - 4) for t in self.heading.split("\n")]
        self._text(p, QRectF(2, 2, W - 4, len(heading) * line), Qt.AlignmentFlag.AlignHCenter, "\n".join(heading))
        C = self.matrix
        k = len(C)
        if k == 0:
            return
        label_room = max(24.0, 0.22 * W)
        names = [fm.elidedText(n, Qt.TextElideMode.ElideRight, label_room) for n in self.class_names[:k]]
        names += [""] * (k - len(names))
        label_w = max(fm.horizontalAdvance(n) for n in names) + 8
        top = (len(heading) + 2) * line + 14
        left = label_w + line + 4
        size = min((W - left - 4) / k, (H - top - 4) / k)
        if size < 4:
            return
        shift = max(0.0, (W - left - k * size - 4) / 2)  # centre the table
        p.translate(shift, 0)
        # the axis titles, as long as they fit
        predicted = _first_fitting(PREDICTED, fm, W - 8)
        if predicted:
            tw = fm.horizontalAdvance(predicted) + 4
            x0 = min(max(-shift + 2, left + k * size / 2 - tw / 2), W - shift - 2 - tw)
            self._text(p, QRectF(x0, len(heading) * line + 8, tw, line), Qt.AlignmentFlag.AlignHCenter, predicted)
        true = _first_fitting(TRUE, fm, k * size)
        if true:
            p.save()
            p.translate(2, top + k * size / 2)
            p.rotate(-90)
            self._text(p, QRectF(-k * size / 2, 0, k * size, line), Qt.AlignmentFlag.AlignHCenter, true)
            p.restore()
        row_tot = C.sum(axis=1)
        small = QFont(font)
        if size < 2.2 * line:
            small.setPointSizeF(max(5.0, font.pointSizeF() * size / (2.2 * line)))
        fm_small = QFontMetricsF(small)
        for i in range(k):
            p.setFont(font)
            p.setPen(fg)
            if size >= line * 0.8:
                self._text(p, QRectF(line + 2, top + i * size, label_w - 4, size),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, names[i])
            for j in range(k):
                share = C[i, j] / row_tot[i] if row_tot[i] else 0.0
                cell = QColor(RIGHT if i == j else WRONG)
                cell.setAlphaF(0.08 + 0.8 * share if C[i, j] else 0.03)
                rect = QRectF(round(left + j * size), round(top + i * size), round(size) - 2, round(size) - 2)
                p.fillRect(rect, cell)
                text = str(int(C[i, j]))
                if fm_small.horizontalAdvance(text) <= size - 3 and fm_small.height() <= size:
                    p.setFont(small)
                    p.setPen(QColor("white") if share > 0.55 else fg)
                    self._text(p, rect, Qt.AlignmentFlag.AlignCenter, text)
        p.setFont(font)
        p.setPen(fg)
        y = top - 2
        for j in range(k):
            # a column's class name above it, shortened to the column (its row says it whole)
            name = fm.elidedText(names[j], Qt.TextElideMode.ElideRight, size - 2)
            if name == "…" or not name:
                continue
            self._text(p, QRectF(left + j * size, y - line, size, line),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, name)


__all__ = ["ConfusionMatrixWidget"]
