"""What every view shares: a title, a caption, snapshot updates and export.

A view is one widget fed by one kind of message: :meth:`ViewBase.show_snapshot`
receives the newest :class:`~nnstudio.core.snapshot.Snapshot` from the controller.
Views never touch the trainer. When training is paused no snapshots arrive, so a view
stays as it is.

Export: right-click → PNG (a grab of the widget), SVG (the widget rendered into a
``QSvgGenerator``; pyqtgraph's own SVG exporter is broken with current Qt) and CSV
(the numbers the view draws, from :meth:`ViewBase.table`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

import numpy as np

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QPainter, QPalette, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QSizePolicy, QVBoxLayout, QWidget

from ...core.data import PreparedData
from ...core.snapshot import Grid, Snapshot


class ViewBase(QWidget):
    """Base class of the views. Subclasses set ``title`` and ``caption`` and implement
    :meth:`show_snapshot` and :meth:`table`."""

    title = "View"
    #: one or two sentences a learner understands: what the picture shows
    caption = ""
    #: while training plays, the shortest time between two redraws (seconds); curves and
    #: heatmaps redraw at 30 Hz, costlier pictures less often. Manual steps always redraw.
    min_interval = 1.0 / 30.0
    #: about what painting one update of the view costs (seconds; measured with
    #: ``bench/bench_views.py`` on this project's machine); the view scheduler spreads
    #: updates so that their paints do not pile up in one pass of the event loop
    paint_cost = 0.002
    #: the caption shows only while the picture keeps at least this height (pixels), so
    #: that on a small screen the plot gets the room; it is the view's tooltip anyway
    caption_room = 240

    sigStatus = Signal(str)  # a short message for the status bar (e.g. hover values)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(type(self).__name__)
        self.snapshot: Snapshot | None = None
        self.data: PreparedData | None = None
        self._grid_inputs: tuple | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(2)
        self.caption_label = QLabel(self.caption)
        self.caption_label.setWordWrap(True)
        self.caption_label.setObjectName("caption")
        self.caption_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.caption_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setToolTip(self.caption)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    # -- to implement -----------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        """Draw what ``snap`` says. Called at most ~60 times a second."""
        self.snapshot = snap

    def set_data(self, data: PreparedData) -> None:
        """The data set changed (points, classes, domain). Views that draw data keep it."""
        self.data = data
        self._grid_inputs = None

    def grid_inputs(self, grid: Grid) -> np.ndarray | None:
        """The network's inputs at every point of a snapshot's grid (feature maps and
        standardisation applied), shape ``(len(ys), len(xs), n_inputs)`` or
        ``(len(xs), n_inputs)`` for 1-D data; computed once per data set and grid.
        None when there is no data or it does not fit the grid (they come from
        different moments while the data is being changed)."""
        data = self.data
        if data is None:
            return None
        key = (id(data), grid.xs.size, grid.ys.size, float(grid.xs[0]), float(grid.xs[-1]),
               float(grid.ys[0]) if grid.ys.size else 0.0, float(grid.ys[-1]) if grid.ys.size else 0.0)
        if self._grid_inputs is None or self._grid_inputs[0] != key:
            if grid.ys.size:
                gx, gy = np.meshgrid(grid.xs, grid.ys)
                raw = np.column_stack([gx.ravel(), gy.ravel()])
                shape: tuple[int, ...] = (grid.ys.size, grid.xs.size)
            else:
                raw = grid.xs[:, None]
                shape = (grid.xs.size,)
            try:
                feats = np.asarray(data.transform(raw), dtype=np.float64).reshape(*shape, -1)
            except Exception:  # noqa: BLE001 - data and grid from different moments
                return None
            self._grid_inputs = (key, feats)
        return self._grid_inputs[1]

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        """The numbers the view currently shows: a header and rows, for CSV export."""
        return (), ()

    def apply_theme(self) -> None:
        """Recolour for the current palette (the system switched between light and dark):
        every pyqtgraph background and axis in the view, then redraw."""
        import pyqtgraph as pg

        from .. import theme

        bg, fg = theme.background(), theme.foreground()
        for view in self.findChildren(pg.GraphicsView):
            view.setBackground(bg)
            for item in view.scene().items():
                if isinstance(item, pg.AxisItem):
                    item.setPen(fg)
                    item.setTextPen(fg)
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)

    def is_shown(self) -> bool:
        """Whether any of the view is on screen. A dock in a background tab still says
        ``isVisible()``, but its visible region is empty."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    # -- layout helpers ---------------------------------------------------------------------
    def add_widget(self, w: QWidget, stretch: int = 0) -> None:
        self._layout.addWidget(w, stretch)

    def add_caption(self) -> None:
        """Put the caption under the view's content."""
        self._layout.addWidget(self.caption_label)

    def set_caption(self, text: str) -> None:
        self.caption_label.setText(text)
        self._fit_caption()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_caption()

    def _fit_caption(self) -> None:
        label = self.caption_label
        if label.parent() is None or not label.text():
            return
        needed = label.heightForWidth(max(1, self.width() - 8))
        label.setVisible(self.height() - needed >= self.caption_room)

    # -- export -----------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> bool:
        return self.grab().save(str(path), "PNG")

    def export_svg(self, path: str | Path) -> bool:
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        size = self.size() if not self.size().isEmpty() else QSize(640, 480)
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        gen.setTitle(self.title)
        gen.setDescription(self.caption)
        painter = QPainter()
        if not painter.begin(gen):
            return False
        try:
            self.render(painter, QPoint())
        finally:
            painter.end()
        return Path(path).exists()

    def export_csv(self, path: str | Path) -> bool:
        header, rows = self.table()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            if header:
                w.writerow(header)
            for row in rows:
                w.writerow([repr(float(v)) if isinstance(v, float) else v for v in row])
        return True

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for label, ext, fn in (("Export image (PNG)…", "png", self.export_png),
                               ("Export image (SVG)…", "svg", self.export_svg),
                               ("Export data (CSV)…", "csv", self.export_csv)):
            act = QAction(label, menu)
            act.triggered.connect(lambda _=False, e=ext, f=fn: self._export_dialog(e, f))
            menu.addAction(act)
        menu.exec(self.mapToGlobal(pos))

    def _export_dialog(self, ext: str, fn) -> None:  # type: ignore[no-untyped-def]
        name = self.title.lower().replace(" ", "_").replace("/", "_")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", f"{name}.{ext}",
                                              f"{ext.upper()} files (*.{ext})")
        if not path:
            return
        try:
            ok = fn(path)
        except OSError as exc:
            ok = False
            # the first line holds no path: Qt reads it to decide whether the text is markup
            QMessageBox.warning(self, "Export failed", f"The file could not be written.\n\n{path}: {exc.strerror or exc}")
            return
        if not ok:
            QMessageBox.warning(self, "Export failed", f"The file could not be written.\n\n{path}")
        else:
            self.sigStatus.emit(f"Saved {path}")
