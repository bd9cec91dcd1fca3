"""The controls of the loss-landscape view: which plane, and the options few need.

:class:`SurfaceControls` builds the widgets: the plane (where training moved, random
directions, two chosen weights) with what each needs (the two weights; a seed), an
*Options* menu (grid size, range, log colours, 3-D, the straight line, following the
weights) and *Recompute*, and beneath them two lines of text: what the plane is, in
plain words, and where training is. The view connects to them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QMenu,
                               QPushButton, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget, QWidgetAction)

from .surface_compute import MODE_NAMES


class SurfaceControls(QWidget):
    """The widgets above the landscape (see the module's description)."""

    def __init__(self, resolution: int, auto_interval: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Plane:"))
        self.mode_box = QComboBox()
        for key, name in MODE_NAMES.items():
            self.mode_box.addItem(name, key)
        self.mode_box.setToolTip(
            "Where training moved: the two directions in which training moved the weights most, so the "
            "path lies in the plane.\nRandom directions: two random directions, each neuron's weights moved by "
            "up to their own size (Li et al. 2018).\nTwo chosen weights: the loss as two weights change, all "
            "others fixed.")
        row.addWidget(self.mode_box)

        # two chosen weights: which
        self.params_box = QWidget()
        pr = QHBoxLayout(self.params_box)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(QLabel("across:"))
        self.i_box = QComboBox()
        self.i_box.setToolTip("The weight along the horizontal axis (W2[3,0] = from neuron 3 of "
                              "layer 1 to neuron 0 of layer 2; b = bias)")
        pr.addWidget(self.i_box)
        pr.addWidget(QLabel("up:"))
        self.j_box = QComboBox()
        self.j_box.setToolTip("The weight along the vertical axis")
        pr.addWidget(self.j_box)
        for b in (self.i_box, self.j_box):
            b.setMaxVisibleItems(20)
            b.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(self.params_box)

        # random directions: seed and biases
        self.random_box = QWidget()
        rr = QHBoxLayout(self.random_box)
        rr.setContentsMargins(0, 0, 0, 0)
        rr.addWidget(QLabel("seed:"))
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setToolTip("Another seed draws two other random directions")
        rr.addWidget(self.seed_spin)
        self.ignore_biases_check = QCheckBox("ignore biases")
        self.ignore_biases_check.setChecked(True)
        self.ignore_biases_check.setToolTip("On: keep the biases fixed and move only the weights.\nOff: each "
                                            "bias moves by its own value (by α·b along direction 1 and β·b "
                                            "along direction 2), as in Li et al.'s code")
        rr.addWidget(self.ignore_biases_check)
        row.addWidget(self.random_box)
        row.addStretch(1)
        row.addWidget(self._options(resolution, auto_interval))
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Compute the surface around the current weights now, in full")
        row.addWidget(self.recompute_button)
        bar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        column.addWidget(bar)
        # the two weights' choosers go on a row of their own when the bar is too narrow
        # for them (1280×800: "W1[0,0]" was squeezed to "W1[(")
        self._bar_row = row
        self._params_row = QHBoxLayout()
        self._params_row.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._params_row)
        self.params_box.installEventFilter(self)  # shown or hidden with the plane's mode

        # what the plane is, in plain words; then where training is
        self.explained_label = QLabel("")
        self.status_label = QLabel("")
        self.status_label.setObjectName("surfaceStatus")
        for label in (self.explained_label, self.status_label):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            column.addWidget(label)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.place_params()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if obj is self.params_box and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.place_params()
        return False

    def place_params(self) -> None:
        """The choosers of two weights beside the plane's chooser when the whole bar fits
        the width, else on the row under it."""
        row = self._bar_row
        spacing = max(row.spacing(), 0)
        needed = sum(row.itemAt(i).widget().sizeHint().width() + spacing for i in range(row.count())
                     if row.itemAt(i).widget() is not None and not row.itemAt(i).widget().isHidden()
                     and row.itemAt(i).widget() is not self.params_box)
        if not self.params_box.isHidden():
            needed += self.params_box.sizeHint().width() + spacing
        below = needed > self.width()
        if below and row.indexOf(self.params_box) >= 0:
            row.removeWidget(self.params_box)
            self._params_row.addWidget(self.params_box)
            self._params_row.addStretch(1)
        elif not below and self._params_row.indexOf(self.params_box) >= 0:
            while self._params_row.count():
                self._params_row.takeAt(0)
            row.insertWidget(row.indexOf(self.mode_box) + 1, self.params_box)

    def _options(self, resolution: int, auto_interval: float) -> QToolButton:
        """The Options button and its menu: grid, range, colours, 3-D, the line, updates."""
        self.options_button = QToolButton()
        self.options_button.setText("Options")
        self.options_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.options_button.setToolTip("Grid size, range, colours, 3-D and automatic updates")
        menu = QMenu(self.options_button)
        self.options_button.setMenu(menu)
        options = QWidget()
        form = QFormLayout(options)
        form.setContentsMargins(8, 6, 8, 6)
        self.resolution_spin = QSpinBox()
        self.resolution_spin.setRange(21, 101)
        self.resolution_spin.setSingleStep(10)
        self.resolution_spin.setValue(resolution)
        self.resolution_spin.setSuffix(" × n")
        self.resolution_spin.setToolTip("Points per axis when training is paused: the loss is computed n² "
                                        "times (a coarser draft while training plays)")
        form.addRow("Grid:", self.resolution_spin)
        span_row = QWidget()
        sr = QHBoxLayout(span_row)
        sr.setContentsMargins(0, 0, 0, 0)
        self.span_auto = QCheckBox("auto")
        self.span_auto.setChecked(True)
        self.span_auto.setToolTip("Choose the range to show the whole path (where training moved, two "
                                  "weights) or ±1 (random directions)")
        sr.addWidget(self.span_auto)
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setDecimals(4)
        self.span_spin.setRange(1e-4, 1000.0)
        self.span_spin.setValue(1.0)
        self.span_spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.span_spin.setToolTip("Half-width of each axis around the current weights")
        sr.addWidget(self.span_spin)
        form.addRow("Range ±", span_row)
        self.log_check = QCheckBox("log colours")
        self.log_check.setChecked(True)
        self.log_check.setToolTip("Colour and height by log₁₀(loss): losses often span several orders "
                                  "of magnitude, and the valley floor would otherwise look flat")
        form.addRow(self.log_check)
        self.show3d_check = QCheckBox("3-D view")
        self.show3d_check.setChecked(True)
        self.show3d_check.setToolTip("Show the surface in 3-D beside the map (drag to turn it)")
        form.addRow(self.show3d_check)
        self.line_check = QCheckBox("line from the initial weights")
        self.line_check.setChecked(True)
        self.line_check.setToolTip("Below the map, when there is room: the loss on the straight line from the "
                                   "initial weights (t = 0) to the current ones (t = 1)")
        form.addRow(self.line_check)
        self.auto_check = QCheckBox("follow the weights")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip(f"Recompute when the weights are new, at most every {auto_interval:g} s "
                                   "while training plays")
        form.addRow(self.auto_check)
        action = QWidgetAction(menu)
        action.setDefaultWidget(options)
        menu.addAction(action)
        return self.options_button


__all__ = ["SurfaceControls"]
