"""The hardest samples: the ones with the highest loss, highest first, following training.

A table of the training (or validation) samples the network finds hardest now: each
one's index, target, the network's prediction and its loss, computed from the
snapshot's weights exactly as the engine computes them (:mod:`.sample_errors`).
Misclassified samples carry a cross. Clicking a training sample's row (or pressing
Enter on it) makes it the step inspector's sample
(:attr:`HardestSamplesView.sigSampleClicked`, the decision view's signal too).
"""

from __future__ import annotations

import time
from typing import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QWidget,
)

from ...core.data import PreparedData
from ...core.snapshot import Snapshot
from .axes import number_text
from .base import ViewBase
from .placeholder_stack import WAITING_FIRST, WAITING_NEW_DATA, PlaceholderStack
from .sample_errors import SampleErrors, data_errors, fits

TRAINING = "training"
VALIDATION = "validation"

AnyIndex = QModelIndex | QPersistentModelIndex

#: what the list will show, said while there is none yet
WILL_SHOW = " Then the samples it finds hardest are listed here, highest loss first."


class HardestSamplesModel(QAbstractTableModel):
    """The rows of texts the table shows. One ``dataChanged`` per update: a table of
    items that each announce their change costs a hundred times as much."""

    COLUMNS = ("Index", "Target", "Prediction", "Loss")
    TIPS = ("The sample's index in its set (the step inspector's #)", "", "",
            "The sample's loss at the current weights, as the engine computes it")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str, str]] = []

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        if len(rows) != len(self.rows):
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
        elif rows != self.rows:
            self.rows = rows
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.COLUMNS) - 1))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's names
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS[section] or None
        return None


class HardestSamplesView(ViewBase):
    """The samples with the highest loss at the current weights, in a table."""

    title = "Hardest samples"
    caption = ("The samples the network finds hardest right now: highest loss first (✕: it gets them "
               "wrong). Click a training sample to follow it in the step inspector.")
    caption_room = 200
    #: a forward pass of the whole set per redraw, and a table a person reads: 4 a second
    min_interval = 0.25
    paint_cost = 0.003
    #: the rows shown
    ROWS = 50

    #: a training sample's row was clicked: its index in the training set
    sigSampleClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: the set listed: "training" or "validation"
        self.which = TRAINING
        #: the errors of the training and validation sets at the shown weights
        self.errors: tuple[SampleErrors, SampleErrors] | None = None
        #: the sample indices listed, row by row
        self.order: list[int] = []
        self._inspected: int | None = None

        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Samples of the"))
        self.set_combo = QComboBox()
        self.set_combo.addItem("training set", TRAINING)
        self.set_combo.addItem("validation set", VALIDATION)
        self.set_combo.setToolTip("Training samples can be followed in the step inspector; validation "
                                  "samples are never trained on")
        self.set_combo.currentIndexChanged.connect(self._on_set_chosen)
        row.addWidget(self.set_combo)
        #: a summary: how many are wrong, the mean loss
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.summary, 1)
        self.add_widget(bar)

        self.model = HardestSamplesModel(self)
        self.list_table = QTableView()
        self.list_table.setModel(self.model)
        self.list_table.verticalHeader().setVisible(False)
        # rows as tall as the text needs: more of the list fits in a short tab
        self.list_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.list_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_table.setAlternatingRowColors(True)
        header = self.list_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, self.fontMetrics().horizontalAdvance("#00000") + 12)
        self.list_table.setMinimumSize(160, 100)
        self.list_table.clicked.connect(lambda index: self._row_chosen(index.row()))
        self.list_table.activated.connect(lambda index: self._row_chosen(index.row()))
        #: the list, or in its place why there is none (no weights yet, an empty set)
        self.placeholder = PlaceholderStack(self.list_table)
        self.add_widget(self.placeholder, 1)
        self.placeholder.say(WAITING_FIRST + WILL_SHOW)
        self.add_caption()

    # -- public ---------------------------------------------------------------------------
    def set_data(self, data: PreparedData) -> None:
        super().set_data(data)
        self.errors = None
        self.order = []
        self._inspected = None
        has_val = len(data.X_val) > 0
        item = self.set_combo.model().item(1)  # type: ignore[attr-defined]
        item.setEnabled(has_val)
        if not has_val and self.which == VALIDATION:
            self.set_combo.setCurrentIndex(0)
        self.model.set_rows([])
        if self.snapshot is not None:
            self.show_snapshot(self.snapshot)
        else:
            self._say(WAITING_FIRST + WILL_SHOW)

    def show_snapshot(self, snap: Snapshot) -> None:
        super().show_snapshot(snap)
        data = self.data
        if data is None or not fits(snap, data):
            # no data yet, or a snapshot of the network for other data: the next one will fit
            self.errors = None
            self._say(WAITING_FIRST + WILL_SHOW if data is None else WAITING_NEW_DATA + WILL_SHOW)
            return
        t0 = time.perf_counter()
        self.errors = data_errors(snap, data)
        # a forward pass of both whole sets: with large data, less often while training
        self.min_interval = max(type(self).min_interval, 10 * (time.perf_counter() - t0))
        self._fill()

    def set_set(self, which: str) -> None:
        """List the ``"training"`` or the ``"validation"`` set's samples."""
        i = self.set_combo.findData(which)
        if i >= 0:
            self.set_combo.setCurrentIndex(i)

    def set_inspected_sample(self, index: int | None) -> None:
        """Select the row of training sample ``index`` (the inspector's), when listed."""
        self._inspected = None if index is None else int(index)
        self._select_inspected()

    def table(self) -> tuple[Sequence[str], Sequence[Sequence[float | str]]]:
        errors = self._shown_errors()
        if errors is None:
            return (), ()
        names = self.data.class_names if self.data is not None else ()
        rows = [[i, errors.target_text(i, names), errors.prediction_text(i, names), float(errors.loss[i])]
                for i in self.order]
        return ("index", "target", "prediction", "loss"), rows

    # -- drawing ----------------------------------------------------------------------------------
    def _shown_errors(self) -> SampleErrors | None:
        if self.errors is None:
            return None
        return self.errors[0] if self.which == TRAINING else self.errors[1]

    def _on_set_chosen(self, index: int) -> None:
        self.which = str(self.set_combo.itemData(index))
        self._fill()

    def _fill(self) -> None:
        errors = self._shown_errors()
        data = self.data
        if errors is None or data is None:
            return
        if len(errors) == 0:
            self._say(f"There are no {self.which} samples."
                      + (" The data keeps none aside: Validation is 0 % in the Data panel."
                         if self.which == VALIDATION else ""))
            return
        self.placeholder.show_content()
        self.order = [int(i) for i in errors.hardest(self.ROWS)]
        names = data.class_names
        n_wrong = int(errors.wrong.sum())
        if errors.task == "regression":
            self.summary.setText(f"highest loss first; mean loss {number_text(float(errors.loss.mean()))}")
        else:
            self.summary.setText(f"highest loss first; {n_wrong} of {len(errors)} wrong")
        rows = []
        for i in self.order:
            wrong = bool(errors.wrong[i]) and errors.task != "regression"
            rows.append((f"#{i}", errors.target_text(i, names),
                         ("✕ " if wrong else "") + errors.prediction_text(i, names), errors.loss_text(i)))
        self.model.set_rows(rows)
        self._select_inspected()

    def _say(self, text: str) -> None:
        """No list to show: say why in its place."""
        self.model.set_rows([])
        self.order = []
        self.summary.setText("")
        self.placeholder.say(text)

    def _select_inspected(self) -> None:
        # selecting emits no clicked/activated: nothing is sent back to the inspector
        k = self._inspected
        if self.which == TRAINING and k is not None and k in self.order:
            self.list_table.selectRow(self.order.index(k))
        else:
            self.list_table.clearSelection()

    def _row_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.order):
            return
        index = self.order[row]
        if self.which != TRAINING:
            self.sigStatus.emit(f"Validation sample #{index}: the network never trains on it, so the step "
                                "inspector cannot follow it. Choose the training set to follow a sample.")
            return
        self._inspected = index
        self.sigSampleClicked.emit(index)
        self.sigStatus.emit(f"Training sample #{index}: the step inspector follows it from the next iteration "
                            "that uses it.")


__all__ = ["HardestSamplesView"]
