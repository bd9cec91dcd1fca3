"""The network view's drawing surface: a QGraphicsView that hands resizes, hover,
clicks and tooltips to its :class:`~nnstudio.app.views.network_view.NetworkView`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView, QToolTip

if TYPE_CHECKING:
    from .network_view import NetworkView


class NetworkCanvas(QGraphicsView):
    """The graphics view: forwards resizes, hover, clicks and tooltips to the NetworkView."""

    def __init__(self, owner: "NetworkView") -> None:
        super().__init__()
        self.owner = owner
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._press: QPoint | None = None
        self.viewport().installEventFilter(self)

    def resizeEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().resizeEvent(ev)
        self.owner._relayout()

    def mouseMoveEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.owner._hover(self.mapToScene(ev.position().toPoint()))
        super().mouseMoveEvent(ev)

    def leaveEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self.owner._hover(None)
        super().leaveEvent(ev)

    def mousePressEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        self._press = ev.position().toPoint() if ev.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(ev)

    def mouseReleaseEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        super().mouseReleaseEvent(ev)
        pos = ev.position().toPoint()
        if (ev.button() == Qt.MouseButton.LeftButton and self._press is not None
                and (pos - self._press).manhattanLength() <= 4):
            self.owner._click(self.mapToScene(pos))
        self._press = None

    def eventFilter(self, obj, ev: QEvent) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
        # tooltips are made when asked for, from the snapshot shown at that moment
        if obj is self.viewport() and ev.type() == QEvent.Type.ToolTip:
            text = self.owner.tooltip_at(self.mapToScene(ev.pos()))  # type: ignore[attr-defined]
            if text:
                QToolTip.showText(ev.globalPos(), text, self.viewport())  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(obj, ev)
