"""Lessons written in the app (File › Save as lesson), without editing JSON by hand.

:func:`lesson_dict` turns the open project (its network, training settings, data recipe
and, if wanted, its current weights), the workspace and views on screen, the classroom
restrictions, run B of a comparison that is open, and a text — a title, an introduction
and steps, each a title and a text — into the lesson format of :mod:`.lessons`;
:func:`write_lesson` writes it to a file and reads it back with
:func:`~.lessons.load_lesson`, so a file that the Lessons menu could not open is never
left behind. Qt-free, like :mod:`.lessons`.

A comparison becomes the first step's ``compare`` (B's changes as Training › Compare…
reads them) with ``restart``: its button starts run A over from the lesson's start and
forks B beside it, so the learner gets both runs from one starting point, whenever the
step is applied.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core.data import DataSpec
from ..core.errors import NNStudioError
from ..core.restrictions import Restrictions, Setup
from ..core.run_changes import RunChanges
from ..core.safetext import printable
from ..core.specs import NetworkSpec, TrainConfig
from .compare_text import changes_text
from .lesson_compare import check_compare
from .lesson_weights import FieldProblem
from .lessons import FORMAT, KNOWN_VIEWS, MAX_LESSON_BYTES, MAX_STEPS, WORKSPACES, Lesson, LessonError, \
    load_lesson, weights_to_neurons
from .paths import resource_path

#: the largest CSV file a written lesson carries a copy of
MAX_CSV_COPY_BYTES = 64 << 20

#: the number a written lesson gets at least, so it follows the bundled ones in the list
FIRST_USER_NUMBER = 100
#: the dialog's choice to keep run B (named in the writer's messages)
COMPARE_CHOICE = "Step 1 starts run B"
#: the longest title and text the dialog takes (characters)
MAX_TITLE = 120
MAX_TEXT = 20_000


@dataclass(frozen=True)
class StepText:
    """One step as the teacher wrote it."""

    title: str
    text: str = ""


def lesson_dict(title: str, intro: str, steps: Sequence[StepText], network: NetworkSpec, config: TrainConfig,
                data: DataSpec, number: int, weights: np.ndarray | None = None, workspace: str | None = None,
                views: Sequence[str] = (), front: str | None = None,
                classroom: Restrictions | None = None, compare: RunChanges | None = None) -> dict[str, Any]:
    """The lesson file's JSON (see ``resources/lessons/README.md``).

    Parameters
    ----------
    weights : ndarray, shape (n_parameters,), optional
        The flat weights to start from (as :class:`~nnstudio.core.network.Network` keeps
        them); None: the lesson draws weights from the seed.
    views, front : view names (:data:`~.lessons.KNOWN_VIEWS`); others are left out.
    compare : RunChanges, optional
        What run B of an open comparison changes: the first step's ``compare`` (with a
        restart), so that applying it brings back run A beside B. None: no comparison.

    Raises
    ------
    LessonError
        A title or introduction missing, no step, a step without a title, too many
        steps, data a lesson cannot hold (painted points), or a run B the lesson could
        not start (a setting the kept classroom restrictions lock, or changes that no
        longer fit the network).
    """
    title = title.strip()
    if not title:
        raise LessonError("the lesson needs a title")
    if len(title) > MAX_TITLE:
        raise LessonError(f"the title has {len(title)} characters; at most {MAX_TITLE}")
    if not intro.strip():
        raise LessonError("the lesson needs an introduction: what is it about?")
    steps = [s for s in steps if s.title.strip() or s.text.strip()]
    if not steps:
        raise LessonError("the lesson needs at least one step")
    if len(steps) > MAX_STEPS:
        raise LessonError(f"a lesson has at most {MAX_STEPS} steps, not {len(steps)}")
    for k, s in enumerate(steps):
        if not s.title.strip():
            raise LessonError(f"step {k + 1} needs a title")
    for text in [intro, *(s.text for s in steps)]:
        if len(text) > MAX_TEXT:
            raise LessonError(f"a text has {len(text):,} characters; at most {MAX_TEXT:,}")
    if data.source == "inline":
        raise LessonError("painted points cannot be part of a lesson yet; choose a data set, or save a project")
    if workspace is not None and workspace not in WORKSPACES:
        raise LessonError(f"unknown workspace {printable(workspace, 20)}")
    project: dict[str, Any] = {"network": network.to_dict(), "train": config.to_dict(), "data": data.to_dict()}
    if weights is not None:
        if len(weights) != network.n_parameters:
            raise LessonError(f"the weights ({len(weights)} numbers) do not fit the network "
                              f"({network.n_parameters} parameters)")
        project["weights"] = weights_to_neurons(np.asarray(weights, dtype=np.float64), network)
    if classroom is not None:
        # the lesson's text is in the Lessons panel: a lesson that hid it could not be followed
        classroom = Restrictions(classroom.hidden - {"panel.lessons"}, classroom.locked)
    first: dict[str, Any] = {}
    if compare is not None:
        first = {"compare": _compare_text(compare, Setup(network, config, data),
                                          classroom if classroom is not None and classroom.active else None),
                 "restart": True}
    shown = [v for v in dict.fromkeys(views) if v in KNOWN_VIEWS]
    doc: dict[str, Any] = {
        "format": FORMAT,
        "number": int(number),
        "title": title,
        "summary": _first_line(intro),
        "intro": intro.strip(),
        "project": project,
        "views": shown,
        "steps": [{"title": s.title.strip(), "text": s.text.strip(), **(first if k == 0 else {})}
                  for k, s in enumerate(steps)],
    }
    if front in KNOWN_VIEWS:
        doc["front"] = front
    if workspace is not None:
        doc["workspace"] = workspace
    if classroom is not None and classroom.active:
        doc["classroom"] = classroom.to_dict()
    return doc


def _compare_text(changes: RunChanges, a: Setup, classroom: Restrictions | None) -> str:
    """``changes`` as a step's ``compare``, checked as the lesson's reader will check it
    (so a refusal names what to do here, not a field of a file not yet written)."""
    leave_out = f"untick “{COMPARE_CHOICE}”, or close run B"
    try:
        checked, _label = check_compare(changes_text(changes), a, "compare", classroom)
        # the text names B's settings exactly (a one-value list may come back as one value)
        same = RunChanges.parse(checked).apply(a.network, a.config) == changes.apply(a.network, a.config)
    except FieldProblem as exc:
        raise LessonError(f"run B cannot be part of the lesson: {printable(exc.message, 240)}; {leave_out}") from None
    except NNStudioError as exc:
        raise LessonError(f"run B cannot be part of the lesson: {printable(exc, 240)}; {leave_out}") from None
    if not same:
        raise LessonError(f"run B's changes cannot be written as a lesson's comparison; {leave_out}")
    return checked


def _first_line(text: str, limit: int = 100) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def next_number(lessons: Sequence[Lesson]) -> int:
    """A number after every lesson listed (and at least :data:`FIRST_USER_NUMBER`)."""
    return max([FIRST_USER_NUMBER - 1, *(le.number for le in lessons)]) + 1


def file_name_for(title: str, folder: Path) -> Path:
    """A new file in ``folder`` named after the title ("My lesson!" → ``my_lesson.json``,
    then ``my_lesson_2.json`` …)."""
    stem = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40] or "lesson"
    path = folder / f"{stem}.json"
    k = 2
    while path.exists():
        path = folder / f"{stem}_{k}.json"
        k += 1
    return path


def write_lesson(path: str | os.PathLike, doc: dict[str, Any]) -> Lesson:
    """Write the lesson atomically (a temporary file renamed into place), read it back
    and return it. A lesson on a CSV file gets a copy of it in ``data/`` beside the lesson.

    Raises
    ------
    LessonError
        The file would be larger than a lesson may be (large weights), or it could not
        be written, or it does not read back as a lesson (nothing is left behind then).
    OSError
        Never: problems of the disk are LessonErrors too.
    """
    target = Path(path)
    if _inside(target, resource_path("lessons")):
        raise LessonError("the lessons that come with nnstudio cannot be overwritten; choose another folder")
    doc = {**doc, "project": dict(doc.get("project", {}))}  # the caller's dict stays as it was
    copied = _bring_csv_along(doc, target)
    try:
        return _write_and_check(target, doc)
    except LessonError:
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise


def _bring_csv_along(doc: dict[str, Any], target: Path) -> Path | None:
    """A lesson on a CSV file carries a copy of it in ``data/`` beside the lesson file, named
    by a relative path, so that the lesson opens on a learner's computer too (the teacher's
    own path would not exist there). Returns the copy made, if any."""
    data = doc.get("project", {}).get("data", {})
    source = data.get("csv_path")
    if data.get("source") != "csv" or not isinstance(source, str) or not Path(source).is_absolute():
        return None
    src = Path(source)
    folder = target.parent / "data"
    copy = folder / f"{target.stem}_{re.sub(r'[^A-Za-z0-9._-]+', '_', src.name)[:60]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if src.stat().st_size > MAX_CSV_COPY_BYTES:
            raise LessonError(f"the data file {printable(src.name, 60)} is larger than "
                              f"{MAX_CSV_COPY_BYTES >> 20} MB; a lesson carries at most that much data")
        shutil.copyfile(src, copy)
    except OSError as exc:
        raise LessonError(f"the data file {printable(src.name, 60)} could not be copied beside the lesson: "
                          f"{printable(exc.strerror or exc, 80)}") from None
    doc["project"]["data"] = {**data, "csv_path": f"data/{copy.name}"}
    return copy


def _write_and_check(target: Path, doc: dict[str, Any]) -> Lesson:
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    data = text.encode("utf-8")
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(f"the lesson would take {len(data) // 1024:,} kB; a lesson file may take at most "
                          f"{MAX_LESSON_BYTES // 1024:,} kB (leave the weights out, or use a smaller network)")
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".lesson-", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise LessonError(f"the lesson could not be written: {printable(exc.strerror or exc, 80)}") from None
    try:
        return load_lesson(target)
    except LessonError:
        target.unlink(missing_ok=True)
        raise


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


__all__ = ["COMPARE_CHOICE", "FIRST_USER_NUMBER", "StepText", "file_name_for", "lesson_dict", "next_number",
           "write_lesson"]
