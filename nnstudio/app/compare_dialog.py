"""Compare… : the dialog where the learner says how run B differs from run A.

One row per setting a lesson compares (learning rate, optimizer and its momentum, batch
mode and size, the hidden layers' activation, initialiser and dropout, L1, L2, the hidden
layer sizes, the seed, and the loss or two-class output where the task has a choice).
Each row shows A's present value; changing B's editor ticks the row, and only ticked rows
are B's changes (unticking puts A's value back). A line below holds the same changes as
text in the syntax of :class:`~nnstudio.core.run_changes.RunChanges` (``lr=0.3
optimizer=adam``); it follows the form, and what is typed there fills the form, so the
learner may use either, and settings without a row (``beta1``, ``schedule`` …) can be
typed. A preview names B's legend and says whether B goes on from A's weights or starts
from new ones; anything that cannot be B's settings is said there, and OK stays disabled.

The dialog only reads the document's present settings: after ``exec()``,
:meth:`CompareDialog.changes_text` is what the window hands to the engine
(``Comparison.fork``).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.activations import ACTIVATIONS
from ..core.errors import NNStudioError, SpecError
from ..core.initializers import INIT_NAMES
from ..core.memory import check_memory
from ..core.optimizers import OPTIMIZER_INFO
from ..core.run_changes import ALIASES, RunChanges
from ..core.safetext import bounded
from ..core.specs import BATCH_MODES, INITIALIZERS, LOSSES_BY_TASK, OPTIMIZERS, NetworkSpec, TrainConfig
from .compare_presets import PRESETS
from .compare_rows import ChoiceRow, SettingRow, TextRow, show_controls
from .compare_text import (
    BATCH_NAMES,
    LOSS_NAMES,
    SHORT_KEYS,
    changes_text,
    present_value,
    start_note,
    value_text,
)
from .panels.widgets import caption, error_color

QWIDGETSIZE_MAX = (1 << 24) - 1
#: room left for a window frame and title bar when fitting the dialog to the screen
FRAME_ALLOWANCE = 48
#: the form keeps at least this height (pixels) on the smallest screens, scrolling
MIN_FORM_HEIGHT = 160
EMPTY_HINT = "Change one or more settings of run B, or choose a quick change."
SAME_AS_A = "B would train exactly as A: give at least one setting another value."
TEXT_HELP = ("The same changes as text, setting=value separated by spaces. Any training setting may be typed "
             "(beta1=0.95, schedule=step …); per-layer values take commas: dropout=0,0.2.")
MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")


def _wrapping(label: QLabel) -> QLabel:
    """``label`` with its height following its width (a size policy set after
    ``setWordWrap`` drops that, and the layout then sizes it for a narrow guess)."""
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(label.wordWrap())
    label.setSizePolicy(policy)
    return label


class CompareDialog(QDialog):
    """``CompareDialog(spec, config, parent)``: B's changes to A's network ``spec`` and
    training settings ``config``; after ``exec()``, :meth:`changes_text`.

    Parameters
    ----------
    spec, config : NetworkSpec, TrainConfig
        Run A's present settings (the task decides which losses are offered).
    iteration : int
        A's present iteration (said in the preview when B needs new weights).
    data_sizes : (int, int) or None
        The numbers of training and validation samples; when given, a B whose training
        would need more memory than allowed is refused here, as the designer refuses it.
    initial : str
        Changes to start from (e.g. the last comparison's), in RunChanges syntax.
    """

    sigChanged = Signal(bool)  # whether the present changes are valid

    def __init__(self, spec: NetworkSpec, config: TrainConfig, parent: QWidget | None = None, *,
                 iteration: int = 0, data_sizes: tuple[int, int] | None = None, initial: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare: run B")
        self.spec = spec
        self.config = config
        self.iteration = int(iteration)
        self.data_sizes = data_sizes
        self._changes: RunChanges | None = None
        self._extra: tuple[tuple[str, Any], ...] = ()  # typed changes that have no row
        self.rows: dict[str, SettingRow] = {}

        outer = QVBoxLayout(self)
        outer.setSpacing(6)
        intro = QLabel("Run B starts as a copy of run A with the settings you change; then both train side by side.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        middle = QWidget()
        columns = QHBoxLayout(middle)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.addWidget(self._form(), 1)
        columns.addWidget(self._preset_bar())
        # on a small screen the form and the quick changes scroll; the text, the preview
        # and the buttons stay in sight
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll.setWidget(middle)
        self.form_scroll.setMinimumWidth(middle.sizeHint().width()
                                         + self.form_scroll.verticalScrollBar().sizeHint().width())
        outer.addWidget(self.form_scroll, 1)

        text_row = QHBoxLayout()
        text_label = QLabel("&Changes:")
        self.text = QLineEdit()
        self.text.setObjectName("changes")
        self.text.setPlaceholderText("e.g. lr=0.3 optimizer=adam")
        self.text.setToolTip(TEXT_HELP)
        self.text.setClearButtonEnabled(True)
        text_label.setBuddy(self.text)
        text_row.addWidget(text_label)
        text_row.addWidget(self.text, 1)
        outer.addLayout(text_row)
        outer.addWidget(_wrapping(caption(TEXT_HELP)))
        outer.addWidget(self._preview())

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Start run B")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        outer.addStretch(1)
        outer.addWidget(self.buttons)

        for row in self.rows.values():
            row.check.clicked.connect(lambda on, r=row: self._ticked(r, on))
            row.edited.connect(lambda *_, r=row: self._edited(r))
        self.text.textEdited.connect(self._typed)
        self._set_tab_order()
        for w in self._fields():
            w.installEventFilter(self)

        if initial:
            self.text.setText(initial)
            self._typed(initial)
        else:
            self._from_form()
        # the wrapped texts' height follows the width: size the dialog for its own width
        # rather than for Qt's narrow guess
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._fit_to_screen()
        self._fitted_on_show = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        # once shown, the style has polished every widget: fit again with their real sizes
        if not self._fitted_on_show:
            self._fitted_on_show = True
            self._fit_to_screen()
        super().showEvent(event)

    def _fit_to_screen(self) -> None:
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        self.fit_height(screen.availableGeometry().height() - FRAME_ALLOWANCE if screen is not None else 10**6)

    def fit_height(self, available: int) -> None:
        """Make the dialog at most ``available`` pixels tall (a small screen) by letting
        the form scroll; otherwise the form is shown whole."""
        form_height = self.form_scroll.widget().sizeHint().height()
        self.form_scroll.setMinimumHeight(form_height)
        self.form_scroll.setMaximumHeight(QWIDGETSIZE_MAX)
        self.layout().activate()
        hint = self.sizeHint()
        if hint.height() > available:
            self.form_scroll.setFixedHeight(max(MIN_FORM_HEIGHT, form_height - (hint.height() - available)))
            self.layout().activate()
            hint = self.sizeHint()
        self.setMinimumSize(hint)
        self.resize(hint)

    # ------------------------------------------------------------------ building
    def _preset_bar(self) -> QWidget:
        bar = QWidget()
        column = QVBoxLayout(bar)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(QLabel("Quick changes"))
        self.preset_buttons: dict[str, QPushButton] = {}
        for text, tip, make in PRESETS:
            button = QPushButton(text)
            button.setObjectName(f"preset:{text}")
            button.setAutoDefault(False)
            changes = make(self.spec, self.config)
            button.setEnabled(changes is not None)
            button.setToolTip(tip if changes is not None else tip + " (A already does)")
            button.clicked.connect(lambda _=False, c=changes: self.apply_preset(c or {}))
            self.preset_buttons[text] = button
            column.addWidget(button)
        column.addSpacing(8)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("preset:clear")
        self.clear_button.setAutoDefault(False)
        self.clear_button.setToolTip("No changes: every row back to A's value")
        self.clear_button.clicked.connect(self.clear)
        column.addWidget(self.clear_button)
        column.addStretch(1)
        return bar

    def _form(self) -> QWidget:
        spec, config = self.spec, self.config
        rows: list[SettingRow] = [
            TextRow("learning_rate", "Learning rate η", "Step size η of every update (> 0), e.g. 0.3",
                     config.learning_rate),
            ChoiceRow("optimizer", "Optimizer", "How B turns gradients into weight updates", config.optimizer,
                       [(OPTIMIZER_INFO[k][0], k) for k in OPTIMIZERS]),
            TextRow("momentum", "Momentum μ", "μ of momentum and Nesterov, at least 0 and below 1",
                     config.momentum),
            ChoiceRow("batch_mode", "Batch mode", "How many samples each update averages", config.batch_mode,
                       [(BATCH_NAMES[k], k) for k in BATCH_MODES]),
            TextRow("batch_size", "Batch size", "Samples per mini-batch (a whole number ≥ 1)", config.batch_size),
            ChoiceRow("activation", "Activation (hidden)", "The activation of every hidden layer",
                       present_value("activation", spec, config) if spec.hidden else "tanh",
                       [(a.name, k) for k, a in ACTIVATIONS.items()]),
            ChoiceRow("init", "Initialiser (hidden)", "How every hidden layer's weights are drawn (new weights)",
                       present_value("init", spec, config) if spec.hidden else "glorot_uniform",
                       [(INIT_NAMES[k], k) for k in INITIALIZERS]),
            TextRow("dropout", "Dropout (hidden)",
                     "Probability of dropping each hidden output while training, from 0 to below 1; "
                     "one value, or one per layer: 0,0.2", present_value("dropout", spec, config) if spec.hidden
                     else 0.0),
            TextRow("l1", "L1 penalty λ₁", "λ₁ of λ₁·Σ|w| on the weights (≥ 0)", config.l1),
            TextRow("l2", "L2 penalty λ₂", "λ₂ of λ₂·Σw² on the weights (≥ 0)", config.l2),
            TextRow("hidden", "Hidden layers", "Neurons per hidden layer, e.g. 8,8 or 16 (none: no hidden layer);"
                     " another architecture gets new weights", present_value("hidden", spec, config)),
            TextRow("seed", "Seed", "Seeds B's new initial weights, shuffling and dropout (a whole number ≥ 0)",
                     config.seed),
        ]
        losses = LOSSES_BY_TASK.get(spec.task, ())
        if len(losses) > 1:
            title = "Output (two classes)" if spec.task == "binary" else "Loss"
            rows.append(ChoiceRow("loss", title, "The output layer and loss B learns with (a new output layer "
                                   "gets new weights)" if spec.task == "binary" else "The loss B minimises",
                                   spec.loss, [(LOSS_NAMES[k], k) for k in losses]))
        if not spec.hidden:
            for row in rows:
                if row.key in ("activation", "init", "dropout"):
                    row.a_label.setText("no hidden layer")

        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(3)
        for col, heading in enumerate(("Change", "Run A now", "Run B")):
            label = QLabel(heading)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            grid.addWidget(label, 0, col)
        for r, row in enumerate(rows, start=1):
            self.rows[row.key] = row
            grid.addWidget(row.check, r, 0)
            grid.addWidget(row.a_label, r, 1)
            grid.addWidget(row.editor, r, 2)
            row.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        grid.setColumnStretch(2, 1)
        grid.setColumnMinimumWidth(2, 220)
        return box

    def _preview(self) -> QWidget:
        box = QFrame()
        box.setObjectName("preview")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(box)
        lay.setSpacing(2)
        self.legend = QLabel()
        self.legend.setObjectName("legend")
        self.legend.setTextFormat(Qt.TextFormat.PlainText)
        font = self.legend.font()
        font.setBold(True)
        self.legend.setFont(font)
        self.legend.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("note")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        pal = self.error.palette()
        pal.setColor(QPalette.ColorRole.WindowText, error_color(self.error))
        self.error.setPalette(pal)
        for w in (self.legend, self.note, self.error):
            lay.addWidget(_wrapping(w))
        lay.addStretch(1)
        # room for the legend and a two-line note or message, so the dialog does not jump
        line = self.note.fontMetrics().lineSpacing()
        box.setMinimumHeight(3 * line + 2 * lay.spacing() + lay.contentsMargins().top() * 2)
        return box

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # Cancel becomes the default button once Tab passes over it (Qt's auto-default)
        # and stays so: Enter in a field must mean OK again
        if event.type() == QEvent.Type.FocusIn:
            self.ok_button.setDefault(True)
        return super().eventFilter(watched, event)

    def _fields(self) -> list[QWidget]:
        fields: list[QWidget] = []
        for row in self.rows.values():
            fields += [row.check, row.editor]
        return fields + [self.text]

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = []
        for row in self.rows.values():
            chain += [row.check, row.editor]
        chain += [*self.preset_buttons.values(), self.clear_button]
        chain += [self.text, self.ok_button, self.buttons.button(QDialogButtonBox.StandardButton.Cancel)]
        for a, b in zip(chain, chain[1:]):
            self.setTabOrder(a, b)
        first = next((r.editor for r in self.rows.values()), self.text)
        first.setFocus()

    # ------------------------------------------------------------------ the learner's edits
    def _edited(self, row: SettingRow) -> None:
        if isinstance(row, TextRow):
            show_controls(row.edit)
        row.set_checked(row.differs())
        self._from_form()

    def _ticked(self, row: SettingRow, on: bool) -> None:
        if not on:
            row.reset()
        row.set_checked(on)
        self._from_form()
        if on:
            row.editor.setFocus()

    def _typed(self, text: str) -> None:
        """Fill the form from the text where it can: every pair that reads fills its row,
        one that does not is shown in its row as typed; settings without a row stay in the text."""
        text = show_controls(self.text)
        if not text.strip():
            self._extra = ()
            self._show_rows({})
            self._evaluate((), empty_ok=True)
            return
        try:
            changes = RunChanges.parse(text)
        except SpecError as exc:
            self._show_pairs(text)
            self._refuse(str(exc))
            return
        self._show_rows(dict(changes.items))
        self._extra = tuple((k, v) for k, v in changes.items if k not in self.rows)
        self._evaluate(changes.items)

    def _show_pairs(self, text: str) -> None:
        """Show in the form what can be read of a text that does not read as a whole."""
        if len(text) > 2000:  # RunChanges refuses it whole; do not spend time on its pairs
            return
        raw: dict[str, str] = {}
        for pair in (p for p in re.split(r"[\s;]+", text.strip()) if p):
            key, _, value = pair.partition("=")
            key = ALIASES.get(key.lower(), key.lower())
            if key in self.rows and key not in raw:
                raw[key] = value
        for key, row in self.rows.items():
            if key in raw:
                row.set_raw(raw[key])
                row.set_checked(True)
                row.set_error(not self._reads(row))
            else:
                row.reset()
                row.set_error(False)

    @staticmethod
    def _reads(row: SettingRow) -> bool:
        try:
            row.value()
        except SpecError:
            return False
        return True

    def _show_rows(self, values: dict[str, Any]) -> None:
        for key, row in self.rows.items():
            row.set_error(False)
            if key in values:
                row.set_raw(value_text(values[key]))
                row.set_checked(True)
            else:
                row.reset()
                row.set_checked(False)

    def apply_preset(self, values: dict[str, Any]) -> None:
        """Tick the rows of ``values`` and give them these values (other changes stay)."""
        for key, value in values.items():
            row = self.rows[key]
            row.set_raw(value_text(value))
            row.set_checked(True)
        self._from_form()

    def clear(self) -> None:
        """No changes: every row back to A's value, the text empty."""
        self._extra = ()
        self._show_rows({})
        self._from_form()

    def _from_form(self) -> None:
        """B's changes from the ticked rows (and typed settings without a row), written
        into the text line."""
        items: list[tuple[str, Any]] = []
        words: list[str] = []
        problem: tuple[SettingRow, str] | None = None
        for row in self.rows.values():
            row.set_error(False)
            if not row.check.isChecked():
                continue
            try:
                items.append((row.key, row.value()))
                words.append(changes_text(RunChanges((items[-1],))))
            except SpecError as exc:
                problem = problem or (row, str(exc))
                words.append(f"{SHORT_KEYS.get(row.key, row.key)}={row.normalised()}")
        extra = [(k, v) for k, v in self._extra if k not in self.rows]
        items += extra
        words += [changes_text(RunChanges((item,))) for item in extra]
        self.text.setText(" ".join(words))
        if problem is not None:
            problem[0].set_error(True)
            self._refuse(problem[1])
            return
        self._evaluate(tuple(items), empty_ok=True)

    # ------------------------------------------------------------------ judging
    def _evaluate(self, items: tuple[tuple[str, Any], ...], empty_ok: bool = False) -> None:
        """Check B's settings, say what B will be, and enable OK only for valid changes."""
        if not items and empty_ok:
            self._changes = None
            self._say("", EMPTY_HINT, "")
            self._update_usable()
            self._set_valid(False)
            return
        try:
            changes = RunChanges(tuple(items))
            spec_b, config_b = changes.apply(self.spec, self.config)
            if (spec_b, config_b) == (self.spec, self.config):
                raise SpecError(SAME_AS_A)
            if self.data_sizes is not None:
                check_memory(spec_b, config_b, *self.data_sizes)
        except NNStudioError as exc:
            self._mark_culprit(items)
            self._refuse(str(exc))
            return
        self._changes = changes
        self._say(changes.label(self.spec, self.config),
                  start_note(changes, self.spec, self.config, spec_b, config_b, self.iteration), "")
        self._update_usable()
        self._set_valid(True)

    def _mark_culprit(self, items: tuple[tuple[str, Any], ...]) -> None:
        """Colour the first row whose change alone cannot be applied."""
        for key, value in items:
            if key not in self.rows:
                continue
            try:
                RunChanges(((key, value),)).apply(self.spec, self.config)
            except SpecError:
                self.rows[key].set_error(True)
                return

    def _refuse(self, message: str) -> None:
        self._changes = None
        self._say("", "", bounded(message))
        self._update_usable()
        self._set_valid(False)

    def _say(self, legend: str, note: str, error: str) -> None:
        for label, text in ((self.legend, legend), (self.note, note), (self.error, error)):
            label.setText(text)
            label.setVisible(bool(text))
        # a long message may need more lines than the preview has: grow rather than clip
        layout = self.layout()
        if layout is not None and self.isVisible():
            layout.activate()
            needed = layout.totalHeightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)

    def _set_valid(self, valid: bool) -> None:
        self.ok_button.setEnabled(valid)
        self.sigChanged.emit(valid)

    def _update_usable(self) -> None:
        """Grey out what B would not use: μ unless B uses momentum, the batch size unless
        B trains on mini-batches, the hidden layers' settings when B has none."""
        def chosen(key: str) -> str:
            row = self.rows[key]
            return row.raw() if row.check.isChecked() else value_text(row.a_value)

        optimizer = chosen("optimizer")
        self.rows["momentum"].set_usable(optimizer in MOMENTUM_OPTIMIZERS,
                                         "Only momentum and Nesterov use μ; change the optimizer first")
        self.rows["batch_size"].set_usable(chosen("batch_mode") == "minibatch",
                                           "Only mini-batches have a size; choose the mini-batch mode first")
        hidden_row = self.rows["hidden"]
        try:
            has_hidden = bool(hidden_row.value()) if hidden_row.check.isChecked() else bool(self.spec.hidden)
        except SpecError:
            has_hidden = bool(self.spec.hidden)
        for key in ("activation", "init", "dropout"):
            self.rows[key].set_usable(has_hidden, "The network has no hidden layer; add some under Hidden layers")

    def _accept_if_valid(self) -> None:
        if self._changes is not None:
            self.accept()

    # ------------------------------------------------------------------ results
    @property
    def is_valid(self) -> bool:
        return self._changes is not None

    def changes(self) -> RunChanges | None:
        """B's changes, or None while the form or text holds something invalid (or nothing)."""
        return self._changes

    def changes_text(self) -> str:
        """B's changes in the canonical text :meth:`RunChanges.parse` (and
        ``Comparison.fork``) reads back exactly; empty while they are not valid."""
        return changes_text(self._changes) if self._changes is not None else ""


__all__ = ["CompareDialog", "PRESETS"]
