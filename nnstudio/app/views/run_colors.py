"""The colours and names of the two runs of a comparison, alike in every view.

Run A keeps each view's own colours; run B is drawn in one contrasting hue (orange,
told apart from the blue family by the common forms of colour blindness) and with a
dashed line where a view draws curves, so the two stay apart in grey print too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

#: run A's and run B's colours where a view draws both runs in one plot
RUN_A_COLOR = QColor("#1f77b4")
RUN_B_COLOR = QColor("#e8710a")
#: run B's curves are dashed
RUN_B_STYLE = Qt.PenStyle.DashLine


def run_color(run: str) -> QColor:
    """``"A"`` or ``"B"`` → its colour (a copy, safe to change)."""
    return QColor(RUN_B_COLOR if run == "B" else RUN_A_COLOR)


__all__ = ["RUN_A_COLOR", "RUN_B_COLOR", "RUN_B_STYLE", "run_color"]
