"""Editing the network where it is drawn, as in TensorFlow Playground.

A :class:`LayersHeader` above the drawing adds or removes hidden layers; a
:class:`LayerStepper` above each hidden layer's column shows its neuron count between
"−" and "+". Neither changes anything itself: the network view turns their clicks
into requests (signals) that the window applies to the document, so the designer
panel, undo and the memory budget see every edit the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from ..panels.layer_cards import MAX_UNITS
from ..panels.widgets import icon

#: side of a stepper's "−" and "+" buttons, in pixels
BUTTON = 15.0


class LayerStepper(QGraphicsItem):
    """"− n +" above hidden layer ``layer``'s column: its neuron count and the buttons
    that ask for one neuron fewer or more.

    Placed by its top centre. ``vertical`` stacks "+", the count and "−" for narrow
    columns. :meth:`part_at` says which button a scene point is on.
    """

    def __init__(self, layer: int, font: QFont) -> None:
        super().__init__()
        self.layer = layer
        self.units = 1
        self.font_ = font
        self.vertical = False
        self.hovered: str | None = None
        self._rect = QRectF()
        self.setZValue(30)
        self.setAcceptHoverEvents(False)  # the canvas tracks the mouse for the whole scene
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._relayout()

    # -- state -------------------------------------------------------------------------------------
    def set_units(self, units: int) -> None:
        if units != self.units:
            self.units = units
            self._relayout()

    def set_vertical(self, vertical: bool) -> None:
        if vertical != self.vertical:
            self.vertical = vertical
            self._relayout()

    def set_hovered(self, part: str | None) -> None:
        if part != self.hovered:
            self.hovered = part
            self.update()

    def can_remove(self) -> bool:
        return self.units > 1

    def can_add(self) -> bool:
        return self.units < MAX_UNITS

    # -- geometry ------------------------------------------------------------------------------
    def _text_width(self) -> float:
        fm = QFontMetricsF(self.font_)
        return max(fm.horizontalAdvance(str(self.units)), fm.horizontalAdvance("88")) + 4

    def _relayout(self) -> None:
        self.prepareGeometryChange()
        tw = self._text_width()
        line = QFontMetricsF(self.font_).height()
        if self.vertical:
            w = max(BUTTON, tw)
            self._rect = QRectF(-w / 2, 0, w, 2 * BUTTON + line)
        else:
            w = 2 * BUTTON + tw
            self._rect = QRectF(-w / 2, 0, w, BUTTON)
        self.update()

    def width(self) -> float:
        return self._rect.width()

    def height(self) -> float:
        return self._rect.height()

    def horizontal_width(self) -> float:
        """The width this stepper needs side by side (for choosing its layout)."""
        return 2 * BUTTON + self._text_width()

    def minus_rect(self) -> QRectF:
        r = self._rect
        if self.vertical:
            return QRectF(-BUTTON / 2, r.bottom() - BUTTON, BUTTON, BUTTON)
        return QRectF(r.left(), 0, BUTTON, BUTTON)

    def plus_rect(self) -> QRectF:
        r = self._rect
        if self.vertical:
            return QRectF(-BUTTON / 2, 0, BUTTON, BUTTON)
        return QRectF(r.right() - BUTTON, 0, BUTTON, BUTTON)

    def text_rect(self) -> QRectF:
        r = self._rect
        if self.vertical:
            return QRectF(r.left(), BUTTON, r.width(), r.height() - 2 * BUTTON)
        return QRectF(r.left() + BUTTON, 0, r.width() - 2 * BUTTON, BUTTON)

    def part_at(self, scene_pt: QPointF) -> str | None:
        """"+" or "-" when ``scene_pt`` is on that button, else None."""
        pt = self.mapFromScene(scene_pt)
        if self.plus_rect().contains(pt):
            return "+"
        if self.minus_rect().contains(pt):
            return "-"
        return None

    def button_center(self, part: str) -> QPointF:
        """The centre of button ``part`` ("+" or "-") in scene coordinates."""
        return self.mapToScene((self.plus_rect() if part == "+" else self.minus_rect()).center())

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect.adjusted(-1, -1, 1, 1)

    # -- painting --------------------------------------------------------------------------------
    def paint(self, p: QPainter, _opt, _w=None) -> None:  # type: ignore[no-untyped-def]
        pal = QGuiApplication.palette()
        fg = pal.color(QPalette.ColorRole.ButtonText)
        for part, rect, enabled in (("-", self.minus_rect(), self.can_remove()), ("+", self.plus_rect(),
                                                                                   self.can_add())):
            p.setOpacity(1.0 if enabled else 0.35)
            hovered = enabled and self.hovered == part
            border = pal.color(QPalette.ColorRole.Highlight) if hovered else pal.color(QPalette.ColorRole.Mid)
            p.setPen(QPen(border, 1.5 if hovered else 1.0))
            p.setBrush(pal.color(QPalette.ColorRole.Button))
            box = rect.adjusted(1, 1, -1, -1)
            p.drawRoundedRect(box, 3, 3)
            # the glyph as lines: crisp at any font size
            c = box.center()
            h = box.width() * 0.27
            p.setPen(QPen(fg, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            p.drawLine(QPointF(c.x() - h, c.y()), QPointF(c.x() + h, c.y()))
            if part == "+":
                p.drawLine(QPointF(c.x(), c.y() - h), QPointF(c.x(), c.y() + h))
        p.setOpacity(1.0)
        p.setPen(pal.color(QPalette.ColorRole.WindowText))
        p.setFont(self.font_)
        p.drawText(self.text_rect(), Qt.AlignmentFlag.AlignCenter, str(self.units))


class LayersHeader(QWidget):
    """"[+] [−] 2 hidden layers": the line above the drawing that adds a hidden layer
    (after the last one) or removes the last one."""

    sigAdd = Signal()
    sigRemove = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 0, 2, 0)
        row.setSpacing(2)
        self.plus = self._button("mdi6.plus", "Add a hidden layer after the last one")
        self.minus = self._button("mdi6.minus", "Remove the last hidden layer")
        self.plus.clicked.connect(self.sigAdd)
        self.minus.clicked.connect(self.sigRemove)
        self.label = QLabel()
        self.hint = QLabel()
        self.hint.setMinimumWidth(0)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._hint_text = ""
        self.hint.setObjectName("hint")
        self.hint.setStyleSheet("QLabel#hint { color: palette(mid); }")
        row.addWidget(self.plus)
        row.addWidget(self.minus)
        row.addSpacing(4)
        row.addWidget(self.label)
        row.addSpacing(10)
        row.addWidget(self.hint, 1)
        self.set_layers(0)

    @staticmethod
    def _button(name: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setIcon(icon(name))
        b.setToolTip(tip)
        b.setAutoRaise(False)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # the keys stay with training
        return b

    def set_layers(self, n: int) -> None:
        self.label.setText(f"{n} hidden layer{'s' * (n != 1)}")
        self.minus.setEnabled(n > 0)

    def set_hint(self, text: str) -> None:
        self._hint_text = text
        self.hint.setToolTip(text)
        self._fit_hint()

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self._fit_hint()

    def _fit_hint(self) -> None:
        # the hint is the first thing to give way when the view is narrow: whole or not at all
        fm = self.hint.fontMetrics()
        fits = fm.horizontalAdvance(self._hint_text) <= self.hint.width()
        self.hint.setText(self._hint_text if fits else "")

    def apply_theme(self) -> None:
        self.plus.setIcon(icon("mdi6.plus"))
        self.minus.setIcon(icon("mdi6.minus"))


__all__ = ["BUTTON", "LayerStepper", "LayersHeader"]
