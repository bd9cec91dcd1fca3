"""Import a CSV file: look at its first rows, choose the target column, then load it.

The dialog shows what the loader saw (is the first row a header? which columns?) and
lets the learner pick the column to predict and whether it holds classes. Pressing
Import tries the real load through the document; if the file cannot be used the
loader's message (which names the row and column) is shown in the dialog, the dialog
stays open and the project is not changed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.data import preview_csv
from ...core.data.features import IDENTITY_FEATURES
from ...core.errors import NNStudioError
from ..document import Document
from .widgets import ComboBox, ErrorLabel, caption

PREVIEW_ROWS = 20
PREVIEW_BYTES = 1_000_000
_MEANING = {
    Qt.CheckState.PartiallyChecked: "Automatic: text, or whole numbers with at most 10 different values, "
                                    "are classes; other numbers are values to predict (regression).",
    Qt.CheckState.Checked: "Classes: each different value of the target is a class (classification).",
    Qt.CheckState.Unchecked: "Numbers: the target is a value to predict (regression).",
}


def _data_line_numbers(path: str, has_header: bool, n: int) -> list[int] | None:
    """The 1-based file lines of the first ``n`` data rows (blank lines skipped), as the
    loader counts them in its messages; None if the file cannot be read here."""
    try:
        with open(path, "rb") as f:
            data = f.read(PREVIEW_BYTES)
    except OSError:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="replace")
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip().strip(",;\t").strip()]
    lines = lines[1:] if has_header else lines
    return lines[:n]


class CsvImportDialog(QDialog):
    """Preview ``path``, choose the target, and import it into ``doc`` on OK.

    Attributes a test (or a script) may drive: ``target_combo`` (items are column
    numbers), ``classes_check`` (tri-state: partially checked = automatic),
    ``table``, ``header_label``, ``error`` and ``buttons``.
    """

    def __init__(self, doc: Document, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.path = str(path)
        self.setWindowTitle(f"Import {Path(self.path).name}")
        self.setMinimumWidth(480)
        self.resize(620, 520)

        lay = QVBoxLayout(self)
        name = QLabel(Path(self.path).name)
        f = name.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.1)
        name.setFont(f)
        lay.addWidget(name)
        where = caption(str(Path(self.path).parent))
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(where)

        self.header_label = QLabel()
        self.header_label.setWordWrap(True)
        lay.addWidget(self.header_label)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(90)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip("The first rows of the file; click a column to make it the target")
        self.table.horizontalHeader().sectionClicked.connect(self._column_clicked)
        lay.addWidget(self.table, 1)

        form = QFormLayout()
        self.target_combo = ComboBox()
        self.target_combo.setToolTip("The column the network learns to predict; the others are its inputs")
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        form.addRow("Target column", self.target_combo)
        self.classes_check = QCheckBox("Treat the target as classes")
        self.classes_check.setTristate(True)
        self.classes_check.setCheckState(Qt.CheckState.PartiallyChecked)
        self.classes_check.setToolTip("Click to cycle: automatic (partly ticked) → classes (ticked) → "
                                      "numbers (not ticked)")
        self.classes_check.checkStateChanged.connect(self._classes_changed)
        form.addRow("", self.classes_check)
        self.classes_meaning = caption()
        form.addRow("", self.classes_meaning)
        lay.addLayout(form)

        self.error = ErrorLabel()
        lay.addWidget(self.error)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        self.columns: list[str] = []
        self.line_numbers: list[int] = []
        self._load_preview()
        self._classes_changed()

    # -- the preview ----------------------------------------------------------------------------
    def _load_preview(self) -> None:
        try:
            header, rows = preview_csv(self.path, PREVIEW_ROWS)
        except NNStudioError as exc:
            self.header_label.setText("The file cannot be previewed.")
            self.error.show_message(str(exc))
            self.table.setEnabled(False)
            self.target_combo.setEnabled(False)
            return
        width = len(header) if header is not None else max((len(r) for r in rows), default=0)
        if header is None:
            self.columns = [f"col{j + 1}" for j in range(width)]
            self.header_label.setText(
                f"No header row found: the first row is data. The {width} columns are called "
                f"col1 … col{width}." if width else "No columns found.")
        else:
            self.columns = [c or f"col{j + 1}" for j, c in enumerate(header)]
            self.header_label.setText(
                f"The first row is a header: {width} columns named {', '.join(self.columns)}.")
        self.table.setColumnCount(width)
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(self.columns)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row[:width]):
                self.table.setItem(i, j, QTableWidgetItem(cell))
        # number the rows as the file's lines, which is how error messages name them
        lines = _data_line_numbers(self.path, header is not None, len(rows))
        if lines is None or len(lines) != len(rows):
            first = 2 if header is not None else 1
            lines = list(range(first, first + len(rows)))
        self.line_numbers = lines
        self.table.setVerticalHeaderLabels([str(n) for n in lines])
        self.table.verticalHeader().setToolTip("Line numbers in the file")
        with_blocked = self.target_combo.blockSignals(True)
        for j, c in enumerate(self.columns):
            self.target_combo.addItem(c, j)
        self.target_combo.blockSignals(with_blocked)
        if self.columns:
            self.target_combo.setCurrentIndex(len(self.columns) - 1)  # the loader's default: the last column
            self._target_changed(len(self.columns) - 1)

    def _column_clicked(self, j: int) -> None:
        self.target_combo.setCurrentIndex(j)

    def _target_changed(self, j: int) -> None:
        for k in range(self.table.columnCount()):
            item = self.table.horizontalHeaderItem(k)
            if item is None:
                continue
            font = QFont(self.table.font())
            font.setBold(k == j)
            item.setFont(font)
            item.setText(f"{self.columns[k]} (target)" if k == j else self.columns[k])
        self.table.resizeColumnsToContents()
        for k in range(self.table.columnCount()):
            self.table.setColumnWidth(k, max(60, min(220, self.table.columnWidth(k) + 8)))
        self.error.clear_message()

    def _classes_changed(self, *_args) -> None:
        self.classes_meaning.setText(_MEANING[self.classes_check.checkState()])
        self.error.clear_message()

    # -- the choice ----------------------------------------------------------------------------
    def categorical(self) -> bool | None:
        state = self.classes_check.checkState()
        if state == Qt.CheckState.PartiallyChecked:
            return None
        return state == Qt.CheckState.Checked

    def target_column(self) -> int | None:
        j = self.target_combo.currentData()
        return None if j is None else int(j)

    def _import(self) -> None:
        """Try the load through the document; stay open with the message if it fails."""
        spec = self.doc.data_spec
        try:
            new = replace(spec, source="csv", csv_path=self.path, target_column=self.target_column(),
                          categorical_target=self.categorical(), features=IDENTITY_FEATURES)
            self.doc.edit(f"Import {Path(self.path).name}", data=new)
        except NNStudioError as exc:
            self.error.show_message(str(exc))
            self._select_line(str(exc))
            return
        self.error.clear_message()
        self.accept()

    def _select_line(self, message: str) -> None:
        """Select the row an error message names ("row 7: …"), if it is in the preview."""
        m = re.search(r"\brow (\d+)", message)
        if not m or int(m.group(1)) not in self.line_numbers:
            return
        i = self.line_numbers.index(int(m.group(1)))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.selectRow(i)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.scrollTo(self.table.model().index(i, 0))
