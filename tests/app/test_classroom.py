"""Classroom mode, share strings and Save as lesson, driven in the window as a teacher and a learner would."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QDialogButtonBox, QMessageBox, QPushButton, QWidget

from nnstudio.app.classroom import INDICATOR_TEXT, LIFTED_TEXT
from nnstudio.app.lessons import LessonStep, user_lessons_folder
from nnstudio.app.main_window import MainWindow
from nnstudio.core.project import load_project
from nnstudio.core.restrictions import Restrictions
from window_helpers import discard_and_close, wait_snapshot

HIDDEN = {"panel.lessons", "view.loss", "optimizer", "noise"}
LOCKED = {"learning_rate", "batch_size", "layers", "dataset"}


@pytest.fixture
def window(qtbot, monkeypatch):
    # New and opening a lesson ask about unsaved changes: the tests answer "Discard"
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def choose_in_dialog(qtbot, w, hidden=HIDDEN, locked=LOCKED) -> None:
    """Edit › Classroom mode…: untick "Show", tick "Lock", OK — with the mouse."""
    w.act_classroom.trigger()
    dialog = w.teacher.classroom_dialog
    qtbot.waitExposed(dialog)
    for key in hidden:
        qtbot.mouseClick(dialog.findChild(QCheckBox, f"show:{key}"), Qt.MouseButton.LeftButton)
    for key in locked:
        qtbot.mouseClick(dialog.findChild(QCheckBox, f"lock:{key}"), Qt.MouseButton.LeftButton)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def shown(widget: QWidget) -> bool:
    return widget.isVisibleTo(widget.window())


def tab_round(qtbot, w) -> set:
    """The widgets Tab reaches going round the window from the training panel's L1 box."""
    w.workspaces.show_view("TrainingPanel")
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.training_panel.l1.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    start = w.training_panel.l1
    seen = set()
    for _ in range(400):  # once round the whole chain, however many views the window has
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is start:
            break
        seen.add(QApplication.focusWidget())
    return seen


def assert_restricted(w) -> None:
    tp, dp, np_ = w.training_panel, w.data_panel, w.network_panel
    assert w.view_docks["LessonPanel"].isHidden() and w.view_docks["LossView"].isHidden()
    assert not w.view_docks["LessonPanel"].toggleViewAction().isVisible()  # not in the View menu either
    assert not shown(tp.optimizer) and not tp.is_shown("optimizer") and not shown(dp.noise)
    assert not tp.lr.isEnabled() and not tp.batch_mode.isEnabled() and not dp.dataset_box.isEnabled()
    assert all(not c.units.isEnabled() and not c.remove_button.isEnabled() for c in np_.cards)
    assert not w.network_view.header.plus.isEnabled()
    assert w.teacher.classroom.indicator.isVisible()
    assert w.teacher.classroom.indicator.label.text() == INDICATOR_TEXT


def assert_unrestricted(w) -> None:
    assert not w.view_docks["LossView"].isHidden() and w.view_docks["LessonPanel"].toggleViewAction().isVisible()
    assert w.training_panel.is_shown("optimizer") and w.training_panel.lr.isEnabled()
    assert w.data_panel.dataset_box.isEnabled() and w.network_view.header.plus.isEnabled()


def test_dialog_hides_and_locks_and_no_route_changes_a_locked_setting(qtbot, window, monkeypatch):
    w = window
    tp = w.training_panel
    # an edit made before the lock, to be undone after it
    tp.lr.spin.setFocus()
    tp.lr.spin.selectAll()
    qtbot.keyClicks(tp.lr.spin, "0.3")
    qtbot.keyClick(tp.lr.spin, Qt.Key.Key_Return)
    assert w.doc.config.learning_rate == 0.3
    assert {tp.lr.spin, tp.batch_size, tp.optimizer} <= tab_round(qtbot, w)  # before the lock Tab reaches them
    choose_in_dialog(qtbot, w)
    assert w.teacher.classroom.restrictions == Restrictions(frozenset(HIDDEN), frozenset(LOCKED))
    assert_restricted(w)
    assert w.isWindowModified()  # the project changed: closing asks to save

    # undo of the older edit: refused, said so, and gone from the stack
    w.act_undo.trigger()
    assert w.doc.config.learning_rate == 0.3
    assert "learning rate is locked" in w.statusBar().currentMessage()
    assert w.doc.undo_stack.count() == 0
    # the keyboard: Tab goes round the training panel without reaching a locked or hidden control
    seen = tab_round(qtbot, w)
    locked = [tp.lr, tp.lr.spin, tp.lr.slider, tp.batch_mode, tp.batch_size, tp.optimizer, tp.momentum]
    assert not seen & set(locked)
    assert tp.l2 in seen and tp.seed in seen  # Tab did go round
    # the network drawn: "+" of a layer's neurons asks, and is refused
    w.network_view.sigSetUnits.emit(0, 9)
    assert w.doc.network.hidden[0].units == 8 and "locked" in w.statusBar().currentMessage()
    # a lesson step that changes a locked setting
    lesson = w.lesson_panel.lessons[0]
    step = LessonStep("Faster", apply={"train": {"learning_rate": 1.0}})
    w.lessons.apply_step(type(lesson)(**{**lesson.__dict__, "steps": (step,)}), 0)
    assert w.doc.config.learning_rate == 0.3 and "locked" in w.banner.label.text()
    # a pasted configuration with another learning rate
    from nnstudio.core.share_string import encode
    other = encode(w.doc.network, replace(w.doc.config, learning_rate=0.05), w.doc.data_spec)
    QGuiApplication.clipboard().setText(other)
    w.act_paste_config.trigger()
    assert w.doc.config.learning_rate == 0.3 and "locked" in w.banner.label.text()
    # a CSV file dropped on the window: refused before its import dialog
    csv = Path(w.settings.fileName()).parent / "points.csv"
    csv.write_text("x1,x2,y\n0,0,0\n1,1,1\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    opened: list[str] = []
    monkeypatch.setattr(w.data_panel, "open_csv", opened.append)
    w.dropEvent(drop)
    qtbot.wait(50)
    assert "data set is locked" in w.statusBar().currentMessage() and opened == []
    # a workspace switch does not bring a hidden view back
    w.act_inspect.trigger()
    qtbot.wait(50)
    assert w.view_docks["LossView"].isHidden()
    w.act_explore.trigger()
    qtbot.wait(50)
    assert_restricted(w)


def test_project_round_trip_and_lifting_for_the_session_only(qtbot, window, tmp_path):
    w = window
    choose_in_dialog(qtbot, w)
    path = tmp_path / "class.nnproj"
    assert w.files.save_to(str(path))
    ui = load_project(path).ui
    assert Restrictions.from_dict(ui["classroom"]) == Restrictions(frozenset(HIDDEN), frozenset(LOCKED))

    w.act_new.trigger()  # a new project has no restrictions
    qtbot.waitUntil(lambda: not w.teacher.classroom.indicator.isVisible())
    assert_unrestricted(w)
    assert w.files.open(str(path))
    assert_restricted(w)

    # the badge's button lifts them: everything shown and unlocked, and editable again
    button = w.teacher.classroom.indicator.findChild(QPushButton, "classroom_lift")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.teacher.classroom.indicator.label.text() == LIFTED_TEXT
    assert_unrestricted(w)
    assert not w.act_lift.isEnabled()
    w.doc.edit_config("lr", None, learning_rate=0.7)
    assert w.doc.config.learning_rate == 0.7
    # saving keeps the file's restrictions; reopening restricts again
    assert w.files.save_to(str(path))
    assert w.files.open(str(path))
    assert_restricted(w)
    assert w.act_lift.isEnabled()
    w.act_lift.trigger()  # the menu command does the same
    assert_unrestricted(w)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # "Restrict again"
    assert_restricted(w)


def test_old_files_open_as_before_and_malformed_restrictions_are_refused(qtbot, window, tmp_path, monkeypatch):
    w = window
    old = tmp_path / "old.nnproj"
    assert w.files.save_to(str(old))
    assert "classroom" not in load_project(old).ui
    assert w.files.open(str(old)) and not w.teacher.classroom.indicator.isVisible()

    import zipfile
    bad = tmp_path / "bad.nnproj"
    with zipfile.ZipFile(old) as zin, zipfile.ZipFile(bad, "w") as zout:
        doc = json.loads(zin.read("project.json"))
        doc["ui"]["classroom"] = {"hidden": ["view.nothing\x1b[31m"]}
        zout.writestr("project.json", json.dumps(doc))
        zout.writestr("arrays.npz", zin.read("arrays.npz"))
    shown_messages = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text: shown_messages.append(text)))
    assert not w.files.open(str(bad))
    assert len(shown_messages) == 1 and "unknown item" in shown_messages[0] and "\x1b" not in shown_messages[0]
    assert w.doc.path == str(old)  # nothing changed


def test_share_string_copy_paste_reproduces_the_configuration_and_undoes(qtbot, window):
    w = window
    w.doc.edit_data("data", None, name="xor", noise=0.35, seed=7, validation_fraction=0.3)
    w.doc.edit_config("cfg", None, optimizer="rmsprop", learning_rate=0.004, batch_size=17, l1=0.001, seed=3)
    w.network_panel.add_layer(2)
    wanted = (w.doc.network, w.doc.config, w.doc.data_spec)
    w.act_copy_config.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("nnstudio:1:") and "Copied" in w.statusBar().currentMessage()

    w.act_new.trigger()
    qtbot.waitUntil(lambda: w.doc.data_spec.name == "spiral")
    before = (w.doc.network, w.doc.config, w.doc.data_spec)
    w.act_paste_config.trigger()
    assert (w.doc.network, w.doc.config, w.doc.data_spec) == wanted
    assert w.doc.undo_stack.count() == 1 and w.doc.undo_stack.undoText() == "Paste configuration"
    w.act_undo.trigger()
    assert (w.doc.network, w.doc.config, w.doc.data_spec) == before
    # malformed text on the clipboard: a short message, nothing changes
    for bad, words in [("hello", "not an nnstudio share string"), (text[:-20], "cut short"),
                       ("nnstudio:3:" + text[11:], "newer nnstudio")]:
        QGuiApplication.clipboard().setText(bad)
        w.act_paste_config.trigger()
        assert words in w.banner.label.text() and len(w.banner.label.text()) < 400
        assert (w.doc.network, w.doc.config, w.doc.data_spec) == before


def test_save_as_lesson_is_listed_and_opens_with_its_text(qtbot, window):
    w = window
    w.doc.edit_config("lr", None, learning_rate=0.9)
    choose_in_dialog(qtbot, w, hidden={"view.race"}, locked={"optimizer"})
    w.act_save_lesson.trigger()
    dialog = w.teacher.lesson_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.title_edit, "Too fast")
    dialog.intro_edit.setFocus()
    qtbot.keyClicks(dialog.intro_edit, "With a rate of 0.9 the loss jumps about.")
    dialog.step_title.setFocus()
    dialog.step_title.selectAll()
    qtbot.keyClicks(dialog.step_title, "Watch the loss")
    dialog.step_text.setFocus()
    qtbot.keyClicks(dialog.step_text, "Press Play and look at the **loss** curve.")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.step_title, "Slow down")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    path = user_lessons_folder() / "too_fast.json"
    assert path.is_file()
    labels = [a.text() for a in w.lessons_menu.actions()]
    assert "100. Too fast" in labels
    assert "100. Too fast" in [w.lesson_panel.list.item(i).text() for i in range(w.lesson_panel.list.count())]

    # a learner opens it from the Lessons menu: the teacher's text, settings and restrictions
    w.act_new.trigger()
    qtbot.waitUntil(lambda: w.doc.config.learning_rate != 0.9)
    next(a for a in w.lessons_menu.actions() if a.text() == "100. Too fast").trigger()
    qtbot.waitUntil(lambda: w.lesson_panel.opened is not None)
    assert w.doc.config.learning_rate == 0.9
    assert "jumps about" in w.lesson_panel.intro.toPlainText()
    assert w.lesson_panel.step_title.text().endswith("Watch the loss")
    assert "loss curve" in w.lesson_panel.step_text.toPlainText()
    assert w.teacher.classroom.restrictions == Restrictions(frozenset({"view.race"}), frozenset({"optimizer"}))
    assert not w.training_panel.optimizer.isEnabled()


def test_save_as_lesson_refuses_an_empty_title_and_keeps_the_dialog(qtbot, window):
    w = window
    w.act_save_lesson.trigger()
    dialog = w.teacher.lesson_dialog
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "needs a title" in dialog.error.text()
    dialog.reject()
    assert not user_lessons_folder().exists() or not list(user_lessons_folder().iterdir())


def test_a_hidden_panel_leaves_the_others_their_width_and_an_empty_section_its_heading(qtbot, window):
    w = window
    w.teacher.classroom.set_restrictions(Restrictions(frozenset({"panel.lessons", "regularization"})))
    heading = next(lab for lab in w.training_panel.findChildren(QWidget)
                   if getattr(lab, "text", lambda: "")() == "Regularisation")
    assert heading.isHidden() and not w.training_panel.l1.isVisibleTo(w.training_panel)
    w.act_inspect.trigger()
    qtbot.wait(100)
    w.act_explore.trigger()
    qtbot.wait(100)
    panels = [w.view_docks[p] for p in ("DataPanel", "NetworkPanel", "TrainingPanel")]
    qtbot.waitUntil(lambda: max(d.width() for d in panels) >= 250)
    w.act_lift.trigger()
    assert not heading.isHidden() and w.training_panel.is_shown("l1")


def test_the_two_class_output_choice_is_the_loss_control(qtbot, window):
    # for two classes the sigmoid/softmax choice is the only loss control on screen
    w = window
    combo = w.network_panel.two_class_combo
    w.workspaces.show_view("NetworkPanel")
    assert w.doc.network.task == "binary" and shown(combo)
    w.teacher.classroom.set_restrictions(Restrictions(frozenset({"loss"})))
    assert not shown(combo)
    w.teacher.classroom.set_restrictions(Restrictions(locked=frozenset({"loss"})))
    assert shown(combo) and not combo.isEnabled()
    w.act_lift.trigger()
    assert combo.isEnabled()
    qtbot.keyClicks(combo, "Two")  # the learner's choice works once lifted
    assert w.doc.network.loss == "cce"


def test_the_new_views_can_be_hidden_and_come_back_only_where_they_belong(qtbot, window):
    w = window
    new = {"view.representation": "RepresentationView", "view.hardest": "HardestSamplesView",
           "view.digits": "DigitGalleryView", "view.pad": "DrawingPadView"}
    w.workspaces.switch("explore")
    w.teacher.classroom.set_restrictions(Restrictions(frozenset(new)))
    for dock in (w.view_docks[name] for name in new.values()):
        assert dock.isHidden() and not dock.toggleViewAction().isVisible()
    w.doc.edit_data("Digits", source="bundled", name="digits", standardize=True)  # the digit views' data
    qtbot.wait(50)
    assert all(w.view_docks[name].isHidden() for name in new.values())
    w.workspaces.show_view("RepresentationView")  # as a lesson step would
    qtbot.waitUntil(lambda: w.view_docks["RepresentationView"].isHidden())
    w.doc.edit_data("Spiral", source="generator", name="spiral")
    w.act_lift.trigger()
    for name in ("RepresentationView", "HardestSamplesView"):
        assert not w.view_docks[name].isHidden()
    # the digit views stay away while the data are not images
    assert w.view_docks["DigitGalleryView"].isHidden() and w.view_docks["DrawingPadView"].isHidden()


def test_a_rewind_to_before_a_locked_setting_changed_is_refused_and_the_run_stays(qtbot, window):
    # the run was trained with η = 0.3, then 0.01; the teacher locks η; rewinding would bring 0.3 back
    w = window
    w.doc.edit_config("η", learning_rate=0.3)
    w.controller.step_epoch()
    w.controller.step_epoch()
    wait_snapshot(qtbot, w, lambda s: s.iteration == 64)
    w.doc.edit_config("η", learning_rate=0.01)
    w.controller.step_epoch()
    at = wait_snapshot(qtbot, w, lambda s: s.iteration == 96)
    weights = [a.copy() for a in at.weights]
    w.teacher.classroom.set_restrictions(Restrictions(locked=frozenset({"learning_rate"})))
    w.session.rewind(10)
    qtbot.waitUntil(lambda: "learning rate is locked" in w.banner.label.text() and w.banner_bar.isVisible(),
                    timeout=10000)  # the engine went back, then the document refused the η of the time
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 96 and s.config.learning_rate == 0.01)
    for a, b in zip(weights, snap.weights):
        np.testing.assert_array_equal(a, b)
    assert w.doc.config.learning_rate == 0.01 and w.training_panel.lr.value() == 0.01
    assert not w.doc.undo_stack.text(w.doc.undo_stack.index() - 1).startswith("Rewind")
    w.controller.step()  # training goes on from where it was, with the locked η
    wait_snapshot(qtbot, w, lambda s: s.iteration == 97 and s.config.learning_rate == 0.01)
    # a rewind within the locked η's stretch is allowed
    w.session.rewind(80)
    wait_snapshot(qtbot, w, lambda s: s.iteration == 80)


def test_a_locked_data_set_locks_standardising_its_inputs(qtbot, window):
    w = window
    box = w.data_panel.standardize
    w.teacher.classroom.set_restrictions(Restrictions(locked=frozenset({"dataset"})))
    w.workspaces.show_view("DataPanel")
    assert shown(box) and not box.isEnabled()
    before = w.doc.data_spec
    box.toggle()  # were it reached all the same, the document refuses
    assert w.doc.data_spec == before and box.isChecked() == before.standardize


def test_a_pasted_network_that_does_not_fit_the_data_says_it_was_fitted(qtbot, window):
    """A share string written by hand or by another program, with a network of 5 inputs
    for data of 2 features: it is fitted to the data, and the message says so instead of
    "the same network"."""
    from nnstudio.core.share_string import encode
    from nnstudio.core.specs import NetworkSpec, TrainConfig

    w = window
    data = w.doc.data_spec
    text = encode(NetworkSpec(n_inputs=5), TrainConfig(learning_rate=0.2), data)
    QGuiApplication.clipboard().setText(text)
    w.act_paste_config.trigger()
    assert w.doc.config.learning_rate == 0.2
    assert w.doc.network.n_inputs == len(data.features) != 5
    shown = w.statusBar().currentMessage() + w.banner.label.text()
    assert "fitted to the data" in shown and "2 inputs instead of 5" in shown, shown
    assert "the same network" not in shown

