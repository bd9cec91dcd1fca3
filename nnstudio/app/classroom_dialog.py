"""The teacher's choice of what a project or lesson shows and locks (Edit › Classroom mode…).

One row per item of :data:`~nnstudio.core.restrictions.ITEMS`, grouped as panels, views
and controls: a "Show" box for each, and a "Lock" box for each control (a locked
control stays visible but cannot be changed). The result is a
:class:`~nnstudio.core.restrictions.Restrictions`; the window applies it at once and
saves it with the project (or a lesson written with File › Save as lesson).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..core.restrictions import CONTROL, GROUPS, ITEMS, Restrictions

EXPLANATION = (
    "Choose what learners see when they open this project or lesson. A hidden panel, view or control "
    "is not shown; a locked control is shown greyed out and cannot be changed by any route (its widgets, "
    "keys, undo, lesson steps, pasted configurations). The choice is saved with the project. "
    "Learners see a “Classroom mode” badge, and Edit › Lift classroom restrictions shows everything for "
    "one session.")


class ClassroomDialog(QDialog):
    """``ClassroomDialog(restrictions, parent)``; after ``exec()``, :meth:`restrictions`."""

    def __init__(self, restrictions: Restrictions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Classroom mode")
        self.show_boxes: dict[str, QCheckBox] = {}
        self.lock_boxes: dict[str, QCheckBox] = {}
        outer = QVBoxLayout(self)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        outer.addWidget(text)

        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(18)
        left = QVBoxLayout()
        for group in GROUPS:
            if group == CONTROL:
                continue
            left.addWidget(self._group(group, restrictions))
        left.addStretch(1)
        columns.addLayout(left)
        right = QVBoxLayout()
        right.addWidget(self._group(CONTROL, restrictions))
        right.addStretch(1)
        columns.addLayout(right, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.clear_button = QPushButton("Show and unlock all")
        self.clear_button.setToolTip("No restrictions: everything shown, nothing locked")
        self.clear_button.clicked.connect(self.clear)
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.resize(760, 560)

    def _group(self, group: str, restrictions: Restrictions) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(3)
        title = QLabel(GROUPS[group])
        f = title.font()
        f.setBold(True)
        title.setFont(f)
        grid.addWidget(title, 0, 0)
        grid.addWidget(QLabel("Show"), 0, 1, Qt.AlignmentFlag.AlignHCenter)
        if group == CONTROL:
            grid.addWidget(QLabel("Lock"), 0, 2, Qt.AlignmentFlag.AlignHCenter)
        row = 1
        for item in ITEMS:
            if item.group != group:
                continue
            grid.addWidget(QLabel(item.label), row, 0)
            shown = QCheckBox()
            shown.setObjectName(f"show:{item.key}")
            shown.setChecked(not restrictions.hides(item.key))
            shown.setToolTip(f"Show {item.label.lower()}")
            self.show_boxes[item.key] = shown
            grid.addWidget(shown, row, 1, Qt.AlignmentFlag.AlignHCenter)
            if item.lockable:
                lock = QCheckBox()
                lock.setObjectName(f"lock:{item.key}")
                lock.setChecked(restrictions.locks(item.key))
                lock.setToolTip(f"Lock {item.label.lower()}: shown, but it cannot be changed")
                self.lock_boxes[item.key] = lock
                grid.addWidget(lock, row, 2, Qt.AlignmentFlag.AlignHCenter)
            row += 1
        grid.setColumnStretch(0, 1)
        return box

    def clear(self) -> None:
        for box in self.show_boxes.values():
            box.setChecked(True)
        for box in self.lock_boxes.values():
            box.setChecked(False)

    def restrictions(self) -> Restrictions:
        """What the boxes say."""
        hidden = frozenset(k for k, box in self.show_boxes.items() if not box.isChecked())
        locked = frozenset(k for k, box in self.lock_boxes.items() if box.isChecked())
        return Restrictions(hidden, locked)


__all__ = ["ClassroomDialog"]
