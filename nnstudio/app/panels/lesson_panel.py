"""The lessons panel: pick a lesson, read it, and follow its steps.

Top: the lessons, numbered and titled (click to read one, double-click or **Open
lesson** to load its project). Middle: the lesson's explanation and formulas, with its
steps listed as links. Bottom: the current step — what to try, what to look for — with
**◀ Previous**, **Apply step** and **Next ▶**.

The panel changes nothing itself. It asks the main window through three signals:

* ``sigOpenLesson(lesson)`` — load the lesson's project (the window asks to save
  unsaved work first, and calls :meth:`LessonPanel.set_opened` when it is done);
* ``sigShowStep(lesson, index)`` — the learner moved to another step of the open
  lesson (**Next**, **Previous** or a step's link): bring that step's view forward,
  in its workspace, with the marks it sets — without changing any setting;
* ``sigApplyStep(lesson, index)`` — apply a step's settings as one undoable edit,
  restart training if the step says so, and bring its view to the front.

Steps can be applied only for the lesson that is open, so a step never lands on some
other project.

A step says "press Shift+→" right after "click Next": so clicking the panel never keeps
the keyboard. Its buttons and texts take the focus only from Tab, and opening a lesson
or moving to a step gives the keys back to training (the focus leaves the panel). When another project replaces the lesson's (File › New or Open),
:meth:`LessonPanel.set_opened` with None puts the panel back to choosing: the list
shows, and every lesson starts again at its first step.
"""

from __future__ import annotations

import contextlib

import html
from typing import Callable, Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.safetext import isolate, isolate_html
from ..lesson_text import describe_changes, formula_html, text_to_html
from ..lessons import Lesson, load_lessons
from .widgets import ErrorLabel, caption

#: friendly names of the views a step can bring to the front
VIEW_TITLES = {
    "BoundaryView": "Decision boundary", "LossView": "Loss", "NetworkView": "Network",
    "GradientView": "Gradients", "ActivationView": "Activations", "InspectorView": "Step inspector",
    "SurfaceView": "Loss landscape", "RaceView": "Optimizer race", "DataPanel": "Data panel",
    "NetworkPanel": "Network panel", "TrainingPanel": "Training panel", "LessonPanel": "Lessons",
}


#: shown above a step of a lesson that is not open
PREVIEW_NOTE = "Preview: open the lesson to follow this step."


def _css(widget: QWidget) -> str:
    pal = widget.palette()
    shade = pal.color(QPalette.ColorRole.AlternateBase).name()
    accent = pal.color(QPalette.ColorRole.Highlight).name()
    muted = pal.color(QPalette.ColorRole.PlaceholderText).name()
    return (f"p {{ margin-top: 0px; margin-bottom: 6px; }}"
            f" h2 {{ margin-top: 0px; margin-bottom: 4px; }}"
            f" h3 {{ margin-top: 8px; margin-bottom: 3px; }}"
            f" ul {{ margin-top: 0px; margin-bottom: 6px; }}"
            f" .formula {{ background-color: {shade}; font-size: large; }}"
            f" .key {{ font-weight: 600; color: {accent}; }}"
            f" .muted {{ color: {muted}; }}"
            f" .look {{ font-weight: 600; }}"
            f" a {{ color: {accent}; }}")


def _formula_block(formula: str) -> str:
    """Formulas in a shaded box (a one-cell table: Qt's rich text pads table cells only)."""
    inner = formula_html(formula)
    if not inner:
        return ""
    inner = inner.replace("<p class='formula'>", "").replace("</p>", "")
    return ("<table width='100%' cellpadding='7' cellspacing='0' class='formula'>"
            f"<tr><td class='formula'>{inner}</td></tr></table><p></p>")


def intro_html(lesson: Lesson, current: int | None = None) -> str:
    """The lesson's explanation, formulas and list of steps (links ``step:i``)."""
    parts = []
    if lesson.notes:
        parts.append(f"<p class='muted'>{html.escape(lesson.notes)}</p>")
    parts.append(text_to_html(lesson.intro))
    parts.append(_formula_block(lesson.formula))
    parts.append("<h3>Steps</h3><ol>")
    for i, step in enumerate(lesson.steps):
        title = isolate_html(step.title)
        link = f"<a href='step:{i}'>{title}</a>"
        parts.append(f"<li>{'<b>' + link + '</b>' if i == current else link}</li>")
    parts.append("</ol>")
    return "".join(parts)


def step_html(lesson: Lesson, index: int) -> str:
    """One step: what to do, what to look for, its formula and what its button changes."""
    step = lesson.steps[index]
    parts = [text_to_html(step.text)] if step.text else []
    if step.look:
        parts.append("<p class='look'>Look for</p>" + text_to_html(step.look))
    parts.append(_formula_block(step.formula))
    changes = describe_changes(step)
    if changes:
        parts.append(f"<p class='muted'>Apply step: {html.escape(changes)}.</p>")
    return "".join(parts)


class LessonPanel(QWidget):
    """Lessons: a list, the open lesson's text, and its steps (see the module notes)."""

    title = "Lessons"

    sigOpenLesson = Signal(object)  # Lesson
    sigShowStep = Signal(object, int)  # Lesson, step index: the open lesson's step now shown
    sigApplyStep = Signal(object, int)  # Lesson, step index

    def __init__(self, lessons: Sequence[Lesson] | None = None, problems: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        """``lessons`` default to :func:`load_lessons` (the bundled ones and any in
        ``NNSTUDIO_LESSONS``); ``problems`` are messages about files that could not be read."""
        super().__init__(parent)
        self.problems: list[str] = list(problems)
        self.lessons: list[Lesson] = (load_lessons(problems=self.problems) if lessons is None
                                      else list(lessons))
        self.shown: Lesson | None = None  # the lesson being read
        self.opened: Lesson | None = None  # the lesson whose project is loaded
        self.step_index = 0
        self._step_of: dict[str, int] = {}  # the step each lesson was left at
        #: a view's name as the window shows it (its tab), by its class name
        self.view_title: Callable[[str], str] = lambda name: VIEW_TITLES.get(name, name)
        self._build()
        if self.lessons:
            self.show_lesson(self.lessons[0])

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)

        # -- which lesson: a title, and the list behind a toggle ----------------------------
        head = QHBoxLayout()
        self.list_toggle = QToolButton()
        self.list_toggle.setText("☰ Lessons")
        self.list_toggle.setCheckable(True)
        self.list_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.list_toggle.setToolTip("Show or hide the list of lessons")
        self.list_toggle.toggled.connect(self._on_toggle)
        head.addWidget(self.list_toggle, 0, Qt.AlignmentFlag.AlignTop)
        self.lesson_title = QLabel()
        self.lesson_title.setObjectName("lesson_title")
        self.lesson_title.setTextFormat(Qt.TextFormat.PlainText)  # a title is never markup
        self.lesson_title.setWordWrap(True)
        f = self.lesson_title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.lesson_title.setFont(f)
        head.addWidget(self.lesson_title, 1)
        lay.addLayout(head)

        self.chooser = QWidget()
        cl = QVBoxLayout(self.chooser)
        cl.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("lesson_list")
        self.list.setWordWrap(True)
        for lesson in self.lessons:
            item = QListWidgetItem(lesson.label)
            item.setToolTip(lesson.summary or lesson.title)
            self.list.addItem(item)
        rows = max(1, min(len(self.lessons), 12))
        self.list.setMinimumHeight(min(6, rows) * self.list.fontMetrics().height() + 12)
        self.list.setMaximumHeight(rows * (self.list.fontMetrics().height() + 4) + 12)
        self.list.currentRowChanged.connect(self._on_row)
        self.list.itemDoubleClicked.connect(lambda _item: self.open_shown())
        cl.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open lesson")
        self.open_button.setToolTip("Load this lesson's data, network and settings "
                                    "(you are asked to save unsaved work first)")
        self.open_button.clicked.connect(self.open_shown)
        row.addWidget(self.open_button)
        self.state_label = caption()
        row.addWidget(self.state_label, 1)
        cl.addLayout(row)
        self.problem_label = ErrorLabel()
        if self.problems:
            self.problem_label.show_message("Some lesson files could not be read:\n" + "\n".join(self.problems))
        elif not self.lessons:
            self.problem_label.show_message("No lessons were found.")
        cl.addWidget(self.problem_label)
        lay.addWidget(self.chooser)

        # -- the lesson's text and the current step, one above the other -------------------
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        lay.addWidget(self.splitter, 1)
        self.intro = QTextBrowser()
        self.intro.setObjectName("lesson_intro")
        self.intro.setOpenLinks(False)
        self.intro.setMinimumHeight(60)
        self.intro.anchorClicked.connect(self._on_link)
        self.intro.document().setDefaultStyleSheet(_css(self))
        self.splitter.addWidget(self.intro)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 2, 0, 0)
        bl.setSpacing(3)
        self.step_title = QLabel()
        self.step_title.setObjectName("lesson_step_title")
        self.step_title.setTextFormat(Qt.TextFormat.PlainText)
        self.step_title.setWordWrap(True)
        f = self.step_title.font()
        f.setBold(True)
        self.step_title.setFont(f)
        bl.addWidget(self.step_title)
        self.step_text = QTextBrowser()
        self.step_text.setObjectName("lesson_step_text")
        self.step_text.setOpenLinks(False)
        self.step_text.setMinimumHeight(80)
        self.step_text.document().setDefaultStyleSheet(_css(self))
        bl.addWidget(self.step_text, 1)
        nav = QHBoxLayout()
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.clicked.connect(self.previous_step)
        self.apply_button = QPushButton("Apply step")
        self.apply_button.setObjectName("lesson_apply")
        self.apply_button.clicked.connect(self.apply_current)
        self.next_button = QPushButton("Next ▶")
        self.next_button.clicked.connect(self.next_step)
        for b in (self.prev_button, self.apply_button, self.next_button):
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            nav.addWidget(b)
        bl.addLayout(nav)
        self.splitter.addWidget(box)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.list_toggle.setChecked(True)
        for w in (self.list_toggle, self.open_button, self.prev_button, self.apply_button, self.next_button,
                  self.intro, self.step_text):
            # a click must not take the keys that train (Space, →, Shift+→) from the window
            w.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    # ------------------------------------------------------------------ public
    def add_lesson(self, lesson: Lesson) -> None:
        """List a lesson written or opened in the app (replacing one read from the same file)."""
        same = lesson.path.resolve()
        self.lessons = sorted([le for le in self.lessons if le.path.resolve() != same] + [lesson],
                              key=lambda le: (le.number, le.path.name))
        self.list.blockSignals(True)
        self.list.clear()
        for le in self.lessons:
            item = QListWidgetItem(le.label)
            item.setToolTip(le.summary or le.title)
            self.list.addItem(item)
        rows = max(1, min(len(self.lessons), 12))
        self.list.setMaximumHeight(rows * (self.list.fontMetrics().height() + 4) + 12)
        self.list.blockSignals(False)
        if not self.problems:
            self.problem_label.clear_message()
        self.show_lesson(self.shown if self.shown in self.lessons else lesson)

    def step_of(self, lesson: Lesson) -> int:
        """The step ``lesson`` is at (shown, or left at when another lesson is read)."""
        if lesson is self.shown:
            return self.step_index
        return self._step_of.get(str(lesson.path), 0)

    def lesson_by_number(self, number: int) -> Lesson:
        return next(le for le in self.lessons if le.number == number)

    def show_lesson(self, lesson: Lesson) -> None:
        """Read ``lesson`` (its project is not loaded: see :meth:`open_shown`)."""
        if lesson is not self.shown:
            self.shown = lesson
            self.step_index = min(self._step_of.get(str(lesson.path), 0), len(lesson.steps) - 1)
        row = self.lessons.index(lesson) if lesson in self.lessons else -1
        if row >= 0 and self.list.currentRow() != row:
            self.list.blockSignals(True)
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)
        self._render()

    def open_shown(self) -> None:
        """Ask the window to load the lesson being read."""
        if self.shown is not None:
            # now: the window rearranges its docks, and a hidden list passes its focus on
            self.give_keys_back()
            self.sigOpenLesson.emit(self.shown)

    def set_opened(self, lesson: Lesson | None) -> None:
        """The window has loaded ``lesson``'s project (None: another project is open
        now: no step of any lesson applies to it, so the panel goes back to the list
        and every lesson to its first step)."""
        self.opened = lesson
        if lesson is not None:
            self._step_of[str(lesson.path)] = 0  # a freshly opened lesson starts at its first step
            self.shown = None
            self.show_lesson(lesson)
            self.give_keys_back()  # before the list hides: its focus would pass to some other control
            self.list_toggle.setChecked(False)  # room for the text; ☰ brings the list back
        else:
            self._step_of.clear()
            self.step_index = 0
            self.list_toggle.setChecked(True)
            self._render()

    def go_to_step(self, index: int) -> None:
        """Show step ``index`` (0 = the first); for the open lesson, also ask the window
        to bring its view forward (:attr:`sigShowStep`)."""
        if self.shown is None:
            return
        self.step_index = max(0, min(int(index), len(self.shown.steps) - 1))
        self._step_of[str(self.shown.path)] = self.step_index
        self._render()
        if self.shown is self.opened:
            self.give_keys_back()
            self.sigShowStep.emit(self.shown, self.step_index)

    def next_step(self) -> None:
        self.go_to_step(self.step_index + 1)

    def previous_step(self) -> None:
        self.go_to_step(self.step_index - 1)

    def apply_current(self) -> None:
        """Ask the window to apply the current step (only for the open lesson)."""
        if self.shown is not None and self.shown is self.opened:
            self.give_keys_back()
            self.sigApplyStep.emit(self.shown, self.step_index)

    def give_keys_back(self) -> None:
        """If the keyboard focus is in the panel, let it go, so the step's keys (Space,
        →, Shift+→) reach the window's training shortcuts."""
        focus = QApplication.focusWidget()
        if focus is not None and self.isAncestorOf(focus):
            focus.clearFocus()

    # ------------------------------------------------------------------ internals
    def _on_toggle(self, on: bool) -> None:
        self.chooser.setVisible(on)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.lessons):
            self.show_lesson(self.lessons[row])

    def _on_link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("step:"):
            with contextlib.suppress(ValueError):  # a malformed link does nothing
                self.go_to_step(int(text[5:]))

    def _render(self) -> None:
        lesson = self.shown
        has = lesson is not None
        for w in (self.prev_button, self.next_button, self.apply_button, self.open_button):
            w.setEnabled(has)
        if lesson is None:
            self.lesson_title.setText("")
            self.intro.setHtml("")
            self.step_title.setText("")
            self.step_text.setHtml("")
            self.state_label.setText("")
            return
        is_open = lesson is self.opened
        self.lesson_title.setText(lesson.label)
        self.lesson_title.setToolTip(lesson.summary)
        self.open_button.setText("Open again" if is_open else "Open lesson")
        self.state_label.setText("This lesson is open." if is_open else "Open it to try the steps.")
        bar = self.intro.verticalScrollBar().value()
        self.intro.setHtml(intro_html(lesson, self.step_index))
        self.intro.verticalScrollBar().setValue(bar)
        i = self.step_index
        step = lesson.steps[i]
        self.step_title.setText(f"Step {i + 1} of {len(lesson.steps)}: {isolate(step.title)}")
        # a step read before its lesson is open is a preview: it does not describe the screen
        preview = "" if is_open else f"<p class='muted'>{PREVIEW_NOTE}</p>"
        self.step_text.setHtml(preview + step_html(lesson, i))
        self.prev_button.setEnabled(i > 0)
        self.next_button.setEnabled(i < len(lesson.steps) - 1)
        self.apply_button.setEnabled(is_open and step.has_action)
        if not is_open:
            tip = "Open the lesson first: a step changes the lesson's own project."
        else:
            changes = describe_changes(step)
            view = f"brings the {self.view_title(step.view)} view to the front" if step.view else ""
            tip = "; ".join(t for t in (changes, view) if t) or "Nothing to change in this step"
            tip = tip[0].upper() + tip[1:]
        self.apply_button.setToolTip(tip)


__all__ = ["LessonPanel", "intro_html", "step_html", "VIEW_TITLES"]
