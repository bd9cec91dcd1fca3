"""Names a user brings (a lesson's title, a project's or a CSV file's name) are shown
isolated: a right-to-left override in one reorders nothing around it in the status bar,
the window title or a label, right-to-left letters stay as they are, and markup in a
title is shown as text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel

from nnstudio.app.main_window import MainWindow
from window_helpers import discard_and_close, wait_snapshot

LESSON_DIR = Path(__file__).resolve().parents[2] / "resources" / "lessons"
RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"
ARABIC = "\u0645\u0639\u062f\u0644 \u0627\u0644\u062a\u0639\u0644\u0645"  # معدل التعلم


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def _lesson_file(folder: Path, title: str, step_title: str) -> Path:
    shutil.copytree(LESSON_DIR / "data", folder / "data", dirs_exist_ok=True)
    raw = json.loads((LESSON_DIR / "01_one_neuron.json").read_text(encoding="utf-8"))
    raw["title"] = title
    raw["steps"][0]["title"] = step_title
    raw["steps"][0]["apply"] = {"train": {"learning_rate": 0.125}}  # a step whose button does something
    path = folder / "01_named.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_lesson_title_with_an_override_is_isolated_wherever_it_is_shown(qtbot, window, tmp_path):
    title = RLO + "Evil & <b>bold</b> title"
    path = _lesson_file(tmp_path, title, RLO + "first step")
    assert window.teacher.open_lesson_file(str(path))  # Lessons › Open lesson file…
    isolated = FSI + title + PDF + PDI  # the override ends inside the isolate
    assert window.statusBar().currentMessage() == f"Lesson 1. {isolated}"
    panel = window.lesson_panel
    assert panel.lesson_title.text() == f"1. {isolated}"
    assert panel.lesson_title.textFormat() == Qt.TextFormat.PlainText  # "<b>" is text, not markup
    n = len(panel.opened.steps)
    assert panel.step_title.text() == f"Step 1 of {n}: {FSI}{RLO}first step{PDF}{PDI}"
    assert panel.step_title.textFormat() == Qt.TextFormat.PlainText
    assert f"1. {isolated}" in [panel.list.item(i).text() for i in range(panel.list.count())]
    # the intro's list of steps is rich text: escaped, and isolated too
    assert f"{FSI}{RLO}first step{PDF}{PDI}" in panel.intro.toPlainText()
    # the Lessons menu: "&" is a character of the title, not a shortcut's mark
    menu = [a.text() for a in window.lessons_menu.actions()]
    assert f"1. {FSI}{RLO}Evil && <b>bold</b> title{PDF}{PDI}" in menu
    # the step's undo text names it isolated
    panel.apply_current()
    assert window.doc.config.learning_rate == 0.125
    assert window.doc.undo_stack.undoText() == f"Lesson step: {FSI}{RLO}first step{PDF}{PDI}"


def test_a_right_to_left_title_keeps_its_letters(qtbot, window, tmp_path):
    path = _lesson_file(tmp_path, ARABIC, "Step")
    assert window.teacher.open_lesson_file(str(path))
    assert window.statusBar().currentMessage() == f"Lesson 1. {FSI}{ARABIC}{PDI}"
    assert window.lesson_panel.lesson_title.text() == f"1. {FSI}{ARABIC}{PDI}"
    assert window.lesson_panel.step_title.text().endswith(": Step")  # nothing to isolate


def test_a_plain_title_is_shown_as_it_is(qtbot, window):
    window.lessons.open_lesson(window.lesson_panel.lesson_by_number(1))
    assert window.statusBar().currentMessage() == "Lesson 1. One neuron"


def test_a_project_file_name_with_an_override_is_isolated_in_the_title_and_status_bar(qtbot, window, tmp_path):
    path = str(tmp_path / f"{RLO}jorp.nnproj")
    assert window.files.save_to(path)
    assert window.windowTitle() == f"{FSI}{RLO}jorp.nnproj{PDF}{PDI}[*] — nnstudio"
    assert window.statusBar().currentMessage() == f"Saved {FSI}{path}{PDF}{PDI}"
    assert window.files.open(path)
    assert window.statusBar().currentMessage() == f"Opened {FSI}{path}{PDF}{PDI}"
    assert window.windowTitle().startswith(f"{FSI}{RLO}jorp.nnproj{PDF}{PDI}")


def test_a_csv_file_name_is_isolated_and_plain_in_the_data_panel(qtbot, window, tmp_path):
    csv = tmp_path / f"<b>{RLO}atad.csv"
    csv.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)), encoding="utf-8")
    window.doc.edit_data("CSV", source="csv", name="csv", csv_path=str(csv))
    line = window.data_panel.source_line
    assert line.text() == f"From the CSV file {FSI}<b>{RLO}atad.csv{PDF}{PDI}."
    assert line.textFormat() == Qt.TextFormat.PlainText


def test_the_save_lesson_dialog_lists_typed_step_titles_isolated(qtbot, tmp_path):
    from nnstudio.app.lesson_dialog import SaveLessonDialog

    folder = str(tmp_path / f"{RLO}snossel")
    dialog = SaveLessonDialog(folder, has_restrictions=False)
    qtbot.addWidget(dialog)
    where = next(label for label in dialog.findChildren(QLabel) if "lessons folder" in label.text())
    assert f"({FSI}{folder}{PDF}{PDI})" in where.text() and where.textFormat() == Qt.TextFormat.PlainText
    dialog.show()
    dialog.step_title.setFocus()
    dialog.step_title.selectAll()
    # typed (or pasted): an override has no key of its own, so it comes as a key event's text
    QApplication.sendEvent(dialog.step_title, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, RLO))
    qtbot.keyClicks(dialog.step_title, "Watch")
    assert dialog.step_list.item(0).text() == f"1. {FSI}{RLO}Watch{PDF}{PDI}"
    assert dialog.steps[0].title == f"{RLO}Watch"  # what is saved is what was typed


def test_message_boxes_quoting_a_name_that_looks_like_markup_show_it_as_it_is(qtbot, window, tmp_path, monkeypatch):
    # Qt shows a box's text as rich text when its first line looks like markup: each box
    # that quotes a name starts with a line of its own words
    from PySide6.QtGui import Qt as QtGui
    from PySide6.QtWidgets import QMessageBox

    texts: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: texts.append(a[2]) or QMessageBox.StandardButton.Cancel))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: texts.append(text)))
    path = str(tmp_path / "<b>bold.nnproj")
    assert window.files.save_to(path)
    window.doc.mark_trained()  # unsaved work
    assert not window.files.maybe_save()  # cancelled
    broken = tmp_path / "<i>broken.nnproj"
    broken.write_bytes(b"not a project")
    assert not window.files.open(str(broken))
    assert len(texts) == 2
    assert "<b>bold.nnproj" in texts[0] and "<i>broken.nnproj" in texts[1]
    assert QtGui.mightBeRichText("Save the changes to <b>bold.nnproj?")  # what the first line decides
    for text in texts:
        assert not QtGui.mightBeRichText(text), text
