"""What a teacher does with the window: classroom mode, lessons written in the app, share strings.

:class:`TeacherTools` gathers, for the main window, the parts of issue 13's "classroom
mode and sharing": the :class:`~.classroom.ClassroomMode` of the open file and its
dialog, File › Save as lesson (the dialog, :mod:`.lesson_writer`, and the new lesson in
the Lessons menu and panel), Lessons › Open lesson file, and Edit › Copy / Paste
configuration (:mod:`.config_sharing`). The window makes the actions and menus and
calls these methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu

from ..core.errors import NNStudioError
from ..core.restrictions import Restrictions
from ..core.safetext import bounded, printable
from .classroom import ClassroomMode
from .classroom_dialog import ClassroomDialog
from .config_sharing import ConfigSharing
from .lesson_dialog import SaveLessonDialog
from .lesson_writer import COMPARE_CHOICE, file_name_for, lesson_dict, next_number, write_lesson
from .lessons import KNOWN_VIEWS, Lesson, LessonError, load_lesson, user_lessons_folder
from .project_files import documents_folder


class TeacherTools(QObject):
    """Classroom mode, Save as lesson and share strings for ``window`` (a MainWindow)."""

    sigMessage = Signal(str, str)  # level, text
    sigLessonsChanged = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.classroom = ClassroomMode(window)
        self.sharing = ConfigSharing(window.doc, window.controller.reset, self)
        self.sharing.sigMessage.connect(self.sigMessage)
        self.classroom_dialog: ClassroomDialog | None = None
        self.lesson_dialog: SaveLessonDialog | None = None
        #: the project's ui carried restrictions (apply_ui ran) since the last replacement
        self._ui_applied = False

    # -- classroom mode ------------------------------------------------------------------------
    def edit_restrictions(self) -> ClassroomDialog:
        """Edit › Classroom mode…: the dialog (window-modal; applied when accepted)."""
        dialog = ClassroomDialog(self.classroom.restrictions, self.window)
        dialog.accepted.connect(lambda: self._restrictions_chosen(dialog))
        self.classroom_dialog = dialog
        dialog.open()
        return dialog

    def _restrictions_chosen(self, dialog: ClassroomDialog) -> None:
        chosen = dialog.restrictions()
        if chosen == self.classroom.restrictions and not self.classroom.lifted:
            return
        self.classroom.set_restrictions(chosen)
        self.window.doc.mark_trained()  # the project changed: saving keeps the restrictions
        self.sigMessage.emit("info", "Classroom mode is on: save the project (or a lesson) to keep it."
                             if chosen.active else "Classroom mode is off.")

    def ui_state(self) -> dict[str, Any]:
        """What the restrictions add to a project's ``ui``."""
        state = self.classroom.ui_state()
        return {} if state is None else {"classroom": state}

    def apply_ui(self, ui: dict[str, Any]) -> None:
        """A project was opened: its restrictions (checked when it was read) apply."""
        raw = ui.get("classroom")
        try:
            restrictions = Restrictions.from_dict(raw) if raw is not None else Restrictions()
        except NNStudioError:
            restrictions = Restrictions()  # the reader refuses such files; a defence only
        self.classroom.set_restrictions(restrictions)
        self._ui_applied = True

    def project_replaced(self) -> None:
        """Another project is open (or a new one): restrictions not carried by it go."""
        if not self._ui_applied:
            self.classroom.set_restrictions(None)
        self._ui_applied = False

    def lesson_opened(self, lesson: Lesson) -> None:
        self.classroom.set_restrictions(lesson.classroom)

    # -- lessons ---------------------------------------------------------------------------------
    def fill_lessons_menu(self, menu: QMenu, extra: list[Any]) -> None:
        """The Lessons menu: every lesson of the panel, then ``extra`` actions."""
        menu.clear()
        presenter = self.window.lessons
        for lesson in self.window.lesson_panel.lessons:
            # "&" in a title is text, not the mark of a menu shortcut
            act = menu.addAction(lesson.label.replace("&", "&&"))
            act.triggered.connect(lambda _=False, le=lesson: presenter.open_lesson(le))
        menu.addSeparator()
        menu.addActions(extra)

    def save_as_lesson(self) -> SaveLessonDialog:
        """File › Save as lesson…: the dialog (window-modal); the file is written on Save."""
        folder = user_lessons_folder()
        comparison = self.window.comparison
        dialog = SaveLessonDialog(str(folder), self.classroom.restrictions.active, self.window,
                                  comparison.label if comparison.changes is not None else "")
        dialog.sigSave.connect(lambda: self._write_lesson(dialog))
        self.lesson_dialog = dialog
        dialog.open()
        return dialog

    def _current_weights(self) -> np.ndarray | None:
        snap = self.window.controller.snapshot
        if snap is None:
            return None
        flat = np.concatenate([w.ravel() for w in snap.weights] + [b.ravel() for b in snap.biases])
        return flat if len(flat) == self.window.doc.network.n_parameters else None

    def _workspace_views(self) -> tuple[list[str], str | None]:
        """The views on screen now (docks of known views that are visible), and the one in front."""
        docks = self.window.view_docks
        shown = [name for name in KNOWN_VIEWS if name in docks and docks[name].isVisible()
                 and not docks[name].visibleRegion().isEmpty()]
        views = [n for n in shown if not n.endswith("Panel")]
        return shown, (views[0] if views else None)

    def _write_lesson(self, dialog: SaveLessonDialog) -> Lesson | None:
        w = self.window
        panel = w.lesson_panel
        views, front = self._workspace_views()
        compare = w.comparison.changes if dialog.compare_box.isChecked() else None
        if dialog.compare_box.isChecked() and compare is None:  # the engine ended B meanwhile
            dialog.show_error(f"Run B is no longer open; untick “{COMPARE_CHOICE}” to save the lesson without it.")
            return None
        try:
            doc = lesson_dict(dialog.title, dialog.intro, dialog.steps, w.doc.network, w.doc.config, w.doc.data_spec,
                              number=next_number(panel.lessons),
                              weights=self._current_weights() if dialog.weights_box.isChecked() else None,
                              workspace=w.workspaces.current or None, views=views, front=front,
                              classroom=self.classroom.restrictions if dialog.classroom_box.isChecked() else None,
                              compare=compare)
            lesson = write_lesson(file_name_for(dialog.title, user_lessons_folder()), doc)
        except NNStudioError as exc:
            dialog.show_error(bounded(str(exc)))
            return None
        dialog.accept()
        self.add_lesson(lesson)
        self.sigMessage.emit("info", f"Saved the lesson “{printable(lesson.title, 60)}” to "
                                     f"{printable(lesson.path, 120)}; it is in the Lessons menu.")
        return lesson

    def add_lesson(self, lesson: Lesson) -> None:
        """List ``lesson`` in the lessons panel and menu (replacing one from the same file)."""
        self.window.lesson_panel.add_lesson(lesson)
        self.sigLessonsChanged.emit()

    def open_lesson_dialog(self) -> None:
        """Lessons › Open lesson file…"""
        start = str(user_lessons_folder()) if user_lessons_folder().is_dir() else documents_folder()
        path, _ = QFileDialog.getOpenFileName(self.window, "Open lesson", start, "nnstudio lessons (*.json)")
        if path:
            self.open_lesson_file(path)

    def open_lesson_file(self, path: str) -> bool:
        """Read a lesson file (refused with its reason), list it and open it."""
        try:
            lesson = load_lesson(Path(path))
        except LessonError as exc:
            self.sigMessage.emit("error", f"Could not open the lesson: {bounded(str(exc))}")
            return False
        self.add_lesson(lesson)
        self.window.lesson_panel.show_lesson(lesson)
        return self.window.lessons.open_lesson(lesson)


__all__ = ["TeacherTools"]
