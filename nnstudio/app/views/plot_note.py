"""Words over a plot that has nothing to draw yet.

A plot whose curves start with the first iteration is an empty frame before it (a new
network, a reset, a rewind to 0). A learner must not be left with a blank frame:
:class:`PlotNote` says what will appear there, centred in the plot's box, in the
longest of its wordings that fits the box (a plot in a dock may be a few dozen pixels
high), and goes away when there is something to draw.
"""

from __future__ import annotations

import html
from typing import Sequence

import pyqtgraph as pg
from PySide6.QtGui import QTextOption

#: grey reads on light and dark backgrounds alike (as the loss view's empty frame)
NOTE_COLOR = "#808080"
#: pixels kept free between the words and the edges of the plot's box
MARGIN = 8


class PlotNote(pg.TextItem):
    """A note in the middle of ``plot``'s box, in the longest of ``wordings`` (longest
    first) whose wrapped lines fit the box; hidden until :meth:`show_note`."""

    def __init__(self, plot: pg.PlotItem, wordings: Sequence[str]) -> None:
        super().__init__(anchor=(0.5, 0.5))
        if not wordings:
            raise ValueError("a note needs at least one wording")
        self._plot = plot
        self._wordings = tuple(wordings)
        #: the wording drawn now ("" while hidden)
        self._shown = ""
        self.setZValue(90)
        self.setVisible(False)
        plot.addItem(self, ignoreBounds=True)
        plot.vb.sigResized.connect(self._fit)
        plot.vb.sigRangeChanged.connect(self._centre)

    @property
    def shown_text(self) -> str:
        """The wording on screen; "" while the note is hidden."""
        return self._shown if self.isVisible() else ""

    def show_note(self, on: bool) -> None:
        """Show the note (the plot has nothing to draw) or hide it."""
        if on == self.isVisible():
            return
        self.setVisible(on)
        if on:
            self._fit()

    def _set_wording(self, text: str, width: float) -> bool:
        """Draw ``text`` wrapped to ``width`` pixels at spaces only; whether it fits the
        plot's box (no word wider than the box, no more lines than its height holds)."""
        if text != self._shown:
            self._shown = text
            self.setHtml(f"<div align='center' style='color: {NOTE_COLOR}'>{html.escape(text)}</div>")
            option = self.textItem.document().defaultTextOption()
            option.setWrapMode(QTextOption.WrapMode.WordWrap)  # "No gradient / s yet" was drawn
            self.textItem.document().setDefaultTextOption(option)
        self.setTextWidth(width)
        document = self.textItem.document()
        height = self._plot.vb.boundingRect().height()
        return document.idealWidth() <= width + 0.5 and self.textItem.boundingRect().height() <= height - MARGIN

    def _fit(self) -> None:
        if not self.isVisible():
            return
        box = self._plot.vb.boundingRect()
        width = max(40.0, box.width() - 2 * MARGIN)
        for text in self._wordings:
            if self._set_wording(text, width):
                break
        self._centre()

    def _centre(self) -> None:
        (x0, x1), (y0, y1) = self._plot.vb.viewRange()
        self.setPos(0.5 * (x0 + x1), 0.5 * (y0 + y1))


__all__ = ["PlotNote"]
