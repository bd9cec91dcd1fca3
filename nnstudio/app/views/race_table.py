"""The race's table of racers: each optimizer's switch, learning rate, key setting and
current height f, with the reasons of the racers that stopped under it.

The table only edits and shows; its signals ask the race view to change a racer
(:meth:`nnstudio.app.views.race_view.RaceView.set_racer`), which keeps the widgets in
step with the racers it owns.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from ...core.optimizers import OPTIMIZER_INFO
from .race_racers import RACERS, SETTINGS, SHORT_NAMES


def _swatch(color: QColor) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(color)
    return QIcon(pm)


class RacerTable(QWidget):
    """racer | η | setting (μ, α, β) | f now — one row per racer of :data:`RACERS`."""

    #: a racer was switched on or off: (racer key, on)
    sigEnabled = Signal(str, bool)
    #: a learning rate was typed: (racer key, η)
    sigLearningRate = Signal(str, float)
    #: a setting was typed: (racer key, make_optimizer keyword, value)
    sigSetting = Signal(str, str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        headers = []
        for c, text in enumerate(("racer", "η", "setting", "f now")):
            h = QLabel(f"<b>{text}</b>")
            grid.addWidget(h, 0, c)
            headers.append(h)
        #: the settings column (μ, α, β), which the race's compact arrangement leaves out
        self.setting_cells: list[QWidget] = [headers[2]]
        #: the η column, which the race's slim arrangement leaves out too
        self.lr_cells: list[QWidget] = [headers[1]]
        self.enable_checks: dict[str, QCheckBox] = {}
        self.lr_spins: dict[str, QDoubleSpinBox] = {}
        self.value_labels: dict[str, QLabel] = {}
        self.setting_widgets: dict[str, dict[str, QDoubleSpinBox]] = {}
        for r, (key, color) in enumerate(RACERS, start=1):
            check = QCheckBox(SHORT_NAMES[key])
            check.setIcon(_swatch(color))
            check.setChecked(True)
            name, rule = OPTIMIZER_INFO[key]
            check.setToolTip(f"{name}: {rule}")
            check.toggled.connect(lambda on, k=key: self.sigEnabled.emit(k, bool(on)))
            grid.addWidget(check, r, 0)
            lr = QDoubleSpinBox()
            lr.setDecimals(6)
            lr.setRange(1e-6, 10.0)
            lr.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            lr.setToolTip("learning rate η")
            lr.valueChanged.connect(lambda v, k=key: self.sigLearningRate.emit(k, float(v)))
            grid.addWidget(lr, r, 1)
            self.lr_cells.append(lr)
            settings_box = QWidget()
            sl = QHBoxLayout(settings_box)
            sl.setContentsMargins(0, 0, 0, 0)
            sl.setSpacing(2)
            self.setting_widgets[key] = {}
            for kw, label, default, tip in SETTINGS.get(key, ()):
                sl.addWidget(QLabel(label))
                spin = QDoubleSpinBox()
                spin.setDecimals(3 if kw != "beta2" else 4)
                spin.setRange(0.0, 0.9999)
                spin.setSingleStep(0.05 if kw in ("momentum", "beta1") else 0.001)
                spin.setValue(default)
                spin.setToolTip(tip)
                spin.valueChanged.connect(lambda v, k=key, w=kw: self.sigSetting.emit(k, w, float(v)))
                sl.addWidget(spin)
                self.setting_widgets[key][kw] = spin
            if not SETTINGS.get(key):
                sl.addWidget(QLabel("—"))
            sl.addStretch(1)
            grid.addWidget(settings_box, r, 2)
            self.setting_cells.append(settings_box)
            value = QLabel("")
            # room for a number; "stopped (…)" wraps onto a second line where it must
            value.setWordWrap(True)
            value.setMinimumWidth(value.fontMetrics().horizontalAdvance("-1.23e-04") + 6)
            grid.addWidget(value, r, 3)
            self.enable_checks[key] = check
            self.lr_spins[key] = lr
            self.value_labels[key] = value
        col.addLayout(grid)
        self.reasons_label = QLabel("")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setObjectName("raceReasons")
        self.reasons_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        col.addWidget(self.reasons_label)
        col.addStretch(1)


__all__ = ["RacerTable"]
