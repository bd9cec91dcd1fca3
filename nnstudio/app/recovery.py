"""What a recovery file holds, and the question whether to recover it.

A recovery file is a project written by autosave (:mod:`.project_files`). Besides the
work it records, in its ``ui`` section, the file the work had been saved as
(``ui["recovery"]["path"]``): recovered work keeps that project's name and file, as
LibreOffice and Word do with a recovered document. Files written before that was
recorded are recovered untitled, as they always were.

The question is asked before anything is opened: a file that cannot be opened says so
at once, and why, and offers only what works (keep it aside, or discard it).
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.errors import NNStudioError
from ..core.project import Project, load_project
from ..core.safetext import bounded, printable

#: a recovery copy is written this often (milliseconds) while there is unsaved work
AUTOSAVE_MS = 60_000

#: the key of a recovery file's ``ui`` that names the file the work had been saved as
RECOVERY_KEY = "recovery"

#: the learner's answers
RECOVER, DISCARD, LATER, KEEP = "recover", "discard", "later", "keep"


def when_text(timestamp: float, now: float | None = None) -> str:
    """"today at 15:40", "yesterday at 09:05", "on 2026-11-28 at 18:02"."""
    moment = _dt.datetime.fromtimestamp(timestamp)
    today = _dt.datetime.fromtimestamp(time.time() if now is None else now).date()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return f"today at {clock}"
    if moment.date() == today - _dt.timedelta(days=1):
        return f"yesterday at {clock}"
    return f"on {moment:%Y-%m-%d} at {clock}"


def with_origin(ui: Mapping[str, Any], path: str | None) -> dict[str, Any]:
    """``ui`` recording that the work had been saved as ``path`` (None: never saved)."""
    ui = dict(ui)
    if path:
        ui[RECOVERY_KEY] = {"path": str(path)}
    else:
        ui.pop(RECOVERY_KEY, None)
    return ui


def origin_of(ui: Mapping[str, Any] | None) -> str | None:
    """The file recovered work had been saved as, if its recovery file says (and the
    folder it was in is still there: else the work is recovered untitled)."""
    entry = ui.get(RECOVERY_KEY) if isinstance(ui, Mapping) else None
    path = entry.get("path") if isinstance(entry, Mapping) else None
    if not isinstance(path, str) or not path or not path.lower().endswith(".nnproj"):
        return None
    return path if Path(path).parent.is_dir() else None


@dataclass
class RecoveryFile:
    """A recovery file, read: the project in it, or why it cannot be opened."""

    path: Path
    project: Project | None
    error: str
    #: when it was written (its modification time; 0 if unknown)
    written: float

    @property
    def readable(self) -> bool:
        return self.project is not None

    @property
    def when(self) -> str:
        return f"Autosaved {when_text(self.written)}" if self.written else "Autosaved"

    def held(self, named: bool = True) -> str:
        """'“mine”, iteration 4, with run B (…)': what the work is and how far it had trained
        (``named`` False: without the project's name)."""
        project = self.project
        if project is None:
            return ""
        held = f"iteration {project.trainer_state.iteration:,}" if project.trainer_state is not None else "not trained"
        if named and project.name and project.name != "recovered":  # the work had been saved as that project
            held = f"“{printable(project.name, 60)}”, {held}"
        if project.comparison is not None:
            held += f", with run B ({printable(project.comparison.label, 40)})"
        return held


def read_recovery(path: Path) -> RecoveryFile:
    try:
        written = os.stat(path).st_mtime
    except OSError:
        written = 0.0
    try:
        return RecoveryFile(path, load_project(path), "", written)
    except (NNStudioError, OSError) as exc:
        return RecoveryFile(path, None, bounded(str(exc), 200), written)


def recovery_summary(path: Path) -> str:
    """What a recovery file holds and how old it is, for the question whether to recover
    it: the training done after its last autosave is not in it, and the learner should
    know how much that may be."""
    found = read_recovery(path)
    if not found.readable:
        return f"{found.when}, but it cannot be opened: {found.error}\n\n{printable(path.name, 80)}"
    minutes = AUTOSAVE_MS // 60_000
    every = "every minute" if minutes == 1 else f"every {minutes} minutes"
    return (f"{found.when} ({found.held()}). A recovery copy is written {every} while there is unsaved work, so "
            f"training done after it is not in it.\n\n{printable(path.name, 80)}")


def ask_recovery(parent: QWidget | None, path: Path) -> str:
    """Ask what to do with a crashed window's recovery file: RECOVER, DISCARD or LATER;
    for one that cannot be opened, KEEP (aside, the default) or DISCARD."""
    found = read_recovery(path)
    if not found.readable:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved work cannot be recovered",
                          "nnstudio did not close normally last time, and the recovery copy of its unsaved work "
                          "cannot be opened.", parent=parent)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the reason may quote a file name
        box.setInformativeText(f"{found.when}: {found.error}\n\nKeep it aside in the “unrecovered” folder (a newer "
                               f"nnstudio may open it), or discard it.\n\n{printable(path.name, 80)}")
        keep = box.addButton("Keep it aside", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return DISCARD if box.clickedButton() is discard else KEEP
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work?",
                      "nnstudio did not close normally last time. Recover the project as it was at its "
                      "last autosave?", parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the informative text quotes a file and its contents
    box.setInformativeText(recovery_summary(path))
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.exec()
    clicked = box.clickedButton()
    if clicked is recover:
        return RECOVER
    if clicked is discard:
        return DISCARD
    return LATER
