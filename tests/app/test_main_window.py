"""The whole window, driven as a learner drives it: buttons, keys, files, messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QToolButton

from nnstudio.app.main_window import MainWindow
from nnstudio.core.project import load_project
from window_helpers import discard_and_close, wait_snapshot


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def counter(w, key: str) -> str:
    return w.counters.values[key].text()


def test_starts_with_the_spiral_example_ready_to_learn(qtbot, window):
    assert window.doc.data_spec.name == "spiral"
    assert [h.activation for h in window.doc.network.hidden] == ["tanh", "tanh"]
    assert counter(window, "iteration") == "0"
    assert window.windowTitle().startswith("Untitled")


def test_step_button_runs_one_iteration_and_changes_the_weights(qtbot, window):
    before = wait_snapshot(qtbot, window, lambda s: s.iteration == 0)
    button = next(b for b in window.findChildren(QToolButton) if b.defaultAction() is window.act_step)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    after = wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    assert counter(window, "iteration") == "1"
    assert all(not np.array_equal(a, b) for a, b in zip(before.weights, after.weights))


def test_keyboard_right_arrow_steps_and_space_plays(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    target = window.centralWidget()
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Right)
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    qtbot.keyClick(target, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    wait_snapshot(qtbot, window, lambda s: s.phase is not None and s.phase.phase == "forward")
    qtbot.keyClick(target, Qt.Key.Key_Space)
    wait_snapshot(qtbot, window, lambda s: s.playing and s.iteration > 100)
    qtbot.keyClick(target, Qt.Key.Key_Space)
    wait_snapshot(qtbot, window, lambda s: not s.playing)


def test_play_makes_the_loss_fall_and_the_window_says_unsaved(qtbot, window):
    first = wait_snapshot(qtbot, window, lambda s: s.probes is not None)
    start = first.probes.loss
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: s.epoch >= 60, timeout=30000)
    window.act_play.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: not s.playing)
    assert snap.train_loss < 0.8 * start
    assert float(counter(window, "loss")) == pytest.approx(snap.evaluation["loss"], rel=1e-3)
    assert window.isWindowModified()


def test_pick_a_data_set_and_add_a_layer_then_step(qtbot, window):
    qtbot.mouseClick(window.data_panel.thumbs[("generator", "xor")], Qt.MouseButton.LeftButton)
    assert window.doc.data_spec.name == "xor"
    qtbot.mouseClick(window.network_panel.first_connector.button, Qt.MouseButton.LeftButton)
    assert len(window.doc.network.hidden) == 3
    snap = wait_snapshot(qtbot, window, lambda s: len(s.weights) == 4 and s.iteration == 0)
    assert snap.layer_sizes[1:-1] == tuple(h.units for h in window.doc.network.hidden)
    assert "rebuilt" in window.statusBar().currentMessage() and not window.banner_bar.isVisible()
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1 and len(s.weights) == 4)
    # undo brings the old architecture back
    window.act_undo.trigger()
    assert len(window.doc.network.hidden) == 2
    wait_snapshot(qtbot, window, lambda s: len(s.weights) == 3)


def test_learning_rate_change_applies_live_and_keeps_the_weights(qtbot, window):
    window.act_step.trigger()
    snap = wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    window.doc.edit_config("Learning rate", "lr", learning_rate=0.3)
    after = wait_snapshot(qtbot, window, lambda s: s.lr == pytest.approx(0.3))
    assert after.iteration == 1
    assert all(np.array_equal(a, b) for a, b in zip(snap.weights, after.weights))


def test_painting_points_on_the_boundary_view(qtbot, window):
    window.data_panel.start_painting()
    n0 = len(window.doc.inline.X) if window.doc.inline is not None else 0
    window.boundary_view.sigPointAdded.emit(1.0, 2.0, 1)
    assert window.doc.inline is not None and len(window.doc.inline.X) == n0 + 1
    np.testing.assert_array_equal(window.doc.inline.X[-1], [1.0, 2.0])
    window.boundary_view.sigPointRemoved.emit(len(window.doc.inline.X) - 1)
    assert len(window.doc.inline.X) == n0


def test_a_broken_csv_shows_its_problem_and_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b,label\n1,2,0\n3,4\n5,6,1\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    seen = {}

    def drive():
        dialog = window.data_panel.csv_dialog
        dialog.buttons.accepted.emit()  # press Import
        seen["error"] = dialog.error.text()
        seen["open"] = dialog.isVisible()
        dialog.reject()

    before = window.doc.state
    QTimer.singleShot(100, drive)
    window.data_panel.import_csv()
    assert "row 3" in seen["error"] and seen["open"]
    assert window.doc.state == before


def test_save_and_reopen_gives_identical_weights(qtbot, window, tmp_path):
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration > 500)
    window.act_play.trigger()
    saved = wait_snapshot(qtbot, window, lambda s: not s.playing)
    path = tmp_path / "spiral.nnproj"
    assert window.files.save_to(str(path))
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("spiral.nnproj")
    project = load_project(path)
    flat = np.concatenate([w.ravel() for w in saved.weights] + [b.ravel() for b in saved.biases])
    np.testing.assert_array_equal(project.weights, flat)

    window.files.new()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 0)
    assert window.files.open(str(path))
    reopened = wait_snapshot(qtbot, window, lambda s: s.iteration == saved.iteration)
    for a, b in zip(saved.weights, reopened.weights):
        np.testing.assert_array_equal(a, b)
    assert str(Path(path).resolve()) in window.files.recent_files()


def test_opening_a_broken_project_explains_and_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    bad = tmp_path / "broken.nnproj"
    bad.write_bytes(b"this is not a project")
    shown = {}
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.update(t=text)))
    before = window.doc.state
    assert not window.files.open(str(bad))
    assert "broken.nnproj" in shown["t"]
    assert window.doc.state == before


def test_closing_with_unsaved_changes_asks(qtbot, window, monkeypatch):
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    assert window.doc.modified
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    window.close()
    assert window.isVisible()  # cancelled: still open, still training-capable
    assert window.controller.thread.isRunning()


def test_autosave_is_offered_back_after_a_crash(qtbot, window, tmp_path):
    window.act_step.trigger()
    wait_snapshot(qtbot, window, lambda s: s.iteration == 1)
    window.files.write_autosave()
    path = window.files.autosave.path
    assert path.exists()
    saved = load_project(path)
    assert window.files.orphans() == []  # a live window's autosave is nobody's to take
    window.files.autosave._lock.unlock()  # as if its process had crashed
    # a new session (as after a crash) recovers it
    other = MainWindow(recover=True)
    try:
        snap = wait_snapshot(qtbot, other, lambda s: s.iteration == 1)
        np.testing.assert_array_equal(
            np.concatenate([w.ravel() for w in snap.weights] + [b.ravel() for b in snap.biases]), saved.weights)
        assert other.doc.modified and other.doc.path is None
        assert not path.exists()
    finally:
        discard_and_close(other)


def test_export_pytorch_code_from_the_file_menu(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "model.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window.act_export_torch.trigger()
    text = target.read_text()
    assert "torch" in text
    compile(text, str(target), "exec")


def test_layout_and_recent_files_persist(qtbot, window, tmp_path):
    assert str(tmp_path) in window.settings.fileName()  # never the user's own settings
    window.view_docks["LossView"].hide()
    window.speed.set_index(2)
    window._save_settings()
    again = MainWindow()
    try:
        assert again.speed.index == 2
        assert not again.view_docks["LossView"].isVisibleTo(again)
    finally:
        discard_and_close(again)


def test_screenshot_of_the_trained_default_example(qtbot, window, tmp_path):
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: s.epoch >= 20, timeout=30000)
    window.act_play.trigger()
    wait_snapshot(qtbot, window, lambda s: not s.playing)
    qtbot.wait(100)
    out = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    image = window.grab().toImage()
    assert image.save(str(out / "window_trained.png"))
    colors = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colors) > 50
