"""The rows of the Compare dialog: one setting each, with a tick box, A's value and B's editor.

:class:`TextRow` holds a value typed as text (a number, or numbers separated by commas);
:class:`ChoiceRow` one chosen from a list. Both speak the value syntax of
:class:`~nnstudio.core.run_changes.RunChanges` (``"0.3"``, ``"relu"``, ``"8,8"``), so the
dialog can move values between the form and the changes text without translating.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from ..core.errors import SpecError
from ..core.run_changes import RunChanges
from ..core.safetext import escape_controls, printable
from .compare_text import display_value, value_text
from .panels.widgets import ComboBox, error_color

#: the longest value one row's field takes (64 layer sizes of 4 digits fit)
FIELD_LIMIT = 400
#: the longest A's value is shown in its column (all of it in the tooltip)
A_LIMIT = 32


def show_controls(edit: QLineEdit) -> str:
    """Write the control, format and surrogate characters in ``edit`` as escapes
    (``\\x1b``, ``\\u202e``), so that what was pasted is seen as it is and cannot hide or
    reorder the rest of the line; a tab is a space. Returns the text."""
    text = edit.text()
    if text.isprintable():
        return text
    cursor = edit.cursorPosition()
    before = escape_controls(text[:cursor].replace("\t", " "))
    text = before + escape_controls(text[cursor:].replace("\t", " "))
    edit.setText(text)
    edit.setCursorPosition(len(before))
    return edit.text()


class SettingRow(ABC):
    """One setting: a tick box (is it one of B's changes?), A's value and B's editor."""

    def __init__(self, key: str, title: str, tooltip: str, a_value: Any, editor: QWidget) -> None:
        self.key = key
        self.title = title
        self.a_value = a_value
        self.tooltip = tooltip
        self.check = QCheckBox(title)
        self.check.setObjectName(f"change:{key}")
        self.check.setToolTip(f"Tick to make {title.lower()} one of B's changes; untick to keep A's value")
        self.set_checked(True)  # a ticked row's title is bold: keep its room so ticking moves nothing
        self.check.setMinimumWidth(self.check.sizeHint().width())
        self.set_checked(False)
        shown = display_value(key, a_value)
        self.a_label = QLabel(printable(shown, A_LIMIT))
        self.a_label.setObjectName(f"a:{key}")
        self.a_label.setTextFormat(Qt.TextFormat.PlainText)
        self.a_label.setToolTip(f"Run A's present {title.lower()}: {printable(shown, 400)}")
        self.editor = editor
        editor.setObjectName(f"b:{key}")
        editor.setToolTip(tooltip)
        self._palette = QPalette(editor.palette())

    @abstractmethod
    def raw(self) -> str:
        """The editor's value in RunChanges syntax (``"0.3"``, ``"relu"``, ``"8,8"``)."""

    @abstractmethod
    def set_raw(self, text: str) -> None:
        """Show ``text`` (RunChanges syntax) in the editor."""

    def normalised(self) -> str:
        """:meth:`raw` without the spaces a learner may put around commas or at the ends."""
        return re.sub(r"\s*,\s*", ",", self.raw().strip())

    def value(self) -> Any:
        """B's value as RunChanges holds it.

        Raises
        ------
        SpecError
            Naming this setting, when the field does not hold one readable value.
        """
        raw = self.normalised()
        if not raw:
            raise SpecError(f"{self.title}: type B's value")
        if re.search(r"[\s;=]", raw):  # one field holds one value, never further changes
            raise SpecError(f"{self.title} must be one value, not '{printable(raw, 30)}'")
        return RunChanges.parse(f"{self.key}={raw}").items[0][1]

    def differs(self) -> bool:
        """Whether the editor holds something other than A's value (or something unreadable)."""
        try:
            return self.value() != self.a_value
        except SpecError:
            return True

    def set_checked(self, on: bool) -> None:
        """Tick the row (bold: one of B's changes) or untick it."""
        self.check.setChecked(on)
        font = self.check.font()
        font.setBold(on)
        self.check.setFont(font)

    def reset(self) -> None:
        """A's value, not ticked."""
        self.set_raw(value_text(self.a_value))
        self.set_checked(False)

    def set_error(self, on: bool) -> None:
        """Colour the editor's text as refused, or back to normal."""
        pal = QPalette(self._palette)
        if on:
            for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
                pal.setColor(role, error_color(self.editor))
        self.editor.setPalette(pal)

    def set_usable(self, usable: bool, why: str) -> None:
        """Grey the row out when B would not use the setting (μ for Adam), unless it is ticked."""
        on = usable or self.check.isChecked()
        for w in (self.check, self.a_label, self.editor):
            w.setEnabled(on)
        self.editor.setToolTip(self.tooltip if usable else why)


class TextRow(SettingRow):
    """A setting typed as text: a number, or numbers separated by commas (hidden sizes,
    per-layer dropout)."""

    def __init__(self, key: str, title: str, tooltip: str, a_value: Any) -> None:
        self.edit = QLineEdit(value_text(a_value))
        self.edit.setMaxLength(FIELD_LIMIT)
        super().__init__(key, title, tooltip, a_value, self.edit)
        self.edited = self.edit.textEdited

    def raw(self) -> str:
        return self.edit.text()

    def set_raw(self, text: str) -> None:
        self.edit.setText(text)


class ChoiceRow(SettingRow):
    """A setting chosen from a list (optimizer, activation …). A value the list lacks (a
    per-layer list typed in the text, a misspelt name) is shown as one more item."""

    def __init__(self, key: str, title: str, tooltip: str, a_value: Any, choices: list[tuple[str, str]]) -> None:
        self.combo = ComboBox()
        for text, data in choices:
            self.combo.add(text, data)
        self.n_choices = len(choices)
        super().__init__(key, title, tooltip, a_value, self.combo)
        self.set_raw(value_text(a_value))
        self.edited = self.combo.activated

    def raw(self) -> str:
        data = self.combo.currentData()
        return data if isinstance(data, str) else ""

    def set_raw(self, text: str) -> None:
        while self.combo.count() > self.n_choices:
            self.combo.removeItem(self.combo.count() - 1)
        i = self.combo.findData(text)
        if i < 0:
            parts = text.split(",")
            shown = display_value(self.key, tuple(parts) if len(parts) > 1 else text)
            self.combo.add(printable(shown + (" (per layer)" if len(parts) > 1 else ""), 60), text)
            i = self.combo.count() - 1
        self.combo.setCurrentIndex(i)


__all__ = ["A_LIMIT", "FIELD_LIMIT", "ChoiceRow", "SettingRow", "TextRow", "show_controls"]
