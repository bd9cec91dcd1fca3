"""A square grid of pixels the learner paints with the mouse: the left button paints,
the right one erases, with a soft brush.

The brush works cell by cell, so what a stroke does is exact and predictable: the cell
under the pointer goes all the way (to the darkest ink, or to blank paper), its four
edge neighbours half way and its four corner neighbours a quarter of the way; a pixel
never gets lighter from painting nor darker from erasing. Between two mouse positions
every cell on the straight line is brushed, so a quick stroke has no gaps.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from .image_data import gray_image

#: how far the brush moves the pixels it touches: (row offset, column offset) → share
BRUSH = {(0, 0): 1.0,
         (-1, 0): 0.5, (1, 0): 0.5, (0, -1): 0.5, (0, 1): 0.5,
         (-1, -1): 0.25, (-1, 1): 0.25, (1, -1): 0.25, (1, 1): 0.25}


class DrawingPadWidget(QWidget):
    """``side × side`` pixels with values in ``[lo, hi]``, painted with the mouse.

    ``sigChanged`` carries the pixels (side²,), row by row, after every brush stroke
    that changed one.
    """

    sigChanged = Signal(object)

    def __init__(self, side: int = 8, lo: float = 0.0, hi: float = 16.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side = side
        self.lo, self.hi = lo, hi
        self.pixels = np.full(side * side, lo, dtype=np.float64)
        self._last: tuple[int, int] | None = None
        self._erasing = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Left button: paint. Right button: erase.")

    # -- contents ------------------------------------------------------------------------
    def set_geometry(self, side: int, lo: float, hi: float) -> None:
        """A new image size or pixel range (other data): the pad starts blank."""
        self.side, self.lo, self.hi = side, lo, hi
        self.pixels = np.full(side * side, lo, dtype=np.float64)
        self.update()

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show ``pixels`` (side²,) (a sample loaded to be edited), clipped to the range."""
        values = np.asarray(pixels, dtype=np.float64).reshape(-1)
        if values.size != self.side * self.side:
            return
        self.pixels = np.clip(np.nan_to_num(values, nan=self.lo), self.lo, self.hi)
        self.update()
        self.sigChanged.emit(self.pixels.copy())

    def clear(self) -> None:
        self.set_pixels(np.full(self.side * self.side, self.lo))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(200, 200)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(96, 96)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return width

    # -- geometry ------------------------------------------------------------------------
    def grid_rect(self) -> QRectF:
        """Where the pixels are drawn: the largest centred square with whole cells."""
        cell = max(1, min(self.width(), self.height()) // self.side)
        size = cell * self.side
        return QRectF((self.width() - size) // 2, (self.height() - size) // 2, size, size)

    def cell_center(self, row: int, col: int) -> QPointF:
        """The widget position of the middle of cell (row, col), for tests and hints."""
        r = self.grid_rect()
        cell = r.width() / self.side
        return QPointF(r.left() + (col + 0.5) * cell, r.top() + (row + 0.5) * cell)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        r = self.grid_rect()
        if not r.contains(pos):
            return None
        cell = r.width() / self.side
        row = min(self.side - 1, int((pos.y() - r.top()) // cell))
        col = min(self.side - 1, int((pos.x() - r.left()) // cell))
        return row, col

    # -- brushing ------------------------------------------------------------------------
    def brush(self, row: int, col: int, erase: bool = False) -> bool:
        """Brush the cell (row, col) and its neighbours; whether any pixel changed."""
        img = self.pixels.reshape(self.side, self.side)
        before = img.copy()
        span = self.hi - self.lo
        for (dr, dc), share in BRUSH.items():
            r, c = row + dr, col + dc
            if 0 <= r < self.side and 0 <= c < self.side:
                if erase:
                    img[r, c] = min(img[r, c], self.hi - share * span)
                else:
                    img[r, c] = max(img[r, c], self.lo + share * span)
        return not np.array_equal(before, img)

    def _stroke_to(self, cell: tuple[int, int]) -> None:
        start = self._last if self._last is not None else cell
        steps = max(abs(cell[0] - start[0]), abs(cell[1] - start[1]))
        changed = False
        for t in np.linspace(0.0, 1.0, steps + 1):
            r = int(round(start[0] + t * (cell[0] - start[0])))
            c = int(round(start[1] + t * (cell[1] - start[1])))
            changed |= self.brush(r, c, self._erasing)
        self._last = cell
        if changed:
            self.update()
            self.sigChanged.emit(self.pixels.copy())

    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if ev.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            super().mousePressEvent(ev)
            return
        self._erasing = ev.button() == Qt.MouseButton.RightButton
        self._last = None
        cell = self.cell_at(ev.position())
        if cell is not None:
            self._stroke_to(cell)
        ev.accept()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if not ev.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            return
        cell = self.cell_at(ev.position())
        if cell is None:
            self._last = None  # leaving the pad ends the line; coming back starts a new one
            return
        self._stroke_to(cell)
        ev.accept()

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        self._last = None
        ev.accept()

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, _ev: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            r = self.grid_rect()
            p.drawImage(r, gray_image(self.pixels, self.side, self.lo, self.hi))
            cell = r.width() / self.side
            grid = QColor(theme.muted_text())
            # lines between cells help aim at 8×8; at 28×28 they would hide the drawing
            grid.setAlphaF(0.35 if cell >= 10 else 0.0)
            p.setPen(QPen(grid, 1))
            for i in range(self.side + 1 if cell >= 10 else 0):
                x = r.left() + i * cell
                y = r.top() + i * cell
                p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
                p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        finally:
            p.end()


__all__ = ["BRUSH", "DrawingPadWidget"]
