"""The problems of a CSV file, all at once: counts per kind and a list of where they are.

Fed one :class:`~nnstudio.core.data.CsvProblems` report at a time. The list shows the
first problems of each kind (row, column, what, the cell as found); clicking one emits
:attr:`CsvProblemsView.sigProblemClicked` so the dialog can show it in its preview.
The colours that mark a problem here are the ones the preview uses
(:func:`problem_color`).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.data.csvproblems import ADVICE, ROW_KINDS, CsvProblems, Problem, kind_label

#: what each kind of problem is called in the list
KIND_TITLES = {
    "columns": "wrong number of values",
    "quote": "quoted cell runs over lines",
    "text": "text, not a number",
    "missing": "missing value",
    "infinite": "infinite value",
    "too_large": "number too large",
}


def problem_color(kind: str, widget: QWidget) -> QColor:
    """The background that marks a problem of ``kind``: amber for a whole row, red for
    a cell; translucent, so it reads in light and dark mode."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if kind in ROW_KINDS:
        return QColor(245, 160, 40, 110 if dark else 90)
    return QColor(235, 70, 60, 120 if dark else 80)


def problem_tooltip(p: Problem) -> str:
    """What is wrong with one cell or row, and what to do about it."""
    if p.kind == "columns":
        return f"This row has {p.found} values: {ADVICE['columns']}"
    what = kind_label(p.kind, 1).removeprefix("1 ")
    return f"{what[0].upper()}{what[1:]}: {ADVICE[p.kind]}"


class CsvProblemsView(QWidget):
    """Counts per kind above a list of the first problems of each kind."""

    sigProblemClicked = Signal(int, int)  # file line, column (-1 for a whole row)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.summary)
        self.list = QTableWidget(0, 4)
        self.list.setHorizontalHeaderLabels(["Row", "Column", "Problem", "Cell"])
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().hide()
        self.list.verticalHeader().setDefaultSectionSize(22)
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.list.setColumnWidth(1, 120)
        self.list.setToolTip("The first problems of each kind; click one to see it in the preview")
        self.list.cellClicked.connect(self._clicked)
        lay.addWidget(self.list, 1)
        self._problems: list[Problem] = []

    def show_report(self, report: CsvProblems | None) -> None:
        """Show ``report`` (None or a report without problems: nothing to show)."""
        self._problems = []
        self.list.setRowCount(0)
        if report is None or not report.kinds:
            self.summary.clear()
            self.hide()
            return
        names = report.column_names
        n, rows = report.total, report.bad_rows
        head = (f"<b>{n:,} problem{'s' * (n != 1)} in {rows:,} of {report.n_rows:,} "
                f"row{'s' * (report.n_rows != 1)}</b>")
        chips = []
        listed = 0
        for kind in report.kinds:
            color = problem_color(kind.kind, self)
            chip = f"<span style='background-color:{color.name(QColor.NameFormat.HexArgb)}'>&nbsp;&nbsp;&nbsp;</span>"
            label = html.escape(kind.label).replace(" ", "&nbsp;")  # lines break between kinds only
            chips.append(f"{chip}&nbsp;{label}")
            listed += len(kind.examples)
        more = " (the first of each kind are listed)" if listed < n else ""
        self.summary.setText(f"{head}{more}<br>{' &nbsp; &#8203;'.join(chips)}")
        problems = sorted((p for kind in report.kinds for p in kind.examples), key=lambda p: p.order)
        self._problems = problems
        self.list.setRowCount(len(problems))
        for i, p in enumerate(problems):
            column = "" if p.column is None else names[p.column]
            cell = "" if p.text is None else (p.text if p.text else "(empty)")
            if p.kind == "columns":
                cell = f"{p.found} values, {len(names)} expected"
            items = [QTableWidgetItem(str(p.line)), QTableWidgetItem(column),
                     QTableWidgetItem(KIND_TITLES[p.kind]), QTableWidgetItem(cell)]
            items[0].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            items[2].setBackground(problem_color(p.kind, self))
            tip = problem_tooltip(p)
            for j, item in enumerate(items):
                item.setToolTip(tip)
                self.list.setItem(i, j, item)
        self.show()

    def problem_at(self, row: int) -> Problem | None:
        return self._problems[row] if 0 <= row < len(self._problems) else None

    def _clicked(self, row: int, _column: int) -> None:
        p = self.problem_at(row)
        if p is not None:
            self.sigProblemClicked.emit(p.line, -1 if p.column is None else p.column)


__all__ = ["KIND_TITLES", "CsvProblemsView", "problem_color", "problem_tooltip"]
