"""Review of issue 12 (two runs in the window), driven as a learner would and attacked:
what went wrong before each fix, checked here.

* run B's process lost while training plays: the message says run A goes on alone, and
  it does (it used to pause); lost while the window asks for something (saving), the
  learner is told too (B used to vanish without a word);
* opening a lesson asks one question about unsaved work, not a second one about B;
* the network view's + and − of layers, and a CSV file dropped on the window, say why
  they are refused while B is open (the refusal went to a hidden panel, or after an
  import dialog);
* closing B after saving a project that holds it leaves unsaved changes (else quitting
  without a question, and B came back with the file);
* Compare… cannot change what classroom mode locks (as a lesson's comparison cannot).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from nnstudio.app.comparison_session import LOCKED
from nnstudio.app.document import default_state
from nnstudio.app.engine_process import MAX_SPEED, EngineLoop
from nnstudio.app.main_window import MainWindow
from nnstudio.app.run_server import RunServer
from nnstudio.core.comparison import Comparison
from nnstudio.core.data import prepare
from nnstudio.core.project import load_project
from nnstudio.core.trainer import Trainer
from window_helpers import discard_and_close, wait_snapshot


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


def start(qtbot, w, changes: str) -> None:
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=30000) as blocker:
        w.comparison.start(changes)
    assert blocker.args == [True]


def kill_b(w) -> None:
    alive = [p for p in w.controller._b_processes if p.is_alive()]
    assert len(alive) == 1
    os.kill(alive[0].pid, signal.SIGKILL)
    alive[0].join(5)


def banner_text(w) -> str:
    return w.banner.label.text() if w.banner_bar.isVisible() else ""


# ------------------------------------------------------------------ run B's process lost
def test_the_engine_goes_on_playing_run_a_when_b_is_lost():
    events: list[tuple] = []
    polls = iter([("play",)] + [None] * 400 + [("quit",)])
    loop = EngineLoop(lambda *e: events.append(e), lambda _t: next(polls), max_fps=1000)
    st = default_state()
    loop.execute("load", st.network, st.config, prepare(st.data), None, 1)
    ours, theirs = multiprocessing.Pipe()
    thread = threading.Thread(target=RunServer(theirs).serve, daemon=True)
    thread.start()
    loop.execute("compare", 7, ours, "lr=0.3", None, "", "", 0)
    loop.comparison.remote._ask("quit")  # B's server ends: the next request finds it gone
    thread.join(5)
    theirs.close()
    loop.speed = MAX_SPEED
    loop.run()
    lost = next(i for i, e in enumerate(events) if e[0] == "message" and "Run B stopped unexpectedly" in e[2])
    assert events[lost][1] == "error" and "run A goes on alone" in events[lost][2]
    assert ("playing", False) not in events  # A played on until the engine was told to quit
    later = [e[1] for e in events[lost:] if e[0] == "snapshot"]
    assert later and later[-1].b is None and later[-1].playing and later[-1].iteration > later[0].iteration + 100
    assert loop.trainer.iteration == later[-1].iteration


def test_b_lost_while_playing_in_the_window_lets_a_train_on(qtbot, window):
    w = window
    w.speed.set_speed(0)
    start(qtbot, w, "lr=0.3")
    w.controller.play()
    wait_snapshot(qtbot, w, lambda s: s.playing and s.b is not None and s.iteration > 50)
    kill_b(w)
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=20000)
    # the engine ends the comparison, then says why: the words follow a moment later
    qtbot.waitUntil(lambda: "Run B stopped unexpectedly" in banner_text(w), timeout=5000)
    assert "run A goes on alone" in banner_text(w)
    first = wait_snapshot(qtbot, w, lambda s: s.b is None).iteration
    wait_snapshot(qtbot, w, lambda s: s.b is None and s.playing and s.iteration > first + 50)
    assert w.controller.playing and w.training_panel.isEnabled() and w.act_compare.isEnabled()
    w.controller.pause()
    wait_snapshot(qtbot, w, lambda s: not s.playing)


def test_b_lost_before_a_save_is_said_and_the_file_keeps_run_a(qtbot, window, tmp_path):
    w = window
    start(qtbot, w, "lr=0.3")
    for _ in range(3):
        w.controller.step()
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 3)
    kill_b(w)
    out = tmp_path / "after.nnproj"
    assert w.files.save_to(str(out))
    qtbot.waitUntil(lambda: "Run B stopped unexpectedly" in banner_text(w), timeout=10000)
    assert not w.comparison.active
    back = load_project(out)
    assert back.comparison is None and back.trainer_state.iteration == 3


# ------------------------------------------------------------------ lessons and files with B open
def lesson_action(w, number: int):
    return next(a for a in w.lessons_menu.actions() if a.text().startswith(f"{number}. "))


def test_opening_a_lesson_while_b_is_open_asks_one_question(qtbot, window, monkeypatch):
    w = window
    start(qtbot, w, "lr=0.3")
    w.controller.step()
    w.controller.step()
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 2)
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or answer[0])
    lesson_action(w, 3).trigger()  # cancelled: nothing changes
    assert asked == ["Unsaved changes"] and w.comparison.active and w.lesson_panel.opened is None
    asked.clear()
    answer[0] = QMessageBox.StandardButton.Discard
    lesson_action(w, 3).trigger()
    assert asked == ["Unsaved changes"]  # not a second question about closing B
    assert w.lesson_panel.opened is not None and w.lesson_panel.opened.number == 3
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    snap = wait_snapshot(qtbot, w, lambda s: s.b is None and s.iteration == 0)
    assert snap.b_label == "" and w.training_panel.isEnabled()


# ------------------------------------------------------------------ edits refused while B is open, with their reason
def test_the_network_views_layer_buttons_say_why_they_do_nothing(qtbot, window):
    w = window
    w.workspaces.switch("explore")
    start(qtbot, w, "lr=0.3")
    before = w.doc.state
    header = w.network_view.header
    for button in (header.plus, header.minus):
        w.statusBar().clearMessage()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert w.statusBar().currentMessage() == LOCKED
    assert w.doc.state == before and w.comparison.active
    w.comparison.close_b(ask=False)
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    qtbot.mouseClick(header.plus, Qt.MouseButton.LeftButton)  # and they work again
    assert len(w.doc.network.hidden) == len(before.network.hidden) + 1


def test_a_csv_dropped_while_b_is_open_is_refused_before_any_dialog(qtbot, window, tmp_path, monkeypatch):
    w = window
    start(qtbot, w, "lr=0.3")
    csv = tmp_path / "points.csv"
    csv.write_text("a,b,y\n" + "\n".join(f"{i % 5},{i % 7},{i % 2}" for i in range(40)) + "\n")
    dialogs: list[str] = []
    monkeypatch.setattr(QDialog, "exec", lambda self: dialogs.append(type(self).__name__) or 0)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv))])
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    w.dropEvent(drop)
    qtbot.wait(100)
    assert dialogs == [] and w.statusBar().currentMessage() == LOCKED


def test_closing_b_that_the_saved_file_holds_leaves_unsaved_changes(qtbot, window, tmp_path, monkeypatch):
    w = window
    start(qtbot, w, "lr=0.3")
    w.comparison.close_b()  # B never trained and no file holds it: nothing to save
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    assert not w.doc.modified
    start(qtbot, w, "lr=0.3")
    w.controller.step()
    wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 1)
    out = tmp_path / "both.nnproj"
    assert w.files.save_to(str(out))
    assert not w.doc.modified
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Close)
    assert w.comparison.close_b()
    assert w.doc.modified  # quitting now asks; the file still holds B
    assert load_project(out).comparison is not None
    # a reopened project with B: closing B changes the file's project too
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=30000):
        assert w.files.open(str(out))
    assert not w.doc.modified
    w.comparison.close_b(ask=False)
    assert w.doc.modified


# ------------------------------------------------------------------ the Compare dialog, as a learner uses it
def type_into_compare_dialog(qtbot, w, text: str, seen: list) -> None:
    """Ctrl+B, then type ``text`` into the dialog's Changes line and press Enter."""
    def fill() -> None:
        dialog = getattr(w, "compare_dialog_open", None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, fill)
            return
        dialog.text.setFocus()
        qtbot.keyClicks(dialog.text, text)
        seen.append((dialog.legend.text(), dialog.error.text(), dialog.ok_button.isEnabled()))
        qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, fill)
    w.focus_views()
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)


def test_compare_from_the_menu_then_step_both_as_headless_runs(qtbot, window):
    w = window
    seen: list = []
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=30000):
        type_into_compare_dialog(qtbot, w, "lr=0.3 batch_mode=sgd", seen)
    assert seen and seen[0][2] and "η = 0.3" in seen[0][0]
    w.focus_views()
    for _ in range(6):
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Right)
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    # six whole iterations, and the forward and loss phases of the seventh
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None and s.b.iteration == 6 and s.iteration == 6
                         and s.phase is not None and s.phase.phase == "loss")
    st = default_state()
    ref = Comparison.fork(Trainer(st.network, st.config, prepare(st.data)), "lr=0.3 batch_mode=sgd")
    ref.run(iterations=6)
    ref.step_phase(None)
    ref.step_phase(None)
    np.testing.assert_array_equal(snap.iter_log[:, 1], ref.a.history.iterations.array()[:, 1])
    np.testing.assert_array_equal(snap.b.iter_log[:, 1], ref.b.history.iterations.array()[:, 1])
    # the counters show both runs' loss on the whole training set at these weights
    w.counters.show_snapshot(snap)
    for values, run in ((w.counters.values, ref.a), (w.counters.values_b, ref.b)):
        assert float(values["loss"].text()) == pytest.approx(run.evaluate()["loss"], rel=1e-3)
    assert snap.b.phase is not None and snap.b.phase.phase == "loss"
    # B (stochastic) takes one sample per batch: the inspector shows B's own, from B's batch
    assert list(snap.b.phase.batch) == [snap.b.phase.sample] and len(snap.phase.batch) == 10


def test_compare_cannot_change_what_classroom_mode_locks(qtbot, window):
    from nnstudio.core.restrictions import Restrictions, locked_message
    w = window
    w.teacher.classroom.set_restrictions(Restrictions(locked=frozenset({"learning_rate"})))
    seen: list = []
    type_into_compare_dialog(qtbot, w, "lr=0.5", seen)
    qtbot.waitUntil(lambda: locked_message("learning_rate") in banner_text(w), timeout=10000)
    assert not w.comparison.active and w.doc.config.learning_rate == default_state().config.learning_rate
    start(qtbot, w, "optimizer=sgd")  # what is not locked may change
    w.comparison.close_b(ask=False)
    qtbot.waitUntil(lambda: not w.comparison.active, timeout=10000)
    w.teacher.classroom.lift()
    start(qtbot, w, "lr=0.5")


# ------------------------------------------------------------------ the screen with B open
@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_no_tab_bar_of_the_other_workspace_stays_over_the_views(tmp_path, size):
    """Explore's "Decision boundary | Hidden representation" and "Loss | Hardest samples"
    bars stayed over Inspect's network and gradient views with one-input data."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, NNSTUDIO_CONFIG_DIR=str(tmp_path / "config"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    probe = Path(__file__).with_name("comparison_review_probe.py")
    out = subprocess.run([sys.executable, str(probe), *map(str, size)], env=env, capture_output=True, text=True,
                         timeout=180, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen[-1] == {"comparing": True}
    bars = seen[:-1]
    assert {b["workspace"] for b in bars} == {"explore", "inspect"}
    assert [b for b in bars if sorted(b["tabs"]) != sorted(b["group"])] == []
    assert any(b["workspace"] == "inspect" and "Gradients" in b["tabs"] for b in bars)


def test_the_message_strip_is_as_tall_as_its_text(qtbot, window):
    """A one-line message (B diverged) made the strip four lines tall, squeezing the loss
    view under it; a long one must still show whole at the window's width."""
    w = window
    start(qtbot, w, "lr=1e6")
    for _ in range(3):
        w.controller.step()
    qtbot.waitUntil(lambda: "loss exploded" in banner_text(w), timeout=15000)
    label = w.banner.label
    line = label.fontMetrics().lineSpacing()

    def one_line() -> None:  # laid out (a loaded machine takes longer than a fixed wait)
        assert label.fontMetrics().horizontalAdvance(label.text()) < label.width()  # one line at 1366 px
        assert 0 < w.banner_bar.height() <= 2 * line + 24

    qtbot.waitUntil(one_line, timeout=5000)
    long = "Run B stopped unexpectedly. " * 20
    w.show_message("error", long)
    w.resize(1024, 768)

    def whole() -> None:
        needed = label.heightForWidth(label.width())
        assert label.height() >= needed - 2 > 3 * line and w.banner_bar.height() >= label.height()

    qtbot.waitUntil(whole, timeout=5000)
    w.hide_banner()


def test_compare_opened_while_playing_forks_at_the_iteration_it_states(qtbot, window):
    w = window
    w.speed.set_speed(500)
    w.controller.play()
    wait_snapshot(qtbot, w, lambda s: s.playing and s.iteration > 20)
    seen: list = []

    def look() -> None:
        dialog = getattr(w, "compare_dialog_open", None)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, look)
            return
        qtbot.wait(600)  # the learner reads the dialog; A must not train meanwhile
        seen.append((dialog.iteration, w.controller.snapshot.iteration, w.controller.playing))
        qtbot.keyClicks(dialog.text, "hidden=4")
        seen.append(dialog.note.text())
        qtbot.keyClick(dialog.text, Qt.Key.Key_Return)

    QTimer.singleShot(0, look)
    with qtbot.waitSignal(w.comparison.sigChanged, timeout=30000):
        w.act_compare.trigger()
    (stated, shown, playing), note = seen
    assert not playing and shown == stated > 20
    assert f"to iteration {stated}" in note.replace(",", "")
    snap = wait_snapshot(qtbot, w, lambda s: s.b is not None)
    assert snap.iteration == snap.b.iteration == stated and f"to iteration {stated}." in w.comparison.note
