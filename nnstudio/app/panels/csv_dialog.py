"""Import a CSV file: look at its first rows and at every problem, choose the target, load it.

On opening, the dialog shows the first rows of the file at once (the first megabyte
is enough) and reads the whole file: on the GUI thread when it is small, else in the
background (:class:`~nnstudio.app.csv_loader.CsvLoader`) with a progress bar and a
Stop button, while the dialog stays usable. Once read, every problem is shown
together: counts per kind, a list of where they are, and the bad cells of the preview
marked (:mod:`.csv_problems_view`). Changing the target column or "classes" shows the
problems of that choice at once, without reading the file again.

Import refuses a file with problems, naming the first one, unless "Skip the rows with
problems" is ticked; then the good rows are loaded and the edit says how many were
skipped. The loaded rows go into the document with the CSV's settings (it does not
read the file again), as one undoable edit; if that fails, the message is shown, the
dialog stays open and the project is not changed.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.data import CsvProblems, CsvTable, Dataset, preview_records, read_csv_table
from ...core.data.csvload import MAX_BYTES
from ...core.data.csvparse import MAX_COLUMNS
from ...core.data.csvproblems import ROW_KINDS
from ...core.data.features import IDENTITY_FEATURES
from ...core.errors import NNStudioError
from ...core.safetext import printable
from ..csv_loader import CsvLoader
from ..document import Document
from .csv_problems_view import CsvProblemsView, problem_color, problem_tooltip
from .widgets import ComboBox, ErrorLabel, caption

PREVIEW_ROWS = 20
#: files up to this size are read at once on the GUI thread (a few tens of milliseconds)
SYNC_BYTES = 1_000_000
#: tables up to this many cells are turned into a data set on the GUI thread
SYNC_CELLS = 200_000
#: preview columns shown at most (all of them can still be chosen as the target)
PREVIEW_COLUMNS = 200
_MEANING = {
    Qt.CheckState.PartiallyChecked: "Automatic: text, or whole numbers with at most 10 different values, "
                                    "are classes; other numbers are values to predict (regression).",
    Qt.CheckState.Checked: "Classes: each different value of the target is a class (classification).",
    Qt.CheckState.Unchecked: "Numbers: the target is a value to predict (regression).",
}


class CsvImportDialog(QDialog):
    """Preview ``path``, show its problems, choose the target, and import it into ``doc``.

    Attributes a test (or a script) may drive: ``target_combo`` (items are column
    numbers), ``classes_check`` (tri-state: partially checked = automatic), ``table``
    (the preview), ``problems`` (a :class:`CsvProblemsView`), ``skip_check``,
    ``progress``, ``stop_button``, ``header_label``, ``error`` and ``buttons``; and,
    once the file is read, ``csv`` (the :class:`CsvTable`) and ``report`` (the
    :class:`CsvProblems` of the current choice). ``skipped_rows`` says how many rows
    the import left out.
    """

    def __init__(self, doc: Document, path: str, parent: QWidget | None = None,
                 *, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(parent)
        self.doc = doc
        self.path = str(path)
        self.max_bytes = max_bytes
        name = printable(Path(self.path).name, 80)
        self.setWindowTitle(f"Import {name}")
        self.setMinimumWidth(520)
        self.resize(760, 640)

        self.csv: CsvTable | None = None
        self.report: CsvProblems | None = None
        self.skipped_rows = 0
        self.columns: list[str] = []
        self.line_numbers: list[int] = []
        self._loader: CsvLoader | None = None
        self._job: int | None = None
        self._job_kind = ""
        self._marked: list[tuple[int, int]] = []

        lay = QVBoxLayout(self)
        title = QLabel(name)
        f = title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.1)
        title.setFont(f)
        lay.addWidget(title)
        where = caption(printable(str(Path(self.path).parent), 200))
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

        self.problems = CsvProblemsView()
        self.problems.sigProblemClicked.connect(self._show_problem)
        self.problems.hide()
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.problems)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)

        status = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Reading the file… %p%")
        self.progress.setTextVisible(True)
        status.addWidget(self.progress, 1)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop reading the file")
        self.stop_button.clicked.connect(self._stop_or_retry)
        status.addWidget(self.stop_button)
        self.status = QWidget()
        self.status.setLayout(status)
        status.setContentsMargins(0, 0, 0, 0)
        self.status.hide()
        lay.addWidget(self.status)

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
        self.skip_check = QCheckBox()
        self.skip_check.setToolTip("Load only the rows without problems; the others are left out")
        self.skip_check.toggled.connect(lambda _on: self.error.clear_message())
        self.skip_check.hide()
        form.addRow("", self.skip_check)
        lay.addLayout(form)

        self.error = ErrorLabel()
        lay.addWidget(self.error)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        self._classes_changed()
        if self._load_preview():
            self._read()

    # -- the preview ----------------------------------------------------------------------------
    def _load_preview(self) -> bool:
        try:
            preview = preview_records(self.path, PREVIEW_ROWS)
        except NNStudioError as exc:
            self._cannot_read(str(exc), "The file cannot be previewed.")
            return False
        header, rows = preview.header, preview.rows
        width = len(header) if header is not None else max((len(c) for _, c in rows), default=0)
        shown = min(width, PREVIEW_COLUMNS)
        if header is None:
            self.columns = [f"col{j + 1}" for j in range(width)]
            self.header_label.setText(
                f"No header row found: the first row is data. The {width} columns are called "
                f"col1 … col{width}." if width else "No columns found.")
        else:
            self.columns = [printable(c, 100) or f"col{j + 1}" for j, c in enumerate(header)]
            listed = ", ".join(self.columns[:30]) + (f", … ({width} in all)" if width > 30 else "")
            self.header_label.setText(f"The first row is a header: {width} columns named {listed}.")
        self.table.setColumnCount(shown)
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(self.columns[:shown])
        for i, (_line, cells) in enumerate(rows):
            for j, cell in enumerate(cells[:shown]):
                self.table.setItem(i, j, QTableWidgetItem(printable(cell, 200)))
        # number the rows as the file's lines, which is how problems name them
        self.line_numbers = [line for line, _ in rows]
        self.table.setVerticalHeaderLabels([str(n) for n in self.line_numbers])
        self.table.verticalHeader().setToolTip("Line numbers in the file")
        with_blocked = self.target_combo.blockSignals(True)
        for j, c in enumerate(self.columns[:MAX_COLUMNS]):  # a file with more is refused anyway
            self.target_combo.addItem(c, j)
        self.target_combo.blockSignals(with_blocked)
        if self.columns:
            last = min(len(self.columns), MAX_COLUMNS) - 1
            self.target_combo.setCurrentIndex(last)  # the loader's default: the last column
            self._target_changed(last)
        return True

    def _cannot_read(self, message: str, headline: str) -> None:
        self.header_label.setText(headline)
        self.error.show_message(message)
        self.table.setEnabled(False)
        self.target_combo.setEnabled(False)
        self.classes_check.setEnabled(False)
        self.import_button.setEnabled(False)

    # -- reading the whole file -----------------------------------------------------------------------
    def _read(self) -> None:
        try:
            size = os.stat(self.path).st_size
        except OSError:
            size = self.max_bytes + 1  # let the loader say what is wrong
        self.import_button.setEnabled(False)
        if size <= SYNC_BYTES:
            try:
                table = read_csv_table(self.path, max_bytes=self.max_bytes)
            except NNStudioError as exc:
                self._read_failed(str(exc))
                return
            self._table_ready(table)
            return
        self._start_job("read", self._ensure_loader().read_table(self.path, self.max_bytes),
                        "Reading the file… %p%")

    def _ensure_loader(self) -> CsvLoader:
        if self._loader is None:
            self._loader = CsvLoader(self)
            self._loader.sigProgress.connect(self._on_progress)
            self._loader.sigDone.connect(self._on_done)
            self._loader.sigFailed.connect(self._on_failed)
            self._loader.sigCancelled.connect(self._on_cancelled)
        return self._loader

    def _start_job(self, kind: str, job: int, text: str) -> None:
        self._job, self._job_kind = job, kind
        self.progress.setFormat(text)
        self.progress.setValue(0)
        if kind == "build":
            self.progress.setRange(0, 0)  # busy: building has no steps to count
        else:
            self.progress.setRange(0, 1000)
        self.stop_button.setText("Stop")
        self.stop_button.setVisible(kind == "read")
        self.status.show()
        self.error.clear_message()

    def _on_progress(self, job: int, fraction: float) -> None:
        if job == self._job and self._job_kind == "read":
            self.progress.setValue(round(1000 * fraction))

    def _on_done(self, job: int, result: object) -> None:
        if job != self._job:
            return
        kind, self._job = self._job_kind, None
        self.status.hide()
        if kind == "read":
            assert isinstance(result, CsvTable)
            self._table_ready(result)
        elif kind == "build":
            assert isinstance(result, Dataset)
            self._apply(result)

    def _on_failed(self, job: int, message: str) -> None:
        if job != self._job:
            return
        kind, self._job = self._job_kind, None
        self.status.hide()
        if kind == "read":
            self._read_failed(message)
        else:
            self._set_busy(False)
            self.error.show_message(message)

    def _on_cancelled(self, job: int) -> None:
        if job != self._job:
            return
        self._job = None
        self._set_busy(False)
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Stopped")
        self.stop_button.setText("Read again")
        self.stop_button.show()
        self.error.show_message("Reading the file was stopped; nothing was imported.")

    def _stop_or_retry(self) -> None:
        if self._job is not None and self._loader is not None:
            self._loader.cancel(self._job)
            self.stop_button.setEnabled(False)  # until the job says it stopped
            self.progress.setFormat("Stopping…")
            return
        self.stop_button.setEnabled(True)
        self.error.clear_message()
        self._read()

    def _read_failed(self, message: str) -> None:
        self.csv = None
        self.import_button.setEnabled(False)
        self.error.show_message(message)

    def _table_ready(self, table: CsvTable) -> None:
        self.csv = table
        self.stop_button.setEnabled(True)
        self.import_button.setEnabled(True)
        self._update_problems()

    # -- problems of the current choice ----------------------------------------------------------------
    def _update_problems(self) -> None:
        if self.csv is None:
            return
        try:
            report = self.csv.problems(self.target_column(), self.categorical())
        except NNStudioError as exc:
            self.report = None
            self.problems.show_report(None)
            self.error.show_message(str(exc))
            return
        self.report = report
        self.problems.show_report(report)
        self._mark(report)
        skippable = report.bad_rows > 0 and report.fatal is None
        self.skip_check.setVisible(skippable)
        if skippable:
            n, good = report.bad_rows, report.good_rows
            self.skip_check.setText(f"Skip the {n:,} row{'s' * (n != 1)} with problems "
                                    f"(load the other {good:,})")
        else:
            self.skip_check.setChecked(False)
        if report.fatal:
            self.error.show_message(report.fatal)
        else:
            self.error.clear_message()

    def _mark(self, report: CsvProblems) -> None:
        """Mark the preview's bad cells (and rows) with colour and a tooltip."""
        for i, j in self._marked:
            item = self.table.item(i, j)
            if item is not None:
                item.setBackground(QBrush())
                item.setToolTip("")
        self._marked = []
        rows = {line: i for i, line in enumerate(self.line_numbers)}
        for p in report.early:
            i = rows.get(p.line)
            if i is None:
                continue
            columns = range(self.table.columnCount()) if p.kind in ROW_KINDS else [p.column]
            for j in columns:
                if j is None or j >= self.table.columnCount():
                    continue
                item = self.table.item(i, j)
                if item is None:
                    item = QTableWidgetItem("")
                    self.table.setItem(i, j, item)
                item.setBackground(problem_color(p.kind, self))
                item.setToolTip(problem_tooltip(p))
                self._marked.append((i, j))

    def _show_problem(self, line: int, column: int) -> None:
        """Select a problem's cell (or row) in the preview, if it is there."""
        if line not in self.line_numbers:
            return
        i = self.line_numbers.index(line)
        if column < 0 or column >= self.table.columnCount():
            self._select_row(i)
            return
        self.table.setCurrentCell(i, column)
        self.table.scrollTo(self.table.model().index(i, column))

    # -- the choice ------------------------------------------------------------------------------------
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
        self._update_problems()

    def _classes_changed(self, *_args) -> None:
        self.classes_meaning.setText(_MEANING[self.classes_check.checkState()])
        self.error.clear_message()
        self._update_problems()

    def categorical(self) -> bool | None:
        state = self.classes_check.checkState()
        if state == Qt.CheckState.PartiallyChecked:
            return None
        return state == Qt.CheckState.Checked

    def target_column(self) -> int | None:
        j = self.target_combo.currentData()
        return None if j is None else int(j)

    # -- importing ---------------------------------------------------------------------------------------
    def _import(self) -> None:
        """Refuse with the first problem, or load (perhaps skipping bad rows) and apply."""
        if self.csv is None or self._job is not None:
            return
        report = self.report
        skip = not self.skip_check.isHidden() and self.skip_check.isChecked()
        if report is not None and report.total and not skip:
            self.error.show_message(report.message())
            self._select_line(report.message())
            return
        target, categorical = self.target_column(), self.categorical()
        if self.csv.n_rows * max(1, self.csv.width) <= SYNC_CELLS:
            try:
                dataset = self.csv.dataset(target, categorical, skip_bad_rows=skip)
            except NNStudioError as exc:
                self.error.show_message(str(exc))
                self._select_line(str(exc))
                return
            self._apply(dataset)
            return
        self._set_busy(True)
        job = self._ensure_loader().build_dataset(self.csv, target, categorical, skip)
        self._start_job("build", job, "Preparing the data…")

    def _set_busy(self, busy: bool) -> None:
        for w in (self.import_button, self.target_combo, self.classes_check, self.skip_check):
            w.setEnabled(not busy)

    def _apply(self, dataset: Dataset) -> None:
        """Put the loaded rows into the document as one undoable edit; stay open if refused."""
        self._set_busy(False)
        skipped = self.csv.n_rows - dataset.n_samples if self.csv is not None else 0
        text = f"Import {printable(Path(self.path).name, 60)}"
        if skipped:
            text += f" ({skipped:,} row{'s' * (skipped != 1)} with problems skipped)"
        try:
            new = replace(self.doc.data_spec, source="csv", csv_path=self.path,
                          target_column=self.target_column(), categorical_target=self.categorical(),
                          features=IDENTITY_FEATURES)
            self.doc.edit(text, data=new, inline=dataset)
        except NNStudioError as exc:
            self.error.show_message(str(exc))
            return
        self.skipped_rows = skipped
        self.error.clear_message()
        self.accept()

    def _select_line(self, message: str) -> None:
        """Select the row an error message names ("row 7: …"), if it is in the preview."""
        m = re.search(r"\brow (\d+)", message)
        if not m or int(m.group(1)) not in self.line_numbers:
            return
        self._select_row(self.line_numbers.index(int(m.group(1))))

    def _select_row(self, i: int) -> None:
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.selectRow(i)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.scrollTo(self.table.model().index(i, 0))

    # -- closing ---------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop any background job and its thread, and wait for it."""
        if self._loader is not None:
            self._loader.shutdown()

    def done(self, result: int) -> None:  # noqa: D102 - QDialog's
        self.shutdown()
        super().done(result)
