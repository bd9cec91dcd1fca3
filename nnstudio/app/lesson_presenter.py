"""Lessons in the window: open a lesson's project, apply its steps, show their views.

The :class:`~nnstudio.app.panels.lesson_panel.LessonPanel` only asks; this presenter
does: it loads the lesson's project (after asking to save unsaved work), applies a
step's settings as one undoable run edit (restarting from the lesson's weights when the
step says so), and brings each step's view to the front in its workspace — on Next and
Previous as much as on Apply — with the marks the step asks for.

Where a step is shown: the step's ``workspace`` if it names one, else the lesson's,
else the home workspace of the step's view (and a view that has no place in the
chosen workspace is shown in its own). A step's marks (``mark`` calls) last until the
learner moves to another step; a lesson's own marks until another lesson opens.

Comparisons: a step with ``compare`` (e.g. ``"lr=0.1"``) forks run B from run A once the
step's settings and restart are done, through :attr:`LessonPresenter.comparison` (the
window's comparison session: ``start(changes_text)``, ``close_b()``, ``active``). The rule
for a comparison that is open: opening a lesson ends it, and so does applying any step
that changes run A (its settings, a restart, or a comparison of its own), because B's
difference was made against the A that is gone; a step that only shows views leaves it
open, and Next and Previous never touch it.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from ..core.errors import NNStudioError
from ..core.safetext import bounded, isolate
from .document import DocState, Document
from .lessons import Lesson, apply_step, lesson_state, restart_weights, trainer_for
from .panels.lesson_panel import LessonPanel
from .session import TrainingSession
from .workspaces import HOME, Workspaces

log = logging.getLogger(__name__)


class ComparisonControl(Protocol):
    """What the presenter asks of the window's comparison session."""

    @property
    def active(self) -> bool:
        """Whether run B is open."""

    def start(self, changes_text: str) -> None:
        """Fork run B from the present run A with these changes (RunChanges text)."""

    def close_b(self, ask: bool = True) -> bool:
        """End the comparison, keeping run A (the learner may be asked, if ``ask``); False if B stays."""


class LessonPresenter(QObject):
    """Carries out what the lessons panel asks."""

    sigMessage = Signal(str, str)  # level, text
    sigStatus = Signal(str)
    sigOpened = Signal(object)  # Lesson: its project is loaded (classroom mode follows it)

    def __init__(self, panel: LessonPanel, doc: Document, session: TrainingSession, workspaces: Workspaces,
                 view_for: Callable[[str], Any], maybe_save: Callable[[], bool],
                 parent: QObject | None = None, comparison: ComparisonControl | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.doc = doc
        self.session = session
        self.workspaces = workspaces
        self.view_for = view_for
        self.maybe_save = maybe_save
        #: the window's comparison session, or None: without one a comparison step sets up run A alone
        self.comparison = comparison
        #: views a step or the lesson marked, whose marks go when the step or lesson does
        self._step_marks: set[str] = set()
        self._lesson_marks: set[str] = set()
        panel.sigOpenLesson.connect(self.open_lesson)
        panel.sigApplyStep.connect(self.apply_step)
        panel.sigShowStep.connect(self.show_step)

    def open_lesson(self, lesson: Lesson) -> bool:
        """Load a lesson's project, starting from the lesson's weights if it gives them,
        and show its views."""
        if not self.maybe_save():
            return False
        network, config, data, weights = lesson_state(lesson)
        # the question about unsaved work covered run B (a project saves both runs)
        if not self._end_comparison(ask=False):
            return False
        try:
            self.session.controller.pause()
            self.session.forget_all()
            self.doc.replace_all(DocState(network, config, data), None)
            self.session.start(trainer_for(self.doc.network, self.doc.config, self.doc.prepared, weights))
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"Could not open the lesson {lesson.label}: {bounded(str(exc))}")
            return False
        self._clear_marks(self._step_marks | self._lesson_marks)
        self._step_marks.clear()
        self._lesson_marks = self.show_views(lesson.views, lesson.front, lesson.view_setup, lesson.workspace)
        self.sigOpened.emit(lesson)
        self.workspaces.show_view("LessonPanel")
        self.panel.set_opened(lesson)
        self.sigStatus.emit(f"Lesson {lesson.label}")
        return True

    # -- the open lesson in a project's ui (recovered work goes back to it) --------------------------
    def ui_state(self) -> dict[str, Any]:
        """What a project's ``ui`` records of the open lesson: which one, and its step."""
        lesson = self.panel.opened
        if lesson is None:
            return {}
        return {"lesson": {"file": lesson.path.name, "number": lesson.number, "title": lesson.title,
                           "step": self.panel.step_of(lesson)}}

    def reopen(self, ui: Any) -> bool:
        """Recovered work came from a lesson (its ``ui`` says which, and at which step):
        open that lesson again at that step, with its views, but not its project nor any
        step's settings (the recovered run is the learner's work). False if the ``ui`` names
        no lesson, or one not found here (files from before this was recorded)."""
        entry = ui.get("lesson") if isinstance(ui, dict) else None
        if not isinstance(entry, dict):
            return False
        file, number, step = entry.get("file"), entry.get("number"), entry.get("step")
        found = [le for le in self.panel.lessons if le.path.name == file and le.number == number]
        if len(found) != 1:
            return False
        lesson = found[0]
        self.panel.set_opened(lesson)
        if isinstance(step, int) and not isinstance(step, bool) and 0 < step < len(lesson.steps):
            self.panel.go_to_step(step)  # the step's text; its settings are not applied
        self._show_reopened(lesson)
        if not self.panel.window().isVisible():
            # recovery comes while the window is made: docks are brought to the front once it shows
            QTimer.singleShot(0, self, lambda: self._show_reopened(lesson))
        self.sigStatus.emit(f"Lesson {lesson.label}, step {self.panel.step_index + 1}, with your recovered work")
        return True

    def _show_reopened(self, lesson: Lesson) -> None:
        """The reopened lesson's views, its step's view and its text in front."""
        if self.panel.opened is not lesson:
            return  # another project or lesson was opened meanwhile
        self._clear_marks(self._step_marks | self._lesson_marks)
        self._step_marks.clear()
        self._lesson_marks = self.show_views(lesson.views, lesson.front, lesson.view_setup, lesson.workspace)
        self.show_step(lesson, self.panel.step_index)
        self.workspaces.show_view("LessonPanel")

    def apply_step(self, lesson: Lesson, index: int) -> None:
        """A lesson step: its settings as one undoable run edit (a restart from the
        lesson's weights if it asks for one), then its view."""
        step = lesson.steps[index]
        try:
            network, config, data = apply_step(step, self.doc.network, self.doc.config, self.doc.data_spec)
            if step.changes_run and not self._end_comparison():
                return
            if step.restarts:
                def restart() -> None:
                    self.session.controller.pause()
                    weights = restart_weights(lesson, index, self.doc.network)
                    self.session.start(trainer_for(self.doc.network, self.doc.config, self.doc.prepared, weights))

                self.doc.edit_run(f"Lesson step: {isolate(step.title)}", restart, new_run=True,
                                  network=network, config=config, data=data)
            else:
                self.doc.edit(f"Lesson step: {isolate(step.title)}", network=network, config=config, data=data)
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"This lesson step could not be applied: {bounded(str(exc))}")
            return
        if step.compare is not None:
            self._start_comparison(step.compare)
        self.show_step(lesson, index)

    def _end_comparison(self, ask: bool = True) -> bool:
        """Close run B if it is open (the learner is asked when B has trained and ``ask``);
        False if the learner keeps it."""
        if self.comparison is not None and self.comparison.active:
            return bool(self.comparison.close_b(ask=ask))
        return True

    def _start_comparison(self, changes: str) -> None:
        """Run B beside the run the step set up (the step's text describes both)."""
        if self.comparison is None:
            log.warning("a lesson step compares two runs, but this window has no comparison session")
            return
        try:
            self.comparison.start(changes)
        except NNStudioError as exc:
            self.sigMessage.emit("error", f"Run B of this lesson step could not be started: {bounded(str(exc))}")

    def show_step(self, lesson: Lesson, index: int) -> None:
        """Bring a step's view forward in its workspace, with its marks (those of the
        step shown before go), without changing any setting."""
        if not 0 <= index < len(lesson.steps):
            return
        step = lesson.steps[index]
        self._clear_marks(self._step_marks)
        workspace = step.workspace or lesson.workspace
        before = self.workspaces.current
        self._step_marks = self.show_views((), step.view, step.view_setup, workspace)
        if self.workspaces.current != before:
            # another workspace brings its own panel to the front: the step's text stays there
            self.workspaces.show_view("LessonPanel")

    def show_views(self, names: Any, front: str | None, calls: Any, workspace: str | None = None) -> set[str]:
        """Switch to ``workspace`` (None: the home of ``front``), show the views
        ``names`` it has room for, run the view ``calls`` and raise ``front``.
        Returns the views that were marked."""
        if workspace is None and front is not None:
            workspace = HOME.get(front)
        if workspace is not None:
            self.workspaces.switch(workspace)
        # the lesson's other views, where this workspace has room for them; the last one
        # raised is in front of its tab group, so they go last to first: of two views that
        # share a group (Inspect's network and loss), the one the lesson lists first shows
        for name in reversed(list(names)):
            if self.workspaces.shows(name):
                self.workspaces.show_view(name)
        marked = set()
        for call in calls:
            view = self.view_for(call.view)
            try:
                if view is not None:
                    getattr(view, call.call)(*call.args)
                    if call.call == "mark":
                        marked.add(call.view)
            except Exception:  # noqa: BLE001 - setting up a view is a convenience; the lesson goes on
                log.exception("lesson view set-up %s.%s failed", call.view, call.call)
        if front is not None:
            self.workspaces.show_view(front)
        return marked

    def _clear_marks(self, names: set[str]) -> None:
        for name in names:
            view = self.view_for(name)
            try:
                view.clear_marks()
            except Exception:  # noqa: BLE001 - as for set-ups: a mark left over is no reason to stop
                log.exception("clearing the marks of %s failed", name)
