"""Projects on disk: New, Open, Save, Save As, recent files, autosave and recovery.

:class:`ProjectFiles` is the window's file handling. Saving takes the run from the
training session (which asks the engine, or uses the newest state the engine sent, so
a dead or busy engine never blocks it); opening refuses a broken file with its reason
and changes nothing. Unsaved work is asked about before it could be replaced.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from ..core.errors import NNStudioError
from ..core.project import Project, load_project, prepare_project_data, save_project, trainer_from_project
from ..core.project_comparison import comparison_from_project
from ..core.safetext import bounded, isolate, printable
from .autosave import Autosave, Orphan
from .autosave_writer import AutosaveWriter
from .document import DocState, Document, default_state
from .recovery import AUTOSAVE_MS, DISCARD, KEEP, LATER, ask_recovery, origin_of, read_recovery, when_text, with_origin
from .session import TrainingSession

MAX_RECENT = 8
#: the first recovery copy of new unsaved work is written this soon (not up to a minute
#: later: a crash in the first minute of training would lose all of it)
FIRST_AUTOSAVE_MS = 10_000


def documents_folder() -> str:
    """The user's documents folder (else home): where file dialogs start the first time."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and Path(docs).is_dir() else str(Path.home())


class ProjectFiles(QObject):
    """File handling for one window. ``ui_state()`` gives the view settings saved with a
    project; ``apply_ui(project.ui)`` restores them; ``on_replaced()`` is called after
    another project was put in place (the window clears lessons, banners …)."""

    sigSaved = Signal(str)
    sigStatus = Signal(str)
    #: something the learner should read before going on (shown in the window's banner)
    sigNotice = Signal(str)
    #: a notice that no longer holds (autosave works again): the banner goes if it still shows it
    sigNoticeWithdrawn = Signal(str)
    #: recovered work was opened: the ``ui`` of its recovery file (the lesson it came from …)
    sigRecovered = Signal(dict)
    #: an opened project holds a comparison: run B (a Comparison whose ``b`` is ready)
    sigComparisonOpened = Signal(object)

    def __init__(self, parent: QWidget, doc: Document, session: TrainingSession, settings: Any,
                 ui_state: Callable[[], dict[str, Any]], apply_ui: Callable[[dict[str, Any]], None],
                 on_replaced: Callable[[], None]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.doc = doc
        self.session = session
        self.settings = settings
        self.ui_state = ui_state
        self.apply_ui = apply_ui
        self.on_replaced = on_replaced
        self.recent_menu: QMenu | None = None
        self.autosave = Autosave()
        #: the last autosave failed (said once until one works again)
        self.autosave_failing = False
        self._failure_notice = ""
        self.writer = AutosaveWriter(self)
        self.writer.sigDone.connect(lambda _result: self._autosave_written())
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(lambda: self.write_autosave(wait=False))
        self._timer.start()
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.timeout.connect(lambda: self.write_autosave(wait=False))
        #: recovered work that kept the file it had been saved as: (that file, when the
        #: recovery copy was written); None once saved, or for another project
        self._recovered: tuple[str, float] | None = None
        #: the ``ui`` of the project opened last
        self.opened_ui: dict[str, Any] = {}
        doc.sigModifiedChanged.connect(self._on_modified)

    # -- saving -----------------------------------------------------------------------------
    def current_project(self, timeout_ms: int = 1000) -> Project:
        name = Path(self.doc.path).stem if self.doc.path else ""
        return self.session.project(self.ui_state(), name, timeout_ms)

    def save(self) -> bool:
        if not self.doc.path:
            return self.save_as()
        if not self._may_replace_recovered(self.doc.path):
            return False
        return self.save_to(self.doc.path)

    def _may_replace_recovered(self, path: str) -> bool:
        """Recovered work keeps the file it had been saved as, and Save writes it there (the
        banner said so). Only if that file changed on disk after the recovery copy was
        written (saved since by another window) is the learner asked first: Save would
        replace newer work. True: go on with the Save (here or, via Save As, elsewhere)."""
        recovered = self._recovered
        if recovered is None or recovered[0] != path:
            return True
        try:
            changed = os.stat(path).st_mtime > recovered[1]
        except OSError:
            changed = False  # gone: saving makes it again
        if not changed:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Replace the newer file?",
                          "The file this recovered work came from was saved again after the recovery copy was "
                          "written.", parent=self.parent_widget)
        box.setInformativeText(f"{printable(Path(path).name, 80)} was saved {when_text(os.stat(path).st_mtime)}, "
                               f"the recovered work was autosaved {when_text(recovered[1])}. Replace the file with "
                               f"the recovered work, or save it as another file to keep both?")
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        save_as = box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        box.exec()
        if box.clickedButton() is replace:
            return True
        if box.clickedButton() is save_as:
            self.save_as()
        return False

    def save_as(self) -> bool:
        start = self.doc.path or str(Path(self._last_folder()) / "untitled.nnproj")
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Save project", start,
                                              "nnstudio projects (*.nnproj)")
        if not path:
            return False
        if not path.lower().endswith(".nnproj"):  # "x.NNPROJ" is one already, not "x.NNPROJ.nnproj"
            path += ".nnproj"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            save_project(path, self.current_project())
        except (NNStudioError, OSError) as exc:
            QMessageBox.critical(self.parent_widget, "Could not save",
                                 f"The project was not saved.\n\n{bounded(str(exc))}")
            return False
        self.doc.mark_saved(path)
        self._recovered = None
        self.writer.wait()  # an autosave under way would put the older copy back
        self.autosave.clear()  # older than what was just saved: never offered back after a crash
        self.add_recent(path)
        self.settings.setValue("paths/projects", str(Path(path).parent))
        self.sigStatus.emit(f"Saved {isolate(str(path))}")
        self._say_kept_future_is_not_saved()
        self.sigSaved.emit(path)
        return True

    def _say_kept_future_is_not_saved(self) -> None:
        """After going back, the run's later iterations are kept to go forward to, but a
        project holds the run as it stands: say so, or closing after Save loses them
        without a word."""
        snap = self.session.controller.snapshot
        if snap is not None and snap.furthest_iteration > snap.iteration:
            self.sigNotice.emit(f"Saved at iteration {snap.iteration:,}. The iterations after it, up to "
                                f"{snap.furthest_iteration:,}, which you went back from, are not in the file: drag "
                                "the Rewind slider to its end and save again to keep them.")

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes. False = the user cancelled."""
        if not self.doc.modified:
            return True
        answer = QMessageBox.question(
            # the first line holds no name: Qt decides from it whether the text is markup, and a
            # file named "<b>x" must read as it is (the same for the other boxes quoting names)
            self.parent_widget, "Unsaved changes",
            f"There are unsaved changes.\n\nSave the changes to {printable(self.doc.display_name)}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        # only Discard discards: Cancel, and a box closed with no button clicked (NoButton), keep the work
        return answer == QMessageBox.StandardButton.Discard

    # -- opening ------------------------------------------------------------------------------
    def _last_folder(self) -> str:
        folder = self.settings.value("paths/projects")
        if isinstance(folder, str) and Path(folder).is_dir():
            return folder
        if self.doc.path:
            return str(Path(self.doc.path).parent)
        return documents_folder()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open project", self._last_folder(),
                                              "nnstudio projects (*.nnproj)")
        if path:
            self.open(path)

    def open(self, path: str, as_untitled: bool = False, ask: bool = False) -> bool:
        """Load a project file. A broken file is refused with its reason; nothing changes.
        ``ask``: ask about unsaved changes first (a file dropped on the window)."""
        if ask and not self.maybe_save():
            return False
        try:
            project = load_project(path)
            prepared = prepare_project_data(project)
            trainer = trainer_from_project(project, data=prepared)
            comparison = comparison_from_project(project, trainer)
            state = DocState(project.network, project.train, project.data, project.inline_data)
        except (NNStudioError, OSError) as exc:
            QMessageBox.warning(self.parent_widget, "Could not open the project",
                                f"The project could not be opened.\n\n{printable(path, 120)}\n\n{bounded(str(exc))}")
            return False
        self.session.controller.pause()
        self.session.forget_all()
        self._recovered = None
        self.opened_ui = dict(project.ui or {})
        self.doc.replace_all(state, None if as_untitled else path)
        self.session.start(trainer)
        self.apply_ui(project.ui or {})
        if not as_untitled:
            self.add_recent(path)
            self.settings.setValue("paths/projects", str(Path(path).parent))
        self.on_replaced()
        self.sigStatus.emit(f"Opened {isolate(str(path))}")
        if comparison is not None:
            self.sigComparisonOpened.emit(comparison)
        return True

    def new(self) -> None:
        if not self.maybe_save():
            return
        self.session.controller.pause()
        self.session.forget_all()
        self._recovered = None
        self.doc.replace_all(default_state(), None)
        self.session.start()
        self.on_replaced()

    # -- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self.refresh_recent_menu()

    def refresh_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        recent = self.recent_files()
        for path in recent:
            act = menu.addAction(printable(Path(path).name, 80))
            act.setToolTip(printable(path, 200))
            act.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        menu.setEnabled(bool(recent))

    def _open_recent(self, path: str) -> None:
        if self.maybe_save():
            self.open(path)

    # -- autosave and recovery ----------------------------------------------------------------
    def write_autosave(self, timeout_ms: int = 0, wait: bool = True) -> None:
        """Write the project to this window's recovery file if it has unsaved changes
        (from the newest state the engine sent: by default never waits for it; else asks
        the engine for the present one, waiting at most ``timeout_ms``). The file is
        written on a thread of its own (:mod:`.autosave_writer`); ``wait``: until it is
        done (the timer does not wait, so the window never freezes for it)."""
        if self.writer.busy:
            if not wait:
                return  # the write under way goes on; the next one writes newer work
            self.writer.wait()
            self._autosave_written()
        if not self.doc.modified:
            return
        try:
            self.autosave.ensure_folder()
            project = self.current_project(timeout_ms=timeout_ms)
            # the file the work had been saved as: recovered, it keeps that name and file
            project = dataclasses.replace(project, name=project.name or "recovered",
                                          ui=with_origin(project.ui or {}, self.doc.path))
        except (NNStudioError, OSError) as exc:
            self._autosave_failed(exc)
            return
        self.writer.start(self.autosave.path, project)
        if wait:
            self.writer.wait()
            self._autosave_written()

    def _on_modified(self, modified: bool) -> None:
        """Work became unsaved: its first recovery copy comes soon, not at the minute's end."""
        if modified and self._timer.isActive() and not self._first.isActive() \
                and self._timer.remainingTime() > FIRST_AUTOSAVE_MS:
            self._first.start(FIRST_AUTOSAVE_MS)

    def _autosave_written(self) -> None:
        ended, error = self.writer.take_result()
        if not ended:
            return  # handled already (a write waited for)
        if error is not None:
            self._autosave_failed(error)
        elif self.autosave_failing:
            self.autosave_failing = False
            self.sigNoticeWithdrawn.emit(self._failure_notice)
            self.sigStatus.emit("Autosave works again: a recovery copy of your work was written.")

    def _autosave_failed(self, exc: BaseException) -> None:
        """Said once in the banner while it keeps failing (every minute would bury the window
        in the same words), and each time in the status bar. The previous recovery copy, if
        any, is as it was: a recovery file is replaced only once the new one is complete."""
        text = str(exc.strerror) if isinstance(exc, OSError) and exc.strerror else str(exc)
        reason = bounded(text.rsplit("': ", 1)[-1], 120)  # the reason, without the long path of the file
        self.sigStatus.emit(f"Autosave failed: {reason}")
        if not self.autosave_failing:
            self.autosave_failing = True
            self._failure_notice = (f"Autosave could not write a recovery copy of your work ({reason}). Your work "
                                    "is still open: save it (Ctrl+S) to keep it safe.")
            self.sigNotice.emit(self._failure_notice)

    def stop(self) -> None:
        """The window closes normally: no recovery file is left behind."""
        self._timer.stop()
        self._first.stop()
        self.writer.wait()  # else it could write the file again after it went
        self.autosave.discard()

    def orphans(self) -> list[Orphan]:
        return self.autosave.orphans()

    def offer_recovery(self, recover: bool | None = None,
                       open_elsewhere: Callable[[str], bool] | None = None) -> None:
        """Offer every orphaned recovery file: recover it (here, when this window holds
        nothing yet, else in a new window via ``open_elsewhere``, which says whether it
        opened), discard it, or keep it for later. ``recover`` answers without asking
        (tests, the command line). One that cannot be opened is kept aside, never deleted;
        the question says so at once and offers no Recover for it."""
        for orphan in self.orphans():
            if recover is None:
                if os.environ.get("NNSTUDIO_NO_RECOVERY_PROMPT"):
                    orphan.release()
                    continue
                answer = ask_recovery(self.parent_widget, orphan.path)
                if answer == LATER:
                    orphan.release()
                    continue
                if answer == KEEP:
                    self._kept_aside(orphan, "could not be opened")
                    continue
                recovering = answer != DISCARD
            else:
                recovering = recover
            if recovering:
                fresh = not self.doc.modified and self.doc.path is None
                if fresh or open_elsewhere is None:
                    opened = self.recover(str(orphan.path))
                else:
                    opened = open_elsewhere(str(orphan.path))
                if not opened:
                    self._kept_aside(orphan, "could not be recovered")
                    continue
            orphan.discard()

    def recover(self, path: str) -> bool:
        """Open a recovery file as unsaved work. Work that had been saved as a project keeps
        that project's name and file, as a recovered document does in LibreOffice or Word:
        the title names it, marked modified; Save writes it there (asking first only if the
        file was saved again after the recovery copy), Save As starts beside it. The banner
        says which project it is and what Save will do. False if it cannot be opened."""
        found = read_recovery(Path(path))
        if not self.open(path, as_untitled=True):
            return False
        origin = origin_of(self.opened_ui)
        if origin is not None:
            self.doc.set_path(origin)
            self._recovered = (origin, found.written)
        self.doc.mark_trained()  # recovered work is unsaved work
        held = found.held(named=origin is None) or "its last autosave"
        if origin is not None:
            name = printable(Path(origin).name, 80)
            self.sigNotice.emit(f"Recovered unsaved work of {isolate(name)} ({held}; {found.when.lower()}). It is "
                                f"not saved yet: Save (Ctrl+S) writes it over {isolate(name)}; Save As keeps both.")
        else:
            self.sigNotice.emit(f"Recovered unsaved work ({held}; {found.when.lower()}). It is not saved yet: "
                                f"save it (Ctrl+S) to keep it.")
        self.sigStatus.emit("Recovered the autosaved project; save it to keep it.")
        self.sigRecovered.emit(self.opened_ui)
        return True

    def _kept_aside(self, orphan: Orphan, why: str) -> None:
        kept = orphan.keep_aside()
        self.sigNotice.emit(f"The unsaved work {why}, so its recovery file was kept as "
                            f"{isolate(printable(str(kept), 160))} (File › Open tries it again; a newer nnstudio "
                            f"may open it).")
