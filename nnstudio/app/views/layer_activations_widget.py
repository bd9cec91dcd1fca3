"""Each hidden layer's activations for one input, a coloured square per neuron; the
first layer's neurons can be drawn as the image of their weights instead.

Colours: orange below 0, white (grey in a dark theme) at 0, blue above, on a fixed scale
per layer (the caller's, from the training data), so that a colour means the same while
the learner draws. A first-layer neuron's weight image shows which pixels raise its
input (blue) and which lower it (orange); its frame has its activation's colour.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

#: the largest square drawn for a neuron (pixels), and the smallest that is still drawn
MAX_CELL, MIN_CELL = 30, 4


class LayerActivationsWidget(QWidget):
    """``set_layers(values, scales, titles, weight_images)``; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[np.ndarray] = []
        self.scales: list[float] = []
        self.titles: list[str] = []
        self.weight_images: list[QImage] = []
        self._lut = theme.diverging_lut()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(260, 160)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, 60)

    def set_layers(self, values: Sequence[np.ndarray], scales: Sequence[float], titles: Sequence[str],
                   weight_images: Sequence[QImage] = ()) -> None:
        self.values = [np.nan_to_num(np.asarray(v, dtype=np.float64).reshape(-1)) for v in values]
        self.scales = [float(s) if s > 0 else 1.0 for s in scales]
        self.titles = list(titles)
        self.weight_images = list(weight_images)
        self.update()

    def apply_theme(self) -> None:
        self._lut = theme.diverging_lut()
        self.update()

    def color(self, value: float, scale: float) -> QColor:
        t = 0.5 + 0.5 * max(-1.0, min(1.0, value / scale))
        r, g, b, _a = self._lut[int(round(t * (len(self._lut) - 1)))]
        return QColor(int(r), int(g), int(b))

    # -- layout --------------------------------------------------------------------------
    def cell_sizes(self) -> list[int]:
        """The square size of each layer's neurons: the largest that lets every layer fit
        (first-layer weight images twice as large as plain squares); 0 when none fits."""
        line = QFontMetricsF(self.font()).height()
        W, H = self.width(), self.height()
        for s in range(MAX_CELL, MIN_CELL - 1, -1):
            sizes = [min(2 * s, 3 * MAX_CELL) if (i == 0 and self.weight_images) else s
                     for i in range(len(self.values))]
            need = 0.0
            for v, size in zip(self.values, sizes):
                per_row = max(1, W // size)
                need += line + 2 + math.ceil(len(v) / per_row) * size + 4
            if need <= H:
                return sizes
        return [0] * len(self.values)

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, _ev: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        if not self.values:
            return
        fm = QFontMetricsF(self.font())
        line = fm.height()
        sizes = self.cell_sizes()
        fg = theme.foreground()
        y = 0.0
        if not sizes or sizes[-1] == 0:
            p.setPen(fg)
            p.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText("Too many neurons to draw here: make the view larger.",
                                     Qt.TextElideMode.ElideRight, self.width()))
            return
        for i, (v, scale, size) in enumerate(zip(self.values, self.scales, sizes)):
            p.setPen(fg)
            title = self.titles[i] if i < len(self.titles) else f"layer {i + 1}"
            p.drawText(QRectF(0, y, self.width(), line), Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(title, Qt.TextElideMode.ElideRight, self.width()))
            y += line + 2
            per_row = max(1, self.width() // size)
            images = self.weight_images if i == 0 else []
            for j, value in enumerate(v):
                rect = QRectF((j % per_row) * size, y + (j // per_row) * size, size - 1, size - 1)
                color = self.color(float(value), scale)
                if j < len(images):
                    frame = max(2.0, size / 10)
                    p.fillRect(rect, color)
                    p.drawImage(rect.adjusted(frame, frame, -frame, -frame), images[j])
                else:
                    p.fillRect(rect, color)
                    p.setPen(QPen(QColor(theme.muted_text()), 0.5))
                    p.drawRect(rect)
            y += math.ceil(len(v) / per_row) * size + 4


__all__ = ["LayerActivationsWidget"]
