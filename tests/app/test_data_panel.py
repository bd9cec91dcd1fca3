"""The data panel: data sets, settings, CSV import and painted points, checked on the document."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QFileDialog

from nnstudio.app.document import Document
from nnstudio.app.panels.csv_dialog import CsvImportDialog
from nnstudio.app.panels.data_panel import DataPanel
from nnstudio.app.views.boundary_view import BoundaryView


@pytest.fixture
def doc(qtbot):
    d = Document()
    yield d
    d.undo_stack.clear()  # while everything is alive, not from the destructor


@pytest.fixture
def panel(qtbot, doc):
    p = DataPanel(doc)
    qtbot.addWidget(p)
    p.resize(360, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture
def good_csv(tmp_path):
    path = tmp_path / "flowers.csv"
    rows = ["height,width,kind"] + [f"{1 + i * 0.1:.1f},{2 + (i % 3):d},{'ab'[i % 2]}" for i in range(12)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def ragged_csv(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n5,6\n7,8,1\n9,10,0\n", encoding="utf-8")
    return path


def test_summary_line(panel, doc):
    assert panel.summary.text() == "400 points · 320 train / 80 validation · binary · 2 inputs"


def test_pick_a_data_set_by_its_thumbnail_then_undo(qtbot, panel, doc):
    click(qtbot, panel.thumbs[("generator", "circle")])
    assert (doc.data_spec.source, doc.data_spec.name) == ("generator", "circle")
    assert panel.thumbs[("generator", "circle")].isChecked()
    assert not panel.thumbs[("generator", "spiral")].isChecked()
    doc.undo_stack.undo()
    assert doc.data_spec.name == "spiral"
    assert panel.thumbs[("generator", "spiral")].isChecked()
    assert not panel.thumbs[("generator", "circle")].isChecked()


def test_multiclass_generator_shows_classes_and_one_d_data_drops_features(qtbot, panel, doc):
    doc.edit_data("features", features=("x1", "x2", "x1^2"))
    assert not panel.classes.isVisible()
    click(qtbot, panel.thumbs[("generator", "blobs")])
    assert panel.classes.isVisible()
    type_into(qtbot, panel.classes, "5")
    assert doc.data_spec.n_classes == 5
    assert doc.network.n_outputs == 5
    click(qtbot, panel.thumbs[("generator", "line")])
    assert doc.data_spec.features == ("x1", "x2")  # 1-D data takes its column as it is
    assert doc.network.n_inputs == 1
    assert panel.slope.isVisible() and not panel.classes.isVisible()


def test_noise_slider_merges_and_undoes(qtbot, panel, doc):
    panel.noise.slider.setValue(25)
    panel.noise.slider.setValue(30)
    assert doc.data_spec.noise == pytest.approx(0.3)
    assert panel.noise.label.text() == "0.30"
    doc.undo_stack.undo()  # one step: the drag merged
    assert doc.data_spec.noise == pytest.approx(0.1)
    assert panel.noise.value() == pytest.approx(0.1)
    assert panel.noise.label.text() == "0.10"


def test_samples_validation_and_standardise(qtbot, panel, doc):
    type_into(qtbot, panel.samples, "200")
    type_into(qtbot, panel.validation, "50")
    click(qtbot, panel.standardize)
    assert doc.data_spec.n_samples == 200
    assert doc.data_spec.validation_fraction == pytest.approx(0.5)
    assert doc.data_spec.standardize is True
    assert panel.summary.text().startswith("200 points · 100 train / 100 validation")
    doc.undo_stack.undo()
    assert panel.standardize.isChecked() is False


def test_regenerate_changes_the_seed_and_undo_restores_it(qtbot, panel, doc):
    click(qtbot, panel.regenerate_button)
    assert doc.data_spec.seed != 0
    assert panel.seed.value() == doc.data_spec.seed
    doc.undo_stack.undo()
    assert doc.data_spec.seed == 0
    assert panel.seed.value() == 0


def test_bundled_iris_makes_a_four_input_multiclass_network(qtbot, panel, doc):
    doc.edit_data("features", features=("x1", "x2", "sin(x1)"))
    click(qtbot, panel.thumbs[("bundled", "iris")])
    assert (doc.data_spec.source, doc.data_spec.name) == ("bundled", "iris")
    assert doc.prepared.task == "multiclass"
    assert doc.network.n_inputs == 4 and doc.network.n_outputs == 3
    assert panel.summary.text() == "150 points · 120 train / 30 validation · multi-class (3 classes) · 4 inputs"
    assert not panel.samples.isVisible() and not panel.noise.isVisible()
    assert panel.regenerate_button.text() == "New split"
    assert "Fisher" in panel.thumbs[("bundled", "iris")].toolTip()


def test_csv_import_through_the_file_dialog(qtbot, panel, doc, good_csv, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good_csv), "CSV files"))
    seen = {}

    def drive_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CsvImportDialog)
        seen["header"] = dialog.header_label.text()
        seen["target"] = dialog.target_combo.currentText()
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))

    QTimer.singleShot(0, drive_dialog)
    click(qtbot, panel.csv_button)
    assert "header" in seen["header"] and "kind" in seen["header"]
    assert seen["target"] == "kind"
    assert doc.data_spec.source == "csv"
    assert doc.prepared.task == "binary" and doc.network.n_inputs == 2
    assert "flowers.csv" in panel.source_line.text()
    doc.undo_stack.undo()
    assert doc.data_spec.source == "generator"


def test_csv_target_and_classes_choice(qtbot, doc, tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(10)) + "\n", encoding="utf-8")
    dialog = CsvImportDialog(doc, str(path))
    qtbot.addWidget(dialog)
    assert "No header" in dialog.header_label.text()
    assert dialog.target_combo.currentText() == "col3"  # the last column by default
    dialog.target_combo.setCurrentIndex(1)  # col2 holds 0, 1, 2
    assert "(target)" in dialog.table.horizontalHeaderItem(1).text()
    dialog.classes_check.setCheckState(Qt.CheckState.Unchecked)  # numbers: regression
    assert "regression" in dialog.classes_meaning.text()
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert doc.data_spec.target_column == 1 and doc.data_spec.categorical_target is False
    assert doc.prepared.task == "regression"


def test_broken_csv_shows_the_error_in_the_dialog_and_keeps_the_document(qtbot, doc, ragged_csv):
    before = doc.state
    dialog = CsvImportDialog(doc, str(ragged_csv))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 5  # the preview still shows the broken file
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert "row 4" in dialog.error.text() and "2 values" in dialog.error.text()
    assert doc.state is before
    assert doc.undo_stack.count() == 0


def test_text_input_column_error_names_the_column(qtbot, doc, good_csv):
    dialog = CsvImportDialog(doc, str(good_csv))
    qtbot.addWidget(dialog)
    dialog.target_combo.setCurrentIndex(0)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    assert "'kind'" in dialog.error.text()
    assert doc.data_spec.source == "generator"


def test_paint_copies_the_points_and_add_remove_are_undoable(qtbot, panel, doc):
    with qtbot.waitSignal(panel.sigPaintModeChanged) as blocker:
        click(qtbot, panel.paint_button)
    assert blocker.args[0] is True and blocker.args[1] in (0, 1)
    assert doc.data_spec.source == "inline" and doc.inline.n_samples == 400
    assert panel.paint_box.isVisible()

    panel.add_point(1.0, -2.0, 0)
    assert doc.inline.n_samples == 401
    assert tuple(doc.inline.X[-1]) == (1.0, -2.0) and doc.inline.y[-1] == 0
    doc.undo_stack.undo()
    assert doc.inline.n_samples == 400

    first = tuple(doc.inline.X[0])
    panel.remove_point(0)
    assert doc.inline.n_samples == 399 and tuple(doc.inline.X[0]) != first
    doc.undo_stack.undo()
    assert doc.inline.n_samples == 400 and tuple(doc.inline.X[0]) == first
    assert "400 points" in panel.paint_status.text()

    doc.undo_stack.undo()  # back to the generator: paint mode ends
    assert doc.data_spec.source == "generator"
    assert not panel.paint_box.isVisible()
    assert panel._paint_state == (False, None)


def test_a_third_class_makes_the_painted_data_multiclass(qtbot, panel, doc):
    panel.start_painting()
    click(qtbot, panel.add_class_button)
    assert panel.paint_label() == 2
    panel.add_point(0.5, 0.5)
    assert doc.inline.task == "multiclass" and doc.inline.n_classes == 3
    assert doc.network.n_outputs == 3


def test_clear_points_then_paint_from_scratch(qtbot, panel, doc):
    panel.start_painting()
    with qtbot.waitSignal(panel.sigDraftChanged) as blocker:
        click(qtbot, panel.clear_button)
    assert blocker.args[0].n_samples == 0
    assert doc.inline.n_samples == 400  # the document only holds data it can train on
    for x, y, c in [(1, 1, 0), (2, 2, 0), (-1, -1, 1)]:
        panel.add_point(x, y, c)
    assert panel.points().n_samples == 3 and doc.inline.n_samples == 400
    assert "paint at least 4 points" in panel.paint_status.text()
    with qtbot.waitSignal(panel.sigDraftChanged) as blocker:
        panel.add_point(-2, -2, 1)
    assert blocker.args[0] is None
    assert doc.inline.n_samples == 4 and doc.prepared.task == "binary"
    doc.undo_stack.undo()
    assert doc.inline.n_samples == 400


def test_painted_regression_values(qtbot, panel, doc):
    click(qtbot, panel.thumbs[("generator", "plane")])
    panel.start_painting()
    assert panel.value_spin.isVisible()
    type_into(qtbot, panel.value_spin, "0.75")
    assert panel.paint_label() == pytest.approx(0.75)
    panel.add_point(3.0, 4.0)
    assert doc.inline.task == "regression" and doc.inline.y[-1] == pytest.approx(0.75)


def test_clicking_the_chosen_thumbnail_keeps_it_chosen(qtbot, panel, doc):
    click(qtbot, panel.thumbs[("generator", "spiral")])
    assert panel.thumbs[("generator", "spiral")].isChecked()
    assert doc.undo_stack.count() == 0


def test_class_buttons_choose_the_label_of_new_points(qtbot, panel, doc):
    panel.start_painting()
    with qtbot.waitSignal(panel.sigPaintModeChanged) as blocker:
        click(qtbot, panel.label_buttons[0])
    assert blocker.args == [True, 0]
    panel.add_point(2.0, 2.0)
    assert doc.inline.y[-1] == 0
    with qtbot.waitSignal(panel.sigPaintModeChanged) as blocker:
        click(qtbot, panel.paint_toggle)
    assert blocker.args == [False, None]


def test_removing_below_four_points_is_refused(qtbot, panel, doc):
    panel.start_painting()
    panel.clear_points()
    for x, y, c in [(1, 1, 0), (2, 2, 0), (-1, -1, 1), (-2, -2, 1)]:
        panel.add_point(x, y, c)
    assert doc.inline.n_samples == 4
    panel.remove_point(0)
    assert doc.inline.n_samples == 4
    assert "at least 4 points" in panel.error.text() and panel.error.isVisible()


# -- painting, as the decision view shows it -------------------------------------------------------
@pytest.fixture
def painted_view(qtbot, panel, doc):
    """The decision view wired to the panel and the document as the window wires them."""
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.set_data(doc.prepared)
    doc.sigPreparedChanged.connect(view.set_data)
    panel.sigDraftChanged.connect(view.set_draft)
    panel.sigPaintModeChanged.connect(view.set_paint_mode)
    view.sigPointAdded.connect(panel.add_point)
    view.show()
    qtbot.waitExposed(view)
    return view


def _legend_names(view):
    return [part.split("</span>&nbsp;")[1] for part in view.legend.text().split(" &nbsp; ")]


def test_paint_buttons_and_legend_name_the_classes_alike(qtbot, panel, doc, painted_view):
    click(qtbot, panel.paint_button)
    assert [b.text() for b in panel.label_buttons] == ["class -1", "class +1"]
    assert _legend_names(painted_view) == ["class -1", "class +1"]
    click(qtbot, panel.clear_button)
    assert [b.text() for b in panel.label_buttons] == ["class -1", "class +1"]
    assert _legend_names(painted_view) == ["class -1", "class +1"]
    # four points make it trainable: the document's data keeps those names
    for x, y, c in [(1, 1, 0), (2, 2, 0), (-1, -1, 1), (-2, -2, 1)]:
        panel.add_point(x, y, c)
    assert doc.inline.class_names == ("-1", "+1")
    assert _legend_names(painted_view) == ["class -1", "class +1"]


def test_clear_points_leaves_no_points_drawn(qtbot, panel, doc, painted_view):
    click(qtbot, panel.paint_button)
    assert len(painted_view.train_scatter.getData()[0]) == len(doc.prepared.train_index) > 0
    click(qtbot, panel.clear_button)
    assert len(painted_view.train_scatter.getData()[0]) == 0
    assert not painted_view.val_scatter.isVisible()
    # a click on the plot paints a point: the draft, drawn at once
    scene_pt = painted_view.vb.mapViewToScene(QPointF(1.5, -2.0))
    qtbot.mouseClick(painted_view.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=painted_view.canvas.mapFromScene(scene_pt))
    x, y = painted_view.train_scatter.getData()
    assert len(x) == 1 and panel.points().n_samples == 1
    assert (float(panel.points().X[0, 0]), float(panel.points().X[0, 1])) == (pytest.approx(x[0]), pytest.approx(y[0]))
    # undo of the data change ends the draft: the data is drawn again
    doc.undo_stack.undo()
    assert painted_view.points.draft is None


def test_painting_from_scratch_on_other_data_uses_the_usual_names(qtbot, panel, doc):
    click(qtbot, panel.thumbs[("bundled", "iris")])
    click(qtbot, panel.paint_button)
    assert panel.points().n_samples == 0
    assert [b.text() for b in panel.label_buttons] == ["class -1", "class +1"]
