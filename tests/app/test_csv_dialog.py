"""The CSV import dialog: every problem at once, marked cells, skipping bad rows,
loading a big file in the background with Cancel, and where the file dialog opens."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog

from nnstudio.app.csv_folder import SETTINGS_KEY, csv_start_folder, remember_csv_folder
from nnstudio.app.document import Document
from nnstudio.app.panels.csv_dialog import PREVIEW_COLUMNS, SYNC_BYTES, CsvImportDialog
from nnstudio.app.panels.csv_problems_view import problem_color
from nnstudio.app.panels.data_panel import DataPanel
from nnstudio.app.paths import resource_path

# line 1 header; problems on lines 3 (text), 4 (too few values), 6 (missing, infinite), 8 (too large)
SEVERAL = (
    "height,width,kind\n"
    "1.5,2,a\n"
    "1.7,oops,b\n"
    "1.2,3\n"
    "1.9,4,a\n"
    ",inf,b\n"
    "1.4,5,a\n"
    "1e999,6,b\n"
    "1.1,7,a\n"
    "1.3,8,b\n"
)


@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()


@pytest.fixture
def several(tmp_path):
    p = tmp_path / "several.csv"
    p.write_text(SEVERAL, encoding="utf-8")
    return p


def open_dialog(qtbot, doc, path) -> CsvImportDialog:
    dialog = CsvImportDialog(doc, str(path))
    qtbot.addWidget(dialog)
    dialog.resize(760, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tick(qtbot, box) -> None:
    """Click a check box on its box (its middle may be past the end of the text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def import_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def big_csv(tmp_path, megabytes: float, name: str = "big.csv") -> tuple[Path, int]:
    """About ``megabytes`` MB: 10 numeric columns and a class column; returns (path, rows)."""
    rng = np.random.default_rng(0)
    block = "".join(",".join(f"{v:.4f}" for v in row) + f",{'abc'[i % 3]}\n"
                    for i, row in enumerate(rng.normal(size=(1000, 10))))
    repeats = max(1, int(megabytes * 1e6 / len(block)))
    path = tmp_path / name
    path.write_text(",".join(f"x{j}" for j in range(10)) + ",kind\n" + block * repeats, encoding="utf-8")
    return path, 1000 * repeats


# --------------------------------------------------------------- every problem at once


def test_all_problems_are_counted_listed_and_marked_before_import(qtbot, doc, several):
    dialog = open_dialog(qtbot, doc, several)
    summary = dialog.problems.summary.text()
    assert "5 problems in 4 of 9 rows" in summary
    for label in ("1 row with the wrong number of values", "1 text cell where a number is needed",
                  "1 missing value", "1 infinite value", "1 number too large to use"):
        assert label.replace(" ", "&nbsp;") in summary
    listed = [(dialog.problems.list.item(i, 0).text(), dialog.problems.list.item(i, 1).text(),
               dialog.problems.list.item(i, 3).text()) for i in range(dialog.problems.list.rowCount())]
    assert listed == [("3", "width", "oops"), ("4", "", "2 values, 3 expected"), ("6", "height", "(empty)"),
                      ("6", "width", "inf"), ("8", "height", "1e999")]

    # the preview's rows are the file's lines; bad cells are coloured and explained
    assert dialog.line_numbers == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    cell = dialog.table.item(1, 1)  # line 3, "width"
    assert cell.text() == "oops" and cell.background().color() == problem_color("text", dialog)
    assert "not a number" in cell.toolTip().lower() or "text cell" in cell.toolTip().lower()
    missing = dialog.table.item(4, 0)  # line 6, "height": an empty cell
    assert missing.background().color() == problem_color("missing", dialog)
    assert missing.toolTip().startswith("Missing value")
    short_row = [dialog.table.item(2, j) for j in range(3)]  # line 4 has 2 values
    assert all(item.background().color() == problem_color("columns", dialog) for item in short_row)
    assert "This row has 2 values" in short_row[0].toolTip()
    assert dialog.table.item(0, 0).background().style() == Qt.BrushStyle.NoBrush  # line 2 is fine

    assert dialog.skip_check.isVisible()
    assert dialog.skip_check.text() == "Skip the 4 rows with problems (load the other 5)"


def test_import_refuses_naming_the_first_problem_then_skipping_loads_the_good_rows(qtbot, doc, several):
    dialog = open_dialog(qtbot, doc, several)
    click(qtbot, import_button(dialog))
    assert dialog.isVisible() and doc.data_spec.source == "generator"
    assert dialog.error.text().startswith("row 3, column 'width': 'oops' is not a number; 4 more problems")
    assert dialog.table.selectionModel().isRowSelected(1)  # line 3, shown

    tick(qtbot, dialog.skip_check)
    assert dialog.skip_check.isChecked() and not dialog.error.isVisible()
    click(qtbot, import_button(dialog))
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.skipped_rows == 4
    assert doc.data_spec.source == "csv" and doc.data_spec.csv_path == str(several)
    raw = doc.prepared.raw
    assert raw.n_samples == 5 and raw.X[:, 0].tolist() == [1.5, 1.9, 1.4, 1.1, 1.3]
    assert raw.class_names == ("a", "b") and doc.network.n_inputs == 2
    assert doc.undo_stack.undoText() == "Import several.csv (4 rows with problems skipped)"
    doc.undo_stack.undo()
    assert doc.data_spec.source == "generator"
    doc.undo_stack.redo()  # the loaded rows come back without reading the file again
    several.unlink()
    assert doc.prepared.raw.n_samples == 5


def test_clicking_a_listed_problem_selects_its_cell(qtbot, doc, several):
    dialog = open_dialog(qtbot, doc, several)
    rect = dialog.problems.list.visualItemRect(dialog.problems.list.item(3, 2))  # line 6, width: inf
    qtbot.mouseClick(dialog.problems.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (dialog.table.currentRow(), dialog.table.currentColumn()) == (4, 1)
    assert dialog.table.item(4, 1).text() == "inf"


def test_choosing_another_target_shows_its_problems_at_once(qtbot, doc, tmp_path):
    p = tmp_path / "people.csv"
    p.write_text("name,h,w\nann,1.6,55\nbob,1.8,80\ncy,?,60\ndi,1.5,50\neve,1.7,70\n")
    dialog = open_dialog(qtbot, doc, p)
    assert "6 problems in 5 of 5 rows" in dialog.problems.summary.text()  # "name" is an input
    assert dialog.table.item(0, 0).background().color() == problem_color("text", dialog)
    dialog.target_combo.setCurrentIndex(0)  # "name" is the target: classes
    assert "1 problem in 1 of 5 rows" in dialog.problems.summary.text()
    assert dialog.table.item(0, 0).background().style() == Qt.BrushStyle.NoBrush
    assert dialog.table.item(2, 1).background().color() == problem_color("missing", dialog)
    assert dialog.skip_check.text() == "Skip the 1 row with problems (load the other 4)"


def test_a_file_that_is_not_text_is_refused_in_the_dialog(qtbot, doc, tmp_path):
    p = tmp_path / "book.csv"
    p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    dialog = open_dialog(qtbot, doc, p)
    assert "not a text file" in dialog.error.text()
    assert not import_button(dialog).isEnabled()
    assert dialog.problems.isHidden()


def test_a_file_with_one_class_says_so_and_cannot_be_imported(qtbot, doc, tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("a,y\n1,c\n2,c\n3,c\n4,c\n")
    dialog = open_dialog(qtbot, doc, p)
    assert "has only one class ('c')" in dialog.error.text()
    click(qtbot, import_button(dialog))
    assert dialog.isVisible() and doc.data_spec.source == "generator"


def test_a_wide_file_previews_some_columns_but_any_can_be_the_target(qtbot, doc, tmp_path):
    p = tmp_path / "wide.csv"
    rows = [",".join(f"c{j}" for j in range(300))]
    rows += [",".join(str((i * j) % 7) for j in range(299)) + f",{i % 2}" for i in range(8)]
    p.write_text("\n".join(rows) + "\n")
    dialog = open_dialog(qtbot, doc, p)
    assert dialog.table.columnCount() == PREVIEW_COLUMNS and dialog.target_combo.count() == 300
    assert dialog.target_combo.currentText() == "c299"
    dialog.target_combo.setCurrentIndex(250)
    dialog.classes_check.setCheckState(Qt.CheckState.Unchecked)
    click(qtbot, import_button(dialog))
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert doc.prepared.raw.n_features == 299 and doc.data_spec.target_column == 250


# -------------------------------------------------------------- big files, background


def test_a_big_file_loads_in_the_background_and_the_dialog_keeps_running(qtbot, doc, tmp_path):
    path, n_rows = big_csv(tmp_path, 12)
    assert path.stat().st_size > SYNC_BYTES
    # a full garbage collection of what earlier tests left behind would stall this thread
    # for a while whatever the loader does: collect now, and not during the measurement
    gc.collect()
    gc.disable()
    try:
        _load_in_background(qtbot, doc, path, n_rows)
    finally:
        gc.enable()


def _load_in_background(qtbot, doc, path, n_rows) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    t0 = time.perf_counter()
    dialog = open_dialog(qtbot, doc, path)
    opened = time.perf_counter() - t0
    assert opened < 1.0  # the preview, not the whole file
    assert dialog.status.isVisible() and not import_button(dialog).isEnabled()
    seen_progress = []
    dialog.progress.valueChanged.connect(seen_progress.append)
    qtbot.waitUntil(lambda: import_button(dialog).isEnabled(), timeout=60_000)
    loading = time.perf_counter() - t0
    timer.stop()
    assert dialog.csv is not None and dialog.csv.n_rows == n_rows
    assert not dialog.status.isVisible() and dialog.problems.isHidden()
    assert seen_progress and seen_progress == sorted(seen_progress)
    # the event loop kept turning while the file was read (the reading holds Python's lock
    # for a NumPy conversion of a column block at a time, so under load the ticks thin out)
    during = [t for t in ticks if t0 + opened < t]
    assert len(during) >= 2, (len(during), loading)

    click(qtbot, import_button(dialog))  # builds the data set in the background too
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=60_000)
    assert doc.prepared.raw.n_samples == n_rows and doc.network.n_inputs == 10
    assert not dialog._loader.thread.isRunning()  # stopped and waited for when the dialog closed


def test_stop_ends_the_background_read_within_a_fraction_of_a_second(qtbot, doc, tmp_path):
    path, _ = big_csv(tmp_path, 40)
    dialog = open_dialog(qtbot, doc, path)
    qtbot.waitUntil(lambda: dialog.progress.value() > 50, timeout=30_000)
    with qtbot.waitSignal(dialog._loader.sigCancelled, timeout=5_000):
        t0 = time.perf_counter()
        click(qtbot, dialog.stop_button)
    assert time.perf_counter() - t0 < 0.5
    assert dialog.progress.format() == "Stopped" and dialog.stop_button.text() == "Read again"
    assert "stopped" in dialog.error.text() and not import_button(dialog).isEnabled()
    assert dialog.csv is None
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert not dialog._loader.thread.isRunning()
    assert doc.data_spec.source == "generator"


def test_closing_the_dialog_while_reading_stops_the_thread(qtbot, doc, tmp_path):
    path, _ = big_csv(tmp_path, 20)
    dialog = open_dialog(qtbot, doc, path)
    assert dialog._loader is not None and dialog._loader.busy
    dialog.reject()
    assert not dialog._loader.thread.isRunning()


# ------------------------------------------------------------- where the file dialog opens


@pytest.fixture
def settings(tmp_path):
    s = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    yield s
    s.sync()


def test_the_file_dialog_opens_in_documents_then_in_the_last_folder(settings, tmp_path, monkeypatch):
    from nnstudio.app import csv_folder

    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(csv_folder.QStandardPaths, "writableLocation", lambda _where: str(documents))
    assert csv_start_folder(settings) == str(documents)

    folder = tmp_path / "data"
    folder.mkdir()
    remember_csv_folder(str(folder / "x.csv"), settings)
    assert settings.value(SETTINGS_KEY) == str(folder)
    assert csv_start_folder(settings) == str(folder)

    folder.rmdir()  # gone: back to Documents
    assert csv_start_folder(settings) == str(documents)
    documents.rmdir()  # no Documents either: home
    assert csv_start_folder(settings) == str(Path.home())


def test_the_file_dialog_never_opens_inside_the_program(settings, tmp_path, monkeypatch):
    from nnstudio.app import csv_folder

    monkeypatch.setattr(csv_folder.QStandardPaths, "writableLocation", lambda _where: str(tmp_path))
    examples = resource_path("datasets")
    remember_csv_folder(str(examples / "iris.csv"), settings)  # not remembered
    assert settings.value(SETTINGS_KEY) is None
    settings.setValue(SETTINGS_KEY, str(examples))  # remembered by an older version
    assert csv_start_folder(settings) == str(tmp_path)
    settings.setValue(SETTINGS_KEY, str(Path(csv_folder.__file__).parent))
    assert csv_start_folder(settings) == str(tmp_path)


def test_the_data_panel_asks_from_the_start_folder_and_remembers_the_choice(qtbot, doc, several, monkeypatch):
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    asked = {}

    def fake_dialog(parent, title, start, filters):
        asked["start"] = start
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    panel.import_csv()
    assert asked["start"] == csv_start_folder()
    assert Path(asked["start"]).resolve() != resource_path().resolve()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(several), "CSV files"))
    monkeypatch.setattr(CsvImportDialog, "exec", lambda self: self.reject())
    panel.import_csv()
    assert csv_start_folder() == str(several.parent)
