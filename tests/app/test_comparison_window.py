"""Two runs in the window: starting a comparison, stepping both in lockstep, the lock on
settings, rewinding both, closing and promoting B, and saving and reopening both runs.
Every number is checked against a headless :class:`Comparison` of the same runs."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.app.comparison_session import ComparisonLockedError
from nnstudio.app.document import default_state
from nnstudio.app.main_window import MainWindow
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import DataSpec, prepare
from nnstudio.core.project import load_project, save_project
from nnstudio.core.project_comparison import project_from_comparison
from nnstudio.core.specs import LayerSpec, NetworkSpec, TrainConfig
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot

XOR = DataSpec(name="xor", n_samples=120, noise=0.1)


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.resize(1366, 768)
    w.show()
    w.activateWindow()  # the training keys are the active window's shortcuts
    qtbot.waitExposed(w)
    wait_snapshot(qtbot, w, lambda s: True)
    yield w
    discard_and_close(w)


def headless(changes: str, iterations: int, fork_at: int = 0) -> Comparison:
    st = default_state()
    a = Trainer(st.network, st.config, prepare(st.data))
    if fork_at:
        a.run(iterations=fork_at)
    cmp = Comparison.fork(a, changes)
    cmp.run(iterations=iterations - cmp.iteration)
    return cmp


def start(qtbot, w, changes: str) -> None:
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000) as blocker:
        w.comparison.start(changes)
    assert blocker.args == [True]


def press_step(qtbot, w, times: int) -> None:
    w.focus_views()
    for _ in range(times):
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Right)


def test_lockstep_steps_equal_headless_runs(qtbot, window):
    w = window
    start(qtbot, w, "lr=0.3")
    assert w.comparison.label == "B: η = 0.3" and w.comparison_badge.text() == "A vs B: η = 0.3"
    press_step(qtbot, w, 10)
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 10 and s.b is not None and s.b.iteration == 10)
    ref = headless("lr=0.3", 10)
    np.testing.assert_array_equal(snap.iter_log[:, 1], ref.a.history.iterations.array()[:, 1])
    np.testing.assert_array_equal(snap.b.iter_log[:, 1], ref.b.history.iterations.array()[:, 1])
    for got, want in zip(snap.b.weights, (layer.W for layer in ref.b.network.layers)):
        np.testing.assert_array_equal(got, want)
    assert snap.b_label == "B: η = 0.3" and snap.b.config.learning_rate == 0.3
    # the step inspector's phase record of B is the same iteration's update
    assert snap.phase is not None and snap.b.phase is not None and snap.b.phase.phase == "update"


def test_settings_are_locked_and_undo_waits_while_b_is_open(qtbot, window):
    w = window
    w.doc.edit_config("Learning rate", learning_rate=0.05)  # something to undo
    assert w.act_undo.isEnabled()
    start(qtbot, w, "optimizer=sgd")
    assert not w.training_panel.isEnabled() and not w.network_panel.isEnabled() and not w.data_panel.isEnabled()
    assert not w.act_undo.isEnabled() and not w.act_compare.isEnabled()
    with pytest.raises(ComparisonLockedError):
        w.doc.edit_config("Learning rate", learning_rate=0.5)
    assert w.doc.config.learning_rate == 0.05
    w.reset_weights()  # refused with a message, nothing changes
    assert "Run B is open" in w.banner.label.text()
    w.comparison.close_b(ask=False)
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    assert w.training_panel.isEnabled() and w.act_undo.isEnabled() and w.act_compare.isEnabled()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is None)
    assert snap.b is None and not w.comparison_badge.isVisible()


def test_close_b_asks_when_b_has_trained(qtbot, window, monkeypatch):
    w = window
    start(qtbot, w, "lr=0.3")
    press_step(qtbot, w, 2)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 2)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    w.act_close_b.trigger()
    assert asked and "B: η = 0.3" in asked[0] and w.comparison.active
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Close)
    w.act_close_b.trigger()
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    snap = wait_snapshot(qtbot, w, lambda s: s.b is None)
    assert snap.iteration == 2


def test_close_b_question_names_run_b_once(qtbot, window, monkeypatch):
    """The question read "Run B: B: η = 0.3" (B's legend already starts with "B:")."""
    w = window
    start(qtbot, w, "lr=0.3")
    press_step(qtbot, w, 1)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 1)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    w.act_close_b.trigger()
    assert asked and "Run B: η = 0.3" in asked[0] and "B: B:" not in asked[0], asked
    w.comparison.close_b(ask=False)


def test_rewind_moves_both_and_refuses_before_the_fork(qtbot, window):
    w = window
    press_step(qtbot, w, 3)
    wait_snapshot(qtbot, w, lambda s: s.iteration == 3)
    start(qtbot, w, "lr=0.3")
    press_step(qtbot, w, 6)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 9)
    w.session.rewind(5)
    snap = wait_snapshot(qtbot, w, lambda s: s.iteration == 5 and s.b is not None and s.b.iteration == 5)
    ref = headless("lr=0.3", 5, fork_at=3)
    for got, want in zip(snap.b.weights, (layer.W for layer in ref.b.network.layers)):
        np.testing.assert_array_equal(got, want)
    w.session.rewind(1)
    qtbot.waitUntil(lambda: "B was made at that iteration" in w.banner.label.text(), timeout=10000)
    w.controller.request_snapshot()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None)
    assert snap.iteration == 5 and snap.b.iteration == 5


def test_promote_b_is_undoable(qtbot, window):
    w = window
    start(qtbot, w, "lr=0.3 optimizer=sgd")
    press_step(qtbot, w, 4)
    before = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 4)
    a_weights = [x.copy() for x in before.weights]
    b_weights = [x.copy() for x in before.b.weights]
    assert w.comparison.promote_b()
    snap = wait_snapshot(qtbot, w, lambda s: s.b is None and s.config.learning_rate == 0.3)
    assert w.doc.config.learning_rate == 0.3 and w.doc.config.optimizer == "sgd"
    for got, want in zip(snap.weights, b_weights):
        np.testing.assert_array_equal(got, want)
    assert w.training_panel.isEnabled() and w.act_undo.isEnabled()
    w.act_undo.trigger()
    snap = wait_snapshot(qtbot, w, lambda s: s.config.optimizer == "adam")
    assert w.doc.config.optimizer == "adam" and w.doc.config.learning_rate == 0.01
    for got, want in zip(snap.weights, a_weights):
        np.testing.assert_array_equal(got, want)


def test_save_and_reopen_keep_both_runs(qtbot, window, tmp_path):
    w = window
    start(qtbot, w, "lr=0.3")
    press_step(qtbot, w, 7)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 7)
    out = tmp_path / "both.nnproj"
    assert w.files.save_to(str(out))
    back = load_project(out)
    assert back.comparison is not None and back.comparison.label == "B: η = 0.3"
    assert back.trainer_state.iteration == back.comparison.run.trainer_state.iteration == 7
    w.comparison.close_b(ask=False)
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000):
        assert w.files.open(str(out))
    press_step(qtbot, w, 3)
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 10)
    ref = headless("lr=0.3", 10)
    np.testing.assert_array_equal(snap.b.iter_log[:, 1], ref.b.history.iterations.array()[:, 1])
    np.testing.assert_array_equal(snap.iter_log[:, 1], ref.a.history.iterations.array()[:, 1])


def test_a_project_made_by_the_cli_opens_with_both_runs(qtbot, window, tmp_path):
    a = Trainer(NetworkSpec(2, (LayerSpec(5, "tanh"),)), TrainConfig(learning_rate=0.1, batch_size=8), prepare(XOR))
    a.run(iterations=12)
    cmp = Comparison.fork(a, "lr=0.3")
    cmp.run(iterations=20)
    path = tmp_path / "compared.nnproj"
    save_project(path, project_from_comparison(cmp, XOR))
    with qtbot.waitSignal(window.comparison.sigChanged, timeout=20000):
        assert window.files.open(str(path))
    snap = wait_snapshot(qtbot, window, lambda s: s.b is not None)
    assert snap.iteration == snap.b.iteration == 32 and snap.b_label == "B: η = 0.3"
    np.testing.assert_array_equal(snap.b.weights[0], cmp.b.network.layers[0].W)


def test_bad_changes_are_refused_before_anything_starts(qtbot, window):
    from nnstudio.core.errors import NNStudioError
    for bad in ("lr=abc", "hidden=4,-3", "nonsense=1", "x" * 10000, "lr=\x00"):
        with pytest.raises(NNStudioError) as info:
            window.comparison.start(bad)
        assert len(str(info.value)) <= 300 and "\x00" not in str(info.value)
    assert not window.comparison.active


def test_compare_from_the_menu_with_eta_changed_then_ten_steps(qtbot, window):
    """Training › Compare…: the learner types η = 0.3 into the dialog and presses Enter;
    ten presses of → later the loss view draws both runs' losses, equal to headless runs."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLineEdit

    w = window
    typed = []

    def fill_dialog() -> None:
        dialog = getattr(w, "compare_dialog_open", None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, fill_dialog)
            return
        edit = dialog.findChild(QLineEdit, "b:learning_rate")
        qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
        qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(edit, "0.3")
        typed.append(dialog.legend.text())
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        if dialog.isVisible():  # never leave a modal dialog open: the test fails on its asserts
            dialog.reject()

    training_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Training")
    assert w.act_compare in training_menu.actions()
    QTimer.singleShot(0, fill_dialog)
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=20000):
        w.act_compare.trigger()
    assert typed and "B: η = 0.3" in typed[0]
    press_step(qtbot, w, 10)
    wait_snapshot(qtbot, w, lambda s: s.iteration == 10 and s.b is not None and s.b.iteration == 10)
    w.workspaces.switch("explore")
    w.scheduler.refresh(everything=True)
    ref = headless("lr=0.3", 10)
    lv = w.loss_view
    a_drawn = lv.curve_iter.getData()[1]
    b_drawn = lv.run_b.curve_iter.getData()[1]
    assert a_drawn[-1] == ref.a.history.iterations.array()[-1, 1]
    assert b_drawn[-1] == ref.b.history.iterations.array()[-1, 1]
    assert a_drawn[-1] != b_drawn[-1]


def test_comparison_csv_from_the_window_equals_the_cli_files(qtbot, window, tmp_path):
    from nnstudio.core.export.comparison_csv import write_comparison_csv

    w = window
    assert not w.act_export_comparison.isEnabled()
    start(qtbot, w, "lr=0.3")
    assert w.act_export_comparison.isEnabled()
    press_step(qtbot, w, 12)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 12)
    with qtbot.waitSignal(w.statusBar().messageChanged, timeout=20000,
                          check_params_cb=lambda text: text.startswith("Saved")):
        w.export_comparison(str(tmp_path / "app.csv"))
    ref = headless("lr=0.3", 12)
    write_comparison_csv(ref, tmp_path / "cli.csv")
    for part in ("loss", "epochs"):
        assert (tmp_path / f"app_{part}.csv").read_bytes() == (tmp_path / f"cli_{part}.csv").read_bytes()
    app_rows = (tmp_path / "app_summary.csv").read_text().splitlines()
    cli_rows = (tmp_path / "cli_summary.csv").read_text().splitlines()
    assert len(app_rows) == len(cli_rows)
    for got, want in zip(app_rows, cli_rows):
        if not got.startswith("seconds trained"):
            assert got == want
    # a folder that cannot be written: a message, nothing else
    w.export_comparison(str(tmp_path / "missing" / "x.csv"))
    qtbot.waitUntil(lambda: "Could not export the comparison" in w.banner.label.text(), timeout=20000)


def test_the_surface_view_draws_both_paths_from_the_engine(qtbot, window):
    """The real engine: the loss-surface view asks B's process for B's path and draws both
    runs' paths on one plane, B's ending where B's weights project."""
    w = window
    start(qtbot, w, "lr=0.05")
    for _ in range(3):
        w.act_epoch.trigger()
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.epoch == 3 and s.epoch == 3)
    w.workspaces.switch("inspect")
    w.workspaces.show_view("SurfaceView")
    view = w.surface_view
    view.recompute()

    def both_drawn() -> None:
        x, _y = view.map.b_path_line.getData()
        assert x is not None and len(x) > 3 and view.map.legend_texts() == ["A", "B: η = 0.05"]
        assert "one plane for both runs" in view.explained_label.text()

    qtbot.waitUntil(both_drawn, timeout=60000)
    ax, _ = view.map.path_line.getData()
    assert ax is not None and len(ax) > 3


def test_views_that_draw_run_a_only_say_so_in_their_tab(qtbot, window):
    w = window
    names = ("HardestSamplesView", "RepresentationView")
    titles = {n: w.view_docks[n].windowTitle() for n in names}
    start(qtbot, w, "lr=0.3")
    for n in names:
        assert w.view_docks[n].windowTitle() == titles[n] + " · run A"
    assert not w.view_docks["BoundaryView"].windowTitle().endswith("run A")  # it draws both
    w.comparison.close_b(ask=False)
    for n in names:
        assert w.view_docks[n].windowTitle() == titles[n]


def test_a_killed_engine_restarts_with_both_runs(qtbot, window):
    import os
    import signal

    w = window
    start(qtbot, w, "lr=0.3")
    press_step(qtbot, w, 5)
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 5)
    qtbot.waitUntil(lambda: w.controller.saved_state is not None and w.controller.saved_state[0].comparison
                    is not None and w.controller.saved_state[0].trainer_state.iteration == 5, timeout=10000)
    os.kill(w.controller.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "restarted" in w.banner.label.text(), timeout=30000)
    assert "Run B was restarted at iteration 5" in w.banner.label.text()
    qtbot.waitUntil(lambda: w.comparison.active, timeout=20000)
    press_step(qtbot, w, 2)
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 7 and s.iteration == 7)
    ref = headless("lr=0.3", 7)
    np.testing.assert_array_equal(snap.b.iter_log[:, 1], ref.b.history.iterations.array()[:, 1])
