"""File › Save as lesson…: a title, an introduction and steps, written in the app.

The dialog only collects the text and three choices (start from the current weights;
keep the classroom restrictions; keep run B of an open comparison as step 1's comparison); :mod:`.lesson_writer` makes the file and the window
adds it to the Lessons menu. Steps are a list on the left and the chosen step's title
and text on the right, so a lesson of many steps stays one screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.safetext import isolate, printable
from .lesson_writer import COMPARE_CHOICE, MAX_TITLE, StepText
from .panels.widgets import ErrorLabel

MARKUP_HINT = ("Text may use the lessons' markup: **bold**, *italic*, `code`, and a blank line between "
               "paragraphs.")


class SaveLessonDialog(QDialog):
    """Collects a lesson's text. ``folder`` is shown as where the lesson goes;
    ``comparison_label`` is run B's legend when a comparison is open ("" when none).

    "Save lesson" emits :attr:`sigSave`; whoever writes the file calls ``accept()`` when it
    is written, or :meth:`show_error` (the dialog stays open, nothing typed is lost).
    """

    sigSave = Signal()

    def __init__(self, folder: str, has_restrictions: bool, parent: QWidget | None = None,
                 comparison_label: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as lesson")
        self.steps: list[StepText] = [StepText("Step 1")]
        self._current = -1
        outer = QVBoxLayout(self)
        where = QLabel(f"The lesson keeps the current network, data, training settings and workspace, "
                       f"and is saved in your lessons folder ({isolate(folder)}); it then appears in the Lessons "
                       "menu.")
        where.setTextFormat(Qt.TextFormat.PlainText)  # a folder's name is never markup
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(where)

        form = QFormLayout()
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("lesson_title_edit")
        self.title_edit.setMaxLength(MAX_TITLE)
        self.title_edit.setPlaceholderText("e.g. Too large a learning rate")
        form.addRow("Title", self.title_edit)
        self.intro_edit = QPlainTextEdit()
        self.intro_edit.setObjectName("lesson_intro_edit")
        self.intro_edit.setPlaceholderText("What the lesson is about, and what to look at first")
        self.intro_edit.setTabChangesFocus(True)
        self.intro_edit.setFixedHeight(90)
        form.addRow("Introduction", self.intro_edit)
        outer.addLayout(form)

        steps_row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Steps"))
        self.step_list = QListWidget()
        self.step_list.setObjectName("lesson_step_list")
        self.step_list.currentRowChanged.connect(self._show_step)
        left.addWidget(self.step_list, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add step")
        self.add_button.clicked.connect(self.add_step)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_step)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        steps_row.addLayout(left, 1)
        right = QFormLayout()
        self.step_title = QLineEdit()
        self.step_title.setObjectName("lesson_step_title_edit")
        self.step_title.setMaxLength(MAX_TITLE)
        self.step_title.textEdited.connect(self._step_edited)
        right.addRow("Step title", self.step_title)
        self.step_text = QPlainTextEdit()
        self.step_text.setObjectName("lesson_step_text_edit")
        self.step_text.setPlaceholderText("What to do in this step, and what to look for")
        self.step_text.setTabChangesFocus(True)
        self.step_text.textChanged.connect(self._step_edited)
        right.addRow("Text", self.step_text)
        hint = QLabel(MARKUP_HINT)
        hint.setWordWrap(True)
        right.addRow(hint)
        steps_row.addLayout(right, 2)
        outer.addLayout(steps_row, 1)

        self.weights_box = QCheckBox("Start from the current weights (else new weights from the seed)")
        self.weights_box.setChecked(True)
        outer.addWidget(self.weights_box)
        self.classroom_box = QCheckBox("Keep the classroom restrictions (hidden and locked controls)")
        self.classroom_box.setChecked(has_restrictions)
        self.classroom_box.setEnabled(has_restrictions)
        outer.addWidget(self.classroom_box)
        # the legend goes on a line of its own that wraps: a checkbox's text would not, and
        # a legend of 120 characters would widen the dialog beyond a small screen
        self.compare_box = QCheckBox(f"{COMPARE_CHOICE} beside run A: its button starts both from the lesson's start"
                                     if comparison_label else
                                     f"{COMPARE_CHOICE} beside run A (no comparison is open; Training › Compare… "
                                     "makes one)")
        self.compare_box.setObjectName("lesson_compare_box")
        self.compare_box.setChecked(bool(comparison_label))
        self.compare_box.setEnabled(bool(comparison_label))
        outer.addWidget(self.compare_box)
        self.compare_note = QLabel(f"Run {isolate(printable(comparison_label, 120))}")
        self.compare_note.setTextFormat(Qt.TextFormat.PlainText)  # a label read from a file is no markup
        self.compare_note.setWordWrap(True)
        self.compare_note.setContentsMargins(self.compare_box.iconSize().width() + 10, 0, 0, 0)
        self.compare_note.setVisible(bool(comparison_label))
        self.compare_box.toggled.connect(self.compare_note.setEnabled)
        outer.addWidget(self.compare_note)
        self.error = ErrorLabel()
        outer.addWidget(self.error)

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save lesson")
        box.accepted.connect(self.sigSave)
        box.rejected.connect(self.reject)
        outer.addWidget(box)
        self._refill(0)
        self.resize(760, 560)

    # -- steps ------------------------------------------------------------------------------
    def _refill(self, select: int) -> None:
        self._current = -1
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for k, step in enumerate(self.steps):
            self.step_list.addItem(QListWidgetItem(f"{k + 1}. {isolate(step.title)}"))
        self.step_list.blockSignals(False)
        self.step_list.setCurrentRow(select)
        self._show_step(select)
        self.remove_button.setEnabled(len(self.steps) > 1)

    def _show_step(self, row: int) -> None:
        if not 0 <= row < len(self.steps):
            return
        self._current = -1  # the fields are being filled, not edited
        self.step_title.setText(self.steps[row].title)
        self.step_text.setPlainText(self.steps[row].text)
        self._current = row

    def _step_edited(self, *_args: object) -> None:
        k = self._current
        if not 0 <= k < len(self.steps):
            return
        self.steps[k] = StepText(self.step_title.text(), self.step_text.toPlainText())
        item = self.step_list.item(k)
        if item is not None:
            item.setText(f"{k + 1}. {isolate(self.steps[k].title)}")

    def add_step(self) -> None:
        self.steps.append(StepText(f"Step {len(self.steps) + 1}"))
        self._refill(len(self.steps) - 1)
        self.step_title.setFocus()
        self.step_title.selectAll()

    def remove_step(self) -> None:
        k = self.step_list.currentRow()
        if len(self.steps) > 1 and 0 <= k < len(self.steps):
            del self.steps[k]
            self._refill(min(k, len(self.steps) - 1))

    # -- result -----------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.title_edit.text()

    @property
    def intro(self) -> str:
        return self.intro_edit.toPlainText()

    def show_error(self, text: str) -> None:
        """Why the lesson could not be saved (the dialog stays open)."""
        self.error.show_message(text)


__all__ = ["SaveLessonDialog"]
