"""How to train: optimizer and its settings, learning rate, schedule, batches,
regularisation, early stopping, seed and precision.

Every change is one undoable edit of the document's :class:`TrainConfig` (changes of
one number in a row merge into one step). Training settings do not rebuild the
network: the main window hands them to the running trainer, which keeps its weights.
Settings that only matter for some choices (β₁ and β₂ for Adam, the batch size for
mini-batches, …) are shown only then.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import NNStudioError
from ...core.number_text import number_text
from ...core.optimizers import OPTIMIZER_INFO
from ...core.specs import OPTIMIZERS, TARGET_METRICS, TrainConfig
from ..document import Document
from ..hat_text import hatted_html
from ..setting_texts import METRIC_TEXTS, STOP_TEXTS
from .widgets import (
    ComboBox,
    DoubleSpinBox,
    ErrorLabel,
    LogControl,
    LogSpinBox,
    OptionalFloatEdit,
    SpinBox,
    WholeNumberBox,
    blocked,
    caption,
    format_number,
    icon,
    section_title,
)

LIVE_HINT = ("Learning rate, optimizer settings and regularisation apply live while training: "
             "the network keeps its weights.")
BATCH_TEXTS = {"full": "Full batch", "sgd": "Stochastic (1 sample)", "minibatch": "Mini-batch"}
#: what a chooser's box shows where the full name (still in its list) is too long for a
#: narrow panel
OPTIMIZER_SHORT = {"sgd": "Gradient descent", "nesterov": "Nesterov"}
BATCH_SHORT = {"sgd": "Stochastic"}
SCHEDULE_TEXTS = {"constant": "Constant", "step": "Step decay", "exponential": "Exponential decay"}
STOP_TIPS = {"off": "Train until you press Pause",
             "patience": "Stop when the validation loss has not improved for a number of epochs",
             "target": "Stop when a metric (accuracy, loss, R²) reaches a value you choose"}
DTYPE_TEXTS = {"float64": "float64 (exact)", "float32": "float32 (faster)"}
#: PyTorch's defaults, shown where a setting is left empty
DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "rho": 0.99}
USES = {
    "momentum": ("momentum", "nesterov"),
    "beta1": ("adam", "adamw"),
    "beta2": ("adam", "adamw"),
    "rho": ("rmsprop",),
    "eps": ("adagrad", "rmsprop", "adam", "adamw"),
    "weight_decay": ("adamw",),
}


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setVerticalSpacing(5)
    form.setContentsMargins(0, 2, 0, 4)
    return form


def _label(text: str, tooltip: str) -> QLabel:
    label = QLabel(text)
    label.setToolTip(tooltip)
    return label


class TrainingPanel(QWidget):
    """The training settings of ``doc``; every change is an undoable edit of ``doc.config``.

    The widgets are public attributes (``optimizer``, ``lr``, ``momentum``, ``beta1``,
    ``beta2``, ``rho``, ``eps``, ``weight_decay``, ``schedule``, ``decay_rate``,
    ``decay_epochs``, ``batch_mode``, ``batch_size``, ``l1``, ``l2``, ``stopping``,
    ``patience``, ``min_delta``, ``restore_best``, ``target_metric``, ``target_value``,
    ``seed``, ``dtype``) and :meth:`is_shown` says whether a setting's row is visible.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("TrainingPanel")
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        body = QWidget()
        body.setMinimumWidth(260)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(2)

        hint_row = QHBoxLayout()
        bolt = QLabel()
        bolt.setPixmap(icon("mdi6.lightning-bolt-outline").pixmap(16, 16))
        bolt.setAlignment(Qt.AlignmentFlag.AlignTop)
        hint_row.addWidget(bolt)
        self.live_hint = caption(LIVE_HINT)
        hint_row.addWidget(self.live_hint, 1)
        lay.addLayout(hint_row)

        self._build_optimizer(lay)
        self._build_schedule(lay)
        self._build_batches(lay)
        self._build_regularisation(lay)
        self._build_stopping(lay)
        self._build_reproducibility(lay)
        lay.addStretch(1)
        self._align_labels()

        doc.sigStateChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------------------ building
    def _row(self, form: QFormLayout, name: str, label: QLabel | str, field: QWidget) -> None:
        form.addRow(label, field)
        self._rows[name] = (form, field)

    def _build_optimizer(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Optimizer"))
        form = _form()
        self.optimizer = ComboBox()
        for key in OPTIMIZERS:
            name, rule = OPTIMIZER_INFO[key]
            self.optimizer.add(name, key, rule, short=OPTIMIZER_SHORT.get(key, ""))
        self.optimizer.currentIndexChanged.connect(self._optimizer_chosen)
        self._row(form, "optimizer", "Optimizer", self.optimizer)
        self.rule = caption()
        self.rule.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rule.setTextFormat(Qt.TextFormat.RichText)  # for the hats of m̂ and v̂ (see _show_rule)
        form.addRow(self.rule)

        self.lr = LogControl(1e-5, 10.0)
        self.lr.setToolTip("The step size η: how far each update moves the weights. The arrows step "
                           "1-2-5; type any value from 0.00001 to 10")
        self.lr.valueChanged.connect(lambda v: self._edit("Learning rate", "config.learning_rate",
                                                          learning_rate=float(v)))
        self._row(form, "learning_rate", _label("Learning rate η", self.lr.toolTip()), self.lr)

        self.momentum = DoubleSpinBox(0.0, 0.999, 0.05, 3)
        self.momentum.setToolTip("μ: how much of the previous step is kept (PyTorch's usual value 0.9)")
        self.momentum.valueChanged.connect(lambda v: self._edit("Momentum", "config.momentum", momentum=float(v)))
        self._row(form, "momentum", _label("Momentum μ", self.momentum.toolTip()), self.momentum)

        self.beta1 = self._optional(form, "beta1", "β₁", "decay of the running mean of the gradient", "β₁")
        self.beta2 = self._optional(form, "beta2", "β₂", "decay of the running mean of the squared gradient", "β₂")
        self.rho = self._optional(form, "rho", "Smoothing α", "RMSProp's decay of the running mean of the "
                                  "squared gradient", "RMSProp α")
        self.eps = self._optional(form, "eps", "ε", "added to the denominator so it is never 0", "ε")

        self.weight_decay = LogSpinBox(1e-5, 1.0, allow_zero=True, zero_text="0 (off)")
        self.weight_decay.setToolTip("AdamW's decoupled weight decay λ: every step shrinks the weights "
                                     "by the factor 1 − η·λ (PyTorch's default 0.01)")
        self.weight_decay.valueChanged.connect(lambda v: self._edit("Weight decay", "config.weight_decay",
                                                                    weight_decay=float(v)))
        self._row(form, "weight_decay", _label("Weight decay λ", self.weight_decay.toolTip()), self.weight_decay)
        lay.addLayout(form)
        self.optimizer_error = ErrorLabel()
        lay.addWidget(self.optimizer_error)

    def _optional(self, form: QFormLayout, field: str, label: str, meaning: str, undo_name: str) -> OptionalFloatEdit:
        edit = OptionalFloatEdit("default")
        edit.setToolTip(f"{label}: {meaning}. Leave empty for PyTorch's default.")
        edit.valueEdited.connect(lambda v: self._edit(undo_name, None, **{field: v}))
        edit.sigInvalid.connect(self.optimizer_error_message)
        self._row(form, field, _label(label, edit.toolTip()), edit)
        return edit

    def optimizer_error_message(self, text: str) -> None:
        self.optimizer_error.show_message(text)

    def _build_schedule(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Learning-rate schedule"))
        form = _form()
        self.schedule = ComboBox()
        for key, text in SCHEDULE_TEXTS.items():
            self.schedule.add(text, key)
        self.schedule.currentIndexChanged.connect(
            lambda i: self._edit(f"Schedule: {self.schedule.itemText(i)}", None, schedule=self.schedule.itemData(i)))
        self._row(form, "schedule", "Schedule", self.schedule)
        self.decay_rate = DoubleSpinBox(0.001, 1.0, 0.05, 3)
        self.decay_rate.setToolTip("γ: the factor the learning rate is multiplied by at each decay")
        self.decay_rate.valueChanged.connect(lambda v: self._edit("Decay γ", "config.decay_rate", decay_rate=float(v)))
        self._row(form, "decay_rate", _label("Decay γ", self.decay_rate.toolTip()), self.decay_rate)
        self.decay_epochs = SpinBox(1, 1_000_000)
        self.decay_epochs.setSuffix(" epochs")
        self.decay_epochs.setToolTip("How many epochs pass between two decays")
        self.decay_epochs.valueChanged.connect(
            lambda v: self._edit("Epochs between decays", "config.decay_epochs", decay_epochs=int(v)))
        self._row(form, "decay_epochs", _label("Every", self.decay_epochs.toolTip()), self.decay_epochs)
        self.schedule_formula = caption()
        form.addRow(self.schedule_formula)
        lay.addLayout(form)
        self.schedule_error = ErrorLabel()
        lay.addWidget(self.schedule_error)

    def _build_batches(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Batches"))
        form = _form()
        self.batch_mode = ComboBox()
        for key, text in BATCH_TEXTS.items():
            self.batch_mode.add(text, key, short=BATCH_SHORT.get(key, ""))
        self.batch_mode.currentIndexChanged.connect(
            lambda i: self._edit(f"Batches: {self.batch_mode.itemText(i)}", None,
                                 batch_mode=self.batch_mode.itemData(i)))
        self._row(form, "batch_mode", "Batch", self.batch_mode)
        self.batch_size = SpinBox(1, 1_000_000)
        self.batch_size.setStepType(SpinBox.StepType.AdaptiveDecimalStepType)
        self.batch_size.setToolTip("Samples per mini-batch; the samples are reshuffled every epoch")
        self.batch_size.valueChanged.connect(lambda v: self._edit("Batch size", "config.batch_size",
                                                                  batch_size=int(v)))
        self._row(form, "batch_size", _label("Batch size", self.batch_size.toolTip()), self.batch_size)
        self.batch_text = caption()
        form.addRow(self.batch_text)
        lay.addLayout(form)
        self.batch_error = ErrorLabel()
        lay.addWidget(self.batch_error)

    def _build_regularisation(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Regularisation"))
        form = _form()
        self.l1 = LogSpinBox(1e-6, 1.0, allow_zero=True)
        self.l1.setToolTip("L1 penalty λ₁·Σ|w| on the weights: pushes weights to exactly 0")
        self.l1.valueChanged.connect(lambda v: self._edit("L1 penalty", "config.l1", l1=float(v)))
        self._row(form, "l1", _label("L1 λ₁", self.l1.toolTip()), self.l1)
        self.l2 = LogSpinBox(1e-6, 1.0, allow_zero=True)
        self.l2.setToolTip("L2 penalty λ₂·Σw² on the weights: keeps weights small")
        self.l2.valueChanged.connect(lambda v: self._edit("L2 penalty", "config.l2", l2=float(v)))
        self._row(form, "l2", _label("L2 λ₂", self.l2.toolTip()), self.l2)
        lay.addLayout(form)
        self.reg_error = ErrorLabel()
        lay.addWidget(self.reg_error)

    def _build_stopping(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Early stopping"))
        form = _form()
        self.stopping = ComboBox()
        for key, text in STOP_TEXTS.items():
            self.stopping.add(text, key, STOP_TIPS[key])
        self.stopping.currentIndexChanged.connect(
            lambda i: self._edit(f"Early stopping: {self.stopping.itemText(i)}", None,
                                 early_stopping=self.stopping.itemData(i)))
        self._row(form, "early_stopping", "Stop", self.stopping)
        self.patience = SpinBox(1, 1_000_000)
        self.patience.setSuffix(" epochs")
        self.patience.setToolTip("Stop when the validation loss has not improved for this many epochs")
        self.patience.valueChanged.connect(lambda v: self._edit("Patience", "config.patience", patience=int(v)))
        self._row(form, "patience", _label("Patience", self.patience.toolTip()), self.patience)
        self.min_delta = DoubleSpinBox(0.0, 100.0, 0.001, 4)
        self.min_delta.setToolTip("A fall of the validation loss smaller than this does not count as an improvement")
        self.min_delta.valueChanged.connect(lambda v: self._edit("Minimum improvement", "config.min_delta",
                                                                 min_delta=float(v)))
        self._row(form, "min_delta", _label("Min. delta", self.min_delta.toolTip()), self.min_delta)
        self.restore_best = QCheckBox("Restore the best weights")
        self.restore_best.setToolTip("When stopping, go back to the weights of the epoch with the lowest "
                                     "validation loss")
        self.restore_best.toggled.connect(lambda on: self._edit("Restore best weights", None, restore_best=bool(on)))
        self._row(form, "restore_best", "", self.restore_best)
        self.target_metric = ComboBox()
        for key in TARGET_METRICS:
            self.target_metric.add(METRIC_TEXTS.get(key, key), key)
        self.target_metric.currentIndexChanged.connect(
            lambda i: self._edit("Target metric", None, target_metric=self.target_metric.itemData(i)))
        self._row(form, "target_metric", "Metric", self.target_metric)
        self.target_value = DoubleSpinBox(-1e6, 1e6, 0.01, 4)
        self.target_value.setToolTip("Stop when the metric reaches this value (accuracy and R² from above, "
                                     "a loss from below)")
        self.target_value.valueChanged.connect(lambda v: self._edit("Target value", "config.target_value",
                                                                    target_value=float(v)))
        self._row(form, "target_value", _label("Reaches", self.target_value.toolTip()), self.target_value)
        lay.addLayout(form)
        self.stop_error = ErrorLabel()
        lay.addWidget(self.stop_error)

    def _build_reproducibility(self, lay: QVBoxLayout) -> None:
        lay.addWidget(section_title("Seed and precision"))
        form = _form()
        seed_row = QHBoxLayout()
        self.seed = WholeNumberBox(0, 2**63 - 1)
        self.seed.setToolTip("Seeds the initial weights, the shuffling and dropout: the same seed gives "
                             "the same run")
        self.seed.valueChanged.connect(lambda v: self._edit("Training seed", "config.seed", seed=int(v)))
        self.new_seed = QToolButton()
        self.new_seed.setIcon(icon("mdi6.dice-5-outline"))
        self.new_seed.setToolTip("A new random seed")
        self.new_seed.clicked.connect(self._random_seed)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_seed)
        holder = QWidget()
        holder.setLayout(seed_row)
        seed_row.setContentsMargins(0, 0, 0, 0)
        self._row(form, "seed", _label("Seed", self.seed.toolTip()), holder)
        self.dtype = ComboBox()
        for key, text in DTYPE_TEXTS.items():
            self.dtype.add(text, key)
        self.dtype.setToolTip("float64 computes exactly like the textbook; float32 is about twice as fast "
                              "and what GPUs use")
        self.dtype.currentIndexChanged.connect(lambda i: self._edit(f"Precision {self.dtype.itemData(i)}", None,
                                                          dtype=self.dtype.itemData(i)))
        self._row(form, "dtype", _label("Precision", self.dtype.toolTip()), self.dtype)
        lay.addLayout(form)
        self.misc_error = ErrorLabel()
        lay.addWidget(self.misc_error)

    def _align_labels(self) -> None:
        """One label width for every section, so the fields line up down the panel."""
        labels = [form.labelForField(field) for form, field in self._rows.values()]
        labels = [lab for lab in labels if lab is not None]
        width = max(lab.sizeHint().width() for lab in labels)
        for lab in labels:
            lab.setMinimumWidth(width)

    # ------------------------------------------------------------------------------ refreshing
    def is_shown(self, name: str) -> bool:
        """Whether the row of setting ``name`` (a TrainConfig field) is shown."""
        form, field = self._rows[name]
        return form.isRowVisible(field)

    def _show_row(self, name: str, visible: bool) -> None:
        form, field = self._rows[name]
        form.setRowVisible(field, visible)

    def refresh(self, *_args) -> None:
        """Show the document's training settings (on every change, undo and redo too),
        each exactly as the run trains with it, also beyond a box's usual range or
        decimals (see :meth:`DoubleSpinBox.show_value`)."""
        c: TrainConfig = self.doc.config
        widgets = (self.optimizer, self.lr, self.momentum, self.weight_decay, self.schedule, self.decay_rate,
                   self.decay_epochs, self.batch_mode, self.batch_size, self.l1, self.l2, self.stopping,
                   self.patience, self.min_delta, self.restore_best, self.target_metric, self.target_value,
                   self.seed, self.dtype)
        with blocked(*widgets):
            self.optimizer.set_current_data(c.optimizer)
            self.lr.setValue(c.learning_rate)
            self.momentum.show_value(c.momentum)
            self.weight_decay.show_value(c.weight_decay)
            self.schedule.set_current_data(c.schedule)
            self.decay_rate.show_value(c.decay_rate)
            self.decay_epochs.show_value(c.decay_epochs)
            self.batch_mode.set_current_data(c.batch_mode)
            self.batch_size.show_value(c.batch_size)
            self.l1.show_value(c.l1)
            self.l2.show_value(c.l2)
            self.stopping.set_current_data(c.early_stopping)
            self.patience.show_value(c.patience)
            self.min_delta.show_value(c.min_delta)
            self.restore_best.setChecked(c.restore_best)
            self.target_metric.set_current_data(c.target_metric)
            self.target_value.show_value(c.target_value)
            self.seed.show_value(c.seed)
            self.dtype.set_current_data(c.dtype)
        for name in ("beta1", "beta2", "rho", "eps"):
            getattr(self, name).setValue(getattr(c, name))
        self.beta1.setPlaceholderText(f"default {DEFAULTS['beta1']:g}")
        self.beta2.setPlaceholderText(f"default {DEFAULTS['beta2']:g}")
        self.rho.setPlaceholderText(f"default {DEFAULTS['rho']:g}")
        # as the app writes numbers (the field also takes 1e-8 typed)
        self.eps.setPlaceholderText(f"default {number_text(1e-10 if c.optimizer == 'adagrad' else 1e-8)}")

        name, rule = OPTIMIZER_INFO[c.optimizer]
        self._show_rule(rule)
        self.optimizer.setToolTip(f"{name}: {rule}")
        for field, users in USES.items():
            self._show_row(field, c.optimizer in users)

        self._show_row("decay_rate", c.schedule != "constant")
        self._show_row("decay_epochs", c.schedule == "step")
        self.schedule_formula.setText({
            "constant": "η stays the same all the time.",
            "step": f"η · γ^⌊epoch / {c.decay_epochs}⌋: multiplied by {format_number(c.decay_rate)} every "
                    f"{c.decay_epochs} epochs.",
            "exponential": f"η · γ^epoch: multiplied by {format_number(c.decay_rate)} every epoch.",
        }[c.schedule])

        self.batch_mode.setToolTip(f"{BATCH_TEXTS[c.batch_mode]}: how many training samples each update looks at")
        self._show_row("batch_size", c.batch_mode == "minibatch")
        n_train = len(self.doc.prepared.train_index)
        size = {"full": n_train, "sgd": 1, "minibatch": min(c.batch_size, n_train)}[c.batch_mode]
        updates = -(-n_train // max(1, size)) if n_train else 0
        self.batch_text.setText(f"Each update uses {size:,} of the {n_train:,} training samples: "
                                f"{updates:,} update{'s' * (updates != 1)} per epoch.")

        stop = c.early_stopping
        for field in ("patience", "min_delta", "restore_best"):
            self._show_row(field, stop == "patience")
        for field in ("target_metric", "target_value"):
            self._show_row(field, stop == "target")

    def _show_rule(self, rule: str) -> None:
        """The update rule, Adam's m̂ and v̂ with their hats drawn (Qt put the combining
        circumflexes of the wrapped rule on the line above, over "m ←" and "β₁m")."""
        self._rule = rule
        color = self.rule.palette().color(self.rule.foregroundRole())
        self.rule.setText(hatted_html(rule, self.rule.font(), color, self.devicePixelRatioF()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and hasattr(self, "_rule"):
            self._show_rule(self._rule)  # the hats in the new text colour (dark appearance)

    # ------------------------------------------------------------------------------ editing
    def _error_label_for(self, changes: dict) -> ErrorLabel:
        key = next(iter(changes))
        if key in ("schedule", "decay_rate", "decay_epochs"):
            return self.schedule_error
        if key in ("batch_mode", "batch_size"):
            return self.batch_error
        if key in ("l1", "l2"):
            return self.reg_error
        if key in ("early_stopping", "patience", "min_delta", "restore_best", "target_metric", "target_value"):
            return self.stop_error
        if key in ("seed", "dtype"):
            return self.misc_error
        return self.optimizer_error

    def _edit(self, text: str, merge_key: str | None, **changes) -> None:
        error = self._error_label_for(changes)
        try:
            self.doc.edit_config(text, merge_key, **changes)
        except NNStudioError as exc:
            error.show_message(str(exc))
            self.refresh()  # the widgets show the document's value again
            return
        error.clear_message()

    def _optimizer_chosen(self, i: int) -> None:
        key = self.optimizer.itemData(i)
        self._edit(f"Optimizer: {OPTIMIZER_INFO[key][0]}", None, optimizer=key)

    def _random_seed(self) -> None:
        import random

        self._edit("New training seed", None, seed=random.randrange(0, 2**31 - 1))
