"""The gallery's tiles: one image per sample with its true and predicted class, in rows
that fill the width; it sits in a scroll area and paints only the tiles in view.

A tile reads "7" when the network gets the sample right and "7→1" (true → predicted,
in red, with a red frame) when it does not.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

RIGHT = QColor(0, 140, 70)
WRONG = QColor(205, 40, 40)


class DigitTilesWidget(QWidget):
    """Tiles of ``images`` in the order ``order``; ``sigTileClicked(position)``."""

    sigTileClicked = Signal(int)
    sigTileHovered = Signal(int)  # -1 when the pointer is on no tile

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: Sequence[QImage] = []
        self.labels: list[str] = []  # per position, what the tile says
        self.wrong: np.ndarray = np.zeros(0, dtype=bool)  # per position
        self.order: np.ndarray = np.zeros(0, dtype=np.intp)  # position → index into images
        self.image_size = 40
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def set_tiles(self, images: Sequence[QImage], order: np.ndarray, labels: Sequence[str],
                  wrong: np.ndarray) -> None:
        self.images = images
        self.order = np.asarray(order, dtype=np.intp)
        self.labels = list(labels)
        self.wrong = np.asarray(wrong, dtype=bool)
        self.fit_width(self.width())
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def tile_size(self) -> QSize:
        line = math.ceil(QFontMetricsF(self.font()).height())
        return QSize(self.image_size + 14, self.image_size + line + 8)

    def columns(self, width: int | None = None) -> int:
        return max(1, (self.width() if width is None else width) // self.tile_size().width())

    def fit_width(self, width: int) -> None:
        """Take ``width`` and as much height as the rows of tiles need."""
        rows = math.ceil(len(self.order) / self.columns(width)) if len(self.order) else 0
        self.setFixedSize(max(1, width), max(1, rows * self.tile_size().height()))

    def tile_rect(self, position: int) -> QRect:
        t = self.tile_size()
        cols = self.columns()
        return QRect((position % cols) * t.width(), (position // cols) * t.height(), t.width(), t.height())

    def position_at(self, pos: QPoint) -> int | None:
        t = self.tile_size()
        col, row = pos.x() // t.width(), pos.y() // t.height()
        if col >= self.columns() or pos.x() < 0 or pos.y() < 0:
            return None
        position = row * self.columns() + col
        return position if position < len(self.order) else None

    # -- events --------------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        position = self.position_at(ev.position().toPoint())
        if ev.button() == Qt.MouseButton.LeftButton and position is not None:
            self.sigTileClicked.emit(position)
            ev.accept()
            return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        position = self.position_at(ev.position().toPoint())
        self.sigTileHovered.emit(-1 if position is None else position)
        super().mouseMoveEvent(ev)

    def paintEvent(self, ev: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self._paint(p, ev.rect())
        finally:
            p.end()

    def _paint(self, p: QPainter, exposed: QRect) -> None:
        if not len(self.order):
            return
        t = self.tile_size()
        cols = self.columns()
        fm = QFontMetricsF(self.font())
        line = fm.height()
        first = max(0, exposed.top() // t.height()) * cols
        last = min(len(self.order), (exposed.bottom() // t.height() + 1) * cols)
        fg = theme.foreground()
        s = self.image_size
        for position in range(first, last):
            r = self.tile_rect(position)
            img = QRectF(r.left() + 7, r.top() + 3, s, s)
            p.drawImage(img, self.images[self.order[position]])
            wrong = bool(self.wrong[position]) if position < len(self.wrong) else False
            if wrong:
                p.setPen(QPen(WRONG, 2))
                p.drawRect(img.adjusted(-1, -1, 1, 1))
            p.setPen(WRONG if wrong else fg)
            text = self.labels[position] if position < len(self.labels) else ""
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, t.width() - 2)
            p.drawText(QRectF(r.left(), img.bottom() + 2, t.width(), line), Qt.AlignmentFlag.AlignHCenter, text)


__all__ = ["DigitTilesWidget"]
