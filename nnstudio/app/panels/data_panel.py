"""The data: built-in sets with thumbnails (drawn in :mod:`.data_thumbnails`), real data, CSV import,
painted points, settings.

Every change is one undoable edit of the :class:`~nnstudio.app.document.Document`;
the panel shows the document's state again after any change (undo and redo too).

Painting your own points
------------------------
"Paint points" (under *Your own data*) turns the current 2-D data into editable points (the
document's ``inline`` data set, ``source="inline"``). The clicks happen on the
decision-boundary view; the main window connects its ``sigPointAdded(x, y, label)``
and ``sigPointRemoved(index)`` to :meth:`DataPanel.add_point` and
:meth:`DataPanel.remove_point`, and puts the view into paint mode when
:attr:`DataPanel.sigPaintModeChanged` says so.

The document only holds data it can train on: at least 4 points, and for
classification two classes. Points painted from scratch (after "Clear points", or when
the current data is not 2-D) are kept as a *draft* in the panel until they reach that;
:attr:`DataPanel.sigDraftChanged` hands the draft (a :class:`Dataset`, or None when
there is none) to whoever draws the points meanwhile.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.data import BUNDLED, GENERATORS, Dataset
from ...core.data.features import IDENTITY_FEATURES
from ...core.data.generators import BINARY_CLASS_NAMES
from ...core.errors import NNStudioError
from ...core.safetext import isolate
from .. import theme
from ..csv_folder import csv_start_folder, remember_csv_folder
from ..document import Document
from .csv_dialog import CsvImportDialog
from .data_thumbnails import THUMB, bundled_thumbnail, generator_thumbnail, thumb_button
from .widgets import (
    ComboBox,
    DoubleSpinBox,
    ErrorLabel,
    FittingScrollArea,
    LabelledSlider,
    SpinBox,
    WholeNumberBox,
    blocked,
    caption,
    icon,
    section_title,
)

#: display names of the generators, shorter than their descriptions
GENERATOR_TITLES = {
    "circle": "Circle", "xor": "XOR", "gaussians": "Gaussians", "spiral": "Spiral",
    "spiral_multi": "Spirals", "blobs": "Blobs",
    "plane": "Plane", "multi_gaussian": "Bumps", "line": "Line", "sine": "Sine",
}
BUNDLED_TITLES = {"iris": "Iris", "digits": "Digits"}
TASK_GROUPS = (("binary", "Classification"), ("multiclass", "Multi-class"), ("regression", "Regression"))
TASK_WORDS = {"binary": "binary", "multiclass": "multi-class", "regression": "regression"}
MIN_POINTS = 4
PAINT_KINDS = (
    ("classes", "Classes (x1, x2)"),
    ("values", "Values over (x1, x2)"),
    ("curve", "Curve y(x)"),
)

_LABEL_STYLE = """
    QToolButton#classlabel { border: 1px solid palette(mid); border-radius: 4px; padding: 2px 5px;
                             background: palette(button); }
    QToolButton#classlabel:checked { border: 2px solid palette(highlight); background: palette(base);
                                     font-weight: bold; }
"""


def _dot_icon(color: QColor) -> QIcon:
    pm = QPixmap(24, 24)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(color)
    p.setPen(QPen(color.darker(140), 1))
    p.drawEllipse(QRectF(1.5, 1.5, 9, 9))
    p.end()
    return QIcon(pm)


def _split_attribution(text: str) -> tuple[str, str]:
    """'Iris flowers: …, 3 species. R. A. Fisher (1936), …' -> (description, attribution)."""
    head, sep, rest = text.partition(". ")
    return (head + ".", rest) if sep else (text, "")


def percent(fraction: float) -> float:
    """``fraction`` · 100 as the number its digits say: 0.07 → 7.0 (not 7.000000000000001)."""
    return float(Decimal(repr(float(fraction))) * 100)


def is_trainable(ds: Dataset) -> bool:
    """Enough points for the document: at least 4, and two classes for classification."""
    if ds.n_samples < MIN_POINTS:
        return False
    return ds.task == "regression" or np.unique(ds.y).size >= 2


def _class_names_for(k: int, existing: tuple[str, ...]) -> tuple[str, ...]:
    names = list(existing[:k])
    letters = all(len(n) == 1 and n.isalpha() and n.isupper() for n in names) and names
    while len(names) < k:
        i = len(names)
        cand = "ABCDEFGHIJ"[i] if letters and i < 10 else str(i)
        while cand in names:
            cand += "'"
        names.append(cand)
    return tuple(names)


class DataPanel(QWidget):
    """Choose, make, import or paint the data; every change is an undoable edit of ``doc``.

    Signals
    -------
    sigPaintModeChanged(bool enabled, object label)
        The boundary view should (not) add points on click; ``label`` is the class index
        (int) or, for regression, the target value (float) of new points; None when off.
    sigDraftChanged(object)
        Painted points not yet in the document (too few to train on), as a Dataset; None
        when there is no draft and the document's data is what to draw.
    """

    sigPaintModeChanged = Signal(bool, object)
    sigDraftChanged = Signal(object)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("DataPanel")
        self._draft: Dataset | None = None
        self._draft_base: tuple | None = None
        self._paint_label: int | float = 1
        self._paint_state: tuple[bool, object] = (False, None)
        self._build()
        doc.sigStateChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------------------ building
    def _build(self) -> None:
        scroll = FittingScrollArea()
        self.scroll = scroll
        body = QWidget()
        body.setMinimumWidth(260)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(4)
        self._layout = lay

        self.summary = QLabel()
        f = self.summary.font()
        f.setBold(True)
        self.summary.setFont(f)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.source_line = caption()
        self.source_line.setTextFormat(Qt.TextFormat.PlainText)  # it may quote a file's name
        lay.addWidget(self.source_line)

        palette = self.palette()
        # no QButtonGroup: Qt makes a group's buttons one stop of the Tab key, and only the
        # first data set could be chosen from the keyboard; refresh() keeps one checked
        self.thumbs: dict[tuple[str, str], QToolButton] = {}

        # what data: one box, so that classroom mode can hide or lock the choice as a whole
        self.dataset_box = QWidget()
        chooser = QVBoxLayout(self.dataset_box)
        chooser.setContentsMargins(0, 0, 0, 0)
        chooser.setSpacing(4)
        lay.addWidget(self.dataset_box)
        chooser.addWidget(section_title("Playground data"))
        grid = QGridLayout()  # one grid for every group, so the columns line up
        grid.setHorizontalSpacing(2)
        grid.setVerticalSpacing(1)
        for c in range(4):
            grid.setColumnStretch(c, 1)
        row = 0
        for task, title in TASK_GROUPS:
            names = [n for n, g in GENERATORS.items() if g.task == task]
            grid.addWidget(caption(title), row, 0, 1, 4)
            row += 1
            for i, name in enumerate(names):
                b = thumb_button(GENERATOR_TITLES.get(name, name), GENERATORS[name].description,
                                  generator_thumbnail(name, palette))
                b.clicked.connect(lambda _=False, n=name: self.choose_generator(n))
                self.thumbs[("generator", name)] = b
                grid.addWidget(b, row + i // 4, i % 4)
            row += (len(names) + 3) // 4
        chooser.addLayout(grid)

        chooser.addWidget(section_title("Real data"))
        for name, text in BUNDLED.items():
            desc, attribution = _split_attribution(text)
            row = QHBoxLayout()
            b = thumb_button(BUNDLED_TITLES.get(name, name.title()), text, bundled_thumbnail(name, palette))
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(THUMB + 22)
            b.clicked.connect(lambda _=False, n=name: self.choose_bundled(n))
            self.thumbs[("bundled", name)] = b
            row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
            texts = QVBoxLayout()
            texts.setSpacing(1)
            d = QLabel(desc)
            d.setWordWrap(True)
            d.setToolTip(attribution)  # the source and licence (Help › About lists them all)
            texts.addWidget(d)
            texts.addStretch(1)
            row.addLayout(texts, 1)
            chooser.addLayout(row)

        chooser.addWidget(section_title("Your own data"))
        own = QHBoxLayout()
        self.csv_button = QPushButton(icon("mdi6.file-delimited-outline"), "Import CSV…")
        self.csv_button.setToolTip("Load a table from a CSV file: one column to predict, the others as inputs")
        self.csv_button.clicked.connect(self.import_csv)
        # short enough to sit beside "Import CSV…" in the narrowest panel (the heading says "your own")
        self.paint_button = QPushButton(icon("mdi6.brush"), "Paint points")
        self.paint_button.setCheckable(True)
        self.paint_button.setToolTip("Edit the points yourself: click on the decision boundary view to add "
                                     "points, right-click a point to remove it")
        self.paint_button.clicked.connect(self._paint_clicked)
        own.addWidget(self.csv_button)
        own.addWidget(self.paint_button)
        chooser.addLayout(own)
        chooser.addWidget(self._build_paint_box())

        lay.addWidget(section_title("Settings"))
        lay.addLayout(self._build_settings())
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        lay.addStretch(1)

    def _build_paint_box(self) -> QWidget:
        box = QFrame()
        box.setObjectName("paintbox")
        box.setStyleSheet("QFrame#paintbox { border: 1px solid palette(mid); border-radius: 6px; "
                          "background: palette(alternate-base); }")
        self.paint_box = box
        v = QVBoxLayout(box)
        v.setContentsMargins(8, 6, 8, 6)
        v.setSpacing(4)
        self.paint_hint = caption()
        v.addWidget(self.paint_hint)

        self.kind_row = QWidget()
        kind_row = QHBoxLayout(self.kind_row)
        kind_row.setContentsMargins(0, 0, 0, 0)
        kind_row.addWidget(QLabel("Points are"))
        self.kind_combo = ComboBox()
        for key, text in PAINT_KINDS:
            self.kind_combo.add(text, key)
        self.kind_combo.setToolTip("What painted points mean; can be changed while there are no points")
        self.kind_combo.currentIndexChanged.connect(self._kind_chosen)
        kind_row.addWidget(self.kind_combo, 1)
        v.addWidget(self.kind_row)

        self.label_row = QHBoxLayout()
        self.label_row.setSpacing(3)
        self.label_group = QButtonGroup(self)
        self.label_group.setExclusive(True)
        self.label_buttons: list[QToolButton] = []
        self.label_group.idClicked.connect(self._label_clicked)
        self.add_class_button = QToolButton()
        self.add_class_button.setIcon(icon("mdi6.plus"))
        self.add_class_button.setToolTip("Paint a further class")
        self.add_class_button.setAutoRaise(True)
        self.add_class_button.clicked.connect(self._add_class_label)
        self.value_label = QLabel("Value")
        self.value_spin = DoubleSpinBox(-100.0, 100.0, 0.1, 2)
        self.value_spin.setToolTip("The target value of the points you add")
        self.value_spin.setValue(1.0)
        self.value_spin.valueChanged.connect(self._value_changed)
        label_holder = QHBoxLayout()
        label_holder.addLayout(self.label_row)
        label_holder.addWidget(self.add_class_button)
        label_holder.addWidget(self.value_label)
        label_holder.addWidget(self.value_spin)
        label_holder.addStretch(1)
        v.addLayout(label_holder)

        actions = QHBoxLayout()
        self.paint_toggle = QCheckBox("Add points by clicking")
        self.paint_toggle.setChecked(True)
        self.paint_toggle.setToolTip("Off: the boundary view goes back to ordinary zooming and panning")
        self.paint_toggle.toggled.connect(lambda _on: self._emit_paint_mode())
        self.clear_button = QPushButton(icon("mdi6.eraser"), "Clear points")
        self.clear_button.setToolTip("Remove every point and start painting from scratch")
        self.clear_button.clicked.connect(self.clear_points)
        # one above the other: side by side a narrow panel cut the box's words ("Add points by cl")
        v.addWidget(self.paint_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        v.addLayout(actions)
        self.paint_status = QLabel()
        self.paint_status.setWordWrap(True)
        v.addWidget(self.paint_status)
        return box

    def _build_settings(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(5)
        self.form = form
        self.samples = SpinBox(4, 1_000_000)
        self.samples.setStepType(SpinBox.StepType.AdaptiveDecimalStepType)
        self.samples.setGroupSeparatorShown(True)
        self.samples.setToolTip("How many points to generate")
        self.samples.valueChanged.connect(lambda v: self._edit("Number of samples", "data.n_samples", n_samples=int(v)))
        form.addRow("Samples", self.samples)

        self.noise = LabelledSlider(0.0, 1.0, 0.01)
        self.noise.setToolTip("0 = clean, 1 = very noisy; the same seed keeps the points and only moves the noise")
        self.noise.valueChanged.connect(lambda v: self._edit("Noise", "data.noise", noise=float(v)))
        form.addRow("Noise", self.noise)

        self.classes = SpinBox(3, 10)
        self.classes.setToolTip("Number of classes of the multi-class data set")
        self.classes.valueChanged.connect(lambda v: self._edit("Number of classes", "data.n_classes", n_classes=int(v)))
        form.addRow("Classes", self.classes)

        self.slope = DoubleSpinBox(-20.0, 20.0, 0.25, 2)
        self.slope.setToolTip("y = slope · x")
        self.slope.valueChanged.connect(lambda v: self._edit("Slope", "data.slope", slope=float(v)))
        form.addRow("Slope", self.slope)

        self.validation = DoubleSpinBox(0.0, 80.0, 5.0, 0)
        self.validation.setSuffix(" %")
        self.validation.setSingleStep(5)
        self.validation.setToolTip("The share of points held out to check the network on data it has not "
                                   "trained on (0 = no validation set)")
        self.validation.valueChanged.connect(
            lambda v: self._edit("Validation share", "data.validation_fraction", validation_fraction=v / 100.0))
        form.addRow("Validation", self.validation)

        seed_row = QHBoxLayout()
        self.seed = WholeNumberBox(0, 2**63 - 1)
        self.seed.setToolTip("The seed of the random numbers: the same seed gives the same points and split")
        self.seed.valueChanged.connect(lambda v: self._edit("Data seed", "data.seed", seed=int(v)))
        self.regenerate_button = QPushButton(icon("mdi6.dice-5-outline"), "Regenerate")
        self.regenerate_button.setToolTip("New random points (and a new split) with a new seed")
        self.regenerate_button.clicked.connect(self.regenerate)
        # the button under the seed: beside it, a narrow panel cut both the button's word
        # and a ten-digit seed
        seed_row.addWidget(self.regenerate_button)
        seed_row.addStretch(1)
        form.addRow("Seed", self.seed)
        form.addRow("", seed_row)

        self.standardize = QCheckBox("Standardise inputs (z-score)")
        self.standardize.setToolTip("Shift and scale every input to mean 0 and standard deviation 1, "
                                    "using the training points only")
        self.standardize.toggled.connect(lambda on: self._edit("Standardise inputs" if on else "Raw inputs",
                                                               None, standardize=bool(on)))
        form.addRow(self.standardize)  # across both columns: its words need the room
        return form

    # ------------------------------------------------------------------------------ refreshing
    def refresh(self, *_args) -> None:
        """Show the document's data (called on every change, undo and redo too)."""
        state = self.doc.state
        spec, prepared = state.data, self.doc.prepared
        if self._draft is not None and self._draft_base != self._base_key():
            self._set_draft(None)  # the data changed under the draft (undo, another source)

        n, n_train, n_val = prepared.raw.n_samples, len(prepared.train_index), len(prepared.val_index)
        task = TASK_WORDS[prepared.task]
        if prepared.task == "multiclass":
            task += f" ({prepared.n_classes} classes)"
        k = prepared.n_inputs
        self.summary.setText(f"{n:,} points · {n_train:,} train / {n_val:,} validation · {task} · "
                             f"{k} input{'s' * (k != 1)}")
        if self._draft is not None:
            d = self._draft.n_samples
            self.summary.setText(f"{d:,} point{'s' * (d != 1)} painted · {TASK_WORDS[self._draft.task]} · "
                                 "not enough to train yet")
        self.source_line.setText(self._source_text())

        current = (spec.source, spec.name) if spec.source in ("generator", "bundled") else None
        for key, b in self.thumbs.items():
            with blocked(b):
                b.setChecked(key == current)
        painting = self.painting()
        with blocked(self.paint_button):
            self.paint_button.setChecked(painting)

        gen = spec.source == "generator"
        info = GENERATORS.get(spec.name) if gen else None
        with blocked(self.samples, self.noise, self.classes, self.slope, self.validation, self.seed,
                     self.standardize):
            # each exactly as the data is made with it, also beyond a box's usual range
            # or decimals (a project's slope 500, a validation share of 12.5 %)
            self.samples.show_value(spec.n_samples)
            self.noise.setValue(spec.noise)
            self.classes.show_value(spec.n_classes)
            self.slope.show_value(spec.slope)
            self.validation.show_value(percent(spec.validation_fraction))
            self.seed.show_value(spec.seed)
            self.standardize.setChecked(spec.standardize)
        self.form.setRowVisible(self.samples, gen)
        self.form.setRowVisible(self.noise, gen)
        self.form.setRowVisible(self.classes, bool(info and info.task == "multiclass"))
        self.form.setRowVisible(self.slope, gen and spec.name == "line")
        self.regenerate_button.setText("Regenerate" if gen else "New split")
        self.regenerate_button.setToolTip(
            "New random points (and a new split) with a new seed" if gen
            else "A new random split into training and validation points (a new seed)")
        self._refresh_paint_box()

    def _source_text(self) -> str:
        spec = self.doc.data_spec
        if self._draft is not None:
            return ("Painting from scratch. Until there are enough points the project keeps "
                    "its previous data (undo goes back to it).")
        if spec.source == "generator":
            return f"{GENERATOR_TITLES.get(spec.name, spec.name)}: {GENERATORS[spec.name].description}"
        if spec.source == "bundled":
            return _split_attribution(BUNDLED[spec.name])[0]
        if spec.source == "csv":
            return f"From the CSV file {isolate(Path(spec.csv_path).name)}."
        return "Your own points."

    def _base_key(self) -> tuple:
        s = self.doc.state
        return (s.data.source, s.data.name, s.data.csv_path, id(s.inline))

    # -- painting ----------------------------------------------------------------------------
    def painting(self) -> bool:
        """True while the points are the learner's own (in the document or as a draft)."""
        return self._draft is not None or self.doc.data_spec.source == "inline"

    def points(self) -> Dataset | None:
        """The points being painted: the draft, or the document's inline data, or None."""
        if self._draft is not None:
            return self._draft
        if self.doc.data_spec.source == "inline":
            return self.doc.inline
        return None

    def paint_kind(self) -> str:
        ds = self.points()
        if ds is None:
            return "classes"
        if ds.n_features == 1:
            return "curve"
        return "values" if ds.task == "regression" else "classes"

    def paint_label(self) -> int | float:
        """The label new points get: a class index, or a value for regression."""
        return self._paint_label

    def _refresh_paint_box(self) -> None:
        painting = self.painting()
        self.paint_box.setVisible(painting)
        if not painting:
            self._emit_paint_mode()
            return
        ds = self.points()
        kind = self.paint_kind()
        with blocked(self.kind_combo):
            self.kind_combo.set_current_data(kind)
        self.kind_row.setVisible(ds is None or ds.n_samples == 0)  # the kind is fixed once there are points
        classes = kind == "classes"
        names = ds.class_names if ds is not None and ds.task != "regression" else BINARY_CLASS_NAMES
        self._set_label_buttons(names if classes else ())
        self.add_class_button.setVisible(classes and len(names) < 10)
        self.value_label.setVisible(kind == "values")
        self.value_spin.setVisible(kind == "values")
        if kind == "curve":
            self.paint_hint.setText("Click on the plot to add a point (x, y); right-click a point to remove it.")
        elif kind == "values":
            self.paint_hint.setText("Click on the decision boundary view to add a point with the value "
                                    "below; right-click a point to remove it.")
        else:
            self.paint_hint.setText("Choose a class, then click on the decision boundary view to add a "
                                    "point of it; right-click a point to remove it.")
        if classes:
            if not isinstance(self._paint_label, int) or self._paint_label >= len(names):
                self._paint_label = min(1, len(names) - 1)
            for i, b in enumerate(self.label_buttons):
                with blocked(b):
                    b.setChecked(i == self._paint_label)
        else:
            self._paint_label = float(self.value_spin.value())
        n = 0 if ds is None else ds.n_samples
        if self._draft is not None:
            need = "at least 4 points" + (", of two classes," if classes else "")
            self.paint_status.setText(f"{n} point{'s' * (n != 1)} painted: paint {need} to train on them.")
        else:
            self.paint_status.setText(f"{n} point{'s' * (n != 1)}.")
        self.clear_button.setEnabled(n > 0)
        self._emit_paint_mode()

    def _set_label_buttons(self, names: tuple[str, ...]) -> None:
        k = len(names)
        while len(self.label_buttons) > k:
            b = self.label_buttons.pop()
            self.label_group.removeButton(b)
            self.label_row.removeWidget(b)
            b.deleteLater()
        while len(self.label_buttons) < k:
            b = QToolButton()
            b.setObjectName("classlabel")
            b.setStyleSheet(_LABEL_STYLE)
            b.setCheckable(True)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.label_group.addButton(b, len(self.label_buttons))
            self.label_row.addWidget(b)
            self.label_buttons.append(b)
        for i, (b, name) in enumerate(zip(self.label_buttons, names)):
            b.setText(name if k > 2 else f"class {name}")
            b.setIcon(_dot_icon(theme.class_color(i, max(k, 2))))
            b.setToolTip(f"Paint points of class {name}")

    def _emit_paint_mode(self) -> None:
        enabled = self.painting() and self.paint_toggle.isChecked()
        state = (enabled, self._paint_label if enabled else None)
        if state != self._paint_state:
            self._paint_state = state
            self.sigPaintModeChanged.emit(*state)

    def _label_clicked(self, i: int) -> None:
        self._paint_label = i
        self._emit_paint_mode()

    def _value_changed(self, v: float) -> None:
        if self.paint_kind() == "values":
            self._paint_label = float(v)
            self._emit_paint_mode()

    def _add_class_label(self) -> None:
        ds = self.points()
        names = ds.class_names if ds is not None and ds.task != "regression" else BINARY_CLASS_NAMES
        if len(names) >= 10:
            return
        new_names = _class_names_for(len(names) + 1, names)
        self._paint_label = len(names)
        self._set_label_buttons(new_names)
        for i, b in enumerate(self.label_buttons):
            with blocked(b):
                b.setChecked(i == self._paint_label)
        self.add_class_button.setVisible(len(new_names) < 10)
        self._emit_paint_mode()

    def _kind_chosen(self, i: int) -> None:
        kind = self.kind_combo.itemData(i)
        ds = self.points()
        if ds is not None and ds.n_samples:
            self.refresh()
            return
        self._set_draft(self._empty(kind, self._class_names_kept()))
        self.refresh()

    def _class_names_kept(self) -> tuple[str, ...]:
        """The names painting from scratch keeps: those of the two classes being painted
        or shown (so buttons, legend and the points cleared agree), else −1 and +1 like
        every built-in two-class set."""
        for ds in (self.points(), self.doc.prepared.raw):
            if ds is not None and ds.task == "binary" and len(ds.class_names) == 2:
                return ds.class_names
        return BINARY_CLASS_NAMES

    @staticmethod
    def _empty(kind: str, class_names: tuple[str, ...] = BINARY_CLASS_NAMES) -> Dataset:
        if kind == "curve":
            return Dataset(np.zeros((0, 1)), np.zeros(0), "regression", ("x",), name="painted")
        if kind == "values":
            return Dataset(np.zeros((0, 2)), np.zeros(0), "regression", ("x1", "x2"), name="painted")
        return Dataset(np.zeros((0, 2)), np.zeros(0), "binary", ("x1", "x2"), class_names, name="painted")

    def _set_draft(self, ds: Dataset | None) -> None:
        changed = (ds is not None) or (self._draft is not None)
        self._draft = ds
        self._draft_base = self._base_key() if ds is not None else None
        if changed:
            self.sigDraftChanged.emit(ds)

    def start_painting(self) -> None:
        """Make the current points editable (a copy of 2-D or 1-D data), or start from scratch."""
        if self.painting():
            self.refresh()
            return
        raw = self.doc.prepared.raw
        if raw.n_features == 2 or (raw.n_features == 1 and raw.task == "regression"):
            ds = Dataset(raw.X, raw.y, raw.task, raw.feature_names, raw.class_names, name="painted")
            self._commit(ds, "Paint your own points", allow_draft=True)
        else:
            self._set_draft(self._empty("classes", self._class_names_kept()))
            self.refresh()

    def _paint_clicked(self) -> None:
        self.start_painting()

    def add_point(self, x: float, y: float, label: int | float | None = None) -> None:
        """Add a painted point (undoable). For 1-D data ``(x, y)`` is input and target.

        For 2-D data ``label`` is the class index (classification) or the target value
        (regression); None takes the label chosen in the panel. A class index one past
        the last class adds a class (two classes are binary, more multi-class).
        """
        if not self.painting():
            self.start_painting()
        ds = self.points()
        if ds is None:
            return
        label = self._paint_label if label is None else label
        try:
            if ds.n_features == 1:
                X = np.vstack([ds.X, [[float(x)]]])
                Y = np.append(ds.y.astype(float), float(y))
                new = Dataset(X, Y, "regression", ds.feature_names, name="painted")
            elif ds.task == "regression":
                X = np.vstack([ds.X, [[float(x), float(y)]]])
                Y = np.append(ds.y.astype(float), float(label))
                new = Dataset(X, Y, "regression", ds.feature_names, name="painted")
            else:
                c = int(label)
                if not 0 <= c < 10:
                    raise NNStudioError(f"class {c} cannot be painted: classes are numbered 0 to 9")
                k = max(ds.n_classes, c + 1, 2)
                names = _class_names_for(k, ds.class_names)
                X = np.vstack([ds.X, [[float(x), float(y)]]])
                Y = np.append(ds.y, c)
                new = Dataset(X, Y, "binary" if k == 2 else "multiclass", ds.feature_names, names, name="painted")
        except (NNStudioError, ValueError, TypeError) as exc:
            self.error.show_message(str(exc))
            return
        self._commit(new, "Add point", allow_draft=True)

    def remove_point(self, index: int) -> None:
        """Remove painted point ``index`` (undoable)."""
        ds = self.points()
        if ds is None or not 0 <= index < ds.n_samples:
            return
        keep = np.arange(ds.n_samples) != index
        y = ds.y[keep]
        new = Dataset(ds.X[keep], y, ds.task, ds.feature_names, ds.class_names, name="painted")
        if self._draft is None and not is_trainable(new):
            self.error.show_message("This point stays: training needs at least 4 points"
                                    + ("" if ds.task == "regression" else " and two classes")
                                    + ". Use Clear points to start from scratch.")
            return
        self._commit(new, "Remove point", allow_draft=self._draft is not None)

    def clear_points(self) -> None:
        """Remove every point and paint from scratch (the same kind of points)."""
        if not self.painting():
            return
        empty = self._empty(self.paint_kind(), self._class_names_kept())
        self._commit(empty, "Clear points", allow_draft=True)

    def _commit(self, ds: Dataset, text: str, allow_draft: bool) -> None:
        spec = self.doc.data_spec
        features = spec.features if ds.n_features == 2 else IDENTITY_FEATURES
        try:
            new_spec = replace(spec, source="inline", features=features)
            self.doc.edit(text, data=new_spec, inline=ds)
        except NNStudioError as exc:
            if allow_draft and not is_trainable(ds):
                self.error.clear_message()
                self._set_draft(ds)
                self.refresh()
                return
            self.error.show_message(str(exc))
            return
        self.error.clear_message()
        if self._draft is not None:
            self._set_draft(None)
            self.refresh()

    # ------------------------------------------------------------------------------ editing
    def _edit(self, text: str, key: str | None, **changes) -> bool:
        try:
            self.doc.edit_data(text, key, **changes)
        except NNStudioError as exc:
            self.error.show_message(str(exc))
            self.refresh()
            return False
        self.error.clear_message()
        return True

    def _switch(self, text: str, **changes) -> None:
        """Change the source: leave any draft, keep the other settings that still apply."""
        self._set_draft(None)
        self._edit(text, None, **changes)
        self.refresh()  # also when nothing changed: a click on the chosen thumbnail unchecks it

    def choose_generator(self, name: str) -> None:
        """Use the playground generator ``name`` (a key of GENERATORS)."""
        spec = self.doc.data_spec
        features = spec.features if GENERATORS[name].n_features == 2 else IDENTITY_FEATURES
        self._switch(f"Data: {GENERATOR_TITLES.get(name, name)}", source="generator", name=name,
                     features=features)

    def choose_bundled(self, name: str) -> None:
        """Use the bundled real data set ``name`` ("iris" or "digits")."""
        self._switch(f"Data: {BUNDLED_TITLES.get(name, name)}", source="bundled", name=name,
                     features=IDENTITY_FEATURES)

    def regenerate(self) -> None:
        """A new random seed: new points for generated data, a new split for any data."""
        seed = self.doc.data_spec.seed
        new = seed
        while new == seed:
            new = random.randrange(0, 2**31 - 1)
        self._edit("Regenerate data" if self.doc.data_spec.source == "generator" else "New split", None, seed=new)

    def import_csv(self) -> None:
        """Ask for a CSV file (from the last folder used, else Documents), then show the
        import dialog; the project changes only if it loads."""
        path, _ = QFileDialog.getOpenFileName(self, "Import a CSV file", csv_start_folder(),
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if not path:
            return
        self.open_csv(path)

    def open_csv(self, path: str) -> None:
        """Show the import dialog for the CSV file ``path`` (a file dropped on the window)."""
        remember_csv_folder(path)
        dialog = CsvImportDialog(self.doc, path, self)
        self.csv_dialog = dialog
        dialog.exec()
        self.csv_dialog = None
        window = self.window()
        if dialog.skipped_rows and isinstance(window, QMainWindow):
            window.statusBar().showMessage(f"Imported {isolate(Path(path).name)}, without its "
                                           f"{dialog.skipped_rows:,} rows with problems", 8000)
        dialog.deleteLater()
