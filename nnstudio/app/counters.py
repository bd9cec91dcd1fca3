"""Epoch, iteration, losses, accuracy and speed, large enough to read from afar.

The losses and accuracies are those of the *current weights* on the whole training and
validation sets (``Snapshot.evaluation``), so they always agree with the decision view,
the confusion matrix and the step inspector — after a rewind, an early-stopping
restore, new data or an undo as much as while training. Validation numbers are hidden
when there is no validation set.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..core.snapshot import Snapshot


def _fmt(x: float | None, digits: int = 4) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


class Counters(QWidget):
    """The counters row. ``values[key]`` and ``titles[key]`` are the labels (tests read them)."""

    FIELDS = (("epoch", "Epoch"), ("iteration", "Iteration"), ("loss", "Training loss"),
              ("val_loss", "Validation loss"), ("metric", "Accuracy"), ("val_metric", "Val. accuracy"),
              ("ips", "Iterations/s"))
    TIPS = {
        "loss": "The loss of the current weights on the whole training set",
        "val_loss": "The loss of the current weights on the validation set (points it never trains on)",
        "metric": "Share of training points classified right by the current weights (R² for regression)",
        "val_metric": "Share of validation points classified right by the current weights (R² for regression)",
        "ips": "Parameter updates per second while training plays",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(12)
        self.values: dict[str, QLabel] = {}
        self.titles: dict[str, QLabel] = {}
        self._boxes: dict[str, QWidget] = {}
        for key, title in self.FIELDS:
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(0)
            t = QLabel(title)
            t.setObjectName("counter_title")
            v = QLabel("–")
            v.setObjectName(f"counter_{key}")
            col.addWidget(t)
            col.addWidget(v)
            box.setToolTip(self.TIPS.get(key, ""))
            lay.addWidget(box)
            self.values[key], self.titles[key], self._boxes[key] = v, t, box
        self.apply_theme()

    def apply_theme(self) -> None:
        """Text colours from the palette, so both light and dark stay readable."""
        big = QFont(self.font())
        big.setPointSize(13)
        big.setWeight(QFont.Weight.DemiBold)
        room = QFontMetrics(big).horizontalAdvance("−0.00000") + 4  # the style sheet's font, not today's
        for key, v in self.values.items():
            v.setStyleSheet("color: palette(window-text); font-size: 13pt; font-weight: 600;")
            v.setMinimumWidth(room if key != "iteration" else 0)
        for t in self.titles.values():
            t.setStyleSheet("color: palette(window-text); font-size: 8pt;")

    def show_snapshot(self, snap: Snapshot) -> None:
        self.values["epoch"].setText(f"{snap.epoch:,}")
        self.values["iteration"].setText(f"{snap.iteration:,}")
        ev = snap.evaluation or {}
        regression = snap.task == "regression"
        self.titles["metric"].setText("R²" if regression else "Accuracy")
        self.titles["val_metric"].setText("Val. R²" if regression else "Val. accuracy")
        self.values["loss"].setText(_fmt(ev.get("loss")))
        self.values["metric"].setText(_fmt(ev.get("metric"), 3))
        self.values["val_loss"].setText(_fmt(ev.get("val_loss")))
        self.values["val_metric"].setText(_fmt(ev.get("val_metric"), 3))
        for key in ("val_loss", "val_metric"):
            self._boxes[key].setVisible(snap.has_validation)
        self.values["ips"].setText(f"{snap.iterations_per_second:,.0f}" if snap.playing else "–")
