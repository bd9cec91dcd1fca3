"""Keys and the mouse wheel never surprise: controls keep their keys, the wheel scrolls.

Two rules, applied to the whole application by :class:`InputPolicy` (an event filter
on the ``QApplication``):

* **Keys.** Training's shortcuts (Space, the arrows, R, Enter …) act only when the
  focus is not in a control that uses that key itself. Qt asks the focused widget
  first with a *ShortcutOverride* event; the policy accepts it for the keys each kind
  of control uses — text and number boxes take every key, buttons and check boxes take
  Space and Enter, sliders and lists take the arrows, combo boxes take arrows, Space and
  Enter — so the key reaches the control and the shortcut stays quiet.
* **Tab** moves from a drawing (a plot, the network) to the next control, never into
  the items of its scene; and only to controls on screen: a view whose tab is behind
  another's is passed over (its tab bar is on the way: ← and → bring it forward).
* **Wheel.** A combo box, spin box or slider changes with the wheel only when it has
  the focus; otherwise the wheel passes on to the panel around it, which scrolls. (And
  such controls no longer take the focus from a wheel turn.)
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QGraphicsView,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

K = Qt.Key
ARROWS = {K.Key_Left, K.Key_Right, K.Key_Up, K.Key_Down}
ENTER = {K.Key_Return, K.Key_Enter}
PAGING = {K.Key_PageUp, K.Key_PageDown, K.Key_Home, K.Key_End}
#: widgets the wheel may change only when they have the focus
WHEEL_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)
TEXT_INPUTS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


def keys_used_by(widget: QWidget) -> set[int] | None:
    """The keys ``widget`` handles itself (None: every key — a text or number box)."""
    if isinstance(widget, TEXT_INPUTS) or (isinstance(widget, QComboBox) and widget.isEditable()):
        return None
    if isinstance(widget, QComboBox):
        return ARROWS | ENTER | {K.Key_Space} | PAGING
    if isinstance(widget, QAbstractSlider):
        return ARROWS | PAGING
    if isinstance(widget, (QAbstractItemView, QTabBar)):
        return ARROWS | ENTER | {K.Key_Space} | PAGING
    if isinstance(widget, QAbstractButton):
        return ARROWS | ENTER | {K.Key_Space}
    return set()


def _focused_control(obj: QObject) -> QWidget | None:
    """The control a key event is for: the object itself, or the control whose part it
    is (the line edit inside a spin box or an editable combo box)."""
    w = obj if isinstance(obj, QWidget) else None
    while w is not None:
        if keys_used_by(w) != set():
            return w
        parent = w.parentWidget()
        if not isinstance(parent, (QAbstractSpinBox, QComboBox)):
            return None
        w = parent
    return None


def control_takes_key(obj: QObject, event: QKeyEvent) -> bool:
    """Whether the key of ``event`` belongs to the control ``obj`` rather than to a
    window shortcut."""
    control = _focused_control(obj)
    if control is None or event.key() == K.Key_Escape:  # Esc always gives the keys back to training
        return False
    keys = keys_used_by(control)
    if keys is None:  # a text or number box: every key but window commands with Ctrl
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        return mods == Qt.KeyboardModifier.NoModifier or Qt.Key(event.key()) in ARROWS
    return Qt.Key(event.key()) in keys


def covered(widget: QWidget) -> bool:
    """Whether ``widget`` lies in a dock that another dock's tab covers (Qt keeps such
    docks "visible" and in the Tab order, out of sight)."""
    w: QWidget | None = widget
    while w is not None and not isinstance(w, QDockWidget):
        w = w.parentWidget()
    return w is not None and w.isVisible() and not w.isFloating() and w.visibleRegion().isEmpty()


def tab_out_of(view: QWidget, forward: bool = True) -> bool:
    """Give the focus to the control after ``view`` in the Tab order (before it:
    ``forward`` False), skipping ``view``'s own parts; False when there is none.
    (``QGraphicsView.focusNextPrevChild`` went back into the view itself.)"""
    w = view
    for _ in range(10000):  # the focus chain is a ring; this bounds a broken one
        w = w.nextInFocusChain() if forward else w.previousInFocusChain()
        if w is None or w is view:
            return False
        if (view.isAncestorOf(w) or w.window() is not view.window() or not w.isVisible() or not w.isEnabled()
                or not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or w.focusProxy() is not None
                or covered(w)):
            continue
        w.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
        return True
    return False


class InputPolicy(QObject):
    """Install once with :meth:`install`; applies to every window of the application."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            if isinstance(event, QKeyEvent) and control_takes_key(obj, event):
                event.accept()  # the key goes to the control, the shortcut stays quiet
            return False
        if kind == QEvent.Type.KeyPress and isinstance(obj, QGraphicsView) and isinstance(event, QKeyEvent) \
                and event.key() in (K.Key_Tab, K.Key_Backtab) \
                and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            # Tab leaves a drawing for the next control. Qt hands it to the scene first, and
            # a pyqtgraph plot's scene took every Tab for its zoomable box, which it cannot
            # focus while the plot is behind another tab: the keys stayed in the plot
            backward = event.key() == K.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            return tab_out_of(obj, not backward)
        if kind == QEvent.Type.FocusIn and isinstance(obj, QWidget) and isinstance(event, QFocusEvent) \
                and event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason) \
                and covered(obj):
            # Tab went to a control out of sight (its view's tab is behind another): on
            tab_out_of(obj, event.reason() == Qt.FocusReason.TabFocusReason)
            return False
        if kind == QEvent.Type.Wheel and isinstance(obj, WHEEL_GUARDED):
            focus = QApplication.focusWidget()
            if not (obj.hasFocus() or (focus is not None and obj.isAncestorOf(focus))):
                event.ignore()  # handled here, not accepted: Qt hands it to the parent
                return True
            return False
        if kind == QEvent.Type.Polish and isinstance(obj, WHEEL_GUARDED):
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel turn must not focus it
        return False

    @classmethod
    def install(cls, app: QApplication) -> "InputPolicy":
        """Install the policy on ``app`` (once; later calls return the same one)."""
        existing = app.findChild(InputPolicy, "nnstudio_input_policy")
        if existing is not None:
            return existing
        policy = cls(app)
        policy.setObjectName("nnstudio_input_policy")
        app.installEventFilter(policy)
        return policy
