"""Classroom mode in the window: hide what the open file hides, lock what it locks.

:class:`ClassroomMode` holds the open file's :class:`~nnstudio.core.restrictions.Restrictions`
(from a project's ``ui.classroom`` or a lesson's ``classroom``) and makes the window
follow them:

* hidden panels and views: their docks go, and so do their entries in the View menu;
  a workspace switch or a lesson that shows a dock cannot bring one back;
* hidden controls: their rows in the panels go (and the network view's "+ / −" for
  layers and neurons);
* locked controls: their rows are disabled, so neither the mouse nor the keyboard (Tab
  skips disabled widgets) reaches them; and every route that edits the document — a
  view, a key, undo or redo of an older edit, a lesson step, a pasted configuration, a
  dropped CSV file — meets the document's guard, which refuses a change of a locked
  setting with a message saying how to lift the lock.

Opening another file (project or lesson) is leaving this one: the new file's
restrictions apply (none, if it has none). :meth:`ClassroomMode.lift` shows everything
and unlocks everything for the rest of the session; the restrictions stay the file's
and are saved with it.

The panels redo their own rows on every change of the document (a row for momentum
only with momentum, …), so the restrictions are applied again after each change and
each workspace switch; lifting them restores what was hidden or disabled and lets the
panels decide again.
"""

from __future__ import annotations

from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLayout, QPushButton, \
    QWidget

from ..core.restrictions import ITEMS, Restrictions, Setup, check_change
from .document import DocState
from .workspaces import SHOWN

#: the dock (its widget's class name) of each panel and view item
DOCKS = {
    "panel.data": "DataPanel", "panel.network": "NetworkPanel", "panel.training": "TrainingPanel",
    "panel.lessons": "LessonPanel", "view.network": "NetworkView", "view.boundary": "BoundaryView",
    "view.loss": "LossView", "view.inspector": "InspectorView", "view.gradients": "GradientView",
    "view.activations": "ActivationView", "view.surface": "SurfaceView", "view.race": "RaceView",
    "view.representation": "RepresentationView", "view.hardest": "HardestSamplesView",
    "view.digits": "DigitGalleryView", "view.pad": "DrawingPadView",
}
INDICATOR_TEXT = "Classroom mode: some controls are hidden or locked"
LIFTED_TEXT = "Classroom restrictions lifted for this session"


def control_widgets(window: Any, key: str) -> list[QWidget]:
    """The widgets (fields of panel rows, buttons) through which control ``key`` is set."""
    dp, np_, tp, nv = window.data_panel, window.network_panel, window.training_panel, window.network_view
    cards = list(np_.cards)
    table: dict[str, Callable[[], list[QWidget]]] = {
        "dataset": lambda: [dp.dataset_box, dp.samples, dp.classes, dp.slope, dp.standardize],
        "noise": lambda: [dp.noise],
        "split": lambda: [dp.validation],
        "seeds": lambda: [dp.seed, tp.seed.parentWidget()],
        "features": lambda: [np_.chip_box, np_.inputs_hint],
        "layers": lambda: ([c.units for c in cards] + [c.remove_button for c in cards]
                           + [c.button for c in [np_.first_connector, *np_.connectors]]
                           + [nv.header.plus, nv.header.minus]),
        "activation": lambda: [np_.all_layers.activation] + [w for c in cards for w in (c.activation, c.alpha)],
        # for two classes, the choice of one sigmoid or two softmax units is the loss's
        "loss": lambda: [np_.loss_combo, np_.huber, np_.two_class_combo],
        "learning_rate": lambda: [tp.lr, tp.schedule, tp.decay_rate, tp.decay_epochs],
        "optimizer": lambda: [tp.optimizer, tp.rule, tp.momentum, tp.beta1, tp.beta2, tp.rho, tp.eps, tp.weight_decay],
        "batch_size": lambda: [tp.batch_mode, tp.batch_size],
        "regularization": lambda: [tp.l1, tp.l2] + [c.dropout for c in cards],
    }
    return table[key]()


def _containing_layout(widget: QWidget) -> QLayout | None:
    parent = widget.parentWidget()
    if parent is None:
        return None
    for lay in [parent.layout(), *parent.findChildren(QLayout)]:
        if lay is not None and lay.indexOf(widget) >= 0:
            return lay
    return None


def _layout_widgets(lay: QLayout) -> list[QWidget]:
    out = []
    for i in range(lay.count()):
        item = lay.itemAt(i)
        if item.widget() is not None:
            out.append(item.widget())
        elif item.layout() is not None:
            out += _layout_widgets(item.layout())
    return out


def row_of(widget: QWidget) -> tuple[QFormLayout | None, Any, list[QWidget]]:
    """The row ``widget`` belongs to: ``(form, item, [])`` for a form's row (``item``
    the widget or the layout holding it), ``(None, None, widgets)`` for a grid's row or
    a widget on its own — with a label beside it in the same small row (``Label [field]``)."""
    lay = _containing_layout(widget)
    if isinstance(lay, QHBoxLayout):
        # "Dropout [0.2]" inside a row shared with other fields: the label and the field go
        k = lay.indexOf(widget)
        before = lay.itemAt(k - 1).widget() if k > 0 else None
        if isinstance(before, QLabel):
            return None, None, [before, widget]
    item: Any = widget
    for _ in range(2):  # the widget's own layout, or the small row layout it sits in
        if lay is None:
            break
        if isinstance(lay, QFormLayout):
            return lay, item, []
        if isinstance(lay, QGridLayout):
            row = lay.getItemPosition(lay.indexOf(item))[0]
            cells = [lay.itemAtPosition(row, c) for c in range(lay.columnCount())]
            widgets: list[QWidget] = []
            for cell in dict.fromkeys(c for c in cells if c is not None):
                if cell.widget() is not None:
                    widgets.append(cell.widget())
                elif cell.layout() is not None:
                    widgets += _layout_widgets(cell.layout())
            return None, None, widgets
        parent = lay.parent()
        if not isinstance(parent, QLayout):
            break
        item, lay = lay, parent
    return None, None, [widget]


class ClassroomIndicator(QWidget):
    """The badge in the status bar: what is restricted, and the one button that lifts it
    (or puts it back)."""

    sigLift = Signal()
    sigRestore = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classroom_indicator")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 1, 2, 1)
        row.setSpacing(8)
        self.label = QLabel(INDICATOR_TEXT)
        self.label.setObjectName("classroom_text")
        self.button = QPushButton("Show everything")
        self.button.setObjectName("classroom_lift")
        self.button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # the keys stay with training
        self.button.clicked.connect(self._clicked)
        row.addWidget(self.label)
        row.addWidget(self.button)
        self.lifted = False
        self.set_state(False)

    def set_state(self, lifted: bool) -> None:
        self.lifted = lifted
        self.label.setText(LIFTED_TEXT if lifted else INDICATOR_TEXT)
        self.button.setText("Restrict again" if lifted else "Show everything")
        self.button.setToolTip("Hide and lock again what the file hides and locks" if lifted else
                               "Show and unlock everything for this session (the file keeps its restrictions)")
        # a highlighted badge while restricted, so that a missing panel never looks like a bug
        self.setStyleSheet("" if lifted else
                           "QWidget#classroom_indicator { background: palette(highlight); border-radius: 4px; }"
                           "QLabel#classroom_text { color: palette(highlighted-text); font-weight: bold; }")

    def _clicked(self) -> None:
        (self.sigRestore if self.lifted else self.sigLift).emit()


class ClassroomMode(QObject):
    """Applies a file's restrictions to ``window`` (a MainWindow) and guards its document."""

    sigChanged = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        #: the open file's restrictions (kept, and saved, while they are lifted)
        self.restrictions = Restrictions()
        self.lifted = False
        self._hidden_rows: list[tuple[QFormLayout, Any]] = []
        self._hidden: list[QWidget] = []
        self._disabled: list[QWidget] = []
        self._hidden_docks: set[str] = set()
        self._steppers_hidden = False
        self._pending = False
        self.indicator = ClassroomIndicator()
        self.indicator.sigLift.connect(self.lift)
        self.indicator.sigRestore.connect(self.restore)
        self.indicator.hide()

    def attach(self) -> None:
        """Guard the document and follow the window; call once the window has connected
        its panels and views (so that this runs after they redo their rows)."""
        window = self.window
        window.doc.guard = self.guard
        # connected after the panels' own refresh, so this runs after it
        window.doc.sigStateChanged.connect(self.reapply)
        window.workspaces.sigChanged.connect(self._on_workspace)
        for dock in window.view_docks.values():
            dock.visibilityChanged.connect(self._dock_visibility)

    # -- state ------------------------------------------------------------------------------
    @property
    def effective(self) -> Restrictions:
        """What is hidden and locked now (nothing while lifted)."""
        return Restrictions() if self.lifted else self.restrictions

    def set_restrictions(self, restrictions: Restrictions | None) -> None:
        """Another file (or the teacher's dialog) chose the restrictions; they apply now."""
        self._undo()
        self.restrictions = restrictions or Restrictions()
        self.lifted = False
        self._apply()

    def lift(self) -> None:
        """Show and unlock everything for this session."""
        if self.lifted or not self.restrictions.active:
            return
        self._undo()
        self.lifted = True
        self._apply()

    def restore(self) -> None:
        """Hide and lock again what the file hides and locks."""
        if not self.lifted:
            return
        self.lifted = False
        self._apply()

    def guard(self, before: DocState, after: DocState) -> None:
        """The document's guard: a change of a locked setting raises RestrictionError."""
        check_change(self.effective, Setup(before.network, before.config, before.data, before.inline),
                     Setup(after.network, after.config, after.data, after.inline))

    def ui_state(self) -> dict[str, Any] | None:
        """The file's restrictions as saved with a project (``ui.classroom``), or None."""
        return self.restrictions.to_dict() if self.restrictions.active else None

    # -- applying ------------------------------------------------------------------------------
    def _apply(self) -> None:
        self.reapply()
        active = self.restrictions.active
        self.indicator.set_state(self.lifted)
        self.indicator.setVisible(active)
        self.sigChanged.emit()

    def reapply(self, *_args: Any) -> None:
        """Hide and disable again what the restrictions ask (the panels may have redone
        their rows)."""
        r = self.effective
        if not r.active:
            return
        w = self.window
        for key, dock_name in DOCKS.items():
            dock: QDockWidget | None = w.view_docks.get(dock_name)
            if dock is None:
                continue
            if r.hides(key):
                self._hidden_docks.add(dock_name)
                dock.toggleViewAction().setVisible(False)
                if not dock.isHidden():
                    dock.hide()
        for item in ITEMS:
            if not item.lockable or not (r.hides(item.key) or r.locks(item.key)):
                continue
            for widget in control_widgets(w, item.key):
                if r.hides(item.key):
                    self._hide_row(widget)
                if r.locks(item.key):
                    self._disable_row(widget)
        self._hide_empty_sections()
        if r.hides("layers"):
            for stepper in w.network_view.steppers:
                stepper.setVisible(False)
            self._steppers_hidden = True

    def _hide_row(self, widget: QWidget) -> None:
        form, item, widgets = row_of(widget)
        if form is not None:
            if form.isRowVisible(item):
                form.setRowVisible(item, False)
                self._hidden_rows.append((form, item))
            return
        for w in widgets:
            if not w.isHidden():
                w.hide()
                self._hidden.append(w)

    def _hide_empty_sections(self) -> None:
        """A form whose every row is hidden takes its heading (the label just above it) along."""
        for form in {form for form, _item in self._hidden_rows if shiboken6.isValid(form)}:
            if any(form.isRowVisible(i) for i in range(form.rowCount())):
                continue
            outer = form.parent()
            if not isinstance(outer, QLayout):
                continue
            k = outer.indexOf(form)
            heading = outer.itemAt(k - 1).widget() if k > 0 else None
            if isinstance(heading, QLabel) and not heading.isHidden():
                heading.hide()
                self._hidden.append(heading)

    def _disable_row(self, widget: QWidget) -> None:
        form, item, widgets = row_of(widget)
        if form is not None:
            row = form.getWidgetPosition(item)[0] if isinstance(item, QWidget) else form.getLayoutPosition(item)[0]
            widgets = [c for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole)
                       if (cell := form.itemAt(row, role)) is not None
                       for c in ([cell.widget()] if cell.widget() is not None else
                                 _layout_widgets(cell.layout()) if cell.layout() is not None else [])]
        for w in widgets:
            if w.isEnabled():
                w.setEnabled(False)
                self._disabled.append(w)

    def _undo(self) -> None:
        """Show and enable what was hidden and disabled, then let the panels decide again."""
        if not (self._disabled or self._hidden or self._hidden_rows or self._hidden_docks or self._steppers_hidden):
            return
        for w in self._disabled:
            if shiboken6.isValid(w):
                w.setEnabled(True)
        for w in self._hidden:
            if shiboken6.isValid(w):
                w.show()
        for form, item in self._hidden_rows:
            if shiboken6.isValid(form) and shiboken6.isValid(item):
                form.setRowVisible(item, True)
        self._disabled.clear()
        self._hidden.clear()
        self._hidden_rows.clear()
        w = self.window
        current = SHOWN.get(w.workspaces.current, ())
        for name in self._hidden_docks:
            dock = w.view_docks[name]
            dock.toggleViewAction().setVisible(True)
            if name in current and name not in w.workspaces.unavailable:  # digit views: image data only
                dock.show()
        self._hidden_docks.clear()
        for stepper in w.network_view.steppers:
            stepper.setVisible(True)
        self._steppers_hidden = False
        for panel in (w.data_panel, w.network_panel, w.training_panel):
            panel.refresh()
        w.network_view.set_design(w.doc.network, w.doc.data_spec)

    def _on_workspace(self, *_args: Any) -> None:
        self.reapply()
        if any(self.effective.hides(key) for key in DOCKS if key.startswith("panel.")):
            # Qt restores an arrangement that lacks one of the panels' tabs with the panels squeezed
            QTimer.singleShot(0, self.window.workspaces.fit_sizes)

    def _dock_visibility(self, visible: bool) -> None:
        # a workspace restored or a lesson showed a hidden dock: hide it again, once Qt is done
        if visible and self.effective.hidden and not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._after_visibility)

    def _after_visibility(self) -> None:
        self._pending = False
        self.reapply()


__all__ = ["DOCKS", "INDICATOR_TEXT", "LIFTED_TEXT", "ClassroomIndicator", "ClassroomMode", "control_widgets",
           "row_of"]
