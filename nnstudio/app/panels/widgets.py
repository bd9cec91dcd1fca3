"""Small widgets the setting panels share.

* :class:`SpinBox`, :class:`DoubleSpinBox`, :class:`ComboBox`, :class:`Slider` — the Qt
  widgets, changed in two ways that matter in a scrolling panel: the value is taken
  when the user presses Enter or leaves the field (not on every key), and the mouse
  wheel only changes a field that has the keyboard focus, so scrolling the panel never
  changes a setting by accident.
* :meth:`DoubleSpinBox.show_value` / :meth:`SpinBox.show_value` — show the document's
  value exactly even when a project file, a share string, a lesson or the command line
  set it outside the box's usual range or finer than its decimals (momentum 0.9995 in a
  box of 3 decimals up to 0.999): the range widens to hold it and the box shows as many
  decimals as it needs, so the panel never shows a number other than the one trained with.
* :class:`WholeNumberBox` — a whole number beyond a QSpinBox's 32 bits (a seed up to 2⁶³−1).
* :class:`LogSpinBox` — a number spanning several decades (a learning rate): the arrows
  step along 1-2-5 (…, 0.01, 0.02, 0.05, 0.1, …) and any value in range can be typed.
* :class:`LogControl` — a :class:`LogSpinBox` with a slider over the same 1-2-5 ladder.
* :class:`LabelledSlider` — a slider for a float with its value shown beside it.
* :class:`OptionalFloatEdit` — a number that may be left empty to take a default,
  which is shown as the placeholder ("default 0.9").
* :class:`ErrorLabel` — where a refused edit says why, next to the field.
* :func:`caption`, :func:`section_title`, :func:`icon`, :class:`Chip` — text and
  buttons styled from the palette, so they read well in light and dark mode.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from decimal import Decimal
from typing import Iterator

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPalette, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QWidget,
)


# -- plain widgets that behave well inside a scroll area -------------------------------------
def _guarded_wheel(widget: QWidget, event, base) -> None:
    if widget.hasFocus():
        base(widget, event)
    else:  # let the panel's scroll area have it
        event.ignore()


class SpinBox(QSpinBox):
    def __init__(self, minimum: int = 0, maximum: int = 99, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(minimum, maximum)
        self._usual = (minimum, maximum)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccelerated(True)

    def show_value(self, v: int) -> None:
        """Show the document's ``v`` as it is, widening the usual range if it lies outside
        (back to the usual range once the value fits it again)."""
        lo, hi = self._usual
        self.setRange(min(lo, v), max(hi, v))
        self.setValue(v)

    def wheelEvent(self, event) -> None:  # noqa: N802
        _guarded_wheel(self, event, QSpinBox.wheelEvent)


#: the most decimals a QDoubleSpinBox keeps (Qt bounds them by DBL_MAX_10_EXP + DBL_DIG)
MAX_DECIMALS = 323


def exact_decimals(v: float) -> int:
    """The fewest digits after the point that write ``v`` so it reads back exactly:
    0.9995 → 4, 2.5 → 1, 250.0 → 0, 1e-07 → 7."""
    if not math.isfinite(v):
        return 0
    exponent = Decimal(repr(float(v))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def exact_text(v: float) -> str:
    """``v`` as the shortest text that reads back exactly, without an exponent while that
    stays short: 0.9995, 2000000, 1e-07, 1.5e+300."""
    if v == 0:
        return "0"
    text = f"{v:.{exact_decimals(v)}f}"
    return text if len(text) <= 16 else format_number(v)


def _number(text: str) -> float | None:
    """A finite number written plainly (a comma as the decimal point too), else None."""
    try:
        v = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _numeric_chars(text: str) -> bool:
    return all(c in "0123456789.,eE+- " for c in text)


class DoubleSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox whose :meth:`show_value` shows any value exactly (see the module notes)."""

    def __init__(self, minimum: float = 0.0, maximum: float = 1.0, step: float = 0.1, decimals: int = 2,
                 parent: QWidget | None = None) -> None:
        self._wide = False  # showing a value beyond the usual range or decimals
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(minimum, maximum)
        self.setSingleStep(step)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._usual = (minimum, maximum, decimals)

    def show_value(self, v: float) -> None:
        """Show the document's ``v`` exactly: a value outside the usual range widens it (the
        arrows then step within the wider range; the core still checks every edit), and a
        value finer than the usual decimals gets the decimals it needs (0.9995, not 0.999).
        A value that fits the usual range and decimals puts the box back as it was made."""
        lo, hi, decimals = self._usual
        need = exact_decimals(v)
        self._wide = not lo <= v <= hi or need > decimals
        self.setDecimals(min(MAX_DECIMALS, max(decimals, need)) if self._wide else decimals)
        self.setRange(min(lo, v), max(hi, v))
        self.setValue(v)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        if self._wide and not (self.specialValueText() and value == self.minimum()):
            return exact_text(value)
        return super().textFromValue(value)

    def _clean(self, text: str) -> str:
        if self.prefix() and text.startswith(self.prefix()):
            text = text[len(self.prefix()):]
        if self.suffix() and text.endswith(self.suffix()):
            text = text[:-len(self.suffix())]
        return text.strip()

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        # the exact text of a wide value may have an exponent (1e-07), which Qt cannot read
        v = _number(self._clean(text)) if self._wide else None
        return super().valueFromText(text) if v is None else v

    def validate(self, text: str, pos: int):  # noqa: D102
        state, text, pos = super().validate(text, pos)
        if not self._wide or state == QValidator.State.Acceptable:
            return state, text, pos
        clean = self._clean(text)
        v = _number(clean)
        if v is not None and self.minimum() <= v <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        if _numeric_chars(clean):
            return QValidator.State.Intermediate, text, pos
        return state, text, pos

    def wheelEvent(self, event) -> None:  # noqa: N802
        _guarded_wheel(self, event, QDoubleSpinBox.wheelEvent)


class WholeNumberBox(QAbstractSpinBox):
    """A whole number in ``[minimum, maximum]`` beyond a QSpinBox's 32 bits: a seed may be
    any number up to 2⁶³−1 (a QSpinBox would show 2147483647 for a larger one).

    Like :class:`SpinBox`, the value is taken when the user presses Enter or leaves the
    field, and ``valueChanged(object)`` gives the new int (also for the arrows).
    """

    valueChanged = Signal(object)

    def __init__(self, minimum: int = 0, maximum: int = 2**63 - 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._min, self._max, self._value = int(minimum), int(maximum), int(minimum)
        self.setKeyboardTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccelerated(True)
        self.lineEdit().setText(str(self._value))
        self.editingFinished.connect(self._commit)

    def minimum(self) -> int:
        return self._min

    def maximum(self) -> int:
        return self._max

    def value(self) -> int:
        return self._value

    def setValue(self, v: int) -> None:  # noqa: N802 - Qt's name
        v = max(self._min, min(self._max, int(v)))
        changed = v != self._value
        self._value = v
        if self.lineEdit().text() != str(v):
            self.lineEdit().setText(str(v))
            self.lineEdit().setCursorPosition(0)  # a number cut short shows its first digits
        # no arrows beside a seed of more than 10 digits (stepping it by one means little):
        # its digits need the room in a narrow panel
        long = len(str(v)) > 10
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if long
                              else QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.update()  # the arrows' enabled state
        if changed:
            self.valueChanged.emit(v)

    def show_value(self, v: int) -> None:
        self.setValue(v)

    @staticmethod
    def _parse(text: str) -> int | None:
        t = text.strip().replace(",", "").replace(" ", "").replace("_", "")
        return int(t) if t.isascii() and t.isdigit() else None

    def validate(self, text: str, pos: int):  # noqa: D102
        if not text.strip():
            return QValidator.State.Intermediate, text, pos
        v = self._parse(text)
        if v is None:
            return QValidator.State.Invalid, text, pos
        if self._min <= v <= self._max:
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        return str(self._value)

    def _commit(self) -> None:
        v = self._parse(self.lineEdit().text())
        if v is None or not self._min <= v <= self._max:
            self.lineEdit().setText(str(self._value))
            return
        self.setValue(v)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        self._commit()
        self.setValue(self._value + steps)
        self.selectAll()

    def stepEnabled(self):  # noqa: N802 - Qt's name
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self._value < self._max:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self._value > self._min:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), self.fontMetrics().horizontalAdvance("2147483647") + 40))
        return hint

    def wheelEvent(self, event) -> None:  # noqa: N802
        _guarded_wheel(self, event, QAbstractSpinBox.wheelEvent)


#: the item data role of the text a :class:`ComboBox` shows in its box for an item whose
#: full name (shown in its list) is too long for a narrow panel
SHORT_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1


class ComboBox(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(6)

    def wheelEvent(self, event) -> None:  # noqa: N802
        _guarded_wheel(self, event, QComboBox.wheelEvent)

    def add(self, text: str, data: object, tooltip: str = "", short: str = "") -> None:
        """Add an item with its key and (optionally) a tooltip of its own and a ``short``
        text for the box; the list shows ``text``."""
        self.addItem(text, data)
        if tooltip:
            self.setItemData(self.count() - 1, tooltip, Qt.ItemDataRole.ToolTipRole)
        if short:
            self.setItemData(self.count() - 1, short, SHORT_TEXT_ROLE)

    def shown_text(self) -> str:
        """What the box shows: the current item's short text, or its text, or the
        placeholder when no item is current."""
        i = self.currentIndex()
        if i < 0:
            return self.placeholderText()
        return self.itemData(i, SHORT_TEXT_ROLE) or self.itemText(i)

    def text_room(self) -> int:
        """The width the style gives the box's text (its edit field, less the pixel the
        label keeps on each side)."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return field.width() - 2

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        # QComboBox.paintEvent with the shown text; a text still too wide is elided with
        # "…" rather than cut mid-letter ("Glorot / Xavier uniforr")
        painter = QStylePainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        if self.currentIndex() < 0 and self.placeholderText():
            opt.palette.setBrush(QPalette.ColorRole.ButtonText, opt.palette.placeholderText())
        opt.currentText = self.fontMetrics().elidedText(self.shown_text(), Qt.TextElideMode.ElideRight,
                                                        max(0, self.text_room()))
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def set_current_data(self, data: object) -> None:
        i = self.findData(data)
        if i >= 0:
            self.setCurrentIndex(i)


class Slider(QSlider):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event) -> None:  # noqa: N802
        _guarded_wheel(self, event, QSlider.wheelEvent)


class FittingScrollArea(QScrollArea):
    """A vertical scroll area whose content is as tall as its wrapped text needs at the
    width it has (Qt sizes a scroll area's content by its unwrapped size hint, which
    cuts off the last lines of word-wrapped labels in a narrow panel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 - Qt's name
        super().setWidget(widget)
        # never narrower than the content's own minimum plus the scroll bar: with no
        # horizontal scroll bar, a dock squeezed below it would cut the content off
        # at its right edge (the data panel's fourth column of thumbnails)
        self.setMinimumWidth(widget.minimumWidth() + self.verticalScrollBar().sizeHint().width())

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit_content()

    def fit_content(self) -> None:
        body = self.widget()
        layout = body.layout() if body is not None else None
        if layout is not None and layout.hasHeightForWidth():
            body.setMinimumHeight(layout.heightForWidth(self.viewport().width()))


@contextmanager
def blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` while the panel copies the document into them."""
    blockers = [QSignalBlocker(o) for o in objects]
    try:
        yield
    finally:
        for b in blockers:
            b.unblock()


# -- numbers over several decades --------------------------------------------------------------
def ladder_125(lo: float, hi: float) -> list[float]:
    """The values 1·10ᵏ, 2·10ᵏ, 5·10ᵏ between ``lo`` and ``hi`` (both included when on it)."""
    out: list[float] = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = float(f"{m}e{e}")  # exact decimal, not m * 10**e with its rounding
            if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12):
                out.append(v)
    return out


_POWER = re.compile(r"^(?:([+\-−]?[\d.]+)\s*[×x*]\s*)?10\s*(?:\^\s*([+\-−]?\d+)|(⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))$")
_PLAIN_POWER = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹−", "-0123456789-")


def parse_number(text: str) -> float:
    """A number as a learner may type it: "0.3", "1e-8", or as the app writes it, "10⁻⁸",
    "1.5×10⁻⁵" (also "1.5x10^-5"). Raises ValueError for anything else."""
    text = text.strip().replace(",", ".")
    m = _POWER.match(text)
    if m:
        mant = (m.group(1) or "1").translate(_PLAIN_POWER)
        exp = (m.group(2) or m.group(3)).translate(_PLAIN_POWER)
        return float(f"{mant}e{int(exp)}")
    return float(text.translate(_PLAIN_POWER))


def format_number(v: float) -> str:
    """Short text for a setting that reads back as exactly the same number: 0.03, 1e-05,
    250, and 0.9999995 (not 1) or 1.23456789e-08 (not 1.23457e-08)."""
    if v == 0:
        return "0"
    for digits in range(6, 18):
        text = f"{v:.{digits}g}"
        if float(text) == v:
            return text
    return repr(float(v))


class LogSpinBox(DoubleSpinBox):
    """A positive number over several decades; the arrows step 1-2-5, typing takes any value.

    With ``allow_zero`` the box also holds 0, shown as ``zero_text``, one step below the
    smallest positive value (for penalties that are off by default).
    """

    def __init__(self, minimum: float = 1e-5, maximum: float = 10.0, allow_zero: bool = False,
                 zero_text: str = "0 (off)", parent: QWidget | None = None) -> None:
        super().__init__(0.0 if allow_zero else minimum, maximum, 0.0, 12, parent)
        self._lo = minimum
        self._ladder = ([0.0] if allow_zero else []) + ladder_125(minimum, maximum)
        if allow_zero:
            self.setSpecialValueText(zero_text)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    @property
    def ladder(self) -> list[float]:
        return list(self._ladder)

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return format_number(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        v = self._parse(text)
        return self.value() if v is None else v

    def _parse(self, text: str) -> float | None:
        text = text.strip().replace(",", ".")
        if self.specialValueText() and text == self.specialValueText():
            return 0.0
        try:
            v = float(text)
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    def validate(self, text: str, pos: int):  # noqa: D102
        v = self._parse(text)
        if v is not None and self.minimum() <= v <= self.maximum():
            if v != 0 or self.minimum() == 0:
                return QValidator.State.Acceptable, text, pos
        stripped = text.strip()
        if all(c in "0123456789.,eE+-" for c in stripped):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:  # noqa: N802
        v = self.value()
        ladder = self._ladder
        for _ in range(abs(steps)):
            if steps > 0:
                bigger = [x for x in ladder if x > v * (1 + 1e-9) + (1e-300 if v == 0 else 0)]
                if not bigger:
                    break
                v = bigger[0]
            else:
                smaller = [x for x in ladder if x < v * (1 - 1e-9)]
                if not smaller:
                    break
                v = smaller[-1]
        self.setValue(v)
        self.selectAll()

    def stepEnabled(self):  # noqa: N802
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.maximum():
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.minimum():
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags

    def nearest_step(self, v: float) -> int:
        """Index in :attr:`ladder` of the step closest to ``v`` (on a log scale)."""
        if v <= 0:
            return 0
        best, best_d = 0, math.inf
        for i, x in enumerate(self._ladder):
            if x <= 0:
                continue
            d = abs(math.log10(x) - math.log10(v))
            if d < best_d:
                best, best_d = i, d
        return best


class LogControl(QWidget):
    """A slider over the 1-2-5 steps and a :class:`LogSpinBox` for typing any value.

    ``valueChanged(float)`` is emitted when the user moves the slider, steps or types.
    """

    valueChanged = Signal(float)

    def __init__(self, minimum: float = 1e-5, maximum: float = 10.0, allow_zero: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = LogSpinBox(minimum, maximum, allow_zero)
        self.slider = Slider()
        self.slider.setRange(0, len(self.spin.ladder) - 1)
        self.slider.setPageStep(3)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(3)
        self.spin.setMinimumWidth(84)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.spin.valueChanged.connect(self._from_spin)
        self.slider.valueChanged.connect(self._from_slider)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, v: float) -> None:  # noqa: N802
        """Show ``v`` exactly in the box (see :meth:`DoubleSpinBox.show_value`), the slider
        at the nearest step."""
        with blocked(self.spin, self.slider):
            self.spin.show_value(v)
            self.slider.setValue(self.spin.nearest_step(v))

    def _from_spin(self, v: float) -> None:
        with blocked(self.slider):
            self.slider.setValue(self.spin.nearest_step(v))
        self.valueChanged.emit(v)

    def _from_slider(self, i: int) -> None:
        v = self.spin.ladder[i]
        with blocked(self.spin):
            self.spin.setValue(v)
        self.valueChanged.emit(v)


class LabelledSlider(QWidget):
    """A slider for a float in ``[minimum, maximum]`` in steps of ``step``, value on its right.

    :meth:`setValue` keeps the value given, also one between the steps or beyond the ends
    (a project file's noise 0.125): the label shows it exactly and :meth:`value` gives it,
    the slider sits at the nearest step. Moving the slider takes the step's value.
    """

    valueChanged = Signal(float)

    def __init__(self, minimum: float, maximum: float, step: float, fmt: str = "{:.2f}",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lo, self._step, self._fmt = minimum, step, fmt
        self.slider = Slider()
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.slider.setPageStep(max(1, self.slider.maximum() // 10))
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(fmt.format(maximum)) + 6)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self._value = self._step_value()
        self.slider.valueChanged.connect(self._moved)
        self._show()

    def value(self) -> float:
        return self._value

    def setValue(self, v: float) -> None:  # noqa: N802
        self._value = float(v)
        with blocked(self.slider):
            self.slider.setValue(round((v - self._lo) / self._step))
        self._show()

    def _step_value(self) -> float:
        return round(self._lo + self.slider.value() * self._step, 10)

    def _show(self) -> None:
        v = self._value
        text = self._fmt.format(v)
        try:
            exact = float(text) == v
        except ValueError:  # a format with words: trust it
            exact = True
        self.label.setText(text if exact else exact_text(v))

    def _moved(self, _i: int) -> None:
        self._value = self._step_value()
        self._show()
        self.valueChanged.emit(self.value())


class OptionalFloatEdit(QLineEdit):
    """A number that may stay empty: empty means the default, shown as the placeholder.

    ``valueEdited(object)`` gives the float, or None for "default", when the user
    presses Enter or leaves the field after changing it. Text that is not a number
    is refused with ``sigInvalid(message)`` and the field goes back to the last value.
    """

    valueEdited = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self._value: float | None = None
        self.editingFinished.connect(self._finished)
        # the clear button empties the field without "editing finished" while it has no focus
        self.textChanged.connect(lambda t: self._finished() if not t and not self.hasFocus() else None)

    def value(self) -> float | None:
        return self._value

    def setValue(self, v: float | None) -> None:  # noqa: N802
        self._value = v
        with blocked(self):
            self.setText("" if v is None else format_number(v))

    def _finished(self) -> None:
        text = self.text().strip()
        if not text:
            new = None
        else:
            try:
                new = parse_number(text)
            except ValueError:
                self.sigInvalid.emit(f"'{self.text()}' is not a number; leave the field empty for the default")
                self.setValue(self._value)
                return
        if new != self._value:
            self._value = new
            self.valueEdited.emit(new)


# -- text and buttons styled from the palette ------------------------------------------------
def caption(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A quiet, wrapping explanation line under a setting."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    f = label.font()
    f.setPointSizeF(max(7.0, f.pointSizeF() * 0.9))
    label.setFont(f)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def section_title(text: str, parent: QWidget | None = None) -> QLabel:
    """The bold heading of a group of settings."""
    label = QLabel(text, parent)
    f = label.font()
    f.setBold(True)
    f.setPointSizeF(f.pointSizeF() * 1.05)
    label.setFont(f)
    label.setContentsMargins(0, 6, 0, 0)
    return label


def hline(parent: QWidget | None = None) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def icon(name: str) -> QIcon:
    """A qtawesome icon in the palette's button-text colour (so it shows in dark mode)."""
    import qtawesome as qta

    pal = QGuiApplication.palette()
    return qta.icon(name, color=pal.color(QPalette.ColorRole.ButtonText),
                    color_disabled=pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText))


def error_color(widget: QWidget) -> QColor:
    """A red that reads on the widget's background, light or dark."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(255, 128, 116) if dark else QColor(190, 30, 30)


class ErrorLabel(QLabel):
    """Why the last edit was refused; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_message(self, text: str) -> None:
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.WindowText, error_color(self))
        self.setPalette(pal)
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()


class Chip(QToolButton):
    """A rounded toggle button, like a tag: on = highlighted."""

    STYLE = """
        QToolButton#chip {
            border: 1px solid palette(mid); border-radius: 9px; padding: 2px 8px;
            background: palette(base); color: palette(text);
        }
        QToolButton#chip:checked {
            background: palette(highlight); color: palette(highlighted-text);
            border-color: palette(highlight);
        }
        QToolButton#chip:disabled { color: palette(mid); }
    """

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chip")
        self.setText(text)
        self.setCheckable(True)
        self.setStyleSheet(self.STYLE)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        f = self.font()
        f.setStyleHint(QFont.StyleHint.SansSerif)
        self.setFont(f)


__all__ = [
    "SpinBox", "DoubleSpinBox", "WholeNumberBox", "exact_decimals", "exact_text", "ComboBox", "SHORT_TEXT_ROLE", "Slider", "blocked", "ladder_125", "format_number",
    "LogSpinBox", "LogControl", "LabelledSlider", "OptionalFloatEdit", "caption", "section_title",
    "hline", "icon", "error_color", "ErrorLabel", "Chip",
]
