"""Epoch, iteration, losses, accuracy and speed, large enough to read from afar.

The losses and accuracies are those of the *current weights* on the whole training and
validation sets (``Snapshot.evaluation``), so they always agree with the decision view,
the confusion matrix and the step inspector — after a rewind, an early-stopping
restore, new data or an undo as much as while training. Validation numbers are hidden
when there is no validation set.

While two runs are compared (``Snapshot.b``) every counter shows two numbers, run A's
above run B's, in a smaller font (10 pt for 13: the row grows by 12 px, not by a whole
line, and its numbers take less width), and a first column names the runs by their
colours ("A", "B: η = 0.3").
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..core.safetext import printable
from ..core.snapshot import Snapshot
from .views.axes import number_text
from .views.run_colors import run_color

#: the value font with one run and with two (points)
SIZE_ONE, SIZE_TWO = 13, 10
#: the longest run-B name shown in the row (the whole of it is the tooltip)
NAME_LIMIT = 22


def _fmt(x: float | None, digits: int = 4) -> str:
    # as the axes write numbers: "6.536×10⁻³¹", not Python's "6.536e-31"
    return "–" if x is None or not math.isfinite(x) else number_text(x, digits)


class Counters(QWidget):
    """The counters row. ``values[key]`` and ``titles[key]`` are the labels (tests read them);
    ``values_b[key]`` run B's, shown while two runs are compared."""

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
        self.values_b: dict[str, QLabel] = {}
        self.titles: dict[str, QLabel] = {}
        self._boxes: dict[str, QWidget] = {}
        self._pair = False
        # the runs' names, a column of their own left of the numbers (two runs only)
        self.run_box = QWidget()
        col = QVBoxLayout(self.run_box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(QLabel(""))  # level with the titles
        self.run_names = (QLabel(), QLabel())
        for name in self.run_names:
            name.setTextFormat(Qt.TextFormat.RichText)
            col.addWidget(name)
        self.run_box.setVisible(False)
        lay.addWidget(self.run_box)
        for key, title in self.FIELDS:
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(0)
            t = QLabel(title)
            t.setObjectName("counter_title")
            v = QLabel("–")
            v.setObjectName(f"counter_{key}")
            vb = QLabel("")
            vb.setObjectName(f"counter_{key}_b")
            vb.setVisible(False)
            col.addWidget(t)
            col.addWidget(v)
            col.addWidget(vb)
            box.setToolTip(self.TIPS.get(key, ""))
            lay.addWidget(box)
            self.values[key], self.values_b[key], self.titles[key], self._boxes[key] = v, vb, t, box
        self.apply_theme()

    def apply_theme(self) -> None:
        """Text colours from the palette, so both light and dark stay readable."""
        size = SIZE_TWO if self._pair else SIZE_ONE
        big = QFont(self.font())
        big.setPointSize(size)
        big.setWeight(QFont.Weight.DemiBold)
        room = QFontMetrics(big).horizontalAdvance("−0.00000") + 4  # the style sheet's font, not today's
        style = f"color: palette(window-text); font-size: {size}pt; font-weight: 600;"
        for key in self.values:
            for v in (self.values[key], self.values_b[key]):
                v.setStyleSheet(style)
                v.setMinimumWidth(room if key != "iteration" else 0)
        for name in self.run_names:
            name.setStyleSheet(style)
        for t in self.titles.values():
            t.setStyleSheet("color: palette(window-text); font-size: 8pt;")
        self.run_box.layout().itemAt(0).widget().setStyleSheet("font-size: 8pt;")

    def _set_pair(self, pair: bool, label: str) -> None:
        """Show run B's numbers under A's (or no longer)."""
        if pair != self._pair:
            self._pair = pair
            self.run_box.setVisible(pair)
            for v in self.values_b.values():
                v.setVisible(pair)
            self.apply_theme()
        if pair:
            short = printable(label, NAME_LIMIT)
            for name, run, text in zip(self.run_names, "AB", ("A", short)):
                name.setText(f"<span style='color:{run_color(run).name()}'>■</span> {html.escape(text)}")
            # rich text on purpose: Qt would take a label that looks like markup for markup
            self.run_box.setToolTip(f"<p>Run A, and run B = {html.escape(printable(label, 200))}</p>")

    def show_snapshot(self, snap: Snapshot) -> None:
        self._set_pair(snap.b is not None, snap.b_label or "B")
        regression = snap.task == "regression"
        self.titles["metric"].setText("R²" if regression else "Accuracy")
        self.titles["val_metric"].setText("Val. R²" if regression else "Val. accuracy")
        self._show_run(snap, self.values)
        if snap.b is not None:
            self._show_run(snap.b, self.values_b)
        for key in ("val_loss", "val_metric"):
            self._boxes[key].setVisible(snap.has_validation)
        self.values["ips"].setText(f"{snap.iterations_per_second:,.0f}" if snap.playing else "–")
        self.values_b["ips"].setText("")  # the runs train in lockstep: one speed

    @staticmethod
    def _show_run(snap: Snapshot, values: dict[str, QLabel]) -> None:
        values["epoch"].setText(f"{snap.epoch:,}")
        values["iteration"].setText(f"{snap.iteration:,}")
        ev = snap.evaluation or {}
        values["loss"].setText(_fmt(ev.get("loss")))
        values["metric"].setText(_fmt(ev.get("metric"), 3))
        values["val_loss"].setText(_fmt(ev.get("val_loss")))
        values["val_metric"].setText(_fmt(ev.get("val_metric"), 3))
